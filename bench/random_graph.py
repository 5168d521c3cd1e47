"""A random credit graph of a given size, for timing the analyses when no ETL-built graph is at hand.

This is not the synthetic generator (``etl.synth``, which plants patterns and
writes a ground truth): it only gives the analyses a graph with realistic
shapes and degrees to run on — legal representatives who mostly run one
company and sometimes many, shareholdings by people and by companies (a few
groups, some cycles), penalty events of every kind and status, shared and
declared-cluster addresses, shared phones, name-only people.

    python bench/random_graph.py DIR [--enterprises 1000000] [--seed 7]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROVINCES = ["33", "32", "37", "41", "31", "34"]
KINDS = np.array(["administrative_penalty", "abnormal_operation", "serious_illegal", "dishonest_debtor"])
REASONS = np.array(["通过登记的住所或者经营场所无法联系的", "未按规定报送年度报告", "虚假宣传", "拒不履行生效判决"])
SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
GIVEN = np.array(["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚", "桂英"])


def _regions() -> pd.DataFrame:
    rows = []
    for p in PROVINCES:
        rows.append((f"{p}0000", f"省{p}", "province", p, None))
        for c in range(1, 6):
            city = f"{p}{c:02d}"
            rows.append((f"{city}00", f"市{city}", "city", p, city))
            for k in range(1, 6):
                rows.append((f"{city}{k:02d}", f"区县{city}{k:02d}", "county", p, city))
    return pd.DataFrame(rows, columns=["uid", "name", "level", "province", "city"])


def frames(n: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    regions = _regions()
    counties = regions.loc[regions["level"] == "county", "uid"].to_numpy()
    i = np.arange(n)
    ent_uid = pd.Series(i).map("E{:08d}".format).to_numpy()
    region = counties[rng.integers(0, len(counties), n)]
    founded = pd.Timestamp("1995-01-01") + pd.to_timedelta(rng.integers(0, 11000, n), unit="D")
    st = rng.choice(np.array(["存续", "在业", "注销", "吊销"]), n, p=[0.6, 0.2, 0.12, 0.08])
    life = pd.to_timedelta(rng.integers(100, 6000, n), unit="D")
    dissolved = pd.Series(founded + life).where(np.isin(st, ["注销", "吊销"]))
    ent = pd.DataFrame({
        "uid": ent_uid, "name": pd.Series(i).map("测试{}号商贸有限公司".format), "status": st,
        "founded": founded, "dissolved": dissolved, "capital": rng.integers(1, 5000, n) * 1e4,
        "region": region, "province": [r[:2] for r in region], "city": [r[:4] for r in region],
        "resolved": True,
    })
    # people: Zipf-like number of companies per legal representative
    n_people = int(n * 0.8)
    person_uid = pd.Series(np.arange(n_people)).map("ID:{:032x}".format).to_numpy()
    names = np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n_people)], GIVEN[rng.integers(0, len(GIVEN), n_people)])
    people = pd.DataFrame({"uid": person_uid, "name": names, "birth_year": rng.integers(1950, 2000, n_people),
                           "id_masked": "330222********123X"})
    rep_idx = np.minimum(rng.zipf(2.2, n) - 1, 200) * 997 + rng.integers(0, n_people // 2, n)
    rep_idx %= n_people
    name_only = rng.random(n) < 0.15
    nm_uid = np.char.add(np.char.add("NM:", ent_uid), ":张伟")
    rep = np.where(name_only, nm_uid, person_uid[rep_idx])
    nm = pd.DataFrame({"uid": nm_uid[name_only], "name": "张伟"})
    people = pd.concat([people, nm], ignore_index=True)
    legal = pd.DataFrame({"src": rep, "dst": ent_uid, "position": "执行董事"})
    # shareholdings: 1-3 people per company, 8% corporate holders (same county), a few cycles
    k = rng.integers(1, 4, n)
    dst = np.repeat(ent_uid, k)
    src = person_uid[rng.integers(0, n_people, len(dst))]
    hold = pd.DataFrame({"src": src, "dst": dst})
    hold["ratio"] = 1.0 / np.repeat(k, k)
    hold["subscribed"] = rng.integers(1, 500, len(hold)) * 1e4
    hold["paid"] = hold["subscribed"] * rng.choice([0.0, 0.02, 0.5, 1.0], len(hold), p=[0.05, 0.05, 0.3, 0.6])
    hold = hold.drop_duplicates(["src", "dst"])
    n_corp = int(n * 0.08)
    a = rng.integers(0, n, n_corp)
    b = np.clip(a + rng.integers(-50, 50, n_corp), 0, n - 1)
    corp = pd.DataFrame({"src": ent_uid[a], "dst": ent_uid[b], "ratio": rng.uniform(0.05, 0.6, n_corp),
                         "subscribed": 1e6, "paid": 1e6})
    corp = corp[corp["src"] != corp["dst"]].drop_duplicates(["src", "dst"])
    # events
    n_ev = int(n * 0.2)
    ev_ent = rng.integers(0, n, n_ev)
    kind = KINDS[rng.integers(0, 4, n_ev)]
    events = pd.DataFrame({
        "uid": pd.Series(np.arange(n_ev)).map("EV:{:08d}".format), "kind": kind,
        "decided": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 4000, n_ev), unit="D"),
        "status": rng.choice(np.array(["active", "removed", "repaired", "withdrawn"]), n_ev, p=[0.7, 0.15, 0.1, 0.05]),
        "reason": REASONS[rng.integers(0, 4, n_ev)], "region": region[ev_ent],
        "province": [r[:2] for r in region[ev_ent]], "city": [r[:4] for r in region[ev_ent]],
    })
    pen = pd.DataFrame({"src": ent_uid[ev_ent], "dst": events["uid"], "role": "当事人"})
    # addresses: mostly unique, some shared, 50 declared clusters
    addr_idx = np.where(rng.random(n) < 0.9, i, rng.integers(0, n // 20, n))
    cluster = rng.random(n) < 0.02
    addr_idx = np.where(cluster, n + rng.integers(0, 50, n), addr_idx)
    addr_uid = pd.Series(addr_idx).map("ADDR{:08d}".format).to_numpy()
    addresses = pd.DataFrame({"uid": np.unique(addr_uid)})
    addresses["text"] = addresses["uid"].str.replace("ADDR", "某某路", regex=False) + "号"
    addresses["cluster"] = addresses["uid"] >= f"ADDR{n:08d}"
    has_addr = pd.DataFrame({"src": ent_uid, "dst": addr_uid})
    phone_idx = np.where(rng.random(n) < 0.95, i, rng.integers(0, n // 50, n))
    phone_uid = pd.Series(phone_idx).map("1390{:07d}".format).to_numpy()
    phones = pd.DataFrame({"uid": np.unique(phone_uid)})
    phones["masked"] = phones["uid"].str[:3] + "****" + phones["uid"].str[-4:]
    has_phone = pd.DataFrame({"src": ent_uid, "dst": phone_uid})
    return {"regions": regions, "ent": ent, "people": people, "legal": legal, "hold": hold, "corp": corp,
            "events": events, "pen": pen, "addresses": addresses, "has_addr": has_addr, "phones": phones,
            "has_phone": has_phone}


def build(root: str | Path, n: int, seed: int = 7) -> None:
    from creditgraph.graph.embedded import new_snapshot

    f = frames(n, seed)
    t0 = time.perf_counter()
    with new_snapshot(root, copy_current=False) as s:
        s.upsert_nodes("Region", f["regions"])
        s.upsert_nodes("Enterprise", f["ent"])
        s.upsert_nodes("Person", f["people"])
        s.upsert_nodes("PenaltyEvent", f["events"])
        s.upsert_nodes("Address", f["addresses"])
        s.upsert_nodes("Phone", f["phones"])
        s.upsert_relationships("LEGAL_REP", "Person", "Enterprise", f["legal"])
        s.upsert_relationships("HOLDS_SHARES", "Person", "Enterprise", f["hold"])
        s.upsert_relationships("HOLDS_SHARES", "Enterprise", "Enterprise", f["corp"])
        s.upsert_relationships("PENALIZED", "Enterprise", "PenaltyEvent", f["pen"])
        s.upsert_relationships("HAS_ADDRESS", "Enterprise", "Address", f["has_addr"])
        s.upsert_relationships("HAS_PHONE", "Enterprise", "Phone", f["has_phone"])
        s.upsert_relationships("REGISTERED_IN", "Enterprise", "Region",
                               f["ent"][["uid", "region"]].rename(columns={"uid": "src", "region": "dst"}))
    print(f"built a random graph of {n:,} enterprises at {root} in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    build(a.root, a.enterprises, a.seed)


if __name__ == "__main__":
    main()
