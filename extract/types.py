"""The small kernel of domain types every stage shares.

A report flows one way::

    file ──ingest──▶ Document ──sections──▶ Sections ──tables──▶ TableResult
         ──checks──▶ Finding ──narrative──▶ Narrative ──record──▶ Record

Every type here is frozen: a stage returns new values, it never edits its input.
Character offsets (``Span``) always index ``Document.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Union

from .channel_types import ChannelType  # noqa: F401  (re-exported: the schema.md channel types, from their table)

Span = tuple[int, int]
"""Half-open ``[start, end)`` character offsets into ``Document.text``."""

new_tuple = tuple.__new__
"""Builds a named tuple from a tuple of its fields, ``new_tuple(Cell, (text, span, ...))``, without its
Python-level ``__new__`` (a frame per call): for the records made many times a report (cells, rows,
readings), where that call was a large share of making them."""

Format = str
"""A format's name: a key of ``extract.ingest.FORMATS`` (``text``, ``markdown``, ``html``, ``pdf``, ``docx``...)."""
Severity = Literal["error", "warning", "info"]
TableName = Literal["active_disclosure", "applications", "review_litigation"]
Template = str
"""A registered template's name (``extract.tables.template.TEMPLATES``: "2021", "2019"), "legacy" or "unknown"."""


class Cell(NamedTuple):
    """One grid cell of a table, tied to the characters it came from.

    After rowspan/colspan expansion, the grid positions a merged cell covers
    all carry the merged cell's text and span, with ``merged=True`` on every
    copy but the top-left one.

    A named tuple rather than a frozen dataclass (immutable all the same): a text report has
    hundreds of cells, and a frozen dataclass's ``__init__`` made building them two thirds of
    reading a text file.
    """

    text: str
    span: Span
    row: int
    col: int
    merged: bool = False


class Paragraph(NamedTuple):
    """A run of running text (one line of a text file, one block of HTML).

    A named tuple for the reason ``Cell`` is one: a text report has dozens."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Table:
    """A table as a rectangular (or ragged, for text input) grid of cells."""

    rows: tuple[tuple[Cell, ...], ...]
    span: Span
    page: int | None = None


Block = Union[Paragraph, Table]


@dataclass(frozen=True, slots=True)
class OcrInfo:
    """How a Document's OCR-read pages were read; ``low_confidence`` holds the spans of table cells
    whose text boxes scored below the threshold, with that score."""

    engine: str
    version: str | None
    pages: tuple[int, ...]                   # the 1-based pages read by OCR
    mean_confidence: float | None            # over every recognised text box
    low_confidence: tuple[tuple[Span, float], ...] = ()

    def to_dict(self) -> dict:
        return {"ocr": True, "engine": self.engine, "version": self.version, "pages": list(self.pages),
                "mean_confidence": None if self.mean_confidence is None else round(self.mean_confidence, 4)}


@dataclass(frozen=True, slots=True)
class Document:
    """What ingest makes of any file: the text, and its blocks in reading order.

    ``text`` is the visible text of the report, with tables rendered one row per
    line and cells separated by tabs, so that every paragraph and cell span
    indexes it. ``blocks`` covers the text in order.
    """

    text: str
    blocks: tuple[Block, ...]
    format: Format
    encoding: str | None = None
    path: str | None = None
    pages: int | None = None
    ocr: OcrInfo | None = None               # set where any page was read by OCR

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Table))



SectionKey = Literal[
    "overview",            # 一、总体情况
    "active_disclosure",   # 二、主动公开政府信息情况
    "applications",        # 三、收到和处理政府信息公开申请情况
    "review_litigation",   # 四、行政复议、行政诉讼情况
    "problems",            # 五、存在的主要问题及改进情况
    "other_matters",       # 六、其他需要报告的事项
]
SECTION_KEYS: tuple[SectionKey, ...] = (
    "overview",
    "active_disclosure",
    "applications",
    "review_litigation",
    "problems",
    "other_matters",
)


@dataclass(frozen=True, slots=True)
class Section:
    """One of the six template sections.

    ``span`` is the body (after the heading) up to the next section; ``heading``
    is ``None`` where the heading is missing and the section was found by its
    content instead.
    """

    key: SectionKey
    number: int
    span: Span
    heading: str | None = None
    heading_span: Span | None = None


@dataclass(frozen=True, slots=True)
class Sections:
    found: tuple[Section, ...]
    # the report's own closing block (signature, date), excluded from section 六
    trailer: Span | None = None

    def get(self, key: SectionKey) -> Section | None:
        for s in self.found:
            if s.key == key:
                return s
        return None

    @property
    def missing(self) -> tuple[SectionKey, ...]:
        have = {s.key for s in self.found}
        return tuple(k for k in SECTION_KEYS if k not in have)


@dataclass(frozen=True, slots=True)
class Finding:
    """A check's result: what failed or was resolved, where, by how much."""

    check: str                       # stable id, e.g. "applications.balance"
    severity: Severity
    message: str                     # plain words, names the row/column
    table: TableName | None = None
    cells: tuple[str, ...] = ()      # value keys, e.g. "applications.new_received.total"
    expected: float | None = None
    actual: float | None = None

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "table": self.table,
            "severity": self.severity,
            "cells": list(self.cells),
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Meta:
    agency: str | None
    year: int | None
    template: Template
    published_on: str | None = None
    agency_span: Span | None = None

    def to_dict(self) -> dict:
        return {
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "published_on": self.published_on,
        }


@dataclass(frozen=True, slots=True)
class TableResult:
    """One typed table: nested values as in schema.md, and their spans.

    ``values`` is the schema's nested dict (``None`` where the table is absent);
    ``spans`` maps a dotted value key (``applications.new_received.total``) to
    the span of the source text the value was read from.
    """

    name: TableName
    values: dict | None
    spans: dict[str, Span] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class NarrativeItem:
    """A problem or an improvement, with the source span it was grounded to."""

    text: str
    span: Span | None
    alignment: Literal["exact", "fuzzy", "none"] = "exact"
    score: float = 1.0

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "span": list(self.span) if self.span else None,
            "alignment": self.alignment,
            "score": round(self.score, 4),
        }




@dataclass(frozen=True, slots=True)
class Channel:
    type: ChannelType
    name: str | None
    span: Span | None = None

    def to_dict(self) -> dict:
        return {"type": self.type, "name": self.name, "span": list(self.span) if self.span else None}


@dataclass(frozen=True, slots=True)
class Usage:
    """LLM cost of one report (zero for the rule extractor)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    cost_usd: float | None = None
    # of prompt_tokens, those the endpoint served from its prompt (prefix) cache, as it reports them
    cached_prompt_tokens: int = 0

    def to_dict(self) -> dict:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached": self.cached,
            "cost_usd": self.cost_usd,
        }


@dataclass(frozen=True, slots=True)
class Narrative:
    problems: tuple[NarrativeItem, ...] = ()
    improvements: tuple[NarrativeItem, ...] = ()
    channels: tuple[Channel, ...] = ()
    other_matters: str | None = None
    method: Literal["rules", "llm", "rules_fallback", "none"] = "rules"
    ungrounded: int = 0               # LLM items dropped because no span was found
    usage: Usage = field(default_factory=Usage)
    note: str | None = None           # why the method is what it is (e.g. fallback reason)

    def to_dict(self) -> dict:
        return {
            "channels": [c.to_dict() for c in self.channels],
            "problems": [i.to_dict() for i in self.problems],
            "improvements": [i.to_dict() for i in self.improvements],
            "other_matters": self.other_matters,
        }
