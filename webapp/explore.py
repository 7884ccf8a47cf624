"""Exploring views: the network (pyvis, in-line resources), the map (Leaflet), the timeline."""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from pyvis.network import Network

from kg import analytics
from kg import explore as kx
from kg.describe import compact
from kg.errors import NotFoundError, ParameterError
from kg.query_runner import memoized
from webapp import get_store, run_query
from webapp.views import link_for

bp = Blueprint("explore", __name__)

KIND_COLOURS = {
    "Project": "#0b5cad", "Organisation": "#d9730d", "Person": "#8e44ad", "Place": "#2e8b57",
    "Event": "#c0392b", "Activity": "#e67e80", "FundingProgramme": "#7f8c8d",
}
COMMUNITY_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                     "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#17becf")
# Tags that would load something from another site: pyvis adds Bootstrap from a CDN.
_EXTERNAL_TAG = re.compile(
    r"<link\b[^>]*\bhref=\"(?:https?:)?//[^\"]*\"[^>]*>|"
    r"<script\b[^>]*\bsrc=\"(?:https?:)?//[^\"]*\"[^>]*>\s*</script>|"
    r"<script\b[^>]*\bsrc=\"\.\./node_modules[^\"]*\"[^>]*>\s*</script>",
    re.IGNORECASE,
)
_IRI = re.compile(r"^(?:https?|urn):[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
MAX_HIGHLIGHT = 50
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.IGNORECASE)


def _filters() -> kx.Filters:
    """The filters of the request (400 with the message for a bad value)."""
    try:
        return kx.parse_filters(get_store(), request.args.to_dict(flat=False))
    except ParameterError as exc:
        abort(400, str(exc))


def _plain(text: str) -> str:
    """A node tooltip as plain text (pyvis switches to an HTML tooltip if it sees 'href')."""
    return re.sub("href", "hr\u200bef", text, flags=re.IGNORECASE)


def network_html(view: kx.NetworkView, colour_by: str = "type", size_by: str = "degree",
                 height: str = "100vh", highlight: list[str] | None = None) -> str:
    """The pyvis page of a network view, with vis-network in-line and no external loads;
    `highlight` is a path of node IRIs drawn in bold."""
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line",
                  bgcolor="#ffffff")
    marked = set(highlight or [])
    steps = {frozenset(pair) for pair in zip(highlight or [], (highlight or [])[1:],
                                             strict=False)}
    for node in view.nodes:
        measure = node.betweenness if size_by == "betweenness" else node.degree
        colour = (COMMUNITY_COLOURS[node.community % len(COMMUNITY_COLOURS)]
                  if colour_by == "community" else KIND_COLOURS.get(node.kind, "#555555"))
        bold = {"borderWidth": 5, "color": {"background": colour, "border": "#111111"}} \
            if node.iri in marked else {"color": colour}
        net.add_node(
            node.iri, label=node.label[:60], shape="dot", **bold,
            size=round(8 + 32 * math.sqrt(measure), 2), url=link_for(node.iri),
            title=_plain(f"{node.label}\n{node.kind} · degree {node.degree} · "
                         f"betweenness {node.betweenness} · community {node.community}"),
            kind=node.kind,
        )
    for edge in view.edges:
        on_path = frozenset((edge["from"], edge["to"])) in steps
        net.add_edge(edge["source"], edge["target"], title=_plain(compact(edge["property"])),
                     dashes=edge["inferred"], color="#111111" if on_path else "#9aa5b1",
                     width=4 if on_path else 1)
    net.set_options(json.dumps({
        "physics": {"solver": "forceAtlas2Based",
                    "stabilization": {"enabled": True, "iterations": 300, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 150},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "smooth": {"enabled": False}},
        "nodes": {"font": {"size": 14}},
    }))
    html = net.generate_html()
    html = _EXTERNAL_TAG.sub("", html)
    html = _EMPTY_HEADING.sub("", html)
    # Clicking a node opens its page (in the top window when framed); tests read data-ready.
    extra = """
<style>html,body{margin:0;padding:0;font-family:system-ui,sans-serif}
#mynetwork{border:0 !important;float:none !important}.card{border:0}</style>
<script>
(function () {
  function go(params) {
    if (!params.nodes || !params.nodes.length) { return; }
    var n = nodes.get(params.nodes[0]);
    if (n && n.url) { (window.top || window).location.href = n.url; }
  }
  network.on("click", go);
  function ready() {
    if (document.body.dataset.ready) { return; }
    network.setOptions({physics: false});
    document.body.dataset.ready = "1";
  }
  // Small graphs stabilise inside the constructor, before this runs: the first drawing
  // after it, or the end of a longer stabilisation, means the layout is in place.
  network.once("stabilizationIterationsDone", ready);
  network.once("afterDrawing", ready);
  if (!nodes.length) { document.body.dataset.ready = "1"; }
  setTimeout(function () { if (!document.body.dataset.ready) { ready(); } }, 8000);
})();
</script>
"""
    return html.replace("</body>", extra + "</body>", 1)


