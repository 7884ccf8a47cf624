"""Cross-validation, by document, of the learned span recogniser against the stock spaCy NER.

The 20 tune documents (dev-real w01..w20) are cut into contiguous folds (neighbouring pages are
often about the same project, so contiguous folds keep them on the same side). For each fold the
model is trained on seeds + dev + the other tune documents and tested on the held-out ones.

Scores are name-level, per document: a gold entity of a document counts as found when a
predicted span of a compatible label folds (case/accent-insensitive, kg.evaluate.normalise_name)
to one of its names. Only entities with at least one derived span in the text are counted (the
others cannot be found by any span recogniser). Precision = predicted spans (of the labels that
map to a gold type) folding to any gold name of that document / all such predicted spans.
"Unseen" recall counts only entities none of whose names was annotated in the fold's training
documents: it is the part that measures generalisation rather than memory.

    python -m benchmarks.ner_cv [--folds 5] [--epochs 12] [--fresh] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.evaluate import normalise_name
from kg.train_ner import (
    BASE_MODEL,
    SEED,
    SHARED,
    AnnotatedDoc,
    GoldEntity,
    annotate,
    doc_code,
    entities_by_doc,
    is_held_out,
    is_tune_doc,
    load_corpus,
    load_gold_entities,
    predict_spans,
    train,
)

ROWS = ("Project", "Organisation", "Person", "Event", "FundingProgramme", "Place")
ROW_OF_TYPE = {"City": "Place", "Country": "Place", "Region": "Place"}

# Predicted label -> the gold rows it is compatible with.
BASELINE_MAP: dict[str, tuple[str, ...]] = {
    "ORG": ("Organisation",),
    "PERSON": ("Person",),
    "GPE": ("Place",),
    "LOC": ("Place",),
    "EVENT": ("Event",),
    "WORK_OF_ART": ("Project",),
    "PRODUCT": ("Project",),
    "LAW": ("FundingProgramme",),
}
LEARNED_MAP: dict[str, tuple[str, ...]] = {
    "PROJECT": ("Project",),
    "ORG": ("Organisation",),
    "PERSON": ("Person",),
    "EVENT": ("Event",),
    "PROGRAMME": ("FundingProgramme",),
    "GPE": ("Place",),
}


def row_of(gold_type: str) -> str:
    """The table row of a gold type (cities, countries and regions are one 'Place' row)."""
    return ROW_OF_TYPE.get(gold_type, gold_type)


def make_folds(codes: Sequence[str], k: int) -> list[list[str]]:
    """k contiguous folds of the sorted document codes (sizes differ by at most one)."""
    ordered = sorted(codes)
    size, extra = divmod(len(ordered), k)
    folds, pos = [], 0
    for i in range(k):
        n = size + (1 if i < extra else 0)
        folds.append(ordered[pos : pos + n])
        pos += n
    return folds


def split(codes: Sequence[str], test: Sequence[str], always_train: Sequence[str]) -> tuple[list[str], list[str]]:
    """Train and test document codes for one fold; raises if they would share a document."""
    test_set = set(test)
    train_codes = sorted(set(always_train) | (set(codes) - test_set))
    if test_set & set(train_codes):
        raise ValueError("a document is in both train and test")
    if any(is_held_out(c) for c in [*train_codes, *test]):
        raise ValueError("held-out documents w21..w30 must not be used")
    return train_codes, sorted(test_set)


class Tally:
    """Counts for recall (typed, any-label, unseen) and precision per row."""

    def __init__(self) -> None:
        self.c: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, row: str, key: str, n: int = 1) -> None:
        """Add n to counter `key` of `row` and of the overall row."""
        self.c[row][key] += n
        self.c["ALL"][key] += n

    def table(self) -> dict[str, dict[str, float | int]]:
        """Ratios per row: R (typed recall), R_any, R_unseen, P, P_typed, P_overlap (a predicted span
        overlapping a derived gold span), with their counts."""
        out: dict[str, dict[str, float | int]] = {}
        for row in (*ROWS, "ALL"):
            c = self.c[row]
            out[row] = {
                "gold": c["gold"],
                "R": round(c["found"] / c["gold"], 3) if c["gold"] else 0.0,
                "R_any": round(c["found_any"] / c["gold"], 3) if c["gold"] else 0.0,
                "unseen": c["unseen"],
                "R_unseen": round(c["found_unseen"] / c["unseen"], 3) if c["unseen"] else 0.0,
                "pred": c["pred"],
                "P": round(c["pred_ok"] / c["pred"], 3) if c["pred"] else 0.0,
                "P_typed": round(c["pred_ok_typed"] / c["pred"], 3) if c["pred"] else 0.0,
                "P_overlap": round(c["pred_overlap"] / c["pred"], 3) if c["pred"] else 0.0,
            }
        return out


def score_doc(
    tally: Tally,
    adoc: AnnotatedDoc,
    gold: Iterable[GoldEntity],
    predicted: Iterable[tuple[int, int, str]],
    label_map: dict[str, tuple[str, ...]],
    seen_names: set[str],
) -> None:
    """Add one test document's recall and precision counts to `tally`."""
    gold = list(gold)
    annotated = {normalise_name(adoc.text[s:e]) for s, e, _ in adoc.spans}
    predicted = [(s, e, lab) for s, e, lab in predicted if lab in label_map]
    preds = [(normalise_name(adoc.text[s:e]), label_map[lab]) for s, e, lab in predicted]
    overlaps = [any(s < ge and gs < e for gs, ge, _ in adoc.spans) for s, e, _ in predicted]
    for ent in gold:
        names = {normalise_name(n) for n in ent.names}
        if not names & annotated:
            continue  # no span of this entity in the text: no recogniser can find it
        row = row_of(ent.type)
        tally.add(row, "gold")
        hit_any = any(p in names for p, _ in preds)
        hit = any(p in names and row in rows for p, rows in preds)
        tally.add(row, "found_any", hit_any)
        tally.add(row, "found", hit)
        if not names & seen_names:
            tally.add(row, "unseen")
            tally.add(row, "found_unseen", hit)
    all_names = {normalise_name(n) for ent in gold for n in ent.names}
    typed = {(normalise_name(n), row_of(ent.type)) for ent in gold for n in ent.names}
    for (name, rows), overlap in zip(preds, overlaps, strict=True):
        for row in rows[:1]:
            tally.c[row]["pred_overlap"] += overlap
            tally.c["ALL"]["pred_overlap"] += overlap
            tally.c[row]["pred"] += 1
            tally.c["ALL"]["pred"] += 1
            ok = name in all_names
            tally.c[row]["pred_ok"] += ok
            tally.c["ALL"]["pred_ok"] += ok
            ok_t = (name, row) in typed
            tally.c[row]["pred_ok_typed"] += ok_t
            tally.c["ALL"]["pred_ok_typed"] += ok_t


