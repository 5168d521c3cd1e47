"""Layouts, deliberately bad rows, writing the files, and the ``generate`` entry point."""
from __future__ import annotations

import argparse
import gc
import json
import time
from dataclasses import dataclass
from pathlib import Path
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from creditgraph.etl.canonical import TABLES
from creditgraph.etl.synth.background import _background_events, _background_people
from creditgraph.etl.synth.blocks import Carry, TruthSpool, block_rng, block_sizes, cross_block_names
from creditgraph.etl.synth.base import ENCODINGS, EVENT_KINDS, FORMATS, PROFILES, USCC_CHARS, _Dates, _Geo, _cat, _replace_rows, _take, id_valid, uscc_valid
from creditgraph.etl.synth.history import _distinct_names, _plant_phoenix_timing, _plant_repeat_history, _plant_successor_decoys
from creditgraph.etl.synth.people import _identifiers, _people
from creditgraph.etl.synth.plant import _assign_disclosure, _plant_chains, _plant_clusters, _plant_common_names, _plant_cross_region, _plant_groups, _plant_phoenix, _plant_repaired, _plant_repeat_enterprises, _plant_repeat_people, _plant_shells
from creditgraph.etl.synth.tables import _build_tables
from creditgraph.etl.synth.truth import _ground_truth, _plan
from creditgraph.etl.synth.world import Block, _World


# --------------------------------------------------------------------------- layouts, bad rows, writing

ZJ_FILES = {
    "enterprises": "market_subjects", "legal_reps": "legal_reps", "shareholders": "shareholders",
    "equity_changes": "equity_changes", "cluster_addresses": "cluster_addresses",
    "abnormal_operation": "abnormal_operation", "serious_illegal": "serious_illegal",
    "administrative_penalty": "admin_penalties", "dishonest_debtor": "dishonest_debtors",
}
BREAKABLE = {
    "enterprises": (("uscc", "uscc"), ("founded", "date"), ("name", "required"), ("capital", "capital")),
    "legal_reps": (("person_name", "required"), ("id_no", "id_no"), ("enterprise_uscc", "uscc"), ("since", "date")),
    "shareholders": (("holder_name", "required"), ("subscribed", "capital"), ("subscribed_date", "date"),
                     ("enterprise_uscc", "uscc")),
    "equity_changes": (("holder_name", "required"), ("change_date", "date")),
    "penalties": (("record_id", "required"), ("decided", "date"), ("subject_uscc", "uscc")),
}
CHUNK = 200_000


@dataclass
class _OutFile:
    stem: str
    table: str
    rows: int | None  # the event kind (index in EVENT_KINDS) whose rows this file holds, or None for all
    columns: list[tuple[str, str]]  # (canonical field, column in the file)


def _layout(profile: str) -> list[_OutFile]:
    import fnmatch

    if profile == "canonical":
        return [_OutFile(t, t, None, [(f, f) for f in TABLES[t].fields]) for t in TABLES]
    doc = yaml.safe_load((Path(__file__).resolve().parents[1] / "profiles" / f"{profile}.yaml").read_text(encoding="utf-8"))
    out = []
    globs = []
    for tname, spec in doc["tables"].items():
        for s in spec if isinstance(spec, list) else [spec]:
            globs.extend(s["files"])
            kind = (s.get("constants") or {}).get("kind")
            out.append(_OutFile(ZJ_FILES[kind or tname], tname, None if kind is None else EVENT_KINDS.index(kind),
                                [(f, col) for f, col in s["columns"].items()]))
    for o in out:
        hits = [gl for gl in globs if fnmatch.fnmatch(o.stem + ".csv", gl)]
        assert len(hits) == 1, (o.stem, hits)
    return out


def _impossible_date(rng, value: str) -> str:
    y = value[:4] if value[:4].isdigit() else "2019"
    return str(rng.choice([f"{y}-02-30", f"{y}-04-31", f"{y}-13-01", f"{y}0230", f"{y}/06/31", f"{y}-11-31"]))


def _breakable(kind: str, v, planted_ids) -> bool:
    """Whether a field of this kind and value can be broken in a way the validator must catch."""
    if kind == "required":
        return True
    if kind == "uscc":
        return bool(v) and len(v) == 18 and uscc_valid(v)
    if kind == "id_no":
        return bool(v) and len(v) == 18 and id_valid(v) and v.upper() not in planted_ids
    if kind in ("date", "capital"):
        return bool(v) and v[:1].isdigit() and not v.startswith("9999")
    return False


