"""Benchmark the LLM extractor against the fake server answering after 1 s.

For each prompt version: 100 reports (copies of the text samples in eval/samples)
through the path ``xxgk extract --narrative llm --llm-concurrency 16 --no-llm-cache``
takes: the extractor built by ``make_extractor`` from an ``LLMConfig``, then
``iter_batch`` (each file read, its tables parsed and checked, its narrative asked for by
16 threads in this process), answer cache off. The fake server
imitates OpenAI's automatic prompt caching (``prefix_cache="openai"``), so the
usage it returns says how many prompt tokens a real provider would bill at the
cache-hit price (measured in a second, sequential pass over the reports with
distinct excerpts, since a repeated copy would be served whole from the cache).
Prints, per version:

- wall time, requests, the most requests in flight;
- prompt tokens sent per report, and the same prompt with the whole report in
  place of the excerpt (``prompt_share`` = sent / whole, the issue's ≤ 35 % target);
- the report text alone: excerpt tokens / whole-report tokens (``report_text_share``);
- the fixed part (system prompt + few-shot pairs) and the whole-report length at
  which ``prompt_share`` would reach 35 % (``break_even_report_tokens``);
- prompt tokens served from the provider's cache and those left at full price,
  beside the whole-report prompt's full-price part (its fixed part is cached the
  same way, in 128-token blocks, for prompts of 1024 tokens or more):
  ``full_price_prompt_share``, the figure the prompt-size target is judged on, with
  ``report_text_share`` the other;
- and, without a server, ``report_text_share`` for the real crawled reports of
  eval/realdev (one line each) and how many of their excerpts hold section 五.

Reports are read as the pipeline reads them (re-laid out, then sections found).

Token counts are the offline estimate (``prompting.estimate_tokens``), the same on
both sides of every ratio. Run: python bench/bench_llm.py  (writes bench/out/bench_llm.json)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402

from extract import ingest  # noqa: E402
from extract.batch import iter_batch  # noqa: E402
from extract.narrative import make_extractor  # noqa: E402
from extract.narrative.config import LLMConfig  # noqa: E402
from extract.narrative.prompting import (estimate_messages_tokens, estimate_tokens, load_prompt,  # noqa: E402
                                         narrative_excerpt, render_messages)
from extract.relayout import relayout  # noqa: E402
from extract.sections import find_sections  # noqa: E402

N, CONCURRENCY, DELAY, TARGET = 100, 16, 1.0, 0.35
VERSIONS = ("narrative.v1", "narrative.v2")


def extractor(url: str, prompt, concurrency: int):
    """The extractor as the CLI builds it (options over the environment, cache off)."""
    return make_extractor("llm", llm=LLMConfig.from_env(base_url=url, model="bench", cache_path=False,
                                                        concurrency=concurrency, max_retries=0, timeout=30,
                                                        prompt=prompt))


def run(version: str, paths: list, pairs: list, distinct: list) -> dict:
    prompt = load_prompt(version)
    with FakeOpenAI(delay=DELAY) as srv:
        t0 = time.perf_counter()
        out = [r.narrative for r in iter_batch(paths, narrative=extractor(srv.url, prompt, CONCURRENCY),
                                               llm_concurrency=CONCURRENCY)]
        wall = time.perf_counter() - t0
        requests, in_flight = len(srv.requests), srv.max_in_flight
    sent = [n.usage.prompt_tokens for n in out]
    with FakeOpenAI(prefix_cache="openai") as srv:   # one request at a time, each excerpt once
        seq = [r.narrative.usage for r in iter_batch([p for p, _ in distinct],
                                                     narrative=extractor(srv.url, prompt, 1), llm_concurrency=1)]
    whole = [estimate_messages_tokens(render_messages(prompt, d.text)) for d, _ in pairs]
    fixed = estimate_messages_tokens(render_messages(prompt, "")) - estimate_tokens(prompt.user.replace("$text", ""))
    excerpt = [estimate_tokens(narrative_excerpt(d, s).text) for d, s in pairs]
    report = [estimate_tokens(d.text) for d, _ in pairs]
    r = sum(excerpt) / sum(report)
    hit = sum(u.cached_prompt_tokens for u in seq) / len(seq)
    fresh = sum(u.prompt_tokens - u.cached_prompt_tokens for u in seq) / len(seq)
    whole_seq = [estimate_messages_tokens(render_messages(prompt, d.text)) for _, (d, _) in distinct]
    whole_fresh = sum(w - (fixed // 128 * 128 if i and w >= 1024 else 0) for i, w in enumerate(whole_seq)) / len(seq)
    return {
        "prompt": version, "reports": N, "concurrency": CONCURRENCY, "server_delay_s": DELAY,
        "wall_s": round(wall, 2), "requests": requests, "max_in_flight": in_flight,
        "methods": sorted({n.method for n in out}),
        "fixed_prompt_tokens": fixed,
        "report_tokens_mean": round(statistics.mean(report), 1),
        "prompt_tokens_per_report": round(sum(sent) / N, 1),
        "whole_report_prompt_tokens_per_report": round(sum(whole) / N, 1),
        "prompt_share": round(sum(sent) / sum(whole), 3),
        "prompt_share_range": [round(min(a / b for a, b in zip(sent, whole)), 3),
                               round(max(a / b for a, b in zip(sent, whole)), 3)],
        "report_text_share": round(r, 3),
        "break_even_report_tokens": round(fixed * (1 - TARGET) / (TARGET - r)) if r < TARGET else None,
        "provider_cached_prompt_tokens_per_report": round(hit, 1),
        "full_price_prompt_tokens_per_report": round(fresh, 1),
        "full_price_whole_report_prompt_tokens_per_report": round(whole_fresh, 1),
        "full_price_prompt_share": round(fresh / whole_fresh, 3),
    }


def load(paths) -> list:
    """(Document, Sections) as the pipeline makes them: re-laid-out text (a one-line web page cut
    into lines), then the section finder."""
    out = []
    for p in paths:
        doc = relayout(ingest.load_with_bytes(p)[0])
        out.append((doc, find_sections(doc)))
    return out


def real_text_share() -> dict:
    """The report text sent for the real crawled reports of eval/realdev (one line each as crawled):
    excerpt tokens / whole-report tokens, and how many excerpts hold section 五."""
    pairs = load(sorted((ROOT / "eval" / "realdev").glob("*/*.txt")))
    excerpts = [narrative_excerpt(d, s).text for d, s in pairs]
    return {
        "reports": len(pairs),
        "report_text_share": round(sum(map(estimate_tokens, excerpts))
                                   / sum(estimate_tokens(d.text) for d, _ in pairs), 3),
        "excerpts_with_section_five": sum("【五、" in e for e in excerpts),
    }


def main() -> list[dict]:
    files = sorted((ROOT / "eval" / "samples").glob("*.txt"))
    base = load(files)
    paths = [files[i % len(files)] for i in range(N)]
    pairs = [base[i % len(base)] for i in range(N)]
    seen: set[str] = set()
    distinct = []
    for p, (d, s) in zip(files, base):
        text = narrative_excerpt(d, s).text
        if text not in seen:
            seen.add(text)
            distinct.append((p, (d, s)))
    res = [run(v, paths, pairs, distinct) for v in VERSIONS]
    res.append({"realdev": real_text_share()})
    outdir = ROOT / "bench" / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "bench_llm.json").write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
