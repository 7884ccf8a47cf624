"""Extraction rules per genre, on short texts written for these tests (invented names)."""

from __future__ import annotations

import pytest

from kg.model import Document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def extract():
    """Extract a text with the real spaCy pipeline; return (entities by name, relation set)."""
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import extract_document
    from kg.settings import load_settings

    nlp = load_pipeline(load_settings().spacy_model)

    def run(text: str, doc_id: str = "t.txt"):
        ex = extract_document(Document(id=doc_id, text=text), nlp)
        names = {}
        for e in ex.entities.values():
            for n in e.all_names():
                names.setdefault(n, e)
        rels = set()
        for r in ex.relations:
            s = ex.entities[r.subject].name
            o = str(r.object) if r.literal else ex.entities[r.object].name
            rels.add((s, r.predicate, o))
        return ex, names, rels

    return run


def test_factsheet_fields(extract):
    text = (
        "PROJECT FACTSHEET\n"
        "Project acronym: HARBOR-LINK\n"
        "Full project title: Helping Arrivals Build Opportunities through Regional LINKs\n"
        "Project duration: 24 months (March 2021 – February 2023)\n"
        "Coordinator: University of Antwerp\n"
        "Partners: City of Seville (Spain), Turin Welcome Foundation (Italy), Leipzig Refugee Council (Germany)\n"
        "Funding: Co-funded by the European Union under the Erasmus+ programme (project number 2020-1-BE01-KA204-000111).\n"  # noqa: E501
        "In Seville and Turin the partners will run mentoring circles.\n"
    )
    ex, names, rels = extract(text)
    assert names["HARBOR-LINK"].type == "Project"
    project = names["HARBOR-LINK"].name
    assert "Helping Arrivals Build Opportunities through Regional LINKs" in names["HARBOR-LINK"].all_names()
    assert (project, "coordinator", "University of Antwerp") in rels
    assert names["University of Antwerp"].kind == "ResearchOrganisation"
    assert names["City of Seville"].kind == "LocalAuthority"
    partners = {o for s, p, o in rels if s == project and p == "hasPartner"}
    assert {"Turin Welcome Foundation", "Leipzig Refugee Council"} <= partners
    assert any(p == "hasPartner" and "Seville" in o for s, p, o in rels if s == project)
    assert (project, "fundedBy", "Erasmus+") in rels
    assert (project, "projectNumber", "2020-1-BE01-KA204-000111") in rels
    assert (project, "startDate", "2021-03") in rels and (project, "endDate", "2023-02") in rels
    assert (project, "operatesIn", "Turin") in rels
    assert ("Turin Welcome Foundation", "locatedIn", "Turin") in rels


def test_timeline_lines(extract):
    text = (
        "April 2023 – activities of the BRIGHT STEPS partners\n\n"
        '03.04.2023 – Nantes Solidarity Network organises the photo exhibition "Faces of Nantes" in Nantes.\n'
        "05.04.2023 - 06.04.2023 – The project partners meet in Cork for the first transnational steering "
        "committee, hosted by Cork Migrant Centre.\n"
        "12.04.2023 – Bilbao Integration Association presents the BRIGHT STEPS project at the conference "
        '"Cities that Welcome" hosted by the University of Deusto.\n'
        "20.04.2023 – Nantes Solidarity Network and the Nantes City Council sign a cooperation agreement.\n"
    )
    ex, names, rels = extract(text)
    project = names["BRIGHT STEPS"].name
    partners = {o for s, p, o in rels if s == project and p == "hasPartner"}
    assert {"Nantes Solidarity Network", "Bilbao Integration Association", "Cork Migrant Centre"} <= partners
    assert ("Faces of Nantes", "organisedBy", "Nantes Solidarity Network") in rels
    assert ("Faces of Nantes", "date", "2023-04-03") in rels
    steering = names["first transnational steering committee"].name
    assert (steering, "startDate", "2023-04-05") in rels and (steering, "endDate", "2023-04-06") in rels
    assert (steering, "locatedIn", "Cork") in rels
    assert ("Bilbao Integration Association", "participatedIn", "Cities that Welcome") in rels
    assert ("Cities that Welcome", "date", "2023-04-12") in rels
    assert any(
        p == "collaboratesWith" and {s, o} == {"Nantes Solidarity Network", "Nantes City Council"} for s, p, o in rels
    )
    # every dated line becomes an activity or event of the project
    dated = {s for s, p, o in rels if p == "activityOf" and o == project}
    assert len(dated) >= 4


