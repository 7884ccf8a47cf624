"""OWL 2 RL reasoning: the inferred graph, and explanations of inferred facts.

Two engines compute the same instance-level inferences:

- ``"owlrl"``: the reference, ``owlrl.DeductiveClosure(OWLRL_Semantics)`` run on a copy of
  ontology + asserted triples. Slow (pure Python) but complete for OWL 2 RL.
- ``"fast"``: the Rust reasoner ``reasonable`` for everything it does (RDFS, sub-properties,
  inverses, symmetric and transitive properties, domain/range, sub-classes ...) plus Python rules
  for what it skips: property chains (``owl:propertyChainAxiom``, read from the ontology,
  never hard-coded). The reasoner runs once; a semi-naive rule engine (``_Engine``) takes the
  chains' consequences to the common fixpoint.

Only the *new* instance-level triples are returned; schema-level and trivial noise
(``x owl:sameAs x``, ``rdf:type owl:Thing``, facts about ontology terms, literals or the
ontology's blank nodes) is dropped. :func:`update_inferred` keeps the inferred graph of the
store up to date, in full or, after a change of some documents, only where the change reaches
(delete-and-rederive + semi-naive insertion, :func:`scoped_delta`); docs/reasoning.md has the
scheme and the figures. :func:`explain` reconstructs why an inferred triple holds.
"""

from __future__ import annotations

import gc
import io
import logging
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.errors import KGError, NotFoundError
from kg.namespaces import IKG, PREFIXES
from kg.store import KGStore

log = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]
ENGINES = ("fast", "owlrl")

# Vocabularies whose terms are schema, never instances.
_META_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
# Predicates whose triples are schema-level: never part of the inferred instance graph.
_SCHEMA_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.disjointWith,
    OWL.propertyDisjointWith, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.unionOf, OWL.intersectionOf, OWL.complementOf, OWL.oneOf,
    OWL.hasKey, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.onClass,
    OWL.members, OWL.distinctMembers, OWL.withRestrictions, OWL.onDatatype,
    RDF.first, RDF.rest,
})


_XSD_STRING = str(XSD.string)


class ReasoningError(KGError):
    """The reasoner could not run (unknown engine, reasoner failure)."""


# ---------------------------------------------------------------------------
# The ontology's axioms
# ---------------------------------------------------------------------------

@dataclass
class Schema:
    """The axioms of an ontology that the rules and explanations use, as lookup tables."""

    super_classes: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    sub_classes: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    super_properties: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    sub_properties: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    inverses: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    transitive: set[Node] = field(default_factory=set)
    symmetric: set[Node] = field(default_factory=set)
    # head property -> chains; a chain is a tuple of (property, inverted?) steps.
    chains: dict[Node, list[tuple[tuple[Node, bool], ...]]] = field(
        default_factory=lambda: defaultdict(list))

    def properties_with_domain(self, cls: Node) -> list[Node]:
        """Properties whose rdfs:domain is `cls`."""
        return [p for p, ds in self.domains.items() if cls in ds]

    def properties_with_range(self, cls: Node) -> list[Node]:
        """Properties whose rdfs:range is `cls`."""
        return [p for p, rs in self.ranges.items() if cls in rs]


def read_schema(ontology: Graph) -> Schema:
    """Collect the OWL 2 RL axioms of an ontology that the rules and explanations rely on."""
    sc = Schema()
    for c, d in ontology.subject_objects(RDFS.subClassOf):
        sc.super_classes[c].add(d)
        sc.sub_classes[d].add(c)
    for c, d in ontology.subject_objects(OWL.equivalentClass):
        for a, b in ((c, d), (d, c)):
            sc.super_classes[a].add(b)
            sc.sub_classes[b].add(a)
    for p, q in ontology.subject_objects(RDFS.subPropertyOf):
        sc.super_properties[p].add(q)
        sc.sub_properties[q].add(p)
    for p, q in ontology.subject_objects(OWL.equivalentProperty):
        for a, b in ((p, q), (q, p)):
            sc.super_properties[a].add(b)
            sc.sub_properties[b].add(a)
    for p, q in ontology.subject_objects(OWL.inverseOf):
        sc.inverses[p].add(q)
        sc.inverses[q].add(p)
    for p, c in ontology.subject_objects(RDFS.domain):
        sc.domains[p].add(c)
    for p, c in ontology.subject_objects(RDFS.range):
        sc.ranges[p].add(c)
    sc.transitive.update(ontology.subjects(RDF.type, OWL.TransitiveProperty))
    sc.symmetric.update(ontology.subjects(RDF.type, OWL.SymmetricProperty))
    for head, lst in ontology.subject_objects(OWL.propertyChainAxiom):
        steps: list[tuple[Node, bool]] = []
        for item in Collection(ontology, lst):
            if isinstance(item, BNode):
                inv = ontology.value(item, OWL.inverseOf)
                if inv is None:
                    log.warning("Skipping a property chain of %s with an unsupported step", head)
                    steps = []
                    break
                steps.append((inv, True))
            else:
                steps.append((item, False))
        if len(steps) >= 2:
            sc.chains[head].append(tuple(steps))
    for head, chains in sc.chains.items():
        # deterministic; chains that do not recurse on their head first (shorter explanations)
        chains.sort(key=lambda ch, h=head: (any(q == h for q, _ in ch), [str(q) for q, _ in ch]))
    return sc


# ---------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------

_str_eq = str.__eq__  # C-level comparison of two terms' text (rdflib's __eq__ is Python)
_str_startswith = str.startswith  # takes a tuple, unlike URIRef.startswith


def _is_meta(term: Node) -> bool:
    """True for an IRI of RDF, RDFS, OWL or XSD."""
    return isinstance(term, URIRef) and _str_startswith(term, _META_NAMESPACES)


def _norm(term: Node) -> Node:
    """Plain and xsd:string literals are the same RDF 1.1 term; rdflib keeps them apart."""
    if type(term) is Literal and term.datatype is not None and str(term.datatype) == _XSD_STRING:
        return Literal(str(term))
    return term


def _norm_triple(t: Triple) -> Triple:
    """The triple with its object normalised (see _norm)."""
    return (t[0], t[1], _norm(t[2]))


def is_ikg_triple(t: Triple) -> bool:
    """True for a triple in the ikg vocabulary: an ikg predicate, or rdf:type an ikg class."""
    _, p, o = t
    if p == RDF.type:
        return isinstance(o, URIRef) and o.startswith(str(IKG))
    return p.startswith(str(IKG))


def _ontology_terms(ontology: Iterable[Triple],
                    asserted: Iterable[Triple]) -> tuple[set[Node], set[Node]]:
    """IRIs that are schema (classes, properties, the ontology) and the ontology's blank nodes."""
    terms: set[Node] = set()
    bnodes: set[Node] = set()
    for s, p, o in ontology:
        for t in (s, o):
            if isinstance(t, BNode):
                bnodes.add(t)
        if p in _SCHEMA_PREDICATES:
            terms.add(s)
            if p != OWL.hasValue:
                terms.add(o)
        elif p == RDF.type and _is_meta(o):
            if o not in (OWL.NamedIndividual, OWL.Thing):
                terms.add(s)
        if p == RDF.type:
            terms.add(o)
        terms.add(p)
    rdf_type = RDF.type
    for _, p, o in asserted:
        terms.add(p)
        if p == rdf_type:
            terms.add(o)
    terms -= bnodes
    return terms, bnodes


def _normalised(triples: Iterable[Triple]) -> set[Triple]:
    """The triples as a set, xsd:string literals made plain (only literal objects are copied)."""
    out: set[Triple] = set()
    add = out.add
    for t in triples:
        add(_norm_triple(t) if type(t[2]) is Literal else t)
    return out


