"""``xxgk extract``, ``show``, ``review`` and ``compare``: thin layers over ``extract.batch`` / ``export``.

Exit codes: 0 every input was read (status ok or partial); 1 at least one input failed or a
file in a folder was skipped (both are in errors.csv); 2 usage or configuration error (a
non-empty OUTDIR without --resume/--force, an LLM endpoint that cannot be reached); 3 the batch
could not run or its outputs could not be written (no output file was replaced); 130
interrupted (no output file was replaced; the finished reports are kept for --resume).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import click

from . import app, die
from .options import NarrativeChoice, narrative_options
from ..errors import LLMUnavailable, XxgkError
from ..workers import DEFAULT_FILE_TIMEOUT_S, start_workers_early

if TYPE_CHECKING:
    from ..batch import add_to_summary, iter_batch_map, scan_paths
    from ..export import OutputWriter, has_checkpoint
    from ..pipeline import batch_ids

# The library's batch code is imported by ``extract_command`` after it has started the workers'
# forkserver (``_import_library``), so that this process imports it while the forkserver does, instead
# of before the forkserver starts. The names are module attributes all the same (a test stands in
# for ``iter_batch_map``).
_LIBRARY = {"add_to_summary": "batch", "iter_batch_map": "batch", "scan_paths": "batch",
            "OutputWriter": "export", "has_checkpoint": "export", "batch_ids": "pipeline"}


def _import_library() -> None:
    """Bind ``_LIBRARY``'s names here (a name bound already, a test's stand-in, is kept)."""
    import importlib
    for name, module in _LIBRARY.items():
        if name not in globals():
            globals()[name] = getattr(importlib.import_module(f"..{module}", __package__), name)


def __getattr__(name: str):
    if name in _LIBRARY:
        _import_library()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE, EXIT_BATCH, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_PATH = click.Path(path_type=Path)


def _say(message: str) -> None:
    """One line on stderr (its colours dropped when stderr is not a terminal)."""
    click.echo(message, err=True)


@app.command("extract", no_args_is_help=True)
@click.argument("paths", nargs=-1, required=True,
                help="Report files, folders (searched recursively) or globs.")
@click.option("-o", "--out", required=True, type=_PATH, help="Output folder (created if needed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, help="Worker processes (rules/none narrative).")
@click.option("--file-timeout", type=click.FloatRange(min=0), default=DEFAULT_FILE_TIMEOUT_S,
              help="Seconds one file may take (0: no limit); a file that takes longer is an error row (E310) "
                   "and the batch goes on.")
@click.option("--include-text", is_flag=True, default=False,
              help="Keep each report's text in records.jsonl (spans index it).")
@click.option("--duckdb/--no-duckdb", default=None, show_default=False,
              help="Write OUTDIR/xxgk.duckdb (default: when the duckdb package is installed).")
@click.option("--parquet", is_flag=True, default=False, help="Write OUTDIR/parquet/<table>.parquet (needs duckdb).")
@click.option("--html", is_flag=True, default=False, help="Write OUTDIR/review.html (as `xxgk review OUTDIR`).")
@click.option("--resume", is_flag=True, default=False,
              help="Carry on in OUTDIR: skip inputs already done (same path and sha256) and add the rest.")
@click.option("--force", is_flag=True, default=False, help="Replace the outputs of a non-empty OUTDIR.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="No progress bar and no summary.")
@click.option("--ocr", default="auto", help="auto (PDF pages without a text layer, and images) | off | force "
              "(every PDF page); needs the ocr extra. Sets XXGK_OCR for the workers.")
@narrative_options(batch=True)
def extract_command(
    paths: tuple[str, ...],
    out: Path,
    jobs: int,
    file_timeout: float,
    narrative: NarrativeChoice,
    include_text: bool,
    duckdb: bool | None,
    parquet: bool,
    html: bool,
    resume: bool,
    force: bool,
    quiet: bool,
    ocr: str,
) -> None:
    """Extract every report under PATH... into OUTDIR: records.jsonl, reports.csv, findings.csv, errors.csv,
    codebook.csv (and xxgk.duckdb, parquet/, review.html)."""
    if narrative.check():
        die(narrative.check())
    if ocr not in ("auto", "off", "force"):
        die(f"--ocr must be auto, off or force (got {ocr!r})")
    os.environ["XXGK_OCR"] = ocr
    if resume and force:
        die("--resume and --force exclude each other")
    # the workers' code loads in the background while this process imports it, scans and opens its outputs
    start_workers_early(jobs, narrative.kind)
    _import_library()
    try:
        scan = scan_paths(paths)
    except XxgkError as e:
        die(str(e))
    files = scan.files
    if out.exists() and not out.is_dir():
        die(f"{out}: the output path exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (resume or force):
        die(f"{out} is not empty: --resume carries on the batch in it, --force replaces its outputs"
             + (" (an interrupted run left its finished reports there)" if has_checkpoint(out) else ""))
    duckdb, parquet = _data_outputs(duckdb, parquet)
    try:
        # build once here: a bad configuration is a usage error before any file is read
        extractor = narrative.extractor()
    except XxgkError as e:
        die(str(e))
    writer_options = {"include_text": include_text, "duckdb": duckdb, "parquet": parquet}
    try:
        if resume:
            writer = OutputWriter.resume(out, keep=_Unchanged(files), **writer_options)
        else:
            writer = OutputWriter(out, **writer_options)
            writer.open()
    except OSError as e:
        die(f"{e.filename or out}: cannot write output ({e.strerror or e})", EXIT_BATCH)
    done = {os.path.abspath(r["path"]): r["id"] for r in writer.resumed_records if r["path"]}
    todo = [p for p in files if os.path.abspath(p) not in done] if done else files
    ids = batch_ids(todo, existing={r["path"]: r["id"] for r in writer.resumed_records if r["path"]})
    # each record as the bytes that are written, encoded in the worker that parsed it
    records = iter_batch_map(writer.encoder(), todo, jobs=jobs,
                             narrative=extractor if narrative.kind == "llm" else narrative.kind,
                             llm_concurrency=narrative.concurrency, ids=ids, file_timeout=file_timeout or None)
    summary = {"reports": 0, "ok": 0, "partial": 0, "failed": 0,
               "findings": {"error": 0, "warning": 0, "info": 0},
               "llm": {"calls": 0, "prompt_tokens": 0, "cached_prompt_tokens": 0, "completion_tokens": 0,
                       "cached": 0, "cost_usd": 0.0},
               "checks_failed": 0, "skipped": len([k for k in scan.skipped if not k.label]),
               "labels": len([k for k in scan.skipped if k.label]), "resumed": writer.resumed}
    t0 = time.perf_counter()
    try:
        with writer:
            for k in scan.skipped:
                if not k.label:
                    writer.write_skipped(k.path, k.reason)
            with _progress(len(todo), show=not quiet and _stderr_is_terminal()) as advance:
                for e in records:
                    if e.brief["error_code"] == LLMUnavailable.code:
                        records.close()
                        die(f"{e.brief['error']}; stopped before writing any output", EXIT_USAGE)
                    writer.write(e)
                    add_to_summary(summary, e)
                    summary["checks_failed"] += e.brief["checks"] == "fail"
                    advance()
            writer.commit()
    except KeyboardInterrupt:
        records.close()
        _say(f"interrupted after {summary['reports']} of {len(todo)} reports; no output in {out} was "
             f"replaced; the finished reports are kept: run again with --resume to carry on")
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    except XxgkError as e:   # the batch itself could not run (not one file's error)
        die(f"{e} [{e.code}]; no output in {out} was replaced", EXIT_BATCH)
    except OSError as e:
        die(f"{e.filename or out}: cannot write output ({e.strerror or e})", EXIT_BATCH)
    finally:
        records.close()
    if html:
        from ..review import write_review
        try:
            write_review(out)
        except (OSError, XxgkError) as e:
            die(f"review page: {e}", EXIT_BATCH)
    if not quiet:
        _print_summary(summary, out, time.perf_counter() - t0, narrative.kind)
    failed_before = sum(r["status"] == "failed" for r in writer.resumed_records)
    raise click.exceptions.Exit(EXIT_FAILED_INPUTS if summary["failed"] or failed_before or summary["skipped"] else EXIT_OK)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):   # replaced or closed
        return False


@contextlib.contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[], None]]:
    """Yield ``advance()``, called once per report: it moves a progress bar on stderr (gone when done)
    if ``show``, else does nothing; rich is imported only to draw the bar."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True, highlight=False), transient=True) as progress:
        task = progress.add_task("extracting", total=total)
        yield lambda: progress.advance(task)


