"""Role history: people who left, successors, holdings that ended (docs/time.md).

Planted (each entity planted, linked only to planted ones):

* ``_plant_repeat_history``: a person behind >= 2 penalised companies who left
  all but at most one of them after the penalty (a successor took over): found
  only when penalties are attributed by decision date;
* ``_plant_successor_decoys``: a person who took over >= 2 companies after all
  their active penalties: legal representative of penalised companies today, but
  no penalty falls in their tenure (a decoy);
* ``_plant_phoenix_timing``: a person leaves company A on day x, A is penalised
  10-150 days later (A need not end), and the person represents a company B
  founded 0-300 days after x (金蝉脱壳 by timing).

Background: ``_background_history`` gives background enterprises former legal
representatives (the current one's ``since`` is the predecessor's ``until``)
and former shareholders, all fresh one-company people, so that the background
still satisfies no pattern. ``_rep_at_decision`` names, for each penalty, the
legal representative in office on its decision date.
"""
from __future__ import annotations

import numpy as np
from creditgraph.etl.synth.base import EXIT_BOTH, EXIT_CHANGE, EXIT_UNTIL, K_PERSONS, K_SOLO, NO_DAY, REF, R_BG, R_CLUSTER, R_REPAIRED, ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN, S_DIAOXIAO, S_ZHUXIAO, _DAY_MIN, _day
from creditgraph.etl.synth.world import _World

# kinds that never end a company (a serious-illegal listing reads as its end)
_NO_END_KINDS = ("administrative_penalty", "abnormal_operation", "dishonest_debtor")
_NO_END_P = (0.4, 0.45, 0.15)


def _kind_no_end(w: _World) -> str:
    return _NO_END_KINDS[int(w.rng.choice(3, p=_NO_END_P))]


def _old_event(w: _World, e: int, lo: int, hi: int) -> None:
    """A removed / repaired / withdrawn event (never counted) somewhere in [lo, hi]."""
    if hi - lo > 60:
        w.event(e, _kind_no_end(w), w.rday(lo, hi), int(w.rng.choice([ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN])))


def _handover(w: _World, e: int, p: int, q: int, x: int, bp: int, as_rep: bool) -> None:
    """p leaves e on day x, q takes over: as legal representative and owner of bp (as_rep), or as the holder of
    p's stake (p was a shareholder only)."""
    rng = w.rng
    f = int(w.founded[e])
    if as_rep:
        w.rep(e, p, since=f, until=x)
        w.rep(e, q, since=x)
    w.hold(e, 0, p, bp, since=f if rng.random() < 0.5 else NO_DAY, until=x, ends_by=w.exit_mode())
    w.hold(e, 0, q, bp, since=x)


def _plant_repeat_history(w: _World, k: int) -> list[int]:
    """Person-level repeat offenders who left penalised companies after the penalty; returns the people."""
    rng = w.rng
    out = []
    for _ in range(k):
        j = 2 if rng.random() < 0.7 else 3
        keep = -1 if rng.random() < 0.4 else int(rng.integers(j))  # the one company they still hold a role in
        for _attempt in range(50):
            f = [w.rday(_day("2005-01-01"), _day("2016-12-31")) for _ in range(j)]
            d = [w.rday(fi + 180, fi + 1800) for fi in f]
            x = [NO_DAY if i == keep else w.rday(d[i] + 30, min(d[i] + 900, REF - 60)) for i in range(j)]
            # no company of theirs is founded within a year after an exit (that would be a phoenix case)
            if all(not (0 <= f[i2] - x[i] <= 400) for i in range(j) if x[i] != NO_DAY for i2 in range(j)):
                break
        else:  # pragma: no cover - 50 unlucky draws
            raise RuntimeError("could not plant a repeat offender with history")
        ents = w.alloc(j)
        county = w.rand_county()
        p = w.newp(county)
        for i, e in enumerate(ents):
            c = county if rng.random() < 0.6 else w.rand_county(prov=int(w.geo.county_prov[county]))
            w.set_ent(e, c, f[i], kind=K_PERSONS)
            owner = rng.random() < 0.7
            if i == keep:
                w.rep(e, p)
                w.hold(e, 0, p, 10000)
            elif owner:  # legal representative and owner, replaced on x
                bp = 10000 if rng.random() < 0.6 else 7000
                _handover(w, e, p, w.newp(c), x[i], bp, as_rep=True)
                if bp < 10000:
                    w.hold(e, 0, w.newp(c), 10000 - bp)
            else:  # a minority shareholder who sold out on x
                q = w.newp(c)
                share = int(rng.integers(30, 50)) * 100
                w.rep(e, q)
                w.hold(e, 0, q, 10000 - share)
                _handover(w, e, p, w.newp(c), x[i], share, as_rep=False)
            w.event(e, _kind_no_end(w), d[i])
            if x[i] != NO_DAY and rng.random() < 0.3:  # the successor's own penalty
                w.event(e, _kind_no_end(w), w.rday(x[i] + 1, REF - 1))
            if rng.random() < 0.3:
                _old_event(w, e, f[i] + 60, REF - 1)
        out.append(p)
    return out


