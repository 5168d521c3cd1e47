"""Synthetic credit data with planted risk patterns and a ground truth.

``generate()`` writes source extracts in a source profile's layout (the
project's canonical layout or the provincial ``zj-warehouse`` layout), as CSV
(UTF-8, UTF-8 with BOM or GB18030) or Parquet, plus ``ground_truth.json``: the
planted risk patterns, the decoys that must not be flagged and the rows that
were broken on purpose.

Everything is drawn from one ``numpy.random.Generator(PCG64(seed))`` and
time-relative values hang off the fixed reference date 2026-06-30, so the same
arguments give byte-identical files.

How the ground truth stays exact
--------------------------------
The background is built so that it cannot satisfy any pattern definition:

* a background person with an ID number is tied (as legal representative or
  shareholder) to at most two enterprises; the two are in the same city,
  founded at least two years apart, at most one of them has any penalty event,
  and the other is not founded within 365 days after the penalised one was
  dissolved;
* every other background person belongs to one enterprise only;
* a background enterprise has at most two penalty events and never two active
  ones within 730 days;
* background corporate shareholders hold shares only in enterprises of their
  own county.

Planted enterprises and planted people are only linked to each other, so the
derived patterns (repeat offenders, phoenix cases, cross-region links) are
computed by applying the definitions to the planted part, which also captures
where planted patterns overlap. ``tests/test_synth.py`` re-derives every
definition from the written files by brute force and compares.

Example
-------
>>> import tempfile, json
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> summary = generate(2000, seed=7, out=d)
>>> sorted(summary["files"])[:3]
['cluster_addresses.csv', 'enterprises.csv', 'equity_changes.csv']
>>> gt = json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))
>>> len(gt["shell_clusters"]) >= 1
True
"""
from __future__ import annotations

import argparse
import csv
import functools
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from etl import synth_identity as SI
from etl import synth_names as W
from etl.canonical import TABLES

GENERATOR_VERSION = 2
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
    "roles": "legal representative = a legal_reps row with is_legal_rep true; shareholder = a shareholders row (holder_id is the ID number of a person or the USCC of an enterprise).",
    "shell_clusters": (
        "A hub person who is legal representative of >= 5 enterprises whose founding dates lie within 180 days "
        "(max - min <= 180). Planted members share one non-cluster address and one phone; at least half are listed "
        "abnormal_operation with reason exactly 通过登记的住所或者经营场所无法联系的 (active); every shareholding "
        "has paid <= 5% of subscribed; some members were 注销/吊销 within 730 days of founding; two members hold "
        "shares in each other. No other person is legal representative of >= 5 enterprises founded within 180 days."
    ),
    "repeat_offenders.enterprise": "An enterprise with >= 3 active events whose decided dates lie within 730 days (max - min <= 730).",
    "repeat_offenders.person": (
        "A person who is legal representative or shareholder of >= 2 distinct enterprises that each have >= 1 "
        "active event. Includes the hubs of shell clusters and people behind cross-region person links."
    ),
    "phoenix_cases": (
        "A person P who is legal representative or shareholder of enterprise A, where A has >= 1 active event "
        "and ended on day d (see company_end; end_signal says which signal), and P is legal representative of "
        "enterprise B != A with 0 <= founded(B) - d <= 365 days. One entry per (P, A, B)."
    ),
    "cross_region_links": (
        "Unordered pairs of enterprises A, B (a < b by USCC), each with >= 1 active event, connected either by a "
        "person who is legal representative or shareholder of both (A <- person -> B) or by an enterprise that "
        "holds shares in both (A <- owner -> B). level: province when the provinces differ; city when the province "
        "is the same and the cities differ; county when the city is the same and the counties differ (pairs in one "
        "county are not links): the coarsest level at which the regions differ. One entry per (pair, connector). An "
        "analysis run at level 'city' that counts any pair in different cities should find the province and city "
        "entries; at level 'county', all three."
    ),
    "equity_chains": (
        "For each target: its ultimate owners (people, and enterprises with no shareholder rows) reached by "
        "following shareholders rows upwards; effective ratio = sum over simple paths (no enterprise visited twice) "
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
        "removed/repaired/withdrawn: a repeat offender only when non-active events are included)."
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
        path = path or Path(__file__).with_name("data") / "regions.csv"
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


def _replace_rows(arr: pa.Array, rows: np.ndarray, values: list[str | None]) -> pa.Array:
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


def _uscc_matrix(rng, kind_digit: np.ndarray, county_code: np.ndarray, new_style: np.ndarray) -> np.ndarray:
    """Valid GB 32100-2015 codes as an (n, 18) ASCII matrix."""
    n = len(kind_digit)
    m = np.empty((n, 18), np.uint8)
    m[:, 0] = ord("9")
    m[:, 1] = ord("0") + np.asarray(kind_digit, np.uint8)
    m[:, 2:8] = ord("0") + _digits(county_code, 6)
    old = (ord("0") + rng.integers(0, 10, (n, 8))).astype(np.uint8)
    new = _USCC_ASCII[rng.integers(0, 31, (n, 8))]
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


def _regno_matrix(rng, county_code: np.ndarray) -> np.ndarray:
    """15-digit legacy registration numbers (GB/T 17710 MOD 11,10 check digit)."""
    n = len(county_code)
    dig = np.concatenate([_digits(county_code, 6), np.zeros((n, 1), np.int64), rng.integers(0, 10, (n, 7))], axis=1)
    p = np.full(n, 10, np.int64)
    for i in range(14):
        s = (p + dig[:, i]) % 10
        s[s == 0] = 10
        p = (s * 2) % 11
    check = (11 - p) % 10
    return (ord("0") + np.concatenate([dig, check[:, None]], axis=1)).astype(np.uint8)


def _mobiles(rng, k: int) -> np.ndarray:
    prefixes = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157,
                         158, 159, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189], np.int64)
    return prefixes[rng.integers(0, len(prefixes), k)] * 100_000_000 + rng.integers(0, 100_000_000, k)


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


