"""Write an :class:`~queries.result.AnalysisResult` to CSV, Excel or JSON (by the file's suffix).

CSV and XLSX are for people (supervision staff open them in a spreadsheet):

* headers are the bilingual column labels of :mod:`queries.labels` (``主体甲 Party A``, ``评分 Score``);
* values read as text: lists joined with ``; ``, dates as ISO dates (``2020-08-07``), yes / no as 是 / 否,
  empty cells empty (never ``None`` or ``nan``), internal codes in Chinese where the graph model names
  them (penalty kinds and statuses, node labels, relationship types: ``HOLDS_SHARES+LEGAL_REP`` →
  ``股东+法定代表人``);
* ``.csv``: the table plus an evidence column (each row's paths as text, one per line) and, when the
  analysis looked at the graph as of a day (``as_of`` in its parameters, docs/time.md), a last column
  截至日期 As of with that day; UTF-8 with BOM so that Excel shows Chinese;
* ``.xlsx``: sheet 结果 (the table and its evidence column), sheet 证据 (one line per evidence path),
  sheet 参数 (the analysis and the day it looked at, each parameter in words, the filters applied in
  the app, the export time, the row count and how names were written); every sheet with a frozen
  header row, an autofilter and column widths fitted to the content (:func:`graph.sheets.write_sheets`).

JSON is data for programs and keeps the internal column names and codes: ``{"analysis", "params",
"as_of", "filters", "exported_at", "rows", "evidence": {row_id: {"nodes", "rels", "paths"}}}``.

Personal data is masked on the way out, in every format: phone numbers and e-mail addresses (the uids
of Phone and Email nodes, and anything in a text that looks like one) become ``139****5678`` /
``z***@example.com``; people appear by masked ID number only (the graph never holds a clear one). People's
names are masked too (``张三丰`` → ``张*丰``: the person-name columns, the names inside name-only uids
``NM:<enterprise>:<name>``, and Person nodes in evidence texts) unless the ``export_person_names``
setting (:mod:`graph.config`) or the ``person_names`` argument says ``clear``.

Spreadsheet formulas never run (OWASP CSV injection): in CSV and XLSX, a text cell that starts with
``= + - @``, a tab or a carriage return (also the full-width ``＝ ＋ － ＠``, and after leading blanks)
gets a leading ``'`` (:func:`neutralise_formulas`); numbers stay numbers, and the XLSX writer is told
never to turn a string into a formula or a link. JSON keeps texts as they are (it is data, not a sheet).

>>> import tempfile, pathlib
>>> from creditgraph.queries.result import EvidenceBuilder, finish
>>> b = EvidenceBuilder(); b.node("E1", "Enterprise", name="甲公司"); b.node("13912345678", "Phone")
>>> b.path(["E1", "13912345678"], [("HAS_PHONE", True)])
>>> r = finish("demo", {}, pd.DataFrame({"uid": ["E1"], "contact": ["13912345678"]}), {0: b.build()})
>>> out = export(r, pathlib.Path(tempfile.mkdtemp()) / "r.csv")
>>> print(out.read_text(encoding="utf-8-sig").strip())
#,主键 uid,contact,证据 Evidence
0,E1,139****5678,甲公司 -[联系电话]-> 139****5678
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditgraph.graph.config import EXPORT_PERSON_NAMES, load_settings
from creditgraph.graph.masking import mask_name, mask_person_uid, mask_text, masked_email, masked_phone  # noqa: F401  (mask_text: part of this API)
from creditgraph.graph.sheets import neutralise_formulas, write_csv, write_sheets  # noqa: F401  (part of this API)
from creditgraph.queries._base import as_of_date, is_missing as _missing
from creditgraph.queries.labels import analysis_label, code_text, column_label, filter_label, param_label
from creditgraph.queries.result import AnalysisResult, Evidence
from creditgraph.queries.shell import SIGNALS

PERSON_UID = ("ID:", "NM:")
#: Columns that hold people's names (whole cells, or each item of a list).
PERSON_NAME_COLUMNS = ("person_name", "hub_names")
#: Properties of other nodes that hold a person's name (the legal representative's, on an Enterprise).
PERSON_NAME_PROPS = ("legal_rep_name",)
PERSON = "(自然人)"  # how a Person node's caption ends (queries.result.node_caption)
_ARROW = re.compile(r"( -\[[^\]\n]*\]-> | <-\[[^\]\n]*\]- )")  # between the nodes of a path text
_CAPTION = re.compile(r"([^\s\[\]<>()（）:：,，;；、]+)\(自然人\)")
_UID_HASH = re.compile(r"[0-9a-f]{16,64}")  # the tail of an ``ID:`` uid: a keyed hash, not a name
_NM_UID = re.compile(r"NM:([^:\s;,，、]+):([^\s;,，、()\[\]<>]+)")
YES, NO = "是", "否"


def _date_text(v: Any) -> str:
    """``2020-08-07`` for a date or a midnight timestamp, ``2020-08-07 13:45`` otherwise."""
    ts = pd.Timestamp(v)
    return ts.date().isoformat() if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


def _is_date(v: Any) -> bool:
    return isinstance(v, (pd.Timestamp, dt.date, np.datetime64))


def _masked_caption_name(name: str) -> str:
    """A caption's name masked; a person shown by the hash of their uid (no name known) stays as it is."""
    return name if _UID_HASH.fullmatch(name) else (mask_name(name) or "")


