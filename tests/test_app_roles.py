"""Roles in the app (streamlit.testing AppTest on the synthetic graph): sign-in, what each role may
and may not do, masking of phones / e-mails / ID numbers on pages and in exports, the audit log.

Users live in a creditgraph.toml written by the real `creditgraph users add` code path
(app.auth.add_user); the audit log goes to a file named in that config.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from creditgraph.app import auth
from tests.test_app_pages import APP, TIMEOUT, frame, no_errors, shell_cluster, synth_graph

PASSWORDS = {"ivy": "ivy-password-1", "sam": "sam-password-1", "ada": "ada-password-1"}
ROLES = {"ada": "admin", "ivy": "investigator", "sam": "supervisor"}
CLEAR_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The synthetic graph plus a config with one user per role and its own audit log."""
    g = synth_graph()
    root = tmp_path_factory.mktemp("roles")
    config = root / "creditgraph.toml"
    config.write_text(f'[audit]\npath = "{root / "audit.jsonl"}"\n\n[auth]\nsession_minutes = 20\n', encoding="utf-8")
    for name in ("ada", "ivy", "sam"):  # admin first, as the CLI insists
        auth.add_user(config, name, ROLES[name], PASSWORDS[name])
    return g, config, root / "audit.jsonl"


@pytest.fixture
def env(site, monkeypatch):
    g, config, log = site
    monkeypatch.setenv("CREDITGRAPH_DB", str(g.db))
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    for var in ("CREDITGRAPH_STORE", "CREDITGRAPH_AUDIT_LOG", "CREDITGRAPH_LOCAL_ROLE"):
        monkeypatch.delenv(var, raising=False)
    return g, config, log


def events(log: Path, **match) -> list[dict]:
    if not log.exists():
        return []
    out = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [e for e in out if all(e.get(k) == v for k, v in match.items())]


def new_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def sign_in(user: str, password: str | None = None):
    at = new_app().run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("登录")
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password if password is not None else PASSWORDS[user])
    at.button(key="signin_submit").click().run()
    return at


def phone_party(db: Path) -> tuple[str, str]:
    """A party (uid) that has a phone in the graph, and that phone in clear."""
    import dataclasses

    from creditgraph.graph.config import load_settings
    from creditgraph.graph.store import open_store

    s = dataclasses.replace(load_settings(), store="embedded", db_path=db)
    with open_store(s, read_only=True) as store:
        df = store.run("MATCH (e:Enterprise)-[:HAS_PHONE]->(t:Phone) RETURN e.uid AS uid, t.uid AS phone ORDER BY uid LIMIT 1")
    return df["uid"].iloc[0], df["phone"].iloc[0]


def resident_ids(text: str) -> list[str]:
    """18-character strings that pass the resident-ID check (GB 11643) and are not USCCs (GB 32100)."""
    from creditgraph.graph.identifiers import validate_resident_id, validate_uscc

    cands = pd.Series(sorted(set(CLEAR_ID.findall(text))), dtype="string")
    if cands.empty:
        return []
    ok_id = validate_resident_id(cands)["kind"].eq("valid").to_numpy()
    is_uscc = validate_uscc(cands)["kind"].eq("uscc").to_numpy()
    return cands[ok_id & ~is_uscc].tolist()


