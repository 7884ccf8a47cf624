"""The benchmark tooling: a deterministic corpus generator whose gold file matches what it wrote,
and a smoke run of the benchmark functions that returns the documented JSON keys."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate_corpus  # noqa: E402
from kg.evaluate import load_gold, normalise_name  # noqa: E402


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate_corpus(12, folder, seed=3)
    return folder


def test_generator_is_deterministic_for_a_seed(corpus: Path, tmp_path: Path) -> None:
    generate_corpus(12, tmp_path / "again", seed=3)
    assert _digest(corpus) == _digest(tmp_path / "again")
    generate_corpus(12, tmp_path / "other", seed=4)
    assert _digest(corpus) != _digest(tmp_path / "other")


def test_generator_writes_the_three_genres(corpus: Path) -> None:
    docs = sorted(corpus.glob("*.txt"))
    assert len(docs) == 12
    texts = {p.stem.split("_", 1)[1]: p.read_text(encoding="utf-8") for p in docs}
    assert set(texts) == {"news", "factsheet", "timeline"}
    assert "Project acronym:" in texts["factsheet"] and "project number" in texts["factsheet"]
    assert re.search(r"^\d\d\.\d\d\.\d{4} \u2013 \d\d\.\d\d\.\d{4} \u2013 ", texts["timeline"], re.M)


def test_gold_parses_and_names_every_entity_it_wrote(corpus: Path) -> None:
    gold = load_gold(corpus / "gold.yaml")
    texts = {p.stem: normalise_name(p.read_text(encoding="utf-8")) for p in corpus.glob("*.txt")}
    types = {e["type"] for e in gold["entities"].values()}
    assert {"Project", "Organisation", "Person", "City", "Country", "Event",
            "FundingProgramme"} <= types
    for eid, entity in gold["entities"].items():
        for doc in entity.get("docs", []):
            assert any(normalise_name(n) in texts[doc] for n in entity["names"]), (eid, doc)
        if entity["type"] in ("City", "Country"):
            assert isinstance(entity["geonames"], int)
    mentioned = {eid for eid, e in gold["entities"].items() if e.get("docs")}
    # only countries reached through a city's reference data are never written
    assert all(e["type"] == "Country" for eid, e in gold["entities"].items()
               if eid not in mentioned)
    properties = {r[1] for r in gold["relations"]}
    assert {"hasPartner", "coordinator", "locatedIn", "operatesIn", "fundedBy",
            "participatedIn", "organisedBy", "activityOf", "memberOf"} <= properties
    facts = {f[1] for f in gold["facts"]}
    assert {"projectNumber", "startDate", "endDate"} <= facts


def test_gold_names_the_real_reference_places(corpus: Path) -> None:
    from kg.reference.places import lookup_place

    gold = load_gold(corpus / "gold.yaml")
    for entity in gold["entities"].values():
        if entity["type"] == "City":
            found = lookup_place(entity["names"][0])
            assert found is not None and found.geonames_id == entity["geonames"]


@pytest.mark.slow
def test_smoke_run_returns_the_documented_keys(tmp_path: Path) -> None:
    from benchmarks.run import config_for, run_benchmarks

    results = run_benchmarks(config_for("smoke"), work=tmp_path)
    assert {"pipeline_words_per_s", "spacy_words_per_s", "ratio"} <= set(results["ingest"])
    assert {"direct_ms_p50", "endpoint_ms_p50", "ratio"} <= set(results["endpoint"])
    assert results["reasoning"]
    for row in results["reasoning"]:
        assert {"triples", "seconds", "inferred", "engine"} <= set(row)
    assert {"platform", "cpu_count", "python", "packages"} <= set(results["machine"])
    assert results["ingest"]["sizes"][0]["failures"] == 0
    assert {"replace_graph_quads_per_s", "bulk_load_quads_per_s"} <= set(results["store_write"])
    assert results["memory"][0]["rss_peak_ingest_mb"] > 0
    assert set(results["targets"]) == {"pipeline_vs_spacy", "endpoint_overhead", "reasoning_1m"}