# --------------------------------------------------------------------------- the world


class _World:
    """All entities as arrays (enterprises, people) and edge lists (roles, holdings, events)."""

    def __init__(self, n: int, rng: np.random.Generator, geo: _Geo):
        self.n, self.rng, self.geo = n, rng, geo
        self.perm = rng.permutation(n)
        self.cursor = 0
        self._county_sets: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        # planted people
        self.pp_county: list[int] = []
        self.pp_birth: list[int] = []
        self.pp_phone: dict[int, int] = {}
        # planted edges
        self.pl_rep: list[tuple[int, int, int]] = []  # (ent, person, since)
        self.pl_hold: list[tuple[int, int, int, int, float]] = []  # (ent, htype 0 person/1 ent, holder, bp, paid frac)
        self.pl_ev: list[tuple[int, int, int, int, int, str | None]] = []  # (ent, kind, decided, status, removed, reason)
        self.addr_override: dict[int, str] = {}
        self.phone_override: dict[int, int] = {}
        self.reserved_addresses: set[str] = set()
        self.reserved_phones: set[int] = set()
        self.common_name_ents: list[tuple[int, str]] = []
        self.disc_forced: dict[int, int] = {}  # planted person -> disclosure profile (SI.DISC_*)
        self.chain_people: set[int] = set()
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
            m = int(_mobiles(self.rng, 1)[0])
            if m not in self.reserved_phones:
                self.reserved_phones.add(m)
                return m

    def new_address(self, county: int, cluster: bool = False) -> str:
        rng, g = self.rng, self.geo
        prov = g.prov_name[g.county_prov[county]]
        city = g.city_full[g.county_city[county]]
        while True:
            road = W.ROAD_WORDS[rng.integers(len(W.ROAD_WORDS))]
            sfx = W.ROAD_SUFFIXES[rng.integers(len(W.ROAD_SUFFIXES))][0]
            num = int(rng.integers(1, 1000))
            if cluster:
                room = f"{int(rng.integers(1, 20))}幢{int(rng.integers(1, 12))}楼"
            else:
                room = f"{int(rng.integers(1, 30))}幢{int(rng.integers(1, 30))}{int(rng.integers(1, 20)):02d}室"
            a = f"{prov}{city}{g.county_name[county]}{road}{sfx}{num}号{room}"
            if a not in self.reserved_addresses:
                self.reserved_addresses.add(a)
                return a

    def rep(self, e: int, p: int, since: int | None = None) -> None:
        self.pl_rep.append((e, p, int(self.founded[e]) if since is None else int(since)))

    def hold(self, e: int, htype: int, h: int, bp: int, paid: float = 1.0) -> None:
        self.pl_hold.append((e, htype, h, int(bp), float(paid)))

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


# --------------------------------------------------------------------------- planted patterns

_SHELL_INDUSTRIES = [IND_NAMES.index(x) for x in ("商务服务业", "科技推广和应用服务业", "批发业", "软件和信息技术服务业")]


