"""Generation in blocks: any number of enterprises in memory bounded by one block.

Above ``BLOCK`` enterprises, :func:`etl.synth.generate` builds ``ceil(n / BLOCK)``
complete worlds of nearly equal size (:func:`block_sizes`), each with its own
random stream derived from (seed, block index) (:func:`block_rng`) and its own
planted patterns, and appends each block's rows to the same files. ``BLOCK`` is
a constant, not a parameter: the files depend on (n, seed and the options) only.
At or below it there is one block, drawn exactly as before blocks existed.

What keeps identifiers unique over blocks (``Block`` in :mod:`etl.synth.world`):

* random ones carry the block's tag (:func:`etl.synth.base._tag`: the drawn
  value modulo the number of blocks is the block index), with check digits
  computed after: USCC organisation codes, legacy registration numbers, the
  sequence digits of ID numbers, mobile numbers;
* numbered ones start after the earlier blocks' counts: subject ids, penalty
  record ids and document numbers, commitment and red-list ids, and the ground
  truth's person keys (``P…``);
* names and addresses are checked against what earlier blocks wrote (``Carry``):
  enterprise names stay unique, a name-only person's name is borne by nobody
  else, planted addresses are never another block's address, and the
  common-name decoys keep one city per name.

The ground truth of the blocks is spooled to disk entry by entry
(:class:`TruthSpool`) and written as one ``ground_truth.json`` in the layout of
a single block's: lists concatenated in block order, ``counts`` summed (shares
recomputed), bad rows numbered as the files' lines.

Example
-------
>>> block_sizes(2_500_000) == [833_334, 833_333, 833_333] and block_sizes(1_000_000) == [1_000_000]
True
"""
from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.etl.synth import identity as SI
from creditgraph.etl.synth import names as W
from creditgraph.etl.synth.base import _dups, _replace_rows, _weights
from creditgraph.etl.synth.world import Block, _World

BLOCK = 1_000_000  # enterprises per block (a constant: the output must not depend on it)
MIN_BLOCK = 500  # the smallest world with room for the planted patterns
MAX_BLOCKS = 100  # tags share the free digits of identifiers (ID numbers have 3)
_KEEP_FIRST = ("generator", "definitions")  # truth sections every block writes alike


