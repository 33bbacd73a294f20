"""Many reports: expand paths, then parse them in parallel, one record per input, in input order.

* rules / none narrative: ``jobs`` worker processes (``jobs=1`` runs in this process).
  Paths go to the workers in chunks (up to ``CHUNK_FILES`` a task) with a bounded number of
  chunks in flight, so 10^5 files stream in constant memory; each worker builds its narrative
  extractor once, in its initializer.
* llm narrative: a thread pool of ``llm_concurrency`` in this process (the LLM
  extractor is thread-safe and the table parse takes milliseconds); ``jobs`` is
  not used.

A file never stops a batch: it yields a ``failed`` record naming the file and the
reason. A file that runs past the per-file time limit is a ``failed`` record (``E310``),
one that needs more memory than a worker may use too (``E311``); a worker process that dies
on a file (a segfault, an OOM kill) becomes a ``failed`` record for that file (``E900``).
In each case only that file fails (the rest of its chunk runs again where its worker was
lost), the worker is replaced if it had to go, and the rest of the batch runs at full speed.
Library code prints nothing.
"""

from __future__ import annotations

import gc
import glob
import mimetypes
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from functools import partial
from operator import attrgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, FileTimedOut, MemoryLimitExceeded, XxgkError
from .export import EncodedRecord
from .ingest import FORMATS, report_suffixes, sniff_format
from .meta import TITLE_CUE
from .narrative import NarrativeExtractor, make_extractor
from .pipeline import _source_of, batch_ids, record_id, safe_parse_file, split_name
from .record import Record
from .sections import heading_key
from .textnorm import fold
from .workers import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MEMORY_LIMIT_MB, context, start_workers_early

if TYPE_CHECKING:
    from .narrative.config import LLMConfig

_GLOB_CHARS = set("*?[")


class WorkerCrashed(XxgkError):
    """The worker process parsing this file died (killed, out of memory, a crash in native code)."""

    code = "E900"


# -- paths --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Skipped:
    """A file found in a folder that is not read, and why. ``label``: a sample's label file."""

    path: Path
    reason: str
    label: bool = False


@dataclass(frozen=True, slots=True)
class Scan:
    files: list[Path]
    skipped: list[Skipped] = field(default_factory=list)


def scan_paths(args: Iterable[str | os.PathLike], *, suffixes: Sequence[str] | None = None) -> Scan:
    """Files, folders (recursive) and globs → the files to read, and the files left out with the reason.

    In a folder, a file with a report suffix (``suffixes``; by default those of every format in
    ``extract.ingest.FORMATS`` but page images) is read; one with another suffix or none is read
    only if its content looks like a report (see ``_not_a_report``: a report saved without an
    extension is read, a list of reports in a ``.tsv`` is not); anything else is ``skipped``
    with the reason (``image/jpeg: not a report format``). ``<stem>.json`` beside a report of the same
    stem is its label (``eval/``'s layout): skipped with ``label=True``. Hidden files and
    folders are not looked at; a folder that cannot be read is ``skipped`` with the reason (its
    files are unknown). A file named explicitly is kept whatever it is (so a wrong file
    is reported, not skipped); a path that does not exist is kept too, and becomes a ``failed``
    record. A glob that matches nothing, or a folder without a report, raises ``ConfigError``.
    """
    out: dict[Path, None] = {}
    skipped: dict[Path, Skipped] = {}
    sfx = tuple(s.lower() for s in (report_suffixes() if suffixes is None else suffixes))
    for a in args:
        s = os.fspath(a)
        p = Path(s)
        try:
            is_dir, exists = p.is_dir(), p.exists()
        except OSError:          # e.g. a file inside a folder that cannot be read: its record says why
            out[p] = None
            continue
        if is_dir:
            found: list[Path] = []
            every, left = _files_under(p)
            # stems and suffixes from the names (strings: a Path per file was most of a scan)
            parts = [(folder, *split_name(name)) for folder, _, name in map(methodcaller("rpartition", os.sep), every)]
            suffix = [x.lower() for _, _, x in parts]
            stems = {(folder, stem) for (folder, stem, _), x in zip(parts, suffix) if x in sfx}
            for q, (folder, stem, _), x in zip(every, parts, suffix):
                if x in sfx:
                    found.append(Path(q))
                elif x == ".json" and (folder, stem) in stems:
                    left.append(Skipped(Path(q), "the label of a report beside it", label=True))
                else:
                    reason = _not_a_report(Path(q))
                    if reason is None:
                        found.append(Path(q))
                    else:
                        left.append(Skipped(Path(q), reason))
            if not found:
                extra = f" ({len(left)} other file(s) or folder(s) skipped)" if left else ""
                raise ConfigError(f"no report files ({', '.join(sfx)}) in folder{extra}", path=s)
            out.update(dict.fromkeys(found))
            skipped.update((k.path, k) for k in left)
        elif not exists and _GLOB_CHARS & set(s):
            matches = sorted(glob.glob(s, recursive=True))
            files = [Path(m) for m in matches if Path(m).is_file()]
            dirs = [m for m in matches if Path(m).is_dir()]
            for d in dirs:
                sub = scan_paths([d], suffixes=suffixes)
                files.extend(sub.files)
                skipped.update((k.path, k) for k in sub.skipped)
            if not files:
                raise ConfigError("no file matches this pattern", path=s)
            out.update(dict.fromkeys(files))
        else:
            out[p] = None
    return Scan(list(out), [k for q, k in skipped.items() if q not in out])


