"""The scoped update of the inferred graph equals a full recompute, step after step.

Random sequences of document additions, replacements and removals over generated graphs: after
each step `update_inferred(store, changed=..., previous=...)` must leave exactly the inferred
graph that a full recompute gives (fast engine), and once the ikg: triples owlrl gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from benchmarks.reasoning_graph import generate, mini_ontology
from kg.namespaces import IKG
from kg.reasoning import (
    _infer_fast,
    _infer_set,
    _keep,
    infer,
    is_ikg_triple,
    scoped_delta,
    update_inferred,
)
from kg.settings import load_settings
from kg.store import KGStore

EX = Namespace("https://w3id.org/integration-kg/resource/")
ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "integration.ttl"

Triple = tuple


def _new_store(tmp_path: Path, ontology: Graph) -> KGStore:
    store = KGStore(load_settings(store=tmp_path / "s"), in_memory=True)
    store.replace_graph(store.minter.ontology_graph, ontology)
    return store


def _full(store: KGStore) -> set[Triple]:
    """The inferred graph a full recompute gives for what the store holds now."""
    return _infer_set(list(store.triples("ontology")), set(store.triples("documents")), "fast")


def _stored(store: KGStore) -> set[Triple]:
    return set(store.triples("inferred"))


class _Docs:
    """Random documents over a pool of generated triples that share their resources."""

    def __init__(self, seed: int, size: int) -> None:
        self.rng = random.Random(seed)
        pool = sorted(generate(size, seed=seed)) + sorted(generate(size // 2, seed=seed + 1))
        self.rng.shuffle(pool)
        self.pool = pool

    def sample(self, k: int) -> list[Triple]:
        return self.rng.sample(self.pool, k)


def _apply(store: KGStore, graph: URIRef, content: list[Triple] | None) -> dict[str, object]:
    """Write (or drop) one document graph, then update the inferred graph in scope."""
    previous = {graph: list(store.triples(str(graph)))} if store.has_graph(graph) else {}
    if content is None:
        store.remove_graphs([graph])
    else:
        store.replace_graph(graph, content)
    return update_inferred(store, changed=[graph], previous=previous)


def _random_walk(store: KGStore, docs: _Docs, steps: int, rng: random.Random) -> list[str]:
    """Random adds / replaces / removes; the stored graph must equal a full recompute each time."""
    m = store.minter
    names: list[URIRef] = []
    modes: list[str] = []
    for i in range(steps):
        op = rng.choice(["add", "add", "replace", "remove"]) if names else "add"
        if op == "add":
            graph = m.document_graph(f"doc-{i}.txt")
            names.append(graph)
            content: list[Triple] | None = docs.sample(rng.randint(20, 120))
        elif op == "replace":
            graph = rng.choice(names)
            old = list(store.triples(str(graph)))
            keep = rng.sample(old, len(old) // 2)
            content = keep + docs.sample(rng.randint(5, 60))
        else:
            graph = rng.choice(names)
            names.remove(graph)
            content = None
        stats = _apply(store, graph, content)
        modes.append(str(stats["mode"]))
        stored, full = _stored(store), _full(store)
        assert stored == full, (i, op, stats, sorted(stored - full)[:3], sorted(full - stored)[:3])
    return modes


@pytest.mark.parametrize("ontology", ["mini", "real"])
@pytest.mark.parametrize("seed", [1, 2])
def test_random_sequences_equal_full_recompute(tmp_path: Path, ontology: str, seed: int) -> None:
    onto = mini_ontology() if ontology == "mini" else Graph().parse(ONTOLOGY_FILE)
    store = _new_store(tmp_path, onto)
    docs = _Docs(seed, 1500)
    m = store.minter
    # a starting store of a few documents, brought up to date in full
    store.replace_graphs({m.document_graph(f"base-{k}.txt"): docs.sample(150) for k in range(4)})
    assert update_inferred(store)["mode"] == "full"
    modes = _random_walk(store, docs, 10, random.Random(seed))
    assert modes.count("scoped") >= 8, modes
    store.close()


def test_scoped_update_matches_owlrl_on_a_small_case(tmp_path: Path) -> None:
    store = _new_store(tmp_path, mini_ontology())
    docs = _Docs(5, 600)
    store.replace_graph(store.minter.document_graph("base.txt"), docs.sample(200))
    update_inferred(store)
    modes = _random_walk(store, docs, 5, random.Random(5))
    assert "scoped" in modes
    reference = infer(store.graph("ontology"), store.graph("documents"), engine="owlrl")
    stored = {t for t in _stored(store) if is_ikg_triple(t)}
    assert stored == {t for t in reference if is_ikg_triple(t)}
    assert stored
    store.close()


P, ORG, CITY = EX["project/p"], EX["organisation/o"], EX["place/city"]
REGION, COUNTRY = EX["place/region"], EX["place/country"]


def _doc_store(tmp_path: Path) -> KGStore:
    store = _new_store(tmp_path, mini_ontology())
    m = store.minter
    store.replace_graphs({
        m.document_graph("a.txt"): [(P, IKG.hasPartner, ORG), (ORG, IKG.locatedIn, CITY)],
        m.document_graph("b.txt"): [(CITY, IKG.locatedIn, REGION),
                                    (REGION, IKG.locatedIn, COUNTRY),
                                    (ORG, IKG.locatedIn, CITY)],
    })
    update_inferred(store)
    return store


def test_shared_and_derivable_asserted_facts(tmp_path: Path) -> None:
    """A fact asserted twice stays asserted; an asserted fact still derivable becomes inferred."""
    store = _doc_store(tmp_path)
    m = store.minter
    a, b = m.document_graph("a.txt"), m.document_graph("b.txt")
    stats = _apply(store, b, [(CITY, IKG.locatedIn, REGION), (REGION, IKG.locatedIn, COUNTRY)])
    assert stats["mode"] == "scoped"
    assert (ORG, IKG.locatedIn, CITY) not in _stored(store)  # still asserted by a.txt
    assert _stored(store) == _full(store)
    # asserting what was inferred takes it out of the inferred graph ...
    assert (ORG, IKG.locatedIn, COUNTRY) in _stored(store)
    _apply(store, a, [(P, IKG.hasPartner, ORG), (ORG, IKG.locatedIn, CITY),
                      (ORG, IKG.locatedIn, COUNTRY)])
    assert (ORG, IKG.locatedIn, COUNTRY) not in _stored(store)
    assert _stored(store) == _full(store)
    # ... and dropping that assertion brings it back, since it is still derivable
    _apply(store, a, [(P, IKG.hasPartner, ORG), (ORG, IKG.locatedIn, CITY)])
    assert (ORG, IKG.locatedIn, COUNTRY) in _stored(store)
    assert _stored(store) == _full(store)
    _apply(store, b, None)
    assert (P, IKG.operatesIn, COUNTRY) not in _stored(store)
    assert (P, IKG.operatesIn, CITY) in _stored(store)
    assert _stored(store) == _full(store)
    store.close()


def test_falls_back_to_full_recompute(tmp_path: Path) -> None:
    """Cases the scoped update does not take on still give the full recompute's result."""
    store = _doc_store(tmp_path)
    m = store.minter
    doc = m.document_graph("c.txt")
    # a literal object on a property with an inverse: a literal-subject fact would be needed
    stats = _apply(store, doc, [(ORG, IKG.hasPartner, Literal("x")), (P, IKG.coordinator, ORG)])
    assert stats["mode"] == "full" and "literal" in str(stats["fallback"])
    assert _stored(store) == _full(store)
    # a schema axiom in a document
    stats = _apply(store, doc, [(IKG.Region, RDFS.subClassOf, IKG.Country)])
    assert stats["mode"] == "full" and "schema" in str(stats["fallback"])
    assert _stored(store) == _full(store)
    # taking the axiom out again is no scoped change either
    assert _apply(store, doc, [(P, IKG.coordinator, ORG)])["mode"] == "full"
    assert _stored(store) == _full(store)
    # a change that reaches more facts than allowed
    previous = {doc: list(store.triples(str(doc)))}
    store.replace_graph(doc, [(EX["organisation/z"], IKG.locatedIn, CITY)])
    stats = update_inferred(store, changed=[doc], previous=previous, max_affected=2)
    assert stats["mode"] == "full" and "more than 2" in str(stats["fallback"])
    assert _stored(store) == _full(store)
    # the owlrl engine always recomputes in full
    assert update_inferred(store, engine="owlrl", changed=[doc], previous={})["mode"] == "full"
    store.close()


