"""Resource pages: every instance IRI, ontology terms, source documents; RDF by negotiation."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request
from rdflib import URIRef

from kg import describe as kd
from kg.namespaces import IKG
from webapp import get_store
from webapp.views import RDF_MEDIA, SUFFIX_MEDIA, negotiate_rdf

bp = Blueprint("browse", __name__)

# A resource path: IRI path segments only, never "." or ".." segments or backslashes.
_SEGMENT = r"[A-Za-z0-9_~%!$&'()*+,;=:@.-]+"
_SAFE_PATH = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
_TERM = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Kinds of resources that are not nodes of the network (no neighbourhood view).
_NO_NEIGHBOURHOOD = {"document", "statement", "graph", "membership", "role"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


def _check_path(path: str) -> None:
    """404 for anything that is not a plain resource path (no traversal, no odd characters)."""
    if not _SAFE_PATH.match(path) or any(seg in (".", "..") for seg in path.split("/")):
        abort(404, "No such resource.")


def _exists(iri: str) -> bool:
    """True when the store has any triple with the IRI as subject or object."""
    return get_store().ask("ASK { { ?r ?p ?o } UNION { ?s ?p ?r } }", bindings={"r": URIRef(iri)})


def _rdf_response(iri: str, media: str) -> Response:
    """The resource's description graph in an RDF syntax."""
    graph = kd.description_graph(get_store(), iri)
    body = graph.serialize(format=RDF_MEDIA[media][0], encoding="utf-8")
    resp = Response(body, mimetype=media)
    resp.headers["Vary"] = "Accept"
    return resp


def _page(iri: str, template: str = "resource.html", **extra: object) -> Response | str:
    """Negotiate: RDF for RDF clients, the HTML page otherwise (404 when unknown)."""
    media = negotiate_rdf(default=None)
    if media:
        if not _exists(iri):
            abort(404, f"Nothing is known about <{iri}>.")
        return _rdf_response(iri, media)
    store = get_store()
    desc = kd.describe(store, iri)
    if desc is None:
        abort(404, f"Nothing is known about <{iri}>.")
    doc_text = kd.document_text(store, iri) if desc.is_document else None
    places = {str(IKG.Place), str(IKG.City), str(IKG.Region), str(IKG.Country)}
    is_place = bool(desc.type_iris & places) and desc.lat is not None and desc.long is not None
    html = render_template(
        template, d=desc, doc_text=doc_text, is_place=is_place,
        tile_url=current_app.config.get("KG_TILE_URL") or "",
        tile_attribution=current_app.config.get("KG_TILE_ATTRIBUTION") or "",
        rdf_links=_rdf_links(), **extra,
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Vary"] = "Accept"
    return resp


def _rdf_links() -> list[tuple[str, str]]:
    """(label, URL) of the page's RDF versions."""
    path = request.path
    if path.startswith("/resource/"):
        return [(label, f"{path}.{suffix}") for label, suffix in
                (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"))]
    iri = request.args.get("iri", "")
    return [(label, f"{path}?{request.query_string.decode()}&format={fmt}") for label, fmt in
            (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"))] if iri else []


@bp.route("/resource/<path:path>")
def resource(path: str) -> Response | str:
    """The page (or RDF description) of an instance IRI under the base IRI."""
    _check_path(path)
    base = current_app.config["KG_SETTINGS"].base_iri
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in SUFFIX_MEDIA and "/" in stem and not _exists(base + path):
        iri = base + stem
        if not _exists(iri):
            abort(404, f"Nothing is known about <{iri}>.")
        return _rdf_response(iri, SUFFIX_MEDIA[suffix])
    iri = base + path
    if path.split("/", 1)[0] in _NO_NEIGHBOURHOOD:
        return _page(iri)
    focus = quote(iri, safe="")
    return _page(iri, neighbourhood=f"/network/graph?focus={focus}",
                 neighbourhood_page=f"/network?focus={focus}")


@bp.route("/ontology")
@bp.route("/ontology/")
def ontology_index() -> str:
    """Every class and property of the ontology, each with an anchor (#Term)."""
    terms = kd.ontology_terms(get_store())
    return render_template("ontology.html", terms=terms, ns=str(IKG))


@bp.route("/ontology/<term>")
def ontology_term(term: str) -> Response | str:
    """The page of one ontology term, with its instances or uses."""
    if not _TERM.match(term):
        abort(404, "No such ontology term.")
    stem, dot, suffix = term.rpartition(".")
    if dot and suffix in SUFFIX_MEDIA and _exists(str(IKG) + stem):
        return _rdf_response(str(IKG) + stem, SUFFIX_MEDIA[suffix])
    iri = str(IKG) + term
    usage = kd.term_usage(get_store(), iri)
    return _page(iri, usage=usage)


@bp.route("/describe")
def describe_any() -> Response | str:
    """The page of any IRI the store mentions (external vocabularies, GeoNames, ...)."""
    iri = request.args.get("iri", "").strip()
    if not iri or not _ABSOLUTE_IRI.match(iri):
        abort(400, "Give an absolute IRI: /describe?iri=...")
    fmt = request.args.get("format")
    if fmt:
        media = SUFFIX_MEDIA.get(fmt)
        if media is None:
            abort(400, "format must be ttl, jsonld or nt.")
        if not _exists(iri):
            abort(404, f"Nothing is known about <{iri}>.")
        return _rdf_response(iri, media)
    return _page(iri, usage=kd.term_usage(get_store(), iri))
