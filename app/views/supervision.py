"""分级分类监管 Graded supervision: the public credit grades of the graph version read, and a reproducible
random-inspection draw (双随机一公开) by grade, downloadable as XLSX with each subject's grade and reasons
(queries/supervision.py). For the roles with ``casework`` (supervisor, admin); every draw is audited."""
from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from creditgraph.app import audit
from creditgraph.app import common as C
from creditgraph.app import grades as G
from creditgraph.app import masking
from creditgraph.app import session as S
from creditgraph.queries.grade import load_rules
from creditgraph.queries.supervision import DRAW_LABELS, export_draw, inspection_draw, reasons_text

st.title("分级分类监管 Graded supervision")
S.require("casework", "分级分类监管 Graded supervision")
store, version, _key = C.ctx()
try:
    grades = G.read_grades(S.settings(), version)
except FileNotFoundError:
    try:
        grades = G.read_grades(S.settings())
    except FileNotFoundError:
        st.info("尚未计算信用等级 No grades yet: `creditgraph grade run` (加载和更新后自动计算 computed after each "
                "load or refresh).")
        st.stop()
    st.warning(grades.attrs.get("note", ""))
rules = load_rules()
counts = grades["grade"].value_counts()
cols = st.columns(len(rules.grade_names) + 1)
for c, g in zip(cols, [*rules.grade_names, rules.ended_grade]):
    c.metric(g, f"{int(counts.get(g, 0)):,}")
st.caption(f"图版本 graph version {grades.attrs.get('version', version)} · 评价日 graded as of {grades.attrs.get('as_of', '-')}"
           " · 规则 rules: queries/grading.yaml（`creditgraph grade run --rules FILE` 可替换 replaceable）")

# grade changes since the version graded before this one (a load, refresh or casework step changes grades)
versions = G.saved_versions(S.settings())
graded = grades.attrs.get("version", version)
earlier = [v for v in versions if v != graded]
if graded in versions and earlier:
    with st.expander(f"等级变化 Grade changes since version {earlier[-1]}"):
        changes = G.grade_changes(S.settings(), earlier[-1], graded)
        if changes.empty:
            st.caption("无变化 No grade or score changed.")
        else:
            st.dataframe(masking.mask_cells(changes.rename(columns={
                "uid": "主键 uid", "name": "名称 Name", "grade_before": "原等级 Before", "score_before": "原得分",
                "grade_after": "现等级 After", "score_after": "现得分", "change": "变化 Change"})),
                hide_index=True, width="stretch", key="grade_changes")

with st.form("draw_form"):
    st.subheader("双随机抽查 Random inspection draw")
    f1, f2, f3 = st.columns(3)
    region = f1.text_input("地区代码前缀 Region prefix", placeholder="33 / 3301 / 330106")
    industry = f2.text_input("行业包含 Industry contains", placeholder="批发")
    seed = f3.number_input("随机种子 Seed (同一种子同一结果 same seed, same draw)", min_value=0, max_value=2**31 - 1,
                           value=int(st.session_state.get("draw_seed_default", secrets.randbelow(2**31))), step=1)
    st.session_state["draw_seed_default"] = int(seed)
    rc = st.columns(len(rules.grade_names))
    ratios = {g: rc[i].number_input(f"{g} 抽查比例 ratio", min_value=0.0, max_value=1.0,
                                    value=float(rules.ratios.get(g, 0.0)), step=0.01, key=f"draw_ratio_{g}")
              for i, g in enumerate(rules.grade_names)}
    go = st.form_submit_button("抽取 Draw", type="primary")

if go:
    try:
        d = inspection_draw(grades, ratios, int(seed), region=region.strip() or None, industry=industry.strip() or None)
    except ValueError as exc:
        st.error(f"无法抽取 Cannot draw: {exc}")
        st.stop()
    with tempfile.TemporaryDirectory() as tmp:
        path = export_draw(d, Path(tmp) / "draw.xlsx", graph_version=grades.attrs.get("version"),
                           as_of=grades.attrs.get("as_of"), person_names=S.settings().export_person_names)
        xlsx = path.read_bytes()
    st.session_state["draw"] = {"table": d, "xlsx": xlsx, "seed": int(seed)}
    S.audit("draw", seed=int(seed), ratios=ratios, region=region.strip() or None, industry=industry.strip() or None,
            rows=len(d), population=d.attrs["population"], graded_version=grades.attrs.get("version"),
            bytes=len(xlsx), sha256=audit.bytes_sha256(xlsx))

made = st.session_state.get("draw")
if made:
    d = made["table"]
    strata = "；".join(f"{g} {s['drawn']}/{s['n']}" for g, s in d.attrs["strata"].items())
    st.markdown(f"**抽取 {len(d):,} 家 drawn** · 总体 population {d.attrs['population']:,} · 种子 seed {made['seed']} · {strata}")
    view = d.assign(reasons=[reasons_text(r) for r in d["reasons"]])[["grade", "uid", "name", "region", "industry",
                                                                        "score", "reasons"]]
    st.dataframe(masking.mask_cells(view.rename(columns={**DRAW_LABELS, "uid": "主键 uid", "name": "名称 Name",
                                                         "region": "地区 Region", "score": "得分 Score"})),
                 hide_index=True, width="stretch", key="draw_table")
    st.download_button("下载 XLSX Download XLSX", lambda b=made["xlsx"]: b,  # type: ignore[misc]
                       file_name=f"inspection-draw-seed{made['seed']}.xlsx", key="draw_dl",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if not pd.Series(d["grade"]).empty:
        st.caption("每个等级抽取 round(比例 × 该等级企业数) 家；按主键排序后抽取，与输入顺序无关 · Each grade draws "
                   "round(ratio × its enterprises), from the enterprises sorted by uid: the draw does not depend on "
                   "row order.")
