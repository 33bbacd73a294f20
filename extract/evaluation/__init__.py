"""The eval harness: score records against labelled samples, compare scorecards.

>>> from extract.evaluation import run_eval
>>> card = run_eval("eval/samples")            # doctest: +SKIP
>>> card.overall["cell_accuracy"]              # doctest: +SKIP
"""

from .compare import Diff, compare, regressions
from .harness import (EvalError, Sample, Scorecard, find_samples, load_label, load_records, read_scorecard,
                      run_eval, write_scorecard)
from .scoring import (HEADLINE_METRICS, ITEM_THRESHOLD, LOWER_IS_BETTER, aggregate, coverage, match_items,
                      norm_name, norm_text, same_value, score_channels, score_findings, score_items,
                      score_meta, score_report, score_table, similarity, span_valid)

__all__ = [
    "run_eval", "find_samples", "load_label", "load_records", "read_scorecard", "write_scorecard",
    "Scorecard", "Sample", "EvalError", "compare", "regressions", "Diff",
    "score_report", "score_table", "score_meta", "score_findings", "score_items", "score_channels",
    "coverage", "match_items", "similarity", "span_valid", "same_value", "norm_text", "norm_name",
    "aggregate", "HEADLINE_METRICS", "LOWER_IS_BETTER", "ITEM_THRESHOLD",
]