def _literal_key(o: Literal) -> tuple[str, str | None, str | None]:
    """A literal's identity as plain data; plain and xsd:string literals get the same key."""
    dt = o.datatype
    return (str(o), o.language, None if dt is None or _str_eq(dt, _XSD_STRING) else str(dt))


def _clean(candidates: Iterable[Triple], ontology: Iterable[Triple],
           asserted: Iterable[Triple]) -> set[Triple]:
    """Keep the new instance-level triples among `candidates` (normalised, deduplicated).

    A source given as a set is looked up as it is rather than copied (at 2,000 documents the
    asserted triples take hundreds of MB); only its literal-object triples get keys of their own.
    """
    given: set[Triple] = set()
    given_sets: list[set[Triple] | frozenset[Triple]] = [given]
    given_literal: set[tuple[Node, Node, tuple[str, str | None, str | None]]] = set()
    lit = Literal
    for source in (ontology, asserted):
        as_set = isinstance(source, (set, frozenset))
        if as_set:
            given_sets.append(source)  # type: ignore[arg-type]
        for t in source:
            if type(t[2]) is lit:
                given_literal.add((t[0], t[1], _literal_key(t[2])))
            elif not as_set:
                given.add(t)
    terms, onto_bnodes = _ontology_terms(ontology, asserted)
    skip_subjects = terms | onto_bnodes
    rdf_type, same_as = RDF.type, OWL.sameAs
    out: set[Triple] = set()
    add = out.add
    for t in candidates:
        s, p, o = t
        if s in skip_subjects or p in _SCHEMA_PREDICATES or o in onto_bnodes:
            continue
        if type(s) is lit or _is_meta(s):
            continue
        if _str_eq(p, rdf_type):
            if type(o) is lit or _is_meta(o):
                continue  # owl:Thing, rdfs:Resource, owl:NamedIndividual, datatype typing
        elif _str_eq(p, same_as) and s == o:
            continue
        if type(o) is lit:
            if (s, p, _literal_key(o)) not in given_literal:
                add(_norm_triple(t))
        elif not any(t in g for g in given_sets):
            add(t)
    return out


def _chain_rules(schema: Schema, facts: Iterable[Triple]) -> set[Triple]:
    """Apply every property chain of the schema to a fixpoint; return the triples not in `facts`."""
    if not schema.chains:
        return set()
    wanted = {p for chains in schema.chains.values() for chain in chains for p, _ in chain}
    forward: dict[Node, dict[Node, set[Node]]] = {p: defaultdict(set) for p in wanted}
    backward: dict[Node, dict[Node, set[Node]]] = {p: defaultdict(set) for p in wanted}
    known: set[Triple] = set()

    def index(s: Node, p: Node, o: Node) -> None:
        forward[p][s].add(o)
        backward[p][o].add(s)

    for t in facts:
        if t[1] in wanted:
            known.add(t)
            index(*t)
    new: set[Triple] = set()
    while True:
        found: set[Triple] = set()
        for head, chains in schema.chains.items():
            for chain in chains:
                first_p, first_inv = chain[0]
                first = backward[first_p] if first_inv else forward[first_p]
                for start, seconds in list(first.items()):
                    if isinstance(start, Literal):
                        continue
                    frontier = set(seconds)
                    for p, inv in chain[1:]:
                        table = backward[p] if inv else forward[p]
                        frontier = {y for x in frontier for y in table.get(x, ())}
                        if not frontier:
                            break
                    for end in frontier:
                        t = (start, head, end)
                        if t not in known and t not in new:
                            found.add(t)
        if not found:
            return new
        new |= found
        for s, p, o in found:
            if p in wanted:
                index(s, p, o)


# ---------------------------------------------------------------------------
# A semi-naive rule engine for the ontology's fragment (the fixpoint and incremental updates)
# ---------------------------------------------------------------------------

class NotScoped(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The scoped path cannot guarantee the full recompute's result: recompute in full."""


# Ontology vocabulary the rule engine honours; any other OWL axiom makes it step aside.
_ENGINE_PREDICATES = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, RDF.first, RDF.rest,
})
_ENGINE_TYPES = frozenset({
    OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    RDF.Property, OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.Ontology,
    OWL.NamedIndividual, OWL.Thing, RDFS.Resource, RDF.List, RDFS.Datatype,
})
# Classes whose instances the cleaning drops; an axiom about them could matter unseen.
_NOISE_CLASSES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})
# Typing with one of these makes a triple schema-level (a document should not state them).
_SCHEMA_CLASSES = frozenset({
    OWL.Class, RDFS.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, RDF.Property, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.AsymmetricProperty,
    OWL.IrreflexiveProperty, OWL.ReflexiveProperty, OWL.AllDisjointClasses, OWL.AllDifferent,
    OWL.AllDisjointProperties, OWL.NegativePropertyAssertion, OWL.Ontology, RDFS.Datatype,
    OWL.DataRange, OWL.DeprecatedClass, OWL.DeprecatedProperty, OWL.OntologyProperty,
})


def _star(direct: dict[Node, set[Node]]) -> dict[Node, frozenset[Node]]:
    """The transitive closure of a relation given as node -> direct successors."""
    out: dict[Node, frozenset[Node]] = {}
    for start in list(direct):
        seen: set[Node] = set()
        stack = list(direct.get(start, ()))
        while stack:
            x = stack.pop()
            if x not in seen:
                seen.add(x)
                stack.extend(direct.get(x, ()))
        out[start] = frozenset(seen)
    return out


class _Rules:
    """The ontology's rules as lookup tables for the semi-naive engine."""

    def __init__(self, schema: Schema, ontology: Iterable[Triple]) -> None:
        self.schema = schema
        self.super_classes = _star(schema.super_classes)
        self.sub_classes = _star(schema.sub_classes)
        self.super_props = _star(schema.super_properties)
        self.sub_props = _star(schema.sub_properties)
        self.inverses = {p: frozenset(qs) for p, qs in schema.inverses.items()}
        self.domains = {p: frozenset(cs) for p, cs in schema.domains.items()}
        self.ranges = {p: frozenset(cs) for p, cs in schema.ranges.items()}
        self.with_domain: dict[Node, list[Node]] = defaultdict(list)
        self.with_range: dict[Node, list[Node]] = defaultdict(list)
        for p, cs in schema.domains.items():
            for c in cs:
                self.with_domain[c].append(p)
        for p, cs in schema.ranges.items():
            for c in cs:
                self.with_range[c].append(p)
        self.transitive = frozenset(schema.transitive)
        self.symmetric = frozenset(schema.symmetric)
        self.chains = {h: list(cs) for h, cs in schema.chains.items()}
        # step property -> (head, chain, position) of every chain step it appears in
        self.chain_steps: dict[Node, list[tuple[Node, tuple[tuple[Node, bool], ...], int]]] = (
            defaultdict(list))
        for head, chains in schema.chains.items():
            for chain in chains:
                for i, (q, _) in enumerate(chain):
                    self.chain_steps[q].append((head, chain, i))
        self.join_predicates = self.transitive | frozenset(self.chain_steps)
        # Properties that can hold a literal-subject fact (x p "lit" with an inverse or symmetric
        # p): the reasoner keeps those internally but never outputs them.
        seeds = {q for qs in schema.inverses.values() for q in qs} | set(schema.symmetric)
        lsp = set(seeds)
        for q in seeds:
            lsp |= self.super_props.get(q, frozenset())
        self.literal_subject_props = frozenset(lsp)
        self.unsupported = self._unsupported(ontology)

    def active(self, p: Node) -> bool:
        """True when a fact with predicate `p` is a premise of some rule."""
        return (p == RDF.type or p in self.super_props or p in self.inverses
                or p in self.symmetric or p in self.domains or p in self.ranges
                or p in self.join_predicates)

    def _unsupported(self, ontology: Iterable[Triple]) -> str | None:
        """Why the engine cannot mirror the full reasoner on this ontology, or None."""
        for s, p, o in ontology:
            if p == OWL.sameAs or p == OWL.differentFrom:
                return f"the ontology uses {p}"
            if p in _SCHEMA_PREDICATES and p not in _ENGINE_PREDICATES:
                return f"the ontology uses {p}"
            if p == RDF.type and _is_meta(o) and o not in _ENGINE_TYPES:
                return f"the ontology uses {o}"
            if p in self.join_predicates and not isinstance(s, BNode):
                return f"the ontology states a {p} fact"
        for c in _NOISE_CLASSES:
            if c in self.super_classes or c in self.with_domain or c in self.with_range:
                return f"an axiom is about {c}"
        for p in self.join_predicates | set(self.chains):
            if _is_meta(p):
                return f"{p} is transitive or in a property chain"
        return None


