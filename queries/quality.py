"""Score analysis results against the synthetic generator's ``ground_truth.json``.

Shared by ``tests/test_analyses_quality.py`` (10,000 enterprises) and
``bench/query_bench.py`` (1M). Each family gets precision and recall over the
units the ground truth lists (its ``definitions`` section says what they are):

* shell clusters: a planted cluster is found when a reported cluster covers at
  least half of its members and at least half of the reported cluster belongs to
  it; precision is over reported clusters, the same way round; member-level
  figures (enterprises) are given too;
* repeat offenders: enterprises (USCC), and people;
* phoenix cases: ``(person, A, B)`` triples;
* cross-region links: ``(a, b, connector)`` entries per level (``differs_at``);
* equity chains: per planted target, every ultimate owner's effective ratio
  within ``tol`` and the actual controller named;
* decoys: how many decoy enterprises or common-name people a default analysis flagged.

People are recognised however the graph keys them. The ground truth lists every
row of every planted person (``people[].records``); each row becomes the uid
the ETL gives it (:func:`record_uid`: ``ID:<keyed hash>`` for a full valid ID
number, else ``NM:<enterprise uid>:<name>``, or ``NM:<penalty uid>:<name>`` for
a penalised person). A reported person row stands for the uids in its
``identity_members`` column (resolved identities; the row's own uid when the
column is absent) and matches a planted person when any of them is one of that
person's record uids. A row that matches two planted people is a wrong merge
and counts as a false positive. Pass the ``id_key`` the graph was loaded with.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from creditgraph.graph.identifiers import keyed_hash


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


def _enterprise_uid(code: pd.Series) -> pd.Series:
    """The ETL's enterprise uid of a ground-truth enterprise key (USCC, or a 15-digit registration number)."""
    code = code.astype("string").str.upper()
    return code.where(code.str.len() == 18, "REG:" + code)


def record_uids(records: pd.DataFrame, id_key: str | bytes) -> pd.Series:
    """The graph uid of each ground-truth record (columns uscc, name, id_shown, role, event), as the ETL keys it."""
    from creditgraph.graph.identifiers import validate_resident_id
    from creditgraph.graph.normalize import normalize_text

    key = id_key.encode("utf-8") if isinstance(id_key, str) else id_key
    v = validate_resident_id(records["id_shown"].astype("string"))
    full = v["value"].where(v["kind"].isin(["valid", "legacy"]))
    hashed = "ID:" + keyed_hash(full.astype("string"), key)
    name = normalize_text(records["name"].astype("string"))
    scope = _enterprise_uid(records["uscc"])
    if "event" in records:
        scope = scope.where(records["role"] != "penalty_person", records["event"].astype("string"))
    return hashed.fillna("NM:" + scope + ":" + name).astype("string")


class People:
    """Planted people and the graph uids of all their records."""

    def __init__(self, truth: dict, id_key: str | bytes):
        recs = [{**r, "key": p["key"]} for p in truth.get("people", []) for r in p["records"]]
        df = pd.DataFrame(recs, columns=["key", "uscc", "name", "id_shown", "role", "event"])
        df["uid"] = record_uids(df, id_key) if len(df) else pd.Series(dtype="string")
        self.records = df
        self.key_of_id = {p["id_no"]: p["key"] for p in truth.get("people", [])}
        self.uids: dict[str, set] = df.groupby("key")["uid"].agg(set).to_dict() if len(df) else {}
        self.owner: dict[str, set] = {}  # uid -> keys of the planted people with a record under it
        for k, u in zip(df["key"], df["uid"]):
            self.owner.setdefault(u, set()).add(k)
        # legacy ground truth (no people section): the full ID number is the only record
        missing = [i for i in _all_person_ids(truth) if i not in self.key_of_id]
        for i, u in person_uids(missing, id_key).items():
            self.key_of_id[i] = "ID:" + i
            self.uids["ID:" + i] = {u}
            self.owner.setdefault(u, set()).add("ID:" + i)

    def key(self, person: dict | str) -> str:
        """The key of a planted person given as a ground-truth person dict or an ID number."""
        if isinstance(person, dict):
            return person.get("key") or self.key_of_id[person["id_no"]]
        return self.key_of_id[person]

    def keys_of(self, members: Iterable[str]) -> set:
        """The planted people any of these uids is a record of."""
        out: set = set()
        for u in members:
            out |= self.owner.get(str(u), set())
        return out

    def any_uid(self, key: str) -> str:
        """One graph uid of a planted person (for sampling)."""
        return sorted(self.uids[key])[0]


