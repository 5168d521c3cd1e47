"""`creditgraph demo --neo4j`: the Neo4j path with no Neo4j installed (the project's local server)."""
from __future__ import annotations

import os
import subprocess

from typer.testing import CliRunner

from creditgraph.app.cli import app
from tests.neo4j_fixture import SCRIPT, read_env_file


def test_demo_neo4j_loads_into_a_local_server_it_starts_and_stops(tmp_path, monkeypatch):
    home = tmp_path / "neo4j"
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "CREDITGRAPH_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CREDITGRAPH_STORE", "embedded")  # restored after the test (the demo sets it to neo4j)
    monkeypatch.setenv("CREDITGRAPH_NEO4J_HOME", str(home))
    monkeypatch.setenv("CREDITGRAPH_DB", str(tmp_path / "g"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    env = {**os.environ}
    saved = dict(os.environ)  # the demo exports NEO4J_URI & co. for its run; monkeypatch cannot undo a
    try:                      # variable it deleted while absent, so the next tests would aim at this server
        res = CliRunner().invoke(app, ["demo", "--neo4j", "--no-serve", "-n", "500", "--out", str(tmp_path / "src")])
        assert res.exit_code == 0, res.output
        assert "Neo4j at bolt://127.0.0.1:" in res.output and "local Neo4j stopped" in res.output
        assert subprocess.run(["bash", str(SCRIPT), "status"], env=env, capture_output=True).returncode == 3
        # the graph is in the server's data folder: start it again and look
        assert subprocess.run(["bash", str(SCRIPT), "start"], env=env, capture_output=True).returncode == 0
        from creditgraph.graph.neo4j_store import Neo4jStore

        creds = read_env_file(home / "env")
        with Neo4jStore(creds["NEO4J_URI"], creds["NEO4J_USER"], creds["NEO4J_PASSWORD"]) as store:
            assert store.counts()["Enterprise"] >= 500
            assert store.get_meta("graph_version") == "1"
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True)
        os.environ.clear()
        os.environ.update(saved)
