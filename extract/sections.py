"""Find the six template sections by meaning, not by their numbers.

Real reports vary: Markdown ``#`` prefixes, spaced-out characters, long or
short titles (``存在问题及改进情况``), mis-numbered headings (``七、其他需要报告的
事项``), sub-headings inside section 一 that reuse ``一、二、三、`` (one of them
even says 主动公开), and headings that are missing while the content is there.

So: heading candidates are short lines whose folded text names a section.
Sections 二, 三 and 四 are anchored on their tables' own content: the heading
of such a section is the last candidate before its table starts (or the table
itself, where the heading is missing). 五 and 六 are the first candidates after
四; 一 is what comes before 二.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .textnorm import fold, strip_enumerators
from .types import Document, Section, SectionKey, Sections, Span

MAX_HEADING = 48  # folded characters

_PATTERNS: dict[SectionKey, re.Pattern] = {
    "overview": re.compile(r"^(?:总体情况|总体概况|概述|基本情况|工作概况|总体工作情况)"),
    "active_disclosure": re.compile(r"主动公开政府信息|政府信息主动公开|主动公开(?:的)?(?:情况|工作)"),
    "applications": re.compile(r"收到和处理政府信息公开申请|依申请公开政府信息|政府信息公开申请(?:的)?(?:办理|受理|处理)?情况|依申请公开(?:的)?情况"),
    "review_litigation": re.compile(r"行政复议.{0,12}(?:行政)?诉讼|复议.{0,6}诉讼"),
    "problems": re.compile(r"问题.{0,8}(?:改进|整改|措施|对策|计划)|存在(?:的)?.{0,4}问题|不足.{0,6}改进"),
    "other_matters": re.compile(r"其[他它]需要?(?:报告|说明)|其[他它]事项|需要说明的其[他它]事项"),
}

# matches where any of _PATTERNS does: most short lines name no section, and one search tells
_ANY_SECTION = re.compile("|".join(f"(?:{p.pattern})" for p in _PATTERNS.values()))

# content that opens each table section (searched on folded lines)
_ANCHORS: dict[SectionKey, re.Pattern] = {
    "active_disclosure": re.compile(r"第二十条|本年制发件数|本年新制作数量|^信息内容"),
    "applications": re.compile(r"勾稽关系|申请人情况|本年新收|^自然人"),
    "review_litigation": re.compile(r"^行政复议.{0,3}行政诉讼|结果维持|^行政复议$"),
}

_PROBLEM_CUE = re.compile(r"问题|不足|短板|差距")
# a line that ends a sentence is prose, not a heading (lines are folded: no trailing whitespace)
_SENTENCE_ENDS = ("。", "；", ";")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")
# page furniture after a web page's signature: attachments, copy-to lines, contact persons
PAGE_CHROME = re.compile(r"附件下载|抄送[:：]|[(（]?联系人[:：]|扫一扫|\[?【打印】\]?|\[打印\]|关闭窗口")
_CHROME_LINE = re.compile(rf"^(?:{PAGE_CHROME.pattern}|.{{0,40}}印发$)")
BODY_SUFFIX = re.compile(r"(?:局|政府|办公室|委员会|委|中心|厅|院|部|处|所|站|队|办|会|署|府|管委会|片区|街道|镇|乡)$")
"""How the name of a reporting body ends (a signature line, the line above a title)."""


class _Line(NamedTuple):      # a named tuple: built for every line of every report
    start: int
    end: int
    folded: str           # without markdown '#'
    core: str             # enumerators stripped
    cells: bool           # a table row (tab-separated cells)


_new_tuple = tuple.__new__
"""Builds a named tuple from a tuple of its fields without its Python-level ``__new__`` (a frame per line)."""


def _lines(text: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        f = fold(raw).lstrip("#")
        if f:
            out.append(_new_tuple(_Line, (start, end, f, strip_enumerators(f), "\t" in raw.strip())))
    return out


def heading_key(title: str) -> SectionKey | None:
    """The section a heading's title names (``存在的主要问题及改进情况`` → problems), or None."""
    core = strip_enumerators(fold(title))
    if len(core) > MAX_HEADING:
        return None
    for key, pattern in _PATTERNS.items():
        m = pattern.search(core)
        if m and m.start() <= 14:
            return key
    return None


def _may_be_heading(line: _Line) -> bool:
    """Short, not a sentence, not a table row: whichever section it might name."""
    return len(line.folded) <= MAX_HEADING and not line.cells and not line.folded.endswith(_SENTENCE_ENDS)


