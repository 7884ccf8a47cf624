"""Tests of kg.evaluate: each scoring rule on a small inline graph, and agreement with kgeval.py."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from kg.evaluate import (
    REPORT_KEYS,
    GoldFormatError,
    evaluate,
    format_report,
    load_gold,
    load_graph_file,
    normalise_name,
)
from kg.namespaces import IKG

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SCORER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "kgeval.py"
EX = "https://example.org/"

PREFIXES = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
"""

ONTOLOGY = """
ikg:City rdfs:subClassOf ikg:Place .
ikg:Country rdfs:subClassOf ikg:Place .
ikg:LocalAuthority rdfs:subClassOf ikg:PublicBody .
ikg:PublicBody rdfs:subClassOf ikg:Organisation .
ikg:Conference rdfs:subClassOf ikg:Event .
ikg:coordinator rdfs:subPropertyOf ikg:hasPartner .
ikg:partnerOf owl:inverseOf ikg:hasPartner .
ikg:hasParticipant owl:inverseOf ikg:participatedIn .
"""

DATA = """
ex:doc0 dcterms:identifier "000" .
ex:doc1 dcterms:identifier "001" .

ex:openways a ikg:Project ; rdfs:label "OPENWAYS" ; ikg:mentionedIn ex:doc0 ;
    ikg:projectNumber "101098765" ;
    ikg:operatesIn ex:dos_hermanas .
ex:tandem a ikg:Project ; ikg:acronym "TANDEM" ; ikg:mentionedIn ex:doc1 ;
    ikg:coordinator ex:civita .
ex:civita a ikg:Organisation ; rdfs:label "CIVITA" ; ikg:mentionedIn ex:doc1 .
ex:council a ikg:LocalAuthority ; rdfs:label "Ayuntamiento de Dos Hermanas" ;
    ikg:mentionedIn ex:doc0 ;
    ikg:partnerOf ex:openways ;
    ikg:locatedIn ex:dos_hermanas .
ex:tierra1 a ikg:Organisation ; rdfs:label "Tierra Compartida" ; ikg:mentionedIn ex:doc1 .
ex:tierra2 a ikg:Organisation ; ikg:acronym "TC" ; ikg:mentionedIn ex:doc1 .
ex:alcala_council a ikg:LocalAuthority ; skos:prefLabel "ALCALÁ CITY COUNCIL" ;
    ikg:mentionedIn ex:doc1 ;
    ikg:collaboratesWith ex:tierra1 .
ex:hod a ikg:Organisation ; skos:altLabel "House of Dialogue - Split" ; ikg:mentionedIn ex:doc1 .
ex:open_cities a ikg:Conference ; rdfs:label "“Open Cities”." ; ikg:mentionedIn ex:doc0 ;
    ikg:hasParticipant ex:council ;
    ikg:date "2021-05-18"^^xsd:date .
ex:wanderfest a ikg:Event ; rdfs:label "Wanderfest" ; ikg:mentionedIn ex:doc1 ;
    ikg:startDate "2021-06-11T10:00:00"^^xsd:dateTime .
ex:janssens a ikg:Person ; rdfs:label "Eva Janssens" ; ikg:mentionedIn ex:doc1 .
ex:seville_as_org a ikg:Organisation ; rdfs:label "Seville" ; ikg:mentionedIn ex:doc1 .

ex:dos_hermanas a ikg:City ; rdfs:label "DOS HERMANAS" ;
    skos:exactMatch <https://sws.geonames.org/2518794/> ;
    ikg:locatedIn ex:andalusia .
ex:andalusia a ikg:Place ; rdfs:label "Andalusia" ;
    ikg:locatedIn ex:spain .
ex:spain a ikg:Country ; rdfs:label "Spain" ; owl:sameAs <http://sws.geonames.org/2510769/> .
ex:alcala a ikg:City ; rdfs:label "Alcalá de Guadaíra" ; skos:exactMatch <http://sws.geonames.org/1/> .

ex:commission a ikg:Organisation ; rdfs:label "European Commission" ; ikg:mentionedIn ex:doc0 .
ex:junk a ikg:Organisation ; rdfs:label "Quarterly Newsletter" ; ikg:mentionedIn ex:doc0 .
ex:nobody a ikg:Person ; rdfs:label "Anonymous Reader" ; ikg:mentionedIn ex:doc1 .
ex:unnamed a ikg:FundingProgramme ; ikg:mentionedIn ex:doc1 .
"""


