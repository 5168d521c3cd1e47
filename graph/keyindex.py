"""An exact index of unique strings by 64-bit hashes, for lookups over millions of keys without a Python
object per key (used by the identity resolution of :mod:`queries.identity` and by the ETL's directory of
enterprises, :mod:`etl.build`)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HASH_CHUNK = 1 << 20  # strings hashed at a time


def _hash(values: pa.Array) -> np.ndarray:
    """64-bit hashes of strings, in chunks (the Python strings made for hashing stay one chunk at a time)."""
    out = np.empty(len(values), np.uint64)
    for i in range(0, len(values), HASH_CHUNK):
        part = values.slice(i, HASH_CHUNK).to_numpy(zero_copy_only=False)
        out[i:i + len(part)] = pd.util.hash_array(part.astype(object), categorize=False)
    return out


def _strings(values) -> pa.Array:
    """Any column of texts (list, array, Series, Arrow) as one Arrow large-string array (missing: null)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        if isinstance(values, pd.Series) and not isinstance(values.dtype, pd.StringDtype):
            values = values.to_numpy(dtype=object)
        elif not isinstance(values, (pd.Series, np.ndarray)):
            values = np.asarray(list(values), dtype=object)
        values = pa.array(values, type=pa.large_string(), from_pandas=True)
    return values.cast(pa.large_string()) if values.type != pa.large_string() else values


class KeyIndex:
    """Positions of unique strings, found by a sorted array of their 64-bit hashes: 8 bytes per key
    beside the Arrow strings, instead of a dict of Python strings (~150 bytes per key). Exact: a hit is
    checked against the key itself, and keys whose hashes collide are kept in a small dict.

    >>> ix = KeyIndex(pa.array(["b", "a", "c"]))
    >>> ix.find(["a", "x", None, "c"]).tolist()
    [1, -1, -1, 2]
    """

    def __init__(self, keys):
        self.keys = _strings(keys)
        h = _hash(self.keys)
        self._order = np.argsort(h, kind="stable")
        self._h = h[self._order]
        dup = np.flatnonzero(self._h[1:] == self._h[:-1])
        rows = np.unique(np.r_[dup, dup + 1])
        self._collide = {self.keys[int(i)].as_py(): int(i) for i in self._order[rows]}
        self._collide_h = np.unique(self._h[rows])

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, values) -> np.ndarray:
        """The position of each value among the keys; -1 where absent (or missing)."""
        vals = _strings(values)
        pos = np.full(len(vals), -1, np.int64)
        if not len(vals) or not len(self.keys):
            return pos
        hv = _hash(vals)
        i = np.minimum(np.searchsorted(self._h, hv), len(self._h) - 1)
        cand = np.where(self._h[i] == hv, self._order[i], -1)
        same = pc.equal(vals, self.keys.take(pa.array(np.maximum(cand, 0))))
        ok = (cand >= 0) & pc.fill_null(same, False).to_numpy(zero_copy_only=False)
        pos[ok] = cand[ok]
        if self._collide:
            for j in np.flatnonzero(np.isin(hv, self._collide_h) & ~ok):
                pos[j] = self._collide.get(vals[int(j)].as_py(), -1)
        return pos


class KeyMap:
    """A lookup from unique string keys to string values over a :class:`KeyIndex`, built once and asked
    many times (``graph.store.lookup`` builds its hash table on every call).

    >>> KeyMap(pd.Series(["a", "b"]), pd.Series(["A", "B"])).get(pd.Series(["b", "x", None])).tolist()
    ['B', <NA>, <NA>]
    """

    def __init__(self, keys: pd.Series | KeyIndex, values: pd.Series):
        self.index = keys if isinstance(keys, KeyIndex) else KeyIndex(keys)  # an index may serve several maps
        self.values = pa.array(values.astype("string"), type=pa.large_string(), from_pandas=True)

    def get(self, values: pd.Series) -> pd.Series:
        pos = self.index.find(values)
        hit = pos >= 0
        out = self.values.take(pa.array(np.where(hit, pos, 0), mask=~hit))
        return pd.Series(out.cast(pa.string()), index=values.index, dtype="string")

    def has(self, values: pd.Series) -> np.ndarray:
        return self.index.find(values) >= 0


def unique_map(keys: pd.Series, values: pd.Series) -> KeyMap:
    """A :class:`KeyMap` of the keys that occur once (missing and repeated keys map to nothing)."""
    ok = keys.notna().to_numpy()
    k, v = keys[ok], values[ok]
    once = ~k.duplicated(keep=False).to_numpy()
    return KeyMap(k[once], v[once])