def _files_under(root: Path) -> tuple[list[str], list[Skipped]]:
    """Every file under ``root`` outside hidden folders, sorted as Paths are; and each folder that could
    not be read, as a ``Skipped`` (``rglob`` passes over those without a word).

    ``os.walk``'s walk (a folder's subfolders in name order, a link to a folder listed, not entered),
    keeping what it lists of each entry: a file is told by its listing (``DirEntry.is_file``, as
    ``os.path.isfile`` tells it), not by a ``stat`` per file."""
    files: list[str] = []       # strings: a folder of 10^5 files makes Path's cost show
    unreadable: list[Skipped] = []

    def walk(folder: str) -> None:
        dirs, here = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if is_dir:
                        dirs.append(entry)
                    else:
                        try:
                            if entry.is_file():
                                here.append(entry.path)
                        except OSError:
                            pass
        except OSError as e:           # a folder that could not be listed to its end gives no file
            unreadable.append(Skipped(Path(e.filename if e.filename is not None else root),
                                      f"folder cannot be read ({e.strerror or e}); its files were not looked at"))
            return
        files.extend(here)
        for d in sorted(dirs, key=attrgetter("name")):
            if not d.is_symlink():
                walk(d.path)

    walk(os.fspath(root))
    # Path's order: part by part (every path here starts with the same root, written the same way)
    return sorted(files, key=lambda q: q.split(os.sep)), unreadable


def expand_paths(args: Iterable[str | os.PathLike], *, suffixes: Sequence[str] | None = None) -> list[Path]:
    """The files ``scan_paths`` would read (see there)."""
    return scan_paths(args, suffixes=suffixes).files


_CJK = re.compile("[\u4e00-\u9fff]")


def _not_a_report(path: Path) -> str | None:
    """``None`` when the leading bytes (of a file without a report suffix) look like a report, else
    why the file is skipped.

    A report is a file whose signature proves a format read in folders (a PDF, a Word file, an
    HTML page; an OFD or RTF file too, so that its error row says it is not supported), or text
    that reads like a report: a line of it that is not a table row (no tab) is a report's title
    (``…政府信息公开工作年度报告``) or names one of its sections (``一、总体情况``). Data (JSON, a
    tab-separated list of reports), text without Chinese and other text are skipped.
    """
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    kind = mimetypes.guess_type(path.name)[0]
    sniffed = sniff_format(head)
    if sniffed is not None and FORMATS[sniffed].in_folders:
        return None
    if not head:
        return "empty file"
    if b"\x00" in head:
        return f"{kind or 'binary data'}: not a report format"
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(enc)
            break
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 3:   # a character cut by the 8 KB read
                text = head[:e.start].decode(enc, errors="replace")
                break
    if text is None:
        return f"{kind or 'binary data'}: not a report format"
    if kind in ("application/json",) or text.lstrip()[:1] in ("{", "["):
        return "JSON data: not a report format"
    if not _CJK.search(text):
        return f"{kind or 'text'} without Chinese text: not a report"
    if not _reads_like_a_report(text):
        return f"{kind or 'text'} without a report title or section heading: not a report"
    return None


