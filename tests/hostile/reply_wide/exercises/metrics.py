# hostile: appended to the reference solution
"""binary_accuracy's reply is 30 MB of JSON holding ten million empty lists (what the
grader would build from it costs gigabytes): written in place of the codec's bytes, so the
child pays nothing for it."""

import autograder.codec as codec

_real_dumps = codec.dumps


def _bomb_once(value):
    codec.dumps = _real_dumps  # only this reply: the other functions answer normally
    return b"[" + b"[]," * 10_000_000 + b"[]]"


def binary_accuracy(y_true, q, threshold=0.5):
    codec.dumps = _bomb_once
    return 1.0