def clear_personal_values(src: Path) -> set[str]:
    """Every clear ID number, phone and e-mail in the synthetic extract (what an export must never hold)."""
    found: set[str] = set()
    for name, cols in (("legal_reps.csv", ("id_no", "phone", "mobile", "email")), ("shareholders.csv", ("holder_id",)),
                       ("enterprises.csv", ("phone", "email")), ("penalties.csv", ("person_id_no",))):
        with open(src / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                for c in cols:
                    v = (row.get(c) or "").strip()
                    if v and "*" not in v and v not in ("N/A", "\\n") and (len(v) >= 11 or "@" in v):
                        found.add(v.lower())
    # corporate shareholders carry a USCC in holder_id: that is no personal data
    from creditgraph.graph.identifiers import validate_uscc

    vals = pd.Series(sorted(found), dtype="string")
    return set(vals[~validate_uscc(vals.str.upper())["kind"].eq("uscc").to_numpy()])


# --- sign-in ---------------------------------------------------------------------------------------


def test_sign_in_page_refuses_a_bad_password_and_audits_it(env):
    g, config, log = env
    before = len(events(log, event="sign_in", user="ivy", ok=False))
    at = sign_in("ivy", "not-the-password")
    assert not at.exception
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert at.title[0].value.startswith("登录")  # still on the sign-in page
    assert "auth_session" not in at.session_state
    assert len(events(log, event="sign_in", user="ivy", ok=False)) == before + 1
    # the password is in neither the log nor the page
    assert PASSWORDS["ivy"] not in log.read_text(encoding="utf-8") and "not-the-password" not in log.read_text(encoding="utf-8")


def test_unknown_user_is_refused_like_a_wrong_password(env):
    at = sign_in("mallory", "whatever-password")
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert "auth_session" not in at.session_state


def test_session_expires(env):
    g, config, log = env
    at = sign_in("ivy")
    no_errors(at)
    assert at.title[0].value.startswith("搜索")
    s = at.session_state["auth_session"]
    at.session_state["auth_session"] = {**s, "started": time.time() - 21 * 60}  # session_minutes = 20
    at.run()
    assert at.title[0].value.startswith("登录")
    assert any("expired" in i.value for i in at.info)
    assert events(log, event="session_expired", user="ivy")


# --- investigator -------------------------------------------------------------------------------------


def test_investigator_explores_sees_masked_data_and_cannot_reveal_or_see_data_status(env):
    g, config, log = env
    at = sign_in("ivy")
    no_errors(at)
    assert [p for p in ("views/status.py",) if p in str(at)] == []
    with pytest.raises(ValueError):  # not in the investigator's navigation at all
        at.switch_page("views/status.py")
    uscc = shell_cluster(g)["members"][0]
    at.text_input(key="search_text").input(uscc).run()
    no_errors(at)
    assert frame(at, "search_table")["主键 uid"].tolist() == [uscc]
    assert events(log, event="search", user="ivy", text=uscc)
    uid, phone = phone_party(g.db)
    at.session_state["uid"] = uid
    at.switch_page("views/profile.py").run()
    no_errors(at)
    assert events(log, event="profile_view", user="ivy", uid=uid)
    contacts = frame_by_key(at, "profile_contacts")
    assert phone not in contacts.to_string() and contacts["号码/地址 Value"].str.contains(r"\*").all()
    assert not [b for b in at.button if b.key == "profile_reveal"]
    reps = [df.value for df in at.dataframe if "证件号码(脱敏) ID (masked)" in df.value.columns]
    for df in reps:
        assert not df["证件号码(脱敏) ID (masked)"].astype(str).str.contains(CLEAR_ID).any()


def frame_by_key(at, key: str) -> pd.DataFrame:
    """A table by its key, or by a column only it has (AppTest keeps no key for read-only tables)."""
    column = {"profile_contacts": "号码/地址 Value"}[key]
    for df in at.dataframe:
        if df.key == key or column in df.value.columns:
            return df.value
    raise AssertionError(f"no table {key!r}")


def run_risk_list(at, which: str = "repeat_enterprise"):
    at.switch_page("views/risk.py").run()
    no_errors(at)
    at.selectbox(key="risk_list").set_value(which).run()
    at.button(key="risk_run").click().run()
    no_errors(at)
    return frame(at, "risk_table")


def test_an_investigators_export_holds_no_clear_personal_data(env):
    g, config, log = env
    at = sign_in("ivy")
    table = run_risk_list(at, "repeat_person")  # people: names, masked IDs, their companies
    assert len(table)
    at.button(key="risk_prepare").click().run()
    no_errors(at)
    exp = at.session_state["risk_export"]
    assert exp["rows"] == len(table)
    clear = clear_personal_values(g.src)
    assert clear, "the synthetic extract should hold clear phones, e-mails and ID numbers"
    for fmt in ("csv", "xlsx"):
        if fmt == "csv":
            text = exp["csv"].decode("utf-8-sig")
        else:
            sheets = pd.read_excel(io.BytesIO(exp["xlsx"]), sheet_name=None, dtype=str, keep_default_na=False)
            text = "\n".join(df.to_csv(index=False) for df in sheets.values())
        assert not resident_ids(text), f"an 18-character ID number in the {fmt} export"
        assert not MOBILE.findall(text), f"an 11-digit mobile number in the {fmt} export"
        low = text.lower()
        leaked = [v for v in clear if v in low]
        assert not leaked, f"clear personal data in the {fmt} export: {leaked[:3]}"
    assert events(log, event="export", user="ivy", role="investigator", masked=True)


# --- supervisor ---------------------------------------------------------------------------------------


def test_supervisors_export_is_audited_with_row_count_and_hash(env):
    g, config, log = env
    at = sign_in("sam")
    table = run_risk_list(at, "repeat_enterprise")
    before = len(events(log, event="export", user="sam"))
    at.button(key="risk_prepare").click().run()
    no_errors(at)
    exp = at.session_state["risk_export"]
    new = events(log, event="export", user="sam")[before:]
    by_format = {e["format"]: e for e in new}
    assert set(by_format) == {"csv", "xlsx"}
    for fmt, e in by_format.items():
        assert e["rows"] == len(table) == exp["rows"]
        assert e["sha256"] == hashlib.sha256(exp[fmt]).hexdigest()
        assert e["bytes"] == len(exp[fmt]) and e["role"] == "supervisor" and e["name"] == "repeat_offenders"
    assert events(log, event="analysis", user="sam", name="repeat_offenders")


def test_supervisor_reveals_contact_details_and_the_reveal_is_audited(env):
    g, config, log = env
    uid, phone = phone_party(g.db)
    at = sign_in("sam")
    at.session_state["uid"] = uid
    at.switch_page("views/profile.py").run()
    no_errors(at)
    assert phone not in frame_by_key(at, "profile_contacts").to_string()  # masked until asked
    at.button(key="profile_reveal").click().run()
    no_errors(at)
    assert phone in set(frame_by_key(at, "profile_contacts")["号码/地址 Value"])
    rev = events(log, event="reveal", user="sam", uid=uid)
    assert rev and "Phone" in rev[-1]["fields"] and rev[-1]["count"] >= 1


def test_graph_explorer_never_puts_a_clear_phone_on_the_page(env):
    g, config, log = env
    uid, phone = phone_party(g.db)
    at = sign_in("sam")  # even a role that may reveal: the graph shows masked values only
    at.session_state["uid"] = uid
    at.switch_page("views/graph.py").run()
    at.radio(key="graph_hops").set_value(1)
    at.multiselect(key="graph_rels").set_value(["HAS_PHONE", "LEGAL_REP"]).run()
    no_errors(at)
    page = at.get("iframe")[0].proto.srcdoc
    nodes = frame(at, "graph_nodes")
    assert (nodes["主键 uid"].str.startswith("Phone:")).any()
    assert phone not in page and phone not in nodes.to_string()
    assert events(log, event="analysis", user="sam", name="neighborhood")


# --- admin ----------------------------------------------------------------------------------------------


def test_admin_sees_data_status(env):
    g, config, log = env
    at = sign_in("ada")
    no_errors(at)
    at.switch_page("views/status.py").run()
    no_errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["图版本 Graph version"].endswith("v000001")


def test_a_role_changed_in_the_file_applies_at_once(env, tmp_path, monkeypatch):
    g, config, log = env
    other = tmp_path / "creditgraph.toml"
    other.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(other))
    at = sign_in("ada")
    at.switch_page("views/status.py").run()
    assert at.metric
    other.write_text(other.read_text(encoding="utf-8").replace('role = "admin"', 'role = "investigator"'), encoding="utf-8")
    at.run()
    assert not at.metric and not at.title[0].value.startswith("数据状态")  # the page left the navigation


# --- local mode -----------------------------------------------------------------------------------------


def test_local_mode_shows_a_banner_and_uses_the_local_role(env, monkeypatch, tmp_path):
    g, config, log = env
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = new_app().run()
    no_errors(at)
    banner = [w.value for w in at.sidebar.warning]
    assert any("Local single-user mode" in b and "investigator" in b for b in banner)
    assert at.title[0].value.startswith("搜索")
    assert events(tmp_path / "audit.jsonl", event="sign_in", mode="local", role="investigator")


def test_a_role_without_export_gets_no_export_button(env, tmp_path, monkeypatch):
    g, config, log = env
    narrowed = tmp_path / "creditgraph.toml"
    narrowed.write_text(config.read_text(encoding="utf-8") + '\n[auth.roles]\ninvestigator = ["explore"]\n', encoding="utf-8")
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(narrowed))
    at = sign_in("ivy")
    run_risk_list(at, "repeat_enterprise")
    assert not [b for b in at.button if b.key == "risk_prepare"]
    assert any("cannot export" in i.value for i in at.info)
    assert "risk_export" not in at.session_state
