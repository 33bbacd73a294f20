"""A batch's review page: one static HTML file, everything inline (no server, no CDN).

``write_review(outdir)`` reads ``records.jsonl`` and, for each report, its source text (the
record's ``text`` when the batch kept it, else the file read again, used only when its sha256
still matches the record). The page lists the reports with a filter for those that need a look
(status not ``ok``, a failed check, or a failed read) and shows one report at a time: its
findings, with the cells each failed check involves, and its source text with every table value,
problem, improvement and channel highlighted at its span. The highlighting is done by the page's
own script from the spans, so what the reader sees is what the spans say.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .export import RECORDS, read_records

REVIEW_PAGE = "review.html"


def _source_text(rec: Mapping) -> tuple[str | None, str | None]:
    """(text, note): the text the record's spans index, or why there is none."""
    if rec.get("text"):
        return rec["text"], None
    src = rec.get("source") or {}
    path = src.get("path")
    if not path:
        return None, "no source path"
    from . import ingest
    try:
        doc, raw = ingest.load_with_bytes(path)
    except Exception as e:   # a moved or unreadable file: the page says so for this report
        return None, f"source not readable now: {e}"
    if src.get("sha256") and hashlib.sha256(raw).hexdigest() != src["sha256"]:
        return None, "the source file changed since the batch ran: spans would not match"
    return doc.text, None


def _annotations(rec: Mapping) -> list[list]:
    """``[start, end, kind, label, value]`` for every span of the record."""
    out: list[list] = []
    for key, span in (rec.get("spans") or {}).items():
        if span:
            out.append([span[0], span[1], "cell", key, _value(rec, key)])
    narr = rec.get("narrative") or {}
    for kind, items in (("problem", narr.get("problems")), ("improvement", narr.get("improvements"))):
        for i, it in enumerate(items or []):
            if isinstance(it, dict) and it.get("span"):
                out.append([it["span"][0], it["span"][1], kind, f"{kind} {i + 1}", it.get("text")])
    for c in narr.get("channels") or []:
        if c.get("span"):
            out.append([c["span"][0], c["span"][1], "channel", c.get("type"), c.get("name")])
    out.sort(key=lambda a: (a[0], -a[1]))
    return out


def _value(rec: Mapping, key: str):
    v: object = rec
    for part in key.split("."):
        if not isinstance(v, Mapping):
            return None
        v = v.get(part)
    return v


def page_data(records: Iterable[Mapping]) -> list[dict]:
    """What the page's script needs per report (pure but for reading the source files)."""
    out = []
    for rec in records:
        text, note = _source_text(rec) if rec.get("status") != "failed" else (None, None)
        meta = rec.get("meta") or {}
        out.append({
            "id": rec.get("id"), "path": (rec.get("source") or {}).get("path"), "status": rec.get("status"),
            "checks": rec.get("checks"), "agency": meta.get("agency"), "year": meta.get("year"),
            "template": meta.get("template"), "error": rec.get("error"), "error_code": rec.get("error_code"),
            "findings": [{k: f.get(k) for k in ("check", "severity", "message", "cells", "expected", "actual")}
                         for f in rec.get("findings") or []],
            "text": text, "note": note, "ann": _annotations(rec) if text else [],
        })
    return out


def render(records: Iterable[Mapping], *, title: str = "xxgk review") -> str:
    data = json.dumps(page_data(records), ensure_ascii=False, separators=(",", ":"))
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")
    return _TEMPLATE.replace("@TITLE@", html.escape(title)).replace("@DATA@", data)


def write_review(outdir: str | os.PathLike, *, dest: str | os.PathLike | None = None) -> Path:
    """Write ``OUTDIR/review.html`` (or ``dest``) from ``OUTDIR/records.jsonl``; atomic."""
    outdir = Path(outdir)
    dest = Path(dest) if dest else outdir / REVIEW_PAGE
    page = render(read_records(outdir / RECORDS), title=f"xxgk review · {outdir.name}")
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


