"""Tests of the synthetic data generator (etl.synth).

The heart of it is an independent brute-force checker: it re-derives every
pattern definition from the written canonical files with pandas and plain
Python, over the whole data set (background included), and demands exact
equality with ground_truth.json.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from creditgraph.etl import synth
from creditgraph.etl.canonical import TABLES

ROOT = Path(synth.__file__).resolve().parents[1]  # etl/
KIND_CODE = {"administrative_penalty": "AP", "abnormal_operation": "AO", "serious_illegal": "SI", "dishonest_debtor": "DD"}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# --------------------------------------------------------------------------- independent validators


def uscc_ok(code: str) -> bool:
    code = code.upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(USCC_CHARS.index(c) * x for c, x in zip(code, w))
    return USCC_CHARS[(31 - s % 31) % 31] == code[17]


def id_ok(code: str) -> bool:
    if len(code) != 18 or not code[:17].isdigit():
        return False
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * x for c, x in zip(code, w)) % 11] == code[17].upper()


def is_person_id(code: str) -> bool:
    # resident IDs start with a province code (1-8); USCCs of market subjects start with 9
    return id_ok(code) and code[0] != "9"


_DATE = [re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})"),
         re.compile(r"^(\d{4})(\d{2})(\d{2})$")]


def parse_date(s: str):
    if not s or s in ("N/A", "\\N") or s.startswith("9999"):
        return None
    for rx in _DATE:
        m = rx.match(s)
        if m:
            return np.datetime64(f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}")
    raise AssertionError(f"unparseable date {s!r}")


def parse_ratio(s: str) -> float:
    s = s.strip()
    return float(s[:-1]) / 100 if s.endswith("%") else float(s)


# --------------------------------------------------------------------------- fixtures


def gen(tmp_path_factory, n, seed, **kw) -> tuple[Path, dict]:
    d = tmp_path_factory.mktemp(f"synth{n}_{seed}")
    synth.generate(n, seed, d, **kw)
    return d, json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return gen(tmp_path_factory, 10_000, 11, bad_rows=0.02)


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    return gen(tmp_path_factory, 20_000, 12, bad_rows=0.005)


def read(d: Path, name: str, gt: dict | None = None, drop_bad: bool = True) -> pd.DataFrame:
    df = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    if gt is not None and drop_bad:
        rows = {b["row"] for b in gt["bad_rows"] if b["file"] == f"{name}.csv"}
        df = df[~np.isin(df.index.to_numpy() + 2, sorted(rows))]
    return df


# --------------------------------------------------------------------------- the brute-force checker


MISSING = ("", "N/A", "\\N")


def shown(v: str) -> str:
    """An ID cell as the ground truth's ``id_shown`` writes it ("" for N/A / empty)."""
    return "" if v in MISSING else v


def record_keys(gt: dict) -> dict[tuple, str]:
    """(uscc, role, name, id shown) -> the planted person's true ID number, from the ground truth's records."""
    return {(r["uscc"], r["role"], r["name"], r["id_shown"] or ""): p["id_no"] for p in gt["people"] for r in p["records"]}


ENDED = ("注销", "吊销", "撤销", "迁出")


def _closed_by_changes(d: Path, gt: dict | None) -> dict[tuple[str, str], tuple]:
    """(enterprise subject id, holder name) -> (opened, closed) days that equity changes give (ratio from / to 0)."""
    eq = read(d, "equity_changes", gt)
    out: dict[tuple[str, str], list] = {}
    rows = sorted(zip(eq["enterprise_subject_id"], eq["holder_name"], [parse_date(v) for v in eq["change_date"]],
                      eq["ratio_before"], eq["ratio_after"]), key=lambda r: (r[0], r[1], r[2]))
    for e, name, day, before, after in rows:
        f_t = out.setdefault((e, name), [None, None])
        if before in ("", "N/A", "\\N") or parse_ratio(before) == 0:
            f_t[0] = day
        if after not in ("", "N/A", "\\N") and parse_ratio(after) == 0:
            f_t[1] = day
    return {k: tuple(v) for k, v in out.items()}


def holding_spans(d: Path, sh: pd.DataFrame, gt: dict | None) -> list[tuple]:
    """(since, until) of each shareholders row: its own dates, then what equity changes say (docs/time.md)."""
    changes = _closed_by_changes(d, gt)
    out = []
    for e, name, since, until in zip(sh["enterprise_subject_id"], sh["holder_name"], sh["since"], sh["until"]):
        f, t = parse_date(since), parse_date(until)
        cf, ct = changes.get((e, name), (None, None))
        out.append((cf if cf is not None else f, ct if ct is not None else t))
    return out


def in_span(day, f, t) -> bool:
    return (f is None or f <= day) and (t is None or day < t)


