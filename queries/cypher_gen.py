"""Expand the per-label Cypher templates into named query files.

LadybugDB finds a node fast only through its label's primary-key index:
``MATCH (a:Enterprise {uid: $uid})`` is a lookup (well under 1 ms on a
1M-enterprise graph), while ``MATCH (a {uid: $uid})`` and
``MATCH (a:Enterprise:Person {uid: $uid})`` scan every table (100–600 ms), and
a ``UNION ALL`` over the labels pays for every branch. Labels cannot be query
parameters, so the queries that start from a node of any label exist once per
label: ``neighborhood_enterprise``, ``neighborhood_person``, … The templates in
``queries/cypher/templates`` hold one text per dialect with ``{{label}}`` (or
``{{a}}``/``{{b}}``) placeholders; :func:`expand` expands them in memory when the
query registry (:func:`graph.cypher.registry`) is first read, so no expanded copy
can drift from its template.

    python -m creditgraph.queries.cypher_gen NAME     # print the expanded texts of NAME (both dialects)
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "cypher"
TEMPLATES = FOLDER / "templates"
DIALECTS = ("ladybug", "neo4j")

# Node kinds a neighbourhood can start from (Region is left out: a region's neighbourhood is a province).
CENTRE_LABELS = ("Enterprise", "Person", "PenaltyEvent", "Address", "Phone", "Email")
PARTY_LABELS = ("Enterprise", "Person")

# Which penalty events a path may pass: "every" one (as of today or later no event is decided later:
# the ETL drops future dates), or only those "decided" on or before $as_of. The filter doubles a
# LadybugDB path search (every node's ``decided`` is read), so it is a variant of its own.
EVENTS = ("every", "decided")
# placeholder -> value -> the text it stands for (where not the value itself), per dialect
SNIPPETS: dict[str, dict[str, dict[str, str]]] = {
    "events": {
        "every": {"ladybug": "", "neo4j": ""},
        "decided": {"ladybug": "\n    AND (n.decided IS NULL OR n.decided <= $as_of)",
                    "neo4j": "\n  AND all(y IN nodes(p)[1..] WHERE (y.decided IS NULL OR y.decided <= $as_of))"},
    },
}

# template -> (query-name pattern, placeholder -> labels)
EXPANSIONS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "neighborhood": ("neighborhood_{label}", {"label": CENTRE_LABELS}),
    "paths_shortest": ("paths_shortest_{a}_{b}_{events}", {"a": PARTY_LABELS, "b": PARTY_LABELS, "events": EVENTS}),
    "paths_all": ("paths_all_{a}_{b}_{events}", {"a": PARTY_LABELS, "b": PARTY_LABELS, "events": EVENTS}),
    "ownership_down": ("ownership_down_{label}", {"label": PARTY_LABELS}),
    "suspected": ("suspected_{label}", {"label": PARTY_LABELS}),
}


def query_name(template: str, **labels: str) -> str:
    """The generated query's name, e.g. ``query_name("neighborhood", label="Enterprise")``.

    >>> query_name("paths_all", a="Person", b="Enterprise", events="every")
    'paths_all_person_enterprise_every'
    """
    pattern, _ = EXPANSIONS[template]
    return pattern.format(**{k: v.lower() for k, v in labels.items()})


def expand() -> dict[Path, str]:
    """Every per-label variant: its would-be path in ``queries/cypher`` -> text."""
    out: dict[Path, str] = {}
    for template, (_, slots) in EXPANSIONS.items():
        keys = list(slots)
        for combo in itertools.product(*(slots[k] for k in keys)):
            labels = dict(zip(keys, combo))
            name = query_name(template, **labels)
            for dialect in DIALECTS:
                src = TEMPLATES / f"{template}.{dialect}.cypher.tmpl"
                text = src.read_text(encoding="utf-8")
                for k, v in labels.items():
                    text = text.replace("{{" + k + "}}", SNIPPETS[k][v][dialect] if k in SNIPPETS else v)
                if "{{" in text:
                    raise ValueError(f"{src}: unexpanded placeholder left in {name}")
                out[FOLDER / f"{name}.{dialect}.cypher"] = f"// expanded in memory from templates/{src.name}\n" + text
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    texts = {p.name: t for p, t in expand().items()}
    wanted = [n for n in texts if not argv or n.split(".")[0] in argv]
    if not wanted:
        print(f"no generated query named {argv}; known: {sorted({n.split('.')[0] for n in texts})}", file=sys.stderr)
        return 1
    for name in wanted:
        print(f"// ===== {name}\n{texts[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
