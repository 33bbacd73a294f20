"""Section 二: 主动公开政府信息情况 (第二十条), rows found by label; 2021 and 2019 shapes."""

from __future__ import annotations

from ..textnorm import strip_enumerators
from ..types import Document, Finding, Section, TableResult
from .common import blank_finding, readings_for, spans_of, trim_edge_blanks
from .rows import rows_in
from .template import ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, ActiveRowSpec

TABLE = "active_disclosure"


_ORDER = {"2021": ("regulations", "normative_documents", "licensing_decisions", "punishment_decisions",
                   "coercion_decisions", "fees_wan_yuan"),
          "2019": ("regulations", "normative_documents", "licensing", "other_external_services", "punishment",
                   "coercion", "fees", "procurement")}


def _empty(specs: tuple[ActiveRowSpec, ...]) -> dict:
    """The table's keys in schema order, every cell null."""
    by_key = {s.key: s for s in specs}
    order = _ORDER["2019" if specs is ACTIVE_ROWS_2019 else "2021"]
    return {k: ({f: None for f in by_key[k].fields} if by_key[k].fields else None) for k in order}


def _unit_factor(header: str) -> float | None:
    """万元 → 1; 元 alone → 1/10000; no unit → None (taken as 万元)."""
    if "万元" in header:
        return 1.0
    if "元" in header:
        return 1e-4
    return None


def read_active(doc: Document, section: Section | None, template: str) -> TableResult:
    specs = ACTIVE_ROWS_2019 if template == "2019" else ACTIVE_ROWS_2021
    if section is None:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="section 二 (主动公开政府信息情况) was not found; its table is empty"),))
    values = _empty(specs)
    spans: dict = {}
    findings: list[Finding] = []
    found: set[str] = set()
    last_header = ""
    for row in rows_in(doc, section.span):
        if not row.has_values:
            last_header = row.label
            continue
        core = strip_enumerators(row.label)
        spec = next((s for s in specs if s.matches(core)), None)
        if spec is None:
            if not row.labels:
                continue
            last_header = row.label
            continue
        if spec.key in found:
            continue
        found.add(spec.key)
        fields = spec.fields or ("",)
        keys = [f"{spec.key}.{f}" if f else spec.key for f in fields]
        toks = trim_edge_blanks(list(row.values), len(fields))
        readings, kind = readings_for(toks, len(fields))
        if kind or not readings:
            msg = (f"row {spec.label}: its cells ran together ({toks[0].text!r}) and no identity "
                   f"decides how to split them, so the cells were unseparated and are left empty"
                   if kind == "run" and len(readings or ()) != 1 else
                   f"row {spec.label}: it has {len(toks)} values for {len(fields)} columns and section 二 "
                   f"has no identity to choose a reading, so its cells are left empty")
            if kind == "run" and readings and len(readings) == 1:
                rd = readings[0]  # as many digits as columns: one digit per cell
                findings.append(Finding(check=f"{TABLE}.unseparated_cells", severity="warning", table=TABLE,
                                        cells=tuple(f"{TABLE}.{k}" for k in keys),
                                        message=f"row {spec.label}: its cells ran together ({toks[0].text!r}); "
                                                f"there are exactly as many digits as cells, one reading"))
            else:
                findings.append(Finding(check=f"{TABLE}.unseparated_cells" if kind == "run" else f"{TABLE}.irregular_row",
                                        severity="error", table=TABLE, cells=tuple(f"{TABLE}.{k}" for k in keys),
                                        message=msg))
                continue
        rd = readings[0]
        blanks = []
        factor = _unit_factor(last_header) if spec.money else None
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
                                            message=f"row {spec.label}: amount given in 元, converted to 万元"))
            if spec.fields:
                values[spec.key][f] = v
            else:
                values[spec.key] = v
            if v is not None and s is not None:
                spans[k] = s
        if blanks:
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
