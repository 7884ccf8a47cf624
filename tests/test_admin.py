"""The admin endpoint: ingest and remove documents in a running server, one writer, readers never
see half a document; `kg upload` and kg.remote as its client. A stand-in pipeline (no spaCy)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF
from waitress.server import create_server
from webapp_support import BASE, LiveServer, build_store

from kg.cli import main
from kg.errors import KGError
from kg.ingest import Steps
from kg.model import Extraction
from kg.namespaces import IKG
from kg.remote import RemoteError, remove_remote, send_documents
from kg.settings import Settings
from kg.store import KGStore
from webapp import create_app

TOKEN = "test-admin-token-0123456789"
MARK = URIRef("urn:test:mark")
# A document's content decides its triples: "A ..." gives 5 triples marked A, "B ..." gives 9
# marked B; a reader must never count a mixture.
SIZES = {"A": 5, "B": 9}


def stand_in_steps(settings: Settings, store: KGStore) -> Steps:
    """A pipeline without spaCy: N triples marked with the document's first word."""

    def triples(extraction: Extraction) -> list[tuple]:
        doc = store.minter.document(extraction.document.id)
        word = extraction.document.text.split()[0]
        n = SIZES.get(word, 3)
        out: list[tuple] = [(doc, RDF.type, IKG.Document),
                            (doc, DCTERMS.identifier, Literal(extraction.document.id))]
        key = urllib.parse.quote(extraction.document.id, safe="")
        out += [(URIRef(f"urn:test:{key}:{i}"), MARK, Literal(word)) for i in range(n)]
        return out

    return Steps(
        extract=lambda document: Extraction(document=document),
        resolve=lambda extraction: extraction,
        triples=triples,
        ontology=lambda: [(IKG.Project, RDF.type, OWL.Class)],
    )


def _serve(root: Path, **changes: object) -> LiveServer:
    """A live server on a copy of the web test store, with the given settings changed."""
    settings, store = build_store(root / "store")
    settings = settings.with_(**changes)
    app = create_app(settings, store=store)
    app.config["KG_INGEST_STEPS"] = stand_in_steps
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="waitress-admin", daemon=True)
    thread.start()
    live = LiveServer(app, store, settings, f"http://127.0.0.1:{server.effective_port}", server, thread)
    app.extensions["kg_runner"].wait_ready(60)
    return live


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = _serve(tmp_path_factory.mktemp("admin"), admin_token=TOKEN, rate_limit=0,
                  query_timeout=10.0, max_upload_mb=1)
    yield live
    live.app.extensions["kg_runner"].close()
    live.stop()


