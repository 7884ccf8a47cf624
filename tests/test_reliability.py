"""Nothing lost: `kg ingest` killed at any stage leaves a valid store holding exactly the documents
that went in whole; `kg remove` takes away a document and only what it alone supported.

The kill tests run the real CLI in a subprocess with KG_TEST_PAUSE_AT=STAGE[:N] (see kg/ingest.py),
wait until it says it paused, SIGKILL it, then inspect the store. A base store holding one document
(A) is built once; each kill test starts from a copy of it and ingests B, C, D.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DEV_DOCS, REPO, require_pipeline
from rdflib import Graph, Literal
from rdflib.compare import to_isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.ingest import KeptOut, Steps, ingest, remove_document
from kg.model import Document, Entity, Extraction, Relation
from kg.namespaces import IKG, Minter, slugify
from kg.settings import Settings, load_settings
from kg.store import KGStore
from kg.validation import load_ontology, validate_graph

A, B, C, D = (DEV_DOCS / n for n in (
    "h1_welcoming_tables.txt", "h2_nest_in_factsheet.txt", "h3_safe_harbour_timeline.txt",
    "h4_cities4inclusion_visit.txt",
))
BATCH = [B, C, D]
PAUSE_TIMEOUT = 120.0


# --------------------------------------------------------------------------- helpers


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(KG_STORE=str(settings.store_path), KG_CACHE_DIR=str(settings.cache_dir), **extra)
    return env


def _kg(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI to completion."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=REPO, env=_env(settings, **env),
        capture_output=True, text=True, timeout=300,
    )


def _kill_at(settings: Settings, stage: str, *args: str) -> str:
    """Run `kg ARGS` with KG_TEST_PAUSE_AT=stage, SIGKILL it once it has paused; return its stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args], cwd=REPO,
        env=_env(settings, KG_TEST_PAUSE_AT=stage),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + PAUSE_TIMEOUT
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stderr, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(timeout=1.0):
                    continue
                line = proc.stderr.readline()
                if not line:
                    break  # the process ended without pausing
                seen.append(line)
                if "KG_TEST_PAUSE_AT: paused at" in line:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=30)
                    assert proc.returncode == -signal.SIGKILL
                    return "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    pytest.fail(f"`kg {' '.join(args)}` never paused at {stage}: exit {proc.returncode}\n{''.join(seen)}")


def _doc_graph(store: KGStore, path: Path) -> set:
    return set(store.triples(str(store.minter.document_graph(path.name))))


def _inferred(store: KGStore) -> Graph:
    return to_isomorphic(store.graph("inferred"))


def _current_inferences(store: KGStore) -> Graph:
    """The inferred graph as it should be for what the store holds now."""
    from kg.reasoning import infer

    return to_isomorphic(infer(store.graph("ontology"), store.graph("documents"),
                               engine=store.settings.reasoner))


def _documents(store: KGStore) -> set[str]:
    """The file names of the documents in the store."""
    names = {store.minter.document_graph(p.name): p.name for p in [A, *BATCH]}
    return {names.get(g, str(g)) for g in store.document_graphs()}


# --------------------------------------------------------------------------- fixtures


