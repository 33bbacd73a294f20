"""The staged long tables → a DuckDB database (``xxgk.duckdb``) and Parquet files (``parquet/``).

``extract.export.OutputWriter`` stages one CSV per table while a batch runs; on commit
``build`` loads them into DuckDB with explicit types (``BIGINT`` counts, ``DOUBLE`` money,
``NULL`` for a blank) and writes the database and/or one Parquet file per table, all under
temporary names that the writer moves into place with the other outputs.

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

import os
import shutil
from pathlib import Path

from .errors import ConfigError
from .export import CODEBOOK_COLUMNS, LONG_TABLES, STAGED_ROWS, codebook

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


def load(con, stage: str | os.PathLike) -> None:
    """Create the tables and views in ``con`` from the staged rows (``export.staged_line``) of ``stage``."""
    path = Path(stage) / STAGED_ROWS
    columns = {"report": _struct(LONG_TABLES["reports"], skip=()),
               "cells": "STRUCT(i BIGINT[], v DOUBLE[], sp BIGINT[][])",
               **{t: _struct(LONG_TABLES[t]) + "[]" for t in ("findings", "narrative_items", "channels")}}
    spec = ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM read_json({_lit(str(path))}, "
                f"format = 'newline_delimited', columns = {{{spec}}}, maximum_object_size = 268435456)")
    # the codebook's columns as list parameters: a few ms, where one INSERT of ~230 rows of literals
    # took DuckDB ~30 ms to parse
    rows = codebook()
    cols = ", ".join(f"unnest(${i + 2})::VARCHAR AS {_q(c)}" for i, c in enumerate(CODEBOOK_COLUMNS))
    con.execute(f"CREATE OR REPLACE TABLE codebook AS SELECT unnest($1)::BIGINT AS position, {cols}",
                [list(range(len(rows))), *([r[c] for r in rows] for c in CODEBOOK_COLUMNS)])
    con.execute(f"CREATE OR REPLACE TABLE reports AS SELECT {_select(LONG_TABLES['reports'], 'report')} FROM staged")
    # the values, compact (a codebook position per cell); the view ``cells`` adds the key and label columns
    con.execute("""CREATE OR REPLACE TABLE cell_values AS
        SELECT report_id, position, value, sp[1] AS span_start, sp[2] AS span_end
        FROM (SELECT report.id AS report_id, unnest(cells.i) AS position, unnest(cells.v) AS value,
                     unnest(cells.sp) AS sp FROM staged)""")
    cb = ", ".join(f"cb.{_q(c)}" for c in ("table_key", "row_key", "column_key", "key"))
    con.execute(f"""CREATE OR REPLACE VIEW cells AS
        SELECT v.report_id, {cb}, v.value, v.span_start, v.span_end, cb.label
        FROM cell_values v JOIN codebook cb ON cb.position = v.position""")
    for t in ("findings", "narrative_items", "channels"):
        extra = (", CASE WHEN x.cells IS NULL THEN [] ELSE string_split(x.cells, ';') END AS cell_keys"
                 if t == "findings" else "")
        con.execute(f"""CREATE OR REPLACE TABLE {t} AS
            SELECT report_id, {_select(LONG_TABLES[t], 'x')}{extra}
            FROM (SELECT report.id AS report_id, unnest({t}) AS x FROM staged)""")
    con.execute("DROP TABLE staged")
    con.execute(wide_view_sql())
    from .indicators import create_views
    create_views(con)


def build(stage: str | os.PathLike, outdir: str | os.PathLike, *, duckdb: bool = True,
          parquet: bool = False) -> list[tuple[Path, Path]]:
    """Build the database and/or Parquet files under temporary names: ``[(temporary, final), ...]``."""
    import duckdb as ddb

    outdir = Path(outdir)
    staged: list[tuple[Path, Path]] = []
    db_tmp = outdir / f".{DATABASE}.partial"
    for p in (db_tmp, Path(str(db_tmp) + ".wal")):
        if p.exists():
            p.unlink()
    con = ddb.connect(str(db_tmp) if duckdb else ":memory:")
    try:
        # one transaction: each statement on its own would be a commit, and each commit syncs the
        # write-ahead log to disk (10 syncs fewer, ~0.05 s of a one-report run on this machine)
        con.begin()
        load(con, stage)
        con.commit()
        if parquet:
            pq_tmp = outdir / f".{PARQUET_DIR}.partial"
            if pq_tmp.exists():
                shutil.rmtree(pq_tmp)
            pq_tmp.mkdir()
            for t in PARQUET_TABLES:
                con.execute(f"COPY (SELECT * FROM {t}) TO {_lit(str(pq_tmp / (t + '.parquet')))} (FORMAT parquet)")
            staged.append((pq_tmp, outdir / PARQUET_DIR))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if duckdb:
        staged.insert(0, (db_tmp, outdir / DATABASE))
    elif db_tmp.exists():
        db_tmp.unlink()
    return staged


def connect(outdir_or_db: str | os.PathLike, *, read_only: bool = True):
    """Open a batch's database (give the output folder or the ``.duckdb`` file)."""
    import duckdb as ddb
    p = Path(outdir_or_db)
    if p.is_dir():
        p = p / DATABASE
    return ddb.connect(str(p), read_only=read_only)
