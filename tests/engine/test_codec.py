"""The codec's safety: bytes from a hostile child decode to plain data or fail; values with
odd types are normalised to plain types or rejected."""

from __future__ import annotations

import io
import os
import pickle
from collections import OrderedDict, namedtuple

import numpy as np
import pandas as pd
import pytest
import torch

from autograder import codec


class _RunsCode:
    """Unpickling this would run a command on the grader."""

    def __init__(self, canary: str) -> None:
        self.canary = canary

    def __reduce__(self):
        return (os.system, (f"touch {self.canary}",))


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _AlwaysEqualFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class _AlwaysEqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


class _LyingTensor(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(other, dtype=torch.bool)


class _Chameleon:
    __class__ = float  # isinstance(x, float) is True

    def __float__(self) -> float:
        return -1.0

    def __eq__(self, other):
        return True


def _torch_save(value) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: _torch_save({"value": _RunsCode(c)}),  # torch's zip format, hostile pickle
        lambda c: pickle.dumps(_RunsCode(c)),  # a bare pickle
        lambda c: pickle.dumps(_RunsCode(c), protocol=2),
        lambda c: _torch_save([1.0, _AlwaysEqual()]),
        lambda c: _torch_save(_AlwaysEqualFloat(1.0)),
        lambda c: _torch_save(np.arange(3)),  # NumPy objects are not plain data on the wire
    ],
)
def test_forged_bytes_are_rejected(forge, tmp_path):
    canary = tmp_path / "ran"
    data = forge(str(canary))
    with pytest.raises(Exception):  # noqa: B017 (any refusal will do; what matters is below)
        codec.loads(data)
    assert not canary.exists()


def test_garbage_bytes_are_rejected():
    for data in (b"", b"\x80\x04K\x01.", b"PK\x03\x04garbage", os.urandom(256)):
        with pytest.raises(Exception):  # noqa: B017
            codec.loads(data)


def test_malformed_tags_are_rejected():
    with pytest.raises(codec.UnsupportedValue):
        codec.loads(codec.dumps({"__torchgrade__": "exec", "code": "print(1)"}))


@pytest.mark.parametrize(
    "value,plain_type",
    [
        (_AlwaysEqualFloat(-1.0), float),
        (_Chameleon(), float),
        (True, bool),
        (np.float32(0.25), np.float32),
        (np.int64(3), np.int64),
        ("text", str),
        (b"bytes", bytes),
    ],
)
def test_scalars_come_back_plain(value, plain_type):
    out = codec.round_trip(value)
    assert type(out) is plain_type
    if isinstance(value, _AlwaysEqualFloat):
        assert out == -1.0 and out != 0.0


def test_subclasses_are_normalised():
    array = np.zeros(3).view(_AlwaysEqualArray)
    out = codec.round_trip(array)
    assert type(out) is np.ndarray and not np.array_equal(out, np.ones(3))

    tensor = torch.zeros(4, requires_grad=True).as_subclass(_LyingTensor)
    out = codec.round_trip(tensor)
    assert type(out) is torch.Tensor and not out.requires_grad
    assert not torch.equal(out, torch.ones(4))

    Pair = namedtuple("Pair", "a b")
    assert type(codec.round_trip(Pair(1, 2))) is tuple
    out = codec.round_trip(OrderedDict(a=1.0))
    assert type(out) is dict and out == {"a": 1.0}


def test_objects_with_behaviour_are_rejected():
    for value in (
        _AlwaysEqual(),
        [1, _AlwaysEqual()],
        {"k": _AlwaysEqual()},
        np.array([_AlwaysEqual()], dtype=object),
        torch.nn.Linear(2, 2),
        {_AlwaysEqual(): 1},
    ):
        with pytest.raises(codec.UnsupportedValue):
            codec.encode(value)


