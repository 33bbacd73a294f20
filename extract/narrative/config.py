"""What the LLM extractor needs to know, as one frozen value: ``LLMConfig``.

``LLMConfig.from_env(**options)`` is the one place where options (the CLI's ``--llm-*``)
and the environment meet: an option given wins, else its variable, else the default.
The environment is read then, never at import and never later.

==================  ===============================================  ==========================================
option              environment                                      default
==================  ===============================================  ==========================================
``base_url``        ``XXGK_LLM_BASE_URL``, else ``OPENAI_BASE_URL``  — (required)
``model``           ``XXGK_LLM_MODEL``                               — (required)
``api_key``         ``XXGK_LLM_API_KEY``, else ``OPENAI_API_KEY``    a dummy (local servers)
``mode``            ``XXGK_LLM_MODE``                                ``auto``
``cache_path``      ``XXGK_LLM_CACHE`` (``off`` disables)            ``~/.cache/xxgk-extract/llm-cache.sqlite3``
``price_prompt``    ``XXGK_LLM_PRICE_PROMPT`` (USD / 1M tokens)      None → cost None
``price_completion`` ``XXGK_LLM_PRICE_COMPLETION``                   None
``price_cached``    ``XXGK_LLM_PRICE_CACHED`` (cache-hit prompt)     ``price_prompt``
``prompt``          ``XXGK_LLM_PROMPT``                              ``narrative.v1``
==================  ===============================================  ==========================================

The rest have no variable: ``concurrency`` (requests in flight, 4), ``timeout`` (s, 60),
``max_retries`` (the openai client's own retries, 3), ``temperature`` (0), ``fail_fast``
(until one call has reached the endpoint, a connection or authentication failure raises
``LLMUnavailable`` instead of falling back to the rules).

Examples: OpenAI ``https://api.openai.com/v1``; DeepSeek ``https://api.deepseek.com``
with ``mode="json_mode"`` (it accepts only ``json_object``); Qwen/DashScope
``https://dashscope.aliyuncs.com/compatible-mode/v1``; vLLM ``http://host:8000/v1``;
Ollama ``http://localhost:11434/v1``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
from ..usercache import cache_dir
from .prompting import DEFAULT_VERSION, Prompt, load_prompt

Mode = Literal["auto", "json_schema", "function_calling", "json_mode"]
MODES: tuple[str, ...] = ("json_schema", "function_calling", "json_mode")
DUMMY_KEY = "sk-no-key-needed"
_OFF = ("off", "0", "false", "no")


def default_cache_path(env: Mapping[str, str] | None = None) -> Path:
    return cache_dir(env) / "llm-cache.sqlite3"


@dataclass(frozen=True)
class LLMConfig:
    """A checked configuration of the LLM extractor (see the module doc). ``repr`` never shows the key."""

    base_url: str
    model: str
    api_key: str = field(default=DUMMY_KEY, repr=False)
    mode: Mode = "auto"
    cache_path: Path | None = None          # None: no answer cache
    prompt: Prompt = field(default_factory=load_prompt, repr=False)
    concurrency: int = 4
    timeout: float = 60.0
    max_retries: int = 3
    temperature: float = 0.0
    price_prompt: float | None = None
    price_completion: float | None = None
    price_cached: float | None = None
    fail_fast: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", (self.base_url or "").rstrip("/"))
        missing = [w for w, v in (("base_url (XXGK_LLM_BASE_URL or OPENAI_BASE_URL)", self.base_url),
                                  ("model (XXGK_LLM_MODEL)", self.model)) if not v]
        if missing:
            raise ConfigError("the LLM extractor needs " + " and ".join(missing)
                              + ": pass them as options or set the environment variables")
        if self.mode not in ("auto", *MODES):
            raise ConfigError(f"mode must be one of auto, {', '.join(MODES)}; got {self.mode!r}")
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}")
        if isinstance(self.prompt, str):
            object.__setattr__(self, "prompt", _load(self.prompt))
        if self.cache_path is not None:
            object.__setattr__(self, "cache_path", Path(self.cache_path).expanduser())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> LLMConfig:
        """Options given (not None) win over the environment (``os.environ`` unless ``env``).

        ``cache_path``: a path, ``False`` for no cache, None for ``XXGK_LLM_CACHE`` (``off``: none)
        or the default; ``prompt``: a version or a ``Prompt``.
        """
        env = os.environ if env is None else env
        unknown = set(options) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ConfigError(f"unknown LLM option(s): {', '.join(sorted(unknown))}")
        opts = {k: v for k, v in options.items() if v is not None}
        cache = opts.pop("cache_path", None)
        if cache is False:
            cache_path = None
        elif cache is None or cache is True:
            envc = env.get("XXGK_LLM_CACHE")
            cache_path = (None if envc and envc.lower() in _OFF
                          else Path(envc).expanduser() if envc else default_cache_path(env))
        else:
            cache_path = Path(cache).expanduser()
        return cls(
            base_url=opts.pop("base_url", None) or env.get("XXGK_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or "",
            model=opts.pop("model", None) or env.get("XXGK_LLM_MODEL") or "",
            api_key=opts.pop("api_key", None) or env.get("XXGK_LLM_API_KEY") or env.get("OPENAI_API_KEY") or DUMMY_KEY,
            mode=opts.pop("mode", None) or env.get("XXGK_LLM_MODE") or "auto",
            prompt=opts.pop("prompt", None) or env.get("XXGK_LLM_PROMPT") or DEFAULT_VERSION,
            price_prompt=_price(opts.pop("price_prompt", None), "XXGK_LLM_PRICE_PROMPT", env),
            price_completion=_price(opts.pop("price_completion", None), "XXGK_LLM_PRICE_COMPLETION", env),
            price_cached=_price(opts.pop("price_cached", None), "XXGK_LLM_PRICE_CACHED", env),
            cache_path=cache_path,
            **opts,
        )

    def cost(self, prompt_tokens: int, cached_prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD, with cache-hit prompt tokens at ``price_cached`` (the full prompt price when unset)."""
        if self.price_prompt is None or self.price_completion is None:
            return None
        cached_price = self.price_cached if self.price_cached is not None else self.price_prompt
        fresh = prompt_tokens - cached_prompt_tokens
        return round((fresh * self.price_prompt + cached_prompt_tokens * cached_price
                      + completion_tokens * self.price_completion) / 1e6, 8)


def _load(version: str) -> Prompt:
    try:
        return load_prompt(version)
    except (ValueError, FileNotFoundError) as e:
        raise ConfigError(f"prompt: {e}") from None


def _price(given: float | None, name: str, env: Mapping[str, str]) -> float | None:
    if given is not None:
        return given
    v = env.get(name)
    if v in (None, ""):
        return None
    try:
        return float(v)
    except ValueError:
        raise ConfigError(f"{name} must be a number (USD per 1M tokens), got {v!r}") from None
