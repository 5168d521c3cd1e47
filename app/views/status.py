"""数据状态 Data status: the last load (time, inputs, counts, rejects, version), graph counts, reject report."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from creditgraph.app import common as C
from creditgraph.app import session as S
from creditgraph.graph.config import redact_uri
from creditgraph.graph.model import MODEL

st.title("数据状态 Data status")
S.require("status", "数据状态 Data status")
s = C.settings()
st.caption(f"存储 Store: {s.store} · {s.db_path if s.store == 'embedded' else redact_uri(s.neo4j.uri)}")

from creditgraph.etl.pipeline import history  # noqa: E402

runs = history(s)
if not runs:
    st.info("尚无加载记录 No load has run yet: `creditgraph demo` 或 or `creditgraph load PATH`.")
else:
    m = runs[0]
    st.subheader(f"最近一次加载 Last run · {m.get('run_id')}")
    v = m.get("version", {})
    rej = m.get("rejects", {})
    c = st.columns(4)
    c[0].metric("完成时间 Finished (UTC)", str(m.get("finished", ""))[:19].replace("T", " "))
    c[1].metric("状态 Status", f"{m.get('kind', 'load')} · {m.get('status', '')}")
    c[2].metric("图版本 Graph version", f"{v.get('old') or '-'} → {v.get('new') or '-'}")
    c[3].metric("拒收行 Rejected rows", f"{sum(t.get('rejected', 0) for t in m.get('tables', {}).values()):,}")
    st.caption(f"来源 Source: {m.get('source')} · 配置 Profile: {m.get('profile')} · 耗时 Timings: "
               + ", ".join(f"{k} {val:.1f}s" for k, val in (m.get("timings") or {}).items()))

    st.markdown("**输入文件 Inputs**")
    inputs = pd.DataFrame(m.get("inputs") or [])
    if len(inputs):
        inputs["file"] = inputs["path"].map(lambda p: Path(str(p)).name)
        inputs["sha256"] = inputs["sha256"].astype(str).str.slice(0, 16) + "…"
        cols = {"file": "文件 File", "table": "表 Table", "rows": "行数 Rows", "bytes": "字节 Bytes", "encoding": "编码 Encoding",
                "sha256": "SHA-256", "error": "错误 Error"}
        st.dataframe(inputs[[k for k in cols if k in inputs.columns]].rename(columns=cols), hide_index=True, width="stretch",
                     key="status_inputs")
    st.markdown("**各表计数 Rows per table**")
    tables = pd.DataFrame(m.get("tables") or {}).T.reset_index().rename(columns={"index": "table"})
    if len(tables):
        st.dataframe(tables.rename(columns={"table": "表 Table", "read": "读取 Read", "loaded": "加载 Loaded",
                                            "rejected": "拒收 Rejected", "superseded": "被替代 Superseded"}),
                     hide_index=True, width="stretch", key="status_tables")
    st.caption("拒收明细计数 Reject report entries: " + ", ".join(f"{k} {val:,}" for k, val in rej.items()))
    report = m.get("reject_report") or {}
    d1, d2 = st.columns(2)
    for col, fmt, mime in ((d1, "csv", "text/csv"), (d2, "parquet", "application/octet-stream")):
        path = report.get(fmt)
        if path and Path(path).is_file():
            # read on click only: the rejected rows (source data) never wait at a /media/ URL
            col.download_button(f"下载拒收报告 Download reject report ({fmt.upper()})", lambda p=path: Path(p).read_bytes(),  # type: ignore[misc]
                                file_name=f"rejects-{m.get('run_id')}.{fmt}", mime=mime, key=f"status_dl_{fmt}")
    if report.get("csv") and Path(report["csv"]).is_file():
        with st.expander("拒收报告预览 Reject report preview (first 200 rows)"):
            st.dataframe(pd.read_csv(report["csv"], dtype=str, nrows=200, keep_default_na=False), hide_index=True,
                         width="stretch", key="status_rejects")
    if len(runs) > 1:
        with st.expander(f"历史 History ({len(runs)} runs)"):
            st.dataframe(pd.DataFrame([{
                "run": r.get("run_id"), "kind": r.get("kind"), "status": r.get("status"),
                "finished": str(r.get("finished", ""))[:19], "version": (r.get("version") or {}).get("new"),
                "rejected": (r.get("rejects") or {}).get("rejected", 0)} for r in runs]), hide_index=True, width="stretch",
                key="status_history")

st.subheader("图谱规模 Graph counts")
store, version, key = C.ctx()
st.caption(f"当前图版本 Current graph version: {version}")
with st.spinner("统计中 Counting…"):
    counts = C.cached_counts(key, version)
nodes = pd.DataFrame([{"类型 Kind": f"{MODEL.node(k).label_zh} {k}", "数量 Count": v} for k, v in counts.items() if k in MODEL.nodes])
rels = pd.DataFrame([{"关系 Relationship": f"{MODEL.rel(k).label_zh} {k}", "数量 Count": v} for k, v in counts.items() if k in MODEL.rels])
a, b = st.columns(2)
a.dataframe(nodes, hide_index=True, width="stretch", key="status_nodes")
b.dataframe(rels, hide_index=True, width="stretch", key="status_rels")