def _mask_captions(line: str) -> str:
    """Every Person caption (``张三丰(自然人)``) in a path text with its name masked."""
    if PERSON not in line:
        return line
    parts = _ARROW.split(line)
    for i in range(0, len(parts), 2):  # the nodes; the odd parts are the arrows between them
        p = parts[i]
        if p.endswith(PERSON) and p[: -len(PERSON)].strip():
            parts[i] = f"{_masked_caption_name(p[: -len(PERSON)])}{PERSON}"
        else:
            parts[i] = _CAPTION.sub(lambda m: f"{_masked_caption_name(m.group(1))}{PERSON}", p)
    return "".join(parts)


@dataclass(frozen=True)
class OutputMasking:
    """How values go out: ``names`` masks people's names (the ``export_person_names`` setting)."""

    names: bool = True

    def text(self, s: str) -> str:
        """A text with phones and e-mails masked and, when ``names``, people's names."""
        s = mask_text(s)
        if not self.names:
            return s
        if s.startswith("NM:") and "\n" not in s:  # a name-only person's uid, whole
            s = mask_person_uid(s)
        elif "NM:" in s:
            s = _NM_UID.sub(lambda m: f"NM:{m.group(1)}:{mask_name(m.group(2))}", s)
        return "\n".join(_mask_captions(line) for line in s.split("\n")) if PERSON in s else s

    def name(self, v: Any) -> Any:
        """A person's name (or a list of them) masked when ``names``."""
        if not self.names:
            return v
        if isinstance(v, (list, tuple, np.ndarray)):
            return [self.name(x) for x in v]
        return mask_name(v) if isinstance(v, str) else v

    def cell(self, v: Any, column: str = "") -> Any:
        """A cell value for CSV / Excel: lists joined, dates as ISO dates, codes in Chinese, texts masked."""
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (list, tuple, set, frozenset)):
            items = sorted(v, key=str) if isinstance(v, (set, frozenset)) else v
            return "; ".join("" if x is None else str(x) for x in (self.cell(i, column) for i in items))
        if isinstance(v, dict):
            cells = ((k, self.cell(x, str(k))) for k, x in v.items())
            return "; ".join(f"{k}: {'' if c is None else c}" for k, c in cells)
        if _missing(v):
            return None
        if isinstance(v, (bool, np.bool_)):
            return YES if v else NO
        if _is_date(v):
            return _date_text(v)
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, str):
            return self.text(code_text(column, v))
        return v

    def jsonable(self, v: Any) -> Any:
        """A value for JSON: internal codes kept, dates ISO, texts masked."""
        if isinstance(v, dict):
            return {str(k): self.jsonable(x) for k, x in v.items()}
        if isinstance(v, (list, tuple, set, frozenset, np.ndarray)):
            return [self.jsonable(x) for x in v]
        if _missing(v):
            return None
        if _is_date(v):
            ts = pd.Timestamp(v)
            return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
        if hasattr(v, "isoformat"):
            return v.isoformat()
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, str):
            return self.text(v)
        return v


def _person_rows(table: pd.DataFrame, analysis: str) -> np.ndarray:
    """Which rows are people (their ``name`` is a person's name)."""
    if "label" in table.columns:
        return table["label"].astype(object).eq("Person").to_numpy(dtype=bool)
    if analysis == "name_hubs":  # a name hub is a name heading many companies
        return np.ones(len(table), dtype=bool)
    if "uid" in table.columns:
        return np.array([isinstance(u, str) and u.startswith(PERSON_UID) for u in table["uid"]], dtype=bool)
    return np.zeros(len(table), dtype=bool)


