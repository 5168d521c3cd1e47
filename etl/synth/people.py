"""Identifiers and names: codes, phones, addresses, e-mails and person names of the world."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import ID_FULL, ID_MASKED, IND_WORDS, KIND_COOP, KIND_DIGIT, KIND_INDIVIDUAL, KIND_MODEL, KIND_SOLE_PROPRIETOR, NO_DAY, R_BG, R_PLANTED, _ascii_rows, _cat, _civil, _day, _dups, _id_matrix, _istr, _mobiles, _null_where, _pad, _regno_matrix, _replace_rows, _s, _str_dups, _tag, _tag_digits, _take, _uscc_matrix, _weights
from creditgraph.etl.synth.world import _World


# --------------------------------------------------------------------------- identifiers and names


def _identifiers(w: _World) -> None:
    rng, n, g = w.rng, w.n, w.geo
    tag, carry = w.blk.tag, w.blk.carry
    code6 = g.county_code[w.county]
    # USCCs (unique; over blocks by their tag)
    new_style = w.founded >= _day("2015-10-01")
    m = _uscc_matrix(rng, KIND_DIGIT[w.kind], code6, new_style, tag)
    for _ in range(20):
        dup = _dups(m.view("V18").ravel())
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        m[idx] = _uscc_matrix(rng, KIND_DIGIT[w.kind[idx]], code6[idx], new_style[idx], tag)
    uscc = _ascii_rows(m)
    # legacy registration numbers
    reg = _regno_matrix(rng, code6, tag)
    for _ in range(20):
        dup = _dups(reg.view("V15").ravel())
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        reg[idx] = _regno_matrix(rng, code6[idx], tag)
    regno = _ascii_rows(reg)
    old = w.founded < _day("2014-01-01")
    bg_old = (w.role == R_BG) & old & (KIND_MODEL[w.kind] != "none")
    p_leg = min(1.0, 0.02 * n / max(1, bg_old.sum()))
    w.legacy = bg_old & (rng.random(n) < p_leg)
    w.code = pc.if_else(pa.array(w.legacy), regno, uscc)  # upper-case key of each enterprise
    w.regno = _null_where(regno, ~(w.legacy | (old & (rng.random(n) < 0.5))))
    w.uscc_m = m
    # subject ids (pripid-like)
    w.subject_id = _cat(_istr(code6), _pad(rng.permutation(n) + 1 + w.blk.enterprises, 10))
    # names
    city = g.county_city[w.county]
    model = KIND_MODEL[w.kind]
    chars = _s(W.TRADE_CHARS)
    city_short = _take(_s(g.city_short), city)
    county_name = _take(_s(g.county_name), w.county)
    ind_word = _take(_s(IND_WORDS), w.industry)
    suffix = np.empty(n, object)
    suffix[:] = "有限公司"
    for mod, opts in W.KIND_SUFFIX.items():
        sel = np.flatnonzero(model == mod)
        suffix[sel] = np.array(opts, object)[rng.integers(0, len(opts), len(sel))]
    sel = np.flatnonzero(w.kind == KIND_SOLE_PROPRIETOR)
    suffix[sel] = np.array(W.SOLE_PROPRIETOR_SUFFIX, object)[rng.integers(0, len(W.SOLE_PROPRIETOR_SUFFIX), len(sel))]
    sel = np.flatnonzero(w.kind == KIND_INDIVIDUAL)
    suffix[sel] = np.array(W.INDIVIDUAL_SUFFIX, object)[rng.integers(0, len(W.INDIVIDUAL_SUFFIX), len(sel))]
    suffix[w.kind == KIND_COOP] = W.COOP_SUFFIX
    suffix = pa.array(suffix, pa.string())
    local = (w.kind == KIND_SOLE_PROPRIETOR) | (w.kind == KIND_INDIVIDUAL) | (w.kind == KIND_COOP)
    prefix = pc.if_else(pa.array(local), county_name, city_short)

    def trade(k):
        a = rng.integers(0, len(W.TRADE_CHARS), (k, 3))
        three = rng.random(k) < 0.3
        c3 = _null_where(_take(chars, a[:, 2]), ~three)
        return _cat(_take(chars, a[:, 0]), _take(chars, a[:, 1]), c3)

    zihao = trade(n)
    names = _cat(prefix, zihao, ind_word, suffix)

    def redraw(idx):
        return _cat(_take(prefix, idx), trade(len(idx)), _take(ind_word, idx), _take(suffix, idx))

    for _ in range(30 if carry is None else 0):
        dup = _str_dups(names)
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        names = _replace_rows(names, idx, redraw(idx).to_pylist())
    w.name = names if carry is None else carry.unique_enterprise_names(names, redraw)  # nor an earlier block's
    # addresses
    def addresses(idx):
        k = len(idx)
        prov = _take(_s(g.prov_name), g.county_prov[w.county[idx]])
        prov = _null_where(prov, rng.random(k) < 0.1)
        cityf = _take(_s(g.city_full), city[idx])
        road = _take(_s(W.ROAD_WORDS), rng.integers(0, len(W.ROAD_WORDS), k))
        sitems, sp = _weights(W.ROAD_SUFFIXES)
        sfx = _take(_s(sitems), rng.choice(len(sitems), k, p=sp))
        num = _istr(rng.integers(1, 1000, k))
        u = rng.random(k)
        room_a = _cat(_istr(rng.integers(1, 30, k)), "幢", _istr(rng.integers(1, 30, k)), _pad(rng.integers(1, 20, k), 2), "室")
        room_b = _cat(_istr(rng.integers(1, 30, k)), _pad(rng.integers(1, 20, k), 2), "室")
        room = pc.if_else(pa.array(u < 0.3), room_a, pc.if_else(pa.array(u < 0.6), room_b, pa.scalar("", pa.string())))
        return _cat(prov, cityf, _take(county_name, idx), road, sfx, num, "号", room)

    addr = addresses(np.arange(n))
    reserved = pa.array(sorted(w.reserved_addresses), pa.string())
    for _ in range(30):
        bad = pc.is_in(addr, value_set=reserved).to_numpy(zero_copy_only=False)
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        addr = _replace_rows(addr, idx, addresses(idx).to_pylist())
    ov = sorted(w.addr_override)
    w.address = _replace_rows(addr, np.array(ov, np.int64), [w.addr_override[e] for e in ov])
    # authority
    admin = pc.if_else(pa.array(np.array(g.city_full)[city] == ""), _take(_s(g.prov_name), g.county_prov[w.county]),
                       _take(_s(g.city_full), city))
    county_level = rng.random(n) < 0.5
    old_name = (w.dissolved != NO_DAY) & (w.dissolved < _day("2015-01-01"))
    body = pc.if_else(pa.array(old_name), pa.scalar("工商行政管理局"), pa.scalar("市场监督管理局"))
    w.authority = _cat(admin, _null_where(county_name, ~county_level), body)
    w.admin_prefix = admin


def _unique_names_for(w: _World, names: pa.Array, people: np.ndarray) -> pa.Array:
    """Give ``people`` names that nobody else in the data set has (surname + two rare characters)."""
    import pandas as pd

    rng = w.rng
    sn, snp = _weights(W.SURNAMES)
    for _ in range(50):
        shared = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([names]))).duplicated(keep=False).to_numpy()
        clash = shared[people]
        if not clash.any():
            return names
        idx = people[clash]
        k = len(idx)
        fresh = [str(a) + str(b) + str(c) for a, b, c in zip(
            np.array(sn, object)[rng.choice(len(sn), k, p=snp)],
            np.array(list(W.GIVEN_CHARS), object)[rng.integers(0, len(W.GIVEN_CHARS), k)],
            np.array(list(W.GIVEN_CHARS), object)[rng.integers(0, len(W.GIVEN_CHARS), k)])]
        names = _replace_rows(names, idx, fresh)
    raise RuntimeError("could not give name-only people unique names")  # pragma: no cover


def _people(w: _World) -> None:
    """Names, ID numbers, phones and e-mails of everyone."""
    rng, g = w.rng, w.geo
    npers = len(w.p_state)
    sn, snp = _weights(W.SURNAMES)
    cg, cgp = _weights(W.COMMON_GIVEN)
    gc = _s(W.GIVEN_CHARS)
    surname = _take(_s(sn), rng.choice(len(sn), npers, p=snp))
    common = _take(_s(cg), rng.choice(len(cg), npers, p=cgp))
    c1 = _take(gc, rng.integers(0, len(W.GIVEN_CHARS), npers))
    c2 = _null_where(_take(gc, rng.integers(0, len(W.GIVEN_CHARS), npers)), rng.random(npers) < 0.25)
    given = pc.if_else(pa.array(rng.random(npers) < 0.35), common, _cat(c1, c2))
    names = _cat(surname, given)
    forced = w.p_forced >= 0
    if forced.any():
        idx = np.flatnonzero(forced)
        names = _replace_rows(names, idx, [w.forced_names[i] for i in w.p_forced[idx]])
    w.p_name = _unique_names_for(w, names, np.flatnonzero(w.pp_disc == SI.DISC_NAME_ONLY))
    # resident ID numbers (unique among everyone who has one)
    has_id = (w.p_state == ID_FULL) | (w.p_state == ID_MASKED)
    code6 = g.county_code[w.p_county]
    seq = rng.integers(0, 1000, npers)
    y, mo, d = _civil(w.p_birth)
    key = code6 * 10**11 + (y * 10000 + mo * 100 + d) * 1000
    for _ in range(50):
        k = np.where(has_id, key + _tag(seq, 1000, w.blk.tag), -1 - np.arange(npers))  # over blocks: by the tag
        dup = _dups(k)
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 1000, dup.sum())
    idm = _id_matrix(code6, w.p_birth, _tag(seq, 1000, w.blk.tag))
    w.p_idm = idm
    w.p_id = _null_where(_ascii_rows(idm), ~(w.p_state == ID_FULL))
    fm = np.empty((npers, 9), np.uint8)
    fm[:, 0] = np.where(rng.random(npers) < 0.5, ord("E"), ord("H"))
    fm[:, 1:] = ord("0") + _tag_digits(rng.integers(0, 10, (npers, 8)), 10, w.blk.tag)
    w.p_foreign = _ascii_rows(fm)
    # phones: people first, then enterprises' own numbers, unique and apart from reserved ones
    pk = w.p_kind
    has_m = np.where(pk == 0, True, np.where(pk == 1, rng.random(npers) < 0.75, np.where(pk == 2, rng.random(npers) < 0.1, False)))
    n = w.n
    rep_mobile_ok = (w.rep_of >= 0)
    e_u = rng.random(n)
    mob = _mobiles(rng, npers + n, w.blk.tag)
    reserved = np.array(sorted(w.reserved_phones), np.int64)
    for _ in range(50):
        bad = _dups(mob) | np.isin(mob, reserved)
        if not bad.any():
            break
        mob[bad] = _mobiles(rng, int(bad.sum()), w.blk.tag)
    p_mob = mob[:npers].copy()
    for p, ph in w.pp_phone.items():
        p_mob[p] = ph
    p_mob[~has_m] = -1
    p_mob[np.flatnonzero(w.pp_disc == SI.DISC_NAME_ONLY)] = -1  # name-only people leave no phone
    e_mob = mob[npers:].copy()
    use_rep = rep_mobile_ok & (e_u < 0.6)
    rep_m = np.where(rep_mobile_ok, p_mob[np.maximum(w.rep_of, 0)], -1)
    e_mob = np.where(use_rep & (rep_m > 0), rep_m, np.where(e_u < 0.85, e_mob, -1))
    planted = w.role == R_PLANTED
    e_mob[planted] = np.where(rep_m[planted] > 0, rep_m[planted], mob[npers:][planted])
    for e, ph in w.phone_override.items():
        e_mob[e] = ph
    w.p_mobile = _null_where(_istr(np.maximum(p_mob, 0)), p_mob < 0)
    w.e_phone = _null_where(_istr(np.maximum(e_mob, 0)), e_mob < 0)
    # e-mails
    doms = _s(W.EMAIL_DOMAINS)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)

    def emails(k):
        lm = letters[rng.integers(0, 26, (k, 6))]
        qq = rng.random(k) < 0.4
        local = pc.if_else(pa.array(qq), _istr(rng.integers(10**5, 10**10, k)),
                           _cat(_ascii_rows(lm), _istr(rng.integers(1, 1000, k))))
        dom = pc.if_else(pa.array(qq), pa.scalar("qq.com"), _take(doms, rng.integers(0, len(W.EMAIL_DOMAINS), k)))
        return _cat(local, "@", dom)

    w.p_email = _null_where(emails(npers), ~((pk <= 1) & (rng.random(npers) < np.where(pk == 0, 0.3, 0.15))))
    w.e_email = _null_where(emails(n), rng.random(n) >= 0.35)