def _data_outputs(duckdb: bool | None, parquet: bool) -> tuple[bool, bool]:
    """``--duckdb`` / ``--parquet`` → what to write; asked-for data outputs without duckdb are a usage error."""
    from ..store import require_duckdb
    if duckdb is None:
        try:
            require_duckdb()
            duckdb = True
        except XxgkError:
            duckdb = False
    if duckdb or parquet:
        try:
            require_duckdb()
        except XxgkError as e:
            die(str(e))
    return bool(duckdb), parquet


class _Unchanged:
    """``keep`` for a resume: drop an earlier record of an input whose file has changed since (it is re-run)."""

    def __init__(self, files):
        self.inputs = {os.path.abspath(p) for p in files}
        self.seen: set[str] = set()

    def __call__(self, d: dict) -> bool:
        src = d.get("source") or {}
        path = src.get("path")
        key = os.path.abspath(path) if path else None
        if key is None or key in self.seen:
            return key is None
        if key in self.inputs and (src.get("sha256") is None or src.get("sha256") != _sha256_file(key)):
            return False
        self.seen.add(key)
        return True


def _sha256_file(path: str) -> str | None:
    import hashlib
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _print_summary(s: dict, out: Path, seconds: float, narrative: str) -> None:
    f = s["findings"]
    rate = s["reports"] / seconds if seconds > 0 else 0.0
    red, yellow = functools.partial(click.style, fg="red"), functools.partial(click.style, fg="yellow")
    _say(f"{s['reports']} reports in {seconds:.1f} s ({rate:.0f}/s): "
         f"{click.style(str(s['ok']) + ' ok', fg='green')}, {yellow(str(s['partial']) + ' partial')}, "
         f"{red(str(s['failed']) + ' failed')}; {s.get('checks_failed', 0)} failing a check; findings: "
         f"{red(str(f['error']) + ' error', bold=True)}, {yellow(str(f['warning']) + ' warning')}, "
         f"{click.style(str(f['info']) + ' info', fg='cyan')}")
    if narrative == "llm":
        u = s["llm"]
        _say(f"LLM: {u['calls']} calls, {u['prompt_tokens']} prompt ({u['cached_prompt_tokens']} served from "
             f"the endpoint's prompt cache) + {u['completion_tokens']} completion tokens, "
             f"{u['cached']} reports from the answer cache, "
             + (f"cost ${u['cost_usd']:.4f}" if u["cost_usd"] else "cost unknown (set XXGK_LLM_PRICE_*)"))
    extra = []
    if s.get("resumed"):
        extra.append(f"{s['resumed']} reports carried over from the earlier run")
    if s.get("skipped"):
        extra.append(f"{red(str(s['skipped']) + ' files skipped')} (not reports; listed in errors.csv)")
    if s.get("labels"):
        extra.append(f"{s['labels']} label files beside their reports not read")
    if extra:
        _say("; ".join(extra))
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    _say(f"outputs in {out}/: {', '.join(names)}")