def _post(url: str, data: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    req = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _count_marks(server: LiveServer, doc: str) -> list[tuple[str, int]]:
    """(mark, count) rows of a document's graph, through the public SPARQL endpoint."""
    graph = f"{BASE}graph/document/{doc}"
    query = (f"SELECT ?m (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s <{MARK}> ?m }} }} "
             f"GROUP BY ?m")
    url = server.url + "/sparql?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        rows = json.loads(resp.read())["results"]["bindings"]
    return sorted((r["m"]["value"], int(r["n"]["value"])) for r in rows)


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- off, auth


def test_admin_is_off_without_a_token(tmp_path: Path) -> None:
    settings, store = build_store(tmp_path / "store")
    app = create_app(settings.with_(admin_token=None, query_workers=0), store=store)
    client = app.test_client()
    try:
        assert client.get("/admin").status_code == 404
        assert client.post("/admin/ingest", headers={"Authorization": "Bearer x"}).status_code == 404
        assert client.post("/admin/remove/001_news.txt").status_code == 404
    finally:
        store.close()


def test_admin_needs_the_token(admin: LiveServer, tmp_path: Path) -> None:
    status, headers, _ = _post(admin.url + "/admin/ingest")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    status, _, _ = _post(admin.url + "/admin/ingest", headers={"Authorization": "Bearer wrong"})
    assert status == 401
    status, _, _ = _post(admin.url + "/admin/remove/001_news.txt", headers={"Authorization": f"Basic {TOKEN}"})
    assert status == 401
    with pytest.raises(RemoteError, match="401.*KG_ADMIN_TOKEN"):
        send_documents(admin.url, "wrong", [_file(tmp_path, "x.txt", "A text")])
    assert admin.store.has_graph(admin.store.minter.document_graph("001_news.txt"))


# --------------------------------------------------------------------------- ingest, remove


def test_upload_ingests_and_queries_see_it(admin: LiveServer, tmp_path: Path) -> None:
    report = send_documents(admin.url, TOKEN, [_file(tmp_path, "fresh.txt", "A fresh document")])
    assert report["documents"] == ["fresh.txt"] and report["ok"] and report["failures"] == []
    assert report["triples"] == 2 + SIZES["A"]
    assert _count_marks(admin, "fresh-txt") == [("A", SIZES["A"])]
    # Re-ingesting replaces the document's graph.
    send_documents(admin.url, TOKEN, [_file(tmp_path, "fresh.txt", "B changed")])
    assert _count_marks(admin, "fresh-txt") == [("B", SIZES["B"])]
    removed = remove_remote(admin.url, TOKEN, "fresh.txt")
    assert removed["removed"] == "fresh.txt"
    assert _count_marks(admin, "fresh-txt") == []
    with pytest.raises(KGError, match="No document"):
        remove_remote(admin.url, TOKEN, "fresh.txt")


def test_upload_refuses_odd_names_and_types(admin: LiveServer) -> None:
    boundary = "XyZ"
    parts = []
    for name in ("../../escape.txt", ".hidden.txt", "tool.exe", "ok.md"):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                     f"Content-Type: text/plain\r\n\r\nA text of {name}\r\n")
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    status, _, raw = _post(admin.url + "/admin/ingest", body, {
        "Authorization": f"Bearer {TOKEN}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200
    report = json.loads(raw)
    # The folder part of a name is dropped: "../../escape.txt" is the document escape.txt.
    assert sorted(report["documents"]) == ["escape.txt", "ok.md"]
    reasons = {f["document"]: f["reason"] for f in report["failures"]}
    assert set(reasons) == {".hidden.txt", "tool.exe"} and "unsupported" in reasons["tool.exe"]
    assert not report["ok"]
    assert "/tmp" not in raw.decode() and "kg-upload" not in raw.decode()


def test_upload_larger_than_the_limit_is_413(admin: LiveServer) -> None:
    body = b"--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n\r\n" \
        + b"A " * (700 * 1024) + b"\r\n--B--\r\n"
    status, _, raw = _post(admin.url + "/admin/ingest", body, {
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "multipart/form-data; boundary=B"})
    assert status == 413, raw[:200]


def test_admin_page_form_shows_the_report_escaped(admin: LiveServer) -> None:
    with urllib.request.urlopen(admin.url + "/admin", timeout=10) as resp:
        page = resp.read().decode()
        assert resp.headers["Cache-Control"] == "no-store"
    assert 'name="token"' in page and 'type="file"' in page and TOKEN not in page
    name = "<img src=x onerror=alert(1)>.txt"
    body = ("--F\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" + TOKEN + "\r\n"
            "--F\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name + "\"\r\n\r\n"
            "A page upload\r\n--F--\r\n").encode()
    status, _, raw = _post(admin.url + "/admin", body, {"Content-Type": "multipart/form-data; boundary=F"})
    html = raw.decode()
    assert status == 200 and "1 document ingested" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.txt" in html
    status, _, raw = _post(admin.url + "/admin", b"token=nope&remove=x.txt",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401 and "Wrong or missing admin token" in raw.decode()


def test_kg_upload_command(admin: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _file(tmp_path, "cli-doc.txt", "A from the command line")
    runner = CliRunner()
    monkeypatch.setenv("KG_ADMIN_TOKEN", TOKEN)
    result = runner.invoke(main, ["upload", str(tmp_path / "cli-doc.txt"), "--server", admin.url,
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["documents"] == ["cli-doc.txt"]
    monkeypatch.setenv("KG_ADMIN_TOKEN", "wrong")
    result = runner.invoke(main, ["upload", str(tmp_path / "cli-doc.txt"), "--server", admin.url])
    assert result.exit_code == 1 and "401" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- old or new, never half


def _flip_until(stop: float, write: callable) -> int:  # type: ignore[valid-type]
    flips = 0
    while time.monotonic() < stop:
        write("B" if flips % 2 else "A")
        flips += 1
    return flips


def test_store_readers_never_see_half_a_replaced_graph(tmp_path: Path) -> None:
    """The store's guarantee itself: replace_graph is one transaction."""
    settings, store = build_store(tmp_path / "store")
    graph = store.minter.document_graph("flip.txt")
    big = {k: [(URIRef(f"urn:flip:{k}:{i}"), MARK, Literal(k)) for i in range(40 * n)] for k, n in SIZES.items()}
    store.replace_graph(graph, big["A"])
    seen: list[list[tuple[str, int]]] = []
    stop = time.monotonic() + 2.0
    query = f"SELECT ?m (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s <{MARK}> ?m }} }} GROUP BY ?m"

    def read() -> None:
        while time.monotonic() < stop:
            seen.append(sorted((str(r["m"]), int(r["n"])) for r in store.select(query)))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    flips = _flip_until(stop, lambda k: store.replace_graph(graph, big[k]))
    for r in readers:
        r.join()
    store.close()
    allowed = {(("A", 40 * SIZES["A"]),), (("B", 40 * SIZES["B"]),)}
    mixed = [s for s in seen if tuple(s) not in allowed]
    assert flips > 5 and len(seen) > 20, (flips, len(seen))
    assert not mixed, f"{len(mixed)} of {len(seen)} reads saw a mixture, e.g. {mixed[0]}"


def test_http_readers_see_old_or_new_during_admin_reingest(admin: LiveServer, tmp_path: Path) -> None:
    """Readers of /sparql while the admin endpoint re-ingests a document with other content."""
    send_documents(admin.url, TOKEN, [_file(tmp_path, "flip.txt", "A first")])
    seen: list[list[tuple[str, int]]] = []
    errors: list[str] = []
    stop = time.monotonic() + 4.0

    def read() -> None:
        while time.monotonic() < stop:
            try:
                seen.append(_count_marks(admin, "flip-txt"))
            except OSError as exc:
                errors.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    flips = _flip_until(stop, lambda k: send_documents(
        admin.url, TOKEN, [_file(tmp_path, "flip.txt", f"{k} content")]))
    for r in readers:
        r.join()
    assert not errors
    allowed = {(("A", SIZES["A"]),), (("B", SIZES["B"]),)}
    assert flips >= 2 and len(seen) > 5
    assert all(tuple(s) in allowed for s in seen), [s for s in seen if tuple(s) not in allowed][:3]
    assert len({tuple(s) for s in seen}) == 2, "readers should have seen both versions"
