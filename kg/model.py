"""Plain data passed along the pipeline: documents, mentions, entities, relations. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Entity types of the core vocabulary that extraction produces.
ENTITY_TYPES = ("Project", "Organisation", "Person", "Place", "Event", "Activity", "FundingProgramme")
# Kinds refine a type: organisation kinds and place kinds are ontology subclasses.
ORG_KINDS = ("LocalAuthority", "NGO", "InternationalOrganisation", "PublicBody", "ResearchOrganisation")
PLACE_KINDS = ("City", "Region", "Country")


@dataclass(frozen=True)
class Span:
    """A stretch of a document's text, by character offsets (end exclusive)."""

    start: int
    end: int
    text: str


@dataclass
class Document:
    """A source document: its identifier (file name), text and metadata."""

    id: str
    text: str
    path: str | None = None
    title: str | None = None
    date: date | None = None
    source: str | None = None
    format: str = "text/plain"
    language: str = "en"


@dataclass
class Mention:
    """One occurrence of a name in a document, with the sentence around it."""

    text: str
    start: int
    end: int
    sentence: Span


@dataclass
class Entity:
    """A thing a document speaks of, local to that document until resolution."""

    key: str
    type: str
    name: str
    kind: str | None = None
    names: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    # geonames_id, lat, lon, country_code, feature (city/country), population, category (events) ...
    attrs: dict[str, object] = field(default_factory=dict)
    rule: str = "ner"
    confidence: float = 0.8

    def all_names(self) -> set[str]:
        """Every surface form: preferred name, variants and acronyms."""
        return {self.name, *self.names, *self.acronyms}


@dataclass
class Relation:
    """A fact between two entities, or from an entity to a literal value, with its evidence."""

    subject: str
    predicate: str
    object: str | date | int | float
    sentence: Span | None
    rule: str
    confidence: float = 0.8
    literal: bool = False
    datatype: str | None = None  # xsd local name for literals ("date", "gYearMonth", "string")


@dataclass
class Extraction:
    """What extraction found in one document."""

    document: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
