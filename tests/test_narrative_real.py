"""Narrative shapes seen on real crawled reports (issue 10), each written here in our own words.

One parametrised row per shape. The section-五 cases go through ``extract.parse_text`` on a small
report; the channel cases through ``channels_in`` over a paragraph of section 一. Every item's span
must give the item back.
"""

from __future__ import annotations

import pytest

import extract
from extract.narrative.channels import channels_in
from extract.narrative.grounding import clean_item

HEAD = ("某某区文化和旅游局2024年政府信息公开工作年度报告\n一、总体情况\n{overview}\n"
        "二、主动公开政府信息情况\n规章\t0\t0\t0\n三、收到和处理政府信息公开申请情况\n"
        "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n{five}\n"
        "六、其他需要报告的事项\n无。\n")


def report(five: str, overview: str = "略。"):
    return extract.parse_text(HEAD.format(overview=overview, five=five), narrative="rules")


FIVE = [
    pytest.param(
        "本年度工作有序推进，但还有需要改进之处，表现在：一是部分栏目内容更新偏慢；二是解读材料形式较为单一。\n"
        "下一步，我局将重点做好两方面工作：一是建立栏目巡查机制；二是制作图解和短视频解读。",
        ["部分栏目内容更新偏慢", "解读材料形式较为单一。"],
        ["建立栏目巡查机制", "制作图解和短视频解读。"],
        id="needs-improving-lead-in-is-problems"),
    pytest.param(
        "（一）上年度存在问题的改进情况\n针对上年度依申请答复不够规范的问题，制定了答复文书范本。\n"
        "（二）存在的主要问题\n一是公开目录编制不够细。二是基层公开点利用率不高。\n"
        "（三）下一步工作计划\n一是细化公开目录。二是盘活基层公开点。",
        ["公开目录编制不够细。", "基层公开点利用率不高。"],
        ["针对上年度依申请答复不够规范的问题，制定了答复文书范本。", "细化公开目录。", "盘活基层公开点。"],
        id="sub-heading-improvement-of-last-years-problems"),
    pytest.param(
        "本年度工作取得一定进展，但仍有不足，如文件解读发布不够同步、意见征集反馈尚需加强等。"
        "针对存在问题，下一步将重点做好以下工作：一是解读与文件同步发布；二是及时公布意见采纳情况。",
        ["文件解读发布不够同步", "意见征集反馈尚需加强等。"],
        ["解读与文件同步发布", "及时公布意见采纳情况。"],
        id="problem-list-before-a-measure-list"),
    pytest.param(
        "存在的不足主要是：信息发布不够及时，解读材料质量不高，公开目录更新滞后。",
        ["信息发布不够及时", "解读材料质量不高", "公开目录更新滞后。"], [],
        id="zhuyao-shi-comma-clauses-each-a-deficiency"),
    pytest.param(
        "对照群众期待还有差距，主要存在办事指南要素不够完整、历史信息归档不够及时等问题。",
        ["办事指南要素不够完整", "历史信息归档不够及时等问题。"], [],
        id="zhuyao-cunzai-dun-clauses"),
    pytest.param(
        "本年度还存在一些困难，如，信息员由兼职人员担任，业务能力有待提高。",
        ["信息员由兼职人员担任，业务能力有待提高。"], [],
        id="ru-list-kept-whole-when-a-clause-states-no-deficiency"),
    pytest.param(
        "本年度已对上年度解读不足的问题进行了整改，解读材料同步上网。但在工作中仍发现一些问题，例如：公开栏更新较慢，"
        "依申请答复质量有待提高。",
        ["公开栏更新较慢", "依申请答复质量有待提高。"], [],
        id="list-after-a-preamble-sentence"),
    pytest.param(
        "（二）改进措施\n重点采取如下整改措施。加强审核把关；完善考核机制。",
        [], ["加强审核把关", "完善考核机制。"],
        id="announcement-sentence-is-not-an-item"),
    pytest.param(
        "（一）存在问题\n信息公开工作力量较弱。\n（二）改进措施\n下一步，我局将从以下几个方面加以改进；加强人员培训；完善工作制度。",
        ["信息公开工作力量较弱。"], ["加强人员培训", "完善工作制度。"],
        id="lead-in-ending-in-semicolon-is-not-an-item"),
    pytest.param(
        "（一）存在问题\n信息公开工作力量较弱。\n（二）改进情况\n一是建立信息发布台账。二是开展政策解读培训。目前，上述工作正在推进中。",
        ["信息公开工作力量较弱。"], ["建立信息发布台账。", "开展政策解读培训。"],
        id="progress-remark-is-not-an-item"),
    pytest.param(
        "（一）存在问题\n信息公开工作力量较弱。\n（二）改进措施\n2025年，我局将聚焦薄弱环节，补短板、强弱项，重点抓好三项工作："
        "一是充实工作力量；二是加强业务培训；三是完善考核办法。",
        ["信息公开工作力量较弱。"], ["充实工作力量", "加强业务培训", "完善考核办法。"],
        id="measure-lead-in-naming-weak-points-stays-measures"),
    pytest.param(
        "本年度政务公开工作存在一些薄弱环节。如工作人员业务能力有待提高、公开内容还有待规范等。"
        "下阶段，我局将健全审核机制；拓宽公开渠道。",
        ["工作人员业务能力有待提高", "公开内容还有待规范等。"], ["健全审核机制", "拓宽公开渠道。"],
        id="ru-sentence-after-weak-points-and-next-stage"),
    pytest.param(
        "存在的不足：一是信息公开宣传不够；二是查阅点利用率不高。为此，我们将从以下两个方面加以改进：（一）加强宣传。"
        "（二）盘活查阅点。",
        ["信息公开宣传不够", "查阅点利用率不高。"], ["加强宣传。", "盘活查阅点。"],
        id="sentence-announcing-measures-ends-the-problem-list"),
    pytest.param(
        "本年度工作取得一定成效，但还存在公开意识不强、解读质量有待提高等问题。",
        ["公开意识不强", "解读质量有待提高等问题。"], [], id="hai-cunzai-list"),
    pytest.param(
        "信息公开宣传不够。\n附表：主动公开信息数条120356其中：1.网站公开条11203422.政府公报公开条07",
        ["信息公开宣传不够。"], [], id="statistics-table-run-into-the-section-is-not-an-item"),
]


