"""The source tables, as a credit platform's extract writes them (masked IDs, quirks, formats)."""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from creditgraph.etl.synth import credit
from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import CURRENCIES, EVENT_KINDS, EXIT_BOTH, EXIT_CHANGE, EXIT_NONE, EVENT_STATUSES, ID_FOREIGN, ID_FULL, ID_MASKED, IND_NAMES, KIND_CODES, KIND_INDIVIDUAL, KIND_MODEL, KIND_SOLE_PROPRIETOR, NO_DAY, PROVINCE_ABBR, REF, R_BG, STATUSES, STYLES, ST_ACTIVE, ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN, S_CUNXU, S_DIAOXIAO, S_ZAIYE, _cat, _civil, _day, _istr, _money_parts, _null_where, _pad, _replace_rows, _s, _set_where, _take, _weights
from creditgraph.etl.synth.world import _World


# --------------------------------------------------------------------------- tables


@dataclass
class _Table:
    name: str
    cols: dict[str, pa.Array]  # canonical field -> values, in file row order
    eligible: np.ndarray  # rows that may be broken
    kinds: np.ndarray | None = None  # penalties: event kind per row
    broken: list[dict] | None = None  # rows broken on purpose whatever ``bad_rows`` asks (row index, column, reason)


def _tokens(rng, k: int, choices: tuple) -> pa.Array:
    items, p = _weights(choices)
    return _take(pa.array(items, pa.string()), rng.choice(len(items), k, p=p))


def _pick(rng, k: int, options) -> pa.Array:
    return _take(_s(options), rng.integers(0, len(options), k))


def _ratio_strings(rng, bp: np.ndarray) -> pa.Array:
    bp = np.asarray(bp, np.int64)
    k = len(bp)
    pi, pf = bp // 100, bp % 100
    pfrac = _set_where(_cat(".", pc.utf8_rtrim(_pad(pf, 2), characters="0")), pf == 0, "")
    pct = _cat(_istr(pi), pfrac, "%")
    pct2 = _cat(_istr(pi), ".", _pad(pf, 2), "%")
    dec = _cat("0.", pc.utf8_rtrim(_pad(bp % 10000, 4), characters="0"))
    dec = _set_where(dec, bp % 10000 == 0, "0")
    u = rng.random(k)
    out = pc.if_else(pa.array(u < 0.45), pct, pc.if_else(pa.array(u < 0.8), dec, pct2))
    return _set_where(out, bp == 10000, "100%")


def _capital_strings(rng, yuan: np.ndarray, currency: np.ndarray) -> tuple[pa.Array, pa.Array]:
    k = len(yuan)
    g, four, comma = _money_parts(yuan)
    cny = currency == 0
    t = rng.choice(8, k, p=[0.12, 0.35, 0.08, 0.10, 0.08, 0.04, 0.08, 0.15])
    cur = _take(_s(CURRENCIES), currency)
    fx = _take(_s(("人民币", "美元", "港元", "欧元", "日元")), currency)
    variants = [
        _cat(four, "(万元人民币)"), _cat(g, "(万元人民币)"), _cat(g, "(万)"), _cat(comma, "(万元人民币)"),
        _cat(g, "万人民币"), _cat(g, "(万人民币 )"), g, _cat(g, "万元"),
    ]
    cap_cny = pc.choose(pa.array(t, pa.int8()), *variants)
    fx_t = rng.random(k) < 0.6
    cur_long = pc.if_else(pa.array(rng.random(k) < 0.5), cur, fx)
    cap_fx = pc.if_else(pa.array(fx_t), _cat(g, "(万", cur_long, ")"), _cat(g, "万", cur_long))
    capital = pc.if_else(pa.array(cny), cap_cny, cap_fx)
    plain = cny & (t == 6)
    cur_col = _null_where(cur, ~(plain | (rng.random(k) < 0.4)))
    return capital, cur_col


