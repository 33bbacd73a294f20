"""Records → files: ``records.jsonl``, ``reports.csv``, ``findings.csv``, ``errors.csv``.

Writers stream: each record is written as it comes, so memory does not grow with
the batch. The CSV column set comes from the template (``extract.tables.template``),
never from the first record, so every run has the same header. CSVs are UTF-8 with
a BOM, so Excel shows the Chinese text correctly; pandas and DuckDB read them as is.

``OutputWriter`` writes into temporary files named ``.<name>.partial`` inside the
output folder and moves them to their final names (``os.replace``) only on
``commit()``, so a file with a final name is always complete. The temporary files
are flushed after every record: they are the run's checkpoint. A run that stops
(Ctrl-C, kill -9) leaves them for ``OutputWriter.resume`` to carry on from; an
exception inside the ``with`` block removes them.

With ``data=True`` the writer also stages the long tables (``cells``,
``narrative_items``, ``channels``, ...) that ``extract.store`` loads into DuckDB
and Parquet on ``commit()``. ``codebook.csv`` (every value key with its Chinese
template label, unit and template years) is written on every commit.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import partial
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import orjson

from .memo import remember
from .record import TABLE_NAMES, Record, checks_of, flatten
from .tables.template import TEMPLATES, TemplateSpec, all_value_cells

if TYPE_CHECKING:
    import pandas as pd

    from .store import Database

CSV_ENCODING = "utf-8-sig"
RECORDS = "records.jsonl"
REPORTS = "reports.csv"
FINDINGS = "findings.csv"
ERRORS = "errors.csv"
OUTPUT_FILES = (RECORDS, REPORTS, FINDINGS, ERRORS)
CODEBOOK = "codebook.csv"
DATA_STAGE = ".data.partial"      # the staged long tables, a folder inside the output folder
DERIVED_OUTPUTS = ("xxgk.duckdb", "parquet", "review.html")
"""Outputs built from the others; a commit removes those this run did not build (they would be stale)."""

REPORT_META_COLUMNS = (
    "id", "path", "status", "checks", "error_code", "error", "agency", "year", "template", "published_on",
    "findings_error", "findings_warning", "findings_info", "narrative_method",
    "problems", "improvements", "channels", "narrative_ungrounded",
    "llm_calls", "llm_prompt_tokens", "llm_cached_prompt_tokens", "llm_completion_tokens", "llm_cost_usd",
)
FINDING_COLUMNS = ("record_id", "path", "check", "table", "severity", "cells", "expected", "actual", "message")
ERROR_COLUMNS = ("path", "id", "error_code", "error")
SKIPPED_CODE = "skipped"
"""``error_code`` of an ``errors.csv`` row for a file a folder held that was not read (no record)."""


def value_columns() -> tuple[str, ...]:
    """Every value key of the registered templates, dotted (``applications.new_received.total``), in
    schema order: table by table, the newest template's keys first, then each older one's own
    (section 二 has both templates' keys; section 三 its 25 rows plus the 2019 template's single
    ``other_handled`` row)."""
    return _columns().values


def report_columns() -> tuple[str, ...]:
    """``reports.csv``'s header: the report's meta and counts, then every value column."""
    return _columns().report


COUNT_COLUMNS = ("findings_error", "findings_warning", "findings_info", "problems", "improvements", "channels",
                 "narrative_ungrounded", "llm_calls", "llm_prompt_tokens", "llm_cached_prompt_tokens",
                 "llm_completion_tokens", "year")


# -- codebook (pure) ---------------------------------------------------------------

CODEBOOK_COLUMNS = ("key", "column", "table_key", "row_key", "column_key", "label", "unit", "type", "templates")


def _column_names(keys: Iterable[str]) -> dict[str, str]:
    plain: dict[str, list[str]] = {}
    for k in keys:
        plain.setdefault(k.replace(".", "_"), []).append(k)
    out = {}
    for name, ks in plain.items():
        for k in ks:
            # two keys that read the same with underscores (2019 ``licensing.decisions`` and 2021
            # ``licensing_decisions``): the deeper one joins its levels with a double underscore
            out[k] = k.replace(".", "__") if len(ks) > 1 and k.count(".") > min(x.count(".") for x in ks) else name
    return out


def column_name(key: str) -> str:
    """A value key as a plain SQL/pandas column name: ``applications_new_received_total``.

    Dots become underscores; where that would give two keys one name (``active_disclosure.licensing.decisions``
    of the 2019 template), the deeper key uses double underscores (``active_disclosure__licensing__decisions``).
    """
    return _columns().names.get(key) or key.replace(".", "_")


def codebook() -> list[dict[str, str | None]]:
    """One row per value key (``value_columns()`` order), from the registered templates' definitions.

    ``label`` joins the template's row label and column heading (``一、本年新收政府信息公开申请数量 · 总计``),
    ``unit`` is 件, 项 or 万元, ``type`` the SQL type (``BIGINT`` for counts, ``DOUBLE`` for
    money), ``templates`` the template years whose table has the cell (``2019;2021``).
    """
    return [dict(r) for r in _columns().codebook]


def codebook_by_key() -> dict[str, dict]:
    return _columns().codebook_by_key


class _Columns:
    """Export's view of the registered templates: columns, codebook and lookups, built once per registry."""

    def __init__(self, specs: tuple[TemplateSpec, ...]):
        self.specs = specs
        cells = all_value_cells()
        self.values: tuple[str, ...] = tuple(c.key for c, _ in cells)
        self.report = REPORT_META_COLUMNS + self.values
        self.names = _column_names(self.values)
        self.codebook: tuple[dict[str, str | None], ...] = tuple(
            {"key": c.key, "column": self.names[c.key], "table_key": c.table, "row_key": c.row,
             "column_key": c.column, "label": c.label, "unit": c.unit,
             "type": "DOUBLE" if c.unit == "万元" else "BIGINT", "templates": ";".join(years)}
            for c, years in cells)
        self.codebook_by_key = {r["key"]: r for r in self.codebook}
        self.labels = {c.key: c.label for c, _ in cells}
        self.index = {k: i for i, k in enumerate(self.values)}
        self.shapes: dict[tuple, tuple] = {}      # ``row_cells`` of the row shapes seen
        # where a record's table rows go in ``values`` (``_table_values``): {table: {row: RowPlace}}
        self.places: dict[str, dict[str, _RowPlace]] = {t: {} for t in TABLE_NAMES}
        start = 0
        for (table, row), group in groupby((c for c, _ in cells), key=attrgetter("table", "row")):
            cols = tuple(c.column for c in group)
            p = self.places[table].get(row, _NO_PLACE)
            if cols == (None,):
                p = p._replace(single=start)
            else:
                get = itemgetter(*cols) if len(cols) > 1 else (lambda v, k=cols[0]: (v[k],))
                p = p._replace(columns=p.columns | set(cols), runs=(*p.runs, (cols, get, start, start + len(cols))))
            self.places[table][row] = p
            start += len(cols)

    def row_cells(self, shape: tuple) -> tuple[tuple[str, ...] | None, tuple[int | None, ...], bool]:
        """A table row's shape ``(table, row, *columns)`` → its cells' dotted keys, their codebook
        positions (``None`` where unknown) and whether every one is known; ``(None, (), False)`` for
        a key with a dot or that is not a string (flattening could make one key of two). Kept in
        ``shapes`` (``memo.remember``): the rows' shapes are the templates' (a few dozen), not the reports'."""
        table, row, *cols = shape
        if not all(isinstance(k, str) and "." not in k for k in (row, *cols)):
            cells: tuple = (None, (), False)
        else:
            keys = tuple(f"{table}.{row}.{k}" for k in cols)
            places = tuple(map(self.index.get, keys))
            cells = (keys, places, None not in places)
        return remember(self.shapes, shape, cells, 4096)


