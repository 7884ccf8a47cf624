"""A fuzz test of /sparql on a live server on loopback: grammar-shaped queries from hypothesis.

Generated: the four query forms (SELECT, ASK, CONSTRUCT, DESCRIBE) over random group patterns
(OPTIONAL, UNION, MINUS, GRAPH, subqueries, FILTER EXISTS, BIND, VALUES, SERVICE to a loopback
listener, to private and public addresses and to variables, in odd spellings), random nesting
of brackets, braces and parentheses up to 30,000 deep (balanced or not), long literals, odd
IRIs, unicode, and bad syntax (a generated query with a slice cut, doubled or replaced by
punctuation). Each is sent as GET, form POST or a sparql-query body (bodies over 8 kB by POST
only, as clients do), with a random Accept.

Checked: every answer is 200, 400, 403, 406, 413, 422, 429, 503 or 504, never 500; the server
answers a plain query after the run; the loopback listener, the only SERVICE endpoint that a
request could reach here, never sees a connection. Bounded: a fixed number of examples, drawn
the same way on every run (derandomized), a 2 s query time limit.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from public_support import Listener, request, sparql_get, start_live, stop_live
from webapp_support import LiveServer

# 406: a SELECT or ASK asked for in a type that cannot carry it (Accept: text/turtle)
ALLOWED = {200, 400, 403, 406, 413, 422, 429, 503, 504}
EXAMPLES = 1000
LISTENER = "LISTENER-URL"  # replaced by the listener's address when a query is sent
BUDGET_SECONDS = 60.0

_RUN: dict[str, object] = {"statuses": {}, "examples": 0}


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with the default guard, a short time limit and no rate limit."""
    live = start_live(tmp_path_factory.mktemp("fuzz"), query_workers=2, query_spares=1,
                      query_timeout=2.0, max_results=1000)
    yield live
    stop_live(live)


# --------------------------------------------------------------------------- the grammar


