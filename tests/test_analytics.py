"""Network analytics and theme assignment on small invented graphs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import analytics
from kg.errors import ParameterError
from kg.namespaces import IKG, THEME
from kg.settings import load_settings
from kg.store import KGStore
from kg.themes import assign_themes, count_theme_hits, load_theme_keywords

# The sample graph and its loader live beside the saved-query tests.
_spec = importlib.util.spec_from_file_location(
    "_sample_kg", Path(__file__).with_name("test_queries.py")
)
assert _spec and _spec.loader
_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sample)
B = _sample.B
make_store = _sample.make_store


def r(path: str) -> str:
    return B + path


@pytest.fixture
def store(tmp_path: Path):
    s = make_store(tmp_path)
    yield s
    s.close()


# --------------------------------------------------------------------------- views


def test_organisation_project_graph(store: KGStore) -> None:
    g = analytics.organisation_project_graph(store)
    projects = {n for n, d in g.nodes(data=True) if d["bipartite"] == 0}
    assert projects == {r("project/alpha"), r("project/beta"), r("project/gamma")}
    assert g.nodes[r("organisation/harbour-aid")]["bipartite"] == 1
    assert g.edges[r("project/alpha"), r("organisation/harbour-aid")]["role"] == "coordinator"
    assert g.edges[r("project/beta"), r("organisation/harbour-aid")]["role"] == "partner"
    assert g.number_of_edges() == 6
    assert nx.is_bipartite(g)


def test_organisation_graph(store: KGStore) -> None:
    g = analytics.organisation_graph(store)
    ha, council = r("organisation/harbour-aid"), r("organisation/valdoria-council")
    oster, nomad = r("organisation/ostervik-association"), r("organisation/nomad-collective")
    far = r("organisation/far-agency")
    assert g.edges[ha, council]["projects"] == ["ALPHA"]
    assert g.edges[ha, oster]["projects"] == ["BETA"]
    assert g.edges[council, oster] == {"projects": [], "events": ["Welcome Summit"], "weight": 1}
    assert g.has_edge(far, council) and g.has_edge(far, oster) and g.has_edge(nomad, oster)
    assert r("person/mira-kell") not in g
    assert g.nodes[far]["label"] == "Far Agency"


def test_project_graph(store: KGStore) -> None:
    g = analytics.project_graph(store)
    edge = g.edges[r("project/alpha"), r("project/beta")]
    assert edge["partners"] == ["Harbour Aid"]
    assert edge["events"] == ["Welcome Summit"]
    assert edge["cities"] == ["Valdoria"]
    assert edge["weight"] == 3
    assert not g.has_edge(r("project/alpha"), r("project/gamma"))
    assert r("project/gamma") in g


def test_city_graph(store: KGStore) -> None:
    g = analytics.city_graph(store)
    valdoria, brenmark = r("place/geonames-1"), r("place/geonames-2")
    ostervik = r("place/geonames-3")
    assert set(map(frozenset, g.edges())) == {
        frozenset({valdoria, brenmark}), frozenset({valdoria, ostervik}),
    }
    assert g.edges[valdoria, brenmark]["projects"] == ["ALPHA"]
    assert g.edges[valdoria, ostervik]["projects"] == ["BETA"]
    assert g.nodes[valdoria]["lat"] == pytest.approx(45.1)


def test_resource_graph_skips_mentions_types_and_provenance(store: KGStore) -> None:
    g = analytics.resource_graph(store)
    assert r("document/doc-a-txt") not in g
    assert r("statement/s1") not in g
    assert str(THEME.employment) not in g
    assert str(IKG.Project) not in g
    kinds = nx.get_node_attributes(g, "kind")
    assert kinds[r("project/alpha")] == "Project"
    assert kinds[r("organisation/harbour-aid")] == "Organisation"
    assert kinds[r("place/geonames-3")] == "Place"
    assert kinds[r("event/summit-workshop")] == "Event"
    assert kinds[r("activity/alpha-launch")] == "Activity"
    edge = g.edges[r("project/alpha"), r("organisation/harbour-aid")]
    assert edge["property"] == str(IKG.coordinator) and edge["inferred"] is False
    inferred = g.edges[r("organisation/harbour-aid"), r("place/geonames-100")]
    assert inferred["inferred"] is True and inferred["weight"] == analytics.INFERRED_EDGE_WEIGHT
    with_themes = analytics.resource_graph(store, themes=True)
    assert with_themes.nodes[str(THEME.employment)]["label"] == "Employment"
    asserted = analytics.resource_graph(store, "asserted")
    assert not asserted.has_edge(r("organisation/harbour-aid"), r("place/geonames-100"))


# --------------------------------------------------------------------------- measures


def test_centrality_components_communities() -> None:
    g = nx.path_graph(["a", "b", "c"])
    scores = analytics.centrality(g)
    assert scores["betweenness"] == {"a": 0.0, "b": 1.0, "c": 0.0}
    assert scores["degree"]["b"] == 1.0
    two = nx.Graph()
    two.add_edges_from([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z")])
    two.add_edge("c", "x")
    found = analytics.communities(two)
    assert found == [{"a", "b", "c"}, {"x", "y", "z"}]
    assert analytics.communities(two) == found
    two.remove_edge("c", "x")
    two.add_node("lonely")
    assert analytics.components(two) == [{"a", "b", "c"}, {"x", "y", "z"}, {"lonely"}]
    assert analytics.centrality(nx.Graph()) == {"degree": {}, "betweenness": {}}
    assert analytics.communities(nx.Graph()) == []


# --------------------------------------------------------------------------- paths


def test_shortest_path_shape(store: KGStore) -> None:
    path = analytics.shortest_path(store, "Mira Kell", "Östervik Newcomers Association")
    assert json.loads(json.dumps(path)) == path
    assert set(path) >= {"nodes", "edges"}
    assert [n["label"] for n in path["nodes"]] == [
        "Mira Kell", "Harbour Aid", "BETA", "Östervik Newcomers Association",
    ]
    assert all(set(n) >= {"iri", "label"} for n in path["nodes"])
    assert path["edges"][0] == {
        "from": r("person/mira-kell"), "to": r("organisation/harbour-aid"),
        "property": str(IKG.memberOf), "propertyLabel": "ikg:memberOf", "inferred": False,
    }
    # edges keep the direction the property was stated in
    assert [(e["from"], e["to"]) for e in path["edges"][1:]] == [
        (r("project/beta"), r("organisation/harbour-aid")),
        (r("project/beta"), r("organisation/ostervik-association")),
    ]


def test_shortest_path_prefers_asserted_links(store: KGStore) -> None:
    # Harbour Aid -> Ruritania is inferred (transitive locatedIn); the asserted chain wins.
    path = analytics.shortest_path(store, r("organisation/harbour-aid"), "Ruritania")
    assert [n["label"] for n in path["nodes"]] == ["Harbour Aid", "Valdoria", "Ruritania"]
    assert not any(e["inferred"] for e in path["edges"])


def test_shortest_path_unconnected_and_unknown(store: KGStore) -> None:
    path = analytics.shortest_path(store, "Far Agency", "Far Agency")
    assert path["edges"] == [] and len(path["nodes"]) == 1
    with pytest.raises(ParameterError):
        analytics.shortest_path(store, "Nobody", "Far Agency")


def test_shortest_path_is_fast_on_a_few_thousand_triples(tmp_path: Path) -> None:
    store = KGStore(load_settings(store=tmp_path / "big"))
    triples = []
    n_projects, n_orgs = 300, 600
    for i in range(n_orgs):
        org = URIRef(f"{B}organisation/o{i}")
        triples += [
            (org, RDF.type, IKG.NGO),
            (org, RDFS.label, Literal(f"Org {i}")),
            (org, IKG.locatedIn, URIRef(f"{B}place/geonames-{i % 40}")),
        ]
    for j in range(n_projects):
        project = URIRef(f"{B}project/p{j}")
        triples += [(project, RDF.type, IKG.Project), (project, RDFS.label, Literal(f"P{j}"))]
        for k in range(6):
            partner = URIRef(f"{B}organisation/o{(j * 7 + k * 13) % n_orgs}")
            triples.append((project, IKG.hasPartner, partner))
    for c in range(40):
        triples.append((URIRef(f"{B}place/geonames-{c}"), RDF.type, IKG.City))
    store.replace_graph(store.minter.document_graph("big.txt"), triples)
    assert len(triples) > 4000
    path = analytics.shortest_path(store, "Org 1", "Org 599")  # its speed is measured in benchmarks/
    assert path["nodes"][0]["label"] == "Org 1" and path["nodes"][-1]["label"] == "Org 599"
    store.close()


# --------------------------------------------------------------------------- peers, summary


def test_peer_cities(store: KGStore) -> None:
    peers = analytics.peer_cities(store, "Valdoria")
    assert [(p["label"], p["score"]) for p in peers] == [
        ("Östervik", 9.0), ("Brenmark", 8.5), ("Lindholm", 0.5),
    ]
    ostervik = peers[0]
    assert ostervik["city"] == r("place/geonames-3")
    assert ostervik["shared"] == {
        "projects": ["BETA"],
        "partners": ["Harbour Aid", "Nomad Collective", "Östervik Newcomers Association"],
        "programmes": ["FundX"],
        "events": ["Welcome Summit"],
    }
    assert ostervik["reason"] == (
        "shares 1 project (BETA); 3 partners (Harbour Aid, Nomad Collective, "
        "Östervik Newcomers Association); 1 programme (FundX); 1 event (Welcome Summit)"
    )
    assert peers[2]["reason"] == "shares 1 theme (Employment)"
    assert len(analytics.peer_cities(store, "Valdoria", limit=1)) == 1
    with pytest.raises(ParameterError):
        analytics.peer_cities(store, "Ruritania")


def test_summary(store: KGStore) -> None:
    s = analytics.summary(store)
    assert s["resources"]["Project"] == 3
    assert s["resources"]["Organisation"] == 6
    assert s["documents"] == 1
    assert s["triples"]["inferred"] > 0 and s["triples"]["all"] >= s["triples"]["asserted"]
    assert s["organisation_graph"]["most_connected"][0]["label"] in {
        "Harbour Aid", "Östervik Newcomers Association",
    }
    json.dumps(s)


def test_write_analytics(store: KGStore) -> None:
    result = analytics.write_analytics(store)
    assert result["nodes"] > 0 and result["triples"] == 3 * result["nodes"]
    rows = store.select(
        "SELECT ?d ?b ?c WHERE { ?s ikg:degreeCentrality ?d ; ikg:betweennessCentrality ?b ; "
        "ikg:community ?c }",
        graphs="analytics",
    )
    assert len(rows) == result["nodes"]
    assert all(row["d"].datatype == XSD.decimal for row in rows)
    assert all(row["c"].datatype == XSD.integer for row in rows)
    # written again, the graph is replaced, not added to
    analytics.write_analytics(store)
    assert store.count("analytics") == result["triples"]


# --------------------------------------------------------------------------- themes

SCHEME_TTL = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix theme: <https://w3id.org/integration-kg/theme/> .
theme:housing a ikg:Theme , skos:Concept ; skos:prefLabel "Housing"@en ;
    skos:hiddenLabel "housing"@en , "rental flat"@en , "shelter"@en .
theme:language a ikg:Theme , skos:Concept ; skos:prefLabel "Language"@en ;
    skos:hiddenLabel "language course"@en , "language courses"@en , "café lingua"@en .
theme:sport a skos:Concept ; skos:prefLabel "Sport"@en .
"""


