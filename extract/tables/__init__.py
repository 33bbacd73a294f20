"""Template tables by label (placeholder)."""
from __future__ import annotations


def read_tables(doc, sections, meta) -> dict:
    return {}
