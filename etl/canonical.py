"""The canonical source layout: the tables an extract may hold and their fields.

A source profile (``etl/profiles/*.yaml``) maps a platform's own files and
column names onto these tables and fields; everything after reading works on
canonical names only. ``kind`` says how a field is validated and normalised.

Field kinds: ``text``, ``name`` (normalised text), ``uscc`` (unified social
credit code or legacy code), ``id_no`` (resident ID number, maybe masked),
``date``, ``timestamp``, ``capital`` (money string with unit and currency),
``money`` (plain amount in yuan), ``ratio`` (0-1 or percent), ``int``,
``phone``, ``email``, ``region`` (division code), ``flag`` (change flag),
``bool``.

Example
-------
>>> TABLES["enterprises"].required
('name',)
>>> TABLES["penalties"].fields["kind"].kind
'text'
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    fields: dict[str, Field]
    # identifies one logical record across extracts (for dedupe and deletes)
    record_key: tuple[str, ...]
    # the identifying column(s) a file of this table must carry: a profile column for one of
    # them missing from a file's header makes the whole file an error (rows would otherwise be
    # keyed by another field). With ``columns: identity`` at least one of them must be present.
    file_key: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.required)


# the identifying column(s) per table (see Table.file_key)
FILE_KEYS = {
    "enterprises": ("uscc",),
    "legal_reps": ("enterprise_uscc", "enterprise_subject_id"),
    "shareholders": ("enterprise_uscc", "enterprise_subject_id"),
    "equity_changes": ("enterprise_uscc", "enterprise_subject_id"),
    "penalties": ("record_id",),
    "cluster_addresses": ("address",),
    "commitments": ("record_id",),
    "red_lists": ("record_id",),
}


def _subject_fields(what: str) -> tuple[Field, ...]:
    """The subject of a record, given as the ``penalties`` table gives it (an enterprise or a natural person)."""
    return (
        Field("subject_uscc", "uscc", doc="USCC, legacy registration number, or a natural person's resident ID"),
        Field("subject_subject_id", "text"),
        Field("subject_name", "name", doc=f"the {what} enterprise (or person) as named"),
        Field("person_name", "name", doc=f"the {what} natural person, or the legal person named on the record"),
        Field("person_id_no", "id_no"),
    )


def _t(name: str, doc: str, record_key: tuple[str, ...], *fields: Field) -> Table:
    common = (
        Field("change_flag", "flag", doc="i/u/d (insert/update/delete) or 1/2/3, I/U/D, 新增/修改/删除"),
        Field("updated_at", "timestamp", doc="when the source last changed the row; latest wins"),
    )
    return Table(name, doc, {f.name: f for f in (*fields, *common)}, record_key, FILE_KEYS.get(name, ()))


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _t(
            "enterprises", "Market subjects (市场主体信息).", ("uscc", "reg_no", "subject_id", "name"),
            Field("uscc", "uscc", doc="unified social credit code; a legacy code here is kept as an alternative key"),
            Field("reg_no", "text", doc="15-digit registration number (注册号)"),
            Field("subject_id", "text", doc="internal subject id (主体身份代码 / pripid)"),
            Field("name", "name", required=True, doc="company name"),
            Field("kind", "text", doc="enterprise type"),
            Field("status", "text", doc="registration status: 存续/在业/开业, 注销, 吊销, 迁出 …"),
            Field("founded", "date"),
            Field("dissolved", "date", doc="date of deregistration or revocation"),
            Field("capital", "capital", doc="registered capital as written, e.g. 51.8000(万元人民币)"),
            Field("currency", "text", doc="capital currency when given apart from the amount"),
            Field("industry", "text"),
            Field("address", "text"),
            Field("region", "region", doc="division code of the address; derived from the USCC when absent"),
            Field("province", "text", doc="province name (when no division code is given)"),
            Field("city", "text", doc="city name (when no division code is given)"),
            Field("legal_rep", "name", doc="legal representative name as written on the subject row"),
            Field("authority", "text", doc="registering authority"),
            Field("phone", "phone"),
            Field("email", "email"),
        ),
        _t(
            "legal_reps", "Legal representatives (法定代表人信息).", ("enterprise_uscc", "enterprise_subject_id", "person_name"),
            Field("enterprise_uscc", "uscc"),
            Field("enterprise_subject_id", "text"),
            Field("enterprise_name", "name"),
            Field("person_name", "name", required=True),
            Field("id_type", "text", doc="certificate type; only resident ID numbers are checked"),
            Field("id_no", "id_no"),
            Field("position", "text", doc="e.g. 董事长, 执行董事, 经理"),
            Field("is_legal_rep", "bool", doc="legal-representative flag (lerep_sign); rows flagged false are officers"),
            Field("phone", "phone"),
            Field("mobile", "phone"),
            Field("email", "email"),
            Field("since", "date", doc="start of the role (任职日期)"),
            Field("until", "date", doc="end of the role (卸任日期): a row with it is a former legal representative"),
        ),
        _t(
            "shareholders", "Shareholders and contributions (股东及出资信息).", ("enterprise_uscc", "enterprise_subject_id", "holder_name", "holder_id"),
            Field("enterprise_uscc", "uscc"),
            Field("enterprise_subject_id", "text"),
            Field("enterprise_name", "name"),
            Field("holder_name", "name", required=True),
            Field("holder_kind", "text", doc="person / enterprise (自然人股东, 企业法人 …); guessed from holder_id and the name when absent"),
            Field("holder_id", "text", doc="the holder's ID number (person) or USCC (enterprise) or investor id"),
            Field("subscribed", "capital", doc="subscribed amount (认缴), a money string (万元 when no unit is written is NOT assumed)"),
            Field("subscribed_date", "date"),
            Field("paid", "capital", doc="paid-in amount (实缴)"),
            Field("paid_date", "date"),
            Field("ratio", "ratio", doc="share of the company, 0–1 or a percentage; computed from subscribed amounts when absent"),
            Field("report_year", "int"),
            Field("since", "date", doc="start of the holding (成为股东日期)"),
            Field("until", "date", doc="end of the holding (退出日期): a row with it is a former shareholder"),
        ),
        _t(
            "equity_changes", "Equity changes (股权变更).", ("enterprise_uscc", "holder_name", "change_date"),
            Field("enterprise_uscc", "uscc"),
            Field("enterprise_subject_id", "text"),
            Field("holder_name", "name", required=True),
            Field("change_date", "date"),
            Field("ratio_before", "ratio"),
            Field("ratio_after", "ratio"),
        ),
        _t(
            "penalties",
            "Penalty events: administrative penalties, abnormal-operation and serious-illegal listings, dishonest judgment debtors.",
            ("kind", "record_id"),
            Field("kind", "text", required=True, doc="administrative_penalty | abnormal_operation | serious_illegal | dishonest_debtor "
                  "(commitment_breach events come from the commitments table)"),
            Field("record_id", "text", required=True, doc="the source's record id"),
            *_subject_fields("penalised"),
            Field("doc_no", "text", doc="decision number (决定书文号)"),
            Field("decided", "date", doc="decision or listing date"),
            Field("reason", "text"),
            Field("result", "text", doc="e.g. 罚款2000元"),
            Field("amount", "capital", doc="fine or debt amount; parsed from result when absent"),
            Field("authority", "text"),
            Field("region", "region", doc="division code of the deciding authority"),
            Field("city", "text"),
            Field("district", "text"),
            Field("removed", "date", doc="removal date; the 9999 sentinel means still listed"),
            Field("removal_reason", "text"),
            Field("status", "text", doc="active / removed / repaired / withdrawn; derived from removal fields when absent"),
        ),
        _t(
            "cluster_addresses", "Declared cluster-registration addresses (集中办公区): legal shared addresses.", ("address",),
            Field("address", "text", required=True),
            Field("region", "region"),
            Field("name", "text", doc="the registration centre's name"),
        ),
        _t(
            "commitments", "Credit commitments (信用承诺); a breached or false one also becomes a commitment_breach event.",
            ("record_id",),
            Field("record_id", "text", required=True, doc="the source's record id"),
            Field("kind", "text", required=True,
                  doc="approval_substitute | self_published | industry | repair, or the Chinese label (审批替代型 …)"),
            *_subject_fields("committing"),
            Field("matter", "text", doc="what was promised (承诺事项)"),
            Field("made", "date", doc="date of the commitment"),
            Field("deadline", "date", doc="date by which it must be kept; before made rejects the row"),
            Field("status", "text", doc="pending | kept | breached | false (待核查, 已履约, 违背承诺, 虚假承诺); empty: pending"),
            Field("verified", "date", doc="date the authority checked it (核查日期)"),
            Field("authority", "text"),
            Field("region", "region", doc="division code of the accepting authority"),
        ),
        _t(
            "red_lists", "Red lists (红名单, 守信激励): A-level taxpayers, integrity models and the like.", ("record_id",),
            Field("record_id", "text", required=True, doc="the source's record id"),
            Field("kind", "text", doc="a_taxpayer | integrity_model | contract_abiding | other, or the Chinese label; "
                  "any other text is other (kept as list_name)"),
            Field("list_name", "text", doc="the list's name as published"),
            *_subject_fields("listed"),
            Field("entered", "date", doc="listing date"),
            Field("removed", "date", doc="removal date; the 9999 sentinel means still listed"),
            Field("status", "text", doc="active / removed; derived from removed when absent"),
            Field("authority", "text"),
            Field("region", "region", doc="division code of the listing authority"),
        ),
    )
}
