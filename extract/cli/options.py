"""The ``--narrative`` and ``--llm-*`` options, declared once and shared by the commands.

``@narrative_options()`` adds them to a command, which receives one ``narrative:
NarrativeChoice`` parameter in their place (``batch=True`` adds ``--llm-concurrency`` and
``--llm-fallback``, which only a batch uses). ``NarrativeChoice.extractor()`` is the one
place where these options and the environment become an ``LLMConfig`` and an extractor.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import click

NARRATIVES = ("rules", "llm", "none")


@dataclass(frozen=True)
class NarrativeChoice:
    """``--narrative`` and the ``--llm-*`` options as given (None: not given, the environment decides)."""

    kind: str = "rules"
    llm: dict[str, Any] = field(default_factory=dict)

    def check(self) -> str | None:
        """Why the choice is not usable, or None."""
        if self.kind not in NARRATIVES:
            return f"--narrative must be rules, llm or none (got {self.kind!r})"
        return None

    def llm_config(self):
        """The LLM configuration: these options over the environment (``ConfigError`` if incomplete)."""
        from ..narrative.config import LLMConfig

        o = dict(self.llm)
        fallback = o.pop("fallback", None)
        if o.pop("no_cache", False):
            o["cache_path"] = False
        if fallback is not None:
            o["fail_fast"] = not fallback
        return LLMConfig.from_env(**o)

    def extractor(self):
        """The narrative extractor chosen (None for ``none``); ``XxgkError`` if it cannot be built."""
        from ..narrative import make_extractor

        return make_extractor(self.kind, llm=self.llm_config() if self.kind == "llm" else None)

    @property
    def concurrency(self) -> int:
        return self.llm.get("concurrency") or 4


# (parameter name, option, click.option's other arguments); the order is the order in --help
_COMMON = (
    ("llm_base_url", "--llm-base-url", dict(help="Overrides XXGK_LLM_BASE_URL.")),
    ("llm_model", "--llm-model", dict(help="Overrides XXGK_LLM_MODEL.")),
    ("llm_mode", "--llm-mode", dict(help="Structured-output mode; overrides XXGK_LLM_MODE.")),
    ("llm_prompt", "--llm-prompt", dict(help="Prompt version (narrative.v1, the default, or the shorter "
                                        "narrative.v2); overrides XXGK_LLM_PROMPT.")),
    ("llm_cache", "--llm-cache", dict(help="Cache file; overrides XXGK_LLM_CACHE.")),
    ("no_llm_cache", "--no-llm-cache", dict(is_flag=True, default=False, help="Do not read or write the LLM cache.")),
)
_BATCH = (
    ("llm_concurrency", "--llm-concurrency", dict(type=click.IntRange(min=1), default=4,
                                                  help="Reports parsed at once with --narrative llm (threads).")),
    ("llm_fallback", "--llm-fallback", dict(is_flag=True, default=False, help="When the endpoint cannot be "
                                            "reached, use the rules for every report instead of stopping with exit 2.")),
)
_LLM_KEYS = {"llm_base_url": "base_url", "llm_model": "model", "llm_mode": "mode", "llm_prompt": "prompt",
             "llm_cache": "cache_path", "no_llm_cache": "no_cache", "llm_concurrency": "concurrency",
             "llm_fallback": "fallback"}


def narrative_options(*, batch: bool = False, help: str = "rules | llm | none") -> Callable:
    """Add ``--narrative`` and the ``--llm-*`` options to a click command (after the options
    declared above it) in place of its ``narrative`` parameter, which then receives a ``NarrativeChoice``."""
    shared = (("narrative_kind", "--narrative", dict(default="rules", help=help)), *_COMMON,
              *(_BATCH if batch else ()))

    def decorate(func: Callable) -> Callable:
        if "narrative" not in inspect.signature(func).parameters:
            raise TypeError(f"{func.__name__} has no 'narrative' parameter for the narrative options")

        @functools.wraps(func)
        def command(**kw: Any) -> Any:
            kind = kw.pop("narrative_kind")
            llm = {_LLM_KEYS[n]: kw.pop(n) for n in list(kw) if n in _LLM_KEYS}
            return func(narrative=NarrativeChoice(kind, llm), **kw)

        # click lists options in the order their decorators are written: the reverse of the order
        # in which they are applied
        for name, opt, kw in reversed(shared):
            command = click.option(opt, name, **kw)(command)
        return command

    return decorate
