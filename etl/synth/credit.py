"""Credit commitments (信用承诺) and red lists (红名单) of the synthetic world, with their ground truth.

They draw from their own random stream (a jump of the world's), so adding them leaves every other
file byte for byte as it was. A breached or false commitment becomes a commitment_breach
PenaltyEvent in the graph: those are given only to background enterprises that no pattern can
reach (no other event, no corporate holder or holding, every person tied to this enterprise only)
and to fresh natural persons known by name and a masked ID, so the planted truth of the risk
patterns stays exact. Red-list entries are no PenaltyEvents; some are planted on companies whose
current legal representative also represents a company on the serious-illegal or dishonest-debtor
list (``red_black_pairs``).
"""
from __future__ import annotations

from typing import Callable, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import (EVENT_KINDS, NO_DAY, REF, R_BG, ST_ACTIVE, S_CUNXU, S_ZAIYE, _cat, _day, _id_matrix,
                                        _istr, _null_where, _pad, _replace_rows, _s, _tag, _take, _weights)
from creditgraph.etl.synth.world import _World

COMMITMENT_KINDS = ("approval_substitute", "self_published", "industry", "repair")
COMMITMENT_KIND_P = (0.45, 0.3, 0.1, 0.15)
# how sources write each kind: the key, the Chinese label, and variants the loader must read
COMMITMENT_KIND_TEXT = (("approval_substitute", "审批替代型", "审批替代", "告知承诺制"),
                        ("self_published", "自主公示型", "主动承诺", "自主公示"),
                        ("industry", "行业自律型", "行业自律承诺"),
                        ("repair", "信用修复型", "修复承诺", "信用修复承诺"))
COMMITMENT_MATTERS = (("办理食品经营许可证，承诺30日内补齐营业场所证明", "申请建设工程规划许可，承诺按期提交消防设计审查意见",
                       "办理道路运输经营许可，承诺车辆技术条件符合标准"),
                      ("承诺依法诚信经营，不销售假冒伪劣商品", "承诺按时足额缴纳社会保险费", "承诺如实公示年度报告"),
                      ("行业协会自律公约：承诺明码标价、不虚假宣传", "承诺遵守行业服务规范"),
                      ("申请信用修复，承诺已纠正失信行为并履行相关义务", "承诺此前失信行为已整改完毕，不再发生"))
STATUSES = ("pending", "kept", "breached", "false")
ST_PENDING, ST_KEPT, ST_BREACHED, ST_FALSE = range(4)
STATUS_TEXT = (("pending", "待核查"), ("kept", "已履约", "履约", "已履行"), ("breached", "违背承诺", "失信", "未履约"),
               ("false", "虚假承诺", "虚假"))
RED_KINDS = ("a_taxpayer", "integrity_model", "contract_abiding", "other")
RED_KIND_P = (0.45, 0.2, 0.25, 0.1)
RED_KIND_TEXT = (("a_taxpayer", "纳税信用A级纳税人", "A级纳税人", "纳税信用A级"), ("integrity_model", "诚信示范企业", "诚信经营示范单位"),
                 ("contract_abiding", "守合同重信用企业", "守合同重信用"), ("优秀民营企业", "质量诚信企业", "安全生产诚信企业"))
RED_LIST_NAMES = ("年度纳税信用A级纳税人名单", "年度诚信示范企业名单", "年度守合同重信用企业名单", "年度守信激励对象名单")
SHARE_COMMITTED, SHARE_SECOND, SHARE_PEOPLE, SHARE_BROKEN, SHARE_RED = 0.08, 0.1, 0.02, 0.125, 0.03

Render = Callable[..., pa.Array]


def _stream(w: _World, jumps: int) -> np.random.Generator:
    """A random stream of its own, derived from the world's without drawing from it."""
    return np.random.Generator(cast(np.random.PCG64, w.rng.bit_generator).jumped(jumps))


def reachable(w: _World) -> np.ndarray:
    """Enterprises a pattern could reach through an extra event: planted ones, ones with events, corporate
    holders and holdings, and every enterprise of a person tied to more than one."""
    out = (w.role != R_BG).copy()
    out[w.ev_ent] = True
    corp = w.h_type == 1
    out[w.h_holder[corp]] = out[w.h_ent[corp]] = True
    ties = pd.DataFrame({"p": np.concatenate([w.rep_person, w.h_holder[~corp]]),
                         "e": np.concatenate([w.rep_ent, w.h_ent[~corp]])}).drop_duplicates()
    many = ties["p"].map(ties["p"].value_counts()) > 1
    out[ties.loc[many, "e"].to_numpy()] = True
    return out


