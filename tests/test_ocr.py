"""Scanned reports read by OCR (issue 13).

Fixtures are made here, not committed: the PDF samples in eval/samples are rendered to page
images (pypdfium2) at 150 or 200 dpi — one slightly rotated, one with JPEG noise — and wrapped
back into image-only PDFs (Pillow). Each must read to its sample's label, or to ``null`` / a
value named in a finding where OCR could not read a cell. The OCR tests skip cleanly without the
``ocr`` extra, or without a CJK font to draw the samples' text with; the rest always run.

OCR is slow on two cores (~5-10 s a page), so each fixture is read once per session, and the
fixtures are five pages: the whole of the ruled sample at 150 dpi, and the page with section 四
of a rotated copy and of a JPEG-noisy one (compared on that table). ``XXGK_OCR_FULL=1`` adds the whole borderless sample at 200 dpi.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import extract
from extract.errors import IngestError, UnsupportedFormat
from extract.record import flatten
from extract.ingest import ocr
from extract.ingest.pdf import NO_TEXT_LAYER, read_pdf
from extract.ingest.ocr import INSTALL_HINT, ocr_findings
from extract.types import OcrInfo, TableResult

from builders import build_scanned_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "eval" / "samples"
TABLES = ("active_disclosure", "applications", "review_litigation")


# -- fixture builders (also used by bench/bench_ocr.py) ---------------------------

def scanned_pdf(src: Path, out: Path, *, dpi: int, pages: list[int] | None = None, rotate: float = 0.0,
                jpeg_quality: int | None = None) -> Path:
    """``src`` rendered to grey page images (``pages``, 0-based; all by default), optionally rotated by
    ``rotate`` degrees and passed through JPEG at ``jpeg_quality``, wrapped into an image-only PDF."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(str(src))
    images = []
    for i in pages if pages is not None else range(len(doc)):
        im = doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if rotate:
            im = im.rotate(rotate, resample=Image.BICUBIC, fillcolor=255)
        if jpeg_quality:
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=jpeg_quality)
            im = Image.open(io.BytesIO(buf.getvalue())).convert("L")
        images.append(im)
    doc.close()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


def cell_accuracy(rec, label: dict, tables: tuple[str, ...] = TABLES) -> dict:
    """Label cells read right / read as null / read wrong, and whether each wrong one is named by a finding."""
    d = rec.to_dict(include_text=False)
    named = {c for f in rec.findings for c in f.cells}
    right, null, wrong = 0, [], []
    total = 0
    for t in tables:
        gold = flatten(label.get(t) or {}, t)
        got = flatten(d.get(t) or {}, t)
        for k, v in gold.items():
            total += 1
            if got.get(k) == v:
                right += 1
            elif got.get(k) is None:
                null.append(k)
            else:
                wrong.append((k, v, got.get(k), k in named))
    return {"cells": total, "right": right, "accuracy": right / total if total else None,
            "null": null, "wrong": wrong}


def _cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(out.strip())


needs_ocr = pytest.mark.skipif(not ocr.available(), reason=f"the ocr extra is not installed ({INSTALL_HINT})")
needs_fixtures = pytest.mark.skipif(not (ocr.available() and _cjk_font()),
                                    reason="needs the ocr extra and a CJK font (fonts-wqy-microhei) to draw "
                                           "the scanned fixtures")

FIXTURES = {
    # name: (sample stem, dpi, pages, rotate, jpeg quality, tables compared)
    "018_ruled_150dpi": ("018_shanyang_qzf_2023_pdf", 150, None, 0.0, None, TABLES),
    "018_p3_rotated_150dpi": ("018_shanyang_qzf_2023_pdf", 150, [2], 0.7, None, ("review_litigation",)),
    "019_p3_jpeg_200dpi": ("019_wenfeng_cgj_2024_borderless_pdf", 200, [2], 0.0, 30, ("review_litigation",)),
}
if os.environ.get("XXGK_OCR_FULL") == "1":
    FIXTURES["019_borderless_200dpi"] = ("019_wenfeng_cgj_2024_borderless_pdf", 200, None, 0.0, None, TABLES)


