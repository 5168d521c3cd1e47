"""The credit report (信用报告, issue 19) of a planted shell-cluster member, printed to PDF by Chromium:
opened, its pages rendered to PNG and read back: Chinese text present, names masked, the relationship
picture embedded. The first page goes to docs/screenshots/report.png with CREDITGRAPH_SCREENSHOTS."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.test_app_pages import synth_graph
from tests.test_browser_e2e import ARTIFACTS, _require_browser

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser


def test_the_report_of_a_shell_member_is_a_readable_pdf_with_its_picture(tmp_path):
    _require_browser()
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from creditgraph.app.report import write_report
    from creditgraph.graph.embedded import EmbeddedStore

    g = synth_graph()
    member = g.truth["shell_clusters"][0]["members"][0]
    out = tmp_path / "report.pdf"
    with EmbeddedStore(g.db, read_only=True) as store:
        write_report(store, member, out, names_masked=True, version=store.version)
    pdf = pdfium.PdfDocument(str(out))
    assert len(pdf) >= 1
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for words in (g.names[member], "信用报告", "法定代表人", "处罚与失信记录", "关系图"):
        assert words in text, words
    hub = g.truth["shell_clusters"][0]["hub"]["name"]
    assert hub not in text and hub[0] + "*" in text  # the representative's name masked
    images = [obj for i in range(len(pdf)) for obj in pdf[i].get_objects() if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    assert images, "the relationship picture is missing"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "report.png"
    pdf[0].render(scale=1.5).to_pil().save(png)
    assert png.stat().st_size > 20_000  # a page with text, not a blank one
    extra = os.environ.get("CREDITGRAPH_SCREENSHOTS")
    if extra:
        folder = Path(extra) if Path(extra).is_absolute() else REPO / extra
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, folder / "report.png")


def test_the_command_line_writes_an_audited_report_and_refuses_an_unknown_party(tmp_path, monkeypatch):
    _require_browser()
    import json

    from typer.testing import CliRunner

    from creditgraph.app.cli import app

    g = synth_graph()
    member = g.truth["shell_clusters"][0]["members"][0]
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("CREDITGRAPH_CONFIG", raising=False)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", member, "--out", str(out), "--purpose", "贷前审查", "--db", str(g.db)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert g.names[member] in page and "data:image/png;base64," in page
    line = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()][-1]
    assert (line["event"], line["uid"], line["purpose"]) == ("report", member, "贷前审查")
    bad = CliRunner().invoke(app, ["report", "91330100NOSUCHCO01", "--out", str(tmp_path / "x.pdf"), "--db", str(g.db)])
    assert bad.exit_code == 1 and "91330100NOSUCHCO01" in bad.output and "Traceback" not in bad.output