_Key = tuple[Node, Node, bool]  # (node, predicate, forward?): the facts (node p ?) or (? p node)


class _MemoryBase:
    """Old facts held in memory: a set, indexed for the join predicates."""

    def __init__(self, facts: set[Triple], join_predicates: frozenset[Node]) -> None:
        self.facts = facts
        self.fwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.bwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        for s, p, o in facts:
            if p in join_predicates:
                self.fwd[(s, p)].add(o)
                self.bwd[(p, o)].add(s)

    def prefetch(self, keys: Iterable[_Key]) -> None:
        """Nothing to fetch: everything is in memory."""

    def out(self, s: Node, p: Node) -> set[Node]:
        """Objects of (s p ?)."""
        return self.fwd.get((s, p), set())

    def into(self, p: Node, o: Node) -> set[Node]:
        """Subjects of (? p o)."""
        return self.bwd.get((p, o), set())

    def has(self, t: Triple) -> bool:
        """True when the fact is known."""
        return t in self.facts


class _View:
    """Old facts (a base) with in-memory additions and hidden facts on top."""

    def __init__(self, base: _MemoryBase | _StoreBase, rules: _Rules,
                 skip_nodes: frozenset[Node] = frozenset()) -> None:
        self.base = base
        self.rules = rules
        self.skip_nodes = skip_nodes  # nodes whose facts the base may not show (schema terms)
        self.extra: set[Triple] = set()
        self.hidden: set[Triple] = set()
        self.xfwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.xbwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)

    def _check(self, node: Node, p: Node) -> None:
        if node in self.skip_nodes:
            raise NotScoped(f"{node} is a schema term used as an instance")
        if type(node) is Literal and p in self.rules.literal_subject_props:
            raise NotScoped(f"a literal-subject {p} fact may be needed")

    def prefetch(self, keys: Iterable[_Key]) -> None:
        """Fetch the base facts for several keys at once."""
        self.base.prefetch(keys)

    def out(self, s: Node, p: Node) -> set[Node]:
        """Objects of (s p ?)."""
        self._check(s, p)
        found = self.base.out(s, p)
        if self.hidden and found:
            found = {o for o in found if (s, p, o) not in self.hidden}
        extra = self.xfwd.get((s, p))
        return found | extra if extra else found

    def into(self, p: Node, o: Node) -> set[Node]:
        """Subjects of (? p o)."""
        self._check(o, p)
        found = self.base.into(p, o)
        if self.hidden and found:
            found = {s for s in found if (s, p, o) not in self.hidden}
        extra = self.xbwd.get((p, o))
        return found | extra if extra else found

    def has(self, t: Triple) -> bool:
        """True when the fact holds in the view."""
        if t in self.extra:
            return True
        if t in self.hidden:
            return False
        if type(t[0]) is Literal:
            self._check(t[0], t[1])
        return self.base.has(t)

    def add(self, t: Triple) -> None:
        """Make a fact hold."""
        self.hidden.discard(t)
        if t not in self.extra:
            self.extra.add(t)
            self.xfwd[(t[0], t[1])].add(t[2])
            self.xbwd[(t[1], t[2])].add(t[0])

    def hide(self, t: Triple) -> None:
        """Make a fact not hold."""
        self.hidden.add(t)
        if t in self.extra:
            self.extra.discard(t)
            self.xfwd[(t[0], t[1])].discard(t[2])
            self.xbwd[(t[1], t[2])].discard(t[0])


class _Engine:
    """Semi-naive forward chaining, over-deletion and one-step re-derivation over a view."""

    def __init__(self, rules: _Rules, view: _View, limit: int | None = None) -> None:
        self.rules = rules
        self.view = view
        self.limit = limit
        self.touched = 0

    def _count(self, n: int) -> None:
        self.touched += n
        if self.limit is not None and self.touched > self.limit:
            raise NotScoped(f"more than {self.limit} facts affected")

    def _join_keys(self, facts: Iterable[Triple]) -> set[_Key]:
        """The first lookups that the joins of these facts make."""
        r = self.rules
        keys: set[_Key] = set()
        for s, p, o in facts:
            if p in r.transitive:
                keys.add((o, p, True))
                keys.add((s, p, False))
            if p in r.chain_steps and type(s) is not Literal:
                for _, chain, i in r.chain_steps[p]:
                    a, b = (o, s) if chain[i][1] else (s, o)
                    if i > 0:
                        q, inv = chain[i - 1]
                        keys.add((a, q, True) if inv else (a, q, False))
                    if i + 1 < len(chain):
                        q, inv = chain[i + 1]
                        keys.add((b, q, False) if inv else (b, q, True))
        return keys

    def _step(self, node: Node, q: Node, inv: bool, forward: bool) -> set[Node]:
        """Chain neighbours of `node` over the step (q, inv), forwards or backwards."""
        v = self.view
        if forward != inv:  # along (node q ?)
            if type(node) is Literal:
                return set()
            return v.out(node, q)
        return {x for x in v.into(q, node) if type(x) is not Literal}

    def conclusions(self, t: Triple) -> Iterator[Triple]:
        """Facts that one rule application using `t` (and facts of the view) gives."""
        s, p, o = t
        r = self.rules
        if p == RDF.type:
            for d in r.super_classes.get(o, ()):
                yield (s, p, d)
            return
        for q in r.super_props.get(p, ()):
            yield (s, q, o)
        for q in r.inverses.get(p, ()):
            yield (o, q, s)
        if p in r.symmetric:
            yield (o, p, s)
        for c in r.domains.get(p, ()):
            yield (s, RDF.type, c)
        for c in r.ranges.get(p, ()):
            yield (o, RDF.type, c)
        if p in r.transitive:
            for z in self.view.out(o, p):
                yield (s, p, z)
            for w in self.view.into(p, s):
                yield (w, p, o)
        if p in r.chain_steps and type(s) is not Literal:
            for head, chain, i in r.chain_steps[p]:
                a, b = (o, s) if chain[i][1] else (s, o)
                lefts = {a}
                for q, inv in reversed(chain[:i]):
                    lefts = {y for x in lefts for y in self._step(x, q, inv, False)}
                if not lefts:
                    continue
                rights = {b}
                for q, inv in chain[i + 1:]:
                    rights = {y for x in rights for y in self._step(x, q, inv, True)}
                for x in lefts:
                    if type(x) is not Literal:
                        for y in rights:
                            yield (x, head, y)

    def insert(self, frontier: list[Triple]) -> set[Triple]:
        """Propagate facts already added to the view; return every fact this adds."""
        v = self.view
        added: set[Triple] = set()
        while frontier:
            v.prefetch(self._join_keys(frontier))
            candidates = {c for t in frontier for c in self.conclusions(t)}
            v.prefetch({(s, p, True) for s, p, _ in candidates if type(s) is not Literal})
            frontier = [c for c in candidates if not v.has(c)]
            self._count(len(frontier))
            for c in frontier:
                v.add(c)
            added.update(frontier)
        return added

    def overdelete(self, removed: set[Triple]) -> set[Triple]:
        """Every fact with a derivation that uses a removed fact (DRed's over-deletion)."""
        gone = set(removed)
        frontier = list(removed)
        while frontier:
            self.view.prefetch(self._join_keys(frontier))
            nxt = {c for t in frontier for c in self.conclusions(t)} - gone
            self._count(len(nxt))
            gone |= nxt
            frontier = list(nxt)
        return gone

    def _derive_keys(self, t: Triple) -> Iterator[_Key]:
        s, p, o = t
        r = self.rules
        if p == RDF.type:
            if r.sub_classes.get(o):
                yield (s, p, True)
            for q in r.with_domain.get(o, ()):
                yield (s, q, True)
            for q in r.with_range.get(o, ()):
                yield (s, q, False)
            return
        yield (s, p, True)
        yield (o, p, True)
        for q in r.sub_props.get(p, ()):
            yield (s, q, True)
        for q in r.inverses.get(p, ()):
            yield (o, q, True)
        if type(s) is not Literal:
            for chain in r.chains.get(p, ()):
                yield (s, chain[0][0], not chain[0][1])

    def derivable(self, t: Triple) -> bool:
        """True when one rule application over the view's facts gives `t`."""
        s, p, o = t
        r, v = self.rules, self.view
        if p == RDF.type:
            return (any(v.has((s, p, d)) for d in r.sub_classes.get(o, ()))
                    or any(v.out(s, q) for q in r.with_domain.get(o, ()))
                    or any(v.into(q, s) for q in r.with_range.get(o, ())))
        if any(v.has((s, q, o)) for q in r.sub_props.get(p, ())):
            return True
        if any(v.has((o, q, s)) for q in r.inverses.get(p, ())):
            return True
        if p in r.symmetric and v.has((o, p, s)):
            return True
        if p in r.transitive:
            middles = v.out(s, p)
            v.prefetch({(m, p, True) for m in middles if type(m) is not Literal})
            if any(v.has((m, p, o)) for m in middles):
                return True
        if type(s) is not Literal:
            for chain in r.chains.get(p, ()):
                ends = {s}
                for q, inv in chain:
                    ends = {y for x in ends for y in self._step(x, q, inv, True)}
                if o in ends:
                    return True
        return False

    def rederive(self, gone: set[Triple], base: Callable[[Triple], bool]) -> set[Triple]:
        """The over-deleted facts that still hold: base facts, or one step from the view."""
        r, v = self.rules, self.view
        v.prefetch({k for t in gone for k in self._derive_keys(t)})
        second: set[_Key] = set()  # the next hop of transitive and chain derivations
        for s, p, _ in gone:
            if p in r.transitive:
                second.update((m, p, True) for m in v.out(s, p) if type(m) is not Literal)
            if type(s) is not Literal:
                for chain in r.chains.get(p, ()):
                    (q, inv), (q2, inv2) = chain[0], chain[1]
                    for x in self._step(s, q, inv, True):
                        second.add((x, q2, False) if inv2 else (x, q2, True))
        v.prefetch(second)
        return {t for t in gone if base(t) or self.derivable(t)}


