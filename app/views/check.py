"""信用核查 Credit check: a list of subjects (pasted, or a CSV / XLSX with a column to choose) checked at
once: match, penalties and lists, linked risk with paths, and links among the subjects (collusion)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import streamlit as st

from creditgraph.app import audit
from creditgraph.app import common as C
from creditgraph.app import masking
from creditgraph.app import session as S
from creditgraph.app import widgets as W
from creditgraph.queries.check import check_subjects
from creditgraph.queries.labels import column_label

SHOWN = ["row", "input", "match_zh", "score", "name", "uscc", "status", "active_penalties", "lists", "linked_risk",
         "linked_subjects", "candidates"]

st.title("信用核查 Credit check")
S.require("explore", "信用核查 Credit check")
store, version, key = C.ctx()
st.caption("一次核查一批主体（如招标投标人、补贴申请人）：匹配方式、有效处罚与名单、一定跳数内的关联风险及路径、被核查主体之间的关联"
           "（共用法定代表人、股东、住所、电话：串通投标的典型信号） · Check a batch of subjects at once: how each matched, "
           "its penalties and lists, linked risk within a few hops with the path, and links among the subjects.")

c1, c2 = st.columns([3, 2])
with c1:
    pasted = st.text_area("主体列表 Subjects (统一社会信用代码、注册号或企业名称，每行一个 one code or name per line)",
                          key="check_text", height=160)
    upload = st.file_uploader("或上传 CSV / XLSX Or upload a CSV / XLSX", type=["csv", "xlsx"], key="check_file")
with c2:
    purpose = st.text_input("核查用途 Purpose (必填 required)", key="check_purpose",
                            placeholder="例如 e.g. 招标项目 ZB-2026-118 投标人核查")
    hops = int(st.radio("关联风险跳数 Hops for linked risk", [1, 2, 3], index=1, horizontal=True, key="check_hops"))

subjects = [line.strip() for line in pasted.splitlines() if line.strip()]
if upload is not None:
    data = upload.getvalue()
    frame = (pd.read_excel(io.BytesIO(data), dtype=str) if upload.name.lower().endswith(".xlsx")
             else pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig"))
    col = st.selectbox("主体所在列 Column of the subjects", list(frame.columns), key="check_column")
    subjects += [str(v).strip() for v in frame[col].dropna() if str(v).strip()]

run = st.button("核查 Check", type="primary", key="check_run", disabled=not subjects or not purpose.strip())
if not subjects or not purpose.strip():
    st.info("输入主体并填写核查用途后点击核查 Enter the subjects and the purpose, then Check.")
if run:
    with st.spinner(f"核查 {len(subjects)} 个主体 Checking {len(subjects)} subjects…"):
        res = check_subjects(store, subjects, hops=hops)
    res.params["purpose"] = purpose
    st.session_state["check_result"] = (version, res)
    # the workbook is written once per check, not on every rerun of the page
    st.session_state["check_export"] = (C.export_bytes(res.as_analysis(), "xlsx", filters={"purpose": purpose})
                                        if S.can("export") else None)
    S.audit("check", purpose=purpose, subjects=len(subjects), hops=hops, links=len(res.links), risks=len(res.risks))

stored = st.session_state.get("check_result")
if not stored or stored[0] != version:
    st.stop()
res = stored[1]
counts = res.subjects["match_zh"].value_counts()
st.markdown(" · ".join(f"{k} **{v}**" for k, v in counts.items()) +
            f" · 主体间关联 links among subjects **{len(res.links)}** · 关联风险主体 linked risky parties **{len(res.risks)}**")
view = res.subjects[SHOWN].rename(columns={c: column_label(c, "credit_check") for c in SHOWN})
cells = view.astype(object)
numeric = [c for c in cells.columns if pd.api.types.is_numeric_dtype(view[c])]  # blanks there would not be numbers
cells = cells.where(cells.notna() | cells.columns.isin(numeric), "")
st.dataframe(masking.mask_cells(cells), hide_index=True, width="stretch", key="check_table")

if len(res.links):
    st.markdown("#### 被核查主体之间的关联 Links among the subjects")
    links = res.links.rename(columns={"row_a": "行 Row A", "name_a": "主体甲 Party A", "row_b": "行 Row B",
                                      "name_b": "主体乙 Party B", "hops": "跳数 Hops", "path": "关联路径 Path"})
    st.dataframe(masking.mask_cells(links), hide_index=True, width="stretch", key="check_links")
if len(res.risks):
    st.markdown("#### 关联风险 Linked risk")
    risks = res.risks.assign(label=res.risks["label"].map(C.label_zh)).rename(columns={
        "row": "行 Row", "uid": "主键 uid", "name": "名称 Name", "label": "类型 Kind", "hops": "跳数 Hops",
        "active_penalties": "有效处罚 Active", "path": "路径 Path"})
    st.dataframe(masking.mask_cells(risks), hide_index=True, width="stretch", key="check_risks")

workbook: bytes | None = st.session_state.get("check_export")
if S.can("export") and workbook:
    stamp = dt.datetime.now().strftime("%Y%m%d")
    if st.download_button("下载核查结果 Download the result (XLSX)", lambda b=workbook: b,  # type: ignore[misc]
                          file_name=f"credit-check-{stamp}.xlsx", key="check_dl",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        S.audit("export", name="credit_check", format="xlsx", rows=len(res.subjects), bytes=len(workbook),
                sha256=audit.bytes_sha256(workbook), masked=True, purpose=res.params.get("purpose", purpose))

# monitoring: the matched subjects onto a watchlist (alerts after each load or refresh, page 预警 Alerts)
matched = sorted({u for u in res.subjects["uid"].dropna()})
if matched:
    W.watch_form(matched, "check", "例如 e.g. tender-ZB-118", f"家企业 Watch these {len(matched)} companies",
                 hops=min(int(res.params.get("hops", 2)), 2), purpose=purpose)
