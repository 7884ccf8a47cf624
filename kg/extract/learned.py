"""Candidate entity spans from the learned span recogniser (see kg/train_ner.py).

The model is a small spaCy pipeline (tokenizer + the en_core_web_sm `ner` resumed on the
project's annotated documents, with the extra labels PROJECT and PROGRAMME). It is loaded once,
lazily. Its spans are candidates for the rule-based extractor, not decisions: cross-validation
(benchmarks/ner_cv.py) shows good recall on unseen pages but mediocre precision, especially for
EVENT and PROJECT.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.errors import KGError

MODEL_DIR = Path(__file__).resolve().parent / "models" / "ner-ikg"
LEARNED_LABELS: tuple[str, ...] = ("PROJECT", "ORG", "PERSON", "EVENT", "PROGRAMME", "GPE")


def model_path() -> Path:
    """Where the learned model is: $KG_LEARNED_NER_MODEL, else kg/extract/models/ner-ikg (built by
    `python -m kg.train_ner --out kg/extract/models/ner-ikg`; not shipped)."""
    env = os.environ.get("KG_LEARNED_NER_MODEL")
    return Path(env) if env else MODEL_DIR


def is_available() -> bool:
    """True when the learned model folder exists."""
    return (model_path() / "meta.json").is_file()


@functools.lru_cache(maxsize=2)
def load_learned_model(path: str | None = None) -> Any:
    """Load the learned pipeline from `path` (default: model_path()), once per process."""
    folder = Path(path) if path else model_path()
    if not (folder / "meta.json").is_file():
        raise KGError(f"no learned NER model at {folder}: run `python -m kg.train_ner --out {folder}`")
    import spacy

    return spacy.load(folder)


def learned_candidates(
    text_or_doc: Any,
    offset: int = 0,
    labels: Iterable[str] = LEARNED_LABELS,
    model: Any = None,
) -> list[tuple[int, int, str]]:
    """Spans (start, end, label) the learned model finds in a text or a spaCy Doc (its text is
    re-read by the learned model's own tokenizer). Offsets are shifted by `offset`, so a line's
    spans come back in document coordinates. Only `labels` are kept (the resumed model also
    knows DATE, CARDINAL... which are dropped). `model` overrides the packaged model (tests)."""
    text = text_or_doc if isinstance(text_or_doc, str) else text_or_doc.text
    if not text.strip():
        return []
    nlp = model if model is not None else load_learned_model()
    wanted = set(labels)
    doc = nlp(text)
    return [(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents if e.label_ in wanted]


def learned_line_candidates(
    lines: list[tuple[int, str]], labels: Iterable[str] = LEARNED_LABELS, model: Any = None
) -> list[tuple[int, int, str]]:
    """Spans of many (offset, text) lines at once (one `pipe` call), in document coordinates."""
    nlp = model if model is not None else load_learned_model()
    wanted = set(labels)
    out: list[tuple[int, int, str]] = []
    for (offset, _), doc in zip(lines, nlp.pipe(text for _, text in lines), strict=True):
        out.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents if e.label_ in wanted)
    return out
