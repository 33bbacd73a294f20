"""Checks: every template identity on the values as read — a broken one is reported, never corrected."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from .record import dotted_keys
from .tables.identities import TOLERANCE, Identity, all_hold, application_identities, review_identities, shape_of
from .tables.template import template_spec
from .types import Finding, Meta, TableResult


def _fmt(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if math.isfinite(x) and x.is_integer() else f"{x:g}"


def check_identities(table: str, values: dict[str, dict], identities: Sequence[Identity]) -> list[Finding]:
    """The findings of ``identities`` over a table's ``values``: rows of cells (``{row: {column: value}}``)."""
    grid = _grid(values)
    # a table whose identities all hold (most) is told over its values in grid order, each identity's
    # cells found by position, not in a dict of its cells by value key (building that dict and the
    # look-ups were most of the stage); any other goes through _check_each, whose findings are the output
    if grid is not None and all_hold(identities, grid[0])(grid[1]):
        return []
    return _check_each(table, _flatten(values, grid), identities)


def _check_each(table: str, flat: dict, identities: Sequence[Identity]) -> list[Finding]:
    """The findings of ``identities`` over a table's cells by their value keys, one identity after another."""
    out: list[Finding] = []
    unchecked = 0
    for idn in identities:
        try:
            vals = idn.values_of(flat)     # lhs + rhs
        except KeyError:                    # a cell the table does not have: null
            vals = tuple(map(flat.get, idn.keys))
        if None in vals:
            unchecked += 1
            continue
        n = len(idn.lhs)
        lhs = sum(vals[:n])  # type: ignore[arg-type]
        rhs = sum(vals[n:])  # type: ignore[arg-type]
        if abs(lhs - rhs) > TOLERANCE:
            out.append(Finding(
                check=idn.check, severity="error", table=table,  # type: ignore[arg-type]
                cells=tuple(f"{table}.{k}" for k in idn.keys), expected=lhs, actual=rhs,
                message=f"{idn.describe} fails: {' + '.join(_fmt(flat[k]) for k in idn.lhs)} = {_fmt(lhs)} "
                        f"but the other side is {_fmt(rhs)} (off by {_fmt(abs(lhs - rhs))}); "
                        f"values kept as the source has them"))
    if unchecked:
        out.append(Finding(check=f"{table}.unchecked", severity="info", table=table,  # type: ignore[arg-type]
                           message=f"{unchecked} identities could not be checked because a cell is null"))
    return out


def _grid(values: dict[str, dict]) -> tuple[tuple[str, ...], tuple] | None:
    """A table's value keys and values, row after row, when every row has the same columns in the
    same order (the readers' tables); else None."""
    rows = values.values()
    columns = tuple(next(iter(rows), ()))
    if not all(map(columns.__eq__, map(tuple, rows))):
        return None
    return _grid_keys(tuple(values), columns), tuple(chain.from_iterable(map(dict.values, rows)))


def _flatten(values: dict[str, dict], grid: tuple[tuple[str, ...], tuple] | None) -> dict:
    """A table's cells by their value keys (``new_received.total``), from its ``_grid`` where it has
    one. A table's rows hold leaves only, so this is not record.flatten, which tests every row for
    nested dicts."""
    if grid is not None:
        # the keys are made once per shape, and the values are read row after row in C
        return dict(zip(*grid))
    flat: dict = {}
    for row, cells in values.items():
        flat.update(zip(dotted_keys(row, tuple(cells)), cells.values()))
    return flat


@lru_cache(maxsize=64)
def _grid_keys(rows: tuple[str, ...], columns: tuple[str, ...]) -> tuple[str, ...]:
    """The value keys of a grid of ``rows`` × ``columns``, row after row."""
    return tuple(f"{r}.{c}" for r in rows for c in columns)


def check_tables(tables: dict[str, TableResult], meta: Meta) -> list[Finding]:
    """The identities of the template ``meta`` names over every table that was read."""
    findings: list[Finding] = []
    apps = tables.get("applications")
    if apps is not None and apps.values is not None:
        spec = template_spec(meta.template).applications
        v = apps.values
        outcomes, rows = shape_of(spec, v)
        # a column the table does not have (every cell null) is not checked
        columns = tuple(c for c in spec.column_keys if any(v[r].get(c) is not None for r in rows))
        findings += check_identities("applications", {r: v[r] for r in rows},
                                     application_identities(columns, outcomes, rows))
    rev = tables.get("review_litigation")
    if rev is not None and rev.values is not None:
        findings += check_identities("review_litigation", rev.values,
                                     review_identities(template_spec(meta.template).review))
    return findings
