"""The graph model, loaded from ``schema.yaml`` (the single source of truth).

Everything that needs to know a label, a relationship type, a property or a
display name asks this module: the stores build their schema from it, the ETL
coerces frames to its types, the app takes its captions from it.

Example
-------
>>> MODEL.node("Enterprise").key
'uid'
>>> MODEL.rel("HOLDS_SHARES").pairs
(('Person', 'Enterprise'), ('Enterprise', 'Enterprise'))
>>> MODEL.node("Person").properties["birth_year"].type
'INT64'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Iterable

import pandas as pd
import yaml

KEY = "uid"
PROPERTY_TYPES = ("STRING", "INT64", "DOUBLE", "BOOL", "DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    label_zh: str = ""
    index: bool = False
    fulltext: bool = False
    renamed_from: str = ""  # the property's name in an older model: a writable open moves its values


@dataclass(frozen=True)
class NodeType:
    label: str
    label_zh: str
    label_en: str
    description: str
    properties: dict[str, Property]
    featured: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    key: str = KEY


@dataclass(frozen=True)
class RelType:
    type: str
    label_zh: str
    label_en: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, Property]
    caption: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, _ in self.pairs))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for _, b in self.pairs))


@dataclass(frozen=True)
class GraphModel:
    version: int
    nodes: dict[str, NodeType]
    rels: dict[str, RelType]
    penalty_kinds: dict[str, dict] = field(default_factory=dict)
    penalty_statuses: dict[str, dict] = field(default_factory=dict)
    #: every code table of the schema by name (penalty_kinds, commitment_kinds, red_list_kinds …)
    codes: dict[str, dict[str, dict]] = field(default_factory=dict)

    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except KeyError:
            raise KeyError(f"unknown node label {label!r}; the model has {sorted(self.nodes)}") from None

    def rel(self, rel_type: str) -> RelType:
        try:
            return self.rels[rel_type]
        except KeyError:
            raise KeyError(f"unknown relationship type {rel_type!r}; the model has {sorted(self.rels)}") from None

    def check_pair(self, rel_type: str, src: str, dst: str) -> None:
        if (src, dst) not in self.rel(rel_type).pairs:
            raise ValueError(f"{rel_type} does not connect {src} to {dst}; allowed: {self.rel(rel_type).pairs}")

    @cached_property
    def signature(self) -> str:
        """A short fingerprint of the whole schema, stored beside the version."""
        import hashlib
        import json

        doc = {
            "nodes": {label: {p: v.type for p, v in n.properties.items()} for label, n in self.nodes.items()},
            "rels": {t: {"pairs": r.pairs, "props": {p: v.type for p, v in r.properties.items()}} for t, r in self.rels.items()},
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]

    @cached_property
    def dated_rels(self) -> tuple[str, ...]:
        """Relationship types that are intervals (``valid_from`` / ``valid_to``): roles and holdings.
        Ending one closes it; only a correction deletes it."""
        return tuple(t for t, r in self.rels.items() if {"valid_from", "valid_to"} <= set(r.properties))

    def renamed(self) -> list[tuple[str, str, str]]:
        """``(relationship type, old name, new name)`` of the relationship properties renamed since an
        older model; a writable store moves the values across when it opens an older graph."""
        return [(t, p.renamed_from, p.name) for t, r in self.rels.items() for p in r.properties.values()
                if p.renamed_from]

    def kind_code(self, kind: str) -> str:
        return self.penalty_kinds[kind]["code"]


def _props(raw: dict) -> dict[str, Property]:
    out = {}
    for name, spec in (raw or {}).items():
        if spec["type"] not in PROPERTY_TYPES:
            raise ValueError(f"property {name}: unknown type {spec['type']}")
        out[name] = Property(name=name, **spec)
    return out


def load_model(text: str | None = None) -> GraphModel:
    """Parse a schema document (default: the packaged ``schema.yaml``)."""
    if text is None:
        text = resources.files("creditgraph.graph").joinpath("schema.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    nodes = {}
    for label, spec in doc["nodes"].items():
        props = _props(spec["properties"])
        if KEY not in props:
            raise ValueError(f"node {label} has no {KEY} property")
        nodes[label] = NodeType(
            label=label,
            label_zh=spec.get("label_zh", label),
            label_en=spec.get("label_en", label),
            description=" ".join(str(spec.get("description", "")).split()),
            properties=props,
            featured=tuple(spec.get("featured", ())),
            search=tuple(spec.get("search", ())),
            personal=tuple(spec.get("personal", ())),
        )
    rels = {}
    for rtype, spec in doc["relationships"].items():
        pairs = tuple(tuple(p) for p in spec["pairs"])
        for a, b in pairs:
            if a not in nodes or b not in nodes:
                raise ValueError(f"relationship {rtype} names an unknown label in {a}->{b}")
        rels[rtype] = RelType(
            type=rtype,
            label_zh=spec.get("label_zh", rtype),
            label_en=spec.get("label_en", rtype),
            pairs=pairs,
            properties=_props(spec.get("properties")),
            caption=spec.get("caption"),
        )
    return GraphModel(
        version=int(doc["version"]),
        nodes=nodes,
        rels=rels,
        penalty_kinds=doc.get("penalty_kinds", {}),
        penalty_statuses=doc.get("penalty_statuses", {}),
        codes={k: {str(c): v for c, v in doc[k].items()} for k in doc
               if k.endswith(("_kinds", "_statuses")) and isinstance(doc[k], dict)},
    )


MODEL = load_model()


# --- frames ---------------------------------------------------------------

_PANDAS_TYPES = {
    "STRING": "string",
    "INT64": "Int64",
    "DOUBLE": "float64",
    "BOOL": "boolean",
}


def coerce_column(series: pd.Series, ptype: str) -> pd.Series:
    """Cast a column to the pandas dtype that stands for a model type."""
    if ptype in ("DATE", "TIMESTAMP"):
        out = pd.to_datetime(series, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(None)
        out = out.astype("datetime64[us]")
        return out.dt.normalize() if ptype == "DATE" else out
    if ptype == "DOUBLE":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if ptype == "INT64":
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if ptype == "BOOL":
        return series.astype("boolean")
    return series.astype("string")


def coerce_frame(df: pd.DataFrame, props: dict[str, Property], keep: Iterable[str] = ()) -> pd.DataFrame:
    """Keep the model's properties (and ``keep`` columns) present in ``df``, typed.

    Unknown columns raise, so a typo in the ETL cannot silently drop data.
    """
    keep = list(keep)
    unknown = [c for c in df.columns if c not in props and c not in keep]
    if unknown:
        raise ValueError(f"columns {unknown} are not properties in the graph model (known: {sorted(props)})")
    out = {}
    for col in df.columns:
        out[col] = df[col] if col in keep else coerce_column(df[col], props[col].type)
    return pd.DataFrame(out, index=df.index)
