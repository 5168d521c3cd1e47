"""End to end in a real browser: `creditgraph serve` on a synthetic graph, driven by Playwright
with Debian's chromium (headless, no sandbox). Search a planted shell company, open its graph
(the pyvis canvas must render), run a risk list, export it, and check that the browser never
asked anything of a host other than the local server (the app must work on an intranet).

Screenshots go to tests/artifacts/ (ignored by git); with CREDITGRAPH_SCREENSHOTS=docs/screenshots
also to docs/screenshots/graph-explorer.png and risk-list.png for the README.

Skipped when /usr/bin/chromium is missing, unless CREDITGRAPH_REQUIRE_BROWSER=1 (then it fails).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from creditgraph.graph.model import MODEL
from tests.test_app_pages import synth_graph

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the Python package playwright is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("CREDITGRAPH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CREDITGRAPH_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"creditgraph serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not come up within {timeout:.0f} s")


@pytest.fixture(scope="module")
def server():
    _require_browser()
    g = synth_graph()
    port = _free_port()
    env = {**os.environ, "CREDITGRAPH_DB": str(g.db), "PYTHONPATH": str(REPO)}
    env.pop("CREDITGRAPH_STORE", None)
    proc = subprocess.Popen([sys.executable, "-m", "creditgraph.app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, g
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    extra = os.environ.get("CREDITGRAPH_SCREENSHOTS")
    if extra:
        folder = Path(extra) if Path(extra).is_absolute() else REPO / extra
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / name)


def _wait_idle(page, timeout: float = 30_000) -> None:
    """Until Streamlit has finished the script run (no 'running' status widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def test_search_graph_risk_list_and_export_offline(server):
    from playwright.sync_api import expect, sync_playwright

    url, g = server
    cluster = g.truth["shell_clusters"][0]
    uscc = cluster["members"][0]
    name = g.names[uscc]
    requests: list[str] = []
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True, locale="zh-CN")
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.set_default_timeout(30_000)

            # search
            page.goto(url)
            box = page.get_by_label("关键词 Query")
            box.fill(name[2:-4])
            box.press("Enter")
            _wait_idle(page)
            expect(page.get_by_text("找到", exact=False).first).to_be_visible()
            choose = page.get_by_label("选择主体 Choose a party")
            expect(choose).to_be_visible()
            _shot(page, "search.png")

            # graph explorer of the planted shell company (chosen first: the best match)
            page.get_by_role("button", name="查看关系图谱 Open graph").click()
            expect(page.get_by_role("heading", name="关系图谱 Graph explorer")).to_be_visible()
            frame_el = page.locator("iframe").first
            expect(frame_el).to_be_visible()
            frame = frame_el.content_frame
            expect(frame.locator("canvas").first).to_be_visible()
            frame.locator("canvas").first.wait_for()
            page.wait_for_function(
                "() => { const f = document.querySelector('iframe'); const w = f && f.contentWindow;"
                " return w && w.network && w.network.body && Object.keys(w.network.body.nodes).length > 1; }")
            n_nodes = page.evaluate("() => Object.keys(document.querySelector('iframe').contentWindow.network.body.nodes).length")
            assert n_nodes >= len(cluster["members"]) // 2
            centre = page.evaluate("() => document.querySelector('iframe').contentWindow.network.body.data.nodes.get()"
                                   ".map(n => n.id)")
            assert uscc in centre
            page.wait_for_timeout(1500)  # let the layout settle for the screenshot
            _shot(page, "graph-explorer.png")

            # risk list: shell-company candidates, run, export
            page.get_by_role("link", name="风险名单 Risk lists").click()
            expect(page.get_by_role("heading", name="风险名单 Risk lists")).to_be_visible()
            page.get_by_role("button", name="运行 Run").click()
            _wait_idle(page, 60_000)
            expect(page.get_by_text("筛选后", exact=False)).to_be_visible()
            page.get_by_role("button", name="生成导出文件 Prepare export (CSV + XLSX)").click()
            _wait_idle(page, 60_000)
            dl_button = page.get_by_role("button", name="下载 CSV Download CSV")
            expect(dl_button).to_be_visible()
            with page.expect_download() as info:
                dl_button.click()
            path = ARTIFACTS / "risk-list-export.csv"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            info.value.save_as(str(path))
            page.evaluate("() => window.scrollTo(0, 0)")
            _shot(page, "risk-list.png")
        finally:
            browser.close()

    exported = pd.read_csv(path, dtype=str, keep_default_na=False)
    text = exported.to_string()
    for member in cluster["members"]:
        assert member in text, f"planted shell company {member} missing from the export"
    outside = sorted({urlparse(u).hostname for u in requests
                      if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname not in LOCAL_HOSTS})
    assert outside == [], f"the browser asked hosts other than the local server: {outside}: " + str([u for u in requests if urlparse(u).hostname in outside][:5])
    assert len(requests) > 10
    assert time.monotonic() - t0 < 90


