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
* related parties and what connects them (a shared person, owner, address,
  phone or e-mail — phones and e-mails masked);
* risk signals: cheap ones read off the profile itself, the name hub the
  party belongs to (queries.name_hubs, keyed reads by name), and those of the
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
from creditgraph.graph.store import GraphStore
from creditgraph.queries._base import as_of_date, is_missing as _is_missing, lookup_props
from creditgraph.queries.lifecycle import is_end_status
from creditgraph.queries.profile_history import split_history
from creditgraph.queries.profile_lists import LIST_COLORS, code_zh, commitments_of, list_signals, lists_of, red_lists_of
from creditgraph.queries.result import format_ratio
from creditgraph.queries.search import region_name, regions

__all__ = ["profile", "active_counts", "NotFound", "LIST_KINDS", "LIST_COLORS", "penalty_kind_zh", "penalty_status_zh",
           "code_zh", "rows_mentioning"]

#: Penalty kinds that are list memberships (名单) rather than one-off decisions.
LIST_KINDS = ("abnormal_operation", "serious_illegal", "dishonest_debtor")
ACTIVE = "active"
DISSOLVED = ("注销", "吊销", "撤销", "迁出")  # status text naming the end (substring: 吊销未注销 …; queries.lifecycle)
UNREACHABLE = "无法联系"
RELATED_LIMIT = 200

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


def _facts(label: str, row: Mapping[str, Any]) -> pd.DataFrame:
    """Property, Chinese label and value: featured properties first, personal ones left out."""
    node = MODEL.node(label)
    order = [*node.featured, *(p for p in node.properties if p not in node.featured)]
    rows = []
    for p in order:
        if p in node.personal or p not in row or p in ("uid", "name_key", "resolved", "source", "updated_at"):
            continue
        v = row[p]
        if _is_missing(v):
            continue
        v = SCOPE_ZH.get(v, v) if p == "scope" else v
        rows.append({"field": p, "label_zh": node.properties[p].label_zh or p, "value": v,
                     "featured": p in node.featured})
    return pd.DataFrame(rows, columns=["field", "label_zh", "value", "featured"])


def _penalties(store: GraphStore, uid: str) -> pd.DataFrame:
    df = store.query("profile_penalties", {"uid": uid})
    if df.empty:
        cols = [*df.columns, "kind_zh", "status_zh", "active", "is_list"]
        return pd.DataFrame(columns=cols)
    df = df.drop_duplicates("uid")
    df["kind_zh"] = df["kind"].map(penalty_kind_zh)
    df["status_zh"] = df["status"].map(penalty_status_zh)
    df["active"] = (df["status"] == ACTIVE).fillna(False).astype(bool)
    df["is_list"] = df["kind"].isin(LIST_KINDS)
    return df.sort_values(["decided", "uid"], ascending=[False, True], na_position="last").reset_index(drop=True)


def active_counts(store: GraphStore, uids: list[str], as_of=None) -> dict[str, int]:
    """Active penalty events per party (enterprises and people) for a list of uids, decided by ``as_of``."""
    uids = sorted({u for u in uids if isinstance(u, str)})
    if not uids:
        return {}
    df = store.query("profile_active_counts", {"uids": uids, "as_of": as_of_date(as_of)})
    return dict(zip(df["uid"], df["active_penalties"].astype(int)))


_ROLE = {"LEGAL_REP": "法定代表人", "HOLDS_SHARES": "股东"}


def _roles(values) -> str:
    return "/".join(_ROLE.get(v, v) for v in sorted(set(values), key=lambda v: (v != "LEGAL_REP", v)))


def _via_text(r: Mapping[str, Any]) -> str:
    """One connection in words, e.g. ``同一自然人 张三 (法定代表人/股东)``."""
    lab, name = r["via_label"], r["via_name"]
    if lab == "Person":
        if "POSSIBLY_SAME_AS" in r["via_rels"]:
            score = r.get("score")
            return f"疑似同一人: {name}" + ("" if _is_missing(score) else f" ({score:.2f})")
        return f"同一自然人 {name} (在本企业任{_roles(r['via_rels'])}，在对方任{_roles(r['rels'])})"
    if lab == "Enterprise":
        if r["label"] == "Enterprise":
            return f"同一企业股东 {name}"
        return f"同在 {name} (本人任{_roles(r['via_rels'])}，对方任{_roles(r['rels'])})"
    if lab == "Address":
        return f"同一住所 {name}" + (" (集中办公区)" if bool(r.get("via_cluster")) else "")
    if lab == "Phone":
        return f"同一电话 {name}"
    if lab == "Email":
        return f"同一邮箱 {name}"
    return str(name or "")


