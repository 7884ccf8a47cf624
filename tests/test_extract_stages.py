"""The layout, partner, people and event stages, on short texts written for these tests
(invented organisations and projects; real places, which the gazetteer must know)."""

from __future__ import annotations

import pytest

from kg.extract import layout
from kg.model import Document


def _is_place(text: str) -> bool:
    return text.strip() in {"Italy", "Portugal", "Ghent", "Belgium", "France", "IT"}


@pytest.mark.parametrize(
    ("item", "name", "places", "note"),
    [
        ("Velmor Institute (Italy)", "Velmor Institute", ["Italy"], ""),
        ("Velmor Institute – Portugal", "Velmor Institute", ["Portugal"], ""),
        ("Velmor Institute, Ghent (Belgium)", "Velmor Institute", ["Ghent", "Belgium"], ""),
        ("Velmor Institute (IT)", "Velmor Institute", ["IT"], ""),
        ("Velmor Institute from France", "Velmor Institute", ["France"], ""),
        ("Velmor Institute (leading partner)", "Velmor Institute", [], "leading partner"),
        ("- Velmor Institute", "Velmor Institute", [], ""),
    ],
)
def test_split_item(item, name, places, note):
    got = layout.split_item(item, 10, _is_place)
    assert (got.name, got.places, got.note) == (name, places, note)
    assert got.start == 10 + item.index(name)


def test_blocks_find_headed_lists_inline_fields_and_runs():
    text = (
        "Partners\n\nVelmor Institute (Italy)\nBrisk Labs (France)\n\nAims\n• Support the development of strategies\n"
        "Lead partner: Ostra Works\n"
        "Line one of a run\nAnother short line\nA third short line\n\n"
        "This is a long sentence of prose that should never be read as a list item of any kind at all."
    )
    blocks = layout.blocks(text)
    partners = next(b for b in blocks if b.role == "partners")
    assert [i.text for i in partners.items] == ["Velmor Institute (Italy)", "Brisk Labs (France)"]
    lead = next(b for b in blocks if b.role == "lead")
    assert [i.text for i in lead.items] == ["Ostra Works"]
    assert any(b.role == "run" and len(b.items) == 3 for b in blocks)


def test_title_name_splits_short_name_and_long_title():
    assert layout.title_name("VELMOR – Various Endeavours for Local Migrant ORganising") == (
        "VELMOR", "Various Endeavours for Local Migrant ORganising")
    assert layout.title_name("A long headline about a meeting that has no short name at all") is None


@pytest.fixture(scope="module")
def extract():
    """Extract a text with the real spaCy pipeline; return (entities by name, relation set)."""
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import extract_document
    from kg.settings import load_settings

    nlp = load_pipeline(load_settings().spacy_model)

    def run(text: str):
        ex = extract_document(Document(id="t.txt", text=text), nlp)
        names = {n: e for e in ex.entities.values() for n in e.all_names()}
        rels = set()
        for r in ex.relations:
            o = str(r.object) if r.literal else ex.entities[r.object].name
            rels.add((ex.entities[r.subject].name, r.predicate, o))
        return ex, names, rels

    return run


@pytest.mark.slow
def test_title_project_and_partner_block(extract):
    text = (
        "VELMOR – Various Endeavours for Local Migrant Organising\n\n"
        "VELMOR supports newcomers in finding work through mentoring.\n\n"
        "Partners\n"
        "Brisk Labs (France)\n"
        "Ostra Works, Lyon (France)\n"
        "Halden Foundation (Italy)\n"
    )
    _, names, rels = extract(text)
    project = names["VELMOR"]
    assert project.type == "Project"
    assert "Various Endeavours for Local Migrant Organising" in project.names
    for org, place in (("Brisk Labs", "France"), ("Ostra Works", "Lyon"), ("Halden Foundation", "Italy")):
        assert names[org].type == "Organisation"
        assert (project.name, "hasPartner", names[org].name) in rels
        assert (names[org].name, "locatedIn", place) in rels
    assert ("Lyon", "locatedIn", "France") in rels


@pytest.mark.slow
def test_prose_enumeration_with_lead_and_countries(extract):
    text = (
        "The VELMOR project started in 2021. Led by Brisk Labs – France, the project gathers together "
        "four organisations: Ostra Works – Portugal; Halden Foundation – Italy; and Corvin Trust – Belgium."
    )
    _, names, rels = extract(text)
    project = names["VELMOR"].name
    assert (project, "coordinator", "Brisk Labs") in rels
    for org, country in (("Ostra Works", "Portugal"), ("Halden Foundation", "Italy"), ("Corvin Trust", "Belgium")):
        assert (project, "hasPartner", names[org].name) in rels
        assert (names[org].name, "locatedIn", country) in rels


