"""Section 三: the 25×7 申请 table, read row by row by label."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from ..record import dotted_keys
from ..textnorm import fold, strip_enumerators
from ..types import Document, Finding, Section, TableResult, new_tuple
from .common import blank_finding, irregular_finding, readings_for, spans_of, token_value, trim_edge_blanks
from .identities import application_identities
from .rows import KIND, TEXT, VALUE, Row, Tok, kind_of, rows_in, span_of, value_of
from .solve import Irregular, solve
from .template import APPLICATIONS, ApplicationsSpec, TemplateSpec

TABLE = "applications"
_FUZZY = 0.8
# the template's numbering (三（三）1.) is not part of a label's core text
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]?)?(?:[(（][一二三四五六七八九十]+[)）])?(?:\d{1,2}[.、．])?")
# variant spellings and common misreadings of label words
_VARIANTS = (("其它", "其他"), ("禁上", "禁止"), ("事物", "事务"))


def core_label(folded: str) -> str:
    """A folded label without its numbering, variant spellings made standard."""
    core = _NUMBERING.sub("", strip_enumerators(folded))
    for wrong, right in _VARIANTS:
        core = core.replace(wrong, right)
    return core


@lru_cache(maxsize=8)
def _fuzzy_targets(apps: ApplicationsSpec) -> dict[str, str]:
    return {s.key: core_label(fold(s.label.split("…")[0])) for s in apps.rows}


@lru_cache(maxsize=8192)
def match_row(folded: str, apps: ApplicationsSpec = APPLICATIONS) -> str | None:
    """The template row a folded label names, or None."""
    if not folded:
        return None
    core = core_label(folded)
    for wrong, right in _VARIANTS:
        folded = folded.replace(wrong, right)
    for spec in apps.rows:
        if spec.matches(folded, core):
            return spec.key
    if len(core) >= 4:  # OCR typos: one or two wrong characters in a long label
        best, score = None, 0.0
        for key, target in _fuzzy_targets(apps).items():
            if len(target) < 4:
                continue
            r = SequenceMatcher(None, core, target).ratio()
            if r > score:
                best, score = key, r
        if score >= _FUZZY:
            return best
    return None


_BR = re.compile(r"<br\s*/?>", re.I)
_GROUP_HEADING = re.compile(r"法人或者?其他组织")


def header_columns(header: list[Row], apps: ApplicationsSpec = APPLICATIONS) -> tuple[str, ...] | None:
    """The applicant columns the header names, in template order (None if no header).

    A name counts when it is written whole, or when a header token is its first part of two or
    more characters: narrow columns wrap their names over lines (``商业`` / ``企业``,
    ``社会`` / ``公益`` / ``组织``), and a text rendering puts each line's fragments side by side,
    so only the first fragment of each name stays where the name starts."""
    frags = [_header_fragment(fold(t[TEXT])) for r in header for t in r.labels]
    text = "".join(frags)
    cols = tuple(k for k, name in apps.columns
                 if name in text or any(len(f) >= 2 and name.startswith(f) for f in frags))
    return cols if len(cols) >= 3 else None


def _header_fragment(folded: str) -> str:
    """A folded header token without ``<br>`` and the group heading 法人或其他组织 (the patterns run only
    on a token that can hold them: most are a column's name alone)."""
    if "<" in folded:
        folded = _BR.sub("", folded)
    return _GROUP_HEADING.sub("", folded) if "法人" in folded else folded


def _columns_by_values(matched: dict[str, Row], columns: tuple[str, ...], width: int) -> bool:
    """Whether the value rows say the table has the template's 7 columns where the header named
    fewer: most rows carry exactly 7 values (a broken header must not shrink the table)."""
    if len(columns) >= width or len(matched) < 3:
        return False
    seven = sum(1 for r in matched.values() if _filled(r) == width)
    return seven * 4 >= len(matched) * 3


def _filled(row: Row) -> int:
    """How many of a row's value tokens say something (a number, a null marker, a run of digits)."""
    return sum(1 for t in row.values if t[KIND] != "blank")


def _is_header(row: Row, apps: ApplicationsSpec) -> bool:
    """A grid row of column names whose trailing cells are blank (``…法律服务机构 | 总计 | ``): a header,
    though ``总计`` is also the label of a data row."""
    if _filled(row):
        return False
    names = sum(1 for _, name in apps.columns if name in row.label)
    return names >= 2 or "申请人" in row.label


def _assign_unlabelled(matched: dict[str, Row], unlabelled: list[Row], row_keys: tuple[str, ...]) -> tuple[str, ...]:
    """Value rows without a label, given the template rows not found, in template order: only when
    there are as many of each and every such row lies in the text between its template neighbours.
    Adds them to ``matched``; the caller checks the identities before trusting them."""
    missing = [k for k in row_keys if k not in matched]
    if not unlabelled or len(missing) != len(unlabelled):
        return ()
    trial = dict(matched)
    trial.update(zip(missing, unlabelled))
    starts = [trial[k].span[0] for k in row_keys if k in trial]
    if starts != sorted(starts):
        return ()
    matched.update(zip(missing, unlabelled))
    return tuple(missing)


def _check_assigned(assigned: tuple[str, ...], columns: tuple[str, ...], known: dict,
                    identities, labels: dict[str, str]) -> Finding:
    """A warning when every identity over the rows placed by template order holds; otherwise those
    rows' cells become null and an error says why."""
    names = "、".join(labels[k] for k in assigned)
    cells = tuple(f"{TABLE}.{k}.{c}" for k in assigned for c in columns)
    touched = [i for i in identities if any(key.split(".")[0] in assigned for key in i.keys)]
    def holds(i) -> bool:
        vals = [known.get(k) for k in i.keys]
        return None not in vals and sum(known[k] for k in i.lhs) == sum(known[k] for k in i.rhs)
    broken = [i for i in touched if not holds(i)]
    if touched and not broken:
        return Finding(check=f"{TABLE}.unlabelled_row", severity="warning", table=TABLE, cells=cells,
                       message=f"row {names}: its values stand in a row without a label; it is placed by "
                               f"template order (as many unlabelled rows as rows not found) and all "
                               f"{len(touched)} identities over it hold")
    for k in assigned:
        for c in columns:
            known[f"{k}.{c}"] = None
    why = f"{len(broken)} of {len(touched)} identities over it fail" if touched else "no identity checks it"
    return Finding(check=f"{TABLE}.unlabelled_row", severity="error", table=TABLE, cells=cells,
                   message=f"row {names}: a row without a label would stand there by template order, but "
                           f"{why}, so its cells are left empty")


def _counts(toks: tuple[Tok, ...]) -> list[int] | None:
    """The tokens' values when every one is a number printed as a count (an int, not negative),
    else None. Read in C over the row (most rows of the table are such rows), not token by token."""
    values = list(map(value_of, toks))
    # issuperset takes the types one by one, without a set of them
    if not _INT_ONLY.issuperset(map(type, values)) or not _NUM_ONLY.issuperset(map(kind_of, toks)):
        return None
    return values if not values or min(values) >= 0 else None


_INT_ONLY = frozenset({int})
_NUM_ONLY = frozenset({"num"})


@lru_cache(maxsize=1024)
def _cell_keys(row: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The value keys of a row's cells (``new_received.total``), made once per row and column set."""
    return tuple(f"{row}.{c}" for c in columns)


@lru_cache(maxsize=64)
def _table_keys(rows: tuple[str, ...], columns: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each row's value keys, and the same under the table's name (its spans' keys), made once per
    table shape (one look-up a table, not one a row). Read only."""
    return {row: (_cell_keys(row, columns), dotted_keys(TABLE, _cell_keys(row, columns))) for row in rows}


def read_applications(doc: Document, section: Section | None, template: TemplateSpec) -> TableResult:
    apps = template.applications
    labels = apps.labels
    all_columns = apps.column_keys
    if section is None:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="section 三 (收到和处理政府信息公开申请情况) was not found; its table is empty"),))
    rows = rows_in(doc, section.span)
    findings: list[Finding] = []
    matched: dict[str, Row] = {}
    header: list[Row] = []
    unlabelled: list[Row] = []
    pending = ""
    for row in rows:
        if not row.has_values or (not matched and _is_header(row, apps)):
            if not matched:
                header.append(row)
            if not row.has_values:
                pending += row.label
            continue
        key = match_row(row.label, apps)
        if key is None and len(row.labels) > 1 and len(row.labels[0][TEXT]) == 1:
            # a character of a vertical group label (三 / 、 / 本 …) printed at the start of the line
            key = match_row(fold("".join(t[TEXT] for t in row.labels[1:])), apps)
        if pending and key in (None, apps.merged.key):
            # the label wrapped over lines around its values: the lines above name the row, and a
            # group label printed beside the values (（六）其他处理) does not
            key = match_row(pending + row.label, apps) or key
        pending = ""
        if key is None:
            if not matched:
                header.append(row)
            elif not row.labels:
                unlabelled.append(row)      # its label may be stranded elsewhere (a converter's table)
            continue
        if key in matched:
            use_new = _filled(row) > _filled(matched[key])   # keep the one with more values
            findings.append(Finding(check=f"{TABLE}.duplicate_row", severity="warning", table=TABLE,
                                    cells=(f"{TABLE}.{key}",),
                                    message=f"row {labels[key]} appears twice; the "
                                            f"{'second (it has more values)' if use_new else 'first'} is used"))
            if use_new:
                matched[key] = row
            continue
        matched[key] = row

    if not matched:
        findings.append(Finding(check=f"{TABLE}.missing", severity="error", table=TABLE,
                                message="no row of the 申请 table was found in section 三"))
        return TableResult(TABLE, None, findings=tuple(findings))

    merged = apps.merged.key in matched and not any(k in matched for k in apps.merged.parts)
    if apps.merged.key in matched and not merged:
        del matched[apps.merged.key]
    outcomes = apps.outcome_rows(merged)
    row_keys = apps.row_keys(merged)
    assigned = _assign_unlabelled(matched, unlabelled, row_keys)

    columns = header_columns(header, apps)
    if columns is not None and _columns_by_values(matched, columns, len(all_columns)):
        findings.append(Finding(check=f"{TABLE}.header_incomplete", severity="info", table=TABLE,
                                message=f"the column header names {len(columns)} applicant columns but the "
                                        f"value rows carry {len(all_columns)} values; the template's "
                                        f"{len(all_columns)} columns are used"))
        columns = all_columns
    if columns is None:
        columns = all_columns
        findings.append(Finding(check=f"{TABLE}.header_missing", severity="info", table=TABLE,
                                message=f"the column header was not found; the template's {len(all_columns)} "
                                        f"columns are assumed"))
    absent = [k for k in all_columns if k not in columns]
    if absent:
        names = "、".join(n for k, n in apps.columns if k in absent)
        findings.append(Finding(check=f"{TABLE}.column_absent", severity="info", table=TABLE,
                                cells=tuple(f"{TABLE}.{r}.{c}" for r in row_keys for c in absent),
                                message=f"the table has no {names} column; those cells are null"))
    m = len(columns)

    known: dict[str, int | float | None] = {}
    spans: dict[str, tuple[int, int]] = {}     # by the cell's full key (applications.new_received.total)
    irregular: list[Irregular] = []
    as_read: dict[str, list] = {}              # each row read (as printed or solved): its values, column by column
    keys_of = _table_keys(row_keys, columns)
    for key in row_keys:
        row = matched.get(key)
        if row is None:
            findings.append(Finding(check=f"{TABLE}.row_missing", severity="error", table=TABLE,
                                    cells=tuple(f"{TABLE}.{key}.{c}" for c in columns),
                                    message=f"row {labels[key]} was not found; its cells are null"))
            continue
        cell_keys, table_keys = keys_of[key]
        counts = _counts(row.values) if len(row.values) == m else None
        if counts is not None:
            # the common case, read as printed: a count of its own in every column
            known.update(zip(cell_keys, counts))
            spans.update(zip(table_keys, map(span_of, row.values)))
            as_read[key] = counts
            continue
        toks = trim_edge_blanks(row.values, m)
        bad = [t for t in toks if t[KIND] == "num" and (isinstance(t[VALUE], float) or (t[VALUE] or 0) < 0)
               # a cell of its own too long to be any count (a run of cells has fewer tokens than cells)
               or t[KIND] == "run" and t[VALUE] is None and len(toks) == m]
        if bad:
            text = bad[0][TEXT]
            shown = text if len(text) <= 24 else f"{text[:12]}… ({len(text)} digits)"
            findings.append(Finding(check=f"{TABLE}.unreadable", severity="error", table=TABLE,
                                    cells=tuple(f"{TABLE}.{key}.{c}" for c in columns),
                                    message=f"row {labels[key]}: {shown!r} is not a count"))
            continue
        readings, kind = readings_for(toks, m, loose=row.loose)
        if not kind and readings:
            rd = readings[0]
            known.update(zip(cell_keys, rd.values))
            blanks = []
            for ck, tk, v, s in zip(cell_keys, table_keys, rd.values, rd.spans):
                if v is None:
                    blanks.append(ck)
                elif s is not None:
                    spans[tk] = s
            if blanks:
                findings.append(blank_finding(TABLE, labels[key], blanks))
            continue
        detail = f"{len(toks)} values for {m} columns"
        irregular.append(new_tuple(Irregular, (key, cell_keys, tuple(readings or ()), kind or "count", detail)))

    identities = application_identities(columns, outcomes, row_keys)
    for res, irr in zip(solve(known, irregular, identities), irregular):
        ok = res.values is not None
        findings.append(irregular_finding(TABLE, irr, labels[irr.row], ok, res.survivors, res.derived, res.values,
                                         res.basis))
        if ok:
            known.update(res.values)  # type: ignore[arg-type]
            as_read[irr.row] = list(res.values.values())     # made in column order (solve's _read_as)
            if len(res.spans) == len(irr.columns):      # every cell has its span, in column order
                spans.update(zip(dotted_keys(TABLE, irr.columns), res.spans.values()))
            else:
                spans.update(spans_of(TABLE, res.spans))
        else:
            known.update({k: None for k in irr.columns})

    if assigned:
        findings.append(_check_assigned(assigned, columns, known, identities, labels))

    values: dict[str, dict[str, int | None]] = {}
    # a row read as printed or solved holds in known the values it was read with: its record row is made
    # of them, without a look-up per cell (unless the record has columns the table lacks, or the rows
    # placed by template order were checked, which may have emptied one of them)
    reuse = columns == all_columns and not assigned
    for key in apps.record_rows(merged):
        counts = as_read.get(key) if reuse else None
        values[key] = (dict(zip(all_columns, counts)) if counts is not None
                       else dict(zip(all_columns, map(known.get, _cell_keys(key, all_columns))))
                       if key in row_keys else dict.fromkeys(all_columns))
    return TableResult(TABLE, values, spans, tuple(findings))


__all__ = ["read_applications", "match_row", "header_columns", "token_value"]
