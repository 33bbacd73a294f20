"""Report metadata: agency, year, published_on — from the title and the closing date; the template
is told by ``extract.tables.template.detect``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from operator import ne

from .sections import BODY_SUFFIX
from .tables.template import detect
from .textnorm import fold, fold_span, line_folds, span_folds
from .types import Document, Meta, Sections

TITLE_CUE = re.compile(r"(?:政府信息公开|政务公开|信息公开).{0,6}(?:工作)?(?:年度)?报告")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_AGENCY_BEFORE = re.compile(r"^(?P<agency>.+?)(?:关于)?(?P<year>(?:19|20)\d{2})年度?(?:的)?(?:政府信息公开|政务公开|信息公开)")
_AGENCY_AFTER = re.compile(r"^(?P<year>(?:19|20)\d{2})年度?(?P<agency>.+?)(?:政府信息公开|政务公开|信息公开)")
_DATE = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$|^((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})$")
# a labelled date (发布日期: 2025-01-20, 成文时间：…): the label's first word needs no matching, and
# a pattern that opens with literals only lets re skip in C to where one is
_DATE_LABELLED = re.compile(r"(?:日期|时间)[:：]\s*((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")

def _title(doc: Document) -> tuple[str, tuple[int, int]] | None:
    """The report's title among its first lines (folded, and its span). A title wrapped over two
    lines is joined; a title that names no body (``2024年政府信息公开工作年度报告``) takes the body's
    name from the short line above it."""
    lines = _first_lines(doc.text, 12)
    above = None
    line = next(lines, None)
    while line is not None:
        below = next(lines, None)       # read one line ahead only: the title is near the top
        f, start, end = line
        if len(f) > 80:
            pass
        elif not TITLE_CUE.search(f):
            nxt = below[0] if below else ""
            if len(f) <= 40 and not TITLE_CUE.search(nxt) and TITLE_CUE.search(f + nxt) and len(f + nxt) <= 80:
                return f + nxt, (start, below[2])
        elif _GENERIC_TITLE.match(_FIELD_LABEL.sub("", f)):
            pass                     # a running page header (政府信息公开工作年度报告): no body, no year
        else:
            if above is not None and _names_no_body(f):
                a_f, a_start, _ = above
                if len(a_f) <= 40 and BODY_SUFFIX.search(a_f) and not TITLE_CUE.search(a_f):
                    return a_f + f, (a_start, end)
            return f, (start, end)
        above, line = line, below
    return None


def _first_lines(text: str, n: int) -> Iterator[tuple[str, int, int]]:
    """The first ``n`` lines of ``text`` that are not empty once folded: (folded, start, end). The
    section finder has folded every line already (``line_folds``)."""
    _, lines, folds, starts = line_folds(text)
    for f, line, start in zip(folds, lines, starts):
        f = f.lstrip("#")
        if f:
            yield f, start, start + len(line)
            n -= 1
            if n == 0:
                return


_GENERIC_TITLE = re.compile(r"^(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?报告$")


def _names_no_body(title: str) -> bool:
    """A title that starts with its year and says nothing before 政府信息公开 (or only a field label)."""
    t = _FIELD_LABEL.sub("", title)
    m = _AGENCY_AFTER.match(t)
    return bool(m) and len(m.group("agency")) <= 2 or bool(re.match(r"^(?:19|20)\d{2}年度?(?:政府|政务)?信息公开", t))


_CRAWLER_SEPARATOR = re.compile(r"^[=\-*#\s]{3,}正文[=\-*#\s]{3,}$", re.M)
# a crawler's field label before the title (标题: …, 【标题】…)
_FIELD_LABEL = re.compile(r"^[#\s]*(?:【?(?:标题|题目|文章标题|名称|title)】?\s*[:：]?)\s*", re.I)


def _clean_agency(a: str) -> str:
    a = _FIELD_LABEL.sub("", a)
    a = re.sub(r"^[#\s]+", "", a)
    return a.strip("《》“”\"'：:，, ")


def _body_correction(agency: str, text: str, start: int) -> str:
    """Where the title's name is an OCR misreading the body disagrees with, the body's spelling (the
    body: ``text`` from ``start``)."""
    if len(agency) < 4:
        return agency
    # An agency already in folded form that the raw text names twice is named twice in the folded
    # text too, so most reports end here without folding their whole text (~0.5 ms a report).
    if fold(agency) == agency and text.count(agency, start) >= 2:
        return agency
    body = fold_span(text, start)
    if body.count(agency) >= 2:
        return agency
    L = len(agency)
    seen: Counter[str] = Counter()
    for probe, offset in ((agency[:2], 0), (agency[-2:], L - 2)):
        i = body.find(probe)
        while i != -1:
            j = i - offset
            cand = body[j:j + L] if j >= 0 else ""
            if len(cand) == L and cand != agency and sum(map(ne, cand, agency)) == 1:    # one character off
                seen[cand] += 1
            i = body.find(probe, i + 1)
    if seen:
        cand, n = seen.most_common(1)[0]
        if n >= 2:
            return cand
    return agency


def _published_on(doc: Document, sections: Sections, year: int | None) -> str | None:
    cands = []
    if sections.trailer:
        cands.append(sections.trailer)
    # the report's own date only: a crawler's header (发布时间: …) above its 正文 separator is the site's
    # the separator's pattern opens with ^: re would try it at every character, where a find of
    # its one literal tells most reports (which have none) at once
    sep = _CRAWLER_SEPARATOR.search(doc.text, 0, 4000) if doc.text.find("正文", 0, 4000) >= 0 else None
    start = sep.end() if sep else 0
    cands.append((start, min(start + 400, len(doc.text))))
    for chunk in cands:
        for f in span_folds(doc.text, *chunk):
            m = _DATE.match(f)
            if m:
                y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            else:
                m = _DATE_LABELLED.search(f)
                if not m:
                    continue
                y, mo, d = m.groups()
            yi, moi, di = int(y), int(mo), int(d)
            if 1 <= moi <= 12 and 1 <= di <= 31 and (year is None or yi >= year):
                return f"{yi:04d}-{moi:02d}-{di:02d}"
    return None


def read_meta(doc: Document, sections: Sections) -> Meta:
    t = _title(doc)
    agency = None
    year = None
    span = None
    if t:
        title, span = t
        m = _AGENCY_BEFORE.match(title) or _AGENCY_AFTER.match(title)
        if m:
            agency = _clean_agency(m.group("agency")) or None
            year = int(m.group("year"))
        else:
            y = _YEAR.search(title)
            year = int(y.group(1)) if y else None
    if year is None:
        ov = sections.get("overview")
        chunk = doc.text[ov.span[0]:ov.span[1]] if ov else doc.text[:2000]
        y = _YEAR.search(chunk)
        year = int(y.group(1)) if y else None
    if agency:
        agency = _body_correction(agency, doc.text, span[1] if span else 0)
    return Meta(agency=agency, year=year, template=detect(doc, sections, year),
                published_on=_published_on(doc, sections, year), agency_span=span)
