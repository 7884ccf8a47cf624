"""HTML and PDF documents of the same content give the same graph as the plain text."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TEXT = (
    "Partners of OPENWAYS meet in Antwerp\n\n"
    "On 12 May 2022 the partners of the OPENWAYS project gathered in Antwerp, Belgium, for a two-day "
    "mid-term meeting hosted by the City of Antwerp.\n\n"
    "Eva Janssens, project manager at the Antwerp Welcome Centre and coordinator of OPENWAYS, opened "
    "the meeting.\n\n"
    "Marco Rossi from Cooperativa Sociale La Strada in Turin presented the mentoring scheme.\n\n"
    "OPENWAYS is funded by the Asylum, Migration and Integration Fund (AMIF).\n"
)


def _facts(path: Path) -> tuple[set, set]:
    """(entities as (type, label), relations as (subject label, property, object label)) of one file."""
    from kg.documents import read_document
    from kg.extract.nlp import load_pipeline
    from kg.extract.pipeline import extract_document
    from kg.settings import load_settings

    nlp = load_pipeline(load_settings().spacy_model)
    ex = extract_document(read_document(path), nlp)
    ents = {(e.type, e.name) for e in ex.entities.values() if e.type != "Activity"}
    rels = set()
    for r in ex.relations:
        obj = str(r.object) if r.literal else ex.entities[r.object].name
        rels.add((ex.entities[r.subject].name, r.predicate, obj))
    return ents, rels


def _html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    title, body = paragraphs[0], paragraphs[1:]
    parts = "".join(f"<p>{html.escape(p)}</p>\n" for p in body)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<script>var tracking = 1;</script><style>p { color: #333 }</style></head><body>"
        "<nav><a href='/'>Home</a> » <a href='/news'>News</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>\n{parts}</article>"
        "<footer>Share this: Facebook Twitter LinkedIn</footer></body></html>"
    )


def _pdf(text: str, path: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in text.split("\n\n"):
        pdf.multi_cell(0, 6, paragraph.strip())
        pdf.ln(4)
    pdf.output(str(path))


def test_html_gives_the_same_graph_as_text(tmp_path):
    txt = tmp_path / "news.txt"
    txt.write_text(TEXT, encoding="utf-8")
    page = tmp_path / "news.html"
    page.write_text(_html(TEXT), encoding="utf-8")
    assert _facts(page) == _facts(txt)


def test_pdf_gives_the_same_graph_as_text(tmp_path):
    pytest.importorskip("pypdf")
    txt = tmp_path / "news.txt"
    txt.write_text(TEXT, encoding="utf-8")
    pdf = tmp_path / "news.pdf"
    _pdf(TEXT, pdf)
    ents_txt, rels_txt = _facts(txt)
    ents_pdf, rels_pdf = _facts(pdf)
    assert ents_pdf == ents_txt
    assert rels_pdf == rels_txt
