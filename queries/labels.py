"""Bilingual labels ("中文 English") of what the analyses return: one source for the app's tables and the
exports' headers.

* :func:`column_label`: a result column's label, with per-analysis wording where one name means different
  things (``a_name`` is the old company of a phoenix case, 原企业, but one of two peers in a cross-region link,
  主体甲); every column of every analysis in ``queries.ANALYSES`` has one (``tests/test_export_labels.py``);
* :func:`analysis_label`, :func:`param_label`, :func:`filter_label`: an analysis, its parameters and the app's
  filters, for the 参数 sheet of an export;
* :func:`code_text`: internal codes inside a column's values in Chinese, from the graph model (penalty kinds and
  statuses, node labels, relationship types; roles as nouns: ``HOLDS_SHARES+LEGAL_REP`` → ``股东+法定代表人``).

A name without a label keeps its own.
"""
from __future__ import annotations

import re

from creditgraph.graph.model import MODEL

COLUMN_LABELS: dict[str, str] = {
    "row_id": "#", "uid": "主键 uid", "name": "名称 Name", "cluster_id": "团伙 Cluster", "cluster_size": "团伙规模 Size",
    "score": "评分 Score", "signals": "触发信号 Signals", "n_signals": "信号数 #Signals", "hub_names": "关键人 Hub",
    "address": "住所 Address", "status": "登记状态 Status", "founded": "成立日期 Founded", "dissolved": "注销/吊销 Dissolved",
    "region": "地区代码 Region", "region_name": "地区 Region name", "events_in_window": "窗口内事件 In window",
    "window_start": "窗口起 From", "window_end": "窗口止 To", "events_total": "事件总数 Events", "kinds": "处罚类别 Kinds",
    "statuses": "记录状态 Statuses", "id_masked": "证件号码(脱敏) ID (masked)", "enterprises": "企业数 Companies",
    "enterprise_names": "关联企业 Companies", "roles": "身份 Roles", "events": "事件数 Events", "person_name": "自然人 Person",
    "role_in_a": "在原企业身份 Role in A", "a_name": "原企业 A", "a_status": "原企业状态 A status",
    "a_dissolved": "原企业注销/吊销 A dissolved", "a_events": "原企业事件 A events", "b_name": "新企业 B",
    "b_founded": "新企业成立 B founded", "days_after": "间隔天数 Days after", "level": "层级 Level", "path": "路径 Path",
    "person": "自然人主键 Person uid", "a": "原企业主键 A uid", "b": "新企业主键 B uid",
    "end_signal": "终止依据 End signal", "a_end": "原企业终止 A ended", "identity_members": "同一人记录 Identity records",
    "confidence_label": "置信度 Confidence", "companies": "企业数 Companies", "shared_traces": "共同痕迹 Shared traces",
    "city_name": "城市 City",
    # neighbourhood, paths, suspected relations
    "label": "类型 Kind", "caption": "显示名称 Caption", "hops": "跳数 Hops", "nodes": "路径节点 Nodes",
    "rel_types": "关系类型 Relationships", "via_cluster_address": "经集中办公区 Via cluster address",
    "shared": "共同标识数 Shared", "via": "关联方式 Via", "identifiers": "共同标识 Identifiers",
    # equity
    "owner": "股东主键 Owner uid", "effective_ratio": "有效持股比例 Effective ratio",
    "effective_pct": "有效持股 Effective share", "paths": "路径数 Paths", "shortest_hops": "最短层级 Shortest hops",
    "is_controller": "实际控制人候选 Controller", "control": "控制类型代码 Control code", "control_zh": "控制类型 Control",
    "direct_ratio": "直接持股比例 Direct ratio", "controlled": "是否控制 Controlled",
    # shell companies, repeat offenders, phoenix cases
    "signal_keys": "信号代码 Signal keys", "hub_persons": "关键人主键 Hub uid", "enterprise_uids": "企业主键 Company uids",
    "end_signal_key": "终止依据代码 End signal key",
    # cross-region links
    "connectors": "关联方主键 Connector uids", "connector_names": "关联方 Connectors",
    "differs_at": "区域差异层级 Differs at",
    # risk groups, risk propagation
    "group_id": "关联群组 Group", "people": "自然人数 People", "penalised_enterprises": "受处罚企业数 Penalised companies",
    "members": "成员企业主键 Member uids", "member_names": "成员企业(前5) Members (first 5)", "seed": "风险源 Seed",
    "hops_to_seed": "距风险源跳数 Hops to seed", "nearest_seed": "最近风险源 Nearest seed",
    # name hubs
    "city": "城市代码 City code", "records": "记录数 Records", "identities": "身份数 Identities",
    "confidence": "置信度代码 Confidence code", "tied_companies": "有旁证企业数 Tied companies",
    "founding_window": "集中成立企业数 Founded together", "authority_share": "同一登记机关占比 Same authority",
    # role and holding history (docs/time.md)
    "valid_from": "起始日期 From", "valid_to": "终止日期 To", "ended_by": "终止依据 How it ended",
    "changes": "股权变更记录 Equity changes", "as_of": "截至日期 As of", "attribution": "归责方式 Attribution",
    "role_periods": "任职期间 Role periods", "role_period": "任职期间 Role period",
    "exit_date": "离开日期 Left on", "exit_signal": "离开依据 How the person left",
    "left_days_before": "离开后至处罚天数 Days from leaving to penalty",
    # added by the exports
    "evidence": "证据 Evidence",
}


