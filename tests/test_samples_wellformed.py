"""The eval labels are ground truth: each must be well formed, and its tables must add up unless it says they don't.

This test reads the labels with nothing but `json`; it never imports the toolkit, so a parser bug can't
hide a label bug (or the other way round). The identities are written out here from the schema.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import pytest

from extract.channel_types import CHANNEL_TYPE_KEYS

SAMPLES = Path(__file__).resolve().parents[1] / "eval" / "samples"
LABELS = sorted(SAMPLES.glob("*.json"))

COLS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total")
OUTCOMES = ("disclosed", "partially_disclosed", "withheld_state_secret", "withheld_prohibited_by_law",
            "withheld_security_stability", "withheld_third_party_rights", "withheld_internal_affairs",
            "withheld_process_information", "withheld_enforcement_files", "withheld_query_matters",
            "unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear",
            "rejected_complaint", "rejected_duplicate", "rejected_publication", "rejected_excessive",
            "rejected_confirmation", "other_no_correction", "other_unpaid_fee", "other_other")
OTHER_SUBROWS = ("other_no_correction", "other_unpaid_fee", "other_other")
APP_ROWS = ("new_received", "carried_over", *OUTCOMES, "total_processed", "carried_forward")
GROUPS = ("administrative_review", "litigation_direct", "litigation_after_review")
GROUP_KEYS = ("upheld", "corrected", "other", "pending", "total")
TRIPLE_2021 = ("issued", "repealed", "in_force")
AD_2021 = {"regulations": TRIPLE_2021, "normative_documents": TRIPLE_2021, "licensing_decisions": None,
           "punishment_decisions": None, "coercion_decisions": None, "fees_wan_yuan": None}
AD_2019 = {"regulations": ("new_made", "new_published", "total_published"),
           "normative_documents": ("new_made", "new_published", "total_published"),
           "licensing": ("items_last_year", "change", "decisions"),
           "other_external_services": ("items_last_year", "change", "decisions"),
           "punishment": ("items_last_year", "change", "decisions"),
           "coercion": ("items_last_year", "change", "decisions"),
           "fees": ("items_last_year", "change"),
           "procurement": ("items", "amount_wan_yuan")}
MONEY = {"fees_wan_yuan", "amount_wan_yuan"}
CHANNEL_TYPES = set(CHANNEL_TYPE_KEYS)
TABLES = ("active_disclosure", "applications", "review_litigation")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def is_count(v) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool))


def is_money(v) -> bool:
    return v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool))


def flagged(label: dict, table: str) -> bool:
    return any(a["table"] == table and a["flag"] for a in label["source_anomalies"])


def identity_failures(apps: dict) -> list[str]:
    """Every identity of section 三 that the label's values break (null cells count as failures)."""
    single = "other_handled" in apps
    outcomes = [k for k in OUTCOMES if not (single and k in OTHER_SUBROWS)] + (["other_handled"] if single else [])
    rows = ["new_received", "carried_over", *outcomes, "total_processed", "carried_forward"]
    bad = [f"{r}.{c} is null" for r in rows for c in COLS if apps[r][c] is None]
    if bad:
        return bad
    for r in rows:
        if apps[r]["total"] != sum(apps[r][c] for c in COLS[:-1]):
            bad.append(f"{r}: total != sum of applicant columns")
    for c in COLS:
        if apps["new_received"][c] + apps["carried_over"][c] != apps["total_processed"][c] + apps["carried_forward"][c]:
            bad.append(f"{c}: new + carried != processed + forward")
        if apps["total_processed"][c] != sum(apps[k][c] for k in outcomes):
            bad.append(f"{c}: processed != sum of outcome rows")
    return bad


def review_failures(rl: dict) -> list[str]:
    bad = []
    for g in GROUPS:
        vals = [rl[g][k] for k in GROUP_KEYS]
        if any(v is None for v in vals) or vals[-1] != sum(vals[:-1]):
            bad.append(f"{g}: total != upheld + corrected + other + pending")
    return bad


