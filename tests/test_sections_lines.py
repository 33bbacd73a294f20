"""The section finder's line index (``sections._Lines``) against the line-by-line definitions.

``_Lines`` works out offsets on demand and finds a first matching line with one search of the
joined lines (anchored patterns searched unanchored, then checked on the line): each answer is
held here to a plain loop over ``text.split("\\n")`` on every eval text and on made-up texts with
markdown, empty and folded-away lines, tabs, and anchors at and away from a line's start.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extract.sections import _ANCHORS, _PROBLEM_CUE, _Lines
from extract.textnorm import fold

EVAL = Path(__file__).resolve().parent.parent / "eval"
TEXTS = [p.read_text(encoding="utf-8") for p in sorted(EVAL.glob("samples/*.txt"))[:8]] + [
    "# 标题\n\n\u3000\u3000\n一、总体情况\n信息内容\t本年新制作数量\n  自然人 \n行政复议\n##\n结果维持\t1",
    "自然人\n\n行政复议行政诉讼\n行政复议其他\n存在问题\t0\n  问题 \n" + "很长" * 100 + "信息内容\n末行",
    "", "\n\n", "行政复议",
]


def plain_lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded) of every line that is not empty once folded, '#' removed."""
    out, pos = [], 0
    for raw in text.split("\n"):
        f = fold(raw).lstrip("#")
        if f:
            out.append((pos, pos + len(raw), f))
        pos += len(raw) + 1
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_lines_are_the_split_lines(text):
    lines, plain = _Lines(text), plain_lines(text)
    assert len(lines) == len(plain)
    assert lines.folded == [f for _, _, f in plain]
    for i, (start, end, _) in enumerate(plain):
        assert (lines.start(i), lines.end(i)) == (start, end)
        assert lines.raw(i) == text[start:end]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("pattern", [*_ANCHORS.values(), _PROBLEM_CUE, re.compile(r"^行政复议$|^自然人"),
                                     # a ^ or $ that is no anchor (negated class, class, escape)
                                     re.compile(r"^行政复议[^诉]|^自然人$"), re.compile(r"[$^]|^问题$"),
                                     re.compile(r"\^|^结果维持")])
def test_first_is_the_first_matching_line(text, pattern):
    lines, plain = _Lines(text), plain_lines(text)
    n = len(plain)
    for lo in range(0, n + 1, max(1, n // 7)):
        for hi in (n, min(n, lo + 5)):
            for max_len in (None, 160, 6):
                want = next((i for i in range(lo, hi) if pattern.search(plain[i][2])
                             and (max_len is None or len(plain[i][2]) <= max_len)), None)
                assert lines.first(pattern, lo, hi, max_len=max_len) == want, (lo, hi, max_len)


def test_sections_are_the_same_whatever_the_memo_of_named_lines_holds():
    """``_NAMED`` remembers across reports what each short line names: a report's sections do not
    depend on which reports came before it, nor on the memo being emptied when full."""
    from extract import sections
    from extract.ingest import from_text
    docs = [from_text(p.read_text(encoding="utf-8")) for p in sorted(EVAL.glob("**/*.txt"))]
    sections._NAMED.clear()
    cold = []
    for d in docs:
        sections._NAMED.clear()
        cold.append(sections.find_sections(d))
    warm = [sections.find_sections(d) for d in docs for _ in range(2)][1::2]
    assert warm == cold
    size = sections._NAMED_SIZE
    try:
        sections._NAMED_SIZE = 3
        sections._NAMED.clear()
        assert [sections.find_sections(d) for d in docs] == cold
        assert len(sections._NAMED) <= 3
    finally:
        sections._NAMED_SIZE = size
