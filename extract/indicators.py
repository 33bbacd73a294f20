"""Derived indicators per report, and the year-over-year carry-over check across reports.

``INDICATORS`` is the one definition of each indicator: a ratio of sums of value keys.
``indicators(record)`` computes them in Python; ``view_statements`` make the same numbers a
DuckDB view (``indicators``) from the same definitions, plus ``carry_over``. A ratio whose
denominator is 0 or blank is ``None`` (not 0): a report with no applications has no rate.

Carry-over: this year's 二、上年结转 (``applications.carried_over``) should equal last year's
四、结转下年度继续办理 (``applications.carried_forward``) of the same agency, column by column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .record import flatten
from .tables.template import APPLICANT_KEYS, APPLICATIONS

_WITHHELD = tuple(k for k in APPLICATIONS.outcomes if k.startswith("withheld_"))
_REJECTED = tuple(k for k in APPLICATIONS.outcomes if k.startswith("rejected_"))
_UNAVAILABLE = tuple(k for k in APPLICATIONS.outcomes if k.startswith("unavailable_"))
_LITIGATION = ("litigation_direct", "litigation_after_review")


def _a(*rows: str) -> tuple[str, ...]:
    return tuple(f"applications.{r}.total" for r in rows)


def _concluded(*groups: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(added, subtracted) keys for cases concluded: total minus pending."""
    return (tuple(f"review_litigation.{g}.total" for g in groups),
            tuple(f"review_litigation.{g}.pending" for g in groups))


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    definition: str                      # for the README table
    numerator: tuple[str, ...]           # summed value keys
    denominator: tuple[str, ...] = ()    # summed value keys; () for a plain count
    minus: tuple[str, ...] = ()          # subtracted from the denominator


INDICATORS: tuple[Indicator, ...] = (
    Indicator("applications_received", "本年新收申请 (new_received.total)", _a("new_received")),
    Indicator("applications_processed", "本年办理 (total_processed.total)", _a("total_processed")),
    Indicator("disclosed_share", "(予以公开 + 部分公开) / 总计: share of processed applications disclosed "
              "in full or in part", _a("disclosed", "partially_disclosed"), _a("total_processed")),
    Indicator("disclosed_in_full_share", "予以公开 / 总计", _a("disclosed"), _a("total_processed")),
    Indicator("withheld_share", "不予公开 (三（三）1–8) / 总计", _a(*_WITHHELD), _a("total_processed")),
    Indicator("not_held_share", "本机关不掌握相关政府信息 / 总计", _a("unavailable_not_held"), _a("total_processed")),
    Indicator("unavailable_share", "无法提供 (三（四）1–3) / 总计", _a(*_UNAVAILABLE), _a("total_processed")),
    Indicator("rejected_share", "不予处理 (三（五）1–5) / 总计", _a(*_REJECTED), _a("total_processed")),
    Indicator("carried_forward_share", "结转下年度继续办理 / (本年新收 + 上年结转)", _a("carried_forward"),
              _a("new_received", "carried_over")),
    Indicator("review_cases", "行政复议 总计", ("review_litigation.administrative_review.total",)),
    Indicator("review_corrected_share", "行政复议 结果纠正 / (总计 − 尚未审结): correction rate of concluded "
              "reviews", ("review_litigation.administrative_review.corrected",),
              *_concluded("administrative_review")),
    Indicator("litigation_cases", "行政诉讼 总计 (未经复议 + 复议后)",
              tuple(f"review_litigation.{g}.total" for g in _LITIGATION)),
    Indicator("litigation_corrected_share", "行政诉讼 结果纠正 / (总计 − 尚未审结), both kinds of suit",
              tuple(f"review_litigation.{g}.corrected" for g in _LITIGATION), *_concluded(*_LITIGATION)),
)


def _sum(flat: Mapping, keys: Iterable[str]) -> float | None:
    """The sum, or ``None`` when any term is blank (a partial sum would be a made-up number)."""
    total = 0
    for k in keys:
        v = flat.get(k)
        if v is None:
            return None
        total += v
    return total


def indicators(record: Mapping) -> dict[str, float | int | None]:
    """Every indicator of one record (a record dict or ``Record.to_dict()``)."""
    flat: dict = {}
    for table in ("applications", "review_litigation"):
        flatten(record.get(table) or {}, table, flat)
    out: dict[str, float | int | None] = {}
    for ind in INDICATORS:
        num = _sum(flat, ind.numerator)
        if not ind.denominator:
            out[ind.name] = num
            continue
        den = _sum(flat, ind.denominator)
        sub = _sum(flat, ind.minus) if ind.minus else 0
        if num is None or den is None or sub is None or den - sub <= 0:
            out[ind.name] = None
        else:
            out[ind.name] = num / (den - sub)
    return out


