"""Thematic areas: keyword matching of text against the SKOS theme scheme (ontology/themes.ttl).

The method: every ikg:Theme / skos:Concept of the scheme lists keywords as skos:hiddenLabel
(its skos:prefLabel and skos:altLabel stand in when it has none). A keyword matches on word
boundaries, case- and accent-insensitively; a theme is assigned when its keywords occur at
least ``min_hits`` times in the text (1 by default, meant for a sentence; use more for a
whole document).
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kg.errors import KGError
from kg.namespaces import IKG
from kg.settings import PROJECT_ROOT

__all__ = [
    "THEMES_FILE",
    "assign_themes",
    "count_theme_hits",
    "load_scheme",
    "load_theme_keywords",
]

THEMES_FILE = PROJECT_ROOT / "ontology" / "themes.ttl"


def _fold(text: str) -> str:
    """Lower-case text without accents (same length per character is not needed: we only count)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=8)
def load_scheme(path: Path | None = None) -> Graph:
    """The theme scheme as a graph, parsed once per path (default ontology/themes.ttl)."""
    source = Path(path) if path is not None else THEMES_FILE
    graph = Graph()
    try:
        graph.parse(source, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise KGError(f"cannot read the theme scheme {source}: {exc}") from exc
    return graph


def _concepts(scheme: Graph) -> set[URIRef]:
    """Theme concepts of a scheme."""
    found = {s for s in scheme.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}
    found |= {s for s in scheme.subjects(RDF.type, IKG.Theme) if isinstance(s, URIRef)}
    return found


def load_theme_keywords(scheme: Graph | Path | None = None) -> dict[URIRef, list[str]]:
    """Keywords of each theme (hiddenLabel; pref/altLabel when it has none), sorted."""
    graph = scheme if isinstance(scheme, Graph) else load_scheme(scheme)
    keywords: dict[URIRef, list[str]] = {}
    for concept in sorted(_concepts(graph)):
        words = {str(o).strip() for o in graph.objects(concept, SKOS.hiddenLabel)
                 if isinstance(o, Literal)}
        if not words:
            words = {str(o).strip() for p in (SKOS.prefLabel, SKOS.altLabel)
                     for o in graph.objects(concept, p) if isinstance(o, Literal)}
        words.discard("")
        if words:
            keywords[concept] = sorted(words, key=str.casefold)
    return keywords


Patterns = tuple[tuple[str, re.Pattern[str]], ...]
# Compiled patterns of in-memory schemes, dropped with the graph; re-read if it changed size.
_GRAPH_PATTERNS: weakref.WeakKeyDictionary[Graph, tuple[int, Patterns]] = (
    weakref.WeakKeyDictionary()
)


@lru_cache(maxsize=32)
def _compile(keywords: tuple[tuple[str, tuple[str, ...]], ...]) -> Patterns:
    """One regular expression per theme (longest keyword first), compiled once per keyword set."""
    compiled = []
    for theme, words in keywords:
        alternatives = sorted({_fold(w) for w in words}, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
        compiled.append((theme, re.compile(rf"(?<!\w)(?:{body})(?!\w)")))
    return tuple(compiled)


def _patterns(scheme: Graph | Path | None) -> Patterns:
    """Compiled patterns for a scheme (a graph is scanned once while its size is unchanged)."""
    if isinstance(scheme, Graph):
        cached = _GRAPH_PATTERNS.get(scheme)
        if cached is not None and cached[0] == len(scheme):
            return cached[1]
    keywords = load_theme_keywords(scheme)
    patterns = _compile(tuple((str(t), tuple(words)) for t, words in sorted(keywords.items())))
    if isinstance(scheme, Graph):
        _GRAPH_PATTERNS[scheme] = (len(scheme), patterns)
    return patterns


def count_theme_hits(text: str, scheme: Graph | Path | None = None) -> dict[URIRef, int]:
    """How many keyword occurrences of each theme the text holds (themes with none left out)."""
    folded = _fold(text)
    hits: dict[URIRef, int] = {}
    for theme, pattern in _patterns(scheme):
        n = sum(1 for _ in pattern.finditer(folded))
        if n:
            hits[URIRef(theme)] = n
    return hits


def assign_themes(
    text: str, scheme: Graph | Path | None = None, min_hits: int = 1
) -> list[URIRef]:
    """Themes whose keywords occur at least min_hits times in text, most hits first."""
    hits = count_theme_hits(text, scheme)
    chosen = [(t, n) for t, n in hits.items() if n >= max(1, min_hits)]
    chosen.sort(key=lambda tn: (-tn[1], str(tn[0])))
    return [t for t, _ in chosen]
