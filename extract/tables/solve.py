"""Choosing the one reading of an irregular row that the identities allow.

A row with more or fewer values than its columns (or whose cells ran together
into one run of digits) has several *readings*: which value goes in which
column, which cell is absent, where the digits split. A reading may leave a
cell to be *derived*; it is derived only when an identity determines it. The
readings of all irregular rows of a table are tried jointly against every
identity that touches them; the row is read only if exactly one set of values
survives. Nothing is guessed: no survivor or several survivors leave the cells
empty, and the caller reports it.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from itertools import chain
from math import comb
from typing import NamedTuple

from ..types import Span, new_tuple
from .identities import TOLERANCE, Identity, all_hold


class _Derive:
    __repr__ = lambda self: "DERIVE"  # noqa: E731


DERIVE = _Derive()
"""A reading's placeholder for a cell the source does not print; derived from an identity."""

MAX_READINGS_PER_ROW = 120_000
MAX_JOINT = 200_000
MAX_SOLVE_SECONDS = 2.0
"""Time one ``solve`` call may take; past it every row of the call is left unresolved."""
GAVE_UP = -1
"""``Resolution.survivors`` of a row the solver gave up on (time): reported as too many readings to try."""
MAX_RUN_DIGITS = 600
"""A longer run of digits is not split at all (too many readings; ints past 4,300 digits cannot be parsed)."""

Value = int | float | None


class Reading(NamedTuple):
    """One reading of a row (a named tuple, not a frozen dataclass: every row of every table has one)."""

    values: tuple[object, ...]            # Value or DERIVE, one per column
    spans: tuple[Span | None, ...]


class Irregular(NamedTuple):
    """An irregular row and its readings. A named tuple for the reason ``Reading`` is one: a text dump
    whose cells ran together has a score of them a report, and a frozen dataclass's ``__init__``
    (a ``setattr`` per field) cost more than reading the row."""

    row: str                              # row key, e.g. "withheld_third_party_rights"
    columns: tuple[str, ...]              # full cell keys, e.g. "withheld_third_party_rights.total"
    readings: tuple[Reading, ...]
    kind: str                             # "count" (too many/few values) | "run" (digits ran together)
    detail: str                           # e.g. "5 values for 6 columns"


class Resolution(NamedTuple):
    """How the solver read an irregular row (a named tuple for the reason ``Irregular`` is one)."""

    row: str
    values: dict[str, Value] | None       # None: not resolved
    spans: dict[str, Span]
    derived: tuple[str, ...] = ()
    survivors: int = 0                    # distinct value sets the identities allow
    basis: str = "identities"             # how the reading was chosen (see ``solve``)


# -- reading generators ------------------------------------------------------

def count_readings(tokens: list[tuple[Value, Span]], m: int) -> list[Reading]:
    """Readings of ``len(tokens)`` values for ``m`` columns (values kept in order)."""
    n = len(tokens)
    out: list[Reading] = []
    values = [v for v, _ in tokens]
    spans = [s for _, s in tokens]
    if n < m:
        if m - n > 3:
            return []
        for missing in itertools.combinations(range(m), m - n):
            # the gaps go in at their own columns, leftmost first (each lands where it stays)
            vals, where = values[:], spans[:]
            for j in missing:
                vals.insert(j, DERIVE)
                where.insert(j, None)
            out.append(new_tuple(Reading, (tuple(vals), tuple(where))))
    elif n > m:
        if n - m > 3:
            return []
        for dropped in itertools.combinations(range(n), n - m):
            vals, where = values[:], spans[:]
            for i in reversed(dropped):     # rightmost first: the others keep their places
                del vals[i], where[i]
            out.append(new_tuple(Reading, (tuple(vals), tuple(where))))
    else:
        out.append(new_tuple(Reading, (tuple(values), tuple(spans))))
    return out


