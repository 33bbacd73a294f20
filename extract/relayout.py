"""Running text → logical lines, for text whose structure was flattened onto one line.

A web page saved by a crawler (``get_text()`` of the page) puts the whole report on one
line: headings run into the paragraphs after them (``五、存在的主要问题及改进情况2020年，…``),
and each table row is its label followed directly by its cells' digits, with the next
row's number glued on (``…00000002.其他法律行政法规禁止公开0000000``). Every later stage
reads lines, so this stage cuts such a line where a line would have been:

- before and after a section heading found mid-line (a numbered title that names one of
  the six sections, its end found at its title word: 情况, 问题, 措施, 事项 …);
- before and after a sub-heading of section 五 (``（一）存在的主要问题``);
- inside the tables (from section 二 to section 五), before every row label — a numbered
  item (``（三）``, ``2.``, ``一、``), a 第二十条 item header, or a section 二 row name followed
  by its digits — and after every run of digits that a label follows; a row number glued to
  the digits before it is cut off them (a template row number is one digit);
- before the closing signature (the body's name and the date) and the page chrome after it.

Only line breaks are added (a space at a cut becomes the break), so the text reads the same;
every span of every later stage indexes the new text, which is the record's text. A text
that has no long line is returned as it is.
"""

from __future__ import annotations

import re

from .ingest.text import document_from_text
from .sections import BODY_SUFFIX, PAGE_CHROME, heading_key
from .tables.template import TEMPLATES
from .types import Document

LONG_LINE = 200            # characters; shorter lines are left alone

# -- section headings ----------------------------------------------------------

_NUMBERED = re.compile(r"[一二三四五六七八]、")
_SUB_NUMBERED = re.compile(r"[（(][一二三四五六七八][）)]")
_TITLE_END = re.compile(r"情况|概况|概述|成效|问题|措施|举措|计划|事项|附表|对策|不足")
# where a title certainly ends: digits, spaces, sentence punctuation, an opening bracket or quote
_TITLE_STOP = re.compile(r"[\d\s。，,；;：:《（(“\"]|第二十条")
_TITLE_WINDOW = 32
_IMPROVEMENT_TITLE = re.compile(r"改进|举措|整改|措施|计划")

# -- tables ---------------------------------------------------------------------

# the row names of section 二 (every template's labels and cues, longest first), when their digits follow
_ACTIVE_ROW = re.compile("(?:" + "|".join(sorted({re.escape(c) for t in TEMPLATES.values() for r in t.active_rows
                                                   for c in (r.label, *r.cues)}, key=len, reverse=True))
                         + r")(?=\s*[-−－]?\d)")
# (found by str.find: re tries a class of their first characters at every character, ten times slower;
# neither overlaps itself or the other, so each one's occurrences are the pattern's matches)
_ITEM_HEADERS = ("第二十条", "信息内容")
# where a table starts after prose in its section: 三's note on its identity, 四's header
# (each alternative opens with a literal, so re skips in C to where one could start: a class
# first has it try the whole pattern at every character)
_TABLE_START = re.compile(r"（本列数据的勾稽关系|\(本列数据的勾稽关系|行政复议\s*行政诉讼\s*结果维持|申请人情况\s*自然人")
# a year glued to a table's last digits by the prose after it: 行政事业性收费02025年，…
_YEAR_AFTER = re.compile(r"(?:19|20)\d{2}(?=年)")
# a row's number before its label (not 第（一）):
#   (?<!第)[（(][一二三四五六七八][）)]  |  [一二三四]、(?=[\u4e00-\u9fff])  |  \d[.．、](?=[\u4e00-\u9fff])
# written as one class of every alternative's first character, then each alternative's rest with
# its first character looked behind at: re skips in C to a character of the class, where the
# plain form (opening with a lookbehind) is tried at every character (same matches: test_relayout).
# Every digit of a table is such a character: a look ahead at the second character, which is one of
# a few in every alternative, turns most of them away before the alternatives are tried one by one
# (a quarter of the pattern's time on realdev's texts)
_ENUMERATOR = re.compile(r"[（(一二三四\d](?=[一二三四五六七八、.．])(?:(?<=[（(])(?<!第.)[一二三四五六七八][）)]"
                         r"|(?<=[一二三四])、(?=[\u4e00-\u9fff])|(?<=\d)[.．、](?=[\u4e00-\u9fff]))")
