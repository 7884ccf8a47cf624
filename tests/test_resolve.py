"""Resolution across documents: one resource per thing, different things kept apart, each
decision with its rule."""

from __future__ import annotations

from types import SimpleNamespace

from kg.model import Document, Entity, Extraction
from kg.namespaces import Minter
from kg.resolve import Resolver, authority_names

MINTER = Minter("http://kg.example.test/res/")


def _doc(doc_id: str, *entities: Entity) -> Extraction:
    return Extraction(Document(id=doc_id, text="x"), {e.key: e for e in entities})


def _resolve(resolver: Resolver, doc_id: str, *entities: Entity) -> dict[str, tuple[str, str]]:
    out = resolver.resolve(_doc(doc_id, *entities))
    return {k: (str(r.iri), r.rule) for k, r in out.entities.items()}


def test_acronym_in_one_document_full_name_in_another():
    r = Resolver(minter=MINTER)
    a = _resolve(
        r,
        "a.txt",
        Entity("o1", "Organisation", "Leiden Welcome Centre", acronyms={"LWC"}, names={"Leiden Welcome Centre"}),
    )
    b = _resolve(r, "b.txt", Entity("o2", "Organisation", "LWC", acronyms={"LWC"}))
    assert a["o1"][0] == b["o2"][0]
    assert b["o2"][1] == "same-name:LWC"


def test_spelling_variants_and_dashes_are_one_organisation():
    r = Resolver(minter=MINTER)
    a = _resolve(
        r, "a.txt", Entity("o", "Organisation", "Centre for Dialogue – Split", names={"Centre for Dialogue – Split"})
    )
    b = _resolve(
        r, "b.txt", Entity("o", "Organisation", "Centre for Dialogue Split", names={"Centre for Dialogue Split"})
    )
    assert a["o"][0] == b["o"][0]


def test_event_title_and_its_short_form_and_inflection():
    r = Resolver(minter=MINTER)
    a = _resolve(
        r,
        "a.txt",
        Entity(
            "e",
            "Event",
            "Cities Together: a summit on inclusion",
            names={"Cities Together: a summit on inclusion", "Cities Together"},
        ),
    )
    b = _resolve(r, "b.txt", Entity("e", "Event", "Cities Together", names={"Cities Together"}))
    c = _resolve(r, "c.txt", Entity("e", "Event", "Voice matters", names={"Voice matters"}))
    d = _resolve(r, "d.txt", Entity("e", "Event", "Voices matter", names={"Voices matter"}))
    assert a["e"][0] == b["e"][0]
    assert c["e"][0] == d["e"][0] and d["e"][1].startswith("similar-title")


def test_generic_unnamed_events_of_different_projects_stay_apart():
    r = Resolver(minter=MINTER)
    a = _resolve(
        r,
        "a.txt",
        Entity(
            "e",
            "Event",
            "kick-off meeting",
            names={"kick-off meeting"},
            attrs={"unnamed": True, "display_label": "kick-off meeting — OPENWAYS, Turin"},
        ),
    )
    b = _resolve(
        r,
        "b.txt",
        Entity(
            "e",
            "Event",
            "kick-off meeting",
            names={"kick-off meeting"},
            attrs={"unnamed": True, "display_label": "kick-off meeting — SAFEPORT, Cork"},
        ),
    )
    assert a["e"][0] != b["e"][0]


def test_different_things_with_similar_names_stay_apart():
    r = Resolver(minter=MINTER)
    a = _resolve(
        r, "a.txt", Entity("o", "Organisation", "Turin Welcome Foundation", names={"Turin Welcome Foundation"})
    )
    b = _resolve(
        r, "b.txt", Entity("o", "Organisation", "Turin Welcome Association", names={"Turin Welcome Association"})
    )
    c = _resolve(r, "c.txt", Entity("p", "Project", "TURIN", names={"TURIN"}))
    assert a["o"][0] != b["o"][0]
    assert c["p"][0] not in (a["o"][0], b["o"][0])


def test_local_authority_names_in_english_and_the_native_form():
    city = SimpleNamespace(name="Bilbao", country_code="ES", geonames_id=3128026)
    names = authority_names(city)
    assert {"Municipality of Bilbao", "Bilbao City Council", "City of Bilbao", "Ayuntamiento de Bilbao"} <= names
    r = Resolver(minter=MINTER)
    a = _resolve(
        r, "a.txt", Entity("la", "Organisation", "Ayuntamiento de Bilbao", kind="LocalAuthority", attrs={"city": city})
    )
    b = _resolve(
        r, "b.txt", Entity("la", "Organisation", "City of Bilbao", kind="LocalAuthority", attrs={"city": city})
    )
    assert a["la"][0] == b["la"][0] == "http://kg.example.test/res/organisation/municipality-of-bilbao-3128026"
