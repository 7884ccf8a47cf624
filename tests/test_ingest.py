"""Ingest orchestration: per-document atomicity, the ontology graph, reasoning, removal, reset.

Most tests run a small stand-in pipeline (Steps) so that they need no spaCy; the last ones
run the real pipeline and are marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, DEV_DOCS, require_pipeline
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.errors import KGError, NotFoundError
from kg.ingest import IngestReport, Steps, ensure_ontology, ingest, remove_document, reset
from kg.model import Document, Entity, Extraction, Relation
from kg.namespaces import IKG, Minter, slugify
from kg.settings import Settings
from kg.store import KGStore
from kg.validation import load_ontology


def fake_steps(minter: Minter, fail_on: str = "BOOM", crash_on: str = "CRASH") -> Steps:
    """A stand-in pipeline: one Project per document, named by the document's first word."""

    def extract(document: Document) -> Extraction:
        word = document.text.split()[0]
        if word == fail_on:
            raise KGError(f"{document.id}: extraction refused this document")
        if word == crash_on:
            raise ZeroDivisionError("division by zero")
        entity = Entity(key="p", type="Project", name=word)
        relation = Relation("p", "acronym", word, None, "test", literal=True)
        return Extraction(document=document, entities={"p": entity}, relations=[relation])

    def triples(extraction: Extraction) -> list[tuple]:
        doc = minter.document(extraction.document.id)
        project = minter.resource("Project", slugify(extraction.document.text.split()[0]))
        return [
            (doc, RDF.type, IKG.Document),
            (doc, DCTERMS.identifier, Literal(extraction.document.id)),
            (project, RDF.type, IKG.Project),
            (project, RDFS.label, Literal(extraction.document.text.split()[0])),
            (project, IKG.mentionedIn, doc),
        ]

    return Steps(
        extract=extract,
        resolve=lambda extraction: extraction,
        triples=triples,
        ontology=lambda: list(load_ontology()),
    )


@pytest.fixture
def store(settings: Settings):  # noqa: ANN201 - a fixture
    with KGStore(settings) as opened:
        yield opened


