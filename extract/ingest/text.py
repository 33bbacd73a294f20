"""Plain text and Markdown: decoding, and lines → paragraphs and tab-separated tables."""

from __future__ import annotations

from ..errors import IngestError
from ..types import Cell, Document, Paragraph, Table


def decode_bytes(data: bytes, path: str | None = None) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM) first, then a detected encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    raise IngestError("cannot decode the file as text", path=path)


def normalize_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def document_from_text(text: str, *, format: str = "text", path: str | None = None,
                       encoding: str | None = None) -> Document:
    """Lines with a tab become table rows (a run of them one Table); other non-blank lines paragraphs."""
    text = normalize_newlines(text)
    blocks: list = []
    rows: list[tuple[Cell, ...]] = []
    table_start = 0
    pos = 0

    def flush_table(end: int) -> None:
        nonlocal rows
        if rows:
            blocks.append(Table(rows=tuple(rows), span=(table_start, end)))
            rows = []

    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if "\t" in line:
            if not rows:
                table_start = start
            r = len(rows)
            cells = []
            c0 = start
            for ci, part in enumerate(line.split("\t")):
                cells.append(Cell(text=part, span=(c0, c0 + len(part)), row=r, col=ci))
                c0 += len(part) + 1
            rows.append(tuple(cells))
            continue
        if line.strip():
            flush_table(start - 1 if start else 0)
            blocks.append(Paragraph(text=line, span=(start, end)))
    flush_table(len(text))
    return Document(text=text, blocks=tuple(blocks), format=format, encoding=encoding, path=path)
