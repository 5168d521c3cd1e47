"""Versioned snapshots of the embedded store, switched atomically.

Layout under the store root (default ``./data/graph``)::

    CURRENT          the name of the published snapshot, e.g. "v000003"
    v000003/         one LadybugDB database (graph.lbdb) per snapshot
    v000004.tmp/     a snapshot being written; never read
    refresh.lock     held by the process that writes a new snapshot

A writer copies the current snapshot (or starts empty), changes the copy and
then publishes it by atomically replacing ``CURRENT``. Readers open whatever
``CURRENT`` names, so they see the old graph or the new one, never a mix; a
writer killed midway leaves only a ``.tmp`` folder, which the next writer
removes.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

DB_FILE = "graph.lbdb"
CURRENT = "CURRENT"
LOCK = "refresh.lock"
KEEP = 3  # published snapshots kept (readers may still hold older ones open)
_NAME = re.compile(r"^v(\d{6})$")


class NoGraph(FileNotFoundError):
    """No published snapshot exists under the root yet."""


class Locked(RuntimeError):
    """Another process is writing a snapshot."""


def current_name(root: Path) -> str | None:
    p = Path(root) / CURRENT
    try:
        name = p.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_path(root: Path) -> Path:
    name = current_name(root)
    if name is None:
        raise NoGraph(f"no graph at {root}: run `creditgraph load` or `creditgraph demo` first")
    return Path(root) / name


def _published(root: Path) -> list[str]:
    return sorted(p.name for p in Path(root).iterdir() if p.is_dir() and _NAME.match(p.name))


def next_name(root: Path) -> str:
    names = _published(root)
    cur = current_name(root)
    nums = [int(m.group(1)) for m in map(_NAME.match, names) if m] + ([int(cur[1:])] if cur else [])
    return f"v{(max(nums) + 1) if nums else 1:06d}"


def publish(root: Path, name: str) -> None:
    """Point CURRENT at ``name`` atomically and fsync it."""
    root = Path(root)
    tmp = root / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    dfd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def prune(root: Path, keep: int = KEEP) -> list[str]:
    """Remove stale ``.tmp`` folders and all but the newest ``keep`` snapshots."""
    root = Path(root)
    cur = current_name(root)
    removed = []
    for p in root.glob("v*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    names = [n for n in _published(root) if n != cur]
    for n in names[: max(0, len(names) - (keep - 1))]:
        shutil.rmtree(root / n, ignore_errors=True)
        removed.append(n)
    return removed


@contextmanager
def writer_lock(root: Path):
    """An exclusive, non-blocking lock; raises :class:`Locked` when taken."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            raise Locked(f"another refresh is running on {root} ({holder or 'pid unknown'}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        yield


def prepare(root: Path, copy_current: bool = True) -> tuple[str, Path]:
    """Make a working copy for a new snapshot; returns (name, tmp folder)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    prune(root)
    name = next_name(root)
    tmp = root / f"{name}.tmp"
    tmp.mkdir()
    cur = current_name(root)
    if copy_current and cur:
        for f in (root / cur).iterdir():
            if f.is_file():
                shutil.copy2(f, tmp / f.name)
    return name, tmp


def commit(root: Path, name: str, tmp: Path) -> Path:
    """Move a finished working copy into place and publish it."""
    final = Path(root) / name
    os.replace(tmp, final)
    publish(root, name)
    prune(root)
    return final