@pytest.mark.slow
def test_unnamed_meetings_get_distinctive_labels_and_partners(extract):
    text = (
        "The VELMOR project is led by Brisk Labs (France) with Ostra Works (Portugal).\n"
        "The kick-off meeting took place in Lyon on 3-4 May 2021.\n"
        "The next partner meeting will take place in Ghent in October 2021."
    )
    ex, names, rels = extract(text)
    kickoff = names["kick-off meeting in Lyon"]
    assert kickoff.type == "Event" and "VELMOR kick-off meeting in Lyon" in kickoff.all_names()
    assert (kickoff.name, "activityOf", "VELMOR") in rels
    assert (kickoff.name, "locatedIn", "Lyon") in rels
    assert ("Ostra Works", "participatedIn", kickoff.name) in rels
    assert "VELMOR partner meeting in Ghent" in names
    assert len([e for e in ex.entities.values() if e.type == "Event"]) == 2


@pytest.mark.slow
def test_speaker_lines_give_people_and_their_organisations(extract):
    text = (
        "Webinar on inclusive labour markets, 10 June 2021\n\n"
        "Speakers at the webinar were:\n"
        "• Mara Velkova, Director, Brisk Labs Association\n"
        "• Tomas Redan, Board Member Halden Foundation\n"
    )
    _, names, rels = extract(text)
    assert names["Mara Velkova"].type == "Person"
    assert ("Mara Velkova", "memberOf", "Brisk Labs Association") in rels
    assert ("Tomas Redan", "memberOf", "Halden Foundation") in rels


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("June, 12-13, 2019", "2019-06-12", "2019-06-13"),
        ("12-13.06.22", "2022-06-12", "2022-06-13"),
        ("4th and 5th March 2021", "2021-03-04", "2021-03-05"),
        ("1st of December 2022 – 30th of November 2024", "2022-12-01", "2024-11-30"),
    ],
)
def test_date_forms_of_real_pages(text, first, last):
    from kg.extract.dates import find_dates

    (d,) = find_dates(text)
    assert (d.first.isoformat(), d.last.isoformat() if d.last else None) == (first, last)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("Velmor at the regional forum in Lyon\n\nVelmor partners presented their results.", None),
        ("KORVAx at the regional forum in Lyon\n\nThe partners of KORVAx presented their results.", "KORVAx"),
        ("News\n\nThe meeting reviewed KORVAx’s partners and their pilots in Lyon.", "KORVAx"),
        ("News\n\nThe meeting gathered the sister projects KORVAx, Blen4All and TRIMO in Lyon.", "Blen4All"),
        ("News\n\nThe project “Open Doors - Housing first for newcomers” started in Lyon.", "Open Doors"),
        ("News\n\nThe Velmor and Trask projects will present their results in Lyon.", "Trask"),
    ],
)
def test_project_signals(extract, text, project):
    _, names, _ = extract(text)
    projects = {n for n, e in names.items() if e.type == "Project"}
    if project is None:
        assert not projects
    else:
        assert project in projects


@pytest.mark.slow
def test_worded_date_timeline_lines():
    from kg.extract.genres import timeline_entries

    text = "Events\n12 May 2022 – Workshop on housing in Lyon\nMarch 2021: kick-off of the network\nNo date here"
    entries = timeline_entries(text)
    assert [e.rest for e in entries] == ["Workshop on housing in Lyon", "kick-off of the network"]
    assert entries[0].date.first.isoformat() == "2022-05-12"


@pytest.mark.slow
def test_heading_lines_name_events_once(extract):
    text = (
        "Coordination Meeting in Lyon\n\n"
        "The second coordination meeting of the KORVAx project was held in Lyon on 3 May 2022.\n\n"
        "Highlights from the second KORVAx webinar\n\n"
        "On 4 October 2022 the KORVAx project hosted its second webinar, “Finding work”.\n"
    )
    ex, names, rels = extract(text)
    meeting = names["Coordination Meeting in Lyon"]
    assert meeting.type == "Event" and (meeting.name, "locatedIn", "Lyon") in rels
    webinars = {e.key for n, e in names.items() if e.type == "Event" and "webinar" in n.lower()}
    assert len(webinars) == 1


