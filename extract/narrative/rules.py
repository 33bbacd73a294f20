"""Rule-based narrative: problems and improvements from section 五, section 六 as written, channels.

Section 五 is read as logical paragraphs (a line break that is page or layout
debris — no sentence end before it, no enumerator after it — joins lines). Each
paragraph may open with

* a heading label (``（一）存在的主要问题。`` ``改进情况：`` ``（二）改进措施``
  ``（一）上年度存在问题的改进情况``),
* a lead-in clause ending in ``：`` that names problems or measures
  (``……仍存在短板：`` ``针对上述问题，我局细化整改举措：``),
* a ``下一步，我们将`` / ``下阶段`` / ``针对存在问题，`` opener,
* a phrase that opens a problem list (``主要表现在``, ``主要存在``, ``还存在``, ``…不足，如``),
  in the first sentence, or after a preamble sentence (``…薄弱环节。如…``),

which sets whether what follows are problems or improvements and is dropped. A
lead-in is classified by its final noun phrase once 表现在/主要是/如… are taken off
(``还有需要改进之处，表现在：`` ends in 之处: problems; ``从以下几方面抓好改进：``:
measures), not by whether 改进 appears anywhere; after an opener it does not change
the mode (``我局将…补短板、强弱项。一是…`` stays measures). A paragraph is also cut
where a sentence announces measures (``为此，我们将从以下方面改进：``), so a problem
list is not swallowed as the lead-in of a measure list.

The rest is split on the paragraph's enumerators (一是…二是…, 一方面…另一方面…,
（一）（二）, 1. 2., ①②), text before the first enumerator being a lead-in;
with no enumerators, into sentences and their ``；`` clauses. After a problem-list
opener, a sentence is split further on ，/、 where every clause states its own
deficiency (有待, 不足, 不够, 较弱…; schema.md). Not items: sentences and clauses that
only announce what follows (``重点采取如下整改措施。``, ``从以下方面改进；``), progress
remarks (``目前，上述工作正在推进中。``, also at the end of an enumerated item), and a
statistics table run into the text. Enumerators and the ``；``/``，`` that separate
items are left out; a closing ``。`` stays. Every item's span indexes
``Document.text`` and its text is ``clean_item`` of that span.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from ..furniture import page_number_forms
from ..types import Document, Narrative, NarrativeItem, Sections, Span
from .grounding import clean_item

Mode = Literal["problems", "improvements"]

_NUM = "一二三四五六七八九十"
_HEAD_ENUM = re.compile(rf"^(?:[（(][{_NUM}\d]{{1,2}}[)）]|[{_NUM}]{{1,2}}[、.．]|\d{{1,2}}[.、．](?!\d))")
# a time or scope word a heading may open with (``上年度存在问题的改进情况``)
_TIME = r"(?:上一?年度?|本年度?|今年|明年|下一?年度?|\d{4}年度?|年度)?(?:工作中|目前|当前)?"
_PROBLEM_LABEL = re.compile(rf"^{_TIME}(?:存在的?|面临的?)?(?:主要|突出)?(?:问题|不足|短板|差距)(?:[和与及](?:不足|短板|差距))?"
                            r"(?:[和与及](?:其?原因|成因)(?:分析)?)?(?:如下)?$")
_IMPROVE_LABEL = re.compile(rf"^对?{_TIME}(?:(?:存在的?)?(?:主要)?问题的?)?(?:主要)?(?:改进|整改)(?:落实)?(?:措施|情况|举措|方向|计划|思路)?(?:如下)?$"
                            r"|^(?:下一步|下一年度|下年度|下步|下一阶段|下阶段|今后|明年)(?:的)?(?:工作)?(?:计划|打算|安排|措施|举措|重点|方向|思路)?$"
                            rf"|^{_TIME}(?:的)?工作(?:计划|打算|安排|思路|重点)$")
_BOTH_LABEL = re.compile(r"^(?:存在的)?(?:主要)?问题[和与及](?:改进|整改)(?:措施|情况)?$"
                         r"|^(?:存在的)?(?:主要)?问题[和与及](?:明年|下一?年度?)?(?:工作)?(?:计划|打算)$")
_WE = r"(?:我们|我局|我单位|本单位|本机关|我委|我办|我区|我市|我县|我中心|我院|我部门|本部门)"
_NEXT_STEP = re.compile(rf"(?:下一步|下步|下一阶段|下阶段|今后|下一年度?|明年|新的一年|\d{{4}}年)[，,]?(?:工作中[，,]?)?"
                        rf"{_WE}?(?:将|要)[，,]?")
_PROBLEM_CUE = re.compile(r"问题|不足|短板|差距|薄弱")
_IMPROVE_CUE = re.compile(r"改进|整改|措施|举措|下一步|针对")
# a sentence or clause that only announces what follows (``重点采取如下整改措施。`` ``从以下方面改进；``)
# (every alternative opens with a literal: ``re`` then scans for their first characters in C)
_ANNOUNCE = re.compile(r"(?:如下|以下|下列|两个?方面|三个?方面|四个?方面|五个?方面|六个?方面|几个?方面)"
                       r"[^，,。；;：:]{0,10}[。：:；;]?$")
# a remark on how far the work has got, which is neither a problem nor a measure
_PROGRESS = re.compile(r"^(?:目前|截至目前|当前|现)[，,]?(?:上述|以上|前述|相关|各项|这些|该项?)?[^，,。；;]{0,10}"
                       r"(?:正在|已经|已|均已|仍在|正)[^，,。；;]{0,10}[。]?$"
                       r"|^(?:上述|以上|前述)(?:问题|工作|措施|整改)[^，,。；;]{0,10}(?:正在|已经|已|均已)[^，,。；;]{0,10}[。]?$")
_NOTHING = re.compile(r"(?:无|暂无|没有|不存在|无此类情况|无相关情况)[。.]?$")  # a section 五 that says only 无
_SENT_END = "。！？；：:!?;"
_NON_SPACE = re.compile(r"\S+")

# A lead-in's final noun phrase decides what it introduces: ``还有需要改进之处，表现在：`` ends in
# 之处 (problems), ``从以下几方面抓好改进：`` in 改进 (measures). Phrases that announce a list
# (表现在, 主要是, 如…) are taken off the end first.
_LIST_TAIL = re.compile(r"(?:[，,]?(?:主要|具体)?(?:表现|体现)(?:在|为)|[，,]?(?:主要|具体)?(?:是|有|包括|存在)|[，,]?(?:比如|例如|如)"
                        r"|如下|以下几点|以下)$")
# its longest match (，主要表现在): the pattern is searched for in that many last characters only, as
# tried from every character of a long lead-in it costs microseconds (tests/test_narrative_rules.py)
_LIST_TAIL_WIDTH = 6
_PROBLEM_END = re.compile(r"(?<![补强解决克服弥整改破针])(?:问题|不足|不足之处|之处|短板|差距|薄弱环节|弱项|困难|缺点|欠缺)$")
_IMPROVE_END = re.compile(r"(?:改进|整改|措施|举措|工作|计划|打算|安排|方面|对策|几点|改善)$")
# what opens a problem list inside a sentence: 表现在 / 主要存在 / (…不足，)如 / 例如 / 主要是
_LIST_INTRO = re.compile(r"(?:主要|具体)?(?:表现|体现)(?:在|为)[：:，,]?"
                         r"|主要(?:存在|有)(?:在|于)?[：:，,]?|(?:还|仍|也|依然)存在(?:在|于)?"
                         r"|(?<=不足|问题|短板|差距|环节|之处|地方|困难|方面)[。，,]?(?:主要是|比如|例如|如)[：:，,]?")
_LIST_INTRO_CUE = re.compile("表现|体现|主要|存在|如")    # one of them is in every match, as a cue
# a word that states a deficiency: a problem clause carries one
_DEFICIENCY = re.compile(r"有待|不足|不够|差距|尚需|仍需|还需|亟需|亟待|尚未|尚不|欠缺|缺乏|滞后|单一|薄弱|还要再|需进一步"
                         r"|较(?:弱|低|小|少|差|慢|窄|薄)|偏(?:低|少|弱|慢|窄)"
                         r"|不(?:强|高|全|深|广|多|到位|及时|规范|完善|健全|平衡|明显|精准|充分|丰富|紧密|细致|仔细|准确|统一|均衡|灵活)")

# enumerator families found inside a paragraph, in preference order
_MARKS_BEFORE = "。；;，,：:！？!?"


def _after_mark(first: str, rest: str) -> re.Pattern:
    """An enumerator opening with the character set ``first``, then ``rest``, that starts the text or
    follows one of _MARKS_BEFORE. The set comes first and the lookbehind after it, so that ``re``
    scans for the set in C; a pattern opening with a lookbehind is tried at every character (8x the
    time on a paragraph). ``rest`` looks behind at the first character where an enumerator depends
    on it."""
    return re.compile(rf"{first}(?:(?<=^.)|(?<=[{_MARKS_BEFORE}].)){rest}")


_FAMILIES = (
    _after_mark(f"[{_NUM}另]", rf"(?:(?<=[{_NUM}])[{_NUM}]?是|(?<=一)方面|(?<=另)一方面)[，,]?"),  # 一是, 一方面
    re.compile(rf"[（(][{_NUM}]{{1,2}}[)）]"),
    re.compile(r"[（(]\d{1,2}[)）]"),
    _after_mark(r"\d", r"\d?[.、．](?!\d)"),                                                  # 1. 12、
    re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩]"),
    _after_mark("[第首其再最]", rf"(?:(?<=第)[{_NUM}]|(?<=首)先|(?<=[其再])次|(?<=最)后)[，,、]"),  # 第一，首先，
)
_STRIP_HEAD = "，,、：:。；; "
_STRIP_TAIL = "；;，,、：: "
# page numbers, and a page's running header (…政府信息公开工作年度报告) printed into 五
_DEBRIS = re.compile(rf"^(?:{page_number_forms(4, total_separator=False)}|[^。，；：]{{0,30}}政府信息公开工作年度报告)$")


class _Para(NamedTuple):      # (a frozen dataclass costs several times as much to make)
    text: str                 # whitespace-free
    index: tuple[int, ...]    # source offset of each character

    def span(self, a: int, b: int) -> Span:
        return (self.index[a], self.index[b - 1] + 1)


def paragraphs(text: str, span: Span) -> list[_Para]:
    """Logical paragraphs of ``text[span]``, joining lines broken by layout or page breaks."""
    start, end = span
    lines: list[tuple[str, int]] = []
    pos = start
    for raw in text[start:end].split("\n"):
        stripped = raw.strip()
        if stripped and not _DEBRIS.match(stripped):
            lines.append((raw, pos))
        pos += len(raw) + 1
    paras: list[_Para] = []
    chars: list[str] = []
    index: list[int] = []
    for raw, off in lines:
        runs = [m.span() for m in _NON_SPACE.finditer(raw)]
        line = "".join(raw[a:b] for a, b in runs)
        if chars and (chars[-1][-1] in _SENT_END or _starts_item(line) or _is_heading_line("".join(chars))):
            paras.append(_Para("".join(chars), tuple(index)))
            chars, index = [], []
        chars.append(line)
        for a, b in runs:
            index.extend(range(off + a, off + b))
    if chars:
        paras.append(_Para("".join(chars), tuple(index)))
    return paras


_ITEM_START = re.compile(r"^(?:[一二三四五六七八九十]是|一方面|另一方面|[①②③④⑤⑥⑦⑧⑨⑩])")


def _starts_item(line: str) -> bool:
    return bool(_HEAD_ENUM.match(line) or _ITEM_START.match(line))


def _is_heading_line(s: str) -> bool:
    m = _HEAD_ENUM.match(s)
    core = s[m.end():] if m else s
    return len(core) <= 20 and bool(_PROBLEM_LABEL.match(core) or _IMPROVE_LABEL.match(core) or _BOTH_LABEL.match(core))


_LABEL_STOP = re.compile(r"[：:。.]")
# a heading is an enumerator (four characters at most, and one looked ahead at) and a label of twenty
# at most before its mark: this many characters of a paragraph tell whether it opens with one
_HEADING_WIDTH = 25


def _heading(p: str) -> tuple[int, Mode | None | Literal["both"]] | None:
    """A heading label at the paragraph start: (where the content begins, its mode)."""
    p = p[:_HEADING_WIDTH]
    m = _HEAD_ENUM.match(p)
    at = m.end() if m else 0
    stop = _LABEL_STOP.search(p, at)
    label_end = stop.start() if stop else len(p)
    label = p[at:label_end]
    if not label or len(label) > 20:
        return None
    after = stop.end() if stop else len(p)
    if _BOTH_LABEL.match(label):
        return after, "both"
    if _PROBLEM_LABEL.match(label):
        return after, "problems"
    if _IMPROVE_LABEL.match(label):
        return after, "improvements"
    return None


_CLAUSE_MARK = re.compile(r"[，,。；;]")


def _classify(lead: str) -> Mode | None:
    """What a lead-in introduces, by its final noun phrase (after 表现在/主要是/如… are taken off);
    where that says nothing, by the cue words anywhere in it."""
    s = lead.rstrip(_STRIP_TAIL + "。")
    while True:
        m = _LIST_TAIL.search(s, max(0, len(s) - _LIST_TAIL_WIDTH))
        if not m or m.start() == 0:
            break
        s = s[:m.start()].rstrip(_STRIP_TAIL)
    last = _CLAUSE_MARK.split(s)[-1]
    if last.startswith("针对") or _RESPONSE.match(last):
        return "improvements"
    if _PROBLEM_END.search(last):
        return "problems"
    if _IMPROVE_END.search(last):
        return "improvements"
    imp, prob = bool(_IMPROVE_CUE.search(lead)), bool(_PROBLEM_CUE.search(lead))
    if imp and (not prob or "针对" in lead):
        return "improvements"
    if prob and not imp:
        return "problems"
    return None


# any family's enumerator: where it finds none, no family does (half the paragraphs), and the six
# families' scans are one
_ANY_FAMILY = re.compile("|".join(f"(?:{fam.pattern})" for fam in _FAMILIES))


def _enumerators(p: str, start: int) -> list[re.Match]:
    if not _ANY_FAMILY.search(p, start):
        return []
    for fam in _FAMILIES:
        found = list(fam.finditer(p, start))
        if found:
            return found
    return []


def _trim(p: str, a: int, b: int) -> tuple[int, int]:
    while a < b and p[a] in _STRIP_HEAD:
        a += 1
    while b > a and p[b - 1] in _STRIP_TAIL:
        b -= 1
    return a, b


_TABLE_DEBRIS = re.compile(r"\d\d{6,}")   # (a first character set, not a repeat: ``re`` scans for it)
_UNIT_CELL = re.compile(r"[条件个项次]\d{2,}[\u4e00-\u9fff.]")   # 申请数|条|00 run together
_HAN_RUNS = re.compile(r"[\u4e00-\u9fff]+")
# a character that may be a digit (``str.isdigit``): none of the Han characters, CJK punctuation marks
# and spaces that most items are made of is one (tests/test_narrative_rules.py holds the class to it)
_MAY_BE_DIGIT = re.compile(r"[^\u4e00-\u9fff，。、；：？！“”‘’（）《》〈〉【】…—·\s]")


def _not_an_item(s: str) -> bool:
    """An announcement of what follows, a progress remark, a bare 无, or a table run into text
    (``网站公开条179533042.政府公报公开条07…``: digits of several cells glued together)."""
    core = s.rstrip(_STRIP_TAIL)
    # digits are counted among the characters that are not Han (none of which is a digit): most of an
    # item; and an item without digits is no table, so the two table patterns are not run. Most items
    # have no character that may be a digit at all (nine in ten): they are not counted.
    digits = sum(map(str.isdigit, _HAN_RUNS.sub("", core))) if _MAY_BE_DIGIT.search(core) else 0
    if digits and (_TABLE_DEBRIS.search(core) or digits > 0.25 * len(core) or len(_UNIT_CELL.findall(core)) >= 2):
        return True
    return bool(_ANNOUNCE.search(core) or (len(core) < len(s) and _ANNOUNCE.search(s))
                or _PROGRESS.match(core) or _NOTHING.match(core))


_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_CLAUSE = re.compile(r"[^；;]+[；;]?")


def _sentences(p: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentences of p[a:b] (closing 。 kept), each split on ；; announcements and progress remarks left out."""
    out = []
    for m in _SENTENCE.finditer(p[a:b]):
        s0 = a + m.start()
        for c in _CLAUSE.finditer(m.group()):
            c0, c1 = s0 + c.start(), s0 + c.end()
            if not _not_an_item(p[c0:c1]):
                out.append((c0, c1))
    return out


