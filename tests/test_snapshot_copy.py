"""The snapshot copy (copy_file_range with a read/write fallback) and the fsyncs before publishing."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.graph import snapshots
from creditgraph.graph.embedded import EmbeddedStore, new_snapshot

SIZES = [0, 1, 4095, 4096, 5_000_003]


def _file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    os.chmod(path, 0o640)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return path


def _same(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("size", SIZES)
def test_copy_is_byte_identical_with_mode_and_times(tmp_path, monkeypatch, size):
    monkeypatch.setattr(snapshots, "_CHUNK", 1 << 20)  # several copy_file_range calls for the 5 MB file
    src = _file(tmp_path / "a", size)
    assert snapshots.copy_file(src, tmp_path / "b") == size
    assert _same(src, tmp_path / "b")
    st = (tmp_path / "b").stat()
    assert st.st_mode & 0o777 == 0o640 and st.st_mtime == 1_700_000_000


@pytest.mark.parametrize("code", [errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP])
def test_refused_copy_file_range_falls_back_to_read_write(tmp_path, monkeypatch, code):
    def refuse(*args):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "copy_file_range", refuse)
    src = _file(tmp_path / "a", 5_000_003)
    assert snapshots.copy_file(src, tmp_path / "b") == 5_000_003
    assert _same(src, tmp_path / "b")


def test_refusal_midway_starts_again_from_the_start(tmp_path, monkeypatch):
    real, calls = os.copy_file_range, []

    def once_then_refuse(src, dst, count, off_src, off_dst):
        calls.append(off_src)
        if len(calls) > 1:
            raise OSError(errno.EXDEV, "cross-device")
        os.pwrite(dst, b"\xff" * 10, 4_000_000)  # garbage past what it claims: must not survive
        return real(src, dst, count, off_src, off_dst)

    monkeypatch.setattr(snapshots, "_CHUNK", 1 << 20)
    monkeypatch.setattr(os, "copy_file_range", once_then_refuse)
    src = _file(tmp_path / "a", 5_000_003)
    snapshots.copy_file(src, tmp_path / "b")
    assert len(calls) == 2 and _same(src, tmp_path / "b")


def test_short_copy_is_completed(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "copy_file_range", lambda *a: 0)  # e.g. a file system that reports EOF
    src = _file(tmp_path / "a", 5_000_003)
    snapshots.copy_file(src, tmp_path / "b")
    assert _same(src, tmp_path / "b")


def test_without_copy_file_range(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "copy_file_range")
    src = _file(tmp_path / "a", 70_000)
    snapshots.copy_file(src, tmp_path / "b")
    assert _same(src, tmp_path / "b")


def test_other_errors_are_raised(tmp_path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full)
    src = _file(tmp_path / "a", 10_000)
    with pytest.raises(OSError) as exc:
        snapshots.copy_file(src, tmp_path / "b")
    assert exc.value.errno == errno.ENOSPC


def _region(uid: str, name: str) -> pd.DataFrame:
    return pd.DataFrame({"uid": [uid], "name": [name]})


def _root_with_snapshot(root: Path) -> Path:
    """A store root whose published snapshot holds one Region; returns its database file."""
    with new_snapshot(root, copy_current=False) as store:
        store.upsert_nodes("Region", _region("330211", "镇海区"))
    return snapshots.current_path(root) / snapshots.DB_FILE


@pytest.mark.parametrize("refuse", [False, True])
def test_a_new_snapshot_starts_from_a_copy_and_leaves_the_published_one_alone(tmp_path, monkeypatch, refuse):
    root = tmp_path / "graph"
    published = _root_with_snapshot(root)
    before = published.read_bytes()
    if refuse:
        def cross_device(*args):
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", cross_device)
    name, tmp = snapshots.prepare(root)
    assert tmp.name == f"{name}.tmp" and snapshots.current_name(root) == published.parent.name
    assert (tmp / snapshots.DB_FILE).read_bytes() == before
    store = EmbeddedStore(root, snapshot=tmp)
    store.upsert_nodes("Region", _region("330212", "鄞州区"))
    store.close()
    assert published.read_bytes() == before  # the copy shares nothing the writer changes
    assert snapshots.commit(root, name, tmp) == root / name and snapshots.current_name(root) == name
    with EmbeddedStore(root, read_only=True) as g:
        assert g.counts()["Region"] == 2
    with EmbeddedStore(root, read_only=True, snapshot=published.parent) as g:
        assert g.counts()["Region"] == 1


def test_commit_syncs_the_snapshot_and_its_name_before_publishing(tmp_path, monkeypatch):
    root = tmp_path / "graph"
    _root_with_snapshot(root)
    name, tmp = snapshots.prepare(root)
    events: list[str] = []
    real_sync, real_publish = snapshots._fsync_path, snapshots.publish
    monkeypatch.setattr(snapshots, "_fsync_path", lambda p: (events.append(f"fsync {Path(p).name}"), real_sync(p)))
    monkeypatch.setattr(snapshots, "publish", lambda r, n: (events.append("publish"), real_publish(r, n)))
    snapshots.commit(root, name, tmp)
    assert events[:4] == [f"fsync {snapshots.DB_FILE}", f"fsync {name}.tmp", "fsync graph", "publish"]
    assert snapshots.current_name(root) == name
