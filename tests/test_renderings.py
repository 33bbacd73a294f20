"""eval/renderings: the samples as real tools render them (pdftotext -layout, pdfplumber, PyMuPDF,
pymupdf4llm, a crawler's one-line text), made by eval/build_renderings.py. Every rendering reads
to its label: each table cell exact (a cell the rendering lost is null in the label), an
``error`` or ``warning`` finding on each table the label flags, and no ``error`` on any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import extract

ROOT = Path(__file__).resolve().parents[1]
RENDERINGS = ROOT / "eval" / "renderings"
TABLES = ("active_disclosure", "applications", "review_litigation")


def _cases():
    for label in sorted(RENDERINGS.glob("*.json")):
        sources = [p for p in RENDERINGS.glob(f"{label.stem}.*") if p.suffix != ".json"]
        assert len(sources) == 1, f"{label.name}: expected one source beside the label, found {sources}"
        yield pytest.param(sources[0], label, id=label.stem)


CASES = list(_cases())


def test_the_corpus_covers_every_tool_and_shape():
    stems = [c.id for c in CASES]
    pdf_tools = ("__pdftotext", "__pdfplumber", "__pymupdf", "__pymupdf4llm", "__markitdown")
    for tool in pdf_tools + ("__oneline",):
        assert any(s.endswith(tool) for s in stems), tool
    # the PDFs laid out like the official template, and each of them through every PDF tool
    templates = [s for s in stems if s.endswith("_template_pdf")]
    assert len(templates) >= 2
    for t in templates:
        assert sorted(s[len(t):] for s in stems if s.startswith(t + "__")) == sorted(pdf_tools)


def _cells(table: dict | None, prefix: str):
    for row, cols in (table or {}).items():
        if isinstance(cols, dict):
            for col, v in cols.items():
                yield f"{prefix}.{row}.{col}", v
        else:
            yield f"{prefix}.{row}", cols


@pytest.mark.parametrize("source,label_path", CASES)
def test_rendering_reads_to_its_label(source: Path, label_path: Path):
    label = json.loads(label_path.read_text(encoding="utf-8"))
    rec = extract.parse_file(source, narrative="none").to_dict()
    assert rec["meta"]["template"] == label["meta"]["template"]
    wrong = []
    for t in TABLES:
        got = dict(_cells(rec.get(t), t))
        wrong += [f"{k}: read {got.get(k)!r}, label {v!r}" for k, v in _cells(label.get(t), t) if got.get(k) != v]
    assert wrong == [], "\n".join(wrong)

    flagged = {a["table"] for a in label["source_anomalies"] if a["flag"]}
    findings = rec["findings"]
    for t in TABLES:
        on_table = [f for f in findings if f.get("table") == t and f["severity"] in ("error", "warning")]
        if t in flagged:
            assert on_table, f"{t} is flagged in the label but no finding names it"
        else:
            errors = [f["message"] for f in on_table if f["severity"] == "error"]
            assert errors == [], f"false alarm on {t}: {errors}"


# -- the shapes, written from their description (issue 9, shapes 2 and 3) -----------------------
#
# A small consistent 申请 table: 6 new (4 people, 1 firm, 1 other) and 2 carried over; 4 disclosed
# (3 people, 1 firm), 2 not held, 1 duplicate (7 processed); 1 carried forward.

_LABELS = (
    ("new_received", "一、本年新收政府信息公开申请数量"), ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("disclosed", "(一) 予以公开"), ("partially_disclosed", "(二) 部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "1.属于国家秘密"), ("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", "3.危及“三安全一稳定”"), ("withheld_third_party_rights", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "5.属于三类内部事务信息"), ("withheld_process_information", "6.属于四类过程性信息"),
    ("withheld_enforcement_files", "7.属于行政执法案卷"), ("withheld_query_matters", "8.属于行政查询事项"),
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"), ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_still_unclear", "3.补正后申请内容仍不明确"), ("rejected_complaint", "1.信访举报投诉类申请"),
    ("rejected_duplicate", "2.重复申请"), ("rejected_publication", "3.要求提供公开出版物"),
    ("rejected_excessive", "4.无正当理由大量反复申请"), ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"), ("total_processed", "(七) 总计"), ("carried_forward", "四、结转下年度继续办理"),
)
_VALUES = {
    "new_received": (4, 1, 0, 0, 0, 1, 6), "carried_over": (2, 0, 0, 0, 0, 0, 2),
    "disclosed": (3, 1, 0, 0, 0, 0, 4), "unavailable_not_held": (1, 0, 0, 0, 0, 1, 2),
    "rejected_duplicate": (1, 0, 0, 0, 0, 0, 1), "total_processed": (5, 1, 0, 0, 0, 1, 7),
    "carried_forward": (1, 0, 0, 0, 0, 0, 1),
}
_COLS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
         "legal_service_org", "other_org", "total")
_GROUP = {"withheld_state_secret": "(三) 不予公开",
          "unavailable_not_held": "(四) 无法提供", "rejected_complaint": "(五) 不予处理"}


def _vals(key):
    return _VALUES.get(key, (0,) * 7)


def _report(section3: str) -> str:
    return ("某某县某某局2024年政府信息公开工作年度报告\n一、总体情况\n2024年，我局扎实推进政务公开。\n"
            "二、主动公开政府信息情况\n第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可 15\n"
            "三、收到和处理政府信息公开申请情况\n" + section3 +
            "\n四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n" + " ".join(["0"] * 15) +
            "\n五、存在的主要问题及改进情况\n一是公开内容不够全面。下一步，我们将完善公开目录。\n六、其他需要报告的事项\n无。\n")


_HEADERS = {
    # every name broken: 自然 / 人, 商业 / 企业, 科研 / 机构, 社会 / 公益 / 组织, 法律 / 服务 / 机构
    "all_broken": ["                               申请人情况",
                   "                                     法人或其他组织",
                   "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)   自然                  总计",
                   "                                     社会   法律",
                   "                               人     商业   科研",
                   "                                     公益   服务   其他",
                   "                                     企业   机构",
                   "                                     组织   机构"],
    # five names whole, two broken in two (社会公益 / 组织, 法律服务 / 机构): a header naming 5 columns
    "two_broken": ["                                            申请人情况",
                   "                                                  法人或其他组织",
                   "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)                  总计",
                   "                                            自然人             社会公益 法律服务",
                   "                                                  商业企业 科研机构           其他",
                   "                                                            组织   机构"],
}


_ON_ROWS = ("unavailable_still_unclear", "rejected_complaint", "rejected_duplicate", "rejected_publication",
            "rejected_excessive", "rejected_confirmation", "other_no_correction", "other_other")


def _pdftotext_section3(header: str = "all_broken", vertical_on_rows: bool = False) -> str:
    """pdftotext -layout of the template's section 三: columns as runs of spaces, applicant names
    broken over lines (``_HEADERS``), the group label one character per line — on lines of its own
    between the rows, or (``vertical_on_rows``) at the start of the row lines beside it —, a
    wrapped label with its values on its middle line, and a page break (number, running header)
    mid-table."""
    def pad(s, w):
        return s + " " * max(2, w - len(s))

    lines = _HEADERS[header] + [""]
    vertical = list("三、本年度办理结果")
    for key, label in _LABELS:
        nums = "".join(pad(str(v), 7) for v in _vals(key))
        if key == "other_unpaid_fee":      # wrapped over three lines, values on the middle one
            lines += ["        2.申请人逾期未按收费通知要求缴纳费用、行政机关不再",
                      "    (六) 其他处理" + " " * 30 + nums, "        处理其政府信息公开申请", ""]
            continue
        start = vertical.pop(0) if vertical_on_rows and key in _ON_ROWS else ""
        lines.append(pad(start, 3) + pad(_GROUP.get(key, ""), 13) + pad(label, 44) + nums)
        if key == "withheld_query_matters":   # the page ends inside the table
            lines += ["", "", "                       -4-", "\f                 政府信息公开工作年度报告", ""]
        elif not vertical_on_rows and vertical and key not in ("new_received", "carried_over"):
            lines.append(vertical.pop(0))    # the vertical group label, one character per line
    return "\n".join(lines + vertical)


def _check(rec, *, errors_on=(), warned=()):
    got = rec.to_dict()["applications"]
    wrong = [f"{k}.{c}: {got[k][c]} != {v}" for k, _ in _LABELS for c, v in zip(_COLS, _vals(k))
             if k not in errors_on and got[k][c] != v]
    assert wrong == [], wrong
    errs = [f for f in rec.findings if f.table == "applications" and f.severity == "error"]
    warns = [f for f in rec.findings if f.table == "applications" and f.severity == "warning"]
    assert bool(errs) == bool(errors_on), [f.message for f in errs]
    for k in errors_on:
        assert all(got[k][c] is None for c in _COLS), got[k]
    for check in warned:
        assert any(f.check == check for f in warns), [f.check for f in warns]


@pytest.mark.parametrize("vertical_on_rows", [False, True])
@pytest.mark.parametrize("header", sorted(_HEADERS))
def test_pdftotext_layout_of_the_template(header, vertical_on_rows):
    text = _report(_pdftotext_section3(header, vertical_on_rows))
    assert "社会公益组织" not in text and "法律服务机构" not in text
    rec = extract.parse_text(text, narrative="none")
    _check(rec)
    assert rec.tables["applications"].values["new_received"]["total"] == 6   # 7 columns, not 5


def _markdown_section3(*, far=False, extra_unlabelled=0, break_identity=False) -> str:
    """A PDF→Markdown converter's section 三: one pipe table per row group, each under a placeholder
    header (数据1 … 数据6 | 总计), a page footer between fragments, and 四、结转下年度继续办理 stranded as
    loose text with its values in a pipe row without a label: right above that row, or (``far``)
    above the last fragment, whose first row is (七) 总计."""
    head = ["|项目||数据1|数据2|数据3|数据4|数据5|数据6|总计|", "|---|---|---|---|---|---|---|---|---|"]
    groups = [_LABELS[0:2], _LABELS[2:4], _LABELS[4:12], _LABELS[12:15], _LABELS[15:20], _LABELS[20:23],
              _LABELS[23:25]]
    out = []
    for n, group in enumerate(groups):
        rows = []
        for key, label in group:
            vals = list(_vals(key))
            cells = "|".join(map(str, vals))
            if key == "carried_forward":
                if break_identity:
                    cells = "|".join(map(str, vals[:-1] + [vals[-1] + 1]))
                if far:
                    out.append(label)
                    rows.append(f"|||{cells}|")
                else:
                    out.append("\n".join(head + rows))
                    out.append(label)
                    rows = [f"|||{cells}|"]
                continue
            group_label = _GROUP.get(key, "三、本年度办理结果" if key == "disclosed" else "")
            rows.append(f"|{group_label}|{label}|{cells}|")
        if n == len(groups) - 1:
            rows += ["|||" + "|".join(["0"] * 7) + "|"] * extra_unlabelled
        out.append("\n".join(head + rows))
        out.append(f"— {n + 3} —")
    return "\n\n".join(out)


@pytest.mark.parametrize("fmt", ["markdown", "text"])   # a .txt that is really Markdown reads the same
def test_converter_markdown_in_fragments_with_a_stranded_label(fmt):
    text = _report(_markdown_section3())
    assert "|---|" in text and "数据1" in text
    _check(extract.parse_text(text, format=fmt, narrative="none"))


def test_a_label_less_row_is_placed_by_template_order_when_the_identities_hold():
    rec = extract.parse_text(_report(_markdown_section3(far=True)), format="markdown", narrative="none")
    _check(rec, warned=("applications.unlabelled_row",))


def test_unlabelled_rows_that_do_not_match_the_rows_not_found_are_not_guessed():
    # two label-less rows for one template row not found: nothing is placed
    rec = extract.parse_text(_report(_markdown_section3(far=True, extra_unlabelled=1)), format="markdown",
                             narrative="none")
    _check(rec, errors_on=("carried_forward",))


def test_an_unlabelled_row_that_breaks_the_identities_is_left_empty():
    rec = extract.parse_text(_report(_markdown_section3(far=True, break_identity=True)), format="markdown",
                             narrative="none")
    _check(rec, errors_on=("carried_forward",))
    assert any(f.check == "applications.unlabelled_row" and f.severity == "error" for f in rec.findings)


def test_converter_markdown_of_section_two_one_table_per_item():
    """Section 二 as a converter writes it: one pipe table per 第二十条 item, placeholder headers,
    page footers between them; and (in a .txt) the same read by content."""
    two = "\n\n".join([
        "|第二十条第（一）项|数据1|数据2|数据3|\n|---|---|---|---|\n|信息内容|本年制发件数|本年废止件数|现行有效件数|\n"
        "|规章|0|0|0|\n|行政规范性文件|5|2|40|",
        "— 2 —",
        "|第二十条第（五）项|数据1|\n|---|---|\n|信息内容|本年处理决定数量|\n|行政许可|15|",
        "|第二十条第（六）项|数据1|\n|---|---|\n|信息内容|本年处理决定数量|\n|行政处罚|3|\n|行政强制|0|",
        "— 3 —",
        "|第二十条第（八）项|数据1|\n|---|---|\n|信息内容|本年收费金额（单位：万元）|\n|行政事业性收费|1.5|"])
    text = _report(_markdown_section3()).replace(
        "第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可 15\n", two + "\n")
    for fmt in ("markdown", "text"):
        rec = extract.parse_text(text, format=fmt, narrative="none")
        assert rec.to_dict()["active_disclosure"] == {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 5, "repealed": 2, "in_force": 40},
            "licensing_decisions": 15, "punishment_decisions": 3, "coercion_decisions": 0, "fees_wan_yuan": 1.5}
        assert not [f for f in rec.findings if f.table == "active_disclosure" and f.severity == "error"]
        _check(rec)


def _markitdown_section3() -> str:
    """A pdfplumber-based converter's section 三 (markitdown): a pipe table for nearly every row (its
    ``| --- |`` line under the row), several numbers in one cell (``| 4 1 | 0 0 |``), the vertical
    group label's characters as loose lines between the tables, and one row whose first number is
    glued onto its label (``(一) 予以公开3``) with the cell it came from left blank."""
    out = ["申请人情况", "法人或其他组织",
           "| (本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和) |  |  | 总计 |",
           "| --- | --- | --- | --- |", "| | 自然 | 社会 法律 | |", "| | 人 商业 科研 | 公益 服务 其他 | |",
           "| | 企业 机构 | | |", "组织 机构"]
    vertical = list("三、本年度办理结果")
    for n, (key, label) in enumerate(_LABELS):
        v = _vals(key)
        group = _GROUP.get(key, "")
        first = f"{v[0]} {v[1]} {v[2]}"
        if key == "disclosed":                    # the glued one: 3 values, then its own cell blank
            row = f"| {label}{v[0]} | | {v[1]} {v[2]} | {v[3]} {v[4]} {v[5]} | {v[6]} |"
        else:
            row = f"| {group} | {label} | {first} | {v[3]} {v[4]} {v[5]} | {v[6]} |"
        out += [row, "| --- | --- | --- | --- | --- |"]
        if 3 <= n and vertical:
            out.append(vertical.pop(0))
    return "\n".join(out)


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_converter_markdown_a_table_per_row_with_numbers_sharing_cells(fmt):
    text = _report(_markitdown_section3())
    rec = extract.parse_text(text, format=fmt, narrative="none")
    _check(rec)