class Facts:
    """Everything the definitions need, read from canonical files with bad rows dropped.

    A person is their true ID number: for rows of planted people the ground
    truth's records say whose row it is (their IDs are masked or missing on
    many rows); any other row identifies a person only by a full valid ID.
    Roles are intervals [since, until) (docs/time.md); equity changes to 0 close
    a holding, from 0 open one. Roles "today" are the ones with no end.
    """

    def __init__(self, d: Path, gt: dict):
        planted = record_keys(gt)
        ent = read(d, "enterprises", gt)
        ent["key"] = ent["uscc"].str.upper()
        self.ent = {}
        for r in ent.itertuples(index=False):
            region = r.region if re.fullmatch(r"\d{6}", r.region) else r.key[2:8]
            self.ent[r.key] = {"status": r.status, "founded": parse_date(r.founded), "dissolved": parse_date(r.dissolved),
                               "region": region, "address": r.address, "phone": r.phone, "name": r.name}
        self.rep = defaultdict(set)  # person -> enterprises (legal rep today)
        self.spans = defaultdict(lambda: defaultdict(list))  # person -> enterprise -> [(role, since, until)]
        lr = read(d, "legal_reps", gt)
        for r in lr.itertuples(index=False):
            e = r.enterprise_uscc.upper()
            who = planted.get((e, "legal_rep", r.person_name, shown(r.id_no)))
            who = who or (r.id_no if is_person_id(r.id_no) else None)
            if r.is_legal_rep == "1" and who:
                f, t = parse_date(r.since), parse_date(r.until)
                self.spans[who][e].append(("legal_rep", f, t))
                if t is None:
                    self.rep[who].add(e)
        self.owned = defaultdict(set)  # corporate owner -> enterprises (today)
        self.holders = defaultdict(list)  # enterprise -> [(holder key, kind, ratio)] (today)
        self.holdings = []
        sh = read(d, "shareholders", gt)
        for r, (f, t) in zip(sh.itertuples(index=False), holding_spans(d, sh, gt)):
            e, hid = r.enterprise_uscc.upper(), r.holder_id.upper()
            who = planted.get((e, "shareholder", r.holder_name, shown(r.holder_id)))
            if who:
                hid = who
            elif not hid or hid in MISSING or "*" in hid:
                continue
            if who:
                kind = "person"
            elif r.holder_kind in ("企业法人", "法人股东") or (r.holder_kind == "" and not is_person_id(hid)):
                kind = "enterprise"
            elif is_person_id(hid):
                kind = "person"
            else:
                continue
            self.holdings.append((e, hid, kind, r.subscribed, r.paid))
            if kind == "person":
                self.spans[hid][e].append(("shareholder", f, t))
            if t is not None:
                continue
            if kind == "enterprise":
                self.owned[hid].add(e)
            ratio = parse_ratio(r.ratio) if r.ratio not in ("", "N/A", "\\N") else None
            self.holders[e].append((hid, kind, ratio))
        # roles today
        self.any = {p: {e: {ro for ro, _f, t in v if t is None} for e, v in ents.items() if any(t is None for *_x, t in v)}
                    for p, ents in self.spans.items()}
        pen = read(d, "penalties", gt)
        self.active = defaultdict(list)  # enterprise -> [(date, uid)]
        self.serious = defaultdict(list)  # enterprise -> [date of an active serious-illegal listing]
        self.events = {}
        for r in pen.itertuples(index=False):
            uid = f"{KIND_CODE[r.kind]}:{r.record_id}"
            self.events[uid] = r
            if r.status == "active":
                self.active[r.subject_uscc.upper()].append((parse_date(r.decided), uid))
                if r.kind == "serious_illegal":
                    self.serious[r.subject_uscc.upper()].append(parse_date(r.decided))
        for v in self.active.values():
            v.sort()

    # ---- definitions
    def shell_hubs(self) -> dict[str, set]:
        out = {}
        for p, ents in self.rep.items():
            ds = sorted(self.ent[e]["founded"] for e in ents if e in self.ent)
            if any((ds[i + 4] - ds[i]).astype(int) <= 180 for i in range(len(ds) - 4)):
                out[p] = set(ents)
        return out

    def repeat_enterprises(self) -> set:
        out = set()
        for e, evs in self.active.items():
            ds = [d for d, _ in evs]
            if any((ds[i + 2] - ds[i]).astype(int) <= 730 for i in range(len(ds) - 2)):
                out.add(e)
        return out

    def repeat_people(self) -> set:
        """Decision-date attribution: a role in office on the day of an active event of that enterprise."""
        def counted(p, e):
            return any(in_span(day, f, t) for day, _ in self.active.get(e, ()) for _ro, f, t in self.spans[p][e])

        return {p for p, ents in self.spans.items() if sum(1 for e in ents if counted(p, e)) >= 2}

    def repeat_people_old_rule(self) -> set:
        """Before history: roles today, any active event."""
        return {p for p, ents in self.any.items() if sum(1 for e in ents if self.active.get(e)) >= 2}

    def ended(self, a: str):
        """(day, signal) of an enterprise's end (definitions.company_end), or (None, None)."""
        info = self.ent[a]
        if info["status"] in ENDED:
            if info["dissolved"] is not None:
                return info["dissolved"], "dissolution_date"
            return max(d for d, _ in self.active[a]), "status"
        if self.serious.get(a):
            return max(self.serious[a]), "serious_illegal"
        return None, None

    def phoenix(self) -> dict:
        """(person, A, B) -> end signal, by the exit x = min(role end, A's end) (earliest qualifying exit)."""
        out: dict = {}
        for p, ents in self.spans.items():
            for a, spans in ents.items():
                if a not in self.ent or not self.active.get(a):
                    continue
                end, signal = self.ended(a)
                best: dict = {}
                for _ro, f, t in spans:
                    if end is not None and (t is None or end <= t):
                        x, sig = end, signal
                    elif t is not None:
                        x, sig = t, "role_end"
                    else:
                        continue
                    if not any(in_span(day, f, x) or 0 <= (day - x).astype(int) <= 365 for day, _ in self.active[a]):
                        continue
                    for b in self.rep.get(p, ()):
                        if b != a and b in self.ent:
                            gap = (self.ent[b]["founded"] - x).astype(int)
                            if 0 <= gap <= 365 and (b not in best or x < best[b][0]):
                                best[b] = (x, sig)
                for b, (_x, sig) in best.items():
                    out[(p, a, b)] = sig
        return out

    def phoenix_old_rule(self) -> set:
        out = set()
        for p, ents in self.any.items():
            for a in ents:
                if a not in self.ent or not self.active.get(a):
                    continue
                end, _ = self.ended(a)
                for b in self.rep.get(p, ()) if end is not None else ():
                    if b != a and b in self.ent and 0 <= (self.ent[b]["founded"] - end).astype(int) <= 365:
                        out.add((p, a, b))
        return out

    def cross_links(self) -> set:
        out = set()
        connectors = [(p, set(ents)) for p, ents in self.any.items()] + list(self.owned.items())
        for via, ents in connectors:
            hit = sorted(e for e in ents if self.active.get(e) and e in self.ent)
            for i in range(len(hit)):
                for j in range(i + 1, len(hit)):
                    ra, rb = self.ent[hit[i]]["region"], self.ent[hit[j]]["region"]
                    lv = "province" if ra[:2] != rb[:2] else "city" if ra[:4] != rb[:4] else "county" if ra != rb else None
                    if lv:
                        out.add((lv, hit[i], hit[j], via))
        return out

    def effective(self, target: str) -> dict:
        eff = defaultdict(float)

        def dfs(node, prod, seen):
            for h, kind, r in self.holders.get(node, ()):
                if h in seen:
                    continue
                if kind == "person" or not self.holders.get(h):
                    eff[(kind, h)] += prod * r
                else:
                    dfs(h, prod * r, seen | {h})

        dfs(target, 1.0, frozenset([target]))
        return dict(eff)


