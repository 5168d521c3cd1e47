"""Analyses against the synthetic ground truth at 10,000 enterprises (scored by queries.quality)."""
from __future__ import annotations

import dataclasses

import pytest

from etl.pipeline import run_load
from etl.synth import generate
from graph.config import load_settings
from graph.embedded import EmbeddedStore
from queries import cross_region_links, repeat_offenders
from queries.quality import evaluate, headline, load_truth, person_uids, score_cross_region

ID_KEY = "quality-key"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality")
    generate(10_000, seed=11, out=root / "src")
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=root / "db", id_key=ID_KEY)
    run_load(root / "src", "canonical", settings)
    store = EmbeddedStore(root / "db", read_only=True)
    truth = load_truth(root / "src" / "ground_truth.json")
    yield store, truth, evaluate(store, truth, ID_KEY)
    store.close()


def test_precision_and_recall_at_least_095(world):
    _, truth, scores = world
    assert truth["counts"]["shell_clusters"] >= 5 and truth["counts"]["phoenix_cases"] >= 5
    for family, precision, recall in headline(scores):
        assert precision >= 0.95, (family, scores)
        assert recall >= 0.95, (family, scores)
    for level in ("province", "city", "county"):
        assert scores["cross_region_links"][level]["recall"] >= 0.95
        assert scores["cross_region_links"][level]["precision"] >= 0.95


def test_equity_ratios_exact(world):
    _, truth, scores = world
    eq = scores["equity_chains"]
    assert eq["chains"] == len(truth["equity_chains"]) > 0
    assert eq["exact"] == eq["chains"], eq
    assert eq["max_error"] <= 1e-6
    assert eq["controllers"] == eq["chains"]


def test_no_decoy_flagged(world):
    _, _, scores = world
    assert scores["decoys"] == {"cluster_addresses": 0, "large_groups": 0, "common_name_people": 0,
                                "repaired_repeat": 0}


def test_history_switch_finds_repaired_repeat_decoys(world):
    store, truth, _ = world
    flagged = set(repeat_offenders(store, include_history=True).table["uid"])
    assert {r["uscc"] for r in truth["decoys"]["repaired_repeat"]} <= flagged


def test_coarser_levels_report_only_their_links(world):
    store, truth, _ = world
    uid_of = person_uids([c["via"]["id"] for c in truth["cross_region_links"] if c["via"]["kind"] == "person"], ID_KEY)
    province = score_cross_region(cross_region_links(store, level="province").table, truth, uid_of)
    assert province["province"]["recall"] >= 0.95 and province["city"]["found"] == province["county"]["found"] == 0
    city = score_cross_region(cross_region_links(store, level="city").table, truth, uid_of)
    assert city["city"]["recall"] >= 0.95 and city["county"]["found"] == 0
