"""The generated world: enterprises, people, holdings, events, phones and addresses as arrays."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import Tag, _Dates, CURRENCIES, EXIT_BOTH, EXIT_CHANGE, EXIT_NONE, EXIT_UNTIL, CURRENCY_P, EVENT_KINDS, IND_AGRI, IND_NAMES, IND_P, KIND_COOP, KIND_INDIVIDUAL, KIND_MODEL, K_PERSONS, NO_DAY, REF, R_PLANTED, ST_ACTIVE, S_CUNXU, S_DIAOXIAO, S_QIANCHU, S_ZAIYE, S_ZHUXIAO, _Geo, _day, _mobiles, _years_to_day


# --------------------------------------------------------------------------- the world


@dataclass
class Block:
    """Where a world sits in a generation of several blocks (:mod:`etl.synth.blocks`); the default: alone.

    Identifiers drawn at random carry ``tag``; numbered ones start after the earlier blocks' counts.
    """

    tag: Tag = None         # (block index, number of blocks)
    enterprises: int = 0    # enterprises before this block (subject ids)
    events: int = 0         # penalty rows before it (record ids, document numbers)
    commitments: int = 0    # commitment rows before it
    red_lists: int = 0      # red-list rows before it
    people: int = 0         # planted people before it (ground-truth keys P…)
    carry: Any = None       # what the earlier blocks leave (etl.synth.blocks.Carry): names, addresses


class _World:
    """All entities as arrays (enterprises, people) and edge lists (roles, holdings, events).

    The arrays are filled stage by stage (``base``, the planting functions, the background, the
    identifiers and the people); the annotations below list what each stage adds.
    """

    # enterprises (base, identifiers): one entry per enterprise
    name: pa.Array
    code: pa.Array            # the upper-case key: USCC, or the registration number of a legacy company
    uscc_m: np.ndarray
    regno: pa.Array
    subject_id: pa.Array
    legacy: np.ndarray
    address: pa.Array
    admin_prefix: pa.Array
    authority: pa.Array
    e_phone: pa.Array
    e_email: pa.Array
    erank: np.ndarray
    dates: _Dates
    # legal representatives and other officers (background)
    rep_ent: np.ndarray
    rep_person: np.ndarray
    rep_since: np.ndarray
    rep_until: np.ndarray     # end of the role (NO_DAY: still in office)
    rep_is_lr: np.ndarray
    rep_of: np.ndarray        # enterprise -> its current legal representative (-1: none)
    # holdings (background)
    h_ent: np.ndarray
    h_type: np.ndarray        # 0 person, 1 enterprise
    h_holder: np.ndarray
    h_bp: np.ndarray          # basis points
    h_sub: np.ndarray
    h_paid: np.ndarray
    h_planted: np.ndarray
    h_since: np.ndarray       # start of the holding (NO_DAY: not given, open)
    h_until: np.ndarray       # end of the holding (NO_DAY: still held)
    h_exit: np.ndarray        # how a closed holding shows its end (EXIT_*)
    # penalty events (background)
    bg_ev: tuple
    ev_ent: np.ndarray
    ev_kind: np.ndarray
    ev_decided: np.ndarray
    ev_status: np.ndarray
    ev_removed: np.ndarray
    ev_planted: np.ndarray
    ev_reason_override: list
    ev_order: np.ndarray
    ev_uid: pa.Array
    ev_rep: np.ndarray        # the legal representative in office on the decision date (named on the row)
    # people (background, people): one entry per person
    P0: int                   # first background person
    forced_names: list[str]
    pp_disc: np.ndarray       # planted people's disclosure profile (SI.DISC_*)
    p_kind: np.ndarray
    p_state: np.ndarray       # ID_NONE / ID_FULL / ID_MASKED / ID_FOREIGN
    p_county: np.ndarray
    p_birth: np.ndarray
    p_forced: np.ndarray
    p_prefix_only: np.ndarray
    p_idm: np.ndarray
    p_id: pa.Array
    p_foreign: pa.Array
    p_name: pa.Array
    p_mobile: pa.Array
    p_email: pa.Array
    id_rows: dict             # the ID rows each source shows (tables)
    records: list

    def __init__(self, n: int, rng: np.random.Generator, geo: _Geo, blk: Block | None = None):
        self.n, self.rng, self.geo = n, rng, geo
        self.blk = blk or Block()
        self.perm = rng.permutation(n)
        self.cursor = 0
        self._county_sets: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        # planted people
        self.pp_county: list[int] = []
        self.pp_birth: list[int] = []
        self.pp_phone: dict[int, int] = {}
        # planted edges
        self.pl_rep: list[tuple[int, int, int, int]] = []  # (ent, person, since, until)
        # (ent, htype 0 person/1 ent, holder, bp, paid frac, since, until, exit shown as EXIT_*)
        self.pl_hold: list[tuple[int, int, int, int, float, int, int, int]] = []
        self.pl_ev: list[tuple[int, int, int, int, int, str | None]] = []  # (ent, kind, decided, status, removed, reason)
        self.addr_override: dict[int, str] = {}
        self.phone_override: dict[int, int] = {}
        self.reserved_addresses: set[str] = set(self.blk.carry.addresses) if self.blk.carry else set()
        self.reserved_phones: set[int] = set()
        self.common_name_ents: list[tuple[int, str]] = []
        self.disc_forced: dict[int, int] = {}  # planted person -> disclosure profile (SI.DISC_*)
        self.chain_people: set[int] = set()
        self.successor_decoys: list[int] = []  # planted people who took over companies after their penalties
        self.truth: dict = {}

    # ------------------------------------------------------------------ base attributes
    def base(self) -> None:
        rng, n, g = self.rng, self.n, self.geo
        self.county = rng.choice(len(g.county_code), n, p=g.county_weight)
        years = np.arange(1990, 2027)
        yw = 1.1 ** (years - 1990)
        yw[-1] *= 0.5
        y = rng.choice(years, n, p=yw / yw.sum())
        self.founded = np.minimum(_years_to_day(y) + rng.integers(0, 365, n), REF - 1)
        kinds_p = np.array([k[2] for k in W.KINDS])
        self.kind = rng.choice(len(W.KINDS), n, p=kinds_p / kinds_p.sum())
        self.industry = rng.choice(len(IND_NAMES), n, p=IND_P)
        ind = np.flatnonzero(self.kind == KIND_INDIVIDUAL)
        allowed = np.array([IND_NAMES.index(x) for x in W.INDIVIDUAL_INDUSTRIES])
        self.industry[ind] = allowed[rng.integers(0, len(allowed), len(ind))]
        self.industry[self.kind == KIND_COOP] = IND_AGRI
        age = (REF - self.founded) / 365.25
        p_diss = np.clip(0.02 + 0.012 * age, 0, 0.45)
        u = rng.random(n)
        span = REF - self.founded - 60
        diss = (u < p_diss) & (span > 60)
        self.status = np.where(rng.random(n) < 0.85, S_CUNXU, S_ZAIYE)
        self.status[diss] = np.where(rng.random(diss.sum()) < 0.65, S_ZHUXIAO, S_DIAOXIAO)
        self.status[(~diss) & (u < p_diss + 0.01)] = S_QIANCHU
        self.dissolved = np.full(n, NO_DAY, np.int64)
        self.dissolved[diss] = self.founded[diss] + 60 + (rng.random(diss.sum()) * span[diss]).astype(np.int64)
        # many revoked (吊销) companies carry no dissolution date in the registry
        self.diss_shown = ~((self.status == S_DIAOXIAO) & (rng.random(n) < 0.6))
        # capital (yuan)
        rounds = np.array([1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000], np.int64)
        rw = np.array([1, 2, 3, 10, 5, 6, 12, 14, 8, 6, 8, 6, 3, 1.5, 1.5, 1], float)
        wan = rounds[rng.choice(len(rounds), n, p=rw / rw.sum())] * 10000
        v = np.exp(rng.normal(4.0, 1.4, n))
        dec = rng.choice([0, 1, 2, 4], n, p=[0.6, 0.2, 0.1, 0.1])
        scale = 10.0 ** dec
        odd = (np.round(v * scale) * 10000 / scale).astype(np.int64)
        odd = np.maximum(odd, 10000)
        self.cap_yuan = np.where(rng.random(n) < 0.7, wan, odd)
        small = np.array([1, 2, 3, 5, 10, 20, 30, 50], np.int64) * 10000
        ind = self.kind == KIND_INDIVIDUAL
        self.cap_yuan[ind] = small[rng.integers(0, len(small), ind.sum())]
        self.cap_missing = ind & (rng.random(n) < 0.3)
        self.currency = rng.choice(len(CURRENCIES), n, p=CURRENCY_P)
        self.currency[~np.isin(KIND_MODEL[self.kind], ["persons", "corp_solo", "joint"])] = 0
        self.role = np.zeros(n, np.int8)

    # ------------------------------------------------------------------ planting primitives
    def alloc(self, k: int) -> list[int]:
        if self.cursor + k > self.n * 0.6:
            raise ValueError(f"too few enterprises ({self.n}) for the planted patterns; use more")
        out = self.perm[self.cursor:self.cursor + k]
        self.cursor += k
        return [int(e) for e in out]

    def rand_county(self, prov: int | None = None, city: int | None = None, exclude_city: int | None = None,
                    exclude_prov: int | None = None, exclude_county: int | None = None) -> int:
        key = (prov, city, exclude_city, exclude_prov, exclude_county)
        hit = self._county_sets.get(key)
        if hit is None:
            g = self.geo
            cand = np.arange(len(g.county_code))
            if prov is not None:
                cand = g.prov_counties[prov]
            if city is not None:
                cand = g.city_counties[city]
            if exclude_city is not None:
                cand = cand[g.county_city[cand] != exclude_city]
            if exclude_prov is not None:
                cand = cand[g.county_prov[cand] != exclude_prov]
            if exclude_county is not None:
                cand = cand[cand != exclude_county]
            cum = np.cumsum(g.county_weight[cand])
            hit = self._county_sets[key] = (cand, cum / cum[-1])
        cand, cum = hit
        return int(cand[min(int(np.searchsorted(cum, self.rng.random(), "right")), len(cand) - 1)])

    def rday(self, lo: int, hi: int) -> int:
        lo, hi = int(lo), int(hi)
        return lo if hi <= lo else int(self.rng.integers(lo, hi + 1))

    def set_ent(self, e: int, county: int, founded: int, kind: int = K_PERSONS, status: int = S_CUNXU,
                dissolved: int = NO_DAY, industry: int | None = None, cap_wan: float | None = None,
                role: int = R_PLANTED) -> None:
        rng = self.rng
        self.county[e] = county
        self.founded[e] = min(int(founded), REF - 1)
        self.kind[e] = kind
        self.status[e] = status
        self.dissolved[e] = dissolved
        self.diss_shown[e] = True
        if industry is not None:
            self.industry[e] = industry
        if cap_wan is None:
            cap_wan = float(rng.choice([10, 50, 100, 200, 300, 500, 1000]))
        self.cap_yuan[e] = int(round(cap_wan * 10000))
        self.cap_missing[e] = False
        self.currency[e] = 0
        self.role[e] = role

    def newp(self, county: int | None = None) -> int:
        rng, g = self.rng, self.geo
        if county is None:
            c = self.rand_county()
        elif rng.random() < 0.4:
            c = county
        else:
            c = self.rand_county(prov=int(g.county_prov[county]))
        self.pp_county.append(c)
        self.pp_birth.append(self.rday(_day("1958-01-01"), _day("1996-12-31")))
        return len(self.pp_county) - 1

    def new_phone(self) -> int:
        while True:
            m = int(_mobiles(self.rng, 1, self.blk.tag)[0])
            if m not in self.reserved_phones:
                self.reserved_phones.add(m)
                return m

    def new_address(self, county: int, cluster: bool = False) -> str:
        rng, g = self.rng, self.geo
        prov = g.prov_name[g.county_prov[county]]
        city = g.city_full[g.county_city[county]]
        lo, hi = (20, 40) if self.blk.tag else (1, 20)  # in blocks: rooms no background address has
        while True:
            road = W.ROAD_WORDS[rng.integers(len(W.ROAD_WORDS))]
            sfx = W.ROAD_SUFFIXES[rng.integers(len(W.ROAD_SUFFIXES))][0]
            num = int(rng.integers(1, 1000))
            if cluster:
                room = f"{int(rng.integers(1, 20))}幢{int(rng.integers(1, 12))}楼"
            else:
                room = f"{int(rng.integers(1, 30))}幢{int(rng.integers(1, 30))}{int(rng.integers(lo, hi)):02d}室"
            a = f"{prov}{city}{g.county_name[county]}{road}{sfx}{num}号{room}"
            if a not in self.reserved_addresses:
                self.reserved_addresses.add(a)
                return a

    def pkey(self, p: int) -> str:
        """The ground truth's key of planted person p (unique over all blocks)."""
        return f"P{p + self.blk.people:07d}"

    def rep(self, e: int, p: int, since: int | None = None, until: int = NO_DAY) -> None:
        """p is legal representative of e from ``since`` (default: founding) until ``until`` (NO_DAY: today)."""
        self.pl_rep.append((e, p, int(self.founded[e]) if since is None else int(since), int(until)))

    def hold(self, e: int, htype: int, h: int, bp: int, paid: float = 1.0, since: int = NO_DAY,
             until: int = NO_DAY, ends_by: int = EXIT_NONE) -> None:
        """h holds bp basis points of e over [since, until) (NO_DAY: open); ``ends_by`` says how an end shows."""
        if until != NO_DAY and ends_by == EXIT_NONE:
            ends_by = EXIT_UNTIL
        self.pl_hold.append((e, htype, h, int(bp), float(paid), int(since), int(until), int(ends_by)))

    def exit_mode(self) -> int:
        """How a holding's end shows: the row's end date (50%), also an equity change to 0 (25%), or only that."""
        return int(self.rng.choice([EXIT_UNTIL, EXIT_BOTH, EXIT_CHANGE], p=[0.5, 0.25, 0.25]))

    def event(self, e: int, kind: str, decided: int, status: int = ST_ACTIVE, removed: int = NO_DAY,
              reason: str | None = None) -> None:
        decided = int(min(decided, REF - 1))
        if status != ST_ACTIVE and removed == NO_DAY:
            removed = self.rday(decided + 30, min(decided + 700, REF))
        self.pl_ev.append((e, EVENT_KINDS.index(kind), decided, status, int(removed), reason))

    def owned_solo(self, e: int, p: int, paid: float = 1.0) -> None:
        """p is legal representative and sole shareholder of e."""
        self.rep(e, p)
        self.hold(e, 0, p, 10000, paid)

    def rand_kind(self) -> str:
        return EVENT_KINDS[self.rng.choice(4, p=[0.35, 0.45, 0.08, 0.12])]