def _plant_shells(w: _World, k: int) -> list[dict]:
    rng = w.rng
    out = []
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
        short = []
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
        if w.kind[e] == K_SOLO:
            w.owned_solo(e, p, paid=float(rng.choice([0.0, 1.0])))
        else:
            w.rep(e, p)
            w.hold(e, 0, p, 6000)
            w.hold(e, 0, w.newp(county), 4000)
        start = w.rday(w.founded[e] + 365, REF - 760)
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
            if i == 0 or rng.random() < 0.5:
                w.rep(e, p)
                w.hold(e, 0, p, 10000 if rng.random() < 0.5 else 7000)
                if w.pl_hold[-1][3] < 10000:
                    w.hold(e, 0, w.newp(county), 3000)
            else:
                q = w.newp(county)
                w.rep(e, q)
                share = int(rng.integers(30, 50)) * 100
                w.hold(e, 0, q, 10000 - share)
                w.hold(e, 0, p, share)
            w.event(e, w.rand_kind(), w.rday(w.founded[e] + 180, REF - 1))
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
    for e, p, _since in w.pl_rep:
        companies[p].add(e)
        rep_in[p].add(e)
    for e, htype, h, _bp, _paid in w.pl_hold:
        if htype == 0:
            companies[h].add(e)
    disc = np.empty(npl, np.int8)
    for p in range(npl):
        forced = w.disc_forced.get(p)
        if forced is not None:
            disc[p] = forced
        elif p in w.chain_people:
            disc[p] = SI.draw_disclosure(rng, "chain")
        elif len(companies[p]) >= 2:
            disc[p] = SI.draw_disclosure(rng, "multi_rep" if companies[p] == rep_in[p] else "multi")
        else:
            disc[p] = SI.draw_disclosure(rng, "single")
    w.pp_disc = disc


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
        home = [g.city_counties[int(g.county_city[w.county[w.common_name_ents[int(np.argmax(which == i))][0]]])]
                for i in range(len(forced_names))]
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
    # ---- people table (planted people first)
    npl = P0
    w.p_state = np.concatenate([np.full(npl, ID_FULL), r_state, n_state, o_state]).astype(np.int8)
    w.p_county = np.concatenate([np.array(w.pp_county, np.int64), r_county, n_county, o_county])
    w.p_birth = np.concatenate([np.array(w.pp_birth, np.int64), r_birth, n_birth, o_birth])
    w.p_forced = np.concatenate([np.full(npl, -1), r_forced, np.full(nn + no, -1)])
    w.p_prefix_only = np.zeros(len(w.p_forced), bool)  # masked decoys show only the region prefix
    w.p_prefix_only[P0 + common_pos] = True
    w.forced_names = forced_names
    w.p_kind = np.concatenate([np.zeros(npl), np.ones(nr), np.full(nn, 2), np.full(no, 3)]).astype(np.int8)
    w.P0 = P0
    # ---- edges: planted + background
    pr = np.array(w.pl_rep, np.int64).reshape(-1, 3)
    bg_rep_ents = ents_r
    w.rep_ent = np.concatenate([pr[:, 0], bg_rep_ents, off_ents])
    w.rep_person = np.concatenate([pr[:, 1], rep_person[bg_rep_ents], P2 + np.arange(no)])
    since_bg = np.where(rng.random(nr) < 0.7, w.founded[bg_rep_ents],
                        w.founded[bg_rep_ents] + (rng.random(nr) * (REF - w.founded[bg_rep_ents])).astype(np.int64))
    w.rep_since = np.concatenate([pr[:, 2], since_bg, w.founded[off_ents]])
    w.rep_is_lr = np.concatenate([np.ones(len(pr) + nr, bool), np.zeros(no, bool)])
    ph = w.pl_hold
    p_ent = np.array([h[0] for h in ph], np.int64)
    p_type = np.array([h[1] for h in ph], np.int64)
    p_holder = np.array([h[2] for h in ph], np.int64)
    p_bp = np.array([h[3] for h in ph], np.int64)
    p_frac = np.array([h[4] for h in ph], float)
    p_sub = w.cap_yuan[p_ent] * p_bp // 10000
    p_paid = np.round(p_sub * p_frac).astype(np.int64)
    w.h_ent = np.concatenate([p_ent, hent])
    w.h_type = np.concatenate([p_type, is_corp.astype(np.int64)])
    w.h_holder = np.concatenate([p_holder, np.where(is_corp, hholder, hperson)])
    w.h_bp = np.concatenate([p_bp, bp])
    w.h_sub = np.concatenate([p_sub, sub])
    w.h_paid = np.concatenate([p_paid, paid])
    w.h_planted = np.concatenate([np.ones(len(ph), bool), np.zeros(M, bool)])
    # legal representative per enterprise (the one named on subject rows and penalty decisions)
    w.rep_of = np.full(n, -1, np.int64)
    lr = w.rep_is_lr
    w.rep_of[w.rep_ent[lr][::-1]] = w.rep_person[lr][::-1]  # first listed wins
    # events
    pe = w.pl_ev
    be, bk, bd, bs, br = w.bg_ev
    w.ev_ent = np.concatenate([np.array([x[0] for x in pe], np.int64), be])
    w.ev_kind = np.concatenate([np.array([x[1] for x in pe], np.int64), bk])
    w.ev_decided = np.concatenate([np.array([x[2] for x in pe], np.int64), bd])
    w.ev_status = np.concatenate([np.array([x[3] for x in pe], np.int64), bs])
    w.ev_removed = np.concatenate([np.array([x[4] for x in pe], np.int64), br])
    w.ev_reason_override = [x[5] for x in pe] + [None] * len(be)
    w.ev_planted = np.concatenate([np.ones(len(pe), bool), np.zeros(len(be), bool)])


# --------------------------------------------------------------------------- identifiers and names