def _plant_successor_decoys(w: _World, k: int) -> None:
    """A person who took over >= 2 penalised companies after their penalties (w.successor_decoys)."""
    rng = w.rng
    for _ in range(k):
        j = 2 if rng.random() < 0.7 else 3
        ents = w.alloc(j)
        county = w.rand_county()  # one county: the successor links no cross-region pair either
        s = w.newp(county)
        for e in ents:
            w.set_ent(e, county, w.rday(_day("2006-01-01"), _day("2018-12-31")), kind=K_PERSONS)
            f = int(w.founded[e])
            days = sorted(w.rday(f + 180, f + 1500) for _ in range(int(rng.integers(1, 3))))
            for dd in days:
                w.event(e, _kind_no_end(w), dd)
            x = w.rday(days[-1] + 30, min(days[-1] + 900, REF - 30))
            r = w.newp(county)
            w.rep(e, r, since=f, until=x)
            w.rep(e, s, since=x)
            if rng.random() < 0.5:  # the shares went to the successor too
                w.hold(e, 0, r, 10000, since=f if rng.random() < 0.5 else NO_DAY, until=x, ends_by=w.exit_mode())
                w.hold(e, 0, s, 10000, since=x)
            else:  # the predecessor keeps most of them
                share = int(rng.integers(10, 40)) * 100
                w.hold(e, 0, r, 10000 - share)
                w.hold(e, 0, s, share, since=x)
            if rng.random() < 0.3:  # removed / repaired events in the successor's time never count
                _old_event(w, e, x, REF - 1)
        w.successor_decoys.append(s)


def _plant_phoenix_timing(w: _World, k: int) -> None:
    """Leave A on x, A penalised 10-150 days after x, a new B founded 0-300 days after x."""
    rng, g = w.rng, w.geo
    for _ in range(k):
        a, b = w.alloc(2)
        ca = w.rand_county()
        w.set_ent(a, ca, w.rday(_day("2008-01-01"), _day("2019-12-31")), kind=K_PERSONS)
        f = int(w.founded[a])
        p = w.newp(ca)
        q = w.newp(ca)
        x = w.rday(f + 365, REF - 400)
        if rng.random() < 0.25:  # a majority shareholder (not the legal representative) sells out
            share = int(rng.integers(51, 81)) * 100
            w.rep(a, q)
            w.hold(a, 0, q, 10000 - share)
            _handover(w, a, p, w.newp(ca), x, share, as_rep=False)
        else:
            w.kind[a] = int(rng.choice([K_PERSONS, K_SOLO]))
            _handover(w, a, p, q, x, 10000, as_rep=True)
        d = x + int(rng.integers(10, 151))
        w.event(a, _kind_no_end(w), d)
        if rng.random() < 0.3:
            w.event(a, _kind_no_end(w), w.rday(d + 1, min(d + 400, REF - 1)))
        if rng.random() < 0.3:
            _old_event(w, a, f + 60, x - 1)
        if rng.random() < 0.3:  # A ends later on (the exit stays x)
            w.status[a] = int(rng.choice([S_ZHUXIAO, S_DIAOXIAO]))
            w.dissolved[a] = w.rday(d + 60, min(d + 500, REF - 2))
        u = rng.random()
        if u < 0.6:
            cb = ca
        elif u < 0.85:
            cb = w.rand_county(prov=int(g.county_prov[ca]))
        else:
            cb = w.rand_county(exclude_prov=int(g.county_prov[ca]))
        w.set_ent(b, cb, min(x + int(rng.integers(0, 301)), REF - 1), kind=K_SOLO)
        w.owned_solo(b, p)
        if rng.random() < 0.3:
            _old_event(w, b, int(w.founded[b]) + 60, REF - 1)


