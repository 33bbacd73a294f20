"""Writers: the column set comes from the template; write → read back gives the same data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.export import (ERRORS, FINDINGS, RECORDS, REPORTS, OutputWriter, error_row, read_csv_rows, read_records,
                            report_columns, report_row, spreadsheet_safe, value_columns, write_outputs)
from extract.tables.template import APPLICANT_KEYS, APPLICATIONS

VALUE_COLUMNS = value_columns()
REPORT_COLUMNS = report_columns()


def test_value_columns_cover_the_template_and_are_unique():
    assert len(VALUE_COLUMNS) == len(set(VALUE_COLUMNS))
    for row in APPLICATIONS.record_rows(merged=False):
        for col in APPLICANT_KEYS:
            assert f"applications.{row}.{col}" in VALUE_COLUMNS
    assert "applications.other_handled.total" in VALUE_COLUMNS
    assert "active_disclosure.fees_wan_yuan" in VALUE_COLUMNS
    assert "active_disclosure.procurement.amount_wan_yuan" in VALUE_COLUMNS     # 2019 template
    assert "review_litigation.litigation_after_review.pending" in VALUE_COLUMNS
    assert len([c for c in VALUE_COLUMNS if c.startswith("applications.")]) == 26 * 7
    assert len([c for c in VALUE_COLUMNS if c.startswith("review_litigation.")]) == 15


def _record(i: int, agency: str, problems: list[str], total: int | None, status: str) -> dict:
    failed = status == "failed"
    return {
        "schema_version": 1, "id": f"r{i}",
        "meta": None if failed else {"agency": agency, "year": 2024, "template": "2021", "published_on": None},
        "active_disclosure": None,
        "applications": None if failed else {"new_received": {"natural_person": total, "total": total}},
        "review_litigation": None,
        "narrative": None if failed else {"channels": [{"type": "wechat", "name": agency, "span": None}],
                                          "problems": [{"text": p, "span": None} for p in problems],
                                          "improvements": [], "other_matters": "无"},
        "status": status, "error": "无法解码，文件损坏" if failed else None,
        "error_code": "E100" if failed else None,
        "source": {"path": f"/报告/{agency}/{i}.txt", "sha256": None, "format": "text", "encoding": None,
                   "bytes": None},
        "findings": [] if failed else [{"check": "applications.balance", "table": "applications",
                                        "severity": "error", "cells": ["applications.new_received.total"],
                                        "expected": 1.0, "actual": 2.0, "message": f"{agency}：不平衡"}],
    }


chinese = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
records_strategy = st.lists(
    st.tuples(chinese, st.lists(chinese, max_size=3), st.one_of(st.none(), st.integers(0, 10**9)),
              st.sampled_from(["ok", "partial", "failed"])),
    min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records_strategy)
def test_writers_round_trip_chinese_text(tmp_path_factory, items):
    out = tmp_path_factory.mktemp("out")
    recs = [_record(i, a, p, t, s) for i, (a, p, t, s) in enumerate(items)]
    write_outputs(recs, out)

    assert list(read_records(out / RECORDS)) == recs
    raw = (out / REPORTS).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv_rows(out / REPORTS)
    assert [r["id"] for r in rows] == [r["id"] for r in recs]
    for row, rec in zip(rows, recs):
        expected = report_row(rec)
        assert row.keys() == set(REPORT_COLUMNS)
        assert row["agency"] == (spreadsheet_safe(expected)["agency"] or "")   # a leading = gets a '
        total = rec["applications"]["new_received"]["total"] if rec["applications"] else None
        assert row["applications.new_received.total"] == ("" if total is None else str(total))
    findings = read_csv_rows(out / FINDINGS)
    assert [f["message"] for f in findings] == [spreadsheet_safe(f)["message"] for r in recs for f in r["findings"]]
    errors = read_csv_rows(out / ERRORS)
    assert [e["path"] for e in errors] == [r["source"]["path"] for r in recs if r["status"] == "failed"]
    assert all(e["error"] == "无法解码，文件损坏" for e in errors)


def test_pandas_reads_reports_csv_with_chinese(tmp_path):
    recs = [_record(0, "焦作市人民政府办公室", ["宣传不够"], 266, "ok"), _record(1, "x", [], None, "failed")]
    write_outputs(recs, tmp_path)
    df = pd.read_csv(tmp_path / REPORTS, encoding="utf-8-sig")
    assert list(df.columns) == list(REPORT_COLUMNS)
    assert df.loc[0, "agency"] == "焦作市人民政府办公室"
    assert df.loc[0, "applications.new_received.total"] == 266
    assert pd.isna(df.loc[1, "applications.new_received.total"])
    assert df.loc[0, "findings_error"] == 1


def test_error_row_only_for_failed_records():
    assert error_row(_record(0, "a", [], 1, "ok")) is None
    assert error_row(_record(0, "a", [], 1, "failed"))["error_code"] == "E100"


def test_writer_without_commit_leaves_no_files_and_keeps_old_outputs(tmp_path):
    write_outputs([_record(0, "旧", [], 1, "ok")], tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    try:
        with OutputWriter(tmp_path) as w:
            w.write(_record(1, "新", [], 2, "ok"))
            raise RuntimeError("crash mid-batch")
    except RuntimeError:
        pass
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert json.loads((tmp_path / RECORDS).read_text(encoding="utf-8"))["meta"]["agency"] == "旧"


# -- issue 11: DataFrames, checks, ids ------------------------------------------------

def test_record_to_frame_gives_each_value_with_its_span_and_label():
    from extract.pipeline import parse_file
    path = Path(__file__).resolve().parent.parent / "eval" / "samples" / "002_jiaozuo_szfb_2025.txt"
    rec = parse_file(path, narrative="none")
    df = rec.to_frame()
    row = df[df["key"] == "applications.new_received.total"].iloc[0]
    assert row["value"] == 266 and rec.text[row["span_start"]:row["span_end"]] == "266"
    assert row["label"].startswith("一、本年新收政府信息公开申请数量")
    assert str(df["span_start"].dtype) == "Int64"
    assert len(df) == sum(len(v) if isinstance(v, dict) else 1
                          for t in ("active_disclosure", "applications", "review_litigation")
                          for v in (rec.value(t) or {}).values())


def test_to_frame_reads_counts_as_nullable_integers():
    from extract.export import to_frame
    from extract.pipeline import parse_file
    samples = Path(__file__).resolve().parent.parent / "eval" / "samples"
    recs = [parse_file(samples / n, narrative="none") for n in ("002_jiaozuo_szfb_2025.txt",
                                                               "007_jiaozuo_blank_cell_2025.txt")]
    df = to_frame(recs)
    col = df["applications.new_received.total"]
    assert str(col.dtype) == "Int64" and list(col) == [r.value("applications")["new_received"]["total"] for r in recs]
    assert df["llm_calls"].isna().all() and str(df["llm_calls"].dtype) == "Int64"
    assert list(df["checks"]) == [r.checks for r in recs]


def test_checks_fail_on_an_error_or_warning_and_is_blank_for_a_failed_record():
    from extract.record import checks_of
    assert checks_of("ok", []) == "pass"
    assert checks_of("ok", ["info"]) == "pass"
    assert checks_of("ok", ["info", "warning"]) == "fail"
    assert checks_of("partial", ["error"]) == "fail"
    assert checks_of("failed", ["error"]) is None


def test_batch_ids_keep_stems_and_disambiguate_collisions_by_path():
    from extract.pipeline import batch_ids
    ids = batch_ids(["x/a/2025.txt", "x/b/2025.txt", "x/a/2025.html", "x/c/other.pdf"])
    assert ids == {"x/a/2025.txt": "a/2025.txt", "x/b/2025.txt": "b/2025.txt", "x/a/2025.html": "a/2025.html",
                   "x/c/other.pdf": "other"}
    # resuming: ids given out before stay, a new file does not take one of them
    again = batch_ids(["x/b/2025.txt"], existing={"x/a/2025.txt": "2025"})
    assert again["x/b/2025.txt"] != "2025"


# -- the JSON line: orjson where it writes what json writes --------------------------------

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-5, -3e-7, 1e16, 2.5e20, 0.0, -0.0, 1e-4])
numbers = st.none() | st.integers(-2**70, 2**70) | floats


@settings(max_examples=200, deadline=None)
@given(st.tuples(numbers, numbers, numbers, numbers, numbers, numbers), chinese | st.just("\udcff"))
def test_record_line_is_the_json_line_whatever_the_floats(xs, agency):
    """``encode_record`` writes records.jsonl's line with orjson only where it gives json's bytes:
    tiny, huge and non-finite floats in any float field of a record, a lone surrogate, a big int."""
    value, expected, actual, seconds, cost, score = xs
    d = _record(0, agency, ["问题"], 3, "ok")
    d["applications"]["new_received"]["total"] = value
    d["findings"][0].update(expected=expected, actual=actual)
    d["seconds"] = seconds
    d["llm_usage"] = {"calls": 1, "cost_usd": cost}
    d["narrative"]["problems"][0]["score"] = score
    from extract.export import encode_record, json_text
    assert encode_record(d).jsonl == (json_text(d) + "\n").encode("utf-8")


# where a value sits: a cell of a known row and column, a row or column no template has, a cell
# deeper than two levels, a whole table that is not a dict
cells = st.sampled_from([
    ("applications", "new_received", "total"), ("applications", "other_handled", "natural_person"),
    ("active_disclosure", "licensing_decisions", None), ("active_disclosure", "regulations", "issued"),
    ("applications", "new_received", "no_such_column"), ("applications", "no_such_row", "total"),
    ("applications", "no_such_row", None), ("active_disclosure", "licensing_decisions", "total"),
    ("review_litigation", "administrative_review", None), ("applications", "new.received", "total"),
    ("applications", "new_received", "a.b")])
leaves = numbers | chinese | st.sampled_from(["=1+1", "-2", "a,b", 'say "x"', "two\nlines"]) | st.booleans() \
    | st.lists(st.integers(0, 9), max_size=2) | st.dictionaries(st.sampled_from(["x", "total"]), floats, max_size=2)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(cells, leaves), max_size=6), st.sampled_from([None, 7, [1.5e-5], "x"]))
def test_encoded_record_is_the_flattened_record_written_by_csv_and_json(placed, whole_table):
    """``encode_record`` reads the values column by column from the nested tables (not through
    ``flatten``'s dotted keys) and writes the CSV rows itself (not through ``csv.writer``): the bytes
    are those of the flattened record written by ``csv`` and ``json``, whatever sits where."""
    import csv
    import io

    from extract.export import FINDING_COLUMNS, encode_record, finding_rows, json_text
    d = _record(0, "机关,“甲”", ["问题"], 3, "ok")
    d["findings"][0]["message"] = '=a, "b"\nc'
    for (table, row, col), leaf in placed:
        t = d[table] if isinstance(d[table], dict) else {}
        d[table] = t
        if col is None:
            t[row] = leaf
        else:
            t[row] = t[row] if isinstance(t.get(row), dict) else {}
            t[row][col] = leaf
    if whole_table is not None:
        d["review_litigation"] = whole_table
    d["spans"] = {f"{table}.{row}" + (f".{col}" if col else ""): [n, n + 1]
                  for n, ((table, row, col), _) in enumerate(placed)}

    def written(rows):
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows(rows)
        return buf.getvalue().encode("utf-8", "backslashreplace")

    e = encode_record(d)
    assert e.reports == written([[spreadsheet_safe(report_row(d))[c] for c in REPORT_COLUMNS]])
    assert e.findings == written([[spreadsheet_safe(r)[c] for c in FINDING_COLUMNS] for r in finding_rows(d)])
    assert e.jsonl == (json_text(d) + "\n").encode("utf-8")
    # the long tables' cells for DuckDB: the codebook's keys among the flattened record's, in its order
    from extract.export import _columns, _flat_values, _staged_cells
    index, flat, spans = _columns().index, _flat_values(d), d.get("spans") or {}
    keys = [k for k in flat if k in index]
    cells = _staged_cells(d, spans)
    assert cells is None or repr(cells) == repr({"i": [index[k] for k in keys], "v": [flat[k] for k in keys],
                                                 "sp": [spans.get(k) for k in keys]})
    staged = json.loads(encode_record(d, data=True).staged)["cells"]
    assert staged["i"] == [index[k] for k in keys] and staged["sp"] == [spans.get(k) for k in keys]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.integers() | floats | st.booleans()
                | st.text(alphabet=st.sampled_from(list(',"\r\n \t\'=+-@中a\x00')), max_size=5), max_size=5))
def test_a_csv_line_is_the_spreadsheet_safe_line_csv_writes(fields):
    import csv
    import io

    from extract.export import _csv_line, _safe
    buf = io.StringIO(newline="")
    csv.writer(buf).writerow(list(map(_safe, fields)))
    assert _csv_line(fields) == buf.getvalue()
    numbers = [None, 0, 7, 999, 1000, -3, 2**70, 0.5, -12.25, 1e-7, float("nan"), float("inf")]
    buf = io.StringIO(newline="")
    csv.writer(buf).writerow(list(map(_safe, fields)) + numbers)
    assert _csv_line(fields, numbers=numbers) == buf.getvalue()


_finding_texts = st.sampled_from(["applications.balance", "applications", "error", "=cmd", "-1", "@x", "a,b",
                                  'say "x"', "two\nlines", "", "表"]) | st.none()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_finding_texts, _finding_texts, _finding_texts,
                          st.lists(_finding_texts.filter(lambda t: t is not None), max_size=3),
                          st.none() | st.integers(-5, 5) | floats), min_size=1, max_size=4))
def test_findings_rows_are_csvs_whatever_their_checks_and_cells(findings):
    """A finding row's check, table, severity and cells are looked up once made (``_FINDING_KEYS``):
    the rows are those ``csv.writer`` writes for any of them, seen before or not (each record is
    encoded twice, the second time from what the first one remembered)."""
    import csv
    import io

    from extract.export import FINDING_COLUMNS, encode_record, finding_rows
    d = _record(0, "机关", [], 3, "ok")
    d["findings"] = [{"check": c, "table": t, "severity": s, "cells": cells, "expected": x, "actual": None,
                      "message": "行, \"x\""} for c, t, s, cells, x in findings]
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([spreadsheet_safe(r)[c] for c in FINDING_COLUMNS] for r in finding_rows(d))
    want = buf.getvalue().encode("utf-8", "backslashreplace")
    assert encode_record(d).findings == want
    assert encode_record(d).findings == want


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/.a b\\中")), max_size=12))
def test_a_record_id_is_the_paths_stem(path):
    """``record_id`` takes a string's stem from its last name without making a Path, where that name is
    a file's (not empty, not "."): the same stem ``Path`` gives, for any path."""
    from extract.pipeline import record_id
    assert record_id(path) == (Path(path).stem if path else "report")
