"""Descriptions of one resource for pages and content negotiation.

A description gathers a resource's label, types and names, its facts out and in (each with
the documents and quoted sentences of its provenance records, inferred facts marked), its
mentions in documents, and, as RDF, a graph a client can CONSTRUCT the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.namespaces import GEO, IKG, ITSRDF, NIF, PREFIXES, SCHEMA
from kg.store import KGStore

__all__ = [
    "Description",
    "DocumentText",
    "Fact",
    "Mention",
    "Source",
    "compact",
    "TermUsage",
    "describe",
    "description_graph",
    "document_text",
    "label_of",
    "local_name",
    "ontology_terms",
    "term_usage",
]

# Properties that name a resource, in order of preference for its display label.
NAME_PROPERTIES: tuple[URIRef, ...] = (
    RDFS.label, SKOS.prefLabel, DCTERMS.title, FOAF.name, SCHEMA.name, SKOS.altLabel, IKG.acronym,
)
# Plumbing that points at a resource without being a fact about it (shown as mentions).
_HIDDEN_IN: tuple[URIRef, ...] = (
    RDF.subject, RDF.object, ITSRDF.taIdentRef, NIF.sourceUrl, NIF.referenceContext,
)
MAX_FACTS = 1000
MAX_MENTIONS = 200

_NAMES = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
_HIDDEN = ", ".join(f"<{p}>" for p in _HIDDEN_IN)
_LABELS = "rdfs:label|skos:prefLabel|dcterms:title"


@dataclass
class Source:
    """Where a fact comes from: a document's sentence, or reference data (e.g. GeoNames)."""

    document: str | None = None
    document_label: str | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    sentence: str | None = None
    reference: str | None = None


@dataclass
class Fact:
    """One triple about the resource, seen from the resource (out) or towards it (in)."""

    property: str
    property_label: str
    value: Node
    value_label: str | None
    inferred: bool
    graphs: list[str]
    direction: str = "out"
    sources: list[Source] = field(default_factory=list)

    @property
    def value_is_iri(self) -> bool:
        """True when the value is an IRI (a link to another resource)."""
        return isinstance(self.value, URIRef)


@dataclass
class Mention:
    """A span of a document that names the resource."""

    document: str
    document_label: str
    anchor: str
    start: int
    end: int
    phrase: str


@dataclass
class NamedTerm:
    """An IRI with a display label (and whether it is only inferred)."""

    iri: str
    label: str
    inferred: bool = False


@dataclass
class Description:
    """Everything a resource page shows about one IRI."""

    iri: str
    label: str
    types: list[NamedTerm]
    names: list[tuple[str, str]]
    facts_out: list[Fact]
    facts_in: list[Fact]
    mentions: list[Mention]
    comments: list[str]
    lat: float | None = None
    long: float | None = None

    @property
    def type_iris(self) -> set[str]:
        """The IRIs of the resource's types."""
        return {t.iri for t in self.types}

    @property
    def is_document(self) -> bool:
        """True for a source document."""
        return str(IKG.Document) in self.type_iris


def compact(iri: str) -> str:
    """A prefixed name (schema:Project) for an IRI in a known namespace, else the IRI."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def local_name(iri: str) -> str:
    """The last segment of an IRI, for display when there is no label."""
    text = str(iri).rstrip("/#")
    for sep in ("#", "/", ":"):
        if sep in text:
            text = text.rsplit(sep, 1)[-1]
    return text or str(iri)


def _best(literals: Iterable[Node]) -> str | None:
    """The preferred literal: English or no language first, then the shortest text."""
    items = [lit for lit in literals if isinstance(lit, Literal)]
    if not items:
        return None
    items.sort(key=lambda lit: (lit.language not in (None, "en"), len(str(lit)), str(lit)))
    return str(items[0])


def labels_of(store: KGStore, iris: Iterable[str], chunk: int = 500) -> dict[str, str]:
    """Display labels of many IRIs at once: {iri: label} for those that have a name."""
    wanted = list(dict.fromkeys(str(i) for i in iris))
    found: dict[str, dict[str, list[Node]]] = {}
    for start in range(0, len(wanted), chunk):
        values = " ".join(f"<{i}>" for i in wanted[start:start + chunk])
        rows = store.select(
            f"SELECT ?r ?p ?name WHERE {{ VALUES ?r {{ {values} }} ?r ?p ?name . "
            f"VALUES ?p {{ {_NAMES} }} }}")
        for row in rows:
            found.setdefault(str(row["r"]), {}).setdefault(str(row["p"]), []).append(row["name"])
    out: dict[str, str] = {}
    for iri, by_prop in found.items():
        for prop in NAME_PROPERTIES:
            best = _best(by_prop.get(str(prop), []))
            if best:
                out[iri] = best
                break
    return out


def label_of(store: KGStore, iri: str | URIRef) -> str:
    """A resource's display label: its preferred name, else the end of its IRI."""
    rows = store.select(
        f"SELECT ?r ?p ?name WHERE {{ ?r ?p ?name . VALUES ?p {{ {_NAMES} }} }}",
        bindings={"r": URIRef(str(iri))},
    )
    for prop in NAME_PROPERTIES:
        best = _best(r["name"] for r in rows if r.get("p") == prop)
        if best:
            return best
    return local_name(str(iri))


