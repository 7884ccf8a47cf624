"""Network views of the graph with networkx: co-participation, centrality, paths, peer cities.

Each view is built from the store with one SPARQL call. Nodes are IRI strings carrying a
``label`` and a ``kind`` attribute; edges carry what links them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from itertools import combinations
from typing import Any

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import NotFoundError
from kg.namespaces import IKG, PREFIXES
from kg.queries import CORE_CLASSES, resolve_resource
from kg.store import KGStore, Triple

__all__ = [
    "COMMUNITY_SEED",
    "INFERRED_EDGE_WEIGHT",
    "centrality",
    "city_graph",
    "communities",
    "components",
    "organisation_graph",
    "organisation_project_graph",
    "peer_cities",
    "project_graph",
    "resource_graph",
    "shortest_path",
    "summary",
    "write_analytics",
]

log = logging.getLogger(__name__)

COMMUNITY_SEED = 42
# An inferred-only link costs more than two asserted ones: a derived shortcut (transitive
# locatedIn, operatesIn from a partner's city) loses to the short asserted chain behind it.
INFERRED_EDGE_WEIGHT = 2.5
# Above this many nodes, betweenness is estimated from a fixed sample of sources.
BETWEENNESS_EXACT_LIMIT = 2000

# Kinds of resources in the resource graph, most specific first (a City is reported as Place).
CORE_KINDS: tuple[tuple[str, URIRef], ...] = (
    ("Event", IKG.Event),
    ("Activity", IKG.Activity),
    ("Project", IKG.Project),
    ("Organisation", IKG.Organisation),
    ("Person", IKG.Person),
    ("Place", IKG.Place),
    ("FundingProgramme", IKG.FundingProgramme),
    ("Theme", IKG.Theme),
)
SKIPPED_PROPERTIES = frozenset({IKG.mentionedIn, IKG.extractedBy, IKG.confidence})
_IKG = str(IKG)

_ORG_CLASSES = " ".join(f"<{c}>" for c in sorted(CORE_CLASSES[IKG.Organisation]))
_PARTNER = "ikg:hasPartner|ikg:coordinator|^ikg:partnerIn"
_TAKES_PART = "ikg:participatedIn|^ikg:participant|^ikg:organisedBy"
_WORKS_IN = (
    "ikg:operatesIn|ikg:hasPartner|ikg:coordinator|^ikg:partnerIn|^ikg:activityOf|ikg:hasActivity"
)


def _label(row: dict[str, Node], key: str, fallback: str) -> str:
    """The label in a row, else a readable fallback from the IRI."""
    value = row.get(key)
    if value is not None:
        return str(value)
    return fallback.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or fallback


def _add_node(g: nx.Graph, iri: str, label: str, kind: str, **attrs: Any) -> None:
    """Add a node or fill in its label (first label wins, shortest IRI fallback loses)."""
    if iri not in g:
        g.add_node(iri, label=label, kind=kind, **attrs)
    else:
        g.nodes[iri].update({k: v for k, v in attrs.items() if v is not None})


def _compact(iri: str) -> str:
    """A prefixed name for an IRI when a known prefix fits."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


# --------------------------------------------------------------------------- views


def organisation_project_graph(store: KGStore, graphs: str = "all") -> nx.Graph:
    """Bipartite graph of projects (bipartite=0) and their partner organisations (bipartite=1)."""
    rows = store.select(
        f"""SELECT DISTINCT ?project ?org ?coordinator ?pl ?ol WHERE {{
          ?project a ikg:Project ; {_PARTNER} ?org .
          BIND(EXISTS {{ ?project ikg:coordinator ?org }} AS ?coordinator)
          OPTIONAL {{ ?project rdfs:label|skos:prefLabel ?pl }}
          OPTIONAL {{ ?org rdfs:label|skos:prefLabel ?ol }}
        }}""",
        graphs=graphs,
    )
    g = nx.Graph()
    for row in rows:
        project, org = str(row["project"]), str(row["org"])
        _add_node(g, project, _label(row, "pl", project), "Project", bipartite=0)
        _add_node(g, org, _label(row, "ol", org), "Organisation", bipartite=1)
        role = "coordinator" if row.get("coordinator") == Literal(True) else "partner"
        if g.has_edge(project, org) and g.edges[project, org]["role"] == "coordinator":
            continue
        g.add_edge(project, org, role=role)
    return g


