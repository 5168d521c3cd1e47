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


#: the columns of a risk list that name its parties (each analysis's own: uid; a and b; red and black; a
#: name hub's companies, a list per row)
SUBJECT_COLUMNS = ("uid", "a", "b", "red", "black", "enterprise_uids")


def subjects_of(table: pd.DataFrame) -> list[str]:
    """The enterprises and people a risk list's rows name, for a watchlist."""
    cols = [c for c in SUBJECT_COLUMNS if c in table.columns]
    if not cols or table.empty:
        return []
    uids = pd.concat([table[c].explode() for c in cols], ignore_index=True).dropna().astype(str)
    return sorted(set(uids[uids.str.len() > 0]))


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


#: grade reasons that are findings of the whole-graph analyses (queries/grading.yaml codes)
FINDING_CODES = {"L_SHELL": "shell", "L_PHOENIX": "phoenix"}
FINDING_COLUMNS = ["subject", "kind", "item", "detail"]


def _version_grades(settings, store, version: str) -> pd.DataFrame:
    """This version's grades: the saved file, else computed and saved now."""
    from creditgraph.app import grades

    try:
        return grades.read_grades(settings, version)
    except FileNotFoundError:
        return grades.compute_and_save(settings, store)[0]


def findings(settings, store, version: str, subjects: set[str]) -> pd.DataFrame:
    """Whole-graph items about the watched subjects, once per run: each one's credit grade, its shell and
    phoenix findings (the grade's reasons, :data:`FINDING_CODES`) and the cross-region links naming it."""
    from creditgraph.queries import cross_region_links

    rows: list[tuple] = []
    g = _version_grades(settings, store, version)
    g = g[g["uid"].isin(subjects)]
    for uid, grade, score, reasons in zip(g["uid"], g["grade"], g["score"], g["reasons"]):
        rows.append((uid, "grade", str(grade), f"{grade} ({float(score):g} 分)"))
        for r in json.loads(reasons or "[]"):
            if r.get("code") in FINDING_CODES:
                rows.append((uid, "finding", FINDING_CODES[r["code"]], f"{r.get('label', '')}：{r.get('detail', '')}"))
    cross = cross_region_links(store).table
    for me, other, other_name in (("a", "b", "b_name"), ("b", "a", "a_name")):
        hit = cross[cross[me].isin(subjects)] if len(cross) else cross
        rows += [(u, "finding", f"cross_region:{o}", f"跨区域联合惩戒关联 cross-region link with {n}")
                 for u, o, n in zip(hit[me], hit[other], hit[other_name])]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _grade_change(before: pd.DataFrame | None, subject: str, new: str) -> str:
    """``old → new`` for a grade item (the old grade from the previous observation)."""
    if before is None:
        return f"无 none → {new}"
    old = before.loc[(before["subject"] == subject) & (before["kind"] == "grade"), "item"]
    return f"{old.iloc[0] if len(old) else '无 none'} → {new}"


def run_alerts(settings, store, version: str) -> list[dict]:
    """Observe every watchlist, append the new alerts to ``alerts.jsonl`` and return them."""
    out: list[dict] = []
    now = dt.datetime.now().isoformat(timespec="seconds")
    known = {a["id"] for a in read_alerts(settings)}  # raised by an earlier run: not again
    lists = sorted(watchlists(settings).items())
    watched = {u for _, wl in lists for u in wl["subjects"]}
    found = findings(settings, store, version, watched) if watched else None
    for name, wl in lists:
        after = observe(store, wl["subjects"], int(wl.get("hops", 2)), found)
        path = _state_path(settings, name)
        before = pd.read_parquet(path) if path.exists() else None
        fresh = new_items(before, after) if before is not None else after.iloc[0:0]
        for r in fresh.to_dict("records"):
            if r["kind"] == "grade":  # a grade met again later is a new change: the id names the change
                r["detail"] = _grade_change(before, r["subject"], r["item"])
                r["item"] = f"{r['detail']}@{version}"
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
