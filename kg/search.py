"""Search over every name in the graph (labels, alternative names, acronyms, titles),
accent- and case-insensitive."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kg.describe import local_name
from kg.store import KGStore

__all__ = ["Facet", "Hit", "SearchResult", "faceted_search", "fold", "search"]

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
    """One resource found by a search: its IRI, label, types and the name that matched.

    `types` holds the labels of its most specific asserted types (no inferred superclass);
    `countries` and `programmes` are (IRI, label) pairs for the facets.
    """

    iri: str
    label: str
    matched: str
    score: int
    types: list[str] = field(default_factory=list)
    countries: list[tuple[str, str]] = field(default_factory=list)
    programmes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Facet:
    """One value of a facet: what it filters on, its label and how many hits have it."""

    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    """Hits after the facet filters, and the facets (type, country, programme) with counts
    over every hit of the query."""

    hits: list[Hit]
    total: int
    facets: dict[str, list[Facet]]


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


def _ranked(store: KGStore, wanted: str) -> list[tuple[str, int, str]]:
    """(IRI, score, matched name) of every resource with a matching name, best first: exact
    matches, then names starting with the query, then word and substring matches."""
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
    return [(iri, score, name) for iri, (score, name) in ranked]


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _details(store: KGStore, iris: list[str]) -> dict[str, dict[str, object]]:
    """Label, most specific asserted types, countries and programmes of resources."""
    out: dict[str, dict[str, object]] = {
        i: {"label": "", "types": {}, "countries": {}, "programmes": {}} for i in iris}
    for start in range(0, len(iris), 300):
        chunk = _values(iris[start:start + 300])
        for row in store.select(
                f"""SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?s {{ {chunk} }}
                  ?s rdfs:label|skos:prefLabel|dcterms:title ?l }} GROUP BY ?s"""):
            out[str(row["s"])]["label"] = str(row["label"])
        # Asserted types only (the inferred graph adds every superclass), then the most
        # specific of them: a type that is a superclass of another one is dropped.
        typed: dict[str, set[str]] = {}
        for row in store.select(
                f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {chunk} }} ?s a ?t . FILTER(isIRI(?t)) }}",
                graphs="asserted"):
            typed.setdefault(str(row["s"]), set()).add(str(row["t"]))
        all_types = sorted(set().union(*typed.values())) if typed else []
        supers: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        if all_types:
            tv = _values(all_types)
            for row in store.select(
                    f"""SELECT ?t ?u WHERE {{ VALUES ?t {{ {tv} }} VALUES ?u {{ {tv} }}
                      ?t rdfs:subClassOf+ ?u . FILTER(?t != ?u) }}"""):
                supers.setdefault(str(row["t"]), set()).add(str(row["u"]))
            for row in store.select(
                    f"""SELECT ?t (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?t {{ {tv} }}
                      ?t rdfs:label ?l . FILTER(LANG(?l) = "" || LANGMATCHES(LANG(?l), "en")) }}
                      GROUP BY ?t"""):
                labels[str(row["t"])] = str(row["label"])
        for s, types in typed.items():
            above = set().union(*(supers.get(t, set()) for t in types))
            out[s]["types"] = {t: labels.get(t) or local_name(t) for t in types - above}
        for key, pattern in (
                ("countries", """{ ?s ikg:locatedIn+ ?x } UNION { ?s a ikg:Country . BIND(?s AS ?x) }
                   UNION { ?s (ikg:operatesIn|ikg:activityOf|ikg:partnerIn)/ikg:locatedIn* ?x }"""),
                ("programmes", """{ ?s ikg:fundedBy ?x } UNION { ?s a ikg:FundingProgramme .
                   BIND(?s AS ?x) } UNION { ?s (ikg:partnerIn|ikg:activityOf)/ikg:fundedBy ?x }""")):
            cls = "ikg:Country" if key == "countries" else "ikg:FundingProgramme"
            for row in store.select(
                    f"""SELECT DISTINCT ?s ?x (SAMPLE(?l) AS ?label) WHERE {{
                      VALUES ?s {{ {chunk} }} {pattern} ?x a {cls} .
                      OPTIONAL {{ ?x rdfs:label ?l }} }} GROUP BY ?s ?x"""):
                x = str(row["x"])
                out[str(row["s"])][key][x] = str(row.get("label") or local_name(x))  # type: ignore[index]
    return out


def search(store: KGStore, query: str, limit: int = 50) -> list[Hit]:
    """Resources whose names match the query, best first (exact, prefix, word, substring)."""
    return faceted_search(store, query, limit=limit).hits


def faceted_search(store: KGStore, query: str, limit: int = 50, kind: str | None = None,
                   country: str | None = None, programme: str | None = None,
                   max_matches: int = 1000) -> SearchResult:
    """Search with facets: hits (best first) narrowed by type label, country IRI and programme
    IRI; facet counts over all matches of the query (at most `max_matches`)."""
    wanted = fold(query)
    if not wanted:
        return SearchResult([], 0, {"type": [], "country": [], "programme": []})
    ranked = _ranked(store, wanted)[:max_matches]
    details = _details(store, [iri for iri, _, _ in ranked])
    hits: list[Hit] = []
    for iri, score, matched in ranked:
        d = details[iri]
        hits.append(Hit(
            iri=iri, label=str(d["label"]) or matched or local_name(iri), matched=matched,
            score=score,
            types=sorted(set(d["types"].values()), key=str.casefold),  # type: ignore[attr-defined]
            countries=sorted(d["countries"].items(), key=lambda kv: kv[1].casefold()),  # type: ignore[attr-defined]
            programmes=sorted(d["programmes"].items(), key=lambda kv: kv[1].casefold()),  # type: ignore[attr-defined]
        ))
    facets: dict[str, list[Facet]] = {}
    for name, getter, chosen in (
            ("type", lambda h: [(t, t) for t in h.types], kind),
            ("country", lambda h: h.countries, country),
            ("programme", lambda h: h.programmes, programme)):
        counts: dict[str, list] = {}
        for h in hits:
            for value, label in getter(h):
                counts.setdefault(value, [label, 0])[1] += 1
        facets[name] = sorted((Facet(v, lab, n, v == chosen) for v, (lab, n) in counts.items()),
                              key=lambda f: (-f.count, f.label.casefold()))
    kept = [h for h in hits
            if (not kind or kind in h.types)
            and (not country or country in dict(h.countries))
            and (not programme or programme in dict(h.programmes))]
    return SearchResult(kept[:limit], len(kept), facets)