@pytest.mark.parametrize("five, problems, improvements", FIVE)
def test_section_five_shapes(five, problems, improvements):
    rec = report(five)
    assert [i.text for i in rec.narrative.problems] == problems
    assert [i.text for i in rec.narrative.improvements] == improvements
    for item in rec.narrative.problems + rec.narrative.improvements:
        s, e = item.span
        assert clean_item(rec.text[s:e]) == item.text


CHANNELS = [
    pytest.param("持续加强门户网站及政务新媒体日常管理，做好内容保障。",
                 [("website", "门户网站"), ("new_media", None)], id="upkeep-of-own-media-is-a-channel"),
    pytest.param("本年报全文可在青山县人民政府网站下载。", [("website", "青山县人民政府网站")],
                 id="report-downloadable-from-a-site"),
    pytest.param("“青山文旅”公众号全年编发文章312篇。", [("wechat", "青山文旅")], id="account-wrote-articles"),
    pytest.param("依托清河市政府采购网建成采购信息发布平台。", [("other_platform", "清河市政府采购网")],
                 id="platform-built-on-a-procurement-site"),
    pytest.param("对全区政府网站开展常态化监测并发布通报4期。", [], id="monitored-sites-are-not-channels"),
    pytest.param("按照《青山县政府网站与政务新媒体管理办法》要求发布信息。", [], id="document-title-is-not-a-channel"),
    pytest.param("在《青山时报》刊发解读文章6篇。", [("print", "青山时报")], id="a-times-newspaper"),
    pytest.param("召开新闻通气会4次，介绍重点工作进展。", [("press_conference", "新闻通气会")], id="press-briefing"),
    pytest.param("在县文旅局官网公开项目信息。", [("website", "县文旅局官网")], id="an-official-site-called-guanwang"),
    pytest.param("出让结果在“青山土地网”同步公布。", [("website", "青山土地网")], id="quoted-site-ending-in-wang"),
    pytest.param("办事指南在清河省政务服务平台统一公开。", [("other_platform", "清河省政务服务平台")],
                 id="government-services-platform"),
    pytest.param("依托新媒体推送政策解读40条。", [("new_media", None)], id="bare-new-media"),
    pytest.param("在各村设立政务公开服务点，张贴惠民政策。", [("onsite", "政务公开服务点")], id="disclosure-service-point"),
    pytest.param("在青山电视台《政务直通车》栏目播出访谈12期。", [("broadcast", "政务直通车")], id="tv-programme"),
    pytest.param("通过电视广播播报防汛信息。", [("broadcast", "电视")], id="compound-tv-and-radio"),
    pytest.param("在青山区人民政府门户网站发布信息356条，并通过政府网站发布通知公告28条。",
                 [("website", "青山区人民政府门户网站")], id="generic-site-after-named-one-is-the-same"),
    pytest.param("通过青山发布微信公众号推送信息85条。", [("wechat", "青山发布")], id="unquoted-account-name"),
    pytest.param("通过政务新媒体发布信息200条，在县政府网站公开通知公告。",
                 [("new_media", None), ("website", "县政府网站")], id="unnamed-new-media-kept"),
    pytest.param("充分利用政务公开栏张贴公告，充分发挥微信公众号作用推送信息。", [("onsite", "政务公开栏"), ("wechat", None)],
                 id="verbs-jieba-tags-as-nouns-are-not-names"),
    pytest.param("发布时间：2025-01-20 分享到： 微信 微博 QQ空间 打印本页", [], id="share-buttons-are-chrome"),
]


