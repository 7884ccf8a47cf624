"""Reading documents: each format, each reason a file is refused, and collecting paths."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import pytest

from kg.documents import (
    DEFAULT_MAX_BYTES,
    collect_paths,
    html_to_text,
    max_document_bytes,
    read_document,
)
from kg.errors import DocumentError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- text


def test_text_file_id_is_the_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "sub" / "news.txt", "OPENWAYS meets in Antwerp\n\nThe project met.\n")
    doc = read_document(path)
    assert doc.id == "news.txt"
    assert doc.path == str(path)
    assert doc.text == "OPENWAYS meets in Antwerp\n\nThe project met."
    assert doc.title == "OPENWAYS meets in Antwerp"
    assert doc.format == "text/plain"


def test_text_normalised_line_ends_bom_and_nfc(tmp_path: Path) -> None:
    decomposed = "Cafe\u0301"  # e + combining acute
    path = _write(tmp_path / "a.txt", ("\ufeffLine one  \r\nLine two\r" + decomposed).encode())
    doc = read_document(path)
    assert doc.text == "Line one\nLine two\nCafé"
    assert "\r" not in doc.text


def test_shipped_corpus_reads_unchanged() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        doc = read_document(path)
        raw = path.read_text(encoding="utf-8")
        assert doc.text == "\n".join(line.rstrip() for line in raw.split("\n")).strip("\n")


def test_cp1252_falls_back_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path / "old.txt", "Caf\u00e9 \u2013 \u201cquoted\u201d".encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="kg.documents"):
        doc = read_document(path)
    assert doc.text == "Caf\u00e9 \u2013 \u201cquoted\u201d"
    assert "old.txt" in caplog.text and "cp1252" in caplog.text


def test_latin1_is_the_last_resort(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 decodes this
    path = _write(tmp_path / "l1.txt", b"Stra\xdfe in M\xfcnchen and more words here \x81")
    with caplog.at_level(logging.WARNING, logger="kg.documents"):
        doc = read_document(path)
    assert doc.text.startswith("Straße in München")
    assert "latin-1" in caplog.text


# --------------------------------------------------------------------------- markdown


def test_markdown_front_matter_and_markup(tmp_path: Path) -> None:
    source = (
        "---\ntitle: Partner meeting\ndate: 2024-04-16\nurl: https://example.org/m\n---\n"
        "# The **OPENWAYS** meeting\n\nPartners met in [Antwerp](https://antwerpen.be) with "
        "*UNHCR*.\n\n- Nantes\n- Cork\n\n```\ncode fence\n```\n"
    )
    doc = read_document(_write(tmp_path / "m.md", source))
    assert doc.format == "text/markdown"
    assert doc.title == "Partner meeting"
    assert doc.date == date(2024, 4, 16)
    assert doc.source == "https://example.org/m"
    assert doc.text.startswith("The OPENWAYS meeting\n\nPartners met in Antwerp with UNHCR.")
    assert "- Nantes\n- Cork" in doc.text
    assert "**" not in doc.text and "https://antwerpen.be" not in doc.text and "```" not in doc.text


def test_markdown_title_from_heading(tmp_path: Path) -> None:
    doc = read_document(_write(tmp_path / "h.md", "Intro line\n\n## TANDEM _highlights_\n\nText."))
    assert doc.title == "TANDEM highlights"
    assert doc.date is None


# --------------------------------------------------------------------------- html

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>OPENWAYS news | Site</title>
<meta property="og:title" content="OPENWAYS kick-off in Antwerp">
<meta property="article:published_time" content="2024-04-16T10:00:00+01:00">
<link rel="canonical" href="https://example.org/news/openways">
<script>var hidden = "script text";</script><style>p { color: red }</style></head>
<body><header><nav>Home | About | Contact</nav></header>
<aside>Related: other news</aside>
<article><h1>OPENWAYS kick-off</h1>
<p>The OPENWAYS project met in <b>Antwerp</b>
   on 16 April 2024 &amp; agreed a plan.</p>
<div hidden>invisible</div>
<ul><li>Nantes</li><li>Cork</li></ul>
<table><tr><th>Coordinator</th><td>City of Antwerp</td></tr>
<tr><th>Partners:</th><td>UNHCR, CIVITA</td></tr></table>
</article>
<footer>Copyright 2023</footer></body></html>"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    doc = read_document(_write(tmp_path / "page.html", PAGE))
    assert doc.id == "page.html"
    assert doc.format == "text/html"
    assert doc.title == "OPENWAYS kick-off in Antwerp"
    assert doc.date == date(2024, 4, 16)
    assert doc.source == "https://example.org/news/openways"
    assert doc.language == "en"
    if "trafilatura" in sys.modules:  # pragma: no cover - the optional extractor decides
        return
    assert doc.text == (
        "OPENWAYS kick-off\n\nThe OPENWAYS project met in Antwerp on 16 April 2024 & agreed a plan."
        "\n\n- Nantes\n- Cork\n\nCoordinator: City of Antwerp\nPartners: UNHCR, CIVITA"
    )
    for hidden in ("script text", "color", "Home", "Related", "invisible", "Copyright"):
        assert hidden not in doc.text


def test_html_without_article_uses_the_body_and_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Caf\xe9 news</title></head><body><p>Caf\xe9 opens in K\xf6ln.</p>"
        "<p>Second paragraph<br>with a break.</p></body></html>"
    )
    doc = read_document(_write(tmp_path / "p.htm", page.encode("latin-1")))
    assert doc.title == "Café news"
    assert doc.text == "Café opens in Köln.\n\nSecond paragraph\nwith a break."
    assert doc.date is None and doc.source is None


def test_html_time_element_date() -> None:
    text, meta = html_to_text("<main><time datetime='2021-05-06'>6 May</time> Event.</main>")
    assert meta["date"] == "2021-05-06"
    assert text == "6 May Event."


# --------------------------------------------------------------------------- pdf


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text in Helvetica (correct xref offsets)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (Factsheet OPENWAYS) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def test_pdf_with_pypdf(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    doc = read_document(_write(tmp_path / "f.pdf", _minimal_pdf("OPENWAYS is coordinated by CIVITA")))
    assert doc.id == "f.pdf"
    assert doc.format == "application/pdf"
    assert "OPENWAYS is coordinated by CIVITA" in doc.text
    assert doc.title == "Factsheet OPENWAYS"


def test_pdf_without_pypdf_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # makes `import pypdf` fail
    path = _write(tmp_path / "f.pdf", _minimal_pdf("text"))
    with pytest.raises(DocumentError, match=r"f\.pdf.*pip install pypdf"):
        read_document(path)


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    with pytest.raises(DocumentError, match=r"fake\.pdf: not a readable PDF"):
        read_document(_write(tmp_path / "fake.pdf", b"%PDF-1.4 this is not really a pdf"))


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("controls.txt", bytes(range(1, 9)) * 40 + b"some text", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\t\n  \r\n", "no text"),
        ("blank.html", b"<html><body><script>x()</script>  </body></html>", "no text"),
        ("data.docx", b"PK\x03\x04", "unsupported format"),
        ("noext", b"text", "unsupported format"),
    ],
)
def test_refused_files_name_the_file_and_the_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = _write(tmp_path / name, data)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert reason in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^gone\.txt: file not found"):
        read_document(tmp_path / "gone.txt")


def test_folder_named_like_a_document(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(DocumentError, match=r"^dir\.txt: is a folder"):
        read_document(tmp_path / "dir.txt")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "locked.txt", "text")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DocumentError, match=r"^locked\.txt: unreadable: Permission denied"):
        read_document(path)


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "big.txt", "word " * 100)
    with pytest.raises(DocumentError, match=r"^big\.txt: too large"):
        read_document(path, max_bytes=100)
    monkeypatch.setenv("KG_MAX_DOCUMENT_MB", "0.0001")  # about 104 bytes
    with pytest.raises(DocumentError, match="too large"):
        read_document(path)
    assert read_document(path, max_bytes=10_000).text.startswith("word word")


def test_size_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_MAX_DOCUMENT_MB", raising=False)
    assert max_document_bytes() == DEFAULT_MAX_BYTES == 5 * 1024 * 1024
    monkeypatch.setenv("KG_MAX_DOCUMENT_MB", "2")
    assert max_document_bytes() == 2 * 1024 * 1024

    class WithLimit:
        max_document_bytes = 1234

    assert max_document_bytes(WithLimit()) == 1234


# --------------------------------------------------------------------------- collecting paths


def test_collect_paths_expands_folders_recursively_sorted(tmp_path: Path) -> None:
    for rel in ("b.txt", "a.md", "sub/c.html", "sub/deeper/d.pdf", "skip.docx", ".hidden/e.txt",
                "sub/.f.txt"):
        _write(tmp_path / "in" / rel, "x")
    found = collect_paths([tmp_path / "in"])
    rel = [p.relative_to(tmp_path / "in").as_posix() for p in found]
    assert rel == ["a.md", "b.txt", "sub/c.html", "sub/deeper/d.pdf"]


def test_collect_paths_reads_list_files(tmp_path: Path) -> None:
    a = _write(tmp_path / "docs" / "a.txt", "x")
    b = _write(tmp_path / "docs" / "b.txt", "x")
    _write(tmp_path / "more" / "c.md", "x")
    listing = _write(
        tmp_path / "batch.list",
        f"# the batch\n\ndocs/a.txt\n{b}\nmore\nmissing.txt\ndocs/a.txt\n",
    )
    found = collect_paths([listing])
    assert [p.name for p in found] == ["a.txt", "b.txt", "c.md", "missing.txt"]
    assert found[0].resolve() == a.resolve()
    # a .lst file, and explicit files whatever their suffix, are kept for read_document to judge
    lst = _write(tmp_path / "x.lst", "docs/b.txt\n")
    odd = _write(tmp_path / "notes.docx", "x")
    assert [p.name for p in collect_paths([lst, odd, a])] == ["b.txt", "notes.docx", "a.txt"]


def test_same_name_in_different_folders_are_both_collected(tmp_path: Path) -> None:
    # Both are kept here; a document's id is its file name, so ingest refuses the second one
    # of a batch (see test_ingest) rather than letting it silently replace the first.
    one = _write(tmp_path / "x" / "news.txt", "one")
    two = _write(tmp_path / "y" / "news.txt", "two")
    found = collect_paths([tmp_path])
    assert found == [one, two]
    assert read_document(one).id == read_document(two).id == "news.txt"
