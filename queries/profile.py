"""The credit profile (信用画像) of one party: an enterprise or a natural person.

``profile(store, uid)`` gathers, through named queries (``profile_*``):

* the party's own facts, labelled with the graph model's Chinese names;
* for an enterprise: its legal representative(s), its shareholders with
  subscribed and paid amounts and ratios, the enterprises it holds shares in;
* for a person: the enterprises they represent and hold shares in;
* history (docs/time.md): each of these as of a day ``as_of`` (default today): the roles and
  holdings valid that day, and apart from them the former ones (ended by then) with their period
  and how they ended (:mod:`queries.profile_history`); equity changes on the holding (``changes``);
* the penalty timeline with each event's status (active / removed / repaired /
  withdrawn / disputed — 异议处理中, a record under objection, never active) and the list
  memberships among them (abnormal-operation list, serious-illegal-and-dishonest list,
  dishonest judgment debtors) beside the red lists (守信激励), each marked red, black or
  warning (``list_color``);
* credit commitments (信用承诺) with their dates and whether they were kept, breached ones first,
  and red-list entries with their dates (current on ``as_of`` or not);
* related parties and what connects them (queries.profile_related: a shared person, owner, address,
  phone or e-mail — phones and e-mails masked);
* risk signals: cheap ones read off the profile itself, the name hub the
  party belongs to (queries.name_hubs: read off the whole graph's hubs when a server passes them, else
  keyed reads by name), and those of the
  whole-graph analyses (shell-company score, repeat offender, phoenix case)
  when the analyses library is there.

Personal data: ID numbers are never in the graph (only ``id_masked``); the
properties the model marks ``personal`` (a person's phone) are left out.

Example
-------
>>> penalty_status_zh("repaired"), penalty_kind_zh("abnormal_operation")
('已信用修复', '经营异常名录')
"""
from __future__ import annotations

import contextlib
import datetime as dt
from types import ModuleType
from typing import Any, Mapping

import pandas as pd

from creditgraph.graph.model import MODEL
from creditgraph.graph.store import GraphStore, Rows
from creditgraph.queries._base import as_of_date, is_missing as _is_missing
from creditgraph.queries.lifecycle import is_end_status
from creditgraph.queries.profile_history import sort_rows, split_rows
from creditgraph.queries.profile_lists import (
    LIST_COLORS, code_zh, commitments_of, first_of_each, list_signals, lists_of, red_lists_of)
from creditgraph.queries.profile_related import (
    RELATED_LIMIT, ActiveCounts, _direct_rows, _region_name, _related, _with_direct_parties, active_counts,
    related_records, related_rows)
from creditgraph.queries.search import regions

__all__ = ["profile", "profile_records", "active_counts", "related_rows", "RELATED_LIMIT", "NotFound", "LIST_KINDS", "LIST_COLORS",
           "penalty_kind_zh", "penalty_status_zh", "code_zh", "rows_mentioning"]

#: Penalty kinds that are list memberships (名单) rather than one-off decisions.
LIST_KINDS = ("abnormal_operation", "serious_illegal", "dishonest_debtor")
ACTIVE = "active"
DISSOLVED = ("注销", "吊销", "撤销", "迁出")  # status text naming the end (substring: 吊销未注销 …; queries.lifecycle)
UNREACHABLE = "无法联系"

# analyses whose findings become risk signals, with the Chinese name shown
SIGNAL_ANALYSES = {
    "shell_company_candidates": "空壳公司嫌疑 shell company",
    "repeat_offenders": "屡次失信 repeat offender",
    "phoenix_cases": "金蝉脱壳 phoenix case",
}


#: how a person's record was identified (Person.scope), in words
SCOPE_ZH = {"id_number": "证件号码 by ID number", "name_in_enterprise": "仅姓名(限本企业) by name within one company"}


class NotFound(KeyError):
    """No enterprise or person has this uid."""


def penalty_kind_zh(kind: str | None) -> str:
    if kind is None or (isinstance(kind, float) and pd.isna(kind)):
        return ""
    return MODEL.penalty_kinds.get(kind, {}).get("label_zh", str(kind))


def penalty_status_zh(status: str | None) -> str:
    if status is None or (isinstance(status, float) and pd.isna(status)):
        return ""
    return MODEL.penalty_statuses.get(status, {}).get("label_zh", str(status))