def organisation_graph(store: KGStore, graphs: str = "all") -> nx.Graph:
    """Organisations linked when partners in the same project or taking part in the same event."""
    rows = store.select(
        f"""SELECT DISTINCT ?org ?ctx ?via ?ol ?cl WHERE {{
          {{ ?ctx {_PARTNER} ?org . ?ctx a ikg:Project . BIND("project" AS ?via) }}
          UNION {{ ?org {_TAKES_PART} ?ctx . BIND("event" AS ?via) }}
          ?org a/rdfs:subClassOf* ?orgClass . VALUES ?orgClass {{ {_ORG_CLASSES} }}
          OPTIONAL {{ ?org rdfs:label|skos:prefLabel ?ol }}
          OPTIONAL {{ ?ctx rdfs:label|skos:prefLabel ?cl }}
        }}""",
        graphs=graphs,
    )
    g = nx.Graph()
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    ctx_labels: dict[str, str] = {}
    for row in rows:
        org, ctx, via = str(row["org"]), str(row["ctx"]), str(row["via"])
        _add_node(g, org, _label(row, "ol", org), "Organisation")
        members[(via, ctx)].add(org)
        ctx_labels[ctx] = _label(row, "cl", ctx)
    for (via, ctx), orgs in sorted(members.items()):
        key = "projects" if via == "project" else "events"
        for a, b in combinations(sorted(orgs), 2):
            if not g.has_edge(a, b):
                g.add_edge(a, b, projects=[], events=[], weight=0)
            data = g.edges[a, b]
            if ctx_labels[ctx] not in data[key]:
                data[key].append(ctx_labels[ctx])
                data["weight"] += 1
    return g


def project_graph(store: KGStore, graphs: str = "all") -> nx.Graph:
    """Projects linked by shared partners, shared events (where partners met) and shared cities."""
    rows = store.select(
        f"""SELECT DISTINCT ?project ?item ?via ?pl ?il WHERE {{
          ?project a ikg:Project .
          {{ ?project {_PARTNER} ?item . BIND("partners" AS ?via) }}
          UNION {{ ?project {_PARTNER} ?org . ?org ({_TAKES_PART})/ikg:subEventOf* ?item .
                   ?item a/rdfs:subClassOf* ikg:Event . BIND("events" AS ?via) }}
          UNION {{ ?item ikg:activityOf|^ikg:hasActivity ?project .
                   ?item a/rdfs:subClassOf* ikg:Event . BIND("events" AS ?via) }}
          UNION {{ ?project ({_WORKS_IN})/ikg:locatedIn* ?item . ?item a ikg:City .
                   BIND("cities" AS ?via) }}
          OPTIONAL {{ ?project rdfs:label|skos:prefLabel ?pl }}
          OPTIONAL {{ ?item rdfs:label|skos:prefLabel ?il }}
        }}""",
        graphs=graphs,
    )
    return _shared_item_graph(rows, "project", "pl", "Project", ("partners", "events", "cities"))


def city_graph(store: KGStore, graphs: str = "all") -> nx.Graph:
    """Cities linked when a project works in both (edge attribute ``projects``)."""
    rows = store.select(
        f"""SELECT DISTINCT ?city ?item ?via ?pl ?il ?lat ?long WHERE {{
          ?item a ikg:Project ; ({_WORKS_IN})/ikg:locatedIn* ?city .
          ?city a ikg:City .
          BIND("projects" AS ?via)
          OPTIONAL {{ ?city rdfs:label|skos:prefLabel ?pl }}
          OPTIONAL {{ ?item rdfs:label|skos:prefLabel ?il }}
          OPTIONAL {{ ?city geo:lat ?lat ; geo:long ?long }}
        }}""",
        graphs=graphs,
    )
    g = _shared_item_graph(rows, "city", "pl", "City", ("projects",))
    for row in rows:
        if row.get("lat") is not None and row.get("long") is not None:
            g.nodes[str(row["city"])].update(lat=float(row["lat"]), long=float(row["long"]))
    return g