def _reads_like_a_report(text: str) -> bool:
    """A line that is not a table row is a report's title or a section heading."""
    return any(line.strip() and "\t" not in line and (heading_key(line) is not None or TITLE_CUE.search(fold(line)))
               for line in text.splitlines())


# -- worker side -------------------------------------------------------------------
#
# Worker processes are a pebble ``ProcessPool``, forked from a forkserver (``extract.workers``). A task
# is a chunk of files, so the pool's per-task cost (a round trip through its pipes and threads) is
# paid once per chunk, not once per file; each file of a chunk keeps its own limits:
#
# * time: the worker parses each file under an alarm of the per-file time limit and turns an
#   overrun into a ``FileTimedOut`` record; a file stuck where the alarm cannot reach it (native
#   code) is seen by the main process, which reads the file each worker is on and when it
#   started from shared memory, stops that worker (the pool replaces it) and fails the file;
# * memory: a worker caps its own address space (``memory_limit_mb`` above its size once
#   loaded), so a file that needs too much memory fails alone (``MemoryLimitExceeded``);
# * crashes: a worker that dies takes only the file it was on with it (``WorkerCrashed``; the
#   shared memory says which); the chunk's other files run again in a new chunk.
#
# A worker dies with the process that started the pool (``_die_with_parent``).

CHUNK_FILES = 16                  # files per task at most
CHUNK_SECONDS = 0.1               # what a chunk should take, by the files' mean time so far
SLOW_FILE_S = 2.0                 # a file of a chunk that takes longer is given up and runs alone
_STUCK_GRACE_S = 2.0              # beyond the time limit, before a stuck worker is stopped
POOL_TICK_S = 0.02
"""How often pebble's pool manager looks at its workers (``pebble.CONSTS.sleep_unit``, 0.1 s by default):
closing a pool waits for its next look, half the period on average, at the end of every batch."""

_TICK_LOCK = threading.Lock()
_TICK_USERS = 0
_TICK_SAVED = 0.0


@contextmanager
def _fast_ticks() -> Iterator[None]:
    """pebble's tick at ``POOL_TICK_S`` while any of our pools is open; the process's own value back
    when the last one closes. ``pebble.CONSTS`` is process-wide: a notebook's own pebble pools should
    not go on waking five times as often after a batch."""
    global _TICK_USERS, _TICK_SAVED
    import pebble

    with _TICK_LOCK:
        if _TICK_USERS == 0:
            _TICK_SAVED = pebble.CONSTS.sleep_unit
            pebble.CONSTS.sleep_unit = min(_TICK_SAVED, POOL_TICK_S)
        _TICK_USERS += 1
    try:
        yield
    finally:
        with _TICK_LOCK:
            _TICK_USERS -= 1
            if _TICK_USERS == 0:
                pebble.CONSTS.sleep_unit = _TICK_SAVED


_WORKER_EXTRACTOR: NarrativeExtractor | None = None
_WORKER_ERROR: BaseException | None = None
_WORKER_PROGRESS = None           # shared doubles: per slot, (file index, monotonic start) of the chunk
_WORKER_MEMORY_MB: int | None = None


def _die_with_parent() -> None:
    """Make this worker die when the process that started its pool does, however it dies (kill -9 of
    the CLI leaves no worker behind).

    A thread waits on the parent's sentinel (a pipe only the parent holds open: it reads end of file
    when the parent is gone) and exits the process. On Linux the kernel also kills the worker when
    the process it was forked from dies (PR_SET_PDEATHSIG), which holds even while the worker is
    stuck in native code that keeps the thread from running: that process is the forkserver, which
    exits when no process that uses it is left; so the worker gives up its own hold on it (a fd).
    """
    from multiprocessing import forkserver, parent_process
    from multiprocessing.connection import wait

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    try:
        server = forkserver._forkserver             # multiprocessing's own, not a public name: tried
        if forkserver.get_inherited_fds() is not None and server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
            server._forkserver_alive_fd = None
    except (AttributeError, OSError):
        pass
    parent = parent_process()
    if parent is None:                              # not started by multiprocessing
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="xxgk-parent-watch", daemon=True).start()


def _limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    try:
        import resource
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + megabytes * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass   # no /proc or no setrlimit: the time limit still holds


