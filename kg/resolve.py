"""Resolution: a document's local entities to one resource per real-world thing across documents.

Each decision records the rule that made it, so a merge can be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rdflib import URIRef

from kg.extract.names import fold, squash
from kg.model import Entity, Extraction
from kg.namespaces import IKG, Minter, slugify

# Native names of a city's local authority, by ISO country code.
NATIVE_AUTHORITY = {
    "ES": "Ayuntamiento de {}",
    "IT": "Comune di {}",
    "DE": "Stadt {}",
    "AT": "Stadt {}",
    "NL": "Gemeente {}",
    "BE": "Stad {}",
    "FR": "Ville de {}",
    "GR": "Dimos {}",
    "PT": "Câmara Municipal de {}",
    "PL": "Urząd Miasta {}",
    "RO": "Primăria {}",
    "DK": "{} Kommune",
    "SE": "{} kommun",
    "NO": "{} kommune",
    "CZ": "Město {}",
    "SK": "Mesto {}",
    "HR": "Grad {}",
    "SI": "Mestna občina {}",
    "FI": "{} kaupunki",
}
# "Title: subtitle": the title is what identifies an event.
_SUBTITLE = re.compile(r"\s*:\s+")
ORG_KINDS = ("LocalAuthority", "NGO", "InternationalOrganisation", "PublicBody", "ResearchOrganisation")


@dataclass
class ResolvedEntity:
    """A local entity with the IRI it resolved to and why."""

    entity: Entity
    iri: URIRef
    rule: str
    label: str
    names: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)


@dataclass
class Resolved:
    """A document's extraction with every entity resolved to an IRI."""

    extraction: Extraction
    entities: dict[str, ResolvedEntity]


@dataclass
class _Known:
    iri: URIRef
    type: str
    names: set[str]


