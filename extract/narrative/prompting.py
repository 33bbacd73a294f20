"""What the model is sent: versioned prompt files, the narrative excerpt, a token estimate.

Pure functions only (apart from reading the packaged prompt files once).

- ``load_prompt("narrative.v1")`` reads ``prompts/narrative.v1.system.txt`` (in which
  ``$channel_types`` is the list of channel types from ``extract.channel_types``),
  ``narrative.v1.user.txt`` and ``narrative.v1.examples.json`` (few-shot pairs
  taken from labelled samples). A version's files never change meaning: new
  behaviour gets a new version, and the version is part of the cache key.
- ``narrative_excerpt(doc, sections)`` is the only text of a report that goes
  to the model: section 五 in full, plus the sentences of the opening lines
  (before 一), of section 一 and of 六 that mention a publication medium (cue
  words below). Never the tables. Sections come from ``find_sections`` on the
  re-laid-out text, so a one-line web page and a 五 with only （一）/（二）
  sub-headings give the same excerpt as a well-formed file.
- ``render_messages(prompt, text)`` gives the (role, content) list sent.
- ``estimate_tokens(text)`` is an offline, CJK-aware estimate (tiktoken cannot
  download its encodings here); real counts come from the API's ``usage``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

from ..channel_types import CHANNEL_TYPES, prompt_lists
from ..types import Document, Sections, Span

DEFAULT_VERSION = "narrative.v1"

# words that name a publication medium (the table's cues); a sentence of 一/六 with one of them is sent
CHANNEL_CUES = re.compile("|".join(re.escape(c) for t in CHANNEL_TYPES for c in t.cues))
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")

_HEADERS = {
    "opening": "【报告开头（提到公开渠道的句子）】",
    "overview": "【一、总体情况（提到公开渠道的句子）】",
    "problems": "【五、存在的主要问题及改进情况】",
    "other_matters": "【六、其他需要报告的事项（提到公开渠道的句子）】",
}


@dataclass(frozen=True, slots=True)
class Prompt:
    version: str
    system: str
    user: str                                   # a string.Template with ``$text``
    examples: tuple[tuple[str, str], ...]       # (excerpt, answer JSON)
    reask: str = "$error"                       # follow-up after a failed validation, ``$error``


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the excerpt copied from ``doc.text[span]``, at ``offset`` in the excerpt."""

    offset: int
    span: Span


@dataclass(frozen=True, slots=True)
class Excerpt:
    text: str
    pieces: tuple[Piece, ...]
    problems_span: Span | None   # section 五 in the Document

    def doc_spans(self) -> tuple[Span, ...]:
        return tuple(p.span for p in self.pieces)


# -- prompt files -------------------------------------------------------------

def prompt_dirs() -> list[Path]:
    """Where prompt files are looked for: the checkout's ``prompts/``, then the package's copy."""
    import extract

    dirs = [Path(extract.__file__).resolve().parents[1] / "prompts"]
    try:
        dirs.append(Path(str(resources.files("extract") / "_prompts")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - odd importers
        pass
    return dirs


@lru_cache(maxsize=8)
def load_prompt(version: str = DEFAULT_VERSION) -> Prompt:
    if not re.fullmatch(r"[a-z_]+\.v\d+", version):
        raise ValueError(f"bad prompt version {version!r} (expected e.g. 'narrative.v1')")
    for d in prompt_dirs():
        system = d / f"{version}.system.txt"
        if system.is_file():
            user = (d / f"{version}.user.txt").read_text(encoding="utf-8")
            raw = json.loads((d / f"{version}.examples.json").read_text(encoding="utf-8"))
            examples = tuple((ex["input"], _answer_json(ex["output"])) for ex in raw["examples"])
            reask = d / f"{version}.reask.txt"
            return Prompt(version=version, system=render_system(system.read_text(encoding="utf-8").strip()),
                          user=user.strip(), examples=examples,
                          reask=reask.read_text(encoding="utf-8").strip() if reask.is_file() else "$error")
    raise FileNotFoundError(f"prompt {version} not found in " + ", ".join(str(d) for d in prompt_dirs()))


def render_system(template: str) -> str:
    """A system prompt file with the table's type lists in place (``$channel_types``,
    ``$channel_types_brief``; ``$$`` for a dollar sign)."""
    return Template(template).substitute(prompt_lists())


def _answer_json(answer: dict) -> str:
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":"))


def render_user(prompt: Prompt, text: str) -> str:
    return Template(prompt.user).substitute(text=text)


def render_reask(prompt: Prompt, error: str) -> str:
    return Template(prompt.reask).substitute(error=error)


def render_messages(prompt: Prompt, text: str) -> list[tuple[str, str]]:
    """System, the few-shot pairs, then the report's excerpt — as (role, content)."""
    msgs: list[tuple[str, str]] = [("system", prompt.system)]
    for ex_in, ex_out in prompt.examples:
        msgs.append(("user", render_user(prompt, ex_in)))
        msgs.append(("assistant", ex_out))
    msgs.append(("user", render_user(prompt, text)))
    return msgs


# -- what is sent -------------------------------------------------------------

def _cue_sentences(text: str, span: Span) -> list[Span]:
    start, end = span
    out = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        if s < e and CHANNEL_CUES.search(text, s, e):
            out.append((s, e))
    return out


def narrative_excerpt(doc: Document, sections: Sections) -> Excerpt:
    """Section 五 in full and the channel sentences of the opening, 一 and 六, each part under a header."""
    text = doc.text
    parts: list[tuple[str, list[Span]]] = []
    if sections.found:
        # the lines before section 一 often say where the report itself is published (…网站公布)
        first = min(s.heading_span[0] if s.heading_span else s.span[0] for s in sections.found)
        if first > 0:
            parts.append(("opening", _cue_sentences(text, (0, first))))
    ov = sections.get("overview")
    if ov is not None:
        parts.append(("overview", _cue_sentences(text, ov.span)))
    pr = sections.get("problems")
    if pr is not None:
        s, e = pr.span
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        parts.append(("problems", [(s, e)] if s < e else []))
    om = sections.get("other_matters")
    if om is not None:
        parts.append(("other_matters", _cue_sentences(text, om.span)))

    buf: list[str] = []
    pieces: list[Piece] = []
    pos = 0
    for key, spans in parts:
        if not spans:
            continue
        head = _HEADERS[key] + "\n"
        buf.append(head)
        pos += len(head)
        for s, e in spans:
            pieces.append(Piece(offset=pos, span=(s, e)))
            chunk = text[s:e] + "\n"
            buf.append(chunk)
            pos += len(chunk)
    return Excerpt(text="".join(buf).rstrip("\n"), pieces=tuple(pieces),
                   problems_span=pr.span if pr is not None else None)


# -- tokens -------------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_OTHER = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """A rough BPE token count: one per CJK character or full-width mark, ~4 letters or 3 digits per token.

    For comparisons (excerpt vs whole report), not for billing: real counts come
    from the endpoint's ``usage``.
    """
    n = len(_CJK.findall(text))
    for m in _OTHER.finditer(text):
        tok = m.group()
        if tok.isalpha():
            n += -(-len(tok) // 4)
        elif tok.isdigit():
            n += -(-len(tok) // 3)
        else:
            n += 1
    return n


def estimate_messages_tokens(messages: list[tuple[str, str]] | list[dict]) -> int:
    """Estimated prompt tokens of a chat request (content plus ~4 per message of framing)."""
    total = 0
    for m in messages:
        content = m[1] if isinstance(m, tuple) else (m.get("content") or "")
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        total += estimate_tokens(content) + 4
    return total
