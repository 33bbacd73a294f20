"""The LLM extractor over real HTTP against the local fake server (tests/fake_openai.py).

The real openai / langchain-openai client code runs; nothing is stubbed but the server.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import get_args

import pytest

import extract
from extract import ingest
from extract.batch import iter_batch
from extract.errors import ConfigError
from extract.narrative import make_extractor
from extract.narrative.cache import AnswerCache, cache_key
from extract.narrative.config import LLMConfig
from extract.narrative.grounding import ground_answer, normalize
from extract.narrative.llm import LLMExtractor
from extract.narrative.prompting import load_prompt, narrative_excerpt
from extract.narrative.answer import ChannelTypeAnswer, NarrativeAnswer
from extract.sections import find_sections
from extract.types import ChannelType, Narrative, NarrativeItem
from fake_openai import Reply

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"
NAMES = ["000_shanyang_cgj_2025", "001_wenfeng_cgj_2024", "002_jiaozuo_szfb_2025",
         "003_shanyang_qzf_2023", "004_huzhu_cgzf_2025"]
KEY = "sk-test-SECRET-4242"

P0 = "信息发布时效性不足、更新不及时，主动公开的内容与公众关心的热点、难点问题结合不够紧密。"
I0 = "提升工作人员专业能力，夯实工作基础。"
GOOD = {"problems": [P0], "improvements": [I0],
        "channels": [{"type": "wechat", "name": "山阳微管+"}, {"type": "print", "name": "焦作日报"}]}


class StubRules:
    """A fallback that says who answered."""

    name = "rules"

    def extract(self, doc, sections):
        return Narrative(problems=(NarrativeItem("from rules", None),), method="rules")


def load(name: str):
    doc = ingest.load_with_bytes(SAMPLES / f"{name}.txt")[0]
    return doc, find_sections(doc)


@pytest.fixture(scope="module")
def shanyang():
    return load("000_shanyang_cgj_2025")


def make(fake, **kw) -> LLMExtractor:
    """An extractor as the CLI builds it: options over the environment, then the one factory."""
    opts = dict(base_url=fake.url, model="fake-model", api_key=KEY, cache_path=False, max_retries=1, timeout=5)
    opts.update(kw)
    fallback = opts.pop("fallback", StubRules())
    return make_extractor("llm", llm=LLMConfig.from_env(**opts), fallback=fallback)


def assert_grounded(doc, narr: Narrative):
    for item in (*narr.problems, *narr.improvements):
        s, e = item.span
        assert normalize(doc.text[s:e]) == normalize(item.text)
    for ch in narr.channels:
        s, e = ch.span
        assert ch.name is None or normalize(doc.text[s:e]) == normalize(ch.name)


# -- the three structured-output modes ----------------------------------------

@pytest.mark.parametrize("mode, wire", [("json_schema", "json_schema"), ("function_calling", "function_calling"),
                                        ("json_mode", "json_mode")])
def test_each_mode_answers_and_is_grounded(fake_llm, shanyang, mode, wire):
    doc, secs = shanyang
    fake_llm.answer = GOOD
    narr = make(fake_llm, mode=mode).extract(doc, secs)
    assert narr.method == "llm" and narr.ungrounded == 0
    assert [i.text for i in narr.problems] == [P0]
    assert [i.text for i in narr.improvements] == [I0]
    assert [(c.type, c.name) for c in narr.channels] == [("wechat", "山阳微管+"), ("print", "焦作日报")]
    assert_grounded(doc, narr)
    req = fake_llm.requests[-1]
    assert len(fake_llm.requests) == 1 and req.mode == wire
    if wire == "function_calling":
        assert req.body["tools"][0]["function"]["name"] == "NarrativeAnswer"
    if wire == "json_schema":
        assert req.body["response_format"]["json_schema"]["strict"] is True
    if wire == "json_mode":  # the schema is not sent: the prompt must describe it
        assert '"channels"' in req.body["messages"][0]["content"]
    assert narr.usage.calls == 1 and narr.usage.prompt_tokens > 0 and narr.usage.completion_tokens > 0


def test_auto_moves_down_the_chain_and_remembers(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.reject = {"json_schema", "function_calling"}
    ex = make(fake_llm)
    narr = ex.extract(doc, secs)
    assert narr.method == "llm" and len(narr.problems) == 1
    assert [r.mode for r in fake_llm.requests] == ["json_schema", "function_calling", "json_mode"]
    assert ex.working_mode == "json_mode"
    ex.extract(doc, secs)
    assert [r.mode for r in fake_llm.requests[3:]] == ["json_mode"]


def test_function_calling_without_a_tool_call_moves_to_json_mode(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.reject = {"json_schema"}
    fake_llm.enqueue(Reply(), Reply(plain=True, content="好的"))  # 400 for json_schema, then plain text
    narr = make(fake_llm).extract(doc, secs)
    assert narr.method == "llm"
    assert [r.mode for r in fake_llm.requests] == ["json_schema", "function_calling", "json_mode"]


def test_an_explicit_mode_the_endpoint_rejects_falls_back(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.reject = {"json_schema"}
    narr = make(fake_llm, mode="json_schema").extract(doc, secs)
    assert narr.method == "rules_fallback" and narr.problems[0].text == "from rules"
    assert "refused" in narr.note and len(fake_llm.requests) == 1


# -- validation and the one re-ask --------------------------------------------

@pytest.mark.parametrize("mode, bad", [
    ("json_schema", Reply(content='好的，结果如下：{"problems": [')),
    ("json_schema", Reply(content='{"problems": "not a list", "improvements": [], "channels": []}')),
    ("json_mode", Reply(content='{"problems": [], "improvements": [], "channels": [{"type": "tv", "name": null}]}')),
    ("function_calling", Reply(tool_arguments='{"problems": [}')),
])
def test_invalid_answer_then_good_on_reask(fake_llm, shanyang, mode, bad):
    doc, secs = shanyang
    fake_llm.answer = GOOD
    fake_llm.enqueue(bad)
    narr = make(fake_llm, mode=mode).extract(doc, secs)
    assert narr.method == "llm" and [i.text for i in narr.problems] == [P0]
    assert len(fake_llm.requests) == 2 and narr.usage.calls == 2
    reask = fake_llm.requests[1].body["messages"][-1]
    assert reask["role"] == "user" and "没有通过校验" in reask["content"]
    assert fake_llm.requests[1].body["messages"][:-2] == fake_llm.requests[0].body["messages"]


def test_invalid_twice_falls_back_to_rules(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.enqueue(Reply(content="[]"), Reply(content="still not it"))
    narr = make(fake_llm, mode="json_mode").extract(doc, secs)
    assert narr.method == "rules_fallback" and "validation" in narr.note
    assert len(fake_llm.requests) == 2 and narr.usage.calls == 2


# -- HTTP failures: the client's own retries ------------------------------------

def test_429_with_retry_after_then_success(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.enqueue(Reply(status=429, headers={"Retry-After": "0.3"}))
    t0 = time.perf_counter()
    narr = make(fake_llm, mode="json_schema", max_retries=2).extract(doc, secs)
    took = time.perf_counter() - t0
    assert narr.method == "llm" and len(fake_llm.requests) == 2
    assert 0.3 <= took < 3


def test_repeated_500s_fall_back_to_rules_and_the_batch_goes_on(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.enqueue(Reply(status=500), Reply(status=500))
    ex = make(fake_llm, mode="json_schema", max_retries=1)
    narr = ex.extract(doc, secs)
    assert len(fake_llm.requests) == 2  # one try + one retry
    assert narr.method == "rules_fallback" and narr.problems[0].text == "from rules"
    assert "500" in narr.note and KEY not in narr.note
    assert ex.extract(doc, secs).method == "llm"  # the next report is answered


def test_timeout_falls_back(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.enqueue(Reply(delay=1.0))
    narr = make(fake_llm, mode="json_mode", max_retries=0, timeout=0.2).extract(doc, secs)
    assert narr.method == "rules_fallback" and "Timeout" in narr.note


def test_default_fallback_is_the_rule_extractor(fake_llm, shanyang):
    pytest.importorskip("extract.narrative.rules")
    doc, secs = shanyang
    fake_llm.enqueue(Reply(status=503), Reply(status=503))
    narr = make(fake_llm, mode="json_mode", fallback=None).extract(doc, secs)
    assert narr.method == "rules_fallback" and narr.note.startswith("LLM failed")


# -- grounding ---------------------------------------------------------------

def test_invented_items_are_dropped_and_counted(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.answer = {"problems": [P0, "网站建设资金严重不足，服务器频繁宕机。"],
                       "improvements": ["引入人工智能自动审核全部信息。", I0],
                       "channels": [{"type": "wechat", "name": "山阳微管+"}, {"type": "weibo", "name": "山阳发布"},
                                    {"type": "new_media", "name": None}, {"type": "broadcast", "name": None}]}
    narr = make(fake_llm, mode="json_schema").extract(doc, secs)
    assert [i.text for i in narr.problems] == [P0]
    assert [i.text for i in narr.improvements] == [I0]
    assert [(c.type, c.name) for c in narr.channels] == [("wechat", "山阳微管+"), ("new_media", None)]
    assert narr.ungrounded == 4
    assert_grounded(doc, narr)
    rec = extract.parse_document(doc, narrative=make(fake_llm, mode="json_schema")).to_dict()
    assert rec["narrative_ungrounded"] == 4 and rec["narrative_method"] == "llm"
    assert "服务器频繁宕机" not in json.dumps(rec["narrative"], ensure_ascii=False)


@pytest.mark.parametrize("answer, kind", [
    # line breaks and page debris inside the source item: exact after normalisation
    ("聚焦公众关切，优化信息分类，提升查询便捷性，严格把控信息发布时效，全面落实“应公开尽公开”要求，切实回应全民群众的期盼。", "exact"),
    # the model dropped two characters: fuzzy, and the text shown is the source's
    ("聚焦公众关切，优化信息分类，提升查询便捷性，严格把控信息发布时效，全面落实“应公开尽公开”要求，切实回应群众的期盼。", "fuzzy"),
])
def test_alignment_kinds(answer, kind):
    doc, secs = load("004_huzhu_cgzf_2025")
    probs, imps, chans, dropped = ground_answer(
        NarrativeAnswer(problems=[], improvements=[answer], channels=[]), doc, narrative_excerpt(doc, secs))
    assert dropped == 0 and imps[0].alignment == kind
    s, e = imps[0].span
    assert s >= secs.get("problems").span[0] and e <= secs.get("problems").span[1]
    assert "全民群众" in imps[0].text and (kind == "exact") == (imps[0].score == 1.0)


def test_problem_outside_section_five_is_not_grounded():
    doc, secs = load("000_shanyang_cgj_2025")
    overview_sentence = "通过该平台，实时公开城市管理相关决策、执法动态、公共服务信息等内容。"
    assert overview_sentence in doc.text
    probs, _, _, dropped = ground_answer(
        NarrativeAnswer(problems=[overview_sentence], improvements=[], channels=[]), doc,
        narrative_excerpt(doc, secs))
    assert probs == () and dropped == 1


# -- what is sent --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_only_narrative_is_sent_never_tables(fake_llm, name):
    doc, secs = load(name)
    make(fake_llm, mode="json_schema").extract(doc, secs)
    sent = fake_llm.requests[-1].user_text
    assert "\t" not in sent
    for label in ("本年新收政府信息公开申请数量", "行政规范性文件", "结果维持", "本年制发件数"):
        assert label not in sent
    five = secs.get("problems")
    assert doc.text[five.span[0]:five.span[1]].strip() in sent


# -- cache ------------------------------------------------------------------

def test_cache_hit_makes_zero_requests(fake_llm, shanyang, tmp_path):
    doc, secs = shanyang
    fake_llm.answer = GOOD
    db = tmp_path / "c.sqlite3"
    first = make(fake_llm, mode="json_schema", cache_path=db).extract(doc, secs)
    assert len(fake_llm.requests) == 1 and not first.usage.cached
    ex = make(fake_llm, mode="json_schema", cache_path=db)  # a new run
    again = ex.extract(doc, secs)
    assert len(fake_llm.requests) == 1
    assert again.usage.cached and again.usage.calls == 0 and again.method == "llm"
    assert again.problems == first.problems and again.channels == first.channels
    assert ex.usage_total.calls == 0


def test_prompt_version_change_misses_the_cache(fake_llm, shanyang, tmp_path):
    doc, secs = shanyang
    db = tmp_path / "c.sqlite3"
    make(fake_llm, cache_path=db).extract(doc, secs)
    make(fake_llm, cache_path=db, prompt="narrative.v2").extract(doc, secs)
    same_text_new_version = dataclasses.replace(load_prompt("narrative.v1"), version="narrative.v9")
    make(fake_llm, cache_path=db, prompt=same_text_new_version).extract(doc, secs)
    make(fake_llm, cache_path=db, model="other-model").extract(doc, secs)
    assert len(fake_llm.requests) == 4
    assert len(AnswerCache(db)) == 4


def test_cache_key_is_canonical():
    k = dict(base_url="http://h/v1", model="m", prompt_version="narrative.v1", text="文")
    assert cache_key(**k) == cache_key(**{**k, "base_url": "http://h/v1/"})
    assert cache_key(**k) != cache_key(**{**k, "prompt_version": "narrative.v2"})
    assert cache_key(**k) != cache_key(**{**k, "text": "文 "})
    assert cache_key(**k) != cache_key(**k, instructions="digest of an edited prompt")


def test_a_prompt_edited_under_the_same_version_does_not_reuse_cached_answers(fake_llm, shanyang, tmp_path):
    """A prompt file edited in place (or a channel type added to the table, which every prompt
    version renders) keeps its version name: the cache must still not serve the old answers."""
    doc, secs = shanyang
    fake_llm.answer = GOOD
    db = tmp_path / "cache.sqlite"
    v1 = load_prompt("narrative.v1")
    make(fake_llm, cache_path=db, prompt=v1).extract(doc, secs)
    make(fake_llm, cache_path=db, prompt=v1).extract(doc, secs)
    assert len(fake_llm.requests) == 1                       # the same prompt: answered from the cache
    edited = dataclasses.replace(v1, system=v1.system + "\n新增渠道类型：podcast（播客）。")
    make(fake_llm, cache_path=db, prompt=edited).extract(doc, secs)
    assert len(fake_llm.requests) == 2                       # same version name, other text: asked again


# -- the key stays secret ---------------------------------------------------------

def test_key_never_in_cache_record_logs_or_body(fake_llm, shanyang, tmp_path, caplog):
    doc, secs = shanyang
    db = tmp_path / "c.sqlite3"
    caplog.set_level(logging.DEBUG)
    fake_llm.enqueue(Reply(status=500), Reply(status=500))
    ex = make(fake_llm, cache_path=db)
    rec = extract.parse_document(doc, narrative=ex)  # fails: fallback
    rec2 = extract.parse_document(doc, narrative=ex)  # answered and cached
    ex.close()
    assert rec.narrative.method == "rules_fallback" and rec2.narrative.method == "llm"
    blobs = [p.read_bytes() for p in tmp_path.iterdir()]
    assert blobs and all(KEY.encode() not in b for b in blobs)
    for r in (rec, rec2):
        assert KEY not in json.dumps(r.to_dict(), ensure_ascii=False)
    assert caplog.records and KEY not in caplog.text
    assert KEY not in repr(ex)
    for req in fake_llm.requests:
        assert KEY.encode() not in req.raw
        assert req.headers["authorization"] == f"Bearer {KEY}"
        assert [k for k, v in req.headers.items() if KEY in v] == ["authorization"]


# -- concurrency ----------------------------------------------------------------

def test_a_batch_is_bounded_and_in_order(fake_llm, tmp_path):
    """The path the CLI takes: ``iter_batch`` over files with the extractor, threads in this process."""
    paths = []
    for i, n in enumerate(NAMES * 2):
        p = tmp_path / f"{i:02d}_{n}.txt"
        p.write_bytes((SAMPLES / f"{n}.txt").read_bytes())
        paths.append(p)
    fake_llm.delay = 0.15
    ex = make(fake_llm, mode="json_schema", concurrency=3)
    out = list(iter_batch(paths, narrative=ex, llm_concurrency=6))
    assert fake_llm.max_in_flight == 3
    assert len(fake_llm.requests) == 10
    assert [r.id for r in out] == [p.stem for p in paths]
    for p, rec in zip(paths, out):
        doc, secs = load(p.stem.split("_", 1)[1])
        narr = rec.narrative
        assert narr.method == "llm" and narr.problems
        five = secs.get("problems").span
        assert five[0] <= narr.problems[0].span[0] < five[1]
    assert ex.usage_total.calls == 10
    assert ex.usage_total.prompt_tokens == sum(r.narrative.usage.prompt_tokens for r in out)


def test_semaphore_bounds_requests_across_caller_threads(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.delay = 0.1
    ex = make(fake_llm, mode="json_mode", concurrency=2)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: ex.extract(doc, secs), range(8)))
    assert all(r.method == "llm" for r in results)
    assert fake_llm.max_in_flight == 2


def test_mode_discovery_is_thread_safe(fake_llm, shanyang):
    doc, secs = shanyang
    fake_llm.reject = {"json_schema"}
    ex = make(fake_llm, concurrency=4)
    barrier = threading.Barrier(4)

    def one(_):
        barrier.wait()
        return ex.extract(doc, secs)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    assert all(r.method == "llm" for r in results) and ex.working_mode == "function_calling"


# -- configuration, usage, cost ----------------------------------------------------

ENV = ("XXGK_LLM_BASE_URL", "OPENAI_BASE_URL", "XXGK_LLM_MODEL", "XXGK_LLM_API_KEY", "OPENAI_API_KEY",
       "XXGK_LLM_MODE", "XXGK_LLM_CACHE", "XXGK_LLM_PRICE_PROMPT", "XXGK_LLM_PRICE_COMPLETION",
       "XXGK_LLM_PRICE_CACHED", "XXGK_LLM_PROMPT")


def test_missing_endpoint_is_a_config_error_naming_the_variables(monkeypatch):
    for v in ENV:
        monkeypatch.delenv(v, raising=False)
    with pytest.raises(ConfigError) as e:
        make_extractor("llm")
    msg = str(e.value)
    assert "XXGK_LLM_BASE_URL" in msg and "OPENAI_BASE_URL" in msg and "XXGK_LLM_MODEL" in msg
    with pytest.raises(ConfigError, match="mode"):
        LLMConfig.from_env(base_url="http://x/v1", model="m", mode="xml")


def test_config_options_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XXGK_LLM_BASE_URL", "http://env/v1/")
    monkeypatch.setenv("XXGK_LLM_MODEL", "env-model")
    monkeypatch.setenv("XXGK_LLM_API_KEY", KEY)
    monkeypatch.setenv("XXGK_LLM_CACHE", "off")
    monkeypatch.setenv("XXGK_LLM_PRICE_PROMPT", "0.5")
    cfg = LLMConfig.from_env()
    assert (cfg.base_url, cfg.model, cfg.api_key, cfg.cache_path, cfg.price_prompt) == (
        "http://env/v1", "env-model", KEY, None, 0.5)
    assert KEY not in repr(cfg) and KEY not in repr(make_extractor("llm", llm=cfg))
    cfg = LLMConfig.from_env(model="opt-model", cache_path=tmp_path / "c.sqlite3", mode="json_mode")
    assert (cfg.model, cfg.cache_path, cfg.mode) == ("opt-model", tmp_path / "c.sqlite3", "json_mode")
    assert LLMConfig.from_env(env={"XXGK_LLM_BASE_URL": "http://h", "XXGK_LLM_MODEL": "m"}).api_key == "sk-no-key-needed"
    monkeypatch.setenv("XXGK_LLM_PRICE_COMPLETION", "cheap")
    with pytest.raises(ConfigError, match="XXGK_LLM_PRICE_COMPLETION"):
        LLMConfig.from_env()
    with pytest.raises(ConfigError, match="concurrency"):
        LLMConfig.from_env(concurrency=0, price_completion=1.0)
    with pytest.raises(ConfigError, match="unknown LLM option"):
        LLMConfig.from_env(modle="typo")


def test_options_come_from_the_environment_at_construction(fake_llm, shanyang, monkeypatch, tmp_path):
    doc, secs = shanyang
    monkeypatch.setenv("XXGK_LLM_BASE_URL", fake_llm.url)
    monkeypatch.setenv("XXGK_LLM_MODEL", "env-model")
    monkeypatch.setenv("XXGK_LLM_API_KEY", KEY)
    monkeypatch.setenv("XXGK_LLM_MODE", "json_mode")
    monkeypatch.setenv("XXGK_LLM_CACHE", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("XXGK_LLM_PRICE_PROMPT", "0.5")
    monkeypatch.setenv("XXGK_LLM_PRICE_COMPLETION", "2")
    ex = make_extractor("llm", llm=LLMConfig.from_env(max_retries=0), fallback=StubRules())
    monkeypatch.setenv("XXGK_LLM_MODEL", "changed-later")
    narr = ex.extract(doc, secs)
    req = fake_llm.requests[-1]
    assert req.body["model"] == "env-model" and req.mode == "json_mode"
    assert (tmp_path / "env.sqlite3").exists()
    u = narr.usage
    assert u.cost_usd == pytest.approx((u.prompt_tokens * 0.5 + u.completion_tokens * 2) / 1e6)
    assert ex.usage_total.cost_usd == pytest.approx(u.cost_usd)


def test_no_prices_no_cost(fake_llm, shanyang, monkeypatch):
    monkeypatch.delenv("XXGK_LLM_PRICE_PROMPT", raising=False)
    monkeypatch.delenv("XXGK_LLM_PRICE_COMPLETION", raising=False)
    narr = make(fake_llm).extract(*shanyang)
    assert narr.usage.calls == 1 and narr.usage.cost_usd is None


def test_answer_schema_channel_types_match_the_domain_types():
    assert set(get_args(ChannelTypeAnswer)) == set(get_args(ChannelType))
    schema = NarrativeAnswer.model_json_schema()
    objects = [schema, *schema.get("$defs", {}).values()]
    # strict JSON-schema endpoints need closed objects with every property required, and no dict fields
    assert len(objects) == 2
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])


def test_fake_server_does_not_count_a_request_from_before_a_reset(fake_llm, shanyang):
    """Regression: a timed-out request still being served was once counted by the next test."""
    doc, secs = shanyang
    fake_llm.enqueue(Reply(delay=0.6))
    narr = make(fake_llm, mode="json_mode", max_retries=0, timeout=0.1).extract(doc, secs)
    assert narr.method == "rules_fallback" and len(fake_llm.requests) == 1
    fake_llm.reset()
    time.sleep(0.8)  # the handler wakes, answers a closed connection
    assert fake_llm.requests == [] and fake_llm.in_flight == 0


# -- prompt versions and the endpoint's prompt cache --------------------------------

def test_prompt_version_from_option_or_environment(fake_llm, shanyang, monkeypatch):
    doc, secs = shanyang
    monkeypatch.setenv("XXGK_LLM_PROMPT", "narrative.v2")
    narr = make(fake_llm, mode="json_schema").extract(doc, secs)
    assert narr.method == "llm"
    assert fake_llm.requests[-1].body["messages"][0]["content"] == load_prompt("narrative.v2").system
    make(fake_llm, mode="json_schema", prompt="narrative.v1").extract(doc, secs)   # the option wins
    assert fake_llm.requests[-1].body["messages"][0]["content"] == load_prompt("narrative.v1").system
    assert len(fake_llm.requests[-1].body["messages"]) > len(fake_llm.requests[-2].body["messages"])
    monkeypatch.setenv("XXGK_LLM_PROMPT", "narrative.v99")
    with pytest.raises(ConfigError, match="narrative.v99"):
        make(fake_llm)


@pytest.mark.parametrize("style", ["openai", "deepseek"])
def test_prompt_cache_hits_are_read_and_priced_apart(fake_llm, style):
    """The second report shares the system prompt and few-shot pairs with the first: the endpoint says
    how many of its prompt tokens came from its cache, and those are priced at ``price_cached``."""
    fake_llm.prefix_cache = style
    fake_llm.answer = {"problems": [], "improvements": [], "channels": []}
    ex = make(fake_llm, mode="json_schema", price_prompt=1.0, price_cached=0.1, price_completion=2.0)
    first = ex.extract(*load(NAMES[0]))
    second = ex.extract(*load(NAMES[1]))
    assert first.usage.cached_prompt_tokens == 0
    hit = second.usage.cached_prompt_tokens
    assert 0 < hit < second.usage.prompt_tokens
    u = second.usage
    assert u.cost_usd == pytest.approx(((u.prompt_tokens - hit) * 1.0 + hit * 0.1 + u.completion_tokens * 2.0) / 1e6)
    assert u.to_dict()["cached_prompt_tokens"] == hit
    total = ex.usage_total
    assert total.cached_prompt_tokens == hit
    assert total.cost_usd == pytest.approx(first.usage.cost_usd + second.usage.cost_usd)


def test_without_a_cached_price_cache_hits_cost_the_full_prompt_price(fake_llm, monkeypatch):
    monkeypatch.delenv("XXGK_LLM_PRICE_CACHED", raising=False)
    fake_llm.prefix_cache = "openai"
    ex = make(fake_llm, mode="json_schema", price_prompt=1.0, price_completion=2.0)
    ex.extract(*load(NAMES[0]))
    u = ex.extract(*load(NAMES[1])).usage
    assert u.cached_prompt_tokens > 0
    assert u.cost_usd == pytest.approx((u.prompt_tokens * 1.0 + u.completion_tokens * 2.0) / 1e6)
