"""Label text made comparable, shared by the section finder, meta reader and table readers.

``fold`` makes labels comparable: NFKC (full-width → half-width, ideographic
space → space), curly quotes straightened, all whitespace removed. Matching is
always done on folded text; values and spans always come from the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
