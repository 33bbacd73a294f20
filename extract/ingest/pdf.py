"""PDF with a text layer → Document, with pdfplumber.

Small stages, each a function of the one before::

    page → raw items (text lines outside tables, tables as cell boxes with text)
         → running headers / footers / page numbers removed
         → a table continued on the next page joined to its first part
         → wrapped lines joined into paragraphs
         → Document (text with tab-separated table rows; paragraphs and cells with spans)

Tables come from the page's ruling lines first (``RULED``); a page with none is searched
for borderless tables (``BORDERLESS``): runs of lines that wide gaps cut into columns, kept
apart from the prose and headings around them (see "borderless tables" below). A merged cell
is one box covering several grid positions: every position it covers carries a copy.
A page with no characters is a scan: with the ``ocr`` extra it is rendered and read by OCR
(``ocr.py``), and the characters and ruling lines found in the image are laid out by the same
stages (``_scan_items``); without it a PDF with no characters at all is refused.
"""

from __future__ import annotations

import bisect
import io
import math
import re
from dataclasses import dataclass, field

from ..errors import IngestError
from ..furniture import PAGE_NUMBER_MARGIN
from ..types import Document, OcrInfo
from .layout import GridCell, assemble, cell_text, join_wrapped

__all__ = ["TableSettings", "RULED", "BORDERLESS", "read_pdf", "NO_TEXT_LAYER", "document_from_scans"]

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
BORDERLESS = TableSettings(min_cols=3, min_rows=3)
"""Borderless tables are found from the text's geometry (``_borderless_tables``), not by pdfplumber:
of these settings only ``min_rows`` and ``min_cols`` apply to them."""
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
    ruled: bool = True                                   # False: found from text alignment alone
    fallback: list | None = None     # a borderless fragment, too small to be a table by itself: its
                                     # lines, used unless it continues a table across a page break

    def __post_init__(self) -> None:
        self.last_page = max(self.last_page, self.page)

    @property
    def top(self) -> float:
        return self.bbox[1]


_VALUE = re.compile(r"^[\d.,，\-—–/％%\s]+$")   # a number-like cell: never continued into a blank
_WS = re.compile(r"\s+")


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
    items: list = []
    chars = page.chars
    for t in found:
        boxes = [tuple(c) for c in t.cells]
        texts = [cell_text(extract_text(cs)) if cs else "" for cs in _chars_by_cell(chars, boxes)]
        cells = [((b[0], b[1] + offset, b[2], b[3] + offset), s) for b, s in zip(boxes, texts)]
        x0, top, x1, bottom = t.bbox
        items.append(_RawTable(pno, (x0, top + offset, x1, bottom + offset), cells))
    bboxes = [t.bbox for t in found]
    if not found and borderless is not None:
        for bbox, cells, whole in _borderless_tables(chars, float(page.bbox[2]), borderless):
            cells = [((b[0], b[1] + offset, b[2], b[3] + offset), s) for b, s in cells]
            x0, top, x1, bottom = bbox
            fallback = None if whole else _text_lines_in(page.filter(_within([bbox])), pno, offset)
            items.append(_RawTable(pno, (x0, top + offset, x1, bottom + offset), cells, ruled=False,
                                   fallback=fallback))
            bboxes.append(bbox)
    inside = _within(bboxes)
    rest = page.filter(lambda obj: not inside(obj)) if bboxes else page
    items.extend(_text_lines_in(rest, pno, offset))
    items.sort(key=lambda it: it.top)
    return items


def _within(bboxes: list[BBox]):
    """A page filter: the characters whose centre lies in one of the boxes."""
    def test(obj) -> bool:
        if obj.get("object_type") != "char":
            return False
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in bboxes)
    return test


def _text_lines_in(page, pno: int, offset: float) -> list[_Line]:
    out = []
    for ln in page.extract_text_lines(return_chars=False):
        text = _WS.sub(" ", ln["text"]).strip()
        if text:
            out.append(_Line(pno, text, ln["x0"], ln["top"] + offset, ln["x1"], ln["bottom"] + offset))
    return out