class _RowPlace(NamedTuple):
    """Where a table row's values go in ``value_columns()``: ``runs`` of its columns, each (columns, an
    ``itemgetter`` of them, start, stop), two where the templates split its columns; ``single``, the
    index of a row that is one value (section 二's counts), else None. ``columns``: every column of
    ``runs``."""

    columns: frozenset = frozenset()
    single: int | None = None
    runs: tuple[tuple[tuple[str, ...], Callable, int, int], ...] = ()


_NO_PLACE = _RowPlace()


_COLUMNS: _Columns | None = None


def _columns() -> _Columns:
    """The columns of the templates registered now (``extract.tables.template.TEMPLATES``)."""
    global _COLUMNS
    specs = tuple(TEMPLATES.values())
    if _COLUMNS is None or specs != _COLUMNS.specs:      # the same specs: compared by identity, in C
        _COLUMNS = _Columns(specs)
    return _COLUMNS


# -- rows (pure) ----------------------------------------------------------------

def _as_dict(record: Record | Mapping) -> Mapping:
    return record.to_dict(include_text=False) if isinstance(record, Record) else record


def report_row(record: Record | Mapping) -> dict[str, Any]:
    """One ``reports.csv`` row: the record's meta, status, finding counts and every value."""
    return _report_row(_as_dict(record))[0]


def _report_row(d: Mapping) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ``reports.csv`` row, the record's values flattened to dotted keys)."""
    row, flat = _meta_row(d), _flat_values(d)
    row.update(zip(_columns().values, map(flat.get, _columns().values)))
    return row, flat


def _flat_values(d: Mapping) -> dict[str, Any]:
    """The record's table values flattened to dotted keys."""
    flat: dict[str, Any] = {}
    for table in TABLE_NAMES:
        if d.get(table) is not None:
            flatten(d[table], table, flat)
    return flat


def _meta_row(d: Mapping) -> dict[str, Any]:
    """The ``reports.csv`` row's ``REPORT_META_COLUMNS``."""
    return dict(zip(REPORT_META_COLUMNS, _meta_fields(d)))


def _meta_fields(d: Mapping) -> list:
    """The values of ``REPORT_META_COLUMNS``, in their order."""
    meta = d.get("meta") or {}
    narr = d.get("narrative") or {}
    severities = [f.get("severity") for f in d.get("findings") or ()]
    # blank unless a model was asked (llm, or rules_fallback after failed calls); 0 calls: from the answer cache
    method = d.get("narrative_method")
    usage = (d.get("llm_usage") or {}) if method in ("llm", "rules_fallback") else {}
    return [
        d.get("id"), (d.get("source") or {}).get("path"), d.get("status"),
        d["checks"] if "checks" in d else checks_of(d.get("status"), severities),
        d.get("error_code"), d.get("error"),
        meta.get("agency"), meta.get("year"), meta.get("template"), meta.get("published_on"),
        severities.count("error"), severities.count("warning"), severities.count("info"),
        method, len(narr.get("problems") or []), len(narr.get("improvements") or []),
        len(narr.get("channels") or []), d.get("narrative_ungrounded"),
        usage.get("calls"), usage.get("prompt_tokens"), usage.get("cached_prompt_tokens"),
        usage.get("completion_tokens"), usage.get("cost_usd"),
    ]


