"""The Neo4j server stopped in the middle of a load and of a refresh: the command exits 1 with a
one-line reason, ``graph_version`` is unchanged, and a re-run completes.

The session's server must keep serving the other tests, so this one starts its own (same
launcher, its own data folder, a fixed port so that a restart keeps the URI).
"""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh
from creditgraph.etl.synth import generate
from creditgraph.etl.synth.changes import change_extract
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.graph.neo4j_store import Neo4jStore
from tests.neo4j_fixture import LocalServer, unavailable

REPO = Path(__file__).resolve().parents[1]
ID_KEY = "test-key"
PAUSE = 15  # seconds the command sleeps at the pause point while the test stops its server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, neo4j_server):
    if isinstance(neo4j_server, BaseException):  # no Java / Maven here: skip (CI: fail)
        unavailable(str(neo4j_server))
    srv = LocalServer(tmp_path / "neo4j")
    srv.env["CREDITGRAPH_NEO4J_PORT"] = str(free_port())
    try:
        srv.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        unavailable(f"a second local Neo4j server could not be started: {exc}")
    yield srv
    srv.stop()


def open_store(srv: LocalServer) -> Neo4jStore:
    return Neo4jStore.from_settings(srv.settings(), connection_timeout=10.0)


def counts(srv: LocalServer) -> tuple[dict, str | None]:
    with open_store(srv) as store:
        return store.counts(), store.get_meta("graph_version")


def cli(srv: LocalServer, tmp_path: Path, *args: str, pause: str | None = None) -> subprocess.Popen:
    s = srv.settings()
    env = {**os.environ, "CREDITGRAPH_ID_KEY": ID_KEY, "NEO4J_URI": s.uri, "NEO4J_USER": s.user,
           "NEO4J_PASSWORD": s.password, "CREDITGRAPH_RUNS": str(tmp_path / "runs")}
    env.pop("CREDITGRAPH_REFRESH_PAUSE", None)
    if pause:
        env["CREDITGRAPH_REFRESH_PAUSE"] = f"{pause}:{PAUSE}"
    return subprocess.Popen([sys.executable, "-m", "creditgraph.app.cli", *args, "--neo4j"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_while_paused(srv: LocalServer, proc: subprocess.Popen, paused) -> str:
    """Wait until ``paused()`` holds, stop the server, and return the command's stderr once it exits."""
    deadline = time.time() + 240
    while not paused():
        assert proc.poll() is None, f"the command ended before its pause point: {proc.communicate()[1][-2000:]}"
        assert time.time() < deadline, "the command never reached its pause point"
        time.sleep(0.5)
    srv.started_here = True
    srv.stop()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err[-2000:]
    return err


def assert_one_line_reason(err: str, password: str) -> None:
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert "Traceback" not in err and password not in err
    assert lines and lines[-1].startswith("error:") and "Neo4j" in lines[-1], err[-2000:]
    assert sum(x.startswith("error:") for x in lines) == 1 and "will be retried" not in err


def test_a_server_stopped_mid_load_and_mid_refresh_loses_nothing(server, tmp_path):
    src, chg = tmp_path / "src", tmp_path / "chg"
    generate(1000, seed=5, out=src)
    change_extract(src, chg, fraction=0.05, seed=2)
    # the same extract through the embedded store: what Neo4j must hold after each step
    ref = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "ref", id_key=ID_KEY)
    run_load(src, "canonical", ref)
    with EmbeddedStore(ref.db_path, read_only=True) as g:
        loaded = g.counts()
    password = server.settings().password

    # load: nodes written, relationships not yet, when the server goes away
    proc = cli(server, tmp_path, "load", str(src), pause="load-midway")

    def nodes_written() -> bool:
        try:
            c, _ = counts(server)
        except Exception:  # noqa: BLE001  (the server may be busy; try again)
            return False
        return c["Enterprise"] == loaded["Enterprise"] and c["LEGAL_REP"] == 0

    assert_one_line_reason(stop_while_paused(server, proc, nodes_written), password)
    server.start()
    partial, version = counts(server)
    assert version is None                                       # never stamped: no reader takes it for a graph
    assert partial["LEGAL_REP"] == 0 and partial["Enterprise"] == loaded["Enterprise"]
    again = cli(server, tmp_path, "load", str(src))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    after_load, version = counts(server)
    assert after_load == loaded and version == "1"

    # refresh: one transaction; the server goes away in the middle of writing it
    proc = cli(server, tmp_path, "refresh", str(chg), "--log-json", pause="apply-midway")
    seen: list[str] = []

    def refresh_paused() -> bool:
        line = proc.stderr.readline()
        seen.append(line)
        return '"event": "paused"' in line

    err = stop_while_paused(server, proc, refresh_paused)
    assert_one_line_reason("".join(seen) + err, password)
    server.start()
    assert counts(server) == (after_load, "1")                   # all of the refresh rolled back
    again = cli(server, tmp_path, "refresh", str(chg))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    refreshed, version = counts(server)
    assert version == "2" and refreshed != after_load
    run_refresh(chg, "canonical", ref)
    with EmbeddedStore(ref.db_path, read_only=True) as g:
        assert refreshed == g.counts()