def _scan_items(scan, pno: int, offset: float, ruled: TableSettings,
                borderless: TableSettings | None) -> list:
    """``_page_items`` for a page read by OCR (an ``ocr.PageScan``): ruled tables from the ruling
    lines found in the image, else borderless ones from the characters' positions, the rest as lines.
    Each table cell's text is an ``ocr.ScoredText`` carrying the lowest score of its characters."""
    from pdfplumber.utils import extract_text

    from .ocr import cell_from_ocr

    def scored(cs: list[dict]) -> str:
        return cell_from_ocr(cell_text(extract_text(cs)), min(c["score"] for c in cs)) if cs else ""

    chars = scan.chars
    items: list = []
    bboxes: list[BBox] = []
    for boxes in scan.cells:
        if not _valid(boxes, ruled):
            continue
        texts = [scored(cs) for cs in _chars_by_cell(chars, boxes)]
        cells = [((b[0], b[1] + offset, b[2], b[3] + offset), t) for b, t in zip(boxes, texts)]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes))
        items.append(_RawTable(pno, (bbox[0], bbox[1] + offset, bbox[2], bbox[3] + offset), cells))
        bboxes.append(bbox)
    if not bboxes and borderless is not None:
        for bbox, cells, whole in _borderless_tables(chars, scan.width, borderless):
            boxes = [b for b, _ in cells]
            texts = [scored(cs) if s else s for cs, (_, s) in zip(_chars_by_cell(chars, boxes), cells)]
            cells = [((b[0], b[1] + offset, b[2], b[3] + offset), t) for b, t in zip(boxes, texts)]
            inside = _within([bbox])
            fallback = None if whole else _char_lines([c for c in chars if inside(c)], pno, offset)
            x0, top, x1, bottom = bbox
            items.append(_RawTable(pno, (x0, top + offset, x1, bottom + offset), cells, ruled=False,
                                   fallback=fallback))
            bboxes.append(bbox)
    inside = _within(bboxes)
    items.extend(_char_lines([c for c in chars if not inside(c)], pno, offset))
    items.sort(key=lambda it: it.top)
    return items


def _char_lines(chars: list[dict], pno: int, offset: float) -> list[_Line]:
    """Characters (read by OCR) as text lines, the segments of a line joined by a space."""
    out = []
    for ln in _text_lines(chars):
        text = _WS.sub(" ", " ".join(s.text for s in ln.segs)).strip()
        if text:
            out.append(_Line(pno, text, ln.segs[0].x0, ln.top + offset, max(c["x1"] for c in ln.chars),
                             ln.bottom + offset))
    return out


# -- borderless tables ---------------------------------------------------------
#
# Without ruling lines a table shows only in its text: lines that wide gaps cut into
# segments, the segments of all its lines lining up in columns (x-ranges that no segment
# crosses). A table starts at such a line and takes in the lines that follow while they
# have its font size, lie close below it and cross none of its column gaps, then the lines
# just above it on the same terms (a wrapped header cell starts higher than its row's other
# cells). Prose and headings cross the gaps, or differ in size, or stand apart, so they stay
# out. Lines close together are one row (a wrapped cell is one cell), and an empty grid
# position is covered by the cell to its left, like the merged cell of a ruled table --
# except after a number and before further cells, where it is a blank cell.

_SEG_GAP = 0.4      # ems: a wider horizontal gap separates two cells on a line (a space is ~0.25)
_ROW_GAP = 0.6      # ems: lines less far apart than this (vertically) are one row
_NEAR = 1.5         # ems: a line further than this from a table is not part of it
_SIZE_TOL = 0.15    # a line whose font size differs more than this (relative) is not part of a table
_HANGING = set("、，。；：！？）》」』】〉”’,.;:!?)")   # may hang past a line's end into the gap beside it


@dataclass(slots=True)
class _Seg:
    x0: float
    x1: float       # where its last character ends, hanging punctuation aside
    text: str


@dataclass(slots=True)
class _TextLine:
    top: float
    bottom: float
    size: float
    chars: list[dict]
    segs: list[_Seg]


