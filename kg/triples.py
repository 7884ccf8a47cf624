"""Resolved entities and relations to RDF triples with provenance (pure: no I/O but the ontology files)."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.term import Node

from kg.model import Relation, Span
from kg.namespaces import GEO, IKG, ITSRDF, NIF, ORG, PROV, Minter, cached, geonames_iri, slugify
from kg.resolve import Resolved, ResolvedEntity, type_iri
from kg.settings import PROJECT_ROOT

Triple = tuple[Node, Node, Node]
# Caching copies of rdflib's namespaces: the same terms, built once.
DCTERMS, FOAF, RDF, RDFS, SKOS, XSD = (cached(n) for n in (ns.DCTERMS, ns.FOAF, ns.RDF, ns.RDFS, ns.SKOS, ns.XSD))
LITERAL_TYPES = {"date": XSD.date, "gYearMonth": XSD.gYearMonth, "gYear": XSD.gYear, "string": XSD.string}


def ontology_dir() -> Path:
    """Folder of the ontology files (source checkout, or KG_ONTOLOGY_DIR)."""
    import os

    return Path(os.environ.get("KG_ONTOLOGY_DIR", PROJECT_ROOT / "ontology"))


@functools.lru_cache(maxsize=1)
def _ontology_graph() -> Graph:
    g = Graph()
    for name in ("integration.ttl", "themes.ttl"):
        g.parse(ontology_dir() / name, format="turtle")
    return g


def ontology_triples() -> list[Triple]:
    """The ontology and the theme scheme, for the ontology graph."""
    return list(_ontology_graph())


@functools.lru_cache(maxsize=65536)
def _integer(n: int) -> Literal:
    """An xsd:integer literal (offsets and populations repeat across documents: built once)."""
    return Literal(n, datatype=XSD.integer)


@functools.lru_cache(maxsize=65536)
def _decimal(value: float, digits: int) -> Literal:
    """An xsd:decimal literal of a value rounded to `digits`."""
    return Literal(Decimal(str(round(value, digits))), datatype=XSD.decimal)


@functools.lru_cache(maxsize=65536)
def _plain(text: str) -> Literal:
    """A plain string literal of a short, often repeated text (labels, rule names, codes)."""
    return Literal(text)


def _char_iri(doc_iri: URIRef, start: int, end: int) -> URIRef:
    return URIRef(f"{doc_iri}#char={start},{end}")


def document_triples(resolved: Resolved, minter: Minter, *, threshold: float = 0.0) -> list[Triple]:
    """Every triple of one document's graph: the document, its entities, facts and provenance."""
    ex = resolved.extraction
    doc = ex.document
    out: list[Triple] = []
    add = out.append
    doc_iri = minter.document(doc.id)
    context = _char_iri(doc_iri, 0, len(doc.text))
    add((doc_iri, RDF.type, IKG.Document))
    add((doc_iri, RDF.type, FOAF.Document))
    add((doc_iri, DCTERMS.identifier, Literal(doc.id)))
    add((doc_iri, RDFS.label, Literal(doc.title or doc.id)))
    if doc.title:
        add((doc_iri, DCTERMS.title, Literal(doc.title)))
    if doc.date:
        add((doc_iri, DCTERMS.date, Literal(doc.date.isoformat(), datatype=XSD.date)))
    if doc.source:
        add((doc_iri, DCTERMS.source, URIRef(doc.source) if doc.source.startswith("http") else Literal(doc.source)))
    add((doc_iri, DCTERMS["format"], Literal(doc.format)))
    add((doc_iri, DCTERMS.language, Literal(doc.language)))
    add((context, RDF.type, NIF.String))
    add((context, RDF.type, NIF.Context))
    add((context, NIF.isString, Literal(doc.text)))
    add((context, NIF.beginIndex, _integer(0)))
    add((context, NIF.endIndex, _integer(len(doc.text))))
    add((context, NIF.sourceUrl, doc_iri))

    sentences: set[Span] = set()

    def sentence_iri(span: Span) -> URIRef:
        sentences.add(span)
        return _char_iri(doc_iri, span.start, span.end)

    countries: dict[int, list[object]] = {}
    for r in resolved.entities.values():
        _entity_triples(r, doc_iri, context, out, doc.text, countries)
    for cities in countries.values():
        for info in cities:
            _place_triples(info, minter, doc_iri, out)

    for rel in ex.relations:
        if rel.confidence < threshold:
            continue
        triple = _relation_triple(rel, resolved)
        if triple is None:
            continue
        add(triple)
        st = minter.statement(doc.id, *(str(t) for t in triple))
        add((st, RDF.type, RDF.Statement))
        add((st, RDF.subject, triple[0]))
        add((st, RDF.predicate, triple[1]))
        add((st, RDF.object, triple[2]))
        add((st, IKG.extractedBy, _plain(rel.rule)))
        add((st, IKG.confidence, _decimal(rel.confidence, 3)))
        if rel.sentence is not None:
            add((st, PROV.wasDerivedFrom, sentence_iri(rel.sentence)))
        else:
            add((st, PROV.wasDerivedFrom, doc_iri))

    _roles(resolved, minter, out, sentence_iri)

    for span in sentences:
        _nif_string(out, doc_iri, context, NIF.Sentence, span.start, span.end, doc.text)
    return list(dict.fromkeys(out))