@pytest.fixture(scope="session")
def scans(tmp_path_factory):
    """Each fixture built and read once: ``{name: (record, label, tables)}``."""
    out = {}
    tmp = tmp_path_factory.mktemp("scans")
    for name, (stem, dpi, pages, rotate, q, tables) in FIXTURES.items():
        p = scanned_pdf(SAMPLES / f"{stem}.pdf", tmp / f"{name}.pdf", dpi=dpi, pages=pages, rotate=rotate,
                        jpeg_quality=q)
        label = json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
        out[name] = (extract.parse_file(p, narrative=None), label, tables)
    return out


# -- without the extra, or with OCR off ---------------------------------------------

def test_scan_without_the_extra_says_how_to_enable_ocr(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    p = build_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as e:
        read_pdf(p.read_bytes(), str(p))
    assert e.value.reason.startswith(NO_TEXT_LAYER) and INSTALL_HINT in e.value.reason
    assert e.value.path == str(p)
    text_pdf = SAMPLES / "018_shanyang_qzf_2023_pdf.pdf"
    with pytest.raises(IngestError, match="OCR was asked for every page"):
        read_pdf(text_pdf.read_bytes(), str(text_pdf), ocr="force")
    assert read_pdf(text_pdf.read_bytes(), str(text_pdf), ocr="auto").ocr is None
    img = tmp_path / "page.png"
    from PIL import Image
    Image.new("L", (200, 100), 255).save(img)
    with pytest.raises(UnsupportedFormat) as e2:
        extract.parse_file(img, narrative=None)
    assert INSTALL_HINT in e2.value.reason and e2.value.path == str(img)


def test_ocr_off_refuses_a_scan_and_says_so(tmp_path, monkeypatch):
    p = build_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as e:
        read_pdf(p.read_bytes(), str(p), ocr="off")
    assert e.value.reason == f"{NO_TEXT_LAYER}; OCR is off"
    monkeypatch.setenv("XXGK_OCR", "off")
    rec = extract.safe_parse_file(p, narrative=None)
    assert rec.status == "failed" and rec.error == f"{NO_TEXT_LAYER}; OCR is off"


def test_cli_ocr_option(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from extract.cli import _register, app
    from extract.export import read_csv_rows

    _register()

    monkeypatch.setenv("XXGK_OCR", "auto")          # restored after the test: the CLI sets it for its workers
    p = build_scanned_pdf(tmp_path / "scan.pdf")
    res = CliRunner().invoke(app, ["extract", str(p), "-o", str(tmp_path / "a"), "--ocr", "sometimes"])
    assert res.exit_code == 2 and "--ocr must be auto, off or force" in res.output
    res = CliRunner().invoke(app, ["extract", str(p), "-o", str(tmp_path / "b"), "--ocr", "off", "-q",
                                   "--narrative", "none"])
    assert res.exit_code == 1
    rows = read_csv_rows(tmp_path / "b" / "errors.csv")
    assert [r["error"] for r in rows] == [f"{NO_TEXT_LAYER}; OCR is off"]


@pytest.mark.parametrize("mode, ok", [("auto", True), ("FORCE", True), (" off ", True), ("on", False), ("", True)])
def test_ocr_mode_is_validated(mode, ok):
    if ok:
        assert ocr.ocr_mode(mode) in ocr.OCR_MODES
    else:
        with pytest.raises(ValueError, match="auto, off, force"):
            ocr.ocr_mode(mode)


def test_a_text_pdf_is_not_read_by_ocr_in_auto_mode():
    p = SAMPLES / "018_shanyang_qzf_2023_pdf.pdf"
    doc = read_pdf(p.read_bytes(), str(p), ocr="auto")
    assert doc.ocr is None
    rec = extract.parse_file(p, narrative=None)
    assert rec.source.ocr is None and rec.to_dict()["source"]["ocr"] is None


# -- the identities name a misread cell (pure: no OCR needed) ------------------------

def _apps_label() -> dict:
    return json.loads((SAMPLES / "002_jiaozuo_szfb_2025.json").read_text(encoding="utf-8"))["applications"]


def test_a_digit_the_identities_prove_wrong_is_an_error_naming_the_implied_value():
    values = json.loads(json.dumps(_apps_label()))
    true = values["disclosed"]["natural_person"]
    values["disclosed"]["natural_person"] = true + 6          # e.g. an 8 read for a 2
    info = OcrInfo(engine="e", version="1", pages=(1,), mean_confidence=0.9)
    found = ocr_findings(info, {"applications": TableResult("applications", values)})
    assert [(f.check, f.severity, f.cells, f.expected, f.actual) for f in found] == [
        ("ocr.misread", "error", ("applications.disclosed.natural_person",), true, true + 6)]
    assert f"all hold only if it is {true}" in found[0].message
    assert values["disclosed"]["natural_person"] == true + 6, "the value read is kept, never replaced"


def test_no_misread_when_the_identities_hold_or_cannot_single_out_a_cell():
    info = OcrInfo(engine="e", version="1", pages=(1,), mean_confidence=0.9)
    assert ocr_findings(info, {"applications": TableResult("applications", _apps_label())}) == []
    # a total cell broken alone: only its row identity and its column's identities fail, and they
    # disagree with nothing -- but two cells off in one row and one column cannot be told apart
    values = json.loads(json.dumps(_apps_label()))
    values["disclosed"]["natural_person"] += 1
    values["partially_disclosed"]["commercial_enterprise"] += 1
    values["disclosed"]["commercial_enterprise"] -= 1
    values["partially_disclosed"]["natural_person"] -= 1
    found = ocr_findings(info, {"applications": TableResult("applications", values)})
    assert [f for f in found if f.check == "ocr.misread"] == []


def test_low_confidence_cells_are_named_in_an_info_finding():
    values = _apps_label()
    spans = {"applications.new_received.total": (100, 103), "applications.disclosed.total": (200, 201)}
    info = OcrInfo(engine="e", version="1", pages=(1,), mean_confidence=0.9, low_confidence=(((200, 201), 0.41),))
    found = ocr_findings(info, {"applications": TableResult("applications", values, spans)})
    assert [(f.check, f.severity, f.cells) for f in found] == [
        ("ocr.low_confidence", "info", ("applications.disclosed.total",))]


# -- from positioned characters to a Document (pure: no OCR needed) -----------------

@pytest.mark.parametrize("text, read, flagged", [
    ("0", "0", False), ("12", "12", False), ("o", "0", True), ("D", "0", True), ("1o", "10", True),
    ("l", "1", True), ("3.5", "3.5", False), ("总计", "总计", False), ("Do", "00", True), ("abc", "abc", False),
])
def test_cell_from_ocr_reads_lookalike_letters_as_digits_and_flags_them(text, read, flagged):
    cell = ocr.cell_from_ocr(text, 0.99)
    assert str(cell) == read and (cell.score < ocr.LOW_CONFIDENCE) == flagged


def _chars(text: str, x0: float, top: float, score: float = 0.99, w: float = 10.0) -> list[dict]:
    return [{"text": ch, "x0": x0 + i * w, "x1": x0 + (i + 1) * w, "top": top, "bottom": top + 10,
             "doctop": top, "upright": True, "size": 10.0, "score": score, "object_type": "char"}
            for i, ch in enumerate(text)]


def test_scanned_characters_and_ruling_lines_are_laid_out_like_a_text_layer():
    """A PageScan as the engine would give it: a heading line, and a 3x3 ruled table whose one cell was
    read with a low score. The PDF layout stages make a paragraph and a table of it."""
    from extract.ingest.pdf import document_from_scans

    xs, ys = [50, 150, 250, 350], [100, 120, 140, 160]
    cells = [[(xs[c], ys[r], xs[c + 1], ys[r + 1]) for r in range(3) for c in range(3)]]
    texts = [["信息内容", "本年", "上年"], ["行政许可", "12", "7"], ["行政处罚", "3", "o"]]
    chars = _chars("二、主动公开政府信息情况", 50, 60)
    for r in range(3):
        for c in range(3):
            chars += _chars(texts[r][c], xs[c] + 3, ys[r] + 5, score=0.6 if (r, c) == (1, 2) else 0.99)
    scan = ocr.PageScan(width=595, height=842, chars=chars, edges=[], cells=cells, boxes=10, score_sum=9.5)
    doc = document_from_scans([scan], path="scan.png", format="image")
    assert doc.text.splitlines() == ["二、主动公开政府信息情况", "信息内容\t本年\t上年", "行政许可\t12\t7",
                                     "行政处罚\t3\t0"]
    (table,) = doc.tables
    assert doc.ocr.pages == (1,) and doc.ocr.mean_confidence == pytest.approx(0.95)
    low = {doc.text[a:b] for (a, b), _ in doc.ocr.low_confidence}
    assert low == {"7", "0"}, "the low-scored cell and the letter read as a digit"
    assert [(c.text, doc.text[c.span[0]:c.span[1]]) for c in table.rows[2]] == [("行政处罚", "行政处罚"), ("3", "3"),
                                                                                ("0", "0")]


# -- the engine -------------------------------------------------------------------------

@needs_ocr
def test_the_models_ship_in_the_installed_package(monkeypatch):
    """Nothing is fetched at run time: the models are files of the wheel, and the engine loads with
    every network connection refused."""
    import socket

    import rapidocr_onnxruntime
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path

    pkg = Path(rapidocr_onnxruntime.__file__).parent
    config = update_model_path(read_yaml(str(DEFAULT_CFG_PATH)))
    paths = [Path(config[part]["model_path"]) for part in ("Det", "Rec")]
    assert [p.name for p in paths] == ["ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"]
    assert all(p.is_file() and pkg in p.parents for p in paths)

    def refuse(*a, **k):
        raise OSError("network access in a test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ocr._engine.cache_clear()
    try:
        assert ocr._engine() is not None
    finally:
        ocr._engine.cache_clear()


# -- scanned fixtures -------------------------------------------------------------------

@needs_fixtures
@pytest.mark.parametrize("name", list(FIXTURES))
def test_scanned_fixture_reads_to_its_label(scans, name):
    rec, label, tables = scans[name]
    assert rec.status in ("ok", "partial"), rec.error
    src = rec.to_dict(include_text=False)["source"]
    assert src["ocr"]["ocr"] is True and src["ocr"]["engine"] == "rapidocr-onnxruntime"
    assert src["ocr"]["version"] and 0.5 < src["ocr"]["mean_confidence"] <= 1
    acc = cell_accuracy(rec, label, tables)
    # every cell is right, or null, or wrong and named by a finding; never silently wrong
    assert [w for w in acc["wrong"] if not w[3]] == [], acc
    assert acc["accuracy"] >= 0.97, acc


@needs_fixtures
def test_whole_scanned_report_has_its_meta_and_sections(scans):
    rec, label, _ = scans["018_ruled_150dpi"]
    assert rec.meta.year == label["meta"]["year"] and rec.meta.agency == label["meta"]["agency"]
    assert rec.status == "ok"
    assert rec.source.ocr["pages"] == [1, 2, 3]


@needs_fixtures
def test_page_image_file_is_read_by_ocr(tmp_path):
    import pypdfium2 as pdfium

    stem = "018_shanyang_qzf_2023_pdf"
    doc = pdfium.PdfDocument(str(SAMPLES / f"{stem}.pdf"))
    img = tmp_path / "page2.png"
    page = doc[1].render(scale=150 / 72, grayscale=True).to_pil()
    page.crop((0, 0, page.width, page.height // 4)).save(img, dpi=(150, 150))     # title, table head
    doc.close()
    d = extract.ingest.load(img)
    assert d.format == "image" and d.ocr is not None and d.ocr.pages == (1,)
    assert "三、收到和处理政府信息公开申请情况" in d.text
    assert any(c.text == "自然人" for t in d.tables for row in t.rows for c in row)
