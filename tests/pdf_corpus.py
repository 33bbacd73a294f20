"""A corpus of report PDFs, built from the text reports by ``builders.build_pdf`` (never stored).

Each text report of ``eval/samples`` becomes one PDF, the layouts rotating over what published
reports look like: ruled tables with merged cells, borderless tables, section 三 broken across
pages with its header repeated or not, page numbers as ``- n -``, ``第 n 页`` or a bare number, with
and without a running header, and section 三 laid out like the official template (narrow
applicant columns whose names wrap, a vertical group label). A few crawler reports of
``eval/realdev`` (running text, no tables) add long multi-page prose. The PDFs of ``eval/samples``
and ``eval/renderings`` are added as they are.

``build(dest)`` returns ``[(name, path)]`` in a fixed order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from builders import build_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "eval" / "samples"

_LAYOUTS = (
    ("ruled_split", {"split_table_across_pages": True}),
    ("borderless_split", {"borderless": True, "split_table_across_pages": True}),
    ("ruled_whole_pageof", {"split_table_across_pages": False, "footer": "第 {page} 页"}),
    ("template_noheader", {"applicant_width": 21, "header": "", "footer": "{page}"}),
    ("borderless_whole", {"borderless": True, "split_table_across_pages": False, "footer": "- {page} -"}),
)
_REALDEV = ("labelled/005_pingtan-caizhengjinrongju_2024.txt", "unlabelled/013_pingtanxian-renminzhengfu_2012.txt",
            "unlabelled/001_pingtan-caizhengjinrongju_2019.txt")


def build(dest: Path) -> list[tuple[str, Path]]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    sources = sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))
    for i, src in enumerate(sources):
        layout, options = _LAYOUTS[i % len(_LAYOUTS)]
        name = f"{src.stem}__{layout}.pdf"
        out.append((name, build_pdf(src, dest / name, **options)))
    for rel in _REALDEV:
        src = ROOT / "eval" / "realdev" / rel
        name = f"{src.stem}__prose.pdf"
        out.append((name, build_pdf(src, dest / name)))
    for pdf in sorted(SAMPLES.glob("*.pdf")) + sorted((ROOT / "eval" / "renderings").glob("*.pdf")):
        shutil.copy(pdf, dest / pdf.name)
        out.append((pdf.name, dest / pdf.name))
    return out