def _facts(label: str, row: Mapping[str, Any]) -> Rows:
    """Property, Chinese label and value: featured properties first, personal ones left out."""
    node = MODEL.node(label)
    order = [*node.featured, *(p for p in node.properties if p not in node.featured)]
    rows = Rows(["field", "label_zh", "value", "featured"])
    for p in order:
        if p in node.personal or p not in row or p in ("uid", "name_key", "resolved", "source", "updated_at"):
            continue
        v = row[p]
        if _is_missing(v):
            continue
        v = SCOPE_ZH.get(v, v) if p == "scope" else v
        rows.append({"field": p, "label_zh": node.properties[p].label_zh or p, "value": v,
                     "featured": p in node.featured})
    return rows


def _penalties(store: GraphStore, uid: str) -> Rows:
    """The party's penalty events, newest first, each once, with ``kind_zh``, ``status_zh``, ``active`` and
    ``is_list``."""
    rows = store.records("profile_penalties", {"uid": uid})
    out = first_of_each(rows)
    for r in out:
        r["kind_zh"], r["status_zh"] = penalty_kind_zh(r["kind"]), penalty_status_zh(r["status"])
        r["active"], r["is_list"] = r["status"] == ACTIVE, r["kind"] in LIST_KINDS
    return Rows([*rows.columns, "kind_zh", "status_zh", "active", "is_list"],
                sort_rows(out, [("decided", False), ("uid", True)]), rows.types)


def _mentions(value: Any, uid: str) -> bool:
    if isinstance(value, str):
        return value == uid
    if isinstance(value, (list, tuple, set, frozenset)):
        return uid in value
    if hasattr(value, "tolist"):  # numpy / Arrow arrays
        try:
            return uid in list(value.tolist())
        except TypeError:
            return False
    return False


def rows_mentioning(table: pd.DataFrame, uid: str) -> pd.DataFrame:
    """Rows of an analysis table that name ``uid`` in any column (a value, or an item of a list).

    >>> t = pd.DataFrame({"a_uid": ["X", "Y"], "members": [["Z"], ["X", "Q"]]})
    >>> rows_mentioning(t, "X").index.tolist(), rows_mentioning(t, "Q").index.tolist()
    ([0, 1], [1])
    """
    if table is None or table.empty:
        return table.iloc[0:0] if table is not None else pd.DataFrame()
    mask = pd.Series(False, index=table.index)
    for c in table.columns:
        col = table[c]
        if col.dtype == object or str(col.dtype).startswith(("string", "str")):
            mask |= col.map(lambda v: _mentions(v, uid)).astype(bool)
    return table[mask.to_numpy()]


def _analysis_signals(store: GraphStore, uid: str, label: str, analyses: Mapping[str, Any] | None,
                      as_of: dt.date | None = None) -> list[dict]:
    """Findings of the whole-graph analyses that name this party (run as of ``as_of`` when not given)."""
    out: list[dict] = []
    if analyses is None:
        analyses = {}
        q: ModuleType | None
        try:
            from creditgraph import queries as q
        except ImportError:  # pragma: no cover
            q = None
        for name in SIGNAL_ANALYSES:
            fn = getattr(q, name, None) if q is not None else None
            if fn is None:
                continue
            try:
                if name == "repeat_offenders":
                    analyses[f"{name}:enterprise"] = fn(store, level="enterprise", as_of=as_of)
                    analyses[f"{name}:person"] = fn(store, level="person", as_of=as_of)
                else:
                    analyses[name] = fn(store, as_of=as_of)
            except Exception as exc:  # an analysis that fails must not take the profile down
                out.append({"signal": SIGNAL_ANALYSES[name], "value": "不可用 unavailable", "detail": str(exc)[:200],
                            "source": name, "level": "info"})
    for key, res in analyses.items():
        base = key.split(":")[0]
        if base == "name_hubs":  # shown by _name_hub_signals, read for this party alone
            continue
        table = getattr(res, "table", res)
        if not isinstance(table, pd.DataFrame):
            continue
        hits = rows_mentioning(table, uid)
        if hits.empty:
            continue
        value = f"{len(hits)} 条 findings"
        if "score" in hits.columns:
            with contextlib.suppress(TypeError, ValueError):
                value = f"评分 score {float(hits['score'].max()):.2f}"
        out.append({"signal": SIGNAL_ANALYSES.get(base, base), "value": value, "detail": finding_detail(hits, res),
                    "source": key, "level": "high"})
    return out


def _date(v: Any) -> str:
    return "" if _is_missing(v) else str(pd.Timestamp(v).date())


