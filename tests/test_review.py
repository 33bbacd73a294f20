"""The review page in a real headless Chromium: its script puts every highlight on the characters the spans name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from extract import ingest
from extract.cli import _register, app
from extract.export import read_records

_register()
SAMPLES = Path(__file__).resolve().parent.parent / "eval" / "samples"
runner = CliRunner()
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _batch(tmp_path: Path) -> Path:
    """The text samples, plus 002 with a character outside the BMP before its tables (UTF-16 vs code points)."""
    inp = tmp_path / "in"
    inp.mkdir()
    for p in SAMPLES.glob("*.txt"):
        shutil.copy(p, inp)
    text = (SAMPLES / "002_jiaozuo_szfb_2025.txt").read_text(encoding="utf-8")
    cut = text.index("。") + 1
    (inp / "002_astral.txt").write_text(text[:cut] + "（𠮷𝟘）" + text[cut:], encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(inp), "-o", str(out), "--narrative", "rules", "--no-duckdb", "--html",
                              "-q"], catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return out


def test_the_page_is_self_contained(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(SAMPLES / "002_jiaozuo_szfb_2025.txt"), "-o", str(out),
                               "--narrative", "none", "--no-duckdb", "-q"]).exit_code == 0
    assert runner.invoke(app, ["review", str(out)]).exit_code == 0
    page = (out / "review.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all(src=True) and not soup.select('link[href]')      # nothing fetched: no CDN, no server
    assert "266" in page and "焦作市人民政府办公室" in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (Debian: apt-get install chromium)")
def test_highlights_land_on_the_right_characters_in_chromium(tmp_path):
    out = _batch(tmp_path)
    page = out / "review.html"
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          page.resolve().as_uri() + "#all"], capture_output=True, text=True, timeout=120).stdout
    soup = BeautifulSoup(dom, "html.parser")
    sections = {s["data-id"]: s for s in soup.select("section.report")}
    recs = list(read_records(out / "records.jsonl"))
    assert set(sections) == {r["id"] for r in recs}          # the script rendered every report

    checked_cells = checked_items = 0
    for rec in recs:
        if rec["status"] == "failed":
            continue
        text = ingest.load(rec["source"]["path"]).text
        sec = sections[rec["id"]]
        got: dict[int, str] = {}
        for m in sec.select("mark[data-ann]"):
            for i in m["data-ann"].split():
                got[int(i)] = got.get(int(i), "") + m.get_text()
        spans = sorted([(s, e, "cell", k) for k, (s, e) in rec["spans"].items()]
                       + [(it["span"][0], it["span"][1], kind, it["text"])
                          for kind in ("problems", "improvements") for it in rec["narrative"][kind] if it["span"]]
                       + [(c["span"][0], c["span"][1], "channel", c["type"]) for c in rec["narrative"]["channels"]
                          if c["span"]], key=lambda a: (a[0], -a[1]))
        assert len(got) == len(spans), rec["id"]
        for i, (s, e, kind, key) in enumerate(spans):
            assert got[i] == text[s:e], (rec["id"], kind, key)
            if kind == "cell":
                v = _value(rec, key)
                if isinstance(v, int):
                    assert int(got[i].replace(",", "").replace("，", "")) == v, (rec["id"], key, got[i])
                checked_cells += 1
            else:
                checked_items += 1
        # the cells a failed check involves are marked as such
        bad = {c for f in rec["findings"] if f["severity"] != "info" for c in f["cells"]}
        for m in sec.select("mark.bad"):
            assert any(spans[int(i)][3] in bad for i in m["data-ann"].split())
    assert checked_cells > 1000 and checked_items > 50
    astral = sections["002_astral"].select_one("mark[id='c-%s-applications.new_received.total']" %
                                               sections["002_astral"]["id"].split("-")[1])
    assert astral is not None and astral.get_text() == "266"

    # the list starts filtered to the reports that need a look
    listed = soup.select("#list li")
    assert len(listed) == sum(r["status"] != "ok" or r["checks"] == "fail" for r in recs) > 0


def _value(rec: dict, key: str):
    v = rec
    for part in key.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    return v
