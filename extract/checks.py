"""Checks: every template identity on the values as read — a broken one is reported, never corrected."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain, repeat
from operator import getitem, itemgetter, sub
from typing import NamedTuple

from .record import dotted_keys
from .tables.identities import Identity, application_identities, review_identities, shape_of
from .tables.template import template_spec
from .types import Finding, Meta, TableResult


def _fmt(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if math.isfinite(x) and x.is_integer() else f"{x:g}"


def check_identities(table: str, values: dict[str, dict], identities: Sequence[Identity]) -> list[Finding]:
    """The findings of ``identities`` over a table's ``values``: rows of cells (``{row: {column: value}}``)."""
    grid = _grid(values)
    if grid is not None and _all_hold(grid[1], _plan_of(identities, grid[0])):
        return []
    return _check_each(table, _flatten(values), identities)


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
        if abs(lhs - rhs) > 1e-6:
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


# -- every identity at once ------------------------------------------------------
# Most tables satisfy every identity. Such a table is told by a few calls in C over its values in
# grid order (row after row), with each identity's cells found by position, not by a dict of its
# cells by value key looked up per cell (building that dict and the look-ups were most of the stage);
# any other table goes through _check_each, whose findings are the checks' output.

class _Plan(NamedTuple):
    """Where the identities' cells stand in a grid of one shape: one itemgetter of every identity's
    cells (lhs then rhs, identity after identity) from the grid's values, and each side a slice of
    what it gives. ``cells`` is None when an identity names a cell the grid does not have."""

    cells: Callable[[tuple], tuple] | None
    lhs: tuple[slice, ...]
    rhs: tuple[slice, ...]


_PLANS: dict[tuple[int, tuple[str, ...]], tuple[Sequence[Identity], _Plan]] = {}


def _plan_of(identities: Sequence[Identity], keys: tuple[str, ...]) -> _Plan:
    """``_plan(identities, keys)``, remembered by the identity of the tuple (``application_identities``
    gives the same tuple for the same shape): hashing it would hash each identity's fields, a tenth of
    the stage. The tuple is kept with its plan, so its id names no other while it is remembered."""
    key = (id(identities), keys)
    got = _PLANS.get(key)
    if got is None or got[0] is not identities:
        if len(_PLANS) >= 256:
            _PLANS.clear()
        got = _PLANS[key] = (identities, _plan(identities, keys))
    return got[1]


def _plan(identities: Sequence[Identity], keys: tuple[str, ...]) -> _Plan:
    """The plan of ``identities`` over a grid whose values have the value keys ``keys``, in order."""
    at = {k: i for i, k in enumerate(keys)}
    where: list[int] = []
    lhs, rhs = [], []
    for idn in identities:
        a = len(where)
        b = a + len(idn.lhs)
        if not all(map(at.__contains__, idn.keys)):
            return _Plan(None, (), ())
        where.extend(map(at.__getitem__, idn.keys))
        lhs.append(slice(a, b))
        rhs.append(slice(b, len(where)))
    # itemgetter of one position gives the value itself, not a tuple of it
    cells = itemgetter(*where) if len(where) > 1 else lambda values: tuple([values[i] for i in where])
    return _Plan(cells, tuple(lhs), tuple(rhs))


def _grid(values: dict[str, dict]) -> tuple[tuple[str, ...], tuple] | None:
    """A table's value keys and values, row after row, when every row has the same columns in the
    same order (the readers' tables); else None."""
    rows = values.values()
    columns = tuple(next(iter(rows), ()))
    if not all(map(columns.__eq__, map(tuple, rows))):
        return None
    return _grid_keys(tuple(values), columns), tuple(chain.from_iterable(map(dict.values, rows)))


def _all_hold(values: tuple, plan: _Plan) -> bool:
    """Whether every identity of ``plan`` has all its cells and adds up exactly over the grid's values
    (``_check_each`` would find nothing); False means only "look at each"."""
    if plan.cells is None:
        return False
    cells = plan.cells(values)
    sides = repeat(cells)
    try:
        return not any(map(sub, map(sum, map(getitem, sides, plan.lhs)), map(sum, map(getitem, sides, plan.rhs))))
    except TypeError:       # a null cell (None) in a sum
        return False


def _flatten(values: dict[str, dict]) -> dict:
    """A table's cells by their value keys (``new_received.total``). A table's rows hold leaves only,
    so this is not record.flatten, which tests every row for nested dicts."""
    grid = _grid(values)
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
