"""``xxgk eval``: score the extractor on labelled samples; ``xxgk eval --compare A B``.

Exit codes: 0 done; 1 a headline figure fell below ``--baseline``; 2 usage or configuration error
(one line on stderr).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import app, die
from .options import NarrativeChoice, narrative_options
from ..errors import XxgkError

if TYPE_CHECKING:   # rich is imported by the functions that draw
    from rich.console import Console
    from rich.table import Table

EXIT_REGRESSION = 1
EXIT_USAGE = 2
_PATH = click.Path(path_type=Path)


def _die(message: str) -> None:
    die(message, EXIT_USAGE)


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def _report_table(card) -> Table:
    from rich.table import Table

    t = Table(title="per report", show_lines=False)
    for col in ("report", "status", "cells", "exact", "agency/year/tpl", "findings", "problems F1",
                "improv. F1", "channels F1", "spans", "s"):
        t.add_column(col, overflow="fold")
    for r in card.reports:
        m, f = r["meta"], r["findings"]
        meta = "".join("✓" if m[k] else "✗" for k in ("agency", "year", "template"))
        fnd = f"{len(f['caught'])}/{len(f['flagged'])} caught"
        if f["false_alarm_tables"]:
            fnd += f", {len(f['false_alarm_tables'])} false"
        sp = r["spans"]
        secs = r["cost"]["seconds"]
        t.add_row(
            str(r["id"]), str(r["status"]),
            f"{r['cells_correct']}/{r['cells']}", "yes" if r["tables_exact"] else "no", meta, fnd,
            f"{r['problems']['f1']:.2f} (cov {r['problems']['coverage_f1']:.2f})",
            f"{r['improvements']['f1']:.2f} (cov {r['improvements']['coverage_f1']:.2f})",
            f"{r['channels']['f1']:.2f} (type {r['channels']['type_f1']:.2f})",
            f"{sp['valid']}/{sp['checked']}" if sp["checked"] or not sp["items"] else "n/a",
            "—" if secs is None else f"{secs:.2f}",
        )
    return t


def _overall_table(card) -> Table:
    from rich.table import Table

    o = card.overall
    t = Table(title=f"overall ({o['reports']} reports, narrative: {card.config.get('narrative')})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    rows = [
        ("cell accuracy", _pct(o["cell_accuracy"])),
        *[(f"  {k.split('.', 1)[1]}", _pct(o[k])) for k in o if k.startswith("cell_accuracy.")],
        ("reports with every cell exact", f"{o['reports_tables_exact']}/{o['reports']}"),
        ("reports failed", str(o["reports_failed"])),
        ("agency / year / template", " / ".join(_pct(o[f"meta.{k}"]) for k in ("agency", "year", "template"))),
        ("flagged tables caught (recall)", f"{_pct(o['findings.recall'])} of {o['findings.flagged_tables']}"),
        ("false-alarm tables", str(o["findings.false_alarm_tables"])),
    ]
    for key in ("problems", "improvements"):
        rows.append((f"{key} P / R / F1", " / ".join(_pct(o[f"{key}.{k}"]) for k in ("precision", "recall", "f1"))))
        rows.append((f"{key} coverage P / R / F1",
                     " / ".join(_pct(o[f"{key}.coverage_{k}"]) for k in ("precision", "recall", "f1"))))
    rows += [
        ("channels P / R / F1", " / ".join(_pct(o[f"channels.{k}"]) for k in ("precision", "recall", "f1"))),
        ("channel types P / R / F1",
         " / ".join(_pct(o[f"channels.type_{k}"]) for k in ("precision", "recall", "f1"))),
        ("items with a valid span", _pct(o["spans.valid_share"])),
        ("seconds per report", "—" if o["cost.seconds_per_report"] is None else f"{o['cost.seconds_per_report']:.3f}"),
        ("LLM calls / prompt / completion tokens",
         f"{o['cost.llm_calls']} / {o['cost.prompt_tokens']} / {o['cost.completion_tokens']}"),
    ]
    for name, val in rows:
        t.add_row(name, val)
    return t


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v


def _compare(a: Path, b: Path, out: Path | None, console: Console) -> None:
    from rich.table import Table

    from ..evaluation import compare, read_scorecard
    try:
        ca, cb = read_scorecard(a), read_scorecard(b)
    except XxgkError as e:
        _die(str(e))
    diffs = compare(ca, cb)
    t = Table(title=f"A = {a}   B = {b}   ({len(diffs)} fields differ)")
    for col in ("field", "A", "B", "Δ", ""):
        t.add_column(col, overflow="fold")
    for d in diffs:
        mark = {True: "[green]better[/green]", False: "[red]worse[/red]", None: ""}[d.better]
        t.add_row(d.path, _fmt(d.a), _fmt(d.b), "" if d.delta is None else f"{d.delta:+.4g}", mark)
    console.print(t)
    if out:
        out.write_text(json.dumps([d.to_dict() for d in diffs], ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")


@app.command("eval")
@click.option("--samples", type=_PATH, default=None, help="Folder of <stem>.<ext> + <stem>.json samples.")
@click.option("--out", type=_PATH, default=None, help="Write the scorecard (or, with --compare, the diff) as JSON.")
@click.option("--records", type=_PATH, default=None,
              help="Score this records.jsonl instead of extracting (records from `xxgk extract`).")
@click.option("--compare", "compare_", type=_PATH, nargs=2, default=None,
              help="Two scorecards A B: show what differs, field by field.")
@click.option("--baseline", type=_PATH, default=None, help="A committed scorecard: exit 1 if any headline figure "
              "(cell accuracy, F1s, recall...) is worse than in it.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="Print only the overall table.")
@narrative_options()
def eval_command(
    samples: Path | None,
    narrative: NarrativeChoice,
    out: Path | None,
    records: Path | None,
    compare_: tuple[Path, Path] | None,
    baseline: Path | None,
    quiet: bool,
) -> None:
    """Measure the extractor on labelled samples: tables, meta, findings, narrative, cost."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:   # a pipe or a file: wide enough that the per-report table stays readable
        console = Console(highlight=False, width=170)
    if compare_:
        if samples or records:
            _die("--compare takes two scorecards and no --samples/--records")
        _compare(compare_[0], compare_[1], out, console)
        return
    if samples is None:
        _die("--samples DIR is required (or --compare A.json B.json)")
    if baseline is not None:
        from ..evaluation import read_scorecard
        try:
            base = read_scorecard(baseline)
        except XxgkError as e:
            _die(str(e))
    if narrative.check():
        _die(narrative.check())
    from ..evaluation import load_records, run_eval, write_scorecard
    try:
        recs = load_records(records) if records else None
        extractor = narrative.extractor() if recs is None else None
        llm_model = narrative.llm.get("model")
        with console.status("scoring…") if not quiet else nullcontext():
            card = run_eval(samples, narrative=extractor if extractor is not None else "none", records=recs,
                            config={"narrative_requested": narrative.kind,
                                    **({"records": str(records)} if records else {}),
                                    **({"llm_model": llm_model} if llm_model else {}),
                                    **({"llm_prompt": extractor.prompt.version}
                                       if getattr(extractor, "prompt", None) is not None else {})})
    except XxgkError as e:
        _die(str(e))
    if not quiet:
        console.print(_report_table(card))
    console.print(_overall_table(card))
    if out:
        write_scorecard(card, out)
        console.print(f"scorecard written to {out}")
    if baseline is not None:
        from ..evaluation import regressions
        worse = regressions(base, card)
        if worse:
            err = Console(stderr=True, highlight=False)
            for d in worse:
                err.print(f"[red]regression:[/red] {d.path.removeprefix('overall.')}: {_fmt(d.a)} in {baseline} "
                          f"-> {_fmt(d.b)}", soft_wrap=True)
            raise click.exceptions.Exit(EXIT_REGRESSION)
        console.print(f"no headline figure is worse than {baseline}")
