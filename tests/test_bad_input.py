"""Nothing let in, nothing lost: bad files each get a clear message and a non-zero exit, and the
store keeps everything it held (compared quad by quad before and after).

Cases: empty, binary, huge (50 MB), deeply nested HTML, wrong encoding (cp1252 in a .txt),
non-English (with and without its spaCy pipeline), the same file name in two folders.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEV_DOCS, REPO, require_pipeline
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.documents import read_document
from kg.errors import DocumentError
from kg.ingest import Steps, ingest
from kg.model import Document, Entity, Extraction
from kg.namespaces import IKG, Minter, slugify
from kg.settings import Settings
from kg.store import KGStore
from kg.validation import load_ontology

GERMAN = (
    "Das Projekt wurde von der Stadt und den Partnern vorgestellt, die mit Geflüchteten in der "
    "Nachbarschaft arbeiten. Die Ergebnisse sind sehr positiv und werden auch im nächsten Jahr "
    "fortgesetzt, mit den Vereinen und der Verwaltung der Stadt.\n"
)
GREEK = "Το έργο παρουσιάστηκε στον δήμο από τους εταίρους του προγράμματος για την ένταξη.\n"
HUGE_BYTES = 50 * 1024 * 1024
DEPTH = 50_000


def _steps(minter: Minter, seen: list[Document] | None = None) -> Steps:
    """A stand-in pipeline: one Project named by the document's first word."""

    def extract(document: Document) -> Extraction:
        if seen is not None:
            seen.append(document)
        word = document.text.split()[0]
        return Extraction(document=document, entities={"p": Entity(key="p", type="Project", name=word)})

    def triples(extraction: Extraction) -> list[tuple]:
        doc = minter.document(extraction.document.id)
        word = extraction.document.text.split()[0]
        project = minter.resource("Project", slugify(word))
        return [(doc, RDF.type, IKG.Document), (doc, DCTERMS.identifier, Literal(extraction.document.id)),
                (project, RDF.type, IKG.Project), (project, RDFS.label, Literal(word)),
                (project, IKG.mentionedIn, doc)]

    return Steps(extract=extract, resolve=lambda x: x, triples=triples, ontology=lambda: list(load_ontology()))


