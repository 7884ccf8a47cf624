"""Saved queries: SPARQL files in queries/*.rq with a comment header (title, params, columns).

A file starts with ``#`` header lines, then the SPARQL text::

    # title: Projects working in a country
    # description: Projects that work in a country directly, or through a partner or a city.
    # param: country resource ikg:Country "Country (IRI or name)"
    # param: from date "First day" = 1900-01-01
    # columns: project projectLabel
    # handler: path        (optional: answered by Python instead of the SPARQL text)

A parameter line is ``name type [class] ["help"] [= default]`` with type one of
resource, string, date, integer. Parameters are bound through the store's
substitutions, never pasted into the query text. pyoxigraph only substitutes variables the
query projects, so each saved query SELECTs its parameters too; ``run_saved`` returns the
columns the header declares.
"""

from __future__ import annotations

import logging
import re
import shlex
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD
from rdflib.term import Node

from kg.errors import KGError, NotFoundError, ParameterError, QueryError
from kg.namespaces import IKG, PREFIXES
from kg.settings import PROJECT_ROOT
from kg.store import KGStore

__all__ = [
    "CORE_CLASSES",
    "PARAM_TYPES",
    "Param",
    "SavedQuery",
    "bind_params",
    "get_query",
    "list_queries",
    "normalise_label",
    "parse_query_file",
    "queries_dir",
    "resolve_resource",
    "run_saved",
]

log = logging.getLogger(__name__)

PARAM_TYPES = ("resource", "string", "date", "integer")
HANDLERS = ("path",)

# The core class hierarchy, so that label lookup works even before the ontology is loaded.
CORE_CLASSES: dict[URIRef, frozenset[URIRef]] = {
    IKG.Organisation: frozenset(
        {IKG.Organisation, IKG.LocalAuthority, IKG.NGO, IKG.InternationalOrganisation,
         IKG.PublicBody, IKG.ResearchOrganisation}
    ),
    IKG.Place: frozenset({IKG.Place, IKG.City, IKG.Region, IKG.Country}),
    IKG.Activity: frozenset({IKG.Activity, IKG.Event}),
}
# Classes whose members count as "resources" when a parameter names no class.
RESOURCE_CLASSES: tuple[URIRef, ...] = (
    IKG.Project, IKG.Organisation, IKG.Person, IKG.Place, IKG.Activity,
    IKG.FundingProgramme, IKG.Theme,
)

_HEADER_RE = re.compile(r"^#\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")
_IRI_RE = re.compile(r"^(?:https?|urn|file|ftp):\S+$", re.IGNORECASE)
_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|^`\\]')
_PREFIXED_RE = re.compile(r"^([A-Za-z][\w-]*):([\w.-]*)$")
_SPACES = re.compile(r"\s+")
_CHAR_FOLDS = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "–": "-", "—": "-"})


@dataclass(frozen=True)
class Param:
    """One parameter of a saved query."""

    name: str
    type: str = "string"
    cls: URIRef | None = None
    help: str = ""
    default: str | None = None

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is None


@dataclass
class SavedQuery:
    """A saved query read from a .rq file."""

    name: str
    title: str
    description: str
    params: list[Param]
    sparql: str
    path: Path | None = None
    columns: list[str] = field(default_factory=list)
    handler: str | None = None

    def param(self, name: str) -> Param:
        """The parameter called name (NotFoundError if none)."""
        for p in self.params:
            if p.name == name:
                return p
        raise NotFoundError(f"Query '{self.name}' has no parameter '{name}'.")


# --------------------------------------------------------------------------- files


def queries_dir() -> Path:
    """The directory of the shipped saved queries (queries/ in the source checkout)."""
    return PROJECT_ROOT / "queries"


def _expand(curie: str) -> URIRef:
    """Expand a prefixed name (ikg:Country) or <IRI> to an IRI."""
    text = curie.strip()
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    m = _PREFIXED_RE.match(text)
    if m and m.group(1) in PREFIXES:
        return URIRef(PREFIXES[m.group(1)] + m.group(2))
    if _IRI_RE.match(text):
        return URIRef(text)
    raise KGError(f"cannot read class '{curie}': use a prefixed name such as ikg:Country or <IRI>")


def _parse_param(text: str, where: str) -> Param:
    """Parse the value of a `# param:` header line."""
    default: str | None = None
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise KGError(f"{where}: bad param line '{text}': {exc}") from exc
    if "=" in tokens:
        i = tokens.index("=")
        default = " ".join(tokens[i + 1:])
        tokens = tokens[:i]
    else:
        for i, tok in enumerate(tokens):
            if tok.startswith("=") and i >= 2:
                default = " ".join([tok[1:], *tokens[i + 1:]]).strip()
                tokens = tokens[:i]
                break
    if len(tokens) < 2:
        raise KGError(f"{where}: param line '{text}' needs at least a name and a type")
    name, ptype, *rest = tokens
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise KGError(f"{where}: bad parameter name '{name}'")
    if ptype not in PARAM_TYPES:
        raise KGError(f"{where}: parameter '{name}' has unknown type '{ptype}' "
                      f"(use {', '.join(PARAM_TYPES)})")
    cls: URIRef | None = None
    help_text = ""
    if rest and ptype == "resource" and (":" in rest[0] and " " not in rest[0]):
        cls = _expand(rest.pop(0))
    if rest:
        help_text = " ".join(rest)
    return Param(name=name, type=ptype, cls=cls, help=help_text, default=default)


