"""Pieces every table reader shares: value tokens → readings, and the findings they make."""

from __future__ import annotations

import re

from ..record import dotted_keys
from ..types import Finding, Span, TableName, new_tuple
from .rows import KIND, SPAN, TEXT, VALUE, Tok, kind_of, span_of, value_of
from .solve import Irregular, Reading, count_readings, digit_per_cell, group_readings, run_readings

Value = int | float | None


def token_value(t: Tok) -> Value:
    return t[VALUE] if t[KIND] in ("num", "run") else None


def run_token(toks: list[Tok], m: int) -> Tok | None:
    """The single run of digits a row's cells ran together into, if that is what the row holds."""
    if m < 2 or len(toks) != 1:
        return None
    t = toks[0]
    digits = t[TEXT].strip()
    if t[KIND] in ("run", "num") and digits.isdigit() and len(digits) >= 2:
        return t
    return None


def trim_edge_blanks(toks: list[Tok], m: int) -> list[Tok]:
    """A grid row's blank cells beyond its ``m`` columns, at its ends (trailing first): cells of a
    wider grid the table shares (two tables read as one; an unmerged label area), not values."""
    toks = list(toks)
    if len(toks) <= m:
        return toks
    while len(toks) > m and toks[-1][KIND] == "blank":
        toks.pop()
    while len(toks) > m and toks[0][KIND] == "blank":
        toks.pop(0)
    return toks


def readings_for(toks: list[Tok], m: int, *, loose: bool = False) -> tuple[list[Reading] | None, str]:
    """All readings of a row's value tokens for ``m`` columns, and the irregularity kind.

    Kind is ``""`` for a regular row (one reading), ``"count"`` or ``"run"``.
    Returns ``(None, kind)`` when there are too many readings to try. The readers pass the
    tokens through ``trim_edge_blanks`` first, so that their messages count the same tokens.

    ``loose`` marks tokens cut from one piece of running text at its spaces (a text dump's
    row), not separate cells: there a space always separates two cells but two cells may have
    no space between them, so digit groups that can fill all ``m`` cells are read as runs
    (``20 0 0 0 02`` = 2,0,0,0,0,0,2). Signed runs (``88-720``) are runs too.
    """
    # a regular row (as many tokens as cells, none a signed run like 88-720) needs no grouping
    maybe = len(toks) != m or "run" in map(kind_of, toks) and any(t[KIND] == "run" and "-" in t[TEXT] for t in toks)
    if not maybe:    # ... and has its one reading, read as printed (the common case, built directly)
        return [new_tuple(Reading, (tuple(map(value_of, toks)), tuple(map(span_of, toks))))], ""
    if len(toks) == 1 and m >= 2 and toks[0][KIND] in ("num", "run") and len(toks[0][TEXT]) == m \
            and toks[0][TEXT].isdecimal():
        # one run of as many digits as cells (a text dump's row of single-digit counts): what the
        # steps below (run_readings) come to, one digit a cell, made directly
        return [digit_per_cell(((toks[0][TEXT], toks[0][SPAN][0]),))], "run"
    groups = _digit_groups(toks)
    signed = groups is not None and any("-" in g.lstrip("-") for g, _ in groups)   # 88-720: cells in one
    if groups is not None and (len(toks) != m or signed):
        digits = sum(len(g.replace("-", "")) for g, _ in groups)
        if (signed or loose and len(toks) > 1) and len(toks) <= m <= digits:
            return group_readings(groups, m), "run"
    run = run_token(toks, m)
    if run is not None:
        digits = run[TEXT].strip()
        start = run[SPAN][0] + (len(run[TEXT]) - len(run[TEXT].lstrip()))
        return run_readings(digits, start, m), "run"
    pairs = [(token_value(t), t[SPAN]) for t in toks]
    if len(pairs) == m:
        return count_readings(pairs, m), ""
    return count_readings(pairs, m), "count"


def _digit_groups(toks: list[Tok]) -> list[tuple[str, int]] | None:
    """The tokens as ``(digits, start)`` when every one is a bare run of digits (a minus sign may
    begin a cell inside it), else None."""
    out = []
    for t in toks:
        text = t[TEXT].strip()
        # a plain run of digits (nearly every group) needs no pattern: \d is what isdecimal() accepts
        if t[KIND] not in ("num", "run") or not text or not (text.isdecimal() or _GROUP.fullmatch(text)):
            return None
        out.append((text, t[SPAN][0] + (len(t[TEXT]) - len(t[TEXT].lstrip()))))
    return out or None


_GROUP = re.compile(r"-?\d+(?:-\d+)*")


def _fmt(v) -> str:
    if type(v) is int and v.bit_length() <= 1000:     # the common case: what the line below gives
        return str(v)
    return "null" if v is None else (str(int(v)) if float(v).is_integer() else f"{v:g}")


_SMALL_INT_TEXT = {i: str(i) for i in range(1000)}
"""The text ``_fmt`` gives each of the counts a row mostly holds. A value equal to one of them (a whole
float, a bool) is written the same by ``_fmt`` (``str(int(v))``), so it may be looked up too."""


def _fmt_values(values: list) -> str:
    """``", ".join(map(_fmt, values))``: the texts of small counts are looked up in C."""
    texts = list(map(_SMALL_INT_TEXT.get, values))
    return ", ".join(texts if None not in texts else map(_fmt, values))


_BASIS = {
    "identities": ("warning", "exactly one reading satisfies the identities and was used"),
    "row": ("warning", "the table breaks its identities under every reading, but exactly one reading "
                       "satisfies this row's own identity, and was used"),
    "forced": ("error", "its digits split into the cells in one way only, which breaks the row's identity; "
                        "read as published"),
    "best": ("error", "the table breaks its identities under every reading; the one reading that satisfies "
                      "the most of them was used"),
}


def irregular_finding(table: TableName, irr: Irregular, label: str, resolved: bool, survivors: int,
                      derived: tuple[str, ...] = (), values: dict | None = None,
                      basis: str = "identities") -> Finding:
    cells = dotted_keys(table, irr.columns)
    what = ("its cells ran together into one run of digits" if irr.kind == "run"
            else f"it has {irr.detail}")
    check = f"{table}.unseparated_cells" if irr.kind == "run" else f"{table}.irregular_row"
    if resolved:
        extra = ""
        if derived:
            names = ", ".join(d.split(".")[-1] for d in derived)
            extra = (f"; {len(derived)} cell(s) not printed in the source, derived from the identities "
                     f"(the reading used places the gap at {names})")
        read = f" ({_fmt_values(list(map(values.__getitem__, irr.columns)))})" if values else ""
        severity, how = _BASIS[basis]
        return Finding(check=check, severity=severity, table=table, cells=cells,  # type: ignore[arg-type]
                       message=f"row {label}: {what}; {how}{read}{extra}")
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
    # the prefixed keys of a table's cells recur in every report: remembered (dotted_keys)
    return dict(zip(dotted_keys(table, tuple(spans)), spans.values()))