def _variant(rng, texts: tuple[tuple[str, ...], ...], which: np.ndarray) -> pa.Array:
    """Each row's code written as one of its texts (key, Chinese label or variant), drawn at random."""
    flat = [t for group in texts for t in group]
    start = np.cumsum([0, *map(len, texts)])[:-1]
    width = np.array([len(g) for g in texts])[which]
    return _take(_s(flat), start[which] + (rng.random(len(which)) * width).astype(np.int64))


def _span_day(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + (rng.random(len(lo)) * np.maximum(hi - lo, 0)).astype(np.int64)


def _fresh_people(rng, w: _World, k: int) -> tuple[pa.Array, pa.Array]:
    """Names and masked ID numbers (``321181********5898``) of natural persons the rest of the world lacks."""
    sur, p = _weights(W.SURNAMES)
    chars = np.array(list(W.GIVEN_CHARS))
    given = chars[rng.integers(0, len(chars), (k, 2))]
    names = [s + a + b for s, (a, b) in zip(np.array(sur)[rng.choice(len(sur), k, p=p)], given)]
    county = w.geo.county_code[rng.integers(0, len(w.geo.county_code), k)]
    birth = rng.integers(_day("1960-01-01"), _day("1999-12-31"), k)
    idm = _id_matrix(county, birth, _tag(rng.integers(0, 1000, k), 1000, w.blk.tag))
    return _s(names), SI.render(idm, np.full(k, SI.S684, np.int8))


def commitments(w: _World, fmt: Render, flags: Render, stamps: Render) -> tuple[dict, list, dict]:
    """The commitments table (canonical columns), the rows broken on purpose, and the truth."""
    rng = _stream(w, 1)
    g, n = w.geo, w.n
    end = np.where(w.dissolved != NO_DAY, np.minimum(w.dissolved, REF), REF) - 30
    start = np.maximum(w.founded + 30, _day("2019-01-01"))
    able = np.flatnonzero((rng.random(n) < SHARE_COMMITTED) & (end - start > 90))
    ents = np.concatenate([able, able[rng.random(len(able)) < SHARE_SECOND]])
    first = np.r_[np.ones(len(able), bool), np.zeros(len(ents) - len(able), bool)]
    n_people = max(3, int(len(ents) * SHARE_PEOPLE))
    k = len(ents) + n_people
    person = np.r_[np.zeros(len(ents), bool), np.ones(n_people, bool)]
    ent = np.r_[ents, ents[rng.integers(0, len(ents), n_people)]]  # a person's commitment is made where a company is
    # a breach on an enterprise no pattern reaches (once per enterprise), or on a fresh person
    isolated = (~reachable(w)[ent] & np.r_[first, np.zeros(n_people, bool)]) | person
    p_break = min(0.9, SHARE_BROKEN * k / max(int(isolated.sum()), 1))
    status = rng.choice(2, k, p=[0.25, 0.75])  # pending or kept
    broke = isolated & (rng.random(k) < p_break)
    status[broke] = np.where(rng.random(int(broke.sum())) < 0.7, ST_BREACHED, ST_FALSE)
    kind = rng.choice(len(COMMITMENT_KINDS), k, p=COMMITMENT_KIND_P)
    made = _span_day(rng, start[ent], end[ent])
    deadline = np.where(rng.random(k) < 0.85, made + rng.integers(30, 366, k), NO_DAY)
    decided_by = np.where(deadline != NO_DAY, deadline, made)
    verified = np.where((status != ST_PENDING) & (rng.random(k) < 0.8), decided_by + rng.integers(1, 61, k), NO_DAY)
    verified = np.where(verified >= REF, NO_DAY, verified)
    order = np.lexsort((np.arange(k), made))
    ent, person, status, kind, made, deadline, verified = (a[order] for a in (ent, person, status, kind, made, deadline, verified))
    county_c = _istr(g.county_code[w.county[ent]])
    rid = _cat("XYCN", _istr(_civil_year(made)), county_c, _pad(np.arange(k) + 1 + w.blk.commitments, 6))
    pname, pid = _fresh_people(rng, w, k)
    code = _take(w.code, ent)
    code = pc_lower_some(rng, code, 0.03)
    by_sid = ~person & (rng.random(k) < 0.05)  # the code left out: the subject id and the name identify it
    matter_flat = [m for group in COMMITMENT_MATTERS for m in group]
    m_start = np.cumsum([0, *map(len, COMMITMENT_MATTERS)])[:-1]
    m_width = np.array([len(x) for x in COMMITMENT_MATTERS])[kind]
    cols = {
        "record_id": rid, "kind": _variant(rng, COMMITMENT_KIND_TEXT, kind),
        "subject_uscc": pc_where(person, pid, _null_where(code, by_sid)),
        "subject_subject_id": _null_where(_take(w.subject_id, ent), person),
        "subject_name": pc_where(person, pname, _take(w.name, ent)),
        "person_name": _null_where(pname, ~person), "person_id_no": _null_where(pid, ~person),
        "matter": _take(_s(matter_flat), m_start[kind] + (rng.random(k) * m_width).astype(np.int64)),
        "made": w.dates.render(made, fmt(k)), "deadline": w.dates.render(deadline, fmt(k)),
        "status": _null_where(_variant(rng, STATUS_TEXT, status), (status == ST_PENDING) & (rng.random(k) < 0.4)),
        "verified": w.dates.render(verified, fmt(k)),
        "authority": _cat(_take(w.admin_prefix, ent), _take(_s(g.county_name), w.county[ent]), "市场监督管理局"),
        "region": county_c, "change_flag": flags(k), "updated_at": stamps(k, np.maximum(made, verified)),
    }
    intact = ~np.isin(status, (ST_BREACHED, ST_FALSE)) & ~person
    cols, broken = _break(rng, cols, intact, (
        ("kind", "unknown commitment kind", lambda v, i: "其他承诺"),
        ("deadline", "deadline before made", lambda v, i: w.dates.render(np.array([made[i] - 10]), 0).to_pylist()[0]),
        ("status", "unknown commitment status", lambda v, i: "已作废")))
    ok = np.ones(k, bool)
    ok[[b["index"] for b in broken]] = False
    rids = np.array(rid.to_pylist(), object)
    breached, false = sorted(rids[status == ST_BREACHED].tolist()), sorted(rids[status == ST_FALSE].tolist())
    truth = {
        "rows": int(k), "loadable": int(ok.sum()),
        "by_kind": {c: int(((kind == i) & ok).sum()) for i, c in enumerate(COMMITMENT_KINDS)},
        "by_status": {c: int(((status == i) & ok).sum()) for i, c in enumerate(STATUSES)},
        "breached": breached, "false": false, "breach_events": sorted("CB:" + r for r in breached + false),
        "person_subjects": sorted(rids[person & ok].tolist()),
    }
    return cols, broken, truth


def red_lists(w: _World, fmt: Render, flags: Render, stamps: Render) -> tuple[dict, list, dict]:
    """The red_lists table (canonical columns), the rows broken on purpose, and the truth (with the planted
    red/black pairs)."""
    rng = _stream(w, 2)
    g, n = w.geo, w.n
    on = w.ev_status == ST_ACTIVE
    clean, pairs = red_black_candidates(w)
    planted = pairs["red"].drop_duplicates().to_numpy()
    pick = np.flatnonzero(clean & (rng.random(n) < min(1.0, SHARE_RED * n / max(int(clean.sum()), 1))))
    ents = np.r_[planted, np.setdiff1d(pick, planted)]
    k = len(ents)
    kind = rng.choice(len(RED_KINDS), k, p=RED_KIND_P)
    entered = _span_day(rng, np.maximum(w.founded[ents] + 365, _day("2018-01-01")), np.full(k, REF - 1))
    gone = rng.random(k) < 0.15
    gone[: len(planted)] = False  # the planted ones are listed today
    removed = np.where(gone, np.minimum(entered + rng.integers(180, 1000, k), REF - 1), NO_DAY)
    order = np.lexsort((np.arange(k), entered))
    ents, kind, entered, removed = (a[order] for a in (ents, kind, entered, removed))
    gone = gone[order]
    county_c = _istr(g.county_code[w.county[ents]])
    rid = _cat("HMD", _istr(_civil_year(entered)), county_c, _pad(np.arange(k) + 1 + w.blk.red_lists, 6))
    list_name = _take(_s(RED_LIST_NAMES), kind)
    list_name = _null_where(_cat(_istr(_civil_year(entered) - 1), list_name), (kind == 3) | (rng.random(k) < 0.5))
    removed_s = w.dates.render(removed, fmt(k))
    removed_s = pc_where(~gone & (rng.random(k) < 0.3), _s(["9999-9-9"] * k), removed_s)
    u = rng.random(k)
    status = pc_where(gone, _s(["removed"] * k), _s(["active"] * k))
    status = pc_where(u < 0.25, pc_where(gone, _s(["已移出"] * k), _s(["有效"] * k)), status)
    tax = kind == 0
    admin, cname = _take(w.admin_prefix, ents), _take(_s(g.county_name), w.county[ents])
    cols = {
        "record_id": rid, "kind": _variant(rng, RED_KIND_TEXT, kind), "list_name": list_name,
        "subject_uscc": pc_lower_some(rng, _take(w.code, ents), 0.03), "subject_subject_id": _take(w.subject_id, ents),
        "subject_name": _take(w.name, ents), "person_name": pa.nulls(k, pa.string()), "person_id_no": pa.nulls(k, pa.string()),
        "entered": w.dates.render(entered, fmt(k)), "removed": removed_s,
        "status": _null_where(status, u > 0.5),
        "authority": pc_where(tax, _cat("国家税务总局", admin, cname, "税务局"), _cat(admin, cname, "市场监督管理局")),
        "region": county_c, "change_flag": flags(k), "updated_at": stamps(k, np.maximum(entered, removed)),
    }
    cols, broken = _break(rng, cols, ~np.isin(ents, planted), (
        ("record_id", "missing required field record_id", lambda v, i: None),
        ("entered", "impossible date", lambda v, i: f"{_civil_year(entered[i:i + 1])[0]}-02-30")))
    ok = np.ones(k, bool)
    ok[[b["index"] for b in broken]] = False
    codes = np.array(_take(w.code, ents).to_pylist(), object)
    rids = np.array(rid.to_pylist(), object)
    truth = {
        "rows": int(k), "loadable": int(ok.sum()),
        "by_kind": {c: int(((kind == i) & ok).sum()) for i, c in enumerate(RED_KINDS)},
        "red_listed": sorted(set(codes[ok & ~gone].tolist())), "removed": sorted(set(codes[ok & gone].tolist())),
    }
    entry_of = dict(zip(codes[ok].tolist(), ("RL:" + rids[ok]).tolist()))
    uid_of = np.empty(len(w.ev_order), object)
    uid_of[w.ev_order] = w.ev_uid.to_pylist()  # event uids in world order
    truth["red_black_pairs"] = [
        {"red": w_code(w, r.red), "red_entry": entry_of[w_code(w, r.red)], "black": w_code(w, r.black),
         "black_events": sorted(uid_of[j] for j in np.flatnonzero((w.ev_ent == r.black) & on & np.isin(w.ev_kind, BLACK_KINDS))),
         "person": _take(w.p_name, np.array([r.person])).to_pylist()[0]}
        for r in pairs.itertuples(index=False)]
    return cols, broken, truth


BLACK_KINDS = (EVENT_KINDS.index("serious_illegal"), EVENT_KINDS.index("dishonest_debtor"))


def red_black_candidates(w: _World) -> tuple[np.ndarray, pd.DataFrame]:
    """The companies a red list may hold (alive, at least 400 days old, no active event: ``clean``) and the
    red/black pairs planted among them (:func:`red_black_pairs`); no random draw, so the tables can keep
    the rows the pairs rely on from being broken (``etl.synth.tables``)."""
    alive = np.isin(w.status, (S_CUNXU, S_ZAIYE)) & (w.founded < REF - 400)
    active_ev = np.zeros(w.n, bool)
    active_ev[w.ev_ent[w.ev_status == ST_ACTIVE]] = True
    clean = alive & ~active_ev
    return clean, red_black_pairs(w, clean)


def red_black_pairs(w: _World, clean: np.ndarray) -> pd.DataFrame:
    """(red, black, person): a current legal representative of a company with an active serious-illegal or
    dishonest-debtor event (black) and of a ``clean`` company (red)."""
    current = w.rep_is_lr & (w.rep_until == NO_DAY)
    reps = pd.DataFrame({"person": w.rep_person[current], "ent": w.rep_ent[current]}).drop_duplicates()
    black = np.zeros(w.n, bool)
    black[w.ev_ent[(w.ev_status == ST_ACTIVE) & np.isin(w.ev_kind, BLACK_KINDS)]] = True
    b = reps[black[reps["ent"].to_numpy()]].rename(columns={"ent": "black"})
    r = reps[clean[reps["ent"].to_numpy()]].rename(columns={"ent": "red"})
    return b.merge(r, on="person")[["red", "black", "person"]].sort_values(["red", "black", "person"], kind="stable")


def w_code(w: _World, e) -> str:
    return _take(w.code, np.array([e])).to_pylist()[0]


def _civil_year(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, np.int64).astype("M8[D]").astype("M8[Y]").astype(np.int64) + 1970


def pc_where(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, bool)), a, b)


def pc_lower_some(rng, code: pa.Array, share: float) -> pa.Array:
    """Some codes written in lower case, as real extracts do."""
    return pc_where(rng.random(len(code)) < share, pc.utf8_lower(code), code)


def _break(rng, cols: dict, eligible: np.ndarray, how) -> tuple[dict, list]:
    """One row per ``(column, reason, new value)`` broken on purpose, among the ``eligible`` rows."""
    rows = rng.choice(np.flatnonzero(eligible), len(how), replace=False)
    broken = []
    for r, (col, reason, value) in zip(rows.tolist(), how):
        cols[col] = _replace_rows(cols[col], np.array([r]), [value(cols[col], r)])
        broken.append({"index": r, "row": r + 2, "column": col, "field": col, "reason": reason})
    return cols, broken


