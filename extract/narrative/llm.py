"""The LLM narrative extractor: any OpenAI-compatible endpoint through langchain-openai.

Configuration (constructor options; a missing one is read from the environment
when the extractor is built, never at import):

==================  ==========================================  =========================
option              environment                                 default
==================  ==========================================  =========================
``base_url``        ``XXGK_LLM_BASE_URL``, else ``OPENAI_BASE_URL``  — (required)
``model``           ``XXGK_LLM_MODEL``                          — (required)
``api_key``         ``XXGK_LLM_API_KEY``, else ``OPENAI_API_KEY``    a dummy (local servers)
``mode``            ``XXGK_LLM_MODE``                           ``auto``
``cache_path``      ``XXGK_LLM_CACHE`` (``off`` disables)       ``~/.cache/xxgk-extract/llm-cache.sqlite3``
``price_prompt``    ``XXGK_LLM_PRICE_PROMPT`` (USD / 1M tokens)  None → cost None
``price_completion`` ``XXGK_LLM_PRICE_COMPLETION``              None
``price_cached``    ``XXGK_LLM_PRICE_CACHED`` (cache-hit prompt)  ``price_prompt``
``prompt``          ``XXGK_LLM_PROMPT``                         ``narrative.v1``
==================  ==========================================  =========================

Examples: OpenAI ``https://api.openai.com/v1``; DeepSeek ``https://api.deepseek.com``
with ``mode="json_mode"`` (it accepts only ``json_object``); Qwen/DashScope
``https://dashscope.aliyuncs.com/compatible-mode/v1``; vLLM ``http://host:8000/v1``;
Ollama ``http://localhost:11434/v1``.

What happens for one report:

1. Only the narrative excerpt is sent (``prompting.narrative_excerpt``: section
   五 in full, the channel sentences of 一 and 六; never the tables).
2. The cache is asked first (key: endpoint, model, prompt version, excerpt).
3. Structured output, mode chain ``json_schema → function_calling → json_mode``
   (``auto``): a mode the endpoint rejects (a 400 about ``response_format`` /
   ``tools``, or no tool call at all in function calling) moves to the next one,
   and the mode that worked is remembered. An answer that fails validation is
   re-asked once with the validation error; a second failure is an ``LLMError``.
4. HTTP retries are the openai client's own (exponential backoff, Retry-After,
   408/409/429/5xx, timeouts), ``max_retries`` of them.
5. Grounding: each problem/improvement must align inside section 五, each
   channel name (or, with no name, a phrase of its type) inside the text sent.
   What does not align is dropped and counted in ``Narrative.ungrounded``.
6. On ``LLMError`` the report falls back to the rule extractor:
   ``method="rules_fallback"`` and ``note`` says why. The key is never logged,
   stored, or put in a note.

The SDK is imported only in this module.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..channel_types import channel_kind
from ..errors import ConfigError, LLMError, LLMUnavailable
from ..types import Channel, Document, Narrative, NarrativeItem, Sections, Usage
from .cache import AnswerCache, cache_key
from .grounding import align, clean_item
from .prompting import DEFAULT_VERSION, Excerpt, Prompt, load_prompt, narrative_excerpt, render_messages, render_reask
from .rules import RuleExtractor, other_matters_of
from .answer import NarrativeAnswer

log = logging.getLogger(__name__)

Mode = Literal["auto", "json_schema", "function_calling", "json_mode"]
MODES: tuple[str, ...] = ("json_schema", "function_calling", "json_mode")
DUMMY_KEY = "sk-no-key-needed"

# a 400 that means "this endpoint lacks the feature", not "your request is wrong"
_MODE_REJECTED = re.compile(r"response_format|json_schema|json_object|tool|function|structured", re.I)


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xxgk-extract" / "llm-cache.sqlite3"


class _ModeUnsupported(Exception):
    pass


@dataclass
class _Tally:
    """Usage of one report, accumulated over its calls (one thread owns it)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0

    def add(self, raw: Any) -> None:
        self.calls += 1
        meta = getattr(raw, "usage_metadata", None) or {}
        self.prompt_tokens += int(meta.get("input_tokens") or 0)
        self.completion_tokens += int(meta.get("output_tokens") or 0)
        self.cached_prompt_tokens += _cache_read(raw, meta)


def _cache_read(raw: Any, meta: dict) -> int:
    """Prompt tokens served from the endpoint's prefix cache.

    OpenAI, Qwen and vLLM report ``prompt_tokens_details.cached_tokens`` (langchain's
    ``input_token_details.cache_read``); DeepSeek reports ``prompt_cache_hit_tokens``.
    """
    n = (meta.get("input_token_details") or {}).get("cache_read")
    if n is None:
        usage = (getattr(raw, "response_metadata", None) or {}).get("token_usage") or {}
        n = usage.get("prompt_cache_hit_tokens")
    return int(n or 0)


