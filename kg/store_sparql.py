"""An external SPARQL 1.1 store behind the same public API as the embedded :class:`kg.store.KGStore`.

Any server with the SPARQL 1.1 Protocol, Update and named graphs (Virtuoso, GraphDB, Fuseki,
Oxigraph server); tested against Debian's Virtuoso 7.2.5 (tests/test_external_store.py).

Queries go to the query endpoint (SPARQL 1.1 Protocol, POST form); writes go to the update
endpoint as SPARQL Update. The product's graphs are the named graphs under
``{base_iri}graph/``; every query gets its dataset spelt out with ``default-graph-uri`` and
``named-graph-uri`` (the selected graphs as the default graph, the product's graphs as named
graphs), so it never depends on what a server makes its default graph (Virtuoso's is the union
of every graph, its system graphs included; Fuseki's and Oxigraph server's are a graph of its
own unless configured otherwise).

Atomicity: a write of at most ``REQUEST_TRIPLES`` triples is one update request
(``DROP SILENT GRAPH`` + ``INSERT DATA``); a larger one is written to staging graphs over
several requests and then moved into place by one final request. Whether one request is one
transaction is the server's business: Oxigraph server and Fuseki are built to run it in one
transaction (not tested here); Virtuoso 7 (measured, 7.2.5) commits the operations before a
failing one, so a request that fails half-way on Virtuoso can leave a graph dropped or
half-written (re-running the command repairs it, since every write replaces whole graphs).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.term import Node

from kg.errors import QueryError, ReadOnlyError, StoreError
from kg.namespaces import PREFIXES, Minter
from kg.settings import Settings
from kg.sparql_guard import check_query
from kg.store import RDF_FORMATS, KGStore, Triple, TripleResult, _nt, from_ox, is_update

log = logging.getLogger(__name__)

OP_TRIPLES = 1000  # triples per INSERT DATA operation (Virtuoso's parser gives up near 5000)
REQUEST_TRIPLES = 20000  # triples per update request; more are staged over several requests
REQUEST_BYTES = 8_000_000  # characters per update request, whichever limit comes first
PAGE_ROWS = 10000  # rows per page when reading a graph (Virtuoso's default result limit)
GRAPH_CACHE_SECONDS = 2.0  # how long the list of the product's graphs is reused between queries
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

_FORM_RE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)
_COMMENT_RE = re.compile(r"(?m)^\s*#.*$")
_PREFIX_DECL_RE = re.compile(r"PREFIX\s+(\S*):", re.IGNORECASE)
# Tokens to step over while looking for the WHERE group: IRIs, strings, comments.
_SKIP_RE = re.compile(
    r'<[^<>"{}|^`\\\s]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*'
)
_BNODE_ID_RE = re.compile(r"[^A-Za-z0-9_]")


def query_form(sparql: str) -> str:
    """The query form (SELECT, ASK, CONSTRUCT or DESCRIBE) of a SPARQL query text."""
    match = _FORM_RE.match(_COMMENT_RE.sub("", sparql))
    if not match:
        raise QueryError("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prefixes.")
    return match.group(1).upper()


def with_prefixes(sparql: str) -> str:
    """The query with the product's common prefixes declared, unless it declares them itself."""
    declared = {m.group(1) for m in _PREFIX_DECL_RE.finditer(_COMMENT_RE.sub("", sparql))}
    # On the query's first line, so the server's line numbers stay right.
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name not in declared]
    return " ".join([*lines, sparql]) if lines else sparql


def _where_group(sparql: str) -> int:
    """Index just after the opening brace of the query's WHERE group (-1 when there is none)."""
    form = query_form(sparql)
    pos, seen_where = 0, False
    while pos < len(sparql):
        skip = _SKIP_RE.match(sparql, pos)
        if skip:
            pos = skip.end()
            continue
        char = sparql[pos]
        if char == "{":
            # CONSTRUCT's first group is its template; its WHERE group follows the keyword.
            if form != "CONSTRUCT" or seen_where:
                return pos + 1
        elif sparql[pos:pos + 5].upper() == "WHERE" and not (pos and (sparql[pos - 1].isalnum()
                                                                       or sparql[pos - 1] in ":_?$")):
            seen_where = True
        pos += 1
    return -1


