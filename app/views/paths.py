"""路径 Paths: how two parties are connected — shortest or all bounded paths, drawn and listed."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from creditgraph.app import common as C
from creditgraph.app import graphview
from creditgraph.app import masking
from creditgraph.app import riskfilters as F
from creditgraph.app import session as S

st.title("路径 Paths between two parties")
S.require("explore", "路径 Paths")
store, version, key = C.ctx()

c1, c2 = st.columns(2)
with c1:
    a = C.party_picker("path_a_pick", "起点 From (search)", default_uid=st.session_state.get("path_a") or C.current_uid())
    if a:
        st.session_state["path_a"] = a
with c2:
    b = C.party_picker("path_b_pick", "终点 To (search)", default_uid=st.session_state.get("path_b"))
    if b:
        st.session_state["path_b"] = b

o1, o2, o3, o4 = st.columns(4)
max_hops = o1.slider("最大跳数 Max hops", 1, 6, 4, key="path_hops")
all_paths = o2.toggle("全部路径 All paths (not only the shortest)", value=False, key="path_all")
limit = o3.selectbox("最多路径数 Most paths", [10, 25, 50, 100], index=2, key="path_limit")
as_of = o4.date_input("截至日期 As of", value=dt.date.today(), min_value=F.FIRST_DAY, max_value=dt.date(2100, 1, 1),
                      key="path_as_of", help="只经过该日有效的任职与持股 Only through roles and holdings valid that day")

if not a or not b:
    st.info("请选择起点和终点 Choose both parties (search above).")
    st.stop()
if a == b:
    st.warning("起点与终点相同 The two parties are the same.")
    st.stop()

try:
    with st.spinner("查找路径 Finding paths…"):
        res = C.run_analysis("paths", a=a, b=b, max_hops=int(max_hops), all_paths=bool(all_paths), limit=int(limit),
                             **F.as_of_params(as_of))
except (KeyError, ValueError) as exc:
    st.error(f"无法查找 Cannot search: {exc}")
    st.stop()

st.markdown(f"**{C.name_of(a)}** ⟷ **{C.name_of(b)}** · {F.as_of_text({'as_of': as_of.isoformat()})}")
if res.table.empty:
    st.info(f"{max_hops} 跳之内没有路径 No path within {max_hops} hops. 试试增加跳数 Try more hops.")
    st.stop()

st.success(f"找到 {len(res.table)} 条路径 {len(res.table)} path(s) found" + ("（已达上限 limit reached）" if len(res.table) >= limit else ""))
sub = res.subgraph
if sub is not None and len(sub.nodes):
    parties = tuple(sorted(sub.nodes.loc[sub.nodes["label"].isin(["Enterprise", "Person"]), "uid"]))
    active = C.cached_active_counts(key, version, parties) if parties else {}
    shown_nodes, shown_rels, _ = masking.mask_subgraph(sub.nodes, sub.rels, C.mask_key())
    html = graphview.build_html(shown_nodes, shown_rels, centre=a, active=active, highlight={a, b}, height=520)
    st.iframe(html, height=540)
    st.markdown(graphview.legend_markdown(), unsafe_allow_html=True)

table = masking.mask_cells(res.table)
cols = {"hops": "跳数 Hops", "path": "路径 Path", "via_cluster_address": "经集中办公区 Via cluster address"}
st.dataframe(table[[c for c in cols if c in table.columns]].rename(columns=cols), hide_index=True, width="stretch",
             key="path_table")
with st.expander("路径明细 Path details (evidence)"):
    for rid in table["row_id"].tolist()[:50]:
        ev = res.evidence[rid]
        st.markdown(f"**#{rid + 1}**")
        st.code(masking.mask_text(ev.paths_text or ""), language=None)
        rels = ev.rels.copy()
        if len(rels):
            names = dict(zip(ev.nodes["uid"], ev.nodes["caption"]))
            rels["type"] = rels["type"].map(C.rel_zh)
            rels["src"] = rels["src"].map(lambda u, names=names: names.get(u, u))
            rels["dst"] = rels["dst"].map(lambda u, names=names: names.get(u, u))
            st.dataframe(rels[["src", "type", "dst", "caption"]].rename(columns={
                "src": "从 From", "type": "关系 Relationship", "dst": "到 To", "caption": "说明 Caption"}),
                hide_index=True, width="stretch", key=f"path_rels_{rid}")
