"""The checks a query passes before any parser sees it (kg.sparql_guard, kg.sparql_scan,
kg.service_policy): SERVICE found wherever it is and however it is spelled, never in a string,
IRI or comment; nesting and pattern limits; which endpoints an allow list opens."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.service_policy import endpoint_allowed, is_special_host, parse_allow_list
from kg.settings import Settings, load_settings
from kg.sparql_guard import QueryRefusedError, _check_by_scan, _clearly_within, check_query
from kg.sparql_scan import tokens

LOOP = "http://127.0.0.1:8890/sparql"


@pytest.fixture
def plain(tmp_path: Path) -> Settings:
    """Default limits, no SERVICE endpoint allowed."""
    return load_settings(tmp_path / "store").with_(service_allow=())


def refused(sparql: str, settings: Settings) -> QueryRefusedError:
    with pytest.raises(QueryRefusedError) as info:
        check_query(sparql, settings)
    return info.value


# --------------------------------------------------------------------------- SERVICE

FEDERATED = [
    f"SELECT * WHERE {{ SERVICE <{LOOP}> {{ ?s ?p ?o }} }}",
    f"select * where {{ service <{LOOP}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SeRvIcE SILENT <{LOOP}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICESILENT<{LOOP}>{{}} }}",
    f"SELECT * WHERE {{ SERVICE # a comment\n <{LOOP}> # another\n {{ }} }}",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <http://a.example/> } SERVICE $e { } }",
    "PREFIX x: <http://127.0.0.1:8890/> SELECT * WHERE { SERVICE x:sparql { } }",
    f"PREFIX : <{LOOP}> SELECT * WHERE {{ SERVICE:{{ }} }}",
    "BASE <http://127.0.0.1:8890/> SELECT * WHERE { SERVICE <sparql> { } }",
    f"ASK {{ {{ SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{LOOP}> {{ ?s ?p ?o }} }} }} }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{LOOP}> {{ ?s ?p ?o }} }}",
    f"DESCRIBE ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{LOOP}> {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{LOOP}> {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ SERVICE <http://a.example/> {{ SERVICE <{LOOP}> {{ }} }} }}",
    "SELECT * WHERE { \\u0053ERVICE <http://a.example/> { } }",
    # The engine reads a keyword glued to what ends before it: `true` `.` SERVICE, 1 SERVICE.
    f"SELECT * WHERE {{ ?s ?p true.SERVICE<{LOOP}>{{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p trueSERVICE<{LOOP}>{{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s ?p 1.SERVICE<{LOOP}>{{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("sparql", FEDERATED)
def test_service_is_refused_by_default_naming_the_setting(plain: Settings, sparql: str) -> None:
    error = refused(sparql, plain)
    assert error.setting == "KG_SERVICE_ALLOW" and "KG_SERVICE_ALLOW" in str(error)


@pytest.mark.parametrize("sparql", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1/> { }" }',
    "SELECT * WHERE { ?s ?p '''\nservice <http://127.0.0.1/> {\n''' }",
    "SELECT * WHERE { ?s <http://x.example/SERVICE> ?o } # SERVICE <http://127.0.0.1/> { }",
    "SELECT ?service WHERE { ?service a <http://x.example/Service> }",
    "PREFIX service: <http://x.example/> SELECT * WHERE { ?s service:p service:o . }",
    "PREFIX ex: <http://x.example/> SELECT * WHERE { ?s ex:hasService ?o OPTIONAL { ?o ?p ?x } }",
    "PREFIX ex: <http://x.example/> SELECT * WHERE { ?s ex:serviceType ?t . { ?s ?p ?o } }",
    f"PREFIX ex: <http://x.example/> SELECT * WHERE {{ ?s ?p ex:a.SERVICE<{LOOP}> }}",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_service_in_strings_iris_comments_and_names_is_no_service(plain: Settings, sparql: str) -> None:
    check_query(sparql, plain)


def test_an_ambiguous_less_than_that_could_hide_a_service_is_refused(plain: Settings) -> None:
    # `<?b)SERVICE?e#>` reads as an IRI, or as "less than" followed by SERVICE and a comment.
    error = refused("SELECT * WHERE { ?a ?b ?c FILTER(?a<?b)SERVICE?e#>\n{ ?s ?p ?o } }", plain)
    assert "less than" in str(error)
    check_query("SELECT * WHERE { ?a ?b ?c FILTER(?a < ?b) }", plain)


def test_listed_endpoints_are_allowed_and_nothing_else(plain: Settings) -> None:
    allow = plain.with_(service_allow=(LOOP, "https://query.example.org/", "http://"))
    check_query(f"SELECT * WHERE {{ SERVICE <{LOOP}> {{ }} }}", allow)
    check_query("SELECT * WHERE { SERVICE <https://query.example.org/sparql> { } }", allow)
    check_query("PREFIX q: <https://query.example.org/> SELECT * { SERVICE q:sparql { } }", allow)
    for endpoint in ("http://127.0.0.1:8891/sparql", "https://query.example.org.evil.test/",
                     "http://localhost:8890/sparql", "http://169.254.169.254/latest/meta-data",
                     "http://10.1.2.3/sparql", "http://[::1]:8890/sparql", "http://2130706433/",
                     "http://0x7f.0.0.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/",
                     "http://0.0.0.0/", "http://user@a.example/", "file:///etc/passwd"):
        error = refused(f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ }} }}", allow)
        assert "KG_SERVICE_ALLOW" in str(error), endpoint
    assert refused("SELECT * WHERE { SERVICE ?e { } }", allow).setting == "KG_SERVICE_ALLOW"


def test_allow_list_by_parts() -> None:
    assert parse_allow_list(" https://a.example/sparql, http://127.0.0.1:9/ ") == (
        "https://a.example/sparql", "http://127.0.0.1:9/")
    assert endpoint_allowed("https://a.example/sparql/x", ["https://a.example/sparql"])
    assert not endpoint_allowed("https://a.example:444/sparql", ["https://a.example/sparql"])
    assert not endpoint_allowed("http://a.example/sparql", ["https://a.example/"])
    assert endpoint_allowed("http://127.0.0.1:9/q", ["http://127.0.0.1:9/"])
    assert not endpoint_allowed("http://127.0.0.1:9/q", ["http://"])
    assert endpoint_allowed("http://127.0.0.1:9/q", ["*"])
    for host in ("localhost", "LOCALHOST.", "a.localhost", "127.0.0.1", "127.1", "0177.0.0.1",
                 "[::1]", "fe80::1", "169.254.169.254", "192.168.1.1", "172.16.0.1", "100.64.0.1",
                 "%31%32%37.0.0.1", "１２７.0.0.1", "0"):
        assert is_special_host(host, resolve=False), host
    assert not is_special_host("93.184.216.34", resolve=False)


# --------------------------------------------------------------------------- limits


def test_deep_nesting_is_refused_at_once_naming_the_setting(plain: Settings) -> None:
    for sparql in ("SELECT * WHERE { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }",
                   "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000,
                   "SELECT * WHERE { ?s ?p " + "[ ?p " * 20_000 + "1" + " ]" * 20_000 + " }",
                   "SELECT * WHERE { FILTER(" + "!" * 20_000 + "true) }",
                   "SELECT * WHERE { ?s ?p " + "<<( ?s ?p " * 20_000 + "1" + " )>>" * 20_000 + " }"):
        start = time.perf_counter()
        error = refused(sparql, plain)
        assert time.perf_counter() - start < 0.05
        assert error.setting == "KG_QUERY_MAX_DEPTH" and "KG_QUERY_MAX_DEPTH" in str(error)
        assert "limit of 64" in str(error)


def test_too_many_patterns_are_refused_naming_the_setting(plain: Settings) -> None:
    many = "SELECT * WHERE { " + " . ".join(f"?s <urn:p> ?o{i}" for i in range(400)) + " }"
    chain = "SELECT (" + " + ".join(["1"] * 20_000) + " AS ?n) WHERE { }"
    objects = "SELECT * WHERE { ?s <urn:p> " + ", ".join(f"?o{i}" for i in range(400)) + " }"
    for sparql in (many, chain, objects):
        error = refused(sparql, plain)
        assert error.setting == "KG_QUERY_MAX_PATTERNS" and "KG_QUERY_MAX_PATTERNS" in str(error)
    check_query(many, plain.with_(query_max_patterns=0))  # 0 turns the limit off


def test_brackets_in_strings_iris_and_comments_do_not_count(plain: Settings) -> None:
    deep = "(" * 500
    check_query(f'SELECT * WHERE {{ ?s ?p "{deep}" . ?s <http://x.example/{deep}> ?o }} # {deep}',
                plain)
    check_query("SELECT * WHERE { ?s ?p '" + "." * 5000 + "' }", plain)


def test_every_saved_query_passes_with_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "store")
    saved = sorted((REPO / "queries").glob("*.rq"))
    assert len(saved) >= 10
    for path in saved:
        check_query(path.read_text(encoding="utf-8"), settings)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KG_SERVICE_ALLOW", "https://a.example/sparql http://127.0.0.1:9/")
    monkeypatch.setenv("KG_QUERY_MAX_DEPTH", "10")
    monkeypatch.setenv("KG_QUERY_MAX_PATTERNS", "20")
    settings = load_settings(tmp_path / "store")
    assert settings.service_allow == ("https://a.example/sparql", "http://127.0.0.1:9/")
    assert (settings.query_max_depth, settings.query_max_patterns) == (10, 20)


def test_the_scanner_keeps_strings_iris_and_comments_whole() -> None:
    kinds = [(t.kind, t.text) for t in tokens('?s <a#b> "x\\"y" # c\n 1.5 ex:a.b.')]
    assert kinds == [("var", "?s"), ("iri", "<a#b>"), ("string", '"x\\"y"'), ("comment", "# c"),
                     ("number", "1.5"), ("name", "ex:a.b"), ("punct", ".")]


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(st.lists(st.sampled_from(list("({[<>]})!.;,/|&+-*#\"' ?xa:") + ["SERVICE", "<urn:a>", "\n"]),
                max_size=60).map("".join))
def test_the_fast_path_never_lets_through_what_the_scan_refuses(text: str) -> None:
    strict = load_settings("/nonexistent").with_(query_max_depth=2, query_max_patterns=3)
    if _clearly_within(text, 2, 3):
        _check_by_scan(text, strict, None)  # must not raise
