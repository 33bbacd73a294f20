"""The user's cache folder: one setting for every cache, and entries built once, never seen half-built."""

from __future__ import annotations

import os
import time
from pathlib import Path

from extract.narrative.config import default_cache_path
from extract.usercache import KEEP_DAYS, cache_dir, cached


def test_the_cache_folder_setting_covers_every_cache(tmp_path):
    assert cache_dir({"XXGK_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "xxgk-extract"
    assert default_cache_path({"XXGK_CACHE_DIR": str(tmp_path)}) == tmp_path / "llm-cache.sqlite3"


def test_an_entry_is_built_once_then_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path / "cache"))
    builds = []

    def build(path: Path) -> None:
        builds.append(path)
        path.write_text("made")

    first = cached("thing-1", build)
    assert first == tmp_path / "cache" / "thing-1" and first.read_text() == "made"
    assert cached("thing-1", build) == first and len(builds) == 1
    assert first.parent not in {b.parent for b in builds}               # built aside, then renamed in
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["thing-1"]


def test_a_race_lost_keeps_the_winner_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path))

    def build(path: Path) -> None:            # another process finishes first, while this one builds
        (tmp_path / "dir-1").mkdir()
        (tmp_path / "dir-1" / "theirs").write_text("x")
        path.mkdir()
        (path / "mine").write_text("y")

    got = cached("dir-1", build)
    assert got == tmp_path / "dir-1" and [p.name for p in got.iterdir()] == ["theirs"]
    assert [p.name for p in tmp_path.iterdir()] == ["dir-1"]            # no temporary folder left


def test_a_cache_that_cannot_be_written_gives_none(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path / "file" / "cache"))
    assert cached("thing-1", lambda p: p.write_text("made")) is None


def test_building_an_entry_prunes_its_kind_unused_for_a_month(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CACHE_DIR", str(tmp_path))
    month_ago = time.time() - (KEEP_DAYS + 1) * 86400
    for name in ("lexicon-old", "lexicon-recent", "lexicon-used", "schema-old.duckdb", ".lexicon-new-killed"):
        (tmp_path / name).mkdir()
    for name in ("lexicon-old", "lexicon-used", "schema-old.duckdb", ".lexicon-new-killed"):
        os.utime(tmp_path / name, (month_ago, month_ago))
    assert cached("lexicon-used", lambda p: p.mkdir()) == tmp_path / "lexicon-used"   # used: touched
    assert time.time() - (tmp_path / "lexicon-used").stat().st_mtime < 60
    cached("lexicon-new", lambda p: p.mkdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["lexicon-new", "lexicon-recent", "lexicon-used", "schema-old.duckdb"]      # another kind is kept
