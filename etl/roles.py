"""Roles and holdings as intervals (docs/time.md): their bounds, their ends, and equity history.

A legal-representative or shareholder row becomes a relationship valid over
[``valid_from``, ``valid_to``). A row that ends a role (a delete flag, a
successor named, an equity change to 0, a snapshot that no longer lists it)
does not delete the relationship: it asks for it to be *closed* — an end frame
(``src``, ``dst``, ``valid_to``, ``ended_by``) in ``GraphBatch.delete_rels``,
which the diff (:func:`etl.graphdiff.diff_batch`) turns into an update of the
stored edge. Only ``ended_by == "correction"`` (the correction flag) deletes.

Example
-------
>>> rows = pd.DataFrame({"until": pd.to_datetime([None, "2022-03-01"]),
...                      "updated_at": pd.to_datetime(["2023-05-02 10:00", None])})
>>> [d.date().isoformat() for d in end_dates(rows, dt.date(2024, 1, 1))]
['2023-05-02', '2022-03-01']
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

# How the end of a role became known (LEGAL_REP / HOLDS_SHARES ``ended_by``).
ENDED_SOURCE = "source"            # the row carries an end date (until)
ENDED_DELETE_FLAG = "delete_flag"  # an incremental extract deleted the row
ENDED_REPLACED = "replaced"        # the subject row names another legal representative
ENDED_EQUITY = "equity_change"     # an equity change took the ratio to 0
ENDED_SNAPSHOT = "snapshot"        # a full snapshot no longer lists the role
CORRECTION = "correction"          # not an end: the record was wrong, the edge goes
END_REASONS = (ENDED_SOURCE, ENDED_DELETE_FLAG, ENDED_REPLACED, ENDED_EQUITY, ENDED_SNAPSHOT)


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.normalize()


def end_dates(df: pd.DataFrame, fallback: dt.date) -> pd.Series:
    """The day each row's role ended: its ``until``, else its update time, else ``fallback``."""
    out = _day(df["until"]) if "until" in df.columns else pd.Series(pd.NaT, index=df.index)
    if "updated_at" in df.columns:
        out = out.fillna(_day(df["updated_at"]))
    return out.fillna(pd.Timestamp(fallback)).astype("datetime64[ns]")


def end_frame(src: pd.Series, dst: pd.Series, valid_to, ended_by: str) -> pd.DataFrame:
    """A request to close (or, for ``CORRECTION``, delete) the edges ``src → dst``."""
    out = pd.DataFrame({"src": pd.Series(src).to_numpy(), "dst": pd.Series(dst).to_numpy()})
    out["valid_to"] = pd.Series(valid_to).to_numpy() if isinstance(valid_to, pd.Series) else valid_to
    out["ended_by"] = ended_by
    return out


def bounds(df: pd.DataFrame) -> dict[str, pd.Series]:
    """``valid_from``, ``valid_to`` and ``ended_by`` columns for the rows of a role table."""
    until = df["until"] if "until" in df.columns else pd.Series(pd.NaT, index=df.index)
    since = df["since"] if "since" in df.columns else pd.Series(pd.NaT, index=df.index)
    ended = pd.Series(ENDED_SOURCE, index=df.index, dtype="string").where(until.notna())
    if "ended_by" in df.columns:
        ended = df["ended_by"].astype("string").fillna(ended).where(until.notna())
    return {"valid_from": since, "valid_to": until, "ended_by": ended}


def _pct(r: pd.Series) -> pd.Series:
    """Ratios as percentages (``0.3`` → ``30%``, ``0.3333`` → ``33.33%``, missing → ``—``), vectorised."""
    text = (r.astype("float64") * 100).round(2).astype("string").str.replace(r"\.0+$", "", regex=True)
    return (text + "%").fillna("—")


def equity_history(sh: pd.DataFrame, ch: pd.DataFrame) -> pd.DataFrame:
    """Apply equity changes (股权变更) to shareholder rows (``enterprise_uid``, ``holder_name``, …).

    Per (enterprise, holder name) the changes, oldest first, become the ``changes`` text; the
    latest sets ``ratio``; a latest change to 0 closes the holding on its date (keeping the ratio
    held before it, ``ended_by`` = equity_change); the first change from 0 or empty opens it
    (``valid_from``) unless the row gives a start. Rows without changes are returned as they are.
    """
    ch = ch.dropna(subset=["enterprise_ref", "ratio_after"])
    if ch.empty:
        return sh
    ch = ch.sort_values(["change_date", "_row"], na_position="first", kind="stable")
    key = ch["enterprise_ref"].astype("string") + "|" + ch["holder_name"].astype("string")
    day = _day(ch["change_date"])
    line = day.dt.strftime("%Y-%m-%d").astype("string").fillna("日期不详") + " " + _pct(ch["ratio_before"]) + "→" + _pct(ch["ratio_after"])
    g = pd.DataFrame({"key": key.to_numpy(), "line": line.to_numpy(), "day": day.to_numpy(),
                      "before": ch["ratio_before"].to_numpy(), "after": ch["ratio_after"].to_numpy()})
    per = g.groupby("key", sort=False)
    text = per["line"].agg("; ".join)
    last = per.tail(1).set_index("key")
    entered = g[(g["before"].fillna(0) == 0) & (g["after"] > 0)].groupby("key")["day"].min()
    k = (sh["enterprise_uid"].astype("string") + "|" + sh["holder_name"].astype("string"))
    has = k.isin(text.index).to_numpy()
    if not has.any():
        return sh
    sh = sh.copy()
    after = k.map(last["after"])
    exited = has & (after == 0).fillna(False).to_numpy()
    sh["changes"] = k.map(text).astype("string")
    sh["ratio"] = after.where(~exited, k.map(last["before"])).where(has, sh["ratio"]).astype("float64")
    sh.loc[exited, "until"] = _at(last["day"], k[exited])
    sh.loc[exited, "ended_by"] = ENDED_EQUITY
    sh["since"] = sh["since"].fillna(_at(entered, k))
    return sh


def _at(days: pd.Series, keys: pd.Series) -> pd.Series:
    """``days`` (unique keys) at ``keys``, as datetimes (``Series.map`` of Arrow strings fails on a mapping
    none of the keys is in: it tries to make the all-missing result float)."""
    return pd.Series(days.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=days.dtype)
