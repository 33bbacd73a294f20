"""xxgk-extract: government information-disclosure annual reports → checked, grounded records.

>>> import extract
>>> rec = extract.parse_file("eval/samples/002_jiaozuo_szfb_2025.txt")
>>> rec.value("applications")["new_received"]["total"]
266
"""

from .errors import IngestError, LLMError, NotAReport, XxgkError
from .pipeline import iter_records, parse_document, parse_file, parse_text, safe_parse_file
from .record import Record

__all__ = [
    "parse_file", "parse_text", "parse_document", "safe_parse_file", "iter_records",
    "Record", "XxgkError", "IngestError", "NotAReport", "LLMError",
]
__version__ = "0.1.0"
