"""Batch credit check (信用核查, issue 19): each subject's match kind, its penalties and lists, the risk
linked to it and the links among the checked subjects (colluding bidders). Runs on both stores."""
from __future__ import annotations

import pytest

from creditgraph.queries.check import check_subjects, match_subject
from creditgraph.queries.testing import load
from tests.worlds import E1, E3, E4, E5, E7, REG, world

@pytest.mark.parametrize("text, kind, uid", [
    (E1.lower()[:9] + " " + E1.lower()[9:], "exact_code", E1),  # pasted with a space, lower case
    (REG, "exact_code", "REG:" + REG),  # a legacy registration number
    ("杭州明远国际贸昜发展有限公司", "name_similar", E3),  # a typo (昜 for 易)
    ("杭州明远国际贸易发展有限公司", "name_exact", E3),
    ("宁波海丰贸易有限公司", "ambiguous", None),  # two companies of that name
    ("上海查无此户有限公司", "not_found", None),
    ("   ", "empty", None),
])
def test_each_subject_gets_the_right_match_kind(store, text, kind, uid):
    load(store, *world())
    m = match_subject(store, text)
    assert (m.kind, m.uid) == (kind, uid)
    if kind == "ambiguous":
        assert {c[0] for c in m.candidates} == {E4, E5}
    if kind == "name_similar":
        assert 0.85 <= m.score < 1.0


def test_colluding_bidders_are_linked_and_linked_risk_is_reported(store):
    load(store, *world())
    subjects = [E1, "杭州老字号商贸有限公司", "杭州明远国际贸昜发展有限公司", "宁波海丰贸易有限公司",
                "上海查无此户有限公司", "杭州丙丁市政工程有限公司"]
    res = check_subjects(store, subjects, hops=2)
    s = res.subjects.set_index("row")
    assert list(s["match"]) == ["exact_code", "name_exact", "name_similar", "ambiguous", "not_found", "name_exact"]
    pairs = {(a, b) for a, b in zip(res.links["row_a"], res.links["row_b"])}
    assert pairs == {(0, 2), (0, 5)}  # shared legal representative; shared address (2 and 5 are 4 hops apart)
    via_rep = res.links[(res.links["row_a"] == 0) & (res.links["row_b"] == 2)]["path"].iloc[0]
    assert "王五" in via_rep and "法定代表人" in via_rep
    risk0 = res.risks[res.risks["row"] == 0]
    assert E7 in set(risk0["uid"]) and "杭州问题企业有限公司" in risk0.loc[risk0["uid"] == E7, "path"].iloc[0]
    assert s.loc[5, "lists"] == "经营异常名录" and s.loc[5, "active_penalties"] == 1  # the removed entry not counted
    assert s.loc[0, "linked_subjects"] == 2 and s.loc[2, "linked_subjects"] == 1 and s.loc[1, "linked_subjects"] == 0
    assert pd_isna(s.loc[4, "uid"]) and s.loc[3, "candidates"].count(";") + s.loc[3, "candidates"].count("；") == 1


def pd_isna(v) -> bool:
    return v is None or v != v


def test_hops_outside_the_range_are_refused(store):
    with pytest.raises(ValueError):
        check_subjects(store, [E1], hops=7)


def test_the_command_line_check_writes_an_audited_masked_workbook(tmp_path, monkeypatch):
    """`creditgraph check bidders.csv --column 投标人 --purpose … --out r.xlsx`: a row per bidder with its
    match in words, the evidence sheet with the collusion path (the shared representative's name masked),
    the purpose on the 参数 sheet and in the audit line."""
    import json

    import openpyxl
    from typer.testing import CliRunner

    from creditgraph.app.cli import app
    from creditgraph.graph.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "g") as s:
        load(s, *world())
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    bidders = tmp_path / "bidders.csv"
    bidders.write_text("序号,投标人\n1,杭州甲乙建设工程有限公司\n2,杭州明远国际贸昜发展有限公司\n3,上海查无此户有限公司\n",
                       encoding="utf-8-sig")
    out = tmp_path / "r.xlsx"
    res = CliRunner().invoke(app, ["check", str(bidders), "--column", "投标人", "--purpose", "招标项目 ZB-118",
                                   "--out", str(out), "--db", str(tmp_path / "g")])
    assert res.exit_code == 0, res.output
    assert "1 links among the subjects" in res.output
    wb = openpyxl.load_workbook(out)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    match = [r[header.index("匹配方式 Match")] for r in rows[1:]]
    assert match == ["名称精确匹配 exact name", "名称近似匹配 similar name", "未找到 not found"]
    evidence = " ".join(str(c) for row in wb["证据"].iter_rows(values_only=True) for c in row if c)
    assert "王*(自然人)" in evidence and "王五" not in evidence  # the shared representative, masked
    params = " ".join(str(c) for row in wb["参数"].iter_rows(values_only=True) for c in row if c)
    assert "招标项目 ZB-118" in params
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    last = [a for a in audit if a["event"] == "check"][-1]
    assert last["purpose"] == "招标项目 ZB-118" and last["subjects"] == 3 and last["links"] == 1


