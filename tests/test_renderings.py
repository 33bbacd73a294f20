"""eval/renderings: the samples as real tools render them (pdftotext -layout, pdfplumber, PyMuPDF,
pymupdf4llm, a crawler's one-line text), made by eval/build_renderings.py. Every rendering reads
to its label: each table cell exact (a cell the rendering lost is null in the label), an
``error`` or ``warning`` finding on each table the label flags, and no ``error`` on any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import extract

ROOT = Path(__file__).resolve().parents[1]
RENDERINGS = ROOT / "eval" / "renderings"
TABLES = ("active_disclosure", "applications", "review_litigation")


def _cases():
    for label in sorted(RENDERINGS.glob("*.json")):
        sources = [p for p in RENDERINGS.glob(f"{label.stem}.*") if p.suffix != ".json"]
        assert len(sources) == 1, f"{label.name}: expected one source beside the label, found {sources}"
        yield pytest.param(sources[0], label, id=label.stem)


CASES = list(_cases())


def test_the_corpus_covers_every_tool_and_shape():
    stems = [c.id for c in CASES]
    for tool in ("__pdftotext", "__pdfplumber", "__pymupdf", "__pymupdf4llm", "__oneline"):
        assert any(s.endswith(tool) for s in stems), tool
    # the PDFs laid out like the official template, and each of them through every PDF tool
    templates = [s for s in stems if s.endswith("_template_pdf")]
    assert len(templates) >= 2
    for t in templates:
        assert sum(s.startswith(t + "__") for s in stems) == 4


def _cells(table: dict | None, prefix: str):
    for row, cols in (table or {}).items():
        if isinstance(cols, dict):
            for col, v in cols.items():
                yield f"{prefix}.{row}.{col}", v
        else:
            yield f"{prefix}.{row}", cols


@pytest.mark.parametrize("source,label_path", CASES)
def test_rendering_reads_to_its_label(source: Path, label_path: Path):
    label = json.loads(label_path.read_text(encoding="utf-8"))
    rec = extract.parse_file(source, narrative="none").to_dict()
    assert rec["meta"]["template"] == label["meta"]["template"]
    wrong = []
    for t in TABLES:
        got = dict(_cells(rec.get(t), t))
        wrong += [f"{k}: read {got.get(k)!r}, label {v!r}" for k, v in _cells(label.get(t), t) if got.get(k) != v]
    assert wrong == [], "\n".join(wrong)

    flagged = {a["table"] for a in label["source_anomalies"] if a["flag"]}
    findings = rec["findings"]
    for t in TABLES:
        on_table = [f for f in findings if f.get("table") == t and f["severity"] in ("error", "warning")]
        if t in flagged:
            assert on_table, f"{t} is flagged in the label but no finding names it"
        else:
            errors = [f["message"] for f in on_table if f["severity"] == "error"]
            assert errors == [], f"false alarm on {t}: {errors}"
