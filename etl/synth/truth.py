"""The ground truth the quality tests and benchmarks score against."""
from __future__ import annotations

import numpy as np
from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth.base import DEFINITIONS, EVENT_KINDS, EVENT_STATUSES, GENERATOR_VERSION, NO_DAY, REFERENCE_DATE, R_BG, R_GROUP, R_PLANTED, STATUSES, ST_ACTIVE, S_DIAOXIAO, S_QIANCHU, S_ZHUXIAO, _iso, _take
from creditgraph.etl.synth.history import _history_counts
from creditgraph.etl.synth.plant import PHOENIX_ENDS
from creditgraph.etl.synth.world import _World


# --------------------------------------------------------------------------- ground truth


def _plan(n: int) -> dict[str, int]:
    s = n / 10_000

    def c(rate, cap, lo=1):
        return int(min(cap, max(lo, round(rate * s))))

    return {
        "shell_clusters": c(10, 400), "repeat_enterprises": c(20, 1000), "repeat_people": c(15, 600),
        "phoenix": c(10, 500), "cross_region_per_level": c(15, 500), "equity_chains": c(10, 300),
        "cluster_addresses": c(5, 300), "large_groups": c(2, 100), "repaired_repeat": c(10, 500),
        "common_name_per_name": c(100, 1000, lo=5),
        "repeat_history": c(10, 400), "phoenix_timing": c(8, 400), "successor_decoys": c(5, 200),
    }


class _Lookup:
    """Strings of the entities the ground truth names."""

    def __init__(self, w: _World, ents: np.ndarray, people: np.ndarray):
        ents = np.unique(ents)
        people = np.unique(people)
        self.code = dict(zip(ents.tolist(), _take(w.code, ents).to_pylist()))
        self.ename = dict(zip(ents.tolist(), _take(w.name, ents).to_pylist()))
        self.pname = dict(zip(people.tolist(), _take(w.p_name, people).to_pylist()))
        self.pid = dict(zip(people.tolist(), _take(w.p_id, people).to_pylist()))
        self.region = {e: str(w.geo.county_code[w.county[e]]) for e in ents.tolist()}
        self.key = w.pkey

    def person(self, p: int) -> dict:
        return {"key": self.key(p), "name": self.pname[p], "id_no": self.pid[p]}


INF = 10**9  # an open bound of a role
LEFT_BEFORE_DAYS = 365  # phoenix: a penalty up to this many days after the exit is the person's
WINDOW_DAYS = 365  # phoenix: B founded 0 .. this many days after the exit