#: the batch credit check's columns (queries.check)
CHECK_LABELS: dict[str, str] = {
    "row": "行号 Row", "input": "输入 Input", "match": "匹配方式代码 Match code", "match_zh": "匹配方式 Match",
    "score": "相似度 Score", "uscc": "统一社会信用代码 USCC", "active_penalties": "有效处罚/名单 Active penalties",
    "lists": "当前名单 Current lists", "linked_risk": "关联风险主体数 Linked risky parties",
    "linked_subjects": "关联的被核查主体数 Linked checked subjects", "candidates": "候选 Candidates",
}


def _party(side: str, zh: str) -> dict[str, str]:
    """The columns of one party of a cross-region link (主体甲 Party A / 主体乙 Party B)."""
    p = side.lower()
    return {p: f"{zh}主键 Party {side} uid", f"{p}_name": f"{zh} Party {side}",
            f"{p}_region": f"{zh}地区代码 Party {side} region", f"{p}_region_name": f"{zh}地区 Party {side} region name",
            f"{p}_events": f"{zh}失信/处罚事件 Party {side} events", f"{p}_penalties": f"{zh}处罚与名单 Party {side} penalties"}


#: Where an analysis means something else by a column than :data:`COLUMN_LABELS` says.
ANALYSIS_COLUMN_LABELS: dict[str, dict[str, str]] = {
    # the two parties are peers (the old / new company wording is the phoenix cases')
    "cross_region_links": {**_party("A", "主体甲"), **_party("B", "主体乙"), "hops": "关联跳数 Hops",
                           "path": "关联路径 Path"},
    "phoenix_cases": {"a_events": "原企业事件数 A events", "role_period": "在原企业任职期间 Role period in A",
                      "exit_date": "离开原企业日期 Left A on"},
    "neighborhood": {"status": "状态 Status", "hops": "距中心跳数 Hops from centre"},
    "name_hubs": {"name": "姓名 Name", "region": "地区代码 Region", "score": "评分 Score"},
    "equity_penetration": {"name": "股东名称 Owner", "paths": "持股路径数 Paths"},
    "controlled_by": {"uid": "企业主键 Company uid", "name": "企业名称 Company", "paths": "持股路径数 Paths"},
    "repeat_offenders": {"events": "关联企业事件数 Events", "enterprises": "关联企业数 Companies"},
    "risk_propagation": {"score": "传导风险分 Propagated risk", "events": "自身事件数 Own events"},
    "risk_groups": {"enterprises": "企业数 Companies", "events": "事件数 Events"},
    "red_black_links": {
        "conflict": "红黑冲突(同一主体) Direct conflict", "hops": "关联跳数 Hops",
        "red": "红名单主体主键 Red-listed uid", "red_name": "红名单主体 Red-listed party",
        "red_label": "红名单主体类型 Red-listed kind", "red_lists": "红名单 Red lists",
        "red_entries": "红名单记录 Red-list entries", "red_region": "红名单主体地区代码 Red-listed region",
        "red_region_name": "红名单主体地区 Red-listed region name", "black": "黑名单主体主键 Black-listed uid",
        "black_name": "黑名单主体 Black-listed party", "black_label": "黑名单主体类型 Black-listed kind",
        "black_events": "黑名单事件 Black-list events", "black_kinds": "黑名单类别 Black-list kinds",
        "black_penalties": "黑名单记录 Black-list records", "black_region": "黑名单主体地区代码 Black-listed region",
        "black_region_name": "黑名单主体地区 Black-listed region name", "path": "关联路径 Path",
        "cross_region": "跨省 Cross-province"},
    "credit_check": {**CHECK_LABELS, "uid": "匹配企业主键 Matched uid", "name": "匹配企业名称 Matched name",
                     "status": "登记状态 Status"},
}

