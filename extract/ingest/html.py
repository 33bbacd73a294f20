"""HTML → Document, with BeautifulSoup over lxml.

Stages, each a function of the one before::

    bytes ──charset (BOM, <meta>, detection)──▶ str
          ──lxml──▶ tree ──chrome dropped──▶ blocks (lines of text; tables as cell grids)
          ──assemble──▶ Document (one line per block / table row; spans exact)

Only visible text is kept: ``script``, ``style`` and the like go, and so does page
chrome (``nav``, ``header``, ``footer``, ``aside``, and elements whose id/class say
nav/menu/breadcrumb/footer/header/sidebar/share/toolbar) — unless the element holds
a ``<table>``, the report's title heading, or most of the page's text.

Every leaf ``<table>`` becomes a full grid: rowspan/colspan are resolved, the
positions a merged cell covers carry a copy of it with ``merged=True``. A table
whose cells contain tables is a layout table: its cells are read as ordinary
blocks, so the data tables inside come out as tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from ..errors import IngestError
from ..types import Document
from .layout import GridCell, assemble
from .text import _BOMS, _looks_binary, _normal_encoding, decode_bytes, normalize_newlines

__all__ = ["document_from_html", "read_html", "decode_html"]

_INVISIBLE = {"script", "style", "noscript", "template", "head", "iframe", "svg", "object",
              "embed", "canvas", "button", "select", "textarea", "input", "map", "audio", "video"}
_CHROME_TAGS = {"nav", "header", "footer", "aside"}
_CHROME_WORDS = re.compile(
    r"nav|menu|breadcrumb|crumb|footer|header|sidebar|side-bar|share|toolbar|tool-bar|topbar|"
    r"copyright|banner|position|location|dqwz", re.I)
_TITLE_ATTR = re.compile(r"title", re.I)
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "summary", "ul", "caption", "legend", "tr", "td", "th", "thead", "tbody", "tfoot",
    "option", "table",
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_MAX_COLSPAN = 1000      # as the HTML standard clamps them
_MAX_ROWSPAN = 65534
_MAX_GRID_POSITIONS = 20_000    # every table of a report has a few hundred
_WS = re.compile(r"[ \t\n\r\f\v\xa0\u3000\u2002\u2003\u2009]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)


# -- decoding -----------------------------------------------------------------

def decode_html(data: bytes, path: str | None = None) -> tuple[str, str]:
    """Decode an HTML page: BOM, then the ``<meta>`` charset, then detection.

    A page whose bytes are valid UTF-8 (with non-ASCII text) is read as UTF-8
    even where its ``<meta>`` names another charset: a CMS template that declares
    gb2312 over UTF-8 content is common, while GBK text that happens to be valid
    UTF-8 is vanishingly rare.
    """
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return decode_bytes(data, path)
    if _looks_binary(data):
        raise IngestError("binary file, not text", path=path)
    m = _META_CHARSET.search(data[:8192])
    if m:
        declared = _normal_encoding(m.group(1).decode("ascii", "replace"))
        if declared not in ("utf-8", "utf8"):
            try:
                data.decode("utf-8")
                if not data.isascii():
                    return decode_bytes(data, path)
            except UnicodeDecodeError:
                pass
            try:
                text = data.decode(declared)
            except (LookupError, UnicodeDecodeError):
                return decode_bytes(data, path)
            if not text.strip():
                raise IngestError("no text (only whitespace)", path=path)
            return text, declared
    return decode_bytes(data, path)


def read_html(data: bytes, path: str | None = None) -> Document:
    """The ingest reader for ``.html`` files."""
    text, encoding = decode_html(data, path)
    doc = document_from_html(text, path=path, encoding=encoding)
    if not doc.text.strip():
        raise IngestError("no visible text in the HTML page (only markup, scripts or page chrome)",
                          path=path)
    return doc


# -- tree → raw blocks ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _RawTable:
    grid: tuple[tuple[GridCell, ...], ...]   # a merged cell is one object at every position it covers


def _collapse(parts: list[str]) -> str:
    """Join text pieces into one line: whitespace runs → one space, none between CJK across a newline."""
    raw = _ZERO_WIDTH.sub("", "".join(parts))

    def repl(m: re.Match) -> str:
        s = m.group(0)
        if "\n" in s or "\r" in s:
            a, b = m.start(), m.end()
            if 0 < a and b < len(raw) and _CJK.match(raw[a - 1]) and _CJK.match(raw[b]):
                return ""
        return " "

    return _WS.sub(repl, raw).strip()


def _classes(tag: Tag) -> str:
    cls = tag.get("class") or []
    if isinstance(cls, str):
        cls = [cls]
    return " ".join([*cls, str(tag.get("id") or "")])


class _Walker:
    """Walks the tree once, producing lines of text and tables in reading order."""

    def __init__(self, soup: BeautifulSoup):
        self.out: list[str | _RawTable] = []
        self.line: list[str] = []
        self.title = _title_element(soup)
        body = soup.body or soup
        self.page_chars = max(1, len(body.get_text()))

    # lines
    def flush(self) -> None:
        if self.line:
            text = _collapse(self.line)
            self.line = []
            if text:
                self.out.append(text)

    def is_chrome(self, tag: Tag) -> bool:
        if tag.name in _INVISIBLE:
            return True
        hidden = tag.has_attr("hidden") or bool(_HIDDEN_STYLE.search(str(tag.get("style") or "")))
        if hidden or tag.name in _CHROME_TAGS or _CHROME_WORDS.search(_classes(tag)):
            return not self._protected(tag)
        return False

    def _protected(self, tag: Tag) -> bool:
        if tag.find("table") is not None:
            return True
        if self.title is not None and (tag is self.title or self.title in tag.descendants):
            return True
        return len(tag.get_text()) > 0.5 * self.page_chars

    def walk(self, node) -> None:
        """Depth-first over ``node``'s children with an explicit stack (10,000 nested tags are fine)."""
        stack: list[tuple[Iterator, bool]] = [(iter(node.children), False)]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                _, block = stack.pop()
                if block:
                    self.flush()
                continue
            if isinstance(child, (Comment, CData, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                self.line.append(str(child))
                continue
            if not isinstance(child, Tag) or self.is_chrome(child):
                continue
            name = child.name
            if name == "br":
                self.flush()
            elif name == "table":
                self.flush()
                self.table(child)
            elif name == "pre":
                self.flush()
                for ln in child.get_text().splitlines():   # preformatted: keep the indent
                    ln = _ZERO_WIDTH.sub("", ln).replace("\t", " ").rstrip()
                    if ln.strip():
                        self.out.append(ln)
            elif name in _BLOCK_TAGS:
                self.flush()
                stack.append((iter(child.children), True))     # flushed again when it ends
            else:
                stack.append((iter(child.children), False))

    # tables
    def table(self, table: Tag) -> None:
        rows = _rows_of(table)
        cells = [c for r in rows for c in _cells_of(r)]
        if any(c.find("table") is not None for c in cells):   # a layout table
            for c in cells:
                self.flush()
                self.walk(c)
                self.flush()
            return
        caption = table.find("caption", recursive=False)
        if caption is not None:
            self.walk_one(caption)
        grid = _grid([[(self.cell_text(c), _span_attr(c, "rowspan", _MAX_ROWSPAN, zero_ok=True),
                        _span_attr(c, "colspan", _MAX_COLSPAN)) for c in _cells_of(r)] for r in rows])
        if grid:
            self.out.append(_RawTable(grid=grid))

    def walk_one(self, tag: Tag) -> None:
        self.flush()
        self.walk(tag)
        self.flush()

    def cell_text(self, cell: Tag) -> str:
        sub = _Walker.__new__(_Walker)
        sub.out, sub.line, sub.title, sub.page_chars = [], [], self.title, self.page_chars
        sub.walk(cell)
        sub.flush()
        return " ".join(x for x in sub.out if isinstance(x, str))


def _title_element(soup: BeautifulSoup) -> Tag | None:
    """The report's title: the first heading that names a report, else the first h1."""
    for tag in soup.find_all(["h1", "h2", "h3"]):
        if "报告" in tag.get_text():
            return tag
    for tag in soup.find_all(class_=_TITLE_ATTR):
        if "报告" in tag.get_text() and len(tag.get_text()) < 200:
            return tag
    return soup.find("h1")


def _rows_of(table: Tag) -> list[Tag]:
    rows: list[Tag] = []
    for child in table.find_all(recursive=False):
        if child.name == "tr":
            rows.append(child)
        elif child.name in ("thead", "tbody", "tfoot"):
            rows.extend(child.find_all("tr", recursive=False))
    return rows


def _cells_of(row: Tag) -> list[Tag]:
    return [c for c in row.find_all(["td", "th"], recursive=False)]


def _span_attr(cell: Tag, name: str, limit: int, zero_ok: bool = False) -> int:
    """rowspan/colspan as browsers read them: garbage → 1; rowspan=0 → to the end (-1)."""
    raw = str(cell.get(name) or "1").strip()
    m = re.match(r"\d+", raw)
    if not m:
        return 1
    n = int(m.group(0))
    if n == 0:
        return -1 if zero_ok else 1
    return min(n, limit)


def _grid(rows: list[list[tuple[str, int, int]]]) -> tuple[tuple[GridCell, ...], ...]:
    """Resolve rowspan/colspan into positions; rows are cut at the table's last source row.

    At most ``_MAX_GRID_POSITIONS`` positions are filled: past that, a merged cell covers only
    its own position (a table that large is no report table, and a hostile page cannot make
    the expansion take minutes or gigabytes).
    """
    n_rows = len(rows)
    taken: list[dict[int, GridCell]] = [{} for _ in range(n_rows)]
    budget = _MAX_GRID_POSITIONS
    for r, cells in enumerate(rows):
        col = 0
        row = taken[r]
        for text, rowspan, colspan in cells:
            while col in row:
                col += 1
            last = n_rows if rowspan == -1 else min(n_rows, r + rowspan)
            if (last - r) * colspan > budget:
                last, colspan = r + 1, 1
            cell = GridCell(text, r, col, last - 1, col + colspan - 1)
            for rr in range(r, last):
                below = taken[rr]
                for cc in range(col, col + colspan):
                    if cc not in below:
                        below[cc] = cell
                        budget -= 1
            col += colspan
    return tuple(tuple(row[c] for c in sorted(row)) for row in taken if row)


def document_from_html(html: str, *, path: str | None = None, encoding: str | None = None) -> Document:
    """Visible text and tables of an HTML page (see the module docstring)."""
    # lxml cannot take a lone surrogate (only a caller's string can hold one): U+FFFD, one for one
    soup = BeautifulSoup(_LONE_SURROGATE.sub("\ufffd", normalize_newlines(html)), "lxml")
    walker = _Walker(soup)
    walker.walk(soup)
    walker.flush()
    items = [it if isinstance(it, str) else (it.grid, None) for it in walker.out]
    return assemble(items, format="html", path=path, encoding=encoding)
