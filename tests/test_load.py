"""A bounded load test: mixed traffic on 100k triples, then the same while documents are ingested
through the admin endpoint; no request may fail. The full run is ``python -m benchmarks.load``.

The store is generated once and kept in pytest's cache (about 20 s the first time); the server
runs in this process on 127.0.0.1 with a stand-in pipeline and a stand-in reasoner (the full
run uses the real ones).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF
from waitress.server import create_server
from webapp_support import LiveServer

from benchmarks.load import build_store, request_mix, run_phase, summary, targets
from kg.ingest import Steps
from kg.model import Extraction
from kg.namespaces import IKG
from kg.settings import Settings, load_settings
from kg.store import KGStore
from webapp import create_app

pytestmark = pytest.mark.slow

TRIPLES = 100_000
TOKEN = "load-test-token"
PHASE_SECONDS = 5.0
CLIENTS = 4


def _steps(settings: Settings, store: KGStore) -> Steps:
    """A stand-in pipeline: a document node and its identifier."""

    def triples(extraction: Extraction) -> list[tuple]:
        doc = store.minter.document(extraction.document.id)
        return [(doc, RDF.type, IKG.Document), (doc, DCTERMS.identifier, Literal(extraction.document.id))]

    return Steps(extract=lambda d: Extraction(document=d), resolve=lambda e: e, triples=triples,
                 ontology=lambda: [])


@pytest.fixture(scope="module")
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server on a copy of the cached 100k-triple store, admin endpoint on, no rate limit."""
    cache = Path(request.config.cache.mkdir(f"kg-load-{TRIPLES}-v1"))
    if not (cache / "done").exists():
        shutil.rmtree(cache / "store", ignore_errors=True)
        build_store(cache / "store", TRIPLES, reason=False)
        (cache / "done").write_text("built\n")
    root = tmp_path_factory.mktemp("load")
    shutil.copytree(cache / "store", root / "store")
    settings = load_settings(root / "store", cache_dir=root / "cache").with_(
        admin_token=TOKEN, rate_limit=0, query_timeout=60.0, queue_wait=60.0)
    store = KGStore(settings)
    assert store.count("all") >= TRIPLES
    with pytest.MonkeyPatch.context() as patch:
        # The reasoner over 100k triples takes tens of seconds; the full run measures it.
        patch.setattr("kg.reasoning.update_inferred", lambda store, **_: {"inferred": 0, "stub": True})
        start = time.perf_counter()
        app = create_app(settings, store=store)
        app.config["KG_INGEST_STEPS"] = _steps
        server = create_server(app, host="127.0.0.1", port=0, threads=8)
        thread = threading.Thread(target=server.run, name="waitress-load", daemon=True)
        thread.start()
        runner = app.extensions["kg_runner"]
        assert runner.wait_ready(90)
        print(f"\nserver ready in {time.perf_counter() - start:.1f} s (snapshot written in "
              f"{runner.snapshot_seconds} s, loaded and warmed in {runner.load_seconds} s per worker)")
        live = LiveServer(app, store, settings, f"http://127.0.0.1:{server.effective_port}", server, thread)
        yield live
        runner.close()
        live.stop()


def test_mixed_traffic_with_and_without_ingest(loaded: LiveServer, tmp_path: Path) -> None:
    port = int(loaded.url.rsplit(":", 1)[1])
    t = targets(loaded.store)
    mix = request_mix(loaded.settings.base_iri, t)
    docs = []
    for i in range(3):
        path = tmp_path / f"upload-{i}.txt"
        path.write_text(f"Upload {i} of the load test.", encoding="utf-8")
        docs.append(path)
    phases = [
        run_phase("read-only", port, mix, duration=PHASE_SECONDS, clients=CLIENTS, max_requests=5000),
        run_phase("with-ingest", port, mix, duration=PHASE_SECONDS, clients=CLIENTS, max_requests=5000,
                  ingest=(loaded.url, docs), token=TOKEN, max_seconds=PHASE_SECONDS + 2),
    ]
    figures = [summary(p) for p in phases]
    print(json.dumps([{k: v for k, v in f.items() if k != "by_kind"} for f in figures], indent=1))
    for f in figures:
        assert f["requests"] > 10, f
        assert f["errors"] == 0 and f["limited"] == 0, f["error_examples"]
        assert set(f["by_kind"]) == {"resource", "saved", "sparql", "network"}
    ingest = figures[1]
    assert ingest["ingests"] >= 1 and ingest["ingest_failures"] == 0
    assert loaded.store.has_graph(loaded.store.minter.document_graph("upload-0.txt"))