ANALYSIS_LABELS: dict[str, str] = {
    "neighborhood": "关联关系 Neighbourhood", "paths": "关联路径 Paths", "equity_penetration": "股权穿透 Equity penetration",
    "controlled_by": "控制企业 Controlled companies", "shell_company_candidates": "空壳公司嫌疑 Shell-company candidates",
    "repeat_offenders": "屡次失信 Repeat offenders", "phoenix_cases": "金蝉脱壳 Phoenix cases",
    "cross_region_links": "跨区域联合惩戒关联 Cross-region links", "suspected_relations": "疑似关联 Suspected relations",
    "risk_groups": "风险关联群组 Risk groups", "risk_propagation": "风险传导 Risk propagation",
    "name_hubs": "同名集中任职 Name hubs", "credit_check": "信用核查 Credit check",
    "red_black_links": "红黑名单关联 Red and black joint links",
}

PARAM_LABELS: dict[str, str] = {
    "uid": "主体主键 Party uid", "hops": "跳数 Hops", "rel_types": "关系类型 Relationships", "limit": "最多条数 Limit",
    "include_history": "包含已移出/修复记录 Include removed/repaired records", "a": "起点主键 From uid",
    "b": "终点主键 To uid", "max_hops": "最大跳数 Max hops", "all_paths": "列出全部路径 All paths",
    "depth": "最大层级 Depth", "min_identity_score": "同一人最低置信度 Min identity score",
    "min_companies": "最少企业数 Min companies", "window_days": "时间窗(天) Window (days)",
    "max_paid_ratio": "实缴比例上限 Max paid-in ratio", "min_shared_address": "同一住所最少企业数 Min companies at an address",
    "short_life_days": "短期存续(天) Short life (days)", "weights": "信号权重 Signal weights",
    "min_score": "最低评分 Min score", "min_events": "最少事件数 Min events", "level": "层级 Level",
    "min_enterprises": "最少关联企业数 Min companies", "kinds": "处罚类别 Penalty kinds",
    "min_size": "群组最少企业数 Min group size", "alpha": "传导系数 Alpha", "top": "前N名 Top",
    "include_seeds": "包含风险源 Include seeds", "labels": "主体类型 Kinds of party", "max_iter": "最大迭代次数 Max iterations",
    "tol": "收敛阈值 Tolerance", "min_tied": "最少有旁证企业数 Min tied companies",
    "include_name_only": "包含仅同名 Include name-only",
    "subjects": "核查主体数 Subjects checked", "purpose": "核查用途 Purpose",
    "as_of": "截至日期 As of (roles and holdings valid that day)",
    "left_before_days": "离开后仍归责天数 Days after leaving a penalty still counts",
    "attribution": "处罚归责方式 Attribution of penalties to people",
}

