"""The /sparql endpoint against a live server, through SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from webapp_support import BASE, IKG, LiveServer, iri, shared_server

SELECT = (f"SELECT ?p ?label WHERE {{ ?p a <{IKG}Project> ; <http://www.w3.org/2000/01/"
          f"rdf-schema#label> ?label }} ORDER BY ?label")
CONSTRUCT = (f"CONSTRUCT {{ ?p <{IKG}fundedBy> ?f }} WHERE {{ ?p <{IKG}fundedBy> ?f }}")
ZEPHYR = URIRef(iri("programme/zephyr-fund"))
EXPECTED_FUNDING = {
    (URIRef(iri("project/brightbridge")), URIRef(IKG + "fundedBy"), ZEPHYR),
    (URIRef(iri("project/tidewater")), URIRef(IKG + "fundedBy"), ZEPHYR),
}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory.mktemp("web"))


def _get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None,
         method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _wrapper(server: LiveServer, fmt: str, query: str = SELECT) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_service_description(server: LiveServer) -> None:
    status, headers, body = _get(server.url + "/sparql")
    assert status == 200
    assert headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(server.url + "/sparql"), URIRef(sd + "supportedLanguage"),
            URIRef(sd + "SPARQL11Query")) in g
    assert URIRef(BASE + "graph/inferred") in set(g.objects(None, URIRef(sd + "name")))
    # SERVICE is refused unless KG_SERVICE_ALLOW lists endpoints: no federated-query feature claimed
    assert URIRef(sd + "BasicFederatedQuery") not in set(g.objects(None, URIRef(sd + "feature")))


def test_select_json_xml_csv_tsv(server: LiveServer) -> None:
    data = _wrapper(server, JSON).query().convert()
    labels = [b["label"]["value"] for b in data["results"]["bindings"]]
    assert labels == ["BRIGHTBRIDGE", "TIDEWATER"]
    doc = _wrapper(server, XML).query().convert()
    assert isinstance(doc, Document)
    assert len(doc.getElementsByTagName("result")) == 2
    rows = list(csv.reader(io.StringIO(_wrapper(server, CSV).query().convert().decode())))
    assert rows[0] == ["p", "label"] and rows[1][1] == "BRIGHTBRIDGE"
    tsv = _wrapper(server, TSV).query().convert().decode().splitlines()
    assert tsv[0].split("\t") == ["?p", "?label"] and '"TIDEWATER"' in tsv[2]


def test_ask(server: LiveServer) -> None:
    query = f"ASK {{ <{iri('project/tidewater')}> ?p ?o }}"
    assert _wrapper(server, JSON, query).query().convert()["boolean"] is True
    doc = _wrapper(server, XML, query).query().convert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("fmt, syntax", [(TURTLE, "turtle"), (RDFXML, None), (JSONLD, None)])
def test_construct_formats(server: LiveServer, fmt: str, syntax: str | None) -> None:
    result = _wrapper(server, fmt, CONSTRUCT).query().convert()
    g = result if isinstance(result, Graph) else Graph().parse(data=result, format=syntax)
    assert set(g) == EXPECTED_FUNDING


def test_construct_ntriples_by_accept_and_format(server: LiveServer) -> None:
    q = urllib.parse.quote(CONSTRUCT)
    status, headers, body = _get(f"{server.url}/sparql?query={q}",
                                 {"Accept": "application/n-triples"})
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    assert set(Graph().parse(data=body, format="nt")) == EXPECTED_FUNDING
    status, headers, body = _get(f"{server.url}/sparql?query={q}&format=jsonld",
                                 {"Accept": "text/turtle"})
    assert headers["Content-Type"].startswith("application/ld+json")
    assert set(Graph().parse(data=body, format="json-ld")) == EXPECTED_FUNDING


def test_post_form_and_direct(server: LiveServer) -> None:
    sw = _wrapper(server, JSON)
    sw.setMethod(POST)
    assert len(sw.query().convert()["results"]["bindings"]) == 2
    sw = _wrapper(server, JSON)
    sw.setMethod(POST)
    sw.setRequestMethod(POSTDIRECTLY)
    assert len(sw.query().convert()["results"]["bindings"]) == 2


def test_dataset_parameters(server: LiveServer) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
    graph = BASE + "graph/document/002-factsheet-txt"
    url = (f"{server.url}/sparql?query={urllib.parse.quote(query)}"
           f"&default-graph-uri={urllib.parse.quote(graph)}")
    status, _, body = _get(url, {"Accept": "application/sparql-results+json"})
    n_doc2 = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert status == 200 and 0 < n_doc2 < 20
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    url = (f"{server.url}/sparql?query={urllib.parse.quote(named)}"
           f"&named-graph-uri={urllib.parse.quote(graph)}")
    body = _get(url, {"Accept": "application/sparql-results+json"})[2]
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [graph]
    # Without protocol parameters the query's own FROM clause chooses the default graph.
    inferred = BASE + "graph/inferred"
    count = f"SELECT (COUNT(*) AS ?n) FROM <{inferred}> WHERE {{ ?s ?p ?o }}"
    body = _get(f"{server.url}/sparql?query={urllib.parse.quote(count)}",
                {"Accept": "application/sparql-results+json"})[2]
    n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert n == server.store.count("inferred")


def test_graphs_switch(server: LiveServer) -> None:
    query = f"ASK {{ <{iri('project/brightbridge')}> <{IKG}operatesIn> ?place }}"

    def ask(graphs: str) -> bool:
        url = f"{server.url}/sparql?query={urllib.parse.quote(query)}&graphs={graphs}"
        return json.loads(_get(url, {"Accept": "application/sparql-results+json"})[2])["boolean"]

    assert ask("inferred") and ask("all") and not ask("asserted")
    url = f"{server.url}/sparql?query={urllib.parse.quote(query)}&graphs=nonsense"
    assert _get(url)[0] == 400


def test_sparqlstore_graph(server: LiveServer) -> None:
    store = SPARQLStore(server.url + "/sparql", returnFormat="json")
    g = Graph(store=store)
    rows = list(g.query(SELECT))
    assert [str(r[1]) for r in rows] == ["BRIGHTBRIDGE", "TIDEWATER"]
    result = g.query(CONSTRUCT)
    assert set(result.graph) == EXPECTED_FUNDING
    local = Graph()
    for t in EXPECTED_FUNDING:
        local.add(t)
    assert isomorphic(result.graph, local)
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert Literal("TIDEWATER") in set(g.objects(URIRef(iri("project/tidewater")), label))
    assert g.query(f"ASK {{ <{iri('project/tidewater')}> ?p ?o }}").askAnswer is True
    store.close()


def test_malformed_is_400_with_parser_message(server: LiveServer) -> None:
    url = f"{server.url}/sparql?query={urllib.parse.quote('SELECT ?x WHERE { ?x ?y }')}"
    status, headers, body = _get(url)
    text = body.decode()
    assert status == 400
    assert "Traceback" not in text and "File \"" not in text
    assert "expected" in text.lower() or "error" in text.lower()


@pytest.mark.parametrize("how", ["query", "update", "direct"])
def test_update_is_403(server: LiveServer, how: str) -> None:
    update = f"INSERT DATA {{ <{iri('x')}> <{iri('p')}> <{iri('y')}> }}"
    if how == "query":
        status, _, body = _get(f"{server.url}/sparql?query={urllib.parse.quote(update)}")
    elif how == "update":
        status, _, body = _get(server.url + "/sparql",
                               {"Content-Type": "application/x-www-form-urlencoded"},
                               urllib.parse.urlencode({"update": update}).encode())
    else:
        status, _, body = _get(server.url + "/sparql",
                               {"Content-Type": "application/sparql-update"}, update.encode())
    assert status == 403
    assert "read-only" in body.decode()
    check = f"ASK {{ <{iri('x')}> ?p ?o }}"
    sw = _wrapper(server, JSON, check)
    assert sw.query().convert()["boolean"] is False


def test_cors_and_headers(server: LiveServer) -> None:
    status, headers, _ = _get(f"{server.url}/sparql?query={urllib.parse.quote(SELECT)}")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = _get(server.url + "/sparql", {
        "Origin": "http://elsewhere.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, method="OPTIONS")
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]


def test_unknown_format_and_unknown_resource(server: LiveServer) -> None:
    url = f"{server.url}/sparql?query={urllib.parse.quote(SELECT)}&format=pdf"
    assert _get(url)[0] == 400
    url = f"{server.url}/sparql?query={urllib.parse.quote(SELECT)}&format=csv"
    status, headers, body = _get(url, {"Accept": "application/sparql-results+json"})
    assert headers["Content-Type"].startswith("text/csv") and body.startswith(b"p,label")
    assert _get(server.url + "/resource/project/no-such-project")[0] == 404


@pytest.mark.parametrize(("accept", "media"), [
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values")])
def test_csv_and_tsv_name_one_charset(server: LiveServer, accept: str, media: str) -> None:
    url = f"{server.url}/sparql?query={urllib.parse.quote(SELECT)}"
    status, headers, _ = _get(url, {"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].replace(" ", "") == f"{media};charset=utf-8"
    status, headers, _ = _get(url + "&format=" + ("csv" if media == "text/csv" else "tsv"))
    assert headers["Content-Type"].lower().count("charset") == 1


def test_select_with_unsuitable_accept_is_406(server: LiveServer) -> None:
    url = f"{server.url}/sparql?query={urllib.parse.quote(SELECT)}"
    status, _, body = _get(url, {"Accept": "text/turtle"})
    assert status == 406
    text = body.decode()
    for offered in ("application/sparql-results+json", "application/sparql-results+xml",
                    "text/csv", "text/tab-separated-values"):
        assert offered in text
    ask = f"{server.url}/sparql?query={urllib.parse.quote('ASK { ?s ?p ?o }')}"
    assert _get(ask, {"Accept": "application/ld+json"})[0] == 406
    # A wildcard or a browser's Accept still gets the default (JSON).
    assert _get(url, {"Accept": "text/turtle, */*;q=0.1"})[0] == 200
    assert _get(url, {"Accept": "text/html,application/xhtml+xml"})[0] == 200
    # CONSTRUCT with Accept: text/turtle is still Turtle.
    status, headers, _ = _get(f"{server.url}/sparql?query={urllib.parse.quote(CONSTRUCT)}",
                              {"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
