"""Ingest: any report file → one ``Document``.

Readers are registered by format; ``load`` picks one by the file's suffix (and
its leading bytes), so PDF and DOCX readers plug in beside text and HTML.
Every reader returns a ``Document`` whose ``text`` holds the visible text with
each table rendered one row per line, cells separated by tabs, and whose
paragraph and cell spans index that text.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..errors import IngestError, UnsupportedFormat
from ..types import Document
from .text import document_from_text, decode_bytes

Reader = Callable[[bytes, str | None], Document]
"""A reader takes the file's bytes and its path (for messages) and returns a Document."""

MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused (a report is at most a few MB; 50 MB is a corrupt or wrong file)."""

_SUFFIX_FORMAT = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc",
}

_READERS: dict[str, Reader] = {}


def register(fmt: str, reader: Reader) -> None:
    _READERS[fmt] = reader


def guess_format(path: str | os.PathLike) -> str | None:
    return _SUFFIX_FORMAT.get(Path(path).suffix.lower())


def _text_reader(fmt: str) -> Reader:
    def read(data: bytes, path: str | None) -> Document:
        text, enc = decode_bytes(data, path)
        return document_from_text(text, format=fmt, path=path, encoding=enc)
    return read


register("text", _text_reader("text"))
register("markdown", _text_reader("markdown"))


def _lazy_reader(module: str, name: str) -> Reader:
    """A reader imported on first use (pdfplumber, python-docx load only when a file needs them)."""
    def read(data: bytes, path: str | None) -> Document:
        from importlib import import_module
        return getattr(import_module(f"{__name__}.{module}"), name)(data, path)
    return read


register("pdf", _lazy_reader("pdf", "read_pdf"))
register("docx", _lazy_reader("docx", "read_docx"))
register("doc", _lazy_reader("docx", "read_doc"))


def from_text(text: str, *, format: str = "text", path: str | None = None) -> Document:
    """A Document from a string already decoded (text, Markdown or HTML)."""
    if format == "html":
        from .html import document_from_html
        return document_from_html(text, path=path, encoding=None)
    return document_from_text(text, format=format, path=path)


def load_with_bytes(path: str | os.PathLike) -> tuple[Document, bytes]:
    p = Path(path)
    sp = str(p)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise IngestError("file not found", path=sp) from None
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    if p.is_dir():
        raise IngestError("is a folder, not a file", path=sp)
    if size == 0:
        raise IngestError("empty file (0 bytes)", path=sp)
    if size > MAX_BYTES:
        raise IngestError(f"file too large ({size / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB)", path=sp)
    data = p.read_bytes()
    fmt = guess_format(p) or "text"
    reader = _READERS.get(fmt)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}", path=sp)
    return reader(data, sp), data


def load(path: str | os.PathLike) -> Document:
    """Read one file into a Document; raises ``IngestError`` naming the file and the reason."""
    return load_with_bytes(path)[0]