def test_plain_values_round_trip_exactly():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=4), "b": np.arange(4)})
    value = {
        "x": rng.normal(size=(2, 3)),
        "t": torch.arange(6.0).reshape(2, 3),
        "shape": torch.Size([2, 3]),
        "pair": (1, 2.5),
        "dtype": torch.float64,
        "frame": frame,
        "nan": float("nan"),
    }
    out = codec.round_trip(value)
    np.testing.assert_array_equal(out["x"], value["x"])
    torch.testing.assert_close(out["t"], value["t"])
    assert out["shape"] == (2, 3) and out["pair"] == (1, 2.5) and out["dtype"] is torch.float64
    pd.testing.assert_frame_equal(out["frame"], frame)
    assert np.isnan(out["nan"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" + b"[]," * 2_000_000 + b"[]]", "more than 1000000 elements"),
        (b'{"a":' * 600_000 + b"1" + b"}" * 600_000, "more than 1000000 elements"),
        (b" " * (codec.MAX_REPLY_BYTES + 1), "too large"),
    ],
)
def test_oversized_replies_are_refused_before_parsing(data, reason, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a reply over the bounds")

    monkeypatch.setattr(codec.json, "loads", no_parsing)
    with pytest.raises(codec.UnsupportedValue, match=reason):
        codec.loads(data)


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser recurses
        b"[" * 80 + b"]" * 80,  # deeper than any value encode makes
        b'{"__torchgrade__":"tensor","dtype":"float64","shape":[1000000,1000000],"data":""}',
        b'{"__torchgrade__":"tensor","dtype":"float32","shape":[1],"data":[1]}',
        b'{"__torchgrade__":"dict","keys":[[1]],"values":[1]}',
        b'{"__torchgrade__":"dict","keys":"ab","values":[1,2]}',
        b'{"__torchgrade__":"ndarray","data":[1,2]}',
        b'{"__torchgrade__":"dtype","name":"load"}',
        b'{"__torchgrade__":"dataframe","columns":["a"],"data":{"b":[1]}}',
        b'{"__torchgrade__":"complex","re":[],"im":0}',
    ],
)
def test_malformed_or_bomb_replies_are_refused(data):
    with pytest.raises(codec.UnsupportedValue):
        codec.loads(data)


def test_a_large_honest_reply_still_decodes():
    value = {"weights": torch.randn(1000, 1000), "history": [float(i) for i in range(100_000)]}
    back = codec.round_trip(value)
    torch.testing.assert_close(back["weights"], value["weights"], rtol=0, atol=0)
    assert back["history"] == value["history"]


def _mutable_parts(value) -> list:
    """Every mutable object inside a decoded value (what a copy must not share)."""
    if isinstance(value, list | dict | torch.Tensor | np.ndarray | pd.DataFrame):
        inner = value.values() if isinstance(value, dict) else value
        nested = [] if isinstance(value, torch.Tensor | np.ndarray | pd.DataFrame) else inner
        return [value, *(part for item in nested for part in _mutable_parts(item))]
    if isinstance(value, tuple):
        return [part for item in value for part in _mutable_parts(item)]
    return []


def test_fresh_copy_equals_a_second_decoding_and_shares_nothing_mutable():
    rng = np.random.default_rng(3)
    data = codec.dumps(
        codec.encode(
            {
                "grid": [{"error": ["ValueError", "Exception"], "message": "m"}, {"value": 3}],
                "arrays": (rng.normal(size=(2, 2)), torch.arange(4.0), np.float32(1.5)),
                "frame": pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}),
                "meta": [torch.float64, torch.device("cpu"), b"raw", 2 + 1j, None, True],
            }
        )
    )
    decoded = codec.loads(data)
    copied = codec.fresh_copy(decoded)
    again = codec.loads(data)
    assert copied["grid"] == again["grid"] and copied["meta"] == again["meta"]
    for got, want in zip(copied["arrays"], again["arrays"], strict=True):
        assert type(got) is type(want)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert copied["arrays"][2].dtype == np.float32
    pd.testing.assert_frame_equal(copied["frame"], again["frame"])
    shared = {id(p) for p in _mutable_parts(decoded)} & {id(p) for p in _mutable_parts(copied)}
    assert not shared
    copied["arrays"][0][0, 0] = 99.0  # writing the copy leaves the original as it was
    copied["grid"][0]["error"].append("x")
    assert decoded["arrays"][0][0, 0] == again["arrays"][0][0, 0]
    assert decoded["grid"] == again["grid"]
