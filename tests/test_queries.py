"""Saved queries: header parsing, parameter binding and every shipped query on a small graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from kg.errors import NotFoundError, ParameterError
from kg.namespaces import IKG
from kg.queries import (
    Param,
    bind_params,
    get_query,
    list_queries,
    normalise_label,
    parse_query_text,
    resolve_resource,
    run_saved,
)
from kg.settings import load_settings
from kg.store import KGStore

B = "https://w3id.org/integration-kg/resource/"

# Invented world: two countries, four cities, three projects. The document graph holds what
# extraction would assert; the inferred graph what the reasoner would add (by hand).
SAMPLE_TRIG = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix theme: <https://w3id.org/integration-kg/theme/> .
@prefix r: <https://w3id.org/integration-kg/resource/> .
@prefix doc: <https://w3id.org/integration-kg/resource/document/doc-a-txt#> .

r:graph\\/ontology {
  ikg:LocalAuthority rdfs:subClassOf ikg:Organisation .
  ikg:NGO rdfs:subClassOf ikg:Organisation .
  ikg:ResearchOrganisation rdfs:subClassOf ikg:Organisation .
  ikg:InternationalOrganisation rdfs:subClassOf ikg:Organisation .
  ikg:City rdfs:subClassOf ikg:Place .
  ikg:Country rdfs:subClassOf ikg:Place .
  ikg:Event rdfs:subClassOf ikg:Activity .
  ikg:fundedBy rdfs:label "funded by"@en .
  theme:employment a ikg:Theme ; skos:prefLabel "Employment"@en .
}

r:graph\\/document\\/doc-a-txt {
  r:document\\/doc-a-txt a ikg:Document ; dcterms:identifier "doc-a.txt" .

  r:place\\/geonames-100 a ikg:Country ; rdfs:label "Ruritania" .
  r:place\\/geonames-200 a ikg:Country ; rdfs:label "Freedonia" .
  r:place\\/geonames-1 a ikg:City ; rdfs:label "Valdoria" ; ikg:locatedIn r:place\\/geonames-100 ;
      geo:lat "45.1"^^xsd:decimal ; geo:long "9.2"^^xsd:decimal .
  r:place\\/geonames-2 a ikg:City ; rdfs:label "Brenmark" ; ikg:locatedIn r:place\\/geonames-100 .
  r:place\\/geonames-3 a ikg:City ; rdfs:label "Östervik" ; ikg:locatedIn r:place\\/geonames-200 .
  r:place\\/geonames-4 a ikg:City ; rdfs:label "Lindholm" ; ikg:locatedIn r:place\\/geonames-200 .

  r:programme\\/fundx a ikg:FundingProgramme ; rdfs:label "FundX" ; ikg:acronym "FX" .

  r:project\\/alpha a ikg:Project ; rdfs:label "ALPHA" ; ikg:acronym "ALPHA" ;
      skos:altLabel "Alpha Integration Network" , "Shared Name" ;
      ikg:coordinator r:organisation\\/harbour-aid ;
      ikg:hasPartner r:organisation\\/valdoria-council ;
      ikg:fundedBy r:programme\\/fundx ; ikg:projectNumber "123456" ;
      ikg:operatesIn r:place\\/geonames-2 ; ikg:hasTheme theme:employment ;
      ikg:mentionedIn r:document\\/doc-a-txt .
  r:project\\/beta a ikg:Project ; rdfs:label "BETA" ;
      ikg:hasPartner r:organisation\\/harbour-aid , r:organisation\\/ostervik-association ,
                     r:organisation\\/nomad-collective ;
      ikg:fundedBy r:programme\\/fundx ; ikg:projectNumber "654321" ;
      ikg:mentionedIn r:document\\/doc-a-txt .
  r:project\\/gamma a ikg:Project ; rdfs:label "GAMMA" ; skos:altLabel "Shared Name" ;
      ikg:hasPartner r:organisation\\/lindholm-university ; ikg:hasTheme theme:employment .

  r:organisation\\/harbour-aid a ikg:NGO ; rdfs:label "Harbour Aid" ; ikg:acronym "HA" ;
      ikg:locatedIn r:place\\/geonames-1 ; ikg:mentionedIn r:document\\/doc-a-txt .
  r:organisation\\/valdoria-council a ikg:LocalAuthority ; rdfs:label "Valdoria City Council" ;
      skos:altLabel "Valdoria" ; ikg:locatedIn r:place\\/geonames-1 .
  r:organisation\\/ostervik-association a ikg:NGO ; rdfs:label "Östervik Newcomers Association" ;
      ikg:locatedIn r:place\\/geonames-3 .
  r:organisation\\/nomad-collective a ikg:NGO ; rdfs:label "Nomad Collective" .
  r:organisation\\/lindholm-university a ikg:ResearchOrganisation ;
      rdfs:label "Lindholm University" ; ikg:locatedIn r:place\\/geonames-4 .
  r:organisation\\/far-agency a ikg:InternationalOrganisation ; rdfs:label "Far Agency" .

  r:person\\/mira-kell a ikg:Person ; rdfs:label "Mira Kell" ;
      ikg:memberOf r:organisation\\/harbour-aid .
  r:membership\\/m1 a org:Membership ; org:member r:person\\/mira-kell ;
      org:organization r:organisation\\/harbour-aid ; org:role r:role\\/director .
  r:role\\/director a org:Role ; rdfs:label "Director" .

  r:event\\/welcome-summit a ikg:Event ; rdfs:label "Welcome Summit" ;
      ikg:organisedBy r:organisation\\/far-agency ; ikg:locatedIn r:place\\/geonames-2 ;
      ikg:date "2021-05-10"^^xsd:date .
  r:event\\/summit-workshop a ikg:Event ; rdfs:label "Summit Workshop" ;
      ikg:subEventOf r:event\\/welcome-summit ; ikg:locatedIn r:place\\/geonames-2 ;
      ikg:date "2021-05-11"^^xsd:date .
  r:organisation\\/valdoria-council ikg:participatedIn r:event\\/welcome-summit .
  r:organisation\\/ostervik-association ikg:participatedIn r:event\\/summit-workshop .
  r:activity\\/alpha-launch a ikg:Activity ; rdfs:label "ALPHA launch" ;
      ikg:activityOf r:project\\/alpha ; ikg:locatedIn r:place\\/geonames-1 ;
      ikg:date "2021-03-02"^^xsd:date .
  r:event\\/gamma-fair a ikg:Event ; rdfs:label "Gamma Fair" ; ikg:activityOf r:project\\/gamma ;
      ikg:participant r:organisation\\/lindholm-university ;
      ikg:startDate "2021-06"^^xsd:gYearMonth .

  r:statement\\/s1 a rdf:Statement ; rdf:subject r:project\\/alpha ;
      rdf:predicate ikg:fundedBy ; rdf:object r:programme\\/fundx ;
      prov:wasDerivedFrom doc:char\\=10\\,60 ; ikg:extractedBy "funding-pattern" ;
      ikg:confidence "0.9"^^xsd:decimal .
  doc:char\\=10\\,60 a nif:String , nif:Sentence ; nif:referenceContext doc:char\\=0\\,500 ;
      nif:beginIndex "10"^^xsd:integer ; nif:endIndex "60"^^xsd:integer ;
      nif:anchorOf "ALPHA is funded by FundX under grant 123456." .
  doc:char\\=0\\,500 a nif:String , nif:Context ; nif:isString "..." ;
      nif:sourceUrl r:document\\/doc-a-txt .
  r:statement\\/s2 a rdf:Statement ; rdf:subject r:place\\/geonames-1 ;
      rdf:predicate ikg:locatedIn ; rdf:object r:place\\/geonames-100 ;
      prov:wasDerivedFrom <http://sws.geonames.org/1/> .
}

r:graph\\/inferred {
  r:organisation\\/harbour-aid a ikg:Organisation ;
      ikg:partnerIn r:project\\/alpha , r:project\\/beta ;
      ikg:locatedIn r:place\\/geonames-100 .
  r:project\\/alpha ikg:hasPartner r:organisation\\/harbour-aid ;
      ikg:operatesIn r:place\\/geonames-1 , r:place\\/geonames-100 .
  r:project\\/beta ikg:operatesIn r:place\\/geonames-1 , r:place\\/geonames-3 ,
      r:place\\/geonames-100 , r:place\\/geonames-200 .
  r:project\\/gamma ikg:operatesIn r:place\\/geonames-4 , r:place\\/geonames-200 .
  r:organisation\\/valdoria-council a ikg:Organisation ; ikg:partnerIn r:project\\/alpha ;
      ikg:locatedIn r:place\\/geonames-100 .
  r:organisation\\/ostervik-association a ikg:Organisation ; ikg:partnerIn r:project\\/beta ;
      ikg:locatedIn r:place\\/geonames-200 ; ikg:participatedIn r:event\\/welcome-summit .
  r:organisation\\/lindholm-university a ikg:Organisation ; ikg:partnerIn r:project\\/gamma ;
      ikg:locatedIn r:place\\/geonames-200 ; ikg:participatedIn r:event\\/gamma-fair .
  r:organisation\\/far-agency a ikg:Organisation ; ikg:participatedIn r:event\\/welcome-summit .
  r:event\\/welcome-summit ikg:participant r:organisation\\/far-agency ,
      r:organisation\\/valdoria-council , r:organisation\\/ostervik-association ;
      ikg:locatedIn r:place\\/geonames-100 .
  r:event\\/summit-workshop a ikg:Activity ; ikg:locatedIn r:place\\/geonames-100 .
  r:activity\\/alpha-launch ikg:locatedIn r:place\\/geonames-100 .
}
"""


