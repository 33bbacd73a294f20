"""The format table (``extract.ingest.FORMATS``): OFD is recognised and refused, a folder reads a file
without a report suffix only when it reads like a report, and a new format is one table entry that
scanning, sniffing, the eval harness and the CLI all pick up."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from extract.batch import scan_paths
from extract.cli import _register, app
from extract.errors import ConfigError, UnsupportedFormat
from extract.evaluation import run_eval
from extract.export import read_csv_rows, read_records
from extract.ingest import (FORMATS, FileFormat, choose_format, document_from_text, guess_format, is_grid_format,
                            load, register_format, report_suffixes, sniff_format)
from extract.ingest.formats import starts_with, zip_member_names

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "eval" / "samples"
REPORT = SAMPLES / "002_jiaozuo_szfb_2025.txt"
runner = CliRunner()
_register()


def _zip(*members: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


OFD = _zip(("OFD.xml", b"<?xml version='1.0'?><ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>"),
           ("Doc_0/Document.xml", b"<ofd:Document/>"))
DOCX = _zip(("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>"))


# -- the table and what derives from it ---------------------------------------------------

def test_every_suffix_names_one_format_and_the_derived_views_agree():
    suffixes = [s for f in FORMATS.values() for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes))
    for f in FORMATS.values():
        for s in f.suffixes:
            assert guess_format(f"r{s.upper()}") == f.name
    assert report_suffixes() == tuple(s for f in FORMATS.values() if f.in_folders for s in f.suffixes)
    assert ".jpg" not in report_suffixes() and ".txt" in report_suffixes() and ".ofd" in report_suffixes()
    assert [n for n in FORMATS if is_grid_format(n)] == ["html", "pdf", "docx", "doc"]
    assert FORMATS["image"].extra == "ocr"


def test_a_suffix_must_be_lower_case_with_a_dot():
    with pytest.raises(ValueError, match="suffixes"):
        FileFormat("x", lambda data, path: None, suffixes=("xyz",))


# -- OFD ---------------------------------------------------------------------------

def test_ofd_is_told_from_docx_by_its_members():
    assert zip_member_names(OFD)[0] == "OFD.xml"
    assert sniff_format(OFD) == "ofd"
    assert sniff_format(DOCX) == "docx"
    assert choose_format("r.docx", OFD) == "ofd"          # the content wins over the suffix
    assert choose_format("r.ofd", DOCX) == "docx"


def test_ofd_whose_ofd_xml_is_not_the_first_member_is_still_ofd(tmp_path):
    data = _zip(("Doc_0/Res/big.bin", bytes(range(256)) * 64), ("OFD.xml", b"<ofd:OFD/>"))
    p = tmp_path / "r.docx"
    p.write_bytes(data)
    with pytest.raises(UnsupportedFormat, match="OFD files are not supported") as ei:
        load(p)
    assert ei.value.path == str(p)


@pytest.mark.parametrize("name", ["report.ofd", "report.docx", "report"])
def test_ofd_is_refused_naming_the_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(OFD)
    with pytest.raises(UnsupportedFormat) as ei:
        load(p)
    assert ei.value.reason == "OFD files are not supported; save the report as DOCX, PDF or text"
    assert ei.value.path == str(p) and ei.value.code == "E101"


def test_ofd_in_a_folder_is_an_error_row_like_rtf(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(REPORT, inp / "a.txt")
    (inp / "b.ofd").write_bytes(OFD)
    (inp / "c").write_bytes(OFD)                         # no suffix: sniffed
    (inp / "d").write_bytes(b"{\\rtf1\\ansi hello}")       # RTF, for comparison
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(inp), "-o", str(out), "--narrative", "none", "--no-duckdb"])
    assert res.exit_code == 1, res.output                 # inputs that could not be read
    recs = {r["id"]: r for r in read_records(out / "records.jsonl")}
    assert recs["a"]["status"] == "ok"
    assert {k: (r["status"], r["error_code"]) for k, r in recs.items() if k != "a"} == {
        "b": ("failed", "E101"), "c": ("failed", "E101"), "d": ("failed", "E101")}
    errors = {Path(e["path"]).name: e for e in read_csv_rows(out / "errors.csv")}
    assert sorted(errors) == ["b.ofd", "c", "d"]
    for name in ("b.ofd", "c"):
        assert "OFD files are not supported" in errors[name]["error"]
    assert "RTF files are not supported" in errors["d"]["error"]
    assert recs["b"]["source"]["format"] == "ofd"


# -- files without a report suffix in a folder ---------------------------------------------

HEADING_ONLY = "某某文件\n一、总体情况\n本年度，我局认真贯彻落实条例。\n"
ONE_LINE = ("当前位置：首页 > 年报 某某县教育局2023年度政府信息公开工作年度报告 一、总体情况 本年度，我局认真贯彻落实。"
            "二、主动公开政府信息情况 ……")
NOTICE = "关于做好2024年春节期间安全生产工作的通知\n各乡镇、各部门：\n为切实做好春节期间安全生产工作，现通知如下。\n"
TSV = ("file\tsource\tagency\tyear\tnotes\n"
       "001.txt\tgithub:x path=a/某某局2019年度政府信息公开工作年度报告/page.txt\t某某局\t2019\t"
       "template 2019; 四、政府信息公开行政复议 heading runs into a row label\n")


@pytest.mark.parametrize("content, reason", [
    pytest.param(REPORT.read_text(encoding="utf-8"), None, id="report"),
    pytest.param(HEADING_ONLY, None, id="section-heading"),
    pytest.param(ONE_LINE, None, id="one-line-crawled-body"),
    pytest.param("<html><body><p>x</p></body></html>", None, id="html-page"),
    pytest.param(TSV, "without a report title or section heading", id="tab-separated-list-of-reports"),
    pytest.param(NOTICE, "without a report title or section heading", id="other-chinese-text"),
    pytest.param("hello, world\n", "without Chinese text", id="english-text"),
    pytest.param('{"title": "某某局2019年度政府信息公开工作年度报告"}', "JSON data", id="json"),
])
def test_a_file_without_a_report_suffix_is_read_only_if_it_reads_like_a_report(tmp_path, content, reason):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(REPORT, inp / "anchor.txt")               # a folder without any report is an error
    (inp / "f.dat").write_text(content, encoding="utf-8")
    scan = scan_paths([inp])
    skipped = {k.path.name: k.reason for k in scan.skipped}
    if reason is None:
        assert inp / "f.dat" in scan.files and "f.dat" not in skipped
    else:
        assert inp / "f.dat" not in scan.files and reason in skipped["f.dat"]


def test_the_realdev_manifest_is_not_read_as_a_report():
    scan = scan_paths([REPO / "eval" / "realdev"])
    skipped = {k.path.name: k.reason for k in scan.skipped}
    assert skipped["MANIFEST.tsv"] == "text/tab-separated-values without a report title or section heading: " \
                                      "not a report"
    assert sorted(p.suffix for p in scan.files) == [".md"] + [".txt"] * 25     # README.md, the 25 reports


# -- a new format is one entry ------------------------------------------------------------
# What a user writes to add a format is the one ``register_format`` call below (or the same
# ``FileFormat(...)`` as a line of ``_TABLE`` in extract/ingest/formats.py); nothing else changes.

TOY_MAGIC = b"XYZ1"


def read_xyz(data: bytes, path: str | None):
    """The toy format: a signature, then the report as UTF-16 (binary to a text sniffer)."""
    return document_from_text(data[len(TOY_MAGIC):].decode("utf-16-le"), format="xyz", path=path)


def _xyz(text: str) -> bytes:
    return TOY_MAGIC + text.encode("utf-16-le")


@pytest.fixture
def toy_format():
    saved = dict(FORMATS)
    register_format(FileFormat("xyz", read_xyz, suffixes=(".xyz",), sniff=starts_with(TOY_MAGIC)))
    yield
    FORMATS.clear()
    FORMATS.update(saved)


@pytest.fixture
def toy_folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.xyz").write_bytes(_xyz(REPORT.read_text(encoding="utf-8")))
    (d / "b").write_bytes(_xyz(REPORT.read_text(encoding="utf-8")))        # no suffix: sniffed
    label = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
    (d / "a.json").write_text(json.dumps({**label, "id": "a"}, ensure_ascii=False), encoding="utf-8")  # a's label
    return d


def test_without_the_entry_the_toy_files_are_not_reports(toy_folder):
    assert ".xyz" not in report_suffixes() and sniff_format(_xyz("x")) is None
    assert choose_format("a.xyz", _xyz("x")) == "text"
    with pytest.raises(ConfigError, match=r"no report files .* \(3 other file\(s\) or folder\(s\) skipped\)"):
        scan_paths([toy_folder])


def test_a_registered_format_is_scanned_sniffed_scored_and_extracted(toy_folder, toy_format, tmp_path):
    # scanning and sniffing
    assert ".xyz" in report_suffixes() and guess_format("r.XYZ") == "xyz"
    assert sniff_format(_xyz("x")) == "xyz" and choose_format("r.txt", _xyz("x")) == "xyz"
    scan = scan_paths([toy_folder])
    assert scan.files == [toy_folder / "a.xyz", toy_folder / "b"]
    assert [(k.path.name, k.label) for k in scan.skipped] == [("a.json", True)]
    # the eval harness finds a.xyz beside its label and scores it
    card = run_eval(toy_folder, narrative="none")
    (rep,) = card.reports
    assert rep["id"] == "a" and rep["status"] == "ok" and rep["tables_exact"]
    # the CLI extracts both files through the new reader
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(toy_folder), "-o", str(out), "--narrative", "none", "--no-duckdb"])
    assert res.exit_code == 0, res.output
    recs = list(read_records(out / "records.jsonl"))
    assert [(r["id"], r["status"], r["source"]["format"]) for r in recs] == [("a", "ok", "xyz"), ("b", "ok", "xyz")]
    label = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
    assert all(r["applications"] == label["applications"] for r in recs)
    res = runner.invoke(app, ["eval", "--samples", str(toy_folder), "--narrative", "none", "-q"])
    assert res.exit_code == 0, res.output
