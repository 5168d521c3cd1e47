"""The audit log is a keyed hash chain (issue 13 §4): every entry names the hash of the one before it
(``prev``) and carries an HMAC-SHA256 (``mac``) under the audit key; ``creditgraph audit --verify`` walks
the chain and names the first line that was edited, deleted, inserted, reordered or forged without the
key, and plain ``creditgraph audit`` warns when the chain is broken. Real files, real CLI invocations."""
from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creditgraph.app.audit import audit_event
from creditgraph.app.cli import app as cli

EVENTS = [("search", {"user": "ivy", "text": "宁波锦野"}), ("export", {"user": "sam", "rows": 3, "sha256": "ab" * 32}),
          ("reveal", {"user": "sam", "uid": "913302", "fields": ["Phone"], "count": 1}),
          ("profile_view", {"user": "ivy", "uid": "913303"}), ("search", {"user": "ivy", "text": "杭州"}),
          ("sign_out", {"user": "ivy"})]


@pytest.fixture
def log(tmp_path, monkeypatch) -> Path:
    """Six events written through audit_event, local mode with the admin role (so `audit` may run)."""
    for var in ("CREDITGRAPH_USER", "CREDITGRAPH_PASSWORD", "CREDITGRAPH_AUDIT_KEY", "CREDITGRAPH_ID_KEY",
                "CREDITGRAPH_DB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CREDITGRAPH_LOCAL_ROLE", "admin")
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CREDITGRAPH_AUDIT_LOG", str(path))
    for event, fields in EVENTS:
        audit_event(path, event, **fields)
    return path


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def write(path: Path, rows: list[str]) -> None:
    path.write_text("".join(rows), encoding="utf-8")


def verify():
    return CliRunner().invoke(cli, ["audit", "--verify"])


def forged_line(log: Path, after: int, tmp_path: Path, monkeypatch, **fields) -> str:
    """An entry an attacker without the key makes: the real library, chained to line ``after``, a guessed key."""
    scratch = tmp_path / "scratch.jsonl"
    write(scratch, lines(log)[:after])
    with monkeypatch.context() as m:
        m.setenv("CREDITGRAPH_AUDIT_KEY", "a guessed key")
        audit_event(scratch, "search", **fields)
    return lines(scratch)[-1]


def test_a_clean_log_verifies(log):
    r = verify()
    assert r.exit_code == 0, r.output
    assert "6 entries" in r.output and "verified" in r.output
    rows = [json.loads(x) for x in lines(log)]
    assert all(len(x["mac"]) == 64 and len(x["prev"]) == 64 for x in rows)
    r = CliRunner().invoke(cli, ["audit"])
    assert r.exit_code == 0 and "does not verify" not in r.output, r.output


def test_an_edited_field_is_found(log):
    rows = lines(log)
    assert '"rows":3' in rows[1]
    rows[1] = rows[1].replace('"rows":3', '"rows":30')
    write(log, rows)
    r = verify()
    assert r.exit_code == 1 and "line 2" in r.output and "altered" in r.output, r.output


def test_a_deleted_line_is_found(log):
    rows = lines(log)
    del rows[2]  # the reveal
    write(log, rows)
    r = verify()
    assert r.exit_code == 1 and "line 3" in r.output and "chain" in r.output, r.output


def test_an_inserted_forged_line_is_found(log, tmp_path, monkeypatch):
    rows = lines(log)
    fake = forged_line(log, 3, tmp_path, monkeypatch, user="ada", text="nothing to see")
    assert json.loads(fake)["prev"] == json.loads(rows[3])["prev"]  # chained correctly: only the key is missing
    write(log, rows[:3] + [fake] + rows[3:])
    r = verify()
    assert r.exit_code == 1 and "line 4" in r.output and "altered or forged" in r.output, r.output


def test_a_forged_line_appended_at_the_end_is_found(log, tmp_path, monkeypatch):
    fake = forged_line(log, 6, tmp_path, monkeypatch, user="ada", text="late addition")
    write(log, lines(log) + [fake])
    r = verify()
    assert r.exit_code == 1 and "line 7" in r.output, r.output


def test_swapped_lines_are_found(log):
    rows = lines(log)
    rows[3], rows[4] = rows[4], rows[3]
    write(log, rows)
    r = verify()
    assert r.exit_code == 1 and "line 4" in r.output, r.output


def test_plain_audit_warns_when_the_chain_is_broken(log):
    rows = lines(log)
    rows[0] = rows[0].replace('"user":"ivy"', '"user":"eve"')
    write(log, rows)
    r = CliRunner().invoke(cli, ["audit"])
    assert r.exit_code == 0 and "does not verify" in r.output and "line 1" in r.output, r.output
    r = CliRunner().invoke(cli, ["audit", "--json"])
    assert "does not verify" in r.stderr and "does not verify" not in r.stdout  # on standard error, JSON lines on standard output stay clean


def test_a_legacy_prefix_is_reported_unverified_and_later_plain_lines_break_the_chain(tmp_path, log):
    old = [json.dumps({"ts": "2026-01-0%dT00:00:00.000+00:00" % i, "event": "search", "user": "old"}) + "\n"
           for i in range(1, 4)]
    chained = lines(log)
    legacy = tmp_path / "legacy.jsonl"
    write(legacy, old)
    for event, fields in EVENTS[:2]:  # new entries appended after the old lines chain onto them
        audit_event(legacy, event, **fields)
    shutil.copy(legacy, log)
    from creditgraph.app.audit import verify_chain

    res = verify_chain(log)
    assert res.ok and res.legacy == 3 and res.entries == 2
    r = verify()
    assert r.exit_code == 0 and "3 legacy" in r.output and "2 entries" in r.output, r.output
    # a plain line slipped in after chaining started is not "legacy": it breaks the chain
    write(log, chained[:2] + [old[0]] + chained[2:])
    r = verify()
    assert r.exit_code == 1 and "line 3" in r.output, r.output


def test_a_log_under_another_key_does_not_verify(log, monkeypatch):
    monkeypatch.setenv("CREDITGRAPH_AUDIT_KEY", "the real key is elsewhere")
    r = verify()
    assert r.exit_code == 1 and "line 1" in r.output, r.output


def _writer(path: str, n: int, tag: int) -> None:
    for i in range(n):
        audit_event(path, "search", user=f"w{tag}", text=f"{tag}-{i}")


def test_concurrent_writers_keep_the_chain_whole(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDITGRAPH_AUDIT_KEY", raising=False)
    monkeypatch.setenv("CREDITGRAPH_CONFIG", str(tmp_path / "none.toml"))
    log = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(log), 150, t)) for t in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    from creditgraph.app.audit import verify_chain

    res = verify_chain(log)
    assert res.ok, res.reason
    assert res.entries == 600 and res.legacy == 0
