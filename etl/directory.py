"""The directory of enterprises that references resolve against (uid, subject id, name key, province,
region; one row per uid), and its lookups, built once per directory (:func:`lookups`).

A reference names its company by code, else by subject id, else by name (unique matches only); a
corporate shareholder also by name within the target's province (:mod:`etl.build`). On a bulk load
the directory is the extract's enterprises; on a refresh, the graph's plus the extract's; in the
enterprise partitions of a large bulk load (:mod:`etl.partitioned`) every partition resolves against
the one directory of the whole extract.
"""
from __future__ import annotations

import weakref

import pandas as pd

from creditgraph.etl.transform import FLAG_DELETE
from creditgraph.graph import normalize as nz
from creditgraph.graph.keyindex import KeyMap, unique_map

DIRECTORY_COLUMNS = ["uid", "subject_id", "name_key", "province", "region"]


def with_places(ents: pd.DataFrame) -> pd.DataFrame:
    """A copy of clean enterprise rows with ``name_key``, and ``province`` and ``city`` as the source gives
    them (``etl.transform`` keeps them), else from the region code."""
    df = ents.copy()
    df["name_key"] = nz.name_key(df["name"].astype("string"))
    for level, width in (("province", 2), ("city", 4)):
        given = df[level].astype("string") if level in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
        derived = df["region"].str.slice(0, width)
        if level == "city":  # a province-level code (xx0000) names no city
            derived = derived.where(df["region"].str.slice(2, 4) != "00")
        df[level] = given.fillna(derived)
    return df


def directory_rows(ents: pd.DataFrame) -> pd.DataFrame:
    """The directory rows (:data:`DIRECTORY_COLUMNS`) of clean enterprise rows: those not flagged delete."""
    live = ents[(ents["change_flag"] != FLAG_DELETE).fillna(True).to_numpy()]
    return with_places(live)[DIRECTORY_COLUMNS].astype("string")


class Lookups:
    """The lookups of a directory of enterprises (``uid``, ``subject_id``, ``name_key``, ``province``,
    ``region``; one row per uid), built once per directory frame (:func:`lookups`): the enterprise
    partitions of a bulk load (:mod:`etl.partitioned`) all resolve against one directory of the extract."""

    def __init__(self, directory: pd.DataFrame):
        uid = directory["uid"].astype("string")
        self.uids = KeyMap(uid, uid)
        self.province = KeyMap(self.uids.index, directory["province"])  # one index of the uids for all three
        self.region = KeyMap(self.uids.index, directory["region"])
        self.has_subject_ids = bool(directory["subject_id"].notna().any())
        self.by_subject_id = unique_map(directory["subject_id"].astype("string"), uid)
        self.by_name_key = unique_map(directory["name_key"].astype("string"), uid)
        both = directory["name_key"].notna() & directory["province"].notna()
        self.by_province_name = unique_map((directory["province"] + "|" + directory["name_key"]).astype("string")[both],
                                           uid[both])

    def resolve(self, df: pd.DataFrame, prefix: str) -> pd.Series:
        """Each row's enterprise uid: ``<prefix>_ref`` when it is a code or a known uid, else the enterprise of
        its subject id, else of its name (unique matches only); missing when none identifies one."""
        ref = df[f"{prefix}_ref"].astype("string")
        uid = ref.where(self.uids.has(ref) | ref.str.match(r"^[0-9A-Z]{18}$|^REG:").fillna(False))
        sid_col = f"{prefix}_subject_id"
        if sid_col in df.columns and self.has_subject_ids:
            todo = uid.isna().to_numpy()  # fall-backs only for rows the code did not identify
            if todo.any():
                uid[todo] = self.by_subject_id.get(df.loc[todo, sid_col])
        name_col = f"{prefix}_name"
        todo = uid.isna().to_numpy()
        if name_col in df.columns and todo.any():
            uid[todo] = self.by_name_key.get(nz.name_key(df.loc[todo, name_col].astype("string")))
        return uid


_LOOKUPS: dict[int, tuple[weakref.ref, Lookups]] = {}


def lookups(directory: pd.DataFrame) -> Lookups:
    """The :class:`Lookups` of ``directory``, made on first use and kept while the frame lives."""
    key = id(directory)
    hit = _LOOKUPS.get(key)
    if hit is not None and hit[0]() is directory:
        return hit[1]
    out = Lookups(directory)
    def forget(_ref: weakref.ref, k: int = key) -> None:
        _LOOKUPS.pop(k, None)

    _LOOKUPS[key] = (weakref.ref(directory, forget), out)
    return out
