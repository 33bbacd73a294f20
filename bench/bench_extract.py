"""Throughput of ``xxgk extract`` on text reports.

    python bench/bench_extract.py                 # 1000 copies, --jobs 2, rules narrative
    python bench/bench_extract.py -n 5000 --narrative none --profile

Copies the bundled text samples N times into a temp folder, then

1. runs ``xxgk extract DIR -o OUT --jobs J`` as a subprocess; start-up (interpreter, imports,
   worker spawn, measured by a run on one file) is reported separately from the per-report rate;
2. runs ``extract.batch.iter_batch`` in this process (no output files);
3. with ``--profile``, profiles ``iter_batch(jobs=1)`` with cProfile and prints the hotspots;
4. with ``--duckdb``, runs the CLI with ``--no-duckdb`` (CSV only) and with ``--duckdb``, alternating,
   ``--rounds`` times each, and compares the best wall times (target: DuckDB within 15 %).

Peak RSS is sampled from /proc: the largest process (the CLI or one of its workers) and the whole
tree together.
Targets on a 2-core machine (issue 15), text input, ``--jobs 2``, 3,000 reports
(``-n 3000``), start-up included: >= 1,000 reports/s with the rules narrative, >= 1,500/s with
``--narrative none``; at most 120 MB per worker process. Cold start and memory against batch size:
``bench/bench_startup.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from host import describe as describe_host

REPO = Path(__file__).resolve().parent.parent
TARGET_RATE = {"rules": 1000, "none": 1500}     # reports/s overall, --jobs 2, start-up included
TARGET_RSS_MB = 120
SAMPLES = REPO / "eval" / "samples"


def make_corpus(dest: Path, n: int) -> list[Path]:
    texts = sorted(SAMPLES.glob("*.txt"))
    if not texts:
        raise SystemExit(f"{SAMPLES}: no .txt samples")
    out = []
    for i in range(n):
        src = texts[i % len(texts)]
        p = dest / f"{i // 1000:03d}" / f"{i:06d}_{src.name}"
        p.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, p)
        out.append(p)
    return out


def xxgk() -> list[str]:
    exe = Path(sys.executable).with_name("xxgk")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from extract.cli import main; main()"]


def _tree(pid: int) -> list[int]:
    """The pid and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


LAST_CPU = [0.0]


