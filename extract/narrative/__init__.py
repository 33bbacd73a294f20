"""Narrative extraction: problems, improvements and publication channels, grounded.

Two extractors behind one interface: ``rules`` (default; offline, no key) and
``llm`` (any OpenAI-compatible endpoint through langchain). Both return a
``Narrative`` whose items carry the span of ``Document.text`` they came from.
``make_extractor`` is the one way to get one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import ConfigError
from ..types import Document, Narrative, Sections

if TYPE_CHECKING:
    from .config import LLMConfig


@runtime_checkable
class NarrativeExtractor(Protocol):
    name: str

    def extract(self, doc: Document, sections: Sections) -> Narrative: ...


def make_extractor(narrative: str | NarrativeExtractor | None = "rules", *, llm: LLMConfig | None = None,
                   fallback: NarrativeExtractor | None = None) -> NarrativeExtractor | None:
    """``"rules"``, ``"llm"`` or ``"none"`` → an extractor (None for ``"none"``; an extractor or
    None is returned as given). ``"llm"`` is configured by ``llm`` (default:
    ``LLMConfig.from_env()``, the environment alone) and falls back to ``fallback`` (default: the
    rules). ``ConfigError`` if the extractor cannot be built.
    """
    if narrative is None or narrative == "none":
        return None
    if not isinstance(narrative, str):
        return narrative
    if narrative not in ("rules", "llm"):
        raise ConfigError(f"unknown narrative extractor {narrative!r} (expected 'rules', 'llm' or 'none')")
    try:
        if narrative == "rules":
            from .rules import RuleExtractor
            return RuleExtractor()
        from .config import LLMConfig
        from .llm import LLMExtractor
    except ImportError as e:
        raise ConfigError(f"the {narrative!r} narrative extractor is not available ({e})") from e
    return LLMExtractor(llm if llm is not None else LLMConfig.from_env(), fallback=fallback)
