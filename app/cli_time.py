"""``creditgraph analyze … --as-of YYYY-MM-DD --attribution decision|current`` (docs/time.md): the day an
analysis looks at the graph, and whose roles a penalty counts against, checked before anything runs."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

OPTIONS = (("--as-of", "as_of"), ("--attribution", "attribution"))


def _shown(value: Any) -> str:
    """A user's value quoted for a message, cut short."""
    return repr(str(value)[:40])


def check_day(text: str, option: str = "--as-of") -> str:
    """``text`` as a day, YYYY-MM-DD; anything else exits 2 with the reason (as other input errors do).

    >>> check_day(" 2023-12-31 ")
    '2023-12-31'
    """
    from creditgraph.app.cli import fail

    value = str(text).strip()
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"{option} {_shown(text)} is not a date: write it as YYYY-MM-DD, e.g. 2023-12-31", 2)
        raise  # not reached: fail exits


def time_params(name: str, raw: dict[str, Any], as_of: Optional[str], attribution: Optional[str]) -> dict[str, Any]:
    """``raw`` (the -p parameters) with --as-of and --attribution added, the date written as YYYY-MM-DD.

    A date that is not one, an attribution not among ``decision`` / ``current``, an option the analysis does
    not take, or the same parameter given twice (option and -p) exit 2 with the reason, as other input errors
    do.
    """
    from creditgraph import queries
    from creditgraph.app.cli import fail
    from creditgraph.queries._base import ATTRIBUTIONS

    takes = {p.name for p in queries.parameters(name)}
    out = dict(raw)
    for (option, key), value in zip(OPTIONS, (as_of, attribution)):
        if value is None:
            continue
        if key in raw:
            fail(f"give {option} or -p {key}=…, not both", 2)
        if key not in takes:
            fail(f"{name} takes no {option}", 2)
        out[key] = value
    given = out.get("as_of")
    if given is not None and "as_of" in takes and str(given).strip().lower() not in ("", "none", "null"):
        out["as_of"] = check_day(given, "--as-of" if as_of is not None else "as_of")
    if out.get("attribution") is not None and "attribution" in takes:
        if str(out["attribution"]).strip() not in ATTRIBUTIONS:
            fail(f"--attribution must be one of {', '.join(ATTRIBUTIONS)}, not {_shown(out['attribution'])}", 2)
        out["attribution"] = str(out["attribution"]).strip()
    return out
