"""A seeded generator of synthetic instance graphs in the ikg vocabulary, for reasoner tests
and benchmarks.

`generate(n)` returns an rdflib Graph of about `n` triples: countries, regions and cities
linked by `ikg:locatedIn`; organisations located in cities, collaborating with each other;
projects with partners, coordinators, funding programmes and activities; events nested with
`ikg:subEventOf`, organised by organisations and attended by organisations and persons.
`MINI_ONTOLOGY` is a small ontology with the axioms the reasoner has to honour (the real one is
`ontology/integration.ttl`).

Run ``python -m benchmarks.reasoning_graph 5000 50000`` to time both engines.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.namespaces import IKG

DEFAULT_BASE = "https://w3id.org/integration-kg/resource/"

MINI_ONTOLOGY = """
@prefix ikg: <https://w3id.org/integration-kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/integration-kg/ontology> a owl:Ontology .

ikg:Project a owl:Class .
ikg:Organisation a owl:Class .
ikg:LocalAuthority a owl:Class ; rdfs:subClassOf ikg:Organisation .
ikg:NGO a owl:Class ; rdfs:subClassOf ikg:Organisation .
ikg:PublicBody a owl:Class ; rdfs:subClassOf ikg:Organisation .
ikg:Person a owl:Class .
ikg:Place a owl:Class .
ikg:City a owl:Class ; rdfs:subClassOf ikg:Place .
ikg:Region a owl:Class ; rdfs:subClassOf ikg:Place .
ikg:Country a owl:Class ; rdfs:subClassOf ikg:Place .
ikg:Activity a owl:Class .
ikg:Event a owl:Class ; rdfs:subClassOf ikg:Activity .
ikg:FundingProgramme a owl:Class .

ikg:hasPartner a owl:ObjectProperty ; rdfs:domain ikg:Project ; rdfs:range ikg:Organisation ;
    owl:inverseOf ikg:partnerIn .
ikg:partnerIn a owl:ObjectProperty .
ikg:coordinator a owl:ObjectProperty ; rdfs:subPropertyOf ikg:hasPartner .
ikg:locatedIn a owl:ObjectProperty, owl:TransitiveProperty ; rdfs:range ikg:Place .
ikg:operatesIn a owl:ObjectProperty ; rdfs:domain ikg:Project ; rdfs:range ikg:Place ;
    owl:propertyChainAxiom ( ikg:hasPartner ikg:locatedIn ) .
ikg:fundedBy a owl:ObjectProperty ; rdfs:domain ikg:Project ; rdfs:range ikg:FundingProgramme .
ikg:participatedIn a owl:ObjectProperty ; rdfs:range ikg:Activity ;
    owl:inverseOf ikg:participant ;
    owl:propertyChainAxiom ( ikg:participatedIn ikg:subEventOf ) .
ikg:participant a owl:ObjectProperty .
ikg:organisedBy a owl:ObjectProperty ; rdfs:domain ikg:Activity ; rdfs:range ikg:Organisation .
ikg:organised a owl:ObjectProperty ; owl:inverseOf ikg:organisedBy ;
    rdfs:subPropertyOf ikg:participatedIn .
ikg:subEventOf a owl:ObjectProperty ; rdfs:domain ikg:Event ; rdfs:range ikg:Event .
ikg:activityOf a owl:ObjectProperty ; rdfs:domain ikg:Activity ; rdfs:range ikg:Project ;
    owl:inverseOf ikg:hasActivity .
ikg:hasActivity a owl:ObjectProperty .
ikg:memberOf a owl:ObjectProperty ; rdfs:domain ikg:Person ; rdfs:range ikg:Organisation .
ikg:collaboratesWith a owl:ObjectProperty, owl:SymmetricProperty ;
    rdfs:domain ikg:Organisation ; rdfs:range ikg:Organisation .
ikg:projectNumber a owl:DatatypeProperty ; rdfs:domain ikg:Project .
ikg:date a owl:DatatypeProperty .
ikg:acronym a owl:DatatypeProperty .

ikg:operatesIn owl:propertyChainAxiom ( ikg:hasActivity ikg:locatedIn ) ,
    ( ikg:operatesIn ikg:locatedIn ) .
