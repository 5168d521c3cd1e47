"""Every hostile string through the real ``creditgraph`` command line (typer's CliRunner on ``app.cli:app``).

A tiny graph is loaded from a hand-written extract whose enterprise names are
spreadsheet formulas. Each hostile string goes in as an analysis parameter value
(``analyze NAME -p key=VALUE``) and some as a parameter name; every call must
exit 0, or 1 / 2 with a short message and no Python traceback or engine error
text; the graph must be exactly as before (counts and a hash of a full dump).
Exports of the formula names (``--out x.csv`` / ``x.xlsx``) must be neutralised.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from creditgraph.app.cli import app
from tests.hostile_strings import FORMULAS, HOSTILE
from tests.test_export_injection import is_live
from tests.test_injection import ENGINE_WORDS, fingerprint

runner = CliRunner()
BAD_WORDS = (*ENGINE_WORDS, "Error:\n", 'File "', "line ")


def uscc(i: int) -> str:
    from creditgraph.graph.identifiers import make_uscc

    return make_uscc(f"91330100MA2C{i:05d}")


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    """A loaded graph: one person, legal representative of one company per formula name; a penalty each."""
    from creditgraph.graph.identifiers import make_resident_id
    from creditgraph.etl.pipeline import run_load
    from creditgraph.graph.config import load_settings

    root = tmp_path_factory.mktemp("hostile_cli")
    src = root / "src"
    src.mkdir()
    person_id = make_resident_id("33050319800101123")

    def table(name: str, header: list[str], rows: list[list[str]]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
        (src / name).write_text(buf.getvalue(), encoding="utf-8", newline="")

    names = ["湖州正常贸易有限公司", *FORMULAS]
    table("enterprises.csv", ["uscc", "name", "kind", "status", "founded", "capital", "address", "region", "updated_at"],
          [[uscc(i), n, "有限责任公司", "存续", "2019-02-01", "10", f"浙江省湖州市某路{i}号", "330503", "2024-01-01"]
           for i, n in enumerate(names)])
    table("legal_reps.csv", ["enterprise_uscc", "person_name", "id_no", "position", "updated_at"],
          [[uscc(i), "=1+2", person_id, "@SUM(1+1)", "2024-01-01"] for i in range(len(names))])
    table("penalties.csv", ["kind", "record_id", "subject_uscc", "decided", "reason", "authority", "updated_at"],
          [["行政处罚", f"AP{i:03d}", uscc(i), "2023-05-01", "-2+3+cmd|' /C calc'!A0", "湖州市市场监督管理局", "2024-01-01"]
           for i in range(len(names))])
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=root / "g", id_key="test-key")
    rep = run_load(src, "canonical", settings)
    assert rep.tables["enterprises"]["loaded"] >= len(FORMULAS) // 2, rep.tables
    return root


@pytest.fixture
def env(graph, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_DB", str(graph / "g"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(graph / "audit.jsonl"))
    monkeypatch.setenv("CREDITGRAPH_ID_KEY", "test-key")
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "supervisor")
    return graph


def graph_fingerprint(root) -> tuple[dict, str]:
    from creditgraph.graph.embedded import EmbeddedStore

    store = EmbeddedStore(root / "g", read_only=True)
    try:
        return fingerprint(store)
    finally:
        store.close()


def commands(text: str, i: int) -> list[list[str]]:
    """The CLI calls for one hostile string: always as a centre uid, and in turn as one other parameter."""
    u = uscc(0)
    others = [
        ["analyze", "paths", "-p", f"a={text}", "-p", f"b={u}"],
        ["analyze", "paths", "-p", f"a={u}", "-p", f"b={text}", "-p", "all_paths=true"],
        ["analyze", "equity_penetration", "-p", f"uid={text}"],
        ["analyze", "controlled_by", "-p", f"uid={text}"],
        ["analyze", "suspected_relations", "-p", f"uid={text}"],
        ["analyze", "repeat_offenders", "-p", f"level={text}"],
        ["analyze", "neighborhood", "-p", f"uid={u}", "-p", f"rel_types={text}"],
        ["analyze", "neighborhood", "-p", f"uid={u}", "-p", f"hops={text}"],
        ["analyze", "cross_region_links", "-p", f"kinds={text}"],
        ["analyze", "shell_company_candidates", "-p", f"weights={text}"],
        ["analyze", "risk_propagation", "-p", f"alpha={text}"],
        ["analyze", "neighborhood", "-p", f"{text}=1", "-p", f"uid={u}"],
        ["analyze", text],
    ]
    return [["analyze", "neighborhood", "-p", f"uid={text}"], others[i % len(others)]]


def assert_clean(args: list[str], res) -> None:
    """Exit 0, or 1 / 2 with a short message; never a traceback or engine text."""
    shown = f"{[a[:60] for a in args]!r}: exit {res.exit_code}\n{res.output[:500]}"
    assert res.exit_code in (0, 1, 2), shown
    assert res.exception is None or isinstance(res.exception, SystemExit), (shown, repr(res.exception))
    assert not any(w in res.output for w in BAD_WORDS), shown
    if res.exit_code:
        message = res.stderr.strip() if res.stderr else res.output.strip()
        usage_error = res.exit_code == 2 and message.startswith("Usage:")  # click's own: an argument it cannot parse
        # one message (rich wraps it at the console's width, so it may span a few lines)
        assert usage_error or (message.startswith("error:") and message.count("error:") == 1), shown
        assert len(message) < 2000, f"{len(message):,} characters of error message"


CHUNKS = 4
SLICES = [HOSTILE[k::CHUNKS] for k in range(CHUNKS)]


def test_at_least_100_hostile_strings_are_used():
    assert sum(len(s) for s in SLICES) == len(HOSTILE) >= 100


@pytest.fixture(scope="module")
def before(graph):
    return graph_fingerprint(graph)


@pytest.mark.parametrize("k", range(CHUNKS), ids=lambda k: f"slice{k}")
def test_hostile_parameters_fail_cleanly_and_change_nothing(env, before, k):
    for i, text in enumerate(SLICES[k]):
        for args in commands(text, i * CHUNKS + k):
            assert_clean(args, runner.invoke(app, args))
    assert graph_fingerprint(env) == before


def test_exports_of_formula_names_are_neutralised(env):
    names = set(FORMULAS)
    for suffix in ("csv", "xlsx"):
        out = env / f"n.{suffix}"
        res = runner.invoke(app, ["analyze", "neighborhood", "-p", f"uid={uscc(0)}", "-p", "hops=2", "--out", str(out)])
        assert res.exit_code == 0, res.output
        if suffix == "csv":
            with out.open(encoding="utf-8-sig", newline="") as f:
                cells = list(itertools.chain.from_iterable(csv.reader(f)))
        else:
            with zipfile.ZipFile(out) as z:
                for n in z.namelist():
                    if n.startswith("xl/worksheets/"):
                        assert "<f>" not in z.read(n).decode("utf-8"), n
            wb = openpyxl.load_workbook(out)
            cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            cells = [c.replace("_x000D_", "\r") for c in cells]
        quoted = {c[1:] for c in cells if c.startswith("'")}
        assert len(quoted & names) >= len(FORMULAS) // 2, sorted(quoted)  # the loaded formula names, quoted
        for c in cells:
            assert not is_live(c), (suffix, repr(c))
