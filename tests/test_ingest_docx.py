"""DOCX reader (and .doc without LibreOffice): order, merged cells, invariants, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import extract
from extract.errors import IngestError
from extract.ingest.docx import NO_SOFFICE, read_doc, read_docx
from extract.types import Paragraph, Table

from builders import build_docx, parse_sample, table_layout

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
SAMPLE = "002_jiaozuo_szfb_2025"


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory) -> Path:
    return build_docx(SAMPLES / f"{SAMPLE}.txt", tmp_path_factory.mktemp("docx") / f"{SAMPLE}.docx")


@pytest.fixture(scope="module")
def doc(docx_path):
    return read_docx(docx_path.read_bytes(), str(docx_path))


def test_paragraphs_and_tables_in_document_order(doc):
    items = parse_sample((SAMPLES / f"{SAMPLE}.txt").read_text(encoding="utf-8"))
    expected = ["table" if i.kind == "table" else "para" for i in items]
    assert ["table" if isinstance(b, Table) else "para" for b in doc.blocks] == expected
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == [i.text for i in items if i.kind != "table"]
    assert doc.format == "docx"


def test_spans_index_the_text(doc):
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            assert doc.text[b.span[0]:b.span[1]] == b.text
        else:
            assert len({len(r) for r in b.rows}) == 1
            for row in b.rows:
                for c in row:
                    assert doc.text[c.span[0]:c.span[1]] == c.text


def test_grid_span_and_vmerge_resolved(doc):
    apps = next(t for t in doc.tables if any("本年新收" in c.text for c in t.rows[3]))
    items = parse_sample((SAMPLES / f"{SAMPLE}.txt").read_text(encoding="utf-8"))
    spec = table_layout(next(i.rows for i in items if i.kind == "table" and "本年新收" in i.rows[3][0]))
    assert [[c.text for c in r] for r in apps.rows] == _expanded(spec)
    head = apps.rows[0]
    assert [c.merged for c in head[3:9]] == [False] + [True] * 5           # gridSpan
    group = [r[0] for r in apps.rows if r[0].text == "三、本年度办理结果"]
    assert len(group) == 22 and not group[0].merged and all(c.merged for c in group[1:])  # vMerge
    assert len({c.span for c in group}) == 1


def _expanded(spec):
    grid = [list(r) for r in spec.grid]
    for r0, c0, r1, c1 in spec.spans:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                grid[r][c] = spec.grid[r0][c0]
    return grid


def test_docx_parses_to_the_same_tables_as_the_text(docx_path):
    from_docx = extract.parse_file(docx_path, narrative=None)
    from_txt = extract.parse_file(SAMPLES / f"{SAMPLE}.txt", narrative=None)
    assert from_docx.status == "ok"
    for name in ("active_disclosure", "applications", "review_litigation"):
        assert from_txt.value(name) is not None
        assert from_docx.value(name) == from_txt.value(name), name


def test_doc_without_soffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(IngestError) as e:
        extract.parse_file(p, narrative=None)
    assert e.value.reason == NO_SOFFICE
    assert str(p) in str(e.value)
    rec = extract.safe_parse_file(p, narrative=None)
    assert rec.status == "failed" and rec.error == NO_SOFFICE
    with pytest.raises(IngestError):
        read_doc(p.read_bytes(), str(p))


def test_broken_docx_names_file_and_reason(tmp_path):
    p = tmp_path / "broken.docx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestError) as e:
        extract.parse_file(p, narrative=None)
    assert str(p) in str(e.value) and "Word" in e.value.reason
