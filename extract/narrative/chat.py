"""The seam to the model: chat messages in, the model's text or JSON out (``ChatAdapter``).

A thin layer over langchain-openai's ``ChatOpenAI`` (the openai client underneath): it binds
the structured-output mode asked for — ``json_schema`` (a strict ``response_format`` with the
answer's JSON schema), ``function_calling`` (the answer schema as the one forced tool) or
``json_mode`` (``{"type": "json_object"}``, the schema only in the prompt) — sends the
messages, and returns what came back as a ``Completion``. It does not parse or judge the
answer (``answer.parse_answer`` does) and does not choose the mode (the extractor does).

HTTP retries are the openai client's own (exponential backoff, Retry-After, 408/409/429/5xx,
timeouts), ``max_retries`` of them. SDK errors become ``LLMError`` with the SDK's exception as
``original``: ``EndpointRefused`` for a 400 (``lacks_mode`` when it is about the
structured-output feature: ``response_format`` / ``tools``...), ``CallFailed`` for an HTTP
error or a connection failure or timeout after the retries (a call that counts in usage).
At most ``concurrency`` requests are in flight, whatever the number of calling threads.
The key is never logged or put in a message. The SDK is imported in this module only.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import LLMError
from .config import LLMConfig

# a 400 that means "this endpoint lacks the feature", not "your request is wrong"
_MODE_REJECTED = re.compile(r"response_format|json_schema|json_object|tool|function|structured", re.I)


class EndpointRefused(LLMError):
    """The endpoint answered 400; ``lacks_mode``: it said it lacks the structured-output mode used."""

    def __init__(self, reason: str, *, lacks_mode: bool, **kw: Any):
        super().__init__(reason, **kw)
        self.lacks_mode = lacks_mode


class CallFailed(LLMError):
    """An HTTP error, or no connection or a timeout, after the client's retries: a call that counts."""


@dataclass(frozen=True, slots=True)
class Completion:
    """What the model sent back, unjudged."""

    content: str                          # the message text ("" when it called the tool instead)
    arguments: dict | None = None         # the tool call's arguments, where it made one with valid JSON
    tool_error: str | None = None         # where it made one with arguments that are not JSON: why
    refusal: str | None = None            # the endpoint's refusal message, if it refused
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0         # of prompt_tokens, served from the endpoint's prompt cache
    raw_arguments: str = ""               # the invalid tool-call arguments as sent

    @property
    def text(self) -> str:
        """What the model said, to show it back in a re-ask: the content, else the tool call's arguments."""
        if self.content:
            return self.content
        if self.arguments is not None:
            return json.dumps(self.arguments, ensure_ascii=False)
        return self.raw_arguments


class ChatAdapter:
    """``complete(messages, mode) -> Completion`` against the endpoint of an ``LLMConfig``. Thread-safe."""

    def __init__(self, config: LLMConfig, schema: type):
        self.config = config
        self.schema = schema                 # the answer's pydantic model (tool / response_format)
        self._sem = threading.BoundedSemaphore(config.concurrency)
        self._lock = threading.Lock()
        self._chat: Any = None
        self._bound: dict[str, Any] = {}
        self.reached = False                 # one call has reached the endpoint

    def complete(self, messages: list[tuple[str, str]], mode: str, *, path: str | None = None) -> Completion:
        """One call. ``messages``: (role, content) pairs. Raises ``LLMError`` (see the module doc)."""
        import openai

        retries = self.config.max_retries
        bound = self._bind(mode)
        try:
            with self._sem:
                raw = bound.invoke(messages)
            self.reached = True
        except openai.BadRequestError as e:
            raise EndpointRefused(f"the endpoint refused the request: {self.redact(str(e))[:300]}", path=path,
                                  original=e, attempts=1, lacks_mode=bool(_MODE_REJECTED.search(str(e)))) from e
        except openai.APIStatusError as e:
            raise CallFailed(f"HTTP {e.status_code} from the endpoint after {retries + 1} attempt(s): "
                             f"{self.redact(str(e))[:200]}", path=path, original=e, attempts=retries + 1) from e
        except openai.APIError as e:  # connection errors and timeouts
            raise CallFailed(f"{type(e).__name__} after {retries + 1} attempt(s): {self.redact(str(e))[:200]}",
                             path=path, original=e, attempts=retries + 1) from e
        except Exception as e:  # anything else the SDK raises
            raise LLMError(f"{type(e).__name__}: {self.redact(str(e))[:200]}", path=path, original=e) from e
        return _completion(raw, self.schema.__name__)

    def redact(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key and len(key) >= 4 else text

    def _bind(self, mode: str) -> Any:
        """The chat model bound to ``mode``'s request parameters (as langchain-openai's
        ``with_structured_output`` binds them, without its parsing)."""
        with self._lock:
            bound = self._bound.get(mode)
            if bound is not None:
                return bound
            if self._chat is None:
                from langchain_openai import ChatOpenAI

                c = self.config
                self._chat = ChatOpenAI(model=c.model, base_url=c.base_url, api_key=c.api_key, timeout=c.timeout,
                                        max_retries=c.max_retries, temperature=c.temperature)
            name = self.schema.__name__
            if mode == "json_schema":
                # the schema as a dict: the SDK's own ``parse`` of a pydantic class would raise on
                # invalid JSON before the answer could be re-asked
                bound = self._chat.bind(response_format={"type": "json_schema", "json_schema": {
                    "name": name, "schema": self.schema.model_json_schema(), "strict": True}})
            elif mode == "function_calling":
                bound = self._chat.bind_tools([self.schema], tool_choice=name, parallel_tool_calls=False)
            elif mode == "json_mode":
                bound = self._chat.bind(response_format={"type": "json_object"})
            else:
                raise ValueError(f"unknown structured-output mode {mode!r}")
            self._bound[mode] = bound
            return bound


def unreachable(err: BaseException) -> bool:
    """A failure that says the endpoint cannot be used at all: no connection, bad key, no such model/path."""
    import openai

    orig = getattr(err, "original", None)
    return isinstance(orig, (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError,
                             openai.NotFoundError))


def _completion(raw: Any, tool: str) -> Completion:
    meta = getattr(raw, "usage_metadata", None) or {}
    content = raw.content if isinstance(raw.content, str) else json.dumps(raw.content, ensure_ascii=False)
    arguments = tool_error = None
    raw_arguments = ""
    for tc in getattr(raw, "tool_calls", None) or []:
        if tc.get("name") == tool:
            arguments = tc.get("args")
        else:
            tool_error = f"the answer called the tool {tc.get('name')!r}, not {tool!r}"
            raw_arguments = json.dumps(tc.get("args"), ensure_ascii=False)
        break
    else:
        for tc in getattr(raw, "invalid_tool_calls", None) or []:
            tool_error = str(tc.get("error") or "the answer was empty or not valid JSON")
            raw_arguments = str(tc.get("args") or "")
            break
    return Completion(content=content, arguments=arguments, tool_error=tool_error,
                      refusal=(getattr(raw, "additional_kwargs", None) or {}).get("refusal"),
                      prompt_tokens=int(meta.get("input_tokens") or 0),
                      completion_tokens=int(meta.get("output_tokens") or 0),
                      cached_prompt_tokens=_cache_read(raw, meta), raw_arguments=raw_arguments)


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