def _table_values(d: Mapping) -> tuple[list, bool]:
    """The record's value of every value column (``value_columns()`` order; ``None`` where it has none),
    as a lookup of each column's key in ``_flat_values(d)`` gives it, read row by row from the nested
    tables (making the ~200 dotted keys was a third of encoding a record); and whether that is every
    value the tables hold (no table, row or column the templates do not know). A cell that holds a
    dict (deeper than schema.md's two levels) is that dict here: ``encode_record`` blanks it, as the
    lookup would."""
    c = _columns()
    out: list = [None] * len(c.values)
    every = True
    for table in TABLE_NAMES:
        t = d.get(table)
        if t is None:
            continue
        if not isinstance(t, dict):
            every = False
            continue
        places = c.places[table]
        for row, v in t.items():
            cols, single, runs = places.get(row, _NO_PLACE)
            if isinstance(v, dict):
                # every column of the row, as a rule: then each is found (a plain dict: no __missing__)
                if len(v) == len(cols) and v.__class__ is dict:
                    try:
                        for _, get, start, stop in runs:
                            out[start:stop] = get(v)
                        continue
                    except KeyError:         # a column the templates do not know, in place of one
                        pass
                every = every and v.keys() <= cols
                for keys, _, start, stop in runs:
                    out[start:stop] = map(v.get, keys)
            elif single is not None:
                out[single] = v
            else:
                every = False
    return out, every


def finding_rows(record: Record | Mapping) -> list[dict[str, Any]]:
    return [dict(zip(FINDING_COLUMNS, fields)) for fields in _finding_fields(_as_dict(record))]


def _finding_fields(d: Mapping) -> list[list]:
    """The ``findings.csv`` rows of a record dict, each as its ``FINDING_COLUMNS`` values."""
    rid, path = d.get("id"), (d.get("source") or {}).get("path")
    return [[rid, path, *fields] for fields in _finding_own_fields(d)]


def _finding_own_fields(d: Mapping) -> list[tuple]:
    """Each ``findings.csv`` row's values after the record's id and path (the same in every row)."""
    return [(f.get("check"), f.get("table"), f.get("severity"), ";".join(f.get("cells") or ()),
             f.get("expected"), f.get("actual"), f.get("message")) for f in d.get("findings") or ()]


def _findings_csv(d: Mapping) -> tuple[bytes, int]:
    """``findings.csv``'s rows of a record dict as ``_csv_bytes(_finding_fields(d))`` writes them, and
    their number: the id and path, the same in every row, are made into bytes once, and a row's check,
    table, severity and cells are looked up in ``_FINDING_KEYS``. Each piece is encoded on its own
    (the same bytes: UTF-8 and its error handler take each character alone), so that the ASCII ones
    are copied: encoding the rows whole took the slow way for every character once a message held a
    Chinese one, a third of encoding them."""
    rows = _finding_own_fields(d)
    if not rows:
        return b"", 0
    head = f"{_csv_field(d.get('id'))},{_csv_field((d.get('source') or {}).get('path'))},".encode(
        "utf-8", "backslashreplace")
    known = _FINDING_KEYS.get
    out = []
    for check, table, severity, cells, expected, actual, message in rows:
        key = (check, table, severity, cells)
        try:
            text = known(key)
        except TypeError:              # a dict from elsewhere, with a list for a check: not remembered
            text = _finding_key_bytes(key)
        if text is None:
            text = remember(_FINDING_KEYS, key, _finding_key_bytes(key), _FINDING_KEYS_SIZE)
        out += (head, text, f"{_csv_field(expected)},{_csv_field(actual)},{_csv_field(message)}\r\n".encode(
            "utf-8", "backslashreplace"))
    return b"".join(out), len(rows)


_FINDING_KEYS: dict[tuple, bytes] = {}
"""The CSV bytes of a finding's check, table, severity and cells (joined), and the comma after them,
remembered: the checks, and the cells each names, recur from report to report (realdev's 25 reports
have 596 findings with 61 of them, 90 % found in an earlier finding), and making the four fields'
text was a third of encoding such a report. Emptied when it holds ``_FINDING_KEYS_SIZE``."""
_FINDING_KEYS_SIZE = 4096


def _finding_key_bytes(key: tuple) -> bytes:
    """The CSV bytes of a finding's check, table, severity and cells, and the comma after them."""
    return ",".join(map(_csv_field, key)).encode("utf-8", "backslashreplace") + b","


def error_row(record: Record | Mapping) -> dict[str, Any] | None:
    """The ``errors.csv`` row of a failed record, else ``None``."""
    d = _as_dict(record)
    if d.get("status") != "failed":
        return None
    return {"path": (d.get("source") or {}).get("path"), "id": d.get("id"),
            "error_code": d.get("error_code"), "error": d.get("error")}


def skipped_row(path: str | os.PathLike, reason: str) -> dict[str, Any]:
    """The ``errors.csv`` row of a file a folder held that was not read (it has no record)."""
    return {"path": os.fspath(path), "id": None, "error_code": SKIPPED_CODE, "error": f"skipped: {reason}"}


# -- long tables for DuckDB / Parquet (pure) ----------------------------------------

