"""Suspected relations (疑似关联): parties sharing an address, a phone or an e-mail with a party.

Declared cluster addresses (集中办公区) are left out: companies registered there
share an address by design. Phones and e-mail addresses are shown masked.
Addresses, phones and e-mails carry no period (docs/time.md): ``as_of`` is
taken like every analysis's and recorded, and changes nothing here.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from creditgraph.queries._asof import iso
from creditgraph.queries._base import as_of_date, records, fetch, lookup_props, require_label
from creditgraph.queries.cypher_gen import PARTY_LABELS, query_name
from creditgraph.queries.result import AnalysisResult, EvidenceBuilder, finish, node_name

VIA_REL = {"Address": "HAS_ADDRESS", "Phone": "HAS_PHONE", "Email": "HAS_EMAIL"}
VIA_ZH = {"Address": "同一住所", "Phone": "同一电话", "Email": "同一邮箱"}


def suspected_relations(store, uid: str, as_of: dt.date | str | None = None) -> AnalysisResult:
    """Parties that share a (non-cluster) address, a phone or an e-mail with ``uid``.

    Parameters
    ----------
    store : GraphStore
        The graph.
    uid : str
        The party: an enterprise or a person.
    as_of : date or str, optional
        The day the graph is seen on (default today); shared identifiers have no period, so
        it is only recorded.

    Returns
    -------
    AnalysisResult
        ``table``: one row per related party, most shared identifiers first: ``uid,
        label, name, shared`` (how many identifiers), ``via`` (同一住所 / 同一电话 /
        同一邮箱), ``identifiers`` (address text, masked phone / e-mail), ``status``,
        ``region``. ``evidence[row_id]``: party → identifier ← related party.

    Example
    -------
    >>> from creditgraph.queries.testing import toy_store
    >>> s = toy_store([("Enterprise", "E1", {"name": "甲公司"}), ("Enterprise", "E2", {"name": "乙公司"}),
    ...                ("Phone", "13912345678", {})],
    ...               [("HAS_PHONE", "E1", "13912345678"), ("HAS_PHONE", "E2", "13912345678")])
    >>> r = suspected_relations(s, "E1")
    >>> r.table[["name", "via", "identifiers"]].values.tolist()
    [['乙公司', '同一电话', '139****5678']]
    >>> print(r.evidence[0].paths_text)
    甲公司 -[联系电话]-> 139****5678 <-[联系电话]- 乙公司
    >>> s.close()
    """
    day = as_of_date(as_of)
    label = require_label(store, uid, PARTY_LABELS)
    df = fetch(store, query_name("suspected", label=label), {"uid": uid})
    me = lookup_props(store, {label: [uid]}).get(uid, (label, {}))[1]
    recs = records(df)
    groups: dict[str, list[dict]] = {}
    for r in recs:
        groups.setdefault(r["uid"], []).append(r)

    def ident(r) -> str:
        return node_name(r["via_label"], r["via_uid"], {"text": r.get("via_text"), "masked": r.get("via_masked")})

    rows = []
    for other, rs in groups.items():
        rs = sorted(rs, key=lambda r: (r["via_label"], r["via_uid"]))
        rows.append({"uid": other, "label": rs[0]["label"], "name": rs[0].get("name"), "shared": len(rs),
                     "via": "、".join(dict.fromkeys(VIA_ZH.get(r["via_label"], r["via_label"]) for r in rs)),
                     "identifiers": "、".join(ident(r) for r in rs), "status": rs[0].get("status"),
                     "region": rs[0].get("region"), "_rs": rs})
    rows.sort(key=lambda r: (-r["shared"], r["uid"]))
    cols = ["uid", "label", "name", "shared", "via", "identifiers", "status", "region"]
    table = pd.DataFrame([{k: r[k] for k in cols} for r in rows], columns=cols)

    def build(row):
        r = rows[int(row["row_id"])]
        b = EvidenceBuilder()
        b.node(uid, label, **me)
        b.node(r["uid"], r["label"], name=r["name"], status=r["status"], region=r["region"])
        for x in r["_rs"]:
            b.node(x["via_uid"], x["via_label"], text=x.get("via_text"), masked=x.get("via_masked"))
            rel = VIA_REL[x["via_label"]]
            b.path([uid, x["via_uid"], r["uid"]], [(rel, True), (rel, False)])
        return b.build()

    return finish("suspected_relations", {"uid": uid, "as_of": iso(day)}, table, build)