def bind_values(sparql: str, bindings: Mapping[str, Node]) -> str:
    """The query with a VALUES block binding each variable to its term, at the start of its WHERE
    group; terms are written in N-Triples syntax, so no text of a value is read as SPARQL."""
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"Cannot bind '{name}': not a variable name.")
        if isinstance(bindings[name], BNode):
            raise QueryError(f"Cannot bind ?{name} to a blank node.")
    at = _where_group(sparql)
    if at < 0:
        raise QueryError("Cannot bind parameters: the query has no WHERE group.")
    values = " ".join(f"?{n}" for n in names)
    row = " ".join(_nt(bindings[n]) for n in names)
    return f"{sparql[:at]} VALUES ({values}) {{ ({row}) }} {sparql[at:]}"


def _top_level(sparql: str, start: int) -> Iterator[tuple[int, str, int]]:
    """(index, character, brace depth) of each character outside IRIs, strings and comments."""
    pos, depth = start, 0
    while pos < len(sparql):
        skip = _SKIP_RE.match(sparql, pos)
        if skip:
            pos = skip.end()
            continue
        char = sparql[pos]
        if char == "}":
            depth -= 1
        yield pos, char, depth
        if char == "{":
            depth += 1
        pos += 1


_MODIFIER_RE = re.compile(r"\b(GROUP\s+BY|ORDER\s+BY|VALUES)\b", re.IGNORECASE)


def order_outside_groups(sparql: str) -> str:
    """A grouped SELECT whose ORDER BY names its aggregates, rewritten to sort outside a sub-select.

    Same answer in SPARQL 1.1; needed by Virtuoso 7, which refuses ORDER BY on an aggregate's
    alias ("Variable ?x is used in the result set outside aggregate"). Other queries are
    returned unchanged.
    """
    text = _COMMENT_RE.sub("", sparql)
    match = _FORM_RE.match(text)
    if not match or match.group(1).upper() != "SELECT":
        return sparql
    start = match.start(1)
    end = -1
    for pos, char, depth in _top_level(text, start):
        if char == "}" and depth == 0:
            end = pos + 1
            break
    if end < 0:
        return sparql
    tail = text[end:]
    chars = [" "] * len(tail)
    for pos, char, depth in _top_level(tail, 0):
        if depth == 0 and char not in "{}":
            chars[pos] = char
    found = {m.group(1).split()[0].upper(): m.start() for m in _MODIFIER_RE.finditer("".join(chars))}
    if "GROUP" not in found or "ORDER" not in found or "VALUES" in found:
        return sparql
    order = found["ORDER"]
    return f"{text[:start]}SELECT * WHERE {{ {{ {text[start:end]}{tail[:order]} }} }} {tail[order:]}"


def _fix_term(term: dict[str, Any]) -> dict[str, Any]:
    """A SPARQL JSON term made standard: Virtuoso's typed-literal, 1/0 booleans, its
    'nodeID://' blank node names."""
    kind = term.get("type")
    if kind == "typed-literal":
        term = {**term, "type": "literal"}
    if kind == "bnode":
        term = {**term, "value": _BNODE_ID_RE.sub("_", term["value"])}
    if term.get("datatype") == XSD_BOOLEAN and term.get("value") in ("0", "1"):
        term = {**term, "value": "true" if term["value"] == "1" else "false"}
    return term


def parse_results(body: bytes, *, ask: bool = False) -> Any:
    """SPARQL JSON results as pyoxigraph's QuerySolutions or QueryBoolean."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise QueryError(f"The SPARQL store sent results that are not JSON: {body[:200]!r}") from exc
    if ask and "boolean" not in data:
        # Virtuoso 7 answers a POSTed ASK as a one-column table (__ASK_RETVAL), empty when false.
        rows = data.get("results", {}).get("bindings", [])
        truth = any(str(t.get("value")) not in ("0", "false") for row in rows for t in row.values())
        data = {"head": {}, "boolean": truth}
    for row in data.get("results", {}).get("bindings", []):
        for key, term in row.items():
            row[key] = _fix_term(term)
    data.get("head", {}).pop("link", None)
    try:
        return ox.parse_query_results(json.dumps(data), format=ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise QueryError(f"Cannot read the SPARQL store's results: {exc}") from exc


def _fix_ox(term: Any) -> Any:
    """A pyoxigraph term with Virtuoso's 1/0 booleans written as true/false."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_BOOLEAN and term.value in ("0", "1"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    return term