def _identifiers(w: _World) -> None:
    rng, n, g = w.rng, w.n, w.geo
    code6 = g.county_code[w.county]
    # USCCs (unique)
    new_style = w.founded >= _day("2015-10-01")
    m = _uscc_matrix(rng, KIND_DIGIT[w.kind], code6, new_style)
    for _ in range(20):
        dup = _dups(m.view("V18").ravel())
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        m[idx] = _uscc_matrix(rng, KIND_DIGIT[w.kind[idx]], code6[idx], new_style[idx])
    uscc = _ascii_rows(m)
    # legacy registration numbers
    reg = _regno_matrix(rng, code6)
    for _ in range(20):
        dup = _dups(reg.view("V15").ravel())
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        reg[idx] = _regno_matrix(rng, code6[idx])
    regno = _ascii_rows(reg)
    old = w.founded < _day("2014-01-01")
    bg_old = (w.role == R_BG) & old & (KIND_MODEL[w.kind] != "none")
    p_leg = min(1.0, 0.02 * n / max(1, bg_old.sum()))
    w.legacy = bg_old & (rng.random(n) < p_leg)
    w.code = pc.if_else(pa.array(w.legacy), regno, uscc)  # upper-case key of each enterprise
    w.regno = _null_where(regno, ~(w.legacy | (old & (rng.random(n) < 0.5))))
    w.uscc_m = m
    # subject ids (pripid-like)
    w.subject_id = _cat(_istr(code6), _pad(rng.permutation(n) + 1, 10))
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
    for _ in range(30):
        dup = _str_dups(names)
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        new = _cat(_take(prefix, idx), trade(len(idx)), _take(ind_word, idx), _take(suffix, idx))
        names = _replace_rows(names, idx, new.to_pylist())
    w.name = names
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
        k = np.where(has_id, key + seq, -1 - np.arange(npers))
        dup = _dups(k)
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 1000, dup.sum())
    idm = _id_matrix(code6, w.p_birth, seq)
    w.p_idm = idm
    w.p_id = _null_where(_ascii_rows(idm), ~(w.p_state == ID_FULL))
    fm = np.empty((npers, 9), np.uint8)
    fm[:, 0] = np.where(rng.random(npers) < 0.5, ord("E"), ord("H"))
    fm[:, 1:] = ord("0") + rng.integers(0, 10, (npers, 8))
    w.p_foreign = _ascii_rows(fm)
    # phones: people first, then enterprises' own numbers, unique and apart from reserved ones
    pk = w.p_kind
    has_m = np.where(pk == 0, True, np.where(pk == 1, rng.random(npers) < 0.75, np.where(pk == 2, rng.random(npers) < 0.1, False)))
    n = w.n
    rep_mobile_ok = (w.rep_of >= 0)
    e_u = rng.random(n)
    mob = _mobiles(rng, npers + n)
    reserved = np.array(sorted(w.reserved_phones), np.int64)
    for _ in range(50):
        bad = _dups(mob) | np.isin(mob, reserved)
        if not bad.any():
            break
        mob[bad] = _mobiles(rng, int(bad.sum()))
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


# --------------------------------------------------------------------------- tables