def _related(store: GraphStore, uid: str, label: str, region_table: pd.DataFrame,
             day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Related parties (one row per party, the connections joined) and the raw connection rows; a
    connection through a role or holding counts when both are valid on ``day``."""
    name = "profile_related_enterprise" if label == "Enterprise" else "profile_related_person"
    raw = store.query(name, {"uid": uid, "limit": RELATED_LIMIT, "as_of": day})
    cols = ["uid", "label", "label_zh", "name", "status", "region_name", "via", "via_kinds", "active_penalties"]
    if raw.empty:
        return pd.DataFrame(columns=cols), raw
    if "via_cluster" not in raw.columns:
        raw["via_cluster"] = False
    if "score" not in raw.columns:
        raw["score"] = None
    keys = ["uid", "via_label", "via_uid"]
    conn = raw.groupby(keys, sort=False, dropna=False).agg(
        label=("label", "first"), name=("name", "first"), status=("status", "first"), region=("region", "first"),
        via_name=("via_name", "first"), via_rels=("via_rel", list), rels=("rel", list),
        via_cluster=("via_cluster", "max"), score=("score", "max")).reset_index()
    conn["via"] = [_via_text(r) for r in conn.to_dict("records")]
    counts = active_counts(store, conn["uid"].tolist())
    g = conn.groupby("uid", sort=False)
    out = pd.DataFrame({
        "uid": list(g.groups),
        "label": g["label"].first().to_numpy(),
        "name": g["name"].first().to_numpy(),
        "status": g["status"].first().to_numpy(),
        "region": g["region"].first().to_numpy(),
        "via": g["via"].agg(lambda s: "；".join(dict.fromkeys(s))).to_numpy(),
        "via_kinds": g["via_label"].agg(lambda s: ",".join(dict.fromkeys(s))).to_numpy(),
    })
    out["label_zh"] = out["label"].map(lambda label: MODEL.node(label).label_zh if label in MODEL.nodes else label)
    out["region_name"] = out["region"].map(lambda c: region_name(c, region_table))
    out["active_penalties"] = out["uid"].map(counts).fillna(0).astype(int)
    out = out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True], kind="stable")
    return out[cols].reset_index(drop=True), raw


def _direct_rows(label: str, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The party's own people and companies, current and former (the profile's tables), as related-party
    rows: ``uid, label, name, via``; a former one's connection names its period."""
    parts = []
    for key, former in (("", False), ("former_", True)):
        reps, sh = tables.get(key + "legal_reps"), tables.get(key + "shareholders")
        roles, hold = tables.get(key + "roles"), tables.get(key + "holdings")
        when = (lambda df: " (" + df["period"] + ")") if former else (lambda df: "")
        if label == "Enterprise" and reps is not None and len(reps):
            text = "本企业原法定代表人 former legal representative" if former else "本企业法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": reps["person_uid"], "label": "Person", "name": reps["person_name"],
                                       "via": text + when(reps)}))
        if label == "Enterprise" and sh is not None and len(sh):
            text = "本企业原股东 former shareholder " if former else "本企业股东 shareholder "
            parts.append(pd.DataFrame({"uid": sh["holder_uid"], "label": sh["holder_label"], "name": sh["holder_name"],
                                       "via": text + sh["ratio"].map(_ratio_text) + when(sh)}))
        if label == "Person" and roles is not None and len(roles):
            text = "本人曾任法定代表人 former legal representative" if former else "本人任法定代表人 legal representative"
            parts.append(pd.DataFrame({"uid": roles["uid"], "label": "Enterprise", "name": roles["name"],
                                       "via": text + when(roles)}))
        if hold is not None and len(hold):
            text = "原对外投资 former holding " if former else "对外投资 holding "
            parts.append(pd.DataFrame({"uid": hold["uid"], "label": "Enterprise", "name": hold["name"],
                                       "via": text + hold["ratio"].map(_ratio_text) + when(hold)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["uid", "label", "name", "via"])


def _ratio_text(r: Any) -> str:
    return "" if _is_missing(r) else format_ratio(float(r))


def _with_direct_parties(related: pd.DataFrame, label: str, tables: Mapping[str, pd.DataFrame], store: GraphStore,
                         region_table: pd.DataFrame) -> pd.DataFrame:
    """Related parties including the party's own representatives, shareholders and companies (current and
    former), so that the count agrees with the profile's signals and tables ("legal representative of 9
    other companies" beside "related parties 9"); a party reached both ways gets both connections."""
    direct = _direct_rows(label, tables)
    if direct.empty:
        return related
    direct = direct.groupby("uid", sort=False).agg(label=("label", "first"), name=("name", "first"),
                                                   via=("via", lambda s: "；".join(dict.fromkeys(s)))).reset_index()
    new = direct
    if len(related):  # reached both ways: one row, both connections
        extra = direct.set_index("uid")["via"]
        related = related.copy()
        both = related["uid"].isin(extra.index)
        related.loc[both, "via"] = related.loc[both, "uid"].map(extra) + "；" + related.loc[both, "via"]
        new = direct[~direct["uid"].isin(related["uid"])].reset_index(drop=True)
    if new.empty:
        return related
    info = lookup_props(store, {lab: list(g["uid"]) for lab, g in new.groupby("label")})
    new["status"] = [info.get(u, ("", {}))[1].get("status" if lab == "Enterprise" else "id_masked")
                     for u, lab in zip(new["uid"], new["label"])]
    new["region"] = [info.get(u, ("", {}))[1].get("region") for u in new["uid"]]
    new["region_name"] = new["region"].map(lambda c: region_name(c, region_table) if not _is_missing(c) else "")
    new["label_zh"] = new["label"].map(lambda lab: MODEL.node(lab).label_zh if lab in MODEL.nodes else lab)
    new["via_kinds"] = "direct"
    counts = active_counts(store, new["uid"].tolist())
    new["active_penalties"] = new["uid"].map(counts).fillna(0).astype(int)
    out = pd.concat([related, new[related.columns]], ignore_index=True) if len(related) else new[related.columns]
    return out.sort_values(["active_penalties", "label", "name"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


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


def _name_hub_signals(store: GraphStore, uid: str, as_of: dt.date | None = None) -> list[dict]:
    """The name hub (同名集中任职, queries.name_hubs) this party belongs to: a name-only person, or an
    enterprise headed by one. Keyed reads by name: cheap enough for every profile."""
    try:
        from creditgraph.queries.name_hubs import name_hubs_of

        hubs = name_hubs_of(store, uid, as_of=as_of)
    except Exception as exc:  # noqa: BLE001 — a failed signal must not take the profile down
        return [{"signal": "同名集中任职 name hub", "value": "不可用 unavailable", "detail": str(exc)[:200],
                 "source": "name_hubs", "level": "info"}]
    level = {"corroborated": "high", "weak": "medium", "name only": "low"}
    out = []
    for h in hubs.to_dict("records"):
        traces = "；".join(h["shared_traces"][:3]) or "无共同痕迹 nothing shared"
        out.append({"signal": "同名集中任职 name hub",
                    "value": f"{h['name']} · {h['city_name'] or h['city']} · {h['companies']} 家 · {h['confidence_label']}",
                    "detail": traces, "source": "name_hubs", "level": level[h["confidence"]]})
    return out


def _days(a, b) -> int | None:
    if _is_missing(a) or _is_missing(b):
        return None
    return int((pd.Timestamp(b) - pd.Timestamp(a)).days)


def _enterprise_signals(e: Mapping[str, Any], pen: pd.DataFrame, shareholders: pd.DataFrame,
                        holdings: pd.DataFrame, raw_related: pd.DataFrame, reps: pd.DataFrame) -> list[dict]:
    s: list[dict] = []
    active = pen[pen["active"]] if len(pen) else pen
    if len(active):
        kinds = "、".join(sorted(active["kind_zh"].unique()))
        s.append({"signal": "有效处罚/名单 active penalties", "value": f"{len(active)} 条", "detail": kinds,
                  "source": "profile", "level": "high" if len(active) >= 3 else "medium"})
    unreachable = active[(active["kind"] == "abnormal_operation") & active["reason"].astype("string").str.contains(UNREACHABLE, na=False)] if len(active) else active
    if len(unreachable):
        s.append({"signal": "住所无法联系 unreachable at registered address", "value": "是",
                  "detail": "经营异常名录: " + str(unreachable["reason"].iloc[0]), "source": "profile", "level": "high"})
    if len(shareholders) and shareholders["subscribed"].notna().any():
        sub = float(shareholders["subscribed"].fillna(0).sum())
        paid = float(shareholders["paid"].fillna(0).sum())
        if sub > 0:
            ratio = paid / sub
            if ratio <= 0.05:
                s.append({"signal": "实缴极低 tiny paid-in capital", "value": f"{ratio:.1%}",
                          "detail": f"实缴 {paid:,.0f} / 认缴 {sub:,.0f} 元", "source": "profile", "level": "medium"})
    life = _days(e.get("founded"), e.get("dissolved"))
    if is_end_status(e.get("status")) and life is not None and life <= 730:
        s.append({"signal": "存续期短 short life", "value": f"{life} 天", "detail": f"{e.get('status')}", "source": "profile",
                  "level": "medium"})
    if len(shareholders) and len(holdings):
        mutual = set(shareholders.loc[shareholders["holder_label"] == "Enterprise", "holder_uid"]) & set(holdings["uid"])
        if mutual:
            s.append({"signal": "相互持股 mutual shareholding", "value": f"{len(mutual)} 家", "detail": "、".join(sorted(mutual)),
                      "source": "profile", "level": "medium"})
    if len(raw_related):
        rep_uids = set(reps["person_uid"]) if len(reps) else set()
        by_rep = raw_related[(raw_related["via_label"] == "Person") & raw_related["via_uid"].isin(rep_uids)
                             & (raw_related["via_rel"] == "LEGAL_REP") & (raw_related["rel"] == "LEGAL_REP")]
        if len(by_rep):
            n = by_rep["uid"].nunique()
            s.append({"signal": "法定代表人兼任 legal representative of other companies", "value": f"{n} 家",
                      "detail": "、".join(by_rep["name"].dropna().astype(str).unique()[:5]), "source": "profile",
                      "level": "high" if n >= 4 else "low"})
        for lab, text in (("Address", "共用住所 shared address"), ("Phone", "共用电话 shared phone"), ("Email", "共用邮箱 shared e-mail")):
            part = raw_related[raw_related["via_label"] == lab]
            if lab == "Address":
                part = part[part["via_cluster"] != True]  # noqa: E712 — declared cluster addresses are legal
            if len(part):
                n = part["uid"].nunique()
                s.append({"signal": text, "value": f"{n} 个主体", "detail": str(part["via_name"].iloc[0]),
                          "source": "profile", "level": "medium" if n >= 3 else "low"})
    return s


def _person_signals(pen: pd.DataFrame, roles: pd.DataFrame, holdings: pd.DataFrame, raw_related: pd.DataFrame) -> list[dict]:
    s: list[dict] = []
    active = pen[pen["active"]] if len(pen) else pen
    if len(active):
        s.append({"signal": "本人有效处罚/名单 active penalties", "value": f"{len(active)} 条",
                  "detail": "、".join(sorted(active["kind_zh"].unique())), "source": "profile", "level": "high"})
    if len(roles):
        s.append({"signal": "担任法定代表人 legal representative", "value": f"{len(roles)} 家", "detail": "",
                  "source": "profile", "level": "high" if len(roles) >= 5 else "low"})
    if len(roles) and "active_penalties" in roles:
        bad = roles[roles["active_penalties"] > 0]
        if len(bad) >= 2:
            s.append({"signal": "多家关联企业失信 penalties in several companies", "value": f"{len(bad)} 家",
                      "detail": "、".join(bad["name"].astype(str).unique()[:5]), "source": "profile", "level": "high"})
        gone = roles[roles["status"].map(is_end_status).astype(bool)]
        if len(gone):
            s.append({"signal": "名下企业注销/吊销 dissolved companies", "value": f"{len(gone)} 家",
                      "detail": "、".join(gone["name"].astype(str).unique()[:5]), "source": "profile", "level": "low"})
    if len(raw_related):
        same = raw_related[raw_related["via_rel"] == "POSSIBLY_SAME_AS"]
        if len(same):
            s.append({"signal": "疑似同一人 possibly the same person", "value": f"{same['uid'].nunique()} 条记录",
                      "detail": "；".join(same["via_name"].dropna().astype(str).unique()[:3]), "source": "profile", "level": "low"})
    return s


def _tables(store: GraphStore, uid: str, label: str, day: dt.date, region_table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The party's roles and holdings split by ``day``: ``legal_reps``, ``shareholders`` (an enterprise's),
    ``roles`` (a person's), ``holdings``, each current and ``former_…`` (ended by ``day``)."""
    out: dict[str, pd.DataFrame] = {}
    if label == "Enterprise":
        out["legal_reps"], out["former_legal_reps"] = split_history(store.query("profile_legal_reps", {"uid": uid}), day)
        sh = store.query("profile_shareholders", {"uid": uid})
        if len(sh):
            sh["holder_label_zh"] = sh["holder_label"].map(lambda label: MODEL.node(label).label_zh)
            sh["paid_ratio"] = (sh["paid"] / sh["subscribed"].where(sh["subscribed"] > 0)).astype("float64")
        cur, old = split_history(sh, day)
        out["shareholders"] = cur.sort_values(["ratio", "holder_name"], ascending=[False, True], na_position="last",
                                              kind="stable").reset_index(drop=True) if len(cur) else cur
        out["former_shareholders"] = old
        out["roles"] = out["former_roles"] = pd.DataFrame()
    else:
        out["legal_reps"] = out["former_legal_reps"] = out["shareholders"] = out["former_shareholders"] = pd.DataFrame()
        roles = store.query("profile_roles", {"uid": uid})
        if len(roles):
            roles["region_name"] = roles["region"].map(lambda c: region_name(c, region_table))
        out["roles"], out["former_roles"] = split_history(roles, day, sort=["founded", "name"])
    hold = store.query("profile_holdings", {"uid": uid})
    if len(hold):
        hold["region_name"] = hold["region"].map(lambda c: region_name(c, region_table))
    cur, old = split_history(hold, day)
    out["holdings"] = cur.sort_values(["ratio", "name"], ascending=[False, True], na_position="last",
                                      kind="stable").reset_index(drop=True) if len(cur) else cur
    out["former_holdings"] = old
    return out


def profile(store: GraphStore, uid: str, analyses: Mapping[str, Any] | None = None, as_of: Any = None) -> dict:
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
    day = as_of_date(as_of)
    region_table = regions(store)
    ent = store.query("profile_enterprise", {"uid": uid})
    if len(ent):
        label = "Enterprise"
        row = ent.iloc[0].to_dict()
    else:
        per = store.query("profile_person", {"uid": uid})
        if per.empty:
            raise NotFound(f"no enterprise or person with uid {uid!r}; search for it first")
        label = "Person"
        row = per.iloc[0].to_dict()
    tables = _tables(store, uid, label, day, region_table)
    reps, sh, hold, roles = tables["legal_reps"], tables["shareholders"], tables["holdings"], tables["roles"]
    pen = _penalties(store, uid)
    commitments, red = commitments_of(store, uid), red_lists_of(store, uid, day)
    related, raw_related = _related(store, uid, label, region_table, day)
    related = _with_direct_parties(related, label, tables, store, region_table)
    if label == "Enterprise":
        signals = _enterprise_signals(row, pen, sh, hold, raw_related, reps)
    else:
        signals = _person_signals(pen, roles, hold, raw_related)
    signals += list_signals(pen, red, commitments)
    signals = (_analysis_signals(store, uid, label, analyses, day if as_of is not None else None)
               + _name_hub_signals(store, uid, day if as_of is not None else None) + signals)
    reg = row.get("region")
    return {
        "kind": label,
        "kind_zh": MODEL.node(label).label_zh,
        "uid": uid,
        "name": row.get("name"),
        "status": row.get("status") if label == "Enterprise" else None,
        "region": None if _is_missing(reg) else reg,
        "region_name": region_name(reg, region_table) if not _is_missing(reg) else "",
        "facts": _facts(label, row),
        **tables,
        "penalties": pen,
        "lists": lists_of(pen, red),
        "commitments": commitments,
        "red_lists": red,
        "signals": pd.DataFrame(signals, columns=["signal", "value", "detail", "source", "level"]),
        "related": related,
        "as_of": day.isoformat(),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
