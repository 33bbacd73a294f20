"""Checks: every template identity on the values as read — a broken one is reported, never corrected."""

from __future__ import annotations

import math

from .tables.identities import Identity, application_identities, review_identities
from .tables.template import APPLICANT_KEYS, OTHER_SUBROWS, OUTCOME_KEYS_2021, OUTCOME_KEYS_SINGLE_OTHER
from .types import Finding, Meta, TableResult


def _flat(values: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in values.items():
        if isinstance(v, dict):
            for c, x in v.items():
                out[f"{k}.{c}"] = x
        else:
            out[k] = v
    return out


def _fmt(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if math.isfinite(x) and x.is_integer() else f"{x:g}"


def check_identities(table: str, values: dict, identities: list[Identity]) -> list[Finding]:
    flat = _flat(values)
    out: list[Finding] = []
    unchecked = 0
    for idn in identities:
        vals = [flat.get(k) for k in idn.keys]
        if any(v is None for v in vals):
            unchecked += 1
            continue
        lhs = sum(flat[k] for k in idn.lhs)  # type: ignore[misc]
        rhs = sum(flat[k] for k in idn.rhs)  # type: ignore[misc]
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


def check_tables(tables: dict[str, TableResult], meta: Meta) -> list[Finding]:
    findings: list[Finding] = []
    apps = tables.get("applications")
    if apps is not None and apps.values is not None:
        v = apps.values
        single = "other_handled" in v
        outcomes = OUTCOME_KEYS_SINGLE_OTHER if single else OUTCOME_KEYS_2021
        rows = tuple(k for k in v if not (single and k in OTHER_SUBROWS))
        # a column the table does not have (every cell null) is not checked
        columns = tuple(c for c in APPLICANT_KEYS if any(v[r].get(c) is not None for r in rows))
        findings += check_identities("applications", {r: v[r] for r in rows},
                                     application_identities(columns, outcomes, rows))
    rev = tables.get("review_litigation")
    if rev is not None and rev.values is not None:
        findings += check_identities("review_litigation", rev.values, review_identities())
    return findings
