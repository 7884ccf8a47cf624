"""Property: whatever text comes in, extraction → resolution → triples gives valid RDF that
round-trips through N-Quads and Turtle, goes into the store, and conforms to the SHACL shapes.

Texts mix random Unicode, random words and recombined genre fragments (dates with a
"presents", "Municipality of X", "Project acronym: X", quotes, brackets). Bounded: 40 examples.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_pipeline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from kg.documents import _normalise
from kg.model import Document
from kg.settings import load_settings

WORDS = [
    "the", "project", "partners", "city", "migrants", "refugees", "integration", "met", "in", "of", "and",
    "funded", "by", "coordinated", "workshop", "conference", "Madrid", "Athens", "Milan", "Berlin", "Spain",
    "AMIF", "Erasmus+", "Interreg", "Council", "Association", "University", "Foundation", "NGO", "webinar",
    "presents", "launched", "with", "for", "2021", "2023", "January", "March", "Ms.", "Dr.", "Mayor",
]
NAMES = st.one_of(
    st.sampled_from(["OPENWAYS", "CONNECT4ALL", "Open Spaces", "Red Cross", "Madrid", "Città di Bari",
                     "Ñandú", "Łódź", "Ελλάδα", "АМІФ", "X", "A&B", "<tag>", 'Q"uote', "back\\slash",
                     "semi;colon", "url http://a b", "#hash", "%20", "{brace}", "`tick`"]),
    st.text(alphabet=string.ascii_letters + "ÀÉÎõüçß -'&./()0123456789", min_size=1, max_size=20),
    st.text(min_size=1, max_size=12).filter(lambda t: t.strip() != ""),
)
DATES = st.tuples(st.integers(0, 35), st.integers(0, 14), st.integers(1890, 2150)).map(
    lambda d: f"{d[0]:02d}.{d[1]:02d}.{d[2]}")
FRAGMENTS = st.one_of(
    st.builds(lambda d, x: f"{d} – {x} presents", DATES, NAMES),
    st.builds(lambda d, x: f"{d} - {x} presents the results", DATES, NAMES),
    st.builds("Municipality of {}".format, NAMES),
    st.builds("Project acronym: {}".format, NAMES),
    st.builds("Project title: {}".format, NAMES),
    st.builds("Coordinator: {}".format, NAMES),
    st.builds("Partners: {}, {} and {}".format, NAMES, NAMES, NAMES),
    st.builds("“{}”".format, NAMES),
    st.builds('"{}"'.format, NAMES),
    st.builds("({})".format, NAMES),
    st.builds("[{}]".format, NAMES),
    st.builds("{} project, funded by {}".format, NAMES, NAMES),
    st.builds("{}, mayor of {}, said".format, NAMES, NAMES),
)
UNICODE = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\t"), max_size=60)
PIECE = st.one_of(FRAGMENTS, FRAGMENTS, st.sampled_from(WORDS), UNICODE)
TEXTS = st.lists(
    st.tuples(PIECE, st.sampled_from([" ", " ", "\n", ". ", ", ", "\n\n"])), min_size=1, max_size=14,
).map(lambda parts: "".join(p + sep for p, sep in parts))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """The real spaCy pipeline, a minter and the ontology, once for the module."""
    require_pipeline()
    from test_reliability import gazetteer_cache

    from kg.extract.nlp import load_pipeline
    from kg.namespaces import Minter
    from kg.validation import load_ontology

    cache = gazetteer_cache(tmp_path_factory.mktemp("property") / "cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KG_CACHE_DIR", str(cache))
        base = load_settings(Path("unused"), cache_dir=cache)
        yield load_pipeline(base.spacy_model), Minter(base.base_iri), load_ontology(), base


def _triples(text: str, pipeline: tuple) -> list[tuple]:
    from kg.extract.pipeline import extract_document
    from kg.resolve import Resolver
    from kg.triples import document_triples

    nlp, minter, _, base = pipeline
    document = Document(id="property.txt", text=text, path="property.txt", title=text.split("\n")[0][:80])
    extraction = extract_document(document, nlp)
    resolved = Resolver(minter=minter).resolve(extraction)
    return document_triples(resolved, minter, threshold=base.confidence_threshold)


def _check(triples: list[tuple], pipeline: tuple) -> None:
    """Valid RDF: round trips, strict IRIs (the store's parser), SHACL conformance."""
    from kg.store import KGStore
    from kg.validation import validate_graph

    _, minter, ontology, base = pipeline
    for triple in triples:
        assert all(isinstance(t, URIRef | Literal | BNode) for t in triple), triple
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    assert not any(isinstance(t, BNode) for triple in graph for t in triple)
    graph_iri = minter.document_graph("property.txt")
    dataset = Dataset()
    named = dataset.graph(graph_iri)
    for triple in graph:
        named.add(triple)
    back = Dataset()
    back.parse(data=dataset.serialize(format="nquads"), format="nquads")
    assert set(back.graph(graph_iri)) == set(graph)
    turtle = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert set(turtle) == set(graph)
    with KGStore(base, in_memory=True) as store:  # pyoxigraph refuses invalid IRIs and literals
        store.replace_graph(graph_iri, graph)
        assert store.count(str(graph_iri)) == len(graph)
    conforms, report = validate_graph(graph, ontology=ontology)
    assert conforms, report


@pytest.mark.slow
@settings(max_examples=40, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=TEXTS)
def test_any_text_gives_valid_conforming_rdf(raw: str, pipeline: tuple) -> None:
    text = _normalise(raw)
    if not text.strip():
        return  # read_document refuses documents without text before extraction
    _check(_triples(text, pipeline), pipeline)


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "12.03.2022 – OPENWAYS presents\nMunicipality of Madrid\nProject acronym: OPENWAYS",
    "Project acronym: “A&B” [X] (Ñandú)\n31.14.2150 – <tag> presents",
    'Partners: Q"uote, back\\slash and url http://a b\nCoordinator: {brace}',
])
def test_known_tricky_texts(text: str, pipeline: tuple) -> None:
    _check(_triples(text, pipeline), pipeline)
