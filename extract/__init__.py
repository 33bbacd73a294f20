"""xxgk-extract: government information-disclosure annual reports → checked, grounded records.

>>> import extract
>>> rec = extract.parse_file("eval/samples/002_jiaozuo_szfb_2025.txt")
>>> rec.value("applications")["new_received"]["total"]
266

The names below are imported on first use (PEP 562), not with the package: ``import extract.cli``
then costs no parsing code, so the CLI can start its worker processes' forkserver first and import
that code while the forkserver does (see ``extract.workers``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import IngestError, LLMError, NotAReport, XxgkError

if TYPE_CHECKING:
    from .pipeline import iter_records, parse_document, parse_file, parse_text, safe_parse_file
    from .record import Record

_LAZY = {"parse_file": "pipeline", "parse_text": "pipeline", "parse_document": "pipeline",
         "safe_parse_file": "pipeline", "iter_records": "pipeline", "Record": "record"}

__all__ = [
    "parse_file", "parse_text", "parse_document", "safe_parse_file", "iter_records",
    "Record", "XxgkError", "IngestError", "NotAReport", "LLMError",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """A name of ``__all__`` from its module, or a submodule (``extract.ingest`` after ``import
    extract``, as when the package imported the pipeline and with it every stage)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
