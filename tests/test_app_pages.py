"""Every page of the Streamlit app, driven by streamlit.testing.v1.AppTest on a graph built by the
real ETL from synthetic data with planted patterns (etl.synth.generate -> etl.pipeline.run_load).

The planted answers come from the generator's ground_truth.json: a planted shell-company cluster,
a planted repeat offender with its active penalty events.
"""
from __future__ import annotations

import atexit
import csv
import dataclasses
import io
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app" / "streamlit_app.py"
ENTERPRISES, SEED = 3000, 11
TIMEOUT = 120


@dataclasses.dataclass(frozen=True)
class SynthGraph:
    db: Path
    src: Path
    truth: dict
    names: dict  # uscc -> enterprise name as written in the extract


@lru_cache(maxsize=None)
def synth_graph(enterprises: int = ENTERPRISES, seed: int = SEED) -> SynthGraph:
    """Synthetic extract -> real ETL -> embedded store, once per test process (removed at exit)."""
    from creditgraph.etl.pipeline import run_load
    from creditgraph.etl.synth import generate
    from creditgraph.graph.config import load_settings

    root = Path(tempfile.mkdtemp(prefix="creditgraph-app-test-"))
    atexit.register(shutil.rmtree, root, True)
    src, db = root / "src", root / "graph"
    generate(enterprises=enterprises, seed=seed, out=src)
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=db)
    run_load(src, "canonical", settings)
    truth = json.loads((src / "ground_truth.json").read_text(encoding="utf-8"))
    with open(src / "enterprises.csv", encoding="utf-8-sig", newline="") as fh:
        names = {r["uscc"].upper(): r["name"] for r in csv.DictReader(fh) if r.get("uscc")}
    return SynthGraph(db=db, src=src, truth=truth, names=names)


@pytest.fixture(scope="session")
def graph_db() -> SynthGraph:
    return synth_graph()


@pytest.fixture
def app(graph_db, monkeypatch):
    """A fresh AppTest of the whole app reading the synthetic graph."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CREDITGRAPH_DB", str(graph_db.db))
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shell_cluster(g: SynthGraph) -> dict:
    return g.truth["shell_clusters"][0]


# a distinctive column of each table, to find it on the page (read-only tables carry no key)
TABLE_COLUMNS = {
    "search_table": "有效处罚 Active penalties",
    "profile_penalties": "记录 Record",
    "profile_signals_table": "信号 Signal",
    "profile_reps": "任职日期 Since",
    "profile_related": "关联方式 Connection",
    "profile_grade_reasons": "分值 Points",
    "graph_nodes": "距离 Hops",
    "graph_former": "期间 Period",
    "path_table": "路径 Path",
    "risk_table": "主键 uid",
    "status_tables": "读取 Read",
    "status_nodes": "类型 Kind",
}


def frame(at, key: str) -> pd.DataFrame:
    for df in at.dataframe:
        if df.key == key:
            return df.value
    col = TABLE_COLUMNS[key]
    for df in at.dataframe:
        value = df.value
        if col in value.columns:
            return value
    raise AssertionError(f"no table {key!r} (column {col!r}) on the page")


# --- search ------------------------------------------------------------------------------------


def test_search_finds_a_planted_shell_company_by_part_of_its_name(app, graph_db):
    uscc = shell_cluster(graph_db)["members"][0]
    name = graph_db.names[uscc]
    part = name[2:-4] if len(name) > 8 else name  # drop the city prefix and 有限公司
    app.text_input(key="search_text").input(part).run()
    no_errors(app)
    hits = frame(app, "search_table")
    assert uscc in set(hits["主键 uid"])
    assert hits.loc[hits["主键 uid"] == uscc, "名称 Name"].iloc[0] == name


def test_search_by_uscc_is_exact_and_case_and_width_insensitive(app, graph_db):
    uscc = shell_cluster(graph_db)["members"][1]
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in uscc.lower())
    app.text_input(key="search_text").input(f" {fullwidth} ").run()
    no_errors(app)
    hits = frame(app, "search_table")
    assert hits["主键 uid"].tolist() == [uscc]


def test_search_to_profile_navigation(app, graph_db):
    uscc = shell_cluster(graph_db)["members"][0]
    app.text_input(key="search_text").input(uscc).run()
    app.button(key="to_profile").click().run()
    no_errors(app)
    assert app.title[0].value.startswith("信用画像")
    assert app.session_state["uid"] == uscc


# --- profile -------------------------------------------------------------------------------------


def test_profile_shows_the_penalties_of_a_planted_repeat_offender(app, graph_db):
    ro = graph_db.truth["repeat_offenders"]["enterprise"][0]
    app.session_state["uid"] = ro["uscc"]
    app.switch_page("views/profile.py").run()
    no_errors(app)
    assert app.subheader[0].value == ro["name"]
    pen = frame(app, "profile_penalties")
    shown = pen[pen["状态 Status"] == "有效"]["记录 Record"].tolist()
    assert set(ro["active_events"]) <= set(shown)
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["有效处罚/名单 Active penalties"]) >= len(ro["active_events"])
    signals = frame(app, "profile_signals_table")
    assert signals["信号 Signal"].str.contains("active penalties").any()


def test_profile_shows_the_grade_with_its_reasons_and_prints_the_credit_report(app, graph_db, tmp_path, monkeypatch):
    import pypdfium2

    from creditgraph.app.grades import compute_and_save
    from creditgraph.graph.config import Settings
    from creditgraph.graph.embedded import EmbeddedStore

    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    with EmbeddedStore(graph_db.db, read_only=True) as s:
        grades, _ = compute_and_save(Settings(db_path=graph_db.db), s)
    ro = graph_db.truth["repeat_offenders"]["enterprise"][0]
    mine = grades.set_index("uid").loc[ro["uscc"]]
    app.session_state["uid"] = ro["uscc"]
    app.switch_page("views/profile.py").run()
    no_errors(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["信用等级 Grade"] == mine["grade"]
    reasons = frame(app, "profile_grade_reasons")
    assert reasons["代码 Code"].str.startswith("P_").any()  # its penalties are among the reasons
    app.button(key="profile_report").click().run()
    no_errors(app)
    pdf = app.session_state["profile_report_pdf"]["pdf"]
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    assert ro["name"][:4] in text.replace("\n", "") and "信用报告" in text


def test_profile_of_a_shell_member_lists_its_people_and_signals(app, graph_db):
    cl = shell_cluster(graph_db)
    uscc = cl["members"][0]
    app.session_state["uid"] = uscc
    app.switch_page("views/profile.py").run()
    no_errors(app)
    reps = frame(app, "profile_reps")
    assert cl["hub"]["name"] in set(reps["姓名 Name"])
    assert reps["证件号码(脱敏) ID (masked)"].str.contains(r"\*").all()  # never a clear ID number
    signals = " ".join(frame(app, "profile_signals_table")["信号 Signal"])
    assert "shell company" in signals or "legal representative of other companies" in signals
    related = frame(app, "profile_related")
    assert set(cl["members"]) - {uscc} & set(related["名称 Name"].map(lambda n: n)) or len(related) > 0


# --- graph explorer --------------------------------------------------------------------------------


def unescaped(page: str) -> str:
    """The page with pyvis' JSON \\uXXXX escapes decoded (Chinese names are written escaped)."""
    import re

    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def iframe_html(at) -> str:
    frames = at.get("iframe")
    assert frames, "no iframe on the page"
    return unescaped(frames[0].proto.srcdoc)


