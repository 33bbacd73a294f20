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
from bisect import bisect_right
from functools import cache
from itertools import compress

from .memo import remember
from .textnorm import fold, line_folds, line_starts, strip_enumerators
from .types import Document, Section, SectionKey, Sections, Span

MAX_HEADING = 48  # folded characters

_OVERVIEW_WORDS = r"总体情况|总体概况|概述|基本情况|工作概况|总体工作情况"
_PATTERNS: dict[SectionKey, re.Pattern] = {
    "overview": re.compile(rf"^(?:{_OVERVIEW_WORDS})"),
    "active_disclosure": re.compile(r"主动公开政府信息|政府信息主动公开|主动公开(?:的)?(?:情况|工作)"),
    "applications": re.compile(r"收到和处理政府信息公开申请|依申请公开政府信息|政府信息公开申请(?:的)?(?:办理|受理|处理)?情况|依申请公开(?:的)?情况"),
    "review_litigation": re.compile(r"行政复议.{0,12}(?:行政)?诉讼|复议.{0,6}诉讼"),
    "problems": re.compile(r"问题.{0,8}(?:改进|整改|措施|对策|计划)|存在(?:的)?.{0,4}问题|不足.{0,6}改进"),
    "other_matters": re.compile(r"其[他它]需要?(?:报告|说明)|其[他它]事项|需要说明的其[他它]事项"),
}

# Matches on a folded line wherever one of _PATTERNS matches on its core (the line less its
# leading enumerators: hence the overview's words unanchored): one search tells the few short
# lines that may name a section, which are then tried pattern by pattern. The alternatives are
# joined flat, each opening with a literal, so that re skips in C every character none of them
# opens with (grouped, it tries the whole pattern at each: 10x slower).
_MAY_NAME_SECTION = re.compile("|".join([_OVERVIEW_WORDS] + [p.pattern for k, p in _PATTERNS.items()
                                                             if k != "overview"]))

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


class _Lines:
    """A report's lines that are not empty once folded (markdown '#' removed), in order.

    The finder reads every line's folded text, but the offsets and the rest of only a few lines:
    those are worked out when asked for. Python-level work per line of every report is most of
    what this stage costs, so a search for the first line that matches (a table's first line)
    is one regex search of the lines joined by "\n" (a folded line has none), not one per line.
    """

    def __init__(self, text: str) -> None:
        _, raws, folds, starts = line_folds(text)
        folded = [f.lstrip("#") for f in folds]
        self._raws = raws
        self._raw_index = list(compress(range(len(raws)), folded))   # each line's index in raws
        self._raw_starts = starts                                     # offset of each raw line
        self.folded: list[str] = list(filter(None, folded))
        self.joined = "\n".join(self.folded)
        self._joined_starts = line_starts(self.folded)     # where each line starts in joined

    def __len__(self) -> int:
        return len(self.folded)

    def start(self, i: int) -> int:
        """Offset in the text of line ``i``'s first character."""
        return self._raw_starts[self._raw_index[i]]

    def end(self, i: int) -> int:
        return self.start(i) + len(self._raws[self._raw_index[i]])

    def raw(self, i: int) -> str:
        return self._raws[self._raw_index[i]]

    def at(self, pos: int) -> int:
        """The line that offset ``pos`` of ``joined`` falls in."""
        return bisect_right(self._joined_starts, pos) - 1

    def first(self, pattern: re.Pattern, lo: int, hi: int | None = None, max_len: int | None = None) -> int | None:
        """The first line in ``lo..hi-1`` whose folded text ``pattern`` matches in, no longer than ``max_len``."""
        hi = len(self.folded) if hi is None else hi
        if lo >= hi:
            return None
        scan = _unanchored(pattern)
        pos, endpos = self._joined_starts[lo], self._joined_starts[hi] - 1
        while (m := scan.search(self.joined, pos, endpos)) is not None:
            i = self.at(m.start())
            f = self.folded[i]
            if (max_len is None or len(f) <= max_len) and (scan is pattern or pattern.search(f)):
                return i
            pos = self._joined_starts[i + 1]
        return None

    def may_be_heading(self, i: int) -> bool:
        """Short, not a sentence, not a table row: whichever section it might name."""
        f = self.folded[i]
        return len(f) <= MAX_HEADING and not f.endswith(_SENTENCE_ENDS) and "\t" not in self.raw(i).strip()


# a ^ or $ escaped, or inside a character class ([^…], [$¥]): not an anchor
_LITERAL_ANCHOR_CHAR = re.compile(r"\\[\^$]|\[[^\]]*[\^$]")


