# hostile: appended to the reference solution
"""binary_accuracy's replies take turns: lists nested a hundred thousand levels deep, and a
tensor tag that claims a trillion elements. Decoding must refuse both without recursing
that deep or allocating that much."""

import autograder.codec as codec

_real_dumps = codec.dumps
_BOMBS = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"__torchgrade__":"tensor","dtype":"float64","shape":[1000000,1000000],"data":""}',
]
_sent = [0]


def _bomb_once(value):
    codec.dumps = _real_dumps  # only this reply: the other functions answer normally
    _sent[0] += 1
    return _BOMBS[_sent[0] % 2]


def binary_accuracy(y_true, q, threshold=0.5):
    codec.dumps = _bomb_once
    return 1.0