def parse_triples(body: bytes) -> TripleResult:
    """N-Triples from a CONSTRUCT/DESCRIBE answer as a list of pyoxigraph triples."""
    try:
        return TripleResult(
            ox.Triple(t.subject, t.predicate, _fix_ox(t.object))
            for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        )
    except SyntaxError as exc:
        raise QueryError(f"Cannot read the SPARQL store's triples: {exc}") from exc


def _components(triples: list[Triple]) -> tuple[list[Triple], list[list[Triple]]]:
    """Triples without blank nodes, and the others grouped so that triples sharing a blank node
    stay together (a blank node means one resource only within one update operation)."""
    plain: list[Triple] = []
    parent: dict[Node, Node] = {}

    def root(node: Node) -> Node:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    with_bnodes: list[Triple] = []
    for triple in triples:
        bnodes = [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]
        if not bnodes:
            plain.append(triple)
            continue
        with_bnodes.append(triple)
        first = root(bnodes[0])
        for other in bnodes[1:]:
            parent[root(other)] = first
    groups: dict[Node, list[Triple]] = {}
    for triple in with_bnodes:
        key = triple[0] if isinstance(triple[0], BNode) else triple[2]
        groups.setdefault(root(key), []).append(triple)
    return plain, list(groups.values())


def insert_operations(graph: URIRef, triples: list[Triple]) -> list[tuple[str, int]]:
    """SPARQL Update operations that insert triples into a graph, with their triple counts:
    INSERT DATA in chunks, INSERT {…} WHERE {} for triples with blank nodes (Virtuoso refuses
    blank nodes in INSERT DATA)."""
    g = _nt(graph)
    plain, groups = _components(triples)
    ops: list[tuple[str, int]] = []
    for start in range(0, len(plain), OP_TRIPLES):
        chunk = plain[start:start + OP_TRIPLES]
        body = " .\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)}" for s, p, o in chunk)
        ops.append((f"INSERT DATA {{ GRAPH {g} {{\n{body} .\n}} }}", len(chunk)))
    batch: list[Triple] = []
    for group in [*groups, []]:
        if batch and (not group or len(batch) + len(group) > OP_TRIPLES):
            body = " .\n".join(f"{_nt(s)} {_nt(p)} {_nt(o)}" for s, p, o in batch)
            ops.append((f"INSERT {{ GRAPH {g} {{\n{body} .\n}} }} WHERE {{}}", len(batch)))
            batch = []
        batch.extend(group)
    return ops


class _Requests:
    """HTTP for the SPARQL protocol: form POSTs, optional basic/digest credentials."""

    def __init__(self, user: str | None, password: str | None, urls: Iterable[str]) -> None:
        handlers: list[Any] = []
        if user:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in urls:
                manager.add_password(None, url, user, password or "")
            handlers = [urllib.request.HTTPDigestAuthHandler(manager),
                        urllib.request.HTTPBasicAuthHandler(manager)]
        self.opener = urllib.request.build_opener(*handlers)

    def post(self, url: str, data: Mapping[str, Any], accept: str, timeout: float) -> bytes:
        """POST a form; return the body. HTTPError is left to the caller; network errors become StoreError."""
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Accept": accept,
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "User-Agent": "integration-kg",
        })
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(
                f"Cannot reach the SPARQL store at {url}: {reason}. Is it running? Check "
                f"KG_SPARQL_ENDPOINT / KG_SPARQL_UPDATE_ENDPOINT."
            ) from exc


def _server_message(exc: urllib.error.HTTPError) -> str:
    """The first lines of an error answer, without the query Virtuoso echoes back."""
    try:
        text = exc.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    text = text.split("\n\nSPARQL query:", 1)[0].strip()
    return text[:1000] or f"HTTP {exc.code} {exc.reason}"


