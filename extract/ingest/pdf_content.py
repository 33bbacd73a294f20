"""A page's content streams read with one regular expression, for pdfminer's interpreter.

pdfminer reads a content stream byte by byte in Python (``PSBaseParser``): on report PDFs that is
about half of reading a PDF. ``content_objects`` gives the same objects from one
``re.finditer`` pass, and ``Interpreter`` (a ``PDFPageInterpreter``) runs them, looking each
operator's method up once instead of once per use. Anything the expression does not cover the
way pdfminer reads it (an inline image, a name with ``#`` escapes, nested parentheses in a
string, a stray delimiter, ...) makes ``content_objects`` return None, and the page is read by
pdfminer's own parser: the fast path is taken only where the objects are the same.
``tests/test_pdf_content.py`` holds it to pdfminer's parser, object for object.
"""

from __future__ import annotations

import re

from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.psparser import KWD, LIT, PSKeyword, PSLiteral, keyword_name, literal_name
from pdfminer.pdftypes import stream_value

__all__ = ["content_objects", "Interpreter", "layout", "MAX_BYTES"]

# One token per match, after whitespace (pdfminer also skips NUL between tokens). The groups:
_NUM, _NAME, _KEYWORD, _STRING, _DICT, _HEX, _DICT_END, _DELIM, _COMMENT, _OTHER = range(1, 11)
_TOKEN = re.compile(rb"""[\s\x00]*(?:
    ( [-+]\d*\.?\d* | \d+\.?\d* | \.\d* )        # number: pdfminer's digits, then a '.' and digits
  | / ([^/%\[\]()<>{}\s]*)                       # name (with '#': left to pdfminer)
  | ( [A-Za-z][^#/%\[\]()<>{}\s]* )              # operator, true, false
  | \( ( [^()\\]* (?:\\.[^()\\]*)* ) \)          # string without nested parentheses
  | (<<)
  | < ([0-9A-Fa-f\s]*) > (?!>)                   # hex string (pdfminer reads '<ab>>' otherwise)
  | (>>)
  | ( [\[\]{}'"] )                               # array, procedure, the ' and " operators
  | ( %[^\r\n]* )                                # comment
  | ( [^\s\x00] )                                # anything else: left to pdfminer
)""", re.VERBOSE | re.DOTALL)

# a string's escapes as pdfminer reads them: octal, the named ones; any other escaped character,
# and an escaped line end (\r\n taken together), is dropped
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|.))", re.DOTALL)
_NAMED = {b"b": b"\b", b"t": b"\t", b"n": b"\n", b"f": b"\f", b"r": b"\r",
          b"(": b"(", b")": b")", b"\\": b"\\"}
_SPACE = re.compile(rb"\s")

MAX_BYTES = 1 << 20
"""Content larger than this (a page of a drawing or a map: a report page's is 10-100 kB) is left to
pdfminer, which reads it as it runs it: read here, every object of it would be held at once."""

_TRUE, _FALSE = b"true", b"false"
_INLINE_IMAGE = (b"BI", b"ID")     # pdfminer's parser reads the image data between ID and EI raw


class _Unsupported(Exception):
    """Something pdfminer's parser reads differently: leave the stream to it."""


def _unescape(m: re.Match) -> bytes:
    if m.group(1) is not None:
        code = int(m.group(1), 8)
        if code > 255:               # pdfminer stops with an assertion
            raise _Unsupported
        return bytes((code,))
    return _NAMED.get(m.group(2), b"")


def _hex(digits: bytes) -> bytes:
    digits = _SPACE.sub(b"", digits)
    if len(digits) % 2:              # pdfminer reads a last odd digit as a byte of its own
        return bytes.fromhex(digits[:-1].decode()) + bytes((int(digits[-1:], 16),))
    return bytes.fromhex(digits.decode())