# the last sentence (group 1) after a mark: the mark is matched, not looked behind at, so that ``re``
# scans for marks instead of trying the pattern at every character
_LAST_SENTENCE = re.compile(r"[。！？!?；;]([^。！？!?；;]+[。！？!?]?)$")


def _drop_progress_tail(p: str, a: int, b: int) -> int:
    """End of p[a:b] without a closing progress remark (``目前，上述工作正在推进中。``)."""
    m = _LAST_SENTENCE.search(p, a, b)
    return m.start(1) if m and _not_an_item(m.group(1)) else b


def _listed(p: str, a: int, b: int) -> list[tuple[int, int]]:
    """A problem list (after 主要是/表现在/如…) split on ，/、 where each clause states its own deficiency.

    Every clause between ，/、 carrying a deficiency word (有待, 不足, 不够…) splits at each;
    else every clause between ， doing so splits at ， only; else the piece stays whole.
    """
    for seps in ("，,、", "，,"):
        cuts = [a] + [i + 1 for i in range(a, b) if p[i] in seps] + [b + 1]
        parts = [(x, y - 1) for x, y in zip(cuts, cuts[1:])]
        if len(parts) > 1 and all(_DEFICIENCY.search(p, x, y) for x, y in parts):
            return parts
    return [(a, b)]


