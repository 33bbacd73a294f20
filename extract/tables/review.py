"""Section 四: 行政复议 and 行政诉讼 (three groups of five), read from the value row(s)."""

from __future__ import annotations

from functools import lru_cache

from ..types import Document, Finding, Section, TableResult
from .common import blank_finding, irregular_finding, readings_for, spans_of, trim_edge_blanks
from .identities import review_identities
from .rows import rows_in
from .solve import Irregular, solve
from .template import ReviewSpec, TemplateSpec

TABLE = "review_litigation"
_HEADER_WORDS = ("结果", "维持", "纠正", "其他", "尚未", "审结", "总计", "行政复议", "行政诉讼", "起诉", "复议后",
                 "未经复议", "直接起诉")


def _group_of(label: str, review: ReviewSpec) -> str | None:
    for key, cues in review.group_cues:
        if any(c in label for c in cues):
            return key
    return None


@lru_cache(maxsize=8)
def _keys(review: ReviewSpec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The column keys, and the value keys group by group (``administrative_review.upheld``)."""
    cols = tuple(k for k, _ in review.columns)
    return cols, tuple(f"{g}.{c}" for g, _ in review.groups for c in cols)


def read_review(doc: Document, section: Section | None, template: TemplateSpec) -> TableResult:
    review = template.review
    cols, keys = _keys(review)
    if section is None:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="section 四 (行政复议、行政诉讼情况) was not found; its table is empty"),))
    toks = []
    loose = True
    grouped: dict[str, list] = {}
    for row in rows_in(doc, section.span):
        if not row.has_values:
            continue
        label = row.label
        if not label or _is_header_label(label):
            toks.extend(row.values)
            loose = loose and row.loose
            continue
        g = _group_of(label, review)
        if g is not None and len(label) <= 30:
            grouped[g] = list(row.values)
    findings: list[Finding] = []
    if grouped and not toks:
        # one line per group: 行政复议 0 0 0 0 0 …
        pieces = []
        for g, _ in review.groups:
            pieces.extend(grouped.get(g, []))
        toks = pieces
    if not toks:
        return TableResult(TABLE, None, findings=(Finding(
            check=f"{TABLE}.missing", severity="error", table=TABLE,
            message="no value row of the 行政复议/行政诉讼 table was found in section 四"),))

    toks = trim_edge_blanks(toks, len(keys))
    readings, kind = readings_for(toks, len(keys), loose=loose)
    known: dict = {}
    spans: dict = {}
    if not kind and readings:
        rd = readings[0]
        blanks = []
        for k, v, s in zip(keys, rd.values, rd.spans):
            known[k] = v
            if v is None:
                blanks.append(k)
            elif s is not None:
                spans[k] = s
        if blanks:
            findings.append(blank_finding(TABLE, "行政复议/行政诉讼", blanks))
    else:
        irr = Irregular("values", keys, tuple(readings or ()), kind or "count",
                        f"{len(toks)} values for {len(keys)} columns")
        (res,) = solve({}, [irr], review_identities(review))
        ok = res.values is not None
        findings.append(irregular_finding(TABLE, irr, "行政复议/行政诉讼 values", ok, res.survivors, res.derived, res.values,
                                         res.basis))
        if ok:
            known.update(res.values)
            spans.update(res.spans)
    n = len(cols)       # keys are group by group, column by column
    values = {g: dict(zip(cols, map(known.get, keys[i * n:(i + 1) * n]))) for i, (g, _) in enumerate(review.groups)}
    return TableResult(TABLE, values, spans_of(TABLE, spans), tuple(findings))


_HEADER_CHARS = frozenset("".join(_HEADER_WORDS) + "未经直接")
_HEADER_WORDS_LONGEST_FIRST = sorted(_HEADER_WORDS, key=len, reverse=True)


def _is_header_label(label: str) -> bool:
    if _HEADER_CHARS.issuperset(label):     # every character of it one of theirs (one call in C)
        return True      # header words broken over lines (结果 维 / 持): only their characters are left
    rest = label
    for w in _HEADER_WORDS_LONGEST_FIRST:
        rest = rest.replace(w, "")
    return len(rest) <= 2
