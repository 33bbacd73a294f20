"""Template tables by label: sections 二, 三 and 四 → typed values with spans and findings."""

from __future__ import annotations

from ..types import Document, Finding, Meta, Sections, TableResult
from .active import read_active
from .applications import read_applications
from .review import read_review
from .template import LEGACY, template_spec

TABLES = ("active_disclosure", "applications", "review_litigation")


def read_tables(doc: Document, sections: Sections, meta: Meta) -> dict[str, TableResult]:
    """The three template tables; a legacy report gets empty tables and one info finding."""
    if meta.template == LEGACY:
        note = Finding(check="template.legacy", severity="info",
                       message="a report from before the 2019 template: its tables are not the national "
                               "template's and are left null; the narrative is still extracted")
        return {"active_disclosure": TableResult("active_disclosure", None, findings=(note,)),
                "applications": TableResult("applications", None),
                "review_litigation": TableResult("review_litigation", None)}
    template = template_spec(meta.template)
    return {
        "active_disclosure": read_active(doc, sections.get("active_disclosure"), template),
        "applications": read_applications(doc, sections.get("applications"), template),
        "review_litigation": read_review(doc, sections.get("review_litigation"), template),
    }