def r(path: str) -> URIRef:
    """A resource IRI under the default base."""
    return URIRef(B + path)


def load_sample(store: KGStore, trig: str = SAMPLE_TRIG) -> None:
    """Put the graphs of a TriG text into the store."""
    ds = Dataset()
    ds.parse(data=trig, format="trig")
    graphs = {
        URIRef(str(g.identifier)): list(g)
        for g in ds.graphs()
        if isinstance(g.identifier, URIRef) and len(g)
    }
    store.replace_graphs(graphs)


def make_store(tmp_path: Path) -> KGStore:
    """A store in tmp_path holding the sample graphs."""
    store = KGStore(load_settings(store=tmp_path / "s"))
    load_sample(store)
    return store


@pytest.fixture
def store(tmp_path: Path):
    s = make_store(tmp_path)
    yield s
    s.close()


def table(rows: list[dict], *columns: str) -> list[tuple]:
    """Rows as tuples of plain strings (None for unbound) over the given columns."""
    return [tuple(None if row.get(c) is None else str(row[c]) for c in columns) for row in rows]


# --------------------------------------------------------------------------- header parser


def test_parse_header_reads_title_params_columns_and_handler() -> None:
    text = (
        "# title: Demo\n"
        "# description: First line,\n"
        "# description: second line.\n"
        '# param: country resource ikg:Country "Country (IRI or name)"\n'
        '# param: since date "First day" = 2020-01-01\n'
        "# param: note string\n"
        "# handler: path\n"
        "# columns: a aLabel\n"
        "SELECT ?a WHERE { ?a ?p ?country }\n"
    )
    q = parse_query_text(text, "demo")
    assert q.title == "Demo"
    assert q.description == "First line, second line."
    assert q.params == [
        Param("country", "resource", IKG.Country, "Country (IRI or name)", None),
        Param("since", "date", None, "First day", "2020-01-01"),
        Param("note", "string", None, "", None),
    ]
    assert q.params[0].required and not q.params[1].required
    assert q.columns == ["a", "aLabel"]
    assert q.handler == "path"
    assert "SELECT ?a" in q.sparql


