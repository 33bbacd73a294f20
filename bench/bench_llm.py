"""Benchmark the LLM extractor against the fake server answering after 1 s.

100 reports (copies of eval/samples) through ``extract_many`` at concurrency 16, cache off.
Prints wall time, requests, and the prompt-token share vs sending the whole report.
Run: /tmp/dev/bin/python bench/bench_llm.py   (writes bench/out/bench_llm.json)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402

from extract import ingest  # noqa: E402
from extract.narrative.llm import LLMExtractor  # noqa: E402
from extract.narrative.prompting import (estimate_messages_tokens, estimate_tokens, load_prompt,  # noqa: E402
                                         narrative_excerpt, render_messages)
from extract.sections import find_sections  # noqa: E402

N, CONCURRENCY, DELAY = 100, 16, 1.0


def main() -> dict:
    paths = sorted((ROOT / "eval" / "samples").glob("*.txt"))
    base = []
    for p in paths:
        doc = ingest.load_with_bytes(p)[0]
        base.append((doc, find_sections(doc)))
    pairs = [base[i % len(base)] for i in range(N)]
    prompt = load_prompt()
    with FakeOpenAI(delay=DELAY) as srv:
        ex = LLMExtractor(base_url=srv.url, model="bench", cache_path=False, concurrency=CONCURRENCY,
                          max_retries=0, timeout=30)
        t0 = time.perf_counter()
        out = list(ex.extract_many(pairs))
        wall = time.perf_counter() - t0
        requests, in_flight = len(srv.requests), srv.max_in_flight
    sent = [n.usage.prompt_tokens for n in out]
    whole = [estimate_messages_tokens(render_messages(prompt, d.text)) for d, _ in pairs]
    text_share = [estimate_tokens(narrative_excerpt(d, s).text) / estimate_tokens(d.text) for d, s in pairs]
    res = {
        "reports": N, "concurrency": CONCURRENCY, "server_delay_s": DELAY, "wall_s": round(wall, 2),
        "requests": requests, "max_in_flight": in_flight,
        "methods": sorted({n.method for n in out}),
        "prompt_tokens_per_report": round(sum(sent) / N, 1),
        "whole_report_prompt_tokens_per_report": round(sum(whole) / N, 1),
        "prompt_share": round(sum(sent) / sum(whole), 3),
        "report_text_share_mean": round(sum(text_share) / N, 3),
    }
    outdir = ROOT / "bench" / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "bench_llm.json").write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
