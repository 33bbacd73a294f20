"""Pure scoring functions: one record (as ``Record.to_dict()``) against one label.

Everything here takes plain JSON-like data, so a live record and a line of a
``records.jsonl`` are scored the same way. Nothing here reads files or prints.

Measures (also documented in ``eval/README.md``):

* **Cells** — every leaf of the label's ``active_disclosure``, ``applications`` and
  ``review_litigation`` trees is one cell; it is right when the record has the same
  value at the same path. ``null`` and ``0`` are different values; a leaf the record
  lacks is wrong. Numbers compare with a 1e-9 tolerance (``0.33`` == ``0.33``).
* **Items** (problems, improvements) — texts are normalised by :func:`norm_text`
  (NFKC, which folds full/half-width forms; all whitespace removed; leading and
  trailing punctuation stripped). Similarity is ``difflib.SequenceMatcher(None, a,
  b, autojunk=False).ratio()``. Predicted and label items are matched one-to-one,
  greedily from the most similar pair down, and a pair counts only when its
  similarity is ≥ :data:`ITEM_THRESHOLD` (0.8). Precision = matched / predicted,
  recall = matched / labelled.
* **Coverage** — granularity-robust: predicted items are normalised and
  concatenated in order, label items likewise; the matched characters are the sum
  of the sizes of ``SequenceMatcher.get_matching_blocks()`` between the two
  strings. Precision = matched / predicted characters, recall = matched / label
  characters. Splitting one item in two, or merging two, barely moves it.
* **Channels** — F1 on channels matched one-to-one, and on the set of types. Per
  ``schema.md``, a predicted and a labelled channel match when the types are equal and
  the names are equal, or one contains the other, or both are ``null``. Names are
  normalised by :func:`norm_name` (NFKC, whitespace and the quote marks
  “”‘’"'「」『』《》〈〉 removed); a name that is only its type's generic word
  (:data:`GENERIC_NAMES`: ``政务新媒体``, ``新闻发布会``, ``政府网站``…) names nothing and
  counts as ``null``. Equal names are paired first, then containing ones, longest
  overlap first; duplicates (same type and normalised name) count once.
* **Spans** — an item's span is valid when ``0 <= start < end <= len(text)`` and
  ``text[start:end]`` equals the item's text once whitespace is removed from both.

Empty sets: precision is 1 when nothing was predicted, recall is 1 when nothing
was labelled, F1 is 0 when both precision and recall are 0.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..channel_types import CHANNEL_TYPES

TABLE_NAMES = ("active_disclosure", "applications", "review_litigation")
ITEM_THRESHOLD = 0.8
ALARM_SEVERITIES = frozenset({"error", "warning"})

_WS = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》〈〉]")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")


# -- normalisation ------------------------------------------------------------

def norm_text(s: str | None) -> str:
    """NFKC, no whitespace, no leading/trailing punctuation."""
    if not s:
        return ""
    s = _WS.sub("", unicodedata.normalize("NFKC", s))
    return _EDGE_PUNCT.sub("", s)


def norm_name(s: str | None) -> str | None:
    """A channel name for comparison; ``None`` stays ``None``."""
    if s is None:
        return None
    s = _QUOTES.sub("", _WS.sub("", unicodedata.normalize("NFKC", s)))
    return s or None


def item_text(item: Any) -> str:
    """The text of a narrative item given as a string or as ``{"text": ...}``."""
    if isinstance(item, Mapping):
        return item.get("text") or ""
    return item or ""


def similarity(a: str, b: str) -> float:
    """SequenceMatcher ratio of the normalised texts (1.0 for two empty texts)."""
    na, nb = norm_text(a), norm_text(b)
    if not na and not nb:
        return 1.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


# -- precision / recall -------------------------------------------------------

def prf(tp: int | float, n_pred: int | float, n_gold: int | float) -> dict:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def match_items(pred: Sequence[str], gold: Sequence[str],
                threshold: float = ITEM_THRESHOLD) -> list[tuple[int, int, float]]:
    """One-to-one greedy matching, most similar pair first: ``[(i_pred, j_gold, sim)]``."""
    pairs = [(similarity(p, g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gold)]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for sim, i, j in pairs:
        if sim < threshold:
            break
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j, sim))
    return sorted(out)


def score_items(pred: Sequence[Any], gold: Sequence[Any], threshold: float = ITEM_THRESHOLD) -> dict:
    """Item P/R/F1 by one-to-one matching plus character-coverage P/R/F1."""
    pt = [item_text(x) for x in pred]
    gt = [item_text(x) for x in gold]
    matched = match_items(pt, gt, threshold)
    cov = coverage(pt, gt)
    return {
        "n_pred": len(pt), "n_gold": len(gt), "matched": len(matched),
        **prf(len(matched), len(pt), len(gt)),
        "chars_pred": cov["chars_pred"], "chars_gold": cov["chars_gold"],
        "chars_matched": cov["chars_matched"],
        "coverage_precision": cov["precision"], "coverage_recall": cov["recall"],
        "coverage_f1": cov["f1"],
    }


def coverage(pred: Sequence[str], gold: Sequence[str]) -> dict:
    """Character coverage of the concatenated normalised items (see module doc)."""
    a = "".join(norm_text(x) for x in pred)
    b = "".join(norm_text(x) for x in gold)
    m = sum(bl.size for bl in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return {"chars_pred": len(a), "chars_gold": len(b), "chars_matched": m, **prf(m, len(a), len(b))}


#: Per channel type, the generic words that name no particular medium: as a name they count as null.
GENERIC_NAMES: dict[str, frozenset[str]] = {t.key: frozenset(t.generic) for t in CHANNEL_TYPES}


_GENERIC_UPPER = {k: frozenset(w.upper() for w in v) for k, v in GENERIC_NAMES.items()}


def channel_key(c: Mapping) -> tuple[Any, str | None]:
    """(type, normalised name), a generic word as the name counting as ``None``."""
    kind = c.get("type")
    name = norm_name(c.get("name"))
    if name is not None and name.upper() in _GENERIC_UPPER.get(kind, ()):
        name = None
    return kind, name


def _unique(keys: Iterable[tuple]) -> list[tuple]:
    return list(dict.fromkeys(keys))


def match_channels(pred: Sequence[tuple], gold: Sequence[tuple]) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i_pred, j_gold)`` of channel keys: same type and equal names (or both
    null) first, then names one of which contains the other, the longest overlap first."""
    cands = []
    for i, (pt, pn) in enumerate(pred):
        for j, (gt, gn) in enumerate(gold):
            if pt != gt:
                continue
            if pn == gn:
                cands.append((2.0, i, j))
            elif pn is not None and gn is not None and (pn in gn or gn in pn):
                cands.append((1.0 + min(len(pn), len(gn)) / max(len(pn), len(gn)), i, j))
    cands.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in cands:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return sorted(out)


