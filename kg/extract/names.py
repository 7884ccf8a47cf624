"""Name handling shared by extraction and resolution: folding, acronyms, organisation kinds."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-"})


_FOLD_QUOTES = re.compile(r"[\"'`]")
_FOLD_DASH = re.compile(r"\s*-\s*")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a name ("The Łódź " -> "lodz")."""
    s = unicodedata.normalize("NFKD", str(text).translate(_QUOTES))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = _FOLD_QUOTES.sub("", s)
    s = _FOLD_DASH.sub(" - ", s)
    s = _SPACES.sub(" ", s).strip(" .,;:-")
    return s[4:] if s.startswith("the ") else s


def _word_char(ch: str, hyphen: bool) -> bool:
    return ch.isalnum() or ch == "_" or (hyphen and ch == "-")


def starts_with_word(text: str, prefix: str) -> bool:
    """`text` starts with `prefix` followed by a word boundary (the regex `prefix\\b`)."""
    if not prefix or not text.startswith(prefix):
        return False
    after = text[len(prefix)] if len(text) > len(prefix) else ""
    return _word_char(prefix[-1], False) != (bool(after) and _word_char(after, False))


def word_spans(text: str, word: str, *, ignore_case: bool = False, hyphen: bool = True
               ) -> Iterator[tuple[int, int]]:
    """Where `word` is written in `text` as a whole word (not inside a longer word or, with
    `hyphen`, a hyphenated one), without a regular expression per word: the re module's cache
    would fill with one-off patterns and keep recompiling the extractor's own."""
    if not word:
        return
    hay, needle = text, word
    if ignore_case:
        hay, needle = text.lower(), word.lower()
        if len(hay) != len(text) or len(needle) != len(word):  # a letter whose case changes length
            flags = re.IGNORECASE
            edge = r"[\w-]" if hyphen else r"\w"
            for m in re.finditer(rf"(?<!{edge}){re.escape(word)}(?!{edge})", text, flags):
                yield m.span()
            return
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or not _word_char(hay[start - 1], hyphen)) and (
            end == len(hay) or not _word_char(hay[end], hyphen)
        ):
            yield start, end
            start = hay.find(needle, end)
        else:
            start = hay.find(needle, start + 1)


def squash(text: str) -> str:
    """Fold and drop every non-alphanumeric character ("Centre for Dialogue – Split" ~ "Centre for Dialogue Split")."""
    return re.sub(r"[^0-9a-z]+", "", fold(text))


def clean_name(text: str) -> str:
    """Strip quotes, surrounding punctuation, a leading article and collapse white space."""
    s = re.sub(r"\s+", " ", text).strip()
    s = s.strip(" \t\"'“”„‘’«».,;:()[]")
    s = re.sub(r"^(?:the|The|THE)\s+", "", s)
    return s.strip()


def title_case(text: str) -> str:
    """Title-case an all-caps name, keeping short function words lower case."""
    small = {"and", "of", "for", "the", "in", "on", "to", "a", "an", "with"}
    words = text.lower().split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


_ACRONYM_RE = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9+&./-]{1,15}$")


def looks_like_acronym(token: str) -> bool:
    """True for tokens written like acronyms: ABC, ESF+, CO-OP, WeLcOME4ALL, CITY2CITY."""
    if not _ACRONYM_RE.match(token):
        return False
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper / len(letters) >= 0.6


def initials_match(acronym: str, full: str) -> bool:
    """True when an acronym plausibly abbreviates a full name (initials or leading letters)."""
    acr = re.sub(r"[^A-Za-z]", "", acronym).lower()
    if len(acr) < 2:
        return False
    words = [w for w in re.split(r"[\s,\-–—/&]+", full) if w]
    significant = [
        w for w in words if w.lower() not in {"of", "for", "and", "the", "in", "on", "to", "de", "la", "del", "di"}
    ]
    initials = "".join(w[0] for w in significant).lower()
    all_initials = "".join(w[0] for w in words).lower()
    if (
        acr in (initials, all_initials)
        or initials.startswith(acr)
        or acr.startswith(initials[:3])
        and len(initials) >= 3
        and acr[: len(initials)] == initials
    ):
        return True
    # Letters of the acronym appear in order at word starts or inside words (SOLID, "SOcial Links In Districts").
    caps = "".join(c for c in full if c.isupper()).lower()
    if acr == caps or (len(acr) >= 3 and caps.startswith(acr)):
        return True
    # Subsequence of the name's letters starting with the first initial.
    letters = re.sub(r"[^a-z]", "", full.lower())
    if not letters or letters[0] != acr[0]:
        return False
    i = 0
    for c in letters:
        if i < len(acr) and c == acr[i]:
            i += 1
    return i == len(acr) and len(acr) >= 3 and sum(w[0].lower() in acr for w in significant) >= min(2, len(significant))


# --- organisation kinds -------------------------------------------------------------

