"""Orchestration: documents → extract → resolve → triples → store, then reasoning.

Returns a report and prints nothing. Each document's graph is replaced in one
transaction, so a document that fails anywhere leaves the store as it was for it,
while the other documents of the batch go in; the inferred graph is then rebuilt in
one more transaction. spaCy and the reference data are imported only when something
is extracted. What a reader sees when a run is killed half-way: docs/reliability.md.

KG_TEST_PAUSE_AT=STAGE[:N] (a test hook) makes a run sleep at a named stage, so that a
test can kill it exactly there: `extract`, `write` and `written` (before the Nth
document's extraction, before and after its transaction; every document without :N),
`reasoning` (before the inferred graph is rebuilt) and `remove` (before `kg remove`'s
transaction). The run logs "KG_TEST_PAUSE_AT: paused at ..." on stderr when it stops.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.documents import max_document_bytes, read_document
from kg.errors import DocumentError, KGError, NotFoundError
from kg.extract.language import detect_language
from kg.model import Document, Extraction
from kg.settings import Settings
from kg.store import KGStore, Triple, open_store

__all__ = [
    "IngestReport",
    "KeptOut",
    "Progress",
    "Steps",
    "default_steps",
    "ensure_ontology",
    "ingest",
    "language_pipeline",
    "remove_document",
    "reset",
]

log = logging.getLogger(__name__)

# progress(done, total, name): called after each document of a batch.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class KeptOut:
    """A fact extraction found but kept out of the graph: its confidence is below the threshold."""

    document: str
    subject: str
    property: str
    object: str
    rule: str
    confidence: float

    def as_dict(self) -> dict[str, object]:
        """The fact as plain JSON-able data."""
        return {
            "document": self.document, "subject": self.subject, "property": self.property,
            "object": self.object, "rule": self.rule, "confidence": self.confidence,
        }


@dataclass
class IngestReport:
    """What one ingest run did: documents in, failures with reasons, counts and timings."""

    documents: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    entities: int = 0
    facts: int = 0
    triples: int = 0
    seconds: float = 0.0
    reasoning: dict[str, object] | None = None
    ontology_loaded: bool = False
    threshold: float = 0.0
    kept_out: list[KeptOut] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no document (and no reasoning step) failed."""
        return not self.failures

    def as_dict(self) -> dict[str, object]:
        """The report as plain JSON-able data."""
        return {
            "documents": list(self.documents),
            "failures": [{"document": n, "reason": r} for n, r in self.failures],
            "entities": self.entities,
            "facts": self.facts,
            "triples": self.triples,
            "seconds": self.seconds,
            "reasoning": self.reasoning,
            "ontology_loaded": self.ontology_loaded,
            "threshold": self.threshold,
            "kept_out": [k.as_dict() for k in self.kept_out],
        }


@dataclass
class Steps:
    """The pipeline stages ingest calls, as plain functions (the defaults load spaCy)."""

    extract: Callable[[Document], Extraction]
    resolve: Callable[[Extraction], Any]
    triples: Callable[[Any], Iterable[Triple]]
    ontology: Callable[[], Iterable[Triple]]


def default_steps(settings: Settings, store: KGStore) -> Steps:
    """The real pipeline: spaCy extraction, resolution against the store, triples."""
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import extract_document
    from kg.resolve import Resolver
    from kg.triples import document_triples, ontology_triples

    load_pipeline(settings.spacy_model)  # fail before any write when the model is missing
    resolver = Resolver(store)
    minter = store.minter
    return Steps(
        extract=lambda document: extract_document(
            document, load_pipeline(language_pipeline(document.language, settings))),
        resolve=resolver.resolve,
        triples=lambda resolved: document_triples(
            resolved, minter, threshold=settings.confidence_threshold),
        ontology=ontology_triples,
    )


# --------------------------------------------------------------------------- ontology


def _key(term: Node) -> object:
    """A comparable form of a term as a store gives it back: blank nodes renamed, literals
    canonicalised (pyoxigraph stores "1"^^xsd:nonNegativeInteger as "1"^^xsd:integer)."""
    if isinstance(term, BNode):
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return ("literal", str(value) if isinstance(value, Literal) else value, term.language)
    return term


def _shape(triples: Iterable[Triple]) -> Counter[tuple[object, ...]]:
    """A multiset of triples compared loosely, as stored and as given."""
    return Counter(tuple(_key(t) for t in triple) for triple in triples)


def ensure_ontology(store: KGStore, ontology: Iterable[Triple]) -> bool:
    """Load the ontology graph when it is missing or differs; True when it was (re)loaded."""
    wanted = list(ontology)
    graph = store.minter.ontology_graph
    if store.has_graph(graph) and _shape(store.triples("ontology")) == _shape(wanted):
        return False
    store.replace_graph(graph, wanted)
    log.info("ontology graph loaded: %d triples", len(wanted))
    return True


