"""Field-by-field differences between two scorecards (rules vs llm, before vs after)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..record import flatten
from .harness import Scorecard
from .scoring import HEADLINE_METRICS, LOWER_IS_BETTER

# per-report fields that are detail, not figures (lists of wrong cells, raw values...)
_SKIP_SUFFIXES = (".wrong", ".missing", ".extra", ".record.agency", ".record.year",
                  ".record.template", ".error", ".source")


@dataclass(frozen=True, slots=True)
class Diff:
    path: str            # "overall.cell_accuracy" or "reports.<id>.tables.applications.accuracy"
    a: Any
    b: Any

    @property
    def delta(self) -> float | None:
        if isinstance(self.a, bool) or isinstance(self.b, bool):
            return None
        if isinstance(self.a, (int, float)) and isinstance(self.b, (int, float)):
            return self.b - self.a
        return None

    @property
    def better(self) -> bool | None:
        """True when B is better than A on a headline metric, False when worse, else None."""
        name = self.path.removeprefix("overall.")
        d = self.delta
        if d is None or not self.path.startswith("overall."):
            return None
        if name in HEADLINE_METRICS:
            return d > 0
        if name in LOWER_IS_BETTER:
            return d < 0
        return None

    def to_dict(self) -> dict:
        return {"path": self.path, "a": self.a, "b": self.b, "delta": self.delta, "better": self.better}


def _flat(card: Scorecard) -> dict[str, Any]:
    out = {f"overall.{k}": v for k, v in card.overall.items()}
    for r in card.reports:
        for k, v in flatten(r).items():
            if k == "id" or k.endswith(_SKIP_SUFFIXES) or isinstance(v, list) and k.endswith(("flagged", "sound")):
                continue
            out[f"reports.{r.get('id')}.{k}"] = v
    return out


def compare(a: Scorecard | Mapping, b: Scorecard | Mapping, *, tol: float = 1e-12) -> list[Diff]:
    """Every overall and per-report figure that differs between A and B (in A's order, then B's extras).

    A report present in only one scorecard shows as fields with ``None`` on the other side.
    """
    ca = a if isinstance(a, Scorecard) else Scorecard.from_dict(a)
    cb = b if isinstance(b, Scorecard) else Scorecard.from_dict(b)
    fa, fb = _flat(ca), _flat(cb)
    keys = list(fa) + [k for k in fb if k not in fa]
    out = []
    for k in keys:
        va, vb = fa.get(k), fb.get(k)
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and not isinstance(va, bool) \
                and not isinstance(vb, bool):
            if abs(va - vb) <= tol:
                continue
        elif va == vb:
            continue
        out.append(Diff(k, va, vb))
    return out


def regressions(baseline: Scorecard | Mapping, card: Scorecard | Mapping, *, tol: float = 1e-9) -> list[Diff]:
    """Headline figures of ``card`` that are worse than ``baseline`` (the gate of ``xxgk eval --baseline``).

    A headline metric that the baseline has and the card lacks (or has as ``None``) is a regression too.
    """
    cb = baseline if isinstance(baseline, Scorecard) else Scorecard.from_dict(baseline)
    cc = card if isinstance(card, Scorecard) else Scorecard.from_dict(card)
    out = []
    for name in HEADLINE_METRICS + LOWER_IS_BETTER:
        a, b = cb.overall.get(name), cc.overall.get(name)
        if a is None:
            continue
        if b is None or (b < a - tol if name in HEADLINE_METRICS else b > a + tol):
            out.append(Diff(f"overall.{name}", a, b))
    return out
