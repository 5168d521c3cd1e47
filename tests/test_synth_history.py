"""Role history in the synthetic generator (docs/time.md).

Former legal representatives and shareholders in the extract (rows with
``until``, equity changes to 0), their share at scale, the planted time
patterns (people who left after the penalty, phoenix by timing) with their
``time_only`` flags, and the successor decoys that only the rule before
history would flag. The exact agreement of the time-aware definitions with
the written files is checked by the brute-force checker of test_synth.py.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditgraph.etl import synth
from tests.test_synth import parse_date as day
from tests.test_synth import parse_ratio as ratio

MISSING = ("", "N/A", "\\N")


def read(d: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def with_history(d: Path) -> tuple[set, set, int]:
    """Enterprises (USCC) with a former legal representative, with a former shareholder; and the count of all."""
    ent = read(d, "enterprises")
    lr = read(d, "legal_reps")
    sh = read(d, "shareholders")
    eq = read(d, "equity_changes")
    former_lr = set(lr.loc[(lr["is_legal_rep"] == "1") & ~lr["until"].isin(MISSING), "enterprise_uscc"].str.upper())
    former_sh = set(sh.loc[~sh["until"].isin(MISSING), "enterprise_uscc"].str.upper())
    to_zero = eq[[ratio(a) == 0 if a not in MISSING else False for a in eq["ratio_after"]]]
    former_sh |= set(to_zero["enterprise_uscc"].str.upper())
    return former_lr, former_sh, len(ent)


def check_share(d: Path, gt: dict, n: int) -> float:
    former_lr, former_sh, total = with_history(d)
    share = len(former_lr | former_sh) / total
    h = gt["counts"]["history"]
    print(f"\n{n} enterprises: {share:.1%} with a former legal representative or shareholder "
          f"({len(former_lr)} / {len(former_sh)}); time-only repeat offenders "
          f"{gt['counts']['repeat_offenders.person_time_only']} of {gt['counts']['repeat_offenders.person']}, "
          f"time-only phoenix cases {gt['counts']['phoenix_cases_time_only']} of {gt['counts']['phoenix_cases']}")
    assert total == n and share >= 0.20
    assert (h["enterprises_with_former_legal_rep"], h["enterprises_with_former_shareholder"],
            h["enterprises_with_history"]) == (len(former_lr), len(former_sh), len(former_lr | former_sh))
    assert h["exits_shown_only_by_equity_change"] > 0 and h["exits_shown_by_equity_change"] > h["exits_shown_only_by_equity_change"]
    return share


@pytest.fixture(scope="module")
def h10k(tmp_path_factory):
    d = tmp_path_factory.mktemp("hist10k")
    synth.generate(10_000, 21, d)
    return d, json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))


def test_history_share_10k(h10k):
    check_share(*h10k, 10_000)


@pytest.mark.slow
def test_history_share_100k(tmp_path):
    d = tmp_path / "h100k"
    synth.generate(100_000, 3, d)
    gt = json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))
    check_share(d, gt, 100_000)
    c = gt["counts"]
    assert c["repeat_offenders.person_time_only"] >= 100 and c["phoenix_cases_time_only"] >= 80


def rows_of(d: Path, gt: dict):
    """Per planted person key: their legal_reps / shareholders rows (as the records name them)."""
    lr = read(d, "legal_reps")
    sh = read(d, "shareholders")
    lr_by = {(u.upper(), n): (s, t) for u, n, s, t, f in
             zip(lr["enterprise_uscc"], lr["person_name"], lr["since"], lr["until"], lr["is_legal_rep"]) if f == "1"}
    sh_by = {(u.upper(), n): (s, t) for u, n, s, t in zip(sh["enterprise_uscc"], sh["holder_name"], sh["since"], sh["until"])}
    return lr_by, sh_by


def test_time_only_repeat_offenders(h10k):
    d, gt = h10k
    people = gt["repeat_offenders"]["person"]
    assert all(isinstance(p["time_only"], bool) for p in people)
    time_only = [p for p in people if p["time_only"]]
    assert len(time_only) >= 10 and sum(not p["time_only"] for p in people) >= 20
    assert gt["counts"]["repeat_offenders.person_time_only"] == len(time_only)
    lr_by, sh_by = rows_of(d, gt)
    eq = read(d, "equity_changes")
    zero = {(u.upper(), n): day(c) for u, n, c, a in
            zip(eq["enterprise_uscc"], eq["holder_name"], eq["change_date"], eq["ratio_after"]) if ratio(a) == 0}
    pen = read(d, "penalties")
    decided = {f"{k}:{r}": day(x) for k, r, x in zip(pen["kind"].map(
        {"administrative_penalty": "AP", "abnormal_operation": "AO", "serious_illegal": "SI", "dishonest_debtor": "DD"}),
        pen["record_id"], pen["decided"])}
    left_after = 0
    for p in time_only:
        # today they hold a role in at most one of the penalised companies attributed to them
        assert sum(e["left"] is None for e in p["enterprises"]) <= 1, p["key"]
        for e in p["enterprises"]:
            if e["left"] is None:
                continue
            x = np.datetime64(e["left"])
            key = (e["uscc"], p["name"])
            ends = [day(lr_by[key][1]) if key in lr_by else None, day(sh_by[key][1]) if key in sh_by else None,
                    zero.get(key)]
            assert x in ends, (p["key"], e)  # the extract shows the exit
            assert all(decided[u] < x for u in e["active_events"])  # the penalty came before they left
            left_after += 1
    assert left_after >= len(time_only)


def test_time_only_phoenix_cases(h10k):
    d, gt = h10k
    cases = gt["phoenix_cases"]
    assert all(isinstance(c["time_only"], bool) for c in cases)
    timing = [c for c in cases if c["a"]["end_signal"] == "role_end"]
    assert len(timing) >= 8 and all(c["time_only"] for c in timing)
    assert gt["counts"]["phoenix_cases_time_only"] == sum(c["time_only"] for c in cases)
    pen = read(d, "penalties")
    by_uid = {f"{k}:{r}": (day(x), n) for k, r, x, n in zip(pen["kind"].map(
        {"administrative_penalty": "AP", "abnormal_operation": "AO", "serious_illegal": "SI", "dishonest_debtor": "DD"}),
        pen["record_id"], pen["decided"], pen["person_name"])}
    for c in timing:
        x = np.datetime64(c["a"]["ended"])
        assert c["a"]["left"] == c["a"]["ended"] and 0 <= c["days_after"] <= 300
        gaps = [(by_uid[u][0] - x).astype(int) for u in c["a"]["attributed_events"]]
        assert any(10 <= g <= 150 for g in gaps), c
        # a penalty decided after they left names the representative in office then, not them
        assert all(by_uid[u][1] != c["person"]["name"] for u in c["a"]["attributed_events"] if by_uid[u][0] >= x)
    classic = [c for c in cases if c["a"]["end_signal"] != "role_end"]
    assert {c["a"]["end_signal"] for c in classic} <= {"dissolution_date", "status", "serious_illegal"}
    assert sum(not c["time_only"] for c in classic) >= 8


def test_successor_decoys_not_in_truth(h10k):
    d, gt = h10k
    decoys = gt["decoys"]["successor_reps"]
    assert len(decoys) >= 5 and gt["counts"]["decoys"]["successor_reps"] == len(decoys)
    keys = {p["key"] for p in gt["repeat_offenders"]["person"]} | {c["person"]["key"] for c in gt["phoenix_cases"]}
    assert not keys & {x["key"] for x in decoys}
    lr = read(d, "legal_reps")
    pen = read(d, "penalties")
    active = pen[pen["status"] == "active"]
    for x in decoys:
        assert len(x["enterprises"]) >= 2
        for e in x["enterprises"]:
            mine = lr[(lr["enterprise_uscc"].str.upper() == e["uscc"]) & (lr["is_legal_rep"] == "1")]
            now = mine[mine["until"].isin(MISSING)]
            assert list(now["person_name"]) == [x["name"]]  # today's legal representative
            assert day(now["since"].iloc[0]) == np.datetime64(e["since"])
            before = mine[~mine["until"].isin(MISSING)]
            assert [day(t) for t in before["until"]] == [np.datetime64(e["since"])]  # the predecessor's end
            evs = active[active["subject_uscc"].str.upper() == e["uscc"]]
            assert len(evs) >= 1 and all(day(v) < np.datetime64(e["since"]) for v in evs["decided"])
            assert x["name"] not in set(evs["person_name"])  # the decisions name the predecessor


def test_same_seed_same_history(tmp_path):
    digests = []
    for i in range(2):
        d = tmp_path / str(i)
        synth.generate(1500, 8, d, bad_rows=0.01)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())})
        assert (~read(d, "legal_reps")["until"].isin(MISSING)).any()
        assert (~read(d, "shareholders")["until"].isin(MISSING)).any()
    assert digests[0] == digests[1]
