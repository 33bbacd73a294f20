"""What the grid readers (HTML, PDF, DOCX) share: wrapped text joined CJK-aware, a cell's text, and
the assembly of paragraphs and cell grids into a ``Document`` whose spans index its text.

A grid is a list of rows of ``GridCell``; a merged cell is *one* object at every grid position it
covers. ``assemble`` renders each row as one line holding the cells that start in it, tab-separated,
and gives every grid position a ``Cell``: the top-left one with the text's span, the others copies
with ``merged=True``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Cell, Document, Paragraph, Table

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WS = re.compile(r"\s+")


@dataclass(slots=True, eq=False)
class GridCell:
    """One source cell, at rows ``r0..r1`` and columns ``c0..c1`` of its grid (inclusive)."""

    text: str
    r0: int
    c0: int
    r1: int
    c1: int
    filler: bool = False        # a grid position no source cell covers


def join_wrapped(a: str, b: str) -> str:
    """Join two wrapped pieces: no space where either side is CJK, one space between Latin/digits."""
    if not a or not b:
        return a + b
    if _CJK.match(a[-1]) or _CJK.match(b[0]):
        return a + b
    return a + " " + b


def cell_text(raw: str) -> str:
    """A cell's text: its lines joined (CJK-aware), whitespace collapsed."""
    out = ""
    for line in raw.split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out = join_wrapped(out, line)
    return out


def assemble(items: list, *, format: str, path: str | None, pages: int | None = None,
             encoding: str | None = None) -> Document:
    """Paragraph strings and ``(grid, page)`` tables, in reading order → a Document.

    A grid row whose positions all belong to cells of rows above (rowspans) adds no line.
    """
    parts: list[str] = []
    pos = 0
    blocks: list = []

    def emit(s: str) -> int:
        nonlocal pos
        if parts:
            parts.append("\n")
            pos += 1
        start = pos
        parts.append(s)
        pos += len(s)
        return start

    for it in items:
        if isinstance(it, str):
            start = emit(it)
            blocks.append(Paragraph(text=it, span=(start, pos)))
            continue
        grid, page = it
        if not grid:
            continue
        spans: dict[int, tuple[int, int]] = {}
        rows: list[tuple[Cell, ...]] = []
        t_start = t_end = None
        for r, row in enumerate(grid):
            seen: list[GridCell] = []          # the cells that start in this row, once each
            started: set[int] = set()
            for o in row:
                k = id(o)
                if k not in spans and k not in started:
                    started.add(k)
                    seen.append(o)
            if seen:
                p = emit("\t".join([o.text for o in seen]))
                t_start = p if t_start is None else t_start
                for o in seen:
                    n = len(o.text)
                    spans[id(o)] = (p, p + n)
                    p += n + 1
                t_end = pos
            cells: list[Cell] = []
            placed: set[int] = set()           # the cells already given their first position in this row
            for c, o in enumerate(row):
                k = id(o)
                cells.append(Cell(o.text, spans[k], r, c, not (k in started and k not in placed)))
                placed.add(k)
            rows.append(tuple(cells))
        if t_start is not None:
            blocks.append(Table(rows=tuple(rows), span=(t_start, t_end), page=page))
    return Document(text="".join(parts), blocks=tuple(blocks), format=format, encoding=encoding, path=path,
                    pages=pages)
