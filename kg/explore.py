"""Data for the exploring views (network, map, timeline) under one set of filters.

Filters narrow the graph by kind of node, project, country, funding programme and date;
the views are plain data (lists of dicts and dataclasses) that any face can draw.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from rdflib import URIRef

from kg import analytics
from kg.describe import local_name
from kg.errors import ParameterError
from kg.namespaces import IKG
from kg.queries import CORE_CLASSES, resolve_resource
from kg.store import KGStore

__all__ = [
    "ALL_KINDS",
    "DEFAULT_KINDS",
    "Filters",
    "MapMarker",
    "NetworkView",
    "filter_options",
    "map_markers",
    "network_view",
    "parse_filters",
    "timeline_items",
]

DEFAULT_KINDS = ("Project", "Organisation", "Place", "Event")
ALL_KINDS = ("Project", "Organisation", "Person", "Place", "Event", "Activity", "FundingProgramme")
GRAPH_CHOICES = ("all", "asserted", "inferred")
MAX_NODES = 400

_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_IRI = re.compile(r"^(?:https?|urn):[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
_WORKS_IN = "ikg:operatesIn|ikg:hasPartner|ikg:coordinator|^ikg:partnerIn|^ikg:activityOf"
_ORG_CLASSES = " ".join(f"<{c}>" for c in sorted(CORE_CLASSES[IKG.Organisation]))
_ACTIVITY_CLASSES = " ".join(f"<{c}>" for c in sorted(CORE_CLASSES[IKG.Activity]))


@dataclass(frozen=True)
class Filters:
    """What to show: kinds of nodes, and the project/country/programme/date scope."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    project: str | None = None
    country: str | None = None
    programme: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    graphs: str = "all"
    focus: str | None = None
    depth: int = 1

    def query_args(self) -> dict[str, Any]:
        """The filters as URL query arguments (only those that differ from the defaults)."""
        args: dict[str, Any] = {}
        if self.kinds != DEFAULT_KINDS:
            args["kind"] = list(self.kinds)
        for name in ("project", "country", "programme", "focus"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.date_from:
            args["from"] = self.date_from
        if self.date_to:
            args["to"] = self.date_to
        if self.graphs != "all":
            args["graphs"] = self.graphs
        if self.depth != 1:
            args["depth"] = self.depth
        return args


def _first(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").strip()


def parse_filters(store: KGStore, args: Mapping[str, Any]) -> Filters:
    """Filters from query arguments; project/country/programme may be IRIs or names.

    Raises ParameterError with a readable message for a bad value.
    """
    raw_kinds = args.get("kind") or []
    if isinstance(raw_kinds, str):
        raw_kinds = [raw_kinds]
    kinds = tuple(k for k in ALL_KINDS if k in set(raw_kinds)) or DEFAULT_KINDS
    unknown = sorted(set(raw_kinds) - set(ALL_KINDS))
    if unknown:
        raise ParameterError(f"Unknown kind {unknown[0]!r}: use {', '.join(ALL_KINDS)}.")
    resolved: dict[str, str | None] = {}
    for name, cls in (("project", IKG.Project), ("country", IKG.Country),
                      ("programme", IKG.FundingProgramme)):
        value = _first(args, name)
        resolved[name] = str(resolve_resource(store, value, [cls], what=name)) if value else None
    dates: dict[str, str | None] = {}
    for name in ("from", "to"):
        value = _first(args, name)
        if value and not _DATE.match(value):
            raise ParameterError(f"'{value}' is not a date for '{name}': use YYYY, YYYY-MM or "
                                 f"YYYY-MM-DD.")
        dates[name] = value or None
    graphs = _first(args, "graphs") or "all"
    if graphs not in GRAPH_CHOICES:
        raise ParameterError(f"graphs must be one of {', '.join(GRAPH_CHOICES)}.")
    focus = _first(args, "focus") or None
    if focus and not _IRI.match(focus):
        raise ParameterError("focus must be an absolute IRI.")
    depth_text = _first(args, "depth") or "1"
    if not depth_text.isdigit() or not 1 <= int(depth_text) <= 3:
        raise ParameterError("depth must be 1, 2 or 3.")
    return Filters(kinds=kinds, project=resolved["project"], country=resolved["country"],
                   programme=resolved["programme"], date_from=dates["from"],
                   date_to=dates["to"], graphs=graphs, focus=focus, depth=int(depth_text))


def _column(rows: list[dict], name: str) -> set[str]:
    return {str(r[name]) for r in rows if isinstance(r.get(name), URIRef)}


def _scope(store: KGStore, f: Filters) -> set[str] | None:
    """The resources allowed by the project/country/programme filters (None: no such filter)."""
    sets: list[set[str]] = []
    if f.project:
        rows = store.select(
            f"""SELECT DISTINCT ?p ?x WHERE {{
              {{ ?p ?q ?x }} UNION {{ ?x ?q ?p }}
              UNION {{ ?p {_WORKS_IN} ?y . ?y ikg:locatedIn ?x }}
              UNION {{ ?p ^ikg:activityOf ?a . ?a ikg:participatedIn|^ikg:participatedIn|
                       ikg:organisedBy|ikg:participant ?x }}
            }}""", bindings={"p": URIRef(f.project)}, graphs=f.graphs)
        sets.append(_column(rows, "x") | {f.project})
    if f.country:
        rows = store.select(
            f"""SELECT DISTINCT ?c ?x WHERE {{
              {{ ?x ikg:locatedIn+ ?c }}
              UNION {{ ?x a ikg:Project ; ({_WORKS_IN})/ikg:locatedIn* ?c }}
            }}""", bindings={"c": URIRef(f.country)}, graphs=f.graphs)
        sets.append(_column(rows, "x") | {f.country})
    if f.programme:
        rows = store.select(
            """SELECT DISTINCT ?f ?x WHERE {
              { ?x ikg:fundedBy ?f }
              UNION { ?p ikg:fundedBy ?f . ?p ?q ?x } UNION { ?p ikg:fundedBy ?f . ?x ?q ?p }
            }""", bindings={"f": URIRef(f.programme)}, graphs=f.graphs)
        sets.append(_column(rows, "x") | {f.programme})
    if not sets:
        return None
    result = sets[0]
    for other in sets[1:]:
        result &= other
    return result


def _pad(value: str, end: bool) -> str:
    """A partial ISO date padded to a full day (first or last possible)."""
    parts = value.split("-")
    defaults = ["", "12", "31"] if end else ["", "01", "01"]
    return "-".join(parts + defaults[len(parts):])


def _dates(store: KGStore, graphs: str) -> dict[str, tuple[str | None, str | None]]:
    """(first day, last day) of every dated resource: activities by ikg:date, anything with
    start/end dates by those (a range).

    The minimum and maximum are taken here, not with MIN(STR(?d)) in SPARQL: a row of the
    union without ?d makes STR(?d) an error, which leaves the whole aggregate unbound (the
    resource then looked undated and passed every date filter).
    """
    rows = store.select(
        """SELECT DISTINCT ?x ?d ?e WHERE {
          { ?x ikg:date ?d . BIND(?d AS ?e) }
          UNION { ?x ikg:startDate ?d } UNION { ?x ikg:endDate ?e }
        }""", graphs=graphs)
    firsts: dict[str, list[str]] = {}
    lasts: dict[str, list[str]] = {}
    for row in rows:
        x = str(row["x"])
        if row.get("d") is not None:
            firsts.setdefault(x, []).append(_pad(str(row["d"])[:10], False))
        if row.get("e") is not None:
            lasts.setdefault(x, []).append(_pad(str(row["e"])[:10], True))
    return {x: (min(firsts[x]) if x in firsts else None, max(lasts[x]) if x in lasts else None)
            for x in set(firsts) | set(lasts)}


def _outside_dates(store: KGStore, f: Filters) -> set[str]:
    """Resources whose dates fall wholly outside the date filter."""
    if not f.date_from and not f.date_to:
        return set()
    lo = _pad(f.date_from, end=False) if f.date_from else None
    hi = _pad(f.date_to, end=True) if f.date_to else None
    out = set()
    for iri, (first, last) in _dates(store, f.graphs).items():
        start = _pad(first, False) if first else None
        stop = _pad(last, True) if last else start
        if lo and stop and stop < lo:
            out.add(iri)
        elif hi and start and start > hi:
            out.add(iri)
    return out


@dataclass
class NetworkNode:
    """A node of the network view."""

    iri: str
    label: str
    kind: str
    degree: float
    betweenness: float
    community: int


@dataclass
class NetworkView:
    """The filtered network: nodes with centrality and community, edges with their property."""

    nodes: list[NetworkNode]
    edges: list[dict[str, Any]]
    total_nodes: int
    truncated: bool = False
    communities: int = 0
    missing_focus: bool = False
    kinds: dict[str, int] = field(default_factory=dict)


def network_view(store: KGStore, f: Filters, max_nodes: int = MAX_NODES) -> NetworkView:
    """The resource network under the filters, largest-degree nodes first when truncated."""
    g = analytics.resource_graph(store, f.graphs)
    keep = {n for n, d in g.nodes(data=True) if d.get("kind") in f.kinds}
    scope = _scope(store, f)
    if scope is not None:
        keep &= scope
    keep -= _outside_dates(store, f)
    missing_focus = False
    if f.focus:
        if f.focus in g:
            ego = set(nx.ego_graph(g, f.focus, radius=f.depth).nodes)
            keep = (keep & ego) | {f.focus}
        else:
            keep, missing_focus = set(), True
    sub = g.subgraph(keep)
    total = sub.number_of_nodes()
    truncated = total > max_nodes
    if truncated:
        ranked = sorted(sub.degree, key=lambda nd: (-nd[1], nd[0]))[:max_nodes]
        sub = g.subgraph({n for n, _ in ranked} | ({f.focus} if f.focus in keep else set()))
    cent = analytics.centrality(sub)
    comms = analytics.communities(sub) if sub.number_of_edges() else [{n} for n in sorted(sub)]
    community_of = {n: i for i, members in enumerate(comms) for n in members}
    nodes = [
        NetworkNode(iri=n, label=d.get("label") or local_name(n), kind=d.get("kind", ""),
                    degree=round(cent["degree"].get(n, 0.0), 4),
                    betweenness=round(cent["betweenness"].get(n, 0.0), 4),
                    community=community_of.get(n, 0))
        for n, d in sorted(sub.nodes(data=True))
    ]
    edges = [
        {"from": a, "to": b, "property": d.get("property", ""), "source": d.get("source", a),
         "target": d.get("target", b), "inferred": bool(d.get("inferred"))}
        for a, b, d in sorted(sub.edges(data=True))
    ]
    kinds: dict[str, int] = {}
    for node in nodes:
        kinds[node.kind] = kinds.get(node.kind, 0) + 1
    return NetworkView(nodes, edges, total, truncated, len(comms), missing_focus, kinds)


@dataclass
class MapMarker:
    """A place with coordinates, and the projects, organisations and events there."""

    iri: str
    label: str
    lat: float
    long: float
    kind: str
    projects: list[dict[str, str]]
    organisations: list[dict[str, str]]
    events: list[dict[str, str]] = field(default_factory=list)

    @property
    def weight(self) -> int:
        """How much is there: projects plus organisations."""
        return len(self.projects) + len(self.organisations)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"iri": self.iri, "label": self.label, "lat": self.lat, "long": self.long,
                "kind": self.kind, "projects": self.projects,
                "organisations": self.organisations, "events": self.events,
                "weight": self.weight}


def map_markers(store: KGStore, f: Filters) -> list[MapMarker]:
    """Places with coordinates under the filters, with their projects and organisations."""
    places = store.select(
        """SELECT ?place (SAMPLE(?l) AS ?label) (SAMPLE(?la) AS ?lat) (SAMPLE(?lo) AS ?long)
                  (SAMPLE(?k) AS ?kind) WHERE {
          ?place geo:lat ?la ; geo:long ?lo .
          OPTIONAL { ?place rdfs:label ?l }
          OPTIONAL { ?place a ?k . VALUES ?k { ikg:City ikg:Region ikg:Country ikg:Place } }
        } GROUP BY ?place""", graphs=f.graphs)
    projects = store.select(
        f"""SELECT DISTINCT ?place ?x (SAMPLE(?l) AS ?label) WHERE {{
          ?place geo:lat ?la . ?x a ikg:Project ; ({_WORKS_IN})/ikg:locatedIn* ?place .
          OPTIONAL {{ ?x rdfs:label ?l }}
        }} GROUP BY ?place ?x""", graphs=f.graphs)
    orgs = store.select(
        f"""SELECT DISTINCT ?place ?x (SAMPLE(?l) AS ?label) WHERE {{
          ?place geo:lat ?la . ?x ikg:locatedIn+ ?place ; a ?t . VALUES ?t {{ {_ORG_CLASSES} }}
          OPTIONAL {{ ?x rdfs:label ?l }}
        }} GROUP BY ?place ?x""", graphs=f.graphs)
    events = store.select(
        f"""SELECT DISTINCT ?place ?x (SAMPLE(?l) AS ?label) WHERE {{
          ?place geo:lat ?la . ?x ikg:locatedIn ?place ; a ?t . VALUES ?t {{ {_ACTIVITY_CLASSES} }}
          OPTIONAL {{ ?x rdfs:label ?l }}
        }} GROUP BY ?place ?x""", graphs=f.graphs)
    scope = _scope(store, f)
    outside = _outside_dates(store, f)

    def allowed(iri: str) -> bool:
        return (scope is None or iri in scope) and iri not in outside

    by_place: dict[str, dict[str, dict[str, str]]] = {}
    for kind, rows in (("projects", projects), ("organisations", orgs), ("events", events)):
        for row in rows:
            x = str(row["x"])
            if not allowed(x):
                continue
            bucket = by_place.setdefault(str(row["place"]),
                                         {"projects": {}, "organisations": {}, "events": {}})
            bucket[kind][x] = str(row.get("label") or local_name(x))
    markers = []
    for row in places:
        iri = str(row["place"])
        try:
            lat, long = float(row["lat"].toPython()), float(row["long"].toPython())
        except (KeyError, TypeError, ValueError):
            continue
        found = by_place.get(iri, {"projects": {}, "organisations": {}, "events": {}})
        if scope is not None and iri not in scope and not (found["projects"]
                                                           or found["organisations"]):
            continue
        kind = local_name(str(row["kind"])) if row.get("kind") is not None else "Place"
        markers.append(MapMarker(
            iri=iri, label=str(row.get("label") or local_name(iri)), lat=lat, long=long,
            kind=kind,
            projects=[{"iri": k, "label": v} for k, v in
                      sorted(found["projects"].items(), key=lambda kv: kv[1].casefold())],
            organisations=[{"iri": k, "label": v} for k, v in
                           sorted(found["organisations"].items(), key=lambda kv: kv[1].casefold())],
            events=[{"iri": k, "label": v} for k, v in
                    sorted(found["events"].items(), key=lambda kv: kv[1].casefold())],
        ))
    markers.sort(key=lambda m: (-m.weight, m.label.casefold()))
    return markers


SHORT_LABEL = 48


def short_label(label: str, limit: int = SHORT_LABEL) -> str:
    """A label cut at a word boundary to at most `limit` characters (with an ellipsis)."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    cut = label[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-– ")
    return (cut or label[:limit - 1]) + "…"


def _timeline_context(store: KGStore, iris: list[str], graphs: str
                      ) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """For timeline items: the label of the place each happened in (the most specific, a city
    before a country), and one source sentence with its document."""
    places: dict[str, str] = {}
    quotes: dict[str, tuple[str, str]] = {}
    for start in range(0, len(iris), 400):
        values = " ".join(f"<{i}>" for i in iris[start:start + 400])
        rows = store.select(
            f"""SELECT ?a ?place (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?up) AS ?depth) WHERE {{
              VALUES ?a {{ {values} }}
              ?a ikg:locatedIn ?place . ?place rdfs:label ?l .
              OPTIONAL {{ ?place ikg:locatedIn+ ?up }}
            }} GROUP BY ?a ?place""", graphs=graphs)
        best: dict[str, tuple[int, str]] = {}
        for row in rows:
            a, depth = str(row["a"]), int(row["depth"].toPython())
            label = str(row["label"])
            if a not in best or (depth, -len(label)) > (best[a][0], -len(best[a][1])):
                best[a] = (depth, label)
        places.update({a: label for a, (_, label) in best.items()})
        rows = store.select(
            f"""SELECT ?a (SAMPLE(?q) AS ?quote) (SAMPLE(?doc) AS ?document) WHERE {{
              VALUES ?a {{ {values} }}
              ?st rdf:subject ?a ; prov:wasDerivedFrom ?s .
              ?s nif:anchorOf ?q ; nif:referenceContext/nif:sourceUrl ?doc .
            }} GROUP BY ?a""", graphs=graphs)
        for row in rows:
            if row.get("quote") is not None and row.get("document") is not None:
                quotes[str(row["a"])] = (str(row["quote"]), str(row["document"]))
    return places, quotes


def timeline_items(store: KGStore, f: Filters) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(groups, items) of dated events and activities, grouped by project.

    An item is kept when its date, or its range (start to end date), overlaps the period of
    the date filter. Each item has a short label (its label cut short, and its place), its
    full label, start and end (a range when it has an end date after its start), and one
    source sentence with its document when known.
    """
    rows = store.select(
        f"""SELECT ?a (SAMPLE(?l) AS ?label) (MAX(STR(?k)) AS ?kind)
                   ?project (SAMPLE(?pl) AS ?plabel) WHERE {{
          ?a a ?k . VALUES ?k {{ {_ACTIVITY_CLASSES} }}
          ?a ikg:date|ikg:startDate ?d .
          OPTIONAL {{ ?a rdfs:label ?l }}
          OPTIONAL {{ ?a ikg:activityOf ?project . OPTIONAL {{ ?project rdfs:label ?pl }} }}
        }} GROUP BY ?a ?project""", graphs=f.graphs)
    scope = _scope(store, f)
    outside = _outside_dates(store, f)
    dates = _dates(store, f.graphs)
    groups: dict[str, str] = {}
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        iri = str(row["a"])
        if (scope is not None and iri not in scope) or iri in outside:
            continue
        first, last = dates.get(iri, (None, None))
        if not first or not _DATE.match(first):
            continue
        project = str(row["project"]) if row.get("project") is not None else ""
        if (iri, project) in seen:
            continue
        seen.add((iri, project))
        groups.setdefault(project, str(row.get("plabel") or (local_name(project) if project
                                                              else "No project")))
        label = str(row.get("label") or local_name(iri))
        items.append({
            "id": len(items) + 1, "iri": iri, "group": project, "label": label,
            "start": first, "end": last if last and _DATE.match(last) and last > first else None,
            "kind": local_name(str(row.get("kind") or "")),
        })
    places, quotes = _timeline_context(store, sorted({i["iri"] for i in items}), f.graphs)
    for item in items:
        place = places.get(item["iri"])
        short = short_label(item["label"])
        if place and place.casefold() not in item["label"].casefold():
            short = f"{short} · {place}"
        item["short"] = short
        item["place"] = place
        quote = quotes.get(item["iri"])
        item["quote"], item["document"] = quote if quote else (None, None)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[1].casefold()))
    return ([{"id": k, "label": v} for k, v in ordered],
            sorted(items, key=lambda i: (i["start"], i["label"])))


def filter_options(store: KGStore) -> dict[str, list[dict[str, str]]]:
    """Choices for the filter form: projects, countries and programmes with labels."""
    found: dict[str, list[dict[str, str]]] = {}
    for name, cls in (("projects", IKG.Project), ("countries", IKG.Country),
                      ("programmes", IKG.FundingProgramme)):
        rows = store.select(
            """SELECT ?c ?x (SAMPLE(?l) AS ?label) WHERE { ?x a ?c . OPTIONAL { ?x rdfs:label ?l } }
               GROUP BY ?c ?x""", bindings={"c": cls})
        found[name] = sorted(
            ({"iri": str(r["x"]), "label": str(r.get("label") or local_name(str(r["x"])))}
             for r in rows if isinstance(r.get("x"), URIRef)),
            key=lambda o: o["label"].casefold())
    return found
