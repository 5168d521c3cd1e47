"""Tests for graph.normalize: missing tokens, text, names, dates, capital, mojibake, phone, e-mail."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditgraph.graph.mojibake import detect_mojibake
from creditgraph.graph.normalize import (
    MISSING,
    clean_missing,
    name_key,
    normalize_email,
    normalize_phone,
    normalize_text,
    to_halfwidth,
)
from creditgraph.graph.parse_values import parse_capital, parse_dates, parse_ratio


def test_clean_missing_tokens():
    values = sorted(MISSING) + ["  ", "\t", " N/A ", "Ｎ/Ａ", "\u3000", "abc", " x ", "0", None]
    r = clean_missing(pd.Series(values, dtype=object))
    n = len(MISSING)
    assert r.iloc[: n + 5].isna().all()
    assert r.iloc[n + 5: n + 8].tolist() == ["abc", " x ", "0"]  # unchanged, not stripped
    assert pd.isna(r.iloc[-1])


def test_to_halfwidth_all_fullwidth_ascii():
    full = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
    half = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
    assert to_halfwidth(pd.Series([full, "杭州（中国）", None])).tolist()[:2] == [half, "杭州(中国)"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_to_halfwidth_matches_reference(text):
    ref = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else (" " if c == "\u3000" else c) for c in text)
    assert to_halfwidth(pd.Series([text, "x" + text])).tolist() == [ref, "x" + ref]


def test_normalize_text():
    r = normalize_text(pd.Series(["  ABC科技（杭州）\u3000 有限公司【分部】［1］ ", "a\u00a0\u00a0b\u200bc", None]))
    assert r.tolist()[:2] == ["ABC科技(杭州) 有限公司[分部][1]", "a bc"]


def test_name_key():
    r = name_key(pd.Series([
        "abc科技（杭州）有限责任公司", "ABC科技 杭州 有限公司", "ABC科技(杭州)有限公司",
        "杭州甲乙股份公司", "杭州甲乙股份有限公司",
        "杭州甲乙有限公司宁波分公司", "杭州甲乙贸易有限公司",
        "·、。", "N/A",
    ]))
    assert r.iloc[0] == r.iloc[1] == r.iloc[2] == "ABC科技杭州有限公司"
    assert r.iloc[3] == r.iloc[4] == "杭州甲乙股份有限公司"
    assert r.iloc[5] == "杭州甲乙有限公司宁波分公司"  # branch stays a different key
    assert r.iloc[6] != r.iloc[4]
    assert r.iloc[7:].isna().all()


# ------------------------------------------------------------------ dates --

DATE_FORMS = [
    "2008-6-16", "2008-06-16", "2008/06/16", "2008/6/16", "20080616", "2008.06.16", "2008年6月16日",
    "2008-06-16 12:30:00", "2008-06-16T12:30:00", "2008-06-16 12:30:00.0", " 2008-06-16 ",
    "２００８－０６－１６", "2008年06月16日 12时30分", "2008-06-16 12:30",
]


def test_parse_dates_formats():
    r = parse_dates(pd.Series(DATE_FORMS))
    assert (r["date"] == pd.Timestamp("2008-06-16")).all()
    assert not r["invalid"].any() and not r["open_ended"].any()
    assert str(r["date"].dtype) == "datetime64[us]"


def test_parse_dates_sentinels_invalid_missing():
    s = pd.Series(["9999-9-9", "9999-12-31", "99991231", "2019-02-30", "1899-12-31", "2008-13-01",
                   "abc", "2008-6", "N/A", "\n", "", None, "2020-02-29", "2019-02-29"])
    r = parse_dates(s)
    assert r["open_ended"].tolist() == [True] * 3 + [False] * 11
    assert r["invalid"].tolist() == [False] * 3 + [True] * 5 + [False] * 4 + [False, True]
    assert r["date"].iloc[12] == pd.Timestamp("2020-02-29")
    assert r["date"].drop(index=12).isna().all()


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()),
       st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S",
                        "{y}-{m}-{d}", "{y}/{m}/{d}"]))
def test_parse_dates_roundtrip(day, fmt):
    text = fmt.format(y=day.year, m=day.month, d=day.day) if "{" in fmt else pd.Timestamp(day).strftime(fmt)
    r = parse_dates(pd.Series([text, "2001-01-01"]))  # a second value so the frame is not trivial
    assert r["date"].iloc[0] == pd.Timestamp(day)
    assert not r["invalid"].iloc[0]


def test_parse_dates_passes_datetime_through():
    s = pd.Series(pd.to_datetime(["2008-06-16 12:00", None]))
    r = parse_dates(s)
    assert r["date"].iloc[0] == pd.Timestamp("2008-06-16") and pd.isna(r["date"].iloc[1])


# ---------------------------------------------------------------- capital --

CAPITAL_CASES = [
    ("51.8000(万元人民币)", 518000, "CNY"),
    ("508(万)", 5080000, "CNY"),
    ("13(万美元)", 130000, "USD"),
    ("1,428(万元人民币)", 14280000, "CNY"),
    ("188万人民币", 1880000, "CNY"),
    ("100(万人民币 )", 1000000, "CNY"),
    ("24,013.5000( 万人民币元)", 240135000, "CNY"),
    ("50万日元", 500000, "JPY"),
    ("30(万欧元)", 300000, "EUR"),
    ("20(万香港元)", 200000, "HKD"),
    ("20万港币", 200000, "HKD"),
    ("90万英镑", 900000, "GBP"),
    ("300(万法国法郎)", 3000000, "OTHER"),
    ("160(万新加坡元)", 1600000, "OTHER"),
    ("50000", 50000, "CNY"),
    ("5000元", 5000, "CNY"),
    ("１，４２８（万元人民币）", 14280000, "CNY"),
    ("100万元整", 1000000, "CNY"),
    ("1.5亿元", 150000000, "CNY"),
    ("人民币100万元", 1000000, "CNY"),
    ("1E-06万人民币", 0.01, "CNY"),
    ("9(万人民币元)", 90000, "CNY"),
]


def test_parse_capital_examples():
    r = parse_capital(pd.Series([c[0] for c in CAPITAL_CASES]))
    assert not r["invalid"].any()
    np.testing.assert_allclose(r["amount"].to_numpy(), [c[1] for c in CAPITAL_CASES], rtol=1e-12)
    assert r["currency"].tolist() == [c[2] for c in CAPITAL_CASES]


def test_parse_capital_invalid_and_missing():
    s = pd.Series(["万人民币", "HAKAM MUNZER A", "-5", "100万股", "1,2,3", "凭相关有效证件经营)**",
                   "100万元人民币(其中货币50万)", "N/A", "", None, "无"])
    r = parse_capital(s)
    assert r["invalid"].tolist() == [True] * 7 + [False] * 4
    assert r["amount"].isna().all() and r["currency"].isna().all()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**7), st.integers(0, 9999),
       st.sampled_from([("{}(万元人民币)", 1e4, "CNY"), ("{}万人民币", 1e4, "CNY"), ("{}(万美元)", 1e4, "USD"),
                        ("{}(万)", 1e4, "CNY"), ("{}元", 1, "CNY"), ("{}", 1, "CNY")]),
       st.booleans())
def test_parse_capital_generated(whole, frac, form, commas):
    pattern, mult, cur = form
    num = f"{whole:,}" if commas else str(whole)
    text = pattern.format(f"{num}.{frac:04d}")
    r = parse_capital(pd.Series([text]))
    assert not r["invalid"].iloc[0]
    assert r["currency"].iloc[0] == cur
    assert r["amount"].iloc[0] == pytest.approx((whole + frac / 1e4) * mult, rel=1e-12)


RATIO_CASES = [
    ("35%", 0.35), ("35.00%", 0.35), ("1%", 0.01), ("1.00%", 0.01), ("0.5%", 0.005), ("100%", 1.0),
    ("0.35", 0.35), ("1", 1.0), ("35", 0.35), (" 12 ％ ", 0.12), ("１２．５％", 0.125), ("1e-2", 0.01),
]


def test_parse_ratio_percent_sign_always_means_percent():
    r = parse_ratio(pd.Series([c[0] for c in RATIO_CASES]))
    np.testing.assert_allclose(r.to_numpy(), [c[1] for c in RATIO_CASES], rtol=1e-12)


def test_parse_ratio_missing_and_invalid_are_nan():
    r = parse_ratio(pd.Series(["N/A", "", None, "约三成", "%", "1,5%", "12%%"], dtype="object"))
    assert r.isna().all()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10000))
def test_parse_ratio_generated_basis_points(bp):
    texts = [f"{bp / 100:g}%", f"{bp / 100:.2f}%", f"{bp / 10000:.4f}"]
    np.testing.assert_allclose(parse_ratio(pd.Series(texts)).to_numpy(), [bp / 10000] * 3, rtol=1e-12)


# --------------------------------------------------------------- mojibake --

NAMES = ["杭州市", "浙江省杭州市西湖区文三路", "中国石化销售有限公司浙江东阳三联加油站", "义乌市华健塑料厂",
         "宁波", "王伟", "余姚市临山镇前进电器厂", "杭州阿里巴巴网络技术有限公司", "河南省郑州市金水区"]


def _garble(name):
    b8 = name.encode("utf-8")
    return [
        name.encode("gbk").decode("latin-1"),
        name.encode("gbk").decode("cp1252", errors="replace"),
        b8.decode("gbk", errors="replace"),
        b8.decode("gb18030", errors="replace"),
        b8.decode("gb18030", errors="ignore"),
    ]


def test_detect_mojibake_flags_garbled_text():
    bad = [g for n in NAMES for g in _garble(n)] + ["abc\ufffd"]
    assert detect_mojibake(pd.Series(bad)).all(), [b for b, f in zip(bad, detect_mojibake(pd.Series(bad))) if not f]


def test_detect_mojibake_leaves_normal_text_alone():
    good = NAMES + ["ABC科技(杭州)有限公司", "Größe", "Informação", "Müller GmbH", "12345", "王琪",
                    "瑞安市鑫淼贸易有限公司", "××有限公司", "HAKAM MUNZER A", "9133050373524272 1D", "", None,
                    "凭相关有效证件经营)**", "加工、销售：塑料玩具、塑料杯、盒（以上经营范围不含印制）"]
    r = detect_mojibake(pd.Series(good, dtype=object))
    assert not r.any(), [g for g, f in zip(good, r) if f]
    assert r.dtype == bool


# ---------------------------------------------------------- phone, e-mail --


def test_normalize_phone():
    r = normalize_phone(pd.Series([
        "138-1234-5678", "+86 138 1234 5678", "008613812345678", "0571-88886666", "(0571)88886666转123",
        "+86 571 88886666", "13812345678;13912345678", "13812345678  13912345678", "400-800-1234",
        "88886666", "12345", "N/A", None, "１３８１２３４５６７８",
    ]))
    assert r.tolist()[:9] == ["13812345678", "13812345678", "13812345678", "057188886666", "057188886666",
                              "057188886666", "13812345678", "13812345678", "4008001234"]
    assert r.iloc[9:13].isna().all()
    assert r.iloc[13] == "13812345678"


def test_normalize_email():
    r = normalize_email(pd.Series([" Zhang.San@Example.COM ", "zhang＠qq.com", "a@b", "a b@c.com", "@x.com", "N/A"]))
    assert r.tolist()[:2] == ["zhang.san@example.com", "zhang@qq.com"]
    assert r.iloc[2:].isna().all()


# ---------------------------------------------------------------- speed ----


@pytest.mark.slow
def test_speed_1m_rows():
    rng = np.random.default_rng(2)
    n = 1_000_000
    forms = np.array(["{}(万元人民币)", "{}万人民币", "{}(万美元)", "{}(万)", "N/A"])
    caps = pd.Series([f.format(v) for f, v in zip(forms[rng.integers(0, len(forms), n)], rng.integers(1, 5000, n))])
    days = (np.datetime64("1980-01-01") + rng.integers(0, 15000, n)).astype(str)
    t = time.perf_counter()
    c = parse_capital(caps)
    t_cap = time.perf_counter() - t
    t = time.perf_counter()
    d = parse_dates(pd.Series(days))
    t_dates = time.perf_counter() - t
    assert not c["invalid"].any() and not d["invalid"].any()
    assert t_cap < 3 and t_dates < 3, (t_cap, t_dates)
