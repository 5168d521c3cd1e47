"""Diff a GraphBatch against the graph, so a refresh writes only what changed.

For every node and relationship frame of the batch, the stored rows with the
same keys are fetched (by key, in batches) and compared column by column,
vectorised and null-aware. Rows that are new or differ go into a
:class:`ChangeSet`; equal rows are counted as ``unchanged``. Deletions are
kept only where they name something that exists. Applying the same extract
twice therefore yields an empty change set the second time.

Example
-------
>>> a = pd.Series(["x", None, "y"], dtype="string"); b = pd.Series(["x", None, "z"], dtype="string")
>>> differs(a, b).tolist()
[False, False, True]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from creditgraph.etl.build import GraphBatch
from creditgraph.etl.roles import CORRECTION, ENDED_DELETE_FLAG
from creditgraph.graph.model import KEY, coerce_frame
from creditgraph.graph.store import GraphStore, isin, lookup, pair_key

NODE_ORDER = ["Region", "Enterprise", "Person", "PenaltyEvent", "Commitment", "RedListEntry", "Address", "Phone", "Email"]

# Edges a record owns: when the record is in the extract, its edges of these
# types are exactly the ones the extract gives (an enterprise that moved loses
# its old HAS_ADDRESS edge). (owner label, type, source label, target label, owner end)
OWNED_EDGES = [
    ("Enterprise", "REGISTERED_IN", "Enterprise", "Region", "src"),
    ("Enterprise", "HAS_ADDRESS", "Enterprise", "Address", "src"),
    ("Enterprise", "HAS_PHONE", "Enterprise", "Phone", "src"),
    ("Enterprise", "HAS_EMAIL", "Enterprise", "Email", "src"),
    ("PenaltyEvent", "LOCATED_IN", "PenaltyEvent", "Region", "src"),
    ("PenaltyEvent", "PENALIZED", "Enterprise", "PenaltyEvent", "dst"),
    ("PenaltyEvent", "PENALIZED", "Person", "PenaltyEvent", "dst"),
    ("Commitment", "COMMITTED", "Enterprise", "Commitment", "dst"),
    ("Commitment", "COMMITTED", "Person", "Commitment", "dst"),
    ("RedListEntry", "HONORED", "Enterprise", "RedListEntry", "dst"),
    ("RedListEntry", "HONORED", "Person", "RedListEntry", "dst"),
    # identity links of the people an extract touches are recomputed graph-wide (etl.identity)
    ("Person", "POSSIBLY_SAME_AS", "Person", "Person", "src"),
    ("Person", "POSSIBLY_SAME_AS", "Person", "Person", "dst"),
]

Rels = list[tuple[str, str, str, pd.DataFrame]]


@dataclass
class ChangeSet:
    """What a refresh writes: new rows, changed columns of changed rows, deletions of things that exist.

    Updates are grouped by the set of columns that changed and carry only those
    columns: LadybugDB's checkpoint rewrites every column a write touches, so
    setting 2 columns instead of 22 makes a refresh several times cheaper.
    """

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)            # inserts
    node_updates: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    rels: Rels = field(default_factory=list)                                # inserts
    rel_updates: Rels = field(default_factory=list)
    delete_nodes: dict[str, pd.Series] = field(default_factory=dict)
    delete_rels: Rels = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, name: str, **kw: int) -> None:
        c = self.counts.setdefault(name, {"inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0, "skipped": 0,
                                          "closed": 0})
        for k, v in kw.items():
            c[k] += int(v)

    @property
    def empty(self) -> bool:
        return not (self.nodes or self.node_updates or self.rels or self.rel_updates
                    or self.delete_nodes or self.delete_rels)

    @property
    def total(self) -> int:
        return sum(c["inserted"] + c["updated"] + c["deleted"] + c["closed"] for c in self.counts.values())


# --- fetching stored rows by key (the store's keyed reads, typed by the model) ---------------
def _stored_columns(store: GraphStore, table: str, wanted: list[str]) -> list[str]:
    """The wanted properties the stored schema has (an older graph may lack new ones)."""
    have = store.stored_properties(table)
    return list(wanted) if have is None else [c for c in wanted if c in have]


def fetch_nodes(store: GraphStore, label: str, uids: pd.Series, cols: list[str]) -> pd.DataFrame:
    """``uid`` plus ``cols`` of the stored nodes among ``uids``, typed by the model."""
    props = store.model.node(label).properties
    have = _stored_columns(store, label, cols)
    df = store.nodes_by(label, KEY, uids, have)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="string") for c in [KEY, *cols]})
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return coerce_frame(df[[KEY, *cols]], props)


def fetch_rels(store: GraphStore, rtype: str, a: str, b: str, keys: pd.Series, by: str = "src",
               cols: Sequence[str] = ()) -> pd.DataFrame:
    """``src, dst`` plus ``cols`` of stored ``rtype`` edges whose ``by`` end is among ``keys``."""
    cols = list(cols)
    props = store.model.rel(rtype).properties
    have = _stored_columns(store, rtype, cols)
    df = store.edges_by(rtype, a, b, keys, by, have)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="string") for c in ["src", "dst", *cols]})
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return coerce_frame(df[["src", "dst", *cols]], props, keep=("src", "dst")).astype({"src": "string", "dst": "string"})


def stored_legal_reps(store: GraphStore, enterprise_uids: pd.Series) -> pd.DataFrame:
    """``src`` (person uid), ``dst`` (enterprise uid) and the person's ``name`` of the stored
    legal representatives of ``enterprise_uids``."""
    reps = fetch_rels(store, "LEGAL_REP", "Person", "Enterprise", enterprise_uids, by="dst", cols=["valid_to"])
    reps = reps[reps["valid_to"].isna().to_numpy()].drop(columns="valid_to")  # former representatives stay former
    if reps.empty:
        return reps.assign(name=pd.Series(dtype="string"))
    names = fetch_nodes(store, "Person", reps["src"], ["name"]).drop_duplicates(KEY)
    return reps.merge(names.rename(columns={KEY: "src"}), on="src", how="left")


# --- comparing -----------------------------------------------------------------------
def differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise "not the same value", where two nulls are the same."""
    an, bn = a.isna().to_numpy(), b.isna().to_numpy()
    eq = (a.to_numpy(dtype=object) == b.to_numpy(dtype=object)) if a.dtype != b.dtype else (a == b).fillna(False).to_numpy(dtype=bool)
    return ~((an & bn) | (eq & ~an & ~bn))


