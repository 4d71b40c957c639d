# hostile: appended to the reference solution
"""multiclass_accuracy allocates far too much (NumPy at once, then torch, then a slowly
growing list)."""

import numpy as np
import torch

_hoard = []


def multiclass_accuracy(y_true, scores):
    try:
        _hoard.append(np.ones(10**11))
    except MemoryError:
        pass
    try:
        _hoard.append(torch.ones(10**11))
    except RuntimeError:
        pass
    while True:
        _hoard.append(bytearray(64 << 20))
