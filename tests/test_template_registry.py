"""A template is one value in one registry: detection, readers, checks, export and the CLI follow it.

The toy "2030" template below is the 2021 template with one row more in section 二 (行政裁决,
whose column 本年裁决件数 only this template prints) and one outcome row more in section 三
(三（五）6. 要求加工分析政府信息, so the outcome identity sums 22 rows). Registering it is the
whole change a user makes to add a template year; every stage must then read it, and
without it the same report must not be read as if it were another template's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

import extract
from extract.cli import _register, app
from extract.export import codebook, read_csv_rows, report_columns, value_columns, write_outputs
from extract.ingest.text import document_from_text
from extract.sections import find_sections
from extract.tables import read_tables
from extract.tables import template as T
from extract.types import Meta, Sections

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"

# -- the diff a user writes to add a template year (here kept as a test fixture) -------------

_2021 = T.TEMPLATES["2021"]
TOY = dataclasses.replace(
    _2021,
    year="2030", first_year=2030,
    cues=("本年裁决件数",),
    active_rows=_2021.active_rows + (T.ActiveRowSpec("adjudication_decisions", "行政裁决", ("行政裁决",), ()),),
    active_order=_2021.active_order + ("adjudication_decisions",),
    applications=dataclasses.replace(
        T.APPLICATIONS,
        rows=T.APPLICATIONS.rows + (T.RowSpec("rejected_analysis", "三（五）6. 要求加工分析政府信息", ("加工分析",)),),
        outcomes=tuple(o for k in T.APPLICATIONS.outcomes
                       for o in ((k, "rejected_analysis") if k == "rejected_confirmation" else (k,)))),
)

# -- a report printed on it ------------------------------------------------------------------

NEW_ACTIVE_ROW = "第二十条第（十）项\t\t\t\n信息内容\t本年裁决件数\t\t\n行政裁决\t5\t\t\n"
NEW_OUTCOME_ROW = "\t\t6.要求加工分析政府信息\t2\t0\t0\t0\t0\t0\t2\n"


def report_2030(analysis: int = 2) -> str:
    """Sample 002 with the toy template's two rows; its totals grown by the new row's 2."""
    t = (SAMPLES / "002_jiaozuo_szfb_2025.txt").read_text(encoding="utf-8")
    t = t.replace("行政事业性收费\t0\t\t\n", "行政事业性收费\t0\t\t\n" + NEW_ACTIVE_ROW, 1)
    confirm = "5.要求行政机关确认或重新出具已获取信息\t0\t0\t0\t0\t0\t0\t0\n"
    assert confirm in t
    t = t.replace(confirm, confirm + NEW_OUTCOME_ROW.replace("\t2\t0\t0\t0\t0\t0\t2", f"\t{analysis}\t0\t0\t0\t0\t0\t{analysis}"))
    t = t.replace("一、本年新收政府信息公开申请数量\t\t258\t8\t0\t0\t0\t0\t266",
                  "一、本年新收政府信息公开申请数量\t\t260\t8\t0\t0\t0\t0\t268")
    t = t.replace("(七) 总计\t\t231\t8\t0\t0\t0\t0\t239", "(七) 总计\t\t233\t8\t0\t0\t0\t0\t241")
    return t


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(T.TEMPLATES, "2030", TOY)
    return TOY


def _errors(rec, table="applications"):
    return [f for f in rec.findings if f.table == table and f.severity in ("error", "warning")]


def test_detection_reading_and_checks_follow_a_registered_template(toy):
    rec = extract.parse_text(report_2030(), narrative=None)
    assert rec.meta.template == "2030"
    active = rec.value("active_disclosure")
    assert list(active) == list(TOY.active_order)
    assert active["adjudication_decisions"] == 5
    apps = rec.value("applications")
    assert apps["rejected_analysis"]["total"] == 2
    assert list(apps).index("rejected_analysis") == list(apps).index("rejected_confirmation") + 1
    assert not _errors(rec) and not _errors(rec, "active_disclosure")
    # the outcome identity sums the new row: a wrong value in it breaks that identity, naming the cell
    broken = extract.parse_text(report_2030(analysis=3), narrative=None)
    sums = [f for f in broken.findings if f.check == "applications.outcomes_sum" and f.severity == "error"]
    assert {c for f in sums for c in f.cells if "rejected_analysis" in c} == {
        "applications.rejected_analysis.natural_person", "applications.rejected_analysis.total"}
    assert all("22 outcome rows" in f.message for f in sums)


def test_without_the_template_the_report_is_not_read_as_if_it_were_one():
    assert "2030" not in T.TEMPLATES
    rec = extract.parse_text(report_2030(), narrative=None)
    assert rec.meta.template == "2021"
    assert "adjudication_decisions" not in rec.value("active_disclosure")
    assert "rejected_analysis" not in rec.value("applications")
    # 2021's identity has no place for the extra row's 2: the totals no longer add up
    assert any(f.check == "applications.outcomes_sum" for f in _errors(rec))


def test_export_columns_codebook_and_csv_follow_a_registered_template(toy, tmp_path):
    cols = value_columns()
    assert "active_disclosure.adjudication_decisions" in cols
    assert cols.index("applications.rejected_analysis.total") < cols.index("applications.other_no_correction.total")
    assert all(c in cols for c in ("active_disclosure.fees_wan_yuan", "active_disclosure.procurement.items"))
    book = {r["key"]: r for r in codebook()}
    assert book["active_disclosure.adjudication_decisions"]["templates"] == "2030"
    assert book["active_disclosure.adjudication_decisions"]["label"] == "行政裁决 · 本年处理决定数量"
    assert book["applications.rejected_analysis.total"]["templates"] == "2030"
    assert book["applications.new_received.total"]["templates"] == "2019;2021;2030"
    assert book["applications.other_handled.total"]["templates"] == "2019"
    rec = extract.parse_text(report_2030(), narrative=None)
    write_outputs([rec], tmp_path)
    (row,) = read_csv_rows(tmp_path / "reports.csv")
    assert tuple(row) == report_columns()
    assert row["active_disclosure.adjudication_decisions"] == "5"
    assert row["applications.rejected_analysis.total"] == "2"
    keys = [r["key"] for r in read_csv_rows(tmp_path / "codebook.csv")]
    assert "applications.rejected_analysis.natural_person" in keys


def test_duckdb_columns_follow_a_registered_template(toy, tmp_path):
    pytest.importorskip("duckdb")
    from extract.export import OutputWriter
    from extract.store import connect

    with OutputWriter(tmp_path, duckdb=True) as w:
        w.write(extract.parse_text(report_2030(), narrative=None))
        w.commit()
    con = connect(tmp_path)
    try:
        got = con.execute("SELECT active_disclosure_adjudication_decisions, applications_rejected_analysis_total "
                          "FROM reports_wide").fetchall()
    finally:
        con.close()
    assert got == [(5, 2)]


def test_the_cli_shows_a_registered_template(toy, tmp_path):
    _register()
    p = tmp_path / "r2030.txt"
    p.write_text(report_2030(), encoding="utf-8")
    res = CliRunner().invoke(app, ["show", str(p), "--narrative", "none"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "template: 2030" in res.output and "行政裁决" in res.output and "要求加工分析政府信息" in res.output


def test_the_shipped_registry_is_newest_first_and_detection_tries_it_in_that_order():
    assert [t.year for t in T.newest_first()] == ["2021", "2019"]
    assert T.detect_template("本年新制作数量 本年制发件数") == "2021"
    assert T.detect_template("本年新制作数量") == "2019"
    assert T.detect_template("no column names") is None


def test_an_unregistered_template_is_an_error_never_another_templates_rows():
    with pytest.raises(KeyError, match="'2030' is not registered"):
        T.template_spec("2030")
    doc = document_from_text("")
    with pytest.raises(KeyError, match="2030"):
        read_tables(doc, Sections(found=()), Meta(agency=None, year=2030, template="2030"))
    # a report whose template could not be told is read, as the newest template, by name
    assert T.template_spec(T.UNKNOWN) is T.TEMPLATES["2021"]


def test_the_year_decides_among_registered_templates_only_when_no_column_name_does(toy):
    text = "二、主动公开政府信息情况\n第二十条\n"
    for year, expected in ((2020, "2019"), (2025, "2021"), (2031, "2030"), (None, "2030")):
        assert _detect(text, year) == expected
    assert _detect("一、概述\n全年主动公开信息收费及减免\n", 2016) == T.LEGACY


def _detect(text: str, year):
    doc = document_from_text(text)
    return T.detect(doc, find_sections(doc), year)
