"""Self-descriptions of the graph: VoID/DCAT for the dataset, SPARQL Service Description."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from kg.namespaces import DCAT, IKG, PREFIXES, PROV, VOID
from kg.settings import Settings
from kg.store import KGStore

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

# The licence of the published graph. GeoNames data (CC BY 4.0) is part of it, so the graph
# as a whole is offered under the same terms, with the credits below.
DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
GEONAMES = URIRef("https://www.geonames.org/")
SPACY = URIRef("https://spacy.io/")
MIT_LICENSE = URIRef("https://opensource.org/licenses/MIT")

# Vocabularies the graph uses (void:vocabulary).
VOCABULARIES = ("ikg", "rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "foaf", "schema", "org",
                "prov", "geo", "nif", "itsrdf")

RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


def _bind(g: Graph) -> Graph:
    """Bind the product's prefixes plus the description vocabularies."""
    # replace=True: rdflib binds some prefixes itself (geo: to GeoSPARQL), which would push
    # ours aside as geo1: and the like.
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    g.bind("void", VOID, override=True, replace=True)
    g.bind("dcat", DCAT, override=True, replace=True)
    g.bind("sd", SD, override=True, replace=True)
    g.bind("formats", FORMATS, override=True, replace=True)
    return g


def service_description(store: KGStore, endpoint_url: str) -> Graph:
    """A SPARQL 1.1 Service Description of the read-only endpoint at endpoint_url."""
    g = _bind(Graph())
    service = URIRef(endpoint_url)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if getattr(getattr(store, "settings", None), "service_allow", ()):
        g.add((service, SD.feature, SD.BasicFederatedQuery))  # only to the endpoints KG_SERVICE_ALLOW lists
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add((service, RDFS.comment, Literal(
        "Read-only. The default graph is the union of the graphs chosen with the `graphs` "
        "parameter (all, asserted, inferred; default all); default-graph-uri and "
        "named-graph-uri are honoured.", lang="en")))
    dataset = BNode()
    default = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    for graph_iri in store.named_graphs():
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, graph_iri))
    return g


def _count(store: KGStore, sparql: str) -> int:
    """The integer ?n of a one-row count query (0 when empty)."""
    rows = store.select(sparql)
    value = rows[0].get("n") if rows else None
    return int(value.toPython()) if value is not None else 0


def dataset_statistics(store: KGStore) -> dict[str, object]:
    """Counts that describe the graph: triples, entities, documents, classes, properties."""
    classes = store.select(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } "
        "GROUP BY ?class ORDER BY DESC(?n)"
    )
    return {
        "triples": store.count("all"),
        "asserted": store.count("asserted"),
        "inferred": store.count("inferred"),
        "documents": _count(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a ikg:Document }"),
        "subjects": _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "properties": _count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": [(row["class"], int(row["n"].toPython())) for row in classes
                    if isinstance(row.get("class"), URIRef)],
    }