def check_against_truth(d: Path, gt: dict) -> None:
    f = Facts(d, gt)
    # shell clusters
    hubs = f.shell_hubs()
    assert {s["hub"]["id_no"] for s in gt["shell_clusters"]} == set(hubs)
    for s in gt["shell_clusters"]:
        members = set(s["members"])
        assert hubs[s["hub"]["id_no"]] == members
        assert {f.ent[e]["address"] for e in members} == {s["address"]}
        assert {f.ent[e]["phone"] for e in members} == {s["phone"]}
        assert s["address"] not in set(read(d, "cluster_addresses")["address"])
        listed = {e for e in members if any(f.events[u].kind == "abnormal_operation"
                                            and f.events[u].reason == synth.AO_UNREACHABLE for _, u in f.active.get(e, []))}
        assert listed == set(s["listed"]) and 2 * len(listed) >= len(members)
        for e, _hid, _kind, sub, paid in f.holdings:
            if e in members:
                assert money(paid) <= 0.05 * money(sub) + 1e-6
        owners_of = {e: {h for h, _, _ in f.holders[e]} for e in members}
        a, b = s["circular"]
        assert a in owners_of[b] and b in owners_of[a]
        for e in s["short_lived"]:
            info = f.ent[e]
            assert info["status"] in ("注销", "吊销") and (info["dissolved"] - info["founded"]).astype(int) <= 730
    # repeat offenders
    assert {x["uscc"] for x in gt["repeat_offenders"]["enterprise"]} == f.repeat_enterprises()
    for x in gt["repeat_offenders"]["enterprise"]:
        assert x["active_events"] == [u for _, u in f.active[x["uscc"]]]
    assert {x["id_no"] for x in gt["repeat_offenders"]["person"]} == f.repeat_people()
    old_rule = f.repeat_people_old_rule()
    assert {x["id_no"] for x in gt["repeat_offenders"]["person"] if x["time_only"]} == f.repeat_people() - old_rule
    # phoenix
    assert {(x["person"]["id_no"], x["a"]["uscc"], x["b"]["uscc"]): x["a"]["end_signal"] for x in gt["phoenix_cases"]} == f.phoenix()
    old_phx = f.phoenix_old_rule()
    assert all(x["time_only"] == ((x["person"]["id_no"], x["a"]["uscc"], x["b"]["uscc"]) not in old_phx)
               for x in gt["phoenix_cases"])
    # cross-region links
    truth = {(x["level"], x["a"]["uscc"], x["b"]["uscc"], x["via"]["id"]) for x in gt["cross_region_links"]}
    assert truth == f.cross_links()
    for x in gt["cross_region_links"]:
        assert set(x["a"]["active_events"]) == {u for _, u in f.active[x["a"]["uscc"]]}
    # equity chains
    for c in gt["equity_chains"]:
        eff = f.effective(c["target"]["uscc"])
        want = {(o["kind"], o["id"]): o["ratio"] for o in c["ultimate_owners"]}
        assert set(eff) == set(want), c["target"]
        for k, v in want.items():
            assert abs(eff[k] - v) <= 2e-9
        top = max(eff.items(), key=lambda kv: kv[1])
        assert (c["actual_controller"]["kind"], c["actual_controller"]["id"]) == top[0]
    # decoys are not flagged (already implied by the equalities) and look as promised
    clusters = read(d, "cluster_addresses")
    for c in gt["decoys"]["cluster_addresses"]:
        assert c["address"] in set(clusters["address"])
        hosted = [e for e, info in f.ent.items() if info["address"] == c["address"]]
        assert len(set(c["enterprises"])) >= 20 and set(hosted) <= set(c["enterprises"])
    for g in gt["decoys"]["large_groups"]:
        assert 10 <= len(g["subsidiaries"]) <= 30
        for s in g["subsidiaries"]:
            assert not f.active.get(s)
            assert any(h == g["parent"] and r >= 0.51 for h, _, r in f.holders[s])
    for x in gt["decoys"]["repaired_repeat"]:
        assert len(x["events"]) == 3 and sum(e["status"] == "active" for e in x["events"]) <= 1
        ds = sorted(np.datetime64(e["decided"]) for e in x["events"])
        assert (ds[-1] - ds[0]).astype(int) <= 730
    # successor decoys: the rule before history flags them, decision-date attribution does not
    for x in gt["decoys"]["successor_reps"]:
        assert x["id_no"] in old_rule and x["id_no"] not in f.repeat_people()