def run_readings(digits: str, start: int, m: int) -> list[Reading] | None:
    """Every split of a run of digits into ``m`` numbers without leading zeros.

    Returns None when there are too many splits to try.
    """
    L = len(digits)
    if m <= 0 or L < m:
        return []
    if L > MAX_RUN_DIGITS or comb(L - 1, m - 1) > MAX_READINGS_PER_ROW:
        return None
    if L == m:      # the common case (a row of single-digit counts): one digit per cell
        return [digit_per_cell([(digits, start)])]
    out: list[Reading] = []

    # the values and spans of the cells cut so far are carried as tuples (each cut's int made once
    # for every split that shares it), not as cut offsets turned into both at every split
    def rec(pos: int, k: int, vals: tuple[int, ...], spans: tuple[Span, ...]) -> None:
        if k == m - 1:
            piece = digits[pos:]
            if len(piece) > 1 and piece[0] == "0":
                return
            out.append(new_tuple(Reading, (vals + (int(piece),), spans + ((start + pos, start + L),))))
            return
        # leave at least one digit for each remaining part
        for end in range(pos + 1, L - (m - 1 - k) + 1):
            piece = digits[pos:end]
            if len(piece) > 1 and piece[0] == "0":
                break
            rec(end, k + 1, vals + (int(piece),), spans + ((start + pos, start + end),))

    rec(0, 0, (), ())
    return out


_CELL = re.compile(r"-?(?:0|[1-9]\d*)")


def _splits(text: str, most: int) -> list[list[tuple[int, int]]]:
    """Every way to cut ``text`` (digits, a minus sign only at a cell's start) into at most ``most`` cells."""
    out: list[list[tuple[int, int]]] = []

    def rec(pos: int, acc: list[tuple[int, int]]) -> None:
        if pos == len(text):
            out.append(acc)
            return
        if len(acc) >= most or len(out) > MAX_READINGS_PER_ROW:
            return
        for end in range(pos + 1, len(text) + 1):
            if _CELL.fullmatch(text, pos, end):
                rec(end, acc + [(pos, end)])

    rec(0, [])
    return out


def group_readings(groups: list[tuple[str, int]], m: int) -> list[Reading] | None:
    """Readings of runs of digits separated by spaces, where a space always separates two cells but
    not every two cells are separated (``20 0 0 0 02`` = 2,0,0,0,0,0,2): each group is cut into one
    or more cells, ``m`` in all, none with a leading zero; a minus sign begins a cell (``88-720``).

    ``groups`` are ``(text, start offset)``. Returns None when there are too many readings to try.
    """
    if sum(len(text) for text, _ in groups) == m and not any("-" in text for text, _ in groups):
        return [digit_per_cell(groups)]    # as many digits as cells: the only reading
    per_group = []
    for text, start in groups:
        by_count: dict[int, list[tuple[tuple[int, ...], tuple[Span, ...]]]] = {}
        for cuts in _splits(text, m - len(groups) + 1):
            by_count.setdefault(len(cuts), []).append(
                (tuple(int(text[a:b]) for a, b in cuts), tuple((start + a, start + b) for a, b in cuts)))
        if not by_count:
            return []
        per_group.append(by_count)
    out: list[Reading] = []

    def rec(i: int, left: int, vals: tuple, spans: tuple) -> bool:
        if i == len(per_group):
            if left == 0:
                out.append(new_tuple(Reading, (vals, spans)))
            return len(out) <= MAX_READINGS_PER_ROW
        room = len(per_group) - i - 1          # every later group takes at least one cell
        for k, options in per_group[i].items():
            if k > left - room:
                continue
            for v, s in options:
                if not rec(i + 1, left - k, vals + v, spans + s):
                    return False
        return True

    if not rec(0, m, (), ()):
        return None
    return out


def digit_per_cell(groups: Sequence[tuple[str, int]]) -> Reading:
    """The reading of runs of digits that puts each digit in a cell of its own."""
    if len(groups) == 1:    # one run (the common case), read in C
        text, start = groups[0]
        return new_tuple(Reading, (_digit_values(text), tuple(zip(range(start, start + len(text)),
                                                                   range(start + 1, start + len(text) + 1)))))
    return new_tuple(Reading, (_digit_values("".join([text for text, _ in groups])),
                                tuple((start + i, start + i + 1) for text, start in groups for i in range(len(text)))))


