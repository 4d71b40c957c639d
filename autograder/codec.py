"""Plain data across the trust boundary.

Student code may return anything; the grader only ever sees plain data: None, bool, int,
float, complex, str, bytes, lists/tuples/dicts of those, torch tensors, NumPy arrays and
scalars, and pandas DataFrames. `encode` (run next to the student code) turns a value into
that form and rejects anything else; `dumps`/`loads` move it as bytes: JSON, with each
tensor's raw bytes in base64 under a whitelisted dtype. JSON can only build builtin
containers and numbers, so bytes forged by a hostile child still decode to plain data, never
to an object with its own `__eq__` (and, unlike `torch.load`, decoding a small value takes
microseconds). The in-process backend round-trips through the same functions, so both
backends hand the tests identical values.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Generator, Iterator, Mapping
from typing import Any

import numpy as np
import torch

_TAG = "__torchgrade__"
_MAX_DEPTH = 32


class UnsupportedValue(TypeError):
    """A student function returned something that is not plain data."""


def _tensor(t: torch.Tensor) -> torch.Tensor:
    # A plain, detached CPU tensor of the same dtype: no subclass, no grad graph.
    out = t.detach()
    if out.device.type != "cpu":
        out = out.cpu()
    if type(out) is not torch.Tensor:
        out = out.as_subclass(torch.Tensor)
    return out.clone() if out.is_sparse is False else out.to_dense().clone()


def encode(value: Any, _depth: int = 0) -> Any:
    """Return `value` as plain data, or raise UnsupportedValue naming the offending type."""
    if _depth > _MAX_DEPTH:
        raise UnsupportedValue("value nested too deeply")
    if value is None or type(value) in (bool, int, float, complex, str, bytes):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and not isinstance(value, np.generic):
        return int(value)
    if isinstance(value, float) and not isinstance(value, np.generic):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, torch.Tensor):
        return _tensor(value)
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise UnsupportedValue(f"NumPy array of dtype {array.dtype} (expected numbers)")
        kind = "ndarray" if isinstance(value, np.ndarray) else "npscalar"
        # np.array keeps 0-d arrays 0-d (ascontiguousarray would make them 1-d).
        return {_TAG: kind, "data": torch.from_numpy(np.array(array, order="C", copy=True))}
    if isinstance(value, torch.Size):
        return {_TAG: "tuple", "items": [int(v) for v in value]}
    if isinstance(value, torch.dtype):
        return {_TAG: "dtype", "name": str(value)}
    if isinstance(value, torch.device):
        return {_TAG: "device", "name": str(value)}
    if type(value).__module__.startswith("pandas") and hasattr(value, "to_dict"):
        if type(value).__name__ == "DataFrame":
            columns = [str(c) for c in value.columns]
            data = {str(c): _encode_column(value[c].to_numpy(), _depth + 1) for c in value.columns}
            return {_TAG: "dataframe", "columns": columns, "data": data}
        if type(value).__name__ == "Series":
            return encode(value.to_numpy(), _depth)
    if isinstance(value, tuple):
        return {_TAG: "tuple", "items": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str | int):
                raise UnsupportedValue(f"dict key of type {type(key).__name__}")
            out[str(key) if isinstance(key, str) else int(key)] = encode(item, _depth + 1)
        return {_TAG: "dict", "keys": list(out), "values": list(out.values())}
    if isinstance(value, list | set | frozenset | range | Generator | Iterator):
        return [encode(v, _depth + 1) for v in value]
    raise UnsupportedValue(f"value of type {type(value).__module__}.{type(value).__qualname__}")


def _encode_column(column: np.ndarray, depth: int) -> Any:
    """A numeric column as an array; a text column (object dtype) as a list of str."""
    if column.dtype.kind in "OUS" and all(isinstance(v, str) for v in column):
        return [str(v) for v in column]
    return encode(column, depth)


def decode(value: Any) -> Any:
    """Inverse of `encode`, run on the trusted side after `loads`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        tag = value.get(_TAG)
        if tag == "ndarray":
            return value["data"].numpy()
        if tag == "npscalar":
            return value["data"].numpy()[()]
        if tag == "tuple":
            return tuple(decode(v) for v in value["items"])
        if tag == "dtype":
            return getattr(torch, str(value["name"]).removeprefix("torch."))
        if tag == "device":
            return torch.device(str(value["name"]))
        if tag == "dataframe":
            import pandas as pd

            return pd.DataFrame(
                {c: decode(value["data"][c]) for c in value["columns"]},
                columns=list(value["columns"]),
            )
        if tag == "dict":
            return {k: decode(v) for k, v in zip(value["keys"], value["values"], strict=True)}
        raise UnsupportedValue(f"malformed value (tag {tag!r})")
    if isinstance(value, tuple):  # never produced by encode; accept defensively
        return tuple(decode(v) for v in value)
    return value


# dtypes that may cross the boundary, by name (the name is what travels).
_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.bool,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
    )
}


def _to_json(value: Any) -> Any:
    """Encoded value -> JSON-ready structure (tensors, bytes and complex become tags)."""
    if isinstance(value, torch.Tensor):
        t = value.detach().resolve_conj().resolve_neg().contiguous()
        name = str(t.dtype).removeprefix("torch.")
        if name not in _DTYPES:
            raise UnsupportedValue(f"tensor of dtype {t.dtype}")
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        return {
            _TAG: "tensor",
            "dtype": name,
            "shape": list(t.shape),
            "data": base64.b64encode(raw).decode("ascii"),
        }
    if isinstance(value, bytes):
        return {_TAG: "bytes", "data": base64.b64encode(value).decode("ascii")}
    if isinstance(value, complex):
        return {_TAG: "complex", "re": value.real, "im": value.imag}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _from_json(value: Any) -> Any:
    """Inverse of `_to_json`, strict about what it accepts."""
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag == "tensor":
        dtype = _DTYPES.get(value.get("dtype"))
        shape = value.get("shape")
        if (
            dtype is None
            or not isinstance(shape, list)
            or not all(type(n) is int and n >= 0 for n in shape)
        ):
            raise UnsupportedValue("malformed tensor")
        raw = base64.b64decode(value.get("data", ""), validate=True)
        itemsize = torch.empty((), dtype=dtype).element_size()
        if len(raw) != math.prod(shape) * itemsize:
            raise UnsupportedValue("malformed tensor (size does not match shape)")
        if not raw:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)
    if tag == "bytes":
        return base64.b64decode(value.get("data", ""), validate=True)
    if tag == "complex":
        return complex(float(value["re"]), float(value["im"]))
    return {k: _from_json(v) for k, v in value.items()}


def dumps(value: Any) -> bytes:
    """An encoded value as bytes (JSON; NaN and infinities as JSON extensions)."""
    return json.dumps(_to_json(value), allow_nan=True, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    """Decode bytes from an untrusted source: plain containers, numbers and tensors only."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnsupportedValue(f"malformed value ({type(exc).__name__})") from None
    return decode(_from_json(parsed))


def round_trip(value: Any) -> Any:
    return loads(dumps(encode(value)))
