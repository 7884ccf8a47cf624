"""A public endpoint that cannot be turned against its host, tested on live servers on loopback:
SERVICE refused (a loopback listener sees no connection) unless listed, deep nesting refused
before parsing, a worker crash answered 503 + Retry-After with the next query served at once."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from public_support import Listener, request, sparql_get, start_live, stop_live
from webapp_support import LiveServer

from kg.cli import main
from kg.settings import Settings

QUICK = "ASK { ?s ?p ?o }"
DEEP_PARENS = "SELECT * WHERE { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }"
DEEP_BRACES = "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """A loopback SPARQL endpoint that must not be called unless allowed."""
    server = Listener()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The defaults: no SERVICE endpoint allowed; one query worker and one spare."""
    live = start_live(tmp_path_factory.mktemp("closed"), query_workers=1, query_spares=1)
    yield live
    stop_live(live)


def federated(endpoint: str) -> list[str]:
    """SERVICE calls to an endpoint in every query form, nested, in odd spellings."""
    return [
        f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"select * where {{ sErViCe silent <{endpoint}> {{ ?s ?p ?o }} }}",
        f"ASK {{ {{ SELECT ?s WHERE {{ OPTIONAL {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{endpoint}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"PREFIX here: <{endpoint.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE here:sparql {{ }} }}",
    ]


def test_service_to_a_loopback_listener_is_refused_and_never_called(
        closed: LiveServer, listener: Listener) -> None:
    for query in federated(listener.url):
        for method in ("GET", "POST"):
            if method == "GET":
                status, _, text, _ = sparql_get(closed, query, accept="*/*")
            else:
                status, _, text, _ = request(closed, "POST", "/sparql", body=query.encode(),
                                             headers={"Content-Type": "application/sparql-query"})
            assert status == 400, (query, status, text)
            assert "KG_SERVICE_ALLOW" in text, text
    assert listener.connections == 0 and listener.requests == []
    # `service` in a literal or a comment is no SERVICE.
    status, _, text, _ = sparql_get(
        closed, f'SELECT ?x WHERE {{ BIND("SERVICE <{listener.url}> {{}}" AS ?x) }} # SERVICE')
    assert status == 200 and "SERVICE" in text


