"""Tests of kg.evaluate_explain: each cause of a miss, on a small inline graph with its text."""

from __future__ import annotations

from rdflib import Graph

from kg.evaluate_explain import document_texts, explain, format_explanation

TTL = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix ex: <https://example.org/> .

ex:doc dcterms:identifier "d1_page.txt" .
ex:ctx nif:isString "The Velmor project is led by Ostrava Works. Partners met in Quarn. Lune Group joined." ;
    nif:sourceUrl ex:doc .
ex:velmor a ikg:Project ; rdfs:label "Velmor" ; ikg:mentionedIn ex:doc .
ex:ostrava a ikg:Organisation ; rdfs:label "Ostrava Works" ; ikg:mentionedIn ex:doc .
ex:lune a ikg:Person ; rdfs:label "Lune Group" ; ikg:mentionedIn ex:doc .
ex:stray a ikg:Organisation ; rdfs:label "Stray Thing" ; ikg:mentionedIn ex:doc .
"""

GOLD = {
    "entities": {
        "velmor": {"type": "Project", "names": ["Velmor"], "docs": ["d1"]},
        "ostrava": {"type": "Organisation", "names": ["Ostrava Works"], "docs": ["d1"]},
        "lune": {"type": "Organisation", "names": ["Lune Group"], "docs": ["d1"]},
        "quarn_meeting": {"type": "Event", "names": ["meeting in Quarn"], "docs": ["d1"]},
        "kessa": {"type": "Organisation", "names": ["Partners"], "docs": ["d1"]},
    },
    "relations": [["velmor", "coordinator", "ostrava"], ["velmor", "hasPartner", "lune"]],
}


def _graph() -> Graph:
    return Graph().parse(data=TTL, format="turtle")


def test_document_texts_come_from_the_nif_context():
    assert document_texts(_graph()) == {
        "d1_page.txt": "The Velmor project is led by Ostrava Works. Partners met in Quarn. Lune Group joined."
    }


def test_each_miss_gets_its_cause_and_sentence():
    groups = explain(GOLD, _graph(), ["d1_page.txt"])
    assert [i["item"] for i in groups["typing"]] == ["lune"]
    assert "wanted Organisation, got Person" in groups["typing"][0]["detail"]
    assert [i["item"] for i in groups["not in text"]] == ["quarn_meeting"]
    assert [i["item"] for i in groups["mention"]] == ["kessa"]
    assert groups["mention"][0]["sentence"].startswith("Partners met in Quarn")
    rel = groups["relation:coordinator"][0]
    assert rel["item"] == "velmor coordinator ostrava" and "led by Ostrava Works" in rel["sentence"]
    assert groups["endpoint"][0]["detail"] == "missing: lune"
    assert {i["item"] for i in groups["unexpected:Organisation"]} == {"stray thing"}


def test_text_report_lists_causes_most_frequent_first():
    text = format_explanation(explain(GOLD, _graph(), ["d1_page.txt"]))
    table = text.split("\n\n")[0].splitlines()[2:]
    counts = [int(line.split()[-1]) for line in table]
    assert counts == sorted(counts, reverse=True)
    assert "« Partners met in Quarn. »" in text