def _entity_triples(
    r: ResolvedEntity,
    doc_iri: URIRef,
    context: URIRef,
    out: list[Triple],
    text: str,
    countries: dict[int, list[object]],
) -> None:
    ent = r.entity
    s = r.iri
    add = out.append
    add((s, RDF.type, type_iri(ent)))
    add((s, RDFS.label, _plain(r.label)))
    for n in sorted(r.names | r.acronyms):
        if n != r.label:
            add((s, SKOS.altLabel, _plain(n)))
    for a in sorted(r.acronyms):
        add((s, IKG.acronym, _plain(a)))
    add((s, IKG.mentionedIn, doc_iri))
    if ent.type == "Event" and ent.attrs.get("category"):
        add((s, IKG.eventCategory, Literal(str(ent.attrs["category"]))))
    if ent.type in ("Project", "Event", "Activity", "Organisation"):
        for theme in entity_themes(ent):
            add((s, IKG.hasTheme, theme))
    if ent.type == "Place":
        info = ent.attrs["place"]
        _place_facts(s, info, out)
        if info.kind == "City" and info.country_geonames_id:
            countries.setdefault(info.country_geonames_id, []).append(info)
    for m in ent.mentions:
        phrase = _nif_string(out, doc_iri, context, NIF.Phrase, m.start, m.end, text)
        add((phrase, ITSRDF.taIdentRef, s))
        add((phrase, IKG.resolvedBy, _plain(r.rule)))


def _nif_string(
    out: list[Triple], doc_iri: URIRef, context: URIRef, kind: URIRef, start: int, end: int, text: str
) -> URIRef:
    """A NIF sentence or phrase: a span of the document's text by character offsets."""
    iri = _char_iri(doc_iri, start, end)
    out += [
        (iri, RDF.type, NIF.String),
        (iri, RDF.type, kind),
        (iri, NIF.referenceContext, context),
        (iri, NIF.beginIndex, _integer(start)),
        (iri, NIF.endIndex, _integer(end)),
        (iri, NIF.anchorOf, Literal(text[start:end])),
    ]
    return iri


def entity_themes(ent: object) -> list[URIRef]:
    """Themes of an entity: the theme scheme's keywords matched in the sentences that mention it
    (see kg.themes), most hits first."""
    sentences = {m.sentence.text for m in ent.mentions}  # type: ignore[attr-defined]
    hits: dict[URIRef, int] = {}
    for sentence in sentences:
        for theme, n in _theme_hits(sentence):
            hits[theme] = hits.get(theme, 0) + n
    return [t for t, _ in sorted(hits.items(), key=lambda tn: (-tn[1], str(tn[0])))]


@functools.lru_cache(maxsize=8192)
def _theme_hits(sentence: str) -> tuple[tuple[URIRef, int], ...]:
    """Keyword hits of each theme of the shipped scheme in a sentence (the entities of a sentence
    share it: matched once)."""
    from kg.themes import count_theme_hits, load_scheme

    return tuple(count_theme_hits(sentence, load_scheme()).items())


def _place_facts(s: URIRef, info: object, out: list[Triple]) -> None:
    add = out.append
    add((s, SKOS.exactMatch, geonames_iri(info.geonames_id)))  # type: ignore[attr-defined]
    if getattr(info, "lat", None) is not None and getattr(info, "lon", None) is not None:
        add((s, GEO.lat, _decimal(info.lat, 5)))  # type: ignore[attr-defined]
        add((s, GEO.long, _decimal(info.lon, 5)))  # type: ignore[attr-defined]
    if getattr(info, "country_code", ""):
        add((s, IKG.countryCode, _plain(info.country_code)))  # type: ignore[attr-defined]
    if getattr(info, "population", 0):
        add((s, IKG.population, _integer(int(info.population))))  # type: ignore[attr-defined]


