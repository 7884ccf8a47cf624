"""The public endpoint's guards: query time limit (a runaway query is cancelled, others go on),
result-size limit, busy pool, rate limit, body limit, security headers, escaping, no path
traversal, no stack traces."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from waitress.server import create_server
from webapp_support import EVIL_NAME, LiveServer, build_store, iri

from kg.query_runner import QueryRunner, WorkerCrashError
from webapp import create_app

# Four-way cross product of ~240 triples: billions of rows, runs for minutes.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?s ?p ?o }"
TIMEOUT = 1.5
MAX_RESULTS = 20


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with a short time limit, a small result limit and two query workers."""
    settings, store = build_store(tmp_path_factory.mktemp("guarded") / "store")
    settings = settings.with_(query_timeout=TIMEOUT, max_results=MAX_RESULTS, query_workers=2,
                              queue_wait=0.5, rate_limit=0)
    app = create_app(settings, store=store)
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="waitress-guarded", daemon=True)
    thread.start()
    live = LiveServer(app, store, settings, f"http://127.0.0.1:{server.effective_port}", server, thread)
    app.extensions["kg_runner"].wait_ready(60)
    yield live
    app.extensions["kg_runner"].close()
    live.stop()


def get(server: LiveServer, path: str, accept: str = "application/sparql-results+json",
        method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None,
        ) -> tuple[int, http.client.HTTPMessage, str, float]:
    """A request exactly as written (no client-side normalisation); status, headers, body, seconds."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers={"Accept": accept, **(headers or {})})
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, resp.headers, text, time.perf_counter() - start


def sparql(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def wait_ready(server: LiveServer) -> None:
    assert server.app.extensions["kg_runner"].wait_ready(30)


# --------------------------------------------------------------------------- time limit


def test_runaway_query_is_cancelled_and_others_are_answered(guarded: LiveServer) -> None:
    wait_ready(guarded)
    outcome: dict[str, tuple] = {}
    slow = threading.Thread(target=lambda: outcome.setdefault("slow", get(guarded, sparql(RUNAWAY))))
    slow.start()
    time.sleep(0.2)
    # Meanwhile: pages and quick queries are answered at once.
    for path in ("/", sparql(QUICK), "/resource/project/brightbridge", sparql(QUICK)):
        status, _, _, seconds = get(guarded, path, accept="text/html" if "sparql" not in path else
                                    "application/sparql-results+json")
        assert status == 200 and seconds < 5.0, (path, status, seconds)
    slow.join(30)
    status, headers, text, seconds = outcome["slow"]
    assert status == 504, text
    assert TIMEOUT - 0.1 < seconds < TIMEOUT + 5.0
    assert "cancelled" in text and "KG_QUERY_TIMEOUT" in text and "Traceback" not in text
    # The killed worker is replaced: the pool serves again.
    wait_ready(guarded)
    assert get(guarded, sparql(QUICK))[0] == 200


def test_busy_pool_answers_503_with_retry_after(guarded: LiveServer) -> None:
    wait_ready(guarded)
    results: list[int] = []
    runaways = [threading.Thread(target=lambda: results.append(get(guarded, sparql(RUNAWAY))[0]))
                for _ in range(2)]
    for t in runaways:
        t.start()
    time.sleep(0.3)
    status, headers, text, seconds = get(guarded, sparql(QUICK))
    for t in runaways:
        t.join(30)
    assert status == 503 and int(headers["Retry-After"]) >= 1, (status, text)
    assert "busy" in text and seconds < 5.0
    assert results == [504, 504]
    wait_ready(guarded)


def test_network_view_and_saved_queries_go_through_the_workers(guarded: LiveServer) -> None:
    wait_ready(guarded)
    status, _, html, _ = get(guarded, "/network/graph?focus=" + urllib.parse.quote(iri("project/brightbridge")),
                             accept="text/html")
    assert status == 200 and "BRIGHTBRIDGE" in html
    runner = guarded.app.extensions["kg_runner"]
    assert runner.generation >= 1 and runner.load_seconds is not None


# --------------------------------------------------------------------------- result size


def test_result_larger_than_the_limit_is_refused(guarded: LiveServer) -> None:
    wait_ready(guarded)
    for fmt in ("json", "xml", "csv", "tsv"):
        status, _, text, _ = get(guarded, sparql("SELECT * WHERE { ?s ?p ?o }") + f"&format={fmt}")
        assert status == 422 and f"limit of {MAX_RESULTS}" in text and "KG_MAX_RESULTS" in text, (fmt, text)
    status, _, text, _ = get(guarded, sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), accept="text/turtle")
    assert status == 422 and "triples" in text
    status, _, text, _ = get(guarded, sparql(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}"))
    assert status == 200 and len(json.loads(text)["results"]["bindings"]) == MAX_RESULTS
    status, _, text, _ = get(guarded, sparql(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}") + "&format=csv")
    assert status == 200


def test_worker_errors_come_back_without_a_trace(tmp_path: Path) -> None:
    settings, store = build_store(tmp_path / "store")
    runner = QueryRunner(settings, workers=1, timeout=5)
    try:
        runner.publish(store)
        with pytest.raises(WorkerCrashError) as info:
            runner.call(divmod, 1, 0)  # TypeError in the worker: divmod(store, 1, 0)
        assert "Traceback" not in str(info.value)
        assert runner.call(_count_all) > 100  # the replacement worker answers
    finally:
        runner.close()
        store.close()


def _count_all(store: object) -> int:
    return store.count("all")  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- rate and body limits


@pytest.fixture
def client_app(tmp_path: Path):  # noqa: ANN201 - a fixture
    """An app without query workers (queries in process), a tight rate limit, a 1 KB body limit."""
    settings, store = build_store(tmp_path / "store")
    app = create_app(settings.with_(query_workers=0, rate_limit=60, rate_burst=3, max_body_kb=1),
                     store=store)
    yield app
    store.close()


def test_rate_limit_per_client_answers_429_with_retry_after(client_app) -> None:  # noqa: ANN001
    client = client_app.test_client()
    url = sparql(QUICK)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    resp = client.get(url)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert "Too many queries" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 200  # pages are not rate limited
    other = client_app.test_client()
    assert other.get(url, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


def test_request_body_over_the_limit_is_413(client_app) -> None:  # noqa: ANN001
    client = client_app.test_client()
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2048
    resp = client.post("/sparql", data=big, content_type="application/sparql-query")
    assert resp.status_code == 413
    resp = client.post("/sparql", data={"query": big})
    assert resp.status_code == 413
    assert client.post("/sparql", data={"query": QUICK}).status_code == 200


def test_updates_are_refused(client_app) -> None:  # noqa: ANN001
    client = client_app.test_client()
    assert client.post("/sparql", data="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                       content_type="application/sparql-update").status_code == 403
    assert client.get(sparql("DELETE WHERE { ?s ?p ?o }")).status_code in (400, 403)


# --------------------------------------------------------------------------- headers, escaping


@pytest.mark.parametrize("path", ["/", "/sparql", "/resource/project/brightbridge", "/query",
                                  "/network", "/no/such/page", "/admin"])
def test_security_headers_on_every_answer(guarded: LiveServer, path: str) -> None:
    status, headers, _, _ = get(guarded, path, accept="text/html")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    csp = {d.strip().split(" ", 1)[0]: d.strip().split(" ", 1)[1]
           for d in headers["Content-Security-Policy"].split(";")}
    assert csp["frame-ancestors"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    for directive, value in csp.items():
        assert "http" not in value and "*" not in value, (directive, value)
    assert "unsafe-inline" not in csp["script-src"]


REFLECTED = "<script>alert('x')</script>"


@pytest.mark.parametrize("path", [
    "/search?q=" + urllib.parse.quote(REFLECTED),
    "/peers?city=" + urllib.parse.quote(REFLECTED),
    "/network?project=" + urllib.parse.quote(REFLECTED),
    "/network?from_node=" + urllib.parse.quote(REFLECTED) + "&to_node=" + urllib.parse.quote(REFLECTED),
    "/map?country=" + urllib.parse.quote(REFLECTED),
    "/describe?iri=" + urllib.parse.quote("http://x.test/" + REFLECTED),
    "/resource/organisation/" + urllib.parse.quote(REFLECTED),
    "/export?format=" + urllib.parse.quote(REFLECTED),
    "/api/saved/" + urllib.parse.quote(REFLECTED),
])
def test_values_from_requests_are_escaped(guarded: LiveServer, path: str) -> None:
    _, headers, text, _ = get(guarded, path, accept="text/html")
    media = headers["Content-Type"].split(";")[0]
    if media == "text/html":
        assert "<script>alert" not in text
    else:  # plain text and JSON are not rendered (nosniff), so the value may appear as sent
        assert media in ("text/plain", "application/json") and headers["X-Content-Type-Options"] == "nosniff"


def test_values_from_documents_are_escaped(guarded: LiveServer) -> None:
    for path in ("/resource/organisation/acme-trust", "/resource/document/001-news-txt",
                 "/search?q=Acme", "/network/graph?focus=" + urllib.parse.quote(iri("organisation/acme-trust"))):
        status, _, html, _ = get(guarded, path, accept="text/html")
        assert status == 200, path
        assert EVIL_NAME not in html, path
        assert "<script>alert(1)" not in html, path
    _, _, html, _ = get(guarded, "/resource/organisation/acme-trust", accept="text/html")
    assert "Acme &lt;script&gt;alert(1)&lt;/script&gt; Trust" in html


# --------------------------------------------------------------------------- traversal, errors


TRAVERSALS = [
    "/resource/../../etc/passwd",
    "/resource/%2e%2e/%2e%2e/etc/passwd",
    "/resource/..%2f..%2fetc%2fpasswd",
    "/resource/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/resource/project/..%5c..%5cpyproject.toml",
    "/resource/project/%2e%2e%2f%2e%2e%2fkg%2fsettings.py",
    "/resource/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/static/../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%252e%252e/pyproject.toml",
    "/export?format=nquads&graph=../../etc/passwd",
    "/export?format=nquads&graph=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/export?format=turtle&graph=..%5c..%5cpyproject.toml",
    "/export?format=turtle&graph=file:///etc/passwd",
    "/export?format=turtle&graph=/etc/passwd",
    "/export?format=trig&graph=....//....//etc/passwd",
    "/export?format=../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(guarded: LiveServer, path: str) -> None:
    status, _, text, _ = get(guarded, path, accept="text/html")
    assert status in (400, 404), (status, text[:200])
    for leak in ("root:x:0", "[build-system]", "DEFAULT_BASE_IRI", "Traceback"):
        assert leak not in text


def test_a_forced_500_shows_no_stack_trace(client_app) -> None:  # noqa: ANN001
    @client_app.route("/boom")
    @client_app.route("/api/boom")
    def boom() -> str:
        raise RuntimeError("secret detail in /work/main/kg/secret.py line 42")

    client = client_app.test_client()
    for path, accept in (("/boom", "text/html"), ("/api/boom", "application/json"),
                         ("/boom", "application/json")):
        resp = client.get(path, headers={"Accept": accept})
        text = resp.get_data(as_text=True)
        assert resp.status_code == 500
        assert "Traceback" not in text and "secret" not in text and ".py" not in text
        assert "Internal error" in text
    assert client.get("/api/boom").get_json() == {
        "error": {"status": 500, "message": "Internal error: the server could not answer this request."}}
