"""The batch outputs are byte-identical to the ones kept in ``tests/golden/outputs``.

Refactors (issue 14) and speed work (issue 15) must not change a single byte of what researchers
get: records.jsonl and the CSVs, on the bundled samples (every format), the real crawler reports
in eval/realdev and the converter renderings in eval/renderings.

A change that is *meant* to alter the outputs regenerates them, and the diff is reviewed in git:

    python tests/test_golden_outputs.py --update
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extract.cli import _register, app

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "outputs"
CORPORA = {                       # name: inputs, relative to the repository (paths end up in records)
    "samples": ["eval/samples"],
    "realdev": ["eval/realdev/labelled", "eval/realdev/unlabelled"],
    "renderings": ["eval/renderings"],
}
FILES = ("records.jsonl", "reports.csv", "findings.csv", "errors.csv")
SHARED = ("codebook.csv",)        # the same for every corpus: kept once
_SECONDS = re.compile(rb'"seconds":[0-9.e+-]+')   # a record's wall time: the one field that varies


def read(path: Path) -> bytes:
    """The file's bytes, with a record's ``seconds`` (how long its parse took) set to 0."""
    data = path.read_bytes()
    return _SECONDS.sub(b'"seconds":0', data) if path.suffix == ".jsonl" else data


def extract(corpus: str, out: Path) -> None:
    _register()
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        res = CliRunner().invoke(
            app, ["extract", *CORPORA[corpus], "-o", str(out), "--no-duckdb", "--narrative", "rules"],
            catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output


def _first_difference(name: str, want: bytes, got: bytes) -> str:
    a = want.decode("utf-8").splitlines()
    b = got.decode("utf-8").splitlines()
    diff = difflib.unified_diff(a, b, f"golden/{name}", f"now/{name}", n=0, lineterm="")
    lines = [line if len(line) < 400 else line[:400] + " …" for line in diff]
    return "\n".join(lines[:12])


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_outputs_are_byte_identical_to_the_golden_ones(corpus, tmp_path):
    out = tmp_path / corpus
    extract(corpus, out)
    for name in FILES:
        want = read(GOLDEN / corpus / name)
        got = read(out / name)
        assert got == want, f"{corpus}/{name} changed:\n{_first_difference(name, want, got)}"
    for name in SHARED:
        assert (out / name).read_bytes() == (GOLDEN / name).read_bytes(), f"{name} changed"


def update() -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in sorted(CORPORA):
            out = Path(tmp) / corpus
            extract(corpus, out)
            (GOLDEN / corpus).mkdir(parents=True, exist_ok=True)
            for name in FILES:
                (GOLDEN / corpus / name).write_bytes(read(out / name))
            for name in SHARED:
                shutil.copyfile(out / name, GOLDEN / name)
            print(f"{corpus}: {', '.join(FILES + SHARED)} written to {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit(__doc__)
    update()
