"""HTML → Document, with lxml.

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

The tree is lxml's (libxml2's HTML parser fed the decoded text; see "parsing" below). An
element's text is read as BeautifulSoup read it over the same parser, which this reader replaced
with its output unchanged (``tests/test_html_identity.py``): a run of ASCII whitespace alone
between tags counts as one space or one newline (outside ``pre``/``textarea``), and the strings of
``script``, ``style``, ``template``, ``rt`` and ``rp`` are not the text of the elements around them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

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
_DIGITS = re.compile(r"\d+")
_STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})  # their strings are theirs alone
_KEEP_WHITESPACE = frozenset({"pre", "textarea"})
_ASCII_WS = " \t\n\f\r"
_LIST_ATTRS = {"*": frozenset({"class", "accesskey", "dropzone"}), "a": frozenset({"rel", "rev"}),
               "link": frozenset({"rel", "rev"}), "td": frozenset({"headers"}), "th": frozenset({"headers"}),
               "form": frozenset({"accept-charset"}), "object": frozenset({"archive"}),
               "area": frozenset({"rel"}), "icon": frozenset({"sizes"}), "iframe": frozenset({"sandbox"}),
               "output": frozenset({"for"})}   # attributes that hold a list of words
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


# -- tree → strings ------------------------------------------------------------

def _norm(s: str, keep: bool) -> str:
    """A string between tags: all ASCII whitespace → one newline (if it has one) or one space."""
    if keep or s.strip(_ASCII_WS):
        return s
    return "\n" if "\n" in s else " "


def _contents(el) -> Iterator:
    """An element's children in order, with the text runs between them as ``str``."""
    if el.text:
        yield el.text
    for child in el:
        yield child
        if child.tail:
            yield child.tail


def _context(el) -> tuple[str | None, bool]:
    """The string type inside ``el`` (its innermost string container, or None) and whether it keeps whitespace."""
    kind, keep = None, False
    for a in (el, *el.iterancestors()):
        tag = a.tag
        if kind is None and tag in _STRING_CONTAINERS:
            kind = tag
        if tag in _KEEP_WHITESPACE:
            keep = True
    return kind, keep


def _text_of(el) -> str:
    """The element's text: its strings of its own kind (those of no string container, unless it is one)."""
    want = el.tag if el.tag in _STRING_CONTAINERS else None
    kind, keep = _context(el)
    out: list[str] = []
    if el.text and kind == want:
        out.append(_norm(el.text, keep))
    # entries: (children iterator, kind, keep, the element whose tail follows them, its parent's kind/keep)
    stack: list[tuple] = [(iter(el), kind, keep, None, None, False)]
    while stack:
        it, k, kp, owner, pk, pkp = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            if owner is not None and owner.tail and pk == want:
                out.append(_norm(owner.tail, pkp))
            continue
        tag = child.tag
        if not isinstance(tag, str):          # a comment or processing instruction: only its tail is text
            if child.tail and k == want:
                out.append(_norm(child.tail, kp))
            continue
        ck = tag if tag in _STRING_CONTAINERS else k
        ckp = kp or tag in _KEEP_WHITESPACE
        if child.text and ck == want:
            out.append(_norm(child.text, ckp))
        stack.append((iter(child), ck, ckp, child, k, kp))
    return "".join(out)


def _words(tag: str, name: str, value: str):
    if name in _LIST_ATTRS["*"] or name in _LIST_ATTRS.get(tag, ()):
        return value.split()
    return value


def _same(a, b) -> bool:
    """Same name, attributes and contents, recursively (how the old reader compared two elements)."""
    pairs = [(a, b)]
    while pairs:
        x, y = pairs.pop()
        if x is y:
            continue
        if x.tag != y.tag:
            return False
        if isinstance(x.tag, str):
            if ({k: _words(x.tag, k, v) for k, v in x.attrib.items()}
                    != {k: _words(y.tag, k, v) for k, v in y.attrib.items()}):
                return False
            xs, ys = list(_contents(x)), list(_contents(y))
            if len(xs) != len(ys):
                return False
            kx, ky = _context(x)[1], _context(y)[1]
            for u, v in zip(xs, ys):
                su, sv = _as_string(u, kx), _as_string(v, ky)
                if su is not None or sv is not None:
                    if su != sv:
                        return False
                else:
                    pairs.append((u, v))
        elif _as_string(x, False) != _as_string(y, False):
            return False
    return True