#: The risk page's filters (``export(..., filters=...)``).
FILTER_LABELS: dict[str, str] = {
    "region": "地区 Region", "province": "省 Province", "city": "市 City", "kinds": "处罚类别 Penalty kinds",
    "min_score": "最低评分 Min score", "period": "时间段 Period", "statuses": "记录状态 Statuses",
}


def column_label(name: str, analysis: str | None = None) -> str:
    """The bilingual label of a result column (its own name when it has none).

    >>> column_label("score"), column_label("unheard_of")
    ('评分 Score', 'unheard_of')
    >>> column_label("a_name", "phoenix_cases"), column_label("a_name", "cross_region_links")
    ('原企业 A', '主体甲 Party A')
    """
    if analysis is not None:
        label = ANALYSIS_COLUMN_LABELS.get(analysis, {}).get(name)
        if label is not None:
            return label
    return COLUMN_LABELS.get(name, name)


def analysis_label(name: str) -> str:
    """``屡次失信 Repeat offenders`` for ``repeat_offenders`` (its own name when it has none)."""
    return ANALYSIS_LABELS.get(name, name)


def param_label(name: str) -> str:
    """The bilingual name of an analysis parameter (its own name when it has none)."""
    return PARAM_LABELS.get(name, name)


def filter_label(name: str) -> str:
    """The bilingual name of an app filter (its own name when it has none)."""
    return FILTER_LABELS.get(name, name)


_KINDS = {k: v.get("label_zh", k) for k, v in MODEL.penalty_kinds.items()}
_STATUSES = {k: v.get("label_zh", k) for k, v in MODEL.penalty_statuses.items()}
_NODES = {k: v.label_zh for k, v in MODEL.nodes.items()}
_RELS = {k: v.label_zh for k, v in MODEL.rels.items()}
# a person's role in a company is a noun: 股东 (shareholder), not 持股 (holds shares)
_ROLES = {**_RELS, "HOLDS_SHARES": "股东", "LEGAL_REP": "法定代表人"}
_LEVELS = {"province": "省", "city": "市", "county": "区县", "enterprise": "企业", "person": "自然人"}

#: How the end of a role or holding became known (``ended_by``, docs/time.md), in words.
ENDED_BY: dict[str, str] = {
    "source": "登记记载终止日期 end date in the record",
    "delete_flag": "增量数据删除 deleted by an incremental extract",
    "replaced": "法定代表人变更 another legal representative registered",
    "equity_change": "股权变更退出 equity change to 0%",
    "snapshot": "全量数据不再列出 no longer in a full extract",
}
#: Whose roles a penalty is attributed to (``attribution`` of repeat offenders and phoenix cases).
ATTRIBUTION: dict[str, str] = {
    "decision": "按处罚决定日在任 in office on the decision date",
    "current": "按当前在任 in office on the as-of date",
}

#: Columns (and parameters) whose values hold internal codes, and the codes' Chinese text.
CODE_TEXT: dict[str, dict[str, str]] = {
    "kinds": _KINDS, "kind": _KINDS, "statuses": _STATUSES, "status": _STATUSES, "label": _NODES, "labels": _NODES,
    "roles": _ROLES, "role_in_a": _ROLES, "rel_types": _RELS, "differs_at": _LEVELS, "level": _LEVELS,
    "ended_by": ENDED_BY, "attribution": ATTRIBUTION,
}
_CODE = re.compile(r"[A-Za-z_]+")


def code_text(column: str, value: str) -> str:
    """``value`` of ``column`` with its internal codes in Chinese (separators such as ``+`` and ``、`` kept).

    >>> code_text("roles", "HOLDS_SHARES+LEGAL_REP"), code_text("kinds", "abnormal_operation、administrative_penalty")
    ('股东+法定代表人', '经营异常名录、行政处罚')
    >>> code_text("status", "active"), code_text("status", "存续"), code_text("name", "active")
    ('有效', '存续', 'active')
    >>> code_text("ended_by", "replaced")
    '法定代表人变更 another legal representative registered'
    """
    table = CODE_TEXT.get(column)
    if table is None:
        return value
    return _CODE.sub(lambda m: table.get(m.group(0), m.group(0)), value)