def gazetteer_cache(cache: Path) -> Path:
    """A cache folder holding the GeoNames index, copied from the user's cache or built (once)."""
    from kg.reference.places import index_path, load_gazetteer

    index = index_path(cache)
    if not index.is_file():
        ready = index_path(load_settings().cache_dir)  # the default cache, when it is there
        if ready.is_file():
            index.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ready, index)
        else:
            load_gazetteer(cache)
    return cache


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A base store holding A, and the graphs an uninterrupted run of A then B, C, D gives."""
    require_pipeline()
    root = tmp_path_factory.mktemp("reliability")
    cache = gazetteer_cache(root / "cache")
    base = load_settings(root / "base", cache_dir=cache)
    with KGStore(base) as store:
        assert ingest([A], base, store=store).ok
        base_docs = {A.name: _doc_graph(store, A)}
        base_inferred = _inferred(store)
    reference = load_settings(root / "reference", cache_dir=cache)
    shutil.copytree(base.store_path, reference.store_path)
    with KGStore(reference) as store:
        assert ingest(BATCH, reference, store=store).ok
        ref_docs = {p.name: _doc_graph(store, p) for p in [A, *BATCH]}
    yield {"base": base, "base_docs": base_docs, "base_inferred": base_inferred, "ref_docs": ref_docs}


@pytest.fixture
def killed_settings(prepared: dict, tmp_path: Path) -> Settings:
    """Settings of a fresh copy of the base store (A ingested, inferences current)."""
    settings = load_settings(tmp_path / "store", cache_dir=prepared["base"].cache_dir)
    shutil.copytree(prepared["base"].store_path, settings.store_path)
    return settings


# --------------------------------------------------------------------------- kill tests


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "expected"), [
    ("extract:1", [A]),              # during extraction of the batch's first document
    ("write:2", [A, B]),             # just before the second document's transaction
    ("written:2", [A, B, C]),        # just after it
    ("reasoning", [A, B, C, D]),     # every document in, the final step not yet done
])
def test_ingest_killed_at_a_stage_keeps_exactly_the_finished_documents(
    prepared: dict, killed_settings: Settings, stage: str, expected: list[Path]
) -> None:
    stderr = _kill_at(killed_settings, stage, "ingest", *map(str, BATCH))
    assert f"paused at {stage}" in stderr
    with KGStore(killed_settings) as store:  # it opens
        assert _documents(store) == {p.name for p in expected}
        for path in expected:  # each whole, as an uninterrupted run writes it
            assert _doc_graph(store, path) == prepared["ref_docs"][path.name], path.name
        # each document went in together with the inferences it brings, so the inferred graph
        # is exactly what the documents in the store imply
        assert _inferred(store) == _current_inferences(store)
    if stage == "reasoning":  # the real `kg validate` once; in-process (same function) otherwise
        validated = _kg(killed_settings, "validate")
        assert validated.returncode == 0, validated.stdout + validated.stderr
        assert "Conforms: True" in validated.stdout
    else:
        with KGStore(killed_settings) as store:
            conforms, text = validate_graph(store.graph("documents"), ontology=store.graph("ontology"))
        assert conforms, text
    # the next successful ingest makes the inferred graph current
    with KGStore(killed_settings) as store:
        assert ingest([D], killed_settings, store=store).ok
        assert _inferred(store) == _current_inferences(store)
        assert _documents(store) == {p.name for p in {*expected, D}}


@pytest.mark.slow
def test_remove_killed_before_its_transaction_changes_nothing(
    prepared: dict, killed_settings: Settings
) -> None:
    _kill_at(killed_settings, "remove", "remove", A.name)
    with KGStore(killed_settings) as store:
        assert _documents(store) == {A.name}
        assert _doc_graph(store, A) == prepared["base_docs"][A.name]
        assert _inferred(store) == prepared["base_inferred"]


@pytest.mark.slow
def test_kg_remove_takes_only_what_the_document_alone_supported(
    prepared: dict, killed_settings: Settings
) -> None:
    with KGStore(killed_settings) as store:
        assert ingest([D], killed_settings, store=store).ok
        only_a = _doc_graph(store, A) - _doc_graph(store, D)
        shared = _doc_graph(store, A) & _doc_graph(store, D)
    assert only_a and shared  # both sides are exercised
    done = _kg(killed_settings, "remove", A.name)
    assert done.returncode == 0, done.stderr
    assert "Removed" in done.stdout
    with KGStore(killed_settings) as store:
        assert _documents(store) == {D.name}
        union = set(store.triples("documents"))
        assert not only_a & union  # what only A said is gone
        assert shared <= union  # what D says too stays
        assert _inferred(store) == _current_inferences(store)
        doc_a = store.minter.document(A.name)
        assert not any(doc_a in t for t in store.triples("inferred"))
    again = _kg(killed_settings, "remove", A.name)
    assert again.returncode == 1 and "No document" in again.stderr


# --------------------------------------------------------------------------- fast: stand-in pipeline


def _steps(minter: Minter) -> Steps:
    """One Project per word of the text; 'low' relations get confidence 0.3."""

    def extract(document: Document) -> Extraction:
        words = document.text.split()
        entities = {w: Entity(key=w, type="Project", name=w) for w in words}
        relations = [Relation(w, "acronym", w, None, "test", confidence=0.9, literal=True) for w in words]
        relations.append(Relation(words[0], "hasPartner", words[-1], None, "low-rule", confidence=0.3))
        return Extraction(document=document, entities=entities, relations=relations)

    def triples(extraction: Extraction) -> list[tuple]:
        doc = minter.document(extraction.document.id)
        out: list[tuple] = [(doc, RDF.type, IKG.Document), (doc, DCTERMS.identifier, Literal(extraction.document.id))]
        for word in extraction.entities:
            project = minter.resource("Project", slugify(word))
            out += [(project, RDF.type, IKG.Project), (project, RDFS.label, Literal(word)),
                    (project, IKG.mentionedIn, doc)]
        return out

    return Steps(extract=extract, resolve=lambda x: x, triples=triples, ontology=lambda: list(load_ontology()))


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_remove_keeps_shared_facts_and_recomputes_inferences(tmp_path: Path, settings: Settings) -> None:
    a = _write(tmp_path / "in", "a.txt", "OPENWAYS TANDEM")
    b = _write(tmp_path / "in", "b.txt", "OPENWAYS ADMIN")
    with KGStore(settings) as store:
        assert ingest([a, b], settings, store=store, steps=_steps(store.minter)).ok
        openways = store.minter.resource("Project", "openways")
        tandem = store.minter.resource("Project", "tandem")
        doc_a = store.minter.document("a.txt")
        before = set(store.triples("all"))
        assert (tandem, RDFS.label, Literal("TANDEM")) in before
        stats = remove_document(store, "a.txt")
        after = set(store.triples("all"))
        assert (openways, RDFS.label, Literal("OPENWAYS")) in after  # b says it too
        assert (tandem, RDFS.label, Literal("TANDEM")) not in after  # only a said it
        assert not any(doc_a in t for t in after)
        assert stats["inferred"] == len(set(store.triples("inferred")))
        assert _inferred(store) == _current_inferences(store)


def test_a_failed_removal_changes_nothing(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.errors import KGError

    a = _write(tmp_path / "in", "a.txt", "OPENWAYS TANDEM")
    with KGStore(settings) as store:
        assert ingest([a], settings, store=store, steps=_steps(store.minter)).ok
        before = sorted(map(str, store.quads("all")))

        def broken(*args: object, **kwargs: object) -> Graph:
            raise KGError("the reasoner failed")

        monkeypatch.setattr("kg.reasoning.infer", broken)
        with pytest.raises(KGError, match="reasoner failed"):
            remove_document(store, "a.txt")
        assert sorted(map(str, store.quads("all"))) == before


def test_kept_out_facts_are_reported(tmp_path: Path, settings: Settings) -> None:
    a = _write(tmp_path / "in", "a.txt", "OPENWAYS TANDEM")
    with KGStore(settings) as store:
        report = ingest([a], settings, store=store, steps=_steps(store.minter))
    assert report.ok and report.threshold == settings.confidence_threshold == 0.5
    assert report.kept_out == [KeptOut("a.txt", "OPENWAYS", "hasPartner", "TANDEM", "low-rule", 0.3)]
    assert report.as_dict()["kept_out"] == [{
        "document": "a.txt", "subject": "OPENWAYS", "property": "hasPartner", "object": "TANDEM",
        "rule": "low-rule", "confidence": 0.3,
    }]


def test_pause_hook_is_inert_unless_its_stage_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import ingest as module

    monkeypatch.setenv("KG_TEST_PAUSE_AT", "written:2")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        raise SystemExit  # stand-in for the kill

    monkeypatch.setattr(module.time, "sleep", sleep)
    module._pause("written", 1)
    module._pause("write", 2)
    assert not slept
    with pytest.raises(SystemExit):
        module._pause("written", 2)
    assert slept


@pytest.mark.slow
def test_kg_ingest_report_lists_kept_out_facts(prepared: dict, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    store_path = tmp_path / "store"
    # every fact is below a threshold of 1.01, so the list cannot be empty
    done = CliRunner().invoke(main, ["--store", str(store_path), "ingest", "--report", str(A)],
                              env={"KG_CONFIDENCE_THRESHOLD": "1.01"})
    assert done.exit_code == 0, done.output
    assert "Kept out:" in done.stdout
    header = next(line for line in done.stdout.splitlines() if line.startswith("document"))
    assert header.split() == ["document", "subject", "property", "object", "rule", "confidence"]
    assert A.name in done.stdout.split(header, 1)[1]
    with KGStore(load_settings(store_path)) as store:
        assert store.ask("ASK { ?st a rdf:Statement }")  # GeoNames' own facts are kept
        assert not store.ask(  # no extracted fact (they all carry a confidence) went in
            "ASK { ?st a rdf:Statement ; ikg:confidence ?c }", graphs="documents")
