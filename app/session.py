"""Sign-in, roles and auditing on the app's pages (the rules live in :mod:`app.auth`).

``gate()`` runs before navigation on every script run: it returns the
signed-in :class:`~app.auth.Session` or shows the sign-in form and stops the
page. Pages ask ``can(action)`` / ``require(action)`` and record what users do
with ``audit(...)`` / ``audit_once(...)`` (reruns of the same request are not
logged twice).
"""
from __future__ import annotations

import json
import os
import time
from typing import Any, NoReturn

import streamlit as st

from creditgraph.app import audit as _audit
from creditgraph.app.auth import AuthConfig, AuthError, Session

KEY = "auth_session"


def settings():
    from creditgraph.app.common import settings as _settings

    return _settings()


def config() -> AuthConfig:
    try:
        return AuthConfig.from_settings(settings())
    except AuthError as exc:
        st.error(f"访问控制配置有误 The [auth] configuration is invalid: {exc}")
        st.stop()


def current() -> Session | None:
    raw = st.session_state.get(KEY)
    return Session(**raw) if raw else None


def _start(s: Session) -> Session:
    st.session_state[KEY] = {"user": s.user, "role": s.role, "mode": s.mode, "started": s.started}
    return s


def audit(event: str, **fields: Any) -> None:
    """Append an event for the signed-in user (user, role and sign-in mode added)."""
    s = current()
    who = {"user": s.user, "role": s.role, "mode": s.mode} if s else {"user": fields.pop("user", "")}
    _audit.audit_event(settings(), event, **who, **fields)


def audit_once(slot: str, event: str, **fields: Any) -> None:
    """``audit`` unless this slot already logged the same fields (a rerun, not a new request)."""
    mark = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    seen = st.session_state.setdefault("_audited", {})
    if seen.get(slot) != mark:
        seen[slot] = mark
        audit(event, **fields)


def can(action: str) -> bool:
    s = current()
    return s is not None and config().can(s.role, action)


def require(action: str, what: str) -> None:
    """Stop the page with a refusal (audited) unless the user's role may do ``action``."""
    if can(action):
        return
    s = current()
    audit_once(f"denied:{action}", "denied", action=action, page=what)
    st.error(f"无权访问 Not allowed: {what} 需要相应角色 needs a role with '{action}' "
             f"(当前角色 your role: {s.role if s else '-'})")
    st.stop()


def peer_address() -> str | None:
    """The address this session's WebSocket came from: the TCP peer (a reverse proxy when there is one).

    Read from the session's client (``st.context.ip_address`` hides loopback as
    ``None``). It is the real peer only when uvicorn trusts no
    ``X-Forwarded-For`` header (``FORWARDED_ALLOW_IPS=""``, as `creditgraph serve`
    sets it); otherwise None, which no rule trusts.
    """
    if os.environ.get("FORWARDED_ALLOW_IPS") != "":
        return None
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        client = get_instance().get_client(ctx.session_id) if ctx is not None else None
        client_context = client.client_context if client is not None else None
        ip = client_context.remote_ip if client_context is not None else None
    except Exception:  # noqa: BLE001 — no runtime (tests) or no client: unknown
        ip = None
    return ip if isinstance(ip, str) and ip else None


def request_headers():
    """The headers of this session's WebSocket request (repeated headers kept), or an empty dict."""
    try:
        return st.context.headers
    except Exception:  # noqa: BLE001 — no client
        return {}


def _audit_sign_in_refusal(res, mode: str, **fields: Any) -> None:
    """A refused sign-in, logged once per session for the same user and reason (reruns repeat it)."""
    mark = json.dumps([res.user, res.reason], ensure_ascii=False)
    if st.session_state.get("_refused_sign_in") != mark:
        st.session_state["_refused_sign_in"] = mark
        _audit.audit_event(settings(), "sign_in", user=res.user, ok=False, mode=mode, reason=res.reason, **fields)


