"""DuckDB and Parquet outputs over the real samples: opened with the duckdb package and pyarrow, and queried."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

from click.testing import CliRunner  # noqa: E402

from extract import store  # noqa: E402
from extract.cli import _register, app  # noqa: E402
from extract.export import (CODEBOOK, LONG_TABLES, OutputWriter, codebook, column_name,  # noqa: E402
                            read_records, read_reports_csv, value_columns)
from extract.indicators import INDICATORS, carry_over_checks, indicators  # noqa: E402
from extract.pipeline import parse_file  # noqa: E402
from extract.tables.template import APPLICANT_KEYS, APPLICATIONS  # noqa: E402

ROW_LABELS = APPLICATIONS.labels

_register()
SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
runner = CliRunner()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("store") / "out"
    res = runner.invoke(app, ["extract", str(SAMPLES), "-o", str(out), "--narrative", "rules", "--duckdb",
                              "--parquet", "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def records(batch) -> list[dict]:
    return list(read_records(batch / "records.jsonl"))


@pytest.fixture()
def con(batch):
    c = duckdb.connect(str(batch / "xxgk.duckdb"), read_only=True)
    yield c
    c.close()


def _types(con, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def test_row_counts_equal_the_records(con, records):
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == len(records)
    assert con.execute("SELECT count(DISTINCT id) FROM reports").fetchone()[0] == len(records)
    assert con.execute("SELECT count(*) FROM reports_wide").fetchone()[0] == len(records)
    n_findings = sum(len(r["findings"]) for r in records)
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == n_findings
    n_items = sum(len(r["narrative"]["problems"]) + len(r["narrative"]["improvements"])
                  for r in records if r["narrative"])
    assert con.execute("SELECT count(*) FROM narrative_items").fetchone()[0] == n_items
    n_channels = sum(len(r["narrative"]["channels"]) for r in records if r["narrative"])
    assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == n_channels


def test_columns_are_typed(con):
    reports = _types(con, "reports")
    assert reports["year"] == "BIGINT" and reports["published_on"] == "DATE"
    for c in ("llm_calls", "llm_prompt_tokens", "problems", "findings_error"):
        assert reports[c] == "BIGINT", c      # blank llm_* columns too: typed, NULL
    assert reports["llm_cost_usd"] == "DOUBLE"
    assert _types(con, "cells")["value"] == "DOUBLE"
    wide = _types(con, "reports_wide")
    assert wide["applications_new_received_total"] == "BIGINT"
    assert wide["active_disclosure_fees_wan_yuan"] == "DOUBLE"
    assert not [c for c in wide if "." in c]          # no quoting needed
    assert con.execute("SELECT count(*) FROM reports WHERE llm_calls IS NOT NULL").fetchone()[0] == 0


def test_values_chinese_text_and_nulls_match_the_records(con, records):
    by_id = {r["id"]: r for r in records}
    got = dict(con.execute("SELECT id, agency FROM reports").fetchall())
    assert got == {i: (r["meta"] or {}).get("agency") for i, r in by_id.items()}
    assert any("人民政府" in (a or "") for a in got.values())
    rows = con.execute("SELECT id, applications_new_received_total, applications_carried_forward_natural_person, "
                       "review_litigation_administrative_review_total FROM reports_wide").fetchall()
    for rid, new_total, fwd, review in rows:
        apps = by_id[rid]["applications"] or {}
        rl = by_id[rid]["review_litigation"] or {}
        assert new_total == (apps.get("new_received") or {}).get("total")
        assert fwd == (apps.get("carried_forward") or {}).get("natural_person")
        assert review == (rl.get("administrative_review") or {}).get("total")
    # a blank cell in the source is NULL in DuckDB, where the record has null
    blanks = [(r["id"], k) for r in records for k, v in _flat(r).items() if v is None]
    assert blanks, "the samples include a report with a blank cell"
    rid, key = blanks[0]
    assert con.execute("SELECT value IS NULL FROM cells WHERE report_id = ? AND key = ?", [rid, key]).fetchone() == (True,)
    n_cells = sum(len(_flat(r)) for r in records)
    assert con.execute("SELECT count(*) FROM cells").fetchone()[0] == n_cells


def _flat(r: dict) -> dict:
    out = {}
    for t in ("active_disclosure", "applications", "review_litigation"):
        for row, v in (r.get(t) or {}).items():
            if isinstance(v, dict):
                out.update({f"{t}.{row}.{c}": x for c, x in v.items()})
            else:
                out[f"{t}.{row}"] = v
    return out


def test_cells_carry_spans_and_template_labels(con, records):
    label, span = con.execute("SELECT label, [span_start, span_end] FROM cells WHERE report_id = '002_jiaozuo_szfb_2025' "
                              "AND key = 'applications.new_received.total'").fetchone()
    assert label == f"{ROW_LABELS['new_received']} · 总计"
    rec = next(r for r in records if r["id"] == "002_jiaozuo_szfb_2025")
    assert span == rec["spans"]["applications.new_received.total"]
    text = Path(rec["source"]["path"]).read_text(encoding="utf-8")
    assert text[span[0]:span[1]] == "266"


def test_checks_field_agrees_with_findings(con, records):
    for rid, checks, errors, warnings in con.execute(
            "SELECT id, checks, findings_error, findings_warning FROM reports").fetchall():
        assert checks == ("fail" if errors + warnings else "pass")
    assert {"pass", "fail"} <= {r["checks"] for r in records}


def test_parquet_files_read_back_with_pyarrow(batch, con):
    for table in (*LONG_TABLES, "codebook", "reports_wide"):
        t = pq.read_table(batch / "parquet" / f"{table}.parquet")
        assert t.num_rows == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    wide = pq.read_table(batch / "parquet" / "reports_wide.parquet")
    assert str(wide.schema.field("applications_new_received_total").type) == "int64"
    assert str(wide.schema.field("year").type) == "int64"
    agencies = pq.read_table(batch / "parquet" / "reports.parquet").column("agency").to_pylist()
    assert "焦作市人民政府办公室" in agencies


def test_codebook_comes_from_the_template(batch, con):
    book = codebook()
    assert [r["key"] for r in book] == list(value_columns())
    assert len({column_name(k) for k in value_columns()}) == len(value_columns())
    for r in book:
        if r["table_key"] == "applications":
            assert r["label"].startswith(ROW_LABELS[r["row_key"]]) and r["unit"] == "件" and r["type"] == "BIGINT"
    assert {r["unit"] for r in book} == {"件", "项", "万元"}
    assert next(r for r in book if r["key"] == "applications.other_handled.total")["templates"] == "2019"
    df = read_reports_csv(batch / "reports.csv")
    assert str(df["applications.new_received.total"].dtype) == "Int64"
    assert str(df["llm_calls"].dtype) == "Int64" and str(df["problems"].dtype) == "Int64"
    csv_rows = (batch / CODEBOOK).read_text(encoding="utf-8-sig").splitlines()
    assert len(csv_rows) == len(book) + 1
    assert con.execute("SELECT count(*) FROM codebook").fetchone()[0] == len(book)


def test_indicators_view_matches_the_python_definitions(con, records):
    view = {r[0]: r[1:] for r in con.execute(
        "SELECT report_id, " + ", ".join(i.name for i in INDICATORS) + " FROM indicators").fetchall()}
    checked = 0
    for rec in records:
        if rec["status"] == "failed":
            continue
        mine = indicators(rec)
        for ind, got in zip(INDICATORS, view[rec["id"]]):
            want = mine[ind.name]
            assert (got is None) == (want is None), (rec["id"], ind.name)
            if want is not None:
                assert got == pytest.approx(want)
                checked += 1
    assert checked > 50
    d = next(r for r in records if r["id"] == "002_jiaozuo_szfb_2025")
    apps = d["applications"]
    assert indicators(d)["disclosed_share"] == pytest.approx(
        (apps["disclosed"]["total"] + apps["partially_disclosed"]["total"]) / apps["total_processed"]["total"])


def test_carry_over_lines_up_consecutive_years(tmp_path):
    this_year = parse_file(SAMPLES / "002_jiaozuo_szfb_2025.txt", narrative="none").to_dict(include_text=False)
    last_year = copy.deepcopy(this_year)
    last_year["id"], last_year["meta"]["year"] = "jiaozuo_2024", 2024
    last_year["applications"]["carried_forward"] = dict(this_year["applications"]["carried_over"])
    last_year["applications"]["carried_forward"]["natural_person"] += 1     # one column does not carry over
    rows = carry_over_checks([this_year, last_year])
    assert len(rows) == len(APPLICANT_KEYS)
    assert [r["column"] for r in rows if r["matches"] is False] == ["natural_person"]
    assert all(r["matches"] for r in rows if r["column"] != "natural_person")

    out = tmp_path / "o"
    with OutputWriter(out, duckdb=True) as w:
        w.write_all([this_year, last_year])
        w.commit()
    with duckdb.connect(str(out / "xxgk.duckdb"), read_only=True) as c:
        view = c.execute('SELECT "column", carried_over, previous_carried_forward, matches FROM carry_over '
                         'ORDER BY "column"').fetchall()
    assert sorted((r["column"], r["carried_over"], r["previous_carried_forward"], r["matches"]) for r in rows) == view


def test_a_run_without_data_outputs_removes_stale_ones(batch, tmp_path):
    out = tmp_path / "o"
    assert runner.invoke(app, ["extract", str(SAMPLES / "002_jiaozuo_szfb_2025.txt"), "-o", str(out),
                               "--narrative", "none", "--parquet", "-q"]).exit_code == 0
    assert (out / "xxgk.duckdb").exists() and (out / "parquet").is_dir()
    assert runner.invoke(app, ["extract", str(SAMPLES / "002_jiaozuo_szfb_2025.txt"), "-o", str(out),
                               "--narrative", "none", "--no-duckdb", "--force", "-q"]).exit_code == 0
    assert not (out / "xxgk.duckdb").exists() and not (out / "parquet").exists()
    assert json.loads((out / "records.jsonl").read_text(encoding="utf-8"))["id"] == "002_jiaozuo_szfb_2025"


def test_a_batch_left_without_commit_leaves_no_database_and_keeps_the_old_one(batch, tmp_path):
    """The database is opened and its tables made while the batch runs (``store.Database``): a batch
    that fails, or is interrupted, before its commit leaves no half-built database beside the
    outputs, and the earlier complete one as it was."""
    one = parse_file(SAMPLES / "002_jiaozuo_szfb_2025.txt", narrative="none").to_dict(include_text=False)
    out = tmp_path / "o"
    with OutputWriter(out, duckdb=True, parquet=True) as w:
        w.write(one)
        w.commit()
    before = (out / "xxgk.duckdb").read_bytes()
    for stop in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(stop):
            with OutputWriter(out, duckdb=True, parquet=True) as w:
                w.write_all([one, one])
                raise stop()
        assert (out / "xxgk.duckdb").read_bytes() == before
        assert not [p.name for p in out.iterdir() if "duckdb" in p.name and p.name != "xxgk.duckdb"]
        assert not (out / ".parquet.partial").exists()
    # a database that cannot be written is the commit's error, and leaves nothing half-built
    w = OutputWriter(out, duckdb=True)
    w.open()
    w.write(one)
    w._files["rows.jsonl"].write(b"{not json\n")      # a staged line DuckDB cannot read
    with pytest.raises(duckdb.Error):
        w.commit()
    w.abort()
    assert (out / "xxgk.duckdb").read_bytes() == before
    assert not [p.name for p in out.iterdir() if "duckdb" in p.name and p.name != "xxgk.duckdb"]


def _contents(db: Path) -> dict:
    """Every table's and view's columns and rows, and the views' definitions."""
    with duckdb.connect(str(db), read_only=True) as c:
        names = [r[0] for r in c.execute("SHOW TABLES").fetchall()]
        out = {n: (c.execute(f'DESCRIBE "{n}"').fetchall(), sorted(map(repr, c.execute(f'SELECT * FROM "{n}"').fetchall())))
               for n in names}
        out["views"] = sorted(c.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall())
    return out


