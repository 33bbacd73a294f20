"""file → Document → Sections → tables → findings → narrative → Record.

Library code prints nothing. ``parse_file`` raises ``IngestError`` for a file it
cannot read; ``iter_records`` never raises for one file: it yields a
``failed`` record instead, so a batch always accounts for every input.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import ingest
from .checks import check_tables
from .errors import MemoryLimitExceeded, NotAReport, XxgkError
from .meta import read_meta
from .narrative import NarrativeExtractor, make_extractor
from .record import Record, Source
from .relayout import relayout
from .sections import find_sections
from .tables import read_tables
from .types import SECTION_KEYS, Document, Finding

NarrativeArg = NarrativeExtractor | str | None


def record_id(path: str | os.PathLike | None) -> str:
    """A report's id on its own: the file stem (``a/2025.txt`` → ``2025``). See ``batch_ids``."""
    if not path:
        return "report"
    if path.__class__ is str and os.altsep is None:
        name = path.rpartition(os.sep)[2]
        if name and name != ".":             # else the name is that of a folder before it: Path's
            return split_name(name)[0]
    return (path if isinstance(path, Path) else Path(path)).stem


def split_name(name: str) -> tuple[str, str]:
    """A file name's stem and suffix as ``Path(name).stem`` and ``.suffix`` give them, without making
    a Path (a batch asks for every file's; building the Path was most of it)."""
    i = name.rfind(".")
    return (name[:i], name[i:]) if 0 < i < len(name) - 1 else (name, "")


def batch_ids(paths: Iterable[str | os.PathLike], *,
              existing: Mapping[str, str] | None = None) -> dict[str, str]:
    """Unique, stable ids for a batch: ``{os.fspath(path): id}``.

    A file whose stem no other file of the batch shares keeps its stem as id. Files that share
    a stem (``a/2025.txt``, ``b/2025.txt``, ``a/2025.html``) get their path relative to the
    folder the group has in common, suffix included (``a/2025.txt``, ...): unique, because the
    paths differ, and the same on every run over the same files. A stem never contains ``/``,
    so such an id cannot equal another file's stem.

    ``existing`` (``{path: id}`` from an earlier run being resumed) keeps those ids as they were
    and keeps new files from taking them.
    """
    existing = dict(existing or {})
    todo = [os.fspath(p) for p in paths]
    ids: dict[str, str] = {}
    by_stem: dict[str, list[str]] = {}
    for p in dict.fromkeys([*existing, *todo]):
        by_stem.setdefault(record_id(p), []).append(p)
    taken = set(existing.values())
    for stem, group in by_stem.items():
        if len(group) == 1:
            candidates = {group[0]: stem}
        else:
            absolute = [os.path.abspath(p) for p in group]
            root = os.path.commonpath([os.path.dirname(a) for a in absolute])
            candidates = {p: Path(os.path.relpath(a, root)).as_posix() for p, a in zip(group, absolute)}
        for p, rid in candidates.items():
            if p in existing:
                ids[p] = existing[p]
                continue
            if rid in taken:          # only when resuming: an earlier run already gave this id away
                rid = Path(os.path.abspath(p)).as_posix()
                n = 2
                while rid in taken:
                    rid, n = f"{Path(os.path.abspath(p)).as_posix()}#{n}", n + 1
            ids[p] = rid
            taken.add(rid)
    return {p: ids[p] for p in todo}


def parse_document(doc: Document, *, id: str | None = None, source: Source | None = None,
                   narrative: NarrativeArg = "rules") -> Record:
    """Run every stage after ingest on one Document."""
    t0 = time.perf_counter()
    rid = id or record_id(doc.path)
    # a lone surrogate in a caller's string: surrogatepass
    src = source or Source(path=doc.path, sha256=_sha256(doc.text.encode("utf-8", "surrogatepass")),
                           format=doc.format, encoding=doc.encoding, ocr=doc.ocr.to_dict() if doc.ocr else None)
    doc = relayout(doc)
    sections = find_sections(doc)
    meta = read_meta(doc, sections)
    findings: list[Finding] = []
    if not _looks_like_report(doc, sections, meta):
        err = NotAReport("not a government information-disclosure annual report "
                         "(no template section or table was found)", path=doc.path)
        return Record.failed(rid, src, err, seconds=time.perf_counter() - t0)
    tables = read_tables(doc, sections, meta)
    for t in tables.values():
        findings.extend(t.findings)
    findings.extend(check_tables(tables, meta))
    if doc.ocr is not None:
        from .ingest.ocr import ocr_findings
        findings.extend(ocr_findings(doc.ocr, tables, meta.template))
    for key in sections.missing:
        # the table readers report a missing table section with its own severity
        findings.append(Finding(check=f"sections.missing.{key}", severity="info",
                                message=f"section {key} was not found in the report"))
    cut = _truncated_after(sections) if meta.template != "legacy" else None
    truncated = cut is not None
    if truncated:
        findings.append(Finding(check="report.truncated", severity="error",
                                message=f"the text ends in section {cut}: every later section is missing, "
                                        f"so the file looks truncated"))
    extractor = make_extractor(narrative)
    narr = extractor.extract(doc, sections) if extractor else None
    status = "partial" if truncated else _status(tables, sections, meta)
    return Record(id=rid, source=src, status=status, meta=meta, tables=tables, narrative=narr,
                  findings=tuple(findings), sections=sections, text=doc.text,
                  seconds=time.perf_counter() - t0)


