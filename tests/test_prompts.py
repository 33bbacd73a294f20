"""The versioned prompt files, the excerpt that is sent, and the offline token estimate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extract.narrative.grounding import normalize
from extract.narrative.prompting import (Excerpt, estimate_tokens, load_prompt, narrative_excerpt,
                                         render_messages, render_reask)
from extract.narrative.answer import NarrativeAnswer
from extract.types import Document, Paragraph, Section, Sections

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
VERSIONS = ("narrative.v1", "narrative.v2")

FIXED_EXCERPT = ("【一、总体情况（提到公开渠道的句子）】\n"
                 "本年度，我局通过“某某发布”微信公众号发布信息 12 条。\n"
                 "【五、存在的主要问题及改进情况】\n"
                 "主要问题：一是公开内容不够丰富。改进措施：一是拓展公开内容。")


def render_flat(messages: list[tuple[str, str]]) -> str:
    return "".join(f"=== {role} ===\n{content}\n" for role, content in messages)


@pytest.mark.parametrize("version", VERSIONS)
def test_rendered_prompt_is_pinned(version):
    golden = GOLDEN / f"{version}.rendered.txt"
    got = render_flat(render_messages(load_prompt(version), FIXED_EXCERPT))
    if os.environ.get("XXGK_UPDATE_GOLDEN") == "1":  # regenerate deliberately, then review the diff
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_message_shape():
    msgs = render_messages(load_prompt(), FIXED_EXCERPT)
    assert [r for r, _ in msgs] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert msgs[-1][1].endswith(FIXED_EXCERPT)
    assert render_reask(load_prompt(), "ERR-1").count("ERR-1") == 1


def test_bad_or_missing_versions():
    with pytest.raises(ValueError):
        load_prompt("../etc/passwd")
    with pytest.raises(FileNotFoundError, match="narrative.v99"):
        load_prompt("narrative.v99")


@pytest.mark.parametrize("version, pairs", [("narrative.v1", 2), ("narrative.v2", 1)])
def test_few_shot_answers_are_the_labels_and_grounded_in_their_inputs(version, pairs):
    raw = json.loads((ROOT / "prompts" / f"{version}.examples.json").read_text(encoding="utf-8"))
    assert raw["version"] == version and len(raw["examples"]) == pairs
    for ex in raw["examples"]:
        label = json.loads((ROOT / f"{ex['source']}.json").read_text(encoding="utf-8"))["narrative"]
        answer = NarrativeAnswer.model_validate(ex["output"])
        assert answer.problems == label["problems"] and answer.improvements == label["improvements"]
        assert [c.model_dump() for c in answer.channels] == label["channels"]
        source = (ROOT / f"{ex['source']}.txt").read_text(encoding="utf-8")
        norm_in = normalize(ex["input"])
        for line in ex["input"].splitlines():
            if line and not line.startswith("【"):
                assert line in source  # the input is copied from the report
        for item in (*answer.problems, *answer.improvements):
            assert normalize(item) in norm_in
        for ch in answer.channels:
            assert ch.name is None or normalize(ch.name) in norm_in


# -- the excerpt -------------------------------------------------------------

REPORT = ("某局2025年政府信息公开工作年度报告\n"
          "一、总体情况\n"
          "本年度，我局坚持公开为常态。通过门户网站发布信息 120 条。召开会议 3 次。\n"
          "二、主动公开政府信息情况\n"
          "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
          "规章\t0\t0\t0\n"
          "五、存在的主要问题及改进情况\n"
          "一是公开不及时。\n二是改进公开。\n"
          "六、其他需要报告的事项\n"
          "无。本局在公示栏张贴公告。\n")


def section(key, number, text, start_marker, end_marker=None):
    s = text.index(start_marker) + len(start_marker)
    e = text.index(end_marker) if end_marker else len(text)
    return Section(key=key, number=number, span=(s, e))


def test_excerpt_is_narrative_only_and_maps_back():
    doc = Document(text=REPORT, blocks=(Paragraph(REPORT, (0, len(REPORT))),), format="text")
    secs = Sections(found=(
        section("overview", 1, REPORT, "一、总体情况\n", "二、主动"),
        section("active_disclosure", 2, REPORT, "二、主动公开政府信息情况\n", "五、"),
        section("problems", 5, REPORT, "五、存在的主要问题及改进情况\n", "六、"),
        section("other_matters", 6, REPORT, "六、其他需要报告的事项\n"),
    ))
    ex = narrative_excerpt(doc, secs)
    assert ex.text == ("【一、总体情况（提到公开渠道的句子）】\n"
                       "通过门户网站发布信息 120 条。\n"
                       "【五、存在的主要问题及改进情况】\n"
                       "一是公开不及时。\n二是改进公开。\n"
                       "【六、其他需要报告的事项（提到公开渠道的句子）】\n"
                       "本局在公示栏张贴公告。")
    assert "本年制发件数" not in ex.text and "\t" not in ex.text
    for p in ex.pieces:
        s, e = p.span
        assert ex.text[p.offset:p.offset + (e - s)] == REPORT[s:e]
    assert ex.problems_span == secs.get("problems").span


def test_excerpt_of_a_report_without_narrative_sections_is_empty():
    doc = Document(text="表\t1\n", blocks=(), format="text")
    assert narrative_excerpt(doc, Sections(found=())) == Excerpt(text="", pieces=(), problems_span=None)


@pytest.mark.parametrize("text, tokens", [
    ("", 0),
    ("政府", 2),
    ("政府，信息。", 6),
    ("hello world", 4),
    ("2025年", 3),
    ("GPT-4o", 4),          # GPT, -, 4, o
    ("  \n\t ", 0),
])
def test_estimate_tokens(text, tokens):
    assert estimate_tokens(text) == tokens