def _mask_person_names(table: pd.DataFrame, analysis: str, out: OutputMasking) -> pd.DataFrame:
    """A copy of ``table`` whose person-name cells are masked (when ``out.names``): the person-name columns,
    ``name`` on the rows that are people, and the names of connectors that are people."""
    if not out.names:
        return table
    t = table.copy()
    for c in PERSON_NAME_COLUMNS:
        if c in t.columns:
            t[c] = pd.Series([out.name(v) for v in t[c]], index=t.index, dtype=object)
    if "name" in t.columns:
        people = _person_rows(t, analysis)
        t["name"] = pd.Series([out.name(v) if p else v for v, p in zip(t["name"], people)], index=t.index, dtype=object)
    if "connector_names" in t.columns and "connectors" in t.columns:
        t["connector_names"] = pd.Series(
            [_connector_names(us, ns, out) for us, ns in zip(t["connectors"], t["connector_names"])],
            index=t.index, dtype=object)
    return t


def _connector_names(uids: Any, names: Any, out: OutputMasking) -> Any:
    if not isinstance(names, (list, tuple, np.ndarray)) or not isinstance(uids, (list, tuple, np.ndarray)):
        return names
    return [out.name(n) if isinstance(u, str) and u.startswith(PERSON_UID) else n for u, n in zip(uids, names)]


def _person_names(ev: Evidence) -> list[str]:
    """The names of the evidence's Person nodes (a hash shown for want of a name is none), longest first."""
    names = {n.strip() for n, label in zip(ev.nodes["name"], ev.nodes["label"])
             if label == "Person" and isinstance(n, str) and len(n.strip()) >= 2 and not _UID_HASH.fullmatch(n.strip())}
    return sorted(names, key=len, reverse=True)  # a longer name first: 欧阳娜娜 before 欧阳


def _scrub(text: str, names: list[str]) -> str:
    for n in names:
        if n in text:
            text = text.replace(n, mask_name(n) or "")
    return text


def _evidence_lines(ev: Evidence, out: OutputMasking) -> list[str]:
    """The evidence's path lines, masked; with ``out.names`` also every Person node's name wherever it occurs."""
    lines = [out.text(x) for x in ev.path_lines]
    if not out.names or not len(ev.nodes):
        return lines
    names = _person_names(ev)
    return [_scrub(x, names) for x in lines]


def _masked_evidence(ev: Evidence, out: OutputMasking) -> dict:
    """Evidence as plain data with Phone / Email uids masked (and people's names, when ``out.names``)."""
    private = {u: (p.get("masked") or (masked_phone(u) if label == "Phone" else masked_email(u)))
               for u, label, p in zip(ev.nodes["uid"], ev.nodes["label"], ev.nodes["props"]) if label in ("Phone", "Email")}
    people = set(ev.nodes.loc[ev.nodes["label"] == "Person", "uid"]) if out.names else set()
    names = _person_names(ev) if out.names else []

    def m(u):
        return private.get(u) or (mask_person_uid(u) if u in people else u)

    def props(label, p):
        p = dict(p or {})
        if out.names:
            for k in ("name",) if label == "Person" else PERSON_NAME_PROPS:
                if isinstance(p.get(k), str):
                    p[k] = mask_name(p[k])
            p = {k: _scrub(v, names) if isinstance(v, str) else v for k, v in p.items()}
        return out.jsonable(p)

    nodes = [{"uid": m(u), "label": label, "name": out.name(n) if label == "Person" else out.text(str(n)),
              "caption": out.text(str(c)), "props": props(label, p)}
             for u, label, n, c, p in ev.nodes[["uid", "label", "name", "caption", "props"]].itertuples(index=False)]
    rels = [{"src": m(s), "dst": m(d), "type": t, "caption": c, "props": out.jsonable(p)}
            for s, d, t, c, p in ev.rels[["src", "dst", "type", "caption", "props"]].itertuples(index=False)]
    return {"nodes": nodes, "rels": rels, "paths": _evidence_lines(ev, out)}


def _headers(columns: list[str], analysis: str) -> list[str]:
    """The bilingual header of each column; a label two columns share gets the internal name added."""
    labels = [column_label(c, analysis) for c in columns]
    return [f"{lab} ({c})" if labels.count(lab) > 1 else lab for lab, c in zip(labels, columns)]


