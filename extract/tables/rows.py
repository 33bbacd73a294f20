"""Rows of a section as label text plus value tokens, for every input format.

A table row from a grid (HTML, PDF, DOCX, a tab-separated text line) and a
line of running text (a text dump whose cells are separated by spaces) both
become a ``Row``: the label tokens, and the value tokens after the last label
token. Value tokens are numbers, null markers (``-``, ``—``, ``/``) and blank
cells. Page numbers (``- 4 -``, ``第 4 页``) and footers are dropped here, so no
table reader ever sees them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter
from typing import Literal, NamedTuple

from ..furniture import PAGE_NUMBER_CELL
from ..ingest.formats import is_grid_format
from ..textnorm import fold
from .numbers import MAX_NUMBER_DIGITS, is_null_marker, parse_number
from ..memo import remember
from ..types import Cell, Document, Paragraph, Span, Table, new_tuple

TokKind = Literal["label", "num", "null", "blank", "run"]


Tok = tuple[str, Span, TokKind, "int | float | None", "str | None"]
"""One token of a row: a label's text, a number, a null marker, a blank cell or a run of digits, as
``(text, span, kind, value, unit)``, its fields read by the indices below. ``value`` is None unless
the kind is num or run; ``unit`` is a unit printed in the cell (``12.5万元``).

A plain tuple, not a named tuple: a report has ~400, and a named tuple is built by a call of
``tuple.__new__`` (a plain one by one instruction), which was 40 % of tokenising a row."""
TEXT, SPAN, KIND, VALUE, UNIT = range(5)
# a token's value, span, kind and text, read in C over a row's tokens (``value_of(t)`` is
# ``common.token_value(t)``: only num and run tokens carry a value)
value_of = itemgetter(VALUE)
span_of = itemgetter(SPAN)
kind_of = itemgetter(KIND)
text_of = itemgetter(TEXT)


class Row(NamedTuple):
    """A row's label tokens and value tokens. A named tuple, not a frozen dataclass: a report makes
    dozens, and a frozen dataclass's ``__init__`` cost as much as tokenising the row."""

    labels: tuple[Tok, ...]
    values: tuple[Tok, ...]     # after the last label token; edge blanks removed
    span: Span
    grid: bool                  # came from a rectangular grid (column positions are reliable)
    label: str = ""             # folded label text of the row
    loose: bool = False         # values cut from one piece of running text at its spaces, not cells
    # a value token that says something (a number, a null marker, a run of digits), or a grid row's
    # cells: made with the row (has_row_values), which every reader asks of every row
    has_values: bool = False


def has_row_values(values: tuple[Tok, ...], grid: bool) -> bool:
    return not _VALUE_KINDS.isdisjoint(map(kind_of, values)) or (grid and bool(values))


_VALUE_KINDS = frozenset({"num", "null", "run"})


# a label glued to its digits: 行政规范性文件77132470
_GLUED = re.compile(r"^(.*[^\d\s.,，+\-])(\d+(?:\.\d+|(?:-\d+)*))(万元|元)?$")
# a money cell with its unit: 3456789.50元, 12.5万元
_WITH_UNIT = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)(万元|元)$")
# cells run together with a minus sign starting one of them: 88-720 (2019 本年增/减)
_SIGNED_RUN = re.compile(r"^-?\d+(?:-\d+)+$")
_SPLIT = re.compile(r"<br\s*/?>|((?:(?!<br\s*/?>)\S)+)", re.I)    # a converter's <br> separates too


def is_page_debris(text: str) -> bool:
    return bool(PAGE_NUMBER_CELL.match(text.strip()))


def _pieces(text: str) -> list[tuple[str, int, int]]:
    """The space-separated pieces of a cell's text, with their offsets in it."""
    if " " not in text and "\u3000" not in text and "\xa0" not in text and "<br" not in text:
        return [(text, 0, len(text))]   # the common case: one token per cell
    return [(m.group(1), m.start(), m.end()) for m in _SPLIT.finditer(text) if m.group(1)]


_Shape = tuple[tuple[str, int, int, TokKind, "int | float | None", "str | None", bool], ...]


def _shape(text: str) -> _Shape:
    """The tokens of a cell's text as ``(text, start, end, kind, value, unit, whole)``, offsets relative
    to the cell; ``whole`` marks a token that is the cell's whole text, which takes the cell's span (a
    cell's span is its text's: every reader makes it so, and tests/test_ingest.py holds it). A blank
    cell is one blank token. ``_cell_shape`` remembers the shapes of short texts."""
    if not text or text.isspace():
        return (("", 0, 0, "blank", None, None, True),)
    n = len(text)
    return tuple([(t, a, b, kind, v, unit, a == 0 and b == n) for t, a, b, kind, v, unit in _tokens_of(text)])


