"""The command line under sign-in (issue 13 §4): with users configured every command that reads or writes
the graph signs the user in, checks the role (the app's role table), masks personal data it prints and
writes an audit line; a wrong password publishes nothing; a service account runs the scheduled refresh
from its environment. Without users (local mode) the commands run as before.

Real CLI invocations (typer's CliRunner, one subprocess for the cron-like run) on a real embedded graph
built from a small synthetic extract; users are written by the real `creditgraph users add` code path.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditgraph.app import auth
from creditgraph.app.cli import app as cli
from creditgraph.etl.pipeline import history as run_history
from creditgraph.graph import snapshots

REPO = Path(__file__).resolve().parents[1]
PASSWORDS = {"ada": "ada-password-1", "ivy": "ivy-password-1", "etl-job": "job-password-123"}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ENV_VARS = ("CREDITGRAPH_USER", "CREDITGRAPH_PASSWORD", "CREDITGRAPH_PASSWORD_FILE", "CREDITGRAPH_LOCAL_ROLE",
            "CREDITGRAPH_DB", "CREDITGRAPH_STORE", "CREDITGRAPH_AUDIT_LOG", "CREDITGRAPH_AUDIT_KEY")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """A small synthetic extract, a flagged change extract of it, and the graph loaded from the first."""
    from creditgraph.etl.pipeline import run_load
    from creditgraph.etl.synth import generate
    from creditgraph.etl.synth.changes import change_extract
    from creditgraph.graph.config import load_settings

    d = tmp_path_factory.mktemp("clisec")
    generate(enterprises=500, seed=5, out=d / "src")
    change_extract(d / "src", d / "chg", fraction=0.05, seed=2)
    run_load(d / "src", "canonical", dataclasses.replace(load_settings(), store="embedded", db_path=d / "base"))
    return {"src": d / "src", "chg": d / "chg", "base": d / "base"}


@pytest.fixture
def site(source, tmp_path, monkeypatch) -> dict:
    """A copy of the graph and a creditgraph.toml with an admin, an investigator and a refresh-only job account."""
    graph = tmp_path / "graph"
    shutil.copytree(source["base"], graph)
    config = tmp_path / "creditgraph.toml"
    log = tmp_path / "audit.jsonl"
    config.write_text(f'[store]\npath = "{graph}"\n\n[audit]\npath = "{log}"\n\n[auth.roles]\njob = ["refresh"]\n',
                      encoding="utf-8")
    for name, role in (("ada", "admin"), ("ivy", "investigator"), ("etl-job", "job")):
        auth.add_user(config, name, role, PASSWORDS[name])
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    return {**source, "graph": graph, "config": config, "log": log, "dir": tmp_path}


def run(*args: str, user: str | None = None, password: str | None = None, env: dict | None = None, stdin: str = ""):
    e = dict(env or {})
    if user:
        e["CREDITGRAPH_USER"] = user
    if password is not None:
        e["CREDITGRAPH_PASSWORD"] = password
    return CliRunner().invoke(cli, list(args), input=stdin, env=e)


def events(log: Path, **match) -> list[dict]:
    if not log.exists():
        return []
    rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def phone_party(db: Path) -> tuple[str, str]:
    """An enterprise with a phone and that phone in clear (read straight from the store)."""
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.store import open_store

    with open_store(dataclasses.replace(load_settings(), store="embedded", db_path=db), read_only=True) as store:
        df = store.run("MATCH (e:Enterprise)-[:HAS_PHONE]->(t:Phone) RETURN e.uid AS uid, t.uid AS phone ORDER BY uid LIMIT 1")
    return df["uid"].iloc[0], df["phone"].iloc[0]


def published(graph: Path) -> tuple:
    """What a reader sees of the graph's versions: the published snapshot and the runs on record."""
    return snapshots.current_name(graph), sorted(p.name for p in (graph / "runs").iterdir())


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# --- reads: sign-in, role, masking, audit ------------------------------------------------------------------


