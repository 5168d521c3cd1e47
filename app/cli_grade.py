"""``creditgraph grade …`` (public credit grades, app/grades.py) and ``creditgraph draw`` (graded
supervision: the random inspection draw, queries/supervision.py).

* ``grade run [--rules FILE] [--as-of DAY]``: grade every enterprise of the current graph and keep the
  grades with its version (role permission ``refresh``: it writes the version's grade file);
* ``grade show UID``: score, grade and the reasons table (``explore``);
* ``grade changes [--from V --to V]``: who changed grade or score between two versions (``explore``;
  default: the two newest graded versions);
* ``draw --ratio 较差=1 --ratio 中等=0.2 --region 3301 --industry 批发 --seed 7 --out draw.xlsx``
  (``casework``).

After a ``load`` or ``refresh`` that published a new version, :func:`grade_after_publish` grades it
(skipped with ``--no-grade``). Every command writes one audit line.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from creditgraph.app.cli_summary import console, err

grade_app = typer.Typer(help="public credit grades (公共信用评价) kept with each graph version", no_args_is_help=True)

DbOpt = Annotated[Optional[Path], typer.Option("--db", help="embedded store folder (default ./data/graph or CREDITGRAPH_DB)")]
Neo4jOpt = Annotated[bool, typer.Option("--neo4j", help="use the Neo4j store")]
RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help="a grading rules file (default: the built-in "
                                                  "queries/grading.yaml; docs/grading.md)")]


def distribution_line(df, rules=None) -> str:
    """``grades: N enterprises, distribution 优秀 a, 良好 b, …`` (the one line a load prints)."""
    from creditgraph.queries.grade import distribution

    dist = distribution(df, rules)
    return f"grades: {len(df):,} enterprises, distribution " + ", ".join(f"{g} {n:,}" for g, n in dist.items())


def _rules(path: Optional[Path]):
    from creditgraph.app.cli import fail
    from creditgraph.queries.grade import RulesError, load_rules

    try:
        return load_rules(path)
    except RulesError as exc:
        fail(str(exc), 2)


def grade_after_publish(settings, rec: dict, rep, skip: bool, as_json: bool = False) -> None:
    """Grade the version a load or refresh just published (nothing when ``skip``, or when no new version
    was published); one line on the console, the grades' count and file added to the load's or refresh's
    audit line (``rec``). A failure is reported, not raised: the graph is loaded whatever happens to its
    grades."""
    from creditgraph.app.grades import compute_and_save
    from creditgraph.graph.store import open_store

    version = (getattr(rep, "version", None) or {}).get("new")
    if skip or not version or version == rep.version.get("old"):
        return
    try:
        with open_store(settings, read_only=True) as store:
            df, path = compute_and_save(settings, store)
    except Exception as exc:  # noqa: BLE001  (the load stands; its grades can be computed again)
        rec["grades_error"] = type(exc).__name__
        err.print(f"[yellow]warning:[/] grades not computed ({type(exc).__name__}: {str(exc)[:200]}); "
                  "run `creditgraph grade run`", soft_wrap=True)
        return
    rec.update(grades=len(df), grades_file=str(path))
    (err if as_json else console).print(distribution_line(df), soft_wrap=True)


def grade_if_missing(settings) -> None:
    """The current version's grades, computed when it has none yet (the demo: the profile shows a grade)."""
    from creditgraph.app.grades import compute_and_save, grades_path
    from creditgraph.app.stores import store_version
    from creditgraph.graph.store import open_store

    with open_store(settings, read_only=True) as store:
        if not grades_path(settings, store_version(store)).exists():
            df, _ = compute_and_save(settings, store)
            err.print(distribution_line(df), soft_wrap=True)


@grade_app.command("run")
def grade_run(
    rules: RulesOpt = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="the day graded, YYYY-MM-DD (default today)")] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
) -> None:
    """Grade every enterprise of the current graph and keep the grades with its version."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.grades import compute_and_save
    from creditgraph.graph.snapshots import NoGraph
    from creditgraph.graph.store import open_store

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("refresh",))
    checked = _rules(rules)
    with audited(settings, who, "grade_run", trigger="command", rules=str(rules) if rules else None, as_of=as_of) as rec:
        try:
            with open_store(settings, read_only=True) as store, err.status("grading every enterprise …"):
                df, path = compute_and_save(settings, store, checked, as_of=as_of)
        except NoGraph as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(str(exc), 2)
        rec.update(rows=len(df), version=df.attrs.get("version"), file=str(path))
    console.print(distribution_line(df, checked), soft_wrap=True)
    console.print(f"graph version {df.attrs.get('version')}, as of {df.attrs.get('as_of')}: written to {path}",
                  soft_wrap=True)


@grade_app.command("show")
def grade_show(
    uid: Annotated[str, typer.Argument(help="the enterprise's uid (USCC)")],
    version: Annotated[Optional[str], typer.Option("--version", help="graph version (default: the current one)")] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
) -> None:
    """An enterprise's score, grade and the reasons behind them."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.grades import read_grades
    from creditgraph.queries.grade import explain, load_rules

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore",))
    with audited(settings, who, "grade_show", uid=uid[:64], version=version) as rec:
        try:
            df = read_grades(settings, version, uids=[uid])
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        rec["rows"] = len(df)
        if not len(df):
            fail(f"no grade for {uid[:64]!r} in graph version {df.attrs.get('version')} (not an enterprise there, "
                 "or not graded: unresolved shareholders and companies founded after the day graded are not)")
    if df.attrs.get("note"):
        err.print(f"[yellow]note:[/] {df.attrs['note']}", soft_wrap=True)
    row = df.iloc[0]
    console.print(f"[bold]{row['name']}[/] {row['uid']}  score [bold]{row['score']:g}[/]  grade [bold]{row['grade']}[/]  "
                  f"(graph version {df.attrs.get('version')}, as of {df.attrs.get('as_of')})", soft_wrap=True)
    t = Table(title=f"base {load_rules().base:g} + reasons")
    for c in ("code", "label", "points", "detail"):
        t.add_column(c, overflow="fold", justify="right" if c == "points" else "left")
    for r in explain(row).itertuples(index=False):
        t.add_row(r.code, r.label, f"{r.points:+g}", r.detail)
    console.print(t)