@pytest.mark.slow
def test_people_work_for_the_organisation_beside_their_name(extract):
    text = (
        "The conference was opened by Mara Velkova, Director of the Halden Foundation, and by "
        "Tomas Redan (Brisk Labs Association).\nThe Lyon City Council mayor Ana Pereira welcomed the guests.\n"
        "Livia Brant (Policy Officer, Trask Works Association) closed it.\n"
    )
    _, names, rels = extract(text)
    assert "Director of the Halden Foundation" not in names
    assert ("Mara Velkova", "memberOf", "Halden Foundation") in rels
    assert ("Tomas Redan", "memberOf", "Brisk Labs Association") in rels
    assert ("Ana Pereira", "memberOf", "Lyon City Council") in rels
    assert ("Livia Brant", "memberOf", "Trask Works Association") in rels


@pytest.mark.slow
def test_programme_contexts_name_funded_projects(extract):
    _, names, rels = extract(
        "News\n\nThe URBACT network KORVAx brings together six cities. Trevalix is an Erasmus+ partnership of schools."
    )
    assert names["KORVAx"].type == "Project" and ("KORVAx", "fundedBy", "URBACT") in rels
    assert names["Trevalix"].type == "Project"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("KORVAx – Kind Orientation\n\nDuration: 1st of December 2022 – 30th of November 2024\nKORVAx helps.",
         {("startDate", "2022-12-01"), ("endDate", "2024-11-30")}),
        ("KORVAx – Kind Orientation\n\nStart: 01.11.2021\n\nFinish: 01.11.2023\n\nKORVAx helps.",
         {("startDate", "2021-11-01"), ("endDate", "2023-11-01")}),
        ("News\n\nKORVAx is a project [Project Number: AB_2020_77] implemented between May 2020 and June 2022.",
         {("projectNumber", "AB_2020_77"), ("startDate", "2020-05"), ("endDate", "2022-06")}),
    ],
)
def test_project_period_and_number(extract, text, facts):
    ex, names, _ = extract(text)
    project = names["KORVAx"]
    got = {(r.predicate, str(r.object)) for r in ex.relations if r.literal and r.subject == project.key}
    assert facts <= got


@pytest.mark.slow
def test_place_lines_under_a_plural_event_heading(extract):
    text = (
        "KORVAx news\n\nThe KORVAx project is funded by AMIF.\n\n"
        "· Multiplier Events\n\nNational multiplier events will present the results of the project to the public.\n\n"
        "Italy: February 2020\n\nFrance: March 2020\n\n· Training\n"
    )
    ex, names, rels = extract(text)
    italy = names["Multiplier Event in Italy"]
    assert italy.type == "Event" and (italy.name, "locatedIn", "Italy") in rels
    assert ("date", "2020-02") in {(r.predicate, str(r.object)) for r in ex.relations if r.subject == italy.key}
    assert "Multiplier Event in France" in names


def test_a_dated_line_is_no_title():
    assert layout.title_name("12 May 2022 – Final conference, Lyon") is None


@pytest.mark.slow
def test_conference_sessions_are_parts_of_the_conference(extract):
    text = (
        "Annual conference of the KORVAx network, Lyon, 3 May 2022\n\nThe conference gathered 200 participants.\n\n"
        "Panel 1: Housing first for newcomers\nWorkshop A: Language learning at work\n"
    )
    _, names, rels = extract(text)
    assert names["Panel 1: Housing first for newcomers"].type == "Event"
    assert "Panel 1" not in names
    assert ("Workshop A: Language learning at work", "subEventOf", "Annual conference") in rels


@pytest.mark.slow
def test_speaker_enumeration_with_organisations_in_brackets(extract):
    text = (
        "Webinar on inclusive cities, 3 May 2022\n\n"
        "Speakers: Mara Velkova (Halden Foundation), Tomas Redan (Director, Brisk Labs Association) and Ana Pereira.\n"
    )
    _, names, rels = extract(text)
    webinar = names["Webinar on inclusive cities"].name
    assert ("Mara Velkova", "memberOf", "Halden Foundation") in rels
    assert ("Tomas Redan", "memberOf", "Brisk Labs Association") in rels
    assert {("Mara Velkova", "participatedIn", webinar), ("Ana Pereira", "participatedIn", webinar)} <= rels


@pytest.mark.slow
def test_demonyms_place_organisations(extract):
    text = (
        "The KORVAx project has been implemented by Brisk Labs in partnership with the Armenian organisation "
        "“World Youth Circle” and Russian “Academy of Tomorrow”.\nThe Greek NGO Halden Helps joined later.\n"
    )
    _, names, rels = extract(text)
    assert "Armenian" not in names
    assert ("World Youth Circle", "locatedIn", "Armenia") in rels
    assert ("KORVAx", "hasPartner", "World Youth Circle") in rels
    assert ("Academy of Tomorrow", "locatedIn", "Russia") in rels
    assert ("Halden Helps", "locatedIn", "Greece") in rels


