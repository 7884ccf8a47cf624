"""Finding mentions in sentences: reference names, organisation and place patterns,
projects, people, events. Each finder returns candidates; the pipeline keeps the best
non-overlapping ones."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kg.extract.names import (
    GENERIC_WORDS,
    clean_name,
    fold,
    has_org_word,
    initials_match,
    looks_like_acronym,
    org_kind,
)

# Priorities: higher wins an overlap; ties go to the longer span.
PRIO = {
    "programme": 90,
    "known_org": 85,
    "factsheet": 84,
    "local_authority": 80,
    "event_title": 78,
    "org_context": 75,
    "project": 72,
    "org_keyword": 70,
    "event_named": 68,
    "person": 60,
    "place": 50,
    "event_unnamed": 40,
    "spacy_org": 30,
    "learned": 25,
    "acronym_org": 45,
    "person:context": 62,
    "acronym": 83,
    "project:shape": 66,
}

EVENT_WORDS = {
    "conference": "conference",
    "conferences": "conference",
    "summit": "conference",
    "congress": "conference",
    "symposium": "conference",
    "forum": "conference",
    "seminar": "seminar",
    "webinar": "webinar",
    "workshop": "workshop",
    "workshops": "workshop",
    "session": "session",
    "meeting": "meeting",
    "meetings": "meeting",
    "exchange": "exchange",
    "visit": "visit",
    "visits": "visit",
    "committee": "meeting",
    "round table": "meeting",
    "roundtable": "meeting",
    "panel": "session",
    "training": "training",
    "exhibition": "exhibition",
    "festival": "festival",
    "fair": "festival",
    "campaign": "campaign",
    "tour": "tour",
    "tours": "tour",
    "screening": "screening",
    "talks": "talks",
    "hackathon": "workshop",
    "camp": "camp",
    "celebration": "celebration",
    "ceremony": "celebration",
    "event": "event",
    "events": "event",
    "assembly": "meeting",
    "study visit": "visit",
    "masterclass": "training",
    "training course": "training",
    "summer school": "training",
    "study trip": "visit",
    "press conference": "conference",
    "bootcamp": "training",
    "lecture": "lecture",
    "debate": "session",
}
UNNAMED_OK = {
    "conference",
    "seminar",
    "webinar",
    "workshop",
    "session",
    "meeting",
    "exchange",
    "visit",
    "training",
    "tour",
    "screening",
    "camp",
    "lecture",
    "festival",
    "exhibition",
}
_EVENT_WORD_RE = "|".join(sorted((re.escape(w) for w in EVENT_WORDS), key=len, reverse=True))
EVENT_LINE_WORD = re.compile(rf"(?i)(?<![\w-])(?:{_EVENT_WORD_RE}|contest|competition|hackathon)(?![\w-])")
MONTH_WORDS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
CONNECTORS = {
    "of",
    "for",
    "the",
    "and",
    "de",
    "di",
    "del",
    "della",
    "delle",
    "dei",
    "la",
    "le",
    "les",
    "des",
    "du",
    "van",
    "von",
    "der",
    "den",
    "für",
    "&",
    "y",
    "e",
    "et",
    "und",
    "per",
    "on",
    "sin",
    "da",
    "do",
    "dos",
    "das",
    "al",
    "el",
    "–",
    "-",
    "i",
    "na",
    "za",
    "pro",
}
ROLE_WORDS = (
    r"(?:project\s+|programme\s+|general\s+|executive\s+|managing\s+|deputy\s+|senior\s+|"
    r"junior\s+|local\s+|municipal\s+|communications?\s+|policy\s+|research\s+|youth\s+|"
    r"case\s+|community\s+|field\s+|integration\s+|legal\s+|programme\s+|regional\s+|"
    r"country\s+|national\s+|international\s+|financial\s+|technical\s+|scientific\s+)*"
    r"(?:manager|coordinator|co-ordinator|director|officer|president|vice-president|head|"
    r"member|representative|researcher|chair|chairman|chairwoman|chairperson|founder|"
    r"co-founder|expert|volunteer|mayor|advisor|adviser|counsellor|counselor|secretary|"
    r"spokesperson|spokesman|leader|lead|consultant|mediator|trainer|lawyer|psychologist|"
    r"social worker|teacher|professor|lecturer|fellow|analyst|specialist|assistant|"
    r"ceo|cfo|board member|staff member|team leader|worker|councillor|councilor|alderman|"
    r"interpreter|intern|educator|organiser|organizer|facilitator|moderator)"
)


@dataclass
class Cand:
    """A candidate mention: a span of the document with a type and the rule that found it."""

    start: int
    end: int
    text: str
    type: str
    rule: str
    kind: str | None = None
    conf: float = 0.8
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def prio(self) -> int:
        """Priority of the rule that found this candidate."""
        return PRIO.get(self.rule, PRIO.get(self.rule.split(":")[0], 10))


# --- reference names --------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _reference_regex() -> tuple[re.Pattern[str], dict[str, tuple[str, Any]]]:
    """One regex over every programme and reference organisation surface form."""
    from kg.reference.organisations import organisation_surface_forms
    from kg.reference.programmes import programme_surface_forms

    table: dict[str, tuple[str, Any]] = {}
    for form, info in programme_surface_forms():
        if len(form) >= 3:
            table.setdefault(form, ("FundingProgramme", info))
    for form, info in organisation_surface_forms():
        if len(form) >= 3:
            table.setdefault(form, ("Organisation", info))
    forms = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w+])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w+])")
    return pattern, table


def find_reference(text: str, offset: int) -> list[Cand]:
    """Funding programmes and reference organisations (EU bodies, international organisations)."""
    pattern, table = _reference_regex()
    out = []
    for m in pattern.finditer(text):
        typ, info = table[m.group(0)]
        s, e = m.span()
        # "CERV programme", "Erasmus+ Programme" keep the head word in the mention.
        tail = re.match(r"\s+(?:programme|program|Programme|Program|fund|Fund)\b", text[e:])
        if typ == "FundingProgramme" and tail:
            e += tail.end()
        if typ == "FundingProgramme":
            out.append(Cand(offset + s, offset + e, text[s:e], typ, "programme", conf=0.95, attrs={"ref": info}))
        else:
            out.append(
                Cand(
                    offset + s,
                    offset + e,
                    text[s:e],
                    "Organisation",
                    "known_org",
                    kind=info.kind,
                    conf=0.95,
                    attrs={"ref": info},
                )
            )
    return out


# --- token runs -------------------------------------------------------------------


def _is_cap(tok: Any) -> bool:
    t = tok.text
    return bool(t) and (t[0].isupper() or (t[0].isdigit() and any(c.isalpha() for c in t)))


def capitalised_runs(sent: Any) -> list[tuple[int, int]]:
    """Token index ranges [i, j) of capitalised name-like runs, connectors allowed inside."""
    runs = []
    toks = list(sent)
    i, n = 0, len(toks)
    while i < n:
        if _is_cap(toks[i]) and toks[i].text not in {"–", "-"}:
            j = i + 1
            while j < n:
                t = toks[j]
                if _is_cap(t):
                    j += 1
                    continue
                if (
                    t.text.lower() in CONNECTORS
                    and j + 1 < n
                    and (
                        _is_cap(toks[j + 1])
                        or (
                            toks[j + 1].text.lower() in {"the", "la", "de"}
                            and t.text.lower() != "and"
                            and j + 2 < n
                            and _is_cap(toks[j + 2])
                        )
                    )
                ):
                    j += 1
                    continue
                break
            runs.append((toks[i].i - sent.start, toks[j - 1].i - sent.start + 1))
            i = j
        else:
            i += 1
    return runs


def _span_cand(sent: Any, i: int, j: int, offset: int, **kw: Any) -> Cand:
    span = sent[i:j]
    return Cand(
        offset + span.start_char - sent.start_char + kw.pop("base", 0),
        offset + span.end_char - sent.start_char + kw.pop("base2", 0),
        span.text,
        **kw,
    )


# --- organisations ------------------------------------------------------------------

_LA_PREFIX = re.compile(
    r"\b(?P<head>[Mm]unicipalit(?:y|ies)|City|Town|Ayuntamiento|Ajuntament|Concello|Comune|Municipio|"
    r"Câmara Municipal|Camara Municipal|Gemeente|Stadt|Stad|Ville|Mairie|Dimos|Gmina|Urząd Miasta|Primăria|"
    r"Primaria|Kommune|Kommun|[Cc]ity [Cc]ouncil|[Cc]ity [Hh]all)\s+(?:of\s+|de\s+|di\s+|d'|da\s+|do\s+)?"
    r"(?P<place>[A-ZÀ-Ž][\w'’.-]+(?:\s+[A-ZÀ-Ž][\w'’.-]+)?)"
    r"(?:\s+and\s+(?P<place2>[A-ZÀ-Ž][\w'’.-]+(?:\s+[A-ZÀ-Ž][\w'’.-]+)?))?"
)
_LA_SUFFIX = re.compile(
    r"\b(?P<place>[A-ZÀ-Ž][\w'’.-]+(?:\s+[A-ZÀ-Ž][\w'’.-]+)?)\s+(?P<head>[Cc]ity [Cc]ouncil|[Mm]unicipality|"
    r"[Tt]own [Cc]ouncil|[Ll]ocal [Cc]ouncil|[Cc]ity [Hh]all|[Mm]unicipal [Cc]ouncil|[Cc]ity [Aa]dministration|"
    r"[Rr]egional [Cc]ouncil|[Cc]ounty [Cc]ouncil|[Dd]istrict [Cc]ouncil|[Bb]orough [Cc]ouncil|"
    r"[Ss]tad|[Kk]ommun|[Kk]ommune|[Kk]aupunki|[Gg]emeinde|[Kk]aupunginhallitus)\b"
)


def find_local_authorities(text: str, offset: int, lookup_place: Any) -> list[Cand]:
    """Local authorities: "Municipality of X", "City of X", "X City Council", native forms, and
    "the municipalities of A and B"."""
    out = []
    for m in _LA_PREFIX.finditer(text):
        head = m.group("head")
        if head.lower() in (
            "city",
            "town",
            "city council",
            "city hall",
            "municipality",
            "municipalities",
        ) and not re.match(r"(?i)\S+(?:\s+\S+)?\s+of\s", text[m.start() :]):
            continue
        places = [("place", m.group("place"))]
        if m.group("place2") and head.lower().startswith("municipalit"):
            places.append(("place2", m.group("place2")))
        for grp, raw in places:
            name, info = _place_prefix(raw, lookup_place)
            if info is None or info.kind != "City":
                continue
            if head in ("City", "Town") and not _city_of_is_authority(text, m.start()):
                continue
            s = m.start() if grp == "place" else m.start(grp)
            e = m.start(grp) + len(name)
            out.append(
                Cand(
                    offset + s,
                    offset + e,
                    text[s:e],
                    "Organisation",
                    "local_authority",
                    kind="LocalAuthority",
                    conf=0.9,
                    attrs={"city": info, "city_name": name},
                )
            )
    for m in _LA_SUFFIX.finditer(text):
        raw = m.group("place")
        words = raw.split()
        for k in range(len(words)):
            cand = " ".join(words[k:])
            info = lookup_place(cand)
            if info is None and cand.endswith("s") and m.group("head").lower() in ("stad", "kommun", "kommune"):
                info = lookup_place(cand[:-1])  # Swedish/Danish genitive: "Göteborgs Stad"
            if info is not None and info.kind == "City":
                s = m.start("place") + raw.index(cand)
                out.append(
                    Cand(
                        offset + s,
                        offset + m.end(),
                        text[s : m.end()],
                        "Organisation",
                        "local_authority",
                        kind="LocalAuthority",
                        conf=0.9,
                        attrs={"city": info, "city_name": cand},
                    )
                )
                break
    return out


def _place_prefix(raw: str, lookup_place: Any) -> tuple[str, Any]:
    words = raw.split()
    for k in range(len(words), 0, -1):
        name = " ".join(words[:k]).rstrip("'’s").rstrip(".,")
        info = lookup_place(name)
        if info is not None:
            return name, info
    return raw, None


def _city_of_is_authority(text: str, start: int) -> bool:
    """ "City of X" names the authority unless it reads as the place ("in the city of X")."""
    before = text[max(0, start - 30) : start].lower()
    return not re.search(
        r"\b(?:in|across|around|near|residents of|streets of|centre of|center of)\s+(?:the\s+)?$", before
    )


def find_keyword_orgs(sent: Any, offset: int, lookup_place: Any) -> list[Cand]:
    """Capitalised names holding an organisation word: "Leiden Integration Centre", "University of X"."""
    out = []
    toks = list(sent)
    for i, j in capitalised_runs(sent):
        # drop a sentence-initial common word ("Representatives of X", "The X")
        while i < j and (
            toks[i].text.lower() in {"the", "a", "an", "our", "their", "its", "this"}
            or (
                toks[i].i == sent.start
                and toks[i].pos_ not in ("PROPN",)
                and not has_org_word(toks[i].text)
                and j - i > 1
            )
        ):
            i += 1
            while i < j and toks[i].text.lower() in CONNECTORS:
                i += 1
        if i >= j:
            continue
        for a, b in _split_at_and(toks, i, j):
            cand = _keyword_org(sent, a, b, offset)
            if cand is not None:
                out.append(cand)
    return out


def _split_at_and(toks: list[Any], i: int, j: int) -> list[tuple[int, int]]:
    """Split a run at "and" where it joins two names ("X Council and Y", "X and Association Y")."""
    parts, start = [], i
    for k in range(i, j):
        if toks[k].text.lower() == "and" and k > start:
            left = " ".join(t.text for t in toks[start:k])
            right = " ".join(t.text for t in toks[k + 1 : j])
            last = toks[k - 1].text
            if (
                has_org_word(last)
                or (has_org_word(right.split()[0] if right else "") and has_org_word(left))
                or (has_org_word(right) and has_org_word(left))
            ):
                parts.append((start, k))
                start = k + 1
    parts.append((start, j))
    return [(a, b) for a, b in parts if b > a]


def _keyword_org(sent: Any, i: int, j: int, offset: int) -> Cand | None:
    """An organisation candidate from tokens [i, j) of a sentence, if they name one."""
    toks = list(sent)
    while j > i and toks[j - 1].text.lower() in CONNECTORS:
        j -= 1
    if True:
        span = sent[i:j]
        text = span.text
        if not has_org_word(text) or len(text) < 4 or len(text.split()) < 2:
            return None
        words = [w.lower() for w in text.split()]
        if all(w in GENERIC_WORDS or w in CONNECTORS for w in words):
            return None
        if _TITLE_START.match(text):
            return None
        kind = org_kind(text)
        return Cand(
            offset + span.start_char - sent.start_char,
            offset + span.end_char - sent.start_char,
            text,
            "Organisation",
            "org_keyword",
            kind=kind,
            conf=0.8,
        )


_ORG_NOUN = (
    r"(?:organi[sz]ation|association|NGO|non-profit|nonprofit|foundation|charity|cooperative|"
    r"social (?:cent(?:er|re)|enterprise|cooperative)|community (?:cent(?:er|re)|organi[sz]ation)|"
    r"think[- ]tank|network|initiative|collective|platform|federation|company|consultancy|"
    r"research (?:cent(?:er|re)|institute)|university|school|media outlet|broadcaster|radio station)"
)
_CAPW = r"[A-ZÀ-Ž][\w'’&.+-]*"
_PART = (
    r"(?:of|for|de|del|della|di|dei|degli|du|des|da|do|dos|das|van|von|der|den|für|zu|voor|het|pour|"
    r"per|na|w|z|y|e|i|sin|con|&|the|la|le|el|al|sur|sans|upon|on)"
)
_UNIT = r"(?:department|office|unit|service|division|directorate|team)"
_CTX_NAME = (
    rf"(?P<name>{_CAPW}(?:\s+(?:{_CAPW}|{_PART}(?=\s+(?:{_PART}\s+)?[A-ZÀ-Ž])|and(?=\s+{_CAPW}\s+{_UNIT}\b)))"
    r"{0,6})"
)
TITLES = (
    r"(?:(?:Dr|Prof|Mr|Mrs|Ms|Mx|Sir|Dame|Mag|Ing)\.?|(?:Deputy\s+|Vice[- ])?Mayor|Councillor|Councilor|"
    r"Alderman|Alderwoman|Minister|Commissioner|Ambassador|Professor|Senator|MEP|Rev\.?)"
)
_TITLE_START = re.compile(rf"^{TITLES}\s+")
_ORG_CONTEXT = [
    # "the association Raices", "the organisation nordlicht", "the social center X"
    re.compile(
        rf"\b(?:the|an?|local|our)\s+(?:[A-Za-z]+-based\s+|local\s+|national\s+|international\s+|grassroots\s+)?{_ORG_NOUN}\s+(?P<name>(?:[A-ZÀ-Ž][\w'’&.+-]*|[a-z][a-z0-9]*[A-Z0-9][\w]*|[a-z]{{3,}})"
        rf"(?:\s+(?:{_CAPW}|{_PART}(?=\s+(?:{_PART}\s+)?[A-ZÀ-Ž]))){{0,5}})"
    ),
    # "X, an NGO based in", "X, a think tank based in", "X, a community centre in"
    re.compile(rf"{_CTX_NAME},\s+an?\s+(?:\w+\s+){{0,2}}{_ORG_NOUN}\b"),
    # role at/of/from X: "project manager at Casa Abierta Sur"
    re.compile(rf"\b{ROLE_WORDS}\s+(?:at|of|from|with|in)\s+(?:the\s+)?{_CTX_NAME}"),
    # "Name from X", "representatives of X", "the team of X"
    re.compile(
        r"\b(?:[Rr]epresentatives?|[Tt]eam|[Ss]taff|[Mm]embers?|[Ee]xperts?|[Rr]esearchers|[Vv]olunteers|[Dd]elegation)\s+(?:of|from)\s+(?:the\s+)?"
        + _CTX_NAME
    ),
    # "in cooperation with X", "together with X", "works with X", "hosted by X", "organised by X"
    re.compile(
        r"\b(?:in\s+(?:cooperation|collaboration|partnership)\s+with|together\s+with|works?\s+with|"
        r"working\s+with|teamed[- ]up\s+with|hosted\s+by|organi[sz]ed\s+by|facilitated\s+by|"
        r"led\s+by|coordinated\s+by|moderated\s+by|supported\s+by|run\s+by)\s+(?:the\s+|The\s+)?" + _CTX_NAME
    ),
    # "associate(d) partner X", "partner organisation X"
    re.compile(r"\b(?:associated?|lead|leading|partner)\s+(?:partner|organi[sz]ation)\s+(?:the\s+)?" + _CTX_NAME),
]
_LOWER_STOP = {
    "itself",
    "themselves",
    "himself",
    "herself",
    "which",
    "that",
    "who",
    "whose",
    "has",
    "have",
    "had",
    "is",
    "was",
    "were",
    "are",
    "will",
    "would",
    "can",
    "could",
    "also",
    "and",
    "but",
    "with",
    "from",
    "for",
    "through",
    "based",
    "active",
    "working",
    "members",
    "partners",
    "staff",
    "team",
    "where",
    "when",
    "while",
    "since",
    "then",
    "they",
    "their",
    "there",
    "here",
    "this",
    "these",
    "those",
    "such",
    "other",
    "others",
    "new",
    "local",
    "one",
    "project",
    "projects",
    "city",
    "municipality",
    "organisation",
    "organization",
}
_STOP_TAIL = re.compile(r"(?:\s+(?:of|for|and|de|del|di|sin|&))+$")


def find_context_orgs(text: str, offset: int, lookup_place: Any = None) -> list[Cand]:
    """Organisations named in a context that says so: "the association X", "manager at X",
    "in cooperation with X", "X, an NGO based in"."""
    out = []
    for k, pattern in enumerate(_ORG_CONTEXT):
        for m in pattern.finditer(text):
            name = _STOP_TAIL.sub("", m.group("name")).rstrip(".,;:")
            if re.search(r"-based$", name.split()[0]) and len(name.split()) == 1:
                continue
            name = re.sub(r"^[A-Z][\w]*-based\s+", "", name)
            name = re.sub(
                r"^(?:Representatives?|Members?|Team|Staff|Volunteers|Directors?|Head|Delegation|"
                r"Experts?|Researchers)\s+(?:of|from)\s+(?:the\s+)?",
                "",
                name,
            )
            if not name:
                continue
            s0 = m.start("name") + m.group("name").index(name) if name in m.group("name") else m.start("name")
            unit = re.match(r"\s+(?:department|office|service|unit|division|directorate)\b", text[s0 + len(name) :])
            if unit:
                name = name + text[s0 + len(name) : s0 + len(name) + unit.end()]
            if name.islower() and (name in _LOWER_STOP or k != 0):
                continue
            title = _TITLE_START.match(name)
            if title:
                person = re.split(r"\s+(?:of|from|at)\s+|,", name[title.end() :])[0]
                if len(person.split()) >= 2:
                    ps = s0 + title.end()
                    out.append(
                        Cand(offset + ps, offset + ps + len(person), person, "Person", "person:context", conf=0.8)
                    )
                continue
            if not name or fold(name) in GENERIC_WORDS or fold(name).split()[0] in MONTH_WORDS:
                continue
            s = s0
            cand = Cand(
                offset + s,
                offset + s + len(name),
                name,
                "Organisation",
                f"org_context:{k}",
                kind=org_kind(name),
                conf=0.8,
            )
            if lookup_place is not None:
                info = lookup_place(name)
                if info is not None and not name.isupper() and fold(info.name) == fold(name):
                    if info.kind != "City" or k not in (3, 4):
                        continue
                    cand = Cand(
                        cand.start,
                        cand.end,
                        name,
                        "Organisation",
                        "local_authority:metonymy",
                        kind="LocalAuthority",
                        conf=0.7,
                        attrs={"city": info, "city_name": name},
                    )
            out.append(cand)
    return out


_ACR_NAME = re.compile(
    r"(?<![\w@-])(?P<full>[A-ZÀ-Ž][\w'’.&-]*(?:\s+(?:[A-ZÀ-Ž][\w'’.&-]*|of|for|and|the|on|in|de|di|du|des|la|le|el|"
    r"für|und|voor|van|per|e|y|i)){1,9})\s+\((?P<acr>[A-Z][A-Za-z0-9&.-]{1,11})\)"
)


def find_acronym_orgs(text: str, offset: int) -> list[Cand]:
    """ "Full Name (ACR)" where the acronym spells the name's initials: a named body, an
    organisation unless a stronger rule (project, programme, place) claims it."""
    out = []
    for m in _ACR_NAME.finditer(text):
        full, acr = m.group("full"), m.group("acr")
        lead = re.match(r"(?:The|THE|A|An)\s+", full)
        shift = lead.end() if lead else 0
        full = full[shift:]
        if not looks_like_acronym(acr) or not initials_match(acr, full) or len(full.split()) < 2:
            continue
        if re.search(r"(?i)\bproject\b", text[max(0, m.start() - 12) : m.start()] + text[m.end() : m.end() + 10]):
            continue
        s = offset + m.start("full") + shift
        out.append(Cand(s, s + len(full), full, "Organisation", "acronym_org", kind=org_kind(full), conf=0.7))
    return out


# --- projects ---------------------------------------------------------------------

_PWORD = r"(?:[A-Z0-9][A-Za-z0-9+&@_'’-]*[A-Za-z0-9+]|[A-Z]{2,})"
_PCAPS = r"[A-Z0-9][A-Z0-9+&'’-]+"
_PROJECT_NAME = rf"(?P<name>{_PWORD}(?:\s+(?:&|and|AND)\s+{_PCAPS}|\s+{_PCAPS}){{0,3}})"
_ROLE_AFTER = r"(?!\s+(?:manager|coordinator|co-ordinator|officer|director|leader|lead|team|assistant|partner\s+at|number|no\b|id\b|title|acronym|duration))"  # noqa: E501
_TITLE_NAME = r"(?P<name>[A-Z][\w@+&'’-]*(?:\s+(?:[A-Z][\w@+&'’-]*|to|for|of|and|in|&)){0,4})"
_PROJECT_PATTERNS = [
    re.compile(
        rf"{_PROJECT_NAME}\s+(?:[Pp]roject{_ROLE_AFTER}|PROJECT|[Cc]onsortium|[Pp]artners(?:hip)?|[Nn]etwork|[Pp]artner [Oo]rgani[sz]ations)\b"  # noqa: E501
    ),
    re.compile(
        rf"\b(?:[Pp]roject|EU-funded project|funded project|[Pp]roject acronym:?|initiative called|project called|project named)\s+{_PROJECT_NAME}(?![\w+&@'’-]|\s*:)"  # noqa: E501
    ),
    re.compile(rf"\b(?:coordinator|partners?|partnership|consortium)\s+of\s+(?:the\s+)?{_PROJECT_NAME}\b"),
    re.compile(
        rf"\b(?:[Tt]he|of|our)\s+(?:(?:first|second|third|fourth|fifth|final|last|next|\d+(?:st|nd|rd|th))\s+)?{_PROJECT_NAME}\s+(?:webinar|conference|meeting|workshop|team|job fair|fair|summer school|training|campaign|kick-off|steering)s?\b"  # noqa: E501
    ),
    re.compile(
        rf"(?:^|[.;]\s+|\b[Tt]he\s+){_PROJECT_NAME}\s+(?:is|was|will be|has been)\s+(?:co-)?(?:funded|financed|coordinated|led|implemented|run)\b"  # noqa: E501
    ),
    re.compile(rf"(?:^|[.;]\s+|\b[Tt]he\s+){_PROJECT_NAME}\s+(?:brings|brought)\s+together\b"),
    re.compile(rf"\b[Tt]he\s+{_TITLE_NAME}\s+project{_ROLE_AFTER}\b(?!\s+[A-Z0-9])"),
]
_NOT_PROJECT = {
    "eu",
    "un",
    "ngo",
    "ngos",
    "project",
    "the project",
    "id",
    "no",
    "nr",
    "number",
    "title",
    "acronym",
    "european",
    "european union",
    "pilot",
    "this",
    "our",
    "new",
    "research",
    "partner",
    "eu-funded",
}
_SHAPED = re.compile(r"[a-z][A-Z0-9@+]|[0-9]|@|[A-Za-z]_[A-Za-z]")


def _project_word(w: str) -> bool:
    return looks_like_acronym(w) or w.isupper() and len(w) >= 2 or bool(_SHAPED.search(w)) and w[0].isupper()


def find_projects(text: str, offset: int) -> list[Cand]:
    """Project names in project contexts: "X project", "project X", "the X consortium",
    "X is funded by", "the X webinar"; acronyms, CamelCase and alphanumeric names."""
    out = []
    for i, pattern in enumerate(_PROJECT_PATTERNS):
        for m in pattern.finditer(text):
            name = m.group("name").strip()
            name = re.sub(r"\s+(?:and|AND|&)$", "", name)
            lead = re.match(r"(?:The|THE|A|An|Our|This|Their)\s+", name)
            shift = lead.end() if lead else 0
            name = name[shift:]
            words = name.split()
            if not words or all(w.lower() in GENERIC_WORDS for w in words):
                continue
            if i != 6 and not any(_project_word(w) for w in words):
                continue
            if i == 6 and (len(words) > 5 or any(w.lower() in GENERIC_WORDS for w in words[:1]) or has_org_word(name)):
                continue
            if (
                fold(name) in _NOT_PROJECT
                or name.lower() in _NOT_PROJECT
                or re.search(r"(?i)-(?:funded|based|led)$", name)
                or text[m.end("name") : m.end("name") + 2].startswith(":")
            ):
                continue
            s = m.start("name") + shift
            out.append(Cand(offset + s, offset + s + len(name), name, "Project", f"project:{i}", conf=0.85))
    return out


def find_shaped_projects(text: str) -> list[Cand]:
    """Names shaped like project acronyms (a digit or "@" inside: W2W, Skills2Work, Newcomers@Work)
    written at least twice in a document."""
    counts: dict[str, list[int]] = {}
    for m in re.finditer(r"(?<![\w@-])([A-Z][A-Za-z]*[0-9@][A-Za-z0-9@]*[A-Za-z0-9])(?![\w@-])", text):
        counts.setdefault(m.group(1), []).append(m.start())
    out = []
    for name, starts in counts.items():
        if len(starts) >= 2 and re.search(r"[A-Za-z]{2,}", name) and not re.fullmatch(r"[A-Z]\d+", name):
            for s in starts:
                out.append(Cand(s, s + len(name), name, "Project", "project:shape", conf=0.7))
    return out


# --- people -----------------------------------------------------------------------


def find_people(sent: Any, offset: int, lookup_place: Any = lambda _: None) -> list[Cand]:
    """People: spaCy PERSON entities of two or more capitalised words."""
    out = []
    for ent in sent.ents:
        if ent.label_ != "PERSON":
            continue
        words = ent.text.split()
        start_char = ent.start_char
        title = _TITLE_START.match(ent.text)
        if title:
            words = ent.text[title.end() :].split()
            start_char += title.end()
        if not 2 <= len(words) <= 4 or not all(w[0].isupper() for w in words):
            continue
        if has_org_word(ent.text) or any(looks_like_acronym(w) for w in words) or lookup_place(" ".join(words)):
            continue
        out.append(
            Cand(
                offset + start_char - sent.start_char,
                offset + ent.end_char - sent.start_char,
                " ".join(words),
                "Person",
                "person",
                conf=0.75,
            )
        )
    return out


_PERSON_NAME = r"(?P<name>[A-ZÀ-Ž][a-zà-ž'’-]+(?:\s+(?:[A-ZÀ-Ž][a-zà-ž'’-]+|van|von|de|der|da|di|del|la|le)){1,3})"
_PERSON_CONTEXT = [
    re.compile(_PERSON_NAME + rf",\s+(?:the\s+|a\s+|an\s+|our\s+)?(?:new\s+|newly appointed\s+)?{ROLE_WORDS}\b"),
    re.compile(_PERSON_NAME + r"\s+from\s+(?:the\s+)?(?:organi[sz]ation\s+|association\s+|NGO\s+)?[A-Z]"),
    re.compile(
        rf"\b(?:the\s+)?{ROLE_WORDS}\s+"
        + _PERSON_NAME
        + r"\s+(?:will|said|says|explained|presented|gave|opened|moderated)\b"
    ),
]


def find_role_people(text: str, offset: int, lookup_place: Any) -> list[Cand]:
    """People named with a role or an affiliation ("Ana Horvat, project manager at X", "Y from Z")."""
    out = []
    for pattern in _PERSON_CONTEXT:
        for m in pattern.finditer(text):
            name = m.group("name")
            words = name.split()
            if has_org_word(name) or any(w.lower() in GENERIC_WORDS or fold(w) in MONTH_WORDS for w in words):
                continue
            if words[0] in ("The", "A", "An", "Our", "Their", "On", "In", "At", "From", "With", "By"):
                continue
            if lookup_place(name) is not None:
                continue
            s = m.start("name")
            out.append(Cand(offset + s, offset + s + len(name), name, "Person", "person:context", conf=0.8))
    return out


# --- places -----------------------------------------------------------------------

_NOT_NAME_POS = {"ADJ", "VERB", "ADV", "ADP", "DET", "PRON", "AUX", "CCONJ", "SCONJ", "INTJ", "NUM"}
_PLACE_PREP = re.compile(r"(?:\b(?:in|from|across|at|to|of|near|around|between)\s+(?:the\s+)?|\(\s*)$")


# lower-case words inside place names: "Isle of Man", "Santiago de Compostela", "Frankfurt am Main"
_PLACE_JOINS = {"of", "the", "-", "de", "del", "della", "di", "do", "da", "dos", "das", "nad", "pod", "am", "an",
                "der", "im", "sur", "sous", "upon", "en", "la", "le", "les"}


def find_places(sent: Any, offset: int, lookup_place: Any) -> list[Cand]:
    """Places from GeoNames: capitalised words (up to three) that name a city or a country."""
    out = []
    toks = list(sent)
    n = len(toks)
    ents = {t.i for e in sent.ents if e.label_ in ("GPE", "LOC") for t in e}
    last_place_end = -10
    caps = [_is_cap(t) for t in toks]
    # words a place name may hold besides capitalised ones ("Isle of Man", "The Hague")
    joins = [cap or t.text.lower() in _PLACE_JOINS for cap, t in zip(caps, toks, strict=True)]
    doc_text = sent.doc.text
    for i in range(n):
        if not caps[i]:
            continue
        for k in (3, 2, 1):
            j = i + k
            if j > n or not all(joins[i:j]) or not caps[j - 1]:
                continue
            name = doc_text[toks[i].idx : toks[j - 1].idx + len(toks[j - 1].text)]
            if name.lower() in MONTH_WORDS or name.isupper():
                continue
            info = lookup_place(name)
            if info is None:
                continue
            span = sent[i:j]
            primary = fold(info.name) == fold(name) or info.kind == "Country"
            before = sent.text[: span.start_char - sent.start_char]
            after = sent.text[span.end_char - sent.start_char :]
            if re.match(
                r"(?:['’]s)?\s+(?:district|neighbourhood|neighborhood|quarter|area|street|square|"
                r"avenue|road|park|station|airport|bridge|hall)\b",
                after,
                re.I,
            ):
                continue
            if not primary and span[0].i not in ents:
                continue
            if k == 1 and span[0].pos_ in _NOT_NAME_POS and not _PLACE_PREP.search(before):
                continue
            if (
                not getattr(info, "in_europe", True)
                and info.kind != "Country"
                and span[0].i not in ents
                and info.population < 100000
            ):
                continue
            between = [t.text for t in toks[last_place_end:i]] if last_place_end >= 0 else ["x"]
            listed = bool(between) and all(w in {",", "and", "or", "the"} for w in between) and i - last_place_end <= 3
            strong = (
                info.kind == "Country"
                or span[0].i in ents
                or bool(_PLACE_PREP.search(before))
                or info.population >= 100000
                or listed
            )
            if not strong:
                continue
            out.append(
                Cand(
                    offset + span.start_char - sent.start_char,
                    offset + span.end_char - sent.start_char,
                    name,
                    "Place",
                    "place",
                    kind=info.kind,
                    conf=0.85 if strong else 0.6,
                    attrs={"place": info},
                )
            )
            last_place_end = j
            break
    return out


def find_demonym_places(
    text: str, offset: int, country_by_demonym: Any, lookup_place: Any, doc_cities: Iterable[Any]
) -> list[Cand]:
    """ "the Greek city", "the Spanish capital": a city of that country already named in the document."""
    out = []
    cities = list(doc_cities)
    for m in re.finditer(
        r"\b(?:the|its|The)\s+(?P<adj>[A-Z][a-z]+)\s+(?P<noun>city|capital|municipality|town)\b", text
    ):
        country = country_by_demonym(m.group("adj"))
        if country is None:
            continue
        match = [c for c in cities if c.country_code == country.country_code]
        if len({c.geonames_id for c in match}) != 1:
            continue
        info = match[0]
        rule_kind = "local_authority" if m.group("noun") == "municipality" else "place"
        typ = "Organisation" if rule_kind == "local_authority" else "Place"
        out.append(
            Cand(
                offset + m.start("adj"),
                offset + m.end(),
                text[m.start("adj") : m.end()],
                typ,
                f"{rule_kind}:demonym",
                kind="LocalAuthority" if typ == "Organisation" else "City",
                conf=0.6,
                attrs={"place": info, "city": info, "city_name": info.name, "anaphor": True},
            )
        )
    return out


# --- events -----------------------------------------------------------------------

_QUOTED = r"[“\"„«‘']\s*(?P<title>[^“”\"„«»]{3,120}?)\s*[”\"“»’']"
_EVENT_QUOTED = [
    re.compile(rf"\b(?P<cat>{_EVENT_WORD_RE})s?\s*,?\s*(?:called\s+|entitled\s+|titled\s+|named\s+)?{_QUOTED}", re.I),
]
_EVENT_TITLE = re.compile(
    rf"\b(?:the|a|an)\s+(?P<cat>{_EVENT_WORD_RE})\s+(?P<title>[A-Z][\w'’+-]*(?:\s+(?:[A-Z][\w'’+-]*|of|for|and|in|on|the|to|&))*"
    rf"(?::\s+[^.;!?]+)?)"
)
_EVENT_APPOS = re.compile(rf"\bone of the (?:\w+\s+)?(?P<cat>{_EVENT_WORD_RE})s?,\s+(?P<title>[A-Z][^.;,!?]{{2,80}})")
_EVENT_CAPS_HEAD = re.compile(rf"(?P<title>(?:[A-Z][\w'’+-]*\s+){{1,6}}(?P<cat>(?i:{_EVENT_WORD_RE})))\b")
_CALLED = re.compile(
    r"\b(?:is|was|are|were)\s+(?:called|named|entitled|titled)\s+(?P<title>[A-Z][\w'’+-]*(?:\s+[A-Z][\w'’+-]*){0,5})"
)


# "the final conference of the X project, "Title", brought together …"
_EVENT_APPOS_QUOTED = re.compile(
    rf"\b(?:the|a|an|its|their)\s+(?:[\w-]+\s+){{0,3}}?(?P<cat>{_EVENT_WORD_RE})\s+of\s+(?:the\s+)?[^\"“”„.]{{3,100}}?,\s*"
    + _QUOTED,
    re.I,
)


def find_named_events(text: str, offset: int) -> list[Cand]:
    """Named events: quoted titles after an event word, "the conference Title: subtitle",
    "one of the workshops, Title", capitalised names ending in an event word ("Civita Talks")."""
    out = []
    for m in _EVENT_QUOTED[0].finditer(text):
        title = clean_name(m.group("title"))
        cat = EVENT_WORDS.get(m.group("cat").lower(), "event")
        if title and not _looks_like_tool(text, m.start()):
            s = m.start("title")
            out.append(
                Cand(
                    offset + s,
                    offset + s + len(m.group("title")),
                    title,
                    "Event",
                    "event_title",
                    conf=0.85,
                    attrs={"category": cat},
                )
            )
    for m in _EVENT_APPOS_QUOTED.finditer(text):
        title = clean_name(m.group("title"))
        s = m.start("title")
        out.append(
            Cand(
                offset + s,
                offset + s + len(m.group("title")),
                title,
                "Event",
                "event_title:appos",
                conf=0.8,
                attrs={"category": EVENT_WORDS.get(m.group("cat").lower(), "event"), "appos_start": offset + m.start()},
            )
        )
    for m in _EVENT_TITLE.finditer(text):
        title = m.group("title").rstrip(" .,;:")
        if len(title) < 3 or fold(title.split()[0]) in MONTH_WORDS or title.split()[0] in ("On", "In"):
            continue
        cat = EVENT_WORDS.get(m.group("cat").lower(), "event")
        s = m.start("title")
        out.append(
            Cand(
                offset + s,
                offset + s + len(title),
                title,
                "Event",
                "event_title:bare",
                conf=0.75,
                attrs={"category": cat},
            )
        )
    for m in _EVENT_APPOS.finditer(text):
        title = m.group("title").strip().rstrip(" .,;:")
        s = m.start("title")
        out.append(
            Cand(
                offset + s,
                offset + s + len(title),
                title,
                "Event",
                "event_title:appos",
                conf=0.75,
                attrs={"category": EVENT_WORDS.get(m.group("cat").lower(), "event")},
            )
        )
    for m in _EVENT_CAPS_HEAD.finditer(text):
        title = m.group("title")
        words = title.split()
        head = m.group("cat")
        if head[0].isupper() and len(words) < 2:
            continue
        first = words[0]
        if (
            first.lower()
            in {
                "the",
                "a",
                "an",
                "this",
                "that",
                "its",
                "their",
                "our",
                "one",
                "each",
                "every",
                "first",
                "second",
                "third",
                "next",
                "last",
                "final",
            }
            or not first[0].isupper()
        ):
            continue
        if fold(first) in MONTH_WORDS or has_org_word(" ".join(words[:-1])):
            continue
        if re.search(rf"\b{_ORDINAL}\s+$", text[max(0, m.start() - 15) : m.start()], re.I):
            continue
        if text[: m.start()].rstrip().endswith(("the", "The")) or m.start() == 0 or True:
            s = m.start("title")
            out.append(
                Cand(
                    offset + s,
                    offset + s + len(title),
                    title,
                    "Event",
                    "event_named",
                    conf=0.7,
                    attrs={"category": EVENT_WORDS.get(head.lower(), "event")},
                )
            )
    return out


def find_event_renames(text: str, offset: int) -> list[Cand]:
    """ "The event is called X": a name for the event the same line speaks of."""
    out = []
    for m in _CALLED.finditer(text):
        if not re.search(rf"\b(?:{_EVENT_WORD_RE})\b", text[: m.start()], re.I):
            continue
        title = m.group("title")
        s = m.start("title")
        out.append(
            Cand(
                offset + s,
                offset + s + len(title),
                title,
                "Event",
                "event_title:called",
                conf=0.8,
                attrs={"category": "event", "rename": True},
            )
        )
    return out


def _looks_like_tool(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start].lower()
    return bool(re.search(r"(?:tool|game|kit|guide|toolkit|book|podcast|video|film|poster|map)\s*$", before))


_ORDINAL = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"last|final|next|1st|2nd|3rd|\dth|\d\dth)"
)
_UNNAMED = re.compile(
    rf"\b(?P<det>[Aa]n?|[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur|[Hh]is|[Hh]er)\s+(?P<np>(?:(?:{_ORDINAL}|[\w-]+)\s+){{0,4}}?"
    rf"(?P<cat>study visit|round table|steering committee|{_EVENT_WORD_RE}))\b"
    rf"(?P<pp>\s+(?:on|about|with)\s+(?:[\w-]+\s+){{0,4}}?[\w-]+(?=[,.;]|\s+(?:in|at|led|hosted|organi[sz]ed|on|with|for|and)\b))?"
)
_FUNCTION_WORDS = {
    "to",
    "of",
    "by",
    "the",
    "a",
    "an",
    "and",
    "in",
    "for",
    "with",
    "during",
    "on",
    "at",
    "from",
    "as",
    "or",
    "that",
    "which",
    "this",
    "its",
    "their",
    "his",
    "her",
    "our",
}
_EVENTFUL = re.compile(
    r"\b(?:organi[sz]e[sd]?|organi[sz]ing|held|holds?|hosted|hosts?|gather(?:ed|s)?|met|meets?|meeting|"
    r"took place|takes place|will take place|participat(?:e|es|ed|ing)\b|attend\w*|join(?:s|ed|ing)?\b|took part|take part|"  # noqa: E501
    r"led|launched|opened|moderated|facilitated|for the|in the framework of)\b",
    re.I,
)


_DETERMINER = re.compile(r"\b(?:[Aa]n?|[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur|[Hh]is|[Hh]er)\s")


def _unnamed_matches(text: str) -> Iterator[re.Match[str]]:
    """Every event noun phrase starting at a determiner, overlapping ones included ("The network held
    its kick-off meeting": the phrase at "its" too, not only the one at "The")."""
    for d in _DETERMINER.finditer(text):
        m = _UNNAMED.match(text, d.start())
        if m:
            yield m


def find_unnamed_events(text: str, offset: int, has_date: bool) -> list[Cand]:
    """Unnamed events in an eventful context: "a two-day partner meeting", "the fifth online
    peer visit", "guided tours" on a dated line."""
    out = []
    for m in _unnamed_matches(text):
        np_text = m.group("np")
        cat_word = m.group("cat").lower()
        cat = EVENT_WORDS.get(cat_word, "meeting" if "committee" in cat_word else "event")
        if cat not in UNNAMED_OK:
            continue
        words = np_text.split()
        det = m.group("det").lower()
        if any(w.lower() in _FUNCTION_WORDS for w in words):
            continue
        modifiers = words[:-1] if len(cat_word.split()) == 1 else words[: -len(cat_word.split())]
        # a bare definite "the meeting" is an anaphor, not a new event
        placed = re.match(r"\s+(?:in|to|at)\s+[A-ZÀ-Ž]", text[m.end() :])  # "a study visit to X", dated
        if not modifiers and not (has_date and (m.group("pp") or placed)):
            continue
        # "the 1st session of a new edition of the X Talks": part of a named event, not a new one
        follow = text[m.end("np") : m.end("np") + 60]
        if re.match(r"\s+of\s+(?:a|an|the)\b", follow) and re.search(
            rf"\b[A-Z][\w'’+-]*\s+(?i:{_EVENT_WORD_RE})\b", follow
        ):
            continue
        if any(
            w.lower() in {"same", "other", "previous", "whole", "each", "every", "latest"} for w in modifiers
        ):
            continue
        if cat_word.endswith("s") and cat_word not in {"tours", "talks"} and not has_date:
            continue
        window = text[max(0, m.start() - 80) : m.end() + 60]
        if not (has_date or _EVENTFUL.search(window)):
            continue
        s = m.start("np")
        end = m.end("pp") if m.group("pp") else m.end("np")
        label = text[s:end]
        out.append(
            Cand(
                offset + s,
                offset + end,
                label,
                "Event",
                "event_unnamed",
                conf=0.65,
                attrs={"category": cat, "unnamed": True, "det": det},
            )
        )
    # plural tours / visits without a determiner on a dated line: "organizes city tours in X"
    if has_date:
        for m in re.finditer(
            r"\b(?:organi[sz]es|holds|runs|hosts|offers)\s+(?P<np>(?:[a-z-]+\s+)?(?:tours|visits|workshops|trainings))\b",
            text,
        ):
            s = m.start("np")
            out.append(
                Cand(
                    offset + s,
                    offset + m.end("np"),
                    m.group("np"),
                    "Event",
                    "event_unnamed",
                    conf=0.6,
                    attrs={"category": EVENT_WORDS.get(m.group("np").split()[-1], "event"), "unnamed": True, "det": ""},
                )
            )
    return out


def event_anaphors(text: str) -> list[tuple[int, int, str]]:
    """Definite references to an event already named: "the conference", "The meeting"."""
    out = []
    for m in re.finditer(
        rf"\b(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?P<cat>{_EVENT_WORD_RE})\b(?!\s+(?:[A-Z“\"]|of\s+the\s+[A-Z]))", text
    ):
        cat = EVENT_WORDS.get(m.group("cat").lower(), "event")
        out.append((m.start(), m.end(), cat))
    return out
