"""The parts of the benchmark that run in a child process, so that their memory peak is their own.

``python -m benchmarks.bench_child ingest CORPUS STORE`` ingests a generated corpus into a new
store, times it against the bare spaCy pipeline and scores it against the corpus's gold file;
``python -m benchmarks.bench_child serve STORE`` serves the store over HTTP and times the saved
queries through the endpoint, directly on pyoxigraph and on rdflib. Each prints one JSON object
on its last line of standard output.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import resource
import statistics
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Report fields of kg.evaluate kept in the benchmark results (the lists are cut short).
QUALITY_KEYS = ("entity_recall", "entity_precision", "relation_recall", "fact_recall",
                "resources_scored_for_precision", "entity_recall_by_type",
                "relation_recall_by_property")


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    VmHWM from /proc where there is one: Linux keeps ``ru_maxrss`` across exec, so a child
    started by a big parent would report at least the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def count_words(texts: list[str]) -> int:
    """Whitespace-separated words of the texts."""
    return sum(len(t.split()) for t in texts)


def _lines(texts: list[str]) -> list[str]:
    """The non-empty stripped lines of the texts (what the extractor parses one by one)."""
    return [line.strip() for t in texts for line in t.split("\n") if line.strip()]


# --------------------------------------------------------------------------- ingest


def run_ingest(corpus: Path, store_dir: Path, *, quality: bool = True,
               rounds: int = 1) -> dict[str, Any]:
    """Ingest a corpus into a new store; time it, the bare spaCy pipeline, and score it.

    The machine's speed drifts (a shared VM: the same spaCy run takes from 5 to 8 s a few seconds
    apart), so bare spaCy is timed right before and right after each ingest, and each round's
    ratio uses the mean of those two; with several rounds (each into a new store) the median
    round counts. The last round's store is kept, and scored."""
    import shutil

    from kg.evaluate import evaluate, load_gold
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import warm_up
    from kg.ingest import ingest
    from kg.settings import load_settings
    from kg.store import KGStore
    from kg.triples import ontology_triples

    rss_start = max_rss_mb()
    paths = sorted(Path(corpus).glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    words = count_words(texts)
    settings = load_settings(store=store_dir)
    started = time.perf_counter()
    nlp = load_pipeline(settings.spacy_model)
    # What either side loads once per process is loaded before the clocks start: the spaCy model
    # (and its first calls, which allocate buffers), the gazetteer, reference names, theme
    # scheme and ontology.
    warm_up()
    ontology_triples()
    list(nlp.pipe(texts[:3]))
    setup_s = time.perf_counter() - started
    rss_ready = max_rss_mb()

    def bare_spacy() -> float:
        return _timed(lambda: list(nlp.pipe(texts)))

    spacy_runs = [bare_spacy()]
    runs: list[dict[str, Any]] = []
    for number in range(max(1, rounds)):
        last = number == max(1, rounds) - 1
        target = store_dir if last else store_dir.with_name(f"{store_dir.name}-round{number}")
        shutil.rmtree(target, ignore_errors=True)
        stamps: list[float] = []
        start = time.perf_counter()
        cpu_start = time.process_time()
        report = ingest(paths, settings.with_(store_path=target),
                        progress=lambda *_, s=stamps: s.append(time.perf_counter()))
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        reasoning = dict(report.reasoning or {})
        reasoning_s = float(reasoning.get("seconds", 0.0) or 0.0)
        spacy_runs.append(bare_spacy())
        pipeline_run_s = wall - reasoning_s
        runs.append({
            "pipeline_seconds": round(pipeline_run_s, 3),
            "pipeline_cpu_seconds": round(cpu - reasoning_s, 3),
            "spacy_before_after_seconds": [round(spacy_runs[-2], 3), round(spacy_runs[-1], 3)],
            "ratio": round((spacy_runs[-2] + spacy_runs[-1]) / 2 / pipeline_run_s, 3),
            "stamps": stamps, "start": start, "report": report, "reasoning": reasoning,
        })
        if not last:
            shutil.rmtree(target, ignore_errors=True)
    rss_ingest = max_rss_mb()
    final = runs[-1]
    report, reasoning, stamps, start = final["report"], final["reasoning"], final["stamps"], final["start"]
    reasoning_s = float(reasoning.get("seconds", 0.0) or 0.0)
    ratio = statistics.median(r["ratio"] for r in runs)
    pipeline_s = statistics.median(r["pipeline_seconds"] for r in runs)
    spacy_s = statistics.median(spacy_runs)
    # Throughput of the first and last tenth of the batch: does resolution slow down as the
    # store fills?
    tenth = max(1, len(paths) // 10)
    first_s = stamps[tenth - 1] - start if stamps else 0.0
    last_s = stamps[-1] - stamps[-tenth - 1] if len(stamps) > tenth else first_s
    first_words = count_words(texts[:tenth])
    last_words = count_words(texts[-tenth:])
    lines = _lines(texts)
    spacy_lines_s = _timed(lambda: list(nlp.pipe(lines)))

    result: dict[str, Any] = {
        "documents": len(paths),
        "words": words,
        "ingested": len(report.documents),
        "failures": len(report.failures),
        "triples": report.triples,
        "entities": report.entities,
        "facts": report.facts,
        "setup_seconds": round(setup_s, 2),
        "pipeline_seconds": round(pipeline_s, 3),
        "reasoning_seconds": round(reasoning_s, 3),
        "reasoning": reasoning,
        "pipeline_words_per_s": round(words / pipeline_s, 1),
        "pipeline_docs_per_s": round(len(paths) / pipeline_s, 2),
        "first_tenth_words_per_s": round(first_words / first_s, 1) if first_s else None,
        "last_tenth_words_per_s": round(last_words / last_s, 1) if last_s else None,
        "spacy_seconds": round(spacy_s, 3),
        "rounds": [{k: v for k, v in r.items() if k not in ("stamps", "start", "report", "reasoning")}
                   for r in runs],
        "spacy_words_per_s": round(words / spacy_s, 1),
        "spacy_lines_words_per_s": round(words / spacy_lines_s, 1),
        "ratio": round(ratio, 3),
        "memory": {"rss_after_imports_mb": rss_start, "rss_model_loaded_mb": rss_ready,
                   "rss_peak_ingest_mb": rss_ingest},
    }
    gold_path = Path(corpus) / "gold.yaml"
    if quality and gold_path.exists():
        start = time.perf_counter()
        with KGStore(settings) as store:
            graph = store.graph("all")
        scored = evaluate(load_gold(gold_path), graph, [p.name for p in paths])
        quality_result = {k: scored[k] for k in QUALITY_KEYS}
        quality_result["duplicates"] = len(scored["duplicates"])
        quality_result["duplicates_sample"] = scored["duplicates"][:10]
        quality_result["geonames_missing"] = len(scored["geonames_missing"])
        quality_result["missing_entities"] = len(scored["missing_entities"])
        quality_result["missing_entities_sample"] = scored["missing_entities"][:10]
        quality_result["missing_relations"] = len(scored["missing_relations"])
        quality_result["unexpected_sample"] = scored["unexpected_resources"][:10]
        quality_result["seconds"] = round(time.perf_counter() - start, 2)
        result["quality"] = quality_result
    return result


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- queries


def _values_clause(bindings: Mapping[str, Any]) -> str:
    """A SPARQL VALUES block that binds the parameters (terms in N-Triples syntax)."""
    from kg.store import to_ox

    if not bindings:
        return ""
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(to_ox(v)) for v in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def inline_bindings(sparql: str, bindings: Mapping[str, Any]) -> str:
    """The query text with its parameters bound by a VALUES block at the top of the WHERE clause
    (every engine answers the same text; the values are our own IRIs and literals)."""
    clause = _values_clause(bindings)
    if not clause:
        return sparql
    upper = sparql.upper()
    at = upper.find("WHERE")
    brace = sparql.find("{", at)
    if at < 0 or brace < 0:
        return sparql
    return f"{sparql[:brace + 1]}\n  {clause}\n{sparql[brace + 1:]}"


def pick_resource(store: Any, cls: Any) -> Any:
    """The member of a class (or its core subclasses) with the most triples about it."""
    from kg.queries import CORE_CLASSES

    classes = CORE_CLASSES.get(cls, frozenset({cls}))
    values = " ".join(f"<{c}>" for c in sorted(classes))
    rows = store.select(
        "SELECT ?s (COUNT(*) AS ?n) WHERE { VALUES ?c { " + values + " } ?s a ?c . ?s ?p ?o } "
        "GROUP BY ?s ORDER BY DESC(?n) STR(?s) LIMIT 1")
    return rows[0]["s"] if rows else None


def query_cases(store: Any) -> list[dict[str, Any]]:
    """The saved queries as benchmark cases: name, bound parameters and the inlined text."""
    from kg.namespaces import IKG
    from kg.queries import bind_params, list_queries

    cases: list[dict[str, Any]] = [{
        "name": "_small_labels",
        "sparql": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s LIMIT 10",
        "saved": None, "values": {}, "note": "every label sorted: small answer, whole-store scan",
    }, {
        "name": "_floor", "sparql": "SELECT * WHERE { }", "saved": None, "values": {},
        "note": "no work at all: the fixed cost of a request on each path",
    }]
    for query in list_queries():
        if query.handler:
            cases.append({"name": query.name, "skipped": f"answered by Python ({query.handler})"})
            continue
        values: dict[str, Any] = {}
        for param in query.params:
            if param.type == "resource" and param.default is None:
                # a parameter of no class ("any resource") gets a well-described project
                found = pick_resource(store, param.cls if param.cls is not None else IKG.Project)
                if found is None:
                    break
                values[param.name] = found
        else:
            bindings = bind_params(store, query, values)
            cases.append({"name": query.name, "sparql": inline_bindings(query.sparql, bindings),
                          "saved": query, "values": values,
                          "bindings": {k: str(v) for k, v in bindings.items()}})
            continue
        cases.append({"name": query.name, "skipped": "no resource of the parameter's class"})
    return cases


def _percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/min in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * (len(ms) - 1))))]
    return {"p50": round(statistics.median(ms), 3), "p95": round(p95, 3),
            "min": round(ms[0], 3), "n": len(ms)}


