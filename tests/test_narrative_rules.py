"""The rule narrative extractor: section 五 split into items, channels typed and named, all grounded.

Each case is a report layout that real reports use, written here (not taken from the
eval samples) so that the rules are checked on text they were not tuned on.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extract
from extract.narrative.channels import channels_in
from extract.narrative.grounding import clean_item

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"

HEAD = ("某某县教育局2024年政府信息公开工作年度报告\n一、总体情况\n{overview}\n"
        "二、主动公开政府信息情况\n规章\t0\t0\t0\n三、收到和处理政府信息公开申请情况\n"
        "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n{five}\n"
        "六、其他需要报告的事项\n{six}\n")


def report(five: str, overview: str = "略。", six: str = "无。"):
    return extract.parse_text(HEAD.format(overview=overview, five=five, six=six), narrative="rules")


def texts(items) -> list[str]:
    return [i.text for i in items]


SPLITS = [
    pytest.param(
        "2024年，我局政府信息公开工作取得了一定成效，但也存在一些不足：一是公开内容不够全面，部分信息更新不及时；"
        "二是政策解读形式单一。\n2025年，我局将从以下方面加以改进：一是加强信息发布审核，确保及时准确；"
        "二是丰富解读形式，运用图解、视频等方式解读政策。",
        ["公开内容不够全面，部分信息更新不及时", "政策解读形式单一。"],
        ["加强信息发布审核，确保及时准确", "丰富解读形式，运用图解、视频等方式解读政策。"],
        id="lead-ins-and-yi-shi"),
    pytest.param(
        "（一）存在的主要问题\n1.主动公开的深度和广度有待拓展。\n2.工作人员业务能力有待提高。\n"
        "（二）改进措施\n1.进一步拓展公开内容。\n2.加强业务培训，提升工作人员能力。",
        ["主动公开的深度和广度有待拓展。", "工作人员业务能力有待提高。"],
        ["进一步拓展公开内容。", "加强业务培训，提升工作人员能力。"],
        id="headings-and-numbered-lines"),
    pytest.param(
        "一方面，信息公开的及时性有待加强；另一方面，依申请公开办理规范化水平不高。下一步，我们将加强统筹协调，"
        "压实工作责任；强化培训指导，提升办理质量；完善考核机制，推动工作落实。",
        ["信息公开的及时性有待加强", "依申请公开办理规范化水平不高。"],
        ["加强统筹协调，压实工作责任", "强化培训指导，提升办理质量", "完善考核机制，推动工作落实。"],
        id="yifangmian-then-next-step-clauses"),
    pytest.param(
        "存在问题：政府信息公开工作人员专业性不强，信息发布质量有待提高。改进情况：加强人员培训，提高信息发布质量。",
        ["政府信息公开工作人员专业性不强，信息发布质量有待提高。"],
        ["加强人员培训，提高信息发布质量。"],
        id="inline-labels-in-one-paragraph"),
    pytest.param(
        "本年度政府信息公开工作虽然取得一定成效，但与上级要求相比仍有差距，主要表现在政策解读质量不高、互动回应不够及时。"
        "针对上述问题，我单位将进一步完善政策解读机制，提高回应时效。",
        ["政策解读质量不高", "互动回应不够及时。"],  # schema: after 表现在, each clause with its own deficiency
        ["进一步完善政策解读机制，提高回应时效。"],
        id="prose-biaoxian-zai-and-zhendui"),
    pytest.param(
        "（一）存在的问题\n一是信息公开的主动性不强；二是公开内容不够全面。\n（二）改进措施\n"
        "下一步，我局将重点做好以下工作：一是加强学习培训，提高认识；二是拓宽公开渠道，丰富公开内容。",
        ["信息公开的主动性不强", "公开内容不够全面。"],
        ["加强学习培训，提高认识", "拓宽公开渠道，丰富公开内容。"],
        id="heading-then-announcing-lead-in"),
    pytest.param(
        "本年度我局政府信息公开工作存在的问题主要有：信息公开的主动性不强；公开内容不够全面。"
        "2025年，我局将加强学习培训，提高认识；拓宽公开渠道，丰富公开内容。",
        ["信息公开的主动性不强", "公开内容不够全面。"],
        ["加强学习培训，提高认识", "拓宽公开渠道，丰富公开内容。"],
        id="semicolon-lists-no-enumerators"),
    pytest.param(
        "（一）存在的主要问题及原因\n部分科室对信息公开重视不够，信息报送不及时。\n（二）下一步工作计划\n"
        "（1）健全工作机制，明确责任分工。\n（2）加强培训，提升人员素质。",
        ["部分科室对信息公开重视不够，信息报送不及时。"],
        ["健全工作机制，明确责任分工。", "加强培训，提升人员素质。"],
        id="heading-with-causes-and-paren-digits"),
    pytest.param(
        "主要问题：一是信息发布不够及时，\n\n- 3 -\n\n部分栏目更新滞后。二是解读形式单一。\n改进措施：①建立信息发布台账；②开展图解解读。",
        ["信息发布不够及时，部分栏目更新滞后。", "解读形式单一。"],
        ["建立信息发布台账", "开展图解解读。"],
        id="page-break-inside-an-item-and-circled-numbers"),
    pytest.param(
        "（一）存在的问题\n一是信息更新不及时。二是解读形式单一。\n（二）改进情况\n"
        "针对上述问题，下一步将着力做好以下工作：一是建立更新台账；二是丰富解读形式。",
        ["信息更新不及时。", "解读形式单一。"], ["建立更新台账", "丰富解读形式。"], id="zhendui-then-announcing"),
    pytest.param(
        "一、存在的主要问题\n信息公开工作人员变动频繁，业务不熟。\n二、改进情况\n加强业务培训，保持队伍稳定。",
        ["信息公开工作人员变动频繁，业务不熟。"], ["加强业务培训，保持队伍稳定。"],
        id="section-numerals-reused-as-subheadings"),
    pytest.param(
        "本年度政府信息公开工作还存在一些不足，如主动公开的及时性有待提高，政策解读的针对性不强。"
        "下一年度，我局将加强信息发布审核，提高政策解读质量。",
        ["主动公开的及时性有待提高", "政策解读的针对性不强。"], ["加强信息发布审核，提高政策解读质量。"],
        id="ru-introduces-the-problems"),
    pytest.param(
        "（一）存在问题\n1、公开意识有待增强；2、公开内容不够全面。\n（二）改进措施\n1、强化培训；2、完善制度。",
        ["公开意识有待增强", "公开内容不够全面。"], ["强化培训", "完善制度。"], id="numbered-inline"),
    pytest.param("无。", [], [], id="nothing-to-report"),
]


@pytest.mark.parametrize("five, problems, improvements", SPLITS)
def test_section_five_items(five, problems, improvements):
    rec = report(five)
    assert texts(rec.narrative.problems) == problems
    assert texts(rec.narrative.improvements) == improvements
    for item in rec.narrative.problems + rec.narrative.improvements:
        s, e = item.span
        assert clean_item(rec.text[s:e]) == item.text and item.alignment == "exact"


def test_end_anchored_patterns_are_searched_over_their_longest_match():
    """rules searches the patterns that end a lead-in only over their last WIDTH characters: WIDTH must
    be the longest match a pattern can make."""
    try:
        from re import _parser as sre_parse       # Python 3.11+
    except ImportError:
        import sre_parse                          # type: ignore[no-redef]
    from extract.narrative import rules

    for pattern, width in ((rules._LIST_TAIL, rules._LIST_TAIL_WIDTH), (rules._LIST_END, rules._LIST_END_WIDTH)):
        assert sre_parse.parse(pattern.pattern).getwidth()[1] == width, pattern.pattern


def test_no_han_character_is_a_digit():
    """rules counts an item's digits among its characters that are not Han (the table-debris test)."""
    from extract.narrative import rules

    han = "".join(map(chr, range(0x4E00, 0xA000)))
    assert rules._HAN_RUNS.fullmatch(han) and not any(map(str.isdigit, han))