def score_channels(pred: Iterable[Mapping], gold: Iterable[Mapping]) -> dict:
    """F1 on channels matched one-to-one (:func:`match_channels`) and on the set of types."""
    pk = _unique(channel_key(c) for c in pred)
    gk = _unique(channel_key(c) for c in gold)
    pairs = match_channels(pk, gk)
    ptypes = {t for t, _ in pk}
    gtypes = {t for t, _ in gk}
    pair = prf(len(pairs), len(pk), len(gk))
    typ = prf(len(ptypes & gtypes), len(ptypes), len(gtypes))
    hit_p = {i for i, _ in pairs}
    hit_g = {j for _, j in pairs}
    return {
        "n_pred": len(pk), "n_gold": len(gk), "matched": len(pairs),
        **pair,
        "types_pred": len(ptypes), "types_gold": len(gtypes), "types_matched": len(ptypes & gtypes),
        "type_precision": typ["precision"], "type_recall": typ["recall"], "type_f1": typ["f1"],
        "missing": sorted([list(k) for j, k in enumerate(gk) if j not in hit_g], key=str),
        "extra": sorted([list(k) for i, k in enumerate(pk) if i not in hit_p], key=str),
    }


def span_valid(item: Any, text: str | None) -> bool:
    """The item has a span inside ``text`` whose characters are the item's (whitespace aside)."""
    if not isinstance(item, Mapping) or text is None:
        return False
    span = item.get("span")
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        return False
    s, e = span
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
        return False
    return _WS.sub("", text[s:e]) == _WS.sub("", item_text(item))


# -- tables -----------------------------------------------------------------

_MISSING = object()


def same_value(pred: Any, gold: Any) -> bool:
    """Cell equality: ``None`` only equals ``None``; numbers within 1e-9; bools are not numbers."""
    if gold is None or pred is None:
        return pred is None and gold is None
    if isinstance(gold, bool) or isinstance(pred, bool):
        return pred is gold
    if isinstance(gold, (int, float)) and isinstance(pred, (int, float)):
        return math.isclose(pred, gold, rel_tol=0.0, abs_tol=1e-9)
    return pred == gold


def leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted path, value)]`` for every non-dict leaf of a label tree."""
    if isinstance(tree, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in tree.items():
            out.extend(leaves(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return [(prefix, tree)]


def _lookup(tree: Any, path: str) -> Any:
    node = tree
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def score_table(pred: Any, gold: Any) -> dict:
    """Cells of the label's table tree that the record has exactly."""
    cells = leaves(gold) if gold is not None else []
    wrong = []
    for path, g in cells:
        p = _lookup(pred, path) if pred is not None else _MISSING
        if p is _MISSING or isinstance(p, Mapping) or not same_value(p, g):
            wrong.append({"cell": path, "label": g, "record": None if p is _MISSING else p,
                          "missing": p is _MISSING})
    n = len(cells)
    return {"cells": n, "correct": n - len(wrong), "accuracy": (n - len(wrong)) / n if n else 1.0,
            "exact": not wrong, "wrong": wrong}


# -- meta -------------------------------------------------------------------

def score_meta(pred: Mapping | None, gold: Mapping) -> dict:
    pred = pred or {}
    names = {norm_text(gold.get("agency"))} | {norm_text(a) for a in gold.get("agency_aliases") or ()}
    names.discard("")
    agency = pred.get("agency")
    return {
        "agency": bool(agency) and norm_text(agency) in names,
        "year": pred.get("year") is not None and pred.get("year") == gold.get("year"),
        "template": pred.get("template") is not None and pred.get("template") == gold.get("template"),
        "record": {k: pred.get(k) for k in ("agency", "year", "template")},
    }


# -- findings ---------------------------------------------------------------

def score_findings(findings: Iterable[Mapping], label: Mapping) -> dict:
    """Recall on tables the label flags; false alarms on the tables it calls sound."""
    flagged = {a.get("table") for a in label.get("source_anomalies") or ()
               if a.get("flag") is True and a.get("table") in TABLE_NAMES}
    present = {t for t in TABLE_NAMES if label.get(t) is not None}
    sound = present - flagged
    alarmed: dict[str, int] = {}
    errors: dict[str, int] = {}
    for f in findings:
        if f.get("severity") in ALARM_SEVERITIES and f.get("table") in TABLE_NAMES:
            alarmed[f["table"]] = alarmed.get(f["table"], 0) + 1
            if f.get("severity") == "error":
                errors[f["table"]] = errors.get(f["table"], 0) + 1
    caught = sorted(t for t in flagged if t in alarmed)
    # a warning on a sound table says how its cells were read (one reading of run-together digits):
    # a false alarm is an error on a table the label calls sound
    false = sorted(t for t in sound if t in errors)
    return {
        "flagged": sorted(flagged), "caught": caught, "missed": sorted(flagged - set(caught)),
        "sound": sorted(sound), "false_alarm_tables": false,
        "false_alarm_findings": sum(errors[t] for t in false),
    }


# -- one report -------------------------------------------------------------

def _narr(rec: Mapping, key: str) -> list:
    n = rec.get("narrative") or {}
    return list(n.get(key) or [])


def score_report(rec: Mapping | None, label: Mapping) -> dict:
    """Score one record dict (``Record.to_dict()`` form) against its label.

    ``rec`` may be ``None`` (no record at all) or a failed record: every measure
    then scores it as having produced nothing, which is all-wrong.
    """
    rec = rec or {}
    gold_narr = label.get("narrative") or {}
    tables = {t: score_table(rec.get(t), label.get(t)) for t in TABLE_NAMES if label.get(t) is not None}
    text = rec.get("text")
    items = _narr(rec, "problems") + _narr(rec, "improvements")
    usage = rec.get("llm_usage") or {}
    return {
        "id": label.get("id") or rec.get("id"),
        "status": rec.get("status") or "missing",
        "error": rec.get("error"),
        "tables": tables,
        "cells": sum(t["cells"] for t in tables.values()),
        "cells_correct": sum(t["correct"] for t in tables.values()),
        # a failed record is never "exact", even against a label without tables
        "tables_exact": rec.get("status") in ("ok", "partial") and all(t["exact"] for t in tables.values()),
        "meta": score_meta(rec.get("meta"), label.get("meta") or {}),
        "findings": score_findings(rec.get("findings") or (), label),
        "problems": score_items(_narr(rec, "problems"), gold_narr.get("problems") or []),
        "improvements": score_items(_narr(rec, "improvements"), gold_narr.get("improvements") or []),
        "channels": score_channels(_narr(rec, "channels"), gold_narr.get("channels") or []),
        # without the record's text (records.jsonl written without --include-text) spans cannot be checked
        "spans": {"items": len(items), "checked": len(items) if text is not None else 0,
                  "valid": sum(span_valid(x, text) for x in items) if text is not None else 0},
        "cost": {
            "seconds": rec.get("seconds"),
            "narrative_method": rec.get("narrative_method"),
            "llm_calls": usage.get("calls") or 0,
            "prompt_tokens": usage.get("prompt_tokens") or 0,
            "cached_prompt_tokens": usage.get("cached_prompt_tokens") or 0,
            "completion_tokens": usage.get("completion_tokens") or 0,
            "cost_usd": usage.get("cost_usd"),
        },
    }


