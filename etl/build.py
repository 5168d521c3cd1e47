"""Resolve identities and turn clean tables into graph frames (nodes, relationships, deletes).

Identity rules (DOMAIN.md, "People are the hard part"):

* an enterprise is its valid USCC, else ``REG:<registration number>``, else
  ``SID:<subject id>`` (or ``ALT:<other code>``);
* a person with a valid ID number is ``ID:<keyed hash>`` (the number itself
  never enters the graph; only its masked form does);
* a person known by name only is ``NM:<enterprise uid>:<name>``, scoped to the
  enterprise that names them: never merged on name alone. Where other
  evidence agrees a scored ``POSSIBLY_SAME_AS`` link is written instead
  (:mod:`etl.identity`);
* a corporate shareholder resolves by USCC, else by normalised name within
  the target's province (unique match only), else stays an unresolved
  Enterprise node ``UNR:<province>:<name key>`` with ``resolved = false``.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from importlib import resources

import numpy as np
import pandas as pd

from creditgraph.graph import identifiers as ids
from creditgraph.graph import normalize as nz
from creditgraph.etl.directory import DIRECTORY_COLUMNS, lookups, with_places
from creditgraph.etl.identity import link_identities
from creditgraph.etl.report import RejectReport
from creditgraph.etl import roles
from creditgraph.etl.transform import BREACH_KIND, BREACH_REASON, FLAG_CORRECT, FLAG_DELETE
from creditgraph.graph.store import isin, lookup

REL_FRAMES = list[tuple[str, str, str, pd.DataFrame]]


@dataclass
class GraphBatch:
    nodes: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    rels: REL_FRAMES = field(default_factory=list)
    delete_nodes: dict[str, list[str]] = field(default_factory=dict)
    delete_rels: REL_FRAMES = field(default_factory=list)
    # HOLDS_SHARES (holder uid, enterprise uid) pairs whose ratio was computed from this batch's
    # subscribed amounts (no ratio given): a refresh re-computes them with the graph's other holders
    derived_ratios: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"src": [], "dst": []}, dtype="string"))
    _merged: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # node_frame() results
    # source rows per table that became graph records (inserts, updates or deletes), for the load summary
    rows: dict[str, int] = field(default_factory=dict)
    identity_seconds: float = 0.0  # of the resolve stage, the identity links (etl.identity)
    # the day a role ends or starts when the source says nothing better (docs/time.md)
    effective: dt.date = field(default_factory=dt.date.today)

    def count_rows(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + int(n)

    # with slots on (etl.partitioned): each frame's place in the build (:func:`build_slot`), per label and
    # for the relationship frames, in step with ``nodes`` and ``rels``
    node_slots: dict[str, list[str]] | None = None
    rel_slots: list[str] | None = None

    def add_nodes(self, label: str, df: pd.DataFrame) -> None:
        if len(df):
            self.nodes.setdefault(label, []).append(df)
            self._merged.pop(label, None)
            if self.node_slots is not None:
                self.node_slots.setdefault(label, []).append(build_slot())

    def add_rels(self, rtype: str, a: str, b: str, df: pd.DataFrame) -> None:
        if len(df):
            self.rels.append((rtype, a, b, df))
            if self.rel_slots is not None:
                self.rel_slots.append(build_slot())

    def node_frame(self, label: str) -> pd.DataFrame:
        """All frames of a label, later frames winning per uid and per column.

        A stub (e.g. an enterprise only named as a shareholder) never overwrites
        what the registry row says: frames are combined so that non-null values
        of earlier (registry) frames are kept.
        """
        if label in self._merged:
            return self._merged[label]
        frames = self.nodes.get(label, [])
        if not frames:
            return pd.DataFrame()
        # per frame the last row of a uid in the order of the source rows (the frame's index), whatever
        # order a step sorted its rows in: the order enterprise partitions can reproduce (etl.partitioned)
        parts = [(f if f.index.is_monotonic_increasing else f.sort_index(kind="stable")).drop_duplicates("uid", keep="last")
                 for f in frames]
        out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        dup = out["uid"].duplicated(keep=False).to_numpy()
        if dup.any():  # only uids named by several frames need merging: first non-null per column
            merged = out[dup].groupby("uid", sort=False).first().reset_index()
            out = pd.concat([out[~dup], merged], ignore_index=True)
        self._merged[label] = out
        return out



def build_slot() -> str:
    """Where in this module the frame being added was made: the line numbers of the calls from
    :func:`build` down to the ``add_*`` call, zero-padded so that text order is execution order (the
    build is straight-line code, and its one loop visits methods in the order they are defined)."""
    f: FrameType | None = sys._getframe(2)
    lines = []
    while f is not None and f.f_code.co_filename == __file__:
        lines.append(f.f_lineno)
        f = f.f_back
    return ".".join(f"{n:05d}" for n in reversed(lines))


def regions_reference() -> pd.DataFrame:
    path = resources.files("creditgraph.etl").joinpath("data", "regions.csv")
    with path.open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, encoding="utf-8")
    return df.rename(columns={"code": "uid"})[["uid", "name", "level", "province", "city"]]


def region_nodes(seen: set[str]) -> pd.DataFrame:
    """The Region nodes: the reference regions, and any other code the rows name (``seen``) by its level."""
    ref = regions_reference()
    extra = sorted(seen - set(ref["uid"]))
    if extra:
        e = pd.Series(extra, dtype="string")
        ref = pd.concat([ref, pd.DataFrame({"uid": e, "level": np.where(e.str.endswith("0000"), "province", np.where(e.str.endswith("00"), "city", "county")),
                                            "province": e.str.slice(0, 2), "city": e.str.slice(0, 4)})], ignore_index=True)
    return ref


class Builder:
    def __init__(self, report: RejectReport, id_key: bytes, source: str, directory: pd.DataFrame | None = None):
        self.report = report
        self.key = id_key
        self.source = source
        # known enterprises in the graph: uid, subject_id, name_key, province, region
        self.graph_dir = directory if directory is not None else pd.DataFrame(
            columns=["uid", "subject_id", "name_key", "province", "region"])
        self.batch = GraphBatch()

    # --- helpers ----------------------------------------------------------------
    def person_uid(self, df: pd.DataFrame, name_col: str, ent_col: str) -> pd.Series:
        hashed = ids.keyed_hash(df["pid_value"].astype("string"), self.key)
        return ("ID:" + hashed).fillna("NM:" + df[ent_col].astype("string") + ":" + df[name_col].astype("string"))

    def persons(self, df: pd.DataFrame, uid: pd.Series, name_col: str, phone: pd.Series | None = None) -> pd.DataFrame:
        out = pd.DataFrame({
            "uid": uid, "name": df[name_col], "id_masked": df["pid_masked"], "id_prefix": df["pid_region"],
            "birth_year": df["pid_birth_year"], "region": df["pid_region"],
            "scope": np.where(uid.str.startswith("ID:"), "id_number", "name_in_enterprise"), "source": self.source,
        })
        if phone is not None:
            out["phone"] = phone
        return out

    def _directory(self, ents: pd.DataFrame | None) -> pd.DataFrame:
        cols = DIRECTORY_COLUMNS
        parts = [self.graph_dir[cols]] if len(self.graph_dir) else []
        if ents is not None and len(ents):
            parts.append(ents[cols])
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        d = pd.concat(parts, ignore_index=True).drop_duplicates("uid", keep="last")
        return d.astype("string")

    def resolve_enterprise(self, df: pd.DataFrame, prefix: str, table: str, directory: pd.DataFrame,
                           stub_name_col: str | None) -> pd.DataFrame:
        """Set ``<prefix>_uid``; reject rows whose enterprise cannot be identified."""
        look = lookups(directory)
        uid = look.resolve(df, prefix)
        df[f"{prefix}_uid"] = uid
        bad = uid.isna().to_numpy()
        if bad.any():
            self.report.add(df, bad, f"{prefix}_uscc",
                            "enterprise not identified: no valid USCC/registration number, and neither its subject id nor its name is in this extract or the graph",
                            table=table)
        if bad.any():
            df = df[~bad]
        if stub_name_col:
            stub = df[~look.uids.has(df[f"{prefix}_uid"])]
            if len(stub):
                st = pd.DataFrame({"uid": stub[f"{prefix}_uid"], "name": stub[stub_name_col],
                                   "uscc": stub[f"{prefix}_uid"].where(~stub[f"{prefix}_uid"].str.startswith("REG:")),
                                   "resolved": True, "source": f"{self.source}:{table}"})
                st["name_key"] = nz.name_key(st["name"].astype("string"))
                st["region"] = ids.region_from_uscc(st["uid"].astype("string"))
                st["province"] = st["region"].str.slice(0, 2)
                st["city"] = st["region"].str.slice(0, 4)
                self.batch.add_nodes("Enterprise", st.drop_duplicates("uid"))
        return df

    # --- tables ---------------------------------------------------------------------
    def enterprises(self, df: pd.DataFrame, clusters: pd.DataFrame | None) -> pd.DataFrame:
        self.batch.count_rows("enterprises", len(df))
        dele = df["change_flag"] == FLAG_DELETE
        if dele.any():
            self.batch.delete_nodes.setdefault("Enterprise", []).extend(df.loc[dele, "uid"].tolist())
        df = with_places(df[~dele.to_numpy()] if dele.any() else df)
        dissolved = df["dissolved"].where(~df["dissolved_open"])
        ent = pd.DataFrame({
            "uid": df["uid"], "uscc": df["uscc"], "reg_no": df["reg_no"], "subject_id": df["subject_id"],
            "name": df["name"], "name_key": df["name_key"], "kind": df["kind"], "status": df["status"],
            "founded": df["founded"], "dissolved": dissolved, "capital": df["capital"], "currency": df["currency"],
            "capital_raw": df["capital_raw"], "industry": df["industry"], "address": df["address"],
            "region": df["region"], "province": df["province"], "city": df["city"], "legal_rep_name": df["legal_rep"],
            "authority": df["authority"], "resolved": True, "source": self.source, "updated_at": df["updated_at"],
        })
        self.batch.add_nodes("Enterprise", ent)
        # region
        reg = df.dropna(subset=["region"])
        self.batch.add_rels("REGISTERED_IN", "Enterprise", "Region", pd.DataFrame({"src": reg["uid"], "dst": reg["region"]}))
        # address
        cluster_keys = pd.Series([], dtype="string")
        if clusters is not None and len(clusters):
            ck = "ADDR:" + nz.name_key(clusters["address"].astype("string"))
            cluster_keys = ck.dropna()
            self.batch.add_nodes("Address", pd.DataFrame({"uid": ck, "text": clusters["address"], "region": clusters["region"], "cluster": True}))
        adr = df.dropna(subset=["address"])
        akey = "ADDR:" + nz.name_key(adr["address"].astype("string"))
        ok = akey.notna().to_numpy()
        adr, akey = adr[ok], akey[ok]
        addr_nodes = pd.DataFrame({"uid": akey, "text": adr["address"], "region": adr["region"],
                                   "cluster": isin(akey, cluster_keys)})
        self.batch.add_nodes("Address", addr_nodes[~isin(addr_nodes["uid"], cluster_keys)])
        self.batch.add_rels("HAS_ADDRESS", "Enterprise", "Address", pd.DataFrame({"src": adr["uid"], "dst": akey}))
        self._contacts(df, "Enterprise")
        return df

    def _contacts(self, df: pd.DataFrame, label: str, uid_col: str = "uid") -> None:
        ph = df[list(dict.fromkeys([uid_col, "phone"]))].dropna(subset=["phone"])  # (not every column)
        if len(ph):
            self.batch.add_nodes("Phone", pd.DataFrame({"uid": ph["phone"], "masked": ids.mask_phone(ph["phone"].astype("string"))}))
            self.batch.add_rels("HAS_PHONE", label, "Phone", pd.DataFrame({"src": ph[uid_col], "dst": ph["phone"]}))
        em = df[list(dict.fromkeys([uid_col, "email"]))].dropna(subset=["email"])
        if len(em):
            self.batch.add_nodes("Email", pd.DataFrame({"uid": em["email"], "masked": ids.mask_email(em["email"].astype("string"))}))
            self.batch.add_rels("HAS_EMAIL", label, "Email", pd.DataFrame({"src": em[uid_col], "dst": em["email"]}))

    def legal_reps(self, df: pd.DataFrame, directory: pd.DataFrame) -> pd.Series:
        df = self.resolve_enterprise(df, "enterprise", "legal_reps", directory, "enterprise_name")
        officers = ~df["is_legal_rep"].to_numpy()
        if officers.any():
            self.report.add(df, officers, "is_legal_rep", "officer, not the legal representative: not loaded as LEGAL_REP",
                            table="legal_reps", severity="note")
        df = df[~officers].copy()
        self.batch.count_rows("legal_reps", len(df))
        df["person_uid"] = self.person_uid(df, "person_name", "enterprise_uid")
        df = self._end_roles(df, "LEGAL_REP", "person_uid", lambda d: pd.Series("Person", index=d.index))
        self.batch.add_nodes("Person", self.persons(df, df["person_uid"], "person_name", df["phone"]))
        self.batch.add_rels("LEGAL_REP", "Person", "Enterprise", pd.DataFrame({
            "src": df["person_uid"], "dst": df["enterprise_uid"], "position": df["position"], **roles.bounds(df),
            "source": self.source}))
        self._contacts(df.assign(uid=df["person_uid"]), "Person")
        return df.loc[df["until"].isna().to_numpy(), "enterprise_uid"].astype("string").drop_duplicates()

    def _end_roles(self, df: pd.DataFrame, rtype: str, src_col: str, src_label) -> pd.DataFrame:
        """Rows flagged delete close their role (an end frame); rows flagged correct remove it.
        Returns the other rows."""
        ending = df["change_flag"].isin([FLAG_DELETE, FLAG_CORRECT]).to_numpy()
        if not ending.any():
            return df
        d = df[ending]
        label = src_label(d)
        fix = (d["change_flag"] == FLAG_CORRECT).to_numpy()
        when = roles.end_dates(d, self.batch.effective)
        for lab in label.unique():
            on = (label == lab).to_numpy()
            for mask, why in ((on & ~fix, roles.ENDED_DELETE_FLAG), (on & fix, roles.CORRECTION)):
                if mask.any():
                    self.batch.delete_rels.append((rtype, lab, "Enterprise", roles.end_frame(
                        d[src_col][mask], d["enterprise_uid"][mask], when[mask], why)))
        return df[~ending]

    def legal_reps_from_subjects(self, ents: pd.DataFrame, covered: pd.Series,
                                 stored: pd.DataFrame | None = None) -> None:
        """Subject rows name their legal representative; use it where no legal-rep row exists.

        ``stored`` (``src`` person uid, ``dst`` enterprise uid, ``name``) holds
        the legal representatives the graph already has for these enterprises:
        one with the same name is the same person (an ``ID:`` person loaded
        from a legal-rep table must not get a name-only twin); a different name
        means the representative changed, and the old edge goes.
        """
        e = ents.dropna(subset=["legal_rep"])
        e = e[~isin(e["uid"], covered)]
        if stored is not None and len(stored) and len(e):
            e = self._against_stored_reps(e, stored)
        if e.empty:
            return
        uid = "NM:" + e["uid"] + ":" + e["legal_rep"]
        self.batch.add_nodes("Person", pd.DataFrame({"uid": uid, "name": e["legal_rep"], "scope": "name_in_enterprise", "source": self.source}))
        self.batch.add_rels("LEGAL_REP", "Person", "Enterprise", pd.DataFrame({
            "src": uid, "dst": e["uid"], "valid_from": pd.NaT, "valid_to": pd.NaT, "source": self.source}))

    def _against_stored_reps(self, e: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
        """Drop subject rows whose stored legal rep has the same name; delete stored reps that were replaced."""
        st = stored[isin(stored["dst"], e["uid"])]
        if st.empty:
            return e
        named = pd.Series(nz.name_key(e["legal_rep"].astype("string")).to_numpy(), index=e["uid"].to_numpy())
        named = named[~named.index.duplicated(keep="last")]
        same = (lookup(st["dst"], named) == nz.name_key(st["name"].astype("string"))).fillna(False).to_numpy()
        replaced = st[~same & ~isin(st["dst"], st.loc[same, "dst"])]
        if len(replaced):
            when = roles.end_dates(lookup(replaced["dst"], e.drop_duplicates("uid", keep="last").set_index("uid")["updated_at"])
                                   .to_frame("updated_at"), self.batch.effective)
            self.batch.delete_rels.append(("LEGAL_REP", "Person", "Enterprise", roles.end_frame(
                replaced["src"], replaced["dst"], when, roles.ENDED_REPLACED)))
        return e[~isin(e["uid"], st.loc[same, "dst"])]

    def shareholders(self, df: pd.DataFrame, directory: pd.DataFrame, changes: pd.DataFrame | None) -> None:
        df = self.resolve_enterprise(df, "enterprise", "shareholders", directory, "enterprise_name")
        self.batch.count_rows("shareholders", len(df))
        if df.empty:
            return
        df = df.copy()
        is_ent = df["holder_is_enterprise"].to_numpy()
        look = lookups(directory)
        target_prov = look.province.get(df["enterprise_uid"])
        target_prov = target_prov.fillna(df["enterprise_uid"].str.slice(2, 4))
        holder = pd.Series(pd.NA, index=df.index, dtype="string")
        holder[is_ent] = df["holder_uscc"][is_ent].fillna("REG:" + df["holder_regno"][is_ent])
        # by normalised name within the target's province, unique matches only
        hk = pd.Series(pd.NA, index=df.index, dtype="string")
        hk[is_ent] = nz.name_key(df.loc[is_ent, "holder_name"].astype("string"))  # only enterprise holders match by name
        by_name = look.by_province_name.get(target_prov + "|" + hk)
        holder[is_ent] = holder[is_ent].fillna(by_name[is_ent])
        unresolved = is_ent & holder.isna().to_numpy()
        holder[unresolved] = "UNR:" + target_prov[unresolved].fillna("00") + ":" + hk[unresolved]
        people = ~is_ent
        holder[people] = self.person_uid(df[people], "holder_name", "enterprise_uid")
        df["holder_uid"] = holder
        df = self._end_roles(df, "HOLDS_SHARES", "holder_uid",
                             lambda d: pd.Series(np.where(d["holder_is_enterprise"], "Enterprise", "Person"), index=d.index))
        # one edge per (holder, enterprise): the latest report year, then the latest update
        df = _latest_per_pair(df)
        total = df["subscribed"].where(df["until"].isna()).groupby(df["enterprise_uid"]).transform("sum")  # current holders
        derived = df["ratio"].isna().to_numpy()
        df["ratio"] = df["ratio"].fillna(df["subscribed"] / total.where(total > 0))
        if changes is not None and len(changes):
            before = df["ratio"]
            ch = changes[changes["change_flag"] != FLAG_DELETE]
            df = _equity_history(df, ch)
            derived = derived & (df["ratio"] == before).fillna(True).to_numpy()
        self.batch.derived_ratios = pd.DataFrame({"src": df["holder_uid"][derived], "dst": df["enterprise_uid"][derived]}, dtype="string")
        ent_holders = df[df["holder_is_enterprise"].to_numpy()]
        unr = ent_holders[ent_holders["holder_uid"].str.startswith("UNR:")]
        self.batch.add_nodes("Enterprise", pd.DataFrame({
            "uid": unr["holder_uid"], "name": unr["holder_name"], "name_key": nz.name_key(unr["holder_name"].astype("string")),
            "province": unr["holder_uid"].str.slice(4, 6), "resolved": False, "source": f"{self.source}:shareholders"}))
        stub = ent_holders[~ent_holders["holder_uid"].str.startswith("UNR:") & ~look.uids.has(ent_holders["holder_uid"])]
        if len(stub):
            reg = ids.region_from_uscc(stub["holder_uid"].astype("string"))
            self.batch.add_nodes("Enterprise", pd.DataFrame({
                "uid": stub["holder_uid"], "uscc": stub["holder_uscc"], "name": stub["holder_name"],
                "name_key": nz.name_key(stub["holder_name"].astype("string")), "region": reg,
                "province": reg.str.slice(0, 2), "city": reg.str.slice(0, 4), "resolved": True,
                "source": f"{self.source}:shareholders"}))
        ppl = df[~df["holder_is_enterprise"].to_numpy()]
        self.batch.add_nodes("Person", self.persons(ppl, ppl["holder_uid"], "holder_name"))
        for lab, part in (("Person", ppl), ("Enterprise", ent_holders)):
            self.batch.add_rels("HOLDS_SHARES", lab, "Enterprise", pd.DataFrame({
                "src": part["holder_uid"], "dst": part["enterprise_uid"], "ratio": part["ratio"],
                "subscribed": part["subscribed"], "paid": part["paid"], "currency": part["currency"],
                "subscribed_date": part["subscribed_date"], "paid_date": part["paid_date"],
                "report_year": part["report_year"], **roles.bounds(part),
                "changes": part["changes"] if "changes" in part.columns else None, "source": self.source}))

    def _live_rows(self, df: pd.DataFrame, deletes: dict[str, pd.Series]) -> tuple[pd.DataFrame, int]:
        """The rows not flagged delete, and how many were: those delete the nodes ``deletes`` names
        (label -> one uid per row)."""
        dele = (df["change_flag"] == FLAG_DELETE).to_numpy()
        for label, uids in deletes.items():
            self.batch.delete_nodes.setdefault(label, []).extend(uids[dele].tolist())
        return df[~dele].copy(), int(dele.sum())

    def subjects(self, df: pd.DataFrame, table: str, directory: pd.DataFrame) -> pd.DataFrame:
        """The rows whose subject is identified, with ``subject_uid`` and ``subject_label``; Person nodes
        for the natural persons.

        An enterprise resolves as any reference does (:meth:`resolve_enterprise`); a natural person is
        their ID number's person, else a person known by name on this record only (``NM:<record uid>:<name>``).
        ``region`` falls back to the enterprise's region, then to the person ID's region of issue.
        """
        person_subject = df["subject_is_person"].to_numpy()
        ents = self.resolve_enterprise(df[~person_subject].copy(), "subject", table, directory, "subject_name")
        ents = ents.assign(subject_label="Enterprise")
        ppl = df[person_subject].copy()
        nameless = (ppl["person_name"].isna() & ppl["subject_name"].isna()).to_numpy()
        if nameless.any():
            self.report.add(ppl, nameless, "person_name", "person has neither a name nor a valid ID: not loaded",
                            table=table)
            ppl = ppl[~nameless]
        ppl["person_name"] = ppl["person_name"].fillna(ppl["subject_name"])
        ppl["scope_uid"] = "DEBTOR"
        uid = self.person_uid(ppl, "person_name", "scope_uid")
        ppl["subject_uid"] = uid.where(uid.str.startswith("ID:"), "NM:" + ppl["uid"] + ":" + ppl["person_name"])
        self.batch.add_nodes("Person", self.persons(ppl, ppl["subject_uid"], "person_name"))
        out = pd.concat([ents, ppl.assign(subject_label="Person")], ignore_index=True)
        out["region"] = out["region"].astype("string").fillna(lookups(directory).region.get(out["subject_uid"])).fillna(out["pid_region"])
        return out

    def subject_edges(self, rtype: str, label: str, df: pd.DataFrame, uid_col: str = "uid", **props) -> None:
        """``rtype`` edges from each row's subject to its ``label`` node."""
        for src in ("Enterprise", "Person"):
            part = df[(df["subject_label"] == src).to_numpy()]
            self.batch.add_rels(rtype, src, label, pd.DataFrame({"src": part["subject_uid"], "dst": part[uid_col], **props}))

    def penalties(self, df: pd.DataFrame, directory: pd.DataFrame) -> None:
        df, deleted = self._live_rows(df, {"PenaltyEvent": df["uid"]})
        events = self.subjects(df, "penalties", directory)
        self.batch.count_rows("penalties", deleted + len(events))
        self.penalty_events(events.assign(removed=events["removed"].where(~events["removed_open"].astype(bool))))

    def penalty_events(self, events: pd.DataFrame) -> None:
        """PenaltyEvent nodes, PENALIZED from their subjects, LOCATED_IN their regions."""
        region = events["region"]
        self.batch.add_nodes("PenaltyEvent", pd.DataFrame({
            "uid": events["uid"], "kind": events["kind"], "source_id": events["record_id"], "doc_no": events["doc_no"],
            "decided": events["decided"], "reason": events["reason"], "result": events["result"], "amount": events["amount"],
            "authority": events["authority"], "region": region, "province": region.str.slice(0, 2), "city": region.str.slice(0, 4),
            "status": events["status"], "removed": events["removed"], "removal_reason": events["removal_reason"],
            "subject_name": events["subject_name"].fillna(events["person_name"]),
            "source": self.source, "updated_at": events["updated_at"]}))
        self.subject_edges("PENALIZED", "PenaltyEvent", events, role="subject")
        self.batch.add_rels("LOCATED_IN", "PenaltyEvent", "Region", pd.DataFrame({"src": events["uid"], "dst": region}).dropna())

    def commitments(self, df: pd.DataFrame, directory: pd.DataFrame) -> None:
        """Commitment nodes and COMMITTED edges; a breached or false commitment also yields its
        commitment_breach event (``CB:<record id>``), which a kept or pending one (a correction) deletes."""
        breach_uid = "CB:" + df["record_id"]
        df, deleted = self._live_rows(df, {"Commitment": df["uid"], "PenaltyEvent": breach_uid})
        cm = self.subjects(df, "commitments", directory)
        self.batch.count_rows("commitments", deleted + len(cm))
        self.batch.add_nodes("Commitment", pd.DataFrame({
            "uid": cm["uid"], "kind": cm["kind"], "source_id": cm["record_id"], "matter": cm["matter"], "made": cm["made"],
            "deadline": cm["deadline"], "status": cm["status"], "verified": cm["verified"], "authority": cm["authority"],
            "region": cm["region"], "subject_name": cm["subject_name"].fillna(cm["person_name"]), "source": self.source,
            "updated_at": cm["updated_at"]}))
        self.subject_edges("COMMITTED", "Commitment", cm)
        broken = cm["status"].isin(list(BREACH_REASON)).to_numpy()
        self.batch.delete_nodes.setdefault("PenaltyEvent", []).extend(("CB:" + cm.loc[~broken, "record_id"]).tolist())
        self.penalty_events(breach_events(cm[broken]))

    def red_lists(self, df: pd.DataFrame, directory: pd.DataFrame) -> None:
        df, deleted = self._live_rows(df, {"RedListEntry": df["uid"]})
        rl = self.subjects(df, "red_lists", directory)
        self.batch.count_rows("red_lists", deleted + len(rl))
        self.batch.add_nodes("RedListEntry", pd.DataFrame({
            "uid": rl["uid"], "kind": rl["kind"], "source_id": rl["record_id"], "list_name": rl["list_name"],
            "entered": rl["entered"], "removed": rl["removed"], "status": rl["status"], "authority": rl["authority"],
            "region": rl["region"], "subject_name": rl["subject_name"].fillna(rl["person_name"]), "source": self.source,
            "updated_at": rl["updated_at"]}))
        self.subject_edges("HONORED", "RedListEntry", rl)

    def regions(self) -> None:
        seen: set[str] = set()
        for _rtype, _, b, df in self.batch.rels:
            if b == "Region":
                seen.update(df["dst"].dropna().unique().tolist())
        self.batch.add_nodes("Region", region_nodes(seen))


