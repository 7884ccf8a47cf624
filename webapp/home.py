"""Start page, search, peer cities, export and the dataset description."""

from __future__ import annotations

import io
import logging
import queue
import re
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request

from kg import analytics
from kg import search as ks
from kg import void as kv
from kg.describe import compact
from kg.errors import NotFoundError, ParameterError, StoreError
from kg.store import KGStore
from webapp import get_store
from webapp.views import RDF_MEDIA, link_for, negotiate_rdf

log = logging.getLogger(__name__)

bp = Blueprint("home", __name__)

EXPORT_FORMATS = {
    "turtle": ("text/turtle", "ttl"),
    "trig": ("application/trig", "trig"),
    "nquads": ("application/n-quads", "nq"),
    "jsonld": ("application/ld+json", "jsonld"),
}
GRAPH_NAMES = ("all", "asserted", "inferred", "ontology", "analytics", "documents")
_SELECTOR = re.compile(r"^[A-Za-z0-9_.~:/#%+-]{1,500}$")


@bp.route("/")
def index() -> str:
    """Counts by type, the documents ingested, search, and the ways in."""
    store = get_store()
    return render_template(
        "home.html", counts=kv.type_counts(store), documents=kv.document_list(store, 200),
        triples={"all": store.count("all"), "inferred": store.count("inferred")},
        credits=kv.credits(),
    )


@bp.route("/search")
def search_page() -> str:
    """Resources whose names match ?q= (accents and case ignored)."""
    q = request.args.get("q", "").strip()[:200]
    chosen = {name: request.args.get(name, "").strip()[:500] or None
              for name in ("type", "country", "programme")}
    result = ks.faceted_search(get_store(), q, kind=chosen["type"], country=chosen["country"],
                               programme=chosen["programme"]) if q else None

    def facet_url(name: str, value: str | None) -> str:
        """This search with one facet set to value (None: removed)."""
        args = {"q": q, **{k: v for k, v in chosen.items() if v}}
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
        return "/search?" + urlencode(args)

    return render_template("search.html", q=q, result=result, hits=result.hits if result else [],
                           chosen=chosen, facet_url=facet_url)


@bp.route("/api/search")
def search_api() -> Response:
    """Search results as JSON: [{iri, label, matched, types, url}]."""
    q = request.args.get("q", "").strip()[:200]
    hits = ks.search(get_store(), q, limit=20) if q else []
    return jsonify([{"iri": h.iri, "label": h.label, "matched": h.matched, "types": h.types,
                     "url": link_for(h.iri)} for h in hits])


@bp.route("/peers")
@bp.route("/peers/<path:city>")
def peers(city: str | None = None) -> str:
    """Cities most like a city (?city= IRI or name), with what they share."""
    store = get_store()
    city = (city or request.args.get("city", "")).strip()
    graphs = request.args.get("graphs", "all")
    if graphs not in ("all", "asserted", "inferred"):
        abort(400, "graphs must be all, asserted or inferred.")
    cities = store.select(
        "SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ikg:City . OPTIONAL { ?c rdfs:label ?l } }"
        " GROUP BY ?c"
    )
    options = sorted(({"iri": str(r["c"]), "label": str(r.get("label") or r["c"])}
                      for r in cities), key=lambda o: o["label"].casefold())
    found = None
    if city:
        try:
            found = analytics.peer_cities(store, city, limit=20, graphs=graphs)
        except (ParameterError, NotFoundError) as exc:
            abort(404, str(exc))
    label = next((o["label"] for o in options if o["iri"] == city), city)
    return render_template("peers.html", city=city, city_label=label, options=options,
                           peers=found, graphs=graphs)


class _QueueWriter(io.RawIOBase):
    """A binary stream that hands each write to a queue (for streaming an export)."""

    def __init__(self, chunks: queue.Queue[bytes | None], cancelled: threading.Event) -> None:
        super().__init__()
        self._chunks = chunks
        self._cancelled = cancelled

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:  # type: ignore[override]
        chunk = bytes(data)  # type: ignore[call-overload]
        while not self._cancelled.is_set():
            try:
                self._chunks.put(chunk, timeout=0.5)
                return len(chunk)
            except queue.Full:
                continue
        raise OSError("export cancelled: the client went away")


