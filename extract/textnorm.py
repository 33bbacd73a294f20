"""Label text made comparable, shared by the section finder, meta reader and table readers.

``fold`` makes labels comparable: NFKC (full-width → half-width, ideographic
space → space), curly quotes straightened, all whitespace removed. Matching is
always done on folded text; values and spans always come from the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, compress, count, repeat
from operator import add, is_
from typing import NamedTuple

_QUOTES = {"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
           "〔": "(", "〕": ")", "【": "[", "】": "]", "—": "-", "–": "-", "－": "-"}

# NFKC maps each full-width ASCII form (U+FF01-FF5E) and the ideographic space to one ASCII
# character, and Chinese text is full of them (，：（）): NFKC's quick check fails on nearly every
# report, so CPython decomposes and recomposes the whole text (~0.2 µs a character). Replaced
# first, by their own decompositions, they leave NFKC's result as it was (the text's NFKD is the
# same), and what is left usually passes the quick check, on which ``normalize`` returns at once.
_WIDE = re.compile("[\u3000\uff01-\uff5e]")
_NARROW = {c: unicodedata.normalize("NFKC", c) for c in map(chr, (0x3000, *range(0xFF01, 0xFF5F)))}


def nfkc(s: str) -> str:
    """``unicodedata.normalize("NFKC", s)``, 5-10x faster on Chinese text (same result for every string)."""
    # A report holds a few distinct full-width forms, each many times: one str.replace per
    # distinct form, found by searching on from the last (a replacement is one character, so
    # offsets hold), costs less than a call per occurrence (re.sub) or str.translate (a lookup
    # per character)
    m = _WIDE.search(s)
    while m is not None:
        c = m.group()
        s = s.replace(c, _NARROW[c])
        m = _WIDE.search(s, m.start() + 1)
    return unicodedata.normalize("NFKC", s)


def fold_text(s: str) -> str:
    """Comparable form of a text: width-folded, quotes straightened, no whitespace.

    For a section or a whole report, which no other report repeats; labels and lines go
    through the cached ``fold``."""
    # str.split() splits at what re's \s matches (both ask Py_UNICODE_ISSPACE), in a sixth of
    # the time of re.sub(r"\s+", "", ...)
    return "".join(_straighten(nfkc(s)).split())


def _straighten(s: str) -> str:
    # ``c in s`` is a C scan for one character (memchr-like): a dozen of them cost a sixth of one
    # regex search for a class of a dozen characters, and str.translate looks up every character
    for c, straight in _QUOTES.items():
        if c in s:
            s = s.replace(c, straight)
    return s


# Labels and short lines recur from report to report (73 % of calls hit on 41 distinct reports of
# eval/): the cache pays there. Texts go through fold_text, so a batch that repeats one file is
# not faster than a batch of different reports.
fold = lru_cache(maxsize=65536)(fold_text)


class LineFolds(NamedTuple):
    """A text's lines (split at "\n") and the fold of each: see ``line_folds``."""

    text: str
    lines: list[str]
    folds: list[str]          # fold of each line
    starts: list[int]         # offset of each line's first character; then len(text) + 1


_LAST_LINES: LineFolds | None = None


def line_folds(text: str) -> LineFolds:
    """``text``'s lines and their folds, remembered for the last text asked about: the section finder,
    the meta reader and the template's detection each read the lines of one report, folded (and the
    detection and the body's spelling check its sections folded whole, ``fold_span``), and folding
    a text is most of what each of them costs.

    One text is kept (the one the held ``LineFolds`` names: while it is held, no other text can be
    that object), read and replaced as one object, so threads that parse side by side at worst
    fold a text again."""
    global _LAST_LINES
    last = _LAST_LINES
    if last is not None and last.text is text:
        return last
    lines = text.split("\n")
    folds = list(map(_LINE_FOLDS.get, lines))
    if None in folds:
        folds = _fold_missing(lines, folds)
    last = _LAST_LINES = LineFolds(text, lines, folds, line_starts(lines))
    return last


def line_starts(lines: list[str]) -> list[int]:
    """Where each of ``lines`` starts in ``"\n".join(lines)`` (the lengths before it, and a "\n" each),
    then one past its end."""
    return list(map(add, accumulate(map(len, lines), initial=0), count()))


_LINE_FOLDS: dict[str, str] = {}
"""The fold of each line ``line_folds`` was asked for, remembered as ``fold`` remembers what it folds
(headings, table rows and boilerplate recur from report to report; the prose does not), in a dict, so
that the lines seen in no earlier report are told first and folded together (``_fold_lines``). Emptied
when it would hold more than ``_LINE_FOLDS_SIZE`` lines."""
_LINE_FOLDS_SIZE = 65536


def _fold_missing(lines: list[str], folds: list[str | None]) -> list[str]:
    """``folds`` (of ``lines``, ``None`` where not remembered) with the missing ones folded and remembered."""
    missing = list(compress(lines, map(is_, folds, repeat(None))))
    got = _fold_lines(missing)
    if len(_LINE_FOLDS) + len(missing) > _LINE_FOLDS_SIZE:
        _LINE_FOLDS.clear()
    _LINE_FOLDS.update(zip(missing, got))
    new = iter(got)
    return [f if f is not None else next(new) for f in folds]


def _fold_lines(lines: list[str]) -> list[str]:
    """``fold_text`` of each of ``lines`` (none holding a "\n"), by one NFKC and one straightening of
    them all joined by "\n": a fold per line cost twice as much on a report's unseen lines (a call of
    three functions per line, and a search and a replace per distinct full-width form in each line).
    The same folds: NFKC and the quotes never reach across a "\n" (``fold_span``), and none makes or
    removes one."""
    return ["".join(line.split()) for line in _straighten(nfkc("\n".join(lines))).split("\n")]


def span_folds(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """``fold`` of each line of ``text[start:end]`` (split at "\n"), taken from ``line_folds(text)``
    where the span holds the whole line."""
    n = len(text)
    if end is None:
        end = n
    if not 0 <= start <= end <= n:
        return list(map(fold, text[start:end].split("\n")))
    _, lines, folds, starts = line_folds(text)
    i = bisect_right(starts, start) - 1       # the lines the span starts and ends in
    j = bisect_right(starts, end) - 1
    if i == j:
        return [folds[i] if end - start == len(lines[i]) else fold(text[start:end])]
    cut = end - starts[j]
    return [folds[i] if start == starts[i] else fold(lines[i][start - starts[i]:]), *folds[i + 1:j],
            folds[j] if cut == len(lines[j]) else fold(lines[j][:cut])]


def fold_span(text: str, start: int = 0, end: int | None = None) -> str:
    """``fold_text(text[start:end])``, from the folds of the lines it covers (``span_folds``): folding
    is the same line by line, since NFKC, the quotes and the removal of whitespace never reach
    across a line break (a "\n" is a starter that composes with nothing, and whitespace)."""
    return "".join(span_folds(text, start, end))


# Enumerators that prefix template labels: 一、 （一） (1) 1. 1、 第一
_ENUM = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[.、．](?!\d))")


@lru_cache(maxsize=16384)
def strip_enumerators(folded: str) -> str:
    """Remove leading enumerators (possibly several: ``三、(一)``) from a folded label."""
    prev = None
    s = folded
    while s != prev:
        prev = s
        s = _ENUM.sub("", s, count=1)
    return s
