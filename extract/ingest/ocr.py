"""Scanned pages and page images → positioned characters, offline (the ``ocr`` extra).

The engine is rapidocr-onnxruntime, whose wheel ships the PP-OCRv4 Chinese detection and
recognition models: nothing is downloaded at run time. A page becomes a ``PageScan`` — what
a PDF text layer would have given: characters as pdfplumber-style dicts in points (each with
the recognition ``score`` of its text box) and the ruling lines as pdfplumber-style edges —
and ``pdf.py`` lays it out exactly as it lays out a text layer (ruled tables from the lines,
borderless ones from the characters' positions, the rest as lines and paragraphs).

Small stages, each a function of the one before::

    page image → grey, deskewed (by its long ruling lines)
               → ruling lines found (morphological opening) and erased
               → text boxes detected and recognised, with a box per character
               → a ruled cell with ink but no character read again by itself (a lone
                 narrow digit is what the detector misses most)
               → PageScan
"""

from __future__ import annotations

import functools
import io
import os
import re
from dataclasses import dataclass

from ..errors import IngestError, UnsupportedFormat
from ..types import Document

__all__ = ["PageScan", "ScoredText", "cell_from_ocr", "ocr_findings", "OCR_MODES", "INSTALL_HINT", "LOW_CONFIDENCE", "ocr_mode",
           "available", "engine_version", "scan_image", "scan_pdf_page", "read_image"]

ENGINE = "rapidocr-onnxruntime"
INSTALL_HINT = "pip install 'xxgk-extract[ocr]'"
OCR_MODES = ("auto", "off", "force")
LOW_CONFIDENCE = 0.9
"""A cell whose text boxes scored below this is named in an ``ocr.low_confidence`` finding."""

_MIN_DPI, _MAX_DPI = 150.0, 300.0
_DEFAULT_IMAGE_DPI = 200.0


class ScoredText(str):
    """A cell's text read by OCR, carrying the lowest score of the boxes it came from."""

    __slots__ = ("score",)

    def __new__(cls, text: str, score: float) -> "ScoredText":
        obj = super().__new__(cls, text)
        obj.score = score
        return obj

    def __reduce__(self):
        return (ScoredText, (str(self), self.score))