def block_sizes(n: int) -> list[int]:
    """Enterprises per block: ``ceil(n / BLOCK)`` blocks (fewer if a block would fall below ``MIN_BLOCK``),
    sizes differing by at most one."""
    nb = max(1, min(-(-n // BLOCK), n // MIN_BLOCK))
    if nb > MAX_BLOCKS:
        raise ValueError(f"at most {MAX_BLOCKS * BLOCK:,} enterprises ({MAX_BLOCKS} blocks of {BLOCK:,})")
    q, r = divmod(n, nb)
    return [q + (i < r) for i in range(nb)]


def block_rng(seed: int, i: int) -> np.random.Generator:
    """The random stream of block ``i`` (independent of the number of blocks)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(i,))))


# --------------------------------------------------------------------------- names and addresses over blocks


def _hash(values) -> np.ndarray:
    """64-bit hashes of strings (an Arrow array or a sequence; nulls hash as empty)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pc.fill_null(values, "").to_numpy(zero_copy_only=False)
    return pd.util.hash_array(np.asarray(values, dtype=object), categorize=False)


def _member(sorted_hashes: np.ndarray, h: np.ndarray) -> np.ndarray:
    if not len(sorted_hashes):
        return np.zeros(len(h), bool)
    i = np.minimum(np.searchsorted(sorted_hashes, h), len(sorted_hashes) - 1)
    return sorted_hashes[i] == h


class _Seen:
    """Hashes of the strings earlier blocks wrote: one sorted array per block, or one merged array (``merge``:
    for names that repeat, whose distinct values are bounded)."""

    def __init__(self, merge: bool):
        self.parts: list[np.ndarray] = []
        self.merge = merge

    def hit_hashes(self, h: np.ndarray) -> np.ndarray:
        out = np.zeros(len(h), bool)
        if not self.parts or not len(h):
            return out
        order = np.argsort(h)  # sorted queries: searchsorted walks each part in order (5-10x faster)
        hs, hit = h[order], np.zeros(len(h), bool)
        for part in self.parts:
            hit |= _member(part, hs)
        out[order] = hit
        return out

    def hit(self, values) -> np.ndarray:
        return self.hit_hashes(_hash(values)) if self.parts else np.zeros(len(values), bool)

    def add(self, values) -> None:
        h = np.unique(_hash(values))
        if self.merge and self.parts:
            self.parts = [np.union1d(self.parts[0], h)]
        else:
            self.parts.append(h)


class Carry:
    """What the blocks written so far leave to the next: counts, names, addresses, the decoys' cities."""

    def __init__(self):
        self.enterprise_names = _Seen(merge=False)
        self.person_names = _Seen(merge=True)
        self.name_only: set[str] = set()  # names of earlier blocks' name-only people
        self.addresses: set[str] = set()  # planted and cluster addresses of earlier blocks
        self.cities: list[int] | None = None
        self.counts = {"enterprises": 0, "events": 0, "commitments": 0, "red_lists": 0, "people": 0}

    def unique_enterprise_names(self, names: pa.Array, redraw) -> pa.Array:
        """Enterprise names unique in the block and unused by earlier blocks: ``redraw(rows)`` gives new names
        for the rows that clash, until none does."""
        h = _hash(names)
        bad = _dups(h) | self.enterprise_names.hit_hashes(h)
        settled = set(h[~bad].tolist())
        for _ in range(1000):
            idx = np.flatnonzero(bad)
            if not len(idx):
                return names
            new = redraw(idx)
            nh = _hash(new)
            ok = ~self.enterprise_names.hit_hashes(nh)
            for j, x in enumerate(nh.tolist()):
                if ok[j] and x not in settled:
                    settled.add(x)
                else:
                    ok[j] = False
            names = _replace_rows(names, idx[ok], pc.filter(new, pa.array(ok)).to_pylist())
            bad[idx[ok]] = False
        raise RuntimeError("could not give the enterprises of a block unique names")  # pragma: no cover

    def block(self, i: int, nb: int) -> Block:
        return Block(tag=(i, nb), carry=self, **self.counts)

    def common_cities(self, cities: list[int]) -> list[int]:
        """The common-name decoys' city per name: the first block's, for every block."""
        if self.cities is None:
            self.cities = list(cities)
        return self.cities

    def absorb(self, w: _World) -> None:
        """Remember a finished block."""
        self.enterprise_names.add(w.name)
        self.person_names.add(pc.unique(w.p_name))
        no = np.flatnonzero(w.pp_disc == SI.DISC_NAME_ONLY)
        self.name_only |= set(w.p_name.take(pa.array(no, pa.int64())).to_pylist())
        self.addresses = set(w.reserved_addresses)
        c = self.counts
        c["enterprises"] += w.n
        c["events"] += len(w.ev_ent)
        c["commitments"] += w.truth["commitments"]["rows"]
        c["red_lists"] += w.truth["red_lists"]["rows"]
        c["people"] += w.P0


def _fresh_names(w: _World, k: int) -> list[str]:
    """``k`` distinct person names that neither this block nor an earlier one has."""
    rng, seen = w.rng, w.blk.carry.person_names
    here = np.unique(_hash(w.p_name))
    sn, snp = _weights(W.SURNAMES)
    chars = np.array(list(W.GIVEN_CHARS), object)
    out: dict[str, None] = {}
    for _ in range(1000):
        m = 4 * (k - len(out)) + 16
        cand = (np.array(sn, object)[rng.choice(len(sn), m, p=snp)] + chars[rng.integers(0, len(chars), m)]
                + chars[rng.integers(0, len(chars), m)])
        h = _hash(cand)
        for name in cand[~_member(here, h) & ~seen.hit_hashes(h)].tolist():
            out.setdefault(name)
            if len(out) == k:
                return list(out)
    raise RuntimeError("could not find person names unused in earlier blocks")  # pragma: no cover


def cross_block_names(w: _World) -> None:
    """Name-only people keep names nobody else bears: in a block after the first, rename its name-only people
    whose name an earlier block has, and anyone else who bears an earlier name-only person's name."""
    carry = w.blk.carry
    if carry is None:
        return
    no_idx = np.flatnonzero(w.pp_disc == SI.DISC_NAME_ONLY)
    no = np.zeros(len(w.p_state), bool)
    no[no_idx] = True
    bad = np.zeros(len(w.p_state), bool)
    bad[no_idx] = carry.person_names.hit(w.p_name.take(pa.array(no_idx, pa.int64())))
    if carry.name_only:
        taken = pc.is_in(w.p_name, value_set=pa.array(sorted(carry.name_only), pa.string()))
        bad |= ~no & (w.p_forced < 0) & taken.to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(bad)
    if len(idx):
        w.p_name = _replace_rows(w.p_name, idx, _fresh_names(w, len(idx)))


# --------------------------------------------------------------------------- the ground truth of several blocks


def _add(a, b):
    """Counts summed: numbers add up, dicts key by key; shares (floats) are recomputed afterwards."""
    if isinstance(a, dict):
        return {k: _add(a[k], b[k]) if k in b else a[k] for k in a} | {k: v for k, v in b.items() if k not in a}
    if isinstance(a, int) and not isinstance(a, bool):
        return a + b
    return a


def _shares(counts: dict, enterprises: int) -> None:
    """The shares in ``counts`` from the summed numbers (as truth._identity_counts and history compute them)."""
    rows = counts["person_rows_by_source"]
    total = sum(v["person_rows"] for v in rows.values())
    counts["masked_person_rows_share"] = round(sum(v["masked"] for v in rows.values()) / max(total, 1), 4)
    counts["masked_person_rows_share_by_source"] = {k: round(v["masked"] / max(v["person_rows"], 1), 4)
                                                    for k, v in rows.items()}
    h = counts["history"]
    h["share_with_history"] = round(h["enterprises_with_history"] / enterprises, 4)


class TruthSpool:
    """The ground truth of several blocks: list entries spooled to a folder as JSON lines (one file per list),
    the rest merged, then written as one file in the layout of ``output._dump_truth``."""

    def __init__(self, near: Path):
        self.dir = Path(tempfile.mkdtemp(prefix=".truth-", dir=near))
        self.layout: dict = {}  # key -> value, or for sections: key -> {key: value}; lists as (file, count)
        self.files: dict[tuple, tuple[Path, int]] = {}

    def _spool(self, path: tuple, entries: list) -> None:
        f, count = self.files.get(path) or (self.dir / f"{len(self.files)}.jsonl", 0)
        with open(f, "a", encoding="utf-8") as fh:
            for x in entries:
                fh.write(json.dumps(x, ensure_ascii=False) + "\n")
        self.files[path] = (f, count + len(entries))

    def add(self, gt: dict) -> None:
        """One block's ground truth."""
        for k, v in gt.items():
            if isinstance(v, list):
                self._spool((k,), v)
                self.layout[k] = (k,)
            elif isinstance(v, dict) and k not in _KEEP_FIRST:
                sec = self.layout.setdefault(k, {})
                for k2, v2 in v.items():
                    if isinstance(v2, list):
                        self._spool((k, k2), v2)
                        sec[k2] = (k, k2)
                    else:
                        sec[k2] = _add(sec[k2], v2) if k2 in sec else copy.deepcopy(v2)
            else:
                self.layout.setdefault(k, v)

    def _list(self, fh, path: tuple, pad: str) -> None:
        f, count = self.files[path]
        if not count:
            fh.write("[]")
            return
        fh.write("[\n")
        with open(f, encoding="utf-8") as src:
            for i, line in enumerate(src):
                fh.write(("" if i == 0 else ",\n") + pad + " " + line.rstrip("\n"))
        fh.write("\n" + pad + "]")

    def write(self, path: Path, enterprises: int) -> dict:
        """Write ``ground_truth.json``; returns the summed counts."""
        counts = self.layout.get("counts")
        if counts is not None:
            _shares(counts, enterprises)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("{\n")
            for i, (k, v) in enumerate(self.layout.items()):
                fh.write(("" if i == 0 else ",\n") + f' {json.dumps(k, ensure_ascii=False)}: ')
                if isinstance(v, tuple):
                    self._list(fh, v, " ")
                elif isinstance(v, dict) and k not in _KEEP_FIRST:
                    fh.write("{\n")
                    for j, (k2, v2) in enumerate(v.items()):
                        fh.write(("" if j == 0 else ",\n") + f'  {json.dumps(k2, ensure_ascii=False)}: ')
                        if isinstance(v2, tuple):
                            self._list(fh, v2, "  ")
                        else:
                            fh.write(json.dumps(v2, ensure_ascii=False))
                    fh.write("\n }")
                else:
                    fh.write(_dump_value(v))
            fh.write("\n}\n")
        return counts or {}

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _dump_value(v) -> str:
    """A section every block writes alike, as ``output._dump_truth`` lays it out at depth 1."""
    if isinstance(v, dict):
        items = [f'  {json.dumps(k, ensure_ascii=False)}: {json.dumps(x, ensure_ascii=False)}' for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n }"
    return json.dumps(v, ensure_ascii=False)
