"""The planted patterns: shell clusters, repeat offenders, phoenix cases, cross-region links, equity chains, decoys."""
from __future__ import annotations

import math
import numpy as np
from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import AO_UNREACHABLE, BIG_CITIES, IND_NAMES, K_CORP_SOLO, K_JOINT, K_PERSONS, K_SOLO, NO_DAY, REF, R_CLUSTER, R_COMMON, R_GROUP, R_REPAIRED, ST_ACTIVE, ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN, S_CUNXU, S_DIAOXIAO, S_ZHUXIAO, _day
from creditgraph.etl.synth.world import _World


# --------------------------------------------------------------------------- planted patterns

_SHELL_INDUSTRIES = [IND_NAMES.index(x) for x in ("商务服务业", "科技推广和应用服务业", "批发业", "软件和信息技术服务业")]


def _plant_shells(w: _World, k: int) -> list[dict]:
    rng = w.rng
    out: list[dict] = []
    for _ in range(k):
        m = int(rng.integers(5, 13))
        ents = w.alloc(m)
        county = w.rand_county()
        t0 = w.rday(_day("2016-01-01"), _day("2025-06-30"))
        offs = np.sort(rng.integers(0, 181, m))
        offs -= offs[0]
        hub = w.newp(county)
        if len(out) < 2 or rng.random() < 0.2:  # "clusters with mostly masked heads"
            w.disc_forced[hub] = SI.DISC_MOSTLY_MASKED
        address = w.new_address(county)
        phone = w.new_phone()
        w.pp_phone[hub] = phone
        cap = float(rng.choice([100, 200, 500, 1000, 3000, 5000]))
        a, b = (int(x) for x in rng.choice(m, 2, replace=False))
        for i, e in enumerate(ents):
            kind = K_PERSONS if i in (a, b) else K_SOLO
            w.set_ent(e, county, t0 + int(offs[i]), kind=kind, industry=int(rng.choice(_SHELL_INDUSTRIES)), cap_wan=cap)
            w.addr_override[e] = address
            w.phone_override[e] = phone
            w.rep(e, hub)
        paid = lambda: float(rng.choice([0.0, 0.0, 0.01, 0.02, 0.03, 0.05]))  # noqa: E731
        share_a, share_b = int(rng.integers(2, 5)) * 1000, int(rng.integers(1, 4)) * 1000
        for i, e in enumerate(ents):
            if i == a:  # b holds part of a
                w.hold(e, 0, hub, 10000 - share_b, paid())
                w.hold(e, 1, ents[b], share_b, paid())
            elif i == b:  # a holds part of b
                w.hold(e, 0, hub, 10000 - share_a, paid())
                w.hold(e, 1, ents[a], share_a, paid())
            else:
                w.hold(e, 0, hub, 10000, paid())
        n_list = math.ceil(m / 2) + int(rng.integers(0, m - math.ceil(m / 2) + 1))
        listed = sorted(int(x) for x in rng.choice(m, n_list, replace=False))
        list_day = {}
        for i in listed:
            e = ents[i]
            d = w.rday(w.founded[e] + 120, min(w.founded[e] + 540, REF - 1))
            list_day[i] = d
            w.event(e, "abnormal_operation", d, ST_ACTIVE, reason=AO_UNREACHABLE)
        n_short = int(rng.integers(1, 4))
        short: list[int] = []
        for i in (int(x) for x in rng.permutation(m)):
            if len(short) >= n_short:
                break
            e = ents[i]
            lo = max(w.founded[e] + 200, list_day.get(i, 0) + 30)
            hi = min(w.founded[e] + 700, REF - 1)
            if lo > hi:
                continue
            w.status[e] = S_DIAOXIAO if i in list_day else int(rng.choice([S_ZHUXIAO, S_DIAOXIAO]))
            w.dissolved[e] = w.rday(lo, hi)
            short.append(i)
        signals = ["one_rep_many_companies", "founded_within_180_days", "shared_address", "shared_phone",
                   "unreachable_listing", "tiny_paid_in", "circular_shareholding"]
        if short:
            signals.append("short_life")
        out.append({"members": ents, "hub": hub, "address": address, "phone": phone, "listed": [ents[i] for i in listed],
                    "masked_hub": w.disc_forced.get(hub) == SI.DISC_MOSTLY_MASKED,
                    "short_lived": sorted(ents[i] for i in short), "circular": [ents[a], ents[b]], "signals": signals})
    return out


