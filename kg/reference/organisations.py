"""EU institutions, bodies and agencies and international organisations, from organisations.csv.

Only public bodies and intergovernmental organisations: no NGOs, associations or companies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kg.reference import NameTable, load_table, split_alt
from kg.settings import PROJECT_ROOT

ORGANISATIONS_CSV = PROJECT_ROOT / "data" / "reference" / "organisations.csv"
ORG_KINDS = ("PublicBody", "InternationalOrganisation")


@dataclass(frozen=True)
class OrgInfo:
    """A reference organisation: slug id, acronym, official name, variants, kind, seat country."""

    id: str
    acronym: str
    name: str
    alt_names: tuple[str, ...]
    kind: str  # "PublicBody" | "InternationalOrganisation"
    country_code: str = ""
    url: str = ""


def _make(row: dict[str, str]) -> OrgInfo:
    kind = row["kind"]
    if kind not in ORG_KINDS:
        raise ValueError(f"{ORGANISATIONS_CSV.name}: bad kind {kind!r} for {row['id']}")
    return OrgInfo(
        id=row["id"],
        acronym=row.get("acronym", ""),
        name=row["name"],
        alt_names=split_alt(row.get("alt_names", "")),
        kind=kind,
        country_code=row.get("country_code", "").upper(),
        url=row.get("url", ""),
    )


@lru_cache(maxsize=1)
def _table() -> NameTable[OrgInfo]:
    return load_table(ORGANISATIONS_CSV, _make)


def lookup_organisation(name: str) -> OrgInfo | None:
    """The organisation a name or acronym denotes ("Committee of the Regions", "IOM"), or None."""
    return _table().lookup(name)


def organisation_by_id(org_id: str) -> OrgInfo | None:
    """The organisation with a slug id, or None."""
    return next((o for o in _table().entries if o.id == org_id), None)


def all_organisations() -> list[OrgInfo]:
    """Every organisation of the reference list."""
    return list(_table().entries)


def organisation_surface_forms() -> list[tuple[str, OrgInfo]]:
    """(surface form, organisation) pairs for building matchers.

    Match a form case-insensitively, except acronym forms (see
    :func:`kg.reference.looks_like_acronym` or ``form == info.acronym``), which are
    case-sensitive ("WHO" is an organisation, "who" is not).
    """
    return _table().surface_forms()
