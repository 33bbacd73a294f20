"""Report titles as real files lay them out: the agency is read from the title, wherever it sits."""

from __future__ import annotations

import pytest

import extract

BODY = ("\n一、总体情况\n本年度扎实推进政务公开。\n二、主动公开政府信息情况\n第二十条第（一）项\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n")


@pytest.mark.parametrize("head,agency", [
    ("某县水利局2024年政府信息公开工作年度报告", "某县水利局"),
    ("2024年某县水利局政府信息公开工作年度报告", "某县水利局"),
    # the body's name on the line above a title that only gives the year
    ("某县水利局\n2024年政府信息公开工作年度报告", "某县水利局"),
    ("# 某县水利局\n## 2024年度政府信息公开工作年度报告", "某县水利局"),
    # a title wrapped over two lines
    ("某县水利局2024年政府信息\n公开工作年度报告", "某县水利局"),
    # a PDF's running page header above the real title
    ("政府信息公开工作年度报告\n- 1 -\n某县水利局 2024 年政府信息公开工作年度报告", "某县水利局"),
    # a crawler's field label is not part of the name
    ("标题: 某县水利局2024年政府信息公开工作年度报告\n发布时间: 2025-01-20 09:00", "某县水利局"),
    # a title that names no body names none (the publisher field is the site's, not the title's)
    ("标题: 2024年政府信息公开工作年度报告\n发布机构: 某县水利局", None),
])
def test_agency_from_title(head, agency):
    rec = extract.parse_text(head + BODY, narrative=None)
    assert rec.meta.agency == agency
    assert rec.meta.year == 2024