def _names_section(line: _Line, key: SectionKey) -> bool:
    m = _PATTERNS[key].search(line.core)
    if not m:
        return False
    # a heading names its section near its start ("四、政府信息公开行政复议…", "五、存在的主要问题…")
    return m.start() <= 14


def _trailer(lines: list[_Line]) -> int | None:
    """Index of the first line of the closing block (the body's name, a date), if the report has one."""
    i = len(lines)
    while i > 0 and _CHROME_LINE.match(lines[i - 1].folded):
        i -= 1
    seen_date = False
    while i > 0:
        ln = lines[i - 1]
        if _DATE_LINE.match(ln.folded):
            seen_date = True
        elif not (len(ln.folded) <= 30 and BODY_SUFFIX.search(ln.folded) and not ln.folded.endswith(_SENTENCE_ENDS)):
            break
        i -= 1
    return i if seen_date and i < len(lines) else None


def find_sections(doc: Document) -> Sections:
    lines = _lines(doc.text)
    if not lines:
        return Sections(found=())
    cands: dict[SectionKey, list[int]] = {k: [] for k in _PATTERNS}
    for i, ln in enumerate(lines):
        if not _may_be_heading(ln) or not _ANY_SECTION.search(ln.core):
            continue
        for key in _PATTERNS:
            if _names_section(ln, key):
                cands[key].append(i)
                break

    chosen: dict[SectionKey, tuple[int, bool]] = {}  # key -> (line index, is_heading)
    floor = 0
    for key in ("active_disclosure", "applications", "review_litigation"):
        search = _ANCHORS[key].search
        anchor = next((i for i, ln in enumerate(lines[floor:], floor)
                       if search(ln.folded) and len(ln.folded) <= 160), None)
        if anchor is not None:
            head = [i for i in cands[key] if floor <= i <= anchor]
            # the heading is the last candidate before the table, unless another
            # section's heading stands between them
            if head and not any(head[-1] < j < anchor for k2 in ("applications", "review_litigation", "problems")
                                if k2 != key for j in cands[k2]):
                chosen[key] = (head[-1], True)
            else:
                chosen[key] = (anchor, False)
        else:
            head = [i for i in cands[key] if i >= floor]
            if head:
                chosen[key] = (head[0], True)
        if key in chosen:
            floor = chosen[key][0] + 1

    for key in ("problems", "other_matters"):
        head = [i for i in cands[key] if i >= floor]
        if head:
            chosen[key] = (head[0], True)
            floor = head[0] + 1

    if "problems" not in chosen and "review_litigation" in chosen:
        # the heading is missing: 五 starts at the first line after 四 that speaks of problems
        nxt = chosen.get("other_matters", (len(lines), True))[0]
        hit = next((i for i in range(chosen["review_litigation"][0] + 1, nxt) if _PROBLEM_CUE.search(lines[i].folded)
                    and "\t" not in doc.text[lines[i].start:lines[i].end]), None)
        if hit is not None:
            chosen["problems"] = (hit, False)

    first_table = min((v[0] for k, v in chosen.items() if k != "overview"), default=len(lines))
    ov = [i for i in cands["overview"] if i < first_table]
    if ov:
        chosen["overview"] = (ov[0], True)
    elif first_table > 1:
        # content before section 二 without its heading: the lines after the title
        chosen["overview"] = (1, False)

    trailer_i = _trailer(lines)
    trailer: Span | None = None
    end_of_text = len(doc.text)
    if trailer_i is not None and trailer_i > max((v[0] for v in chosen.values()), default=-1):
        trailer = (lines[trailer_i].start, len(doc.text))
        end_of_text = lines[trailer_i].start

    order = sorted(chosen.items(), key=lambda kv: kv[1][0])
    found: list[Section] = []
    for n, (key, (i, is_head)) in enumerate(order):
        ln = lines[i]
        nxt = order[n + 1][1][0] if n + 1 < len(order) else None
        body_end = lines[nxt].start if nxt is not None else end_of_text
        if is_head:
            body_start = min(ln.end + 1, body_end)
            heading = doc.text[ln.start:ln.end].strip()
            hs = (ln.start, ln.end)
        else:
            body_start, heading, hs = ln.start, None, None
        number = ("overview", "active_disclosure", "applications", "review_litigation", "problems",
                  "other_matters").index(key) + 1
        found.append(Section(key=key, number=number, span=(body_start, max(body_start, body_end)),
                             heading=heading, heading_span=hs))
    return Sections(found=tuple(found), trailer=trailer)
