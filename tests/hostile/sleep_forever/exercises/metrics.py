# hostile: appended to the reference solution
"""per_class_accuracy sleeps forever (and ignores SIGTERM)."""

import signal
import time


def per_class_accuracy(cm):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1000)
