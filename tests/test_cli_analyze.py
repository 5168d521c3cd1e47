"""`creditgraph analyze`: every analysis from the command line, written with evidence, audited."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from creditgraph.app.cli import app
from creditgraph.queries.labels import column_label

runner = CliRunner()


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    from creditgraph.etl.pipeline import run_load
    from creditgraph.etl.synth import generate
    from creditgraph.graph.config import load_settings

    root = tmp_path_factory.mktemp("analyze")
    generate(enterprises=2000, seed=5, out=root / "src")
    run_load(root / "src", "canonical", dataclasses.replace(load_settings(), store="embedded", db_path=root / "g"))
    truth = json.loads((root / "src" / "ground_truth.json").read_text(encoding="utf-8"))
    return root, truth


@pytest.fixture
def env(graph, monkeypatch):
    root, _ = graph
    monkeypatch.setenv("CREDITGRAPH_DB", str(root / "g"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(root / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    return root


def test_list_names_every_analysis(env):
    from creditgraph import queries

    res = runner.invoke(app, ["analyze", "--list"])
    assert res.exit_code == 0, res.output
    for name in queries.ANALYSES:
        assert name in res.output


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_export_rows_match_and_the_export_is_audited(env, graph, suffix):
    _, truth = graph
    out = env / f"ro.{suffix}"
    res = runner.invoke(app, ["analyze", "repeat_offenders", "-p", "level=enterprise", "--out", str(out)])
    assert res.exit_code == 0, res.output
    planted = {r["uscc"] for r in truth["repeat_offenders"]["enterprise"]}
    if suffix == "csv":
        rows = pd.read_csv(out, dtype=str)
    elif suffix == "xlsx":
        rows = pd.read_excel(out, dtype=str)
    else:
        rows = pd.DataFrame(json.loads(out.read_text(encoding="utf-8"))["rows"])
    uid = "uid" if suffix == "json" else column_label("uid")  # sheets carry the bilingual headers, JSON the names
    assert planted <= set(rows[uid])
    assert f"{len(rows):,} rows" in res.output
    events = [json.loads(line) for line in (env / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    last = [e for e in events if e["event"] == "export"][-1]
    assert last["rows"] == len(rows) and last["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_bad_parameters_exit_2_with_a_clear_message(env):
    res = runner.invoke(app, ["analyze", "repeat_offenders", "-p", "level=nobody"])
    assert res.exit_code == 2 and "level must be one of" in res.output
    res = runner.invoke(app, ["analyze", "repeat_offenders", "-p", "levelperson"])
    assert res.exit_code == 2 and "KEY=VALUE" in res.output
    res = runner.invoke(app, ["analyze", "no_such_analysis"])
    assert res.exit_code == 2 and "unknown analysis" in res.output
    res = runner.invoke(app, ["analyze", "neighborhood", "-p", "uid=nobody"])
    assert res.exit_code == 1 and "no node" in res.output


def test_an_investigator_may_not_export_when_export_is_not_granted(env, monkeypatch):
    cfg = env / "creditgraph.toml"
    cfg.write_text('[auth.roles]\ninvestigator = ["explore"]\n', encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(cfg))
    monkeypatch.setenv("CREDITGRAPH_DB", str(env / "g"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "investigator")
    res = runner.invoke(app, ["analyze", "phoenix_cases", "--out", str(env / "x.csv")])
    assert res.exit_code == 77, res.output
    assert not (env / "x.csv").exists()
