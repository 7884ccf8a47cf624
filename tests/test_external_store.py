"""The product on an external SPARQL 1.1 store: a real Virtuoso, through the CLI and the web app.

The same end-to-end path as test_e2e (ingest the shipped corpus, query, export, evaluate against
the seed gold), with KG_SPARQL_ENDPOINT pointing at a throw-away Virtuoso. Skipped when
virtuoso-t is not installed, except under CI=true, where .ci/run installs it and a skip would
hide a broken backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import virtuoso_support
from conftest import CORPUS, REPO, SEED_GOLD, require_pipeline
from rdflib import BNode, Literal, URIRef

from kg.errors import QueryError, ReadOnlyError, StoreError
from kg.settings import Settings, load_settings
from kg.store import open_store
from kg.store_sparql import SparqlStore, _Requests, bind_values, insert_operations

SEED_DOCS = sorted(p.name for p in CORPUS.glob("*.txt"))
EX = "http://example.test/"
R = "https://w3id.org/integration-kg/resource/"  # the default base IRI, used by `built`


# --------------------------------------------------------------------------- without a server


def test_bind_values_goes_into_the_where_group_as_terms() -> None:
    evil = 'x" } ; DROP ALL ; SELECT * { "'
    query = 'PREFIX ex: <http://e/#where> SELECT ?s WHERE { ?s ex:p ?o } # WHERE {'
    bound = bind_values(query, {"o": Literal(evil), "s": URIRef(EX + "a")})
    assert bound.startswith("PREFIX ex: <http://e/#where> SELECT ?s WHERE { VALUES (?o ?s) { (")
    assert '"x\\" } ; DROP ALL ; SELECT * { \\""' in bound
    construct = bind_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": URIRef(EX + "a")})
    assert construct.startswith("CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s)")
    assert bind_values("ASK { ?s ?p ?o }", {"s": URIRef(EX + "a")}).startswith("ASK { VALUES (?s)")
    with pytest.raises(QueryError):
        bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": BNode()})
    with pytest.raises(QueryError):
        bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s} . ?x": URIRef(EX)})


def test_insert_operations_keep_blank_nodes_together() -> None:
    g = URIRef(EX + "g")
    b1, b2 = BNode(), BNode()
    triples = [(URIRef(EX + f"s{i}"), URIRef(EX + "p"), Literal(i)) for i in range(2500)]
    q = URIRef(EX + "q")
    triples += [(URIRef(EX + "s"), URIRef(EX + "r"), b1), (b1, q, b2), (b2, q, Literal(1))]
    ops = insert_operations(g, triples)
    assert [n for _, n in ops] == [1000, 1000, 500, 3]
    assert all(op.startswith("INSERT DATA") for op, _ in ops[:3])
    assert ops[3][0].startswith("INSERT {") and ops[3][0].endswith("WHERE {}")


def test_unreachable_endpoint_is_a_store_error() -> None:
    port = virtuoso_support.free_port()
    settings = load_settings("/nonexistent", sparql_endpoint=f"http://127.0.0.1:{port}/sparql")
    with pytest.raises(StoreError, match="Cannot reach the SPARQL store"):
        open_store(settings)


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[virtuoso_support.Virtuoso]:
    """A Virtuoso on a fresh database for this test session, killed at the end."""
    if not virtuoso_support.installed():
        reason = "virtuoso-t not installed (apt-get install virtuoso-opensource-7-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run installs it, so under CI this is a failure, not a skip")
        pytest.skip(reason)
    server = virtuoso_support.start(timeout=60)
    try:
        yield server
    finally:
        server.stop()


def _settings(server: virtuoso_support.Virtuoso, root: Path, **changes: object) -> Settings:
    values: dict[str, object] = {"cache_dir": root / "cache", "sparql_endpoint": server.query_endpoint,
                                 "sparql_update_endpoint": server.update_endpoint, **changes}
    return load_settings(root / "no-embedded-store", **values)


@pytest.fixture
def store(virtuoso: virtuoso_support.Virtuoso, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[SparqlStore]:
    """An external store with its own base IRI, so tests do not see each other's graphs."""
    for key, value in virtuoso.env().items():
        monkeypatch.setenv(key, value)
    base = f"http://kg.example.test/{tmp_path.name}/"
    opened = open_store(_settings(virtuoso, tmp_path, base_iri=base))
    assert isinstance(opened, SparqlStore)
    try:
        yield opened
    finally:
        opened.clear()


