"""The grading rules of the public credit grade (:mod:`queries.grade`): ``grading.yaml`` read and checked.

:func:`load_rules` turns the YAML into a :class:`Rules` (weights, bands, caps, k, base score, grade
cut-offs, inspection ratios); a missing or malformed key raises :class:`RulesError` naming the file and
the key, so that a supervisor who edits the file learns what to fix (docs/grading.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from creditgraph.graph.inputs import preview
from creditgraph.graph.model import MODEL

RULES_FILE = Path(__file__).resolve().with_name("grading.yaml")
PARTY_RELS = ("LEGAL_REP", "HOLDS_SHARES")


class RulesError(ValueError):
    """A grading-rules file that cannot be used (the message names the file and the key)."""


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Band:
    """Points for values below ``below`` (None: no upper bound)."""

    below: float | None
    points: float


@dataclass(frozen=True)
class Factor:
    """One reason's code, label and parameters as the rules give them."""

    code: str
    label: str
    points: float = 0.0
    cap: float | None = None
    bands: tuple[Band, ...] = ()
    unknown: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """The grading rules (``grading.yaml``), checked."""

    base: float
    grades: tuple[tuple[str, float | None], ...]
    ended_grade: str
    penalties: dict[str, Factor]
    archived: Factor
    red_list: Factor
    age: Factor
    paid_in: Factor
    linked: Factor
    k: int
    linked_rels: tuple[str, ...]
    linked_kinds: tuple[str, ...]
    points_by_hop: tuple[float, ...]
    detail_parties: int
    shell: Factor
    phoenix: Factor
    ratios: dict[str, float]
    source: str

    @property
    def grade_names(self) -> list[str]:
        return [g for g, _ in self.grades]

    def codes(self) -> list[str]:
        """Every reason code, in the order reasons are listed."""
        return [f.code for f in (*self.penalties.values(), self.archived, self.red_list, self.age, self.paid_in,
                                 self.linked, self.shell, self.phoenix)]


class _Reader:
    """Typed access to the YAML with errors that name the file and the key."""

    def __init__(self, doc: Any, source: str):
        self.doc, self.source = doc, source

    def fail(self, key: str, what: str) -> RulesError:
        return RulesError(f"grading rules {self.source}: {key} {what}")

    def get(self, key: str, default: Any = ...) -> Any:
        node = self.doc
        for part in key.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if not isinstance(node, dict) or part not in node:
                if default is not ...:
                    return default
                raise self.fail(key, "is missing")
            node = node[part]
        return node

    def number(self, key: str, default: Any = ..., allow_none: bool = False) -> float | None:
        v = self.get(key, default)
        if v is None and allow_none:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise self.fail(key, f"must be a number, not {preview(v)}")
        return float(v)

    def req(self, key: str, default: Any = ...) -> float:
        """A number that must be given (or defaulted): never None."""
        v = self.number(key, default)
        assert v is not None  # allow_none is off
        return v

    def text(self, key: str, default: Any = ...) -> str:
        v = self.get(key, default)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"must be a non-empty text, not {preview(v)}")
        return v.strip()

    def mapping(self, key: str, default: Any = ...) -> dict:
        v = self.get(key, default)
        if not isinstance(v, dict):
            raise self.fail(key, f"must be a mapping (key: value lines), not {preview(v)}")
        return v

    def bands(self, key: str) -> tuple[Band, ...]:
        v = self.get(key)
        if not isinstance(v, list) or not v or not all(isinstance(b, dict) for b in v):
            raise self.fail(key, "must be a list of {below: number or null, points: number}")
        out = tuple(Band(self.number(f"{key}.{i}.below", allow_none=True), self.req(f"{key}.{i}.points"))
                    for i in range(len(v)))
        bounds = [b.below for b in out]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise self.fail(key, "must end with one band whose below is null (no upper bound), and only one")
        if any(a >= b for a, b in zip(bounds[:-2], bounds[1:-1])):  # type: ignore[operator]
            raise self.fail(key, "must list its bands in increasing order of below")
        return out

    def factor(self, key: str, *, bands: bool = False, by_kind: bool = False, cap_sign: int = 0,
               unknown_key: str = "unknown") -> Factor:
        code, label = self.text(f"{key}.code"), self.text(f"{key}.label")
        cap = self.number(f"{key}.cap", None, allow_none=True)
        if cap is not None and cap_sign and np.sign(cap) not in (0, cap_sign):
            raise self.fail(f"{key}.cap", f"must be {'negative' if cap_sign < 0 else 'positive'} (or null), not {cap}")
        kw: dict[str, Any] = {"code": code, "label": label, "cap": cap}
        if bands:
            kw["bands"] = self.bands(f"{key}.bands")
            kw["unknown"] = self.req(f"{key}.{unknown_key}", 0.0)
        elif by_kind:
            kinds = self.mapping(f"{key}.points")
            kw["by_kind"] = {str(k): self.req(f"{key}.points.{k}") for k in kinds}
        else:
            kw["points"] = self.req(f"{key}.points")
        return Factor(**kw)

    def ratio_map(self, key: str, grades: list[str]) -> dict[str, float]:
        out = {}
        for g in self.mapping(key):
            if g not in grades:
                raise self.fail(f"{key}.{g}", f"is not a grade; the grades are {grades}")
            r = self.req(f"{key}.{g}")
            if not 0 <= r <= 1:
                raise self.fail(f"{key}.{g}", f"must lie between 0 and 1, not {r}")
            out[str(g)] = r
        return out