def test_parse_header_rejects_unknown_type_and_handler() -> None:
    from kg.errors import KGError

    with pytest.raises(KGError, match="unknown type"):
        parse_query_text("# param: x widget\nSELECT * {}", "bad")
    with pytest.raises(KGError, match="handler"):
        parse_query_text("# handler: magic\nSELECT * {}", "bad")


EXPECTED_QUERIES = {
    "projects_in_country": ["country"],
    "event_participants": ["event"],
    "projects_sharing_event": [],
    "projects_sharing_city": [],
    "partners_and_cities": ["project"],
    "programme_of_project": ["project"],
    "project_timeline": ["project", "from", "to"],
    "connection_path": ["from", "to"],
    "provenance": ["subject"],
    "organisations_in_city": ["city"],
    "projects_of_programme": ["programme"],
    "people_of_organisation": ["organisation"],
    "events_in_range": ["from", "to"],
    "shared_partners": ["project", "other"],
}


def test_shipped_queries_have_headers_and_expected_params() -> None:
    queries = {q.name: q for q in list_queries()}
    assert set(EXPECTED_QUERIES) <= set(queries)
    for name, params in EXPECTED_QUERIES.items():
        q = queries[name]
        assert q.title and q.description and q.columns, name
        assert [p.name for p in q.params] == params, name
        assert q.path is not None and q.path.suffix == ".rq"
    assert queries["connection_path"].handler == "path"


