"""Role and holding history for the credit profile (docs/time.md).

A legal representative's role (``LEGAL_REP``) and a holding (``HOLDS_SHARES``) are intervals
``[valid_from, valid_to)``; a missing bound is open. On a day ``as_of`` a role is

* current: valid that day (:func:`queries._base.valid_on`);
* former: ended on or before that day (``valid_to`` ≤ ``as_of``);
* not shown: it starts after that day.

:func:`split_history` divides a profile table (``legal_reps``, ``shareholders``, ``roles``,
``holdings``) into its current and former rows and adds the period and how the role ended in words.

>>> t = pd.DataFrame({"name": ["甲", "乙", "丙"], "valid_from": ["2018-01-01", "2022-03-01", "2025-01-01"],
...                   "valid_to": ["2022-03-01", None, None], "ended_by": ["replaced", None, None]})
>>> cur, old = split_history(t, "2023-01-01")
>>> cur["name"].tolist(), old["name"].tolist(), old["period"].tolist(), old["ended_by_text"].tolist()
(['乙'], ['甲'], ['2018-01-01 – 2022-03-01'], ['法定代表人变更 another legal representative registered'])
"""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pandas as pd

from creditgraph.queries._base import as_of_date, is_missing
from creditgraph.queries.labels import ENDED_BY

__all__ = ["HISTORY_COLUMNS", "split_history", "period_text", "ended_by_text"]

#: the columns every role or holding table of a profile carries (added when a query lacks them)
HISTORY_COLUMNS = ("valid_from", "valid_to", "ended_by")
UNKNOWN_START = "不详"


def _date(v: Any) -> str:
    if is_missing(v):
        return ""
    try:
        return pd.Timestamp(v).date().isoformat()
    except (TypeError, ValueError):
        return str(v)


def period_text(valid_from: Any, valid_to: Any) -> str:
    """A role's period as people write it (as the repeat-offender and phoenix lists do): an unknown start
    is 不详, an open end 至今.

    >>> period_text("2018-01-01", "2022-03-01"), period_text(None, "2022-03-01"), period_text("2018-01-01", None)
    ('2018-01-01 – 2022-03-01', '不详 – 2022-03-01', '2018-01-01 至今')
    """
    start = _date(valid_from) or UNKNOWN_START
    end = _date(valid_to)
    return f"{start} 至今" if not end else f"{start} – {end}"


def ended_by_text(code: Any) -> str:
    """How a role ended, in words (the code itself when unknown; empty when none)."""
    if is_missing(code) or code == "":
        return ""
    return ENDED_BY.get(str(code), str(code))


def _day(v: Any) -> dt.date | None:
    """A bound as a date (None: missing or not a date, an open bound)."""
    if is_missing(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return pd.Timestamp(v).date()
    except (TypeError, ValueError):
        return None


def split_history(df: pd.DataFrame, as_of: Any = None, sort: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows current on ``as_of`` and those ended by then (newest end first), each with ``period``
    and ``ended_by_text``; rows starting after ``as_of`` are in neither. ``sort``: the current rows'
    order is kept unless given (the caller sorts). Row by row in Python: a profile's tables hold a
    few rows, where pandas' fixed cost per call dominated."""
    day = as_of_date(as_of)
    df = df.copy()
    for c in HISTORY_COLUMNS:
        if c not in df.columns:
            df[c] = None
    if df.empty:
        df["period"] = pd.Series(dtype=object)
        df["ended_by_text"] = pd.Series(dtype=object)
        return df.reset_index(drop=True), df.reset_index(drop=True)
    starts, ends = [_day(v) for v in df["valid_from"]], [_day(v) for v in df["valid_to"]]
    df["period"] = [period_text(f, t) for f, t in zip(df["valid_from"], df["valid_to"])]
    df["ended_by_text"] = [ended_by_text(c) for c in df["ended_by"]]
    current = [(f is None or f <= day) and (t is None or t > day) for f, t in zip(starts, ends)]
    former = [i for i, (t, now) in enumerate(zip(ends, current)) if t is not None and t <= day and not now]
    cur = df[current].reset_index(drop=True)
    if sort:
        cur = cur.sort_values(sort, na_position="last", kind="stable").reset_index(drop=True)
    old = df.iloc[sorted(former, key=lambda i: -cast(dt.date, ends[i]).toordinal())].reset_index(drop=True)  # newest end first
    return cur, old
