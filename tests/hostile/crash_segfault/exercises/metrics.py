# hostile: appended to the reference solution
"""binary_accuracy dereferences a NULL pointer: the process dies of SIGSEGV."""

import ctypes


def binary_accuracy(y_true, q, threshold=0.5):
    return ctypes.c_char.from_address(8).value
