"""Public credit grade (queries/grade.py): each factor on a hand-built graph (both stores), the reasons
adding up to the score on a synthetic graph, the rules file's checks, grade files per graph version
(app/grades.py) and the `creditgraph grade …` commands."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest
import yaml

from creditgraph.queries.grade import RULES_FILE, RulesError, explain, grade_all, load_rules
from creditgraph.queries.testing import load

DAY = "2024-06-01"
OLD = "2010-01-01"  # founded 14 years before DAY: age +4 with the built-in rules


def ent(uid, **props):
    return ("Enterprise", uid, {"name": f"{uid}公司", "founded": OLD, "region": "330106", "industry": "批发业",
                                "status": "存续", **props})


def event(uid, kind, status="active", decided="2023-01-01", **props):
    return ("PenaltyEvent", uid, {"kind": kind, "status": status, "decided": decided, **props})


# CB1 breached commitment CM:9 (its CB:9 event active); D1 / D2 the same fine, disputed / active; A1 a fine
# repaired, removed and withdrawn; R1 on a red list (active), R2 on one removed; X on the serious-dishonest
# list; L1 shares X's legal representative (2 hops), L2 shares L1's (4 hops from X); L3 led by a person
# who is a dishonest debtor (1 hop); L4 left X's representative before DAY; F1 fined after DAY; Z1 revoked.
NODES = [
    ent("CB1"), ent("D1"), ent("D2"), ent("A1"), ent("R1"), ent("R2"), ent("X"), ent("L1"), ent("L2"), ent("L3"),
    ent("L4"), ent("F1"), ent("Z1", status="吊销"), ent("C0"),
    ("Commitment", "CM:9", {"kind": "approval_substitute", "matter": "按期提交环评报告", "status": "breached",
                            "made": "2022-01-01"}),
    event("CB:9", "commitment_breach", decided="2023-05-01"),
    event("AP:1", "administrative_penalty", status="disputed", amount=50_000.0),
    event("AP:2", "administrative_penalty", status="active", amount=50_000.0),
    event("AP:3", "administrative_penalty", status="repaired", amount=5_000.0),
    event("AP:4", "administrative_penalty", status="removed", amount=5_000.0),
    event("AP:5", "administrative_penalty", status="withdrawn", amount=5_000.0),
    event("AP:6", "administrative_penalty", decided="2024-09-01", amount=5_000.0),
    ("RedListEntry", "RL:1", {"kind": "a_taxpayer", "list_name": "纳税信用A级纳税人", "status": "active",
                              "entered": "2022-01-01"}),
    ("RedListEntry", "RL:2", {"kind": "a_taxpayer", "status": "removed", "entered": "2020-01-01",
                              "removed": "2021-01-01"}),
    event("SI:1", "serious_illegal"),
    event("DD:1", "dishonest_debtor"),
    ("Person", "ID:a", {"name": "张三"}), ("Person", "ID:b", {"name": "李四"}), ("Person", "ID:p", {"name": "王五"}),
    ("Person", "ID:c", {"name": "赵六"}),
]
RELS = [
    ("COMMITTED", "CB1", "CM:9"), ("PENALIZED", "CB1", "CB:9"),
    ("PENALIZED", "D1", "AP:1"), ("PENALIZED", "D2", "AP:2"),
    *[("PENALIZED", "A1", f"AP:{i}") for i in (3, 4, 5)], ("PENALIZED", "F1", "AP:6"),
    ("HONORED", "R1", "RL:1"), ("HONORED", "R2", "RL:2"),
    ("PENALIZED", "X", "SI:1"), ("LEGAL_REP", "ID:a", "X"), ("LEGAL_REP", "ID:a", "L1"),
    ("HOLDS_SHARES", "ID:b", "L1", {"ratio": 0.5}), ("LEGAL_REP", "ID:b", "L2"),
    ("PENALIZED", "ID:p", "DD:1"), ("LEGAL_REP", "ID:p", "L3"),
    ("LEGAL_REP", "ID:c", "X", {"valid_to": "2023-01-01"}), ("LEGAL_REP", "ID:c", "L4"),
]


@pytest.fixture
def graded(store):
    load(store, NODES, RELS)
    return grade_all(store, as_of=DAY).set_index("uid", drop=False)


def reasons(g, uid) -> dict:
    return {r["code"]: r for r in json.loads(g.loc[uid, "reasons"])}


def test_a_breached_commitment_lowers_the_grade_and_names_the_commitment(graded):
    r = reasons(graded, "CB1")
    assert r["P_CB"]["points"] == -15 and r["P_CB"]["label"] == "违背信用承诺"
    assert "CB:9" in r["P_CB"]["detail"] and "CM:9" in r["P_CB"]["detail"] and "按期提交环评报告" in r["P_CB"]["detail"]
    assert graded.loc["CB1", "score"] == graded.loc["C0", "score"] - 15
    assert (graded.loc["C0", "grade"], graded.loc["CB1", "grade"]) == ("良好", "中等")


def test_only_active_events_punish(graded):
    """The same fine: disputed (under objection) counts for nothing, active counts; repaired, removed and
    withdrawn events never punish (the archived weight is 0); an event decided after as_of waits."""
    clean = graded.loc["C0", "score"]
    assert graded.loc["D1", "score"] == clean and "P_AP" not in reasons(graded, "D1")
    assert reasons(graded, "D2")["P_AP"]["points"] == -6  # 50,000 yuan: the 10K-100K band
    assert "AP:2" in reasons(graded, "D2")["P_AP"]["detail"] and "50000" in reasons(graded, "D2")["P_AP"]["detail"]
    assert graded.loc["D2", "score"] == clean - 6
    assert graded.loc["A1", "score"] == clean and set(reasons(graded, "A1")) == {"B_AGE"}
    assert graded.loc["F1", "score"] == clean


def test_a_red_list_raises_the_score_while_listed(graded):
    r = reasons(graded, "R1")
    assert r["R_RED"]["points"] == 8 and "RL:1" in r["R_RED"]["detail"]
    assert graded.loc["R1", "score"] == graded.loc["C0", "score"] + 8
    assert "R_RED" not in reasons(graded, "R2")


def test_linked_penalised_parties_within_k_hops_lower_the_score(graded):
    assert reasons(graded, "X")["P_SI"]["points"] == -35 and graded.loc["X", "grade"] == "较差"
    link = reasons(graded, "L1")["L_LINKED"]
    assert link["points"] == -2 and "X" in link["detail"] and "2 跳" in link["detail"]
    assert "L_LINKED" not in reasons(graded, "L2")        # 4 hops: beyond k = 2
    one = reasons(graded, "L3")["L_LINKED"]               # a penalised person, 1 hop
    assert one["points"] == -4 and "ID:p" in one["detail"] and "自然人" in one["detail"]
    assert "L_LINKED" not in reasons(graded, "L4")        # the shared representative left X before as_of


def test_reasons_add_up_and_ended_companies_are_graded_apart(graded):
    rules = load_rules()
    for _, row in graded.iterrows():
        assert rules.base + explain(row)["points"].sum() == pytest.approx(row["score"], abs=1e-9), row["uid"]
    assert graded.loc["Z1", "grade"] == rules.ended_grade
    assert set(graded.columns) >= {"uid", "name", "region", "industry", "score", "grade", "reasons"}


def test_the_rules_file_sets_k_and_the_weights(store, tmp_path):
    load(store, NODES, RELS)
    doc = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    doc["linked"]["k"] = 4
    doc["penalties"]["commitment_breach"]["points"] = -40
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    g = grade_all(store, path, as_of=DAY).set_index("uid", drop=False)
    assert reasons(g, "L2")["L_LINKED"]["points"] == -2       # 4 hops now count, at the last hop weight
    assert reasons(g, "CB1")["P_CB"]["points"] == -30         # capped at the kind's cap
    assert "以 -30 计" in reasons(g, "CB1")["P_CB"]["detail"]


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["penalties"]["serious_illegal"].update(points="很多"), "penalties.serious_illegal.points"),
    (lambda d: d.pop("base"), "base is missing"),
    (lambda d: d["grades"].update({"较差": 10}), "grades"),
    (lambda d: d["linked"].update(k=0), "linked.k"),
    (lambda d: d["penalties"].update(bribery={"code": "P_X", "label": "x", "points": -1}), "penalties.bribery"),
    (lambda d: d["supervision"]["ratios"].update({"较差": 1.5}), "supervision.ratios.较差"),
    (lambda d: d["age"]["bands"][1].update(points=None), "age.bands.1.points"),
])
def test_a_bad_rules_file_names_the_key(tmp_path, edit, key):
    doc = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(RulesError, match=key.replace(".", r"\.")):
        load_rules(path)


def test_a_missing_or_broken_rules_file_is_refused(tmp_path):
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "none.yaml")
    (tmp_path / "x.yaml").write_text("base: [1,\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(tmp_path / "x.yaml")


# --------------------------------------------------------------------------- a synthetic graph


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 3,000-enterprise synthetic extract loaded by the pipeline (commitments and red lists included)."""
    from creditgraph.etl import synth
    from creditgraph.etl.pipeline import run_load
    from creditgraph.graph.config import load_settings

    root = tmp_path_factory.mktemp("grade_synth")
    synth.generate(3000, 11, root / "src")
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=root / "graph", id_key="test-key")
    run_load(root / "src", "canonical", settings)
    return settings