def test_news_item_people_roles_and_event(extract):
    text = (
        "Partners of CROSSWAYS meet in Split\n\n"
        "On 7 June 2022 the partners of the CROSSWAYS project gathered in Split, Croatia, for a two-day "
        "kick-off meeting hosted by the City of Split.\n\n"
        "Ana Horvat, project manager at the Split Refugee Support Centre and coordinator of CROSSWAYS, "
        "opened the meeting.\n\n"
        "Pieter Claes from Antwerp Welcome House in Antwerp presented the mentoring scheme, while the team "
        "of Leipzig Open Kitchen presented its cooking classes.\n"
    )
    ex, names, rels = extract(text)
    project = names["CROSSWAYS"].name
    assert names["Ana Horvat"].type == "Person"
    assert ("Ana Horvat", "memberOf", "Split Refugee Support Centre") in rels
    assert (project, "coordinator", "Split Refugee Support Centre") in rels
    assert ("Pieter Claes", "memberOf", "Antwerp Welcome House") in rels
    assert ("Antwerp Welcome House", "locatedIn", "Antwerp") in rels
    meeting = [e for e in ex.entities.values() if e.type == "Event"]
    assert len(meeting) == 1
    m = meeting[0].name
    assert (m, "startDate", "2022-06-07") in rels and (m, "endDate", "2022-06-08") in rels
    assert (m, "locatedIn", "Split") in rels
    assert (m, "activityOf", project) in rels
    assert any(p == "organisedBy" and "Split" in o for s, p, o in rels if s == m)
    for who in ("Ana Horvat", "Pieter Claes", "Leipzig Open Kitchen", "Antwerp Welcome House"):
        assert (who, "participatedIn", m) in rels, who
    partners = {o for s, p, o in rels if s == project and p == "hasPartner"}
    assert {"Leipzig Open Kitchen", "Antwerp Welcome House"} <= partners


def test_online_exchange_between_municipalities(extract):
    text = (
        "online meeting\n"
        "A third online peer exchange was organised on 12 May 2021 between the municipalities of Porto "
        "and Leipzig to discuss housing for newcomers. The meeting, moderated by UNHCR, was part of the "
        "EU-funded project WELCOMENET, which works in Portugal, Germany and Belgium.\n"
    )
    ex, names, rels = extract(text)
    ev = next(e for e in ex.entities.values() if e.type == "Event")
    assert "online peer exchange" in ev.all_names()
    las = {e.name for e in ex.entities.values() if e.kind == "LocalAuthority"}
    assert len(las) == 2
    for la in las:
        assert (la, "participatedIn", ev.name) in rels
        assert ("WELCOMENET", "hasPartner", la) in rels
    unhcr = names["UNHCR"].name
    assert (unhcr, "participatedIn", ev.name) in rels
    assert ("WELCOMENET", "hasPartner", unhcr) not in rels
    assert (ev.name, "activityOf", "WELCOMENET") in rels
    assert {("WELCOMENET", "operatesIn", c) for c in ("Portugal", "Germany", "Belgium")} <= rels


def test_partner_bullets_and_acronyms(extract):
    text = (
        "Partnership\n\n"
        "The OPEN DOORS consortium is led by the Municipality of Bilbao (Spain) and brings together:\n"
        "• Stichting Samen Verder, Leiden (Netherlands)\n"
        "• Cork Migrant Centre (Ireland)\n"
        "• Association Passerelles, Nantes (France)\n"
        "OPEN DOORS is funded by the Asylum, Migration and Integration Fund (AMIF) and runs from "
        "1 March 2024 to 28 February 2026.\n"
        "The Leiden Intercultural Academy (LIA) hosts the trainings; LIA also publishes a guide.\n"
    )
    ex, names, rels = extract(text)
    assert ("OPEN DOORS", "coordinator", "Municipality of Bilbao") in rels
    partners = {o for s, p, o in rels if s == "OPEN DOORS" and p == "hasPartner"}
    assert {"Stichting Samen Verder", "Cork Migrant Centre", "Association Passerelles"} <= partners
    assert ("Stichting Samen Verder", "locatedIn", "Leiden") in rels
    assert names["AMIF"].type == "FundingProgramme"
    assert ("OPEN DOORS", "fundedBy", names["AMIF"].name) in rels
    assert ("OPEN DOORS", "startDate", "2024-03-01") in rels
    assert ("OPEN DOORS", "endDate", "2026-02-28") in rels
    assert names["LIA"] is names["Leiden Intercultural Academy"]


def test_no_person_as_partner_and_no_common_words_as_places(extract):
    text = (
        "The project will march on. Nice results were shared by the team. "
        "Maria Lopez, director of the association Puertas Abiertas in Seville, explained the results.\n"
    )
    ex, names, rels = extract(text)
    places = [e for e in ex.entities.values() if e.type == "Place"]
    assert len(places) == 1 and "Seville" in places[0].all_names()
    assert ("Maria Lopez", "memberOf", "Puertas Abiertas") in rels
    assert ("Puertas Abiertas", "locatedIn", places[0].name) in rels
