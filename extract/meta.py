"""Report metadata (placeholder)."""
from __future__ import annotations
from .types import Document, Meta, Sections


def read_meta(doc: Document, sections: Sections) -> Meta:
    return Meta(agency=None, year=None, template="unknown")