# -- many reports -----------------------------------------------------------

def aggregate(reports: Sequence[Mapping]) -> dict:
    """Overall figures: micro-averaged over reports (sums of counts, then ratios)."""
    n = len(reports)
    out: dict[str, Any] = {"reports": n}
    cells = sum(r["cells"] for r in reports)
    correct = sum(r["cells_correct"] for r in reports)
    out["cell_accuracy"] = correct / cells if cells else 1.0
    for t in TABLE_NAMES:
        c = sum(r["tables"][t]["cells"] for r in reports if t in r["tables"])
        k = sum(r["tables"][t]["correct"] for r in reports if t in r["tables"])
        out[f"cell_accuracy.{t}"] = k / c if c else 1.0
    out["reports_tables_exact"] = sum(bool(r["tables_exact"]) for r in reports)
    out["reports_failed"] = sum(r["status"] in ("failed", "missing") for r in reports)
    for m in ("agency", "year", "template"):
        out[f"meta.{m}"] = sum(bool(r["meta"][m]) for r in reports) / n if n else 1.0
    flagged = sum(len(r["findings"]["flagged"]) for r in reports)
    caught = sum(len(r["findings"]["caught"]) for r in reports)
    out["findings.flagged_tables"] = flagged
    out["findings.recall"] = caught / flagged if flagged else 1.0
    out["findings.false_alarm_tables"] = sum(len(r["findings"]["false_alarm_tables"]) for r in reports)
    for key in ("problems", "improvements"):
        tp = sum(r[key]["matched"] for r in reports)
        npred = sum(r[key]["n_pred"] for r in reports)
        ngold = sum(r[key]["n_gold"] for r in reports)
        for k, v in prf(tp, npred, ngold).items():
            out[f"{key}.{k}"] = v
        cm = sum(r[key]["chars_matched"] for r in reports)
        cp = sum(r[key]["chars_pred"] for r in reports)
        cg = sum(r[key]["chars_gold"] for r in reports)
        for k, v in prf(cm, cp, cg).items():
            out[f"{key}.coverage_{k}"] = v
    ch = [r["channels"] for r in reports]
    for k, v in prf(sum(c["matched"] for c in ch), sum(c["n_pred"] for c in ch),
                    sum(c["n_gold"] for c in ch)).items():
        out[f"channels.{k}"] = v
    for k, v in prf(sum(c["types_matched"] for c in ch), sum(c["types_pred"] for c in ch),
                    sum(c["types_gold"] for c in ch)).items():
        out[f"channels.type_{k}"] = v
    checked = sum(r["spans"]["checked"] for r in reports)
    unchecked = sum(r["spans"]["items"] for r in reports) - checked
    out["spans.valid_share"] = (sum(r["spans"]["valid"] for r in reports) / checked if checked
                                else (None if unchecked else 1.0))
    secs = [r["cost"]["seconds"] for r in reports if r["cost"]["seconds"] is not None]
    out["cost.seconds_per_report"] = sum(secs) / len(secs) if secs else None
    out["cost.llm_calls"] = sum(r["cost"]["llm_calls"] for r in reports)
    out["cost.prompt_tokens"] = sum(r["cost"]["prompt_tokens"] for r in reports)
    out["cost.cached_prompt_tokens"] = sum(r["cost"].get("cached_prompt_tokens", 0) for r in reports)
    out["cost.completion_tokens"] = sum(r["cost"]["completion_tokens"] for r in reports)
    return out


#: Overall metrics where higher is better: the baseline gate compares these.
HEADLINE_METRICS = (
    "cell_accuracy", "cell_accuracy.active_disclosure", "cell_accuracy.applications",
    "cell_accuracy.review_litigation", "reports_tables_exact",
    "meta.agency", "meta.year", "meta.template", "findings.recall",
    "problems.f1", "problems.coverage_f1", "improvements.f1", "improvements.coverage_f1",
    "channels.f1", "channels.type_f1", "spans.valid_share",
)
#: Overall metrics where lower is better.
LOWER_IS_BETTER = ("findings.false_alarm_tables", "reports_failed")