def rules_entities(paths: dict[str, Path]) -> dict[str, list[tuple[str, set[str]]]]:
    """The current rule-based extractor's entities per document code: (table row, folded names)."""
    from kg.documents import read_document
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import extract_documents

    codes = sorted(paths)
    out: dict[str, list[tuple[str, set[str]]]] = {}
    results = extract_documents([read_document(paths[c]) for c in codes], load_pipeline(BASE_MODEL))
    for code, ex in zip(codes, results, strict=True):
        if isinstance(ex, Exception):
            raise ex
        out[code] = [(row_of(e.type), {normalise_name(n) for n in e.all_names()}) for e in ex.entities.values()]
    return out


def score_rules_doc(
    tally: Tally, adoc: AnnotatedDoc, gold: Iterable[GoldEntity], found: list[tuple[str, set[str]]],
    seen_names: set[str],
) -> None:
    """Like score_doc for the rule extractor, whose output is entities (several names each), not
    spans: precision is counted per extracted entity."""
    gold = list(gold)
    annotated = {normalise_name(adoc.text[s:e]) for s, e, _ in adoc.spans}
    for ent in gold:
        names = {normalise_name(n) for n in ent.names}
        if not names & annotated:
            continue
        row = row_of(ent.type)
        tally.add(row, "gold")
        hit = any(names & fn and r == row for r, fn in found)
        tally.add(row, "found_any", any(names & fn for _, fn in found))
        tally.add(row, "found", hit)
        if not names & seen_names:
            tally.add(row, "unseen")
            tally.add(row, "found_unseen", hit)
    all_names = {normalise_name(n) for ent in gold for n in ent.names}
    typed = {(normalise_name(n), row_of(ent.type)) for ent in gold for n in ent.names}
    for row, fn in found:
        if row not in ROWS:
            continue
        tally.add(row, "pred")
        tally.add(row, "pred_ok", bool(fn & all_names))
        tally.add(row, "pred_ok_typed", any((n, row) in typed for n in fn))
        tally.add(row, "pred_overlap", bool(fn & all_names))