def _amount_strings(rng, yuan: np.ndarray, currency: np.ndarray) -> pa.Array:
    k = len(yuan)
    g, four, _ = _money_parts(yuan)
    unit = pc.if_else(pa.array(currency == 0), pa.scalar("万元"), _cat("万", _take(_s(CURRENCIES), currency)))
    t = rng.random(k)
    yuan_s = _cat(_istr(yuan), "元")
    return pc.if_else(pa.array(t < 0.35), _cat(g, "(", unit, ")"),
                      pc.if_else(pa.array(t < 0.7), _cat(g, unit),
                                 pc.if_else(pa.array((t < 0.85) | (currency != 0)), _cat(four, unit), yuan_s)))


def _shown_ids(w: _World, source: str, rp: np.ndarray, first_lr: np.ndarray | None = None) -> tuple[pa.Array, np.ndarray]:
    """Each row's ID number as the source shows it (null where not shown) and its shape (SI.FULL ...)."""
    rng = w.rng
    k = len(rp)
    state = w.p_state[rp]
    planted = rp < w.P0
    shape = np.full(k, SI.HIDDEN, np.int8)
    bgm = ((state == ID_FULL) | (state == ID_MASKED)) & ~planted
    shape[bgm] = SI.background_shapes(rng, source, state[bgm] == ID_MASKED)
    shape[bgm & w.p_prefix_only[rp]] = SI.S612
    pl = np.flatnonzero(planted)
    fl = first_lr[pl] if first_lr is not None else np.zeros(len(pl), bool)
    shape[pl] = SI.planted_shapes(rng, source, w.pp_disc[rp[pl]], fl)
    out = SI.render(w.p_idm[rp], shape)
    foreign = state == ID_FOREIGN
    if foreign.any():
        out = pc.if_else(pa.array(foreign), _take(w.p_foreign, rp), out)
    return out, shape


def _note_id_rows(w: _World, source: str, shape: np.ndarray, rp: np.ndarray, ents: np.ndarray, shown: pa.Array,
                  role: str, events: pa.Array | None = None) -> None:
    """Count masked rows per source; keep the rows of planted people and decoys for the ground truth."""
    masked = np.isin(shape, (SI.S684, SI.S4104, SI.S612))
    w.id_rows[source] = {"person_rows": int(len(shape)), "masked": int(masked.sum()),
                         "full": int((shape == SI.FULL).sum()), "not_shown": int((shape == SI.HIDDEN).sum())}
    keep = np.flatnonzero((rp < w.P0) | (w.p_forced[rp] >= 0))
    w.records.append({"person": rp[keep], "ent": ents[keep], "shown": _take(shown, keep).to_pylist(), "role": role,
                      "event": None if events is None else _take(events, keep).to_pylist()})