def _plant_repeat_enterprises(w: _World, k: int) -> None:
    rng = w.rng
    for _ in range(k):
        (e,) = w.alloc(1)
        county = w.rand_county()
        w.set_ent(e, county, w.rday(_day("2008-01-01"), _day("2020-12-31")), kind=int(rng.choice([K_PERSONS, K_SOLO])))
        p = w.newp(county)
        start = w.rday(w.founded[e] + 365, REF - 760)
        since = int(w.founded[e])
        if rng.random() < 0.3:  # p took over as legal representative before the penalties
            since = w.rday(since + 30, start - 1)
            w.rep(e, w.newp(county), until=since)
        if w.kind[e] == K_SOLO:
            w.rep(e, p, since=since)
            w.hold(e, 0, p, 10000, float(rng.choice([0.0, 1.0])))
        else:
            w.rep(e, p, since=since)
            w.hold(e, 0, p, 6000)
            w.hold(e, 0, w.newp(county), 4000)
        n_act = int(rng.integers(3, 5))
        for d in np.sort(rng.integers(0, 700, n_act)):
            w.event(e, w.rand_kind(), start + int(d))
        if rng.random() < 0.5 and start - 900 > w.founded[e] + 60:
            w.event(e, w.rand_kind(), w.rday(w.founded[e] + 60, start - 900), int(rng.choice([ST_REMOVED, ST_REPAIRED])))
        if rng.random() < 0.15:
            w.status[e] = S_DIAOXIAO
            w.dissolved[e] = min(start + 760 + int(rng.integers(0, 300)), REF - 1)


def _plant_repeat_people(w: _World, k: int) -> None:
    rng = w.rng
    for _ in range(k):
        j = 2 if rng.random() < 0.7 else 3
        ents = w.alloc(j)
        county = w.rand_county()
        p = w.newp(county)
        for i, e in enumerate(ents):
            w.set_ent(e, county, w.rday(_day("2005-01-01"), _day("2022-12-31")), kind=K_PERSONS)
            d = w.rday(w.founded[e] + 180, REF - 1)
            if i == 0 or rng.random() < 0.5:
                since = int(w.founded[e])
                if rng.random() < 0.3 and d - since > 60:  # p took over from a predecessor before the penalty
                    since = w.rday(since + 30, d - 1)
                    w.rep(e, w.newp(county), until=since)
                w.rep(e, p, since=since)
                w.hold(e, 0, p, 10000 if rng.random() < 0.5 else 7000)
                if w.pl_hold[-1][3] < 10000:
                    w.hold(e, 0, w.newp(county), 3000)
            else:
                q = w.newp(county)
                w.rep(e, q)
                share = int(rng.integers(30, 50)) * 100
                w.hold(e, 0, q, 10000 - share)
                w.hold(e, 0, p, share)
            w.event(e, w.rand_kind(), d)
            if rng.random() < 0.3:
                w.event(e, w.rand_kind(), w.rday(w.founded[e] + 60, REF - 1), int(rng.choice([ST_REMOVED, ST_REPAIRED])))


PHOENIX_ENDS = ("dissolution_date", "status", "serious_illegal")


