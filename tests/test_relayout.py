"""relayout's patterns written for speed find what their plain forms find.

``_ENUMERATOR`` opens with a class of its alternatives' first characters and looks behind at
them, and ``_TABLE_START`` spells its bracket as two literals, so that re can skip to where a
match could start; both are held to the plain patterns (as first written) on the eval texts and
on random strings of the characters they turn on, over whole strings and slices.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.relayout import _ENUMERATOR, _TABLE_START

PLAIN_ENUMERATOR = re.compile(r"(?<!第)[（(][一二三四五六七八][）)]|[一二三四]、(?=[\u4e00-\u9fff])|\d[.．、](?=[\u4e00-\u9fff])")
PLAIN_TABLE_START = re.compile(r"[(（]本列数据的勾稽关系|行政复议\s*行政诉讼\s*结果维持|申请人情况\s*自然人")
PAIRS = [(_ENUMERATOR, PLAIN_ENUMERATOR), (_TABLE_START, PLAIN_TABLE_START)]

EVAL = Path(__file__).resolve().parent.parent / "eval"


def spans(pattern: re.Pattern, s: str, a: int = 0, b: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(s, a, len(s) if b is None else b)]


def test_eval_texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted(EVAL.glob("**/*.txt"))]
    assert texts
    for s in texts:
        for fast, plain in PAIRS:
            assert spans(fast, s) == spans(plain, s)
            assert spans(fast, s, 7, len(s) // 2) == spans(plain, s, 7, len(s) // 2)


_CHARS = st.sampled_from(list("第（()）一二三四五六七八九、.．1２٣ 年件行政复议诉讼结果维持申请人情况自然本列数据的勾稽关系\n\t"))


@settings(max_examples=400)
@given(st.lists(_CHARS, max_size=40).map("".join), st.integers(0, 40), st.integers(0, 40))
def test_random_strings(s, a, b):
    for fast, plain in PAIRS:
        assert spans(fast, s) == spans(plain, s)
        assert spans(fast, s, a, b) == spans(plain, s, a, b)