def _latest_per_pair(df: pd.DataFrame) -> pd.DataFrame:
    """One shareholder row per (holder, enterprise): the latest report year, then the latest update, then the
    later row. Sorted and deduplicated on those columns alone, the wide frame taken once."""
    cols = ["report_year", "updated_at", "_row", "holder_uid", "enterprise_uid"]
    order = df[cols].sort_values(cols[:3], na_position="first", kind="stable")
    order = order.drop_duplicates(cols[3:], keep="last")
    if not df.index.is_unique:  # positions are not labels: the wide sort
        return df.sort_values(cols[:3], na_position="first", kind="stable").drop_duplicates(cols[3:], keep="last")
    out = df.take(df.index.get_indexer(order.index)).copy(deep=False)
    out.index = order.index
    return out


# the shareholder columns roles.equity_history reads or writes
_EQUITY_COLS = ("enterprise_uid", "holder_name", "ratio", "until", "ended_by", "since", "changes")


def _equity_history(df: pd.DataFrame, ch: pd.DataFrame) -> pd.DataFrame:
    """:func:`etl.roles.equity_history` on the columns it works on and only the rows an equity change names
    (by enterprise and holder name, as it matches them): the other rows come back as they were, with no
    ``changes`` (not a copy of the wide frame, nor a lookup per row that no change names)."""
    part = df[[c for c in _EQUITY_COLS if c in df.columns]]
    named = ch.dropna(subset=["enterprise_ref", "ratio_after"])
    key = (named["enterprise_ref"].astype("string") + "|" + named["holder_name"].astype("string"))
    sel = isin(part["enterprise_uid"].astype("string") + "|" + part["holder_name"].astype("string"), key)
    if not sel.any():  # (equity_history returns such rows as they are)
        return df
    if not df.index.is_unique:  # rows cannot be put back by label
        out = roles.equity_history(part, ch)
        df = df.copy(deep=False)
        for c in out.columns:
            df[c] = out[c]
        return df
    done = roles.equity_history(part[sel], ch)
    rest = part[~sel]
    df = df.copy(deep=False)
    for c in done.columns:
        col = pd.concat([done[c], rest[c]]) if c in rest.columns else done[c]
        df[c] = col.reindex(df.index)
    return df