REPORT_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"), ("path", "VARCHAR"), ("sha256", "VARCHAR"), ("format", "VARCHAR"), ("bytes", "BIGINT"),
    ("status", "VARCHAR"), ("checks", "VARCHAR"), ("error_code", "VARCHAR"), ("error", "VARCHAR"),
    ("agency", "VARCHAR"), ("year", "BIGINT"), ("template", "VARCHAR"), ("published_on", "DATE"),
    ("findings_error", "BIGINT"), ("findings_warning", "BIGINT"), ("findings_info", "BIGINT"),
    ("narrative_method", "VARCHAR"), ("problems", "BIGINT"), ("improvements", "BIGINT"), ("channels", "BIGINT"),
    ("narrative_ungrounded", "BIGINT"), ("llm_calls", "BIGINT"), ("llm_prompt_tokens", "BIGINT"),
    ("llm_cached_prompt_tokens", "BIGINT"), ("llm_completion_tokens", "BIGINT"), ("llm_cost_usd", "DOUBLE"),
    ("seconds", "DOUBLE"),
)
CELL_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("report_id", "VARCHAR"), ("table_key", "VARCHAR"), ("row_key", "VARCHAR"), ("column_key", "VARCHAR"),
    ("key", "VARCHAR"), ("value", "DOUBLE"), ("span_start", "BIGINT"), ("span_end", "BIGINT"), ("label", "VARCHAR"),
)
FINDING_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("report_id", "VARCHAR"), ("seq", "BIGINT"), ("check", "VARCHAR"), ("table_key", "VARCHAR"),
    ("severity", "VARCHAR"), ("cells", "VARCHAR"), ("expected", "DOUBLE"), ("actual", "DOUBLE"), ("message", "VARCHAR"),
)
ITEM_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("report_id", "VARCHAR"), ("kind", "VARCHAR"), ("seq", "BIGINT"), ("text", "VARCHAR"),
    ("span_start", "BIGINT"), ("span_end", "BIGINT"), ("alignment", "VARCHAR"), ("score", "DOUBLE"),
)
CHANNEL_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("report_id", "VARCHAR"), ("seq", "BIGINT"), ("type", "VARCHAR"), ("name", "VARCHAR"),
    ("span_start", "BIGINT"), ("span_end", "BIGINT"),
)
LONG_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "reports": REPORT_TABLE_COLUMNS, "cells": CELL_TABLE_COLUMNS, "findings": FINDING_TABLE_COLUMNS,
    "narrative_items": ITEM_TABLE_COLUMNS, "channels": CHANNEL_TABLE_COLUMNS,
}
CELL_COLUMNS = tuple(c for c, _ in CELL_TABLE_COLUMNS)


def _span(s) -> tuple[Any, Any]:
    return (s[0], s[1]) if s else (None, None)


def cell_rows(record: Record | Mapping) -> list[tuple]:
    """The ``cells`` rows of a record: one per value it has (blanks too), in schema order."""
    labels = _columns().labels
    d = _as_dict(record)
    rid = d.get("id")
    spans = d.get("spans") or {}
    out: list[tuple] = []
    for table in TABLE_NAMES:
        values = d.get(table)
        if not values:
            continue
        for row, v in values.items():
            if isinstance(v, dict):   # two levels at most (schema.md)
                for col, x in v.items():
                    key = f"{table}.{row}.{col}"
                    s = spans.get(key)
                    out.append((rid, table, row, col, key, x, s[0] if s else None, s[1] if s else None,
                                labels.get(key)))
            else:
                key = f"{table}.{row}"
                s = spans.get(key)
                out.append((rid, table, row, None, key, v, s[0] if s else None, s[1] if s else None,
                            labels.get(key)))
    return out


STAGED_ROWS = "rows.jsonl"


def staged_line(record: Mapping, report: Mapping, flat: Callable[[], Mapping[str, Any]], *,
                plain_floats: bool = False) -> bytes:
    """One JSON line (UTF-8) holding a record's rows of every long table, for ``extract.store`` to load.

    ``report`` is the record's ``reports.csv`` row, and ``flat()`` its flattened values (asked for
    only where a table is not rows of values); ``plain_floats`` as in ``json_bytes`` (the line's
    floats are the record's). Cells go as parallel lists (codebook index, value, span): one
    ``json.dumps`` per record instead of a CSV row per cell keeps the data outputs nearly free
    while a batch runs.
    """
    d = record
    src = d.get("source") or {}
    rep = {c: (src.get(c) if c in ("sha256", "format", "bytes") else d.get("seconds") if c == "seconds"
               else report.get(c)) for c, _ in REPORT_TABLE_COLUMNS}
    spans = d.get("spans") or {}
    cells = _staged_cells(d, spans)
    if cells is None:
        index = _columns().index
        values = flat()
        keys = [k for k in values if k in index]     # the values the record has, blanks included
        cells = {"i": [index[k] for k in keys], "v": [values[k] for k in keys], "sp": [spans.get(k) for k in keys]}
    findings = [{"seq": i, "check": f.get("check"), "table_key": f.get("table"), "severity": f.get("severity"),
                 "cells": ";".join(f.get("cells") or ()), "expected": f.get("expected"), "actual": f.get("actual"),
                 "message": f.get("message")} for i, f in enumerate(d.get("findings") or [])]
    narr = d.get("narrative") or {}
    items = []
    for kind, key in (("problem", "problems"), ("improvement", "improvements")):
        for i, it in enumerate(narr.get(key) or []):
            it = it if isinstance(it, dict) else {"text": it}
            sp = it.get("span")
            items.append({"kind": kind, "seq": i, "text": it.get("text"), "span_start": sp[0] if sp else None,
                          "span_end": sp[1] if sp else None, "alignment": it.get("alignment"),
                          "score": it.get("score")})
    channels = []
    for i, c in enumerate(narr.get("channels") or []):
        sp = c.get("span")
        channels.append({"seq": i, "type": c.get("type"), "name": c.get("name"),
                         "span_start": sp[0] if sp else None, "span_end": sp[1] if sp else None})
    return json_bytes({"report": rep, "cells": cells, "findings": findings,
                       "narrative_items": items, "channels": channels}, exact=False, plain_floats=plain_floats)


