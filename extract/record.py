"""The canonical record (../shared/schema.md, schema version 1) and its assembly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import XxgkError
from .types import Finding, Meta, Narrative, Sections, TableResult

SCHEMA_VERSION = 1
TABLE_NAMES = ("active_disclosure", "applications", "review_litigation")

Status = Literal["ok", "partial", "failed"]


@dataclass(frozen=True, slots=True)
class Source:
    path: str | None
    sha256: str | None
    format: str | None
    encoding: str | None = None
    bytes: int | None = None

    def to_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "format": self.format,
                "encoding": self.encoding, "bytes": self.bytes}


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    source: Source
    status: Status
    meta: Meta | None = None
    tables: dict[str, TableResult] = field(default_factory=dict)
    narrative: Narrative | None = None
    findings: tuple[Finding, ...] = ()
    sections: Sections | None = None
    text: str | None = None
    error: str | None = None
    error_code: str | None = None
    seconds: float | None = None

    # -- construction -------------------------------------------------------
    @classmethod
    def failed(cls, id: str, source: Source, error: BaseException, *, seconds: float | None = None) -> "Record":
        reason = error.reason if isinstance(error, XxgkError) else f"{type(error).__name__}: {error}"
        code = error.code if isinstance(error, XxgkError) else "E999"
        return cls(id=id, source=source, status="failed", error=reason, error_code=code, seconds=seconds)

    # -- views --------------------------------------------------------------
    def value(self, table: str) -> dict | None:
        t = self.tables.get(table)
        return t.values if t else None

    @property
    def spans(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for t in self.tables.values():
            for k, s in t.spans.items():
                out[k] = [s[0], s[1]]
        return out

    def to_dict(self, *, include_text: bool = True) -> dict:
        """The record as JSON-ready data: schema.md's keys first, then the extras."""
        n = self.narrative
        d: dict = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "meta": self.meta.to_dict() if self.meta else None,
        }
        for name in TABLE_NAMES:
            d[name] = self.value(name)
        d["narrative"] = n.to_dict() if n else None
        d["status"] = self.status
        d["error"] = self.error
        d["error_code"] = self.error_code
        d["source"] = self.source.to_dict()
        d["findings"] = [f.to_dict() for f in self.findings]
        d["spans"] = self.spans
        d["sections"] = (
            {s.key: {"span": list(s.span), "heading": s.heading,
                     "heading_span": list(s.heading_span) if s.heading_span else None}
             for s in self.sections.found}
            if self.sections else None
        )
        d["narrative_method"] = n.method if n else None
        d["narrative_ungrounded"] = n.ungrounded if n else 0
        d["narrative_note"] = n.note if n else None
        d["llm_usage"] = n.usage.to_dict() if n else None
        d["seconds"] = self.seconds
        if include_text:
            d["text"] = self.text
        return d
