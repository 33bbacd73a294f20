"""The canonical record (../shared/schema.md, schema version 1) and its assembly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from .errors import XxgkError
from .types import Finding, Meta, Narrative, Sections, TableResult

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
TABLE_NAMES = ("active_disclosure", "applications", "review_litigation")

Status = Literal["ok", "partial", "failed"]
Checks = Literal["pass", "fail"]

CHECK_SEVERITIES = ("error", "warning")
"""Findings of these severities mean a check did not pass (``info`` findings only inform)."""


def checks_of(status: str | None, severities: Iterable[str | None]) -> Checks | None:
    """``"fail"`` when any finding is an error or a warning, else ``"pass"``; ``None`` for a failed record.

    ``status`` says whether the report could be read; ``checks`` whether what was read passed
    every identity and row check, so a filter on both finds the reports that need a look.
    """
    if status == "failed":
        return None
    return "fail" if any(s in CHECK_SEVERITIES for s in severities) else "pass"


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested dicts as one dict of dotted keys to their leaves (lists are leaves), into ``out``:
    ``flatten({"new_received": {"total": 3}}, "applications")`` is ``{"applications.new_received.total": 3}``.
    """
    if out is None:
        out = {}
    if isinstance(value, dict):  # records are plain dicts (an ABC check costs ~3x more per cell)
        if prefix and not any(issubclass(t, dict) for t in set(map(type, value.values()))):
            # a row of leaves (most of a record): its keys made once per row and column set
            out.update(zip(dotted_keys(prefix, tuple(value)), value.values()))
            return out
        for k, v in value.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict):
                flatten(v, key, out)
            else:
                out[key] = v      # a leaf: no call for it (a record has hundreds)
    else:
        out[prefix] = value
    return out


@lru_cache(maxsize=2048)
def dotted_keys(prefix: str, keys: tuple) -> tuple[str, ...]:
    """``keys`` under ``prefix`` (``applications``, ``("new_received.total",)`` →
    ``("applications.new_received.total",)``): the same few rows and tables recur in every report."""
    return tuple([f"{prefix}.{k}" for k in keys])


@dataclass(frozen=True, slots=True)
class Source:
    path: str | None
    sha256: str | None
    format: str | None
    encoding: str | None = None
    bytes: int | None = None
    ocr: dict | None = None      # pages read by OCR: engine, version, pages, mean_confidence

    def to_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "format": self.format,
                "encoding": self.encoding, "bytes": self.bytes, "ocr": self.ocr}


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    source: Source
    status: Status
    meta: Meta | None = None
    tables: dict[str, TableResult] = field(default_factory=dict)
    narrative: Narrative | None = None
    findings: tuple[Finding, ...] = ()
    sections: Sections | None = None
    text: str | None = None
    error: str | None = None
    error_code: str | None = None
    seconds: float | None = None

    # -- construction -------------------------------------------------------
    @classmethod
    def failed(cls, id: str, source: Source, error: BaseException, *, seconds: float | None = None) -> "Record":
        reason = error.reason if isinstance(error, XxgkError) else f"{type(error).__name__}: {error}"
        code = error.code if isinstance(error, XxgkError) else "E999"
        return cls(id=id, source=source, status="failed", error=reason, error_code=code, seconds=seconds)

    # -- views --------------------------------------------------------------
    def value(self, table: str) -> dict | None:
        t = self.tables.get(table)
        return t.values if t else None

    @property
    def checks(self) -> Checks | None:
        """``pass`` / ``fail`` (see ``checks_of``); ``None`` when the report could not be read."""
        return checks_of(self.status, (f.severity for f in self.findings))

    def to_frame(self) -> "pd.DataFrame":
        """The report's table values as a long DataFrame (needs pandas).

        One row per value the record has, blanks included: ``table``, ``row``, ``column``,
        ``key`` (dotted), ``value`` (float, NaN for a blank), ``span_start``/``span_end`` into
        ``text``, and ``label`` (the template's Chinese label). Same rows as the DuckDB ``cells``
        table, without ``report_id``.
        """
        import pandas as pd

        from .export import CELL_COLUMNS, cell_rows
        rows = cell_rows(self.to_dict(include_text=False))
        df = pd.DataFrame(rows, columns=list(CELL_COLUMNS))
        df = df.drop(columns=["report_id"])
        df["value"] = df["value"].astype("Float64")
        for c in ("span_start", "span_end"):
            df[c] = df[c].astype("Int64")
        return df

    @property
    def spans(self) -> dict[str, list[int]]:
        return {k: list(v) for k, v in self._span_tuples().items()}

    def _span_tuples(self) -> dict[str, tuple[int, int]]:
        """Every value's span as the tables hold it, a (start, end) tuple."""
        out: dict[str, tuple[int, int]] = {}
        for t in self.tables.values():
            out.update(t.spans)
        return out

    def to_dict(self, *, include_text: bool = True, json_only: bool = False) -> dict:
        """The record as JSON-ready data: schema.md's keys first, then the extras.

        ``json_only``: the dict is only to be written as JSON (``extract.export``), so the value spans
        stay the tuples the tables hold, which JSON writes as lists: copying a report's ~200 spans
        into lists was two thirds of this call."""
        n = self.narrative
        d: dict = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "meta": self.meta.to_dict() if self.meta else None,
        }
        for name in TABLE_NAMES:
            d[name] = self.value(name)
        d["narrative"] = n.to_dict() if n else None
        d["status"] = self.status
        d["checks"] = self.checks
        d["error"] = self.error
        d["error_code"] = self.error_code
        d["source"] = self.source.to_dict()
        d["findings"] = [f.to_dict() for f in self.findings]
        d["spans"] = self._span_tuples() if json_only else self.spans
        d["sections"] = (
            {s.key: {"span": list(s.span), "heading": s.heading,
                     "heading_span": list(s.heading_span) if s.heading_span else None}
             for s in self.sections.found}
            if self.sections else None
        )
        d["narrative_method"] = n.method if n else None
        d["narrative_ungrounded"] = n.ungrounded if n else 0
        d["narrative_note"] = n.note if n else None
        d["llm_usage"] = n.usage.to_dict() if n else None
        d["seconds"] = self.seconds
        if include_text:
            d["text"] = self.text
        return d