# -- across years -----------------------------------------------------------------

def carry_over_checks(records: Iterable[Mapping]) -> list[dict]:
    """One row per agency, pair of consecutive years present and applicant column.

    ``matches`` is true/false where both cells are read, ``None`` where either is blank.
    Records without an agency or a year, or without section 三, are not lined up.
    """
    by_key: dict[tuple[str, int], list[Mapping]] = {}
    for r in records:
        meta = r.get("meta") or {}
        if r.get("status") == "failed" or not meta.get("agency") or meta.get("year") is None:
            continue
        if not r.get("applications"):
            continue
        by_key.setdefault((meta["agency"], meta["year"]), []).append(r)
    out = []
    for (agency, year), recs in sorted(by_key.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        for prev in by_key.get((agency, year - 1), []):
            for cur in recs:
                before = (prev["applications"].get("carried_forward") or {})
                now = (cur["applications"].get("carried_over") or {})
                for col in APPLICANT_KEYS:
                    a, b = now.get(col), before.get(col)
                    out.append({"agency": agency, "year": year, "report_id": cur.get("id"),
                                "previous_report_id": prev.get("id"), "column": col, "carried_over": a,
                                "previous_carried_forward": b,
                                "matches": None if a is None or b is None else a == b})
    return out


def lined_up(records: Iterable[Mapping]) -> list[dict]:
    """Every readable report with an agency and a year, sorted by agency then year, with its indicators."""
    rows = []
    for r in records:
        meta = r.get("meta") or {}
        if r.get("status") == "failed" or not meta.get("agency") or meta.get("year") is None:
            continue
        rows.append({"agency": meta["agency"], "year": meta["year"], "report_id": r.get("id"),
                     "status": r.get("status"), "checks": r.get("checks"), **indicators(r)})
    rows.sort(key=lambda x: (x["agency"], x["year"], str(x["report_id"])))
    return rows


# -- DuckDB views --------------------------------------------------------------------

def _sql_sum(keys: tuple[str, ...]) -> str:
    from .export import column_name
    return "(" + " + ".join(f'w."{column_name(k)}"' for k in keys) + ")"


def indicators_view_sql() -> str:
    cols = []
    for ind in INDICATORS:
        num = _sql_sum(ind.numerator)
        if not ind.denominator:
            cols.append(f"{num} AS {ind.name}")
            continue
        den = _sql_sum(ind.denominator) + (f" - {_sql_sum(ind.minus)}" if ind.minus else "")
        cols.append(f"CASE WHEN ({den}) > 0 THEN CAST({num} AS DOUBLE) / ({den}) END AS {ind.name}")
    return ("CREATE OR REPLACE VIEW indicators AS SELECT w.id AS report_id, w.agency, w.year, w.status, w.checks,\n  "
            + ",\n  ".join(cols) + "\nFROM reports_wide w WHERE w.status <> 'failed'")


CARRY_OVER_VIEW = """
CREATE OR REPLACE VIEW carry_over AS
WITH c AS (
  SELECT r.agency, r.year, r.id, cl.row_key, cl.column_key, cl.value
  FROM reports r JOIN cells cl ON cl.report_id = r.id
  WHERE r.status <> 'failed' AND r.agency IS NOT NULL AND r.year IS NOT NULL
    AND cl.table_key = 'applications' AND cl.row_key IN ('carried_over', 'carried_forward'))
SELECT cur.agency, cur.year, cur.id AS report_id, prev.id AS previous_report_id, cur.column_key AS "column",
       CAST(cur.value AS BIGINT) AS carried_over, CAST(prev.value AS BIGINT) AS previous_carried_forward,
       cur.value = prev.value AS matches
FROM c cur JOIN c prev
  ON prev.agency = cur.agency AND prev.year = cur.year - 1 AND prev.column_key = cur.column_key
 AND cur.row_key = 'carried_over' AND prev.row_key = 'carried_forward'
"""


def view_statements() -> list[str]:
    """The statements that make the views ``indicators`` and ``carry_over``."""
    return [indicators_view_sql(), CARRY_OVER_VIEW]