@pytest.mark.slow
def test_organisation_names_lose_time_words_roles_and_people(extract):
    text = (
        "The Halden Foundation on Thursday presented its work. The Interior Ministry State Secretary "
        "Mara Velkova said she was pleased.\n• Livia Brant & Tomas Redan, Brisk Labs Association\n"
    )
    _, names, _ = extract(text)
    assert "Halden Foundation" in names and "Halden Foundation on Thursday" not in names
    assert not any("Velkova" in n and e.type == "Organisation" for n, e in names.items())
    assert not any("&" in n and e.type == "Organisation" for n, e in names.items())


@pytest.mark.slow
def test_a_city_office_holder_works_for_its_authority(extract):
    _, names, rels = extract("The network met in Lyon.\nMara Velkova, integration coordinator of Lyon, opened it.\n")
    assert ("Mara Velkova", "memberOf", "Municipality of Lyon") in rels


@pytest.mark.slow
def test_places_with_lower_case_particles_are_places_not_partners(extract):
    ex, names, _ = extract("The KORVAx partners met in Santiago de Compostela and in Frankfurt am Main.")
    places = {e.name for e in ex.entities.values() if e.type == "Place"}
    assert {"Santiago de Compostela", "Frankfurt am Main"} <= places
    assert not [e for e in ex.entities.values() if e.type == "Organisation"]


@pytest.mark.slow
def test_full_name_with_its_acronym_is_an_organisation(extract):
    _, names, _ = extract("News\n\nThe meeting was hosted by Vantor Refugee Helpdesk (VRH) in Lyon.")
    assert names["Vantor Refugee Helpdesk"].type == "Organisation"
    assert "VRH" in names["Vantor Refugee Helpdesk"].all_names()


@pytest.mark.slow
def test_a_plural_event_in_several_places_is_one_event_a_place(extract):
    ex, names, rels = extract(
        "News\n\nThe KORVAx project will hold two International Meetings in 2023, in Brussels and Lisbon."
    )
    brussels, lisbon = names["International Meeting in Brussels"], names["International Meeting in Lisbon"]
    assert brussels.key != lisbon.key
    assert (lisbon.name, "locatedIn", "Lisbon") in rels and (lisbon.name, "activityOf", "KORVAx") in rels
    assert "International Meeting in Brussels" not in lisbon.all_names()


@pytest.mark.slow
def test_speaker_lines_with_dashes_and_bars(extract):
    text = (
        "Webinar on housing, 3 May 2022\n\nSpeakers:\n• Mara Velkova – Director, Halden Foundation\n"
        "• Tomas Redan | Brisk Labs Association\n• Ana Pereira, Policy Officer, Trask Works\n"
        "• Velmor Institute, Lyon (France)\n"
    )
    _, names, rels = extract(text)
    assert ("Mara Velkova", "memberOf", "Halden Foundation") in rels
    assert ("Tomas Redan", "memberOf", "Brisk Labs Association") in rels
    assert ("Ana Pereira", "memberOf", "Trask Works") in rels and names["Trask Works"].type == "Organisation"
    assert "Velmor Institute" not in {n for n, e in names.items() if e.type == "Person"}


ISSUE_PAGE = """ARDEN4ALL – Arden for all newcomers

ARDEN4ALL is a project financed by the Erasmus+ programme. It is implemented by a partnership coordinated by \
the City of Lyon (France) and involving, along with the Lorne Institute, the City of Ghent (Belgium), the \
University of Cass (UC) (Italy) and Daro College (Belgium).

The first transnational project meeting took place in Lyon on 4th and 5th March 2021, hosted by the City of \
Lyon. Partners from Lorne Institute, Daro College and UC took part.

The next meeting will take place in Ghent in June 2021.

Duration: 1st of December 2020 – 30th of November 2022
"""


@pytest.mark.slow
def test_a_page_written_as_real_pages_are(extract):
    """The patterns of a real project page in one invented text: partners in prose with a coordinator,
    two meetings with their places, hosts and participants, the programme and the period."""
    ex, names, rels = extract(ISSUE_PAGE)
    project = "ARDEN4ALL"
    assert (project, "coordinator", "City of Lyon") in rels
    for org in ("Lorne Institute", "City of Ghent", "University of Cass", "Daro College"):
        assert (project, "hasPartner", org) in rels
    assert (project, "fundedBy", "Erasmus+") in rels
    events = [e for e in ex.entities.values() if e.type == "Event"]
    assert len(events) == 2
    first = names["first transnational project meeting"].name
    assert (first, "organisedBy", "City of Lyon") in rels and (first, "activityOf", project) in rels
    assert ("Daro College", "participatedIn", first) in rels
    facts = {(r.predicate, str(r.object)) for r in ex.relations if r.literal and r.subject == names[project].key}
    assert {("startDate", "2020-12-01"), ("endDate", "2022-11-30")} <= facts