def money(s: str) -> float:
    """Just enough of a money parser for the checker: amounts in 万/元."""
    if s in ("", "N/A", "\\N"):
        return 0.0
    m = re.match(r"^([\d,]+(?:\.\d+)?)", s)
    v = float(m[1].replace(",", ""))
    return v if s.endswith("元") and "万" not in s else v * 10000


# --------------------------------------------------------------------------- tests


def test_check_characters_known_codes():
    for code in ("91330503735242721D", "92330281MA2ENBUA1R", "913303817345395239"):
        assert synth.uscc_valid(code) and uscc_ok(code)
        assert synth.uscc_valid(code.lower())
        bad = code[:10] + ("0" if code[10] != "0" else "1") + code[11:]
        assert not synth.uscc_valid(bad) and not uscc_ok(bad)
    assert synth.id_valid("11010519491231002X") and id_ok("11010519491231002X")
    assert not synth.id_valid("110105194912310021")


def test_regions_file_is_consistent():
    df = pd.read_csv(ROOT / "data" / "regions.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == ["code", "name", "level", "province", "city"]
    assert df["code"].is_unique and set(df["level"]) == {"province", "city", "county"}
    provs = set(df.loc[df.level == "province", "code"])
    assert {"330000", "370000", "410000", "320000", "310000", "340000"} <= provs
    codes = set(df["code"])
    for r in df.itertuples():
        assert re.fullmatch(r"\d{6}", r.code) and r.province in codes
        if r.level == "county":
            assert r.city in codes and r.city[:4] == r.code[:4]
    per_city = df[df.level == "county"].groupby("city").size()
    assert per_city.min() >= 2
    assert set(df.loc[df.level == "city", "code"]) == set(per_city.index)
    named = dict(zip(df.code, df.name))
    assert named["330211"] == "镇海区" and named["330106"] == "西湖区" and named["410105"] == "金水区"


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    digests = []
    for i, seed in enumerate((5, 5, 6)):
        d = tmp_path / str(i)
        synth.generate(1500, seed, d, bad_rows=0.01)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())})
    assert digests[0] == digests[1]
    assert all(digests[0][k] != digests[2][k] for k in digests[0])


def test_checksums_valid_except_listed_bad_rows(small):
    d, gt = small
    bad = {(b["file"], b["row"], b["column"]) for b in gt["bad_rows"]}
    assert gt["bad_rows"] and {b["reason"] for b in gt["bad_rows"]} >= {
        "bad USCC checksum", "impossible date", "unparseable capital", "bad ID number checksum"}
    checked = 0

    def check(file, col, values, kind):
        nonlocal checked
        for i, v in enumerate(values):
            if not v or v in ("N/A", "\\N") or "*" in v:
                continue
            if kind == "uscc":
                if len(v) == 15 and v.isdigit():
                    continue  # legacy registration number
                ok = uscc_ok(v)
            else:
                if re.fullmatch(r"[EH]\d{8}", v):
                    continue  # passport / Hong Kong-Macao permit of a foreign-document holder
                ok = id_ok(v)
            checked += 1
            assert ok or (file, i + 2, col) in bad, (file, i + 2, col, v)

    ent = read(d, "enterprises", drop_bad=False)
    check("enterprises.csv", "uscc", ent["uscc"], "uscc")
    lr = read(d, "legal_reps", drop_bad=False)
    check("legal_reps.csv", "enterprise_uscc", lr["enterprise_uscc"], "uscc")
    resident = lr["id_type"].isin(["中华人民共和国居民身份证", "居民身份证", "身份证", ""])
    check("legal_reps.csv", "id_no", lr.loc[resident, "id_no"].reindex(lr.index, fill_value=""), "id")
    sh = read(d, "shareholders", drop_bad=False)
    check("shareholders.csv", "enterprise_uscc", sh["enterprise_uscc"], "uscc")
    person = sh["holder_kind"].isin(["自然人股东", "自然人"])
    check("shareholders.csv", "holder_id", sh["holder_id"].where(person, ""), "id")
    check("shareholders.csv", "holder_id", sh["holder_id"].where(~person & (sh["holder_kind"] != ""), ""), "uscc")
    pen = read(d, "penalties", drop_bad=False)
    check("penalties.csv", "subject_uscc", pen["subject_uscc"], "uscc")
    check("penalties.csv", "person_id_no", pen["person_id_no"], "id")
    assert checked > 30_000
    # broken rows are listed once each and never touch planted patterns
    assert len({(b["file"], b["row"]) for b in gt["bad_rows"]}) == len(gt["bad_rows"])
    planted = planted_codes(gt)["codes"]
    planted_sids = set(ent.loc[ent["uscc"].str.upper().isin(planted), "subject_id"])
    assert len(planted_sids) == len(planted)
    frames = {"enterprises.csv": (ent, "subject_id"), "legal_reps.csv": (lr, "enterprise_subject_id"),
              "shareholders.csv": (sh, "enterprise_subject_id"), "penalties.csv": (pen, "subject_subject_id")}
    for b in gt["bad_rows"]:
        if b["file"] in frames:
            df, col = frames[b["file"]]
            assert df.iloc[b["row"] - 2][col] not in planted_sids, b


