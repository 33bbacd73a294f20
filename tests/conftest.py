"""Shared fixtures. ``fake_llm``: a local OpenAI-compatible server (tests/fake_openai.py),
started once per session and reset before each test that uses it.

The tests keep their caches (``extract.usercache``: the lexicon, the empty database, the LLM
answers of the fake server) under ``.pytest_cache/``, not in the user's own cache folder: a test's
toy template or fake answers have no place there. Set here, before any test, so that the CLI runs
in subprocesses use it too; it persists between runs, so the lexicon is built once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fake_openai import FakeOpenAI

os.environ["XXGK_CACHE_DIR"] = str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "xxgk-cache")


@pytest.fixture(scope="session")
def _fake_llm_server():
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def fake_llm(_fake_llm_server):
    _fake_llm_server.reset()
    yield _fake_llm_server
    _fake_llm_server.reset()