def _text_lines(chars: list[dict]) -> list[_TextLine]:
    """A page's characters as lines (one vertical centre), each cut into segments at wide gaps."""
    groups: list[list[dict]] = []
    anchor = 0.0
    for c in sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"])):
        mid = (c["top"] + c["bottom"]) / 2
        if groups and mid - anchor <= 0.3 * max(float(c.get("size") or 0), 1.0):
            groups[-1].append(c)
        else:
            groups.append([c])
            anchor = mid
    lines = []
    for g in groups:
        g.sort(key=lambda c: c["x0"])
        ink = [c for c in g if c["text"].strip()]
        if not ink:
            continue
        segs: list[_Seg] = []
        end = 0.0                    # where the current segment's last character ends
        for c in ink:
            if segs and c["x0"] - end <= _SEG_GAP * max(float(c.get("size") or 0), 1.0):
                seg = segs[-1]
                seg.text += c["text"]
                end = max(end, c["x1"])
            else:
                seg = _Seg(c["x0"], c["x0"], c["text"])
                segs.append(seg)
                end = c["x1"]
            if c["text"] not in _HANGING:
                seg.x1 = max(seg.x1, c["x1"])
        sizes = sorted(float(c.get("size") or 0) for c in ink)
        lines.append(_TextLine(min(c["top"] for c in ink), max(c["bottom"] for c in ink),
                               sizes[len(sizes) // 2], g, segs))
    lines.sort(key=lambda ln: ln.top)
    return lines


def _columns(lines: list[_TextLine]) -> list[tuple[float, float]]:
    """The x-ranges the lines' segments cover, overlapping ones merged: the columns, left to right."""
    out: list[tuple[float, float]] = []
    for x0, x1 in sorted((s.x0, s.x1) for ln in lines for s in ln.segs):
        if out and x0 <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], x1))
        else:
            out.append((x0, x1))
    return out


def _crosses(line: _TextLine, cols: list[tuple[float, float]]) -> bool:
    """Whether a segment of the line runs right across the gap between two columns."""
    return any(s.x0 < a1 and s.x1 > b0 for s in line.segs for (_, a1), (b0, _) in zip(cols, cols[1:]))


def _joins(table: list[_TextLine], line: _TextLine, *, below: bool) -> bool:
    size = table[0].size
    if size <= 0 or abs(line.size - size) > _SIZE_TOL * size:
        return False
    gap = line.top - max(ln.bottom for ln in table) if below else min(ln.top for ln in table) - line.bottom
    return gap <= _NEAR * size and not _crosses(line, _columns(table))


def _table_runs(lines: list[_TextLine]) -> list[list[_TextLine]]:
    """The runs of lines that make up borderless tables (see the section comment)."""
    runs: list[list[int]] = []
    cur: list[int] | None = None
    for k, ln in enumerate(lines):
        if cur is not None and _joins([lines[i] for i in cur], ln, below=True):
            cur.append(k)
            continue
        if cur is not None:
            runs.append(cur)
        cur = [k] if len(ln.segs) >= 2 else None
    if cur is not None:
        runs.append(cur)
    used = {i for run in runs for i in run}
    for run in runs:
        k = run[0] - 1
        while k >= 0 and k not in used and _joins([lines[i] for i in run], lines[k], below=False):
            run.insert(0, k)
            used.add(k)
            k -= 1
    return [[lines[i] for i in run] for run in runs]


def _stacked(row: list[_TextLine], starts: list[float]) -> bool:
    """Two lines of one row each put a number in the same column: the rows were too close to tell apart."""
    seen: set[int] = set()
    for ln in row:
        cols = {bisect.bisect_right(starts, s.x0) - 1 for s in ln.segs if _VALUE.match(s.text)}
        if cols & seen:
            return True
        seen |= cols
    return False


