"""Constants, geography, Arrow string helpers, dates, money and identifiers of the generator."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from creditgraph.etl.synth import names as W


GENERATOR_VERSION = 4
REFERENCE_DATE = "2026-06-30"
_EPOCH = np.datetime64("1970-01-01", "D")


@functools.lru_cache(maxsize=None)
def _day(s: str) -> int:
    return int((np.datetime64(s, "D") - _EPOCH).astype(np.int64))


REF = _day(REFERENCE_DATE)
NO_DAY = -(10**8)  # "no date"
_DAY_MIN = _day("1930-01-01")
_DAY_MAX = _day("2059-12-31")

PROFILES = ("canonical", "zj-warehouse")
FORMATS = ("csv", "parquet")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], np.int64)
ID_CHECK = "10X98765432"
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)
_USCC_ASCII = np.frombuffer(USCC_CHARS.encode(), np.uint8)
_USCC_VAL = np.full(256, 0, np.int64)
_USCC_VAL[_USCC_ASCII] = np.arange(31)
_ID_CHECK_ASCII = np.frombuffer(ID_CHECK.encode(), np.uint8)

KIND_CODES = {
    "administrative_penalty": "AP",
    "abnormal_operation": "AO",
    "serious_illegal": "SI",
    "dishonest_debtor": "DD",
}
EVENT_KINDS = tuple(KIND_CODES)
EVENT_STATUSES = ("active", "removed", "repaired", "withdrawn")
STATUSES = ("存续", "在业", "注销", "吊销", "迁出")
ST_ACTIVE, ST_REMOVED, ST_REPAIRED, ST_WITHDRAWN = range(4)
S_CUNXU, S_ZAIYE, S_ZHUXIAO, S_DIAOXIAO, S_QIANCHU = range(5)
AO_UNREACHABLE = W.AO_UNREACHABLE

# roles of enterprises
R_BG, R_PLANTED, R_CLUSTER, R_GROUP, R_REPAIRED, R_COMMON = range(6)
# how the end of a holding shows: not ended; the row's until; until and an equity change to 0; only the change
EXIT_NONE, EXIT_UNTIL, EXIT_BOTH, EXIT_CHANGE = range(4)
# person id states
ID_NONE, ID_FULL, ID_MASKED, ID_FOREIGN = range(4)

PROVINCE_WEIGHTS = {"330000": 0.26, "320000": 0.24, "370000": 0.20, "410000": 0.12, "310000": 0.10, "340000": 0.08}
PROVINCE_ABBR = {"310000": "沪", "320000": "苏", "330000": "浙", "340000": "皖", "370000": "鲁", "410000": "豫"}
BIG_CITIES = {"330100", "330200", "330300", "320100", "320500", "320200", "370100", "370200", "410100", "340100"}

DEFINITIONS = {
    "reference_date": "All time-relative values are relative to 2026-06-30; no removal date lies after it.",
    "person_identity": (
        "Every planted person is one real person with one resident ID number (id_no, GB 11643-1999), but each "
        "source row shows it in full, masked (321181********5898, 3211**********5898, 330222************) or not "
        "at all (N/A, empty), decided row by row (see people[].disclosure). Patterns are defined on real people: "
        "the 'people' section lists every row of every planted person (uscc, name as written, id as shown, role) "
        "so that a scorer can recognise the person however a graph keys those rows. Background people never "
        "satisfy a pattern, whatever identity is assumed for them."
    ),
    "people": (
        "key (P + index), name, id_no (the true, full ID number), disclosure (how their rows show the ID), phone "
        "(their mobile, on their legal-representative rows), records: one per row naming them: uscc (enterprise "
        "key), name (as written), id_shown (full, masked, or null when N/A/empty), role (legal_rep, shareholder, "
        "penalty_person with event = the PenaltyEvent uid)."
    ),
    "company_end": (
        "When an enterprise ended, for phoenix cases: status 注销/吊销/撤销/迁出 with a dissolved date: that date "
        "(signal dissolution_date); such a status without a date (many revoked companies have none): the decided "
        "date of its latest active event (signal status); otherwise an active serious_illegal listing: the "
        "decided date of its latest one (signal serious_illegal). Abnormal-operation listings are not an end."
    ),
    "enterprise_identity": "The upper-cased USCC; where the uscc column holds a 15-digit legacy registration number, that number.",
    "enterprise_region": (
        "enterprises.region (a county-level GB/T 2260 code); where empty, USCC positions 3-8. Province = first 2 "
        "digits, city = first 4 digits."
    ),
    "active_event": (
        "A penalties row whose status is active (zj-warehouse: no removal date, or the 9999 sentinel, or N/A). "
        "removed, repaired (removal_reason contains 信用修复) and withdrawn (removal_reason contains 异议) events "
        "are not active. The planted truth ignores non-active events (default risk analyses)."
    ),
    "event_id": "<kind code>:<record_id>, kind codes AP administrative_penalty, AO abnormal_operation, SI serious_illegal, DD dishonest_debtor (the PenaltyEvent uid).",
    "roles": (
        "legal representative = a legal_reps row with is_legal_rep true; shareholder = a shareholders row (holder_id "
        "is the ID number of a person or the USCC of an enterprise). Every role is an interval [since, until) "
        "(docs/time.md): an empty since is open (since always), an empty until means the role holds today. A legal_reps "
        "or shareholders row with until is a FORMER legal representative / shareholder; the successor's since is the "
        "predecessor's until. An equity_changes row with ratio_after 0 closes the holding of that holder_name in that "
        "enterprise on change_date (some exits show only so, the shareholders row then has no until); one with "
        "ratio_before 0 opens it on change_date. 'Current' roles are the ones with no end (valid today)."
    ),
    "attribution": (
        "A penalty (active event) of enterprise E decided on day d is attributed to a person's role in E over "
        "[f, t) when f <= d < t (decision-date attribution, docs/time.md). The person named on a penalty row is the "
        "legal representative in office on the decision date."
    ),
    "time_only": (
        "repeat_offenders.person[].time_only and phoenix_cases[].time_only: true when the rule before history "
        "existed (only roles valid today, every active event of the company counts, exit = the company's end) "
        "would not find the entry: the share of the truth that only time-aware attribution finds."
    ),
    "history": (
        "counts.history: enterprises with at least one former legal representative (a legal_reps row with until) "
        "or former shareholder (a shareholders row with until, or a holder taken to 0 by an equity change)."
    ),
    "shell_clusters": (
        "A hub person who is legal representative of >= 5 enterprises whose founding dates lie within 180 days "
        "(max - min <= 180). Planted members share one non-cluster address and one phone; at least half are listed "
        "abnormal_operation with reason exactly 通过登记的住所或者经营场所无法联系的 (active); every shareholding "
        "has paid <= 5% of subscribed; some members were 注销/吊销 within 730 days of founding; two members hold "
        "shares in each other. No other person is legal representative of >= 5 enterprises founded within 180 days. "
        "Current legal representatives only."
    ),
    "repeat_offenders.enterprise": "An enterprise with >= 3 active events whose decided dates lie within 730 days (max - min <= 730).",
    "repeat_offenders.person": (
        "A person with >= 2 distinct enterprises in each of which one of their roles (legal representative or "
        "shareholder, current or former) is attributed >= 1 active event (see attribution: decided within the "
        "role's interval). Includes the hubs of shell clusters, people behind cross-region person links, and people "
        "who left a company after its penalty. enterprises[] lists the attributed enterprises: roles (the roles "
        "attributed), active_events (the attributed events), left (the end of their last role there when they hold "
        "none today, else null). A successor who took over companies only after their penalties is not one "
        "(decoys.successor_reps)."
    ),
    "phoenix_cases": (
        "For a role of person P in enterprise A over [f, t): P's exit x is the earlier of t and A's end (see "
        "company_end; with neither, no exit). An active event of A decided on d is P's when f <= d < x (in office) "
        "or x <= d <= x + 365 (P left just before the penalty). P has such an event and is (current) legal "
        "representative of enterprise B != A with 0 <= founded(B) - x <= 365 days. One entry per (P, A, B), with "
        "the earliest qualifying exit: a.ended = x, a.end_signal = the company-end signal, or role_end when P left "
        "before A ended (a.left = t); a.attributed_events; days_after = founded(B) - x."
    ),
    "cross_region_links": (
        "Unordered pairs of enterprises A, B (a < b by USCC), each with >= 1 active event, connected either by a "
        "person who is legal representative or shareholder of both today (A <- person -> B) or by an enterprise that "
        "holds shares in both today (A <- owner -> B). level: province when the provinces differ; city when the province "
        "is the same and the cities differ; county when the city is the same and the counties differ (pairs in one "
        "county are not links): the coarsest level at which the regions differ. One entry per (pair, connector). An "
        "analysis run at level 'city' that counts any pair in different cities should find the province and city "
        "entries; at level 'county', all three."
    ),
    "equity_chains": (
        "For each target: its ultimate owners (people, and enterprises with no shareholder rows) reached by "
        "following current shareholders rows upwards; effective ratio = sum over simple paths (no enterprise visited twice) "
        "of the product of the ratios along the path, rounded to 1e-9; the actual-controller candidate is the "
        "owner with the largest effective ratio (no ties are planted). Some owners reach the target by two paths; "
        "chains with has_cycle contain a mutual holding between two intermediate enterprises."
    ),
    "decoys": (
        "Must not be flagged by default analyses: cluster_addresses (declared 集中办公区, each hosting 20-60 "
        "unrelated companies with distinct legal representatives); large_groups (a parent holding 10-30 "
        "subsidiaries at >= 51%, distinct legal representatives, founded across years, fully paid, no penalties); "
        "common_name_people (legal representatives sharing a very common name across unrelated enterprises, "
        "name-only or with a masked ID showing only a region prefix of one city: never the same person); "
        "repaired_repeat (3 events within 730 days of which >= 2 are "
        "removed/repaired/withdrawn: a repeat offender only when non-active events are included); successor_reps "
        "(a person who took over as legal representative of >= 2 penalised enterprises after all their active "
        "events: current legal representative of each, yet no penalty falls in their tenure; the rule that "
        "attributes every penalty to today's people flags them)."
    ),
    "commitments": (
        "commitments.csv (credit commitments 信用承诺; canonical layout only): rows, loadable (rows that load: all but "
        "the broken ones listed in bad_rows, which are always there), by_kind and by_status of the loadable rows, "
        "breached and false (record ids), breach_events (their commitment_breach PenaltyEvents, CB:<record id>), "
        "person_subjects (commitments of natural persons known by name and a masked ID). Kinds and statuses are "
        "written as keys, Chinese labels or variants (告知承诺制, 主动承诺, 未履约 …). Breaches fall only on "
        "background enterprises that no risk pattern can reach and on those persons: the risk-pattern truth holds "
        "with the breach events loaded."
    ),
    "red_lists": (
        "red_lists.csv (红名单 / 守信激励; canonical layout only): rows, loadable, by_kind (a list other than the three "
        "named ones is written as its name and loads as kind other), red_listed (enterprise keys, see "
        "enterprise_identity, of entries listed today) and removed (entries removed since)."
    ),
    "red_black_pairs": (
        "Red-listed companies (red, with its entry red_entry) whose current legal representative (person, by name) "
        "also represents a company with an active serious_illegal or dishonest_debtor event (black, black_events)."
    ),
    "bad_rows": (
        "Rows broken on purpose: file, row (1-based line number, header = row 1; the same numbering for Parquet), "
        "column (as written in the file), field (canonical name), reason. Broken rows never belong to planted "
        "patterns or decoys."
    ),
}


# --------------------------------------------------------------------------- geography


@dataclass
class _Geo:
    county_code: np.ndarray  # int64 6-digit
    county_name: list[str]
    county_city: np.ndarray  # index into cities
    county_prov: np.ndarray  # index into provs
    county_weight: np.ndarray
    city_code: list[str]
    city_name: list[str]  # official (市辖区 for municipalities)
    city_full: list[str]  # as written in addresses ("" for 市辖区)
    city_short: list[str]  # for company names
    city_prov: np.ndarray
    prov_code: list[str]
    prov_name: list[str]
    prov_counties: list[np.ndarray] = field(default_factory=list)
    city_counties: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None = None) -> "_Geo":
        path = path or Path(__file__).resolve().parents[1] / "data" / "regions.csv"
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        provs = [r for r in rows if r["level"] == "province"]
        prov_code = [r["code"] for r in provs]
        prov_name = [r["name"] for r in provs]
        pidx = {c: i for i, c in enumerate(prov_code)}
        cities = [r for r in rows if r["level"] == "city"]
        city_code = [r["code"] for r in cities]
        cidx = {c: i for i, c in enumerate(city_code)}
        city_name = [r["name"] for r in cities]
        city_prov = np.array([pidx[r["province"]] for r in cities])
        city_full, city_short = [], []
        for r in cities:
            if r["name"] == "市辖区":  # municipality: the province is the city
                pname = prov_name[pidx[r["province"]]]
                city_full.append("")
                city_short.append(pname.removesuffix("市"))
            else:
                city_full.append(r["name"])
                city_short.append(r["name"].removesuffix("市"))
        counties = [r for r in rows if r["level"] == "county"]
        county_code = np.array([int(r["code"]) for r in counties], np.int64)
        county_city = np.array([cidx[r["city"]] for r in counties])
        county_prov = np.array([pidx[r["province"]] for r in counties])
        factor = np.array([3.0 if city_code[c] in BIG_CITIES else 1.0 for c in county_city])
        weight = np.zeros(len(counties))
        for p, code in enumerate(prov_code):
            m = county_prov == p
            weight[m] = PROVINCE_WEIGHTS.get(code, 0.02) * factor[m] / factor[m].sum()
        weight /= weight.sum()
        geo = cls(county_code, [r["name"] for r in counties], county_city, county_prov, weight,
                  city_code, city_name, city_full, city_short, city_prov, prov_code, prov_name)
        geo.prov_counties = [np.flatnonzero(county_prov == p) for p in range(len(prov_code))]
        geo.city_counties = [np.flatnonzero(county_city == c) for c in range(len(city_code))]
        return geo


# --------------------------------------------------------------------------- string helpers


def _s(values) -> pa.Array:
    return pa.array(list(values), pa.string())


def _take(table: pa.Array, idx: np.ndarray) -> pa.Array:
    return table.take(pa.array(np.asarray(idx, np.int64)))


def _cat(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def _istr(v: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(v, np.int64)).cast(pa.string())


def _pad(v: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_istr(v), width=width, padding="0")


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), arr)


def _set_where(arr: pa.Array, mask: np.ndarray, value: str | pa.Array) -> pa.Array:
    if not mask.any():
        return arr
    if isinstance(value, str):
        value = pa.scalar(value, pa.string())
    return pc.if_else(pa.array(mask), value, arr)


def _replace_rows(arr: pa.Array, rows: np.ndarray, values: Sequence[str | None]) -> pa.Array:
    """Replace arr[rows[i]] by values[i] (rows unique)."""
    if len(rows) == 0:
        return arr
    order = np.argsort(rows, kind="stable")
    mask = np.zeros(len(arr), bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), pa.array([values[i] for i in order], pa.string()))


def _ascii_rows(m: np.ndarray) -> pa.Array:
    """(n, w) uint8 ASCII matrix -> string array of n fixed-width strings."""
    m = np.ascontiguousarray(m, np.uint8)
    n, w = m.shape
    offsets = (np.arange(n + 1, dtype=np.int32) * w).tobytes()
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(m.tobytes())])


def _dups(values: np.ndarray) -> np.ndarray:
    """Mask of entries equal to an earlier entry (numeric or fixed-width void arrays)."""
    _, first = np.unique(values, return_index=True)
    dup = np.ones(len(values), bool)
    dup[first] = False
    return dup


def _str_dups(arr: pa.Array) -> np.ndarray:
    import pandas as pd

    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr]))).duplicated(keep="first").to_numpy()


def _weights(pairs) -> tuple[list, np.ndarray]:
    items = [p[0] for p in pairs]
    w = np.array([p[-1] for p in pairs], float)
    return items, w / w.sum()


def _civil(days: np.ndarray):
    """Day numbers -> (year, month, day) int arrays."""
    d = (np.asarray(days, np.int64).astype("M8[D]"))
    y = d.astype("M8[Y]").astype(np.int64) + 1970
    m = d.astype("M8[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("M8[M]")).astype(np.int64) + 1
    return y, m, dd


def _iso(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


# --------------------------------------------------------------------------- dates and money


class _Dates:
    """Renders day numbers in the mixed formats of real extracts via a lookup table."""

    FORMATS = ("iso", "nopad", "slash", "compact", "iso_time", "slash_time")

    def __init__(self):
        days = np.arange(_DAY_MIN, _DAY_MAX + 1)
        y, m, d = _civil(days)
        ys, ms, ds = _istr(y), _istr(m), _istr(d)
        mp, dp = _pad(m, 2), _pad(d, 2)
        tables = [
            _cat(ys, "-", mp, "-", dp),
            _cat(ys, "-", ms, "-", ds),
            _cat(ys, "/", mp, "/", dp),
            _cat(ys, mp, dp),
            _cat(ys, "-", mp, "-", dp, " 00:00:00"),
            _cat(ys, "/", ms, "/", ds, " 0:00:00"),
        ]
        self.n = len(days)
        self.table = pa.concat_arrays(tables)

    def render(self, days: np.ndarray, fmt: np.ndarray | int, missing: pa.Array | str | None = None) -> pa.Array:
        days = np.asarray(days, np.int64)
        ok = days >= _DAY_MIN
        idx = np.asarray(fmt, np.int64) * self.n + np.clip(days, _DAY_MIN, _DAY_MAX) - _DAY_MIN
        out = _take(self.table, np.broadcast_to(idx, days.shape))
        if (~ok).any():
            out = _null_where(out, ~ok) if missing is None else _set_where(out, ~ok, missing)
        return out


@dataclass
class _Style:
    """Per-profile rendering habits."""

    date_p: tuple[float, ...]
    missing: tuple[tuple[str | None, float], ...]
    lerep_true: str
    lerep_false: str
    flags: tuple[tuple[str, float], ...]


STYLES = {
    "canonical": _Style((0.45, 0.2, 0.1, 0.1, 0.1, 0.05), ((None, 0.7), ("N/A", 0.3)), "1", "0",
                        (("i", 0.97), ("u", 0.03))),
    "zj-warehouse": _Style((0.25, 0.1, 0.05, 0.3, 0.3, 0.0), ((None, 0.5), ("\\N", 0.3), ("N/A", 0.2)), "Y", "N",
                           (("i", 0.9), ("I", 0.05), ("1", 0.03), ("u", 0.02))),
}


def _money_parts(yuan: np.ndarray):
    """yuan -> (value in 万 like %g, value in 万 with 4 decimals, value in 万 with thousands separators)."""
    yuan = np.asarray(yuan, np.int64)
    ip, fp = yuan // 10000, yuan % 10000
    ips = _istr(ip)
    f4 = _pad(fp, 4)
    frac = _cat(".", pc.utf8_rtrim(f4, characters="0"))
    frac = _set_where(frac, fp == 0, "")
    g = _cat(ips, frac)
    four = _cat(ips, ".", f4)
    comma = _cat(_istr(ip // 1000), ",", _pad(ip % 1000, 3), frac)
    comma = pc.if_else(pa.array(ip >= 1000), comma, g)
    return g, four, comma


CURRENCIES = ("人民币", "美元", "香港元", "欧元", "日元")
CURRENCY_P = (0.95, 0.03, 0.012, 0.004, 0.004)


# --------------------------------------------------------------------------- identifiers


def _digits(v: np.ndarray, width: int) -> np.ndarray:
    v = np.asarray(v, np.int64)
    out = np.empty((len(v), width), np.int64)
    for i in range(width - 1, -1, -1):
        out[:, i] = v % 10
        v = v // 10
    return out


Tag = tuple[int, int] | None  # (block index, number of blocks), or None for a generation in one block


def _tag(v: np.ndarray, space: int, tag: Tag) -> np.ndarray:
    """Values drawn from [0, space) made to carry a block tag: still in [0, space), and == index (mod blocks), so
    that two blocks never draw the same value. ``tag`` None: unchanged.

    >>> _tag(np.array([0, 7, 500]), 1000, (2, 3)).tolist()
    [2, 23, 503]
    """
    if tag is None:
        return v
    i, nb = tag
    return (np.asarray(v, np.int64) % (space // nb)) * nb + i


def _tag_digits(d: np.ndarray, base: int, tag: Tag) -> np.ndarray:
    """An (n, w) matrix of random digits in ``base``, read as numbers, tagged (see :func:`_tag`)."""
    if tag is None:
        return d
    w = d.shape[1]
    v = _tag((np.asarray(d, np.int64) * base ** np.arange(w - 1, -1, -1, dtype=np.int64)).sum(1), base ** w, tag)
    out = np.empty(d.shape, np.int64)
    for i in range(w - 1, -1, -1):
        out[:, i] = v % base
        v = v // base
    return out


def _uscc_matrix(rng, kind_digit: np.ndarray, county_code: np.ndarray, new_style: np.ndarray, tag: Tag = None) -> np.ndarray:
    """Valid GB 32100-2015 codes as an (n, 18) ASCII matrix (the organisation code's free part carries ``tag``)."""
    n = len(kind_digit)
    m = np.empty((n, 18), np.uint8)
    m[:, 0] = ord("9")
    m[:, 1] = ord("0") + np.asarray(kind_digit, np.uint8)
    m[:, 2:8] = ord("0") + _digits(county_code, 6)
    old_d = rng.integers(0, 10, (n, 8))
    new_i = rng.integers(0, 31, (n, 8))
    if tag is not None:
        old_d = _tag_digits(old_d, 10, tag)
        new_i[:, 2:] = _tag_digits(new_i[:, 2:], 31, tag)
    old = (ord("0") + old_d).astype(np.uint8)
    new = _USCC_ASCII[new_i]
    new[:, 0], new[:, 1] = ord("M"), ord("A")
    body = np.where(np.asarray(new_style)[:, None], new, old)
    vals = np.where(body >= 65, body.astype(np.int64) - 55, body.astype(np.int64) - 48)
    c = (11 - (vals * ORG_WEIGHTS).sum(1) % 11) % 11
    m[:, 8:16] = body
    m[:, 16] = np.where(c == 10, ord("X"), ord("0") + c)
    s = (_USCC_VAL[m[:, :17]] * USCC_WEIGHTS).sum(1) % 31
    m[:, 17] = _USCC_ASCII[(31 - s) % 31]
    return m


def uscc_valid(code: str) -> bool:
    """GB 32100-2015 check (case-insensitive).

    >>> uscc_valid("91330503735242721D"), uscc_valid("91330503735242721E")
    (True, False)
    """
    code = code.upper()
    if len(code) != 18 or any(ch not in USCC_CHARS for ch in code):
        return False
    s = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_CHARS[(31 - s % 31) % 31] == code[17]


def id_valid(code: str) -> bool:
    """GB 11643-1999 check of an 18-character resident ID number.

    >>> id_valid("11010519491231002X"), id_valid("110105194912310021")
    (True, False)
    """
    code = code.upper()
    if len(code) != 18 or not code[:17].isdigit():
        return False
    s = sum(int(ch) * w for ch, w in zip(code[:17], ID_WEIGHTS))
    return ID_CHECK[s % 11] == code[17]


def _id_matrix(county_code: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    n = len(county_code)
    y, mo, d = _civil(birth)
    ymd = y * 10000 + mo * 100 + d
    dig = np.concatenate([_digits(county_code, 6), _digits(ymd, 8), _digits(seq, 3)], axis=1)
    s = (dig * ID_WEIGHTS).sum(1) % 11
    m = np.empty((n, 18), np.uint8)
    m[:, :17] = ord("0") + dig
    m[:, 17] = _ID_CHECK_ASCII[s]
    return m


def _regno_matrix(rng, county_code: np.ndarray, tag: Tag = None) -> np.ndarray:
    """15-digit legacy registration numbers (GB/T 17710 MOD 11,10 check digit; the free digits carry ``tag``)."""
    n = len(county_code)
    free = _tag_digits(rng.integers(0, 10, (n, 7)), 10, tag)
    dig = np.concatenate([_digits(county_code, 6), np.zeros((n, 1), np.int64), free], axis=1)
    p = np.full(n, 10, np.int64)
    for i in range(14):
        s = (p + dig[:, i]) % 10
        s[s == 0] = 10
        p = (s * 2) % 11
    check = (11 - p) % 10
    return (ord("0") + np.concatenate([dig, check[:, None]], axis=1)).astype(np.uint8)


def _mobiles(rng, k: int, tag: Tag = None) -> np.ndarray:
    prefixes = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157,
                         158, 159, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189], np.int64)
    head = prefixes[rng.integers(0, len(prefixes), k)] * 100_000_000
    return head + _tag(rng.integers(0, 100_000_000, k), 100_000_000, tag)