_ASCII_DIGIT = {c: int(c) for c in "0123456789"}


def _digit_values(digits: str) -> tuple[int, ...]:
    """``tuple(map(int, digits))``: an ASCII digit's value is looked up (calling int, a type, for each
    digit cost more than the rest of the reading), another decimal digit (full-width) is parsed."""
    return tuple(map(_ASCII_DIGIT.__getitem__, digits) if digits.isascii() else map(int, digits))


# -- solving -----------------------------------------------------------------

def _close(a: float, b: float) -> bool:
    return abs(a - b) < TOLERANCE


def propagate(vals: dict[str, object], identities: list[Identity]) -> bool:
    """Derive DERIVE cells from identities with one unknown; False if an identity fails.

    Passes over the identities until one derives nothing. An identity that held with every cell
    known, or that has a null cell, is settled: later passes skip it (its cells cannot change)."""
    pending = identities
    changed = True
    while changed:
        changed = False
        unsettled = []
        for idn in pending:
            got = list(map(vals.get, idn.keys))     # lhs + rhs
            if None in got:
                continue                            # a null cell: settled
            n = len(idn.lhs)
            if DERIVE not in got:
                # _close(lhs, rhs), inline: this runs for every identity of every reading tried
                if not abs(sum(got[:n]) - sum(got[n:])) < TOLERANCE:  # type: ignore[operator]
                    return False
                continue                            # held with every cell known: settled
            unsettled.append(idn)
            if got.count(DERIVE) > 1:
                continue
            i = got.index(DERIVE)
            del got[i]
            if i < n:     # the unknown is on the left
                x = sum(got[n - 1:]) - sum(got[:n - 1])  # type: ignore[arg-type]
            else:
                x = sum(got[:n]) - sum(got[n:])  # type: ignore[arg-type]
            if x < 0 or (isinstance(x, float) and not x.is_integer()):
                return False
            vals[idn.keys[i]] = int(x)
            changed = True
        pending = unsettled
    return True


def _assign(base: dict[str, object], rows: list[Irregular], combo: tuple[Reading, ...]) -> dict[str, object]:
    vals = dict(base)
    for irr, rd in zip(rows, combo):
        vals.update(zip(irr.columns, rd.values))
    return vals


def _consistent(vals: dict[str, object], identities: list[Identity], cells: list[str]) -> tuple | None:
    if not propagate(vals, identities):
        return None
    out = tuple(map(vals.__getitem__, cells))
    if DERIVE in out:
        return None  # a cell that no identity determines: that reading cannot be read
    return out


def solve(known: dict[str, Value], rows: list[Irregular], identities: list[Identity]) -> list[Resolution]:
    """Resolve irregular rows jointly. ``known`` holds every regular cell (None for a printed blank).

    A row is read when exactly one set of values fits every identity (``basis="identities"``).
    A table that breaks its identities under every reading (a defect of the source, which the
    checks report) is still read as far as it determines itself, row by row:
    ``"row"`` — the only reading that fits the identities that involve just this row and the
    regular cells; ``"forced"`` — the only way to split the row's digits at all, though it breaks
    its identity; ``"best"`` — the one reading that fits more of the table's identities than any
    other. Anything else is left empty.

    A call that runs past ``MAX_SOLVE_SECONDS`` gives up: every row is left empty with
    ``survivors=GAVE_UP``, which the table readers report as too many readings to try.
    """
    if not rows:
        return []
    clock = _Clock(MAX_SOLVE_SECONDS)
    try:
        return _solve(known, rows, identities, clock)
    except _OutOfTime:
        return [Resolution(irr.row, None, {}, survivors=GAVE_UP) for irr in rows]


class _OutOfTime(Exception):
    pass


class _Clock:
    """A deadline checked every few hundred steps (a mutated report once took 21 s here)."""

    __slots__ = ("deadline", "steps")

    def __init__(self, seconds: float):
        self.deadline = time.perf_counter() + seconds
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps & 255 == 0 and time.perf_counter() > self.deadline:
            raise _OutOfTime


