"""搜索 Search: find enterprises and people by name, USCC or person name."""
from __future__ import annotations

import streamlit as st

from creditgraph.app import common as C
from creditgraph.app import session as S

st.title("搜索 Search")
S.require("explore", "搜索 Search")
st.caption("按企业名称（可部分匹配，全角、括号不影响）、统一社会信用代码 USCC（精确）或自然人姓名（精确或前缀）查找。"
           " Company name (partial), USCC (exact) or person name (exact or prefix).")

store, version, key = C.ctx()
c1, c2 = st.columns([4, 2])
with c1:
    text = st.text_input("关键词 Query", key="search_text", placeholder="例如 e.g. 宁波锦野贸易 / 91330203MAAG9DMH3R / 张伟")
with c2:
    kinds = st.multiselect("主体类型 Kinds", ["Enterprise", "Person"], default=["Enterprise", "Person"],
                           format_func=C.label_zh, key="search_kinds", placeholder="选择主体类型 Choose kinds")
limit = 50

if text.strip() and kinds:
    with st.spinner("搜索中 Searching…"):
        hits = C.checked_search("search:page", text, tuple(kinds), limit)
    if hits is None:
        st.stop()
    if hits.empty:
        st.info("未找到匹配的主体 No match. 试试更短的名称片段 Try a shorter part of the name.")
    else:
        st.write(f"找到 {len(hits)} 个主体 {len(hits)} found" + ("（仅显示前 50 个 first 50 shown）" if len(hits) >= limit else ""))
        view = hits.rename(columns={
            "kind_zh": "类型 Kind", "name": "名称 Name", "uscc": "统一社会信用代码 USCC", "region_name": "地区 Region",
            "status": "状态/证件 Status", "detail": "关联 Detail", "active_penalties": "有效处罚 Active penalties",
            "uid": "主键 uid"})
        cols = ["类型 Kind", "名称 Name", "统一社会信用代码 USCC", "地区 Region", "状态/证件 Status",
                "有效处罚 Active penalties", "关联 Detail", "主键 uid"]
        event = st.dataframe(view[cols], hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="search_table")
        rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        options = hits["uid"].tolist()
        default = options.index(st.session_state["uid"]) if st.session_state.get("uid") in options else 0
        if rows:
            default = rows[0]
        labels = {r.uid: f"{r.name} · {r.kind_zh} · {r.region_name or '-'}" for r in hits.itertuples()}
        uid = st.selectbox("选择主体 Choose a party", options, index=default, format_func=lambda u: labels.get(u, u),
                           key="search_choice")
        name = hits.loc[hits["uid"] == uid, "name"].iloc[0]
        b1, b2, b3 = st.columns(3)
        if b1.button("查看信用画像 Open profile", key="to_profile", type="primary"):
            C.go("profile", uid, name)
        if b2.button("查看关系图谱 Open graph", key="to_graph"):
            C.go("graph", uid, name)
        if b3.button("设为路径起点 Use as path start", key="to_paths"):
            st.session_state["path_a"] = uid
            C.go("paths", uid, name)
elif not kinds:
    st.warning("请至少选择一种主体类型 Choose at least one kind.")