def _finding_line(r: Mapping[str, Any]) -> str:
    """One finding of an analysis in words, from the columns its table has."""
    sig = r.get("signals")
    if isinstance(sig, str) and sig:
        return sig
    if sig is not None and not isinstance(sig, float) and len(sig):  # a list of signal names
        return "、".join(str(x) for x in sig)
    if "events_in_window" in r:  # repeat offenders, enterprise level
        return (f"{r['events_in_window']} 次 in {_date(r.get('window_start'))}–{_date(r.get('window_end'))}"
                f"：{'、'.join(penalty_kind_zh(k) for k in str(r.get('kinds') or '').split('、') if k)}")
    if "enterprise_names" in r:  # repeat offenders, person level
        names = [str(n) for n in (r["enterprise_names"] if r["enterprise_names"] is not None else []) if n]
        return f"{r.get('enterprises')} 家企业 companies：" + "、".join(names[:4]) + ("…" if len(names) > 4 else "")
    if "a_name" in r and "b_name" in r and "days_after" in r:  # phoenix cases
        return f"{r.get('person_name') or ''}：{r['a_name']} → {r['b_name']}（{r['days_after']} 天 days）"
    return ""


def finding_detail(hits: pd.DataFrame, res: Any = None, limit: int = 3) -> str:
    """The detail of a profile's analysis signal: its findings in words, else the first line of each
    finding's evidence (never empty when the analysis kept evidence).

    >>> finding_detail(pd.DataFrame({"events_in_window": [3], "window_start": ["2021-01-04"],
    ...                              "window_end": ["2022-06-30"], "kinds": ["行政处罚"]}))
    '3 次 in 2021-01-04–2022-06-30：行政处罚'
    """
    lines = [line for line in (_finding_line(r) for r in hits.head(limit).to_dict("records")) if line]
    evidence = getattr(res, "evidence", None)
    if not lines and evidence is not None and "row_id" in hits.columns:
        for rid in hits["row_id"].head(limit):
            with contextlib.suppress(KeyError, IndexError):
                text = evidence[rid].paths_text
                if text:
                    lines.append(text.splitlines()[0])
    return "；".join(dict.fromkeys(lines))


def _name_hub_signals(store: GraphStore, uid: str, as_of: dt.date | None = None, index: Any = None) -> list[dict]:
    """The name hub (同名集中任职, queries.name_hubs) this party belongs to: a name-only person, or an
    enterprise headed by one. Read off ``index`` (a whole-graph :class:`~queries.name_hubs.NameHubIndex`
    of that day) when given; a :class:`~queries.name_hubs.PendingNameHubs` of that day (the index still
    being computed) makes the signal say so; else keyed reads by name (a scan of Person by name on
    LadybugDB: ~1.4 s at 1M enterprises)."""
    signal = "同名集中任职 name hub"
    try:
        from creditgraph.queries.name_hubs import NameHubIndex, PendingNameHubs, name_hubs_of

        if isinstance(index, PendingNameHubs) and index.day == as_of_date(as_of):
            if index.error:
                return [{"signal": signal, "value": "不可用 unavailable", "detail": index.error[:200],
                         "source": "name_hubs", "level": "info"}]
            return [{"signal": signal, "value": "计算中 computing", "detail": "全图同名集中任职正在计算，稍后再看 the "
                     "whole graph's name hubs are being computed for this graph version: ask again shortly",
                     "source": "name_hubs", "level": "info"}]
        hubs = name_hubs_of(store, uid, as_of=as_of, index=index if isinstance(index, NameHubIndex) else None)
    except Exception as exc:  # noqa: BLE001 — a failed signal must not take the profile down
        return [{"signal": signal, "value": "不可用 unavailable", "detail": str(exc)[:200],
                 "source": "name_hubs", "level": "info"}]
    if hubs.empty:  # most parties belong to no hub: no conversion of an empty frame (~0.3 ms a profile)
        return []
    level = {"corroborated": "high", "weak": "medium", "name only": "low"}
    out = []
    for h in hubs.to_dict("records"):
        traces = "；".join(h["shared_traces"][:3]) or "无共同痕迹 nothing shared"
        out.append({"signal": signal,
                    "value": f"{h['name']} · {h['city_name'] or h['city']} · {h['companies']} 家 · {h['confidence_label']}",
                    "detail": traces, "source": "name_hubs", "level": level[h["confidence"]]})
    return out


