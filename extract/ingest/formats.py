"""The file formats ingest knows: one table, from which everything else about formats derives.

Each ``FileFormat`` says how a format is recognised (its suffixes, and what its leading bytes
look like), which reader turns it into a ``Document``, whether its tables are real cell grids
(the table stage reads a rectangular grid by column) and which extra it needs. The suffix map
(``guess_format``), the content sniffer (``sniff_format``), the suffixes a folder scan reads
(``report_suffixes``: ``extract.batch``, the eval harness) and the grid formats
(``is_grid_format``: ``extract.tables.rows``) are all read from ``FORMATS``.

Adding a format is one entry in ``_TABLE`` below (plus its reader and tests); a plug-in or a
test can also call ``register_format`` at run time (seen by this process and the ``jobs=1``
path; worker processes see what their imports register).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import UnsupportedFormat
from ..types import Document
from .text import decode_bytes, document_from_text

Reader = Callable[[bytes, str | None], Document]
"""A reader takes the file's bytes and its path (for messages) and returns a Document."""

Sniff = Callable[[bytes], bool]
"""Whether the leading bytes of a file prove it is of this format."""


@dataclass(frozen=True, slots=True)
class FileFormat:
    """One format: how it is recognised, read and treated.

    ``sniff`` looks at the leading bytes (at least the first 4 KB; the whole file when ingest
    reads it) and says yes only where they prove the format: formats are sniffed in table
    order and the first yes wins, over the suffix. ``in_folders``: a file of this format found
    in a folder is read (page images are not: a folder of reports also holds logos and photos;
    an image named on the command line is read). ``grid``: the reader keeps the file's own
    table grid (HTML, PDF and Word tables), so the table stage reads a rectangular table by
    column; text formats and OCR get their tables from the layout of lines.
    """

    name: str
    reader: Reader
    suffixes: tuple[str, ...] = ()
    sniff: Sniff | None = None
    in_folders: bool = True
    grid: bool = False
    extra: str | None = None          # the pip extra its reader needs (``pip install 'xxgk-extract[ocr]'``)

    def __post_init__(self) -> None:
        bad = [s for s in self.suffixes if not s.startswith(".") or s != s.lower()]
        if bad:
            raise ValueError(f"format {self.name!r}: suffixes are lower case with a dot (not {bad})")


# -- readers --------------------------------------------------------------------------

def text_reader(fmt: str) -> Reader:
    """Bytes decoded (charset detection) and read as plain text or Markdown."""
    def read(data: bytes, path: str | None) -> Document:
        text, enc = decode_bytes(data, path)
        return document_from_text(text, format=fmt, path=path, encoding=enc)
    return read


def lazy_reader(fmt: str, module: str, func: str, *, extra: str | None = None) -> Reader:
    """A reader imported on first use, so ``import extract`` stays light; a package it needs that is
    missing is an ``UnsupportedFormat`` naming the package (and the extra that installs it)."""
    hint = f" (install the {extra} extra: pip install 'xxgk-extract[{extra}]')" if extra else ""

    def read(data: bytes, path: str | None) -> Document:
        import importlib
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            missing = e.name or module
            if missing == module or module.startswith(missing + "."):
                raise UnsupportedFormat(f"no reader for {fmt.upper()} files in this installation "
                                        f"({module} is missing)", path=path) from None
            raise UnsupportedFormat(f"reading {fmt.upper()} files needs the package {missing!r}{hint}",
                                    path=path) from None
        reader = getattr(mod, func, None)
        if reader is None:
            raise UnsupportedFormat(f"no reader for {fmt.upper()} files ({module}.{func} is missing)",
                                    path=path)
        return reader(data, path)
    return read


def refused(fmt: str) -> Reader:
    """The reader of a format that is recognised but not read: an error naming the file and the format."""
    def read(data: bytes, path: str | None) -> Document:
        raise UnsupportedFormat(f"{fmt.upper()} files are not supported; save the report as DOCX, PDF or text",
                                path=path)
    return read


def _lazy(name: str, module: str, func: str, **kw) -> FileFormat:
    """A format whose reader is ``module.func``, imported on first use."""
    return FileFormat(name, lazy_reader(name, module, func, extra=kw.get("extra")), **kw)


def _html_reader(data: bytes, path: str | None) -> Document:
    from .html import read_html
    return read_html(data, path)


# -- sniffers --------------------------------------------------------------------------

def starts_with(*signatures: bytes) -> Sniff:
    """A sniffer for a format whose files start with one of ``signatures``."""
    return lambda head: head.startswith(signatures)


_ZIP = b"PK\x03\x04"