def planted_codes(gt: dict) -> dict:
    codes = set()
    for s in gt["shell_clusters"]:
        codes |= set(s["members"])
    for x in gt["repeat_offenders"]["enterprise"]:
        codes.add(x["uscc"])
    for x in gt["repeat_offenders"]["person"]:
        codes |= {e["uscc"] for e in x["enterprises"]}
    for x in gt["phoenix_cases"]:
        codes |= {x["a"]["uscc"], x["b"]["uscc"]}
    for x in gt["cross_region_links"]:
        codes |= {x["a"]["uscc"], x["b"]["uscc"]}
        if x["via"]["kind"] == "enterprise":
            codes.add(x["via"]["id"])
    for c in gt["equity_chains"]:
        codes |= set(c["enterprises"])
    dec = gt["decoys"]
    for c in dec["cluster_addresses"]:
        codes |= set(c["enterprises"])
    for g in dec["large_groups"]:
        codes |= {g["parent"], *g["subsidiaries"]}
    codes |= {x["enterprise"] for x in dec["common_name_people"]}
    codes |= {x["uscc"] for x in dec["repaired_repeat"]}
    codes |= {e["uscc"] for x in dec["successor_reps"] for e in x["enterprises"]}
    return {"codes": codes}


def test_ground_truth_members_exist(small):
    d, gt = small
    ent = read(d, "enterprises", drop_bad=False)
    codes = set(ent["uscc"].str.upper())
    planted = planted_codes(gt)
    assert planted["codes"] <= codes
    # planted enterprises are never broken
    good = read(d, "enterprises", gt)
    assert planted["codes"] <= set(good["uscc"].str.upper())
    lr = read(d, "legal_reps", gt)
    # every person a pattern names is a planted person with rows in the extract (their ID often masked there)
    people = {s["hub"]["id_no"] for s in gt["shell_clusters"]} | {x["id_no"] for x in gt["repeat_offenders"]["person"]}
    people |= {x["person"]["id_no"] for x in gt["phoenix_cases"]}
    people |= {o["id"] for c in gt["equity_chains"] for o in c["ultimate_owners"] if o["kind"] == "person"}
    people |= {x["via"]["id"] for x in gt["cross_region_links"] if x["via"]["kind"] == "person"}
    listed_people = {p["id_no"]: p for p in gt["people"]}
    assert people <= set(listed_people) and all(id_ok(p) for p in people)
    assert all(listed_people[p]["records"] for p in people)
    pen = read(d, "penalties", gt)
    uids = {f"{KIND_CODE[k]}:{r}" for k, r in zip(pen["kind"], pen["record_id"])}
    listed = {u for x in gt["repeat_offenders"]["enterprise"] for u in x["active_events"]}
    listed |= {u for x in gt["cross_region_links"] for u in x["a"]["active_events"] + x["b"]["active_events"]}
    listed |= {u for s in gt["shell_clusters"] for u in s["unreachable_events"]}
    assert listed <= uids
    # common names really repeat across unrelated enterprises, without ID numbers
    zw = [x for x in gt["decoys"]["common_name_people"] if x["name"] == "张伟"]
    assert len(zw) >= 100 and len({x["enterprise"] for x in zw}) == len(zw)
    rows = lr[lr["enterprise_uscc"].isin({x["enterprise"] for x in zw})]
    assert set(rows.loc[rows.is_legal_rep == "1", "person_name"]) == {"张伟"}
    # name-only, or a masked ID that shows only a region prefix, all in one city: nothing but the name in common
    shown_ids = rows.loc[rows.is_legal_rep == "1", "id_no"]
    masked = shown_ids[~shown_ids.isin(MISSING)]
    assert masked.str.fullmatch(r"\d{6}\*{12}").all() and masked.str.slice(0, 4).nunique() == 1
    assert 0.2 < len(masked) / len(shown_ids) < 0.8
    reps = rows[rows.is_legal_rep == "1"]
    by_ent = dict(zip(reps["enterprise_uscc"], reps["id_no"].map(shown)))
    assert all((x["id_shown"] or "") == by_ent[x["enterprise"]] for x in zw)
    assert set(gt) >= {"definitions", "shell_clusters", "repeat_offenders", "phoenix_cases", "cross_region_links",
                       "equity_chains", "decoys", "bad_rows"}
    counts = gt["counts"]
    assert counts["shell_clusters"] >= 8 and counts["repeat_offenders.enterprise"] >= 15
    assert counts["phoenix_cases"] >= 8 and min(counts["cross_region_links"].values()) >= 10
    assert counts["equity_chains"] >= 8 and any(c["has_cycle"] for c in gt["equity_chains"])
    assert any(c["multi_path_holders"] for c in gt["equity_chains"])


def test_bruteforce_checker_agrees_10k(small):
    check_against_truth(*small)


@pytest.mark.slow
def test_bruteforce_checker_agrees_20k(larger):
    check_against_truth(*larger)


