"""Tests for etl.encoding: encoding detection and the tolerant table reader."""
from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditgraph.etl.encoding import detect_encoding, detect_encoding_bytes, read_text_table

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"

ROWS = [
    ["91330503735242721D", "湖州市南浔区某某丝绸有限公司", "2008-6-16", "51.8000(万元人民币)"],
    ["92330281MA2ENBUA1R", "余姚市临山镇双雷电器配件厂", "N/A", "N/A"],
    ["330302000012345", "温州市鹿城区“东方”贸易商行", "2001/02/03", "1,428(万元人民币)"],
]
HEADER = ["统一社会信用代码", "企业名称", "注册日期", "注册资金"]


def _csv_text(rows=ROWS, header=HEADER, sep=",", newline="\n"):
    def q(v):
        return f'"{v}"' if (sep in v or '"' in v or "\n" in v) else v
    return newline.join(sep.join(q(v) for v in r) for r in [header, *rows]) + newline


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
])
def test_roundtrip_encodings(tmp_path, encoding, expected):
    p = tmp_path / f"t_{encoding}.csv"
    p.write_bytes(_csv_text().encode(encoding))
    assert detect_encoding(p) == expected
    df, problems = read_text_table(p)
    assert problems == []
    assert df.attrs["encoding"] == expected
    assert list(df.columns) == ["_row", *HEADER]
    assert df[HEADER].values.tolist() == ROWS
    assert df["_row"].tolist() == [2, 3, 4]
    assert df["注册日期"].iloc[1] == "N/A"  # kept as text for clean_missing
    assert all(df[c].dtype == "str" for c in HEADER)


def test_detect_truncated_multibyte_at_sample_end(tmp_path):
    text = "名称\n" + "杭州市西湖区" * 1000 + "\n"
    p = tmp_path / "u.csv"
    p.write_bytes(text.encode("utf-8"))
    # cut the sample inside a 3-byte character
    for cut in (100, 101, 102):
        assert detect_encoding(p, sample_bytes=cut) == "utf-8"
    g = tmp_path / "g.csv"
    g.write_bytes(text.encode("gb18030"))
    for cut in (99, 100, 101):
        assert detect_encoding(g, sample_bytes=cut) == "gb18030"


def test_detect_other_encodings_fall_back():
    assert detect_encoding_bytes(b"name,city\nabc,def\n") == "utf-8"
    assert detect_encoding_bytes("a,b\n".encode("utf-16")) == "utf-16"


def test_mixed_encoding_lines_recovered(tmp_path):
    lines = ["名称,城市"] + [f"杭州第{i}厂,杭州" for i in range(50)]
    raw = ("\n".join(lines) + "\n").encode("utf-8") + "宁波甲乙厂,宁波\n".encode("gbk") + "温州厂,温州\n".encode("utf-8")
    p = tmp_path / "mixed.csv"
    p.write_bytes(raw)
    df, problems = read_text_table(p)
    assert df.attrs["encoding"] == "utf-8"
    assert df["名称"].iloc[-2:].tolist() == ["宁波甲乙厂", "温州厂"]
    assert [pr["row"] for pr in problems] == [52]
    assert "gb18030" in problems[0]["reason"]


def test_delimiters(tmp_path):
    for sep, suffix in ((",", ".csv"), ("\t", ".tsv"), ("|", ".txt"), ("\t", ".csv")):
        p = tmp_path / f"d{suffix}"
        rows = [r[:-1] + ["1,428(万元人民币)"] for r in ROWS]
        p.write_text(_csv_text(rows, sep=sep), encoding="utf-8")
        df, problems = read_text_table(p)
        assert problems == [] and df.attrs["delimiter"] == sep
        assert df["注册资金"].tolist() == ["1,428(万元人民币)"] * 3


