"""Issue 14, analysis side: resolved people (POSSIBLY_SAME_AS identities), every end-of-life
signal, name hubs — on hand-built graphs with known answers."""
from __future__ import annotations

import pandas as pd
import pytest

from creditgraph.queries import equity_penetration, phoenix_cases, repeat_offenders
from creditgraph.queries.identity import MAX_IDENTITY_SIZE, identities, identities_of, identity_links
from creditgraph.queries.testing import load


def ent(uid, **props):
    return ("Enterprise", uid, {"name": f"{uid}公司", **props})


def ev(uid, decided, kind="administrative_penalty", status="active"):
    return ("PenaltyEvent", uid, {"kind": kind, "decided": decided, "status": status})


def same(a, b, score, evidence="同名 + 同一电话 132****7230 (same name + phone)"):
    return ("POSSIBLY_SAME_AS", a, b, {"score": score, "evidence": evidence})


# 张三 represents three penalised companies; each source masks his ID differently, so the ETL made
# three name-only records and linked them (score 0.95).
ZS = ["NM:E1:张三", "NM:E2:张三", "NM:E3:张三"]
SPLIT_NODES = [*[("Person", u, {"name": "张三"}) for u in ZS], ent("E1"), ent("E2"), ent("E3"),
               ev("AP:1", "2022-01-01"), ev("AP:2", "2022-02-01"), ev("AP:3", "2022-03-01")]
SPLIT_RELS = [*[("LEGAL_REP", u, e) for u, e in zip(ZS, ("E1", "E2", "E3"))],
              *[("PENALIZED", e, v) for e, v in (("E1", "AP:1"), ("E2", "AP:2"), ("E3", "AP:3"))],
              same(ZS[0], ZS[1], 0.95), same(ZS[1], ZS[2], 0.95, "同名 + 证件号相容 3211**********5898")]


def test_identities_are_components_over_links_at_the_threshold(embedded_store):
    load(embedded_store, SPLIT_NODES, SPLIT_RELS)
    t = identities(embedded_store)
    assert sorted(t["uid"]) == sorted(ZS) and set(t["identity"]) == {min(ZS)} and set(t["size"]) == {3}
    assert identities(embedded_store, 0.99).empty
    # the keyed variant finds the same component from any one record
    local = identities_of(embedded_store, [ZS[2]])
    assert sorted(local["uid"]) == sorted(ZS) and set(local["identity"]) == {min(ZS)}
    links = identity_links(embedded_store, ZS)
    assert len(links) == 2 and (links["src"] < links["dst"]).all() and set(links["score"]) == {0.95}


def test_repeat_offender_split_by_masks_is_one_person_with_the_links_in_evidence(embedded_store):
    load(embedded_store, SPLIT_NODES, SPLIT_RELS)
    r = repeat_offenders(embedded_store, level="person")
    assert r.table["uid"].tolist() == [min(ZS)]
    row = r.table.iloc[0]
    assert row["enterprises"] == 3 and row["enterprise_uids"] == ["E1", "E2", "E3"]
    assert sorted(row["identity_members"]) == sorted(ZS)
    evidence = r.evidence[0]
    same_as = evidence.rels[evidence.rels["type"] == "POSSIBLY_SAME_AS"]
    assert len(same_as) == 2 and {p["score"] for p in same_as["props"]} == {0.95}
    assert any("132****7230" in line and "0.95" in line for line in evidence.path_lines)
    assert any("3211**********5898" in line for line in evidence.path_lines)
    # with a stricter threshold the three records are three people, none flagged
    assert repeat_offenders(embedded_store, level="person", min_identity_score=0.99).table.empty


def test_without_links_name_only_records_stay_apart(embedded_store):
    load(embedded_store, SPLIT_NODES, [r for r in SPLIT_RELS if r[0] != "POSSIBLY_SAME_AS"])
    assert repeat_offenders(embedded_store, level="person").table.empty


def test_oversized_component_is_not_merged_and_is_reported(embedded_store):
    n = MAX_IDENTITY_SIZE + 1
    people = [("Person", f"NM:X{i:04d}:王伟", {"name": "王伟"}) for i in range(n)]
    chain = [same(people[i][1], people[i + 1][1], 0.95) for i in range(n - 1)]
    load(embedded_store, people, chain)
    t = identities(embedded_store)
    assert t.empty
    big = t.attrs["oversized"]
    assert big["size"].tolist() == [n]


