"""Vectorised text normalisation for raw credit-platform extracts.

Every public function takes a :class:`pandas.Series` (any dtype; values are
treated as text) and returns a Series or DataFrame with the same index. The
work is done with :mod:`pyarrow.compute` kernels and :mod:`numpy` on whole
columns; where a step is naturally per value (``detect_mojibake``'s
round-trip check) it runs on the few *unique candidate* values only.

Strings come back in pandas' default ``str`` dtype (pyarrow-backed, missing
values are ``NaN``).
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MISSING",
    "clean_missing",
    "to_halfwidth",
    "normalize_text",
    "name_key",
    "parse_dates",
    "parse_capital",
    "detect_mojibake",
    "repair_double_utf8",
    "normalize_phone",
    "normalize_email",
]

#: Tokens that mean "no value" in real extracts (compared after stripping
#: surrounding whitespace; whitespace-only strings are missing as well).
MISSING = frozenset(
    {"", "N/A", "n/a", "NA", "null", "NULL", "None", "\\N", "\n", "-", "无"}
)

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # == pandas 3 "str"
_EMPTY = pa.scalar("", pa.large_string())

# --------------------------------------------------------------------------
# Arrow plumbing (private, also used by graph.identifiers)
# --------------------------------------------------------------------------


def _arrow(s: pd.Series) -> pa.LargeStringArray:
    """Return the values of *s* as one contiguous ``large_string`` array."""
    if not isinstance(s, pd.Series):
        s = pd.Series(s)
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        s = s.astype(STR_DTYPE)
    arr = s.array.__arrow_array__()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    if arr.offset != 0:  # make buffers start at the first value
        arr = pa.concat_arrays([arr])
    return arr


def _series(arr, index, name=None) -> pd.Series:
    """Wrap an arrow string array as a pandas ``str`` Series."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arr, dtype=STR_DTYPE), index=index, name=name)


def _bool(arr) -> np.ndarray:
    """Arrow boolean array -> numpy bool (nulls are False)."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """Set *arr* to null where numpy *mask* is True."""
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def _factorize(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Unique non-null values and codes (-1 for null) of a string array."""
    d = arr.dictionary_encode()
    codes = d.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return d.dictionary, codes