def _staged_cells(d: Mapping, spans: Mapping) -> dict[str, list] | None:
    """The cells of ``staged_line``: each value the record's tables hold that the codebook knows, in
    the order of ``_flat_values(d)`` (blanks included), as parallel lists of codebook position,
    value and span; read row by row from the nested tables with each row's dotted keys and
    positions looked up once per row shape (``_Columns.row_cells``), where flattening made a dotted
    key per cell. ``None`` where a table is not rows of plain values (a dict deeper than schema.md's
    two levels, a key with a dot): the caller then looks each flattened key up."""
    c = _columns()
    row_cells = c.shapes
    span = spans.get
    pos: list = []
    vals: list = []
    sps: list = []
    for table in TABLE_NAMES:
        t = d.get(table)
        if t is None:
            continue
        if t.__class__ is not dict:
            return None
        for row, v in t.items():
            if v.__class__ is dict:
                shape = (table, row, *v)
                cells = row_cells.get(shape)
                if cells is None:
                    cells = c.row_cells(shape)
                keys, places, every = cells
                if keys is None or not _LEAF_TYPES.issuperset(map(type, v.values())):
                    return None
                if every:
                    pos += places
                    vals += v.values()
                    sps += map(span, keys)
                else:
                    for k, p, x in zip(keys, places, v.values()):
                        if p is not None:
                            pos.append(p)
                            vals.append(x)
                            sps.append(span(k))
            elif isinstance(v, dict) or not isinstance(row, str) or "." in row:
                return None
            else:
                k = f"{table}.{row}"
                p = c.index.get(k)
                if p is not None:
                    pos.append(p)
                    vals.append(v)
                    sps.append(span(k))
    return {"i": pos, "v": vals, "sp": sps}