def _given(frames: list[pd.DataFrame], key, cols: list[str]) -> dict[str, pd.Series]:
    """Per column, the keys of rows whose frame carried that column.

    A batch combines frames with different columns (a Person named only on an
    enterprise row carries no phone): a column a row's frames did not carry
    keeps its stored value instead of being overwritten with null.
    """
    out = {}
    for c in cols:
        parts = [key(f) for f in frames if c in f.columns]
        out[c] = pd.concat(parts, ignore_index=True) if parts else pd.Series(dtype="string")
    return out


def _keep_ungiven(new: pd.DataFrame, old: pd.DataFrame, keys: pd.Series, old_keys: pd.Series,
                  given: dict[str, pd.Series]) -> pd.DataFrame:
    """Fill the columns a row's frames did not carry from the stored row."""
    new = new.copy()
    pos = pd.Series(np.arange(len(old)), index=old_keys.to_numpy())
    at = keys.map(pos)
    for c, g in given.items():
        fill = ~isin(keys, g) & at.notna().to_numpy()
        if fill.any():
            new.loc[fill, c] = old[c].to_numpy()[at[fill].astype(int).to_numpy()]
    return new


def _changed(new: pd.DataFrame, old: pd.DataFrame, on: list[str], cols: list[str]):
    """Over ``new``: rows absent from ``old``, present rows that differ, and which columns differ."""
    m = new[on + cols].merge(old[on + cols], on=on, how="left", suffixes=("", "__old"), indicator=True)
    is_new = (m["_merge"] == "left_only").to_numpy()
    diff = np.zeros((len(m), len(cols)), dtype=bool)
    for j, c in enumerate(cols):
        diff[:, j] = differs(m[c], m[c + "__old"])
    changed = diff.any(axis=1) & ~is_new
    return is_new, changed, diff