def _days(a, b) -> int | None:
    if _is_missing(a) or _is_missing(b):
        return None
    return int((pd.Timestamp(b) - pd.Timestamp(a)).days)


def _names(rows: list[dict], col: str, n: int) -> list[str]:
    """The first ``n`` distinct values of ``col`` that are not missing, as text, in order."""
    return list(dict.fromkeys(str(r[col]) for r in rows if not _is_missing(r[col])))[:n]


def _enterprise_signals(e: Mapping[str, Any], pen: Rows, shareholders: Rows, holdings: Rows, raw_related: Rows,
                        reps: Rows) -> list[dict]:
    s: list[dict] = []
    active = [p for p in pen if p["active"]]
    if active:
        kinds = "、".join(sorted({p["kind_zh"] for p in active}))
        s.append({"signal": "有效处罚/名单 active penalties", "value": f"{len(active)} 条", "detail": kinds,
                  "source": "profile", "level": "high" if len(active) >= 3 else "medium"})
    unreachable = [p for p in active if p["kind"] == "abnormal_operation" and isinstance(p["reason"], str)
                   and UNREACHABLE in p["reason"]]
    if unreachable:
        s.append({"signal": "住所无法联系 unreachable at registered address", "value": "是",
                  "detail": "经营异常名录: " + str(unreachable[0]["reason"]), "source": "profile", "level": "high"})
    if any(not _is_missing(h["subscribed"]) for h in shareholders):
        sub = sum(float(h["subscribed"]) for h in shareholders if not _is_missing(h["subscribed"]))
        paid = sum(float(h["paid"]) for h in shareholders if not _is_missing(h["paid"]))
        if sub > 0:
            ratio = paid / sub
            if ratio <= 0.05:
                s.append({"signal": "实缴极低 tiny paid-in capital", "value": f"{ratio:.1%}",
                          "detail": f"实缴 {paid:,.0f} / 认缴 {sub:,.0f} 元", "source": "profile", "level": "medium"})
    life = _days(e.get("founded"), e.get("dissolved"))
    if is_end_status(e.get("status")) and life is not None and life <= 730:
        s.append({"signal": "存续期短 short life", "value": f"{life} 天", "detail": f"{e.get('status')}", "source": "profile",
                  "level": "medium"})
    mutual = {h["holder_uid"] for h in shareholders if h["holder_label"] == "Enterprise"} & {h["uid"] for h in holdings}
    if mutual:
        s.append({"signal": "相互持股 mutual shareholding", "value": f"{len(mutual)} 家", "detail": "、".join(sorted(mutual)),
                  "source": "profile", "level": "medium"})
    rep_uids = {r["person_uid"] for r in reps}
    by_rep = [r for r in raw_related if r["via_label"] == "Person" and r["via_uid"] in rep_uids
              and r["via_rel"] == "LEGAL_REP" and r["rel"] == "LEGAL_REP"]
    if by_rep:
        n = len({r["uid"] for r in by_rep})
        s.append({"signal": "法定代表人兼任 legal representative of other companies", "value": f"{n} 家",
                  "detail": "、".join(_names(by_rep, "name", 5)), "source": "profile", "level": "high" if n >= 4 else "low"})
    for lab, text in (("Address", "共用住所 shared address"), ("Phone", "共用电话 shared phone"), ("Email", "共用邮箱 shared e-mail")):
        # declared cluster addresses (集中办公区) are legal
        part = [r for r in raw_related if r["via_label"] == lab and not (lab == "Address" and r.get("via_cluster") is True)]
        if part:
            n = len({r["uid"] for r in part})
            s.append({"signal": text, "value": f"{n} 个主体", "detail": str(part[0]["via_name"]),
                      "source": "profile", "level": "medium" if n >= 3 else "low"})
    return s


