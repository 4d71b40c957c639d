"""Length-prefixed frames between the grader and a sandbox child.

Requests (grader -> child) are pickles: they come from the trusted side. Replies (child ->
grader) are never unpickled as such: a reply is a fixed header, then either `codec.dumps`
bytes (decoded with `codec.loads`: JSON, tensors as raw bytes of whitelisted dtypes) or a
JSON error.
"""

from __future__ import annotations

import json
import socket
import struct

from autograder.codec import MAX_REPLY_BYTES

_LENGTH = struct.Struct("!Q")
REPLY_HEADER = struct.Struct("!QB")  # request sequence number, status
OK, ERROR, HELLO = 0, 1, 2
MAX_REPLY = MAX_REPLY_BYTES + REPLY_HEADER.size  # larger: a broken child, never buffered


class ProtocolError(Exception):
    """The child sent something that is not a well-formed reply."""


def send_frame(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(data)) + data)


def recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> bytes | None:
    """Blocking read of one frame (child side); None at end of stream."""
    header = recv_exact(sock, _LENGTH.size)
    if header is None:
        return None
    return recv_exact(sock, _LENGTH.unpack(header)[0])


class FrameBuffer:
    """Incremental frame parser for the grader's non-blocking reads, with a size cap."""

    def __init__(self, max_size: int = MAX_REPLY) -> None:
        self.max_size = max_size
        self._data = bytearray()

    def feed(self, data: bytes) -> None:
        self._data += data

    def next_frame(self) -> bytes | None:
        if len(self._data) < _LENGTH.size:
            return None
        (length,) = _LENGTH.unpack_from(self._data)
        if length > self.max_size:
            raise ProtocolError(f"a reply of {length} bytes (more than {self.max_size})")
        if len(self._data) < _LENGTH.size + length:
            return None
        frame = bytes(self._data[_LENGTH.size : _LENGTH.size + length])
        del self._data[: _LENGTH.size + length]
        return frame


def reply(seq: int, status: int, payload: bytes) -> bytes:
    return REPLY_HEADER.pack(seq, status) + payload


def parse_reply(frame: bytes) -> tuple[int, int, bytes]:
    if len(frame) < REPLY_HEADER.size:
        raise ProtocolError("a truncated reply")
    seq, status = REPLY_HEADER.unpack_from(frame)
    if status not in (OK, ERROR, HELLO):
        raise ProtocolError(f"unknown reply status {status}")
    return seq, status, frame[REPLY_HEADER.size :]


def error_payload(kind: str, message: str, detail: str, kinds: tuple[str, ...]) -> bytes:
    return json.dumps(
        {"kind": kind, "message": message, "detail": detail, "kinds": list(kinds)}
    ).encode()


def parse_error(payload: bytes, limit: int = 4000) -> tuple[str, str, str, tuple[str, ...]]:
    """Validate a JSON error from the child: four strings (kinds a list of strings)."""
    try:
        data = json.loads(payload.decode("utf-8"))
        kind, message, detail = (data[k] for k in ("kind", "message", "detail"))
        kinds = data["kinds"]
        if not all(isinstance(v, str) for v in (kind, message, detail)):
            raise TypeError
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise TypeError
    except Exception:
        raise ProtocolError("a malformed error reply") from None
    return (kind[:200], message[:limit], detail[:limit], tuple(k[:200] for k in kinds[:50]))