def _int(node: Node | None) -> int | None:
    try:
        return int(node.toPython()) if node is not None else None  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None


def _float(node: Node | None) -> float | None:
    try:
        return float(node.toPython()) if node is not None else None  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None


def _collect_facts(rows: list[dict[str, Node]], other: str, inferred_graph: str,
                   direction: str) -> dict[tuple[str, Node], Fact]:
    """Group (property, value, graph) rows into facts keyed by (property, value)."""
    facts: dict[tuple[str, Node], Fact] = {}
    labels: dict[tuple[str, Node], dict[str, list[Node]]] = {}
    for row in rows:
        prop, value, graph = str(row["p"]), row[other], str(row["g"])
        key = (prop, value)
        fact = facts.get(key)
        if fact is None:
            fact = facts[key] = Fact(prop, "", value, None, False, [], direction)
            labels[key] = {"p": [], "v": [], "inv": []}
        if graph not in fact.graphs:
            fact.graphs.append(graph)
        for name, col in (("p", "pl"), ("v", "vl"), ("inv", "invl")):
            if row.get(col) is not None:
                labels[key][name].append(row[col])
    for key, fact in facts.items():
        fact.inferred = fact.graphs == [inferred_graph]
        # The ontology's own terms by their labels; aligned vocabularies by prefixed name,
        # so that ikg:mentions and its super-property schema:mentions stay apart.
        own = fact.property.startswith(str(IKG))
        plabel = (_best(labels[key]["p"]) or local_name(fact.property)) if own else compact(
            fact.property)
        if direction == "in":
            inverse = _best(labels[key]["inv"]) if own else None
            plabel = inverse or f"is “{plabel}” of"
        fact.property_label = plabel
        fact.value_label = _best(labels[key]["v"]) or (
            local_name(str(fact.value)) if isinstance(fact.value, URIRef) else None)
    return facts


def _sources(store: KGStore, iri: URIRef) -> dict[tuple[str, str, Node], list[Source]]:
    """Provenance of the facts about a resource, keyed by (direction, property, value)."""
    rows = store.select(
        """SELECT DISTINCT ?r ?dir ?p ?v ?src ?quote ?start ?end ?doc ?docid ?title WHERE {
          { ?st rdf:subject ?r ; rdf:predicate ?p ; rdf:object ?v . BIND("out" AS ?dir) }
          UNION
          { ?st rdf:object ?r ; rdf:predicate ?p ; rdf:subject ?v . BIND("in" AS ?dir) }
          ?st prov:wasDerivedFrom ?src .
          OPTIONAL { ?src nif:anchorOf ?quote }
          OPTIONAL { ?src nif:beginIndex ?start ; nif:endIndex ?end }
          OPTIONAL { ?src nif:referenceContext/nif:sourceUrl ?doc .
                     OPTIONAL { ?doc dcterms:identifier ?docid }
                     OPTIONAL { ?doc dcterms:title ?title } }
        } ORDER BY ?docid ?start LIMIT 5000""",
        bindings={"r": iri},
    )
    found: dict[tuple[str, str, Node], list[Source]] = {}
    for row in rows:
        key = (str(row["dir"]), str(row["p"]), row["v"])
        quote = row.get("quote")
        doc = row.get("doc")
        src = Source(
            document=str(doc) if doc is not None else None,
            document_label=str(row.get("docid") or row.get("title") or "") or (
                local_name(str(doc)) if doc is not None else None),
            quote=str(quote) if quote is not None else None,
            start=_int(row.get("start")),
            end=_int(row.get("end")),
            sentence=str(row["src"]) if quote is not None else None,
            reference=None if quote is not None else str(row["src"]),
        )
        bucket = found.setdefault(key, [])
        if src not in bucket:
            bucket.append(src)
    return found


