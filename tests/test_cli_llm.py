"""``xxgk extract`` and ``xxgk eval`` with ``--narrative llm`` end to end, against the local fake server:
the real CLI, the real openai/langchain client, real HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from extract.cli import _register, app
from extract.export import read_csv_rows, read_records
from fake_openai import Reply

_register()
SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
STEMS = ("000_shanyang_cgj_2025", "002_jiaozuo_szfb_2025", "004_huzhu_cgzf_2025")
runner = CliRunner()


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for s in STEMS:
        shutil.copy(SAMPLES / f"{s}.txt", d)
        shutil.copy(SAMPLES / f"{s}.json", d)
    return d


def _llm_args(fake) -> list[str]:
    return ["--narrative", "llm", "--llm-base-url", fake.url, "--llm-model", "fake-model"]


def test_extract_with_the_model_caches_and_reports_usage(fake_llm, tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_LLM_API_KEY", "sk-test-cli-secret")
    cache = tmp_path / "cache.sqlite3"
    inp = _folder(tmp_path)
    res = runner.invoke(app, ["extract", str(inp), "-o", str(tmp_path / "a"), *_llm_args(fake_llm),
                              "--llm-cache", str(cache), "--llm-concurrency", "2"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    recs = list(read_records(tmp_path / "a" / "records.jsonl"))
    assert [r["id"] for r in recs] == list(STEMS)
    assert all(r["narrative_method"] == "llm" and r["llm_usage"]["calls"] == 1 for r in recs)
    assert all(r["narrative"]["problems"] and r["narrative"]["problems"][0]["span"] for r in recs)
    assert len(fake_llm.requests) == 3 and fake_llm.max_in_flight <= 2
    assert "sk-test-cli-secret" not in (tmp_path / "a" / "records.jsonl").read_text(encoding="utf-8")
    rows = {r["id"]: r for r in read_csv_rows(tmp_path / "a" / "reports.csv")}   # per-report usage in the CSV
    for r in recs:
        assert rows[r["id"]]["llm_calls"] == "1"
        assert rows[r["id"]]["llm_prompt_tokens"] == str(r["llm_usage"]["prompt_tokens"]) != "0"
        assert rows[r["id"]]["narrative_ungrounded"] == str(r["narrative_ungrounded"])

    fake_llm.reset()                                   # a re-run is answered from the cache
    res = runner.invoke(app, ["extract", str(inp), "-o", str(tmp_path / "b"), *_llm_args(fake_llm),
                              "--llm-cache", str(cache)], catch_exceptions=False)
    assert res.exit_code == 0 and fake_llm.requests == []
    assert all(r["llm_usage"]["cached"] for r in read_records(tmp_path / "b" / "records.jsonl"))
    assert {r["llm_calls"] for r in read_csv_rows(tmp_path / "b" / "reports.csv")} == {"0"}


def test_a_report_the_model_fails_on_falls_back_and_the_batch_goes_on(fake_llm, tmp_path):
    inp = _folder(tmp_path)
    fake_llm.enqueue(Reply(status=500), Reply(status=500), Reply(status=500), Reply(status=500))
    res = runner.invoke(app, ["extract", str(inp), "-o", str(tmp_path / "o"), *_llm_args(fake_llm),
                              "--no-llm-cache", "--llm-concurrency", "1", "--llm-mode", "json_mode"],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    methods = [r["narrative_method"] for r in read_records(tmp_path / "o" / "records.jsonl")]
    assert methods[0] == "rules_fallback" and methods[1:] == ["llm", "llm"]


def test_eval_with_the_model_counts_calls_and_tokens(fake_llm, tmp_path):
    inp = _folder(tmp_path)
    out = tmp_path / "card.json"
    res = runner.invoke(app, ["eval", "--samples", str(inp), *_llm_args(fake_llm), "-q", "--out", str(out)],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    card = json.loads(out.read_text(encoding="utf-8"))
    o = card["overall"]
    assert o["cost.llm_calls"] == 3 and o["cost.prompt_tokens"] > 0 and o["cost.completion_tokens"] > 0
    assert o["cell_accuracy"] == 1.0                   # tables are read by rules whatever the narrative
    assert o["spans.valid_share"] == 1.0


def test_prompt_version_option_reaches_the_request_and_the_scorecard(fake_llm, tmp_path):
    inp = _folder(tmp_path)
    out = tmp_path / "card.json"
    res = runner.invoke(app, ["eval", "--samples", str(inp), *_llm_args(fake_llm), "--llm-prompt", "narrative.v2",
                              "-q", "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["config"]["llm_prompt"] == "narrative.v2"
    assert all(len(r.body["messages"]) == 4 for r in fake_llm.requests)   # system, one pair, the report
    res = runner.invoke(app, ["extract", str(inp), "-o", str(tmp_path / "o"), *_llm_args(fake_llm),
                              "--llm-prompt", "narrative.v0"])
    assert res.exit_code != 0 and "narrative.v0" in res.output


def test_the_llm_options_are_declared_once_and_shared(fake_llm, tmp_path):
    """``extract`` and ``eval`` take the same ``--narrative``/``--llm-*`` options (extract adds the batch
    ones), and an option given to eval reaches the request as it does for extract."""
    def params(name):
        return {p.name: (tuple(p.opts), p.default, p.help) for p in app.commands[name].params
                if p.name.startswith(("llm", "no_llm", "narrative"))}

    ext, ev = params("extract"), params("eval")
    assert set(ev) < set(ext) and set(ext) - set(ev) == {"llm_concurrency", "llm_fallback"}
    assert all(ext[k] == ev[k] for k in ev)

    inp = _folder(tmp_path)
    res = runner.invoke(app, ["eval", "--samples", str(inp), *_llm_args(fake_llm), "--llm-mode", "json_mode",
                              "--llm-cache", str(tmp_path / "c.sqlite3"), "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert [r.mode for r in fake_llm.requests] == ["json_mode"] * 3
    assert (tmp_path / "c.sqlite3").exists()
