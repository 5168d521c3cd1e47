"""The read-only HTTP JSON API for systems that embed credit checks (approval, tendering, credit-loan
platforms): ``create_app(settings)`` builds it; ``creditgraph api`` serves it (docs/api.md).

Routes, under ``/v1``: ``GET /health`` (no key), ``GET /search``, ``GET /profile/{uid}``, ``POST /check``;
the OpenAPI schema at ``/openapi.json`` (no ``/docs`` or ``/redoc`` pages: they load scripts from a CDN,
and the platform is offline).

* **Keys**: header ``X-API-Key``, checked by :class:`app.api_keys.KeyRing` (argon2id hashes in
  ``creditgraph.toml``); missing or wrong → 401, a role without ``explore`` → 403, over the key's rate
  → 429 with ``Retry-After``. Failed keys count against the client address with the sign-in throttle of
  :mod:`app.auth` (``[auth.throttle]``): a locked address gets 429 without its key being checked.
* **Read-only**: the store is opened read-only and reopened when a refresh publishes a new snapshot
  (the next request reads it; a request never sees a half-loaded graph).
* **Masking** as in exports (:mod:`queries.export`): phones and e-mails masked everywhere, people's
  names per ``export_person_names``; ID numbers are held masked.
* **Audit**: one line per request (:func:`app.audit.audit_event`) with the client, route, status and,
  for a check, its purpose.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import re
import uuid
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditgraph.app import auth
from creditgraph.app.api_keys import ApiKey, KeyRing, RateLimiter
from creditgraph.app.audit import audit_event
from creditgraph.app.stores import ActiveCountsCache, StoreHolder, name_hub_cache, store_version
from creditgraph.graph.config import Settings, config_path
from creditgraph.graph.inputs import InputError, clean_key, preview
from creditgraph.graph.masking import mask_name
from creditgraph.graph.store import Rows
from creditgraph.queries.export import OutputMasking

log = logging.getLogger("creditgraph.api")
API_VERSION = "1"
MAX_SUBJECTS = 1000
NAME_HUBS_WAIT_S = 1.0  # a profile waits this long for its version's name hubs (a small graph's take less)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0/C1 controls (tab and line breaks allowed)
KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="the client's API key (`creditgraph api-keys add`)")


# --- models ----------------------------------------------------------------------------------------

class _Row(BaseModel):
    """A table row: the listed fields and any others the graph holds (values JSON: text, numbers, null)."""

    model_config = ConfigDict(extra="allow")


class Health(BaseModel):
    status: Literal["ok"]
    api_version: str
    graph_version: str
    name_hubs: Literal["ready", "computing", "unavailable"] = Field(
        "ready", description="the whole graph's name hubs behind the profiles' name-hub signal (computed once "
                             "per graph version; until ready a profile's signal says it is being computed)")


class SearchHit(_Row):
    kind: str
    kind_zh: str | None = None
    uid: str
    name: str | None = None
    uscc: str | None = None
    region: str | None = None
    region_name: str | None = None
    status: str | None = Field(None, description="registration status; for a person the masked ID number")
    detail: str | None = Field(None, description="legal representative; for a person their enterprises")
    active_penalties: int = 0


class SearchResponse(BaseModel):
    graph_version: str
    query: str = Field(description="the text searched for, cleaned")
    kinds: list[str]
    hits: list[SearchHit]


class Fact(_Row):
    field: str
    label_zh: str | None = None
    value: Any = None


class Signal(_Row):
    signal: str
    value: str | None = None
    detail: str | None = None
    source: str | None = None
    level: str | None = None


class RelatedParty(_Row):
    uid: str
    label: str | None = None
    name: str | None = None
    via: str | None = None
    active_penalties: int | None = None


class Profile(BaseModel):
    graph_version: str
    kind: str
    kind_zh: str | None = None
    uid: str
    name: str | None = None
    status: str | None = None
    region: str | None = None
    region_name: str | None = None
    facts: list[Fact]
    legal_reps: list[_Row]
    shareholders: list[_Row]
    holdings: list[_Row]
    roles: list[_Row] = Field(description="a person's enterprises (legal representative)")
    former_legal_reps: list[_Row] = Field(default=[], description="legal representatives whose role ended by as_of, "
                                          "with valid_from, valid_to, period and how it ended (docs/time.md)")
    former_shareholders: list[_Row] = Field(default=[], description="shareholders who left by as_of")
    former_holdings: list[_Row] = Field(default=[], description="holdings given up by as_of")
    former_roles: list[_Row] = Field(default=[], description="a person's enterprises they no longer represent")
    as_of: str = Field(description="the day the profile looks at (ISO date)")
    penalties: list[_Row] = Field(description="penalty timeline; status_zh 异议处理中 (disputed: under objection) "
                                  "is never active")
    lists: list[_Row] = Field(description="list memberships, black and warning lists then red ones (list_color: "
                              "red / black / warning)")
    commitments: list[_Row] = Field(default=[], description="credit commitments (信用承诺): kind_zh, matter, made, "
                                    "deadline, status_zh, verified, authority; breached and false ones first")
    red_lists: list[_Row] = Field(default=[], description="red-list entries (红名单): kind_zh, list_name, entered, "
                                  "removed, status, current on as_of, authority")
    signals: list[Signal]
    related: list[RelatedParty]
    person_names: Literal["masked", "clear"]


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=MAX_SUBJECTS, description="USCCs, registration numbers or enterprise names")
    purpose: str = Field(min_length=1, max_length=500, description="what the check is for (audited)")
    hops: int = Field(2, ge=1, le=3, description="how far linked risk and links among subjects are looked for")


class CheckSubject(_Row):
    row: int
    input: str
    match: str
    match_zh: str | None = None
    score: float | None = None
    uid: str | None = None
    name: str | None = None
    uscc: str | None = None
    status: str | None = None
    region: str | None = None
    active_penalties: int | None = None
    lists: str | None = None
    linked_risk: int = 0
    linked_subjects: int = 0
    candidates: str | None = None


class CheckLink(_Row):
    row_a: int
    row_b: int
    name_a: str | None = None
    name_b: str | None = None
    hops: int
    path: str | None = None


class CheckRisk(_Row):
    row: int
    uid: str
    name: str | None = None
    label: str | None = None
    hops: int | None = None
    active_penalties: int | None = None
    path: str | None = None


class CheckResponse(BaseModel):
    graph_version: str
    purpose: str
    hops: int
    subjects: list[CheckSubject]
    links: list[CheckLink]
    risks: list[CheckRisk]
    person_names: Literal["masked", "clear"]


class ErrorBody(BaseModel):
    detail: Any


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (400, "refused input"), (401, "missing or wrong API key"), (403, "the key's role may not do this"),
        (429, "over the key's rate limit (see Retry-After)"), (503, "no graph published yet"))}


# --- the store, following published versions --------------------------------------------------------

# --- masking (as queries.export does) ----------------------------------------------------------------

class _Mask:
    """Values for JSON as exports write them: phones and e-mails masked everywhere; people's names (their
    columns, name-only uids, Person captions in paths, and the names met in free texts such as ``via``)
    masked unless ``export_person_names`` is ``clear``. Company names stay as they are."""

    FREE_TEXT = ("via", "detail", "value", "path", "candidates", "signal")

    def __init__(self, settings: Settings):
        self.setting = settings.export_person_names
        self.out = OutputMasking(names=self.setting != "clear")
        self.names: set[str] = set()  # people's names seen: masked inside the free texts too

    def person(self, name: Any) -> Any:
        """Note a person's name (or names joined by 、 , ;) and return it masked."""
        if not isinstance(name, str):
            return name
        for n in re.split(r"[、,，;；/]", name):
            if len(n.strip()) > 1:
                self.names.add(n.strip())
        return self.out.name(name) if "、" not in name else "、".join(self.out.name(n) for n in name.split("、"))

    def rows(self, table: pd.DataFrame | Rows | None, person_cols: tuple[str, ...] = (),
             label_col: str | None = None) -> list[dict]:
        """Records of a table (a DataFrame or a profile's :class:`~graph.store.Rows`); ``person_cols`` hold
        people's names (only in rows whose ``label_col`` is Person)."""
        if table is None or not len(table):
            return []
        recs = (table.to_dict("records") if isinstance(table, pd.DataFrame)
                else [{c: r.get(c) for c in table.columns} for r in table])
        for r in recs:
            if label_col is None or r.get(label_col) == "Person":
                for c in person_cols:
                    r[c] = self.person(r.get(c))
        return recs

    def _scrub(self, s: str) -> str:
        for n in sorted(self.names, key=len, reverse=True):
            if n in s:
                s = s.replace(n, mask_name(n) or "")
        return s

    def value(self, v: Any, key: str = "") -> Any:
        """A value for JSON (dicts: each item by its key)."""
        if isinstance(v, dict):
            return {str(k): self.value(x, str(k)) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x, key) for x in v]
        if isinstance(v, float) and not math.isfinite(v):
            return None
        v = self.out.jsonable(v)
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, str) and self.out.names and key in self.FREE_TEXT:
            return self._scrub(v)
        return v