def describe(store: KGStore, iri: str | URIRef) -> Description | None:
    """The description of a resource, or None when the store says nothing about it."""
    r = URIRef(str(iri))
    inferred_graph = str(store.minter.inferred_graph)
    out_rows = store.select(
        f"""SELECT ?r ?p ?o ?g (SAMPLE(?pl0) AS ?pl) (SAMPLE(?ol0) AS ?vl) WHERE {{
          GRAPH ?g {{ ?r ?p ?o }}
          OPTIONAL {{ ?p rdfs:label ?pl0 }} OPTIONAL {{ ?o {_LABELS} ?ol0 }}
        }} GROUP BY ?r ?p ?o ?g LIMIT {MAX_FACTS * 3}""",
        bindings={"r": r},
    )
    in_rows = store.select(
        f"""SELECT ?r ?p ?s ?g (SAMPLE(?pl0) AS ?pl) (SAMPLE(?sl0) AS ?vl)
                   (SAMPLE(?invl0) AS ?invl) WHERE {{
          GRAPH ?g {{ ?s ?p ?r }}
          FILTER(?p NOT IN ({_HIDDEN}))
          OPTIONAL {{ ?p rdfs:label ?pl0 }} OPTIONAL {{ ?s {_LABELS} ?sl0 }}
          OPTIONAL {{ {{ ?p owl:inverseOf ?inv }} UNION {{ ?inv owl:inverseOf ?p }}
                     ?inv rdfs:label ?invl0 }}
        }} GROUP BY ?r ?p ?s ?g LIMIT {MAX_FACTS * 3}""",
        bindings={"r": r},
    )
    mentions = _mentions(store, r)
    if not out_rows and not in_rows and not mentions:
        if not store.ask("ASK { ?x ?y ?r }", bindings={"r": r}):
            return None
    facts_out = _drop_restatements(_collect_facts(out_rows, "o", inferred_graph, "out"))
    facts_in = _drop_restatements(_collect_facts(in_rows, "s", inferred_graph, "in"))
    for (direction, prop, value), sources in _sources(store, r).items():
        fact = (facts_out if direction == "out" else facts_in).get((prop, value))
        if fact is not None:
            fact.sources.extend(sources)

    names: list[tuple[str, str]] = []
    by_prop: dict[str, list[Node]] = {}
    types: list[NamedTerm] = []
    comments: list[str] = []
    lat = long = None
    kept_out: list[Fact] = []
    for (prop, value), fact in facts_out.items():
        if prop == str(RDF.type) and isinstance(value, URIRef):
            label = (fact.value_label or local_name(str(value))
                     if str(value).startswith(str(IKG)) else compact(str(value)))
            types.append(NamedTerm(str(value), label, fact.inferred))
            continue
        if URIRef(prop) in NAME_PROPERTIES and isinstance(value, Literal):
            by_prop.setdefault(prop, []).append(value)
            kind = {str(IKG.acronym): "acronym", str(SKOS.altLabel): "alternative name"}.get(
                prop, "name")
            if (str(value), kind) not in names:
                names.append((str(value), kind))
            continue
        if prop in (str(RDFS.comment), str(DCTERMS.description)) and isinstance(value, Literal):
            comments.append(str(value))
        if prop == str(GEO.lat):
            lat = _float(value)
        if prop == str(GEO.long):
            long = _float(value)
        kept_out.append(fact)
    label = None
    for prop in NAME_PROPERTIES:
        label = _best(by_prop.get(str(prop), []))
        if label:
            break
    names.sort(key=lambda n: (n[1] != "name", n[0].casefold()))
    types.sort(key=lambda t: (t.inferred, t.label.casefold()))
    return Description(
        iri=str(r),
        label=label or local_name(str(r)),
        types=types,
        names=names,
        facts_out=_sorted(kept_out)[:MAX_FACTS],
        facts_in=_sorted(facts_in.values())[:MAX_FACTS],
        mentions=mentions,
        comments=comments,
        lat=lat,
        long=long,
    )


