"""Shared fixtures: per-test settings in a temporary folder, and the seed corpus ingested once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "data" / "corpus"
DEV_DOCS = REPO / "tests" / "data" / "dev"
SEED_GOLD = REPO / "tests" / "data" / "gold" / "seeds.yaml"
# Modules of the extraction pipeline; tests that extract skip when one is missing.
PIPELINE_MODULES = ("kg.extract.pipeline", "kg.extract.nlp", "kg.resolve", "kg.triples")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: needs the spaCy model or a long run")


def require_pipeline() -> None:
    """Skip the calling test when a module of the extraction pipeline is not there yet."""
    for name in PIPELINE_MODULES:
        pytest.importorskip(name)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose store and cache live in the test's temporary folder (KG_* set too)."""
    store = tmp_path / "store"
    cache = tmp_path / "cache"
    monkeypatch.setenv("KG_STORE", str(store))
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    for name in ("KG_BASE_IRI", "KG_SPARQL_ENDPOINT", "KG_SPARQL_UPDATE_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return load_settings()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A KGStore holding data/corpus, ingested once per session through the Python API.

    Slow (loads spaCy): use it from tests marked ``@pytest.mark.slow``. The store stays open
    for the session, so do not point the CLI at its folder (RocksDB allows one opener).
    """
    require_pipeline()
    from kg.ingest import ingest
    from kg.store import KGStore

    root = tmp_path_factory.mktemp("seed")
    seed_settings = load_settings(root / "store", cache_dir=root / "cache")
    store = KGStore(seed_settings)
    report = ingest(sorted(CORPUS.glob("*.txt")), seed_settings, store=store)
    assert not report.failures, report.failures
    try:
        yield store
    finally:
        store.close()
