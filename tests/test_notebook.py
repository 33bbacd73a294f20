"""notebooks/batch_summary.ipynb runs top to bottom on a real batch, and the figures it reports
are the ones computed here, independently, from the same records.jsonl."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
import jieba  # noqa: E402
import nbformat  # noqa: E402
from ipykernel.kernelspec import install as install_kernelspec  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402

from extract.batch import expand_paths, iter_batch  # noqa: E402
from extract.export import read_records, write_outputs  # noqa: E402
from extract.tables.identities import application_identities, review_identities  # noqa: E402
from extract.tables.template import APPLICATIONS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "batch_summary.ipynb"
SAMPLES = ROOT / "eval" / "samples"
OUTCOMES = tuple(dict.fromkeys(APPLICATIONS.outcome_rows(merged=False) + APPLICATIONS.outcome_rows(merged=True)))  # + other_handled
NO_NARRATIVE = "no_narrative_copy"


@pytest.fixture(scope="module")
def records_path(tmp_path_factory) -> Path:
    """eval/samples, plus an empty file (a failed record: null tables and narrative) and a copy of
    one sample read with ``narrative="none"`` (an ok record whose narrative is null)."""
    extra = tmp_path_factory.mktemp("in")
    (extra / "empty.txt").write_bytes(b"")
    shutil.copy(SAMPLES / "002_jiaozuo_szfb_2025.txt", extra / f"{NO_NARRATIVE}.txt")
    records = [*iter_batch(expand_paths([SAMPLES, extra / "empty.txt"])),
               *iter_batch([extra / f"{NO_NARRATIVE}.txt"], narrative="none")]
    out = tmp_path_factory.mktemp("out")
    write_outputs(records, out)
    return out / "records.jsonl"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A ``python3`` kernelspec that runs this interpreter (so the kernel sees this venv)."""
    prefix = tmp_path_factory.mktemp("jupyter")
    install_kernelspec(prefix=str(prefix), kernel_name="python3")
    return prefix / "share" / "jupyter"


def run_notebook(records: Path, tmp_path: Path, kernel_dir: Path, monkeypatch) -> tuple[nbformat.NotebookNode, dict]:
    summary_out = tmp_path / "summary.json"
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("XXGK_RECORDS", str(records))
    monkeypatch.setenv("XXGK_SUMMARY_OUT", str(summary_out))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    printed = "".join(o.text for o in code[-1].outputs if o.output_type == "stream" and o.name == "stdout")
    summary = json.loads(printed)
    assert json.loads(summary_out.read_text(encoding="utf-8")) == summary
    return nb, summary


def problem_word_counts(recs: list[dict], stopwords: set[str]) -> Counter:
    counts: Counter = Counter()
    for r in recs:
        for p in (r["narrative"] or {}).get("problems", []):
            counts.update(w for w in jieba.lcut(p["text"])
                          if len(w) > 1 and all(ch.isalpha() for ch in w) and w not in stopwords)
    return counts


def test_notebook_is_saved_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert "XXGK_RECORDS" in nb.cells[0].source and "xxgk extract eval/samples -o out" in nb.cells[0].source


def test_summary_matches_records(records_path, tmp_path, kernel_dir, monkeypatch):
    nb, s = run_notebook(records_path, tmp_path, kernel_dir, monkeypatch)
    recs = list(read_records(records_path))
    by_id = {r["id"]: r for r in recs}
    assert by_id["empty"]["status"] == "failed" and by_id["empty"]["applications"] is None
    assert by_id[NO_NARRATIVE]["status"] == "ok" and by_id[NO_NARRATIVE]["narrative"] is None

    # every chart cell drew a figure
    images = [c for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4

    # status and report counts
    assert s["reports"] == len(recs) == len(list(SAMPLES.glob("*.json"))) + 2
    assert s["status"] == {k: sum(r["status"] == k for r in recs) for k in ("ok", "partial", "failed")}
    assert s["status"]["failed"] >= 1

    # section 三: sum of the `total` column per outcome row
    expected = {}
    for r in recs:
        for key in OUTCOMES:
            row = (r["applications"] or {}).get(key)
            if row is not None:
                expected[key] = expected.get(key, 0) + (row["total"] or 0)
    assert s["applications_by_outcome"] == expected
    assert expected["disclosed"] > 0 and "other_handled" in expected       # 2019-template reports counted

    # identity checks: the notebook's list is the library's, and the failing reports are the same
    library_checks = {i.check for i in application_identities(("natural_person", "total"), APPLICATIONS.outcomes,
                                                              ("new_received",)) + review_identities()}
    assert set(s["identity_checks"]) == library_checks
    failing: dict[str, set] = {"applications": set(), "review_litigation": set()}
    for r in recs:
        for f in r["findings"]:
            if f["severity"] == "error" and f["check"] in library_checks:
                failing[f["table"]].add(r["id"])
    any_table = set().union(*failing.values())
    assert s["reports_failing_identity"] == {"applications": len(failing["applications"]),
                                             "review_litigation": len(failing["review_litigation"]),
                                             "any table": len(any_table)}
    assert s["reports_failing_identity_ids"] == sorted(any_table)
    assert "008_wenfeng_broken_identity_2024" in any_table                 # the sample built to break one

    # channel types: number of reports using each
    channel_reports = Counter(t for r in recs
                              for t in {c["type"] for c in (r["narrative"] or {}).get("channels", [])})
    assert s["channel_types"] == dict(channel_reports)
    assert {"website", "wechat"} <= set(channel_reports)

    # problem words: the notebook's counts are jieba's, sorted, and nothing eligible outranks them
    stop = set(s["stopwords"])
    counts = problem_word_counts(recs, stop)
    top = s["top_problem_words"]
    assert len(top) == min(20, len(counts)) > 0
    assert all(top[w] == counts[w] for w in top)
    assert list(top.values()) == sorted(top.values(), reverse=True)
    assert all(n <= min(top.values()) for w, n in counts.items() if w not in top)
    assert all(len(w) > 1 and w not in stop and not any(ch.isdigit() for ch in w) for w in top)


def test_batch_of_failed_records_only(records_path, tmp_path, kernel_dir, monkeypatch):
    failed = [line for line in records_path.read_text(encoding="utf-8").splitlines()
              if json.loads(line)["status"] == "failed"]
    only_failed = tmp_path / "records.jsonl"
    only_failed.write_text("\n".join(failed) + "\n", encoding="utf-8")

    _, s = run_notebook(only_failed, tmp_path, kernel_dir, monkeypatch)
    assert s["reports"] == s["status"]["failed"] == len(failed) >= 1
    assert s["applications_by_outcome"] == {} and s["channel_types"] == {} and s["top_problem_words"] == {}
    assert s["reports_failing_identity"] == {"applications": 0, "review_litigation": 0, "any table": 0}