def test_an_item_without_a_character_that_may_be_a_digit_has_no_digits():
    """rules counts no digits in an item that has no character of _MAY_BE_DIGIT: every character the
    class leaves out must be no digit."""
    from extract.narrative import rules

    left_out = [c for c in map(chr, range(0x110000)) if not rules._MAY_BE_DIGIT.match(c)]
    assert len(left_out) > 20000 and not any(map(str.isdigit, left_out))


def test_other_matters_is_section_six_as_written():
    rec = report("无。", six="本年度未收取信息处理费。")
    assert rec.narrative.other_matters == "本年度未收取信息处理费。"
    assert rec.narrative.method == "rules"


CHANNELS = [
    pytest.param("全年在县人民政府门户网站发布信息120条，通过“某某教育”微信公众号推送信息86条。",
                 [("website", "县人民政府门户网站"), ("wechat", "某某教育")], id="site-and-quoted-account"),
    pytest.param("通过“某某发布”政务微博、“某某发布”抖音号、“某某发布”微信视频号同步发布。",
                 [("weibo", "某某发布"), ("short_video", "某某发布"), ("wechat_channels", "某某发布")],
                 id="one-name-three-platforms"),
    pytest.param("在《某某日报》刊登公告3期，在县广播电视台播报政策解读。",
                 [("print", "某某日报"), ("broadcast", "县广播电视台")], id="book-title-marks-and-broadcast"),
    pytest.param("在各村公开栏张贴公示信息，在县政务服务中心电子屏滚动播放。",
                 [("onsite", "公开栏"), ("onsite", "县政务服务中心电子屏")], id="onsite-quantified-and-named"),
    pytest.param("依托市长信箱、12345热线和网上咨询平台回应群众关切，通过政务新媒体发布信息200条。",
                 [("new_media", None)], id="interaction-channels-left-out"),
    pytest.param("对全县28家政府网站进行常态化监测，调整优化县政府网站栏目设置。", [("website", "县政府网站")],
                 id="monitoring-others-sites-is-not-publishing-but-upkeep-of-own-site-is"),
    pytest.param("通过“某某教育”微信公众号发布信息，并通过政务新媒体矩阵同步转载。",
                 [("wechat", "某某教育")], id="new-media-dropped-when-a-platform-is-named"),
    pytest.param("在“信用中国（某某）”网站和国家企业信用信息公示系统公示行政许可信息。",
                 [("website", "信用中国（某某）"), ("other_platform", "国家企业信用信息公示系统")], id="platforms"),
    pytest.param("利用“平安某某”抖音号和快手号发布短视频35条，通过“某某城管”微信公众号、视频号发布信息。",
                 [("short_video", "平安某某"), ("wechat", "某某城管"), ("wechat_channels", "某某城管")],
                 id="one-name-shared-by-coordinated-platforms"),
    pytest.param("通过安阳日报、安阳广播电视台等传统媒体发布政策解读20篇。",
                 [("print", "安阳日报"), ("broadcast", "安阳广播电视台")], id="broadcaster-named-like-a-paper"),
    pytest.param("在区政务服务中心设立政府信息公开查阅点，方便群众查阅。", [("onsite", "政府信息公开查阅点")],
                 id="reading-point"),
    pytest.param("本局门户网站信息公开栏目共发布信息50条，召开新闻发布会3场。",
                 [("website", "本局门户网站"), ("press_conference", "新闻发布会")], id="column-is-not-a-board"),
]


