"""The worker pool hands files out in chunks; each file keeps its own time limit, crash isolation
and place in the output."""

from __future__ import annotations

import itertools
import shutil
import signal
import time
from functools import partial
from pathlib import Path

import extract.batch as batch
from extract.record import Record
from hostile import GOOD


def test_chunks_start_small_then_grow_to_the_cap():
    sizes = [len(c) for c in batch._chunks((str(i) for i in range(100)), lambda: 16)]
    assert sizes == [1, 2, 4, 8, 16, 16, 16, 16, 16, 5] and sum(sizes) == 100
    cap = itertools.chain([16, 16, 3, 1, 1], itertools.repeat(16))     # the cap is read for each chunk
    assert [len(c) for c in batch._chunks((str(i) for i in range(40)), lambda: next(cap))] == \
        [1, 2, 4, 3, 1, 1, 2, 4, 8, 14]


def test_dicts_are_the_records_to_dict(tmp_path):
    paths = []
    for i in range(5):
        shutil.copy(GOOD, tmp_path / f"r{i}.txt")
        paths.append(tmp_path / f"r{i}.txt")
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe\x00")
    paths.insert(2, tmp_path / "broken.txt")
    want = [r.to_dict(include_text=False) for r in batch.iter_batch(paths, jobs=1, narrative="rules")]
    for jobs in (1, 2):
        got = list(batch.iter_batch_map(partial(Record.to_dict, include_text=False), paths, jobs=jobs,
                                        narrative="rules"))
        for d in (*want, *got):
            d["seconds"] = 0
        assert got == want
    assert [d["status"] for d in want].count("failed") == 1


def slow_one(path: str):
    """Runs in the worker: a file named *slow* takes 3 s (beyond ``SLOW_FILE_S``, within the limit)."""
    if "slow" in Path(path).name:
        time.sleep(3)
    return batch._parse_one(path)


def test_a_slow_file_runs_alone_and_does_not_hold_back_its_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_parse_one", slow_one)
    names = [f"r{i:02d}{'_slow' if i == 4 else ''}.txt" for i in range(9)]    # inside the third chunk
    for n in names:
        shutil.copy(GOOD, tmp_path / n)
    recs = list(batch.iter_batch([tmp_path / n for n in names], jobs=2, narrative="none", file_timeout=30))
    assert [Path(r.source.path).name for r in recs] == names
    assert all(r.status == "ok" for r in recs)


def stuck_one(path: str):
    """Runs in the worker: a file named *stuck* hangs where no alarm reaches (as native code would)."""
    if "stuck" in Path(path).name:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    return batch._parse_one(path)


def test_a_file_stuck_beyond_the_alarm_is_stopped_and_fails_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_parse_one", stuck_one)
    names = [f"r{i:02d}{'_stuck' if i == 4 else ''}.txt" for i in range(9)]   # inside the third chunk
    for n in names:
        shutil.copy(GOOD, tmp_path / n)
    t0 = time.monotonic()
    recs = list(batch.iter_batch([tmp_path / n for n in names], jobs=2, narrative="none", file_timeout=1.0))
    assert time.monotonic() - t0 < 60
    assert [Path(r.source.path).name for r in recs] == names
    for n, r in zip(names, recs):
        if "stuck" in n:
            assert r.status == "failed" and r.error_code == "E310"
            assert "timed out after 1 s" in r.error and "worker was stopped" in r.error
        else:
            assert r.status == "ok", r.error


def test_files_under_lists_what_os_walk_and_isfile_list(tmp_path):
    """``_files_under`` tells files by their folder listing (no stat per file): the files ``os.walk``
    and ``os.path.isfile`` give, outside hidden folders, in Path order, with links to files kept,
    links to folders not entered, broken links and hidden files left out."""
    import os

    from extract.batch import _files_under
    for d in ("a/b", "a/.hidden", "c", ".top"):
        (tmp_path / d).mkdir(parents=True)
    for f in ("a/x.txt", "a/b/y.md", "a/.hidden/z.txt", "a/.dot.txt", "c/名字", ".top/t.txt", "a/b/10.txt",
              "a/b/9.txt", "a-b.txt"):
        (tmp_path / f).write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "a", tmp_path / "c" / "to_a")
    os.symlink(tmp_path / "a" / "x.txt", tmp_path / "c" / "to_x.txt")
    os.symlink(tmp_path / "missing", tmp_path / "c" / "broken.txt")
    want = []
    for folder, dirs, names in os.walk(tmp_path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        want += [os.path.join(folder, n) for n in names
                 if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    files, unreadable = _files_under(tmp_path)
    assert files == [str(p) for p in sorted(map(Path, want))]
    assert unreadable == []


def test_pebble_tick_is_fast_during_a_batch_and_the_process_own_afterwards(tmp_path):
    import pebble

    for i in range(3):
        shutil.copy(GOOD, tmp_path / f"r{i}.txt")
    before = pebble.CONSTS.sleep_unit
    seen = []
    try:
        pebble.CONSTS.sleep_unit = 0.25               # a notebook's own setting
        for _ in batch.iter_batch(sorted(tmp_path.glob("*.txt")), jobs=2, narrative="none"):
            seen.append(pebble.CONSTS.sleep_unit)
        assert seen == [batch.POOL_TICK_S] * 3
        assert pebble.CONSTS.sleep_unit == 0.25
        it = batch.iter_batch(sorted(tmp_path.glob("*.txt")), jobs=2, narrative="none")
        next(it)
        it.close()                                    # a batch left early gives it back as well
        assert pebble.CONSTS.sleep_unit == 0.25
    finally:
        pebble.CONSTS.sleep_unit = before