def _break_rows(rng, of: _OutFile, cols: dict[str, pa.Array], eligible: np.ndarray, frac: float, fname: str,
                planted_ids: set) -> list[dict]:
    n = len(next(iter(cols.values()))) if cols else 0
    k = int(round(frac * n))
    elig = np.flatnonzero(eligible)
    k = min(k, len(elig))
    if k <= 0:
        return []
    field_col = dict(of.columns)
    options = [(f, b) for f, b in BREAKABLE.get(of.table, ()) if f in field_col]
    rows = np.sort(rng.choice(elig, k, replace=False))
    current = {f: _take(cols[field_col[f]], rows).to_pylist() for f, _ in options}
    changes: dict[str, tuple[list, list]] = {}
    bad = []
    for i, r in enumerate(rows.tolist()):
        usable = []
        for f, b in options:
            v = current[f][i]
            if _breakable(b, v, planted_ids):
                usable.append((f, b))
        f, b = usable[int(rng.integers(len(usable)))]
        v = current[f][i]
        if b == "required":
            new, reason = None, f"missing required field {f}"
        elif b == "uscc":
            pos = int(rng.integers(8, 16))
            ch = v[pos].upper()
            alt = [c for c in USCC_CHARS if c != ch]
            c = alt[int(rng.integers(len(alt)))]
            new = v[:pos] + (c.lower() if v[pos].islower() else c) + v[pos + 1:]
            reason = "bad USCC checksum"
        elif b == "id_no":
            alt = [c for c in "0123456789X" if c != v[17].upper()]
            new, reason = v[:17] + alt[int(rng.integers(len(alt)))], "bad ID number checksum"
        elif b == "date":
            new, reason = _impossible_date(rng, v), "impossible date"
        else:
            new, reason = str(rng.choice(["不详", "见章程", "--", "万元"])), "unparseable capital"
        col = field_col[f]
        changes.setdefault(col, ([], []))
        changes[col][0].append(r)
        changes[col][1].append(new)
        bad.append({"file": fname, "row": r + 2, "column": col, "field": f, "reason": reason})
    for col, (rs, vals) in changes.items():
        cols[col] = _replace_rows(cols[col], np.array(rs, np.int64), vals)
    return bad


def _csv_quote(a: pa.Array) -> pa.Array:
    a = pa.concat_arrays([a]) if a.offset else a
    data = a.buffers()[2]
    if data is None:
        return a
    raw = bytes(data)
    if all(raw.find(ch) < 0 for ch in (b",", b'"', b"\r", b"\n")):
        return a
    need = pc.match_substring_regex(a, '[,"\r\n]')
    quoted = _cat('"', pc.replace_substring(a, '"', '""'), '"')
    return pc.if_else(need, quoted, a)


def _write_csv(path: Path, names: list[str], arrays: list[pa.Array], encoding: str, append: bool = False) -> None:
    """Write the rows (``append``: after those in the file, without a header)."""
    enc = "gb18030" if encoding == "gb18030" else "utf-8"
    n = len(arrays[0]) if arrays else 0
    with open(path, "ab" if append else "wb") as f:
        if encoding == "utf-8-sig" and not append:
            f.write(b"\xef\xbb\xbf")
        if not append:
            f.write((",".join(names) + "\n").encode(enc))
        for start in range(0, n, CHUNK):
            cols = [_csv_quote(a.slice(start, CHUNK)) for a in arrays]
            rows = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
            rows = pc.binary_join_element_wise(rows, pa.scalar(""), "\n")
            rows = pa.concat_arrays([rows])  # fresh, offset 0
            offs = np.frombuffer(rows.buffers()[1], np.int32, len(rows) + 1)
            data = memoryview(rows.buffers()[2])[offs[0]:offs[-1]]
            f.write(data if enc == "utf-8" else bytes(data).decode("utf-8").encode(enc))


