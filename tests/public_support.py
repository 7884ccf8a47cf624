"""Helpers for the public-endpoint tests: a loopback listener that counts every connection made
to it, and a live server (real store, real query workers, waitress on loopback) with chosen
settings."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from waitress.server import create_server
from webapp_support import LiveServer, build_store, write_saved_queries

from webapp import create_app

EMPTY_RESULT = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(EMPTY_RESULT)))
        self.end_headers()
        self.wfile.write(EMPTY_RESULT)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        return


class Listener(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records each connection and request it gets and answers
    an empty SPARQL result."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.requests: list[tuple[str, str, bytes]] = []
        self._thread = threading.Thread(target=self.serve_forever, name="listener", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The listener's SPARQL endpoint URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"

    def verify_request(self, request: object, client_address: object) -> bool:
        """Count every connection, whether or not a request follows."""
        self.connections += 1
        return True

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()


def start_live(root: Path, **changes: object) -> LiveServer:
    """A live server over the test store with these settings changed; workers ready."""
    settings, store = build_store(root / "store")
    settings = settings.with_(**{"rate_limit": 0, "queue_wait": 2.0, **changes})
    app = create_app(settings, store=store)
    app.config["KG_QUERIES_DIR"] = str(write_saved_queries(root / "queries"))
    server = create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, name="waitress-public", daemon=True)
    thread.start()
    live = LiveServer(app, store, settings, f"http://127.0.0.1:{server.effective_port}", server, thread)
    runner = app.extensions.get("kg_runner")
    if runner is not None:
        assert runner.wait_ready(60)
    return live


def stop_live(live: LiveServer) -> None:
    """Stop the workers, the server (once its threads are idle) and the store."""
    tasks = live._server.task_dispatcher  # type: ignore[attr-defined]
    deadline = time.monotonic() + 3
    while (tasks.active_count or tasks.queue) and time.monotonic() < deadline:
        time.sleep(0.02)
    runner = live.app.extensions.get("kg_runner")
    if runner is not None:
        runner.close()
    live.stop()


def request(live: LiveServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30.0,
            ) -> tuple[int, http.client.HTTPMessage, str, float]:
    """One request as written; status, headers, body text and seconds taken."""
    host, port = live.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, resp.headers, text, time.perf_counter() - start
    finally:
        conn.close()


def sparql_get(live: LiveServer, query: str, accept: str = "application/sparql-results+json",
               ) -> tuple[int, http.client.HTTPMessage, str, float]:
    """GET /sparql?query=…"""
    return request(live, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                   headers={"Accept": accept})
