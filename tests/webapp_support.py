"""Shared helpers for the web tests: a small real store built from inline TriG, a live server.

The data is invented. One store and one waitress server (on a free loopback port) are built
per test process and shared by test_webapp, test_sparql_protocol and test_browser.
"""

from __future__ import annotations

import atexit
import re
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from rdflib import Dataset, URIRef

from kg.settings import Settings, load_settings
from kg.store import KGStore

BASE = "http://kg.example.test/res/"
IKG = "https://w3id.org/integration-kg/ontology#"
DOC1 = "001_news.txt"
DOC2 = "002_factsheet.txt"
DOC1_SLUG = "001-news-txt"
DOC2_SLUG = "002-factsheet-txt"
EVIL_NAME = "Acme <script>alert(1)</script> Trust"

S1 = "The BRIGHTBRIDGE project welcomed the City of Vålmora as a partner."
S2 = "Its kick-off meeting took place in Vålmora on 10 February 2023."
S3 = f"{EVIL_NAME} attended the meeting."
TEXT1 = f"{S1} {S2} {S3}"
T1 = "TIDEWATER is coordinated by the Lumen Institute in Kestrel Bay."
T2 = "BRIGHTBRIDGE and TIDEWATER are funded by the Zephyr Fund."
TEXT2 = f"{T1} {T2}"

SAVED_QUERIES = {
    "partners_of_project": """# title: Partners of a project
# description: Organisations that are partners of a project.
# param: project resource ikg:Project "Project (IRI or name)"
SELECT ?project ?partner ?partnerLabel WHERE {
  ?project ikg:hasPartner ?partner . ?partner rdfs:label ?partnerLabel .
} ORDER BY ?partnerLabel
""",
    "projects": """# title: All projects
# description: Every project with its label.
SELECT ?project ?label WHERE { ?project a ikg:Project ; rdfs:label ?label } ORDER BY ?label
""",
}


def _esc(text: str) -> str:
    """Escape a Python string for a Turtle long literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _span(text: str, part: str, start: int = 0) -> tuple[int, int]:
    """Character offsets of part in text (searching from start)."""
    i = text.index(part, start)
    return i, i + len(part)


def _nif(doc: str, text: str, part: str, kind: str, target: str | None = None,
         start: int = 0) -> str:
    """A NIF string (sentence or phrase) of a part of a document's text."""
    b, e = _span(text, part, start)
    lines = [f"<{BASE}document/{doc}#char={b},{e}> a nif:String, nif:{kind} ;",
             f"    nif:referenceContext <{BASE}document/{doc}#char=0,{len(text)}> ;",
             f"    nif:beginIndex {b} ; nif:endIndex {e} ; nif:anchorOf \"{_esc(part)}\""]
    if target:
        lines[-1] += f" ;\n    itsrdf:taIdentRef {target}"
    return "\n".join(lines) + " .\n"


def _sentence_iri(doc: str, text: str, part: str) -> str:
    b, e = _span(text, part)
    return f"<{BASE}document/{doc}#char={b},{e}>"


def build_trig() -> str:
    """The test dataset as TriG: two documents, the ontology, an inferred graph."""
    # `:kind/slug` is shorthand here; Turtle needs full IRIs for names with a slash.
    return re.sub(r"(?<![\w<]):([a-z]+/[\w-]+)", rf"<{BASE}\1>", _trig_text())