def _infer_fast(ontology: Iterable[Triple], asserted: Iterable[Triple], *,
                use_engine: bool = True) -> list[Triple]:
    """The closure: `reasonable` once, then the chains' consequences to a common fixpoint."""
    import reasonable

    onto = list(ontology)
    schema = read_schema(ontology if isinstance(ontology, Graph) else _as_graph(onto))
    relevant = set(schema.chains)
    relevant.update(p for chains in schema.chains.values() for ch in chains for p, _ in ch)
    rules = _Rules(schema, onto)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(onto)
    reasoner.from_graph(_rule_inputs(onto, asserted, rules))
    closure = reasoner.reason()
    extra = _chain_rules(schema, closure)
    if not extra:
        return closure
    if use_engine and rules.unsupported is None:
        # The chains' consequences by the engine, which mirrors the reasoner's rules here.
        try:
            view = _View(_MemoryBase(set(closure), rules.join_predicates), rules)
            engine = _Engine(rules, view)
            for t in extra:
                view.add(t)
            more = engine.insert(list(extra))
        except NotScoped as exc:
            log.debug("fixpoint by the reasoner: %s", exc)
        else:
            closure.extend(extra)
            closure.extend(more)
            return closure
    return _fixpoint_by_reasoner(reasoner, schema, relevant, extra)


def _rule_inputs(ontology: list[Triple], asserted: Iterable[Triple],
                 rules: _Rules) -> list[Triple]:
    """The asserted triples that a rule can use: all of them, or fewer when that is safe.

    With an ontology in the rule engine's fragment (`rules.unsupported` is None: no owl:sameAs,
    functional properties, restrictions ...) and no schema-level or owl:sameAs triple among the
    asserted ones, a rule fires only on a triple whose predicate the ontology has an axiom or a
    declaration about, or on an rdf:type triple whose class it mentions; any other triple (the
    provenance, quotes, offsets and labels that make most of a document graph) only brings
    conclusions that _clean drops (rdfs:Resource or owl:Thing typing, x owl:sameAs x). Those
    stay out of the reasoner, which then holds a fraction of the graph.
    """
    data = asserted if isinstance(asserted, list) else list(asserted)
    if rules.unsupported is not None:
        return data
    mentioned: set[Node] = set()
    for s, _, o in ontology:
        mentioned.add(s)
        mentioned.add(o)
    watched = _SCHEMA_PREDICATES | {OWL.sameAs, OWL.differentFrom}
    rdf_type = RDF.type
    kept: list[Triple] = []
    keep = kept.append
    for t in data:
        s, p, o = t
        if p == rdf_type:
            if o in _SCHEMA_CLASSES:
                return data
            if o in mentioned:
                keep(t)
        elif p in watched:
            return data
        elif p in mentioned:
            keep(t)
    log.debug("reasoner input: %d of %d asserted triples", len(kept), len(data))
    return kept


def _fixpoint_by_reasoner(reasoner: Any, schema: Schema, relevant: set[Node],
                          extra: set[Triple]) -> list[Triple]:
    """Feed chain results back to the reasoner until neither adds anything."""
    rounds = 1
    while True:
        rounds += 1
        if rounds > 100:  # cannot happen with a finite graph; guards against a reasoner bug
            raise ReasoningError("The reasoner did not reach a fixpoint in 100 rounds.")
        reasoner.from_graph(list(extra))  # appended: the next reason() is incremental
        closure = reasoner.reason()
        extra = _chain_rules(schema, (t for t in closure if t[1] in relevant))
        log.debug("reasoning round %d: %d triples, %d from chains",
                  rounds, len(closure), len(extra))
        if not extra:
            return closure


def _as_graph(triples: Iterable[Triple]) -> Graph:
    """An rdflib Graph of the triples (the argument itself when it is one)."""
    if isinstance(triples, Graph):
        return triples
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def _infer_owlrl(ontology: Iterable[Triple], asserted: Iterable[Triple]) -> list[Triple]:
    import owlrl

    work = Graph()
    for t in ontology:
        work.add(t)
    for t in asserted:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(work)
    return list(work)


def _infer_set(ontology: Iterable[Triple], asserted: Iterable[Triple],
               engine: str) -> set[Triple]:
    """The new instance-level triples of the closure, as a set (see infer)."""
    if engine not in ENGINES:
        raise ReasoningError(f"Unknown reasoner '{engine}': use one of {', '.join(ENGINES)}.")
    onto = ontology if isinstance(ontology, (Graph, list, set)) else list(ontology)
    data = asserted if isinstance(asserted, (Graph, list, set)) else list(asserted)
    start = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    if engine == "fast":
        gc.disable()  # ~10 terms per triple, none cyclic: the cyclic GC would rescan the heap
    try:
        closure = _infer_fast(onto, data) if engine == "fast" else _infer_owlrl(onto, data)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ReasoningError(f"The {engine} reasoner failed: {exc}") from exc
    else:
        result = _clean(closure, onto, data)
    finally:
        if gc_was_enabled:
            gc.enable()
    log.info("%s reasoner: %d + %d triples in, %d inferred, %.2f s", engine, len(onto),
             len(data), len(result), time.perf_counter() - start)
    return result


