"""Load test of the web app: mixed traffic on a store of 100k+ triples, with and without an ingest.

Loopback only (127.0.0.1). The traffic mix: resource pages, saved queries (the shipped ones),
ad-hoc SPARQL and the network view, from a few client threads, each on its own keep-alive
connection; bounded by time and by a request count. The "ingest" phase uploads documents through
the admin endpoint over and over while the clients run. Reports requests/s, p50/p95/p99 latency
and the error rate, overall and per kind of request.

    python -m benchmarks.load                      # 100k triples, 2 x 60 s, writes results/load.json
    python -m benchmarks.load --triples 20000 --duration 10 --out /tmp/load.json

The full run builds the store (generated with benchmarks.reasoning_graph, split into document
graphs, reasoned once), serves it with `kg serve` in a child process (admin token set, rate
limit off), and ingests data/corpus through the admin endpoint with the real pipeline.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.namespaces import IKG
from kg.settings import Settings, load_settings
from kg.store import KGStore

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"  # loopback only, always
DOCUMENTS = 100

# Ad-hoc SPARQL of the mix: {project}, {city}, {org} are filled with IRIs from the store.
ADHOC = (
    "SELECT ?partner ?label WHERE {{ <{project}> ikg:hasPartner ?partner . "
    "OPTIONAL {{ ?partner rdfs:label ?label }} }} LIMIT 50",
    "SELECT ?o ?label WHERE {{ ?o ikg:locatedIn <{city}> ; rdfs:label ?label }} LIMIT 100",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE {{ ?s a ?type }} GROUP BY ?type ORDER BY DESC(?n) LIMIT 20",
    "SELECT ?e ?date WHERE {{ ?e ikg:date ?date . FILTER(?date >= \"2023-06-01\"^^xsd:date) }} "
    "ORDER BY ?date LIMIT 100",
    "CONSTRUCT {{ <{org}> ?p ?o }} WHERE {{ <{org}> ?p ?o }}",
    "ASK {{ <{project}> ikg:fundedBy ?programme }}",
)


# --------------------------------------------------------------------------- the store


def build_store(path: Path, n_triples: int, *, reason: bool = True, base: str | None = None) -> Settings:
    """Fill a store at path with about n generated triples in document graphs; its settings."""
    from benchmarks.reasoning_graph import generate
    from kg.triples import ontology_triples

    settings = load_settings(path, **({"base_iri": base} if base else {}))
    graph = generate(n_triples, base=settings.base_iri)
    store = KGStore(settings)
    try:
        minter = store.minter
        graphs: dict[URIRef, list[Any]] = {}
        for triple in graph:
            doc = f"generated-{sum(str(triple[0]).encode()) % DOCUMENTS:03d}.txt"
            graphs.setdefault(minter.document_graph(doc), []).append(triple)
        for number in range(DOCUMENTS):
            doc = f"generated-{number:03d}.txt"
            node = minter.document(doc)
            graphs.setdefault(minter.document_graph(doc), []).extend(
                [(node, RDF.type, IKG.Document), (node, DCTERMS.identifier, Literal(doc))])
        store.replace_graph(minter.ontology_graph, list(ontology_triples()))
        items = list(graphs.items())
        for start in range(0, len(items), 10):
            store.replace_graphs(dict(items[start:start + 10]))
        if reason:
            from kg.reasoning import update_inferred

            update_inferred(store)
        store.flush()
    finally:
        store.close()
    return settings


def snapshot_load_seconds(settings: Settings) -> dict[str, float]:
    """Time publishing a checkpoint of the store and opening it read-only (a worker's start)."""
    from kg.checkpoints import Checkpoints

    store = KGStore(settings)
    try:
        quads = store.count("all")
        checkpoints = Checkpoints(store)
        try:
            _, path = checkpoints.publish(store)
            written = checkpoints.seconds or 0.0
            start = time.perf_counter()
            reader = KGStore(settings.with_(store_path=path), read_only=True)
            reader.count("inferred")
            loaded = time.perf_counter() - start
            reader.close()
        finally:
            checkpoints.close()
    finally:
        store.close()
    return {"quads": quads, "write_seconds": round(written, 3), "load_seconds": round(loaded, 3)}


def targets(store: KGStore, n: int = 50, seed: int = 1) -> dict[str, list[str]]:
    """IRIs to ask about: projects, organisations, cities, countries, programmes (a seeded sample)."""
    rng = random.Random(seed)
    out: dict[str, list[str]] = {}
    for key, cls in (("project", "Project"), ("org", "Organisation"), ("city", "City"),
                     ("country", "Country"), ("programme", "FundingProgramme")):
        rows = store.select(f"SELECT DISTINCT ?x WHERE {{ ?x a ikg:{cls} }} LIMIT 2000")
        iris = sorted(str(r["x"]) for r in rows)
        out[key] = rng.sample(iris, min(n, len(iris)))
    return out


# --------------------------------------------------------------------------- the traffic


def request_mix(base_iri: str, t: dict[str, list[str]]) -> list[tuple[str, float, Callable[[random.Random], str]]]:
    """(kind, weight, make a path) for each kind of request of the mix."""

    def pick(rng: random.Random, key: str) -> str:
        return rng.choice(t[key])

    def resource(rng: random.Random) -> str:
        iri = pick(rng, rng.choice(("project", "org", "city")))
        return "/resource/" + iri[len(base_iri):]

    def saved(rng: random.Random) -> str:
        name, param, key = rng.choice((
            ("partners_and_cities", "project", "project"),
            ("programme_of_project", "project", "project"),
            ("organisations_in_city", "city", "city"),
            ("projects_in_country", "country", "country"),
            ("projects_of_programme", "programme", "programme"),
        ))
        return f"/api/saved/{name}?" + urllib.parse.urlencode({param: pick(rng, key)})

    def adhoc(rng: random.Random) -> str:
        text = rng.choice(ADHOC).format(project=pick(rng, "project"), city=pick(rng, "city"),
                                        org=pick(rng, "org"))
        return "/sparql?" + urllib.parse.urlencode({"query": text})

    def network(rng: random.Random) -> str:
        return "/network/graph?" + urllib.parse.urlencode({"focus": pick(rng, "project"), "depth": 1})

    return [("resource", 0.4, resource), ("saved", 0.2, saved), ("sparql", 0.25, adhoc),
            ("network", 0.15, network)]


@dataclass
class Sample:
    """One request's outcome."""

    kind: str
    status: int
    seconds: float
    path: str = ""


@dataclass
class Phase:
    """What the clients saw during one phase."""

    name: str
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    ingests: list[dict[str, Any]] = field(default_factory=list)


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def _latency(samples: Sequence[Sample]) -> dict[str, float]:
    values = sorted(s.seconds * 1000 for s in samples)
    return {"p50_ms": round(_percentile(values, 0.50), 1), "p95_ms": round(_percentile(values, 0.95), 1),
            "p99_ms": round(_percentile(values, 0.99), 1), "max_ms": round(values[-1], 1) if values else 0.0}


# Statuses that mean "over a limit on purpose" (rate limit, busy pool, time limit, result size).
LIMITED = {413, 422, 429, 503, 504}


def summary(phase: Phase) -> dict[str, Any]:
    """Requests/s, latency percentiles and error counts of a phase, overall and per kind."""
    samples = phase.samples
    errors = [s for s in samples if s.status != 200 and s.status not in LIMITED]
    limited = [s for s in samples if s.status in LIMITED]
    by_kind = {}
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        by_kind[kind] = {"requests": len(mine), **_latency(mine),
                         "errors": sum(1 for s in mine if s.status != 200)}
    out: dict[str, Any] = {
        "phase": phase.name,
        "seconds": round(phase.seconds, 2),
        "requests": len(samples),
        "requests_per_second": round(len(samples) / phase.seconds, 1) if phase.seconds else 0.0,
        **_latency(samples),
        "errors": len(errors),
        "limited": len(limited),
        "error_rate": round(len(errors) / len(samples), 4) if samples else 0.0,
        "statuses": dict(Counter(str(s.status) for s in samples)),
        "by_kind": by_kind,
        "error_examples": [f"{s.status} {s.path[:120]}" for s in errors[:5]],
    }
    if phase.ingests:
        out["ingests"] = len(phase.ingests)
        out["ingest_seconds"] = [i.get("wall_seconds") for i in phase.ingests]
        out["ingest_failures"] = sum(1 for i in phase.ingests if not i.get("ok"))
    return out


def _client(port: int, mix: list[tuple[str, float, Callable[[random.Random], str]]], done: threading.Event,
            budget: list[int], lock: threading.Lock, out: list[Sample], seed: int) -> None:
    """One client: a keep-alive connection, requests from the mix until done or out of budget."""
    rng = random.Random(seed)
    kinds = [k for k, _, _ in mix]
    weights = [w for _, w, _ in mix]
    makers = {k: m for k, _, m in mix}
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        while not done.is_set():
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            kind = rng.choices(kinds, weights)[0]
            path = makers[kind](rng)
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "text/html" if kind in ("resource", "network")
                                                   else "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 599  # connection failure
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
            out.append(Sample(kind, status, time.perf_counter() - start, path))
    finally:
        conn.close()


def _ingester(url: str, token: str, documents: Sequence[Path], stop: threading.Event,
              out: list[dict[str, Any]]) -> None:
    """Upload the documents through the admin endpoint, again and again, until stopped."""
    from kg.errors import KGError
    from kg.remote import send_documents

    while not stop.is_set():
        start = time.perf_counter()
        try:
            report = send_documents(url, token, documents, timeout=600)
        except KGError as exc:
            report = {"ok": False, "error": str(exc)}
        report["wall_seconds"] = round(time.perf_counter() - start, 2)
        out.append(report)


def run_phase(name: str, port: int, mix: list[tuple[str, float, Callable[[random.Random], str]]], *,
              duration: float, clients: int, max_requests: int = 1_000_000,
              ingest: tuple[str, Sequence[Path]] | None = None, token: str = "",
              settle: float = 0.0, max_seconds: float = 900.0) -> Phase:
    """Run the clients for a while; with `ingest`, an upload loop alongside, and the clients go on
    until the first upload is done plus `settle` seconds (the workers reload then), at most
    `max_seconds`. The samples."""
    phase = Phase(name)
    samples: list[Sample] = []
    lock = threading.Lock()
    budget = [max_requests]
    stop = threading.Event()
    done = threading.Event()
    ingester = None
    if ingest is not None:
        ingester = threading.Thread(target=_ingester, args=(ingest[0], token, ingest[1], stop, phase.ingests),
                                    name="load-ingest", daemon=True)
        ingester.start()
    start = time.monotonic()
    threads = [threading.Thread(target=_client, args=(port, mix, done, budget, lock, samples, 1000 + i),
                                name=f"load-client-{i}", daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    done.wait(duration)
    if ingest is not None:
        stop.set()  # no new round; the clients go on while the current one ends
        while not phase.ingests and time.monotonic() - start < max_seconds:
            time.sleep(0.1)
        done.wait(max(0.0, min(settle, max_seconds - (time.monotonic() - start))))
    done.set()
    for thread in threads:
        thread.join(180)
    phase.seconds = time.monotonic() - start
    if ingester is not None:
        ingester.join(900)
    phase.samples = samples
    return phase


# --------------------------------------------------------------------------- a server to load


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_up(port: int, timeout: float = 120.0) -> None:
    """Wait until the server answers on the port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"),
                         headers={"Accept": "application/json"})
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not come up")
        time.sleep(0.25)


def start_server(settings: Settings, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`kg serve` on the store in a child process, bound to 127.0.0.1."""
    command = [sys.executable, "-m", "kg.cli", "--store", str(settings.store_path),
               "--base-iri", settings.base_iri, "serve", "--host", HOST, "--port", str(port)]
    return subprocess.Popen(command, cwd=REPO, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main(argv: list[str] | None = None) -> None:
    """Build a store, serve it, run the two phases, write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=200_000, help="per phase")
    parser.add_argument("--store", type=Path, default=None, help="reuse (or build) the store here")
    parser.add_argument("--no-reason", action="store_true", help="do not build the inferred graph")
    parser.add_argument("--documents", type=Path, default=REPO / "data" / "corpus")
    parser.add_argument("--timeout", type=float, default=30.0, help="KG_QUERY_TIMEOUT of the server")
    parser.add_argument("--settle", type=float, default=60.0,
                        help="seconds of traffic after the first ingest round (workers reload then)")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="kg-load-"))
    store_path = args.store or workdir / "store"
    settings = load_settings(store_path)
    build: dict[str, Any] = {}
    if not (store_path / "CURRENT").exists():
        start = time.perf_counter()
        settings = build_store(store_path, args.triples, reason=not args.no_reason)
        build["seconds"] = round(time.perf_counter() - start, 1)
    build["snapshot"] = snapshot_load_seconds(settings)
    with KGStore(settings) as store:
        t = targets(store)
    print(f"store: {build}", file=sys.stderr)

    token = secrets.token_urlsafe(24)
    port = free_port()
    env = {"KG_ADMIN_TOKEN": token, "KG_RATE_LIMIT": "0", "KG_QUERY_TIMEOUT": str(args.timeout),
           "KG_QUEUE_WAIT": str(args.timeout), "KG_CACHE_DIR": str(workdir / "cache")}
    server = start_server(settings, port, env)
    try:
        wait_up(port)
        mix = request_mix(settings.base_iri, t)
        run_phase("warm-up", port, mix, duration=min(5.0, args.duration), clients=2)
        documents = sorted(args.documents.glob("*.txt"))
        url = f"http://{HOST}:{port}"
        phases = [
            run_phase("read-only", port, mix, duration=args.duration, clients=args.clients,
                      max_requests=args.max_requests),
            run_phase("with-ingest", port, mix, duration=args.duration, clients=args.clients,
                      max_requests=args.max_requests, ingest=(url, documents), token=token,
                      settle=args.settle),
        ]
    finally:
        server.terminate()
        try:
            _, stderr = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, stderr = server.communicate()
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"triples": args.triples, "clients": args.clients, "duration": args.duration,
                     "query_workers": settings.query_workers, "query_timeout": args.timeout,
                     "ingested_per_round": [p.name for p in sorted(args.documents.glob("*.txt"))]},
        "store": build,
        "phases": [summary(p) for p in phases],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["phases"], indent=2))
    tail = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-5:]
    if tail:
        print("server log tail:\n  " + "\n  ".join(tail), file=sys.stderr)


if __name__ == "__main__":
    main()