def test_realistic_values(small):
    d, gt = small
    ent = read(d, "enterprises", gt)
    assert ent["uscc"].str.len().isin([15, 18]).all()
    assert (ent["uscc"].str.len() == 15).mean() > 0.005
    assert ent["uscc"].str.contains("[a-z]").any()
    assert set(ent["status"]) >= {"存续", "在业", "注销", "吊销", "迁出"}
    assert ent.loc[ent["status"] == "注销", "dissolved"].map(parse_date).notna().all()
    revoked_dated = ent.loc[ent["status"] == "吊销", "dissolved"].map(parse_date).notna()
    assert 0.2 < revoked_dated.mean() < 0.7  # many revoked companies carry no dissolution date
    caps = ent["capital"]
    for pattern in (r"^\d+\.\d{4}\(万元人民币\)$", r"^\d+\(万\)$", r"\(万美元\)$", r"^\d{1,3},\d{3}", r"万人民币$", r"\(万人民币 \)$", r"^\d+$"):
        assert caps.str.contains(pattern).any(), pattern
    founded = ent["founded"]
    for pattern in (r"^\d{4}-\d{1,2}-\d{1,2}$", r"^\d{4}/\d{2}/\d{2}$", r"^\d{8}$", r" \d{1,2}:\d{2}:\d{2}$"):
        assert founded.str.contains(pattern).any(), pattern
    pen = read(d, "penalties", gt)
    assert (pen["removed"] == "9999-9-9").any() and set(pen["status"]) == {"active", "removed", "repaired", "withdrawn"}
    assert pen.loc[pen.status == "repaired", "removal_reason"].str.contains("信用修复").all()
    assert pen.loc[pen.status == "withdrawn", "removal_reason"].str.contains("异议").all()
    assert not pen.loc[pen.status == "removed", "removal_reason"].str.contains("信用修复|异议").any()
    lr = read(d, "legal_reps", gt)
    reps = lr[lr.is_legal_rep == "1"]
    no_id = reps["id_no"].isin(["", "N/A"]).mean()
    assert 0.2 < no_id < 0.6
    for shape in (r"\d{6}\*{8}\d{3}[\dX]", r"\d{4}\*{10}\d{3}[\dX]", r"\d{6}\*{12}"):
        assert reps["id_no"].str.fullmatch(shape).any(), shape
    assert (reps["person_name"] == "王芳").sum() >= 20
    assert reps["mobile"].str.fullmatch(r"1[358]\d{9}|").all()
    sh = read(d, "shareholders", drop_bad=False)  # ratios are never broken; subject ids never are
    eq = read(d, "equity_changes", drop_bad=False)
    touched = {df.iloc[b["row"] - 2]["enterprise_subject_id"] for b in gt["bad_rows"]
               for f, df in (("shareholders.csv", sh), ("equity_changes.csv", eq)) if b["file"] == f}
    sh = sh[np.array([t is None for _f, t in holding_spans(d, sh, gt)]) & ~sh["enterprise_subject_id"].isin(touched)]
    given = ~sh.ratio.isin(["", "N/A"])
    ratio_sum = sh[given].assign(r=lambda x: x.ratio.map(parse_ratio)).groupby("enterprise_subject_id")["r"].sum()
    full = given.groupby(sh["enterprise_subject_id"]).all()
    assert np.allclose(ratio_sum[full[full].index], 1.0)
    assert set(sh["holder_kind"]) >= {"自然人股东", "企业法人"}


def test_gb18030_and_bom(tmp_path):
    u = tmp_path / "u"
    g = tmp_path / "g"
    b = tmp_path / "b"
    synth.generate(1200, 3, u)
    synth.generate(1200, 3, g, encoding="gb18030")
    synth.generate(1200, 3, b, encoding="utf-8-sig")
    for p in sorted(u.glob("*.csv")):
        text = p.read_bytes().decode("utf-8")
        assert (g / p.name).read_bytes().decode("gb18030") == text
        raw = (b / p.name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8") == text
        assert (g / p.name).read_bytes() != p.read_bytes()  # really re-encoded (all files hold Chinese text)
    assert (u / "ground_truth.json").read_text(encoding="utf-8").split('"bad_rows"')[-1] == \
        (g / "ground_truth.json").read_text(encoding="utf-8").split('"bad_rows"')[-1]


def test_zj_warehouse_layout(tmp_path):
    prof = yaml.safe_load((ROOT / "profiles" / "zj-warehouse.yaml").read_text(encoding="utf-8"))
    d = tmp_path / "zj"
    c = tmp_path / "can"
    s = synth.generate(3000, 9, d, profile="zj-warehouse", bad_rows=0.01)
    synth.generate(3000, 9, c)
    globs = [g for spec in prof["tables"].values() for sp in (spec if isinstance(spec, list) else [spec]) for g in sp["files"]]
    seen = 0
    for tname, spec in prof["tables"].items():
        for sp in spec if isinstance(spec, list) else [spec]:
            files = [p for p in d.glob("*.csv") if any(fnmatch.fnmatch(p.name, g) for g in sp["files"])]
            assert len(files) == 1, (tname, sp["files"])
            assert sum(fnmatch.fnmatch(files[0].name, g) for g in globs) == 1
            header = files[0].read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            assert header == list(sp["columns"].values())
            seen += 1
    assert seen == len(s["files"]) == 9
    # the penalty lists carry no status: it derives from the removal fields and agrees with the canonical one
    can = read(c, "penalties").set_index("record_id")["status"]
    derived = {}
    for sp in prof["tables"]["penalties"]:
        f = next(p for p in d.glob("*.csv") if any(fnmatch.fnmatch(p.name, g) for g in sp["files"]))
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        assert "status" not in df.columns
        rid, rem, why = sp["columns"]["record_id"], sp["columns"]["removed"], sp["columns"]["removal_reason"]
        for r, x, y in zip(df[rid], df[rem], df[why]):
            if parse_date(x) is None:
                derived[r] = "active"
            else:
                derived[r] = "repaired" if "信用修复" in y else "withdrawn" if "异议" in y else "removed"
    gt = json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))
    broken = {b["row"] for b in gt["bad_rows"]}
    assert sum(derived.get(r) == st for r, st in can.items()) >= len(can) - len(broken)
    # the planted truth does not depend on the layout
    gc = json.loads((c / "ground_truth.json").read_text(encoding="utf-8"))
    for k in ("shell_clusters", "repeat_offenders", "phoenix_cases", "cross_region_links", "equity_chains", "decoys"):
        assert gt[k] == gc[k]


