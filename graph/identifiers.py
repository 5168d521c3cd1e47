"""Identifier validation, masking and keyed hashing (vectorised).

* Unified social credit code (USCC, GB 32100-2015): 18 characters from
  :data:`USCC_CHARSET`, check character at position 18.
* Resident ID number (GB 11643-1999): 17 digits + check digit/``X``; the
  old 15-digit form (``legacy``) has a 2-digit year and no check digit.

Checksums are computed with numpy on a fixed-width byte matrix (one row per
value) built straight from the Arrow string buffer: no Python loop per row.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.graph import normalize as nz
from creditgraph.graph.normalize import (
    _DIGIT,
    _EMPTY,
    _HALFWIDTH_TABLE,
    _MAYBE_WS,
    _all_ascii,
    _arrow,
    _bool,
    _clean,
    _factorize,
    _fixed,
    _null_where,
    _od,
    _on_subset,
    _rows_with,
    _series,
    _strs,
    _take_arrow,
    _translate,
    normalize_email,
    normalize_phone,
)

__all__ = [
    "USCC_CHARSET",
    "USCC_WEIGHTS",
    "ID_WEIGHTS",
    "ID_CHECK",
    "uscc_check_char",
    "make_uscc",
    "validate_uscc",
    "region_from_uscc",
    "id_check_char",
    "make_resident_id",
    "validate_resident_id",
    "ID_TYPES",
    "regno_check_ok",
    "classify_id",
    "classify_id_checks",
    "mask_id",
    "mask_phone",
    "mask_email",
    "keyed_hash",
]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

_USCC_LUT = np.full(256, -1, dtype=np.int32)
for _i, _c in enumerate(USCC_CHARSET):
    _USCC_LUT[ord(_c)] = _i
_USCC_CLASS = np.full(256, 64, dtype=np.int8)
_USCC_CLASS[np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = 31
_USCC_CLASS[np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)] = np.arange(31)
_USCC_W = np.asarray(USCC_WEIGHTS, dtype=np.int64)
_ID_W = np.asarray(ID_WEIGHTS, dtype=np.int64)
_ID_CHECK_BYTES = np.frombuffer(ID_CHECK.encode("ascii"), dtype=np.uint8)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _fixed_width(arr: pa.LargeStringArray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of an array of non-null ASCII strings of *width*."""
    n = len(arr)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    _, obuf, dbuf = arr.buffers()
    off = np.frombuffer(obuf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(dbuf, dtype=np.uint8)[off[0] : off[-1]]
    return data.reshape(n, width)


_WS_ALL_RE = r"[\s\x{A0}\x{3000}\x{200B}\x{FEFF}]+"


def _norm_code(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    """Missing tokens -> null, half-width, all whitespace removed, upper-case."""
    arr = _clean(arr)
    arr = _translate(arr, _HALFWIDTH_TABLE)
    arr = _on_subset(
        arr, _rows_with(arr, _MAYBE_WS), lambda a: pc.replace_substring_regex(a, _WS_ALL_RE, "")
    )
    arr = pc.ascii_upper(arr) if _all_ascii(arr) else pc.utf8_upper(arr)
    return _null_where(arr, _bool(pc.equal(pc.binary_length(arr), 0)))


def _uscc_check(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """(shape_ok, check_ok) for normalised values; shape = 18 of [0-9A-Z].

    The 18-byte rows are looked up in a 256-entry table (0-30: charset
    value, 31: other upper-case letter, 64: anything else) on the transposed
    matrix, so every step is a contiguous whole-column numpy operation.
    """
    n = len(arr)
    shape = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    idx, mat = _fixed(arr, 18)
    if len(idx):
        v = _USCC_CLASS[np.ascontiguousarray(mat.T)]  # (18, k) int8
        top = np.maximum.reduce(v, axis=0)
        total = np.zeros(len(idx), dtype=np.int32)
        for j, w in enumerate(USCC_WEIGHTS):
            total += v[j].astype(np.int32) * np.int32(w)
        check = (31 - total % 31) % 31
        shape[idx] = top < 64
        ok[idx] = (top < 31) & (v[17] == check)
    return shape, ok


def _all_digits(arr: pa.LargeStringArray, width: int) -> np.ndarray:
    out = np.zeros(len(arr), dtype=bool)
    idx, mat = _fixed(arr, width)
    out[idx] = _DIGIT[mat].all(axis=1)
    return out


# --------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """Check character (position 18) for the first 17 USCC characters.

    >>> uscc_check_char("91330503735242721")
    'D'
    """
    s = first17.strip().upper()
    if len(s) != 17 or any(c not in USCC_CHARSET for c in s):
        raise ValueError(f"need 17 characters from {USCC_CHARSET!r}: {first17!r}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(s, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(prefix17):
    """Append the check character; accepts a string or a Series of strings.

    >>> make_uscc("92330281MA2ENBUA1")
    '92330281MA2ENBUA1R'
    >>> make_uscc(pd.Series(["91330503735242721"])).tolist()
    ['91330503735242721D']
    """
    if isinstance(prefix17, pd.Series):
        arr = pc.utf8_upper(_arrow(prefix17))
        shape = _bool(pc.match_substring_regex(arr, r"^[0-9A-Z]{17}$"))
        if not shape.all():
            raise ValueError("every prefix needs 17 characters from USCC_CHARSET")
        v = _USCC_LUT[_fixed_width(arr, 17)]
        if (v < 0).any():
            raise ValueError("prefix holds characters outside USCC_CHARSET")
        check = (31 - (v.astype(np.int64) @ _USCC_W) % 31) % 31
        chars = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)[check]
        tail = pa.array(chars.view("S1").astype(str), pa.large_string())
        return _series(pc.binary_join_element_wise(arr, tail, _EMPTY), prefix17.index, prefix17.name)
    return prefix17.strip().upper() + uscc_check_char(prefix17)


def validate_uscc(s: pd.Series) -> pd.DataFrame:
    """Classify values of a USCC column.

    ``value``: missing tokens -> NA, half-width, whitespace removed,
    upper-cased. ``kind``:

    * ``uscc``: 18 characters, all from the charset, check character right;
    * ``uscc_invalid``: 18 ASCII letters/digits but the check fails or a
      letter outside the charset (I, O, S, V, Z) occurs;
    * ``reg_no``: 15 digits, the legacy registration number (注册号), an
      alternative key and not an invalid USCC;
    * ``other``: anything else non-empty (internal ids, 13-digit codes,
      free text) - keep as an alternative key;
    * ``missing``.

    >>> validate_uscc(pd.Series(["91330203674737244w", "913303817345395230", "330302000012345", "N/A"]))
                    value          kind
    0  91330203674737244W          uscc
    1  913303817345395230  uscc_invalid
    2     330302000012345        reg_no
    3                 NaN       missing
    """
    return _validate_uscc(_norm_code(_arrow(s)), s.index)


def _validate_uscc(arr: pa.LargeStringArray, index) -> pd.DataFrame:  # of values normalised by _norm_code
    shape, ok = _uscc_check(arr)
    missing = _bool(pc.is_null(arr))
    reg = _all_digits(arr, 15)
    labels = ["missing", "uscc", "uscc_invalid", "reg_no", "other"]
    kind = np.select([missing, ok, shape, reg], [0, 1, 2, 3], default=4)
    return pd.DataFrame(
        {"value": _series(arr, index), "kind": _strs(labels, kind, index)},
        index=index,
    )


def region_from_uscc(s: pd.Series) -> pd.Series:
    """Division code (positions 3-8) of valid USCCs, NA otherwise.

    >>> region_from_uscc(pd.Series(["91330503735242721D", "91330503735242721E"])).tolist()
    ['330503', nan]
    """
    arr = _norm_code(_arrow(s))
    _, ok = _uscc_check(arr)
    reg = pc.utf8_slice_codeunits(arr, 2, 8)
    return _series(_null_where(reg, ~ok), s.index, s.name)


# --------------------------------------------------------------------------
# Resident ID
# --------------------------------------------------------------------------


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for 17 digits.

    >>> id_check_char("11010519491231002")
    'X'
    """
    s = first17.strip()
    if len(s) != 17 or not s.isdigit():
        raise ValueError(f"need 17 digits: {first17!r}")
    return ID_CHECK[sum(int(c) * w for c, w in zip(s, ID_WEIGHTS)) % 11]


def make_resident_id(prefix17: str) -> str:
    """Append the check character to 17 digits.

    >>> make_resident_id("11010519491231002")
    '11010519491231002X'
    """
    return prefix17.strip() + id_check_char(prefix17)


def _birth(y: np.ndarray, m: np.ndarray, d: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """datetime64[us] from components; NaT where not *cand*, not a real day,
    before 1900 or in the future."""
    out = pd.to_datetime(
        pd.DataFrame({"year": np.where(cand, y, 2000), "month": np.where(cand, m, 1),
                      "day": np.where(cand, d, 1)}),
        errors="coerce",
    ).to_numpy().astype("datetime64[us]")
    today = np.datetime64(pd.Timestamp.today().normalize().date(), "us")
    out[~cand | (y < 1900) | (out > today)] = np.datetime64("NaT")
    return out


def _digits(mat: np.ndarray, a: int, b: int) -> np.ndarray:
    """Integer value of columns a..b-1 of a digit byte matrix."""
    v = np.zeros(len(mat), dtype=np.int64)
    for j in range(a, b):
        v = v * 10 + (mat[:, j].astype(np.int64) - 48)
    return v


def validate_resident_id(s: pd.Series) -> pd.DataFrame:
    """Classify resident ID numbers.

    ``value``: missing -> NA, half-width, whitespace removed, upper-cased
    (``x`` -> ``X``). ``kind``:

    * ``valid``: 17 digits + check character right + real birth date
      (1900 <= birth <= today);
    * ``legacy``: 15 digits (pre-1999 form, birth ``19YYMMDD`` at 7-12)
      with a real birth date;
    * ``masked``: digits and ``*`` (an ``X`` may end it), at least one ``*``;
    * ``invalid``: anything else non-empty;
    * ``missing``.

    ``region`` is the first 6 digits for valid, legacy and masked values
    (masked only when those 6 are visible). ``birth``/``birth_year`` come
    from positions 7-14 (7-12 for legacy); for masked values only when all
    8 birth digits are visible and form a real date, else NaT.

    >>> r = validate_resident_id(pd.Series(["11010519491231002x", "330222************", "110105491231002", "abc"]))
    >>> r[["value", "kind", "region", "birth_year"]]
                    value     kind  region  birth_year
    0  11010519491231002X    valid  110105        1949
    1  330222************   masked  330222        <NA>
    2     110105491231002   legacy  110105        1949
    3                 ABC  invalid     NaN        <NA>
    """
    return _validate_resident_id(_norm_code(_arrow(s)), s.index)


def _validate_resident_id(arr: pa.LargeStringArray, index) -> pd.DataFrame:  # of values normalised by _norm_code
    n = len(arr)
    missing = _bool(pc.is_null(arr))
    full = np.zeros(n, dtype=bool)
    fidx, fmat = _fixed(arr, 18)
    full[fidx] = _DIGIT[fmat[:, :17]].all(axis=1) & (_DIGIT[fmat[:, 17]] | (fmat[:, 17] == 88))
    leg = _all_digits(arr, 15)
    star = _bool(pc.match_substring(arr, "*"))
    masked = np.zeros(n, dtype=bool)
    if star.any():
        masked[star] = _bool(pc.match_substring_regex(arr.filter(pa.array(star)), r"^[\d*]*X?$"))
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    valid = np.zeros(n, dtype=bool)
    legacy_ok = np.zeros(n, dtype=bool)

    if full.any():
        idx = np.flatnonzero(full)
        mat = fmat[full[fidx]]
        dig = mat[:, :17].astype(np.int64) - 48
        check = _ID_CHECK_BYTES[(dig @ _ID_W) % 11]
        b = _birth(_digits(mat, 6, 10), _digits(mat, 10, 12), _digits(mat, 12, 14),
                   np.ones(len(idx), dtype=bool))
        ok = (check == mat[:, 17]) & ~np.isnat(b)
        valid[idx] = ok
        birth[idx[ok]] = b[ok]
    if leg.any():
        idx, mat = _fixed(arr, 15)
        sel = leg[idx]
        idx, mat = idx[sel], mat[sel]
        b = _birth(1900 + _digits(mat, 6, 8), _digits(mat, 8, 10), _digits(mat, 10, 12),
                   np.ones(len(idx), dtype=bool))
        ok = ~np.isnat(b)
        legacy_ok[idx] = ok
        birth[idx[ok]] = b[ok]
    if masked.any():
        # birth visible: 8 digits at positions 7-14 of an 18-character value
        idx, mat = _fixed(arr, 18)
        sel = masked[idx] & _DIGIT[mat[:, 6:14]].all(axis=1)
        idx, mat = idx[sel], mat[sel]
        if len(idx):
            b = _birth(_digits(mat, 6, 10), _digits(mat, 10, 12), _digits(mat, 12, 14),
                       np.ones(len(idx), dtype=bool))
            birth[idx] = b

    kind = np.select([missing, valid, legacy_ok, masked], [0, 1, 2, 3], default=4)
    six = np.zeros(n, dtype=bool)
    cand = valid | legacy_ok | masked
    if cand.any():
        off, data = _od(arr)
        ci = np.flatnonzero(cand & (np.diff(off) >= 6))
        six[ci] = _DIGIT[data[off[ci][:, None] + np.arange(6)]].all(axis=1)
    has_region = cand & six
    region = _null_where(pc.utf8_slice_codeunits(arr, 0, 6), ~has_region)
    byear = pd.array(pd.DatetimeIndex(birth).year, dtype="Int64")
    return pd.DataFrame(
        {
            "value": _series(arr, index),
            "kind": _strs(["missing", "valid", "legacy", "masked", "invalid"], kind, index),
            "region": _series(region, index),
            "birth": birth,
            "birth_year": byear,
        },
        index=index,
    )


# --------------------------------------------------------------------------
# ID type (investor and certificate columns hold more than resident IDs)
# --------------------------------------------------------------------------

#: what :func:`classify_id` calls a value
ID_TYPES = ("missing", "resident_id", "resident_id_legacy", "resident_id_masked", "uscc", "reg_no", "passport", "other")
# declared certificate types (certype_cn, 证件类型) -> ID type; checked in this order
_DECLARED = (
    (r"身份证|居民身份|^10$|^1$", "resident_id"),
    (r"通行证|回乡证|居留|台胞证|旅行证", "other"),
    (r"护照|passport", "passport"),
    (r"信用代码|营业执照|注册号|执照", "business"),
)


def regno_check_ok(s: pd.Series) -> np.ndarray:
    """15-digit registration numbers (注册号, GS 15-2006) whose ISO 7064 MOD 11,10 check digit is right.

    >>> regno_check_ok(pd.Series(["110108000000016", "110108000000017", "abc"])).tolist()
    [True, False, False]
    """
    return _regno_check_ok(_norm_code(_arrow(s)))


def _regno_check_ok(arr: pa.LargeStringArray) -> np.ndarray:
    out = np.zeros(len(arr), dtype=bool)
    idx, mat = _fixed(arr, 15)
    if len(idx):
        digit = _DIGIT[mat].all(axis=1)
        d = mat.astype(np.int64) - 48
        check = np.full(len(idx), 5, dtype=np.int64)
        for j in range(15):
            check = ((np.where(check == 0, 10, check) * 2) % 11 + d[:, j]) % 10
        out[idx] = digit & (check == 1)
    return out


def classify_id(s: pd.Series, declared: pd.Series | None = None) -> pd.Series:
    """The kind of identifier each value is (one of :data:`ID_TYPES`), before any check is applied.

    By shape: 17 digits + digit/``X`` is a resident ID (a valid USCC of 18 digits that fails the
    resident-ID check is a USCC); 18 USCC characters with a letter a USCC; digits with ``*`` a masked
    resident ID; 15 digits a registration number when its MOD 11,10 check digit is right or it holds
    no real birth date, else a legacy resident ID; one or two letters + 6-9 digits a passport;
    anything else (11-12 digit registry ids, permits, free text) ``other``. A ``declared``
    certificate type (``居民身份证``, ``护照``, ``营业执照`` …) overrides the shape.

    >>> classify_id(pd.Series(["11010519491231002X", "913303817345395239", "110108000000016", "E12345678",
    ...                        "12345678901", "3302**********1234", None])).tolist()
    ['resident_id', 'uscc', 'reg_no', 'passport', 'other', 'resident_id_masked', 'missing']
    """
    return classify_id_checks(s, declared)[0]


def classify_id_checks(s: pd.Series, declared: pd.Series | None = None,
                       pid: pd.DataFrame | None = None) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """(:func:`classify_id`, :func:`validate_resident_id`, :func:`validate_uscc`) of ``s``, the value
    normalised once; ``pid``: ``validate_resident_id(s)`` where the caller has it already."""
    arr = _norm_code(_arrow(s))
    if pid is None:
        pid = _validate_resident_id(arr, s.index)
    code = _validate_uscc(arr, s.index)
    text = pid["value"]
    pk, ck = pid["kind"].to_numpy(), code["kind"].to_numpy()
    # 17 ASCII digits + digit or X; 15 ASCII digits (on the byte matrix, as the regexes \d{17}[\dX], \d{15})
    shape18 = np.zeros(len(arr), dtype=bool)
    fidx, fmat = _fixed(arr, 18)
    shape18[fidx] = _DIGIT[fmat[:, :17]].all(axis=1) & (_DIGIT[fmat[:, 17]] | (fmat[:, 17] == 88))
    d15 = _all_digits(arr, 15)
    reg_ok = _regno_check_ok(arr)
    uscc = ((ck == "uscc") & (pk != "valid")) | ((ck == "uscc_invalid") & ~shape18)
    # codes into ID_TYPES (missing 0, resident_id 1, legacy 2, masked 3, uscc 4, reg_no 5, passport 6, other 7)
    kind = np.select(
        [pk == "missing", pk == "valid", uscc, shape18, pk == "masked", d15 & (pk == "legacy") & ~reg_ok, d15],
        [0, 1, 4, 1, 3, 2, 5], default=7).astype(np.int8)
    rest = kind == 7  # a passport (the regex runs on these alone): [A-Z]{1,2}\d{6,9}
    if rest.any():
        kind[np.flatnonzero(rest)[_bool(pc.match_substring_regex(arr.filter(pa.array(rest)), r"^([A-Z]{1,2}\d{6,9}$)"))]] = 6
    if declared is not None:
        dec = nz.normalize_text(nz.clean_missing(declared.astype("string"))).fillna("")
        said = pd.Series("", index=s.index, dtype="object")
        for pat, typ in reversed(_DECLARED):
            said = said.mask(dec.str.contains(pat, regex=True, case=False).to_numpy(), typ)
        said = said.to_numpy()
        resident = np.isin(kind, [1, 2, 3])
        kind = np.where((said == "resident_id") & ~resident & (kind != 0), 1, kind)
        for typ in ("passport", "other"):
            kind = np.where((said == typ) & (kind != 0), ID_TYPES.index(typ), kind)
        business = (said == "business") & ~np.isin(kind, [0, 4, 5])
        kind = np.where(business, np.where(d15, 5, np.where(text.str.len().to_numpy() == 18, 4, 7)), kind)
    kinds = pa.array(ID_TYPES, pa.large_string()).take(pa.array(kind.astype(np.int8)))
    return pd.Series(kinds, index=s.index, dtype="string"), pid, code


# --------------------------------------------------------------------------
# masking
# --------------------------------------------------------------------------


def _stars(counts: np.ndarray) -> pa.Array:
    counts = np.maximum(counts, 0)
    return pc.binary_repeat(pa.scalar("*", pa.large_string()), pa.array(counts, pa.int64()))


def mask_id(s: pd.Series) -> pd.Series:
    """Display mask for ID numbers: first 6 + ``*`` + last 4, same length.

    ``330222197001011234`` -> ``330222********1234``; values that already
    contain ``*`` are kept; values of 10 characters or fewer are fully
    starred (nothing meaningful can be shown); missing -> NA.

    >>> mask_id(pd.Series(["33022219700101123x", "3302**********123X", "12345", None])).tolist()
    ['330222********123X', '3302**********123X', '*****', nan]
    """
    arr = _norm_code(_arrow(s))
    n = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
    n = np.nan_to_num(n.astype(float), nan=0).astype(np.int64)
    already = _bool(pc.match_substring(arr, "*"))
    long_ = n > 10
    head = pc.utf8_slice_codeunits(arr, 0, 6)
    tail = pc.utf8_slice_codeunits(arr, -4)
    masked = pc.binary_join_element_wise(head, _stars(n - 10), tail, _EMPTY)
    short = _stars(n)
    out = pc.if_else(pa.array(already), arr, pc.if_else(pa.array(long_), masked, short))
    return _series(_null_where(out, _bool(pc.is_null(arr))), s.index, s.name)


def mask_phone(s: pd.Series) -> pd.Series:
    """Display mask for phone numbers: first 3 + ``*`` + last 4.

    The number is first normalised with :func:`graph.normalize.normalize_phone`;
    unusable numbers are NA unless they already contain ``*`` (kept).

    >>> mask_phone(pd.Series(["138-1234-5678", "0571-88886666", "138****5678", "abc"])).tolist()
    ['138****5678', '057*****6666', '138****5678', nan]
    """
    raw = _norm_code(_arrow(s))
    norm = _arrow(normalize_phone(s))
    n = pc.utf8_length(norm).to_numpy(zero_copy_only=False)
    n = np.nan_to_num(n.astype(float), nan=0).astype(np.int64)
    masked = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(norm, 0, 3), _stars(n - 7), pc.utf8_slice_codeunits(norm, -4), _EMPTY
    )
    already = _bool(pc.match_substring(raw, "*")) & _bool(pc.is_null(norm))
    out = pc.if_else(pa.array(already), raw, masked)
    return _series(out, s.index, s.name)


def mask_email(s: pd.Series) -> pd.Series:
    """Display mask for e-mail: first character of the local part + ``***``.

    >>> mask_email(pd.Series(["Zhang.San@Example.com", "z***@example.com", "bad"])).tolist()
    ['z***@example.com', 'z***@example.com', nan]
    """
    raw = pc.utf8_lower(_norm_code(_arrow(s)))
    norm = _arrow(normalize_email(s))
    ex = pc.extract_regex(norm, r"^(?P<first>.)[^@]*@(?P<domain>.+)$")
    masked = pc.binary_join_element_wise(
        ex.field("first"), pa.scalar("***@", pa.large_string()), ex.field("domain"), _EMPTY
    )
    masked = _null_where(masked, ~_bool(ex.is_valid()))
    already = _bool(pc.match_substring_regex(raw, r"^[^@\s]*\*[^@\s]*@[^@\s]+$")) & _bool(pc.is_null(norm))
    out = pc.if_else(pa.array(already), raw, masked)
    return _series(out, s.index, s.name)


# --------------------------------------------------------------------------
# keyed hash
# --------------------------------------------------------------------------


def keyed_hash(s: pd.Series, key: bytes, *, only_valid: bool = True) -> pd.Series:
    """HMAC-SHA256 (first 32 hex characters) of normalised resident ID numbers.

    Values are normalised as in :func:`validate_resident_id`; legacy 15-digit
    numbers are first upgraded to their 18-digit form (``19`` inserted, check
    character added) so both forms of one person's number hash alike.
    Masked values are never hashed (NA): many people share a masked form
    and one hash would merge them. With ``only_valid`` (default) invalid
    values are NA too; with ``only_valid=False`` they are hashed as they are.
    Hashing runs once per distinct value.

    >>> h = keyed_hash(pd.Series(["11010519491231002x", "110105491231002", "330222************"]), b"k")
    >>> h.iloc[0] == h.iloc[1], len(h.iloc[0]), h.iloc[2]
    (True, 32, nan)
    """
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("key must be non-empty bytes")
    v = validate_resident_id(s)
    arr = _arrow(v["value"])
    kind = v["kind"].to_numpy()
    legacy = kind == "legacy"
    if legacy.any():
        leg = arr.filter(pa.array(legacy))
        p17 = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(leg, 0, 6), pa.scalar("19", pa.large_string()),
            pc.utf8_slice_codeunits(leg, 6, 15), _EMPTY,
        )
        mat = _fixed_width(p17, 17).astype(np.int64) - 48
        chk = _ID_CHECK_BYTES[(mat @ _ID_W) % 11].view("S1").astype(str)
        up = pc.binary_join_element_wise(p17, pa.array(chk, pa.large_string()), _EMPTY)
        arr = pc.replace_with_mask(arr, pa.array(legacy), up)
    use = (kind == "valid") | legacy
    if not only_valid:
        use |= kind == "invalid"
    arr = _null_where(arr, ~use)
    uniq, codes = _factorize(arr)
    # HMAC (RFC 2104) with the padded-key states computed once and copied
    # per value: same result as hmac.new(key, value, sha256), ~2x faster
    k = bytes(key)
    if len(k) > 64:
        k = hashlib.sha256(k).digest()
    k = k.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
    digests: list[str] = []
    append = digests.append
    for u in uniq.to_pylist():
        h = inner.copy()
        h.update(u.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        append(o.hexdigest()[:32])
    out = _take_arrow(pa.array(digests, pa.large_string()), codes)
    return _series(out, s.index, s.name)
