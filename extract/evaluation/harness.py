"""Run the extractor (or read precomputed records) over a folder of labelled samples.

A sample is a source file ``<stem>.<ext>`` and its label ``<stem>.json`` side by side
(ext: a suffix a folder scan reads, ``extract.ingest.report_suffixes()``: txt, md, html, pdf, docx...;
the first one found, in that order). Every label is scored: a sample whose source
is missing or cannot be parsed gets a failed record and scores all-wrong — never skipped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import XxgkError
from ..ingest import report_suffixes
from .scoring import aggregate, score_report

SCORECARD_VERSION = 1


class EvalError(XxgkError):
    """A samples folder, label or records file the harness cannot use."""

    code = "E700"


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    label_path: Path
    source_path: Path | None   # None: the label has no source beside it (scored all-wrong)


@dataclass(frozen=True, slots=True)
class Scorecard:
    config: dict
    overall: dict
    reports: tuple[dict, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"scorecard_version": SCORECARD_VERSION, "config": self.config,
                "overall": self.overall, "reports": list(self.reports)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Scorecard":
        return cls(config=dict(d.get("config") or {}), overall=dict(d.get("overall") or {}),
                   reports=tuple(d.get("reports") or ()))


def _err(reason: str, path: Any) -> EvalError:
    return EvalError(reason, path=str(path))


def find_samples(samples_dir: str | os.PathLike) -> list[Sample]:
    """Every ``<stem>.json`` label in the folder with the source beside it, sorted by stem."""
    d = Path(samples_dir)
    if not d.is_dir():
        raise _err("samples folder not found", d)
    out = []
    for label in sorted(d.glob("*.json")):
        src = next((p for sfx in report_suffixes() for p in [label.with_suffix(sfx)] if p.is_file()), None)
        out.append(Sample(id=label.stem, label_path=label, source_path=src))
    if not out:
        raise _err("no labelled samples (<stem>.json beside <stem>.<ext>) in the folder", d)
    return out


def load_label(path: Path) -> dict:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _err(f"cannot read the label: {e}", path) from e
    if not isinstance(d, dict) or "meta" not in d:
        raise _err("not a label (a JSON object with a 'meta' key is expected)", path)
    d.setdefault("id", path.stem)
    return d


def load_records(path: str | os.PathLike) -> dict[str, dict]:
    """A ``records.jsonl`` as ``{id: record dict}``."""
    p = Path(path)
    out: dict[str, dict] = {}
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise _err(f"cannot read the records file: {e}", p) from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise _err(f"line {n} is not JSON: {e}", p) from e
        rid = rec.get("id") or Path((rec.get("source") or {}).get("path") or f"line{n}").stem
        out[rid] = rec
    return out


def _missing_record(sample: Sample, reason: str) -> dict:
    return {"id": sample.id, "status": "failed", "error": reason, "meta": None, "narrative": None,
            "findings": [], "text": None, "seconds": None, "llm_usage": None, "narrative_method": None}


def _extract(sample: Sample, narrative: Any) -> dict:
    from ..pipeline import safe_parse_file
    if sample.source_path is None:
        exts = "|".join(s.lstrip(".") for s in report_suffixes())
        return _missing_record(sample, f"{sample.label_path}: no source file <stem>.<{exts}>")
    t0 = time.perf_counter()
    rec = safe_parse_file(sample.source_path, narrative=narrative).to_dict()
    if rec.get("seconds") is None:
        rec["seconds"] = time.perf_counter() - t0
    return rec


def _warm_up(narrative: Any) -> float | None:
    """Load the rule narrative's models (jieba, spaCy) before timing, so no report is charged for them.

    Returns the seconds it took, reported once in the scorecard's config; None if nothing to load.
    """
    name = narrative if isinstance(narrative, str) else getattr(narrative, "name", None)
    if name != "rules":
        return None
    from ..narrative.nlp import channel_pipeline
    t0 = time.perf_counter()
    channel_pipeline()
    return time.perf_counter() - t0


def run_eval(samples_dir: str | os.PathLike, *, narrative: Any = "rules",
             records: Mapping[str, Mapping] | None = None,
             on_report: Callable[[dict], None] | None = None,
             config: Mapping | None = None) -> Scorecard:
    """Score every labelled sample in ``samples_dir``.

    ``narrative`` is ``"rules"``, ``"llm"``, ``"none"`` or an extractor object, used
    when the records are extracted here. With ``records`` (``{id: record dict}``, e.g.
    from :func:`load_records`) nothing is extracted: the records are scored as given,
    and a sample without one scores all-wrong. ``on_report`` is called with each
    report's score as it is made (the CLI uses it for progress).
    """
    samples = find_samples(samples_dir)
    startup = _warm_up(narrative) if records is None else None
    scores = []
    for s in samples:
        label = load_label(s.label_path)
        if records is not None:
            rec = records.get(s.id) or _missing_record(s, "no record for this sample in the records file")
        else:
            rec = _extract(s, narrative)
        sc = score_report(rec, label)
        sc["source"] = s.source_path.name if s.source_path else None
        scores.append(sc)
        if on_report:
            on_report(sc)
    method = narrative if isinstance(narrative, str) else getattr(narrative, "name", type(narrative).__name__)
    cfg = {"samples": str(samples_dir), "narrative": "records" if records is not None else method,
           "n_samples": len(samples), **({"startup_seconds": round(startup, 3)} if startup is not None else {}),
           **(config or {})}
    return Scorecard(config=cfg, overall=aggregate(scores), reports=tuple(scores))


def write_scorecard(card: Scorecard, path: str | os.PathLike) -> None:
    Path(path).write_text(json.dumps(card.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_scorecard(path: str | os.PathLike) -> Scorecard:
    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _err(f"cannot read the scorecard: {e}", p) from e
    if not isinstance(d, dict) or "overall" not in d:
        raise _err("not a scorecard (no 'overall' key)", p)
    return Scorecard.from_dict(d)
