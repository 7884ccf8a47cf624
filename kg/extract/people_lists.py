"""People in the lists pages make of them: speaker lines ("Name, Role, Organisation") and
enumerations of names in a sentence ("a discussion with A B, C D and E F").

A line or item whose head is a person's name (two to four capitalised words, not a place, no
organisation word) is a person; the last part of the line that reads as an organisation is
where the person works (memberOf); on a page about one event every listed person takes part in it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.extract import layout
from kg.extract.genres import split_list
from kg.extract.names import clean_name, fold, has_org_word, looks_like_acronym, org_kind

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor, Sentence

_NAME = r"(?:[A-ZÀ-Ž][a-zà-ž'’]+(?:-[A-ZÀ-Ž][a-zà-ž'’]+)?)"
_PARTICLE = r"(?:da|de|di|del|della|van|von|der|le|la|dos|do)"
_TITLE = r"(?:(?:Prof|Dr|Mr|Mrs|Ms|Mufti)\.?\s+)?"
_PERSON = re.compile(rf"^{_TITLE}(?P<name>{_NAME}(?:\s+(?:{_PARTICLE}\s+)?{_NAME}){{1,3}})$")
ROLE_WORDS_TEXT = (
    r"(?:[Mm]ayor|[Dd]eputy [Mm]ayor|[Cc]ouncill?or|[Dd]irector|[Hh]ead|[Pp]resident|[Cc]hair\w*|[Cc]oordinator|"
    r"[Mm]anager|[Oo]fficer|[Pp]rofessor|[Rr]esearcher|[Ss]ecretary|CEO|[Ff]ounder|[Mm]ember|[Rr]epresentative|"
    r"[Ee]xpert|[Aa]dvis[eo]r|[Ss]pecialist|[Ll]ead\w*|[Mm]inister|[Cc]ommissioner|[Aa]mbassador|[Ss]peaker)"
)
ROLE_WORDS_RE = re.compile(rf"\b{ROLE_WORDS_TEXT}\b")
_SPEAKER_CUE = re.compile(r"(?i)\b(?:speakers?|panel(?:lists)?|moderat\w+|facilitat\w+|discussion with|guests?)\b")


def person_name(text: str) -> str | None:
    """The person's name when `text` is one (titles dropped), else None."""
    m = _PERSON.match(text.strip())
    if not m:
        return None
    name = m.group("name")
    if has_org_word(name) or any(looks_like_acronym(w) for w in name.split()):
        return None
    return name


_ROLE_HEAD = re.compile(
    r"^(?:(?:[A-Z][a-z]+|of|the|and)\s+){0,4}?(?:[Mm]ember|[Mm]anager|[Dd]irector|[Pp]resident|[Cc]oordinator|"
    r"[Pp]rofessor|[Hh]ead|[Oo]fficer|[Cc]hair(?:man|woman|person)?|[Ff]ounder|CEO|[Ss]ecretary|[Rr]esearcher|"
    r"[Ll]ecturer|[Ee]xpert|[Aa]dvisor|[Cc]onsultant|[Ss]pecialist)\s+(?:(?:of|at|for|in)\s+)?(?:the\s+)?"
)


def org_of_role(text: str) -> str:
    """The organisation in a role phrase: "Board Member ASGI Association" -> "ASGI Association",
    "Professor of Sociology at the University of X" -> "University of X"."""
    at = re.search(r"\s(?:at|of)\s+(?:the\s+)?(?=[A-Z])(?P<org>[^,]+)$", text)
    if at and _ROLE_HEAD.match(text) and has_org_word(at.group("org")):
        return at.group("org").strip()
    m = _ROLE_HEAD.match(text)
    return text[m.end():].strip() if m and m.end() < len(text) else text