def literal(text: str) -> str:
    """A SPARQL string literal holding text."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


UNICODE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
LITERALS = st.one_of(
    UNICODE.map(literal),
    st.integers(1_000, 200_000).map(lambda n: literal("x" * n)),
    st.tuples(UNICODE, st.sampled_from(["@en", "@fr-BE", "^^xsd:string", "^^<urn:t>", ""]))
      .map(lambda t: literal(t[0]) + t[1]),
    st.sampled_from(['"""long\n"quoted"\n"""', "'single'", '"service <http://127.0.0.1/> {}"',
                     "1", "-2.5e3", "true", "'''SERVICE'''"]),
)
ODD_IRIS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="<>"),
            max_size=30).map(lambda t: f"<{t}>"),
    st.sampled_from([
        "<http://127.0.0.1/>", "<http://[::1]:8080/x>", "<file:///etc/passwd>", "<urn:a>",
        "<http://169.254.169.254/latest/meta-data/>", "<javascript:alert(1)>", "<\\u0041>",
        "<http://x.example/a b>", "<>", "<#frag>", "<http://x.example/é?q=1#f>",
        f"<{LISTENER}>", "<http://xn--nxasmq6b.example/>",
    ]),
)
TERMS = st.one_of(
    st.sampled_from(["?s", "?p", "?o", "?x", "$y", "?g", "a", "ikg:Project", "rdfs:label",
                     "_:b", "[]", "ex:thing", "service:x"]),
    ODD_IRIS,
)
OBJECTS = st.one_of(TERMS, LITERALS)
TRIPLES = st.tuples(TERMS, TERMS, OBJECTS).map(" ".join)
EXPRESSIONS = st.one_of(
    st.sampled_from(["?o < 3", "?s = ?o", "regex(str(?o), 'a.*b', 'i')", "bound(?x)",
                     "?o > 1 && ?o < 9", "!isIRI(?s)", "lang(?o) = 'en'", "1/0"]),
    st.tuples(st.sampled_from(["(", "!", "-"]), st.integers(1, 300))
      .map(lambda t: t[0] * t[1] + "1" + (")" * t[1] if t[0] == "(" else "")),
    LITERALS.map(lambda x: f"contains(str(?o), {x})"),
)
SERVICE_KEYWORDS = st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE SILENT",
                                    "SERVICESILENT", "\\u0053ERVICE"])
ENDPOINTS = st.sampled_from([f"<{LISTENER}>", "?e", "<http://localhost:1/sparql>",
                             "<http://10.0.0.1/sparql>", "<http://2130706433/>",
                             "<https://query.example.org/sparql>", "here:sparql"])
LEAVES = st.one_of(
    TRIPLES,
    EXPRESSIONS.map(lambda e: f"FILTER({e})"),
    st.tuples(EXPRESSIONS, st.sampled_from(["?b", "?c"])).map(lambda t: f"BIND(({t[0]}) AS {t[1]})"),
    st.lists(OBJECTS, max_size=4).map(lambda xs: "VALUES ?v { " + " ".join(xs) + " }"),
    st.tuples(SERVICE_KEYWORDS, ENDPOINTS, TRIPLES).map(lambda t: f"{t[0]} {t[1]} {{ {t[2]} }}"),
)


def _groups(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "{ " + " . ".join(xs) + " }"),
        st.tuples(inner, inner).map(lambda ab: f"{{ {ab[0]} }} UNION {{ {ab[1]} }}"),
        inner.map(lambda x: f"OPTIONAL {{ {x} }}"),
        inner.map(lambda x: f"MINUS {{ {x} }}"),
        inner.map(lambda x: f"GRAPH ?g {{ {x} }}"),
        inner.map(lambda x: f"{{ SELECT * WHERE {{ {x} }} LIMIT 5 }}"),
        inner.map(lambda x: f"FILTER EXISTS {{ {x} }}"),
        st.tuples(SERVICE_KEYWORDS, ENDPOINTS, inner).map(lambda t: f"{t[0]} {t[1]} {{ {t[2]} }}"),
    )


PATTERNS = st.recursive(LEAVES, _groups, max_leaves=6)
NESTING = st.tuples(st.sampled_from(["(", "{", "[", "<<( ?s ?p "]), st.integers(1, 30_000),
                    st.booleans()).map(
    lambda t: {"(": f"FILTER({'(' * t[1]}1{')' * t[1] if t[2] else ''})",
               "{": "{" * t[1] + ("}" * t[1] if t[2] else ""),
               "[": "?s ?p " + "[ ?p " * t[1] + "1" + (" ]" * t[1] if t[2] else ""),
               }.get(t[0], "?s ?p " + t[0] * t[1] + "1" + (" )>>" * t[1] if t[2] else "")))
WHERE = st.one_of(PATTERNS, PATTERNS, PATTERNS, NESTING).map(lambda body: f"WHERE {{ {body} }}")
PREFIXES = st.sampled_from(["", "PREFIX ex: <http://example.org/> ",
                            f"PREFIX here: <{LISTENER.rsplit('-', 1)[0]}/> ",
                            "BASE <http://127.0.0.1:9/> ", "PREFIX service: <urn:s:> "])
FORMS = st.one_of(
    st.tuples(st.sampled_from(["*", "?s", "DISTINCT ?s ?o", "(COUNT(*) AS ?n)", "(1+1 AS ?two)"]),
              WHERE, st.sampled_from([" LIMIT 10", " LIMIT 3 OFFSET 1", " ORDER BY ?s LIMIT 5", ""]))
      .map(lambda t: f"SELECT {t[0]} {t[1]}{t[2]}"),
    WHERE.map(lambda w: f"ASK {w}"),
    WHERE.map(lambda w: f"CONSTRUCT {{ ?s ?p ?o }} {w} LIMIT 20"),
    st.tuples(st.sampled_from(["?s", "<urn:a>", "*"]), WHERE).map(lambda t: f"DESCRIBE {t[0]} {t[1]} LIMIT 5"),
)
VALID = st.tuples(PREFIXES, FORMS).map("".join)
JUNK = st.lists(st.sampled_from(list("{}()[]<>\"'#.;,?$\\ \n") + ["SERVICE", "SELECT", "é", "\u202e"]),
                max_size=12).map("".join)


@st.composite
def broken(draw: st.DrawFn) -> str:
    """A generated query with a slice cut out, doubled or replaced by punctuation."""
    text = draw(VALID)
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, min(len(text), i + 40)))
    how = draw(st.sampled_from(["cut", "double", "replace", "truncate"]))
    if how == "cut":
        return text[:i] + text[j:]
    if how == "double":
        return text[:j] + text[i:]
    if how == "replace":
        return text[:i] + draw(JUNK) + text[j:]
    return text[:i]


QUERIES = st.one_of(VALID, VALID, broken(), JUNK)
SENDS = st.tuples(QUERIES, st.sampled_from(["get", "form", "body"]),
                  st.sampled_from(["application/sparql-results+json", "text/csv", "text/turtle",
                                   "*/*", "text/html", "application/x-nothing"]))


# --------------------------------------------------------------------------- the test


def _reason(status: int, text: str) -> str:
    """A short name for an answer: its status, and for a 400 the setting or 'syntax'."""
    if status != 400:
        return str(status)
    for setting in ("KG_SERVICE_ALLOW", "KG_QUERY_MAX_DEPTH", "KG_QUERY_MAX_PATTERNS"):
        if setting in text:
            return f"400 {setting}"
    return "400 other"


def send(live: LiveServer, listener: Listener, query: str, how: str, accept: str) -> str:
    """Send one generated query; its status (and reason, for a 400)."""
    query = query.replace(LISTENER, listener.url)
    if how == "get" and len(query) > 8000:
        how = "body"
    if how == "get":
        status, _, text, _ = sparql_get(live, query, accept=accept)
    elif how == "form":
        body = urllib.parse.urlencode({"query": query}).encode("utf-8")
        status, _, text, _ = request(live, "POST", "/sparql", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    else:
        status, _, text, _ = request(live, "POST", "/sparql", body=query.encode("utf-8"), headers={
            "Content-Type": "application/sparql-query", "Accept": accept})
    assert status in ALLOWED, (status, text[:300], query[:300])
    assert "Traceback" not in text
    return _reason(status, text)


def test_fuzzed_queries_get_only_expected_statuses_and_nothing_leaves_loopback(
        fuzzed: LiveServer, listener: Listener) -> None:
    start = time.perf_counter()
    statuses: dict[str, int] = {}

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(SENDS)
    def one(sent: tuple[str, str, str]) -> None:
        status = send(fuzzed, listener, *sent)
        statuses[status] = statuses.get(status, 0) + 1
        assert listener.connections == 0, sent[0][:300]

    one()
    seconds = time.perf_counter() - start
    # The server is still up and answers at once.
    status, _, text, _ = sparql_get(fuzzed, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(text)["boolean"] is True
    assert listener.connections == 0 and listener.requests == []
    assert sum(statuses.values()) >= EXAMPLES
    assert "200" in statuses and "400 KG_SERVICE_ALLOW" in statuses, statuses
    assert "400 KG_QUERY_MAX_DEPTH" in statuses and "400 other" in statuses, statuses
    assert seconds < BUDGET_SECONDS, (seconds, statuses)
    Path(fuzzed.app.config["KG_QUERIES_DIR"]).parent.joinpath("fuzz-summary.json").write_text(
        json.dumps({"seconds": round(seconds, 1), "statuses": statuses}))
    print(f"fuzz: {sum(statuses.values())} requests in {seconds:.1f} s, statuses {statuses}")
