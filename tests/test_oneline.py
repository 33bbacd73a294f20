"""Reports as a web crawler saves them: header fields, a separator, then the whole body on one line.

The fixtures here are written from a description of that shape (headings mid-line, each table row its
label followed directly by its digits, the next row's number glued on, stray spaces inside a row's
digits), not copied from one file; the real crawled reports in eval/realdev are checked at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import extract
from extract.checks import check_tables

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT / "eval" / "realdev"
TABLES = ("active_disclosure", "applications", "review_litigation")

_APP_LABELS = (
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（三）不予公开1.属于国家秘密",
    "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息",
    "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项", "（四）无法提供1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确", "（五）不予处理1.信访举报投诉类申请", "2.重复申请",
    "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计",
    "四、结转下年度继续办理",
)
# A small, consistent table: 12 new (10 people, 2 firms), 1 carried over; 7 disclosed, 3 partly,
# 2 not held (12 processed); 1 carried forward.
_ROWS = {0: (10, 2, 0, 0, 0, 0, 12), 1: (1, 0, 0, 0, 0, 0, 1), 2: (6, 1, 0, 0, 0, 0, 7),
         3: (2, 1, 0, 0, 0, 0, 3), 12: (2, 0, 0, 0, 0, 0, 2), 23: (10, 2, 0, 0, 0, 0, 12),
         24: (1, 0, 0, 0, 0, 0, 1)}


def _digits(values, spaced: bool) -> str:
    if not spaced:
        return "".join(map(str, values))
    # a crawler drops some of the spaces between cells, never adds one inside a cell
    out = ""
    for i, v in enumerate(values):
        out += str(v) + (" " if i % 3 == 0 and i < len(values) - 1 else "")
    return out


def _report(*, spaced=False, agency="某某市某某区交通运输局", year=2024, active=None, review=None,
            problems="（一）存在的主要问题一是公开内容不够全面；二是解读形式较为单一。（二）改进措施一是完善公开目录。二是丰富解读形式。") -> str:
    apps = "".join(label + _digits(_ROWS.get(i, (0,) * 7), spaced) for i, label in enumerate(_APP_LABELS))
    active = active or ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件102"
                        "第二十条第（五）项信息内容本年处理决定数量行政许可15第二十条第（六）项信息内容本年处理决定数量"
                        "行政处罚3行政强制0第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费0")
    review = review or "0" * 15
    body = (f"当前位置：首页 > 政务公开 > 年报 微信 微博 QQ空间 本报告根据条例编制。一、总体情况 {year}年，我局扎实推进政务公开。"
            f"二、主动公开政府信息情况{active}"
            f"三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
            f"申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他{apps}"
            f"四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉"
            f"复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计{review}"
            f"五、存在的主要问题及改进情况{problems}六、其他需要报告的事项无。 {agency} {year + 1}年1月20日 附件下载")
    return (f"标题: {agency}{year}年政府信息公开工作年度报告\n发布时间: {year + 1}-01-21 10:00\n"
            f"原文链接: https://example.invalid/a.htm\n==================== 正文 ====================\n{body}\n")


def _parse(text: str):
    return extract.parse_text(text, id="t", narrative="rules")


def _apps(rec, key):
    return tuple(rec.value("applications")[key].values())


def test_one_line_report_reads_every_section_and_table():
    rec = _parse(_report())
    assert rec.status == "ok" and not rec.sections.missing
    # every section by its own heading (cut out of the one line), none by a fallback
    assert [s.heading for s in rec.sections.found] == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert all(rec.text[s.heading_span[0]:s.heading_span[1]] == s.heading for s in rec.sections.found)
    assert rec.meta.agency == "某某市某某区交通运输局" and rec.meta.year == 2024 and rec.meta.template == "2021"
    assert rec.meta.published_on == "2025-01-20"          # the report's own date, not the crawler's
    for i, key in ((0, "new_received"), (2, "disclosed"), (23, "total_processed"), (24, "carried_forward")):
        assert _apps(rec, key) == _ROWS[i]
    assert rec.value("active_disclosure")["normative_documents"] == {"issued": 1, "repealed": 0, "in_force": 2}
    assert rec.value("active_disclosure")["licensing_decisions"] == 15
    assert not check_tables(rec.tables, rec.meta)
    assert not [f for f in rec.findings if f.severity == "error"]
    for key, (s, e) in rec.spans.items():               # every value is tied to its own digits
        v = rec.value(key.split(".")[0])
        for part in key.split(".")[1:]:
            v = v[part]
        assert rec.text[s:e].lstrip("-") == str(abs(v)) or float(rec.text[s:e]) == v, key


@pytest.mark.parametrize("shape", [
    "glued row number: the 0 of 本机关不掌握's 总计 runs into the next row's 2.",
    "stray spaces: some cells separated by a space, some not",
])
def test_row_shapes(shape):
    rec = _parse(_report(spaced="stray" in shape))
    assert _apps(rec, "unavailable_not_held") == _ROWS[12]
    assert _apps(rec, "unavailable_needs_creation") == (0,) * 7
    assert not [f for f in rec.findings if f.severity == "error"]


def test_review_digits_with_stray_spaces_split_by_each_groups_total():
    # 行政复议 1 upheld + 1 pending = 2; litigation none: "10 0 1 200 0 0 0 0 0 0 00" as a crawler saves it
    rec = _parse(_report(review="10 0 1 200 0 0 0 0 0 0 00"))
    rl = rec.value("review_litigation")
    assert rl["administrative_review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
    assert rl["litigation_direct"]["total"] == 0


def test_section_two_row_with_several_splits_is_null_with_an_error_listing_them():
    active = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件3512"
              "第二十条第（五）项信息内容本年处理决定数量行政许可15")
    rec = _parse(_report(active=active))
    assert rec.value("active_disclosure")["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    (f,) = [f for f in rec.findings if f.check == "active_disclosure.unseparated_cells" and f.severity == "error"]
    assert "readings" in f.message and "3/5/12" in f.message


def test_2019_signed_changes_keep_only_the_cells_every_reading_agrees_on():
    active = ("第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000规范性文件335"
              "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可64-530其他对外管理服务事项000"
              "第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量行政处罚12-39行政强制000"
              "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费7-7"
              "第二十条第（九）项信息内容采购项目数量采购总金额（元）政府集中采购3 1250000.00元")
    rec = _parse(_report(active=active, year=2020))
    ad = rec.value("active_disclosure")
    assert rec.meta.template == "2019"
    assert ad["fees"] == {"items_last_year": 7, "change": -7}                # one reading only
    assert ad["punishment"] == {"items_last_year": 12, "change": -3, "decisions": 9}
    # 64/-5/30 or 64/-53/0: only 上一年项目数量 is certain
    assert ad["licensing"] == {"items_last_year": 64, "change": None, "decisions": None}
    assert ad["procurement"] == {"items": 3, "amount_wan_yuan": 125.0}        # 元 → 万元
    assert any(f.check == "active_disclosure.unit_converted" for f in rec.findings)


def test_a_table_broken_in_the_source_is_read_as_published_with_errors():
    rows = dict(_ROWS)
    _ROWS[3] = (2, 1, 0, 0, 0, 0, 2)          # 部分公开: 2 + 1 against 总计 2 (one split only)
    try:
        rec = _parse(_report())
    finally:
        _ROWS.clear()
        _ROWS.update(rows)
    assert _apps(rec, "partially_disclosed") == (2, 1, 0, 0, 0, 0, 2)
    assert any(f.severity == "error" and f.table == "applications" for f in rec.findings)


@pytest.mark.parametrize("typo,row", [("其它法律行政法规禁止公开", "withheld_prohibited_by_law"),
                                      ("属于三类内部事物信息", "withheld_internal_affairs"),
                                      ("属于行政执法案件", "withheld_enforcement_files")])
def test_label_typos_still_find_their_row(typo, row):
    text = _report()
    original = {"withheld_prohibited_by_law": "其他法律行政法规禁止公开", "withheld_internal_affairs": "属于三类内部事务信息",
                "withheld_enforcement_files": "属于行政执法案卷"}[row]
    rec = _parse(text.replace(original, typo))
    assert _apps(rec, row) == (0,) * 7
    assert "applications.row_missing" not in {f.check for f in rec.findings}


def test_normal_layout_is_left_alone():
    from extract.relayout import relayout
    doc = extract.ingest.from_text((ROOT / "eval" / "samples" / "002_jiaozuo_szfb_2025.txt").read_text(encoding="utf-8"))
    assert relayout(doc) is doc


# -- the real crawled reports ----------------------------------------------------

LABELLED = sorted(REALDEV.glob("labelled/*.txt"))
ALL = sorted(REALDEV.glob("*/*.txt"))


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.stem)
def test_realdev_labelled_cells_and_meta_exact(path):
    label = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    rec = extract.parse_file(path, narrative=None)
    for k in ("agency", "year", "template", "published_on"):
        assert rec.to_dict()["meta"][k] == label["meta"][k], k
    flagged = {a["table"] for a in label["source_anomalies"] if a["flag"]}
    for t in TABLES:
        assert rec.value(t) == label[t], t
        alarms = [f for f in rec.findings if f.table == t and f.severity in ("error", "warning")]
        if t in flagged:
            assert alarms, f"{t} is flagged in the label but has no finding"
        else:
            assert not [f for f in alarms if f.severity == "error"], [f.message for f in alarms]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_realdev_every_table_read_or_explained(path):
    rec = extract.parse_file(path, narrative=None)
    checks = {f.check for f in rec.findings}
    assert "report.truncated" not in checks
    assert not [f for f in rec.findings if f.check.endswith(".missing") and f.severity == "error"]
    if rec.meta.template == "legacy":
        return
    failed = check_tables(rec.tables, rec.meta)
    for t in TABLES:
        values = rec.value(t)
        assert values is not None, t
        explained = [f for f in rec.findings if f.table == t and f.severity in ("error", "warning")]
        if any(f.table == t for f in failed) or _has_null(values):
            assert explained, f"{t}: null cells or a failed identity without a finding"


def _has_null(v) -> bool:
    if isinstance(v, dict):
        return any(_has_null(x) for x in v.values())
    return v is None