def test_graph_explorer_draws_an_offline_pyvis_graph_and_recentres(app, graph_db):
    from creditgraph.app.graphview import remote_references

    cl = shell_cluster(graph_db)
    uscc = cl["members"][0]
    app.session_state["uid"] = uscc
    app.switch_page("views/graph.py").run()
    no_errors(app)
    page = iframe_html(app)
    assert "vis.Network" in page and uscc in page
    assert remote_references(page) == []  # vis-network inlined, pyvis' CDN links stripped
    assert "法定代表人" in page  # captions from the graph model
    # depth 1, legal representatives only: the hub and nothing else
    app.radio(key="graph_hops").set_value(1)
    app.multiselect(key="graph_rels").set_value(["LEGAL_REP"]).run()
    no_errors(app)
    nodes = frame(app, "graph_nodes")
    assert len(nodes) == 2 and cl["hub"]["name"] in set(nodes["名称 Name"].str.replace("(自然人)", "", regex=False))
    # re-centre on the hub: the other companies of the cluster appear
    hub_uid = [u for u in nodes["主键 uid"] if u != uscc][0]
    app.selectbox(key="graph_target").set_value(hub_uid)
    app.button(key="graph_recentre").click().run()
    no_errors(app)
    assert app.session_state["uid"] == hub_uid
    # the hub's ID is masked on most rows, so each company names its own record of him; the records are
    # tied by POSSIBLY_SAME_AS links (resolved people): through them the other companies appear
    app.radio(key="graph_hops").set_value(2)
    app.multiselect(key="graph_rels").set_value(["LEGAL_REP", "POSSIBLY_SAME_AS"]).run()
    no_errors(app)
    assert set(cl["members"]) <= set(frame(app, "graph_nodes")["主键 uid"])


def test_graph_explorer_caps_a_large_neighbourhood_with_a_message(app, graph_db):
    app.session_state["uid"] = shell_cluster(graph_db)["members"][0]
    app.switch_page("views/graph.py").run()
    app.radio(key="graph_hops").set_value(3)  # the hub, its ten companies, their events, addresses, owners…
    app.selectbox(key="graph_cap").set_value(20).run()
    no_errors(app)
    assert len(frame(app, "graph_nodes")) <= 21
    assert any("邻域过大" in w.value for w in app.warning)


# --- paths -------------------------------------------------------------------------------------------


def test_paths_between_two_companies_of_a_shell_cluster(app, graph_db):
    a, b = shell_cluster(graph_db)["members"][:2]
    app.session_state["path_a"] = a
    app.session_state["path_b"] = b
    app.switch_page("views/paths.py").run()
    no_errors(app)
    paths = frame(app, "path_table")
    assert len(paths) >= 1 and paths["跳数 Hops"].min() <= 2
    assert "vis.Network" in iframe_html(app)