_RESPONSE = re.compile(r"针对(?:上述|以上|这些|前述|此类|这类)?(?:工作中)?(?:存在的?|发现的?|出现的?)?(?:问题|不足|短板|差距)[，,]?"
                       rf"(?:下一步|下阶段|今后)?[，,]?{_WE}?(?:将|要)?[，,]?")
_SENTENCE_END = re.compile(r"[。！？!?]")
_COLON = re.compile(r"[：:]")
_AFTER_NOUN = re.compile(r"[。，,]?(?:主要是|比如|例如|如)")
_LIST_END = re.compile(r"(?:(?:主要|具体)?(?:表现|体现)(?:在|为)|主要是|主要有|存在在?|比如|例如|如)[：:，,]?$")
_LIST_END_WIDTH = 6    # its longest match (具体表现在：), as _LIST_TAIL_WIDTH


_ANNOUNCING = re.compile(r"[^。：:]{0,40}?(?:以下|如下|下列|几个方面|[两三四五六几]个?方面)[^。：:]{0,20}[：:]")


def _announces_measures(p: str, s: int) -> bool:
    """The sentence at ``s`` announces a list of measures (``因此，我们考虑从以下三个方面作进一步的改进：``)."""
    m = _ANNOUNCING.match(p, s)
    return bool(m) and _classify(m.group()[:-1]) == "improvements"