def _kind_index(name: str) -> int:
    return [k[0] for k in W.KINDS].index(name)


K_PERSONS = _kind_index("有限责任公司(自然人投资或控股)")
K_SOLO = _kind_index("有限责任公司(自然人独资)")
K_CORP_SOLO = _kind_index("有限责任公司(非自然人投资或控股的法人独资)")
K_JOINT = _kind_index("股份有限公司(非上市、自然人投资或控股)")
KIND_MODEL = np.array([k[3] for k in W.KINDS])
KIND_DIGIT = np.array([int(k[1]) for k in W.KINDS])
KIND_SOLE_PROPRIETOR = _kind_index("个人独资企业")
KIND_INDIVIDUAL = _kind_index("个体工商户")
KIND_COOP = _kind_index("农民专业合作社")
_COMPANY_KIND = np.isin(KIND_MODEL, ["persons", "solo_person", "corp_solo", "joint", "partnership"])
_COMPANY_KIND[KIND_SOLE_PROPRIETOR] = False  # a sole proprietorship never holds shares here
IND_NAMES = [i[0] for i in W.INDUSTRIES]
IND_WORDS = [i[1] for i in W.INDUSTRIES]
IND_P = np.array([i[2] for i in W.INDUSTRIES]) / sum(i[2] for i in W.INDUSTRIES)
IND_AGRI = IND_NAMES.index("农业")


def _years_to_day(y: np.ndarray) -> np.ndarray:
    return (np.asarray(y, np.int64) - 1970).astype("M8[Y]").astype("M8[D]").astype(np.int64)
