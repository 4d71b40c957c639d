# hostile: appended to the reference solution
"""binary_accuracy floods stdout and stderr forever."""

import os
import sys


def binary_accuracy(y_true, q, threshold=0.5):
    line = "x" * 65535 + "\n"
    while True:
        sys.stdout.write(line)
        os.write(2, line.encode())