def run_cli(inp: Path, out: Path, jobs: int, narrative: str, *extra: str) -> tuple[float, float, float]:
    """Wall seconds, and the peak RSS (MB) of the largest process and of the whole process tree,
    sampled every 20 ms from /proc (the CLI's workers are grandchildren of this process).
    ``LAST_CPU[0]``: CPU seconds of the run's process tree (less sensitive to a busy machine)."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen([*xxgk(), "extract", str(inp), "-o", str(out), "--jobs", str(jobs),
                             "--narrative", narrative, "-q", "--force", *extra], stdout=subprocess.DEVNULL)
    one = tree = 0.0
    while proc.poll() is None:
        rss = [_rss_mb(p) for p in _tree(proc.pid)]
        one, tree = max(one, max(rss, default=0.0)), max(tree, sum(rss))
        time.sleep(0.02)
    LAST_CPU[0] = _children_cpu() - cpu0
    return time.perf_counter() - t0, one, tree


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of report files (default 1000)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--narrative", default="rules", choices=["rules", "none"])
    ap.add_argument("--profile", action="store_true", help="profile the in-process pipeline")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--duckdb", action="store_true", help="compare CSV-only with DuckDB output on")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each for --duckdb (best is kept)")
    args = ap.parse_args()

    from extract.batch import iter_batch
    print(describe_host())

    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        tmp_p = Path(tmp)
        corpus = tmp_p / "in"
        files = make_corpus(corpus, args.n)
        one = tmp_p / "one"
        one.mkdir()
        shutil.copyfile(files[0], one / files[0].name)
        print(f"corpus: {len(files)} text reports ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB), "
              f"jobs={args.jobs}, narrative={args.narrative}")

        if not args.skip_cli and not args.duckdb:
            startup, _, _ = run_cli(one, tmp_p / "out1", args.jobs, args.narrative, "--no-duckdb")
            startup_cpu = LAST_CPU[0]
            total, rss_one, rss_tree = run_cli(corpus, tmp_p / "out", args.jobs, args.narrative, "--no-duckdb")
            total_cpu = LAST_CPU[0]
            n_out = sum(1 for _ in (tmp_p / "out" / "records.jsonl").open(encoding="utf-8"))
            work = max(total - startup, 1e-9)
            print(f"cli:        {total:.2f} s total, {startup:.2f} s start-up (one-file run), "
                  f"{len(files) / total:.0f} reports/s overall, {(len(files) - 1) / work:.0f} reports/s "
                  f"excluding start-up; {n_out} records written; peak RSS {rss_one:.0f} MB in one process, "
                  f"{rss_tree:.0f} MB for the CLI and its workers together")
            print(f"cpu:        {total_cpu:.2f} CPU-s for the process tree ({len(files) / total_cpu:.0f} reports per "
                  f"CPU-second; {startup_cpu:.2f} CPU-s for the one-file run): the figure a busy machine "
                  f"disturbs least")
            rate, target = len(files) / total, TARGET_RATE[args.narrative]
            print(f"target:     {rate:.0f} reports/s overall vs >= {target} ({'met' if rate >= target else 'NOT met'}, "
                  f"{rate / target:.0%} of it); peak RSS {rss_one:.0f} MB in one process vs <= {TARGET_RSS_MB} MB "
                  f"({'met' if rss_one <= TARGET_RSS_MB else 'NOT met'})")

        if args.duckdb:
            best = {"--no-duckdb": float("inf"), "--duckdb": float("inf")}
            cpu = {"--no-duckdb": float("inf"), "--duckdb": float("inf")}
            for _ in range(args.rounds):
                for flag in best:
                    dt, _, _ = run_cli(corpus, tmp_p / "out-db", args.jobs, args.narrative, flag)
                    best[flag] = min(best[flag], dt)
                    cpu[flag] = min(cpu[flag], LAST_CPU[0])
                    print(f"  {flag}: {dt:.2f} s wall, {LAST_CPU[0]:.2f} s CPU", flush=True)
            with_db = tmp_p / "out-db" / "xxgk.duckdb"
            assert with_db.exists(), "the last --duckdb run wrote no database"
            csv_s, db_s = best["--no-duckdb"], best["--duckdb"]
            print(f"duckdb:     CSV only {csv_s:.2f} s ({len(files) / csv_s:.0f} reports/s), with DuckDB "
                  f"{db_s:.2f} s ({len(files) / db_s:.0f} reports/s): {100 * (db_s / csv_s - 1):+.1f} % time "
                  f"(best of {args.rounds}); CPU of the process tree {cpu['--no-duckdb']:.2f} s vs "
                  f"{cpu['--duckdb']:.2f} s ({100 * (cpu['--duckdb'] / cpu['--no-duckdb'] - 1):+.1f} %); "
                  f"database {with_db.stat().st_size / 1e6:.1f} MB")
            return

        for jobs in sorted({1, args.jobs}):
            t0 = time.perf_counter()
            n = sum(1 for _ in iter_batch(files, jobs=jobs, narrative=args.narrative))
            dt = time.perf_counter() - t0
            print(f"iter_batch: jobs={jobs}: {n} records in {dt:.2f} s = {n / dt:.0f} reports/s "
                  f"(includes worker start-up); peak RSS here {self_peak_mb():.0f} MB")

        if args.profile:
            prof = cProfile.Profile()
            sample = files[: min(len(files), 300)]
            prof.enable()
            for _ in iter_batch(sample, jobs=1, narrative=args.narrative):
                pass
            prof.disable()
            s = io.StringIO()
            st = pstats.Stats(prof, stream=s).strip_dirs().sort_stats("cumulative")
            st.print_stats(25)
            print(f"profile of {len(sample)} reports, jobs=1 (cumulative):")
            print(s.getvalue())


if __name__ == "__main__":
    main()
