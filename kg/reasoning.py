"""OWL 2 RL reasoning: the inferred graph, and explanations of inferred facts.

Two engines compute the same instance-level inferences:

- ``"owlrl"``: the reference, ``owlrl.DeductiveClosure(OWLRL_Semantics)`` run on a copy of
  ontology + asserted triples. Slow (pure Python) but complete for OWL 2 RL.
- ``"fast"``: the Rust reasoner ``reasonable`` for everything it does (RDFS, sub-properties,
  inverses, symmetric and transitive properties, domain/range, sub-classes ...) plus Python rules
  for what it skips: property chains (``owl:propertyChainAxiom``, read from the ontology,
  never hard-coded). Both are iterated to a common fixpoint.

Only the *new* instance-level triples are returned; schema-level and trivial noise
(``x owl:sameAs x``, ``rdf:type owl:Thing``, facts about ontology terms, literals or the
ontology's blank nodes) is dropped. :func:`explain` reconstructs why an inferred triple holds.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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

def _is_meta(term: Node) -> bool:
    """True for an IRI of RDF, RDFS, OWL or XSD (URIRef.startswith ignores tuples)."""
    return isinstance(term, URIRef) and str(term).startswith(_META_NAMESPACES)


def _norm(term: Node) -> Node:
    """Plain and xsd:string literals are the same RDF 1.1 term; rdflib keeps them apart."""
    if type(term) is Literal and term.datatype is not None and str(term.datatype) == _XSD_STRING:
        return Literal(str(term))
    return term


def _norm_triple(t: Triple) -> Triple:
    return (t[0], t[1], _norm(t[2]))


def is_ikg_triple(t: Triple) -> bool:
    """True for a triple in the ikg vocabulary: an ikg predicate, or rdf:type an ikg class."""
    _, p, o = t
    if p == RDF.type:
        return isinstance(o, URIRef) and o.startswith(str(IKG))
    return p.startswith(str(IKG))


def _ontology_terms(ontology: Graph, asserted: Graph) -> tuple[set[Node], set[Node]]:
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
    for _, p, o in asserted:
        terms.add(p)
        if p == RDF.type:
            terms.add(o)
    terms -= bnodes
    return terms, bnodes


def _with_string_variants(triples: Iterable[Triple]) -> set[Triple]:
    """The triples, plus each plain-literal one again with an explicit xsd:string datatype."""
    out: set[Triple] = set()
    for t in triples:
        out.add(t)
        o = t[2]
        if type(o) is Literal and o.datatype is None and not o.language:
            out.add((t[0], t[1], Literal(str(o), datatype=XSD.string)))
    return out


def _clean(candidates: Iterable[Triple], ontology: Graph, asserted: Graph) -> Graph:
    """Keep the new instance-level triples among `candidates`."""
    given = _with_string_variants(ontology)
    given |= _with_string_variants(asserted)
    fresh = set(candidates)
    fresh -= given
    terms, onto_bnodes = _ontology_terms(ontology, asserted)
    skip_subjects = terms | onto_bnodes
    rdf_type, same_as = RDF.type, OWL.sameAs
    out = Graph()
    add = out.add
    for t in fresh:
        s, p, o = t
        if s in skip_subjects or p in _SCHEMA_PREDICATES or o in onto_bnodes:
            continue
        if isinstance(s, Literal) or _is_meta(s):
            continue
        if p == rdf_type:
            if isinstance(o, Literal) or _is_meta(o):
                continue  # owl:Thing, rdfs:Resource, owl:NamedIndividual, datatype typing
        elif p == same_as and s == o:
            continue
        add(_norm_triple(t))
    return out


def _chain_rules(schema: Schema, facts: set[Triple]) -> set[Triple]:
    """Apply every property chain of the schema to a fixpoint; return the triples not in `facts`."""
    if not schema.chains:
        return set()
    wanted = {p for chains in schema.chains.values() for chain in chains for p, _ in chain}
    forward: dict[Node, dict[Node, set[Node]]] = {p: defaultdict(set) for p in wanted}
    backward: dict[Node, dict[Node, set[Node]]] = {p: defaultdict(set) for p in wanted}

    def index(s: Node, p: Node, o: Node) -> None:
        forward[p][s].add(o)
        backward[p][o].add(s)

    for s, p, o in facts:
        if p in wanted:
            index(s, p, o)
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
                        if t not in facts and t not in new:
                            found.add(t)
        if not found:
            return new
        new |= found
        for s, p, o in found:
            if p in wanted:
                index(s, p, o)


def _infer_fast(ontology: Graph, asserted: Graph) -> list[Triple]:
    import reasonable

    schema = read_schema(ontology)
    relevant = set(schema.chains)
    relevant.update(p for chains in schema.chains.values() for ch in chains for p, _ in ch)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(ontology)
    reasoner.from_graph(asserted)
    rounds = 0
    while True:
        rounds += 1
        closure = reasoner.reason()
        facts = {t for t in closure if t[1] in relevant}
        extra = _chain_rules(schema, facts)
        log.debug("reasoning round %d: %d triples, %d from chains",
                  rounds, len(closure), len(extra))
        if not extra:
            return closure
        if rounds > 100:  # cannot happen with a finite graph; guards against a reasoner bug
            raise ReasoningError("The reasoner did not reach a fixpoint in 100 rounds.")
        reasoner.from_graph(list(extra))  # appended: the next reason() is incremental


def _infer_owlrl(ontology: Graph, asserted: Graph) -> list[Triple]:
    import owlrl

    work = Graph()
    for t in ontology:
        work.add(t)
    for t in asserted:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(work)
    return list(work)


def infer(ontology: Graph, asserted: Graph, *, engine: str = "fast") -> Graph:
    """The new instance-level triples of the OWL 2 RL closure of ontology + asserted."""
    if engine not in ENGINES:
        raise ReasoningError(f"Unknown reasoner '{engine}': use one of {', '.join(ENGINES)}.")
    start = time.perf_counter()
    gc_was_enabled = gc.isenabled()
    if engine == "fast":
        gc.disable()  # ~10 terms per triple, none cyclic: the cyclic GC would rescan the heap often
    try:
        closure = _infer_fast(ontology, asserted) if engine == "fast" else _infer_owlrl(
            ontology, asserted)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ReasoningError(f"The {engine} reasoner failed: {exc}") from exc
    else:
        result = _clean(closure, ontology, asserted)
    finally:
        if gc_was_enabled:
            gc.enable()
    log.info("%s reasoner: %d + %d triples in, %d inferred, %.2f s", engine, len(ontology),
             len(asserted), len(result), time.perf_counter() - start)
    return result


def update_inferred(store: KGStore, *, engine: str | None = None) -> dict[str, object]:
    """Recompute the inferred graph from the ontology graph and every document graph.

    Always a full recompute, in one transaction (replace_graph). TODO(scoped update): a
    single-document path is not offered. For an *added* document, OWL 2 RL is monotone, so
    closure(old asserted + old inferred + new document) minus the asserted triples would be
    exact, but it still has to load and re-scan every triple, so it saves little over a full
    run; for a *changed or removed* document, inferences that rested on the old content must
    be retracted (DRed-style bookkeeping), which is not worth the risk at the current sizes
    (a full recompute of 50k triples takes seconds with the fast engine).
    """
    engine = engine or store.settings.reasoner
    start = time.perf_counter()
    ontology = store.graph("ontology")
    asserted = store.graph("documents")
    inferred = infer(ontology, asserted, engine=engine)
    store.replace_graph(store.minter.inferred_graph, inferred)
    stats: dict[str, object] = {
        "engine": engine,
        "asserted": len(asserted),
        "inferred": len(inferred),
        "seconds": round(time.perf_counter() - start, 3),
    }
    log.info("inferred graph rebuilt: %s", stats)
    return stats


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


def format_explanation(expl: Explanation, base: str = "") -> str:
    """A readable, multi-line text of an explanation (for the CLI)."""
    def tr(t: Triple) -> str:
        return " ".join(_short(x, base) for x in t)

    status = "asserted" if expl.asserted else "inferred"
    lines = [f"{tr(expl.triple)}  ({status})"]
    if not expl.complete:
        lines.append("  no derivation found within the search depth")
    if expl.steps:
        lines.append("Because:")
        for i, step in enumerate(expl.steps, 1):
            if step.rule == "transitive":
                path = [step.premises[0][0], *step.via, step.premises[-1][2]]
                what = (f"{_short(step.conclusion[1], base)} is transitive: "
                        + " → ".join(_short(x, base) for x in path))
            elif step.rule == "propertyChain":
                via = ", ".join(_short(x, base) for x in step.via)
                chain = " ∘ ".join(
                    f"inverse({_short(q, base)})" if inv else _short(q, base)
                    for q, inv in step.chain)
                what = (f"property chain {_short(step.conclusion[1], base)} ⊒ {chain} "
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
            where = ", ".join(fact.documents) or ", ".join(_short(g, base) for g in fact.graphs)
            lines.append(f"  - {tr(fact.triple)}  [{where}]")
    return "\n".join(lines)
