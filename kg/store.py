"""The embedded store: the only module that talks to pyoxigraph.

One named graph per document, one for the ontology, one for inferences; queries
see the union of the selected graphs as their default graph. Everything outside
this module sees rdflib terms.

The union of the document graphs is kept, as a set, in the store's own default graph: every
write of a document graph updates it in the same transaction (a triple leaves it when no
document graph states it any more). A query without ``GRAPH`` sees that union beside the
ontology, inferred and other graphs, which state nothing a document states (the reasoner
keeps asserted facts out of the inferred graph), so it sees each triple once however many
documents state it; ``GRAPH ?g`` still ranges over the named graphs only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryError, ReadOnlyError, StoreError, StoreLockedError
from kg.namespaces import PREFIXES, Minter
from kg.settings import Settings
from kg.sparql_guard import check_query

Triple = tuple[Node, Node, Node]

# Export / result formats: name -> pyoxigraph format.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
}
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
DATASET_FORMATS = {"trig", "nquads", "nq"}

_UPDATE_RE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_COMMENT_RE = re.compile(r"(?m)^\s*#.*$")


def is_update(sparql: str) -> bool:
    """True when a SPARQL text is an update request rather than a query."""
    return bool(_UPDATE_RE.match(_COMMENT_RE.sub("", sparql)))


def to_ox(term: Node) -> Any:
    """Convert an rdflib term to a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot store term {term!r}")


def from_ox(term: Any) -> Node:
    """Convert a pyoxigraph term to an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise StoreError(f"unsupported term {term!r}")


def _nt(term: Node) -> str:
    """N-Triples form of an rdflib term (for SPARQL update text)."""
    return str(to_ox(term))


DEFAULT_GRAPH = ox.DefaultGraph()


class TripleResult(list):  # type: ignore[type-arg]
    """The triples of a CONSTRUCT/DESCRIBE answer that did not come from the embedded store."""


def _data_operation(verb: str, graph: URIRef, triples: Iterable[Triple]) -> str:
    """An `INSERT DATA` / `DELETE DATA` operation on one graph ("" when there are no triples)."""
    body = " .\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)}" for s, p, o in triples)
    return f"{verb} DATA {{ GRAPH {_nt(graph)} {{\n{body} .\n}} }}" if body else ""


def _copy_to_union(graph: URIRef) -> str:
    """Update operation: add a document graph's triples to the union (the default graph)."""
    return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {_nt(graph)} {{ ?s ?p ?o }} }}"


