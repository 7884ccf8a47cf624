"""The `kg` command line: parses options, calls the core, echoes the result.

Exit codes: 0 success; 1 a failure (a document that could not be ingested, a graph that does
not conform, a thing not found, any other error of the core); 2 bad input (usage, SPARQL,
query parameters); 3 the store cannot be opened (for example locked by `kg serve`).
spaCy and the reference data are imported only by the commands that extract (`ingest`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from kg.errors import KGError, ParameterError, QueryError, StoreError
from kg.settings import Settings, load_settings

if TYPE_CHECKING:
    from rdflib.term import Node

    from kg.store import KGStore

__all__ = ["main", "rows_as_json", "term_value"]

log = logging.getLogger(__name__)

GRAPH_CHOICES = ["all", "asserted", "inferred", "ontology", "documents", "analytics"]
EXPORT_FORMATS = ["turtle", "trig", "nquads", "ntriples", "jsonld"]
SUFFIX_FORMATS = {
    ".ttl": "turtle", ".trig": "trig", ".nq": "nquads", ".nt": "ntriples",
    ".jsonld": "jsonld", ".json": "jsonld",
}
TABLE_CELL_MAX = 80
_FORM_RE = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)
_COMMENT_RE = re.compile(r"(?m)^\s*#.*$")
_INTEGER_TYPES = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
}
_FLOAT_TYPES = {"decimal", "double", "float"}
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


# --------------------------------------------------------------------------- errors


class CLIError(click.ClickException):
    """A core error shown as 'Error: message' with an exit code by kind."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _exit_code(exc: KGError) -> int:
    if isinstance(exc, StoreError) and not isinstance(exc, QueryError):
        return 3
    if isinstance(exc, ParameterError | QueryError):
        return 2
    return 1