_TEMPLATE = r"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>@TITLE@</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;display:flex;height:100vh}
nav{width:22rem;border-right:1px solid #ccc;overflow:auto;padding:.5rem;flex:none}
main{flex:1;overflow:auto;padding:0 1rem}
nav li{list-style:none;padding:.15rem .3rem;cursor:pointer;border-radius:3px}
nav ul{padding:0;margin:.5rem 0}
nav li.sel{background:#def}
.b{display:inline-block;font-size:11px;padding:0 .3rem;border-radius:3px;margin-left:.3rem;color:#fff}
.ok,.pass{background:#2a7}.partial{background:#c80}.failed,.fail{background:#c33}
pre{white-space:pre-wrap;border:1px solid #ddd;padding:.5rem;background:#fafafa}
mark{background:#fff3a0}mark.cell{background:#cfe8ff}mark.problem{background:#ffd6d6}
mark.improvement{background:#d6f5d6}mark.channel{outline:1px solid #a6c;background:#f0e0ff}
mark.bad{background:#f66;color:#fff}
.f-error{color:#c33}.f-warning{color:#a60}.f-info{color:#369}
.legend mark{padding:0 .3rem}
section.report{display:none}section.report.on{display:block}
</style></head><body>
<nav>
<label>Show <select id="filter"><option value="look">reports that need a look</option>
<option value="all">all reports</option></select></label>
<label><input type="checkbox" id="every"> every report on one page</label>
<input id="q" placeholder="filter by id or agency" style="width:95%">
<ul id="list"></ul>
</nav>
<main>
<p class="legend"><mark class="cell">table value</mark> <mark class="bad">cell of a failed check</mark>
<mark class="problem">problem</mark> <mark class="improvement">improvement</mark>
<mark class="channel">channel</mark></p>
<div id="reports"></div>
</main>
<script type="application/json" id="data">@DATA@</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const needsLook = r => r.status !== "ok" || r.checks === "fail";
const esc = s => String(s == null ? "" : s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));

function highlight(pre, r, bad) {
  // cut the text at every span boundary; each piece is marked with every annotation covering it
  // spans count code points (Python's str), not UTF-16 units: index an array of code points
  const chars = Array.from(r.text), ann = r.ann, n = chars.length, cuts = new Set([0, n]);
  ann.forEach(a => { cuts.add(Math.max(0, Math.min(a[0], n))); cuts.add(Math.max(0, Math.min(a[1], n))); });
  const pts = [...cuts].sort((x, y) => x - y);
  const frag = document.createDocumentFragment();
  for (let k = 0; k + 1 < pts.length; k++) {
    const s = pts[k], e = pts[k + 1], piece = chars.slice(s, e).join("");
    const on = [];
    ann.forEach((a, i) => { if (a[0] <= s && a[1] >= e) on.push(i); });
    if (!on.length) { frag.appendChild(document.createTextNode(piece)); continue; }
    const m = document.createElement("mark");
    m.textContent = piece;
    m.dataset.ann = on.join(" ");
    const kinds = new Set(on.map(i => ann[i][2]));
    kinds.forEach(c => m.classList.add(c));
    if (on.some(i => ann[i][2] === "cell" && bad.has(ann[i][3]))) m.classList.add("bad");
    m.title = on.map(i => ann[i][3] + (ann[i][4] == null ? "" : " = " + ann[i][4])).join("\n");
    if (on.length && ann[on[0]][2] === "cell" && s === ann[on[0]][0]) m.id = "c-" + r.idx + "-" + ann[on[0]][3];
    frag.appendChild(m);
  }
  pre.appendChild(frag);
}

function render(r) {
  const sec = document.createElement("section");
  sec.className = "report";
  sec.id = "report-" + r.idx;
  sec.dataset.id = r.id;
  const bad = new Set();
  r.findings.forEach(f => { if (f.severity !== "info") (f.cells || []).forEach(c => bad.add(c)); });
  let h = `<h2>${esc(r.id)} <span class="b ${esc(r.status)}">${esc(r.status)}</span>` +
          (r.checks ? `<span class="b ${esc(r.checks)}">checks ${esc(r.checks)}</span>` : "") + `</h2>` +
          `<p>${esc(r.agency)} · ${esc(r.year)} · template ${esc(r.template)} · <code>${esc(r.path)}</code></p>`;
  if (r.error) h += `<p class="f-error">${esc(r.error_code)}: ${esc(r.error)}</p>`;
  if (r.findings.length) {
    h += "<h3>Findings</h3><ul>" + r.findings.map(f => `<li class="f-${esc(f.severity)}"><b>${esc(f.severity)}</b> ` +
      `<code>${esc(f.check)}</code> ${esc(f.message)}` +
      ((f.cells || []).length ? " — cells: " + f.cells.map(c => `<a href="#c-${r.idx}-${esc(c)}">${esc(c)}</a>`).join(", ") : "") +
      "</li>").join("") + "</ul>";
  }
  if (r.note) h += `<p class="f-warning">${esc(r.note)}</p>`;
  sec.innerHTML = h;
  if (r.text != null) {
    const pre = document.createElement("pre");
    highlight(pre, r, bad);
    sec.appendChild(pre);
  }
  return sec;
}

const list = document.getElementById("list"), box = document.getElementById("reports");
const shown = new Map();
function show(i, only) {
  if (!shown.has(i)) { const s = render(DATA[i]); shown.set(i, s); box.appendChild(s); }
  if (only) shown.forEach(s => s.classList.remove("on"));
  shown.get(i).classList.add("on");
  list.querySelectorAll("li").forEach(li => li.classList.toggle("sel", +li.dataset.i === i));
}
function refresh() {
  const mode = document.getElementById("filter").value, q = document.getElementById("q").value.trim();
  list.innerHTML = "";
  DATA.forEach((r, i) => {
    if (mode === "look" && !needsLook(r)) return;
    if (q && !(String(r.id).includes(q) || String(r.agency || "").includes(q))) return;
    const li = document.createElement("li");
    li.dataset.i = i;
    li.innerHTML = `${esc(r.id)}<span class="b ${esc(r.status)}">${esc(r.status)}</span>` +
                   (r.checks === "fail" ? `<span class="b fail">check</span>` : "");
    li.onclick = () => show(i, true);
    list.appendChild(li);
  });
}
DATA.forEach((r, i) => { r.idx = i; });
document.getElementById("filter").onchange = refresh;
document.getElementById("q").oninput = refresh;
const every = document.getElementById("every");
every.onchange = () => { if (every.checked) DATA.forEach((r, i) => show(i, false)); };
if (!DATA.some(needsLook)) document.getElementById("filter").value = "all";
refresh();
if (location.hash === "#all") { every.checked = true; DATA.forEach((r, i) => show(i, false)); }
else if (DATA.length) show(DATA.findIndex(r => needsLook(r)) >= 0 ? DATA.findIndex(r => needsLook(r)) : 0, true);
</script>
</body></html>
"""