def test_the_command_line_check_needs_a_purpose_and_a_column_it_can_find(tmp_path):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["check", str(f), "--purpose", " ", "--out", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 2 and "purpose" in res.output
    res = CliRunner().invoke(app, ["check", str(f), "--purpose", "p", "--out", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 1 and "--column" in res.output


def test_the_app_page_checks_pasted_subjects(tmp_path, monkeypatch):
    """信用核查 Credit check page (Streamlit AppTest): paste three bidders and a purpose, check: the table
    says how each matched, the links table shows the shared representative, the check is audited."""
    import json

    from streamlit.testing.v1 import AppTest

    from creditgraph.graph.embedded import EmbeddedStore
    from tests.test_app_pages import APP, TIMEOUT

    with EmbeddedStore(tmp_path / "g") as s:
        load(s, *world())
    monkeypatch.setenv("CREDITGRAPH_DB", str(tmp_path / "g"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("CREDITGRAPH_WATCH_DIR", str(tmp_path / "watch"))
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/check.py").run()
    assert at.button(key="check_run").disabled  # nothing to check yet
    at.text_area(key="check_text").set_value(f"{E1}\n杭州明远国际贸昜发展有限公司\n上海查无此户有限公司\n")
    at.text_input(key="check_purpose").set_value("招标项目 ZB-118").run()
    at.button(key="check_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    table = next(df.value for df in at.dataframe if "匹配方式 Match" in df.value.columns)
    assert list(table["匹配方式 Match"]) == ["代码精确匹配 exact code", "名称近似匹配 similar name", "未找到 not found"]
    links = next(df.value for df in at.dataframe if "关联路径 Path" in df.value.columns)
    assert len(links) == 1 and "法定代表人" in links["关联路径 Path"].iloc[0]
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [a for a in audit if a["event"] == "check"][-1]["purpose"] == "招标项目 ZB-118"
    # the matched companies onto a watchlist, from the page
    at.text_input(key="check_watchlist").set_value("tender-ZB-118").run()
    at.button(key="check_watch").click().run()
    assert not at.exception, [e.value for e in at.exception]
    lists = json.loads((tmp_path / "watch" / "watchlists.json").read_text(encoding="utf-8"))
    assert lists["tender-ZB-118"]["subjects"] == sorted([E1, E3])


def test_three_hops_find_what_two_hops_find_and_the_batch_reads_agree_with_neighbourhoods(store):
    """Two hops are read for the whole batch at once (queries/check_links.py), three through one
    neighbourhood per subject: the two ways agree on what two hops hold, and three hops lose nothing."""
    from creditgraph.queries.check import _linked_by_neighbourhood

    load(store, *world())
    subjects = [E1, "杭州明远国际贸易发展有限公司", "杭州丙丁市政工程有限公司", E7]
    two = check_subjects(store, subjects, hops=2)
    checked = {u: i for i, u in enumerate(two.subjects["uid"])}
    links, risks = _linked_by_neighbourhood(store, checked, 2)
    assert set(zip(links["row_a"], links["row_b"])) == set(zip(two.links["row_a"], two.links["row_b"]))
    assert set(zip(risks["row"], risks["uid"])) == set(zip(two.risks["row"], two.risks["uid"]))
    three = check_subjects(store, subjects, hops=3)
    assert set(zip(two.links["row_a"], two.links["row_b"])) <= set(zip(three.links["row_a"], three.links["row_b"]))