def test_scoped_delta_reports_the_change(tmp_path: Path) -> None:
    store = _doc_store(tmp_path)
    doc = store.minter.document_graph("c.txt")
    store.replace_graph(doc, [(EX["organisation/z"], IKG.locatedIn, CITY)])
    delta = scoped_delta(store, [doc])
    assert delta.added_asserted == 1 and delta.removed_asserted == 0 and not delta.remove
    z = EX["organisation/z"]
    assert {(z, IKG.locatedIn, REGION), (z, IKG.locatedIn, COUNTRY)} <= delta.add
    assert (z, RDF.type, IKG.Organisation) not in delta.add  # no domain on locatedIn here
    assert not _keep((Literal("x"), IKG.locatedIn, CITY), frozenset(), set())
    store.close()


def test_engine_fixpoint_equals_reasoner_fixpoint() -> None:
    """The full path's chain fixpoint by the rule engine equals re-running the reasoner."""
    onto = Graph().parse(ONTOLOGY_FILE)
    data = generate(3000, seed=11)
    by_engine = _infer_fast(onto, data)
    by_reasoner = _infer_fast(onto, data, use_engine=False)
    assert {t for t in by_engine if is_ikg_triple(t)} == {
        t for t in by_reasoner if is_ikg_triple(t)}
    assert _infer_set(onto, data, "fast") == set(infer(onto, data))


