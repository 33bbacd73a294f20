"""The HTML reader gives the same Document as the reader it replaced, on a wide corpus of pages.

``tests/golden/html_identity.json`` holds, for every page of ``html_corpus.corpus()`` and every string
of ``html_corpus.EDGE_STRINGS``, a digest of the Document (text, every block and cell with its span,
encoding) or of the IngestError the BeautifulSoup-based reader of commit 5a07a0f gave (its readers are those of 5d815ff). It was
recorded with that commit's code, and must not be re-recorded with the new one:

    PYTHONPATH=<checkout of 5a07a0f> python tests/test_html_identity.py --record
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import html_corpus  # noqa: E402

EXPECTED = Path(__file__).resolve().parent / "golden" / "html_identity.json"


def snapshot(doc) -> dict:
    """Everything a Document says, as plain data."""
    from extract.types import Table

    blocks = []
    for b in doc.blocks:
        if isinstance(b, Table):
            blocks.append({"table": list(b.span), "page": b.page,
                           "rows": [[[c.text, list(c.span), c.row, c.col, c.merged] for c in r] for r in b.rows]})
        else:
            blocks.append({"p": b.text, "span": list(b.span)})
    return {"text": doc.text, "blocks": blocks, "format": doc.format, "encoding": doc.encoding,
            "path": doc.path, "pages": doc.pages}


def outcome(read) -> dict:
    from extract.errors import IngestError
    try:
        return snapshot(read())
    except IngestError as e:
        return {"error": e.reason}


def digest(value: dict) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def current() -> dict[str, str]:
    from extract.ingest.html import document_from_html, read_html

    out = {}
    for name, data in html_corpus.corpus():
        out[name] = digest(outcome(lambda: read_html(data, name)))
    for i, s in enumerate(html_corpus.EDGE_STRINGS):
        out[f"edge_{i:02d}"] = digest(outcome(lambda: document_from_html(s)))
    return out


def test_corpus_is_wide():
    pages = html_corpus.corpus()
    assert len(pages) >= 300 and len({n for n, _ in pages}) == len(pages)
    text = b"".join(d for _, d in pages)
    for markup in (b"rowspan=", b"colspan=", b"<br>", b"<o:p>", b"&nbsp;", b"<tbody>", b"<script", b"<nav"):
        assert markup in text, markup


def test_documents_are_unchanged():
    want = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = current()
    assert set(got) == set(want), "the corpus changed: the expectations no longer describe it"
    changed = sorted(n for n in want if got[n] != want[n])
    assert not changed, f"{len(changed)} of {len(want)} Documents differ from the old reader's: {changed[:20]}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    import extract
    print("recording with", extract.__file__)
    EXPECTED.write_text(json.dumps(current(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