def _drop_restatements(facts: dict[tuple[str, Node], Fact]) -> dict[tuple[str, Node], Fact]:
    """Leave out inferred facts in aligned vocabularies (dcterms:hasPart for ikg:hasActivity,
    foaf:Project for ikg:Project …): they restate ikg facts and stay in the RDF exports."""
    return {
        key: fact for key, fact in facts.items()
        if not fact.inferred or fact.property.startswith(str(IKG))
        or (fact.property == str(RDF.type) and str(fact.value).startswith(str(IKG)))
    }


def _sorted(facts: Iterable[Fact]) -> list[Fact]:
    """Facts ordered by property label, asserted before inferred, then by value."""
    return sorted(facts, key=lambda f: (f.property_label.casefold(), f.inferred,
                                        (f.value_label or str(f.value)).casefold()))


def _mentions(store: KGStore, r: URIRef) -> list[Mention]:
    """NIF phrases that point at the resource, by document and position."""
    rows = store.select(
        f"""SELECT ?r ?phrase ?anchor ?start ?end ?doc ?docid WHERE {{
          ?phrase itsrdf:taIdentRef ?r ; nif:anchorOf ?anchor ;
                  nif:beginIndex ?start ; nif:endIndex ?end ;
                  nif:referenceContext/nif:sourceUrl ?doc .
          OPTIONAL {{ ?doc dcterms:identifier ?docid }}
        }} ORDER BY ?docid ?start LIMIT {MAX_MENTIONS}""",
        bindings={"r": r},
    )
    return [
        Mention(
            document=str(row["doc"]),
            document_label=str(row.get("docid") or local_name(str(row["doc"]))),
            anchor=str(row["anchor"]),
            start=_int(row["start"]) or 0,
            end=_int(row["end"]) or 0,
            phrase=str(row["phrase"]),
        )
        for row in rows
    ]


def description_graph(store: KGStore, iri: str | URIRef) -> Graph:
    """The resource's description as RDF: its triples out and in, the labels of what it links
    to, and the provenance records (with sentences) of its facts."""
    g = store.construct(
        f"""CONSTRUCT {{ ?r ?p ?o . ?s ?q ?r . ?n rdfs:label ?nl . ?st ?sp ?so .
                         ?sent ?tp ?to }}
        WHERE {{
          {{ ?r ?p ?o }}
          UNION {{ ?s ?q ?r . FILTER(?q NOT IN ({_HIDDEN})) }}
          UNION {{ {{ ?r ?x ?n }} UNION {{ ?n ?x ?r . FILTER(?x NOT IN ({_HIDDEN})) }}
                   FILTER(isIRI(?n)) ?n rdfs:label ?nl }}
          UNION {{ ?st rdf:subject|rdf:object ?r ; a rdf:Statement ; ?sp ?so }}
          UNION {{ ?st2 rdf:subject|rdf:object ?r ; a rdf:Statement ; prov:wasDerivedFrom ?sent .
                   ?sent ?tp ?to .
                   FILTER(?tp IN (rdf:type, nif:anchorOf, nif:beginIndex, nif:endIndex,
                                  nif:referenceContext)) }}
        }}""",
        bindings={"r": URIRef(str(iri))},
    )
    for prefix, ns in (("ikg", IKG), ("skos", SKOS), ("dcterms", DCTERMS), ("geo", GEO),
                       ("nif", NIF), ("schema", SCHEMA)):
        g.bind(prefix, ns)
    g.bind("prov", "http://www.w3.org/ns/prov#")
    return g


@dataclass
class Segment:
    """A piece of a document's text, linked to a resource when it is a mention."""

    text: str
    start: int
    end: int
    target: str | None = None
    target_label: str | None = None


@dataclass
class DocumentText:
    """A document's full text cut into plain and mention segments."""

    document: str
    text: str
    segments: list[Segment]
    mention_count: int


