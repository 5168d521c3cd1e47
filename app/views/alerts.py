"""预警 Alerts: the alerts raised for the watchlists (``creditgraph alerts run`` after each load or
refresh), newest first, unread ones marked; reading one marks it read (audited)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from creditgraph.app import common as C
from creditgraph.app import masking
from creditgraph.app import session as S
from creditgraph.app import watch

st.title("预警 Alerts")
S.require("explore", "预警 Alerts")
settings = S.settings()
lists = watch.watchlists(settings)
alerts = watch.read_alerts(settings)
unread = {a["id"] for a in watch.read_alerts(settings, unread_only=True)}
st.caption(f"{len(lists)} 个关注名单 watchlists · {len(alerts)} 条预警 alerts · {len(unread)} 条未读 unread. "
           "预警在每次加载或更新后由 `creditgraph alerts run` 生成 Alerts are raised after each load or refresh by "
           "`creditgraph alerts run`; 关注名单用 `creditgraph watch add` 维护 watchlists are kept with `creditgraph watch add`.")
if not alerts:
    st.info("暂无预警 No alert yet.")
    st.stop()

only_unread = st.toggle("只看未读 Unread only", value=True, key="alerts_unread")
shown = [a for a in reversed(alerts) if not only_unread or a["id"] in unread]
table = pd.DataFrame([{"未读 Unread": "●" if a["id"] in unread else "", "关注名单 Watchlist": a["watchlist"],
                       "主体 Subject": C.name_of(a["subject"]) or a["subject"], "类型 Kind": a["kind_zh"],
                       "内容 Detail": a["detail"], "图版本 Version": a["version"], "时间 Raised": a["raised"]}
                      for a in shown])
if table.empty:
    st.success("没有未读预警 No unread alert.")
    st.stop()
st.dataframe(masking.mask_cells(table), hide_index=True, width="stretch", key="alerts_table")
labels = {a["id"]: f"{a['watchlist']} · {C.name_of(a['subject']) or a['subject']} · {a['kind_zh']}" for a in shown}
pick = st.selectbox("查看预警 Open an alert", [a["id"] for a in shown], format_func=lambda i: labels.get(i, i),
                    key="alerts_pick")
alert = next(a for a in shown if a["id"] == pick)
st.code(masking.mask_text(alert["path"] or alert["detail"] or ""), language=None)
if pick in unread and st.button("标为已读 Mark read", key="alerts_mark"):
    watch.mark_read(settings, [pick])
    S.audit("alert_read", alert=pick, watchlist=alert["watchlist"])
    st.rerun()
