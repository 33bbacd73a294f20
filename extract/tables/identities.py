"""The template's identities, as data: each says ``sum(lhs) == sum(rhs)`` over value keys.

The table readers use them to choose among the readings of an irregular row;
``extract.checks`` uses the same list to report what a table breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from .template import APPLICANT_PARTS, REVIEW_COLUMNS, REVIEW_GROUPS


@dataclass(frozen=True, slots=True)
class Identity:
    check: str                 # stable finding id
    lhs: tuple[str, ...]       # value keys relative to the table ("new_received.total")
    rhs: tuple[str, ...]
    describe: str              # plain words, for messages

    @property
    def keys(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


def application_identities(columns: tuple[str, ...], outcomes: tuple[str, ...],
                           rows: tuple[str, ...]) -> list[Identity]:
    """Per column: balance and outcome sum; per row: total = sum of the applicant columns."""
    out: list[Identity] = []
    for c in columns:
        out.append(Identity("applications.balance",
                            (f"new_received.{c}", f"carried_over.{c}"),
                            (f"total_processed.{c}", f"carried_forward.{c}"),
                            f"新收 + 上年结转 = 办理结果总计 + 结转下年 (column {c})"))
        out.append(Identity("applications.outcomes_sum",
                            (f"total_processed.{c}",),
                            tuple(f"{o}.{c}" for o in outcomes),
                            f"办理结果总计 = the sum of the {len(outcomes)} outcome rows (column {c})"))
    parts = tuple(c for c in columns if c in APPLICANT_PARTS)
    if "total" in columns and parts:
        for r in rows:
            out.append(Identity("applications.row_total",
                                (f"{r}.total",), tuple(f"{r}.{p}" for p in parts),
                                f"总计 = the sum of the applicant columns (row {r})"))
    return out


def review_identities() -> list[Identity]:
    parts = tuple(k for k, _ in REVIEW_COLUMNS if k != "total")
    return [Identity("review_litigation.group_total", (f"{g}.total",), tuple(f"{g}.{p}" for p in parts),
                     f"总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 ({label})")
            for g, label in REVIEW_GROUPS]