def _init_worker(narrative: str | None, env: Mapping[str, str] | None = None,
                 memory_limit_mb: int | None = None, progress=None) -> None:
    """Tie the worker to its parent, take the parent's environment ``env`` (as it was when the pool
    started, not when the forkserver did), build the extractor once and warm it (lexicon load), cap
    memory."""
    global _WORKER_EXTRACTOR, _WORKER_ERROR, _WORKER_PROGRESS, _WORKER_MEMORY_MB
    _die_with_parent()
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    _WORKER_PROGRESS, _WORKER_MEMORY_MB = progress, memory_limit_mb
    try:
        _WORKER_EXTRACTOR = make_extractor(narrative)
    except BaseException as e:  # reported per file, never a silent worker death
        _WORKER_ERROR = e
        return
    if _WORKER_EXTRACTOR is not None:
        try:
            from . import ingest
            from .sections import find_sections
            doc = ingest.from_text("五、存在的主要问题及改进情况\n一是宣传不够。\n")
            _WORKER_EXTRACTOR.extract(doc, find_sections(doc))
        except Exception:
            pass  # warming is best effort; real errors surface on real files
    _collect_less()
    _limit_memory(memory_limit_mb)
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _deadline)    # for good: each file arms and disarms the timer alone


WORKER_GC_THRESHOLD = 7000
"""A worker's threshold of new objects for a pass of the cyclic garbage collector (Python's: 700)."""


def _collect_less() -> None:
    """Let the cyclic garbage collector look through a worker's young objects a tenth as often (a pass
    comes once 7000 more objects were made than freed, not 700): 0.5 % fewer instructions a report
    (12.68 vs 12.75 M over 160 files), for at most a few MB of cyclic garbage kept a little longer."""
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _parse_one(path: str) -> Record:
    if _WORKER_ERROR is not None:
        return Record.failed(record_id(path), _source_of(Path(path)), _WORKER_ERROR)
    return safe_parse_file(path, narrative=_WORKER_EXTRACTOR if _WORKER_EXTRACTOR is not None else "none")


def _failed(path: str, err: BaseException) -> Record:
    return Record.failed(record_id(path), _source_of(Path(path)), err)


def _out_of_memory(path: str, megabytes: int | None) -> Record:
    return _failed(path, MemoryLimitExceeded(f"needed more than the worker's {megabytes} MB memory limit", path=path))


def _parse_chunk(paths: list[str], slot: int, parse, file_timeout: float | None,
                 finish: Callable[[Record], Any] | None = None,
                 ids: list[str | None] | None = None) -> tuple[list, int | None, list[float | None]]:
    """Runs in a worker: ``parse`` (``_parse_one``) each path, each under the per-file time limit,
    noting in shared memory which file it is on and since when. Returns the records (each with its
    id from ``ids``, and as ``finish(record)`` when given), ``None`` and each file's seconds; or, where
    a file of a chunk of several takes longer than ``SLOW_FILE_S`` (short of its time limit), the
    records before it and its index: it is given up, to run alone, so the files done are not held
    back behind it."""
    progress = _WORKER_PROGRESS
    out: list = []
    seconds: list[float | None] = []
    slow = SLOW_FILE_S if len(paths) > 1 and (not file_timeout or SLOW_FILE_S < file_timeout) else None
    for i, p in enumerate(paths):
        if progress is not None:
            progress[2 * slot] = i
            progress[2 * slot + 1] = time.monotonic()
        try:
            rec = _with_alarm(parse, p, slow or file_timeout)
        except _Deadline:
            if slow is not None:
                return out, i, seconds
            rec = _timed_out(p, file_timeout or 0, "the parse was interrupted")
        except MemoryError:             # outside safe_parse_file's own handling
            rec = _out_of_memory(p, _WORKER_MEMORY_MB)
        seconds.append(rec.seconds)
        out.append(_finished(rec, ids[i] if ids is not None else None, finish))
    if progress is not None:
        progress[2 * slot + 1] = 0.0
    return out, None, seconds


def _finished(rec: Record, rid: str | None, finish: Callable[[Record], Any] | None) -> Any:
    """The record with its batch id (``rid``; ``None``: its own), as ``finish`` makes it."""
    if rid is not None and rec.id != rid:
        rec = replace(rec, id=rid)
    return finish(rec) if finish is not None else rec