def test_neighbourhood_of_phones_prints_them_masked_and_is_audited(site):
    uid, phone = phone_party(site["graph"])
    args = ("analyze", "neighborhood", "-p", f"uid={uid}", "-p", "rel_types=HAS_PHONE,HAS_EMAIL", "-p", "hops=1",
            "--db", str(site["graph"]))
    r = run(*args, user="ivy", password=PASSWORDS["ivy"])
    assert r.exit_code == 0, r.output
    assert phone not in r.output and not MOBILE.findall(r.output) and not [m for m in EMAIL.findall(r.output) if "*" not in m]
    assert f"{phone[:3]}****{phone[-4:]}" in r.output  # the masked form the exports and the app use
    rows = int(re.search(r"(\d+) rows", r.output).group(1))
    ev = events(site["log"], event="analysis", user="ivy")
    assert len(ev) == 1 and ev[0]["name"] == "neighborhood" and ev[0]["rows"] == rows and rows >= 2
    assert ev[0]["params"]["uid"] == uid and ev[0]["role"] == "investigator" and ev[0]["via"] == "cli"


def test_reads_need_a_sign_in_and_a_role_when_users_exist(site):
    uid, _ = phone_party(site["graph"])
    db = ("--db", str(site["graph"]))
    # no password at all (a job without credentials): refused, nothing printed from the graph
    r = run("analyze", "neighborhood", "-p", f"uid={uid}", *db, user="ivy")
    assert r.exit_code == 77 and uid not in r.output
    r = run("analyze", "neighborhood", "-p", f"uid={uid}", *db, user="ivy", password="wrong-password-x")
    assert r.exit_code == 77 and uid not in r.output
    assert len(error_lines(r.output)) == 1 and "sign-in failed" in r.output
    assert run("counts", *db).exit_code == 77
    # counts and history are data status: admins (as in the app), not investigators nor the job account
    for who in ("ivy", "etl-job"):
        assert run("counts", *db, user=who, password=PASSWORDS[who]).exit_code == 77
        assert run("history", *db, user=who, password=PASSWORDS[who]).exit_code == 77
    assert run("analyze", "phoenix_cases", *db, user="etl-job", password=PASSWORDS["etl-job"]).exit_code == 77
    r = run("counts", *db, user="ada", password=PASSWORDS["ada"])
    assert r.exit_code == 0 and "Enterprise" in r.output, r.output
    r = run("history", *db, user="ada", password=PASSWORDS["ada"])
    assert r.exit_code == 0 and "load" in r.output, r.output
    ev = events(site["log"], user="ada")
    assert [e["event"] for e in ev if e["event"] != "sign_in"] == ["counts", "history"]
    assert ev[1]["rows"] > 0 and ev[-1]["rows"] == 1  # node/edge kinds counted; one run in the history
    denied = {(e["user"], e["action"]) for e in events(site["log"], event="denied")}
    assert {("ivy", "status"), ("etl-job", "status"), ("etl-job", "explore")} <= denied
    assert [e["ok"] for e in events(site["log"], event="sign_in", user="ivy")][:1] == [False]


# --- writes: a wrong password publishes nothing --------------------------------------------------------------


def test_load_refresh_schema_and_demo_with_a_wrong_password_or_role_publish_nothing(site):
    g = site["graph"]
    before = published(g)
    hist_before = run("history", "--db", str(g), user="ada", password=PASSWORDS["ada"]).output
    attempts = [("load", str(site["src"]), "--db", str(g)),
                ("refresh", str(site["chg"]), "--db", str(g)),
                ("schema", "--db", str(g)),
                ("demo", "--no-serve", "-n", "500", "--db", str(g), "--out", str(site["dir"] / "demo-src"))]
    for args in attempts:
        r = run(*args, user="ada", password="not-adas-password")
        assert r.exit_code == 77, (args, r.output)
        assert len(error_lines(r.output)) == 1 and "sign-in failed" in r.output, r.output
        r = run(*args, user="ivy", password=PASSWORDS["ivy"])  # right password, role without refresh
        assert r.exit_code == 77 and "may not refresh" in r.output, (args, r.output)
    assert published(g) == before
    assert not (site["dir"] / "demo-src").exists()
    assert run("history", "--db", str(g), user="ada", password=PASSWORDS["ada"]).output == hist_before
    assert [h["run_id"] for h in run_history(dataclasses.replace(_settings(), db_path=g))] == before[1]
    assert not events(site["log"], event="load") and not events(site["log"], event="refresh")


def _settings():
    from creditgraph.graph.config import load_settings

    return dataclasses.replace(load_settings(), store="embedded")