def _deep_html(depth: int = DEPTH) -> str:
    return ("<html><body><article><p>OPENWAYS met the partners in Madrid.</p>" + "<div>" * depth
            + "Deep inside." + "</div>" * depth + "<span>" * depth + "</article></body></html>")


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files that must each fail, with a fragment of the message each must get."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Path, str]] = {}

    def add(key: str, name: str, data: bytes, expect: str) -> None:
        path = folder / name
        path.write_bytes(data)
        files[key] = (path, expect)

    add("empty", "empty.txt", b"", "empty file")
    add("blank", "blank.md", b" \n\t\n", "no text")
    add("binary", "binary.txt", bytes(range(256)) * 64, "binary data")
    add("pdf", "fake.pdf", b"%PDF-1.4 not really", "not a readable PDF")
    add("german", "german.txt", GERMAN.encode(), "de: German — install de_core_news_sm to ingest it")
    add("greek", "greek.txt", GREEK.encode() * 5, "el: Greek — no spaCy pipeline")
    add("format", "notes.docx", b"PK\x03\x04", "unsupported format")
    huge = folder / "huge.txt"
    with huge.open("wb") as handle:  # 50 MB of real text
        line = b"OPENWAYS met the partners of the project in Madrid. " * 20 + b"\n"
        for _ in range(HUGE_BYTES // len(line) + 1):
            handle.write(line)
    files["huge"] = (huge, "too large (50.0 MB; the limit is 5.0 MB, set KG_MAX_DOCUMENT_MB")
    return files


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The bad files, written once for the module (the huge one is 50 MB)."""
    return _bad_files(tmp_path_factory.mktemp("bad"))


def _snapshot(store: KGStore) -> list[str]:
    return sorted(" ".join(map(str, q)) for q in store.quads("all"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the GeoNames index, shared by this module's runs of the real pipeline."""
    from test_reliability import gazetteer_cache

    return gazetteer_cache(tmp_path_factory.mktemp("bad-input") / "cache")


@pytest.fixture
def real_settings(settings: Settings, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test's settings with the shared cache (no index rebuilt per test)."""
    monkeypatch.setenv("KG_CACHE_DIR", str(cache))
    return settings.with_(cache_dir=cache)


@pytest.fixture
def filled(tmp_path: Path, settings: Settings) -> tuple[Settings, list[str]]:
    """A store holding two documents (stand-in pipeline) and its content."""
    good = tmp_path / "good"
    good.mkdir()
    paths = []
    for name, text in (("a.txt", "OPENWAYS met."), ("b.txt", "TANDEM met.")):
        (good / name).write_text(text, encoding="utf-8")
        paths.append(good / name)
    with KGStore(settings) as store:
        assert ingest(paths, settings, store=store, steps=_steps(store.minter)).ok
        return settings, _snapshot(store)


# --------------------------------------------------------------------------- Python API


@pytest.mark.parametrize("case", ["empty", "blank", "binary", "pdf", "german", "greek", "format", "huge"])
def test_each_bad_file_fails_clearly_and_changes_nothing(
    case: str, bad: dict[str, tuple[Path, str]], filled: tuple[Settings, list[str]]
) -> None:
    settings, before = filled
    path, expect = bad[case]
    with KGStore(settings) as store:
        report = ingest([path], settings, store=store, steps=_steps(store.minter))
        assert report.documents == [] and not report.ok
        assert report.failures[0][0] == str(path)
        assert expect in report.failures[0][1], report.failures
        assert report.reasoning is None  # nothing changed, nothing recomputed
        assert _snapshot(store) == before


def test_a_bad_file_among_good_ones(
    tmp_path: Path, bad: dict[str, tuple[Path, str]], filled: tuple[Settings, list[str]]
) -> None:
    settings, before = filled
    good = tmp_path / "more" / "c.txt"
    good.parent.mkdir()
    good.write_text("ADMIN met.", encoding="utf-8")
    paths = [bad["binary"][0], good, bad["huge"][0], bad["german"][0]]
    with KGStore(settings) as store:
        report = ingest(paths, settings, store=store, steps=_steps(store.minter))
        assert report.documents == ["c.txt"]
        assert [f[0] for f in report.failures] == [str(p) for p in paths if p != good]
        after = _snapshot(store)
    assert _without_inferred(before) <= set(after)  # what was there stays, untouched


def _without_inferred(quads: list[str]) -> set[str]:
    return {q for q in quads if not q.endswith("/graph/inferred")}


def test_huge_file_fails_fast_without_being_read(
    tmp_path: Path, bad: dict[str, tuple[Path, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = bad["huge"]

    def no_reading(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a file over the limit was read")

    small = tmp_path / "small.txt"
    small.write_bytes(b"x" * 600_000)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "read_text", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    start = time.perf_counter()
    with pytest.raises(DocumentError, match=r"huge.txt: too large \(50.0 MB"):
        read_document(path)
    assert time.perf_counter() - start < 0.5
    monkeypatch.setenv("KG_MAX_DOCUMENT_MB", "0.5")
    with pytest.raises(DocumentError, match="the limit is 0.5 MB"):
        read_document(small)


def test_deeply_nested_html_reads_without_recursion(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "deep.html"
    path.write_text(_deep_html(), encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion over the depth would fail now
    try:
        start = time.perf_counter()
        document = read_document(path)
        seconds = time.perf_counter() - start
    finally:
        sys.setrecursionlimit(limit)
    assert document.text == "OPENWAYS met the partners in Madrid.\n\nDeep inside."
    assert seconds < 10
    with KGStore(settings) as store:
        report = ingest([path], settings, store=store, steps=_steps(store.minter))
    assert report.documents == ["deep.html"], report.failures


def test_unmatched_closing_tags_stay_linear(tmp_path: Path) -> None:
    path = tmp_path / "unclosed.html"
    path.write_text("<body>" + "<span>" * DEPTH + "Text." + "</div>" * DEPTH + "</body>", encoding="utf-8")
    start = time.perf_counter()
    assert read_document(path).text == "Text."
    assert time.perf_counter() - start < 10  # a scan of the open tags per closing tag took minutes


def test_cp1252_text_goes_in_with_a_warning(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cafe.txt"
    path.write_bytes("Café Solidarité met in Málaga – “welcome”.".encode("cp1252"))
    with KGStore(settings) as store:
        report = ingest([path], settings, store=store, steps=_steps(store.minter))
        assert report.ok
        labels = {str(o) for _, p, o in store.triples("documents") if p == RDFS.label}
    assert labels == {"Café"}
    assert "cafe.txt: not UTF-8; read as cp1252" in caplog.text


def test_same_name_in_two_folders(tmp_path: Path, filled: tuple[Settings, list[str]]) -> None:
    settings, before = filled
    one, two = tmp_path / "x" / "news.txt", tmp_path / "y" / "news.txt"
    for path, word in ((one, "FIRST"), (two, "SECOND")):
        path.parent.mkdir()
        path.write_text(f"{word} met.", encoding="utf-8")
    with KGStore(settings) as store:
        report = ingest([one, two], settings, store=store, steps=_steps(store.minter))
        assert report.documents == ["news.txt"]
        assert report.failures == [(str(two), f"another file of this batch has the same name ({one}); "
                                              "a document's identifier is its file name, so rename one of them.")]
        labels = {str(o) for _, p, o in store.triples("documents") if p == RDFS.label}
    assert labels == {"OPENWAYS", "TANDEM", "FIRST"}


def test_non_english_with_its_pipeline_installed_goes_in(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kg.ingest._pipeline_installed", lambda name: name == "de_core_news_md")
    path = tmp_path / "german.txt"
    path.write_text(GERMAN, encoding="utf-8")
    seen: list[Document] = []
    with KGStore(settings) as store:
        report = ingest([path], settings, store=store, steps=_steps(store.minter, seen))
    assert report.ok and [d.language for d in seen] == ["de"]


@pytest.mark.slow
def test_non_english_runs_the_real_extractor_with_that_pipeline(
    tmp_path: Path, real_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_pipeline()
    settings = real_settings
    from kg.extract import nlp

    real = nlp.load_pipeline
    used: list[str] = []

    def load(model: str) -> object:
        used.append(model)
        return nlp.blank_pipeline("de") if model == "de_core_news_sm" else real(model)

    monkeypatch.setattr(nlp, "load_pipeline", load)
    monkeypatch.setattr("kg.ingest._pipeline_installed", lambda name: name == "de_core_news_sm")
    path = tmp_path / "german.txt"
    path.write_text(GERMAN, encoding="utf-8")
    with KGStore(settings) as store:
        report = ingest([path], settings, store=store)
        assert report.ok, report.failures
        assert store.ask('ASK { ?d dcterms:language "de" }', graphs="documents")
    assert "de_core_news_sm" in used


# --------------------------------------------------------------------------- the real CLI


def _kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(KG_STORE=str(settings.store_path), KG_CACHE_DIR=str(settings.cache_dir))
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_bad_files_exit_1_with_a_line_each_and_keep_the_store(
    bad: dict[str, tuple[Path, str]], filled: tuple[Settings, list[str]]
) -> None:
    settings, before = filled
    start = time.perf_counter()
    done = _kg(settings, "ingest", *(str(p) for p, _ in bad.values()))
    seconds = time.perf_counter() - start
    assert done.returncode == 1, done.stderr
    assert f"Documents: 0 of {len(bad)} ingested" in done.stdout
    for path, expect in bad.values():
        line = next((x for x in done.stderr.splitlines() if x.strip().startswith(f"{path}:")), "")
        assert expect in line, (path, done.stderr)
    assert "Traceback" not in done.stderr
    assert seconds < 30  # no spaCy, and the 50 MB file is not read
    with KGStore(settings) as store:
        assert _snapshot(store) == before


@pytest.mark.slow
def test_cli_mixed_batch_with_real_pipeline(
    tmp_path: Path, bad: dict[str, tuple[Path, str]], filled: tuple[Settings, list[str]], cache: Path
) -> None:
    """Good files go in (cp1252 with a warning, deep HTML, the first of two same-named files)."""
    require_pipeline()
    settings, before = filled
    settings = settings.with_(cache_dir=cache)
    cp = tmp_path / "good" / "cafe.txt"
    cp.write_bytes((DEV_DOCS / "h6_roots_routes_partners.txt").read_text(encoding="utf-8")
                   .replace("-", "–").encode("cp1252", errors="replace"))
    deep = tmp_path / "good" / "deep.html"
    deep.write_text(_deep_html(5000), encoding="utf-8")
    first, second = tmp_path / "x" / "news.txt", tmp_path / "y" / "news.txt"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text((DEV_DOCS / "h5_bridges_webinar.txt").read_text(encoding="utf-8"), encoding="utf-8")
    paths = [cp, bad["empty"][0], deep, bad["german"][0], first, bad["huge"][0], second]
    done = _kg(settings, "ingest", *map(str, paths))
    assert done.returncode == 1, done.stderr
    assert "Documents: 3 of 7 ingested" in done.stdout
    assert "cafe.txt: not UTF-8; read as cp1252" in done.stderr
    assert f"{second}: another file of this batch has the same name ({first})" in done.stderr
    assert "Traceback" not in done.stderr
    with KGStore(settings) as store:
        after = set(_snapshot(store))
        names = {str(o) for _, p, o in store.triples("documents") if p == DCTERMS.identifier}
    assert names == {"a.txt", "b.txt", "cafe.txt", "deep.html", "news.txt"}
    assert _without_inferred(before) <= after  # what was there stays, untouched