def _dump_truth(gt: dict) -> str:
    """JSON with one list entry per line (readable, and fast: the C encoder does each entry)."""

    def dump(v, indent):
        pad = " " * indent
        if isinstance(v, dict) and indent < 2:
            items = [f'{pad} {json.dumps(k, ensure_ascii=False)}: {dump(x, indent + 1)}' for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(v, list) and v:
            items = [pad + " " + json.dumps(x, ensure_ascii=False) for x in v]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(v, ensure_ascii=False)

    return dump(gt, 0) + "\n"


class _Files:
    """The output files: each written whole (one block) or block after block (CSV: the header once; Parquet:
    row groups per block through one writer). ``rows`` counts the data rows written per file."""

    def __init__(self, out: Path, fmt: str, encoding: str, blocks: bool):
        self.out, self.fmt, self.encoding, self.blocks = out, fmt, encoding, blocks
        self.rows: dict[str, int] = {}
        self.writers: dict[str, pq.ParquetWriter] = {}

    def write(self, fname: str, names: list[str], arrays: list[pa.Array]) -> None:
        path = self.out / fname
        if self.fmt == "csv":
            _write_csv(path, names, arrays, self.encoding, append=fname in self.rows)
        elif not self.blocks:
            pq.write_table(pa.table(dict(zip(names, arrays))), path, compression="snappy")
        else:
            tb = pa.table({k: a.cast(pa.string()) if a.type == pa.null() else a for k, a in zip(names, arrays)})
            wr = self.writers.get(fname)
            if wr is None:
                wr = self.writers[fname] = pq.ParquetWriter(path, tb.schema, compression="snappy")
            wr.write_table(tb if tb.schema == wr.schema else tb.cast(wr.schema))
        self.rows[fname] = self.rows.get(fname, 0) + (len(arrays[0]) if arrays else 0)

    def close(self) -> None:
        for wr in self.writers.values():
            wr.close()
        self.writers = {}


def _check_args(enterprises: int, profile: str, fmt: str, bad_rows: float, encoding: str) -> None:
    if enterprises < 500:
        raise ValueError("enterprises must be at least 500 (planted patterns need room)")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {FORMATS}")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {ENCODINGS}")
    if not 0.0 <= bad_rows < 0.5:
        raise ValueError("bad_rows must be a fraction in [0, 0.5)")


def _build_world(n: int, rng: np.random.Generator, geo: _Geo, dates: _Dates, blk: Block | None = None) -> _World:
    """A complete world of ``n`` enterprises with its planted patterns, background, identifiers and people."""
    w = _World(int(n), rng, geo, blk)
    w.dates = dates
    plan = _plan(w.n)
    w.base()
    w.truth["shells"] = _plant_shells(w, plan["shell_clusters"])
    _plant_repeat_enterprises(w, plan["repeat_enterprises"])
    _plant_repeat_people(w, plan["repeat_people"])
    _plant_phoenix(w, plan["phoenix"])
    _plant_repeat_history(w, plan["repeat_history"])
    _plant_phoenix_timing(w, plan["phoenix_timing"])
    _plant_successor_decoys(w, plan["successor_decoys"])
    _plant_cross_region(w, plan["cross_region_per_level"])
    w.truth["chains"] = _plant_chains(w, plan["equity_chains"])
    w.truth["clusters"] = _plant_clusters(w, plan["cluster_addresses"])
    w.truth["groups"] = _plant_groups(w, plan["large_groups"])
    w.truth["repaired"] = _plant_repaired(w, plan["repaired_repeat"])
    _plant_common_names(w, plan["common_name_per_name"])
    _assign_disclosure(w)
    _background_events(w)
    _background_people(w)
    _identifiers(w)
    _people(w)
    _distinct_names(w)
    cross_block_names(w)
    return w


def _write_world(w: _World, rng: np.random.Generator, profile: str, ext: str, bad_rows: float, files: _Files) -> list[dict]:
    """Write a world's rows into the files (after the rows there); returns its broken rows, numbered as the files'
    lines."""
    tables = _build_tables(w, profile)
    planted_ids = set(_take(w.p_id, np.arange(w.P0)).to_pylist())
    bad: list[dict] = []
    for of in _layout(profile):
        tb = tables[of.table]
        sel = None if of.rows is None else np.flatnonzero(tb.kinds == of.rows)
        cols = {}
        for f, col in of.columns:
            a = tb.cols[f]
            cols[col] = a if sel is None else _take(a, sel)
        elig = tb.eligible if sel is None else tb.eligible[sel]
        fname = f"{of.stem}.{ext}"
        before = files.rows.get(fname, 0)
        mine: list[dict] = []
        if bad_rows > 0:
            mine.extend(_break_rows(rng, of, cols, elig, bad_rows, fname, planted_ids))
        mine.extend({"file": fname, **{k: b[k] for k in ("row", "column", "field", "reason")}} for b in tb.broken or ())
        bad.extend({**b, "row": b["row"] + before} for b in mine)
        files.write(fname, list(cols), list(cols.values()))
        del cols
    return bad