# --- what a newcomer stumbled on (issue 17) ------------------------------------------------------------

LIST_OPTIONS = {  # the risk page's list picker: option text per analysis list
    "shell": "空壳公司嫌疑 Shell-company candidates",
    "repeat_enterprise": "屡次失信企业 Repeat offenders (enterprises)",
    "repeat_person": "屡次失信自然人 Repeat offenders (people)",
    "phoenix": "金蝉脱壳 Phoenix cases",
    "cross_region": "跨区域联合惩戒关联 Cross-region links",
    "name_hubs": "同名集中任职 Name hubs (name-only people)",
}
# internal names a user must not meet: snake_case fields, relationship types, Python reprs, midnight times,
# Streamlit's English placeholders
INTERNAL = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]+(?:_[A-Z]+)+\b|\bNone\b|\bnan\b|\bNaT\b|\d 00:00:00|\{'"
                      r"|Choose options|Choose an option")
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
GRAPH_DATA = """() => { const n = document.querySelector('iframe').contentWindow.network.body.data;
  return {nodes: n.nodes.get().map(x => x.id), edges: n.edges.get().map(e => [e.from, e.title.split(' ')[0], e.to])}; }"""


GRIDS_DRAWN = """() => Array.from(document.querySelectorAll('[data-testid=stDataFrame]'))
  .filter(e => e.offsetParent !== null && !e.closest('details:not([open])'))
  .every(e => (e.textContent || '').length > 0)"""


def _wait_grids(page) -> None:
    """Until every visible table has drawn its accessible grid (it lags the script run)."""
    _wait_idle(page, 60_000)
    page.wait_for_function(GRIDS_DRAWN, timeout=30_000)


def busiest_legal_rep(db) -> tuple[str, int]:
    """The person heading the most companies today (roles valid today: the profile's current roles, docs/time.md),
    read from the graph: (uid, companies)."""
    import datetime as dt

    from creditgraph.graph.embedded import EmbeddedStore
    from creditgraph.queries._base import valid_on

    with EmbeddedStore(db, read_only=True) as s:
        roles = s.scan("MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise) RETURN p.uid AS uid, e.uid AS e, "
                       "r.valid_from AS valid_from, r.valid_to AS valid_to")
    roles = roles[valid_on(roles["valid_from"], roles["valid_to"], dt.date.today())]
    top = roles.groupby("uid")["e"].nunique().reset_index(name="n").sort_values(["n", "uid"], ascending=[False, True])
    return str(top["uid"].iloc[0]), int(top["n"].iloc[0])


def _page(p, width: int = 1440):
    browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": width, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(30_000)
    return browser, page


