"""关系图谱 Graph explorer: the neighbourhood of a party drawn with pyvis (offline), filtered and re-centrable."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque

import pandas as pd
import streamlit as st

from creditgraph.app import common as C
from creditgraph.app import graphview
from creditgraph.app import masking
from creditgraph.app import riskfilters as F
from creditgraph.app import session as S
from creditgraph.graph.model import MODEL

DEFAULT_RELS = ["LEGAL_REP", "HOLDS_SHARES", "PENALIZED", "HAS_ADDRESS", "HAS_PHONE", "HAS_EMAIL", "POSSIBLY_SAME_AS"]
CAPS = [20, 50, 100, 200, 300, 500]

st.title("关系图谱 Graph explorer")
S.require("explore", "关系图谱 Graph explorer")
store, version, key = C.ctx()

uid = C.party_picker("graph_pick", "中心主体 Centre (search)", default_uid=C.current_uid())
if not uid:
    st.info("先搜索并选择一个企业或自然人 Search for an enterprise or a person first.")
    st.stop()

c1, c2, c3, c4, c5 = st.columns([1.2, 3, 2, 1.2, 1.4])
hops = c1.radio("深度 Depth", [1, 2, 3], index=1, horizontal=True, key="graph_hops")
rels = c2.multiselect("关系类型 Relationship kinds", list(MODEL.rels), default=DEFAULT_RELS,
                      format_func=lambda t: f"{MODEL.rel(t).label_zh} {MODEL.rel(t).label_en}", key="graph_rels",
                      placeholder="选择关系类型 Choose relationship kinds")
statuses = c3.multiselect("处罚状态 Penalty status", C.PENALTY_STATUSES, default=["active"],
                          format_func=lambda s: f"{C.status_zh(s)} {s}", key="graph_status",
                          placeholder="选择状态 Choose statuses")
cap = c4.selectbox("节点上限 Node cap", CAPS, index=3, key="graph_cap")
as_of = c5.date_input("截至日期 As of", value=dt.date.today(), min_value=F.FIRST_DAY, max_value=dt.date(2100, 1, 1),
                      key="graph_as_of", help="只显示该日有效的任职与持股 Only roles and holdings valid that day are drawn")
if not rels:
    st.warning("请至少选择一种关系 Choose at least one relationship kind.")
    st.stop()

include_history = any(s != "active" for s in statuses)
try:
    with st.spinner("展开邻域 Expanding the neighbourhood…"):
        res = C.run_analysis("neighborhood", uid=uid, hops=int(hops), rel_types=tuple(rels), limit=int(cap),
                             include_history=include_history, **F.as_of_params(as_of))
except (KeyError, ValueError) as exc:
    st.error(f"无法展开 Cannot expand: {exc}")
    st.stop()

sub = res.subgraph
nodes = sub.nodes.copy() if sub is not None else pd.DataFrame(columns=["uid", "label", "name", "caption", "props"])
edges = sub.rels.copy() if sub is not None else pd.DataFrame(columns=["src", "dst", "type", "caption", "props"])
too_large = len(res.table) - 1 >= int(cap)

# penalty-status filter: drop events of other statuses, then whatever is no longer connected to the centre
status_of = {r["uid"]: (r["props"] or {}).get("status") for r in nodes.to_dict("records") if r["label"] == "PenaltyEvent"}
dropped = {u for u, s in status_of.items() if (s or "active") not in statuses}
if dropped:
    edges = edges[~edges["src"].isin(dropped) & ~edges["dst"].isin(dropped)]
    adj = defaultdict(set)
    for a, b in zip(edges["src"], edges["dst"]):
        adj[a].add(b)
        adj[b].add(a)
    keep, todo = {uid}, deque([uid])
    while todo:
        for n in adj[todo.popleft()]:
            if n not in keep:
                keep.add(n)
                todo.append(n)
    nodes = nodes[nodes["uid"].isin(keep)]
    edges = edges[edges["src"].isin(keep) & edges["dst"].isin(keep)]

parties = tuple(sorted(nodes.loc[nodes["label"].isin(["Enterprise", "Person"]), "uid"]))
active = C.cached_active_counts(key, version, parties) if parties else {}

centre_name = nodes.loc[nodes["uid"] == uid, "name"]
C.select(uid, centre_name.iloc[0] if len(centre_name) else None)
st.markdown(f"**{C.name_of(uid)}** · {hops} 度邻域 {hops}-hop neighbourhood · {len(nodes)} 个节点 nodes · {len(edges)} 条关系 relationships"
            f" · {F.as_of_text({'as_of': as_of.isoformat()})}")
if too_large:
    st.warning(f"邻域过大 The neighbourhood is too large: 仅显示距中心最近的 {cap} 个节点 only the {cap} nodes nearest to the centre"
               " are drawn. 请减小深度、减少关系类型或提高上限 Reduce the depth, drop relationship kinds or raise the cap.")

# phones and e-mails are nodes keyed by the clear value: pseudonymise them before anything reaches the page
shown_nodes, shown_edges, private = masking.mask_subgraph(nodes, edges, C.mask_key())
html = graphview.build_html(shown_nodes, shown_edges, centre=private.get(uid, uid), active=active, height=640)
st.iframe(html, height=660)
st.markdown(graphview.legend_markdown(), unsafe_allow_html=True)
dense_note = ""
if len(nodes) > graphview.DENSE_NODES:
    dense_note = (f" 超过 {graphview.DENSE_NODES} 个节点时只标注企业和自然人，其余悬停查看 Beyond {graphview.DENSE_NODES} nodes only "
                  "companies and people are labelled; hover for the rest.")
elif len(edges) > graphview.DENSE_EDGES:
    dense_note = (f" 超过 {graphview.DENSE_EDGES} 条关系时关系名称悬停查看 Beyond {graphview.DENSE_EDGES} relationships their "
                  "names show on hover.")
st.caption("悬停查看详情 Hover a node or a line for details; 拖动、滚轮缩放 drag to move, scroll to zoom." + dense_note)

others = nodes[nodes["uid"] != uid]
if len(others):
    labels = {r["uid"]: f"{r['name']} · {C.label_zh(r['label'])}" for r in others.to_dict("records")}
    order = others.assign(party=others["label"].isin(["Enterprise", "Person"])).sort_values(["party", "name"], ascending=[False, True])
    e1, e2, e3 = st.columns([3, 1, 1])
    target = e1.selectbox("选择节点 Choose a node", order["uid"].tolist(), format_func=lambda u: labels.get(u, u),
                          key="graph_target")

    def _recentre(t: str = target) -> None:
        C.select(t, labels.get(t, t).split(" · ")[0])
        st.session_state["graph_pick_q"] = ""

    e2.button("以此为中心展开 Expand (re-centre)", key="graph_recentre", on_click=_recentre)
    if e3.button("查看画像 Open profile", key="graph_profile"):
        C.go("profile", target, labels.get(target, target).split(" · ")[0])

with st.expander("节点列表 Nodes", expanded=False):
    table = res.table[res.table["uid"].isin(set(nodes["uid"]))].copy()
    table["label"] = table["label"].map(C.label_zh)
    table["active"] = table["uid"].map(active).fillna(0).astype(int)
    table["uid"] = table["uid"].map(lambda u: private.get(u, u))
    table = masking.mask_cells(table)
    cols = {"caption": "名称 Name", "label": "类型 Kind", "hops": "距离 Hops", "status": "状态 Status",
            "active": "有效处罚 Active", "uid": "主键 uid"}
    st.dataframe(table[[c for c in cols if c in table.columns]].rename(columns=cols), hide_index=True, width="stretch",
                 key="graph_nodes")

former = res.extras.get("former")
if former is not None and len(former):
    with st.expander(f"历任 Former ({len(former)}): 截至该日已卸任的法定代表人、已退出的股东与投资, 图中不画 "
                     "roles and holdings ended by that day, not drawn", expanded=False):
        shown = former.assign(label=former["label"].map(C.label_zh), role=former["role"].map(C.rel_zh),
                              uid=former["uid"].map(lambda u: private.get(u, u)))
        shown = masking.mask_cells(shown)
        fcols = {"name": "名称 Name", "label": "类型 Kind", "role": "关系 Relationship", "period": "期间 Period",
                 "ended_by_text": "终止依据 How it ended"}
        st.dataframe(shown[list(fcols)].rename(columns=fcols), hide_index=True, width="stretch", key="graph_former")