def _trig_text() -> str:
    d1, d2 = DOC1_SLUG, DOC2_SLUG
    return f"""
@prefix : <{BASE}> .
@prefix ikg: <{IKG}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix itsrdf: <http://www.w3.org/2005/11/its/rdf#> .

<{BASE}graph/ontology> {{
  ikg:Project a owl:Class ; rdfs:label "Project"@en ;
      rdfs:comment "A funded project or programme of activities."@en .
  ikg:Organisation a owl:Class ; rdfs:label "Organisation"@en .
  ikg:LocalAuthority a owl:Class ; rdfs:label "Local authority"@en ;
      rdfs:subClassOf ikg:Organisation .
  ikg:NGO a owl:Class ; rdfs:label "NGO"@en ; rdfs:subClassOf ikg:Organisation .
  ikg:ResearchOrganisation a owl:Class ; rdfs:label "Research organisation"@en ;
      rdfs:subClassOf ikg:Organisation .
  ikg:Place a owl:Class ; rdfs:label "Place"@en .
  ikg:City a owl:Class ; rdfs:label "City"@en ; rdfs:subClassOf ikg:Place .
  ikg:Country a owl:Class ; rdfs:label "Country"@en ; rdfs:subClassOf ikg:Place .
  ikg:Event a owl:Class ; rdfs:label "Event"@en .
  ikg:Document a owl:Class ; rdfs:label "Document"@en .
  ikg:FundingProgramme a owl:Class ; rdfs:label "Funding programme"@en .
  ikg:hasPartner a owl:ObjectProperty ; rdfs:label "has partner"@en ;
      rdfs:comment "A partner organisation of a project."@en ; owl:inverseOf ikg:partnerIn .
  ikg:partnerIn a owl:ObjectProperty ; rdfs:label "partner in"@en .
  ikg:coordinator a owl:ObjectProperty ; rdfs:label "coordinator"@en ;
      rdfs:subPropertyOf ikg:hasPartner .
  ikg:locatedIn a owl:ObjectProperty, owl:TransitiveProperty ; rdfs:label "located in"@en .
  ikg:operatesIn a owl:ObjectProperty ; rdfs:label "operates in"@en .
  ikg:fundedBy a owl:ObjectProperty ; rdfs:label "funded by"@en .
  ikg:participatedIn a owl:ObjectProperty ; rdfs:label "participated in"@en .
  ikg:organisedBy a owl:ObjectProperty ; rdfs:label "organised by"@en .
  ikg:activityOf a owl:ObjectProperty ; rdfs:label "activity of"@en .
  ikg:date a owl:DatatypeProperty ; rdfs:label "date"@en .
  ikg:mentionedIn a owl:ObjectProperty ; rdfs:label "mentioned in"@en .
  ikg:acronym a owl:DatatypeProperty ; rdfs:label "acronym"@en .
}}

<{BASE}graph/document/{d1}> {{
  :document/{d1} a ikg:Document ; dcterms:identifier "{DOC1}" ;
      dcterms:title "BRIGHTBRIDGE kick-off in Vålmora" ; dcterms:date "2023-02-12"^^xsd:date .
  :project/brightbridge a ikg:Project ; rdfs:label "BRIGHTBRIDGE" ;
      skos:altLabel "Bright Bridge" ; ikg:acronym "BRIGHTBRIDGE" ;
      ikg:hasPartner :organisation/city-of-valmora ; ikg:coordinator :organisation/sunfield ;
      ikg:startDate "2023-01-01"^^xsd:date ; ikg:mentionedIn :document/{d1} .
  :organisation/city-of-valmora a ikg:LocalAuthority ; rdfs:label "City of Vålmora" ;
      skos:altLabel "Valmora City Council" ; ikg:locatedIn :place/geonames-900001 ;
      ikg:mentionedIn :document/{d1} .
  :organisation/sunfield a ikg:NGO ; rdfs:label "Sunfield Association" ;
      ikg:acronym "SUNA" ; skos:altLabel "SUNA" ; ikg:locatedIn :place/geonames-900001 .
  :organisation/acme-trust a ikg:NGO ; rdfs:label "{_esc(EVIL_NAME)}" ;
      ikg:participatedIn :event/brightbridge-kick-off ; ikg:mentionedIn :document/{d1} .
  :event/brightbridge-kick-off a ikg:Event ;
      rdfs:label "Kick-off meeting — BRIGHTBRIDGE, Vålmora, 2023-02-10" ;
      ikg:date "2023-02-10"^^xsd:date ; ikg:activityOf :project/brightbridge ;
      ikg:locatedIn :place/geonames-900001 ; ikg:organisedBy :organisation/city-of-valmora .
  :place/geonames-900001 a ikg:City ; rdfs:label "Vålmora" ;
      geo:lat "45.5"^^xsd:decimal ; geo:long "9.2"^^xsd:decimal ;
      ikg:countryCode "XN" ; ikg:locatedIn :place/geonames-900100 ;
      skos:exactMatch <http://sws.geonames.org/900001/> .
  :place/geonames-900100 a ikg:Country ; rdfs:label "Norland" ;
      geo:lat "46.0"^^xsd:decimal ; geo:long "9.8"^^xsd:decimal ; ikg:countryCode "XN" .

  :statement/s1 a rdf:Statement ; rdf:subject :project/brightbridge ;
      rdf:predicate ikg:hasPartner ; rdf:object :organisation/city-of-valmora ;
      prov:wasDerivedFrom {_sentence_iri(d1, TEXT1, S1)} ;
      ikg:extractedBy "partner-rule" ; ikg:confidence 0.9 .
  :statement/s2 a rdf:Statement ; rdf:subject :event/brightbridge-kick-off ;
      rdf:predicate ikg:locatedIn ; rdf:object :place/geonames-900001 ;
      prov:wasDerivedFrom {_sentence_iri(d1, TEXT1, S2)} ; ikg:extractedBy "place-rule" .
  :statement/s3 a rdf:Statement ; rdf:subject :organisation/acme-trust ;
      rdf:predicate ikg:participatedIn ; rdf:object :event/brightbridge-kick-off ;
      prov:wasDerivedFrom {_sentence_iri(d1, TEXT1, S3)} ; ikg:extractedBy "event-rule" .
  :statement/s4 a rdf:Statement ; rdf:subject :place/geonames-900001 ;
      rdf:predicate ikg:locatedIn ; rdf:object :place/geonames-900100 ;
      prov:wasDerivedFrom <http://sws.geonames.org/900001/> .

  <{BASE}document/{d1}#char=0,{len(TEXT1)}> a nif:String, nif:Context ;
      nif:isString "{_esc(TEXT1)}" ; nif:sourceUrl :document/{d1} .
  {_nif(d1, TEXT1, S1, "Sentence")}
  {_nif(d1, TEXT1, S2, "Sentence")}
  {_nif(d1, TEXT1, S3, "Sentence")}
  {_nif(d1, TEXT1, "BRIGHTBRIDGE", "Phrase", ":project/brightbridge")}
  {_nif(d1, TEXT1, "City of Vålmora", "Phrase", ":organisation/city-of-valmora")}
  {_nif(d1, TEXT1, "Vålmora", "Phrase", ":place/geonames-900001", start=len(S1))}
  {_nif(d1, TEXT1, EVIL_NAME, "Phrase", ":organisation/acme-trust")}
}}

<{BASE}graph/document/{d2}> {{
  :document/{d2} a ikg:Document ; dcterms:identifier "{DOC2}" ;
      dcterms:title "TIDEWATER factsheet" .
  :project/tidewater a ikg:Project ; rdfs:label "TIDEWATER" ;
      ikg:coordinator :organisation/lumen-institute ; ikg:fundedBy :programme/zephyr-fund ;
      ikg:mentionedIn :document/{d2} .
  :project/brightbridge ikg:fundedBy :programme/zephyr-fund ; ikg:mentionedIn :document/{d2} .
  :programme/zephyr-fund a ikg:FundingProgramme ; rdfs:label "Zephyr Fund" .
  :organisation/lumen-institute a ikg:ResearchOrganisation ; rdfs:label "Lumen Institute" ;
      ikg:locatedIn :place/geonames-900002 .
  :place/geonames-900002 a ikg:City ; rdfs:label "Kestrel Bay" ;
      geo:lat "46.1"^^xsd:decimal ; geo:long "10.3"^^xsd:decimal ;
      ikg:countryCode "XN" ; ikg:locatedIn :place/geonames-900100 .
  :event/tidewater-workshop a ikg:Event ; rdfs:label "Tidewater workshop" ;
      ikg:date "2023-05-20"^^xsd:date ; ikg:activityOf :project/tidewater ;
      ikg:locatedIn :place/geonames-900002 ; ikg:organisedBy :organisation/lumen-institute .
  :event/tidewater-harbour-days a ikg:Event ; rdfs:label "Harbour days" ;
      ikg:startDate "2022-12-30"^^xsd:date ; ikg:endDate "2023-01-02"^^xsd:date ;
      ikg:activityOf :project/tidewater ; ikg:locatedIn :place/geonames-900002 .
  :statement/t1 a rdf:Statement ; rdf:subject :project/tidewater ;
      rdf:predicate ikg:coordinator ; rdf:object :organisation/lumen-institute ;
      prov:wasDerivedFrom {_sentence_iri(d2, TEXT2, T1)} ; ikg:extractedBy "coordinator-rule" .
  <{BASE}document/{d2}#char=0,{len(TEXT2)}> a nif:String, nif:Context ;
      nif:isString "{_esc(TEXT2)}" ; nif:sourceUrl :document/{d2} .
  {_nif(d2, TEXT2, T1, "Sentence")}
  {_nif(d2, TEXT2, "TIDEWATER", "Phrase", ":project/tidewater")}
  {_nif(d2, TEXT2, "Lumen Institute", "Phrase", ":organisation/lumen-institute")}
}}

<{BASE}graph/inferred> {{
  :organisation/city-of-valmora ikg:partnerIn :project/brightbridge ;
      a ikg:Organisation .
  :organisation/sunfield ikg:partnerIn :project/brightbridge ; a ikg:Organisation .
  :project/brightbridge ikg:hasPartner :organisation/sunfield ;
      ikg:operatesIn :place/geonames-900001 .
  :project/tidewater ikg:hasPartner :organisation/lumen-institute ;
      ikg:operatesIn :place/geonames-900002 .
  :organisation/lumen-institute ikg:partnerIn :project/tidewater ; a ikg:Organisation .
  :event/brightbridge-kick-off ikg:participant :organisation/acme-trust .
}}
"""


