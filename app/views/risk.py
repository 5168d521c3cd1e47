"""风险名单 Risk lists: shell-company candidates, repeat offenders, phoenix cases, cross-region links, name hubs,
red-listed parties tied to black lists —
filtered, sortable, exported (CSV / XLSX) with evidence and masked personal data."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from creditgraph.app import audit
from creditgraph.app import common as C
from creditgraph.app import graphview
from creditgraph.app import masking
from creditgraph.app import watch
from creditgraph.app import widgets as W
from creditgraph.app import session as S
from creditgraph.app import riskfilters as F
from creditgraph.queries.labels import column_label

LISTS = {
    "shell": ("空壳公司嫌疑 Shell-company candidates", "shell_company_candidates", {}),
    "repeat_enterprise": ("屡次失信企业 Repeat offenders (enterprises)", "repeat_offenders", {"level": "enterprise"}),
    "repeat_person": ("屡次失信自然人 Repeat offenders (people)", "repeat_offenders", {"level": "person"}),
    "phoenix": ("金蝉脱壳 Phoenix cases", "phoenix_cases", {}),
    "cross_region": ("跨区域联合惩戒关联 Cross-region links", "cross_region_links", {}),
    "name_hubs": ("同名集中任职 Name hubs (name-only people)", "name_hubs", {}),
    "red_black": ("红黑名单关联 Red-listed parties tied to black lists", "red_black_links", {}),
}
# lists without removed/repaired records to include
NO_HISTORY = ("shell", "name_hubs", "red_black")

HIDDEN = ("signal_keys", "hub_persons", "enterprise_uids", "end_signal_key", "confidence")

st.title("风险名单 Risk lists")
S.require("explore", "风险名单 Risk lists")
store, version, key = C.ctx()

available = LISTS

c1, c2 = st.columns([2, 3])
with c1:
    which = st.selectbox("名单 List", list(available), format_func=lambda k: available[k][0], key="risk_list")
    title, fn_name, fixed = available[which]
    params: dict[str, Any] = dict(fixed)
    as_of = st.date_input("截至日期 As of", value=dt.date.today(), min_value=F.FIRST_DAY, max_value=dt.date(2100, 1, 1),
                          key="risk_as_of", help="只看该日有效的任职与持股、该日及以前决定的处罚 Only roles and holdings valid "
                          "that day, and penalties decided by then")
    params.update(F.as_of_params(as_of))
    if which in ("repeat_person", "phoenix"):
        params["attribution"] = st.radio(
            "处罚归责 Attribution of penalties", list(F.ATTRIBUTION_TEXT), horizontal=True,
            format_func=lambda a: F.ATTRIBUTION_TEXT[a], key="risk_attribution",
            help="处罚归于决定日在任的法定代表人和股东，或截至日期在任者 A penalty counts against the people in office on its "
                 "decision date, or against those in office on the as-of date")
    if which in ("repeat_enterprise", "repeat_person"):
        params["window_days"] = int(st.number_input("时间窗(天) Window (days)", 30, 3650, 730, step=30, key="risk_window"))
        params["min_events"] = int(st.number_input("最少事件数 Min events", 2, 20, 3, key="risk_min_events"))
    elif which == "phoenix":
        params["window_days"] = int(st.number_input("注销后新设间隔(天) Days to the new company", 30, 3650, 365, step=30,
                                                    key="risk_phoenix_window"))
    elif which == "cross_region":
        params["level"] = st.radio("区域层级 Level", ["province", "city", "county"], horizontal=True, key="risk_level",
                                   format_func=lambda lvl: {"province": "省 province", "city": "市 city", "county": "区县 county"}[lvl])
        params["max_hops"] = int(st.radio("最大跳数 Max hops", [2, 3, 4], horizontal=True, key="risk_cross_hops"))
    elif which == "red_black":
        params["max_hops"] = int(st.radio("最大跳数 Max hops", [1, 2, 3, 4], index=1, horizontal=True,
                                          key="risk_red_black_hops",
                                          help="0 跳 (本身同时在红名单和黑名单) 总是列在最前 A party on both lists (0 hops) "
                                               "is always listed first"))
    if which not in NO_HISTORY:
        params["include_history"] = st.toggle("包含已移出/修复记录 Include removed/repaired records", value=False,
                                              key="risk_history")
    run = st.button("运行 Run", type="primary", key="risk_run")
if run:
    st.session_state["risk_request"] = (which, tuple(sorted(params.items())))
    st.session_state.pop("risk_export", None)
    S.audit("analysis", name=fn_name, list=which, params=params)

request = st.session_state.get("risk_request")
if not request or request[0] not in available:
    with c2:
        st.info("选择名单和参数后点击运行 Choose a list and its parameters, then Run.")
    st.stop()

which, req_params = request
title, fn_name, _ = available[which]
try:
    with st.spinner(f"运行 {title} Running…"):
        res = C.cached_analysis(key, version, fn_name, req_params)
except Exception as exc:  # noqa: BLE001 — show what went wrong in words
    st.error(f"分析失败 The analysis failed: {exc}")
    st.stop()

table = res.table
regions = C.cached_regions(key, version)
names = dict(zip(regions["uid"], regions["name"]))
with c2:
    shown_params = {k: v for k, v in req_params if k != "as_of"}
    st.markdown(f"**{title}** · {F.as_of_text(dict(req_params), res.params)} · {F.params_text(shown_params)}"
                f" · 共 {len(table)} 条 rows")
    if which == "red_black" and len(table) and st.toggle(
            "只看跨省关联 Cross-province links only", value=False, key="risk_red_black_cross",
            help="红名单主体与黑名单主体分属不同省份 The red-listed and the black-listed party lie in different provinces"):
        table = table[table["cross_region"].astype(bool)]
    f1, f2 = st.columns(2)
    provinces = F.region_options(table, 2)
    prov = f1.selectbox("省 Province", [""] + provinces, key="risk_prov",
                        format_func=lambda p: "全部 All" if not p else f"{names.get(p + '0000', p)} ({p})")
    cities = [c for c in F.region_options(table, 4) if not prov or c.startswith(prov)]
    city = f2.selectbox("市 City", [""] + cities, key="risk_city",
                        format_func=lambda c: "全部 All" if not c else f"{names.get(c + '00', c)} ({c})")
    g1, g2 = st.columns(2)
    kinds_all = F.kind_options(table)
    kinds = g1.multiselect("处罚类别 Penalty kind", kinds_all, key="risk_kinds", placeholder="全部类别 All kinds",
                           format_func=C.kind_zh) if kinds_all else []
    min_score = None
    if "score" in table.columns and len(table):
        lo = float(pd.to_numeric(table["score"], errors="coerce").min())
        hi = float(pd.to_numeric(table["score"], errors="coerce").max())
        if hi > lo:
            min_score = g2.slider("最低评分 Min score", lo, hi, lo, key="risk_score")
    bounds = F.date_bounds(table)
    period = None
    if bounds:
        use_period = st.checkbox("按时间段筛选 Filter by period", key="risk_use_period")
        if use_period:
            picked = st.date_input("时间段 Period", value=bounds, min_value=dt.date(1949, 10, 1), max_value=dt.date(2100, 1, 1),
                                   key="risk_period")
            if isinstance(picked, (tuple, list)) and len(picked) == 2:
                period = (picked[0], picked[1])

missing = F.missing_filters(table, has_period=bounds is not None)
if missing:
    st.caption(f"本名单没有{'、'.join(zh for zh, _ in missing)}，因此不提供这些筛选 "
               f"This list has no {', '.join(en for _, en in missing)} columns, so those filters are not offered.")
filtered = F.filter_table(table, region_prefix=city or prov or None, period=period, kinds=kinds, min_score=min_score)
st.write(f"筛选后 {len(filtered)} / {len(table)} 条 rows after filters")
shown = F.readable(filtered)
view = shown.drop(columns=[c for c in HIDDEN if c in shown.columns])
if "region" in view.columns:
    view.insert(list(view.columns).index("region") + 1, "region_name",
                view["region"].map(lambda c: names.get(str(c)[:6], "") if isinstance(c, str) else ""))
view = masking.mask_cells(view.rename(columns={c: column_label(c, fn_name) for c in view.columns}))
# a table of its own per list, run and filters: a row selected in one list does not carry over to another
view_key = f"{which}_{abs(hash((req_params, city or prov, tuple(kinds), min_score, period))) % 10**8}"
event = st.dataframe(view, hide_index=True, width="stretch", key=f"risk_table_{view_key}", on_select="rerun",
                     selection_mode="single-row")
selected_rows: list[int] = list(getattr(getattr(event, "selection", None), "rows", None) or [])

# export: the rows shown, with evidence columns and masked personal data (queries.export)
sig = (request, city or prov, tuple(kinds), min_score, period, len(filtered))
e1, e2, e3 = st.columns([1.3, 1, 1])
may_export = S.can("export")
if not may_export:
    e1.info("你的角色不能导出 Your role cannot export lists (needs 'export').")
if may_export and e1.button("生成导出文件 Prepare export (CSV + XLSX)", key="risk_prepare", disabled=filtered.empty):
    with st.spinner("生成导出文件 Writing the export…"):
        sub = C.with_table(res, filtered)
        applied = {"region": city or prov or None, "kinds": list(kinds), "min_score": min_score,
                   "period": [str(p) for p in period] if period else None}
        files = {fmt: C.export_bytes(sub, fmt, filters=applied) for fmt in ("csv", "xlsx")}
        st.session_state["risk_export"] = {"sig": sig, **files, "rows": len(filtered), "name": fn_name}
        for fmt, data in files.items():  # one audit line per file: what, how many rows, which bytes
            S.audit("export", name=fn_name, params=dict(req_params), format=fmt, rows=len(filtered),
                    bytes=len(data), sha256=audit.bytes_sha256(data), masked=True, filters=applied)
exp = st.session_state.get("risk_export")
if may_export and exp and exp["sig"] == sig:
    stamp = dt.datetime.now().strftime("%Y%m%d")
    # the bytes stay in this session; a callable puts them on the media endpoint only when the user clicks,
    # and Streamlit drops that unreferenced file after the next runs (static bytes would sit at a /media/ URL,
    # readable without the session, as long as the page shows the button)
    e2.download_button("下载 CSV Download CSV", lambda b=exp["csv"]: b, file_name=f"{exp['name']}-{stamp}.csv",  # type: ignore[misc]
                       mime="text/csv", key="risk_dl_csv")
    e3.download_button("下载 XLSX Download XLSX", lambda b=exp["xlsx"]: b, file_name=f"{exp['name']}-{stamp}.xlsx",  # type: ignore[misc]
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="risk_dl_xlsx")
    st.caption(f"导出 {exp['rows']} 条，含证据路径，个人信息已脱敏 {exp['rows']} rows with evidence paths; personal data masked.")

# monitoring: the parties of the rows shown onto a watchlist (alerts after each load or refresh, page 预警 Alerts)
watchable = watch.subjects_of(filtered)
if watchable:
    W.watch_form(watchable, "risk", "例如 e.g. shell-2026-11", f"个主体 Watch these {len(watchable)} parties",
                 source=fn_name)

if len(filtered):
    st.markdown("#### 证据 Evidence")
    # one label per row, built once (a per-row pandas lookup in format_func took 7 s for 3K rows)
    head = [c for c in shown.columns if c != "row_id"][:3]
    cells = shown[head].astype(object)
    text = cells.where(cells.notna(), "").astype(str).agg(" · ".join, axis=1) if head else pd.Series("", index=shown.index)
    labels = dict(zip(shown.index, ("#" + shown.index.astype(str) + " " + text).map(masking.mask_text)))
    # The row is chosen in the table itself (a selectbox kept the previous list's row label, and a re-keyed
    # one kept it as its filter text); the label is built here, from the row whose evidence follows.
    pos = selected_rows[0] if selected_rows and selected_rows[0] < len(filtered) else 0
    rid = filtered["row_id"].iloc[pos]
    st.caption("在上表中点选一行（行首方框）查看其证据 Select a row in the table above (the box at its start) to see its "
               "evidence; the first row is shown until you do.")
    with st.container(key="risk_evidence_row"):
        st.text(labels.get(rid, f"#{rid}"))
    ev = res.evidence[rid]
    st.code(masking.mask_text(ev.paths_text or "(无路径 no path)"), language=None)
    if len(ev.nodes):
        parties = tuple(sorted(ev.nodes.loc[ev.nodes["label"].isin(["Enterprise", "Person"]), "uid"]))
        active = C.cached_active_counts(key, version, parties) if parties else {}
        shown_nodes, shown_rels, _ = masking.mask_subgraph(ev.nodes, ev.rels, C.mask_key())
        st.iframe(graphview.build_html(shown_nodes, shown_rels, active=active, height=460), height=480)
        st.markdown(graphview.legend_markdown(), unsafe_allow_html=True)
