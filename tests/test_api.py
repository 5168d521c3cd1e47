"""The read-only HTTP JSON API (app/api.py): keys (401 / 403 / 429), hostile input (4xx, graph
unchanged), masked data from search, profile and check, the audit log, following a newly published
graph version, and a schemathesis run against the app's own OpenAPI schema (no 5xx)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hsettings

from creditgraph.app.api import create_app
from creditgraph.app.api_keys import add_key, revoke_key
from creditgraph.app.audit import read_events
from creditgraph.graph import snapshots
from creditgraph.graph.config import load_settings
from creditgraph.graph.embedded import EmbeddedStore
from creditgraph.queries.testing import load
from tests.hostile_strings import HOSTILE
from tests.worlds import E1, E3, E6, E7, ent

# the bidders of tests/worlds.py, and a phone two of them share
PHONE = "13912345678"


def api_world():
    nodes = [
        ent(E1, "杭州甲乙建设工程有限公司", uscc=E1),
        ent(E3, "杭州明远国际贸易发展有限公司", uscc=E3),
        ent(E6, "杭州丙丁市政工程有限公司", uscc=E6),
        ent(E7, "杭州问题企业有限公司", uscc=E7),
        ("Person", "ID:p1", {"name": "王五"}),
        ("Person", "ID:p0", {"name": "赵四"}),
        ("Address", "ADDR:1", {"text": "杭州市西湖区文三路1号"}),
        ("Phone", PHONE, {"masked": "139****5678"}),
        ("PenaltyEvent", "AP:1", {"kind": "administrative_penalty", "decided": "2024-03-01", "status": "active"}),
        ("PenaltyEvent", "AO:1", {"kind": "abnormal_operation", "decided": "2024-05-01", "status": "active"}),
    ]
    rels = [
        ("LEGAL_REP", "ID:p1", E1, {"valid_from": "2022-03-01"}), ("LEGAL_REP", "ID:p1", E3),  # two bidders, one legal representative
        ("LEGAL_REP", "ID:p0", E1, {"valid_from": "2018-01-01", "valid_to": "2022-03-01", "ended_by": "replaced"}),  # before him
        ("HAS_ADDRESS", E1, "ADDR:1"), ("HAS_ADDRESS", E6, "ADDR:1"),  # and another at the same address
        ("HAS_PHONE", E1, PHONE), ("HAS_PHONE", E6, PHONE),  # with the same phone
        ("HOLDS_SHARES", "ID:p1", E7, {"ratio": 0.5}), ("PENALIZED", E7, "AP:1"),  # risk two hops from E1
        ("PENALIZED", E6, "AO:1"),
    ]
    return nodes, rels


@dataclasses.dataclass
class Api:
    client: TestClient
    root: Path
    config: Path
    audit: Path
    keys: dict[str, str]

    def get(self, url: str, key: str | None = "tender", **kw):
        headers = {"X-API-Key": self.keys.get(key, key)} if key else {}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, body, key: str | None = "tender"):
        return self.client.post(url, headers={"X-API-Key": self.keys[key]} if key else {}, json=body)


def counts(root: Path) -> dict:
    with EmbeddedStore(root, read_only=True) as s:
        return s.counts()


@pytest.fixture
def api(tmp_path, monkeypatch):
    root = tmp_path / "graph"
    with EmbeddedStore(root) as store:
        load(store, *api_world())
    config = tmp_path / "creditgraph.toml"
    config.write_text('[auth.roles]\njob = ["refresh"]\n', encoding="utf-8")  # a role without `explore`
    audit = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(config))
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(audit))
    monkeypatch.delenv("CREDITGRAPH_EXPORT_PERSON_NAMES", raising=False)
    keys = {"tender": add_key(config, "tender", "investigator", 10_000)[1],
            "job": add_key(config, "job", "job")[1],
            "slow": add_key(config, "slow", "investigator", 3)[1]}
    settings = dataclasses.replace(load_settings(), store="embedded", db_path=root)
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, root, config, audit, keys)
    app.state.store.close()


def test_health_needs_no_key_and_names_the_graph_version(api):
    r = api.get("/v1/health", key=None)
    assert r.status_code == 200 and r.json()["graph_version"] == "v000001"


def test_missing_or_wrong_key_is_401(api):
    assert api.get("/v1/search?q=杭州", key=None).status_code == 401
    wrong = api.keys["tender"][:-4] + "AAAA"
    assert api.get("/v1/search?q=杭州", key=wrong).status_code == 401
    assert api.get("/v1/search?q=杭州", key="not a key").status_code == 401
    assert api.post("/v1/check", {"subjects": [E1], "purpose": "x"}, key=None).status_code == 401
    assert api.get("/v1/search?q=杭州").status_code == 200


def test_an_address_that_keeps_sending_wrong_keys_is_locked_out(api):
    statuses = [api.get("/v1/search?q=x", key="cg_0123456789ab_" + "A" * 43).status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    r = api.get("/v1/search?q=x")  # the right key too, from that address, until the lock ends
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    locks = [e for e in read_events(api.audit) if e["event"] == "sign_in_locked"]
    assert [(e["mode"], e["key"]) for e in locks] == [("api", "address")]


def test_revoked_key_is_refused_at_the_next_request(api):
    assert api.get("/v1/search?q=杭州").status_code == 200
    revoke_key(api.config, "tender")
    assert api.get("/v1/search?q=杭州").status_code == 401


def test_role_without_explore_is_403(api):
    r = api.get("/v1/search?q=杭州", key="job")
    assert r.status_code == 403 and "may not explore" in r.json()["detail"]
    assert api.get(f"/v1/profile/{E1}", key="job").status_code == 403


def test_over_the_rate_limit_is_429_with_retry_after(api):
    assert [api.get("/v1/search?q=杭州", key="slow").status_code for _ in range(3)] == [200] * 3
    r = api.get("/v1/search?q=杭州", key="slow")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert api.get("/v1/search?q=杭州").status_code == 200  # other keys have their own budget


def test_search_returns_hits_with_names_masked(api):
    r = api.get("/v1/search", params={"q": "杭州甲乙建设工程有限公司"})
    assert r.status_code == 200
    hit = r.json()["hits"][0]
    assert (hit["uid"], hit["name"], hit["kind"]) == (E1, "杭州甲乙建设工程有限公司", "Enterprise")
    people = api.get("/v1/search", params={"q": "王五", "kinds": "Person"}).json()["hits"]
    assert [(h["uid"], h["name"]) for h in people] == [("ID:p1", "王*")]  # people's names masked, as in exports
    assert api.get("/v1/search", params={"q": "x", "kinds": "Phone"}).status_code == 422


def test_profile_masks_phones_and_names(api):
    r = api.get(f"/v1/profile/{E1}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "Enterprise" and body["name"] == "杭州甲乙建设工程有限公司"
    assert [x["person_name"] for x in body["legal_reps"]] == ["王*"]
    related = {x["uid"]: x for x in body["related"]}
    assert E6 in related and E3 in related  # shared phone; shared legal representative
    assert "139****5678" in related[E6]["via"]
    assert PHONE not in r.text and "王五" not in r.text
    assert api.get("/v1/profile/NOPE").status_code == 404
    assert api.get("/v1/profile/ID:p1").json()["name"] == "王*"


def test_profile_lists_former_representatives_and_takes_a_day(api):
    today = api.get(f"/v1/profile/{E1}").json()
    assert [(x["person_name"], x["period"]) for x in today["former_legal_reps"]] == [("赵*", "2018-01-01 – 2022-03-01")]
    assert "赵四" not in str(today)
    then = api.get(f"/v1/profile/{E1}", params={"as_of": "2021-06-01"}).json()
    assert then["as_of"] == "2021-06-01"
    assert [x["person_name"] for x in then["legal_reps"]] == ["赵*"] and then["former_legal_reps"] == []
    assert api.get(f"/v1/profile/{E1}", params={"as_of": "yesterday"}).status_code == 422


def test_check_returns_subjects_links_and_risks_and_is_audited_with_its_purpose(api):
    body = {"subjects": [E1, "杭州明远国际贸易发展有限公司", "上海查无此户有限公司", "杭州丙丁市政工程有限公司"],
            "purpose": "招标项目 ZB-2026-118 投标人核查", "hops": 2}
    r = api.post("/v1/check", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [s["match"] for s in out["subjects"]] == ["exact_code", "name_exact", "not_found", "name_exact"]
    assert {(x["row_a"], x["row_b"]) for x in out["links"]} >= {(0, 1), (0, 3)}
    assert E7 in {x["uid"] for x in out["risks"] if x["row"] == 0}
    assert PHONE not in r.text and "王五" not in r.text
    ev = [e for e in read_events(api.audit) if e["event"] == "check"][-1]
    assert (ev["user"], ev["role"], ev["status"], ev["purpose"], ev["subjects"]) == (
        "tender", "investigator", 200, body["purpose"], 4)
    assert api.post("/v1/check", {**body, "purpose": "  "}).status_code == 400
    assert api.post("/v1/check", {**body, "subjects": ["x"] * 1001}).status_code == 422
    assert api.post("/v1/check", {**body, "hops": 9}).status_code == 422


def test_every_request_is_audited_with_client_route_and_status(api):
    api.get("/v1/search?q=杭州")
    api.get("/v1/search?q=杭州", key=None)
    api.get("/v1/search?q=杭州", key="job")
    api.get(f"/v1/profile/{E1}")
    events = [e for e in read_events(api.audit) if e.get("via") == "api"]
    got = [(e["event"], e["user"], e["route"], e["status"]) for e in events]
    assert got == [("search", "tender", "/v1/search", 200), ("search", "-", "/v1/search", 401),
                   ("search", "job", "/v1/search", 403), ("profile_view", "tender", "/v1/profile/{uid}", 200)]
    assert events[0]["text"] == "杭州" and events[3]["uid"] == E1
    assert all(key not in api.audit.read_text() for key in api.keys.values())  # keys never logged


def _quoted(s: str) -> str:
    """``s`` for a URL: its first 5,000 characters (a URL over 64 Ki characters is refused by the client
    itself; 5,000 are still well over every limit of the API)."""
    return quote(s[:5000].encode("utf-8", "surrogatepass"), safe="")


def test_hostile_input_gets_a_4xx_or_an_answer_never_a_5xx_and_the_graph_is_unchanged(api):
    """Every string of tests/hostile_strings.py as the search text, the uid, a subject and the purpose of
    a check, and the key itself."""
    before = counts(api.root)
    key = {"X-API-Key": api.keys["tender"]}
    bad = []
    for i, s in enumerate(HOSTILE):
        statuses = [
            api.client.get("/v1/search?q=" + _quoted(s), headers=key).status_code,
            api.client.get("/v1/profile/" + _quoted(s), headers=key).status_code,
            api.client.post("/v1/check", headers={**key, "Content-Type": "application/json"},
                            content=json.dumps({"subjects": [s], "purpose": s}).encode("utf-8", "surrogatepass")).status_code,
        ]
        if any(code >= 500 for code in statuses):
            bad.append((i, s[:40], statuses))
    assert bad == []
    # as the key: 401, then (20 failures from one address) 429 for the address, never a 5xx
    as_key = [api.client.get("/v1/search?q=x", headers={"X-API-Key": s[:300].encode("utf-8", "surrogatepass")}).status_code
              for s in HOSTILE]
    assert set(as_key) == {401, 429} and as_key[:20] == [401] * 20
    assert counts(api.root) == before
    refused = [e for e in read_events(api.audit) if e.get("status") in (400, 422)]
    assert refused and all(e.get("reason") for e in refused)  # refusals are audited with their reason


def test_a_graph_version_published_after_the_start_is_served(api):
    assert api.get("/v1/search", params={"q": "杭州新设立科技有限公司"}).json()["hits"] == []
    name, tmp = snapshots.prepare(api.root)
    with EmbeddedStore(api.root, snapshot=tmp) as w:
        load(w, [ent("91330100MA2CHK999", "杭州新设立科技有限公司")])
    snapshots.commit(api.root, name, tmp)
    r = api.get("/v1/search", params={"q": "杭州新设立科技有限公司"})
    assert r.json()["graph_version"] == "v000002"
    assert [h["uid"] for h in r.json()["hits"]] == ["91330100MA2CHK999"]
    assert api.get("/v1/health", key=None).json()["graph_version"] == "v000002"


def test_openapi_is_served_and_no_cdn_docs_pages(api):
    spec = api.get("/openapi.json", key=None).json()
    assert set(spec["paths"]) == {"/v1/health", "/v1/search", "/v1/profile/{uid}", "/v1/check"}
    assert api.get("/docs", key=None).status_code == 404 and api.get("/redoc", key=None).status_code == 404


# --- schemathesis: the app's own schema, no 5xx ---------------------------------------------------------


def test_schemathesis_finds_no_server_error(api):
    """Every operation of the app's own OpenAPI schema, 25 generated requests each, with a valid key: no 5xx.
    (Driven from a plain test: schemathesis' pytest fixture loader does not run under this pytest.)"""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    key = api.keys["tender"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for op in operations:
        @given(case=op.as_strategy())
        @hsettings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            response = case.call(headers={"X-API-Key": key})
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])

        no_server_error()