def test_admin_load_and_refresh_are_audited_with_the_run(site):
    g = site["graph"]
    r = run("refresh", str(site["chg"]), "--db", str(g), user="ada", password=PASSWORDS["ada"])
    assert r.exit_code == 0, r.output
    ev = events(site["log"], event="refresh")
    assert len(ev) == 1 and ev[0]["user"] == "ada" and ev[0]["role"] == "admin" and ev[0]["exit_code"] == 0
    assert ev[0]["version"]["new"] == snapshots.current_name(g) and ev[0]["run_id"] in published(g)[1]


# --- the service account for scheduled jobs -----------------------------------------------------------------


def test_service_account_refreshes_unattended_from_a_password_file(site):
    g = site["graph"]
    before = published(g)
    pw = site["dir"] / "job.pw"
    pw.write_text(PASSWORDS["etl-job"] + "\n", encoding="utf-8")
    pw.chmod(0o600)
    env = {**os.environ, "CREDITGRAPH_USER": "etl-job", "CREDITGRAPH_PASSWORD_FILE": str(pw),
           "CREDITGRAPH_CONFIG": str(site["config"]), "PYTHONPATH": str(REPO)}
    # as cron runs it: no terminal, no prompt, credentials from the environment
    p = subprocess.run([sys.executable, "-m", "creditgraph.app.cli", "refresh", str(site["chg"]), "--db", str(g), "--log-json"],
                       cwd=site["dir"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    after = published(g)
    assert after[0] != before[0] and len(after[1]) == len(before[1]) + 1
    ev = events(site["log"], event="refresh")
    assert len(ev) == 1 and ev[0]["user"] == "etl-job" and ev[0]["role"] == "job"
    assert ev[0]["version"]["new"] == after[0] and ev[0]["status"] == "refreshed"
    assert events(site["log"], event="sign_in", user="etl-job", ok=True)
    assert PASSWORDS["etl-job"] not in site["log"].read_text(encoding="utf-8")


def test_a_password_file_others_can_read_or_a_wrong_one_is_refused(site):
    g = site["graph"]
    before = published(g)
    pw = site["dir"] / "job.pw"
    pw.write_text(PASSWORDS["etl-job"], encoding="utf-8")
    pw.chmod(0o644)
    env = {"CREDITGRAPH_USER": "etl-job", "CREDITGRAPH_PASSWORD_FILE": str(pw)}
    r = run("refresh", str(site["chg"]), "--db", str(g), env=env)
    assert r.exit_code == 77 and "readable by others" in r.output and len(error_lines(r.output)) == 1, r.output
    pw.chmod(0o600)
    pw.write_text("an-old-password", encoding="utf-8")
    assert run("refresh", str(site["chg"]), "--db", str(g), env=env).exit_code == 77
    r = run("refresh", str(site["chg"]), "--db", str(g), env={**env, "CREDITGRAPH_PASSWORD_FILE": str(pw) + ".missing"})
    assert r.exit_code == 77 and len(error_lines(r.output)) == 1, r.output
    assert published(g) == before
    # the environment variable works too (e.g. from a secrets manager)
    r = run("refresh", str(site["chg"]), "--db", str(g), user="etl-job", password=PASSWORDS["etl-job"])
    assert r.exit_code == 0, r.output
    assert published(g)[0] != before[0]


# --- local mode: as before ---------------------------------------------------------------------------------


def test_local_mode_needs_no_sign_in_but_still_masks(source, tmp_path, monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    g = tmp_path / "graph"
    shutil.copytree(source["base"], g)
    r = run("counts", "--db", str(g))
    assert r.exit_code == 0 and "Enterprise" in r.output, r.output
    r = run("refresh", str(source["chg"]), "--db", str(g))
    assert r.exit_code == 0, r.output
    uid, phone = phone_party(g)
    r = run("analyze", "neighborhood", "-p", f"uid={uid}", "-p", "rel_types=HAS_PHONE", "-p", "hops=1", "--db", str(g))
    assert r.exit_code == 0 and phone not in r.output, r.output
    local = events(tmp_path / "audit.jsonl")
    assert [e["event"] for e in local] == ["counts", "refresh", "analysis"] and {e["mode"] for e in local} == {"cli-local"}
