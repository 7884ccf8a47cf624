"""EU funding programmes, current and past, from data/reference/funding_programmes.csv."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kg.reference import NameTable, load_table, split_alt
from kg.settings import PROJECT_ROOT

PROGRAMMES_CSV = PROJECT_ROOT / "data" / "reference" / "funding_programmes.csv"
# Trailing words a mention may add to a programme's name ("CERV programme", "AMIF fund").
SUFFIXES = ("programme", "program", "programmes", "fund", "funds", "funding", "instrument")


@dataclass(frozen=True)
class ProgrammeInfo:
    """An EU funding programme: slug id, acronym (may be empty), official name, variants."""

    id: str
    acronym: str
    name: str
    alt_names: tuple[str, ...]
    url: str = ""


def _make(row: dict[str, str]) -> ProgrammeInfo:
    return ProgrammeInfo(
        id=row["id"],
        acronym=row.get("acronym", ""),
        name=row["name"],
        alt_names=split_alt(row.get("alt_names", "")),
        url=row.get("url", ""),
    )


@lru_cache(maxsize=1)
def _table() -> NameTable[ProgrammeInfo]:
    return load_table(PROGRAMMES_CSV, _make, SUFFIXES)


def lookup_programme(name: str) -> ProgrammeInfo | None:
    """The programme a name or acronym denotes ("CERV programme", "AMIF", "FAMI"), or None."""
    return _table().lookup(name)


def programme_by_id(programme_id: str) -> ProgrammeInfo | None:
    """The programme with a slug id, or None."""
    return next((p for p in _table().entries if p.id == programme_id), None)


def all_programmes() -> list[ProgrammeInfo]:
    """Every programme of the reference list."""
    return list(_table().entries)


def programme_surface_forms() -> list[tuple[str, ProgrammeInfo]]:
    """(surface form, programme) pairs for building matchers.

    Match a form case-insensitively, except acronym forms (see
    :func:`kg.reference.looks_like_acronym` or ``form == info.acronym``), which are
    case-sensitive ("LIFE" is a programme, "life" is not).
    """
    return _table().surface_forms()
