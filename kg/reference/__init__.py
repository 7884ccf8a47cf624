"""Reference data: GeoNames places, EU funding programmes, EU bodies, international organisations.

Every look-up compares names after :func:`fold` (accents, case, punctuation, a leading "the").
Import the look-ups from the submodules (``kg.reference.places`` ...) or from this package.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

# Letters that Unicode decomposition does not reduce to an ASCII base letter.
_SPECIAL = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ß": "ss",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "&": " and ",
    }
)
_DROP = re.compile(r"[.,;:!?\"“”()\[\]]")
_SPACE = re.compile(r"[\s\-_/]+")


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ASCII_SPECIAL = re.compile(r"[&`]")


def strip_accents(text: str) -> str:
    """Remove diacritics and map special letters to ASCII, keeping case ("Łódź" -> "Lodz")."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_SPECIAL)))


def fold_keep_case(text: str) -> str:
    """Fold accents, punctuation and whitespace but keep letter case (for acronyms)."""
    text = _DROP.sub("", strip_accents(text))
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Fold accents, case, punctuation, dashes and whitespace; drop a leading "the"."""
    folded = fold_keep_case(text).casefold()
    if folded.startswith("the "):
        folded = folded[4:]
    return folded


class _Named(Protocol):
    @property
    def acronym(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def alt_names(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=_Named)
_PAREN_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<acr>[^()]{2,15})\)$")


def looks_like_acronym(name: str) -> bool:
    """True for one-word upper-case names such as "FAMI" or "ESF+"."""
    return " " not in name.strip() and name.isupper()


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV reference file, values stripped, comment lines (#) skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


def split_alt(value: str) -> tuple[str, ...]:
    """Split a |-separated alt_names cell."""
    return tuple(v.strip() for v in value.split("|") if v.strip())


class NameTable(Generic[T]):
    """Look-up of reference entries by name (folded) or acronym (case-sensitive).

    Names and alternate names match after :func:`fold`. Acronyms match as written
    ("LIFE", "WHO", "EaSI"), or when the query is all upper case ("EASI"), so that common
    words ("life", "who") never match. `suffixes` are folded trailing words that may be
    dropped from a query ("programme", "fund").
    """

    def __init__(self, entries: Iterable[T], suffixes: Iterable[str] = ()) -> None:
        self.entries: list[T] = list(entries)
        self.suffixes = tuple(suffixes)
        self.by_name: dict[str, T] = {}
        self.by_acronym: dict[str, T] = {}
        self.by_upper_acronym: dict[str, T] = {}
        acronyms: list[tuple[str, T]] = []
        for entry in self.entries:
            for name in (entry.name, *entry.alt_names):
                if looks_like_acronym(name):
                    acronyms.append((name, entry))  # "FAMI", "EASO": case-sensitive too
                else:
                    self.by_name.setdefault(fold(name), entry)
        primary = [(e.acronym, e) for e in self.entries if e.acronym]
        for acronym, entry in primary + acronyms:
            acr = fold_keep_case(acronym)
            self.by_acronym.setdefault(acr, entry)
            self.by_upper_acronym.setdefault(acr.upper(), entry)

    def _acronym(self, text: str) -> T | None:
        key = fold_keep_case(text)
        if key[:4].lower() == "the ":
            key = key[4:]
        hit = self.by_acronym.get(key)
        if hit is None and key.isupper():
            hit = self.by_upper_acronym.get(key)
        return hit

    def _strip_suffix(self, text: str) -> str | None:
        key = fold_keep_case(text)
        low = key.casefold()
        for suffix in self.suffixes:
            if low.endswith(" " + suffix):
                return key[: -len(suffix) - 1].rstrip()
        return None

    def lookup(self, text: str) -> T | None:
        """The entry a name or acronym denotes, or None."""
        forms = [text.strip()]
        paren = _PAREN_ACRONYM.match(forms[0])
        if paren:
            forms += [paren["name"], paren["acr"]]
        for form in forms:
            for candidate in (form, self._strip_suffix(form)):
                if not candidate:
                    continue
                hit = self.by_name.get(fold(candidate)) or self._acronym(candidate)
                if hit is not None:
                    return hit
        return None

    def surface_forms(self) -> list[tuple[str, T]]:
        """(surface form, entry) for every name, alternate name and acronym, as written."""
        out: list[tuple[str, T]] = []
        for entry in self.entries:
            seen: set[str] = set()
            for form in (entry.name, *entry.alt_names, entry.acronym):
                if form and form not in seen:
                    seen.add(form)
                    out.append((form, entry))
        return out


def load_table(
    path: Path, make: Callable[[dict[str, str]], T], suffixes: Iterable[str] = ()
) -> NameTable[T]:
    """A NameTable of the entries built by `make` from each row of a CSV file."""
    return NameTable((make(row) for row in read_csv(path)), suffixes)


# Re-exports; the submodules import the folding helpers above, so these come last.
from kg.reference.organisations import (  # noqa: E402
    OrgInfo,
    lookup_organisation,
    organisation_surface_forms,
)
from kg.reference.places import (  # noqa: E402
    PlaceInfo,
    all_place_names,
    country_by_code,
    country_by_demonym,
    european_city_names,
    lookup_place,
    place_by_id,
    place_candidates,
)
from kg.reference.programmes import (  # noqa: E402
    ProgrammeInfo,
    lookup_programme,
    programme_surface_forms,
)

__all__ = [
    "OrgInfo",
    "PlaceInfo",
    "ProgrammeInfo",
    "all_place_names",
    "country_by_code",
    "country_by_demonym",
    "european_city_names",
    "fold",
    "fold_keep_case",
    "looks_like_acronym",
    "lookup_organisation",
    "lookup_place",
    "lookup_programme",
    "organisation_surface_forms",
    "place_by_id",
    "place_candidates",
    "programme_surface_forms",
    "strip_accents",
]
