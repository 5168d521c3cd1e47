"""Find parties by what an investigator types: a company name, a code, a person's name.

``search(store, text)`` decides what the text is:

* an 18-character unified social credit code (USCC) or a 15-digit registration
  number: an exact match on ``Enterprise.uscc`` / ``reg_no`` / ``uid``
  (upper-cased first; full-width characters and spaces are tolerated);
* anything else: enterprises whose ``name_key`` contains the query's name key
  (:func:`graph.normalize.name_key`: half-width, brackets and punctuation
  dropped, ``有限责任公司`` read as ``有限公司``), and people whose name equals
  or starts with the normalised text.

User input reaches Cypher only as parameters, cleaned first
(:func:`graph.inputs.clean_text`: over-long or invalid text is refused with
an ``InputError``, a ``ValueError``). Each result row carries a risk
marker: the number of *active* penalty events of that party.

Example
-------
>>> query_kind("９１３３０５０３７３５２４２７２１ｄ"), query_kind("某某（杭州）科技"), query_kind("")
('code', 'name', 'empty')
>>> normalize_code(" 9133 0503 7352 4272 1d ")
'91330503735242721D'
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import weakref
from typing import Iterable

import pandas as pd

from creditgraph.graph.inputs import clean_text, preview
from creditgraph.graph.model import MODEL
from creditgraph.graph.store import GraphStore
from creditgraph.queries._base import as_of_date

__all__ = ["search", "fulltext_phrase", "lookup", "query_kind", "normalize_code", "name_query_key", "regions", "region_name", "COLUMNS"]

#: Columns of a search result, in order.
COLUMNS = ["kind", "kind_zh", "uid", "name", "uscc", "region", "region_name", "status", "detail", "active_penalties"]

_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_REGNO = re.compile(r"^\d{15}$")
_SPACE = re.compile(r"\s+")


def _normalize_text(text: str) -> str:
    from creditgraph.graph.normalize import normalize_text

    out = normalize_text(pd.Series([text], dtype="string")).iloc[0]
    return "" if pd.isna(out) else str(out)


def normalize_code(text: str) -> str:
    """Half-width, no spaces, upper-cased: how a pasted USCC is compared."""
    return _SPACE.sub("", _normalize_text(text)).upper()


def name_query_key(text: str) -> str:
    """The company-name key of the query (same rule as ``Enterprise.name_key``)."""
    from creditgraph.graph.normalize import name_key

    out = name_key(pd.Series([text], dtype="string")).iloc[0]
    return "" if pd.isna(out) else str(out)


def query_kind(text: str) -> str:
    """``code`` (USCC or registration number), ``name`` or ``empty``."""
    if not text or not text.strip():
        return "empty"
    code = normalize_code(text)
    if _USCC.match(code) or _REGNO.match(code):
        return "code"
    return "name"


def _empty() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["active_penalties"] = df["active_penalties"].astype("int64")
    return df


# --- region names ------------------------------------------------------------------

_REGIONS: "weakref.WeakKeyDictionary[GraphStore, pd.DataFrame]" = weakref.WeakKeyDictionary()


def regions(store: GraphStore) -> pd.DataFrame:
    """Every administrative division in the graph (``uid, name, level, province, city``), cached per store."""
    try:
        return _REGIONS[store]
    except (KeyError, TypeError):
        pass
    df = store.query("search_regions").astype("string")
    with contextlib.suppress(TypeError):
        _REGIONS[store] = df
    return df


def region_name(code: str | None, table: pd.DataFrame) -> str:
    """A readable name for a division code: province, city and county names joined.

    >>> t = pd.DataFrame({"uid": ["330000", "330200", "330211"], "name": ["浙江省", "宁波市", "镇海区"]})
    >>> region_name("330211", t), region_name("33", t), region_name(None, t)
    ('浙江省宁波市镇海区', '浙江省', '')
    """
    if code is None or (isinstance(code, float) and pd.isna(code)) or code is pd.NA:
        return ""
    code = str(code)
    if not code.isdigit():
        return code
    names = dict(zip(table["uid"], table["name"]))
    six = code[:6].ljust(6, "0")
    parts = []
    for cut in (six[:2] + "0000", six[:4] + "00", six):
        n = names.get(cut)
        if n and n not in parts and n not in ("市辖区", "县"):
            parts.append(n)
    return "".join(parts) if parts else code


def _add_region_names(df: pd.DataFrame, store: GraphStore, column: str = "region") -> pd.Series:
    if df.empty:
        return pd.Series([], dtype="object", index=df.index)
    table = regions(store)
    cache: dict = {}
    return df[column].map(lambda c: cache.setdefault(c, region_name(c, table)) if pd.notna(c) else "")


# --- search ---------------------------------------------------------------------------


def search(store: GraphStore, text: str, kinds: Iterable[str] = ("Enterprise", "Person"), limit: int = 50,
           as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Enterprises and people matching ``text``, best matches first.

    Parameters
    ----------
    store : an open graph store
    text : a company name (or part of it), a USCC / registration number, or a person's name
    kinds : which labels to look in (``Enterprise``, ``Person``)
    limit : most rows per label
    as_of : the day the graph is seen on (default today; docs/time.md): the risk marker counts
        events decided on or before it, a person's enterprises are the roles and holdings valid then

    Returns
    -------
    DataFrame with :data:`COLUMNS`: ``kind`` (label), ``kind_zh``, ``uid``, ``name``,
    ``uscc``, ``region`` (division code), ``region_name``, ``status`` (registration
    status; for people the masked ID number), ``detail`` (legal representative; for
    people the enterprises they are tied to), ``active_penalties`` (risk marker).
    """
    text = clean_text(text)  # controls, zero-width and bidi characters dropped; over-long text refused
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in ("Enterprise", "Person")]
    if unknown:
        raise ValueError(f"search looks in Enterprise and Person only, not {preview(unknown)}")
    limit = int(max(1, min(int(limit), 1000)))
    day = as_of_date(as_of)
    what = query_kind(text)
    if what == "empty":
        return _empty()
    frames = []
    if what == "code":
        if "Enterprise" in kinds:
            df = store.query("search_enterprise_code", {"code": normalize_code(text), "limit": limit, "as_of": day})
            frames.append(df.assign(kind="Enterprise", rank=0))
    else:
        if "Enterprise" in kinds:
            key = name_query_key(text)
            if key:
                df = store.query("search_enterprise_name", {"key": key, "ft": fulltext_phrase(key), "limit": limit,
                                                           "as_of": day})
                if len(df):
                    exact = (df["name"].astype("string").map(lambda n: name_query_key(n) if pd.notna(n) else "") == key)
                    df = df.assign(kind="Enterprise", rank=(~exact.to_numpy()).astype(int))
                frames.append(df)
        if "Person" in kinds:
            name = _SPACE.sub("", _normalize_text(text))
            if name:
                df = store.query("search_person_name", {"name": name, "limit": limit, "as_of": day})
                if len(df):
                    ents = df.pop("enterprises")
                    df["detail"] = ents.map(_join_names)
                    df["status"] = df.pop("id_masked")
                    df["uscc"] = None
                    df = df.drop(columns=["scope"], errors="ignore")
                    df = df.assign(kind="Person", rank=(df["name"] != name).astype(int).to_numpy())
                frames.append(df)
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True)
    out["name_len"] = out["name"].astype("string").str.len().fillna(0)
    out = out.sort_values(["rank", "kind", "name_len", "uid"], kind="stable").reset_index(drop=True)
    out["kind_zh"] = out["kind"].map(lambda k: MODEL.node(k).label_zh)
    out["region_name"] = _add_region_names(out, store)
    out["active_penalties"] = out["active_penalties"].fillna(0).astype("int64")
    for c in COLUMNS:
        if c not in out.columns:
            out[c] = None
    return out[COLUMNS]


