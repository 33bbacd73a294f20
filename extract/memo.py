"""The rule of the package's memos across reports: a plain dict, read by its bound ``get`` where it is
hot (a fraction of an ``lru_cache`` call), and emptied when full. The keys worth keeping (template
labels, headings, a template's row shapes) recur in every report and come back at once, so a memo
needs no recency bookkeeping; the bound keeps its memory flat over a batch of any size."""

from __future__ import annotations

from typing import TypeVar

V = TypeVar("V")


def remember(memo: dict, key, value: V, size: int) -> V:
    """``value``, kept in ``memo`` under ``key``; a memo that holds ``size`` entries is emptied first."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value
