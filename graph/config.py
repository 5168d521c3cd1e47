"""Configuration: environment variables over ``creditgraph.toml`` over defaults.

Defaults work with no configuration: the embedded store lives under ``./data/``.

=====================  ==============================  =========================
setting                environment variable            creditgraph.toml
=====================  ==============================  =========================
embedded store root    CREDITGRAPH_DB                  [store] path
store kind             CREDITGRAPH_STORE (embedded|neo4j)  [store] kind
Neo4j URI              NEO4J_URI                       [neo4j] uri
Neo4j user             NEO4J_USER / NEO4J_USERNAME     [neo4j] user
Neo4j password         NEO4J_PASSWORD                  [neo4j] password
Neo4j database         NEO4J_DATABASE                  [neo4j] database
person-ID hash key     CREDITGRAPH_ID_KEY              [identity] key
names in exports       CREDITGRAPH_EXPORT_PERSON_NAMES [export] person_names
load in chunks of N    CREDITGRAPH_CHUNK_ROWS          [load] chunk_rows
=====================  ==============================  =========================

``person_names``: ``masked`` (the default: ``张三丰`` → ``张*丰`` in every CSV / XLSX / JSON export) or
``clear``; see ``docs/security.md`` ("Person names in exports").

``chunk_rows``: unset (the default) reads and cleans each table whole; a number of records reads and cleans
the extract in chunks of that many records through a Parquet staging (``etl.chunked``, docs/scale.md).

The config file is looked up at ``CREDITGRAPH_CONFIG`` or ``./creditgraph.toml``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DB = Path("data") / "graph"
# Used only when no key is configured; real deployments must set their own.
DEMO_ID_KEY = "creditgraph-demo-key-change-me"
# How exports write people's names: masked (张*丰, the default) or clear.
EXPORT_PERSON_NAMES = ("masked", "clear")


def redact_uri(uri: str | None) -> str | None:
    """A URI fit for logs and messages: any ``user:password@`` part replaced.

    >>> redact_uri("neo4j+s://neo4j:s3cret@db.example:7687/x"), redact_uri("bolt://localhost:7687")
    ('neo4j+s://***@db.example:7687/x', 'bolt://localhost:7687')
    """
    if not uri:
        return uri
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}://{netloc}{slash}{path}"


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str | None = None
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None

    def __repr__(self) -> str:  # never print the password (nor one written into the URI)
        return (f"Neo4jSettings(uri={redact_uri(self.uri)!r}, user={self.user!r}, database={self.database!r}, "
                f"password={'***' if self.password else None})")


@dataclass(frozen=True)
class Settings:
    store: str = "embedded"
    db_path: Path = DEFAULT_DB
    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings)
    id_key: str = field(default=DEMO_ID_KEY, repr=False)  # a secret: never in logs
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # may hold the Neo4j password
    export_person_names: str = "masked"  # "masked" or "clear" (EXPORT_PERSON_NAMES)
    chunk_rows: int | None = None  # read and clean in chunks of this many records (None: whole tables)

    @property
    def id_key_bytes(self) -> bytes:
        return self.id_key.encode("utf-8")


def config_path() -> Path:
    return Path(os.environ.get("CREDITGRAPH_CONFIG", "creditgraph.toml"))


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing config file is fine, a broken one is an error."""
    path = path or config_path()
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML ({exc}); fix the file or unset CREDITGRAPH_CONFIG") from None
    store = doc.get("store", {})
    neo = doc.get("neo4j", {})
    env = os.environ
    return Settings(
        store=env.get("CREDITGRAPH_STORE", store.get("kind", "embedded")),
        db_path=Path(env.get("CREDITGRAPH_DB", store.get("path", str(DEFAULT_DB)))),
        neo4j=Neo4jSettings(
            uri=env.get("NEO4J_URI", neo.get("uri")),
            user=env.get("NEO4J_USER", env.get("NEO4J_USERNAME", neo.get("user", "neo4j"))),
            password=env.get("NEO4J_PASSWORD", neo.get("password")),
            database=env.get("NEO4J_DATABASE", neo.get("database")),
        ),
        id_key=env.get("CREDITGRAPH_ID_KEY", doc.get("identity", {}).get("key", DEMO_ID_KEY)),
        raw=doc,
        export_person_names=_choice("[export] person_names / CREDITGRAPH_EXPORT_PERSON_NAMES",
                                    env.get("CREDITGRAPH_EXPORT_PERSON_NAMES",
                                            doc.get("export", {}).get("person_names", "masked")),
                                    EXPORT_PERSON_NAMES),
        chunk_rows=chunk_rows(env.get("CREDITGRAPH_CHUNK_ROWS", doc.get("load", {}).get("chunk_rows"))),
    )


def chunk_rows(value: Any) -> int | None:
    """The ``chunk_rows`` setting: a whole number of records at least 1, or None (unset, empty or 0).

    >>> chunk_rows("100000"), chunk_rows(""), chunk_rows(None)
    (100000, None, None)
    """
    if value is None or str(value).strip() in ("", "0"):
        return None
    try:
        n = int(str(value).strip().replace("_", ""))
    except ValueError:
        raise ValueError(f"[load] chunk_rows / CREDITGRAPH_CHUNK_ROWS must be a whole number of records, "
                         f"not {str(value)[:40]!r}") from None
    if n < 1:
        raise ValueError(f"[load] chunk_rows / CREDITGRAPH_CHUNK_ROWS must be at least 1, not {n}")
    return n


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """A setting that takes one of a few words (case and blanks ignored); anything else is an error.

    >>> _choice("X", " Clear ", EXPORT_PERSON_NAMES)
    'clear'
    """
    v = str(value).strip().lower()
    if v not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {str(value)[:40]!r}")
    return v