def parse_query_text(text: str, name: str, path: Path | None = None) -> SavedQuery:
    """Parse the header and SPARQL of a saved query's text."""
    where = str(path) if path else name
    meta: dict[str, str] = {}
    params: list[Param] = []
    descriptions: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _HEADER_RE.match(stripped)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if key == "param":
            params.append(_parse_param(value, where))
        elif key == "description":
            descriptions.append(value)
        else:
            meta[key] = value
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise KGError(f"{where}: a parameter is declared twice")
    handler = meta.get("handler") or None
    if handler is not None and handler not in HANDLERS:
        raise KGError(f"{where}: unknown handler '{handler}' (use {', '.join(HANDLERS)})")
    return SavedQuery(
        name=name,
        title=meta.get("title", name.replace("_", " ").capitalize()),
        description=" ".join(descriptions),
        params=params,
        sparql=text,
        path=path,
        columns=meta.get("columns", "").split(),
        handler=handler,
    )


def parse_query_file(path: Path) -> SavedQuery:
    """Read one .rq file into a SavedQuery (named after the file's stem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KGError(f"cannot read saved query {path}: {exc}") from exc
    return parse_query_text(text, path.stem, path)


def list_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every saved query in a directory (default: the shipped queries/), sorted by name."""
    folder = Path(directory) if directory is not None else queries_dir()
    if not folder.is_dir():
        return []
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]


def get_query(name: str, directory: Path | None = None) -> SavedQuery:
    """The saved query called name; NotFoundError when there is none."""
    folder = Path(directory) if directory is not None else queries_dir()
    if not re.fullmatch(r"[\w-]+", name or ""):
        raise NotFoundError(f"No saved query '{name}'.")
    path = folder / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(q.name for q in list_queries(folder))
        raise NotFoundError(f"No saved query '{name}'. Known queries: {known or 'none'}.")
    return parse_query_file(path)


# --------------------------------------------------------------------------- labels