def _plant_phoenix(w: _World, k: int) -> None:
    """A punished company ends and its person opens a new one within a year.

    The end shows as a dissolution date (40%), as status 吊销 with no date
    (35%: B is founded within a year of both the hidden revocation and A's
    latest active event), or only as a serious-illegal listing (25%).
    """
    rng, g = w.rng, w.geo
    for _ in range(k):
        a, b = w.alloc(2)
        ca = w.rand_county()
        w.set_ent(a, ca, w.rday(_day("2008-01-01"), _day("2019-12-31")), kind=int(rng.choice([K_PERSONS, K_SOLO])))
        p = w.newp(ca)
        w.owned_solo(a, p, paid=float(rng.choice([0.0, 0.2, 1.0])))
        end = PHOENIX_ENDS[int(rng.choice(3, p=[0.40, 0.35, 0.25]))]
        last = 0
        n_ev = int(rng.integers(1, 3))
        kinds = ["abnormal_operation", "dishonest_debtor", "serious_illegal", "administrative_penalty"]
        for i in range(n_ev):
            d = w.rday(w.founded[a] + 180, min(w.founded[a] + 2000, REF - 500))
            kind = str(rng.choice(kinds if end != "serious_illegal" else kinds[:2] + kinds[3:]))
            if end == "serious_illegal" and i == n_ev - 1:  # the listing comes last: it is the end
                d = max(d, last + 30)
                kind = "serious_illegal"
            w.event(a, kind, d)
            last = max(last, d)
        if end == "serious_illegal":
            dis = last
        elif end == "status":
            dis = w.rday(last + 60, last + 200)  # never written: the registry shows 吊销 only
            w.status[a] = S_DIAOXIAO
            w.dissolved[a] = dis
            w.diss_shown[a] = False
        else:
            dis = w.rday(last + 60, min(last + 500, REF - 30))
            w.status[a] = int(rng.choice([S_ZHUXIAO, S_DIAOXIAO]))
            w.dissolved[a] = dis
        u = rng.random()
        if u < 0.6:
            cb = ca
        elif u < 0.75:
            cb = w.rand_county(city=int(g.county_city[ca]), exclude_county=ca)
        elif u < 0.9 and len(g.prov_counties[g.county_prov[ca]]) > len(g.city_counties[g.county_city[ca]]):
            cb = w.rand_county(prov=int(g.county_prov[ca]), exclude_city=int(g.county_city[ca]))
        else:
            cb = w.rand_county(exclude_prov=int(g.county_prov[ca]))
        latest_b = dis + 365 if end == "dissolution_date" else min(last + 365, dis + 365)
        w.set_ent(b, cb, w.rday(dis, min(latest_b, REF - 1)), kind=K_SOLO)
        w.owned_solo(b, p)
        if rng.random() < 0.3 and w.founded[b] + 60 < REF - 1:
            w.event(b, w.rand_kind(), w.rday(w.founded[b] + 60, REF - 1))


def _plant_cross_region(w: _World, k: int) -> None:
    rng, g = w.rng, w.geo
    multi_city = [p for p in range(len(g.prov_code)) if len(set(g.county_city[g.prov_counties[p]])) > 1]
    for level in ("province", "city", "county"):
        for _ in range(k):
            if level == "province":
                ca = w.rand_county()
                cb = w.rand_county(exclude_prov=int(g.county_prov[ca]))
            elif level == "city":
                ca = w.rand_county(prov=int(rng.choice(multi_city)))
                cb = w.rand_county(prov=int(g.county_prov[ca]), exclude_city=int(g.county_city[ca]))
            else:
                ca = w.rand_county()
                cb = w.rand_county(city=int(g.county_city[ca]), exclude_county=ca)
            a, b = w.alloc(2)
            w.set_ent(a, ca, w.rday(_day("2008-01-01"), _day("2022-12-31")), kind=K_PERSONS)
            w.set_ent(b, cb, w.rday(_day("2008-01-01"), _day("2022-12-31")), kind=K_PERSONS)
            if rng.random() < 0.7:  # a shared person
                p = w.newp(ca)
                w.rep(a, p)
                share = int(rng.choice([10000, 8000, 6000]))
                w.hold(a, 0, p, share)
                if share < 10000:
                    w.hold(a, 0, w.newp(ca), 10000 - share)
                if rng.random() < 0.5:
                    w.owned_solo(b, p)
                else:
                    q = w.newp(cb)
                    w.rep(b, q)
                    s = int(rng.integers(20, 50)) * 100
                    w.hold(b, 0, q, 10000 - s)
                    w.hold(b, 0, p, s)
            else:  # a shared corporate owner
                (o,) = w.alloc(1)
                w.set_ent(o, ca if rng.random() < 0.5 else cb, w.rday(_day("2000-01-01"), _day("2007-12-31")),
                          kind=K_PERSONS, cap_wan=float(rng.choice([1000, 3000, 5000])))
                w.owned_solo(o, w.newp(int(w.county[o])))
                for e, c in ((a, ca), (b, cb)):
                    q = w.newp(c)
                    w.rep(e, q)
                    s = int(rng.integers(40, 101)) * 100
                    w.hold(e, 1, o, s)
                    if s < 10000:
                        w.hold(e, 0, q, 10000 - s)
            for e in (a, b):
                w.event(e, w.rand_kind(), w.rday(w.founded[e] + 180, REF - 1))
                if rng.random() < 0.25:
                    w.event(e, w.rand_kind(), w.rday(w.founded[e] + 60, REF - 1), int(rng.choice([ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN])))