# --------------------------------------------------------------------------- ingest


def _pause(stage: str, count: int = 0) -> None:
    """Test hook: sleep for good at a stage KG_TEST_PAUSE_AT names (STAGE or STAGE:N)."""
    wanted = os.environ.get("KG_TEST_PAUSE_AT")
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name == stage and (not nth or nth == str(count)):
        log.warning("KG_TEST_PAUSE_AT: paused at %s", wanted)
        while True:  # until the test kills the process
            time.sleep(60)


def _pipeline_installed(name: str) -> bool:
    """True when the spaCy pipeline package is installed (spaCy imported only here, lazily)."""
    from spacy.util import is_package

    return is_package(name)


def language_pipeline(lang: str, settings: Settings) -> str:
    """The spaCy pipeline to extract a document in `lang` with; DocumentError when none is installed."""
    from kg.extract.language import PIPELINES, language_name

    if lang == "en":
        return settings.spacy_model
    candidates = PIPELINES.get(lang, [])
    for name in candidates:
        if _pipeline_installed(name):
            return name
    if candidates:
        raise DocumentError(
            f"{lang}: {language_name(lang)} — install {candidates[0]} to ingest it "
            f"(python -m spacy download {candidates[0]})."
        )
    raise DocumentError(
        f"{lang}: {language_name(lang)} — no spaCy pipeline is known for this language; "
        f"supported: {', '.join(sorted(PIPELINES))}."
    )


def _kept_out(extraction: Extraction, threshold: float) -> list[KeptOut]:
    """The relations the triple builder leaves out because their confidence is below `threshold`."""
    entities = extraction.entities

    def name(key: object) -> str:
        entity = entities.get(str(key))
        return entity.name if entity is not None else str(key)

    return [
        KeptOut(
            document=extraction.document.id,
            subject=name(rel.subject),
            property=rel.predicate,
            object=str(rel.object) if rel.literal else name(rel.object),
            rule=rel.rule,
            confidence=round(float(rel.confidence), 3),
        )
        for rel in extraction.relations
        if rel.confidence < threshold
    ]


def _reason(exc: BaseException, name: str) -> str:
    """A one-line reason for a failure, without the file name the message may start with."""
    text = str(exc).strip() or type(exc).__name__
    return text[len(name) + 2:] if text.startswith(f"{name}: ") else text


