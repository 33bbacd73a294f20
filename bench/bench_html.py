"""HTML reading speed: milliseconds per report for the HTML reader, against the 5 ms target (issue 15).

    python bench/bench_html.py [--rounds 5] [--parse]

Times ``extract.ingest.html.read_html`` (bytes → Document: charset, tree, visible text, table grids)
on the bundled HTML sample and on every page of ``tests/html_corpus.py`` (each text report of
eval/samples and eval/realdev as a CMS page, a crawler's save, a one-line body, a layout table,
Word HTML, hand-edited markup and XHTML, in several encodings). Each figure is the best of
``--rounds`` passes, so other work on the machine inflates it less. ``--parse`` also times the whole
``extract.parse_file`` (``--narrative none``) per page, for context. Run it with ``PYTHONPATH`` set to
another checkout to time that checkout's reader on the same pages.

Writes the figures as JSON to ``bench/out/html.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import extract  # noqa: E402
from extract.ingest.html import read_html  # noqa: E402
from html_corpus import corpus  # noqa: E402

TARGET_MS = 5.0
SAMPLE = ROOT / "eval" / "samples" / "005_jiaozuo_szfb_2025_html.html"


def best_ms(pages: list[tuple[str, bytes]], read, rounds: int) -> float:
    """Best over ``rounds`` passes of the mean milliseconds per page."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for name, data in pages:
            read(data, name)
        best = min(best, (time.perf_counter() - t0) / len(pages) * 1000)
    return best


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="passes over the pages; the best counts")
    ap.add_argument("--parse", action="store_true", help="also time extract.parse_file per page")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")            # the old reader's XMLParsedAsHTMLWarning on XHTML pages
    pages = [(n, d) for n, d in corpus() if not n.startswith("hostile")]
    sample = [(SAMPLE.name, SAMPLE.read_bytes())]
    read_html(sample[0][1], SAMPLE.name)       # warm imports
    sample_ms = best_ms(sample * 20, read_html, args.rounds)
    corpus_ms = best_ms(pages, read_html, max(1, args.rounds // 2))
    kb = statistics.mean(len(d) for _, d in pages) / 1024
    result = {"bench": "html", "reader": extract.__file__, "target_ms": TARGET_MS,
              "sample_ms": round(sample_ms, 3), "corpus_ms": round(corpus_ms, 3), "corpus_pages": len(pages),
              "corpus_kb_per_page": round(kb, 1), "python": platform.python_version(),
              "machine": platform.machine()}
    print(f"HTML reader ({extract.__file__}):")
    print(f"  bundled sample ({SAMPLE.stat().st_size / 1024:.1f} KB): {sample_ms:.2f} ms per report "
          f"(target <= {TARGET_MS:g} ms: {'met' if sample_ms <= TARGET_MS else 'NOT met'})")
    print(f"  corpus of {len(pages)} pages ({kb:.1f} KB each): {corpus_ms:.2f} ms per report "
          f"(target <= {TARGET_MS:g} ms: {'met' if corpus_ms <= TARGET_MS else 'NOT met'})")
    if args.parse:
        with tempfile.TemporaryDirectory(prefix="xxgk-bench-html-") as tmp:
            paths = []
            for name, data in [*sample, *pages[::7]]:
                p = Path(tmp) / name
                p.write_bytes(data)
                paths.append(p)
            extract.parse_file(paths[0], narrative=None)
            best = float("inf")
            for _ in range(max(1, args.rounds // 2)):
                t0 = time.perf_counter()
                for p in paths:
                    extract.parse_file(p, narrative=None)
                best = min(best, (time.perf_counter() - t0) / len(paths) * 1000)
        result["parse_file_ms"] = round(best, 3)
        print(f"  whole parse (extract.parse_file, --narrative none) on {len(paths)} pages: {best:.2f} ms per report")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "html.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