def zip_member_names(data: bytes) -> list[str]:
    """The member names of the zip local headers in ``data`` (all of them in a whole file, the first
    ones in its leading bytes); data that is not a zip gives ``[]``."""
    names = []
    if not data.startswith(_ZIP):
        return names
    at = 0
    while at >= 0 and at + 30 <= len(data):
        n = int.from_bytes(data[at + 26:at + 28], "little")
        names.append(data[at + 30:at + 30 + n].decode("utf-8", "replace"))
        at = data.find(_ZIP, at + 30 + n)
    return names


def _is_ofd(head: bytes) -> bool:
    """An OFD package (GB/T 33190, China's fixed-layout format): a zip with ``OFD.xml`` at its root."""
    return any(n.lower() == "ofd.xml" for n in zip_member_names(head))


def _is_html(head: bytes) -> bool:
    h = head[:2048]
    if h.startswith(b"\xef\xbb\xbf"):
        h = h[3:]
    h = h.lstrip()
    if not h.startswith(b"<"):
        return False              # most files: not markup, told before lower-casing 2 KB of them
    h = h.lower()
    while h.startswith(b"<?xml") or h.startswith(b"<!--"):
        end = h.find(b"?>" if h.startswith(b"<?xml") else b"-->")
        if end < 0:
            break
        h = h[end + (2 if h.startswith(b"<?xml") else 3):].lstrip()
    return h.startswith(b"<!doctype html") or h.startswith(b"<html")


# -- the table ---------------------------------------------------------------------------
# Order matters for sniffing (the first format whose sniffer says yes wins: OFD before DOCX,
# both zips) and for the eval harness (the first suffix found beside a label is its source).

_TABLE = (
    FileFormat("text", text_reader("text"), suffixes=(".txt", ".text")),
    FileFormat("markdown", text_reader("markdown"), suffixes=(".md", ".markdown")),
    FileFormat("html", _html_reader, suffixes=(".html", ".htm", ".xhtml"), sniff=_is_html, grid=True),
    _lazy("pdf", "extract.ingest.pdf", "read_pdf", suffixes=(".pdf",), sniff=starts_with(b"%PDF"), grid=True),
    FileFormat("ofd", refused("ofd"), suffixes=(".ofd",), sniff=_is_ofd),
    _lazy("docx", "extract.ingest.docx", "read_docx", suffixes=(".docx",), sniff=starts_with(_ZIP), grid=True),
    _lazy("doc", "extract.ingest.docx", "read_doc", suffixes=(".doc",), sniff=starts_with(b"\xd0\xcf\x11\xe0"),
          grid=True),
    FileFormat("rtf", refused("rtf"), sniff=starts_with(b"{\\rtf")),
    # page images: read by OCR
    _lazy("image", "extract.ingest.ocr", "read_image", suffixes=(".png", ".jpg", ".jpeg", ".tif", ".tiff"),
          sniff=starts_with(b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*"),
          in_folders=False, extra="ocr"),
)

FORMATS: dict[str, FileFormat] = {f.name: f for f in _TABLE}
"""Every format ingest knows, by name, in sniffing order."""


def register_format(fmt: FileFormat) -> None:
    """Add a format (at the end of the sniffing order), or replace the one of that name in place."""
    FORMATS[fmt.name] = fmt


def register(name: str, reader: Reader) -> None:
    """Replace the reader of a known format, or add a format read only where asked for by name."""
    fmt = FORMATS.get(name)
    register_format(replace(fmt, reader=reader) if fmt is not None else FileFormat(name, reader))


# -- what derives from the table -----------------------------------------------------------

def guess_format(path: str | os.PathLike) -> str | None:
    """The format a file's suffix names (``None`` for an unknown suffix)."""
    sfx = (path if isinstance(path, Path) else Path(path)).suffix.lower()
    return next((f.name for f in FORMATS.values() if sfx in f.suffixes), None)


def sniff_format(head: bytes) -> str | None:
    """The format the leading bytes prove, or ``None`` where they prove nothing (plain text)."""
    for f in FORMATS.values():
        if f.sniff is not None and f.sniff(head):
            return f.name
    return None


def choose_format(path: str | os.PathLike, head: bytes) -> str:
    """What the leading bytes prove (a binary format, an HTML page); else what the suffix says; else text."""
    return sniff_format(head) or guess_format(path) or "text"


def report_suffixes() -> tuple[str, ...]:
    """The suffixes of the formats a folder scan reads (every format but page images), in table order."""
    return tuple(s for f in FORMATS.values() if f.in_folders for s in f.suffixes)


def is_grid_format(name: str) -> bool:
    """Whether a Document of this format keeps its file's table grids (see ``FileFormat.grid``)."""
    fmt = FORMATS.get(name)
    return fmt is not None and fmt.grid


def reader_for(name: str) -> Reader | None:
    fmt = FORMATS.get(name)
    return fmt.reader if fmt is not None else None
