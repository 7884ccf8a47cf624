"""The learned span recogniser: fold splits, span derivation from gold names, candidate spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.ner_cv import make_folds, split
from kg.train_ner import (
    AnnotatedDoc,
    GoldEntity,
    annotate,
    derive_spans,
    is_held_out,
    load_corpus,
    load_gold_entities,
    make_examples,
)

TUNE = [f"w{i:02d}" for i in range(1, 21)]
ALWAYS = ["000", "001", "h1", "h2"]


def test_folds_never_share_a_document() -> None:
    folds = make_folds(TUNE, 5)
    assert sorted(c for f in folds for c in f) == sorted(TUNE)
    for test in folds:
        train, tested = split(TUNE, test, ALWAYS)
        assert not set(train) & set(tested)
        assert set(train) | set(tested) == set(TUNE) | set(ALWAYS)
        assert len(tested) == 4


def test_split_refuses_held_out_documents() -> None:
    with pytest.raises(ValueError):
        split([*TUNE, "w25"], ["w01"], ALWAYS)
    assert is_held_out("w21") and is_held_out("w30") and not is_held_out("w20") and not is_held_out("h3")


def test_corpus_and_gold_skip_held_out(tmp_path: Path) -> None:
    (tmp_path / "tests" / "data" / "dev-real").mkdir(parents=True)
    (tmp_path / "tests" / "data" / "dev-real" / "w02_page.txt").write_text("Alpha met Beta.", encoding="utf-8")
    secret = tmp_path / "tests" / "data" / "dev-real" / "w22_page.txt"
    secret.write_text("never read", encoding="utf-8")
    secret.chmod(0)  # reading it would raise
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "g.yaml").write_text(
        "entities:\n"
        "  a: {type: Organisation, names: [Alpha], docs: [w02, w22]}\n"
        "  b: {type: Person, names: [Gamma], docs: [w23]}\n",
        encoding="utf-8",
    )
    assert set(load_corpus(tmp_path)) == {"w02"}
    ents = load_gold_entities(tmp_path, ["gold/g.yaml"])
    assert [(e.eid, e.docs) for e in ents] == [("a", ["w02"])]


def test_derive_spans_longest_first_without_overlap() -> None:
    text = "The Lakeside Council of Northtown met in Northtown.\nLAKESIDE COUNCIL agreed; lakeside council too."
    names = [("Northtown", "GPE"), ("Lakeside Council of Northtown", "ORG"), ("Lakeside Council", "ORG")]
    spans = derive_spans(text, names)
    got = [(text[s:e], lab) for s, e, lab in spans]
    # the long name wins inside itself; the short one has case-sensitive hits only in the long one,
    # which overlap, so it adds nothing and the case-insensitive ones are not tried
    assert got == [("Lakeside Council of Northtown", "ORG"), ("Northtown", "GPE")]
    spans = derive_spans("ALPHA helps; so does alpha.", [("Alpha", "PROJECT")])
    assert spans == [(0, 5, "PROJECT"), (21, 26, "PROJECT")]  # case-insensitive fallback
    assert derive_spans("Alphabet soup", [("Alpha", "ORG")]) == []  # whole words only


def test_annotate_and_examples_leave_other_tokens_missing() -> None:
    spacy = pytest.importorskip("spacy")
    text = "Green Bridges started in Riverton.\nNothing here.\nAsk Mara Quill about Green Bridges."
    ents = [
        GoldEntity("gb", "Project", ["Green Bridges"], ["x1"]),
        GoldEntity("r", "City", ["Riverton"], ["x1"]),
        GoldEntity("mq", "Person", ["Mara Quill"], ["x1"]),
    ]
    docs = annotate({"x1": text}, ents)
    assert [(text[s:e], lab) for s, e, lab in docs["x1"].spans] == [
        ("Green Bridges", "PROJECT"),
        ("Riverton", "GPE"),
        ("Mara Quill", "PERSON"),
        ("Green Bridges", "PROJECT"),
    ]
    examples, misaligned = make_examples(spacy.blank("en"), docs.values())
    assert misaligned == 0 and len(examples) == 2  # the line without a span is skipped
    ref = examples[0].reference
    assert [(e.text, e.label_) for e in ref.ents] == [("Green Bridges", "PROJECT"), ("Riverton", "GPE")]
    tags = [t.ent_iob_ for t in ref]
    assert tags[2] == "" and tags[3] == ""  # "started in": missing, not "O"


def test_learned_candidates_spans_are_inside_the_text() -> None:
    pytest.importorskip("spacy")
    from kg.extract.learned import learned_candidates
    from kg.train_ner import train

    corpus = [
        AnnotatedDoc("t1", "Green Bridges met in Riverton.", [(0, 13, "PROJECT"), (21, 29, "GPE")]),
        AnnotatedDoc("t2", "Mara Quill leads Green Bridges.", [(0, 10, "PERSON"), (17, 30, "PROJECT")]),
        AnnotatedDoc("t3", "Riverton hosts Green Bridges.", [(0, 8, "GPE"), (15, 28, "PROJECT")]),
    ]
    nlp = train(corpus, epochs=1, fresh=True)
    text = "Yesterday Green Bridges welcomed Mara Quill in Riverton."
    spans = learned_candidates(text, offset=100, model=nlp)
    for s, e, label in spans:
        assert 100 <= s < e <= 100 + len(text)
        assert label in {"PROJECT", "ORG", "PERSON", "EVENT", "PROGRAMME", "GPE"}
    assert learned_candidates("   ", model=nlp) == []