def infer(ontology: Iterable[Triple], asserted: Iterable[Triple], *,
          engine: str = "fast") -> Graph:
    """The new instance-level triples of the OWL 2 RL closure of ontology + asserted."""
    return _as_graph(_infer_set(ontology, asserted, engine))


# ---------------------------------------------------------------------------
# The inferred graph in the store: full recompute, or a scoped update after a change
# ---------------------------------------------------------------------------

_BATCH = 400  # keys per VALUES block
# Largest number of facts a scoped update may touch before it gives way to a full recompute.
MAX_AFFECTED = 200_000


def _sparql(term: Node) -> str | None:
    """A term as SPARQL text; None for a blank node (it cannot go into VALUES)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    return None


class _StoreBase:
    """The facts before a change, looked up in the store on demand, with what each one is.

    A fact is *old* when it was asserted (ontology, an unchanged document graph, or the old
    content of a changed one) or in the inferred graph. The changed document graphs are never
    read through lookups: their old and new contents are given, so the store may hold either.
    """

    ASSERTED, INFERRED = 1, 2

    def __init__(self, store: KGStore, changed: set[URIRef], old: set[Triple],
                 new: set[Triple]) -> None:
        self.store = store
        self.inferred_graph = store.minter.inferred_graph
        self.ontology_graph = store.minter.ontology_graph
        self.changed = changed
        self.old, self.new = old, new
        self.old_fwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        self.old_bwd: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
        for s, p, o in old:
            self.old_fwd[(s, p)].add(o)
            self.old_bwd[(p, o)].add(s)
        self.fwd: dict[tuple[Node, Node], dict[Node, int]] = {}
        self.bwd: dict[tuple[Node, Node], dict[Node, int]] = {}
        self.queries = 0

    def _kind(self, g: Node) -> int:
        if g == self.inferred_graph:
            return self.INFERRED
        if g in self.changed:
            return 0
        if g == self.ontology_graph or self.store.minter.is_document_graph(g):
            return self.ASSERTED
        return 0  # analytics and any other graph: not facts for reasoning

    def prefetch(self, keys: Iterable[_Key]) -> None:
        """Look up every key not fetched yet, a few hundred per query."""
        todo: dict[bool, list[tuple[Node, Node]]] = {True: [], False: []}
        for node, p, forward in keys:
            table = self.fwd if forward else self.bwd
            pair = (node, p) if forward else (p, node)
            if pair in table:
                continue
            if forward and type(node) is Literal:  # no literal subjects in the store
                table[pair] = {}
                continue
            table[pair] = {}
            todo[forward].append((node, p))
        for forward, pairs in todo.items():
            plain = [(n, p) for n, p in pairs if _sparql(n) is not None]
            for n, p in pairs:
                if _sparql(n) is None:
                    self._fetch_one(n, p, forward)
            for i in range(0, len(plain), _BATCH):
                self._fetch(plain[i:i + _BATCH], forward)

    def _fetch(self, pairs: list[tuple[Node, Node]], forward: bool) -> None:
        var = "s" if forward else "o"
        values = " ".join(f"({_sparql(n)} <{p}>)" for n, p in pairs)
        query = (f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?{var} ?p) {{ {values} }} "
                 f"GRAPH ?g {{ ?s ?p ?o }} }}")
        self.queries += 1
        for row in self.store.select(query):
            self._record(row["s"], row["p"], row["o"], row["g"], forward)

    def _fetch_one(self, node: Node, p: Node, forward: bool) -> None:
        var = "s" if forward else "o"
        query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        self.queries += 1
        for row in self.store.select(query, bindings={var: node, "p": p}):
            self._record(row["s"], row["p"], row["o"], row["g"], forward)

    def _record(self, s: Node, p: Node, o: Node, g: Node, forward: bool) -> None:
        kind = self._kind(g)
        if not kind:
            return
        entry, x = (self.fwd[(s, p)], o) if forward else (self.bwd[(p, o)], s)
        entry[x] = entry.get(x, 0) | kind

    def _flags(self, t: Triple) -> int:
        s, p, o = t
        if (s, p) not in self.fwd:
            self.prefetch([(s, p, True)])
        return self.fwd[(s, p)].get(o, 0)

    def out(self, s: Node, p: Node) -> set[Node]:
        """Objects of old (s p ?) facts."""
        if (s, p) not in self.fwd:
            self.prefetch([(s, p, True)])
        found = set(self.fwd[(s, p)])
        extra = self.old_fwd.get((s, p))
        return found | extra if extra else found

    def into(self, p: Node, o: Node) -> set[Node]:
        """Subjects of old (? p o) facts."""
        if (p, o) not in self.bwd:
            self.prefetch([(o, p, False)])
        found = set(self.bwd[(p, o)])
        extra = self.old_bwd.get((p, o))
        return found | extra if extra else found

    def has(self, t: Triple) -> bool:
        """True when the fact held before the change."""
        return t in self.old or bool(self._flags(t))

    def asserted_old(self, t: Triple) -> bool:
        """True when the fact was asserted before the change."""
        return t in self.old or bool(self._flags(t) & self.ASSERTED)

    def asserted_new(self, t: Triple) -> bool:
        """True when the fact is asserted after the change."""
        return t in self.new or bool(self._flags(t) & self.ASSERTED)

    def inferred_old(self, t: Triple) -> bool:
        """True when the fact is in the stored inferred graph."""
        return bool(self._flags(t) & self.INFERRED)


def _schema_in_documents(store: KGStore, triples: Iterable[Triple]) -> str | None:
    """A schema-level or owl:sameAs triple among `triples` or in any document graph, or None."""
    schema_types = sorted(_SCHEMA_CLASSES, key=str)
    watched = _SCHEMA_PREDICATES | {OWL.sameAs, OWL.differentFrom}
    for s, p, o in triples:
        if p in watched or (p == RDF.type and o in _SCHEMA_CLASSES):
            return f"a document states {s} {p} {o}"
    preds = " ".join(f"<{p}>" for p in sorted(watched, key=str))
    types = " ".join(f"<{c}>" for c in schema_types)
    prefix = f"{store.minter.base}graph/document/"
    rows = store.select(
        f"SELECT ?g WHERE {{ {{ VALUES ?p {{ {preds} }} GRAPH ?g {{ ?s ?p ?o }} }} UNION "
        f"{{ VALUES ?c {{ {types} }} GRAPH ?g {{ ?s a ?c }} }} "
        f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} LIMIT 1')
    return f"the document graph {rows[0]['g']} states schema axioms" if rows else None


def _data_terms(store: KGStore, nodes: set[Node], contents: Iterable[set[Triple]],
                changed: set[URIRef]) -> set[Node]:
    """The nodes that some document uses as a predicate or as a class (rdf:type object)."""
    found: set[Node] = set()
    for content in contents:
        for _, p, o in content:
            if p in nodes:
                found.add(p)
            if p == RDF.type and o in nodes:
                found.add(o)
    iris = sorted((n for n in nodes if isinstance(n, URIRef)), key=str)
    m = store.minter
    for i in range(0, len(iris), _BATCH):
        values = " ".join(f"<{x}>" for x in iris[i:i + _BATCH])
        rows = store.select(
            f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?x {{ {values} }} "
            f"{{ GRAPH ?g {{ ?a ?x ?b }} }} UNION {{ GRAPH ?g {{ ?a a ?x }} }} }}")
        found.update(r["x"] for r in rows
                     if m.is_document_graph(r["g"]) and r["g"] not in changed)
    return found


@dataclass
class InferredDelta:
    """What a change of documents does to the inferred graph, found without a full recompute."""

    add: set[Triple]
    remove: set[Triple]
    removed_asserted: int  # asserted facts that went away (DRed's starting point)
    added_asserted: int  # asserted facts that came
    overdeleted: int  # facts over-deleted, then re-derived or dropped
    derived: int  # facts derived anew (re-derivation and insertion)
    lookups: int  # store queries made


def scoped_delta(store: KGStore, changed: Iterable[URIRef],
                 previous: Mapping[URIRef, Iterable[Triple]] | None = None, *,
                 current: Mapping[URIRef, Iterable[Triple]] | None = None,
                 max_affected: int | None = MAX_AFFECTED) -> InferredDelta:
    """The changes to the inferred graph that a change of document graphs calls for.

    `changed` are the document graphs written (new or replaced) or dropped since the inferred
    graph was last right; `previous` maps each that existed before to its old triples. Their
    new contents are read from the store, or taken from `current` (graph -> new triples, empty
    for a dropped graph) when given, so the delta can be computed *before* writing and applied
    together with the documents in one transaction. Lookups never read the changed graphs.

    Delete-and-rederive (DRed) for the facts that went away, semi-naive forward chaining for
    the facts that came, both against the old closure read from the store (asserted + inferred
    graphs) through batched indexed lookups. The result is the same as a
    full recompute's; raises NotScoped where that cannot be guaranteed (see docs/reasoning.md).
    """
    previous = previous or {}
    m = store.minter
    changed = set(changed)
    ontology = list(store.triples("ontology"))
    schema = read_schema(_as_graph(ontology))
    rules = _Rules(schema, ontology)
    if rules.unsupported:
        raise NotScoped(rules.unsupported)
    terms, onto_bnodes = _ontology_terms(ontology, ())
    skip = frozenset(terms | onto_bnodes)
    old_c: set[Triple] = set()
    new_c: set[Triple] = set()
    for g in changed:
        if not m.is_document_graph(g):
            raise NotScoped(f"{g} is not a document graph")
        old_c |= _normalised(previous.get(g, ()))
        if current is not None and g in current:
            new_c |= _normalised(current[g])
        elif store.has_graph(g):
            new_c |= set(store.triples(str(g)))
    leaving, coming = old_c - new_c, new_c - old_c
    why = _schema_in_documents(store, leaving | coming)
    if why:
        raise NotScoped(why)
    for s, p, o in leaving | coming:
        if (s in skip or (p != RDF.type and o in skip)) and rules.active(p):
            raise NotScoped(f"a document uses the schema term {s if s in skip else o}")
    base = _StoreBase(store, changed, old_c, new_c)
    base.prefetch({(s, p, True) for s, p, _ in leaving | coming})
    removed = {t for t in leaving if not base.asserted_new(t)}
    added = {t for t in coming if not base.asserted_old(t)}
    view = _View(base, rules, skip)
    engine = _Engine(rules, view, max_affected)
    gone = engine.overdelete(removed)
    for t in gone:
        view.hide(t)
    back = engine.rederive(gone, lambda t: t not in removed and base.asserted_old(t))
    for t in back:
        view.add(t)
    grown = engine.insert(list(back))
    fresh = [t for t in added if not view.has(t)]
    for t in fresh:
        view.add(t)
    grown |= engine.insert(fresh)
    touched = gone | grown | added | back
    base.prefetch({(s, p, True) for s, p, _ in touched})
    subjects = {s for s, _, _ in touched if isinstance(s, URIRef | BNode)}
    punned = _data_terms(store, subjects, (old_c, new_c), changed)
    if punned:
        raise NotScoped(f"{sorted(punned)[0]} is used both as an instance and as a term")
    add: set[Triple] = set()
    remove: set[Triple] = set()
    for t in touched:
        want = view.has(t) and not base.asserted_new(t) and _keep(t, skip, onto_bnodes)
        was = base.inferred_old(t)
        if want and not was:
            add.add(t)
        elif was and not want:
            remove.add(t)
    return InferredDelta(add, remove, len(removed), len(added), len(gone),
                         len(grown) + len(fresh), base.queries)


def _keep(t: Triple, skip: frozenset[Node], onto_bnodes: set[Node]) -> bool:
    """The cleaning of _clean for one fact of a scoped update (asserted facts aside)."""
    s, p, o = t
    if type(s) is Literal or _is_meta(s) or p in _SCHEMA_PREDICATES:
        return False
    if s in skip or o in onto_bnodes:
        raise NotScoped(f"{t} is about a schema term")
    if p == RDF.type:
        return not (type(o) is Literal or _is_meta(o))
    return not (p == OWL.sameAs and s == o)


def _write_delta(store: KGStore, add: set[Triple], remove: set[Triple]) -> int | None:
    """Apply a delta to the inferred graph; the graph's new size when it had to be read."""
    graph = store.minter.inferred_graph
    patch = getattr(store, "patch_graph", None)
    if callable(patch):
        if add or remove:
            patch(graph, add=add, remove=remove)
        return None
    if not add and not remove:
        return None
    current = _read_triples(store, "inferred")
    current -= remove
    current |= add
    store.replace_graph(graph, current)
    return len(current)