@pytest.mark.slow
def test_corpus_documents_removed_and_added_back(seed_store: KGStore, tmp_path: Path) -> None:
    """Real extraction output (reified statements, NIF, literals): every step stays scoped."""
    store = KGStore(load_settings(store=tmp_path / "copy"), in_memory=True)
    graphs: dict[URIRef, list[Triple]] = {}
    for s, p, o, g in seed_store.quads("asserted"):
        graphs.setdefault(g, []).append((s, p, o))
    store.replace_graphs(graphs)
    update_inferred(store)
    for graph in store.document_graphs()[:6]:
        content = list(store.triples(str(graph)))
        assert _apply(store, graph, None)["mode"] == "scoped"
        assert _stored(store) == _full(store)
        assert _apply(store, graph, content)["mode"] == "scoped"
        assert _stored(store) == _full(store)
    store.close()


def test_read_triples_equals_store_triples(tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """The N-Quads reader of the full recompute gives exactly the store's terms."""
    from rdflib import BNode

    from kg.reasoning import _read_triples

    store = KGStore(load_settings(store=tmp_path / "s"), in_memory=True)
    a, p, q = URIRef("http://a"), URIRef("http://p"), URIRef("http://q")
    tricky = [(a, p, Literal(x)) for x in ['he said "hi"\\ x', "line\nbreak\ttab\r",
                                           "é ü \u0001 \u2028 end", ""]]
    tricky += [(BNode("b1"), p, Literal("x", lang="en-GB")), (a, q, BNode("b2")),
               (a, q, Literal("1.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))),
               (a, q, Literal("s", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string")))]
    m = store.minter
    store.replace_graphs({m.document_graph("a"): list(generate(1500, seed=4)),
                          m.document_graph("b"): tricky})
    with caplog.at_level("DEBUG", logger="kg.reasoning"):
        assert _read_triples(store, "documents") == set(store.triples("documents"))
    assert "unexpected N-Quads line" not in caplog.text  # parsed, not the slow fallback
    store.close()


def test_several_documents_changed_at_once(tmp_path: Path) -> None:
    """One scoped update for a batch: a new document, a replaced one and a dropped one."""
    store = _new_store(tmp_path, Graph().parse(ONTOLOGY_FILE))
    docs = _Docs(9, 1500)
    m = store.minter
    graphs = [m.document_graph(f"d{k}.txt") for k in range(5)]
    store.replace_graphs({g: docs.sample(120) for g in graphs[:4]})
    update_inferred(store)
    previous = {g: list(store.triples(str(g))) for g in graphs[1:3]}
    store.replace_graph(graphs[4], docs.sample(80))  # new
    store.replace_graph(graphs[1], previous[graphs[1]][:60] + docs.sample(40))  # replaced
    store.remove_graphs([graphs[2]])  # dropped
    stats = update_inferred(store, changed=[graphs[4], graphs[1], graphs[2]], previous=previous)
    assert stats["mode"] == "scoped"
    assert _stored(store) == _full(store)
    store.close()


def test_delta_computed_before_writing(tmp_path: Path) -> None:
    """With `current`, the delta is found before the write: documents and delta go in together."""
    store = _doc_store(tmp_path)
    m = store.minter
    b = m.document_graph("b.txt")
    old = list(store.triples(str(b)))
    delta = scoped_delta(store, [b], {b: old}, current={b: []})
    inferred = (_stored(store) - delta.remove) | delta.add
    store.replace_graphs({b: [], m.inferred_graph: inferred})
    assert _stored(store) == _full(store)
    store.close()
