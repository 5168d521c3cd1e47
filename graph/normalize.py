"""Vectorised text normalisation for raw credit-platform extracts.

Every public function takes a :class:`pandas.Series` (any dtype; values are
treated as text) and returns a Series or DataFrame with the same index. The
work is done with :mod:`pyarrow.compute` kernels and :mod:`numpy` on whole
columns; where a step is naturally per value (``detect_mojibake``'s
round-trip check) it runs on the few *unique candidate* values only.

Strings come back in pandas' default ``str`` dtype (pyarrow-backed, missing
values are ``NaN``). Dates, capital and ratios: :mod:`graph.parse_values`; text decoded with the
wrong encoding: :mod:`graph.mojibake`.
"""

from __future__ import annotations

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
    lut = ascii_lut.copy()
    lut[[e[0] for e in enc]] = True
    pos = np.flatnonzero(lut[data])  # one pass over the buffer; the rest looks at these bytes only
    if len(pos) == 0:
        return out
    nxt = [np.zeros(len(pos), dtype=np.uint32) for _ in (1, 2)]  # the two bytes after each (0 past the end)
    for k, b in enumerate(nxt, 1):
        inside = pos + k < len(data)
        b[inside] = data[pos[inside] + k]
    code = (data[pos].astype(np.uint32) << 16) | (nxt[0] << 8) | nxt[1]
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


# the most bytes a MISSING token can take once it has been trimmed, full-width ASCII counted as written
# (3 bytes a character), before the half-width step maps it back
_MISSING_MAX_BYTES = max(sum(3 if ch.isascii() else len(ch.encode("utf-8")) for ch in t) for t in MISSING)
# first bytes of the characters that may be whitespace (ASCII controls and space; U+0085, U+00A0; U+1680,
# U+180E; U+2000-U+205F; U+3000; U+FEFF): a value neither starting nor ending with one is not trimmed
_WS_LEAD = np.zeros(256, dtype=bool)
_WS_LEAD[:0x21] = True
_WS_LEAD[[0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True


def _maybe_missing(arr: pa.LargeStringArray) -> np.ndarray | None:
    """Rows that can be a MISSING token or whitespace only: short ones, or ones that may start or end with
    whitespace (a superset, from the bytes); None when that is most rows (then all are checked)."""
    if len(arr) < 4096 or arr.type != pa.large_string():
        return None
    off, data = _od(arr)
    if len(data) == 0:
        return None
    start, end = off[:-1], off[1:]
    ln = end - start
    cand = ln <= _MISSING_MAX_BYTES
    rest = np.flatnonzero(~cand)  # longer than any token: at least 13 bytes, so end - 3 >= start
    s, e = start[rest], end[rest]
    ws = _WS_LEAD[data[s]] | (data[e - 1] < 0x21) | (data[e - 2] == 0xC2) | (_WS_LEAD[data[e - 3]] & (data[e - 3] >= 0xE1))
    cand[rest[ws]] = True
    return None if cand.mean() > 0.5 else cand


def _missing_mask(arr: pa.LargeStringArray) -> np.ndarray:
    cand = _maybe_missing(arr)
    if cand is None:
        return _missing_mask_all(arr)
    m = np.zeros(len(arr), dtype=bool)
    m[cand] = _missing_mask_all(arr.filter(pa.array(cand)))
    return m | _bool(pc.is_null(arr))


def _missing_mask_all(arr: pa.LargeStringArray) -> np.ndarray:
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