def update_inferred(
    store: KGStore,
    *,
    engine: str | None = None,
    changed: Iterable[URIRef] | None = None,
    previous: Mapping[URIRef, Iterable[Triple]] | None = None,
    max_affected: int | None = MAX_AFFECTED,
) -> dict[str, object]:
    """Bring the inferred graph up to date: in full, or only where a change of documents reaches.

    Without `changed`: a full recompute from the ontology graph and every document graph,
    written in one transaction (replace_graph). With `changed` (the document graphs written or
    dropped since the inferred graph was last right) and `previous` (each of those graphs'
    triples before the change; leave out the new ones): a scoped update (see scoped_delta) with
    the same result, which falls back to the full recompute when the fast engine is not in use,
    the change reaches more than `max_affected` facts, or exactness cannot be guaranteed.
    """
    engine = engine or store.settings.reasoner
    start = time.perf_counter()
    fallback = None
    if changed is not None and engine == "fast":
        try:
            delta = scoped_delta(store, changed, previous, max_affected=max_affected)
        except NotScoped as exc:
            fallback = str(exc)
            log.info("scoped update not possible (%s): full recompute", exc)
        else:
            size = _write_delta(store, delta.add, delta.remove)
            stats: dict[str, object] = {
                "engine": engine, "mode": "scoped",
                "added": len(delta.add), "removed": len(delta.remove),
                "lookups": delta.lookups,
                "seconds": round(time.perf_counter() - start, 3),
            }
            if size is not None:
                stats["inferred"] = size
            log.info("inferred graph updated: %s", stats)
            return stats
    ontology = list(store.triples("ontology"))
    asserted = _read_triples(store, "documents")
    inferred = _infer_set(ontology, asserted, engine)
    store.replace_graph(store.minter.inferred_graph, inferred)
    stats = {
        "engine": engine,
        "mode": "full",
        "asserted": len(asserted),
        "inferred": len(inferred),
        "seconds": round(time.perf_counter() - start, 3),
    }
    if fallback:
        stats["fallback"] = fallback
    log.info("inferred graph rebuilt: %s", stats)
    return stats


# ---------------------------------------------------------------------------
# Reading whole graphs fast (N-Quads export instead of one term conversion at a time)
# ---------------------------------------------------------------------------

_NQ_IRI = r"<([^>]*)>"
_NQ_LINE = re.compile(
    rf"(?:{_NQ_IRI}|_:(\S+)) {_NQ_IRI} "
    rf'(?:{_NQ_IRI}|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z][A-Za-z0-9-]*)|\^\^{_NQ_IRI})?)'
    rf"(?: {_NQ_IRI})? \.$")
