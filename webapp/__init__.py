"""The web face of integration-kg: a Flask app factory, one blueprint per area, and `serve`."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from flask import Flask, current_app, g, request
from rdflib import URIRef
from werkzeug.exceptions import HTTPException

from kg.settings import Settings, load_settings
from kg.store import KGStore

log = logging.getLogger(__name__)

STORE_KEY = "kg_store"

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


def create_app(settings: Settings | None = None, store: KGStore | None = None) -> Flask:
    """Build the Flask app over a store (opened from the settings when none is given)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        KG_SETTINGS=settings,
        KG_TILE_URL=getattr(settings, "tile_url", None) or os.environ.get("KG_TILE_URL", ""),
        KG_QUERIES_DIR=os.environ.get("KG_QUERIES_DIR") or None,
        KG_TILE_ATTRIBUTION=os.environ.get("KG_TILE_ATTRIBUTION", ""),
        JSON_SORT_KEYS=False,
    )
    app.extensions[STORE_KEY] = store if store is not None else KGStore(settings)

    from webapp import browse, explore, home, query, sparql

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
        if request.path.startswith(("/sparql", "/resource/", "/ontology", "/export", "/.well-known",
                                    "/api/")):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        # Never show a stack trace: log it, answer with a plain message.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal error: the server could not answer this request.")

    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app with waitress until interrupted."""
    import waitress

    store = KGStore(settings)
    try:
        app = create_app(settings, store=store)
        waitress.serve(app, host=host, port=port, threads=8, ident="integration-kg")
    finally:
        store.close()
