"""``python -m benchmarks.write_cost STORE [--remove N]``: what the store's writes cost.

Replays the document graphs of an ingested store (``kg ingest`` into STORE first) the way ingest
and ``kg remove`` write them, into a new on-disk store beside it, extraction left out:

- ``first``: every document graph written, one transaction each, as the first ingest does
  (no inferred graph yet), then the inferred graph rebuilt (``reasoning``, reported apart);
- ``again``: every document written again, with its scoped inference change, as a re-ingest does;
- ``remove``: the last N documents removed one by one (``kg.ingest.remove_document``: the
  inferred graph recomputed, then one transaction).

Prints one JSON object: seconds per phase, documents, quads, and the default graph's size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from kg.ingest import _write_with_inferences, remove_document
from kg.reasoning import update_inferred
from kg.settings import load_settings
from kg.store import KGStore


def measure(source: Path, remove: int = 10) -> dict[str, Any]:
    """Replay the document graphs of the store at `source`; the seconds of each phase."""
    graphs: dict[Any, list[Any]] = defaultdict(list)
    with KGStore(load_settings(store=source)) as store:
        for s, p, o, g in store.quads("documents"):
            graphs[g].append((s, p, o))
        ontology = list(store.triples("ontology"))
    work = Path(tempfile.mkdtemp(prefix="kg-write-cost-"))
    out: dict[str, Any] = {"documents": len(graphs), "quads": sum(map(len, graphs.values()))}
    try:
        settings = load_settings(store=work / "store")
        with KGStore(settings) as store:
            store.replace_graph(store.minter.ontology_graph, ontology)
            start = time.perf_counter()
            for g, triples in graphs.items():
                store.replace_graph(g, triples)
            out["first_s"] = round(time.perf_counter() - start, 3)
            start = time.perf_counter()
            update_inferred(store)
            out["reasoning_s"] = round(time.perf_counter() - start, 3)
            start = time.perf_counter()
            for g, triples in graphs.items():
                _write_with_inferences(store, g, triples)
            out["again_s"] = round(time.perf_counter() - start, 3)
            names = [str(g) for g in list(graphs)[-remove:]] if remove else []
            start = time.perf_counter()
            for name in names:
                remove_document(store, name)
            out["remove_s"] = round(time.perf_counter() - start, 3)
            out["removed"] = len(names)
            store.flush()
            out["quads_after"] = store.count("all")
            out["default_graph_rows"] = int(store.select(
                "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
            out["distinct_triples"] = int(store.select(
                "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
                "{ GRAPH ?g { ?s ?p ?o } } }")[0]["n"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.write_cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="an ingested store (not open elsewhere)")
    parser.add_argument("--remove", type=int, default=10, help="documents to remove (10)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.store, args.remove), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