def _borderless_tables(chars: list[dict], right: float,
                       settings: TableSettings) -> list[tuple[BBox, list[tuple[BBox, str]], bool]]:
    """Borderless tables on a page: ``(bbox, cells, whole)``, the cells as a ruled table's boxes would be.

    Column boundaries are where the columns' text starts (the last column reaches ``right``,
    the page's edge), so the parts of one table on two pages share them and can be joined.
    ``whole`` is False for a fragment with fewer rows or columns than ``settings`` ask: it
    counts only as a part of a table broken across pages.
    """
    from pdfplumber.utils import extract_text

    out = []
    for run in _table_runs(_text_lines(chars)):
        size = run[0].size
        rows: list[list[_TextLine]] = []
        for ln in run:
            if rows and ln.top <= max(x.bottom for x in rows[-1]) + _ROW_GAP * size:
                rows[-1].append(ln)
            else:
                rows.append([ln])
        starts = [c[0] for c in _columns(run)]
        if any(_stacked(r, starts) for r in rows):
            rows = [[ln] for ln in run]
        n = len(starts)
        if n < 2:
            continue
        texts = []
        for r in rows:
            by_col: list[list[dict]] = [[] for _ in range(n)]
            for ln in r:
                for c in ln.chars:
                    by_col[max(0, bisect.bisect_right(starts, (c["x0"] + c["x1"]) / 2) - 1)].append(c)
            texts.append([cell_text(extract_text(cs)) if cs else "" for cs in by_col])
        if sum(1 for t in texts if sum(1 for s in t if s) >= 2) < 0.6 * len(rows):
            continue
        xs = starts + [max(right, max(s.x1 for ln in run for s in ln.segs))]
        ys = [min(ln.top for ln in r) for r in rows] + [max(ln.bottom for ln in rows[-1])]
        cells: list[tuple[BBox, str]] = []
        for i, t in enumerate(texts):
            j = 0
            while j < n:
                k = j + 1
                if t[j]:
                    while k < n and not t[k]:
                        k += 1
                    if k < n and _VALUE.match(t[j]):   # a gap after a number, before more: a blank cell
                        k = j + 1
                cells.append(((xs[j], ys[i], xs[k], ys[i + 1]), t[j]))
                j = k
        whole = len(rows) >= settings.min_rows and n >= settings.min_cols
        out.append(((xs[0], ys[0], xs[-1], ys[-1]), cells, whole))
    return out


# -- running headers, footers, page numbers ------------------------------------


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
                if PAGE_NUMBER_MARGIN.match(it.text) or (n >= 2 and counts.get(key(it), 0) >= need):
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


