"""The national template's rows and columns, with the label cues that find them.

Keys follow ../shared/schema.md. A row is found by its label, never by its
position: each spec lists cue strings that are searched in the folded label
(``extract.textnorm.fold``), most specific first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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


# -- section 三 --------------------------------------------------------------

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
APPLICANT_PARTS = APPLICANT_KEYS[:-1]

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

OUTCOME_KEYS_2021: tuple[str, ...] = (
    "disclosed", "partially_disclosed",
    "withheld_state_secret", "withheld_prohibited_by_law", "withheld_security_stability",
    "withheld_third_party_rights", "withheld_internal_affairs", "withheld_process_information",
    "withheld_enforcement_files", "withheld_query_matters",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear",
    "rejected_complaint", "rejected_duplicate", "rejected_publication", "rejected_excessive",
    "rejected_confirmation",
    "other_no_correction", "other_unpaid_fee", "other_other",
)
OTHER_SUBROWS = ("other_no_correction", "other_unpaid_fee", "other_other")
OUTCOME_KEYS_SINGLE_OTHER = tuple(k for k in OUTCOME_KEYS_2021 if k not in OTHER_SUBROWS) + ("other_handled",)

APPLICATION_ROW_ORDER: tuple[str, ...] = (
    ("new_received", "carried_over") + OUTCOME_KEYS_2021 + ("total_processed", "carried_forward"))

ROW_LABELS = {s.key: s.label for s in APPLICATION_ROWS}


# -- section 四 --------------------------------------------------------------

REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("administrative_review", "行政复议"),
    ("litigation_direct", "行政诉讼·未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼·复议后起诉"),
)
REVIEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
    ("pending", "尚未审结"), ("total", "总计"),
)


# -- section 二 --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ActiveRowSpec:
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


ACTIVE_ROWS_2021: tuple[ActiveRowSpec, ...] = (
    ActiveRowSpec("normative_documents", "行政规范性文件", ("行政规范性文件", "规范性文件"),
                  ("issued", "repealed", "in_force")),
    ActiveRowSpec("regulations", "规章", ("规章",), ("issued", "repealed", "in_force"), exact=True),
    ActiveRowSpec("licensing_decisions", "行政许可", ("行政许可",), ()),
    ActiveRowSpec("punishment_decisions", "行政处罚", ("行政处罚",), ()),
    ActiveRowSpec("coercion_decisions", "行政强制", ("行政强制",), ()),
    ActiveRowSpec("fees_wan_yuan", "行政事业性收费", ("行政事业性收费", "事业性收费"), (), money=True),
)

_CHANGE3 = ("items_last_year", "change", "decisions")
ACTIVE_ROWS_2019: tuple[ActiveRowSpec, ...] = (
    ActiveRowSpec("normative_documents", "规范性文件", ("行政规范性文件", "规范性文件"),
                  ("new_made", "new_published", "total_published")),
    ActiveRowSpec("regulations", "规章", ("规章",), ("new_made", "new_published", "total_published"), exact=True),
    ActiveRowSpec("other_external_services", "其他对外管理服务事项", ("其他对外管理服务", "对外管理服务事项"),
                  _CHANGE3, signed=("change",)),
    ActiveRowSpec("licensing", "行政许可", ("行政许可",), _CHANGE3, signed=("change",)),
    ActiveRowSpec("punishment", "行政处罚", ("行政处罚",), _CHANGE3, signed=("change",)),
    ActiveRowSpec("coercion", "行政强制", ("行政强制",), _CHANGE3, signed=("change",)),
    ActiveRowSpec("fees", "行政事业性收费", ("行政事业性收费", "事业性收费"), ("items_last_year", "change"),
                  signed=("change",)),
    ActiveRowSpec("procurement", "政府集中采购", ("政府集中采购", "集中采购"), ("items", "amount_wan_yuan"),
                  money=True),
)

# -- the templates ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One year's national template, as every stage reads it: detection, readers, checks, export."""

    year: str                                  # "2021" | "2019": the record's meta.template
    active_rows: tuple[ActiveRowSpec, ...]     # section 二, in matching order (the first cue wins)
    active_order: tuple[str, ...]              # section 二's keys in the record's order
    cues: tuple[str, ...]                      # column names printed only in this template's tables
    other_rows: tuple[str, ...]                # section 三 （六）其他处理 as this template prints it


TEMPLATES: dict[str, TemplateSpec] = {
    "2021": TemplateSpec(
        "2021", ACTIVE_ROWS_2021,
        ("regulations", "normative_documents", "licensing_decisions", "punishment_decisions",
         "coercion_decisions", "fees_wan_yuan"),
        ("本年制发件数", "本年废止件数", "现行有效件数", "止件数", "逾期不补正"),
        OTHER_SUBROWS),
    "2019": TemplateSpec(
        "2019", ACTIVE_ROWS_2019,
        ("regulations", "normative_documents", "licensing", "other_external_services", "punishment",
         "coercion", "fees", "procurement"),
        ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "本年增减"),
        ("other_handled",)),
}
"""Newest first: detection tries them in this order."""


def template_spec(year: str | None) -> TemplateSpec:
    """The template a record names; a report whose template is unknown is read as the newest."""
    return TEMPLATES.get(year or "", TEMPLATES["2021"])


def detect_template(*texts: str) -> str | None:
    """The template whose own column names appear first in ``texts`` (folded), tried in order."""
    for text in texts:
        for spec in TEMPLATES.values():
            if any(c in text for c in spec.cues):
                return spec.year
    return None


# The template's column headings of section 二, by field key (a single-value row's value is
# its 本年处理决定数量 or, for a fee row, 本年收费金额). Used for labels (codebook, messages).
ACTIVE_FIELD_LABELS: dict[str, str] = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "new_made": "本年新制作数量", "new_published": "本年新公开数量", "total_published": "对外公开总数量",
    "items_last_year": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
    "items": "采购项目数量", "amount_wan_yuan": "采购总金额",
}
ACTIVE_SINGLE_VALUE_LABEL = "本年处理决定数量"
ACTIVE_SINGLE_MONEY_LABEL = "本年收费金额"