def _entity(kind: str, *names: str, geonames: int | None = None) -> dict:
    entity: dict = {"type": kind, "names": list(names)}
    if geonames is not None:
        entity["geonames"] = geonames
    return entity


GOLD: dict = {
    "entities": {
        "openways": _entity("Project", "OPENWAYS"),
        "tandem": _entity("Project", "TANDEM"),
        "connect4all": _entity("Project", "CONNECT4ALL"),
        "civita": _entity("Organisation", "CIVITA"),
        "dos_hermanas_city_council": _entity(
            "Organisation", "Dos Hermanas City Council", "Ayuntamiento de Dos Hermanas"
        ),
        "tierra": _entity("Organisation", "Tierra Compartida", "TC"),
        "alcala_municipality": _entity("Organisation", "Alcala City Council"),
        "house_of_dialogue": _entity("Organisation", "House of Dialogue – Split"),
        "seville": _entity("City", "Seville", geonames=2510911),
        "dos_hermanas": _entity("City", "Dos Hermanas", geonames=2518794),
        "alcala": _entity("Place", "Alcala de Guadaira", geonames=2522165),
        "spain": _entity("Country", "Spain", geonames=2510769),
        "open_cities": _entity("Event", "The Open Cities", "Open Cities: connecting regions"),
        "wanderfest": _entity("Event", "Wanderfest"),
        "eva_janssens": _entity("Person", "Eva Janssens"),
    },
    "relations": [
        ["openways", "hasPartner", "dos_hermanas_city_council"],  # via owl:inverseOf
        ["tandem", "hasPartner", "civita"],  # via sub-property coordinator
        ["tandem", "hasPartner", "tierra"],  # absent
        ["dos_hermanas_city_council", "locatedIn", "dos_hermanas"],  # direct
        ["dos_hermanas_city_council", "locatedIn", "spain"],  # locatedIn closure
        ["dos_hermanas", "locatedIn", "spain"],  # closure through an unannotated place
        ["tierra", "collaboratesWith", "alcala_municipality"],  # symmetric
        ["dos_hermanas_city_council", "participatedIn", "open_cities"],  # inverse
        ["openways", "operatesIn", "dos_hermanas"],  # direct
        ["openways", "operatesIn", "spain"],  # operatesIn is not transitive
        ["eva_janssens", "memberOf", "seville"],  # object not found
    ],
    "facts": [
        ["openways", "projectNumber", "101098765"],
        ["open_cities", "date", "2021-05-18"],
        ["wanderfest", "startDate", "2021-06-11"],  # prefix of an xsd:dateTime
        ["wanderfest", "endDate", "2021-06-13"],  # absent
        ["connect4all", "projectNumber", "1"],  # entity absent
    ],
    "also_ok": ["The European Commission", "EU"],
}


def _graph(*turtle: str) -> Graph:
    """A graph parsed from Turtle snippets (prefixes added)."""
    return Graph().parse(data=PREFIXES + "\n".join(turtle), format="turtle")


@pytest.fixture(scope="module")
def report() -> dict:
    """The report for the inline graph and gold, precision over all documents."""
    return evaluate(GOLD, _graph(ONTOLOGY, DATA))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Alcalá de Guadaíra", "alcala de guadaira"),
        ("ŠIBENIK", "sibenik"),
        ("“Open Cities”.", "open cities"),
        ("newcomers’ inclusion", "newcomers inclusion"),
        ("House of Dialogue – Split", "house of dialogue - split"),
        ("House of Dialogue — Split", "house of dialogue - split"),
        ("  The   Gambia ;", "gambia"),
        ("theatre", "theatre"),
        ("`TANDEM`", "tandem"),
    ],
)
def test_normalise_name(raw: str, folded: str) -> None:
    assert normalise_name(raw) == folded


