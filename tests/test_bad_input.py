"""Bad inputs end to end: each gets a clear status naming the file and the reason, and nothing is lost."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import extract
import extract.batch as batch
import extract.cli.extract_cmd as extract_cmd
import extract.pipeline
import hostile
from extract.cli import _register, app
from extract.export import OUTPUT_FILES, json_text, read_csv_rows, read_records

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
    """The batch iterator the CLI reads records from, raising ``exc`` at the third record."""
    real = batch.iter_batch_map

    def fake(fn, paths, **kw):
        for i, rec in enumerate(real(fn, paths, **kw)):
            if i == 2:
                raise exc
            yield rec
    return fake


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("disk on fire")])
def test_interrupted_run_leaves_earlier_outputs_untouched(tmp_path, monkeypatch, exc):
    out = tmp_path / "out"
    assert _run(SAMPLES, "-o", out, "--narrative", "none", "-q").exit_code == 0
    before = {n: (out / n).read_bytes() for n in OUTPUT_FILES}
    monkeypatch.setattr(extract_cmd, "iter_batch_map", _interrupting(exc))
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
    monkeypatch.setattr(extract_cmd, "iter_batch_map", _interrupting(KeyboardInterrupt()))
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


# -- the hostile corpus (issue 12): each input a record or an error row, the batch intact -------

@pytest.fixture()
def hostile_dir(tmp_path) -> Path:
    d = tmp_path / "hostile"
    d.mkdir()
    text = hostile.GOOD.read_text(encoding="utf-8")
    shutil.copy(hostile.GOOD, d / "good.txt")
    (d / "self_ref.pdf").write_bytes(hostile.self_referential_pdf())
    hostile.docx_zip_bomb(d / "bomb.docx")
    (d / "huge_spans.html").write_text(hostile.huge_span_html(), encoding="utf-8")
    (d / "nested.html").write_text(hostile.nested_divs_html(), encoding="utf-8")
    (d / "long_numbers.txt").write_text(hostile.with_long_numbers(text), encoding="utf-8")
    # a UTF-16 surrogate encoded on its own (CESU-8 style): not UTF-8, never a lone surrogate in the record
    (d / "surrogate.txt").write_bytes(text[:300].encode("utf-8") + b"\xed\xa0\x80" + text[300:].encode("utf-8"))
    (d / "formula.txt").write_text(text.replace("焦作市人民政府办公室", hostile.FORMULA_AGENCY + "焦作市人民政府办公室"),
                                   encoding="utf-8")
    (d / "+formula_name.txt").write_text(text, encoding="utf-8")
    with open(os.path.join(os.fsencode(d), b"gbk_\xc4\xea_\xb1\xa8.txt"), "wb") as f:   # 年_报 in GBK bytes
        f.write(text.encode("utf-8"))
    return d


def test_hostile_corpus_ends_as_records_and_error_rows_with_the_batch_intact(hostile_dir, tmp_path):
    out = tmp_path / "out"
    t0 = time.monotonic()
    res = _run(hostile_dir, "-o", out, "--narrative", "none", "--jobs", "2", "--file-timeout", "10", "-q")
    assert time.monotonic() - t0 < 90
    assert res.exit_code == 1, res.output
    recs = {os.fsencode(Path(r["source"]["path"]).name): r for r in read_records(out / "records.jsonl")}
    inputs = set(os.listdir(os.fsencode(hostile_dir)))
    assert set(recs) == inputs                              # the GBK file name round-trips byte for byte
    by = {os.fsdecode(k): r for k, r in recs.items()}
    errors = {Path(e["path"]).name: e for e in read_csv_rows(out / "errors.csv")}

    assert by["good.txt"]["status"] == "ok" and by["+formula_name.txt"]["status"] == "ok"
    assert by["self_ref.pdf"]["error_code"] == "E310" and "timed out after 10 s" in by["self_ref.pdf"]["error"]
    assert by["bomb.docx"]["error_code"] == "E100" and "would unpack to 1,200 MB" in by["bomb.docx"]["error"]
    assert {"self_ref.pdf", "bomb.docx"} <= set(errors)
    for name in ("huge_spans.html", "nested.html"):          # read, whatever they hold
        assert by[name]["status"] in ("ok", "partial", "failed") and (by[name]["status"] != "failed"
                                                                     or by[name]["error_code"] == "E200")
    assert by["nested.html"]["meta"]["agency"] == "某某局"
    long = by["long_numbers.txt"]
    assert long["status"] != "failed" and long["applications"]["new_received"]["total"] is None
    assert any(f["check"].startswith("applications.") and f["severity"] in ("error", "warning")
               and "本年新收" in f["message"] for f in long["findings"])
    assert by["surrogate.txt"]["status"] in ("ok", "failed")
    # the formula is kept as written in JSONL and neutralised in every CSV cell that shows it
    formula = by["formula.txt"]
    assert formula["meta"]["agency"].startswith(hostile.FORMULA_AGENCY)
    rows = {Path(r["path"]).name: r for r in read_csv_rows(out / "reports.csv")}
    assert rows["formula.txt"]["agency"] == "'" + formula["meta"]["agency"]
    assert rows["+formula_name.txt"]["id"] == "'" + by["+formula_name.txt"]["id"] == "'+formula_name"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows.values() for v in r.values())
    # the non-UTF-8 name is in the CSVs as backslash escapes (valid UTF-8), not lost
    gbk = os.fsdecode(b"gbk_\xc4\xea_\xb1\xa8.txt")
    assert by[gbk]["status"] == "ok"
    assert "gbk_\\udcc4\\udcea_\\udcb1\\udca8.txt" in rows


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = tmp_path / "bomb.docx"
    size = hostile.docx_zip_bomb(bomb)
    assert size < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rec = extract.pipeline.safe_parse_file(bomb, narrative=None)
    grew_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert rec.status == "failed" and rec.error_code == "E100" and "zip" in rec.error
    assert grew_kb < 100 * 1024                                   # 1.2 GB was never unpacked


@pytest.mark.parametrize("html", [hostile.huge_span_html(), hostile.nested_divs_html()],
                         ids=["rowspan0-colspan1000", "10000-nested-divs"])
def test_hostile_html_is_read_without_recursion_or_quadratic_growth(html):
    t0 = time.monotonic()
    rec = extract.parse_text(html, format="html", narrative=None)
    assert time.monotonic() - t0 < 20                            # was 3.5 minutes / RecursionError
    assert rec.status in ("ok", "partial", "failed")


def test_html_span_expansion_is_capped():
    from extract.ingest.html import _MAX_GRID_POSITIONS, _grid
    rows = [[("x", -1, 1000), (str(i), 1, 1)] for i in range(3000)]
    grid = _grid(rows)
    assert sum(len(r) for r in grid) <= _MAX_GRID_POSITIONS + 2 * len(rows)
    assert grid[1][1].text == "1"              # the spans that fit are still resolved, each row keeps its value


@pytest.mark.parametrize("digits", [16, 400, 5000])
def test_numbers_of_hundreds_of_digits_are_a_finding_not_an_exception(digits):
    rec = extract.parse_text(hostile.with_long_numbers(hostile.GOOD.read_text(encoding="utf-8"), digits),
                             narrative=None)
    assert rec.value("applications")["new_received"]["total"] is None
    # the row is reported (how it is worded is the table reader's: today "blank cell(s)")
    assert any(f.table == "applications" and f.severity in ("error", "warning") and "本年新收" in f.message
               for f in rec.findings)


@pytest.mark.parametrize("sample, fmt", [(hostile.GOOD, "text"),
                                         (hostile.SAMPLES / "005_jiaozuo_szfb_2025_html.html", "html")])
def test_a_lone_surrogate_in_text_is_no_exception(sample, fmt):
    text = sample.read_text(encoding="utf-8")
    rec = extract.parse_text(text[:200] + "\ud800" + text[200:], format=fmt, narrative="rules")
    assert rec.status == "ok"
    line = json_text(rec.to_dict())
    assert json.loads(line)["status"] == "ok"
    assert ("\\ud800" in line) is (fmt == "text")       # HTML: U+FFFD before lxml (it cannot take one)


def test_parse_number_range():
    from extract.tables.numbers import MAX_NUMBER_DIGITS, parse_number
    assert parse_number("9" * MAX_NUMBER_DIGITS) == int("9" * MAX_NUMBER_DIGITS)
    assert parse_number("9" * (MAX_NUMBER_DIGITS + 1)) is None
    assert parse_number("1" * 5000) is None and parse_number("1" + "0" * 400 + ".5") is None
    assert parse_number("000000000000000000000012") == 12 and parse_number("1,024") == 1024


def test_the_run_solver_gives_up_in_time_with_a_clear_reason(monkeypatch):
    from extract.tables import solve as solver
    from extract.tables.identities import Identity
    monkeypatch.setattr(solver, "MAX_SOLVE_SECONDS", 0.0)
    cols = tuple(f"r.c{i}" for i in range(4))
    readings = solver.run_readings("1" * 40, 0, 4)
    irr = solver.Irregular("r", cols, tuple(readings), "run", "digits ran together")
    idn = Identity(check="t.sum", describe="c0 = c1 + c2 + c3", lhs=(cols[0],), rhs=cols[1:])
    (res,) = solver.solve({}, [irr], [idn])
    assert res.values is None and res.survivors == solver.GAVE_UP
    from extract.tables.common import irregular_finding
    f = irregular_finding("applications", irr, "row", False, res.survivors)
    assert "too many readings to try" in f.message and f.severity == "error"


def _can_drop_root_read_rights() -> str | None:
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    probe = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", "true"],
                           capture_output=True)
    return None if probe.returncode == 0 else "cannot drop CAP_DAC_OVERRIDE here (setpriv failed)"


def test_an_unreadable_subfolder_is_reported_and_a_file_in_it_is_an_error_row(tmp_path):
    # Tests run as root, for whom chmod 000 changes nothing: the CLI runs without the capabilities
    # that let root read any folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as an ordinary user would.
    reason = _can_drop_root_read_rights() if os.geteuid() == 0 else None
    if reason:
        pytest.skip(reason)
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    shutil.copy(hostile.GOOD, d / "good.txt")
    shutil.copy(hostile.GOOD, d / "locked" / "hidden.txt")
    (d / "locked").chmod(0)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "extract", "extract", str(d), str(d / "locked" / "hidden.txt"), "-o", str(out),
           "--narrative", "none", "-q"]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, PYTHONPATH=str(Path(extract.__file__).parent.parent)))
    finally:
        (d / "locked").chmod(0o755)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    errors = {Path(e["path"]).name: e for e in read_csv_rows(out / "errors.csv")}
    assert "folder cannot be read" in errors["locked"]["error"]
    assert errors["hidden.txt"]["error_code"].startswith("E1") and "Permission denied" in errors["hidden.txt"]["error"]
    assert [r["status"] for r in read_records(out / "records.jsonl")
            if Path(r["source"]["path"]).name == "good.txt"] == ["ok"]


def test_a_docx_whose_main_part_is_not_a_document_is_an_ingest_error(tmp_path):
    """Found by tests/test_fuzz.py: python-docx opens it, then has no body to give."""
    import zipfile
    src = zipfile.ZipFile(hostile.SAMPLES / "020_huzhu_cgzf_2025_docx.docx")
    p = tmp_path / "foreign.docx"
    with zipfile.ZipFile(p, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = b'<?xml version="1.0"?><w:foo xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
            z.writestr(info, data)
    rec = extract.pipeline.safe_parse_file(p, narrative=None)
    assert rec.status == "failed" and rec.error_code == "E100" and "not a document body" in rec.error


def test_a_docx_with_huge_grid_spans_is_read_in_bounded_time(tmp_path):
    """Found by tests/test_fuzz.py: gridSpan="9999…" made a row of millions of cells."""
    import zipfile
    src = zipfile.ZipFile(hostile.SAMPLES / "020_huzhu_cgzf_2025_docx.docx")
    p = tmp_path / "spans.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                assert b'<w:gridSpan w:val="' in data
                data = data.replace(b'<w:gridSpan w:val="', b'<w:gridSpan w:val="99999999')
            z.writestr(info, data)
    t0 = time.process_time()
    rec = extract.pipeline.safe_parse_file(p, narrative=None)
    assert time.process_time() - t0 < 10
    assert rec.status in ("ok", "partial", "failed")
    from extract.ingest.docx import MAX_GRID_COLUMNS
    from extract.ingest import load
    assert all(len(row) <= MAX_GRID_COLUMNS for t in load(p).tables for row in t.rows)


def test_a_pdf_whose_page_box_is_not_numbers_is_an_ingest_error(tmp_path):
    # found by the fuzz test: pdfplumber's close() builds every page again and raised over the
    # reading's own IngestError, so the exception escaped the library
    data = (Path(__file__).resolve().parent.parent / "eval" / "samples" / "018_shanyang_qzf_2023_pdf.pdf").read_bytes()
    bad = data.replace(b"/MediaBox [ 0 0", b"/MediaBox [ /b 0", 1)
    assert bad != data
    p = tmp_path / "bad_box.pdf"
    p.write_bytes(bad)
    with pytest.raises(extract.errors.IngestError, match="bad_box.pdf"):
        extract.parse_file(p, narrative=None)
