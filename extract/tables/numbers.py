"""Numbers as a table prints them: ``1,024``, ``0.33``, ``+3``, full-width digits, and the marks
(``-``, ``/``, ``无``) that stand for an empty cell."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NULL_MARKERS = frozenset({"-", "--", "—", "——", "/", "／", "－", "–", "\\", "无", "空"})
_INT = re.compile(r"^[+-]?\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DEC = re.compile(r"^[+-]?\d+\.\d+$")


MAX_NUMBER_DIGITS = 15
"""Digits before the decimal point a table number may have (10^15 件 or 万元 is no report's figure).

A longer run of digits is not read as a number: the cell stays unread and the table reader
reports the row, instead of a value that overflows every sum and message downstream."""


@lru_cache(maxsize=16384)
def parse_number(token: str) -> int | float | None:
    """A table number as printed (``1,024``, ``0.33``, ``+3``, full-width digits); None if not a number.

    None too for a number of more than ``MAX_NUMBER_DIGITS`` digits before the point (out of range).
    """
    t = unicodedata.normalize("NFKC", token).strip().replace("，", ",")
    if not t or len(t) > 4 * MAX_NUMBER_DIGITS:
        return None
    if _INT.match(t):
        return int(t) if _in_range(t) else None
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
        if not _in_range(t):
            return None
        return float(t) if "." in t else int(t)
    if _DEC.match(t):
        return float(t) if _in_range(t) else None
    return None


def _in_range(t: str) -> bool:
    return len(t.lstrip("+-").split(".")[0].lstrip("0")) <= MAX_NUMBER_DIGITS


@lru_cache(maxsize=4096)
def is_null_marker(token: str) -> bool:
    return unicodedata.normalize("NFKC", token).strip() in NULL_MARKERS or token.strip() in NULL_MARKERS
