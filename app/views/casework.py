"""异议与修复 Objections & repairs: the queues of objections (异议处理) and credit repairs (信用修复),
for the roles with ``casework`` (supervisor, admin). Each step is recorded in the casework ledger,
written into the graph as a new version and audited (app/casework.py)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from creditgraph.app import casework
from creditgraph.app import masking
from creditgraph.app import session as S
from creditgraph.app import staff_records
from creditgraph.etl import casework as cw
from creditgraph.graph.model import MODEL

st.title("异议与修复 Objections & repairs")
S.require("casework", "异议与修复 Objections & repairs")
settings = S.settings()
me = S.current()
who = {"user": me.user, "role": me.role, "mode": me.mode, "via": "app"} if me else {"user": "local"}
STATE_ZH = {"open": "处理中 open", "upheld": "异议成立 upheld", "corrected": "已更正 corrected",
            "withdrawn": "已撤回 withdrawn", "requested": "待审核 requested", "granted": "已修复 granted",
            "rejected": "不予修复 rejected"}


def done(case: dict) -> None:
    pub = case.get("published") or {}
    st.success(f"{case['id']} · {case['record']} · {STATE_ZH.get(case['state'], case['state'])} — "
               f"图版本 graph version {pub.get('version')} ({pub.get('changes', 0)} 处变更 changes)")


def act(fn, *args, **kw) -> None:
    try:
        case = fn(settings, who, *args, **kw)
    except cw.CaseError as exc:
        st.error(f"未执行 Not done: {exc}")
        return
    done(case)
    if (case.get("published") or {}).get("published"):  # the new version's grades, computed beside the page
        casework.regrade_in_background(settings)


def queue(kind: str) -> pd.DataFrame:
    df = cw.list_cases(settings, kind)
    if df.empty:
        st.info("暂无案件 No case yet.")
        return df
    show = pd.DataFrame({"编号 Case": df["id"], "记录 Record": df["record"],
                         "状态 State": df["state"].map(lambda s: STATE_ZH.get(s, s)),
                         "事由 Reason": df["reason"], "最近操作 Last step": df["last_step"] + " · " + df["last_by"]})
    if kind == "objection":
        show.insert(3, "期限 Due", df["deadline"])
        show.insert(4, "超期 Overdue", df["overdue"].map({True: "⚠ 超期", False: ""}))
    st.dataframe(masking.mask_cells(show), hide_index=True, width="stretch", key=f"casework_{kind}_table")
    return df


def staff_act(table: str, fields: dict) -> None:
    try:
        out = staff_records.record(settings, who, table, fields)
    except cw.CaseError as exc:
        st.error(f"未登记 Not recorded: {exc}")
        return
    st.success(f"{out['uid']} — 图版本 graph version {out['version']} ({out['changes']} 处变更 changes)")
    if out["published"]:
        casework.regrade_in_background(settings)


objections, repairs, records = st.tabs(["异议 Objections", "信用修复 Repairs", "承诺与红名单 Commitments & red lists"])
with objections:
    df = queue("objection")
    st.caption(f"异议处理期限 Time limit: {cw.objection_days(settings)} 个工作日 working days; 异议期间该记录不用于任何惩戒 "
               "a disputed record is kept out of every punishment use until reviewed.")
    with st.form("objection_file"):
        st.subheader("登记异议 File an objection")
        record = st.text_input("记录编号 Record uid", placeholder="AP:2023-001")
        reason = st.text_area("异议理由 Reason")
        behalf = st.text_input("异议主体 On behalf of (optional)")
        if st.form_submit_button("登记 File"):
            act(casework.file_objection, record.strip(), reason, behalf.strip() or None)
    open_ids = df.loc[df["state"] == "open", "id"].tolist() if len(df) else []
    if open_ids:
        with st.form("objection_review"):
            st.subheader("审核异议 Review an objection")
            case = st.selectbox("异议 Objection", open_ids)
            outcome = st.radio("结论 Outcome", cw.OBJECTION_OUTCOMES, horizontal=True,
                               format_func=lambda o: STATE_ZH.get(o, o))
            field = st.selectbox("更正字段 Corrected field (corrected only)", ["", *cw.CORRECTABLE])
            value = st.text_input("更正后的值 Corrected value")
            why = st.text_area("审核意见 Reason")
            if st.form_submit_button("提交 Submit"):
                act(casework.review_objection, case, outcome, why, {field: value} if field else None)

with repairs:
    df = queue("repair")
    with st.form("repair_request"):
        st.subheader("修复申请 Request a repair")
        record = st.text_input("记录编号 Record uid", placeholder="AO:2022-17")
        reason = st.text_area("申请理由 Reason")
        conditions = st.text_area("需确认的条件 Conditions (one per line)", value="已履行法定义务\n已完成整改")
        if st.form_submit_button("申请 Request"):
            act(casework.request_repair, record.strip(), reason, [c.strip() for c in conditions.splitlines() if c.strip()])
    pending = df[df["state"] == "requested"] if len(df) else df
    if len(pending):
        cases = cw.read_cases(settings)
        with st.form("repair_decide"):
            st.subheader("审核修复 Decide a repair")
            case = st.selectbox("修复申请 Repair case", pending["id"].tolist())
            met = [c for c in cases[case]["conditions"] if st.checkbox(f"已确认 Confirmed: {c}", key=f"met_{case}_{c}")]
            why = st.text_area("审核意见 Reason", value="已完成信用修复")
            grant, reject = st.columns(2)
            if grant.form_submit_button("准予修复 Grant"):
                act(casework.decide_repair, case, "granted", why, met)
            if reject.form_submit_button("不予修复 Reject"):
                act(casework.decide_repair, case, "rejected", why)

with records:
    st.caption("工作人员登记的信用承诺与红名单按数据源 staff 写入图谱（与登记机关数据同样校验），违背或虚假承诺即为失信事件 · "
               "Commitments and red-list entries staff record are validated and written like an extract's rows "
               "(source staff); a breached or false commitment is a dishonesty event.")
    with st.form("staff_commitment"):
        st.subheader("登记信用承诺 Record a commitment")
        a1, a2 = st.columns(2)
        subject = a1.text_input("主体代码 Subject (USCC / 注册号 / 身份证号)")
        kind = a2.selectbox("承诺类型 Kind", list(MODEL.codes["commitment_kinds"]),
                            format_func=lambda k: MODEL.codes["commitment_kinds"][k]["label_zh"])
        matter = st.text_input("承诺事项 Matter")
        d1, d2, d3 = st.columns(3)
        made = d1.date_input("承诺日期 Made", value=None)
        deadline = d2.date_input("履约期限 Deadline", value=None)
        status = d3.selectbox("履约状态 Status", list(MODEL.codes["commitment_statuses"]),
                              format_func=lambda k: MODEL.codes["commitment_statuses"][k]["label_zh"])
        record_id = st.text_input("更新已登记的承诺 Update a staff commitment (record id, optional)")
        if st.form_submit_button("登记 Record"):
            fields = {"subject_uscc": subject.strip() or None, "kind": kind, "matter": matter.strip() or None,
                      "made": made.isoformat() if made else None, "deadline": deadline.isoformat() if deadline else None,
                      "status": status, "record_id": record_id.strip() or None}
            staff_act("commitments", {k: v for k, v in fields.items() if v is not None})
    with st.form("staff_red_list"):
        st.subheader("列入红名单 Put on a red list")
        b1, b2, b3 = st.columns(3)
        subject = b1.text_input("主体代码 Subject (USCC / 注册号)", key="staff_rl_subject")
        kind = b2.selectbox("红名单类别 Kind", list(MODEL.codes["red_list_kinds"]),
                            format_func=lambda k: MODEL.codes["red_list_kinds"][k]["label_zh"])
        entered = b3.date_input("列入日期 Entered", value=None, key="staff_rl_entered")
        if st.form_submit_button("列入 Add", key="staff_rl_add"):
            staff_act("red_lists", {"subject_uscc": subject.strip(), "kind": kind,
                                    "entered": entered.isoformat() if entered else ""})
