"""``xxgk extract`` / ``xxgk show`` end to end on the bundled samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extract.batch import expand_paths, iter_batch
from extract.cli import _register, app
from extract.export import read_csv_rows, read_records

_register()
SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
runner = CliRunner()


def _samples() -> list[Path]:
    """Every labelled report among the samples (whatever its format)."""
    return [p for p in expand_paths([SAMPLES]) if p.with_suffix(".json").exists()]


CLEAN = ("000_", "001_", "002_", "003_", "004_", "005_")   # sources without known defects


def _label(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_extract_writes_consistent_outputs(tmp_path):
    out = tmp_path / "out"
    res = _run("extract", str(SAMPLES), "-o", str(out), "--narrative", "none")
    assert res.exit_code == 0, res.output
    recs = list(read_records(out / "records.jsonl"))
    inputs = {str(p) for p in _samples()}
    assert {r["source"]["path"] for r in recs} == inputs           # label .json files are not inputs
    assert all(r["status"] in ("ok", "partial") for r in recs)

    raw = (out / "reports.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out / "reports.csv", encoding="utf-8-sig")
    assert "applications.new_received.total" in df.columns
    assert len(df) == len(recs)
    ids = set(df["id"])
    findings = read_csv_rows(out / "findings.csv")
    assert findings and all(f["record_id"] in ids for f in findings)
    assert len(findings) == sum(len(r["findings"]) for r in recs)
    assert read_csv_rows(out / "errors.csv") == []
    assert not list(out.glob(".*partial"))
    assert f"{len(recs)} reports" in res.output


def test_reports_csv_values_match_the_labels(tmp_path):
    out = tmp_path / "out"
    _run("extract", str(SAMPLES), "-o", str(out), "--narrative", "none", "-q")
    df = pd.read_csv(out / "reports.csv", encoding="utf-8-sig").set_index("id")
    for p in (p for p in _samples() if p.name.startswith(CLEAN)):
        label = _label(p)
        for row in ("new_received", "total_processed", "carried_forward"):
            want = label["applications"][row]["total"]
            got = df.loc[p.stem, f"applications.{row}.total"]
            assert (pd.isna(got) if want is None else got == want), (p.stem, row)
        want = label["review_litigation"]["administrative_review"]["total"]
        assert df.loc[p.stem, "review_litigation.administrative_review.total"] == want
        assert df.loc[p.stem, "year"] == label["meta"]["year"]


def test_jobs_2_gives_the_same_records_as_jobs_1(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(8):                       # more files than one chunk per worker
        for p in _samples():
            shutil.copy(p, src / f"{i}_{p.name}")
    (src / "not_a_report.txt").write_text("这不是年度报告。\n只是一段文字。\n", encoding="utf-8")
    for jobs in ("1", "2"):
        res = _run("extract", str(src), "-o", str(tmp_path / f"out{jobs}"), "--jobs", jobs, "--narrative", "none")
        assert res.exit_code == 1, res.output                       # one failed input
    strip = lambda r: {k: v for k, v in r.items() if k != "seconds"}  # noqa: E731
    one = [strip(r) for r in read_records(tmp_path / "out1" / "records.jsonl")]
    two = [strip(r) for r in read_records(tmp_path / "out2" / "records.jsonl")]
    assert len(one) == 8 * len(_samples()) + 1
    assert one == two
    assert (tmp_path / "out1" / "errors.csv").read_bytes() == (tmp_path / "out2" / "errors.csv").read_bytes()


def test_iter_batch_in_process_and_in_workers_agree():
    paths = _samples()
    a = [r.to_dict(include_text=False) for r in iter_batch(paths, jobs=1, narrative="none")]
    b = [r.to_dict(include_text=False) for r in iter_batch(paths, jobs=2, narrative="none")]
    for d in a + b:
        d.pop("seconds")
    assert [d["id"] for d in a] == [p.stem for p in paths]
    assert a == b


def test_expand_paths_files_folders_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "y.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "deep" / "z.html").write_text("<p>z</p>", encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes(b"%PDF")
    got = expand_paths([tmp_path / "a", str(tmp_path / "*.pdf"), tmp_path / "a" / "x.txt"])
    assert got == [tmp_path / "a" / "deep" / "z.html", tmp_path / "a" / "x.txt", tmp_path / "b.pdf"]


def test_usage_errors_exit_2(tmp_path):
    res = runner.invoke(app, ["extract", str(tmp_path / "*.nothing"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "no file matches" in res.output
    res = runner.invoke(app, ["extract", str(SAMPLES), "-o", str(tmp_path / "o"), "--narrative", "magic"])
    assert res.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_show_prints_tables_and_findings():
    p = SAMPLES / "002_jiaozuo_szfb_2025.txt"
    res = runner.invoke(app, ["show", str(p), "--narrative", "none"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    label = _label(p)
    assert "本年新收政府信息公开申请数量" in res.output
    assert "结转下年度继续办理" in res.output
    assert "行政复议" in res.output and "自然人" in res.output
    assert str(label["applications"]["new_received"]["total"]) in res.output
    assert "行政规范性文件" in res.output


def test_show_a_file_that_is_not_a_report(tmp_path):
    p = tmp_path / "note.txt"
    p.write_text("hello", encoding="utf-8")
    res = runner.invoke(app, ["show", str(p), "--narrative", "none"])
    assert res.exit_code == 1
    assert "E200" in res.output


def test_rules_narrative_end_to_end(tmp_path):
    pytest.importorskip("extract.narrative.rules")
    out = tmp_path / "out"
    res = _run("extract", str(SAMPLES), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    recs = list(read_records(out / "records.jsonl"))
    assert all(r["narrative_method"] == "rules" for r in recs)
    assert sum(len(r["narrative"]["problems"]) for r in recs) > 0
    rows = read_csv_rows(out / "reports.csv")   # no model asked: the LLM usage columns are blank
    assert rows and all(r["llm_calls"] == "" and r["llm_cost_usd"] == "" for r in rows)


# -- issue 11: ids, files that are not reports, a dead endpoint -------------------------

def test_colliding_stems_get_distinct_stable_ids(tmp_path):
    inp = tmp_path / "in"
    for sub in ("a", "b"):
        (inp / sub).mkdir(parents=True)
    shutil.copy(SAMPLES / "002_jiaozuo_szfb_2025.txt", inp / "a" / "2025.txt")
    shutil.copy(SAMPLES / "000_shanyang_cgj_2025.txt", inp / "b" / "2025.txt")
    shutil.copy(SAMPLES / "005_jiaozuo_szfb_2025_html.html", inp / "a" / "2025.html")
    shutil.copy(SAMPLES / "004_huzhu_cgzf_2025.txt", inp / "b" / "huzhu.txt")
    ids = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        res = _run("extract", str(inp), "-o", str(out), "--narrative", "none", "--no-duckdb", "-q")
        assert res.exit_code == 0, res.output
        recs = list(read_records(out / "records.jsonl"))
        ids.append({Path(r["source"]["path"]).relative_to(inp).as_posix(): r["id"] for r in recs})
    assert ids[0] == {"a/2025.txt": "a/2025.txt", "b/2025.txt": "b/2025.txt", "a/2025.html": "a/2025.html",
                      "b/huzhu.txt": "huzhu"}
    assert ids[0] == ids[1]                                      # stable across runs
    rows = read_csv_rows(tmp_path / "out0" / "reports.csv")
    assert len({r["id"] for r in rows}) == 4


def test_a_report_without_extension_is_read_and_a_jpg_is_listed_as_skipped(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(SAMPLES / "002_jiaozuo_szfb_2025.txt", inp / "report2025")          # no extension
    (inp / "scan.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(200))
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(inp), "-o", str(out), "--narrative", "none", "--no-duckdb"])
    assert res.exit_code == 1                     # an input was not read: errors.csv says which
    recs = list(read_records(out / "records.jsonl"))
    assert [(r["id"], r["status"]) for r in recs] == [("report2025", "ok")]
    assert recs[0]["applications"]["new_received"]["total"] == 266
    errors = read_csv_rows(out / "errors.csv")
    assert [(Path(e["path"]).name, e["error_code"]) for e in errors] == [("scan.jpg", "skipped")]
    assert "image/jpeg" in errors[0]["error"]
    assert "1 files skipped" in res.output


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]          # nothing listens there once the socket is closed


def test_a_dead_endpoint_fails_fast_unless_llm_fallback(tmp_path):
    import time
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    args = ["extract", str(SAMPLES / "002_jiaozuo_szfb_2025.txt"), str(SAMPLES / "000_shanyang_cgj_2025.txt"),
            "--narrative", "llm", "--llm-base-url", url, "--llm-model", "m", "--no-llm-cache", "--no-duckdb"]
    t0 = time.perf_counter()
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "a")])
    assert res.exit_code == 2, res.output
    assert "cannot be used" in res.output and "--llm-fallback" in res.output
    assert not (tmp_path / "a" / "records.jsonl").exists()
    assert time.perf_counter() - t0 < 60

    res = runner.invoke(app, [*args, "-o", str(tmp_path / "b"), "--llm-fallback", "-q"])
    assert res.exit_code == 0, res.output
    recs = list(read_records(tmp_path / "b" / "records.jsonl"))
    assert [r["narrative_method"] for r in recs] == ["rules_fallback"] * 2
    assert all(r["llm_usage"]["calls"] >= 1 for r in recs)      # the failed calls count
    assert all(r["narrative"]["problems"] for r in recs)


def test_compare_lines_up_years_and_reports_a_carry_over_that_differs(tmp_path):
    import copy

    from extract.export import write_outputs
    from extract.pipeline import parse_file
    this_year = parse_file(SAMPLES / "002_jiaozuo_szfb_2025.txt", narrative="none").to_dict(include_text=False)
    last_year = copy.deepcopy(this_year)
    last_year["id"], last_year["meta"]["year"] = "jiaozuo_2024", 2024
    last_year["applications"]["carried_forward"] = dict(this_year["applications"]["carried_over"])
    last_year["applications"]["carried_forward"]["total"] += 2
    out = tmp_path / "out"
    write_outputs([this_year, last_year], out)
    res = runner.invoke(app, ["compare", str(out), "--csv", str(tmp_path / "carry.csv")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "1 column(s) differ: total" in res.output
    assert "1 consecutive-year pairs checked, 1 with a carry-over that differs" in res.output
    rows = read_csv_rows(tmp_path / "carry.csv")
    assert len(rows) == 7 and [r["column"] for r in rows if r["matches"] == "False"] == ["total"]
    bad = next(r for r in rows if r["column"] == "total")
    assert int(bad["previous_carried_forward"]) == int(bad["carried_over"]) + 2


def test_a_one_report_run_imports_only_what_it_uses(tmp_path):
    """Start-up is part of every run (issue 15): extracting one text report imports neither the
    libraries of other paths (LLM, HTML/PDF/DOCX readers, worker pool, progress bar and tables)
    nor duckdb with --no-duckdb."""
    import os
    import subprocess
    import sys

    heavy = ("pydantic", "typer", "rich", "duckdb", "pebble", "asyncio", "openai", "langchain_core", "lxml",
             "pdfplumber", "docx", "jieba", "spacy", "extract.evaluation", "extract.review")
    code = ("import sys\nfrom extract.cli import main\n"
            f"sys.argv = ['xxgk', 'extract', {str(SAMPLES / '002_jiaozuo_szfb_2025.txt')!r}, "
            f"'-o', {str(tmp_path / 'out')!r}, '--no-duckdb']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(SAMPLES.parent.parent)))
    assert out.stdout.strip() == "[]", out.stdout
    assert (tmp_path / "out" / "records.jsonl").exists()
