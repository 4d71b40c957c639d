# hostile: appended to the reference solution
"""Every call sleeps just under the per-call time limit and then answers correctly, so
that a submission would hold a grader for (tests x limit) seconds: its wall-clock budget
as a whole stops it."""

import functools
import time

SLEEP = 1.5  # the test grades it with a 5 s per-call limit and a 6 s budget


def _slow(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        time.sleep(SLEEP)
        return function(*args, **kwargs)

    return wrapper


binary_accuracy = _slow(binary_accuracy)  # noqa: F821 (defined by the reference above)
multiclass_accuracy = _slow(multiclass_accuracy)  # noqa: F821
confusion_matrix = _slow(confusion_matrix)  # noqa: F821
per_class_accuracy = _slow(per_class_accuracy)  # noqa: F821
loader_accuracy = _slow(loader_accuracy)  # noqa: F821
