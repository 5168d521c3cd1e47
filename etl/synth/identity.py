"""How the synthetic generator discloses people's ID numbers, row by row.

Public credit platforms publish resident ID numbers masked, in shapes that
differ between sources (``321181********5898`` on one, ``3211**********5898``
or ``330222************`` on another), or not at all (``N/A``, empty). The
generator keeps one true ID per person and decides per *row* what is shown:

* background people: by source (see ``SOURCE_SHAPE_P``);
* planted people: by a disclosure profile drawn per person (``DISC_*``), so
  that planted patterns include people known only by masked IDs, by name, or
  by name and a shared phone.

Only helpers live here; :mod:`etl.synth` calls them.

Example
-------
>>> import numpy as np
>>> m = np.frombuffer(b"321181198001015898", np.uint8).reshape(1, 18)
>>> [render(m, np.array([s], np.int8)).to_pylist()[0] for s in (FULL, S684, S4104, S612)]
['321181198001015898', '321181********5898', '3211**********5898', '321181************']
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

# shapes of a shown ID number
FULL, S684, S4104, S612, HIDDEN = range(5)
SHAPE_NAMES = ("full", "6+8*+4", "4+10*+4", "6+12*", "none")
_KEEP = np.zeros((5, 18), bool)
_KEEP[FULL, :] = True
_KEEP[S684, :6] = _KEEP[S684, 14:] = True
_KEEP[S4104, :4] = _KEEP[S4104, 14:] = True
_KEEP[S612, :6] = True

# disclosure profiles of planted people
DISC_MIXED, DISC_MASKED, DISC_MOSTLY_MASKED, DISC_NAME_ONLY, DISC_PHONE_ONLY = range(5)
DISC_NAMES = ("mixed", "masked", "mostly_masked", "name_only", "phone_only")
DISC_DESCRIPTIONS = {
    "mixed": "each row shows the full ID number or a masked one (about half each)",
    "masked": "every row shows a masked ID number (shapes differ between sources and companies)",
    "mostly_masked": "one legal-representative row shows the full ID number, every other row a masked one",
    "name_only": "no row shows an ID number and the person has no phone: known by name (unique in the data) "
                 "and by the shareholdings that link their companies",
    "phone_only": "no row shows an ID number; every company of theirs has their legal-representative row with "
                  "the same mobile number: name + phone is the only shared trace",
}

SOURCES = ("legal_reps", "shareholders", "penalties")
# background people with an ID number: P(full, 6+8*+4, 4+10*+4, 6+12*, none) per source
SOURCE_SHAPE_P = {
    "legal_reps": (0.40, 0.30, 0.15, 0.05, 0.10),
    "shareholders": (0.35, 0.15, 0.30, 0.10, 0.10),
    "penalties": (0.20, 0.15, 0.30, 0.30, 0.05),
}
# planted masked rows keep the last four characters visible (partial evidence a resolver can use);
# the mix differs by source so that one person's masks differ between sources
PLANTED_MASK_P = {"legal_reps": (0.7, 0.3), "shareholders": (0.3, 0.7), "penalties": (0.2, 0.8)}


def render(idm: np.ndarray, shape: np.ndarray) -> pa.Array:
    """(k, 18) ASCII ID matrix + shape per row -> strings (HIDDEN rows come back null)."""
    from creditgraph.etl.synth.base import _ascii_rows, _null_where

    keep = _KEEP[np.asarray(shape, np.int64)]
    m = np.where(keep, idm, np.uint8(ord("*")))
    return _null_where(_ascii_rows(m), np.asarray(shape) == HIDDEN)


def background_shapes(rng: np.random.Generator, source: str, masked_only: np.ndarray) -> np.ndarray:
    """Shapes for background rows of people with an ID number (never full where ``masked_only``)."""
    k = len(masked_only)
    p = np.array(SOURCE_SHAPE_P[source])
    shape = rng.choice(5, k, p=p).astype(np.int8)
    q = p[1:4] / p[1:4].sum()
    redo = np.flatnonzero(masked_only & (shape == FULL))
    shape[redo] = 1 + rng.choice(3, len(redo), p=q)
    return shape


def planted_shapes(rng: np.random.Generator, source: str, disc: np.ndarray, first_lr_row: np.ndarray) -> np.ndarray:
    """Shapes for rows of planted people by their disclosure profile.

    ``first_lr_row`` marks each person's first legal-representative row (the
    full row of a ``mostly_masked`` person).
    """
    k = len(disc)
    a, _ = PLANTED_MASK_P[source]
    masked = np.where(rng.random(k) < a, S684, S4104).astype(np.int8)
    shape = masked.copy()
    shape[(disc == DISC_MIXED) & (rng.random(k) < 0.5)] = FULL
    shape[(disc == DISC_MOSTLY_MASKED) & first_lr_row] = FULL
    shape[(disc == DISC_NAME_ONLY) | (disc == DISC_PHONE_ONLY)] = HIDDEN
    return shape


def compatible(shown: str, full: str) -> bool:
    """A shown (full or masked) ID number agrees with the true one on every visible character.

    >>> compatible("3211**********5898", "321181198001015898"), compatible("3212**********5898", "321181198001015898")
    (True, False)
    """
    return len(shown) == len(full) and all(a == "*" or a == b for a, b in zip(shown.upper(), full.upper()))


def draw_disclosure(rng: np.random.Generator, kind: str) -> int:
    """A disclosure profile for a planted person.

    kind: ``chain`` (a shareholder in an equity chain: name-only is resolvable
    through the shareholdings), ``multi_rep`` (legal representative in every
    company of theirs: a phone can tie them), ``multi`` (several companies, not
    all as legal representative), ``single`` (one company).
    """
    return int(draw_disclosures(rng, kind, 1)[0])


_DISC_OPTS = {
    "chain": ((DISC_MIXED, 0.4), (DISC_MASKED, 0.3), (DISC_NAME_ONLY, 0.3)),
    "multi_rep": ((DISC_MIXED, 0.4), (DISC_MASKED, 0.3), (DISC_PHONE_ONLY, 0.3)),
    "multi": ((DISC_MIXED, 0.5), (DISC_MASKED, 0.5)),
    "single": ((DISC_MIXED, 0.5), (DISC_MASKED, 0.3), (DISC_NAME_ONLY, 0.2)),
}


def draw_disclosures(rng: np.random.Generator, kind: str, k: int) -> np.ndarray:
    """``k`` disclosure profiles of one kind (see :func:`draw_disclosure`)."""
    opts = _DISC_OPTS[kind]
    values = np.array([o[0] for o in opts], np.int8)
    return values[rng.choice(len(opts), k, p=[o[1] for o in opts])]