@grade_app.command("changes")
def grade_changes_cmd(
    from_: Annotated[Optional[str], typer.Option("--from", help="the older graph version")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="the newer graph version")] = None,
    show: Annotated[int, typer.Option("--show", help="rows to print")] = 50,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
) -> None:
    """Enterprises whose grade or score changed between two graded versions (default: the two newest)."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user
    from creditgraph.app.grades import grade_changes, saved_versions

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("explore",))
    versions = saved_versions(settings)
    old, new = from_, to
    if old is None or new is None:
        rest = [v for v in versions if v not in (old, new)]
        if new is None:
            new = rest.pop() if rest else None
        if old is None:
            old = rest.pop() if rest else None
    if old is None or new is None:
        fail(f"grade changes need two graded versions; graded: {', '.join(versions) or 'none'} "
             "(pass --from and --to, or run `creditgraph grade run` after a refresh)", 2)
    assert old is not None and new is not None  # fail() exits
    with audited(settings, who, "grade_changes", old=old, new=new) as rec:
        try:
            ch = grade_changes(settings, old, new)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc))
        rec["rows"] = len(ch)
    t = Table(title=f"grade changes {old} → {new}: {len(ch):,} enterprises")
    for c in ("uid", "name", "before", "after", "change"):
        t.add_column(c, overflow="fold")
    for r in ch.head(show).itertuples(index=False):
        t.add_row(str(r.uid), str(r.name or ""), _grade_cell(r.grade_before, r.score_before),
                  _grade_cell(r.grade_after, r.score_after), r.change)
    console.print(t)
    if len(ch) > show:
        console.print(f"… {len(ch) - show:,} more (--show N)")


def _grade_cell(grade, score) -> str:
    import pandas as pd

    return "-" if pd.isna(grade) else f"{grade} {score:g}"


def _ratio_options(items: Optional[list[str]]) -> dict[str, float]:
    from creditgraph.app.cli import fail

    out: dict[str, float] = {}
    for item in items or []:
        grade, sep, value = item.partition("=")
        try:
            out[grade.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not grade.strip():
            fail(f"--ratio {item[:40]!r}: write GRADE=SHARE, e.g. 较差=1 or 中等=0.2", 2)
    return out


def draw(
    ratio: Annotated[Optional[list[str]], typer.Option("--ratio", help="GRADE=SHARE drawn, repeatable (default: "
                                                       "supervision.ratios of the rules)")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="region code prefix (33, 3301, 330106)")] = None,
    industry: Annotated[Optional[str], typer.Option("--industry", help="text the industry contains")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="random seed (default: a new one, printed and "
                                                "recorded: the same seed redraws the same list)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="write the draw: .xlsx, .csv or .json")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="the graded graph version (default: current)")] = None,
    rules: RulesOpt = None,
    show: Annotated[int, typer.Option("--show", help="rows to print")] = 20,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
) -> None:
    """Draw enterprises for random inspection (双随机一公开) by credit grade: round(ratio × n) per grade."""
    from creditgraph.app.cli import fail, settings_for
    from creditgraph.app.cli_security import audited, cli_user, masked_frame
    from creditgraph.app.grades import read_grades
    from creditgraph.etl.read import sha256
    from creditgraph.queries.supervision import export_draw, inspection_draw

    settings = settings_for(db, neo4j)
    who = cli_user(settings, ("casework",), local_actions=("casework",))
    ratios = {**_rules(rules).ratios, **_ratio_options(ratio)}
    seed = secrets.randbelow(2**31) if seed is None else seed
    with audited(settings, who, "draw", seed=seed, ratios=ratios, region=region, industry=industry,
                 version=version) as rec:
        try:
            grades = read_grades(settings, version)
            d = inspection_draw(grades, ratios, seed, region=region, industry=industry)
        except (FileNotFoundError, ValueError) as exc:
            fail(str(exc), 1)
        rec.update(rows=len(d), population=d.attrs["population"], graded_version=grades.attrs.get("version"))
        if out:
            path = export_draw(d, out, graph_version=grades.attrs.get("version"), as_of=grades.attrs.get("as_of"))
            rec.update(file=str(path), sha256=sha256(path))
    if grades.attrs.get("note"):
        err.print(f"[yellow]note:[/] {grades.attrs['note']}", soft_wrap=True)
    strata = ", ".join(f"{g} {s['drawn']}/{s['n']}" for g, s in d.attrs["strata"].items())
    console.print(f"seed {seed}; population {d.attrs['population']:,} (graph version {grades.attrs.get('version')}); "
                  f"drawn {len(d):,}: {strata}", soft_wrap=True)
    import pandas as pd

    cols = ["grade", "uid", "name", "region", "industry", "score"]
    with pd.option_context("display.max_colwidth", 32, "display.width", console.width):
        console.print(masked_frame(d[cols].head(show)).to_string(index=False) if len(d) else "(no rows)")
    if out:
        console.print(f"written to {out}")
