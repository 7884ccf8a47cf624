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


def extract_one(document: Document, model: str) -> Outcome:
    """Extract one document in this process (loads the pipeline once per process)."""
    from kg.extract.pipeline import extract_document

    try:
        return extract_document(document, _nlp(model))
    except KGError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a failure is the document's, reported by the caller
        return KGError(f"extraction failed: {type(exc).__name__}: {exc}")


def default_workers() -> int:
    """Number of local cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def extract_many(
    documents: Sequence[Document],
    model: str,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[tuple[Document, Outcome]]:
    """Extract documents, in order, with `workers` local processes or on a Dask scheduler."""
    if scheduler:
        yield from _dask(documents, model, scheduler)
    elif workers > 1 and len(documents) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(documents))) as pool:
            futures = [pool.submit(extract_one, d, model) for d in documents]
            for doc, fut in zip(documents, futures, strict=True):
                yield doc, fut.result()
    else:
        for doc in documents:
            yield doc, extract_one(doc, model)


def _dask(documents: Sequence[Document], model: str, address: str) -> Iterator[tuple[Document, Outcome]]:
    """Map extraction over an existing Dask distributed cluster."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise KGError("Dask is not installed: pip install 'dask[distributed]' to use --scheduler.") from exc
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise KGError(f"Cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        futures = client.map(extract_one, list(documents), model=model, pure=False)
        for doc, fut in zip(documents, futures, strict=True):
            yield doc, fut.result()
    finally:
        client.close()