def score_union_doc(
    tally: Tally,
    adoc: AnnotatedDoc,
    gold: Iterable[GoldEntity],
    found: list[tuple[str, set[str]]],
    predicted: Iterable[tuple[int, int, str]],
    seen_names: set[str],
) -> None:
    """What the learned spans add to the rule extractor: recall of rules OR learned (typed), and
    precision of the learned spans whose name no rule entity has (the extra candidates)."""
    gold = list(gold)
    annotated = {normalise_name(adoc.text[s:e]) for s, e, _ in adoc.spans}
    preds = [(normalise_name(adoc.text[s:e]), LEARNED_MAP[lab]) for s, e, lab in predicted if lab in LEARNED_MAP]
    for ent in gold:
        names = {normalise_name(n) for n in ent.names}
        if not names & annotated:
            continue
        row = row_of(ent.type)
        tally.add(row, "gold")
        hit_rules = any(names & fn and r == row for r, fn in found)
        hit = hit_rules or any(p in names and row in rows for p, rows in preds)
        tally.add(row, "found", hit)
        tally.add(row, "found_any", hit and not hit_rules)  # reported as R_any: the learned-only share
        if not names & seen_names:
            tally.add(row, "unseen")
            tally.add(row, "found_unseen", hit)
    rule_names = {n for _, fn in found for n in fn}
    all_names = {normalise_name(n) for ent in gold for n in ent.names}
    typed = {(normalise_name(n), row_of(ent.type)) for ent in gold for n in ent.names}
    for name, rows in preds:
        if name in rule_names:
            continue
        row = rows[0]
        tally.add(row, "pred")
        tally.add(row, "pred_ok", name in all_names)
        tally.add(row, "pred_ok_typed", (name, row) in typed)
        tally.add(row, "pred_overlap", name in all_names)


