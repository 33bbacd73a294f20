"""OCR throughput and cell accuracy on scanned copies of the PDF samples.

    python bench/bench_ocr.py [--only NAME ...]

Builds the scanned fixtures of tests/test_ocr.py (the PDF samples rendered to page images at 150
or 200 dpi, one rotated, one with JPEG noise, wrapped into image-only PDFs), plus the whole of
each PDF sample at 150 and 200 dpi, reads each with ``extract.parse_file`` (OCR on every page),
and prints per fixture: pages, seconds, pages/s, and the label cells read right / null / wrong
(each wrong one with whether a finding names it). Needs the ``ocr`` extra and a CJK font.
Writes the figures as JSON to ``bench/out/ocr.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import extract  # noqa: E402
from extract.ingest import ocr  # noqa: E402
from test_ocr import FIXTURES, SAMPLES, TABLES, cell_accuracy, scanned_pdf  # noqa: E402

BENCH = dict(FIXTURES)
BENCH.update({
    "018_p23_rotated_200dpi": ("018_shanyang_qzf_2023_pdf", 200, [1, 2], 0.7, None,
                               ("applications", "review_litigation")),
    "018_ruled_200dpi": ("018_shanyang_qzf_2023_pdf", 200, None, 0.0, None, TABLES),
    "019_borderless_150dpi": ("019_wenfeng_cgj_2024_borderless_pdf", 150, None, 0.0, None, TABLES),
    "019_borderless_200dpi": ("019_wenfeng_cgj_2024_borderless_pdf", 200, None, 0.0, None, TABLES),
})


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help=f"fixture names (of {', '.join(BENCH)})")
    args = ap.parse_args(argv)
    if not ocr.available():
        sys.exit(f"the ocr extra is not installed: {ocr.INSTALL_HINT}")
    names = args.only or list(BENCH)
    t0 = time.perf_counter()
    ocr._engine()
    load_s = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-ocr-") as tmp:
        for name in names:
            stem, dpi, pages, rotate, q, tables = BENCH[name]
            p = scanned_pdf(SAMPLES / f"{stem}.pdf", Path(tmp) / f"{name}.pdf", dpi=dpi, pages=pages,
                            rotate=rotate, jpeg_quality=q)
            label = json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
            t0, c0 = time.perf_counter(), time.process_time()
            rec = extract.parse_file(p, narrative=None)
            secs, cpu = time.perf_counter() - t0, time.process_time() - c0
            n = len(rec.source.ocr["pages"]) if rec.source.ocr else 0
            acc = cell_accuracy(rec, label, tables)
            row = {"fixture": name, "pages": n, "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2),
                   "pages_per_s": round(n / secs, 3) if secs else None,
                   "mean_confidence": rec.source.ocr["mean_confidence"] if rec.source.ocr else None,
                   "status": rec.status, "tables": list(tables), "cells": acc["cells"], "right": acc["right"],
                   "accuracy": round(acc["accuracy"], 4) if acc["accuracy"] is not None else None,
                   "null": acc["null"], "wrong": acc["wrong"],
                   "findings": sorted({f.check for f in rec.findings if f.check.startswith("ocr.")})}
            rows.append(row)
            print(f"{name:24} {n} pages {secs:6.1f} s (cpu {cpu:6.1f} s) {row['pages_per_s']:.3f} pages/s  "
                  f"cells {acc['right']}/"
                  f"{acc['cells']} ({100 * acc['accuracy']:.1f} %) null {len(acc['null'])} wrong "
                  f"{len(acc['wrong'])} (named {sum(1 for w in acc['wrong'] if w[3])})  conf "
                  f"{row['mean_confidence']}", flush=True)
    pages = sum(r["pages"] for r in rows)
    secs = sum(r["seconds"] for r in rows)
    cpu = sum(r["cpu_seconds"] for r in rows)
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "loadavg_at_end": os.getloadavg()},
           "engine": {"name": ocr.ENGINE, "version": ocr.engine_version(), "load_seconds": round(load_s, 2)},
           "pages": pages, "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2),
           "pages_per_s": round(pages / secs, 3) if secs else None,
           "fixtures": rows}
    print(f"total {pages} pages in {secs:.1f} s: {out['pages_per_s']} pages/s; {cpu / max(pages, 1):.1f} CPU-s a "
          f"page (engine load {load_s:.1f} s; load average {os.getloadavg()[0]:.1f}: other work shares the CPU)")
    dest = ROOT / "bench" / "out"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "ocr.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
