"""Helpers shared by the analyses: running named queries, looking nodes up, date windows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.graph.model import MODEL
from creditgraph.queries.result import ACTIVE, EvidenceBuilder

# Relationships between parties (what paths and neighbourhoods follow by default).
PARTY_RELS = ("LEGAL_REP", "HOLDS_SHARES", "PENALIZED", "HAS_ADDRESS", "HAS_PHONE", "HAS_EMAIL", "POSSIBLY_SAME_AS")
# Registration statuses meaning the enterprise is gone (deregistered / revoked).
DISSOLVED_STATUSES = ("注销", "吊销", "已注销", "已吊销", "吊销未注销", "吊销，未注销", "吊销,未注销")
UNREACHABLE_REASON = "无法联系"
LOOKUP_BATCH = 50_000  # keys per keyed read: LadybugDB costs about the same for 5K and 50K keys (~0.45 s at 1M)
# anchor nodes per part of a scan read in parts (:func:`fetch_parts`): LadybugDB materialises a query's whole
# result in its buffer pool (~270 bytes a row of two uids), so a part holds the edges of a million people at most
PART_ANCHORS = 1_000_000
_EPOCH = np.datetime64("1970-01-01", "D")


# Attribution of a penalty to the people behind a company (queries.repeat):
# "decision": the roles valid on the penalty's decision date (default);
# "current": the roles valid on ``as_of``, whenever the penalty was decided.
ATTRIBUTIONS = ("decision", "current")


def as_of_date(as_of: Any = None) -> dt.date:
    """The day an analysis looks at the graph: ``as_of`` (a date, datetime, Timestamp or ISO
    text) or today. Relationships with a validity (roles, holdings: ``GraphModel.dated_rels``)
    count only when valid on that day, and penalties decided after it do not count.

    >>> as_of_date("2021-06-01"), as_of_date(dt.datetime(2021, 6, 1, 8, 30))
    (datetime.date(2021, 6, 1), datetime.date(2021, 6, 1))
    """
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        ts = pd.Timestamp(str(as_of).strip())
        day = None if pd.isna(ts) else ts.date()
    except (ValueError, TypeError, NotImplementedError):  # NotImplementedError: a year outside 1..9999 ("-0")
        day = None
    if day is None:
        raise ValueError(f"as_of must be a date such as 2021-06-01, not {preview(as_of)}")
    return day


def check_attribution(attribution: str) -> str:
    if attribution not in ATTRIBUTIONS:
        raise ValueError(f"attribution must be one of {ATTRIBUTIONS}, not {preview(attribution)}")
    return attribution


def valid_on(valid_from, valid_to, day) -> np.ndarray:
    """Mask of intervals [valid_from, valid_to) holding ``day`` (one day, or one per row);
    a missing bound is open.

    >>> valid_on(["2018-01-01", "2022-03-01", None], ["2022-03-01", None, "2020-01-01"], "2021-06-01").tolist()
    [True, False, False]
    """
    f, t = days(valid_from), days(valid_to)
    d = days(day) if not isinstance(day, (str, dt.date)) else np.full(len(f), days([day])[0])
    missing = np.iinfo(np.int64).min
    return ((f == missing) | (f <= d)) & ((t == missing) | (t > d))


def fetch(store, name: str, params: dict | None = None, arrow: bool = False) -> pd.DataFrame:
    """Run a named query (:meth:`GraphStore.query`). ``arrow``: a whole-graph scan of flat
    columns, which the embedded store reads through Arrow (3× faster; dates as datetime64)."""
    return store.query(name, params, scan=arrow)


def fetch_parts(store, name: str, params: dict, anchors: int) -> Iterator[pd.DataFrame]:
    """A whole-graph named query read in parts: ``name`` declares ``part`` and ``parts`` (INT64) and returns
    part ``$part`` of ``$parts`` of its rows (LadybugDB: by the anchor node's offset; Neo4j, which streams its
    results, returns them all as part 0). One part per :data:`PART_ANCHORS` of the ``anchors`` nodes it
    splits by: the engine holds one part's result at a time, and the caller reduces each part before the
    next is read. Every row comes back once, in some order."""
    parts = max(1, -(-int(anchors) // PART_ANCHORS))
    for part in range(parts):
        yield fetch(store, name, {**params, "part": part, "parts": parts}, arrow=True)


def people_count(store) -> int:
    """How many Person nodes the graph holds."""
    return int(fetch(store, "count_people")["n"].iloc[0])


def is_missing(v: Any) -> bool:
    """None, NaN, NaT or NA (pandas' test, for any scalar; a list or text is not missing).

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing("x"), is_missing([1])
    (True, True, True, False, False)
    """
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _missing(v) -> bool:
    return v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, with missing values (NaN, NaT, NA) as None."""
    if not len(df):
        return []
    cols = list(df.columns)
    return [{c: (None if _missing(v) else v) for c, v in zip(cols, row)}
            for row in zip(*(df[c].tolist() for c in cols))]


def check_rel_types(rel_types: Iterable[str] | None, default: Sequence[str] = PARTY_RELS) -> list[str]:
    types = list(default if rel_types is None else rel_types)
    unknown = [t for t in types if t not in MODEL.rels]
    if unknown:
        raise ValueError(f"unknown relationship type(s) {preview(unknown)}; the model has {sorted(MODEL.rels)}")
    if not types:
        raise ValueError("rel_types is empty: name at least one relationship type")
    return types


def label_of(store, uid: str) -> str | None:
    """The label of the node keyed ``uid`` (Enterprise first when a uid is ambiguous), or None."""
    df = fetch(store, "node_label", {"uid": uid})
    if df.empty:
        return None
    found = set(df["label"])
    return next(label for label in MODEL.nodes if label in found)


def require_label(store, uid: str, allowed: Sequence[str] | None = None) -> str:
    label = label_of(store, uid)
    if label is None:
        raise KeyError(f"no node with uid {uid!r} in the graph; search for the party first (e.g. by name or USCC)")
    if allowed is not None and label not in allowed:
        raise ValueError(f"{uid!r} is a {label}; this analysis takes {' or '.join(allowed)}")
    return label


def lookup(store, label: str, uids: Iterable[str]) -> pd.DataFrame:
    """Key properties of nodes of one label (``lookup_<label>`` queries), batched; one row per uid found."""
    keys = [u for u in dict.fromkeys(uids) if isinstance(u, str)]
    name = f"lookup_{label.lower()}"
    frames = [fetch(store, name, {"uids": keys[i:i + LOOKUP_BATCH]}, arrow=True)
              for i in range(0, len(keys), LOOKUP_BATCH)]
    if not frames:
        frames = [fetch(store, name, {"uids": []}, arrow=True)]
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates("uid")


def lookup_props(store, by_label: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, dict]]:
    """``{uid: (label, props)}`` for nodes given per label."""
    out: dict[str, tuple[str, dict]] = {}
    for label, uids in by_label.items():
        uids = list(dict.fromkeys(uids))
        if not uids:
            continue
        df = lookup(store, label, uids)
        for rec in df.to_dict("records"):
            uid = rec.pop("uid")
            out[uid] = (label, rec)
    return out