def _solve(known: dict[str, Value], rows: list[Irregular], identities: list[Identity],
           clock: _Clock) -> list[Resolution]:
    # 0. every row read one way only (a text dump's runs of as many digits as cells): when those
    # readings fit every identity together, they are the one solution steps 1 and 2 would find.
    # They are tried on a copy of every known cell (a dict's copy is made in C; propagate derives
    # nothing here, so cells no identity reads are only carried along)
    single = all(len(r.readings) == 1 and DERIVE not in r.readings[0].values for r in rows)
    if single:
        combo = tuple(r.readings[0] for r in rows)
        vals = _assign(known, rows, combo)
        # every identity of the table holding exactly (told in C: a text dump's tables mostly) says
        # that those over these rows hold, before they are picked out
        if all_hold(identities)(vals):
            return [_read_as(irr, rd) for irr, rd in zip(rows, combo)]

    touched = set(chain.from_iterable([r.columns for r in rows]))
    relevant = [i for i in identities if not touched.isdisjoint(i.keys)]
    if single and propagate(vals, relevant):
        return [_read_as(irr, rd) for irr, rd in zip(rows, combo)]

    # every reading below is tried on a copy of the known cells: only of those the identities read
    needed = set(chain.from_iterable([i.keys for i in relevant]))
    base = {k: v for k, v in known.items() if k in needed}

    # 1. each row alone, with the identities that involve only known cells and this row
    # an identity is local to a row when every cell of it that is not known is the row's: rows share
    # no cells, so that is one row at most (or every row, for an identity with every cell known)
    row_of = {k: n for n, r in enumerate(rows) for k in r.columns}
    locals_: list[list[Identity]] = [[] for _ in rows]
    # each relevant identity with its cells that are not known (regular cells); made only here, past
    # step 0, which most text dumps' tables end at
    unknown = [(i, frozenset(i.keys).difference(known)) for i in relevant]
    for i, cells in unknown:
        owners = set(map(row_of.get, cells))
        if not owners:
            for local in locals_:
                local.append(i)
        elif len(owners) == 1 and None not in owners:
            locals_[owners.pop()].append(i)
    survivors: list[list[Reading]] = []
    for irr, local in zip(rows, locals_):
        keep: dict[tuple, Reading] = {}
        for rd in irr.readings:
            clock.tick()
            vals = _assign(base, [irr], (rd,))
            if propagate(vals, local):
                # readings that the row's own identities turn into the same values are one reading
                got = tuple(map(vals.__getitem__, irr.columns))
                keep.setdefault(tuple(id(v) if v is DERIVE else v for v in got) if DERIVE in got else got, rd)
        survivors.append(list(keep.values()))

    if any(not s for s in survivors):
        return _broken(known, rows, survivors, identities, clock)

    # 2. jointly
    cells = [k for r in rows for k in r.columns]
    total = 1
    for s in survivors:
        total *= max(len(s), 1)
    solutions: dict[tuple, tuple[Reading, ...]] = {}
    if total <= MAX_JOINT:
        # a row with one survivor has the same values in every combination: they are assigned once, and
        # each combination assigns only the rows that vary (rows share no cells, so the order is free)
        one = [n for n, s in enumerate(survivors) if len(s) == 1]
        fixed = _assign(base, [rows[n] for n in one], tuple(survivors[n][0] for n in one))
        varying = [(n, rows[n].columns) for n, s in enumerate(survivors) if len(s) > 1]
        for combo in itertools.product(*survivors):
            clock.tick()
            vals = dict(fixed)
            for n, columns in varying:
                vals.update(zip(columns, combo[n].values))
            out = _consistent(vals, relevant, cells)
            if out is not None and out not in solutions:
                solutions[out] = combo
                if len(solutions) > 50:
                    break
        if not solutions:
            return _broken(known, rows, survivors, identities, clock)
    else:
        # too many combinations to try jointly: each row must be unambiguous on its own
        per_row: list[Resolution] = []
        for irr, keep in zip(rows, survivors):
            distinct: dict[tuple, Reading] = {}
            for rd in keep:
                clock.tick()
                vals = _assign(base, [irr], (rd,))
                out = _consistent(vals, relevant, list(irr.columns))
                if out is not None:
                    distinct.setdefault(out, rd)
            per_row.append(_resolution(irr, distinct))
        return per_row

    result: list[Resolution] = []
    offset = 0
    for i, irr in enumerate(rows):
        n = len(irr.columns)
        distinct: dict[tuple, Reading] = {}
        for out, combo in solutions.items():
            distinct.setdefault(out[offset:offset + n], combo[i])
        offset += n
        result.append(_resolution(irr, distinct, joint=len(solutions)))
    return result