def void_description(
    store: KGStore, settings: Settings, site_url: str, *, title: str = "integration-kg"
) -> Graph:
    """VoID + DCAT description of the dataset served at site_url (counts, vocabularies,
    endpoint, dumps, licence and credits)."""
    site = site_url.rstrip("/")
    g = _bind(Graph())
    g.bind("foaf", FOAF)
    ds = URIRef(f"{site}/.well-known/void#dataset")
    stats = dataset_statistics(store)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "A knowledge graph of migrant-integration projects, organisations, places and events "
        "extracted from documents, with the provenance of every fact.", lang="en")))
    g.add((ds, DCTERMS.license, DATA_LICENSE))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{site}/sparql")))
    g.add((ds, VOID.uriSpace, Literal(settings.base_iri)))
    g.add((ds, VOID.exampleResource, URIRef(settings.base_iri)))
    g.add((ds, VOID.triples, Literal(stats["triples"], datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(stats["subjects"], datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(stats["properties"], datatype=XSD.integer)))
    g.add((ds, VOID.documents, Literal(stats["documents"], datatype=XSD.integer)))
    classes = stats["classes"]
    assert isinstance(classes, list)
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for cls, n in classes:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for prefix in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(PREFIXES[prefix])))
    g.add((ds, VOID.vocabulary, URIRef(str(IKG))))
    # Dumps, one distribution per export format.
    media = {"nquads": "application/n-quads", "trig": "application/trig",
             "turtle": "text/turtle", "jsonld": "application/ld+json"}
    for fmt, media_type in media.items():
        url = URIRef(f"{site}/export?format={fmt}")
        dist = URIRef(f"{site}/.well-known/void#dump-{fmt}")
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, Literal(media_type)))
        g.add((dist, DCTERMS.license, DATA_LICENSE))
    service = URIRef(f"{site}/sparql")
    g.add((ds, DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    # Credits: GeoNames (CC BY 4.0) and the spaCy pipeline.
    g.add((ds, DCTERMS.source, GEONAMES))
    g.add((GEONAMES, RDF.type, DCAT.Dataset))
    g.add((GEONAMES, DCTERMS.title, Literal("GeoNames", lang="en")))
    g.add((GEONAMES, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((GEONAMES, DCTERMS.rightsHolder, Literal("GeoNames (www.geonames.org)")))
    g.add((GEONAMES, RDFS.comment, Literal(
        "Place names, coordinates and country links come from GeoNames, licensed under "
        "CC BY 4.0.", lang="en")))
    pipeline = URIRef(f"{site}/.well-known/void#nlp-pipeline")
    g.add((ds, PROV.wasGeneratedBy, pipeline))
    g.add((pipeline, RDF.type, PROV.Activity))
    g.add((pipeline, PROV.used, SPACY))
    g.add((SPACY, RDF.type, PROV.SoftwareAgent))
    g.add((SPACY, RDFS.label, Literal(f"spaCy with the pipeline {settings.spacy_model}")))
    g.add((SPACY, DCTERMS.license, MIT_LICENSE))
    g.add((SPACY, RDFS.comment, Literal(
        "Entities and sentences are recognised with spaCy (MIT licence, Explosion AI) and the "
        f"{settings.spacy_model} pipeline.", lang="en")))
    return g


def void_summary(g: Graph, site_url: str) -> dict[str, object]:
    """The dataset description of `void_description` as plain data for an HTML page."""
    ds = URIRef(f"{site_url.rstrip('/')}/.well-known/void#dataset")

    def one(p: URIRef) -> str:
        value = g.value(ds, p)
        return str(value) if value is not None else ""

    counts = [(label, int(g.value(ds, p).toPython())) for label, p in (  # type: ignore[union-attr]
        ("triples", VOID.triples), ("distinct subjects", VOID.distinctSubjects),
        ("properties", VOID.properties), ("classes", VOID.classes),
        ("documents", VOID.documents)) if g.value(ds, p) is not None]
    classes = sorted(((str(g.value(part, VOID["class"])), int(g.value(part, VOID.entities).toPython()))  # type: ignore[union-attr]
                      for part in g.objects(ds, VOID.classPartition)),
                     key=lambda kv: (-kv[1], kv[0]))
    dumps = sorted((str(g.value(dist, DCAT.downloadURL)), str(g.value(dist, DCAT.mediaType)))
                   for dist in g.objects(ds, DCAT.distribution))
    return {
        "iri": str(ds), "title": one(DCTERMS.title), "description": one(DCTERMS.description),
        "license": one(DCTERMS.license), "endpoint": one(VOID.sparqlEndpoint),
        "uri_space": one(VOID.uriSpace), "counts": counts, "classes": classes, "dumps": dumps,
        "vocabularies": sorted(str(v) for v in g.objects(ds, VOID.vocabulary)),
    }


def credits() -> list[dict[str, str]]:
    """Human-readable credits for pages: name, licence, link."""
    return [
        {"name": "GeoNames", "licence": "CC BY 4.0", "url": str(GEONAMES),
         "text": "Place names, coordinates and countries from GeoNames (www.geonames.org)."},
        {"name": "spaCy", "licence": "MIT", "url": str(SPACY),
         "text": "Entity and sentence recognition with spaCy (Explosion AI)."},
    ]


def type_counts(store: KGStore) -> list[tuple[str, str, int]]:
    """(class IRI, label, number of instances) for the ontology's classes in use, largest first."""
    rows = store.select(
        f"""SELECT ?class (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?s) AS ?n) WHERE {{
          ?s a ?class . FILTER(STRSTARTS(STR(?class), "{IKG}"))
          OPTIONAL {{ ?class rdfs:label ?l }}
        }} GROUP BY ?class ORDER BY DESC(?n)"""
    )
    return [(str(r["class"]), str(r.get("label") or str(r["class"]).split("#")[-1]),
             int(r["n"].toPython())) for r in rows]


def document_list(store: KGStore, limit: int = 500) -> list[dict[str, str]]:
    """The ingested source documents: IRI, identifier (file name), title and date."""
    rows = store.select(
        f"""SELECT ?doc (SAMPLE(?i) AS ?id) (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) WHERE {{
          ?doc a ikg:Document .
          OPTIONAL {{ ?doc dcterms:identifier ?i }} OPTIONAL {{ ?doc dcterms:title ?t }}
          OPTIONAL {{ ?doc dcterms:date ?d }}
        }} GROUP BY ?doc ORDER BY ?id LIMIT {int(limit)}"""
    )
    return [{"iri": str(r["doc"]), "id": str(r.get("id") or ""),
             "title": str(r.get("title") or ""), "date": str(r.get("date") or "")} for r in rows]
