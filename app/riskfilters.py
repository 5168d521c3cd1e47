"""Filters for risk-list tables (pure pandas, no Streamlit), whatever columns an analysis returns.

The analyses return different tables (one row per shell candidate, repeat
offender, phoenix case, cross-region link), so the filters find their columns
by what they hold:

* region columns: ``region``, ``province``, ``city`` or names containing
  ``region`` (division codes); a row matches a province/city when any of its
  region codes starts with that prefix;
* date columns: datetime columns (or ``date``-like names); a row matches a
  period when any of its dates falls in it;
* penalty-kind columns: names containing ``kind`` (a kind or a list of kinds);
* the ``score`` column.

Example
-------
>>> t = pd.DataFrame({"uid": ["A", "B"], "region": ["330211", "410105"], "score": [0.9, 0.4],
...                   "kinds": [["abnormal_operation"], ["administrative_penalty"]]})
>>> filter_table(t, region_prefix="33")["uid"].tolist()
['A']
>>> filter_table(t, min_score=0.5)["uid"].tolist(), filter_table(t, kinds=["administrative_penalty"])["uid"].tolist()
(['A'], ['B'])
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import numpy as np
import pandas as pd

from creditgraph.queries.labels import ATTRIBUTION, code_text, param_label

_REGION_NAMES = ("region", "province", "city", "county")


def _is_listlike(v: Any) -> bool:
    return isinstance(v, (list, tuple, set, frozenset, np.ndarray))


def _items(v: Any) -> list:
    if v is None:
        return []
    if _is_listlike(v):
        return [x for x in (v.tolist() if isinstance(v, np.ndarray) else v) if x is not None]
    try:
        if pd.isna(v):
            return []
    except (TypeError, ValueError):
        pass
    return [v]


def region_columns(df: pd.DataFrame) -> list[str]:
    out = []
    for c in df.columns:
        lc = c.lower()
        if any(k in lc for k in _REGION_NAMES) and not lc.endswith(("_name", "_zh")):
            sample = [x for v in df[c].head(50) for x in _items(v)]
            if sample and all(isinstance(x, str) and x[:2].isdigit() for x in sample[:20]):
                out.append(c)
    return out


def date_columns(df: pd.DataFrame) -> list[str]:
    out = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out.append(c)
            continue
        lc = c.lower()
        if any(k in lc for k in ("date", "decided", "founded", "dissolved", "listed", "removed", "since", "window",
                                 "first", "last")):
            sample = [x for v in s.head(20) for x in _items(v)]
            if sample and all(isinstance(x, (dt.date, pd.Timestamp)) or (isinstance(x, str) and len(x) >= 8 and x[:4].isdigit() and x[4] == "-")
                              for x in sample):
                out.append(c)
    return out


def kind_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if "kind" in c.lower() and not c.lower().endswith(("_zh", "_label"))]


def region_options(df: pd.DataFrame, digits: int) -> list[str]:
    """Region code prefixes (2 = province, 4 = city) present in the table."""
    found = set()
    for c in region_columns(df):
        for v in df[c]:
            for x in _items(v):
                if isinstance(x, str) and len(x) >= digits and x[:digits].isdigit():
                    found.add(x[:digits])
    return sorted(found)


def kind_options(df: pd.DataFrame) -> list[str]:
    found: set[str] = set()
    for c in kind_columns(df):
        for v in df[c]:
            found.update(str(x) for x in _items(v))
    return sorted(found)


def date_bounds(df: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    lo: dt.date | None = None
    hi: dt.date | None = None
    for c in date_columns(df):
        for v in df[c]:
            for x in _items(v):
                try:
                    d = pd.Timestamp(x).date()
                except (TypeError, ValueError):
                    continue
                lo = d if lo is None or d < lo else lo
                hi = d if hi is None or d > hi else hi
    return (lo, hi) if lo is not None and hi is not None else None  # both are set together


def _row_any(df: pd.DataFrame, cols: list[str], test) -> np.ndarray:
    mask = np.zeros(len(df), dtype=bool)
    for c in cols:
        mask |= np.fromiter((any(test(x) for x in _items(v)) for v in df[c]), dtype=bool, count=len(df))
    return mask


def filter_table(df: pd.DataFrame, region_prefix: str | None = None, period: tuple[dt.date, dt.date] | None = None,
                 kinds: Iterable[str] | None = None, min_score: float | None = None) -> pd.DataFrame:
    """Rows matching every filter given (None or empty: no filter)."""
    mask = np.ones(len(df), dtype=bool)
    if region_prefix:
        cols = region_columns(df)
        if cols:
            mask &= _row_any(df, cols, lambda x: isinstance(x, str) and x.startswith(region_prefix))
    if period:
        cols = date_columns(df)
        lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        if cols:
            def in_period(x) -> bool:
                try:
                    t = pd.Timestamp(x)
                except (TypeError, ValueError):
                    return False
                return lo <= t <= hi
            mask &= _row_any(df, cols, in_period)
    kinds = list(kinds or [])
    if kinds:
        cols = kind_columns(df)
        if cols:
            wanted = set(kinds)
            mask &= _row_any(df, cols, lambda x: str(x) in wanted)
    if min_score is not None and "score" in df.columns:
        mask &= pd.to_numeric(df["score"], errors="coerce").fillna(-np.inf).to_numpy() >= float(min_score)
    return df[mask]


def displayable(df: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts as text, so the table shows and sorts them."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: _is_listlike(v) or isinstance(v, dict)).any():
            out[c] = out[c].map(lambda v: "、".join(map(str, _items(v))) if _is_listlike(v) else (str(v) if isinstance(v, dict) else v))
    return out


def _date_text(v: Any) -> str:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    ts = pd.Timestamp(v)
    return ts.date().isoformat() if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """The table as a person reads it: dates without a midnight time, internal codes in Chinese
    (``HOLDS_SHARES+LEGAL_REP`` → ``股东+法定代表人``), empty cells empty (not "None").

    >>> t = readable(pd.DataFrame({"roles": ["HOLDS_SHARES+LEGAL_REP", None],
    ...                            "window_start": pd.to_datetime(["2020-08-07", None])}))
    >>> t.values.tolist()
    [['股东+法定代表人', '2020-08-07'], ['', '']]
    """
    out = displayable(df)
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_datetime64_any_dtype(col) or (col.dtype == object and col.map(_is_date_value).any()):
            out[c] = col.map(_date_text)
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(lambda v, c=c: "" if _missing(v) else (code_text(c, v) if isinstance(v, str) else v))
    return out


def _is_date_value(v: Any) -> bool:
    return isinstance(v, (pd.Timestamp, dt.date, np.datetime64))


def _missing(v: Any) -> bool:
    if v is None or v is pd.NaT:
        return True
    return isinstance(v, float) and np.isnan(v)


VALUE_ZH: dict[Any, str] = {"enterprise": "企业 enterprise", "person": "自然人 person", "province": "省 province", "city": "市 city",
            "county": "区县 county", True: "是 yes", False: "否 no", **ATTRIBUTION}


def params_text(params: dict[str, Any]) -> str:
    """An analysis's parameters in words, for the list's heading.

    >>> params_text({"level": "person", "window_days": 730, "include_history": False})
    '层级 Level: 自然人 person · 时间窗(天) Window (days): 730 · 包含已移出/修复记录 Include removed/repaired records: 否 no'
    >>> params_text({})
    '默认参数 default parameters'
    """
    if not params:
        return "默认参数 default parameters"
    parts = []
    for k, v in params.items():
        shown = VALUE_ZH.get(v, v) if isinstance(v, (str, bool)) else v
        parts.append(f"{param_label(k)}: {shown}")
    return " · ".join(parts)


def missing_filters(df: pd.DataFrame, has_period: bool) -> list[tuple[str, str]]:
    """The filters a list does not offer because its table lacks their columns, in words (zh, en).

    >>> missing_filters(pd.DataFrame({"uid": ["a"], "score": [1.0]}), has_period=False)
    [('地区', 'region'), ('处罚类别', 'penalty kind'), ('日期', 'date')]
    """
    out = []
    if not region_columns(df):
        out.append(("地区", "region"))
    if not kind_columns(df):
        out.append(("处罚类别", "penalty kind"))
    if "score" not in df.columns:
        out.append(("评分", "score"))
    if not has_period:
        out.append(("日期", "date"))
    return out


# --- as_of and attribution (docs/time.md) ---------------------------------------------------------

#: the choices of ``attribution`` (person-level repeat offenders, phoenix cases), in words
ATTRIBUTION_TEXT = ATTRIBUTION
#: the earliest day a date field offers
FIRST_DAY = dt.date(1949, 10, 1)


def as_of_params(day: dt.date | None, today: dt.date | None = None) -> dict[str, str]:
    """``{"as_of": "2021-06-01"}`` for a day other than today; nothing for today (every analysis's default,
    so that the result computed for the default parameters serves it).

    >>> as_of_params(dt.date(2021, 6, 1), today=dt.date(2024, 1, 1)), as_of_params(dt.date(2024, 1, 1), dt.date(2024, 1, 1))
    ({'as_of': '2021-06-01'}, {})
    """
    today = today or dt.date.today()
    if day is None or day == today:
        return {}
    return {"as_of": day.isoformat()}


def as_of_text(params: dict[str, Any], result_params: dict[str, Any] | None = None) -> str:
    """The day a result looked at, in words: the one asked for, else the one the analysis used, else today.

    >>> as_of_text({"as_of": "2021-06-01"}), as_of_text({}, {"as_of": dt.date(2022, 1, 31)})
    ('截至 2021-06-01 as of', '截至 2022-01-31 as of')
    """
    day = params.get("as_of") or (result_params or {}).get("as_of") or dt.date.today()
    if isinstance(day, (dt.date, pd.Timestamp)):
        day = pd.Timestamp(day).date().isoformat()
    return f"截至 {day} as of"
