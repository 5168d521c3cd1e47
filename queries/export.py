"""Write an :class:`~queries.result.AnalysisResult` to CSV, Excel or JSON (by the file's suffix).

* ``.csv``: the table plus an ``evidence`` column (each row's paths as text, one
  per line), UTF-8 with BOM so that Excel shows Chinese;
* ``.xlsx``: sheet 结果 (the table and its evidence column), sheet 证据 (one line
  per evidence path: row_id, path), sheet 参数 (the analysis and its parameters);
* ``.json``: ``{"analysis", "params", "rows", "evidence": {row_id: {"nodes",
  "rels", "paths"}}}``.

Personal data is masked on the way out: phone numbers and e-mail addresses
(the uids of Phone and Email nodes, and anything in a text cell that looks like
one) become ``139****5678`` / ``z***@example.com``; people appear by name and
masked ID number only (the graph never holds a clear ID number).

Spreadsheet formulas never run (OWASP CSV injection): in CSV and XLSX, a text
cell that starts with ``= + - @``, a tab or a carriage return (also the
full-width ``＝ ＋ － ＠``, and after leading blanks) gets a leading ``'``
(:func:`neutralise_formulas`); numbers stay numbers, and the XLSX writer is
told never to turn a string into a formula or a link. JSON keeps texts as they
are (it is data, not a sheet).

>>> import tempfile, pathlib
>>> from creditgraph.queries.result import EvidenceBuilder, finish
>>> b = EvidenceBuilder(); b.node("E1", "Enterprise", name="甲公司"); b.node("13912345678", "Phone")
>>> b.path(["E1", "13912345678"], [("HAS_PHONE", True)])
>>> r = finish("demo", {}, pd.DataFrame({"uid": ["E1"], "contact": ["13912345678"]}), {0: b.build()})
>>> out = export(r, pathlib.Path(tempfile.mkdtemp()) / "r.csv")
>>> print(out.read_text(encoding="utf-8-sig").strip())
row_id,uid,contact,evidence
0,E1,139****5678,甲公司 -[联系电话]-> 139****5678
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditgraph.graph.sheets import neutralise_formulas, write_csv, write_sheets  # noqa: F401  (part of this API)
from creditgraph.graph.masking import mask_text, masked_email, masked_phone  # noqa: F401  (mask_text: part of this API)
from creditgraph.queries.result import AnalysisResult, Evidence

def _cell(v: Any) -> Any:
    """A cell value for CSV / Excel: lists joined, dates as ISO dates, texts masked."""
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return "; ".join("" if x is None else str(_cell(x)) for x in v)
    if isinstance(v, dict):
        return mask_text(json.dumps(_jsonable(v), ensure_ascii=False))
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if isinstance(v, str):
        return mask_text(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return [_jsonable(x) for x in v]
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, str):
        return mask_text(v)
    return v


def _masked_evidence(ev: Evidence) -> dict:
    """Evidence as plain data with Phone / Email uids masked."""
    private = {u: (p.get("masked") or (masked_phone(u) if label == "Phone" else masked_email(u)))
               for u, label, p in zip(ev.nodes["uid"], ev.nodes["label"], ev.nodes["props"]) if label in ("Phone", "Email")}

    def m(u):
        return private.get(u, u)

    nodes = [{"uid": m(u), "label": label, "name": n, "caption": c, "props": _jsonable(p)}
             for u, label, n, c, p in ev.nodes[["uid", "label", "name", "caption", "props"]].itertuples(index=False)]
    rels = [{"src": m(s), "dst": m(d), "type": t, "caption": c, "props": _jsonable(p)}
            for s, d, t, c, p in ev.rels[["src", "dst", "type", "caption", "props"]].itertuples(index=False)]
    return {"nodes": nodes, "rels": rels, "paths": [mask_text(x) for x in ev.path_lines]}


def _table(result: AnalysisResult, evidence: bool, max_rows: int | None) -> pd.DataFrame:
    t = result.table
    out = pd.DataFrame({c: [_cell(v) for v in t[c]] for c in t.columns}, columns=list(t.columns))
    if evidence:
        ids = list(t["row_id"])
        out["evidence"] = [mask_text(result.evidence[rid].paths_text) if max_rows is None or i < max_rows else None
                           for i, rid in enumerate(ids)]
    return out


def export(result: AnalysisResult, path: str | Path, evidence: bool = True, max_evidence_rows: int | None = None) -> Path:
    """Write ``result`` to ``path`` (``.csv``, ``.xlsx`` or ``.json``); returns the path.

    ``evidence``: add each row's evidence (paths as readable text; in JSON also
    its nodes and relationships). ``max_evidence_rows``: only for the first rows
    (evidence of whole-graph scans is built on demand and costs a little per row).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        raise ValueError(f"cannot write {path.name}: use a .csv, .xlsx or .json file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        write_csv(_table(result, evidence, max_evidence_rows), path)
    elif suffix == ".xlsx":
        _xlsx(result, path, evidence, max_evidence_rows)
    else:
        doc = {"analysis": result.analysis, "params": _jsonable(result.params),
               "rows": [_jsonable(r) for r in result.table.astype(object).to_dict("records")]}
        if evidence:
            ids = list(result.table["row_id"])
            doc["evidence"] = {str(rid): _masked_evidence(result.evidence[rid]) for i, rid in enumerate(ids)
                               if max_evidence_rows is None or i < max_evidence_rows}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _xlsx(result: AnalysisResult, path: Path, evidence: bool, max_rows: int | None) -> None:
    table = _table(result, evidence, max_rows)
    lines = []
    if evidence:
        for i, rid in enumerate(result.table["row_id"]):
            if max_rows is not None and i >= max_rows:
                break
            for line in result.evidence[rid].path_lines:
                lines.append({"row_id": int(rid), "path": mask_text(line)})
    params = pd.DataFrame([{"参数": "analysis", "值": result.analysis}] +
                          [{"参数": k, "值": json.dumps(_jsonable(v), ensure_ascii=False)} for k, v in result.params.items()])
    write_sheets(path, {"结果": table, "证据": pd.DataFrame(lines, columns=["row_id", "path"]), "参数": params})
