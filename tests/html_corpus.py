"""A corpus of HTML report pages, built from descriptions of how reports reach users (never stored).

Every text report in ``eval/samples`` and ``eval/realdev`` is rendered as a web page in several
shapes, each one a way a page is published or saved:

- ``cms``: a government site's article page: ``<head>`` with styles and analytics scripts, a
  header, ``<nav>`` menu, breadcrumb, share toolbar and footer chrome around an article whose
  tables are bordered grids with the published rowspan/colspan merges (``builders.table_layout``).
- ``crawler``: what a crawler saves: a bare page, the body in ``<div id="zoom">``, ``&nbsp;``
  indents, ``<br>`` and ``<p>`` inside cells, ``<tbody>``, ``<th>`` headers, comments.
- ``oneline``: the whole body on one line, paragraphs separated by ``<br>`` only.
- ``layout``: the article inside a layout table (a table whose cells hold the data tables), with a
  sidebar of links and a nested table of related documents.
- ``word``: Word's "save as web page": ``MsoNormal`` paragraphs, ``<o:p>``, ``<span lang=EN-US>``,
  conditional comments, ``&#12288;`` indents, cells holding ``<p>`` with spans, ``mso`` styles.
- ``messy``: hand-edited markup: upper-case tags, unquoted attributes, unclosed ``<p>``/``<td>``,
  stray end tags, ``<font>``, hidden elements, ``<ruby>``, ``<template>``, ``<pre>``, entities.
- ``xhtml``: an XHTML page with an XML declaration, self-closed tags and a CDATA script.

and in several encodings: UTF-8, GBK declared in ``<meta>``, UTF-8 under a ``<meta>`` that says
gb2312 (a common CMS mistake), GB18030 declared as UTF-8, and GBK with no declaration at all.
The hostile pages of ``hostile.py`` and the bundled HTML sample are added as they are.

``corpus()`` returns ``[(name, bytes)]``, the same bytes on every run (choices are seeded by name).
"""

from __future__ import annotations

import html as _html
import random
import zlib
from pathlib import Path

import hostile
from builders import parse_sample, table_layout

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (sorted((ROOT / "eval" / "samples").glob("*.txt")) + sorted((ROOT / "eval" / "samples").glob("*.md"))
           + sorted((ROOT / "eval" / "realdev").glob("*/*.txt")))
SHAPES = ("cms", "crawler", "oneline", "layout", "word", "messy", "xhtml")


def esc(s: str) -> str:
    return _html.escape(s, quote=False)


def _rng(name: str) -> random.Random:
    return random.Random(zlib.crc32(name.encode("utf-8")))


