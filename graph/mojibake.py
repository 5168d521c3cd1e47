"""Mojibake: text decoded with the wrong encoding (UTF-8 read as GBK, GBK or cp1252 read as
Latin-1, double-encoded UTF-8), detected so that it is reported instead of loaded as names, and
repaired where the bytes allow it."""
from __future__ import annotations

import contextlib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from creditgraph.graph.normalize import (  # the shared Arrow plumbing
    _arrow, _bool, _clean, _series,
)


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