@dataclass
class _Table:
    name: str
    cols: dict[str, pa.Array]  # canonical field -> values, in file row order
    eligible: np.ndarray  # rows that may be broken
    kinds: np.ndarray | None = None  # penalties: event kind per row


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

    def stamps(k, after=None):
        lo = np.full(k, _day("2025-07-01"), np.int64)
        if after is not None:
            lo = np.clip(np.asarray(after, np.int64), lo, REF)
        d = lo + (rng.random(k) * (REF + 1 - lo)).astype(np.int64)
        s = rng.integers(0, 86400, k)
        return _cat(dates.render(d, 0), " ", _pad(s // 3600, 2), ":", _pad(s // 60 % 60, 2), ":", _pad(s % 60, 2))

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
    tables["enterprises"] = _Table("enterprises", {k: _take(v, order) for k, v in ent.items()}, bg[order])
    ename, esid = w.name, w.subject_id
    # ------------------------------------------------ legal representatives (and officers)
    re_, rp = w.rep_ent, w.rep_person
    k = len(re_)
    ro = np.lexsort((np.arange(k), erank[re_]))
    re_, rp = re_[ro], rp[ro]
    is_lr = w.rep_is_lr[ro]
    since = w.rep_since[ro]
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
        "since": dates.render(since, fmt(k), miss(k)), "change_flag": flags(k), "updated_at": stamps(k, since),
    }
    tables["legal_reps"] = _Table("legal_reps", reps, ~planted_row)
    # ------------------------------------------------ shareholders
    he = w.h_ent
    k = len(he)
    ho = np.lexsort((np.arange(k), erank[he]))
    he, ht, hh, hbp = he[ho], w.h_type[ho], w.h_holder[ho], w.h_bp[ho]
    hsub, hpaid, hplanted = w.h_sub[ho], w.h_paid[ho], w.h_planted[ho]
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
    sh = {
        "enterprise_uscc": _take(code, he), "enterprise_subject_id": _take(esid, he), "enterprise_name": _take(ename, he),
        "holder_name": holder_name, "holder_kind": hk, "holder_id": hid,
        "subscribed": sub_s, "subscribed_date": dates.render(sub_day, fmt(k)),
        "paid": paid_s, "paid_date": dates.render(paid_day, fmt(k), miss(k)), "ratio": ratio,
        "report_year": _istr(rng.integers(2019, 2026, k)), "change_flag": flags(k), "updated_at": stamps(k),
    }
    tables["shareholders"] = _Table("shareholders", sh, bgrow)
    # ------------------------------------------------ equity changes (background rows only)
    sel = np.flatnonzero(bgrow & (rng.random(k) < 0.06))
    kk = len(sel)
    before = np.where(rng.random(kk) < 0.25, 0, rng.integers(1, 100, kk) * 100)
    before = np.where(before == hbp[sel], np.maximum(before - 100, 0), before)
    cday = np.minimum(f0[sel] + (rng.random(kk) * (REF - f0[sel])).astype(np.int64), REF - 1)
    bstr = _ratio_strings(rng, before)
    bstr = _set_where(bstr, before == 0, "0")
    eq = {
        "enterprise_uscc": _take(code, he[sel]), "enterprise_subject_id": _take(esid, he[sel]),
        "holder_name": _take(holder_name, sel), "change_date": dates.render(cday, fmt(kk)),
        "ratio_before": bstr, "ratio_after": _ratio_strings(rng, hbp[sel]),
        "change_flag": flags(kk), "updated_at": stamps(kk, cday),
    }
    tables["equity_changes"] = _Table("equity_changes", eq, np.ones(kk, bool))
    # ------------------------------------------------ penalties
    ee = w.ev_ent
    k = len(ee)
    eo = np.lexsort((np.arange(k), w.ev_decided, erank[ee]))
    w.ev_order = eo
    ee, ek, ed, es, er = ee[eo], w.ev_kind[eo], w.ev_decided[eo], w.ev_status[eo], w.ev_removed[eo]
    num = np.arange(k) + 1
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
    rep = w.rep_of[ee]
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
    tables["penalties"] = _Table("penalties", pen, w.role[ee] == R_BG, kinds=ek)
    # ------------------------------------------------ cluster addresses
    cl = w.truth["clusters"]
    ca = {
        "address": _s([c["address"] for c in cl]),
        "region": _s([str(g.county_code[c["county"]]) for c in cl]),
        "name": _s([c["name"] for c in cl]),
        "change_flag": flags(len(cl)), "updated_at": stamps(len(cl)),
    }
    tables["cluster_addresses"] = _Table("cluster_addresses", ca, np.zeros(len(cl), bool))
    return tables


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

    def person(self, p: int) -> dict:
        return {"key": f"P{p:07d}", "name": self.pname[p], "id_no": self.pid[p]}


def _derive_truth(w: _World, lk: _Lookup, uid_of: list[str]) -> dict:
    """Apply the pattern definitions to the planted part (closed by construction)."""
    planted = w.role == R_PLANTED
    P0 = w.P0
    # events
    pen: dict[int, list[tuple[int, str]]] = {}
    si_days: dict[int, list[int]] = {}
    for j in np.flatnonzero(planted[w.ev_ent] & (w.ev_status == ST_ACTIVE)).tolist():
        pen.setdefault(int(w.ev_ent[j]), []).append((int(w.ev_decided[j]), uid_of[j]))
        if EVENT_KINDS[w.ev_kind[j]] == "serious_illegal":
            si_days.setdefault(int(w.ev_ent[j]), []).append(int(w.ev_decided[j]))
    for v in pen.values():
        v.sort()
    # roles of planted people, holdings among planted enterprises
    rep_rows = np.flatnonzero(w.rep_is_lr & planted[w.rep_ent])
    roles: dict[int, dict[int, set]] = {}
    for i in rep_rows.tolist():
        p, e = int(w.rep_person[i]), int(w.rep_ent[i])
        assert p < P0, "planted enterprise with a background legal representative"
        roles.setdefault(p, {}).setdefault(e, set()).add("legal_rep")
    owners: dict[int, set] = {}
    for i in np.flatnonzero(planted[w.h_ent]).tolist():
        e, h = int(w.h_ent[i]), int(w.h_holder[i])
        if w.h_type[i] == 0:
            assert h < P0, "planted enterprise with a background shareholder"
            roles.setdefault(h, {}).setdefault(e, set()).add("shareholder")
        else:
            assert planted[h], "planted enterprise held by a non-planted enterprise"
            owners.setdefault(h, set()).add(e)
    # planted people never appear on background or decoy rows other than large groups
    other = ~planted[w.rep_ent] & (w.rep_person < P0)
    assert (w.role[w.rep_ent[other]] == R_GROUP).all()
    other_h = ~planted[w.h_ent] & (w.h_type == 0) & (w.h_holder < P0)
    assert (w.role[w.h_ent[other_h]] == R_GROUP).all()
    assert not (planted[w.h_holder[(w.h_type == 1) & ~planted[w.h_ent]]]).any()

    def ev_ids(e):
        return [u for _, u in pen.get(e, [])]

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
            rep_ent.append({"uscc": lk.code[e], "name": lk.ename[e], "active_events": ev_ids(e),
                            "max_active_in_730_days": best, "window": [_iso(window[0]), _iso(window[1])]})
    # repeat offenders: people
    rep_people = []
    for p in sorted(roles, key=lambda p: lk.pid[p]):
        hit = sorted((e for e in roles[p] if e in pen), key=lambda e: lk.code[e])
        if len(hit) >= 2:
            rep_people.append({**lk.person(p), "enterprises": [
                {"uscc": lk.code[e], "roles": sorted(roles[p][e]), "active_events": ev_ids(e)} for e in hit]})
    # phoenix
    def company_end(a):  # DEFINITIONS["company_end"]
        if w.status[a] in (S_ZHUXIAO, S_DIAOXIAO, S_QIANCHU):
            if w.diss_shown[a] and w.dissolved[a] != NO_DAY:
                return int(w.dissolved[a]), "dissolution_date"
            return pen[a][-1][0], "status"
        if a in si_days:
            return max(si_days[a]), "serious_illegal"
        return None, None

    phoenix = []
    for p in sorted(roles, key=lambda p: lk.pid[p]):
        for a in sorted(roles[p], key=lambda e: lk.code[e]):
            if a not in pen:
                continue
            d, signal = company_end(a)
            if d is None:
                continue
            for b in sorted(roles[p], key=lambda e: lk.code[e]):
                if b != a and "legal_rep" in roles[p][b] and 0 <= w.founded[b] - d <= 365:
                    phoenix.append({
                        "person": lk.person(p),
                        "a": {"uscc": lk.code[a], "status": STATUSES[w.status[a]], "ended": _iso(d),
                              "end_signal": signal,
                              "dissolved": _iso(d) if signal == "dissolution_date" else None,
                              "active_events": ev_ids(a), "roles": sorted(roles[p][a])},
                        "b": {"uscc": lk.code[b], "founded": _iso(int(w.founded[b])), "roles": sorted(roles[p][b])},
                        "days_after": int(w.founded[b] - d),
                    })
    # cross-region links
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
    connectors = [("person", p, {e: roles[p][e] for e in roles[p]}) for p in roles]
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
                            **({"key": f"P{c:07d}"} if kind == "person" else {}),
                            "roles_a": sorted(ents[a]), "roles_b": sorted(ents[b])},
                    "path": [lk.code[a], rel(ents[a]), via, rel(ents[b]), lk.code[b]],
                })
    links.sort(key=lambda x: (["province", "city", "county"].index(x["level"]), x["a"]["uscc"], x["b"]["uscc"], x["via"]["id"]))
    return {"repeat_enterprise": rep_ent, "repeat_person": rep_people, "phoenix": phoenix, "links": links}


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
        people.append({"key": f"P{p:07d}", "name": lk.pname[p], "id_no": lk.pid[p],
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
        "phoenix_by_end_signal": {sig: sum(x["a"]["end_signal"] == sig for x in phoenix) for sig in PHOENIX_ENDS},
    }


def _ground_truth(w: _World, args: dict, bad: list[dict]) -> dict:
    t = w.truth
    uid_file = w.ev_uid.to_pylist()
    uid_of = [""] * len(uid_file)
    for i, j in enumerate(w.ev_order.tolist()):
        uid_of[j] = uid_file[i]
    ents = np.flatnonzero(w.role != R_BG)
    people = np.concatenate([np.arange(w.P0), w.rep_of[[e for e, _ in w.common_name_ents]]]).astype(np.int64)
    lk = _Lookup(w, ents, people)
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
            return {"kind": "person", "id": lk.pid[i], "name": lk.pname[i], "key": f"P{i:07d}"}
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
    }
    counts = {
        "shell_clusters": len(shells), "repeat_offenders.enterprise": len(d["repeat_enterprise"]),
        "repeat_offenders.person": len(d["repeat_person"]), "phoenix_cases": len(d["phoenix"]),
        "cross_region_links": {lv: sum(x["level"] == lv for x in d["links"]) for lv in ("province", "city", "county")},
        "equity_chains": len(chains), "decoys": {k: len(v) for k, v in decoys.items()}, "bad_rows": len(bad),
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
        "bad_rows": bad,
    }


