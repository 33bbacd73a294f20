"""An on-disk answer cache for the LLM extractor (SQLite, safe across threads and processes).

The key is the sha256 of the canonical JSON of everything that decides the
answer — endpoint, model, prompt version, what the prompt and the answer schema
say (a digest: a prompt file edited in place or a channel type added to the
table changes it), the exact input text — so a re-run makes no calls and a
changed prompt never reuses an old answer. Stored:
the validated answer JSON, the usage of the call that made it, the mode that
worked. Never the API key, never request headers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    mode TEXT,
    answer TEXT NOT NULL,
    usage TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(*, base_url: str, model: str, prompt_version: str, text: str, instructions: str = "") -> str:
    """sha256 of the canonical JSON of the inputs that decide the answer; ``instructions`` is a digest of
    the prompt's text and the answer schema (see ``instructions_digest``)."""
    payload = {"base_url": base_url.rstrip("/"), "model": model, "prompt_version": prompt_version, "text": text,
               "instructions": instructions}
    canon = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def instructions_digest(*parts: object) -> str:
    """sha256 of what the model is told besides the excerpt (prompt texts, examples, answer schema)."""
    canon = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    answer: dict
    usage: dict
    mode: str | None


class AnswerCache:
    """``get(key)`` / ``put(key, ...)``; one connection guarded by a lock, WAL for other processes."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(SCHEMA)

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            row = self._conn.execute("SELECT answer, usage, mode FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return CachedAnswer(answer=json.loads(row[0]), usage=json.loads(row[1]), mode=row[2])

    def put(self, key: str, *, prompt_version: str, model: str, mode: str | None, answer: dict,
            usage: dict) -> None:
        row = (key, prompt_version, model, mode, json.dumps(answer, ensure_ascii=False),
               json.dumps(usage, ensure_ascii=False), time.time())
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
