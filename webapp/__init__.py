"""The web face of integration-kg: a Flask app factory, one blueprint per area, and `serve`."""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from rdflib import URIRef
from werkzeug.exceptions import HTTPException

from kg.query_runner import (
    QueryRunner,
    QueryTimeoutError,
    ResultTooLargeError,
    RunnerBusyError,
    WorkerCrashError,
)
from kg.settings import Settings, load_settings
from kg.store import KGStore, open_store

log = logging.getLogger(__name__)

T = TypeVar("T")

STORE_KEY = "kg_store"
RUNNER_KEY = "kg_runner"
CHECKPOINTS_KEY = "kg_checkpoints"
WRITE_LOCK_KEY = "kg_write_lock"

# Content-Security-Policy: 'self' only; see _headers for the per-view widening.
_CSP_BASE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


def _tile_origin(tile_url: str) -> str | None:
    """The scheme://host part of a tile URL template, for the CSP (None when unset or odd)."""
    if "://" not in (tile_url or ""):
        return None
    scheme, rest = tile_url.split("://", 1)
    host = rest.split("/", 1)[0].replace("{s}", "*")
    if scheme not in ("http", "https") or not re.fullmatch(r"[\w.*:-]+", host):
        return None
    return f"{scheme}://{host}"


def get_store() -> KGStore:
    """The store shared by every request of the current app."""
    return current_app.extensions[STORE_KEY]


def get_runner() -> QueryRunner | None:
    """The app's pool of query workers (None: queries run in the server process, no time limit)."""
    return current_app.extensions.get(RUNNER_KEY)


def run_query(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``func(store, *args, **kwargs)`` in a query worker, within the time limit."""
    runner = get_runner()
    if runner is None:
        return func(get_store(), *args, **kwargs)
    return runner.call(func, *args, **kwargs)


def store_changed(app: Flask) -> int:
    """Tell the readers the store was written: publish a new checkpoint (the query workers
    switch to it); its number."""
    runner = app.extensions.get(RUNNER_KEY)
    if runner is not None:
        return runner.publish(app.extensions[STORE_KEY])
    checkpoints = app.extensions.get(CHECKPOINTS_KEY)
    if checkpoints is None:
        return 0
    generation, _ = checkpoints.publish(app.extensions[STORE_KEY])
    checkpoints.cleanup()
    return generation


def create_app(settings: Settings | None = None, store: KGStore | None = None) -> Flask:
    """Build the Flask app over a store (opened from the settings when none is given)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        KG_SETTINGS=settings,
        KG_TILE_URL=getattr(settings, "tile_url", None) or os.environ.get("KG_TILE_URL", ""),
        KG_QUERIES_DIR=os.environ.get("KG_QUERIES_DIR") or None,
        KG_TILE_ATTRIBUTION=os.environ.get("KG_TILE_ATTRIBUTION", ""),
        # Request bodies: small for the public endpoints; the admin upload raises it per request.
        MAX_CONTENT_LENGTH=settings.max_body_kb * 1024,
        # Tests may give a stand-in pipeline: callable(settings, store) -> kg.ingest.Steps.
        KG_INGEST_STEPS=None,
        JSON_SORT_KEYS=False,
    )
    app.extensions[STORE_KEY] = store if store is not None else open_store(settings)
    app.extensions[WRITE_LOCK_KEY] = threading.Lock()
    # Query workers hold snapshots of the embedded store; an external SPARQL store is queried
    # directly (its own time limits apply, and others may write to it).
    if settings.query_workers > 0 and not settings.sparql_endpoint:
        runner = QueryRunner(settings)
        runner.publish(app.extensions[STORE_KEY])
        app.extensions[RUNNER_KEY] = runner
        atexit.register(runner.close)
    elif isinstance(app.extensions[STORE_KEY], KGStore) and getattr(app.extensions[STORE_KEY], "path", None) \
            and not settings.sparql_endpoint:
        # No query workers: checkpoints are still published, for the `kg` read commands.
        from kg.checkpoints import Checkpoints

        checkpoints = Checkpoints(app.extensions[STORE_KEY])
        checkpoints.publish(app.extensions[STORE_KEY])
        app.extensions[CHECKPOINTS_KEY] = checkpoints
        atexit.register(checkpoints.close)
    if settings.trust_proxy > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trust_proxy)  # type: ignore[method-assign]

    from webapp import admin, browse, explore, home, limits, query, sparql, worker_failures

    limits.init_app(app, settings)
    worker_failures.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(query.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(explore.bp)

    from webapp.views import error_response, link_for

    app.jinja_env.globals["link_for"] = link_for
    app.jinja_env.globals["base_iri"] = settings.base_iri
    app.jinja_env.tests["iri"] = lambda value: isinstance(value, URIRef)

    @app.after_request
    def _headers(response: Any) -> Any:
        """Security headers on every answer; CORS for the data endpoints."""
        csp = dict(_CSP_BASE)
        # A view may widen script-src or style-src for itself only (pyvis's in-line code,
        # libraries that write style attributes).
        for key, directive in (("csp_script", "script-src"), ("csp_style", "style-src")):
            extra = g.get(key)
            if extra:
                csp[directive] += " " + extra
        origin = _tile_origin(app.config.get("KG_TILE_URL") or "")
        if origin:
            csp["img-src"] += " " + origin
        response.headers.setdefault(
            "Content-Security-Policy", "; ".join(f"{k} {v}" for k, v in csp.items())
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.path.startswith("/admin"):
            response.headers["Cache-Control"] = "no-store"
        if request.path.startswith(("/sparql", "/resource/", "/ontology", "/export", "/.well-known",
                                    "/api/")):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        response = error_response(exc.code or 500, exc.description or exc.name)
        for key, value in exc.get_headers():
            if key in ("Retry-After", "WWW-Authenticate"):
                response.headers[key] = value
        return response

    @app.errorhandler(QueryTimeoutError)
    def _timeout(exc: QueryTimeoutError) -> Any:
        return error_response(504, str(exc))

    @app.errorhandler(RunnerBusyError)
    def _busy(exc: RunnerBusyError) -> Any:
        response = error_response(503, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(ResultTooLargeError)
    def _too_large(exc: ResultTooLargeError) -> Any:
        return error_response(422, str(exc))

    @app.errorhandler(WorkerCrashError)
    def _crash(exc: WorkerCrashError) -> Any:
        return worker_failures.crash_response(exc)  # 503 + Retry-After; 400 for a repeat

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Never show a stack trace: log it, answer with a plain message.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal error: the server could not answer this request.")

    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app with waitress until interrupted."""
    import waitress

    store = open_store(settings)
    app = None
    try:
        app = create_app(settings, store=store)
        waitress.serve(app, host=host, port=port, threads=8, ident="integration-kg")
    finally:
        runner = app.extensions.get(RUNNER_KEY) if app is not None else None
        if runner is not None:
            runner.close()
        checkpoints = app.extensions.get(CHECKPOINTS_KEY) if app is not None else None
        if checkpoints is not None:
            checkpoints.close()
        store.close()