# a run of cells' digits (spaces, signs and decimal points inside)
_RUN = re.compile(r"\d(?:[\d\s.,\-−－]*\d)?")
# what follows a cell's digits where a row label starts: a Han character or an opening bracket
# (tested as characters: a regex match per run of digits was a sixth of relayout on a crawled page)
_HAN = ("\u4e00", "\u9fff")
_LABEL_BRACKETS = "（("
# what follows a number in prose, not in a table: a measure word or a unit of time
_MEASURE = frozenset("件条项个次人家篇年月日号份场期批户名位天万元%％余多")

# -- the closing block ------------------------------------------------------------

_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_NAME = re.compile(r"[\u4e00-\u9fff（）()]{2,40}")


def relayout(doc: Document) -> Document:
    """``doc`` with its flattened lines cut into logical lines (the same ``doc`` if none is long)."""
    if doc.format not in ("text", "markdown"):
        return doc
    text = doc.text
    longs = _long_lines(text)
    if not longs:
        return doc
    cuts: set[int] = set()
    heads: list[tuple[int, int, str | None]] = []   # (start, end, section key) of mid-line headings
    for a, b in longs:
        heads.extend(_headings(text, a, b))
    for s, e, _ in heads:
        cuts.update((s, e))
    keys = [(s, e, k) for s, e, k in heads if k]
    tables_from = next((s for s, _, k in keys if k == "active_disclosure"), None)
    if tables_from is None:
        m = re.search(r"第二十条", text)
        tables_from = m.start() if m else None
    problems_at = next((s for s, _, k in keys if k == "problems" and (tables_from is None or s > tables_from)), None)
    other_at = next((s for s, _, k in keys if k == "other_matters" and (problems_at is None or s > problems_at)),
                    None)
    if tables_from is not None:
        tables_to = problems_at if problems_at is not None else (other_at if other_at is not None else len(text))
        for a, b in longs:
            a, b = max(a, tables_from), min(b, tables_to)
            if b - a > 0:
                cuts.update(_row_cuts(text, a, b))
                cuts.update(m.start() for m in _TABLE_START.finditer(text, a, b))
    if problems_at is not None:
        end = other_at if other_at is not None else len(text)
        cuts.update(_sub_heading_cuts(text, problems_at, end))
    last = max((s for s, _, _ in keys), default=0)
    cuts.update(_closing_cuts(text, last))
    cuts = {c for c in cuts if 0 < c < len(text) and text[c - 1] != "\n" and text[c] != "\n"}
    if not cuts:
        return doc
    return document_from_text(_cut(text, sorted(cuts)), format=doc.format, path=doc.path,
                              encoding=doc.encoding)


def _long_lines(text: str) -> list[tuple[int, int]]:
    lines = text.split("\n")
    if max(map(len, lines)) <= LONG_LINE:
        return []                   # most texts: no Python-level step per line
    out = []
    pos = 0
    for line in lines:
        if len(line) > LONG_LINE:
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _cut(text: str, cuts: list[int]) -> str:
    """``text`` with a line break at each cut; a space beside a cut becomes the break."""
    parts = []
    prev = 0
    for c in cuts:
        if c < prev:
            continue                       # a space already taken by the cut before
        left = text[prev:c]
        if not left.strip() and parts:
            continue                       # two cuts with only a space between them: one break
        if left.endswith(_SPACES):
            left = left[:-1]
        elif c < len(text) and text[c] in _SPACES:
            c += 1
        parts.append(left)
        prev = c
    parts.append(text[prev:])
    return "\n".join(parts)


_SPACES = (" ", "\u3000", "\xa0")


def _title_end(text: str, start: int, limit: int) -> int | None:
    """Where a heading's title that starts at ``start`` ends: after its last title word before a stop."""
    window = text[start:min(limit, start + _TITLE_WINDOW)]
    stop = _TITLE_STOP.search(window)
    if stop is not None:
        window = window[:stop.start()]
    last = None
    for m in _TITLE_END.finditer(window):
        last = m.end()
    return start + last if last else None


