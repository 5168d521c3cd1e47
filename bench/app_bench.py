"""How long the app's pages take on a big graph, driven by Streamlit's AppTest (no browser).

Each action is one script run of the page, as a user's click causes it; the
first run of an action may fill caches (``first``), repeated runs show the
cached cost (``again``). Target (issue 6): typical actions ≤ 2 s on the
1M-enterprise graph; whole-graph risk lists show a spinner while they compute
once per graph version and come from the cache afterwards.

    python bench/app_bench.py --db /path/to/graph [--truth ground_truth.json]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
TARGET = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="embedded store folder")
    ap.add_argument("--truth", type=Path, help="ground_truth.json of the loaded synthetic data (picks planted parties)")
    a = ap.parse_args()
    os.environ["CREDITGRAPH_DB"] = str(a.db)
    os.environ["CREDITGRAPH_LOCAL_ROLE"] = "admin"
    os.environ.pop("CREDITGRAPH_CONFIG", None)
    from streamlit.testing.v1 import AppTest

    from creditgraph.graph.embedded import EmbeddedStore

    if a.truth:
        truth = json.loads(a.truth.read_text(encoding="utf-8"))
        cl = truth["shell_clusters"][0]
        ent, other = cl["members"][0], cl["members"][1]
        repeat = truth["repeat_offenders"]["enterprise"][0]["uscc"]
    else:
        s = EmbeddedStore(a.db, read_only=True)
        ent, other, repeat = s.run("MATCH (e:Enterprise) RETURN e.uid AS u LIMIT 3")["u"].tolist()
        s.close()
    s = EmbeddedStore(a.db, read_only=True)
    name = s.run("MATCH (e:Enterprise {uid: $u}) RETURN e.name AS n", {"u": ent})["n"].iloc[0]
    s.close()

    at = AppTest.from_file(str(APP), default_timeout=600)
    rows: list[tuple[str, float, float]] = []

    def timed(label: str, act, typical: bool = True) -> None:
        times = []
        for _ in range(2):
            t = time.perf_counter()
            act()
            times.append(time.perf_counter() - t)
            if at.exception:
                raise SystemExit(f"{label}: {at.exception[0].value}")
        rows.append((label, times[0], times[1], typical))

    timed("open the app (search page)", lambda: at.run())
    timed(f"search a name part ({name[2:6]})", lambda: at.text_input(key="search_text").input(name[2:6]).run())
    timed("search a USCC", lambda: at.text_input(key="search_text").input(other).run())

    def profile(uid):
        at.session_state["uid"] = uid
        at.switch_page("views/profile.py").run()

    timed("profile of a shell member", lambda: profile(ent))
    timed("profile of a repeat offender", lambda: profile(repeat))
    from creditgraph.app import common

    t = time.perf_counter()
    for w in list(common._WARM.values()):
        w.thread.join()
    print(f"background signal analyses ready {time.perf_counter() - t:.1f} s after the profile runs above")
    timed("profile with whole-graph signals", lambda: profile(ent))

    def graph(hops):
        at.session_state["uid"] = ent
        at.switch_page("views/graph.py").run()
        at.radio(key="graph_hops").set_value(hops).run()

    timed("graph explorer, 2 hops", lambda: graph(2))
    timed("graph explorer, 3 hops", lambda: graph(3))

    def paths():
        at.session_state["path_a"], at.session_state["path_b"] = ent, other
        at.switch_page("views/paths.py").run()

    timed("paths between two parties", paths)

    def risk(which):
        at.switch_page("views/risk.py").run()
        at.selectbox(key="risk_list").set_value(which).run()
        at.button(key="risk_run").click().run()

    for which in ("shell", "repeat_enterprise", "repeat_person", "phoenix", "cross_region"):
        timed(f"risk list {which}", lambda w=which: risk(w), typical=False)
    timed("data status", lambda: at.switch_page("views/status.py").run())

    print(f"{'action':<40} {'first':>8} {'again':>8}")
    for label, first, again, typical in rows:
        flag = "" if not typical else ("  ok" if max(first, again) <= TARGET else "  > 2 s")
        print(f"{label:<40} {first:7.2f}s {again:7.2f}s{flag}")
    slow = [r for r in rows if r[3] and max(r[1], r[2]) > TARGET]
    print(f"typical actions over {TARGET:.0f} s: {len(slow)} of {sum(r[3] for r in rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
