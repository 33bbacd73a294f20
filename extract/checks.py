"""Template identities (placeholder)."""
from __future__ import annotations


def check_tables(tables, meta) -> tuple:
    return ()
