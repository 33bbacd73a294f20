"""Ingest: any report file → one ``Document``.

The formats, their suffixes, sniffers and readers are one table, ``FORMATS``
(``formats.py``); ``load`` picks a format by the file's leading bytes and its suffix.
Every reader returns a ``Document`` whose ``text`` holds the visible text with
each table rendered one row per line, cells separated by tabs, and whose
paragraph and cell spans index that text.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import IngestError, UnsupportedFormat
from ..types import Document
from .formats import (FORMATS, FileFormat, Reader, choose_format, guess_format, is_grid_format, reader_for,
                      register, register_format, report_suffixes, sniff_format)
from .text import decode_bytes, document_from_text

__all__ = ["load", "load_with_bytes", "from_text", "guess_format", "sniff_format", "choose_format",
           "register", "register_format", "report_suffixes", "is_grid_format", "FORMATS", "FileFormat",
           "MAX_BYTES", "decode_bytes", "document_from_text", "Reader"]

MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused (a report is at most a few MB; 50 MB is a corrupt or wrong file)."""


def from_text(text: str, *, format: str = "text", path: str | None = None) -> Document:
    """A Document from a string already decoded (text, Markdown or HTML)."""
    if format == "html":
        from .html import document_from_html
        return document_from_html(text, path=path, encoding=None)
    if format not in ("text", "markdown"):
        raise UnsupportedFormat(f"from_text reads text, markdown or html, not {format!r}", path=path)
    return document_from_text(text, format=format, path=path)


def load_with_bytes(path: str | os.PathLike) -> tuple[Document, bytes]:
    """Read one file into a Document; also return its bytes (for hashing)."""
    p = path if isinstance(path, Path) else Path(path)     # the pipeline passes a Path already
    sp = str(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise IngestError("file not found", path=sp) from None
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    if stat.S_ISDIR(st.st_mode):     # from the stat above: Path.is_dir() would stat the file again
        raise IngestError("is a folder, not a file", path=sp)
    size = st.st_size
    if size == 0:
        raise IngestError("empty file (0 bytes)", path=sp)
    if size > MAX_BYTES:
        raise IngestError(f"file too large ({size / 2**20:.0f} MB; the limit is {MAX_BYTES / 2**20:.0f} MB)",
                          path=sp)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    fmt = choose_format(p, data)
    reader = reader_for(fmt)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}", path=sp)
    return reader(data, sp), data


def load(path: str | os.PathLike) -> Document:
    """Read one file into a Document; raises ``IngestError`` naming the file and the reason."""
    return load_with_bytes(path)[0]