# -- show -------------------------------------------------------------------------

@app.command("show", no_args_is_help=True)
@click.argument("file", type=_PATH, help="One report file.")
@click.option("--narrative", default="rules", help="rules | none (llm: use xxgk extract)")
def show_command(file: Path, narrative: str) -> None:
    """Print one report's tables, findings and narrative items."""
    from rich.console import Console
    from rich.table import Table

    from ..narrative import make_extractor
    from ..pipeline import parse_file
    from ..tables.template import LEGACY, UNKNOWN, template_spec
    if narrative not in ("rules", "none"):
        die(f"--narrative must be rules or none for show (got {narrative!r})")
    try:
        extractor = make_extractor(narrative)
        rec = parse_file(file, narrative=extractor if extractor is not None else "none")
    except XxgkError as e:
        if e.path is None:
            e.path = str(file)
        die(f"{e} [{e.code}]", EXIT_FAILED_INPUTS)
    con = Console(highlight=False, width=max(120, Console().width))
    m = rec.meta
    con.print(f"[bold]{rec.id}[/bold]  status: {rec.status}"
              + (f"  agency: {m.agency}  year: {m.year}  template: {m.template}" if m else ""))
    if rec.status == "failed":
        con.print(f"[red]{rec.error_code}: {rec.error}[/red]")
        raise click.exceptions.Exit(EXIT_FAILED_INPUTS)

    def cell(v) -> str:
        return "—" if v is None else str(v)

    # a legacy report's tables are null: nothing below reads its template
    tpl = template_spec(m.template if m and m.template != LEGACY else UNKNOWN)
    active = rec.value("active_disclosure")
    if active:
        t = Table(title="二、主动公开政府信息情况", title_justify="left")
        t.add_column("项目")
        t.add_column("key", style="dim")
        t.add_column("values")
        for s in tpl.active_rows:
            v = active.get(s.key)
            shown = ", ".join(f"{k}={cell(x)}" for k, x in v.items()) if isinstance(v, dict) else cell(v)
            t.add_row(s.label, s.key, shown)
        con.print(t)
    apps = rec.value("applications")
    if apps:
        t = Table(title="三、收到和处理政府信息公开申请情况", title_justify="left")
        t.add_column("申请情况")
        spec = tpl.applications
        for _, label in spec.columns:
            t.add_column(label, justify="right")
        labels = spec.labels
        for r in spec.record_rows(merged=spec.merged.key in apps):
            v = apps.get(r) or {}
            t.add_row(labels.get(r, r), *(cell(v.get(k)) for k, _ in spec.columns))
        con.print(t)
    review = rec.value("review_litigation")
    if review:
        t = Table(title="四、行政复议、行政诉讼情况", title_justify="left")
        t.add_column("")
        for _, label in tpl.review.columns:
            t.add_column(label, justify="right")
        for g, label in tpl.review.groups:
            v = review.get(g) or {}
            t.add_row(label, *(cell(v.get(k)) for k, _ in tpl.review.columns))
        con.print(t)
    if rec.findings:
        t = Table(title="findings", title_justify="left")
        for c in ("severity", "check", "message"):
            t.add_column(c)
        for fd in rec.findings:
            t.add_row(f"[{SEVERITY_STYLE.get(fd.severity, '')}]{fd.severity}[/]", fd.check, fd.message)
        con.print(t)
    n = rec.narrative
    if n:
        for title, items in (("problems", n.problems), ("improvements", n.improvements)):
            if items:
                con.print(f"[bold]{title}[/bold]")
                for i, it in enumerate(items, 1):
                    con.print(f"  {i}. {it.text}")
        if n.channels:
            con.print("[bold]channels[/bold]")
            for c in n.channels:
                con.print(f"  {c.type}: {c.name or '—'}")


