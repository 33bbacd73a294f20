"""``pdf_content.content_objects`` gives pdfminer's ``PDFContentParser`` objects, or leaves a stream to it.

One row per quirk of pdfminer's tokenizer, and every page and form XObject of the corpus PDFs.
Operands are compared with their types (``1 == 1.0`` would hide an int read as a float).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdfminer.pdfdocument import PDFDocument  # noqa: E402
from pdfminer.pdfinterp import PDFContentParser  # noqa: E402
from pdfminer.pdfpage import PDFPage  # noqa: E402
from pdfminer.pdfparser import PDFParser  # noqa: E402
from pdfminer.pdftypes import PDFStream, list_value, resolve1, stream_value  # noqa: E402
from pdfminer.psparser import PSEOF, PSKeyword, PSLiteral  # noqa: E402

from extract.ingest.pdf_content import MAX_BYTES, content_objects  # noqa: E402


def typed(obj):
    if isinstance(obj, list):
        return ["list", [typed(o) for o in obj]]
    if isinstance(obj, dict):
        return ["dict", {k: typed(v) for k, v in obj.items()}]
    if isinstance(obj, (PSKeyword, PSLiteral)):
        return [type(obj).__name__, obj.name]      # interned: equal names are the same object
    return [type(obj).__name__, obj]


def pdfminer_objects(streams: list[PDFStream]) -> list:
    try:
        parser = PDFContentParser(streams)
    except PSEOF:
        return []
    out = []
    while True:
        try:
            out.append(parser.nextobject()[1])
        except PSEOF:
            return out


def streams_of(*data: bytes) -> list[PDFStream]:
    return [PDFStream({}, d) for d in data]


SAME = [
    pytest.param([b"BT /F1 12 Tf 14.4 TL 1 0 0 1 62.69 757.5 Tm (abc) Tj T* ET"], id="text"),
    pytest.param([b"0 0 m 10.5 -3 l .5 -.25 +7 re S f* B* b*"], id="path operators with * in them"),
    pytest.param([b"1.2.3 -+5 - . +. 5. -0 007 12abc 1e5"], id="numbers pdfminer splits or drops"),
    pytest.param([b"(a\\(b\\)c \\\\ \\n\\r\\t\\b\\f \\q \\053\\0538 \\7 \\\nx \\\ry) Tj"], id="string escapes"),
    pytest.param([b"(\x00\xff\x80 multi\nline\r\n) Tj () Tj"], id="binary and empty strings"),
    pytest.param([b"<48656C6C6F> Tj <4 8 65\n6C> Tj <ABC> Tj <> Tj"], id="hex strings, odd digit"),
    pytest.param([b"[(a) -250 (b) 3.5 <00ff>] TJ [[1 2] [3 [4]]] d0"], id="arrays"),
    pytest.param([b"/Span <</MCID 0 /Alt (x) /A [1 2] /D <</E /F>>>> BDC EMC"], id="dictionaries"),
    pytest.param([b"/P <</MCID 3>>BDC /Name/Other /\xe4\xb8\xad /\xff /"], id="names: utf-8, not, empty"),
    pytest.param([b"% a comment\n1 0 0 RG %another\r(s) ' 1 2 (t) \" true false"], id="comments, ' and \" operators"),
    pytest.param([b"{1 2 add} q Q", b"[1 2] 0 d"], id="procedures"),
    pytest.param([b"q 1 0 0 1 0 0 cm", b"Q", b"BT (x) Tj", b"ET"], id="several streams"),
    pytest.param([b"0 0 m 10 1", b"0 l S"], id="a number at a stream's end"),
    pytest.param([b"q\x00Q \x00 Tj\x00 \x0b"], id="NUL between tokens, and in an operator"),
    pytest.param([b"[1 Tj 2] TJ"], id="an operator inside an array"),
    pytest.param([b""], id="empty stream"),
    pytest.param([], id="no stream"),
]


@pytest.mark.parametrize("data", SAME)
def test_same_objects_as_pdfminer(data):
    mine = content_objects(list(data))
    assert mine is not None
    assert typed(mine) == typed(pdfminer_objects(streams_of(*data)))


LEFT_TO_PDFMINER = [
    pytest.param([b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q"], id="inline image"),
    pytest.param([b"/A#20B Do"], id="name with # escape"),
    pytest.param([b"(a (nested) b) Tj"], id="nested parentheses"),
    pytest.param([b"(unterminated"], id="unterminated string"),
    pytest.param([b"<48> > Tj"], id="stray >"),
    pytest.param([b"<4142>> Tj"], id="hex string before >"),
    pytest.param([b"1 2 ] 3"], id="unbalanced ]"),
    pytest.param([b"[1 2 >>"], id="mismatched dict end"),
    pytest.param([b"<</A 1 /B>> BDC"], id="odd dictionary"),
    pytest.param([b"<<1 2>> BDC"], id="dictionary key not a name"),
    pytest.param([b"[1 2"], id="unclosed array"),
    pytest.param([b"(\\777) Tj"], id="octal escape over 255"),
    pytest.param([b"(a\\\r\nb) Tj"], id="escaped CRLF (pdfminer's buffer decides)"),
    pytest.param([b"1 0 0 RG /", b"F1 12 Tf"], id="name split across streams"),
    pytest.param([b"q ) Q ; *"], id="stray delimiter"),
    pytest.param([b"q Q\n" * (MAX_BYTES // 8 + 1)] * 2, id="more than MAX_BYTES in all (pdfminer streams it)"),
]


@pytest.mark.parametrize("data", LEFT_TO_PDFMINER)
def test_left_to_pdfminer(data):
    assert content_objects(list(data)) is None


def _pdfs(tmp: Path) -> list[Path]:
    import pdf_corpus
    return [p for _, p in pdf_corpus.build(tmp)]


def test_corpus_pages_read_as_pdfminer_reads_them(tmp_path):
    pytest.importorskip("reportlab")
    checked = 0
    for path in _pdfs(tmp_path):
        with path.open("rb") as f:
            doc = PDFDocument(PDFParser(f))
            for page in PDFPage.create_pages(doc):
                contents = [stream_value(s) for s in list_value(page.contents or [])]
                xobjects = resolve1((page.resources or {}).get("XObject")) or {}
                forms = [[stream_value(x)] for x in xobjects.values()
                         if getattr(stream_value(x).get("Subtype"), "name", None) == "Form"]
                for streams in [contents] + forms:
                    mine = content_objects([s.get_data() for s in streams])
                    assert mine is not None, path.name
                    assert typed(mine) == typed(pdfminer_objects(streams)), path.name
                    checked += 1
    assert checked > 50


def _mixed_pdf(path: Path) -> Path:
    """A page with what reports carry besides text: a form XObject drawn twice, an inline image, rules."""
    from PIL import Image
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.beginForm("stamp")
    c.setFont("STSong-Light", 9)
    c.drawString(0, 0, "印章（表单对象）")
    c.rect(0, -4, 80, 16)
    c.endForm()
    c.setFont("STSong-Light", 12)
    c.drawString(72, 760, "一、总体情况 (1) \\ 2")
    c.doForm("stamp")
    c.translate(200, 500)
    c.doForm("stamp")
    c.drawInlineImage(Image.new("RGB", (4, 4), (200, 10, 10)), 0, 100, 40, 40)
    c.line(0, 0, 300, 0)
    c.showPage()
    c.save()
    return path


def test_pages_lay_out_as_pdfplumber_does(tmp_path):
    """The fast path (and its fallback, taken here for the inline image) gives pdfplumber's objects."""
    pytest.importorskip("reportlab")
    import pdfplumber

    from extract.ingest.pdf_content import layout

    path = _mixed_pdf(tmp_path / "mixed.pdf")

    def objects(fast: bool) -> dict:
        with pdfplumber.open(path) as pdf:
            out = {}
            for page in pdf.pages:
                if fast:
                    layout(page)
                for kind, objs in page.objects.items():
                    # an inline image's name is the id() of its stream object
                    out.setdefault(kind, []).extend(
                        {k: v for k, v in o.items() if kind != "image" or k not in ("stream", "name")}
                        for o in objs)
            return out

    theirs = objects(False)
    assert {"char", "rect", "line", "image"} <= set(theirs)
    assert objects(True) == theirs