def _shared_item_graph(
    rows: list[dict[str, Node]], key: str, label_key: str, kind: str, vias: tuple[str, ...]
) -> nx.Graph:
    """Link nodes that share items; edges list the shared items' labels by kind and a weight."""
    g = nx.Graph()
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    item_labels: dict[str, str] = {}
    for row in rows:
        node = str(row[key])
        _add_node(g, node, _label(row, label_key, node), kind)
        item = str(row["item"])
        holders[(str(row["via"]), item)].add(node)
        item_labels[item] = _label(row, "il", item)
    for (via, item), nodes in sorted(holders.items()):
        for a, b in combinations(sorted(nodes), 2):
            if not g.has_edge(a, b):
                g.add_edge(a, b, weight=0, **{v: [] for v in vias})
            g.edges[a, b][via].append(item_labels[item])
            g.edges[a, b]["weight"] += 1
    for _, _, data in g.edges(data=True):
        for v in vias:
            data[v].sort(key=str.casefold)
    return g


def _resource_rows(store: KGStore) -> list[dict[str, Node]]:
    """Object-property links (with their graph), typings and subclass axioms. Three plain queries
    tagged here, not one UNION with BINDs: Virtuoso 7.2's optimiser fails on that union."""
    parts = {
        "link": f"""SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                     FILTER(isIRI(?o) && STRSTARTS(STR(?p), "{_IKG}")) }}""",
        "type": f"""SELECT ?s ?o ?label WHERE {{ ?s rdf:type ?o . FILTER(STRSTARTS(STR(?o), "{_IKG}"))
                     OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?label }} }}""",
        "sub": """SELECT ?s ?o WHERE { ?s rdfs:subClassOf ?o . FILTER(isIRI(?o)) }""",
    }
    rows: list[dict[str, Node]] = []
    for what, query in parts.items():
        tag = Literal(what)
        rows.extend({**row, "what": tag} for row in store.select(query))
    return rows


def _kinds(rows: list[dict[str, Node]]) -> tuple[dict[str, str], dict[str, str]]:
    """Each typed resource's core kind and label."""
    supers: dict[Node, set[Node]] = defaultdict(set)
    for root, subs in CORE_CLASSES.items():
        for sub in subs:
            if sub != root:
                supers[sub].add(root)
    types: dict[str, set[Node]] = defaultdict(set)
    labels: dict[str, str] = {}
    for row in rows:
        if row["what"] == Literal("sub"):
            supers[row["s"]].add(row["o"])
        elif row["what"] == Literal("type"):
            types[str(row["s"])].add(row["o"])
            if row.get("label") is not None:
                labels.setdefault(str(row["s"]), str(row["label"]))

    closure_cache: dict[Node, set[Node]] = {}

    def closure(cls: Node) -> set[Node]:
        if cls not in closure_cache:
            seen, todo = {cls}, [cls]
            while todo:
                for nxt in supers.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            closure_cache[cls] = seen
        return closure_cache[cls]

    kinds: dict[str, str] = {}
    for iri, classes in types.items():
        all_classes = set().union(*(closure(c) for c in classes))
        for kind, cls in CORE_KINDS:
            if cls in all_classes:
                kinds[iri] = kind
                break
    return kinds, labels


RESOURCE_COUNT_RULE = ("each resource once, under its most specific core kind: an Event is "
                       "not counted again as an Activity, an NGO counts as an Organisation")


