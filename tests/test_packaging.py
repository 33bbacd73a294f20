"""The wheel carries every sub-package and the prompt files (a non-editable install once lacked the prompts)."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_and_the_prompts_are_packaged():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "extract").rglob("__init__.py")}
    assert set(cfg["packages"]) == on_disk | {"extract._prompts"}
    assert cfg["package-dir"]["extract._prompts"] == "prompts"
    prompt_files = {p.name for p in (ROOT / "prompts").iterdir()}
    assert prompt_files and all(p.endswith((".txt", ".json")) for p in prompt_files)
