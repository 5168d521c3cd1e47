"""Password hashing, sign-in, session expiry, trusted proxy headers, role checks in the command line,
the audit log (append-only, filtered by `creditgraph audit`) and credentials kept out of messages."""
from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditgraph.app import auth
from creditgraph.app.audit import audit_event, read_events
from creditgraph.app.cli import app as cli

REPO = Path(__file__).resolve().parents[1]
ADMIN_PW, INV_PW = "admin-password-1", "investigator-pw-1"


# --- hashing and sign-in -----------------------------------------------------------------------------


def test_passwords_are_stored_as_salted_argon2id_hashes():
    h1, h2 = auth.hash_password("correct horse battery"), auth.hash_password("correct horse battery")
    assert h1.startswith("$argon2id$") and h1 != h2  # salted
    assert "correct horse" not in h1
    assert auth.verify_password(h1, "correct horse battery")
    assert not auth.verify_password(h1, "correct horse batterY")
    assert not auth.verify_password("not a hash", "x") and not auth.verify_password(None, "x")
    with pytest.raises(auth.AuthError, match="too short"):
        auth.hash_password("short")


def config(**auth_section) -> auth.AuthConfig:
    users = {"ada": {"role": "admin", "password_hash": auth.hash_password(ADMIN_PW)},
             "ivy": {"role": "investigator", "password_hash": auth.hash_password(INV_PW)},
             "sam": {"role": "supervisor"}}
    return auth.AuthConfig.from_raw({"auth": {"users": users, **auth_section}}, env={})


def test_sign_in_succeeds_with_the_right_password_only():
    cfg = config()
    assert cfg.mode == "password"
    ok = cfg.sign_in("ivy", INV_PW)
    assert ok.ok and ok.role == "investigator"
    for user, pw, reason in (("ivy", ADMIN_PW, "wrong password"), ("nobody", INV_PW, "unknown user"),
                             ("sam", "", "wrong password"), ("ivy", "", "wrong password")):
        res = cfg.sign_in(user, pw)
        assert not res.ok and res.role is None and res.reason == reason


def test_sessions_expire_after_the_configured_minutes():
    cfg = config(session_minutes=15)
    s = auth.Session("ivy", "investigator", "password", started=1_000_000.0)
    assert cfg.session_minutes == 15
    assert not s.expired(cfg.session_minutes, now=1_000_000.0 + 14 * 60)
    assert s.expired(cfg.session_minutes, now=1_000_000.0 + 16 * 60)
    assert not auth.Session("x", "investigator", "local", 0.0).expired(15, now=1e12)  # local mode has no sign-in


def test_trusted_header_names_the_user_and_the_user_list_gives_the_role():
    cfg = config(trusted_header="X-Remote-User")
    assert cfg.mode == "header"
    proxy = "127.0.0.1"  # the header counts only from a trusted proxy (default: loopback); see test_web_hardening
    res = cfg.from_headers({"x-remote-user": "sam", "Host": "example"}, peer=proxy)  # header names are case-insensitive
    assert res.ok and res.user == "sam" and res.role == "supervisor"
    assert not cfg.from_headers({"X-Remote-User": "mallory"}, peer=proxy).ok  # not in the list: refused
    assert not cfg.from_headers({}, peer=proxy).ok
    assert not config().from_headers({"X-Remote-User": "ada"}, peer=proxy).ok  # without trusted_header the header is ignored


def test_role_permissions_and_reveal_roles():
    cfg = config()
    assert cfg.can("investigator", "explore") and cfg.can("investigator", "export")
    assert not cfg.can("investigator", "reveal") and not cfg.can("investigator", "status")
    assert cfg.can("supervisor", "reveal") and not cfg.can("supervisor", "users")
    assert cfg.can("admin", "status") and cfg.can("admin", "users") and cfg.can("admin", "audit")
    assert not cfg.can("admin", "reveal") and not cfg.can(None, "explore")
    assert config(reveal_roles=["admin"]).can("admin", "reveal")
    narrowed = config(roles={"investigator": ["explore"]})
    assert not narrowed.can("investigator", "export")