def test_saved_queries_and_the_query_page_follow_the_same_rule(
        closed: LiveServer, listener: Listener) -> None:
    folder = Path(closed.app.config["KG_QUERIES_DIR"])
    (folder / "federated.rq").write_text(
        "# title: Federated\n# description: calls out\n"
        f"SELECT ?s WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}\n", encoding="utf-8")
    try:
        status, _, text, _ = request(closed, "GET", "/api/saved/federated",
                                     headers={"Accept": "application/json"})
        assert status == 400 and "KG_SERVICE_ALLOW" in text, text
        # The query page sends its queries to /sparql, form-encoded (as YASGUI does).
        body = urllib.parse.urlencode({"query": federated(listener.url)[0]}).encode()
        status, _, text, _ = request(closed, "POST", "/sparql", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        assert status == 400 and "KG_SERVICE_ALLOW" in text
    finally:
        (folder / "federated.rq").unlink()
    assert listener.connections == 0


def test_without_query_workers_the_guard_alone_keeps_service_in(
        tmp_path: Path, listener: Listener) -> None:
    live = start_live(tmp_path, query_workers=0)
    try:
        for query in federated(listener.url):
            status, _, text, _ = sparql_get(live, query, accept="*/*")
            assert status == 400 and "KG_SERVICE_ALLOW" in text, (query, text)
    finally:
        stop_live(live)
    assert listener.connections == 0


def test_a_listed_endpoint_is_called_and_a_scheme_prefix_opens_no_loopback(
        tmp_path: Path, listener: Listener) -> None:
    other = Listener()
    closed_port = socket.socket()
    closed_port.bind(("127.0.0.1", 0))
    down = f"http://127.0.0.1:{closed_port.getsockname()[1]}/sparql"
    closed_port.close()  # listed, but nothing listens there
    live = start_live(tmp_path, query_workers=1, query_spares=0,
                      service_allow=(listener.url, down, "http://"))
    try:
        before = len(listener.requests)
        status, _, text, _ = sparql_get(live, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        assert status == 200, text
        assert json.loads(text)["results"]["bindings"] == []
        assert len(listener.requests) == before + 1
        method, path, body = listener.requests[-1]
        assert method == "POST" and path == "/sparql" and b"?s" in body
        # `http://` allows public hosts, never loopback: the other listener is not called.
        status, _, text, _ = sparql_get(live, f"SELECT * WHERE {{ SERVICE <{other.url}> {{ ?s ?p ?o }} }}")
        assert status == 400 and "KG_SERVICE_ALLOW" in text
        status, _, text, _ = sparql_get(live, "SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }")
        assert status == 400 and "KG_SERVICE_ALLOW" in text
        # Listed but down: the engine's error, as a 400 (not a worker failure).
        status, _, text, _ = sparql_get(live, f"SELECT * WHERE {{ SERVICE <{down}> {{ ?s ?p ?o }} }}")
        assert status == 400 and "Query failed" in text, text
    finally:
        stop_live(live)
        other.stop()
    assert other.connections == 0


def test_deep_nesting_is_refused_before_parsing_and_the_next_query_is_answered_at_once(
        closed: LiveServer) -> None:
    for query in (DEEP_PARENS, DEEP_BRACES):
        status, _, text, seconds = request(closed, "POST", "/sparql", body=query.encode(),
                                           headers={"Content-Type": "application/sparql-query"})
        assert status == 400 and "KG_QUERY_MAX_DEPTH" in text, text
        assert seconds < 1.0
        status, _, text, seconds = sparql_get(closed, QUICK)
        assert status == 200 and json.loads(text)["boolean"] is True
        assert seconds < 1.0
    many = "SELECT * WHERE { " + " . ".join(f"?s <urn:p> ?o{i}" for i in range(1000)) + " }"
    status, _, text, _ = sparql_get(closed, many)
    assert status == 400 and "KG_QUERY_MAX_PATTERNS" in text


def test_a_worker_crash_is_503_with_retry_after_and_the_next_query_is_served(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The limits off, so that the 20,000-deep query reaches the parser and kills the worker.
    live = start_live(tmp_path, query_workers=1, query_spares=1, query_max_depth=0,
                      query_max_patterns=0)
    runner = live.app.extensions["kg_runner"]
    try:
        before = {p.pid for p in multiprocessing.active_children()}
        with caplog.at_level(logging.ERROR, logger="webapp.worker_failures"):
            status, headers, text, _ = request(
                live, "POST", "/sparql", body=DEEP_PARENS.encode(),
                headers={"Content-Type": "application/sparql-query"})
        assert status == 503, text
        assert int(headers["Retry-After"]) >= 1 and "try again" in text
        status, _, text, seconds = sparql_get(live, QUICK)
        assert status == 200 and seconds < 1.5, (status, seconds)
        assert runner.call(_worker_pid) in before  # the spare, loaded before the crash, took over
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "sha256" in logged and "((((" not in logged and "FILTER" not in logged
        # The same query again: the input is the cause, so 400 without running it.
        status, _, text, seconds = sparql_get(live, DEEP_PARENS)
        assert status == 400 and "before" in text and seconds < 1.0
        assert runner.wait_ready(60)
        assert sparql_get(live, QUICK)[0] == 200
    finally:
        stop_live(live)


def _worker_pid(store: object) -> int:
    """In a worker: its process id."""
    return os.getpid()


def test_kg_query_follows_the_rule_and_allow_service_lifts_it(
        settings: Settings, listener: Listener) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    before = len(listener.requests)
    result = CliRunner().invoke(main, ["query", query])
    assert result.exit_code == 2 and "KG_SERVICE_ALLOW" in result.output, result.output
    assert len(listener.requests) == before
    deep = CliRunner().invoke(main, ["query", DEEP_BRACES])
    assert deep.exit_code == 2 and "KG_QUERY_MAX_DEPTH" in deep.output
    allowed = CliRunner().invoke(main, ["query", "--allow-service", query])
    assert allowed.exit_code == 0, allowed.output
    assert len(listener.requests) == before + 1


def _service_bypassing_the_guard(store: object, url: str) -> str:
    """In a worker: the engine asked for SERVICE directly, as if the guard had let it through;
    returns the worker's network namespace and what happened."""
    namespace = os.readlink("/proc/self/ns/net")
    try:
        list(store._store.query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))  # type: ignore[attr-defined]
    except OSError as exc:
        return f"{namespace} {exc}"
    return f"{namespace} answered"


def _namespaces_allowed() -> bool:
    """True when this machine lets an unprivileged process take a network namespace."""
    probe = ("import ctypes, sys; "
             "sys.exit(ctypes.CDLL(None, use_errno=True).unshare(0x10000000 | 0x40000000) != 0)")
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def test_a_worker_without_allowed_endpoints_has_no_network(tmp_path: Path, listener: Listener) -> None:
    from webapp_support import build_store

    from kg.query_runner import QueryRunner

    settings, store = build_store(tmp_path / "store")
    runner = QueryRunner(settings.with_(service_allow=(), query_spares=0), workers=1, timeout=20)
    try:
        runner.publish(store)
        before = listener.connections
        outcome = runner.call(_service_bypassing_the_guard, listener.url)
    finally:
        runner.close()
        store.close()
    namespace, _, what = outcome.partition(" ")
    if not _namespaces_allowed():
        pytest.skip("no unprivileged network namespaces on this machine")
    assert namespace != os.readlink("/proc/self/ns/net")
    assert "unreachable" in what.lower(), what
    assert listener.connections == before