def members_of(table: pd.DataFrame, uid_col: str) -> list[set]:
    """The uids each row stands for: its ``identity_members`` (contract) plus its own uid."""
    uids = table[uid_col].tolist() if uid_col in table else [None] * len(table)
    mem = table["identity_members"].tolist() if "identity_members" in table else [None] * len(table)
    out = []
    for u, m in zip(uids, mem):
        s = set() if u is None else {str(u)}
        if m is not None and not (isinstance(m, float) and np.isnan(m)):
            s |= {str(x) for x in m}
        out.append(s)
    return out


def score_people(rows: list[set], truth_keys: set, people: People) -> dict:
    """Precision over reported rows (a row is right when it matches exactly one true person), recall over people."""
    matched = [people.keys_of(m) for m in rows]
    right = sum(len(k) == 1 and k <= truth_keys for k in matched)
    found = set().union(*matched) & truth_keys if matched else set()
    seen: dict[str, int] = {}
    for k in matched:
        for x in k & truth_keys:
            seen[x] = seen.get(x, 0) + 1
    return {"precision": right / len(rows) if rows else 1.0, "recall": len(found) / len(truth_keys) if truth_keys else 1.0,
            "found": len(rows), "truth": len(truth_keys), "true_positives": right,
            "wrong_merges": sum(len(k) >= 2 for k in matched), "reported_twice": sum(v > 1 for v in seen.values())}


def score_shell(table: pd.DataFrame, truth: dict) -> dict:
    """Cluster-level precision / recall (majority overlap both ways) and member-level figures."""
    planted = [set(c["members"]) for c in truth["shell_clusters"]]
    reported = [set(g) for g in table.groupby("cluster_id")["uid"].agg(list)] if len(table) else []

    def matches(a: set, b: set) -> bool:
        both = len(a & b)
        return both * 2 >= len(a) and both * 2 >= len(b)

    found = [any(matches(p, r) for r in reported) for p in planted]
    correct = sum(any(matches(p, r) for p in planted) for r in reported)
    members = prf(set(table["uid"]), set().union(*planted) if planted else set())
    masked = [f for f, c in zip(found, truth["shell_clusters"]) if c.get("masked_hub")]
    return {"precision": correct / len(reported) if reported else 1.0,
            "recall": sum(found) / len(planted) if planted else 1.0,
            "found": len(reported), "truth": len(planted), "members": members,
            "masked_hub_recall": sum(masked) / len(masked) if masked else 1.0}


def score_repeat(enterprise: pd.DataFrame, person: pd.DataFrame, truth: dict, people: People) -> dict:
    ro = truth["repeat_offenders"]
    return {"enterprise": prf(set(enterprise["uid"]), {e["uscc"] for e in ro["enterprise"]}),
            "person": score_people(members_of(person, "uid"), {people.key(p) for p in ro["person"]}, people)}


def score_phoenix(table: pd.DataFrame, truth: dict, people: People) -> dict:
    want = {(people.key(c["person"]), c["a"]["uscc"], c["b"]["uscc"]) for c in truth["phoenix_cases"]}
    rows = members_of(table, "person")
    right, found = 0, set()
    for m, a, b in zip(rows, table["a"] if len(table) else [], table["b"] if len(table) else []):
        keys = people.keys_of(m)
        hit = {(k, a, b) for k in keys} & want
        found |= hit
        right += len(keys) == 1 and bool(hit)
    by_signal: dict[str, list] = {}
    for c in truth["phoenix_cases"]:
        sig = c["a"].get("end_signal", "dissolution_date")
        by_signal.setdefault(sig, []).append((people.key(c["person"]), c["a"]["uscc"], c["b"]["uscc"]) in found)
    return {"precision": right / len(rows) if rows else 1.0, "recall": len(found) / len(want) if want else 1.0,
            "found": len(rows), "truth": len(want), "true_positives": right,
            "recall_by_end_signal": {k: sum(v) / len(v) for k, v in sorted(by_signal.items())}}


def _connector_members(table: pd.DataFrame) -> list[list[tuple[str, set]]]:
    """Per row, per connector: ``(connector, uids it stands for)`` (with ``connector_members`` or
    ``identity_members`` when the table has them: one list per connector, or one flat list for the row)."""
    out = []
    cm = table["connector_members"].tolist() if "connector_members" in table else None
    im = table["identity_members"].tolist() if "identity_members" in table else None
    for i, conns in enumerate(table["connectors"]):
        conns = [str(c) for c in conns]
        per = [{c} for c in conns]
        extra = cm[i] if cm is not None else im[i] if im is not None else None
        if extra is not None and not (isinstance(extra, float) and np.isnan(extra)) and len(extra):
            nested = all(isinstance(x, (list, tuple, set, np.ndarray)) for x in extra)
            if nested and len(extra) == len(conns):
                per = [p | {str(x) for x in e} for p, e in zip(per, extra)]
            elif not nested:
                per = [p | {str(x) for x in extra} for p in per]
        out.append(list(zip(conns, per)))
    return out