def _tokens_of(text: str) -> list[tuple[str, int, int, TokKind, "int | float | None", "str | None"]]:
    """The tokens of a cell's text that is not blank, as ``(text, start, end, kind, value, unit)``."""
    out: list = []
    for t, a, b in _pieces(text):
        v = int(t) if t.isascii() and t.isdigit() and len(t) <= MAX_NUMBER_DIGITS else parse_number(t)
        unit = None
        if v is None and (u := _WITH_UNIT.match(t)):
            v, unit = parse_number(u.group(1)), u.group(2)
        if v is not None:
            out.append((t, a, b, "num", v, unit))
        elif is_null_marker(t):
            out.append((t, a, b, "null", None, None))
        elif _SIGNED_RUN.match(t) or t.isascii() and t.isdigit():
            out.append((t, a, b, "run", None, None))   # cells run together: too long to be one number
        else:
            g = _GLUED.match(t)
            if g and len(g.group(1)) >= 2:
                cut = a + len(g.group(1))
                out.append((g.group(1), a, cut, "label", None, None))
                run, unit = g.group(2), g.group(3)
                if "." in run:
                    out.append((run + (unit or ""), cut, b, "num", float(run), unit))
                else:
                    out.append((run, cut, cut + len(run), "run" if not unit else "num",
                                int(run) if run.isdigit() and len(run) <= MAX_NUMBER_DIGITS else None, unit))
            else:
                out.append((t, a, b, "label", None, None))
    return out


_MEMO_CHARS = 48
"""Cells up to this long are memoised: template labels and small counts recur in every report, and a
bound on their length bounds the memo's memory (a paragraph of running text is a cell too)."""
_MEMO_SIZE = 8192
"""Texts a memo holds; it is emptied when full."""
_SHAPES: dict[str, _Shape] = {}
_shape_of = _SHAPES.get
"""The memo of ``_cell_shape``, read once per cell of every row: a dict read by its bound ``get``
costs a fraction of an ``lru_cache`` call (its key and recency bookkeeping were a sixth of
tokenising a row)."""


def _remember(memo: dict, text: str, value):
    """``value``, kept in ``memo`` under ``text`` when the text is short (``memo.remember``)."""
    return remember(memo, text, value, _MEMO_SIZE) if len(text) <= _MEMO_CHARS else value


def _cell_shape(text: str) -> _Shape:
    """``_shape(text)``, remembered for a short text; a text that is one token, its whole self (a
    label, a number, a null marker or ``""``), is remembered in ``_WHOLE`` too."""
    shape = _shape(text)
    if len(text) <= _MEMO_CHARS:
        if len(_SHAPES) >= _MEMO_SIZE:
            _WHOLE.clear()      # emptied with _SHAPES (below): it holds no text _SHAPES does not
        remember(_SHAPES, text, shape, _MEMO_SIZE)
        if len(shape) == 1 and shape[0][0] == text:     # the token is the text (and so whole)
            _WHOLE[text] = shape[0][3:6]
    return shape


_WHOLE: dict[str, tuple[TokKind, "int | float | None", "str | None"]] = {}
_whole_of = _WHOLE.get
"""The ``(kind, value, unit)`` of a remembered text whose one token is the text itself, as most cells
of a report's tables are: ``_make_row`` makes such a cell's token from it and the cell, without
unpacking a shape and testing for a token that is not the whole cell (a fifth of making a row)."""


def _make_row(cells: Sequence[tuple[str, Span] | Cell], grid: bool) -> Row | None:
    """The row of ``cells``: ``(text, span, ...)`` tuples, a grid row's ``Cell``s or a line's text."""
    toks: list[Tok] = []
    labels: list[Tok] = []
    last_label = -1
    for cell in cells:
        text = cell[0]
        one = _whole_of(text)
        if one is not None:     # a cell that is one token, its text (most cells)
            kind, v, unit = one
            tok = (text, cell[1], kind, v, unit)
            if kind == "label":
                last_label = len(toks)
                labels.append(tok)
            toks.append(tok)
            continue
        span = cell[1]
        # a text not seen (None) or of no token (an empty shape) is worked out by _cell_shape
        for t, ta, tb, kind, v, unit, whole in (_shape_of(text) or _cell_shape(text)):
            # a token that is its whole cell (most are) has the cell's span: no new pair to build
            tok = (t, span, kind, v, unit) if whole else (t, (span[0] + ta, span[0] + tb), kind, v, unit)
            if kind == "label":
                last_label = len(toks)
                labels.append(tok)
            toks.append(tok)
    if not labels and all(t[KIND] == "blank" for t in toks):
        return None     # nothing but blank cells (or a cell of nothing but <br>)
    first = toks[0]
    if (labels and first[KIND] == "num" and len(toks) > 1 and toks[1] is labels[0]
            and labels[0][TEXT][:1] in ".．、"):
        # an enumerator a converter cut from its label (``|3|. 其他|``) is part of the label
        labels.insert(0, (first[TEXT], first[SPAN], "label", None, None))
    vals = toks[last_label + 1:]
    if not grid:
        while vals and vals[0][KIND] == "blank":
            vals.pop(0)
        while vals and vals[-1][KIND] == "blank":
            vals.pop()
        if vals and labels and vals[0][SPAN][0] == labels[-1][SPAN][1]:
            # digits glued to the label's own text (a converter pulled a value into the label cell):
            # the blank cells right after them are still the label area, not blank values
            while len(vals) > 1 and vals[1][KIND] == "blank":
                del vals[1]
        span = (cells[0][1][0], cells[-1][1][1])
    else:
        span = cells[-1][1]   # a grid row's span has always been its last cell's; kept as it was
    label = (_folded(labels[0][TEXT]) or _fold_label(labels[0][TEXT]) if len(labels) == 1
             else fold("".join(map(text_of, labels))))
    vals = tuple(vals)
    return new_tuple(Row, (tuple(labels), vals, span, grid, label, not grid and len(cells) == 1,
                            has_row_values(vals, grid)))


