"""Bilingual display names of the analyses' result columns: one source for the app's tables and the
exports' headers (a column without a name here keeps its own)."""
from __future__ import annotations

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
    "b_founded": "新企业成立 B founded", "days_after": "间隔天数 Days after", "level": "层级 Level", "path": "路径 Path", "person": "自然人主键 Person uid", "a": "原企业主键 A uid", "b": "新企业主键 B uid",
    "end_signal": "终止依据 End signal", "a_end": "原企业终止 A ended", "identity_members": "同一人记录 Identity records",
    "confidence_label": "置信度 Confidence", "companies": "企业数 Companies", "shared_traces": "共同痕迹 Shared traces",
    "city_name": "城市 City",
}


def column_label(name: str) -> str:
    """The bilingual label of a result column (its own name when it has none).

    >>> column_label("score"), column_label("unheard_of")
    ('评分 Score', 'unheard_of')
    """
    return COLUMN_LABELS.get(name, name)