def test_graphs_round_trip(store: SparqlStore) -> None:
    m = store.minter
    g1, g2 = m.document_graph("a.txt"), m.document_graph("b.txt")
    a, p = URIRef(EX + "a"), URIRef(EX + "p")
    b = BNode()
    store.replace_graphs({
        g1: [(a, p, Literal('é "q"\n', lang="en")), (a, URIRef(EX + "r"), b), (b, p, Literal(True))],
        g2: [(URIRef(EX + "b"), p, Literal(3)), (URIRef(EX + "b"), p, Literal("2023-03-14", datatype=URIRef(
            "http://www.w3.org/2001/XMLSchema#date")))],
    })
    assert store.named_graphs() == sorted([g1, g2])
    assert store.document_graphs() == sorted([g1, g2])
    assert store.count() == 5 and store.count("a.txt") == 3
    assert (a, p, Literal('é "q"\n', lang="en")) in set(store.triples("a.txt"))
    assert Literal(True) in {o for _, _, o in store.triples("a.txt")}
    # Query forms, graph selection, bindings.
    assert store.ask("ASK { ?s ?p 3 }") and not store.ask("ASK { ?s ?p 3 }", graphs="a.txt")
    rows = store.select("SELECT ?s ?o WHERE { ?s ?p ?o }", bindings={"o": Literal(3)})
    assert rows == [{"s": URIRef(EX + "b"), "o": Literal(3)}]
    names, rows = store.select_with_vars("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
                                         graphs="a.txt")
    assert names == ["g", "s"] and {r["g"] for r in rows} == {g1, g2}
    assert len(store.construct("CONSTRUCT WHERE { ?s ?p ?o }", graphs="b.txt")) == 2
    body, media, kind = store.serialize_query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "csv", graphs="b.txt")
    assert kind == "bindings" and media.startswith("text/csv") and body.startswith(b"o\r\n")
    body, media, kind = store.serialize_query("DESCRIBE <http://example.test/b>", "ntriples")
    assert kind == "graph" and b"<http://example.test/b>" in body
    # Replacing one graph leaves the other; removing drops it.
    store.replace_graph(g2, [(URIRef(EX + "c"), p, Literal("c"))])
    assert store.count("b.txt") == 1 and store.count("a.txt") == 3
    store.remove_graphs([g1])
    assert store.named_graphs() == [g2] and not store.has_graph(g1)


