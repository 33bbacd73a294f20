"""Scoring functions on hand-made cases: perfect, missing, extra, split, merged, wrong type, null vs 0."""

from __future__ import annotations

import pytest

from extract.evaluation import (aggregate, coverage, match_items, norm_name, score_channels, score_findings,
                                score_items, score_meta, score_report, score_table, similarity, span_valid)

P1 = "政府信息公开的深度和广度还需进一步拓展"
P2 = "政务新媒体更新频率不高，内容形式较为单一"
P3 = "工作人员业务能力有待提高"


# -- items ------------------------------------------------------------------

def test_perfect_items():
    s = score_items([P1, P2], [P1, P2])
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 1.0, 1.0)
    assert s["coverage_f1"] == 1.0


def test_items_as_objects_and_whitespace_and_width_do_not_matter():
    pred = [{"text": "政府信息公开的深度和广度\n还需进一步拓展。", "span": [0, 5]}, {"text": P2.replace("，", ",")}]
    s = score_items(pred, [P1, P2])
    assert s["matched"] == 2 and s["f1"] == 1.0


def test_missing_item():
    s = score_items([P1], [P1, P2])
    assert s["precision"] == 1.0 and s["recall"] == 0.5
    assert s["f1"] == pytest.approx(2 / 3)
    assert 0 < s["coverage_recall"] < 1 and s["coverage_precision"] == 1.0


def test_extra_item():
    s = score_items([P1, P2, P3], [P1, P2])
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == 1.0
    assert s["coverage_precision"] < 1 and s["coverage_recall"] == 1.0


def test_one_item_split_in_two_is_not_wholly_wrong():
    gold = [P2]
    pred = ["政务新媒体更新频率不高", "内容形式较为单一"]
    s = score_items(pred, gold)
    assert s["matched"] == 0 and s["f1"] == 0.0          # items: neither half is ≥ 0.8 alike
    assert s["coverage_f1"] > 0.95                         # characters: nearly all covered


def test_two_items_merged_is_not_wholly_wrong():
    s = score_items([P1 + "；" + P2], [P1, P2])
    assert s["f1"] == 0.0
    assert s["coverage_f1"] > 0.95


def test_matching_is_one_to_one():
    # two identical predictions cannot both match the one label item
    assert len(match_items([P1, P1], [P1])) == 1
    s = score_items([P1, P1], [P1])
    assert s["precision"] == 0.5 and s["recall"] == 1.0


def test_similarity_threshold():
    near = P1[:-1]                 # one character dropped of 19: ratio ≈ 0.97
    far = P1[:8]
    assert similarity(near, P1) >= 0.8 > similarity(far, P1)
    assert score_items([near], [P1])["matched"] == 1
    assert score_items([far], [P1])["matched"] == 0


def test_empty_prediction_and_empty_label():
    assert score_items([], [])["f1"] == 1.0
    s = score_items([], [P1])
    assert s["recall"] == 0.0 and s["f1"] == 0.0
    s = score_items([P1], [])
    assert s["precision"] == 0.0 and s["f1"] == 0.0


def test_coverage_counts_characters():
    c = coverage(["abcd"], ["abcdefgh"])
    assert (c["chars_pred"], c["chars_gold"], c["chars_matched"]) == (4, 8, 4)
    assert c["precision"] == 1.0 and c["recall"] == 0.5


# -- channels ---------------------------------------------------------------

def test_channels_perfect_with_quote_and_width_normalisation():
    gold = [{"type": "wechat", "name": "山阳微管+"}, {"type": "website", "name": None}]
    pred = [{"type": "wechat", "name": "“山阳微管＋”", "span": [1, 5]}, {"type": "website", "name": None}]
    s = score_channels(pred, gold)
    assert s["f1"] == 1.0 and s["type_f1"] == 1.0


def test_channel_with_the_wrong_type():
    gold = [{"type": "wechat", "name": "山阳微管+"}, {"type": "website", "name": "山阳区人民政府网"}]
    pred = [{"type": "weibo", "name": "山阳微管+"}, {"type": "website", "name": "山阳区人民政府网"}]
    s = score_channels(pred, gold)
    assert s["precision"] == 0.5 and s["recall"] == 0.5
    assert s["type_precision"] == 0.5 and s["type_recall"] == 0.5
    assert ["wechat", "山阳微管+"] in s["missing"] and ["weibo", "山阳微管+"] in s["extra"]