"""

log = logging.getLogger(__name__)

ORG_CLASSES = (IKG.Organisation, IKG.LocalAuthority, IKG.NGO, IKG.PublicBody)


def mini_ontology() -> Graph:
    """The small test ontology: the core axioms of ontology/integration.ttl."""
    g = Graph()
    g.parse(data=MINI_ONTOLOGY, format="turtle")
    return g


def generate(n_triples: int, seed: int = 0, *, base: str = DEFAULT_BASE) -> Graph:
    """A synthetic instance graph of about `n_triples` triples, the same for the same seed."""
    rng = random.Random(seed)
    ns = Namespace(base)
    g = Graph()
    # Roughly 1 country : 3 regions : 12 cities : 40 orgs : 12 projects : 40 events : 30 persons,
    # about 1,300 triples per "unit"; scale the unit count to the target size.
    units = max(1, round(n_triples / 1300))
    countries = [ns[f"place/country-{i}"] for i in range(units)]
    regions: list[URIRef] = []
    cities: list[URIRef] = []
    for c in countries:
        g.add((c, RDF.type, IKG.Country))
        g.add((c, RDFS.label, Literal(f"Country {c.split('-')[-1]}")))
    for i in range(units * 3):
        r = ns[f"place/region-{i}"]
        regions.append(r)
        g.add((r, RDF.type, IKG.Region))
        g.add((r, RDFS.label, Literal(f"Region {i}")))
        g.add((r, IKG.locatedIn, countries[i % units]))
    for i in range(units * 12):
        c = ns[f"place/city-{i}"]
        cities.append(c)
        g.add((c, RDF.type, IKG.City))
        g.add((c, RDFS.label, Literal(f"City {i}")))
        g.add((c, IKG.locatedIn, regions[i % len(regions)]))
        if rng.random() < 0.3:  # some cities also state their country directly
            g.add((c, IKG.locatedIn, countries[(i % len(regions)) % units]))
    programmes = [ns[f"programme/prog-{i}"] for i in range(5)]
    for p in programmes:
        g.add((p, RDF.type, IKG.FundingProgramme))
        g.add((p, RDFS.label, Literal(p.rsplit("/", 1)[-1].upper())))
    orgs: list[URIRef] = []
    for i in range(units * 40):
        o = ns[f"organisation/org-{i}"]
        orgs.append(o)
        if rng.random() < 0.8:  # some organisations are only typed by inference
            g.add((o, RDF.type, rng.choice(ORG_CLASSES)))
        g.add((o, RDFS.label, Literal(f"Organisation {i}", lang="en")))
        g.add((o, IKG.locatedIn, rng.choice(cities)))
    for o in orgs:
        for other in rng.sample(orgs, k=min(2, len(orgs))):
            if other != o and rng.random() < 0.5:
                g.add((o, IKG.collaboratesWith, other))
    projects: list[URIRef] = []
    for i in range(units * 12):
        p = ns[f"project/proj-{i}"]
        projects.append(p)
        if rng.random() < 0.7:
            g.add((p, RDF.type, IKG.Project))
        g.add((p, RDFS.label, Literal(f"Project {i}")))
        g.add((p, IKG.acronym, Literal(f"P{i}")))
        g.add((p, IKG.projectNumber, Literal(str(100000 + i))))
        g.add((p, IKG.fundedBy, rng.choice(programmes)))
        partners = rng.sample(orgs, k=min(len(orgs), rng.randint(2, 6)))
        g.add((p, IKG.coordinator, partners[0]))
        for o in partners[1:]:
            if rng.random() < 0.8:
                g.add((p, IKG.hasPartner, o))
            else:
                g.add((o, IKG.partnerIn, p))
        if rng.random() < 0.3:
            g.add((p, IKG.operatesIn, rng.choice(cities + regions)))
    persons = [ns[f"person/person-{i}"] for i in range(units * 30)]
    for i, person in enumerate(persons):
        g.add((person, RDF.type, IKG.Person))
        g.add((person, RDFS.label, Literal(f"Person {i}")))
        g.add((person, IKG.memberOf, rng.choice(orgs)))
    events: list[URIRef] = []
    for i in range(units * 40):
        e = ns[f"event/event-{i}"]
        g.add((e, RDF.type, IKG.Event if rng.random() < 0.7 else IKG.Activity))
        g.add((e, RDFS.label, Literal(f"Event {i}")))
        g.add((e, IKG.date, Literal(f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", datatype=XSD.date)))
        if events and rng.random() < 0.4:  # a workshop of an earlier conference
            g.add((e, IKG.subEventOf, rng.choice(events[-20:])))
        events.append(e)
        g.add((e, IKG.locatedIn, rng.choice(cities)))
        project = rng.choice(projects)
        if rng.random() < 0.7:
            g.add((e, IKG.activityOf, project))
        else:
            g.add((project, IKG.hasActivity, e))
        organiser = rng.choice(orgs)
        if rng.random() < 0.8:
            g.add((e, IKG.organisedBy, organiser))
        else:
            g.add((organiser, IKG.organised, e))
        for who in rng.sample(orgs + persons, k=3):
            if rng.random() < 0.7:
                g.add((who, IKG.participatedIn, e))
            else:
                g.add((e, IKG.participant, who))
    # Top up with labels/acronyms on random resources until the target size is met.
    everything = orgs + projects + events + persons
    i = 0
    while len(g) < n_triples:
        g.add((rng.choice(everything), RDFS.comment, Literal(f"note {i}")))
        i += 1
    return g


def main(argv: list[str] | None = None) -> None:
    """Time the reasoning engines on generated graphs of the given sizes."""
    from kg.reasoning import infer, is_ikg_triple

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[5000, 50000])
    parser.add_argument("--engines", default="fast,owlrl")
    parser.add_argument("--ontology", help="ontology file (default: the small test ontology)")
    args = parser.parse_args(argv)
    ontology = Graph().parse(args.ontology) if args.ontology else mini_ontology()
    for size in args.sizes:
        data = generate(size)
        results = {}
        for engine in args.engines.split(","):
            start = time.perf_counter()
            inferred = infer(ontology, data, engine=engine)
            seconds = time.perf_counter() - start
            ikg = {t for t in inferred if is_ikg_triple(t)}
            results[engine] = ikg
            print(f"{len(data):>7} triples  {engine:<6} {seconds:8.2f} s  "
                  f"inferred {len(inferred):>7}  ikg {len(ikg):>7}")
        if len(results) == 2:
            a, b = results.values()
            print(f"        same ikg triples: {a == b} (only-first {len(a - b)}, "
                  f"only-second {len(b - a)})")


if __name__ == "__main__":
    main()
