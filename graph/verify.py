"""Integrity checks of a stored graph: what ``creditgraph verify`` runs.

A graph can look right to a full scan and still answer keyed lookups wrongly
(LadybugDB 0.22 corrupted its forward adjacency after relationship-property
updates; see :mod:`graph.embedded`). So every relationship table is read three
ways and the answers compared:

* a full scan of ``(src, dst)`` pairs;
* lookups from the source end: for each sampled source key, its edges;
* lookups from the target end: for each sampled target key, its edges.

Besides: node keys present and unique per label, no edge with a missing end,
at most one edge of a type per pair of nodes, and the counts per label and
type equal to those the last load or refresh recorded in its manifest.

Cost: one scan per relationship table plus one batched lookup query per
50,000 sampled keys and end; ``sample=None`` checks every key.

Example
-------
>>> from creditgraph.graph.embedded import EmbeddedStore
>>> import tempfile
>>> s = EmbeddedStore(tempfile.mkdtemp())
>>> _ = s.upsert_nodes("Region", pd.DataFrame({"uid": ["33"], "name": ["浙江省"]}))
>>> verify(s).ok
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from creditgraph.graph.model import KEY
from creditgraph.graph.store import GraphStore, isin, pair_key

SHOWN = 5  # examples kept per problem


@dataclass
class Problem:
    check: str       # keys | dangling | duplicates | forward | backward | counts
    element: str     # label, or "TYPE A->B"
    count: int
    examples: list = field(default_factory=list)

    def line(self) -> str:
        ex = f" (e.g. {'; '.join(map(str, self.examples[:3]))})" if self.examples else ""
        return f"{self.check}: {self.element}: {self.count:,}{ex}"


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # element -> keys or rows checked

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]


def _lookup(store: GraphStore, rtype: str, a: str, b: str, by: str, keys: pd.Series) -> pd.DataFrame:
    """Edges of each key's node at its ``by`` end, reached from that node (the store's keyed read)."""
    df = store.edges_by(rtype, a, b, keys, by)
    if df.empty:
        return pd.DataFrame({"src": pd.Series(dtype="string"), "dst": pd.Series(dtype="string")})
    return df[["src", "dst"]].astype({"src": "string", "dst": "string"})


def _sample(keys: pd.Series, n: int | None, seed: int) -> pd.Series:
    keys = keys.dropna().drop_duplicates()
    if n is None or len(keys) <= n:
        return keys.reset_index(drop=True)
    return keys.sample(n=n, random_state=seed).reset_index(drop=True)


def _pair_diff(expected: pd.DataFrame, got: pd.DataFrame) -> tuple[int, list]:
    """Pairs in one and not the other (as multisets of ``src|dst`` strings), with examples."""
    e = pair_key(expected["src"], expected["dst"]).value_counts()
    g = pair_key(got["src"], got["dst"]).value_counts()
    both = e.to_frame("e").join(g.to_frame("g"), how="outer").fillna(0)
    bad = both[both["e"] != both["g"]]
    examples = [f"{k.replace(chr(31), '->')} scan {int(r.e)} lookup {int(r.g)}" for k, r in bad.head(SHOWN).iterrows()]
    return int((bad["e"] - bad["g"]).abs().sum()), examples


def check_keys(store: GraphStore, report: VerifyReport) -> None:
    for label in store.model.nodes:
        keys = store.node_keys(label).astype("string")
        missing = int(keys.isna().sum() + (keys.str.len() == 0).sum())
        dup = keys[keys.duplicated(keep=False) & keys.notna()]
        report.checked[label] = len(keys)
        if missing:
            report.problems.append(Problem("keys", label, missing, ["node without a uid"]))
        if len(dup):
            report.problems.append(Problem("keys", label, int(dup.nunique()), dup.drop_duplicates().head(SHOWN).tolist()))


def check_relationship(store: GraphStore, rtype: str, a: str, b: str, report: VerifyReport,
                       sample: int | None, seed: int) -> None:
    name = f"{rtype} {a}->{b}"
    scan = store.run(f"MATCH (x:{a})-[r:{rtype}]->(y:{b}) RETURN x.{KEY} AS src, y.{KEY} AS dst")
    scan = scan.astype({"src": "string", "dst": "string"}) if len(scan) else \
        pd.DataFrame({"src": pd.Series(dtype="string"), "dst": pd.Series(dtype="string")})
    report.checked[name] = len(scan)
    dangling = scan["src"].isna() | scan["dst"].isna()
    if dangling.any():
        report.problems.append(Problem("dangling", name, int(dangling.sum()),
                                       scan[dangling].head(SHOWN).astype(str).values.tolist()))
    scan = scan[~dangling]
    dup = pair_key(scan["src"], scan["dst"])
    dup = dup[dup.duplicated()]
    if len(dup):
        report.problems.append(Problem("duplicates", name, len(dup),
                                       [d.replace("\x1f", "->") for d in dup.head(SHOWN)]))
    if scan.empty:
        return
    for by, check in (("src", "forward"), ("dst", "backward")):
        keys = _sample(scan[by], sample, seed)
        expected = scan[isin(scan[by], keys)]
        got = _lookup(store, rtype, a, b, by, keys)
        n, examples = _pair_diff(expected, got)
        if n:
            report.problems.append(Problem(check, name, n, examples))


def check_counts(store: GraphStore, expected: dict[str, int], report: VerifyReport) -> None:
    have = store.counts()
    off = {k: (v, have.get(k)) for k, v in expected.items() if have.get(k) != v}
    if off:
        report.problems.append(Problem("counts", "graph vs last manifest", len(off),
                                       [f"{k}: manifest {v:,} graph {h if h is None else f'{h:,}'}"
                                        for k, (v, h) in off.items()]))


Touched = dict[tuple[str, str, str], tuple[pd.Series, pd.Series]]  # (type, src label, dst label) -> (src, dst keys)


def _unique(keys: pd.Series, n: int | None, seed: int) -> pd.Series:
    return _sample(pd.Series(keys, dtype="string"), n, seed)


def check_lookups_agree(store: GraphStore, rtype: str, a: str, b: str, src_keys: pd.Series, dst_keys: pd.Series,
                        report: VerifyReport) -> None:
    """The edges read from the given nodes at one end are the edges read from their other ends: every edge a
    lookup from a source finds, a lookup from its target finds too, and the other way round (the damage
    LadybugDB did: lookups from the source returning other nodes' edges). Reads only the adjacency of these
    nodes and of the nodes at their edges' far ends: no scan."""
    name = f"{rtype} {a}->{b}"
    fwd, bwd = _lookup(store, rtype, a, b, "src", src_keys), _lookup(store, rtype, a, b, "dst", dst_keys)
    far_dst = fwd["dst"][~isin(fwd["dst"], dst_keys)].drop_duplicates()
    far_src = bwd["src"][~isin(bwd["src"], src_keys)].drop_duplicates()
    from_dst = pd.concat([bwd, _lookup(store, rtype, a, b, "dst", far_dst)], ignore_index=True)  # no keys: no read
    from_src = pd.concat([fwd, _lookup(store, rtype, a, b, "src", far_src)], ignore_index=True)
    report.checked[name] = report.checked.get(name, 0) + len(fwd) + len(bwd)
    for check, seen, other in (("forward", fwd, from_dst), ("backward", bwd, from_src)):
        key = pair_key(seen["src"], seen["dst"])
        missing = key[~isin(key, pair_key(other["src"], other["dst"]))]
        if len(missing):
            report.problems.append(Problem(check, name, len(missing), [k.replace("\x1f", "->") for k in missing.head(SHOWN)]))
    dup = pair_key(fwd["src"], fwd["dst"])
    dup = dup[dup.duplicated()]
    if len(dup):
        report.problems.append(Problem("duplicates", name, len(dup), [d.replace("\x1f", "->") for d in dup.head(SHOWN)]))


def verify_touched(store: GraphStore, touched: Touched, sample: int | None = 2000,
                   expected_counts: dict[str, int] | None = None, seed: int = 0) -> VerifyReport:
    """The check of a write, in proportion to what it wrote: for each relationship table the write touched,
    ``sample`` of its written source and target keys (``None``: all) checked by
    :func:`check_lookups_agree`, and the counts against those the write recorded. The full check
    (:func:`verify`, ``creditgraph verify``) scans every table: ~17 s at 1M enterprises."""
    report = VerifyReport()
    for (rtype, a, b), (src, dst) in touched.items():
        src, dst = _unique(src, sample, seed), _unique(dst, sample, seed)
        if len(src) or len(dst):
            check_lookups_agree(store, rtype, a, b, src, dst, report)
    if expected_counts:
        check_counts(store, expected_counts, report)
    return report


def verify(store: GraphStore, sample: int | None = 2000, expected_counts: dict[str, int] | None = None,
           seed: int = 0) -> VerifyReport:
    """Run every check; ``sample`` keys per relationship end (``None``: all keys)."""
    report = VerifyReport()
    check_keys(store, report)
    for rtype, rel in store.model.rels.items():
        for a, b in rel.pairs:
            check_relationship(store, rtype, a, b, report, sample, seed)
    if expected_counts:
        check_counts(store, expected_counts, report)
    return report


__all__ = ["Problem", "Touched", "VerifyReport", "verify", "verify_touched", "check_lookups_agree"]