class _Endpoint:
    """The web app served by waitress on a free local port, in a thread."""

    def __init__(self, settings: Any, store: Any) -> None:
        import waitress

        from webapp import create_app

        self.app = create_app(settings, store=store)
        # The pool of query workers (kg.query_runner), when this version of the app has one.
        self.runner = self.app.extensions.get("kg_runner")
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=4)
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def query(self, sparql: str) -> tuple[int, bytes]:
        """GET /sparql?query=… for JSON results; returns (status, body)."""
        path = "/sparql?" + urllib.parse.urlencode({"query": sparql})
        self.conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def close(self) -> None:
        """Stop the server and its query workers."""
        self.conn.close()
        self.server.close()
        if self.runner is not None:
            self.runner.close()

    def tree_rss_mb(self) -> float:
        """Current RSS of this process and its children (the query workers), in MiB."""
        import psutil

        me = psutil.Process()
        total = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(True))
        return round(total / 1024 / 1024, 1)


def _emit(line: str) -> None:
    """One protocol line for the parent (START/DONE), flushed at once."""
    print(line, flush=True)


def run_probe(store_dir: Path, skip: set[str]) -> None:
    """Run each saved query once on pyoxigraph, announcing each (the parent enforces a time cap)."""
    from kg.settings import load_settings
    from kg.store import KGStore

    with KGStore(load_settings(store=store_dir)) as store:
        for case in query_cases(store):
            if "sparql" not in case or case["name"] in skip:
                continue
            _emit(f"START {case['name']}")
            start = time.perf_counter()
            rows = len(store.select(case["sparql"]))
            _emit(f"DONE {case['name']} " + json.dumps(
                {"seconds": round(time.perf_counter() - start, 4), "rows": rows}))


