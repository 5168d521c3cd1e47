"""The Cypher texts the Neo4j store sends: schema DDL, upserts, deletes, counts and keyed reads,
generated from the graph model (and listed by :func:`generated_statements` for the linter)."""
from __future__ import annotations

from typing import Iterable

from creditgraph.graph.model import KEY, MODEL, GraphModel
from creditgraph.graph.store import GraphStore, keyed_edges_text, keyed_nodes_text

META = "GraphMeta"
FULLTEXT_INDEX = "party_names"
FULLTEXT_ANALYZER = "cjk"

# Parameter types as declared to the linter (Cypher type names).
ROWS = "LIST<MAP>"
UIDS = "LIST<STRING>"
KEYS = UIDS  # the keyed reads' $keys


def _snake(label: str) -> str:
    out = []
    for i, ch in enumerate(label):
        if ch.isupper() and i and not label[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def constraint_text(label: str, key: str = KEY) -> str:
    return f"CREATE CONSTRAINT {_snake(label)}_{key} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"


def index_text(label: str, prop: str) -> str:
    return f"CREATE RANGE INDEX {_snake(label)}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"


def fulltext_spec(model: GraphModel = MODEL) -> tuple[list[str], list[str]]:
    """Labels and properties of the full-text index (``fulltext: true`` in the model)."""
    labels, props = [], []
    for label, node in model.nodes.items():
        for p, spec in node.properties.items():
            if spec.fulltext:
                if label not in labels:
                    labels.append(label)
                if p not in props:
                    props.append(p)
    return labels, props


def fulltext_text(model: GraphModel = MODEL) -> str | None:
    labels, props = fulltext_spec(model)
    if not labels:
        return None
    on = ", ".join(f"n.{p}" for p in props)
    # the CJK analyzer indexes overlapping character bigrams: a quoted phrase of Chinese text then
    # matches exactly the values that contain it (queries/search.py's substring search)
    return (f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{'|'.join(labels)}) ON EACH [{on}] "
            f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{FULLTEXT_ANALYZER}'}}}}")


DROP_FULLTEXT = f"DROP INDEX {FULLTEXT_INDEX} IF EXISTS"
SHOW_FULLTEXT = ("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options WHERE name = $index "
                 "RETURN labelsOrTypes, properties, options")
GET_META = f"MATCH (m:{META} {{k: $k}}) RETURN m.v AS v"
SET_META = f"MERGE (m:{META} {{k: $k}}) SET m.v = $v"
#: The graph version and the commit-window marker (Neo4jStore.atomic), read in one statement.
READ_VERSION = (f"OPTIONAL MATCH (v:{META} {{k: 'graph_version'}}) OPTIONAL MATCH (c:{META} {{k: 'committing'}}) "
                "RETURN v.v AS version, c.v AS committing")


def node_upsert_text(label: str, props: Iterable[str]) -> str:
    sets = ", ".join(f"n.{p} = row.{p}" for p in props if p != KEY)
    return (
        f"UNWIND $rows AS row\n"
        f"MERGE (n:{label} {{{KEY}: row.{KEY}}})\n"
        + (f"SET {sets}\n" if sets else "")
        + "RETURN count(n) AS rows"
    )


def existing_keys_text(label: str) -> str:
    return f"UNWIND $uids AS u\nMATCH (n:{label} {{{KEY}: u}})\nRETURN n.{KEY} AS uid"


def node_keys_text(label: str) -> str:
    return f"MATCH (n:{label}) RETURN n.{KEY} AS uid"


def delete_nodes_text(label: str) -> str:
    return f"UNWIND $uids AS u\nMATCH (n:{label} {{{KEY}: u}})\nDETACH DELETE n"


def count_nodes_text(label: str) -> str:
    return f"MATCH (n:{label}) RETURN count(n) AS c"


# Rows' endpoint keys are bound to variables first: the linter takes `row.src`
# inside a node pattern's map for a property of that node and warns about it.
def _rel_write_text(verb: str, rel_type: str, src_label: str, dst_label: str, props: Iterable[str]) -> str:
    """``MERGE`` or ``CREATE`` an edge per row between matched endpoints; rows whose endpoints are
    missing match nothing (their count is the batch's shortfall)."""
    sets = ", ".join(f"r.{p} = row.{p}" for p in props if p not in ("src", "dst"))
    return (
        f"UNWIND $rows AS row\n"
        f"WITH row, row.src AS src, row.dst AS dst\n"
        f"MATCH (a:{src_label} {{{KEY}: src}})\n"
        f"MATCH (b:{dst_label} {{{KEY}: dst}})\n"
        f"{verb} (a)-[r:{rel_type}]->(b)\n"
        + (f"SET {sets}\n" if sets else "")
        + "RETURN count(r) AS rows"
    )


def rel_upsert_text(rel_type: str, src_label: str, dst_label: str, props: Iterable[str]) -> str:
    return _rel_write_text("MERGE", rel_type, src_label, dst_label, props)


def rel_create_text(rel_type: str, src_label: str, dst_label: str, props: Iterable[str]) -> str:
    """CREATE edges known to be new (a diff's inserts)."""
    return _rel_write_text("CREATE", rel_type, src_label, dst_label, props)


def rel_update_text(rel_type: str, src_label: str, dst_label: str, props: Iterable[str]) -> str:
    """Set properties on edges that exist; pairs with no edge between them are left alone (no MERGE)."""
    sets = ", ".join(f"r.{p} = row.{p}" for p in props if p not in ("src", "dst"))
    return (
        f"UNWIND $rows AS row\n"
        f"WITH row, row.src AS src, row.dst AS dst\n"
        f"MATCH (a:{src_label} {{{KEY}: src}})-[r:{rel_type}]->(b:{dst_label} {{{KEY}: dst}})\n"
        + (f"SET {sets}\n" if sets else "")
        + "RETURN count(r) AS rows"
    )


def delete_rels_text(rel_type: str, src_label: str, dst_label: str) -> str:
    return (
        f"UNWIND $rows AS row\n"
        f"WITH row.src AS src, row.dst AS dst\n"
        f"MATCH (a:{src_label} {{{KEY}: src}})-[r:{rel_type}]->(b:{dst_label} {{{KEY}: dst}})\n"
        f"DELETE r"
    )


def edges_text(rel_type: str, src_label: str, dst_label: str) -> str:
    return f"MATCH (a:{src_label})-[:{rel_type}]->(b:{dst_label}) RETURN a.{KEY} AS src, b.{KEY} AS dst"


def count_rels_text(rel_type: str) -> str:
    return f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS c"


def schema_statements(model: GraphModel = MODEL) -> list[str]:
    """The schema DDL, in the order :meth:`Neo4jStore.create_schema` runs it."""
    out = [constraint_text(META, "k")]
    for label, node in model.nodes.items():
        out.append(constraint_text(label))
        out.extend(index_text(label, p) for p, spec in node.properties.items() if spec.index and p != KEY)
    ft = fulltext_text(model)
    if ft:
        out.append(ft)
    return out


def rename_rel_property_text(rtype: str, old: str, new: str) -> str:
    """Move up to ``$n`` values of a relationship property an older model named ``old`` to ``new``."""
    return (f"MATCH ()-[r:{rtype}]->() WHERE r.{old} IS NOT NULL WITH r LIMIT $n "
            f"SET r.{new} = coalesce(r.{new}, r.{old}) REMOVE r.{old} RETURN count(r) AS c")


def generated_statements(model: GraphModel = MODEL) -> list[dict]:
    """Every Cypher text the store can send: ``{"name", "text", "params": {name: type}}``.

    Upserts are listed with all the model's properties (a frame with fewer
    columns sends a subset of the same ``SET`` list).
    """
    out: list[dict] = []

    def add(name: str, text: str, **params: str) -> None:
        out.append({"name": name, "text": text, "params": params})

    for text in schema_statements(model):
        add(f"schema:{text.split(' IF NOT EXISTS')[0].split()[-1]}", text)
    add("schema:drop_fulltext", DROP_FULLTEXT)
    add("schema:show_fulltext", SHOW_FULLTEXT, index="STRING")
    add("meta:get", GET_META, k="STRING")
    add("meta:set", SET_META, k="STRING", v="STRING")
    add("meta:read_version", READ_VERSION)
    for label, node in model.nodes.items():
        add(f"upsert_nodes:{label}", node_upsert_text(label, node.properties), rows=ROWS)
        add(f"existing_keys:{label}", existing_keys_text(label), uids=UIDS)
        add(f"node_keys:{label}", node_keys_text(label))
        add(f"delete_nodes:{label}", delete_nodes_text(label), uids=UIDS)
        add(f"count_nodes:{label}", count_nodes_text(label))
        props = [p for p in node.properties if p != KEY]
        add(f"keyed_nodes:{label}", keyed_nodes_text(GraphStore.KEYS_CLAUSE, label, KEY, props), keys=KEYS)
        for p, spec in node.properties.items():
            if spec.index and p != KEY:
                add(f"keyed_nodes:{label}:by_{p}", keyed_nodes_text(GraphStore.KEYS_CLAUSE, label, p, props), keys=KEYS)
    for rtype, old, new in model.renamed():
        add(f"rename:{rtype}.{old}", rename_rel_property_text(rtype, old, new), n="INT64")
    for rtype, rel in model.rels.items():
        add(f"count_rels:{rtype}", count_rels_text(rtype))
        for a, b in rel.pairs:
            pair = f"{rtype}:{a}->{b}"
            add(f"upsert_rels:{pair}", rel_upsert_text(rtype, a, b, rel.properties), rows=ROWS)
            add(f"create_rels:{pair}", rel_create_text(rtype, a, b, rel.properties), rows=ROWS)
            add(f"update_rels:{pair}", rel_update_text(rtype, a, b, rel.properties), rows=ROWS)
            add(f"delete_rels:{pair}", delete_rels_text(rtype, a, b), rows=ROWS)
            add(f"edges:{pair}", edges_text(rtype, a, b))
            for by in ("src", "dst"):
                add(f"keyed_edges:{pair}:by_{by}",
                    keyed_edges_text(GraphStore.KEYS_CLAUSE, rtype, a, b, by, list(rel.properties)), keys=KEYS)
    return out
