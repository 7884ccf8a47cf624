"""The query page (SPARQL editor, saved queries) and the saved-query API."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
)
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from kg import describe as kd
from kg import queries as kq
from kg.errors import KGError, NotFoundError, ParameterError, QueryError
from kg.namespaces import GEO, PREFIXES, PROV
from webapp import get_store, run_query

bp = Blueprint("query", __name__)

MAX_LABELS = 2000
_LABEL_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

GRAPH_SWITCH = ("all", "asserted", "inferred")
# Terms offered for completion besides the ontology's own.
COMMON_PROPERTIES = (RDF.type, RDFS.label, RDFS.comment, SKOS.altLabel, SKOS.prefLabel,
                     SKOS.exactMatch, DCTERMS.identifier, DCTERMS.title, DCTERMS.date,
                     GEO.lat, GEO.long, PROV.wasDerivedFrom, FOAF.name)


def _queries_dir() -> Path | None:
    folder = current_app.config.get("KG_QUERIES_DIR")
    return Path(folder) if folder else None


def _saved_json(q: kq.SavedQuery) -> dict[str, Any]:
    """A saved query for the page: name, title, description, parameters and SPARQL text."""
    return {
        "name": q.name, "title": q.title, "description": q.description, "sparql": q.sparql,
        "params": [{"name": p.name, "type": p.type, "help": p.help, "default": p.default,
                    "class": str(p.cls) if p.cls else None, "required": p.required}
                   for p in q.params],
    }


def term_json(term: Any) -> dict[str, str]:
    """An rdflib term in the SPARQL 1.1 JSON results shape."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


def _row_values(columns: list[str], row: Any) -> dict[str, Any]:
    """A result row (mapping or sequence) as {column: term}."""
    if isinstance(row, dict):
        return {c: row.get(c) for c in columns}
    return dict(zip(columns, row, strict=False))


@bp.route("/query")
def query_page() -> str:
    """The SPARQL editor with the saved queries as examples."""
    try:
        saved = [_saved_json(q) for q in kq.list_queries(_queries_dir())]
    except KGError as exc:
        saved = []
        current_app.logger.warning("saved queries unreadable: %s", exc)
    terms = kd.ontology_terms(get_store())
    g.csp_style = "'unsafe-inline'"  # the query editor writes style attributes
    classes = sorted({t.iri for t in terms if t.kind == "class"})
    properties = sorted({t.iri for t in terms if t.kind == "property"}
                        | {str(p) for p in COMMON_PROPERTIES})
    config = {
        "saved": saved,
        "prefixes": PREFIXES,
        "classes": classes,
        "properties": properties,
        "baseIri": current_app.config["KG_SETTINGS"].base_iri,
        "ontologyNs": PREFIXES["ikg"],
    }
    return render_template("query.html", config=config, graph_choices=GRAPH_SWITCH)


@bp.route("/api/queries")
def saved_list() -> Response:
    """The saved queries with their parameters, as JSON."""
    return jsonify([_saved_json(q) for q in kq.list_queries(_queries_dir())])


@bp.route("/api/saved/<name>")
def saved_run(name: str) -> Response:
    """Run a saved query with parameters from the query string (?graphs=, ?format=json|csv)."""
    try:
        query = kq.get_query(name, _queries_dir())
    except NotFoundError as exc:
        abort(404, str(exc))
    graphs = request.args.get("graphs", "all")
    if graphs not in GRAPH_SWITCH:
        abort(400, f"graphs must be one of {', '.join(GRAPH_SWITCH)}.")
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv", "tsv"):
        abort(400, "format must be json, csv or tsv.")
    names = {p.name for p in query.params}
    values = {k: v for k, v in request.args.items() if k in names and v.strip()}
    try:
        columns, rows = run_query(kq.run_saved, query, values, graphs)
    except (ParameterError, QueryError) as exc:
        abort(400, str(exc))
    except NotFoundError as exc:
        abort(404, str(exc))
    limit = current_app.config["KG_SETTINGS"].max_results
    truncated = len(rows) > limit
    rows = rows[:limit]
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows:
                values_row = _row_values(columns, row)
                writer.writerow(["" if values_row[c] is None else str(values_row[c])
                                 for c in columns])
        else:
            out.write("\t".join(columns) + "\n")
            for row in rows:
                values_row = _row_values(columns, row)
                out.write("\t".join("" if values_row[c] is None else
                                    " ".join(str(values_row[c]).split()) for c in columns) + "\n")
        media = "text/csv" if fmt == "csv" else "text/tab-separated-values"
        resp = Response(out.getvalue(), mimetype=media)
        resp.headers["Content-Disposition"] = f'attachment; filename="{query.name}.{fmt}"'
        return resp
    bindings = []
    for row in rows:
        values_row = _row_values(columns, row)
        bindings.append({c: term_json(v) for c, v in values_row.items() if v is not None})
    resp = jsonify({"head": {"vars": columns}, "results": {"bindings": bindings},
                    "truncated": truncated})
    if request.args.get("download"):
        resp.headers["Content-Disposition"] = f'attachment; filename="{query.name}.json"'
    return resp


@bp.route("/api/labels", methods=["POST"])
def labels() -> Response:
    """Display labels of IRIs: POST {"iris": [...]} (at most 2000), answer {iri: label} for
    those that have a name (the query page shows them in place of IRIs)."""
    data = request.get_json(silent=True) or {}
    iris = data.get("iris") if isinstance(data, dict) else None
    if not isinstance(iris, list):
        abort(400, 'Send JSON {"iris": [...]}.')
    wanted = list(dict.fromkeys(i for i in iris[:MAX_LABELS]
                                if isinstance(i, str) and _LABEL_IRI.match(i)))
    return jsonify(kd.labels_of(get_store(), wanted) if wanted else {})