def _generate_blocks(sizes: list[int], seed: int, args: dict, profile: str, ext: str, bad_rows: float,
                     files: _Files, out: Path) -> tuple[dict, list[dict]]:
    """One world per block, appended to the files; returns the summed counts and a summary per block."""
    geo, dates = _Geo.load(), _Dates()
    carry, spool = Carry(), TruthSpool(out)
    blocks = []
    try:
        for i, size in enumerate(sizes):
            rng = block_rng(seed, i)
            w = _build_world(size, rng, geo, dates, carry.block(i, len(sizes)))
            before = dict(files.rows)
            bad = _write_world(w, rng, profile, ext, bad_rows, files)
            gt = _ground_truth(w, args, bad)
            spool.add(gt)
            if i + 1 < len(sizes):
                carry.absorb(w)
            blocks.append({"enterprises": size, "files": {f: r - before.get(f, 0) for f, r in files.rows.items()},
                           "counts": gt["counts"]})
            del w, gt, bad
            gc.collect()
            pa.default_memory_pool().release_unused()
        files.close()
        counts = spool.write(out / "ground_truth.json", args["enterprises"])
    finally:
        files.close()
        spool.cleanup()
    return counts, blocks


def generate(enterprises: int, seed: int, out: Path, profile: str = "canonical", fmt: str = "csv",
             bad_rows: float = 0.0, encoding: str = "utf-8") -> dict:
    """Write synthetic source extracts with planted risk patterns and ``ground_truth.json``.

    Above ``blocks.BLOCK`` enterprises the data is generated in blocks of at most that many, each a complete
    world with its own planted patterns, so that memory stays bounded (:mod:`etl.synth.blocks`).

    Parameters
    ----------
    enterprises: number of enterprises (>= 500).
    seed: the seed; the same arguments give byte-identical files.
    out: output folder (created).
    profile: ``canonical`` or ``zj-warehouse`` (file names and columns of that source profile).
    fmt: ``csv`` or ``parquet``.
    bad_rows: fraction of rows per file broken on purpose (listed in the ground truth).
    encoding: CSV only: ``utf-8``, ``utf-8-sig`` or ``gb18030``.

    Returns
    -------
    A summary: ``files`` (name -> rows), ``rows``, ``seconds``, ``out``, ``ground_truth`` and the planted ``counts``;
    with several blocks also ``blocks`` (per block: ``enterprises``, ``files`` and ``counts``).
    """
    t0 = time.perf_counter()
    enterprises = int(enterprises)
    _check_args(enterprises, profile, fmt, bad_rows, encoding)
    sizes = block_sizes(enterprises)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ext = "csv" if fmt == "csv" else "parquet"
    args = {"enterprises": enterprises, "seed": seed, "profile": profile, "format": fmt, "bad_rows": bad_rows,
            "encoding": encoding if fmt == "csv" else None}
    files = _Files(out, fmt, encoding, blocks=len(sizes) > 1)
    extra = {}
    if len(sizes) == 1:  # drawn as before blocks existed
        rng = np.random.Generator(np.random.PCG64(seed))
        w = _build_world(enterprises, rng, _Geo.load(), _Dates())
        bad = _write_world(w, rng, profile, ext, bad_rows, files)
        gt = _ground_truth(w, args, bad)
        (out / "ground_truth.json").write_text(_dump_truth(gt), encoding="utf-8")
        counts = gt["counts"]
    else:
        counts, extra["blocks"] = _generate_blocks(sizes, seed, args, profile, ext, bad_rows, files, out)
    return {"out": str(out), "files": files.rows, "rows": sum(files.rows.values()), "ground_truth": str(out / "ground_truth.json"),
            "counts": counts, "seconds": round(time.perf_counter() - t0, 3), **extra}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Synthetic credit data with planted risk patterns and ground truth")
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--profile", choices=PROFILES, default="canonical")
    ap.add_argument("--format", choices=FORMATS, default="csv")
    ap.add_argument("--bad-rows", type=float, default=0.0)
    ap.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
    a = ap.parse_args(argv)
    s = generate(a.enterprises, a.seed, a.out, profile=a.profile, fmt=a.format, bad_rows=a.bad_rows, encoding=a.encoding)
    print(json.dumps(s, ensure_ascii=False, indent=1))