# --------------------------------------------------------------------------- entities


def test_report_has_exactly_the_reference_keys(report: dict) -> None:
    assert list(report) == list(REPORT_KEYS)


def test_entity_recall_by_type(report: dict) -> None:
    assert report["entity_recall_by_type"] == {
        "City": "1/2",
        "Country": "1/1",
        "Event": "2/2",
        "Organisation": "5/5",
        "Person": "1/1",
        "Place": "1/1",
        "Project": "2/3",
    }
    assert report["entity_recall"] == round(13 / 15, 3)
    assert report["missing_entities"] == ["connect4all", "seville"]


def test_subclass_membership_counts_for_the_superclass(report: dict) -> None:
    # ex:council is a LocalAuthority ⊑ PublicBody ⊑ Organisation; open_cities is a Conference;
    # alcala (gold type Place) is a City.
    for eid in ("dos_hermanas_city_council", "open_cities", "alcala"):
        assert eid not in report["missing_entities"]


def test_a_resource_of_the_wrong_type_does_not_match(report: dict) -> None:
    # "Seville" exists only as an Organisation, the gold wants a City.
    assert "seville" in report["missing_entities"]


def test_without_the_subclass_axioms_subclass_members_are_missed() -> None:
    result = evaluate(GOLD, _graph(DATA))
    assert {"dos_hermanas_city_council", "open_cities", "alcala"} <= set(result["missing_entities"])
    assert "dos_hermanas" not in result["missing_entities"]  # typed City directly


def test_accent_case_quote_dash_and_article_folding(report: dict) -> None:
    # "ALCALÁ CITY COUNCIL" ~ "Alcala City Council"; "“Open Cities”." ~ "The Open Cities";
    # "House of Dialogue - Split" ~ "House of Dialogue – Split"; "DOS HERMANAS" ~ "Dos Hermanas".
    for eid in ("alcala_municipality", "open_cities", "house_of_dialogue", "dos_hermanas"):
        assert eid not in report["missing_entities"]


def test_duplicates(report: dict) -> None:
    assert report["duplicates"] == ["tierra"]


def test_geonames_links(report: dict) -> None:
    # dos_hermanas: skos:exactMatch https; spain: owl:sameAs http; alcala: wrong id.
    assert report["geonames_missing"] == ["alcala"]