def _evidence_rows(result: AnalysisResult, max_rows: int | None) -> list:
    ids = list(result.table["row_id"])
    return ids if max_rows is None else ids[:max_rows]


def _table(result: AnalysisResult, evidence: bool, max_rows: int | None, out: OutputMasking) -> pd.DataFrame:
    """The result table as people read it: labelled headers, readable values, masked."""
    t = _mask_person_names(result.table, result.analysis, out)
    cols = list(t.columns)
    data = {c: [out.cell(v, c) for v in t[c]] for c in cols}
    if evidence:
        with_ev = set(_evidence_rows(result, max_rows))
        data["evidence"] = ["\n".join(_evidence_lines(result.evidence[rid], out)) if rid in with_ev else None
                            for rid in t["row_id"]]
        cols.append("evidence")
    frame = pd.DataFrame(data, columns=cols)
    frame.columns = _headers(cols, result.analysis)
    return frame


def as_of_text(result: AnalysisResult) -> str | None:
    """The day the analysis looked at the graph (its ``as_of`` parameter) as an ISO date; today when it
    recorded none; None when the analysis has no such parameter.

    >>> from creditgraph.queries.result import finish
    >>> as_of_text(finish("x", {"as_of": dt.date(2021, 6, 1)}, pd.DataFrame(), {})), as_of_text(finish("x", {}, pd.DataFrame(), {}))
    ('2021-06-01', None)
    """
    if "as_of" not in result.params:
        return None
    v = result.params["as_of"]
    try:
        return as_of_date(None if _missing(v) else v).isoformat()
    except ValueError:
        return str(v)


def _setting(person_names: str | None) -> str:
    if person_names is None:
        return load_settings().export_person_names
    if person_names not in EXPORT_PERSON_NAMES:
        raise ValueError(f"person_names must be one of {', '.join(EXPORT_PERSON_NAMES)}, not {person_names!r}")
    return person_names


