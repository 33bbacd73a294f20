"""PDF reader: invariants, merged cells, page furniture, tables across pages, scans, end to end.

The PDFs are built by the tests themselves (``tests/builders.py``, reportlab) from the text samples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import extract
from extract.errors import IngestError
from extract.ingest.layout import cell_text
from extract.ingest.pdf import NO_TEXT_LAYER, TableSettings, read_pdf
from extract.types import Paragraph, Table

from builders import RUNNING_HEADER, build_pdf, build_scanned_pdf, parse_sample, table_layout

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
TABLES = ("active_disclosure", "applications", "review_litigation")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    return {s: build_pdf(SAMPLES / f"{s}.txt", out / f"{s}.pdf")
            for s in ("002_jiaozuo_szfb_2025", "003_shanyang_qzf_2023")}


@pytest.fixture(scope="module")
def doc002(pdfs):
    p = pdfs["002_jiaozuo_szfb_2025"]
    return read_pdf(p.read_bytes(), str(p))


def _table_with(doc, needle: str) -> Table:
    return next(t for t in doc.tables if any(needle in c.text for row in t.rows for c in row))


def _sample_spec(sample: str, needle: str):
    items = parse_sample((SAMPLES / f"{sample}.txt").read_text(encoding="utf-8"))
    rows = next(i.rows for i in items if i.kind == "table" and any(needle in c for r in i.rows for c in r))
    return table_layout(rows)


@pytest.mark.parametrize("sample", ["002_jiaozuo_szfb_2025", "003_shanyang_qzf_2023"])
def test_spans_index_the_text(pdfs, sample):
    doc = read_pdf(pdfs[sample].read_bytes(), str(pdfs[sample]))
    assert doc.format == "pdf" and doc.pages == 3
    paragraphs = [b for b in doc.blocks if isinstance(b, Paragraph)]
    assert paragraphs and len(doc.tables) == 3
    for p in paragraphs:
        assert doc.text[p.span[0]:p.span[1]] == p.text
    for t in doc.tables:
        assert len({len(r) for r in t.rows}) == 1, "the grid is full after merged cells are resolved"
        for row in t.rows:
            for c in row:
                assert doc.text[c.span[0]:c.span[1]] == c.text
    starts = [b.span[0] for b in doc.blocks]
    assert starts == sorted(starts)


def test_digits_and_chinese_as_printed(doc002):
    assert "2025 年，焦作市人民政府办公室以习近平新时代中国特色社会主义思想为指导" in doc002.text
    assert "市政府门户网站累计发布各类政务信息 6003 条" in doc002.text
    apps = _table_with(doc002, "本年新收")
    row = next(r for r in apps.rows if r[0].text.startswith("一、本年新收"))
    assert [c.text for c in row[3:]] == ["258", "8", "0", "0", "0", "0", "266"]


def test_wrapped_cell_label_is_one_string(doc002):
    apps = _table_with(doc002, "本年新收")
    labels = {c.text for row in apps.rows for c in row}
    assert "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" in labels
    review = _table_with(doc002, "行政复议")
    assert "结果 维持" in {c.text for c in review.rows[1]}


def test_merged_cells_are_copies_of_their_origin(doc002):
    apps = _table_with(doc002, "本年新收")
    head = apps.rows[0]
    assert [c.text for c in head[3:9]] == ["申请人情况"] * 6
    assert [c.merged for c in head[3:9]] == [False] + [True] * 5
    assert len({c.span for c in head[3:9]}) == 1
    # a rowspan: the 三（三） group label covers its eight rows
    rows = [r for r in apps.rows if r[1].text == "(三) 不予公开"]
    assert len(rows) == 8
    assert not rows[0][1].merged and all(r[1].merged for r in rows[1:])
    # the text holds each merged cell once
    line = doc002.text[apps.rows[0][0].span[0]:].split("\n", 1)[0]
    assert line.split("\t") == [head[0].text, "申请人情况", "总计"]


def test_page_numbers_and_running_header_removed(doc002):
    lines = doc002.text.split("\n")
    assert not any(ln.strip() in ("- 1 -", "- 2 -", "- 3 -") for ln in lines)
    assert RUNNING_HEADER not in lines
    assert lines[0] == "焦作市人民政府办公室 2025 年政府信息公开工作年度报告"


def test_table_split_across_pages_is_joined(doc002):
    spec = _sample_spec("002_jiaozuo_szfb_2025", "本年新收")
    apps = _table_with(doc002, "本年新收")
    assert apps.page == 2
    assert len(apps.rows) == len(spec.grid), "row count = both parts, repeated header dropped"
    assert sum(1 for r in apps.rows if r[3].text == "申请人情况") == 1
    assert [r[2].text or r[1].text or r[0].text for r in apps.rows[3:]] == \
        [r[2] or r[1] or r[0] for r in spec.grid[3:]]
    # the 三、本年度办理结果 rowspan cut by the page break is rejoined on the next page
    cont = next(r for r in apps.rows if r[1].text == "(四) 无法提供")
    assert cont[0].text == "三、本年度办理结果" and cont[0].merged
    # section 二 broke across pages 1 and 2 by itself: joined too
    active = _table_with(doc002, "第二十条")
    assert len(active.rows) == len(_sample_spec("002_jiaozuo_szfb_2025", "第二十条").grid)
    assert active.rows[-1][0].text == "行政事业性收费"


def test_scanned_pdf_is_refused_with_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_OCR", "off")       # with OCR (tests/test_ocr.py) a scan is read instead
    p = build_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as e:
        read_pdf(p.read_bytes(), str(p))
    assert e.value.reason.startswith(NO_TEXT_LAYER) and NO_TEXT_LAYER == "no text layer (scanned; needs OCR)"
    assert e.value.path == str(p)
    rec = extract.safe_parse_file(p, narrative=None)
    assert rec.status == "failed" and rec.error.startswith(NO_TEXT_LAYER)


def test_broken_pdf_names_file_and_reason(tmp_path):
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    with pytest.raises(IngestError) as e:
        extract.parse_file(p, narrative=None)
    assert str(p) in str(e.value) and "PDF" in e.value.reason


@pytest.mark.parametrize("sample", ["002_jiaozuo_szfb_2025", "003_shanyang_qzf_2023"])
def test_pdf_parses_to_the_same_tables_as_the_text(pdfs, sample):
    from_pdf = extract.parse_file(pdfs[sample], narrative=None)
    from_txt = extract.parse_file(SAMPLES / f"{sample}.txt", narrative=None)
    assert from_pdf.status == "ok"
    for name in TABLES:
        assert from_txt.value(name) is not None
        assert from_pdf.value(name) == from_txt.value(name), name
    assert (from_pdf.meta.agency, from_pdf.meta.year) == (from_txt.meta.agency, from_txt.meta.year)


def test_unsplit_table_reads_the_same(tmp_path):
    sample = "002_jiaozuo_szfb_2025"
    p = build_pdf(SAMPLES / f"{sample}.txt", tmp_path / "whole.pdf", split_table_across_pages=False)
    rec = extract.parse_file(p, narrative=None)
    assert rec.value("applications") == extract.parse_file(SAMPLES / f"{sample}.txt", narrative=None).value("applications")


@pytest.mark.parametrize("raw, expected", [
    ("申请人逾期未按收费通知要求缴纳费用、行\n政机关不再处理", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理"),
    ("结果 维\n持", "结果 维持"),
    ("  258 ", "258"),
    ("Open\nData", "Open Data"),
    ("2025\n年", "2025年"),
    ("", ""),
])
def test_cell_text(raw, expected):
    assert cell_text(raw) == expected


@pytest.mark.parametrize("kwargs", [{"vertical_strategy": "grid"}, {"snap_tolerance": -1}, {"min_rows": 0}])
def test_table_settings_are_validated(kwargs):
    with pytest.raises(ValueError):
        TableSettings(**kwargs)


@pytest.mark.parametrize("footer", ["第 {page} 页", "{page}", "— {page} —", "{page}/3"])
def test_page_number_styles_removed(tmp_path, footer):
    sample = "003_shanyang_qzf_2023"
    p = build_pdf(SAMPLES / f"{sample}.txt", tmp_path / "f.pdf", footer=footer, header="")
    doc = read_pdf(p.read_bytes(), str(p))
    lines = doc.text.split("\n")
    for n in (1, 2, 3):
        assert footer.format(page=n) not in lines
    rec = extract.parse_file(p, narrative=None)
    assert rec.value("applications") == extract.parse_file(SAMPLES / f"{sample}.txt", narrative=None).value("applications")


def test_table_over_three_pages_is_one_table(tmp_path):
    # 001's section 三 starts low on page 1, breaks by itself onto page 2, then (forced) onto page 3
    sample = "001_wenfeng_cgj_2024"
    p = build_pdf(SAMPLES / f"{sample}.txt", tmp_path / "three.pdf")
    doc = read_pdf(p.read_bytes(), str(p))
    apps = [t for t in doc.tables if any("本年度办理结果" in c.text for r in t.rows for c in r)]
    assert len(apps) == 1
    assert len(apps[0].rows) == len(_sample_spec(sample, "本年新收").grid)
    rec = extract.parse_file(p, narrative=None)
    assert rec.value("applications") == extract.parse_file(SAMPLES / f"{sample}.txt", narrative=None).value("applications")


# -- borderless tables -----------------------------------------------------------
# Regression: the borderless fallback used to run pdfplumber's text strategy over the whole page, so
# on any page that also held prose the "table" was the page, it failed the tabular check, and the
# borderless table came through as loose text lines: wrapped header cells (社会公益 / 组织) and row
# labels split over lines, and section 三 lost two columns and a row.

@pytest.fixture(scope="module")
def borderless(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("borderless")
    return {s: build_pdf(SAMPLES / f"{s}.txt", out / f"{s}.pdf", borderless=True)
            for s in ("001_wenfeng_cgj_2024", "002_jiaozuo_szfb_2025", "007_jiaozuo_blank_cell_2025",
                      "010_qinghe_jtysj_2019tpl_2019")}


def test_borderless_tables_are_grids(borderless):
    p = borderless["002_jiaozuo_szfb_2025"]
    doc = read_pdf(p.read_bytes(), str(p))
    assert len(doc.tables) == 3, "one table per section, section 三 joined across its page break"
    for t in doc.tables:
        assert len({len(r) for r in t.rows}) == 1
        for row in t.rows:
            for c in row:
                assert doc.text[c.span[0]:c.span[1]] == c.text
    apps = _table_with(doc, "本年新收")
    head = [c.text for r in apps.rows[:3] for c in r if not c.merged]
    assert {"社会公益组织", "法律服务机构", "法人或其他组织", "申请人情况"} <= set(head), "wrapped header cells whole"
    labels = {c.text for r in apps.rows for c in r}
    assert "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" in labels
    assert "一、本年新收政府信息公开申请数量" in labels
    assert len(apps.rows) == len(_sample_spec("002_jiaozuo_szfb_2025", "本年新收").grid), "repeated header dropped"
    # an empty position beside a label is covered by it, as the ruled table's merged cell
    top = next(r for r in apps.rows if r[0].text.startswith("一、本年新收"))
    assert [c.text for c in top[:3]] == [top[0].text] * 3 and [c.merged for c in top[:3]] == [False, True, True]
    assert [c.text for c in top[3:]] == ["258", "8", "0", "0", "0", "0", "266"]


@pytest.mark.parametrize("sample", ["002_jiaozuo_szfb_2025", "016_yunxi_zrzyj_2024", "017_tongchuan_scjgj_2023"])
def test_borderless_tables_stand_apart_from_the_prose(tmp_path, sample):
    """Prose and headings are the same paragraphs as in the ruled rendering, none taken into a table; each
    section's table is one table though it breaks across pages (016: the part on page 2 has no text in
    the first column) and a label's hanging 、 touches the next column (017)."""
    b = build_pdf(SAMPLES / f"{sample}.txt", tmp_path / "b.pdf", borderless=True)
    r = build_pdf(SAMPLES / f"{sample}.txt", tmp_path / "r.pdf")
    doc, ruled = read_pdf(b.read_bytes(), str(b)), read_pdf(r.read_bytes(), str(r))
    assert [x.text for x in doc.blocks if isinstance(x, Paragraph)] == \
        [x.text for x in ruled.blocks if isinstance(x, Paragraph)]
    assert len(doc.tables) == len(ruled.tables) == 3


