"""The ingest pipeline's speed-ups change nothing in what it produces.

- spaCy runs over the lines of many documents at once (`parse_texts`, `extract_documents`,
  `kg.parallel.extract_batch`): the same lines, offsets and extractions as one document at a time,
  and a document that fails in a batch fails alone;
- the store is written by a thread of its own while the next documents are extracted: a write
  that fails is that document's failure only, progress comes in the documents' order;
- whole-word search without a regular expression per word (`word_spans`) finds what the regex did;
- cached namespaces give the same terms as rdflib's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.extract.names import word_spans
from kg.extract.nlp import MAX_LINE, blank_pipeline, line_pieces, parse_texts
from kg.ingest import Steps, ingest
from kg.model import Document, Entity, Extraction
from kg.namespaces import IKG, CachedNamespace, cached
from kg.settings import Settings, load_settings
from kg.store import KGStore
from kg.validation import load_ontology

TEXTS = [
    "  First line of the first text.\n\nSecond line. It has two sentences.\n",
    "One line only, no line break at the end",
    "\n\n   \n",
    "A very long line. " * (MAX_LINE // 9) + "\nand a short one\n",
]


# --------------------------------------------------------------------------- spaCy in batches


def test_lines_of_many_texts_parse_like_one_text_at_a_time() -> None:
    nlp = blank_pipeline()
    together = parse_texts(nlp, TEXTS)
    assert len(together) == len(TEXTS)
    for text, lines in zip(TEXTS, together, strict=True):
        alone = parse_texts(nlp, [text])[0]
        assert [(x.offset, x.text, x.doc.text) for x in lines] == [(x.offset, x.text, x.doc.text) for x in alone]
        for line in lines:  # each line is where its offset says
            assert text[line.offset: line.offset + len(line.text)] == line.text
            assert len(line.text) <= MAX_LINE
    assert together[2] == []  # only blank lines: nothing to parse
    assert len(line_pieces(TEXTS[3])) > 2  # the long line was cut


def _summary(extraction: Extraction) -> tuple:
    entities = sorted((e.type, e.name, tuple((m.start, m.end) for m in e.mentions))
                      for e in extraction.entities.values())
    relations = sorted((r.subject, r.predicate, str(r.object), r.rule) for r in extraction.relations)
    return entities, relations


DOCS = [
    Document(id="a.txt", text="The Bright Harbour project is funded by Interreg.\nIt works in Linz and in Turku."),
    Document(id="b.txt", text="Partners: City of Kaunas; Caritas Europa\nCountry: Latvia"),
    Document(id="c.txt", text="12 March 2024 - Kick-off meeting in Vienna\n3 June 2024 - Peer review in Lublin"),
]


def test_a_batch_extracts_each_document_as_alone() -> None:
    from kg.extract.pipeline import extract_document, extract_documents

    nlp = blank_pipeline()
    batch = list(extract_documents(DOCS, nlp))
    assert [_summary(x) for x in batch] == [_summary(extract_document(d, nlp)) for d in DOCS]
    assert any(x.entities for x in batch)


def test_a_failing_document_fails_alone_in_its_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import parallel
    from kg.errors import KGError
    from kg.extract import pipeline

    monkeypatch.setattr(parallel, "_nlp", lambda model: blank_pipeline())
    real_run = pipeline.DocumentExtractor.run

    def run(self: pipeline.DocumentExtractor, lines: object = None) -> Extraction:
        if self.doc.id == "b.txt":
            raise ValueError("broken on purpose")
        return real_run(self, lines)

    monkeypatch.setattr(pipeline.DocumentExtractor, "run", run)
    outcomes = parallel.extract_batch(DOCS, ["any"] * len(DOCS))
    assert isinstance(outcomes[1], KGError) and "broken on purpose" in str(outcomes[1])
    assert [o.document.id for o in (outcomes[0], outcomes[2])] == ["a.txt", "c.txt"]
    # extract_many keeps the order and pairs each document with its own outcome, in batches of 2
    pairs = list(parallel.extract_many(DOCS, "any", batch=2))
    assert [d.id for d, _ in pairs] == ["a.txt", "b.txt", "c.txt"]
    assert isinstance(pairs[1][1], KGError)
    assert pairs[2][1].document.id == "c.txt"


def test_one_pipeline_per_document_or_one_for_all() -> None:
    from kg.parallel import extract_many

    with pytest.raises(ValueError, match="one pipeline name per document"):
        list(extract_many(DOCS, ["a", "b"]))


# --------------------------------------------------------------------------- the writer thread


def _steps(broken: str) -> Steps:
    """A stand-in pipeline: one project per document; the document named `broken` gets a triple
    the store cannot take, so its write fails in the writer thread."""

    def extract(document: Document) -> Extraction:
        return Extraction(document=document, entities={"p": Entity(key="p", type="Project", name=document.id)})

    def triples(extraction: Extraction) -> list[tuple]:
        doc = URIRef(f"https://example.org/doc/{extraction.document.id}")
        out: list[tuple] = [(doc, RDF.type, IKG.Document),
                            (doc, DCTERMS.identifier, Literal(extraction.document.id)),
                            (doc, RDFS.label, Literal(extraction.document.id))]
        if extraction.document.id == broken:
            out.append((doc, RDFS.comment, object()))  # not an RDF term
        return out

    return Steps(extract=extract, resolve=lambda x: x, triples=triples, ontology=lambda: list(load_ontology()))


@pytest.fixture
def store_settings(tmp_path: Path) -> Settings:
    return load_settings(store=tmp_path / "store", cache_dir=tmp_path / "cache")


def test_a_failed_write_is_that_documents_failure_only(tmp_path: Path, store_settings: Settings) -> None:
    paths = []
    for name in ("one", "two", "three", "four"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"The {name} document talks about a project.\n", encoding="utf-8")
        paths.append(path)
    seen: list[int] = []
    with KGStore(store_settings) as store:
        report = ingest(paths, store_settings, store=store, steps=_steps("two.txt"),
                        progress=lambda done, total, name: seen.append(done))
        graphs = {str(g).rsplit("/", 1)[-1] for g in store.document_graphs()}
    assert report.documents == ["one.txt", "three.txt", "four.txt"]
    assert [Path(name).name for name, _ in report.failures] == ["two.txt"]
    assert "cannot store term" in report.failures[0][1]
    assert seen == [1, 2, 3, 4]  # in the documents' order, each once
    assert graphs == {"one-txt", "three-txt", "four-txt"}


# --------------------------------------------------------------------------- whole words


def _regex_spans(text: str, word: str, ignore_case: bool) -> list[tuple[int, int]]:
    flags = re.IGNORECASE if ignore_case else 0
    return [m.span() for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags)]


@pytest.mark.parametrize(("text", "word", "ignore_case"), [
    ("the Foo foo-bar Foo_x xFoo Foo.", "Foo", False),
    ("a b a b a b", "a b", False),
    ("ÇA ça", "ça", True),
    ("İstanbul istanbul", "istanbul", True),
    ("", "x", False),
])
def test_word_spans_examples(text: str, word: str, ignore_case: bool) -> None:
    assert list(word_spans(text, word, ignore_case=ignore_case)) == _regex_spans(text, word, ignore_case)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="aAb -_.éÉİ1", max_size=30), word=st.text(alphabet="aAb -éİ", min_size=1, max_size=4),
       ignore_case=st.booleans())
def test_word_spans_find_what_the_regex_finds(text: str, word: str, ignore_case: bool) -> None:
    assert list(word_spans(text, word, ignore_case=ignore_case)) == _regex_spans(text, word, ignore_case)


# --------------------------------------------------------------------------- namespaces


def test_cached_namespaces_give_rdflibs_terms_once() -> None:
    assert isinstance(IKG, CachedNamespace)
    assert IKG.Project == URIRef("https://w3id.org/integration-kg/ontology#Project")
    assert IKG.Project is IKG.Project and IKG["hasPartner"] is IKG["hasPartner"]
    assert IKG["hasPartner"] == IKG.hasPartner
    rdf = cached(RDF)
    assert rdf.type == RDF.type and isinstance(rdf.type, URIRef)
    # names of str methods stay str methods on a Namespace: ask for those by item
    assert cached(DCTERMS)["format"] == URIRef("http://purl.org/dc/terms/format")
