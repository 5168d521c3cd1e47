"""The end of a company (注销 / 吊销 / 撤销 / 迁出) from every signal the graph holds (issue 14).

Many revoked companies carry no dissolution date, and some are known to be
gone only from a listing. :func:`company_ends` reads, in this order:

1. ``dissolved`` — the cancellation / revocation date (注销/吊销日期), where the
   status names an end or is missing (a date beside 存续 is a data error, not an end);
2. the status text — any status containing 注销, 吊销, 撤销 or 迁出 (so 吊销未注销,
   已注销, 撤销登记 … count); its date is the company's latest counted event (a
   lower bound of the real end; empty when the company has no event);
3. a serious-dishonest (``serious_illegal``) listing — its latest date, whatever
   the status says (the registry often still shows 存续);
4. an abnormal-operation (``abnormal_operation``) listing — its latest date, only
   where the registry gives no status at all (a listed company shown as 存续 is
   alive: most such listings are a missed annual report).

Each company gets the first signal that applies, in ``end_signal_key``
(``dissolved_date``, ``status``, ``serious_illegal``, ``abnormal_operation``) and
in words in ``end_signal`` (bilingual, e.g. ``登记状态 吊销 / status 吊销``).
Vectorised pandas: O(n + e) for n enterprises and e events.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Status text that marks the end of a company (substring match).
END_MARKERS = ("注销", "吊销", "撤销", "迁出")
LISTING_KINDS = ("serious_illegal", "abnormal_operation")
SIGNAL_TEXT = {
    "dissolved_date": "注销/吊销日期 / dissolved date",
    "serious_illegal": "严重违法失信名单 / serious-dishonest listing",
    "abnormal_operation": "经营异常名录 / abnormal-operation listing",
}
END_COLUMNS = ["enterprise", "end_date", "end_signal_key", "end_signal"]


def is_end_status(status) -> bool:
    """Whether a registration status names the end of the company.

    >>> [is_end_status(s) for s in ("吊销未注销", "已注销", "撤销登记", "迁出", "存续", None)]
    [True, True, True, True, False, False]
    """
    return isinstance(status, str) and any(m in status for m in END_MARKERS)


def end_status_mask(status: pd.Series) -> np.ndarray:
    s = status.astype("string")
    hit = np.zeros(len(s), dtype=bool)
    for m in END_MARKERS:
        hit |= s.str.contains(m, regex=False).fillna(False).to_numpy(dtype=bool)
    return hit


def company_ends(enterprises: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The end of each enterprise that shows one, and which signal gave it.

    Parameters
    ----------
    enterprises : DataFrame
        ``uid, status, dissolved`` (others ignored).
    events : DataFrame
        Counted events: ``subject, kind, decided``.

    Returns
    -------
    DataFrame
        ``enterprise, end_date, end_signal_key, end_signal`` for the enterprises with
        an end signal (``end_date`` may be NaT for a status without any dated event).

    Example
    -------
    >>> ents = pd.DataFrame({"uid": ["A", "B", "C", "D"], "status": ["注销", "吊销", None, "存续"],
    ...                      "dissolved": [pd.Timestamp("2023-03-01"), None, None, None]})
    >>> ev = pd.DataFrame({"subject": ["B", "C", "D"], "kind": ["abnormal_operation", "serious_illegal",
    ...                    "administrative_penalty"], "decided": pd.to_datetime(["2022-05-01", "2021-01-01", "2020-01-01"])})
    >>> t = company_ends(ents, ev)
    >>> t[["enterprise", "end_signal_key", "end_signal"]].values.tolist()
    [['A', 'dissolved_date', '注销/吊销日期 / dissolved date'], ['B', 'status', '登记状态 吊销 / status 吊销'], ['C', 'serious_illegal', '严重违法失信名单 / serious-dishonest listing']]
    >>> [str(d.date()) for d in t["end_date"]]
    ['2023-03-01', '2022-05-01', '2021-01-01']
    """
    e = enterprises.drop_duplicates("uid").set_index("uid")
    ev = events[events["subject"].isin(e.index)]
    ev = ev.assign(decided=pd.to_datetime(ev["decided"], errors="coerce"))
    latest = ev.groupby(["subject", "kind"])["decided"].max().unstack()
    for k in LISTING_KINDS:
        if k not in latest.columns:
            latest[k] = pd.NaT
    any_event = ev.groupby("subject")["decided"].max()
    latest = latest.reindex(e.index)
    si, ao = latest["serious_illegal"], latest["abnormal_operation"]
    dissolved = pd.to_datetime(e["dissolved"], errors="coerce")
    status = e["status"] if "status" in e else pd.Series(None, index=e.index, dtype=object)
    by_status = end_status_mask(status)
    listing = any_event.reindex(e.index)
    no_status = status.isna().to_numpy() | (status.astype("string").str.strip() == "").fillna(True).to_numpy()
    key = np.select([dissolved.notna().to_numpy() & (by_status | no_status), by_status, si.notna().to_numpy(),
                     ao.notna().to_numpy() & no_status],
                    ["dissolved_date", "status", "serious_illegal", "abnormal_operation"], default="")
    date = np.select([key == "dissolved_date", key == "status", key == "serious_illegal",
                      key == "abnormal_operation"],
                     [dissolved.to_numpy(), listing.to_numpy(), si.to_numpy(), ao.to_numpy()],
                     default=np.datetime64("NaT"))
    out = pd.DataFrame({"enterprise": e.index.to_numpy(dtype=object), "end_date": pd.to_datetime(date),
                        "end_signal_key": key, "status": status.to_numpy(dtype=object)})
    out = out[out["end_signal_key"] != ""]
    out["end_signal"] = [f"登记状态 {s} / status {s}" if k == "status" else SIGNAL_TEXT[k]
                         for k, s in zip(out["end_signal_key"], out["status"])]
    return out[END_COLUMNS].reset_index(drop=True)