def parse_text(text: str, *, id: str | None = None, format: str = "text", path: str | None = None,
               narrative: NarrativeArg = "rules") -> Record:
    """Parse a report given as a string (plain text, Markdown or HTML)."""
    doc = ingest.from_text(text, format=format, path=path)
    return parse_document(doc, id=id, narrative=narrative)


def parse_file(path: str | os.PathLike, *, narrative: NarrativeArg = "rules") -> Record:
    """Parse one report file. Raises ``IngestError`` when the file cannot be read."""
    p = path if isinstance(path, Path) else Path(path)
    doc, raw = ingest.load_with_bytes(p)
    src = Source(path=str(p), sha256=_sha256(raw), format=doc.format, encoding=doc.encoding, bytes=len(raw),
                 ocr=doc.ocr.to_dict() if doc.ocr else None)
    return parse_document(doc, id=record_id(p), source=src, narrative=narrative)


def safe_parse_file(path: str | os.PathLike, *, narrative: NarrativeArg = "rules") -> Record:
    """``parse_file`` that turns any failure into a ``failed`` record naming the file."""
    t0 = time.perf_counter()
    p = Path(path)
    try:
        return parse_file(p, narrative=narrative)
    except XxgkError as e:
        if e.path is None:
            e.path = str(p)
        return Record.failed(record_id(p), _source_of(p), e, seconds=time.perf_counter() - t0)
    except MemoryError:   # a batch worker's memory cap (extract.batch), or the machine's
        err = MemoryLimitExceeded("ran out of memory while parsing this file", path=str(p))
        return Record.failed(record_id(p), _source_of(p), err, seconds=time.perf_counter() - t0)
    except Exception as e:  # a bug must not stop a batch: report it against the file
        return Record.failed(record_id(p), _source_of(p), e, seconds=time.perf_counter() - t0)


def iter_records(paths: Iterable[str | os.PathLike], *, narrative: NarrativeArg = "rules") -> Iterator[Record]:
    """One record per path, in order, in this process. See ``extract.batch`` for parallel runs."""
    extractor = make_extractor(narrative)
    for p in paths:
        yield safe_parse_file(p, narrative=extractor if extractor is not None else "none")


# -- helpers ----------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_of(p: Path) -> Source:
    try:
        size = p.stat().st_size
        h = hashlib.sha256()
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        sha = h.hexdigest()
    except OSError:
        size, sha = None, None
    return Source(path=str(p), sha256=sha, format=ingest.guess_format(p), bytes=size)


def _looks_like_report(doc: Document, sections, meta) -> bool:
    """A template table section, or a report title with a section under it, or a legacy report."""
    if meta.template == "legacy":
        return True
    if any(sections.get(k) is not None for k in ("active_disclosure", "applications", "review_litigation")):
        return True
    return meta.agency_span is not None and any(sections.get(k) is not None for k in ("overview", "problems"))


def _truncated_after(sections) -> str | None:
    """The last section found when every section after it, 五 included, is missing (a cut-off file).

    Ending after 五 is not enough: some reports leave out 六."""
    if not sections.found:
        return None
    order = list(SECTION_KEYS)
    last = max(sections.found, key=lambda s: order.index(s.key))
    after = order[order.index(last.key) + 1:]
    missing = sections.missing      # a property: worked out on each use
    if "problems" in after and all(k in missing for k in after):
        return last.key
    return None


def _status(tables, sections, meta) -> str:
    if meta.template in ("legacy",):
        return "ok"
    present = [t for t in tables.values() if t.values is not None]
    missing = sections.missing
    if len(present) < 3 or any(k in missing for k in ("active_disclosure", "applications", "review_litigation")):
        return "partial"
    return "ok"
