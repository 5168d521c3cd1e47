"""`as_of` on the way out (docs/time.md): exports record the day an analysis looked at, the credit report
lists former representatives and shareholders with their periods, and `creditgraph analyze --as-of` /
`--attribution` pass the day and the attribution on, refusing bad ones with exit 2."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from creditgraph.queries.export import export
from creditgraph.queries.result import finish
from creditgraph.queries.testing import toy_store
from tests.test_profile_history import E1, E3, NODES, RELS

runner = CliRunner()


@pytest.fixture(autouse=True)
def default_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("CREDITGRAPH_EXPORT_PERSON_NAMES", raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "no-such-config.toml"))


def _result():
    table = pd.DataFrame({"uid": ["E1"], "name": ["甲科技有限公司"]})
    return finish("phoenix_cases", {"window_days": 365, "as_of": "2021-06-01", "attribution": "current"}, table, {})


# --- exports ------------------------------------------------------------------------------------------------


def test_the_workbook_csv_and_json_record_the_day(tmp_path):
    r = _result()
    wb = openpyxl.load_workbook(export(r, tmp_path / "r.xlsx", evidence=False))
    params = {row[3]: row for row in ([c.value for c in row] for row in wb["参数"].iter_rows()) if row[3]}
    assert params["as_of"][:3] == ["分析 Analysis", "截至日期 As of (roles and holdings valid that day)", "2021-06-01"]
    assert params["attribution"][2] == "按当前在任 in office on the as-of date"
    assert [row[3] for row in ([c.value for c in row] for row in wb["参数"].iter_rows())].count("as_of") == 1
    csv = pd.read_csv(export(r, tmp_path / "r.csv", evidence=False), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(csv.columns)[-1] == "截至日期 As of" and csv["截至日期 As of"].tolist() == ["2021-06-01"]
    doc = json.loads(export(r, tmp_path / "r.json", evidence=False).read_text(encoding="utf-8"))
    assert doc["as_of"] == "2021-06-01" and doc["params"]["as_of"] == "2021-06-01"


def test_an_analysis_without_a_day_adds_nothing(tmp_path):
    r = finish("risk_groups", {"min_size": 3}, pd.DataFrame({"uid": ["E1"]}), {})
    csv = pd.read_csv(export(r, tmp_path / "g.csv", evidence=False), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "截至日期 As of" not in csv.columns
    sheet = openpyxl.load_workbook(export(r, tmp_path / "g.xlsx", evidence=False))["参数"]
    assert "as_of" not in [row[3].value for row in sheet.iter_rows()]
    assert json.loads(export(r, tmp_path / "g.json", evidence=False).read_text(encoding="utf-8"))["as_of"] is None


# --- the credit report --------------------------------------------------------------------------------------


@pytest.fixture
def toy(tmp_path):
    s = toy_store(NODES, RELS, root=tmp_path)
    yield s
    s.close()


def test_the_report_lists_former_representatives_and_shareholders_with_periods(toy):
    from creditgraph.app.report import report_html

    page = report_html(toy, E1, None, names_masked=True, as_of="2023-01-01")
    for words in ("历任法定代表人 Former legal representatives", "2018-01-01 – 2022-03-01", "法定代表人变更",
                  "历任股东 Former shareholders", "2019-03-01 – 2021-06-01", "股权变更退出",
                  "2019-03-01 0%→30%; 2021-06-01 30%→0%", "截至 as of 2023-01-01"):
        assert words in page, words
    assert "张三" not in page and "王五" not in page and "张*" in page  # former people's names masked too
    person = report_html(toy, "ID:1", None, names_masked=True, as_of="2023-01-01")
    assert "曾任法定代表人 Former legal representative of" in person and "甲科技有限公司" in person
    before = report_html(toy, E1, None, names_masked=True, as_of="2020-01-01")
    assert "2018-01-01 – 2022-03-01" not in before  # 张三 was still in office


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    toy_store(NODES, RELS, root=tmp_path).close()
    monkeypatch.setenv("CREDITGRAPH_DB", str(tmp_path / "graph"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    return tmp_path


def test_analyze_as_of_looks_at_that_day_and_records_it(cli_env):
    from creditgraph.app.cli import app

    def people(day: str) -> set[str]:
        out = cli_env / f"n-{day}.csv"
        res = runner.invoke(app, ["analyze", "neighborhood", "-p", f"uid={E1}", "-p", "hops=1", "--as-of", day,
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert set(rows["截至日期 As of"]) == {day}
        return {u for u in rows["主键 uid"] if u.startswith("ID:")}

    assert people("2020-01-01") == {"ID:1", "ID:3"}  # 张三 in office, 王五 a shareholder
    assert people("2023-01-01") == {"ID:2"}  # 李四 took over; 王五 sold out
    events = [json.loads(line) for line in (cli_env / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e for e in events if e["event"] == "export"][-1]["params"]["as_of"] == "2023-01-01"


@pytest.mark.parametrize("args, message", [
    (["neighborhood", "-p", f"uid={E1}", "--as-of", "2023-02-30"], "is not a date"),
    (["neighborhood", "-p", f"uid={E1}", "--as-of", "yesterday"], "YYYY-MM-DD"),
    (["neighborhood", "-p", f"uid={E1}", "--as-of", "31.12.2023"], "is not a date"),
    (["neighborhood", "-p", f"uid={E1}", "-p", "as_of=2023-13-01"], "is not a date"),
    (["neighborhood", "-p", f"uid={E1}", "-p", "as_of=2023-01-01", "--as-of", "2023-01-01"], "not both"),
    (["repeat_offenders", "-p", "level=person", "--attribution", "whoever"], "decision, current"),
    (["neighborhood", "-p", f"uid={E1}", "--attribution", "current"], "takes no --attribution"),
])
def test_bad_days_and_attributions_exit_2(cli_env, args, message):
    from creditgraph.app.cli import app

    res = runner.invoke(app, ["analyze", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_analyze_attribution_reaches_the_analysis(cli_env):
    from creditgraph.app.cli import app

    out = cli_env / "ro.json"
    res = runner.invoke(app, ["analyze", "repeat_offenders", "-p", "level=person", "-p", "min_enterprises=1",
                              "--attribution", "current", "--as-of", "2023-01-01", "--out", str(out)])
    assert res.exit_code == 0, res.output
    params = json.loads(out.read_text(encoding="utf-8"))["params"]
    assert params["attribution"] == "current" and params["as_of"] == "2023-01-01"


def test_the_report_command_refuses_a_bad_day(cli_env):
    from creditgraph.app.cli import app

    res = runner.invoke(app, ["report", E3, "--out", str(cli_env / "r.html"), "--as-of", "2023/01/01"])
    assert res.exit_code == 2 and "is not a date" in res.output
    assert not (cli_env / "r.html").exists()


def test_today_is_the_default_day(tmp_path):
    r = finish("neighborhood", {"as_of": None}, pd.DataFrame({"uid": ["E1"]}), {})
    csv = pd.read_csv(export(r, tmp_path / "n.csv", evidence=False), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert csv["截至日期 As of"].tolist() == [dt.date.today().isoformat()]
