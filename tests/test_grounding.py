"""Alignment of narrative items to the source: slice by the span, get the value back."""

import time

from extract.narrative.grounding import FUZZY_THRESHOLD, Alignment, align, clean_item, normalize

SOURCE = (
    "五、存在的主要问题及改进情况\n"
    "（一）存在问题\n"
    "一是信息发布时效性不足、更新不及时，主动公开的内容与公众关心的热点结合不够紧密；"
    "二是专业能力有所欠缺，政策解读、新媒体运用等方面仍需提升。\n"
    "（二）改进措施\n"
    "严格落实“三审三校”制度，对各类政务信息严把\n\n控、强审核，保证内容准确。\n"
)


def test_exact_cjk_slice_gives_item_back():
    item = "专业能力有所欠缺，政策解读、新媒体运用等方面仍需提升。"
    a = align(SOURCE, item)
    assert a is not None and a.kind == "exact" and a.score == 1.0
    assert SOURCE[a.span[0]:a.span[1]] == item


def test_exact_across_line_breaks_and_quote_width():
    item = '严格落实"三审三校"制度，对各类政务信息严把控、强审核，保证内容准确。'
    a = align(SOURCE, item)
    assert a is not None and a.kind == "exact"
    sliced = SOURCE[a.span[0]:a.span[1]]
    assert "\n" in sliced
    assert normalize(sliced) == normalize(item)
    assert clean_item(sliced) == "严格落实“三审三校”制度，对各类政务信息严把控、强审核，保证内容准确。"


def test_full_and_half_width_punctuation_fold():
    src = "提升网站整体效能（含移动端），2025年度完成。"
    a = align(src, "提升网站整体效能(含移动端),2025年度完成。")
    assert a is not None and a.kind == "exact"
    assert a.span == (0, len(src))


def test_window_limits_the_search():
    src = "压实主体责任。其他内容。压实主体责任。"
    second = src.rindex("压实")
    a = align(src, "压实主体责任。", window=(5, len(src)))
    assert a is not None and a.span[0] == second
    assert align(src, "其他内容", window=(second, len(src))) is None


def test_near_miss_is_fuzzy_and_covers_the_region():
    item = "信息发布时效性不够、更新不及时，主动公开的内容与公众关心的热点结合不够紧密"
    a = align(SOURCE, item)
    assert isinstance(a, Alignment) and a.kind == "fuzzy"
    assert FUZZY_THRESHOLD <= a.score < 1.0
    sliced = SOURCE[a.span[0]:a.span[1]]
    assert sliced.startswith("信息发布时效性") and sliced.endswith("结合不够紧密")


def test_invented_sentence_returns_none():
    assert align(SOURCE, "本机关全年共召开新闻发布会十二场，发布权威信息三百余条。") is None
    assert align(SOURCE, "") is None


def test_threshold_is_respected():
    item = "信息发布及时性不足、更新不够快，主动公开内容与群众关心热点结合不紧"
    loose = align(SOURCE, item, threshold=0.5)
    assert loose is not None and loose.kind == "fuzzy"
    assert align(SOURCE, item, threshold=0.99) is None


def test_clean_item_drops_page_break_debris():
    assert clean_item("  严把\n\n控、强审核 \n") == "严把控、强审核"
    assert clean_item("加强培训\n- 3 -\n提升能力") == "加强培训提升能力"
    assert clean_item("政务 APP 客户端") == "政务APP客户端"


def test_exact_alignment_is_fast():
    body = ("各单位持续推进政务公开标准化规范化建设，" * 150)[:3000]
    item = "本年度新增公开事项目录清单并同步发布于门户网站，确保群众可查可用可监督，" * 2
    src = body + item[:100] + body
    target = item[:100]
    align(src, target)  # build the index map once
    t0 = time.perf_counter()
    for _ in range(200):
        a = align(src, target)
    per = (time.perf_counter() - t0) / 200
    assert a is not None and a.kind == "exact"
    assert per < 1e-3
    t0 = time.perf_counter()
    assert align(src, "完全无关的一段编造文字，不会出现在原文里面。" * 4) is None
    assert time.perf_counter() - t0 < 0.05