def test_parquet_matches_csv(tmp_path):
    c, p = tmp_path / "c", tmp_path / "p"
    synth.generate(1500, 4, c)
    s = synth.generate(1500, 4, p, fmt="parquet")
    assert sorted(s["files"]) == sorted(f"{name}.parquet" for name in TABLES)
    for name in TABLES:
        a = pd.read_csv(c / f"{name}.csv", dtype=str, keep_default_na=False)
        b = pq.read_table(p / f"{name}.parquet").to_pandas().fillna("")
        assert list(a.columns) == list(b.columns)
        pd.testing.assert_frame_equal(a, b.astype(str), check_dtype=False)


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        synth.generate(100, 1, tmp_path)
    with pytest.raises(ValueError):
        synth.generate(1000, 1, tmp_path, profile="nope")
    with pytest.raises(ValueError):
        synth.generate(1000, 1, tmp_path, encoding="latin-1")


# --------------------------------------------------------------------------- identity as public sources publish it


def person_rows(d: Path, gt: dict) -> dict[str, pd.Series]:
    """The ID cell of every row that names a natural person, per source."""
    lr = read(d, "legal_reps", gt)
    sh = read(d, "shareholders", gt)
    pen = read(d, "penalties", gt)
    return {"legal_reps": lr["id_no"], "shareholders": sh.loc[sh["holder_kind"].isin(["自然人股东", "自然人"]), "holder_id"],
            "penalties": pen.loc[pen["person_name"] != "", "person_id_no"]}


def test_masked_ids_in_every_person_source(small):
    d, gt = small
    rows = person_rows(d, gt)
    counted = gt["counts"]["masked_person_rows_share_by_source"]
    for source, ids in rows.items():
        share = ids.str.contains("*", regex=False).mean()
        assert share >= 0.30, (source, share)
        assert abs(share - counted[source]) < 0.02, (source, share, counted[source])
        for shape in (r"\d{6}\*{8}\d{3}[\dX]", r"\d{4}\*{10}\d{3}[\dX]", r"\d{6}\*{12}"):
            assert ids.str.fullmatch(shape).any(), (source, shape)
        assert ids.isin(["", "N/A"]).any(), source
    assert gt["counts"]["masked_person_rows_share"] >= 0.30


def test_masks_of_one_person_differ_between_sources_and_companies(small):
    _, gt = small
    across_sources = across_companies = 0
    for p in gt["people"]:
        masks = [(r["role"], r["uscc"], r["id_shown"]) for r in p["records"] if r["id_shown"] and "*" in r["id_shown"]]
        by_role = defaultdict(set)
        for role, _, m in masks:
            by_role[role].add(m)
        if len(by_role) >= 2 and len(set().union(*by_role.values())) >= 2:
            across_sources += 1
        lr = {(u, m) for role, u, m in masks if role == "legal_rep"}
        if len({u for u, _ in lr}) >= 2 and len({m for _, m in lr}) >= 2:
            across_companies += 1
    assert across_sources >= 10 and across_companies >= 5, (across_sources, across_companies)


def test_ground_truth_records_resolve_to_rows(small):
    """Every record of every planted person is a row of the extract, agrees with their true ID, and is complete."""
    d, gt = small
    lr = read(d, "legal_reps", gt)
    lr = lr[lr["is_legal_rep"] == "1"]
    sh = read(d, "shareholders", gt)
    pen = read(d, "penalties", gt)
    rows = {("legal_rep", u.upper(), n, shown(i)) for u, n, i in zip(lr["enterprise_uscc"], lr["person_name"], lr["id_no"])}
    rows |= {("shareholder", u.upper(), n, shown(i)) for u, n, i in zip(sh["enterprise_uscc"], sh["holder_name"], sh["holder_id"])}
    pen_rows = {f"{KIND_CODE[k]}:{r}": (u.upper(), n, shown(i)) for k, r, u, n, i in
                zip(pen["kind"], pen["record_id"], pen["subject_uscc"], pen["person_name"], pen["person_id_no"])}
    records = 0
    for p in gt["people"]:
        assert id_ok(p["id_no"])
        for r in p["records"]:
            records += 1
            assert r["name"] == p["name"]
            got = r["id_shown"] or ""
            assert not got or synth.SI.compatible(got, p["id_no"]), (p["key"], r)
            if r["role"] == "penalty_person":
                assert pen_rows[r["event"]] == (r["uscc"], r["name"], got), r
            else:
                assert (r["role"], r["uscc"], r["name"], got) in rows, r
    assert records > 500
    # complete: every person row of a planted enterprise is somebody's record (decoys with background people aside)
    listed = {(r["role"], r["uscc"], r["name"], r["id_shown"] or "") for p in gt["people"] for r in p["records"]}
    dec = gt["decoys"]
    decoy_ents = {x["enterprise"] for x in dec["common_name_people"]} | {x["uscc"] for x in dec["repaired_repeat"]}
    decoy_ents |= {e for c in dec["cluster_addresses"] for e in c["enterprises"]}
    planted = planted_codes(gt)["codes"] - decoy_ents
    for role, u, n, i in rows:
        if u in planted and not (role == "shareholder" and (uscc_ok(i) or i in planted)):
            assert (role, u, n, i) in listed, (role, u, n, i)


