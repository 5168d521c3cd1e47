"""Draw a subgraph with pyvis (vis-network), fully offline.

pyvis is asked for ``cdn_resources="in_line"`` (vis-network's JavaScript and CSS
inlined). Its page template still links Bootstrap from a CDN whatever that
setting says; :func:`offline_html` strips every tag that would load anything
from another host, so the drawing works on an intranet without internet and
the browser makes no outside request.

Colours follow the node's label (from the graph model), and risk: a party
with active penalty events is drawn red, a penalty event by its status.
Hover cards list the model's featured properties with their Chinese names;
properties the model marks ``personal`` are never shown.
"""
from __future__ import annotations

import datetime as dt
import html as _html
import json
import re
from typing import Any, Mapping

import pandas as pd

from creditgraph.graph.model import MODEL
from creditgraph.queries.labels import ENDED_BY

LABEL_COLORS = {
    "Enterprise": "#4C78A8",
    "Person": "#59A14F",
    "PenaltyEvent": "#E15759",
    "Region": "#B07AA1",
    "Address": "#9C755F",
    "Phone": "#F28E2B",
    "Email": "#EDC948",
}
LABEL_SHAPES = {
    "Enterprise": "dot",
    "Person": "diamond",
    "PenaltyEvent": "triangle",
    "Region": "hexagon",
    "Address": "square",
    "Phone": "star",
    "Email": "star",
}
RISK_COLOR = "#C0392B"
CENTRE_COLOR = "#1B1B1B"
STATUS_COLORS = {"active": "#E15759", "removed": "#BAB0AC", "repaired": "#A0CBE8", "withdrawn": "#D4D4D4"}
REMOTE_TAG = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>",
    re.I | re.S,
)
EXTRA_STYLE = (
    "<style>div.vis-tooltip{white-space:pre-line;max-width:420px;font-family:'Noto Sans CJK SC','Noto Sans SC',"
    "'Microsoft YaHei',sans-serif;font-size:13px;line-height:1.5}body{margin:0}"
    "#mynetwork{border:none!important;float:none!important}</style>"
)


_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.I)


def offline_html(page: str) -> str:
    """Remove every ``<link href=//…>`` and ``<script src=//…>`` tag (pyvis' Bootstrap CDN links).

    >>> offline_html('<link href="https://cdn.x/a.css" rel="stylesheet" /><script src="https://cdn.x/b.js"></script><p>ok</p>')
    '<p>ok</p>'
    """
    return _EMPTY_HEADING.sub("", REMOTE_TAG.sub("", page))