def _update_groups(f: pd.DataFrame, changed: np.ndarray, diff: np.ndarray, on: list[str],
                   cols: list[str]) -> list[pd.DataFrame]:
    """Changed rows split by which columns changed, each frame holding only those columns."""
    rows = np.flatnonzero(changed)
    if not len(rows):
        return []
    # one integer per row naming its set of changed columns (a model table has far fewer than 63)
    sig = diff[rows].astype(np.int64) @ (np.int64(1) << np.arange(len(cols), dtype=np.int64))
    out = []
    for code in np.unique(sig):
        r = rows[sig == code]
        which = [c for j, c in enumerate(cols) if code >> j & 1]
        out.append(f.iloc[r][on + which].reset_index(drop=True))
    return out


class _Edges:
    """Stored edges, fetched once per (type, ends, side) for every key the diff will ask about.

    Each query has a fixed cost (a Neo4j round trip, LadybugDB planning and a
    scan of the keyed end's key column), so the keys are registered first and
    fetched together.
    """

    def __init__(self, store: GraphStore):
        self.store = store
        self.want: dict[tuple, list[pd.Series]] = {}
        self.got: dict[tuple, pd.DataFrame] = {}
        self.asked: dict[tuple, pd.Series] = {}

    def need(self, rtype: str, a: str, b: str, by: str, keys: pd.Series) -> None:
        self.want.setdefault((rtype, a, b, by), []).append(pd.Series(keys, dtype="string"))

    def get(self, rtype: str, a: str, b: str, by: str, keys: pd.Series) -> pd.DataFrame:
        k = (rtype, a, b, by)
        keys = pd.Series(keys, dtype="string")
        # keys not registered before the first fetch (e.g. the far ends of owned edges found by their
        # other end, checked before deletion) are fetched on demand
        late = keys if k not in self.got else keys[~isin(keys, self.asked[k])]
        if k not in self.got or len(late.dropna()):
            every = pd.concat(self.want.get(k, []) + [late], ignore_index=True) if k not in self.got else late
            cols = list(self.store.model.rel(rtype).properties)
            got = fetch_rels(self.store, rtype, a, b, every, by, cols)
            self.got[k] = pd.concat([self.got[k], got], ignore_index=True) if k in self.got else got
            self.got[k] = self.got[k].drop_duplicates(["src", "dst"])
            self.asked[k] = pd.concat([self.asked.get(k, pd.Series(dtype="string")), every], ignore_index=True)
        df = self.got[k]
        return df[isin(df[by], keys)]


# --- the diff ---------------------------------------------------------------------------
_NONE = pd.Series(dtype="string")


@dataclass
class _Diff:
    """One diff in progress: the store, the batch, the change set, and what is gone or upserted."""

    store: GraphStore
    batch: GraphBatch
    cs: ChangeSet = field(default_factory=ChangeSet)
    gone: dict[str, pd.Series] = field(default_factory=dict)        # stored node keys the batch deletes
    upserted: dict[str, pd.Series] = field(default_factory=dict)    # node keys the batch writes

    def __post_init__(self) -> None:
        self.edges = _Edges(self.store)

    def alive(self, label: str, keys: pd.Series) -> np.ndarray:
        """Endpoints that exist after the change: stored and not deleted, or upserted."""
        stored = fetch_nodes(self.store, label, keys, [])[KEY]
        stored = stored[~isin(stored, self.gone.get(label, _NONE))]
        return isin(keys, stored) | isin(keys, self.upserted.get(label, _NONE))


def diff_batch(store: GraphStore, batch: GraphBatch, owned: dict[str, pd.Series] | None = None,
               extra_deletes: tuple[dict[str, pd.Series], Rels] | None = None) -> ChangeSet:
    """The changes that turn the stored graph into the graph plus ``batch``.

    ``owned`` maps a label to the uids whose :data:`OWNED_EDGES` the batch
    replaces; ``extra_deletes`` adds (node keys, edge pairs) to remove, e.g.
    records missing from a full snapshot.
    """
    d = _Diff(store, batch)
    owned = owned or {}
    del_nodes, del_rels = _requested_deletes(batch, extra_deletes)
    _diff_node_deletes(d, del_nodes)
    _diff_nodes(d)
    frames_of = _edge_frames(d)
    del_rels = _plan_edge_reads(d, frames_of, owned, del_rels)
    new_pairs = _diff_edges(d, frames_of)
    del_rels += _stale_owned_edges(d, owned, new_pairs)
    _diff_edge_deletes(d, del_rels, new_pairs)
    return d.cs