def normalise_label(text: object) -> str:
    """Fold a name for lookup: accents, case, quotes, dashes, spaces, a leading 'the'."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.translate(_CHAR_FOLDS).casefold()
    folded = _SPACES.sub(" ", folded).strip(" .,;:-\"'")
    return folded[4:] if folded.startswith("the ") else folded


def _class_members_filter(classes: Iterable[URIRef] | None, store: KGStore) -> set[URIRef] | None:
    """The set of classes (with subclasses) a resource may have; None means any core class."""
    roots = list(classes) if classes else list(RESOURCE_CLASSES)
    allowed: set[URIRef] = set()
    for root in roots:
        allowed |= CORE_CLASSES.get(root, frozenset({root}))
    # The closure is computed here rather than with `rdfs:subClassOf+`, which some external
    # stores (Virtuoso 7) reject when combined with VALUES.
    rows = store.select("SELECT DISTINCT ?sub ?sup WHERE { ?sub rdfs:subClassOf ?sup }")
    children: dict[URIRef, set[URIRef]] = {}
    for row in rows:
        if isinstance(row.get("sub"), URIRef) and isinstance(row.get("sup"), URIRef):
            children.setdefault(row["sup"], set()).add(row["sub"])
    todo = list(allowed)
    while todo:
        for sub in children.get(todo.pop(), ()):
            if sub not in allowed:
                allowed.add(sub)
                todo.append(sub)
    return allowed


def resolve_resource(
    store: KGStore,
    value: str | URIRef,
    classes: Iterable[URIRef] | None = None,
    *,
    what: str = "resource",
) -> URIRef:
    """An IRI for a value that is an IRI or a name (label, altLabel, acronym) of a resource.

    Names match accent-, case- and whitespace-insensitively among members of the classes
    (with subclasses; any core class when none). Raises ParameterError when nothing or
    several things match.
    """
    if isinstance(value, URIRef):
        return value
    text = str(value).strip()
    if not text:
        raise ParameterError(f"Give a {what}: an IRI or a name.")
    if text.startswith("<") and text.endswith(">"):
        return _checked_iri(text[1:-1])
    if _IRI_RE.match(text):
        return _checked_iri(text)
    m = _PREFIXED_RE.match(text)
    if m and m.group(1) in PREFIXES and m.group(2):
        return _checked_iri(PREFIXES[m.group(1)] + m.group(2))
    allowed = _class_members_filter(classes, store)
    # The name is never put into the query: every name is fetched and compared here.
    rows = store.select(
        "SELECT DISTINCT ?s ?t ?p ?name WHERE { "
        "?s ?p ?name . VALUES ?p { rdfs:label skos:altLabel skos:prefLabel ikg:acronym } "
        "?s rdf:type ?t . FILTER(isLiteral(?name)) }"
    )
    wanted = normalise_label(text)
    by_kind: dict[str, set[URIRef]] = {"label": set(), "other": set()}
    labels: dict[URIRef, str] = {}
    for row in rows:
        s, t, p, name = row.get("s"), row.get("t"), row.get("p"), row.get("name")
        if not isinstance(s, URIRef) or allowed is not None and t not in allowed:
            continue
        if p == RDFS.label:
            labels.setdefault(s, str(name))
        if normalise_label(name) == wanted:
            by_kind["label" if p in (RDFS.label, SKOS.prefLabel) else "other"].add(s)
    found = by_kind["label"] or by_kind["other"]
    kind_text = _classes_text(classes)
    if not found:
        raise ParameterError(
            f"No {kind_text} is called '{text}'. Give its IRI, or a name as it appears in the "
            f"graph (label, alternative name or acronym)."
        )
    if len(found) > 1:
        options = "; ".join(f"{labels.get(s, s)} <{s}>" for s in sorted(found))
        raise ParameterError(f"'{text}' names more than one {kind_text}: {options}. Give the IRI.")
    return next(iter(found))


def _checked_iri(text: str) -> URIRef:
    """An IRI, refused when it holds characters an IRI cannot hold."""
    if not text or _BAD_IRI_CHARS.search(text):
        raise ParameterError(f"'{text}' is not a valid IRI.")
    return URIRef(text)


def _classes_text(classes: Iterable[URIRef] | None) -> str:
    """Readable names of classes for messages."""
    names = [str(c).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for c in classes or []]
    return " or ".join(names) if names else "resource"


# --------------------------------------------------------------------------- binding


def _convert(store: KGStore, param: Param, raw: str | Node) -> Node:
    """Turn one raw parameter value into an RDF term of the parameter's type."""
    if param.type == "resource":
        if isinstance(raw, URIRef):
            return raw
        classes = [param.cls] if param.cls is not None else None
        return resolve_resource(store, str(raw), classes, what=f"value for '{param.name}'")
    text = str(raw).strip()
    if param.type == "date":
        try:
            return Literal(date.fromisoformat(text).isoformat(), datatype=XSD.date)
        except ValueError:
            raise ParameterError(
                f"'{text}' is not a date for '{param.name}': use YYYY-MM-DD, e.g. 2019-12-01."
            ) from None
    if param.type == "integer":
        try:
            return Literal(int(text), datatype=XSD.integer)
        except ValueError:
            raise ParameterError(f"'{text}' is not a whole number for '{param.name}'.") from None
    return Literal(str(raw))