# --- end of a company: every signal ------------------------------------------------------------

def _phoenix_graph(a_props, a_events):
    nodes = [("Person", "ID:p", {"name": "李四"}), ent("A", **a_props), ent("B", founded="2023-06-01"),
             *[ev(u, d, kind) for u, d, kind in a_events]]
    rels = [("LEGAL_REP", "ID:p", "A"), ("LEGAL_REP", "ID:p", "B"), *[("PENALIZED", "A", u) for u, *_ in a_events]]
    return nodes, rels


def test_phoenix_revoked_company_without_a_date(embedded_store):
    load(embedded_store, *_phoenix_graph({"status": "吊销"}, [("AP:a", "2023-03-01", "administrative_penalty")]))
    r = phoenix_cases(embedded_store)
    assert r.table[["person", "a", "b", "days_after", "end_signal_key"]].values.tolist() == [
        ["ID:p", "A", "B", 92, "status"]]
    assert "status 吊销" in r.table["end_signal"].iloc[0] and "登记状态" in r.table["end_signal"].iloc[0]
    assert pd.isna(r.table["a_dissolved"].iloc[0])
    assert any("status 吊销" in line for line in r.evidence[0].path_lines)


@pytest.mark.parametrize("status", ["吊销，未注销", "撤销", "迁出", "已注销"])
def test_phoenix_reads_every_end_status(embedded_store, status):
    load(embedded_store, *_phoenix_graph({"status": status}, [("AP:a", "2023-03-01", "administrative_penalty")]))
    r = phoenix_cases(embedded_store)
    assert r.table["end_signal"].tolist() == [f"登记状态 {status} / status {status}"]


def test_phoenix_company_ending_only_by_a_serious_dishonest_listing(embedded_store):
    load(embedded_store, *_phoenix_graph({}, [("AP:a", "2022-01-01", "administrative_penalty"),
                                             ("SI:a", "2023-02-01", "serious_illegal")]))
    r = phoenix_cases(embedded_store)
    assert r.table[["a", "b", "days_after", "end_signal_key"]].values.tolist() == [["A", "B", 120, "serious_illegal"]]
    assert "serious-dishonest listing" in r.table["end_signal"].iloc[0]


def test_phoenix_an_active_company_with_a_penalty_has_not_ended(embedded_store):
    load(embedded_store, *_phoenix_graph({"status": "存续"}, [("AP:a", "2023-03-01", "administrative_penalty"),
                                                             ("AO:a", "2023-04-01", "abnormal_operation")]))
    assert phoenix_cases(embedded_store).table.empty


def test_phoenix_across_two_records_of_one_identity(embedded_store):
    nodes = [("Person", "NM:A:李四", {"name": "李四"}), ("Person", "NM:B:李四", {"name": "李四"}),
             ent("A", status="吊销"), ent("B", founded="2023-06-01"), ev("AP:a", "2023-03-01")]
    rels = [("LEGAL_REP", "NM:A:李四", "A"), ("LEGAL_REP", "NM:B:李四", "B"), ("PENALIZED", "A", "AP:a"),
            same("NM:A:李四", "NM:B:李四", 0.95)]
    load(embedded_store, nodes, rels)
    r = phoenix_cases(embedded_store)
    assert r.table[["person", "a", "b"]].values.tolist() == [["NM:A:李四", "A", "B"]]
    assert r.table["identity_members"].iloc[0] == ["NM:A:李四", "NM:B:李四"]
    assert any("132****7230" in line for line in r.evidence[0].path_lines)
    assert phoenix_cases(embedded_store, min_identity_score=0.99).table.empty


# --- equity penetration across name-only owner records -------------------------------------------

