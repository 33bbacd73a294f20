"""Shared fixtures. ``fake_llm``: a local OpenAI-compatible server (tests/fake_openai.py),
started once per session and reset before each test that uses it."""

from __future__ import annotations

import pytest

from fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def _fake_llm_server():
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def fake_llm(_fake_llm_server):
    _fake_llm_server.reset()
    yield _fake_llm_server
    _fake_llm_server.reset()