def document_text(store: KGStore, document: str | URIRef) -> DocumentText | None:
    """The text of a source document (nif:isString of its context) with its extracted
    mentions as linked segments; None when the store has no text for it."""
    doc = URIRef(str(document))
    rows = store.select(
        "SELECT ?doc ?ctx ?text WHERE { ?ctx nif:sourceUrl ?doc ; nif:isString ?text } LIMIT 1",
        bindings={"doc": doc},
    )
    if not rows:
        return None
    ctx, text = rows[0]["ctx"], str(rows[0]["text"])
    spans = store.select(
        """SELECT ?ctx ?start ?end ?target (SAMPLE(?l) AS ?label) WHERE {
          ?phrase nif:referenceContext ?ctx ; itsrdf:taIdentRef ?target ;
                  nif:beginIndex ?start ; nif:endIndex ?end .
          OPTIONAL { ?target rdfs:label ?l }
        } GROUP BY ?ctx ?start ?end ?target""",
        bindings={"ctx": ctx},
    )
    mentions = []
    for row in spans:
        start, end = _int(row.get("start")), _int(row.get("end"))
        if start is None or end is None or not 0 <= start < end <= len(text):
            continue
        label = row.get("label")
        mentions.append((start, end, str(row["target"]),
                         str(label) if label is not None else local_name(str(row["target"]))))
    mentions.sort(key=lambda m: (m[0], -(m[1] - m[0]), m[2]))
    segments: list[Segment] = []
    pos = 0
    for start, end, target, label in mentions:
        if start < pos:  # overlapping mention: the earlier, longer one wins
            continue
        if start > pos:
            segments.append(Segment(text[pos:start], pos, start))
        segments.append(Segment(text[start:end], start, end, target, label))
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:], pos, len(text)))
    return DocumentText(str(doc), text, segments, len(mentions))


@dataclass
class TermUsage:
    """How an ontology term is used: instances of a class, uses of a property."""

    instances: list[NamedTerm]
    instance_count: int
    use_count: int


def term_usage(store: KGStore, term: str | URIRef, limit: int = 50) -> TermUsage:
    """Instances (for a class) and number of uses (for a property) of a term."""
    t = URIRef(str(term))
    rows = store.select(
        f"""SELECT ?t ?x (SAMPLE(?l) AS ?label) WHERE {{
              ?x a ?t . OPTIONAL {{ ?x rdfs:label ?l }} }}
            GROUP BY ?t ?x ORDER BY LCASE(STR(SAMPLE(?l))) LIMIT {int(limit)}""",
        bindings={"t": t},
    )
    count = store.select("SELECT ?t (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?t } GROUP BY ?t",
                         bindings={"t": t})
    uses = store.select("SELECT ?t (COUNT(*) AS ?n) WHERE { ?s ?t ?o } GROUP BY ?t",
                        bindings={"t": t})
    return TermUsage(
        instances=[NamedTerm(str(r["x"]), str(r.get("label") or local_name(str(r["x"]))))
                   for r in rows if isinstance(r.get("x"), URIRef)],
        instance_count=_int(count[0].get("n")) or 0 if count else 0,
        use_count=_int(uses[0].get("n")) or 0 if uses else 0,
    )


@dataclass
class OntologyTerm:
    """A class or property of the product's ontology."""

    iri: str
    name: str
    kind: str
    label: str
    comment: str


def ontology_terms(store: KGStore) -> list[OntologyTerm]:
    """The ontology's classes and properties (ikg: namespace), sorted by kind and name."""
    rows = store.select(
        f"""SELECT ?t ?kind (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?comment) WHERE {{
          ?t a ?type . FILTER(STRSTARTS(STR(?t), "{IKG}"))
          VALUES (?type ?kind) {{ (owl:Class "class") (rdfs:Class "class")
            (owl:ObjectProperty "property") (owl:DatatypeProperty "property")
            (owl:AnnotationProperty "property") (rdf:Property "property") }}
          OPTIONAL {{ ?t rdfs:label ?l }} OPTIONAL {{ ?t rdfs:comment ?c }}
        }} GROUP BY ?t ?kind"""
    )
    terms: dict[str, OntologyTerm] = {}
    for row in rows:
        iri = str(row["t"])
        name = iri[len(str(IKG)):]
        terms.setdefault(iri, OntologyTerm(iri, name, str(row["kind"]),
                                           str(row.get("label") or name),
                                           str(row.get("comment") or "")))
    return sorted(terms.values(), key=lambda t: (t.kind, t.name.casefold()))