def _split_bp(rng, k: int, total: int = 10000, unit: int = 100, minimum: int = 500) -> list[int]:
    units, mn = total // unit, minimum // unit
    wts = rng.exponential(size=k)
    u = np.floor(wts / wts.sum() * (units - k * mn)).astype(int) + mn
    u[np.argmax(wts)] += units - u.sum()
    return [int(x) * unit for x in u]


def _effective(holders: dict, target) -> dict:
    """Ultimate owners' effective ratios over simple paths (holders[node] = [(holder, ratio)])."""
    eff: dict = {}

    def dfs(node, prod, seen):
        for h, r in holders.get(node, ()):
            if h in seen:
                continue
            x = prod * r
            if not holders.get(h):
                eff[h] = eff.get(h, 0.0) + x
            else:
                dfs(h, x, seen | {h})

    dfs(target, 1.0, frozenset([target]))
    return eff


def _plant_chains(w: _World, k: int) -> list[dict]:
    rng, g = w.rng, w.geo
    out = []
    for ci in range(k):
        want_cycle = ci % 3 == 0 or rng.random() < 0.2
        for _attempt in range(50):
            depth = int(rng.integers(3 if want_cycle else 2, 6))
            level = [0]  # node -> level; node 0 = target
            ntype = ["E"]  # E company with holders, R company without, P person
            edges: dict[tuple[int, int], int] = {}
            frontier = [0]
            for lv in range(1, depth + 1):
                nxt = []
                n_e = sum(t == "E" for t in ntype)
                for fi, c in enumerate(frontier):
                    kk = int(rng.integers(2, 4)) if lv == 1 else int(rng.integers(1, 4))
                    for j, bp in enumerate(_split_bp(rng, kk)):
                        if lv < depth:
                            t = "E" if (j == 0 and fi == 0) or (n_e < 10 and rng.random() < 0.5) else "P"
                        else:
                            t = "R" if rng.random() < 0.25 else "P"
                        node = len(ntype)
                        ntype.append(t)
                        level.append(lv)
                        edges[(node, c)] = bp
                        if t == "E":
                            nxt.append(node)
                            n_e += 1
                frontier = nxt

            def holders_of(c, edges=edges):
                return [(h, bp) for (h, x), bp in edges.items() if x == c]

            def take_share(c, s, edges=edges):
                hs = holders_of(c)
                h, bp = max(hs, key=lambda hb: (hb[1], -hb[0]))
                s = min(s, bp - 100)
                edges[(h, c)] = bp - s
                return s

            multi = []
            companies = [i for i, t in enumerate(ntype) if t == "E"]
            for _x in range(int(rng.integers(1, 3))):
                c = int(rng.choice(companies))
                cand = [i for i in range(len(ntype)) if level[i] > level[c] and (i, c) not in edges]
                if not cand:
                    continue
                h = int(rng.choice(cand))
                s = take_share(c, int(rng.integers(5, 31)) * 100)
                if s > 0:
                    edges[(h, c)] = s
                    multi.append(h)
            cycle = None
            if want_cycle:
                pairs = [(x, y) for (y, x) in edges if x != 0 and ntype[y] == "E" and ntype[x] == "E"]
                if pairs:
                    x, y = pairs[int(rng.integers(len(pairs)))]
                    s = take_share(y, int(rng.integers(5, 16)) * 100)
                    if s > 0:
                        edges[(x, y)] = s
                        cycle = (x, y)
                if cycle is None:
                    continue
            hmap: dict[int, list] = {}
            for (h, c), bp in edges.items():
                hmap.setdefault(c, []).append((h, bp / 10000))
            eff = _effective(hmap, 0)
            vals = sorted(eff.values(), reverse=True)
            if len(vals) > 1 and vals[0] - vals[1] < 1e-6:
                continue
            break
        else:  # pragma: no cover - 50 unlucky draws
            raise RuntimeError("could not plant an equity chain without ties")
        # materialise
        ct = w.rand_county()
        t_founded = w.rday(_day("2012-01-01"), _day("2022-12-31"))
        ent_of: dict[int, int] = {}
        per_of: dict[int, int] = {}
        for node, t in enumerate(ntype):
            if t in "ER":
                (e,) = w.alloc(1)
                county = ct if node == 0 else (w.rand_county(prov=int(g.county_prov[ct])) if rng.random() < 0.7 else w.rand_county())
                f = max(t_founded - level[node] * int(rng.integers(300, 1500)), _day("1995-01-01"))
                w.set_ent(e, county, f, kind=K_JOINT if t == "R" else K_PERSONS,
                          cap_wan=float(rng.choice([1000, 2000, 5000, 10000])))
                w.rep(e, w.newp(county))
                ent_of[node] = e
            else:
                per_of[node] = w.newp(ct)
                w.chain_people.add(per_of[node])
        for h in dict.fromkeys(multi):  # name-only owners holding through two paths: their parts must add up
            if ntype[h] == "P" and rng.random() < 0.5:
                w.disc_forced[per_of[h]] = SI.DISC_NAME_ONLY
        for (h, c), bp in sorted(edges.items()):
            paid = 1.0 if rng.random() < 0.7 else float(rng.choice([0.3, 0.5, 0.8]))
            if ntype[h] == "P":
                w.hold(ent_of[c], 0, per_of[h], bp, paid)
            else:
                w.hold(ent_of[c], 1, ent_of[h], bp, paid)
        def ref(nd, per_of=per_of, ntype=ntype, ent_of=ent_of):
            return ("person", per_of[nd]) if ntype[nd] == "P" else ("enterprise", ent_of[nd])

        owners = sorted(((ref(nd), round(r, 9)) for nd, r in eff.items()), key=lambda t: -t[1])
        out.append({
            "target": ent_of[0], "depth": depth, "enterprises": sorted(ent_of.values()),
            "has_cycle": cycle is not None, "cycle": [ent_of[cycle[0]], ent_of[cycle[1]]] if cycle else None,
            "multi_path_holders": [ref(h) for h in dict.fromkeys(multi)], "owners": owners,
        })
    return out