# -- review / compare ---------------------------------------------------------------

@app.command("review", no_args_is_help=True)
@click.argument("outdir", type=_PATH, help="A batch's output folder (with records.jsonl).")
@click.option("-o", "--out", "dest", type=_PATH, default=None,
              help="Where to write the page (default OUTDIR/review.html).")
def review_command(outdir: Path, dest: Path | None) -> None:
    """Write one static HTML page to review a batch: every value and narrative item highlighted in its source."""
    from ..review import write_review
    if not (outdir / "records.jsonl").exists():
        die(f"{outdir}: no records.jsonl (run xxgk extract first)")
    try:
        path = write_review(outdir, dest=dest)
    except OSError as e:
        die(f"{e.filename or outdir}: cannot write the review page ({e.strerror or e})", EXIT_BATCH)
    _say(f"review page: {path}")


@app.command("compare", no_args_is_help=True)
@click.argument("outdir", type=_PATH, help="A batch's output folder (with records.jsonl).")
@click.option("--csv", "csv_out", type=_PATH, default=None,
              help="Write the carry-over checks (one row per agency, year and applicant column) to this CSV file.")
@click.option("--agency", default=None, help="Only agencies whose name contains this.")
def compare_command(outdir: Path, csv_out: Path | None, agency: str | None) -> None:
    """Line up each agency's reports by year, with derived indicators, and check the carry-over between years:
    this year's 上年结转 should equal last year's 结转下年度继续办理, column by column."""
    import csv

    from rich.console import Console
    from rich.table import Table

    from ..export import CSV_ENCODING, read_records, spreadsheet_safe
    from ..indicators import carry_over_checks, lined_up
    if not (outdir / "records.jsonl").exists():
        die(f"{outdir}: no records.jsonl (run xxgk extract first)")
    recs = [r for r in read_records(outdir / "records.jsonl")
            if not agency or agency in ((r.get("meta") or {}).get("agency") or "")]
    rows = lined_up(recs)
    checks = carry_over_checks(recs)
    by_report: dict[str, list[dict]] = {}
    for c in checks:
        by_report.setdefault(c["report_id"], []).append(c)
    con = Console(highlight=False, width=max(140, Console().width))
    t = Table(title="reports by agency and year", title_justify="left")
    for col in ("agency", "year", "id", "received", "processed", "disclosed", "not held", "carry-over"):
        t.add_column(col, justify="right" if col not in ("agency", "id") else "left")

    def pct(v) -> str:
        return "—" if v is None else f"{v:.0%}"

    for r in rows:
        cs = by_report.get(r["report_id"], [])
        bad = [c["column"] for c in cs if c["matches"] is False]
        carry = ("—" if not cs else f"[red]{len(bad)} column(s) differ: {', '.join(bad)}[/red]" if bad
                 else "ok" if all(c["matches"] for c in cs) else "blank cells")
        t.add_row(r["agency"], str(r["year"]), str(r["report_id"]),
                  "—" if r["applications_received"] is None else str(r["applications_received"]),
                  "—" if r["applications_processed"] is None else str(r["applications_processed"]),
                  pct(r["disclosed_share"]), pct(r["not_held_share"]), carry)
    con.print(t)
    pairs = {(c["report_id"], c["previous_report_id"]) for c in checks}
    bad_pairs = {(c["report_id"], c["previous_report_id"]) for c in checks if c["matches"] is False}
    con.print(f"{len(rows)} reports of {len({r['agency'] for r in rows})} agencies; {len(pairs)} consecutive-year "
              f"pairs checked, {len(bad_pairs)} with a carry-over that differs")
    if csv_out is not None:
        cols = ("agency", "year", "report_id", "previous_report_id", "column", "carried_over",
                "previous_carried_forward", "matches")
        with csv_out.open("w", encoding=CSV_ENCODING, newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(spreadsheet_safe(r) for r in checks)