def _person_signals(pen: Rows, roles: Rows, raw_related: Rows) -> list[dict]:
    s: list[dict] = []
    active = [p for p in pen if p["active"]]
    if active:
        s.append({"signal": "本人有效处罚/名单 active penalties", "value": f"{len(active)} 条",
                  "detail": "、".join(sorted({p["kind_zh"] for p in active})), "source": "profile", "level": "high"})
    if roles:
        s.append({"signal": "担任法定代表人 legal representative", "value": f"{len(roles)} 家", "detail": "",
                  "source": "profile", "level": "high" if len(roles) >= 5 else "low"})
    if roles and "active_penalties" in roles.columns:
        bad = [r for r in roles if not _is_missing(r["active_penalties"]) and r["active_penalties"] > 0]
        if len(bad) >= 2:
            s.append({"signal": "多家关联企业失信 penalties in several companies", "value": f"{len(bad)} 家",
                      "detail": "、".join(_names(bad, "name", 5)), "source": "profile", "level": "high"})
        gone = [r for r in roles if is_end_status(r["status"])]
        if gone:
            s.append({"signal": "名下企业注销/吊销 dissolved companies", "value": f"{len(gone)} 家",
                      "detail": "、".join(_names(gone, "name", 5)), "source": "profile", "level": "low"})
    same = [r for r in raw_related if r["via_rel"] == "POSSIBLY_SAME_AS"]
    if same:
        s.append({"signal": "疑似同一人 possibly the same person", "value": f"{len({r['uid'] for r in same})} 条记录",
                  "detail": "；".join(_names(same, "via_name", 3)), "source": "profile", "level": "low"})
    return s


def _ranked(rows: Rows, name_col: str) -> Rows:
    """Current shareholders or holdings: the largest ratio first, then by name."""
    return Rows(rows.columns, sort_rows(list(rows), [("ratio", False), (name_col, True)]), rows.types)


def _tables(store: GraphStore, uid: str, label: str, day: dt.date, region_table: pd.DataFrame) -> dict[str, Rows]:
    """The party's roles and holdings split by ``day``: ``legal_reps``, ``shareholders`` (an enterprise's),
    ``roles`` (a person's), ``holdings``, each current and ``former_…`` (ended by ``day``)."""
    out: dict[str, Rows] = {}
    if label == "Enterprise":
        out["legal_reps"], out["former_legal_reps"] = split_rows(store.records("profile_legal_reps", {"uid": uid}), day)
        sh = store.records("profile_shareholders", {"uid": uid})
        sh.columns += ["holder_label_zh", "paid_ratio"]
        sh.types["paid_ratio"] = "DOUBLE"
        for r in sh:
            r["holder_label_zh"] = MODEL.node(r["holder_label"]).label_zh
            paid, sub = r["paid"], r["subscribed"]
            r["paid_ratio"] = None if _is_missing(paid) or _is_missing(sub) or not sub > 0 else float(paid) / float(sub)
        cur, out["former_shareholders"] = split_rows(sh, day)
        out["shareholders"] = _ranked(cur, "holder_name")
        out["roles"] = out["former_roles"] = Rows([])
    else:
        out["legal_reps"] = out["former_legal_reps"] = out["shareholders"] = out["former_shareholders"] = Rows([])
        roles = store.records("profile_roles", {"uid": uid})
        roles.columns.append("region_name")
        for r in roles:
            r["region_name"] = _region_name(r["region"], region_table)
        out["roles"], out["former_roles"] = split_rows(roles, day, sort=["founded", "name"])
    hold = store.records("profile_holdings", {"uid": uid})
    hold.columns.append("region_name")
    for r in hold:
        r["region_name"] = _region_name(r["region"], region_table)
    cur, out["former_holdings"] = split_rows(hold, day)
    out["holdings"] = _ranked(cur, "name")
    return out


SIGNAL_COLUMNS = ["signal", "value", "detail", "source", "level"]