# --------------------------------------------------------------------------- background history


def _background_predecessors(w: _World, ents: np.ndarray, since: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Former legal representatives of most background enterprises whose current one came later than the
    founding (the others show no history, as sources often do).

    Returns (enterprise, since, until) per former representative: one or two, covering [founded, since).
    """
    rng = w.rng
    f = w.founded[ents]
    gap = since - f
    has = (gap >= 2) & np.isin(w.role[ents], [R_BG, R_CLUSTER, R_REPAIRED]) & (rng.random(len(ents)) < 0.7)
    e1, f1, s1 = ents[has], f[has], since[has]
    two = (rng.random(len(e1)) < 0.1) & (s1 - f1 >= 3)
    mid = f1 + 1 + (rng.random(len(e1)) * (s1 - f1 - 1)).astype(np.int64)
    mid = np.minimum(mid, s1 - 1)
    # one predecessor: [f, s); two: [f, mid), [mid, s)
    pe = np.concatenate([e1, e1[two]])
    ps = np.concatenate([f1, mid[two]])
    pu = np.concatenate([np.where(two, mid, s1), s1[two]])
    return pe, ps, pu


def _background_former_holders(w: _World, ents_h: np.ndarray, model: np.ndarray) -> tuple[np.ndarray, ...]:
    """Former shareholders (fresh people) of some background enterprises with several holders.

    Returns (index into ents_h, basis points, since, until, exit shown as EXIT_*) per former holder.
    """
    rng = w.rng
    end = np.where(w.dissolved[ents_h] != NO_DAY, w.dissolved[ents_h], REF)
    f = w.founded[ents_h]
    pick = np.isin(model, ["persons", "joint", "partnership"]) & (end - f >= 3) & (rng.random(len(ents_h)) < 0.14)
    idx = np.flatnonzero(pick)
    f, end = f[idx], end[idx]
    k = len(idx)
    x = f + 1 + (rng.random(k) * (end - f - 1)).astype(np.int64)
    bp = rng.integers(5, 51, k) * 100
    since = np.where(rng.random(k) < 0.5, f, NO_DAY)
    how = rng.choice([EXIT_UNTIL, EXIT_BOTH, EXIT_CHANGE], k, p=[0.5, 0.25, 0.25])
    return idx, bp, since, x, how


def _rep_at_decision(w: _World) -> np.ndarray:
    """For each event: the legal representative in office on its decision date (else the current one)."""
    lr = np.flatnonzero(w.rep_is_lr)
    le, ls = w.rep_ent[lr], np.maximum(w.rep_since[lr], _DAY_MIN)
    order = np.lexsort((ls, le))
    lr, le, ls = lr[order], le[order], ls[order]
    span = np.int64(1 << 32)
    keys = le * span + (ls - _DAY_MIN)
    q = w.ev_ent * span + (np.maximum(w.ev_decided, _DAY_MIN) - _DAY_MIN)
    i = np.searchsorted(keys, q, "right") - 1
    ic = np.maximum(i, 0)
    until = w.rep_until[lr[ic]]
    ok = (i >= 0) & (le[ic] == w.ev_ent) & ((until == NO_DAY) | (until > w.ev_decided))
    out = w.rep_of[w.ev_ent].copy()
    out[ok] = w.rep_person[lr[ic[ok]]]
    return out


def _history_counts(w: _World) -> dict:
    """How many enterprises show a former legal representative or shareholder (counts.history)."""
    n = w.n
    former_lr = np.zeros(n, bool)
    former_lr[w.rep_ent[w.rep_is_lr & (w.rep_until != NO_DAY)]] = True
    former_sh = np.zeros(n, bool)
    former_sh[w.h_ent[w.h_until != NO_DAY]] = True
    either = former_lr | former_sh
    return {
        "enterprises_with_former_legal_rep": int(former_lr.sum()),
        "enterprises_with_former_shareholder": int(former_sh.sum()),
        "enterprises_with_history": int(either.sum()),
        "share_with_history": round(float(either.mean()), 4),
        "former_legal_rep_rows": int((w.rep_is_lr & (w.rep_until != NO_DAY)).sum()),
        "former_shareholder_rows": int((w.h_until != NO_DAY).sum()),
        "exits_shown_by_equity_change": int(np.isin(w.h_exit, [EXIT_BOTH, EXIT_CHANGE]).sum()),
        "exits_shown_only_by_equity_change": int((w.h_exit == EXIT_CHANGE).sum()),
    }


def _distinct_names(w: _World) -> None:
    """In an enterprise with history, the people on its legal_reps rows have distinct names, and so have its
    person shareholders (those rows are keyed by name, and an equity change names the holder): rename clashes.

    Forced names (the common-name decoys) stay; a clash renames the person with the higher index.
    """
    import pyarrow.compute as pc
    from creditgraph.etl.synth import names as W
    from creditgraph.etl.synth.base import _replace_rows, _take, _weights

    rng, n = w.rng, w.n
    hist_lr = np.zeros(n, bool)
    hist_lr[w.rep_ent[w.rep_until != NO_DAY]] = True
    hist_h = np.zeros(n, bool)
    hist_h[w.h_ent[w.h_until != NO_DAY]] = True
    r = hist_lr[w.rep_ent]
    hp = (w.h_type == 0) & hist_h[w.h_ent]
    np_ = len(w.p_state) + 1
    te = np.concatenate([w.rep_ent[r], n + w.h_ent[hp]])  # (table, enterprise)
    per = np.concatenate([w.rep_person[r], w.h_holder[hp]])
    u = np.unique(te * np_ + per)  # one entry per (table, enterprise, person)
    te, per = u // np_, u % np_
    forced_first = -(w.p_forced[per] >= 0).astype(np.int64)
    sn, snp = _weights(W.SURNAMES)
    for _ in range(20):
        enc = pc.dictionary_encode(_take(w.p_name, per))
        code = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        key = te * (len(enc.dictionary) + 1) + code
        order = np.lexsort((per, forced_first, key))  # the first of a clash keeps its name
        ks = key[order]
        dup = np.zeros(len(ks), bool)
        dup[1:] = ks[1:] == ks[:-1]
        bad = np.unique(per[order][dup])
        bad = bad[w.p_forced[bad] < 0]
        if not len(bad):
            return
        k = len(bad)
        fresh = [str(a) + str(b) + str(c) for a, b, c in zip(
            np.array(sn, object)[rng.choice(len(sn), k, p=snp)],
            np.array(list(W.GIVEN_CHARS), object)[rng.integers(0, len(W.GIVEN_CHARS), k)],
            np.array(list(W.GIVEN_CHARS), object)[rng.integers(0, len(W.GIVEN_CHARS), k)])]
        w.p_name = _replace_rows(w.p_name, bad, fresh)
    raise RuntimeError("could not give the people of each enterprise distinct names")  # pragma: no cover