def _requested_deletes(batch: GraphBatch, extra_deletes) -> tuple[dict[str, list[str]], Rels]:
    del_nodes: dict[str, list[str]] = {k: list(v) for k, v in batch.delete_nodes.items()}
    del_rels: Rels = list(batch.delete_rels)
    if extra_deletes:
        for label, keys in extra_deletes[0].items():
            del_nodes.setdefault(label, []).extend(pd.Series(keys, dtype="string").tolist())
        del_rels.extend(extra_deletes[1])
    return del_nodes, del_rels


def _diff_node_deletes(d: _Diff, del_nodes: dict[str, list[str]]) -> None:
    """Deletions of nodes that exist."""
    for label, keys in del_nodes.items():
        keys = pd.Series(keys, dtype="string").dropna().drop_duplicates()
        present = fetch_nodes(d.store, label, keys, [])[KEY]
        d.gone[label] = present.reset_index(drop=True)
        if len(present):
            d.cs.delete_nodes[label] = d.gone[label]
            d.cs.count(label, deleted=len(present))


def _diff_nodes(d: _Diff) -> None:
    """Node upserts: new rows, and the changed columns of changed rows."""
    for label in NODE_ORDER:
        frame = d.batch.node_frame(label)
        if frame.empty:
            continue
        f = d.store.prepare_nodes(label, frame)
        cols = [c for c in f.columns if c != KEY]
        old = fetch_nodes(d.store, label, f[KEY], cols)
        old = old[~isin(old[KEY], d.gone.get(label, _NONE))].drop_duplicates(KEY)
        if len(d.batch.nodes.get(label, [])) > 1:
            given = _given(d.batch.nodes[label], lambda x: x[KEY].astype("string"), cols)
            f = _keep_ungiven(f, old, f[KEY], old[KEY], given)
        is_new, changed, diff = _changed(f, old, [KEY], cols)
        d.cs.count(label, inserted=is_new.sum(), updated=changed.sum(), unchanged=len(f) - is_new.sum() - changed.sum())
        if is_new.any():
            d.cs.nodes[label] = f[is_new].reset_index(drop=True)
        groups = _update_groups(f, changed, diff, [KEY], cols)
        if groups:
            d.cs.node_updates[label] = groups
        d.upserted[label] = f[KEY]


EdgeFrames = dict[tuple[str, str, str], tuple[pd.DataFrame, list[pd.DataFrame]]]


def _edge_frames(d: _Diff) -> EdgeFrames:
    """The batch's edges per (type, source label, target label): typed frame and the frames given."""
    grouped: dict[tuple[str, str, str], list[pd.DataFrame]] = {}
    for rtype, a, b, df in d.batch.rels:
        grouped.setdefault((rtype, a, b), []).append(df)
    out: EdgeFrames = {}
    for (rtype, a, b), frames in grouped.items():
        f = d.store.prepare_relationships(rtype, a, b, pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])
        if len(f):
            out[(rtype, a, b)] = (f, frames)
    return out


def _plan_edge_reads(d: _Diff, frames_of: EdgeFrames, owned: dict[str, pd.Series], del_rels: Rels) -> Rels:
    """Register every stored edge the diff will look at (fetched once per type); typed deletions."""
    for (rtype, a, b), (f, _) in frames_of.items():
        d.edges.need(rtype, a, b, "src", f["src"])
    for owner, rtype, a, b, end in OWNED_EDGES:
        keys = owned.get(owner)
        if keys is not None and len(keys):
            d.edges.need(rtype, a, b, end, keys)
    end_cols = ("src", "dst", "valid_to", "ended_by")  # an end frame closes a dated edge (etl.roles)
    typed = [(t, a, b, d.store.prepare_relationships(t, a, b, x[[c for c in x.columns if c in end_cols]]))
             for t, a, b, x in del_rels]
    for rtype, a, b, df in typed:
        d.edges.need(rtype, a, b, "src", df["src"])
    return typed


