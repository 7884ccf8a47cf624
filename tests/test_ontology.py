"""The ontology, theme scheme and SHACL shapes: terms, OWL 2 RL inferences, validation."""

from __future__ import annotations

import owlrl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from kg.namespaces import IKG, THEME
from kg.validation import load_ontology, ontology_path, validate_graph

# The core vocabulary of ontology-core.md (a public contract: exact local names).
CORE_CLASSES = [
    "Project",
    "Organisation",
    "LocalAuthority",
    "NGO",
    "InternationalOrganisation",
    "PublicBody",
    "ResearchOrganisation",
    "Person",
    "Place",
    "City",
    "Region",
    "Country",
    "Activity",
    "Event",
    "FundingProgramme",
    "Document",
    "Theme",
]
CORE_PROPERTIES = [
    "hasPartner",
    "partnerIn",
    "coordinator",
    "locatedIn",
    "operatesIn",
    "fundedBy",
    "projectNumber",
    "participatedIn",
    "participant",
    "organisedBy",
    "subEventOf",
    "activityOf",
    "memberOf",
    "collaboratesWith",
    "date",
    "startDate",
    "endDate",
    "hasTheme",
    "mentionedIn",
    "acronym",
]
INVERSES = {
    "hasPartner": "partnerIn",
    "coordinator": "coordinatorOf",
    "participatedIn": "participant",
    "organisedBy": "organised",
    "activityOf": "hasActivity",
    "subEventOf": "hasSubEvent",
    "memberOf": "hasMember",
    "fundedBy": "funds",
    "mentionedIn": "mentions",
}
EXTENSION_PROPERTIES = [
    "confidence",
    "extractedBy",
    "countryCode",
    "population",
    "eventCategory",
    "degreeCentrality",
    "betweennessCentrality",
    "community",
]

R = "https://w3id.org/integration-kg/resource/"
PREFIXES = f"""
@prefix ikg: <{IKG}> . @prefix r: <{R}> . @prefix theme: <{THEME}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix itsrdf: <http://www.w3.org/2005/11/its/rdf#> .
"""

