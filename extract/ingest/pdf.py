"""PDF with a text layer → Document, with pdfplumber.

Small stages, each a function of the one before::

    page → raw items (text lines outside tables, tables as cell boxes with text)
         → running headers / footers / page numbers removed
         → a table continued on the next page joined to its first part
         → wrapped lines joined into paragraphs
         → Document (text with tab-separated table rows; paragraphs and cells with spans)

Tables come from the page's ruling lines first (``RULED``); a page with none is tried
with the text-alignment strategy (``BORDERLESS``) for borderless tables. A merged cell
is one box covering several grid positions: every position it covers carries a copy.
A PDF with no characters at all is a scan and is refused: it needs OCR.
"""

from __future__ import annotations

import bisect
import io
import math
import re
from dataclasses import dataclass, field

from ..errors import IngestError
from ..types import Cell, Document, Paragraph, Table

__all__ = ["TableSettings", "RULED", "BORDERLESS", "read_pdf", "assemble", "cell_text"]

NO_TEXT_LAYER = "no text layer (scanned; needs OCR)"


@dataclass(frozen=True, slots=True)
class TableSettings:
    """The few pdfplumber table settings we vary, validated; ``as_pdfplumber()`` gives its dict."""

    vertical_strategy: str = "lines"
    horizontal_strategy: str = "lines"
    snap_tolerance: float = 3.0
    join_tolerance: float = 3.0
    intersection_tolerance: float = 3.0
    min_words_vertical: int = 3
    min_words_horizontal: int = 1
    min_rows: int = 1
    min_cols: int = 2

    def __post_init__(self) -> None:
        allowed = ("lines", "lines_strict", "text")
        for name in ("vertical_strategy", "horizontal_strategy"):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        for name in ("snap_tolerance", "join_tolerance", "intersection_tolerance"):
            if not 0 <= getattr(self, name) <= 20:
                raise ValueError(f"{name} must be between 0 and 20 points")
        if self.min_rows < 1 or self.min_cols < 1:
            raise ValueError("min_rows and min_cols must be at least 1")

    def as_pdfplumber(self) -> dict:
        return {
            "vertical_strategy": self.vertical_strategy,
            "horizontal_strategy": self.horizontal_strategy,
            "snap_tolerance": self.snap_tolerance,
            "join_tolerance": self.join_tolerance,
            "intersection_tolerance": self.intersection_tolerance,
            "min_words_vertical": self.min_words_vertical,
            "min_words_horizontal": self.min_words_horizontal,
        }


RULED = TableSettings()
BORDERLESS = TableSettings(vertical_strategy="text", horizontal_strategy="text", min_cols=3, min_rows=3)
# a ruled part of one row is kept: it may be the tail of a table broken across pages

# -- raw page items -----------------------------------------------------------

BBox = tuple[float, float, float, float]   # x0, top, x1, bottom (top grows downwards)


@dataclass(slots=True)
class _Line:
    page: int
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class _RawTable:
    page: int
    bbox: BBox
    cells: list[tuple[BBox, str]]             # y in document coordinates (page offset added)
    breaks: list[float] = field(default_factory=list)   # y where a continuation part starts
    last_page: int = 0                                   # the page its last part is on

    def __post_init__(self) -> None:
        self.last_page = max(self.last_page, self.page)

    @property
    def top(self) -> float:
        return self.bbox[1]


_VALUE = re.compile(r"^[\d.,，\-—–/％%\s]+$")   # a number-like cell: never continued into a blank
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WS = re.compile(r"\s+")


def _join(a: str, b: str) -> str:
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
            out = _join(out, line)
    return out


def _chars_by_cell(chars: list[dict], boxes: list[BBox]) -> list[list[dict]]:
    """Each char goes to the box holding its centre (chars sorted by centre y, bisected per box)."""
    keyed = sorted(((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i) for i, c in enumerate(chars))
    ys = [k[0] for k in keyed]
    out: list[list[dict]] = []
    for x0, top, x1, bottom in boxes:
        lo, hi = bisect.bisect_left(ys, top), bisect.bisect_right(ys, bottom)
        out.append([chars[i] for _, cx, i in keyed[lo:hi] if x0 <= cx <= x1])
    return out


def _valid(table_cells: list[BBox], settings: TableSettings) -> bool:
    xs = _clusters([v for b in table_cells for v in (b[0], b[2])])
    ys = _clusters([v for b in table_cells for v in (b[1], b[3])])
    return len(xs) - 1 >= settings.min_cols and len(ys) - 1 >= settings.min_rows


def _page_items(page, pno: int, offset: float, ruled: TableSettings,
                borderless: TableSettings | None) -> list:
    from pdfplumber.utils import extract_text

    found = [t for t in page.find_tables(ruled.as_pdfplumber()) if _valid(t.cells, ruled)]
    if not found and borderless is not None:
        found = [t for t in page.find_tables(borderless.as_pdfplumber())
                 if _valid(t.cells, borderless) and _looks_tabular(t)]
    items: list = []
    chars = page.chars
    for t in found:
        boxes = [tuple(c) for c in t.cells]
        texts = [cell_text(extract_text(cs)) if cs else "" for cs in _chars_by_cell(chars, boxes)]
        cells = [((b[0], b[1] + offset, b[2], b[3] + offset), s) for b, s in zip(boxes, texts)]
        x0, top, x1, bottom = t.bbox
        items.append(_RawTable(pno, (x0, top + offset, x1, bottom + offset), cells))
    bboxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in bboxes)

    rest = page.filter(outside) if bboxes else page
    for ln in rest.extract_text_lines(return_chars=False):
        text = _WS.sub(" ", ln["text"]).strip()
        if text:
            items.append(_Line(pno, text, ln["x0"], ln["top"] + offset, ln["x1"], ln["bottom"] + offset))
    items.sort(key=lambda it: it.top)
    return items


