"""Rule-based narrative: problems and improvements from section 五, section 六 as written, channels.

Section 五 is read as logical paragraphs (a line break that is page or layout
debris — no sentence end before it, no enumerator after it — joins lines). Each
paragraph may open with

* a heading label (``（一）存在的主要问题。`` ``改进情况：`` ``（二）改进措施``),
* a lead-in clause ending in ``：`` that names problems or measures
  (``……仍存在短板：`` ``针对上述问题，我局细化整改举措：``),
* a ``下一步，我们将`` opener,

which sets whether what follows are problems or improvements and is dropped.
The rest is split on the paragraph's enumerators (一是…二是…, 一方面…另一方面…,
（一）（二）, 1. 2., ①②), text before the first enumerator being a lead-in;
with no enumerators, into sentences and their ``；`` clauses, where a sentence
that only announces what follows (``主要问题和改进措施如下。``) is dropped.
Enumerators and the ``；``/``，`` that separate items are left out; a closing
``。`` stays. Every item's span indexes ``Document.text`` and its text is
``clean_item`` of that span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..types import Document, Narrative, NarrativeItem, Sections, Span
from .grounding import clean_item

Mode = Literal["problems", "improvements"]

_NUM = "一二三四五六七八九十"
_HEAD_ENUM = re.compile(rf"^(?:[（(][{_NUM}\d]{{1,2}}[)）]|[{_NUM}]{{1,2}}[、.．]|\d{{1,2}}[.、．](?!\d))")
_PROBLEM_LABEL = re.compile(r"^(?:目前|工作中|当前)?(?:存在的?|面临的?)?(?:主要|突出)?(?:问题|不足|短板|差距)(?:[和与及](?:不足|短板|差距))?(?:[和与及](?:其?原因|成因)(?:分析)?)?(?:如下)?$")
_IMPROVE_LABEL = re.compile(r"^(?:主要)?(?:改进|整改)(?:措施|情况|举措|方向|计划|思路)?(?:如下)?$"
                            r"|^(?:下一步|下一年度|下步|今后)(?:的)?(?:工作)?(?:计划|打算|安排|措施|举措|重点|方向|思路)?$")
_BOTH_LABEL = re.compile(r"^(?:存在的)?(?:主要)?问题[和与及](?:改进|整改)(?:措施|情况)?$")
_NEXT_STEP = re.compile(r"(?:下一步|下步|今后|下一年度|\d{4}年)[，,]?(?:工作中[，,]?)?"
                        r"(?:我们|我局|我单位|本单位|本机关|我委|我办|我区|我市|我县|我中心|我院)?(?:将|要)[，,]?")
_PROBLEM_CUE = re.compile(r"问题|不足|短板|差距|薄弱")
_IMPROVE_CUE = re.compile(r"改进|整改|措施|举措|下一步|针对")
_ANNOUNCE = re.compile(r"(?:如下|以下|几个方面|两方面|三方面)[。：:]?$")
_NOTHING = re.compile(r"(?:无|暂无|没有|不存在|无此类情况|无相关情况)[。.]?$")  # a section 五 that says only 无
_SENT_END = "。！？；：:!?;"

# enumerator families found inside a paragraph, in preference order
_PUNCT_BEFORE = r"(?:(?<=^)|(?<=[。；;，,：:！？!?]))"
_FAMILIES = (
    re.compile(rf"{_PUNCT_BEFORE}(?:[{_NUM}]{{1,2}}是|一方面|另一方面)[，,]?"),
    re.compile(rf"[（(][{_NUM}]{{1,2}}[)）]"),
    re.compile(r"[（(]\d{1,2}[)）]"),
    re.compile(rf"{_PUNCT_BEFORE}\d{{1,2}}[.、．](?!\d)"),
    re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩]"),
    re.compile(rf"{_PUNCT_BEFORE}(?:第[{_NUM}]|首先|其次|再次|最后)[，,、]"),
)
_STRIP_HEAD = "，,、：:。；; "
_STRIP_TAIL = "；;，,、：: "
_DEBRIS = re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$")


@dataclass(frozen=True, slots=True)
class _Para:
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
        line = "".join(c for c in raw if not c.isspace())
        if chars and (chars[-1] in _SENT_END or _starts_item(line) or _is_heading_line("".join(chars))):
            paras.append(_Para("".join(chars), tuple(index)))
            chars, index = [], []
        for i, c in enumerate(raw):
            if not c.isspace():
                chars.append(c)
                index.append(off + i)
    if chars:
        paras.append(_Para("".join(chars), tuple(index)))
    return paras


def _starts_item(line: str) -> bool:
    return bool(_HEAD_ENUM.match(line) or re.match(r"^(?:[一二三四五六七八九十]是|一方面|另一方面|[①②③④⑤⑥⑦⑧⑨⑩])", line))


def _is_heading_line(s: str) -> bool:
    m = _HEAD_ENUM.match(s)
    core = s[m.end():] if m else s
    return len(core) <= 20 and bool(_PROBLEM_LABEL.match(core) or _IMPROVE_LABEL.match(core) or _BOTH_LABEL.match(core))


def _heading(p: str) -> tuple[int, Mode | None | Literal["both"]] | None:
    """A heading label at the paragraph start: (where the content begins, its mode)."""
    m = _HEAD_ENUM.match(p)
    at = m.end() if m else 0
    stop = re.compile(r"[：:。.]").search(p, at)
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


def _classify(lead: str) -> Mode | None:
    imp, prob = bool(_IMPROVE_CUE.search(lead)), bool(_PROBLEM_CUE.search(lead))
    if imp and (not prob or lead.startswith("针对") or "针对" in lead):
        return "improvements"
    if prob and not imp:
        return "problems"
    return None


def _enumerators(p: str, start: int) -> list[re.Match]:
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


def _sentences(p: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentences of p[a:b] (closing 。 kept), each split on ；."""
    out = []
    for m in re.finditer(r"[^。！？!?]+[。！？!?]?", p[a:b]):
        s0, s1 = a + m.start(), a + m.end()
        sent = p[s0:s1]
        if _ANNOUNCE.search(sent.rstrip("。")) or _ANNOUNCE.search(sent):
            continue
        for c in re.finditer(r"[^；;]+[；;]?", sent):
            out.append((s0 + c.start(), s0 + c.end()))
    return out