def test_row_numbers_with_blank_and_multiline_records(tmp_path):
    text = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,3\r\n"4",""""\r\n'
    p = tmp_path / "m.csv"
    p.write_bytes(text.encode())
    df, problems = read_text_table(p)
    assert problems == []
    assert df["_row"].tolist() == [2, 5, 6]
    assert df["b"].tolist() == ["x\r\ny", "3", '"']


def test_truncated_last_line_reported_not_raised(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(_csv_text()[:-25], encoding="utf-8")  # cut inside the last record
    df, problems = read_text_table(p)
    assert df["_row"].tolist() == [2, 3]
    assert len(problems) == 1 and problems[0]["row"] == 4
    assert "truncated" in problems[0]["reason"]


def test_unterminated_quote_reported(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a,b\n1,2\n3,"abc\ndef\n', encoding="utf-8")
    df, problems = read_text_table(p)
    assert df["_row"].tolist() == [2]
    assert problems[0]["row"] == 3 and "unterminated" in problems[0]["reason"]


def test_bad_field_counts_reported_and_left_out(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("a,b\n1,2\n5,000(万元),x\n4,5\n6\n", encoding="utf-8")
    df, problems = read_text_table(p)
    assert df["_row"].tolist() == [2, 4]
    assert [(pr["row"], pr["reason"], pr["dropped"]) for pr in problems] == [
        (3, "expected 2 fields, found 3", True), (5, "expected 2 fields, found 1 (truncated last line?)", True)]


def test_irregular_quotes_use_exact_fallback(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text('a,b\n1,x"y\n2,"q"r\n3,4\n', encoding="utf-8")
    df, problems = read_text_table(p)
    assert problems == []
    assert df["b"].tolist() == ['x"y', "qr", "4"]
    assert df["_row"].tolist() == [2, 3, 4]


def test_replacement_characters_reported(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("a,b\nok,1\n\ufffd\ufffd,2\n", encoding="utf-8")
    df, problems = read_text_table(p)
    assert len(df) == 2 and [(pr["row"], pr["dropped"]) for pr in problems] == [(3, False)]


def test_ten_megabyte_field(tmp_path):
    big = "经营范围" * (10 * 1024 * 1024 // 12 + 1)  # > 10 MB of UTF-8
    p = tmp_path / "big.csv"
    p.write_text(f'a,b\n1,"{big}"\n2,x\n', encoding="utf-8")
    df, problems = read_text_table(p)
    assert problems == [] and df["b"].iloc[0] == big and df["_row"].tolist() == [2, 3]
    p2 = tmp_path / "big2.csv"  # the same through the csv-module fallback (stray quote)
    p2.write_text(f'a,b\n1,"{big}"\n2,x"y\n', encoding="utf-8")
    df2, problems2 = read_text_table(p2)
    assert problems2 == [] and df2["b"].tolist() == [big, 'x"y']


def test_gzip_csv(tmp_path):
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(_csv_text().encode("gb18030")))
    df, problems = read_text_table(p)
    assert df[HEADER].values.tolist() == ROWS and df.attrs["encoding"] == "gb18030"


def test_xlsx(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([])  # table starts on row 2, column B
    ws.append([None, *HEADER])
    ws.append([None, *ROWS[0]])
    ws.append([])
    ws.append([None, ROWS[1][0], ROWS[1][1], pd.Timestamp("2008-06-16").to_pydatetime(), 508.0])
    ws.append([None, "x", "y", "z", 1.5, "beyond"])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    df, problems = read_text_table(p)
    assert list(df.columns) == ["_row", *HEADER]
    assert df["_row"].tolist() == [3, 5, 6]
    assert df.iloc[1, 1:].tolist() == [ROWS[1][0], ROWS[1][1], "2008-06-16", "508"]
    assert df["注册资金"].iloc[2] == "1.5"
    assert problems == [{"dropped": False, "row": 6, "reason": "values right of the last header column ignored"}]


def test_jsonl_and_json_array(tmp_path):
    p = tmp_path / "t.jsonl"
    lines = [json.dumps({"code": "91330503735242721D", "capital": 51.80, "n": 7}, ensure_ascii=False),
             "",
             json.dumps({"code": "x", "capital": None, "tags": [1, "a"]}),
             '{"code": "trunc']
    p.write_text("\n".join(lines), encoding="utf-8")
    df, problems = read_text_table(p)
    assert df["_row"].tolist() == [1, 3]
    assert df["capital"].iloc[0] == "51.8" and pd.isna(df["capital"].iloc[1])
    assert df["tags"].iloc[1] == '[1, "a"]'
    assert problems[0]["row"] == 4 and "truncated" in problems[0]["reason"]
    q = tmp_path / "t.json"
    q.write_text(json.dumps([{"a": 1}, {"a": "2", "b": True}, 3]), encoding="utf-8")
    df, problems = read_text_table(q)
    assert df["a"].tolist() == ["1", "2"] and df["b"].iloc[1] == "true"
    assert df["_row"].tolist() == [1, 2] and problems[0]["row"] == 3


def test_parquet(tmp_path):
    src = pd.DataFrame({"code": ["91330503735242721D", None], "n": pd.array([508, None], dtype="Int64"),
                        "d": pd.to_datetime(["2008-06-16", None])})
    p = tmp_path / "t.parquet"
    src.to_parquet(p)
    df, problems = read_text_table(p)
    assert problems == [] and df["_row"].tolist() == [1, 2]
    assert df["n"].iloc[0] == "508" and df["d"].iloc[0].startswith("2008-06-16")
    assert df.iloc[1, 1:].isna().all()


_FIELD = st.text(alphabet=st.sampled_from(list('ab 杭州,"\n\r|\t1-')), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ncols=st.integers(1, 4), data=st.data(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_csv_roundtrip_property(tmp_path, ncols, data, encoding):
    """Whatever csv.writer produces (quotes, delimiters, CR/LF inside quoted
    fields, CRLF line ends) reads back identically, with the line each
    record starts on."""
    header = [f"c{i}" for i in range(ncols)]
    rows = data.draw(st.lists(st.lists(_FIELD, min_size=ncols, max_size=ncols), max_size=6))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # quotes fields holding CR or LF
    w.writerow(header)
    starts, line = [], 2
    for r in rows:
        before = buf.tell()
        w.writerow(r)
        starts.append(line)
        line += buf.getvalue()[before:].count("\n")
    p = tmp_path / "prop.csv"
    p.write_bytes(buf.getvalue().encode(encoding))
    df, problems = read_text_table(p)
    assert problems == []
    assert df[header].values.tolist() == rows
    assert df["_row"].tolist() == starts


def test_only_str_dtype():
    with pytest.raises(NotImplementedError):
        read_text_table("x.csv", dtype=object)


# ------------------------------------------------------------- real data --


@pytest.mark.realdata
@pytest.mark.skipif(not (REALDATA / "registry").is_dir(),
                    reason=f"real registry rows not available at {REALDATA} (not shipped with the repository)")
def test_realdata_registry():
    from creditgraph.graph.identifiers import validate_uscc
    from creditgraph.graph.mojibake import detect_mojibake
    from creditgraph.graph.normalize import clean_missing
    from creditgraph.graph.parse_values import parse_capital, parse_dates

    files = sorted((REALDATA / "registry").glob("*/*.csv"))
    assert files
    frames, problems = [], []
    for f in files:
        df, pr = read_text_table(f)
        assert df["_row"].is_monotonic_increasing and df["_row"].min() >= 2
        frames.append(df)
        problems += pr
    df = pd.concat(frames, ignore_index=True)
    n = len(df)
    assert n > 170_000

    kinds = validate_uscc(df["统一社会信用代码"])["kind"].value_counts()
    shares = (kinds / n).round(5).to_dict()
    print("USCC kinds:", shares, "reader problems:", len(problems))
    assert kinds.sum() == n and set(kinds.index) <= {"uscc", "uscc_invalid", "reg_no", "other", "missing"}
    assert kinds.get("uscc", 0) / n > 0.99

    cap = parse_capital(df["注册资金"])
    present = clean_missing(df["注册资金"]).notna().to_numpy()
    parsed = cap["amount"].notna().to_numpy()
    invalid = cap["invalid"].to_numpy()
    assert (parsed | invalid)[present].all()  # every non-missing string parses or is counted invalid
    assert not (parsed | invalid)[~present].any()
    share = invalid.sum() / present.sum()
    print(f"capital invalid share: {share:.4%} ({invalid.sum()} of {present.sum()})")
    assert share < 0.01

    dates = parse_dates(df["注册日期"])
    assert dates["invalid"].mean() < 0.01
    assert dates["date"].dropna().between(pd.Timestamp("1978-01-01"), pd.Timestamp("2005-01-01")).all()

    moj = detect_mojibake(df["企业名称"]).to_numpy()
    fffd = df["企业名称"].str.contains("\ufffd", regex=False).to_numpy()
    assert (moj | ~fffd).all()  # every visibly damaged name is flagged
    assert moj.mean() < 0.01
    # reader reported the damaged and malformed rows rather than failing
    assert any("U+FFFD" in p["reason"] for p in problems)
    assert any(p["reason"].startswith("expected 10 fields") for p in problems)
