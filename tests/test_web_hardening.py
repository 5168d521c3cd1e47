"""The web app's sign-in and server hardening (issue 13, section 4):

* trusted-header sign-in only from configured proxy addresses, no trimming of user names,
  and `serve` refusing header mode on a public address without trusted proxies;
* throttling of failed sign-ins per user and per address (audited, kept across page reloads);
* no tracebacks or server paths in the browser (the server's ``client.showErrorDetails``);
* export files that exist on the media endpoint only after a click (deferred downloads).

Real components throughout: the auth rules, the `creditgraph serve` command in a subprocess,
Streamlit's own exception marshalling, the app through AppTest on the synthetic graph.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from creditgraph.app import auth
from tests.test_app_pages import APP, TIMEOUT, synth_graph

REPO = Path(__file__).resolve().parents[1]
PW = {"ada": "ada-password-1", "tina": "tina-password-1", "otto": "otto-password-1"}


def header_config(**extra) -> auth.AuthConfig:
    users = {"ada": {"role": "admin"}, "sam": {"role": "supervisor"}}
    return auth.AuthConfig.from_raw({"auth": {"users": users, "trusted_header": "X-Remote-User", **extra}}, env={})


# --- trusted-header sign-in ---------------------------------------------------------------------


def test_the_header_counts_only_from_a_trusted_proxy_address():
    cfg = header_config(trusted_proxies=["10.1.2.3", "192.168.50.0/24"])
    assert cfg.from_headers({"X-Remote-User": "sam"}, peer="10.1.2.3").ok
    assert cfg.from_headers({"X-Remote-User": "sam"}, peer="192.168.50.77").ok  # a CIDR range
    for peer in ("10.1.2.4", "203.0.113.9", "127.0.0.1", None, "not-an-address", "::ffff:10.1.2.4"):
        res = cfg.from_headers({"X-Remote-User": "sam"}, peer=peer)
        assert not res.ok and "untrusted" in res.reason, (peer, res)
    assert cfg.from_headers({"X-Remote-User": "sam"}, peer="::ffff:10.1.2.3").ok  # IPv4-mapped IPv6 form


def test_without_trusted_proxies_only_loopback_may_send_the_header():
    cfg = header_config()
    assert cfg.from_headers({"X-Remote-User": "sam"}, peer="127.0.0.1").ok
    assert cfg.from_headers({"X-Remote-User": "sam"}, peer="::1").ok
    assert not cfg.from_headers({"X-Remote-User": "sam"}, peer="192.168.1.10").ok
    assert not cfg.from_headers({"X-Remote-User": "sam"}, peer=None).ok  # unknown peer: refused


@pytest.mark.parametrize("value", [" sam", "sam ", " sam ", "sam\t", "sam\r\n", "\x00sam", "sa\x1bm", "sam\u200b",
                                   "sam,ada", "", "   "])
def test_a_user_name_with_spaces_or_control_characters_is_refused_not_trimmed(value):
    res = header_config().from_headers({"X-Remote-User": value}, peer="127.0.0.1")
    assert not res.ok and res.role is None, (value, res)


def test_the_header_sent_twice_is_refused():
    cfg = header_config()
    assert not cfg.from_headers({"X-Remote-User": ["sam", "ada"]}, peer="127.0.0.1").ok
    assert cfg.from_headers({"X-Remote-User": ["sam"]}, peer="127.0.0.1").ok


def test_a_malformed_trusted_proxy_is_a_configuration_error():
    with pytest.raises(auth.AuthError, match="trusted_proxies"):
        header_config(trusted_proxies=["10.0.0.0/33"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_serve(tmp_path: Path, config_text: str, host: str) -> subprocess.CompletedProcess | None:
    """`creditgraph serve --host HOST` in its own process group; None when it was still serving after 45 s."""
    cfg = tmp_path / "creditgraph.toml"
    cfg.write_text(config_text, encoding="utf-8")
    env = {**os.environ, "CREDITGRAPH_CONFIG": str(cfg), "CREDITGRAPH_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
           "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "creditgraph.app.cli", "serve", "--host", host, "--port", str(free_port()),
           "--db", str(synth_graph().db)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=45)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
        return None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


HEADER_MODE = '[auth]\ntrusted_header = "X-Remote-User"\n[auth.users.ada]\nrole = "admin"\n'


def test_serve_in_header_mode_on_every_interface_without_trusted_proxies_refuses_to_start(tmp_path):
    done = run_serve(tmp_path, HEADER_MODE, "0.0.0.0")
    assert done is not None, "the server started in header mode on 0.0.0.0 without trusted proxies"
    assert done.returncode != 0
    reason = [line for line in done.stderr.splitlines() if "trusted_proxies" in line]
    assert len(reason) == 1 and "Traceback" not in done.stderr, done.stderr


def test_the_refusal_names_the_setting_and_loopback_or_trusted_proxies_are_fine():
    from creditgraph.app.serve import listen_refusal

    assert "trusted_proxies" in listen_refusal(header_config(), "0.0.0.0")
    assert "trusted_proxies" in listen_refusal(header_config(), "192.168.1.5")
    assert listen_refusal(header_config(), "127.0.0.1") is None
    assert listen_refusal(header_config(), "::1") is None
    assert listen_refusal(header_config(trusted_proxies=["10.0.0.8"]), "0.0.0.0") is None
    password_mode = auth.AuthConfig.from_raw({"auth": {"users": {"ada": {"role": "admin", "password_hash": "x"}}}}, env={})
    assert listen_refusal(password_mode, "0.0.0.0") is None


def test_the_server_sees_the_tcp_peer_not_a_forwarded_for_header():
    """Uvicorn rewrites the peer from X-Forwarded-For when it comes from loopback, unless told to trust nobody."""
    from uvicorn.middleware.proxy_headers import _TrustedHosts

    from creditgraph.app.serve import server_env

    trusted = _TrustedHosts(server_env(base={})["FORWARDED_ALLOW_IPS"])
    assert "127.0.0.1" not in trusted and "::1" not in trusted and "10.0.0.8" not in trusted


# --- throttling of failed sign-ins ------------------------------------------------------------------


def test_five_failures_lock_the_user_for_a_time_that_doubles():
    t = auth.Throttle()
    policy = auth.ThrottlePolicy(max_failures=5, address_max_failures=50, window_s=900, lock_s=30, max_lock_s=3600)
    keys = [("user", "tina"), ("address", "10.0.0.1")]
    now = 1000.0
    locks = [t.failure(keys, policy, now + i) for i in range(5)]
    assert locks[:4] == [[], [], [], []] and [lk.key for lk in locks[4]] == [("user", "tina")]
    assert locks[4][0].seconds == 30
    assert t.retry_after(keys, now + 5) > 0
    assert t.retry_after([("user", "other")], now + 5) == 0  # another user is not locked
    assert t.retry_after(keys, now + 4 + 31) == 0  # the lock ends
    second = [t.failure(keys, policy, now + 40 + i) for i in range(5)][-1]
    assert second[0].seconds == 60  # the second lock in a row is twice as long
    third = [t.failure(keys, policy, now + 200 + i) for i in range(5)][-1]
    assert third[0].seconds == 120


def test_an_address_trying_many_users_is_locked_and_a_success_resets_only_the_user():
    t = auth.Throttle()
    policy = auth.ThrottlePolicy(max_failures=5, address_max_failures=8, window_s=900, lock_s=30, max_lock_s=3600)
    now = 0.0
    for i in range(7):
        assert t.failure([("user", f"u{i}"), ("address", "10.9.9.9")], policy, now) == []
    locks = t.failure([("user", "u7"), ("address", "10.9.9.9")], policy, now)
    assert [lk.key for lk in locks] == [("address", "10.9.9.9")]
    assert t.retry_after([("user", "anyone"), ("address", "10.9.9.9")], now + 1) > 0
    assert t.retry_after([("user", "anyone"), ("address", "10.9.9.10")], now + 1) == 0
    for _ in range(4):
        t.failure([("user", "tina")], policy, now)
    t.success(("user", "tina"))
    assert [t.failure([("user", "tina")], policy, now) for _ in range(4)] == [[], [], [], []]  # counted afresh


def test_failures_older_than_the_window_are_forgotten_and_the_state_is_bounded():
    t = auth.Throttle()
    policy = auth.ThrottlePolicy(max_failures=3, window_s=60, lock_s=30, max_keys=100)
    t.failure([("user", "a")], policy, 0.0)
    t.failure([("user", "a")], policy, 10.0)
    assert t.failure([("user", "a")], policy, 100.0) == []  # the first two are out of the window
    for i in range(1000):
        t.failure([("user", f"spray{i}")], policy, 200.0)
    assert len(t) <= 100


def test_the_throttle_settings_come_from_the_config():
    cfg = auth.AuthConfig.from_raw({"auth": {"throttle": {"max_failures": 3, "lock_seconds": 10, "window_minutes": 5}}},
                                   env={})
    assert (cfg.throttle.max_failures, cfg.throttle.lock_s, cfg.throttle.window_s) == (3, 10, 300)


@pytest.fixture
def password_site(tmp_path, monkeypatch):
    config = tmp_path / "creditgraph.toml"
    config.write_text(f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n', encoding="utf-8")
    for name, role in (("ada", "admin"), ("tina", "investigator"), ("otto", "investigator")):
        auth.add_user(config, name, role, PW[name])
    monkeypatch.setenv("CREDITGRAPH_DB", str(synth_graph().db))
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    for var in ("CREDITGRAPH_STORE", "CREDITGRAPH_AUDIT_LOG", "CREDITGRAPH_LOCAL_ROLE"):
        monkeypatch.delenv(var, raising=False)
    auth.THROTTLE.clear()
    yield tmp_path / "audit.jsonl"
    auth.THROTTLE.clear()


def events(log: Path, **match) -> list[dict]:
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()] if log.exists() else []
    return [e for e in lines if all(e.get(k) == v for k, v in match.items())]


def attempt(user: str, password: str, at=None):
    from streamlit.testing.v1 import AppTest

    at = at or AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_22_failures_then_the_right_password_is_refused_and_audited(password_site):
    log = password_site
    at = None
    for i in range(22):
        at = attempt("tina", f"wrong-password-{i}", at)
    at = attempt("tina", PW["tina"], at)
    assert "auth_session" not in at.session_state
    assert at.title[0].value.startswith("登录")
    assert any("Too many failed sign-ins" in e.value for e in at.error), [e.value for e in at.error]
    assert events(log, event="sign_in_locked", key="user", value="tina")
    refused = events(log, event="sign_in", user="tina", ok=False, reason="throttled")
    assert refused and refused[-1]["retry_after"] > 0
    # the password was checked at most max_failures times before the lock: no 22 guesses at argon2
    assert len(events(log, event="sign_in", user="tina", ok=False, reason="wrong password")) == 5
    # a reload (a new browser session) is still refused; another user is not
    fresh = attempt("tina", PW["tina"])
    assert "auth_session" not in fresh.session_state
    other = attempt("otto", PW["otto"])
    assert other.session_state["auth_session"]["user"] == "otto"


# --- no tracebacks in the browser ------------------------------------------------------------------


def test_the_server_hides_tracebacks_and_paths_from_the_browser():
    from streamlit.elements.exception import marshall
    from streamlit.proto.Exception_pb2 import Exception as ExceptionProto
    from streamlit.testing.v1.util import patch_config_options

    from creditgraph.app.serve import SERVER_OPTIONS

    try:
        with open(REPO / "no-such-dir" / "x"):  # an error whose message and traceback name server paths
            pass
    except OSError as exc:
        error = exc
    proto = ExceptionProto()
    with patch_config_options({"client.showErrorDetails": SERVER_OPTIONS["client.showErrorDetails"]}):
        marshall(proto, error, apply_show_error_details=True)
    shown = str(proto)
    assert not proto.stack_trace and str(REPO) not in shown and "site-packages" not in shown, shown


# --- exports: nothing on the media endpoint until the user clicks ------------------------------------


def test_export_downloads_are_generated_on_click_not_parked_at_a_url(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CREDITGRAPH_DB", str(synth_graph().db))
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("views/risk.py").run()
    at.selectbox(key="risk_list").set_value("repeat_enterprise").run()
    at.button(key="risk_run").click().run()
    at.button(key="risk_prepare").click().run()
    assert not at.exception
    buttons = [b for b in at.get("download_button") if b.proto.id and "risk_dl" in b.proto.id]
    assert len(buttons) == 2
    for b in buttons:
        assert b.proto.url == "" and b.proto.deferred_file_id, b.proto  # no /media/ URL while the page is shown
    exp = at.session_state["risk_export"]
    assert exp["csv"] and exp["xlsx"]  # the audited bytes stay with the session, not on the media endpoint
