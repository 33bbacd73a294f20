"""CPU per text report, stage by stage, in one process (no start-up, no worker pool).

    python bench/bench_parse.py                    # eval/samples/*.txt, rules narrative
    python bench/bench_parse.py --narrative none --realdev --rounds 9
    python bench/bench_parse.py --profile 30       # cProfile of the same loop, top 30 by tottime

Runs the real path the CLI's workers run (``pipeline.parse_file``) and the real writer
(``export.OutputWriter``) on every report, ``--rounds`` times, and reports for each stage the
best round's milliseconds per report. The stages are timed by wrapping the functions the
pipeline calls (ingest, relayout, sections, meta, tables, checks, narrative), so the figures add
up to the end-to-end time; "other" is what ``parse_file`` does between them (hashing, the
record). Writing is ``OutputWriter.write``: ``Record.to_dict``, the JSON line, the CSV rows.
Times are this process's CPU time (``time.process_time``), so other processes on a shared
machine slow the figures less than they would wall time.

Issue 15's targets are for ``xxgk extract --jobs 2`` over 3,000 text reports on a 2-core machine,
start-up included: >= 1,000 reports/s with the rules narrative and >= 1,500/s with
``--narrative none``, i.e. at most 2.0 ms (1.33 ms) of CPU per report for everything,
start-up and the worker pool's overhead (``bench_extract.py``) included. This script shows the
per-report part of that budget. The machine is shared: compare figures from one run, or
best-of-many rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from host import describe as describe_host

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"rules": 1000, "none": 1500}    # reports/s on two cores, start-up included (issue 15)
CORES = 2

STAGES = ("read", "relayout", "sections", "meta", "tables", "checks", "narrative", "other", "write")


def corpus(realdev: bool) -> list[Path]:
    files = sorted((REPO / "eval" / "samples").glob("*.txt"))
    if realdev:
        files += sorted((REPO / "eval" / "realdev" / "labelled").glob("*.txt"))
    if not files:
        raise SystemExit("no .txt reports found under eval/")
    return files


class StageClock:
    """Wraps the functions ``extract.pipeline`` calls, adding each call's time to its stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, stage: str) -> None:
        fn = getattr(owner, name)
        seconds = self.seconds

        def timed(*a, **kw):
            t0 = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                seconds[stage] += time.process_time() - t0
        self._undo.append((owner, name, fn))
        setattr(owner, name, timed)

    def install(self, extractor) -> None:
        import extract.ingest as ingest
        import extract.pipeline as pipeline
        self.wrap(ingest, "load_with_bytes", "read")
        for name, stage in (("relayout", "relayout"), ("find_sections", "sections"), ("read_meta", "meta"),
                            ("read_tables", "tables"), ("check_tables", "checks")):
            self.wrap(pipeline, name, stage)
        if extractor is not None:
            self.wrap(extractor, "extract", "narrative")

    def uninstall(self) -> None:
        for owner, name, fn in reversed(self._undo):
            setattr(owner, name, fn)
        self._undo.clear()


def one_round(files: list[Path], extractor, out: Path, clock: StageClock) -> tuple[dict[str, float], int]:
    from extract.export import OutputWriter
    from extract.pipeline import parse_file

    clock.seconds.clear()
    narrative = extractor if extractor is not None else "none"
    parse = write = 0.0
    with OutputWriter(out) as w:
        for f in files:
            t0 = time.process_time()
            rec = parse_file(f, narrative=narrative)
            t1 = time.process_time()
            w.write(rec)
            t2 = time.process_time()
            parse += t1 - t0
            write += t2 - t1
        w.commit()
    stages = dict(clock.seconds)
    stages["other"] = parse - sum(stages.values())
    stages["write"] = write
    return stages, len(files)


def _extractor(narrative: str):
    """The narrative extractor the CLI's workers build (``get_extractor`` in checkouts before
    ``make_extractor``, so the bench measures an older commit too)."""
    try:
        from extract.narrative import make_extractor
    except ImportError:
        from extract.narrative import get_extractor
        return get_extractor(narrative) if narrative != "none" else None
    return make_extractor(narrative)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--narrative", default="rules", choices=["rules", "none"])
    ap.add_argument("--realdev", action="store_true", help="add eval/realdev/labelled/*.txt to the samples")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the corpus; the best is kept per stage")
    ap.add_argument("--repeat", type=int, default=10, help="copies of the corpus in one pass")
    ap.add_argument("--profile", type=int, metavar="N", default=0,
                    help="also profile one pass with cProfile and print the top N functions by own time")
    args = ap.parse_args()

    files = corpus(args.realdev) * args.repeat
    print(describe_host())
    extractor = _extractor(args.narrative)
    clock = StageClock()
    best: dict[str, float] = {s: float("inf") for s in STAGES}
    best_total = float("inf")
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-parse-") as tmp:
        out = Path(tmp)
        one_round(files[:len(files) // args.repeat], extractor, out, StageClock())   # warm caches, imports
        clock.install(extractor)
        try:
            for _ in range(args.rounds):
                stages, n = one_round(files, extractor, out, clock)
                for s in STAGES:
                    best[s] = min(best[s], stages.get(s, 0.0) / n)
                best_total = min(best_total, sum(stages.values()) / n)
        finally:
            clock.uninstall()

        ms = {s: 1000 * v for s, v in best.items()}
        total_ms = 1000 * best_total
        print(f"{len(files)} text reports a round ({len(files) // args.repeat} files x {args.repeat}), "
              f"narrative={args.narrative}, best of {args.rounds} rounds, ms of CPU per report:")
        for s in STAGES:
            print(f"  {s:<10} {ms[s]:7.3f} ms")
        print(f"  {'total':<10} {total_ms:7.3f} ms   (best round; stages are each their own best)")
        target = TARGETS[args.narrative]
        rate = CORES * 1000 / total_ms
        budget = CORES * 1000 / target
        print(f"per-report work alone on {CORES} cores: {rate:,.0f} reports/s; the target is {target:,} reports/s "
              f"start-up included (at most {budget:.2f} ms of CPU per report): "
              f"{'within' if total_ms <= budget else 'over'} budget before start-up and pool overhead")

        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            one_round(files, extractor, out, StageClock())
            prof.disable()
            s = io.StringIO()
            pstats.Stats(prof, stream=s).strip_dirs().sort_stats("tottime").print_stats(args.profile)
            print(f"profile of one round ({len(files)} reports), by own time:")
            print(s.getvalue())


if __name__ == "__main__":
    sys.exit(main())