def _broken(known: dict[str, Value], rows: list[Irregular], survivors: list[list[Reading]],
            identities: list[Identity], clock: _Clock) -> list[Resolution]:
    """Rows of a table whose identities fail under every reading, read as far as each determines itself."""
    fixed = dict(known)
    out: dict[int, Resolution] = {}
    for i, (irr, keep) in enumerate(zip(rows, survivors)):
        own = [rd for rd in keep if DERIVE not in rd.values]
        if len(keep) == 1 and own:
            out[i] = _resolution(irr, {own[0].values: own[0]}, basis="row")
        elif not keep and len(irr.readings) == 1 and DERIVE not in irr.readings[0].values:
            rd = irr.readings[0]
            out[i] = _resolution(irr, {rd.values: rd}, basis="forced")
        else:
            continue
        fixed.update(out[i].values)  # type: ignore[arg-type]
    for i, irr in enumerate(rows):
        if i in out:
            continue
        scores: dict[tuple, tuple[int, Reading]] = {}
        own_cells = set(irr.columns)
        touching = [idn for idn in identities if not own_cells.isdisjoint(idn.keys)]
        # each reading is scored on a copy of only the cells those identities read
        local = {k: fixed[k] for idn in touching for k in idn.keys if k in fixed}
        for rd in irr.readings:
            clock.tick()
            if DERIVE in rd.values:
                continue
            vals = dict(local)
            vals.update(zip(irr.columns, rd.values))
            held = sum(1 for idn in touching if _holds(vals, idn))
            scores.setdefault(rd.values, (held, rd))
        best = max((h for h, _ in scores.values()), default=0)
        top = [(v, rd) for v, (h, rd) in scores.items() if h == best]
        if best > 0 and len(top) == 1:
            out[i] = _resolution(irr, dict(top), basis="best")
            fixed.update(out[i].values)  # type: ignore[arg-type]
        else:
            out[i] = Resolution(irr.row, None, {}, survivors=len(top) if best > 0 else 0)
    return [out[i] for i in range(len(rows))]


def _holds(vals: dict[str, object], idn: Identity) -> bool:
    """An identity whose cells all have numbers, and that adds up."""
    got = list(map(vals.get, idn.keys))     # lhs + rhs
    if None in got or DERIVE in got:    # a cell holds a number, a null (None) or DERIVE
        return False
    n = len(idn.lhs)
    return _close(sum(got[:n]), sum(got[n:]))  # type: ignore[arg-type]


def _resolution(irr: Irregular, distinct: dict[tuple, Reading], joint: int | None = None,
                basis: str = "identities") -> Resolution:
    if len(distinct) != 1:
        return Resolution(irr.row, None, {}, survivors=len(distinct))
    (vals, rd), = distinct.items()
    return _read_as(irr, rd, vals, basis)


def _read_as(irr: Irregular, rd: Reading, vals: tuple | None = None, basis: str = "identities") -> Resolution:
    """The resolution that reads ``irr`` as ``rd``, its cells taking ``vals`` (``rd.values`` with the
    derived cells filled in; ``rd.values`` itself when ``rd`` derives none)."""
    if vals is None:
        vals = rd.values
    spans = ({k: s for k, s in zip(irr.columns, rd.spans) if s is not None} if None in rd.spans
             else dict(zip(irr.columns, rd.spans)))
    derived = tuple(k for k, v in zip(irr.columns, rd.values) if v is DERIVE) if DERIVE in rd.values else ()
    return new_tuple(Resolution, (irr.row, dict(zip(irr.columns, vals)), spans, derived, 1, basis))
