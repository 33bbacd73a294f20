"""Records → files: ``records.jsonl``, ``reports.csv``, ``findings.csv``, ``errors.csv``.

Writers stream: each record is written as it comes, so memory does not grow with
the batch. The CSV column set comes from the template (``extract.tables.template``),
never from the first record, so every run has the same header. CSVs are UTF-8 with
a BOM, so Excel shows the Chinese text correctly; pandas and DuckDB read them as is.

``OutputWriter`` writes into temporary files named ``.<name>.partial`` inside the
output folder and moves them to their final names (``os.replace``) only on
``commit()``; an interrupted run removes them, so a file with a final name is
always complete.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .record import Record
from .tables.template import (ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, APPLICANT_KEYS, APPLICATION_ROW_ORDER,
                              REVIEW_COLUMNS, REVIEW_GROUPS)

CSV_ENCODING = "utf-8-sig"
RECORDS = "records.jsonl"
REPORTS = "reports.csv"
FINDINGS = "findings.csv"
ERRORS = "errors.csv"
OUTPUT_FILES = (RECORDS, REPORTS, FINDINGS, ERRORS)

REPORT_META_COLUMNS = (
    "id", "path", "status", "error_code", "error", "agency", "year", "template", "published_on",
    "findings_error", "findings_warning", "findings_info", "narrative_method",
    "problems", "improvements", "channels", "narrative_ungrounded",
    "llm_calls", "llm_prompt_tokens", "llm_cached_prompt_tokens", "llm_completion_tokens", "llm_cost_usd",
)
FINDING_COLUMNS = ("record_id", "path", "check", "table", "severity", "cells", "expected", "actual", "message")
ERROR_COLUMNS = ("path", "id", "error_code", "error")


def _dotted(prefix: str, specs) -> list[str]:
    out = []
    for s in specs:
        if s.fields:
            out.extend(f"{prefix}.{s.key}.{f}" for f in s.fields)
        else:
            out.append(f"{prefix}.{s.key}")
    return out


def value_columns() -> tuple[str, ...]:
    """Every value key of the schema, dotted (``applications.new_received.total``), in schema order.

    Section 二 has both templates' keys (2021 first, then the 2019-only ones); section 三 has
    the 25 rows plus the 2019 template's single ``other_handled`` row.
    """
    cols: list[str] = []
    for c in _dotted("active_disclosure", ACTIVE_ROWS_2021) + _dotted("active_disclosure", ACTIVE_ROWS_2019):
        if c not in cols:
            cols.append(c)
    rows = list(APPLICATION_ROW_ORDER)
    rows.insert(rows.index("total_processed"), "other_handled")
    cols += [f"applications.{r}.{c}" for r in rows for c in APPLICANT_KEYS]
    cols += [f"review_litigation.{g}.{c}" for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS]
    return tuple(cols)


VALUE_COLUMNS = value_columns()
REPORT_COLUMNS = REPORT_META_COLUMNS + VALUE_COLUMNS


# -- rows (pure) ----------------------------------------------------------------

def _as_dict(record: Record | Mapping) -> Mapping:
    return record.to_dict(include_text=False) if isinstance(record, Record) else record


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):  # records are plain dicts (an ABC check costs ~3x more per cell)
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    else:
        out[prefix] = value


def report_row(record: Record | Mapping) -> dict[str, Any]:
    """One ``reports.csv`` row: the record's meta, status, finding counts and every value."""
    d = _as_dict(record)
    meta = d.get("meta") or {}
    narr = d.get("narrative") or {}
    findings = d.get("findings") or []
    row: dict[str, Any] = {
        "id": d.get("id"), "path": (d.get("source") or {}).get("path"), "status": d.get("status"),
        "error_code": d.get("error_code"), "error": d.get("error"),
        "agency": meta.get("agency"), "year": meta.get("year"), "template": meta.get("template"),
        "published_on": meta.get("published_on"),
        "narrative_method": d.get("narrative_method"),
        "problems": len(narr.get("problems") or []), "improvements": len(narr.get("improvements") or []),
        "channels": len(narr.get("channels") or []),
        "narrative_ungrounded": d.get("narrative_ungrounded"),
    }
    # blank unless a model was asked (llm, or rules_fallback after failed calls); 0 calls: from the answer cache
    usage = (d.get("llm_usage") or {}) if d.get("narrative_method") in ("llm", "rules_fallback") else {}
    for k in ("calls", "prompt_tokens", "cached_prompt_tokens", "completion_tokens", "cost_usd"):
        row[f"llm_{k}"] = usage.get(k)
    for sev in ("error", "warning", "info"):
        row[f"findings_{sev}"] = sum(1 for f in findings if f.get("severity") == sev)
    flat: dict[str, Any] = {}
    for table in ("active_disclosure", "applications", "review_litigation"):
        if d.get(table) is not None:
            _flatten(table, d[table], flat)
    for c in VALUE_COLUMNS:
        row[c] = flat.get(c)
    return row


