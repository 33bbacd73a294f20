"""Plain text and Markdown: decoding, and lines → paragraphs and tables.

Decoding trusts a byte-order mark, then strict UTF-8, and only then asks
``charset-normalizer`` (GB2312/GBK are reported and decoded as GB18030, their
superset). Valid UTF-8 never reaches the detector, so the common case costs one
``bytes.decode``.

Layout: a line that contains a tab is a table row (a run of such lines is one
``Table``; cells are the tab-separated parts, with exact spans); in Markdown a
pipe-table row (``| a | b |``) is a row too and its ``|---|`` separator line is
skipped. Every other non-blank line is a ``Paragraph``. A blank line ends a table.

Pipe tables are recognised by content, whatever the file's suffix: a ``.txt`` that a
PDF→Markdown converter wrote has pipe rows over ``|---|`` separator lines. Converters
write a cell's own lines joined by ``<br>``; where two or more cells of a row hold the
same number of such lines, they are line-aligned pieces of the printed row (a wrapped
label beside its values, a heading that the converter pulled into the table's last row)
and the row is split back into those lines.
"""

from __future__ import annotations

import codecs
import re

from ..errors import IngestError
from ..types import Block, Cell, Document, Paragraph, Table, new_tuple

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32-LE's BOM starts with UTF-16-LE's, so the longer ones come first.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GB_FAMILY = {"gb2312", "gbk", "cp936", "ms936", "euc_cn", "euc-cn", "gb18030"}
# Control bytes that never occur in text (tab, LF, VT, FF, CR and ESC do).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_SAMPLE = 8192
_MAX_CONTROL_RATIO = 0.10


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:_SAMPLE]
    n_control = len(sample) - len(sample.translate(None, _CONTROL))
    return n_control > _MAX_CONTROL_RATIO * len(sample)


def _normal_encoding(name: str) -> str:
    name = name.lower().replace("_", "-")
    return "gb18030" if name.replace("-", "_") in _GB_FAMILY or name in _GB_FAMILY else name


def decode_bytes(data: bytes, path: str | None = None) -> tuple[str, str]:
    """Decode a text file; returns ``(text, encoding)``.

    Raises ``IngestError`` naming the file for a binary file, an undecodable one,
    and one with no text at all.
    """
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data.decode(enc), enc
            except UnicodeDecodeError:
                raise IngestError(f"cannot decode as {enc.upper()} despite its byte-order mark",
                                  path=path) from None
            if enc == "utf-8-sig" and text.startswith("\ufeff"):
                text = text[1:]
            break
    if text is None:
        if _looks_binary(data):
            raise IngestError("binary file, not text", path=path)
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _detect(data, path)
    if not text or text.isspace():          # not text.strip(), which copies the whole text
        raise IngestError("no text (only whitespace)", path=path)
    return text, encoding


def _detect(data: bytes, path: str | None) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError("cannot decode as text: not UTF-8 and no encoding detected", path=path)
    enc = _normal_encoding(best.encoding)
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        return str(best), _normal_encoding(best.encoding)


def normalize_newlines(text: str) -> str:
    """Strip a BOM and turn CRLF / CR into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- layout -------------------------------------------------------------------

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _tab_cells(line: str, start: int, row: int) -> tuple[Cell, ...]:
    cells = []
    c0 = start
    for ci, part in enumerate(line.split("\t")):
        c1 = c0 + len(part)
        # Cell(part, (c0, c1), row, ci) without the named tuple's Python-level __new__: a text
        # report has hundreds of cells, and that call was a third of building one
        cells.append(new_tuple(Cell, (part, (c0, c1), row, ci, False)))
        c0 = c1 + 1
    return tuple(cells)


def _pipe_cells(line: str, start: int, row: int) -> tuple[Cell, ...]:
    """Cells of ``| a | b |``: the content between pipes, without its padding."""
    bars = [m.start() for m in _UNESCAPED_PIPE.finditer(line)]
    cells = []
    for ci, (a, b) in enumerate(zip(bars, bars[1:])):
        raw = line[a + 1:b]
        lead = len(raw) - len(raw.lstrip())
        content = raw.strip()
        s = start + a + 1 + lead
        cells.append(Cell(text=content, span=(s, s + len(content)), row=row, col=ci))
    return tuple(cells)


_BR = re.compile(r"<br\s*/?>", re.I)
# a GFM table: a pipe row directly over its separator line
_PIPE_TABLE = re.compile(r"^[ \t]*\|.*\|[ \t]*\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M)


def has_pipe_tables(text: str) -> bool:
    """Whether the text holds Markdown pipe tables (a header row over a ``|---|`` line)."""
    return "|" in text and _PIPE_TABLE.search(text) is not None


def _br_lines(cells: tuple[Cell, ...], row: int) -> list[tuple[Cell, ...]]:
    """A pipe row whose ``<br>``-joined cells are line-aligned, as one row per line (module docstring)."""
    pieces = {}
    for c in cells:
        if _BR.search(c.text):
            parts, pos = [], 0
            for m in _BR.finditer(c.text):
                parts.append((c.text[pos:m.start()], c.span[0] + pos))
                pos = m.end()
            parts.append((c.text[pos:], c.span[0] + pos))
            pieces[c.col] = parts
    counts = {len(p) for p in pieces.values()}
    if len(pieces) < 2 or len(counts) != 1:
        return [cells]
    n = counts.pop()
    out = []
    for k in range(n):
        line = []
        for c in cells:
            if c.col in pieces:
                t, s = pieces[c.col][k]
                lead = len(t) - len(t.lstrip())
                line.append(Cell(text=t.strip(), span=(s + lead, s + lead + len(t.strip())), row=row + k, col=c.col))
            elif k == 0:
                line.append(Cell(text=c.text, span=c.span, row=row, col=c.col))
            else:
                line.append(Cell(text="", span=(c.span[1], c.span[1]), row=row + k, col=c.col))
        out.append(tuple(line))
    return out


def document_from_text(text: str, *, format: str = "text", path: str | None = None,
                       encoding: str | None = None) -> Document:
    """Split normalised text into paragraphs and tables (see the module docstring)."""
    text = normalize_newlines(text)
    markdown = format == "markdown" or has_pipe_tables(text)
    blocks: list[Block] = []
    rows: list[tuple[Cell, ...]] = []
    table_start = table_end = 0

    def flush_table() -> None:
        if rows:
            blocks.append(Table(rows=tuple(rows), span=(table_start, table_end)))
            rows.clear()

    pos = 0
    for line in text.split("\n"):
        start = pos
        end = start + len(line)
        pos = end + 1
        if markdown and rows and _PIPE_SEPARATOR.match(line):
            table_end = end
            continue
        if "\t" in line:
            if not rows:
                table_start = start
            rows.append(_tab_cells(line, start, len(rows)))
            table_end = end
            continue
        if markdown and _PIPE_ROW.match(line) and not _PIPE_SEPARATOR.match(line):
            cells = _pipe_cells(line, start, len(rows))
            if not rows:
                table_start = start
            rows.extend(_br_lines(cells, len(rows)) if "<br" in line else [cells])
            table_end = end
            continue
        if rows:
            flush_table()
        stripped = line.strip()
        if stripped:
            s = start + (len(line) - len(line.lstrip()))
            blocks.append(new_tuple(Paragraph, (stripped, (s, s + len(stripped)))))   # as a Cell is built
    flush_table()
    return Document(text=text, blocks=tuple(blocks), format=format, encoding=encoding, path=path)
