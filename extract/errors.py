"""One exception root with structured attributes.

Every error the library raises is an ``XxgkError``; each carries a stable,
grep-able ``code``, the ``path`` of the file it concerns (where there is one)
and a plain-words ``reason``. ``str(err)`` names the file and the reason, so a
CLI can print it as is.
"""

from __future__ import annotations


class XxgkError(Exception):
    code = "E000"

    def __init__(self, reason: str, *, path: str | None = None):
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)


class IngestError(XxgkError):
    """The file could not be read into a Document (empty, binary, undecodable, too big...)."""

    code = "E100"


class UnsupportedFormat(IngestError):
    code = "E101"


class NotAReport(XxgkError):
    """The text was read but is not a government information-disclosure annual report."""

    code = "E200"


class LLMError(XxgkError):
    """The model endpoint failed for good; ``original`` is the SDK's exception."""

    code = "E300"

    def __init__(self, reason: str, *, path: str | None = None, original: BaseException | None = None,
                 attempts: int = 0):
        super().__init__(reason, path=path)
        self.original = original
        self.attempts = attempts


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or refused the key before any call of the batch worked."""

    code = "E301"


class ConfigError(XxgkError):
    code = "E400"


class FileTimedOut(XxgkError):
    """Parsing the file took longer than the batch's per-file time limit; its worker was stopped."""

    code = "E310"


class MemoryLimitExceeded(XxgkError):
    """Parsing the file needed more memory than the worker is allowed."""

    code = "E311"