class Resolver:
    """Resolves entities against what the store already holds and what this run has seen."""

    def __init__(self, store: Any = None, minter: Minter | None = None) -> None:
        if minter is None:
            if store is None:
                raise ValueError("Resolver needs a store or a minter")
            minter = store.minter
        self.minter = minter
        self.by_name: dict[tuple[str, str], list[tuple[URIRef, str]]] = {}
        self.by_squash: dict[tuple[str, str], list[tuple[URIRef, str]]] = {}
        self.known: dict[URIRef, _Known] = {}
        # Event names long enough for fuzzy matching, in the order they were first seen, with
        # their short form (before a ": subtitle"): matched all at once by rapidfuzz.
        self._event_names: list[str] = []
        self._event_shorts: list[str] = []
        if store is not None:
            self._load(store)

    def _load(self, store: Any) -> None:
        rows = store.select(
            """SELECT ?s ?type ?name ?g WHERE {
                 VALUES ?type { ikg:Project ikg:Organisation ikg:LocalAuthority ikg:NGO ikg:PublicBody
                                ikg:InternationalOrganisation ikg:ResearchOrganisation ikg:Person ikg:Event
                                ikg:FundingProgramme }
                 GRAPH ?g {
                   ?s a ?type .
                   { ?s rdfs:label ?name } UNION { ?s skos:altLabel ?name } UNION { ?s ikg:acronym ?name }
                 }
               }""",
            graphs="documents",
        )
        for row in rows:
            t = str(row["type"]).rsplit("#", 1)[-1]
            typ = "Organisation" if t in ORG_KINDS else t
            self._remember(URIRef(str(row["s"])), typ, {str(row["name"])}, str(row.get("g", "")))

    def _remember(self, iri: URIRef, typ: str, names: set[str], source: str = "") -> None:
        """Index a resource's names; `source` is the document graph they were read from."""
        known = self.known.setdefault(iri, _Known(iri, typ, set()))
        for n in names:
            if typ == "Event" and not _distinctive_event_name(n):
                continue
            known.names.add(n)
            key = (typ, fold(n))
            entries = self.by_name.get(key)
            if entries is None:
                entries = self.by_name[key] = []
                if typ == "Event" and len(key[1]) >= 8:
                    self._event_names.append(key[1])
                    self._event_shorts.append(_SUBTITLE.split(key[1])[0])
            if (iri, source) not in entries:
                entries.append((iri, source))
            sq = squash(n)
            if len(sq) >= 4:
                entries = self.by_squash.setdefault((typ, sq), [])
                if (iri, source) not in entries:
                    entries.append((iri, source))

    @staticmethod
    def _find(entries: list[tuple[URIRef, str]] | None, own_graph: str) -> URIRef | None:
        """The first resource named so by another document (a document never resolves against
        its own earlier version, so re-ingesting it gives the same graph)."""
        for iri, source in entries or ():
            if source != own_graph:
                return iri
        return None

    # -- resolution -----------------------------------------------------------
    def resolve(self, extraction: Extraction) -> Resolved:
        """Give every entity of a document its IRI, reusing known resources where names agree."""
        out: dict[str, ResolvedEntity] = {}
        own_graph = str(self.minter.document_graph(extraction.document.id))
        for key, ent in extraction.entities.items():
            iri, rule = self._iri(ent, extraction.document.id)
            names = {n for n in ent.names if n} | {ent.name}
            if ent.type == "Organisation" and ent.kind == "LocalAuthority" and ent.attrs.get("city") is not None:
                names |= authority_names(ent.attrs["city"])
            if ent.type == "Place":
                names.add(ent.name)
            label = str(ent.attrs.get("display_label") or self._preferred(ent))
            out[key] = ResolvedEntity(ent, iri, rule, label, names - set(ent.acronyms), set(ent.acronyms))
            if ent.type not in ("Place", "Activity"):
                self._remember(iri, ent.type, names | set(ent.acronyms) | {label}, own_graph)
        return Resolved(extraction, out)

    def _preferred(self, ent: Entity) -> str:
        if ent.type == "Organisation" and ent.kind == "LocalAuthority" and ent.attrs.get("city") is not None:
            return f"Municipality of {ent.attrs['city'].name}"
        if ent.type == "Project" and ent.acronyms:
            return sorted(ent.acronyms)[0]
        return ent.name

    def _iri(self, ent: Entity, doc_id: str) -> tuple[URIRef, str]:
        """The entity's IRI and the rule that chose it. A match on a resource the entity's own
        name would mint anyway is reported as "new", so the explanation does not depend on the
        order documents were ingested in."""
        iri, rule = self._match_or_mint(ent, doc_id)
        if rule.startswith(("same-name", "same-letters", "similar-title")) and iri == self._minted(ent, doc_id):
            return iri, "new"
        return iri, rule

    def _minted(self, ent: Entity, doc_id: str) -> URIRef:
        """The IRI an entity gets when nothing known matches it."""
        m = self.minter
        if ent.type == "Event" and ent.attrs.get("unnamed"):
            key = ent.attrs.get("display_label") or f"{ent.name} {doc_id}"
            return m.resource("Event", slugify(str(key)))
        base = sorted(ent.acronyms)[0] if ent.type == "Project" and ent.acronyms else ent.name
        if ent.type == "Event":
            base = re.split(r"\s*:\s+", ent.name)[0]
        return m.resource(ent.type, slugify(base))

    def _match_or_mint(self, ent: Entity, doc_id: str) -> tuple[URIRef, str]:
        m = self.minter
        if ent.type == "Place":
            return m.place(ent.attrs["place"].geonames_id), "geonames"
        if ent.type == "Organisation" and ent.kind == "LocalAuthority" and ent.attrs.get("city") is not None:
            city = ent.attrs["city"]
            return m.resource(
                "Organisation", f"municipality-of-{slugify(city.name)}-{city.geonames_id}"
            ), "local-authority-city"
        if "ref" in ent.attrs:
            ref = ent.attrs["ref"]
            return m.resource(ent.type, slugify(ref.id)), "reference-data"
        if ent.type == "Activity":
            when = str(ent.attrs.get("date_text", ""))
            return m.resource("Activity", f"{slugify(doc_id)}-{when}-{slugify(ent.name, 60)}"), "activity-in-document"
        names = [n for n in (ent.acronyms | ent.names | {ent.name}) if n]
        if ent.type == "Event":
            # "the kick-off meeting" of one project is not another's: only distinctive names link events
            names = [n for n in names + [str(ent.attrs.get("display_label") or "")] if _distinctive_event_name(n)]
        own = str(m.document_graph(doc_id))
        for n in sorted(names, key=len, reverse=True):
            iri = self._find(self.by_name.get((ent.type, fold(n))), own)
            if iri is not None:
                return iri, f"same-name:{n}"
        for n in names:
            sq = squash(n)
            iri = self._find(self.by_squash.get((ent.type, sq)), own) if len(sq) >= 4 else None
            if iri is not None:
                return iri, f"same-letters:{n}"
        if ent.type == "Event":
            hit = self._fuzzy_event(names, own)
            if hit is not None:
                return hit
        if ent.type == "Event" and ent.attrs.get("unnamed"):
            return self._minted(ent, doc_id), "new-unnamed-event"
        return self._minted(ent, doc_id), "new"

    def _fuzzy_event(self, names: list[str], own: str) -> tuple[URIRef, str] | None:
        """Event titles that differ by an inflection ("Voice matters" / "Voices matter"): the
        first known event title, in the order seen, at least 90% similar."""
        for n in names:
            short = fold(_SUBTITLE.split(n)[0])
            if len(short) < 8:
                continue
            similar = process.extract(short, self._event_shorts, scorer=fuzz.ratio, score_cutoff=90,
                                      limit=None)
            for _, _, index in sorted(similar, key=lambda match: match[2]):
                iri = self._find(self.by_name[("Event", self._event_names[index])], own)
                if iri is not None:
                    return iri, f"similar-title:{n}~{self._event_shorts[index]}"
        return None


def _distinctive_event_name(name: str) -> bool:
    """A name that can identify an event across documents: a title or a label with a capital
    letter (a project, a place), not a generic description such as "online peer visit"."""
    return bool(name) and any(c.isupper() for c in name) and len(fold(name)) >= 4


def authority_names(city: Any) -> set[str]:
    """The usual names of a city's local authority, in English and in the country's language."""
    name = city.name
    names = {f"Municipality of {name}", f"{name} City Council", f"City of {name}", f"{name} municipality"}
    native = NATIVE_AUTHORITY.get(getattr(city, "country_code", ""))
    if native:
        names.add(native.format(name))
    return names


def type_iri(ent: Entity) -> URIRef:
    """The most specific ontology class of an entity."""
    if ent.type == "Organisation" and ent.kind in ORG_KINDS:
        return IKG[ent.kind]
    if ent.type == "Place" and ent.kind in ("City", "Country", "Region"):
        return IKG[ent.kind]
    return IKG[ent.type]
