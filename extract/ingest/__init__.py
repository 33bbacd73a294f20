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

# A file is read by os-level calls (open, fstat, two reads, close): Path.stat then Path.read_bytes
# made ten system calls a file (a second stat, two lseeks, an ioctl), a tenth of reading a text
# report. O_NONBLOCK: opening a FIFO does not wait for a writer (its size, 0, refuses
# it next, as the stat before the open did); it changes nothing for a regular file.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NONBLOCK", 0))


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
        fd = os.open(sp, _OPEN_FLAGS)
    except OSError as e:
        # the reasons in the order the stat before the read gave them: missing, a folder, the size,
        # and only then that it cannot be read
        _check_size(_stat(sp), sp)
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    try:
        data = _read_all(fd, _check_size(os.fstat(fd), sp), sp)
    finally:
        os.close(fd)
    fmt = choose_format(p, data)
    reader = reader_for(fmt)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}", path=sp)
    return reader(data, sp), data


def _stat(sp: str) -> os.stat_result:
    try:
        return os.stat(sp)
    except FileNotFoundError:
        raise IngestError("file not found", path=sp) from None
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None


def _check_size(st: os.stat_result, sp: str) -> int:
    """The size of a file that is neither a folder, nor empty, nor too large."""
    if stat.S_ISDIR(st.st_mode):
        raise IngestError("is a folder, not a file", path=sp)
    size = st.st_size
    if size == 0:
        raise IngestError("empty file (0 bytes)", path=sp)
    if size > MAX_BYTES:
        raise IngestError(f"file too large ({size / 2**20:.0f} MB; the limit is {MAX_BYTES / 2**20:.0f} MB)",
                          path=sp)
    return size


def _read_all(fd: int, size: int, sp: str) -> bytes:
    """The bytes of the open file ``fd`` of ``size`` bytes, to its end (it may have grown since)."""
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16 if chunks else size + 1):   # the last read finds the end
            chunks.append(chunk)
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    return b"".join(chunks)


def load(path: str | os.PathLike) -> Document:
    """Read one file into a Document; raises ``IngestError`` naming the file and the reason."""
    return load_with_bytes(path)[0]
