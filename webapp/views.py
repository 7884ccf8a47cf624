"""Helpers shared by the blueprints: error answers, links to local pages, content negotiation."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, jsonify, render_template, request

from kg.namespaces import IKG

# RDF media types a resource or description can be served in: media type -> (format, suffix).
RDF_MEDIA = {
    "text/turtle": ("turtle", "ttl"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("xml", "rdf"),
}
SUFFIX_MEDIA = {suffix: media for media, (_, suffix) in RDF_MEDIA.items()}

_PLAIN_PREFIXES = ("/sparql", "/export", "/.well-known")


def error_response(code: int, message: str) -> Response:
    """One error shape: plain text for data endpoints, JSON for /api, an HTML page otherwise."""
    path = request.path
    if path.startswith("/api/") or _prefers_json():
        resp = jsonify({"error": {"status": code, "message": message}})
    elif path.startswith(_PLAIN_PREFIXES) or _prefers_rdf():
        resp = Response(message + "\n", mimetype="text/plain")
    else:
        resp = Response(render_template("error.html", code=code, message=message),
                        mimetype="text/html")
    resp.status_code = code
    return resp


def _prefers_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["text/html"] == 0


def _prefers_rdf() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *RDF_MEDIA])
    return best in RDF_MEDIA and request.accept_mimetypes["text/html"] == 0


def link_for(iri: object) -> str:
    """The local page of an IRI: /resource/... under the base IRI, /ontology/... for terms,
    /describe?iri=... for any other IRI."""
    text = str(iri)
    base = current_app.config["KG_SETTINGS"].base_iri
    if text.startswith(base):
        return "/resource/" + quote(text[len(base):], safe="/#=,-._~")
    if text.startswith(str(IKG)):
        return "/ontology/" + quote(text[len(str(IKG)):], safe="-._~")
    return "/describe?iri=" + quote(text, safe="")


def negotiate_rdf(default: str | None = "text/turtle") -> str | None:
    """The RDF media type the client prefers over HTML, or `default` (None: it wants HTML)."""
    best = request.accept_mimetypes.best_match(["text/html", *RDF_MEDIA])
    if best in RDF_MEDIA:
        return best
    return None if best == "text/html" else default
