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
_MAX_DEPTH = 32  # levels of nesting `encode` accepts
# What `loads` accepts from an untrusted child (a full hidden suite's largest reply is about
# 0.5 MB, 8,400 values and 8 JSON levels deep: these leave a wide margin).
MAX_REPLY_BYTES = 64 << 20
MAX_ELEMENTS = 1_000_000
MAX_JSON_DEPTH = 2 * _MAX_DEPTH + 4  # a tuple or dict adds two JSON levels to the value's


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
    # Plain lists and dicts first: big results are mostly those (the checks below, the
    # Mapping ABC above all, cost a stub submission's sandbox ~10 ms).
    if type(value) is list:
        return [encode(v, _depth + 1) for v in value]
    if type(value) is dict:
        return _encode_mapping(value, _depth)
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
        return _encode_mapping(value, _depth)
    if isinstance(value, list | set | frozenset | range | Generator | Iterator):
        return [encode(v, _depth + 1) for v in value]
    raise UnsupportedValue(f"value of type {type(value).__module__}.{type(value).__qualname__}")


def _encode_mapping(value: Mapping, depth: int) -> dict:
    out = {}
    for key, item in value.items():
        if not isinstance(key, str | int):
            raise UnsupportedValue(f"dict key of type {type(key).__name__}")
        out[str(key) if isinstance(key, str) else int(key)] = encode(item, depth + 1)
    return {_TAG: "dict", "keys": list(out), "values": list(out.values())}


def _encode_column(column: np.ndarray, depth: int) -> Any:
    """A numeric column as an array; a text column (object dtype) as a list of str."""
    if column.dtype.kind in "OUS" and all(isinstance(v, str) for v in column):
        return [str(v) for v in column]
    return encode(column, depth)


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
    kind = type(value)
    if kind is str or kind is int or kind is float or value is None or kind is bool:
        return value
    if kind is list:
        return [_to_json(v) for v in value]
    if kind is dict:
        return {k: _to_json(v) for k, v in value.items()}
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


def _tensor_from_json(value: dict) -> torch.Tensor:
    dtype = _DTYPES.get(value.get("dtype"))
    shape = value.get("shape")
    data = value.get("data", "")
    if (
        dtype is None
        or not isinstance(shape, list)
        or len(shape) > _MAX_DEPTH
        or not all(type(n) is int and n >= 0 for n in shape)
        or not isinstance(data, str)
    ):
        raise UnsupportedValue("malformed tensor")
    raw = base64.b64decode(data, validate=True)
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != math.prod(shape) * itemsize:
        raise UnsupportedValue("malformed tensor (size does not match shape)")
    if not raw:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)


def _items(value: dict, key: str, depth: int) -> list:
    items = value.get(key)
    if not isinstance(items, list):
        raise UnsupportedValue(f"malformed value ({key} is not a list)")
    return [_decode(v, depth + 1) for v in items]


def _array(value: dict, depth: int) -> np.ndarray:
    data = _decode(value.get("data"), depth + 1)
    if type(data) is not torch.Tensor:
        raise UnsupportedValue("malformed array")
    return data.numpy()


def _decode(value: Any, depth: int) -> Any:
    """Parsed JSON -> the value `encode` made, strict about what it accepts; one pass, at most
    MAX_JSON_DEPTH levels deep."""
    if depth > MAX_JSON_DEPTH:
        raise UnsupportedValue("value nested too deeply")
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value  # None, bool, int, float, str: what JSON itself builds
    tag = value.get(_TAG)
    if tag == "tensor":
        return _tensor_from_json(value)
    if tag == "ndarray":
        return _array(value, depth)
    if tag == "npscalar":
        return _array(value, depth)[()]
    if tag == "tuple":
        return tuple(_items(value, "items", depth))
    if tag == "dict":
        keys, values = _items(value, "keys", depth), _items(value, "values", depth)
        if len(keys) != len(values) or not all(type(k) in (str, int) for k in keys):
            raise UnsupportedValue("malformed dict")
        return dict(zip(keys, values, strict=True))
    if tag == "bytes":
        data = value.get("data", "")
        if not isinstance(data, str):
            raise UnsupportedValue("malformed bytes")
        return base64.b64decode(data, validate=True)
    if tag == "complex":
        return complex(float(value["re"]), float(value["im"]))
    if tag in ("dtype", "device"):
        name = value.get("name")
        if not isinstance(name, str) or len(name) > 64:
            raise UnsupportedValue(f"malformed {tag}")
        if tag == "device":
            return torch.device(name)
        dtype = getattr(torch, name.removeprefix("torch."), None)
        if not isinstance(dtype, torch.dtype):
            raise UnsupportedValue("malformed dtype")
        return dtype
    if tag == "dataframe":
        import pandas as pd

        columns = value.get("columns")
        data = value.get("data")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise UnsupportedValue("malformed DataFrame")
        if not isinstance(data, dict) or set(data) != set(columns):
            raise UnsupportedValue("malformed DataFrame")
        return pd.DataFrame({c: _decode(data[c], depth + 1) for c in columns}, columns=columns)
    raise UnsupportedValue(f"malformed value (tag {str(tag)[:40]!r})")


_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, torch.dtype, torch.device)


def fresh_copy(value: Any) -> Any:
    """A copy of a value `loads` returned that shares nothing mutable with it: what decoding
    its bytes again would give, without parsing them (a remembered reference result is
    handed out many times per submission)."""
    kind = type(value)
    if kind in _IMMUTABLE or isinstance(value, np.generic):
        return value
    # (Scalars are checked inline: big results are mostly lists and dicts of them.)
    if kind is list:
        return [v if type(v) in _IMMUTABLE else fresh_copy(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in _IMMUTABLE else fresh_copy(v) for k, v in value.items()}
    if kind is tuple:
        return tuple([v if type(v) in _IMMUTABLE else fresh_copy(v) for v in value])
    if kind is torch.Tensor:
        return value.clone()
    if kind is np.ndarray:
        return value.copy()
    if kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas"):
        return value.copy(deep=True)
    return loads(dumps(value))  # not a form `loads` makes; copied the slow, sure way


def dumps(value: Any) -> bytes:
    """An encoded value as bytes (JSON; NaN and infinities as JSON extensions)."""
    return json.dumps(_to_json(value), allow_nan=True, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    """Decode bytes from an untrusted source: plain containers, numbers and tensors only.

    Bounded before anything is built: at most MAX_REPLY_BYTES, at most MAX_ELEMENTS JSON
    values (counted from the separators, which bounds them from above), at most
    MAX_JSON_DEPTH levels; time and memory are linear in the size. Anything else is an
    UnsupportedValue, which fails only the test that asked for it."""
    if len(data) > MAX_REPLY_BYTES:
        raise UnsupportedValue(
            f"value too large ({len(data) >> 20} MiB encoded, at most {MAX_REPLY_BYTES >> 20} MiB)"
        )
    # Each JSON value but the first follows a ",", a ":" or an opening bracket.
    values = 1 + sum(data.count(sep) for sep in (b",", b":", b"[", b"{"))
    if values > MAX_ELEMENTS:
        raise UnsupportedValue(f"value with more than {MAX_ELEMENTS} elements")
    try:
        parsed = json.loads(data.decode("utf-8"))
        return _decode(parsed, 0)
    except UnsupportedValue:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnsupportedValue(f"malformed value ({type(exc).__name__})") from None
    except (KeyError, TypeError, RuntimeError) as exc:  # a tag with the wrong fields
        raise UnsupportedValue(f"malformed value ({type(exc).__name__})") from None


def round_trip(value: Any) -> Any:
    return loads(dumps(encode(value)))
