"""Search over every name in the graph (labels, alternative names, acronyms, titles),
accent- and case-insensitive."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.describe import local_name
from kg.store import KGStore

__all__ = ["Hit", "fold", "search"]

NAME_PROPERTIES = ("rdfs:label", "skos:prefLabel", "skos:altLabel", "ikg:acronym", "foaf:name",
                   "schema:name", "dcterms:title", "dcterms:identifier")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of a text for matching."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _SPACES.sub(" ", folded.casefold()).strip()


@dataclass
class Hit:
    """One resource found by a search: its IRI, label, types and the name that matched."""

    iri: str
    label: str
    matched: str
    score: int
    types: list[str] = field(default_factory=list)


def _score(query: str, words: list[str], name: str) -> int | None:
    """Rank of a folded name for a folded query: lower is better, None for no match."""
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    if re.search(r"\b" + re.escape(query), name):
        return 2
    if query in name:
        return 3
    if len(words) > 1 and all(w in name for w in words):
        return 4
    return None


def search(store: KGStore, query: str, limit: int = 50) -> list[Hit]:
    """Resources whose names match the query, best first (exact, prefix, word, substring)."""
    wanted = fold(query)
    if not wanted:
        return []
    words = _WORD.findall(wanted)
    rows = store.select(
        "SELECT DISTINCT ?s ?name WHERE { ?s ?p ?name . "
        f"VALUES ?p {{ {' '.join(NAME_PROPERTIES)} }} FILTER(isIRI(?s) && isLiteral(?name)) }}"
    )
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        name = str(row["name"])
        score = _score(wanted, words, fold(name))
        if score is None:
            continue
        iri = str(row["s"])
        if iri not in best or (score, len(name)) < (best[iri][0], len(best[iri][1])):
            best[iri] = (score, name)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][0], len(kv[1][1]), kv[1][1].casefold(),
                                                  kv[0]))
    hits: list[Hit] = []
    for iri, (score, matched) in ranked[:limit]:
        info = store.select(
            """SELECT ?s (SAMPLE(?l) AS ?label) (GROUP_CONCAT(DISTINCT ?tl; separator="\\u001f")
                   AS ?types) WHERE {
              OPTIONAL { ?s rdfs:label|skos:prefLabel|dcterms:title ?l }
              OPTIONAL { ?s a ?t . OPTIONAL { ?t rdfs:label ?tl0 }
                         BIND(COALESCE(STR(?tl0), REPLACE(STR(?t), "^.*[/#]", "")) AS ?tl) }
            } GROUP BY ?s""",
            bindings={"s": URIRef(iri)},
        )
        label = str(info[0].get("label") or "") if info else ""
        types = str(info[0].get("types") or "") if info else ""
        hits.append(Hit(
            iri=iri,
            label=label or matched or local_name(iri),
            matched=matched,
            score=score,
            types=sorted({t for t in types.split("\x1f") if t}, key=str.casefold),
        ))
    return hits