def words_per_second(parse: Callable[[list[str]], Any], lines: list[str], n_words: int, repeat: int = 2) -> float:
    """Best-of-`repeat` parse throughput of `parse` over `lines`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        parse(lines)
        best = min(best, time.perf_counter() - start)
    return n_words / best


def dir_size(path: Path) -> int:
    """Total size in bytes of the files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def format_table(title: str, table: dict[str, dict[str, float | int]]) -> str:
    """A plain-text table of one system's scores."""
    head = f"{'type':<17}{'gold':>5}{'R':>7}{'R_any':>7}{'unseen':>7}{'R_uns':>7}"
    lines = [title, head + f"{'pred':>6}{'P':>7}{'P_typ':>7}{'P_ovl':>7}"]
    for row, r in table.items():
        lines.append(
            f"{row:<17}{r['gold']:>5}{r['R']:>7.2f}{r['R_any']:>7.2f}{r['unseen']:>7}{r['R_unseen']:>7.2f}"
            f"{r['pred']:>6}{r['P']:>7.2f}{r['P_typed']:>7.2f}{r['P_overlap']:>7.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cross-validation and print baseline vs learned tables."""
    import spacy

    parser = argparse.ArgumentParser(description="Cross-validate the learned span recogniser by document.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--fresh", action="store_true", help="a new ner instead of resuming the pretrained one")
    parser.add_argument("--drop", type=float, default=0.2)
    parser.add_argument("--negatives", action="store_true", help="sure non-name tokens are 'O', not missing")
    parser.add_argument("--rules", action="store_true", help="also score the rule-based extractor (in-sample)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    texts = load_corpus()
    entities = load_gold_entities()
    docs = annotate(texts, entities)
    gold_by_doc = entities_by_doc(entities)
    tune = sorted(c for c in docs if is_tune_doc(c))
    always = sorted(c for c in docs if not is_tune_doc(c))
    folds = make_folds(tune, args.folds)

    stock = spacy.load(BASE_MODEL, exclude=["lemmatizer"])
    base_t, learned_t, rules_t, union_t = Tally(), Tally(), Tally(), Tally()
    rules = {}
    if args.rules:
        paths = {doc_code(p): p for p in sorted((SHARED / "tests" / "data" / "dev-real").glob("w*.txt"))
                 if is_tune_doc(doc_code(p))}
        rules = rules_entities(paths)
    fold_info = []
    size = 0
    for i, test in enumerate(folds):
        train_codes, test_codes = split(tune, test, always)
        print(f"fold {i + 1}: test {test_codes}", flush=True)
        seen = {normalise_name(docs[c].text[s:e]) for c in train_codes for s, e, _ in docs[c].spans}
        start = time.perf_counter()
        model = train([docs[c] for c in train_codes], epochs=args.epochs, seed=args.seed, fresh=args.fresh,
                      drop=args.drop, negatives=args.negatives, log=print)
        seconds = time.perf_counter() - start
        if i == 0:
            tmp = Path(tempfile.mkdtemp())
            model.to_disk(tmp / "m")
            size = dir_size(tmp / "m")
            shutil.rmtree(tmp)
        fold_info.append({"test": test_codes, "train_seconds": round(seconds, 1)})
        print(f"  trained in {seconds:.0f}s", flush=True)
        for code in test_codes:
            adoc = docs[code]
            gold = gold_by_doc.get(code, [])
            score_doc(base_t, adoc, gold, predict_spans(stock, adoc.text, BASELINE_MAP), BASELINE_MAP, seen)
            learned_spans = predict_spans(model, adoc.text)
            score_doc(learned_t, adoc, gold, learned_spans, LEARNED_MAP, seen)
            if args.rules:
                score_rules_doc(rules_t, adoc, gold, rules[code], seen)
                score_union_doc(union_t, adoc, gold, rules[code], learned_spans, seen)

    # speed on the tune texts, one line at a time as the extractor reads them
    from kg.extract.nlp import line_pieces

    lines = [p for c in tune for _, p in line_pieces(docs[c].text)]
    n_words = sum(len(stock.make_doc(x)) for x in lines)
    stock_wps = words_per_second(lambda xs: list(stock.pipe(xs, batch_size=64)), lines, n_words)
    learned_wps = words_per_second(lambda xs: list(model.pipe(xs, batch_size=64)), lines, n_words)

    result = {
        "config": vars(args) | {"json": str(args.json) if args.json else None},
        "folds": fold_info,
        "baseline": base_t.table(),
        "learned": learned_t.table(),
        "rules": rules_t.table() if args.rules else None,
        "rules_plus_learned": union_t.table() if args.rules else None,
        "model_bytes": size,
        "words": n_words,
        "stock_words_per_s": round(stock_wps),
        "learned_words_per_s": round(learned_wps),
    }
    print(format_table("(a) stock en_core_web_sm NER", result["baseline"]))
    print(format_table("(b) learned span recogniser", result["learned"]))
    if args.rules:
        print(format_table("(c) current rule-based extractor (in-sample: written on these pages)", result["rules"]))
        print(format_table("(d) rules + learned: R = either finds it, R_any = only learned finds it; "
                           "pred/P = learned spans with a name no rule entity has", result["rules_plus_learned"]))
    print(f"train seconds per fold: {[f['train_seconds'] for f in fold_info]}")
    print(f"model size: {size / 1e6:.1f} MB; speed on {n_words} words: stock pipeline {stock_wps:.0f} w/s, "
          f"learned ner-only {learned_wps:.0f} w/s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
