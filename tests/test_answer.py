"""``answer.parse_answer``: the pure parser of what a model sends back, one row per quirk.

Each row is a model output and what must come of it: the answer, or an ``AnswerError`` whose
message (what the re-ask tells the model) names the fault. The JSON is read as the
structured-output parsers of langchain-core read it, so these are the answers the extractor
has always accepted and re-asked.
"""

from __future__ import annotations

import json

import pytest

from extract.narrative.answer import AnswerError, NarrativeAnswer, parse_answer

GOOD = {"problems": ["公开不够及时。"], "improvements": ["加强培训。"],
        "channels": [{"type": "wechat", "name": "某某发布"}, {"type": "website", "name": None}]}
G = json.dumps(GOOD, ensure_ascii=False)
EMPTY = {"problems": [], "improvements": [], "channels": []}


@pytest.mark.parametrize("output, expected", [
    pytest.param(G, GOOD, id="plain-json"),
    pytest.param(json.dumps(GOOD, ensure_ascii=False, indent=2), GOOD, id="pretty-printed"),
    pytest.param(f"```json\n{G}\n```", GOOD, id="json-code-fence"),
    pytest.param(f"```\n{G}\n```", GOOD, id="bare-code-fence"),
    pytest.param(f"好的，结果如下：\n```json\n{G}\n```\n以上。", GOOD, id="prose-around-a-fence"),
    pytest.param(f"  \n{G}\n\n", GOOD, id="surrounding-whitespace"),
    pytest.param(f"{G}\n以上是抽取结果。", GOOD, id="trailing-prose"),
    pytest.param(f"{G}\n{G}", GOOD, id="two-objects-the-first-counts"),
    pytest.param('{"problems": ["甲\n乙"], "improvements": [], "channels": []}',
                 {**EMPTY, "problems": ["甲\n乙"]}, id="raw-line-break-inside-a-string"),
    pytest.param('{"problems": ["公开不够及时。"], "improvements": [], "channels": [{"type": "weibo", "name": "某某',
                 {**EMPTY, "problems": ["公开不够及时。"], "channels": [{"type": "weibo", "name": "某某"}]},
                 id="cut-short-after-every-key-is-closed"),
    pytest.param(GOOD, GOOD, id="tool-call-arguments"),
    pytest.param(EMPTY, EMPTY, id="nothing-found"),
])
def test_accepted(output, expected):
    answer = parse_answer(output)
    assert isinstance(answer, NarrativeAnswer)
    assert answer.model_dump() == expected


@pytest.mark.parametrize("output, fault", [
    pytest.param(f"结果如下：{G}", "not valid JSON", id="leading-prose-without-a-fence"),
    pytest.param("抱歉，我无法完成这个任务。", "not valid JSON", id="prose-only"),
    pytest.param("", "not valid JSON", id="empty"),
    pytest.param("\ufeff" + G, "not valid JSON", id="byte-order-mark"),
    pytest.param("{'problems': [], 'improvements': [], 'channels': []}", "not valid JSON", id="python-quotes"),
    pytest.param('{"problems": [], "improvements": [], "channels": [],}', "not valid JSON", id="trailing-comma"),
    pytest.param("[]", "not a JSON object but list", id="an-array"),
    pytest.param('"公开不够及时。"', "not a JSON object but str", id="a-string"),
    pytest.param('{"problems": [', "improvements\n  Field required", id="cut-short-early"),
    pytest.param('{"problems": "公开不够及时。", "improvements": [], "channels": []}', "problems\n  Input should be a "
                 "valid list", id="a-string-for-a-list"),
    pytest.param('{"problems": null, "improvements": [], "channels": []}', "Input should be a valid list",
                 id="null-for-a-list"),
    pytest.param('{"problems": [1], "improvements": [], "channels": []}', "Input should be a valid string",
                 id="a-number-for-an-item"),
    pytest.param('{"problems": [], "improvements": []}', "channels\n  Field required", id="missing-key"),
    pytest.param('{"problems": [], "improvements": [], "channels": [], "note": "x"}', "Extra inputs are not permitted",
                 id="extra-key"),
    pytest.param('{"problems": [], "improvements": [], "channels": [{"type": "tv", "name": null}]}',
                 "channels.0.type\n  Input should be 'website'", id="unknown-channel-type"),
    pytest.param('{"problems": [], "improvements": [], "channels": [{"type": "weibo"}]}',
                 "channels.0.name\n  Field required", id="channel-without-a-name-key"),
    pytest.param('{"problems": [], "improvements": [], "channels": {"type": "weibo", "name": null}}',
                 "channels\n  Input should be a valid list", id="one-channel-not-in-a-list"),
    pytest.param({"problems": "x", "improvements": [], "channels": []}, "Input should be a valid list",
                 id="tool-call-arguments-of-the-wrong-type"),
])
def test_rejected(output, fault):
    with pytest.raises(AnswerError) as e:
        parse_answer(output)
    assert fault in str(e.value)