def _derive_truth(w: _World, lk: _Lookup, uid_of: list[str]) -> dict:
    """Apply the pattern definitions to the planted part (closed by construction).

    Repeat offenders (person) and phoenix cases attribute penalties by decision date (docs/time.md); each entry
    says whether the rule before history existed (roles valid today, exit = the company's end) finds it too.
    """
    planted = w.role == R_PLANTED
    P0 = w.P0
    # events
    pen: dict[int, list[tuple[int, str]]] = {}
    si_days: dict[int, list[int]] = {}
    ev = np.flatnonzero(planted[w.ev_ent] & (w.ev_status == ST_ACTIVE))
    si = EVENT_KINDS.index("serious_illegal")
    for j, e, d, kind in zip(ev.tolist(), w.ev_ent[ev].tolist(), w.ev_decided[ev].tolist(), w.ev_kind[ev].tolist()):
        pen.setdefault(e, []).append((d, uid_of[j]))
        if kind == si:
            si_days.setdefault(e, []).append(d)
    for v in pen.values():
        v.sort()

    def spans(f: np.ndarray, t: np.ndarray) -> tuple[list, list]:
        return np.where(f == NO_DAY, -INF, f).tolist(), np.where(t == NO_DAY, INF, t).tolist()

    # roles of planted people as intervals [f, t), current holdings among planted enterprises
    rep_rows = np.flatnonzero(w.rep_is_lr & planted[w.rep_ent])
    assert (w.rep_person[rep_rows] < P0).all(), "planted enterprise with a background legal representative"
    roles: dict[int, dict[int, list[tuple[str, int, int]]]] = {}
    for p, e, f, t in zip(w.rep_person[rep_rows].tolist(), w.rep_ent[rep_rows].tolist(),
                          *spans(w.rep_since[rep_rows], w.rep_until[rep_rows])):
        roles.setdefault(p, {}).setdefault(e, []).append(("legal_rep", f, t))
    hold_rows = np.flatnonzero(planted[w.h_ent])
    person = w.h_type[hold_rows] == 0
    assert (w.h_holder[hold_rows[person]] < P0).all(), "planted enterprise with a background shareholder"
    corp = hold_rows[~person]
    assert planted[w.h_holder[corp]].all(), "planted enterprise held by a non-planted enterprise"
    assert (w.h_until[corp] == NO_DAY).all(), "no planted corporate holding ends"
    hp = hold_rows[person]
    for h, e, f, t in zip(w.h_holder[hp].tolist(), w.h_ent[hp].tolist(), *spans(w.h_since[hp], w.h_until[hp])):
        roles.setdefault(h, {}).setdefault(e, []).append(("shareholder", f, t))
    owners: dict[int, set] = {}
    for h, e in zip(w.h_holder[corp].tolist(), w.h_ent[corp].tolist()):
        owners.setdefault(h, set()).add(e)
    # planted people never appear on background or decoy rows other than large groups
    other = ~planted[w.rep_ent] & (w.rep_person < P0)
    assert (w.role[w.rep_ent[other]] == R_GROUP).all()
    other_h = ~planted[w.h_ent] & (w.h_type == 0) & (w.h_holder < P0)
    assert (w.role[w.h_ent[other_h]] == R_GROUP).all()
    assert not (planted[w.h_holder[(w.h_type == 1) & ~planted[w.h_ent]]]).any()

    def ev_ids(e):
        return [u for _, u in pen.get(e, [])]

    def current(p, e) -> set:
        return {r for r, _f, t in roles[p][e] if t == INF}

    by_pid = sorted(roles, key=lambda p: lk.pid[p])
    sorted_ents = {p: sorted(roles[p], key=lambda e: lk.code[e]) for p in roles}

    def ents_of(p):
        return sorted_ents[p]

    # repeat offenders: enterprises
    rep_ent = []
    for e in sorted(pen, key=lambda e: lk.code[e]):
        ds = [d for d, _ in pen[e]]
        best, window = 0, None
        for i in range(len(ds)):
            j = i
            while j + 1 < len(ds) and ds[j + 1] - ds[i] <= 730:
                j += 1
            if j - i + 1 > best:
                best, window = j - i + 1, (ds[i], ds[j])
        if best >= 3:
            assert window is not None  # set together with best
            rep_ent.append({"uscc": lk.code[e], "name": lk.ename[e], "active_events": ev_ids(e),
                            "max_active_in_730_days": best, "window": [_iso(window[0]), _iso(window[1])]})
    # repeat offenders: people (a role in office on the decision date of a penalty)
    rep_people, old_repeat = [], set()
    for p in by_pid:
        counted: list[dict] = []
        for e in ents_of(p):
            rs: set = set()
            evs = []
            for d, u in pen.get(e, []):
                r_in = {r for r, f, t in roles[p][e] if f <= d < t}
                if r_in:
                    rs |= r_in
                    evs.append(u)
            if evs:
                left = None if current(p, e) else _iso(max(t for _r, _f, t in roles[p][e]))
                counted.append({"uscc": lk.code[e], "roles": sorted(rs), "active_events": evs, "left": left})
        if sum(1 for e in roles[p] if e in pen and current(p, e)) >= 2:  # the rule before history
            old_repeat.add(p)
        if len(counted) >= 2:
            rep_people.append({**lk.person(p), "enterprises": counted, "time_only": p not in old_repeat})
    found = {x["key"] for x in rep_people}
    for s_ in w.successor_decoys:
        assert w.pkey(s_) not in found and s_ in old_repeat, "a successor decoy is a repeat offender"

    # phoenix
    def company_end(a):  # DEFINITIONS["company_end"]
        if w.status[a] in (S_ZHUXIAO, S_DIAOXIAO, S_QIANCHU):
            if w.diss_shown[a] and w.dissolved[a] != NO_DAY:
                return int(w.dissolved[a]), "dissolution_date"
            return pen[a][-1][0], "status"
        if a in si_days:
            return max(si_days[a]), "serious_illegal"
        return None, None

    def new_firms(p, a, x):  # B: p represents it, founded 0 .. WINDOW_DAYS days after x
        out = []
        for b in ents_of(p):
            if b != a and any(r == "legal_rep" for r, _f, _t in roles[p][b]) and 0 <= w.founded[b] - x <= WINDOW_DAYS:
                assert "legal_rep" in current(p, b), "phoenix B with a former legal representative (ambiguous)"
                out.append(b)
        return out

    old_phoenix = set()
    for p in by_pid:
        for a in ents_of(p):
            end, _sig = company_end(a) if a in pen else (None, None)
            if end is not None and current(p, a):
                old_phoenix |= {(p, a, b) for b in new_firms(p, a, end)}
    phoenix, found_phx = [], set()
    for p in by_pid:
        for a in ents_of(p):
            if a not in pen:
                continue
            end, signal = company_end(a)
            cases: dict[int, dict] = {}
            for r, f, t in roles[p][a]:
                if end is not None and end <= t:
                    x, sig = end, signal
                elif t < INF:
                    x, sig = t, "role_end"
                else:
                    continue
                att = [u for d, u in pen[a] if f <= d < x or x <= d <= x + LEFT_BEFORE_DAYS]
                if not att:
                    continue
                for b in new_firms(p, a, x):
                    case = cases.get(b)
                    if case is None or x < case["x"]:
                        cases[b] = {"x": x, "sig": sig, "t": t, "att": att,
                                    "roles": {r} | (case["roles"] if case else set())}
                    else:
                        case["roles"].add(r)
            for b in sorted(cases, key=lambda e: lk.code[e]):
                case = cases[b]
                x = case["x"]
                found_phx.add((p, a, b))
                phoenix.append({
                    "person": lk.person(p),
                    "a": {"uscc": lk.code[a], "status": STATUSES[w.status[a]], "ended": _iso(x),
                          "end_signal": case["sig"],
                          "dissolved": _iso(x) if case["sig"] == "dissolution_date" else None,
                          "active_events": ev_ids(a), "attributed_events": case["att"], "roles": sorted(case["roles"]),
                          "left": _iso(case["t"]) if case["t"] < INF else None},
                    "b": {"uscc": lk.code[b], "founded": _iso(int(w.founded[b])), "roles": sorted(current(p, b))},
                    "days_after": int(w.founded[b] - x),
                    "time_only": (p, a, b) not in old_phoenix,
                })
    # cross-region links (roles and holdings valid today)
    def level(a, b):
        ra, rb = lk.region[a], lk.region[b]
        if ra[:2] != rb[:2]:
            return "province"
        if ra[:4] != rb[:4]:
            return "city"
        if ra != rb:
            return "county"
        return None

    links = []
    connectors = [("person", p, {e: current(p, e) for e in roles[p] if current(p, e)}) for p in roles]
    connectors += [("enterprise", o, {e: {"shareholder"} for e in owners[o]}) for o in owners]
    for kind, c, ents in connectors:
        hit = sorted((e for e in ents if e in pen), key=lambda e: lk.code[e])
        for i in range(len(hit)):
            for j in range(i + 1, len(hit)):
                a, b = hit[i], hit[j]
                lv = level(a, b)
                if lv is None:
                    continue
                via = lk.pid[c] if kind == "person" else lk.code[c]
                rel = lambda r: "LEGAL_REP" if "legal_rep" in r else "HOLDS_SHARES"  # noqa: E731
                links.append({
                    "level": lv,
                    "a": {"uscc": lk.code[a], "region": lk.region[a], "active_events": ev_ids(a)},
                    "b": {"uscc": lk.code[b], "region": lk.region[b], "active_events": ev_ids(b)},
                    "via": {"kind": kind, "id": via, "name": lk.pname[c] if kind == "person" else lk.ename[c],
                            **({"key": w.pkey(c)} if kind == "person" else {}),
                            "roles_a": sorted(ents[a]), "roles_b": sorted(ents[b])},
                    "path": [lk.code[a], rel(ents[a]), via, rel(ents[b]), lk.code[b]],
                })
    links.sort(key=lambda x: (["province", "city", "county"].index(x["level"]), x["a"]["uscc"], x["b"]["uscc"], x["via"]["id"]))
    successors = []
    for s_ in w.successor_decoys:
        held = [e for e in ents_of(s_) if "legal_rep" in current(s_, e)]
        successors.append({**lk.person(s_), "enterprises": [
            {"uscc": lk.code[e], "since": _iso(min(f for r, f, t in roles[s_][e] if r == "legal_rep" and t == INF)),
             "active_events": ev_ids(e)} for e in held]})
    successors.sort(key=lambda x: x["id_no"])
    old_only = {"repeat_offenders.person": len({w.pkey(p) for p in old_repeat} - found),
                "phoenix_cases": len(old_phoenix - found_phx)}
    return {"repeat_enterprise": rep_ent, "repeat_person": rep_people, "phoenix": phoenix, "links": links,
            "successor_reps": successors, "old_rule_only": old_only}


