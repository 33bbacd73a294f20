"""PDF throughput on two workers, against the 10 reports/s target (issue 15).

    python bench/bench_pdf.py [-k 40] [--jobs 2] [--narrative none|rules] [--profile]

Builds report PDFs from the text samples (``tests/builders.py``: ruled tables with merged cells,
section 三 across two pages, running header and page numbers; every other one borderless), then
parses K of them (samples cycled) with ``extract.batch.iter_batch(jobs=J)``, the worker pool the CLI
uses. Start-up (spawning the workers, their imports) is measured by a run on ``J`` files and taken
out of the rate; the rate including it is printed too. On a machine shared with other work the wall
clock understates the rate: the workers' CPU time gives the rate they would reach with a core each
(``cpu_reports_per_s``). ``--profile`` profiles the reader
(``extract.ingest.pdf.read_pdf``) on the built PDFs in this process and prints the hotspots.

Writes the figures as JSON to ``bench/out/pdf.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import extract  # noqa: E402
from builders import build_pdf  # noqa: E402
from extract.batch import iter_batch  # noqa: E402
from extract.workers import stop_forkserver  # noqa: E402

TARGET = 10.0     # reports/s on two workers


def _cpu() -> float:
    """CPU seconds of this process and its finished workers."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_batch(paths: list[Path], jobs: int, narrative: str) -> tuple[float, float, list[str]]:
    """Wall seconds, CPU seconds (this process and the workers) and the records' statuses."""
    t0, c0 = time.perf_counter(), _cpu()
    statuses = [rec.status for rec in iter_batch(paths, jobs=jobs, narrative=narrative)]
    wall = time.perf_counter() - t0
    # The workers are the forkserver's children, not this process's: their CPU reaches
    # RUSAGE_CHILDREN only once the forkserver (which reaped them) is stopped and reaped in turn.
    stop_forkserver()
    return wall, _cpu() - c0, statuses


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", type=int, default=40, help="number of PDFs to parse (samples cycled)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--narrative", default="none", choices=["none", "rules"])
    ap.add_argument("--profile", action="store_true", help="profile read_pdf on the built PDFs")
    args = ap.parse_args(argv)
    samples = sorted((ROOT / "eval" / "samples").glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-pdf-") as tmp:
        t0 = time.perf_counter()
        built = [build_pdf(s, Path(tmp) / f"{s.stem}.pdf", borderless=bool(i % 2)) for i, s in enumerate(samples)]
        build_s = time.perf_counter() - t0
        paths = [built[i % len(built)] for i in range(args.k)]
        startup, startup_cpu, _ = timed_batch(paths[:args.jobs], args.jobs, args.narrative)
        total, total_cpu, statuses = timed_batch(paths, args.jobs, args.narrative)
        pages = [extract.ingest.load(p).pages for p in built]
        rate = (args.k - args.jobs) / max(total - startup, 1e-9)
        cpu_rate = (args.k - args.jobs) / max((total_cpu - startup_cpu) / args.jobs, 1e-9)
        if args.profile:
            from extract.ingest.pdf import read_pdf
            data = [p.read_bytes() for p in built]
            prof = cProfile.Profile()
            prof.enable()
            for d in data:
                read_pdf(d, ocr="off")
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            print(buf.getvalue())
    result = {
        "bench": "pdf", "reader": extract.__file__, "k": args.k, "jobs": args.jobs, "narrative": args.narrative,
        "target_reports_per_s": TARGET, "pages_per_report": round(statistics.mean(pages), 2),
        "reports_per_s": round(rate, 2), "cpu_reports_per_s": round(cpu_rate, 2),
        "cpu_s_per_report": round((total_cpu - startup_cpu) / (args.k - args.jobs), 4),
        "reports_per_s_with_startup": round(args.k / total, 2),
        "startup_s": round(startup, 2), "seconds": round(total, 2),
        "build_s_per_pdf": round(build_s / len(samples), 3), "ok": statuses.count("ok"),
        "python": platform.python_version(), "machine": platform.machine(),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"PDF reader ({extract.__file__}): {args.k} PDFs ({result['pages_per_report']:.1f} pages each), "
          f"--jobs {args.jobs}, narrative {args.narrative}: {rate:.2f} reports/s "
          f"(target >= {TARGET:g}/s on two workers: {'met' if rate >= TARGET else 'NOT met'}); "
          f"{result['reports_per_s_with_startup']} reports/s with start-up ({startup:.2f} s); "
          f"{result['ok']}/{args.k} ok")
    print(f"  CPU: {result['cpu_s_per_report']:.3f} s per report, {cpu_rate:.2f} reports/s with a core per worker "
          f"(target >= {TARGET:g}/s: {'met' if cpu_rate >= TARGET else 'NOT met'})")
    return result


if __name__ == "__main__":
    main()
