"""The staged long tables → a DuckDB database (``xxgk.duckdb``) and Parquet files (``parquet/``).

``extract.export.OutputWriter`` stages each record's rows of every table as a JSON line while a
batch runs, and a ``Database`` (made ready meanwhile) loads them on commit with explicit types
(``BIGINT`` counts, ``DOUBLE`` money, ``NULL`` for a blank) and writes the database and/or one
Parquet file per table, all under temporary names that the writer moves into place with the
other outputs.

Tables: ``reports`` (a row per report), ``cell_values`` (a row per table value: report_id, codebook
position, value, span), ``findings``, ``narrative_items``, ``channels``, ``codebook``. Views:
``cells`` (``cell_values`` with the key, table_key, row_key, column_key and Chinese label spelled
out from the codebook), ``reports_wide`` (``reports`` plus one typed column per value,
named with underscores: ``applications_new_received_total``), ``indicators`` (derived per report,
``extract.indicators``) and ``carry_over`` (an agency's consecutive years side by side).

duckdb is imported here only (``pip install 'xxgk-extract[data]'``), so the core install works
without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from .errors import ConfigError
from .export import CODEBOOK_COLUMNS, LONG_TABLES, codebook
from .usercache import cached

DATABASE = "xxgk.duckdb"
PARQUET_DIR = "parquet"
PARQUET_TABLES = (*LONG_TABLES, "codebook", "reports_wide")   # cells and reports_wide are views, written in full


def require_duckdb() -> None:
    """``ConfigError`` unless the duckdb package can be imported (checked before a batch starts)."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        raise ConfigError("DuckDB and Parquet output need the duckdb package: "
                          "pip install 'xxgk-extract[data]' (or pip install duckdb)") from None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def wide_view_sql() -> str:
    """``reports_wide``: every report with one typed column per value key (codebook order)."""
    cols = ",\n  ".join(f"CAST(max(c.value) FILTER (WHERE c.key = {_lit(r['key'])}) AS {r['type']}) "
                        f"AS {_q(r['column'])}" for r in codebook())
    return (f"CREATE OR REPLACE VIEW reports_wide AS\nSELECT r.*, w.* EXCLUDE (report_id) FROM reports r\n"
            f"LEFT JOIN (SELECT c.report_id,\n  {cols}\nFROM cells c GROUP BY c.report_id) w "
            f"ON w.report_id = r.id")


def _struct(cols, *, skip=("report_id",)) -> str:
    return "STRUCT(" + ", ".join(f"{_q(c)} {'VARCHAR' if t == 'DATE' else t}" for c, t in cols if c not in skip) + ")"


def _select(cols, src: str) -> str:
    return ", ".join(f"TRY_CAST({src}.{_q(c)} AS DATE) AS {_q(c)}" if t == "DATE" else f"{src}.{_q(c)} AS {_q(c)}"
                     for c, t in cols if c != "report_id")


# the staged line's fields and their types (``export.staged_line``)
_STAGED = {"report": _struct(LONG_TABLES["reports"], skip=()),
           "cells": "STRUCT(i BIGINT[], v DOUBLE[], sp BIGINT[][])",
           **{t: _struct(LONG_TABLES[t]) + "[]" for t in ("findings", "narrative_items", "channels")}}


def _table_selects() -> dict[str, str]:
    """Each table's rows, from the temporary table ``staged`` of staged lines."""
    out = {"reports": f"SELECT {_select(LONG_TABLES['reports'], 'report')} FROM staged",
           # the values, compact (a codebook position per cell); the view ``cells`` adds the key and label columns
           "cell_values": """SELECT report_id, position, value, sp[1] AS span_start, sp[2] AS span_end
        FROM (SELECT report.id AS report_id, unnest(cells.i) AS position, unnest(cells.v) AS value,
                     unnest(cells.sp) AS sp FROM staged)"""}
    for t in ("findings", "narrative_items", "channels"):
        extra = (", CASE WHEN x.cells IS NULL THEN [] ELSE string_split(x.cells, ';') END AS cell_keys"
                 if t == "findings" else "")
        out[t] = f"""SELECT report_id, {_select(LONG_TABLES[t], 'x')}{extra}
            FROM (SELECT report.id AS report_id, unnest({t}) AS x FROM staged)"""
    return out


def _create_staged(con) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE staged (" + ", ".join(f"{_q(k)} {v}" for k, v in _STAGED.items()) + ")")


def schema() -> list[tuple[str, list | None]]:
    """The statements (with their parameters) that make the tables (empty), the codebook and the
    views: what does not depend on the rows. The tables are made from the temporary table ``staged``."""
    # the codebook's columns as list parameters: a few ms, where one INSERT of ~230 rows of literals
    # took DuckDB ~30 ms to parse
    rows = codebook()
    cols = ", ".join(f"unnest(${i + 2})::VARCHAR AS {_q(c)}" for i, c in enumerate(CODEBOOK_COLUMNS))
    out: list[tuple[str, list | None]] = [
        (f"CREATE OR REPLACE TABLE codebook AS SELECT unnest($1)::BIGINT AS position, {cols}",
         [list(range(len(rows))), *([r[c] for r in rows] for c in CODEBOOK_COLUMNS)])]
    cb = ", ".join(f"cb.{_q(c)}" for c in ("table_key", "row_key", "column_key", "key"))
    for table, select in _table_selects().items():
        out.append((f"CREATE OR REPLACE TABLE {table} AS {select}", None))
        if table == "cell_values":
            out.append((f"""CREATE OR REPLACE VIEW cells AS
        SELECT v.report_id, {cb}, v.value, v.span_start, v.span_end, cb.label
        FROM cell_values v JOIN codebook cb ON cb.position = v.position""", None))
    out.append((wide_view_sql(), None))
    from .indicators import view_statements
    out += [(sql, None) for sql in view_statements()]
    return out