def test_a_database_starts_as_the_cached_empty_one_and_equals_one_made_in_place(tmp_path, monkeypatch):
    one = parse_file(SAMPLES / "002_jiaozuo_szfb_2025.txt", narrative="rules").to_dict(include_text=False)
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path / "cache"))
    made_here = []
    monkeypatch.setattr(store, "create", lambda con, st=None, make=store.create: made_here.append(1) or make(con, st))
    for run in ("first", "second"):
        made_here.clear()
        with OutputWriter(tmp_path / run, duckdb=True) as w:
            w.write_all([one, one | {"id": "other"}])
            w.commit()
        templates = list((tmp_path / "cache").glob("schema-*.duckdb"))
        assert len(templates) == 1
        if run == "first":
            inode = templates[0].stat().st_ino
    assert made_here == []                                               # the second run made no table
    assert templates[0].stat().st_ino == inode                           # made once, then copied
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XXGK_CACHE_DIR", str(blocked / "cache"))        # no cache: made in place
    with OutputWriter(tmp_path / "in_place", duckdb=True) as w:
        w.write_all([one, one | {"id": "other"}])
        w.commit()
    made = _contents(tmp_path / "in_place" / "xxgk.duckdb")
    assert len(made["reports"][1]) == 2 and len(made["cells"][1]) > 300 and len(made["codebook"][1]) > 200
    assert _contents(tmp_path / "first" / "xxgk.duckdb") == made
    assert _contents(tmp_path / "second" / "xxgk.duckdb") == made
