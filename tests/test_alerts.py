"""Monitoring (监测预警, issue 19): watchlists, alerts from the difference between two observations of
the graph, raised once, with their path. Runs on both stores."""
from __future__ import annotations

import dataclasses
import json

import pytest

from creditgraph.app.watch import add_to_watchlist, mark_read, read_alerts, run_alerts
from creditgraph.graph.config import load_settings
from creditgraph.queries.testing import load
from tests.worlds import E1, E3, E6, world


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_WATCH_DIR", str(tmp_path / "watch"))
    return dataclasses.replace(load_settings(), db_path=tmp_path / "g")


def enterprise(uid):
    return next(n for n in world()[0] if n[1] == uid)


def test_a_penalty_two_hops_from_a_watched_company_raises_one_alert_with_its_path(store, settings):
    load(store, *world())
    add_to_watchlist(settings, "tender-118", [E1], owner="analyst", hops=2)
    assert run_alerts(settings, store, "v1") == []  # the first run records the baseline
    assert run_alerts(settings, store, "v1") == []  # nothing changed: nothing raised
    # a refresh penalises 杭州明远 (E1 <- 王五 -> E3: two hops from the watched company)
    load(store, [enterprise(E3), ("PenaltyEvent", "AP:9", {"kind": "serious_illegal", "decided": "2026-11-01",
                                                          "status": "active"})], [("PENALIZED", E3, "AP:9")])
    raised = run_alerts(settings, store, "v2")
    assert [(a["subject"], a["kind"], a["item"]) for a in raised] == [(E1, "linked_penalty", "AP:9")]
    a = raised[0]
    assert "王五" in a["path"] and "杭州明远国际贸易发展有限公司" in a["path"] and a["version"] == "v2"
    assert "严重违法失信名单" in a["detail"]
    assert run_alerts(settings, store, "v2") == []  # the same refresh seen again: raised once
    assert [x["id"] for x in read_alerts(settings)] == [a["id"]]


def test_a_new_legal_representative_and_own_penalty_are_alerts_and_can_be_read(store, settings):
    load(store, *world())
    add_to_watchlist(settings, "w", [E1], owner="analyst", hops=1)
    run_alerts(settings, store, "v1")
    load(store, [enterprise(E1), ("Person", "ID:p9", {"name": "赵六"}),
                 ("PenaltyEvent", "AP:10", {"kind": "administrative_penalty", "decided": "2026-11-02", "status": "active"})],
         [("LEGAL_REP", "ID:p9", E1), ("PENALIZED", E1, "AP:10")])
    raised = run_alerts(settings, store, "v2")
    assert sorted((a["kind"], a["item"]) for a in raised) == [("legal_rep", "ID:p9"), ("penalty", "AP:10")]
    assert len(read_alerts(settings, unread_only=True)) == 2
    assert mark_read(settings, [raised[0]["id"], "nonexistent"]) == 1
    assert [a["id"] for a in read_alerts(settings, unread_only=True)] == [raised[1]["id"]]


def test_watchlist_names_and_hops_are_checked(settings):
    with pytest.raises(ValueError):
        add_to_watchlist(settings, "../etc", [E1], owner="x")
    with pytest.raises(ValueError):
        add_to_watchlist(settings, "ok", [E1], owner="x", hops=5)
    wl = add_to_watchlist(settings, "ok", [E1, E1, E3], owner="x")
    assert wl["subjects"] == sorted({E1, E3})
    stored = json.loads((settings.db_path.parent / "watch" / "watchlists.json").read_text(encoding="utf-8"))
    assert stored["ok"]["owner"] == "x" and stored["ok"]["hops"] == 2