def _people_records(w: _World, lk: _Lookup) -> tuple[list[dict], dict[int, str | None]]:
    """Every row naming a planted person (grouped per person), and the ID shown for each common-name decoy."""
    per: dict[int, list[dict]] = {}
    decoy_shown: dict[int, str | None] = {}
    codes = w.code
    for rec in w.records:
        ents = rec["ent"]
        code = dict(zip(np.unique(ents).tolist(), _take(codes, np.unique(ents)).to_pylist()))
        names = _take(w.p_name, rec["person"]).to_pylist()
        for i, (p, e) in enumerate(zip(rec["person"].tolist(), ents.tolist())):
            if p >= w.P0:
                decoy_shown[e] = rec["shown"][i]
                continue
            r = {"uscc": code[e], "name": names[i], "id_shown": rec["shown"][i], "role": rec["role"]}
            if rec["event"] is not None:
                r["event"] = rec["event"][i]
            per.setdefault(p, []).append(r)
    mobiles = _take(w.p_mobile, np.arange(w.P0)).to_pylist()
    people = []
    for p in sorted(per):
        recs = sorted(per[p], key=lambda r: (r["role"], r["uscc"], r.get("event") or ""))
        people.append({"key": w.pkey(p), "name": lk.pname[p], "id_no": lk.pid[p],
                       "disclosure": SI.DISC_NAMES[int(w.pp_disc[p])], "phone": mobiles[p], "records": recs})
    return people, decoy_shown