def test_equity_owner_records_of_one_identity_add_up(embedded_store):
    # 张三 holds 21% of T directly (record NM:T:张三) and 50% of M (record NM:M:张三), which holds 20% of T.
    nodes = [("Person", "NM:T:张三", {"name": "张三"}), ("Person", "NM:M:张三", {"name": "张三"}),
             ("Person", "ID:li", {"name": "李四"}), ent("T"), ent("M")]
    rels = [("HOLDS_SHARES", "NM:T:张三", "T", {"ratio": 0.21}), ("HOLDS_SHARES", "NM:M:张三", "M", {"ratio": 0.5}),
            ("HOLDS_SHARES", "M", "T", {"ratio": 0.2}), ("HOLDS_SHARES", "ID:li", "M", {"ratio": 0.5}),
            ("HOLDS_SHARES", "ID:li", "T", {"ratio": 0.25}), same("NM:M:张三", "NM:T:张三", 0.95)]
    load(embedded_store, nodes, rels)
    t = equity_penetration(embedded_store, "T").table.set_index("owner")
    assert "NM:T:张三" not in t.index                              # one owner, keyed by the smallest uid
    assert t.loc["NM:M:张三", "effective_ratio"] == pytest.approx(0.31, abs=1e-6)
    assert t.loc["NM:M:张三", "paths"] == 2 and t.loc["NM:M:张三", "identity_members"] == ["NM:M:张三", "NM:T:张三"]
    assert t.loc["ID:li", "effective_ratio"] == pytest.approx(0.35, abs=1e-6)
    r = equity_penetration(embedded_store, "T")
    rid = int(r.table.index[r.table["owner"] == "NM:M:张三"][0])
    assert any("132****7230" in line for line in r.evidence[rid].path_lines)
    # below the link's score the two records stay two owners of 0.21 and 0.10
    apart = equity_penetration(embedded_store, "T", min_identity_score=0.99).table.set_index("owner")
    assert apart.loc["NM:T:张三", "effective_ratio"] == pytest.approx(0.21, abs=1e-6)
    assert apart.loc["NM:M:张三", "effective_ratio"] == pytest.approx(0.10, abs=1e-6)


# --- name hubs ----------------------------------------------------------------------------------

def _hub_graph(name, shared_address, n=6, city_region="330203"):
    nodes, rels = [], []
    for i in range(n):
        e = f"H{i}"
        # founding dates years apart: no filing pattern
        nodes += [("Enterprise", e, {"name": f"{name}{i}号公司", "region": city_region, "founded": f"{2005 + 3 * i}-01-01",
                                     "authority": f"局{i}"}),
                  ("Person", f"NM:{e}:{name}", {"name": name})]
        rels.append(("LEGAL_REP", f"NM:{e}:{name}", e))
        addr = "某区某路1号" if shared_address else f"某区某路{100 + i}号"
        if ("Address", addr, {"text": addr, "cluster": False}) not in nodes:
            nodes.append(("Address", addr, {"text": addr, "cluster": False}))
        rels.append(("HAS_ADDRESS", e, addr))
    return nodes, rels


def test_name_hub_sharing_an_address_is_corroborated(embedded_store):
    from creditgraph.queries import ANALYSES, name_hubs

    load(embedded_store, *_hub_graph("赵敏", shared_address=True))
    r = name_hubs(embedded_store)
    assert r.table[["name", "city", "companies", "records", "confidence", "tied_companies"]].values.tolist() == [
        ["赵敏", "3302", 6, 6, "corroborated", 6]]
    assert r.table["confidence_label"].iloc[0] == "有旁证 corroborated"
    ev = r.evidence[0]
    assert set(ev.nodes.loc[ev.nodes["label"] == "Enterprise", "uid"]) == {f"H{i}" for i in range(6)}
    assert "某区某路1号" in set(ev.nodes["uid"]) and any("shared address" in line for line in ev.path_lines)
    assert ANALYSES["name_hubs"] is name_hubs


def test_common_name_with_nothing_shared_is_not_a_corroborated_hub(embedded_store):
    from creditgraph.queries import name_hubs

    load(embedded_store, *_hub_graph("王伟", shared_address=False))
    assert name_hubs(embedded_store).table.empty                   # not in the default list
    r = name_hubs(embedded_store, include_name_only=True)
    assert r.table[["name", "companies", "confidence", "tied_companies"]].values.tolist() == [
        ["王伟", 6, "name only", 0]]