def _segments(para: _Para) -> list[_Para]:
    """A paragraph cut where a sentence opens a new part: a heading label (``改进情况：``),
    ``下一步，我们将``, ``针对上述问题，`` or a sentence announcing measures (``…从以下方面改进：``)."""
    p = para.text
    cuts = [0]
    for m in _SENTENCE_END.finditer(p):
        s = m.end()
        if s < len(p) and (_heading(p[s:s + _HEADING_WIDTH]) or _NEXT_STEP.match(p, s) or _RESPONSE.match(p, s)
                           or _announces_measures(p, s)):
            cuts.append(s)
    if len(cuts) == 1:
        return [para]
    cuts.append(len(p))
    return [_Para(p[a:b], para.index[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]


def _lead_end(p: str, at: int, first: int | None) -> int | None:
    """Where the lead-in of a segment ends: at its first enumerator, after a colon that closes a
    lead-in, or after the phrase that opens a problem list (表现在, 主要存在, …不足。如)."""
    if first is not None and first > at:
        return first
    stop = first if first is not None else len(p)
    sentence_end = _SENTENCE_END.search(p, at)
    colon = _COLON.search(p, at, stop)
    if colon and colon.start() - at <= 60 and "。" not in p[at:colon.start()] and _classify(p[at:colon.start()]):
        return colon.end()
    first_end = sentence_end.start() if sentence_end else len(p)
    intros = list(_LIST_INTRO.finditer(p, at, stop)) if _LIST_INTRO_CUE.search(p, at, stop) else []
    # in the first sentence the last of them (``仍存在不足的地方，如……``); later, only a list that
    # follows a problem noun (``……但也存在一些薄弱环节。如……``, ``……还存在一些问题，例如：……``):
    # what comes before is preamble
    in_first = [m for m in intros if m.start() <= first_end]
    if in_first:
        return in_first[-1].end()
    later = [m for m in intros if _AFTER_NOUN.match(m.group())]
    return later[0].end() if later else None


def split_problems(text: str, span: Span) -> list[tuple[Span, Mode]]:
    """Problem and improvement item spans of section 五, in source order."""
    items: list[tuple[Span, Mode]] = []
    mode: Mode | None = None
    for para in (seg for whole in paragraphs(text, span) for seg in _segments(whole)):
        p = para.text
        at = 0
        head = _heading(p)
        if head:
            at, hmode = head
            if hmode != "both":
                mode = hmode
        opener = _NEXT_STEP.match(p, at) or _RESPONSE.match(p, at)
        if opener:
            at, mode = opener.end(), "improvements"
        enums = _enumerators(p, at)
        first = enums[0].start() if enums else None
        lead_end = _lead_end(p, at, first)
        listed = False
        if lead_end is not None:
            lead = p[at:lead_end]
            lead_mode = _classify(lead)
            ends_list = bool(_LIST_END.search(lead, max(0, len(lead) - _LIST_END_WIDTH)))
            if not opener and lead_mode:
                mode = lead_mode
            elif not opener and mode is None and ends_list:
                mode = "problems"
            listed = ends_list and mode == "problems"
            at = lead_end
        if at >= len(p):
            continue
        para_mode: Mode = mode or ("problems" if not any(m == "problems" for _, m in items) else "improvements")
        if enums and enums[0].start() >= at:
            bounds = [e.end() for e in enums]
            ends = [e.start() for e in enums[1:]] + [len(p)]
            pieces = [(a, _drop_progress_tail(p, a, b)) for a, b in zip(bounds, ends)]
        else:
            pieces = _sentences(p, at, len(p))
            if listed and para_mode == "problems":
                pieces = [q for a, b in pieces for q in _listed(p, *_trim(p, a, b))]
        for a, b in pieces:
            a, b = _trim(p, a, b)
            if b - a >= 2 and not _not_an_item(p[a:b]):
                items.append((para.span(a, b), para_mode))
        mode = para_mode
    return items


def other_matters_of(doc: Document, sections: Sections) -> str | None:
    """Section 六 as written (line breaks removed), or None where the report has none."""
    s = sections.get("other_matters")
    if s is None:
        return None
    end = s.span[1]
    if sections.trailer is not None and sections.trailer[0] < end:  # the signature and date
        end = max(s.span[0], sections.trailer[0])
    return clean_item(doc.text[s.span[0]:end]) or None


class RuleExtractor:
    """Narrative by rules: offline, deterministic, every item grounded exactly."""

    name = "rules"

    def __init__(self, *, channels: bool = True) -> None:
        self._find_channels = None
        if channels:
            # imported here, not at the top (without channels the tagger's module is not needed),
            # and once: an import statement in ``extract`` ran the import machinery every report
            from .channels import find_channels
            self._find_channels = find_channels

    def extract(self, doc: Document, sections: Sections) -> Narrative:
        text = doc.text
        problems: list[NarrativeItem] = []
        improvements: list[NarrativeItem] = []
        sec = sections.get("problems")
        if sec is not None:
            start, end = sec.span
            if sections.trailer is not None and start <= sections.trailer[0] < end:
                end = sections.trailer[0]  # 五 is the last section: the signature and date end it
            for span, mode in split_problems(text, (start, end)):
                item = NarrativeItem(clean_item(text[span[0]:span[1]]), span, "exact")
                (problems if mode == "problems" else improvements).append(item)
        channels: tuple = ()
        if self._find_channels is not None:
            channels = tuple(self._find_channels(doc, sections))
        return Narrative(
            problems=tuple(problems),
            improvements=tuple(improvements),
            channels=channels,
            other_matters=other_matters_of(doc, sections),
            method="rules",
        )