def test_get_query_unknown_name() -> None:
    with pytest.raises(NotFoundError):
        get_query("no_such_query")
    with pytest.raises(NotFoundError):
        get_query("../etc/passwd")


def test_columns_header_matches_projection(store: KGStore) -> None:
    """Each query's declared columns are exactly the variables it returns."""
    sample_values = {
        "country": "Ruritania", "event": "Welcome Summit", "project": "ALPHA", "other": "BETA",
        "subject": "ALPHA", "city": "Valdoria", "programme": "FundX", "organisation": "Harbour Aid",
        "from": "2021-01-01", "to": "2021-12-31", "resource": "ALPHA",
    }
    for q in list_queries():
        values = {p.name: sample_values[p.name] for p in q.params}
        if q.handler == "path":
            values = {"from": "Harbour Aid", "to": "Östervik Newcomers Association"}
        columns, rows = run_saved(store, q.name, values)
        assert columns == q.columns, q.name
        for row in rows:
            assert set(row) <= set(columns), q.name


# --------------------------------------------------------------------------- binding


def test_bind_resource_by_iri_label_acronym_and_accents(store: KGStore) -> None:
    q = get_query("partners_and_cities")
    alpha = r("project/alpha")
    assert bind_params(store, q, {"project": B + "project/alpha"}) == {"project": alpha}
    assert bind_params(store, q, {"project": f"<{B}project/alpha>"})["project"] == alpha
    assert bind_params(store, q, {"project": "alpha"})["project"] == r("project/alpha")
    assert bind_params(store, q, {"project": "  Alpha   integration network "})["project"] == r(
        "project/alpha"
    )
    city = get_query("organisations_in_city")
    assert bind_params(store, city, {"city": "OSTERVIK"})["city"] == r("place/geonames-3")
    org = get_query("people_of_organisation")
    assert bind_params(store, org, {"organisation": "ha"})["organisation"] == r(
        "organisation/harbour-aid"
    )
    assert bind_params(store, org, {"organisation": "ostervik newcomers association"})[
        "organisation"
    ] == r("organisation/ostervik-association")


def test_bind_label_lookup_is_restricted_to_the_class(store: KGStore) -> None:
    # "Valdoria" is the city's label and an alternative name of the council.
    city = get_query("organisations_in_city")
    assert bind_params(store, city, {"city": "Valdoria"})["city"] == r("place/geonames-1")
    org = get_query("people_of_organisation")
    assert bind_params(store, org, {"organisation": "Valdoria"})["organisation"] == r(
        "organisation/valdoria-council"
    )
    # Without a class, a label wins over an alternative name.
    assert resolve_resource(store, "Valdoria") == r("place/geonames-1")
    with pytest.raises(ParameterError, match="No Country"):
        bind_params(store, get_query("projects_in_country"), {"country": "Valdoria"})


def test_bind_errors(store: KGStore) -> None:
    q = get_query("partners_and_cities")
    with pytest.raises(ParameterError, match="No Project is called 'Nowhere'"):
        bind_params(store, q, {"project": "Nowhere"})
    with pytest.raises(ParameterError, match="more than one") as err:
        bind_params(store, q, {"project": "Shared Name"})
    assert "ALPHA" in str(err.value) and "GAMMA" in str(err.value)
    with pytest.raises(ParameterError, match="Unknown parameter"):
        bind_params(store, q, {"project": "ALPHA", "colour": "red"})
    with pytest.raises(ParameterError, match="needs 'project'"):
        bind_params(store, q, {})
    timeline = get_query("project_timeline")
    with pytest.raises(ParameterError, match="not a date"):
        bind_params(store, timeline, {"project": "ALPHA", "from": "last week"})
    with pytest.raises(ParameterError, match="not a valid IRI"):
        bind_params(store, q, {"project": "http://x>}DROP"})


def test_bind_dates_and_defaults(store: KGStore) -> None:
    q = get_query("project_timeline")
    b = bind_params(store, q, {"project": "ALPHA", "from": "2021-04-01"})
    assert b["from"] == Literal("2021-04-01", datatype=XSD.date)
    assert b["to"] == Literal("9999-12-31", datatype=XSD.date)


