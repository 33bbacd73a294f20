"""The template tables, read by label: the real samples cell for cell, and every layout quirk."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import extract
from extract.tables.identities import all_hold, application_identities, review_identities
from extract.tables.solve import DERIVE, Irregular, count_readings, run_readings, solve

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"
REAL = ["000_shanyang_cgj_2025", "001_wenfeng_cgj_2024", "002_jiaozuo_szfb_2025",
        "003_shanyang_qzf_2023", "004_huzhu_cgzf_2025"]
TABLES = ("active_disclosure", "applications", "review_litigation")


def text_of(stem: str) -> str:
    return (SAMPLES / f"{stem}.txt").read_text(encoding="utf-8")


def label_of(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


def parse(text: str, **kw):
    return extract.parse_text(text, narrative=None, **kw)


def serious(rec, table: str | None = None):
    return [f for f in rec.findings if f.severity in ("error", "warning") and (table is None or f.table == table)]


# -- the real samples ---------------------------------------------------------

@pytest.mark.parametrize("stem", REAL)
def test_sample_tables_equal_label(stem):
    rec = extract.parse_file(SAMPLES / f"{stem}.txt", narrative=None)
    label = label_of(stem)
    for t in TABLES:
        assert rec.value(t) == label[t], t
    assert rec.meta.year == label["meta"]["year"]
    assert rec.meta.template == label["meta"]["template"]
    assert rec.meta.published_on == label["meta"]["published_on"]
    assert rec.meta.agency in [label["meta"]["agency"], *label["meta"]["agency_aliases"]]


@pytest.mark.parametrize("stem", REAL)
def test_findings_only_on_anomalous_tables(stem):
    rec = extract.parse_file(SAMPLES / f"{stem}.txt", narrative=None)
    flagged = {a["table"] for a in label_of(stem)["source_anomalies"] if a["flag"]}
    for t in TABLES:
        hits = serious(rec, t)
        if t in flagged:
            assert hits, f"no error/warning finding on {t}"
        else:
            assert not hits, [f.message for f in hits]


@pytest.mark.parametrize("stem", REAL)
def test_every_span_gives_its_value_back(stem):
    rec = extract.parse_file(SAMPLES / f"{stem}.txt", narrative=None)
    flat = {}
    for t in TABLES:
        for row, v in rec.value(t).items():
            if isinstance(v, dict):
                for c, x in v.items():
                    flat[f"{t}.{row}.{c}"] = x
            else:
                flat[f"{t}.{row}"] = v
    assert rec.spans, "no spans"
    for key, (s, e) in rec.spans.items():
        printed = rec.text[s:e].replace(",", "")
        assert float(printed) == float(flat[key]), key


def test_sample_000_derives_the_missing_cells_and_says_which_rows():
    rec = extract.parse_file(SAMPLES / "000_shanyang_cgj_2025.txt", narrative=None)
    irregular = [f for f in rec.findings if f.check == "applications.irregular_row"]
    assert len(irregular) == 4 and all(f.severity == "warning" for f in irregular)
    assert any("保护第三方合法权益" in f.message for f in irregular)
    # the derived cells have no span: they are not in the source
    assert "applications.withheld_third_party_rights.total" not in rec.spans or \
        "applications.withheld_third_party_rights.natural_person" not in rec.spans
    assert rec.value("applications")["new_received"]["other_org"] is None


def test_sample_003_extra_column_resolved_by_group_totals():
    rec = extract.parse_file(SAMPLES / "003_shanyang_qzf_2023.txt", narrative=None)
    (f,) = serious(rec, "review_litigation")
    assert f.severity == "warning" and "16 values for 15 columns" in f.message
    assert rec.value("review_litigation")["litigation_after_review"] == {
        "upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}


# -- layout variants of a sound report ----------------------------------------

BASE = "002_jiaozuo_szfb_2025"


def base_values():
    lab = label_of(BASE)
    return {t: lab[t] for t in TABLES}


def values(rec):
    return {t: rec.value(t) for t in TABLES}


@pytest.mark.parametrize("transform", [
    pytest.param(lambda s: s.replace("\t", " "), id="spaces-not-tabs"),
    pytest.param(lambda s: s.replace("\t", "    "), id="runs-of-spaces"),
    pytest.param(lambda s: re.sub(r"^#+ ", "", s, flags=re.M), id="no-markdown"),
    pytest.param(lambda s: s.replace("1.属于国家秘密", "（1）属于国家秘密").replace("2.其他法律", "2、其他法律"),
                 id="numbering-variants"),
    pytest.param(lambda s: s.replace("本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量".translate(
        str.maketrans("一二", "一二"))).replace("(一) 予以公开", "（一）予以公开"), id="full-width-brackets"),
    pytest.param(lambda s: s.replace("三、本年度办理结果", "三、本 年 度 办 理 结 果"), id="spaced-labels"),
    pytest.param(lambda s: s.replace("### 三、收到和处理政府信息公开申请情况\n", ""), id="heading-3-missing"),
    pytest.param(lambda s: s.replace("## 二、主动公开政府信息情况\n", ""), id="heading-2-missing"),
    pytest.param(lambda s: s.replace("\t\t3.危及“三安全一稳定”", "\t\t- 4 -\n\t\t3.危及“三安全一稳定”"), id="page-number"),
    pytest.param(lambda s: s.replace("\t\t5.属于三类内部事务信息",
                                     "\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n\t\t5.属于三类内部事务信息"),
                 id="repeated-header"),
    pytest.param(lambda s: s.replace("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t12",
                                     "1.申请人无正当理由逾期不补正、行政机关\n\t\t不再处理其政府信息公开申请\t12"),
                 id="wrapped-label-numbers-on-second-line"),
    pytest.param(lambda s: s.replace("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0",
                                     "2.申请人逾期未按收费通知要求缴纳费用、\t0").replace(
        "3.其他\t\t4", "行政机关不再处理其政府信息公开申请\n3.其他\t\t4"), id="wrapped-label-numbers-on-first-line"),
    pytest.param(lambda s: s.replace("本年废止件数", "本年度止件数"), id="typo-in-header"),
    pytest.param(lambda s: s.replace("\r\n", "\n").replace("\n", "\r\n"), id="crlf"),
])
def test_layout_variants_read_the_same(transform):
    rec = parse(transform(text_of(BASE)))
    assert values(rec) == base_values()
    assert not serious(rec), [f.message for f in serious(rec)]


# Each heading is replaced by a variant real reports use. Its section must be found *by that
# heading*: 五 is also found without one (the first line after 四 that speaks of problems), so a test
# that only looked for the section, or at the tables, would pass with the heading unrecognised.
HEADING_VARIANTS = [
    pytest.param("#### 五、存在的主要问题及改进情况", "五 、 存 在 的 主 要 问 题 及 改 进 情 况", "problems",
                 id="spaced-heading"),
    pytest.param("#### 六、其他需要报告的事项", "七、其他需要报告的事项", "other_matters", id="misnumbered"),
    pytest.param("#### 四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
                 "review_litigation", id="long-heading-4"),
    pytest.param("#### 五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况", "problems",
                 id="long-heading-5"),
    pytest.param("#### 五、存在的主要问题及改进情况", "五、存在问题及改进情况", "problems", id="short-heading-5"),
]


@pytest.mark.parametrize("old, new, key", HEADING_VARIANTS)
def test_heading_variants_are_recognised_as_headings(old, new, key):
    text = text_of(BASE)
    assert text.count(old) == 1
    rec = parse(text.replace(old, new))
    assert values(rec) == base_values()
    assert not serious(rec), [f.message for f in serious(rec)]
    assert [s.key for s in rec.sections.found] == [
        "overview", "active_disclosure", "applications", "review_litigation", "problems", "other_matters"]
    section = rec.sections.get(key)
    assert section.heading == new
    s, e = section.heading_span
    assert rec.text[s:e] == new and section.span[0] > e      # the body starts after the heading


def test_an_unrecognised_heading_leaves_the_section_without_one():
    """The control for the test above: 五 under a heading no pattern knows is still found (from its
    content), but with no heading — which is what that test tells apart."""
    rec = parse(text_of(BASE).replace("#### 五、存在的主要问题及改进情况", "五、下一步工作打算"))
    five = rec.sections.get("problems")
    assert five is not None and five.heading is None and five.heading_span is None


def test_sections_found_under_variants():
    text = text_of(BASE).replace("#### 六、其他需要报告的事项", "七、其他需要报告的事项")
    rec = parse(text)
    assert [s.key for s in rec.sections.found] == [
        "overview", "active_disclosure", "applications", "review_litigation", "problems", "other_matters"]
    six = rec.sections.get("other_matters")
    assert six.heading == "七、其他需要报告的事项"
    assert rec.text[six.span[0]:six.span[1]].strip() == "2025年度无行政事业性收费。"


def test_sample_000_subheadings_inside_section_one_are_not_sections():
    rec = extract.parse_file(SAMPLES / "000_shanyang_cgj_2025.txt", narrative=None)
    two = rec.sections.get("active_disclosure")
    assert two.heading == "二、主动公开政府信息情况"
    ov = rec.sections.get("overview")
    assert "公开渠道建设和利用情况" in rec.text[ov.span[0]:ov.span[1]]


def test_closing_signature_is_not_part_of_section_six():
    rec = extract.parse_file(SAMPLES / "004_huzhu_cgzf_2025.txt", narrative=None)
    six = rec.sections.get("other_matters")
    assert rec.text[six.span[0]:six.span[1]].strip() == "无"
    assert rec.sections.trailer is not None


# -- values: nulls, decimals, separators --------------------------------------

@pytest.mark.parametrize("marker", ["-", "—", "/", "——"])
def test_dash_and_slash_are_null_never_zero(marker):
    text = text_of(BASE).replace("行政许可\t0", f"行政许可\t{marker}")
    rec = parse(text)
    assert rec.value("active_disclosure")["licensing_decisions"] is None
    assert any(f.check == "active_disclosure.blank_cell" for f in rec.findings)


def test_blank_cell_in_a_tab_row_is_null_with_a_warning():
    text = text_of(BASE).replace("(一) 予以公开\t22\t2\t", "(一) 予以公开\t22\t\t")
    rec = parse(text)
    row = rec.value("applications")["disclosed"]
    assert row["commercial_enterprise"] is None and row["natural_person"] == 22 and row["total"] == 24
    f = [f for f in rec.findings if f.check == "applications.blank_cell"]
    assert f and f[0].severity == "warning" and "applications.disclosed.commercial_enterprise" in f[0].cells


def test_decimals_and_thousands_separators():
    text = (text_of(BASE).replace("行政事业性收费\t0", "行政事业性收费\t1,234.56")
            .replace("行政规范性文件\t7\t121\t176", "行政规范性文件\t7\t121\t1,176"))
    rec = parse(text)
    ad = rec.value("active_disclosure")
    assert ad["fees_wan_yuan"] == pytest.approx(1234.56)
    assert ad["normative_documents"]["in_force"] == 1176


def test_fee_in_yuan_is_converted_to_wan_yuan():
    text = text_of(BASE).replace("本年收费金额（单位：万元）", "本年收费金额（单位：元）").replace(
        "行政事业性收费\t0", "行政事业性收费\t3300")
    rec = parse(text)
    assert rec.value("active_disclosure")["fees_wan_yuan"] == pytest.approx(0.33)
    assert any(f.check == "active_disclosure.unit_converted" for f in rec.findings)


# -- identities and irregular rows --------------------------------------------

def test_broken_identity_is_reported_not_corrected():
    text = text_of(BASE).replace("一、本年新收政府信息公开申请数量\t\t258", "一、本年新收政府信息公开申请数量\t\t259")
    rec = parse(text)
    assert rec.value("applications")["new_received"]["natural_person"] == 259
    checks = {f.check for f in rec.findings if f.severity == "error"}
    assert {"applications.balance", "applications.row_total"} <= checks
    bal = next(f for f in rec.findings if f.check == "applications.balance")
    assert bal.expected == 261 and bal.actual == 260 and "natural_person" in bal.message


def test_one_value_fewer_resolved_uniquely():
    # the 本机关不掌握 row loses its total: only "the total is missing" fits the identities
    text = text_of(BASE).replace("1.本机关不掌握相关政府信息\t180\t6\t0\t0\t0\t0\t186", "1.本机关不掌握相关政府信息\t180\t6\t0\t0\t0\t0")
    rec = parse(text)
    assert rec.value("applications") == base_values()["applications"]
    (f,) = [f for f in rec.findings if f.check == "applications.irregular_row"]
    assert f.severity == "warning" and "本机关不掌握" in f.message
    assert "applications.unavailable_not_held.total" not in rec.spans


def test_irregular_row_with_several_readings_is_left_null_with_an_error():
    # 行政复议 1 0 0 1 2 loses a zero: "1 0 1 2 …" fits with the gap in several places
    # (0,1,0,1,2 / 1,0,0,1,2 / 1,0,1,0,2 …): ambiguous, so nothing is read
    text = text_of(BASE).replace("\n1\t0\t0\t1\t2\t0", "\n1\t0\t1\t2\t0")
    assert text != text_of(BASE)
    rec = parse(text)
    (f,) = [f for f in rec.findings if f.check == "review_litigation.irregular_row"]
    assert f.severity == "error" and "different readings" in f.message
    assert all(v is None for g in rec.value("review_litigation").values() for v in g.values())


def test_irregular_row_that_no_reading_fits():
    text = text_of(BASE).replace("2.重复申请\t3\t0\t0\t0\t0\t0\t3", "2.重复申请\t3\t0\t0\t0\t0\t9")
    rec = parse(text)
    (f,) = [f for f in rec.findings if f.check == "applications.irregular_row"]
    assert f.severity == "error" and "no reading" in f.message
    assert all(v is None for v in rec.value("applications")["rejected_duplicate"].values())


def test_missing_row_is_an_error_and_null():
    text = text_of(BASE).replace("\t\t7.属于行政执法案卷\t0\t0\t0\t0\t0\t0\t0\n", "")
    rec = parse(text)
    assert all(v is None for v in rec.value("applications")["withheld_enforcement_files"].values())
    assert any(f.check == "applications.row_missing" and f.severity == "error" for f in rec.findings)


def test_table_without_the_other_column_keeps_columns_aligned():
    rec = extract.parse_file(SAMPLES / "000_shanyang_cgj_2025.txt", narrative=None)
    apps = rec.value("applications")
    assert apps["partially_disclosed"] == {"natural_person": 1, "commercial_enterprise": 0, "research_institution": 0,
                                           "social_welfare_org": 0, "legal_service_org": 0, "other_org": None,
                                           "total": 1}


# -- run-together digits ------------------------------------------------------

def test_run_together_digits_split_when_exactly_one_reading_fits():
    text = text_of(BASE).replace("一、本年新收政府信息公开申请数量\t\t258\t8\t0\t0\t0\t0\t266",
                                 "一、本年新收政府信息公开申请数量25880000266")
    rec = parse(text)
    assert rec.value("applications")["new_received"] == base_values()["applications"]["new_received"]
    (f,) = [f for f in rec.findings if f.check == "applications.unseparated_cells"]
    assert f.severity == "warning"
    s, e = rec.spans["applications.new_received.total"]
    assert rec.text[s:e] == "266"


def test_run_together_digits_without_a_unique_split_stay_null():
    text = text_of(BASE).replace("行政规范性文件\t7\t121\t176", "行政规范性文件7121176")
    rec = parse(text)
    assert rec.value("active_disclosure")["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    (f,) = [f for f in rec.findings if f.check == "active_disclosure.unseparated_cells"]
    assert f.severity == "error" and "unseparated" in f.message


def test_run_together_digits_one_per_cell_in_section_two():
    text = text_of(BASE).replace("规章\t0\t0\t0", "规章000")
    rec = parse(text)
    assert rec.value("active_disclosure")["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}


def test_label_glued_to_a_single_value_is_read():
    # web-page dumps glue a one-column row's label to its number: 行政许可1268, 行政强制0
    text = (text_of(BASE).replace("行政许可\t0\t\t", "行政许可1268")
            .replace("行政强制\t0\t\t", "行政强制0"))
    assert "行政许可1268" in text and "行政强制0" in text
    rec = parse(text)
    ad = rec.value("active_disclosure")
    assert ad["licensing_decisions"] == 1268 and ad["coercion_decisions"] == 0
    s, e = rec.spans["active_disclosure.licensing_decisions"]
    assert rec.text[s:e] == "1268"
    assert not serious(rec, "active_disclosure")


# -- the solver on its own ----------------------------------------------------

def test_run_readings_have_no_leading_zeros():
    readings = run_readings("1010", 0, 2)
    assert sorted(r.values for r in readings) == [(10, 10), (101, 0)]
    assert run_readings("00", 0, 2)[0].values == (0, 0)


def test_count_readings_mark_missing_cells_for_derivation():
    rs = count_readings([(1, (0, 1)), (2, (2, 3))], 3)
    assert [r.values for r in rs] == [(DERIVE, 1, 2), (1, DERIVE, 2), (1, 2, DERIVE)]


def test_count_readings_are_every_placement_in_order():
    # each combination of gaps (or of dropped values), in itertools.combinations' order, as the
    # column-by-column definition gives it
    import itertools
    import random

    def reference(tokens, m):
        n = len(tokens)
        if n < m:
            out = []
            for missing in itertools.combinations(range(m), m - n):
                it = iter(tokens)
                cells = [(DERIVE, None) if j in missing else next(it) for j in range(m)]
                out.append((tuple(v for v, _ in cells), tuple(s for _, s in cells)))
            return out if m - n <= 3 else []
        if n > m:
            out = [tuple(zip(*[t for i, t in enumerate(tokens) if i not in dropped])) or ((), ())
                   for dropped in itertools.combinations(range(n), n - m)]
            return out if n - m <= 3 else []
        return [(tuple(v for v, _ in tokens), tuple(s for _, s in tokens))]

    rng = random.Random(15)
    for _ in range(2000):
        m, n = rng.randrange(1, 10), rng.randrange(0, 13)
        tokens = [(rng.choice((None, rng.randrange(20), 1.5)), (i, i + 1) if rng.random() < 0.9 else None)
                  for i in range(n)]
        assert [tuple(r) for r in count_readings(tokens, m)] == reference(tokens, m), (tokens, m)


def test_solve_needs_exactly_one_distinct_value_set():
    ids = review_identities()
    known = {f"{g}.{c}": 0 for g in ("litigation_direct", "litigation_after_review")
             for c in ("upheld", "corrected", "other", "pending", "total")}
    cols = tuple(f"administrative_review.{c}" for c in ("upheld", "corrected", "other", "pending", "total"))
    # 1, 2, 3 for five columns with two missing: several totals fit → ambiguous
    irr = Irregular("administrative_review", cols, tuple(count_readings([(1, None), (2, None), (3, None)], 5)),
                    "count", "3 values for 5 columns")
    (res,) = solve(known, [irr], ids)
    assert res.values is None  # two cells that no identity determines: unreadable
    # 1, 2, 3, 6 with one gap: a 0 in any of the four parts, or a derived total 12 — five
    # distinct value sets, so the solver must report them, not pick one
    irr2 = Irregular("administrative_review", cols, tuple(count_readings([(1, None), (2, None), (3, None), (6, None)], 5)),
                     "count", "4 values for 5 columns")
    (res2,) = solve(known, [irr2], ids)
    assert res2.values is None and res2.survivors == 5
    # 1, 2, 3 then the total 6 missing: derived, and the only reading
    irr3 = Irregular("administrative_review", cols,
                     tuple(count_readings([(1, None), (2, None), (3, None), (0, None)], 5)), "count", "")
    (res3,) = solve(known, [irr3], ids)
    assert res3.values is not None and res3.values[cols[4]] == 6 and res3.derived == (cols[4],)


def test_identity_lists_cover_the_template():
    ids = application_identities(("natural_person", "total"), ("disclosed",), ("new_received",))
    assert {i.check for i in ids} == {"applications.balance", "applications.outcomes_sum", "applications.row_total"}


def _small_applications(rng) -> dict:
    """A section 三 table of two columns and five rows whose every identity holds."""
    values = {}
    for c in ("natural_person", "legal_person"):
        new, carried, disclosed = rng.randrange(50), rng.randrange(50), rng.randrange(50)
        col = {"new_received": new, "carried_over": carried, "total_processed": disclosed, "disclosed": disclosed,
               "carried_forward": new + carried - disclosed}
        for r, v in col.items():
            values.setdefault(r, {})[c] = v
    for row in values.values():
        row["total"] = row["natural_person"] + row["legal_person"]
    return values


def test_checks_of_every_identity_at_once_find_what_each_identity_finds():
    # a table whose identities all hold is told at once (extract.checks._all_hold); any other is checked
    # identity by identity: the findings are those of the one-by-one loop in every case
    import random

    from extract import checks

    ids = application_identities(("natural_person", "legal_person", "total"), ("disclosed",),
                                 ("new_received", "carried_over", "total_processed", "disclosed", "carried_forward"))
    rng = random.Random(15)
    broken = 0
    for n in range(300):
        values = _small_applications(rng)
        row = rng.choice(list(values))
        col = rng.choice(list(values[row]))
        how = n % 7
        if how == 1:
            values[row][col] += rng.choice((-1, 1, 7))
        elif how == 2:
            values[row][col] = None
        elif how == 3:
            values[row][col] += 1e-9                        # within the checks' tolerance
        elif how == 4:
            values[row][col] += 0.5
        elif how == 5:
            del values[row][col]                            # a cell the table lacks
        elif how == 6:
            values[row] = dict(reversed(values[row].items()))   # a row in another column order
        got = checks.check_identities("applications", values, ids)
        flat = checks._flatten(values, checks._grid(values))
        assert got == checks._check_each("applications", flat, ids)
        # over a mapping of cells by value key (as the solver asks it) too
        assert not all_hold(ids)(flat) or (not got and None not in flat.values() and len(flat) == 15)
        assert all_hold(ids)(flat) == (how in (0, 6))     # 0 and 6: the values as made, every identity holding
        broken += any(f.severity == "error" for f in got)
    assert broken >= 80     # the perturbed tables did break identities


# -- grids wider than their table ----------------------------------------------

HTML_SAMPLE = SAMPLES / "005_jiaozuo_szfb_2025_html.html"


def _with_section_three(html: str, edit) -> str:
    a = html.index("<h2>三、")
    b = html.index("</table>", a)
    return html[:a] + edit(html[a:b]) + html[b:]


@pytest.mark.parametrize("where", ["right", "inside"])
def test_an_empty_column_in_a_grid_is_not_a_column_of_blank_cells(where):
    # a phantom column (an empty edge column, a double rule) in every row of section 三
    def edit(t: str) -> str:
        if where == "right":
            return t.replace("</tr>", "<td></td></tr>")
        t = t.replace('<td rowspan="2">自然人</td>', '<td rowspan="2">自然人</td><td rowspan="2"></td>')
        t = t.replace('<td colspan="7">申请人情况</td>', '<td colspan="8">申请人情况</td>')
        return re.sub(r"(<tr>.*?<td>\d+</td>)", r"\1<td></td>", t)   # after the 自然人 value of each row
    html = _with_section_three(HTML_SAMPLE.read_text(encoding="utf-8"), edit)
    (grid,) = [t for t in rec_tables(html) if any("本年新收" in c.text for r in t.rows for c in r)]
    assert len({len(r) for r in grid.rows}) == 1, "the edit keeps the grid rectangular"
    col = len(grid.rows[0]) - 1 if where == "right" else 4
    assert {r[col].text for r in grid.rows if not r[col].merged} == {""}
    rec = extract.parse_text(html, format="html", narrative=None)
    assert rec.value("applications") == extract.parse_file(HTML_SAMPLE, narrative=None).value("applications")
    assert not serious(rec)


def test_a_header_row_ending_in_blank_cells_is_not_the_total_row():
    # an extra column that only the first header row names (说明): the 总计 header row then ends in a blank
    # cell, and was once read as row 三（七）总计 with every cell blank
    def edit(t: str) -> str:
        t = t.replace("</tr>\n<tr>", "<td></td></tr>\n<tr>").replace("</tr>\n</tbody>", "<td></td></tr>\n</tbody>")
        return t.replace("申请人情况</td><td></td></tr>", "申请人情况</td><td>说明</td></tr>")
    html = _with_section_three(HTML_SAMPLE.read_text(encoding="utf-8"), edit)
    assert "<td>说明</td>" in html
    rec = extract.parse_text(html, format="html", narrative=None)
    (grid,) = [t for t in rec_tables(html) if "说明" in {c.text for r in t.rows for c in r}]
    assert len({len(r) for r in grid.rows}) == 1, "the edit keeps the grid rectangular"
    assert rec.value("applications") == extract.parse_file(HTML_SAMPLE, narrative=None).value("applications")
    assert "applications.duplicate_row" not in {f.check for f in rec.findings}


def rec_tables(html: str):
    from extract import ingest
    return ingest.from_text(html, format="html").tables


# -- one cell per line ----------------------------------------------------------

def _cell_per_line(text: str) -> str:
    """The layout of many PDF-to-text dumps and web copies: every table cell on a line of its own."""
    return "\n".join(c.strip() for line in text.split("\n")
                     for c in (line.split("\t") if "\t" in line else [line]) if c.strip() or "\t" not in line)


@pytest.mark.parametrize("stem", [p.stem for p in sorted(SAMPLES.glob("*.txt"))
                                  if "\t" in p.read_text(encoding="utf-8") and not p.name.startswith("007_")])
def test_one_cell_per_line_reads_like_the_table(stem):
    # 007 is left out: its blank cell has no line of its own, so that row is one value short
    text = text_of(stem)
    rec, base = parse(_cell_per_line(text)), parse(text)
    assert "\t" not in _cell_per_line(text)
    for t in TABLES:
        assert rec.value(t) == base.value(t), t
    assert sorted(f.check for f in rec.findings if f.severity != "info") == \
        sorted(f.check for f in base.findings if f.severity != "info")


# -- message texts -----------------------------------------------------------------

@pytest.mark.parametrize("values", [[0, 1, 999], [1000, -1, 12], [1.0, True, False, -0.0], [2.5, None, 7],
                                    [10 ** 20, 3.0e20, 0], []])
def test_a_rows_values_are_written_as_each_value_is(values):
    # the looked-up texts of small counts are what _fmt writes, for values equal to them too (1.0, True)
    from extract.tables.common import _fmt, _fmt_values
    assert _fmt_values(values) == ", ".join(map(_fmt, values))


def test_rows_are_the_same_from_an_empty_a_warm_and_an_often_emptied_memo(monkeypatch):
    # rows.py remembers the tokens of short cell texts (_SHAPES, and _WHOLE for a text that is one
    # token): a row is made the same whether its cells' texts are remembered or not
    from extract import ingest
    from extract.tables import rows

    docs = [ingest.load_with_bytes(f)[0] for f in sorted(SAMPLES.glob("*.txt"))]

    def every_row():
        return [rows.rows_in(d, (0, len(d.text))) for d in docs]

    rows._SHAPES.clear()
    rows._WHOLE.clear()
    cold = every_row()
    assert every_row() == cold
    monkeypatch.setattr(rows, "_MEMO_SIZE", 3)
    rows._SHAPES.clear()
    rows._WHOLE.clear()
    assert every_row() == cold
    assert len(rows._SHAPES) <= 3 and set(rows._WHOLE) <= set(rows._SHAPES)