def _plant_clusters(w: _World, k: int) -> list[dict]:
    rng, g = w.rng, w.geo
    out = []
    big = [i for i in range(len(g.county_code)) if g.city_code[g.county_city[i]] in BIG_CITIES]
    for _ in range(k):
        m = int(rng.integers(20, 61))
        county = int(rng.choice(big)) if rng.random() < 0.7 else w.rand_county()
        address = w.new_address(county, cluster=True)
        chars = W.TRADE_CHARS
        name = (g.city_short[g.county_city[county]] + chars[rng.integers(len(chars))] + chars[rng.integers(len(chars))]
                + W.CLUSTER_CENTRES[rng.integers(len(W.CLUSTER_CENTRES))])
        ents = w.alloc(m)
        for e in ents:
            w.county[e] = county
            w.role[e] = R_CLUSTER
            w.addr_override[e] = address
            if w.founded[e] < _day("2014-03-01"):  # cluster registration started with the 2014 reform
                w.founded[e] = w.rday(_day("2014-03-01"), REF - 1)
                if w.dissolved[e] != NO_DAY and w.dissolved[e] <= w.founded[e]:
                    w.dissolved[e] = NO_DAY
                    w.status[e] = S_CUNXU
        out.append({"address": address, "county": county, "name": name, "enterprises": sorted(ents)})
    return out


