"""Ingest of text and Markdown files: decoding, refusals, format choice, layout invariants."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.errors import IngestError, UnsupportedFormat
from extract.ingest import (MAX_BYTES, choose_format, decode_bytes, document_from_text, from_text, load,
                            load_with_bytes, register, sniff_format)
from extract.ingest import FORMATS
from extract.ingest.formats import lazy_reader
from extract.types import Document, Paragraph

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
REPORT = "焦作市人民政府办公室 2025 年政府信息公开工作年度报告\n一、总体情况\n依申请公开事项 266 件，上年结转 2 件。\n"


def assert_grounded(doc: Document) -> None:
    """Every paragraph and cell slices back out of the text; blocks are in order."""
    last = -1
    for b in doc.blocks:
        assert b.span[0] >= last
        last = b.span[0]
        if isinstance(b, Paragraph):
            assert doc.text[b.span[0]:b.span[1]] == b.text
        else:
            for row in b.rows:
                for c in row:
                    assert doc.text[c.span[0]:c.span[1]] == c.text
                    assert b.span[0] <= c.span[0] <= c.span[1] <= b.span[1]


# -- decoding -------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["gb18030", "gbk", "gb2312"])
def test_gb_family_file_is_detected_and_decoded_as_gb18030(tmp_path, codec):
    p = tmp_path / "r.txt"
    p.write_bytes((REPORT * 3).encode(codec))
    doc = load(p)
    assert doc.encoding == "gb18030"
    assert doc.text.startswith("焦作市人民政府办公室")


def test_gb18030_only_characters_survive(tmp_path):
    text = REPORT + "𠀀 is a GB18030 four-byte character\n"
    p = tmp_path / "r.txt"
    p.write_bytes(text.encode("gb18030"))
    assert "𠀀" in load(p).text


def test_utf8_bom_is_stripped():
    text, enc = decode_bytes("\ufeff".encode() + REPORT.encode())
    assert enc == "utf-8-sig" and text == REPORT


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_utf16_and_utf32_by_bom(codec):
    data = REPORT.encode(codec)
    if not codec.endswith(("16", "32")):         # the -le/-be codecs write no BOM: add it
        data = ("\ufeff" + REPORT).encode(codec)
    text, enc = decode_bytes(data)
    assert text.lstrip("\ufeff") == REPORT
    assert enc.startswith("utf-")


def test_crlf_and_cr_are_normalised_and_bom_dropped(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes("\ufeff第一行\r\n第二行\r第三行\n".encode("utf-8"))
    doc = load(p)
    assert doc.text == "第一行\n第二行\n第三行\n"
    assert [b.text for b in doc.blocks] == ["第一行", "第二行", "第三行"]


def test_utf8_decodes_fast():
    data = (REPORT * 100).encode()[:10_000].decode("utf-8", "ignore").encode()
    decode_bytes(data)
    t0 = time.perf_counter()
    for _ in range(100):
        decode_bytes(data)
    assert (time.perf_counter() - t0) / 100 < 0.001


@pytest.mark.parametrize("data, reason", [
    (b"\x00\x01\x02binary\x00" * 50, "binary file, not text"),
    (bytes(range(1, 9)) * 100, "binary file, not text"),
    (b"\x81\xff\xfe\x80" * 50, "cannot decode as text: not UTF-8 and no encoding detected"),
    (" \n\t\u3000\r\n".encode(), "no text (only whitespace)"),
])
def test_refusals_name_the_file_and_the_reason(tmp_path, data, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(IngestError) as ei:
        load(p)
    assert ei.value.reason == reason
    assert ei.value.path == str(p)
    assert str(p) in str(ei.value)


def test_empty_missing_and_folder(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    for path, reason in [(tmp_path / "e.txt", "empty file (0 bytes)"), (tmp_path / "nope.txt", "file not found"),
                         (tmp_path, "is a folder, not a file")]:
        with pytest.raises(IngestError) as ei:
            load(path)
        assert ei.value.reason == reason


def test_huge_file_refused_from_its_size(tmp_path):
    p = tmp_path / "huge.txt"
    with p.open("wb") as f:
        f.truncate(200 * 1024 * 1024)     # sparse: no disk used, and reading it would take seconds
    t0 = time.perf_counter()
    with pytest.raises(IngestError) as ei:
        load(p)
    assert time.perf_counter() - t0 < 0.1
    assert "too large" in ei.value.reason and "200 MB" in ei.value.reason
    assert p.stat().st_size > MAX_BYTES


# -- format choice ------------------------------------------------------------------

@pytest.mark.parametrize("head, fmt", [
    (b"%PDF-1.7\n", "pdf"),
    (b"PK\x03\x04\x14\x00", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
    (b"<!DOCTYPE html><html>", "html"),
    (b"\xef\xbb\xbf  <!doctype HTML>", "html"),
    (b"<?xml version='1.0'?>\n<!-- saved -->\n<html xmlns='x'>", "html"),
    (b"<HTML><body>", "html"),
    ("一、总体情况".encode(), None),
    (b"<p>not a page</p>", None),
])
def test_sniff(head, fmt):
    assert sniff_format(head) == fmt


@pytest.mark.parametrize("name, head, fmt", [
    ("r.txt", b"%PDF-1.4", "pdf"),              # a .txt that is really a PDF
    ("r.doc", b"PK\x03\x04", "docx"),           # a .doc that is really a .docx
    ("r.doc", b"<html><body>", "html"),         # Word's "save as web page" named .doc
    ("r.txt", "报告".encode(), "text"),
    ("r.md", b"# title", "markdown"),
    ("r.htm", b"<div>x</div>", "html"),          # an HTML fragment keeps its suffix
    ("r", "报告".encode(), "text"),
    ("r.pdf", b"%PDF-1.4", "pdf"),
])
def test_choose_format(name, head, fmt):
    assert choose_format(name, head) == fmt


def test_txt_that_is_a_pdf_goes_to_the_pdf_reader(tmp_path, monkeypatch):
    seen = {}

    def fake_pdf(data, path):
        seen["data"] = data
        return Document(text="x", blocks=(), format="pdf", path=path)

    monkeypatch.setitem(FORMATS, "pdf", dataclasses.replace(FORMATS["pdf"], reader=fake_pdf))
    p = tmp_path / "report.txt"
    p.write_bytes(b"%PDF-1.4 ...")
    doc, raw = load_with_bytes(p)
    assert doc.format == "pdf" and seen["data"] == raw == b"%PDF-1.4 ..."


def test_register_replaces_a_reader(monkeypatch):
    monkeypatch.setitem(FORMATS, "text", FORMATS["text"])
    marker = Document(text="m", blocks=(), format="text")
    register("text", lambda data, path: marker)
    assert FORMATS["text"].reader(b"", None) is marker
    assert FORMATS["text"].suffixes == (".txt", ".text")          # the rest of the entry is kept


def test_binary_readers_are_lazy(tmp_path):
    import subprocess
    import sys
    code = ("import sys, extract; extract.parse_text('一、总体情况', narrative=None); "
            "print(any(m in sys.modules for m in ('pdfplumber', 'docx', 'extract.ingest.pdf', 'bs4')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_reader_module_is_an_unsupported_format(tmp_path, monkeypatch):
    monkeypatch.setitem(FORMATS, "docx", dataclasses.replace(
        FORMATS["docx"], reader=lazy_reader("docx", "extract.ingest.no_such_module", "read_docx")))
    p = tmp_path / "r.docx"
    p.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(UnsupportedFormat) as ei:
        load(p)
    assert "DOCX" in ei.value.reason and ei.value.path == str(p)


def test_rtf_is_refused_clearly(tmp_path):
    p = tmp_path / "r.doc"
    p.write_bytes(b"{\\rtf1\\ansi hello}")
    with pytest.raises(UnsupportedFormat, match="RTF"):
        load(p)


def test_from_text_rejects_binary_formats():
    with pytest.raises(UnsupportedFormat):
        from_text("x", format="pdf")


# -- layout ----------------------------------------------------------------------

def test_tab_lines_are_tables_and_the_span_ends_at_the_last_row():
    text = "标题\n规章\t0\t0\n行政规范性文件\t7\t121\n\n后文\n"
    doc = document_from_text(text)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    t = doc.tables[0]
    assert text[t.span[0]:t.span[1]] == "规章\t0\t0\n行政规范性文件\t7\t121"
    assert [[c.text for c in r] for r in t.rows] == [["规章", "0", "0"], ["行政规范性文件", "7", "121"]]
    assert [(c.row, c.col) for c in t.rows[1]] == [(1, 0), (1, 1), (1, 2)]
    assert_grounded(doc)


def test_blank_line_ends_a_table_and_empty_cells_are_kept():
    doc = document_from_text("a\t\tb\n\nc\td\n")
    assert len(doc.tables) == 2
    assert [c.text for c in doc.tables[0].rows[0]] == ["a", "", "b"]
    assert_grounded(doc)


def test_paragraphs_are_stripped_of_surrounding_whitespace():
    doc = document_from_text("   一、总体情况  \n")
    (p,) = doc.blocks
    assert p.text == "一、总体情况" and p.span == (3, 9)


def test_markdown_pipe_table():
    text = "## 二、主动公开\n\n| 信息内容 | 本年制发件数 |  |\n|---|:---:|---|\n| 规章 | 0 |  |\n| 行政规范性文件 |7| 1 |\n\n段落"
    doc = document_from_text(text, format="markdown")
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "## 二、主动公开"
    (t,) = doc.tables
    assert [[c.text for c in r] for r in t.rows] == [["信息内容", "本年制发件数", ""], ["规章", "0", ""],
                                                    ["行政规范性文件", "7", "1"]]
    assert text[t.span[0]:t.span[1]].endswith("|7| 1 |")
    assert doc.blocks[-1].text == "段落"
    assert_grounded(doc)


def test_pipes_are_text_outside_markdown():
    doc = document_from_text("| a | b |\n", format="text")
    assert isinstance(doc.blocks[0], Paragraph)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.stem)
def test_samples_are_grounded(path):
    doc = load(path)
    assert doc.encoding == "utf-8" and doc.format == "text"
    # a tab-separated line is a table row; run-together web dumps (013, 014) have none
    tabbed_lines = sum(1 for line in doc.text.split("\n") if "\t" in line)
    assert sum(len(t.rows) for t in doc.tables) == tabbed_lines
    assert_grounded(doc)


_TEXT = st.text(alphabet=st.sampled_from(list("规章行政 0123456789\t\n\r|-:　\ufeffab")), max_size=300)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.sampled_from(["text", "markdown"]))
def test_property_spans_slice_back(text, fmt):
    doc = document_from_text(text, format=fmt)
    assert "\r" not in doc.text
    assert_grounded(doc)
    if fmt == "text":
        for t in doc.tables:            # a table ends where its last row line ends
            assert t.span == (t.rows[0][0].span[0], t.rows[-1][-1].span[1])


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="gb18030", exclude_categories=("Cs", "Cc")), min_size=1, max_size=80)
       # a leading U+FEFF encodes as UTF-8's byte-order mark, which the reader drops as one
       # (test_utf8_bom_is_stripped): such a text cannot come back as it was
       .filter(lambda s: s.strip() and not s.startswith("\ufeff")))
def test_property_utf8_round_trip(text):
    decoded, enc = decode_bytes(text.encode("utf-8"))
    assert decoded == text and enc == "utf-8"
