"""Tests for graph.identifiers: USCC and resident-ID validation, masks, hashing."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditgraph.graph.identifiers import (
    ID_CHECK,
    USCC_CHARSET,
    id_check_char,
    keyed_hash,
    make_resident_id,
    make_uscc,
    mask_email,
    mask_id,
    mask_phone,
    region_from_uscc,
    uscc_check_char,
    validate_resident_id,
    validate_uscc,
)

VALID_USCC = ["91330503735242721D", "92330281MA2ENBUA1R", "913303817345395239"]


def kinds(values):
    return validate_uscc(pd.Series(values, dtype=object))["kind"].tolist()


# ---------------------------------------------------------------- USCC ----


def test_domain_examples_are_valid():
    assert kinds(VALID_USCC) == ["uscc"] * 3
    for code in VALID_USCC:
        assert uscc_check_char(code[:17]) == code[17]
        assert make_uscc(code[:17]) == code


def test_lower_case_and_full_width_and_spaces_normalised():
    r = validate_uscc(pd.Series(["91330203674737244w", "９１３３０５０３７３５２４２７２１Ｄ", " 9133 0503 7352 4272 1D\t"]))
    assert r["value"].tolist() == ["91330203674737244W", "91330503735242721D", "91330503735242721D"]
    assert r["kind"].tolist() == ["uscc", "uscc", "uscc"]


def test_kinds():
    r = kinds([
        "91330503735242721E",  # bad check
        "91330503735242721I",  # letter outside the charset
        "913305037352427210",  # bad check
        "330302000012345",  # legacy registration number
        "3303021012389",  # other code
        "中国石化销售有限公司",  # text
        "91330503-735242721D",  # punctuation
        "N/A", "", None, "\\N", "  ",
    ])
    assert r == ["uscc_invalid", "uscc_invalid", "uscc_invalid", "reg_no", "other", "other", "other",
                 "missing", "missing", "missing", "missing", "missing"]


def test_index_and_dtypes_kept():
    s = pd.Series(VALID_USCC, index=[10, 20, 30], dtype="string")
    r = validate_uscc(s)
    assert list(r.index) == [10, 20, 30]
    assert r["kind"].dtype == "str"


@st.composite
def uscc_prefix(draw):
    return "".join(draw(st.lists(st.sampled_from(USCC_CHARSET), min_size=17, max_size=17)))


@settings(max_examples=200, deadline=None)
@given(uscc_prefix(), st.integers(0, 17), st.sampled_from(USCC_CHARSET))
def test_generated_uscc_valid_and_any_single_change_fails(prefix, pos, ch):
    code = make_uscc(prefix)
    changed = code[:pos] + ch + code[pos + 1:]
    r = kinds([code, changed])
    assert r[0] == "uscc"
    # GB 32100: weights are units mod 31, so any single substitution is caught
    assert r[1] == ("uscc" if changed == code else "uscc_invalid")


def test_every_single_change_of_domain_examples_fails():
    variants = []
    for code in VALID_USCC:
        for pos in range(18):
            for ch in USCC_CHARSET:
                if ch != code[pos]:
                    variants.append(code[:pos] + ch + code[pos + 1:])
    r = validate_uscc(pd.Series(variants))
    assert (r["kind"] == "uscc_invalid").all()


def test_make_uscc_series_matches_scalar():
    rng = np.random.default_rng(0)
    prefixes = ["".join(rng.choice(list(USCC_CHARSET), 17)) for _ in range(200)]
    vec = make_uscc(pd.Series(prefixes)).tolist()
    assert vec == [p + uscc_check_char(p) for p in prefixes]


def test_uscc_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc_check_char("9133050373524272")  # 16 characters
    with pytest.raises(ValueError):
        uscc_check_char("9133050373524272O")  # O not in the charset


def test_region_from_uscc():
    r = region_from_uscc(pd.Series(["91330503735242721D", "92330281MA2ENBUA1R", "91330503735242721E", "330302000012345", None]))
    assert r.tolist()[:2] == ["330503", "330281"]
    assert r.iloc[2:].isna().all()


@pytest.mark.slow
def test_validate_uscc_speed_1m():
    rng = np.random.default_rng(1)
    chars = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)
    mat = np.ascontiguousarray(chars[rng.integers(0, 31, (1_000_000, 17))])
    prefixes = pd.Series(mat.view("S17").ravel().astype(str))
    codes = make_uscc(prefixes)
    t = time.perf_counter()
    r = validate_uscc(codes)
    elapsed = time.perf_counter() - t
    assert (r["kind"] == "uscc").all()
    assert elapsed < 2.0, f"validate_uscc took {elapsed:.2f}s for 1M rows"


# ----------------------------------------------------------- resident ID ----

GB_EXAMPLE = "11010519491231002X"  # the example of GB 11643-1999


def test_resident_id_check_char():
    assert id_check_char(GB_EXAMPLE[:17]) == "X"
    assert make_resident_id("11010519491231002") == GB_EXAMPLE


def test_resident_id_kinds_region_birth():
    r = validate_resident_id(pd.Series([
        GB_EXAMPLE, GB_EXAMPLE.lower(), "110105194912310021",  # bad check
        "330222************", "3302**********123X", "33022219700101***X",
        "110105491231002", "110105491331002",  # legacy; legacy with month 13
        "11010519490230002X", "abc", "N/A", None,
    ]))
    assert r["kind"].tolist() == ["valid", "valid", "invalid", "masked", "masked", "masked",
                                  "legacy", "invalid", "invalid", "invalid", "missing", "missing"]
    assert r["value"].iloc[1] == GB_EXAMPLE
    region = r["region"].fillna("-").tolist()
    assert region == ["110105", "110105", "-", "330222", "-", "330222", "110105", "-", "-", "-", "-", "-"]
    assert r["birth"].iloc[0] == pd.Timestamp("1949-12-31")
    assert r["birth"].iloc[6] == pd.Timestamp("1949-12-31")
    assert r["birth"].iloc[5] == pd.Timestamp("1970-01-01")  # birth visible in the masked value
    assert r["birth"].iloc[[2, 3, 4, 7, 8, 9]].isna().all()
    assert r["birth_year"].iloc[0] == 1949 and pd.isna(r["birth_year"].iloc[3])
    assert str(r["birth"].dtype) == "datetime64[us]"
    assert str(r["birth_year"].dtype) == "Int64"


@st.composite
def resident_id(draw):
    region = draw(st.sampled_from(["110105", "330222", "410102", "370102", "330106"]))
    day = draw(st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2020-12-31").date()))
    seq = draw(st.integers(0, 999))
    return make_resident_id(f"{region}{day:%Y%m%d}{seq:03d}"), day


@settings(max_examples=200, deadline=None)
@given(resident_id(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_generated_ids_valid_and_single_change_caught(gen, pos, ch):
    pid, day = gen
    r = validate_resident_id(pd.Series([pid]))
    assert r["kind"].iloc[0] == "valid"
    assert r["birth"].iloc[0] == pd.Timestamp(day)
    if pos < 17 and ch == "X":
        ch = "0"
    changed = pid[:pos] + ch + pid[pos + 1:]
    if changed != pid:
        assert validate_resident_id(pd.Series([changed]))["kind"].iloc[0] == "invalid"


def test_check_string_order():
    assert ID_CHECK == "10X98765432"


# --------------------------------------------------------------- masks ----


def test_mask_id():
    r = mask_id(pd.Series(["330222197001011234", "33022219700101123x", "3302**********123X", "110105491231002", None]))
    assert r.tolist()[:4] == ["330222********1234", "330222********123X", "3302**********123X", "110105*****1002"]
    assert pd.isna(r.iloc[4])


def test_mask_phone_and_email():
    assert mask_phone(pd.Series(["13812345678", "+86 138 1234 5678", "138****5678"])).tolist() == \
        ["138****5678", "138****5678", "138****5678"]
    r = mask_email(pd.Series(["zhang@example.com", "Li.Si@Example.COM", "z***@example.com", "bad@", None]))
    assert r.tolist()[:3] == ["z***@example.com", "l***@example.com", "z***@example.com"]
    assert r.iloc[3:].isna().all()


# ---------------------------------------------------------------- hash ----


def test_keyed_hash():
    s = pd.Series([GB_EXAMPLE, GB_EXAMPLE.lower(), " 110105491231002 ", "330222************", "110105194912310021", None])
    h = keyed_hash(s, b"secret")
    assert len(h.iloc[0]) == 32 and all(c in "0123456789abcdef" for c in h.iloc[0])
    assert h.iloc[0] == h.iloc[1] == h.iloc[2]  # case and legacy form agree
    assert h.iloc[3:].isna().all()  # masked, invalid, missing: never hashed
    assert keyed_hash(s, b"other").iloc[0] != h.iloc[0]
    loose = keyed_hash(s, b"secret", only_valid=False)
    assert pd.notna(loose.iloc[4]) and pd.isna(loose.iloc[3])
    import hashlib
    import hmac
    assert h.iloc[0] == hmac.new(b"secret", GB_EXAMPLE.encode(), hashlib.sha256).hexdigest()[:32]
    long_key = bytes(range(100))  # longer than the SHA-256 block
    assert keyed_hash(s, long_key).iloc[0] == hmac.new(long_key, GB_EXAMPLE.encode(), hashlib.sha256).hexdigest()[:32]
    with pytest.raises(ValueError):
        keyed_hash(s, b"")
