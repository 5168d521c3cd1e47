"""Background enterprises, people and events around the planted patterns."""
from __future__ import annotations

import numpy as np
from creditgraph.etl.synth.base import ID_FULL, ID_MASKED, ID_NONE, KIND_MODEL, NO_DAY, REF, R_BG, R_CLUSTER, R_COMMON, R_REPAIRED, ST_ACTIVE, ST_REMOVED, _COMPANY_KIND, _day, _dups
from creditgraph.etl.synth.history import _background_former_holders, _background_predecessors, _rep_at_decision
from creditgraph.etl.synth.world import _World


# --------------------------------------------------------------------------- background


def _same_province_county(w: _World, county: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A uniformly random county of the same province as each given county."""
    g = w.geo
    order = np.argsort(g.county_prov, kind="stable")
    prov_sorted = g.county_prov[order]
    p = g.county_prov[county]
    lo = np.searchsorted(prov_sorted, p, "left")
    hi = np.searchsorted(prov_sorted, p, "right")
    return order[lo + (u * (hi - lo)).astype(np.int64)]


def _person_counties(w: _World, ent_county: np.ndarray) -> np.ndarray:
    rng, g = w.rng, w.geo
    k = len(ent_county)
    u = rng.random(k)
    same_prov = _same_province_county(w, ent_county, rng.random(k))
    anywhere = rng.choice(len(g.county_code), k, p=g.county_weight)
    return np.where(u < 0.5, ent_county, np.where(u < 0.8, same_prov, anywhere))


def _background_events(w: _World) -> None:
    rng = w.rng
    elig = np.flatnonzero(np.isin(w.role, [R_BG, R_CLUSTER, R_COMMON]))
    pen = elig[rng.random(len(elig)) < 0.04]
    two = rng.random(len(pen)) < 0.18
    ents = np.concatenate([pen, pen[two]])
    lo = w.founded[ents] + 30
    hi = np.where(w.dissolved[ents] != NO_DAY, w.dissolved[ents], REF - 1)
    hi = np.minimum(hi, REF - 1)
    decided = lo + (rng.random(len(ents)) * np.maximum(hi - lo + 1, 0)).astype(np.int64)
    decided = np.minimum(decided, REF - 1)
    kind = rng.choice(4, len(ents), p=[0.35, 0.45, 0.08, 0.12])
    status = rng.choice(4, len(ents), p=[0.62, 0.2, 0.12, 0.06])
    removed = decided + rng.integers(60, 900, len(ents))
    status[removed > REF] = ST_ACTIVE
    first, second = np.flatnonzero(two), len(pen) + np.arange(two.sum())
    clash = (status[first] == ST_ACTIVE) & (status[second] == ST_ACTIVE) & (np.abs(decided[first] - decided[second]) <= 730)
    fix = second[clash]
    status[fix] = ST_REMOVED
    removed[fix] = np.minimum(decided[fix] + rng.integers(60, 400, len(fix)), REF)
    removed[status == ST_ACTIVE] = NO_DAY
    w.bg_ev = (ents, kind, decided, status, removed)


def _background_people(w: _World) -> None:
    """Legal representatives, shareholders and officers of the background (vectorised)."""
    rng, n = w.rng, w.n
    P0 = len(w.pp_county)
    # ---- legal representatives: one fresh person per enterprise
    ents_r = np.flatnonzero(np.isin(w.role, [R_BG, R_CLUSTER, R_REPAIRED, R_COMMON]))
    nr = len(ents_r)
    r_state = rng.choice(4, nr, p=[0.30, 0.58, 0.10, 0.02])
    r_forced = np.full(nr, -1, np.int64)
    forced_names = ["张伟", "王芳"]
    r_county = _person_counties(w, w.county[ents_r])
    common_pos = np.zeros(0, np.int64)
    if w.common_name_ents:
        # common-name decoys: name-only, or a masked ID that shows only a region prefix of one city per name
        pos = np.searchsorted(ents_r, [e for e, _ in w.common_name_ents])
        which = np.array([forced_names.index(nm) for _, nm in w.common_name_ents])
        masked = rng.random(len(pos)) < 0.5
        r_state[pos] = np.where(masked, ID_MASKED, ID_NONE)
        r_forced[pos] = which
        g = w.geo
        cities = [int(g.county_city[w.county[w.common_name_ents[int(np.argmax(which == i))][0]]]) for i in range(len(forced_names))]
        if w.blk.carry is not None:  # one city per name over all blocks: the first block's
            cities = w.blk.carry.common_cities(cities)
        home = [g.city_counties[c] for c in cities]
        r_county[pos] = [int(home[i][rng.integers(len(home[i]))]) for i in which]
        common_pos = pos[masked]
    r_birth = w.founded[ents_r] - rng.integers(22 * 365, 55 * 365, nr)
    r_birth = np.clip(r_birth, _day("1940-01-01"), _day("2004-12-31"))
    rep_person = np.full(n, -1, np.int64)
    rep_person[ents_r] = P0 + np.arange(nr)
    # ---- pairs: a background person with an ID who represents two enterprises
    has_ev = np.zeros(n, bool)
    has_ev[w.bg_ev[0]] = True
    city = w.geo.county_city[w.county]
    cand = ents_r[(w.role[ents_r] == R_BG) & (r_state == ID_FULL) & (rng.random(nr) < 0.12)]
    order = np.lexsort((rng.random(len(cand)), city[cand]))
    cs = cand[order]
    cc = city[cs]
    starts = np.flatnonzero(np.r_[True, cc[1:] != cc[:-1]])
    sizes = np.diff(np.r_[starts, len(cs)])
    grp = np.repeat(np.arange(len(starts)), sizes)
    posg = np.arange(len(cs)) - starts[grp]
    half = (sizes // 2)[grp]
    left = np.flatnonzero(posg < half)
    e1, e2 = cs[left], cs[left + half[left]]
    swap = w.founded[e1] > w.founded[e2]
    e1, e2 = np.where(swap, e2, e1), np.where(swap, e1, e2)

    # each enterprise's (at most two) background event days: any of them may read as its end
    ev_days = np.full((n, 2), NO_DAY, np.int64)
    be, bd = w.bg_ev[0], w.bg_ev[2]
    first_ev = ~_dups(be)
    ev_days[be[first_ev], 0] = bd[first_ev]
    ev_days[be[~first_ev], 1] = bd[~first_ev]

    def phoenix_like(a, b):
        ends = np.column_stack([w.dissolved[a], ev_days[a]])
        gap = w.founded[b][:, None] - ends
        return has_ev[a] & ((ends != NO_DAY) & (gap >= 0) & (gap <= 365)).any(axis=1)

    ok = ((w.founded[e2] - w.founded[e1]) >= 730) & ~(has_ev[e1] & has_ev[e2]) & ~phoenix_like(e1, e2) & ~phoenix_like(e2, e1)
    e1, e2 = e1[ok], e2[ok]
    as_rep = rng.random(len(e1)) < 0.7
    rep_person[e2[as_rep]] = rep_person[e1[as_rep]]
    sh_pairs = (e1[~as_rep], e2[~as_rep])
    # ---- shareholders
    ents_h = ents_r
    model = KIND_MODEL[w.kind[ents_h]]
    nh = np.zeros(len(ents_h), np.int64)
    nh[model == "solo_person"] = 1
    nh[model == "corp_solo"] = 1
    m = model == "persons"
    nh[m] = rng.choice([1, 2, 3, 4], m.sum(), p=[0.25, 0.4, 0.25, 0.1])
    m = model == "joint"
    nh[m] = rng.integers(3, 7, m.sum())
    m = model == "partnership"
    nh[m] = rng.integers(2, 5, m.sum())
    has = nh > 0
    ents_h, nh, model = ents_h[has], nh[has], model[has]
    M = int(nh.sum())
    hent = np.repeat(ents_h, nh)
    hstart = np.cumsum(nh) - nh
    hpos = np.arange(M) - np.repeat(hstart, nh)
    hmodel = np.repeat(model, nh)
    u = rng.random(M)
    is_rep = (hpos == 0) & ((hmodel == "solo_person") | ((hmodel == "persons") & (u < 0.85)) | (hmodel == "joint")
                            | ((hmodel == "partnership") & (u < 0.8)))
    is_corp = ((hmodel == "corp_solo") | ((hmodel == "persons") & (hpos > 0) & (u < 0.06))
               | ((hmodel == "joint") & (((hpos == 1) & (u < 0.6)) | ((hpos > 1) & (u < 0.15))))
               | ((hmodel == "partnership") & (hpos == 0) & (u >= 0.8)))
    # corporate holders: an enterprise of the same county (never planted or decoy)
    pool = np.flatnonzero((w.role == R_BG) & _COMPANY_KIND[w.kind])
    pool = pool[np.argsort(w.county[pool], kind="stable")]
    pool_c = w.county[pool]
    hholder = np.full(M, -1, np.int64)
    ci = np.flatnonzero(is_corp)
    c = w.county[hent[ci]]
    lo = np.searchsorted(pool_c, c, "left")
    size = np.searchsorted(pool_c, c, "right") - lo
    has_pool = size > 0
    pick = lo + (rng.random(len(ci)) * size).astype(np.int64)
    pick[~has_pool] = 0
    picked = pool[pick] if len(pool) else np.full(len(ci), -1, np.int64)
    self_pick = has_pool & (picked == hent[ci])
    pick = np.where(self_pick, lo + (pick - lo + 1) % np.maximum(size, 1), pick)  # the next one in the county
    fail = ~has_pool | ((size == 1) & self_pick)
    hholder[ci[~fail]] = pool[pick[~fail]]
    is_corp[ci[fail]] = False
    key = hent * n + np.where(is_corp, hholder, -1 - np.arange(M))
    dup = _dups(key) & is_corp
    is_corp[dup] = False
    hholder[~is_corp] = -1
    is_new = ~is_rep & ~is_corp
    # new people behind the new-person rows
    nn = int(is_new.sum())
    n_state = rng.choice([ID_NONE, ID_FULL, ID_MASKED], nn, p=[0.45, 0.30, 0.25])
    n_county = _person_counties(w, w.county[hent[is_new]])
    n_birth = rng.integers(_day("1950-01-01"), _day("2000-12-31"), nn)
    P1 = P0 + nr
    hperson = np.full(M, -1, np.int64)
    hperson[is_new] = P1 + np.arange(nn)
    # the shareholder variant of pairs: e1's representative holds shares in e2
    s1, s2 = sh_pairs
    if len(s1):
        target = np.zeros(n, np.int64) - 1
        target[s2] = rep_person[s1]
        rows = np.flatnonzero(is_new & (target[hent] >= 0))
        _, firsts = np.unique(hent[rows], return_index=True)
        rows = rows[firsts]
        hperson[rows] = target[hent[rows]]
        done = np.zeros(n, bool)
        done[hent[rows]] = True
        rest = s2[~done[s2]]
        rep_person[rest] = target[rest]
    hperson[is_rep] = rep_person[hent[is_rep]]
    # ratios (whole percent units summing to 100)
    wts = rng.exponential(size=M)
    wts[hpos == 0] *= 2.0
    gsum = np.add.reduceat(wts, hstart)
    nh_r = np.repeat(nh, nh)
    units = np.floor(wts / np.repeat(gsum, nh) * (100 - nh_r)).astype(np.int64) + 1
    units[hstart] += 100 - np.add.reduceat(units, hstart)
    bp = units * 100
    sub = w.cap_yuan[hent] * bp // 10000
    mode = rng.choice(4, len(ents_h), p=[0.35, 0.15, 0.30, 0.20])  # full, partial, zero, unknown
    frac = rng.uniform(0.1, 0.9, len(ents_h))
    hm, hf = np.repeat(mode, nh), np.repeat(frac, nh)
    paid = np.where(hm == 0, sub, np.where(hm == 1, (sub * hf).astype(np.int64), 0))
    paid[hm == 3] = -1
    # ---- officers (name-only or masked)
    off_ents = ents_r[_COMPANY_KIND[w.kind[ents_r]] & (rng.random(nr) < 0.2)]
    no = len(off_ents)
    o_state = np.where(rng.random(no) < 0.8, ID_NONE, ID_MASKED)
    o_county = _person_counties(w, w.county[off_ents])
    o_birth = rng.integers(_day("1950-01-01"), _day("2000-12-31"), no)
    P2 = P1 + nn
    # ---- history: the current representative's start, and former representatives before it
    bg_rep_ents = ents_r
    fr = w.founded[bg_rep_ents]
    end = np.where(w.dissolved[bg_rep_ents] != NO_DAY, w.dissolved[bg_rep_ents], REF)
    late = fr + 1 + (rng.random(nr) * np.maximum(end - fr - 1, 0)).astype(np.int64)
    since_bg = np.where(rng.random(nr) < 0.7, fr, np.minimum(late, REF - 1))
    pe, ps, pu = _background_predecessors(w, bg_rep_ents, since_bg)
    nf = len(pe)
    f_state = rng.choice(4, nf, p=[0.30, 0.58, 0.10, 0.02])
    f_county = _person_counties(w, w.county[pe])
    f_birth = np.clip(w.founded[pe] - rng.integers(22 * 365, 55 * 365, nf), _day("1940-01-01"), _day("2004-12-31"))
    P3 = P2 + no
    # former shareholders (fresh people); a new-person holder after them took their stake over on that day
    fi, f_bp, f_since, f_until, f_how = _background_former_holders(w, ents_h, model)
    nfh = len(fi)
    fh_ent = ents_h[fi]
    fh_state = rng.choice([ID_NONE, ID_FULL, ID_MASKED], nfh, p=[0.45, 0.30, 0.25])
    fh_county = _person_counties(w, w.county[fh_ent])
    fh_birth = rng.integers(_day("1950-01-01"), _day("2000-12-31"), nfh)
    P4 = P3 + nf
    h_since = np.where(rng.random(M) < 0.4, w.founded[hent], NO_DAY)
    taker = hstart[fi] + nh[fi] - 1
    new_taker = is_new[taker]
    h_since[taker[new_taker]] = f_until[new_taker]
    fh_sub = w.cap_yuan[fh_ent] * f_bp // 10000
    fm, ff = mode[fi], frac[fi]
    fh_paid = np.where(fm == 0, fh_sub, np.where(fm == 1, (fh_sub * ff).astype(np.int64), 0))
    fh_paid[fm == 3] = -1
    # ---- people table (planted people first)
    npl = P0
    w.p_state = np.concatenate([np.full(npl, ID_FULL), r_state, n_state, o_state, f_state, fh_state]).astype(np.int8)
    w.p_county = np.concatenate([np.array(w.pp_county, np.int64), r_county, n_county, o_county, f_county, fh_county])
    w.p_birth = np.concatenate([np.array(w.pp_birth, np.int64), r_birth, n_birth, o_birth, f_birth, fh_birth])
    w.p_forced = np.concatenate([np.full(npl, -1), r_forced, np.full(nn + no + nf + nfh, -1)])
    w.p_prefix_only = np.zeros(len(w.p_forced), bool)  # masked decoys show only the region prefix
    w.p_prefix_only[P0 + common_pos] = True
    w.forced_names = forced_names
    w.p_kind = np.concatenate([np.zeros(npl), np.ones(nr), np.full(nn, 2), np.full(no, 3), np.ones(nf),
                               np.full(nfh, 2)]).astype(np.int8)
    w.P0 = P0
    # ---- edges: planted + background
    pr = np.array(w.pl_rep, np.int64).reshape(-1, 4)
    w.rep_ent = np.concatenate([pr[:, 0], bg_rep_ents, off_ents, pe])
    w.rep_person = np.concatenate([pr[:, 1], rep_person[bg_rep_ents], P2 + np.arange(no), P3 + np.arange(nf)])
    w.rep_since = np.concatenate([pr[:, 2], since_bg, w.founded[off_ents], ps])
    w.rep_until = np.concatenate([pr[:, 3], np.full(nr + no, NO_DAY, np.int64), pu])
    w.rep_is_lr = np.concatenate([np.ones(len(pr) + nr, bool), np.zeros(no, bool), np.ones(nf, bool)])
    ph = w.pl_hold
    p_ent = np.array([h[0] for h in ph], np.int64)
    p_type = np.array([h[1] for h in ph], np.int64)
    p_holder = np.array([h[2] for h in ph], np.int64)
    p_bp = np.array([h[3] for h in ph], np.int64)
    p_frac = np.array([h[4] for h in ph], float)
    p_int = np.array([h[5:] for h in ph], np.int64).reshape(-1, 3)  # since, until, exit
    p_sub = w.cap_yuan[p_ent] * p_bp // 10000
    p_paid = np.round(p_sub * p_frac).astype(np.int64)
    w.h_ent = np.concatenate([p_ent, hent, fh_ent])
    w.h_type = np.concatenate([p_type, is_corp.astype(np.int64), np.zeros(nfh, np.int64)])
    w.h_holder = np.concatenate([p_holder, np.where(is_corp, hholder, hperson), P4 + np.arange(nfh)])
    w.h_bp = np.concatenate([p_bp, bp, f_bp])
    w.h_sub = np.concatenate([p_sub, sub, fh_sub])
    w.h_paid = np.concatenate([p_paid, paid, fh_paid])
    w.h_planted = np.concatenate([np.ones(len(ph), bool), np.zeros(M + nfh, bool)])
    w.h_since = np.concatenate([p_int[:, 0], h_since, f_since])
    w.h_until = np.concatenate([p_int[:, 1], np.full(M, NO_DAY, np.int64), f_until])
    w.h_exit = np.concatenate([p_int[:, 2], np.zeros(M, np.int64), f_how])
    # current legal representative per enterprise (the one named on subject rows)
    w.rep_of = np.full(n, -1, np.int64)
    lr = w.rep_is_lr & (w.rep_until == NO_DAY)
    w.rep_of[w.rep_ent[lr][::-1]] = w.rep_person[lr][::-1]  # first listed wins
    # events
    pv = w.pl_ev
    be, bk, bd, bs, br = w.bg_ev
    w.ev_ent = np.concatenate([np.array([x[0] for x in pv], np.int64), be])
    w.ev_kind = np.concatenate([np.array([x[1] for x in pv], np.int64), bk])
    w.ev_decided = np.concatenate([np.array([x[2] for x in pv], np.int64), bd])
    w.ev_status = np.concatenate([np.array([x[3] for x in pv], np.int64), bs])
    w.ev_removed = np.concatenate([np.array([x[4] for x in pv], np.int64), br])
    w.ev_reason_override = [x[5] for x in pv] + [None] * len(be)
    w.ev_planted = np.concatenate([np.ones(len(pv), bool), np.zeros(len(be), bool)])
    w.ev_rep = _rep_at_decision(w)  # the legal representative named on each penalty
