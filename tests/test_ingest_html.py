"""HTML ingest: visible text, chrome dropped, merged cells resolved into grids, charsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extract
from extract.errors import IngestError
from extract.ingest import from_text, load
from extract.ingest.html import document_from_html
from extract.types import Paragraph, Table

from test_ingest import assert_grounded

SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
HTML_SAMPLE = SAMPLES / "005_jiaozuo_szfb_2025_html.html"
TEXT_SAMPLE = SAMPLES / "002_jiaozuo_szfb_2025.txt"


def grid(t: Table) -> list[list[tuple[str, bool]]]:
    return [[(c.text, c.merged) for c in r] for r in t.rows]


def test_rowspan_colspan_grid_positions():
    doc = document_from_html("""<table>
      <tr><td rowspan="2">A</td><td colspan="2">B</td></tr>
      <tr><td>c</td><td></td></tr>
      <tr><th>d</th><td colspan=2>e</td></tr></table>""")
    (t,) = doc.tables
    assert grid(t) == [[("A", False), ("B", False), ("B", True)],
                       [("A", True), ("c", False), ("", False)],
                       [("d", False), ("e", False), ("e", True)]]
    assert [[(c.row, c.col) for c in r] for r in t.rows] == [[(0, 0), (0, 1), (0, 2)], [(1, 0), (1, 1), (1, 2)],
                                                           [(2, 0), (2, 1), (2, 2)]]
    # each source cell once per line; the blank <td></td> is a real (empty) cell
    assert doc.text.split("\n") == ["A\tB", "c\t", "d\te"]
    assert t.rows[1][0].span == t.rows[0][0].span     # a merged copy points at the source cell
    assert t.span == (0, len(doc.text))
    assert_grounded(doc)


@pytest.mark.parametrize("attrs, expected", [
    ('rowspan="0"', [["A", "b"], ["A", "c"], ["A", "d"]]),    # 0: to the end of the table
    ('rowspan="x"', [["A", "b"], ["c"], ["d"]]),               # garbage: 1
    ('rowspan="99"', [["A", "b"], ["A", "c"], ["A", "d"]]),    # cut at the last row
    ('rowspan="2px"', [["A", "b"], ["A", "c"], ["d"]]),        # leading digits, as browsers read it
    ('colspan="-3"', [["A", "b"], ["c"], ["d"]]),
])
def test_odd_span_values_are_tolerated(attrs, expected):
    doc = document_from_html(f"<table><tr><td {attrs}>A</td><td>b</td></tr><tr><td>c</td></tr>"
                             "<tr><td>d</td></tr></table>")
    assert [[c.text for c in r] for r in doc.tables[0].rows] == expected
    assert_grounded(doc)


def test_layout_table_around_a_data_table():
    doc = document_from_html("""<table><tr><td><h1>某某局2024年政府信息公开工作年度报告</h1>
      <p>正文</p><table><tr><td>规章</td><td>0</td></tr></table></td></tr></table>""")
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Table"]
    assert grid(doc.tables[0]) == [[("规章", False), ("0", False)]]
    assert_grounded(doc)


def test_cell_text_joins_lines_with_a_space_and_collapses_whitespace():
    doc = document_from_html("<table><tr><td>结果<br>维持</td><td>\n  <p>a&nbsp;&nbsp; b</p>\t</td></tr></table>")
    assert [c.text for c in doc.tables[0].rows[0]] == ["结果 维持", "a b"]


def test_visible_text_lines():
    doc = document_from_html("""<html><head><title>T</title><style>p{}</style></head><body>
      <p>　　2025 年，焦作市<span>人民政府</span>办公室</p><div>第一行<br/>第二行</div>
      <p>跨行的
      中文</p><script>var x = "隐藏";</script><noscript>不显示</noscript><template>模板</template>
      <div style="display: none">隐藏的</div><!-- 注释 --><pre>一\t二
  三</pre></body></html>""")
    assert doc.text.split("\n") == ["2025 年，焦作市人民政府办公室", "第一行", "第二行", "跨行的中文", "一 二", "  三"]
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
    assert_grounded(doc)


def test_chrome_is_dropped_but_not_the_report():
    doc = document_from_html("""<body>
      <nav><a>首页</a><a>政务公开</a></nav>
      <div id="breadcrumb">当前位置：首页 &gt; 年报</div>
      <div class="top-menu">菜单</div>
      <header class="article-header"><h1>某某局2024年政府信息公开工作年度报告</h1></header>
      <div class="main"><p>一、总体情况</p>
        <div class="share-box">分享到</div>
        <aside class="sidebar"><table><tr><td>规章</td><td>0</td></tr></table></aside>
      </div>
      <footer>版权所有 网站地图</footer><div class="footer-links">联系我们</div></body>""")
    lines = doc.text.split("\n")
    assert lines == ["某某局2024年政府信息公开工作年度报告", "一、总体情况", "规章\t0"]


def test_chrome_wrapping_the_whole_page_is_kept():
    body = "<p>一、总体情况</p>" + "<p>本年度共收到申请 12 件。</p>" * 20
    doc = document_from_html(f"<body><div class='header-wrap'>{body}</div><footer>版权所有</footer></body>")
    assert doc.text.startswith("一、总体情况") and "版权所有" not in doc.text


def test_meta_charset_gbk_bytes(tmp_path):
    page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>"
            "<body><h1>焦作市人民政府办公室2025年政府信息公开工作年度报告</h1></body></html>")
    p = tmp_path / "r.html"
    p.write_bytes(page.encode("gbk"))
    doc = load(p)
    assert doc.encoding == "gb18030" and doc.text == "焦作市人民政府办公室2025年政府信息公开工作年度报告"


def test_utf8_page_that_declares_gb2312_is_read_as_utf8(tmp_path):
    p = tmp_path / "r.html"
    p.write_bytes("<meta charset=gb2312><p>政府信息公开工作年度报告</p>".encode("utf-8"))
    doc = load(p)
    assert doc.encoding == "utf-8" and doc.text == "政府信息公开工作年度报告"


def test_gb18030_variant_of_the_sample(tmp_path):
    page = HTML_SAMPLE.read_text(encoding="utf-8").replace('<meta charset="utf-8">', '<meta charset="gb18030">')
    p = tmp_path / "r.html"
    p.write_bytes(page.encode("gb18030"))
    assert load(p).text == load(HTML_SAMPLE).text
    p2 = tmp_path / "nometa.html"                        # no declaration: detection
    p2.write_bytes(page.replace('<meta charset="gb18030">', "").encode("gb18030"))
    doc = load(p2)
    assert doc.encoding == "gb18030" and doc.text == load(HTML_SAMPLE).text


def test_page_without_visible_text_is_refused(tmp_path):
    p = tmp_path / "empty.html"
    p.write_bytes(b"<!DOCTYPE html><html><head><title>x</title></head><body><script>1</script></body></html>")
    with pytest.raises(IngestError) as ei:
        load(p)
    assert "no visible text" in ei.value.reason and ei.value.path == str(p)


def test_from_text_html_and_sniffed_txt(tmp_path):
    assert from_text("<p>一</p><p>二</p>", format="html").text == "一\n二"
    p = tmp_path / "saved.txt"
    p.write_text("<!DOCTYPE html><html><body><p>正文</p></body></html>", encoding="utf-8")
    doc = load(p)
    assert doc.format == "html" and doc.text == "正文"


def test_html_sample_structure():
    doc = load(HTML_SAMPLE)
    assert_grounded(doc)
    assert doc.text.startswith("焦作市人民政府办公室 2025 年政府信息公开工作年度报告\n一、总体情况")
    for chrome in ("网站地图", "版权所有", "首页", "当前位置", "分享到", "_hmt", "相关链接"):
        assert chrome not in doc.text
    active, apps, review = doc.tables
    assert {len(r) for r in active.rows} == {4} and {len(r) for r in apps.rows} == {10}
    assert {len(r) for r in review.rows} == {15} and len(apps.rows) == 28
    # 三、本年度办理结果 covers rows 5..26 of column 0; (三) 不予公开 covers 8 rows of column 1
    col0 = [r[0] for r in apps.rows[5:27]]
    assert {c.text for c in col0} == {"三、本年度办理结果"} and [c.merged for c in col0] == [False] + [True] * 21
    withheld = [r[1] for r in apps.rows if r[1].text == "(三) 不予公开"]
    assert len(withheld) == 8 and sum(not c.merged for c in withheld) == 1
    assert doc.text.count("三、本年度办理结果") == 1


def test_html_sample_same_record_as_text():
    html_rec = extract.parse_file(HTML_SAMPLE, narrative=None)
    text_rec = extract.parse_file(TEXT_SAMPLE, narrative=None)
    for name in ("active_disclosure", "applications", "review_litigation"):
        assert html_rec.value(name) is not None
        assert html_rec.value(name) == text_rec.value(name), name
    assert html_rec.meta.agency == text_rec.meta.agency and html_rec.meta.year == text_rec.meta.year


# -- property: random tables with spans and random text round-trip their spans --------------

_WORD = st.text(alphabet=st.sampled_from(list("规章行政许可 0123456789ab&<>　\t\n")), max_size=8)
_CELL = st.tuples(_WORD, st.integers(0, 4), st.integers(0, 4), st.booleans())
_TABLE = st.lists(st.lists(_CELL, min_size=0, max_size=5), min_size=1, max_size=6)
_BLOCK = st.one_of(_WORD.map(lambda w: ("p", w)), _TABLE.map(lambda t: ("t", t)))


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html(blocks) -> str:
    out = []
    for kind, v in blocks:
        if kind == "p":
            out.append(f"<p>{_esc(v)}</p>")
            continue
        rows = []
        for r in v:
            cells = "".join(f"<{'th' if th else 'td'} rowspan={rs} colspan={cs}>{_esc(w)}</{'th' if th else 'td'}>"
                            for w, rs, cs, th in r)
            rows.append(f"<tr>{cells}</tr>")
        out.append("<table>" + "".join(rows) + "</table>")
    return "<body>" + "".join(out) + "</body>"


@settings(max_examples=200, deadline=None)
@given(st.lists(_BLOCK, max_size=5))
def test_property_html_spans_and_grids(blocks):
    doc = document_from_html(_html(blocks))
    assert_grounded(doc)
    for t in doc.tables:
        for r_i, row in enumerate(t.rows):
            assert [c.col for c in row] == sorted({c.col for c in row})
            assert all(c.row == r_i for c in row)
            own = [c.text for c in row if not c.merged]
            if own:   # the row's line renders exactly its own cells, tab-joined
                line_start = min(c.span[0] for c in row if not c.merged)
                assert doc.text[line_start:].split("\n", 1)[0] == "\t".join(own)
        for r in t.rows:
            for c in r:
                assert "\t" not in c.text and "\n" not in c.text
