# hostile: appended to the reference solution
"""Importing the module never finishes: every metrics test fails, without waiting for a
timeout per test."""

import time

while True:
    time.sleep(1000)
