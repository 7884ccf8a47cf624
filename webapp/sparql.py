"""SPARQL 1.1 Protocol endpoint: read-only queries over the store, results by negotiation."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, request

from kg.errors import QueryError, ReadOnlyError, StoreError
from kg.query_runner import sparql_result
from kg.sparql_guard import check_query
from kg.void import service_description
from webapp import get_store, run_query
from webapp.views import RDF_MEDIA, negotiate_rdf

bp = Blueprint("sparql", __name__)

GRAPH_SWITCH = ("all", "asserted", "inferred")

# Media types offered for SELECT/ASK and for CONSTRUCT/DESCRIBE, in the server's order of
# preference, each with the store's format name.
RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/x-turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-json+ld": "jsonld",
    "application/xml": "rdfxml",
    "text/plain": "ntriples",
}
# `format` (or `output`) parameter values: name -> (results format, graph format).
FORMAT_PARAM = {
    "json": ("json", "jsonld"),
    "srj": ("json", None),
    "xml": ("xml", "rdfxml"),
    "srx": ("xml", None),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "nt": (None, "ntriples"),
    "ntriples": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
}
for _media, _fmt in RESULT_MEDIA.items():
    FORMAT_PARAM.setdefault(_media, (_fmt, None))
for _media, _fmt in GRAPH_MEDIA.items():
    prev = FORMAT_PARAM.get(_media, (None, None))
    FORMAT_PARAM[_media] = (prev[0], _fmt)

_IRI_TOKEN = re.compile(r"<[^<>\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_ABSOLUTE_IRI = re.compile(r"^(?:https?|urn|file):[^\s<>\"{}|\\^`]+$", re.IGNORECASE)


def query_form(sparql: str) -> str | None:
    """The form of a query (select, ask, construct, describe) for negotiation; None if unclear."""
    text = _COMMENT.sub("", _IRI_TOKEN.sub("<>", sparql))
    m = _FORM.search(text)
    return m.group(1).lower() if m else None


# String literals (long and short, both quotes), then IRIs kept and comments dropped.
_STRING = re.compile(
    r'"""[\s\S]*?"""' r"|'''[\s\S]*?'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
)
_IRI_OR_COMMENT = re.compile(r"(<[^<>\s]*>)|#[^\n]*")
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<([^<>\s]*)>", re.IGNORECASE)


def dataset_clauses(sparql: str) -> tuple[list[str], list[str]]:
    """The IRIs of a query's FROM and FROM NAMED clauses (the store's dataset arguments would
    otherwise hide them)."""
    text = _IRI_OR_COMMENT.sub(lambda m: m.group(1) or "", _STRING.sub('""', sparql))
    default, named = [], []
    for m in _FROM.finditer(text):
        (named if m.group(1) else default).append(m.group(2))
    return default, named


def _format_from_params(values: list[str], graph: bool) -> str | None:
    """The store format named by `format`/`output` parameters; 400 when none is known."""
    for value in values:
        pair = FORMAT_PARAM.get(value.strip().lower())
        if pair is None:
            continue
        chosen = pair[1] if graph else pair[0]
        if chosen:
            return chosen
    if values:
        family = "turtle, ntriples, rdfxml, jsonld" if graph else "json, xml, csv, tsv"
        abort(400, f"Unknown or unsuitable format {values[0]!r} for this query: use {family}.")
    return None


def _negotiate(graph: bool) -> str:
    """The store format for the request's Accept header."""
    offered = GRAPH_MEDIA if graph else RESULT_MEDIA
    best = request.accept_mimetypes.best_match(list(offered))
    if best is None:
        # SELECT/ASK: 406. CONSTRUCT/DESCRIBE answer Turtle anyway: common clients (rdflib's
        # SPARQLStore) ask for a results format whatever the query's form.
        if not graph and request.accept_mimetypes.provided and not _accepts_anything():
            abort(406, "None of the accepted media types can carry this result: accept "
                       + ", ".join(list(offered)[:4]) + " (or use format=).")
        return "turtle" if graph else "json"
    return offered[best]


