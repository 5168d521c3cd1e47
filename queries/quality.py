"""Score analysis results against the synthetic generator's ``ground_truth.json``.

Shared by ``tests/test_analyses_quality.py`` (10,000 enterprises) and
``bench/query_bench.py`` (1M). Each family gets precision and recall over the
units the ground truth lists (its ``definitions`` section says what they are):

* shell clusters: a planted cluster is found when a reported cluster covers at
  least half of its members and at least half of the reported cluster belongs to
  it; precision is over reported clusters, the same way round; member-level
  figures (enterprises) are given too;
* repeat offenders: enterprises (USCC), and people (``ID:`` + keyed hash of the ID number);
* phoenix cases: ``(person, A, B)`` triples;
* cross-region links: ``(a, b, connector)`` entries per level (``differs_at``);
* equity chains: per planted target, every ultimate owner's effective ratio
  within ``tol`` and the actual controller named;
* decoys: how many decoy enterprises or name-only people a default analysis flagged.

Person ID numbers in the ground truth become graph uids with the same keyed
hash the ETL uses, so pass the ``id_key`` the graph was loaded with.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from etl.identifiers import keyed_hash


def load_truth(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def person_uids(id_numbers: Iterable[str], id_key: str | bytes) -> dict[str, str]:
    """``{id_no: "ID:<hash>"}`` as the ETL keys people."""
    ids = list(dict.fromkeys(id_numbers))
    key = id_key.encode("utf-8") if isinstance(id_key, str) else id_key
    hashed = keyed_hash(pd.Series(ids, dtype="string"), key)
    return {i: "ID:" + h for i, h in zip(ids, hashed)}


def prf(found: set, truth: set) -> dict:
    """Precision, recall and counts of a found set against a true set (1.0 when both are empty)."""
    tp = len(found & truth)
    return {"precision": tp / len(found) if found else 1.0, "recall": tp / len(truth) if truth else 1.0,
            "found": len(found), "truth": len(truth), "true_positives": tp}


def _all_person_ids(truth: dict) -> list[str]:
    ids = [c["hub"]["id_no"] for c in truth["shell_clusters"]]
    ids += [p["id_no"] for p in truth["repeat_offenders"]["person"]]
    ids += [c["person"]["id_no"] for c in truth["phoenix_cases"]]
    ids += [c["via"]["id"] for c in truth["cross_region_links"] if c["via"]["kind"] == "person"]
    ids += [o["id"] for ch in truth["equity_chains"] for o in ch["ultimate_owners"] if o["kind"] == "person"]
    return ids


def score_shell(table: pd.DataFrame, truth: dict) -> dict:
    """Cluster-level precision / recall (majority overlap both ways) and member-level figures."""
    planted = [set(c["members"]) for c in truth["shell_clusters"]]
    reported = [set(g) for g in table.groupby("cluster_id")["uid"].agg(list)] if len(table) else []

    def matches(a: set, b: set) -> bool:
        both = len(a & b)
        return both * 2 >= len(a) and both * 2 >= len(b)

    found = sum(any(matches(p, r) for r in reported) for p in planted)
    correct = sum(any(matches(p, r) for p in planted) for r in reported)
    members = prf(set(table["uid"]), set().union(*planted) if planted else set())
    return {"precision": correct / len(reported) if reported else 1.0,
            "recall": found / len(planted) if planted else 1.0,
            "found": len(reported), "truth": len(planted), "members": members}


def score_repeat(enterprise: pd.DataFrame, person: pd.DataFrame, truth: dict, uid_of: dict) -> dict:
    ro = truth["repeat_offenders"]
    return {"enterprise": prf(set(enterprise["uid"]), {e["uscc"] for e in ro["enterprise"]}),
            "person": prf(set(person["uid"]), {uid_of[p["id_no"]] for p in ro["person"]})}


def score_phoenix(table: pd.DataFrame, truth: dict, uid_of: dict) -> dict:
    found = set(zip(table["person"], table["a"], table["b"]))
    want = {(uid_of[c["person"]["id_no"]], c["a"]["uscc"], c["b"]["uscc"]) for c in truth["phoenix_cases"]}
    return prf(found, want)


def score_cross_region(table: pd.DataFrame, truth: dict, uid_of: dict) -> dict:
    """Per level, ``(a, b, connector)`` entries of a run at level ``county`` (which reports all three levels)."""
    found: dict[str, set] = {"province": set(), "city": set(), "county": set()}
    for a, b, conns, lvl in zip(table["a"], table["b"], table["connectors"], table["differs_at"]):
        for c in conns:
            found[lvl].add((a, b, c))
    want: dict[str, set] = {k: set() for k in found}
    for c in truth["cross_region_links"]:
        v = c["via"]
        conn = uid_of[v["id"]] if v["kind"] == "person" else v["id"]
        want[c["level"]].add((c["a"]["uscc"], c["b"]["uscc"], conn))
    out = {lvl: prf(found[lvl], want[lvl]) for lvl in found}
    out["all"] = prf(set().union(*found.values()), set().union(*want.values()))
    return out


def score_equity(penetrate: Callable[[str], pd.DataFrame], truth: dict, uid_of: dict, tol: float = 1e-6) -> dict:
    """Run ``penetrate(target_uscc) -> table`` per planted chain and compare owners, ratios and the controller."""
    exact = controllers = 0
    worst = 0.0
    wrong: list[str] = []
    for ch in truth["equity_chains"]:
        target = ch["target"]["uscc"]
        t = penetrate(target)
        got = dict(zip(t["owner"], t["effective_ratio"]))
        want = {(uid_of[o["id"]] if o["kind"] == "person" else o["id"]): o["ratio"] for o in ch["ultimate_owners"]}
        errs = [abs(got.get(k, 0.0) - v) for k, v in want.items()] + [v for k, v in got.items() if k not in want]
        err = max(errs) if errs else 0.0
        worst = max(worst, err)
        if err <= tol and set(got) == set(want):
            exact += 1
        else:
            wrong.append(target)
        ac = ch["actual_controller"]
        ac_uid = uid_of[ac["id"]] if ac["kind"] == "person" else ac["id"]
        ctrl = t.loc[t["is_controller"].astype(bool), "owner"].tolist()
        controllers += ctrl == [ac_uid]
    n = len(truth["equity_chains"])
    return {"chains": n, "exact": exact, "controllers": controllers, "max_error": worst, "wrong": wrong[:10]}


def score_decoys(truth: dict, shell: pd.DataFrame, repeat_ent: pd.DataFrame, repeat_person: pd.DataFrame,
                 phoenix: pd.DataFrame, cross: pd.DataFrame) -> dict:
    """How many decoys the default analyses flagged, per decoy kind (all should be 0)."""
    d = truth["decoys"]
    shells, repeats = set(shell["uid"]), set(repeat_ent["uid"])
    cluster_ents = {e for c in d["cluster_addresses"] for e in c["enterprises"]}
    group_ents = {e for g in d["large_groups"] for e in [g["parent"], *g["subsidiaries"]]}
    common_ents = {c["enterprise"] for c in d["common_name_people"]}
    named_people = {u for u in repeat_person["uid"]} | set(phoenix["person"]) | {
        c for cs in cross["connectors"] for c in cs}
    return {
        "cluster_addresses": len(cluster_ents & shells),
        "large_groups": len(group_ents & (shells | repeats)),
        "common_name_people": len(common_ents & shells) + sum(str(u).startswith("NM:") for u in named_people),
        "repaired_repeat": len({r["uscc"] for r in d["repaired_repeat"]} & repeats),
    }


def evaluate(store, truth: dict, id_key: str | bytes, run: Callable | None = None) -> dict:
    """Run the default analyses on ``store`` and score them against ``truth``.

    ``run(name, fn, **kwargs)`` may wrap each call (the benchmark times them);
    by default the analysis is simply called.
    """
    from queries import (cross_region_links, equity_penetration, phoenix_cases, repeat_offenders,
                         shell_company_candidates)

    run = run or (lambda name, fn, **kw: fn(store, **kw))
    uid_of = person_uids(_all_person_ids(truth), id_key)
    shell = run("shell_company_candidates", shell_company_candidates).table
    rep_e = run("repeat_offenders", repeat_offenders).table
    rep_p = run("repeat_offenders_person", repeat_offenders, level="person").table
    phx = run("phoenix_cases", phoenix_cases).table
    cross = run("cross_region_links_county", cross_region_links, level="county").table
    return {
        "shell_clusters": score_shell(shell, truth),
        "repeat_offenders": score_repeat(rep_e, rep_p, truth, uid_of),
        "phoenix_cases": score_phoenix(phx, truth, uid_of),
        "cross_region_links": score_cross_region(cross, truth, uid_of),
        "equity_chains": score_equity(lambda t: equity_penetration(store, t).table, truth, uid_of),
        "decoys": score_decoys(truth, shell, rep_e, rep_p, phx, cross),
    }


def headline(scores: dict) -> list[tuple[str, float, float]]:
    """``(family, precision, recall)`` for the families with a 0.95 target."""
    s = scores
    return [("shell_clusters", s["shell_clusters"]["precision"], s["shell_clusters"]["recall"]),
            ("repeat_offenders.enterprise", s["repeat_offenders"]["enterprise"]["precision"],
             s["repeat_offenders"]["enterprise"]["recall"]),
            ("repeat_offenders.person", s["repeat_offenders"]["person"]["precision"],
             s["repeat_offenders"]["person"]["recall"]),
            ("phoenix_cases", s["phoenix_cases"]["precision"], s["phoenix_cases"]["recall"]),
            ("cross_region_links", s["cross_region_links"]["all"]["precision"],
             s["cross_region_links"]["all"]["recall"])]
