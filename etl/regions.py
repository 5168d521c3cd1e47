"""Administrative divisions by name: province and city names (or codes) as extracts write them →
GB/T 2260 codes, and the choice between a source's region and the one a USCC implies.

The names come from ``etl/data/regions.csv`` (the division table the graph's Region nodes are
built from) and ``etl/data/region_names.csv`` (every province-level division, the four
municipalities as cities, and the county-level cities directly under a province such as 济源).
A name matches in its full form (``浙江省``, ``宁波市``, ``广西壮族自治区``) or without its
suffix (``浙江``, ``宁波``, ``广西``); a city name is looked up within the row's province when
that is known, else nationally (unique names only).

Example
-------
>>> import pandas as pd
>>> codes_from_names(pd.Series(["浙江", "河南省", "N/A"]), pd.Series(["宁波市", "济源", "郑州"]))[["province", "city"]]
  province    city
0   330000  330200
1   410000  419001
2     <NA>  410100
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import pandas as pd

from creditgraph.graph import normalize as nz

# suffixes a name may be written without (longest first); ethnic names of autonomous regions too
_SUFFIX = re.compile(r"(?:壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|地区|省|市|盟)$")


def _short(name: str) -> str:
    return _SUFFIX.sub("", name) or name


def _read(name: str) -> pd.DataFrame:
    with resources.files("creditgraph.etl").joinpath("data", name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=1)
def name_tables() -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str]]:
    """(province name → code, (province 2 digits, city name) → code, city name → code where unique)."""
    ref = pd.concat([_read("regions.csv")[["code", "name", "level"]], _read("region_names.csv")], ignore_index=True)
    ref = ref[ref["level"].isin(["province", "city"]) & (ref["name"] != "市辖区")].drop_duplicates(["code", "level"])
    provinces: dict[str, str] = {}
    cities: dict[tuple[str, str], str] = {}
    national: dict[str, set[str]] = {}
    for code, name, level in ref[["code", "name", "level"]].itertuples(index=False):  # a few hundred reference rows
        for variant in {name, _short(name)}:
            if level == "province":
                provinces[variant] = code
            else:
                cities[(code[:2], variant)] = code
                national.setdefault(variant, set()).add(code)
    unique = {k: next(iter(v)) for k, v in national.items() if len(v) == 1}
    return provinces, cities, unique


def _clean(s: pd.Series) -> pd.Series:
    return nz.normalize_text(nz.clean_missing(s.astype("string"))).str.replace(" ", "", regex=False)


def codes_from_names(province: pd.Series, city: pd.Series) -> pd.DataFrame:
    """6-digit codes (``province``, ``city``) for province and city cells holding names or codes.

    A cell of digits is a code (2 or 6 digits for a province, 4 or 6 for a city); a name is
    looked up as described in the module. Cells that match nothing are NA (see ``unknown_*``).
    """
    provinces, cities, national = name_tables()
    p, c = _clean(province), _clean(city)
    p_digits = p.str.fullmatch(r"\d{2}|\d{6}").fillna(False).astype(bool)
    c_digits = c.str.fullmatch(r"\d{4}|\d{6}").fillna(False).astype(bool)
    p_code = p.map(provinces).astype("string")
    p_code = p_code.where(~p_digits, p.str.slice(0, 2) + "0000")
    c_code = (p_code.str.slice(0, 2) + "|" + c).map({f"{k[0]}|{k[1]}": v for k, v in cities.items()}).astype("string")
    c_code = c_code.fillna(c.where(p_code.isna()).map(national).astype("string"))
    c_code = c_code.where(~c_digits, c.str.ljust(6, "0"))
    return pd.DataFrame({"province": p_code, "city": c_code,
                         "unknown_province": (p.notna() & p_code.isna()).to_numpy(),
                         "unknown_city": (c.notna() & c_code.isna()).to_numpy()}, index=province.index)


def reconcile(source_region: pd.Series, province: pd.Series, city: pd.Series, code_region: pd.Series) -> pd.DataFrame:
    """The enterprise's region, province (2 digits) and city (4 digits): the source's levels first.

    ``source_region``: a 6-digit division code given by the source; ``province``/``city``: 6-digit
    codes from :func:`codes_from_names`; ``code_region``: the division derived from the USCC.
    Each level comes from the source when it gives that level, else from the code; the code
    fills the finer levels only where it agrees with what the source says. ``clash_province`` /
    ``clash_city`` mark rows where the source and the code name different provinces / cities.
    """
    given_p = province.str.slice(0, 2).fillna(source_region.str.slice(0, 2)).fillna(city.str.slice(0, 2))
    given_c = city.str.slice(0, 4)
    given_c = given_c.fillna(source_region.str.slice(0, 4).where(source_region.str.slice(0, 2) == given_p.fillna("")))
    code_p = code_region.str.slice(0, 2)
    # a province-level registering authority (xx0000) says nothing about the city
    code_c = code_region.str.slice(0, 4).where(code_region.str.slice(2, 4) != "00")
    clash_p = (given_p.notna() & code_p.notna() & (given_p != code_p)).fillna(False).to_numpy(dtype=bool)
    clash_c = (given_c.notna() & code_c.notna() & (given_c != code_c)).fillna(False).to_numpy(dtype=bool) & ~clash_p
    agrees = ~clash_p & ~clash_c
    out_p = given_p.fillna(code_p.where(agrees))
    out_c = given_c.fillna(code_c.where(agrees))
    # the code's finer levels only below what the source gives and agreeing with it
    finer = agrees & (code_c.notna() | given_c.isna()).to_numpy()
    region = source_region.fillna(code_region.where(finer))
    region = region.fillna(city).fillna(province)
    return pd.DataFrame({"region": region.astype("string"), "province": out_p.astype("string"),
                         "city": out_c.astype("string"), "clash_province": clash_p, "clash_city": clash_c},
                        index=source_region.index)


__all__ = ["codes_from_names", "reconcile", "name_tables"]
