"""The default graph is a set: a query without GRAPH sees each triple once, however many document
graphs state it, after every kind of write (ingest, re-ingest, incremental reasoning, removal,
reset), for every `graphs` selector; GRAPH ?g still sees each graph that states a triple."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS
from test_ingest import fake_steps

from kg.ingest import ingest, remove_document, reset
from kg.namespaces import IKG
from kg.settings import Settings
from kg.store import KGStore

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
DISTINCT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"


def _n(store: KGStore, sparql: str, graphs: str = "all") -> int:
    return int(store.select(sparql, graphs=graphs)[0]["n"])


def _distinct_in(store: KGStore, selector: str) -> int:
    return len(set(store.triples(selector)))


def assert_a_set(store: KGStore) -> None:
    """COUNT(*) over the default graph equals the number of distinct triples, per selector."""
    assert _n(store, COUNT) == _n(store, DISTINCT) == _distinct_in(store, "all")
    for selector in ("documents", "asserted", "inferred", "ontology"):
        assert _n(store, COUNT, selector) == _distinct_in(store, selector), selector
    assert store.distinct_count() == _n(store, COUNT)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shared_triples_are_seen_once_through_add_reingest_remove(
    tmp_path: Path, settings: Settings
) -> None:
    # Three documents about the same project: its type and label are stated three times.
    paths = [_write(tmp_path / "in" / f"{n}.txt", f"OPENWAYS met {n}.") for n in "abc"]
    with KGStore(settings) as store:
        steps = fake_steps(store.minter)
        ingest(paths, settings, store=store, steps=steps)
        project = store.minter.resource("Project", "openways")
        assert_a_set(store)
        assert _n(store, COUNT) < store.count("all")  # the shared triples are counted once
        rows = store.select("SELECT ?p ?l WHERE { ?p rdfs:label ?l }", bindings={"p": project})
        assert [str(r["l"]) for r in rows] == ["OPENWAYS"]
        graphs = store.select("SELECT ?p ?g WHERE { GRAPH ?g { ?p a ikg:Project } }",
                              bindings={"p": project})
        assert len(graphs) == 3  # provenance: every graph that states it

        ingest(paths, settings, store=store, steps=steps)  # re-ingest: same content
        assert_a_set(store)
        _write(paths[0], "TANDEM met a.")  # re-ingest with other content
        ingest(paths[:1], settings, store=store, steps=steps)
        assert_a_set(store)
        assert store.ask("ASK { ?p rdfs:label 'TANDEM' }")

        remove_document(store, "b.txt")
        assert_a_set(store)
        assert store.ask("ASK { ?p rdfs:label 'OPENWAYS' }", bindings={"p": project})
        remove_document(store, "c.txt")  # the last document stating it
        assert_a_set(store)
        assert not store.ask("ASK { ?p ?x ?y }", bindings={"p": project})

        reset(store)
        assert _n(store, COUNT) == 0 and store.count("all") == 0


def test_store_writes_keep_the_union(settings: Settings) -> None:
    with KGStore(settings) as store:
        m = store.minter
        one, two = m.document_graph("one.txt"), m.document_graph("two.txt")
        thing = URIRef(f"{m.base}thing/x")
        shared = (thing, RDFS.label, Literal("x"))
        store.replace_graph(one, [shared, (thing, RDF.type, IKG.Project)])
        store.replace_graph(two, [shared])
        assert_a_set(store)
        store.patch_graph(one, remove=[shared])
        assert store.ask("ASK { ?s rdfs:label 'x' }")  # still stated by two
        store.patch_graph(two, remove=[shared], add=[(thing, RDFS.label, Literal("y"))])
        assert not store.ask("ASK { ?s rdfs:label 'x' }")
        assert_a_set(store)
        store.write(replace={one: [shared]}, patch={m.inferred_graph: ([(thing, RDF.type, IKG.Agent)], [])})
        assert_a_set(store)
        store.remove_graphs([one, two])
        assert _n(store, COUNT) == 1  # the inferred triple
        assert_a_set(store)


def test_a_store_written_before_the_union_gets_it_when_opened(settings: Settings) -> None:
    # Document graphs written straight into pyoxigraph, as earlier versions left them.
    with KGStore(settings) as store:
        m = store.minter
        path = store.path
    raw = ox.Store(str(path))
    quad = (ox.NamedNode(f"{m.base}thing/x"), ox.NamedNode(str(RDFS.label)), ox.Literal("x"))
    raw.extend([ox.Quad(*quad, ox.NamedNode(str(m.document_graph(n)))) for n in ("a", "b")])
    raw.flush()
    del raw
    with KGStore(settings) as store:
        assert _n(store, COUNT) == 1 and store.count("all") == 2
        assert_a_set(store)