def content_objects(streams: list[bytes]) -> list | None:
    """The operands and operators (``PSKeyword``) of the decoded streams, in order, as pdfminer's
    ``PDFContentParser`` gives them (arrays as lists, dictionaries as dicts); None where the
    streams hold something this reader leaves to pdfminer, or more than ``MAX_BYTES``."""
    if sum(len(data) for data in streams) > MAX_BYTES:
        return None
    out: list = []
    open_: list[tuple[bytes, list]] = []       # the arrays, dictionaries and procedures being read
    cur = out
    try:
        for n, data in enumerate(streams):
            if b"\\\r\n" in data:    # pdfminer reads an escaped \r\n split by its 4 kB buffer as \n
                return None
            if n < len(streams) - 1 and data.endswith(b"/"):   # pdfminer runs the name on
                return None
            for m in _TOKEN.finditer(data):
                kind = m.lastindex
                if kind == _NUM:
                    tok = m.group(kind)
                    try:
                        cur.append(float(tok) if b"." in tok else int(tok))
                    except ValueError:   # a sign or a dot alone: pdfminer drops it
                        pass
                elif kind == _KEYWORD:
                    tok = m.group(kind)
                    if tok == _TRUE:
                        cur.append(True)
                    elif tok == _FALSE:
                        cur.append(False)
                    elif tok in _INLINE_IMAGE:
                        return None
                    else:
                        cur.append(KWD(tok))
                elif kind == _NAME:
                    tok = m.group(kind)
                    if b"#" in tok:
                        return None
                    try:
                        cur.append(LIT(str(tok, "utf-8")))
                    except UnicodeDecodeError:
                        cur.append(LIT(tok))
                elif kind == _STRING:
                    tok = m.group(kind)
                    cur.append(_ESCAPE.sub(_unescape, tok) if b"\\" in tok else tok)
                elif kind == _HEX:
                    cur.append(_hex(m.group(kind)))
                elif kind == _DELIM:
                    tok = m.group(kind)
                    if tok == b"[" or tok == b"{":
                        open_.append((tok, cur))
                        cur = []
                    elif tok == b"]" or tok == b"}":
                        if not open_ or open_[-1][0] != (b"[" if tok == b"]" else b"{"):
                            return None
                        _, parent = open_.pop()
                        parent.append(cur)
                        cur = parent
                    else:
                        cur.append(KWD(tok))
                elif kind == _DICT:
                    open_.append((b"<<", cur))
                    cur = []
                elif kind == _DICT_END:
                    if not open_ or open_[-1][0] != b"<<" or len(cur) % 2:
                        return None
                    keys = cur[0::2]
                    if not all(isinstance(k, PSLiteral) for k in keys):
                        return None
                    _, parent = open_.pop()
                    parent.append({literal_name(k): v for k, v in zip(keys, cur[1::2])})
                    cur = parent
                elif kind == _OTHER:
                    return None
                # _COMMENT: skipped, as pdfminer does
    except _Unsupported:
        return None
    if open_:                        # pdfminer drops what an unclosed array holds
        return None
    return out


class Interpreter(PDFPageInterpreter):
    """pdfminer's interpreter, reading its content streams with ``content_objects`` when it can.

    Form XObjects are run by a copy of it (``dup``), so they take the same path."""

    _methods: dict = {}     # operator → (the method's function or None, its operand count)

    def execute(self, streams) -> None:
        resolved = [stream_value(s) for s in streams]
        # an inline stream, or one already being run above this one: pdfminer warns and skips it
        # (older pdfminer.six releases have neither the check nor these attributes)
        running = getattr(self, "parent_stream_ids", ())
        if any(s.objid is None or s.objid in running for s in resolved):
            return super().execute(streams)
        objs = content_objects([s.get_data() for s in resolved])
        if objs is None:
            return super().execute(streams)
        if hasattr(self, "stream_ids"):
            self.stream_ids.clear()
            self.stream_ids.update(s.objid for s in resolved)
        methods = self._methods
        for obj in objs:
            if type(obj) is not PSKeyword:
                self.argstack.append(obj)
                continue
            try:
                func, nargs = methods[obj]
            except KeyError:
                methods[obj] = func, nargs = self._method(obj)
            if func is None:
                continue
            if nargs:
                args = self.pop(nargs)
                if len(args) == nargs:
                    func(self, *args)
            else:
                func(self)

    @classmethod
    def _method(cls, op: PSKeyword):
        """As pdfminer's ``execute`` finds an operator's method (an unknown operator is ignored)."""
        name = keyword_name(op).replace("*", "_a").replace('"', "_w").replace("'", "_q")
        func = getattr(cls, f"do_{name}", None)
        if func is None:
            return None, 0
        return func, func.__code__.co_argcount - 1


def layout(page) -> None:
    """Lay out a pdfplumber page with ``Interpreter``: what its ``layout`` property does with
    pdfminer's (same device, same errors), stored where the property looks first."""
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent
    from pdfplumber.utils.exceptions import PdfminerException

    if hasattr(page, "_layout"):
        return
    device = PDFPageAggregatorWithMarkedContent(page.pdf.rsrcmgr, pageno=page.page_number,
                                                laparams=page.pdf.laparams)
    try:
        Interpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    except Exception as e:
        raise PdfminerException(e) from e
    page._layout = device.get_result()
