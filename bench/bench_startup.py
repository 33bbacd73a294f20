"""Cold start of ``xxgk extract`` and memory per worker process.

    python bench/bench_startup.py                 # 5 cold starts, workers over 200 and 2000 files
    python bench/bench_startup.py --runs 9 --importtime

1. Cold start: ``xxgk extract one.txt -o OUT`` as a new process, ``--runs`` times; the best and
   median wall time and the CPU time (user + sys of the process, less sensitive to a busy
   machine) are printed against the target (<= 0.5 s wall), with ``--no-duckdb`` (CSV outputs
   only) and as is (DuckDB too, when the package is installed). The first run after a change of
   jieba or of the channel words also builds the narrative's lexicon cache (a few seconds, once):
   ``--first`` measures that run, with an empty cache folder. An untimed run before the others
   writes the modules' bytecode caches (``__pycache__``, as an install does) even when
   ``PYTHONDONTWRITEBYTECODE`` is set, so that no timed run compiles the package's sources.
2. Memory per worker: ``xxgk extract DIR --jobs 2`` over a small and a large batch; the peak RSS
   of each worker process is sampled from /proc (target: <= 120 MB, and flat in batch size).
3. With ``--importtime``: the modules that cost most to import (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_extract import SAMPLES, _rss_mb, _tree, make_corpus, xxgk  # noqa: E402

COLD_START_TARGET_S = 0.5
WORKER_RSS_TARGET_MB = 120.0
ONE = SAMPLES / "002_jiaozuo_szfb_2025.txt"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cold_start(out: Path, *extra: str, env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one ``xxgk extract ONE -o out`` in a new process."""
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run([*xxgk(), "extract", str(ONE), "-o", str(out), "--force", *extra],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0, _cpu() - c0


def worker_rss(inp: Path, out: Path, jobs: int) -> tuple[float, float, float]:
    """Peak RSS (MB) of the largest worker, of the CLI process itself, and the wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([*xxgk(), "extract", str(inp), "-o", str(out), "--jobs", str(jobs), "-q", "--force",
                             "--no-duckdb"], stdout=subprocess.DEVNULL)
    worker = main = 0.0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        main = max(main, _rss_mb(proc.pid))
        for p in pids[1:]:
            try:
                cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmd:
                worker = max(worker, _rss_mb(p))
        time.sleep(0.01)
    return worker, main, time.perf_counter() - t0


def import_costs(top: int = 12) -> list[tuple[str, float, float]]:
    """(module, self ms, cumulative ms) of the costliest imports of the CLI."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", "from extract.cli import _register; _register()"],
                         capture_output=True, text=True, check=True)
    rows = []
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            rows.append((m[3], int(m[1]) / 1000, int(m[2]) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="cold starts of each kind (default 5)")
    ap.add_argument("--small", type=int, default=200, help="files in the small batch (default 200)")
    ap.add_argument("--large", type=int, default=2000, help="files in the large batch (default 2000)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--first", action="store_true", help="also time a first run with an empty lexicon cache")
    ap.add_argument("--importtime", action="store_true", help="list the costliest imports")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        tmp_p = Path(tmp)
        # the lexicon cache exists from here on, and so do the modules' bytecode caches (__pycache__),
        # as after an install: with PYTHONDONTWRITEBYTECODE set (as in some sandboxes) every run would
        # compile the package's sources again (~0.1 s), which no installed xxgk does
        warm_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cold_start(tmp_p / "warm", env=warm_env)
        if args.first:
            env = dict(os.environ, XXGK_CACHE_DIR=str(tmp_p / "empty-cache"))
            wall, cpu = cold_start(tmp_p / "first", "--no-duckdb", env=env)
            print(f"first run (builds the lexicon cache): {wall:.2f} s wall, {cpu:.2f} s CPU")
        for label, extra in (("--no-duckdb", ("--no-duckdb",)), ("default", ())):
            walls, cpus = [], []
            for _ in range(args.runs):
                w, c = cold_start(tmp_p / "out", *extra)
                walls.append(w)
                cpus.append(c)
            best = min(walls)
            print(f"cold start ({label}): best {best:.3f} s, median {statistics.median(walls):.3f} s wall; "
                  f"CPU best {min(cpus):.3f} s (target <= {COLD_START_TARGET_S} s wall: "
                  f"{'met' if best <= COLD_START_TARGET_S else 'NOT met'})", flush=True)

        rss = {}
        for n in (args.small, args.large):
            inp = tmp_p / f"in{n}"
            make_corpus(inp, n)
            worker, main_mb, wall = worker_rss(inp, tmp_p / f"out{n}", args.jobs)
            rss[n] = worker
            print(f"batch of {n} (--jobs {args.jobs}): peak RSS {worker:.0f} MB in the largest worker, "
                  f"{main_mb:.0f} MB in the CLI process; {wall:.2f} s", flush=True)
        small, large = rss[args.small], rss[args.large]
        print(f"memory per worker: {large:.0f} MB (target <= {WORKER_RSS_TARGET_MB:.0f} MB: "
              f"{'met' if large <= WORKER_RSS_TARGET_MB else 'NOT met'}); {args.small} → {args.large} files: "
              f"{large - small:+.0f} MB ({'flat' if abs(large - small) <= 10 else 'NOT flat'}, within 10 MB)")

        if args.importtime:
            print("costliest imports of the CLI (self ms, cumulative ms):")
            for mod, own, cum in import_costs():
                print(f"  {mod:45s} {own:7.1f} {cum:8.1f}")


if __name__ == "__main__":
    main()
