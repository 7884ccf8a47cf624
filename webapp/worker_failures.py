"""When a query takes a worker down: 503 with Retry-After, 400 for the same query again.

A worker that dies while answering has been replaced by the runner (a spare takes its place at
once). The first time, the client gets 503 and ``Retry-After``: the cause may be the machine
(memory) rather than the query. The query's fingerprint, a SHA-256 prefix of its text (never
the text itself), is logged and remembered; the same query sent again is answered 400 before
it reaches a worker, since it is the input that brings workers down.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest

from kg.query_runner import WorkerCrashError
from webapp.limits import HEAVY_ENDPOINTS
from webapp.views import error_response

log = logging.getLogger(__name__)

RETRY_AFTER = 2
REMEMBERED = 1000
KEY = "kg_crashed_queries"


class _Crashed:
    """The fingerprints of the queries that took a worker down, newest last (one per app)."""

    def __init__(self) -> None:
        self.keys: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()

    def remember(self, key: str) -> bool:
        """Remember a fingerprint; True when it had crashed a worker before."""
        with self.lock:
            seen = key in self.keys
            self.keys[key] = None
            self.keys.move_to_end(key)
            while len(self.keys) > REMEMBERED:
                self.keys.popitem(last=False)
        return seen

    def __contains__(self, key: object) -> bool:
        with self.lock:
            return key in self.keys

    def __bool__(self) -> bool:
        return bool(self.keys)


def fingerprint() -> str:
    """A SHA-256 prefix naming the current request's query (its SPARQL text, or for other
    endpoints the path and parameters): the same query gets the same fingerprint."""
    if request.endpoint == "sparql.endpoint":
        text = request.values.get("query")
        if text is None and request.mimetype == "application/sparql-query":
            text = request.get_data(as_text=True)
        subject = "sparql\n" + (text or "")
    else:
        subject = request.path + "\n" + "&".join(sorted(f"{k}={v}" for k, v in request.values.items(multi=True)))
    return hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def crash_response(exc: WorkerCrashError) -> Response:
    """The answer to a request whose worker failed: 503 + Retry-After, or 400 for a repeat."""
    key = fingerprint()
    crashed = current_app.extensions.setdefault(KEY, _Crashed())
    repeat = crashed.remember(key)
    log.error("query worker %s on %s %s (query sha256 %s)%s",
              "died" if exc.died else "failed", request.method, request.path, key,
              ", the same query as before" if repeat else "")
    if repeat:
        return error_response(400, "This query made a query worker fail, and did so before: "
                                   "it is not run again. Simplify it (less nesting, fewer "
                                   "patterns).")
    response = error_response(503, "The query worker answering this query failed and has been "
                                   f"replaced; try again in {RETRY_AFTER} s.")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def init_app(app: Flask) -> None:
    """Answer a query that crashed a worker before with 400, before it reaches a worker."""
    crashed = app.extensions.setdefault(KEY, _Crashed())

    @app.before_request
    def _known_crash() -> None:
        if request.endpoint not in HEAVY_ENDPOINTS or not crashed:
            return
        if fingerprint() in crashed:
            raise BadRequest("This query made a query worker fail before: it is not run again. "
                             "Simplify it (less nesting, fewer patterns).")
