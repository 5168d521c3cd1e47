"""``creditgraph api --workers N`` takes its profile worker processes with it when it stops: stopped with
SIGTERM (as a service manager or ``docker stop`` does), its workers had been left running, each holding
the graph open (found after the API benchmark: three orphans, parent pid 1)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from creditgraph.app.api_keys import add_key
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.testing import load
from tests.test_api import api_world
from tests.worlds import E1


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(x) for x in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_stopping_the_api_stops_its_profile_workers(tmp_path):
    root = tmp_path / "graph"
    with EmbeddedStore(root) as store:
        load(store, *api_world())
    config = tmp_path / "creditgraph.toml"
    key = add_key(config, "tender", "investigator", 10_000)[1]
    env = {**os.environ, "CREDITGRAPH_CONFIG": str(config), "CREDITGRAPH_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "creditgraph.app.cli", "api", "--host", "127.0.0.1", "--port",
                               str(port), "--db", str(root), "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/profile/{E1}", headers={"X-API-Key": key})
                with urllib.request.urlopen(req, timeout=30) as r:
                    assert r.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the API did not answer within 60 s"
                time.sleep(0.3)
        workers = _children(server.pid)
        assert workers, "the profile was made in a worker process"
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in workers if _alive(p)]
    finally:
        if server.poll() is None:
            server.kill()
