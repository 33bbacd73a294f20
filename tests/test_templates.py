"""The 2019 template and legacy reports: detected from the tables' own labels, never forced into 2021."""

from __future__ import annotations

from pathlib import Path

import pytest

import extract

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"

SECTION_2_2019 = """第二十条第（一）项\t\t\t
信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
规章\t0\t0\t3
规范性文件\t7\t7\t176
第二十条第（五）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政许可\t12\t-2\t340
其他对外管理服务事项\t5\t+1\t20
第二十条第（六）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t处理决定数量
行政处罚\t30\t0\t1,024
行政强制\t3\t—\t8
第二十条第（八）项\t\t\t
信息内容\t上一年项目数量\t本年增/减\t
行政事业性收费\t2\t0\t
第二十条第（九）项\t\t\t
信息内容\t采购项目数量\t采购总金额（元）\t
政府集中采购\t4\t1234500\t

"""


def report_2019() -> str:
    t = (SAMPLES / "002_jiaozuo_szfb_2025.txt").read_text(encoding="utf-8")
    a, b = t.index("第二十条第（一）项"), t.index("### 三、")
    t = t[:a] + SECTION_2_2019 + t[b:]
    t = t.replace("2025 年政府信息公开工作年度报告", "2020 年政府信息公开工作年度报告")
    rows = t[t.index("\t(六) 其他处理"):t.index("(七) 总计")]
    return t.replace(rows, "\t(六) 其他处理\t16\t0\t0\t0\t0\t0\t16\n")


def test_2019_template_detected_and_read_by_its_own_keys():
    rec = extract.parse_text(report_2019(), narrative=None)
    assert rec.meta.template == "2019" and rec.meta.year == 2020
    ad = rec.value("active_disclosure")
    assert list(ad) == ["regulations", "normative_documents", "licensing", "other_external_services",
                        "punishment", "coercion", "fees", "procurement"]
    assert ad["regulations"] == {"new_made": 0, "new_published": 0, "total_published": 3}
    assert ad["licensing"] == {"items_last_year": 12, "change": -2, "decisions": 340}
    assert ad["other_external_services"]["change"] == 1
    assert ad["punishment"]["decisions"] == 1024
    assert ad["coercion"]["change"] is None          # — is null, never 0
    assert ad["fees"] == {"items_last_year": 2, "change": 0}
    assert ad["procurement"] == {"items": 4, "amount_wan_yuan": pytest.approx(123.45)}  # 元 → 万元


def test_2019_single_other_row_and_its_identities():
    rec = extract.parse_text(report_2019(), narrative=None)
    apps = rec.value("applications")
    assert apps["other_handled"]["total"] == 16
    for k in ("other_no_correction", "other_unpaid_fee", "other_other"):
        assert all(v is None for v in apps[k].values())
    # 231 = the outcome rows with other_handled in place of the three sub-rows
    assert not [f for f in rec.findings if f.table == "applications" and f.severity in ("error", "warning")]


def test_2019_identity_counts_the_single_other_row():
    t = report_2019().replace("\t(六) 其他处理\t16\t0\t0\t0\t0\t0\t16", "\t(六) 其他处理\t15\t0\t0\t0\t0\t0\t15")
    rec = extract.parse_text(t, narrative=None)
    assert any(f.check == "applications.outcomes_sum" and f.severity == "error" for f in rec.findings)


def test_the_three_2021_subrows_mean_no_other_handled_key():
    rec = extract.parse_file(SAMPLES / "002_jiaozuo_szfb_2025.txt", narrative=None)
    assert "other_handled" not in rec.value("applications")


LEGACY = """某某县人民政府2016年政府信息公开工作年度报告

一、概述
2016年，我县认真贯彻《中华人民共和国政府信息公开条例》，通过县政府门户网站和政务微博主动公开信息。

二、主动公开政府信息情况
全年主动公开政府信息1234条，其中规范性文件12件。

三、依申请公开政府信息情况
全年共受理政府信息公开申请15件，均按时答复。

四、政府信息公开的收费及减免情况
未收取任何费用。

五、因政府信息公开申请行政复议、提起行政诉讼的情况
全年未发生因政府信息公开引起的行政复议和行政诉讼。

六、政府信息公开工作存在的主要问题及改进情况
主要问题：一是公开内容不够全面；二是更新不够及时。下一步，我们将加强培训，完善制度。

七、其他需要报告的事项
无。
"""


def test_legacy_report_is_recognised_and_its_tables_left_null():
    rec = extract.parse_text(LEGACY, narrative=None)
    assert rec.meta.template == "legacy" and rec.meta.year == 2016
    assert rec.status == "ok"
    for t in ("active_disclosure", "applications", "review_litigation"):
        assert rec.value(t) is None
    legacy = [f for f in rec.findings if f.check == "template.legacy"]
    assert len(legacy) == 1 and legacy[0].severity == "info"
    assert not [f for f in rec.findings if f.severity == "error"]
    keys = [s.key for s in rec.sections.found]
    assert "problems" in keys and "other_matters" in keys
    # found by their (legacy-numbered) headings, not by a fallback
    assert rec.sections.get("problems").heading == "六、政府信息公开工作存在的主要问题及改进情况"
    assert rec.sections.get("other_matters").heading == "七、其他需要报告的事项"
