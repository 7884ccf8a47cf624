"""Query workers on checkpoints of the store on disk: the time limit still cancels a runaway
query, readers never see half a write, old checkpoints go once nobody reads them, and a worker
holds no copy of the store in memory."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.checkpoints import ReaderLock, open_latest, serving_dir
from kg.query_runner import QueryRunner, QueryTimeoutError
from kg.settings import Settings
from kg.store import KGStore

P = URIRef("http://example.org/p")
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _where(store: KGStore) -> tuple[str, bool, int]:
    return str(store.path), store.read_only, store.count("all")


def _runaway(store: KGStore) -> int:
    return len(store.select(RUNAWAY))


def _versions(store: KGStore) -> list[tuple[str, int, int]]:
    """Per document graph: the versions its triples carry and how many triples it has."""
    rows = store.select(
        "SELECT ?g (COUNT(DISTINCT ?v) AS ?versions) (COUNT(*) AS ?n) "
        "WHERE { GRAPH ?g { ?s <http://example.org/p> ?v } } GROUP BY ?g")
    union = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/p> ?v }")[0]["n"])
    return [(str(r["g"]), int(r["versions"]), int(r["n"])) for r in rows] + [("union", 0, union)]


def _doc(store: KGStore, name: str, version: int, size: int) -> list[tuple[URIRef, URIRef, Literal]]:
    base = store.minter.base
    return [(URIRef(f"{base}thing/{name}/{i}"), P, Literal(version)) for i in range(size)]


def _vm_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def store(settings: Settings):  # noqa: ANN201 - a fixture
    with KGStore(settings) as opened:
        opened.replace_graph(opened.minter.document_graph("a.txt"), _doc(opened, "a", 0, 50))
        yield opened


def test_workers_read_a_checkpoint_and_the_time_limit_still_cancels(store: KGStore, settings: Settings) -> None:
    runner = QueryRunner(settings, workers=1, timeout=2, queue_wait=10)
    try:
        runner.publish(store)
        path, read_only, count = runner.call(_where)
        assert read_only and Path(path).parent == serving_dir(settings.store_path) and count == 50
        start = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            runner.call(_runaway)
        assert time.monotonic() - start < 10
        assert runner.call(_where)[2] == 50  # a new worker, on the same checkpoint
    finally:
        runner.close()
    assert not serving_dir(settings.store_path).exists()


def test_readers_never_see_half_a_write(store: KGStore, settings: Settings) -> None:
    size, docs = 50, ["a", "b", "c"]  # "a" is there already, with 50 triples
    runner = QueryRunner(settings, workers=2, timeout=20, queue_wait=20)
    seen: list[list[tuple[str, int, int]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(runner.call(_versions))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    try:
        runner.publish(store)
        readers = [threading.Thread(target=read) for _ in range(3)]
        for t in readers:
            t.start()
        for version in range(1, 6):
            for name in docs:  # a new document, then re-ingests with other content
                store.replace_graph(store.minter.document_graph(f"{name}.txt"), _doc(store, name, version, size))
                runner.publish(store)
        stop.set()
        for t in readers:
            t.join(60)
    finally:
        runner.close()
    assert not errors, errors
    assert len(seen) > 10
    for answer in seen:
        graphs = [(g, v, n) for g, v, n in answer if g != "union"]
        assert all(v == 1 and n == size for _, v, n in graphs), answer  # whole, one version each
        assert dict((g, n) for g, _, n in answer)["union"] == size * len(graphs), answer
    assert _versions(store)[-1] == ("union", 0, size * len(docs))


def _dirs_become(folder: Path, expected: list[str], timeout: float = 20.0) -> bool:
    """Whether the checkpoint folders become `expected` within `timeout` (cleanup follows the
    spares' background reload)."""
    deadline = time.monotonic() + timeout
    while True:
        if sorted(p.name for p in folder.iterdir() if p.is_dir()) == expected:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def test_old_checkpoints_go_once_no_reader_holds_them(store: KGStore, settings: Settings) -> None:
    runner = QueryRunner(settings, workers=1, timeout=10)
    folder = serving_dir(settings.store_path)
    try:
        runner.publish(store)
        held = open_latest(settings)  # a reader outside the pool, like a `kg` read command
        assert held is not None and held.read_only
        first = Path(str(held.path))
        for version in (1, 2):
            store.replace_graph(store.minter.document_graph("a.txt"), _doc(store, "a", version, 5))
            runner.publish(store)
        expected = [first.name, runner._snapshot.name]  # type: ignore[union-attr]
        assert _dirs_become(folder, expected)  # a spare lets go of its old checkpoint as it reloads
        assert held.count("all") == 50  # the held checkpoint still reads the old state
        held.close()
        store.replace_graph(store.minter.document_graph("a.txt"), _doc(store, "a", 3, 5))
        runner.publish(store)
        assert _dirs_become(folder, [runner._snapshot.name])  # type: ignore[union-attr]
        lock = ReaderLock(first)
        assert not lock.acquire()  # gone
    finally:
        runner.close()


def test_a_worker_holds_no_copy_of_the_store(settings: Settings, tmp_path: Path) -> None:
    # ~200,000 quads (an in-memory copy of them takes well over 100 MB).
    with KGStore(settings) as big:
        m = big.minter
        for d in range(40):
            big.replace_graph(m.document_graph(f"d{d}.txt"), [
                (URIRef(f"{m.base}thing/{d}/{i}"), URIRef(f"http://example.org/p{i % 7}"),
                 Literal(f"a literal of some length, number {d}-{i}")) for i in range(5000)])
        empty = KGStore(settings.with_(store_path=tmp_path / "empty"))
        sizes = {}
        for name, store in (("empty", empty), ("big", big)):
            runner = QueryRunner(settings.with_(store_path=store.path), workers=1, timeout=30)
            try:
                runner.publish(store)
                assert runner.call(_where)[1]
                pid = next(iter(runner._all)).process.pid
                sizes[name] = _vm_rss_kb(pid)
            finally:
                runner.close()
        empty.close()
    # Measured: +26 MB (RocksDB's block cache); an in-memory copy of the same quads: +230 MB.
    assert sizes["big"] - sizes["empty"] < 60_000, sizes  # KB