def _accepts_anything() -> bool:
    """True when the Accept header has a wildcard or HTML (a browser): answer the default."""
    # Look at the header's own entries: werkzeug's accept["*/*"] matches any listed type.
    return any(value in ("*/*", "text/*", "application/*", "text/html") and quality > 0
               for value, quality in request.accept_mimetypes)


def _read_request() -> tuple[list[str], dict[str, list[str]]]:
    """The query texts and the other protocol parameters of a GET or POST request."""
    params = {key: request.args.getlist(key) for key in request.args}
    if request.method == "GET":
        return params.pop("query", []), params
    media = request.mimetype
    if media == "application/sparql-update":
        abort(403, "Updates are not allowed: this SPARQL endpoint is read-only.")
    if media == "application/sparql-query":
        return [request.get_data(as_text=True)], params
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key in request.form:
            params.setdefault(key, []).extend(request.form.getlist(key))
        return params.pop("query", []), params
    abort(415, "Send a query as application/sparql-query, as a form field `query`, "
               "or with GET ?query=.")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL 1.1 Protocol query request, or describe the service."""
    queries, params = _read_request()
    if params.get("update"):
        abort(403, "Updates are not allowed: this SPARQL endpoint is read-only.")
    if not queries:
        if request.method == "POST":
            abort(400, "No query: send it as the `query` parameter or the request body.")
        return _service_description()
    if len(queries) > 1:
        abort(400, "Send exactly one `query` parameter.")
    sparql = queries[0]
    if not sparql.strip():
        abort(400, "The query is empty.")
    graphs = (params.get("graphs") or ["all"])[0] or "all"
    if graphs not in GRAPH_SWITCH:
        abort(400, f"graphs must be one of {', '.join(GRAPH_SWITCH)}, not {graphs!r}.")
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    for iri in [*default_graphs, *named_graphs]:
        if not _ABSOLUTE_IRI.match(iri):
            abort(400, f"Not an absolute IRI for a graph: {iri!r}.")
    if not default_graphs and not named_graphs:
        # SPARQL 1.1 Protocol: without dataset parameters, the query's own FROM clauses hold.
        default_graphs, named_graphs = dataset_clauses(sparql)

    graph_form = query_form(sparql) in ("construct", "describe")
    fmt = _format_from_params(params.get("format", []) + params.get("output", []), graph_form)
    fmt = fmt or _negotiate(graph_form)
    try:
        # Before a worker (or a parser) sees it: limits and SERVICE (kg.sparql_guard).
        check_query(sparql, current_app.config["KG_SETTINGS"])
        body, media, _kind = run_query(
            sparql_result, sparql, fmt, graphs=graphs,
            default_graph_uris=default_graphs or None, named_graph_uris=named_graphs or None,
            max_results=current_app.config["KG_SETTINGS"].max_results,
        )
    except ReadOnlyError as exc:
        abort(403, str(exc))
    except QueryError as exc:
        abort(400, str(exc))
    except StoreError as exc:
        abort(400, str(exc))
    # The store's media type may carry its charset already: give it as the whole header.
    resp = Response(body, content_type=media) if "charset=" in media else \
        Response(body, mimetype=media)
    resp.headers["Vary"] = "Accept"
    if request.args.get("download"):
        ext = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "ttl",
               "ntriples": "nt", "rdfxml": "rdf", "jsonld": "jsonld"}.get(fmt, "txt")
        resp.headers["Content-Disposition"] = f'attachment; filename="results.{ext}"'
    return resp


def _service_description() -> Response:
    """The SPARQL service description in Turtle (or another RDF syntax by negotiation)."""
    media = negotiate_rdf("text/turtle") or "text/turtle"
    graph = service_description(get_store(), request.url_root.rstrip("/") + "/sparql")
    body = graph.serialize(format=RDF_MEDIA[media][0])
    resp = Response(body, mimetype=media)
    resp.headers["Vary"] = "Accept"
    return resp