def test_large_graphs_are_staged_and_read_in_pages(store: SparqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.store_sparql as ks

    monkeypatch.setattr(ks, "REQUEST_TRIPLES", 700)
    monkeypatch.setattr(ks, "PAGE_ROWS", 400)
    graph = store.minter.document_graph("big.txt")
    triples = {(URIRef(f"{EX}s{i}"), URIRef(EX + "p"), Literal(f"value {i}")) for i in range(2100)}
    store.replace_graph(graph, triples)
    assert set(store.triples("big.txt")) == triples
    assert store.named_graphs() == [graph]  # no staging graph left among the product's graphs
    store.replace_graph(graph, list(triples)[:10])
    assert store.count("big.txt") == 10


def test_errors_are_mapped(store: SparqlStore, virtuoso: virtuoso_support.Virtuoso, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="SP030"):  # the server's own message is kept
        store.select("SELECT ?s WHERE { ?s ?p ")
    with pytest.raises(ReadOnlyError):
        store.select("DROP ALL")
    # No credentials and no update endpoint: Virtuoso's anonymous endpoint refuses updates.
    anonymous = SparqlStore(_settings(virtuoso, tmp_path, sparql_update_endpoint=None))
    anonymous._http = _Requests(None, None, [])
    with pytest.raises(StoreError, match="refused the update"):
        anonymous.replace_graph(anonymous.minter.document_graph("x.txt"), [(URIRef(EX), URIRef(EX), Literal(1))])


# --------------------------------------------------------------------------- end to end


def _kg(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the `kg` command line in a fresh process."""
    return subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout, check=False)


class Built:
    """The corpus ingested into Virtuoso by `kg ingest` in a subprocess."""

    def __init__(self, root: Path, server: virtuoso_support.Virtuoso) -> None:
        self.root, self.server = root, server
        self.embedded = root / "no-embedded-store"
        self.env = {**os.environ, **server.env(), "KG_STORE": str(self.embedded),
                    "KG_CACHE_DIR": str(root / "cache"), "KG_BASE_IRI": "https://w3id.org/integration-kg/resource/"}
        self.ingest: subprocess.CompletedProcess[str] | None = None
        self.seconds = 0.0


@pytest.fixture(scope="module")
def built(virtuoso: virtuoso_support.Virtuoso, tmp_path_factory: pytest.TempPathFactory) -> Built:
    require_pipeline()
    b = Built(tmp_path_factory.mktemp("external"), virtuoso)
    start = time.monotonic()
    b.ingest = _kg(b.env, "ingest", str(CORPUS))
    b.seconds = time.monotonic() - start
    assert b.ingest.returncode == 0, b.ingest.stdout + b.ingest.stderr + virtuoso.log()
    return b


@pytest.mark.slow
def test_ingest_goes_to_the_external_store(built: Built) -> None:
    assert built.ingest is not None
    assert "Documents: 5 of 5 ingested" in built.ingest.stdout
    assert "Failures:  0" in built.ingest.stdout
    assert not built.embedded.exists(), "the embedded store was opened"
    stats = json.loads(_kg(built.env, "stats", "--format", "json").stdout)
    assert [d["id"] for d in stats["documents"]] == SEED_DOCS
    assert stats["resources"].get("Project", 0) >= 5


@pytest.mark.slow
def test_saved_query_and_export(built: Built) -> None:
    result = _kg(built.env, "query", "--name", "provenance", "--param", f"subject=<{R}project/milagro>",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    assert any(row["document"] == "002_10ef0f49c7987469.txt" for row in json.loads(result.stdout))
    out = built.root / "graph.nq"
    result = _kg(built.env, "export", "--format", "nquads", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = [line for line in out.read_text().splitlines() if line.strip()]
    stats = json.loads(_kg(built.env, "stats", "--format", "json").stdout)
    assert len(lines) == stats["triples"] > 3000
    graphs = {line.rsplit(" ", 2)[-2] for line in lines}
    assert all(g.startswith("<https://w3id.org/integration-kg/resource/graph/") for g in graphs), graphs


@pytest.mark.slow
def test_saved_query_with_a_name(built: Built) -> None:
    result = _kg(built.env, "query", "--name", "provenance", "--param", "subject=MILAGRO", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert any(row["document"] == "002_10ef0f49c7987469.txt" for row in json.loads(result.stdout))


@pytest.mark.slow
def test_scores_on_the_seed_gold(built: Built) -> None:
    result = _kg(built.env, "evaluate", str(SEED_GOLD), "--docs", *SEED_DOCS, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["entity_recall"] >= 0.8, report["missing_entities"]
    assert report["relation_recall"] >= 0.5, report["missing_relations"]
    assert report["entity_precision"] >= 0.8, report["unexpected_resources"]
    assert report["duplicates"] == []
    assert report["geonames_missing"] == []


@pytest.mark.slow
def test_web_app_on_the_external_store(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import create_app

    for key, value in built.server.env().items():
        monkeypatch.setenv(key, value)
    settings = _settings(built.server, built.root, query_workers=0)
    client = create_app(settings).test_client()
    query = "SELECT ?p ?label WHERE { ?p a ikg:Project ; rdfs:label ?label } ORDER BY ?label"
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    rows = response.get_json()["results"]["bindings"]
    assert len(rows) >= 5
    project = rows[0]["p"]["value"]
    path = "/resource/" + project.removeprefix(settings.base_iri)
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    assert rows[0]["label"]["value"] in page.get_data(as_text=True)
    bad = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s "})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- saved queries


SAVED_PARAMS: dict[str, dict[str, str]] = {
    "connection_path": {"from": f"<{R}project/milma>", "to": f"<{R}project/milagro>"},
    "event_participants": {"event": f"<{R}event/famous-immigrants>"},
    "events_in_range": {},
    "organisations_in_city": {"city": f"<{R}place/geonames-3117735>"},
    "partners_and_cities": {"project": f"<{R}project/milagro>"},
    "people_of_organisation": {"organisation": f"<{R}organisation/municipality-of-madrid-3117735>"},
    "programme_of_project": {"project": f"<{R}project/milagro>"},
    "project_timeline": {"project": f"<{R}project/milagro>"},
    "projects_in_country": {"country": f"<{R}place/geonames-2510769>"},
    "projects_of_programme": {"programme": f"<{R}programme/cerv>"},
    "projects_sharing_city": {},
    "projects_sharing_event": {},
    "provenance": {"subject": f"<{R}project/milagro>"},
    "resolution": {"resource": f"<{R}project/milagro>"},
    "shared_partners": {"project": f"<{R}project/milagro>", "other": f"<{R}project/milma>"},
}
# Debian's Virtuoso 7.2.5 answered some saved queries wrongly or not at all: a `*` path
# (`a/rdfs:subClassOf*`, `ikg:subEventOf*`) joined with further patterns, or with neither end
# bound, matches nothing there; EXISTS in a SELECT expression and MIN over literals mixing ASCII
# and non-ASCII text lose their value. The queries in queries/ avoid these forms, so every saved
# query must give the same rows on both stores.
_GROUP_CONCAT = re.compile(r"GROUP_CONCAT\([^)]*separator\s*=\s*\"([^\"]*)\"\s*\)\s+AS\s+\?(\w+)", re.I)


def _concatenated(name: str) -> dict[str, str]:
    """The columns of a saved query made by GROUP_CONCAT, with their separators."""
    from kg.queries import get_query

    return {column: sep for sep, column in _GROUP_CONCAT.findall(get_query(name).sparql)}


def _canonical(rows: list[dict], concatenated: dict[str, str] | None = None) -> list[tuple]:
    """Rows as sorted tuples of (column, N-Triples) with blank nodes blanked out; the parts of a
    GROUP_CONCAT column sorted (SPARQL leaves their order to the store)."""
    concatenated = concatenated or {}

    def text(column: str, term: object) -> str:
        if isinstance(term, BNode):
            return "_:b"
        if column in concatenated and isinstance(term, Literal):
            term = Literal(concatenated[column].join(sorted(str(term).split(concatenated[column]))))
        return term.n3() if hasattr(term, "n3") else str(term)
    return sorted(tuple(sorted((k, text(k, v)) for k, v in row.items())) for row in rows)


def _same_answers(external: object, embedded: object, name: str, values: dict[str, str]) -> None:
    """The saved query gives the same columns and rows on both stores."""
    from kg.queries import run_saved

    ours = run_saved(external, name, values)  # type: ignore[arg-type]
    reference = run_saved(embedded, name, values)  # type: ignore[arg-type]
    assert ours[0] == reference[0], (name, values)
    concatenated = _concatenated(name)
    assert _canonical(ours[1], concatenated) == _canonical(reference[1], concatenated), (name, values)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAVED_PARAMS))
def test_saved_query_answers_match_the_embedded_store(name: str, built: Built, seed_store: object,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in built.server.env().items():
        monkeypatch.setenv(key, value)
    external = open_store(_settings(built.server, built.root))
    _same_answers(external, seed_store, name, SAVED_PARAMS[name])


# Differences left, each with its reason (strict: a fix shows as a failure to update this).
EVERY_RESOURCE_GAPS = {
    "people_of_organisation": "a person with no role: Virtuoso 7.2 gives GROUP_CONCAT of nothing as "
                              "\"\" (as SPARQL 1.1 says), pyoxigraph leaves ?role unbound; Virtuoso turns "
                              "an IF that falls back to an unbound value into \"\" too",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=EVERY_RESOURCE_GAPS[n], strict=True))
    if n in EVERY_RESOURCE_GAPS else n
    for n in sorted(SAVED_PARAMS)
])
def test_saved_query_answers_match_for_every_resource(name: str, built: Built, seed_store: object,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each saved query with a resource parameter, for every resource of the parameter's class in
    the graph (other parameters as in SAVED_PARAMS), and with date ranges: the same rows on both."""
    from kg.queries import get_query

    for key, value in built.server.env().items():
        monkeypatch.setenv(key, value)
    external = open_store(_settings(built.server, built.root))
    query = get_query(name)
    runs: list[dict[str, str]] = []
    for param in query.params:
        if param.type == "resource" and param.cls is not None and query.handler is None:
            rows = seed_store.select(  # type: ignore[attr-defined]
                f"SELECT DISTINCT ?x WHERE {{ ?x a <{param.cls}> }} ORDER BY ?x LIMIT 40")
            runs += [{**SAVED_PARAMS[name], param.name: f"<{row['x']}>"} for row in rows]
        elif param.type == "date":
            runs += [{**SAVED_PARAMS[name], "from": "2019-12-05", "to": "2019-12-20"},
                     {**SAVED_PARAMS[name], "from": "2020-01-01"}]
    if not runs:
        pytest.skip(f"{name} has no resource parameter with a class nor a date")
    for values in runs:
        _same_answers(external, seed_store, name, values)


def test_every_saved_query_has_parameters_here() -> None:
    from kg.queries import list_queries

    assert {q.name for q in list_queries()} <= set(SAVED_PARAMS)
