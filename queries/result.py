"""What every analysis returns: a table plus, per row, the subgraph that justifies it.

An :class:`AnalysisResult` holds

* ``table``: one row per finding, with a ``row_id`` column (also the index);
* ``evidence``: ``{row_id: Evidence}`` — for each row the nodes and
  relationships behind it and the same as readable paths. Evidence of
  whole-graph scans is built on first access (the mapping is lazy), so a scan
  that finds thousands of rows does not pay for evidence nobody looks at;
* ``extras``: further tables (e.g. the shell-company clusters);
* ``subgraph``: for neighbourhood and path queries, everything found at once.

Evidence texts never show a phone number or an e-mail address in clear
(:func:`mask_phone`, :func:`mask_email`); ID numbers are never in the graph
(people carry ``id_masked`` only).

Example
-------
>>> b = EvidenceBuilder()
>>> b.node("ID:1", "Person", name="张三")
>>> b.node("E1", "Enterprise", name="甲公司")
>>> b.node("AP:9", "PenaltyEvent", kind="administrative_penalty", decided="2023-05-01", status="active")
>>> b.path(["ID:1", "E1", "AP:9"], [("LEGAL_REP", True), ("PENALIZED", True)])
>>> ev = b.build()
>>> print(ev.paths_text)
张三(自然人) -[法定代表人]-> 甲公司 -[受到处罚]-> 行政处罚2023-05-01
>>> ev.rels[["src", "dst", "type"]].values.tolist()
[['ID:1', 'E1', 'LEGAL_REP'], ['E1', 'AP:9', 'PENALIZED']]
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from creditgraph.graph.model import MODEL
from creditgraph.graph.masking import mask_email, mask_phone  # noqa: F401  (re-exported for the analyses)

NODE_COLUMNS = ["uid", "label", "name", "caption", "props"]
REL_COLUMNS = ["src", "dst", "type", "caption", "props"]

# Short relationship names for path texts (the model's label_zh where it is already short).
REL_TEXT = {
    "LEGAL_REP": "法定代表人",
    "HOLDS_SHARES": "持股",
    "PENALIZED": "受到处罚",
    "REGISTERED_IN": "登记于",
    "LOCATED_IN": "发生于",
    "HAS_ADDRESS": "住所",
    "HAS_PHONE": "联系电话",
    "HAS_EMAIL": "电子邮箱",
    "POSSIBLY_SAME_AS": "疑似同一人",
}
KIND_TEXT = {k: v.get("label_zh", k) for k, v in MODEL.penalty_kinds.items()}
STATUS_TEXT = {k: v.get("label_zh", k) for k, v in MODEL.penalty_statuses.items()}
ACTIVE = "active"

def _clean(v: Any) -> Any:
    """None for missing values (NaN, NaT, pd.NA); dates as ISO strings."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, (_dt.datetime,)):
        return v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        try:
            return v.item()
        except (AttributeError, ValueError):
            return v
    return v


def node_name(label: str, uid: str, props: Mapping[str, Any]) -> str:
    """The display name of a node (what a person recognises), never a clear phone or e-mail."""
    p = {k: _clean(v) for k, v in props.items()}
    if label == "Enterprise":
        return p.get("name") or uid
    if label == "Person":
        return p.get("name") or uid.rsplit(":", 1)[-1]
    if label == "PenaltyEvent":
        kind = KIND_TEXT.get(p.get("kind") or "", p.get("kind") or "处罚/名单")
        return f"{kind}{p.get('decided') or ''}"
    if label == "Region":
        return p.get("name") or uid
    if label == "Address":
        return p.get("text") or uid
    if label == "Phone":
        return p.get("masked") or mask_phone(uid) or ""
    if label == "Email":
        return p.get("masked") or mask_email(uid) or ""
    return p.get("name") or uid


def node_caption(label: str, uid: str, props: Mapping[str, Any]) -> str:
    """The name plus what kind of thing it is where the name alone does not say (``张三(自然人)``)."""
    name = node_name(label, uid, props)
    props = {k: _clean(v) for k, v in props.items()}
    if label == "Person":
        return f"{name}(自然人)"
    if label == "PenaltyEvent":
        st = props.get("status")
        return name if st in (None, ACTIVE) else f"{name}[{STATUS_TEXT.get(st, st)}]"
    if label == "Address" and props.get("cluster"):
        return f"{name}(集中办公区)"
    if label == "Region":
        return f"{name}({uid})"
    return name