def score_cross_region(table: pd.DataFrame, truth: dict, people: People) -> dict:
    """Per level, ``(a, b, connector)`` entries of a run at level ``county`` (which reports all three levels).

    A person connector counts as the planted person its uids belong to; one that stands for two planted
    people (a wrong merge) or for nobody planted is an entry of its own.
    """
    found: dict[str, set] = {"province": set(), "city": set(), "county": set()}
    if len(table):
        for a, b, per, lvl in zip(table["a"], table["b"], _connector_members(table), table["differs_at"]):
            for c, m in per:
                keys = people.keys_of(m)
                found[lvl].add((a, b, next(iter(keys)) if len(keys) == 1 else c))
    want: dict[str, set] = {k: set() for k in found}
    for c in truth["cross_region_links"]:
        v = c["via"]
        conn = people.key(v) if v["kind"] == "person" else v["id"]
        want[c["level"]].add((c["a"]["uscc"], c["b"]["uscc"], conn))
    out = {lvl: prf(found[lvl], want[lvl]) for lvl in found}
    out["all"] = prf(set().union(*found.values()), set().union(*want.values()))
    return out


def score_equity(penetrate: Callable[[str], pd.DataFrame], truth: dict, people: People, tol: float = 1e-6) -> dict:
    """Run ``penetrate(target_uscc) -> table`` per planted chain and compare owners, ratios and the controller.

    A person owner is the row whose ``identity_members`` (or owner uid) include that person's records; an owner
    split over several rows (direct and indirect holdings not added up) is not exact.
    """
    exact = controllers = 0
    worst = 0.0
    wrong: list[str] = []
    for ch in truth["equity_chains"]:
        target = ch["target"]["uscc"]
        t = penetrate(target)
        got: dict[str, float] = {}
        split: set = set()
        for m, owner, ratio in zip(members_of(t, "owner"), t["owner"], t["effective_ratio"]):
            keys = people.keys_of(m)
            k = next(iter(keys)) if len(keys) == 1 else str(owner)
            if k in got:
                split.add(k)
            got[k] = got.get(k, 0.0) + float(ratio)
        want = {(people.key(o) if o["kind"] == "person" else o["id"]): o["ratio"] for o in ch["ultimate_owners"]}
        errs = [abs(got.get(k, 0.0) - v) for k, v in want.items()] + [v for k, v in got.items() if k not in want]
        err = max(errs) if errs else 0.0
        worst = max(worst, err)
        if err <= tol and set(got) == set(want) and not split:
            exact += 1
        else:
            wrong.append(target)
        ac = ch["actual_controller"]
        ac_key = people.key(ac) if ac["kind"] == "person" else ac["id"]
        ctrl_rows = t[t["is_controller"].astype(bool)] if len(t) else t
        ctrl = [next(iter(k)) if len(k) == 1 else o for k, o in
                zip((people.keys_of(m) for m in members_of(ctrl_rows, "owner")), ctrl_rows["owner"] if len(t) else [])]
        controllers += ctrl == [ac_key]
    n = len(truth["equity_chains"])
    return {"chains": n, "exact": exact, "controllers": controllers, "max_error": worst, "wrong": wrong[:10]}


def score_decoys(truth: dict, shell: pd.DataFrame, repeat_ent: pd.DataFrame, repeat_person: pd.DataFrame,
                 phoenix: pd.DataFrame, cross: pd.DataFrame, id_key: str | bytes = b"") -> dict:
    """How many decoys the default analyses flagged, per decoy kind (all should be 0).

    A common-name decoy is flagged when a reported person (repeat offender, phoenix person, cross-region
    connector) stands for any of the decoy records, or its enterprise is in a shell cluster. A successor
    decoy (a legal representative who took over penalised companies after their penalties) is flagged
    when reported as a repeat offender.
    """
    d = truth["decoys"]
    shells, repeats = set(shell["uid"]), set(repeat_ent["uid"])
    cluster_ents = {e for c in d["cluster_addresses"] for e in c["enterprises"]}
    group_ents = {e for g in d["large_groups"] for e in [g["parent"], *g["subsidiaries"]]}
    common = pd.DataFrame(d["common_name_people"], columns=["name", "enterprise", "role", "id_shown"])
    common_ents = set(common["enterprise"])
    decoy_uids = set(record_uids(common.rename(columns={"enterprise": "uscc"}), id_key)) if len(common) else set()
    named = members_of(repeat_person, "uid") + members_of(phoenix, "person")
    if len(cross):
        named += [m for per in _connector_members(cross) for _, m in per]
    return {
        "cluster_addresses": len(cluster_ents & shells),
        "large_groups": len(group_ents & (shells | repeats)),
        "common_name_people": len(common_ents & shells) + sum(bool(m & decoy_uids) for m in named),
        "repaired_repeat": len({r["uscc"] for r in d["repaired_repeat"]} & repeats),
        "successor_reps": _successors_flagged(truth, repeat_person, id_key),
    }