def test_every_score_is_the_base_plus_its_reasons_on_a_synthetic_graph(synthetic):
    from creditgraph.graph.store import open_store

    rules = load_rules()
    with open_store(synthetic, read_only=True) as store:
        g = grade_all(store, as_of="2026-01-01")
    assert len(g) > 2500 and g["uid"].is_unique and g["uid"].is_monotonic_increasing
    total = pd.Series([sum(r["points"] for r in json.loads(t)) for t in g["reasons"]])
    assert ((rules.base + total - g["score"]).abs() < 1e-9).all()
    codes = {r["code"] for t in g["reasons"] for r in json.loads(t)}
    assert codes <= set(rules.codes()) and {"P_AP", "P_SI", "L_LINKED", "B_AGE"} <= codes
    assert all(r["points"] != 0 and r["detail"] for t in g["reasons"] for r in json.loads(t))
    live = g[g["grade"] != rules.ended_grade]
    cut = dict(rules.grades)
    assert (live.loc[live["grade"] == "优秀", "score"] >= cut["优秀"]).all()
    assert (live.loc[live["grade"] == "较差", "score"] < cut["中等"]).all()
    assert set(live["grade"]) <= set(rules.grade_names) and {"良好", "较差"} <= set(live["grade"])


def test_grade_files_per_version_and_the_changes_between_them(synthetic, tmp_path):
    from creditgraph.app.grades import (compute_and_save, grade_changes, grades_dir, read_grades, save_grades,
                                        saved_versions)
    from creditgraph.graph.store import open_store

    settings = dataclasses.replace(synthetic, db_path=tmp_path / "g")  # grade files under tmp_path, same graph
    with open_store(synthetic, read_only=True) as store:
        df, path = compute_and_save(settings, store)
    assert path.parent == grades_dir(settings) == tmp_path / "g" / "grades" and path.name == f"{df.attrs['version']}.parquet"
    v1 = df.attrs["version"]
    changed = df.copy()
    a, b = changed.index[:2]
    changed.loc[a, ["score", "grade"]] = [10.0, "较差"]
    changed.loc[b, "score"] = changed.loc[b, "score"] + 1
    changed = changed.drop(index=changed.index[2])
    changed.attrs = {"as_of": "2026-12-01"}
    save_grades(settings, "v999999", changed)
    assert saved_versions(settings)[-1] == "v999999" and not list(grades_dir(settings).glob(".*"))
    back = read_grades(settings, v1)
    assert back["uid"].tolist() == df["uid"].tolist() and back.attrs["version"] == v1 and back.attrs["as_of"]
    one = read_grades(settings, "v999999", uids=[df.loc[a, "uid"]])
    assert len(one) == 1 and one["score"].iloc[0] == 10.0
    ch = grade_changes(settings, v1, "v999999").set_index("uid")
    assert set(ch.index) == {df.loc[i, "uid"] for i in (a, b, df.index[2])}
    assert ch.loc[df.loc[b, "uid"], "change"] == "分数变化" and ch.loc[df.loc[df.index[2], "uid"], "change"] == "移除"
    assert ch.loc[df.loc[a, "uid"], "grade_after"] == "较差"
    with pytest.raises(FileNotFoundError, match="v000042"):
        read_grades(settings, "v000042")
    with pytest.raises(ValueError):
        read_grades(settings, "../etc")


