"""Reading failure messages: the stub's hint, the decisive line of an assertion, clusters.

Standard library only: `torchgrade check` uses it on the student's machine (it ships in
the student release), where every import counts towards start-up time.
"""

from __future__ import annotations

import re

STUB_ERROR = "NotImplementedError"
LINE_LIMIT = 160
# numpy.testing (>= 2.1): " [0, 0]: 10001.0 (ACTUAL), 0.0 (DESIRED)"
NUMPY_MISMATCH = re.compile(r"^\s*(\[[^\]]*\]|\(\)):\s*(.+?) \(ACTUAL\),\s*(.+?) \(DESIRED\)\s*$")
# numpy.testing (older): " x: array([...])" is the actual value, " y: ..." the desired one.
NUMPY_XY = re.compile(r"^\s*([xy]|ACTUAL|DESIRED): (.+)$")
DECISIVE = re.compile(
    r"^(Expected .* but got|Obtained:|Mismatched elements|Greatest absolute difference|"
    r"Max absolute difference|The values for attribute|.*\b(expected|got)\b)",
    re.IGNORECASE,
)


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def stub_hint_of(message: str) -> str:
    """ "exercise.function: hint" from a stub's `NotImplementedError("...")`, or ""."""
    for line in message.splitlines():
        _, found, rest = line.partition(f"{STUB_ERROR}: ")
        if found and rest.strip():
            return rest.strip()
    return ""


def cluster_key(message: str) -> str:
    """Messages that differ only in numbers (sizes, errors, line numbers) are one cluster."""
    text = re.sub(r"\s+", " ", message.strip())
    return re.sub(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", "#", text)


def clip(line: str, limit: int = LINE_LIMIT) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."


def decisive_lines(message: str, limit: int = 3) -> list[str]:
    """What a student needs from an assertion message: its headline and the line that says
    expected vs got (numpy.testing, torch.testing and pytest's own assert rewriting)."""
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines:
        return ["failed"]
    head = lines[0].strip()
    if head.rstrip(":") == "AssertionError" and len(lines) > 1:
        head, lines = lines[1].strip(), lines[1:]
    head = head.removeprefix("AssertionError: ")
    picked = [head]
    values: dict[str, str] = {}
    for line in lines[1:]:
        mismatch = NUMPY_MISMATCH.match(line)
        if mismatch and "first" not in values:
            index, actual, desired = mismatch.groups()
            values["first"] = f"at {index}: expected {desired}, got {actual}"
            continue
        pair = NUMPY_XY.match(line)
        if pair:
            key = "got" if pair.group(1) in ("x", "ACTUAL") else "expected"
            values.setdefault(key, f"{key}: {pair.group(2).strip()}")
            continue
        if DECISIVE.match(line.strip()) and line.strip() not in picked:
            picked.append(line.strip())
    # expected vs got first, then the other decisive lines.
    keys = ("first",) if "first" in values else ("expected", "got")
    found = [values[k] for k in keys if k in values]
    return [clip(line) for line in [picked[0], *found, *picked[1:]][:limit]]
