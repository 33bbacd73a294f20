"""The answer a model must give, as pydantic models (the structured-output schema).

Lists of small records only — no ``Dict`` fields — so that strict JSON-schema
endpoints (OpenAI) accept the schema as they do a lenient local server.
``ChannelAnswer.type`` is one of the channel types of ``extract.channel_types``.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

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
