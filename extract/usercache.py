"""The user's cache folder, and the entries built into it once and then reused by every run.

``$XXGK_CACHE_DIR``, else ``$XDG_CACHE_HOME/xxgk-extract`` (``~/.cache/xxgk-extract``). It holds
the narrative's lexicon (``extract.narrative.nlp``), the empty database every batch's
``xxgk.duckdb`` starts as (``extract.store``) and, by default, the LLM answer cache. An entry's
name carries a digest of what it is made from, so a new version makes a new entry rather than
reading a stale one; deleting the folder only costs the next run the time to rebuild.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


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
    return final