def _grid(raw: _RawTable) -> tuple[list[list[GridCell]], list[float]]:
    """Cell boxes → a full grid of origins (a merged box fills every position it covers)."""
    xs = _clusters([v for b, _ in raw.cells for v in (b[0], b[2])])
    ys = _clusters([v for b, _ in raw.cells for v in (b[1], b[3])])
    nr, nc = len(ys) - 1, len(xs) - 1
    grid: list[list[GridCell | None]] = [[None] * nc for _ in range(nr)]
    for (x0, top, x1, bottom), text in sorted(raw.cells, key=lambda c: (c[0][1], c[0][0])):
        c0, c1 = _index(xs, x0), _index(xs, x1) - 1
        r0, r1 = _index(ys, top), _index(ys, bottom) - 1
        if c1 < c0 or r1 < r0:
            continue
        o = GridCell(text, r0, c0, r1, c1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if grid[r][c] is None:
                    grid[r][c] = o
    for r in range(nr):
        for c in range(nc):
            if grid[r][c] is None:
                grid[r][c] = GridCell("", r, c, r, c, filler=True)
    # the gap between a table's part on one page and its part on the next is no row
    keep = [r for r in range(nr) if not all(o.filler for o in grid[r])]  # type: ignore[union-attr]
    return [grid[r] for r in keep], [ys[r] for r in keep]  # type: ignore[misc]


def _continues(prev: _RawTable, nxt: _RawTable) -> bool:
    """Same outer width on the next page, and the column edges of one part are among the other's
    (a part whose rows all merge some columns has fewer edges; a different table has edges of its own).

    A borderless part has only the edges of the columns its rows use, and begins at the first of
    them: two borderless parts are compared where both have columns.
    """
    if nxt.page != prev.last_page + 1 or prev.ruled != nxt.ruled:
        return False
    if abs(prev.bbox[2] - nxt.bbox[2]) > 3 or (prev.ruled and abs(prev.bbox[0] - nxt.bbox[0]) > 3):
        return False
    a = _clusters([v for b, _ in prev.cells for v in (b[0], b[2])])
    b = _clusters([v for b, _ in nxt.cells for v in (b[0], b[2])])
    if not prev.ruled:
        lo = max(a[0], b[0]) - 2
        a, b = [x for x in a if x >= lo], [x for x in b if x >= lo]

    def within(xs: list[float], edges: list[float]) -> bool:
        return all(any(abs(x - e) <= 2 for e in edges) for x in xs)

    return within(a, b) or within(b, a)


def _join_pages(pages: list[list]) -> list:
    """Flatten the pages; a page's last table and the next page's first table of the same width join.

    A borderless fragment joins only that way (the tail of a table at the top of a page, or its
    head at the foot of one); any other fragment is put back as its text lines.
    """
    flat: list = []
    for items in pages:
        if (flat and items and isinstance(flat[-1], _RawTable) and isinstance(items[0], _RawTable)
                and not (flat[-1].fallback is not None and items[0].fallback is not None)
                and _continues(flat[-1], items[0])):
            prev, nxt = flat[-1], items[0]
            joined = _RawTable(prev.page, (prev.bbox[0], prev.bbox[1], prev.bbox[2], nxt.bbox[3]),
                               prev.cells + nxt.cells, prev.breaks + [nxt.top], last_page=nxt.page,
                               ruled=prev.ruled)
            flat[-1] = joined
            flat.extend(items[1:])
            continue
        flat.extend(items)
    out: list = []
    for it in flat:
        if isinstance(it, _RawTable) and it.fallback is not None:
            out.extend(it.fallback)
        else:
            out.append(it)
    return out


def _table_rows(raw: _RawTable) -> list[list[GridCell]]:
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


def _rejoin_rowspans(last: list[GridCell], part: list[list[GridCell]]) -> None:
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
                out[-1] = _Line(it.page, join_wrapped(prev.text, it.text), it.x0, it.top, it.x1, it.bottom)
                continue
        out.append(it)
    return out


def read_pdf(data: bytes, path: str | None = None, *, ruled: TableSettings = RULED,
             borderless: TableSettings | None = BORDERLESS, ocr: str | None = None) -> Document:
    """Read a PDF into a Document; raises ``IngestError`` for a broken file, or a scan it cannot read.

    ``ocr`` (``ocr.ocr_mode``: ``auto`` by default, or ``XXGK_OCR``): ``auto`` reads the pages that
    have no text layer by OCR when the ``ocr`` extra is installed, ``force`` every page, ``off`` none.
    """
    import pdfplumber

    from . import ocr as _ocr
    from .pdf_content import layout

    mode = _ocr.ocr_mode(ocr)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfminer raises several unrelated types for a broken file
        raise IngestError(f"not a readable PDF ({type(e).__name__}: {e})", path=path) from e
    try:
        try:
            pages = pdf.pages
            for p in pages:
                layout(p)
                _lean_chars(p)
            blank = [not p.chars for p in pages]
            scanned = ([i for i, b in enumerate(blank) if b] if mode == "auto" else
                       list(range(len(pages))) if mode == "force" else [])
            if all(blank) and not (scanned and _ocr.available()):
                hint = ("OCR is off" if mode == "off" else
                        f"to read it by OCR install the ocr extra: {_ocr.INSTALL_HINT}")
                raise IngestError(f"{NO_TEXT_LAYER}; {hint}", path=path)
            if not _ocr.available():
                if mode == "force":
                    raise IngestError(f"OCR was asked for every page; install the ocr extra: {_ocr.INSTALL_HINT}",
                                      path=path)
                scanned = []
            heights = [float(p.height) for p in pages]
            offsets = [sum(heights[:i]) for i in range(len(pages))]
            scans = _scan_pages(data, scanned)
            per_page = [_scan_items(scans[i], i + 1, offsets[i], ruled, borderless) if i in scans else
                        _page_items(p, i + 1, offsets[i], ruled, borderless) for i, p in enumerate(pages)]
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(f"cannot read the PDF's pages ({type(e).__name__}: {e})", path=path) from e
    finally:
        _close(pdf)
    return _document(per_page, heights, offsets, path=path, format="pdf", scans=scans)


_PLAIN = frozenset((float, int, bool, str, type(None)))


def _lean_chars(page) -> None:
    """Let ``page`` make its character dicts with less work than pdfplumber's ``Page.process_object``.

    pdfplumber turns every object pdfminer lays out into a dict; for a character (most of a
    report's objects) it resolves each attribute recursively and decodes the colour space's name
    character by character. Here plain values are taken as they are and names are decoded once,
    giving the same dict. The first character of each page is also converted by pdfplumber and
    compared: should a pdfplumber version convert differently, the page falls back to it.
    """
    from pdfminer.layout import LTChar
    from pdfplumber.page import ALL_ATTRS
    from pdfplumber.utils.pdfinternals import resolve_all, resolve_and_decode

    original = page.process_object
    if page.pdf.unicode_norm is not None or page.mediabox[0] != 0:
        return
    height, mb_top, doctop, number = page.height, page.mediabox[1], page.initial_doctop, page.page_number
    names: dict = {}

    def decoded(name):
        try:
            return names[name]
        except KeyError:
            names[name] = value = resolve_and_decode(name)
            return value
        except TypeError:                # an unhashable name
            return resolve_and_decode(name)

    def resolved(v):
        # a character's matrix is a tuple of numbers: resolve_all would copy it, element by element
        if type(v) is tuple and all(type(x) in _PLAIN for x in v):
            return v
        return resolve_all(v)

    def convert(obj) -> dict:
        attr = {k: v if type(v) in _PLAIN else resolved(v) for k, v in obj.__dict__.items() if k in ALL_ATTRS}
        attr["object_type"] = "char"
        attr["page_number"] = number
        for cs in ("ncs", "scs"):
            if hasattr(obj, cs):
                attr[cs] = decoded(getattr(obj, cs).name)
        attr["text"] = obj.get_text()
        gs = obj.graphicstate
        attr["stroking_color"] = gs.scolor if isinstance(gs.scolor, tuple) else (gs.scolor,)
        attr["non_stroking_color"] = gs.ncolor if isinstance(gs.ncolor, tuple) else (gs.ncolor,)
        attr["top"] = (height - attr["y1"]) + mb_top
        attr["bottom"] = (height - attr["y0"]) + mb_top
        attr["doctop"] = doctop + attr["top"]
        return attr

    checked = False

    def process(obj) -> dict:
        nonlocal checked
        if type(obj) is not LTChar or isinstance(obj.__dict__.get("fontname"), bytes):
            return original(obj)
        attr = convert(obj)
        if not checked:
            theirs = original(obj)
            if attr != theirs:
                page.process_object = original
                return theirs
            checked = True
        return attr

    page.process_object = process


def _close(pdf) -> None:
    """pdfplumber's close() builds every page again: on a broken page tree it raises, and that must
    not replace the error (or the Document) the reading ended with."""
    try:
        pdf.close()
    except Exception:  # noqa: BLE001 - the file is already read or already reported
        pass


def _scan_pages(data: bytes, which: list[int]) -> dict:
    """The pages (0-based) read by OCR: ``{index: ocr.PageScan}``."""
    if not which:
        return {}
    import pypdfium2 as pdfium

    from .ocr import scan_pdf_page

    doc = pdfium.PdfDocument(data)
    try:
        return {i: scan_pdf_page(doc[i]) for i in which}
    finally:
        doc.close()


def document_from_scans(scans: list, *, path: str | None, format: str) -> Document:
    """Page images read by OCR (``ocr.PageScan``, one per page) → Document, laid out as a PDF's pages."""
    heights = [s.height for s in scans]
    offsets = [sum(heights[:i]) for i in range(len(scans))]
    per_page = [_scan_items(s, i + 1, offsets[i], RULED, BORDERLESS) for i, s in enumerate(scans)]
    return _document(per_page, heights, offsets, path=path, format=format, scans=dict(enumerate(scans)))


def _document(per_page: list[list], heights: list[float], offsets: list[float], *, path: str | None,
              format: str, scans: dict) -> Document:
    per_page = _strip_furniture(per_page, heights, offsets)
    items = _paragraphs(_join_pages(per_page))
    out = [it.text if isinstance(it, _Line) else (_table_rows(it), it.page) for it in items]
    doc = assemble(out, format=format, path=path, pages=len(per_page))
    if not scans:
        return doc
    from dataclasses import replace

    from .ocr import ENGINE, LOW_CONFIDENCE, ScoredText, engine_version

    boxes = sum(s.boxes for s in scans.values())
    low = tuple((c.span, round(c.text.score, 4)) for t in doc.tables for row in t.rows for c in row
                if not c.merged and isinstance(c.text, ScoredText) and c.text.score < LOW_CONFIDENCE)
    info = OcrInfo(engine=ENGINE, version=engine_version(), pages=tuple(sorted(i + 1 for i in scans)),
                   mean_confidence=sum(s.score_sum for s in scans.values()) / boxes if boxes else None,
                   low_confidence=low)
    return replace(doc, ocr=info)