def bind_params(
    store: KGStore, query: SavedQuery, values: Mapping[str, str | Node] | None
) -> dict[str, Node]:
    """Check and convert parameter values into bindings (defaults applied, names resolved)."""
    values = dict(values or {})
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise ParameterError(
            f"Unknown parameter(s) {', '.join(unknown)} for query '{query.name}'; "
            f"it takes: {expected}."
        )
    bindings: dict[str, Node] = {}
    for param in query.params:
        raw = values.get(param.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if param.default is None:
                raise ParameterError(
                    f"Query '{query.name}' needs '{param.name}'"
                    + (f" ({param.help})." if param.help else ".")
                )
            if param.default == "":
                continue  # optional, left unbound
            raw = param.default
        bindings[param.name] = _convert(store, param, raw)
    return bindings


def _path_rows(store: KGStore, bindings: Mapping[str, Node], graphs: str) -> list[dict]:
    """Rows of a connection path: one per step."""
    from kg.analytics import shortest_path  # analytics imports this module

    start, end = bindings.get("from"), bindings.get("to")
    if not isinstance(start, URIRef) or not isinstance(end, URIRef):
        raise ParameterError("A connection path needs two resources: 'from' and 'to'.")
    path = shortest_path(store, start, end, graphs=graphs)
    labels = {n["iri"]: n["label"] for n in path["nodes"]}
    rows: list[dict] = []
    for i, edge in enumerate(path["edges"], start=1):
        rows.append({
            "step": Literal(i),
            "from": URIRef(edge["from"]),
            "fromLabel": Literal(labels.get(edge["from"], edge["from"])),
            "property": URIRef(edge["property"]),
            "to": URIRef(edge["to"]),
            "toLabel": Literal(labels.get(edge["to"], edge["to"])),
            "inferred": Literal(bool(edge.get("inferred", False))),
        })
    return rows


def run_saved(
    store: KGStore,
    name: str | SavedQuery,
    values: Mapping[str, str | Node] | None = None,
    graphs: str = "all",
) -> tuple[list[str], list[dict]]:
    """Run a saved query by name; returns (column names, rows of rdflib terms)."""
    query = name if isinstance(name, SavedQuery) else get_query(name)
    bindings = bind_params(store, query, values)
    if query.handler == "path":
        columns = query.columns or ["step", "from", "fromLabel", "property", "to", "toLabel"]
        return columns, _path_rows(store, bindings, graphs)
    try:
        names, rows = store.select_with_vars(query.sparql, graphs=graphs, bindings=bindings)
    except RuntimeError as exc:  # pyoxigraph: a substituted variable the query does not project
        raise QueryError(
            f"Saved query '{query.name}' cannot take its parameters ({exc}); "
            f"it must SELECT each parameter variable."
        ) from exc
    if not query.columns:
        return names, rows
    # Parameters are projected (substitutions need it) but only the declared columns are output.
    columns = [c for c in query.columns if c in names]
    keep = set(columns)
    return columns, [{k: v for k, v in row.items() if k in keep} for row in rows]