@cache
def _unanchored(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` without its ^ and $ (anchors only, in these patterns): it matches in every line
    ``pattern`` matches in, so a search of the joined lines finds the lines to try ``pattern`` on.
    An alternative that opens with ^ has re try the whole pattern at every character of the text;
    without, re skips in C to where one of the alternatives' first characters is."""
    text = pattern.pattern
    if _LITERAL_ANCHOR_CHAR.search(text):
        # a ^ or $ that is not an anchor: each line's own anchors instead (right, only slower)
        return re.compile(text, pattern.flags | re.M)
    plain = text.replace("^", "").replace("$", "")
    return pattern if plain == text else re.compile(plain, pattern.flags)


def _key_named(core: str) -> SectionKey | None:
    """The section a heading's core names near its start ("四、政府信息公开行政复议…", "五、存在的主要问题…")."""
    for key, pattern in _PATTERNS.items():
        m = pattern.search(core)
        if m and m.start() <= 14:
            return key
    return None


_NAMED: dict[str, SectionKey | None] = {}
"""The section each short folded line names (None: none), remembered: headings and table labels
recur from report to report (76 % of the short lines of realdev's 25 reports are in an earlier
one), and searching a line for a section's name was a fifth of finding the sections. Emptied when
it holds ``_NAMED_SIZE`` lines."""
_NAMED_SIZE = 8192
_UNSEEN = object()


def _named(f: str) -> SectionKey | None:
    """The section the short folded line ``f`` names near its start, remembered in ``_NAMED``."""
    key = _key_named(strip_enumerators(f)) if _MAY_NAME_SECTION.search(f) else None
    return remember(_NAMED, f, key, _NAMED_SIZE)


def heading_key(title: str) -> SectionKey | None:
    """The section a heading's title names (``存在的主要问题及改进情况`` → problems), or None."""
    core = strip_enumerators(fold(title))
    if len(core) > MAX_HEADING:
        return None
    return _key_named(core)


def _trailer(folded: list[str]) -> int | None:
    """Index of the first line of the closing block (the body's name, a date), if the report has one."""
    i = len(folded)
    while i > 0 and _CHROME_LINE.match(folded[i - 1]):
        i -= 1
    seen_date = False
    while i > 0:
        f = folded[i - 1]
        if _DATE_LINE.match(f):
            seen_date = True
        elif not (len(f) <= 30 and BODY_SUFFIX.search(f) and not f.endswith(_SENTENCE_ENDS)):
            break
        i -= 1
    return i if seen_date and i < len(folded) else None


def find_sections(doc: Document) -> Sections:
    lines = _Lines(doc.text)
    if not lines:
        return Sections(found=())
    cands: dict[SectionKey, list[int]] = {k: [] for k in _PATTERNS}
    # headings are short lines: those that name a section are found one by one, not in the joined
    # text, where most characters are in long lines
    named = _NAMED.get
    for i, f in enumerate(lines.folded):
        if len(f) <= MAX_HEADING:
            key = named(f, _UNSEEN)
            if key is _UNSEEN:
                key = _named(f)
            if key is not None and lines.may_be_heading(i):
                cands[key].append(i)

    chosen: dict[SectionKey, tuple[int, bool]] = {}  # key -> (line index, is_heading)
    floor = 0
    for key in ("active_disclosure", "applications", "review_litigation"):
        anchor = lines.first(_ANCHORS[key], floor, max_len=160)
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
        hit = lines.first(_PROBLEM_CUE, chosen["review_litigation"][0] + 1, nxt)
        while hit is not None and "\t" in lines.raw(hit):     # not in a table row
            hit = lines.first(_PROBLEM_CUE, hit + 1, nxt)
        if hit is not None:
            chosen["problems"] = (hit, False)

    first_table = min((v[0] for k, v in chosen.items() if k != "overview"), default=len(lines))
    ov = [i for i in cands["overview"] if i < first_table]
    if ov:
        chosen["overview"] = (ov[0], True)
    elif first_table > 1:
        # content before section 二 without its heading: the lines after the title
        chosen["overview"] = (1, False)

    trailer_i = _trailer(lines.folded)
    trailer: Span | None = None
    end_of_text = len(doc.text)
    if trailer_i is not None and trailer_i > max((v[0] for v in chosen.values()), default=-1):
        trailer = (lines.start(trailer_i), len(doc.text))
        end_of_text = lines.start(trailer_i)

    order = sorted(chosen.items(), key=lambda kv: kv[1][0])
    found: list[Section] = []
    for n, (key, (i, is_head)) in enumerate(order):
        start = lines.start(i)
        nxt = order[n + 1][1][0] if n + 1 < len(order) else None
        body_end = lines.start(nxt) if nxt is not None else end_of_text
        if is_head:
            end = lines.end(i)
            body_start = min(end + 1, body_end)
            heading = doc.text[start:end].strip()
            hs = (start, end)
        else:
            body_start, heading, hs = start, None, None
        number = ("overview", "active_disclosure", "applications", "review_litigation", "problems",
                  "other_matters").index(key) + 1
        found.append(Section(key=key, number=number, span=(body_start, max(body_start, body_end)),
                             heading=heading, heading_span=hs))
    return Sections(found=tuple(found), trailer=trailer)