def test_injection_attempts_are_harmless(store: KGStore) -> None:
    before = store.count()
    for evil in ['"} ; DROP ALL #', "x' } } ; CLEAR ALL ; SELECT * { #", "?project"]:
        with pytest.raises(ParameterError):
            run_saved(store, "partners_and_cities", {"project": evil})
    # a string parameter is bound as a literal, never parsed as SPARQL
    text = "# param: name string\nSELECT ?name ?n WHERE { BIND(STRLEN(?name) AS ?n) }"
    q = parse_query_text(text, "echo")
    columns, rows = run_saved(store, q, {"name": '"} ; DROP ALL #'})
    assert str(rows[0]["name"]) == '"} ; DROP ALL #'
    assert store.count() == before


def test_normalise_label() -> None:
    assert normalise_label("  The  Östervik ") == "ostervik"
    assert normalise_label("House of Dialogue – Split") == "house of dialogue - split"


# --------------------------------------------------------------------------- saved queries


def test_projects_in_country(store: KGStore) -> None:
    _, rows = run_saved(store, "projects_in_country", {"country": "Ruritania"})
    assert table(rows, "project", "projectLabel") == [
        (B + "project/alpha", "ALPHA"), (B + "project/beta", "BETA"),
    ]
    _, rows = run_saved(store, "projects_in_country", {"country": "Freedonia"})
    assert table(rows, "projectLabel") == [("BETA",), ("GAMMA",)]


def test_projects_in_country_without_inferences(store: KGStore) -> None:
    """Partners' cities and activities count even before reasoning."""
    _, rows = run_saved(store, "projects_in_country", {"country": "Freedonia"}, graphs="asserted")
    assert table(rows, "projectLabel") == [("BETA",), ("GAMMA",)]


def test_event_participants(store: KGStore) -> None:
    columns, rows = run_saved(store, "event_participants", {"event": "Welcome Summit"})
    assert columns == ["organisation", "organisationLabel", "role"]
    assert table(rows, "organisationLabel", "role") == [
        ("Far Agency", "organiser"),
        ("Valdoria City Council", "participant"),
        ("Östervik Newcomers Association", "participant"),
    ]
    # the sub-event rule holds in the query itself, not only through the reasoner
    _, rows = run_saved(store, "event_participants", {"event": "Welcome Summit"}, "asserted")
    assert len(rows) == 3


def test_projects_sharing_event(store: KGStore) -> None:
    _, rows = run_saved(store, "projects_sharing_event", {})
    columns = ("project", "projectLabel", "other", "otherLabel", "events", "eventCount")
    assert table(rows, *columns) == [
        (B + "project/alpha", "ALPHA", B + "project/beta", "BETA", "Welcome Summit", "1"),
    ]


def test_projects_sharing_city(store: KGStore) -> None:
    _, rows = run_saved(store, "projects_sharing_city", {})
    assert table(rows, "projectLabel", "otherLabel", "cities", "cityCount") == [
        ("ALPHA", "BETA", "Valdoria", "1"),
    ]


def test_partners_and_cities(store: KGStore) -> None:
    _, rows = run_saved(store, "partners_and_cities", {"project": "ALPHA"})
    assert table(rows, "partnerLabel", "cityLabel", "role") == [
        ("Harbour Aid", "Valdoria", "coordinator"),
        ("Valdoria City Council", "Valdoria", "partner"),
    ]
    _, rows = run_saved(store, "partners_and_cities", {"project": "BETA"})
    assert table(rows, "partner", "city", "role") == [
        (B + "organisation/harbour-aid", B + "place/geonames-1", "partner"),
        (B + "organisation/nomad-collective", None, "partner"),
        (B + "organisation/ostervik-association", B + "place/geonames-3", "partner"),
    ]


def test_programme_of_project(store: KGStore) -> None:
    _, rows = run_saved(store, "programme_of_project", {"project": "ALPHA"})
    assert table(rows, "programme", "programmeLabel", "projectNumber") == [
        (B + "programme/fundx", "FundX", "123456"),
    ]
    _, rows = run_saved(store, "programme_of_project", {"project": "GAMMA"})
    assert rows == []


