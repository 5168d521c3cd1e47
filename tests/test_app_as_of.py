"""The app's day (docs/time.md), driven by AppTest on the synthetic graph of tests/test_app_pages.py: the
profile lists former representatives with their periods; the graph explorer, paths and risk lists take a
date (default today) that reaches the analyses; person-level risk lists offer the attribution; the export
records the day."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from tests.test_app_pages import APP, TIMEOUT, frame, no_errors, shell_cluster, synth_graph


@pytest.fixture
def at(monkeypatch):
    """A fresh AppTest of the whole app reading the synthetic graph (as tests/test_app_pages.py's ``app``)."""
    from streamlit.testing.v1 import AppTest

    g = synth_graph()
    monkeypatch.setenv("CREDITGRAPH_DB", str(g.db))
    for var in ("CREDITGRAPH_STORE", "CREDITGRAPH_CONFIG", "CREDITGRAPH_LOCAL_ROLE"):
        monkeypatch.delenv(var, raising=False)
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def table_with(app, *columns: str) -> pd.DataFrame:
    """The table on the page that has these columns (read-only tables carry no key)."""
    for df in app.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns} on the page")


def changed_hands(db) -> dict:
    """An enterprise whose legal representative changed: the former one (ended before today) and the
    current one, with a day inside the former's period."""
    from creditgraph.graph.embedded import EmbeddedStore

    with EmbeddedStore(db, read_only=True) as s:
        df = s.scan("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) RETURN e.uid AS e, p.uid AS p, p.name AS name, "
                    "r.valid_from AS f, r.valid_to AS t")
    today = pd.Timestamp(dt.date.today())
    old = df[df["t"].notna() & (df["t"] <= today) & df["f"].notna() & (df["t"] - df["f"] > pd.Timedelta(days=30))]
    now = df[df["t"].isna()]
    both = old.merge(now, on="e", suffixes=("_old", "_new"))
    both = both[both["name_old"] != both["name_new"]].sort_values("e")
    assert len(both), "the synthetic graph has no change of legal representative"
    r = both.iloc[0]
    return {"uid": r["e"], "old": r["name_old"], "new": r["name_new"],
            "during": (r["f_old"] + (r["t_old"] - r["f_old"]) / 2).date(), "ended": r["t_old"].date()}


def test_the_profile_lists_former_representatives_with_their_periods(at):
    c = changed_hands(synth_graph().db)
    at.session_state["uid"] = c["uid"]
    at.switch_page("views/profile.py").run()
    no_errors(at)
    assert c["new"] in set(frame(at, "profile_reps")["姓名 Name"])
    former = table_with(at, "期间 Period", "证件号码(脱敏) ID (masked)")
    row = former[former["姓名 Name"] == c["old"]]
    assert len(row) == 1 and row["期间 Period"].iloc[0].endswith(f"– {c['ended'].isoformat()}")
    assert row["终止依据 How it ended"].iloc[0]  # in words
    related = frame(at, "profile_related")
    assert c["old"] in set(related["名称 Name"])  # former people count among the related parties
    assert any("as of" in x.value for x in at.caption)
    # on a day inside the former representative's period, they are the current one
    at.date_input(key="profile_as_of").set_value(c["during"]).run()
    no_errors(at)
    assert c["old"] in set(frame(at, "profile_reps")["姓名 Name"]) and c["new"] not in set(frame(at, "profile_reps")["姓名 Name"])


def test_the_graph_explorer_draws_the_day_chosen(at):
    c = changed_hands(synth_graph().db)
    at.session_state["uid"] = c["uid"]
    at.switch_page("views/graph.py").run()
    no_errors(at)
    assert at.date_input(key="graph_as_of").value == dt.date.today()
    at.radio(key="graph_hops").set_value(1)
    at.multiselect(key="graph_rels").set_value(["LEGAL_REP"]).run()

    def names() -> set[str]:
        no_errors(at)
        return set(frame(at, "graph_nodes")["名称 Name"].str.replace("(自然人)", "", regex=False))

    today = names()
    assert c["new"] in today and c["old"] not in today
    former = frame(at, "graph_former")  # listed beside the graph of the day, not drawn
    assert c["old"] in set(former["名称 Name"].str.replace("(自然人)", "", regex=False))
    at.date_input(key="graph_as_of").set_value(c["during"]).run()
    then = names()
    assert c["old"] in then and c["new"] not in then
    assert any(f"截至 {c['during'].isoformat()} as of" in m.value for m in at.markdown)


def test_paths_take_the_day(at):
    a, b = shell_cluster(synth_graph())["members"][:2]
    at.session_state["path_a"] = a
    at.session_state["path_b"] = b
    at.switch_page("views/paths.py").run()
    no_errors(at)
    assert at.date_input(key="path_as_of").value == dt.date.today()
    at.date_input(key="path_as_of").set_value(dt.date(2001, 1, 1)).run()
    no_errors(at)
    assert any("截至 2001-01-01 as of" in m.value for m in at.markdown)


@pytest.mark.parametrize("which", ["repeat_person", "phoenix"])
def test_person_lists_offer_the_attribution(at, which):
    at.switch_page("views/risk.py").run()
    at.selectbox(key="risk_list").set_value(which).run()
    no_errors(at)
    choice = at.radio(key="risk_attribution")
    assert choice.options == ["按处罚决定日在任 in office on the decision date", "按当前在任 in office on the as-of date"]
    assert choice.value == "decision"
    at.selectbox(key="risk_list").set_value("shell").run()
    assert not [r for r in at.radio if r.key == "risk_attribution"]  # not for company-level lists


def test_the_risk_list_runs_as_of_a_day_and_the_export_records_it(at):
    at.switch_page("views/risk.py").run()
    at.selectbox(key="risk_list").set_value("repeat_person").run()
    day = dt.date(2024, 6, 30)
    at.date_input(key="risk_as_of").set_value(day)
    at.radio(key="risk_attribution").set_value("current")
    at.button(key="risk_run").click().run()
    no_errors(at)
    heading = " ".join(m.value for m in at.markdown)
    assert f"截至 {day.isoformat()} as of" in heading and "按当前在任" in heading
    assert dict(at.session_state["risk_request"][1])["as_of"] == day.isoformat()
    if at.button(key="risk_prepare").disabled:
        pytest.skip("no person is a repeat offender on that day: nothing to export")
    at.button(key="risk_prepare").click().run()
    no_errors(at)
    exp = at.session_state["risk_export"]
    sheet = openpyxl.load_workbook(io.BytesIO(exp["xlsx"]))["参数"]
    rows = {r[3].value: [c.value for c in r] for r in sheet.iter_rows() if r[3].value}
    assert rows["as_of"][2] == day.isoformat() and rows["attribution"][2].startswith("按当前在任")
    csv = pd.read_csv(io.BytesIO(exp["csv"]), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(csv["截至日期 As of"]) == {day.isoformat()}