def test_the_inbox_page_lists_unread_alerts_and_marks_them_read(tmp_path, monkeypatch):
    """预警 Alerts page (AppTest): the raised alert shows, unread; opening it shows its path; Mark read
    leaves no unread alert and is audited."""
    from streamlit.testing.v1 import AppTest

    from creditgraph.graph.embedded import EmbeddedStore
    from tests.test_app_pages import APP, TIMEOUT

    monkeypatch.setenv("CREDITGRAPH_WATCH_DIR", str(tmp_path / "watch"))
    monkeypatch.setenv("CREDITGRAPH_DB", str(tmp_path / "g"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    settings = dataclasses.replace(load_settings(), db_path=tmp_path / "g")
    with EmbeddedStore(tmp_path / "g") as s:
        load(s, *world())
        add_to_watchlist(settings, "tender-118", [E1], owner="local")
        run_alerts(settings, s, "v1")
        load(s, [enterprise(E3), ("PenaltyEvent", "AP:9", {"kind": "serious_illegal", "decided": "2026-11-01",
                                                        "status": "active"})], [("PENALIZED", E3, "AP:9")])
        assert len(run_alerts(settings, s, "v2")) == 1
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/alerts.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(df.value for df in at.dataframe if "类型 Kind" in df.value.columns)
    assert list(table["未读 Unread"]) == ["●"] and "关联方新增处罚" in table["类型 Kind"].iloc[0]
    assert "王五" in at.code[0].value or "王*" in at.code[0].value
    at.button(key="alerts_mark").click().run()
    assert read_alerts(settings, unread_only=True) == []
    assert any('"alert_read"' in line for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines())


def test_the_command_line_watches_and_prints_each_alert_once_as_a_json_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app
    from creditgraph.graph.embedded import EmbeddedStore

    monkeypatch.setenv("CREDITGRAPH_WATCH_DIR", str(tmp_path / "watch"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    db = str(tmp_path / "g")
    with EmbeddedStore(tmp_path / "g") as s:
        load(s, *world())
    cli = CliRunner()
    assert cli.invoke(app, ["watch", "add", "tender-118", E1, "--db", db]).exit_code == 0
    refused = cli.invoke(app, ["watch", "add", "tender-118", "91330100NOSUCHCO01", "--db", db])
    assert refused.exit_code == 1 and "no enterprise or person" in refused.output
    first = cli.invoke(app, ["alerts", "run", "--db", db])
    assert first.exit_code == 0 and first.stdout.strip() == ""  # the baseline
    with EmbeddedStore(tmp_path / "g") as s:
        load(s, [enterprise(E3), ("PenaltyEvent", "AP:9", {"kind": "serious_illegal", "decided": "2026-11-01",
                                                        "status": "active"})], [("PENALIZED", E3, "AP:9")])
    second = cli.invoke(app, ["alerts", "run", "--db", db])
    lines = [json.loads(line) for line in second.stdout.splitlines() if line.strip()]
    assert [(a["kind"], a["item"]) for a in lines] == [("linked_penalty", "AP:9")]
    assert cli.invoke(app, ["alerts", "run", "--db", db]).stdout.strip() == ""
    unread = cli.invoke(app, ["alerts", "list", "--unread", "--db", db]).stdout.splitlines()
    assert len(unread) == 1
    assert "1 marked read" in cli.invoke(app, ["alerts", "read", lines[0]["id"], "--db", db]).output
    assert cli.invoke(app, ["alerts", "list", "--unread", "--db", db]).stdout.strip() == ""


def test_a_watched_person_raises_alerts_for_a_new_role_and_their_own_penalty(store, settings):
    load(store, *world())
    add_to_watchlist(settings, "people", ["ID:p1"], owner="analyst", hops=1)
    assert run_alerts(settings, store, "v1") == []
    # 王五 becomes legal representative of E6 (which is then penalised) and is a dishonest debtor himself
    load(store, [enterprise(E6), ("Person", "ID:p1", {"name": "王五"}),
                 ("PenaltyEvent", "DD:1", {"kind": "dishonest_debtor", "decided": "2026-11-03", "status": "active"}),
                 ("PenaltyEvent", "AP:11", {"kind": "administrative_penalty", "decided": "2026-11-03", "status": "active"})],
         [("LEGAL_REP", "ID:p1", E6), ("PENALIZED", "ID:p1", "DD:1"), ("PENALIZED", E6, "AP:11")])
    raised = run_alerts(settings, store, "v2")
    # E6's older abnormal-operation listing (AO:1) is newly linked to him too, through the new role
    assert sorted((a["subject"], a["kind"], a["item"]) for a in raised) == [
        ("ID:p1", "linked_penalty", "AO:1"), ("ID:p1", "linked_penalty", "AP:11"), ("ID:p1", "penalty", "DD:1"),
        ("ID:p1", "role", E6)]
    assert run_alerts(settings, store, "v2") == []


def test_a_grade_change_is_an_alert_naming_the_old_and_new_grade_raised_once(store, settings):
    from creditgraph.queries.grade import grade_all

    load(store, *world())
    add_to_watchlist(settings, "grades", [E1], owner="analyst", hops=1)
    assert run_alerts(settings, store, "v1") == []
    before = grade_all(store).set_index("uid").loc[E1, "grade"]
    load(store, [enterprise(E1), ("PenaltyEvent", "SI:7", {"kind": "serious_illegal", "decided": "2026-11-04",
                                                          "status": "active"})], [("PENALIZED", E1, "SI:7")])
    after = grade_all(store).set_index("uid").loc[E1, "grade"]
    assert before != after  # a serious-dishonest listing costs a grade (queries/grading.yaml)
    raised = run_alerts(settings, store, "v2")
    grade = [a for a in raised if a["kind"] == "grade"]
    assert [a["detail"] for a in grade] == [f"{before} → {after}"]
    assert {a["kind"] for a in raised} == {"penalty", "grade"}
    assert run_alerts(settings, store, "v2") == []