def _distinct(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Like :func:`_factorize`, but skips hashing when a sample shows the
    values are mostly distinct (then "uniques" are just the non-null values)."""
    n = len(arr)
    if n > 50_000:
        step = n // 20_000
        sample = arr.take(pa.array(np.arange(0, n, step)))
        nn = len(sample) - sample.null_count
        if nn and pc.count_distinct(sample).as_py() > 0.95 * nn:
            valid = _bool(arr.is_valid())
            codes = np.cumsum(valid) - 1
            codes[~valid] = -1
            return arr.filter(pa.array(valid)), codes
    return _factorize(arr)


def _take(values: np.ndarray, codes: np.ndarray, fill) -> np.ndarray:
    """values[codes] with *fill* where codes == -1."""
    ext = np.empty(len(values) + 1, dtype=values.dtype)
    ext[:-1] = values
    ext[-1] = fill
    return ext[codes]


def _take_arrow(values: pa.Array, codes: np.ndarray) -> pa.Array:
    idx = pa.array(codes, mask=codes < 0)
    return values.take(idx)


def _od(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """(offsets relative to the first value, UTF-8 data bytes) of *arr*."""
    n = len(arr)
    bufs = arr.buffers()
    off = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    if bufs[2] is None or n == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(bufs[2], dtype=np.uint8)[off[0] : off[-1]]
    return off - off[0], data


def _rows_with(arr: pa.LargeStringArray, lut: np.ndarray) -> np.ndarray:
    """Per row: does any byte b have lut[b] True? (vectorised over the buffer)"""
    off, data = _od(arr)
    out = np.zeros(len(arr), dtype=bool)
    pos = np.flatnonzero(lut[data])
    if len(pos):
        out[np.searchsorted(off, pos, side="right") - 1] = True
    return out


def _fixed(arr: pa.LargeStringArray, width: int, mask: np.ndarray | None = None):
    """Indices of non-null rows whose UTF-8 length is *width* (and *mask*),
    and their (k, width) byte matrix."""
    lens = pc.binary_length(arr).to_numpy(zero_copy_only=False)
    sel = np.nan_to_num(lens.astype(np.float64), nan=-1) == width if arr.null_count else lens == width
    if mask is not None:
        sel &= mask
    idx = np.flatnonzero(sel)
    if len(idx) == 0:
        return idx, np.zeros((0, width), dtype=np.uint8)
    sub = arr.filter(pa.array(sel))  # contiguous copy of just these rows
    _, data = _od(sub)
    return idx, data.reshape(len(idx), width)


def _byte_lut(chars: str = "", lo: int | None = None, hi: int | None = None) -> np.ndarray:
    lut = np.zeros(256, dtype=bool)
    for c in chars:
        lut[ord(c)] = True
    if lo is not None:
        lut[lo : (hi if hi is not None else 255) + 1] = True
    return lut


_DIGIT = _byte_lut("0123456789")
# bytes that may belong to whitespace: ASCII controls/space and any non-ASCII
_MAYBE_WS = _byte_lut("\t\n\x0b\x0c\r ", 0x80, 0xFF)
_WS_ASCII = _byte_lut("\t\n\x0b\x0c\r")  # a single space needs no work
# every non-ASCII whitespace / zero-width character _normalize_text handles
_WS_CHARS = (
    "\x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200E))
    + "\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


def _rows_with_chars(arr: pa.LargeStringArray, ascii_lut: np.ndarray, seqs) -> np.ndarray:
    """Per row: does it hold a byte in *ascii_lut* or one of the strings
    *seqs* (each 2 or 3 UTF-8 bytes)? One vectorised pass over the buffer."""
    off, data = _od(arr)
    out = np.zeros(len(arr), dtype=bool)
    if len(data) == 0:
        return out
    enc = [c.encode("utf-8") for c in seqs]
    assert all(len(e) in (2, 3) for e in enc)
    leads = np.zeros(256, dtype=bool)
    leads[[e[0] for e in enc]] = True
    pos = np.flatnonzero(ascii_lut[data] | leads[data])
    if len(pos) == 0:
        return out
    pad = np.concatenate([data, np.zeros(2, dtype=np.uint8)])
    code = (pad[pos].astype(np.uint32) << 16) | (pad[pos + 1].astype(np.uint32) << 8) | pad[pos + 2]
    hit = ascii_lut[data[pos]]
    for e in enc:
        if len(e) == 2:
            hit |= (code >> 8) == ((e[0] << 8) | e[1])
        else:
            hit |= code == ((e[0] << 16) | (e[1] << 8) | e[2])
    pos = pos[hit]
    if len(pos):
        out[np.searchsorted(off, pos, side="right") - 1] = True
    return out
# bytes that may start punctuation/symbols/spaces: ASCII non-alphanumerics and
# the lead bytes of Latin-1/Greek/..., U+2xxx, U+3000-U+303F, U+FFxx, 4-byte
_PUNCT_BYTES = (
    _byte_lut("".join(chr(c) for c in range(0x80) if not chr(c).isalnum()))
    | _byte_lut(lo=0xC2, hi=0xDF) | _byte_lut("\xe2\xe3\xef") | _byte_lut(lo=0xF0, hi=0xF4)
)
_NONDIGIT = ~_byte_lut("0123456789")


def _all_ascii(arr) -> bool:
    return pc.all(pc.string_is_ascii(arr)).as_py() in (True, None)


def _on_subset(arr: pa.LargeStringArray, mask: np.ndarray, fn) -> pa.LargeStringArray:
    """Apply an arrow string function only to the rows in *mask*."""
    if not mask.any():
        return arr
    if mask.all():
        return fn(arr)
    m = pa.array(mask)
    return pc.replace_with_mask(arr, m, fn(arr.filter(m)))


def _strs(labels: list[str], codes: np.ndarray, index) -> pd.Series:
    """str Series from small label list and integer codes (fast)."""
    return _series(pa.array(labels, pa.large_string()).take(pa.array(codes)), index)


# --------------------------------------------------------------------------
# Byte-level character translation
# --------------------------------------------------------------------------


def _make_table(mapping: dict[str, str]):
    """(lead-byte mask, codepoint -> ASCII byte table) for 3-byte characters."""
    lut = np.zeros(0x10000, dtype=np.uint8)
    leads = np.zeros(256, dtype=bool)
    for src, dst in mapping.items():
        b = src.encode("utf-8")
        if len(b) != 3 or len(dst.encode("utf-8")) != 1 or dst == "\0":
            raise ValueError("only 3-byte UTF-8 -> 1-byte ASCII mappings supported")
        lut[ord(src)] = ord(dst)
        leads[b[0]] = True
    return leads, lut


_HALFWIDTH_MAP = {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH_MAP["\u3000"] = " "
_HALFWIDTH_TABLE = _make_table(_HALFWIDTH_MAP)
_TEXT_MAP = dict(_HALFWIDTH_MAP)
_TEXT_MAP.update({"【": "[", "】": "]"})  # （）［］ are already full-width ASCII
_TEXT_TABLE = _make_table(_TEXT_MAP)


def _translate(arr: pa.LargeStringArray, table) -> pa.LargeStringArray:
    """Replace 3-byte UTF-8 characters by single ASCII bytes, fully vectorised.

    Works on the raw UTF-8 buffer: a lead byte E0-EF can never be a
    continuation byte, so each lead byte found starts exactly one character,
    whose code point indexes a 65536-entry table. Matched characters shrink
    from 3 bytes to 1 and the offsets drop by twice the matches before them.
    """
    leads, lut = table
    if len(arr) == 0 or _all_ascii(arr):
        return arr
    if arr.offset != 0:
        arr = pa.concat_arrays([arr])
    validity = arr.buffers()[0]
    n = len(arr)
    off, data = _od(arr)
    if len(data) < 3:
        return arr
    cand = np.flatnonzero(leads[data[:-2]])
    if len(cand) == 0:
        return arr
    cp = (
        ((data[cand] & 0x0F).astype(np.int32) << 12)
        | ((data[cand + 1] & 0x3F).astype(np.int32) << 6)
        | (data[cand + 2] & 0x3F).astype(np.int32)
    )
    rep = lut[cp]
    hit = rep != 0
    if not hit.any():
        return arr
    hits = cand[hit]
    out = data.copy()
    out[hits] = rep[hit]
    keep = np.ones(len(data), dtype=bool)
    keep[hits + 1] = False
    keep[hits + 2] = False
    new_data = out[keep]
    new_off = off - 2 * np.searchsorted(hits, off, side="left")
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity, pa.py_buffer(new_off.astype(np.int64)), pa.py_buffer(new_data)],
    )


# --------------------------------------------------------------------------
# Missing values, half-width, whitespace
# --------------------------------------------------------------------------

_MISSING_SET = pa.array(sorted(MISSING), pa.large_string())


def _missing_mask(arr: pa.LargeStringArray) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(arr)
    m = _bool(pc.is_in(trimmed, value_set=_MISSING_SET))
    if not _all_ascii(trimmed):  # full-width tokens such as "Ｎ/Ａ"
        hw = _translate(trimmed, _HALFWIDTH_TABLE)
        m |= _bool(pc.is_in(hw, value_set=_MISSING_SET))
    return m | _bool(pc.is_null(arr))


def _clean(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    return _null_where(arr, _missing_mask(arr))


def clean_missing(s: pd.Series) -> pd.Series:
    """Turn the :data:`MISSING` tokens and whitespace-only strings into NA.

    Other values are returned unchanged (not stripped).

    >>> clean_missing(pd.Series(["N/A", " abc ", "\\\\N", "  ", "无"])).tolist()
    [nan, ' abc ', nan, nan, nan]
    """
    return _series(_clean(_arrow(s)), s.index, s.name)


def to_halfwidth(s: pd.Series) -> pd.Series:
    """Map full-width ASCII (U+FF01-U+FF5E) and the ideographic space to half-width.

    >>> to_halfwidth(pd.Series(["ＡＢＣ１２３（杭州）", "a\\u3000b"])).tolist()
    ['ABC123(杭州)', 'a b']
    """
    return _series(_translate(_arrow(s), _HALFWIDTH_TABLE), s.index, s.name)


_WS_RE = r"[\s\x{0B}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]+"
_ZW_RE = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]"


def _normalize_text(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    arr = _translate(arr, _TEXT_TABLE)

    def ws(a):
        if not _all_ascii(a):
            a = pc.replace_substring_regex(a, _ZW_RE, "")
        return pc.replace_substring_regex(a, _WS_RE, " ")

    # the regexes only run on rows holding a byte that can start whitespace
    arr = _on_subset(arr, _rows_with_chars(arr, _WS_ASCII, [*_WS_CHARS, "  "]), ws)
    return pc.utf8_trim(arr, characters=" ")


def normalize_text(s: pd.Series) -> pd.Series:
    """Half-width, unify brackets （）【】［］ to ()[], collapse whitespace, strip.

    Zero-width characters (U+200B-U+200D, U+2060, U+FEFF) are removed.

    >>> normalize_text(pd.Series(["  ABC科技（杭州）  有限公司【分部】 "])).tolist()
    ['ABC科技(杭州) 有限公司[分部]']
    """
    return _series(_normalize_text(_arrow(s)), s.index, s.name)


# --------------------------------------------------------------------------
# Company-name key
# --------------------------------------------------------------------------

_PUNCT_RE = r"[\p{P}\p{S}\p{Z}\s]+"


def name_key(s: pd.Series) -> pd.Series:
    """Matching key for company names (conservative).

    Rules, in order:

    1. :func:`normalize_text` (half-width, brackets unified, whitespace
       collapsed) and missing tokens -> NA;
    2. Latin letters upper-cased;
    3. all whitespace, punctuation and symbols removed (Unicode classes P, S,
       Z), brackets included, so ``ABC科技(杭州)`` and ``ABC科技杭州`` agree;
    4. legal-form synonyms of the Company Law (art. 8) unified:
       ``有限责任公司`` -> ``有限公司`` and ``股份公司`` -> ``股份有限公司``.

    Nothing else is dropped: region prefixes, industry words, ``分公司``
    (a branch is its own subject) and ``厂``/``公司`` differences stay, so
    two different subjects do not collapse onto one key. Empty keys are NA.

    >>> name_key(pd.Series(["abc科技（杭州）有限责任公司", "ABC科技 杭州 有限公司", "N/A"])).tolist()
    ['ABC科技杭州有限公司', 'ABC科技杭州有限公司', nan]
    """
    arr = _clean(_arrow(s))
    arr = _normalize_text(arr)
    arr = pc.utf8_upper(arr)
    arr = _on_subset(arr, _rows_with(arr, _PUNCT_BYTES),
                     lambda a: pc.replace_substring_regex(a, _PUNCT_RE, ""))
    arr = pc.replace_substring(arr, "有限责任公司", "有限公司")
    arr = pc.replace_substring(arr, "股份公司", "股份有限公司")
    arr = _null_where(arr, _bool(pc.equal(pc.utf8_length(arr), 0)))
    return _series(arr, s.index, s.name)


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_TIME = (
    r"(?:(?:\s+|T|\s*日\s*)\d{1,2}[:时]\d{1,2}(?:分|:\d{1,2}(?:\.\d+)?|分\d{1,2}(?:\.\d+)?秒)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?"
)
_DATE_RE = (
    r"^(?:(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2}))" + _TIME + r"\s*$"
)


_SEP_BYTES = np.frombuffer(b"-/.", dtype=np.uint8)
_T_BYTES = np.frombuffer(b" T", dtype=np.uint8)


def _fast_dates(arr: pa.LargeStringArray):
    """Fixed-width fast path: ``YYYY-MM-DD`` (any of ``-/.``), ``YYYYMMDD`` and
    ``YYYY-MM-DD hh:mm:ss`` (space or ``T``). Returns (row indices, y, m, d)."""
    idx_all, ys, ms, ds = [], [], [], []
    for width in (8, 10, 19):
        idx, mat = _fixed(arr, width)
        if len(idx) == 0:
            continue
        if width == 8:
            dig = mat
            ok = _DIGIT[mat].all(axis=1)
        else:
            digits_at = [0, 1, 2, 3, 5, 6, 8, 9]
            sep = mat[:, 4]
            ok = _DIGIT[mat[:, digits_at]].all(axis=1) & np.isin(sep, _SEP_BYTES) & (mat[:, 7] == sep)
            if width == 19:
                ok &= np.isin(mat[:, 10], _T_BYTES) & (mat[:, 13] == 58) & (mat[:, 16] == 58)
                ok &= _DIGIT[mat[:, [11, 12, 14, 15, 17, 18]]].all(axis=1)
            dig = mat[:, digits_at]
        d = dig[ok].astype(np.int64) - 48
        idx_all.append(idx[ok])
        ys.append(d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3])
        ms.append(d[:, 4] * 10 + d[:, 5])
        ds.append(d[:, 6] * 10 + d[:, 7])
    if not idx_all:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z
    return tuple(np.concatenate(x) for x in (idx_all, ys, ms, ds))


def _ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray):
    """(dates, open_ended, invalid) from integer components."""
    open_ = y == 9999
    cand = ~open_ & (y >= 1900)
    dates = pd.to_datetime(
        pd.DataFrame({"year": np.where(cand, y, 2000), "month": np.where(cand, m, 1),
                      "day": np.where(cand, d, 1)}),
        errors="coerce",
    ).to_numpy().astype("datetime64[us]")
    dates[~cand] = np.datetime64("NaT")
    return dates, open_, ~open_ & np.isnat(dates)


def parse_dates(s: pd.Series) -> pd.DataFrame:
    """Parse the date formats seen in extracts.

    Accepted: ``2008-6-16``, ``2008-06-16``, ``2008/6/16``, ``2008.06.16``,
    ``20080616``, ``2008年6月16日``, each optionally followed by a time
    (``12:30``, ``12:30:00``, ``12:30:00.0``, ``T12:30:00``, ``+08:00``,
    ``12时30分``); the time is dropped (``date`` is the day). Full-width
    digits are accepted.

    Columns: ``date`` (datetime64[us], NaT if missing/invalid/open-ended),
    ``open_ended`` (year 9999 sentinel such as ``9999-9-9``), ``invalid``
    (non-missing but unparseable, impossible like 2019-02-30, or year < 1900).

    Implementation: fixed-width byte matrices for ``YYYY-MM-DD``,
    ``YYYYMMDD`` and ``YYYY-MM-DD hh:mm:ss``; every other value goes through
    one RE2 regex extract; all of it runs once per distinct value (unless a
    sample shows the column is mostly distinct); dates are built with
    ``pd.to_datetime`` on the components (``errors="coerce"``).

    >>> parse_dates(pd.Series(["2008-6-16", "9999-9-9", "2019-02-30", "N/A"]))
            date  open_ended  invalid
    0 2008-06-16       False    False
    1        NaT        True    False
    2        NaT       False     True
    3        NaT       False    False
    """
    if pd.api.types.is_datetime64_any_dtype(getattr(s, "dtype", None)):
        d = pd.Series(s)
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
        d = d.dt.normalize().astype("datetime64[us]")
        return pd.DataFrame(
            {"date": d.to_numpy(), "open_ended": False, "invalid": False}, index=s.index
        )
    arr = _clean(_arrow(s))
    uniq, codes = _distinct(arr)
    u = pc.utf8_trim_whitespace(_translate(uniq, _HALFWIDTH_TABLE))
    k = len(u)
    date = np.full(k, np.datetime64("NaT"), dtype="datetime64[us]")
    open_ended = np.zeros(k, dtype=bool)
    invalid = np.zeros(k, dtype=bool)

    idx, y, m, d = _fast_dates(u)
    if len(idx):
        date[idx], open_ended[idx], invalid[idx] = _ymd(y, m, d)
    rest = np.ones(k, dtype=bool)
    rest[idx] = False
    if rest.any():
        ridx = np.flatnonzero(rest)
        ex = pc.extract_regex(u.filter(pa.array(rest)), _DATE_RE)
        matched = _bool(ex.is_valid())

        def part(a, b):
            j = pc.binary_join_element_wise(ex.field(a), ex.field(b), _EMPTY)
            j = _null_where(j, ~matched)
            v = pc.cast(j, pa.int64()).to_numpy(zero_copy_only=False)
            return np.nan_to_num(v, nan=0).astype(np.int64)

        du, ou, iu = _ymd(part("y1", "y2"), part("m1", "m2"), part("d1", "d2"))
        du[~matched] = np.datetime64("NaT")
        date[ridx], open_ended[ridx], invalid[ridx] = du, ou & matched, iu | ~matched
    return pd.DataFrame(
        {
            "date": _take(date, codes, np.datetime64("NaT", "us")),
            "open_ended": _take(open_ended, codes, False),
            "invalid": _take(invalid, codes, False),
        },
        index=s.index,
    )


# --------------------------------------------------------------------------
# Registered capital
# --------------------------------------------------------------------------

_CUR_TOKENS = (
    r"人民币|元|RMB|CNY|¥|￥|美元|美金|USD|US\$|\$|日元|日币|JPY|欧元|EUR|港元|港币|HKD|"
    r"英镑|GBP|\p{Han}{0,6}(?:元|币|镑|法郎|马克|卢布|比索|克朗|里拉|兰特|林吉特|铢|盾|卢比|第纳尔|里亚尔)|[A-Z]{3}"
)
_MULT = r"(?:百万|亿|万|千)"
# what may stand around the number, brackets and whitespace already removed
_UNIT_RE = (
    r"^(?P<pre>(?:" + _CUR_TOKENS + r")*)\|(?P<unit>" + _MULT + r"?(?:" + _CUR_TOKENS + r")*"
    + _MULT + r"?(?:" + _CUR_TOKENS + r")*)整?$"
)
_NUM_RE = (
    r"^(?P<pre>[^0-9]*?)(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(?P<unit>[^0-9]*)$"
)
_CURRENCIES = [  # first match wins
    ("USD", r"美元|美金|USD|\$"),
    ("JPY", r"日元|日币|JPY"),
    ("EUR", r"欧元|EUR"),
    ("HKD", r"港元|港币|HKD"),
    ("GBP", r"英镑|GBP"),
    ("CNY", r"^(?:人民币|元|RMB|CNY|¥|￥)*$"),
]
_CUR_LABELS = ["CNY", "USD", "JPY", "EUR", "HKD", "GBP", "OTHER"]
# a negative amount: a minus sign, or the number alone in accounting brackets: -5, (500)万元
_NEGATIVE_RE = r"^\s*(?:[-−－]\s*[0-9]|\(\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*\))"


def _classify_units(text: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For distinct ``pre|unit`` strings: (ok, multiplier, currency code index)."""
    t = pc.utf8_upper(pc.replace_substring_regex(text, _WS_RE + r"|[()\[\]]", ""))
    ex = pc.extract_regex(t, _UNIT_RE)
    ok = _bool(ex.is_valid())
    unit = ex.field("unit")
    mult = np.ones(len(t))
    for tok, f in (("百万", 1e6), ("亿", 1e8), ("万", 1e4), ("千", 1e3)):
        has = _bool(pc.match_substring(unit, tok)) & (mult == 1)
        mult[has] = f
    cur_text = pc.binary_join_element_wise(ex.field("pre"), unit, _EMPTY)
    cur_text = pc.replace_substring_regex(cur_text, _MULT, "")
    cur = np.full(len(t), _CUR_LABELS.index("OTHER"), dtype=np.int64)
    todo = ok.copy()
    for code, pat in _CURRENCIES:
        hit = todo & _bool(pc.match_substring_regex(cur_text, pat))
        cur[hit] = _CUR_LABELS.index(code)
        todo &= ~hit
    return ok, mult, cur


def parse_capital(s: pd.Series) -> pd.DataFrame:
    """Parse registered-capital strings into amount and currency.

    Brackets and whitespace are ignored, thousands separators removed,
    ``万``/``千``/``百万``/``亿`` multiply the number; no currency or
    ``元``/``人民币`` means CNY; 美元 USD, 日元 JPY, 欧元 EUR, 港元/港币/香港元
    HKD, 英镑 GBP; any other currency word (``法国法郎``, ``新加坡元``,
    3-letter codes) is ``OTHER``. Amounts stay in that currency (no FX) and
    are rounded to 1e-6. ``invalid`` is True for non-missing strings that do
    not have this shape (no number, free text, negative numbers, a unit that
    is not a currency such as ``万股``, commas not grouping thousands).
    ``negative`` marks the invalid ones written as a negative number (``-5``,
    or accounting brackets around the number alone, ``(500)万元``);
    ``non_finite`` those whose number overflows (``1e309``): both have no
    amount.

    The number is split off with one regex per distinct value; the text
    around it is classified once per distinct text (a few dozen in practice).

    >>> parse_capital(pd.Series(["51.8000(万元人民币)", "13(万美元)", "1,428(万)", "N/A", "abc"]))[["amount", "currency", "invalid"]]
           amount currency  invalid
    0    518000.0      CNY    False
    1    130000.0      USD    False
    2  14280000.0      CNY    False
    3         NaN      NaN    False
    4         NaN      NaN     True
    >>> parse_capital(pd.Series(["(500)万元", "1e309", "-5"]))[["invalid", "negative", "non_finite"]].values.tolist()
    [[True, True, False], [True, False, True], [True, True, False]]
    """
    arr = _clean(_arrow(s))
    uniq, codes = _distinct(arr)
    u = _translate(uniq, _TEXT_TABLE)
    ex = pc.extract_regex(u, _NUM_RE)
    ok = _bool(ex.is_valid())
    negative = _bool(pc.match_substring_regex(u, _NEGATIVE_RE))
    num_s = _null_where(ex.field("num"), ~ok)
    commas = _bool(pc.match_substring(num_s, ","))
    if commas.any():
        good = _bool(pc.match_substring_regex(num_s, r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.|[eE]|$)"))
        ok &= ~commas | good
        num_s = pc.replace_substring(_null_where(num_s, ~ok), ",", "")
    num = pc.cast(num_s, pa.float64()).to_numpy(zero_copy_only=False)
    around = pc.binary_join_element_wise(
        ex.field("pre"), pa.scalar("|", pa.large_string()), ex.field("unit"), _EMPTY
    )
    around = _null_where(around, ~ok)
    a_uniq, a_codes = _factorize(around)
    a_ok, a_mult, a_cur = _classify_units(a_uniq)
    ok &= _take(a_ok, a_codes, False)
    amount = np.round(num * _take(a_mult, a_codes, np.nan), 6)
    non_finite = ok & ~np.isfinite(amount)
    negative &= ~_bool(pc.is_null(uniq))
    ok &= ~negative & ~non_finite
    amount[~ok] = np.nan
    cur = np.where(ok, _take(a_cur, a_codes, -1), -1)
    labels = pa.array(_CUR_LABELS, pa.large_string())
    cur_full = _take(cur, codes, -1)
    return pd.DataFrame(
        {
            "amount": _take(amount, codes, np.nan),
            "currency": _series(_take_arrow(labels, cur_full), s.index),
            "invalid": _take(~ok, codes, False),
            "negative": _take(negative, codes, False),
            "non_finite": _take(non_finite, codes, False),
        },
        index=s.index,
    )


_NUMBER_RE = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def parse_ratio(s: pd.Series) -> pd.Series:
    """Share ratios as fractions of 1; NaN where missing or not a number.

    A value with a percent sign is a percentage, however small (``1%`` and
    ``1.00%`` are 0.01, ``0.5％`` 0.005); a bare number up to 1 is a fraction
    (``0.35``), a bare number above 1 a percentage (``35`` is 0.35).

    >>> parse_ratio(pd.Series(["35%", "1.00%", "0.35", "35", "N/A", "约三成"])).tolist()
    [0.35, 0.01, 0.35, 0.35, nan, nan]
    """
    uniq, codes = _distinct(_clean(_arrow(s)))  # a few thousand distinct values in practice
    text = pc.utf8_trim_whitespace(_translate(uniq, _HALFWIDTH_TABLE))
    pct = _bool(pc.ends_with(text, "%"))
    digits = pc.utf8_trim_whitespace(pc.if_else(pa.array(pct), pc.utf8_slice_codeunits(text, 0, -1), text))
    ok = _bool(pc.match_substring_regex(digits, _NUMBER_RE))
    num = pc.cast(_null_where(digits, ~ok), pa.float64()).to_numpy(zero_copy_only=False)
    frac = np.where(~pct & (num <= 1), num, num / 100)
    return pd.Series(_take(frac, codes, np.nan), index=s.index, dtype="float64")


# --------------------------------------------------------------------------
# Mojibake
# --------------------------------------------------------------------------


def _gbk_chars(lead_lo: int, lead_hi: int, trail_lo: int = 0x40, trail_hi: int = 0xFE) -> str:
    out = []
    for lead in range(lead_lo, lead_hi + 1):
        for trail in range(trail_lo, trail_hi + 1):
            with contextlib.suppress(UnicodeDecodeError):
                out.append(bytes([lead, trail]).decode("gbk"))
    return "".join(sorted(set(out)))


# UTF-8 encodes U+4E00-U+9FFF with lead bytes E4-E9; read as GBK, every
# such lead byte starts a double-byte character from rows E4-E9.
_UTF8_AS_GBK_CHARS = _gbk_chars(0xE4, 0xE9)
_UTF8_AS_GBK_RE = "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in _UTF8_AS_GBK_CHARS) + "]"
# GBK/cp1252 bytes read as latin-1 or cp1252: two or more characters from
# U+0080-U+00FF (or cp1252's replacements for 0x80-0x9F) in a row.
_CP1252_HIGH = "".join(
    c for c in bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore")
)
_LATIN_RUN_RE = (
    r"[\x{80}-\x{FF}" + "".join(f"\\x{{{ord(c):04X}}}" for c in _CP1252_HIGH) + r"]{2}"
)


def _common_ratio(text: str) -> float:
    """Share of Han characters in GB2312 level 1 (the 3755 common ones)."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"]
    if not han:
        return 0.0
    common = 0
    for c in han:
        try:
            b = c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if 0xB0 <= b[0] <= 0xD7:
            common += 1
    return common / len(han)


def _has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _is_latin_mojibake(v: str) -> bool:
    if _has_han(v) or sum(1 for c in v if "\x80" <= c <= "\xff" or c in _CP1252_HIGH) < 4:
        return False
    for enc in ("latin-1", "cp1252"):
        try:
            fixed = v.encode(enc).decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _has_han(fixed) and _common_ratio(fixed) >= 0.5:
            return True
    return False


def _is_utf8_as_gbk(v: str) -> bool:
    try:
        raw = v.encode("gb18030")
    except UnicodeEncodeError:
        return False
    fixed = raw.decode("utf-8", errors="replace")
    han = sum(1 for c in fixed if "\u4e00" <= c <= "\u9fff")
    # tolerate a few bytes lost when the text was mis-decoded (errors="ignore")
    if han < 2 or fixed.count("\ufffd") * 2 > han:
        return False
    return _common_ratio(fixed) > _common_ratio(v)


# UTF-8 read as Windows-1252 (undefined bytes kept as U+0080-U+009F) or Latin-1: char -> byte
_SLOPPY_1252 = {chr(b): b for b in range(256)}
_SLOPPY_1252.update({bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0)
                     if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)})
_CONT_CHARS = "".join(c for c, b in _SLOPPY_1252.items() if 0x80 <= b <= 0xBF)
# a UTF-8 lead byte (as a character) followed by a continuation byte (as a character)
_DOUBLE_UTF8_RE = (
    r"[\x{C2}-\x{F4}][" + "".join(f"\\x{{{ord(c):04X}}}" for c in sorted(set(_CONT_CHARS))) + "]"
)


def _undo_double_utf8(v: str) -> str | None:
    """The text *v* was before its UTF-8 bytes were read as cp1252/Latin-1, when that round trip
    is exact and gives Chinese text; else None."""
    try:
        raw = bytes(_SLOPPY_1252[c] for c in v)
        fixed = raw.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
    return fixed if _has_han(fixed) else None


def repair_double_utf8(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Undo double encoding: UTF-8 bytes read as Windows-1252 or Latin-1 and written again as
    UTF-8 (``å¼\xa0ä¸‰`` for 张三). A value is repaired only when the round trip back to bytes
    and then UTF-8 is exact and yields Han characters; returns (values, mask of repaired rows).
    Run it before whitespace normalisation (U+00A0 is part of such text).

    >>> repair_double_utf8(pd.Series(["张三".encode().decode("latin-1"), "Größe", "张三"]))[0].tolist()
    ['张三', 'Größe', '张三']
    """
    arr = _arrow(s)
    cand = _bool(pc.match_substring_regex(arr, _DOUBLE_UTF8_RE))
    if not cand.any():
        return s, cand
    idx = np.flatnonzero(cand)
    sub = pd.Series(arr.take(pa.array(idx)).to_pandas())
    codes, uniques = pd.factorize(sub)
    fixed = [_undo_double_utf8(v) for v in uniques]  # distinct candidates only
    ok_u = np.array([f is not None for f in fixed], dtype=bool)
    ok = ok_u[codes]
    if not ok.any():
        return s, np.zeros(len(s), dtype=bool)
    repl = pa.array([f if f is not None else v for f, v in zip(fixed, uniques)], pa.large_string())
    rows = idx[ok]
    mask = np.zeros(len(s), dtype=bool)
    mask[rows] = True
    new = pc.replace_with_mask(arr, pa.array(mask), repl.take(pa.array(codes[ok])))
    return _series(new, s.index, s.name), mask


def detect_mojibake(s: pd.Series) -> pd.Series:
    """Flag text that was decoded with the wrong encoding.

    True when the value

    * contains U+FFFD (bytes replaced by a decoder), or
    * looks like GBK bytes decoded as latin-1/cp1252: has no Han character,
      contains two consecutive characters from U+0080-U+00FF (four or more
      such characters in all, i.e. at least two Chinese characters), re-encoding as
      latin-1/cp1252 and decoding as GBK succeeds and yields Han text of
      which at least half is GB2312 level-1 (common) characters, or
    * looks like UTF-8 bytes decoded as GBK/GB18030: contains a character
      from GBK rows E4-E9 (where UTF-8 CJK lead bytes land), and re-encoding
      as GB18030 then decoding as UTF-8 yields at least two Han characters,
      at most one undecodable byte run per two of them (bytes may have been
      dropped by ``errors="ignore"``), and a higher share of common
      characters than the original.

    The round trips run on distinct candidate values only. Normal Chinese,
    Latin (even ``Größe``, ``Informação``), digits and mixed names are not
    flagged; NA is False.

    >>> detect_mojibake(pd.Series(["杭州", "杭州".encode("gbk").decode("latin-1"), "ABC科技(杭州)有限公司", "a\\ufffdb"])).tolist()
    [False, True, False, True]
    """
    arr = _clean(_arrow(s))
    out = _bool(pc.match_substring(arr, "\ufffd"))
    latin = _bool(pc.match_substring_regex(arr, _LATIN_RUN_RE)) & ~out
    utf = _bool(pc.match_substring_regex(arr, _UTF8_AS_GBK_RE)) & ~out & ~latin
    for mask, fn in ((latin, _is_latin_mojibake), (utf, _is_utf8_as_gbk)):
        if mask.any():
            idx = np.flatnonzero(mask)
            sub = pd.Series(arr.take(pa.array(idx)).to_pandas())
            codes, uniques = pd.factorize(sub)
            res = np.fromiter((fn(v) for v in uniques), dtype=bool, count=len(uniques))
            out[idx] = res[codes]
    return pd.Series(out, index=s.index, name=s.name)


# --------------------------------------------------------------------------
# Phone and e-mail
# --------------------------------------------------------------------------


def normalize_phone(s: pd.Series) -> pd.Series:
    """Digits-only phone numbers, or NA.

    Only the first number of a list (separated by ``;,/、`` or spaces between
    numbers) is kept; an extension (``转``, ``ext``, ``x``, ``#``, ``分机``) is
    dropped; ``+86``/``0086`` removed. Kept: 11-digit mobiles (``1[3-9]...``),
    landlines with area code (``0`` + 9-11 digits, i.e. 10-12 digits in all)
    and 400/800 service numbers. Bare 7-8 digit local numbers are NA: without
    the area code they would match across cities.

    >>> normalize_phone(pd.Series(["+86 138-1234-5678", "0571-88886666转123", "88886666", "N/A"])).tolist()
    ['13812345678', '057188886666', nan, nan]
    """
    arr = _clean(_arrow(s))

    def tidy(a):  # only for values that are not plain digit strings
        a = pc.utf8_trim_whitespace(_translate(a, _HALFWIDTH_TABLE))
        a = pc.replace_substring_regex(a, r"(?i)(?:转|分机|ext\.?|x|#).*$", "")
        a = pc.replace_substring_regex(a, r"(\d)\s{2,}(\d)", r"\1|\2")
        a = pc.replace_substring_regex(a, r"[|;,/、，；].*$", "")
        return pc.replace_substring_regex(a, r"\D", "")

    arr = _on_subset(arr, _rows_with(arr, _NONDIGIT), tidy)

    def country(a):  # 0086/86 + mobile, + landline with or without trunk 0
        a = pc.replace_substring_regex(a, r"^0086", "86")
        a = pc.replace_substring_regex(a, r"^86(1[3-9]\d{9})$", r"\1")
        a = pc.replace_substring_regex(a, r"^86(0[1-9]\d{8,10})$", r"\1")
        return pc.replace_substring_regex(a, r"^86([1-9]\d{8,10})$", r"0\1")

    intl = _bool(pc.starts_with(arr, "86")) | _bool(pc.starts_with(arr, "0086"))
    arr = _on_subset(arr, intl, country)
    # all digits now: classify by length and leading digits
    n = np.nan_to_num(pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(float), nan=0)
    head = pc.utf8_slice_codeunits(arr, 0, 3)
    d1 = pc.utf8_slice_codeunits(head, 0, 1)
    d2 = pc.utf8_slice_codeunits(head, 1, 2)
    eq = lambda a, v: _bool(pc.equal(a, v))  # noqa: E731
    second_3_9 = _bool(pc.is_in(d2, value_set=pa.array(list("3456789"), pa.large_string())))
    mobile = (n == 11) & eq(d1, "1") & second_3_9
    landline = (n >= 10) & (n <= 12) & eq(d1, "0") & ~eq(d2, "0")
    service = (n == 10) & (eq(head, "400") | eq(head, "800"))
    ok = mobile | landline | service
    return _series(_null_where(arr, ~ok), s.index, s.name)


_EMAIL_RE = r"^[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}$"


def normalize_email(s: pd.Series) -> pd.Series:
    """Lower-cased, stripped, half-width e-mail addresses, or NA if malformed.

    >>> normalize_email(pd.Series([" Zhang.San@Example.COM ", "zhang＠qq.com", "not-an-email", "N/A"])).tolist()
    ['zhang.san@example.com', 'zhang@qq.com', nan, nan]
    """
    arr = _clean(_arrow(s))
    arr = _translate(arr, _HALFWIDTH_TABLE)
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    arr = pc.replace_substring(arr, "mailto:", "")
    ok = _bool(pc.match_substring_regex(arr, _EMAIL_RE))
    return _series(_null_where(arr, ~ok), s.index, s.name)