def test_name_hub_already_one_identity_is_not_a_name_hub(embedded_store):
    from creditgraph.queries import name_hubs

    nodes, rels = _hub_graph("赵敏", shared_address=True)
    people = [u for _, u, _ in nodes if u.startswith("NM:")]
    rels += [same(a, b, 0.95) for a, b in zip(people, people[1:])]
    load(embedded_store, nodes, rels)
    assert name_hubs(embedded_store).table.empty
    assert len(name_hubs(embedded_store, min_identity_score=0.99)) == 1


def test_profile_shows_the_name_hub(embedded_store):
    from creditgraph.queries.profile import profile

    load(embedded_store, *_hub_graph("赵敏", shared_address=True))
    for uid in ("H2", "NM:H2:赵敏"):
        sig = profile(embedded_store, uid, analyses={})["signals"]
        hub = sig[sig["source"] == "name_hubs"]
        assert len(hub) == 1 and "6" in hub["value"].iloc[0] and hub["level"].iloc[0] == "high"


# --- shell hub, cross-region and groups through resolved people ----------------------------------

def test_shell_hub_counts_companies_per_identity(embedded_store):
    from creditgraph.queries import shell_company_candidates

    recs = [f"NM:S{i}:钱八" for i in range(5)]
    nodes = [*[("Person", u, {"name": "钱八"}) for u in recs],
             *[("Enterprise", f"S{i}", {"name": f"壳{i}", "founded": f"2024-01-0{i + 1}"}) for i in range(5)],
             ("Address", "A1", {"text": "某路1号", "cluster": False})]
    rels = [*[("LEGAL_REP", u, f"S{i}") for i, u in enumerate(recs)],
            *[("HAS_ADDRESS", f"S{i}", "A1") for i in range(5)],
            *[same(a, b, 0.95) for a, b in zip(recs, recs[1:])]]
    load(embedded_store, nodes, rels)
    r = shell_company_candidates(embedded_store)
    assert sorted(r.table["uid"]) == [f"S{i}" for i in range(5)]
    assert all("hub_legal_rep" in k for k in r.table["signal_keys"])
    assert r.table["hub_persons"].iloc[0] == [min(recs)] and sorted(r.table["identity_members"].iloc[0]) == recs
    assert any("0.95" in line for line in r.evidence[0].path_lines)
    low = shell_company_candidates(embedded_store, min_identity_score=0.99)
    assert not any("hub_legal_rep" in k for k in low.table["signal_keys"])


def test_cross_region_through_two_records_of_one_person(embedded_store):
    from creditgraph.queries import cross_region_links, risk_groups

    nodes = [("Person", "NM:A:孙九", {"name": "孙九"}), ("Person", "NM:B:孙九", {"name": "孙九"}),
             ent("A", region="330211"), ent("B", region="320102"), ev("AP:1", "2024-01-01"), ev("AP:2", "2024-02-01")]
    rels = [("LEGAL_REP", "NM:A:孙九", "A"), ("HOLDS_SHARES", "NM:B:孙九", "B", {"ratio": 0.4}),
            ("PENALIZED", "A", "AP:1"), ("PENALIZED", "B", "AP:2"), same("NM:A:孙九", "NM:B:孙九", 0.95)]
    load(embedded_store, nodes, rels)
    r = cross_region_links(embedded_store)
    assert r.table[["a", "b", "hops", "connectors"]].values.tolist() == [["A", "B", 2, ["NM:A:孙九"]]]
    assert r.table["identity_members"].iloc[0] == ["NM:A:孙九", "NM:B:孙九"]
    assert r.table["path"].iloc[0] == "A公司 <-[法定代表人]- 孙九(自然人) -[疑似同一人 0.95]-> 孙九(自然人) -[持股 40%]-> B公司"
    assert any("132****7230" in line for line in r.evidence[0].path_lines)
    assert cross_region_links(embedded_store, min_identity_score=0.99).table.empty
    assert len(cross_region_links(embedded_store, max_hops=3)) == 1
    g = risk_groups(embedded_store).table
    assert g[["enterprises", "people"]].values.tolist() == [[2, 1]]
    assert g["identity_members"].iloc[0] == ["NM:A:孙九", "NM:B:孙九"]
    assert risk_groups(embedded_store, min_identity_score=0.99).table.empty
