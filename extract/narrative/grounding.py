"""Ground a narrative item in the report text: find the span it was taken from.

``align(source, item)`` first looks for an *exact* match after normalisation
(NFKC width folding, curly quotes straightened, all whitespace and line breaks
removed), keeping an index map from the normalised text back to the original
offsets, so the returned span always indexes ``source`` as published.

If there is none it tries a *fuzzy* match. Candidate places are found by
voting: every 4-character gram of the item that occurs in the source votes for
the start the item would have there. The best few candidates (at most
``MAX_CANDIDATES``) are compared with ``difflib.SequenceMatcher`` over a window
of the item's length plus slack; the matched region runs from the first to the
last matching block, and its score is ``SequenceMatcher.ratio()`` of the item
against that region (2·matches / (len(item) + len(region)), on normalised
text). A score below ``threshold`` (``FUZZY_THRESHOLD`` = 0.85) is no match.
The work is bounded by the candidate count, so a miss is as cheap as a hit.

``ground_answer(answer, doc, excerpt)`` grounds a model's answer: each problem and
improvement must align inside section 五; each channel's name (or, with no name, one
of its type's grounding phrases, ``extract.channel_types``) must occur exactly in the
text that was sent. What does not align is dropped and counted.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from ..channel_types import channel_kind
from ..furniture import PAGE_NUMBER_LINE
from ..types import Channel, Document, NarrativeItem, Span

if TYPE_CHECKING:
    from .answer import NarrativeAnswer
    from .prompting import Excerpt

FUZZY_THRESHOLD = 0.85
MAX_CANDIDATES = 6
GRAM = 4

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
                         "『": '"', "』": '"', "〝": '"', "〞": '"'})


@dataclass(frozen=True, slots=True)
class Alignment:
    span: Span
    kind: Literal["exact", "fuzzy"]
    score: float


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch).translate(_QUOTES)
    return "".join(c for c in out if not c.isspace())


def normalize(text: str) -> str:
    """The comparable form: width-folded, quotes straightened, no whitespace."""
    return _normalize_map(text)[0]


@lru_cache(maxsize=64)
def _normalize_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalised text and, for each of its characters, the source offset it came from."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            if not ch.isspace():
                chars.append(ch)
                index.append(i)
            continue
        for c in _fold_char(ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), tuple(index)


def _to_span(index: tuple[int, ...], start: int, end: int) -> Span:
    """Normalised [start, end) back to a source span (end is after the last source char)."""
    return (index[start], index[end - 1] + 1)


def align(source: str, item: str, *, window: Span | None = None,
          threshold: float = FUZZY_THRESHOLD) -> Alignment | None:
    """Where ``item`` occurs in ``source`` (optionally only inside ``window``), or None."""
    target = normalize(item)
    if not target:
        return None
    norm, index = _normalize_map(source)
    lo, hi = 0, len(norm)
    if window is not None:
        lo = bisect_left(index, window[0])
        hi = bisect_left(index, window[1])
    if hi - lo < 1:
        return None
    pos = norm.find(target, lo, hi)
    if pos >= 0:
        return Alignment(_to_span(index, pos, pos + len(target)), "exact", 1.0)
    return _fuzzy(norm, index, target, lo, hi, threshold)


def _fuzzy(norm: str, index: tuple[int, ...], target: str, lo: int, hi: int,
           threshold: float) -> Alignment | None:
    n = len(target)
    gram = GRAM if n >= 2 * GRAM else max(1, n // 2)
    votes: Counter[int] = Counter()
    step = max(1, (n - gram) // 40)  # at most ~40 grams per item
    for k in range(0, n - gram + 1, step):
        g = target[k:k + gram]
        p = norm.find(g, lo, hi)
        hits = 0
        while p >= 0 and hits < 8:
            votes[(p - k) // 4] += 1   # bucket nearby starts together
            hits += 1
            p = norm.find(g, p + 1, hi)
    if not votes:
        return None
    slack = max(4, n // 5)
    best: tuple[float, int, int] | None = None
    for bucket, _ in votes.most_common(MAX_CANDIDATES):
        w0 = max(lo, bucket * 4 - slack)
        w1 = min(hi, bucket * 4 + n + slack)
        window = norm[w0:w1]
        blocks = [b for b in SequenceMatcher(None, target, window, autojunk=False).get_matching_blocks() if b.size]
        if not blocks:
            continue
        r0 = w0 + blocks[0].b
        r1 = w0 + blocks[-1].b + blocks[-1].size
        score = SequenceMatcher(None, target, norm[r0:r1], autojunk=False).ratio()
        if best is None or score > best[0]:
            best = (score, r0, r1)
    if best is None or best[0] < threshold:
        return None
    score, r0, r1 = best
    return Alignment(_to_span(index, r0, r1), "fuzzy", score)


_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’《》"
_INNER_WS = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+|[ \t\u3000]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE = re.compile("[ \t\u3000]")     # what the two patterns act on (the first is tried at every character)


def clean_item(source_slice: str) -> str:
    """A source slice as an item: line breaks, blank lines and page numbers removed, trimmed.

    Lines are joined without a separator (a line break inside a Chinese sentence
    is layout, not a space); spaces next to CJK characters are dropped, other
    runs of spaces are kept as one.
    """
    lines = [ln.strip() for ln in source_slice.splitlines()]
    kept = [ln for ln in lines if ln and not PAGE_NUMBER_LINE.match(ln)]
    joined = "".join(kept)
    if not _SPACE.search(joined):
        return joined  # most items: no space for the rules below (each line is stripped already)
    joined = _INNER_WS.sub("", joined)
    return _SPACES.sub(" ", joined).strip()


# -- a model's answer -----------------------------------------------------------

def ground_answer(answer: NarrativeAnswer, doc: Document,
                  excerpt: Excerpt) -> tuple[tuple[NarrativeItem, ...], tuple[NarrativeItem, ...],
                                             tuple[Channel, ...], int]:
    """Align the model's items with the source; return the grounded ones and how many were dropped."""
    dropped = 0
    text = doc.text

    def items(values: list[str]) -> tuple[NarrativeItem, ...]:
        nonlocal dropped
        out: list[NarrativeItem] = []
        seen: set[tuple[int, int]] = set()
        for v in values:
            a = align(text, v, window=excerpt.problems_span) if excerpt.problems_span else None
            if a is None:
                dropped += 1
                continue
            if a.span in seen:
                continue
            seen.add(a.span)
            shown = v.strip() if a.kind == "exact" else clean_item(text[a.span[0]:a.span[1]])
            out.append(NarrativeItem(text=shown, span=a.span, alignment=a.kind, score=a.score))
        return tuple(out)

    problems = items(answer.problems)
    improvements = items(answer.improvements)

    channels: list[Channel] = []
    seen_ch: set[tuple[str, str | None]] = set()
    for ch in answer.channels:
        name = (ch.name or "").strip().strip("“”\"《》「」") or None
        span = _ground_channel(text, excerpt, ch.type, name)
        if span is None:
            dropped += 1
            continue
        if (ch.type, name) in seen_ch:
            continue
        seen_ch.add((ch.type, name))
        channels.append(Channel(type=ch.type, name=name, span=span))
    return problems, improvements, tuple(channels), dropped


def _ground_channel(text: str, excerpt: Excerpt, type_: str, name: str | None) -> tuple[int, int] | None:
    needles = (name,) if name else channel_kind(type_).grounding
    for needle in needles:
        for span in excerpt.doc_spans():
            a = align(text, needle, window=span, threshold=1.0)
            if a is not None and a.kind == "exact":
                return a.span
    return None
