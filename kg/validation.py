"""The ontology files and SHACL validation of extracted data against ontology/shapes.ttl."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from rdflib import ConjunctiveGraph, Dataset, Graph

from kg.errors import NotFoundError
from kg.namespaces import PREFIXES
from kg.settings import PROJECT_ROOT

ONTOLOGY_FILES = ("integration.ttl", "themes.ttl")
SHAPES_FILE = "shapes.ttl"


def _ontology_dirs() -> list[Path]:
    """Folders searched for the ontology files, first match wins."""
    dirs = []
    if os.environ.get("KG_ONTOLOGY_DIR"):
        dirs.append(Path(os.environ["KG_ONTOLOGY_DIR"]).expanduser())
    dirs.append(PROJECT_ROOT / "ontology")  # source checkout or editable install
    dirs.append(Path(sys.prefix) / "share" / "integration-kg" / "ontology")  # installed data files
    return dirs


def ontology_path(name: str) -> Path:
    """Path of a file of the ontology folder (integration.ttl, themes.ttl, shapes.ttl)."""
    for folder in _ontology_dirs():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in _ontology_dirs())
    raise NotFoundError(
        f"Ontology file '{name}' not found (searched {searched}); "
        "set KG_ONTOLOGY_DIR to the folder holding integration.ttl, themes.ttl and shapes.ttl."
    )


def _bound_graph() -> Graph:
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    return graph


def _copy(graph: Graph) -> Graph:
    out = _bound_graph()
    out += graph
    return out


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    graph = _bound_graph()
    for name in ONTOLOGY_FILES:
        graph.parse(ontology_path(name), format="turtle")
    return graph


def load_ontology() -> Graph:
    """The ontology (integration.ttl) and the theme scheme (themes.ttl) in one new graph."""
    return _copy(_ontology())


@lru_cache(maxsize=8)
def _shapes(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def _merged(data: Graph, ontology: Graph) -> Graph:
    """A new graph: the data (the union of a dataset's named graphs) plus the ontology."""
    merged = _bound_graph()
    if isinstance(data, (Dataset, ConjunctiveGraph)):
        for s, p, o, _ in data.quads((None, None, None, None)):
            merged.add((s, p, o))
    else:
        merged += data
    merged += ontology
    return merged


def validate_graph(
    data: Graph, *, shapes_path: Path | None = None, ontology: Graph | None = None
) -> tuple[bool, str]:
    """Validate data (a graph, or the union of a dataset's graphs) against the SHACL shapes.

    The ontology (by default integration.ttl + themes.ttl) is merged into a copy of
    the data and RDFS inference is run first, so subclass, domain and range typing
    and the theme concepts are visible to the shapes. Returns (conforms, report text).
    """
    from pyshacl import validate  # imported late: pyshacl is slow to import

    shapes = _shapes(Path(shapes_path) if shapes_path else ontology_path(SHAPES_FILE))
    merged = _merged(data, ontology if ontology is not None else _ontology())
    conforms, _results, text = validate(
        merged,
        shacl_graph=shapes,
        inference="rdfs",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=False,
        inplace=True,  # on our own copy: the caller's data is never touched
    )
    return bool(conforms), str(text)
