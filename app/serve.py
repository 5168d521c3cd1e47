"""Start the Streamlit app, and the demo: synthetic data generated, loaded, served.

The server's settings go on the ``streamlit run`` command line, so they hold
whatever the working folder (no ``.streamlit/config.toml`` needed):
headless, usage statistics off (nothing is sent anywhere), the address and
port asked for, no file watcher, no error details in the browser (tracebacks
and server paths go to the server's log only), a byte budget for
``st.cache_data``. Uvicorn is told to trust no ``X-Forwarded-For`` header
(``FORWARDED_ALLOW_IPS=""``), so the app sees the real TCP peer and can tell a
trusted proxy from anybody else. In trusted-header mode the server refuses to
listen beyond loopback unless ``[auth] trusted_proxies`` names the proxies.

Example
-------
>>> cmd = streamlit_command(port=8600, host="127.0.0.1")
>>> cmd[1:4] == ["-m", "streamlit", "run"], "--browser.gatherUsageStats=false" in cmd, "--server.port=8600" in cmd
(True, True, True)
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

APP = Path(__file__).resolve().parent / "streamlit_app.py"
ROOT = APP.parent.parent
DEMO_SRC = Path("data") / "demo-src"

#: Server options passed as flags (and mirrored as STREAMLIT_* environment variables).
SERVER_OPTIONS = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "client.toolbarMode": "viewer",
    # "none": a generic message in the browser; the type, message and traceback go to the server's log.
    # (Not "false": Streamlit reads that as "stacktrace", which still sends the traceback.)
    "client.showErrorDetails": "none",
    "global.developmentMode": "false",
    "server.enableAgentApi": "false",  # no non-browser API driving the app
    "server.maxCacheDataSize": "512mb",  # LRU budget over every st.cache_data entry (serialized bytes)
}
#: Exit status when serving is refused because of the configuration (EX_CONFIG).
EXIT_REFUSED = 78


class ServeRefused(RuntimeError):
    """The configuration makes serving on that address unsafe (the message says why, in one line)."""


def listen_refusal(cfg, host: str) -> str | None:
    """Why the app must not listen on ``host`` with this :class:`app.auth.AuthConfig` (None: fine)."""
    from creditgraph.app.auth import is_loopback_host

    if cfg.mode == "header" and not is_loopback_host(host) and not cfg.trusted_proxies_set:
        return (f"header sign-in ([auth] trusted_header = {cfg.trusted_header!r}) on {host}, beyond loopback, "
                "needs [auth] trusted_proxies: the addresses of the proxies allowed to send that header "
                "(otherwise anybody could name any user)")
    return None


def check_listen(host: str) -> None:
    """Raise :class:`ServeRefused` when the configured sign-in makes ``host`` unsafe (or [auth] is broken)."""
    from creditgraph.app.auth import AuthConfig, AuthError
    from creditgraph.graph.config import load_settings

    try:
        cfg = AuthConfig.from_settings(load_settings())
    except (AuthError, ValueError) as exc:
        raise ServeRefused(f"the [auth] configuration is invalid: {exc}") from None
    reason = listen_refusal(cfg, host)
    if reason:
        raise ServeRefused(reason)


def no_graph_message(db: Path | str, named: bool = True) -> str | None:
    """Why the embedded store folder ``db`` cannot be served, in one line with the command that loads a graph
    there (``named``: the folder was given as ``--db``); None when it holds a published graph. Only reads:
    a folder without a graph gets no file (the app would write its audit log there).

    >>> import tempfile
    >>> msg = no_graph_message(tempfile.mkdtemp(), named=False)
    >>> msg.startswith("no graph at "), "`creditgraph demo`" in msg
    (True, True)
    """
    from creditgraph.graph import snapshots

    root = Path(db)
    if root.is_dir():
        name = snapshots.current_name(root)
        if name is not None and (root / name).is_dir():
            return None
        what = "its CURRENT names a missing snapshot" if name else "no published graph in it"
    else:
        what = "not a folder" if root.exists() else "no such folder"
    opt = f" --db {shlex.quote(str(db))}" if named else ""
    return (f"no graph at {db} ({what}): nothing served and nothing written there; load one first with "
            f"`creditgraph load PATH{opt}` (PATH: an extract file or folder) or `creditgraph demo{opt}` "
            "(synthetic demo data, then served)")


def streamlit_command(port: int = 8501, host: str = "127.0.0.1", python: str | None = None) -> list[str]:
    """The ``python -m streamlit run app/streamlit_app.py …`` command line."""
    opts = {**SERVER_OPTIONS, "server.address": host, "server.port": str(int(port))}
    return [python or sys.executable, "-m", "streamlit", "run", str(APP), *(f"--{k}={v}" for k, v in opts.items())]


def server_env(db: Path | str | None = None, base: dict | None = None) -> dict:
    """The environment for the server: the store path (absolute) and the same options as STREAMLIT_* variables."""
    env = dict(os.environ if base is None else base)
    if db is not None:
        env["CREDITGRAPH_DB"] = str(Path(db).resolve())
    for k, v in SERVER_OPTIONS.items():
        section, _, name = k.partition(".")
        snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
        env[f"STREAMLIT_{section.upper()}_{snake.upper()}"] = v
    env["FORWARDED_ALLOW_IPS"] = ""  # uvicorn: trust no X-Forwarded-For (default: from loopback), keep the TCP peer
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def start(db: Path | str | None = None, port: int = 8501, host: str = "127.0.0.1", **popen) -> subprocess.Popen:
    """Start the server as a child process (used by tests and `creditgraph demo`); :class:`ServeRefused` first."""
    check_listen(host)
    return subprocess.Popen(streamlit_command(port, host), env=server_env(db), **popen)


def run(db: Path | str | None = None, port: int = 8501, host: str = "127.0.0.1") -> int:
    """Serve in the foreground until interrupted; returns the server's exit status.

    A refused configuration prints one line to standard error and returns :data:`EXIT_REFUSED`.
    """
    try:
        proc = start(db, port, host)
    except ServeRefused as exc:
        print(f"creditgraph: not serving: {exc}", file=sys.stderr)
        return EXIT_REFUSED

    def stop(signum, frame):  # SIGTERM (systemd, supervisors, tests) stops the server too, not just us
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- demo ------------------------------------------------------------------------------------


def demo_is_current(out: Path, enterprises: int, seed: int) -> bool:
    """True when ``out`` already holds a demo extract of that size and seed."""
    gt = Path(out) / "ground_truth.json"
    if not gt.is_file():
        return False
    try:
        g = json.loads(gt.read_text(encoding="utf-8")).get("generator", {})
    except (OSError, ValueError):
        return False
    return (g.get("enterprises") == enterprises and g.get("seed") == seed
            and g.get("profile", "canonical") == "canonical" and g.get("format", "csv") == "csv")


def already_loaded(settings, src: Path) -> bool:
    """True when the last run loaded exactly these files (same paths and SHA-256) and its graph is published."""
    from creditgraph.etl.pipeline import history
    from creditgraph.etl.read import sha256
    from creditgraph.graph import snapshots

    runs = history(settings)
    if not runs or settings.store != "embedded":
        return False
    last = runs[0]
    if snapshots.current_name(Path(settings.db_path)) != (last.get("version") or {}).get("new"):
        return False
    try:
        if Path(last.get("source", "")).resolve() != Path(src).resolve():
            return False
        inputs = [i for i in last.get("inputs", []) if i.get("table")]
        return bool(inputs) and all(Path(i["path"]).is_file() and sha256(Path(i["path"])) == i["sha256"] for i in inputs)
    except (OSError, KeyError):
        return False


def prepare_demo(settings, enterprises: int = 20_000, seed: int = 1, out: Path = DEMO_SRC,
                 say: Callable[[str], None] = print, progress=None, reload: bool = False) -> dict:
    """Generate the demo extract (unless already there) and load it (unless already loaded)."""
    from creditgraph.etl.pipeline import run_load
    from creditgraph.etl.synth import generate

    out = Path(out)
    info: dict = {"out": str(out), "generated": False, "loaded": False}
    if demo_is_current(out, enterprises, seed):
        say(f"demo data in {out} already has {enterprises:,} enterprises, seed {seed}: kept")
    else:
        say(f"generating {enterprises:,} synthetic enterprises (seed {seed}) into {out} …")
        summary = generate(enterprises=enterprises, seed=seed, out=out, profile="canonical", fmt="csv", bad_rows=0.0,
                           encoding="utf-8")
        info["generated"] = True
        info["summary"] = summary
    if not reload and not info["generated"] and already_loaded(settings, out):
        say(f"the graph at {settings.db_path} already holds this demo data: not loaded again")
    else:
        say(f"loading {out} into {settings.db_path} …")
        rep = run_load(out, "canonical", settings, progress=progress)
        info["loaded"] = True
        info["report"] = rep
    return info
