"""How fast this machine runs plain Python, for reading benchmark figures taken on different days.

The targets of issue 15 are rates on "the 2-core machine", but the machine behind that name has
run the same code at rates a factor of two apart from one session to the next. Each text benchmark
prints the time of a fixed pure-Python loop that does not use this package (dict and str work, as
a parse does): two figures are comparable in proportion to it, and the README's table gives it for
the day its figures were taken.
"""

from __future__ import annotations

import time


def _loop() -> int:
    text = "本年新收政府信息公开申请数量总计" * 8
    seen: dict[str, int] = {}
    for i in range(100_000):
        key = text[i % 97:i % 97 + 4]
        seen[key] = seen.get(key, 0) + len(key.strip())
    return len(seen)


def reference_ms(rounds: int = 5) -> float:
    """The best of ``rounds`` runs of the reference loop, in ms of CPU."""
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        _loop()
        best = min(best, time.process_time() - t)
    return 1000 * best


def describe() -> str:
    return f"host: the reference loop (bench/host.py) takes {reference_ms():.1f} ms of CPU here"


if __name__ == "__main__":
    print(describe())