def remote_references(page: str) -> list[str]:
    """Attributes that would make the browser fetch from another host (empty when offline-safe)."""
    return re.findall(r"""\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", page, re.I)


def hover_text(label: str, props: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    """The hover card: the label's Chinese and English names, then its featured properties."""
    node = MODEL.nodes.get(label)
    if node is None:
        return label
    lines = [f"{node.label_zh} {node.label_en}"]
    for p in node.featured:
        if p in node.personal:
            continue
        v = props.get(p)
        if v is None or (isinstance(v, float) and pd.isna(v)) or v == "":
            continue
        if p == "kind" and label == "PenaltyEvent":
            v = MODEL.penalty_kinds.get(v, {}).get("label_zh", v)
        if p == "status" and label == "PenaltyEvent":
            v = MODEL.penalty_statuses.get(v, {}).get("label_zh", v)
        if isinstance(v, bool):
            v = "是" if v else "否"
        if isinstance(v, float):
            v = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"
        text = str(v)
        if len(text) > 60:
            text = text[:60] + "…"
        lines.append(f"{node.properties[p].label_zh or p}: {text}")
    for k, v in (extra or {}).items():
        lines.append(f"{k}: {v}")
    return "\n".join(lines)


def _props(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            out = json.loads(value)
            return out if isinstance(out, dict) else {}
        except ValueError:
            return {}
    return {}


def _blank(v: Any) -> bool:
    if v is None or (isinstance(v, str) and not v):
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def edge_value(prop: str, v: Any) -> str:
    """A relationship property as its hover card shows it: ratios as percentages, dates without a time,
    how a role ended in words (docs/time.md).

    >>> edge_value("ratio", 0.3), edge_value("valid_to", pd.Timestamp("2022-03-01")), edge_value("ended_by", "replaced")
    ('30%', '2022-03-01', '法定代表人变更 another legal representative registered')
    """
    if prop == "ratio" and isinstance(v, (int, float)):
        return f"{float(v) * 100:g}%"
    if prop == "ended_by":
        return ENDED_BY.get(str(v), str(v))
    if isinstance(v, (pd.Timestamp, dt.date)):
        ts = pd.Timestamp(v)
        return ts.date().isoformat() if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, str) and len(v) >= 10 and v[:4].isdigit() and v[4] == "-" and v[10:].strip("T0: ") == "":
        return v[:10]  # an ISO date that went through JSON
    return str(v)


def node_color(label: str, props: Mapping[str, Any], active: int) -> dict:
    base = LABEL_COLORS.get(label, "#97C2FC")
    if label == "PenaltyEvent":
        base = STATUS_COLORS.get(str(props.get("status")), base)
    if label in ("Enterprise", "Person") and active > 0:
        return {"background": RISK_COLOR, "border": "#7B241C", "highlight": {"background": RISK_COLOR, "border": "#000"}}
    return {"background": base, "border": base, "highlight": {"background": base, "border": "#000"}}


#: beyond this many nodes only enterprises, people and the centre carry a label, and beyond this many
#: lines the lines carry none: the rest show on hover (a 3-hop picture of 200 nodes, or eleven records of
#: one person linked pairwise, was unreadable with every label drawn)
DENSE_NODES = 60
DENSE_EDGES = 60


def build_html(nodes: pd.DataFrame, rels: pd.DataFrame, centre: str | None = None,
               active: Mapping[str, int] | None = None, highlight: set[str] | None = None,
               height: int = 620) -> str:
    """An offline HTML page drawing the subgraph.

    ``nodes``: ``uid, label, name`` (+ optional ``caption``, ``props`` dict);
    ``rels``: ``src, dst, type`` (+ optional ``caption``, ``props``) — the
    columns of :class:`queries.result.Evidence`. Above :data:`DENSE_NODES`
    nodes, labels are kept for parties only (hover cards keep everything).
    """
    from pyvis.network import Network

    active = active or {}
    highlight = highlight or set()
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line", bgcolor="#FFFFFF",
                  font_color="#222222")
    seen = set()
    dense = nodes["uid"].nunique() > DENSE_NODES
    dense_lines = dense or len(rels) > DENSE_EDGES
    for r in nodes.to_dict("records"):
        uid = str(r["uid"])
        if uid in seen:
            continue
        seen.add(uid)
        label = str(r.get("label") or "")
        props = _props(r.get("props"))
        n_active = int(active.get(uid, 0) or 0)
        name = r.get("name") or props.get("name") or uid
        extra = {"有效处罚/名单": n_active} if label in ("Enterprise", "Person") and n_active else None
        title = hover_text(label, {**props, "name": props.get("name", name)}, extra)
        size = 26 if uid == centre else (18 if label in ("Enterprise", "Person") else 12)
        color = node_color(label, props, n_active)
        opts: dict[str, Any] = {"title": title, "size": size, "color": color, "borderWidth": 1}
        if uid == centre or uid in highlight:
            opts["borderWidth"] = 4
            opts["color"] = {**color, "border": CENTRE_COLOR}
        text = str(name) if not dense or uid == centre or label in ("Enterprise", "Person") else ""
        net.add_node(uid, label=text if len(text) <= 18 else text[:17] + "…", shape=LABEL_SHAPES.get(label, "dot"), **opts)
    for r in rels.to_dict("records"):
        a, b = str(r["src"]), str(r["dst"])
        if a not in seen or b not in seen:
            continue
        rtype = str(r.get("type") or "")
        caption = r.get("caption") or (MODEL.rels[rtype].label_zh if rtype in MODEL.rels else rtype)
        rel = MODEL.rels.get(rtype)
        title = f"{rel.label_zh} {rel.label_en}" if rel else rtype
        props = _props(r.get("props"))
        for p, v in props.items():
            if rel and p in rel.properties and p != "source" and not _blank(v):
                title += f"\n{rel.properties[p].label_zh or p}: {edge_value(p, v)}"
        width = 3 if (a in highlight and b in highlight) else 1
        net.add_edge(a, b, label="" if dense_lines else str(caption), title=title, arrows="to", width=width,
                     color="#888888" if width == 1 else "#1B1B1B", font={"size": 10, "align": "middle"})
    net.set_options(json.dumps({
        "physics": {"solver": "barnesHut", "stabilization": {"enabled": True, "iterations": 200, "fit": True},
                    "barnesHut": {"gravitationalConstant": -6000, "springLength": 130, "avoidOverlap": 0.2}},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
        "nodes": {"font": {"size": 13, "face": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"}},
        "edges": {"smooth": {"type": "dynamic"}},
    }))
    page = net.generate_html(notebook=False)
    page = offline_html(page).replace("</head>", EXTRA_STYLE + "</head>", 1)
    return page


def legend_markdown() -> str:
    """A one-line legend in the model's names."""
    parts = []
    for label, colour in LABEL_COLORS.items():
        if label in MODEL.nodes:
            parts.append(f"<span style='color:{colour}'>●</span> {MODEL.node(label).label_zh}")
    parts.append(f"<span style='color:{RISK_COLOR}'>●</span> 有效处罚的主体 party with active penalties")
    parts.append("粗框 thick border: 中心/证据主体 centre or subject")
    return " &nbsp; ".join(parts)


def escape(text: str) -> str:
    return _html.escape(str(text))