def breach_events(cm: pd.DataFrame) -> pd.DataFrame:
    """The commitment_breach events of breached or false commitments (rows of :meth:`Builder.subjects`), in
    the columns :meth:`Builder.penalty_events` takes: decided on the check, else the deadline, else the day made."""
    none = pd.Series(pd.NA, index=cm.index, dtype="string")
    return pd.DataFrame({
        "uid": "CB:" + cm["record_id"], "kind": BREACH_KIND, "record_id": cm["record_id"], "doc_no": none,
        "decided": cm["verified"].fillna(cm["deadline"]).fillna(cm["made"]),
        "reason": cm["status"].map(BREACH_REASON).astype("string") + cm["matter"].fillna(""),
        "result": none, "amount": np.nan, "authority": cm["authority"], "region": cm["region"], "status": "active",
        "removed": pd.NaT, "removal_reason": none, "subject_name": cm["subject_name"], "person_name": cm["person_name"],
        "updated_at": cm["updated_at"], "subject_uid": cm["subject_uid"], "subject_label": cm["subject_label"]})


def build(tables: dict[str, pd.DataFrame], report: RejectReport, id_key: bytes, source: str,
          directory: pd.DataFrame | None = None, stored_reps: pd.DataFrame | None = None,
          store=None, *, extract_directory: pd.DataFrame | None = None) -> GraphBatch:
    """Clean tables -> a GraphBatch ready for the store.

    ``directory``: enterprises already in the graph; ``stored_reps``: their
    legal representatives (see :meth:`Builder.legal_reps_from_subjects`);
    ``store``: the graph the batch goes into, for graph-wide identity links (``etl.identity``).
    ``extract_directory``: for one enterprise partition of a bulk load (:mod:`etl.partitioned`), the
    directory of every enterprise of the extract (:func:`directory_rows`): references resolve against it,
    the frames record their slots, and the graph-wide steps (regions, identity links) are the caller's.
    """
    b = Builder(report, id_key, source, directory)
    partition = extract_directory is not None
    if partition:
        b.batch.node_slots, b.batch.rel_slots = {}, []
    ents = tables.get("enterprises")
    if ents is not None:
        ents = b.enterprises(ents, tables.get("cluster_addresses"))
    elif "cluster_addresses" in tables:
        c = tables["cluster_addresses"]
        b.batch.add_nodes("Address", pd.DataFrame({"uid": "ADDR:" + nz.name_key(c["address"].astype("string")),
                                                   "text": c["address"], "region": c["region"], "cluster": True}))
    directory_all = extract_directory if extract_directory is not None else b._directory(ents)
    covered = pd.Series([], dtype="string")
    if "legal_reps" in tables:
        covered = b.legal_reps(tables["legal_reps"], directory_all)
    if ents is not None:
        b.legal_reps_from_subjects(ents, covered, stored_reps)
    if "shareholders" in tables:
        b.shareholders(tables["shareholders"], directory_all, tables.get("equity_changes"))
    for recorded in ("penalties", "commitments", "red_lists"):
        if recorded in tables:
            getattr(b, recorded)(tables[recorded], directory_all)
    for amending in ("equity_changes", "cluster_addresses"):  # they amend other tables' records
        if amending in tables:
            b.batch.count_rows(amending, len(tables[amending]))
    if partition:
        return b.batch
    b.regions()
    t = time.perf_counter()
    link_identities(b.batch, store)
    b.batch.identity_seconds = time.perf_counter() - t
    return b.batch
