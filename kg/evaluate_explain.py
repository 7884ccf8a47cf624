"""Error analysis of an evaluation: each miss and each unexpected resource with the sentence it
came from and the stage that lost it, grouped by cause (`kg evaluate --explain`).

Causes, in pipeline order:
- `not in text`: no name of the gold entity is written in its documents as annotated;
- `mention`: a name is in the text, no resource carries it (the mention stage missed it);
- `typing`: a resource carries the name with another type;
- `resolution`: more than one resource matches the gold entity;
- `endpoint`: a gold relation whose subject or object was not found;
- `relation:<property>`: both ends found, the property not stated (the relation stages);
- `unexpected:<type>`: a resource no gold entity accounts for.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from kg.evaluate import IKG, _GraphIndex, _Scorer

NIF_IS_STRING = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString"
NIF_SOURCE = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#sourceUrl"


def document_texts(graph: Graph) -> dict[str, str]:
    """Document identifier -> text, from the NIF contexts stored with each document."""
    from rdflib import URIRef

    texts = {}
    for ctx, text in graph.subject_objects(URIRef(NIF_IS_STRING)):
        for doc in graph.objects(ctx, URIRef(NIF_SOURCE)):
            for ident in graph.objects(doc, DCTERMS.identifier):
                texts[str(ident)] = str(text)
    return texts


def _sentence_with(text: str, names: Sequence[str]) -> str | None:
    """The first sentence (or line) of text holding one of the names, case-insensitively."""
    for name in sorted(names, key=len, reverse=True):
        i = text.lower().find(name.lower())
        if i >= 0:
            start = max(text.rfind("\n", 0, i), text.rfind(". ", 0, i)) + 1
            end_candidates = [e for e in (text.find("\n", i), text.find(". ", i)) if e >= 0]
            end = min(end_candidates) if end_candidates else len(text)
            return re.sub(r"\s+", " ", text[start : end + 1]).strip()[:300]
    return None


def _doc_texts_of(entity: Mapping[str, Any], texts: Mapping[str, str]) -> list[str]:
    codes = entity.get("docs", [])
    return [t for ident, t in texts.items() if any(ident == c or ident.startswith(c + "_") or
                                                   ident.startswith(c + ".") for c in codes)]


def explain(gold: Mapping[str, Any], graph: Graph, docs: Sequence[str] | None = None) -> dict[str, list[dict]]:
    """Every miss and unexpected resource, grouped by cause, each with its evidence sentence."""
    index = _GraphIndex(graph)
    scorer = _Scorer(gold, index)
    texts = document_texts(graph)
    if docs:  # evidence only from the documents asked about (never from a held-out part)
        texts = {ident: t for ident, t in texts.items() if ident in set(docs)}
    entities = gold["entities"]
    groups: dict[str, list[dict]] = defaultdict(list)
    named_any: dict[str, set] = {}
    for eid, entity in entities.items():
        found = scorer.match(eid)
        named = index.resources_named(entity["names"])
        named_any[eid] = named
        if len(found) > 1:
            groups["resolution"].append({"item": eid, "detail": f"{len(found)} resources"})
        if found:
            continue
        doc_texts = _doc_texts_of(entity, texts)
        sentence = next((s for t in doc_texts if (s := _sentence_with(t, entity["names"]))), None)
        if named:
            types = sorted({str(o).rsplit("#", 1)[-1] for r in named for o in index.objects(r, RDF.type)
                            if str(o).startswith(str(IKG))})
            groups["typing"].append({"item": eid, "detail": f"wanted {entity['type']}, got {', '.join(types)}",
                                     "sentence": sentence})
        elif sentence is None:
            groups["not in text"].append({"item": eid, "detail": entity["names"][0]})
        else:
            groups["mention"].append({"item": eid, "detail": entity["type"], "sentence": sentence})
    for s_id, prop, o_id in gold.get("relations") or []:
        subjects, objects = scorer.match(s_id), scorer.match(o_id)
        if subjects and objects and scorer.relation_holds(subjects, prop, objects):
            continue
        item = f"{s_id} {prop} {o_id}"
        if not subjects or not objects:
            lost = [e for e, m in ((s_id, subjects), (o_id, objects)) if not m]
            groups["endpoint"].append({"item": item, "detail": "missing: " + ", ".join(lost)})
            continue
        s_names, o_names = entities[s_id]["names"], entities[o_id]["names"]
        sentence = None
        for t in _doc_texts_of(entities[s_id], texts):
            for part in re.split(r"(?<=[.!?])\s+|\n", t):
                low = part.lower()
                if any(n.lower() in low for n in s_names) and any(n.lower() in low for n in o_names):
                    sentence = part.strip()[:300]
                    break
            if sentence:
                break
        groups[f"relation:{prop}"].append({"item": item, "sentence": sentence})
    _, _, matched = scorer.score_entities()
    ok = scorer.acceptable_names()
    for r in scorer.precision_pool(docs):
        if r in matched or index.names.get(r, set()) & ok:
            continue
        types = sorted({str(o).rsplit("#", 1)[-1] for o in index.objects(r, RDF.type) if str(o).startswith(str(IKG))})
        name = min(index.names.get(r, {str(r)}))
        groups[f"unexpected:{types[0] if types else '?'}"].append({"item": name})
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def format_explanation(groups: Mapping[str, list[dict]], limit: int = 12) -> str:
    """Causes with their counts, most frequent first, and up to `limit` examples each."""
    lines = ["cause                          count", "-----------------------------  -----"]
    for cause, items in groups.items():
        lines.append(f"{cause:<30} {len(items):>5}")
    for cause, items in groups.items():
        lines.append("")
        lines.append(f"== {cause} ({len(items)})")
        for it in items[:limit]:
            detail = f"  [{it['detail']}]" if it.get("detail") else ""
            lines.append(f"- {it['item']}{detail}")
            if it.get("sentence"):
                lines.append(f"    « {it['sentence']} »")
        if len(items) > limit:
            lines.append(f"  … {len(items) - limit} more")
    return "\n".join(lines) + "\n"

