"""The LLM narrative extractor: any OpenAI-compatible endpoint, grounded, cached, with rule fallback.

Its parts, each in its own module: the configuration (``config.LLMConfig``, built from
options and the environment in one place), the chat adapter (``chat.ChatAdapter``:
messages in, the model's text or JSON out), the answer parser (``answer.parse_answer``,
pure), grounding (``grounding.ground_answer``, pure), the prompt (``prompting``) and the
answer cache (``cache``). This module puts them together for one report:

1. Only the narrative excerpt is sent (``prompting.narrative_excerpt``: section
   五 in full, the channel sentences of 一 and 六; never the tables).
2. The cache is asked first (key: endpoint, model, prompt version, excerpt).
3. Structured output, mode chain ``json_schema → function_calling → json_mode``
   (``auto``): a mode the endpoint rejects (a 400 about ``response_format`` /
   ``tools``, or no tool call at all in function calling) moves to the next one,
   and the mode that worked is remembered. An answer that fails validation is
   re-asked once with the validation error; a second failure is an ``LLMError``.
4. Grounding: each problem/improvement must align inside section 五, each
   channel name (or, with no name, a phrase of its type) inside the text sent.
   What does not align is dropped and counted in ``Narrative.ungrounded``.
5. On ``LLMError`` the report falls back to the rule extractor:
   ``method="rules_fallback"`` and ``note`` says why. The key is never logged,
   stored, or put in a note.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ConfigError, LLMError, LLMUnavailable
from ..types import Document, Narrative, Sections, Usage
from .answer import AnswerError, NarrativeAnswer, parse_answer
from .cache import AnswerCache, cache_key, instructions_digest
from .chat import CallFailed, ChatAdapter, Completion, EndpointRefused, unreachable
from .config import MODES, LLMConfig
from .grounding import ground_answer
from .prompting import narrative_excerpt, render_messages, render_reask
from .rules import RuleExtractor, other_matters_of

log = logging.getLogger(__name__)


class _ModeUnsupported(Exception):
    pass


@dataclass
class _Tally:
    """Usage of one report, accumulated over its calls (one thread owns it)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0

    def add(self, c: Completion) -> None:
        self.calls += 1
        self.prompt_tokens += c.prompt_tokens
        self.completion_tokens += c.completion_tokens
        self.cached_prompt_tokens += c.cached_prompt_tokens