@pytest.mark.parametrize("sentence, expected", CHANNELS)
def test_channels(sentence, expected):
    found = channels_in(sentence, [(0, len(sentence))])
    assert [(c.type, c.name) for c in found] == expected
    for c in found:
        s, e = c.span
        assert c.name is None or c.name in sentence[s:e]


def test_one_entry_per_type_and_name_in_order_of_first_mention():
    text = ("通过“某某教育”微信公众号发布信息。“某某教育”微信公众号推送政策解读20篇。"
            "在县政府门户网站公开信息。县政府门户网站发布通知。")
    found = channels_in(text, [(0, len(text))])
    assert [(c.type, c.name) for c in found] == [("wechat", "某某教育"), ("website", "县政府门户网站")]
    assert found[0].span[0] == text.index("“某某教育”")


def test_channels_come_from_the_narrative_sections_of_a_report():
    rec = report("一是网站更新不及时。", overview="全年在县政府门户网站发布信息100条。",
                 six="本年度通过“某某教育”微信公众号发布信息30条。")
    assert [(c.type, c.name) for c in rec.narrative.channels] == [("website", "县政府门户网站"), ("wechat", "某某教育")]


def test_private_jieba_dictionary_leaves_the_global_one_alone():
    import jieba

    from extract.narrative.nlp import channel_pipeline

    nlp = channel_pipeline()  # adds the channel lexicon to its own jieba instance only
    assert [t.text for t in nlp("在区政府信息公开网站发布")] == ["在", "区政府", "信息公开网站", "发布"]
    jieba.initialize()
    assert jieba.dt.FREQ.get("信息公开网站") is None and jieba.dt.FREQ.get("微信视频号") is None
    assert "信息公开网站" not in jieba.lcut("在区政府信息公开网站发布")


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("00[0-4]_*.txt")), ids=lambda p: p.stem)
def test_real_samples_items_are_their_labels(path):
    """The five real reports: every problem and improvement exactly as labelled."""
    label = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["narrative"]
    rec = extract.parse_file(path)
    assert texts(rec.narrative.problems) == label["problems"]
    assert texts(rec.narrative.improvements) == label["improvements"]
    assert sorted((c.type, c.name or "") for c in rec.narrative.channels) == \
        sorted((c["type"], c["name"] or "") for c in label["channels"])


