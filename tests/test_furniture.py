"""Page numbers: one pattern (extract.furniture) with its variants, each the exact pattern the stage had
before (so outputs did not change), and what each variant takes and leaves."""

from __future__ import annotations

import re

import pytest

from extract.furniture import PAGE_NUMBER_CELL, PAGE_NUMBER_LINE, PAGE_NUMBER_MARGIN
from extract.narrative.rules import _DEBRIS

# the four copies as they were in tables/rows.py, ingest/pdf.py, narrative/grounding.py and narrative/rules.py
BEFORE = {
    "cell": re.compile(r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
                       r"\d{1,3}\s*/\s*\d{1,3}|page\s*\d+(?:\s*of\s*\d+)?)$", re.I),
    "margin": re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
                         r"\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?|\d{1,4})$"),
    "line": re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"),
    "rules": re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
                        r"|[^。，；：]{0,30}政府信息公开工作年度报告)$"),
}
NOW = {"cell": PAGE_NUMBER_CELL, "margin": PAGE_NUMBER_MARGIN, "line": PAGE_NUMBER_LINE, "rules": _DEBRIS}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_each_variant_is_the_pattern_its_stage_had(name):
    assert (NOW[name].pattern, NOW[name].flags) == (BEFORE[name].pattern, BEFORE[name].flags)


@pytest.mark.parametrize("text, cell, margin, line", [
    ("- 3 -", True, True, True),
    ("—12—", True, True, True),
    ("第 3 页", True, True, True),
    ("第3页 共10页", True, True, True),
    ("第3页，共10页", True, True, False),          # a separator before the total: not in narrative lines
    ("3/10", True, True, True),
    ("Page 3 of 10", True, True, False),
    ("PAGE 3", True, False, False),                # any case only in cells
    ("page 12345", True, False, False),            # any length only after "page" in cells
    ("12", False, True, False),                    # a bare number only in a page margin
    ("- 2023 -", False, True, True),               # four digits: a value in a table cell
    ("2023/2024", False, True, True),
    ("第3页共", False, False, False),
    ("共10页", False, False, False),
])
def test_what_each_variant_takes(text, cell, margin, line):
    assert (bool(PAGE_NUMBER_CELL.match(text)), bool(PAGE_NUMBER_MARGIN.match(text)),
            bool(PAGE_NUMBER_LINE.match(text))) == (cell, margin, line)