def _env_float(name: str) -> float | None:
    v = os.environ.get(name)
    if v in (None, ""):
        return None
    try:
        return float(v)
    except ValueError:
        raise ConfigError(f"{name} must be a number (USD per 1M tokens), got {v!r}") from None


def _unreachable(err: BaseException) -> bool:
    """A failure that says the endpoint cannot be used at all: no connection, bad key, no such model/path."""
    import openai
    orig = getattr(err, "original", None)
    return isinstance(orig, (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError,
                             openai.NotFoundError))


class LLMExtractor:
    """Narrative by an LLM, grounded, cached, with rule fallback. Thread-safe."""

    name = "llm"

    def __init__(self, *, base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                 mode: Mode | None = None, cache_path: str | os.PathLike | bool | None = None,
                 concurrency: int = 4, timeout: float = 60.0, max_retries: int = 3,
                 price_prompt: float | None = None, price_completion: float | None = None,
                 price_cached: float | None = None, fallback: Any = None, prompt: str | Prompt | None = None,
                 temperature: float = 0.0, fail_fast: bool = False):
        env = os.environ
        self.base_url = (base_url or env.get("XXGK_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or "").rstrip("/")
        self.model = model or env.get("XXGK_LLM_MODEL") or ""
        missing = [w for w, v in (("base_url (XXGK_LLM_BASE_URL or OPENAI_BASE_URL)", self.base_url),
                                  ("model (XXGK_LLM_MODEL)", self.model)) if not v]
        if missing:
            raise ConfigError("the LLM extractor needs " + " and ".join(missing)
                              + ": pass them as options or set the environment variables")
        self._key = api_key or env.get("XXGK_LLM_API_KEY") or env.get("OPENAI_API_KEY") or DUMMY_KEY
        self.mode: str = mode or env.get("XXGK_LLM_MODE") or "auto"
        if self.mode not in ("auto", *MODES):
            raise ConfigError(f"mode must be one of auto, {', '.join(MODES)}; got {self.mode!r}")
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.price_prompt = price_prompt if price_prompt is not None else _env_float("XXGK_LLM_PRICE_PROMPT")
        self.price_completion = (price_completion if price_completion is not None
                                 else _env_float("XXGK_LLM_PRICE_COMPLETION"))
        self.price_cached = price_cached if price_cached is not None else _env_float("XXGK_LLM_PRICE_CACHED")
        if prompt is None:
            prompt = env.get("XXGK_LLM_PROMPT") or DEFAULT_VERSION
        try:
            self.prompt = load_prompt(prompt) if isinstance(prompt, str) else prompt
        except (ValueError, FileNotFoundError) as e:
            raise ConfigError(f"prompt: {e}") from None
        self.temperature = temperature
        # fail_fast: until one call has reached the endpoint, a connection or authentication
        # failure raises LLMUnavailable instead of falling back (a wrong endpoint stops a batch)
        self.fail_fast = fail_fast
        self._reached = False

        if cache_path is False:
            self.cache_path: Path | None = None
        elif cache_path in (None, True):
            envc = env.get("XXGK_LLM_CACHE")
            self.cache_path = (None if envc and envc.lower() in ("off", "0", "false", "no")
                               else Path(envc).expanduser() if envc else default_cache_path())
        else:
            self.cache_path = Path(cache_path).expanduser()

        self._fallback = fallback
        self._sem = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._cache: AnswerCache | None = None
        self._chat: Any = None
        self._runnables: dict[str, Any] = {}
        self._working_mode: str | None = None
        self._totals = _Tally()
        self._cached_hits = 0

    def __repr__(self) -> str:  # never shows the key
        return f"LLMExtractor(base_url={self.base_url!r}, model={self.model!r}, mode={self.mode!r})"

    # -- public -------------------------------------------------------------
    def extract(self, doc: Document, sections: Sections) -> Narrative:
        tally = _Tally()
        try:
            narr = self._extract(doc, sections, tally)
        except (LLMError, ConfigError) as e:
            if self.fail_fast and not self._reached and _unreachable(e):
                raise LLMUnavailable(f"the LLM endpoint {self.base_url} cannot be used: "
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

    def extract_many(self, pairs: Iterable[tuple[Document, Sections]]) -> Iterator[Narrative]:
        """Narratives in input order, at most ``concurrency`` requests in flight."""
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="xxgk-llm") as pool:
            window: deque = deque()
            for doc, sections in pairs:
                window.append(pool.submit(self.extract, doc, sections))
                if len(window) >= 2 * self.concurrency:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()

    @property
    def usage_total(self) -> Usage:
        """Usage of every report this extractor has handled (the run's total)."""
        with self._lock:
            t = self._totals
            return replace(self._usage(t), cached=self._cached_hits > 0)

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
        key = cache_key(base_url=self.base_url, model=self.model, prompt_version=self.prompt.version,
                        text=excerpt.text)
        cache = self._get_cache()
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            answer = NarrativeAnswer.model_validate(hit.answer)
            usage = replace(self._usage(_Tally()), cached=True)
        else:
            answer, mode = self._ask(render_messages(self.prompt, excerpt.text), tally, doc.path)
            usage = self._usage(tally)
            if cache is not None:
                cache.put(key, prompt_version=self.prompt.version, model=self.model, mode=mode,
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
        reason = self._redact(getattr(err, "reason", None) or str(err))
        log.warning("%s: LLM failed, using the rule extractor: %s", doc.path or "report", reason)
        fb = self._fallback
        if fb is None:
            fb = self._fallback = RuleExtractor()
        narr = fb.extract(doc, sections)
        return replace(narr, method="rules_fallback", note=f"LLM failed: {reason}"[:300], usage=self._usage(tally))

    # -- the model ------------------------------------------------------------
    def _ask(self, messages: list[tuple[str, str]], tally: _Tally, path: str | None) -> tuple[NarrativeAnswer, str]:
        tried: list[str] = []
        last: Exception | None = None
        for mode in self._modes_to_try():
            tried.append(mode)
            try:
                answer = self._ask_in_mode(messages, mode, tally, path)
            except _ModeUnsupported as e:
                log.info("endpoint rejected structured-output mode %s: %s", mode, self._redact(str(e)))
                last = e
                continue
            with self._lock:
                self._working_mode = mode
            return answer, mode
        raise LLMError(f"the endpoint supports none of the structured-output modes tried "
                       f"({', '.join(tried)}): {self._redact(str(last))[:200]}", path=path, original=last)

    def _modes_to_try(self) -> list[str]:
        if self.mode != "auto":
            return [self.mode]
        with self._lock:
            first = self._working_mode
        return [first, *(m for m in MODES if m != first)] if first else list(MODES)

    def _ask_in_mode(self, messages: list, mode: str, tally: _Tally, path: str | None) -> NarrativeAnswer:
        answer, bad, error = self._invoke(messages, mode, tally, path, first=True)
        if answer is not None:
            return answer
        follow = [*messages, *([("assistant", bad)] if bad else []), ("user", render_reask(self.prompt, error))]
        answer, _, error2 = self._invoke(follow, mode, tally, path, first=False)
        if answer is not None:
            return answer
        raise LLMError(f"the answer failed validation twice ({mode}): {error2[:300]}", path=path, attempts=2)

    def _invoke(self, messages: list, mode: str, tally: _Tally, path: str | None,
                first: bool) -> tuple[NarrativeAnswer | None, str | None, str]:
        """One structured call: (answer, None, "") or (None, the bad text, the validation error)."""
        import openai

        runnable = self._runnable(mode)
        try:
            with self._sem:
                out = runnable.invoke(messages)
            self._reached = True
        except openai.BadRequestError as e:
            if self.mode == "auto" and _MODE_REJECTED.search(str(e)):
                raise _ModeUnsupported(str(e)) from e
            raise LLMError(f"the endpoint refused the request: {self._redact(str(e))[:300]}",
                           path=path, original=e, attempts=1) from e
        except openai.APIStatusError as e:
            tally.calls += 1   # a failed call counts in llm_usage
            raise LLMError(f"HTTP {e.status_code} from the endpoint after {self.max_retries + 1} attempt(s): "
                           f"{self._redact(str(e))[:200]}", path=path, original=e,
                           attempts=self.max_retries + 1) from e
        except openai.APIError as e:  # connection errors and timeouts
            tally.calls += 1
            raise LLMError(f"{type(e).__name__} after {self.max_retries + 1} attempt(s): "
                           f"{self._redact(str(e))[:200]}", path=path, original=e,
                           attempts=self.max_retries + 1) from e
        except Exception as e:  # anything else the SDK raises
            raise LLMError(f"{type(e).__name__}: {self._redact(str(e))[:200]}", path=path, original=e) from e
        raw = out.get("raw")
        tally.add(raw)
        parsed, err = out.get("parsed"), out.get("parsing_error")
        if isinstance(parsed, dict):  # json_schema mode parses to a dict; validate it here
            try:
                parsed = NarrativeAnswer.model_validate(parsed)
            except ValidationError as e:
                err = e
        if isinstance(parsed, NarrativeAnswer):
            return parsed, None, ""
        bad = _answer_text(raw)
        if err is not None:
            return None, bad, str(err)[:1500]
        if mode == "function_calling" and not getattr(raw, "invalid_tool_calls", None):
            if first:
                raise _ModeUnsupported("the endpoint answered without the forced tool call")
            return None, bad, "the answer carried no tool call"
        invalid = getattr(raw, "invalid_tool_calls", None) or []
        reason = invalid[0].get("error") if invalid else None
        return None, bad, str(reason or "the answer was empty or not valid JSON")

    def _runnable(self, mode: str) -> Any:
        with self._lock:
            r = self._runnables.get(mode)
            if r is None:
                if self._chat is None:
                    from langchain_openai import ChatOpenAI

                    self._chat = ChatOpenAI(model=self.model, base_url=self.base_url, api_key=self._key,
                                            timeout=self.timeout, max_retries=self.max_retries,
                                            temperature=self.temperature)
                # json_schema gets the schema as a dict: the SDK's own ``parse`` would raise on
                # invalid JSON before we could re-ask; a dict gives the raw answer back
                schema: Any = ({"name": "NarrativeAnswer", "schema": NarrativeAnswer.model_json_schema(),
                                "strict": True} if mode == "json_schema" else NarrativeAnswer)
                r = self._runnables[mode] = self._chat.with_structured_output(
                    schema, method=mode, include_raw=True)
            return r

    # -- helpers ------------------------------------------------------------
    def _get_cache(self) -> AnswerCache | None:
        if self.cache_path is None:
            return None
        with self._lock:
            if self._cache is None:
                self._cache = AnswerCache(self.cache_path)
            return self._cache

    def _cost(self, t: _Tally) -> float | None:
        """USD, with cache-hit prompt tokens at ``price_cached`` (the full prompt price when unset)."""
        if self.price_prompt is None or self.price_completion is None:
            return None
        cached_price = self.price_cached if self.price_cached is not None else self.price_prompt
        fresh = t.prompt_tokens - t.cached_prompt_tokens
        return round((fresh * self.price_prompt + t.cached_prompt_tokens * cached_price
                      + t.completion_tokens * self.price_completion) / 1e6, 8)

    def _usage(self, t: _Tally) -> Usage:
        return Usage(calls=t.calls, prompt_tokens=t.prompt_tokens, completion_tokens=t.completion_tokens,
                     cached_prompt_tokens=t.cached_prompt_tokens, cached=False, cost_usd=self._cost(t))

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key and len(self._key) >= 4 else text


def _answer_text(raw: Any) -> str:
    """What the model said, for the re-ask: the content, else the tool call's arguments."""
    import json

    if raw is None:
        return ""
    content = raw.content if isinstance(raw.content, str) else json.dumps(raw.content, ensure_ascii=False)
    if content:
        return content
    for tc in getattr(raw, "tool_calls", None) or []:
        return json.dumps(tc.get("args"), ensure_ascii=False)
    for tc in getattr(raw, "invalid_tool_calls", None) or []:
        return str(tc.get("args") or "")
    return ""


# -- grounding (pure) ------------------------------------------------------------

def ground_answer(answer: NarrativeAnswer, doc: Document,
                  excerpt: Excerpt) -> tuple[tuple[NarrativeItem, ...], tuple[NarrativeItem, ...],
                                             tuple[Channel, ...], int]:
    """Align the model's items with the source; return the grounded ones and how many were dropped."""
    dropped = 0
    text = doc.text

    def items(values: list[str]) -> tuple[NarrativeItem, ...]:
        nonlocal dropped
        out: list[NarrativeItem] = []
        seen: set[tuple[int, int]] = set()
        for v in values:
            a = align(text, v, window=excerpt.problems_span) if excerpt.problems_span else None
            if a is None:
                dropped += 1
                continue
            if a.span in seen:
                continue
            seen.add(a.span)
            shown = v.strip() if a.kind == "exact" else clean_item(text[a.span[0]:a.span[1]])
            out.append(NarrativeItem(text=shown, span=a.span, alignment=a.kind, score=a.score))
        return tuple(out)

    problems = items(answer.problems)
    improvements = items(answer.improvements)

    channels: list[Channel] = []
    seen_ch: set[tuple[str, str | None]] = set()
    for ch in answer.channels:
        name = (ch.name or "").strip().strip("“”\"《》「」") or None
        span = _ground_channel(text, excerpt, ch.type, name)
        if span is None:
            dropped += 1
            continue
        if (ch.type, name) in seen_ch:
            continue
        seen_ch.add((ch.type, name))
        channels.append(Channel(type=ch.type, name=name, span=span))
    return problems, improvements, tuple(channels), dropped


def _ground_channel(text: str, excerpt: Excerpt, type_: str, name: str | None) -> tuple[int, int] | None:
    needles = (name,) if name else channel_kind(type_).grounding
    for needle in needles:
        for span in excerpt.doc_spans():
            a = align(text, needle, window=span, threshold=1.0)
            if a is not None and a.kind == "exact":
                return a.span
    return None