def _build_tables(w: _World, profile: str) -> dict[str, _Table]:
    rng, g, n = w.rng, w.geo, w.n
    st = STYLES[profile]
    dates = w.dates
    date_p = np.array(st.date_p) / sum(st.date_p)

    def fmt(k):
        return rng.choice(len(date_p), k, p=date_p)

    def miss(k):
        return _tokens(rng, k, st.missing)

    def with_missing(arr, mask):
        return pc.if_else(pa.array(mask), miss(len(arr)), arr) if mask.any() else arr

    def flags(k):
        return _tokens(rng, k, st.flags)

    sec = np.arange(86400)
    hms = _cat(" ", _pad(sec // 3600, 2), ":", _pad(sec // 60 % 60, 2), ":", _pad(sec % 60, 2))  # " HH:MM:SS"

    def stamps(k, after=None):
        lo = np.full(k, _day("2025-07-01"), np.int64)
        if after is not None:
            lo = np.clip(np.asarray(after, np.int64), lo, REF)
        d = lo + (rng.random(k) * (REF + 1 - lo)).astype(np.int64)
        return _cat(dates.render(d, 0), _take(hms, rng.integers(0, 86400, k)))

    bg = w.role == R_BG
    w.id_rows, w.records = {}, []
    erank = rng.permutation(n)
    order = np.argsort(erank)
    w.erank = erank
    city = g.county_city[w.county]
    tables: dict[str, _Table] = {}
    # ------------------------------------------------ enterprises
    code = w.code
    lower = rng.random(n) < 0.03
    uscc_col = pc.if_else(pa.array(lower), pc.utf8_lower(code), code)
    status = _take(_s(STATUSES), w.status)
    if profile == "zj-warehouse":
        u = rng.random(n)
        status = _set_where(status, bg & (w.status == S_CUNXU) & (u < 0.5), "存续（在营、开业、在册）")
        status = _set_where(status, bg & (w.status == S_ZAIYE), "开业")
        status = _set_where(status, bg & (w.status == S_DIAOXIAO) & (u < 0.5), "吊销，未注销")
    capital, currency = _capital_strings(rng, w.cap_yuan, w.currency)
    capital = with_missing(capital, w.cap_missing)
    region = _istr(g.county_code[w.county])
    region = with_missing(region, bg & (rng.random(n) < 0.02))
    prov_col = _null_where(_take(_s(g.prov_name), g.county_prov[w.county]), rng.random(n) < 0.4)
    city_names = [c if c != "市辖区" else g.prov_name[g.city_prov[i]] for i, c in enumerate(g.city_name)]
    city_col = _null_where(_take(_s(city_names), city), rng.random(n) < 0.4)
    rep_name = _take(w.p_name, np.maximum(w.rep_of, 0))
    rep_name = _null_where(rep_name, w.rep_of < 0)
    rep_name = with_missing(rep_name, bg & (rng.random(n) < 0.03))
    ent = {
        "uscc": uscc_col, "reg_no": w.regno, "subject_id": w.subject_id, "name": w.name,
        "kind": _take(_s([k[0] for k in W.KINDS]), w.kind), "status": status,
        "founded": dates.render(w.founded, fmt(n)),
        "dissolved": dates.render(np.where(w.diss_shown, w.dissolved, NO_DAY), fmt(n), miss(n)),
        "capital": capital, "currency": currency, "industry": _take(_s(IND_NAMES), w.industry),
        "address": w.address, "region": region, "province": prov_col, "city": city_col,
        "legal_rep": rep_name, "authority": w.authority, "phone": w.e_phone, "email": w.e_email,
        "change_flag": flags(n), "updated_at": stamps(n, np.maximum(w.founded, w.dissolved)),
    }
    # the planted red/black pairs are background companies: their rows, their representatives' rows and the
    # black company's active list events stay whole, or the pair the truth names would not be in the data
    _, rb = credit.red_black_candidates(w)
    rb_ents = np.unique(np.r_[rb["red"].to_numpy(), rb["black"].to_numpy()]).astype(np.int64)
    np_ = len(w.p_state) + 1
    rb_reps = np.unique(np.r_[rb["red"].to_numpy() * np_ + rb["person"].to_numpy(),
                              rb["black"].to_numpy() * np_ + rb["person"].to_numpy()]).astype(np.int64)
    tables["enterprises"] = _Table("enterprises", {k: _take(v, order) for k, v in ent.items()},
                                   bg[order] & ~np.isin(order, rb_ents))
    ename, esid = w.name, w.subject_id
    # ------------------------------------------------ legal representatives (and officers)
    re_, rp = w.rep_ent, w.rep_person
    k = len(re_)
    ro = np.lexsort((np.arange(k), erank[re_]))
    re_, rp = re_[ro], rp[ro]
    is_lr = w.rep_is_lr[ro]
    since, until = w.rep_since[ro], w.rep_until[ro]
    state = w.p_state[rp]
    planted_row = w.role[re_] != R_BG
    first_lr = np.zeros(k, bool)  # each person's first legal-representative row
    lr_rows = np.flatnonzero(is_lr)
    first_lr[lr_rows[np.unique(rp[lr_rows], return_index=True)[1]]] = True
    shown, shape = _shown_ids(w, "legal_reps", rp, first_lr)
    _note_id_rows(w, "legal_reps", shape, rp, re_, shown, "legal_rep")
    hidden = shape == SI.HIDDEN
    idt = _tokens(rng, k, (("中华人民共和国居民身份证", 0.6), ("居民身份证", 0.25), ("身份证", 0.15)))
    idt = _set_where(idt, planted_row & (state == ID_FULL), "中华人民共和国居民身份证")
    idt = _null_where(idt, hidden & (rng.random(k) < 0.8))
    foreign = (state == ID_FOREIGN)
    fnum = _take(w.p_foreign, rp)
    ftype = pc.if_else(pc.starts_with(fnum, "E"), pa.scalar("中华人民共和国护照"), pa.scalar("港澳居民来往内地通行证"))
    idt = pc.if_else(pa.array(foreign), ftype, idt)
    id_no = with_missing(shown, hidden & ~foreign)
    model = KIND_MODEL[w.kind[re_]]
    pos = np.empty(k, object)
    for mod in np.unique(model):
        sel = np.flatnonzero(model == mod)
        opts = W.POSITIONS["coop" if mod == "none" else mod]
        pos[sel] = np.array(opts, object)[rng.integers(0, len(opts), len(sel))]
    sp = np.flatnonzero(w.kind[re_] == KIND_SOLE_PROPRIETOR)
    pos[sp] = "投资人"
    ib = np.flatnonzero(w.kind[re_] == KIND_INDIVIDUAL)
    pos[ib] = "经营者"
    off = np.flatnonzero(~is_lr)
    pos[off] = np.array(W.OFFICER_POSITIONS, object)[rng.integers(0, len(W.OFFICER_POSITIONS), len(off))]
    lr_col = pc.if_else(pa.array(is_lr), pa.scalar(st.lerep_true), pa.scalar(st.lerep_false))
    reps = {
        "enterprise_uscc": _take(code, re_), "enterprise_subject_id": _take(esid, re_),
        "enterprise_name": _take(ename, re_), "person_name": _take(w.p_name, rp), "id_type": idt, "id_no": id_no,
        "position": pa.array(pos, pa.string()), "is_legal_rep": lr_col, "phone": pa.nulls(k, pa.string()),
        "mobile": _take(w.p_mobile, rp), "email": _take(w.p_email, rp),
        "since": dates.render(since, fmt(k), miss(k)), "until": dates.render(until, fmt(k), miss(k)),
        "change_flag": flags(k), "updated_at": stamps(k, np.maximum(since, until)),
    }
    pair_row = is_lr & (until == NO_DAY) & np.isin(re_.astype(np.int64) * np_ + rp, rb_reps)
    tables["legal_reps"] = _Table("legal_reps", reps, ~planted_row & ~pair_row)
    # ------------------------------------------------ shareholders
    he = w.h_ent
    k = len(he)
    ho = np.lexsort((np.arange(k), erank[he]))
    he, ht, hh, hbp = he[ho], w.h_type[ho], w.h_holder[ho], w.h_bp[ho]
    hsub, hpaid, hplanted = w.h_sub[ho], w.h_paid[ho], w.h_planted[ho]
    hsince, huntil, hexit = w.h_since[ho].copy(), w.h_until[ho], w.h_exit[ho]
    person = ht == 0
    hp = np.where(person, hh, 0)
    hent_ = np.where(person, 0, hh)
    holder_name = pc.if_else(pa.array(person), _take(w.p_name, hp), _take(ename, hent_))
    bgrow = w.role[he] == R_BG
    hk = pc.if_else(pa.array(person), pa.scalar("自然人股东"), pa.scalar("企业法人"))
    u = rng.random(k)
    hk = _set_where(hk, bgrow & person & (u < 0.1), "自然人")
    hk = _set_where(hk, bgrow & ~person & (u < 0.1), "法人股东")
    hk = _null_where(hk, bgrow & (u > 0.95))
    prow = np.flatnonzero(person)
    p_shown, p_shape = _shown_ids(w, "shareholders", hp[prow])
    _note_id_rows(w, "shareholders", p_shape, hp[prow], he[prow], p_shown, "shareholder")
    hid = _take(code, hent_)
    hid = pc.replace_with_mask(hid, pa.array(person), p_shown) if len(prow) else hid
    hidden = np.zeros(k, bool)
    hidden[prow] = (p_shape == SI.HIDDEN) & (w.p_state[hp[prow]] != ID_FOREIGN)
    hid = with_missing(hid, hidden | (~person & bgrow & (rng.random(k) < 0.05)))
    cur = w.currency[he]
    sub_s = _amount_strings(rng, hsub, cur)
    paid_s = with_missing(_amount_strings(rng, np.maximum(hpaid, 0), cur), hpaid < 0)
    f0 = w.founded[he]
    sub_day = np.where(rng.random(k) < 0.6, f0, np.minimum(f0 + rng.integers(5, 31, k) * 365, _day("2055-12-31")))
    sub_day = np.where(hplanted, f0, sub_day)
    paid_day = np.where(hpaid > 0, np.minimum(f0 + rng.integers(0, 3 * 365, k), REF - 1), NO_DAY)
    ratio = with_missing(_ratio_strings(rng, hbp), bgrow & (rng.random(k) < 0.08))
    ratio_pl = _ratio_strings(rng, hbp)
    ratio = pc.if_else(pa.array(~bgrow), ratio_pl, ratio)
    # equity changes: background holdings whose ratio changed (one from 0 opens the holding on its date), and
    # the exits a change to 0 shows (the holding closes on its date; EXIT_CHANGE: the row itself has no until)
    sel = np.flatnonzero(bgrow & (hexit == EXIT_NONE) & (huntil == NO_DAY) & (rng.random(k) < 0.06))
    kk = len(sel)
    before = np.where(rng.random(kk) < 0.25, 0, rng.integers(1, 100, kk) * 100)
    before = np.where(before == hbp[sel], np.maximum(before - 100, 0), before)
    cday = np.minimum(f0[sel] + (rng.random(kk) * (REF - f0[sel])).astype(np.int64), REF - 1)
    hsince[sel[before == 0]] = cday[before == 0]
    ex = np.flatnonzero((hexit == EXIT_BOTH) | (hexit == EXIT_CHANGE))
    rows = np.concatenate([sel, ex])
    eo_ = np.argsort(rows, kind="stable")
    rows = rows[eo_]
    kk = len(rows)
    before = np.concatenate([before, hbp[ex]])[eo_]
    after = np.concatenate([hbp[sel], np.zeros(len(ex), np.int64)])[eo_]
    cday = np.concatenate([cday, huntil[ex]])[eo_]
    bstr = _set_where(_ratio_strings(rng, before), before == 0, "0")
    astr = _set_where(_ratio_strings(rng, after), after == 0, "0")
    eq = {
        "enterprise_uscc": _take(code, he[rows]), "enterprise_subject_id": _take(esid, he[rows]),
        "holder_name": _take(holder_name, rows), "change_date": dates.render(cday, fmt(kk)),
        "ratio_before": bstr, "ratio_after": astr,
        "change_flag": flags(kk), "updated_at": stamps(kk, cday),
    }
    tables["equity_changes"] = _Table("equity_changes", eq, bgrow[rows])
    shown_until = np.where(hexit == EXIT_CHANGE, NO_DAY, huntil)
    sh = {
        "enterprise_uscc": _take(code, he), "enterprise_subject_id": _take(esid, he), "enterprise_name": _take(ename, he),
        "holder_name": holder_name, "holder_kind": hk, "holder_id": hid,
        "subscribed": sub_s, "subscribed_date": dates.render(sub_day, fmt(k)),
        "paid": paid_s, "paid_date": dates.render(paid_day, fmt(k), miss(k)), "ratio": ratio,
        "report_year": _istr(rng.integers(2019, 2026, k)),
        "since": dates.render(hsince, fmt(k), miss(k)), "until": dates.render(shown_until, fmt(k), miss(k)),
        "change_flag": flags(k), "updated_at": stamps(k, np.maximum(hsince, shown_until)),
    }
    tables["shareholders"] = _Table("shareholders", sh, bgrow)
    # ------------------------------------------------ penalties
    ee = w.ev_ent
    k = len(ee)
    eo = np.lexsort((np.arange(k), w.ev_decided, erank[ee]))
    w.ev_order = eo
    ee, ek, ed, es, er = ee[eo], w.ev_kind[eo], w.ev_decided[eo], w.ev_status[eo], w.ev_removed[eo]
    num = np.arange(k) + 1 + w.blk.events  # numbered over all blocks
    yr = _civil(ed)[0]
    county_c = _istr(g.county_code[w.county[ee]])
    cty = city[ee]
    abbr = _take(_s([PROVINCE_ABBR.get(c, "") for c in g.prov_code]), g.county_prov[w.county[ee]])
    rid_ao = _cat(county_c, _istr(yr), _pad(num, 8))
    rid_si = _cat("SI", county_c, _pad(num, 9))
    rid_ap = _cat(_istr(yr), county_c, _pad(num, 8))
    rid_dd = _cat("(", _istr(yr), ")", abbr, pc.utf8_slice_codeunits(county_c, 2, 6), "执", _istr(num), "号")
    rid = pc.choose(pa.array(ek, pa.int8()), rid_ap, rid_ao, rid_si, rid_dd)  # order of EVENT_KINDS
    w.ev_uid = _cat(_take(_s([KIND_CODES[x] for x in EVENT_KINDS]), ek), ":", rid)
    reasons = []
    for kind_i, table in enumerate((W.AP_REASONS, W.AO_REASONS, W.SI_REASONS, W.DD_REASONS)):
        items, p = _weights(table)
        ri = rng.choice(len(items), k, p=p)
        if kind_i == 0:
            auth_kinds = ("market", "tax", "safety", "fire", "environment")
            ap_auth = np.array([auth_kinds.index(r[1]) for r in table])[ri]
        reasons.append(_take(_s(items), ri))
    reason = pc.choose(pa.array(ek, pa.int8()), *reasons)
    ov_rows = [i for i, j in enumerate(eo) if j < len(w.ev_reason_override) and w.ev_reason_override[j] is not None]
    reason = _replace_rows(reason, np.array(ov_rows, np.int64), [w.ev_reason_override[eo[i]] for i in ov_rows])
    ap, dd = ek == 0, ek == 3
    fines = np.array([500, 1000, 2000, 3000, 5000, 10000, 20000, 50000, 100000, 200000], np.int64)
    fine = fines[rng.integers(0, len(fines), k)]
    debt = rng.integers(10, 5000, k) * 1000
    warn = ap & (rng.random(k) < 0.15)
    confis = ap & ~warn & (rng.random(k) < 0.12)
    res_ap = _cat("罚款", _istr(fine), "元")
    res_ap = pc.if_else(pa.array(confis), _cat("没收违法所得", _istr(fine // 4), "元，并处罚款", _istr(fine), "元"), res_ap)
    res_ap = _set_where(res_ap, warn, "警告")
    result = pc.if_else(pa.array(ap), res_ap, _null_where(_pick(rng, k, W.DD_PERFORMANCE), ~dd))
    amount = np.where(ap, np.where(confis, fine + fine // 4, fine), np.where(dd, debt, -1))
    amount[warn] = -1
    amount_s = _null_where(_cat(_istr(np.maximum(amount, 0)), "元"), amount < 0)
    rep = w.ev_rep[eo]  # the legal representative in office on the decision date
    has_person = (ap | dd) & (rep >= 0)
    rp_ = np.maximum(rep, 0)
    pname = _null_where(_take(w.p_name, rp_), ~has_person)
    pstate = w.p_state[rp_]
    prow = np.flatnonzero(has_person)
    p_shown, p_shape = _shown_ids(w, "penalties", rp_[prow])
    _note_id_rows(w, "penalties", p_shape, rp_[prow], ee[prow], p_shown, "penalty_person", _take(w.ev_uid, prow))
    pid = pa.nulls(k, pa.string())
    pid = pc.replace_with_mask(pid, pa.array(has_person), p_shown) if len(prow) else pid
    pid = _null_where(pid, ~has_person | (pstate == ID_FOREIGN))
    hidden = np.zeros(k, bool)
    hidden[prow] = p_shape == SI.HIDDEN
    pid = with_missing(pid, hidden & (pstate != ID_FOREIGN))
    admin = _take(w.admin_prefix, ee)
    cname = _take(_s(g.county_name), w.county[ee])
    auth_ap = pc.choose(pa.array(ap_auth, pa.int8()),
                        _cat(admin, cname, "市场监督管理局"), _cat("国家税务总局", admin, cname, "税务局"),
                        _cat(admin, cname, "应急管理局"), _cat(admin, cname, "消防救援大队"),
                        _cat(admin, "生态环境局", pc.utf8_slice_codeunits(cname, 0, 2), "分局"))
    auth_ms = _cat(admin, pc.if_else(pa.array(rng.random(k) < 0.6), cname, pa.scalar("")), "市场监督管理局")
    auth_dd = _cat(admin, cname, "人民法院")
    authority = pc.choose(pa.array(ek, pa.int8()), auth_ap, auth_ms, auth_ms, auth_dd)
    doc = _null_where(_cat(_take(_s(g.city_short), cty), "市监罚处〔", _istr(yr), "〕", _istr(num), "号"), ~ap)
    ev_region = pc.if_else(pa.array(rng.random(k) < 0.8), county_c, _take(_s(g.city_code), cty))
    si = ek == 2
    city_names_col = _null_where(_take(_s(city_names), cty), ~si)
    district = _null_where(cname, ~si)
    # removal fields
    active = es == ST_ACTIVE
    sentinel = active & (rng.random(k) < 0.3)
    removed = dates.render(er, fmt(k), miss(k))
    removed = _set_where(removed, sentinel, "9999-9-9")
    rem_reason = pa.nulls(k, pa.string())
    for kind_i, kind in enumerate(EVENT_KINDS):
        m = (es == ST_REMOVED) & (ek == kind_i)
        rem_reason = pc.if_else(pa.array(m), _pick(rng, k, W.REMOVAL_REASONS[kind]), rem_reason)
    rem_reason = pc.if_else(pa.array(es == ST_REPAIRED), _pick(rng, k, W.REPAIR_REASONS), rem_reason)
    rem_reason = pc.if_else(pa.array(es == ST_WITHDRAWN), _pick(rng, k, W.OBJECTION_REASONS), rem_reason)
    rem_reason = with_missing(rem_reason, active)
    pen = {
        "kind": _take(_s(EVENT_KINDS), ek), "record_id": rid, "subject_uscc": _take(code, ee),
        "subject_subject_id": _take(esid, ee), "subject_name": _take(ename, ee),
        "person_name": pname, "person_id_no": pid, "doc_no": doc, "decided": dates.render(ed, fmt(k)),
        "reason": reason, "result": result, "amount": amount_s, "authority": authority, "region": ev_region,
        "city": city_names_col, "district": district, "removed": removed, "removal_reason": rem_reason,
        "status": _take(_s(EVENT_STATUSES), es), "change_flag": flags(k), "updated_at": stamps(k, np.maximum(ed, er)),
    }
    black_listed = np.isin(ee, rb["black"].to_numpy()) & (es == ST_ACTIVE) & np.isin(ek, credit.BLACK_KINDS)
    tables["penalties"] = _Table("penalties", pen, (w.role[ee] == R_BG) & ~black_listed, kinds=ek)
    # ------------------------------------------------ cluster addresses
    cl = w.truth["clusters"]
    ca = {
        "address": _s([c["address"] for c in cl]),
        "region": _s([str(g.county_code[c["county"]]) for c in cl]),
        "name": _s([c["name"] for c in cl]),
        "change_flag": flags(len(cl)), "updated_at": stamps(len(cl)),
    }
    tables["cluster_addresses"] = _Table("cluster_addresses", ca, np.zeros(len(cl), bool))
    # ------------------------------------------------ credit commitments and red lists (etl.synth.credit)
    for name, make in (("commitments", credit.commitments), ("red_lists", credit.red_lists)):
        cols, broken, w.truth[name] = make(w, fmt, flags, stamps)
        tables[name] = _Table(name, cols, np.zeros(len(cols["record_id"]), bool), broken=broken)
    return tables