def _sign_out() -> None:
    audit("sign_out")
    st.session_state.pop(KEY, None)
    st.session_state.pop("_audited", None)
    st.session_state.pop("revealed", None)


def _sign_in_form(cfg: AuthConfig, note: str | None = None) -> NoReturn:
    st.title("登录 Sign in · creditgraph 信用图谱")
    if note:
        st.info(note)
    with st.form("signin", clear_on_submit=True):
        user = st.text_input("用户名 User", key="signin_user")
        password = st.text_input("密码 Password", type="password", key="signin_password")
        submitted = st.form_submit_button("登录 Sign in", type="primary", key="signin_submit")
    if submitted:
        address = cfg.client_address(peer_address(), request_headers())
        res, locks = cfg.sign_in_throttled(user.strip(), password, address)
        extra = {"address": address} if address else {}
        fields: dict[str, Any] = {"role": res.role} if res.ok else {"reason": res.reason}
        if res.retry_after:
            fields["retry_after"] = res.retry_after
        _audit.audit_event(settings(), "sign_in", user=res.user, ok=res.ok, mode="password", **fields, **extra)
        for lock in locks:  # a lock starts: who or which address, after how many failures, for how long
            _audit.audit_event(settings(), "sign_in_locked", user=res.user, key=lock.key[0], value=lock.key[1],
                               failures=lock.failures, seconds=lock.seconds, **extra)
        if res.ok:
            assert res.role is not None  # a successful sign-in always carries the role
            _start(Session(res.user, res.role, "password", time.time()))
            st.rerun()
        if res.reason == "throttled" or locks:
            wait = res.retry_after or max(lock.seconds for lock in locks)
            st.error(f"登录失败次数过多，请 {int(wait) + 1} 秒后再试 Too many failed sign-ins: "
                     f"try again in {int(wait) + 1} s.")
        else:
            st.error("用户名或密码错误 Wrong user name or password.")
    st.stop()


def gate() -> Session:
    """The signed-in session (sign-in form, refusal or local-mode banner as needed)."""
    cfg = config()
    s = current()
    if cfg.mode == "local":
        if s is None or s.mode != "local" or s.role != cfg.local_role:
            s = _start(cfg.local_session())
            audit("sign_in", ok=True)
        st.sidebar.warning(f"单用户本地模式 Local single-user mode: 无需登录 no sign-in ([auth] not configured) · "
                           f"角色 role: **{s.role}**")
        return s
    if cfg.mode == "header":
        peer = peer_address()
        res = cfg.from_headers(request_headers(), peer=peer)
        if not res.ok:  # an untrusted peer's header is ignored: nobody is signed in
            _audit_sign_in_refusal(res, "header", peer=peer or "unknown")
            st.session_state.pop(KEY, None)
            st.error(f"未授权 Not authorised: {res.reason}.")
            st.stop()
        assert res.role is not None  # a successful sign-in always carries the role
        if s is None or s.user != res.user or s.role != res.role:
            s = _start(Session(res.user, res.role, "header", time.time()))
            audit("sign_in", ok=True)
    else:
        note = None
        if s is not None and (s.mode != "password" or s.user not in cfg.users or s.expired(cfg.session_minutes)):
            audit("session_expired", minutes=cfg.session_minutes)
            st.session_state.pop(KEY, None)
            s, note = None, "会话已过期，请重新登录 Your session has expired: sign in again."
        if s is None:
            _sign_in_form(cfg, note)
        if s.role != cfg.users[s.user].role:  # a role changed in the file applies at once
            s = _start(Session(s.user, cfg.users[s.user].role, s.mode, s.started))
    with st.sidebar:
        st.caption(f"用户 User **{s.user}** · 角色 role **{s.role}**")
        if s.mode == "password":
            left = max(0, int((s.started + cfg.session_minutes * 60 - time.time()) // 60))
            st.caption(f"会话剩余 Session ends in {left} min")
            st.button("退出 Sign out", key="sign_out", on_click=_sign_out)
    return s