def _place_triples(city: object, minter: Minter, doc_iri: URIRef, out: list[Triple]) -> None:
    """A city's country from GeoNames: the country resource and the city's locatedIn link."""
    from kg.reference.places import country_by_code

    country = country_by_code(city.country_code)  # type: ignore[attr-defined]
    if country is None:
        return
    c = minter.place(country.geonames_id)
    city_iri = minter.place(city.geonames_id)  # type: ignore[attr-defined]
    out.append((c, RDF.type, IKG.Country))
    out.append((c, RDFS.label, Literal(country.name)))
    _place_facts(c, country, out)
    out.append((city_iri, IKG.locatedIn, c))
    st = minter.statement(str(doc_iri), str(city_iri), str(IKG.locatedIn), str(c))
    out.append((st, RDF.type, RDF.Statement))
    out.append((st, RDF.subject, city_iri))
    out.append((st, RDF.predicate, IKG.locatedIn))
    out.append((st, RDF.object, c))
    out.append((st, IKG.extractedBy, _plain("geonames-country")))
    out.append((st, PROV.wasDerivedFrom, geonames_iri(city.geonames_id)))  # type: ignore[attr-defined]


def _relation_triple(rel: Relation, resolved: Resolved) -> Triple | None:
    subj = resolved.entities.get(rel.subject)
    if subj is None:
        return None
    pred = IKG[rel.predicate]
    if rel.literal:
        dt = LITERAL_TYPES.get(rel.datatype or "string", XSD.string)
        return subj.iri, pred, Literal(str(rel.object), datatype=dt)
    obj = resolved.entities.get(str(rel.object))
    if obj is None:
        return None
    if not _types_fit(rel.predicate, subj, obj):
        return None
    return subj.iri, pred, obj.iri


# What each property may link, so that no rule turns a person into a partner organisation.
_FIT = {
    "hasPartner": ({"Project"}, {"Organisation"}),
    "coordinator": ({"Project"}, {"Organisation"}),
    "fundedBy": ({"Project"}, {"FundingProgramme"}),
    "operatesIn": ({"Project"}, {"Place"}),
    "memberOf": ({"Person"}, {"Organisation"}),
    "collaboratesWith": ({"Organisation"}, {"Organisation"}),
    "participatedIn": ({"Organisation", "Person"}, {"Event", "Activity"}),
    "organisedBy": ({"Event", "Activity"}, {"Organisation", "Person"}),
    "activityOf": ({"Event", "Activity"}, {"Project"}),
    "subEventOf": ({"Event"}, {"Event"}),
    "locatedIn": ({"Organisation", "Place", "Event", "Activity"}, {"Place"}),
}


def _types_fit(pred: str, subj: ResolvedEntity, obj: ResolvedEntity) -> bool:
    fit = _FIT.get(pred)
    if fit is None:
        return True
    if pred == "organisedBy" and obj.entity.type == "Person" and subj.entity.type == "Event":
        return True
    return subj.entity.type in fit[0] and obj.entity.type in fit[1]


def _roles(resolved: Resolved, minter: Minter, out: list[Triple], sentence_iri: object) -> None:
    """org:Membership with a role for "Name, role at Org"."""
    for r in resolved.entities.values():
        for org_key, role, span in r.entity.attrs.get("roles", []):  # type: ignore[union-attr]
            org = resolved.entities.get(org_key)
            if org is None or org.entity.type != "Organisation":
                continue
            ms = minter.resource("membership", slugify(f"{r.iri}-{org.iri}-{role}", 120))
            role_iri = minter.resource("Role", slugify(role))
            out.append((ms, RDF.type, ORG.Membership))
            out.append((ms, ORG.member, r.iri))
            out.append((ms, ORG.organization, org.iri))
            out.append((ms, ORG.role, role_iri))
            out.append((ms, PROV.wasDerivedFrom, sentence_iri(span)))  # type: ignore[operator]
            out.append((role_iri, RDF.type, ORG.Role))
            out.append((role_iri, RDFS.label, Literal(role)))