# --------------------------------------------------------------------------- layouts, bad rows, writing

ZJ_FILES = {
    "enterprises": "market_subjects", "legal_reps": "legal_reps", "shareholders": "shareholders",
    "equity_changes": "equity_changes", "cluster_addresses": "cluster_addresses",
    "abnormal_operation": "abnormal_operation", "serious_illegal": "serious_illegal",
    "administrative_penalty": "admin_penalties", "dishonest_debtor": "dishonest_debtors",
}
BREAKABLE = {
    "enterprises": (("uscc", "uscc"), ("founded", "date"), ("name", "required"), ("capital", "capital")),
    "legal_reps": (("person_name", "required"), ("id_no", "id_no"), ("enterprise_uscc", "uscc"), ("since", "date")),
    "shareholders": (("holder_name", "required"), ("subscribed", "capital"), ("subscribed_date", "date"),
                     ("enterprise_uscc", "uscc")),
    "equity_changes": (("holder_name", "required"), ("change_date", "date")),
    "penalties": (("record_id", "required"), ("decided", "date"), ("subject_uscc", "uscc")),
}
CHUNK = 200_000


@dataclass
class _OutFile:
    stem: str
    table: str
    rows: np.ndarray | None  # subset of the table's rows (penalty kinds) or None for all
    columns: list[tuple[str, str]]  # (canonical field, column in the file)