@pytest.fixture
def scheme() -> Graph:
    return Graph().parse(data=SCHEME_TTL, format="turtle")


def test_load_theme_keywords(scheme: Graph) -> None:
    keywords = load_theme_keywords(scheme)
    assert keywords[THEME.housing] == ["housing", "rental flat", "shelter"]
    assert keywords[THEME.sport] == ["Sport"]  # no hiddenLabel: the preferred label stands in


def test_assign_themes_word_boundaries_case_accents(scheme: Graph) -> None:
    assert assign_themes("They found a Rental  Flat near the SHELTER.", scheme) == [THEME.housing]
    assert assign_themes("Sheltered workshops and warehousing", scheme) == []
    assert assign_themes("Weekly Cafe Lingua and language courses", scheme) == [THEME.language]
    assert assign_themes("Sport and housing.", scheme) == [THEME.housing, THEME.sport]
    assert count_theme_hits("housing, housing and a language course", scheme) == {
        THEME.housing: 2, THEME.language: 1,
    }
    text = "housing, housing and a language course"
    assert assign_themes(text, scheme, min_hits=2) == [THEME.housing]
    assert assign_themes("", scheme) == []


def test_assign_themes_with_the_shipped_scheme() -> None:
    from kg.themes import THEMES_FILE

    if not THEMES_FILE.exists():
        pytest.skip("ontology/themes.ttl not written yet")
    themes = assign_themes("They offered job counselling at the employment office.", THEMES_FILE)
    assert THEME.employment in themes