_FOLDED: dict[str, str] = {}
_folded = _FOLDED.get
"""``fold`` of a row's one label token, remembered (template labels recur in every report) in a
dict for the reason ``_SHAPES`` is one."""


def _fold_label(text: str) -> str:
    """``fold(text)``, remembered for a short text."""
    return _remember(_FOLDED, text, fold(text))


def _is_rect(table: Table) -> bool:
    widths = {len(r) for r in table.rows}
    return len(widths) == 1 and len(table.rows) > 1


def _empty_columns(table: Table) -> frozenset[int]:
    """Grid columns where no cell of their own has text, header included (a header spanning them does
    not count): a phantom column (a double rule, an empty edge column), not a column of blank cells,
    which has a header of its own."""
    width = len(table.rows[0])
    return frozenset(j for j in range(width)
                     if not any(r[j].text.strip() and not r[j].merged for r in table.rows))


def _first_value_column(table: Table) -> int:
    """The leftmost grid column holding a number or a null marker: blank cells left of it are parts
    of a row's label (an unmerged label area), not blank values."""
    cols = [c.col for r in table.rows for c in r
            if c.text.strip() and (parse_number(c.text.strip()) is not None or is_null_marker(c.text.strip()))]
    return min(cols, default=0)


def rows_in(doc: Document, span: Span) -> list[Row]:
    """Every row (grid row or text line) whose start lies inside ``span``, in order."""
    out: list[Row] = []
    start, end = span
    # the text reader's cells (text and Markdown) are never merged: their rows are taken as they are
    unmerged = doc.format in ("text", "markdown")
    for block in doc.blocks:
        if block.span[1] <= start or block.span[0] >= end:
            continue
        if isinstance(block, Table):
            grid = is_grid_format(doc.format) and _is_rect(block)
            empty = _empty_columns(block) if grid else _phantom_columns(doc, block, span)
            first_value = _first_value_column(block) if grid else 0
            every = not empty and first_value == 0
            for r in block.rows:
                if every:   # a text table's rows (no column to leave out): the common case
                    cells = r if unmerged else [c for c in r if not c.merged]
                else:
                    cells = [c for c in r if not c.merged and c.col not in empty
                             and (c.col >= first_value or c.text.strip())]
                if not cells or not (start <= cells[0][1][0] < end):
                    continue
                if len(cells) == 1 and is_page_debris(cells[0][0]):
                    continue
                row = _make_row(cells, grid)
                if row is not None:
                    out.append(row)
        elif isinstance(block, Paragraph):
            if not (start <= block.span[0] < end) or is_page_debris(block.text):
                continue
            row = _make_row((block,), False)     # a Paragraph is a (text, span) pair: a cell
            if row is not None:
                _append_text_row(out, row)
    return out


def _is_value_text(text: str) -> bool:
    t = text.strip()
    return bool(t) and (parse_number(t) is not None or is_null_marker(t))


def _phantom_columns(doc: Document, table: Table, span: Span) -> frozenset[int]:
    """Columns a PDF→Markdown converter added to a pipe table: between the value columns, blank in
    every row of the table (inside ``span``) that holds values. A converter splits a header name
    it cut (``|本年度止件|数|``) into columns of their own that no value falls in."""
    if not doc.text[table.span[0]:table.span[0] + 1] == "|":
        return frozenset()
    start, end = span
    value_rows = [r for r in table.rows
                  if r and start <= r[0].span[0] < end and any(_is_value_text(c.text) for c in r)]
    if len(value_rows) < 2:
        return frozenset()
    cols = {c.col for r in value_rows for c in r if _is_value_text(c.text)}
    lo, hi = min(cols), max(cols)
    # with three value rows or more, blank in all of them is enough; with two, the column must have
    # no text at all, header included (a lone separator column)
    rows = value_rows if len(value_rows) >= 3 else table.rows
    return frozenset(j for j in range(lo + 1, hi)
                     if not any(c.col == j and c.text.strip() for r in rows for c in r))


def _append_text_row(out: list[Row], row: Row) -> None:
    """A line of values only continues the labelled text row above it: text dumps that put every
    cell on a line of its own (``规章`` / ``0`` / ``0`` / ``0``) or wrap a row's numbers."""
    if not row.labels and out and not out[-1].grid and out[-1].labels and row.has_values:
        prev = out[-1]
        values = prev.values + row.values
        out[-1] = Row(labels=prev.labels, values=values, span=(prev.span[0], row.span[1]), grid=False,
                      label=prev.label, loose=row.loose and not prev.values,    # values from several lines are cells
                      has_values=has_row_values(values, False))
    else:
        out.append(row)