def _grades(r: _Reader) -> tuple[tuple[str, float | None], ...]:
    g = r.mapping("grades")
    if len(g) < 2:
        raise r.fail("grades", "must name at least two grades")
    out = [(str(name), r.number(f"grades.{name}", allow_none=True)) for name in g]
    mins = [m for _, m in out]
    if mins[-1] is not None or any(m is None for m in mins[:-1]):
        raise r.fail("grades", f"must give every grade but the last a lowest score, and the last ({out[-1][0]}) null")
    if any(a <= b for a, b in zip(mins[:-2], mins[1:-1])):  # type: ignore[operator]
        raise r.fail("grades", "cut-offs must fall from the best grade to the worst")
    return tuple(out)


def _penalties(r: _Reader) -> dict[str, Factor]:
    kinds = r.mapping("penalties")
    known = MODEL.codes["penalty_kinds"]
    out = {}
    for kind in kinds:
        if kind not in known:
            raise r.fail(f"penalties.{kind}", f"is not a penalty kind; the kinds are {list(known)}")
        key = f"penalties.{kind}"
        banded = "bands" in r.mapping(key)
        out[str(kind)] = r.factor(key, bands=banded, cap_sign=-1, unknown_key="unknown_amount")
    return out


def load_rules(path: str | Path | None = None) -> Rules:
    """The grading rules from ``path`` (default: ``grading.yaml`` beside this module), checked.

    A missing or malformed key raises :class:`RulesError` naming the file and the key.

    >>> rules = load_rules()
    >>> rules.base, rules.grade_names, rules.k
    (80.0, ['优秀', '良好', '中等', '较差'], 2)
    >>> rules.penalties["serious_illegal"].code
    'P_SI'
    """
    src = Path(path) if path is not None else RULES_FILE
    try:
        doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"grading rules {src}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"grading rules {src}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise RulesError(f"grading rules {src}: must be a YAML mapping of keys (base, grades, penalties …)")
    r = _Reader(doc, str(src))
    grades = _grades(r)
    archived = r.factor("archived", cap_sign=-1)
    if not -5 <= archived.points <= 0:
        raise r.fail("archived.points", f"must lie between -5 and 0 (history, not punishment), not {archived.points}")
    k = r.req("linked.k")
    if k != int(k) or not 1 <= k <= 6:
        raise r.fail("linked.k", f"must be a whole number of hops from 1 to 6, not {k}")
    rels = r.get("linked.rels", list(PARTY_RELS))
    if not isinstance(rels, list) or not rels or any(x not in PARTY_RELS for x in rels):
        raise r.fail("linked.rels", f"must list some of {list(PARTY_RELS)}, not {preview(rels)}")
    kinds = r.get("linked.kinds", [])
    if not isinstance(kinds, list) or any(x not in MODEL.codes["penalty_kinds"] for x in kinds):
        raise r.fail("linked.kinds", f"must list penalty kinds ({list(MODEL.codes['penalty_kinds'])}), not {preview(kinds)}")
    hops = r.get("linked.points_by_hop")
    if not isinstance(hops, list) or not hops:
        raise r.fail("linked.points_by_hop", "must be a list of points, one per hop")
    by_hop = tuple(r.req(f"linked.points_by_hop.{i}") for i in range(len(hops)))
    detail_parties = r.req("linked.detail_parties", 5)
    linked = Factor(r.text("linked.code"), r.text("linked.label"), cap=r.number("linked.cap", None, allow_none=True))
    rules = Rules(
        base=r.req("base"), grades=grades, ended_grade=r.text("ended_grade"), penalties=_penalties(r),
        archived=archived, red_list=r.factor("red_list", by_kind=True, cap_sign=1), age=r.factor("age", bands=True),
        paid_in=r.factor("paid_in", bands=True), linked=linked, k=int(k), linked_rels=tuple(rels),
        linked_kinds=tuple(kinds), points_by_hop=by_hop, detail_parties=max(0, int(detail_parties)),
        shell=_signal(r, "shell"), phoenix=_signal(r, "phoenix"),
        ratios=r.ratio_map("supervision.ratios", [g for g, _ in grades]), source=str(src))
    dup = {c for c in rules.codes() if rules.codes().count(c) > 1}
    if dup:
        raise RulesError(f"grading rules {src}: reason codes must differ; {sorted(dup)} used twice")
    return rules


def _signal(r: _Reader, key: str) -> Factor:
    f = r.factor(key)
    return Factor(f.code, f.label, points=f.points, params=dict(r.mapping(f"{key}.params", {})))


def rules_of(rules: Rules | str | Path | None) -> Rules:
    return rules if isinstance(rules, Rules) else load_rules(rules)