def _docs(tmp_path: Path, **texts: str | bytes) -> list[Path]:
    paths = []
    for name, text in texts.items():
        path = tmp_path / "in" / name.replace("_", ".", 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _graph_triples(store: KGStore, doc_id: str) -> set:
    return set(store.triples(str(store.minter.document_graph(doc_id))))


def test_each_document_gets_its_graph_and_failures_are_reported(
    tmp_path: Path, settings: Settings, store: KGStore
) -> None:
    paths = _docs(
        tmp_path, a_txt="OPENWAYS met.", bbin_txt=b"\x00\x01binary", c_txt="BOOM here",
        d_txt="CRASH there", e_md="TANDEM too",
    )
    seen: list[tuple[int, int, str]] = []
    report = ingest(paths, settings, store=store, steps=fake_steps(store.minter),
                    progress=lambda done, total, name: seen.append((done, total, name)))
    assert isinstance(report, IngestReport)
    assert report.documents == ["a.txt", "e.md"]
    failures = dict(report.failures)
    assert set(failures) == {str(paths[1]), str(paths[2]), str(paths[3])}
    assert "binary" in failures[str(paths[1])]
    assert failures[str(paths[2])] == "extraction refused this document"
    assert "ZeroDivisionError" in failures[str(paths[3])]
    assert not report.ok
    assert (report.entities, report.facts, report.triples) == (2, 2, 10)
    assert [s[:2] for s in seen] == [(i, 5, ) for i in range(1, 6)]
    graphs = set(store.document_graphs())
    assert graphs == {store.minter.document_graph("a.txt"), store.minter.document_graph("e.md")}
    assert store.has_graph(store.minter.ontology_graph)
    assert report.ontology_loaded
    assert report.reasoning is not None and "inferred" in report.reasoning
    assert store.has_graph(store.minter.inferred_graph)


def test_a_failed_re_ingest_leaves_the_old_graph(
    tmp_path: Path, settings: Settings, store: KGStore
) -> None:
    steps = fake_steps(store.minter)
    (path,) = _docs(tmp_path, a_txt="OPENWAYS met.")
    assert ingest([path], settings, store=store, steps=steps).ok
    before = _graph_triples(store, "a.txt")
    path.write_text("BOOM now", encoding="utf-8")
    report = ingest([path], settings, store=store, steps=steps)
    assert report.documents == [] and len(report.failures) == 1
    assert _graph_triples(store, "a.txt") == before
    assert report.reasoning is None  # nothing changed: the inferred graph is left alone


def test_a_failed_write_changes_nothing(tmp_path: Path, settings: Settings, store: KGStore) -> None:
    steps = fake_steps(store.minter)
    good = steps.triples
    steps.triples = lambda x: [*good(x), (URIRef("urn:s"), URIRef("urn:p"), object())]
    (path,) = _docs(tmp_path, a_txt="OPENWAYS met.")
    report = ingest([path], settings, store=store, steps=steps)
    assert report.documents == [] and len(report.failures) == 1
    assert not store.document_graphs()


def test_re_ingest_is_idempotent(tmp_path: Path, settings: Settings, store: KGStore) -> None:
    steps = fake_steps(store.minter)
    paths = _docs(tmp_path, a_txt="OPENWAYS met.", b_txt="TANDEM met.")
    first = ingest(paths, settings, store=store, steps=steps)
    count = store.count("all")
    second = ingest(paths, settings, store=store, steps=steps)
    assert first.documents == second.documents == ["a.txt", "b.txt"]
    assert first.ontology_loaded and not second.ontology_loaded
    assert store.count("all") == count


def test_the_writer_flushes_the_store_as_it_goes(tmp_path: Path, settings: Settings, store: KGStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes are flushed every FLUSH_EVERY_TRIPLES triples, so the store's memory tables stay
    small during a long ingest; the graph is the same as with one flush at the end."""
    import kg.ingest as ingest_module

    flushes: list[int] = []
    real_flush = store.flush

    def counting_flush() -> None:
        flushes.append(store.count("documents"))
        real_flush()

    steps = fake_steps(store.minter)
    paths = _docs(tmp_path, a_txt="OPENWAYS met.", b_txt="TANDEM met.", c_txt="QUILLON met.",
                  d_txt="VERDANT met.", e_txt="MOSSEL met.")
    monkeypatch.setattr(ingest_module, "FLUSH_EVERY_TRIPLES", 10)  # two documents' triples
    monkeypatch.setattr(store, "flush", counting_flush)
    report = ingest(paths, settings, store=store, steps=steps)
    assert report.ok and len(report.documents) == 5
    assert flushes[:2] == [10, 20]  # after the 2nd and the 4th document, then at the end
    assert len(flushes) >= 3
    assert {str(o) for _, _, o in store.triples("documents") if isinstance(o, Literal)} >= {
        "OPENWAYS", "TANDEM", "QUILLON", "VERDANT", "MOSSEL"}


def test_same_file_name_twice_in_a_batch(
    tmp_path: Path, settings: Settings, store: KGStore
) -> None:
    one = tmp_path / "x" / "news.txt"
    two = tmp_path / "y" / "news.txt"
    for path, text in ((one, "OPENWAYS"), (two, "TANDEM")):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    report = ingest([one, two], settings, store=store, steps=fake_steps(store.minter))
    assert report.documents == ["news.txt"]
    assert report.failures[0][0] == str(two)
    assert "same name" in report.failures[0][1]
    labels = {str(o) for _, p, o in store.triples("documents") if p == RDFS.label}
    assert labels == {"OPENWAYS"}


def test_nothing_readable_loads_no_pipeline(tmp_path: Path, settings: Settings) -> None:
    paths = _docs(tmp_path, empty_txt="", bad_docx="x")
    report = ingest(paths, settings)  # the default steps would need spaCy: never built here
    assert report.documents == [] and len(report.failures) == 2
    assert report.reasoning is None and not report.ontology_loaded
    with KGStore(settings) as store:
        assert store.count("all") == 0


def test_ensure_ontology_reloads_only_when_it_differs(store: KGStore) -> None:
    ontology = list(load_ontology())
    assert ensure_ontology(store, ontology)
    assert not ensure_ontology(store, ontology)  # blank nodes renamed by the store still match
    assert ensure_ontology(store, ontology[:-1])
    assert store.count("ontology") == len(ontology) - 1


def test_remove_document_and_reset(tmp_path: Path, settings: Settings, store: KGStore) -> None:
    paths = _docs(tmp_path, a_txt="OPENWAYS met.", b_txt="TANDEM met.")
    ingest(paths, settings, store=store, steps=fake_steps(store.minter))
    stats = remove_document(store, "a.txt")
    assert "inferred" in stats
    assert store.document_graphs() == [store.minter.document_graph("b.txt")]
    remove_document(store, str(store.minter.document_graph("b.txt")))  # by graph IRI
    assert store.document_graphs() == []
    with pytest.raises(NotFoundError, match="a.txt"):
        remove_document(store, "a.txt")
    reset(store)
    assert store.count("all") == 0


# --------------------------------------------------------------------------- real pipeline


@pytest.mark.slow
def test_real_pipeline_on_dev_documents(settings: Settings) -> None:
    require_pipeline()
    paths = sorted(DEV_DOCS.glob("*.txt"))[:3]
    report = ingest(paths, settings)
    assert report.ok, report.failures
    assert report.documents == [p.name for p in paths]
    assert report.entities > 0 and report.facts > 0 and report.triples > 0
    with KGStore(settings) as store:
        count = store.count("all")
        assert len(store.document_graphs()) == 3
    again = ingest(paths, settings)
    assert again.ok and not again.ontology_loaded
    with KGStore(settings) as store:
        assert store.count("all") == count


@pytest.mark.slow
def test_seed_store_holds_the_corpus(seed_store: KGStore) -> None:
    assert len(seed_store.document_graphs()) == len(list(CORPUS.glob("*.txt")))
    assert seed_store.has_graph(seed_store.minter.ontology_graph)
    assert seed_store.count("inferred") > 0
