"""Watchlists and their alerts, kept in files beside the audit log (``watch/`` in its folder, or
``CREDITGRAPH_WATCH_DIR``): ``watchlists.json`` (name → owner, hops, subjects), one observation per
watchlist (``state-<name>.parquet``: what the graph said at the last run, and at which version), and
``alerts.jsonl`` (every alert once, with its evidence) plus ``read.json`` (the ids a user has read).

:func:`run_alerts` is what a scheduler calls after each load or refresh (``creditgraph alerts run``):
it observes every watchlist's subjects (:func:`queries.monitor.observe`), keeps what is new since the
last observation as alerts, and stores the new observation. The first run of a list records its
baseline and raises nothing; a run that finds nothing new raises nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from creditgraph.app.audit import audit_path
from creditgraph.queries.check_links import subject_label
from creditgraph.queries.monitor import KIND_ZH, alert_id, new_items, observe

NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,64}$")


def watch_dir(settings) -> Path:
    env = os.environ.get("CREDITGRAPH_WATCH_DIR")
    return Path(env) if env else audit_path(settings).parent / "watch"


def _read_json(path: Path, default: Any) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)  # all or nothing


def watchlists(settings) -> dict[str, dict]:
    return _read_json(watch_dir(settings) / "watchlists.json", {})


def known_subjects(store, uids: list[str]) -> set[str]:
    """The uids that name an enterprise or a person in the graph."""
    found: set[str] = set()
    for label, keys in (("Enterprise", [u for u, lab in zip(uids, subject_label(uids)) if lab == "Enterprise"]),
                        ("Person", [u for u, lab in zip(uids, subject_label(uids)) if lab == "Person"])):
        df = store.nodes_by(label, "uid", keys) if keys else None
        if df is not None and len(df):
            found |= set(df["uid"])
    return found


def add_to_watchlist(settings, name: str, subjects: list[str], owner: str, hops: int = 2) -> dict:
    """Add subjects (enterprise or person uids) to a watchlist, creating it; returns the list."""
    if not NAME.match(name):
        raise ValueError(f"a watchlist name is 1-64 letters, digits, '_' or '-', not {name[:70]!r}")
    if not 1 <= hops <= 2:
        raise ValueError("hops must be 1 or 2")
    lists = watchlists(settings)
    wl = lists.setdefault(name, {"owner": owner, "hops": hops, "subjects": []})
    wl["subjects"] = sorted(set(wl["subjects"]) | set(subjects))
    wl["hops"] = hops
    _write_json(watch_dir(settings) / "watchlists.json", lists)
    return wl


def _state_path(settings, name: str) -> Path:
    return watch_dir(settings) / f"state-{name}.parquet"


def run_alerts(settings, store, version: str) -> list[dict]:
    """Observe every watchlist, append the new alerts to ``alerts.jsonl`` and return them."""
    out: list[dict] = []
    now = dt.datetime.now().isoformat(timespec="seconds")
    known = {a["id"] for a in read_alerts(settings)}  # raised by an earlier run: not again
    for name, wl in sorted(watchlists(settings).items()):
        after = observe(store, wl["subjects"], int(wl.get("hops", 2)))
        path = _state_path(settings, name)
        before = pd.read_parquet(path) if path.exists() else None
        fresh = new_items(before, after) if before is not None else after.iloc[0:0]
        for r in fresh.to_dict("records"):
            aid = alert_id(name, r["subject"], r["kind"], r["item"])
            if aid in known:
                continue
            out.append({"id": aid, "watchlist": name, "owner": wl.get("owner"), "subject": r["subject"],
                        "kind": r["kind"], "kind_zh": KIND_ZH[r["kind"]], "item": r["item"], "detail": r["detail"],
                        "path": r["path"], "version": version, "raised": now})
        path.parent.mkdir(parents=True, exist_ok=True)
        after.assign(version=version).to_parquet(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
    if out:
        with open(watch_dir(settings) / "alerts.jsonl", "a", encoding="utf-8") as fh:
            for a in out:
                fh.write(json.dumps(a, ensure_ascii=False) + "\n")
    return out


def read_alerts(settings, unread_only: bool = False) -> list[dict]:
    path = watch_dir(settings) / "alerts.jsonl"
    alerts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    if unread_only:
        read = set(_read_json(watch_dir(settings) / "read.json", []))
        alerts = [a for a in alerts if a["id"] not in read]
    return alerts


def mark_read(settings, ids: list[str]) -> int:
    path = watch_dir(settings) / "read.json"
    read = set(_read_json(path, []))
    known = {a["id"] for a in read_alerts(settings)}
    new = (set(ids) & known) - read
    _write_json(path, sorted(read | new))
    return len(new)