def _choose(page, box: str, option: str | None = None, index: int | None = None) -> None:
    page.get_by_role("heading", level=1).first.click()  # blur first: a re-created picker that kept the focus
    page.get_by_role("combobox", name=box).click()     # does not open on a click
    opts = page.get_by_role("option")
    opts.first.wait_for()
    (opts.get_by_text(option, exact=True) if option else opts.nth(index or 0)).first.click()
    _wait_idle(page, 60_000)


def _run_list(page, which: str) -> None:
    _choose(page, "名单 List", LIST_OPTIONS[which])
    page.get_by_role("button", name="运行 Run").click()
    _wait_idle(page, 60_000)
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=stMain] strong", has_text=LIST_OPTIONS[which])).to_be_visible(timeout=60_000)


def _select_table_row(page, pos: int) -> None:
    """Click the selection box of row ``pos`` of the risk table (the grid draws on a canvas)."""
    grid = page.locator("[class*=st-key-risk_table_] [data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    row_h = 35  # Streamlit's grid: a 35 px header, then 35 px rows
    page.mouse.click(box["x"] + 18, box["y"] + row_h * (pos + 1) + row_h / 2)
    _wait_idle(page, 60_000)


def _evidence_row(page, row: int) -> tuple[str, str]:
    """The evidence label and text once the label names row ``row`` (the rerun may still be going)."""
    from playwright.sync_api import expect

    box = page.locator("[class*=st-key-risk_evidence_row]").first
    expect(box).to_have_text(re.compile(rf"^\s*#{row} "), timeout=60_000)
    _wait_idle(page, 60_000)
    return (box.text_content() or "").strip(), page.get_by_test_id("stCode").first.text_content() or ""


def test_the_evidence_label_follows_the_list_switched_to(server):
    """Select a later row of one list, switch lists: the evidence label is a row of the new list and the
    evidence below is that row's (the bug showed the old list's row above the new evidence); selecting a
    row then shows that row's label and evidence."""
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _page(p)
        try:
            page.goto(f"{url}/risk")
            _run_list(page, "shell")
            for which in ("repeat_person", "phoenix", "cross_region"):
                _select_table_row(page, 2)
                before, _ = _evidence_row(page, 2)  # waits for the label of the row selected
                _run_list(page, which)
                label, evidence = _evidence_row(page, 0)  # the new list's first row, not the old list's third
                name = label.split(" · ")[1]
                assert name and name in evidence, (which, before, label, evidence[:300])
                _select_table_row(page, 1)
                label, evidence = _evidence_row(page, 1)
                assert label.split(" · ")[1] in evidence, (which, label, evidence[:300])
        finally:
            browser.close()


def test_the_graph_explorer_draws_every_link_among_its_nodes(server):
    """Around a planted shell company: every stored relationship between two drawn nodes is drawn (the
    graph read directly), the shared phone has a line to every drawn cluster member, and there are more
    lines than a tree could have."""
    from playwright.sync_api import sync_playwright

    from creditgraph.graph.embedded import EmbeddedStore

    url, g = server
    members = set(g.truth["shell_clusters"][0]["members"])
    with sync_playwright() as p:
        browser, page = _page(p)
        try:
            page.goto(f"{url}/graph?uid={sorted(members)[0]}")
            page.wait_for_function(
                "() => { const f = document.querySelector('iframe'); const w = f && f.contentWindow;"
                " return w && w.network && w.network.body && Object.keys(w.network.body.nodes).length > 1; }")
            data = page.evaluate(GRAPH_DATA)
        finally:
            browser.close()
    nodes = set(data["nodes"])
    zh = {r.label_zh: t for t, r in MODEL.rels.items()}
    drawn = {(a, zh[t], b) for a, t, b in data["edges"]}
    with EmbeddedStore(g.db, read_only=True) as s:  # phones and e-mails are drawn pseudonymised: compared apart
        stored = s.scan("MATCH (a)-[r]->(b) WHERE a.uid IN $u AND b.uid IN $u RETURN a.uid AS a, label(r) AS t, b.uid AS b",
                        {"u": sorted(nodes)})
    want = set(zip(stored["a"], stored["t"], stored["b"]))
    assert {e for e in drawn if e[1] not in ("HAS_PHONE", "HAS_EMAIL")} == want
    shown_members = members & nodes
    assert len(shown_members) >= 5 and len(drawn) > len(nodes) - 1  # more lines than a tree could have
    reps = [b for a, t, b in drawn if t == "LEGAL_REP" and b in shown_members]
    assert len(reps) >= len(shown_members) - 1  # members reached through the phone still show their representative
    phones = [b for a, t, b in drawn if t == "HAS_PHONE" and a in shown_members]
    assert phones and max(phones.count(x) for x in set(phones)) == len(shown_members)  # the shared phone: every member


def test_no_internal_name_or_emoji_on_any_page(server):
    """Every page's visible text (tables included: their accessible grid) as an investigator meets it."""
    from playwright.sync_api import sync_playwright

    url, g = server
    member = g.truth["shell_clusters"][0]["members"][0]
    person = busiest_legal_rep(g.db)[0]
    found: dict[str, list[str]] = {}

    def check(where: str) -> None:
        _wait_grids(page)
        text = page.locator("[data-testid=stMain]").text_content() or ""
        text += page.locator("[data-testid=stSidebar]").text_content() or ""
        bad = sorted(set(INTERNAL.findall(text)) | set(EMOJI.findall(text)))
        if bad:
            found[where] = bad
        assert len(text) > 100, where

    with sync_playwright() as p:
        browser, page = _page(p, width=3000)  # wide: the grids render every column
        try:
            for path in ("/", f"/profile?uid={member}", f"/profile?uid={person}", f"/graph?uid={member}",
                         f"/paths?uid={member}", "/check", "/alerts"):
                page.goto(url + path)
                page.wait_for_timeout(1500)
                check(path)
                for tab in page.get_by_role("tab").all():
                    tab.click()
                    check(f"{path} tab {tab.text_content()}")
                for summary in page.locator("[data-testid=stExpander] summary").all():
                    summary.click()
                    check(f"{path} expander {summary.text_content()}")
            page.goto(f"{url}/risk")
            page.wait_for_timeout(1500)
            for which in LIST_OPTIONS:
                _run_list(page, which)
                check(which)
                main = page.locator("[data-testid=stMain]")
                # every evidence graph has its legend; a list without penalty kinds says why it offers no such filter
                if main.locator("iframe").count():
                    assert main.get_by_text("有效处罚的主体 party with active penalties").count() >= 1, which
                if not page.get_by_text("处罚类别 Penalty kind", exact=True).count():
                    assert main.get_by_text("因此不提供这些筛选", exact=False).count() == 1, which
            _select_table_row(page, 0)
            check("risk evidence")
        finally:
            browser.close()
    assert not found, found


def test_the_profile_counts_agree(server):
    """The person heading the most companies (read from the graph): the profile's 关联方 Related parties
    counts at least those companies, as its legal-representative signal does (a person heading ten
    companies showed "Related parties 0")."""
    from playwright.sync_api import expect, sync_playwright

    url, g = server
    uid, heads = busiest_legal_rep(g.db)
    assert heads >= 2
    with sync_playwright() as p:
        browser, page = _page(p, width=3000)
        try:
            page.goto(f"{url}/profile?uid={uid}")
            _wait_idle(page, 60_000)
            expect(page.get_by_test_id("stDataFrame").first).to_contain_text("信号 Signal", timeout=30_000)
            metric = page.get_by_test_id("stMetric").filter(has_text="关联方 Related parties")
            related = int((metric.get_by_test_id("stMetricValue").text_content() or "").strip())
            text = page.get_by_test_id("stDataFrame").first.text_content() or ""
        finally:
            browser.close()
    assert f"担任法定代表人 legal representative{heads} 家" in text, text[:1000]
    assert related >= heads