_NQ_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_NQ_CHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
             "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    short, long, char = match.groups()
    if short or long:
        return chr(int(short or long, 16))
    return _NQ_CHARS[char]


def _read_triples(store: KGStore, selector: str) -> set[Triple]:
    """The triples of the selected graphs, read through an N-Quads export (as store.triples).

    Terms are built without rdflib's per-IRI validation (the store holds valid IRIs) and
    shared between triples, which makes later set and dict operations cheaper. Any line
    this reader does not understand makes it fall back to store.triples. The export goes
    through a temporary file read line by line, so the text is never held whole in memory.
    """
    with tempfile.TemporaryFile() as spool:
        store.export(spool, "nquads", selector)
        spool.seek(0)
        return _parse_nquads(io.TextIOWrapper(spool, encoding="utf-8", newline="\n"), store, selector)


def _parse_nquads(lines: Iterable[str], store: KGStore, selector: str) -> set[Triple]:
    """The triples of N-Quads lines (see _read_triples), terms shared between triples."""
    iris: dict[str, URIRef] = {}
    bnodes: dict[str, BNode] = {}
    literals: dict[tuple[str, str | None, str | None], Literal] = {}
    new_iri = str.__new__
    out: set[Triple] = set()
    add = out.add
    for raw in lines:
        line = raw[:-1] if raw.endswith("\n") else raw
        m = _NQ_LINE.match(line)
        if m is None:
            if line.strip():
                log.debug("unexpected N-Quads line, reading term by term: %r", line[:200])
                return set(store.triples(selector))
            continue
        s_iri, s_bn, p_iri, o_iri, o_bn, lex, lang, dt, _ = m.groups()
        s = (iris.get(s_iri) or iris.setdefault(s_iri, new_iri(URIRef, s_iri))
             if s_iri is not None else bnodes.setdefault(s_bn, BNode(s_bn)))
        p = iris.get(p_iri) or iris.setdefault(p_iri, new_iri(URIRef, p_iri))
        o: Node
        if o_iri is not None:
            o = iris.get(o_iri) or iris.setdefault(o_iri, new_iri(URIRef, o_iri))
        elif o_bn is not None:
            o = bnodes.setdefault(o_bn, BNode(o_bn))
        else:
            key = (lex, lang, dt)
            lit = literals.get(key)
            if lit is None:
                text = _NQ_ESCAPE.sub(_unescape, lex) if "\\" in lex else lex
                if lang:
                    lit = Literal(text, lang=lang)
                elif dt and dt != _XSD_STRING:
                    lit = Literal(text, datatype=URIRef(dt))
                else:
                    lit = Literal(text)
                literals[key] = lit
            o = lit
        add((s, p, o))
    return out


# ---------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AssertedFact:
    """An asserted triple an inference rests on, with the named graphs that assert it."""

    triple: Triple
    graphs: tuple[URIRef, ...]
    documents: tuple[str, ...]  # document slugs of the document graphs among `graphs`


@dataclass(frozen=True)
class Step:
    """One rule application: `premises` give `conclusion` by `rule` under `axiom`."""

    rule: str  # subPropertyOf, equivalentProperty, inverseOf, symmetric, transitive,
    #            propertyChain, domain, range, subClassOf
    conclusion: Triple
    premises: tuple[Triple, ...]
    axiom: Triple | None  # the ontology triple that licenses the step; None for a chain
    via: tuple[Node, ...] = ()  # intermediate nodes of a transitive path or a property chain
    chain: tuple[tuple[Node, bool], ...] = ()  # a chain's (property, inverted?) steps


@dataclass
class Explanation:
    """Why a triple holds: the asserted facts it rests on and the rule steps, premises first."""

    triple: Triple
    asserted: bool
    support: list[AssertedFact]
    steps: list[Step]
    complete: bool = True  # False when the triple is inferred but no derivation was found


class _Facts:
    """Pattern lookups over the asserted (documents + ontology) and inferred graphs, cached."""

    def __init__(self, store: KGStore) -> None:
        self.store = store
        m = store.minter
        self.allowed = {m.ontology_graph, m.inferred_graph}
        self.inferred = m.inferred_graph
        self._cache: dict[tuple[str, Node, Node], list[tuple[Node, URIRef]]] = {}

    def _ok(self, g: URIRef) -> bool:
        return g in self.allowed or self.store.minter.is_document_graph(g)

    def _query(self, kind: str, a: Node, b: Node) -> list[tuple[Node, URIRef]]:
        key = (kind, a, b)
        if key not in self._cache:
            if kind == "o":
                q, bind = "SELECT ?s ?p ?x ?g WHERE { GRAPH ?g { ?s ?p ?x } }", {"s": a, "p": b}
            elif kind == "s":
                q, bind = "SELECT ?x ?p ?o ?g WHERE { GRAPH ?g { ?x ?p ?o } }", {"p": a, "o": b}
            else:
                raise ValueError(kind)
            rows = self.store.select(q, bindings=bind)
            self._cache[key] = [(r["x"], r["g"]) for r in rows if self._ok(r["g"])]  # type: ignore[misc]
        return self._cache[key]

    def edges(self, s: Node, p: Node) -> list[tuple[Node, URIRef]]:
        return self._query("o", s, p)

    def objects(self, s: Node, p: Node) -> set[Node]:
        return {_norm(x) for x, _ in self._query("o", s, p)}

    def subjects(self, p: Node, o: Node) -> set[Node]:
        return {x for x, _ in self._query("s", p, o)}

    def graphs(self, t: Triple) -> list[URIRef]:
        s, p, o = t
        return sorted({g for x, g in self._query("o", s, p) if _norm(x) == _norm(o)})

    def asserted_in(self, t: Triple) -> list[URIRef]:
        return [g for g in self.graphs(t) if g != self.inferred]

    def holds(self, t: Triple) -> bool:
        return bool(self.graphs(t))