class KGStore:
    """A pyoxigraph store on disk (or in memory when `path` is None) with the product's graphs.

    With `read_only`, the store at the settings' path is opened for reading only (any number of
    processes may do so, e.g. on a checkpoint; see `checkpoint`) and every write is refused.
    """

    read_only = False
    reader_lock: Any = None  # a kg.checkpoints.ReaderLock held while a checkpoint is open

    def __init__(self, settings: Settings, *, in_memory: bool = False, read_only: bool = False) -> None:
        self.settings = settings
        self.minter = Minter(settings.base_iri)
        self.path: Path | None = None if in_memory else Path(settings.store_path)
        self.read_only = read_only and self.path is not None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif self.read_only:
                if not self.path.is_dir():
                    raise StoreError(f"No store at {self.path}.")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            text = str(exc)
            if "lock" in text.lower() or "resource temporarily unavailable" in text.lower():
                raise StoreLockedError(
                    f"The store at {self.path} is open in another process (is `kg serve` or "
                    f"another `kg ingest` running?). Stop it, or send documents through the "
                    f"server's admin endpoint."
                ) from exc
            raise StoreError(f"Cannot open the store at {self.path}: {text}") from exc
        self._others: list[Any] | None = None  # the named graphs that are not documents' (cached)
        if not self.read_only:
            self._ensure_union()

    def checkpoint(self, target: Path) -> None:
        """Write a consistent, independent copy of the store into the new directory `target`
        (a RocksDB checkpoint: hard links to the immutable files, so its cost does not grow
        with the store); open it with ``KGStore(settings, read_only=True)``."""
        if self.path is None:
            # An in-memory store (tests): copy it into a new on-disk store.
            copy = ox.Store(str(target))
            copy.extend(self._store.quads_for_pattern(None, None, None, None))
            copy.flush()
            del copy
            return
        try:
            self._store.backup(str(target))
        except OSError as exc:
            raise StoreError(f"Cannot write a checkpoint of the store to {target}: {exc}") from exc

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"The store at {self.path} is open read-only.")

    def _ensure_union(self) -> None:
        """Fill the union of the document graphs when a store written before it was kept has
        document graphs and an empty default graph (one transaction)."""
        if next(self._store.quads_for_pattern(None, None, None, DEFAULT_GRAPH), None) is not None:
            return
        if not any(self.minter.is_document_graph(g.value) for g in self._store.named_graphs()
                   if isinstance(g, ox.NamedNode)):
            return
        self.rebuild_union()

    def rebuild_union(self) -> None:
        """Recompute the union of the document graphs (the default graph) from them, in one
        transaction."""
        self._store.update(
            f"DROP SILENT DEFAULT ; INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?g), "{self._document_prefix}")) }}')

    @property
    def _document_prefix(self) -> str:
        return str(self.minter.document_graph("x"))[:-1]

    def _unlink(self, graph: URIRef) -> str:
        """Update operation: drop from the union what only the document graph `graph` states."""
        g = _nt(graph)
        return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ "
                f"GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {g} && "
                f'STRSTARTS(STR(?h), "{self._document_prefix}")) }} }}')

    def _unlink_triples(self, triples: list[Triple]) -> str:
        """Update operation: drop from the union the triples no document graph states any more."""
        rows = " ".join(f"({_nt(s)} {_nt(p)} {_nt(o)})" for s, p, o in triples
                        if not isinstance(s, BNode) and not isinstance(o, BNode))
        if not rows:
            return ""
        return (f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} ?s ?p ?o "
                f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} "
                f'FILTER(STRSTARTS(STR(?h), "{self._document_prefix}")) }} }}')

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        """Flush and release the store."""
        store = getattr(self, "_store", None)
        if store is not None:
            try:
                if not self.read_only:
                    store.flush()
            except OSError:
                pass
            del self._store
        if self.reader_lock is not None:
            self.reader_lock.release()
            self.reader_lock = None

    def __enter__(self) -> KGStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------
    def replace_graphs(self, graphs: Mapping[URIRef, Iterable[Triple]]) -> None:
        """Replace each named graph's content whole, all in one transaction."""
        self.write(replace=graphs)

    def patch_graph(self, graph: URIRef, *, add: Iterable[Triple] = (), remove: Iterable[Triple] = ()) -> None:
        """Remove some triples from a named graph and add others, in one transaction."""
        self.write(patch={graph: (add, remove)})

    def write(
        self,
        *,
        replace: Mapping[URIRef, Iterable[Triple]] | None = None,
        patch: Mapping[URIRef, tuple[Iterable[Triple], Iterable[Triple]]] | None = None,
    ) -> None:
        """Replace some graphs whole and patch others (graph -> (add, remove)), all in one
        transaction: a document and the inferences it changes go in together or not at all."""
        replace = {g: list(t) for g, t in (replace or {}).items()}
        patch = {g: (list(add), list(rm)) for g, (add, rm) in (patch or {}).items()}
        self._writable()
        is_document = self.minter.is_document_graph
        self._others = None
        if not any(self.has_graph(g) for g in replace) and not any(rm for _, rm in patch.values()):
            # Only additions (new graphs, new inferences): one transactional bulk insert of quads,
            # much cheaper than parsing an update text. Documents' triples go to the union too.
            quads = []
            for g, triples in [*replace.items(), *((g, add) for g, (add, _) in patch.items())]:
                name = ox.NamedNode(str(g))
                union = is_document(g)
                for s, p, o in triples:
                    s_, p_, o_ = to_ox(s), to_ox(p), to_ox(o)
                    quads.append(ox.Quad(s_, p_, o_, name))
                    if union:
                        quads.append(ox.Quad(s_, p_, o_, DEFAULT_GRAPH))
            try:
                self._store.extend(quads)
            except (OSError, ValueError) as exc:
                raise StoreError(f"Writing graphs failed, nothing was changed: {exc}") from exc
            return
        parts: list[str] = []
        for graph, triples in replace.items():
            if is_document(graph):
                parts.append(self._unlink(graph))
            parts.append(f"DROP SILENT GRAPH {_nt(graph)}")
            parts.append(_data_operation("INSERT", graph, triples))
            if is_document(graph) and triples:
                parts.append(_copy_to_union(graph))
        for graph, (add, remove) in patch.items():
            parts.append(_data_operation("DELETE", graph, remove))
            parts.append(_data_operation("INSERT", graph, add))
            if is_document(graph):
                if add:
                    parts.append(_copy_to_union(graph))
                parts.append(self._unlink_triples(remove))
        parts = [part for part in parts if part]
        if not parts:
            return
        try:
            self._store.update(" ;\n".join(parts))
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"Writing graphs failed, nothing was changed: {exc}") from exc

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Replace one named graph's content whole, in one transaction."""
        self.replace_graphs({graph: triples})

    def remove_graphs(self, graphs: Iterable[URIRef]) -> None:
        """Remove named graphs, all in one transaction."""
        self._writable()
        parts = []
        for g in graphs:
            if self.minter.is_document_graph(g):
                parts.append(self._unlink(g))
            parts.append(f"DROP SILENT GRAPH {_nt(g)}")
        self._others = None
        if parts:
            self._store.update(" ;\n".join(parts))

    def clear(self) -> None:
        """Remove everything from the store."""
        self._writable()
        self._others = None
        self._store.clear()

    def flush(self) -> None:
        """Make writes durable."""
        if not self.read_only:
            self._store.flush()

    # -- graphs ------------------------------------------------------------
    def named_graphs(self) -> list[URIRef]:
        """Every named graph in the store."""
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def document_graphs(self) -> list[URIRef]:
        """The named graphs that hold documents."""
        return [g for g in self.named_graphs() if self.minter.is_document_graph(g)]

    def has_graph(self, graph: URIRef) -> bool:
        """True when the named graph exists."""
        return self._store.contains_named_graph(ox.NamedNode(str(graph)))

    def resolve_graphs(self, selector: str = "all") -> list[URIRef] | None:
        """Graph names for a selector (all, asserted, inferred, ontology, analytics, a document id
        or a graph IRI); None means the union of every graph."""
        m = self.minter
        if selector in ("all", "", None):
            return None
        if selector == "asserted":
            return [*self.document_graphs(), m.ontology_graph]
        if selector == "documents":
            return self.document_graphs()
        if selector == "inferred":
            return [m.inferred_graph]
        if selector == "ontology":
            return [m.ontology_graph]
        if selector == "analytics":
            return [m.analytics_graph]
        if selector.startswith(("http://", "https://", "urn:")):
            return [URIRef(selector)]
        graph = m.document_graph(selector)
        if not self.has_graph(graph):
            raise StoreError(
                f"No graph for '{selector}': give all, asserted, inferred, ontology, "
                f"analytics, a document identifier or a graph IRI."
            )
        return [graph]

    def _other_graphs(self) -> list[Any]:
        """The named graphs that are not documents' (ontology, inferred, analytics, ...), cached
        until the next write through this object."""
        if self._others is None:
            self._others = sorted(
                (g for g in self._store.named_graphs()
                 if isinstance(g, ox.NamedNode) and not self.minter.is_document_graph(g.value)),
                key=lambda g: g.value)
        return self._others

    def default_graph(self, selector: str = "all") -> list[Any]:
        """The graphs (pyoxigraph terms) a query over `selector` gets as its default graph: the
        union of the document graphs is the store's own default graph, so a selector that takes
        every document names it instead of each document's graph."""
        m = self.minter
        if selector in ("all", "", None):
            return [DEFAULT_GRAPH, *self._other_graphs()]
        if selector == "documents":
            return [DEFAULT_GRAPH]
        if selector == "asserted":
            return [DEFAULT_GRAPH, ox.NamedNode(str(m.ontology_graph))]
        selected = self.resolve_graphs(selector) or []
        return [ox.NamedNode(str(g)) for g in selected]

    # -- querying ----------------------------------------------------------
    def _run(
        self,
        sparql: str,
        *,
        graphs: str = "all",
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
    ) -> Any:
        if is_update(sparql):
            raise ReadOnlyError("Updates are not allowed here: this endpoint is read-only.")
        check_query(sparql, self.settings)  # limits and SERVICE, before any parser sees it
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if default_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
        else:
            # Not use_default_graph_as_union: it gives a triple once per graph that states it.
            kwargs["default_graph"] = self.default_graph(graphs)
        if named_graph_uris:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        if bindings:
            kwargs["substitutions"] = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QueryError(str(exc)) from exc
        except RuntimeError as exc:
            # pyoxigraph binds only variables the query projects (SEP-0007)
            raise QueryError(f"Query failed: {exc}. A bound parameter must be projected by SELECT.") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"Query failed: {exc}") from exc

    def select(
        self, sparql: str, *, graphs: str = "all", bindings: Mapping[str, Node] | None = None
    ) -> list[dict[str, Node]]:
        """Run a SELECT query; rows map variable names to rdflib terms (unbound ones left out)."""
        return self.select_with_vars(sparql, graphs=graphs, bindings=bindings)[1]

    def select_with_vars(
        self, sparql: str, *, graphs: str = "all", bindings: Mapping[str, Node] | None = None
    ) -> tuple[list[str], list[dict[str, Node]]]:
        """Run a SELECT query; return the projected variable names and the rows."""
        result = self._run(sparql, graphs=graphs, bindings=bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("Expected a SELECT query.")
        names = [v.value for v in result.variables]
        rows = []
        try:
            for solution in result:
                rows.append({n: from_ox(solution[n]) for n in names if solution[n] is not None})
        except (OSError, RuntimeError, ValueError) as exc:  # raised while evaluating (SERVICE)
            raise QueryError(f"Query failed: {exc}") from exc
        return names, rows

    def ask(self, sparql: str, *, graphs: str = "all", bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query."""
        result = self._run(sparql, graphs=graphs, bindings=bindings)
        return bool(result)

    def construct(self, sparql: str, *, graphs: str = "all", bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an rdflib Graph."""
        result = self._run(sparql, graphs=graphs, bindings=bindings)
        if not isinstance(result, ox.QueryTriples | TripleResult):
            raise QueryError("Expected a CONSTRUCT or DESCRIBE query.")
        g = Graph()
        for t in result:
            g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        return g

    def serialize_query(
        self,
        sparql: str,
        result_format: str,
        *,
        graphs: str = "all",
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
    ) -> tuple[bytes, str, str]:
        """Run a query and serialise its result; returns (body, media type, kind).

        `result_format` is a result format (json, xml, csv, tsv) for SELECT/ASK and an RDF
        format (turtle, ntriples, rdfxml, jsonld) for CONSTRUCT/DESCRIBE; a format of the other
        family falls back to that family's default (json / turtle).
        """
        result = self._run(
            sparql,
            graphs=graphs,
            bindings=bindings,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )
        try:  # a query is evaluated while it is serialised: its errors come from here too
            if isinstance(result, ox.QueryTriples | TripleResult):
                fmt = RDF_FORMATS.get(result_format, ox.RdfFormat.TURTLE)
                if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                    fmt = ox.RdfFormat.TURTLE
                out = io.BytesIO()
                if isinstance(result, TripleResult):
                    ox.serialize(result, out, format=fmt)
                else:
                    result.serialize(out, format=fmt)
                return out.getvalue(), fmt.media_type, "graph"
            fmt_r = RESULT_FORMATS.get(result_format, ox.QueryResultsFormat.JSON)
            out = io.BytesIO()
            result.serialize(out, format=fmt_r)
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"Query failed: {exc}") from exc
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "bindings"
        return out.getvalue(), fmt_r.media_type, kind

    # -- reading whole graphs ------------------------------------------------
    def quads(self, selector: str = "all") -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every quad of the selected graphs, as rdflib terms."""
        for g in self._named(selector):
            name = URIRef(g.value)
            for q in self._store.quads_for_pattern(None, None, None, g):
                yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), name

    def _named(self, selector: str) -> list[Any]:
        """The named graphs (pyoxigraph terms) of a selector; every named graph for all."""
        selected = self.resolve_graphs(selector)
        if selected is None:
            return [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]
        return [ox.NamedNode(str(g)) for g in selected]

    def _ox_quads(self, selector: str) -> Iterator[Any]:
        """Every quad (pyoxigraph terms) of the selected named graphs."""
        for g in self._named(selector):
            yield from self._store.quads_for_pattern(None, None, None, g)

    def triples(self, selector: str = "all") -> Iterator[Triple]:
        """Every triple of the selected graphs (duplicates across graphs included)."""
        for s, p, o, _ in self.quads(selector):
            yield s, p, o

    def graph(self, selector: str = "all") -> Graph:
        """The union of the selected graphs as an in-memory rdflib Graph."""
        g = Graph()
        for t in self.triples(selector):
            g.add(t)
        return g

    def count(self, selector: str = "all") -> int:
        """Number of quads in the selected named graphs (a triple counts once per graph)."""
        selected = self.resolve_graphs(selector)
        if selected is None:
            return len(self._store) - self._count_in(DEFAULT_GRAPH)
        return sum(self._count_in(ox.NamedNode(str(g))) for g in selected)

    def _count_in(self, graph: Any) -> int:
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph)
        return int(next(iter(result))["n"].value)

    def distinct_count(self, selector: str = "all") -> int:
        """Number of distinct triples a query over `selector` sees in its default graph."""
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                   default_graph=self.default_graph(selector))
        return int(next(iter(result))["n"].value)

    def export(self, out: IO[bytes], fmt: str = "nquads", selector: str = "all") -> None:
        """Write the selected graphs to a binary stream; triple formats get the union."""
        if fmt not in RDF_FORMATS:
            raise StoreError(f"Unknown format '{fmt}': use one of {', '.join(sorted(RDF_FORMATS))}.")
        rdf_format = RDF_FORMATS[fmt]
        self.resolve_graphs(selector)  # an unknown selector fails before anything is written
        if rdf_format.supports_datasets:
            # The named graphs only: the default graph is their union, kept for queries.
            if rdf_format == ox.RdfFormat.N_QUADS:
                ox.serialize(self._ox_quads(selector), out, format=rdf_format)
                return
            tmp = ox.Store()
            tmp.extend(self._ox_quads(selector))
            tmp.dump(out, format=rdf_format, prefixes=PREFIXES)
            return
        tmp = ox.Store()
        tmp.extend(
            ox.Quad(q.subject, q.predicate, q.object, DEFAULT_GRAPH)
            for q in self._ox_quads(selector)
        )
        if rdf_format == ox.RdfFormat.JSON_LD:
            tmp.dump(out, format=rdf_format, from_graph=ox.DefaultGraph())
        else:
            tmp.dump(out, format=rdf_format, from_graph=ox.DefaultGraph(), prefixes=PREFIXES)


def open_store(settings: Settings) -> KGStore:
    """Open the store the settings point at: an external SPARQL store when
    `sparql_endpoint` is set (KG_SPARQL_ENDPOINT), else the embedded one at `store_path`."""
    if settings.sparql_endpoint:
        from kg.store_sparql import SparqlStore

        return SparqlStore(settings)
    return KGStore(settings)
