"""Dates, registered capital and ratios as real extracts write them (``2008-6-16``, ``9999-9-9``,
``51.8000(万元人民币)``, ``13(万美元)``, ``35%``), parsed column-wise on Arrow arrays."""
from __future__ import annotations
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from creditgraph.graph.normalize import (  # the shared Arrow plumbing
    _DIGIT, _EMPTY, _HALFWIDTH_TABLE, _TEXT_TABLE, _WS_RE, _arrow, _bool, _clean, _distinct, _factorize, _fixed, _null_where, _series, _take, _take_arrow, _translate,
)


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