# -- the tagger cuts only the Han blocks the channel reader reads (channels._read_blocks) --------

_PIECES = ["微信公众号", "公众号", "视频号", "抖音号", "网站", "门户网站", "县政府网站", "电视台", "广播", "日报", "公开栏",
           "新闻发布会", "政务新媒体", "某某发布", "平潭", "县政府", "区", "各乡镇", "全区", "在", "通过", "发布", "官方",
           "政务", "和", "与", "及", "等", "系列", "主题", "活动", "等活动", "宣传活动", "栏目", "节目", "信息", "公示",
           "进社区", "升级改造", "www.a.cn", "12", "“", "”", "《", "》", '"', "（", "）", "(", ")", "、", "，", "。", "；",
           " ", "\n"]


def _both_ways(text: str) -> tuple[list, list]:
    spans = [(0, len(text))]
    read = [(c.type, c.name, c.span) for c in channels_in(text, spans)]
    with mock.patch("extract.narrative.channels._read_blocks", lambda joined: None):    # every block cut
        whole = [(c.type, c.name, c.span) for c in channels_in(text, spans)]
    return read, whole


@pytest.mark.parametrize("text", [
    "通过微信公众号（某某发布）发布信息", "在微信公众号(平潭 发布)公布", "在门户网站（www.a.cn）公布",
    "在微信公众号（的的的的的的的的的的的的的的）发布",     # 14 tokens in brackets: no name (_bracketed reads 12)
    "开展“某某进社区”、“某某下乡”和“法律进万家”等系列活动", "“某某进社区”、、“某某下乡”主题活动",
    "在网站开展“法律进万家”、下乡活动", "在网站开展“法律进万家”和、下乡活动", "“某某进社区”和 宣传活动", "在县电视台《政务直通车》栏目解读政策", "“平安某某”官方抖音号和快手号",
    "在《关于印发〈政府网站管理办法〉的通知》要求下升级改造全区政府网站",
])
def test_channels_are_those_read_with_every_block_cut(text):
    read, whole = _both_ways(text)
    assert read == whole


@pytest.mark.parametrize("path", sorted((SAMPLES.parent).rglob("*.txt")), ids=lambda p: p.stem)
def test_eval_channels_are_those_read_with_every_block_cut(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    read, whole = _both_ways(text)
    assert read == whole


@given(st.lists(st.sampled_from(_PIECES), max_size=40))
@settings(max_examples=400, deadline=None)
def test_made_up_channels_are_those_read_with_every_block_cut(pieces):
    read, whole = _both_ways("".join(pieces))
    assert read == whole
