"""The user's cache folder, and the entries built into it once and then reused by every run.

``$XXGK_CACHE_DIR``, else ``$XDG_CACHE_HOME/xxgk-extract`` (``~/.cache/xxgk-extract``). It holds
the narrative's lexicon (``extract.narrative.nlp``), the empty database every batch's
``xxgk.duckdb`` starts as (``extract.store``) and, by default, the LLM answer cache. An entry's
name carries a digest of what it is made from, so a new version makes a new entry rather than
reading a stale one; deleting the folder only costs the next run the time to rebuild. An entry
is touched when it is used; when one is built, the entries of its kind (its name up to the last
``-``) that no run has used for ``KEEP_DAYS`` days are removed, and so are the temporary folders
of builds that were killed, so upgrades do not pile up lexicons of ~14 MB each.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path


KEEP_DAYS = 30


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XXGK_CACHE_DIR``, else ``$XDG_CACHE_HOME/xxgk-extract`` (``~/.cache/xxgk-extract``)."""
    env = os.environ if env is None else env
    own = env.get("XXGK_CACHE_DIR")
    if own:
        return Path(own).expanduser()
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xxgk-extract"


def cached(name: str, build: Callable[[Path], None]) -> Path | None:
    """The entry ``name`` of the cache folder (a file or a folder), made by ``build(path)`` first if
    it is not there; ``None`` when the cache folder cannot be written.

    Processes may race: each builds under a temporary folder of its own and renames the result
    into place, and the first rename wins, so an entry is never seen half-built.
    """
    root = cache_dir()
    final = root / name
    if final.exists():
        _touch(final)
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    except OSError:
        return None
    try:
        build(tmp / name)
        try:
            os.rename(tmp / name, final)
        except OSError:
            if not final.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, name)
    return final


def _touch(entry: Path) -> None:
    try:
        os.utime(entry)
    except OSError:             # a cache shared read-only: its entries are simply not pruned
        pass


def _prune(root: Path, name: str) -> None:
    """Remove the entries of ``name``'s kind unused for ``KEEP_DAYS`` days, and what killed builds
    left (temporary folders over a day old)."""
    kind = name.rsplit("-", 1)[0] + "-"
    now = time.time()
    for p in root.iterdir():
        if p.name == name or not (p.name.startswith(kind) or p.name.startswith("." + kind)):
            continue
        age = KEEP_DAYS * 86400 if not p.name.startswith(".") else 86400
        try:
            if now - p.stat().st_mtime > age:
                if p.is_dir():
                    shutil.rmtree(p)
                else:
                    p.unlink()
        except OSError:
            pass
