"""Graded supervision (queries/supervision.py): the inspection draw is reproducible, independent of row
order, exact per grade, filtered by region and industry; its workbook (parameters sheet, formulas
neutralised); `creditgraph draw` (the casework permission, audited)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from creditgraph.queries.grade import load_rules
from creditgraph.queries.supervision import inspection_draw, population, reasons_text

RATIOS = {"较差": 1.0, "中等": 0.2, "良好": 0.1, "优秀": 0.03}


@pytest.fixture
def grades() -> pd.DataFrame:
    """1,000 graded enterprises over two cities and two industries, and 30 ended ones."""
    rng = np.random.default_rng(0)
    n = 1030
    grade = rng.choice(["优秀", "良好", "中等", "较差"], size=n, p=[0.1, 0.6, 0.2, 0.1]).astype(object)
    grade[-30:] = "已终止"
    return pd.DataFrame({
        "uid": [f"91330{i:013d}" for i in range(n)], "name": [f"企业{i}" for i in range(n)],
        "region": rng.choice(["330106", "330203", "410105"], size=n),
        "industry": rng.choice(["批发业", "零售业", "建筑业"], size=n),
        "score": rng.uniform(30, 100, size=n).round(1), "grade": grade,
        "reasons": json.dumps([{"code": "B_AGE", "label": "成立年限", "points": 2, "detail": "成立于 2010-01-01"}],
                              ensure_ascii=False),
    })


def test_same_seed_same_draw_other_seed_other_draw(grades):
    a = inspection_draw(grades, RATIOS, seed=7)
    assert a.equals(inspection_draw(grades, RATIOS, seed=7))
    b = inspection_draw(grades, RATIOS, seed=8)
    assert len(a) == len(b) and set(a["uid"]) != set(b["uid"])
    assert list(a.columns) == ["grade", "uid", "name", "region", "industry", "score", "reasons", "stratum_size", "ratio"]


def test_the_draw_does_not_depend_on_row_order(grades):
    shuffled = grades.sample(frac=1.0, random_state=3)
    a = inspection_draw(grades, RATIOS, seed=11)
    b = inspection_draw(shuffled, dict(reversed(list(RATIOS.items()))), seed=11)
    assert a["uid"].tolist() == b["uid"].tolist()


def test_each_grade_draws_round_ratio_times_n(grades):
    d = inspection_draw(grades, RATIOS, seed=1)
    n = grades["grade"].value_counts()
    for g, r in RATIOS.items():
        assert (d["grade"] == g).sum() == round(r * n[g]) == d.attrs["strata"][g]["drawn"], g
        assert (d.loc[d["grade"] == g, "stratum_size"] == n[g]).all()
    assert (d.loc[d["grade"] == "较差", "uid"].sort_values().tolist()
            == grades.loc[grades["grade"] == "较差", "uid"].sort_values().tolist())  # ratio 1: every one
    assert "已终止" not in set(d["grade"]) and d["uid"].is_unique
    assert d.attrs["population"] == 1000 and d.attrs["seed"] == 1
    assert inspection_draw(grades, {"良好": 0.0}, seed=1).empty


def test_region_prefix_and_industry_filter_the_population(grades):
    d = inspection_draw(grades, {"良好": 0.5, "较差": 1.0}, seed=3, region="3301", industry="批发")
    assert len(d) and d["region"].str.startswith("3301").all() and d["industry"].str.contains("批发").all()
    pop = population(grades, {"良好": 0.5, "较差": 1.0}, region="3301", industry="批发")
    assert d.attrs["population"] == len(pop)
    assert (d["grade"] == "较差").sum() == (pop["grade"] == "较差").sum()


def test_ratios_are_checked(grades):
    with pytest.raises(ValueError, match="较差"):
        inspection_draw(grades, {"较差": 2}, seed=1)
    with pytest.raises(ValueError, match="中等"):
        inspection_draw(grades, {"中等": "many"}, seed=1)


def test_default_ratios_come_from_the_rules():
    assert load_rules().ratios == RATIOS


def test_the_workbook_has_a_parameters_sheet_and_runs_no_formula(grades, tmp_path):
    import openpyxl

    from creditgraph.queries.supervision import export_draw

    g = grades.copy()
    g.loc[g["grade"] == "较差", "name"] = "=HYPERLINK(\"http://x\",\"点我\")"
    d = inspection_draw(g, RATIOS, seed=7, region="33")
    out = export_draw(d, tmp_path / "draw.xlsx", graph_version="v000003", as_of="2026-11-01")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "结果" and "参数" in wb.sheetnames
    rows = list(wb["结果"].iter_rows(values_only=True))
    header = list(rows[0])
    assert "信用等级 Grade" in header and "评价依据 Reasons" in header and len(rows) - 1 == len(d)
    names = [r[header.index("名称 Name")] for r in rows[1:]]
    assert all(not str(n).startswith("=") for n in names) and any(str(n).startswith("'=") for n in names)
    assert "B_AGE 成立年限 +2：成立于 2010-01-01" in {r[header.index("评价依据 Reasons")] for r in rows[1:]}
    params = {r[3]: r[2] for r in wb["参数"].iter_rows(values_only=True)}
    assert params["seed"] == 7 and params["graph_version"] == "v000003" and params["as_of"] == "2026-11-01"
    assert "较差=1" in params["ratios"] and "中等=0.2" in params["ratios"]
    assert params["region"] == "33" and str(params["population"]) == str(d.attrs["population"])


def test_reasons_text_reads_as_lines():
    text = json.dumps([{"code": "P_SI", "label": "列入严重违法失信名单", "points": -35, "detail": "SI:1（2023-01-01）"},
                       {"code": "R_RED", "label": "列入红名单(守信激励)", "points": 8, "detail": "RL:1"}], ensure_ascii=False)
    assert reasons_text(text) == "P_SI 列入严重违法失信名单 -35：SI:1（2023-01-01）\nR_RED 列入红名单(守信激励) +8：RL:1"


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def graded_graph(tmp_path, monkeypatch):
    """A small graph on disk with its grades saved, and the command line's environment (local mode)."""
    import dataclasses

    from creditgraph.app.grades import compute_and_save
    from creditgraph.graph.config import load_settings
    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.queries.testing import load

    nodes = [("Enterprise", f"E{i}", {"name": f"企业{i}", "region": "330106" if i % 2 else "410105",
                                      "industry": "批发业", "founded": "2015-01-01"}) for i in range(20)]
    nodes += [("PenaltyEvent", f"SI:{i}", {"kind": "serious_illegal", "status": "active", "decided": "2023-01-01"})
              for i in range(4)]
    with EmbeddedStore(tmp_path / "g") as s:
        load(s, nodes, [("PENALIZED", f"E{i}", f"SI:{i}") for i in range(4)])
        settings = dataclasses.replace(load_settings(), store="embedded", db_path=tmp_path / "g")
        compute_and_save(settings, s)
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    monkeypatch.delenv("CREDITGRAPH_STORE", raising=False)
    return tmp_path / "g"


