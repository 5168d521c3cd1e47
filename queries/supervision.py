"""Graded supervision (信用分级分类监管): the random inspection draw (双随机一公开) by credit grade.

The population is the graded enterprises (:func:`queries.grade.grade_all`, or grades read back from
their file) whose grade has a ratio, filtered by a region code prefix (``3301``: Hangzhou) and an
industry substring (``批发``). Within each grade (stratum), ``round(ratio × n)`` subjects are drawn
without replacement (Python's ``round``: halves to even) with ``numpy.random.default_rng(seed)``, the
strata in the order of their names, each stratum's members sorted by uid first: the same grades, ratios,
filters and seed give the same draw whatever the order of the input rows. Ratios by default from
``grading.yaml`` (较差 1.0, 中等 0.2, 良好 0.1, 优秀 0.03); an enterprise graded ``ended_grade`` (已终止)
has no ratio and is never drawn.

:func:`export_draw` writes the draw to XLSX through :func:`queries.export.export` (formulas
neutralised, a 参数 sheet with the seed, ratios, filters, graph version and as_of).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditgraph.graph.inputs import preview
from creditgraph.graph.store import isin

DRAW_COLUMNS = ["grade", "uid", "name", "region", "industry", "score", "reasons", "stratum_size", "ratio"]
#: the draw's columns as the XLSX names them (uid, name, region and score keep the exports' labels)
DRAW_LABELS = {"grade": "信用等级 Grade", "industry": "行业 Industry", "reasons": "评价依据 Reasons",
               "stratum_size": "本等级企业数 Stratum size", "ratio": "抽取比例 Ratio"}


def check_ratios(ratios: Mapping[str, Any]) -> dict[str, float]:
    """Ratios as floats in [0, 1] by grade name; anything else raises ValueError naming the grade.

    >>> check_ratios({"较差": "1", "中等": 0.2})
    {'较差': 1.0, '中等': 0.2}
    """
    out: dict[str, float] = {}
    for grade, r in ratios.items():
        try:
            v = float(r)
        except (TypeError, ValueError):
            raise ValueError(f"ratio of {preview(grade)} must be a number from 0 to 1, not {preview(r)}") from None
        if not 0 <= v <= 1:
            raise ValueError(f"ratio of {preview(grade)} must lie between 0 and 1, not {v}")
        out[str(grade)] = v
    return out


def population(grades: pd.DataFrame, ratios: Mapping[str, float], region: str | None = None,
               industry: str | None = None) -> pd.DataFrame:
    """The graded enterprises a draw picks from: a grade with a ratio, the region code starting with
    ``region``, the industry containing ``industry``; sorted by (grade, uid)."""
    keep = isin(grades["grade"].astype(str), pd.Series(list(ratios), dtype=str))
    if region:
        keep &= grades["region"].astype("string").str.startswith(str(region)).fillna(False).to_numpy(dtype=bool)
    if industry:
        keep &= grades["industry"].astype("string").str.contains(str(industry), regex=False).fillna(False) \
            .to_numpy(dtype=bool)
    return grades[keep].sort_values(["grade", "uid"], kind="stable").reset_index(drop=True)


def inspection_draw(grades: pd.DataFrame, ratios: Mapping[str, Any], seed: int, region: str | None = None,
                    industry: str | None = None) -> pd.DataFrame:
    """Draw subjects for inspection per grade: ``round(ratio × n)`` of each grade's n enterprises.

    Parameters
    ----------
    grades : DataFrame
        Graded enterprises: ``uid, name, region, industry, score, grade, reasons`` (:func:`queries.grade.grade_all`).
    ratios : mapping
        Grade → share drawn (0..1); grades without a ratio are not drawn.
    seed : int
        The seed of ``numpy.random.default_rng``: recorded, so that anyone can redraw the same list.
    region : str, optional
        Region code prefix (``33``, ``3301``, ``330106``).
    industry : str, optional
        Text the industry must contain.

    Returns
    -------
    DataFrame
        ``grade, uid, name, region, industry, score, reasons, stratum_size, ratio`` sorted by grade then uid;
        ``attrs``: ``seed, ratios, region, industry, population`` and ``strata`` (n and drawn per grade).

    Complexity: O(n log n) for the sort of n graded enterprises; the draw itself O(drawn).

    Example
    -------
    >>> g = pd.DataFrame({"uid": [f"E{i}" for i in range(10)], "name": "x", "region": "330106",
    ...                   "industry": "批发业", "score": 50.0, "grade": ["较差"] * 2 + ["良好"] * 8, "reasons": "[]"})
    >>> d = inspection_draw(g, {"较差": 1.0, "良好": 0.25}, seed=7)
    >>> d.groupby("grade").size().to_dict()
    {'良好': 2, '较差': 2}
    >>> d.equals(inspection_draw(g.iloc[::-1], {"良好": 0.25, "较差": 1.0}, seed=7))
    True
    """
    ratios = check_ratios(ratios)
    pop = population(grades, ratios, region, industry)
    rng = np.random.default_rng(int(seed))
    picked, strata = [], {}
    codes = pop["grade"].astype(str).to_numpy()
    for grade in sorted(ratios):
        idx = np.flatnonzero(codes == grade)  # already in uid order
        k = round(ratios[grade] * len(idx))
        chosen = np.sort(rng.choice(len(idx), size=k, replace=False)) if k else np.zeros(0, np.int64)
        picked.append(idx[chosen])
        strata[grade] = {"n": int(len(idx)), "drawn": int(k)}
    rows = pop.iloc[np.concatenate(picked) if picked else np.zeros(0, np.int64)]
    n_of = {g: s["n"] for g, s in strata.items()}
    out = rows.assign(stratum_size=rows["grade"].astype(str).map(n_of).astype("int64"),
                      ratio=rows["grade"].astype(str).map(ratios).astype(float))
    out = out.reindex(columns=DRAW_COLUMNS).reset_index(drop=True)
    out.attrs.update(seed=int(seed), ratios=ratios, region=region or None, industry=industry or None,
                     population=int(len(pop)), strata=strata)
    return out


def reasons_text(reasons: Any) -> str:
    """A row's reasons (JSON text) as lines people read: ``P_SI 列入严重违法失信名单 -35：SI:1（…）``.

    >>> reasons_text('[{"code": "P_AO", "label": "列入经营异常名录", "points": -8, "detail": "AO:1"}]')
    'P_AO 列入经营异常名录 -8：AO:1'
    """
    items = json.loads(reasons) if isinstance(reasons, str) else list(reasons or [])
    return "\n".join(f"{r['code']} {r['label']} {float(r['points']):+g}：{r['detail']}" for r in items)


def export_draw(draw: pd.DataFrame, path: str | Path, graph_version: str | None = None,
                as_of: str | None = None, person_names: str | None = None) -> Path:
    """Write a draw to ``path`` (``.xlsx``, ``.csv`` or ``.json``) through :func:`queries.export.export`:
    sheet 结果 (the subjects, reasons in words), sheet 参数 (seed, ratios, strata, population filter, graph
    version, as_of). Cells that a spreadsheet would run as formulas are neutralised."""
    from creditgraph.queries.export import export
    from creditgraph.queries.result import finish

    a = draw.attrs
    table = draw.assign(reasons=[reasons_text(r) for r in draw["reasons"]]).rename(columns=DRAW_LABELS)
    params = {"seed": a.get("seed"), "ratios": a.get("ratios", {}),
              "strata": "; ".join(f"{g}: {s['drawn']}/{s['n']}" for g, s in a.get("strata", {}).items()),
              "population": a.get("population"), "graph_version": graph_version, "as_of": as_of}
    result = finish("inspection_draw", params, table, {})
    filters = {"region": a.get("region"), "industry": a.get("industry")}
    return export(result, path, evidence=False, filters=filters, person_names=person_names)
