"""The validate and read fast paths give what the straightforward computation gives (issue: 1M ETL ≤ 120 s).

Each fast path (a subset, a byte matrix, a narrow sort) is checked against the plain form of the same
rule on values built to hit its edges."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.etl import encoding as enc
from creditgraph.etl.report import RejectReport
from creditgraph.etl.transform import Cleaner, _seconds_of_day
from creditgraph.graph import identifiers as ids
from creditgraph.graph import normalize as nz

_PIECES = ["", " ", "N/A", "Ｎ/Ａ", "ｎｕｌｌ", " null ", "\u3000", "\u3000无\u3000", "\u00a0-\u00a0", "abc", "有限公司",
           "\u2003NULL\u2003", "\ufeffN/A", "\u2028\\N\u2029", "\t\n", "杭州市西湖区\u3000", "NA\u202f", "x" * 20]


def _plain_missing(arr: pa.Array) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(arr)
    hw = nz._translate(trimmed, nz._HALFWIDTH_TABLE)
    m = nz._bool(pc.is_in(trimmed, value_set=nz._MISSING_SET)) | nz._bool(pc.is_in(hw, value_set=nz._MISSING_SET))
    return m | nz._bool(pc.is_null(arr))


def test_missing_mask_on_a_subset_is_the_whole_column_rule():
    rnd = random.Random(1)
    vals = [rnd.choice(_PIECES) + (rnd.choice(_PIECES) if rnd.random() < .3 else "") for _ in range(3000)]
    vals += [f"杭州市西湖区某某有限公司{i}" for i in range(9000)] + [None] * 50
    rnd.shuffle(vals)
    arr = pa.array(vals, pa.large_string())
    assert nz._maybe_missing(arr) is not None  # the subset path is the one under test
    assert np.array_equal(nz._missing_mask(arr), _plain_missing(arr))
    part = arr.slice(17, 8000)
    assert np.array_equal(nz._missing_mask(part), _plain_missing(part))


def test_rows_with_chars_at_the_end_of_the_buffer():
    arr = pa.array(["a", "b\u3000", "  ", "x\u00a0", " ", None, "杭州 ", "\u2028"], pa.large_string())
    got = nz._rows_with_chars(arr, nz._WS_ASCII, [*nz._WS_CHARS, "  "])
    assert got.tolist() == [False, True, True, True, False, False, False, True]


def test_classify_id_checks_agrees_with_the_single_checks():
    s = pd.Series(["11010519491231002X", "913303817345395239", "110108000000016", "E12345678", "12345678901",
                   "3302**********1234", None, "１１０１０５１９４９１２３１００２ｘ", "ab123456", "110105491231002"],
                  dtype="string")
    kind, pid, code = ids.classify_id_checks(s)
    pd.testing.assert_frame_equal(pid, ids.validate_resident_id(s))
    pd.testing.assert_frame_equal(code, ids.validate_uscc(s))
    assert kind.tolist() == ["resident_id", "uscc", "reg_no", "passport", "other", "resident_id_masked", "missing",
                             "resident_id", "passport", "reg_no"]
    assert kind.dtype == pd.Series([], dtype="string").dtype
    declared = pd.Series(["护照", None, "身份证", "营业执照", "", "", "", "", "其他", ""], dtype="string")
    again, _, _ = ids.classify_id_checks(s, declared, pid=pid)
    pd.testing.assert_series_equal(again, ids.classify_id(s, declared))


def test_seconds_of_day_fixed_width_and_regex_forms():
    text = pd.Series(["2024-05-01 12:30:07", "2024/05/01T01:02:03", "2024-05-01 1:2:3", "2024年5月1日 8时05分",
                      None, "2024-05-0112:30:00", "2024-05-01X12:30:00", "2024-05/01 12:30:00"], dtype="string")
    assert _seconds_of_day(text).tolist() == [45007, 3723, 3723, 28800 + 300, 0, 45000, 45000, 45000]


def _record_ends(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """One past each record's end: newlines outside quotes, and the end of the buffer."""
    nl = np.flatnonzero(a == 10)
    ends = (nl[(np.searchsorted(q, nl) % 2) == 0] if len(q) else nl) + 1
    return ends if len(ends) and ends[-1] == len(a) else np.append(ends, len(a))


def _plain_fields(b: bytes, d: int) -> list[int]:
    a = np.frombuffer(b, dtype=np.uint8)
    q = np.flatnonzero(a == 34)
    ends = _record_ends(a, q)
    dpos = np.flatnonzero(a == d)
    dpos = dpos[(np.searchsorted(q, dpos) % 2) == 0] if len(q) else dpos
    return (np.bincount(np.searchsorted(ends, dpos, side="right"), minlength=len(ends)) + 1).tolist()


def test_fields_per_record_outside_quotes():
    for b in (b'a,b,c\n1,"x,y",3\n"multi\nline,",2,3\n4,5', b'a,b\n"open,quote\n1,2\n', b"a\n\n1,2,3\n", b'"a,b"'):
        a = np.frombuffer(b, dtype=np.uint8)
        q = np.flatnonzero(a == 34)
        ends = _record_ends(a, q)
        starts = np.concatenate([[0], ends[:-1]])
        got, _ = enc._fields_per_record(a, 44, q, starts)
        assert got.tolist() == _plain_fields(b, 44), b


def test_utf8_check_matches_python_decoding():
    for raw in (b"abc", "杭州".encode(), b"\xed\xa0\x80", b"\xc0\xaf", b"\xe6\x9d", b"\xf4\x90\x80\x80", b""):
        try:
            raw.decode("utf-8")
            ok = True
        except UnicodeDecodeError:
            ok = False
        assert enc._utf8_ok(raw) is ok, raw


def test_dedupe_keeps_the_latest_and_the_row_order():
    df = pd.DataFrame({"uid": ["a", "b", "a", "c", "b"], "v": [1, 2, 3, 4, 5],
                       "updated_at": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01", None, "2024-01-01"]),
                       "_file": "f.csv", "_row": [2, 3, 4, 5, 6]}, index=[10, 11, 12, 13, 14])
    report = RejectReport()
    out = Cleaner(report, {})._dedupe(df, "t", ["uid"])
    assert out.index.tolist() == [10, 13, 14] and out["v"].tolist() == [1, 4, 5]
    assert report.frame()["row"].tolist() == [3, 4]  # the losers, in the order of the sort
