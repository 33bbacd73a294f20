"""The answer a model must give: its schema (pydantic models) and ``parse_answer``, the pure
parser of what a model sends back.

Lists of small records only — no ``Dict`` fields — so that strict JSON-schema
endpoints (OpenAI) accept the schema as they do a lenient local server.
``ChannelAnswer.type`` is one of the channel types of ``extract.channel_types``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..channel_types import CHANNEL_TYPE_KEYS

ChannelTypeAnswer = Literal[CHANNEL_TYPE_KEYS]  # type: ignore[valid-type]


class ChannelAnswer(BaseModel):
    """One publication medium named in the report."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ChannelTypeAnswer = Field(description="the kind of medium")
    name: Optional[str] = Field(description="the proper name without quote marks, else the report's phrase, else null")


class NarrativeAnswer(BaseModel):
    """Problems, improvements and publication channels of one report, verbatim from the text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problems: list[str] = Field(description="section 五: one item per problem, verbatim, in source order")
    improvements: list[str] = Field(description="section 五: one item per measure, verbatim, in source order")
    channels: list[ChannelAnswer] = Field(description="every medium through which the body publishes information")


class AnswerError(ValueError):
    """The model's output is not a valid ``NarrativeAnswer``; the message says why (it is what the
    re-ask tells the model)."""


def parse_answer(output: str | Mapping[str, Any]) -> NarrativeAnswer:
    """The model's output — its text, or the arguments of its tool call — as a ``NarrativeAnswer``.

    Text is read as JSON the way langchain-core's ``parse_json_markdown`` reads it (what the
    structured-output parsers use): the whole text, else the inside of a Markdown code fence;
    a JSON text cut short has its open strings and brackets closed. Prose around JSON that is
    not fenced is not JSON. The object must then be exactly the answer: the three lists, each
    channel with a known type and a name or null, nothing else. Pure; ``AnswerError`` if not.
    """
    if isinstance(output, str):
        from langchain_core.utils.json import parse_json_markdown

        text = output.strip()
        try:
            data = parse_json_markdown(text)
        except (ValueError, RecursionError):
            raise AnswerError(f"the answer is not valid JSON: {text[:300]}") from None
    else:
        data = output
    if not isinstance(data, Mapping):
        raise AnswerError(f"the answer is not a JSON object but {type(data).__name__}: "
                          f"{json.dumps(data, ensure_ascii=False)[:300]}")
    try:
        return NarrativeAnswer.model_validate(data)
    except ValidationError as e:
        raise AnswerError(str(e)) from None
