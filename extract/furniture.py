"""Page furniture: the page numbers a printed report carries, as one pattern with its variants.

A page number is written ``- 3 -``, ``第3页``, ``第3页 共10页`` (``第3页，共10页``), ``3/10``,
``Page 3 of 10`` or a bare ``3``. Each stage that drops page numbers needs a slightly different
set, so ``page_number`` builds the pattern from its parts and the variants below say what differs
and why. A variant matches a whole line (or cell), stripped by the caller.
"""

from __future__ import annotations

import re
from typing import Literal

_DASH = "[-—–－]"


English = Literal["Page", "any case"] | None


def page_number(digits: int, *, total_separator: bool = True, english: English = None,
                bare: bool = False) -> re.Pattern[str]:
    """A page number of at most ``digits`` digits, as a whole line (see ``page_number_forms``)."""
    forms = page_number_forms(digits, total_separator=total_separator, english=english, bare=bare)
    return re.compile(rf"^(?:{forms})$", re.I if english == "any case" else 0)


def page_number_forms(digits: int, *, total_separator: bool = True, english: English = None,
                      bare: bool = False) -> str:
    """The ways a page number is written, as one regex alternation (to match a line that is a page
    number or something else: ``rf"^(?:{page_number_forms(4)}|…)$"``).

    ``total_separator``: ``第3页，共10页`` (a comma or slash between the page and the total) as well
    as ``第3页 共10页``. ``english``: ``Page 3 of 10`` too — ``"Page"``: ``Page``/``page`` with at most
    ``digits`` digits; ``"any case"``: any case (``PAGE 3 OF 10``) and any number of digits.
    ``bare``: a number alone (only where the position already says furniture: a page margin).
    ``"any case"`` needs the pattern compiled with ``re.I``, as ``page_number`` does.
    """
    n = rf"\d{{1,{digits}}}"
    sep = r"[,，/]?\s*" if total_separator else ""
    forms = [rf"{_DASH}\s*{n}\s*{_DASH}", rf"第\s*{n}\s*页(?:\s*{sep}共\s*{n}\s*页)?", rf"{n}\s*/\s*{n}"]
    if english == "Page":
        forms.append(rf"[Pp]age\s*{n}(?:\s*of\s*{n})?")
    elif english == "any case":
        forms.append(r"page\s*\d+(?:\s*of\s*\d+)?")
    if bare:
        forms.append(n)
    return "|".join(forms)


PAGE_NUMBER_CELL = page_number(3, english="any case")
"""A table cell or a paragraph inside a section that is only a page number (the table stage skips it).
Three digits at most: a lone ``2023`` or ``1/2024`` in a table is a value, not a page."""

PAGE_NUMBER_MARGIN = page_number(4, english="Page", bare=True)
"""A line in a PDF page's top or bottom margin: there a bare number is a page number too."""

PAGE_NUMBER_LINE = page_number(4, total_separator=False)
"""A line inside a narrative item's source slice (dropped from the item's text); the rule extractor
drops the same lines from section 五 (``narrative.rules``)."""
