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
removes. The copy is an in-kernel ``copy_file_range`` (:func:`copy_file`): on
a reflink file system (XFS reflink=1, btrfs) it shares the current file's
blocks, so a refresh costs the pages the engine writes, not the whole file;
docs/snapshots.md has the measurements and why the engine cannot be written
in place while other processes read it.
"""
from __future__ import annotations

import errno
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
_CHUNK = 1 << 30  # bytes per copy_file_range call (the kernel copies at most ~2 GiB per call)
# errors that mean "this kernel or file system pair cannot copy_file_range": copy by read/write instead
# (EPERM: some sandboxes' seccomp filters refuse system calls they do not know)
_NO_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM}


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


def _copy_range(src: int, dst: int, size: int) -> int:
    """Copy ``size`` bytes with ``os.copy_file_range``; returns the bytes copied (short at an early EOF)."""
    done = 0
    while done < size:
        n = os.copy_file_range(src, dst, min(_CHUNK, size - done), done, done)
        if n == 0:
            break
        done += n
    return done


def copy_file(src: Path, dst: Path) -> int:
    """Copy ``src`` to ``dst`` (data, then mode and times, as ``shutil.copy2``); returns the bytes copied.

    The data goes through ``os.copy_file_range``: an in-kernel copy, which XFS (reflink=1) and btrfs turn
    into shared extents, so the copy costs metadata, not the file's size (see docs/snapshots.md). Where the
    call is missing or refused (EXDEV, ENOSYS, EINVAL, ...), it copies by read/write instead.
    """
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        size = os.fstat(fi.fileno()).st_size
        done = 0
        if hasattr(os, "copy_file_range"):
            try:
                done = _copy_range(fi.fileno(), fo.fileno(), size)
            except OSError as exc:
                if exc.errno not in _NO_RANGE:
                    raise
                fo.truncate(0)
                done = 0
        fi.seek(done)
        fo.seek(done)
        shutil.copyfileobj(fi, fo, 8 << 20)  # the fallback, or the tail of a file that grew meanwhile
        total = fo.tell()
    shutil.copystat(src, dst)
    return total


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """fsync each file of a snapshot folder, then the folder itself."""
    for f in Path(folder).iterdir():
        if f.is_file():
            _fsync_path(f)
    _fsync_path(folder)


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
                copy_file(f, tmp / f.name)
    return name, tmp


def commit(root: Path, name: str, tmp: Path) -> Path:
    """Move a finished working copy into place and publish it.

    CURRENT may name the new snapshot only once its data and its folder's name are on disk: otherwise a
    power cut could leave CURRENT naming a folder that is missing or holds a half-written file. The engine's
    closing checkpoint fsyncs the database file it wrote, so the fsyncs here are cheap then; they matter for
    files the engine did not sync (a copy it never wrote to, or a write with no checkpoint).
    """
    root = Path(root)
    final = root / name
    _fsync_tree(tmp)
    os.replace(tmp, final)
    _fsync_path(root)  # the rename is durable before CURRENT names it
    publish(root, name)
    prune(root)
    return final