def _stream_export(store: KGStore, fmt: str, selector: str) -> Iterator[bytes]:
    """Run store.export in a thread and yield what it writes, as it writes it."""
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
    cancelled = threading.Event()

    def produce() -> None:
        try:
            store.export(_QueueWriter(chunks, cancelled), fmt, selector)
        except Exception:  # noqa: BLE001 - logged; the stream just ends
            if not cancelled.is_set():
                log.exception("export failed")
        finally:
            while not cancelled.is_set():
                try:
                    chunks.put(None, timeout=0.5)
                    break
                except queue.Full:
                    continue

    threading.Thread(target=produce, name="kg-export", daemon=True).start()

    def generate() -> Iterator[bytes]:
        try:
            while True:
                chunk = chunks.get()
                if chunk is None:
                    return
                yield chunk
        finally:
            cancelled.set()

    return generate()


@bp.route("/export")
def export() -> Response | str:
    """A dump of the selected graphs (?format=turtle|trig|nquads|jsonld&graph=...), streamed."""
    fmt = request.args.get("format", "")
    store = get_store()
    if not fmt:
        return render_template("export.html", formats=EXPORT_FORMATS, graphs=GRAPH_NAMES,
                               documents=kv.document_list(store, 500))
    if fmt not in EXPORT_FORMATS:
        abort(400, f"Unknown format {fmt!r}: use {', '.join(EXPORT_FORMATS)}.")
    selector = request.args.get("graph", "all").strip() or "all"
    if not _SELECTOR.match(selector) or ".." in selector or selector.startswith("/"):
        abort(400, "graph must be all, asserted, inferred, ontology, analytics, documents, a "
                   "document identifier or a graph IRI.")
    try:
        graphs = store.resolve_graphs(selector)
    except StoreError as exc:
        abort(404, str(exc))
    if graphs is not None and selector not in GRAPH_NAMES:
        missing = [g for g in graphs if not store.has_graph(g)]
        if missing:
            abort(404, f"No graph <{missing[0]}> in the store.")
    media, ext = EXPORT_FORMATS[fmt]
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", selector.rsplit("/", 1)[-1]).strip("-") or "graph"
    resp = Response(_stream_export(store, fmt, selector), mimetype=media)
    resp.headers["Content-Disposition"] = f'attachment; filename="integration-kg-{name}.{ext}"'
    return resp


@bp.route("/.well-known/void")
def void() -> Response | str:
    """The VoID/DCAT description of the dataset: an HTML page for browsers, Turtle or JSON-LD
    (or N-Triples) for machines, by Accept or ?format=ttl|jsonld|nt."""
    fmt = request.args.get("format")
    if fmt and fmt not in ("jsonld", "ttl", "nt", "html"):
        abort(400, "format must be html, ttl, jsonld or nt.")
    # HTML only for a client that names text/html (a browser); */* or no Accept gets Turtle.
    names_html = any(value == "text/html" and q > 0 for value, q in request.accept_mimetypes)
    media = negotiate_rdf(default=None) if names_html else None
    media = media or (None if names_html else negotiate_rdf("text/turtle") or "text/turtle")
    if fmt:
        media = {"jsonld": "application/ld+json", "ttl": "text/turtle",
                 "nt": "application/n-triples", "html": None}[fmt]
    store = get_store()
    graph = kv.void_description(store, store.settings, request.url_root)
    if media is None:
        html = render_template("void.html", v=kv.void_summary(graph, request.url_root),
                               compact=compact, credits=kv.credits())
        resp = Response(html, mimetype="text/html")
    else:
        resp = Response(graph.serialize(format=RDF_MEDIA[media][0], encoding="utf-8"),
                        mimetype=media)
    resp.headers["Vary"] = "Accept"
    return resp