def _with_alarm(parse, p: str, seconds: float | None) -> Record:
    """``parse(p)`` stopped by SIGALRM after ``seconds`` (re-fired every half second, so clean-up
    code that spins on the same input is interrupted too): ``_Deadline`` is raised. The handler is
    in place even without ``seconds``, for a caller that arms the timer itself (Ctrl-C in
    ``_parse_in_process``). Only the main thread of a POSIX process gets signals."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return parse(p)
    previous = signal.getsignal(signal.SIGALRM)
    if previous is not _deadline:      # a worker keeps it (_init_worker): two system calls a file less
        signal.signal(signal.SIGALRM, _deadline)
    try:
        if seconds:
            signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
        try:
            return parse(p)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        if previous is not _deadline:
            signal.signal(signal.SIGALRM, previous)


def _deadline(signum, frame):
    """The SIGALRM handler of ``_with_alarm``."""
    raise _Deadline()


# -- main side ----------------------------------------------------------------------

def _ping() -> int:
    return os.getpid()


class WorkersUnavailable(XxgkError):
    """Worker processes could not be started at all (nothing to do with any one file)."""

    code = "E901"


WORKER_START_TIMEOUT_S = 120.0


def _timed_out(path: str, seconds: float, then: str) -> Record:
    return _failed(path, FileTimedOut(f"timed out after {seconds:g} s (the per-file time limit); {then}",
                                      path=path))


def _chunks(paths: Iterable[str], size) -> Iterator[list[str]]:
    """Chunks of the paths: the first of one path, then each at most twice the one before and at most
    ``size()`` (read for each chunk), so every worker starts at once and a short batch is spread."""
    it = iter(paths)
    n = 1
    while True:
        chunk = [p for _, p in zip(range(n), it)]
        if not chunk:
            return
        yield chunk
        n = max(1, min(n * 2, size()))


class _Pool:
    """The pebble pool, the chunks in flight and the shared progress memory."""

    def __init__(self, jobs: int, narrative: str | None, file_timeout: float | None,
                 memory_limit_mb: int | None, finish: Callable[[Record], Any] | None = None,
                 ids: Mapping[str, str] | None = None) -> None:
        import pebble

        ctx = context()
        self.window = jobs * 3                       # chunks in flight
        self.slots = list(range(self.window + 4))    # free slots (a failed chunk's reruns take new ones)
        self.progress = ctx.Array("d", 2 * len(self.slots), lock=False)
        self.file_timeout = file_timeout
        self.memory_limit_mb = memory_limit_mb
        self.finish = finish
        self.ids = ids
        self.mean_s: float | None = None             # seconds a file takes, a running mean
        self.retried: set[str] = set()               # files rerun once after the pool broke
        self._start = lambda: pebble.ProcessPool(max_workers=jobs, context=ctx, initializer=_init_worker,
                                                 initargs=(narrative, dict(os.environ), memory_limit_mb,
                                                           self.progress))
        self.pool = self._start()

    def schedule(self, paths: list[str]) -> tuple[list[str], int, Future]:
        slot = self.slots.pop()
        self.progress[2 * slot] = -1.0
        self.progress[2 * slot + 1] = 0.0
        timeout = None
        if self.file_timeout:    # a backstop; the watch in ``result`` acts first
            timeout = len(paths) * self.file_timeout + 4 * _STUCK_GRACE_S
        ids = [self.ids.get(p) for p in paths] if self.ids is not None else None
        args = (paths, slot, _parse_one, self.file_timeout, self.finish, ids)
        try:
            fut = self.pool.schedule(_parse_chunk, args, timeout=timeout)
        except RuntimeError:
            # pebble's pool broke: a worker died before the pool knew which task it had taken
            # ("All workers expired"), and every task in it ended with BrokenProcessPool. A new pool
            # takes over; those tasks' files are rerun by ``results``.
            self.close()
            self.pool = self._start()
            fut = self.pool.schedule(_parse_chunk, args, timeout=timeout)
        return paths, slot, fut

    def chunk_size(self) -> int:
        """Files per chunk: about ``CHUNK_SECONDS`` of work by the mean so far, at most ``CHUNK_FILES``
        (slow files, PDFs, go one by one)."""
        if self.mean_s is None:
            return 1             # until a file's time is known (a batch of PDFs goes one by one)
        return max(1, min(CHUNK_FILES, int(CHUNK_SECONDS / max(self.mean_s, 1e-6))))

    def _note(self, seconds: list[float | None]) -> None:
        for s in seconds:
            if s is not None:
                self.mean_s = s if self.mean_s is None else 0.9 * self.mean_s + 0.1 * s

    def stuck(self, slot: int) -> bool:
        """The chunk in ``slot`` has been on one file for longer than the time limit and its grace."""
        started = self.progress[2 * slot + 1]
        return bool(self.file_timeout and started
                    and time.monotonic() - started > self.file_timeout + _STUCK_GRACE_S)

    def results(self, chunk: tuple[list[str], int, Future], inflight: Iterable) -> Iterator:
        """The chunk's records, in order, each as soon as it is known. A worker that died or was
        stopped costs only the file it was on (read from shared memory); the chunk's other files run
        again; a file given up as slow runs alone."""
        from concurrent.futures.process import BrokenProcessPool

        from pebble import ProcessExpired

        paths, slot, fut = chunk
        while True:
            try:
                recs, stop, seconds = fut.result(timeout=0.25 if self.file_timeout else None)
                self.slots.append(slot)
                self._note(seconds)
                yield from recs
                if stop is not None:
                    # a slow file, given up in the chunk: alone now, with the whole time limit
                    yield from self.results(self.schedule([paths[stop]]), inflight)
                    if stop + 1 < len(paths):
                        yield from self.results(self.schedule(paths[stop + 1:]), inflight)
                return
            except FutureTimeout:
                if fut.done():          # the pool's own (backstop) time limit
                    failure: BaseException = FileTimedOut("")
                    break
                for _, s, f in [chunk, *inflight]:
                    if not f.done() and self.stuck(s):
                        f.cancel()      # stops the worker; the pool starts another
                continue
            except CancelledError:
                failure = FileTimedOut("")
                break
            except Exception as e:      # ProcessExpired, MemoryError, an unpicklable record...
                failure = e
                break
        at = int(self.progress[2 * slot])
        self.slots.append(slot)
        if isinstance(failure, BrokenProcessPool) and len(paths) == 1 and paths[0] not in self.retried:
            # the pool broke under this file, or under another file in flight: once more, alone
            self.retried.add(paths[0])
            yield from self.results(self.schedule(paths), inflight)
            return
        known = 0 <= at < len(paths)
        if len(paths) > 1 and (not known or not isinstance(failure, (FileTimedOut, ProcessExpired))):
            # not known where, or no file's fault (the records could not come back): one file at a
            # time, so each failure has its file
            for p in paths:
                yield from self.results(self.schedule([p]), inflight)
            return
        at = max(0, at)
        p = paths[at]
        if isinstance(failure, FileTimedOut):
            bad = _timed_out(p, self.file_timeout or 0, "its worker was stopped and replaced")
        elif isinstance(failure, (ProcessExpired, BrokenProcessPool)):
            bad = _failed(p, WorkerCrashed(f"the worker process died while parsing this file "
                                           f"(exit code {getattr(failure, 'exitcode', None)}); a new worker took "
                                           f"its place", path=p))
        elif isinstance(failure, MemoryError):   # raised outside the parse (the record itself too large)
            bad = _out_of_memory(p, self.memory_limit_mb)
        else:                                    # the record could not come back (e.g. not picklable)
            bad = _failed(p, failure)
        if at:
            yield from self.results(self.schedule(paths[:at]), inflight)
        yield _finished(bad, self.ids.get(p) if self.ids is not None else None, self.finish)
        if at + 1 < len(paths):
            yield from self.results(self.schedule(paths[at + 1:]), inflight)

    def close(self) -> None:
        self.pool.stop()
        try:
            self.pool.join(timeout=5)
        except (TimeoutError, FutureTimeout, RuntimeError):
            pass


def _iter_processes(paths: Iterable[str], jobs: int, narrative: str | None,
                    file_timeout: float | None, memory_limit_mb: int | None,
                    finish: Callable[[Record], Any] | None = None, ids: Mapping[str, str] | None = None) -> Iterator:
    if narrative == "rules":
        from .narrative.nlp import prepare
        prepare()                # the lexicon cache, built here once rather than by every worker
    with _fast_ticks():
        yield from _run_pool(_Pool(jobs, narrative, file_timeout, memory_limit_mb, finish, ids), paths)


def _run_pool(pool: _Pool, paths: Iterator[str]) -> Iterator:
    from pebble import ProcessExpired

    try:
        try:
            pool.pool.schedule(_ping).result(timeout=WORKER_START_TIMEOUT_S)
        except (ProcessExpired, FutureTimeout, OSError) as e:
            raise WorkersUnavailable(f"worker processes could not be started ({type(e).__name__}); "
                                     f"run with jobs=1 to see why") from None
        inflight: deque[tuple[list[str], int, Future]] = deque()
        chunks = _chunks(paths, pool.chunk_size)
        while True:
            while len(inflight) < pool.window:
                c = next(chunks, None)
                if c is None:
                    break
                inflight.append(pool.schedule(c))
            if not inflight:
                return
            head = inflight.popleft()
            yield from pool.results(head, inflight)
    finally:
        pool.close()


class _Deadline(BaseException):
    """Raised by the alarm in ``_with_alarm``; a BaseException so no ``except Exception`` swallows it."""


def _parse_in_process(p: str, narrative, file_timeout: float | None) -> Record:
    """``safe_parse_file`` in this process, under the per-file time limit (``_with_alarm``).

    Ctrl-C arms the alarm as well, so a parse stuck in clean-up code that spins on broken input
    still stops at the first Ctrl-C.
    """
    parse = partial(safe_parse_file, narrative=narrative)
    interrupted = False

    def ctrl_c(signum, frame):
        nonlocal interrupted
        interrupted = True
        signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
        raise KeyboardInterrupt

    previous_int = None
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous_int = signal.signal(signal.SIGINT, ctrl_c)
    try:
        return _with_alarm(parse, p, file_timeout)
    except _Deadline:
        if interrupted:
            raise KeyboardInterrupt from None
        return _timed_out(p, file_timeout or 0, "the parse was interrupted")
    finally:
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


def _iter_threads(paths: Iterable, extractor: NarrativeExtractor | None, threads: int) -> Iterator[Record]:
    arg = extractor if extractor is not None else "none"
    window = threads * 2
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="xxgk") as pool:
        inflight: deque[Future] = deque()
        it = iter(paths)
        try:
            while True:
                while len(inflight) < window:
                    p = next(it, None)
                    if p is None:
                        break
                    inflight.append(pool.submit(safe_parse_file, p, narrative=arg))
                if not inflight:
                    return
                yield inflight.popleft().result()
        finally:
            for f in inflight:
                f.cancel()


def iter_batch(paths: Iterable[str | os.PathLike], *, jobs: int = 1,
               narrative: str | NarrativeExtractor | None = "rules", llm_concurrency: int = 4,
               llm: LLMConfig | None = None, ids: Mapping[str, str] | None = None,
               file_timeout: float | None = DEFAULT_FILE_TIMEOUT_S,
               memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB) -> Iterator[Record]:
    """One record per path, in input order, parsed in parallel, each with a batch-unique id.

    Ids are ``extract.pipeline.batch_ids(paths)`` unless ``ids`` (``{os.fspath(path): id}``)
    gives them. Other arguments as in ``_iter_batch``.
    """
    return iter_batch_map(None, paths, jobs=jobs, narrative=narrative, llm_concurrency=llm_concurrency,
                          llm=llm, ids=ids, file_timeout=file_timeout, memory_limit_mb=memory_limit_mb)


def iter_batch_map(fn: Callable[[Record], Any] | None, paths: Iterable[str | os.PathLike], *, jobs: int = 1,
                   narrative: str | NarrativeExtractor | None = "rules", llm_concurrency: int = 4,
                   llm: LLMConfig | None = None, ids: Mapping[str, str] | None = None,
                   file_timeout: float | None = DEFAULT_FILE_TIMEOUT_S,
                   memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB) -> Iterator:
    """``fn(record)`` of each record of ``iter_batch``, in input order, run where the record was parsed:
    in the worker processes with ``jobs`` > 1, so ``fn`` must be picklable (a module-level function,
    or a ``functools.partial`` of one) and what it returns too. The CLI passes
    ``OutputWriter.encoder()``: the workers encode the output, this process only writes it.
    ``fn=None``: the records themselves.
    """
    paths = [os.fspath(p) for p in paths]
    ids = ids if ids is not None else batch_ids(paths)
    return _iter_batch(paths, jobs=jobs, narrative=narrative, llm_concurrency=llm_concurrency,
                       llm=llm, file_timeout=file_timeout, memory_limit_mb=memory_limit_mb,
                       finish=fn, ids=ids)


def _iter_batch(paths: list[str], *, jobs: int = 1,
                narrative: str | NarrativeExtractor | None = "rules", llm_concurrency: int = 4,
                llm: LLMConfig | None = None, file_timeout: float | None = DEFAULT_FILE_TIMEOUT_S,
                memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
                finish: Callable[[Record], Any] | None = None,
                ids: Mapping[str, str] | None = None) -> Iterator:
    """One record per path, in input order, parsed in parallel, each with its id from ``ids`` (a path
    not in it: the record's own), as ``finish(record)`` (made where it was parsed) when given.

    ``narrative`` is ``"rules"``, ``"llm"``, ``"none"`` or an extractor object, as
    ``extract.narrative.make_extractor`` takes it (``llm``: the configuration of ``"llm"``;
    default: from the environment). ``jobs`` worker
    processes serve the rules/none path (``jobs=1``: this process); with ``"llm"`` (or an
    extractor object) files are parsed by ``llm_concurrency`` threads in this process.
    Raises ``ConfigError`` before any file is read if the extractor cannot be built.

    ``file_timeout`` (seconds; ``None`` or 0: none) stops a file that takes longer: it becomes a
    ``failed`` record (``E310``) and the batch goes on. In worker processes the worker is stopped
    and replaced; with ``jobs=1`` an alarm signal interrupts the parse (only in the main thread,
    and only Python code: the thread pool of the llm path has no per-file limit).
    ``memory_limit_mb`` caps each worker process's memory beyond what it holds once loaded
    (``E311``); it does not apply with ``jobs=1`` or the llm path.
    """
    if jobs < 1:
        raise ConfigError(f"jobs must be at least 1 (got {jobs})")
    if file_timeout is not None and file_timeout < 0:
        raise ConfigError(f"file_timeout must be positive seconds or None (got {file_timeout})")
    file_timeout = file_timeout or None
    extractor = make_extractor(narrative, llm=llm)   # fail fast, in this process
    ids = ids if ids is not None else {}
    if narrative == "llm" or (extractor is not None and not isinstance(narrative, str)):
        records = _iter_threads(paths, extractor, max(1, llm_concurrency))
        try:
            for p, rec in zip(paths, records):
                yield _finished(rec, ids.get(p), finish)
        finally:
            records.close()
        return
    if jobs == 1:
        arg = extractor if extractor is not None else "none"
        for p in paths:
            yield _finished(_parse_in_process(p, arg, file_timeout), ids.get(p), finish)
        return
    yield from _iter_processes(iter(paths), jobs, None if narrative is None else str(narrative),
                               file_timeout, memory_limit_mb, finish, ids)


def add_to_summary(s: dict, r: EncodedRecord) -> None:
    """Count a record (as ``OutputWriter.encoder()`` gives it) into a batch's summary."""
    b = r.brief
    s["reports"] += 1
    s[b["status"]] = s.get(b["status"], 0) + 1
    for sev, n in b["severities"].items():
        s["findings"][sev] = s["findings"].get(sev, 0) + n
    u = b["llm_usage"] or {}
    if u.get("calls"):
        for k in ("calls", "prompt_tokens", "cached_prompt_tokens", "completion_tokens"):
            s["llm"][k] += u.get(k) or 0
        s["llm"]["cost_usd"] += u.get("cost_usd") or 0.0
    if u.get("cached"):
        s["llm"]["cached"] += 1


__all__ = ["expand_paths", "scan_paths", "Scan", "Skipped", "iter_batch", "iter_batch_map", "add_to_summary",
           "WorkerCrashed", "WorkersUnavailable", "DEFAULT_FILE_TIMEOUT_S", "start_workers_early",
           "DEFAULT_MEMORY_LIMIT_MB"]