# --- authentication, rate limits, audit ----------------------------------------------------------------

class _Security:
    def __init__(self, settings: Settings, keys: KeyRing | None):
        self.keys = keys if keys is not None else KeyRing(config_path() if config_path().exists() else dict(settings.raw))
        cfg = auth.AuthConfig.from_settings(settings)
        self.throttle = auth.Throttle()
        self.policy = cfg.throttle
        self.limiter = RateLimiter()


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def require(action: str):
    """A dependency: the client whose key may do ``action`` (401 / 403 / 429 otherwise)."""

    def dep(request: Request, key: Annotated[str | None, Depends(KEY_HEADER)] = None) -> ApiKey:
        sec: _Security = request.app.state.security
        addr = [("address", _peer(request))]
        wait = sec.throttle.retry_after(addr)
        if wait > 0:
            _refuse(request, 429, "too many failed keys from this address", wait)
        try:
            sec.keys.reload(force=False)
        except (auth.AuthError, ValueError) as exc:
            log.error("API keys unreadable: %s", exc)
            _refuse(request, 503, "the API key configuration cannot be read (see the server's log)")
        client = sec.keys.authenticate(key) if key else None
        if client is None:
            locks = sec.throttle.failure(addr, sec.policy)
            for lock in locks:
                audit_event(request.app.state.settings, "sign_in_locked", user="-", mode="api", key="address",
                            value=lock.key[1], failures=lock.failures, seconds=lock.seconds)
            request.state.audit["reason"] = "missing key" if not key else "wrong key"
            raise HTTPException(401, "missing or wrong API key (header X-API-Key)", headers={"WWW-Authenticate": "ApiKey"})
        request.state.audit.update(user=client.name, role=client.role)
        if not sec.keys.can(client.role, action):
            _refuse(request, 403, f"client {client.name!r} (role {client.role}) may not {action}")
        wait = sec.limiter.take(client.name, client.rate_per_minute)
        if wait > 0:
            _refuse(request, 429, f"over the rate limit of {client.rate_per_minute:g} requests per minute", wait)
        return client

    return dep


