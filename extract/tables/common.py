"""Pieces every table reader shares: value tokens → readings, and the findings they make."""

from __future__ import annotations

from ..types import Finding, Span, TableName
from .rows import Row, Tok
from .solve import Irregular, Reading, count_readings, run_readings

Value = int | float | None


def value_tokens(row: Row) -> list[Tok]:
    return [t for t in row.values]


def token_value(t: Tok) -> Value:
    return t.value if t.kind in ("num", "run") else None


def run_token(toks: list[Tok], m: int) -> Tok | None:
    """The single run of digits a row's cells ran together into, if that is what the row holds."""
    if m < 2 or len(toks) != 1:
        return None
    t = toks[0]
    digits = t.text.strip()
    if t.kind in ("run", "num") and digits.isdigit() and len(digits) >= 2:
        return t
    return None


def trim_edge_blanks(toks: list[Tok], m: int) -> list[Tok]:
    """A grid row's blank cells beyond its ``m`` columns, at its ends (trailing first): cells of a
    wider grid the table shares (two tables read as one; an unmerged label area), not values."""
    toks = list(toks)
    while len(toks) > m and toks[-1].kind == "blank":
        toks.pop()
    while len(toks) > m and toks[0].kind == "blank":
        toks.pop(0)
    return toks


def readings_for(toks: list[Tok], m: int, *, integers: bool = True) -> tuple[list[Reading] | None, str]:
    """All readings of a row's value tokens for ``m`` columns, and the irregularity kind.

    Kind is ``""`` for a regular row (one reading), ``"count"`` or ``"run"``.
    Returns ``(None, kind)`` when there are too many readings to try. The readers pass the
    tokens through ``trim_edge_blanks`` first, so that their messages count the same tokens.
    """
    run = run_token(toks, m)
    if run is not None:
        digits = run.text.strip()
        start = run.span[0] + (len(run.text) - len(run.text.lstrip()))
        return run_readings(digits, start, m), "run"
    pairs = [(token_value(t), t.span) for t in toks]
    if len(pairs) == m:
        return count_readings(pairs, m), ""
    return count_readings(pairs, m), "count"


def _fmt(v) -> str:
    return "null" if v is None else (str(int(v)) if float(v).is_integer() else f"{v:g}")


def irregular_finding(table: TableName, irr: Irregular, label: str, resolved: bool, survivors: int,
                      derived: tuple[str, ...] = (), values: dict | None = None) -> Finding:
    cells = tuple(f"{table}.{c}" for c in irr.columns)
    what = ("its cells ran together into one run of digits" if irr.kind == "run"
            else f"it has {irr.detail}")
    check = f"{table}.unseparated_cells" if irr.kind == "run" else f"{table}.irregular_row"
    if resolved:
        extra = ""
        if derived:
            names = ", ".join(d.split(".")[-1] for d in derived)
            extra = (f"; {len(derived)} cell(s) not printed in the source, derived from the identities "
                     f"(the reading used places the gap at {names})")
        read = f" ({', '.join(_fmt(values[c]) for c in irr.columns)})" if values else ""
        return Finding(check=check, severity="warning", table=table, cells=cells,
                       message=f"row {label}: {what}; exactly one reading satisfies the identities "
                               f"and was used{read}{extra}")
    why = ("no reading satisfies the identities" if survivors == 0
           else f"{survivors} different readings satisfy the identities" if survivors > 1
           else "too many readings to try")
    if irr.kind == "run":
        why = f"the cells were unseparated and {why}"
    return Finding(check=check, severity="error", table=table, cells=cells,
                   message=f"row {label}: {what}; {why}, so its cells are left empty")


def blank_finding(table: TableName, label: str, keys: list[str]) -> Finding:
    return Finding(check=f"{table}.blank_cell", severity="warning", table=table,
                   cells=tuple(f"{table}.{k}" for k in keys),
                   message=f"row {label}: {len(keys)} blank cell(s) in the source (read as null, not 0)")


def spans_of(table: str, spans: dict[str, Span]) -> dict[str, Span]:
    return {f"{table}.{k}": s for k, s in spans.items()}
