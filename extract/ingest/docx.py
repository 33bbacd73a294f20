"""Word files → Document: ``.docx`` with python-docx, ``.doc`` through LibreOffice.

The body's ``w:p`` and ``w:tbl`` children are read in document order. A table's grid is
rebuilt from its XML: ``w:gridSpan`` widens a cell, ``w:vMerge`` continues the cell
above; every grid position a merged cell covers carries a copy of it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import IngestError
from ..types import Document
from .layout import GridCell, assemble, cell_text, join_wrapped

__all__ = ["read_docx", "read_doc", "check_zip", "DOC_TIMEOUT_S", "NO_SOFFICE"]

DOC_TIMEOUT_S = 120
MAX_MEMBER_BYTES = 256 * 1024 * 1024     # one part of the package, unpacked
MAX_TOTAL_BYTES = 512 * 1024 * 1024      # every part together (python-docx loads them all)
MAX_RATIO = 200                          # unpacked / packed, for parts over 1 MB: a zip bomb
MAX_GRID_COLUMNS = 63 * 4                # Word allows 63 columns; a gridSpan past that is damage
NO_SOFFICE = ".doc needs LibreOffice (soffice) to convert; not found on PATH"


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn
    return qn(tag)


def _para_text(p_el) -> str:
    """The visible text of a ``w:p`` (runs, hyperlinks, tabs and breaks as spaces)."""
    out = []
    for el in p_el.iter(_qn("w:t"), _qn("w:tab"), _qn("w:br"), _qn("w:cr")):
        out.append((el.text or "") if el.tag == _qn("w:t") else " ")
    return "".join(out)


def _tc_text(tc) -> str:
    text = ""
    for p in tc.iter(_qn("w:p")):
        text = join_wrapped(text, cell_text(_para_text(p)))
    return text


def _int_attr(el, path: str, default: int) -> int:
    found = el.find(path)
    if found is None:
        return default
    try:
        return int(found.get(_qn("w:val")))
    except (TypeError, ValueError):
        return default


def _grid(tbl) -> list[list[GridCell]]:
    rows: list[list[GridCell | None]] = []
    for tr in tbl.iterchildren(_qn("w:tr")):
        before = _int_attr(tr, f"{_qn('w:trPr')}/{_qn('w:gridBefore')}", 0)
        row: list[GridCell | None] = [None] * min(max(0, before), MAX_GRID_COLUMNS)
        r = len(rows)
        for tc in tr.iterchildren(_qn("w:tc")):
            if len(row) >= MAX_GRID_COLUMNS:     # a damaged file's spans: the rest of the row is dropped
                break
            span = min(max(1, _int_attr(tc, f"{_qn('w:tcPr')}/{_qn('w:gridSpan')}", 1)), MAX_GRID_COLUMNS - len(row))
            vm = tc.find(f"{_qn('w:tcPr')}/{_qn('w:vMerge')}")
            c = len(row)
            above = rows[-1][c] if rows and c < len(rows[-1]) else None
            if vm is not None and vm.get(_qn("w:val"), "continue") == "continue" and above is not None:
                above.r1 = r
                row.extend([above] * span)
                continue
            o = GridCell(_tc_text(tc), r, c, r, c + span - 1)
            row.extend([o] * span)
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    grid: list[list[GridCell]] = []
    for r, row in enumerate(rows):
        row = row + [None] * (width - len(row))
        grid.append([o if o is not None else GridCell("", r, c, r, c, filler=True) for c, o in enumerate(row)])
    return grid


def _body_items(parent) -> list:
    items: list = []
    for el in parent.iterchildren():
        if el.tag == _qn("w:p"):
            text = _para_text(el).strip()
            if text:
                items.append(text)
        elif el.tag == _qn("w:tbl"):
            grid = _grid(el)
            if grid:
                items.append((grid, None))
        elif el.tag == _qn("w:sdt"):
            content = el.find(_qn("w:sdtContent"))
            if content is not None:
                items.extend(_body_items(content))
    return items


def check_zip(data: bytes, path: str | None = None) -> None:
    """Refuse a zip whose members would unpack too large, before anything is decompressed.

    The sizes are the ones the zip's directory declares; Python's ``zipfile`` (which python-docx
    reads through) never returns more than a member declares, so they bound what is unpacked.
    """
    import zipfile
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise IngestError(f"not a readable Word (.docx) file ({type(e).__name__}: {e})", path=path) from e
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > MAX_MEMBER_BYTES:
            raise IngestError(f"zip member {i.filename!r} would unpack to {i.file_size / 2**20:,.0f} MB "
                              f"(limit {MAX_MEMBER_BYTES // 2**20} MB): not read", path=path)
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(1, i.compress_size):
            raise IngestError(f"zip member {i.filename!r} would unpack {i.file_size // max(1, i.compress_size):,} "
                              f"times larger than it is stored (a zip bomb): not read", path=path)
    if total > MAX_TOTAL_BYTES:
        raise IngestError(f"the zip would unpack to {total / 2**20:,.0f} MB (limit {MAX_TOTAL_BYTES // 2**20} MB): "
                          f"not read", path=path)


def read_docx(data: bytes, path: str | None = None, *, format: str = "docx") -> Document:
    """Read a ``.docx`` into a Document; raises ``IngestError`` for a file Word could not open either.

    The zip's declared sizes are checked first (``check_zip``): a zip bomb is refused unread.
    """
    import docx
    check_zip(data, path)
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile, lxml and python-docx raise unrelated types for a broken file
        raise IngestError(f"not a readable Word (.docx) file ({type(e).__name__}: {e})", path=path) from e
    body = getattr(d.element, "body", None)
    if body is None:       # the main part parsed, but is not a w:document (a damaged or foreign file)
        raise IngestError(f"not a readable Word (.docx) file (its main part is <{d.element.tag}>, "
                          f"not a document body)", path=path)
    return assemble(_body_items(body), format=format, path=path)


def read_doc(data: bytes, path: str | None = None, *, timeout: float = DOC_TIMEOUT_S) -> Document:
    """Old Word ``.doc``: converted to ``.docx`` by ``soffice --headless`` in a temp folder, then read."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise IngestError(NO_SOFFICE, path=path)
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = Path(tmp) / "report.doc"
        src.write_bytes(data)
        cmd = [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
               "--convert-to", "docx", "--outdir", tmp, str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise IngestError(f".doc conversion by LibreOffice timed out after {timeout:.0f} s", path=path) from None
        out = Path(tmp) / "report.docx"
        if proc.returncode != 0 or not out.exists():
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:200]
            raise IngestError(f".doc conversion by LibreOffice failed (exit {proc.returncode}: {detail})",
                              path=path)
        return read_docx(out.read_bytes(), path, format="doc")
