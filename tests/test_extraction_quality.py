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


REAL = sorted((ROOT / "tests" / "data" / "dev-real").glob("w*.txt"))
PARTS = {"tune": range(1, 21), "check": range(21, 31)}
# Regression floors, below the scores measured when they were set (tune 0.73 / 0.83 / 0.48,
# check 0.58 / 0.69 / 0.19): the targets are higher and not yet met.
FLOORS = {"tune": (0.70, 0.78, 0.44), "check": (0.53, 0.63, 0.16)}


def _number(code: str) -> int:
    return int(code[1:3]) if code[:1] == "w" and code[1:3].isdigit() else -1


def split_gold(gold: dict, numbers: range) -> dict:
    """The part of the real development gold whose documents are numbered in `numbers`
    (entities of those documents, relations and facts between them), as the shared splitter does."""
    keep = {k for k, v in gold["entities"].items() if any(_number(d) in numbers for d in v.get("docs", []))}
    return {
        "entities": {k: v for k, v in gold["entities"].items() if k in keep},
        "relations": [r for r in gold.get("relations", []) if r[0] in keep and r[2] in keep],
        "facts": [f for f in gold.get("facts", []) if f[0] in keep],
        "also_ok": gold.get("also_ok", []),
    }


@pytest.fixture(scope="module")
def real_store(store):
    """The store with the seeds (again: re-ingest replaces) and the real documents ingested."""
    _ingest(store, SEEDS + REAL)
    return store


@pytest.mark.parametrize("part", ["tune", "check"])
def test_real_documents_on_top_of_seeds(real_store, capsys, part):
    """The thirty real web texts (tune w01-w20, check w21-w30), scored per part; the check part
    is never tuned on, only its scores are read."""
    store = real_store
    gold = split_gold(load_gold(GOLD / "dev-real.yaml"), PARTS[part])
    docs = [p.name for p in REAL if _number(p.name[:3]) in PARTS[part]]
    report = evaluate(gold, store.graph("all"), docs)
    shown = format_report(report) if part == "tune" else (  # the check part: its scores only, never its misses
        f"entity recall {report['entity_recall']}, precision {report['entity_precision']}, "
        f"relation recall {report['relation_recall']}, facts {report['fact_recall']}, "
        f"duplicates {len(report['duplicates'])}"
    )
    with capsys.disabled():
        print(f"\n--- real documents, {part} part vs dev-real.yaml ---\n" + shown)
    recall, precision, relations = FLOORS[part]
    assert report["entity_recall"] >= recall
    assert report["entity_precision"] >= precision
    assert report["relation_recall"] >= relations