@pytest.mark.parametrize("paragraph, expected", CHANNELS)
def test_channel_shapes(paragraph, expected):
    found = channels_in(paragraph, [(0, len(paragraph))])
    assert [(c.type, c.name) for c in found] == expected
    for c in found:
        s, e = c.span
        assert 0 <= s < e <= len(paragraph)


def test_a_site_name_broken_by_a_line_wrap():
    text = ("本年度，我局严格落实政务公开各项要求，全年在青山县人民政\n"
            "府网站发布各类政府信息356条，其中政策文件12件。")
    found = channels_in(text, [(0, len(text))])
    assert [(c.type, c.name) for c in found] == [("website", "青山县人民政府网站")]
    s, e = found[0].span
    assert text[s:e] == "青山县人民政\n府网站"


def test_a_plan_in_section_five_is_not_a_channel():
    rec = report("（一）存在问题\n解读形式单一。\n（二）改进措施\n今后将通过新闻发布会及时发布重大政策。",
                 overview="全年在青山县人民政府网站发布信息100条。")
    assert [(c.type, c.name) for c in rec.narrative.channels] == [("website", "青山县人民政府网站")]
    assert [i.text for i in rec.narrative.improvements] == ["通过新闻发布会及时发布重大政策。"]


ONE_LINE = ("标题: 青山县教育局2024年政府信息公开工作年度报告\n发布机构: 县教育局\n"
            "本报告电子版可在青山县人民政府网站查阅。如有疑问请来电。 一、总体情况 2024年，我局在“青山教育”微信公众号"
            "发布信息86条。 二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
            "规章 0 0 0 三、收到和处理政府信息公开申请情况 本年新收政府信息公开申请数量 3 0 0 0 0 0 3 "
            "四、政府信息公开行政复议、行政诉讼情况 结果维持 结果纠正 其他结果 尚未审结 总计 0 0 0 0 0 "
            "五、存在的主要问题及改进情况（一）存在问题。解读形式较为单一。（二）改进措施。一是丰富解读形式；二是加强培训。"
            "六、其他需要报告的事项 无。")


def test_one_line_web_report_gives_items_channels_and_a_model_excerpt():
    from extract.narrative.prompting import narrative_excerpt
    from extract.types import Document

    rec = extract.parse_text(ONE_LINE, narrative="rules")
    assert [i.text for i in rec.narrative.problems] == ["解读形式较为单一。"]
    assert [i.text for i in rec.narrative.improvements] == ["丰富解读形式", "加强培训。"]
    assert [(c.type, c.name) for c in rec.narrative.channels] == [("website", "青山县人民政府网站"),
                                                                  ("wechat", "青山教育")]
    ex = narrative_excerpt(Document(text=rec.text, blocks=(), format="text"), rec.sections)
    assert "【报告开头（提到公开渠道的句子）】\n本报告电子版可在青山县人民政府网站查阅。" in ex.text
    assert "【五、存在的主要问题及改进情况】" in ex.text and "一是丰富解读形式；二是加强培训。" in ex.text
    assert "本年制发件数" not in ex.text and "本年新收" not in ex.text
    for p in ex.pieces:
        s, e = p.span
        assert ex.text[p.offset:p.offset + (e - s)] == rec.text[s:e]


def test_a_lone_surrogate_in_a_channel_clause_does_not_stop_the_narrative():
    text = "全年在青山县人民政府网站\ud800发布信息。"
    found = channels_in(text, [(0, len(text))])
    assert [(c.type, c.name) for c in found] == [("website", "青山县人民政府网站")]


def test_a_channel_word_broken_by_a_line_wrap_and_share_buttons_after_a_colon():
    text = ("本年度，我局严格落实公开要求，在县政务服务中心电\n子屏滚动公示征地补偿标准，全年共公示信息86条。\n"
            "分享到：微信 微博 相关链接")
    found = channels_in(text, [(0, len(text))])
    assert [(c.type, c.name) for c in found] == [("onsite", "县政务服务中心电子屏")]
    s, e = found[0].span
    assert text[s:e] == "县政务服务中心电\n子屏"


def test_a_running_page_header_inside_section_five_is_not_an_item():
    rec = report("（一）存在问题\n解读形式单一。\n青山县教育局政府信息公开工作年度报告\n（二）改进措施\n丰富解读形式。")
    assert [i.text for i in rec.narrative.problems] == ["解读形式单一。"]
    assert [i.text for i in rec.narrative.improvements] == ["丰富解读形式。"]