def _cells(spec, *, cell, rng: random.Random, th_rows: int = 0) -> list[str]:
    """The rows of a table spec as ``<tr>`` markup, merges as rowspan/colspan; ``cell(text, rng)`` renders a cell."""
    covered: set[tuple[int, int]] = set()
    origin = {}
    for r0, c0, r1, c1 in spec.spans:
        origin[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    rows = []
    for r, row in enumerate(spec.grid):
        out = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            tag = "th" if r < th_rows else "td"
            attrs = ""
            if (r, c) in origin:
                rs, cs = origin[(r, c)]
                attrs += f' rowspan="{rs}"' if rs > 1 else ""
                attrs += f' colspan="{cs}"' if cs > 1 else ""
            out.append(f"<{tag}{attrs}>{cell(text, rng)}</{tag}>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    return rows


def _plain_cell(text: str, rng: random.Random) -> str:
    return esc(text)


def _crawler_cell(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(["", "&nbsp;", " ", "<br>"])
    if len(text) > 6 and rng.random() < 0.3:                  # a wrapped label: <br> inside the cell
        k = rng.randrange(2, len(text) - 2)
        return f"{esc(text[:k])}<br>\n{esc(text[k:])}"
    if rng.random() < 0.3:
        return f"<p>{esc(text)}</p>"
    if rng.random() < 0.2:
        return f"\n      {esc(text)}&nbsp;\n    "
    return esc(text)


def _word_cell(text: str, rng: random.Random) -> str:
    if not text:
        return "<p class=MsoNormal align=center><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
    return (f"<p class=MsoNormal align=center style='text-align:center'><span style='font-size:9.0pt;"
            f"font-family:仿宋_GB2312'>{esc(text)}</span><span lang=EN-US><o:p></o:p></span></p>")


def _messy_cell(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(["", "&#160;", "<FONT size=2></FONT>"])
    if rng.random() < 0.3:
        return f"<FONT face=宋体 size=2>{esc(text)}</FONT>"
    if rng.random() < 0.2:
        return f"<b>{esc(text)}</b>"
    return esc(text)


def _table(rows: list[list[str]], shape: str, rng: random.Random) -> str:
    spec = table_layout(rows)
    if shape == "cms":
        return ('<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">'
                + "".join(_cells(spec, cell=_plain_cell, rng=rng)) + "</table>")
    if shape in ("crawler", "layout"):
        body = _cells(spec, cell=_crawler_cell, rng=rng, th_rows=spec.header_rows)
        head = body[:spec.header_rows]
        return ("<table class=\"MsoTableGrid\">\n" + (f"<thead>{''.join(head)}</thead>\n" if head else "")
                + "<tbody>\n" + "\n".join(body[spec.header_rows:]) + "\n</tbody></table>")
    if shape == "oneline":
        return "<table>" + "".join(_cells(spec, cell=_plain_cell, rng=rng)) + "</table>"
    if shape == "word":
        return ("<div align=center><table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
                "style='border-collapse:collapse;mso-yfti-tbllook:1184'>\n"
                + "\n".join(_cells(spec, cell=_word_cell, rng=rng)) + "\n</table></div>")
    if shape == "messy":
        rows_ = _cells(spec, cell=_messy_cell, rng=rng)
        # unclosed </td> and </tr>, upper-case tags: browsers and lxml close them
        rows_ = [r.replace("</td>", "", 1).replace("<tr>", "<TR>").replace("</tr>", "") if i % 3 == 1 else r
                 for i, r in enumerate(rows_)]
        return "<TABLE border=1 width=600>" + "\n".join(rows_) + "</TABLE>"
    return "<table>" + "".join(_cells(spec, cell=_plain_cell, rng=rng)) + "</table>"     # xhtml


def _body_items(text: str, shape: str, rng: random.Random) -> tuple[str, list[str]]:
    """(title, body parts) for one shape."""
    items = parse_sample(text)
    title = next((it.text for it in items if it.kind == "title"), "")
    if not title:
        first = next((it for it in items if it.kind == "para"), None)
        title = first.text if first is not None and len(first.text) < 60 else "政府信息公开工作年度报告"
    parts = []
    for it in items:
        if it.kind == "title":
            continue
        if it.kind == "table":
            parts.append(_table(it.rows, shape, rng))
            continue
        t = it.text
        if shape == "cms":
            parts.append(f"<h2>{esc(t)}</h2>" if it.kind == "heading" else
                         f'<p style="text-indent:2em;">{esc(t)}</p>')
        elif shape == "crawler":
            if it.kind == "heading":
                parts.append(f"<p><strong>{esc(t)}</strong></p>")
            elif rng.random() < 0.25 and len(t) > 30:           # a paragraph wrapped by the editor
                k = rng.randrange(10, len(t) - 10)
                parts.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(t[:k])}\n{esc(t[k:])}</p>")
            else:
                parts.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(t)}</p>")
            if rng.random() < 0.1:
                parts.append("<!-- 正文分页 -->")
        elif shape == "oneline":
            parts.append(f"<b>{esc(t)}</b><br>" if it.kind == "heading" else f"　　{esc(t)}<br>")
        elif shape == "layout":
            parts.append(f"<h3>{esc(t)}</h3>" if it.kind == "heading" else f"<div>{esc(t)}</div>")
        elif shape == "word":
            span = "<span style='font-family:黑体'>" if it.kind == "heading" else "<span style='font-family:仿宋_GB2312'>"
            parts.append(f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'>{span}"
                         f"&#12288;&#12288;{esc(t)}</span><span lang=EN-US><o:p></o:p></span></p>")
        elif shape == "messy":
            if it.kind == "heading":
                parts.append(f"<P><B>{esc(t)}</B>")                   # unclosed <P>
            elif rng.random() < 0.15:
                parts.append(f"<pre>{esc(t)}</pre>")
            elif rng.random() < 0.2 and len(t) > 8:
                k = rng.randrange(2, len(t) - 2)
                parts.append(f"<p>{esc(t[:k])}<span style='display:none'>隐藏的统计代码</span>"
                             f"<font color=#333>{esc(t[k:])}</font></p>")
            else:
                parts.append(f"<p align=justify>{esc(t)}")
        else:   # xhtml
            parts.append(f"<h4>{esc(t)}</h4>" if it.kind == "heading" else f"<p>{esc(t)}<br/></p>")
    return title, parts


_HEAD = ("<head>\n<meta charset=\"{charset}\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
         "<title>{title}_门户网站</title>\n<link rel=\"stylesheet\" href=\"/css/a.css\">\n"
         "<style>\n  body {{ font-size: 14px; }} td {{ border: 1px solid #000 }}\n</style>\n"
         "<script type=\"text/javascript\">var _hmt = _hmt || []; if (a < b && c > d) {{ x(); }}</script>\n</head>\n")

_CHROME_TOP = ("<div class=\"top-header\"><div class=\"logo\"><img src=\"/logo.png\" alt=\"人民政府\">人民政府</div>"
               "<div class=\"header-links\"><a href=\"/\">无障碍</a> | <a href=\"/\">English</a></div></div>\n"
               "<nav class=\"main-nav\"><ul><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li>"
               "<li><a href=\"/hdjl/\">互动交流</a></li></ul></nav>\n"
               "<div class=\"breadcrumb\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; 年报</div>\n")
_CHROME_BOTTOM = ("<div class=\"share-box\">分享到：<a>微信</a><a>微博</a></div>\n"
                  "<div class=\"related\"><h4>相关链接</h4><ul><li><a>上一篇</a></li></ul></div>\n"
                  "<footer class=\"footer\"><p>版权所有：人民政府办公室　网站地图　联系我们</p>"
                  "<p>ICP备案号 &copy; 2025</p></footer>\n"
                  "<script src=\"/js/stat.js\"></script>\n<script>document.write('<div>统计</div>');</script>\n")


def render(text: str, shape: str, name: str, charset: str = "utf-8") -> str:
    """One report's text as an HTML page of the given shape."""
    rng = _rng(name)
    title, parts = _body_items(text, shape, rng)
    t = esc(title)
    if shape == "cms":
        return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n" + _HEAD.format(charset=charset, title=t) + "<body>\n"
                + _CHROME_TOP + "<div class=\"container\"><div class=\"article\">\n"
                + f"  <h1 class=\"article-title\">{t}</h1>\n"
                + "  <div class=\"article-toolbar\">【字体：<a>大</a> <a>中</a> <a>小</a>】 【<a>打印</a>】</div>\n"
                + "  <div class=\"article-content\">\n" + "\n".join(parts) + "\n  </div>\n</div></div>\n"
                + _CHROME_BOTTOM + "</body>\n</html>\n")
    if shape == "crawler":
        return (f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">"
                f"<title>{t}</title></head>\n<body>\n<div class=\"title\">{t}</div>\n"
                "<div class=\"info\">发布时间：2025-01-20 &nbsp; 来源：办公室 &nbsp; 浏览次数：<span id=\"hits\">128</span></div>\n"
                "<div id=\"zoom\">\n" + "\n".join(parts) + "\n</div>\n</body></html>")
    if shape == "oneline":
        return (f"<html><head><meta charset={charset}><title>{t}</title></head><body><div class=con>"
                f"<h1>{t}</h1>" + "".join(parts) + "</div></body></html>")
    if shape == "layout":
        related = ("<table class=\"list\"><tr><td><a>关于印发某某办法的通知</a></td><td>2025-01-02</td></tr>"
                   "<tr><td><a>2024年政府信息公开工作年度报告</a></td><td>2024-01-20</td></tr></table>")
        return (f"<html><head><meta charset=\"{charset}\"><title>{t}</title></head><body>\n"
                "<table width=\"1000\" align=\"center\"><tr>\n"
                f"<td width=\"200\" valign=\"top\" class=\"left\"><div class=\"sidebar\">栏目导航<ul><li>政务公开</li></ul>"
                f"</div>相关文件{related}</td>\n"
                f"<td width=\"800\" valign=\"top\"><h2 class=\"bt\">{t}</h2>\n" + "\n".join(parts)
                + "\n</td></tr>\n<tr><td colspan=\"2\" class=\"bottom\">主办单位：人民政府办公室</td></tr></table>\n"
                "</body></html>")
    if shape == "word":
        return ("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
                "xmlns:w=\"urn:schemas-microsoft-com:office:word\">\n<head>\n"
                f"<meta http-equiv=Content-Type content=\"text/html; charset={charset}\">\n"
                "<meta name=Generator content=\"Microsoft Word 15\">\n"
                "<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>admin</o:Author></o:DocumentProperties></xml><![endif]-->\n"
                "<style>\n<!--\n p.MsoNormal {mso-style-parent:\"\"; margin:0cm;}\n-->\n</style>\n</head>\n"
                "<body lang=ZH-CN style='tab-interval:21.0pt'>\n<div class=WordSection1 style='layout-grid:15.6pt'>\n"
                f"<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt'>{t}"
                "</span></b><span lang=EN-US><o:p></o:p></span></p>\n" + "\n".join(parts)
                + "\n</div>\n</body>\n</html>\n")
    if shape == "messy":
        return (f"<HTML><HEAD><META http-equiv=Content-Type content=\"text/html; charset={charset}\">"
                f"<TITLE>{t}</TITLE></HEAD>\n<BODY bgcolor=#ffffff>\n</div>\n"
                f"<CENTER><FONT size=5><B>{t}</B></FONT></CENTER>\n"
                "<ruby>政<rt>zhèng</rt>务<rp>(</rp></ruby>\n<template><p>模板内容</p></template>\n"
                "<noscript>请开启脚本</noscript><iframe src=x>框架</iframe>\n"
                "<div hidden>隐藏层</div><span style=\"visibility: hidden\">看不见</span>\n"
                + "\n".join(parts) + "\n<p>&amp;&lt;&gt;&quot;&#x4E00;&copy;&unknown;&#13;</p>\n</BODY></HTML>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" "
            "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\n"
            f"<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\" /><title>{t}</title>\n"
            "<script type=\"text/javascript\">//<![CDATA[\nvar a = 1 < 2;\n//]]></script></head>\n<body>\n"
            f"<div id=\"content\"><h1>{t}</h1>\n" + "\n".join(parts) + "\n</div></body></html>\n")


def _encode(page: str, encoding: str) -> bytes:
    return page.encode(encoding, errors="xmlcharrefreplace")


def corpus() -> list[tuple[str, bytes]]:
    """``[(name, bytes)]``: every source report in every shape, some in other encodings, and the extras."""
    out: list[tuple[str, bytes]] = []
    for i, src in enumerate(SOURCES):
        text = src.read_text(encoding="utf-8")
        for shape in SHAPES:
            name = f"{src.stem}__{shape}"
            out.append((name + ".html", _encode(render(text, shape, name), "utf-8")))
        # encodings: a few shapes per source, rotating so each mix is seen
        shape = SHAPES[i % len(SHAPES)]
        name = f"{src.stem}__{shape}"
        kind = i % 4
        if kind == 0:       # GBK, declared
            out.append((name + "__gbk.html", _encode(render(text, shape, name, "gb2312"), "gbk")))
        elif kind == 1:     # UTF-8 content under a <meta> that says gb2312
            out.append((name + "__utf8_as_gb2312.html", _encode(render(text, shape, name, "gb2312"), "utf-8")))
        elif kind == 2:     # GB18030 content declared as UTF-8
            out.append((name + "__gb18030_as_utf8.html", _encode(render(text, shape, name, "utf-8"), "gb18030")))
        else:               # GBK, no declaration at all
            page = render(text, shape, name, "gbk").replace("charset=gbk", "").replace('charset="gbk"', "")
            out.append((name + "__gbk_undeclared.html", _encode(page, "gbk")))
    sample = ROOT / "eval" / "samples" / "005_jiaozuo_szfb_2025_html.html"
    out.append((sample.name, sample.read_bytes()))
    out.append(("hostile_huge_spans.html", hostile.huge_span_html().encode("utf-8")))
    out.append(("hostile_nested_divs.html", hostile.nested_divs_html().encode("utf-8")))
    return out


EDGE_STRINGS = (
    # strings handed to ``document_from_html`` directly (``from_text(..., format="html")``)
    "", " ", "\n\n", "<p>一</p><p>二</p>", "纯文本，没有标签", "\ufeff<p>带BOM</p>", "<!-- 只有注释 -->",
    "<html><head><title>只有标题</title></head></html>", "a\x00b<p>c\x01d</p>", "<p>\ud800孤立代理</p>",
    "<table><tr><td>1<td>2<tr><td colspan=2>3</table>", "<td>无表格的单元格</td>", "<p>a<!---->b</p>",
    "<div><span>甲</span>\n<span>乙</span></div><div>a <img> <b>b</b></div><p>中\n文 \n 字</p>",
    "<p>&#13;&#10;<b>x</b>&#9;&#12;</p><p>中&#13;文</p>", "<pre>\n  缩进\n\t制表</pre><textarea>t</textarea>",
    "<h1 class=title>报告</h1><nav><h1 class=title>报告</h1>导航</nav><p>正文</p>",
    "<div class='nav'><h2>某局年度报告</h2></div><div class='nav'><p>菜单</p></div>",
    "<body><div class=header>" + "<p>正文很长。</p>" * 30 + "</div><div class=footer>版权</div></body>",
    "<ruby>汉<rt>han</rt></ruby><rp>(</rp><p class=title>年度报告<rt>x</rt></p>",
    "<script class=title>var t='报告'</script><h3>第三级</h3>",
    "<table><caption>表一 <b>说明</b></caption><tr><th>项</th><th>值</th></tr></table>",
    "<table><tr><td><table><tr><td>内</td></tr></table></td><td>外</td></tr></table>",
    "<table><tr><td rowspan=0>A</td><td>b</td></tr><tr><td>c</td></tr></table>",
    "<p>x</p></body></html><p>after</p>", "<html><body></body><body><p>two bodies</p></body></html>",
    "<frameset><frame src=a></frameset>", "<svg><text>矢量</text></svg><math><mi>x</mi></math>",
    "<p>a<br>b<br/>c<br></br>d</p>", "<ul><li>一<li>二</ul><dl><dt>术语<dd>定义</dl>",
    "<select><option>选项</option></select><button>按钮</button>", "<p>&nbsp;</p><p>\u3000\u3000</p>",
    "<div style=\"DISPLAY:NONE\">大写隐藏</div><p style=\"visibility :hidden\">x</p>",
    "<![CDATA[不是XML]]><p>后文</p>", "<?php echo 1; ?><p>PI</p>", "<p id=menu>id 菜单</p><p>正文</p>",
)
