"""Association analyses over the credit graph (GitHub issue #5).

Every analysis is a function ``analysis(store, …) -> AnalysisResult`` that runs
on either store (embedded LadybugDB or Neo4j): its Cypher lives in
``queries/cypher`` as named queries, whole-graph algorithms run in Python on
edge arrays. ``ANALYSES`` lists them by name for the command line and the app;
:func:`parameters` describes each one's parameters (name, type, default,
help) and :func:`coerce` turns command-line strings into those types::

    from creditgraph.queries import ANALYSES, coerce
    fn = ANALYSES["repeat_offenders"]
    result = fn(store, **coerce("repeat_offenders", {"level": "person"}))
    export(result, "out.xlsx")

Families: :mod:`queries.neighborhood`, :mod:`queries.paths`,
:mod:`queries.equity`, :mod:`queries.shell`, :mod:`queries.repeat`,
:mod:`queries.cross_region`, :mod:`queries.suspected`, :mod:`queries.groups`,
:mod:`queries.name_hubs`, :mod:`queries.red_black`; people resolved over ``POSSIBLY_SAME_AS`` links in
:mod:`queries.identity` (every person-level analysis takes ``min_identity_score``),
the end of a company from every signal in :mod:`queries.lifecycle`;
results in :mod:`queries.result`, files in :mod:`queries.export`.
"""
from __future__ import annotations

from pathlib import Path as _Path

from creditgraph.graph import cypher as _cypher
from creditgraph.queries.cypher_gen import expand as _expand

# Registered first, before the analyses import: a thread that imports this package while another is
# still importing it (Streamlit's script thread) must never see it without its named queries.
_cypher.register(_Path(__file__).resolve().parent / "cypher", _expand)

import inspect
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from creditgraph.graph.inputs import preview  # error messages never echo a huge input
from creditgraph.queries.cross_region import cross_region_links
from creditgraph.queries.equity import controlled_by, equity_penetration
from creditgraph.queries.export import export
from creditgraph.queries.groups import risk_groups, risk_propagation
from creditgraph.queries.name_hubs import name_hubs
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.paths import paths
from creditgraph.queries.red_black import red_black_links
from creditgraph.queries.repeat import phoenix_cases, repeat_offenders
from creditgraph.queries.result import AnalysisResult, Evidence
from creditgraph.queries.shell import shell_company_candidates
from creditgraph.queries.suspected import suspected_relations

ANALYSES: dict[str, Callable[..., AnalysisResult]] = {
    "neighborhood": neighborhood,
    "paths": paths,
    "equity_penetration": equity_penetration,
    "controlled_by": controlled_by,
    "shell_company_candidates": shell_company_candidates,
    "repeat_offenders": repeat_offenders,
    "phoenix_cases": phoenix_cases,
    "cross_region_links": cross_region_links,
    "suspected_relations": suspected_relations,
    "risk_groups": risk_groups,
    "risk_propagation": risk_propagation,
    "name_hubs": name_hubs,
    "red_black_links": red_black_links,
}

# Parameters that take one of a few values.
CHOICES = {
    ("repeat_offenders", "level"): ("enterprise", "person"),
    ("cross_region_links", "level"): ("province", "city", "county"),
}


@dataclass(frozen=True)
class Param:
    """One parameter of an analysis, for a command line or a form."""

    name: str
    type: str  # "str", "int", "float", "bool", "list[str]", "dict[str,float]"
    default: Any
    required: bool
    optional: bool  # None is allowed
    help: str
    choices: tuple[str, ...] | None = None


_TYPE_NAMES = {str: "str", int: "int", float: "float", bool: "bool"}


def _type_name(tp) -> tuple[str, bool]:
    """A simple type name for an annotation, and whether None is allowed."""
    optional = False
    args = typing.get_args(tp)
    if args and type(None) in args:
        optional = True
        rest = [a for a in args if a is not type(None)]
        tp = rest[0] if len(rest) == 1 else tp
    origin = typing.get_origin(tp)
    if tp in _TYPE_NAMES:
        return _TYPE_NAMES[tp], optional
    if origin in (list, tuple, Sequence):
        return "list[str]", optional
    if origin is dict:
        return "dict[str,float]", optional
    return "str", optional


def _doc_params(fn) -> dict[str, str]:
    """Parameter help from a numpydoc ``Parameters`` section."""
    doc = inspect.getdoc(fn) or ""
    m = re.search(r"Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    out: dict[str, str] = {}
    if not m:
        return out
    current: list[str] = []
    text: list[str] = []
    for line in m.group(1).splitlines():
        if line and not line.startswith(" "):
            for name in current:
                out[name] = " ".join(text).strip()
            current = [n.strip() for n in line.split(":")[0].split(",")]
            text = []
        else:
            text.append(line.strip())
    for name in current:
        out[name] = " ".join(text).strip()
    return out


def parameters(name: str) -> list[Param]:
    """The parameters of analysis ``name`` (the store excluded), with types, defaults and help."""
    fn = ANALYSES[name]
    hints = typing.get_type_hints(fn)
    helps = _doc_params(fn)
    out = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        tname, optional = _type_name(hints.get(p.name, str))
        required = p.default is inspect.Parameter.empty
        out.append(Param(p.name, tname, None if required else p.default, required, optional,
                         helps.get(p.name, ""), CHOICES.get((name, p.name))))
    return out


def coerce(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Turn command-line strings into the analysis's parameter types.

    Lists are comma-separated (``"LEGAL_REP,HOLDS_SHARES"``), weights
    ``key=value`` pairs (``"hub_legal_rep=0.5,short_life=0"``), booleans
    ``true/false/1/0/yes/no``; ``"none"`` gives None where allowed. Values that
    are not strings pass through.

    >>> coerce("neighborhood", {"uid": "E1", "hops": "3", "include_history": "yes", "rel_types": "LEGAL_REP"})
    {'uid': 'E1', 'hops': 3, 'include_history': True, 'rel_types': ['LEGAL_REP']}
    """
    spec = {p.name: p for p in parameters(name)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in spec:
            raise ValueError(f"{name} has no parameter {preview(key)}; it takes {sorted(spec)}")
        p = spec[key]
        if not isinstance(value, str):
            out[key] = value
            continue
        v = value.strip()
        if len(v) > 1000:  # a command-line value, not a document
            raise ValueError(f"{key}: value too long ({len(v):,} characters)")
        if p.optional and v.lower() in ("none", "null", ""):
            out[key] = None
        elif p.type == "int":
            out[key] = int(v)
        elif p.type == "float":
            out[key] = float(v)
        elif p.type == "bool":
            if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"{key}: expected true or false, got {preview(value)}")
            out[key] = v.lower() in ("true", "1", "yes")
        elif p.type == "list[str]":
            out[key] = [x.strip() for x in v.split(",") if x.strip()]
        elif p.type == "dict[str,float]":
            out[key] = {k.strip(): float(x) for k, _, x in (item.partition("=") for item in v.split(",") if item)}
        else:
            out[key] = v
        if p.choices and out[key] not in p.choices:
            raise ValueError(f"{key} must be one of {p.choices}, not {preview(value)}")
    return out


__all__ = ["ANALYSES", "AnalysisResult", "Evidence", "Param", "coerce", "export", "parameters", *ANALYSES]