def test_local_mode_without_users_and_a_broken_config_is_refused():
    assert auth.AuthConfig.from_raw({}, env={}).mode == "local"
    assert auth.AuthConfig.from_raw({}, env={}).local_role == "investigator"
    assert auth.AuthConfig.from_raw({}, env={"CREDITGRAPH_LOCAL_ROLE": "admin"}).local_role == "admin"
    for bad in ({"auth": {"users": {"x": {"role": "king"}}}}, {"auth": {"mode": "header"}},
                {"auth": {"roles": {"investigator": ["fly"]}}}):
        with pytest.raises(auth.AuthError):
            auth.AuthConfig.from_raw(bad, env={})


# --- command line -------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path, monkeypatch):
    cfg = tmp_path / "creditgraph.toml"
    cfg.write_text('# site settings\n[store]\npath = "%s"\n' % (tmp_path / "graph"), encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(cfg))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    for var in ("CREDITGRAPH_USER", "CREDITGRAPH_PASSWORD", "CREDITGRAPH_LOCAL_ROLE", "CREDITGRAPH_DB"):
        monkeypatch.delenv(var, raising=False)
    return cfg, tmp_path / "audit.jsonl"


def run(*args, user=None, password=None, stdin=None):
    env = {}
    if user:
        env["CREDITGRAPH_USER"] = user
    if password:
        env["CREDITGRAPH_PASSWORD"] = password
    return CliRunner().invoke(cli, list(args), input=stdin, env=env)


def log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_users_cli_keeps_only_hashes_and_checks_roles(site):
    cfg, log = site
    # bootstrap: the first user must be an admin
    r = run("users", "add", "ivy", "--role", "investigator", "--password-stdin", stdin=INV_PW + "\n")
    assert r.exit_code == 1 and "add an admin first" in r.output
    r = run("users", "add", "ada", "--role", "admin", "--password-stdin", stdin=ADMIN_PW + "\n")
    assert r.exit_code == 0, r.output
    # from now on user management needs an admin who signs in
    r = run("users", "add", "ivy", "--role", "investigator", "--password-stdin", stdin=INV_PW + "\n")
    assert r.exit_code == 77
    r = run("users", "add", "ivy", "--role", "investigator", "--password-stdin", stdin=INV_PW + "\n",
            user="ada", password=ADMIN_PW)
    assert r.exit_code == 0, r.output
    text = cfg.read_text(encoding="utf-8")
    assert "# site settings" in text and "[store]" in text  # the rest of the file is kept
    assert ADMIN_PW not in text and INV_PW not in text and text.count("$argon2id$") == 2
    assert auth.AuthConfig.from_raw(__import__("tomllib").loads(text), env={}).sign_in("ivy", INV_PW).ok
    # an investigator may not manage users
    r = run("users", "remove", "ada", user="ivy", password=INV_PW)
    assert r.exit_code == 77 and "may not users" in r.output
    r = run("users", "list", user="ada", password=ADMIN_PW, stdin=None)
    assert r.exit_code == 0 and "ivy" in r.output and "argon2" not in r.output
    # password change, last-admin protection, removal
    r = run("users", "passwd", "ivy", "--password-stdin", user="ada", password=ADMIN_PW, stdin="a-new-password-2\n")
    assert r.exit_code == 0
    assert run("users", "list", user="ivy", password=INV_PW).exit_code == 77  # old password gone
    assert run("users", "remove", "ada", user="ada", password=ADMIN_PW).exit_code == 1  # the last admin
    assert run("users", "remove", "ivy", user="ada", password=ADMIN_PW).exit_code == 0
    events = [(e["event"], e["user"], e.get("target")) for e in log_lines(log) if e["event"].startswith("user_")]
    assert events == [("user_add", "bootstrap", "ada"), ("user_add", "ada", "ivy"), ("user_passwd", "ada", "ivy"),
                      ("user_remove", "ada", "ivy")]
    assert ADMIN_PW not in log.read_text(encoding="utf-8")


