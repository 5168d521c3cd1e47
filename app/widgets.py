"""Streamlit pieces more than one page uses."""
from __future__ import annotations

from typing import Any

import streamlit as st

from creditgraph.app import session as S
from creditgraph.app import watch


def watch_form(subjects: list[str], key: str, placeholder: str, what: str, hops: int = 2, **audit: Any) -> None:
    """A watchlist name and a button that puts ``subjects`` on it (alerts after each load or refresh, page
    预警 Alerts); the addition is audited with ``audit``."""
    w1, w2 = st.columns([2, 1])
    name = w1.text_input("关注名单 Watchlist name", key=f"{key}_watchlist", placeholder=placeholder).strip()
    if not w2.button(f"关注这 {len(subjects)} {what}", key=f"{key}_watch", disabled=not name):
        return
    who = S.current()
    try:
        wl = watch.add_to_watchlist(S.settings(), name, subjects, owner=who.user if who else "local", hops=hops)
    except ValueError as exc:
        st.warning(f"无法创建关注名单 Cannot create the watchlist: {exc}")
        return
    S.audit("watch_add", watchlist=name, subjects=len(subjects), **audit)
    st.success(f"关注名单 {name}: {len(wl['subjects'])} 个主体 parties watched")