def rel_caption(rel_type: str, props: Mapping[str, Any]) -> str:
    """``持股 60%`` for shareholdings, ``疑似同一人 0.8`` for same-person links, else the type's name."""
    text = REL_TEXT.get(rel_type, MODEL.rels[rel_type].label_zh if rel_type in MODEL.rels else rel_type)
    props = {k: _clean(v) for k, v in props.items()}
    if rel_type == "HOLDS_SHARES" and props.get("ratio") is not None:
        return f"{text} {format_ratio(props['ratio'])}"
    if rel_type == "POSSIBLY_SAME_AS" and props.get("score") is not None:
        return f"{text} {props['score']:.2f}"
    return text


def format_ratio(r: float) -> str:
    """``0.5`` → ``50%``, ``0.123456`` → ``12.35%``.

    >>> format_ratio(0.5), format_ratio(0.123456), format_ratio(1/3)
    ('50%', '12.35%', '33.33%')
    """
    pct = round(float(r) * 100, 2)
    return f"{pct:g}%"


@dataclass
class Evidence:
    """The subgraph behind one finding.

    ``nodes``: ``uid, label, name, caption, props`` (``props``: a dict of the
    node's key properties). ``rels``: ``src, dst, type, caption, props``
    (direction as stored). ``paths``: each a list of node uids; ``paths_text``:
    the same paths as readable lines, e.g.
    ``张三(自然人) -[法定代表人]-> 甲公司 -[受到处罚]-> 行政处罚2023-05-01``.
    """

    nodes: pd.DataFrame
    rels: pd.DataFrame
    paths: list[list[str]] = field(default_factory=list)
    path_lines: list[str] = field(default_factory=list)

    @property
    def paths_text(self) -> str:
        return "\n".join(self.path_lines)

    def node_uids(self) -> set[str]:
        return set(self.nodes["uid"])

    def __repr__(self) -> str:
        return f"Evidence({len(self.nodes)} nodes, {len(self.rels)} rels, {len(self.path_lines)} paths)"


class EvidenceBuilder:
    """Collects nodes, relationships and paths, then builds an :class:`Evidence`.

    Nodes are keyed by uid and relationships by ``(type, src, dst)``; adding
    one twice merges its properties. Paths are node-uid lists with, per step,
    ``(rel_type, forward)`` — ``forward`` when the stored relationship points
    from the earlier node to the later one.
    """

    def __init__(self) -> None:
        self._nodes: dict[str, tuple[str, dict]] = {}
        self._rels: dict[tuple[str, str, str], dict] = {}
        self._paths: list[tuple[list[str], list[tuple[str, bool]]]] = []

    def node(self, uid: str, label: str, **props: Any) -> None:
        props = {k: _clean(v) for k, v in props.items()}
        if label == "Phone":
            props["masked"] = props.get("masked") or mask_phone(uid)
        elif label == "Email":
            props["masked"] = props.get("masked") or mask_email(uid)
        if uid in self._nodes:
            old_label, old = self._nodes[uid]
            old.update({k: v for k, v in props.items() if v is not None})
        else:
            self._nodes[uid] = (label, {k: v for k, v in props.items() if v is not None})

    def has_node(self, uid: str) -> bool:
        return uid in self._nodes

    def labels(self) -> dict[str, str]:
        """``uid → label`` of every node added."""
        return {uid: label for uid, (label, _) in self._nodes.items()}

    def node_info(self, uid: str) -> tuple[str, dict]:
        """``(label, props)`` of a node added before."""
        return self._nodes[uid]

    def has_rel(self, src: str, dst: str, rel_type: str) -> bool:
        return (rel_type, src, dst) in self._rels

    def rel_info(self, src: str, dst: str, rel_type: str) -> dict:
        """Properties of a relationship added before (empty when unknown)."""
        return self._rels.get((rel_type, src, dst), {})

    def copy_path(self, other: "EvidenceBuilder", uids: list[str], steps: list[tuple[str, bool]]) -> None:
        """Add a path whose nodes and relationships ``other`` already holds."""
        for u in uids:
            if not self.has_node(u) and other.has_node(u):
                label, props = other.node_info(u)
                self.node(u, label, **props)
        rel_props: list[dict] = []
        for i, (t, fwd) in enumerate(steps):
            a, b = uids[i], uids[i + 1]
            rel_props.append(other.rel_info(a, b, t) if fwd else other.rel_info(b, a, t))
        self.path(uids, steps, rel_props)

    def rel(self, src: str, dst: str, rel_type: str, **props: Any) -> None:
        key = (rel_type, src, dst)
        props = {k: _clean(v) for k, v in props.items() if _clean(v) is not None}
        self._rels.setdefault(key, {}).update(props)

    def path(self, uids: list[str], steps: list[tuple[str, bool]], rel_props: list[dict] | None = None) -> None:
        """Add a path and its relationships (``steps[i]`` joins ``uids[i]`` and ``uids[i+1]``)."""
        if len(steps) != len(uids) - 1:
            raise ValueError("a path of n nodes has n-1 steps")
        for i, (rtype, forward) in enumerate(steps):
            a, b = uids[i], uids[i + 1]
            src, dst = (a, b) if forward else (b, a)
            self.rel(src, dst, rtype, **((rel_props or [{}] * len(steps))[i] or {}))
        self._paths.append((list(uids), list(steps)))

    def caption(self, uid: str) -> str:
        label, props = self._nodes.get(uid, ("", {}))
        return node_caption(label, uid, props) if label else uid

    def path_text(self, uids: list[str], steps: list[tuple[str, bool]]) -> str:
        parts = [self.caption(uids[0])]
        for i, (rtype, forward) in enumerate(steps):
            a, b = uids[i], uids[i + 1]
            key = (rtype, a, b) if forward else (rtype, b, a)
            cap = rel_caption(rtype, self._rels.get(key, {}))
            parts.append(f" -[{cap}]-> " if forward else f" <-[{cap}]- ")
            parts.append(self.caption(b))
        return "".join(parts)

    def build(self, extra_lines: list[str] | None = None) -> Evidence:
        nodes = pd.DataFrame(
            [(uid, label, node_name(label, uid, p), node_caption(label, uid, p), p)
             for uid, (label, p) in self._nodes.items()],
            columns=NODE_COLUMNS,
        )
        rels = pd.DataFrame(
            [(src, dst, rtype, rel_caption(rtype, p), p) for (rtype, src, dst), p in self._rels.items()],
            columns=REL_COLUMNS,
        )
        lines = [self.path_text(u, s) for u, s in self._paths] + list(extra_lines or [])
        return Evidence(nodes=nodes, rels=rels, paths=[u for u, _ in self._paths], path_lines=lines)


