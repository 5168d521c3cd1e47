"""信用画像 Profile: one party's facts, people, ownership, penalties, lists (red and black), commitments, risk
signals, related parties."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from creditgraph.app import audit
from creditgraph.app import common as C
from creditgraph.app import profile_tools as PT
from creditgraph.app import riskfilters as F
from creditgraph.app import session as S

st.title("信用画像 Credit profile")
S.require("explore", "信用画像 Profile")

store, version, key = C.ctx()
uid = C.party_picker("profile_pick", default_uid=C.current_uid())
if not uid:
    st.info("先搜索并选择一个企业或自然人 Search for an enterprise or a person first.")
    st.stop()

c1, c2 = st.columns([3, 1])
with_signals = c1.toggle("包含全图分析信号 Include whole-graph analysis signals (shell score, repeat offender…)",
                         value=True, key="profile_signals")
day = c2.date_input("截至日期 As of", value=dt.date.today(), min_value=F.FIRST_DAY, max_value=dt.date(2100, 1, 1),
                    key="profile_as_of", help="该日在任的为现任, 此前卸任的为历任 Roles valid that day are current, "
                                             "those ended by then former")
from creditgraph.queries.profile import NotFound  # noqa: E402

past = day != dt.date.today()
ready = with_signals and not past and C.signals_ready(key, version)
if past and with_signals:
    c1.caption("全图分析信号按今日计算, 其他日期不显示 Whole-graph signals are today's: not shown for another day.")
try:
    with st.spinner("生成画像 Building the profile…"):
        p = C.cached_profile(key, version, uid, ready, day.isoformat() if past else None)
except NotFound as exc:
    st.error(f"未找到 Not found: {exc}")
    st.stop()
except ValueError as exc:  # graph.inputs.InputError: a key no query accepts
    st.warning(f"无法打开画像 Cannot open the profile: {exc}")
    st.stop()
C.select(uid, p["name"])
S.audit_once("profile", "profile_view", uid=uid, kind=p["kind"])

st.subheader(f"{p['name']}")
st.caption(f"{p['kind_zh']} {p['kind']} · {p['region_name'] or '-'} · uid `{p['uid']}`"
           + (f" · 登记状态 {p['status']}" if p.get("status") else ""))

pen, lists, related = p["penalties"], p["lists"], p["related"]
commitments, red_lists = p.get("commitments", pd.DataFrame()), p.get("red_lists", pd.DataFrame())
active = int(pen["active"].sum()) if len(pen) else 0  # status "active" only: a disputed record (异议处理中) is not
black_lists = lists[lists["list_color"] != "red"] if len(lists) and "list_color" in lists else lists
m = st.columns(5)
m[0].metric("有效处罚/名单 Active penalties", active)
m[1].metric("历史记录 All penalty records", len(pen))
m[2].metric("当前名单 Current list memberships", int(black_lists["current"].sum()) if len(black_lists) else 0)
m[3].metric("当前红名单 Current red lists", int(red_lists["current"].sum()) if len(red_lists) else 0)
m[4].metric("关联方 Related parties", len(related))

b1, b2, b3, _ = st.columns([1, 1, 1.3, 2])
if b1.button("关系图谱 Open graph", key="profile_to_graph"):
    C.go("graph", uid, p["name"])
if b2.button("路径分析 Paths from here", key="profile_to_paths"):
    st.session_state["path_a"] = uid
    C.go("paths", uid, p["name"])
# the credit report (信用报告): printed to PDF by the machine's Chromium, masked like every export (app/report.py)
report_sig = (uid, version, p.get("as_of"))
if S.can("export") and b3.button("生成信用报告 Credit report (PDF)", key="profile_report"):
    with st.spinner("生成信用报告 Printing the report…"):
        pdf = PT.report_pdf(store, uid, version, None if not past else day)
    st.session_state["profile_report_pdf"] = {"sig": report_sig, "pdf": pdf}
    S.audit("report", uid=uid, version=version, bytes=len(pdf), sha256=audit.bytes_sha256(pdf), masked=True,
            **({"as_of": day.isoformat()} if past else {}))
made = st.session_state.get("profile_report_pdf")
if made and made["sig"] == report_sig:
    b3.download_button("下载信用报告 Download the report", lambda b=made["pdf"]: b,  # type: ignore[misc]
                       file_name=f"credit-report-{uid.replace(':', '_')}.pdf", mime="application/pdf",
                       key="profile_report_dl")

if p["kind"] == "Enterprise":
    st.markdown("#### 公共信用评价 Public credit grade")
    graded = PT.grade_of(uid, version)
    if graded is None:
        st.info("尚未计算信用等级 No grade computed yet: `creditgraph grade run` (加载和更新后自动计算 computed after "
                "each load or refresh).")
    else:
        row, note = graded
        g1, g2 = st.columns([1, 4])
        g1.metric("信用等级 Grade", str(row["grade"]), f"{float(row['score']):g} 分 points", delta_color="off")
        reasons = PT.grade_reasons(row)
        g2.dataframe(reasons, hide_index=True, width="stretch", key="profile_grade_reasons")
        g2.caption(f"得分 = 基础分 + 各项分值之和 Score = base + the points of each reason · 图版本 graph version "
                   f"{row.get('version', version)}" + (f" · {note}" if note else ""))

st.markdown("#### 风险信号 Risk signals")
if with_signals and not ready:
    st.info("全图分析信号（空壳、屡次失信、金蝉脱壳）正在后台计算，每个图版本一次 · Whole-graph signals (shell, repeat "
            "offender, phoenix) are being computed in the background, once per graph version; the signals below are "
            "this party's own. Reopen the profile in a little while to include them.")
    st.button("重新载入 Reload", key="profile_reload")
sig = p["signals"]
if sig.empty:
    st.success("未发现风险信号 No risk signal found.")
else:
    shown = sig.assign(level=sig["level"].map(C.LEVEL_TEXT), source=sig["source"].map(C.source_zh)).rename(columns={
        "signal": "信号 Signal", "value": "取值 Value", "detail": "依据 Detail", "level": "等级 Level",
        "source": "来源 Source"})[["等级 Level", "信号 Signal", "取值 Value", "依据 Detail", "来源 Source"]]
    st.dataframe(shown.style.map(C.level_style, subset=["等级 Level"]), hide_index=True, width="stretch",
                 key="profile_signals_table")
    hubs = sig[sig["source"] == "name_hubs"]
    if len(hubs):
        st.caption("同名集中任职：同一姓名（仅有姓名、无证件号的记录）在同一城市任多家企业法定代表人；置信度取决于共同住所、电话、邮箱等旁证 · "
                   "Name hub: one name (name-only records) heads many companies in one city; confidence comes from "
                   "shared address, phone, e-mail and filing pattern (risk list 同名集中任职 Name hubs).")


def table(df: pd.DataFrame, columns: dict[str, str], key: str, empty: str = "无 None") -> None:
    if df is None or df.empty:
        st.caption(empty)
        return
    view = df[[c for c in columns if c in df.columns]].copy()
    for c in view.columns:
        if c in ("ratio", "paid_ratio"):
            view[c] = view[c].map(C.fmt_ratio)
        elif pd.api.types.is_datetime64_any_dtype(view[c]) or c in ("decided", "removed", "valid_from", "valid_to", "founded",
                                                                     "dissolved", "listed", "made", "deadline",
                                                                     "verified", "entered"):
            view[c] = view[c].map(C.fmt_value)
    st.dataframe(view.rename(columns=columns), hide_index=True, width="stretch", key=key)


tabs = st.tabs(["基本信息 Facts", "法定代表人与股东 People & owners", "对外投资 Holdings", "处罚与名单 Penalties & lists",
                "关联方 Related parties", "联系方式 Contacts"])
with tabs[0]:
    facts = p["facts"].copy()
    facts["value"] = facts["value"].map(C.fmt_value)
    st.dataframe(facts.rename(columns={"label_zh": "项目 Field", "value": "内容 Value"})[["项目 Field", "内容 Value"]],
                 hide_index=True, width="stretch", key="profile_facts")
AS_OF = p.get("as_of") or ""
HISTORY_NOTE = (f"在任与持股以 {AS_OF} 为准；已卸任、已退出的列在“历任”表中，含任职期间与终止依据 · Roles and holdings as "
                f"of {AS_OF}; those ended by then are listed under former, with their period and how they ended.")
PERIOD = {"period": "期间 Period", "ended_by_text": "终止依据 How it ended"}
with tabs[1]:
    st.caption(HISTORY_NOTE)
    if p["kind"] == "Enterprise":
        st.markdown("**法定代表人 Legal representative(s)**")
        table(p["legal_reps"], {"person_name": "姓名 Name", "id_masked": "证件号码(脱敏) ID (masked)",
                                "position": "职务 Position", "valid_from": "任职日期 Since"}, "profile_reps")
        st.markdown("**历任法定代表人 Former legal representatives**")
        table(p.get("former_legal_reps"), {"person_name": "姓名 Name", "id_masked": "证件号码(脱敏) ID (masked)",
                                           "position": "职务 Position", **PERIOD}, "profile_former_reps",
              "无已卸任的法定代表人 No former legal representative")
        st.markdown("**股东及出资 Shareholders**")
        table(p["shareholders"], {"holder_name": "股东 Shareholder", "holder_label_zh": "类型 Kind", "ratio": "持股比例 Ratio",
                                  "subscribed": "认缴(元) Subscribed", "paid": "实缴(元) Paid", "paid_ratio": "实缴比例 Paid %",
                                  "currency": "币种", "report_year": "年报年度", "valid_from": "持股起始 Since",
                                  "changes": "股权变更记录 Equity changes"}, "profile_shareholders")
        st.markdown("**历任股东 Former shareholders**")
        table(p.get("former_shareholders"), {"holder_name": "股东 Shareholder", "holder_label_zh": "类型 Kind",
                                             "ratio": "最后持股比例 Last ratio", **PERIOD,
                                             "changes": "股权变更记录 Equity changes"}, "profile_former_shareholders",
              "无已退出的股东 No former shareholder")
    else:
        st.markdown("**担任法定代表人 Legal representative of**")
        table(p["roles"], {"name": "企业 Enterprise", "status": "登记状态 Status", "region_name": "地区 Region",
                           "position": "职务 Position", "valid_from": "任职日期 Since", "founded": "成立 Founded",
                           "dissolved": "注销/吊销 Dissolved", "active_penalties": "有效处罚 Active"}, "profile_roles")
        st.markdown("**曾任法定代表人 Former legal representative of**")
        table(p.get("former_roles"), {"name": "企业 Enterprise", "status": "登记状态 Status", "region_name": "地区 Region",
                                      "position": "职务 Position", **PERIOD, "active_penalties": "有效处罚 Active"},
              "profile_former_roles", "无已卸任的职务 No former role")
with tabs[2]:
    st.caption(HISTORY_NOTE)
    table(p["holdings"], {"name": "被投资企业 Enterprise", "status": "登记状态 Status", "region_name": "地区 Region",
                          "ratio": "持股比例 Ratio", "subscribed": "认缴(元) Subscribed", "paid": "实缴(元) Paid",
                          "valid_from": "持股起始 Since", "changes": "股权变更记录 Equity changes"}, "profile_holdings")
    st.markdown("**已退出的投资 Former holdings**")
    table(p.get("former_holdings"), {"name": "被投资企业 Enterprise", "status": "登记状态 Status",
                                     "region_name": "地区 Region", "ratio": "最后持股比例 Last ratio", **PERIOD,
                                     "changes": "股权变更记录 Equity changes"}, "profile_former_holdings",
          "无已退出的投资 No former holding")
with tabs[3]:
    st.markdown("**处罚与失信记录时间线 Penalty timeline**（含已移出/修复/撤销 incl. removed, repaired, withdrawn）")
    table(pen, {"decided": "决定/列入日期 Date", "kind_zh": "类别 Kind", "status_zh": "状态 Status", "reason": "事由 Reason",
                "result": "处罚结果 Result", "authority": "决定机关 Authority", "removed": "移出/修复日期 Removed",
                "removal_reason": "移出原因 Removal reason", "uid": "记录 Record"}, "profile_penalties",
          "无处罚记录 No penalty record")
    st.markdown("**名单 List memberships**（红名单 red: 守信激励；黑名单 black: 失信惩戒；警示名单 warning: 经营异常名录）")
    table(lists, {"list_color_zh": "红/黑 Colour", "list": "名单 List", "listed": "列入日期 Listed",
                  "status_zh": "状态 Status", "current": "当前有效 Current", "reason": "列入事由 Reason",
                  "removed": "移出日期 Removed", "removal_reason": "移出原因 Removal reason"},
          "profile_lists", "未列入名单 On no list")
    st.markdown("**信用承诺 Credit commitments**（违背、虚假承诺在前 breached and false first）")
    table(commitments, {"kind_zh": "承诺类型 Kind", "matter": "承诺事项 Matter", "made": "承诺日期 Made",
                        "deadline": "履约期限 Deadline", "status_zh": "履约状态 Status", "verified": "核查日期 Verified",
                        "authority": "受理机关 Authority"}, "profile_commitments", "无信用承诺 No commitment")
    st.markdown("**红名单 Red lists**（守信激励 joint rewards）")
    table(red_lists, {"kind_zh": "红名单类别 Kind", "list_name": "名单名称 List", "entered": "列入日期 Entered",
                      "removed": "移出日期 Removed", "status_zh": "状态 Status", "current": "当前有效 Current",
                      "authority": "认定机关 Authority"}, "profile_red_lists", "未列入红名单 On no red list")
with tabs[4]:
    table(related, {"name": "名称 Name", "label_zh": "类型 Kind", "status": "状态 Status", "region_name": "地区 Region",
                    "active_penalties": "有效处罚 Active", "via": "关联方式 Connection"}, "profile_related",
          "无关联方 No related party")
    if len(related):
        labels = {r.uid: f"{r.name} · {r.label_zh}" for r in related.itertuples()}
        other = st.selectbox("打开关联方 Open a related party", related["uid"].tolist(), format_func=lambda u: labels.get(u, u),
                             key="profile_related_pick")

        def _open(target: str = other) -> None:
            C.select(target, labels.get(target))
            st.session_state["profile_pick_q"] = ""

        st.button("查看其画像 Open its profile", key="profile_related_go", on_click=_open)
with tabs[5]:
    st.caption("个人信息默认脱敏 Personal data is masked by default. 证件号码只以脱敏形式和带密钥哈希保存，任何角色都无法显示全号 "
               "ID numbers are held only masked and as a keyed hash: no role can show them in full.")
    contacts = C.cached_contacts(key, version, uid)
    revealed = st.session_state.get("revealed") == uid and S.can("reveal")
    if contacts.empty:
        st.caption("图中无电话或邮箱 No phone or e-mail in the graph for this party.")
    else:
        shown = contacts.assign(kind=contacts["label"].map(C.label_zh),
                                value=contacts["value"] if revealed else contacts["masked"])
        st.dataframe(shown[["kind", "value"]].rename(columns={"kind": "类型 Kind", "value": "号码/地址 Value"}),
                     hide_index=True, width="stretch", key="profile_contacts")
        if revealed:
            st.warning("已显示完整联系方式，此操作已记入审计日志 Contact details shown in full; this reveal is in the audit log.")
        elif S.can("reveal"):
            if st.button("显示完整联系方式 Reveal contact details (audited)", key="profile_reveal"):
                S.audit("reveal", uid=uid, fields=sorted(set(contacts["label"])), count=len(contacts))
                st.session_state["revealed"] = uid
                st.rerun()
        else:
            st.caption("你的角色不能显示完整联系方式 Your role cannot reveal contact details.")