def _refuse(request: Request, status: int, message: str, retry_after: float | None = None):
    request.state.audit["reason"] = message
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after else None
    raise HTTPException(status, message, headers=headers)


_EVENTS = {"/v1/health": "health", "/v1/search": "search", "/v1/profile/{uid}": "profile_view", "/v1/check": "check"}


def _audit(request: Request, status: int) -> None:
    route = getattr(request.scope.get("route"), "path", None)
    fields = dict(getattr(request.state, "audit", {}) or {})
    fields.setdefault("user", "-")
    event = _EVENTS.get(route or "", "api_request")
    try:
        audit_event(request.app.state.settings, event, mode="api", via="api", method=request.method,
                    route=route or request.url.path[:200], status=status, **fields)
    except OSError as exc:  # the log must not take the API down; the server's log says why
        log.error("audit log not written: %s", exc)


def profile_json(settings: Settings, version: str, uid: str, as_of: dt.date | None, p: dict) -> bytes:
    """The ``/v1/profile`` body of a profile (:func:`queries.profile.profile`), masked as in exports and
    checked against :class:`Profile`: made where the profile is made (a worker process sends bytes)."""
    m = _Mask(settings)
    head = {k: p.get(k) for k in ("kind", "kind_zh", "name", "status", "region", "region_name")}
    if p["kind"] == "Person":
        head["name"] = m.person(p.get("name"))
    tables = {
        "legal_reps": m.rows(p["legal_reps"], ("person_name",)),
        "shareholders": m.rows(p["shareholders"], ("holder_name",), "holder_label"),
        "related": m.rows(p["related"], ("name",), "label"),
        "holdings": m.rows(p["holdings"]), "roles": m.rows(p["roles"]), "penalties": m.rows(p["penalties"]),
        "lists": m.rows(p["lists"]), "signals": m.rows(p["signals"]),
        "commitments": m.rows(p.get("commitments")),
        "red_lists": m.rows(p.get("red_lists")),
        "former_legal_reps": m.rows(p.get("former_legal_reps"), ("person_name",)),
        "former_shareholders": m.rows(p.get("former_shareholders"), ("holder_name",), "holder_label"),
        "former_holdings": m.rows(p.get("former_holdings")),
        "former_roles": m.rows(p.get("former_roles")),
    }
    facts = m.rows(p["facts"])
    for f in facts:
        if f.get("field") == "legal_rep_name" or (p["kind"] == "Person" and f.get("field") == "name"):
            f["value"] = m.person(f.get("value"))
    head = {k: m.value(v) for k, v in head.items()}
    return Profile.model_validate({"graph_version": version, "uid": m.value(uid),
                                   "as_of": (as_of or dt.date.today()).isoformat(),
                                   "person_names": m.setting, **head, "facts": [m.value(f) for f in facts],
                                   **{k: [m.value(r) for r in v] for k, v in tables.items()}}).model_dump_json().encode()