# --- risk lists and export ----------------------------------------------------------------------------


def run_list(app, which: str):
    app.switch_page("views/risk.py").run()
    no_errors(app)
    app.selectbox(key="risk_list").set_value(which).run()
    app.button(key="risk_run").click().run()
    no_errors(app)
    return frame(app, "risk_table")


def test_risk_list_contains_the_planted_shell_cluster(app, graph_db):
    table = run_list(app, "shell")
    for cl in graph_db.truth["shell_clusters"]:
        assert set(cl["members"]) <= set(table["主键 uid"]), f"cluster of {cl['hub']['name']} missing"


def test_a_risk_list_s_parties_can_be_watched(app, graph_db, tmp_path, monkeypatch):
    from creditgraph.app.watch import watchlists
    from creditgraph.graph.config import load_settings

    monkeypatch.setenv("CREDITGRAPH_WATCH_DIR", str(tmp_path / "watch"))
    table = run_list(app, "shell")
    app.text_input(key="risk_watchlist").input("shell-watch").run()
    app.button(key="risk_watch").click().run()
    no_errors(app)
    watched = watchlists(load_settings())["shell-watch"]["subjects"]
    assert watched == sorted(set(table["主键 uid"]))


def test_risk_list_filters_by_region(app, graph_db):
    cl = shell_cluster(graph_db)
    table = run_list(app, "shell")
    province = cl["members"][0][2:4]
    app.selectbox(key="risk_prov").set_value(province).run()
    no_errors(app)
    filtered = frame(app, "risk_table")
    assert set(cl["members"]) <= set(filtered["主键 uid"])
    assert filtered["地区代码 Region"].astype(str).str.startswith(province).all()
    assert len(filtered) <= len(table)


def test_export_produces_files_whose_rows_match_the_table(app, graph_db):
    table = run_list(app, "repeat_enterprise")
    app.button(key="risk_prepare").click().run()
    no_errors(app)
    assert [b.label for b in app.get("download_button")][:2] == ["下载 CSV Download CSV", "下载 XLSX Download XLSX"]
    exp = app.session_state["risk_export"]
    assert exp["rows"] == len(table)
    csv_rows = pd.read_csv(io.BytesIO(exp["csv"]), dtype=str, keep_default_na=False)
    xlsx_rows = pd.read_excel(io.BytesIO(exp["xlsx"]), dtype=str, keep_default_na=False)
    for rows in (csv_rows, xlsx_rows):
        assert len(rows) == len(table)
        text = rows.to_string()
        for uid in table["主键 uid"]:
            assert uid in text
    planted = {r["uscc"] for r in graph_db.truth["repeat_offenders"]["enterprise"]}
    assert planted <= set(table["主键 uid"])


def test_risk_list_of_red_and_black_links_runs(app, graph_db):
    app.switch_page("views/risk.py").run()
    no_errors(app)
    app.selectbox(key="risk_list").set_value("red_black").run()
    app.radio(key="risk_red_black_hops").set_value(3).run()
    app.button(key="risk_run").click().run()
    no_errors(app)
    assert app.session_state["risk_request"][0] == "red_black"
    params = dict(app.session_state["risk_request"][1])
    assert params["max_hops"] == 3 and "include_history" not in params
    assert any("红黑名单关联" in m.value for m in app.markdown)


def test_profile_shows_commitments_and_red_lists(app, graph_db):
    ro = graph_db.truth["repeat_offenders"]["enterprise"][0]
    app.session_state["uid"] = ro["uscc"]
    app.switch_page("views/profile.py").run()
    no_errors(app)
    text = " ".join(m.value for m in app.markdown)
    assert "信用承诺 Credit commitments" in text and "红名单 Red lists" in text
    metrics = {m.label for m in app.metric}
    assert "当前红名单 Current red lists" in metrics


# --- data status ----------------------------------------------------------------------------------------


def test_data_status_shows_the_last_run_counts_and_the_reject_report(app, graph_db, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "admin")  # data status is for admins (local mode: investigator by default)
    app.run()
    app.switch_page("views/status.py").run()
    no_errors(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["图版本 Graph version"].endswith("v000001")
    tables = frame(app, "status_tables")
    assert int(tables.loc[tables["表 Table"] == "enterprises", "读取 Read"].iloc[0]) == ENTERPRISES
    nodes = frame(app, "status_nodes")
    assert nodes["数量 Count"].max() > 0
    labels = [b.label for b in app.get("download_button")]
    assert any("reject report" in label for label in labels)


def test_every_page_renders_without_a_graph(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CREDITGRAPH_DB", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "admin")  # every page, data status included
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    for page in ("views/search.py", "views/profile.py", "views/graph.py", "views/paths.py", "views/risk.py", "views/status.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert any("No graph yet" in w.value for w in at.warning) or any("No load" in i.value for i in at.info), page