def profile(store: GraphStore, uid: str, analyses: Mapping[str, Any] | None = None, as_of: Any = None,
            name_hubs: Any = None, active: ActiveCounts | None = None) -> dict:
    """Everything the profile page shows about one party, as of a day.

    Parameters
    ----------
    store : an open graph store
    uid : the party's key (an enterprise's USCC-based uid or a person's uid)
    analyses : precomputed results of the whole-graph analyses keyed by name
        (``shell_company_candidates``, ``repeat_offenders:enterprise``, …) to
        draw risk signals from; ``None`` runs the analyses that exist (slow on
        big graphs: the app passes its cached results), ``{}`` skips them.
    as_of : the day (a date or ISO text; default today): roles and holdings valid that day are
        current, those ended by then former, those starting later not shown; related parties are
        connected through roles and holdings valid that day.
    name_hubs : the whole graph's name hubs (:class:`~queries.name_hubs.NameHubIndex`) the name-hub
        signal is read from when it holds the profile's day, or a
        :class:`~queries.name_hubs.PendingNameHubs` (the signal says it is being computed); ``None``
        reads the party's hubs by name (slow on big LadybugDB graphs: servers pass the index of their
        graph version, :mod:`app.stores`).
    active : the whole graph's active penalty counts of today (:class:`~queries.profile_related.ActiveCounts`)
        the related parties' counts are read off (a server builds it once per graph version); ``None``
        reads them by a query.

    Returns
    -------
    dict with ``kind`` (``Enterprise`` / ``Person``), ``kind_zh``, ``uid``, ``name``,
    ``status``, ``region``, ``region_name``, ``as_of`` (the day, ISO), ``generated_at``, and
    DataFrames ``facts`` (field, label_zh, value), ``legal_reps``, ``shareholders`` (with
    ``paid_ratio``), ``holdings``, ``roles`` (a person's enterprises) — the current ones, each
    with ``valid_from``, ``valid_to``, ``ended_by``, ``period`` and ``ended_by_text``; holdings
    also ``changes`` (equity changes) — and ``former_legal_reps``, ``former_shareholders``,
    ``former_holdings``, ``former_roles`` (ended by ``as_of``, latest end first);
    ``penalties`` (newest first, with ``kind_zh``, ``status_zh``, ``active``: status ``active``
    only — a ``disputed`` record, 异议处理中, is shown but never active), ``lists`` (list
    memberships, black and warning lists then red ones, with ``list_color`` / ``list_color_zh``),
    ``commitments`` (kind_zh, matter, made, deadline, status_zh, ``broken``, verified, authority;
    breached and false first), ``red_lists`` (kind_zh, list_name, entered, removed, status_zh,
    ``current`` on ``as_of``, authority), ``signals`` (signal, value, detail, source, level) and ``related``
    (uid, label, name, via, active_penalties: every party of the tables above, current or
    former, and the parties connected today through them or a shared address, phone, e-mail).

    Raises
    ------
    NotFound when no enterprise or person has this uid.
    ValueError when ``as_of`` is not a date.
    """
    p = profile_records(store, uid, analyses, as_of, name_hubs, active)
    return {k: v.frame() if isinstance(v, Rows) else v for k, v in p.items()}


def profile_records(store: GraphStore, uid: str, analyses: Mapping[str, Any] | None = None, as_of: Any = None,
                    name_hubs: Any = None, active: ActiveCounts | None = None) -> dict:
    """:func:`profile` with its tables as :class:`~graph.store.Rows` (lists of dicts with their columns;
    dates as ``datetime.date``, missing values ``None``) rather than DataFrames: what the HTTP API
    serialises (a DataFrame per table and per read cost more than the rest of a profile)."""
    day = as_of_date(as_of)
    region_table = regions(store)
    ent = store.records("profile_enterprise", {"uid": uid})
    if ent:
        label, row = "Enterprise", ent[0]
    else:
        per = store.records("profile_person", {"uid": uid})
        if not per:
            raise NotFound(f"no enterprise or person with uid {uid!r}; search for it first")
        label, row = "Person", per[0]
    tables = _tables(store, uid, label, day, region_table)
    pen = _penalties(store, uid)
    commitments, red = commitments_of(store, uid), red_lists_of(store, uid, day)
    raw = related_records(store, uid, label, day)
    direct = _direct_rows(label, tables)
    counts = active_counts(store, [*(r["uid"] for r in raw), *(d["uid"] for d in direct)], index=active)  # one read
    related = _with_direct_parties(_related(store, uid, label, region_table, day, raw, counts), store, region_table,
                                   direct, counts)
    if label == "Enterprise":
        signals = _enterprise_signals(row, pen, tables["shareholders"], tables["holdings"], raw, tables["legal_reps"])
    else:
        signals = _person_signals(pen, tables["roles"], raw)
    signals += list_signals(pen, red, commitments)
    signals = (_analysis_signals(store, uid, label, analyses, day if as_of is not None else None)
               + _name_hub_signals(store, uid, day if as_of is not None else None, name_hubs) + signals)
    reg = row.get("region")
    return {
        "kind": label,
        "kind_zh": MODEL.node(label).label_zh,
        "uid": uid,
        "name": row.get("name"),
        "status": row.get("status") if label == "Enterprise" else None,
        "region": None if _is_missing(reg) else reg,
        "region_name": _region_name(reg, region_table) if not _is_missing(reg) else "",
        "facts": _facts(label, row),
        **tables,
        "penalties": pen,
        "lists": lists_of(pen, red),
        "commitments": commitments,
        "red_lists": red,
        "signals": Rows(SIGNAL_COLUMNS, signals),
        "related": related,
        "as_of": day.isoformat(),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