@bp.route("/network")
def network_page() -> str:
    """The network page: filters, the pyvis frame, and the shortest-path tool."""
    f = _filters()
    colour_by = request.args.get("colour", "type")
    size_by = request.args.get("size", "degree")
    if colour_by not in ("type", "community") or size_by not in ("degree", "betweenness"):
        abort(400, "colour must be type or community; size must be degree or betweenness.")
    store = get_store()
    path_from, path_to = request.args.get("from_node", ""), request.args.get("to_node", "")
    path: dict[str, Any] | None = None
    path_error = None
    if path_from and path_to:
        try:
            path = run_query(analytics.shortest_path, path_from, path_to, graphs=f.graphs)
        except (ParameterError, NotFoundError) as exc:
            path_error = str(exc)
    frame_args: dict[str, Any] = {**f.query_args(), "colour": colour_by, "size": size_by}
    if path and path.get("nodes"):
        frame_args["hl"] = [n["iri"] for n in path["nodes"]]
    return render_template(
        "network.html", f=f, options=kx.filter_options(store), kinds=kx.ALL_KINDS,
        frame_url="/network/graph?" + urlencode(frame_args, doseq=True),
        colour_by=colour_by, size_by=size_by, path=path, path_error=path_error,
        path_from=path_from, path_to=path_to, compact=compact,
        legend=KIND_COLOURS if colour_by == "type" else None,
    )


@bp.route("/network/graph")
def network_graph() -> Response:
    """The pyvis document (framed by /network); its in-line scripts need 'unsafe-inline'."""
    f = _filters()
    colour_by = request.args.get("colour", "type")
    size_by = request.args.get("size", "degree")
    if colour_by not in ("type", "community") or size_by not in ("degree", "betweenness"):
        abort(400, "colour must be type or community; size must be degree or betweenness.")
    highlight = request.args.getlist("hl")[:MAX_HIGHLIGHT]
    if any(not _IRI.match(iri) for iri in highlight):
        abort(400, "hl must list absolute IRIs (the nodes of a path).")
    view = run_query(memoized, kx.network_view, f)
    g.csp_script = "'unsafe-inline'"
    g.csp_style = "'unsafe-inline'"
    return Response(network_html(view, colour_by, size_by, highlight=highlight),
                    mimetype="text/html")


@bp.route("/map")
def map_page() -> str:
    """Places with coordinates as markers sized by the projects and organisations there."""
    f = _filters()
    store = get_store()
    markers = []
    for marker in kx.map_markers(store, f):
        data = marker.as_dict()
        data["url"] = link_for(marker.iri)
        for key in ("projects", "organisations", "events"):
            data[key] = [{**item, "url": link_for(item["iri"])} for item in data[key]]
        markers.append(data)
    return render_template(
        "map.html", f=f, options=kx.filter_options(store), markers=markers,
        tile_url=current_app.config.get("KG_TILE_URL") or "",
        tile_attribution=current_app.config.get("KG_TILE_ATTRIBUTION") or "",
    )


@bp.route("/timeline")
def timeline_page() -> str:
    """Dated events and activities grouped by project (vis-timeline)."""
    f = _filters()
    store = get_store()
    groups, items = kx.timeline_items(store, f)
    g.csp_style = "'unsafe-inline'"  # vis-timeline writes style attributes
    for item in items:
        item["url"] = link_for(item["iri"])
        item["document_url"] = link_for(item["document"]) if item.get("document") else ""
    for group in groups:
        group["url"] = link_for(group["id"]) if group["id"] else ""
    return render_template("timeline.html", f=f, options=kx.filter_options(store),
                           groups=groups, items=items)