def _diff_edges(d: _Diff, frames_of: EdgeFrames) -> dict[tuple[str, str, str], pd.Series]:
    """Relationship upserts; returns the pairs the batch gives, per type."""
    new_pairs: dict[tuple[str, str, str], pd.Series] = {}
    for (rtype, a, b), (f, frames) in frames_of.items():
        cols = [c for c in f.columns if c not in ("src", "dst")]
        old = d.edges.get(rtype, a, b, "src", f["src"])[["src", "dst", *cols]]
        dead = isin(old["src"], d.gone.get(a, _NONE)) | isin(old["dst"], d.gone.get(b, _NONE))
        old = old[~dead]
        if len(frames) > 1:
            given = _given(frames, lambda x: pair_key(x["src"], x["dst"]), cols)
            f = _keep_ungiven(f, old, pair_key(f["src"], f["dst"]), pair_key(old["src"], old["dst"]), given)
        if rtype in d.store.model.dated_rels and "valid_from" in f.columns:
            f = _role_starts(d, f, old, b)
        is_new, changed, diff = _changed(f, old, ["src", "dst"], cols)
        ok = np.ones(len(f), dtype=bool)
        if is_new.any():
            ok[is_new] = d.alive(a, f["src"][is_new]) & d.alive(b, f["dst"][is_new])
        d.cs.count(rtype, inserted=(is_new & ok).sum(), updated=changed.sum(), skipped=(~ok).sum(),
                   unchanged=len(f) - is_new.sum() - changed.sum())
        if (is_new & ok).any():
            d.cs.rels.append((rtype, a, b, f[is_new & ok].reset_index(drop=True)))
        for g in _update_groups(f, changed, diff, ["src", "dst"], cols):
            d.cs.rel_updates.append((rtype, a, b, g))
        new_pairs[(rtype, a, b)] = pair_key(f["src"], f["dst"])
    return new_pairs


def _stale_owned_edges(d: _Diff, owned: dict[str, pd.Series], new_pairs: dict) -> Rels:
    """Edges owned by records in the extract that the extract no longer gives."""
    out: Rels = []
    for owner, rtype, a, b, end in OWNED_EDGES:
        keys = owned.get(owner)
        if keys is None or not len(keys):
            continue
        old = d.edges.get(rtype, a, b, end, keys)
        stale = ~isin(pair_key(old["src"], old["dst"]), new_pairs.get((rtype, a, b), _NONE))
        if stale.any():
            out.append((rtype, a, b, old.loc[stale, ["src", "dst"]]))
    return out


def _role_starts(d: _Diff, f: pd.DataFrame, old: pd.DataFrame, b: str) -> pd.DataFrame:
    """Start dates of dated edges (docs/time.md): a start the batch does not give keeps the stored
    one; a new role of an enterprise already in the graph, or a reopened role, starts on the
    batch's effective date when no start is given."""
    key, old_key = pair_key(f["src"], f["dst"]), pair_key(old["src"], old["dst"])
    stored_from = lookup(key, pd.Series(old["valid_from"].to_numpy(), index=old_key.to_numpy()))
    stored_to = lookup(key, pd.Series(old["valid_to"].to_numpy(), index=old_key.to_numpy()))
    exists = isin(key, old_key)
    reopen = exists & stored_to.notna().to_numpy() & f["valid_to"].isna().to_numpy()
    vf = f["valid_from"].where(f["valid_from"].notna() | reopen, stored_from)
    fresh = ~exists & vf.isna().to_numpy()
    if fresh.any():
        fresh[fresh] = isin(f["dst"][fresh], fetch_nodes(d.store, b, f["dst"][fresh], [])[KEY])
    start_now = vf.isna().to_numpy() & (fresh | reopen)
    if start_now.any():
        vf = vf.copy()
        vf[start_now] = pd.Timestamp(d.batch.effective)
    return f.assign(valid_from=vf.astype(f["valid_from"].dtype))


def _diff_edge_deletes(d: _Diff, del_rels: Rels, given: dict[tuple[str, str, str], pd.Series]) -> None:
    """Deletions of edges that exist (each once). For dated edges (roles, holdings) a deletion
    closes the stored edge unless it is a correction (etl.roles); an edge the batch also gives
    is not closed."""
    seen: dict[tuple[str, str, str], pd.Series] = {}
    for rtype, a, b, df in del_rels:
        if df.empty:
            continue
        old = d.edges.get(rtype, a, b, "src", df["src"])
        hit = df[isin(pair_key(df["src"], df["dst"]), pair_key(old["src"], old["dst"]))]
        hit = hit[~isin(pair_key(hit["src"], hit["dst"]), seen.get((rtype, a, b), _NONE))]
        if len(hit):
            seen[(rtype, a, b)] = pd.concat([seen.get((rtype, a, b), _NONE), pair_key(hit["src"], hit["dst"])])
            if rtype in d.store.model.dated_rels:
                hit = _close_roles(d, rtype, a, b, hit, old, given.get((rtype, a, b), _NONE))
            if len(hit):
                d.cs.delete_rels.append((rtype, a, b, hit[["src", "dst"]].reset_index(drop=True)))
                d.cs.count(rtype, deleted=len(hit))