def _as_string(node, keep: bool) -> str | None:
    """A text run, comment or processing instruction as the string it compares as; None for an element."""
    if isinstance(node, str):
        return _norm(node, keep)
    if isinstance(node.tag, str):
        return None
    if node.tag is etree.ProcessingInstruction:
        return _norm(f"{node.target} {node.text or ''}", keep)
    return _norm(node.text or "", keep)


# -- tree → raw blocks ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _RawTable:
    grid: tuple[tuple[GridCell, ...], ...]   # a merged cell is one object at every position it covers


def _collapse(parts: list[str]) -> str:
    """Join text pieces into one line: whitespace runs → one space, none between CJK across a newline."""
    raw = _ZERO_WIDTH.sub("", "".join(parts))
    if not _WS.search(raw):
        return raw.strip()

    def repl(m: re.Match) -> str:
        s = m.group(0)
        if "\n" in s or "\r" in s:
            a, b = m.start(), m.end()
            if 0 < a and b < len(raw) and _CJK.match(raw[a - 1]) and _CJK.match(raw[b]):
                return ""
        return " "

    return _WS.sub(repl, raw).strip()


class _Walker:
    """Walks the tree once, producing lines of text and tables in reading order."""

    def __init__(self, tops: list):
        self.out: list[str | _RawTable] = []
        self.line: list[str] = []
        self.title = _title_element(tops)
        body = next((b for top in tops for b in top.iter("body")), None)
        chars = len(_text_of(body)) if body is not None else sum(len(_text_of(top)) for top in tops)
        self.page_chars = max(1, chars)

    # lines
    def flush(self) -> None:
        if self.line:
            text = _collapse(self.line)
            self.line = []
            if text:
                self.out.append(text)

    def is_chrome(self, el) -> bool:
        name = el.tag
        if name in _INVISIBLE:
            return True
        hidden = "hidden" in el.attrib or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
        if (hidden or name in _CHROME_TAGS
                or _CHROME_WORDS.search(f"{el.get('class') or ''} {el.get('id') or ''}")):
            return not self._protected(el)
        return False

    def _protected(self, el) -> bool:
        if next(el.iterdescendants("table"), None) is not None:
            return True
        title = self.title
        if title is not None:
            if title is el or any(a is el for a in title.iterancestors()):
                return True
            if any(_same(title, d) for d in el.iterdescendants(title.tag)):
                return True
        return len(_text_of(el)) > 0.5 * self.page_chars

    def walk(self, el) -> None:
        self.walk_nodes(_contents(el))

    def walk_nodes(self, nodes: Iterable) -> None:
        """Depth-first with an explicit stack (10,000 nested tags are fine)."""
        stack: list[tuple[Iterator, bool]] = [(iter(nodes), False)]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                _, block = stack.pop()
                if block:
                    self.flush()
                continue
            if isinstance(child, str):
                self.line.append(_norm(child, False))
                continue
            name = child.tag
            if not isinstance(name, str) or self.is_chrome(child):   # comments, processing instructions
                continue
            if name == "br":
                self.flush()
            elif name == "table":
                self.flush()
                self.table(child)
            elif name == "pre":
                self.flush()
                for ln in _text_of(child).splitlines():   # preformatted: keep the indent
                    ln = _ZERO_WIDTH.sub("", ln).replace("\t", " ").rstrip()
                    if ln.strip():
                        self.out.append(ln)
            elif name in _BLOCK_TAGS:
                self.flush()
                stack.append((_contents(child), True))     # flushed again when it ends
            else:
                stack.append((_contents(child), False))

    # tables
    def table(self, table) -> None:
        rows = _rows_of(table)
        cells = [c for r in rows for c in _cells_of(r)]
        if (next(table.iterdescendants("table"), None) is not None            # a layout table
                and any(next(c.iterdescendants("table"), None) is not None for c in cells)):
            for c in cells:
                self.flush()
                self.walk(c)
                self.flush()
            return
        caption = next((c for c in table if c.tag == "caption"), None)
        if caption is not None:
            self.walk_one(caption)
        grid = _grid([[(self.cell_text(c), _span_attr(c, "rowspan", _MAX_ROWSPAN, zero_ok=True),
                        _span_attr(c, "colspan", _MAX_COLSPAN)) for c in _cells_of(r)] for r in rows])
        if grid:
            self.out.append(_RawTable(grid=grid))

    def walk_one(self, el) -> None:
        self.flush()
        self.walk(el)
        self.flush()

    def cell_text(self, cell) -> str:
        if not len(cell):                    # plain text, as most cells are: the walk below in short
            text = cell.text
            return _collapse([_norm(text, False)]) if text else ""
        sub = _Walker.__new__(_Walker)
        sub.out, sub.line, sub.title, sub.page_chars = [], [], self.title, self.page_chars
        sub.walk(cell)
        sub.flush()
        return " ".join(x for x in sub.out if isinstance(x, str))


