"""Structured job logs: one JSON object per line, for schedulers and log shippers.

Every refresh writes its lines to ``<run folder>/log.jsonl``; with
``--log-json`` the same lines also go to stderr (and the progress display is
off), so cron mail, systemd's journal or Airflow's task log holds them.

Example
-------
>>> import io, json
>>> buf = io.StringIO()
>>> log = JobLog("r1", "refresh", streams=[buf])
>>> log.event("stage_end", stage="read", seconds=0.5)
>>> json.loads(buf.getvalue())["stage"]
'read'
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO


class JobLog:
    """Writes events as JSON lines to the given streams and, once set, to a file."""

    def __init__(self, run_id: str, kind: str, streams: list[IO[str]] | None = None):
        self.run_id = run_id
        self.kind = kind
        self.streams = list(streams or [])
        self._buffer: list[str] = []  # lines written before the file is known
        self._file: IO[str] | None = None

    def to_file(self, path: Path) -> None:
        """Send lines to ``path`` from now on (earlier lines are written first)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 — kept open for later events; close() closes it
        for line in self._buffer:
            self._file.write(line + "\n")
        self._file.flush()
        self._buffer.clear()

    def event(self, event: str, level: str = "info", **fields) -> None:
        rec = {"ts": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), "level": level,
               "run_id": self.run_id, "job": self.kind, "event": event, **fields}
        line = json.dumps(rec, ensure_ascii=False, default=str)
        for s in self.streams:
            s.write(line + "\n")
            s.flush()
        if self._file is not None:
            self._file.write(line + "\n")
            self._file.flush()
        else:
            self._buffer.append(line)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
