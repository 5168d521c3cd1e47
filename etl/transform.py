"""Validate and normalise canonical tables, column by column (vectorised).

Each ``clean_*`` function takes one canonical table (strings, with ``_file``
and ``_row``), records the rows that fail in the reject report, and returns
the good rows with typed, normalised columns. Duplicates of a record (same
record key) are resolved deterministically: the latest ``updated_at`` wins,
then the later row; the losers are reported as ``superseded``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.graph import identifiers as ids
from creditgraph.graph import mojibake as mj
from creditgraph.graph import normalize as nz
from creditgraph.graph import parse_values as pv
from creditgraph.etl import regions
from creditgraph.etl.canonical import TABLES
from creditgraph.etl.report import RejectReport
from creditgraph.graph.model import MODEL

FLAG_INSERT, FLAG_UPDATE, FLAG_DELETE = "insert", "update", "delete"
# A delete that corrects wrong data (the record never was true), not the end of a role or holding:
# roles and holdings keep it apart (docs/time.md); every other table reads it as a delete.
FLAG_CORRECT = "correct"
ROLE_TABLES = ("legal_reps", "shareholders")
# dates of things that happened: a future date or the 9999 sentinel there is dropped with a note
EVENT_DATES = frozenset({"founded", "decided", "since", "change_date", "paid_date", "made", "verified", "entered"})
DOUBLE_UTF8_NOTE = ("double-encoded text (UTF-8 read as Latin-1/Windows-1252 and saved again): repaired "
                    "exactly; fix the export")

USCC_CHECK_NOTE = ("18 characters but the USCC check character is wrong (GB 32100-2015): kept as an alternative "
                   "key (ALT:); correct the code at the source")
SHARED_CODE_NOTE = ("legacy code shared by companies with different names: both kept, this one keyed by the code "
                    "and its name")
REGION_UNKNOWN_NOTE = ("not a known {level} name or division code (GB/T 2260): the {level} is derived from the "
                       "USCC where it can be")
# enterprise fields a row loads without when they cannot be read (noted, the company still loads)
OPTIONAL_ENTERPRISE_DATES = ("founded", "dissolved")

# penalty kinds another table delivers (``table:`` in graph/schema.yaml): a penalties row may not use them
FOREIGN_KINDS = {k: v["table"] for k, v in MODEL.penalty_kinds.items() if v.get("table", "penalties") != "penalties"}
PENALTY_KINDS = sorted(k for k in MODEL.penalty_kinds if k not in FOREIGN_KINDS)
KIND_ALIASES = {
    **{k: k for k in MODEL.penalty_kinds},
    **{v["code"]: k for k, v in MODEL.penalty_kinds.items()},
    **{v["label_zh"]: k for k, v in MODEL.penalty_kinds.items()},
    "行政处罚公示": "administrative_penalty", "经营异常": "abnormal_operation",
    "严重违法失信企业名单": "serious_illegal", "严重违法失信": "serious_illegal",
    "失信被执行人名单": "dishonest_debtor",
}
STATUS_ALIASES = {
    **{k: k for k in MODEL.penalty_statuses},
    **{v["label_zh"]: k for k, v in MODEL.penalty_statuses.items()},
    "有效": "active", "在列": "active", "移出": "removed", "已移出": "removed",
    "信用修复": "repaired", "已修复": "repaired", "撤销": "withdrawn", "异议": "withdrawn",
}
COMMITMENT_KINDS = MODEL.codes["commitment_kinds"]
COMMITMENT_STATUSES = MODEL.codes["commitment_statuses"]
RED_LIST_KINDS = MODEL.codes["red_list_kinds"]
# Code tables read from free text: the key (any case) or the Chinese label exactly, else the first
# pattern (a regex over the text) that matches, in order.
COMMITMENT_KIND_PATTERNS = (("approval_substitute", "审批替代|告知承诺"), ("self_published", "主动承诺|自主公示|主动公示"),
                            ("industry", "行业自律"), ("repair", "修复"))
COMMITMENT_STATUS_PATTERNS = (("false", "虚假"), ("breached", "违背|违诺|失信|未履约|未履行|不履行"),
                              ("kept", "履约|履行|守诺"), ("pending", "待核查|待核实|核查中|未到期"))
RED_LIST_KIND_PATTERNS = (("a_taxpayer", "(?i)A级纳税|纳税信用A级|纳税信用等级A"), ("integrity_model", "诚信示范|诚信经营示范"),
                          ("contract_abiding", "守合同重信用"))
RED_LIST_STATUSES = {"active": "active", "removed": "removed", "有效": "active", "在列": "active", "列入": "active",
                     "移出": "removed", "已移出": "removed", "撤销": "removed"}
# the PenaltyEvent a breached or false commitment yields (graph/schema.yaml, Commitment)
BREACH_KIND = "commitment_breach"
BREACH_REASON = {"breached": "违背信用承诺：", "false": "虚假承诺："}
ENTERPRISE_WORDS = r"公司|企业|集团|合伙|厂|中心|银行|商行|事务所|研究所|合作社|协会|基金|信托|管理处|经营部|门市部|店$"



_HMS = r"(?P<h>\d{1,2})[:时](?P<m>\d{1,2})(?:[:分](?P<s>\d{1,2}))?"


def _seconds_of_day(text: pd.Series) -> np.ndarray:
    """Seconds since midnight of the time in each text (0 where none), in Arrow (no per-row Python).

    ``YYYY-MM-DD hh:mm:ss`` (``-/.`` between the date's parts, a space or ``T`` before the time) is read
    from its bytes: the first time :data:`_HMS` finds in it is the one at position 11. Other texts go
    through the regex."""
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    total = np.zeros(len(text), dtype="int64")
    idx, mat = nz._fixed(arr, 19)
    if len(idx):
        digit = nz._DIGIT[mat[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]]].all(axis=1)
        sep = mat[:, 4]
        ok = (digit & np.isin(sep, np.frombuffer(b"-/.", dtype=np.uint8)) & (mat[:, 7] == sep)
              & np.isin(mat[:, 10], np.frombuffer(b" T", dtype=np.uint8)) & (mat[:, 13] == 58) & (mat[:, 16] == 58))
        d = mat[ok].astype(np.int64) - 48
        total[idx[ok]] = ((d[:, 11] * 10 + d[:, 12]) * 3600 + (d[:, 14] * 10 + d[:, 15]) * 60
                          + d[:, 17] * 10 + d[:, 18])
        rest = np.ones(len(text), dtype=bool)
        rest[idx[ok]] = False
    else:
        rest = None
    sub = arr if rest is None else arr.filter(pa.array(rest))
    if len(sub) == 0:
        return total
    parts = pc.extract_regex(sub.cast(pa.string()), _HMS)
    part = np.zeros(len(sub), dtype="int64")
    for field, factor in (("h", 3600), ("m", 60), ("s", 1)):
        v = pc.struct_field(parts, field)
        v = pc.if_else(pc.equal(v, ""), pa.scalar(None, pa.string()), v)
        part += pc.fill_null(pc.cast(v, pa.int64()), 0).to_numpy(zero_copy_only=False) * factor
    if rest is None:
        return part
    total[rest] = part
    return total


def read_code(text: pd.Series, codes, patterns=()) -> pd.Series:
    """Each text as a code table's key: the key itself (any case), its Chinese ``label_zh``, else the key of
    the first ``(key, regex)`` pattern found in the text; NA where nothing fits (or the text is empty).

    >>> read_code(pd.Series(["KEPT", "已履约", "已按期履约", "?"]), {"kept": {"label_zh": "已履约"}},
    ...           [("kept", "履约")]).tolist()
    ['kept', 'kept', 'kept', <NA>]
    """
    t = nz.clean_missing(text.astype("string")).str.strip()
    exact = {**{k.lower(): k for k in codes}, **{v["label_zh"]: k for k, v in codes.items()}}
    out = t.str.lower().map(exact).astype("string")
    for key, rx in patterns:
        todo = out.isna() & t.notna()
        if not todo.any():
            break
        out = out.mask(todo & t.str.contains(rx, regex=True).fillna(False), key)
    return out


class Cleaner:
    """Holds the report and the change-flag vocabulary for one run.

    Every step of the table methods is row-local but two, both at their end: ``_shared_legacy_keys`` and
    ``_dedupe``. The chunked load (``etl.staging.RowCleaner``) cleans chunks without them and does them over
    the staged chunks in DuckDB; a new step that looks across rows must be added there too."""

    def __init__(self, report: RejectReport, flags: dict[str, tuple[str, ...]]):
        self.report = report
        self.flag_map = {v: k for k, vals in flags.items() for v in vals}

    # --- shared steps ---------------------------------------------------------
    def _text(self, df: pd.DataFrame, cols, table: str = "") -> None:
        for c in cols:
            df[c] = nz.normalize_text(nz.clean_missing(self._repair(df, table, c)))

    def _repair(self, df: pd.DataFrame, table: str, col: str) -> pd.Series:
        """The column with double-encoded UTF-8 repaired (exact round trips only), each repair noted."""
        raw = df[col].astype("string")
        fixed, hit = mj.repair_double_utf8(raw)
        if hit.any():
            self.report.add(df, hit, col, DOUBLE_UTF8_NOTE, table=table, severity="note")
        return fixed

    def _capital(self, df: pd.DataFrame, table: str, col: str, what: str,
                 optional: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Parse a money column: not understood -> rejected (``optional``: empty, noted);
        negative or overflowing -> empty, noted."""
        cap = pv.parse_capital(df[col].astype("string"))
        odd = (cap["negative"] | cap["non_finite"]).to_numpy()
        bad = cap["invalid"].to_numpy() & ~odd
        if optional:
            self.report.add(df, bad, col, what + ": loaded without it (the text is kept as written)",
                            table=table, severity="note")
        else:
            df = self._reject(df, bad, table, col, what)
            cap = cap.loc[df.index]
        self.report.add(df, cap["negative"].to_numpy(), col, "negative amount (minus sign or accounting "
                        "brackets, e.g. (500)万元): loaded without it", table=table, severity="note")
        self.report.add(df, cap["non_finite"].to_numpy(), col, "amount too large to be a number (e.g. 1e309): "
                        "loaded without it", table=table, severity="note")
        return df, cap

    def _reject(self, df, mask, table, column, reason) -> pd.DataFrame:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return df  # nothing to drop: no copy of every column
        self.report.add(df, mask, column, reason, table=table)
        return df[~mask]

    def _flags(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        raw = nz.clean_missing(df["change_flag"].astype("string"))
        flag = raw.map(self.flag_map)
        bad = (raw.notna() & flag.isna()).to_numpy()
        df = self._reject(df.assign(change_flag=raw), bad, table, "change_flag",
                          "unknown change flag: use i/u/d (or the profile's change_flag values)")
        flag = flag.loc[df.index].fillna(FLAG_UPDATE)
        if table not in ROLE_TABLES:
            flag = flag.replace(FLAG_CORRECT, FLAG_DELETE)
        df["change_flag"] = flag.astype("string")
        text = nz.clean_missing(df["updated_at"].astype("string"))
        up = pv.parse_dates(text)
        df = self._reject(df, up["invalid"].to_numpy(), table, "updated_at", "not a date/time")
        text, day = text.loc[df.index], up.loc[df.index, "date"]
        if text.notna().any():
            day = day + pd.to_timedelta(_seconds_of_day(text), unit="s")
        df["updated_at"] = day
        return df

    def _dates(self, df: pd.DataFrame, table: str, cols, optional=()) -> pd.DataFrame:
        """Parse date columns: an unreadable date rejects the row, or, for ``optional`` columns,
        loads it without the date and a note."""
        for c in cols:
            d = pv.parse_dates(df[c].astype("string"))
            if c in optional:
                self.report.add(df, d["invalid"].to_numpy(), c, "not a valid date (e.g. 2008-6-16, 20080616): "
                                "loaded without it", table=table, severity="note")
            else:
                df = self._reject(df, d["invalid"].to_numpy(), table, c, "not a valid date (e.g. 2008-6-16, 20080616)")
                d = d.loc[df.index]
            if c in EVENT_DATES:  # something that happened: not in the future, not open-ended
                ahead = (d["date"] > pd.Timestamp.now().normalize() + pd.Timedelta(days=1)).to_numpy()
                sentinel = d["open_ended"].to_numpy()
                self.report.add(df, ahead, c, "date in the future: loaded without it", table=table, severity="note")
                self.report.add(df, sentinel, c, "open-ended sentinel (9999) where a past date is expected: "
                                "loaded without it", table=table, severity="note")
                d = d.assign(date=d["date"].where(~(ahead | sentinel)), open_ended=False)
            df[c] = d["date"]
            df[c + "_open"] = d["open_ended"].to_numpy()
        return df

    def _role_dates(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        """``since`` and ``until`` of a role or holding; ``until`` 9999-… (open-ended) means no end,
        an end before the start rejects the row."""
        for c in ("since", "until"):
            if c not in df.columns:
                df[c] = pd.NA
        df = self._dates(df, table, ["since", "until"])
        df["until"] = df["until"].where(~df["until_open"].to_numpy(dtype=bool))
        backwards = (df["until"] < df["since"]).fillna(False).to_numpy(dtype=bool)
        return self._reject(df, backwards, table, "until", "end of the role before its start (since)")

    def _names(self, df: pd.DataFrame, table: str, cols, required=()) -> pd.DataFrame:
        for c in cols:
            df[c] = nz.normalize_text(nz.clean_missing(self._repair(df, table, c)))
            bad = mj.detect_mojibake(df[c]).to_numpy()
            df = self._reject(df, bad, table, c,
                              "mojibake: text looks like bytes decoded with the wrong encoding; re-export the file as UTF-8 or GB18030")
            if c in required:
                df = self._reject(df, df[c].isna().to_numpy(), table, c, f"required field {c} is empty")
        return df

    def _dedupe(self, df: pd.DataFrame, table: str, key_cols: list[str]) -> pd.DataFrame:
        """Latest ``updated_at`` wins, then the later row; report the others as superseded."""
        if df.empty:
            return df
        # sorted and deduplicated on the few columns that decide (the report reads only those); the wide
        # frame is taken once, by position, under the index the whole-frame sort would have given it
        cols = list(dict.fromkeys(["updated_at", "_file", "_row", *key_cols]))
        order = df[cols].assign(_ts=df["updated_at"]).sort_values(["_ts", "_file", "_row"], kind="stable",
                                                                  na_position="first")
        dup = order.duplicated(key_cols, keep="last")
        if dup.any():
            losers = order[dup.to_numpy()]
            self.report.add(losers, None, ",".join(key_cols), "duplicate record in this extract: a later row (by updated_at, then position) wins",
                            value_col=key_cols[0], table=table, severity="superseded")
        kept = order[~dup.to_numpy()].sort_index()
        if not df.index.is_unique:  # (never from clean_tables) positions are not labels: the wide sort
            return df.assign(_ts=df["updated_at"]).sort_values(["_ts", "_file", "_row"], kind="stable",
                                                               na_position="first")[~dup.to_numpy()].drop(columns="_ts").sort_index()
        pos = df.index.get_indexer(kept.index)
        out = df if len(pos) == len(df) and (pos == np.arange(len(df))).all() else df.take(pos)
        out = out.copy(deep=False)
        out.index = kept.index
        return out

    def _subject_code(self, df: pd.DataFrame, prefix: str, table: str, sid_col: str | None, name_col: str | None,
                      required: bool = True) -> pd.DataFrame:
        """Turn a USCC-ish column (plus optional subject id) into an enterprise reference.

        Sets ``<prefix>_ref`` to the enterprise uid when it can be derived from the code
        (valid USCC, or a legacy registration number as ``REG:…``), else leaves NA so the
        resolver can try the subject id or the name.
        """
        col = f"{prefix}_uscc"
        v = ids.validate_uscc(df[col].astype("string"))
        kind = v["kind"].to_numpy()
        self.report.add(df, kind == "uscc_invalid", col, USCC_CHECK_NOTE, table=table, severity="note")
        ref = pd.Series(pd.NA, index=df.index, dtype="string")
        ref[kind == "uscc"] = v["value"][kind == "uscc"]
        ref[kind == "reg_no"] = "REG:" + v["value"][kind == "reg_no"]
        alt = (kind == "other") | (kind == "uscc_invalid")
        ref[alt] = "ALT:" + v["value"][alt]
        df[col] = v["value"]
        df[f"{prefix}_ref"] = ref
        df[f"{prefix}_code_kind"] = v["kind"]
        return df

    def _record_id(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        self._text(df, ["record_id"], table)
        return self._reject(df, df["record_id"].isna().to_numpy(), table, "record_id", "required field record_id is empty")

    def _coded(self, df: pd.DataFrame, table: str, col: str, code: pd.Series, reason: str) -> pd.DataFrame:
        """``col`` replaced by its code (:func:`read_code`); rows whose text names no code are rejected."""
        df = self._reject(df, code.isna().to_numpy(), table, col, reason)
        df[col] = code.loc[df.index].astype("string")
        return df

    def _subject(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        """The subject of a record (penalties, commitments, red lists): an enterprise by code, subject id or
        name, or a natural person; a resident ID in ``subject_uscc`` makes the subject that person."""
        self._text(df, ["subject_subject_id"], table)
        df = self._names(df, table, ["subject_name", "person_name"])
        pid = ids.validate_resident_id(df["subject_uscc"].astype("string"))
        person_subject = pid["kind"].isin(["valid", "masked", "legacy"]).to_numpy()
        df["person_id_no"] = df["person_id_no"].where(~person_subject, df["subject_uscc"])
        df["subject_uscc"] = df["subject_uscc"].where(~person_subject)
        df["subject_is_person"] = person_subject
        df = self._subject_code(df, "subject", table, "subject_subject_id", "subject_name")
        return self._person_id(df, table, "person_id_no")

    # --- tables -----------------------------------------------------------------
    def enterprises(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "enterprises"
        df = self._flags(df, t)
        df = self._names(df, t, ["name", "legal_rep"], required=("name",))
        v = ids.validate_uscc(df["uscc"].astype("string"))
        kind = v["kind"].to_numpy()
        self._text(df, ["reg_no", "subject_id", "kind", "status", "industry", "address", "authority", "province", "city", "currency"], t)
        reg = df["reg_no"].where(df["reg_no"].notna(), v["value"].where(kind == "reg_no"))
        df["reg_no"] = reg
        other = kind == "other"
        if other.any():
            self.report.add(df, other, "uscc", "not a USCC nor a 15-digit registration number: kept as an alternative key",
                            table=t, severity="note")
        self.report.add(df, kind == "uscc_invalid", "uscc", USCC_CHECK_NOTE, table=t, severity="note")
        alt = other | (kind == "uscc_invalid")
        uid = pd.Series(pd.NA, index=df.index, dtype="string")
        uid[kind == "uscc"] = v["value"][kind == "uscc"]
        uid = uid.fillna("REG:" + df["reg_no"]).fillna("SID:" + df["subject_id"])
        uid = uid.where(~(uid.isna() & alt), "ALT:" + v["value"])
        df["uscc"] = v["value"].where(kind == "uscc")
        df["uid"] = uid
        df = self._reject(df, df["uid"].isna().to_numpy(), t, "uscc",
                          "no key: uscc, reg_no and subject_id are all empty")
        df = self._dates(df, t, ["founded", "dissolved"], optional=OPTIONAL_ENTERPRISE_DATES)
        df, cap = self._capital(df, t, "capital", "registered capital not understood (e.g. 51.8000(万元人民币), 13(万美元))",
                                optional=True)
        df["capital_raw"] = nz.clean_missing(df["capital"].astype("string"))
        df["capital"] = cap["amount"]
        df["currency"] = cap["currency"].fillna(df["currency"])
        df = self._regions(df, t)
        df["phone"] = nz.normalize_phone(df["phone"].astype("string"))
        df["email"] = nz.normalize_email(df["email"].astype("string"))
        df = self._shared_legacy_keys(df, t)
        return self._dedupe(df, t, ["uid"])

    def _regions(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        """``region`` (6 digits), ``province`` (2) and ``city`` (4): the source's own levels (a division
        code, or province and city names or codes) are kept; the USCC fills only what the source
        leaves out. A source level that disagrees with the USCC's region, or a name that is no
        division, is noted."""
        region = nz.clean_missing(df["region"].astype("string")).str.replace(r"\D", "", regex=True)
        region = region.where(region.str.len() >= 6).str.slice(0, 6)
        named = regions.codes_from_names(df["province"], df["city"])
        code_region = ids.region_from_uscc(df["uscc"].astype("string"))
        r = regions.reconcile(region, named["province"], named["city"], code_region)
        for level in ("province", "city"):
            self.report.add(df, named[f"unknown_{level}"].to_numpy(), level, REGION_UNKNOWN_NOTE.format(level=level),
                            table=table, severity="note")
            clash = r[f"clash_{level}"].to_numpy()
            if clash.any():
                given = df[level].astype("string").fillna("division code " + region)
                reason = (f"the source's {level} (" + given + ") differs from the region of the USCC ("
                          + code_region.fillna("") + "): the source's is kept")
                self.report.add(df, clash, level, reason.to_numpy(), table=table, severity="note")
        df["region"] = r["region"]
        df["province"] = r["province"]
        df["city"] = r["city"]
        return df

    def _shared_legacy_keys(self, df: pd.DataFrame, table: str) -> pd.DataFrame:
        """Companies with different names under one legacy key (``REG:``/``ALT:``/``SID:``) are
        different subjects: the name seen first in the extract keeps the key, each other name is
        keyed ``<key>:<name key>`` (the same on every load of that extract), with a note."""
        legacy = df["uid"].str.match(r"^(?:REG|ALT|SID):").fillna(False).to_numpy(dtype=bool)
        if not legacy.any():
            return df
        sub = df[legacy]
        nk = nz.name_key(sub["name"].astype("string")).fillna(sub["name"])
        names = sub.assign(_nk=nk).sort_values(["_file", "_row"], kind="stable")
        first = names.drop_duplicates("uid")[["uid", "_nk"]]
        shared = names.groupby("uid")["_nk"].transform("nunique") > 1
        if not shared.any():
            return df
        keeps = names[["uid", "_nk"]].merge(first, on=["uid", "_nk"], how="left", indicator=True)["_merge"].eq("both")
        rekey = (shared & ~keeps.to_numpy()).reindex(df.index, fill_value=False).to_numpy(dtype=bool)
        new_uid = (df["uid"] + ":" + nk.reindex(df.index)).astype("string")
        self.report.add(df, rekey, "uscc", SHARED_CODE_NOTE, value_col="uid", table=table, severity="note")
        df["uid"] = df["uid"].where(~rekey, new_uid)
        return df

    def legal_reps(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "legal_reps"
        df = self._flags(df, t)
        df = self._names(df, t, ["person_name", "enterprise_name"], required=("person_name",))
        df = self._subject_code(df, "enterprise", t, "enterprise_subject_id", "enterprise_name")
        self._text(df, ["enterprise_subject_id", "position", "id_type"], t)
        df = self._person_id(df, t, "id_no", declared="id_type")
        df = self._role_dates(df, t)
        flag = nz.clean_missing(df["is_legal_rep"].astype("string"))
        df["is_legal_rep"] = ~flag.isin(["0", "N", "n", "否", "false", "False", "FALSE"]).to_numpy()
        df["phone"] = nz.normalize_phone(df["mobile"].astype("string")).fillna(nz.normalize_phone(df["phone"].astype("string")))
        df["email"] = nz.normalize_email(df["email"].astype("string"))
        return df

    def shareholders(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "shareholders"
        df = self._flags(df, t)
        df = self._names(df, t, ["holder_name", "enterprise_name"], required=("holder_name",))
        df = self._subject_code(df, "enterprise", t, "enterprise_subject_id", "enterprise_name")
        self._text(df, ["enterprise_subject_id", "holder_kind", "holder_id"], t)
        df = self._dates(df, t, ["subscribed_date", "paid_date"])
        df = self._role_dates(df, t)
        for c in ("subscribed", "paid"):
            df, cap = self._capital(df, t, c, "amount not understood (e.g. 50(万元), 500000)")
            df[c] = cap["amount"]
            if c == "subscribed":
                df["currency"] = cap["currency"]
        ratio = pv.parse_ratio(df["ratio"])
        bad = nz.clean_missing(df["ratio"].astype("string")).notna().to_numpy() & ratio.isna().to_numpy()
        df = self._reject(df, bad | (ratio < 0).to_numpy(), t, "ratio", "share ratio not a number between 0 and 1 (or 0–100%)")
        df["ratio"] = ratio.loc[df.index]
        df = self._reject(df, (df["ratio"] > 1).to_numpy(), t, "ratio", "share ratio above 100%")
        yr = pd.to_numeric(nz.clean_missing(df["report_year"].astype("string")), errors="coerce")
        df["report_year"] = yr.astype("Int64")
        # holder kind: the declared kind, else the code's shape, else the name
        hk = df["holder_kind"].fillna("")
        typ, pid, code = ids.classify_id_checks(df["holder_id"].astype("string"))
        is_ent = hk.str.contains("企业|公司|法人|单位|机构|合伙", regex=True) & ~hk.str.contains("自然人", regex=False)
        is_person = hk.str.contains("自然人|个人|外籍|港澳台", regex=True)
        undecided = ~(is_ent | is_person)
        guess_ent = typ.isin(["uscc", "reg_no"]) | df["holder_name"].str.contains(ENTERPRISE_WORDS, regex=True).fillna(False)
        guess_person = typ.isin(["resident_id", "resident_id_legacy", "resident_id_masked", "passport"])
        df["holder_is_enterprise"] = (is_ent | (undecided & guess_ent & ~guess_person)).to_numpy()
        df["holder_uscc"] = code["value"].where(code["kind"] == "uscc")
        df["holder_regno"] = code["value"].where(code["kind"] == "reg_no")
        df = self._person_id(df, t, "holder_id", only=~df["holder_is_enterprise"].to_numpy(), checked=(typ, pid))
        return df

    def penalties(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "penalties"
        df = self._flags(df, t)
        kind = nz.clean_missing(df["kind"].astype("string")).map(KIND_ALIASES)
        df = self._reject(df.assign(kind=df["kind"]), kind.isna().to_numpy(), t, "kind",
                          f"unknown penalty kind; use one of {PENALTY_KINDS}")
        kind = kind.loc[df.index]
        for k, table in FOREIGN_KINDS.items():
            df = self._reject(df, (kind == k).to_numpy(), t, "kind",
                              f"{k} events come from the {table} table (deliver the record there), not from penalties")
        df["kind"] = kind.loc[df.index]
        df = self._record_id(df, t)
        self._text(df, ["doc_no", "reason", "result", "authority", "removal_reason", "city", "district"], t)
        df = self._subject(df, t)
        df = self._dates(df, t, ["decided", "removed"])
        df, amount = self._capital(df, t, "amount", "amount not understood")
        amount = amount["amount"]
        from_result = df["result"].str.extract(r"(\d[\d,]*(?:\.\d+)?\s*万?元)", expand=False)
        parsed = pv.parse_capital(from_result.astype("string"))["amount"]
        df["amount"] = amount.fillna(parsed)
        df["region"] = _division(df["region"])
        status = nz.clean_missing(df["status"].astype("string")).map(STATUS_ALIASES)
        reason = df["removal_reason"].fillna("")
        removed = df["removed"].notna()
        derived = np.select(
            [removed & reason.str.contains("修复", regex=False), removed & reason.str.contains("异议|撤销|更正", regex=True), removed],
            ["repaired", "withdrawn", "removed"], default="active")
        df["status"] = status.fillna(pd.Series(derived, index=df.index)).astype("string")
        df["uid"] = df["kind"].map({k: v["code"] for k, v in MODEL.penalty_kinds.items()}) + ":" + df["record_id"]
        return self._dedupe(df, t, ["uid"])

    def commitments(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "commitments"
        df = self._flags(df, t)
        df = self._record_id(df, t)
        df = self._coded(df, t, "kind", read_code(df["kind"], COMMITMENT_KINDS, COMMITMENT_KIND_PATTERNS),
                         f"unknown commitment kind; use one of {list(COMMITMENT_KINDS)} or its Chinese label "
                         f"({'、'.join(v['label_zh'] for v in COMMITMENT_KINDS.values())})")
        status = read_code(df["status"], COMMITMENT_STATUSES, COMMITMENT_STATUS_PATTERNS)
        given = nz.clean_missing(df["status"].astype("string")).notna()
        df = self._coded(df, t, "status", status.mask(~given, "pending"),
                         f"unknown commitment status; use one of {list(COMMITMENT_STATUSES)} or its Chinese label "
                         "(empty: pending)")
        self._text(df, ["matter", "authority"], t)
        df = self._subject(df, t)
        df = self._dates(df, t, ["made", "deadline", "verified"])
        df["deadline"] = df["deadline"].where(~df["deadline_open"].to_numpy(dtype=bool))
        backwards = (df["deadline"] < df["made"]).fillna(False).to_numpy(dtype=bool)
        df = self._reject(df, backwards, t, "deadline", "deadline before the date the commitment was made (made)")
        df["region"] = _division(df["region"])
        df["uid"] = "CM:" + df["record_id"]
        return self._dedupe(df, t, ["uid"])

    def red_lists(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "red_lists"
        df = self._flags(df, t)
        df = self._record_id(df, t)
        self._text(df, ["kind", "list_name", "authority"], t)
        kind = read_code(df["kind"], RED_LIST_KINDS, RED_LIST_KIND_PATTERNS)
        other = kind.isna().to_numpy()  # any other list is "other", its text kept as the list's name
        df["list_name"] = df["list_name"].where(~(other & df["list_name"].isna().to_numpy()), df["kind"])
        df["kind"] = kind.fillna("other")
        df = self._subject(df, t)
        df = self._dates(df, t, ["entered", "removed"])
        df["removed"] = df["removed"].where(~df["removed_open"].to_numpy(dtype=bool))
        status = nz.clean_missing(df["status"].astype("string")).str.strip().str.lower().map(RED_LIST_STATUSES)
        given = nz.clean_missing(df["status"].astype("string")).notna()
        derived = pd.Series(np.where(df["removed"].notna(), "removed", "active"), index=df.index, dtype="string")
        df = self._coded(df, t, "status", status.mask(~given, derived).astype("string"),
                         "unknown red-list status; use active or removed (有效/在列, 移出/已移出), or leave it empty")
        df["region"] = _division(df["region"])
        df["uid"] = "RL:" + df["record_id"]
        return self._dedupe(df, t, ["uid"])

    def cluster_addresses(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "cluster_addresses"
        self._text(df, ["address", "name"], t)
        df = self._reject(df, df["address"].isna().to_numpy(), t, "address", "required field address is empty")
        return df

    def equity_changes(self, df: pd.DataFrame) -> pd.DataFrame:
        t = "equity_changes"
        df = self._flags(df, t)
        df = self._names(df, t, ["holder_name"], required=("holder_name",))
        df = self._subject_code(df, "enterprise", t, "enterprise_subject_id", None)
        df = self._dates(df, t, ["change_date"])
        for c in ("ratio_before", "ratio_after"):
            df[c] = pv.parse_ratio(df[c])
        return df

    # --- people -------------------------------------------------------------------
    def _person_id(self, df: pd.DataFrame, table: str, col: str, only=None, declared: str | None = None,
                   checked: tuple[pd.Series, pd.DataFrame] | None = None) -> pd.DataFrame:
        """Classify an ID column: valid/legacy -> hashed key later; masked kept masked.

        The ID's type comes first (:func:`graph.identifiers.classify_id`, with the declared
        certificate type in ``declared`` when the source gives one): only resident ID numbers are
        checked against GB 11643; a passport, a business licence or registration number, or a
        registry id is kept as its type (``pid_type``) and identifies no one here. A resident ID
        that fails its check identifies no one either, but the row still says who holds which
        role: it loads with the person known by name within the enterprise, and the report
        notes the ID so it can be corrected at the source. ``checked``: the column's (ID type, resident ID
        check) where the caller has them already (``classify_id_checks``, no declared type, same rows).
        """
        raw = df[col].astype("string")
        if checked is None:
            typ, v, _ = ids.classify_id_checks(raw, df[declared] if declared and declared in df.columns else None)
        else:
            typ, v = checked
        v = v.copy(deep=False)
        df["pid_type"] = typ
        resident = typ.isin(["resident_id", "resident_id_legacy", "resident_id_masked"]).to_numpy()
        v["kind"] = v["kind"].where(resident | v["kind"].eq("missing").to_numpy(), "other")
        consider = np.ones(len(df), dtype=bool) if only is None else np.asarray(only, dtype=bool)
        bad = (v["kind"] == "invalid").to_numpy() & consider
        self.report.add(df, bad, col, "resident ID number fails the GB 11643-1999 check: not used to identify the "
                        "person (loaded by name within the enterprise); correct it at the source", table=table,
                        severity="note")
        kind = v["kind"].where(consider & ~bad, "missing")
        df["pid_kind"] = kind.astype("string")
        df["pid_value"] = v["value"].where(kind.isin(["valid", "legacy"]))
        df["pid_masked"] = ids.mask_id(v["value"].where(kind.isin(["valid", "legacy", "masked"])))
        df["pid_region"] = v["region"].where(kind.isin(["valid", "legacy", "masked"]))
        df["pid_birth_year"] = v["birth_year"].where(kind.isin(["valid", "legacy"]))
        return df



def _division(region: pd.Series) -> pd.Series:
    """A division code column as 6 digits (a 9-digit township code cut to its county); NA otherwise."""
    digits = nz.clean_missing(region.astype("string")).str.replace(r"\D", "", regex=True)
    return digits.where(digits.str.len() >= 6).str.slice(0, 6)


def clean_tables(tables: dict[str, pd.DataFrame], report: RejectReport, flags,
                 consume: bool = False) -> dict[str, pd.DataFrame]:
    """The canonical tables validated and normalised (rejects to ``report``). ``consume``: the raw frames
    are cleaned in place and replaced in ``tables`` by their ``_file`` and ``_row`` columns (what the
    load's counts read), so a load does not hold the raw extract beside the clean one (at 1M
    enterprises the raw frames are ~2-3 GiB)."""
    c = Cleaner(report, flags)
    out = {}
    for name in TABLES:
        if name in tables:
            raw = tables[name]
            if consume:
                tables[name] = raw[["_file", "_row"]].astype({"_file": "category"})
            out[name] = getattr(c, name)(raw if consume else raw.copy())
            del raw
    return out