def test_the_draw_command_writes_an_audited_workbook(graded_graph, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    out = tmp_path / "draw.xlsx"
    args = ["draw", "--ratio", "较差=1", "--ratio", "良好=0.5", "--region", "3301", "--industry", "批发", "--seed", "7",
            "--out", str(out), "--db", str(graded_graph)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "seed 7" in res.output and "较差 2/2" in res.output and out.exists()
    first = out.read_bytes()
    assert CliRunner().invoke(app, args).exit_code == 0
    import openpyxl

    rows = [list(r) for r in openpyxl.load_workbook(out)["结果"].iter_rows(values_only=True)]
    assert len(rows) - 1 == 2 + round(0.5 * 8) and first  # 较差 E1, E3; half of the other 8 in 3301
    audit = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    last = [a for a in audit if a["event"] == "draw"][-1]
    assert last["seed"] == 7 and last["rows"] == 6 and last["region"] == "3301" and last["sha256"]


def test_the_draw_needs_the_casework_permission(graded_graph, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "investigator")
    out = tmp_path / "draw.xlsx"
    res = CliRunner().invoke(app, ["draw", "--seed", "1", "--out", str(out), "--db", str(graded_graph)])
    assert res.exit_code == 77 and not out.exists()
    res = CliRunner().invoke(app, ["draw", "--ratio", "较差", "--db", str(graded_graph)],
                             env={"CREDITGRAPH_LOCAL_ROLE": "admin"})
    assert res.exit_code == 2 and "GRADE=SHARE" in res.output