# the same tables and findings as the text, for every sample: tests/test_formats.py


def test_borderless_gap_between_numbers_is_a_blank_cell(borderless):
    # 007's 三（一） row has an empty 商业企业 cell between 22 and 0: still a blank (null), not a missing cell
    rec = extract.parse_file(borderless["007_jiaozuo_blank_cell_2025"], narrative=None)
    assert rec.value("applications")["disclosed"]["commercial_enterprise"] is None
    assert rec.value("applications")["disclosed"]["natural_person"] == 22
    assert "applications.blank_cell" in [f.check for f in rec.findings]


def test_borderless_fragment_stays_text_unless_it_continues_a_table(tmp_path, borderless):
    # 012 has a two-row borderless table mid-page: fewer rows than BORDERLESS.min_rows, so its lines stay text
    p = build_pdf(SAMPLES / "012_nanxi_mzj_legacy_2017.txt", tmp_path / "legacy.pdf", borderless=True)
    doc = read_pdf(p.read_bytes(), str(p))
    assert doc.tables == ()
    assert "8 8 5 1 0 1 1" in [b.text for b in doc.blocks]
    # 002's section 二 breaks after its first rows: the one-row part atop page 2 joins the table above
    p = borderless["002_jiaozuo_szfb_2025"]
    doc = read_pdf(p.read_bytes(), str(p))
    active = _table_with(doc, "第二十条")
    assert len(active.rows) == len(_sample_spec("002_jiaozuo_szfb_2025", "第二十条").grid)
    assert [c.text for c in active.rows[-1]] == ["行政事业性收费", "0", "0", "0"]
    assert [c.merged for c in active.rows[-1]] == [False, False, True, True]
