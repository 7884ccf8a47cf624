"""Tests of kg.reasoning: both engines, the inferred graph in the store, explanations."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from benchmarks.reasoning_graph import generate, mini_ontology
from kg.errors import NotFoundError
from kg.namespaces import IKG
from kg.reasoning import (
    ReasoningError,
    explain,
    format_explanation,
    infer,
    is_ikg_triple,
    read_schema,
    update_inferred,
)
from kg.settings import load_settings
from kg.store import KGStore

EX = Namespace("https://w3id.org/integration-kg/resource/")
ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "integration.ttl"
ENGINES = ["fast", "owlrl"]

PREFIXES = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/integration-kg/resource/> .
@prefix project: <https://w3id.org/integration-kg/resource/project/> .
@prefix organisation: <https://w3id.org/integration-kg/resource/organisation/> .
@prefix place: <https://w3id.org/integration-kg/resource/place/> .
"""


def ttl(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def ikg_only(g: Graph) -> set:
    return {t for t in g if is_ikg_triple(t)}


# -- one axiom kind at a time -------------------------------------------------

AXIOM_CASES = {
    "subClassOf": (
        "ikg:City rdfs:subClassOf ikg:Place .",
        "ex:ghent a ikg:City .",
        {(EX.ghent, RDF.type, IKG.Place)},
    ),
    "subPropertyOf": (
        "ikg:coordinator rdfs:subPropertyOf ikg:hasPartner .",
        "ex:p ikg:coordinator ex:o .",
        {(EX.p, IKG.hasPartner, EX.o)},
    ),
    "inverseOf": (
        "ikg:hasPartner owl:inverseOf ikg:partnerIn .",
        "ex:p ikg:hasPartner ex:o . ex:o2 ikg:partnerIn ex:p .",
        {(EX.o, IKG.partnerIn, EX.p), (EX.p, IKG.hasPartner, EX.o2)},
    ),
    "transitive": (
        "ikg:locatedIn a owl:TransitiveProperty .",
        "ex:org ikg:locatedIn ex:city . ex:city ikg:locatedIn ex:region . "
        "ex:region ikg:locatedIn ex:country .",
        {(EX.org, IKG.locatedIn, EX.region), (EX.org, IKG.locatedIn, EX.country),
         (EX.city, IKG.locatedIn, EX.country)},
    ),
    "symmetric": (
        "ikg:collaboratesWith a owl:SymmetricProperty .",
        "ex:a ikg:collaboratesWith ex:b .",
        {(EX.b, IKG.collaboratesWith, EX.a)},
    ),
    "domain-range": (
        "ikg:fundedBy rdfs:domain ikg:Project ; rdfs:range ikg:FundingProgramme .",
        "ex:p ikg:fundedBy ex:cerv .",
        {(EX.p, RDF.type, IKG.Project), (EX.cerv, RDF.type, IKG.FundingProgramme)},
    ),
    "datatype-domain": (
        "ikg:projectNumber rdfs:domain ikg:Project .",
        'ex:p ikg:projectNumber "101" .',
        {(EX.p, RDF.type, IKG.Project)},
    ),
    "chain": (
        "ikg:operatesIn owl:propertyChainAxiom ( ikg:hasPartner ikg:locatedIn ) .",
        "ex:p ikg:hasPartner ex:o . ex:o ikg:locatedIn ex:city .",
        {(EX.p, IKG.operatesIn, EX.city)},
    ),
    "recursive-chain": (
        "ikg:participatedIn owl:propertyChainAxiom ( ikg:participatedIn ikg:subEventOf ) .",
        "ex:o ikg:participatedIn ex:w . ex:w ikg:subEventOf ex:conf . "
        "ex:conf ikg:subEventOf ex:festival .",
        {(EX.o, IKG.participatedIn, EX.conf), (EX.o, IKG.participatedIn, EX.festival)},
    ),
    "organiser-participates": (
        "ikg:organised owl:inverseOf ikg:organisedBy ; rdfs:subPropertyOf ikg:participatedIn .",
        "ex:e ikg:organisedBy ex:o .",
        {(EX.o, IKG.organised, EX.e), (EX.o, IKG.participatedIn, EX.e)},
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(AXIOM_CASES))
def test_each_axiom_kind(case: str, engine: str) -> None:
    onto_text, data_text, expected = AXIOM_CASES[case]
    inferred = infer(ttl(onto_text), ttl(data_text), engine=engine)
    assert set(inferred) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_chains_are_read_from_the_ontology(engine: str) -> None:
    """A made-up chain of three steps, one of them inverted, is honoured generically."""
    onto = ttl("""
        ikg:reaches owl:propertyChainAxiom ( ikg:a [ owl:inverseOf ikg:b ] ikg:c ) .
    """)
    data = ttl("ex:x ikg:a ex:y . ex:z ikg:b ex:y . ex:z ikg:c ex:w .")
    assert set(infer(onto, data, engine=engine)) == {(EX.x, IKG.reaches, EX.w)}
    chains = read_schema(onto).chains[IKG.reaches]
    assert chains == [((IKG.a, False), (IKG.b, True), (IKG.c, False))]


@pytest.mark.parametrize("engine", ENGINES)
def test_chain_result_feeds_other_axioms(engine: str) -> None:
    """A chain's conclusion goes on through sub-properties, inverses and range (fixpoint)."""
    onto = ttl("""
        ikg:operatesIn owl:propertyChainAxiom ( ikg:hasPartner ikg:locatedIn ) ;
            rdfs:subPropertyOf ikg:worksIn ; owl:inverseOf ikg:hostsProject ;
            rdfs:range ikg:Place .
        ikg:coordinator rdfs:subPropertyOf ikg:hasPartner .
        ikg:locatedIn a owl:TransitiveProperty .
    """)
    data = ttl("ex:p ikg:coordinator ex:o . ex:o ikg:locatedIn ex:c . ex:c ikg:locatedIn ex:n .")
    got = set(infer(onto, data, engine=engine))
    for t in [(EX.p, IKG.operatesIn, EX.n), (EX.p, IKG.worksIn, EX.n),
              (EX.n, IKG.hostsProject, EX.p), (EX.n, RDF.type, IKG.Place)]:
        assert t in got


@pytest.mark.parametrize("engine", ENGINES)
def test_no_noise_and_inputs_untouched(engine: str) -> None:
    onto = mini_ontology()
    onto += ttl("""
        ikg:Place rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ikg:locatedIn ;
                                    owl:allValuesFrom ikg:Place ] .
    """)
    data = ttl("""
        ex:p ikg:coordinator ex:o ; ikg:projectNumber "1" ; ikg:acronym "P"@en .
        ex:o ikg:locatedIn ex:c ; ikg:collaboratesWith ex:o2 .
        ex:c a ikg:City ; ikg:locatedIn ex:n .
        ex:e ikg:date "2023-01-02"^^xsd:date .
    """)
    data.add((BNode(), IKG.locatedIn, EX.c))
    before_onto, before_data = to_isomorphic(onto), to_isomorphic(data)
    n_onto, n_data = len(onto), len(data)
    inferred = infer(onto, data, engine=engine)
    assert len(onto) == n_onto and len(data) == n_data
    assert to_isomorphic(onto) == before_onto and to_isomorphic(data) == before_data
    onto_bnodes = {x for t in onto for x in t if isinstance(x, BNode)}
    for s, p, o in inferred:
        assert (s, p, o) not in data and (s, p, o) not in onto
        assert not isinstance(s, Literal)
        assert s not in onto_bnodes and o not in onto_bnodes
        assert not (p == OWL.sameAs and s == o)
        assert p not in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)
        if p == RDF.type:
            assert str(o).startswith(str(IKG)), (s, p, o)
        assert not str(s).startswith(str(IKG))
    assert (EX.p, IKG.operatesIn, EX.n) in inferred
    # a plain literal comes back as the same term, not as a new xsd:string copy
    assert not any(isinstance(o, Literal) for _, _, o in inferred)


def test_unknown_engine() -> None:
    with pytest.raises(ReasoningError):
        infer(Graph(), Graph(), engine="hermit")


# -- fast == owlrl ---------------------------------------------------------------

def test_fast_equals_owlrl_on_generated_graph() -> None:
    data = generate(2000, seed=7)
    assert 1900 <= len(data) <= 2100
    onto = mini_ontology()
    fast, ref = infer(onto, data, engine="fast"), infer(onto, data, engine="owlrl")
    assert ikg_only(fast) == ikg_only(ref)
    assert len(ikg_only(fast)) > 1000
    # every kind of derived fact is there
    preds = {p for _, p, _ in fast}
    assert {IKG.operatesIn, IKG.participatedIn, IKG.hasPartner, IKG.partnerIn,
            IKG.collaboratesWith, IKG.locatedIn, RDF.type} <= preds


@pytest.mark.skipif(not ONTOLOGY_FILE.exists(), reason="ontology/integration.ttl not written yet")
def test_fast_equals_owlrl_with_real_ontology() -> None:
    onto = Graph().parse(ONTOLOGY_FILE)
    data = generate(2000, seed=3)
    fast, ref = infer(onto, data, engine="fast"), infer(onto, data, engine="owlrl")
    assert ikg_only(fast) == ikg_only(ref)
    assert len(ikg_only(fast)) > 1000


def test_generator_is_seeded() -> None:
    a, b, c = generate(1500, seed=1), generate(1500, seed=1), generate(1500, seed=2)
    assert set(a) == set(b)
    assert set(a) != set(c)


# -- the store -------------------------------------------------------------------

def _store(tmp_path: Path) -> KGStore:
    store = KGStore(load_settings(store=tmp_path / "s"))
    m = store.minter
    store.replace_graphs({
        m.ontology_graph: mini_ontology(),
        m.document_graph("a.txt"): ttl("""
            project:p ikg:hasPartner organisation:o ; ikg:coordinator organisation:k .
            organisation:o ikg:locatedIn place:city .
        """),
        m.document_graph("b.txt"): ttl("""
            place:city ikg:locatedIn place:region .
            place:region ikg:locatedIn place:country .
            organisation:o ikg:collaboratesWith organisation:k .
        """),
    })
    return store


P, ORG, COORD = EX["project/p"], EX["organisation/o"], EX["organisation/k"]
CITY, REGION, COUNTRY = EX["place/city"], EX["place/region"], EX["place/country"]


@pytest.mark.parametrize("engine", ENGINES)
def test_update_inferred_on_disk(tmp_path: Path, engine: str) -> None:
    store = _store(tmp_path)
    asserted_before = set(store.quads("asserted"))
    stats = update_inferred(store, engine=engine)
    assert stats["engine"] == engine and stats["asserted"] == 6 and stats["mode"] == "full"
    assert isinstance(stats["seconds"], float)
    inferred = store.graph("inferred")
    assert stats["inferred"] == len(inferred)
    for t in [(P, IKG.operatesIn, CITY), (P, IKG.operatesIn, COUNTRY),
              (P, IKG.hasPartner, COORD), (ORG, IKG.locatedIn, COUNTRY),
              (COORD, IKG.collaboratesWith, ORG), (P, RDF.type, IKG.Project),
              (CITY, IKG.locatedIn, COUNTRY)]:
        assert t in inferred
    assert set(store.quads("asserted")) == asserted_before
    # rebuilt from scratch: removing a document removes what rested on it
    store.remove_graphs([store.minter.document_graph("b.txt")])
    update_inferred(store, engine=engine)
    inferred = store.graph("inferred")
    assert (P, IKG.operatesIn, CITY) in inferred
    assert (P, IKG.operatesIn, COUNTRY) not in inferred
    store.close()


def test_update_inferred_uses_settings_engine(tmp_path: Path) -> None:
    store = KGStore(load_settings(store=tmp_path / "s", reasoner="owlrl"))
    assert update_inferred(store)["engine"] == "owlrl"
    assert update_inferred(store)["inferred"] == 0
    store.close()


# -- explanations ----------------------------------------------------------------

def test_explain_operates_in(tmp_path: Path) -> None:
    store = _store(tmp_path)
    update_inferred(store)
    expl = explain(store, P, IKG.operatesIn, COUNTRY)
    assert not expl.asserted and expl.complete
    support = {f.triple: f.documents for f in expl.support}
    assert support == {
        (P, IKG.hasPartner, ORG): ("a-txt",),
        (ORG, IKG.locatedIn, CITY): ("a-txt",),
        (CITY, IKG.locatedIn, REGION): ("b-txt",),
        (REGION, IKG.locatedIn, COUNTRY): ("b-txt",),
    }
    m = store.minter
    graphs = {f.triple: f.graphs for f in expl.support}
    assert graphs[(P, IKG.hasPartner, ORG)] == (m.document_graph("a.txt"),)
    rules = [s.rule for s in expl.steps]
    assert rules == ["transitive", "propertyChain"]
    transitive, chain = expl.steps
    assert transitive.conclusion == (ORG, IKG.locatedIn, COUNTRY)
    assert transitive.via == (CITY, REGION)
    assert chain.via == (ORG,) and chain.conclusion == (P, IKG.operatesIn, COUNTRY)
    text = format_explanation(expl, store.settings.base_iri)
    assert "property chain" in text and "a-txt" in text and "b-txt" in text
    assert "organisation/o → place/city → place/region → place/country" in text
    store.close()


def test_explain_sub_property_inverse_and_domain(tmp_path: Path) -> None:
    store = _store(tmp_path)
    update_inferred(store)
    expl = explain(store, COORD, IKG.partnerIn, P)
    assert [s.rule for s in expl.steps] == ["subPropertyOf", "inverseOf"]
    assert [f.triple for f in expl.support] == [(P, IKG.coordinator, COORD)]
    expl = explain(store, ORG, IKG.collaboratesWith, COORD, max_depth=3)
    assert expl.asserted and expl.support[0].documents == ("b-txt",)
    expl = explain(store, COORD, IKG.collaboratesWith, ORG)
    assert [s.rule for s in expl.steps] == ["symmetric"]
    expl = explain(store, P, RDF.type, IKG.Project)
    assert expl.steps[-1].rule == "domain"
    assert expl.support and all(f.documents == ("a-txt",) for f in expl.support)
    expl = explain(store, CITY, RDF.type, IKG.Place)
    assert expl.steps[-1].rule in ("range", "subClassOf")
    store.close()


def test_explain_not_derivable(tmp_path: Path) -> None:
    store = _store(tmp_path)
    update_inferred(store)
    with pytest.raises(NotFoundError):
        explain(store, P, IKG.operatesIn, URIRef("https://example.org/nowhere"))
    with pytest.raises(NotFoundError):
        explain(store, COUNTRY, IKG.locatedIn, CITY)
    store.close()