# --- the app ---------------------------------------------------------------------------------------------

def _no_controls(text: str, what: str) -> str:
    if _CONTROLS.search(text):
        raise InputError(f"{what} holds control characters ({preview(text, 20)}): remove them")
    return text


def _store(request: Request):
    return request.app.state.store.get()


def create_app(settings: Settings, keys: KeyRing | None = None, workers: int = 0) -> FastAPI:
    """The API on these settings; ``keys``: the key ring (default: the config file's ``[api.keys]``);
    ``workers``: profile worker processes (0: profiles are made in this process's threads)."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        with contextlib.suppress(Exception):  # no graph yet: requests say so themselves
            app.state.name_hubs.get(store_version(app.state.store.get()))  # start computing the name hubs now
        if workers > 0:
            from creditgraph.app.api_workers import ProfileWorkers

            app.state.workers = ProfileWorkers(settings, workers)
        try:
            yield
        finally:
            if app.state.workers is not None:
                app.state.workers.close()

    app = FastAPI(title="creditgraph API", version=API_VERSION, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Read-only credit checks on the credit knowledge graph. Every call but /v1/health "
                              "needs an X-API-Key; personal data is masked as in exports. See docs/api.md.")
    app.state.settings = settings
    app.state.store = StoreHolder(settings)
    app.state.name_hubs = name_hub_cache(settings)
    app.state.workers = None
    app.state.active = ActiveCountsCache()  # today's active penalty counts of the version served
    app.state.security = _Security(settings, keys)
    _handlers(app)

    @app.get("/v1/health", response_model=Health, tags=["status"], responses={503: _ERRORS[503]})
    def health(request: Request) -> Health:
        """Whether the API can read the graph, which version it reads and whether that version's name hubs
        are ready (no key needed)."""
        version = store_version(_store(request))
        request.app.state.name_hubs.get(version)  # starts computing a new version's name hubs
        return Health(status="ok", api_version=API_VERSION, graph_version=version,
                      name_hubs=request.app.state.name_hubs.state(version))

    @app.get("/v1/search", response_model=SearchResponse, tags=["explore"], responses=_ERRORS)
    def search(request: Request, client: Annotated[ApiKey, Depends(require("explore"))],
               q: Annotated[str, Query(max_length=800, description="a company name or part of it, a USCC or "
                                                                   "registration number, or a person's name")],
               kinds: Annotated[list[Literal["Enterprise", "Person"]] | None, Query(description="labels to look in")] = None,
               limit: Annotated[int, Query(ge=1, le=200, description="most hits per label")] = 20) -> SearchResponse:
        """Enterprises and people matching ``q``, best first, with their active penalties."""
        from creditgraph.graph.inputs import clean_text
        from creditgraph.queries.search import search as run_search

        text = clean_text(_no_controls(q, "q"))
        looked = list(dict.fromkeys(kinds or ["Enterprise", "Person"]))
        request.state.audit.update(text=text, kinds=looked)
        store = _store(request)
        df = run_search(store, text, kinds=looked, limit=limit)
        m = _Mask(settings)
        recs = m.rows(df, ("name",), "kind")
        for r in recs:
            if r.get("kind") == "Enterprise":
                r["detail"] = m.person(r.get("detail"))  # the legal representative's name
        request.state.audit["hits"] = len(recs)
        return SearchResponse(graph_version=store_version(store), query=m.value(text), kinds=looked,
                              hits=[SearchHit(**m.value(r)) for r in recs])

    @app.get("/v1/profile/{uid}", response_model=Profile, tags=["explore"], responses={**_ERRORS, 404: {"model": ErrorBody}})
    def profile(request: Request, client: Annotated[ApiKey, Depends(require("explore"))],
                uid: Annotated[str, PathParam(max_length=1000, description="an enterprise's or person's uid (from search)")],
                as_of: Annotated[dt.date | None, Query(description="the day to look at (default today): roles valid "
                                                       "that day are current, those ended by then former")] = None) -> Response:
        """The credit profile of one party: facts, representatives, shareholders, holdings (current and former),
        penalties, lists, risk signals and related parties."""
        from creditgraph.queries.profile import profile_records

        uid = clean_key(uid)
        request.state.audit["uid"] = uid
        store = _store(request)
        version = store_version(store)
        # the whole graph's name hubs of this version, read once (the signal of a past day is read per party)
        hubs = (request.app.state.name_hubs.get(version, wait=NAME_HUBS_WAIT_S)
                if as_of is None or as_of == dt.date.today() else None)
        if request.app.state.workers is not None:
            from creditgraph.queries.name_hubs import NameHubIndex

            if isinstance(hubs, NameHubIndex):  # only this party's rows travel
                hubs = NameHubIndex(hubs.of(uid), hubs.day, hubs.params, hubs.version)
            version, kind, body = request.app.state.workers.profile(uid, as_of, hubs)
        else:
            p = profile_records(store, uid, analyses={}, as_of=as_of, name_hubs=hubs,
                            active=request.app.state.active.get(store, version))
            kind, body = p["kind"], profile_json(settings, version, uid, as_of, p)
        request.state.audit["kind"] = kind
        return Response(body, media_type="application/json")

    @app.post("/v1/check", response_model=CheckResponse, tags=["explore"], responses=_ERRORS)
    def check(request: Request, body: CheckRequest, client: Annotated[ApiKey, Depends(require("explore"))]) -> CheckResponse:
        """A batch credit check (信用核查) of up to 1,000 subjects: how each matched, its penalties and lists,
        the penalised parties within ``hops`` and the links among the subjects. Audited with its purpose."""
        from creditgraph.graph.inputs import clean_text
        from creditgraph.queries.check import check_subjects

        purpose = clean_text(_no_controls(body.purpose, "purpose"), what="purpose", max_len=500)
        if not purpose:
            raise InputError("purpose must say what the check is for")
        for s in body.subjects:
            _no_controls(s, "a subject")
        request.state.audit.update(purpose=purpose, subjects=len(body.subjects), hops=body.hops)
        store = _store(request)
        res = check_subjects(store, body.subjects, hops=body.hops)
        m = _Mask(settings)
        risks = m.rows(res.risks, ("name",), "label")
        subjects, links = m.rows(res.subjects), m.rows(res.links)
        request.state.audit.update(links=len(links), risks=len(risks))
        return CheckResponse.model_validate({
            "graph_version": store_version(store), "purpose": purpose, "hops": body.hops, "person_names": m.setting,
            "subjects": [m.value(r) for r in subjects], "links": [m.value(r) for r in links],
            "risks": [m.value(r) for r in risks]})

    return app


def _handlers(app: FastAPI) -> None:
    from creditgraph.graph.snapshots import NoGraph
    from creditgraph.queries.profile import NotFound

    @app.middleware("http")
    async def audited(request: Request, call_next):
        request.state.audit = {}
        try:
            response = await call_next(request)
        except Exception:  # noqa: BLE001 — no traceback to the client; the server's log has it
            ref = uuid.uuid4().hex[:12]
            log.exception("API request failed (reference %s)", ref)
            request.state.audit["error_ref"] = ref
            response = JSONResponse({"detail": f"internal error (reference {ref})"}, status_code=500)
        _audit(request, response.status_code)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.exception_handler(InputError)
    @app.exception_handler(ValueError)
    async def refused(request: Request, exc: Exception):
        if isinstance(exc, ValidationError):  # a response that does not fit its model: a bug, not bad input
            raise exc
        request.state.audit["reason"] = str(exc)[:200]
        return JSONResponse({"detail": str(exc)[:300]}, status_code=400)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: Exception):
        return JSONResponse({"detail": "no enterprise or person with this uid; search for it first"}, status_code=404)

    @app.exception_handler(NoGraph)
    async def no_graph(request: Request, exc: Exception):
        return JSONResponse({"detail": "no graph published yet"}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # the offending input is not echoed back (it may be a megabyte, or personal data)
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:200], "type": e.get("type")}
                  for e in exc.errors()[:20]]
        request.state.audit["reason"] = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)[:300]
        return JSONResponse({"detail": errors}, status_code=422)