def finding_rows(record: Record | Mapping) -> list[dict[str, Any]]:
    d = _as_dict(record)
    path = (d.get("source") or {}).get("path")
    return [{"record_id": d.get("id"), "path": path, "check": f.get("check"), "table": f.get("table"),
             "severity": f.get("severity"), "cells": ";".join(f.get("cells") or ()),
             "expected": f.get("expected"), "actual": f.get("actual"), "message": f.get("message")}
            for f in d.get("findings") or []]


def error_row(record: Record | Mapping) -> dict[str, Any] | None:
    """The ``errors.csv`` row of a failed record, else ``None``."""
    d = _as_dict(record)
    if d.get("status") != "failed":
        return None
    return {"path": (d.get("source") or {}).get("path"), "id": d.get("id"),
            "error_code": d.get("error_code"), "error": d.get("error")}


def record_json(record: Record | Mapping, *, include_text: bool = False) -> str:
    d = record.to_dict(include_text=include_text) if isinstance(record, Record) else record
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


# -- writers (I/O) ----------------------------------------------------------------

def partial_name(name: str) -> str:
    return f".{name}.partial"


class OutputWriter:
    """Stream records into the four output files of ``outdir``; atomic on ``commit``.

    >>> with OutputWriter(out) as w:          # doctest: +SKIP
    ...     for rec in records:
    ...         w.write(rec)
    ...     w.commit()

    Leaving the ``with`` block without ``commit()`` (an exception, Ctrl-C) removes the
    temporary files and leaves any earlier complete outputs untouched.
    """

    def __init__(self, outdir: str | os.PathLike, *, include_text: bool = False):
        self.outdir = Path(outdir)
        self.include_text = include_text
        self.counts = {RECORDS: 0, FINDINGS: 0, ERRORS: 0}
        self._files: dict[str, IO[str]] = {}
        self._csv: dict[str, csv.DictWriter] = {}
        self._committed = False

    def __enter__(self) -> "OutputWriter":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        if not self._committed:
            self.abort()

    def _tmp(self, name: str) -> Path:
        return self.outdir / partial_name(name)

    def open(self) -> None:
        self.outdir.mkdir(parents=True, exist_ok=True)
        self._files[RECORDS] = self._tmp(RECORDS).open("w", encoding="utf-8", newline="\n")
        for name, cols in ((REPORTS, REPORT_COLUMNS), (FINDINGS, FINDING_COLUMNS), (ERRORS, ERROR_COLUMNS)):
            f = self._tmp(name).open("w", encoding=CSV_ENCODING, newline="")
            self._files[name] = f
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="raise")
            w.writeheader()
            self._csv[name] = w

    def write(self, record: Record | Mapping) -> None:
        d = record.to_dict(include_text=self.include_text) if isinstance(record, Record) else record
        self._files[RECORDS].write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.counts[RECORDS] += 1
        self._csv[REPORTS].writerow(report_row(d))
        for r in finding_rows(d):
            self._csv[FINDINGS].writerow(r)
            self.counts[FINDINGS] += 1
        e = error_row(d)
        if e is not None:
            self._csv[ERRORS].writerow(e)
            self.counts[ERRORS] += 1

    def write_all(self, records: Iterable[Record | Mapping]) -> None:
        for r in records:
            self.write(r)

    def _close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()

    def commit(self) -> dict[str, Path]:
        """Flush, fsync and move every temporary file to its final name."""
        for f in self._files.values():
            f.flush()
            os.fsync(f.fileno())
        self._close()
        final = {}
        for name in OUTPUT_FILES:
            os.replace(self._tmp(name), self.outdir / name)
            final[name] = self.outdir / name
        self._committed = True
        return final

    def abort(self) -> None:
        """Close and remove the temporary files; earlier complete outputs stay as they were."""
        self._close()
        for name in OUTPUT_FILES:
            try:
                self._tmp(name).unlink()
            except FileNotFoundError:
                pass


def write_outputs(records: Iterable[Record | Mapping], outdir: str | os.PathLike, *,
                  include_text: bool = False) -> dict[str, Path]:
    """Write all four outputs atomically; returns their final paths."""
    with OutputWriter(outdir, include_text=include_text) as w:
        w.write_all(records)
        return w.commit()


def read_records(path: str | os.PathLike) -> Iterator[dict]:
    """Stream the records of a ``records.jsonl``."""
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_csv_rows(path: str | os.PathLike) -> list[dict[str, str]]:
    with Path(path).open(encoding=CSV_ENCODING, newline="") as f:
        return list(csv.DictReader(f))
