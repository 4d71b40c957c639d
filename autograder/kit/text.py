"""Showing text that a student chose (file names, notebook names, messages) to an instructor.

A name may hold control characters, invisible ones (right-to-left overrides) or start like a
spreadsheet formula; these helpers make such text safe to print, quote in a message or put
in a spreadsheet cell.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula


def printable(text: str, limit: int = 80) -> str:
    """`text` with control and invisible characters escaped (`\\n`, `\\u202e`, `\\udcff` for
    a byte that is not UTF-8), cut to `limit` characters."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def spreadsheet_safe(text: str) -> str:
    """Text that no spreadsheet reads as a formula: a leading =, +, -, @, tab or carriage
    return gets a quote in front (the usual neutralisation of formula injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