def create(con, statements: list[tuple[str, list | None]] | None = None) -> None:
    """The tables (empty), the codebook and the views (``schema``) in ``con``, and ``staged``."""
    _create_staged(con)
    for sql, params in statements or schema():
        con.execute(sql, params)


def _template(statements: list[tuple[str, list | None]]) -> Path | None:
    """An empty database made by ``statements``, in the user's cache (``extract.usercache``) under a
    digest of them and of duckdb's version: a batch's database starts as a copy, which saves DuckDB
    planning some twenty statements (~0.1 s of CPU) in every run. ``None`` without a writable cache."""
    import duckdb as ddb

    digest = hashlib.sha256(json.dumps([ddb.__version__, statements], ensure_ascii=False).encode()).hexdigest()

    def build(path: Path) -> None:
        con = ddb.connect(str(path))
        try:
            con.begin()
            create(con, statements)
            con.execute("DROP TABLE staged")
            con.commit()
            con.execute("CHECKPOINT")
        finally:
            con.close()

    return cached(f"schema-{digest[:16]}.duckdb", build)


def load(con, rows: str | os.PathLike) -> None:
    """Add the staged lines (``export.staged_line``) of the file ``rows`` to the tables made by ``create``."""
    spec = ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in _STAGED.items())
    con.execute(f"INSERT INTO staged SELECT * FROM read_json({_lit(str(rows))}, "
                f"format = 'newline_delimited', columns = {{{spec}}}, maximum_object_size = 268435456)")
    for table, select in _table_selects().items():
        con.execute(f"INSERT INTO {table} {select}")
    con.execute("DROP TABLE staged")


class Database:
    """The database (and/or Parquet files) a batch writes, made ready while the batch runs.

    A thread imports duckdb and opens the database under a temporary name, as a copy of the empty
    one in the user's cache (``_template``; or makes the tables, the codebook and the views itself,
    ``create``) as soon as the writer opens, while the workers start; ``build`` then adds the
    staged rows and completes the outputs. A one-report run used to wait ~0.1 s at its end for
    what does not depend on its rows. ``close`` gives up (an aborted or interrupted batch) and
    removes what was written.
    """

    def __init__(self, outdir: str | os.PathLike, *, duckdb: bool = True, parquet: bool = False) -> None:
        self.outdir = Path(outdir)
        self.duckdb, self.parquet = duckdb, parquet
        self._tmp = self.outdir / f".{DATABASE}.partial"
        self._con = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._create, name="xxgk-duckdb", daemon=True)
        self._thread.start()

    def _create(self) -> None:
        try:
            import duckdb as ddb

            self._remove()
            statements = schema()
            template = None
            if self.duckdb:
                try:
                    template = _template(statements)
                except (OSError, ddb.Error):     # no cache then: the statements are run here
                    template = None
            if template is not None:
                shutil.copyfile(template, self._tmp)
            self._con = ddb.connect(str(self._tmp) if self.duckdb else ":memory:")
            # one transaction: each statement on its own would be a commit, and each commit syncs the
            # write-ahead log to disk
            self._con.begin()
            if template is not None:
                _create_staged(self._con)
            else:
                create(self._con, statements)
        except BaseException as e:      # raised by ``build``, in the writer's thread
            self._error = e

    def _remove(self) -> None:
        for p in (self._tmp, Path(str(self._tmp) + ".wal")):
            if p.exists():
                p.unlink()

    def build(self, rows: str | os.PathLike) -> list[tuple[Path, Path]]:
        """Add the staged lines of the file ``rows``, write the outputs under temporary names and
        close: ``[(temporary, final), ...]``."""
        self._thread.join()
        if self._error is not None:
            self.close()
            raise self._error
        con = self._con
        staged: list[tuple[Path, Path]] = []
        try:
            load(con, rows)
            con.commit()
            if self.parquet:
                pq_tmp = self.outdir / f".{PARQUET_DIR}.partial"
                if pq_tmp.exists():
                    shutil.rmtree(pq_tmp)
                pq_tmp.mkdir()
                for t in PARQUET_TABLES:
                    con.execute(f"COPY (SELECT * FROM {t}) TO {_lit(str(pq_tmp / (t + '.parquet')))} (FORMAT parquet)")
                staged.append((pq_tmp, self.outdir / PARQUET_DIR))
            con.execute("CHECKPOINT")
        except BaseException:
            self.close()
            raise
        self._con = None
        con.close()
        if self.duckdb:
            staged.insert(0, (self._tmp, self.outdir / DATABASE))
        return staged

    def close(self) -> None:
        """Stop, and remove the database under construction."""
        self._thread.join()
        con, self._con = self._con, None
        if con is not None:
            con.close()
        self._remove()


def connect(outdir_or_db: str | os.PathLike, *, read_only: bool = True):
    """Open a batch's database (give the output folder or the ``.duckdb`` file)."""
    import duckdb as ddb
    p = Path(outdir_or_db)
    if p.is_dir():
        p = p / DATABASE
    return ddb.connect(str(p), read_only=read_only)
