"""Source profiles: which file holds which canonical table, and how its columns map.

A profile is a YAML file (see ``etl/profiles/*.yaml`` and the README)::

    name: my-platform
    change_flag: {column: op, insert: [I], update: [U], delete: [D]}   # optional
    tables:
      enterprises:
        files: ["*qyjbxx*"]            # globs matched against file names
        columns: {uscc: tyshxydm, name: qymc}   # canonical field: source column
      penalties:                       # a table may have several sources
        - files: ["*xzcf*"]
          constants: {kind: administrative_penalty}
          columns: {record_id: cfid, decided: cfrq}

``columns: identity`` means the source already uses canonical names.
Users add a profile by writing such a file and passing its path to
``--profile``; no code changes.

Example
-------
>>> p = load_profile("canonical")
>>> p.match("enterprises.csv")[0].table
'enterprises'
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from creditgraph.etl.canonical import TABLES

DEFAULT_FLAGS = {
    "insert": ["i", "I", "1", "insert", "新增", "A", "a", "add"],
    "update": ["u", "U", "2", "update", "修改", "M", "m"],
    "delete": ["d", "D", "3", "delete", "删除"],
    # a delete that corrects wrong data: removes a role or holding instead of ending it (docs/time.md)
    "correct": ["x", "X", "correct", "correction", "更正"],
}


class ProfileError(ValueError):
    """A profile file is malformed or names unknown tables/fields."""


@dataclass(frozen=True)
class Source:
    table: str
    files: tuple[str, ...]
    columns: dict[str, str]  # canonical -> source column ("identity" expanded)
    constants: dict[str, str] = field(default_factory=dict)
    identity: bool = False

    def rename_map(self, header: list[str]) -> dict[str, str]:
        """Source column -> canonical field, for the columns present in ``header``."""
        if self.identity:
            return {c: c for c in header if c in TABLES[self.table].fields}
        present = set(header)
        return {src: canon for canon, src in self.columns.items() if src in present}

    def missing_required(self, header: list[str]) -> list[tuple[str, str]]:
        """Required canonical fields whose source column is absent: (field, source column)."""
        got = set(self.rename_map(header).values()) | set(self.constants)
        out = []
        for f in TABLES[self.table].required:
            if f not in got:
                out.append((f, f if self.identity else self.columns.get(f, f)))
        return out


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    sources: tuple[Source, ...]
    flags: dict[str, tuple[str, ...]]
    flag_column: str | None = None
    path: str = ""

    def match(self, filename: str) -> list[Source]:
        """Sources whose globs match a file name (case-insensitive)."""
        low = filename.lower()
        return [s for s in self.sources if any(fnmatch.fnmatch(low, g.lower()) for g in s.files)]


def builtin_profiles() -> list[str]:
    folder = resources.files("creditgraph.etl").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a user's YAML file by path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        text, where = p.read_text(encoding="utf-8"), str(p)
    else:
        res = resources.files("creditgraph.etl").joinpath("profiles", f"{name_or_path}.yaml")
        if not res.is_file():
            raise ProfileError(
                f"unknown profile {name_or_path!r}: use one of {builtin_profiles()} or the path of a YAML profile")
        text, where = res.read_text(encoding="utf-8"), f"built-in profile {name_or_path}"
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{where}: not valid YAML ({exc})") from None
    return parse_profile(doc, where)


def parse_profile(doc: dict, where: str = "profile") -> Profile:
    if not isinstance(doc, dict) or "tables" not in doc:
        raise ProfileError(f"{where}: needs a 'tables' mapping")
    sources = []
    for table, spec in doc["tables"].items():
        if table not in TABLES:
            raise ProfileError(f"{where}: unknown table {table!r}; tables are {sorted(TABLES)}")
        for s in spec if isinstance(spec, list) else [spec]:
            files = s.get("files")
            if not files:
                raise ProfileError(f"{where}: table {table} needs 'files' globs")
            cols = s.get("columns", "identity")
            identity = cols == "identity"
            cols = {} if identity else dict(cols)
            consts = {k: str(v) for k, v in (s.get("constants") or {}).items()}
            for f in list(cols) + list(consts):
                if f not in TABLES[table].fields:
                    raise ProfileError(
                        f"{where}: table {table} maps unknown field {f!r}; fields are {sorted(TABLES[table].fields)}")
            sources.append(Source(table, tuple(files), cols, consts, identity))
    flags = dict(DEFAULT_FLAGS)
    cf = doc.get("change_flag") or {}
    for k in DEFAULT_FLAGS:
        if k in cf:
            flags[k] = [str(v) for v in cf[k]]
    named = {str(v) for k in DEFAULT_FLAGS if k in cf for v in cf[k]}
    for k in DEFAULT_FLAGS:  # a code the profile names wins over the defaults of another kind
        if k not in cf:
            flags[k] = [v for v in flags[k] if v not in named]
    return Profile(
        name=str(doc.get("name", where)),
        description=str(doc.get("description", "")),
        sources=tuple(sources),
        flags={k: tuple(v) for k, v in flags.items()},
        flag_column=cf.get("column"),
        path=where,
    )
