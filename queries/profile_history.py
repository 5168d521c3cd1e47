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
from typing import Any

import pandas as pd

from creditgraph.graph.store import Rows
from creditgraph.queries._base import as_of_date, is_missing
from creditgraph.queries.labels import ENDED_BY

__all__ = ["HISTORY_COLUMNS", "split_history", "split_rows", "sort_rows", "day_of", "period_text", "ended_by_text"]

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


def day_of(v: Any) -> dt.date | None:
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


def sort_rows(rows: list[dict], keys: list[tuple[str, bool]]) -> list[dict]:
    """``rows`` sorted by ``keys`` (column, ascending) as pandas' stable ``sort_values`` with missing values
    last does, in place; returned for chaining.

    >>> sort_rows([{"a": 1, "b": "y"}, {"a": None, "b": "x"}, {"a": 2, "b": "x"}], [("b", True), ("a", False)])
    [{'a': 2, 'b': 'x'}, {'a': None, 'b': 'x'}, {'a': 1, 'b': 'y'}]
    """
    for col, ascending in reversed(keys):  # stable sorts, the last key first
        if ascending:
            rows.sort(key=lambda r: (1, 0) if is_missing(r.get(col)) else (0, r[col]))
        else:  # reverse keeps ties in order; missing values sort lowest, so they come last
            rows.sort(key=lambda r: (-1, 0) if is_missing(r.get(col)) else (0, r[col]), reverse=True)
    return rows


def split_rows(rows: Rows, as_of: Any = None, sort: list[str] | None = None) -> tuple[Rows, Rows]:
    """:func:`split_history` of a query's rows (:class:`~graph.store.Rows`): the current rows and the former
    ones (newest end first), each row given ``period`` and ``ended_by_text``."""
    day = as_of_date(as_of)
    cols = list(dict.fromkeys([*rows.columns, *HISTORY_COLUMNS, "period", "ended_by_text"]))
    cur, old, ends = Rows(cols, types=rows.types), Rows(cols, types=rows.types), {}
    for r in rows:
        r = {**r, **{c: None for c in HISTORY_COLUMNS if c not in r}}
        r["period"] = period_text(r["valid_from"], r["valid_to"])
        r["ended_by_text"] = ended_by_text(r["ended_by"])
        start, end = day_of(r["valid_from"]), day_of(r["valid_to"])
        if (start is None or start <= day) and (end is None or end > day):
            cur.append(r)
        elif end is not None and end <= day:
            ends[len(old)] = end
            old.append(r)
    if sort:
        sort_rows(cur, [(c, True) for c in sort])
    order = sorted(range(len(old)), key=lambda i: -ends[i].toordinal())  # newest end first
    return cur, Rows(cols, [old[i] for i in order], rows.types)


def split_history(df: pd.DataFrame, as_of: Any = None, sort: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows current on ``as_of`` and those ended by then (newest end first), each with ``period``
    and ``ended_by_text``; rows starting after ``as_of`` are in neither. ``sort``: the current rows'
    order is kept unless given (the caller sorts)."""
    cur, old = split_rows(Rows(df.columns, df.to_dict("records")), as_of, sort)
    return cur.frame(), old.frame()