def _identity_counts(w: _World, people: list[dict], shells: list[dict], phoenix: list[dict]) -> dict:
    """How hard the data is: masked ID rows per source, disclosure profiles, ends without dates."""
    rows = sum(v["person_rows"] for v in w.id_rows.values())
    masked = sum(v["masked"] for v in w.id_rows.values())
    disc: dict[str, int] = {}
    for p in people:
        disc[p["disclosure"]] = disc.get(p["disclosure"], 0) + 1
    revoked = w.status == S_DIAOXIAO
    return {
        "masked_person_rows_share": round(masked / max(rows, 1), 4),
        "masked_person_rows_share_by_source": {k: round(v["masked"] / max(v["person_rows"], 1), 4)
                                               for k, v in w.id_rows.items()},
        "person_rows_by_source": w.id_rows,
        "planted_people_by_disclosure": dict(sorted(disc.items())),
        "shell_clusters_with_masked_hub": sum(s.get("masked_hub", False) for s in shells),
        "revoked_without_dissolution_date": int((revoked & ~w.diss_shown).sum()),
        "revoked": int(revoked.sum()),
        "phoenix_by_end_signal": {sig: sum(x["a"]["end_signal"] == sig for x in phoenix) for sig in (*PHOENIX_ENDS, "role_end")},
    }