def test_hard_identity_cases_are_planted(small):
    d, gt = small
    people = gt["people"]
    by_disc = defaultdict(list)
    for p in people:
        by_disc[p["disclosure"]].append(p)
    # shell clusters whose hub shows a full ID on at most one row
    masked_hubs = [s for s in gt["shell_clusters"] if s["masked_hub"]]
    assert len(masked_hubs) >= 2
    key_of = {p["id_no"]: p for p in people}
    for s in masked_hubs:
        recs = key_of[s["hub"]["id_no"]]["records"]
        assert sum(r["id_shown"] == s["hub"]["id_no"] for r in recs) <= 1 < len(recs)
    # name-only owners: no ID on any row, a name nobody else has, holding through two paths of one chain
    names = pd.concat([read(d, "legal_reps", gt)["person_name"], read(d, "shareholders", gt)["holder_name"]])
    counts = names.value_counts()
    name_only = by_disc["name_only"]
    assert name_only and all(not r["id_shown"] for p in name_only for r in p["records"])
    chain_name_only = [p for p in name_only if len({r["uscc"] for r in p["records"]}) >= 2]
    assert chain_name_only, "no name-only owner across several companies"
    for p in chain_name_only:
        assert counts[p["name"]] == len(p["records"]), p
    multi_path = {h for c in gt["equity_chains"] for h in c["multi_path_holders"]}
    assert multi_path & {p["id_no"] for p in chain_name_only} or len(gt["equity_chains"]) < 10
    # people whose only shared trace is a phone: no ID anywhere, legal representative of >= 2 companies
    lr = read(d, "legal_reps", gt)
    phone_only = [p for p in by_disc["phone_only"] if len({r["uscc"] for r in p["records"]}) >= 2]
    assert phone_only
    for p in phone_only:
        assert all(not r["id_shown"] for r in p["records"])
        mine = lr[(lr["person_name"] == p["name"]) & lr["enterprise_uscc"].str.upper().isin({r["uscc"] for r in p["records"]})]
        assert set(mine["mobile"]) == {p["phone"]}
    # revoked without a date, and ends known only from a serious-illegal listing, end planted phoenix cases
    signals = {x["a"]["end_signal"] for x in gt["phoenix_cases"]}
    assert signals == {"dissolution_date", "status", "serious_illegal", "role_end"}
    ent = read(d, "enterprises", gt).set_index(read(d, "enterprises", gt)["uscc"].str.upper())
    for x in gt["phoenix_cases"]:
        a = ent.loc[x["a"]["uscc"]]
        if x["a"]["end_signal"] == "status":
            assert a["status"] == "吊销" and parse_date(a["dissolved"]) is None
        if x["a"]["end_signal"] == "serious_illegal":
            assert a["status"] in ("存续", "在业") and parse_date(a["dissolved"]) is None
    assert gt["counts"]["revoked_without_dissolution_date"] > 0.3 * gt["counts"]["revoked"]


def test_commitments_and_red_lists_with_their_truth(small):
    d, gt = small
    cm, rl = read(d, "commitments", gt), read(d, "red_lists", gt)
    truth = gt["commitments"]
    assert len(cm) == truth["loadable"] and len(rl) == gt["red_lists"]["loadable"]
    assert 0.06 < truth["rows"] / gt["generator"]["enterprises"] < 0.1 and 0.02 < len(rl) / gt["generator"]["enterprises"] < 0.04
    assert 0.10 <= len(truth["breach_events"]) / len(cm) <= 0.16
    assert set(cm["kind"]) >= {"approval_substitute", "审批替代型", "告知承诺制", "主动承诺"}  # keys, labels, variants
    assert (cm["subject_uscc"].str.len() == 15).any() and cm["person_id_no"].str.contains(r"\*{8}").any()
    broken = {(b["file"], b["reason"]) for b in gt["bad_rows"]}
    assert {("commitments.csv", "deadline before made"), ("red_lists.csv", "missing required field record_id")} <= broken
    # breaches never touch planted patterns
    planted = planted_codes(gt)["codes"]
    breached = cm[cm["record_id"].isin(truth["breached"] + truth["false"])]
    assert not set(breached["subject_uscc"].str.upper()) & planted
    assert_red_black_pairs_hold(d, gt)


def assert_red_black_pairs_hold(d: Path, gt: dict) -> None:
    """Each red/black pair of the truth is in the loadable rows: one person, current legal representative of
    both companies (neither company's row broken); the black one actively listed."""
    ents = set(read(d, "enterprises", gt)["uscc"].str.upper())
    lr = read(d, "legal_reps", gt)
    lr = lr[(lr["is_legal_rep"] == "1") & lr["until"].isin(MISSING)]
    reps = set(zip(lr["enterprise_uscc"].str.upper(), lr["person_name"]))
    pen = read(d, "penalties", gt)
    active = {f"{KIND_CODE[k]}:{r}" for k, r, s in zip(pen["kind"], pen["record_id"], pen["status"])
              if s == "active" and k in ("serious_illegal", "dishonest_debtor")}
    assert gt["red_black_pairs"]
    for p in gt["red_black_pairs"]:
        assert (p["red"], p["person"]) in reps and (p["black"], p["person"]) in reps
        assert {p["red"], p["black"]} <= ents
        assert p["black_events"] and set(p["black_events"]) <= active and p["red"] in gt["red_lists"]["red_listed"]


def test_rows_broken_on_purpose_spare_the_red_black_pairs(tmp_path_factory):
    """The pairs are background companies, whose rows are broken at random: with a third of all rows broken
    every pair's rows would be hit somewhere unless kept whole (12K enterprises, seed 21, at 2% hit one)."""
    d, gt = gen(tmp_path_factory, 10_000, 3, bad_rows=0.3)
    assert len(gt["red_black_pairs"]) >= 2 and len(gt["bad_rows"]) > 5_000
    assert_red_black_pairs_hold(d, gt)