class EvidenceMap(Mapping):
    """``{row_id: Evidence}`` built on first access (and then kept)."""

    def __init__(self, keys, build: Callable[[Any], Evidence]):
        self._keys = list(keys)
        self._index = set(self._keys)
        self._build = build
        self._cache: dict[Any, Evidence] = {}

    def __getitem__(self, key) -> Evidence:
        if key not in self._index:
            raise KeyError(key)
        if key not in self._cache:
            self._cache[key] = self._build(key)
        return self._cache[key]

    def __iter__(self) -> Iterator:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"EvidenceMap({len(self._keys)} rows, {len(self._cache)} built)"


@dataclass
class AnalysisResult:
    """One analysis run: its table, per-row evidence and parameters.

    ``table`` has a ``row_id`` column equal to its index; ``evidence[row_id]``
    is that row's :class:`Evidence`.
    """

    analysis: str
    params: dict
    table: pd.DataFrame
    evidence: Mapping[Any, Evidence]
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)
    subgraph: Evidence | None = None

    def __len__(self) -> int:
        return len(self.table)

    def paths_text(self) -> pd.Series:
        """Each row's evidence as readable text (one line per path), indexed by row_id."""
        return pd.Series({rid: self.evidence[rid].paths_text for rid in self.table["row_id"]}, dtype="object")

    def __repr__(self) -> str:
        return f"AnalysisResult({self.analysis}, {len(self.table)} rows)"


def finish(analysis: str, params: dict, rows: pd.DataFrame, build: Callable[[Any], Evidence] | dict,
           extras: dict | None = None, subgraph: Evidence | None = None) -> AnalysisResult:
    """Number the rows (``row_id``) and wrap them with their evidence."""
    table = rows.reset_index(drop=True)
    table.insert(0, "row_id", range(len(table)))
    table.index = table["row_id"].to_numpy()
    if isinstance(build, dict):
        evidence: Mapping = build
    else:
        evidence = EvidenceMap(table["row_id"].tolist(), lambda rid: build(table.loc[rid]))
    return AnalysisResult(analysis=analysis, params=params, table=table, evidence=evidence,
                          extras=extras or {}, subgraph=subgraph)