LOCAL_AUTHORITY_WORDS = [
    "municipality",
    "city council",
    "town council",
    "local council",
    "regional council",
    "county council",
    "district council",
    "borough council",
    "city administration",
    "municipal council",
    "ayuntamiento",
    "ajuntament",
    "concello",
    "comune",
    "municipio",
    "município",
    "câmara municipal",
    "camara municipal",
    "gemeente",
    "stadt",
    "stad",
    "ville",
    "mairie",
    "commune",
    "dimos",
    "dimos",
    "δήμος",
    "urząd miasta",
    "gmina",
    "město",
    "mesto",
    "grad",
    "obec",
    "kommune",
    "kommun",
    "kaupunki",
    "municipiul",
    "primăria",
    "primaria",
    "magistrat",
    "landkreis",
    "province",
    "provincia",
    "region",
]
NGO_WORDS = [
    "association",
    "associazione",
    "asociación",
    "asociacion",
    "associação",
    "associacao",
    "association",
    "verein",
    "foundation",
    "fundación",
    "fundacion",
    "fondazione",
    "fundação",
    "fundacao",
    "fondation",
    "stichting",
    "stiftung",
    "cooperative",
    "cooperativa",
    "coopérative",
    "society",
    "network",
    "alliance",
    "federation",
    "platform",
    "coalition",
    "movement",
    "trust",
    "charity",
    "caritas",
    "red cross",
    "refugee council",
    "centre",
    "center",
    "centro",
    "centrum",
    "zentrum",
    "ngo",
    "onlus",
    "asbl",
    "vzw",
    "e.v.",
    "club",
    "collective",
    "solidarity",
    "initiative",
    "community",
    "union",
    "organisation",
    "organization",
    "league",
    "committee",
]
RESEARCH_WORDS = [
    "university",
    "universidad",
    "università",
    "universita",
    "universität",
    "universitat",
    "universiteit",
    "université",
    "universite",
    "universidade",
    "uniwersytet",
    "univerzita",
    "sveučilište",
    "institute",
    "institut",
    "istituto",
    "instituto",
    "research centre",
    "research center",
    "academy",
    "college",
    "polytechnic",
    "hochschule",
    "observatory",
    "laboratory",
]
PUBLIC_BODY_WORDS = [
    "ministry",
    "ministerio",
    "ministero",
    "ministère",
    "agency",
    "directorate",
    "commission",
    "parliament",
    "authority",
    "prefecture",
    "public employment service",
    "employment agency",
    "ombudsman",
    "government",
    "embassy",
    "consulate",
]
OTHER_ORG_WORDS = [
    "radio",
    "television",
    "tv",
    "newspaper",
    "magazine",
    "school",
    "lab",
    "hub",
    "think tank",
    "company",
    "ltd",
    "gmbh",
    "bar association",
    "office",
    "department",
    "service",
    "services",
    "bank",
    "hospital",
    "clinic",
    "library",
    "museum",
    "theatre",
    "theater",
    "team",
    "group",
    "council",
    "board",
    "kitchen",
    "house",
]
ORG_HEAD_WORDS = sorted(
    set(LOCAL_AUTHORITY_WORDS + NGO_WORDS + RESEARCH_WORDS + PUBLIC_BODY_WORDS + OTHER_ORG_WORDS),
    key=len,
    reverse=True,
)
_WORD_CACHE: dict[str, re.Pattern[str]] = {}


def _has_word(text: str, words: list[str]) -> bool:
    key = "|".join(words)
    pattern = _WORD_CACHE.get(key)
    if pattern is None:
        pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w])", re.I)
        _WORD_CACHE[key] = pattern
    return bool(pattern.search(text))


def has_org_word(text: str) -> bool:
    """True when a name contains a word that names a kind of organisation."""
    return _has_word(text, ORG_HEAD_WORDS)


def org_kind(name: str) -> str | None:
    """The organisation kind a name implies (LocalAuthority, ResearchOrganisation, PublicBody, NGO) or None."""
    if _has_word(
        name,
        [
            "municipality",
            "city council",
            "town council",
            "local council",
            "municipal council",
            "ayuntamiento",
            "ajuntament",
            "comune",
            "gemeente",
            "mairie",
            "dimos",
            "câmara municipal",
            "camara municipal",
            "concello",
            "primăria",
            "primaria",
            "urząd miasta",
            "kommune",
            "kommun",
        ],
    ):
        return "LocalAuthority"
    if re.match(r"(?i)^(?:city|town|municipality|ville|stad|stadt|region|province) of ", name):
        return "LocalAuthority"
    if _has_word(name, RESEARCH_WORDS):
        return "ResearchOrganisation"
    if _has_word(name, PUBLIC_BODY_WORDS):
        return "PublicBody"
    if _has_word(name, ["bar association", "radio", "television", "school", "lab", "company", "ltd", "gmbh"]):
        return None
    if _has_word(name, NGO_WORDS):
        return "NGO"
    return None


GENERIC_WORDS = {
    "project",
    "projects",
    "programme",
    "program",
    "partner",
    "partners",
    "partnership",
    "consortium",
    "network",
    "the",
    "a",
    "an",
    "and",
    "of",
    "for",
    "in",
    "on",
    "eu",
    "european",
    "union",
    "conference",
    "workshop",
    "meeting",
    "event",
    "objectives",
    "results",
    "contact",
    "funding",
    "about",
    "summary",
    "introduction",
    "news",
    "activities",
    "factsheet",
    "overview",
    "description",
}