def _ground_truth(w: _World, args: dict, bad: list[dict]) -> dict:
    t = w.truth
    uid_file = w.ev_uid.to_pylist()
    uid_of = [""] * len(uid_file)
    for i, j in enumerate(w.ev_order.tolist()):
        uid_of[j] = uid_file[i]
    ents = np.flatnonzero(w.role != R_BG)
    person_ids = np.concatenate([np.arange(w.P0), w.rep_of[[e for e, _ in w.common_name_ents]]]).astype(np.int64)
    lk = _Lookup(w, ents, person_ids)
    d = _derive_truth(w, lk, uid_of)
    ev_by_ent: dict[int, list[int]] = {}
    for j in np.flatnonzero(w.role[w.ev_ent] != R_BG).tolist():
        ev_by_ent.setdefault(int(w.ev_ent[j]), []).append(j)
    hold_rows: dict[int, list[int]] = {}
    for i in np.flatnonzero(w.h_planted).tolist():
        hold_rows.setdefault(int(w.h_ent[i]), []).append(i)
    shells = []
    for s in t["shells"]:
        sub = np.array([i for e in s["members"] for i in hold_rows[e]], np.int64)
        shells.append({
            "hub": lk.person(s["hub"]),
            "members": sorted(lk.code[e] for e in s["members"]),
            "founded": [_iso(int(w.founded[s["members"]].min())), _iso(int(w.founded[s["members"]].max()))],
            "address": s["address"], "phone": str(s["phone"]),
            "listed": sorted(lk.code[e] for e in s["listed"]),
            "unreachable_events": sorted(uid_of[j] for e in s["listed"] for j in ev_by_ent[e] if w.ev_kind[j] == 1),
            "short_lived": sorted(lk.code[e] for e in s["short_lived"]),
            "circular": sorted(lk.code[e] for e in s["circular"]),
            "max_paid_ratio": round(float((w.h_paid[sub] / np.maximum(w.h_sub[sub], 1)).max()), 4),
            "signals": s["signals"], "masked_hub": s["masked_hub"],
        })
    shells.sort(key=lambda x: x["hub"]["id_no"])

    def owner_ref(r):
        kind, i = r
        if kind == "person":
            return {"kind": "person", "id": lk.pid[i], "name": lk.pname[i], "key": w.pkey(i)}
        return {"kind": "enterprise", "id": lk.code[i], "name": lk.ename[i]}

    chains = []
    for c in t["chains"]:
        owners = [{**owner_ref(r), "ratio": ratio} for r, ratio in c["owners"]]
        chains.append({
            "target": {"uscc": lk.code[c["target"]], "name": lk.ename[c["target"]]},
            "depth": c["depth"], "enterprises": sorted(lk.code[e] for e in c["enterprises"]),
            "has_cycle": c["has_cycle"], "cycle": sorted(lk.code[e] for e in c["cycle"]) if c["cycle"] else None,
            "multi_path_holders": [owner_ref(r)["id"] for r in c["multi_path_holders"]],
            "ultimate_owners": owners, "actual_controller": owners[0],
        })
    chains.sort(key=lambda x: x["target"]["uscc"])
    g = w.geo
    people, decoy_shown = _people_records(w, lk)
    decoys = {
        "cluster_addresses": [{"address": c["address"], "region": str(g.county_code[c["county"]]), "name": c["name"],
                               "enterprises": sorted(lk.code[e] for e in c["enterprises"])} for c in t["clusters"]],
        "large_groups": sorted(({"parent": lk.code[x["parent"]], "subsidiaries": sorted(lk.code[e] for e in x["subsidiaries"])}
                                for x in t["groups"]), key=lambda x: x["parent"]),
        "common_name_people": sorted(({"name": nm, "enterprise": lk.code[e], "role": "legal_rep",
                                       "id_shown": decoy_shown.get(e)}
                                      for e, nm in w.common_name_ents), key=lambda x: (x["name"], x["enterprise"])),
        "repaired_repeat": sorted(({"uscc": lk.code[e], "events": [
            {"id": uid_of[j], "status": EVENT_STATUSES[w.ev_status[j]], "decided": _iso(int(w.ev_decided[j]))}
            for j in sorted(ev_by_ent[e], key=lambda j: w.ev_decided[j])]} for e in t["repaired"]), key=lambda x: x["uscc"]),
        "successor_reps": d["successor_reps"],
    }
    counts = {
        "shell_clusters": len(shells), "repeat_offenders.enterprise": len(d["repeat_enterprise"]),
        "repeat_offenders.person": len(d["repeat_person"]), "phoenix_cases": len(d["phoenix"]),
        "repeat_offenders.person_time_only": sum(x["time_only"] for x in d["repeat_person"]),
        "phoenix_cases_time_only": sum(x["time_only"] for x in d["phoenix"]),
        "old_rule_only": d["old_rule_only"], "history": _history_counts(w),
        "cross_region_links": {lv: sum(x["level"] == lv for x in d["links"]) for lv in ("province", "city", "county")},
        "equity_chains": len(chains), "decoys": {k: len(v) for k, v in decoys.items()}, "bad_rows": len(bad),
        "commitments": t["commitments"]["loadable"], "commitment_breach_events": len(t["commitments"]["breach_events"]),
        "red_lists": t["red_lists"]["loadable"], "red_black_pairs": len(t["red_lists"]["red_black_pairs"]),
        **_identity_counts(w, people, shells, d["phoenix"]),
    }
    return {
        "generator": {"name": "creditgraph.etl.synth", "version": GENERATOR_VERSION, **args, "reference_date": REFERENCE_DATE},
        "definitions": DEFINITIONS,
        "counts": counts,
        "shell_clusters": shells,
        "repeat_offenders": {"enterprise": d["repeat_enterprise"], "person": d["repeat_person"]},
        "phoenix_cases": d["phoenix"],
        "cross_region_links": d["links"],
        "equity_chains": chains,
        "decoys": decoys,
        "people": people,
        "commitments": t["commitments"],
        "red_lists": {k: v for k, v in t["red_lists"].items() if k != "red_black_pairs"},
        "red_black_pairs": t["red_lists"]["red_black_pairs"],
        "bad_rows": bad,
    }