def _successors_flagged(truth: dict, repeat_person: pd.DataFrame, id_key: str | bytes) -> int:
    successors = truth["decoys"].get("successor_reps", [])
    if not successors:
        return 0
    people = People(truth, id_key)
    keys = {people.key(p) for p in successors}
    return sum(bool(people.keys_of(m) & keys) for m in members_of(repeat_person, "uid"))


def time_only_share(truth: dict, repeat_person_current: pd.DataFrame, phoenix_current: pd.DataFrame,
                    people: People) -> dict:
    """Of the planted person-level repeat offenders and phoenix cases, the share the old rule (roles
    valid today, ``attribution="current"``) misses: what only the time-aware attribution finds."""
    ro = truth["repeat_offenders"]["person"]
    found = set().union(*[people.keys_of(m) for m in members_of(repeat_person_current, "uid")]) \
        if len(repeat_person_current) else set()
    missed_repeat = [people.key(p) not in found for p in ro]
    rows = members_of(phoenix_current, "person")
    got = {(k, a, b) for m, a, b in zip(rows, phoenix_current["a"] if len(phoenix_current) else [],
                                         phoenix_current["b"] if len(phoenix_current) else [])
           for k in people.keys_of(m)}
    missed_phx = [(people.key(c["person"]), c["a"]["uscc"], c["b"]["uscc"]) not in got for c in truth["phoenix_cases"]]
    return {"repeat_person": sum(missed_repeat) / len(ro) if ro else 0.0,
            "phoenix": sum(missed_phx) / len(missed_phx) if missed_phx else 0.0,
            "repeat_person_planted_time_only": sum(bool(p.get("time_only")) for p in ro),
            "phoenix_planted_time_only": sum(bool(c.get("time_only")) for c in truth["phoenix_cases"])}


def data_profile(truth: dict) -> dict:
    """How hard the data set is: masked ID rows, disclosure of planted people, ends without dates."""
    c = truth["counts"]
    keys = ("masked_person_rows_share", "masked_person_rows_share_by_source", "planted_people_by_disclosure",
            "shell_clusters_with_masked_hub", "revoked_without_dissolution_date", "phoenix_by_end_signal")
    return {k: c[k] for k in keys if k in c}


def evaluate(store, truth: dict, id_key: str | bytes, run: Callable | None = None) -> dict:
    """Run the default analyses on ``store`` and score them against ``truth``.

    ``run(name, fn, **kwargs)`` may wrap each call (the benchmark times them);
    by default the analysis is simply called.
    """
    from creditgraph.queries import (cross_region_links, equity_penetration, phoenix_cases, repeat_offenders,
                         shell_company_candidates)

    run = run or (lambda name, fn, **kw: fn(store, **kw))
    people = People(truth, id_key)
    shell = run("shell_company_candidates", shell_company_candidates).table
    rep_e = run("repeat_offenders", repeat_offenders).table
    rep_p = run("repeat_offenders_person", repeat_offenders, level="person").table
    phx = run("phoenix_cases", phoenix_cases).table
    cross = run("cross_region_links_county", cross_region_links, level="county").table
    old_rule = (repeat_offenders(store, level="person", attribution="current").table,
                phoenix_cases(store, attribution="current").table)
    return {
        "data": data_profile(truth),
        "shell_clusters": score_shell(shell, truth),
        "repeat_offenders": score_repeat(rep_e, rep_p, truth, people),
        "phoenix_cases": score_phoenix(phx, truth, people),
        "cross_region_links": score_cross_region(cross, truth, people),
        "equity_chains": score_equity(lambda t: equity_penetration(store, t).table, truth, people),
        "decoys": score_decoys(truth, shell, rep_e, rep_p, phx, cross, id_key),
        "time_only": time_only_share(truth, *old_rule, people),
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
