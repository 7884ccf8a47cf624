"""The fast reasoner and owlrl (the reference) infer the same ikg: triples on the shipped corpus,
and every inferred operatesIn triple can be explained down to asserted triples."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from kg.namespaces import IKG

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """The shipped corpus in a fresh store."""
    from kg.ingest import ingest
    from kg.settings import load_settings
    from kg.store import KGStore

    settings = load_settings(store=tmp_path_factory.mktemp("reasoning") / "store")
    assert not ingest(sorted((ROOT / "data" / "corpus").glob("*.txt")), settings).failures
    store = KGStore(settings)
    yield store
    store.close()


def test_fast_equals_owlrl_on_shipped_corpus(corpus_store):
    from kg.reasoning import infer, is_ikg_triple

    ontology = corpus_store.graph("ontology")
    asserted = corpus_store.graph("documents")
    fast = {t for t in infer(ontology, asserted, engine="fast") if is_ikg_triple(t)}
    reference = {t for t in infer(ontology, asserted, engine="owlrl") if is_ikg_triple(t)}
    assert fast == reference
    assert any(p == IKG.operatesIn for _, p, _ in fast)


def test_every_inferred_operates_in_is_explained(corpus_store):
    from kg.reasoning import explain, format_explanation

    rows = corpus_store.select("SELECT ?s ?o WHERE { ?s ikg:operatesIn ?o }", graphs="inferred")
    assert rows
    for row in rows:
        expl = explain(corpus_store, URIRef(str(row["s"])), IKG.operatesIn, URIRef(str(row["o"])))
        assert expl.complete, format_explanation(expl)
        assert expl.support and all(s.documents for s in expl.support), format_explanation(expl)
