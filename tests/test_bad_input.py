"""Bad inputs end to end: each gets a clear status naming the file and the reason, and nothing is lost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import extract
import extract.batch as batch
import extract.cli.extract_cmd as extract_cmd
from extract.cli import _register, app
from extract.export import OUTPUT_FILES, read_csv_rows, read_records

_register()
SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
runner = CliRunner()


@pytest.fixture()
def bad_dir(tmp_path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    good = SAMPLES / "002_jiaozuo_szfb_2025.txt"
    shutil.copy(good, d / "good.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.pdf").write_bytes(bytes(range(256)) * 64)         # a "PDF" that is noise
    (d / "binary.txt").write_bytes(b"\x00\x01\xff\xfe\x80" * 1000)
    (d / "not_a_report.txt").write_text("会议通知\n请各单位于周五前报送材料。\n", encoding="utf-8")
    text = good.read_text(encoding="utf-8")
    (d / "truncated.txt").write_text(text[: len(text) // 3], encoding="utf-8")
    (d / "undecodable.txt").write_bytes("政府信息公开工作年度报告".encode("utf-8")[:-1] + b"\xc3\x28" * 50)
    with (d / "huge.txt").open("wb") as f:                         # 200 MB, sparse: costs no disk
        f.truncate(200 * 1024 * 1024)
    return d


def _run(*args):
    return runner.invoke(app, ["extract", *map(str, args)], catch_exceptions=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_bad_input_is_accounted_for(bad_dir, tmp_path, jobs):
    out = tmp_path / f"out{jobs}"
    res = _run(bad_dir, "-o", out, "--narrative", "none", "--jobs", jobs)
    assert res.exit_code == 1, res.output                          # some inputs failed
    recs = {Path(r["source"]["path"]).name: r for r in read_records(out / "records.jsonl")}
    inputs = {p.name for p in bad_dir.iterdir()}
    assert set(recs) == inputs
    errors = {Path(e["path"]).name: e for e in read_csv_rows(out / "errors.csv")}
    failed = {n for n, r in recs.items() if r["status"] == "failed"}
    assert set(errors) == failed                                   # failed inputs are in both files
    assert {"empty.txt", "binary.pdf", "binary.txt", "not_a_report.txt", "undecodable.txt",
            "huge.txt"} <= failed
    assert recs["good.txt"]["status"] == "ok"
    truncated = recs["truncated.txt"]               # title and section 一 only: a report, cut off
    assert truncated["status"] == "partial" and truncated["meta"]["agency"] == "焦作市人民政府办公室"
    checks = {f["check"]: f for f in truncated["findings"]}
    assert checks["report.truncated"]["severity"] == "error" and "truncated" in checks["report.truncated"]["message"]
    assert {"active_disclosure.missing", "applications.missing", "review_litigation.missing"} <= set(checks)
    for name in failed:
        e = errors[name]
        assert e["error_code"].startswith("E") and e["error"], e
        assert e["path"].endswith(name)
    assert "empty" in errors["empty.txt"]["error"]
    assert "too large" in errors["huge.txt"]["error"]
    assert errors["not_a_report.txt"]["error_code"] == "E200"
    assert errors["undecodable.txt"]["error_code"].startswith("E1")
    rows = read_csv_rows(out / "reports.csv")
    assert {Path(r["path"]).name for r in rows} == inputs


def test_missing_file_named_explicitly_becomes_an_error_row(tmp_path):
    out = tmp_path / "out"
    res = _run(tmp_path / "gone.txt", SAMPLES / "002_jiaozuo_szfb_2025.txt", "-o", out, "--narrative", "none")
    assert res.exit_code == 1
    errors = read_csv_rows(out / "errors.csv")
    assert [Path(e["path"]).name for e in errors] == ["gone.txt"]
    assert "not found" in errors[0]["error"]


def _interrupting(exc: BaseException):
    real = batch.iter_batch

    def fake(paths, **kw):
        for i, rec in enumerate(real(paths, **kw)):
            if i == 2:
                raise exc
            yield rec
    return fake


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("disk on fire")])
def test_interrupted_run_leaves_earlier_outputs_untouched(tmp_path, monkeypatch, exc):
    out = tmp_path / "out"
    assert _run(SAMPLES, "-o", out, "--narrative", "none", "-q").exit_code == 0
    before = {n: (out / n).read_bytes() for n in OUTPUT_FILES}
    monkeypatch.setattr(extract_cmd, "iter_batch", _interrupting(exc))
    res = runner.invoke(app, ["extract", str(SAMPLES), "-o", str(out), "--narrative", "none", "-q", "--force"])
    assert res.exit_code != 0
    if isinstance(exc, KeyboardInterrupt):
        assert res.exit_code == 130
    # Ctrl-C keeps the checkpoint (hidden temp files) for --resume; an error leaves no temp file
    left = {n for n in os.listdir(out) if n.startswith(".")}
    assert bool(left) == isinstance(exc, KeyboardInterrupt)
    assert OUTPUT_FILES[0] in {n for n in os.listdir(out) if not n.startswith(".")}
    assert {n: (out / n).read_bytes() for n in OUTPUT_FILES} == before


def test_interrupted_first_run_leaves_no_final_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(extract_cmd, "iter_batch", _interrupting(KeyboardInterrupt()))
    res = runner.invoke(app, ["extract", str(SAMPLES), "-o", str(out), "--narrative", "none"])
    assert res.exit_code == 130
    assert "interrupted" in res.output
    assert [n for n in os.listdir(out) if not n.startswith(".")] == []     # only the hidden checkpoint


# (a worker process that dies on one file: tests/test_reliability.py)


@pytest.mark.parametrize("stop_before, truncated", [("#### 四、", True), ("#### 五、", True), ("#### 六、", False)])
def test_a_report_cut_off_before_section_five_is_partial_and_says_so(stop_before, truncated):
    text = (SAMPLES / "002_jiaozuo_szfb_2025.txt").read_text(encoding="utf-8")
    rec = extract.parse_text(text[: text.index(stop_before)], narrative=None)
    checks = {f.check for f in rec.findings}
    assert ("report.truncated" in checks) is truncated      # a report without 六 is not called truncated
    assert rec.status == ("partial" if truncated else "ok")