_LOOKALIKE = str.maketrans({"o": "0", "O": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_NUMERIC = re.compile(r"^[\d.,oODlI|]+$")


def cell_from_ocr(text: str, score: float) -> ScoredText:
    """A table cell's OCR text: a cell of digits and their look-alike letters (``o`` for 0, ``l`` for 1) is
    read as digits, and its score is capped below ``LOW_CONFIDENCE`` so the cell is named for review."""
    if _NUMERIC.match(text) and not text.isdigit() and any(ch.isdigit() or ch in "oODlI|" for ch in text):
        fixed = text.translate(_LOOKALIKE)
        if fixed != text:
            return ScoredText(fixed, min(score, LOW_CONFIDENCE - 0.01))
    return ScoredText(text, score)


@dataclass(frozen=True, slots=True)
class PageScan:
    """One page as OCR read it, in PDF points (72 per inch; ``top`` grows downwards)."""

    width: float
    height: float
    chars: list[dict]          # pdfplumber-style chars, each with the ``score`` of its text box
    edges: list[dict]          # ruling lines, pdfplumber-style edges ("orientation" h or v)
    cells: list[list[tuple]]   # ruled tables: each a list of cell boxes, from the edges
    boxes: int                 # text boxes recognised
    score_sum: float           # the sum of their scores (a mean over pages is sum / boxes)


# -- options and the engine ---------------------------------------------------

def ocr_mode(mode: str | None = None) -> str:
    """``auto`` (pages without a text layer), ``off`` or ``force`` (every page); ``XXGK_OCR`` by default."""
    m = (mode or os.environ.get("XXGK_OCR") or "auto").strip().lower()
    if m not in OCR_MODES:
        raise ValueError(f"OCR mode must be one of {', '.join(OCR_MODES)}, not {m!r}")
    return m


def available() -> bool:
    """Whether the ``ocr`` extra is installed (without loading the models)."""
    import importlib.util
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def engine_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(ENGINE)
    except PackageNotFoundError:
        return None


@functools.cache
def _engine():
    """The engine, loaded once per process (~1 s); the angle classifier is off: pages are upright.

    One inference thread per process: on two shared cores onnxruntime's default pool (a spinning
    thread per core) took 30 CPU-s and 49 s for a page that one thread read in 18 CPU-s and 29 s;
    ``--jobs`` gives each core its own process."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise ImportError(f"OCR needs the ocr extra: {INSTALL_HINT}") from e
    return RapidOCR(use_cls=False, print_verbose=False, intra_op_num_threads=1, inter_op_num_threads=1)


def _require(path: str | None, what: str) -> None:
    if not available():
        raise UnsupportedFormat(f"{what}; to read it by OCR install the ocr extra: {INSTALL_HINT}", path=path)


# -- image → PageScan -----------------------------------------------------------

def _grey(img):
    import numpy as np
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, "white")
        img = Image.alpha_composite(bg, img)
    return np.asarray(img.convert("L"))


def _line_mask(ink, length: int, horizontal: bool):
    import cv2

    size = (length, 1) if horizontal else (1, length)
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))


def _deskew(grey):
    """Rotate by the median angle of the long, nearly horizontal lines (ruling lines, underlines)."""
    import cv2
    import numpy as np

    h, w = grey.shape
    lines = _line_mask((grey < 160).astype(np.uint8), max(20, w // 40), True) * 255
    found = cv2.HoughLinesP(lines, 1, np.pi / 1800, threshold=w // 4, minLineLength=w // 4, maxLineGap=8)
    if found is None:
        return grey
    angles = [np.degrees(np.arctan2(y1 - y0, x1 - x0)) for x0, y0, x1, y1 in found.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) < 5]
    if not angles:
        return grey
    angle = float(np.median(angles))
    if abs(angle) < 0.05:
        return grey
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _rulings(grey, px: float):
    """The ruling lines' mask and their edges (in points; ``px`` points per pixel)."""
    import cv2
    import numpy as np

    h, w = grey.shape
    ink = (grey < 160).astype(np.uint8)
    hmask = _line_mask(ink, max(20, w // 40), True)
    vmask = _line_mask(ink, max(20, w // 40), False)
    edges: list[dict] = []
    for mask, orient in ((hmask, "h"), (vmask, "v")):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, bw, bh, _area in stats[1:n]:
            if orient == "h":
                mid = (y + bh / 2) * px
                edges.append({"orientation": "h", "x0": x * px, "x1": (x + bw) * px, "top": mid, "bottom": mid,
                              "width": bw * px, "height": 0.0, "object_type": "line"})
            else:
                mid = (x + bw / 2) * px
                edges.append({"orientation": "v", "x0": mid, "x1": mid, "top": y * px, "bottom": (y + bh) * px,
                              "width": 0.0, "height": bh * px, "object_type": "line"})
    lines = cv2.dilate(hmask | vmask, np.ones((3, 3), np.uint8))
    return lines, edges


def _ruled_cells(edges: list[dict]) -> list[list[tuple]]:
    """pdfplumber's own stages: edges → intersections → cells → tables."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    if not edges:
        return []
    merged = merge_edges(edges, 3, 3, 3, 3)
    cells = intersections_to_cells(edges_to_intersections(merged, 3, 3))
    return [t for t in cells_to_tables(cells) if len(t) >= 2]


def _chars_of(text: str, quad, score: float, px: float, words=None) -> list[dict]:
    """A recognised line's characters. ``words`` are the engine's ``(text, box, score)`` per word (a CJK
    character, or a run of digits/Latin): each word's box is split evenly among its characters; without
    them the line's box is."""
    pieces = [(w, b, float(c)) for w, b, c in words if w.strip()] if words else []
    if not pieces or "".join(w for w, _, _ in pieces).replace(" ", "") != text.replace(" ", ""):
        pieces = [(text, quad, score)]
    chars: list[dict] = []
    for piece, box, conf in pieces:
        piece = piece.replace(" ", "")
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs) * px, max(xs) * px, min(ys) * px, max(ys) * px
        step = (x1 - x0) / max(len(piece), 1)
        for i, ch in enumerate(piece):
            chars.append({"text": ch, "x0": x0 + i * step, "x1": x0 + (i + 1) * step, "top": top,
                          "bottom": bottom, "doctop": top, "upright": True, "size": bottom - top,
                          "score": min(score, conf), "object_type": "char"})
    return chars


def _reread_empty_cells(engine, clean, tables: list[list[tuple]], chars: list[dict],
                        px: float) -> list[list[dict]]:
    """A ruled cell with ink but no character: recognise its ink alone (no detection); its characters."""
    import numpy as np

    out: list[list[dict]] = []
    crops, where = [], []
    h, w = clean.shape
    for table in tables:
        for x0, top, x1, bottom in table:
            if any(x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
                   for c in chars):
                continue
            a0, a1 = int(x0 / px) + 3, int(x1 / px) - 3
            b0, b1 = int(top / px) + 3, int(bottom / px) - 3
            if a1 - a0 < 4 or b1 - b0 < 4:
                continue
            ys, xs = np.nonzero(clean[b0:b1, a0:a1] < 128)
            if len(xs) < 6:      # a lone "1" beside a ruling line keeps few pixels once the line is erased
                continue
            cx0, cx1, cy0, cy1 = a0 + xs.min(), a0 + xs.max() + 1, b0 + ys.min(), b0 + ys.max() + 1
            pad = max(4, (cy1 - cy0) // 3)
            crop = clean[max(0, cy0 - pad):min(h, cy1 + pad), max(0, cx0 - pad):min(w, cx1 + pad)]
            crops.append(np.ascontiguousarray(np.stack([crop] * 3, axis=-1)))
            where.append((cx0, cy0, cx1, cy1))
    if not crops:
        return out
    results, _ = engine.text_rec(crops)
    for (cx0, cy0, cx1, cy1), (text, score) in zip(where, results):
        text = text.strip()
        if text:
            quad = [[cx0, cy0], [cx1, cy0], [cx1, cy1], [cx0, cy1]]
            out.append(_chars_of(text, quad, float(score), px))
    return out


def _kept_rows(inked, keep: int):
    """Row indices of a page: every row, but of a blank band longer than ``2 * keep`` rows only its
    first and last ``keep`` (the text either side keeps its margin)."""
    import numpy as np

    out: list[int] = []
    run: list[int] = []
    for y, has in enumerate(inked):
        if has:
            out.extend(run if len(run) <= 2 * keep else run[:keep] + run[-keep:])
            run = []
            out.append(y)
        else:
            run.append(y)
    out.extend(run[:keep])
    return np.asarray(out, dtype=np.intp)


def _back(boxes, dx: int, rows):
    """Boxes found on the compacted image, in page pixels."""
    if not boxes:
        return boxes
    last = len(rows) - 1
    return [[[p[0] + dx, float(rows[min(max(int(round(p[1])), 0), last)])] for p in box] for box in boxes]


def scan_image(img, dpi: float) -> PageScan:
    """Read one page image (a PIL image at ``dpi`` pixels per inch)."""
    import cv2
    import numpy as np

    engine = _engine()
    px = 72.0 / dpi
    grey = _deskew(_grey(img))
    lines, edges = _rulings(grey, px)
    clean = grey.copy()
    clean[lines > 0] = 255
    # detection costs by the pixel: the engine gets the columns with ink, and the rows with ink with
    # every wide blank band between them cut short (``rows`` maps its rows back to the page's). A box
    # threshold lower than the engine's 0.5 keeps the lone narrow digits of a table; a low recognition
    # score is kept and reported (LOW_CONFIDENCE), not dropped.
    ink = clean < 160
    chars: list[dict] = []
    n, total = 0, 0.0
    xs = np.flatnonzero(ink.any(axis=0))
    if len(xs):
        h, w = clean.shape
        x0, x1 = max(0, int(xs[0]) - 24), min(w, int(xs[-1]) + 25)
        rows = _kept_rows(ink.any(axis=1), keep=24)
        part = np.ascontiguousarray(clean[rows, x0:x1])
        res, _ = engine(cv2.cvtColor(part, cv2.COLOR_GRAY2BGR), return_word_box=True, box_thresh=0.3,
                        text_score=0.3)
        for item in res or []:
            # [box, text, score, word boxes, word texts, word scores] (return_word_box=True)
            quad, text, score = item[0], item[1], float(item[2])
            if not text.strip():
                continue
            n += 1
            total += score
            words = list(zip(item[4], _back(item[3], x0, rows), item[5])) if len(item) > 5 else None
            chars.extend(_chars_of(text, _back([quad], x0, rows)[0], score, px, words))
    tables = _ruled_cells(edges)
    for found in _reread_empty_cells(engine, clean, tables, chars, px):
        n += 1
        total += found[0]["score"]
        chars.extend(found)
    h, w = grey.shape
    return PageScan(width=w * px, height=h * px, chars=chars, edges=edges, cells=tables, boxes=n,
                    score_sum=total)


def scan_pdf_page(page) -> PageScan:
    """Render a pypdfium2 page at its scanned image's resolution (150–300 dpi) and read it."""
    import pypdfium2.raw as raw

    width_pt = page.get_width()
    dpi = _DEFAULT_IMAGE_DPI
    images = list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    if images:
        try:
            native = max(im.get_px_size()[0] for im in images)
            dpi = native / (width_pt / 72.0)
        except Exception:  # an image pdfium cannot size: keep the default
            pass
    dpi = min(max(dpi, _MIN_DPI), _MAX_DPI)
    return scan_image(page.render(scale=dpi / 72.0, grayscale=True).to_pil(), dpi)


# -- image files ----------------------------------------------------------------

def read_image(data: bytes, path: str | None = None) -> Document:
    """A page image (PNG, JPEG, TIFF; every frame of a multi-page TIFF is a page) → Document, by OCR."""
    if ocr_mode() == "off":
        raise UnsupportedFormat("an image has no text layer; OCR is off", path=path)
    _require(path, "an image has no text layer")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise IngestError(f"not a readable image ({type(e).__name__}: {e})", path=path) from e
    dpi = im.info.get("dpi", (_DEFAULT_IMAGE_DPI,))[0] or _DEFAULT_IMAGE_DPI
    dpi = float(dpi) if 50 <= float(dpi) <= 1200 else _DEFAULT_IMAGE_DPI
    from .pdf import document_from_scans
    return document_from_scans([scan_image(f, dpi) for f in frames], path=path, format="image")


# -- findings on values read by OCR ----------------------------------------------
#
# The template's identities are what make OCR safe here: a misread digit breaks every identity
# its cell is in. A cell is proved wrong when it is in two or more identities, every one of them
# fails, and each implies the same value for it; the finding names that value, and the value
# read is kept (never replaced).

def ocr_findings(info, tables: dict, template: str = "unknown") -> list:
    """``ocr.low_confidence`` (info) and ``ocr.misread`` (error) findings for a Document read by OCR,
    whose tables were read with ``template`` (``meta.template``)."""
    from ..tables.template import template_spec
    from ..types import Finding

    out: list = []
    low = info.low_confidence
    for name, t in tables.items():
        if t.values is None or not low:
            continue
        keys = sorted(k for k, (a, b) in t.spans.items() if any(s < b and a < e for (s, e), _ in low))
        if keys:
            shown = ", ".join(keys[:12]) + (f" and {len(keys) - 12} more" if len(keys) > 12 else "")
            out.append(Finding(check="ocr.low_confidence", severity="info", table=name, cells=tuple(keys),
                               message=f"{len(keys)} cells were read by OCR with a confidence below "
                                       f"{LOW_CONFIDENCE}: {shown}; compare them with the scan"))
    for name, t in tables.items():
        if t.values is not None:
            out.extend(_misreads(name, t.values, template_spec(template)))
    return out


def _identities(name: str, values: dict, template) -> list:
    from ..tables.identities import application_identities, review_identities, shape_of

    if name == "applications":
        outcomes, rows = shape_of(template.applications, values)
        return application_identities(template.applications.column_keys, outcomes, rows)
    if name == "review_litigation":
        return review_identities(template.review)
    return []


def _misreads(name: str, values: dict, template) -> list:
    from ..tables.identities import TOLERANCE
    from ..types import Finding

    flat = {f"{r}.{c}": v for r, row in values.items() if isinstance(row, dict) for c, v in row.items()}
    implied: dict[str, list[tuple[str, float]]] = {}     # cell → (check, the value it would need)
    holds: set[str] = set()                               # cells in an identity that holds
    for idn in _identities(name, values, template):
        vals = [flat.get(k) for k in idn.keys]
        if any(not isinstance(v, (int, float)) for v in vals):
            continue
        diff = sum(flat[k] for k in idn.lhs) - sum(flat[k] for k in idn.rhs)
        if abs(diff) < TOLERANCE:
            holds.update(idn.keys)
            continue
        for k in idn.lhs:
            implied.setdefault(k, []).append((idn.check, flat[k] - diff))
        for k in idn.rhs:
            implied.setdefault(k, []).append((idn.check, flat[k] + diff))
    out = []
    for k, found in implied.items():
        want = {round(v, 6) for _, v in found}
        if len(found) < 2 or k in holds or len(want) != 1:
            continue
        v = want.pop()
        if v < 0:
            continue
        v = int(v) if float(v).is_integer() else v
        checks = ", ".join(sorted({c for c, _ in found}))
        out.append(Finding(check="ocr.misread", severity="error", table=name, cells=(f"{name}.{k}",),
                           expected=v, actual=flat[k],
                           message=f"{name}.{k} was read by OCR as {flat[k]}, but the {len(found)} identities it "
                                   f"is in ({checks}) all fail and all hold only if it is {v}: a likely "
                                   f"misreading; the value is kept as read"))
    return out
