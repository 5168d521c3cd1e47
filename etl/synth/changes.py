"""A flagged change extract derived from a canonical source, for refresh tests and benchmarks.

``change_extract(src, out, fraction)`` picks ``fraction`` of the enterprises,
legal representatives, shareholdings and penalty events of ``src`` and writes
a canonical extract with change flags: enterprise updates (new address and
capital), inserts (new valid USCCs), deletes and unchanged re-sends; penalty
credit repairs (信用修复), list removals, deletes and new events; legal
representatives replaced (a delete row plus an insert row); shareholdings
with a new paid-in amount. Enterprises picked for deletion are kept out of
every other change. Vectorised throughout.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from creditgraph.etl.synth import generate
>>> d = Path(tempfile.mkdtemp())
>>> _ = generate(2000, seed=3, out=d / "src")
>>> plan = change_extract(d / "src", d / "chg", fraction=0.05, seed=1)
>>> plan["enterprises"]["delete"] > 0 and plan["penalties"]["repaired"] > 0
True
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv

from creditgraph.graph.identifiers import make_uscc

STAMP = "2026-07-01 08:00:00"  # later than any synthetic updated_at


def _read(path: Path) -> pd.DataFrame:
    """Every column as text, empty cells as empty strings (as the source wrote them)."""
    with open(path, encoding="utf-8-sig") as fh:
        cols = fh.readline().rstrip("\r\n").split(",")
    tbl = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(newlines_in_values=True),
                        read_options=pcsv.ReadOptions(block_size=1 << 26),
                        convert_options=pcsv.ConvertOptions(column_types={c: "string" for c in cols},
                                                            strings_can_be_null=False))
    return tbl.to_pandas().astype("string")


def _pick(rng, n: int, k: int) -> np.ndarray:
    return rng.choice(n, size=min(k, n), replace=False) if n else np.array([], dtype=int)


def change_extract(src: str | Path, out: str | Path, fraction: float = 0.01, seed: int = 0) -> dict:
    """Write a flagged change extract of ``src`` into ``out``; returns what was planted."""
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan: dict = {}

    ent = _read(src / "enterprises.csv")
    ent = ent[ent["uscc"].str.len() == 18].reset_index(drop=True)  # rows keyed by a USCC
    k = max(5, int(len(ent) * fraction))
    idx = _pick(rng, len(ent), k)
    n_upd, n_ins, n_del = int(k * 0.5), int(k * 0.2), int(k * 0.1)
    upd, ins, dele, same = idx[:n_upd], idx[n_upd:n_upd + n_ins], idx[n_upd + n_ins:n_upd + n_ins + n_del], idx[n_upd + n_ins + n_del:]
    deleted = set(ent["uscc"].iloc[dele])
    u = ent.iloc[upd].copy()
    u["address"] = u["address"].fillna("") + "(迁址)"
    u["capital"] = "999(万元人民币)"
    u["change_flag"] = "u"
    i = ent.iloc[ins].copy()
    seq = pd.Series(np.arange(len(i)), index=i.index).map("{:07d}".format)
    if len(i):  # 91 + division + "MAY" + sequence: a valid USCC no synthetic one has
        i["uscc"] = make_uscc("91" + i["uscc"].str.slice(2, 8) + "MAY" + seq.str.slice(1, 7))
    i["reg_no"] = ""
    i["subject_id"] = ""
    i["name"] = i["name"] + "(新设)"
    i["change_flag"] = "i"
    d = ent.iloc[dele].copy()
    d["change_flag"] = "d"
    s = ent.iloc[same].copy()
    s["change_flag"] = "u"
    rows = pd.concat([u, i, d, s])
    rows["updated_at"] = STAMP
    rows.to_csv(out / "enterprises.csv", index=False)
    plan["enterprises"] = {"update": len(u), "insert": len(i), "delete": len(d), "resent": len(s),
                           "updated_uids": u["uscc"].tolist(), "inserted_uids": i["uscc"].tolist(),
                           "deleted_uids": d["uscc"].tolist()}
    del ent

    pen = _read(src / "penalties.csv")
    pen = pen[~pen["subject_uscc"].isin(deleted) & (pen["status"].isin(["active", ""]))
              & (pen["removed"].isin(["", "9999-9-9"]))].reset_index(drop=True)
    k = max(4, int(len(pen) * fraction))
    idx = _pick(rng, len(pen), k)
    q = len(idx) // 4
    rep, rem, pdel, pnew = idx[:q], idx[q:2 * q], idx[2 * q:3 * q], idx[3 * q:]
    r = pen.iloc[rep].copy()
    r[["status", "removed", "removal_reason", "change_flag"]] = ["repaired", "2026-06-01", "信用修复", "u"]
    m = pen.iloc[rem].copy()
    m[["status", "removed", "removal_reason", "change_flag"]] = ["removed", "2026-06-15", "期满移出", "u"]
    x = pen.iloc[pdel].copy()
    x["change_flag"] = "d"
    n = pen.iloc[pnew].copy()
    n["record_id"] = "NEW" + pd.Series(np.arange(len(n)), index=n.index).astype("string") + "-" + n["record_id"]
    n["decided"] = "2026-06-20"
    n["change_flag"] = "i"
    rows = pd.concat([r, m, x, n])
    rows["updated_at"] = STAMP
    rows.to_csv(out / "penalties.csv", index=False)
    code = {"administrative_penalty": "AP", "abnormal_operation": "AO", "serious_illegal": "SI", "dishonest_debtor": "DD"}
    uid = lambda f: (f["kind"].map(code) + ":" + f["record_id"]).tolist()  # noqa: E731
    plan["penalties"] = {"repaired": len(r), "removed": len(m), "delete": len(x), "insert": len(n),
                         "repaired_uids": uid(r), "removed_uids": uid(m), "deleted_uids": uid(x)}
    del pen

    lr = _read(src / "legal_reps.csv")
    lr = lr[~lr["enterprise_uscc"].isin(deleted) & (lr["enterprise_uscc"].str.len() == 18)].reset_index(drop=True)
    if "until" in lr:  # only roles held today are replaced
        lr = lr[lr["until"].isin(["", "N/A", "\\N"])].reset_index(drop=True)
    k = max(2, int(len(lr) * fraction))
    old = lr.iloc[_pick(rng, len(lr), k)].copy()
    old = old.drop_duplicates(["enterprise_uscc", "person_name"])
    old["change_flag"] = "d"
    new = old.copy()
    new[["person_name", "id_no", "mobile", "phone", "email", "change_flag"]] = ["接任者", "", "", "", "", "i"]
    if "since" in new:  # no start given: the role starts on the refresh's effective date (docs/time.md)
        new["since"] = ""
    new["person_name"] = "新任" + old["person_name"].str.slice(0, 1)
    rows = pd.concat([old, new])
    rows["updated_at"] = STAMP
    rows.to_csv(out / "legal_reps.csv", index=False)
    plan["legal_reps"] = {"replaced": len(old)}
    del lr

    sh = _read(src / "shareholders.csv")
    sh = sh[~sh["enterprise_uscc"].isin(deleted) & (sh["enterprise_uscc"].str.len() == 18)].reset_index(drop=True)
    k = max(2, int(len(sh) * fraction))
    s = sh.iloc[_pick(rng, len(sh), k)].copy()
    s["paid"] = s["subscribed"]
    s["paid_date"] = "2026-06-30"
    s["change_flag"] = "u"
    s["updated_at"] = STAMP
    s.to_csv(out / "shareholders.csv", index=False)
    plan["shareholders"] = {"update": len(s)}
    plan["rows"] = sum(v.get("update", 0) + v.get("insert", 0) + v.get("delete", 0) + v.get("resent", 0)
                       + v.get("repaired", 0) + v.get("removed", 0) + 2 * v.get("replaced", 0)
                       for v in plan.values() if isinstance(v, dict))
    return plan
