"""Public credit grades kept with the graph version they were computed on.

One Parquet file per graph version in :func:`grades_dir` (beside the runs folder: ``<graph>/grades``
for the embedded store, ``data/grades`` or beside ``CREDITGRAPH_RUNS`` for Neo4j), written atomically
(a temporary file renamed over the old one). The day graded and the rules file travel in the file's
metadata and come back in the frame's ``attrs``. The command line computes and saves a version's grades
after each load or refresh that publishes one (``creditgraph grade run`` does it on demand).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.graph.config import Settings

META_KEY = b"creditgraph.grades"
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
CHANGE_COLUMNS = ["uid", "name", "grade_before", "score_before", "grade_after", "score_after", "change"]


def grades_dir(settings: Settings) -> Path:
    """Where grade files live: the runs folder's sibling ``grades``."""
    from creditgraph.etl.pipeline import runs_dir

    return runs_dir(settings).with_name("grades")


def grades_path(settings: Settings, version: str) -> Path:
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ValueError(f"graph version {str(version)[:40]!r} cannot name a grade file (letters, digits, . _ -)")
    return grades_dir(settings) / f"{version}.parquet"


def save_grades(settings: Settings, version: str, df: pd.DataFrame) -> Path:
    """Write ``df`` (:func:`queries.grade.grade_all`) as ``<version>.parquet``: to a temporary file in the
    same folder, then renamed over the old one, so that a reader sees the old file or the new one."""
    path = grades_path(settings, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    meta = {**(table.schema.metadata or {}),
            META_KEY: json.dumps({"version": version, **{k: str(v) for k, v in df.attrs.items()}},
                                 ensure_ascii=False).encode()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def saved_versions(settings: Settings) -> list[str]:
    """Versions with a grade file, oldest first (by the file's time)."""
    folder = grades_dir(settings)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.parquet"), key=lambda p: (p.stat().st_mtime, p.name))
    return [p.stem for p in files if not p.name.startswith(".")]


def current_version(settings: Settings) -> str:
    """The graph version the configured store reads now (:func:`app.stores.store_version`)."""
    from creditgraph.app.stores import store_version
    from creditgraph.graph.store import open_store

    with open_store(settings, read_only=True) as store:
        return store_version(store)


def _read(path: Path, uids: Iterable[str] | None) -> pd.DataFrame:
    filters = None
    if uids is not None:
        filters = [("uid", "in", [str(u) for u in uids])]
    table = pq.read_table(path, filters=filters)
    df = table.to_pandas()
    meta = (table.schema.metadata or {}).get(META_KEY)
    df.attrs = json.loads(meta) if meta else {"version": path.stem}
    return df


def read_grades(settings: Settings, version: str | None = None, uids: Iterable[str] | None = None) -> pd.DataFrame:
    """The grades of ``version`` (None: the version the current store reads), only ``uids`` when given.

    When the current version has no grade file yet, the newest file is read and ``attrs["note"]`` says
    so. ``attrs`` hold ``version``, ``as_of`` and ``rules``. Raises FileNotFoundError (saying what to
    run) when there is no file to read.
    """
    if version is not None:
        path = grades_path(settings, version)
        if not path.exists():
            raise FileNotFoundError(f"no grades for graph version {version} in {path.parent} "
                                    f"(run `creditgraph grade run` on that version)")
        return _read(path, uids)
    try:
        current = current_version(settings)
    except Exception:  # noqa: BLE001  (no graph to open: the newest grades are still worth showing)
        current = None
    if current is not None and grades_path(settings, current).exists():
        return _read(grades_path(settings, current), uids)
    versions = saved_versions(settings)
    if not versions:
        raise FileNotFoundError(f"no grades in {grades_dir(settings)}: run `creditgraph grade run`")
    df = _read(grades_path(settings, versions[-1]), uids)
    df.attrs["note"] = (f"graph version {current} has no grades yet; showing those of version {versions[-1]} "
                        f"(run `creditgraph grade run`)")
    return df


def grade_changes(settings: Settings, old_version: str, new_version: str) -> pd.DataFrame:
    """Enterprises whose grade or score differs between two versions' grades: ``uid, name, grade_before,
    score_before, grade_after, score_after, change`` (升级 up, 降级 down, 分数变化 score only, 新增 new,
    移除 gone), sorted by change then uid."""
    from creditgraph.queries.grade import load_rules

    before = read_grades(settings, old_version)[["uid", "name", "grade", "score"]]
    after = read_grades(settings, new_version)[["uid", "name", "grade", "score"]]
    m = before.merge(after, on="uid", how="outer", suffixes=("_before", "_after"), indicator=True)
    changed = (m["_merge"] != "both") | (m["grade_before"] != m["grade_after"]) | (m["score_before"] != m["score_after"])
    m = m[changed.to_numpy()]
    rank = {g: i for i, g in enumerate(load_rules().grade_names)}  # best first
    rb, ra = m["grade_before"].map(rank), m["grade_after"].map(rank)
    change = pd.Series("分数变化", index=m.index, dtype=object)
    change[(ra < rb).to_numpy()] = "升级"
    change[(ra > rb).to_numpy()] = "降级"
    change[((m["grade_before"] != m["grade_after"]) & (ra.isna() | rb.isna())).to_numpy()] = "等级变化"
    change[(m["_merge"] == "right_only").to_numpy()] = "新增"
    change[(m["_merge"] == "left_only").to_numpy()] = "移除"
    out = m.assign(name=m["name_after"].fillna(m["name_before"]), change=change)[CHANGE_COLUMNS]
    return out.sort_values(["change", "uid"]).reset_index(drop=True)


def compute_and_save(settings: Settings, store, rules=None, as_of=None) -> tuple[pd.DataFrame, Path]:
    """Grade every enterprise of ``store`` (:func:`queries.grade.grade_all`) and save the grades under the
    store's version; returns the grades and the file."""
    from creditgraph.app.stores import store_version
    from creditgraph.queries.grade import grade_all

    version = store_version(store)
    df = grade_all(store, rules, as_of=as_of)
    df.attrs["version"] = version
    return df, save_grades(settings, version, df)
