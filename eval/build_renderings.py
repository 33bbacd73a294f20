"""Build ``eval/renderings``: the eval samples as real tools render them.

    python eval/build_renderings.py            # rewrite eval/renderings
    python eval/build_renderings.py --out DIR  # or write them elsewhere (to compare)

Reports reach us as the text that some tool made of a PDF or a web page, not as the PDF.
This script makes that text with the tools people use, so the readers are measured on it:

1. Lays out PDFs like the official template (``TEMPLATE_PDFS``) with the fixture builder in
   ``tests/builders.py``: section 三 with applicant columns so narrow that 商业企业, 社会公益组织 and
   法律服务机构 wrap over 2–3 lines, the 三、本年度办理结果 group label one character per line, and
   the table broken across a page (header repeated, page number and running header between).
2. Renders every PDF sample (``eval/samples/*_pdf.pdf`` and the PDFs of step 1) through
   ``pdftotext -layout`` (poppler-utils), pdfplumber ``extract_text()``, PyMuPDF ``get_text()``
   and two PDF→Markdown converters (pymupdf4llm, markitdown); and every HTML sample (``eval/samples/*.html``)
   as a crawler saves it: BeautifulSoup ``get_text()`` with the body on ONE line, under
   ``标题:`` / ``发布时间:`` / ``原文链接:`` header lines and a ``==== 正文 ====`` separator.

Each rendering is ``<source stem>__<tool>.<txt|md>`` with its label ``<same stem>.json``: the
source's label with the new id and one ``flag: false`` note naming the tool. Where a rendering
loses information (a tool drops a cell or a row), ``LOSSES`` below says what, found by reading
the rendering, and the label gets those cells as ``null`` and a ``flag: true`` note.

The converters are not needed by the toolkit or its tests: ``pip install -e '.[render]'`` and
``apt-get install poppler-utils`` to run this script. The generated files are committed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "eval" / "samples"
OUT_DIR = ROOT / "eval" / "renderings"
sys.path.insert(0, str(ROOT / "tests"))


@dataclass(frozen=True)
class TemplatePdf:
    stem: str                 # the PDF's file stem in eval/renderings
    source: str               # the labelled text sample it lays out
    applicant_width: float    # points per value column of section 三


TEMPLATE_PDFS = (
    TemplatePdf("t01_jiaozuo_szfb_2025_template_pdf", "002_jiaozuo_szfb_2025", 22),
    TemplatePdf("t02_yunxi_zrzyj_2024_template_pdf", "016_yunxi_zrzyj_2024", 20),
    TemplatePdf("t03_qinghe_jtysj_2019tpl_template_pdf", "010_qinghe_jtysj_2019tpl_2019", 21),
)


@dataclass(frozen=True)
class Loss:
    """A defect a tool's rendering of one file adds to a table, found by reading the rendering:
    a ``flag: true`` note on the table, and ``null`` for the cells it loses outright."""
    table: str
    cells: tuple[tuple[str, str], ...]     # (row key, column key) the rendering does not carry
    note: str


_RAN_TOGETHER = ("get_text() joins adjacent table cells with nothing between them, so each row's "
                 "cells ran together into one run of digits")

# (rendering stem) -> what it lost, as read in the rendering.
LOSSES: dict[str, tuple[Loss, ...]] = {
    "005_jiaozuo_szfb_2025_html__oneline": (
        Loss("active_disclosure", (("normative_documents", "issued"), ("normative_documents", "repealed"),
                                   ("normative_documents", "in_force")),
             f"{_RAN_TOGETHER}: 行政规范性文件7121176 has several splits into 3 cells and section 二 has no "
             f"identity to choose one, so its cells are lost (规章000 has one split)"),
        Loss("applications", (), f"{_RAN_TOGETHER}; each row has exactly one split that satisfies the identities"),
        Loss("review_litigation", (), f"{_RAN_TOGETHER}: 15 digits for 15 cells, one split"),
    ),
    "019_wenfeng_cgj_2024_borderless_pdf__pymupdf4llm": (
        Loss("applications", (), "pymupdf4llm moved the label 四、结转下年度继续办理 out of the table: it stands as "
                                 "loose text above the table's second part, and its values are the last pipe row, "
                                 "with no label"),
    ),
}


# -- renderers: PDF path -> text ---------------------------------------------

def pdftotext_layout(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise SystemExit("pdftotext not found: apt-get install poppler-utils")
    return subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def pdfplumber_text(pdf: Path) -> str:
    import pdfplumber
    with pdfplumber.open(pdf) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages) + "\n"


def pymupdf_text(pdf: Path) -> str:
    import pymupdf
    with pymupdf.open(pdf) as doc:
        return "".join(page.get_text() for page in doc)


def pymupdf4llm_markdown(pdf: Path) -> str:
    import pymupdf4llm
    return pymupdf4llm.to_markdown(str(pdf), use_ocr=False, show_progress=False)


def markitdown_markdown(pdf: Path) -> str:
    from markitdown import MarkItDown
    return MarkItDown().convert(str(pdf)).text_content


@dataclass(frozen=True)
class Tool:
    name: str        # suffix of the rendering's stem
    ext: str
    what: str        # for the label's note
    render: object = field(repr=False)


PDF_TOOLS = (
    Tool("pdftotext", "txt", "pdftotext -layout (poppler-utils)", pdftotext_layout),
    Tool("pdfplumber", "txt", "pdfplumber extract_text()", pdfplumber_text),
    Tool("pymupdf", "txt", "PyMuPDF page.get_text()", pymupdf_text),
    Tool("pymupdf4llm", "md", "the pymupdf4llm PDF-to-Markdown converter", pymupdf4llm_markdown),
    Tool("markitdown", "md", "Microsoft's markitdown PDF-to-Markdown converter", markitdown_markdown),
)


def crawler_oneline(html_path: Path, label: dict) -> str:
    """A web page as crawlers save it: header fields, a separator, the page text on one line."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html_path.read_bytes(), "lxml")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "title"]):
        tag.decompose()
    body = re.sub(r"\s+", " ", soup.get_text()).strip()
    header = [f"标题: {title}", f"发布时间: {label['meta'].get('published_on') or ''}".rstrip(),
              f"原文链接: {html_path.relative_to(ROOT).as_posix()}", "==== 正文 ===="]
    return "\n".join(header) + "\n" + body + "\n"


