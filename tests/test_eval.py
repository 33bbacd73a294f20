"""The eval harness end to end: the committed samples against the committed baseline, the CLI's
gate and comparison, and the harness on a folder it has never seen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extract.evaluation import read_scorecard, regressions, run_eval

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "eval" / "samples"
BASELINE = ROOT / "eval" / "baseline.json"
XXGK = [sys.executable, "-m", "extract"]


@pytest.fixture(scope="module")
def card():
    return run_eval(SAMPLES, narrative="rules")


def _labels():
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))}


def test_every_labelled_sample_is_scored(card):
    assert [r["id"] for r in card.reports] == sorted(_labels())
    assert card.overall["reports_failed"] == 0


def test_model_loading_is_timed_once_not_charged_to_a_report(card):
    assert card.config["startup_seconds"] >= 0   # jieba + spaCy, loaded (once per process) before any report is timed
    assert "startup_seconds" not in run_eval(SAMPLES, narrative="none").config


def test_sound_samples_have_every_table_cell_exact(card):
    labels = _labels()
    sound = [r for r in card.reports
             if not any(a.get("flag") for a in labels[r["id"]].get("source_anomalies", []))]
    assert len(sound) >= 8
    assert [r["id"] for r in sound if not r["tables_exact"]] == []
    # and every table the labels flag raises a finding
    assert card.overall["findings.recall"] == 1.0 and card.overall["findings.false_alarm_tables"] == 0


def test_no_headline_figure_below_the_committed_baseline(card):
    worse = regressions(read_scorecard(BASELINE), card)
    assert worse == [], "\n".join(f"{d.path}: {d.a} -> {d.b}" for d in worse)


def test_regressions_are_found_and_improvements_are_not():
    base = {"overall": {"cell_accuracy": 0.99, "channels.f1": 0.9, "reports_failed": 0}}
    now = {"overall": {"cell_accuracy": 1.0, "channels.f1": 0.8, "reports_failed": 1}}
    assert sorted(d.path for d in regressions(base, now)) == ["overall.channels.f1", "overall.reports_failed"]
    assert [d.path for d in regressions(base, {"overall": {"channels.f1": 0.95}})] == \
        ["overall.cell_accuracy", "overall.reports_failed"]  # a figure that disappeared is a regression


def test_cli_gate_passes_on_the_baseline_and_fails_on_a_better_one(tmp_path):
    ok = subprocess.run([*XXGK, "eval", "--samples", str(SAMPLES), "--baseline", str(BASELINE), "-q",
                         "--out", str(tmp_path / "card.json")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert read_scorecard(tmp_path / "card.json").overall["cell_accuracy"] == 1.0
    tough = json.loads(BASELINE.read_text(encoding="utf-8"))
    tough["overall"]["channels.f1"] = 1.5
    (tmp_path / "tough.json").write_text(json.dumps(tough), encoding="utf-8")
    bad = subprocess.run([*XXGK, "eval", "--samples", str(SAMPLES), "--baseline", str(tmp_path / "tough.json"),
                          "-q"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "regression: channels.f1" in bad.stderr


def test_harness_on_another_folder_scores_broken_samples_as_wrong(tmp_path):
    """A folder of the same form, with new names: one good sample, one unreadable, one without source."""
    d = tmp_path / "mine"
    d.mkdir()
    shutil.copy(SAMPLES / "001_wenfeng_cgj_2024.txt", d / "a.txt")
    label = json.loads((SAMPLES / "001_wenfeng_cgj_2024.json").read_text(encoding="utf-8"))
    for stem in ("a", "b", "c"):
        (d / f"{stem}.json").write_text(json.dumps({**label, "id": stem}, ensure_ascii=False), encoding="utf-8")
    (d / "b.txt").write_bytes(b"\x00\x01\x02 not text")
    card = run_eval(d, narrative="rules")
    by_id = {r["id"]: r for r in card.reports}
    assert sorted(by_id) == ["a", "b", "c"]
    assert by_id["a"]["tables_exact"] and by_id["a"]["cells_correct"] == 200
    for stem in ("b", "c"):
        assert by_id[stem]["status"] == "failed" and by_id[stem]["cells_correct"] == 0
        assert by_id[stem]["problems"]["recall"] == 0.0
    assert card.overall["reports_failed"] == 2
    assert card.overall["cell_accuracy"] == pytest.approx(1 / 3)


def test_records_mode_and_compare(tmp_path):
    """Score a batch's records.jsonl; compare two scorecards field by field."""
    d = tmp_path / "s"
    d.mkdir()
    for stem in ("001_wenfeng_cgj_2024", "004_huzhu_cgzf_2025"):
        shutil.copy(SAMPLES / f"{stem}.txt", d)
        shutil.copy(SAMPLES / f"{stem}.json", d)
    out = tmp_path / "out"
    subprocess.run([*XXGK, "extract", str(d), "-o", str(out), "--quiet"], check=True, capture_output=True)
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    recs = [json.loads(x) for x in lines]
    recs[0]["applications"]["new_received"]["total"] += 1       # damage one cell of one record
    (out / "records.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n",
                                       encoding="utf-8")
    r1 = subprocess.run([*XXGK, "eval", "--samples", str(d), "--records", str(out / "records.jsonl"), "-q",
                         "--out", str(tmp_path / "b.json")], capture_output=True, text=True)
    assert r1.returncode == 0, r1.stderr
    subprocess.run([*XXGK, "eval", "--samples", str(d), "-q", "--out", str(tmp_path / "a.json")],
                   check=True, capture_output=True)
    b = read_scorecard(tmp_path / "b.json")
    assert [(r["cells"], r["cells_correct"]) for r in b.reports] == [(200, 199), (200, 200)]
    diff = subprocess.run([*XXGK, "eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                           "--out", str(tmp_path / "diff.json")], capture_output=True, text=True)
    assert diff.returncode == 0, diff.stderr
    diffs = {d["path"]: d for d in json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))}
    assert diffs["overall.cell_accuracy"]["better"] is False
    assert diffs[f"reports.{recs[0]['id']}.tables.applications.correct"]["delta"] == -1