def _title_element(tops: list):
    """The report's title: the first heading that names a report, else the first h1."""
    for top in tops:
        for el in top.iter("h1", "h2", "h3"):
            if "报告" in _text_of(el):
                return el
    for top in tops:
        for el in top.xpath("descendant-or-self::*[@class]"):
            if _TITLE_ATTR.search(el.get("class")):
                text = _text_of(el)
                if "报告" in text and len(text) < 200:
                    return el
    return next((el for top in tops for el in top.iter("h1")), None)


def _rows_of(table) -> list:
    rows: list = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if c.tag == "tr")
    return rows


def _cells_of(row) -> list:
    return [c for c in row if c.tag in ("td", "th")]


def _span_attr(cell, name: str, limit: int, zero_ok: bool = False) -> int:
    """rowspan/colspan as browsers read them: garbage → 1; rowspan=0 → to the end (-1)."""
    raw = cell.get(name)
    if not raw:
        return 1
    m = _DIGITS.match(raw.strip())
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
    tops = _parse(_LONE_SURROGATE.sub("\ufffd", normalize_newlines(html)))
    walker = _Walker(tops)
    walker.walk_nodes(tops)
    walker.flush()
    items = [it if isinstance(it, str) else (it.grid, None) for it in walker.out]
    return assemble(items, format="html", path=path, encoding=encoding)


# -- parsing --------------------------------------------------------------------
#
# libxml2 builds the tree natively (fast), but its tree builder stops the whole parse at an
# element nested deeper than 256 levels, or at a text run over 10 MB: on such a page the
# events the parser emits are built into a tree here instead (slower, without those limits).

_MAX_NATIVE_DEPTH = 256
_MAX_NATIVE_CHARS = 2_400_000      # 10 MB of UTF-8 even at 4 bytes a character


def _parse(html: str) -> list:
    """The page's top-level elements, in order (a page may have content after ``</html>``)."""
    if html.startswith("\ufeff"):
        html = html[1:]
    if len(html) <= _MAX_NATIVE_CHARS:
        parser = etree.HTMLParser()
        parser.feed(html)
        try:
            root = parser.close()
        except etree.XMLSyntaxError:      # nothing to build a tree from (empty, or only a comment)
            root = None
        if root is None:
            return []
        if not root.xpath("/*" * _MAX_NATIVE_DEPTH):
            return [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    parser = etree.HTMLParser(target=_Events())
    parser.feed(html)
    return [el for el in parser.close() if isinstance(el.tag, str)]


class _Events:
    """A parser target that builds the tree from the parser's events, top-level elements under one holder.

    An end tag closes the elements opened after the last open element of its name; one with no
    open element of its name is ignored (the parser's events need not be balanced where it gives up).
    """

    def __init__(self) -> None:
        self.tb = etree.TreeBuilder(parser=etree.HTMLParser())
        self.tb.start("document", {})
        self.open: list[str] = []

    def start(self, tag: str, attrib) -> None:
        if not _valid_name(tag):
            tag = "invalid"
        self.tb.start(tag, {k: v for k, v in attrib.items() if _valid_name(k)})
        self.open.append(tag)

    def end(self, tag: str) -> None:
        if tag in self.open:
            while self.open:
                name = self.open.pop()
                self.tb.end(name)
                if name == tag:
                    break

    def data(self, data: str) -> None:
        self.tb.data(data)

    def comment(self, text: str) -> None:
        # lxml's comments cannot hold "--" or end with "-"; a comment's text is never read as text
        self.tb.comment(text.replace("--", "- -") + (" " if text.endswith("-") else ""))

    def pi(self, target: str, data: str | None = None) -> None:
        try:
            self.tb.pi(target, data)
        except ValueError:
            self.comment(f"{target} {data or ''}")

    def close(self):
        while self.open:
            self.tb.end(self.open.pop())
        self.tb.end("document")
        return self.tb.close()


@functools.lru_cache(maxsize=1024)
def _valid_name(name: str) -> bool:
    """Whether lxml's own elements can have this tag or attribute name (the parser's can have any)."""
    try:
        etree.Element(name, {name: ""})
    except ValueError:
        return False
    return True