class LLMExtractor:
    """Narrative by an LLM, grounded, cached, with rule fallback. Thread-safe."""

    name = "llm"

    def __init__(self, config: LLMConfig, *, fallback: Any = None, chat: ChatAdapter | None = None):
        self.config = config
        self.prompt = config.prompt
        p = self.prompt
        self._instructions = instructions_digest(p.system, p.user, p.examples, p.reask,
                                                 NarrativeAnswer.model_json_schema())
        self._chat = chat if chat is not None else ChatAdapter(config, NarrativeAnswer)
        self._fallback = fallback
        self._lock = threading.Lock()
        self._cache: AnswerCache | None = None
        self._working_mode: str | None = None
        self._totals = _Tally()
        self._cached_hits = 0

    def __repr__(self) -> str:  # never shows the key
        c = self.config
        return f"LLMExtractor(base_url={c.base_url!r}, model={c.model!r}, mode={c.mode!r})"

    # -- public -------------------------------------------------------------
    def extract(self, doc: Document, sections: Sections) -> Narrative:
        tally = _Tally()
        try:
            narr = self._extract(doc, sections, tally)
        except (LLMError, ConfigError) as e:
            if self.config.fail_fast and not self._chat.reached and unreachable(e):
                raise LLMUnavailable(f"the LLM endpoint {self.config.base_url} cannot be used: "
                                     f"{getattr(e, 'reason', e)} (--llm-fallback falls back to the rules "
                                     f"instead)", path=doc.path, original=getattr(e, "original", None)) from e
            narr = self._fall_back(doc, sections, e, tally)
        with self._lock:
            self._totals.calls += narr.usage.calls
            self._totals.prompt_tokens += narr.usage.prompt_tokens
            self._totals.completion_tokens += narr.usage.completion_tokens
            self._totals.cached_prompt_tokens += narr.usage.cached_prompt_tokens
            self._cached_hits += int(narr.usage.cached)
        return narr

    @property
    def usage_total(self) -> Usage:
        """Usage of every report this extractor has handled (the run's total)."""
        with self._lock:
            return replace(self._usage(self._totals), cached=self._cached_hits > 0)

    @property
    def working_mode(self) -> str | None:
        return self._working_mode

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # -- one report ---------------------------------------------------------
    def _extract(self, doc: Document, sections: Sections, tally: _Tally) -> Narrative:
        excerpt = narrative_excerpt(doc, sections)
        if not excerpt.text:
            raise LLMError("no narrative section to send (sections 一, 五 and 六 not found)", path=doc.path)
        c = self.config
        key = cache_key(base_url=c.base_url, model=c.model, prompt_version=self.prompt.version, text=excerpt.text,
                        instructions=self._instructions)
        cache = self._get_cache()
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            answer = NarrativeAnswer.model_validate(hit.answer)
            usage = replace(self._usage(_Tally()), cached=True)
        else:
            answer, mode = self._ask(render_messages(self.prompt, excerpt.text), tally, doc.path)
            usage = self._usage(tally)
            if cache is not None:
                cache.put(key, prompt_version=self.prompt.version, model=c.model, mode=mode,
                          answer=answer.model_dump(mode="json"),
                          usage={"prompt_tokens": tally.prompt_tokens,
                                 "cached_prompt_tokens": tally.cached_prompt_tokens,
                                 "completion_tokens": tally.completion_tokens, "calls": tally.calls})
        problems, improvements, channels, dropped = ground_answer(answer, doc, excerpt)
        if dropped:
            log.info("%s: %d model item(s) not found in the source were dropped", doc.path or "report", dropped)
        return Narrative(problems=problems, improvements=improvements, channels=channels,
                         other_matters=other_matters_of(doc, sections), method="llm", ungrounded=dropped,
                         usage=usage, note="answer from cache" if hit is not None else None)

    def _fall_back(self, doc: Document, sections: Sections, err: Exception, tally: _Tally) -> Narrative:
        reason = self._chat.redact(getattr(err, "reason", None) or str(err))
        log.warning("%s: LLM failed, using the rule extractor: %s", doc.path or "report", reason)
        fb = self._fallback
        if fb is None:
            fb = self._fallback = RuleExtractor()
        narr = fb.extract(doc, sections)
        return replace(narr, method="rules_fallback", note=f"LLM failed: {reason}"[:300], usage=self._usage(tally))

    # -- the model: mode detection and the one re-ask ---------------------------
    def _ask(self, messages: list[tuple[str, str]], tally: _Tally, path: str | None) -> tuple[NarrativeAnswer, str]:
        tried: list[str] = []
        last: Exception | None = None
        for mode in self._modes_to_try():
            tried.append(mode)
            try:
                answer = self._ask_in_mode(messages, mode, tally, path)
            except _ModeUnsupported as e:
                log.info("endpoint rejected structured-output mode %s: %s", mode, self._chat.redact(str(e)))
                last = e
                continue
            with self._lock:
                self._working_mode = mode
            return answer, mode
        raise LLMError(f"the endpoint supports none of the structured-output modes tried "
                       f"({', '.join(tried)}): {self._chat.redact(str(last))[:200]}", path=path, original=last)

    def _modes_to_try(self) -> list[str]:
        if self.config.mode != "auto":
            return [self.config.mode]
        with self._lock:
            first = self._working_mode
        return [first, *(m for m in MODES if m != first)] if first else list(MODES)

    def _ask_in_mode(self, messages: list, mode: str, tally: _Tally, path: str | None) -> NarrativeAnswer:
        answer, bad, error = self._call(messages, mode, tally, path, first=True)
        if answer is not None:
            return answer
        follow = [*messages, *([("assistant", bad)] if bad else []), ("user", render_reask(self.prompt, error))]
        answer, _, error2 = self._call(follow, mode, tally, path, first=False)
        if answer is not None:
            return answer
        raise LLMError(f"the answer failed validation twice ({mode}): {error2[:300]}", path=path, attempts=2)

    def _call(self, messages: list, mode: str, tally: _Tally, path: str | None,
              first: bool) -> tuple[NarrativeAnswer | None, str | None, str]:
        """One call: (answer, None, "") or (None, the bad text, why it is not an answer)."""
        try:
            out = self._chat.complete(messages, mode, path=path)
        except EndpointRefused as e:
            if self.config.mode == "auto" and e.lacks_mode:
                raise _ModeUnsupported(str(e.original)) from e
            raise
        except CallFailed:
            tally.calls += 1   # a failed call counts in llm_usage
            raise
        tally.add(out)
        try:
            return _judge(out, mode), None, ""
        except _NoToolCall:
            if first:
                raise _ModeUnsupported("the endpoint answered without the forced tool call") from None
            return None, out.text, "the answer carried no tool call"
        except AnswerError as e:
            return None, out.text, str(e)[:1500]

    # -- helpers ------------------------------------------------------------
    def _get_cache(self) -> AnswerCache | None:
        if self.config.cache_path is None:
            return None
        with self._lock:
            if self._cache is None:
                self._cache = AnswerCache(self.config.cache_path)
            return self._cache

    def _usage(self, t: _Tally) -> Usage:
        return Usage(calls=t.calls, prompt_tokens=t.prompt_tokens, completion_tokens=t.completion_tokens,
                     cached_prompt_tokens=t.cached_prompt_tokens, cached=False,
                     cost_usd=self.config.cost(t.prompt_tokens, t.cached_prompt_tokens, t.completion_tokens))


class _NoToolCall(Exception):
    pass


def _judge(out: Completion, mode: str) -> NarrativeAnswer:
    """The answer in a completion, by the rules of its mode; ``AnswerError`` (or ``_NoToolCall``) if there is none."""
    if out.refusal:
        raise AnswerError(f"the model refused: {out.refusal}")
    if mode != "function_calling":
        return parse_answer(out.content)
    if out.arguments is not None:
        return parse_answer(out.arguments)
    if out.tool_error is not None:
        raise AnswerError(out.tool_error)
    raise _NoToolCall()
