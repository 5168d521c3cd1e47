"""Checks on what users type before it reaches a query (always as a Cypher parameter).

Two layers:

* :func:`clean_text` for search boxes and command-line text: Unicode NFC,
  control, zero-width and bidirectional-override characters removed,
  whitespace collapsed, a length cap; text that is not valid Unicode (lone
  surrogates from mis-decoded bytes) or too long is refused with a clear
  :class:`InputError`.
* :func:`check_param_values`, run on every named query's parameters (by
  :meth:`graph.cypher.NamedQuery.check_params`): refuses strings the engines
  choke on (NUL, lone surrogates) and over-long strings, without echoing them.

Example
-------
>>> clean_text(" 张\\u200b三\\u202e ")
'张三'
>>> clean_text("a" * 300)
Traceback (most recent call last):
...
graph.inputs.InputError: search text is too long (300 characters; at most 200)
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping

MAX_TEXT = 200  # a search box
MAX_PARAM = 1000  # any string parameter of a named query (uids, names, keys)
MAX_LIST = 100_000  # items in a list parameter

# C0/C1 controls, zero-width characters, bidi embeddings/overrides/isolates, BOM
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
_BREAK = re.compile(r"[^\S ]")  # whitespace other than a plain space: tabs, line breaks, NBSP, …
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """Input refused; the message says why and never repeats the input in full."""


def preview(value, width: int = 40) -> str:
    """A short repr of a value for error messages (a 1 MB input is not echoed back).

    >>> preview("x" * 100, 5)
    "'xxxxx…'"
    """
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:width] + ("…" if len(text) > width else ""))


def _preview(text: str) -> str:
    return preview(text, 20)


def clean_text(value: Any, what: str = "search text", max_len: int = MAX_TEXT) -> str:
    """Text as a query may use it, or :class:`InputError` saying what is wrong."""
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{what} is not UTF-8 text: paste it as text") from None
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {type(value).__name__}")
    if _SURROGATE.search(value):
        raise InputError(f"{what} is not valid Unicode (mis-decoded bytes?): retype it")
    if len(value) > max_len * 4:  # refuse before doing any work on a huge paste
        raise InputError(f"{what} is too long ({len(value):,} characters; at most {max_len})")
    text = unicodedata.normalize("NFC", value)
    text = _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if len(text) > max_len:
        raise InputError(f"{what} is too long ({len(text):,} characters; at most {max_len})")
    return text


def clean_key(value: Any, what: str = "uid", max_len: int = MAX_PARAM) -> str:
    """A key (a party's uid) from a link, exactly as given, or :class:`InputError`.

    Unlike :func:`clean_text` nothing is trimmed or removed: a key with
    control, zero-width or bidi characters, surrounding spaces, invalid
    Unicode or over ``max_len`` characters is refused, so a link cannot
    smuggle one key in as another.

    >>> clean_key("91330503735242721D")
    '91330503735242721D'
    >>> clean_key("x\\x00y")
    Traceback (most recent call last):
    ...
    graph.inputs.InputError: uid holds control or invisible characters ('x\\x00y')
    """
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {type(value).__name__}")
    if _SURROGATE.search(value) or "\ufffd" in value:
        raise InputError(f"{what} is not valid Unicode (mis-decoded bytes?)")
    if len(value) > max_len:
        raise InputError(f"{what} is too long ({len(value):,} characters; at most {max_len})")
    if _INVISIBLE.search(value) or _BREAK.search(value):
        raise InputError(f"{what} holds control or invisible characters ({_preview(value)})")
    if value != value.strip():
        raise InputError(f"{what} has spaces around it ({_preview(value)})")
    return value


def _check_str(name: str, s: str) -> None:
    if len(s) > MAX_PARAM:
        raise InputError(f"parameter {name} is too long ({len(s):,} characters; at most {MAX_PARAM})")
    if "\x00" in s:
        raise InputError(f"parameter {name} holds a NUL character ({_preview(s)}): remove it")
    if _SURROGATE.search(s):
        raise InputError(f"parameter {name} is not valid Unicode (mis-decoded bytes?)")


def check_param_values(params: Mapping[str, Any]) -> None:
    """Refuse parameter values no user input should produce (see the module docstring).

    >>> check_param_values({"uid": "E1", "uids": ["a", "b"], "hops": 2})
    >>> check_param_values({"uid": "a\\x00b"})
    Traceback (most recent call last):
    ...
    graph.inputs.InputError: parameter uid holds a NUL character ('a\\x00b'): remove it
    """
    for name, v in params.items():
        if isinstance(v, str):
            _check_str(name, v)
        elif isinstance(v, (list, tuple)):
            if len(v) > MAX_LIST:
                raise InputError(f"parameter {name} has too many items ({len(v):,}; at most {MAX_LIST:,})")
            for item in v:
                if isinstance(item, str):
                    _check_str(name, item)