def test_null_name_equals_only_null():
    assert norm_name(None) is None and norm_name("《 某某日报 》") == "某某日报"
    s = score_channels([{"type": "print", "name": "某某日报"}], [{"type": "print", "name": None}])
    assert s["f1"] == 0.0 and s["type_f1"] == 1.0


@pytest.mark.parametrize("pred, gold, matched", [
    pytest.param(("press_conference", "新闻发布会"), ("press_conference", None), 1, id="generic-word-is-null"),
    pytest.param(("new_media", None), ("new_media", "政务新媒体"), 1, id="null-is-generic-word"),
    pytest.param(("website", "门户网站"), ("website", "某某区人民政府门户网站"), 0, id="generic-word-is-not-contained-name"),
    pytest.param(("website", "某某区人民政府门户网站"), ("website", "某某区人民政府"), 1, id="label-name-inside-record-name"),
    pytest.param(("wechat", "某某"), ("wechat", "“某某发布”"), 1, id="record-name-inside-label-name"),
    pytest.param(("weibo", "某某发布"), ("wechat", "某某发布"), 0, id="type-must-be-equal"),
    pytest.param(("onsite", "档案馆查阅点"), ("onsite", "图书馆查阅点"), 0, id="different-names"),
])
def test_channel_names_match_as_schema_says(pred, gold, matched):
    s = score_channels([{"type": pred[0], "name": pred[1]}], [{"type": gold[0], "name": gold[1]}])
    assert s["matched"] == matched
    assert s["f1"] == float(matched)


def test_channel_matching_is_one_to_one_and_prefers_equal_names():
    gold = [{"type": "website", "name": "某某区人民政府门户网站"}, {"type": "website", "name": "某某区人民政府"}]
    pred = [{"type": "website", "name": "某某区人民政府"}, {"type": "website", "name": "区人民政府"}]
    s = score_channels(pred, gold)
    # 某某区人民政府 pairs with its equal; 区人民政府 then takes the other label it is contained in
    assert s["matched"] == 2 and s["missing"] == [] and s["extra"] == []
    s = score_channels(pred[:1] + pred[:1], gold[1:])       # a duplicate counts once
    assert (s["n_pred"], s["matched"], s["precision"]) == (1, 1, 1.0)
    s = score_channels(pred, gold[1:])                       # two contained names, one label: one pair
    assert s["matched"] == 1 and s["extra"] == [["website", "区人民政府"]]


# -- tables -----------------------------------------------------------------

def test_null_and_zero_are_different_values():
    gold = {"new_received": {"other_org": None, "total": 0}}
    assert score_table({"new_received": {"other_org": 0, "total": 0}}, gold)["correct"] == 1
    assert score_table({"new_received": {"other_org": None, "total": None}}, gold)["correct"] == 1
    s = score_table({"new_received": {"other_org": None, "total": 0}}, gold)
    assert s["exact"] and s["accuracy"] == 1.0


def test_missing_leaf_and_missing_table_are_wrong():
    gold = {"regulations": {"issued": 1, "repealed": 0}, "fees_wan_yuan": 0.33}
    s = score_table({"regulations": {"issued": 1}, "fees_wan_yuan": 0.33}, gold)
    assert s["correct"] == 2 and s["wrong"][0]["cell"] == "regulations.repealed" and s["wrong"][0]["missing"]
    assert score_table(None, gold)["correct"] == 0
    # a dict where the label has a number is wrong too
    assert score_table({"regulations": {"issued": {"x": 1}, "repealed": 0}, "fees_wan_yuan": 0.33},
                       gold)["correct"] == 2


def test_float_cell_tolerance_and_int_float_equality():
    assert score_table({"a": 0.1 + 0.2, "b": 3.0}, {"a": 0.3, "b": 3})["exact"]
    assert not score_table({"a": 0.31}, {"a": 0.3})["exact"]


# -- meta, findings, spans --------------------------------------------------

def test_meta_aliases_count_as_right():
    gold = {"agency": "山阳区城管局", "agency_aliases": ["山阳区城市管理局"], "year": 2025, "template": "2021"}
    assert score_meta({"agency": "山阳区城市管理局", "year": 2025, "template": "2021"}, gold)["agency"]
    m = score_meta({"agency": "山阳区人民政府", "year": 2024, "template": "2021"}, gold)
    assert not m["agency"] and not m["year"] and m["template"]
    assert not any(score_meta(None, gold)[k] for k in ("agency", "year", "template"))


