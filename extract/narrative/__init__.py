"""Narrative extraction: problems, improvements and publication channels, grounded.

Two extractors behind one interface: ``rules`` (default; offline, no key) and
``llm`` (any OpenAI-compatible endpoint through langchain). Both return a
``Narrative`` whose items carry the span of ``Document.text`` they came from.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..types import Document, Narrative, Sections


@runtime_checkable
class NarrativeExtractor(Protocol):
    name: str

    def extract(self, doc: Document, sections: Sections) -> Narrative: ...


def get_extractor(kind: str, **options) -> NarrativeExtractor:
    """``"rules"`` or ``"llm"``; options go to the extractor (for llm: base_url, model, api_key...)."""
    if kind == "rules":
        from .rules import RuleExtractor
        return RuleExtractor(**options)
    if kind == "llm":
        from .llm import LLMExtractor
        return LLMExtractor(**options)
    raise ValueError(f"unknown narrative extractor {kind!r} (expected 'rules' or 'llm')")
