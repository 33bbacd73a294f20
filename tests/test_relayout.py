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


def test_the_item_headers_are_found_as_re_finds_them():
    """``_starts_of`` finds the item headers by str.find: the starts of their alternation's matches, on
    the eval texts and on strings made of their pieces, over whole strings and slices."""
    from extract.relayout import _ITEM_HEADERS, _starts_of
    plain = re.compile("|".join(_ITEM_HEADERS))
    texts = [p.read_text(encoding="utf-8") for p in sorted(EVAL.glob("**/*.txt"))]
    texts += ["第二十条第二十条信息内容", "第第二十条二十条", "信息内容信息内容x第二十", ""]
    for s in texts:
        for a, b in ((0, len(s)), (3, len(s) // 2), (1, 9)):
            assert sorted(_starts_of(_ITEM_HEADERS, s, a, b)) == [m.start() for m in plain.finditer(s, a, b)]


def test_a_label_follows_where_the_patterns_said_so():
    """``_label_follows`` tests a character as the patterns it replaces did, for every character."""
    from extract.relayout import _label_follows
    label_start = re.compile(r"[\u4e00-\u9fff（(]")
    measure = re.compile(r"[件条项个次人家篇年月日号份场期批户名位天万元%％余多]")
    for c in map(chr, range(0x30000)):
        if not 0xD800 <= ord(c) <= 0xDFFF:
            assert _label_follows(c) == bool(label_start.match(c) and not measure.match(c)), hex(ord(c))
    assert not _label_follows("")
