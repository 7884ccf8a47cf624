"""Extraction quality, measured the way the project is judged: the shipped corpus alone against
its reference annotation, then the development documents ingested on top of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.evaluate import evaluate, format_report, load_gold

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "corpus").glob("*.txt"))
DEV = sorted((ROOT / "tests" / "data" / "dev").glob("*.txt"))
GOLD = ROOT / "tests" / "data" / "gold"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with the seeds ingested; the dev documents are added by the second test."""
    from kg.settings import load_settings
    from kg.store import KGStore

    settings = load_settings(store=tmp_path_factory.mktemp("quality") / "store")
    s = KGStore(settings)
    yield s
    s.close()


def _ingest(store, paths):
    from kg.ingest import ingest

    report = ingest(paths, store.settings, store=store)
    assert not report.failures, report.failures


def test_seed_corpus_scores(store, capsys):
    _ingest(store, SEEDS)
    report = evaluate(load_gold(GOLD / "seeds.yaml"), store.graph("all"), [p.name for p in SEEDS])
    with capsys.disabled():
        print("\n--- shipped corpus vs seeds.yaml ---\n" + format_report(report))
    assert report["entity_recall"] >= 0.95
    assert report["relation_recall"] >= 0.85
    assert report["entity_precision"] >= 0.9
    assert report["fact_recall"] == 1.0
    assert report["duplicates"] == []
    assert report["geonames_missing"] == []


def test_development_documents_on_top_of_seeds(store, capsys):
    _ingest(store, DEV)
    report = evaluate(load_gold(GOLD / "dev.yaml"), store.graph("all"), [p.name for p in DEV])
    with capsys.disabled():
        print("\n--- development documents vs dev.yaml ---\n" + format_report(report))
    assert report["entity_recall"] >= 0.9
    assert report["entity_precision"] >= 0.9
    assert report["relation_recall"] >= 0.75
    assert report["duplicates"] == []
    assert report["geonames_missing"] == []
    # the seeds still score after the dev documents went in (shared places resolve to one resource)
    seeds = evaluate(load_gold(GOLD / "seeds.yaml"), store.graph("all"), [p.name for p in SEEDS])
    assert seeds["duplicates"] == [] and seeds["entity_recall"] >= 0.95