def test_findings_recall_and_false_alarms():
    label = {"active_disclosure": {"a": 1}, "applications": {"b": 1}, "review_litigation": {"c": 1},
             "source_anomalies": [{"table": "applications", "flag": True, "note": ""},
                                  {"table": "review_litigation", "flag": False, "note": "cosmetic"}]}
    f = score_findings([{"table": "applications", "severity": "warning"},
                        {"table": "review_litigation", "severity": "error"},
                        {"table": "active_disclosure", "severity": "info"}], label)
    assert f["caught"] == ["applications"] and f["missed"] == []
    assert f["false_alarm_tables"] == ["review_litigation"] and f["false_alarm_findings"] == 1
    f = score_findings([{"table": "applications", "severity": "info"}], label)
    assert f["missed"] == ["applications"] and f["false_alarm_tables"] == []


def test_span_validity():
    text = "一、问题\n政府信息公开的深度\n和广度还需进一步拓展。"
    start = text.index("政府")
    end = text.index("。")
    assert span_valid({"text": P1, "span": [start, end]}, text)
    assert not span_valid({"text": P1, "span": [start + 1, end]}, text)
    assert not span_valid({"text": P1, "span": [start, len(text) + 5]}, text)
    assert not span_valid({"text": P1}, text) and not span_valid(P1, text)


# -- a whole report ---------------------------------------------------------

LABEL = {
    "id": "x", "meta": {"agency": "某局", "agency_aliases": [], "year": 2024, "template": "2021"},
    "active_disclosure": {"licensing_decisions": 3, "fees_wan_yuan": None},
    "applications": {"new_received": {"total": 2}},
    "review_litigation": {"administrative_review": {"total": 0}},
    "narrative": {"channels": [{"type": "website", "name": "某局网站"}], "problems": [P1], "improvements": [P2]},
    "source_anomalies": [],
}


def _record(**over):
    text = f"{P1}\n{P2}"
    rec = {"id": "x", "status": "ok", "meta": {"agency": "某局", "year": 2024, "template": "2021"},
           "active_disclosure": {"licensing_decisions": 3, "fees_wan_yuan": None},
           "applications": {"new_received": {"total": 2}},
           "review_litigation": {"administrative_review": {"total": 0}},
           "narrative": {"channels": [{"type": "website", "name": "某局网站", "span": None}],
                         "problems": [{"text": P1, "span": [0, len(P1)]}],
                         "improvements": [{"text": P2, "span": [len(P1) + 1, len(text)]}]},
           "findings": [], "text": text, "seconds": 0.5,
           "llm_usage": {"calls": 2, "prompt_tokens": 100, "completion_tokens": 20}, "narrative_method": "llm"}
    rec.update(over)
    return rec


def test_perfect_report_scores_everything_right():
    r = score_report(_record(), LABEL)
    assert r["tables_exact"] and r["cells"] == r["cells_correct"] == 4
    assert all(r["meta"][k] for k in ("agency", "year", "template"))
    assert r["problems"]["f1"] == r["improvements"]["f1"] == r["channels"]["f1"] == 1.0
    assert r["spans"] == {"items": 2, "checked": 2, "valid": 2}
    o = aggregate([r])
    assert o["cell_accuracy"] == 1.0 and o["reports_tables_exact"] == 1 and o["spans.valid_share"] == 1.0
    assert (o["cost.llm_calls"], o["cost.prompt_tokens"], o["cost.completion_tokens"]) == (2, 100, 20)


def test_failed_record_is_all_wrong_not_skipped():
    failed = {"id": "x", "status": "failed", "error": "cannot read", "meta": None, "narrative": None,
              "findings": [], "text": None, "seconds": 0.01}
    for rec in (failed, None):
        r = score_report(rec, LABEL)
        assert r["cells_correct"] == 0 and not r["tables_exact"]
        assert not any(r["meta"][k] for k in ("agency", "year", "template"))
        assert r["problems"]["f1"] == r["channels"]["f1"] == 0.0
    o = aggregate([score_report(_record(), LABEL), score_report(failed, LABEL)])
    assert o["reports"] == 2 and o["reports_failed"] == 1 and o["cell_accuracy"] == 0.5


def test_records_without_text_leave_spans_unchecked():
    r = score_report(_record(text=None), LABEL)
    assert r["spans"]["checked"] == 0
    assert aggregate([r])["spans.valid_share"] is None