class _Prover:
    """Backward search for a derivation over asserted + inferred facts."""

    def __init__(self, facts: _Facts, schema: Schema) -> None:
        self.facts = facts
        self.schema = schema

    def candidates(self, t: Triple) -> Iterator[Step]:
        """Rule applications whose premises all hold and that conclude `t`."""
        s, p, o = t
        f, sc = self.facts, self.schema
        if p == RDF.type:
            for d in sorted(sc.sub_classes.get(o, ()), key=str):
                if f.holds((s, RDF.type, d)):
                    yield Step("subClassOf", t, ((s, RDF.type, d),), (d, RDFS.subClassOf, o))
            for q in sorted(sc.properties_with_domain(o), key=str):
                for x in sorted(f.objects(s, q), key=str):
                    yield Step("domain", t, ((s, q, x),), (q, RDFS.domain, o))
            for q in sorted(sc.properties_with_range(o), key=str):
                for x in sorted(f.subjects(q, s), key=str):
                    yield Step("range", t, ((x, q, s),), (q, RDFS.range, o))
            return
        for q in sorted(sc.sub_properties.get(p, ()), key=str):
            if f.holds((s, q, o)):
                yield Step("subPropertyOf", t, ((s, q, o),), (q, RDFS.subPropertyOf, p))
        if isinstance(o, Literal):
            return
        for q in sorted(sc.inverses.get(p, ()), key=str):
            if f.holds((o, q, s)):
                yield Step("inverseOf", t, ((o, q, s),), (q, OWL.inverseOf, p))
        if p in sc.symmetric and f.holds((o, p, s)):
            yield Step("symmetric", t, ((o, p, s),), (p, RDF.type, OWL.SymmetricProperty))
        if p in sc.transitive:
            path = self._asserted_path(s, p, o)
            if path:
                premises = tuple((a, p, b) for a, b in zip(path, path[1:], strict=False))
                yield Step("transitive", t, premises, (p, RDF.type, OWL.TransitiveProperty),
                           tuple(path[1:-1]))
            for m in sorted(f.objects(s, p), key=str):
                if m not in (s, o) and f.holds((m, p, o)):
                    yield Step("transitive", t, ((s, p, m), (m, p, o)),
                               (p, RDF.type, OWL.TransitiveProperty), (m,))
        for chain in sc.chains.get(p, ()):
            for path in self._paths(s, chain, o):
                premises = tuple(
                    (b, q, a) if inv else (a, q, b)
                    for (q, inv), a, b in zip(chain, path, path[1:], strict=False)
                )
                yield Step("propertyChain", t, premises, None, tuple(path[1:-1]), chain)

    def _asserted_path(self, s: Node, p: Node, o: Node) -> list[Node] | None:
        """The shortest path s, ..., o over asserted p-edges of two or more hops, or None."""
        parents: dict[Node, Node] = {s: s}
        frontier = [s]
        while frontier:
            nxt: list[Node] = []
            for a in frontier:
                for b, g in self.facts.edges(a, p):
                    if g == self.facts.inferred or b in parents:
                        continue
                    parents[b] = a
                    if b == o:
                        path = [o]
                        while path[-1] != s:
                            path.append(parents[path[-1]])
                        return path[::-1] if len(path) > 2 else None
                    nxt.append(b)
            frontier = sorted(set(nxt), key=str)
        return None

    def _paths(
        self, s: Node, chain: tuple[tuple[Node, bool], ...], o: Node
    ) -> Iterator[list[Node]]:
        """Node paths s, x1, ..., o that follow the chain's steps through known facts."""
        (q, inv), rest = chain[0], chain[1:]
        nxt = self.facts.subjects(q, s) if inv else self.facts.objects(s, q)
        for x in sorted(nxt, key=str):
            if not rest:
                if x == o:
                    yield [s, o]
            else:
                for tail in self._paths(x, rest, o):
                    yield [s, *tail]

    def prove(self, t: Triple, depth: int, stack: frozenset[Triple]) -> list[Step] | None:
        """Steps deriving `t` (premises first; empty when asserted) within `depth`, or None."""
        if self.facts.asserted_in(t):
            return []
        if depth <= 0 or t in stack:
            return None
        stack = stack | {t}
        for step in self.candidates(t):
            steps: list[Step] = []
            for premise in step.premises:
                sub = self.prove(premise, depth - 1, stack)
                if sub is None:
                    break
                steps.extend(x for x in sub if x not in steps)
            else:
                return [*steps, _merge_path(step, steps)]
        return None


def _merge_path(step: Step, steps: list[Step]) -> Step:
    """Fold transitive sub-steps of the same property into one path step."""
    if step.rule != "transitive":
        return step
    p = step.conclusion[1]
    nodes: list[Node] = []
    premises: list[Triple] = []
    for premise in step.premises:
        sub = next((x for x in steps if x.conclusion == premise and x.rule == "transitive"
                    and x.conclusion[1] == p), None)
        shared = sub is not None and any(premise in x.premises for x in steps)
        if sub is not None and not shared:
            steps.remove(sub)
            premises.extend(sub.premises)
        else:
            premises.append(premise)
    for a, _, b in premises:
        if not nodes:
            nodes.append(a)
        nodes.append(b)
    return Step("transitive", step.conclusion, tuple(premises), step.axiom, tuple(nodes[1:-1]))


def explain(store: KGStore, s: URIRef, p: URIRef, o: Node, *, max_depth: int = 8) -> Explanation:
    """Explain why (s, p, o) holds: asserted triples (with their documents) and rule steps.

    Backward search over the asserted and inferred graphs with the ontology graph's axioms,
    by iterative deepening (the shallowest derivation wins). Premises are looked up in the
    stored graphs, so the inferred graph should be up to date (see update_inferred). Raises
    NotFoundError when the triple is neither asserted nor derivable.
    """
    facts = _Facts(store)
    t: Triple = (s, p, _norm(o))
    graphs = facts.asserted_in(t)
    if graphs:
        return Explanation(t, True, [_fact(facts, t)], [])
    schema = read_schema(store.graph("ontology"))
    prover = _Prover(facts, schema)
    steps: list[Step] | None = None
    for depth in range(1, max_depth + 1):
        steps = prover.prove(t, depth, frozenset())
        if steps is not None:
            break
    if steps is None:
        if facts.holds(t):
            log.warning("No derivation within depth %d for the inferred %s", max_depth, t)
            return Explanation(t, False, [], [], complete=False)
        raise NotFoundError(f"{t[0]} {t[1]} {t[2]} is neither asserted nor derivable.")
    leaves: list[Triple] = []
    concluded = {x.conclusion for x in steps}
    for step in steps:
        for premise in step.premises:
            if premise not in concluded and premise not in leaves:
                leaves.append(premise)
    return Explanation(t, False, [_fact(facts, x) for x in leaves], steps)


def _fact(facts: _Facts, t: Triple) -> AssertedFact:
    graphs = tuple(facts.asserted_in(t))
    prefix = f"{facts.store.settings.base_iri}graph/document/"
    docs = tuple(g[len(prefix):] for g in graphs if g.startswith(prefix))
    return AssertedFact(t, graphs, docs)


def _short(term: Node, base: str) -> str:
    if isinstance(term, Literal):
        return term.n3()
    text = str(term)
    if text.startswith(base):
        return text[len(base):]
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and len(text) > len(ns):
            return f"{prefix}:{text[len(ns):]}"
    return f"<{text}>" if isinstance(term, URIRef) else f"_:{text}"


def explanation_iris(expl: Explanation) -> set[str]:
    """Every IRI an explanation mentions (for looking up labels)."""
    triples: list[Triple] = [expl.triple]
    for step in expl.steps:
        triples.extend(step.premises)
        triples.append(step.conclusion)
        triples.extend([(v, v, v) for v in step.via])
    triples.extend(fact.triple for fact in expl.support)
    return {str(x) for t in triples for x in t if isinstance(x, URIRef)}


def format_explanation(expl: Explanation, base: str = "",
                       labels: Mapping[str, str] | None = None) -> str:
    """A readable, multi-line text of an explanation (for the CLI); with `labels`, a
    resource's label is printed beside its IRI ("Spain [place/geonames-2510769]")."""
    def short(term: Node) -> str:
        text = _short(term, base)
        label = (labels or {}).get(str(term)) if isinstance(term, URIRef) else None
        return f"{label} [{text}]" if label and label != text and str(term).startswith(base) \
            else text

    def tr(t: Triple) -> str:
        return " ".join(short(x) for x in t)

    status = "asserted" if expl.asserted else "inferred"
    lines = [f"{tr(expl.triple)}  ({status})"]
    if not expl.complete:
        lines.append("  no derivation found within the search depth")
    if expl.steps:
        lines.append("Because:")
        for i, step in enumerate(expl.steps, 1):
            if step.rule == "transitive":
                path = [step.premises[0][0], *step.via, step.premises[-1][2]]
                what = (f"{short(step.conclusion[1])} is transitive: "
                        + " → ".join(short(x) for x in path))
            elif step.rule == "propertyChain":
                via = ", ".join(short(x) for x in step.via)
                chain = " ∘ ".join(
                    f"inverse({short(q)})" if inv else short(q)
                    for q, inv in step.chain)
                what = (f"property chain {short(step.conclusion[1])} ⊒ {chain} "
                        f"via {via}")
            else:
                what = f"{step.rule}: {tr(step.axiom)}" if step.axiom else step.rule
            lines.append(f"  {i}. {what}")
            for premise in step.premises:
                lines.append(f"       from {tr(premise)}")
            lines.append(f"       gives {tr(step.conclusion)}")
    if expl.support:
        lines.append("Asserted in:")
        for fact in expl.support:
            where = ", ".join(fact.documents) or ", ".join(short(g) for g in fact.graphs)
            lines.append(f"  - {tr(fact.triple)}  [{where}]")
    return "\n".join(lines)