def test_read_grades_falls_back_to_the_newest_file_with_a_note(synthetic, tmp_path):
    from creditgraph.app.grades import read_grades, save_grades

    settings = dataclasses.replace(synthetic, db_path=tmp_path / "g")
    with pytest.raises(FileNotFoundError, match="grade run"):
        read_grades(settings)
    save_grades(settings, "v000000", pd.DataFrame({"uid": ["E1"], "name": ["甲"], "score": [80.0], "grade": ["良好"],
                                                  "reasons": ["[]"]}))
    got = read_grades(settings)
    assert got.attrs["version"] == "v000000" and "no grades yet" in got.attrs["note"]


# --------------------------------------------------------------------------- the command line


def _cli_env(monkeypatch, tmp_path, role="admin"):
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", role)


def _audit(tmp_path) -> list[dict]:
    return [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]


def test_load_grades_the_published_version_and_grade_commands_read_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app
    from creditgraph.etl import synth

    _cli_env(monkeypatch, tmp_path)
    synth.generate(500, 5, tmp_path / "src")
    db = tmp_path / "graph"
    runner = CliRunner()
    res = runner.invoke(app, ["load", str(tmp_path / "src"), "--db", str(db)])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("grades:"))
    assert "enterprises, distribution 优秀" in line and "较差" in line
    files = list((db / "grades").glob("*.parquet"))
    assert len(files) == 1
    g = pd.read_parquet(files[0])
    uid = g.sort_values("score")["uid"].iloc[0]

    res = runner.invoke(app, ["grade", "show", uid, "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "score" in res.output and "code" in res.output and g.set_index("uid").loc[uid, "grade"] in res.output

    res = runner.invoke(app, ["grade", "run", "--db", str(db), "--as-of", "2020-01-01"])
    assert res.exit_code == 0, res.output
    assert "as of 2020-01-01" in res.output
    res = runner.invoke(app, ["grade", "changes", "--db", str(db)])
    assert res.exit_code == 2 and "two graded versions" in res.output
    res = runner.invoke(app, ["grade", "show", "NO-SUCH", "--db", str(db)])
    assert res.exit_code == 1 and "no grade" in res.output
    events = [a["event"] for a in _audit(tmp_path)]
    assert events.count("grade_run") == 1 and "grade_show" in events
    assert next(a for a in _audit(tmp_path) if a["event"] == "load")["grades"] == len(g)

    res = runner.invoke(app, ["grade", "run", "--db", str(db), "--rules", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "cannot be read" in res.output


def test_load_with_no_grade_writes_no_grades(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app
    from creditgraph.etl import synth

    _cli_env(monkeypatch, tmp_path)
    synth.generate(500, 6, tmp_path / "src")
    res = CliRunner().invoke(app, ["load", str(tmp_path / "src"), "--db", str(tmp_path / "graph"), "--no-grade"])
    assert res.exit_code == 0, res.output
    assert "grades:" not in res.output and not (tmp_path / "graph" / "grades").exists()



def test_a_party_reached_by_256_paths_is_still_linked(tmp_path):
    """256 companies between a penalised person and a company (each headed by him and held by it): a
    sparse product in int8 summed the 256 paths to 0 and dropped the pair."""
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.queries.grade import linked_parties
    from creditgraph.queries.testing import load

    mids = [f"M{i:03d}" for i in range(256)]
    nodes = [("Person", "ID:boss", {"name": "甲"}), ("Enterprise", "TOP", {"name": "总公司"}),
             *[("Enterprise", m, {"name": f"子公司{m}"}) for m in mids]]
    rels = [*[("LEGAL_REP", "ID:boss", m, {}) for m in mids], *[("HOLDS_SHARES", "TOP", m, {"ratio": 1.0}) for m in mids]]
    with EmbeddedStore(tmp_path / "g") as s:
        load(s, nodes, rels)
        found = linked_parties(s, pd.Series(["TOP"]), pd.Series(["ID:boss"]), ("LEGAL_REP", "HOLDS_SHARES"), 2,
                               dt.date(2026, 1, 1))
    assert found.values.tolist() == [["TOP", "ID:boss", 2]]