# Facts as extraction asserts them (no inferred triples).
INSTANCES = (
    PREFIXES
    + """
r:project\\/tandem a ikg:Project ; ikg:coordinator r:organisation\\/civita ;
    ikg:hasPartner r:organisation\\/tierra ; ikg:operatesIn r:place\\/cork .
r:project\\/openways a ikg:Project .
r:organisation\\/civita a ikg:NGO .
r:organisation\\/tierra a ikg:NGO ; ikg:locatedIn r:place\\/bilbao ;
    ikg:collaboratesWith r:organisation\\/barakaldo .
r:organisation\\/barakaldo a ikg:LocalAuthority .
r:organisation\\/forum a ikg:PublicBody .
r:place\\/bilbao a ikg:City ; ikg:locatedIn r:place\\/basque-country .
r:place\\/basque-country a ikg:Region ; ikg:locatedIn r:place\\/spain .
r:place\\/spain a ikg:Country .
r:place\\/cork a ikg:City ; ikg:locatedIn r:place\\/ireland .
r:place\\/ireland a ikg:Country .
r:place\\/split a ikg:City ; ikg:locatedIn r:place\\/croatia .
r:place\\/croatia a ikg:Country .
r:event\\/open-cities a ikg:Event ; ikg:organisedBy r:organisation\\/forum .
r:event\\/voices-matter a ikg:Event ; ikg:subEventOf r:event\\/open-cities .
r:person\\/eva a ikg:Person ; ikg:participatedIn r:event\\/voices-matter ;
    ikg:memberOf r:organisation\\/lwc .
r:organisation\\/lwc a ikg:NGO .
r:activity\\/storymap a ikg:Activity ; ikg:activityOf r:project\\/openways ;
    ikg:locatedIn r:place\\/split ; ikg:date "2021-05"^^xsd:gYearMonth .
r:person\\/eva ikg:mentionedIn r:document\\/doc-003 .
"""
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def closure(ontology: Graph) -> Graph:
    graph = Graph()
    graph += ontology
    graph.parse(data=INSTANCES, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def r(path: str) -> URIRef:
    return URIRef(R + path)


# --- terms -------------------------------------------------------------------


def test_files_parse() -> None:
    for name in ("integration.ttl", "themes.ttl", "shapes.ttl"):
        assert len(Graph().parse(ontology_path(name), format="turtle")) > 50


def test_ontology_header(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/integration-kg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(header, DCTERMS.license) == URIRef(
        "https://www.apache.org/licenses/LICENSE-2.0"
    )
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        assert ontology.value(header, prop) is not None


def _has_en(graph: Graph, term: URIRef, prop: URIRef) -> bool:
    return any(isinstance(v, Literal) and v.language == "en" for v in graph.objects(term, prop))


@pytest.mark.parametrize("name", CORE_CLASSES)
def test_core_class(ontology: Graph, name: str) -> None:
    term = IKG[name]
    assert (term, RDF.type, OWL.Class) in ontology
    assert _has_en(ontology, term, RDFS.label)
    assert _has_en(ontology, term, RDFS.comment)


@pytest.mark.parametrize(
    "name", CORE_PROPERTIES + sorted(set(INVERSES.values())) + EXTENSION_PROPERTIES
)
def test_property(ontology: Graph, name: str) -> None:
    term = IKG[name]
    kinds = set(ontology.objects(term, RDF.type))
    assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}
    assert _has_en(ontology, term, RDFS.label)
    assert _has_en(ontology, term, RDFS.comment)


def test_every_ikg_term_is_documented(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(str(IKG))}
    for term in terms:
        assert _has_en(ontology, term, RDFS.label), term
        assert _has_en(ontology, term, RDFS.comment), term


def test_axioms(ontology: Graph) -> None:
    subclasses = {
        "LocalAuthority": "Organisation",
        "NGO": "Organisation",
        "InternationalOrganisation": "Organisation",
        "PublicBody": "Organisation",
        "ResearchOrganisation": "Organisation",
        "City": "Place",
        "Region": "Place",
        "Country": "Place",
        "Event": "Activity",
    }
    for sub, sup in subclasses.items():
        assert (IKG[sub], RDFS.subClassOf, IKG[sup]) in ontology
    assert (IKG.locatedIn, RDF.type, OWL.TransitiveProperty) in ontology
    assert (IKG.collaboratesWith, RDF.type, OWL.SymmetricProperty) in ontology
    assert (IKG.coordinator, RDFS.subPropertyOf, IKG.hasPartner) in ontology
    assert (IKG.organised, RDFS.subPropertyOf, IKG.participatedIn) in ontology
    for prop, inverse in INVERSES.items():
        assert (IKG[prop], OWL.inverseOf, IKG[inverse]) in ontology
    assert (IKG.acronym, RDFS.subPropertyOf, SKOS.altLabel) in ontology


def test_alignments(ontology: Graph) -> None:
    expected = {
        "Project": [
            "http://xmlns.com/foaf/0.1/Project",
            "https://schema.org/Project",
            "http://www.w3.org/ns/prov#Activity",
        ],
        "Organisation": [
            "http://www.w3.org/ns/org#Organization",
            "https://schema.org/Organization",
            "http://xmlns.com/foaf/0.1/Organization",
        ],
        "Person": ["http://xmlns.com/foaf/0.1/Person", "https://schema.org/Person"],
        "Place": [
            "https://schema.org/Place",
            "http://www.w3.org/2003/01/geo/wgs84_pos#SpatialThing",
        ],
        "Activity": ["http://www.w3.org/ns/prov#Activity"],
        "Event": ["https://schema.org/Event"],
        "FundingProgramme": ["https://schema.org/Grant"],
        "Document": ["http://xmlns.com/foaf/0.1/Document", "http://www.w3.org/ns/prov#Entity"],
        "Theme": [str(SKOS.Concept)],
    }
    for name, supers in expected.items():
        for sup in supers:
            assert (IKG[name], RDFS.subClassOf, URIRef(sup)) in ontology, (name, sup)
    assert not list(ontology.triples((None, OWL.equivalentClass, None)))


def test_no_union_domains(ontology: Graph) -> None:
    """Domains and ranges are named classes: no anonymous types in the reasoner's output."""
    for prop in (RDFS.domain, RDFS.range):
        for value in ontology.objects(None, prop):
            assert isinstance(value, URIRef)


# --- OWL 2 RL inferences -----------------------------------------------------


def test_transitive_located_in(closure: Graph) -> None:
    assert (r("place/bilbao"), IKG.locatedIn, r("place/spain")) in closure
    assert (r("organisation/tierra"), IKG.locatedIn, r("place/spain")) in closure


def test_symmetric_collaborates_with(closure: Graph) -> None:
    assert (r("organisation/barakaldo"), IKG.collaboratesWith, r("organisation/tierra")) in closure


def test_coordinator_is_partner(closure: Graph) -> None:
    assert (r("project/tandem"), IKG.hasPartner, r("organisation/civita")) in closure
    assert (r("organisation/civita"), IKG.coordinatorOf, r("project/tandem")) in closure


def test_inverses(closure: Graph) -> None:
    assert (r("organisation/tierra"), IKG.partnerIn, r("project/tandem")) in closure
    assert (r("organisation/civita"), IKG.partnerIn, r("project/tandem")) in closure
    assert (r("event/open-cities"), IKG.hasSubEvent, r("event/voices-matter")) in closure
    assert (r("organisation/lwc"), IKG.hasMember, r("person/eva")) in closure
    assert (r("project/openways"), IKG.hasActivity, r("activity/storymap")) in closure
    assert (r("document/doc-003"), IKG.mentions, r("person/eva")) in closure
    assert (r("organisation/forum"), IKG.organised, r("event/open-cities")) in closure


def test_operates_in_through_partner(closure: Graph) -> None:
    assert (r("project/tandem"), IKG.operatesIn, r("place/bilbao")) in closure
    assert (r("project/tandem"), IKG.operatesIn, r("place/basque-country")) in closure
    assert (r("project/tandem"), IKG.operatesIn, r("place/spain")) in closure


def test_operates_in_through_stated_place(closure: Graph) -> None:
    assert (r("project/tandem"), IKG.operatesIn, r("place/ireland")) in closure


def test_operates_in_through_activity(closure: Graph) -> None:
    assert (r("project/openways"), IKG.operatesIn, r("place/split")) in closure
    assert (r("project/openways"), IKG.operatesIn, r("place/croatia")) in closure


def test_organiser_participates(closure: Graph) -> None:
    assert (r("organisation/forum"), IKG.participatedIn, r("event/open-cities")) in closure
    assert (r("event/open-cities"), IKG.participant, r("organisation/forum")) in closure


def test_participation_in_sub_event(closure: Graph) -> None:
    assert (r("person/eva"), IKG.participatedIn, r("event/open-cities")) in closure
    assert (r("event/open-cities"), IKG.participant, r("person/eva")) in closure


def test_subclass_typing(closure: Graph) -> None:
    assert (r("organisation/tierra"), RDF.type, IKG.Organisation) in closure
    assert (r("place/bilbao"), RDF.type, IKG.Place) in closure
    assert (r("event/open-cities"), RDF.type, IKG.Activity) in closure
    assert (r("document/doc-003"), RDF.type, IKG.Document) in closure


def test_no_unwanted_types(closure: Graph) -> None:
    person = r("person/eva")
    types = set(closure.objects(person, RDF.type))
    assert IKG.Person in types
    assert not types & {IKG.Organisation, IKG.Place, IKG.Project, IKG.Activity}
    assert IKG.Person not in set(closure.objects(r("organisation/forum"), RDF.type))
    assert IKG.Organisation not in set(closure.objects(r("place/bilbao"), RDF.type))
    assert IKG.Activity not in set(closure.objects(r("project/tandem"), RDF.type))
    # Organisations, places and activities get no anonymous (union) types.
    for node in (person, r("organisation/tierra"), r("place/bilbao"), r("event/open-cities")):
        assert not any(isinstance(t, BNode) for t in closure.objects(node, RDF.type)), node


# --- themes ------------------------------------------------------------------


def test_theme_scheme(ontology: Graph) -> None:
    scheme = THEME.scheme
    assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
    concepts = set(ontology.subjects(SKOS.inScheme, scheme))
    assert len(concepts) >= 9
    slugs = {str(c).rsplit("/", 1)[-1] for c in concepts}
    assert {"employment", "education", "housing", "health", "language"} <= slugs
    for concept in concepts:
        assert (concept, RDF.type, IKG.Theme) in ontology
        assert (concept, RDF.type, SKOS.Concept) in ontology
        assert (concept, SKOS.topConceptOf, scheme) in ontology
        assert (scheme, SKOS.hasTopConcept, concept) in ontology
        assert _has_en(ontology, concept, SKOS.prefLabel), concept
        assert _has_en(ontology, concept, SKOS.definition), concept
        keywords = [str(k) for k in ontology.objects(concept, SKOS.hiddenLabel)]
        assert len(keywords) >= 8, concept
        assert all(k == k.lower().strip() for k in keywords), concept


# --- SHACL -------------------------------------------------------------------

DOC = R + "document/doc-003"
VALID = (
    PREFIXES
    + f"""
r:project\\/openways a ikg:Project ; rdfs:label "OPENWAYS" ; ikg:acronym "OPENWAYS" ;
    ikg:hasPartner r:organisation\\/lwc ; ikg:coordinator r:organisation\\/lwc ;
    ikg:fundedBy r:programme\\/horizon-europe ; ikg:projectNumber "101098765" ;
    ikg:operatesIn r:place\\/leiden ; ikg:hasTheme theme:education ;
    ikg:startDate "2021"^^xsd:gYear ; ikg:mentionedIn <{DOC}> .
r:programme\\/horizon-europe a ikg:FundingProgramme ; rdfs:label "Horizon Europe" .
r:organisation\\/lwc a ikg:NGO ; rdfs:label "Leiden Welcome Centre"@en ;
    skos:altLabel "LWC" ; ikg:locatedIn r:place\\/leiden .
r:person\\/eva a ikg:Person ; rdfs:label "Eva Janssens" ;
    ikg:memberOf r:organisation\\/lwc ; ikg:participatedIn r:event\\/open-cities .
r:place\\/leiden a ikg:City ; rdfs:label "Leiden" ;
    geo:lat "52.15833"^^xsd:decimal ; geo:long "4.49306"^^xsd:decimal ;
    skos:exactMatch <http://sws.geonames.org/2751773/> ; ikg:countryCode "NL" ;
    ikg:population 119713 ; ikg:locatedIn r:place\\/netherlands .
r:place\\/netherlands a ikg:Country ; rdfs:label "Netherlands" .
r:event\\/open-cities a ikg:Event ; rdfs:label "Open Cities" ; ikg:date "2021-05-18"^^xsd:date ;
    ikg:eventCategory "conference" ; ikg:organisedBy r:organisation\\/lwc ;
    ikg:locatedIn r:place\\/leiden ; ikg:activityOf r:project\\/openways .
r:event\\/workshop a ikg:Event ; rdfs:label "workshop — Open Cities" ;
    ikg:subEventOf r:event\\/open-cities ; ikg:startDate "2021-05"^^xsd:gYearMonth .
<{DOC}> a ikg:Document ; dcterms:identifier "003_0a1b2c3d4e5f6a7b.txt" .
r:statement\\/abc a rdf:Statement ;
    rdf:subject r:project\\/openways ; rdf:predicate ikg:hasPartner ;
    rdf:object r:organisation\\/lwc ;
    prov:wasDerivedFrom <{DOC}#char=10,40> ;
    ikg:extractedBy "partner-list" ; ikg:confidence "0.9"^^xsd:decimal .
<{DOC}#char=10,40> a nif:String , nif:Sentence ;
    nif:referenceContext <{DOC}#char=0,100> ;
    nif:beginIndex "10"^^xsd:integer ; nif:endIndex "40"^^xsd:integer ;
    nif:anchorOf "OPENWAYS partners include LWC." .
<{DOC}#char=35,38> a nif:String , nif:Phrase ;
    nif:referenceContext <{DOC}#char=0,100> ;
    nif:beginIndex "35"^^xsd:integer ; nif:endIndex "38"^^xsd:integer ;
    nif:anchorOf "LWC" ; itsrdf:taIdentRef r:organisation\\/lwc .
<{DOC}#char=0,100> a nif:String , nif:Context ; nif:isString "..." ; nif:sourceUrl <{DOC}> .
"""
)


def _valid() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def test_shapes_conform_on_valid_graph() -> None:
    conforms, report = validate_graph(_valid())
    assert conforms, report


def test_shapes_accept_a_dataset() -> None:
    dataset = Dataset()
    dataset.graph(URIRef(R + "graph/document/doc-003")).parse(data=VALID, format="turtle")
    conforms, report = validate_graph(dataset)
    assert conforms, report


PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
# case -> (triple pattern removed, fragment of the expected message)
BROKEN = {
    "missing label": ((r("organisation/lwc"), RDFS.label, None), "at least one rdfs:label"),
    "statement without derivation": (
        (r("statement/abc"), PROV_DERIVED, None),
        "at least one prov:wasDerivedFrom",
    ),
    "document without identifier": ((URIRef(DOC), DCTERMS.identifier, None), "dcterms:identifier"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_shapes_fail_on_missing_values(case: str) -> None:
    graph = _valid()
    pattern, message = BROKEN[case]
    graph.remove(pattern)
    conforms, report = validate_graph(graph)
    assert not conforms, case
    assert message in report


GEO_LAT = URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#lat")
NIF_BEGIN = URIRef("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#beginIndex")
# case -> (triple set on the valid graph, fragment of the expected message)
CHANGED = {
    "lat as string": ((r("place/leiden"), GEO_LAT, Literal("52.15833")), "geo:lat must be"),
    "lat out of range": (
        (r("place/leiden"), GEO_LAT, Literal("142.5", datatype=XSD.decimal)),
        "geo:lat must be",
    ),
    "date as string": (
        (r("event/open-cities"), IKG.date, Literal("18 May 2021")),
        "ikg:date must be",
    ),
    "confidence as double": (
        (r("statement/abc"), IKG.confidence, Literal(0.9)),
        "ikg:confidence must be",
    ),
    "begin index negative": (
        (URIRef(DOC + "#char=10,40"), NIF_BEGIN, Literal(-1)),
        "nif:beginIndex must be",
    ),
    "begin after end": (
        (URIRef(DOC + "#char=10,40"), NIF_BEGIN, Literal(50, datatype=XSD.integer)),
        "not after nif:endIndex",
    ),
    "exactMatch as literal": (
        (r("place/leiden"), SKOS.exactMatch, Literal("2751773")),
        "skos:exactMatch must be",
    ),
    "partner is a programme": (
        (r("project/openways"), IKG.hasPartner, r("programme/horizon-europe")),
        "A funding programme must not also be an organisation",
    ),
    "person used as an organisation": (
        (r("project/openways"), IKG.hasPartner, r("person/eva")),
        "A person must not also be an organisation",
    ),
    "theme outside the scheme": (
        (r("project/openways"), IKG.hasTheme, THEME["astrology"]),
        "theme:astrology",
    ),
    "country code lower case": ((r("place/leiden"), IKG.countryCode, Literal("nl")), "ISO 3166"),
}


@pytest.mark.parametrize("case", sorted(CHANGED))
def test_shapes_fail_on_wrong_values(case: str) -> None:
    graph = _valid()
    triple, message = CHANGED[case]
    graph.set(triple)
    conforms, report = validate_graph(graph)
    assert not conforms, case
    assert message in report, report


def test_two_dates_violate() -> None:
    graph = _valid()
    graph.add((r("event/open-cities"), IKG.date, Literal("2021-05", datatype=XSD.gYearMonth)))
    conforms, report = validate_graph(graph)
    assert not conforms
    assert "at most one ikg:date" in report


def test_validation_leaves_the_cached_ontology_alone() -> None:
    before = len(load_ontology())
    validate_graph(_valid())
    assert len(load_ontology()) == before