def _count_kinds(kinds: dict[str, str]) -> dict[str, int]:
    by_kind: dict[str, int] = defaultdict(int)
    for kind in kinds.values():
        by_kind[kind] += 1
    return dict(sorted(by_kind.items()))


def resource_counts(store: KGStore) -> dict[str, int]:
    """Resources by kind, the one count `kg stats` and `kg analytics` print: see
    RESOURCE_COUNT_RULE (kinds: CORE_KINDS, asserted and inferred types both considered)."""
    kinds, _ = _kinds(_resource_rows(store))
    return _count_kinds(kinds)


def resource_graph(store: KGStore, graphs: str = "all", *, themes: bool = False) -> nx.Graph:
    """Undirected graph of the core resources linked by ikg object properties.

    Each edge keeps ``triples`` (subject, property, object, inferred) and ``property`` (the
    preferred one: asserted first), and a ``weight`` (1 asserted, INFERRED_EDGE_WEIGHT
    inferred only). Themes (hubs that short-circuit every path) are left out unless asked.
    """
    rows = _resource_rows(store)
    kinds, labels = _kinds(rows)
    if not themes:
        kinds = {k: v for k, v in kinds.items() if v != "Theme"}
    selected = store.resolve_graphs(graphs)
    allowed = None if selected is None else {str(g) for g in selected}
    inferred_graph = str(store.minter.inferred_graph)
    analytics_graph = str(store.minter.analytics_graph)
    g = nx.Graph()
    for iri, kind in kinds.items():
        g.add_node(iri, label=labels.get(iri) or _label({}, "", iri), kind=kind)
    links: dict[tuple[str, str], dict[tuple[str, str, str], bool]] = defaultdict(dict)
    for row in rows:
        if row["what"] != Literal("link"):
            continue
        s, p, o, graph = str(row["s"]), row["p"], str(row["o"]), str(row["g"])
        if p in SKIPPED_PROPERTIES or p == IKG.hasTheme and not themes:
            continue
        if s == o or s not in kinds or o not in kinds or graph == analytics_graph:
            continue
        if allowed is not None and graph not in allowed:
            continue
        inferred = graph == inferred_graph
        key = (s, o) if s <= o else (o, s)
        triple = (s, str(p), o)
        links[key][triple] = links[key].get(triple, True) and inferred
    for (a, b), triples in links.items():
        ordered = sorted(triples.items(), key=lambda t: (t[1], t[0][1], t[0]))
        (s, p, o), inferred = ordered[0]
        g.add_edge(
            a, b,
            property=p, source=s, target=o, inferred=inferred,
            weight=INFERRED_EDGE_WEIGHT if inferred else 1.0,
            triples=[(ts, tp, to, ti) for (ts, tp, to), ti in ordered],
        )
    return g


# --------------------------------------------------------------------------- measures


def centrality(g: nx.Graph) -> dict[str, dict[str, float]]:
    """Degree and betweenness centrality by node: {"degree": {...}, "betweenness": {...}}."""
    if g.number_of_nodes() == 0:
        return {"degree": {}, "betweenness": {}}
    degree = nx.degree_centrality(g)
    n = g.number_of_nodes()
    if n > BETWEENNESS_EXACT_LIMIT:
        between = nx.betweenness_centrality(g, k=BETWEENNESS_EXACT_LIMIT // 4, seed=COMMUNITY_SEED)
    else:
        between = nx.betweenness_centrality(g)
    return {"degree": dict(degree), "betweenness": dict(between)}


def communities(g: nx.Graph, seed: int = COMMUNITY_SEED) -> list[set[str]]:
    """Louvain communities (fixed seed), largest first."""
    if g.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))


def components(g: nx.Graph) -> list[set[str]]:
    """Connected components, largest first."""
    return sorted((set(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), min(c)))


# --------------------------------------------------------------------------- paths