def run_rdflib(store_dir: Path, skip: set[str], *, repeats: int = 20,
               budget_s: float = 10.0) -> None:
    """Time each saved query on an rdflib Dataset with the same quads, announcing each."""
    from kg.settings import load_settings
    from kg.store import KGStore

    with KGStore(load_settings(store=store_dir)) as store:
        cases = [c for c in query_cases(store) if "sparql" in c and c["name"] not in skip]
        dataset, load_s = _rdflib_dataset(store)
    _emit("LOADED " + json.dumps({"seconds": round(load_s, 2), "rss_mb": max_rss_mb()}))
    for case in cases:
        _emit(f"START {case['name']}")
        samples: list[float] = []
        rows = 0
        try:
            while len(samples) < repeats and sum(samples) < budget_s:
                start = time.perf_counter()
                rows = len(list(dataset.query(case["sparql"])))
                samples.append(time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 - rdflib cannot answer every query
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
            _emit(f"DONE {case['name']} " + json.dumps({"samples": [], "error": error}))
            continue
        _emit(f"DONE {case['name']} " + json.dumps({"samples": samples, "rows": rows}))
    _emit("END " + json.dumps({"rss_mb": max_rss_mb()}))


def run_serve(store_dir: Path, *, repeats: int = 20, skip: set[str] | None = None,
              budget_s: float = 30.0) -> dict[str, Any]:
    """Time each saved query through the live endpoint, on pyoxigraph directly and by run_saved."""
    from kg.queries import run_saved
    from kg.settings import load_settings
    from kg.store import KGStore

    skip = skip or set()
    # The rate limit is off: the benchmark is one client sending hundreds of queries.
    settings = load_settings(store=store_dir).with_(rate_limit=0)
    store = KGStore(settings)
    rss_open = max_rss_mb()
    quads = store.count()
    cases = query_cases(store)
    endpoint: _Endpoint | None = None
    endpoint_error = None
    try:
        endpoint = _Endpoint(settings, store)
    except Exception as exc:  # noqa: BLE001 - the web app may not be importable yet
        endpoint_error = f"endpoint skipped: {type(exc).__name__}: {exc}"
        log.warning(endpoint_error)
    runnable = [c for c in cases if "sparql" in c and c["name"] not in skip]
    memory_store = _memory_copy(store, settings)
    timings: dict[str, dict[str, list[float]]] = {
        c["name"]: {"direct": [], "direct_mem": [], "saved": [], "json": [], "flask": [],
                    "endpoint": []}
        for c in runnable}
    client = endpoint.app.test_client() if endpoint is not None else None

    def via_flask(sparql: str) -> object:
        assert client is not None
        return client.get("/sparql", query_string={"query": sparql},
                          headers={"Accept": "application/sparql-results+json"}).data

    for case in runnable:  # warm-up, and the row counts each path returns
        case["rows_direct"] = len(store.select(case["sparql"]))
        if case["saved"] is not None:
            case["rows_saved"] = len(run_saved(store, case["saved"], case["values"])[1])
        if endpoint is not None:
            status, body = endpoint.query(case["sparql"])
            case["endpoint_status"] = status
            if status == 200:
                case["rows_endpoint"] = len(json.loads(body)["results"]["bindings"])
    spent: dict[str, float] = {c["name"]: 0.0 for c in runnable}
    for i in range(repeats):  # interleaved, so that drifts hit every path alike
        for case in runnable:
            if i >= 3 and spent[case["name"]] > budget_s:
                continue  # a slow query: fewer samples rather than a run of hours
            t = timings[case["name"]]
            round_start = time.perf_counter()
            t["direct"].append(_timed(lambda c=case: store.select(c["sparql"])))
            t["direct_mem"].append(_timed(lambda c=case: memory_store.select(c["sparql"])))
            t["json"].append(_timed(lambda c=case: store.serialize_query(c["sparql"], "json")))
            if client is not None:
                t["flask"].append(_timed(lambda c=case: via_flask(c["sparql"])))
            if case["saved"] is not None:
                t["saved"].append(_timed(
                    lambda c=case: run_saved(store, c["saved"], c["values"])))
            if endpoint is not None:
                t["endpoint"].append(_timed(lambda c=case: endpoint.query(c["sparql"])))
            spent[case["name"]] += time.perf_counter() - round_start
    rss_serving = max_rss_mb()
    tree_rss = endpoint.tree_rss_mb() if endpoint is not None else None
    workers = getattr(endpoint.runner, "size", 0) if endpoint is not None and endpoint.runner else 0
    if endpoint is not None:
        endpoint.close()
    store.close()

    results = []
    for case in cases:
        if "sparql" not in case or case["name"] in skip:
            results.append({"query": case["name"],
                            "skipped": case.get("skipped", "over the time cap (see probe)")})
            continue
        t = timings[case["name"]]
        row: dict[str, Any] = {"query": case["name"], "bindings": case.get("bindings", {}),
                               "rows": case["rows_direct"]}
        for path in ("direct", "direct_mem", "saved", "json", "flask", "endpoint"):
            if t.get(path):
                row[path] = _percentiles(t[path])
        if "endpoint" in row:
            row["endpoint_ratio"] = round(row["endpoint"]["p50"] / row["direct"]["p50"], 2)
            # the query workers answer from an in-memory copy: compare like with like too
            row["endpoint_ratio_mem"] = round(
                row["endpoint"]["p50"] / row["direct_mem"]["p50"], 2)
        for k in ("rows_saved", "rows_endpoint", "endpoint_status"):
            if k in case:
                row[k] = case[k]
        results.append(row)
    return {"quads": quads, "repeats": repeats, "queries": results,
            "endpoint_error": endpoint_error, "query_workers": workers,
            "memory": {"rss_store_open_mb": rss_open, "rss_peak_serving_mb": rss_serving,
                       "rss_serving_with_workers_mb": tree_rss}}


def _memory_copy(store: Any, settings: Any) -> Any:
    """An in-memory KGStore with the same quads (what the server's query workers queried before
    they read checkpoints on disk), its union of the document graphs included."""
    import tempfile

    import pyoxigraph as ox

    from kg.store import KGStore

    copy = KGStore(settings, in_memory=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.nq"
        with path.open("wb") as out:
            store.export(out, "nquads", "all")
        loader = getattr(copy, "load_snapshot", None)
        if callable(loader):
            loader(path)
        else:  # no public bulk load yet: pyoxigraph's own loader
            copy._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    rebuild = getattr(copy, "rebuild_union", None)
    if callable(rebuild):  # exports hold the named graphs; queries read the union too
        rebuild()
    return copy


def _rdflib_dataset(store: Any) -> tuple[Any, float]:
    """Every quad of the store in an rdflib Dataset whose default graph is the union."""
    from rdflib import Dataset, URIRef

    start = time.perf_counter()
    dataset = Dataset(default_union=True)
    contexts: dict[URIRef, Any] = {}

    def quads() -> Any:
        for s, p, o, g in store.quads("all"):
            ctx = contexts.get(g)
            if ctx is None:
                ctx = contexts[g] = dataset.graph(g)
            yield s, p, o, ctx

    dataset.addN(quads())
    return dataset, time.perf_counter() - start


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    """Run one child task; results go to standard output (JSON on the last line)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="task", required=True)
    p_ingest = sub.add_parser("ingest")
    p_ingest.add_argument("corpus", type=Path)
    p_ingest.add_argument("store", type=Path)
    p_ingest.add_argument("--no-quality", action="store_true")
    p_ingest.add_argument("--rounds", type=int, default=1)
    for task in ("serve", "probe", "rdflib"):
        p = sub.add_parser(task)
        p.add_argument("store", type=Path)
        p.add_argument("--repeats", type=int, default=20)
        p.add_argument("--skip", default="", help="comma-separated query names to leave out")
        p.add_argument("--budget", type=float, default=10.0,
                       help="seconds per query after which no more samples are taken")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.task == "ingest":
        result = run_ingest(args.corpus, args.store, quality=not args.no_quality,
                            rounds=args.rounds)
        print(json.dumps(result, ensure_ascii=False))
        return
    skip = {s for s in args.skip.split(",") if s}
    if args.task == "probe":
        run_probe(args.store, skip)
    elif args.task == "rdflib":
        run_rdflib(args.store, skip, repeats=args.repeats, budget_s=args.budget)
    else:
        print(json.dumps(run_serve(args.store, repeats=args.repeats, skip=skip,
                                   budget_s=args.budget), ensure_ascii=False))


if __name__ == "__main__":
    main()