_RESPONSE = re.compile(r"针对(?:上述|以上|这些|前述|存在的)?(?:问题|不足|短板|差距)[，,]?"
                       r"(?:我们|我局|我单位|本单位|本机关|我委|我办|我区|我市|我县|我中心|我院)?(?:将|要)?[，,]?")
# in a segment's first sentence, these end a lead-in as a colon does (…仍有差距，主要表现在……;
# …还存在一些不足，如……)
_SHOWN_AS = re.compile(r"(?:主要|具体)?(?:表现|体现)(?:在|为)[：:]?"
                       r"|(?<=不足|问题|短板|差距)[，,]?(?:主要是|比如|例如|如)[：:，,]?")


_SENTENCE_END = re.compile(r"[。！？!?]")
_COLON = re.compile(r"[：:]")


def _segments(para: _Para) -> list[_Para]:
    """A paragraph cut where a sentence opens a new part: a heading label (``改进情况：``),
    ``下一步，我们将`` or ``针对上述问题，``."""
    p = para.text
    cuts = [0]
    for m in _SENTENCE_END.finditer(p):
        s = m.end()
        if s < len(p) and (_heading(p[s:]) or _NEXT_STEP.match(p, s) or _RESPONSE.match(p, s)):
            cuts.append(s)
    if len(cuts) == 1:
        return [para]
    cuts.append(len(p))
    return [_Para(p[a:b], para.index[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]


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
        sentence_end = _SENTENCE_END.search(p, at)
        colon = _COLON.search(p, at)
        shown = _SHOWN_AS.search(p, at, sentence_end.start() if sentence_end else len(p))
        lead_end = None
        if first is not None and first > at:
            lead_end = first
        elif colon and colon.start() - at <= 60 and "。" not in p[at:colon.start()] and (first is None or colon.start() < first):
            if _classify(p[at:colon.start()]):
                lead_end = colon.end()
        elif shown and (first is None or shown.start() < first):
            lead_end = shown.end()
            mode = mode or "problems"
        if lead_end is not None:
            lead_mode = _classify(p[at:lead_end])
            if lead_mode:
                mode = lead_mode
            at = lead_end
        if at >= len(p):
            continue
        para_mode: Mode = mode or ("problems" if not any(m == "problems" for _, m in items) else "improvements")
        if enums and enums[0].start() >= at:
            bounds = [e.end() for e in enums]
            ends = [e.start() for e in enums[1:]] + [len(p)]
            pieces = list(zip(bounds, ends))
        else:
            pieces = _sentences(p, at, len(p))
        for a, b in pieces:
            a, b = _trim(p, a, b)
            if b - a >= 2 and not _NOTHING.match(p, a, b):
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
        self._channels = channels

    def extract(self, doc: Document, sections: Sections) -> Narrative:
        text = doc.text
        problems: list[NarrativeItem] = []
        improvements: list[NarrativeItem] = []
        sec = sections.get("problems")
        if sec is not None:
            for span, mode in split_problems(text, sec.span):
                item = NarrativeItem(clean_item(text[span[0]:span[1]]), span, "exact")
                (problems if mode == "problems" else improvements).append(item)
        channels: tuple = ()
        if self._channels:
            from .channels import find_channels
            channels = tuple(find_channels(doc, sections))
        return Narrative(
            problems=tuple(problems),
            improvements=tuple(improvements),
            channels=channels,
            other_matters=other_matters_of(doc, sections),
            method="rules",
        )
