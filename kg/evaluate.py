"""Score a knowledge graph against a reference annotation (gold YAML).

The rules are those of the project's reference scorer, so that researchers can
score the graph on their own annotated documents:

* Entities: a gold entity is found when a resource carries one of its names
  (rdfs:label, skos:prefLabel/altLabel, ikg:acronym, foaf:name, schema:name;
  compared after :func:`normalise_name`) and is a member of its type, directly
  or through the rdfs:subClassOf closure found in the graph. More than one
  matching resource is a duplicate. Places with a GeoNames id must link to
  ``http(s)://sws.geonames.org/ID/`` through skos:exactMatch or owl:sameAs.
* Relations: hold when the graph links the two resources by the property or a
  sub-property of it, by the owl:inverseOf of one of those in the other
  direction, through the transitive closure of ikg:locatedIn, or (for the
  symmetric ikg:collaboratesWith) in either direction.
* Facts: hold when a value of the property starts with the gold value.
* Precision: over the members of Project, Organisation, Person, Event and
  FundingProgramme (optionally only those ikg:mentionedIn the given documents),
  a resource is wrong unless it matched a gold entity or bears a gold or
  ``also_ok`` name.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS
from rdflib.term import Node
from rdflib.util import guess_format

from kg.errors import KGError
from kg.namespaces import IKG, SCHEMA

__all__ = [
    "GoldFormatError",
    "PRECISION_CLASSES",
    "REPORT_KEYS",
    "evaluate",
    "format_report",
    "load_gold",
    "load_graph_file",
    "normalise_name",
]

SCHEMA_HTTP = "http://schema.org/"
NAME_PROPERTIES: tuple[URIRef, ...] = (
    RDFS.label,
    SKOS.altLabel,
    SKOS.prefLabel,
    IKG.acronym,
    FOAF.name,
    SCHEMA.name,
    URIRef(SCHEMA_HTTP + "name"),
)
PRECISION_CLASSES: tuple[str, ...] = (
    "Project",
    "Organisation",
    "Person",
    "Event",
    "FundingProgramme",
)
GEONAMES_BASES: tuple[str, ...] = ("http://sws.geonames.org/", "https://sws.geonames.org/")
MAX_UNEXPECTED = 60
REPORT_KEYS: tuple[str, ...] = (
    "entity_recall",
    "entity_recall_by_type",
    "entity_precision",
    "resources_scored_for_precision",
    "duplicates",
    "geonames_missing",
    "relation_recall",
    "relation_recall_by_property",
    "fact_recall",
    "missing_entities",
    "missing_relations",
    "missing_facts",
    "unexpected_resources",
)

_FILE_FORMATS = {
    ".nq": "nquads",
    ".trig": "trig",
    ".nt": "nt",
    ".ttl": "turtle",
    ".jsonld": "json-ld",
}
_CHAR_FOLDS = str.maketrans({"“": '"', "”": '"', "’": "'", "–": "-", "—": "-"})
_QUOTES = re.compile(r"[\"'`]")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the ")


class GoldFormatError(KGError):
    """A gold annotation file is unreadable or not shaped as expected."""


# --------------------------------------------------------------------------- names


def normalise_name(name: object) -> str:
    """Fold a surface form for matching: accents, case, quotes, dashes, edge punctuation, 'the'."""
    text = str(name)
    if not text.isascii():  # ASCII is unchanged by NFKD and has no combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.translate(_CHAR_FOLDS)
    text = text.casefold()
    text = _QUOTES.sub("", text)
    text = _SPACES.sub(" ", text).strip(" .,;:-")
    return _LEADING_THE.sub("", text)


# --------------------------------------------------------------------------- loading


def load_gold(path: Path) -> dict:
    """Read a gold annotation YAML file and check its shape."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            gold = yaml.safe_load(handle)
    except OSError as exc:
        raise GoldFormatError(f"cannot read gold file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise GoldFormatError(f"gold file {path} is not valid YAML: {exc}") from exc
    _check_gold(gold, str(path))
    return gold


def _check_gold(gold: object, where: str = "gold") -> None:
    """Raise GoldFormatError unless gold has the entities/relations/facts layout."""
    if not isinstance(gold, Mapping) or not isinstance(gold.get("entities"), Mapping):
        raise GoldFormatError(f"{where}: expected a mapping with an 'entities' mapping")
    for eid, entity in gold["entities"].items():
        if not isinstance(entity, Mapping) or "type" not in entity:
            raise GoldFormatError(f"{where}: entity {eid!r} needs a 'type'")
        names = entity.get("names")
        if not isinstance(names, list) or not names:
            raise GoldFormatError(f"{where}: entity {eid!r} needs a non-empty 'names' list")
    for key in ("relations", "facts"):
        rows = gold.get(key) or []
        if not isinstance(rows, list):
            raise GoldFormatError(f"{where}: '{key}' must be a list of [subject, property, x]")
        for row in rows:
            if not isinstance(row, list | tuple) or len(row) != 3:
                raise GoldFormatError(f"{where}: bad {key} entry {row!r} (want 3 items)")
            if key == "relations":
                unknown = [x for x in (row[0], row[2]) if x not in gold["entities"]]
            else:
                unknown = [row[0]] if row[0] not in gold["entities"] else []
            if unknown:
                raise GoldFormatError(f"{where}: {key} entry {row!r} uses unknown ids {unknown}")
    also_ok = gold.get("also_ok") or []
    if not isinstance(also_ok, list):
        raise GoldFormatError(f"{where}: 'also_ok' must be a list of names")


def load_graph_file(path: Path) -> Graph:
    """Read an RDF export (nq, trig, nt, ttl, jsonld) into one graph: the union of its graphs."""
    path = Path(path)
    fmt = _FILE_FORMATS.get(path.suffix.lower()) or guess_format(str(path))
    if fmt is None:
        raise KGError(f"cannot tell the RDF format of {path}; use .nq, .trig, .nt, .ttl or .jsonld")
    dataset = Dataset()
    try:
        with path.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(source=handle, format=fmt)
    except OSError as exc:
        raise KGError(f"cannot read {path}: {exc}") from exc
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


# --------------------------------------------------------------------------- graph index


@dataclass
class _GraphIndex:
    """Lookups over one graph, built once and cached per property/class."""

    graph: Graph
    names: dict[Node, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[Node]] = field(default_factory=lambda: defaultdict(set))
    inverse: dict[Node, Node] = field(default_factory=dict)
    _objects: dict[tuple[Node, Node], frozenset[Node]] = field(default_factory=dict)
    _members: dict[str, frozenset[Node]] = field(default_factory=dict)
    _sub_properties: dict[str, frozenset[Node]] = field(default_factory=dict)
    _located_closure: dict[Node, frozenset[Node]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for prop in NAME_PROPERTIES:
            for subject, value in self.graph.subject_objects(prop):
                if isinstance(value, Literal):
                    name = normalise_name(value)
                    self.names[subject].add(name)
                    self.by_name[name].add(subject)
        # as in the reference scorer, a later declaration for the same property wins
        for a, b in self.graph.subject_objects(OWL.inverseOf):
            self.inverse[a] = b
            self.inverse[b] = a

    def objects(self, subject: Node, prop: Node) -> frozenset[Node]:
        """Objects of (subject, prop, ?), memoised (rdflib answers from its subject index)."""
        key = (subject, prop)
        found = self._objects.get(key)
        if found is None:
            found = frozenset(self.graph.objects(subject, prop))
            self._objects[key] = found
        return found

    def subjects(self, prop: Node, value: Node) -> frozenset[Node]:
        """Subjects of (?, prop, value)."""
        return frozenset(self.graph.subjects(prop, value))

    def _closure_down(self, root: Node, prop: URIRef) -> set[Node]:
        """Root plus everything reaching it through prop (e.g. rdfs:subClassOf)."""
        seen, todo = {root}, [root]
        while todo:
            for child in self.graph.subjects(prop, todo.pop()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def members(self, cls: str) -> frozenset[Node]:
        """Resources typed with ikg:cls or any of its subclasses."""
        found = self._members.get(cls)
        if found is None:
            classes = self._closure_down(IKG[cls], RDFS.subClassOf)
            found = frozenset(s for c in classes for s in self.graph.subjects(RDF.type, c))
            self._members[cls] = found
        return found

    def sub_properties(self, prop: str) -> frozenset[Node]:
        """ikg:prop and every property reaching it through rdfs:subPropertyOf."""
        found = self._sub_properties.get(prop)
        if found is None:
            found = frozenset(self._closure_down(IKG[prop], RDFS.subPropertyOf))
            self._sub_properties[prop] = found
        return found

    def located_in_closure(self, start: Node) -> frozenset[Node]:
        """Everything reachable from start by one or more ikg:locatedIn links."""
        found = self._located_closure.get(start)
        if found is None:
            seen: set[Node] = set()
            todo = [start]
            while todo:
                for nxt in self.objects(todo.pop(), IKG.locatedIn):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            found = frozenset(seen)
            self._located_closure[start] = found
        return found

    def resources_named(self, names: Iterable[object]) -> set[Node]:
        """Resources bearing any of the names (after normalisation)."""
        found: set[Node] = set()
        for name in names:
            found |= self.by_name.get(normalise_name(name), set())
        return found

    def subjects_with_identifier(self, identifiers: Iterable[str]) -> set[Node]:
        """Subjects whose dcterms:identifier (as a string) is one of identifiers."""
        wanted = set(identifiers)
        return {s for s, o in self.graph.subject_objects(DCTERMS.identifier) if str(o) in wanted}


# --------------------------------------------------------------------------- scoring


@dataclass
class _Tally:
    """Found/total counts by key, printed as 'found/total'."""

    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, key: str, hit: bool) -> None:
        entry = self.counts[key]
        entry[0] += int(hit)
        entry[1] += 1

    def found(self) -> int:
        return sum(v[0] for v in self.counts.values())

    def total(self) -> int:
        return sum(v[1] for v in self.counts.values())

    def ratio(self) -> float:
        return round(self.found() / self.total(), 3) if self.total() else 0.0

    def by_key(self) -> dict[str, str]:
        return {k: f"{v[0]}/{v[1]}" for k, v in sorted(self.counts.items())}


class _Scorer:
    """One evaluation of a gold annotation against an indexed graph."""

    def __init__(self, gold: Mapping[str, Any], index: _GraphIndex) -> None:
        self.gold = gold
        self.entities: Mapping[str, Mapping[str, Any]] = gold["entities"]
        self.index = index
        self._matches: dict[str, frozenset[Node]] = {}

    def match(self, eid: str) -> frozenset[Node]:
        """Resources that carry one of the entity's names and belong to its type."""
        found = self._matches.get(eid)
        if found is None:
            entity = self.entities[eid]
            named = self.index.resources_named(entity["names"])
            found = frozenset(named & self.index.members(entity["type"]))
            self._matches[eid] = found
        return found

    def has_geonames_link(self, resources: Iterable[Node], geonames_id: object) -> bool:
        """Whether any resource links to the GeoNames IRI by skos:exactMatch or owl:sameAs."""
        wanted = {URIRef(f"{base}{geonames_id}/") for base in GEONAMES_BASES}
        return any(
            self.index.objects(r, SKOS.exactMatch) & wanted
            or self.index.objects(r, OWL.sameAs) & wanted
            for r in resources
        )

    def score_entities(self) -> tuple[_Tally, dict[str, list[str]], set[Node]]:
        """Recall by type, duplicate/GeoNames/missing lists and all matched resources."""
        tally = _Tally()
        lists: dict[str, list[str]] = {"duplicates": [], "geonames_missing": [], "missing": []}
        matched: set[Node] = set()
        for eid, entity in self.entities.items():
            found = self.match(eid)
            tally.add(entity["type"], bool(found))
            if not found:
                lists["missing"].append(eid)
                continue
            matched |= found
            if len(found) > 1:
                lists["duplicates"].append(eid)
            geonames_id = entity.get("geonames")
            if geonames_id and not self.has_geonames_link(found, geonames_id):
                lists["geonames_missing"].append(eid)
        return tally, lists, matched

    def relation_holds(
        self, subjects: frozenset[Node], prop: str, objects: frozenset[Node]
    ) -> bool:
        """Whether the graph states prop between some subject and some object, by any rule."""
        index = self.index
        props = index.sub_properties(prop)
        for s in subjects:
            for p in props:
                if index.objects(s, p) & objects:
                    return True
                inverse = index.inverse.get(p)
                if inverse is not None and any(s in index.objects(o, inverse) for o in objects):
                    return True
            if prop == "locatedIn" and index.located_in_closure(s) & objects:
                return True
            if prop == "collaboratesWith" and any(
                s in index.objects(o, IKG.collaboratesWith) for o in objects
            ):
                return True
        return False

    def score_relations(self) -> tuple[_Tally, list[str]]:
        """Recall by property and the relations not found."""
        tally = _Tally()
        missing: list[str] = []
        for s_id, prop, o_id in self.gold.get("relations") or []:
            subjects, objects = self.match(s_id), self.match(o_id)
            hit = bool(subjects and objects) and self.relation_holds(subjects, prop, objects)
            tally.add(prop, hit)
            if not hit:
                missing.append(f"{s_id} {prop} {o_id}")
        return tally, missing

    def score_facts(self) -> tuple[float, list[str]]:
        """Fact recall (prefix match of the literal's string) and the facts not found."""
        facts = self.gold.get("facts") or []
        hits = 0
        missing: list[str] = []
        for s_id, prop, value in facts:
            prefix = str(value)
            hit = any(
                str(o).startswith(prefix)
                for s in self.match(s_id)
                for o in self.index.objects(s, IKG[prop])
            )
            hits += hit
            if not hit:
                missing.append(f"{s_id} {prop} {value}")
        return round(hits / max(1, len(facts)), 3), missing

    def acceptable_names(self) -> set[str]:
        """Normalised gold names plus also_ok names: extra resources bearing them are fine."""
        names = {normalise_name(n) for n in self.gold.get("also_ok") or []}
        for entity in self.entities.values():
            names |= {normalise_name(n) for n in entity["names"]}
        return names

    def precision_pool(self, docs: Sequence[str] | None) -> set[Node]:
        """Core-class resources, restricted to those mentioned in docs when docs are given."""
        pool: set[Node] = set()
        for cls in PRECISION_CLASSES:
            pool |= self.index.members(cls)
        if docs:
            doc_nodes = self.index.subjects_with_identifier(docs)
            mentioned: set[Node] = set()
            for doc in doc_nodes:
                mentioned |= self.index.subjects(IKG.mentionedIn, doc)
            pool &= mentioned
        return pool

    def score_precision(
        self, docs: Sequence[str] | None, matched: set[Node]
    ) -> tuple[float, int, list[str]]:
        """Precision, pool size and sorted display names of the unexpected resources."""
        pool = self.precision_pool(docs)
        ok_names = self.acceptable_names()
        names = self.index.names
        wrong = [s for s in pool if s not in matched and not (names.get(s, set()) & ok_names)]
        shown = sorted(min(names[s]) if names.get(s) else str(s) for s in wrong)
        precision = 1 - len(wrong) / len(pool) if pool else 0.0
        return round(precision, 3), len(pool), shown[:MAX_UNEXPECTED]


def evaluate(gold: dict, graph: Graph, docs: Sequence[str] | None = None) -> dict:
    """Score graph (asserted + inferred + ontology, unioned) against gold; return the report."""
    _check_gold(gold)
    if isinstance(docs, str):
        docs = [docs]
    scorer = _Scorer(gold, _GraphIndex(graph))
    entity_tally, entity_lists, matched = scorer.score_entities()
    relation_tally, missing_relations = scorer.score_relations()
    fact_recall, missing_facts = scorer.score_facts()
    precision, pool_size, unexpected = scorer.score_precision(docs, matched)
    return {
        "entity_recall": entity_tally.ratio(),
        "entity_recall_by_type": entity_tally.by_key(),
        "entity_precision": precision,
        "resources_scored_for_precision": pool_size,
        "duplicates": entity_lists["duplicates"],
        "geonames_missing": entity_lists["geonames_missing"],
        "relation_recall": relation_tally.ratio(),
        "relation_recall_by_property": relation_tally.by_key(),
        "fact_recall": fact_recall,
        "missing_entities": entity_lists["missing"],
        "missing_relations": missing_relations,
        "missing_facts": missing_facts,
        "unexpected_resources": unexpected,
    }


# --------------------------------------------------------------------------- text report


def _table(title: str, rows: Mapping[str, str]) -> list[str]:
    """A two-column 'name  found/total  percent' table."""
    if not rows:
        return [f"{title}: none"]
    width = max(len(k) for k in rows)
    lines = [f"{title}:"]
    for key, cell in rows.items():
        found, _, total = cell.partition("/")
        share = f"{int(found) / int(total):6.1%}" if total and int(total) else ""
        lines.append(f"  {key:<{width}}  {cell:>7}  {share}")
    return lines


def _listing(title: str, items: Sequence[str]) -> list[str]:
    """A titled bullet list, or 'title: none'."""
    if not items:
        return [f"{title}: none"]
    return [f"{title} ({len(items)}):", *(f"  - {item}" for item in items)]


def format_report(report: dict) -> str:
    """Render an evaluate() report as readable text."""
    lines = [
        "Knowledge graph evaluation",
        "==========================",
        f"Entity recall     {report['entity_recall']:.3f}",
        f"Entity precision  {report['entity_precision']:.3f}"
        f"  (over {report['resources_scored_for_precision']} resources)",
        f"Relation recall   {report['relation_recall']:.3f}",
        f"Fact recall       {report['fact_recall']:.3f}",
        "",
        *_table("Entity recall by type", report["entity_recall_by_type"]),
        "",
        *_table("Relation recall by property", report["relation_recall_by_property"]),
        "",
        *_listing("Duplicates (several resources for one entity)", report["duplicates"]),
        *_listing("Places without their GeoNames link", report["geonames_missing"]),
        *_listing("Missing entities", report["missing_entities"]),
        *_listing("Missing relations", report["missing_relations"]),
        *_listing("Missing facts", report["missing_facts"]),
        *_listing("Unexpected resources", report["unexpected_resources"]),
    ]
    if len(report["unexpected_resources"]) >= MAX_UNEXPECTED:
        lines.append(f"  (list cut at {MAX_UNEXPECTED})")
    return "\n".join(lines) + "\n"
