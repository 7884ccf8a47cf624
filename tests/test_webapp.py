"""The web app's pages and data endpoints, over HTTP against a live waitress server."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from webapp_support import BASE, IKG, S1, S2, LiveServer, iri, shared_server

IKGNS = Namespace(IKG)
VOID = Namespace("http://rdfs.org/ns/void#")
# Anything that would make a browser load a script, style, frame or image from elsewhere.
EXTERNAL_LOAD = re.compile(r'(?:\bsrc=|<link\b[^>]*\bhref=)"(?:https?:)?//', re.IGNORECASE)


def directive(headers: dict[str, str], name: str) -> str:
    """One directive of a response's Content-Security-Policy."""
    for part in headers["Content-Security-Policy"].split(";"):
        if part.strip().startswith(name + " "):
            return part.strip()
    return ""


def script_src(headers: dict[str, str]) -> str:
    """The script-src directive of a response's CSP."""
    return directive(headers, "script-src")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory.mktemp("web"))


def fetch(server: LiveServer, path: str, accept: str | None = None
          ) -> tuple[int, dict[str, str], str]:
    headers = {"Accept": accept} if accept else {}
    req = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8")


def raw_get(server: LiveServer, path: str) -> int:
    """GET a path exactly as written (no client-side normalisation of dot segments)."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


# --------------------------------------------------------------------------- home, search


def test_home_counts_documents_and_search_box(server: LiveServer) -> None:
    status, headers, html = fetch(server, "/")
    assert status == 200
    assert re.search(r'<div class="n">2</div><div>Project</div>', html)
    assert "001_news.txt" in html and "002_factsheet.txt" in html
    assert 'action="/search"' in html
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'self'" in csp
    assert "unsafe-inline" not in script_src(headers)
    assert directive(headers, "style-src") == "style-src 'self'"
    assert directive(headers, "default-src") == "default-src 'self'"


def test_search_ignores_accents_and_case(server: LiveServer) -> None:
    _, _, html = fetch(server, "/search?q=VALMORA")
    assert "/resource/organisation/city-of-valmora" in html
    assert "/resource/place/geonames-900001" in html
    status, _, body = fetch(server, "/api/search?q=suna")
    hits = json.loads(body)
    assert status == 200 and hits[0]["iri"] == iri("organisation/sunfield")
    assert hits[0]["url"] == "/resource/organisation/sunfield"


def test_names_from_documents_are_escaped(server: LiveServer) -> None:
    for path in ("/search?q=acme", "/resource/organisation/acme-trust",
                 "/resource/document/001-news-txt", "/resource/event/brightbridge-kick-off"):
        _, _, html = fetch(server, path)
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


# --------------------------------------------------------------------------- resources


def test_resource_page_facts_with_sources_and_inferred(server: LiveServer) -> None:
    status, _, html = fetch(server, "/resource/project/brightbridge")
    assert status == 200
    assert "<h1>BRIGHTBRIDGE</h1>" in html
    assert "Bright Bridge" in html and "(alternative name)" in html
    assert 'href="/ontology/Project"' in html
    assert f"“{S1}”" in html
    assert 'href="/resource/document/001-news-txt">001_news.txt</a>' in html
    row = re.search(r'<tr class="inferred">.*?operates in.*?</tr>', html, re.S)
    assert row and "Vålmora" in row.group(0) and "badge inferred" in row.group(0)
    assert "Linked from" in html and "/resource/event/brightbridge-kick-off" in html
    assert "/network/graph?focus=" in html


def test_place_page_has_local_map(server: LiveServer) -> None:
    _, _, html = fetch(server, "/resource/place/geonames-900001")
    assert 'id="place-map"' in html and 'data-lat="45.5"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "http://sws.geonames.org/900001/" in html  # reference-data source of a fact


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"),
                                         ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt")])
def test_resource_content_negotiation(server: LiveServer, accept: str, fmt: str) -> None:
    status, headers, body = fetch(server, "/resource/project/brightbridge", accept)
    assert status == 200 and headers["Content-Type"].startswith(accept)
    g = Graph().parse(data=body, format=fmt)
    project = URIRef(iri("project/brightbridge"))
    assert (project, IKGNS.fundedBy, URIRef(iri("programme/zephyr-fund"))) in g
    assert (URIRef(iri("statement/s1")), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#"
                                                "subject"), project) in g


@pytest.mark.parametrize("suffix, fmt", [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")])
def test_resource_suffixes(server: LiveServer, suffix: str, fmt: str) -> None:
    status, _, body = fetch(server, f"/resource/organisation/city-of-valmora.{suffix}")
    assert status == 200
    g = Graph().parse(data=body, format=fmt)
    assert (URIRef(iri("organisation/city-of-valmora")),
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("City of Vålmora")) in g


def test_document_page_highlights_mentions(server: LiveServer) -> None:
    _, _, html = fetch(server, "/resource/document/001-news-txt")
    assert 'class="doc-text"' in html
    assert re.search(r'<a class="mention" id="char=4,16" href="/resource/project/brightbridge"'
                     r'[^>]*>BRIGHTBRIDGE</a>', html)
    assert 'href="/resource/place/geonames-900001" title="Vålmora">Vålmora</a>' in html


def test_ontology_pages(server: LiveServer) -> None:
    _, _, html = fetch(server, "/ontology")
    assert 'id="Project"' in html and 'href="/ontology/hasPartner"' in html
    _, _, html = fetch(server, "/ontology/Project")
    assert "A funded project or programme of activities." in html
    assert "/resource/project/tidewater" in html
    status, _, body = fetch(server, "/ontology/hasPartner", "text/turtle")
    assert status == 200 and "has partner" in body
    assert fetch(server, "/ontology/NoSuchTerm")[0] == 404


def test_unknown_and_traversal_are_404(server: LiveServer) -> None:
    status, _, html = fetch(server, "/resource/project/no-such-project")
    assert status == 404 and "Nothing is known" in html
    assert fetch(server, "/resource/project/no-such-project", "text/turtle")[0] == 404
    assert fetch(server, "/resource/project/no-such-project.ttl")[0] == 404
    for path in ("/resource/../../etc/passwd", "/resource/project/%2e%2e/%2e%2e/etc/passwd",
                 "/resource/project/..%2f..%2fsecret", "/resource/a\\b"):
        assert raw_get(server, path) in (400, 404), path
    status, _, body = fetch(server, "/describe?iri=not-an-iri")
    assert status == 400 and "Traceback" not in body


# --------------------------------------------------------------------------- query page


def test_query_page_lists_saved_queries_and_uses_local_assets(server: LiveServer) -> None:
    _, _, html = fetch(server, "/query")
    assert "Partners of a project" in html and 'name="project"' in html
    assert "/static/vendor/yasgui/yasgui.min.js" in html
    assert not EXTERNAL_LOAD.search(html)
    config = json.loads(re.search(r'id="query-config">(.*?)</script>', html, re.S).group(1))
    assert IKG + "Project" in config["classes"]
    assert config["baseIri"] == BASE


def test_saved_query_api(server: LiveServer) -> None:
    status, _, body = fetch(server, "/api/saved/partners_of_project?project=Bright%20Bridge")
    data = json.loads(body)
    assert status == 200
    labels = [b["partnerLabel"]["value"] for b in data["results"]["bindings"]]
    assert labels == ["City of Vålmora", "Sunfield Association"]
    _, _, body = fetch(server, "/api/saved/partners_of_project?project=BRIGHTBRIDGE"
                               "&graphs=asserted")
    assert len(json.loads(body)["results"]["bindings"]) == 1
    status, headers, body = fetch(server, "/api/saved/projects?format=csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0] == "project,label"
    status, _, body = fetch(server, "/api/saved/partners_of_project")
    assert status == 400 and json.loads(body)["error"]["message"]
    assert fetch(server, "/api/saved/nope")[0] == 404


# --------------------------------------------------------------------------- peers


def test_peer_cities(server: LiveServer) -> None:
    _, _, html = fetch(server, "/peers?city=V%C3%A5lmora")
    assert "Peer cities of Vålmora" in html
    assert re.search(r'<a href="/resource/place/geonames-900002">Kestrel Bay</a>', html)
    _, _, html = fetch(server, "/peers/" + quote(iri("place/geonames-900002"), safe=""))
    assert "/resource/place/geonames-900001" in html
    assert fetch(server, "/peers?city=Atlantis")[0] == 404


# --------------------------------------------------------------------------- network, map, timeline


def test_network_graph_is_self_contained(server: LiveServer) -> None:
    status, headers, html = fetch(server, "/network/graph")
    assert status == 200
    assert not EXTERNAL_LOAD.search(html)
    assert "cdn." not in html.lower()
    assert "vis.Network" in html and iri("project/brightbridge") in html
    assert "'unsafe-inline'" in script_src(headers)
    _, headers, _ = fetch(server, "/network")
    assert "'unsafe-inline'" not in script_src(headers)


def test_network_filters_and_path(server: LiveServer) -> None:
    _, _, html = fetch(server, "/network/graph?project=TIDEWATER")
    assert iri("project/tidewater") in html and iri("project/brightbridge") not in html
    _, _, html = fetch(server, "/network/graph?kind=Project")
    assert iri("project/tidewater") in html and iri("place/geonames-900001") not in html
    _, _, html = fetch(server, "/network/graph?to=2023-03-01&kind=Event")
    assert iri("event/brightbridge-kick-off") in html
    assert iri("event/tidewater-workshop") not in html
    assert fetch(server, "/network/graph?kind=Spaceship")[0] == 400
    assert fetch(server, "/network?from=yesterday")[0] == 400
    _, _, html = fetch(server, "/network?from_node=TIDEWATER&to_node=Sunfield%20Association")
    steps = re.search(r'<ol id="path-steps">(.*?)</ol>', html, re.S)
    assert steps and "/resource/project/tidewater" in steps.group(1)
    assert "/resource/organisation/sunfield" in steps.group(1)
    frame = re.search(r'id="network-frame"[^>]*src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "hl=" in frame
    _, _, graph_html = fetch(server, frame)
    assert '"borderWidth": 5' in graph_html and '"width": 4' in graph_html
    assert fetch(server, "/network/graph?hl=javascript:alert(1)")[0] == 400


def test_map_markers_and_filters(server: LiveServer) -> None:
    _, headers, html = fetch(server, "/map")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))
    by_label = {m["label"]: m for m in data}
    assert by_label["Vålmora"]["weight"] == 3
    # The popup lists what happened there too.
    assert [e["url"] for e in by_label["Vålmora"]["events"]] == \
        ["/resource/event/brightbridge-kick-off"]
    assert by_label["Vålmora"]["url"] == "/resource/place/geonames-900001"
    assert "Natural Earth (public domain), served from this site" in html
    _, _, html = fetch(server, "/map?project=TIDEWATER")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))
    assert "Vålmora" not in {m["label"] for m in data}


def test_timeline_items(server: LiveServer) -> None:
    _, _, html = fetch(server, "/timeline")
    data = json.loads(re.search(r'id="timeline-data">(.*?)</script>', html, re.S).group(1))
    assert [i["start"] for i in data["items"]] == ["2022-12-30", "2023-02-10", "2023-05-20"]
    assert {g["label"] for g in data["groups"]} == {"BRIGHTBRIDGE", "TIDEWATER"}
    by_label = {i["label"]: i for i in data["items"]}
    days = by_label["Harbour days"]
    assert (days["start"], days["end"]) == ("2022-12-30", "2023-01-02")  # a range
    assert days["short"] == "Harbour days · Kestrel Bay"  # label and place
    kick_off = by_label["Kick-off meeting — BRIGHTBRIDGE, Vålmora, 2023-02-10"]
    assert kick_off["end"] is None and kick_off["quote"] == S2
    assert kick_off["document_url"] == "/resource/document/001-news-txt"
    _, _, html = fetch(server, "/timeline?from=2023-03")
    data = json.loads(re.search(r'id="timeline-data">(.*?)</script>', html, re.S).group(1))
    assert [i["label"] for i in data["items"]] == ["Tidewater workshop"]
    # A range is kept when it overlaps the period, and only then.
    _, _, html = fetch(server, "/timeline?from=2023-01-01&to=2023-01-31")
    data = json.loads(re.search(r'id="timeline-data">(.*?)</script>', html, re.S).group(1))
    assert [i["label"] for i in data["items"]] == ["Harbour days"]
    _, _, html = fetch(server, "/timeline?from=2023-01-03&to=2023-12-31")
    data = json.loads(re.search(r'id="timeline-data">(.*?)</script>', html, re.S).group(1))
    assert "Harbour days" not in {i["label"] for i in data["items"]}


# --------------------------------------------------------------------------- export, VoID


@pytest.mark.parametrize("fmt, syntax", [("turtle", "turtle"), ("trig", "trig"),
                                         ("nquads", "nquads"), ("jsonld", "json-ld")])
def test_export_formats(server: LiveServer, fmt: str, syntax: str) -> None:
    status, headers, body = fetch(server, f"/export?format={fmt}")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    ds = Dataset()
    ds.parse(data=body, format=syntax)
    assert len(ds) > 200 or sum(len(g) for g in ds.graphs()) > 200


def test_export_graph_selection(server: LiveServer) -> None:
    _, _, body = fetch(server, "/export?format=nquads&graph=inferred")
    lines = [ln for ln in body.splitlines() if ln.strip()]
    assert lines and all(ln.rstrip(" .").endswith(f"<{BASE}graph/inferred>") for ln in lines)
    _, _, body = fetch(server, "/export?format=nquads&graph=002_factsheet.txt")
    assert "TIDEWATER" in body and "Sunfield" not in body
    assert fetch(server, "/export?format=pdf")[0] == 400
    assert fetch(server, "/export?format=turtle&graph=../../etc/passwd")[0] == 400
    assert fetch(server, "/export?format=turtle&graph=999_missing.txt")[0] == 404
    assert fetch(server, "/export?format=turtle&graph=http://elsewhere.test/g")[0] == 404


def test_void_description(server: LiveServer) -> None:
    status, headers, body = fetch(server, "/.well-known/void")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    ds = next(g.subjects(VOID.sparqlEndpoint, URIRef(server.url + "/sparql")))
    assert (ds, URIRef("http://purl.org/dc/terms/license"),
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert int(g.value(ds, VOID.triples)) == server.store.count("all")
    assert "GeoNames" in body and "spaCy" in body
    _, headers, body = fetch(server, "/.well-known/void", "application/ld+json")
    assert headers["Content-Type"].startswith("application/ld+json")
    assert len(Graph().parse(data=body, format="json-ld")) == len(g)
    # Clean prefixes: geo: is WGS84 (rdflib's own GeoSPARQL binding does not push it aside).
    _, _, turtle = fetch(server, "/.well-known/void?format=ttl")
    assert "geo1:" not in turtle and "@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>" \
        in turtle
    # A browser gets a page.
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, html = fetch(server, "/.well-known/void", browser)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'id="void-counts"' in html and "ikg:Project" in html
    assert 'href="/.well-known/void?format=ttl"' in html
    _, headers, _ = fetch(server, "/.well-known/void", "text/turtle, text/html;q=0.5")
    assert headers["Content-Type"].startswith("text/turtle")


def test_tile_url_setting_reaches_map_and_csp(server: LiveServer) -> None:
    tiles = "https://{s}.tiles.example.test/{z}/{x}/{y}.png"
    server.app.config["KG_TILE_URL"] = tiles
    try:
        _, headers, html = fetch(server, "/map")
    finally:
        server.app.config["KG_TILE_URL"] = ""
    assert 'data-tile-url="https://{s}.tiles.example.test/{z}/{x}/{y}.png"' in html
    img_src = next(p for p in headers["Content-Security-Policy"].split(";")
                   if p.strip().startswith("img-src"))
    assert "https://*.tiles.example.test" in img_src


def test_unexpected_error_is_500_without_trace(server: LiveServer) -> None:
    broken = Path(server.app.config["KG_QUERIES_DIR"]) / "broken.rq"
    broken.write_text("# title: Broken\n# param: x nosuchtype\nSELECT * WHERE { ?s ?p ?o }\n",
                      encoding="utf-8")
    try:
        status, _, body = fetch(server, "/api/saved/broken")
        page_status = fetch(server, "/query")[0]
    finally:
        broken.unlink()
    assert status == 500
    assert json.loads(body)["error"]["status"] == 500
    assert "Traceback" not in body and "nosuchtype" not in body
    assert page_status == 200  # the page still answers; the broken file is logged


def test_core_helpers() -> None:
    from kg.explore import _pad
    from kg.search import fold
    from webapp.sparql import dataset_clauses, query_form

    assert fold("  Vålmora  CITY ") == "valmora city"
    assert _pad("2023", end=True) == "2023-12-31" and _pad("2023-05", end=False) == "2023-05-01"
    assert query_form("PREFIX a: <http://x#select> # ASK\nCONSTRUCT { ?s ?p ?o } WHERE {}") \
        == "construct"
    query = 'SELECT * FROM <http://g/1> FROM NAMED <http://g/2> WHERE { ?s ?p "FROM <http://n>" }'
    assert dataset_clauses(query) == (["http://g/1"], ["http://g/2"])


def test_labels_api_and_saved_tsv(server: LiveServer) -> None:
    body = json.dumps({"iris": [iri("project/brightbridge"), iri("nothing/here"),
                                "not an iri"]}).encode()
    req = urllib.request.Request(server.url + "/api/labels", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        found = json.loads(resp.read())
    assert found == {iri("project/brightbridge"): "BRIGHTBRIDGE"}
    status, headers, text = fetch(server, "/api/saved/projects?format=tsv")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    assert text.splitlines()[0] == "project\tlabel"


def test_search_badges_facets_and_ranking(server: LiveServer) -> None:
    from kg.search import faceted_search

    result = faceted_search(server.store, "valmora")
    by_iri = {h.iri: h for h in result.hits}
    # The most specific asserted type: a local authority, not the inferred Organisation.
    assert by_iri[iri("organisation/city-of-valmora")].types == ["Local authority"]
    assert by_iri[iri("place/geonames-900001")].types == ["City"]
    # The exact name first.
    assert result.hits[0].label == "Vålmora" and result.hits[0].score == 0
    types = {f.label: f.count for f in result.facets["type"]}
    assert types["City"] == 1 and types["Local authority"] == 1
    assert {f.label for f in result.facets["country"]} == {"Norland"}
    _, _, html = fetch(server, "/search?q=valmora&type=City")
    assert "/resource/place/geonames-900001" in html
    assert "/resource/organisation/city-of-valmora" not in html
    assert 'data-facet="country"' in html and "Norland" in html
    _, _, html = fetch(server, "/search?q=zephyr")
    assert 'data-facet="programme"' in html
    result = faceted_search(server.store, "tidewater")
    assert result.hits[0].label == "TIDEWATER" and result.hits[0].types == ["Project"]
    assert {f.label for f in result.facets["programme"]} == {"Zephyr Fund"}


def test_short_label_cuts_at_a_word() -> None:
    from kg.explore import short_label

    assert short_label("Short one") == "Short one"
    long = "A partner organisation presents the project and its tools at a regional fair today"
    cut = short_label(long)
    assert cut.endswith("…") and len(cut) <= 48 and long.startswith(cut[:-1])
    assert not cut[:-1].endswith(" ")