_CJK_KEY = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def fulltext_phrase(key: str) -> str | None:
    """The full-text query for a name key, or None where the index cannot answer exactly.

    The index holds CJK character bigrams, so a quoted phrase of two or more Chinese characters
    finds every key containing it; a single character, or a key with Latin letters or digits
    (indexed as whole words), is left to a scan.

    >>> fulltext_phrase("杭州科技"), fulltext_phrase("杭"), fulltext_phrase("ABC科技")
    ('name_key:"杭州科技"', None, None)
    """
    return f'name_key:"{key}"' if _CJK_KEY.match(key) else None


def _join_names(values, most: int = 3) -> str:
    if values is None or (isinstance(values, float) and pd.isna(values)):
        return ""
    names = sorted({str(v) for v in values if v is not None and not (isinstance(v, float) and pd.isna(v))})
    text = "、".join(names[:most])
    return text + (f" 等{len(names)}家" if len(names) > most else "")


def lookup(store: GraphStore, uid: str) -> dict | None:
    """``{"kind", "uid", "name"}`` of the enterprise or person keyed ``uid``, or None."""
    if not uid:
        return None
    for label, query in (("Enterprise", "profile_enterprise"), ("Person", "profile_person")):
        df = store.query(query, {"uid": uid})
        if len(df):
            name = df["name"].iloc[0]
            return {"kind": label, "uid": uid, "name": None if pd.isna(name) else str(name)}
    return None
