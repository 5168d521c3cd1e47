"""Personal data masked for display and export, in one place.

* :func:`mask_phone` / :func:`mask_email`: one value (``139****5678``, ``z***@example.com``);
* :func:`mask_text`: every phone number and e-mail address inside a text, linear in its length;
* :func:`mask_name` / :func:`mask_person_uid`: a person's name (``张三丰`` → ``张*丰``) and the name inside a
  name-only person's uid (``NM:<enterprise>:<name>``), for exports (``export_person_names`` setting);
* whole columns: :func:`graph.identifiers.mask_phone` / :func:`graph.identifiers.mask_email`
  (vectorised, with the numbers normalised first), which :func:`mask_text` uses for its matches.
"""
from __future__ import annotations

import math
import re

import pandas as pd

from creditgraph.graph.identifiers import mask_email as masked_emails
from creditgraph.graph.identifiers import mask_phone as masked_phones

_PHONE_RE = re.compile(r"\d")


def mask_phone(value: str | None) -> str | None:
    """``13912345678`` → ``139****5678`` (first 3, last 4 kept); short numbers keep only the last 2.

    >>> mask_phone("13912345678"), mask_phone("0571-88886666"), mask_phone("123")
    ('139****5678', '057*****6666', '*23')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = str(value)
    if "*" in s:
        return s
    digits = "".join(_PHONE_RE.findall(s))
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(value: str | None) -> str | None:
    """``zhang.san@example.com`` → ``z***@example.com``.

    >>> mask_email("Zhang.San@Example.com"), mask_email("bad")
    ('z***@example.com', '***')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = str(value).strip().lower()
    if "*" in s:
        return s
    local, at, domain = s.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])0\d{2,3}-\d{7,8}(?![0-9A-Za-z])")

def _one_phone(s: str) -> str:
    return mask_phone(s) or ""


def _one_email(s: str) -> str:
    return mask_email(s) or ""


# Each run of e-mail-local characters is tried as an e-mail once, from its start, and otherwise skipped
# whole: a match cannot start later in the same run (the run ends at the same character either way), so
# the text is scanned once instead of once per start position (which made the old pattern quadratic).
_EMAIL_OR_RUN = re.compile(r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})|[A-Za-z0-9._%+-]+")


def _masked_all(found: list[str], vector_mask, one_mask) -> list[str]:
    """Mask a batch of matched texts in one vectorised call (falling back one by one where it gives NA)."""
    if vector_mask is None:
        return [one_mask(x) for x in found]
    out = vector_mask(pd.Series(found, dtype=object)).tolist()
    return [m if isinstance(m, str) else one_mask(x) for m, x in zip(out, found)]


def _replace_spans(text: str, spans: list[tuple[int, int]], found: list[str], vector_mask, one_mask) -> str:
    if not spans:
        return text
    masked = _masked_all(found, vector_mask, one_mask)
    parts: list[str] = []
    last = 0
    for (a, b), m in zip(spans, masked):
        parts += (text[last:a], m)
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _mask_emails(text: str) -> str:
    hits = [m for m in _EMAIL_OR_RUN.finditer(text) if m.group("email")]
    return _replace_spans(text, [m.span() for m in hits], [m.group(0) for m in hits], masked_emails, _one_email)


def _mask_phones(text: str, pattern: re.Pattern) -> str:
    hits = list(pattern.finditer(text))
    return _replace_spans(text, [m.span() for m in hits], [m.group(0) for m in hits], masked_phones, _one_phone)


def mask_text(text: str) -> str:
    """Mask every phone number and e-mail address inside a text (linear in its length).

    >>> mask_text("电话13912345678，邮箱 zhang.san@example.com，USCC 91330203674737244W")
    '电话139****5678，邮箱 z***@example.com，USCC 91330203674737244W'
    """
    if not any(ch in text for ch in "@0123456789"):  # nothing to mask: the common case, at C speed
        return text
    text = _mask_emails(text)
    text = _mask_phones(text, _MOBILE)
    return _mask_phones(text, _LANDLINE)


def masked_phone(s: str) -> str:
    """One phone number masked as a column of them is (normalised first), else digit by digit."""
    return _masked_all([s], masked_phones, _one_phone)[0]


def masked_email(s: str) -> str:
    """One e-mail address masked as a column of them is, else by :func:`mask_email`."""
    return _masked_all([s], masked_emails, _one_email)[0]


def mask_name(name: str | None) -> str | None:
    """A person's name masked for export: first and last character kept, the rest ``*`` (two characters: ``张*``).

    Masking a masked name changes nothing; blanks around the name are dropped.

    >>> mask_name("张三丰"), mask_name("张三"), mask_name("欧阳娜娜"), mask_name("王"), mask_name(" 张*丰 "), mask_name(None)
    ('张*丰', '张*', '欧**娜', '*', '张*丰', None)
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    s = str(name).strip()
    if len(s) <= 1:
        return "*" * len(s)
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def mask_person_uid(uid: str) -> str:
    """A name-only person's uid (``NM:<enterprise>:<name>``) with the name masked; other uids unchanged.

    >>> mask_person_uid("NM:91330106755578548Y:方航"), mask_person_uid("ID:3f2a"), mask_person_uid("E1")
    ('NM:91330106755578548Y:方*', 'ID:3f2a', 'E1')
    """
    parts = uid.split(":", 2)
    if parts[0] != "NM" or len(parts) < 3:
        return uid
    return f"NM:{parts[1]}:{mask_name(parts[2])}"
