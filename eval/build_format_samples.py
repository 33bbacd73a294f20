"""Regenerate the PDF and DOCX eval samples from text samples in ``eval/samples``.

    python eval/build_format_samples.py            # rewrite them in eval/samples
    python eval/build_format_samples.py --out DIR  # or write them elsewhere (to compare)

Each sample in ``SAMPLES`` below is a rendering of a labelled text sample by the fixture
builders in ``tests/builders.py`` (reportlab for PDF with the non-embedded CID font
STSong-Light, so a PDF is a few tens of KB; python-docx for DOCX). The builders rebuild
the published grid of each table (merged header cells, the rowspans of section 三), so
the files carry real merged cells, page breaks and page furniture, not the flattened tabs
of the text. Beside each file the script writes its label: the source's label with the
new ``id``, the same values and narrative (the text is the same), the source's
``source_anomalies`` (each still true of the rendering), and one ``flag: false`` note
saying what the file is and where it came from.

Re-runs give the same bytes: PDFs are written in reportlab's ``invariant`` mode (fixed
dates and document id), and a DOCX's zip entries get a fixed timestamp.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "eval" / "samples"
sys.path.insert(0, str(ROOT / "tests"))

from builders import build_docx, build_pdf  # noqa: E402


@dataclass(frozen=True)
class FormatSample:
    stem: str          # the new sample's file stem
    source: str        # the text sample it renders
    fmt: str           # "pdf" | "docx"
    how: str           # what the rendering has, for the label's note
    options: dict = field(default_factory=dict)   # keyword arguments of the builder


SAMPLES = (
    FormatSample("018_shanyang_qzf_2023_pdf", "003_shanyang_qzf_2023", "pdf",
                 "ruled tables with merged cells (section 三's 3-row header, its group rowspans), section 三 "
                 "split across two pages with its header repeated, a running header and page numbers",
                 {"split_table_across_pages": True}),
    FormatSample("019_wenfeng_cgj_2024_borderless_pdf", "001_wenfeng_cgj_2024", "pdf",
                 "borderless tables (no ruling lines, so no drawn merges; wrapped cell text), section 三 "
                 "running over three pages, a running header and page numbers",
                 {"borderless": True, "split_table_across_pages": True}),
    FormatSample("020_huzhu_cgzf_2025_docx", "004_huzhu_cgzf_2025", "docx",
                 "Word tables with merged cells (gridSpan and vMerge)"),
)


def label_for(spec: FormatSample, source_label: dict) -> dict:
    """The source's label for the rendering: same values and narrative, a note on where it came from."""
    label = json.loads(json.dumps(source_label))
    label["id"] = spec.stem
    kind = spec.fmt.upper()
    label["source_anomalies"] = list(label["source_anomalies"]) + [{
        "table": None, "flag": False,
        "note": f"a {kind} rendering, not a published file: built by eval/build_format_samples.py "
                f"from sample {spec.source} ({spec.how})",
    }]
    return label


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip (a DOCX) with every entry dated 1980-01-01, so its bytes do not depend on when it was built."""
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)


def build(spec: FormatSample, out_dir: Path) -> Path:
    src = SAMPLE_DIR / f"{spec.source}.txt"
    out = out_dir / f"{spec.stem}.{spec.fmt}"
    if spec.fmt == "pdf":
        build_pdf(src, out, **spec.options)
    elif spec.fmt == "docx":
        build_docx(src, out, **spec.options)
        _fix_zip_times(out)
    else:
        raise ValueError(f"unknown format {spec.fmt!r}")
    source_label = json.loads((SAMPLE_DIR / f"{spec.source}.json").read_text(encoding="utf-8"))
    (out_dir / f"{spec.stem}.json").write_text(
        json.dumps(label_for(spec, source_label), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> list[Path]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SAMPLE_DIR, help="folder to write to (default: eval/samples)")
    args = ap.parse_args(argv)
    from reportlab import rl_config
    rl_config.invariant = 1          # no creation date or random id in the PDFs: re-runs give the same bytes
    args.out.mkdir(parents=True, exist_ok=True)
    built = [build(spec, args.out) for spec in SAMPLES]
    for p in built:
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}  {p.stat().st_size / 1024:.1f} KB")
    return built


if __name__ == "__main__":
    main()
