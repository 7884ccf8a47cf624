"""IRIs: the ontology's terms, the vocabularies we align to, and minting of resource and graph IRIs."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD


class CachedNamespace(Namespace):
    """An rdflib Namespace that builds each of its terms once.

    rdflib makes and validates a new URIRef at every `NS.term` or `NS["term"]`; the triple builder
    asks for the same few terms hundreds of thousands of times in a big ingest."""

    def __getattr__(self, name: str) -> URIRef:
        value = super().__getattr__(name)
        self.__dict__[name] = value  # found directly from now on
        return value

    def __getitem__(self, key: str) -> URIRef:  # type: ignore[override]
        if not isinstance(key, str):
            return self.term(key)
        terms: dict[str, URIRef] = self.__dict__.setdefault("_terms", {})
        value = terms.get(key)
        if value is None:
            value = terms[key] = self.term(key)
        return value


def cached(namespace: object) -> CachedNamespace:
    """A caching copy of a namespace (rdflib's RDF, RDFS, ... included): same IRIs, same terms."""
    return CachedNamespace(str(namespace))


IKG = CachedNamespace("https://w3id.org/integration-kg/ontology#")
THEME = CachedNamespace("https://w3id.org/integration-kg/theme/")
SCHEMA = CachedNamespace("https://schema.org/")
ORG = CachedNamespace("http://www.w3.org/ns/org#")
PROV = CachedNamespace("http://www.w3.org/ns/prov#")
GEO = CachedNamespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
NIF = CachedNamespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
ITSRDF = CachedNamespace("http://www.w3.org/2005/11/its/rdf#")
VOID = CachedNamespace("http://rdfs.org/ns/void#")
DCAT = CachedNamespace("http://www.w3.org/ns/dcat#")
SH = CachedNamespace("http://www.w3.org/ns/shacl#")
GEONAMES = "http://sws.geonames.org/"

PREFIXES: dict[str, str] = {
    "ikg": str(IKG),
    "theme": str(THEME),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "prov": str(PROV),
    "geo": str(GEO),
    "nif": str(NIF),
    "itsrdf": str(ITSRDF),
}

# Path segment of each kind of resource under the base IRI.
KIND_SEGMENTS = {
    "Project": "project",
    "Organisation": "organisation",
    "Person": "person",
    "Place": "place",
    "Event": "event",
    "Activity": "activity",
    "FundingProgramme": "programme",
    "Document": "document",
    "Role": "role",
}


def slugify(text: str, max_len: int = 80) -> str:
    """Return a readable, ASCII, lower-case IRI path segment for a name."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("&", " and ").replace("+", " plus ")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").lower()
    if len(slug) > max_len:
        slug = slug[:max_len].rstrip("-")
    return slug or "x" + hashlib.sha1(text.encode()).hexdigest()[:10]


class Minter:
    """Mints resource and graph IRIs under one base IRI."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri

    def resource(self, kind: str, key: str) -> URIRef:
        """IRI of a resource of a kind (see KIND_SEGMENTS) from an already-slugged key."""
        return URIRef(f"{self.base}{KIND_SEGMENTS.get(kind, kind.lower())}/{key}")

    def place(self, geonames_id: int | str) -> URIRef:
        """IRI of a GeoNames place."""
        return URIRef(f"{self.base}place/geonames-{geonames_id}")

    def document(self, doc_id: str) -> URIRef:
        """IRI of a source document from its identifier (file name)."""
        return URIRef(f"{self.base}document/{slugify(doc_id)}")

    def statement(self, *parts: str) -> URIRef:
        """IRI of a reified statement (provenance record) from its parts."""
        digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]
        return URIRef(f"{self.base}statement/{digest}")

    def document_graph(self, doc_id: str) -> URIRef:
        """Named graph holding one document's facts."""
        return URIRef(f"{self.base}graph/document/{slugify(doc_id)}")

    @property
    def ontology_graph(self) -> URIRef:
        """Named graph holding the ontology and the theme scheme."""
        return URIRef(f"{self.base}graph/ontology")

    @property
    def inferred_graph(self) -> URIRef:
        """Named graph holding the reasoner's output."""
        return URIRef(f"{self.base}graph/inferred")

    @property
    def analytics_graph(self) -> URIRef:
        """Named graph holding network-analytics results."""
        return URIRef(f"{self.base}graph/analytics")

    def is_document_graph(self, graph: str) -> bool:
        """True when a graph name is a document's graph."""
        return str(graph).startswith(f"{self.base}graph/document/")


def geonames_iri(geonames_id: int | str) -> URIRef:
    """The GeoNames linked-data IRI of an id."""
    return URIRef(f"{GEONAMES}{geonames_id}/")
