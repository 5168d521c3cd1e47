"""Personal data on screen: phones and e-mails masked wherever the app draws or lists nodes.

The graph keys ``Phone`` and ``Email`` nodes by the clear number / address
(shared identifiers link parties). Pages never show those keys: before a
subgraph is drawn (its node ids end up in the page's HTML) or listed, each such
uid is replaced by a pseudonym (``Phone:`` + a keyed hash: stable, not
reversible without the key) and its display name is the masked form. Text cells
go through :func:`graph.masking.mask_text`. Only the profile page's reveal
(audited, ``reveal_roles``) shows clear values.

>>> nodes = pd.DataFrame({"uid": ["E1", "13912345678"], "label": ["Enterprise", "Phone"], "name": ["甲", "139****5678"]})
>>> rels = pd.DataFrame({"src": ["E1"], "dst": ["13912345678"], "type": ["HAS_PHONE"]})
>>> n, r, m = mask_subgraph(nodes, rels, b"k")
>>> "13912345678" in n.to_string() + r.to_string(), r["dst"][0] == m["13912345678"], m["13912345678"][:6]
(False, True, 'Phone:')
"""
from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from creditgraph.graph.masking import mask_text

PRIVATE_LABELS = ("Phone", "Email")


def pseudonym(label: str, uid: str, key: bytes) -> str:
    return f"{label}:{hmac.new(key, str(uid).encode('utf-8'), hashlib.sha256).hexdigest()[:12]}"


def pseudonyms(nodes: pd.DataFrame, key: bytes) -> dict[str, str]:
    """uid -> pseudonym for the Phone and Email nodes of a frame with ``uid`` and ``label``."""
    if nodes is None or nodes.empty or "label" not in nodes.columns:
        return {}
    private = nodes[nodes["label"].isin(PRIVATE_LABELS)]
    return {str(u): pseudonym(label, u, key) for u, label in zip(private["uid"], private["label"])}


def mask_subgraph(nodes: pd.DataFrame, rels: pd.DataFrame | None, key: bytes,
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Copies of ``nodes`` / ``rels`` (``src``, ``dst``) with Phone/Email uids pseudonymised, and the mapping."""
    mapping = pseudonyms(nodes, key)
    if not mapping:
        return nodes, rels, mapping
    nodes = nodes.copy()
    nodes["uid"] = nodes["uid"].map(lambda u: mapping.get(str(u), u))
    if rels is not None and len(rels):
        rels = rels.copy()
        for c in ("src", "dst"):
            rels[c] = rels[c].map(lambda u: mapping.get(str(u), u))
    return nodes, rels, mapping


def mask_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Phones and e-mails inside text cells masked (``139****5678``, ``z***@example.com``).

    Only the text cells that hold an ``@`` or a digit (found per column, vectorised) go through
    :func:`mask_text`; other cells and columns are copied as they are.
    """
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        try:
            maybe = col.str.contains(r"[@0-9]", regex=True, na=False)
        except AttributeError:  # an object column without any text
            continue
        maybe = maybe.fillna(False).astype(bool)  # non-text cells of a mixed column give NA
        if maybe.any():
            out.loc[maybe, c] = col[maybe].map(mask_text)
    return out
