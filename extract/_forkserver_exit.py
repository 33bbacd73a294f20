"""Imported by the workers' forkserver alone, first of ``extract.workers.WORKER_MODULES``: once its exit
handlers have run, the forkserver ends by ``os._exit`` instead of tearing its interpreter down (freeing
every module and object it imported: ~30 ms, which the process that started it waits for at its own
exit, ``extract.workers.stop_forkserver``). Its only exit is its users' going away; the workers it forks
inherit the handler but never run exit handlers (a multiprocessing child ends by ``os._exit``)."""

from __future__ import annotations

import atexit
import os
import sys


def _exit_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


# registered first, so it runs last: every other exit handler of the forkserver runs before it
atexit.register(_exit_now)