def build_store(path: Path) -> tuple[Settings, KGStore]:
    """A real on-disk store at path filled with the test dataset."""
    settings = load_settings(store=path, base_iri=BASE)
    store = KGStore(settings)
    ds = Dataset()
    ds.parse(data=build_trig(), format="trig")
    graphs: dict[URIRef, list] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        if g is None:
            continue
        name = g.identifier if hasattr(g, "identifier") else g
        graphs.setdefault(URIRef(str(name)), []).append((s, p, o))
    store.replace_graphs(graphs)
    store.flush()
    return settings, store


def write_saved_queries(folder: Path) -> Path:
    """Write the test's saved queries (.rq) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SAVED_QUERIES.items():
        (folder / f"{name}.rq").write_text(text, encoding="utf-8")
    return folder


@dataclass
class LiveServer:
    """A waitress server running the app in a thread on 127.0.0.1."""

    app: Flask
    store: KGStore
    settings: Settings
    url: str
    _server: object
    _thread: threading.Thread

    def stop(self) -> None:
        """Stop the server and close the store."""
        self._server.close()  # type: ignore[attr-defined]
        self._thread.join(timeout=5)
        self.store.close()


def start_server(root: Path) -> LiveServer:
    """Build the store under root and serve the app on a free loopback port."""
    from waitress.server import create_server

    from webapp import create_app

    settings, store = build_store(root / "store")
    app = create_app(settings, store=store)
    app.config["KG_QUERIES_DIR"] = str(write_saved_queries(root / "queries"))
    app.config["KG_TILE_URL"] = ""  # no tiles: the pages must work offline
    server = create_server(app, host="127.0.0.1", port=0, threads=6)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url + "/sparql", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return LiveServer(app, store, settings, url, server, thread)


_SHARED: dict[str, LiveServer] = {}


def shared_server(tmp_root: Path) -> LiveServer:
    """The one live server of this test process (started on first use, stopped at exit)."""
    if "server" not in _SHARED:
        server = start_server(tmp_root)
        _SHARED["server"] = server
        atexit.register(server.stop)
    return _SHARED["server"]


def iri(path: str) -> str:
    """A test resource IRI from its path under the base."""
    return BASE + path
