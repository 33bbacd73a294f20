"""Hostile inputs for the reliability tests, built from a description of their shape (never stored).

Each builder writes or returns the smallest input that shows one failure mode a batch must survive:
a PDF whose objects refer to themselves, a DOCX zip bomb, HTML with huge spans or deep nesting,
numbers of hundreds of digits, a lone surrogate, a spreadsheet formula in an agency name.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
GOOD = SAMPLES / "002_jiaozuo_szfb_2025.txt"


def self_referential_pdf() -> bytes:
    """A one-page PDF whose ``/MediaBox`` is ``6 0 R`` and object 6 is ``6 0 R`` (pdfminer loops on it)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox 6 0 R /Contents 4 0 R /Resources << >> >>",
        b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 712 Td (Hello) Tj ET\nendstream",
        b"<< >>",
        b"6 0 R",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _zip_member(name: bytes, raw: bytes, size: int, crc: int, offset: int) -> tuple[bytes, bytes]:
    """(local header + data, central directory entry) of one deflated member."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw), size, len(name), 0) + name + raw
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(raw), size,
                          len(name), 0, 0, 0, 0, 0, offset) + name
    return local, central


def docx_zip_bomb(path: Path, inflated_mb: int = 1200) -> int:
    """A ``.docx`` whose ``word/document.xml`` inflates to ``inflated_mb`` MB of spaces; returns its size.

    The deflate stream is one 16 MB block of spaces compressed once with a full flush (so it does
    not refer back) and repeated: a few MB on disk, built in well under a second.
    """
    block = 16 * 1024 * 1024
    n = max(1, inflated_mb * 1024 * 1024 // block)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(b" " * block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)   # an empty final block
    crc = 0
    chunk = b" " * block
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    types = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             b'<Default Extension="xml" ContentType="application/xml"/></Types>')
    ct = zlib.compressobj(9, zlib.DEFLATED, -15)
    ct_raw = ct.compress(types) + ct.flush()
    with Path(path).open("wb") as f:
        local1, central1 = _zip_member(b"[Content_Types].xml", ct_raw, len(types), zlib.crc32(types), 0)
        f.write(local1)
        offset = len(local1)
        name = b"word/document.xml"
        size = n * block
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(piece) * n + len(tail), size,
                             len(name), 0) + name
        f.write(header)
        for _ in range(n):
            f.write(piece)
        f.write(tail)
        central2 = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(piece) * n + len(tail),
                               size, len(name), 0, 0, 0, 0, 0, offset) + name
        cd_at = f.tell()
        f.write(central1 + central2)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(central1) + len(central2), cd_at, 0))
        return f.tell()


def huge_span_html(rows: int = 3000) -> str:
    """A table of ``rows`` rows, each opening with ``rowspan=0 colspan=1000`` (the HTML maxima)."""
    body = "".join(f'<tr><td rowspan="0" colspan="1000">合并</td><td>{i}</td></tr>' for i in range(rows))
    return f"<html><body><h1>某某局2024年政府信息公开工作年度报告</h1><table>{body}</table></body></html>"


def nested_divs_html(depth: int = 10_000) -> str:
    """A report title and section 一 inside ``depth`` nested ``<div>``s."""
    return ("<html><body><h1>某某局2024年政府信息公开工作年度报告</h1>" + "<div>" * depth
            + "<p>一、总体情况</p><p>本年度主动公开信息 12 条。</p>" + "</div>" * depth + "</body></html>")


def with_long_numbers(text: str, digits: int = 400) -> str:
    """``text`` with every number of section 三's first row replaced by one of ``digits`` digits."""
    out = []
    for line in text.splitlines(keepends=True):
        if "本年新收政府信息公开申请数量" in line:
            line = re.sub(r"(?<![\d.])\d+(?![\d.])", "9" * digits, line)
        out.append(line)
    return "".join(out)


FORMULA_AGENCY = '=HYPERLINK("http://evil.example/","点击")'


def hold_the_gil(path: str):
    """Runs in a batch worker instead of the parse: a regex that backtracks for hours inside ``re``,
    native code that never lets another thread of the process run."""
    re.match(r"(a+)+$", "a" * 64 + "b")
