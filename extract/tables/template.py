"""The national templates, each one value in one registry (``TEMPLATES``).

A ``TemplateSpec`` holds everything the toolkit knows about one year's template: the
column names that tell it apart (detection), the rows and columns of sections 二, 三 and
四 with the label cues that find them (the readers), the identities a correct table
satisfies (the checks) and the value cells with their labels and units (export: CSV
columns, codebook, DuckDB). Every stage reads the template from here, so adding a
template year is one ``TemplateSpec`` in ``TEMPLATES`` (plus tests).

Keys follow ../shared/schema.md. A row is found by its label, never by its position:
each spec lists cue strings that are searched in the folded label
(``extract.textnorm.fold``), most specific first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..record import TABLE_NAMES
from ..textnorm import fold_span
from ..types import Document, Sections


@dataclass(frozen=True, slots=True)
class RowSpec:
    key: str
    label: str                    # the template's label, for messages and fuzzy matching
    cues: tuple[str, ...] = ()    # any of these in the folded label
    pattern: str | None = None    # or this regex on the label with enumerators stripped

    def matches(self, folded: str, core: str) -> bool:
        if any(c in folded for c in self.cues):
            return True
        return bool(self.pattern and re.fullmatch(self.pattern, core))


@dataclass(frozen=True, slots=True)
class ValueCell:
    """One value cell of a template, as export names it."""

    key: str                  # dotted value key: "applications.new_received.total"
    table: str
    row: str
    column: str | None        # None for a section 二 row that is one value
    label: str                # the row's label · the column's heading
    unit: str                 # 件 | 项 | 万元


# -- section 二 --------------------------------------------------------------

@dataclass(frozen=True, slots=True, eq=False)
class ActiveRowSpec:
    """A row of section 二. Compared (and hashed, for the reader's memo of which spec a label names)
    by identity, as ``ApplicationsSpec`` is: each is defined once, in its template."""

    key: str
    label: str
    cues: tuple[str, ...]
    fields: tuple[str, ...]       # () for a single value stored directly under key
    exact: bool = False           # the core label must equal a cue
    money: bool = False           # may be decimal; unit from the header (元 → 万元)
    signed: tuple[str, ...] = ()  # fields that may be negative

    def matches(self, core: str) -> bool:
        if self.exact:
            return core in self.cues
        return any(c in core for c in self.cues)


# The templates' column headings of section 二, by field key (a single-value row's value is
# its 本年处理决定数量 or, for a fee row, 本年收费金额), and the unit of each (件 where not named).
ACTIVE_FIELD_LABELS: dict[str, str] = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "new_made": "本年新制作数量", "new_published": "本年新公开数量", "total_published": "对外公开总数量",
    "items_last_year": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
    "items": "采购项目数量", "amount_wan_yuan": "采购总金额",
}
ACTIVE_FIELD_UNITS: dict[str, str] = {"items_last_year": "项", "change": "项", "items": "项"}
ACTIVE_SINGLE_VALUE_LABEL = "本年处理决定数量"
ACTIVE_SINGLE_MONEY_LABEL = "本年收费金额"


def active_cells(rows: tuple[ActiveRowSpec, ...]) -> tuple[ValueCell, ...]:
    """Section 二's value cells, in the rows' order."""
    out = []
    for s in rows:
        if not s.fields:
            out.append(ValueCell(f"active_disclosure.{s.key}", "active_disclosure", s.key, None,
                            f"{s.label} · {ACTIVE_SINGLE_MONEY_LABEL if s.money else ACTIVE_SINGLE_VALUE_LABEL}",
                            "万元" if s.money else "件"))
        for f in s.fields:
            money = s.money and f.endswith("wan_yuan")
            out.append(ValueCell(f"active_disclosure.{s.key}.{f}", "active_disclosure", s.key, f,
                            f"{s.label} · {ACTIVE_FIELD_LABELS[f]}",
                            "万元" if money else ACTIVE_FIELD_UNITS.get(f, "件")))
    return tuple(out)


# -- section 三 --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MergedRows:
    """Rows a report may print split (2021's three （六） rows) or as one (2019's （六）其他处理)."""

    key: str                      # the one row's key
    parts: tuple[str, ...]        # the split rows' keys, in order


@dataclass(frozen=True, slots=True, eq=False)
class ApplicationsSpec:
    """Section 三: rows × applicant columns, and the outcome rows its identities sum.

    The reader takes a report's shape from what it prints: where it prints ``merged.key`` and
    none of ``merged.parts``, the merged row stands in the outcomes (and in the record, just
    before ``total_processed``); otherwise the parts do and ``merged.key`` is absent.
    Compared (and hashed, for the readers' caches) by identity: each is defined once, here.
    """

    rows: tuple[RowSpec, ...]             # matching order: the first spec whose cue matches wins
    columns: tuple[tuple[str, str], ...]  # applicant columns (key, heading); the last is their total
    outcomes: tuple[str, ...]             # the rows summed into total_processed, split shape
    merged: MergedRows
    # made once from the fields above (the reader and the checks read them for every report)
    column_keys: tuple[str, ...] = field(init=False, repr=False)
    labels: Mapping[str, str] = field(init=False, repr=False)     # row key -> the template's label

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_keys", tuple(k for k, _ in self.columns))
        object.__setattr__(self, "labels", MappingProxyType({s.key: s.label for s in self.rows}))

    def outcome_rows(self, merged: bool) -> tuple[str, ...]:
        if not merged:
            return self.outcomes
        return tuple(k for k in self.outcomes if k not in self.merged.parts) + (self.merged.key,)

    def row_keys(self, merged: bool) -> tuple[str, ...]:
        """The rows a report of this shape prints, in the order its identities are built."""
        return ("new_received", "carried_over") + self.outcome_rows(merged) + ("total_processed", "carried_forward")

    def record_rows(self, merged: bool) -> tuple[str, ...]:
        """The record's rows: every split row (null where not printed), then the merged one if printed."""
        order = ("new_received", "carried_over") + self.outcomes
        return order + ((self.merged.key,) if merged else ()) + ("total_processed", "carried_forward")

    def cells(self, printed: tuple[str, ...] | None = None) -> tuple[ValueCell, ...]:
        """The value cells of every row (both shapes), or of the ``printed`` rows only."""
        labels = self.labels
        return tuple(ValueCell(f"applications.{r}.{c}", "applications", r, c, f"{labels[r]} · {name}", "件")
                     for r in self.record_rows(merged=True) if printed is None or r in printed
                     for c, name in self.columns)


APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("social_welfare_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_KEYS = tuple(k for k, _ in APPLICANT_COLUMNS)

# Order matters: the first spec whose cue matches wins.
APPLICATION_ROWS: tuple[RowSpec, ...] = (
    RowSpec("new_received", "一、本年新收政府信息公开申请数量", ("本年新收", "新收政府信息公开申请")),
    RowSpec("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    RowSpec("carried_forward", "四、结转下年度继续办理", ("结转下年", "下年度继续办理")),
    RowSpec("partially_disclosed", "三（二）部分公开", ("部分公开",)),
    RowSpec("disclosed", "三（一）予以公开", ("予以公开",)),
    RowSpec("withheld_state_secret", "三（三）1. 属于国家秘密", ("国家秘密",)),
    RowSpec("withheld_prohibited_by_law", "三（三）2. 其他法律行政法规禁止公开", ("禁止公开",)),
    RowSpec("withheld_security_stability", "三（三）3. 危及“三安全一稳定”", ("三安全一稳定", "危及")),
    RowSpec("withheld_third_party_rights", "三（三）4. 保护第三方合法权益", ("第三方",)),
    RowSpec("withheld_internal_affairs", "三（三）5. 属于三类内部事务信息", ("内部事务",)),
    RowSpec("withheld_process_information", "三（三）6. 属于四类过程性信息", ("过程性",)),
    RowSpec("withheld_enforcement_files", "三（三）7. 属于行政执法案卷", ("执法案卷",)),
    RowSpec("withheld_query_matters", "三（三）8. 属于行政查询事项", ("查询事项",)),
    RowSpec("unavailable_not_held", "三（四）1. 本机关不掌握相关政府信息", ("不掌握",)),
    RowSpec("unavailable_needs_creation", "三（四）2. 没有现成信息需要另行制作", ("另行制作", "没有现成")),
    RowSpec("unavailable_still_unclear", "三（四）3. 补正后申请内容仍不明确", ("仍不明确", "补正后申请")),
    RowSpec("rejected_complaint", "三（五）1. 信访举报投诉类申请", ("信访", "举报投诉")),
    RowSpec("rejected_duplicate", "三（五）2. 重复申请", ("重复申请",)),
    RowSpec("rejected_publication", "三（五）3. 要求提供公开出版物", ("出版物",)),
    RowSpec("rejected_excessive", "三（五）4. 无正当理由大量反复申请", ("大量反复",)),
    RowSpec("rejected_confirmation", "三（五）5. 要求行政机关确认或重新出具已获取信息", ("重新出具", "确认或重新")),
    RowSpec("other_no_correction", "三（六）1. 申请人无正当理由逾期不补正…", ("不补正",)),
    RowSpec("other_unpaid_fee", "三（六）2. 申请人逾期未按收费通知要求缴纳费用…", ("缴纳费用", "收费通知")),
    RowSpec("other_other", "三（六）3. 其他", pattern=r"(?:\(六\)其他处理)?(?:\d[.、]?)?其他"),
    RowSpec("other_handled", "三（六）其他处理", pattern=r"其他处理"),
    RowSpec("total_processed", "三（七）总计", ("总计", "合计")),
)

APPLICATIONS = ApplicationsSpec(
    APPLICATION_ROWS, APPLICANT_COLUMNS,
    outcomes=("disclosed", "partially_disclosed",
              "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
              "withheld_third_party_rights", "withheld_internal_affairs", "withheld_process_information",
              "withheld_enforcement_files", "withheld_query_matters",
              "unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear",
              "rejected_complaint", "rejected_duplicate", "rejected_publication", "rejected_excessive",
              "rejected_confirmation",
              "other_no_correction", "other_unpaid_fee", "other_other"),
    merged=MergedRows("other_handled", ("other_no_correction", "other_unpaid_fee", "other_other")),
)
"""Section 三 as both national templates print it (they differ only in how they print （六）)."""


# -- section 四 --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReviewSpec:
    """Section 四: groups × columns; in each group the last column is the sum of the others."""

    groups: tuple[tuple[str, str], ...]       # (key, label)
    columns: tuple[tuple[str, str], ...]      # (key, heading); the last is the total
    group_cues: tuple[tuple[str, tuple[str, ...]], ...]   # a group's row label has one; first match wins

    def cells(self) -> tuple[ValueCell, ...]:
        return tuple(ValueCell(f"review_litigation.{g}.{c}", "review_litigation", g, c, f"{glabel} · {clabel}", "件")
                     for g, glabel in self.groups for c, clabel in self.columns)


REVIEW = ReviewSpec(
    groups=(("administrative_review", "行政复议"),
            ("litigation_direct", "行政诉讼·未经复议直接起诉"),
            ("litigation_after_review", "行政诉讼·复议后起诉")),
    columns=(("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
             ("pending", "尚未审结"), ("total", "总计")),
    group_cues=(("litigation_after_review", ("复议后起诉",)),
                ("litigation_direct", ("未经复议", "直接起诉")),
                ("administrative_review", ("行政复议",))),
)


# -- the templates ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One year's national template, as every stage reads it: detection, readers, checks, export."""

    year: str                                  # the record's meta.template ("2021")
    first_year: int                            # the first year reported on with it
    cues: tuple[str, ...]                      # column names printed only in this template's tables
    active_rows: tuple[ActiveRowSpec, ...]     # section 二, in matching order (the first cue wins)
    active_order: tuple[str, ...]              # section 二's keys in the record's order
    applications: ApplicationsSpec             # section 三
    prints_merged: bool                        # section 三 prints applications.merged as one row
    review: ReviewSpec                         # section 四

    def value_cells(self) -> tuple[ValueCell, ...]:
        """Every cell its readers can fill (section 三 in both shapes), in export order."""
        return active_cells(self.active_rows) + self.applications.cells() + self.review.cells()

    def printed_cells(self) -> tuple[ValueCell, ...]:
        """The cells this template's tables print (section 三 in its own shape)."""
        apps = self.applications
        hidden = apps.merged.parts if self.prints_merged else (apps.merged.key,)
        printed = tuple(k for k in apps.record_rows(merged=True) if k not in hidden)
        return active_cells(self.active_rows) + apps.cells(printed) + self.review.cells()


_CHANGE3 = ("items_last_year", "change", "decisions")

TEMPLATES: dict[str, TemplateSpec] = {
    "2021": TemplateSpec(
        "2021", 2021,
        cues=("本年制发件数", "本年废止件数", "现行有效件数", "止件数", "逾期不补正"),
        active_rows=(
            ActiveRowSpec("normative_documents", "行政规范性文件", ("行政规范性文件", "规范性文件"),
                          ("issued", "repealed", "in_force")),
            ActiveRowSpec("regulations", "规章", ("规章",), ("issued", "repealed", "in_force"), exact=True),
            ActiveRowSpec("licensing_decisions", "行政许可", ("行政许可",), ()),
            ActiveRowSpec("punishment_decisions", "行政处罚", ("行政处罚",), ()),
            ActiveRowSpec("coercion_decisions", "行政强制", ("行政强制",), ()),
            ActiveRowSpec("fees_wan_yuan", "行政事业性收费", ("行政事业性收费", "事业性收费"), (), money=True),
        ),
        active_order=("regulations", "normative_documents", "licensing_decisions", "punishment_decisions",
                      "coercion_decisions", "fees_wan_yuan"),
        applications=APPLICATIONS, prints_merged=False, review=REVIEW),
    "2019": TemplateSpec(
        "2019", 2019,
        cues=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "本年增减"),
        active_rows=(
            ActiveRowSpec("normative_documents", "规范性文件", ("行政规范性文件", "规范性文件"),
                          ("new_made", "new_published", "total_published")),
            ActiveRowSpec("regulations", "规章", ("规章",), ("new_made", "new_published", "total_published"),
                          exact=True),
            ActiveRowSpec("other_external_services", "其他对外管理服务事项", ("其他对外管理服务", "对外管理服务事项"),
                          _CHANGE3, signed=("change",)),
            ActiveRowSpec("licensing", "行政许可", ("行政许可",), _CHANGE3, signed=("change",)),
            ActiveRowSpec("punishment", "行政处罚", ("行政处罚",), _CHANGE3, signed=("change",)),
            ActiveRowSpec("coercion", "行政强制", ("行政强制",), _CHANGE3, signed=("change",)),
            ActiveRowSpec("fees", "行政事业性收费", ("行政事业性收费", "事业性收费"), ("items_last_year", "change"),
                          signed=("change",)),
            ActiveRowSpec("procurement", "政府集中采购", ("政府集中采购", "集中采购"), ("items", "amount_wan_yuan"),
                          money=True),
        ),
        active_order=("regulations", "normative_documents", "licensing", "other_external_services", "punishment",
                      "coercion", "fees", "procurement"),
        applications=APPLICATIONS, prints_merged=True, review=REVIEW),
}
"""Every template the toolkit reads, by the name records give it (``meta.template``)."""

LEGACY = "legacy"     # a report from before the oldest template: its tables are not read
UNKNOWN = "unknown"   # a report whose template could not be told: read with the newest


def newest_first() -> list[TemplateSpec]:
    """The registered templates, newest first: the order detection tries them in."""
    return sorted(TEMPLATES.values(), key=lambda t: t.first_year, reverse=True)


def template_spec(name: str) -> TemplateSpec:
    """The template a record names. ``unknown`` is read with the newest template; any other name
    that is not registered is an error, never silently another template."""
    if name == UNKNOWN:
        return newest_first()[0]
    try:
        return TEMPLATES[name]
    except KeyError:
        raise KeyError(f"template {name!r} is not registered in extract.tables.template.TEMPLATES "
                       f"({', '.join(TEMPLATES)})") from None


def detect_template(text: str) -> str | None:
    """The newest template whose own column names appear in ``text`` (folded)."""
    return next((spec.year for spec in newest_first() if any(c in text for c in spec.cues)), None)


# words of a report from before the national templates (收费及减免 was its own section)
_LEGACY_CUES = ("收费及减免", "政府信息公开的收费", "依申请公开政府信息情况", "概述")
# words every national template's tables print
_ANY_TEMPLATE_CUES = ("第二十条", "本年新收")


def detect(doc: Document, sections: Sections, year: int | None) -> str:
    """``meta.template`` of a report: a registered template's name, ``legacy`` or ``unknown``.

    The tables' own column names decide (section 二's first: its shape is what differs, then
    三's). Failing that, a report from before the oldest template, or one written in the
    pre-template way, is legacy; one whose tables are a national template's takes the newest
    template its year allows."""
    def text_of(key):
        s = sections.get(key)
        return fold_span(doc.text, *s.span) if s else ""     # the section finder folded its lines
    active = text_of("active_disclosure")
    found = detect_template(active)
    if found is not None:
        return found            # most reports: section 三, five times longer, is not folded
    tables = active + text_of("applications")
    found = detect_template(tables)
    if found is not None:
        return found
    oldest = min(t.first_year for t in TEMPLATES.values())
    if year is not None and year < oldest:
        return LEGACY
    whole = fold_span(doc.text)
    if any(c in whole for c in _LEGACY_CUES) and "勾稽关系" not in whole and "第二十条" not in whole:
        return LEGACY
    if any(c in tables for c in _ANY_TEMPLATE_CUES):
        return next(t.year for t in newest_first() if year is None or t.first_year <= year)
    return UNKNOWN


# -- every template at once: export's columns ---------------------------------------

def all_value_cells() -> tuple[tuple[ValueCell, tuple[str, ...]], ...]:
    """Every value cell of the registered templates, each with the names of the templates that print it.

    Table by table in schema order; within a table the newest template's cells first, then
    each older template's own. (Export's CSV columns, codebook and DuckDB columns.)"""
    specs = newest_first()
    cells: dict[str, ValueCell] = {}
    printed: dict[str, list[str]] = {}
    for table in TABLE_NAMES:
        for spec in specs:
            for c in spec.value_cells():
                if c.table == table:
                    cells.setdefault(c.key, c)
                    printed.setdefault(c.key, [])
    for spec in specs:
        for c in spec.printed_cells():
            printed[c.key].append(spec.year)
    return tuple((cells[k], tuple(sorted(printed[k]))) for k in cells)
