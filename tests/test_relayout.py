"""relayout's patterns written for speed find what their plain forms find.

``_ENUMERATOR`` opens with a class of its alternatives' first characters and looks behind at
them, and ``_TABLE_START`` spells its bracket as two literals, so that re can skip to where a
match could start; both are held to the plain patterns (as first written) on the eval texts and
on random strings of the characters they turn on, over whole strings and slices. The closing
date, found from the end (``_last_date``), is held to the last of ``_DATE``'s matches the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.relayout import _DATE, _ENUMERATOR, _TABLE_START, _last_date

PLAIN_ENUMERATOR = re.compile(r"(?<!第)[（(][一二三四五六七八][）)]|[一二三四]、(?=[\u4e00-\u9fff])|\d[.．、](?=[\u4e00-\u9fff])")
PLAIN_TABLE_START = re.compile(r"[(（]本列数据的勾稽关系|行政复议\s*行政诉讼\s*结果维持|申请人情况\s*自然人")
PAIRS = [(_ENUMERATOR, PLAIN_ENUMERATOR), (_TABLE_START, PLAIN_TABLE_START)]

EVAL = Path(__file__).resolve().parent.parent / "eval"


def spans(pattern: re.Pattern, s: str, a: int = 0, b: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(s, a, len(s) if b is None else b)]


def last_date(s: str, after: int) -> tuple[int, int] | None:
    """The plain form of ``_last_date``: the last of the dates found from ``after`` on."""
    dates = spans(_DATE, s, after)
    return dates[-1] if dates else None


def found_last_date(s: str, after: int) -> tuple[int, int] | None:
    d = _last_date(s, after)
    return d.span() if d else None


def test_eval_texts():
    texts = [p.read_text(encoding="utf-8") for p in sorted(EVAL.glob("**/*.txt"))]
    assert texts
    for s in texts:
        for fast, plain in PAIRS:
            assert spans(fast, s) == spans(plain, s)
            assert spans(fast, s, 7, len(s) // 2) == spans(plain, s, 7, len(s) // 2)
        for after in (0, 7, len(s) // 2):
            assert found_last_date(s, after) == last_date(s, after)


_CHARS = st.sampled_from(list("第（()）一二三四五六七八九、.．1２٣ 年件行政复议诉讼结果维持申请人情况自然本列数据的勾稽关系\n\t"))


@settings(max_examples=400)
@given(st.lists(_CHARS, max_size=40).map("".join), st.integers(0, 40), st.integers(0, 40))
def test_random_strings(s, a, b):
    for fast, plain in PAIRS:
        assert spans(fast, s) == spans(plain, s)
        assert spans(fast, s, a, b) == spans(plain, s, a, b)


# dates and pieces of them: years with digits before them, spaces of \s*'s kinds around 年, 月 and 日
_SPACES = st.sampled_from(["", " ", "\u3000", "\n", "\t "])
_DATES = st.tuples(st.sampled_from(["2020", "1999", "12020", "2019"]), _SPACES, st.just("年"), _SPACES,
                   st.sampled_from(["1", "12", "123", ""]), _SPACES, st.just("月"), _SPACES,
                   st.sampled_from(["5", "31", ""]), _SPACES, st.sampled_from(["日", ""])).map("".join)
_DATE_PIECES = st.one_of(_DATES, st.sampled_from(["2020", "20", "19", "1", "２０", "年", "月", "日", " ", "\n", "x"]))


@settings(max_examples=500)
@given(st.lists(_DATE_PIECES, max_size=8).map("".join))
def test_last_date_is_the_last_match(s):
    for after in range(len(s) + 1):
        assert found_last_date(s, after) == last_date(s, after), after