def test_project_timeline(store: KGStore) -> None:
    values = {"project": "ALPHA", "from": "2021-01-01", "to": "2021-12-31"}
    columns, rows = run_saved(store, "project_timeline", values)
    assert table(rows, "date", "activityLabel", "kind", "cityLabel", "via") == [
        ("2021-03-02", "ALPHA launch", "activity", "Valdoria", "ALPHA"),
        ("2021-05-10", "Welcome Summit", "event", "Brenmark", "Valdoria City Council"),
    ]
    values["from"] = "2021-04-01"
    _, rows = run_saved(store, "project_timeline", values)
    assert table(rows, "activityLabel") == [("Welcome Summit",)]
    # BETA's partner was at the workshop, hence at the summit too
    _, rows = run_saved(store, "project_timeline", {"project": "BETA"})
    assert table(rows, "date", "activityLabel", "via") == [
        ("2021-05-10", "Welcome Summit", "Östervik Newcomers Association"),
        ("2021-05-11", "Summit Workshop", "Östervik Newcomers Association"),
    ]
    # a month-precision date falls in a range inside that month
    _, rows = run_saved(
        store, "project_timeline", {"project": "GAMMA", "from": "2021-06-01", "to": "2021-06-30"}
    )
    assert table(rows, "date", "activityLabel", "kind", "city") == [
        ("2021-06", "Gamma Fair", "event", None),
    ]


def test_connection_path_handler(store: KGStore) -> None:
    columns, rows = run_saved(
        store, "connection_path", {"from": "Harbour Aid", "to": "Östervik Newcomers Association"}
    )
    assert columns == ["step", "from", "fromLabel", "property", "to", "toLabel", "inferred"]
    assert table(rows, "step", "fromLabel", "property", "toLabel", "inferred") == [
        ("1", "BETA", str(IKG.hasPartner), "Harbour Aid", "false"),
        ("2", "BETA", str(IKG.hasPartner), "Östervik Newcomers Association", "false"),
    ]


def test_provenance(store: KGStore) -> None:
    columns, rows = run_saved(store, "provenance", {"subject": "ALPHA"})
    assert table(
        rows, "property", "propertyLabel", "value", "valueLabel", "document", "quote", "start",
        "end", "rule", "confidence",
    ) == [(
        str(IKG.fundedBy), "funded by", B + "programme/fundx", "FundX", "doc-a.txt",
        "ALPHA is funded by FundX under grant 123456.", "10", "60", "funding-pattern", "0.9",
    )]
    _, rows = run_saved(store, "provenance", {"subject": "Valdoria"})
    assert table(rows, "property", "valueLabel", "document", "quote", "source") == [
        (str(IKG.locatedIn), "Ruritania", None, None, "http://sws.geonames.org/1/"),
    ]


def test_organisations_in_city(store: KGStore) -> None:
    _, rows = run_saved(store, "organisations_in_city", {"city": "Valdoria"})
    assert table(rows, "organisation", "organisationLabel", "kind") == [
        (B + "organisation/harbour-aid", "Harbour Aid", "NGO"),
        (B + "organisation/valdoria-council", "Valdoria City Council", "LocalAuthority"),
    ]


def test_projects_of_programme(store: KGStore) -> None:
    _, rows = run_saved(store, "projects_of_programme", {"programme": "FX"})
    assert table(rows, "projectLabel", "projectNumber") == [("ALPHA", "123456"), ("BETA", "654321")]


def test_people_of_organisation(store: KGStore) -> None:
    _, rows = run_saved(store, "people_of_organisation", {"organisation": "Harbour Aid"})
    assert table(rows, "person", "personLabel", "role") == [
        (B + "person/mira-kell", "Mira Kell", "Director"),
    ]


def test_events_in_range(store: KGStore) -> None:
    _, rows = run_saved(store, "events_in_range", {"from": "2021-05-01", "to": "2021-05-31"})
    assert table(rows, "date", "eventLabel", "cityLabel") == [
        ("2021-05-10", "Welcome Summit", "Brenmark"),
        ("2021-05-11", "Summit Workshop", "Brenmark"),
    ]
    _, rows = run_saved(store, "events_in_range", {})
    assert [row["eventLabel"].value for row in rows] == [
        "Welcome Summit", "Summit Workshop", "Gamma Fair",
    ]


def test_shared_partners(store: KGStore) -> None:
    _, rows = run_saved(store, "shared_partners", {"project": "ALPHA", "other": "BETA"})
    assert table(rows, "partner", "partnerLabel") == [
        (B + "organisation/harbour-aid", "Harbour Aid"),
    ]
    _, rows = run_saved(store, "shared_partners", {"project": "ALPHA", "other": "GAMMA"})
    assert rows == []