def shortest_path(
    store: KGStore, a: str | URIRef, b: str | URIRef, *, graphs: str = "all"
) -> dict[str, Any]:
    """A shortest connection between two resources (IRI or name), preferring asserted links.

    Returns {"nodes": [{"iri", "label", "kind"}], "edges": [{"from", "to", "property",
    "inferred"}], "length"}; "from"/"to" follow the stated direction of the property.
    Empty lists when the two are not connected.
    """
    start = str(resolve_resource(store, a, what="start of the path"))
    end = str(resolve_resource(store, b, what="end of the path"))
    g = resource_graph(store, graphs)
    for iri in (start, end):
        if iri not in g:
            raise NotFoundError(f"<{iri}> is not a project, organisation, person, place, "
                                f"activity or programme of the graph.")
    try:
        nodes = nx.dijkstra_path(g, start, end, weight="weight")
    except nx.NetworkXNoPath:
        return {"nodes": [], "edges": [], "length": None}
    edges = []
    for x, y in zip(nodes, nodes[1:], strict=False):
        data = g.edges[x, y]
        edges.append({
            "from": data["source"], "to": data["target"], "property": data["property"],
            "propertyLabel": _compact(data["property"]), "inferred": data["inferred"],
        })
    return {
        "nodes": [
            {"iri": n, "label": g.nodes[n]["label"], "kind": g.nodes[n]["kind"]} for n in nodes
        ],
        "edges": edges,
        "length": len(edges),
    }


# --------------------------------------------------------------------------- peers

PEER_WEIGHTS: dict[str, float] = {
    "projects": 3.0, "partners": 1.0, "programmes": 1.0, "events": 2.0, "themes": 0.5,
}


CityFeatures = dict[str, dict[str, dict[str, str]]]


def _city_features(store: KGStore, graphs: str) -> tuple[CityFeatures, dict[str, str]]:
    """For every city: kind -> {item IRI: item label}; and city labels. One SPARQL call."""
    rows = store.select(
        f"""SELECT DISTINCT ?city ?cl ?kind ?item ?il WHERE {{
          ?city a ikg:City .
          {{
            ?project a ikg:Project ; ({_WORKS_IN})/ikg:locatedIn* ?city .
            {{ ?project a ikg:Project . BIND(?project AS ?item) BIND("projects" AS ?kind) }}
            UNION {{ ?project {_PARTNER} ?item . BIND("partners" AS ?kind) }}
            UNION {{ ?project ikg:fundedBy ?item . BIND("programmes" AS ?kind) }}
            UNION {{ ?project ikg:hasTheme ?item . BIND("themes" AS ?kind) }}
          }}
          UNION {{ ?thing ikg:locatedIn+ ?city ; ikg:hasTheme ?item . BIND("themes" AS ?kind) }}
          UNION {{
            {{ ?item ikg:locatedIn+ ?city }}
            UNION {{ ?org ikg:locatedIn+ ?city ; ({_TAKES_PART})/ikg:subEventOf* ?item }}
            ?item a/rdfs:subClassOf* ikg:Event .
            BIND("events" AS ?kind)
          }}
          OPTIONAL {{ ?city rdfs:label|skos:prefLabel ?cl }}
          OPTIONAL {{ ?item rdfs:label|skos:prefLabel ?il }}
        }}""",
        graphs=graphs,
    )
    features: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    labels: dict[str, str] = {}
    for row in rows:
        city, item = str(row["city"]), str(row["item"])
        labels.setdefault(city, _label(row, "cl", city))
        features[city][str(row["kind"])].setdefault(item, _label(row, "il", item))
    return features, labels


