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
from .text import decode_bytes, document_from_text

__all__ = ["load", "load_with_bytes", "from_text", "guess_format", "sniff_format", "choose_format",
           "register", "MAX_BYTES", "decode_bytes", "document_from_text", "Reader"]

Reader = Callable[[bytes, str | None], Document]
"""A reader takes the file's bytes and its path (for messages) and returns a Document."""

MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused (a report is at most a few MB; 50 MB is a corrupt or wrong file)."""

_SUFFIX_FORMAT = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc",
    # page images: read by OCR (the ``ocr`` extra)
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image",
}

_READERS: dict[str, Reader] = {}

def register(fmt: str, reader: Reader) -> None:
    """Register (or replace) the reader for a format."""
    _READERS[fmt] = reader


def guess_format(path: str | os.PathLike) -> str | None:
    """The format a file's suffix names (``None`` for an unknown suffix)."""
    return _SUFFIX_FORMAT.get(Path(path).suffix.lower())


def sniff_format(head: bytes) -> str | None:
    """The format the leading bytes prove, or ``None`` where they prove nothing (plain text)."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    h = head[:2048]
    for bom in (b"\xef\xbb\xbf",):
        if h.startswith(bom):
            h = h[len(bom):]
    h = h.lstrip().lower()
    while h.startswith(b"<?xml") or h.startswith(b"<!--"):
        end = h.find(b"?>" if h.startswith(b"<?xml") else b"-->")
        if end < 0:
            break
        h = h[end + (2 if h.startswith(b"<?xml") else 3):].lstrip()
    if h.startswith(b"<!doctype html") or h.startswith(b"<html"):
        return "html"
    return None


def choose_format(path: str | os.PathLike, head: bytes) -> str:
    """Suffix first; the leading bytes win where they prove a binary format or an HTML page."""
    by_suffix = guess_format(path)
    sniffed = sniff_format(head)
    if sniffed is not None and not (sniffed == "html" and by_suffix == "html"):
        return sniffed
    return by_suffix or "text"


def _text_reader(fmt: str) -> Reader:
    def read(data: bytes, path: str | None) -> Document:
        text, enc = decode_bytes(data, path)
        return document_from_text(text, format=fmt, path=path, encoding=enc)
    return read


def _lazy_reader(fmt: str, module: str, func: str) -> Reader:
    """A reader imported on first use, so ``import extract`` stays light."""
    def read(data: bytes, path: str | None) -> Document:
        import importlib
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            missing = e.name or module
            if missing == module or module.startswith(missing + "."):
                raise UnsupportedFormat(f"no reader for {fmt.upper()} files in this installation "
                                        f"({module} is missing)", path=path) from None
            raise UnsupportedFormat(f"reading {fmt.upper()} files needs the package {missing!r}",
                                    path=path) from None
        reader = getattr(mod, func, None)
        if reader is None:
            raise UnsupportedFormat(f"no reader for {fmt.upper()} files ({module}.{func} is missing)",
                                    path=path)
        return reader(data, path)
    return read


def _html_reader(data: bytes, path: str | None) -> Document:
    from .html import read_html
    return read_html(data, path)


def _rtf_reader(data: bytes, path: str | None) -> Document:
    raise UnsupportedFormat("RTF files are not supported; save the report as DOCX, PDF or text", path=path)


register("text", _text_reader("text"))
register("markdown", _text_reader("markdown"))
register("html", _html_reader)
register("pdf", _lazy_reader("pdf", "extract.ingest.pdf", "read_pdf"))
register("docx", _lazy_reader("docx", "extract.ingest.docx", "read_docx"))
register("doc", _lazy_reader("doc", "extract.ingest.docx", "read_doc"))
register("rtf", _rtf_reader)
register("image", _lazy_reader("image", "extract.ingest.ocr", "read_image"))


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
    p = Path(path)
    sp = str(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise IngestError("file not found", path=sp) from None
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path=sp) from None
    if p.is_dir():
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
    fmt = choose_format(p, data[:4096])
    reader = _READERS.get(fmt)
    if reader is None:
        raise UnsupportedFormat(f"no reader for format {fmt!r}", path=sp)
    return reader(data, sp), data


def load(path: str | os.PathLike) -> Document:
    """Read one file into a Document; raises ``IngestError`` naming the file and the reason."""
    return load_with_bytes(path)[0]