@pytest.mark.slow
def test_event_page_fields(extract):
    text = ("Regional forum on newcomer housing\n\nDate: 12 May 2022\nVenue: Town Hall, Lyon (France)\n"
            "Organiser: Brisk Labs Association\n\nThe forum gathered 80 participants.\n")
    ex, names, rels = extract(text)
    forum = names["Regional forum"]
    assert (forum.name, "locatedIn", "Lyon") in rels and (forum.name, "organisedBy", "Brisk Labs Association") in rels
    assert ("date", "2022-05-12") in {(r.predicate, str(r.object)) for r in ex.relations if r.subject == forum.key}


NETWORK_PAGE = """WELCOMENET – Welcoming cities network

WELCOMENET is an URBACT Action Planning Network of eight cities working on the reception of newcomers.

Lead partner: Lyon (France)

Partners: Ghent (Belgium), Turin (Italy), Porto (Portugal)

The network held its kick-off meeting in Lyon on 12-13 May 2022. The mayor of Lyon, Mara Velkova, welcomed \
the partners. A study visit to Porto followed in October 2022.
"""


@pytest.mark.slow
def test_a_network_of_cities(extract):
    ex, names, rels = extract(NETWORK_PAGE)
    projects = {e.name for e in ex.entities.values() if e.type == "Project"}
    assert projects == {"WELCOMENET"}
    assert ("WELCOMENET", "fundedBy", "URBACT") in rels
    assert ("WELCOMENET", "coordinator", "Municipality of Lyon") in rels
    assert names["Ghent"].type == "Organisation" and ("WELCOMENET", "hasPartner", names["Ghent"].name) in rels
    assert ("Mara Velkova", "memberOf", "Municipality of Lyon") in rels
    kickoff, visit = names["kick-off meeting"], names["study visit"]
    assert (kickoff.name, "locatedIn", "Lyon") in rels and (visit.name, "locatedIn", "Porto") in rels
    assert (visit.name, "activityOf", "WELCOMENET") in rels


CONFERENCE_PAGE = """Cities and newcomers: annual conference in Vienna

On 5 and 6 October 2023 more than 300 representatives of cities, NGOs and EU institutions met in Vienna for \
the annual Integrating Newcomers Conference, organised by the Velmor Network together with the City of Vienna.

The conference was opened by Mara Velkova, Deputy Mayor of Vienna, and by Tomas Redan, Secretary General of \
the Velmor Network. Ana Pereira from the Brisk Labs Association moderated the closing session.
"""


@pytest.mark.slow
def test_a_conference_report(extract):
    _, names, rels = extract(CONFERENCE_PAGE)
    conference = names["Integrating Newcomers Conference"].name
    assert {(conference, "organisedBy", "Velmor Network"), (conference, "organisedBy", "City of Vienna"),
            (conference, "locatedIn", "Vienna")} <= rels
    assert {("Mara Velkova", "memberOf", "City of Vienna"), ("Tomas Redan", "memberOf", "Velmor Network"),
            ("Ana Pereira", "memberOf", "Brisk Labs Association")} <= rels
    assert {("Mara Velkova", "participatedIn", conference), ("Tomas Redan", "participatedIn", conference)} <= rels


@pytest.mark.slow
def test_a_partner_directory_of_name_and_place_lines(extract):
    text = ("Our partners\n\nVelmor Institute\nLyon, France\nThe institute runs language courses for newcomers.\n\n"
            "Trask Works\nPorto (Portugal)\nA social cooperative that helps refugees find jobs.\n\n"
            "The KORVAx project is funded by AMIF.\n")
    _, names, rels = extract(text)
    assert ("KORVAx", "hasPartner", "Velmor Institute") in rels and ("Velmor Institute", "locatedIn", "Lyon") in rels
    assert names["Trask Works"].type == "Organisation" and ("Trask Works", "locatedIn", "Porto") in rels


@pytest.mark.slow
def test_a_heading_dates_its_event(extract):
    ex, names, _ = extract(
        "Webinar “Housing first for newcomers” – France, 10th of June 2020\n\nThe webinar was a success."
    )
    webinar = next(e for e in ex.entities.values() if e.type == "Event")
    assert ("date", "2020-06-10") in {(r.predicate, str(r.object)) for r in ex.relations if r.subject == webinar.key}