# -- labels --------------------------------------------------------------------

def _with_note(source_label: dict, stem: str, note: str, losses: tuple[Loss, ...] = ()) -> dict:
    label = json.loads(json.dumps(source_label))
    label["id"] = stem
    anomalies = list(label["source_anomalies"]) + [{"table": None, "flag": False, "note": note}]
    for loss in losses:
        for row, col in loss.cells:
            label[loss.table][row][col] = None
        anomalies.append({"table": loss.table, "flag": True, "note": loss.note})
    label["source_anomalies"] = anomalies
    return label


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_label(out: Path, label: dict) -> None:
    _write(out / f"{label['id']}.json", json.dumps(label, ensure_ascii=False, indent=2) + "\n")


def build_template_pdfs(out: Path) -> list[tuple[Path, dict]]:
    from builders import build_pdf
    built = []
    for spec in TEMPLATE_PDFS:
        pdf = build_pdf(SAMPLE_DIR / f"{spec.source}.txt", out / f"{spec.stem}.pdf",
                        applicant_width=spec.applicant_width)
        label = _with_note(
            json.loads((SAMPLE_DIR / f"{spec.source}.json").read_text(encoding="utf-8")), spec.stem,
            f"a PDF laid out like the official template by eval/build_renderings.py from sample {spec.source}: "
            f"ruled section 三 with narrow applicant columns (names wrap over 2–3 lines), the 三、本年度办理结果 "
            f"group label one character per line, the table broken across a page")
        _write_label(out, label)
        built.append((pdf, label))
    return built


def main(argv: list[str] | None = None) -> list[Path]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write to (default: eval/renderings)")
    args = ap.parse_args(argv)
    from reportlab import rl_config
    rl_config.invariant = 1          # no creation date or random id in the PDFs: re-runs give the same bytes
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    pdfs = [(p, json.loads(p.with_suffix(".json").read_text(encoding="utf-8")))
            for p in sorted(SAMPLE_DIR.glob("*_pdf.pdf"))]
    for pdf, label in build_template_pdfs(out):
        pdfs.append((pdf, label))
        written.append(pdf)
    for pdf, label in pdfs:
        for tool in PDF_TOOLS:
            stem = f"{pdf.stem}__{tool.name}"
            written.append(_write(out / f"{stem}.{tool.ext}", tool.render(pdf)))
            _write_label(out, _with_note(label, stem, f"{tool.what} of {pdf.name}, made by eval/build_renderings.py",
                                         LOSSES.get(stem, ())))

    for html in sorted(SAMPLE_DIR.glob("*.htm*")):
        label = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
        stem = f"{html.stem}__oneline"
        written.append(_write(out / f"{stem}.txt", crawler_oneline(html, label)))
        _write_label(out, _with_note(label, stem, f"crawler-style one-line text of {html.name} (BeautifulSoup "
                                                  f"get_text(), body collapsed onto one line, crawler header "
                                                  f"fields), made by eval/build_renderings.py",
                                     LOSSES.get(stem, ())))
    for p in written:
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}  {p.stat().st_size / 1024:.1f} KB")
    return written


if __name__ == "__main__":
    main()