def add_nodes(b: EvidenceBuilder, props: dict[str, tuple[str, dict]], uids: Iterable[str]) -> None:
    for uid in uids:
        if uid in props:
            label, p = props[uid]
            b.node(uid, label, **p)


def is_active(status) -> bool:
    return status is None or (isinstance(status, float) and np.isnan(status)) or status == ACTIVE


def days(values) -> np.ndarray:
    """Dates (datetime64 / Timestamp / date / ISO strings) as int64 days since 1970; missing → INT64 min."""
    s = pd.to_datetime(pd.Series(values), errors="coerce")
    d = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = (d - _EPOCH).astype(np.int64)
    out[pd.isna(s).to_numpy()] = np.iinfo(np.int64).min
    return out


def in_dense_window(group: np.ndarray, day: np.ndarray, window: int, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Members of some window of ``window`` days holding at least ``min_count`` items of their group.

    ``group`` (int codes) and ``day`` (int days) must be sorted by (group, day).
    Returns ``(member, best)``: a bool mask of items that lie in a qualifying
    window (max − min ≤ window), and per item the largest count of its group's
    items in a window starting at that item.

    >>> m, best = in_dense_window(np.array([0, 0, 0, 0, 1, 1]), np.array([0, 10, 20, 400, 0, 5]), 30, 3)
    >>> m.tolist(), best.tolist()
    ([True, True, True, False, False, False], [3, 2, 1, 1, 2, 1])
    """
    n = len(day)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, np.int64)
    span = int(day.max() - day.min()) + window + 1
    key = group.astype(np.int64) * span + (day - day.min())
    end = np.searchsorted(key, key + window, side="right")
    best = end - np.arange(n)
    starts = np.flatnonzero(best >= min_count)
    diff = np.zeros(n + 1, np.int64)
    np.add.at(diff, starts, 1)
    np.add.at(diff, end[starts], -1)
    return np.cumsum(diff[:-1]) > 0, best


def region_parts(region, province=None, city=None) -> tuple[str | None, str | None, str | None]:
    """(county, city, province) codes of an enterprise, filled from the 6-digit region code when missing."""
    def clean(v):
        return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v == "" else str(v)

    region, province, city = clean(region), clean(province), clean(city)
    if region and len(region) >= 6:
        county = region[:6]
        city = city or region[:4]
        province = province or region[:2]
    else:
        county = None
    if province and len(province) > 2:
        province = province[:2]
    if city and len(city) > 4:
        city = city[:4]
    return county, city, province


def region_names(store) -> dict[str, str]:
    """``{code: name}`` for every Region node (6-digit codes, plus 2- and 4-digit prefixes of levels)."""
    df = fetch(store, "regions")
    out: dict[str, str] = {}
    for uid, name, _level in zip(df["uid"], df["name"], df["level"]):
        if not isinstance(uid, str):
            continue
        out[uid] = name
        if uid.endswith("0000"):
            out.setdefault(uid[:2], name)
        elif uid.endswith("00"):
            out.setdefault(uid[:4], name)
    return out


def strs(values) -> list[str]:
    return [v for v in values if isinstance(v, str)]