def _headings(text: str, a: int, b: int) -> list[tuple[int, int, str | None]]:
    out = []
    for m in _NUMBERED.finditer(text, a, b):
        end = _title_end(text, m.end(), b)
        if end is None:
            continue
        title = text[m.end():end]
        key = heading_key(title)
        if key is None and not _IMPROVEMENT_TITLE.search(title):
            continue
        out.append((m.start(), end, key))
    return out


def _sub_heading_cuts(text: str, a: int, b: int) -> set[int]:
    """Section 五's sub-headings: （一）存在的主要问题 / （二）改进措施."""
    cuts: set[int] = set()
    for m in _SUB_NUMBERED.finditer(text, a, b):
        end = _title_end(text, m.end(), b)
        if end is not None and end - m.end() <= 16:
            cuts.update((m.start(), end))
    return cuts


def _row_cuts(text: str, a: int, b: int) -> set[int]:
    """Cuts between the rows of flattened tables in ``text[a:b]`` (only where it holds several rows)."""
    labels = [m.start() for m in _ACTIVE_ROW.finditer(text, a, b)]
    enums = [m.start() for m in _ENUMERATOR.finditer(text, a, b)]
    if len(labels) + len(enums) < 3:
        return set()
    cuts = set(labels) | set(enums)
    cuts.update(_starts_of(_ITEM_HEADERS, text, a, b))
    for m in _RUN.finditer(text, a, b):
        e = m.end()
        nxt = text[e] if e < len(text) else ""
        if nxt == "年":
            year = _YEAR_AFTER.search(text, m.start(), e + 1)
            if year is not None and year.end() == e and year.start() > m.start():
                cuts.add(year.start())   # the row's digits, then prose that starts with a year
                continue
        if _label_follows(nxt):
            cuts.add(e)
    return cuts


def _label_follows(c: str) -> bool:
    """Whether the character ``c`` after a cell's digits starts a row label (not a measure word)."""
    return bool(c) and (_HAN[0] <= c <= _HAN[1] or c in _LABEL_BRACKETS) and c not in _MEASURE


def _starts_of(words: tuple[str, ...], text: str, a: int, b: int) -> list[int]:
    """Where each of ``words`` occurs in ``text[a:b]`` (words that overlap neither themselves nor each
    other: the starts of ``re.finditer`` of their alternation)."""
    out = []
    for word in words:
        at = text.find(word, a, b)
        while at >= 0:
            out.append(at)
            at = text.find(word, at + len(word), b)
    return out


def _last_date(text: str, after: int) -> re.Match | None:
    """The last match of ``_DATE`` in ``text[after:]``, found from the end. A date's 年 follows its
    year and the spaces after it, and no date starts inside another (only a year has four digits),
    so the last date is that of the last 年 whose year, the four characters before its spaces,
    starts one. Scanning the text for where a date could start (re tries a class of its first
    characters at each character) was 40 % of relayout on a sample with long lines."""
    y = text.rfind("年", after)
    while y >= 0:
        w = y
        while w > after and text[w - 1].isspace():    # what \s* takes before 年
            w -= 1
        if w - 4 >= after and (d := _DATE.match(text, w - 4)) is not None:
            return d
        y = text.rfind("年", after, y)
    return None


def _closing_cuts(text: str, after: int) -> set[int]:
    """The signature (a body's name, then the date) and the chrome after it, on lines of their own."""
    d = _last_date(text, after)
    if d is None:
        return set()
    line_start = text.rfind("\n", 0, d.start()) + 1
    if d.start() - line_start <= LONG_LINE and (text.find("\n", d.end()) == -1
                                                 or text.find("\n", d.end()) - line_start <= LONG_LINE):
        return set()                 # the date is already on a short line of its own
    cuts = {d.start(), d.end()}
    lo = max(line_start, d.start() - 48)
    before = text[lo:d.start()].rstrip(" \u3000\xa0")
    sep = max(before.rfind(c) for c in "。 \u3000\xa0；;")
    if sep >= 0 or lo == line_start:
        name = before[sep + 1:]
        if _NAME.fullmatch(name) and BODY_SUFFIX.search(name):
            cuts.add(lo + sep + 1)
    cuts.update(m.start() for m in PAGE_CHROME.finditer(text, d.end()))
    return cuts