@pytest.mark.parametrize("prop", ["skos:exactMatch", "owl:sameAs"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_geonames_accepts_both_properties_and_schemes(prop: str, scheme: str) -> None:
    gold = {"entities": {"x": _entity("City", "Xville", geonames=42)}, "relations": []}
    linked = _graph(
        ONTOLOGY,
        f'ex:x a ikg:City ; rdfs:label "Xville" ; {prop} <{scheme}://sws.geonames.org/42/> .',
    )
    assert evaluate(gold, linked)["geonames_missing"] == []
    no_slash = _graph(
        ONTOLOGY,
        f'ex:x a ikg:City ; rdfs:label "Xville" ; {prop} <{scheme}://sws.geonames.org/42> .',
    )
    assert evaluate(gold, no_slash)["geonames_missing"] == ["x"]


# --------------------------------------------------------------------------- relations


def test_relation_recall_by_property(report: dict) -> None:
    assert report["relation_recall_by_property"] == {
        "collaboratesWith": "1/1",
        "hasPartner": "2/3",
        "locatedIn": "3/3",
        "memberOf": "0/1",
        "operatesIn": "1/2",
        "participatedIn": "1/1",
    }
    assert report["relation_recall"] == round(8 / 11, 3)
    assert report["missing_relations"] == [
        "tandem hasPartner tierra",
        "openways operatesIn spain",
        "eva_janssens memberOf seville",
    ]


def test_relation_via_sub_property_needs_the_axiom() -> None:
    gold = {"entities": GOLD["entities"], "relations": [["tandem", "hasPartner", "civita"]]}
    assert evaluate(gold, _graph(ONTOLOGY, DATA))["relation_recall"] == 1.0
    without = ONTOLOGY.replace("ikg:coordinator rdfs:subPropertyOf ikg:hasPartner .", "")
    assert evaluate(gold, _graph(without, DATA))["relation_recall"] == 0.0


def test_relation_via_inverse_needs_the_axiom() -> None:
    gold = {
        "entities": GOLD["entities"],
        "relations": [
            ["openways", "hasPartner", "dos_hermanas_city_council"],
            ["dos_hermanas_city_council", "participatedIn", "open_cities"],
        ],
    }
    assert evaluate(gold, _graph(ONTOLOGY, DATA))["relation_recall"] == 1.0
    without = "\n".join(line for line in ONTOLOGY.splitlines() if "inverseOf" not in line)
    assert evaluate(gold, _graph(without, DATA))["relation_recall"] == 0.0


def test_inverse_declared_the_other_way_round_also_counts() -> None:
    gold = {
        "entities": GOLD["entities"],
        "relations": [["openways", "hasPartner", "dos_hermanas_city_council"]],
    }
    flipped = ONTOLOGY.replace(
        "ikg:partnerOf owl:inverseOf ikg:hasPartner", "ikg:hasPartner owl:inverseOf ikg:partnerOf"
    )
    assert evaluate(gold, _graph(flipped, DATA))["relation_recall"] == 1.0


def test_located_in_closure_is_transitive_but_other_properties_are_not(report: dict) -> None:
    assert "dos_hermanas_city_council locatedIn spain" not in report["missing_relations"]
    assert "openways operatesIn spain" in report["missing_relations"]


def test_collaborates_with_is_symmetric_but_other_properties_are_not() -> None:
    entities = GOLD["entities"]
    reverse = {
        "entities": entities,
        "relations": [["tierra", "collaboratesWith", "alcala_municipality"]],
    }
    assert evaluate(reverse, _graph(ONTOLOGY, DATA))["relation_recall"] == 1.0
    backwards = {"entities": entities, "relations": [["dos_hermanas", "operatesIn", "openways"]]}
    assert evaluate(backwards, _graph(ONTOLOGY, DATA))["relation_recall"] == 0.0


# --------------------------------------------------------------------------- facts


def test_facts_by_prefix(report: dict) -> None:
    assert report["fact_recall"] == round(3 / 5, 3)
    assert report["missing_facts"] == [
        "wanderfest endDate 2021-06-13",
        "connect4all projectNumber 1",
    ]


def test_fact_value_must_be_a_prefix_not_a_substring() -> None:
    gold = {
        "entities": GOLD["entities"],
        "relations": [],
        "facts": [["openways", "projectNumber", "098765"]],
    }
    assert evaluate(gold, _graph(ONTOLOGY, DATA))["fact_recall"] == 0.0


# --------------------------------------------------------------------------- precision


def test_precision_over_all_documents(report: dict) -> None:
    # pool: openways tandem civita council tierra1 tierra2 alcala_council hod open_cities
    #       wanderfest janssens seville_as_org commission junk nobody unnamed = 16
    # wrong: seville_as_org? no, "seville" is a gold name; commission is also_ok.
    assert report["resources_scored_for_precision"] == 16
    assert report["unexpected_resources"] == [
        "anonymous reader",
        "https://example.org/unnamed",
        "quarterly newsletter",
    ]
    assert report["entity_precision"] == round(1 - 3 / 16, 3)


def test_precision_restricted_to_documents() -> None:
    graph = _graph(ONTOLOGY, DATA)
    only_doc0 = evaluate(GOLD, graph, docs=["000"])
    # openways council open_cities commission junk
    assert only_doc0["resources_scored_for_precision"] == 5
    assert only_doc0["unexpected_resources"] == ["quarterly newsletter"]
    assert only_doc0["entity_precision"] == round(1 - 1 / 5, 3)
    both = evaluate(GOLD, graph, docs=["000", "001"])
    assert both["resources_scored_for_precision"] == 16
    assert evaluate(GOLD, graph, docs=["999"])["entity_precision"] == 0.0
    # recall is not restricted by the documents
    assert only_doc0["entity_recall"] == both["entity_recall"]


def test_also_ok_names_are_not_counted_against_precision() -> None:
    graph = _graph(ONTOLOGY, DATA)
    gold = {**GOLD, "also_ok": []}
    assert "european commission" in evaluate(gold, graph, docs=["000"])["unexpected_resources"]
    assert "european commission" not in evaluate(GOLD, graph, docs=["000"])["unexpected_resources"]


# --------------------------------------------------------------------------- I/O and text


def test_load_gold_reads_the_shipped_annotations() -> None:
    gold = load_gold(REPO_ROOT / "tests" / "data" / "gold" / "seeds.yaml")
    assert "Project" in {entity["type"] for entity in gold["entities"].values()}
    coordinated = [row for row in gold["relations"] if row[1] == "coordinator"]
    assert coordinated
    assert all(row[0] in gold["entities"] and row[2] in gold["entities"] for row in coordinated)
    report = evaluate(gold, Graph())
    assert report["entity_recall"] == 0.0
    assert len(report["missing_entities"]) == len(gold["entities"])


@pytest.mark.parametrize(
    "text",
    [
        "- just a list",
        "entities: {x: {names: [X]}}",
        "entities: {x: {type: Project, names: X}}",
        "entities: {x: {type: Project, names: [X]}}\nrelations: [[x, hasPartner, y]]",
    ],
)
def test_load_gold_rejects_malformed_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "gold.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoldFormatError):
        load_gold(path)


@pytest.mark.parametrize(("suffix", "fmt"), [(".nq", "nquads"), (".trig", "trig")])
def test_load_graph_file_unions_named_graphs(tmp_path: Path, suffix: str, fmt: str) -> None:
    dataset = Dataset()
    dataset.graph(URIRef(EX + "g/ontology")).parse(data=PREFIXES + ONTOLOGY, format="turtle")
    dataset.graph(URIRef(EX + "g/data")).parse(data=PREFIXES + DATA, format="turtle")
    path = tmp_path / f"export{suffix}"
    dataset.serialize(destination=path, format=fmt)
    union = load_graph_file(path)
    assert len(union) == len(_graph(ONTOLOGY, DATA))
    assert evaluate(GOLD, union) == evaluate(GOLD, _graph(ONTOLOGY, DATA))


@pytest.mark.parametrize(
    ("suffix", "fmt"), [(".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld")]
)
def test_load_graph_file_single_graph_formats(tmp_path: Path, suffix: str, fmt: str) -> None:
    path = tmp_path / f"export{suffix}"
    _graph(ONTOLOGY, DATA).serialize(destination=path, format=fmt, encoding="utf-8")
    assert len(load_graph_file(path)) == len(_graph(ONTOLOGY, DATA))


def test_format_report(report: dict) -> None:
    text = format_report(report)
    for fragment in (
        "Entity recall",
        "Entity precision",
        "Relation recall",
        "Fact recall",
        "Project",
        "2/3",
        "locatedIn",
        "tierra",
        "alcala",
        "connect4all",
        "tandem hasPartner tierra",
        "wanderfest endDate 2021-06-13",
        "quarterly newsletter",
    ):
        assert fragment in text


# --------------------------------------------------------------------------- scale


def test_fifty_thousand_triples_in_well_under_a_second() -> None:
    graph = _graph(ONTOLOGY, DATA)
    ikg_org, ikg_city = IKG.Organisation, IKG.City
    for i in range(8000):
        org, city = URIRef(f"{EX}org/{i}"), URIRef(f"{EX}city/{i % 500}")
        graph.add((org, RDF.type, ikg_org))
        graph.add((org, RDFS.label, Literal(f"Organisation number {i}")))
        graph.add((org, IKG.locatedIn, city))
        graph.add((org, IKG.mentionedIn, URIRef(f"{EX}elsewhere{i % 2}")))
        graph.add((org, IKG.collaboratesWith, URIRef(f"{EX}org/{(i * 7) % 8000}")))
        graph.add((org, IKG.partnerOf, URIRef(f"{EX}org/{(i * 13) % 8000}")))
        graph.add((city, RDF.type, ikg_city))
        graph.add((city, RDFS.label, Literal(f"City {i % 500}")))
        graph.add((city, IKG.locatedIn, URIRef(f"{EX}city/{(i % 500) // 2}")))
    assert len(graph) > 45_000
    gold = {
        **GOLD,
        "entities": {
            **GOLD["entities"],
            **{f"o{i}": _entity("Organisation", f"Organisation number {i}") for i in range(300)},
        },
        "relations": GOLD["relations"]
        + [[f"o{i}", "locatedIn", "spain"] for i in range(300)]
        + [[f"o{i}", "collaboratesWith", f"o{i + 1}"] for i in range(299)],
    }
    result = evaluate(gold, graph, docs=["000", "001"])
    assert result["resources_scored_for_precision"] == 16


# --------------------------------------------------------------------------- agreement


TYPES = {
    # gold type -> classes a resource of that entity may carry
    "Project": ["Project"],
    "Organisation": ["Organisation", "PublicBody", "LocalAuthority"],
    "Person": ["Person"],
    "Event": ["Event", "Conference"],
    "FundingProgramme": ["FundingProgramme"],
    "City": ["City"],
    "Country": ["Country"],
    "Place": ["Place", "City", "Country"],
}
WORDS = [
    "alpha", "borealis", "cascade", "delta", "ember", "fjord", "granite", "harbour", "iris",
    "juniper", "kestrel", "lumen", "meridian", "nimbus", "orchid", "prism", "quartz", "riviera",
]  # fmt: skip
NAME_PROPS = ["rdfs:label", "skos:altLabel", "skos:prefLabel", "ikg:acronym", "foaf:name",
              "schema:name", "schema_http:name"]  # fmt: skip


SPECIAL = ("locatedIn", "collaboratesWith")


def _variant(rng: random.Random, name: str) -> str:
    """A surface form that normalises to the same key as name."""
    choice = rng.randrange(7)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return f"The {name}"
    if choice == 2:
        return f"“{name}”."
    if choice == 3:
        return name.replace("e", "é")
    if choice == 4:
        return f"  {name.replace(' ', '   ')} ;"
    if choice == 5:
        return name.replace("-", "–")
    return name


def _random_case(seed: int) -> tuple[dict, str, list[str]]:
    """A seeded gold dict, a Turtle document (ontology + data) covering every rule, and doc ids."""
    rng = random.Random(seed)
    lines = [
        PREFIXES,
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix schema_http: <http://schema.org/> .",
        ONTOLOGY,
        "ikg:memberOfBoard rdfs:subPropertyOf ikg:memberOf .",
        "ikg:leads rdfs:subPropertyOf ikg:coordinator .",
    ]
    docs = ["000", "001", "002", "003"]
    for i, doc in enumerate(docs):
        lines.append(f'ex:doc{i} dcterms:identifier "{doc}" .')

    entities: dict[str, dict] = {}
    resources: dict[str, list[str]] = {}
    counter = 0

    def new_resource(eid: str, cls: str, names: list[str], geonames: int | None) -> str:
        nonlocal counter
        counter += 1
        iri = f"ex:r{counter}"
        parts = [f"a ikg:{cls}"]
        for name in names:
            parts.append(
                f"{rng.choice(NAME_PROPS)} {json.dumps(_variant(rng, name), ensure_ascii=False)}"
            )
        if rng.random() < 0.8:
            parts.append(f"ikg:mentionedIn ex:doc{rng.randrange(len(docs))}")
        if geonames is not None:
            mode = rng.randrange(6)
            prop = "skos:exactMatch" if mode in (0, 2) else "owl:sameAs"
            scheme = "https" if mode in (0, 1) else "http"
            gid = geonames if mode != 4 else geonames + 1
            if mode != 5:
                parts.append(f"{prop} <{scheme}://sws.geonames.org/{gid}/>")
        lines.append(f"{iri} " + " ;\n    ".join(parts) + " .")
        return iri

    for i in range(60):
        kind = rng.choice(list(TYPES))
        words = rng.sample(WORDS, 2)
        names = [f"{words[0].title()} {words[1]}-{i}"]
        if rng.random() < 0.4:
            names.append(f"{words[0][:3].upper()}{i}")
        eid = f"e{i}"
        geonames = 1000 + i if kind in ("City", "Country", "Place") and rng.random() < 0.8 else None
        entities[eid] = _entity(kind, *names, geonames=geonames)
        fate = rng.random()
        count = 0 if fate < 0.15 else 2 if fate > 0.85 else 1
        resources[eid] = []
        for _ in range(count):
            cls = rng.choice(TYPES[kind])
            used = rng.sample(names, rng.randint(1, len(names)))
            resources[eid].append(new_resource(eid, cls, used, geonames))
        if rng.random() < 0.1:  # same name, wrong type
            wrong = "Project" if kind != "Project" else "Person"
            new_resource(eid, wrong, names[:1], None)

    # places chained by locatedIn, through unannotated intermediate places
    relations: list[list[str]] = []
    properties = ["hasPartner", "locatedIn", "operatesIn", "participatedIn", "collaboratesWith",
                  "memberOf", "fundedBy"]  # fmt: skip
    ids = list(entities)
    for _ in range(90):
        s_id, o_id = rng.sample(ids, 2)
        prop = rng.choice(properties)
        relations.append([s_id, prop, o_id])
        subjects, objects = resources[s_id], resources[o_id]
        if not subjects or not objects:
            continue
        s, o = rng.choice(subjects), rng.choice(objects)
        # the symmetric and transitive properties get their special cases more often
        how = rng.choice([0, 3, 3, 4, 4, 6]) if prop in SPECIAL else rng.randrange(8)
        if how == 0:
            lines.append(f"{s} ikg:{prop} {o} .")
        elif how == 1 and prop == "hasPartner":
            lines.append(f"{s} {rng.choice(['ikg:coordinator', 'ikg:leads'])} {o} .")
        elif how == 1 and prop == "memberOf":
            lines.append(f"{s} ikg:memberOfBoard {o} .")
        elif how == 2 and prop == "hasPartner":
            lines.append(f"{o} ikg:partnerOf {s} .")
        elif how == 2 and prop == "participatedIn":
            lines.append(f"{o} ikg:hasParticipant {s} .")
        elif how == 3:
            counter += 1
            mid = f"ex:r{counter}"
            lines.append(f"{s} ikg:{prop} {mid} . {mid} a ikg:Place ; ikg:{prop} {o} .")
        elif how == 4:
            lines.append(f"{o} ikg:{prop} {s} .")
        elif how == 5:
            lines.append(f"{s} ikg:{prop} {rng.choice(sum(resources.values(), []))} .")
        # otherwise: not stated at all

    facts: list[list[str]] = []
    for i in range(20):
        eid = rng.choice(ids)
        prop = rng.choice(["date", "startDate", "projectNumber"])
        value = f"2019-{1 + i % 12:02d}-{10 + i}"
        facts.append([eid, prop, value])
        if not resources[eid]:
            continue
        s = rng.choice(resources[eid])
        how = rng.randrange(5)
        if how == 0:
            lines.append(f'{s} ikg:{prop} "{value}" .')
        elif how == 1:
            lines.append(f'{s} ikg:{prop} "{value}T09:30:00"^^xsd:dateTime .')
        elif how == 2:
            lines.append(f'{s} ikg:{prop} "x{value}" .')
        elif how == 3:
            lines.append(f'{s} ikg:other "{value}" .')

    also_ok = ["European Commission", "The Regional Office", "Open Doors: Stories"]
    for i in range(40):  # extra resources for precision
        counter += 1
        cls = rng.choice(["Project", "Organisation", "Person", "Event", "FundingProgramme",
                          "LocalAuthority", "Conference", "City"])  # fmt: skip
        parts = [f"a ikg:{cls}"]
        pick = rng.randrange(4)
        if pick == 0:
            parts.append(
                f"rdfs:label {json.dumps(_variant(rng, rng.choice(also_ok)), ensure_ascii=False)}"
            )
        elif pick == 1:
            parts.append(f'rdfs:label "Extra {rng.choice(WORDS)} {i}"')
            parts.append(f'skos:altLabel "Another {i}"')
        elif pick == 2:
            other = entities[rng.choice(ids)]["names"][0]
            parts.append(f"skos:altLabel {json.dumps(_variant(rng, other), ensure_ascii=False)}")
        for _ in range(rng.randrange(3)):
            parts.append(f"ikg:mentionedIn ex:doc{rng.randrange(len(docs))}")
        lines.append(f"ex:r{counter} " + " ;\n    ".join(parts) + " .")

    gold = {"entities": entities, "relations": relations, "facts": facts, "also_ok": also_ok}
    return gold, "\n".join(lines), docs


def _run_reference(gold_path: Path, export: Path, docs: list[str] | None) -> dict:
    """Run the reference scorer as a subprocess and parse its JSON output."""
    command = [sys.executable, str(REFERENCE_SCORER), str(gold_path), str(export)]
    if docs:
        command += ["--docs", *docs]
    done = subprocess.run(command, capture_output=True, check=True, encoding="utf-8", timeout=120)
    return json.loads(done.stdout)


def _assert_same_report(ours: dict, reference: dict) -> None:
    """Compare every key; lists compared sorted."""
    assert set(ours) == set(reference) == set(REPORT_KEYS)
    for key in REPORT_KEYS:
        mine, theirs = ours[key], reference[key]
        if isinstance(theirs, list):
            assert sorted(mine) == sorted(theirs), key
        else:
            assert mine == theirs, key


@pytest.mark.parametrize("seed", [7, 2024])
def test_agrees_with_the_reference_scorer(tmp_path: Path, seed: int) -> None:
    if not REFERENCE_SCORER.exists():
        pytest.skip(f"reference scorer not found at {REFERENCE_SCORER}")
    gold, turtle, docs = _random_case(seed)
    source = Graph().parse(data=turtle, format="turtle")
    assert 300 <= len(source) <= 2000

    # spread the triples over named graphs as an export would
    rng = random.Random(seed)
    dataset = Dataset()
    graphs = [
        dataset.graph(URIRef(f"{EX}graph/{name}")) for name in ("ontology", "doc", "inferred")
    ]
    for triple in source:
        target = (
            graphs[0]
            if triple[1] in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf)
            else rng.choice(graphs)
        )
        target.add(triple)
    export = tmp_path / "export.nq"
    dataset.serialize(destination=export, format="nquads")
    gold_path = tmp_path / "gold.yaml"
    gold_path.write_text(
        yaml.safe_dump(gold, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

    graph = load_graph_file(export)
    assert len(graph) == len(source)
    for selection in (docs[:2], None):
        ours = evaluate(load_gold(gold_path), graph, docs=selection)
        _assert_same_report(ours, _run_reference(gold_path, export, selection))
        assert ours == evaluate(gold, source, docs=selection)

    # the case exercises every rule
    full = evaluate(gold, graph)
    assert full["duplicates"] and full["geonames_missing"] and full["missing_entities"]
    assert full["missing_relations"] and full["missing_facts"] and full["unexpected_resources"]
    assert 0 < full["relation_recall"] < 1 and 0 < full["fact_recall"] < 1
    assert 0 < full["entity_precision"] < 1
    assert SKOS.exactMatch in set(graph.predicates()) and OWL.sameAs in set(graph.predicates())
    assert any(isinstance(o, Literal) and o.datatype == XSD.dateTime for o in graph.objects())
    assert DCTERMS.identifier in set(graph.predicates())
