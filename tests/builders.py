"""Fixture builders: a sample report's text → a PDF (reportlab) or a DOCX (python-docx).

The text samples hold tables as tab-separated lines whose merged cells were flattened.
``table_layout`` rebuilds the published grid (merged header cells, the rowspans of
section 三's groups) so that the PDF and DOCX carry real merged cells, the way the
reports are printed. Everything here is test support: it writes only to the path given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TableSpec", "parse_sample", "table_layout", "build_pdf", "build_scanned_pdf", "build_docx"]

_VALUE = re.compile(r"^[\d.,，\-—–/／%\s]*$")
_TOP = re.compile(r"^[一二四五六七八九十]、")
_GROUP = re.compile(r"^三、")
_SUB = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
_ITEM = re.compile(r"^\d+\s*[.．、]")


@dataclass(frozen=True)
class TableSpec:
    """A grid of cell texts and its merges ``(row0, col0, row1, col1)``, inclusive."""

    grid: tuple[tuple[str, ...], ...]
    spans: tuple[tuple[int, int, int, int], ...] = ()
    header_rows: int = 0
    kind: str = "other"

    @property
    def ncols(self) -> int:
        return len(self.grid[0]) if self.grid else 0


@dataclass
class _Item:
    kind: str                    # "title" | "heading" | "para" | "table"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def parse_sample(text: str) -> list[_Item]:
    """Lines with tabs → table rows (a run of them one table); ``#`` lines headings; others paragraphs."""
    items: list[_Item] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\t" in line:
            if not items or items[-1].kind != "table":
                items.append(_Item("table"))
            items[-1].rows.append(line.split("\t"))
            continue
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^(#+)\s*(.*)$", s)
        if m:
            items.append(_Item("title" if len(m.group(1)) == 1 else "heading", m.group(2)))
        else:
            items.append(_Item("para", s))
    return items


def _is_value(s: str) -> bool:
    return bool(s.strip()) and bool(_VALUE.match(s.strip()))


def _kind(rows: list[list[str]]) -> str:
    flat = " ".join(" ".join(r) for r in rows)
    if "本年新收" in flat:
        return "applications"
    if "行政复议" in flat and "行政诉讼" in flat:
        return "review_litigation"
    if "第二十条" in flat:
        return "active_disclosure"
    return "other"


def table_layout(rows: list[list[str]]) -> TableSpec:
    """The published grid of a flattened table (see the module docstring)."""
    kind = _kind(rows)
    if kind == "applications":
        spec = _applications_layout(rows)
        if spec is not None:
            return spec
    if kind == "review_litigation":
        return _header_span_layout(rows, kind)
    if kind == "active_disclosure":
        return _trailing_span_layout(rows, kind)
    return _plain(rows, kind)


def _pad(rows: list[list[str]]) -> list[list[str]]:
    """Rows padded to one width; trailing columns blank in every row (stray tabs) dropped."""
    n = max(len(r) for r in rows)
    grid = [[c.strip() for c in r] + [""] * (n - len(r)) for r in rows]
    while n > 1 and all(not r[n - 1] for r in grid):
        n -= 1
    return [r[:n] for r in grid]


def _plain(rows, kind) -> TableSpec:
    return TableSpec(grid=tuple(tuple(r) for r in _pad(rows)), kind=kind)


def _trailing_span_layout(rows, kind) -> TableSpec:
    """Section 二: a cell followed only by blanks spans to the row's end (第二十条第（一）项, 本年处理决定数量)."""
    grid = _pad(rows)
    n = len(grid[0])
    spans = []
    for r, row in enumerate(grid):
        filled = [i for i, c in enumerate(row) if c]
        if filled and filled[-1] < n - 1:
            spans.append((r, filled[-1], r, n - 1))
    return TableSpec(grid=tuple(tuple(r) for r in grid), spans=tuple(spans), kind=kind)


def _header_span_layout(rows, kind) -> TableSpec:
    """Section 四: header cells span right over blanks, then down over blanks in the header."""
    grid = _pad(rows)
    n = len(grid[0])
    nhead = next((i for i, r in enumerate(grid) if any(_is_value(c) for c in r)), len(grid))
    covered: set[tuple[int, int]] = set()
    spans = []
    for r in range(nhead):
        for c in range(n):
            if not grid[r][c] or (r, c) in covered:
                continue
            c1 = c
            while c1 + 1 < n and not grid[r][c1 + 1] and (r, c1 + 1) not in covered:
                c1 += 1
            r1 = r
            while r1 + 1 < nhead and all(not grid[r1 + 1][k] for k in range(c, c1 + 1)):
                r1 += 1
            if (r1, c1) != (r, c):
                spans.append((r, c, r1, c1))
                covered.update((i, j) for i in range(r, r1 + 1) for j in range(c, c1 + 1))
    return TableSpec(grid=tuple(tuple(r) for r in grid), spans=tuple(spans), header_rows=nhead, kind=kind)


def _applications_layout(rows) -> TableSpec | None:
    """Section 三 as printed: 3 label columns, the applicant columns, 3 header rows."""
    head = [[c.strip() for c in r if c.strip()] for r in rows[:3]]
    if len(head) < 3 or len(head[0]) != 3 or len(head[1]) != 2 or not head[2]:
        return None
    orgs = head[2]
    nval = len(orgs) + 2
    body = []
    for r in rows[3:]:
        cells = [c.strip() for c in r]
        labels, i = [], 0
        while i < len(cells) and not _is_value(cells[i]):
            if cells[i]:
                labels.append(cells[i])
            i += 1
        values = cells[i:]
        while values and not values[-1]:
            values.pop()
        body.append((labels, values))
    nval = max([nval] + [len(v) for _, v in body])
    ncols = 3 + nval
    grid = [[""] * ncols for _ in range(3)]
    note, applicant, total = head[0]
    grid[0][0], grid[0][3], grid[0][ncols - 1] = note, applicant, total
    grid[1][3], grid[1][4] = head[1]
    for k, org in enumerate(orgs):
        grid[2][4 + k] = org
    spans = [(0, 0, 2, 2), (0, 3, 0, ncols - 2), (0, ncols - 1, 2, ncols - 1), (1, 3, 2, 3),
             (1, 4, 1, ncols - 2)]
    group_start = sub_start = None

    def close_sub(last):
        nonlocal sub_start
        if sub_start is not None and last > sub_start:
            spans.append((sub_start, 1, last, 1))
        sub_start = None

    def close_group(last):
        nonlocal group_start
        if group_start is not None and last > group_start:
            spans.append((group_start, 0, last, 0))
        group_start = None

    for labels, values in body:
        r = len(grid)
        row = [""] * ncols
        for k, v in enumerate(values):
            row[3 + k] = v
        levels = ["top" if _TOP.match(t) else "group" if _GROUP.match(t) else "sub" if _SUB.match(t)
                  else "item" if _ITEM.match(t) else "top" for t in labels]
        if "top" in levels or "group" in levels:
            close_sub(r - 1)
            close_group(r - 1)
        if "sub" in levels:
            close_sub(r - 1)
        for t, lv in zip(labels, levels):
            if lv == "top":
                row[0] = t
                spans.append((r, 0, r, 2))
            elif lv == "group":
                row[0], group_start = t, r
            elif lv == "sub":
                row[1] = t
                if "item" in levels:
                    sub_start = r
                else:
                    spans.append((r, 1, r, 2))
            else:
                row[2] = t
        grid.append(row)
    close_sub(len(grid) - 1)
    close_group(len(grid) - 1)
    return TableSpec(grid=tuple(tuple(r) for r in grid), spans=tuple(spans), header_rows=3,
                     kind="applications")


# -- PDF ----------------------------------------------------------------------

_FONT = "STSong-Light"
RUNNING_HEADER = "政府信息公开工作年度报告"


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


def _split_row(spec: TableSpec) -> int:
    """Where section 三 breaks across pages: at its （四） row, inside the 三、 group's rowspan."""
    for r, row in enumerate(spec.grid):
        if row[1].startswith(("(四)", "（四）")):
            return r
    return max(spec.header_rows + 1, len(spec.grid) // 2)


def _rl_table(spec: TableSpec, rows: range, styles, *, borderless: bool, repeat_header: bool,
              page_width: float, widths: list[float] | None = None):
    from reportlab.platypus import Paragraph, Table, TableStyle

    take = list(rows)
    if repeat_header and take and take[0] > spec.header_rows:
        take = list(range(spec.header_rows)) + take
    index = {r: i for i, r in enumerate(take)}
    style_cmds = [("FONT", (0, 0), (-1, -1), _FONT, 7), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                  ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if not borderless:
        style_cmds.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    data = [[Paragraph(t, styles["cell"]) if t else "" for t in spec.grid[r]] for r in take]
    for r0, c0, r1, c1 in spec.spans:
        inside = [index[r] for r in range(r0, r1 + 1) if r in index]
        if not inside or (inside[0], c0) == (inside[-1], c1):
            continue
        if r0 not in index:          # the part of a rowspan continued from the page before: blank
            data[inside[0]][c0] = ""
        if not borderless:
            style_cmds.append(("SPAN", (c0, inside[0]), (c1, inside[-1])))
    widths = widths or _col_widths(spec, page_width)
    return Table(data, colWidths=widths, style=TableStyle(style_cmds), splitByRow=1)


def _col_widths(spec: TableSpec, page_width: float) -> list[float]:
    n = spec.ncols
    if spec.kind == "applications":
        label = [0.9 * 72, 0.75 * 72, 1.7 * 72]
        rest = (page_width - sum(label)) / (n - 3)
        return label + [rest] * (n - 3)
    return [page_width / n] * n


def _template_widths(spec: TableSpec, page_width: float, value_width: float) -> list[float]:
    """Section 三 as the official template prints it: a group column one character wide (so
    三、本年度办理结果 stands one character per line), narrow applicant columns (so 商业企业,
    社会公益组织, 法律服务机构 wrap over 2–3 lines), the label columns taking the rest."""
    n = spec.ncols
    group = 7 + 4                                   # one 7 pt character plus the cell padding
    values = [value_width] * (n - 3)
    rest = page_width - group - sum(values)
    return [group, 0.3 * rest, 0.7 * rest] + values


def build_pdf(report_text_path, out_path, *, split_table_across_pages: bool = True,
              borderless: bool = False, header: str = RUNNING_HEADER, footer: str = "- {page} -",
              applicant_width: float | None = None) -> Path:
    """Render a sample's text as an A4 report PDF: running header, page-number footers
    (``footer`` formatted with ``page``), ruled tables with merged cells (or ``borderless``),
    and section 三 breaking across two pages. ``applicant_width`` (points) lays section 三 out
    like the official template: value columns that narrow, a vertical group label."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    text = Path(report_text_path).read_text(encoding="utf-8")
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=6),
        "para": ParagraphStyle("para", fontName=font, fontSize=10.5, leading=16, firstLineIndent=21,
                               spaceAfter=6, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7, leading=9, wordWrap="CJK"),
    }
    out = Path(out_path)
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=22 * mm, bottomMargin=22 * mm)
    width = A4[0] - 40 * mm
    story = []
    for item in parse_sample(text):
        if item.kind == "table":
            spec = table_layout(item.rows)
            n = len(spec.grid)
            widths = (_template_widths(spec, width, applicant_width)
                      if applicant_width and spec.kind == "applications" else None)
            if split_table_across_pages and spec.kind == "applications":
                cut = _split_row(spec)
                story.append(_rl_table(spec, range(cut), styles, borderless=borderless,
                                       repeat_header=False, page_width=width, widths=widths))
                story.append(PageBreak())
                story.append(_rl_table(spec, range(cut, n), styles, borderless=borderless,
                                       repeat_header=True, page_width=width, widths=widths))
            else:
                story.append(_rl_table(spec, range(n), styles, borderless=borderless,
                                       repeat_header=False, page_width=width, widths=widths))
            story.append(Spacer(1, 8))
        else:
            story.append(Paragraph(_escape(item.text), styles[item.kind]))

    def decorate(canvas, d):
        canvas.saveState()
        canvas.setFont(font, 9)
        if header:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, header)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, footer.format(page=d.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_scanned_pdf(out_path) -> Path:
    """An image-only page (shapes, no text layer), as a scan looks to a text extractor."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = Path(out_path)
    c = canvas.Canvas(str(out), pagesize=A4)
    for i in range(30):
        c.rect(60, 780 - i * 24, 470 - (i % 5) * 40, 10, fill=1, stroke=0)
    c.showPage()
    c.save()
    return out


# -- DOCX ---------------------------------------------------------------------

def build_docx(report_text_path, out_path) -> Path:
    """The sample as a Word file: headings, paragraphs, tables with merged cells (``cell.merge``)."""
    import docx

    text = Path(report_text_path).read_text(encoding="utf-8")
    d = docx.Document()
    for item in parse_sample(text):
        if item.kind == "title":
            d.add_heading(item.text, level=1)
        elif item.kind == "heading":
            d.add_heading(item.text, level=2)
        elif item.kind == "para":
            d.add_paragraph(item.text)
        else:
            spec = table_layout(item.rows)
            t = d.add_table(rows=len(spec.grid), cols=spec.ncols)
            t.style = "Table Grid"
            in_span = {(r, c) for r0, c0, r1, c1 in spec.spans
                       for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
            for r, row in enumerate(spec.grid):
                for c, s in enumerate(row):
                    if s and (r, c) not in in_span:
                        t.cell(r, c).text = s
            for r0, c0, r1, c1 in spec.spans:
                t.cell(r0, c0).merge(t.cell(r1, c1))
    out = Path(out_path)
    d.save(str(out))
    return out