class PeopleListStage:
    """Adds listed people, their organisations and their part in the page's event."""

    def __init__(self, ex: DocumentExtractor) -> None:
        self.ex = ex

    def apply(self) -> None:
        """Run the stage."""
        ex = self.ex
        event = self._page_event()
        self._affiliations()
        for line in layout.lines(ex.text):
            if not line.bullet and not _SPEAKER_CUE.search(ex.text[max(0, line.start - 200) : line.start]):
                continue
            self._speaker_line(line, event)
        for s in ex.sentences:
            m = _SPEAKER_CUE.search(s.span.text)
            if not m:
                continue
            for off, item in split_list(s.span.text[m.end() :]):
                start = s.span.start + m.end() + off
                lead = re.match(r"^(?:[a-z]\w*\s+)+", item)
                if lead:
                    start += lead.end()
                    item = item[lead.end() :]
                bracket = re.match(r"^(?P<name>[^()]+?)\s*\((?P<org>[^()]{2,80})\)\s*$", item)
                name = person_name(clean_name(bracket.group("name") if bracket else item))
                if not name:
                    continue
                org = None
                if bracket:  # "Name (Organisation)" or "Name (Role, Organisation)"
                    org_text = org_of_role(bracket.group("org").split(",")[-1].strip())
                    if org_text[:1].isupper() and ex.place(org_text) is None:
                        org = self._org(org_text, start + item.index(org_text) if org_text in item else start)
                self._person(name, start + item.index(name), event, org)

    def _affiliations(self) -> None:
        """ "Name, Role of/at Org", "Name (Org)", "Name, Org's Role", "Role of Org Name": the person
        works for the organisation written next to the name, in the same sentence."""
        ex = self.ex
        for s in ex.sentences:
            marks = [
                m for m in ex.mentions_between(s.span.start, s.span.end)
                if ex.entities[m[2]].type in ("Person", "Organisation")
            ]
            self._city_roles(s)
            for i, (a, b, k) in enumerate(marks):
                if ex.entities[k].type != "Person":
                    continue
                nxt = marks[i + 1] if i + 1 < len(marks) else None
                if nxt is not None and ex.entities[nxt[2]].type == "Organisation":
                    between = ex.text[b : nxt[0]]
                    if len(between) <= 90 and re.fullmatch(
                        rf"\s*(?:\((?:\s*(?:[\w'’-]+\s+){{0,4}}?{ROLE_WORDS_TEXT}[\w\s'’-]{{0,30}}?,\s*)?|"
                        rf",\s*(?:the\s+|a\s+)?(?:[\w'’-]+\s+){{0,6}}?(?:{ROLE_WORDS_TEXT})?"
                        r"[\w\s'’-]{0,40}?(?:\s(?:of|at|from|for|in)\s+(?:the\s+)?|,\s*)|\s+(?:from|of)\s+(?:the\s+)?)",
                        between,
                    ) and not re.search(r"[;.]|\band\b", between):
                        ex.add_relation(k, "memberOf", nxt[2], s, "people:affiliation", 0.6)
                        continue
                prev = marks[i - 1] if i > 0 else None
                if prev is not None and ex.entities[prev[2]].type == "Organisation":
                    between = ex.text[prev[1] : a]
                    if len(between) <= 40 and re.fullmatch(
                        rf"['’]s\s+(?:[\w-]+\s+){{0,3}}(?:{ROLE_WORDS_TEXT})\s*,?\s*|\s+(?:{ROLE_WORDS_TEXT})\s*,?\s*",
                        between,
                    ):
                        ex.add_relation(k, "memberOf", prev[2], s, "people:affiliation", 0.6)

    def _city_roles(self, s: Sentence) -> None:
        """ "Name, integration coordinator of X", "the Mayor of X, Name": a city's office holder
        works for its local authority."""
        from kg.extract.partners import PartnerStage

        ex = self.ex
        marks = [m for m in ex.mentions_between(s.span.start, s.span.end)
                 if ex.entities[m[2]].type == "Person" or (ex.entities[m[2]].type == "Place"
                                                         and ex.entities[m[2]].kind == "City")]
        role = ROLE_WORDS_TEXT
        for i, (a, b, k) in enumerate(marks):
            if ex.entities[k].type != "Person":
                continue
            city = None
            nxt = marks[i + 1] if i + 1 < len(marks) else None
            if nxt is not None and ex.entities[nxt[2]].type == "Place":
                between = ex.text[b : nxt[0]]
                if len(between) <= 70 and re.fullmatch(
                    rf",?\s*(?:the\s+)?(?:[\w'’-]+\s+){{0,4}}?{role}(?:\s+[\w'’-]+){{0,3}}?\s+(?:of|in|at|for|from)\s+"
                    r"(?:the\s+)?(?:(?:[Cc]ity|[Mm]unicipality|[Tt]own)\s+(?:[Cc]ouncil\s+)?(?:of\s+)?)?",
                    between,
                ):
                    city = nxt
            prev = marks[i - 1] if i > 0 else None
            if city is None and prev is not None and ex.entities[prev[2]].type == "Place":
                before = ex.text[max(s.span.start, prev[0] - 60) : prev[0]]
                if re.search(rf"{role}\s+(?:of|in)\s+(?:the\s+)?(?:[Cc]ity\s+of\s+)?$", before) and re.fullmatch(
                        r"\s*,?\s*", ex.text[prev[1] : a]):
                    city = prev
            info = ex.entities[city[2]].attrs.get("place") if city is not None else None
            if info is not None:
                la = PartnerStage(ex).local_authority(info, city[0], ex.text[city[0] : city[1]])
                ex.add_relation(k, "memberOf", la, s, "people:city-office", 0.6)

    def _page_event(self) -> str | None:
        ex = self.ex
        events = [e for e in ex.entities.values() if e.type == "Event" and e.mentions]
        if not events:
            return None
        return min(events, key=lambda e: min(m.start for m in e.mentions)).key

    def _speaker_line(self, line: layout.Line, event: str | None) -> None:
        # "Name, Role, Org", "Name – Role, Org", "Name | Org" (a bracketed remark after the org is no org)
        body = re.sub(r"\s*\([^()]*\)\s*$", "", line.text)
        parts = [p.strip() for p in re.split(r",\s*|\s+[–—-]\s+|\s*\|\s*", body) if p.strip()]
        if any(self.ex.place(p) is not None or re.fullmatch(r"[A-Z]{2,3}", p) for p in parts[1:]):
            return  # "Name, City (Country)": a partner line, not a speaker
        if len(parts) < 2:
            return
        heads = re.split(r"\s+(?:&|and)\s+", parts[0])
        names = [person_name(h) for h in heads]
        if not all(names):
            return
        org_text = next(
            (p for p in reversed(parts[1:]) if has_org_word(p) or org_kind(p) or looks_like_acronym(p.split()[0])
             or (p[:1].isupper() and not ROLE_WORDS_RE.search(p) and len(p.split()) <= 6 and p is parts[-1]
                 and len(parts) >= 3)),
            None,
        )
        org = None
        if org_text is not None:
            org_text = org_of_role(re.sub(r"\s*\(.*$", "", org_text).strip())
            org = self._org(org_text, line.start + line.text.find(org_text))
        pos = line.start
        for name in names:
            assert name is not None
            start = line.text.find(name, pos - line.start) + line.start
            self._person(name, start, event, org)
            pos = start + len(name)

    def _org(self, name: str, start: int) -> str | None:
        ex = self.ex
        key_name = fold(name)
        known = ex.entity_named(name, ("Organisation",))
        if known is not None:
            return known.key
        covering = [k for _a, _b, k in ex.mentions_covering(start)]
        for k in covering:
            ent = ex.entities[k]
            if ent.type == "Person" and fold(ent.name) == key_name:
                ent.type, ent.kind = "Organisation", org_kind(name)  # the organisation slot of a speaker line
            if ent.type != "Organisation":
                continue
            if fold(ent.name) != key_name and fold(ent.name).endswith(key_name):
                ent.names.discard(ent.name)  # a role read into the name ("Board Member X"): the name is X
                ent.name = name
                ent.names.add(name)
            return k
        if not name[:1].isupper() or len(name.split()) > 10:
            return None
        sent = ex.sentence_at(start)
        key = f"Organisation:{key_name}"
        ex.new_entity(key, "Organisation", name, kind=org_kind(name), rule="people:speaker-org", conf=0.7,
                      sentence=sent, start=start, end=start + len(name))
        return key

    def _person(self, name: str, start: int, event: str | None, org: str | None) -> None:
        ex = self.ex
        sent = ex.sentence_at(start)
        if sent is None or ex.place(name) is not None:
            return
        known = ex.entity_named(name, ("Person",))
        key = known.key if known else f"Person:{fold(name)}"
        ex.new_entity(key, "Person", name, rule="people:list", conf=0.75, sentence=sent, start=start,
                      end=start + len(name))
        if org is not None:
            ex.add_relation(key, "memberOf", org, sent, "people:speaker-org", 0.7)
        if event is not None:
            ex.add_relation(key, "participatedIn", event, sent, "people:listed-at-event", 0.6)
