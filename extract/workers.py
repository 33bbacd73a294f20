"""Where a batch's worker processes come from, and the limits they run under.

Kept apart from ``extract.batch`` and importable without the parsing code, so that the CLI can
start the forkserver (``start_workers_early``) before it imports that code itself: the two
imports then run side by side on two cores instead of one after the other.
"""

from __future__ import annotations

import atexit
import os

DEFAULT_FILE_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048

WORKER_MODULES = ("extract._forkserver_exit", "extract.batch", "extract.narrative.rules",
                  "extract.narrative.channels", "extract.narrative.nlp", "marisa_trie", "ctypes", "pebble")
"""What a worker runs, imported once by the forkserver that forks the workers (and first, how the
forkserver ends: ``extract._forkserver_exit``)."""


def context():
    """Where worker processes come from: a forkserver, a process that imports ``WORKER_MODULES`` once
    and forks each worker from itself, so a worker is up in milliseconds instead of importing the
    package again (a third of a second of CPU each); spawn where there is no forkserver (Windows).
    A worker gets its settings from the pool (``extract.batch._init_worker``), not from the
    forkserver, which started earlier and lives as long as this process."""
    from multiprocessing import get_all_start_methods, get_context
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))   # before the forkserver starts, else no effect
    if not _STOP_AT_EXIT:
        _STOP_AT_EXIT.append(atexit.register(stop_forkserver))
    _start_forkserver()
    return ctx


_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The folder this process imported the ``extract`` package from."""


def _start_forkserver() -> None:
    """Start the forkserver (if it is not running) so that it imports this process's ``extract``.

    The forkserver is a new interpreter run with ``-c``, so the current folder comes first on its
    path, and Python 3.11's forkserver never takes the starting process's ``sys.path`` (its ``main``
    ignores the one it is given): run from a folder holding another ``extract`` package, the
    workers would parse with that one. So it starts with ``PYTHONSAFEPATH`` (no current folder)
    and, unless it is an installed package's, the folder of this process's package first on
    ``PYTHONPATH``. The workers take this process's own environment back (``batch._init_worker``),
    so nothing else sees the change."""
    import site
    from multiprocessing import forkserver
    keys = ("PYTHONSAFEPATH", "PYTHONPATH")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["PYTHONSAFEPATH"] = "1"
    # an installed package's folder (site-packages) is on the new interpreter's path already, and put
    # first it would come before the standard library
    if _PACKAGE_ROOT not in {*site.getsitepackages(), site.getusersitepackages()}:
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, saved["PYTHONPATH"]) if p)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_STOP_AT_EXIT: list = []


def stop_forkserver() -> None:
    """At exit, stop the forkserver and wait for it (it would stop by itself a moment later), so that
    no process outlives this one and its CPU time is counted as this process's children's."""
    from multiprocessing import forkserver
    try:
        forkserver._forkserver._stop()              # multiprocessing's own (its tests use it): tried
    except (AttributeError, OSError, ChildProcessError):
        pass


def start_workers_early(jobs: int, narrative: str | None) -> None:
    """Start now, in the background, what ``iter_batch(jobs=jobs, narrative=narrative)`` will fork its
    workers from (the forkserver, see ``context``), if it uses worker processes: it imports the
    parsing code while this process does its own start-up (the CLI: importing, scanning folders,
    opening its outputs), and the batch's workers are then up at once."""
    if jobs > 1 and narrative in ("rules", "none", None):
        context()   # which starts the forkserver
