"""Section 二: 主动公开政府信息情况 (第二十条), rows found by label, in the shape of the report's template."""

from __future__ import annotations

from functools import lru_cache

from ..textnorm import strip_enumerators
from ..types import Document, Finding, Section, TableResult
from .common import blank_finding, readings_for, spans_of, trim_edge_blanks
from .rows import TEXT, UNIT, rows_in
from .solve import Reading
from .template import ActiveRowSpec, TemplateSpec

TABLE = "active_disclosure"


def _empty(spec: TemplateSpec) -> dict:
    """The table's keys in schema order, every cell null."""
    by_key = {s.key: s for s in spec.active_rows}
    return {k: ({f: None for f in by_key[k].fields} if by_key[k].fields else None) for k in spec.active_order}


def _unit_factor(header: str) -> float | None:
    """万元 → 1; 元 alone → 1/10000; no unit → None (taken as 万元)."""
    if "万元" in header:
        return 1.0
    if "元" in header:
        return 1e-4
    return None


@lru_cache(maxsize=4096)
def _spec_for(specs: tuple[ActiveRowSpec, ...], core: str) -> ActiveRowSpec | None:
    """The first of ``specs`` that a row's label (enumerators stripped) names: the same labels recur in
    every report, and trying each spec's cues costs more than reading the row."""
    return next((s for s in specs if s.matches(core)), None)


@lru_cache(maxsize=256)
def _keys_of(spec: ActiveRowSpec) -> tuple[str, ...]:
    """The value keys of a row's cells (``licensing.processed``, or the row's key for a row of one
    cell), made once per spec."""
    return tuple(f"{spec.key}.{f}" if f else spec.key for f in spec.fields or ("",))


def _show(v) -> str:
    return "?" if v is None else str(v)


def _agreed(readings: list[Reading]) -> Reading:
    """One reading holding the values every reading agrees on, None elsewhere."""
    first = readings[0]
    vals = tuple(v if all(rd.values[i] == v for rd in readings) else None for i, v in enumerate(first.values))
    spans = tuple(s if all(rd.spans[i] == s for rd in readings) else None for i, s in enumerate(first.spans))
    return Reading(vals, spans)


def read_active(doc: Document, section: Section | None, template: TemplateSpec) -> TableResult:
    specs = template.active_rows
    if section is None:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="section 二 (主动公开政府信息情况) was not found; its table is empty"),))
    values = _empty(template)
    spans: dict = {}
    findings: list[Finding] = []
    found: set[str] = set()
    last_header = ""
    for row in rows_in(doc, section.span):
        if not row.has_values:
            last_header = row.label
            continue
        spec = _spec_for(specs, strip_enumerators(row.label))
        if spec is None:
            if not row.labels:
                continue
            last_header = row.label
            continue
        if spec.key in found:
            continue
        found.add(spec.key)
        fields = spec.fields or ("",)
        keys = _keys_of(spec)
        toks = trim_edge_blanks(row.values, len(fields))
        readings, kind = readings_for(toks, len(fields), loose=row.loose)
        blanks_are_unread = False
        if kind == "run" and readings:
            # no identity decides between readings here; a reading that puts a minus sign in a
            # field that cannot be negative is no reading
            readings = [rd for rd in readings
                        if all(not (isinstance(v, (int, float)) and v < 0) or f in spec.signed
                               for f, v in zip(fields, rd.values))]
        if kind or not readings:
            cells = tuple(f"{TABLE}.{k}" for k in keys)
            shown = " ".join(t[TEXT] for t in toks)
            if kind == "run" and readings and len(readings) == 1:
                findings.append(Finding(check=f"{TABLE}.unseparated_cells", severity="warning", table=TABLE,
                                        cells=cells,
                                        message=f"row {spec.label}: its cells ran together ({shown!r}); "
                                                f"only one reading splits them into {len(fields)} cells"))
            elif kind == "run" and readings:
                agreed = _agreed(readings)
                findings.append(Finding(
                    check=f"{TABLE}.unseparated_cells", severity="error", table=TABLE, cells=cells,
                    message=f"row {spec.label}: its cells ran together unseparated ({shown!r}) and no identity "
                            f"decides how to split them: {len(readings)} readings "
                            f"({'; '.join('/'.join(_show(v) for v in rd.values) for rd in readings[:4])}"
                            f"{'; …' if len(readings) > 4 else ''}), so only the cells every reading agrees "
                            f"on are read ({sum(v is not None for v in agreed.values)} of {len(fields)})"))
                readings = [agreed]
                blanks_are_unread = True
            else:
                msg = (f"row {spec.label}: its cells ran together unseparated ({shown!r}) and "
                       f"{'there are too many readings to try' if readings is None else 'no reading fits'}, "
                       f"so its cells are left empty" if kind == "run" else
                       f"row {spec.label}: it has {len(toks)} values for {len(fields)} columns and section 二 "
                       f"has no identity to choose a reading, so its cells are left empty")
                findings.append(Finding(check=f"{TABLE}.unseparated_cells" if kind == "run" else f"{TABLE}.irregular_row",
                                        severity="error", table=TABLE, cells=cells, message=msg))
                continue
        rd = readings[0]
        blanks = []
        printed = next((t[UNIT] for t in toks if t[UNIT]), None)   # a unit in the cell wins over the header's
        factor = _unit_factor(printed or last_header) if spec.money else None
        for f, k, v, s in zip(fields, keys, rd.values, rd.spans):
            if v is None:
                blanks.append(k)
            else:
                if isinstance(v, float) and not spec.money:
                    findings.append(Finding(check=f"{TABLE}.unreadable", severity="error", table=TABLE,
                                            cells=(f"{TABLE}.{k}",),
                                            message=f"row {spec.label}: {v} is not a count"))
                    v = None
                elif isinstance(v, int) and v < 0 and f not in spec.signed:
                    findings.append(Finding(check=f"{TABLE}.unreadable", severity="error", table=TABLE,
                                            cells=(f"{TABLE}.{k}",),
                                            message=f"row {spec.label}: {v} is negative"))
                    v = None
                elif spec.money and factor not in (None, 1.0) and (f == "" or f.startswith("amount")):
                    v = round(v * factor, 6)
                    findings.append(Finding(check=f"{TABLE}.unit_converted", severity="info", table=TABLE,
                                            cells=(f"{TABLE}.{k}",),
                                            message=f"row {spec.label}: amount given in 元"
                                                    f"{' in the cell' if printed else ''}, converted to 万元"))
            if spec.fields:
                values[spec.key][f] = v
            else:
                values[spec.key] = v
            if v is not None and s is not None:
                spans[k] = s
        if blanks and not blanks_are_unread:
            findings.append(blank_finding(TABLE, spec.label, blanks))
    if not found:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="no row of the 主动公开 table was found in section 二"),))
    for s in specs:
        if s.key not in found:
            findings.append(Finding(check=f"{TABLE}.row_missing", severity="error", table=TABLE,
                                    cells=(f"{TABLE}.{s.key}",),
                                    message=f"row {s.label} was not found; its cells are null"))
    return TableResult(TABLE, values, spans_of(TABLE, spans), tuple(findings))
