"""The competency questions of the reference annotation, answered by the saved queries on the
shipped corpus: exactly the expected resources, no fewer and no extras."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from rdflib import RDF, RDFS, URIRef

from kg.evaluate import normalise_name
from kg.namespaces import IKG

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
GOLD = yaml.safe_load((ROOT / "tests" / "data" / "gold" / "seeds.yaml").read_text())
QUESTIONS = {q["id"]: q for q in GOLD["questions"]}


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """The shipped corpus ingested into a fresh on-disk store."""
    from kg.ingest import ingest
    from kg.settings import load_settings
    from kg.store import KGStore

    settings = load_settings(store=tmp_path_factory.mktemp("competency") / "store")
    report = ingest(sorted((ROOT / "data" / "corpus").glob("*.txt")), settings)
    assert not report.failures
    store = KGStore(settings)
    yield store
    store.close()


@pytest.fixture(scope="module")
def gold_iris(corpus_store):
    """Gold entity id -> the store's resources that carry one of its names and its type."""
    g = corpus_store.graph("all")
    by_name = defaultdict(set)
    for p in (RDFS.label, IKG.acronym, URIRef("http://www.w3.org/2004/02/skos/core#altLabel")):
        for s, o in g.subject_objects(p):
            by_name[normalise_name(o)].add(s)

    def members(cls: str) -> set:
        classes = {IKG[cls]}
        todo = [IKG[cls]]
        while todo:
            c = todo.pop()
            for sub in g.subjects(RDFS.subClassOf, c):
                if sub not in classes:
                    classes.add(sub)
                    todo.append(sub)
        return {s for c in classes for s in g.subjects(RDF.type, c)}

    out = {}
    for eid, e in GOLD["entities"].items():
        found = set()
        for n in e["names"]:
            found |= by_name.get(normalise_name(n), set())
        out[eid] = found & members(e["type"])
    return out


def _label(store, iri: URIRef) -> str:
    rows = store.select("SELECT ?s ?l WHERE { ?s rdfs:label ?l } LIMIT 1", bindings={"s": iri})
    return str(rows[0]["l"]) if rows else str(iri)


def _run(store, qid: str, params: dict | None = None):
    from kg.queries import run_saved

    return run_saved(store, qid, params or {})


def _param_values(store, gold_iris, params: dict) -> dict:
    """Gold parameters (entity ids or literals) as labels, the way a user types them."""
    out = {}
    for key, value in params.items():
        if value in gold_iris:
            out[key] = _label(store, next(iter(gold_iris[value])))
        else:
            out[key] = str(value)
    return out


def _id_of(gold_iris, iri) -> str:
    ids = [eid for eid, iris in gold_iris.items() if URIRef(str(iri)) in iris]
    return ids[0] if ids else f"<unexpected {iri}>"


def test_projects_in_country(corpus_store, gold_iris):
    q = QUESTIONS["projects_in_country"]
    _, rows = _run(corpus_store, q["id"], _param_values(corpus_store, gold_iris, q["params"]))
    assert {_id_of(gold_iris, r["project"]) for r in rows} == set(q["answer"])


def test_event_participants(corpus_store, gold_iris):
    q = QUESTIONS["event_participants"]
    _, rows = _run(corpus_store, q["id"], _param_values(corpus_store, gold_iris, q["params"]))
    assert {_id_of(gold_iris, r["organisation"]) for r in rows} == set(q["answer"])


@pytest.mark.parametrize("qid", ["projects_sharing_event", "projects_sharing_city"])
def test_project_pairs(corpus_store, gold_iris, qid):
    q = QUESTIONS[qid]
    _, rows = _run(corpus_store, qid)
    got = {frozenset({_id_of(gold_iris, r["project"]), _id_of(gold_iris, r["other"])}) for r in rows}
    assert got == {frozenset(pair) for pair in q["answer"]}


def test_partners_and_cities(corpus_store, gold_iris):
    q = QUESTIONS["partners_and_cities"]
    _, rows = _run(corpus_store, q["id"], _param_values(corpus_store, gold_iris, q["params"]))
    got = {(_id_of(gold_iris, r["partner"]), _id_of(gold_iris, r["city"]) if "city" in r else None) for r in rows}
    assert got == {tuple(pair) for pair in q["answer"]}


def test_programme_of_project(corpus_store, gold_iris):
    q = QUESTIONS["programme_of_project"]
    _, rows = _run(corpus_store, q["id"], _param_values(corpus_store, gold_iris, q["params"]))
    got = {(_id_of(gold_iris, r["programme"]), str(r["projectNumber"])) for r in rows}
    assert got == {tuple(pair) for pair in q["answer"]}


def test_project_timeline(corpus_store, gold_iris):
    q = QUESTIONS["project_timeline"]
    _, rows = _run(corpus_store, q["id"], _param_values(corpus_store, gold_iris, q["params"]))
    assert len(rows) >= q["answer_min_rows"]
    dates = [str(r["date"]) for r in rows]
    assert dates == sorted(dates)
    assert all(q["params"]["from"] <= d[:10] <= q["params"]["to"] for d in dates)


def test_connection_path(corpus_store, gold_iris):
    from kg.analytics import shortest_path

    q = QUESTIONS["connection_path"]
    params = _param_values(corpus_store, gold_iris, q["params"])
    _, rows = _run(corpus_store, q["id"], params)
    assert rows
    path = shortest_path(corpus_store, params["from"], params["to"])
    through = {_id_of(gold_iris, n["iri"]) for n in path["nodes"]}
    assert through & set(q["answer_path_through_any_of"])
    assert path["nodes"][0]["iri"] in {str(i) for i in gold_iris[q["params"]["from"]]}
    assert path["nodes"][-1]["iri"] in {str(i) for i in gold_iris[q["params"]["to"]]}