def _looks_tabular(t) -> bool:
    """A text-strategy 'table' counts when most of its rows have two or more filled cells."""
    rows = t.extract()
    multi = sum(1 for r in rows if sum(1 for c in r if c and c.strip()) >= 2)
    return bool(rows) and multi >= 0.6 * len(rows)


# -- running headers, footers, page numbers ------------------------------------

_PAGE_NO = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?|\d{1,4})$")


def _strip_furniture(pages: list[list], heights: list[float], offsets: list[float]) -> list[list]:
    """Drop page numbers in the top/bottom margins and lines repeated at the same place on most pages."""
    n = len(pages)

    def zone(line: _Line) -> str | None:
        h, off = heights[line.page - 1], offsets[line.page - 1]
        if line.bottom - off <= 0.1 * h:
            return "top"
        if line.top - off >= 0.9 * h:
            return "bottom"
        return None

    def key(line: _Line):
        return (re.sub(r"\d+", "#", line.text), round((line.top - offsets[line.page - 1]) / 6))

    counts: dict = {}
    for items in pages:
        for k in {key(it) for it in items if isinstance(it, _Line) and zone(it)}:
            counts[k] = counts.get(k, 0) + 1
    need = max(2, math.ceil(0.5 * n))
    out = []
    for items in pages:
        keep = []
        for it in items:
            if isinstance(it, _Line) and zone(it):
                if _PAGE_NO.match(it.text) or (n >= 2 and counts.get(key(it), 0) >= need):
                    continue
            keep.append(it)
        out.append(keep)
    return out


# -- grids, and tables continued across pages --------------------------------

