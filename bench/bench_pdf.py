"""PDF throughput: build K report PDFs from the samples, time ``extract.parse_file`` over them.

    python bench/bench_pdf.py [-k 20] [--narrative none|rules]

Prints reports/s and writes the figures as JSON to ``bench/out/pdf.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import extract  # noqa: E402
from builders import build_pdf  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", type=int, default=20, help="number of PDFs to parse (samples cycled)")
    ap.add_argument("--narrative", default="none", choices=["none", "rules"])
    args = ap.parse_args(argv)
    samples = sorted((ROOT / "eval" / "samples").glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-pdf-") as tmp:
        t0 = time.perf_counter()
        built = [build_pdf(s, Path(tmp) / f"{s.stem}.pdf") for s in samples]
        build_s = time.perf_counter() - t0
        paths = [built[i % len(built)] for i in range(args.k)]
        narrative = None if args.narrative == "none" else args.narrative
        extract.parse_file(paths[0], narrative=narrative)          # warm imports
        per, statuses = [], []
        t0 = time.perf_counter()
        for p in paths:
            t = time.perf_counter()
            rec = extract.parse_file(p, narrative=narrative)
            per.append(time.perf_counter() - t)
            statuses.append(rec.status)
        total = time.perf_counter() - t0
        pages = [extract.ingest.load(p).pages for p in built]
    result = {
        "bench": "pdf", "k": args.k, "narrative": args.narrative, "samples": len(samples),
        "pages_per_report": statistics.mean(pages), "seconds": round(total, 3),
        "reports_per_s": round(args.k / total, 2), "median_s": round(statistics.median(per), 4),
        "max_s": round(max(per), 4), "build_s_per_pdf": round(build_s / len(samples), 3),
        "ok": statuses.count("ok"), "python": platform.python_version(), "machine": platform.machine(),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{args.k} PDFs ({result['pages_per_report']:.1f} pages each) in {total:.2f} s: "
          f"{result['reports_per_s']} reports/s (median {result['median_s']} s); "
          f"build {result['build_s_per_pdf']} s/PDF; {result['ok']}/{args.k} ok")
    return result


if __name__ == "__main__":
    main()