def _layout(profile: str) -> list[_OutFile]:
    import fnmatch

    if profile == "canonical":
        return [_OutFile(t, t, None, [(f, f) for f in TABLES[t].fields]) for t in TABLES]
    doc = yaml.safe_load((Path(__file__).with_name("profiles") / f"{profile}.yaml").read_text(encoding="utf-8"))
    out = []
    globs = []
    for tname, spec in doc["tables"].items():
        for s in spec if isinstance(spec, list) else [spec]:
            globs.extend(s["files"])
            kind = (s.get("constants") or {}).get("kind")
            out.append(_OutFile(ZJ_FILES[kind or tname], tname, None if kind is None else EVENT_KINDS.index(kind),
                                [(f, col) for f, col in s["columns"].items()]))
    for o in out:
        hits = [gl for gl in globs if fnmatch.fnmatch(o.stem + ".csv", gl)]
        assert len(hits) == 1, (o.stem, hits)
    return out


def _impossible_date(rng, value: str) -> str:
    y = value[:4] if value[:4].isdigit() else "2019"
    return str(rng.choice([f"{y}-02-30", f"{y}-04-31", f"{y}-13-01", f"{y}0230", f"{y}/06/31", f"{y}-11-31"]))


def _breakable(kind: str, v, planted_ids) -> bool:
    """Whether a field of this kind and value can be broken in a way the validator must catch."""
    if kind == "required":
        return True
    if kind == "uscc":
        return bool(v) and len(v) == 18 and uscc_valid(v)
    if kind == "id_no":
        return bool(v) and len(v) == 18 and id_valid(v) and v.upper() not in planted_ids
    if kind in ("date", "capital"):
        return bool(v) and v[:1].isdigit() and not v.startswith("9999")
    return False


def _break_rows(rng, of: _OutFile, cols: dict[str, pa.Array], eligible: np.ndarray, frac: float, fname: str,
                planted_ids: set) -> list[dict]:
    n = len(next(iter(cols.values()))) if cols else 0
    k = int(round(frac * n))
    elig = np.flatnonzero(eligible)
    k = min(k, len(elig))
    if k <= 0:
        return []
    field_col = dict(of.columns)
    options = [(f, b) for f, b in BREAKABLE.get(of.table, ()) if f in field_col]
    rows = np.sort(rng.choice(elig, k, replace=False))
    current = {f: _take(cols[field_col[f]], rows).to_pylist() for f, _ in options}
    changes: dict[str, tuple[list, list]] = {}
    bad = []
    for i, r in enumerate(rows.tolist()):
        usable = []
        for f, b in options:
            v = current[f][i]
            if _breakable(b, v, planted_ids):
                usable.append((f, b))
        f, b = usable[int(rng.integers(len(usable)))]
        v = current[f][i]
        if b == "required":
            new, reason = None, f"missing required field {f}"
        elif b == "uscc":
            pos = int(rng.integers(8, 16))
            ch = v[pos].upper()
            alt = [c for c in USCC_CHARS if c != ch]
            c = alt[int(rng.integers(len(alt)))]
            new = v[:pos] + (c.lower() if v[pos].islower() else c) + v[pos + 1:]
            reason = "bad USCC checksum"
        elif b == "id_no":
            alt = [c for c in "0123456789X" if c != v[17].upper()]
            new, reason = v[:17] + alt[int(rng.integers(len(alt)))], "bad ID number checksum"
        elif b == "date":
            new, reason = _impossible_date(rng, v), "impossible date"
        else:
            new, reason = str(rng.choice(["不详", "见章程", "--", "万元"])), "unparseable capital"
        col = field_col[f]
        changes.setdefault(col, ([], []))
        changes[col][0].append(r)
        changes[col][1].append(new)
        bad.append({"file": fname, "row": r + 2, "column": col, "field": f, "reason": reason})
    for col, (rs, vals) in changes.items():
        cols[col] = _replace_rows(cols[col], np.array(rs, np.int64), vals)
    return bad


def _csv_quote(a: pa.Array) -> pa.Array:
    a = pa.concat_arrays([a]) if a.offset else a
    data = a.buffers()[2]
    if data is None:
        return a
    raw = bytes(data)
    if all(raw.find(ch) < 0 for ch in (b",", b'"', b"\r", b"\n")):
        return a
    need = pc.match_substring_regex(a, '[,"\r\n]')
    quoted = _cat('"', pc.replace_substring(a, '"', '""'), '"')
    return pc.if_else(need, quoted, a)


def _write_csv(path: Path, names: list[str], arrays: list[pa.Array], encoding: str) -> None:
    enc = "gb18030" if encoding == "gb18030" else "utf-8"
    n = len(arrays[0]) if arrays else 0
    with open(path, "wb") as f:
        if encoding == "utf-8-sig":
            f.write(b"\xef\xbb\xbf")
        f.write((",".join(names) + "\n").encode(enc))
        for start in range(0, n, CHUNK):
            cols = [_csv_quote(a.slice(start, CHUNK)) for a in arrays]
            rows = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
            rows = pc.binary_join_element_wise(rows, pa.scalar(""), "\n")
            rows = pa.concat_arrays([rows])  # fresh, offset 0
            offs = np.frombuffer(rows.buffers()[1], np.int32, len(rows) + 1)
            data = memoryview(rows.buffers()[2])[offs[0]:offs[-1]]
            f.write(data if enc == "utf-8" else bytes(data).decode("utf-8").encode(enc))