class _Group(click.Group):
    """A click group that turns the core's errors into clean messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KGError as exc:
            raise CLIError(str(exc), _exit_code(exc)) from exc


# --------------------------------------------------------------------------- logging


class _EchoHandler(logging.Handler):
    """Log records to the current stderr (click's, so test runners capture them)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # noqa: BLE001 - logging must never break a command
            self.handleError(record)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    for name in ("kg", "webapp"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
            handler = _EchoHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
            logger.addHandler(handler)


# --------------------------------------------------------------------------- helpers


def _settings(ctx: click.Context) -> Settings:
    """Settings from --store/--base-iri, then KG_* variables, then defaults (built once)."""
    obj = ctx.find_root().ensure_object(dict)
    if "settings" not in obj:
        overrides: dict[str, object] = {}
        base = obj.get("base_iri")
        if base:
            overrides["base_iri"] = base if base.endswith(("/", "#")) else base + "/"
        obj["settings"] = load_settings(obj.get("store"), **overrides)
    return obj["settings"]


@contextmanager
def _store(ctx: click.Context, *, read: bool = False) -> Iterator[KGStore]:
    """Open the store for one command and close it afterwards.

    With `read` (a command that only reads), a store that a running `kg serve` holds is read
    through the newest checkpoint the server published, read-only; a line on stderr says so.
    """
    from kg.errors import StoreLockedError
    from kg.store import open_store

    settings = _settings(ctx)
    try:
        store = open_store(settings)
    except StoreLockedError:
        if not read:
            raise
        from kg.checkpoints import describe, open_latest

        store = open_latest(settings)
        if store is None:
            raise
        click.echo(f"kg: {settings.store_path} is in use by a running `kg serve`; reading "
                   f"{describe(store)} (read-only).", err=True)
    try:
        yield store
    finally:
        store.close()


def _short(term: object, base: str) -> str:
    """A compact text of a term for tables: prefixed names, base-relative IRIs."""
    from rdflib import Literal, URIRef

    from kg.namespaces import PREFIXES

    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term)
    text = str(term)
    if isinstance(term, URIRef):
        if base and text.startswith(base):
            return text[len(base):]
        for prefix, ns in PREFIXES.items():
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
    return text


def term_value(term: Node | None) -> object:
    """A JSON value for an RDF term: IRIs as strings, numbers and booleans as such."""
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype is not None:
        dt = str(term.datatype)
        local = dt[len(XSD_NS):] if dt.startswith(XSD_NS) else ""
        try:
            if local in _INTEGER_TYPES:
                return int(str(term))
            if local in _FLOAT_TYPES:
                return float(str(term))
            if local == "boolean":
                return str(term).strip() in ("true", "1")
        except ValueError:
            return str(term)
    return str(term)


def rows_as_json(columns: Sequence[str], rows: Sequence[dict]) -> list[dict[str, object]]:
    """Rows as JSON objects {column: value}, every column present (null when unbound)."""
    return [{c: term_value(row.get(c)) for c in columns} for row in rows]


def _cell(text: str, limit: int = TABLE_CELL_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], limit: int = TABLE_CELL_MAX
) -> str:
    """Aligned text columns with a header line and a row count."""
    cells = [[_cell(str(c), limit) for c in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _delimited(columns: Sequence[str], rows: Sequence[dict], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = ["" if row.get(c) is None else str(row.get(c)) for c in columns]
        if delimiter == "\t":
            values = [v.replace("\t", " ").replace("\n", " ") for v in values]
        writer.writerow(values)
    return out.getvalue()


def render_rows(columns: Sequence[str], rows: Sequence[dict], fmt: str, base: str) -> str:
    """Text of query rows in one of the formats table, json, csv, tsv."""
    if fmt == "json":
        return json.dumps(rows_as_json(columns, rows), indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _delimited(columns, rows, ",").rstrip("\n")
    if fmt == "tsv":
        return _delimited(columns, rows, "\t").rstrip("\n")
    return format_table(columns, [[_short(row.get(c), base) for c in columns] for row in rows])


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"'{pair}' is not key=value", param_hint="--param")
        values[key.strip()] = value
    return values


def _raw_binding(value: str) -> Node:
    """A term for a --param of a plain SPARQL query: IRIs and prefixed names, else a string."""
    from rdflib import Literal, URIRef

    from kg.namespaces import PREFIXES

    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if re.match(r"^(?:https?|urn):\S+$", text):
        return URIRef(text)
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[\w.-]*", local):
        return URIRef(PREFIXES[prefix] + local)
    return Literal(value)


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- the group


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
              help="Folder of the embedded store (default: $KG_STORE, else "
                   "~/.local/share/integration-kg/store).")
@click.option("--base-iri", default=None,
              help="Base IRI of minted resources (default: $KG_BASE_IRI, else "
                   "https://w3id.org/integration-kg/resource/).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="integration-kg", prog_name="kg")
@click.pass_context
def main(ctx: click.Context, store_path: Path | None, base_iri: str | None, verbose: int) -> None:
    """Build and query a knowledge graph of migrant-integration projects."""
    _setup_logging(verbose)
    ctx.ensure_object(dict)
    ctx.obj["store"] = store_path
    ctx.obj["base_iri"] = base_iri


# --------------------------------------------------------------------------- ingest


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Summary format.")
@click.option("--report", "show_kept_out", is_flag=True,
              help="Also list the facts kept out below the confidence threshold "
                   "(KG_CONFIDENCE_THRESHOLD): document, subject, property, object, rule, confidence.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Extract in this many local processes (0: one per core).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Extract on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786); "
                   "results are written here.")
@click.option("--server", "server_url", metavar="URL", default=None,
              help="Send the documents to a running `kg serve` instead (token: $KG_ADMIN_TOKEN).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], fmt: str, show_kept_out: bool, workers: int,
           scheduler: str | None, server_url: str | None) -> None:
    """Add documents (files, folders, .list files) to the graph; re-ingesting replaces them."""
    from kg.documents import collect_paths
    from kg.ingest import ingest as run_ingest

    if server_url:
        ctx.invoke(upload, paths=paths, server_url=server_url, fmt=fmt)
        return
    if workers == 0:
        from kg.parallel import default_workers

        workers = default_workers()

    files = collect_paths(paths)
    if not files:
        raise CLIError(
            "No documents found in " + ", ".join(str(p) for p in paths)
            + " (supported: .txt, .md, .html, .htm, .pdf; or a .list file of paths)."
        )
    settings = _settings(ctx)
    stderr = click.get_text_stream("stderr")
    if stderr.isatty() and fmt == "text":
        import shutil

        from tqdm import tqdm

        # A bar on the terminal only (none when output goes to a file or a pipe); the width
        # from shutil, which falls back to 80 columns where a terminal reports 0.
        with tqdm(total=len(files), desc="Ingesting", unit="doc", file=stderr,
                  ncols=min(shutil.get_terminal_size().columns, 120)) as bar:
            def advance(done: int, total: int, name: str) -> None:
                bar.set_postfix_str(Path(name).name[-24:], refresh=False)
                bar.update(1)

            report = run_ingest(files, settings, progress=advance, workers=workers,
                                scheduler=scheduler)
    else:
        report = run_ingest(files, settings, workers=workers, scheduler=scheduler)
    if fmt == "json":
        click.echo(_json(report.as_dict()))
    else:
        inferred = (report.reasoning or {}).get("inferred")
        click.echo(
            f"Documents: {len(report.documents)} of {len(files)} ingested\n"
            f"Entities:  {report.entities}\n"
            f"Facts:     {report.facts}\n"
            f"Triples:   {report.triples}"
            + (f" (+{inferred} inferred)" if inferred is not None else "")
            + f"\nKept out:  {len(report.kept_out)} below confidence {report.threshold:g}"
            + ("" if show_kept_out or not report.kept_out else " (--report lists them)")
            + f"\nFailures:  {len(report.failures)}\n"
            f"Time:      {report.seconds:.1f} s"
        )
        if show_kept_out and report.kept_out:
            click.echo("")
            click.echo(format_table(
                ["document", "subject", "property", "object", "rule", "confidence"],
                [[k.document, k.subject, k.property, k.object, k.rule, f"{k.confidence:g}"]
                 for k in report.kept_out]))
    if report.failures:
        click.echo(f"Failed ({len(report.failures)}):", err=True)
        for name, reason in report.failures:
            click.echo(f"  {name}: {reason}", err=True)
        ctx.exit(1)


@main.command()
@click.argument("doc_id")
@click.pass_context
def remove(ctx: click.Context, doc_id: str) -> None:
    """Remove one document (by file name) and everything extracted from it only."""
    from kg.ingest import remove_document

    with _store(ctx) as store:
        stats = remove_document(store, doc_id)
    click.echo(f"Removed {doc_id}; inferred graph rebuilt ({stats.get('inferred', 0)} triples).")


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def reset(ctx: click.Context, yes: bool) -> None:
    """Delete everything in the store."""
    from kg.ingest import reset as reset_store

    settings = _settings(ctx)
    if not yes:
        click.confirm(f"Delete every graph in the store at {settings.store_path}?", abort=True)
    with _store(ctx) as store:
        reset_store(store)
    click.echo(f"Store at {settings.store_path} emptied.")


# --------------------------------------------------------------------------- query


def _query_form(sparql: str) -> str:
    match = _FORM_RE.match(_COMMENT_RE.sub("", sparql))
    return match.group(1).upper() if match else "SELECT"


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the SPARQL query from a file ('-' for stdin).")
@click.option("--name", help="Run a saved query (see `kg queries`).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A saved-query parameter (repeatable); with plain SPARQL, binds ?KEY to an "
                   "IRI (<...>, http..., prefix:name) or else a string.")
@click.option("--graphs", type=click.Choice(GRAPH_CHOICES), default="all", show_default=True,
              help="Graphs the query sees as its default graph.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]),
              default="table", show_default=True, help="Output format.")
@click.option("--allow-service", is_flag=True,
              help="Let SERVICE call any endpoint in this run (else KG_SERVICE_ALLOW holds).")
@click.pass_context
def query(
    ctx: click.Context, sparql: str | None, query_file: IO[str] | None, name: str | None,
    params: tuple[str, ...], graphs: str, fmt: str, allow_service: bool,
) -> None:
    """Run a SPARQL query (argument, -f FILE) or a saved query (--name)."""
    given = sum(x is not None for x in (sparql, query_file, name))
    if given != 1:
        raise click.UsageError("Give exactly one of: a SPARQL text, -f FILE or --name NAME.")
    values = _parse_params(params)
    settings = _settings(ctx)
    if allow_service:  # a local user querying as themselves (see README, Running it in public)
        settings = ctx.find_root().obj["settings"] = settings.with_(service_allow=("*",))
    with _store(ctx, read=True) as store:
        if name:
            from kg.queries import run_saved

            columns, rows = run_saved(store, name, values, graphs)
            click.echo(render_rows(columns, rows, fmt, settings.base_iri))
            return
        text = sparql if sparql is not None else query_file.read()  # type: ignore[union-attr]
        if text == "-":
            text = click.get_text_stream("stdin").read()
        bindings = {k: _raw_binding(v) for k, v in values.items()}
        form = _query_form(text)
        if form == "ASK":
            answer = store.ask(text, graphs=graphs, bindings=bindings)
            click.echo(json.dumps(answer) if fmt == "json" else str(answer).lower())
        elif form in ("CONSTRUCT", "DESCRIBE"):
            graph = store.construct(text, graphs=graphs, bindings=bindings)
            from kg.namespaces import PREFIXES

            for prefix, ns in PREFIXES.items():
                graph.bind(prefix, ns)
            rdf_format = {"json": "json-ld", "csv": "nt", "tsv": "nt"}.get(fmt, "turtle")
            click.echo(graph.serialize(format=rdf_format).rstrip("\n"))
        else:
            columns, rows = store.select_with_vars(text, graphs=graphs, bindings=bindings)
            click.echo(render_rows(columns, rows, fmt, settings.base_iri))


@main.command("queries")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def list_saved_queries(fmt: str) -> None:
    """List the saved queries and their parameters."""
    from kg.queries import list_queries

    saved = list_queries()
    if fmt == "json":
        click.echo(_json([
            {"name": q.name, "title": q.title, "description": q.description,
             "params": [{"name": p.name, "type": p.type, "class": str(p.cls) if p.cls else None,
                         "help": p.help, "default": p.default} for p in q.params]}
            for q in saved
        ]))
        return
    for q in saved:
        click.echo(f"{q.name}: {q.title}")
        for p in q.params:
            kind = p.type + (f" {_short(p.cls, '')}" if p.cls else "")
            default = "" if p.required else f" (default: {p.default or 'unset'})"
            help_text = f" — {p.help}" if p.help else ""
            click.echo(f"    --param {p.name}=…  [{kind}]{help_text}{default}")


# --------------------------------------------------------------------------- export, stats


@main.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="RDF format (default: from the -o suffix, else nquads). Triple formats "
                   "(turtle, ntriples, jsonld) get the union of the selected graphs.")
@click.option("--graph", "selector", default="all", show_default=True,
              help="all, asserted, inferred, ontology, analytics or a document's file name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx: click.Context, fmt: str | None, selector: str, output: Path | None) -> None:
    """Write graphs of the store as RDF."""
    fmt = fmt or (SUFFIX_FORMATS.get(output.suffix.lower()) if output else None) or "nquads"
    with _store(ctx, read=True) as store:
        if output is None:
            buffer = io.BytesIO()
            store.export(buffer, fmt, selector)
            click.get_binary_stream("stdout").write(buffer.getvalue())
            return
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("wb") as handle:
                store.export(handle, fmt, selector)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    click.echo(f"Wrote {output} ({fmt}).", err=True)


def store_stats(store: KGStore) -> dict[str, Any]:
    """Triples per named graph, resources per ikg type, and the documents with their sizes."""
    from kg.namespaces import IKG

    minter = store.minter
    docs = {
        str(row["g"]): str(row["id"])
        for row in store.select(
            "SELECT DISTINCT ?g ?id WHERE { GRAPH ?g { ?d a ikg:Document ; "
            "dcterms:identifier ?id } }"
        )
    }
    graphs: dict[str, int] = {}
    for graph in store.named_graphs():
        graphs[str(graph)] = store.count(str(graph))
    types = store.select(
        "SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type . "
        "FILTER(STRSTARTS(STR(?type), STR(ikg:)) && !isBlank(?s)) } GROUP BY ?type ORDER BY ?type"
    )
    documents = [
        {"id": docs.get(str(g), str(g)[len(f"{minter.base}graph/document/"):]),
         "graph": str(g), "triples": graphs.get(str(g), 0)}
        for g in store.document_graphs()
    ]
    from kg.analytics import resource_counts

    return {
        "store": str(store.path) if store.path else None,
        "triples": store.count("all"),
        "graphs": graphs,
        # The same count as `kg analytics`: each resource once, under its core kind.
        "resources": resource_counts(store),
        # Instances per class: a resource counts under each of its classes (inferred too).
        "classes": {str(r["type"])[len(str(IKG)):]: int(r["n"]) for r in types},
        "documents": sorted(documents, key=lambda d: d["id"]),
    }


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Triples per graph, resources by type, and the documents in the store."""
    settings = _settings(ctx)
    with _store(ctx, read=True) as store:
        data = store_stats(store)
    if fmt == "json":
        click.echo(_json(data))
        return
    base = settings.base_iri
    click.echo(f"Store: {data['store']}\nTriples: {data['triples']}\n")
    click.echo(format_table(["graph", "triples"], [
        [_short_graph(g, base), str(n)] for g, n in data["graphs"].items()]))
    click.echo("")
    from kg.analytics import RESOURCE_COUNT_RULE

    click.echo(f"Resources by kind ({RESOURCE_COUNT_RULE}; as in `kg analytics`):")
    click.echo(format_table(["kind", "resources"], [
        [t, str(n)] for t, n in data["resources"].items()]))
    click.echo("\nInstances by class (a resource counts under each of its classes, "
               "inferred superclasses included):")
    click.echo(format_table(["class", "instances"], [
        [f"ikg:{t}", str(n)] for t, n in data["classes"].items()]))
    click.echo(f"\nDocuments: {len(data['documents'])}")
    for doc in data["documents"]:
        click.echo(f"  {doc['id']}  ({doc['triples']} triples)")


def _short_graph(graph: str, base: str) -> str:
    return graph[len(base) + len("graph/"):] if graph.startswith(base + "graph/") else graph


# --------------------------------------------------------------------------- validate, evaluate


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check the asserted graphs against the SHACL shapes; exit 1 when they do not conform."""
    from kg.validation import validate_graph

    with _store(ctx, read=True) as store:
        data = store.graph("documents")
        ontology = store.graph("ontology") if store.has_graph(store.minter.ontology_graph) else None
    conforms, text = validate_graph(data, ontology=ontology)
    click.echo(text.rstrip("\n"))
    if not conforms:
        ctx.exit(1)


@main.command(context_settings={"allow_interspersed_args": True})
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("documents", nargs=-1, metavar="[--docs FILE ...]")
@click.option("--docs", "restrict", is_flag=True,
              help="Score precision only over resources mentioned in the documents named "
                   "after it (file names), as in `--docs a.txt b.txt`.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--explain", "explain_misses", is_flag=True,
              help="List each miss and unexpected resource with its sentence, grouped by the cause "
                   "(the stage that lost it), most frequent first.")
@click.pass_context
def evaluate(
    ctx: click.Context, gold: Path, documents: tuple[str, ...], restrict: bool, fmt: str,
    explain_misses: bool = False,
) -> None:
    """Score the store's graph (all graphs, unioned) against a gold annotation YAML."""
    from kg.evaluate import evaluate as score
    from kg.evaluate import format_report, load_gold

    if documents and not restrict:
        raise click.UsageError("Put --docs before the document names: --docs a.txt b.txt")
    annotation = load_gold(gold)
    with _store(ctx, read=True) as store:
        graph = store.graph("all")
    docs = [Path(d).name for d in documents] or None
    if explain_misses:
        from kg.evaluate_explain import explain as explain_report
        from kg.evaluate_explain import format_explanation

        groups = explain_report(annotation, graph, docs)
        click.echo(_json(groups) if fmt == "json" else format_explanation(groups).rstrip("\n"))
        return
    report = score(annotation, graph, docs)
    click.echo(_json(report) if fmt == "json" else format_report(report).rstrip("\n"))


# --------------------------------------------------------------------------- explain, analytics


def _term(store: KGStore, text: str, what: str, literal_ok: bool = False) -> Node:
    """An IRI from an IRI, a prefixed name or a resource name; a quoted text is a literal."""
    from rdflib import Literal

    from kg.queries import resolve_resource

    stripped = text.strip()
    if literal_ok and len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        return Literal(stripped[1:-1])
    return resolve_resource(store, stripped, what=what)


@main.command()
@click.argument("subject")
@click.argument("predicate")
@click.argument("obj", metavar="OBJECT")
@click.pass_context
def explain(ctx: click.Context, subject: str, predicate: str, obj: str) -> None:
    """Explain why a triple holds (IRIs, prefixed names like ikg:operatesIn, or names)."""
    from kg.describe import labels_of
    from kg.reasoning import explain as explain_triple
    from kg.reasoning import explanation_iris, format_explanation

    settings = _settings(ctx)
    with _store(ctx, read=True) as store:
        s = _term(store, subject, "subject")
        p = _term(store, predicate, "property")
        o = _term(store, obj, "object", literal_ok=True)
        explanation = explain_triple(store, s, p, o)  # type: ignore[arg-type]
        labels = labels_of(store, explanation_iris(explanation))
    click.echo(format_explanation(explanation, settings.base_iri, labels))


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def path(ctx: click.Context, a: str, b: str, fmt: str) -> None:
    """The shortest connection between two resources (IRIs or names)."""
    from rdflib import URIRef

    from kg.analytics import shortest_path

    with _store(ctx, read=True) as store:
        result = shortest_path(store, a, b)
    if fmt == "json":
        click.echo(_json(result))
        return
    nodes, edges = result["nodes"], result["edges"]
    if not nodes:
        click.echo(f"No connection between {a} and {b}.")
        ctx.exit(1)
    base = _settings(ctx).base_iri

    def named(node: dict[str, Any]) -> str:
        return f"{node['label']} ({node['kind']}) [{_short(URIRef(node['iri']), base)}]"

    click.echo(named(nodes[0]))
    for node, edge, prev in zip(nodes[1:], edges, nodes, strict=False):
        arrow = "→" if edge["from"] == prev["iri"] else "←"
        mark = " (inferred)" if edge.get("inferred") else ""
        prop = _short(URIRef(edge["property"]), base)
        label = edge.get("propertyLabel")
        click.echo(f"  {arrow} {label} [{prop}]{mark}" if label and label != prop
                   else f"  {arrow} {prop}{mark}")
        click.echo(named(node))
    click.echo(f"Length: {result['length']}")


@main.command()
@click.argument("city")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def peers(ctx: click.Context, city: str, limit: int, fmt: str) -> None:
    """Cities most like CITY by shared projects, partners, programmes, events and themes."""
    from rdflib import URIRef

    from kg.analytics import peer_cities

    with _store(ctx, read=True) as store:
        found = peer_cities(store, city, limit)
    if fmt == "json":
        click.echo(_json(found))
        return
    if not found:
        click.echo(f"No peer city shares anything with {city}.")
        return
    base = _settings(ctx).base_iri
    click.echo(format_table(["city", "iri", "score", "why"],
                            [[p["label"], _short(URIRef(p["city"]), base), f"{p['score']:g}",
                              p["reason"]] for p in found],
                            limit=10_000))


@main.command()
@click.option("--write", is_flag=True,
              help="Also write centrality and communities into the analytics graph.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def analytics(ctx: click.Context, write: bool, fmt: str) -> None:
    """Summary of the networks: resources by kind, components, most connected organisations."""
    from kg.analytics import summary, write_analytics

    with _store(ctx) as store:
        written = write_analytics(store) if write else None
        data = summary(store)
    if written is not None:
        data["written"] = written
    if fmt == "json":
        click.echo(_json(data))
        return
    click.echo(f"Documents: {data['documents']}")
    click.echo("Triples: " + ", ".join(f"{k} {v}" for k, v in data["triples"].items()))
    from kg.analytics import RESOURCE_COUNT_RULE

    click.echo("Resources: " + ", ".join(f"{k} {v}" for k, v in data["resources"].items())
               + f"\n  ({RESOURCE_COUNT_RULE})")
    rg, og = data["resource_graph"], data["organisation_graph"]
    click.echo(f"Resource network: {rg['nodes']} nodes, {rg['edges']} edges, "
               f"{rg['components']} components (largest {rg['largest_component']})")
    click.echo(f"Organisation network: {og['nodes']} nodes, {og['edges']} edges, "
               f"{og['communities']} communities")
    if og["most_connected"]:
        click.echo("Most connected organisations:")
        for item in og["most_connected"]:
            click.echo(f"  {item['label']}  {item['degree']}")
    if written is not None:
        click.echo(f"Wrote {written['triples']} triples to the analytics graph "
                   f"({written['communities']} communities).")


# --------------------------------------------------------------------------- serve


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (pages, SPARQL endpoint) on the store until interrupted."""
    from webapp import serve as serve_app

    settings = _settings(ctx)
    click.echo(f"Serving {settings.store_path} at http://{host}:{port}/ (Ctrl+C to stop)",
               err=True)
    serve_app(settings, host=host, port=port)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--server", "server_url", required=True, metavar="URL",
              help="The running server, e.g. http://127.0.0.1:8000 (its admin endpoint must be on).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Summary format.")
@click.pass_context
def upload(ctx: click.Context, paths: tuple[Path, ...], server_url: str, fmt: str) -> None:
    """Send documents to a running `kg serve` to be ingested there (token: $KG_ADMIN_TOKEN)."""
    import os
    from urllib.parse import urlsplit

    from kg.documents import collect_paths
    from kg.remote import send_documents

    files = collect_paths(paths)
    if not files:
        raise CLIError("No documents found in " + ", ".join(str(p) for p in paths) + ".")
    host = urlsplit(server_url).hostname or ""
    if server_url.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("Warning: the admin token goes over plain http; use https beyond this machine.",
                   err=True)
    report = send_documents(server_url, os.environ.get("KG_ADMIN_TOKEN", ""), files)
    failures = report.get("failures") or []
    if fmt == "json":
        click.echo(_json(report))
    else:
        click.echo(
            f"Documents: {len(report.get('documents') or [])} of {len(files)} ingested by {server_url}\n"
            f"Entities:  {report.get('entities', 0)}\n"
            f"Facts:     {report.get('facts', 0)}\n"
            f"Triples:   {report.get('triples', 0)}\n"
            f"Failures:  {len(failures)}\n"
            f"Time:      {float(report.get('seconds') or 0):.1f} s"
        )
    if failures:
        click.echo(f"Failed ({len(failures)}):", err=True)
        for failure in failures:
            click.echo(f"  {failure.get('document')}: {failure.get('reason')}", err=True)
        ctx.exit(1)


if __name__ == "__main__":  # pragma: no cover - `python -m kg.cli`
    sys.exit(main())
