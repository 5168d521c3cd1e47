"""A refresh that deletes a company scores the identity links of its people without that company.

Found on the 1M-enterprise graph: a 1% refresh deleted 宁波富联装饰工程有限公司; its legal representative,
a name-only 刘军, stayed linked to an identified 刘军 who had held shares in it, and the link was scored
with "同一企业任职" (same company) from the stored roles, so the same refresh applied again lowered the
score (1.0 -> 0.99): a change the second time. The evidence now leaves out the roles, holdings and links
of the companies the batch deletes.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.etl.pipeline import run_load
from creditgraph.etl.refresh import run_refresh

E1, E2 = "91330211MA2YR5KH98", "91330211MA2YR6AB1X"
ENT_HEAD = "uscc,reg_no,subject_id,name,kind,status,founded,dissolved,capital,currency,industry,address,region,province,city,legal_rep,authority,phone,email,change_flag,updated_at"
REP_HEAD = "enterprise_uscc,enterprise_subject_id,enterprise_name,person_name,id_type,id_no,position,is_legal_rep,phone,mobile,email,since,until,change_flag,updated_at"
SH_HEAD = "enterprise_uscc,enterprise_subject_id,enterprise_name,holder_name,holder_kind,holder_id,subscribed,subscribed_date,paid,paid_date,ratio,report_year,since,until,change_flag,updated_at"


def _ent(uscc: str, name: str, rep: str, flag: str = "i") -> str:
    return (f"{uscc},,,{name},有限责任公司(自然人独资),存续,2024-08-31,,5万人民币,,建筑业,宁波市镇海区学院路{uscc[-3:]}号,"
            f"330211,,宁波市,{rep},宁波市市场监督管理局,,,{flag},2026-07-01 08:00:00")


def _write(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def extracts(tmp_path) -> tuple[Path, Path]:
    first = _write(tmp_path / "first", {
        "enterprises.csv": [ENT_HEAD, _ent(E1, "宁波富联装饰工程有限公司", "刘军"), _ent(E2, "宁波联富建材有限公司", "刘军")],
        # the name-only 刘军 (masked ID) heads E1; the identified 刘军 heads E2 and holds shares in E1
        "legal_reps.csv": [REP_HEAD,
                           f"{E1},,宁波富联装饰工程有限公司,刘军,身份证,330211********8161,执行董事,是,,,,,,i,2026-07-01 08:00:00",
                           f"{E2},,宁波联富建材有限公司,刘军,身份证,330211198001078161,执行董事,是,,,,,,i,2026-07-01 08:00:00"],
        "shareholders.csv": [SH_HEAD, f"{E1},,宁波富联装饰工程有限公司,刘军,自然人股东,330211198001078161,5万,2024-08-31,5万,"
                                      "2024-08-31,1,2024,,,i,2026-07-01 08:00:00"],
    })
    # the refresh deletes E1 and re-sends the identified 刘军's role in E2 (so his links are scored again)
    delete = _write(tmp_path / "delete", {
        "enterprises.csv": [ENT_HEAD, _ent(E1, "宁波富联装饰工程有限公司", "刘军", "d")],
        "legal_reps.csv": [REP_HEAD, f"{E2},,宁波联富建材有限公司,刘军,身份证,330211198001078161,执行董事,是,,,,,,u,"
                                     "2026-07-01 08:00:00"]})
    return first, delete


def _links(open_graph) -> list[tuple]:
    with open_graph() as g:
        df = g.run("MATCH (a:Person)-[r:POSSIBLY_SAME_AS]->(b:Person) RETURN a.uid AS a, b.uid AS b, r.score AS score, "
                   "r.evidence AS evidence")
    return sorted((r["a"], r["b"], round(float(r["score"]), 4), r["evidence"]) for r in df.to_dict("records"))


def test_deleting_a_company_scores_its_peoples_links_without_it_at_once(extracts, target):
    first, delete = extracts
    s, open_graph = target
    run_load(first, "canonical", s)
    before = _links(open_graph)
    assert any("同一企业任职" in ev for *_, ev in before), before  # the shared company is evidence at first
    once = run_refresh(delete, "canonical", s)
    assert once.status == "refreshed" and once.deleted.get("Enterprise") == 1
    after = _links(open_graph)
    assert not any("同一企业任职" in (ev or "") for *_, ev in after), after
    again = run_refresh(delete, "canonical", s)
    assert again.status == "unchanged" and again.changes == 0, again.graph


def test_a_deleted_companys_people_are_rescored_even_when_nothing_else_names_them(extracts, target, tmp_path):
    first, delete = extracts
    only_delete = tmp_path / "only-delete"
    only_delete.mkdir()
    (only_delete / "enterprises.csv").write_bytes((delete / "enterprises.csv").read_bytes())
    s, open_graph = target
    run_load(first, "canonical", s)
    assert any("同一企业任职" in ev for *_, ev in _links(open_graph))
    once = run_refresh(only_delete, "canonical", s)
    assert once.status == "refreshed" and once.deleted.get("Enterprise") == 1
    assert not any("同一企业任职" in (ev or "") for *_, ev in _links(open_graph)), _links(open_graph)
    assert run_refresh(only_delete, "canonical", s).status == "unchanged"