def _close_roles(d: _Diff, rtype: str, a: str, b: str, hit: pd.DataFrame, old: pd.DataFrame,
                 given: pd.Series) -> pd.DataFrame:
    """Close the open edges among ``hit`` (an update of ``valid_to``, ``ended_by``); return the
    corrections, which are deleted."""
    why = hit["ended_by"] if "ended_by" in hit.columns else pd.Series(pd.NA, index=hit.index, dtype="string")
    fix = (why == CORRECTION).fillna(False).to_numpy()
    ends = hit[~fix & ~isin(pair_key(hit["src"], hit["dst"]), given)]
    open_ = old.loc[old["valid_to"].isna().to_numpy(), ["src", "dst"]]
    ends = ends[isin(pair_key(ends["src"], ends["dst"]), pair_key(open_["src"], open_["dst"]))]
    if len(ends):
        when = ends["valid_to"] if "valid_to" in ends.columns else pd.Series(pd.NaT, index=ends.index)
        close = pd.DataFrame({"src": ends["src"], "dst": ends["dst"],
                              "valid_to": when.fillna(pd.Timestamp(d.batch.effective)),
                              "ended_by": why[ends.index].fillna(ENDED_DELETE_FLAG)}).reset_index(drop=True)
        d.cs.rel_updates.append((rtype, a, b, d.store.prepare_relationships(rtype, a, b, close)))
        d.cs.count(rtype, closed=len(close))
    return hit[fix]


def _not_deleted(updates: Rels, deletes: Rels) -> Rels:
    """The updates without the edges the same change set deletes (staged before the deletion, an update
    would otherwise create them again)."""
    gone: dict[tuple[str, str, str], pd.Series] = {}
    for rtype, a, b, df in deletes:
        key = pair_key(df["src"], df["dst"])
        gone[(rtype, a, b)] = pd.concat([gone[(rtype, a, b)], key]) if (rtype, a, b) in gone else key
    out: Rels = []
    for rtype, a, b, df in updates:
        if (rtype, a, b) in gone:
            df = df[~isin(pair_key(df["src"], df["dst"]), gone[(rtype, a, b)])]
        out.append((rtype, a, b, df))
    return out


def apply_changes(store: GraphStore, cs: ChangeSet, progress=None, midway: Callable[[], None] | None = None) -> None:
    """Write a change set: relationship deletions, node deletions (then ``midway``, a test hook), nodes,
    new relationships, changed relationships. The changed relationships are staged first, before any
    write (:meth:`GraphStore.stage_relationship_updates`: the embedded store reads the values they keep
    while nothing has been written yet)."""
    say = progress or (lambda stage, msg: None)
    staged = store.stage_relationship_updates(_not_deleted(cs.rel_updates, cs.delete_rels))
    for rtype, a, b, df in cs.delete_rels:
        store.delete_known_relationships(rtype, a, b, df)
    for label, keys in cs.delete_nodes.items():
        store.delete_nodes(label, keys)
    if midway is not None:
        midway()
    for label in NODE_ORDER:
        if label in cs.nodes:
            say("apply", f"{label}: {len(cs.nodes[label]):,} new nodes")
            store.upsert_nodes(label, cs.nodes[label])
        for df in cs.node_updates.get(label, []):
            say("apply", f"{label}: {len(df):,} nodes, {len(df.columns) - 1} columns changed")
            store.upsert_nodes(label, df)
    for rtype, a, b, df in cs.rels:
        say("apply", f"{rtype} {a}->{b}: {len(df):,} new edges")
        store.insert_relationships(rtype, a, b, df)
    for rtype, a, b, df in cs.rel_updates:
        say("apply", f"{rtype} {a}->{b}: {len(df):,} edges, {len(df.columns) - 2} columns changed")
    store.write_relationship_updates(staged)