# the values a row of leaves holds (a dict among them is deeper than schema.md's two levels)
_LEAF_TYPES = frozenset({int, float, str, bool, type(None), list})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def spreadsheet_safe(row: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row as spreadsheet software should show it: text that begins with ``= + - @``, a tab or a
    CR gets a leading ``'`` so Excel/LibreOffice show it instead of running it as a formula (report
    text and file names are untrusted). Numbers are left alone; JSONL and DuckDB keep the true text.
    """
    return {k: _safe(v) for k, v in row.items()}


def _safe(v: Any) -> Any:
    """``spreadsheet_safe`` of one value."""
    return "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v


def json_text(d: Any, *, exact: bool = True) -> str:
    """``json.dumps`` that never fails on a lone surrogate (a file name that is not UTF-8, as Python
    decodes it). ``exact``: such a character is written as its ``\\udcXX`` JSON escape, which
    ``json.loads`` reads back to the same string, so ``os.fsencode`` gives the file name's bytes
    again (records.jsonl). Otherwise as the six characters ``\\udcXX``, as in the CSVs: DuckDB and
    Parquet hold only valid UTF-8."""
    s = _JSON.encode(d)
    try:
        s.encode("utf-8")     # fails only on a surrogate; ~5x cheaper than searching for one
        return s
    except UnicodeEncodeError:
        esc = "\\u" if exact else "\\\\u"
        return _LONE_SURROGATE.sub(lambda m: f"{esc}{ord(m.group()):04x}", s)


def json_bytes(d: Any, *, exact: bool = True, plain_floats: bool = False) -> bytes:
    """``json_text(d, exact=exact)`` and a newline, as UTF-8: a line of records.jsonl.

    ``plain_floats``: the caller knows every float in ``d`` is one orjson writes as ``json`` does
    (``_plain_float``), so orjson (~10x faster) writes the line; it refuses what it would write
    otherwise (a lone surrogate, an int beyond 64 bits, a key that is not a string), and then
    ``json`` does, as always. Either way the bytes are the same.
    """
    if plain_floats:
        try:
            return orjson.dumps(d) + b"\n"
        except TypeError:
            pass
    return (json_text(d, exact=exact) + "\n").encode("utf-8")


def _plain_float(x: Any) -> bool:
    """Not a float, or a float orjson writes as ``json`` does: 0, or finite with 1e-4 <= |x| < 1e16
    (``json`` writes 1e-05, 1e+16 and NaN where orjson writes 0.00001, 1e16 and null)."""
    return not isinstance(x, float) or x == 0.0 or 1e-4 <= abs(x) < 1e16


def _leaves_plain(values: Collection) -> bool:
    """Whether every float among ``values``, and inside the dicts and lists among them at any depth
    (a table's rows and their cells), is ``_plain_float``."""
    if not all(map(_plain_float, filter(float.__instancecheck__, values))):
        return False
    inner = [x.values() if isinstance(x, dict) else x for x in values if isinstance(x, (dict, list, tuple))]
    return not inner or _leaves_plain(list(chain.from_iterable(inner)))


def _plain_floats(d: Mapping, table_floats: Iterable[float] | None = None) -> bool:
    """Whether every float of the record ``d`` is ``_plain_float``. ``table_floats``: the floats of its
    tables, when known (``_table_values``); else the tables are looked through.

    A record's floats are its table values, the findings' expected and actual sums, the narrative
    items' scores, its top-level numbers (``seconds``), the LLM cost and the OCR confidence; a
    record read by OCR is not looked into (it goes to ``json``: OCR costs far more than that).
    """
    # the table values are hundreds, their floats a few (money)
    if table_floats is not None:
        if not all(map(_plain_float, table_floats)):
            return False
    elif not _leaves_plain([d[t] for t in TABLE_NAMES if d.get(t) is not None]):
        return False
    if not all(map(_plain_float, filter(float.__instancecheck__, d.values()))):
        return False
    if (d.get("source") or {}).get("ocr") is not None:
        return False
    # a finding's sums are mostly None: a call per float only
    sums = [x for f in d.get("findings") or () for x in (f.get("expected"), f.get("actual"))]
    if not all(map(_plain_float, filter(float.__instancecheck__, sums))):
        return False
    narr = d.get("narrative") or {}
    for key in ("problems", "improvements"):
        for it in narr.get(key) or ():
            if isinstance(it, dict) and not _plain_float(it.get("score")):
                return False
    return _plain_float((d.get("llm_usage") or {}).get("cost_usd"))


# compact, non-ASCII as is; records are trees, so the check for circular references is not needed
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


# -- a record as the bytes each file gets (pure) -----------------------------------------

class EncodedRecord(NamedTuple):
    """A record as the bytes each output file gets, and the few fields a batch's summary reads.

    Made where the record was parsed (``encode_record``, in a batch worker), so the process that
    writes the files only appends bytes: encoding JSON and CSV there would make it the bottleneck
    of a parallel batch. ``brief`` is ``brief_of`` the record.
    """

    jsonl: bytes                  # records.jsonl's line
    reports: bytes                # reports.csv's row
    findings: bytes               # findings.csv's rows (none: empty)
    errors: bytes                 # errors.csv's row (a failed record only, else empty)
    staged: bytes | None          # the long tables' line for DuckDB/Parquet (``staged_line``), when asked for
    n_findings: int
    brief: dict


def brief_of(d: Mapping) -> dict:
    """What a batch's summary and the CLI need of a record (a record dict): id, path, status, checks,
    error, error_code, the number of findings by severity and the LLM usage."""
    severities: dict[str, int] = {}
    for f in d.get("findings") or ():
        sev = f.get("severity")
        severities[sev] = severities.get(sev, 0) + 1
    return {"id": d.get("id"), "path": (d.get("source") or {}).get("path"), "status": d.get("status"),
            "checks": d.get("checks"), "error": d.get("error"), "error_code": d.get("error_code"),
            "severities": severities, "llm_usage": d.get("llm_usage")}


def encode_record(record: Record | Mapping, *, include_text: bool = False, data: bool = False) -> EncodedRecord:
    """``record`` as ``OutputWriter`` writes it (``include_text``: the text in its JSON line; ``data``:
    with the staged long tables). Pure; picklable with ``functools.partial``, to run in a worker."""
    d = record.to_dict(include_text=include_text, json_only=True) if isinstance(record, Record) else record
    meta = _meta_fields(d)
    values, every = _table_values(d)
    types = set(map(type, values))
    if types <= _NUMBERS:       # table values are numbers, as a rule
        floats = list(filter(float.__instancecheck__, values)) if float in types else []
        plain = _plain_floats(d, floats if every else None)
        numbers = not any(map(float.is_integer, floats))     # their texts can be looked up
    else:
        plain = _plain_floats(d)
        values = [None if isinstance(x, dict) else x for x in values]
        numbers = False
    if numbers and values:
        # the meta fields and the numbers encoded apart (the same bytes): the numbers' text is ASCII,
        # copied as it is, where a Chinese name sent the whole line UTF-8's slow way
        reports = b",".join((",".join(map(_csv_field, meta)).encode("utf-8", "backslashreplace"),
                             (",".join(map(_NUMBER_TEXT.__getitem__, values)) + "\r\n").encode("utf-8")))
    elif numbers:      # no value columns (no template registered)
        reports = _csv_line(meta).encode("utf-8", "backslashreplace")
    else:
        reports = _csv_bytes([meta + values])
    findings, n_findings = _findings_csv(d)
    e = error_row(d)
    return EncodedRecord(
        jsonl=json_bytes(d, plain_floats=plain), reports=reports, findings=findings,
        errors=_csv_bytes([list(map(e.__getitem__, ERROR_COLUMNS))]) if e is not None else b"",
        staged=staged_line(d, dict(zip(REPORT_META_COLUMNS, meta)), partial(_flat_values, d), plain_floats=plain)
        if data else None,
        n_findings=n_findings, brief=brief_of(d))


_NUMBERS = frozenset({int, float, type(None)})


class _NumberText(dict):
    """The CSV text of a number or None: looked up for the ints 0-999 (99.9 % of the counts in eval/'s
    reports), made by ``str`` for the others (``str`` of an int was a fifth of encoding a record).
    Not for bools or whole floats: True, 1.0 and -0.0 equal keys, but ``str`` spells them otherwise."""

    def __missing__(self, n: float) -> str:
        return str(n)


_NUMBER_TEXT = _NumberText({None: "", **{i: str(i) for i in range(1000)}})


def _csv_bytes(rows: list[list]) -> bytes:
    """CSV rows as the files hold them: each text spreadsheet-safe (``spreadsheet_safe``), in ``csv``'s
    default dialect, UTF-8, a character UTF-8 cannot hold (a lone surrogate of a file name that is not
    UTF-8) as its ``\\udcXX`` escape."""
    return "".join(map(_csv_line, rows)).encode("utf-8", "backslashreplace")


def _csv_line(fields: list, numbers: Iterable[float | None] = ()) -> str:
    """One row, each text spreadsheet-safe (``_safe``), as ``csv.writer`` writes it in its default
    dialect: each field as ``_csv_field`` gives it, joined by commas, ended by CRLF; a row of one blank
    field is ``""``. (The writer looks at every character of every field through a call: ~60 % of
    encoding a record. A test holds this to it.) ``numbers``: more fields, each an int (not a bool), a
    float that is not whole or None (``_NumberText``), whose texts never need quotes."""
    texts = list(map(_csv_field, fields))
    texts += map(_NUMBER_TEXT.__getitem__, numbers)
    if texts == [""]:
        return '""\r\n'
    return ",".join(texts) + "\r\n"


def _csv_field(v: Any) -> str:
    """One field of a row of several as ``csv.writer`` writes it, spreadsheet-safe: ``str`` of it (None
    blank), in quotes (its quotes doubled) if it has a comma, a quote or a line break."""
    if v is None:
        return ""
    text = str(_safe(v))
    if "," in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


# -- writers (I/O) ----------------------------------------------------------------

def partial_name(name: str) -> str:
    return f".{name}.partial"


class OutputWriter:
    """Stream records into the output files of ``outdir``; atomic on ``commit``.

    >>> with OutputWriter(out) as w:          # doctest: +SKIP
    ...     for rec in records:
    ...         w.write(rec)
    ...     w.commit()

    Every record is flushed to the temporary files as it is written (the checkpoint).
    Leaving the ``with`` block by an exception other than ``KeyboardInterrupt`` without
    ``commit()`` removes them; a ``KeyboardInterrupt`` (or a killed process) leaves them for
    ``resume``. Earlier complete outputs are never touched before ``commit()``.

    ``data=True`` stages the long tables and builds ``xxgk.duckdb`` (``duckdb=True``) and/or
    ``parquet/`` (``parquet=True``) from them on ``commit()`` (``extract.store``).
    """

    def __init__(self, outdir: str | os.PathLike, *, include_text: bool = False, duckdb: bool = False,
                 parquet: bool = False):
        self.outdir = Path(outdir)
        self.include_text = include_text
        self.duckdb = duckdb
        self.parquet = parquet
        self.counts = {RECORDS: 0, FINDINGS: 0, ERRORS: 0}
        self.resumed = 0                 # records carried over from an earlier run
        self.resumed_records: list[dict] = []
        self._files: dict[str, IO[bytes]] = {}     # binary: records arrive encoded (``encode_record``)
        self._database: Database | None = None      # the data outputs, made ready as the batch runs
        self._committed = False

    @property
    def data(self) -> bool:
        return self.duckdb or self.parquet

    def __enter__(self) -> "OutputWriter":
        if not self._files:
            self.open()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._committed:
            return
        if (exc_type is not None and issubclass(exc_type, KeyboardInterrupt)) or self.resumed:
            self._close()               # keep the checkpoint (it may hold an earlier run's reports) for --resume
        else:
            self.abort()

    def _tmp(self, name: str) -> Path:
        return self.outdir / partial_name(name)

    @property
    def _stage(self) -> Path:
        return self.outdir / DATA_STAGE

    def open(self, *, append: bool = False) -> None:
        """Open the temporary files (``append``: carry on after the rows already in them)."""
        self.outdir.mkdir(parents=True, exist_ok=True)
        mode = "ab" if append else "wb"
        self._files[RECORDS] = self._tmp(RECORDS).open(mode)
        for name, cols in ((REPORTS, report_columns()), (FINDINGS, FINDING_COLUMNS), (ERRORS, ERROR_COLUMNS)):
            fresh = not append or not self._tmp(name).exists() or self._tmp(name).stat().st_size == 0
            f = self._tmp(name).open("wb" if fresh else "ab")
            if fresh:      # the BOM, then the header
                f.write(b"\xef\xbb\xbf" + _csv_bytes([list(cols)]))
            self._files[name] = f
        if self.data:
            from .store import Database

            self._database = Database(self.outdir, duckdb=self.duckdb, parquet=self.parquet)
            self._stage.mkdir(exist_ok=True)
            self._files[STAGED_ROWS] = (self._stage / STAGED_ROWS).open(mode)

    @classmethod
    def resume(cls, outdir: str | os.PathLike, *, keep: Callable[[dict], bool] | None = None,
               **options) -> "OutputWriter":
        """A writer that carries on from the records an earlier run left in ``outdir``.

        The earlier records are those of the interrupted run's checkpoint if there is one, else
        those of the last complete run. A torn last line (a killed run) is dropped; records for
        which ``keep(record)`` is false are dropped (the caller re-runs them). Every temporary
        file is rebuilt from the kept records, so the CSVs agree with ``records.jsonl`` whatever
        moment the earlier run stopped at. ``resumed_records`` lists the kept records' id, path,
        sha256 and status.
        """
        w = cls(outdir, **options)
        source = w._tmp(RECORDS) if w._tmp(RECORDS).exists() else w.outdir / RECORDS
        rebuild = w.outdir / partial_name(RECORDS + ".rebuild")
        w.outdir.mkdir(parents=True, exist_ok=True)
        w.resumed_records = []
        with rebuild.open("w", encoding="utf-8", newline="\n") as out:
            if source.exists():
                with source.open(encoding="utf-8") as f:
                    for line in f:
                        if not line.endswith("\n"):
                            break               # torn: the run was killed while writing it
                        try:
                            d = json.loads(line)
                        except json.JSONDecodeError:
                            break
                        if keep is None or keep(d):
                            out.write(line)
                            src = d.get("source") or {}
                            w.resumed_records.append({"id": d.get("id"), "path": src.get("path"),
                                                      "sha256": src.get("sha256"), "status": d.get("status")})
        if w._stage.exists():
            shutil.rmtree(w._stage)
        w.open()
        w._files[RECORDS].close()
        os.replace(rebuild, w._tmp(RECORDS))
        w._files[RECORDS] = w._tmp(RECORDS).open("ab")
        for d in read_records(w._tmp(RECORDS)):
            w._write_rows(w.encode(d))
        w.resumed = len(w.resumed_records)
        w.flush()
        return w

    def encoder(self) -> Callable[[Record | Mapping], EncodedRecord]:
        """``encode_record`` with this writer's options, picklable: a batch worker runs it on each record
        it parses (``extract.batch.iter_batch_map``), so this process only appends the bytes."""
        return partial(encode_record, include_text=self.include_text, data=self.data)

    def encode(self, record: Record | Mapping) -> EncodedRecord:
        return self.encoder()(record)

    def write(self, record: Record | Mapping | EncodedRecord) -> None:
        """Append a record (a ``Record``, its dict, or ``encoder()``'s encoding of either) to every file."""
        e = record if isinstance(record, EncodedRecord) else self.encode(record)
        f = self._files[RECORDS]
        f.write(e.jsonl)
        f.flush()        # the checkpoint; every other temporary file is rebuilt from it on resume
        self._write_rows(e)

    def _write_rows(self, e: EncodedRecord) -> None:
        if self.data and e.staged is None:
            raise ValueError("this writer stages the long tables: encode records with its encoder()")
        self.counts[RECORDS] += 1
        self._files[REPORTS].write(e.reports)
        if e.findings:
            self._files[FINDINGS].write(e.findings)
            self.counts[FINDINGS] += e.n_findings
        if e.errors:
            self._files[ERRORS].write(e.errors)
            self.counts[ERRORS] += 1
        if self.data:
            self._files[STAGED_ROWS].write(e.staged)

    def write_skipped(self, path: str | os.PathLike, reason: str) -> None:
        """An ``errors.csv`` row for a file that was not read (see ``skipped_row``)."""
        row = skipped_row(path, reason)
        self._files[ERRORS].write(_csv_bytes([[row[c] for c in ERROR_COLUMNS]]))
        self.counts[ERRORS] += 1

    def write_all(self, records: Iterable[Record | Mapping]) -> None:
        for r in records:
            self.write(r)

    def flush(self) -> None:
        """Hand what is written to the OS: a killed process loses nothing written before."""
        for f in self._files.values():
            f.flush()

    def _close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()
        database, self._database = self._database, None
        if database is not None:
            database.close()

    def commit(self) -> dict[str, Path]:
        """Flush, fsync, build the data outputs and move every temporary file to its final name."""
        for f in self._files.values():
            f.flush()
            os.fsync(f.fileno())
        database, self._database = self._database, None
        try:
            self._close()
            final: dict[str, Path] = {}
            staged: list[tuple[Path, Path]] = []
            cb = self._tmp(CODEBOOK)
            with cb.open("w", encoding=CSV_ENCODING, newline="") as f:
                w = csv.DictWriter(f, fieldnames=CODEBOOK_COLUMNS)
                w.writeheader()
                w.writerows(spreadsheet_safe(r) for r in codebook())
            staged.append((cb, self.outdir / CODEBOOK))
            if database is not None:
                staged += database.build(self._stage / STAGED_ROWS)
        except BaseException:
            if database is not None:
                database.close()
            raise
        for name in OUTPUT_FILES:
            staged.append((self._tmp(name), self.outdir / name))
        built = {dest.name for _, dest in staged}
        for name in DERIVED_OUTPUTS:
            stale = self.outdir / name
            if name not in built and stale.exists():
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        for tmp, dest in staged:
            if dest.is_dir() and tmp.is_dir():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
            final[dest.name] = dest
        if self._stage.exists():
            shutil.rmtree(self._stage)
        self._committed = True
        return final

    def abort(self) -> None:
        """Close and remove the temporary files; earlier complete outputs stay as they were."""
        self._close()
        for name in (*OUTPUT_FILES, CODEBOOK):
            try:
                self._tmp(name).unlink()
            except FileNotFoundError:
                pass
        if self._stage.exists():
            shutil.rmtree(self._stage)


def has_checkpoint(outdir: str | os.PathLike) -> bool:
    """Whether ``outdir`` holds the temporary files of a run that did not finish."""
    return (Path(outdir) / partial_name(RECORDS)).exists()


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


def read_reports_csv(path: str | os.PathLike) -> "pd.DataFrame":
    """``reports.csv`` as a pandas DataFrame with its types: counts as nullable ``Int64``, money as float.

    ``pd.read_csv`` alone reads a count column with a blank as float and an all-blank column as
    text; this gives every column the type the codebook (and the DuckDB tables) give it.
    """
    import pandas as pd
    dtypes: dict[str, str] = {c: "Int64" for c in COUNT_COLUMNS}
    dtypes.update({c: "string" for c in ("id", "path", "status", "checks", "error_code", "error", "agency",
                                         "template", "published_on", "narrative_method")})
    dtypes["llm_cost_usd"] = "Float64"
    for c in codebook():
        dtypes[c["key"]] = "Float64" if c["type"] == "DOUBLE" else "Int64"
    enc = {} if hasattr(path, "read") else {"encoding": CSV_ENCODING}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""], **enc)


def to_frame(records: Iterable[Record | Mapping]) -> "pd.DataFrame":
    """Records as one wide DataFrame, a row per report (``reports.csv``'s columns and types)."""
    import io

    import pandas as pd  # noqa: F401  (a clear ImportError before any work)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=report_columns())
    w.writeheader()
    for r in records:
        w.writerow(report_row(r))
    buf.seek(0)
    return read_reports_csv(buf)


def read_csv_rows(path: str | os.PathLike) -> list[dict[str, str]]:
    with Path(path).open(encoding=CSV_ENCODING, newline="") as f:
        return list(csv.DictReader(f))
