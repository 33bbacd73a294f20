"""textnorm's fast paths give exactly what their plain definitions give, for every string.

``nfkc`` replaces full-width forms before calling NFKC, and ``fold_text`` removes whitespace with
``str.split``: both are held here to ``unicodedata.normalize`` and ``re.sub(r"\\s+", ...)`` on every
code point, and on mixed strings built from the characters where the two could part ways (full-width
forms next to combining marks, compatibility characters that NFKC turns into quotes or spaces,
Hangul jamo that compose, unusual whitespace).
"""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.textnorm import _QUOTES, fold_span, fold_text, line_folds, nfkc, span_folds


def reference_fold(s: str) -> str:
    """fold_text as it is defined: NFKC, quotes straightened, every \\s removed."""
    quotes = re.compile("[" + "".join(_QUOTES) + "]")
    return re.sub(r"\s+", "", quotes.sub(lambda m: _QUOTES[m.group()], unicodedata.normalize("NFKC", s)))


EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_every_code_point_on_its_own():
    chars = EVERY_CHARACTER
    # one call per block of 64 characters (a call per character would take seconds); a character
    # whose NFKC differs only next to its neighbours is what the mixed strings below are for
    for i in range(0, len(chars), 64):
        block = chars[i:i + 64]
        assert nfkc(block) == unicodedata.normalize("NFKC", block), hex(ord(block[0]))
        assert fold_text(block) == reference_fold(block), hex(ord(block[0]))
    for c in "\u3000\uff01\uff0c\uff1a\uff08\uff09\uff10\uff41\uff5e\uff5f\uff61":
        assert nfkc(c) == unicodedata.normalize("NFKC", c)


def test_whitespace_is_what_re_calls_whitespace():
    assert "".join(EVERY_CHARACTER.split()) == re.sub(r"\s+", "", EVERY_CHARACTER)


_TRICKY = st.sampled_from(
    [chr(c) for c in range(0xFF01, 0xFF5F)]                  # full-width ASCII forms
    + ["\u3000", "\uff5f", "\uff60", "\uff61", "\uffe5", "\uffe3"]   # just outside the replaced range
    + [chr(c) for c in range(0x300, 0x316)] + ["\u3099", "\u309a", "\u0338", "\u20dd"]  # combining
    + ["\ufe41", "\ufe42", "\ufe31", "\ufe32", "\ufe39", "\ufe3b", "\ufe30"]  # NFKC → 「」—–〔【
    + ["“", "”", "‘", "’", "「", "」", "〔", "〕", "【", "】", "—", "–", "－"]
    + ["\u1100", "\u1161", "\u11a8", "\uac00"]               # Hangul jamo and a syllable
    + ["\uf900", "\ufa10", "\u2460", "\u3300", "\u2002", "\u00a0", "\u2028", "\x1c", "\x85"]
    + ["e", "A", "1", " ", "\t", "\n", "年", "政", "，", "。", "、"]
)


@settings(max_examples=500)
@given(st.lists(_TRICKY, max_size=40).map("".join))
def test_mixed_strings(s):
    assert nfkc(s) == unicodedata.normalize("NFKC", s)
    assert fold_text(s) == reference_fold(s)


@given(st.text(max_size=60))
def test_any_text(s):
    assert nfkc(s) == unicodedata.normalize("NFKC", s)
    assert fold_text(s) == reference_fold(s)


_LINES = st.lists(st.lists(_TRICKY, max_size=8).map("".join), max_size=6).map("\n".join)


@settings(max_examples=300)
@given(_LINES, st.integers(-2, 60), st.integers(-2, 60), _LINES)
def test_a_span_folds_as_its_text_does(text, start, end, other):
    """``fold_span`` folds a span from the folds of the lines it covers (a line it cuts folded on its own):
    what ``fold_text`` of the span's text gives, for spans at and off line breaks, empty, reversed and
    out of range, and after another text took the remembered lines."""
    line_folds(other)
    assert fold_span(text, start, end) == fold_text(text[start:end])
    assert fold_span(text, start) == fold_text(text[start:])
    assert "".join(span_folds(text, start, end)) == fold_text(text[start:end])
    assert span_folds(text, start, end) == [fold_text(t) for t in text[start:end].split("\n")]
    assert line_folds(text).folds == [fold_text(t) for t in text.split("\n")]