def _clusters(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    i = bisect.bisect_left(edges, v - 1.5)
    return min(i, len(edges) - 1)


@dataclass(slots=True, eq=False)
class _Origin:
    text: str
    r0: int
    c0: int
    r1: int
    c1: int
    filler: bool = False        # a grid position no box covers


def _grid(raw: _RawTable) -> tuple[list[list[_Origin]], list[float]]:
    """Cell boxes → a full grid of origins (a merged box fills every position it covers)."""
    xs = _clusters([v for b, _ in raw.cells for v in (b[0], b[2])])
    ys = _clusters([v for b, _ in raw.cells for v in (b[1], b[3])])
    nr, nc = len(ys) - 1, len(xs) - 1
    grid: list[list[_Origin | None]] = [[None] * nc for _ in range(nr)]
    for (x0, top, x1, bottom), text in sorted(raw.cells, key=lambda c: (c[0][1], c[0][0])):
        c0, c1 = _index(xs, x0), _index(xs, x1) - 1
        r0, r1 = _index(ys, top), _index(ys, bottom) - 1
        if c1 < c0 or r1 < r0:
            continue
        o = _Origin(text, r0, c0, r1, c1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if grid[r][c] is None:
                    grid[r][c] = o
    for r in range(nr):
        for c in range(nc):
            if grid[r][c] is None:
                grid[r][c] = _Origin("", r, c, r, c, filler=True)
    # the gap between a table's part on one page and its part on the next is no row
    keep = [r for r in range(nr) if not all(o.filler for o in grid[r])]  # type: ignore[union-attr]
    return [grid[r] for r in keep], [ys[r] for r in keep]  # type: ignore[misc]


def _continues(prev: _RawTable, nxt: _RawTable) -> bool:
    """Same outer width on the next page, and the column edges of one part are among the other's
    (a part whose rows all merge some columns has fewer edges; a different table has edges of its own)."""
    if nxt.page != prev.last_page + 1 or abs(prev.bbox[0] - nxt.bbox[0]) > 3 or abs(prev.bbox[2] - nxt.bbox[2]) > 3:
        return False
    a = _clusters([v for b, _ in prev.cells for v in (b[0], b[2])])
    b = _clusters([v for b, _ in nxt.cells for v in (b[0], b[2])])

    def within(xs: list[float], edges: list[float]) -> bool:
        return all(any(abs(x - e) <= 2 for e in edges) for x in xs)

    return within(a, b) or within(b, a)


def _join_pages(pages: list[list]) -> list:
    """Flatten the pages; a page's last table and the next page's first table of the same width join."""
    flat: list = []
    for items in pages:
        if (flat and items and isinstance(flat[-1], _RawTable) and isinstance(items[0], _RawTable)
                and _continues(flat[-1], items[0])):
            prev, nxt = flat[-1], items[0]
            joined = _RawTable(prev.page, (prev.bbox[0], prev.bbox[1], prev.bbox[2], nxt.bbox[3]),
                               prev.cells + nxt.cells, prev.breaks + [nxt.top], last_page=nxt.page)
            flat[-1] = joined
            flat.extend(items[1:])
            continue
        flat.extend(items)
    return flat


def _table_rows(raw: _RawTable) -> list[list[_Origin]]:
    """The grid, with each continuation's repeated header dropped and split rowspans rejoined."""
    grid, ys = _grid(raw)
    if not raw.breaks:
        return grid
    starts = [_index(ys, b) for b in raw.breaks]
    parts = [grid[a:b] for a, b in zip([0] + starts, starts + [len(grid)])]
    rows = list(parts[0])
    first = [tuple(o.text for o in r) for r in parts[0]]
    for part in parts[1:]:
        texts = [tuple(o.text for o in r) for r in part]
        k = next((k for k in range(min(len(first), len(part) - 1), 0, -1) if texts[:k] == first[:k]), 0)
        part = part[k:]
        if rows and part:
            _rejoin_rowspans(rows[-1], part)
        rows.extend(part)
    return rows


def _rejoin_rowspans(last: list[_Origin], part: list[list[_Origin]]) -> None:
    """A vertical merge cut by the page break leaves a blank box on the new page: give it the origin."""
    for c, above in enumerate(last):
        below = part[0][c]
        if (not below.text and not below.filler and below.c0 == above.c0 and below.c1 == above.c1
                and above.text and not _VALUE.match(above.text)):
            for row in part:
                for k, o in enumerate(row):
                    if o is below:
                        row[k] = above


# -- paragraphs ---------------------------------------------------------------

def _paragraphs(items: list) -> list:
    """Join a line with the next where it runs to the right margin and the next is not indented."""
    lines = [it for it in items if isinstance(it, _Line)]
    if not lines:
        return items
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    out: list = []
    for it in items:
        prev = out[-1] if out else None
        if isinstance(it, _Line) and isinstance(prev, _Line):
            height = max(prev.bottom - prev.top, 1.0)
            same_page = prev.page == it.page
            if (prev.x1 >= right - 1.5 * height and it.x0 <= left + 0.5 * height
                    and (not same_page or it.top - prev.bottom <= 0.8 * height)):
                out[-1] = _Line(it.page, _join(prev.text, it.text), it.x0, it.top, it.x1, it.bottom)
                continue
        out.append(it)
    return out


# -- assembly -----------------------------------------------------------------

def assemble(items: list, *, format: str, path: str | None, pages: int | None = None) -> Document:
    """Paragraph strings and ``(grid, page)`` tables, in order → a Document.

    Each grid row is rendered as one line holding the cells that start in it, tab-separated;
    every grid position gets a ``Cell``, the ones a merged cell covers as copies (``merged=True``).
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
        t_start = None
        for r, row in enumerate(grid):
            seen: list[_Origin] = []          # the cells that start in this row, once each
            for o in row:
                if id(o) not in spans and all(o is not s for s in seen):
                    seen.append(o)
            p = emit("")
            if t_start is None:
                t_start = p
            for i, o in enumerate(seen):
                if i:
                    parts.append("\t")
                    p += 1
                parts.append(o.text)
                spans[id(o)] = (p, p + len(o.text))
                p += len(o.text)
            pos = p
            first_col: dict[int, int] = {}
            for c, o in enumerate(row):
                first_col.setdefault(id(o), c)
            started = {id(o) for o in seen}
            rows.append(tuple(Cell(text=o.text, span=spans[id(o)], row=r, col=c,
                                   merged=not (id(o) in started and first_col[id(o)] == c))
                              for c, o in enumerate(row)))
        blocks.append(Table(rows=tuple(rows), span=(t_start, pos), page=page))
    return Document(text="".join(parts), blocks=tuple(blocks), format=format, path=path, pages=pages)


def read_pdf(data: bytes, path: str | None = None, *, ruled: TableSettings = RULED,
             borderless: TableSettings | None = BORDERLESS) -> Document:
    """Read a PDF's text layer into a Document; raises ``IngestError`` for a scan or a broken file."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfminer raises several unrelated types for a broken file
        raise IngestError(f"not a readable PDF ({type(e).__name__}: {e})", path=path) from e
    with pdf:
        try:
            pages = pdf.pages
            if not any(p.chars for p in pages):
                raise IngestError(NO_TEXT_LAYER, path=path)
            heights = [float(p.height) for p in pages]
            offsets = [sum(heights[:i]) for i in range(len(pages))]
            per_page = [_page_items(p, i + 1, offsets[i], ruled, borderless) for i, p in enumerate(pages)]
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(f"cannot read the PDF's pages ({type(e).__name__}: {e})", path=path) from e
    per_page = _strip_furniture(per_page, heights, offsets)
    items = _paragraphs(_join_pages(per_page))
    out = [it.text if isinstance(it, _Line) else (_table_rows(it), it.page) for it in items]
    return assemble(out, format="pdf", path=path, pages=len(pages))