def peer_cities(
    store: KGStore, city: str | URIRef, limit: int = 10, *, graphs: str = "all"
) -> list[dict[str, Any]]:
    """Cities most like a city by shared projects, partners, programmes, events and themes.

    Each peer: {"city", "label", "score", "shared": {kind: [labels]}, "reason"}; the score
    weighs each shared item by PEER_WEIGHTS.
    """
    target = str(resolve_resource(store, city, [IKG.City], what="city"))
    features, labels = _city_features(store, graphs)
    mine = features.get(target, {})
    peers: list[dict[str, Any]] = []
    for other, theirs in features.items():
        if other == target:
            continue
        shared: dict[str, list[str]] = {}
        score = 0.0
        for kind, weight in PEER_WEIGHTS.items():
            common = set(mine.get(kind, {})) & set(theirs.get(kind, {}))
            if common:
                shared[kind] = sorted((theirs[kind][i] for i in common), key=str.casefold)
                score += weight * len(common)
        if not shared:
            continue
        peers.append({
            "city": other,
            "label": labels.get(other, other),
            "score": round(score, 3),
            "shared": shared,
            "reason": _reason(shared),
        })
    peers.sort(key=lambda p: (-p["score"], p["label"].casefold(), p["city"]))
    return peers[:limit]


def _reason(shared: dict[str, list[str]]) -> str:
    """'shares 2 projects (A, B); 1 event (C)' from the shared items."""
    singular = {"projects": "project", "partners": "partner", "programmes": "programme",
                "events": "event", "themes": "theme"}
    parts = []
    for kind in PEER_WEIGHTS:
        items = shared.get(kind)
        if items:
            noun = singular[kind] if len(items) == 1 else kind
            parts.append(f"{len(items)} {noun} ({', '.join(items)})")
    return "shares " + "; ".join(parts)


# --------------------------------------------------------------------------- summary


def summary(store: KGStore, graphs: str = "all") -> dict[str, Any]:
    """Counts of resources by kind, triples by graph family, and the shape of the networks."""
    rows = _resource_rows(store)
    kinds, labels = _kinds(rows)
    by_kind = _count_kinds(kinds)
    resources = resource_graph(store, graphs)
    orgs = organisation_graph(store, graphs)
    degree = nx.degree_centrality(orgs) if orgs.number_of_nodes() else {}
    top = sorted(degree.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    comps = components(resources)
    return {
        "resources": dict(sorted(by_kind.items())),
        "triples": {
            "all": store.count("all"),
            "asserted": store.count("asserted"),
            "inferred": store.count("inferred"),
        },
        "documents": len(store.document_graphs()),
        "resource_graph": {
            "nodes": resources.number_of_nodes(),
            "edges": resources.number_of_edges(),
            "components": len(comps),
            "largest_component": len(comps[0]) if comps else 0,
        },
        "organisation_graph": {
            "nodes": orgs.number_of_nodes(),
            "edges": orgs.number_of_edges(),
            "communities": len(communities(orgs)),
            "most_connected": [
                {"iri": n, "label": orgs.nodes[n]["label"], "degree": round(v, 4)} for n, v in top
            ],
        },
    }


def analytics_triples(g: nx.Graph) -> list[Triple]:
    """Degree and betweenness centrality and community of every node of g, as triples."""
    scores = centrality(g)
    triples: list[Triple] = []
    for number, members in enumerate(communities(g)):
        for node in members:
            triples.append((URIRef(node), IKG.community, Literal(number, datatype=XSD.integer)))
    measures = (("degree", IKG.degreeCentrality), ("betweenness", IKG.betweennessCentrality))
    for measure, prop in measures:
        for node, value in scores[measure].items():
            triples.append((URIRef(node), prop, Literal(f"{value:.6f}", datatype=XSD.decimal)))
    return triples


def write_analytics(store: KGStore, graphs: str = "all") -> dict[str, int]:
    """Write centrality and communities of the resource graph into the analytics graph."""
    g = resource_graph(store, graphs)
    triples = analytics_triples(g)
    store.replace_graph(store.minter.analytics_graph, triples)
    n_comm = len({t[2] for t in triples if t[1] == IKG.community})
    log.info("analytics: %d nodes, %d triples written", g.number_of_nodes(), len(triples))
    return {"nodes": g.number_of_nodes(), "triples": len(triples), "communities": n_comm}
