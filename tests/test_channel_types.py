"""The table of channel types (``extract/channel_types.py``) is the one place a type is defined.

The toy test copies the package, adds one row to the table (``TOY_ROW``, nothing else) and
shows in a fresh interpreter that the rule extractor, the answer schema and its validation,
the prompt's type lists, the excerpt sent to the model, grounding and scoring all know it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from extract.channel_types import CHANNEL_TYPE_KEYS, CHANNEL_TYPES, ChannelType, channel_kind, prompt_lists
from extract.evaluation.scoring import GENERIC_NAMES
from extract.narrative.answer import ChannelTypeAnswer, NarrativeAnswer
from extract.narrative.nlp import CHANNEL_WORDS
from extract.narrative.prompting import CHANNEL_CUES, load_prompt

ROOT = Path(__file__).resolve().parents[1]

# the whole change that adds a channel type: one row of the table
TOY_ROW = '''\
    ChannelKind(
        "podcast", "播客节目", "播客",
        words=("播客节目", "播客"),
        cues=("播客",),
        grounding=("播客",),
        generic=("播客", "播客节目")),
'''


def test_the_table_is_well_formed():
    keys = [t.key for t in CHANNEL_TYPES]
    assert len(keys) == len(set(keys)) == 12
    words = [w for t in CHANNEL_TYPES for w in t.words]
    assert len(words) == len(set(words)), "a channel word belongs to one type"
    for t in CHANNEL_TYPES:
        assert t.words and t.cues and t.description and t.brief, t.key
        assert set(t.unnamed_words) <= set(t.words), t.key
        assert not (t.account and t.phrase_names), t.key
    with pytest.raises(KeyError, match="website"):
        channel_kind("tv")


def test_every_consumer_reads_the_table():
    keys = CHANNEL_TYPE_KEYS
    assert get_args(ChannelType) == keys == get_args(ChannelTypeAnswer)
    enum = NarrativeAnswer.model_json_schema()["$defs"]["ChannelAnswer"]["properties"]["type"]["enum"]
    assert tuple(enum) == keys
    assert tuple(CHANNEL_WORDS) == keys and tuple(GENERIC_NAMES) == keys
    assert {c for t in CHANNEL_TYPES for c in t.cues} == set(CHANNEL_CUES.pattern.split("|"))
    lists = prompt_lists()
    assert lists["channel_types"] in load_prompt("narrative.v1").system
    assert lists["channel_types_brief"] in load_prompt("narrative.v2").system
    with pytest.raises(ValidationError):
        NarrativeAnswer.model_validate({"problems": [], "improvements": [], "channels": [{"type": "podcast",
                                                                                           "name": None}]})


TOY_SCRIPT = textwrap.dedent('''
    import json
    from extract import ingest
    from extract.channel_types import CHANNEL_TYPE_KEYS
    from extract.evaluation.scoring import channel_key
    from extract.narrative.answer import NarrativeAnswer
    from extract.narrative.llm import ground_answer
    from extract.narrative.prompting import load_prompt, narrative_excerpt
    from extract.narrative.rules import RuleExtractor
    from extract.sections import find_sections

    text = ("某局2025年政府信息公开工作年度报告\\n一、总体情况\\n"
            "本年度，我局通过“某某之声”播客发布政策解读 12 期。\\n"
            "五、存在的主要问题及改进情况\\n一是公开内容不够丰富。\\n"
            "六、其他需要报告的事项\\n无。\\n")
    doc = ingest.from_text(text)
    secs = find_sections(doc)
    rules = RuleExtractor().extract(doc, secs)
    excerpt = narrative_excerpt(doc, secs)
    answer = NarrativeAnswer.model_validate(
        {"problems": [], "improvements": [], "channels": [{"type": "podcast", "name": None}]})
    _, _, grounded, dropped = ground_answer(answer, doc, excerpt)
    try:
        NarrativeAnswer.model_validate({"problems": [], "improvements": [], "channels": [{"type": "tv", "name": None}]})
        tv = "accepted"
    except Exception:
        tv = "rejected"
    enum = NarrativeAnswer.model_json_schema()["$defs"]["ChannelAnswer"]["properties"]["type"]["enum"]
    print(json.dumps({
        "keys": CHANNEL_TYPE_KEYS,
        "rules": [[c.type, c.name, text[c.span[0]:c.span[1]]] for c in rules.channels],
        "schema_enum": enum,
        "tv": tv,
        "excerpt": excerpt.text,
        "grounded": [[c.type, c.name, text[c.span[0]:c.span[1]]] for c in grounded],
        "dropped": dropped,
        "v1": load_prompt("narrative.v1").system,
        "v2": load_prompt("narrative.v2").system,
        "score_key": channel_key({"type": "podcast", "name": "播客节目"}),
    }, ensure_ascii=False))
''')


def test_a_toy_channel_type_is_one_row_of_the_table(tmp_path):
    shutil.copytree(ROOT / "extract", tmp_path / "extract", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    table = tmp_path / "extract" / "channel_types.py"
    src = table.read_text(encoding="utf-8")
    end = "\n)\n\nCHANNEL_TYPE_KEYS"
    assert src.count(end) == 1
    table.write_text(src.replace(end, "\n" + TOY_ROW.rstrip("\n") + end), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", TOY_SCRIPT], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["keys"][-1] == "podcast" and got["keys"][:-1] == list(CHANNEL_TYPE_KEYS)
    # the rule extractor: the word is in its lexicon, the quoted name before it names it
    assert got["rules"] == [["podcast", "某某之声", "“某某之声”播客"]]
    # the answer schema sent to the model, and its validation
    assert got["schema_enum"][-1] == "podcast" and got["tv"] == "rejected"
    # the prompt's type lists, in both versions
    assert "、podcast（播客节目）。" in got["v1"] and "；podcast 播客。" in got["v2"]
    # the excerpt sent holds the sentence (a cue), and a model's unnamed podcast grounds on its word
    assert "本年度，我局通过“某某之声”播客发布政策解读 12 期。" in got["excerpt"]
    assert got["grounded"] == [["podcast", None, "播客"]] and got["dropped"] == 0
    # scoring: the type's generic word names nothing
    assert got["score_key"] == ["podcast", None]
