"""The objections & repairs page (app/views/casework.py) driven by AppTest: only the roles with
``casework`` see it, and filing an objection there disputes the record in the graph."""
from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.etl import casework as cw
from creditgraph.etl.pipeline import run_load
from creditgraph.graph.config import Settings
from creditgraph.graph.embedded import EmbeddedStore
from tests.test_casework import extract

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"


@pytest.fixture
def graph(tmp_path, monkeypatch) -> Settings:
    s = Settings(db_path=tmp_path / "graph")
    run_load(extract(tmp_path / "src"), "canonical", s)
    monkeypatch.setenv("CREDITGRAPH_DB", str(s.db_path))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    for var in ("CREDITGRAPH_STORE", "CREDITGRAPH_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return s


def page(role: str, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", role)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_an_investigator_is_neither_shown_nor_served_the_casework_page(graph, monkeypatch):
    from streamlit.testing.v1 import AppTest

    at = page("investigator", monkeypatch)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/casework.py")
    direct = AppTest.from_file(str(APP.parent / "views" / "casework.py"), default_timeout=60).run()
    assert any("Not allowed" in e.value for e in direct.error)
    assert not direct.dataframe


def test_a_supervisor_files_an_objection_and_the_record_is_disputed(graph, monkeypatch):
    at = page("supervisor", monkeypatch)
    at.switch_page("views/casework.py").run()
    assert not at.exception and not at.error
    at.text_input[0].input("AP:P2")
    at.text_area[0].input("处罚对象有误 wrong subject")
    at.button[0].click().run()  # the objection form's submit button
    assert not at.exception, at.exception
    assert any("AP:P2" in s.value for s in at.success), [e.value for e in at.error]
    with EmbeddedStore(graph.db_path, read_only=True) as g:
        assert g.nodes_by("PenaltyEvent", "uid", ["AP:P2"], ["status"])["status"].item() == "disputed"
    assert [c["record"] for c in cw.read_cases(graph).values()] == ["AP:P2"]
    at.switch_page("views/casework.py").run()  # the queue now lists it, with its time limit
    (table,) = [d.value for d in at.dataframe if "记录 Record" in d.value.columns and "期限 Due" in d.value.columns]
    assert table["记录 Record"].tolist() == ["AP:P2"] and table["期限 Due"].notna().all()


def test_a_supervisor_puts_a_company_on_a_red_list_from_the_page(graph, monkeypatch):
    import datetime as dt

    from tests.test_etl_load import U2

    at = page("supervisor", monkeypatch)
    at.switch_page("views/casework.py").run()
    at.text_input(key="staff_rl_subject").input(U2)
    at.date_input(key="staff_rl_entered").set_value(dt.date(2024, 6, 1))
    at.button(key="staff_rl_add").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("RL:STAFF-RL-") for s in at.success), [e.value for e in at.error]
    with EmbeddedStore(graph.db_path, read_only=True) as g:
        honored = g.edges_by("HONORED", "Enterprise", "RedListEntry", [U2], by="src")
    assert len(honored) == 1


def test_the_supervision_page_draws_reproducibly_and_offers_the_xlsx(graph, monkeypatch):
    import io

    import openpyxl

    from creditgraph.app.grades import compute_and_save

    with EmbeddedStore(graph.db_path, read_only=True) as g:
        compute_and_save(graph, g)
    at = page("supervisor", monkeypatch)
    at.switch_page("views/supervision.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert sum(int(v.replace(",", "")) for v in metrics.values()) == 2  # both companies graded
    for n in at.number_input:
        if n.label.endswith("ratio"):
            n.set_value(1.0)
    at.number_input[0].set_value(7)  # the seed
    at.button[0].click().run()
    assert not at.exception, at.exception
    drawn = [d.value for d in at.dataframe if "信用等级 Grade" in d.value.columns]
    assert len(drawn) == 1 and len(drawn[0]) == 2  # ratio 1 everywhere: everyone
    xlsx = at.session_state["draw"]["xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert "参数" in book.sheetnames and book.worksheets[0].max_row == 3  # header + 2 subjects


def test_the_supervision_page_shows_the_grade_changes_a_dispute_made(graph, monkeypatch):
    from creditgraph.app import casework
    from creditgraph.app.grades import compute_and_save

    with EmbeddedStore(graph.db_path, read_only=True) as g:
        compute_and_save(graph, g)
    casework.file_objection(graph, "staff1", "AP:P1", "not ours")  # a new version: one penalty less for U1
    with EmbeddedStore(graph.db_path, read_only=True) as g:
        compute_and_save(graph, g)
    at = page("supervisor", monkeypatch)
    at.switch_page("views/supervision.py").run()
    assert not at.exception, at.exception
    (changes,) = [d.value for d in at.dataframe if "变化 Change" in d.value.columns]
    from tests.test_etl_load import U1

    assert changes["主键 uid"].tolist() == [U1] and (changes["现得分"] > changes["原得分"]).all()
