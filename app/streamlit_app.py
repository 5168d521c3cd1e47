"""creditgraph 信用知识图谱: the Streamlit app (start with `creditgraph serve` or `creditgraph demo`).

Pages (st.navigation): 搜索 Search · 信用画像 Profile · 关系图谱 Graph explorer ·
路径 Paths · 风险名单 Risk lists · 数据状态 Data status (admins). Sign-in and
roles first (app.session; local single-user mode when no users are configured).
The store is opened read-only from the settings (CREDITGRAPH_DB names the
embedded store).
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path

import streamlit as st

from creditgraph.app import common, session

def _favicon():
    """A small hub drawn locally: a ``:material/…:`` page icon makes the browser fetch an SVG from Google."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    for x, y in ((12, 12), (52, 12), (12, 52), (52, 52)):
        d.line((32, 32, x, y), fill="#4C78A8", width=5)
        d.ellipse((x - 8, y - 8, x + 8, y + 8), fill="#4C78A8")
    d.ellipse((20, 20, 44, 44), fill="#C0392B")
    return img


st.set_page_config(page_title="creditgraph 信用图谱", page_icon=_favicon(), layout="wide")

VIEWS = Path(__file__).resolve().parent / "views"
pages = {
    "search": st.Page(VIEWS / "search.py", title="搜索 Search", icon=":material/search:", url_path="search", default=True),
    "profile": st.Page(VIEWS / "profile.py", title="信用画像 Profile", icon=":material/badge:", url_path="profile"),
    "graph": st.Page(VIEWS / "graph.py", title="关系图谱 Graph explorer", icon=":material/hub:", url_path="graph"),
    "paths": st.Page(VIEWS / "paths.py", title="路径 Paths", icon=":material/route:", url_path="paths"),
    "risk": st.Page(VIEWS / "risk.py", title="风险名单 Risk lists", icon=":material/flag:", url_path="risk"),
    "check": st.Page(VIEWS / "check.py", title="信用核查 Credit check", icon=":material/fact_check:", url_path="check"),
    "alerts": st.Page(VIEWS / "alerts.py", title="预警 Alerts", icon=":material/notifications:", url_path="alerts"),
    "status": st.Page(VIEWS / "status.py", title="数据状态 Data status", icon=":material/database:", url_path="status"),
    "supervision": st.Page(VIEWS / "supervision.py", title="分级分类监管 Graded supervision", icon=":material/rule:",
                           url_path="supervision"),
    "casework": st.Page(VIEWS / "casework.py", title="异议与修复 Objections & repairs", icon=":material/gavel:",
                        url_path="casework"),
}
common.PAGES.update(pages)

session.gate()  # sign-in (or the local-mode banner); stops here until someone is signed in
common.start_warmup()  # whole-graph risk signals compute in the background, once per graph version
sections = {"调查 Investigate": [pages["search"], pages["profile"], pages["graph"], pages["paths"]],
            "监管 Supervise": [pages["risk"], pages["check"], pages["alerts"]]
            + ([pages["supervision"], pages["casework"]] if session.can("casework") else [])
            + ([pages["status"]] if session.can("status") else [])}
if not session.can("explore"):
    sections = {"监管 Supervise": [pages["status"]] if session.can("status") else [pages["search"]]}
nav = st.navigation(sections)
with st.sidebar:
    st.caption("creditgraph 信用知识图谱 · credit knowledge graph")
try:
    nav.run()
except Exception:  # noqa: BLE001 — the browser gets a reference, the server's log the traceback
    ref = uuid.uuid4().hex[:8]
    logging.getLogger("creditgraph.app").exception("page error, reference %s", ref)
    st.error(f"出错了，请稍后重试或联系管理员 Something went wrong on this page (reference {ref}). "
             "Try again, or give the reference to your administrator.")
