"""Synthetic credit data with planted risk patterns and a ground truth.

``generate()`` writes source extracts in a source profile's layout (the
project's canonical layout or the provincial ``zj-warehouse`` layout), as CSV
(UTF-8, UTF-8 with BOM or GB18030) or Parquet, plus ``ground_truth.json``: the
planted risk patterns, the decoys that must not be flagged and the rows that
were broken on purpose.

Everything is drawn from one ``numpy.random.Generator(PCG64(seed))`` and
time-relative values hang off the fixed reference date 2026-06-30, so the same
arguments give byte-identical files. Above 1,000,000 enterprises the data is
generated in blocks, each a complete world with a stream of its own, appended to
the same files, so that memory stays at one block's (:mod:`etl.synth.blocks`).

How the ground truth stays exact
--------------------------------
The background is built so that it cannot satisfy any pattern definition:

* a background person with an ID number is tied (as legal representative or
  shareholder) to at most two enterprises; the two are in the same city,
  founded at least two years apart, at most one of them has any penalty event,
  and the other is not founded within 365 days after the penalised one was
  dissolved;
* every other background person belongs to one enterprise only;
* a background enterprise has at most two penalty events and never two active
  ones within 730 days;
* background corporate shareholders hold shares only in enterprises of their
  own county;
* former background legal representatives and shareholders (rows with
  ``until``, or a holding an equity change took to 0) are fresh people tied to
  that one enterprise only.

Roles are intervals (docs/time.md): the person-level repeat offender and phoenix
definitions attribute each penalty to the roles valid on its decision date, and
a penalty row names the legal representative in office that day. Planted time
patterns: people who left penalised companies after the penalty, phoenix cases
by timing (left A, A penalised soon after, new B), and successor decoys who took
over penalised companies after the fact; ``time_only`` marks the truth the rule
before history (roles valid today, exit = company end) would miss.

Planted enterprises and planted people are only linked to each other, so the
derived patterns (repeat offenders, phoenix cases, cross-region links) are
computed by applying the definitions to the planted part, which also captures
where planted patterns overlap. ``tests/test_synth.py`` re-derives every
definition from the written files by brute force and compares.

Example
-------
>>> import tempfile, json
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> summary = generate(2000, seed=7, out=d)
>>> sorted(summary["files"])[:3]
['cluster_addresses.csv', 'commitments.csv', 'enterprises.csv']
>>> gt = json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))
>>> len(gt["shell_clusters"]) >= 1
True
"""
from __future__ import annotations

from creditgraph.etl.synth import identity as SI  # noqa: F401  (the identity rules the quality tests share)
from creditgraph.etl.synth.base import AO_UNREACHABLE, GENERATOR_VERSION, id_valid, uscc_valid  # noqa: F401
from creditgraph.etl.synth.output import generate, main  # noqa: F401

__all__ = ["generate", "main", "uscc_valid", "id_valid", "AO_UNREACHABLE", "GENERATOR_VERSION", "SI"]
