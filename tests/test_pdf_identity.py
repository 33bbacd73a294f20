"""The PDF reader gives the same Document as before it was made faster, on a corpus of report PDFs.

``tests/golden/pdf_identity.json`` holds, for every PDF of ``pdf_corpus.build()``, a digest of the
Document (text, every block and cell with its span, page count) the reader of commit 5a07a0f gave (its readers are those of 5d815ff).
It was recorded with that commit's code, and must not be re-recorded with the new one:

    PYTHONPATH=<checkout of 5a07a0f> python tests/test_pdf_identity.py --record
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("reportlab")

import pdf_corpus  # noqa: E402
from test_html_identity import digest, snapshot  # noqa: E402

EXPECTED = Path(__file__).resolve().parent / "golden" / "pdf_identity.json"


def current(folder: Path) -> dict[str, str]:
    from extract.errors import IngestError
    from extract.ingest.pdf import read_pdf

    out = {}
    for name, path in pdf_corpus.build(folder):
        try:
            value = snapshot(read_pdf(path.read_bytes(), name, ocr="off"))
        except IngestError as e:
            value = {"error": e.reason}
        out[name] = digest(value)
    return out


def test_documents_are_unchanged(tmp_path):
    want = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = current(tmp_path)
    assert set(got) == set(want), "the corpus changed: the expectations no longer describe it"
    changed = sorted(n for n in want if got[n] != want[n])
    assert not changed, f"{len(changed)} of {len(want)} Documents differ from the old reader's: {changed}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    import extract
    print("recording with", extract.__file__)
    with tempfile.TemporaryDirectory() as tmp:
        EXPECTED.write_text(json.dumps(current(Path(tmp)), indent=0, sort_keys=True) + "\n", encoding="utf-8")