def test_audit_cli_is_for_admins_and_filters(site):
    cfg, log = site
    auth.add_user(cfg, "ada", "admin", ADMIN_PW)
    auth.add_user(cfg, "ivy", "investigator", INV_PW)
    audit_event(log, "search", user="ivy", text="宁波")
    audit_event(log, "export", user="sam", rows=3, sha256="ab" * 32)
    r = run("audit", user="ivy", password=INV_PW)
    assert r.exit_code == 77
    r = run("audit", user="ada", password="wrong-password!")
    assert r.exit_code == 77 and "sign-in failed" in r.output
    r = run("audit", "--json", "--event", "search", user="ada", password=ADMIN_PW)
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert [(e["event"], e["user"], e["text"]) for e in rows] == [("search", "ivy", "宁波")]
    r = run("audit", "--json", "--user", "ada", "--event", "sign_in", user="ada", password=ADMIN_PW)
    outcomes = [json.loads(x)["ok"] for x in r.output.splitlines() if x.startswith("{")]
    assert outcomes == [False, True, True]  # the wrong password, then two good sign-ins
    r = run("audit", "--json", "--since", "2999-01-01", user="ada", password=ADMIN_PW)
    assert [x for x in r.output.splitlines() if x.startswith("{")] == []
    assert run("audit", "--since", "yesterday", user="ada", password=ADMIN_PW).exit_code == 1
    assert any(e["event"] == "denied" and e["user"] == "ivy" and e["action"] == "audit" for e in log_lines(log))


def test_local_mode_cli_uses_the_local_role(site, monkeypatch):
    cfg, log = site
    assert run("audit").exit_code == 77  # local role investigator
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "admin")
    assert run("audit").exit_code == 0


# --- audit log ------------------------------------------------------------------------------------------


def _writer(path: str, n: int, tag: int) -> None:
    for i in range(n):
        audit_event(path, "search", user=f"w{tag}", text=f"{tag}-{i}-" + "字" * 300)


def test_audit_lines_never_interleave_across_processes(tmp_path):
    log = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(log), 300, t)) for t in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1800
    recs = [json.loads(x) for x in lines]  # every line whole
    assert {r["user"] for r in recs} == {f"w{t}" for t in range(6)}
    assert os.stat(log).st_mode & 0o777 == 0o600


def test_audit_cuts_huge_fields_and_filters_by_time(tmp_path):
    log = tmp_path / "a.jsonl"
    rec = audit_event(log, "search", user="x", text="y" * 1_000_000)
    assert rec["text"]["length"] == 1_000_000 and len(log.read_text()) < 2000
    import datetime as dt

    assert list(read_events(log, since=dt.date(2000, 1, 1)))
    assert not list(read_events(log, since=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)))
    assert audit_event(log, "refresh")["user"]  # the operating-system user by default (refresh jobs)


# --- credentials never in messages -------------------------------------------------------------------------


def test_settings_repr_hides_secrets():
    from creditgraph.graph.config import Neo4jSettings, Settings, redact_uri

    s = Settings(neo4j=Neo4jSettings(uri="neo4j+s://neo4j:Pw-1234@db:7687", password="Pw-1234"), id_key="Key-5678",
                 raw={"neo4j": {"password": "Pw-1234"}})
    assert "Pw-1234" not in repr(s) and "Key-5678" not in repr(s) and "Pw-1234" not in str(s.neo4j)
    assert redact_uri("bolt://u:p@h:1/db") == "bolt://***@h:1/db"


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:9", "bolt://neo4j:Sup3r-Secret-Pw@127.0.0.1:9"])
def test_neo4j_errors_on_the_command_line_hold_no_password(uri, tmp_path):
    env = {**os.environ, "NEO4J_URI": uri, "NEO4J_PASSWORD": "Sup3r-Secret-Pw", "CREDITGRAPH_STORE": "neo4j",
           "PYTHONPATH": str(REPO), "CREDITGRAPH_CONFIG": str(tmp_path / "none.toml")}
    p = subprocess.run([sys.executable, "-m", "creditgraph.app.cli", "counts"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "Sup3r-Secret-Pw" not in out
    assert "Traceback" not in out  # one clear line, not a stack trace