def _dump_truth(gt: dict) -> str:
    """JSON with one list entry per line (readable, and fast: the C encoder does each entry)."""

    def dump(v, indent):
        pad = " " * indent
        if isinstance(v, dict) and indent < 2:
            items = [f'{pad} {json.dumps(k, ensure_ascii=False)}: {dump(x, indent + 1)}' for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(v, list) and v:
            items = [pad + " " + json.dumps(x, ensure_ascii=False) for x in v]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(v, ensure_ascii=False)

    return dump(gt, 0) + "\n"


def generate(enterprises: int, seed: int, out: Path, profile: str = "canonical", fmt: str = "csv",
             bad_rows: float = 0.0, encoding: str = "utf-8") -> dict:
    """Write synthetic source extracts with planted risk patterns and ``ground_truth.json``.

    Parameters
    ----------
    enterprises: number of enterprises (>= 500).
    seed: the seed; the same arguments give byte-identical files.
    out: output folder (created).
    profile: ``canonical`` or ``zj-warehouse`` (file names and columns of that source profile).
    fmt: ``csv`` or ``parquet``.
    bad_rows: fraction of rows per file broken on purpose (listed in the ground truth).
    encoding: CSV only: ``utf-8``, ``utf-8-sig`` or ``gb18030``.

    Returns
    -------
    A summary: ``files`` (name -> rows), ``rows``, ``seconds``, ``out``, ``ground_truth`` and the planted ``counts``.
    """
    t0 = time.perf_counter()
    if enterprises < 500:
        raise ValueError("enterprises must be at least 500 (planted patterns need room)")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {FORMATS}")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {ENCODINGS}")
    if not 0.0 <= bad_rows < 0.5:
        raise ValueError("bad_rows must be a fraction in [0, 0.5)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    geo = _Geo.load()
    w = _World(int(enterprises), rng, geo)
    w.dates = _Dates()
    plan = _plan(w.n)
    w.base()
    w.truth["shells"] = _plant_shells(w, plan["shell_clusters"])
    _plant_repeat_enterprises(w, plan["repeat_enterprises"])
    _plant_repeat_people(w, plan["repeat_people"])
    _plant_phoenix(w, plan["phoenix"])
    _plant_cross_region(w, plan["cross_region_per_level"])
    w.truth["chains"] = _plant_chains(w, plan["equity_chains"])
    w.truth["clusters"] = _plant_clusters(w, plan["cluster_addresses"])
    w.truth["groups"] = _plant_groups(w, plan["large_groups"])
    w.truth["repaired"] = _plant_repaired(w, plan["repaired_repeat"])
    _plant_common_names(w, plan["common_name_per_name"])
    _assign_disclosure(w)
    _background_events(w)
    _background_people(w)
    _identifiers(w)
    _people(w)
    tables = _build_tables(w, profile)
    planted_ids = set(_take(w.p_id, np.arange(w.P0)).to_pylist())
    ext = "csv" if fmt == "csv" else "parquet"
    files: dict[str, int] = {}
    bad: list[dict] = []
    for of in _layout(profile):
        tb = tables[of.table]
        sel = None if of.rows is None else np.flatnonzero(tb.kinds == of.rows)
        cols = {}
        for f, col in of.columns:
            a = tb.cols[f]
            cols[col] = a if sel is None else _take(a, sel)
        elig = tb.eligible if sel is None else tb.eligible[sel]
        fname = f"{of.stem}.{ext}"
        if bad_rows > 0:
            bad.extend(_break_rows(rng, of, cols, elig, bad_rows, fname, planted_ids))
        names, arrays = list(cols), list(cols.values())
        if fmt == "csv":
            _write_csv(out / fname, names, arrays, encoding)
        else:
            pq.write_table(pa.table(dict(zip(names, arrays))), out / fname, compression="snappy")
        files[fname] = len(arrays[0]) if arrays else 0
        del cols, arrays
    args = {"enterprises": w.n, "seed": seed, "profile": profile, "format": fmt, "bad_rows": bad_rows,
            "encoding": encoding if fmt == "csv" else None}
    gt = _ground_truth(w, args, bad)
    (out / "ground_truth.json").write_text(_dump_truth(gt), encoding="utf-8")
    return {"out": str(out), "files": files, "rows": sum(files.values()), "ground_truth": str(out / "ground_truth.json"),
            "counts": gt["counts"], "seconds": round(time.perf_counter() - t0, 3)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Synthetic credit data with planted risk patterns and ground truth")
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--profile", choices=PROFILES, default="canonical")
    ap.add_argument("--format", choices=FORMATS, default="csv")
    ap.add_argument("--bad-rows", type=float, default=0.0)
    ap.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
    a = ap.parse_args(argv)
    s = generate(a.enterprises, a.seed, a.out, profile=a.profile, fmt=a.format, bad_rows=a.bad_rows, encoding=a.encoding)
    print(json.dumps(s, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
