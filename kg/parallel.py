"""Extraction over several processes or a Dask cluster: the heavy, independent part of ingest.

Resolution and writing stay in the calling process and keep the documents' order, so a
parallel ingest gives the same graph as a single-process one.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from kg.errors import KGError
from kg.model import Document, Extraction

log = logging.getLogger(__name__)

Outcome = Extraction | KGError


@functools.lru_cache(maxsize=2)
def _nlp(model: str):  # noqa: ANN202 - a spaCy Language, typed loosely to keep spaCy out of imports
    from kg.extract.nlp import load_pipeline

    return load_pipeline(model)


def _failure(exc: Exception) -> KGError:
    """A document's extraction failure as the error ingest reports."""
    if isinstance(exc, KGError):
        return exc
    return KGError(f"extraction failed: {type(exc).__name__}: {exc}")


def extract_batch(documents: Sequence[Document], models: Sequence[str]) -> list[Outcome]:
    """Extract documents in this process, in order, with one spaCy pass over the lines of all
    those that share a pipeline; a failing document gives its error and the others go on."""
    from kg.extract.pipeline import extract_document, extract_documents

    outcomes: list[Outcome | None] = [None] * len(documents)
    by_model: dict[str, list[int]] = {}
    for i, model in enumerate(models):
        by_model.setdefault(model, []).append(i)
    for model, indexes in by_model.items():
        try:
            nlp = _nlp(model)
            results = list(extract_documents([documents[i] for i in indexes], nlp))
        except Exception:  # noqa: BLE001 - the batch failed as a whole: one at a time, to say which
            log.debug("batch extraction failed; extracting its documents one by one", exc_info=True)
            results = []
            for i in indexes:
                try:
                    results.append(extract_document(documents[i], _nlp(model)))
                except Exception as exc:  # noqa: BLE001 - reported as the document's failure
                    results.append(exc)
        for i, result in zip(indexes, results, strict=True):
            outcomes[i] = _failure(result) if isinstance(result, Exception) else result
    return [o for o in outcomes if o is not None]


def default_workers() -> int:
    """Number of local cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# Documents extracted together: one spaCy pass over their lines, one task for a worker.
BATCH = 32


def _batches(n: int, size: int) -> list[range]:
    """Consecutive index ranges of at most `size` covering range(n)."""
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def extract_many(
    documents: Sequence[Document],
    models: str | Sequence[str],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    batch: int = BATCH,
) -> Iterator[tuple[Document, Outcome]]:
    """Extract documents, in order, in batches: here, with `workers` local processes or on a Dask
    scheduler. `models` is one spaCy pipeline for all or one per document."""
    names = [models] * len(documents) if isinstance(models, str) else list(models)
    if len(names) != len(documents):
        raise ValueError("extract_many: give one pipeline name per document")
    if scheduler:
        yield from _dask(documents, names, scheduler, batch)
        return
    parallel = workers > 1 and len(documents) > 1
    if parallel:  # small enough batches to keep every worker busy
        batch = max(1, min(batch, -(-len(documents) // workers)))
    chunks = _batches(len(documents), batch)
    if not parallel:
        for chunk in chunks:
            docs = [documents[i] for i in chunk]
            yield from zip(docs, extract_batch(docs, [names[i] for i in chunk]), strict=True)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        futures = [pool.submit(extract_batch, [documents[i] for i in c], [names[i] for i in c])
                   for c in chunks]
        for chunk, fut in zip(chunks, futures, strict=True):
            yield from zip((documents[i] for i in chunk), fut.result(), strict=True)


def _dask(documents: Sequence[Document], models: list[str], address: str, batch: int
          ) -> Iterator[tuple[Document, Outcome]]:
    """Map extraction over an existing Dask distributed cluster, a batch of documents a task."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise KGError("Dask is not installed: pip install 'dask[distributed]' to use --scheduler.") from exc
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise KGError(f"Cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        chunks = _batches(len(documents), batch)
        futures = client.map(extract_batch, [[documents[i] for i in c] for c in chunks],
                             [[models[i] for i in c] for c in chunks], pure=False)
        for chunk, fut in zip(chunks, futures, strict=True):
            yield from zip((documents[i] for i in chunk), fut.result(), strict=True)
    finally:
        client.close()
