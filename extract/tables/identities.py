"""The template's identities, as data: each says ``sum(lhs) == sum(rhs)`` over value keys.

The rules are the template's (../shared/schema.md); the rows and columns they run over come
from the template (``extract.tables.template``). The table readers use them to choose among
the readings of an irregular row; ``extract.checks`` uses the same list to report what a
table breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import getitem, itemgetter, sub
from typing import NamedTuple

from ..memo import remember
from .template import REVIEW, ApplicationsSpec, ReviewSpec


TOLERANCE = 1e-6
"""How far apart an identity's two sides may be and it still holds (money is read as floats)."""


@dataclass(frozen=True, slots=True)
class Identity:
    check: str                 # stable finding id
    lhs: tuple[str, ...]       # value keys relative to the table ("new_received.total")
    rhs: tuple[str, ...]
    describe: str              # plain words, for messages
    keys: tuple[str, ...] = field(init=False, repr=False, compare=False)   # lhs + rhs
    values_of: Callable[[Mapping], tuple] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", self.lhs + self.rhs)   # read in the solver's inner loop
        # the values of ``keys`` in a mapping that holds every one, read in C (the checks)
        object.__setattr__(self, "values_of", itemgetter(*self.keys) if len(self.keys) > 1
                           else lambda m, k=self.keys[0]: (m[k],))


def application_identities(columns: tuple[str, ...], outcomes: tuple[str, ...],
                           rows: tuple[str, ...]) -> tuple[Identity, ...]:
    """Per column: balance and outcome sum; per row: total = sum of the applicant columns.

    The same tuple for the same shape (memoised): the checks remember their plan of it by its id."""
    return _application_identities(columns, outcomes, rows)


@lru_cache(maxsize=64)
def _application_identities(columns: tuple[str, ...], outcomes: tuple[str, ...],
                            rows: tuple[str, ...]) -> tuple[Identity, ...]:
    # memoised: a table's shape takes a few values, and every report needs its identities twice
    out: list[Identity] = []
    for c in columns:
        out.append(Identity("applications.balance",
                            (f"new_received.{c}", f"carried_over.{c}"),
                            (f"total_processed.{c}", f"carried_forward.{c}"),
                            f"新收 + 上年结转 = 办理结果总计 + 结转下年 (column {c})"))
        out.append(Identity("applications.outcomes_sum",
                            (f"total_processed.{c}",),
                            tuple(f"{o}.{c}" for o in outcomes),
                            f"办理结果总计 = the sum of the {len(outcomes)} outcome rows (column {c})"))
    parts = tuple(c for c in columns if c != "total")
    if "total" in columns and parts:
        for r in rows:
            out.append(Identity("applications.row_total",
                                (f"{r}.total",), tuple(f"{r}.{p}" for p in parts),
                                f"总计 = the sum of the applicant columns (row {r})"))
    return tuple(out)


def review_identities(review: ReviewSpec = REVIEW) -> tuple[Identity, ...]:
    """Per group: its total column = the sum of the others (the same tuple for the same template)."""
    return _review_identities(review)


@lru_cache(maxsize=16)
def _review_identities(review: ReviewSpec) -> tuple[Identity, ...]:
    # memoised per template, as the applications table's are per shape
    (total, total_name), parts = review.columns[-1], review.columns[:-1]
    names = " + ".join(name for _, name in parts)
    return tuple(Identity("review_litigation.group_total", (f"{g}.{total}",), tuple(f"{g}.{p}" for p, _ in parts),
                          f"{total_name} = {names} ({label})")
                 for g, label in review.groups)


def shape_of(apps: ApplicationsSpec, values: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the outcome rows, every row) of a section 三 table as read, in the shape it was printed:
    with （六） merged into one row where the table has that row, else split."""
    merged = apps.merged.key in values
    rows = tuple(k for k in values if not (merged and k in apps.merged.parts))
    return apps.outcome_rows(merged), rows


# -- every identity at once --------------------------------------------------------
# Most tables satisfy every identity, and the checks and the solver ask that first. The cells of
# every identity are read by one itemgetter and each side summed from a slice of what it gives, a
# few calls in C instead of a loop in Python over a table's ~40 identities; a table of which that
# cannot be said (a null cell, a sum off by a little, a cell it lacks) is looked at one identity at
# a time, by the caller.

class AllHold(NamedTuple):
    """Tells whether every one of a tuple of identities adds up exactly over one layout of cells."""

    cells: Callable[[object], tuple] | None    # every identity's cells, lhs then rhs; None: a cell is missing
    lhs: tuple[slice, ...]
    rhs: tuple[slice, ...]

    def __call__(self, source) -> bool:
        """Whether every identity has all its cells in ``source`` and adds up exactly (False means
        only "look at each": a null cell, a sum off by less than the tolerance, a missing cell)."""
        if self.cells is None:
            return False
        try:
            cells = self.cells(source)
            sides = repeat(cells)
            return not any(map(sub, map(sum, map(getitem, sides, self.lhs)), map(sum, map(getitem, sides, self.rhs))))
        except (KeyError, TypeError):   # a cell the source lacks; a null (None) in a sum
            return False


def _all_hold(identities: Sequence[Identity], keys: tuple[str, ...] | None) -> AllHold:
    """``identities`` over a mapping of cells by value key (``keys`` None) or over a tuple of values
    whose value keys are ``keys``, in order."""
    at = {k: i for i, k in enumerate(keys)} if keys is not None else None
    where: list = []
    lhs, rhs = [], []
    for idn in identities:
        if at is not None and not all(map(at.__contains__, idn.keys)):
            return AllHold(None, (), ())
        a = len(where)
        where.extend(map(at.__getitem__, idn.keys) if at is not None else idn.keys)
        lhs.append(slice(a, a + len(idn.lhs)))
        rhs.append(slice(a + len(idn.lhs), len(where)))
    # itemgetter of one item gives the value itself, not a tuple of it
    cells = itemgetter(*where) if len(where) > 1 else lambda source: tuple([source[i] for i in where])
    return AllHold(cells, tuple(lhs), tuple(rhs))


_ALL_HOLD: dict[tuple[int, tuple[str, ...] | None], tuple[Sequence[Identity], AllHold]] = {}


def all_hold(identities: Sequence[Identity], keys: tuple[str, ...] | None = None) -> AllHold:
    """The ``AllHold`` of ``identities`` over a mapping (``keys`` None) or a tuple of values of ``keys``,
    remembered by the identity of ``identities`` (``application_identities`` and ``review_identities``
    give the same tuple for the same shape): hashing it would hash each identity's fields. The tuple
    is kept with its plan, so its id names no other while it is remembered."""
    if type(identities) is not tuple:
        return _all_hold(identities, keys)     # a list may change: not remembered
    key = (id(identities), keys)
    got = _ALL_HOLD.get(key)
    if got is None or got[0] is not identities:
        got = remember(_ALL_HOLD, key, (identities, _all_hold(identities, keys)), 256)
    return got[1]