def _plant_groups(w: _World, k: int) -> list[dict]:
    rng, g = w.rng, w.geo
    out = []
    for _ in range(k):
        (parent,) = w.alloc(1)
        cp = w.rand_county()
        w.set_ent(parent, cp, w.rday(_day("1998-01-01"), _day("2010-12-31")), kind=K_PERSONS,
                  cap_wan=float(rng.choice([5000, 10000, 20000, 50000])), role=R_GROUP)
        owners = [w.newp(cp) for _i in range(int(rng.integers(2, 4)))]
        w.rep(parent, owners[0])
        for p, bp in zip(owners, _split_bp(rng, len(owners))):
            w.hold(parent, 0, p, bp)
        m = int(rng.integers(10, 31))
        subs = w.alloc(m)
        for e in subs:
            c = w.rand_county(prov=int(g.county_prov[cp])) if rng.random() < 0.6 else w.rand_county()
            w.set_ent(e, c, w.rday(w.founded[parent] + 365, _day("2024-12-31")), kind=K_CORP_SOLO,
                      cap_wan=float(rng.choice([500, 1000, 2000, 5000])), role=R_GROUP)
            q = w.newp(c)
            w.rep(e, q)
            s = 10000 if rng.random() < 0.5 else int(rng.integers(51, 100)) * 100
            w.hold(e, 1, parent, s)
            if s < 10000:
                w.kind[e] = K_PERSONS
                w.hold(e, 0, q, 10000 - s)
        out.append({"parent": parent, "subsidiaries": sorted(subs)})
    return out


def _plant_repaired(w: _World, k: int) -> list[int]:
    rng = w.rng
    out = []
    for _ in range(k):
        (e,) = w.alloc(1)
        w.role[e] = R_REPAIRED
        if w.dissolved[e] != NO_DAY:
            w.dissolved[e] = NO_DAY
            w.status[e] = S_CUNXU
        w.founded[e] = min(w.founded[e], _day("2020-01-01"))
        start = w.rday(w.founded[e] + 200, REF - 1100)
        days = np.sort(rng.integers(0, 700, 3)) + start
        statuses = [ST_ACTIVE, ST_REPAIRED, ST_REMOVED] if rng.random() < 0.7 else [ST_REPAIRED, ST_REPAIRED, ST_WITHDRAWN]
        for d, st in zip(days, rng.permutation(statuses)):
            w.event(e, w.rand_kind(), int(d), int(st), removed=w.rday(int(d) + 60, int(d) + 360) if st != ST_ACTIVE else NO_DAY)
        out.append(e)
    return out


def _plant_common_names(w: _World, k: int) -> None:
    for name in ("张伟", "王芳"):
        for e in w.alloc(k):
            w.role[e] = R_COMMON
            w.common_name_ents.append((e, name))


def _assign_disclosure(w: _World) -> None:
    """How each planted person's rows show their ID number (``w.pp_disc``, one SI.DISC_* per person)."""
    rng = w.rng
    npl = len(w.pp_county)
    companies: list[set] = [set() for _ in range(npl)]
    rep_in: list[set] = [set() for _ in range(npl)]
    for e, p, *_interval in w.pl_rep:
        companies[p].add(e)
        rep_in[p].add(e)
    for e, htype, h, *_rest in w.pl_hold:
        if htype == 0:
            companies[h].add(e)
    kinds = ("chain", "multi_rep", "multi", "single")
    kind = np.empty(npl, np.int8)
    for p in range(npl):
        if p in w.chain_people:
            kind[p] = 0
        elif len(companies[p]) >= 2:
            kind[p] = 1 if companies[p] == rep_in[p] else 2
        else:
            kind[p] = 3
    disc = np.empty(npl, np.int8)
    for i, name in enumerate(kinds):
        sel = np.flatnonzero(kind == i)
        disc[sel] = SI.draw_disclosures(rng, name, len(sel))
    for p, forced in w.disc_forced.items():
        disc[p] = forced
    w.pp_disc = disc
