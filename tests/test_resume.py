"""A batch killed with SIGKILL keeps its finished reports; ``--resume`` finishes it with every input exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extract.export import ERRORS, RECORDS, REPORTS, partial_name, read_csv_rows, read_records

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
N = 2000


def _xxgk(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "extract", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> list[Path]:
    """2,000 small reports: the text samples copied under new names (20 folders)."""
    root = tmp_path_factory.mktemp("many")
    texts = sorted(SAMPLES.glob("*.txt"))
    files = []
    for i in range(N):
        src = texts[i % len(texts)]
        d = root / f"d{i % 20:02d}"
        d.mkdir(exist_ok=True)
        dst = d / f"r{i:04d}_{src.name}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def test_kill_9_then_resume_gives_every_input_exactly_once(many, tmp_path):
    inp = many[0].parent.parent
    out = tmp_path / "out"
    proc = _xxgk("extract", inp, "-o", out, "--narrative", "none", "--jobs", "2", "--no-duckdb", "-q",
                 start_new_session=True)
    journal = out / partial_name(RECORDS)
    deadline = time.monotonic() + 60
    while _lines(journal) < 300 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)              # the CLI and its workers, no chance to clean up
    proc.wait()
    done_before = _lines(journal)
    assert 300 <= done_before < N
    assert not (out / RECORDS).exists() and not (out / REPORTS).exists()   # nothing looks complete

    again = _xxgk("extract", inp, "-o", out, "--narrative", "none", "--jobs", "2", "--duckdb", "--resume")
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert "carried over from the earlier run" in stderr

    recs = list(read_records(out / RECORDS))
    paths = [r["source"]["path"] for r in recs]
    assert sorted(paths) == sorted(str(p) for p in many)          # every input, exactly once
    assert len({r["id"] for r in recs}) == N
    assert len(read_csv_rows(out / REPORTS)) == N
    assert read_csv_rows(out / ERRORS) == []
    assert not [n for n in os.listdir(out) if n.startswith(".")]   # the checkpoint is gone once complete
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect(str(out / "xxgk.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT path) FROM reports").fetchone() == (N, N)

    # a second --resume has nothing left to do; a changed input is read again, once
    changed = many[5]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = _xxgk("extract", inp, "-o", out, "--narrative", "none", "--resume", "--no-duckdb")
    _, stderr = third.communicate(timeout=120)
    assert third.returncode == 0, stderr
    assert f"{N - 1} reports carried over" in stderr and "1 reports in" in stderr
    recs = list(read_records(out / RECORDS))
    assert sorted(r["source"]["path"] for r in recs) == sorted(str(p) for p in many)


def test_a_non_empty_outdir_needs_resume_or_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    one = SAMPLES / "002_jiaozuo_szfb_2025.txt"
    p = _xxgk("extract", one, "-o", out, "--narrative", "none")
    _, stderr = p.communicate(timeout=60)
    assert p.returncode == 2 and "--resume" in stderr and "--force" in stderr
    assert sorted(os.listdir(out)) == ["notes.txt"]
    p = _xxgk("extract", one, "-o", out, "--narrative", "none", "--force", "--no-duckdb")
    p.communicate(timeout=60)
    assert p.returncode == 0
    assert (out / "notes.txt").exists() and (out / RECORDS).exists()
