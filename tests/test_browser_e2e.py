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