def ingest(
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    store: KGStore | None = None,
    progress: Progress | None = None,
    steps: Steps | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> IngestReport:
    """Ingest files into the store, one named graph each; return what happened.

    With `workers` > 1 the extraction runs in that many local processes, with `scheduler` on a
    Dask distributed cluster; resolution and writing stay here, in the documents' order, so the
    graph is the same as a single-process ingest's."""
    start = time.perf_counter()
    own_store = store is None
    store = store if store is not None else open_store(settings)
    report = IngestReport(threshold=settings.confidence_threshold)
    try:
        _ingest_into(store, [Path(p) for p in paths], settings, report, progress, steps,
                     workers=workers, scheduler=scheduler)
    finally:
        if own_store:
            store.close()
    report.seconds = round(time.perf_counter() - start, 3)
    log.info(
        "ingest: %d documents, %d failures, %d entities, %d facts in %.2f s",
        len(report.documents), len(report.failures), report.entities, report.facts,
        report.seconds,
    )
    return report


def _ingest_into(
    store: KGStore,
    paths: list[Path],
    settings: Settings,
    report: IngestReport,
    progress: Progress | None,
    steps: Steps | None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> None:
    limit = max_document_bytes(settings)
    total = len(paths)
    first_of_name: dict[str, Path] = {}
    changed = ontology_checked = False
    readable: list[tuple[int, Path, Document | None]] = []  # None: could not be read
    for done, path in enumerate(paths, 1):
        label = str(path)
        try:
            if path.name in first_of_name:
                raise KGError(
                    f"another file of this batch has the same name ({first_of_name[path.name]});"
                    f" a document's identifier is its file name, so rename one of them."
                )
            first_of_name[path.name] = path
            document = read_document(path, max_bytes=limit)
            # The extractor's rules are English-oriented; other languages need their pipeline.
            document.language = detect_language(document.text)
            language_pipeline(document.language, settings)
        except KGError as exc:
            report.failures.append((label, _reason(exc, path.name)))
            log.info("%s: %s", label, exc)  # reported in the IngestReport
            readable.append((done, path, None))
            continue
        readable.append((done, path, document))
    # The default pipeline extracts in batches (one spaCy pass over many documents' lines), here
    # or in worker processes; the rest of the pipeline takes the documents one by one, in order.
    outcomes: Iterator[tuple[Document, object]] | None = None
    if steps is None and any(d is not None for _, _, d in readable):
        from kg.parallel import extract_many

        docs = [d for _, _, d in readable if d is not None]
        models = [language_pipeline(d.language, settings) for d in docs]
        outcomes = extract_many(docs, models, workers=workers, scheduler=scheduler, batch=EXTRACTION_BATCH)
    writer = _Writer(store, settings, report, progress, total)
    try:
        for done, path, document in readable:
            label = str(path)
            if document is None:
                writer.put(_Done(done, label))
                continue
            # Set-up failures (no spaCy model, no ontology) stop the batch before any write.
            if steps is None:  # spaCy loads only once there is something to extract
                steps = default_steps(settings, store)
            if not ontology_checked:
                ontology_checked = True
                if ensure_ontology(store, steps.ontology()):
                    report.ontology_loaded = changed = True
                    writer.scoped = False
            _pause("extract", done)
            # A batch that cannot run at all (a Dask scheduler out of reach) stops the ingest; a
            # document that fails comes back as its error.
            outcome = next(outcomes)[1] if outcomes is not None else None
            try:
                extraction = steps.extract(document) if outcomes is None else outcome
                if isinstance(extraction, KGError):
                    raise extraction
                resolved = steps.resolve(extraction)
                triples = list(steps.triples(resolved))
            except KGError as exc:
                writer.put(_Done(done, label, failure=_reason(exc, path.name)))
                log.info("%s: %s", label, exc)  # reported in the IngestReport
            except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
                log.exception("%s: unexpected failure", label)
                writer.put(_Done(done, label, failure=f"internal error: {type(exc).__name__}: {exc}"))
            else:
                writer.put(_Done(done, label, path=path, extraction=extraction, triples=triples))
    finally:
        writer.close()  # every document extracted so far is written (or reported) first
    if changed or writer.changed:
        _pause("reasoning")
        if writer.needs_full or not writer.scoped:
            report.reasoning = _update_inferred(store, report)
        else:
            report.reasoning = {"engine": settings.reasoner, "mode": "scoped, with each document"}
    store.flush()


# Triples the writer puts in the store between two flushes. The embedded store keeps what it is
# written in memory tables until a flush; without one, a 2,000-document ingest held ~2 GB there
# (about 1 MB per generated document). Flushing every few tens of thousands of triples keeps
# that bounded (~70 MB at 500 documents instead of ~490 MB) and costs no time.
FLUSH_EVERY_TRIPLES = 20_000

# Documents extracted together (one spaCy pass over their lines; see kg.parallel.extract_many):
# spaCy gains little beyond a few documents' lines a call, and small batches let the writer
# thread start early.
EXTRACTION_BATCH = 8


@dataclass
class _Done:
    """A document through extraction: its triples to write, or why it failed."""

    number: int
    label: str
    failure: str | None = None
    path: Path | None = None
    extraction: Extraction | None = None
    triples: list[Triple] | None = None


class _Writer:
    """Writes the documents' graphs in a thread of its own, in order, while the next documents
    are extracted: the store does its work without holding the GIL, so on two cores writing
    costs the pipeline little. Owns the report's per-document entries and the progress calls."""

    def __init__(self, store: KGStore, settings: Settings, report: IngestReport,
                 progress: Progress | None, total: int) -> None:
        self.store = store
        self.threshold = settings.confidence_threshold
        self.report = report
        self.progress = progress
        self.total = total
        # Inferences are kept current document by document (a scoped delta written in the same
        # transaction as the document) when the inferred graph is there to start from; otherwise,
        # or when a change cannot be scoped, the inferred graph is rebuilt whole at the end.
        self.scoped = callable(getattr(store, "write", None)) and store.has_graph(store.minter.inferred_graph)
        self.needs_full = False
        self.changed = False
        self.unflushed = 0  # triples written since the last flush (see FLUSH_EVERY_TRIPLES)
        # Room for several extraction batches: the writer works through them while the next is parsed.
        self._queue: queue.Queue[_Done | None] = queue.Queue(maxsize=8 * EXTRACTION_BATCH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kg-ingest-writer", daemon=True)
        self._thread.start()

    def put(self, item: _Done) -> None:
        """Queue a document's outcome (blocks while the writer is several documents behind)."""
        if self._error is not None:
            raise KGError(f"the store writer stopped: {self._error}") from self._error
        self._queue.put(item)

    def close(self) -> None:
        """Wait for every queued document; an unexpected error of the writer is raised here."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise KGError(f"the store writer stopped: {self._error}") from self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the error is raised in the main thread
            try:
                self._handle(item)
            except BaseException as exc:  # noqa: BLE001 - handed over to the main thread
                log.exception("the store writer stopped")
                self._error = exc

    def _handle(self, item: _Done) -> None:
        report = self.report
        if item.triples is not None and item.extraction is not None and item.path is not None:
            extraction, triples = item.extraction, item.triples
            document = extraction.document
            try:
                _pause("write", item.number)
                graph = self.store.minter.document_graph(document.id)
                if self.scoped and not self.needs_full:
                    self.needs_full = not _write_with_inferences(self.store, graph, triples)
                else:
                    self.store.replace_graph(graph, triples)
                    self.needs_full = True
                self.unflushed += len(triples)
                if self.unflushed >= FLUSH_EVERY_TRIPLES:
                    self.store.flush()
                    self.unflushed = 0
                _pause("written", item.number)
            except KGError as exc:
                report.failures.append((item.label, _reason(exc, item.path.name)))
                log.info("%s: %s", item.label, exc)  # reported in the IngestReport
            except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
                log.exception("%s: unexpected failure", item.label)
                report.failures.append((item.label, f"internal error: {type(exc).__name__}: {exc}"))
            else:
                self.changed = True
                report.documents.append(document.id)
                report.entities += len(extraction.entities)
                report.facts += len(extraction.relations)
                report.triples += len(triples)
                report.kept_out += _kept_out(extraction, self.threshold)
                for warning in extraction.warnings:
                    log.warning("%s: %s", document.id, warning)
        elif item.failure is not None:
            report.failures.append((item.label, item.failure))
        if self.progress is not None:
            self.progress(item.number, self.total, item.label)


def _write_with_inferences(store: KGStore, graph: URIRef, triples: list[Triple]) -> bool:
    """Write a document's graph and the change of inferences it brings in one transaction;
    False (and only the document written) when the change cannot be scoped."""
    from kg.reasoning import NotScoped, scoped_delta

    previous = {graph: list(store.triples(str(graph)))} if store.has_graph(graph) else {}
    try:
        delta = scoped_delta(store, [graph], previous, current={graph: triples})
    except NotScoped as why:
        log.info("inferences for %s not scoped (%s): full rebuild at the end", graph, why)
        store.replace_graph(graph, triples)
        return False
    store.write(replace={graph: triples}, patch={store.minter.inferred_graph: (delta.add, delta.remove)})
    return True


def _update_inferred(store: KGStore, report: IngestReport | None = None) -> dict[str, object]:
    """Rebuild the inferred graph; a failure is recorded in the report, not raised."""
    from kg.reasoning import update_inferred

    try:
        return update_inferred(store)
    except KGError as exc:
        if report is None:
            raise
        log.error("reasoning failed: %s", exc)
        report.failures.append(("(reasoning)", f"the inferred graph was not rebuilt: {exc}"))
        return {"error": str(exc)}


# --------------------------------------------------------------------------- removal


def _document_graph(store: KGStore, doc_id: str) -> URIRef:
    """The graph of a document given by file name, graph IRI or document IRI."""
    minter = store.minter
    if doc_id.startswith(("http://", "https://", "urn:")):
        iri = URIRef(doc_id)
        if minter.is_document_graph(iri):
            return iri
        prefix = f"{minter.base}document/"
        if doc_id.startswith(prefix):
            return URIRef(f"{minter.base}graph/document/{doc_id[len(prefix):]}")
    return minter.document_graph(Path(doc_id).name)


def remove_document(store: KGStore, doc_id: str) -> dict[str, object]:
    """Drop a document's graph and rebuild the inferred graph in one transaction; returns reasoning stats.

    Facts the document shared with others stay: they are in those documents' graphs too.
    The inferred graph is recomputed from the graphs that remain before anything is written,
    so the removal and the new inferences go in together or (on any failure) not at all.
    """
    from kg.reasoning import infer

    graph = _document_graph(store, doc_id)
    if not store.has_graph(graph):
        raise NotFoundError(
            f"No document '{doc_id}' in the store; `kg stats` lists the documents."
        )
    start = time.perf_counter()
    engine = store.settings.reasoner
    remaining = Graph()
    for s, p, o, g in store.quads("documents"):
        if g != graph:
            remaining.add((s, p, o))
    inferred = infer(store.graph("ontology"), remaining, engine=engine)
    _pause("remove")
    store.replace_graphs({graph: [], store.minter.inferred_graph: inferred})
    store.flush()
    log.info("removed %s", graph)
    return {
        "engine": engine,
        "asserted": len(remaining),
        "inferred": len(inferred),
        "seconds": round(time.perf_counter() - start, 3),
    }


def reset(store: KGStore) -> None:
    """Empty the store: every graph, documents, ontology, inferences and analytics."""
    store.clear()
    store.flush()
    log.info("store emptied")