class SparqlStore(KGStore):
    """The product's graphs in an external SPARQL 1.1 store, with KGStore's public API."""

    def __init__(self, settings: Settings, *, in_memory: bool = False) -> None:
        if not settings.sparql_endpoint:
            raise StoreError("No SPARQL endpoint: set KG_SPARQL_ENDPOINT to the store's query URL.")
        self.settings = settings
        self.minter = Minter(settings.base_iri)
        self.path = None
        self.endpoint = settings.sparql_endpoint
        self.update_endpoint = settings.sparql_update_endpoint or settings.sparql_endpoint
        self.graph_prefix = f"{settings.base_iri}graph/"
        self.empty_graph = URIRef(f"{settings.base_iri}graph-none")  # a graph nobody writes
        user = getattr(settings, "sparql_user", None) or os.environ.get("KG_SPARQL_USER") or None
        password = getattr(settings, "sparql_password", None) or os.environ.get("KG_SPARQL_PASSWORD")
        self._http = _Requests(user, password, {self.endpoint, self.update_endpoint})
        self._graphs: tuple[float, list[URIRef]] | None = None
        self._whole_answers = True  # until the server is seen cutting an answer short
        self._post_query("ASK {}", "application/sparql-results+json")  # fail early when unreachable

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        """Nothing to release: every request is its own connection."""

    # -- HTTP --------------------------------------------------------------
    def _post_query(self, sparql: str, accept: str, dataset: Mapping[str, list[str]] | None = None) -> bytes:
        try:
            return self._http.post(self.endpoint, {"query": sparql, **(dataset or {})}, accept,
                                   self.settings.query_timeout)
        except urllib.error.HTTPError as exc:
            message = _server_message(exc)
            if exc.code in (401, 403):
                raise StoreError(f"The SPARQL store refused the query ({exc.code}): {message}") from exc
            raise QueryError(message) from exc

    def _post_update(self, update: str) -> None:
        started = time.perf_counter()
        try:
            self._http.post(self.update_endpoint, {"update": update}, "*/*",
                            max(self.settings.query_timeout, 300.0))
        except urllib.error.HTTPError as exc:
            message = _server_message(exc)
            if exc.code in (401, 403):
                message += (" — the update endpoint needs credentials with update rights "
                            "(KG_SPARQL_USER / KG_SPARQL_PASSWORD) or KG_SPARQL_UPDATE_ENDPOINT.")
            raise StoreError(f"The SPARQL store refused the update ({exc.code}): {message}") from exc
        finally:
            self._graphs = None
        log.debug("update of %d characters in %.2f s", len(update), time.perf_counter() - started)

    def _select_json(self, sparql: str) -> list[dict[str, Node]]:
        """Rows of a SELECT over the store's own dataset (for the store's bookkeeping)."""
        result = parse_results(self._post_query(sparql, "application/sparql-results+json"))
        names = [v.value for v in result.variables]
        return [{n: from_ox(s[n]) for n in names if s[n] is not None} for s in result]

    # -- writing -----------------------------------------------------------
    # Delta writes are not offered over the protocol: the reasoner rewrites whole graphs here,
    # and ingest writes documents and inferences separately.
    patch_graph = None  # type: ignore[assignment]
    write = None  # type: ignore[assignment]

    def replace_graphs(self, graphs: Mapping[URIRef, Iterable[Triple]]) -> None:
        """Replace each named graph's content whole: one update request when small, else staged
        graphs moved into place by one final request (see the module's note on atomicity)."""
        planned = {graph: insert_operations(graph, list(triples)) for graph, triples in graphs.items()}
        if not planned:
            return
        total = sum(n for ops in planned.values() for _, n in ops)
        size = sum(len(op) for ops in planned.values() for op, _ in ops)
        if total <= REQUEST_TRIPLES and size <= REQUEST_BYTES:
            parts: list[str] = []
            for graph, ops in planned.items():
                parts.append(f"DROP SILENT GRAPH {_nt(graph)}")
                parts.extend(op for op, _ in ops)
            try:
                self._post_update(" ;\n".join(parts))
            except StoreError as exc:
                raise StoreError(f"Writing graphs failed: {exc}") from exc
            return
        self._replace_staged(graphs, planned)

    def _replace_staged(self, graphs: Mapping[URIRef, Iterable[Triple]],
                        planned: Mapping[URIRef, list[tuple[str, int]]]) -> None:
        staging = {g: URIRef(f"{self.settings.base_iri}staging/{uuid.uuid4().hex}") for g in graphs}
        try:
            for graph, ops in planned.items():
                g, stage = _nt(graph), _nt(staging[graph])
                batch: list[str] = []
                count = size = 0
                for op, n in [*ops, ("", 0)]:
                    if batch and (not op or count + n > REQUEST_TRIPLES or size + len(op) > REQUEST_BYTES):
                        self._post_update(" ;\n".join(batch))
                        batch, count, size = [], 0, 0
                    if op:
                        batch.append(op.replace(f"GRAPH {g} {{", f"GRAPH {stage} {{", 1))
                        count, size = count + n, size + len(op)
        except StoreError as exc:
            self._drop_quietly(staging.values())
            raise StoreError(f"Writing graphs failed, nothing was changed: {exc}") from exc
        swap = []
        for graph, ops in planned.items():
            swap.append(f"DROP SILENT GRAPH {_nt(graph)}")
            if ops:
                swap.append(f"MOVE SILENT GRAPH {_nt(staging[graph])} TO GRAPH {_nt(graph)}")
        try:
            self._post_update(" ;\n".join(swap))
        except StoreError as exc:
            self._drop_quietly(staging.values())
            raise StoreError(f"Moving the new graphs into place failed; re-run the command: {exc}") from exc

    def _drop_quietly(self, graphs: Iterable[URIRef]) -> None:
        try:
            self._post_update(" ;\n".join(f"DROP SILENT GRAPH {_nt(g)}" for g in graphs))
        except StoreError:
            log.warning("could not drop staging graphs %s", [str(g) for g in graphs])

    def remove_graphs(self, graphs: Iterable[URIRef]) -> None:
        """Remove named graphs in one update request."""
        update = " ;\n".join(f"DROP SILENT GRAPH {_nt(g)}" for g in graphs)
        if update:
            self._post_update(update)

    def clear(self) -> None:
        """Remove every graph of the product (under the base IRI); the server's others stay."""
        self.remove_graphs(self.named_graphs())

    def flush(self) -> None:
        """Nothing to do: the server makes each request durable."""

    # -- graphs ------------------------------------------------------------
    def named_graphs(self) -> list[URIRef]:
        """The product's named graphs in the store (those under `{base_iri}graph/`)."""
        now = time.monotonic()
        if self._graphs and now - self._graphs[0] < GRAPH_CACHE_SECONDS:
            return list(self._graphs[1])
        prefix = _nt(URIRef(self.graph_prefix)).strip("<>")
        rows = self._select_json(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        graphs = sorted(row["g"] for row in rows if isinstance(row.get("g"), URIRef))
        self._graphs = (now, graphs)
        return list(graphs)

    def has_graph(self, graph: URIRef) -> bool:
        """True when the named graph exists (holds a triple)."""
        result = parse_results(self._post_query(f"ASK {{ GRAPH {_nt(graph)} {{ ?s ?p ?o }} }}",
                                                "application/sparql-results+json"), ask=True)
        return bool(result)

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
        form = query_form(sparql)
        if default_graph_uris:
            default = list(default_graph_uris)
        else:
            selected = self.resolve_graphs(graphs)
            default = [str(g) for g in (self.named_graphs() if selected is None else selected)]
        named = list(named_graph_uris) if named_graph_uris else [str(g) for g in self.named_graphs()]
        dataset = {
            "default-graph-uri": default or [str(self.empty_graph)],
            "named-graph-uri": named or [str(self.empty_graph)],
        }
        text = with_prefixes(order_outside_groups(bind_values(sparql, bindings) if bindings else sparql))
        if form in ("CONSTRUCT", "DESCRIBE"):
            return parse_triples(self._post_query(text, "application/n-triples", dataset))
        return parse_results(self._post_query(text, "application/sparql-results+json", dataset),
                             ask=form == "ASK")

    # -- reading whole graphs ------------------------------------------------
    def _graph_quads(self, graph: URIRef) -> Iterator[ox.Quad]:
        """Every triple of one graph as pyoxigraph quads: in one answer when the server gives
        whole answers, else in sorted pages; the count is checked either way."""
        g = _nt(graph)
        name = ox.NamedNode(str(graph))
        rows = self._select_json(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
        expected = int(rows[0]["n"]) if rows and "n" in rows[0] else 0
        if expected == 0:
            return
        # N-Triples from CONSTRUCT: Virtuoso writes it ten times faster than JSON results.
        pattern = f"{{ GRAPH {g} {{ ?s ?p ?o }} }}"
        if expected <= PAGE_ROWS or self._whole_answers:
            quads = self._construct_quads(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {pattern}", name)
            if len(quads) == expected:
                yield from quads
                return
            if expected <= PAGE_ROWS:
                raise StoreError(f"Read {len(quads)} of {expected} triples of {graph}: the graph changed "
                                 f"while it was read; try again.")
            # The server cuts long answers short (Virtuoso's ResultSetMaxRows): page from now on.
            log.info("the SPARQL store cut an answer at %d triples; reading graphs in pages", len(quads))
            self._whole_answers = False
        # A sorted sub-select read in slices: stable pages without Virtuoso's limit on sorted
        # OFFSET+LIMIT ("Sorted TOP clause", 10000 rows by default).
        inner = f"{{ SELECT ?s ?p ?o WHERE {pattern} ORDER BY ?s ?p ?o }}"
        seen = 0
        for k in range(0, expected, PAGE_ROWS):
            page = self._construct_quads(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {inner} LIMIT {PAGE_ROWS} OFFSET {k}", name)
            seen += len(page)
            yield from page
        if seen != expected:
            raise StoreError(
                f"Read {seen} of {expected} triples of {graph}: the graph changed while it was read, "
                f"or the server cuts results short (raise Virtuoso's ResultSetMaxRows)."
            )

    def _construct_quads(self, sparql: str, graph: ox.NamedNode) -> list[ox.Quad]:
        """The triples of a CONSTRUCT over the store's own dataset, put in a graph."""
        return [ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in parse_triples(self._post_query(sparql, "application/n-triples"))]

    def _ox_quads(self, selector: str) -> Iterator[ox.Quad]:
        selected = self.resolve_graphs(selector)
        for graph in self.named_graphs() if selected is None else selected:
            yield from self._graph_quads(graph)

    def quads(self, selector: str = "all") -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every quad of the selected graphs, as rdflib terms."""
        for q in self._ox_quads(selector):
            yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), URIRef(q.graph_name.value)

    def count(self, selector: str = "all") -> int:
        """Number of quads in the selected graphs."""
        selected = self.resolve_graphs(selector)
        graphs = self.named_graphs() if selected is None else selected
        if not graphs:
            return 0
        values = " ".join(_nt(g) for g in graphs)
        rows = self._select_json(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        return int(rows[0]["n"]) if rows and "n" in rows[0] else 0

    def export(self, out: IO[bytes], fmt: str = "nquads", selector: str = "all") -> None:
        """Write the selected graphs to a binary stream; triple formats get the union."""
        if fmt not in RDF_FORMATS:
            raise StoreError(f"Unknown format '{fmt}': use one of {', '.join(sorted(RDF_FORMATS))}.")
        rdf_format = RDF_FORMATS[fmt]
        if rdf_format.supports_datasets:
            # Quads arrive graph by graph, so even TriG can be written as they come.
            ox.serialize(self._ox_quads(selector), out, format=rdf_format, prefixes=PREFIXES)
            return
        tmp = ox.Store()
        tmp.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in self._ox_quads(selector))
        if rdf_format == ox.RdfFormat.JSON_LD:
            tmp.dump(out, format=rdf_format, from_graph=ox.DefaultGraph())
        else:
            tmp.dump(out, format=rdf_format, from_graph=ox.DefaultGraph(), prefixes=PREFIXES)


__all__ = ["SparqlStore", "bind_values", "insert_operations", "parse_results", "query_form"]