def export(result: AnalysisResult, path: str | Path, evidence: bool = True, max_evidence_rows: int | None = None,
           filters: Mapping[str, Any] | None = None, person_names: str | None = None) -> Path:
    """Write ``result`` to ``path`` (``.csv``, ``.xlsx`` or ``.json``); returns the path.

    ``evidence``: add each row's evidence (paths as readable text; in JSON also its nodes and
    relationships). ``max_evidence_rows``: only for the first rows (evidence of whole-graph scans is
    built on demand and costs a little per row). ``filters``: what the rows were filtered by in the app
    (``{"region": "3302", "kinds": [...], "min_score": 0.5, "period": (from, to)}``), listed on the 参数
    sheet and in the JSON (a CSV has no room for them). ``person_names``: ``masked`` or ``clear``; by
    default the ``export_person_names`` setting.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        raise ValueError(f"cannot write {path.name}: use a .csv, .xlsx or .json file name")
    names = _setting(person_names)
    out = OutputMasking(names=names == "masked")
    path.parent.mkdir(parents=True, exist_ok=True)
    as_of = as_of_text(result)
    if suffix == ".csv":
        table = _table(result, evidence, max_evidence_rows, out)
        if as_of is not None:  # a CSV has no parameters sheet: the day goes on every row
            table[column_label("as_of")] = as_of
        write_csv(table, path)
    elif suffix == ".xlsx":
        _xlsx(result, path, evidence, max_evidence_rows, dict(filters or {}), out)
    else:
        rows = _mask_person_names(result.table, result.analysis, out)
        doc = {"analysis": result.analysis, "params": out.jsonable(result.params), "as_of": as_of,
               "filters": out.jsonable(dict(filters or {})), "exported_at": _now(), "person_names": names,
               "rows": [out.jsonable(r) for r in rows.astype(object).to_dict("records")]}
        if evidence:
            doc["evidence"] = {str(rid): _masked_evidence(result.evidence[rid], out)
                               for rid in _evidence_rows(result, max_evidence_rows)}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _xlsx(result: AnalysisResult, path: Path, evidence: bool, max_rows: int | None, filters: dict, out: OutputMasking) -> None:
    table = _table(result, evidence, max_rows, out)
    lines = []
    if evidence:
        for rid in _evidence_rows(result, max_rows):
            lines += [{"row_id": int(rid), "path": line} for line in _evidence_lines(result.evidence[rid], out)]
    paths = pd.DataFrame(lines, columns=["row_id", "path"])
    paths.columns = [column_label("row_id"), "证据路径 Evidence path"]
    write_sheets(path, {"结果": table, "证据": paths, "参数": parameters_sheet(result, filters, out, evidence, max_rows)})


# --- the 参数 Parameters sheet ---------------------------------------------------------------------------

PARAM_COLUMNS = ["类别 Section", "项目 Item", "值 Value", "代码 Key"]
SECTION_ANALYSIS, SECTION_PARAM, SECTION_FILTER, SECTION_EXPORT = (
    "分析 Analysis", "参数 Parameter", "筛选 Filter", "导出 Export")
NONE_TEXT = "不限 none"


def _words(key: str, v: Any, out: OutputMasking) -> Any:
    """A parameter or filter value in words: 是/否, lists joined with 、, codes in Chinese, periods as from–to."""
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if _is_missing_param(v):
        return NONE_TEXT
    if isinstance(v, (bool, np.bool_)):
        return YES if v else NO
    if key == "period" and isinstance(v, (list, tuple)) and len(v) == 2:
        a, b = (_words("", x, out) for x in v)
        return f"{a} 至 {b}"
    if isinstance(v, dict):
        keys = SIGNALS if key == "weights" else {}
        return "; ".join(f"{keys.get(k, k)}={_words('', x, out)}" for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset)):
        items = sorted(v, key=str) if isinstance(v, (set, frozenset)) else v
        return "、".join(str(_words(key, x, out)) for x in items)
    if _is_date(v):
        return _date_text(v)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, str):
        return out.text(code_text(key, v))
    return v


def _is_missing_param(v: Any) -> bool:
    if isinstance(v, (list, tuple, set, frozenset, dict, str)):
        return len(v) == 0
    return _missing(v)


def parameters_sheet(result: AnalysisResult, filters: Mapping[str, Any], out: OutputMasking | None = None,
                     evidence: bool = True, max_rows: int | None = None) -> pd.DataFrame:
    """The 参数 sheet: one row per fact (the analysis, each parameter, each filter, the export's time, rows
    and name setting), with bilingual names, values in words and the internal key.

    >>> from creditgraph.queries.result import finish
    >>> r = finish("repeat_offenders", {"level": "person", "include_history": False}, pd.DataFrame({"uid": []}), {})
    >>> sheet = parameters_sheet(r, {"kinds": ["serious_illegal"], "min_score": None})
    >>> sheet.iloc[:5, 1:].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['分析 Analysis', '屡次失信 Repeat offenders', 'repeat_offenders'],
     ['层级 Level', '自然人', 'level'],
     ['包含已移出/修复记录 Include removed/repaired records', '否', 'include_history'],
     ['处罚类别 Penalty kinds', '严重违法失信名单', 'kinds'],
     ['最低评分 Min score', '不限 none', 'min_score']]
    """
    out = out or OutputMasking()
    rows: list[list[Any]] = [[SECTION_ANALYSIS, "分析 Analysis", analysis_label(result.analysis), result.analysis]]
    as_of = as_of_text(result)
    if as_of is not None:
        rows.append([SECTION_ANALYSIS, param_label("as_of"), as_of, "as_of"])
    rows += [[SECTION_PARAM, param_label(k), _words(k, v, out), k] for k, v in result.params.items() if k != "as_of"]
    if filters:
        rows += [[SECTION_FILTER, filter_label(k), _words(k, v, out), k] for k, v in filters.items()]
    else:
        rows.append([SECTION_FILTER, "筛选条件 Filters", "无(全部结果) none: every row", ""])
    n = len(result.table)
    shown = n if max_rows is None else min(n, max_rows)
    rows += [
        [SECTION_EXPORT, "导出时间 Exported at", _now(), "exported_at"],
        [SECTION_EXPORT, "行数 Rows", n, "rows"],
        [SECTION_EXPORT, "含证据的行数 Rows with evidence", shown if evidence else 0, "evidence_rows"],
        [SECTION_EXPORT, "自然人姓名 Person names", "已脱敏 masked" if out.names else "明文 clear", "person_names"],
        [SECTION_EXPORT, "电话与邮箱 Phones and e-mails", "已脱敏 masked", "contacts"],
    ]
    return pd.DataFrame(rows, columns=PARAM_COLUMNS)
