"""The credit report of one party (信用报告) as a PDF: its facts, people and owners, holdings, penalties
and lists (history included), risk signals and related parties, with a picture of its relationships.
People, owners and holdings are those of a day (``as_of``, default today); the former ones (ended by
then) follow in their own tables with their period and how they ended (docs/time.md).

The report is HTML printed to PDF by the same Debian Chromium the browser tests use (Playwright; no
network: fonts are the machine's, the picture is drawn locally and embedded as PNG). Personal data is
masked as in every export: phones and e-mails always, people's names unless the
``export_person_names`` setting says ``clear``.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import os
from pathlib import Path
from typing import Any

import pandas as pd

from creditgraph.app import graphview
from creditgraph.graph.masking import mask_name, mask_text
from creditgraph.queries.neighborhood import neighborhood
from creditgraph.queries.profile import active_counts, profile

CHROMIUM = Path(os.environ.get("CREDITGRAPH_CHROMIUM", "/usr/bin/chromium"))
STYLE = """<style>
body{font-family:'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;font-size:11px;color:#222;margin:0}
h1{font-size:20px;margin:0 0 4px} h2{font-size:14px;border-bottom:2px solid #4C78A8;margin:16px 0 6px;padding-bottom:2px}
.meta{color:#555;margin-bottom:8px} table{border-collapse:collapse;width:100%;margin-bottom:6px}
th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;vertical-align:top} th{background:#eef2f7}
.note{color:#666;font-size:10px} img{max-width:100%;border:1px solid #ddd}
</style>"""
# the profile's tables, with the columns shown and their headers
PERIOD = {"period": "期间", "ended_by_text": "终止依据"}
SECTIONS = [
    ("legal_reps", "法定代表人 Legal representatives", {"person_name": "姓名", "id_masked": "证件号码(脱敏)", "position": "职务",
                                                      "valid_from": "任职日期"}),
    ("former_legal_reps", "历任法定代表人 Former legal representatives", {"person_name": "姓名", "id_masked": "证件号码(脱敏)",
                                                                    "position": "职务", **PERIOD}),
    ("shareholders", "股东及出资 Shareholders", {"holder_name": "股东", "holder_label_zh": "类型", "ratio": "持股比例",
                                             "subscribed": "认缴(元)", "paid": "实缴(元)", "changes": "股权变更记录"}),
    ("former_shareholders", "历任股东 Former shareholders", {"holder_name": "股东", "holder_label_zh": "类型",
                                                         "ratio": "最后持股比例", **PERIOD, "changes": "股权变更记录"}),
    ("roles", "担任法定代表人 Legal representative of", {"name": "企业", "status": "登记状态", "region_name": "地区",
                                                  "valid_from": "任职日期", "active_penalties": "有效处罚"}),
    ("former_roles", "曾任法定代表人 Former legal representative of", {"name": "企业", "status": "登记状态", "region_name": "地区",
                                                                 **PERIOD}),
    ("holdings", "对外投资 Holdings", {"name": "被投资企业", "status": "登记状态", "ratio": "持股比例", "changes": "股权变更记录"}),
    ("former_holdings", "已退出的投资 Former holdings", {"name": "被投资企业", "status": "登记状态", "ratio": "最后持股比例",
                                                   **PERIOD}),
    ("penalties", "处罚与失信记录 Penalties and lists (history included)", {"decided": "日期", "kind_zh": "类别",
                                                                   "status_zh": "状态", "reason": "事由",
                                                                   "authority": "决定机关", "removed": "移出/修复"}),
    ("lists", "名单 List memberships (red and black)", {"list_color_zh": "红/黑", "list": "名单", "listed": "列入日期",
                                                        "status_zh": "状态", "removed": "移出日期"}),
    ("commitments", "信用承诺 Credit commitments", {"kind_zh": "承诺类型", "matter": "承诺事项", "made": "承诺日期",
                                                "deadline": "履约期限", "status_zh": "履约状态", "verified": "核查日期",
                                                "authority": "受理机关"}),
    ("red_lists", "红名单 Red lists", {"kind_zh": "红名单类别", "list_name": "名单名称", "entered": "列入日期",
                                     "removed": "移出日期", "status_zh": "状态", "authority": "认定机关"}),
    ("signals", "风险信号 Risk signals", {"signal": "信号", "value": "取值", "detail": "依据"}),
    ("related", "关联方 Related parties", {"name": "名称", "label_zh": "类型", "via": "关联方式", "active_penalties": "有效处罚"}),
]


class _Names:
    """Masks the people's names a profile mentions wherever a text cell holds them (a connection reads
    "同一自然人 张三 …"); longest names first, so that 张三丰 is not masked as 张* + 丰."""

    def __init__(self, p: dict, masked: bool) -> None:
        found: set[str] = set()
        if masked:
            for key, col, label_col in (("legal_reps", "person_name", None), ("former_legal_reps", "person_name", None),
                                        ("shareholders", "holder_name", "holder_label"),
                                        ("former_shareholders", "holder_name", "holder_label"), ("related", "name", "label")):
                df = p.get(key)
                if df is None or df.empty or col not in df.columns:
                    continue
                rows = df if label_col is None or label_col not in df.columns else df[df[label_col] == "Person"]
                found |= {n for n in rows[col].dropna().astype(str) if len(n) >= 2}
            if p["kind"] == "Person" and isinstance(p["name"], str):
                found.add(p["name"])
            legal = p["facts"].loc[p["facts"]["field"] == "legal_rep_name", "value"]
            found |= {str(v) for v in legal.dropna() if len(str(v)) >= 2}
        self.names = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for n in self.names:
            if n in text:
                text = text.replace(n, mask_name(n) or "")
        return text


def _cell(v: Any, column: str, names: _Names) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if column == "ratio" and isinstance(v, (int, float)):
        return f"{float(v) * 100:g}%"
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
    return html.escape(names(mask_text(str(v))))


def _table(df: pd.DataFrame, columns: dict[str, str], names: _Names, limit: int = 40) -> str:
    if df is None or df.empty:
        return '<p class="note">无 None</p>'
    cols = [c for c in columns if c in df.columns]
    head = "".join(f"<th>{html.escape(columns[c])}</th>" for c in cols)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(r[c], c, names)}</td>" for c in cols) + "</tr>"
                   for r in df.head(limit).to_dict("records"))
    more = f'<p class="note">另有 {len(df) - limit} 条 {len(df) - limit} more rows</p>' if len(df) > limit else ""
    return f"<table><tr>{head}</tr>{rows}</table>{more}"


ENTERPRISE_ONLY = ("legal_reps", "former_legal_reps", "shareholders", "former_shareholders")
PERSON_ONLY = ("roles", "former_roles")


def report_html(store, uid: str, picture_png: bytes | None, names_masked: bool = True, version: str = "",
                as_of: Any = None) -> str:
    """The report page: every section of the party's profile as of ``as_of`` (default today), and the
    picture when given."""
    p = profile(store, uid, analyses={}, as_of=as_of)
    names = _Names(p, names_masked)
    name = names(str(p["name"]))
    facts = p["facts"]
    parts = [f"<h1>{html.escape(str(name))} 信用报告 Credit report</h1>",
             f'<div class="meta">{html.escape(p["kind_zh"])} · {html.escape(p["region_name"] or "-")} · uid {html.escape(uid)}'
             f" · 截至 as of {html.escape(p['as_of'])}"
             f" · 图版本 graph version {html.escape(version)} · 生成 {dt.datetime.now():%Y-%m-%d %H:%M}"
             " · 个人信息已脱敏 personal data masked</div>",
             "<h2>基本信息 Facts</h2>", _table(facts, {"label_zh": "项目", "value": "内容"}, names)]
    for key, title, columns in SECTIONS:
        df = p.get(key)
        if key in PERSON_ONLY and p["kind"] != "Person" or key in ENTERPRISE_ONLY and p["kind"] != "Enterprise":
            continue
        parts += [f"<h2>{html.escape(title)}</h2>", _table(df, columns, names)]
    if picture_png:
        parts += ['<div style="break-inside:avoid;break-before:page"><h2>关系图 Relationships (1 跳 hop)</h2>',
                  f'<img alt="relationships" src="data:image/png;base64,{base64.b64encode(picture_png).decode()}"></div>']
    return f"<!doctype html><html><head><meta charset='utf-8'>{STYLE}</head><body>{''.join(parts)}</body></html>"


def picture_page(store, uid: str, names_masked: bool = True, as_of: Any = None) -> str:
    """The party's one-hop neighbourhood drawn offline (pyvis), as the graph explorer draws it (people's
    names masked as in the report's text), as of ``as_of`` where the neighbourhood takes a day."""
    res = neighborhood(store, uid, hops=1, limit=60, as_of=as_of)
    sub = res.subgraph
    if sub is None:
        return ""
    parties = [u for u, lab in zip(sub.nodes["uid"], sub.nodes["label"]) if lab in ("Enterprise", "Person")]
    active = active_counts(store, parties) if parties else {}
    shown = [mask_text(str(n)) if n is not None else n for n in sub.nodes["name"]]
    if names_masked:
        shown = [mask_name(n) if lab == "Person" and isinstance(n, str) else n for n, lab in zip(shown, sub.nodes["label"])]
    nodes = sub.nodes.assign(name=shown, props=[{} for _ in shown])  # hover cards are not printed
    return graphview.build_html(nodes, sub.rels, centre=uid, active=active, height=520)


def write_report(store, uid: str, out: Path, names_masked: bool = True, version: str = "", as_of: Any = None) -> Path:
    """Draw the picture, build the page and print it to ``out`` (PDF; ``.html`` writes the page); as of
    ``as_of`` (default today)."""
    from playwright.sync_api import sync_playwright

    out = Path(out)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 560})
            picture = None
            drawing = picture_page(store, uid, names_masked, as_of)
            if drawing:
                page.set_content(drawing)
                page.wait_for_function("() => window.network && Object.keys(window.network.body.nodes).length > 0",
                                       timeout=30_000)
                page.wait_for_timeout(1500)  # the layout settles
                picture = page.locator("canvas").first.screenshot()
            doc = report_html(store, uid, picture, names_masked, version, as_of)
            if out.suffix.lower() == ".html":
                out.write_text(doc, encoding="utf-8")
                return out
            page.set_content(doc)
            page.pdf(path=str(out), format="A4", print_background=True,
                     margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
    return out