def test_there_are_labels_to_check():
    assert len(LABELS) >= 5


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_label_has_its_source_and_the_schema_keys(path):
    label = load(path)
    sources = [p for p in SAMPLES.glob(path.stem + ".*") if p.suffix != ".json"]
    assert len(sources) == 1, f"{path.name}: expected one source file beside it, found {sources}"
    assert set(label) == {"schema_version", "id", "meta", *TABLES, "narrative", "source_anomalies"}
    assert label["schema_version"] == 1 and label["id"] == path.stem
    meta = label["meta"]
    assert set(meta) == {"agency", "agency_aliases", "year", "template", "published_on"}
    assert isinstance(meta["agency"], str) and meta["agency"]
    assert all(isinstance(a, str) and a != meta["agency"] for a in meta["agency_aliases"])
    assert is_count(meta["year"]) and meta["year"] is not None and 2007 <= meta["year"] <= 2030
    assert meta["template"] in {"2021", "2019", "legacy", "unknown"}
    on = meta["published_on"]
    assert on is None or (isinstance(on, str) and len(on) == 10 and on[4] == on[7] == "-")
    for a in label["source_anomalies"]:
        assert set(a) == {"table", "flag", "note"}
        assert a["table"] in (None, *TABLES) and isinstance(a["flag"], bool) and isinstance(a["note"], str) and a["note"]


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_table_cells_have_the_template_shape_and_types(path):
    label = load(path)
    template = label["meta"]["template"]
    if template == "legacy":
        assert all(label[t] is None for t in TABLES), "a legacy report has none of the template tables"
        return
    ad = label["active_disclosure"]
    shape = AD_2019 if template == "2019" else AD_2021
    assert list(ad) == list(shape)
    for key, sub in shape.items():
        cells = {key: ad[key]} if sub is None else ad[key]
        if sub is not None:
            assert list(cells) == list(sub), key
        for name, v in cells.items():
            assert (is_money if name in MONEY else is_count)(v), f"{key}.{name} = {v!r}"
    apps = label["applications"]
    expected = list(APP_ROWS)
    if "other_handled" in apps:
        expected.insert(expected.index("other_other") + 1, "other_handled")
        for k in OTHER_SUBROWS:
            assert all(v is None for v in apps[k].values()), f"{k} must be null beside other_handled"
    assert template != "2019" or "other_handled" in apps
    assert list(apps) == expected
    for r, row in apps.items():
        assert list(row) == list(COLS), r
        assert all(is_count(v) for v in row.values()), r
    rl = label["review_litigation"]
    assert list(rl) == list(GROUPS)
    for g in GROUPS:
        assert list(rl[g]) == list(GROUP_KEYS) and all(is_count(v) for v in rl[g].values()), g


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_identities_hold_where_the_label_flags_no_defect(path):
    label = load(path)
    if label["applications"] is not None and not flagged(label, "applications"):
        assert identity_failures(label["applications"]) == []
    if label["review_litigation"] is not None and not flagged(label, "review_litigation"):
        assert review_failures(label["review_litigation"]) == []


@pytest.mark.parametrize("path", LABELS, ids=lambda p: p.stem)
def test_narrative_is_well_formed(path):
    n = load(path)["narrative"]
    assert set(n) == {"channels", "problems", "improvements", "other_matters"}
    for key in ("problems", "improvements"):
        assert isinstance(n[key], list) and all(isinstance(s, str) and s.strip() == s and s for s in n[key]), key
    assert n["other_matters"] is None or isinstance(n["other_matters"], str)
    pairs = [(c["type"], c["name"]) for c in n["channels"]]
    assert all(set(c) == {"type", "name"} for c in n["channels"])
    assert all(t in CHANNEL_TYPES and (name is None or isinstance(name, str)) for t, name in pairs)
    assert len(pairs) == len(set(pairs)), "one channel entry per (type, name)"


def test_the_identity_check_catches_a_broken_table():
    """The check above must be able to fail: a label that breaks an identity is caught."""
    label = load(SAMPLES / "008_wenfeng_broken_identity_2024.json")
    assert flagged(label, "applications")
    assert "natural_person: new + carried != processed + forward" in identity_failures(label["applications"])
    ok = load(SAMPLES / "002_jiaozuo_szfb_2025.json")
    assert identity_failures(ok["applications"]) == []
    broken = json.loads(json.dumps(ok["review_litigation"]))
    broken["administrative_review"]["total"] += 1
    assert review_failures(broken) == ["administrative_review: total != upheld + corrected + other + pending"]


def test_items_come_from_the_source_text():
    """Narrative items and channel names are in the source (modulo line breaks), so a label can't invent them."""
    for path in LABELS:
        source = next(p for p in SAMPLES.glob(path.stem + ".*") if p.suffix != ".json")
        if source.suffix not in (".txt", ".md"):
            continue
        text = "".join(source.read_text(encoding="utf-8").split())
        n = load(path)["narrative"]
        for item in n["problems"] + n["improvements"]:
            assert "".join(item.split()) in text, f"{path.stem}: {item[:20]}…"
        for c in n["channels"]:
            assert c["name"] is None or c["name"] in text, f"{path.stem}: channel {c['name']}"
