"""Extraction of one document: sentences, mentions, local entities and relations."""

from __future__ import annotations

import bisect
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kg.extract import genres, mentions
from kg.extract.clean import mask_noise
from kg.extract.dates import DateMention, duration_days, find_dates, iso_month
from kg.extract.event_links import EventStage
from kg.extract.mentions import Cand
from kg.extract.names import clean_name, fold, initials_match, looks_like_acronym, word_spans
from kg.extract.nlp import Line, parse_texts
from kg.extract.partners import PartnerStage
from kg.extract.people_lists import ROLE_WORDS_RE, PeopleListStage, person_name
from kg.extract.project_facts import ProjectFacts
from kg.extract.relations import RelationRules
from kg.model import Document, Entity, Extraction, Mention, Relation, Span

# "X project", "X is funded by", "X brings together", "the X project": the name is a project's.
STRONG_PROJECT_RULES = {"project:0", "project:4", "project:5", "project:6", "factsheet:acronym"}


@dataclass
class Sentence:
    """A sentence of the document with its spaCy span."""

    span: Span
    sent: Any
    line_start: int
    line_end: int
    dates: list[DateMention] = field(default_factory=list)


@dataclass
class Lookups:
    """Reference look-ups the extractor needs (GeoNames, demonyms); replaceable in tests."""

    place: Callable[[str], Any]
    demonym: Callable[[str], Any]
    country_by_code: Callable[[str], Any]


def default_lookups() -> Lookups:
    """Look-ups backed by the shipped reference data."""
    from kg.reference.places import country_by_code, country_by_demonym, lookup_place

    return Lookups(place=lookup_place, demonym=country_by_demonym, country_by_code=country_by_code)


def warm_up() -> None:
    """Load what extraction loads on first use (the gazetteer, the reference names' regex, the
    theme scheme), so that the first document of a run does not pay for it."""
    from kg.reference.places import lookup_place
    from kg.themes import load_scheme

    lookup_place("Paris")
    mentions.find_reference("", 0)
    load_scheme()


def extract_document(document: Document, nlp: Any, lookups: Lookups | None = None) -> Extraction:
    """Extract entities and relations from one document."""
    return DocumentExtractor(document, nlp, lookups or default_lookups()).run()


def extract_documents(
    documents: Sequence[Document], nlp: Any, lookups: Lookups | None = None
) -> Iterator[Extraction | Exception]:
    """Extract several documents with one spaCy pass over all their lines, in order; a document
    whose extraction fails gives its exception instead of stopping the others."""
    lookups = lookups or default_lookups()
    extractors: list[DocumentExtractor | Exception] = []
    for document in documents:
        try:
            extractors.append(DocumentExtractor(document, nlp, lookups))
        except Exception as exc:  # noqa: BLE001 - the caller reports it as this document's failure
            extractors.append(exc)
    ready = [x for x in extractors if isinstance(x, DocumentExtractor)]
    parsed = iter(parse_texts(nlp, [x.text for x in ready]))
    for extractor in extractors:
        if isinstance(extractor, Exception):
            yield extractor
            continue
        lines = next(parsed)
        try:
            yield extractor.run(lines)
        except Exception as exc:  # noqa: BLE001 - the caller reports it as this document's failure
            yield exc


class MentionIndex(dict):
    """(start, end) -> entity key, with a version that changes on every write, so that the
    position index built from it is rebuilt only when it has changed."""

    version = 0

    def __setitem__(self, key: tuple[int, int], value: str) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: tuple[int, int]) -> None:
        self.version += 1
        super().__delitem__(key)

    def setdefault(self, key: tuple[int, int], default: str) -> str:  # type: ignore[override]
        """dict.setdefault that counts as a write."""
        if key not in self:
            self[key] = default
        return self[key]


_LONGEST_MENTION = 400  # characters a mention may span when looking for those covering a position
# the entity types a name is looked up among (places have their own look-up)
NAMED_TYPES = ("Organisation", "Project", "FundingProgramme", "Person", "Event")


class DocumentExtractor:
    """State of the extraction of one document."""

    def __init__(self, document: Document, nlp: Any, lookups: Lookups) -> None:
        self.doc = document
        self.text = mask_noise(document.text)
        self.nlp = nlp
        self.lk = lookups
        self.sentences: list[Sentence] = []
        self.cands: list[Cand] = []
        self.selected: list[Cand] = []
        self.entities: dict[str, Entity] = {}
        self.mention_key: MentionIndex = MentionIndex()
        self._index: tuple[int, list[int], list[tuple[int, int, str]]] = (-1, [], [])
        self.relations: list[Relation] = []
        self.year: int | None = None
        self.is_factsheet = genres.is_factsheet(self.text)
        self.timeline = genres.timeline_entries(self.text)
        self._place_cache: dict[str, Any] = {}
        self._starts: list[int] = []

    # -- helpers -------------------------------------------------------------
    def place(self, name: str) -> Any:
        """Cached GeoNames look-up of a name."""
        if name not in self._place_cache:
            self._place_cache[name] = self.lk.place(name)
        return self._place_cache[name]

    def sentence_at(self, pos: int) -> Sentence | None:
        """The sentence holding a character offset (sentences are in text order)."""
        if len(self._starts) != len(self.sentences):
            self._starts = [s.span.start for s in self.sentences]
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and pos < self.sentences[i].span.end:
            return self.sentences[i]
        return None

    def _sorted_mentions(self) -> tuple[list[int], list[tuple[int, int, str]]]:
        if self._index[0] != self.mention_key.version:
            rows = sorted((a, b, k) for (a, b), k in self.mention_key.items())
            self._index = (self.mention_key.version, [r[0] for r in rows], rows)
        return self._index[1], self._index[2]

    def entity_named(self, name: str, types: tuple[str, ...] = NAMED_TYPES) -> Entity | None:
        """The first entity of one of `types` that carries `name` (folded) among its names."""
        key = fold(name)
        for e in self.entities.values():
            if e.type in types and key in {fold(n) for n in e.all_names()}:
                return e
        return None

    def place_entity(self, info: Any, rule: str) -> Entity:
        """The document's entity for a GeoNames place (made on first use)."""
        return self.new_entity(f"place:{info.geonames_id}", "Place", info.name, kind=info.kind, rule=rule, place=info)

    def mentions_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Mentions (start, end, entity key) of live entities beginning in [start, end), in text order."""
        starts, rows = self._sorted_mentions()
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        return [r for r in rows[lo:hi] if r[2] in self.entities]

    def mentions_covering(self, pos: int) -> list[tuple[int, int, str]]:
        """Mentions of live entities whose span holds the character offset `pos`."""
        return [r for r in self.mentions_between(pos - _LONGEST_MENTION, pos + 1) if r[0] <= pos < r[1]]

    def add_relation(
        self,
        subj: str,
        pred: str,
        obj: Any,
        sentence: Sentence | Span | None,
        rule: str,
        conf: float = 0.8,
        literal: bool = False,
        datatype: str | None = None,
    ) -> None:
        """Record a relation (duplicates are collapsed later)."""
        if not literal and subj == obj:
            return
        span = sentence.span if isinstance(sentence, Sentence) else sentence
        self.relations.append(Relation(subj, pred, obj, span, rule, conf, literal, datatype))

    # -- pipeline ------------------------------------------------------------
    def run(self, lines: list[Line] | None = None) -> Extraction:
        """Run every step and return the extraction (`lines`: the text's lines already parsed)."""
        self._sentences(parse_texts(self.nlp, [self.text])[0] if lines is None else lines)
        self._candidates()
        self._select()
        self._entities()
        RelationRules(self).apply()
        stage = PartnerStage(self)
        stage.apply()
        ProjectFacts(self, stage.project).apply()
        EventStage(self, stage.project).apply()
        PeopleListStage(self).apply()
        return self._result()

    def _sentences(self, lines: list[Line]) -> None:
        for line in lines:
            for sent in _merge_open_quotes(list(line.doc.sents)):
                start = line.offset + sent.start_char
                end = line.offset + sent.end_char
                raw = self.text[start:end]
                stripped = raw.rstrip()
                end = start + len(stripped)
                if stripped:
                    self.sentences.append(
                        Sentence(Span(start, end, stripped), sent, line.offset, line.offset + len(line.text))
                    )
        years = Counter(d.first.year for s in self.sentences for d in find_dates(s.span.text))
        if self.doc.date:
            self.year = self.doc.date.year
        elif years:
            self.year = years.most_common(1)[0][0]
        for s in self.sentences:
            s.dates = find_dates(s.span.text, self.year)

    def _candidates(self) -> None:
        cands = self.cands
        for s in self.sentences:
            text, off = s.span.text, s.span.start
            cands += mentions.find_reference(text, off)
            cands += mentions.find_local_authorities(text, off, self.place)
            cands += mentions.find_context_orgs(text, off, self.place)
            cands += mentions.find_keyword_orgs(s.sent, off, self.place)
            cands += mentions.find_acronym_orgs(text, off)
            cands += mentions.find_projects(text, off)
            cands += mentions.find_named_events(text, off)
            cands += mentions.find_event_renames(text, off)
            cands += mentions.find_unnamed_events(text, off, bool(s.dates))
            cands += mentions.find_people(s.sent, off, self.place)
            cands += mentions.find_role_people(text, off, self.place)
            cands += mentions.find_places(s.sent, off, self.place)
        cities = {
            c.attrs["place"].geonames_id: c.attrs["place"]
            for c in cands
            if c.type == "Place" and c.attrs["place"].kind == "City"
        }
        for s in self.sentences:
            cands += mentions.find_demonym_places(
                s.span.text, s.span.start, self.lk.demonym, self.place, cities.values()
            )
        cands += mentions.find_shaped_projects(self.text)
        cands += self._learned_candidates()
        _strip_leading_roles(cands)
        self._genre_candidates()
        self._timeline_actors()
        self._drop_common_nouns()
        self._propagate()
        self._acronyms()
        for c in cands:
            c.text = self.text[c.start : c.end]

    def _learned_candidates(self) -> list[Cand]:
        """Organisations and events the learned recogniser finds (kg/extract/learned.py), at the lowest
        priority: a rule's candidate wins any overlap. Opt-in (KG_LEARNED_NER=1, after
        `python -m kg.train_ner`): on the held-out real pages it cost more than it gave
        (docs/extraction.md), so it is off by default."""
        from kg.extract import learned

        if os.environ.get("KG_LEARNED_NER", "0") != "1" or not learned.is_available():
            return []
        lines = sorted({(s.line_start, self.text[s.line_start : s.line_end]) for s in self.sentences})
        out = []
        for start, end, label in learned.learned_line_candidates(lines, labels=("ORG", "EVENT")):
            name = self.text[start:end]
            if not name[:1].isupper() or len(name) < 3 or self.place(name) is not None:
                continue
            typ = "Organisation" if label == "ORG" else "Event"
            attrs = {} if typ == "Organisation" else {"category": "event"}
            out.append(Cand(start, end, name, typ, "learned", kind=_kind(name) if typ == "Organisation" else None,
                            conf=0.6, attrs=attrs))
        return out

    def _genre_candidates(self) -> None:
        if self.is_factsheet:
            for f in genres.factsheet_fields(self.text):
                if f.key == "acronym":
                    name = f.value.strip()
                    self.cands.append(
                        Cand(f.value_start, f.value_start + len(name), name, "Project", "factsheet:acronym", conf=0.95)
                    )
                elif f.key == "title":
                    name = f.value.strip()
                    acr = re.search(r"\s*\((?P<acr>[A-Za-z0-9+&@-]{2,15})\)\s*$", name)
                    if acr:
                        a_start = f.value_start + acr.start("acr")
                        self.cands.append(
                            Cand(
                                a_start,
                                a_start + len(acr.group("acr")),
                                acr.group("acr"),
                                "Project",
                                "factsheet:acronym",
                                conf=0.95,
                            )
                        )
                        name = name[: acr.start()].strip()
                    self.cands.append(
                        Cand(
                            f.value_start,
                            f.value_start + len(name),
                            name,
                            "Project",
                            "factsheet:title",
                            conf=0.9,
                            attrs={"full_title": True},
                        )
                    )
                elif f.key in ("coordinator", "partners"):
                    items = [(0, re.split(r"\s*[|\t]\s*", f.value)[0])] if f.row else genres.split_list(f.value)
                    for off, item in items:
                        name = re.sub(r"\s*\([^)]*\)\s*$", "", item).strip().rstrip(".")
                        name = re.split(r",\s+", name)[0]
                        if not name or self.place(name) is not None:
                            continue
                        start = f.value_start + off
                        self.cands.append(
                            Cand(
                                start,
                                start + len(name),
                                name,
                                "Organisation",
                                f"factsheet:{f.key}",
                                kind=_kind(name),
                                conf=0.9,
                            )
                        )
        for off, item in genres.bullet_items(self.text):
            label = re.match(r"(?:[A-Z][a-z]+(?:\s+[a-z]+){0,3})\s*:\s+", item)  # "Associated partner: X"
            if label:
                off += label.end()
                item = item[label.end() :]
            head = re.split(r",\s+|\s+[–—-]\s+|\s*\(|\s*[|\t]", item)[0].strip().rstrip(".;")
            if not head or self.place(head) is not None or len(head) < 3:
                continue
            if mentions.EVENT_LINE_WORD.search(head):
                continue  # "Final Conference in X": an event, read by the event stage
            pair = re.split(r"\s+(?:&|and)\s+", head)
            if person_name(pair[0]) and (ROLE_WORDS_RE.search(item[len(head) :]) or (
                    len(pair) == 2 and person_name(pair[1]))):
                continue  # "Name, Director, Org", "Name & Name, Org": a speaker line, read by the people stage
            if not (head[0].isupper() or head[0].isdigit()):
                continue
            if len(head.split()) > 8 or not re.search(r"[A-Z]", head):
                continue
            # a partner list item is an organisation name followed by a place: "X, City (Country)"
            rest = item[len(head) :]
            if not re.match(r"\s*(?:,|\(|[–—-])", rest) and not _kind(head) and not mentions.has_org_word(head):
                continue
            self.cands.append(
                Cand(off, off + len(head), head, "Organisation", "factsheet:bullet", kind=_kind(head), conf=0.85)
            )

    def _timeline_actors(self) -> None:
        verbs = r"(?:\s+(?:officially|also|again|then|will|continues|is|are|has|have))*\s+[a-z]+(?:s|ed)\b"
        for entry in self.timeline:
            rest = re.sub(
                r"^(?:Online|On-line|Virtual|Hybrid|Update|News)\s*:\s*", lambda x: " " * len(x.group(0)), entry.rest
            )
            m = re.match(rf"\s*(?:The\s+)?(?!The\s)(?P<actor>[A-ZÀ-Ž][^,.;:()]*?)(?:\s+[–—-]\s+|{verbs})", rest)
            if not m:
                continue
            actor = m.group("actor").strip()
            first = actor.split()[0].lower()
            if (
                first in mentions.EVENT_WORDS
                or first in mentions.MONTH_WORDS
                or mentions._TITLE_START.match(actor + " ")
            ):
                continue  # the line is about an event ("Training of trainers in X, organised by Y") or a titled person
            ext = re.match(r"\s+[–—-]\s+(?P<p>[A-ZÀ-Ž][\w'’-]+)\s+[a-z]+s\b", entry.rest[m.end("actor") :])
            if ext and self.place(ext.group("p")) is not None:
                actor = entry.rest[m.start("actor") : m.end("actor") + ext.end("p")]
            actor = re.sub(r"\s+and\s+.*$", "", actor)
            if not actor or len(actor) < 2 or self.place(actor) is not None:
                continue
            start = entry.rest_start + m.start("actor")
            typ = "Organisation"
            for c in self.cands:
                if c.start == start and c.type == "Person":
                    typ = "Person"
            self.cands.append(
                Cand(
                    start,
                    start + len(actor),
                    actor,
                    typ,
                    "org_context:timeline",
                    kind=_kind(actor),
                    conf=0.8,
                    attrs={"timeline_actor": True},
                )
            )

    def _drop_common_nouns(self) -> None:
        """A single capitalised word that the document also writes in lower case is a common noun
        ("Cities and Regions …" / "regions, cities and rural areas"), not a name."""
        lower_words = set(re.findall(r"(?<![\w-])[a-zà-ž][\w'’-]*", self.text))
        keep = []
        for c in self.cands:
            word = c.text.strip()
            if (
                c.type in ("Organisation", "Project", "Person")
                and " " not in word
                and word[:1].isupper()
                and not looks_like_acronym(word)
                and word.lower() in lower_words
                and "ref" not in c.attrs
                and not c.rule.startswith(("factsheet", "local_authority"))
            ):
                continue
            keep.append(c)
        self.cands = keep

    def _propagate(self) -> None:
        """Every other occurrence of a name found once is a mention too."""
        seen: dict[str, Cand] = {}

        def rank(c: Cand) -> tuple[int, int]:
            # "X project" says project; an organisation context says organisation; then priority
            return (c.rule in STRONG_PROJECT_RULES, c.prio)

        for c in self.cands:
            if (
                c.type in ("Project", "Organisation", "Person")
                and len(c.text) >= 3
                and not c.rule.startswith(("spacy_org", "local_authority"))
            ):
                key = c.text.strip()
                if key not in seen or rank(c) > rank(seen[key]):
                    seen[key] = c
        originals = sorted((x for x in self.cands if x.prio >= 60), key=lambda x: x.start)
        o_starts = [x.start for x in originals]
        have = {(x.start, x.end, x.type) for x in self.cands}
        for name, c in seen.items():
            ignore_case = c.type == "Organisation" and not any(ch.isupper() for ch in name)
            for m_start, m_end in word_spans(self.text, name, ignore_case=ignore_case):
                near = originals[bisect.bisect_left(o_starts, m_start - _LONGEST_MENTION) : bisect.bisect_right(
                    o_starts, m_start)]
                inside = any(
                    x.start <= m_start and m_end <= x.end and (x.end - x.start) > len(name) and x.type != c.type
                    for x in near
                )
                if inside:
                    continue
                if (m_start, m_end, c.type) not in have:
                    have.add((m_start, m_end, c.type))
                    self.cands.append(
                        Cand(
                            m_start,
                            m_end,
                            self.text[m_start:m_end],
                            c.type,
                            c.rule,
                            kind=c.kind,
                            conf=c.conf,
                            attrs=dict(c.attrs),
                        )
                    )

    def _acronyms(self) -> None:
        """ "Full Name (ACR)" and "ACR (Full Name)": the acronym names the same thing."""
        self.acronym_of: dict[str, str] = {}
        for c in list(self.cands):
            if c.type not in ("Organisation", "Project", "FundingProgramme", "Event"):
                continue
            after = self.text[c.end : c.end + 40]
            m = re.match(r"\s*\((?P<acr>[A-Za-z0-9+&-]{2,15})\)", after)
            if m and looks_like_acronym(m.group("acr")) and initials_match(m.group("acr"), c.text):
                acr = m.group("acr")
                self.acronym_of[acr] = c.text
                # every occurrence, the one in brackets included
                for mm in re.finditer(rf"(?<![\w-]){re.escape(acr)}(?![\w+-])", self.text):
                    self.cands.append(
                        Cand(
                            mm.start(),
                            mm.end(),
                            acr,
                            c.type,
                            c.rule,
                            kind=c.kind,
                            conf=c.conf,
                            attrs={**c.attrs, "acronym_of": c.text},
                        )
                    )
        for m in re.finditer(
            r"(?<![\w-])(?P<acr>[A-Z][A-Za-z0-9+&-]{1,14})\s+\((?P<full>[A-Z][^()]{5,120})\)", self.text
        ):
            acr, full = m.group("acr"), m.group("full")
            if looks_like_acronym(acr) and initials_match(acr, full):
                typ = next((c.type for c in self.cands if c.start == m.start("acr")), None)
                if typ is None:
                    continue
                kind = next((c.kind for c in self.cands if c.start == m.start("acr")), None)
                self.acronym_of[acr] = full
                s = m.start("full")
                self.cands.append(
                    Cand(s, s + len(full), full, typ, "acronym", kind=kind, conf=0.85, attrs={"acronym": acr})
                )

    def _select(self) -> None:
        """Keep the best non-overlapping candidates (priority, then length)."""
        strong_projects = {c.text for c in self.cands if c.rule in STRONG_PROJECT_RULES}
        self.cands = [
            c
            for c in self.cands
            if not (c.type == "Organisation" and c.text in strong_projects and "ref" not in c.attrs)
        ]
        org_names = {c.text for c in self.cands if c.type == "Organisation" and c.rule.startswith("org_context")}
        self.cands = [
            c
            for c in self.cands
            if not (c.type == "Project" and c.text in org_names and c.rule not in STRONG_PROJECT_RULES)
        ]
        project_names = {c.text for c in self.cands if c.type == "Project"}
        self.cands = [
            c for c in self.cands if not (c.type == "Organisation" and c.text in project_names and "ref" not in c.attrs)
        ]
        order = sorted(self.cands, key=lambda c: (-c.prio, -(c.end - c.start), c.start))
        taken: list[Cand] = []
        starts: list[int] = []  # taken spans never overlap, so in start order they are in end order too
        ends: list[int] = []
        for c in order:
            if c.end <= c.start:
                continue
            i = bisect.bisect_left(starts, c.end)  # spans starting before c ends
            if i and ends[i - 1] > c.start:
                continue  # the last of them reaches into c
            starts.insert(i, c.start)
            ends.insert(i, c.end)
            taken.append(c)
        self.selected = sorted(taken, key=lambda c: c.start)

    # -- entities ------------------------------------------------------------
    def _entity_key(self, c: Cand) -> tuple[str, str, str | None, str]:
        """(key, type, kind, preferred name) of a candidate's entity."""
        if c.type == "Place":
            info = c.attrs["place"]
            return f"place:{info.geonames_id}", "Place", info.kind, info.name
        if c.type == "Organisation" and c.kind == "LocalAuthority" and "city" in c.attrs:
            info = c.attrs["city"]
            return f"la:{info.geonames_id}", "Organisation", "LocalAuthority", clean_name(c.text)
        if c.type == "Organisation" and c.kind == "LocalAuthority" and "city" not in c.attrs:
            la = mentions.find_local_authorities(c.text, 0, self.place)
            if la and la[0].end - la[0].start >= len(c.text.strip()) - 1:
                c.attrs.update(la[0].attrs)
                info = c.attrs["city"]
                return f"la:{info.geonames_id}", "Organisation", "LocalAuthority", clean_name(c.text)
        if "ref" in c.attrs:
            info = c.attrs["ref"]
            return f"ref:{c.type}:{info.id}", c.type, getattr(info, "kind", None), info.name
        name = clean_name(c.text)
        if c.attrs.get("acronym_of"):
            base = clean_name(c.attrs["acronym_of"])
            return f"{c.type}:{fold(base)}", c.type, c.kind, base
        if name in getattr(self, "acronym_of", {}) and c.type in ("Project", "Organisation", "FundingProgramme"):
            base = clean_name(self.acronym_of[name])
            return f"{c.type}:{fold(base)}", c.type, c.kind, base
        if c.type == "Event":
            short = re.split(r"\s*:\s+", name)[0]
            return f"Event:{fold(short)}", "Event", None, name
        return f"{c.type}:{fold(name)}", c.type, c.kind, name

    def _entities(self) -> None:
        for c in self.selected:
            key, typ, kind, name = self._entity_key(c)
            sent = self.sentence_at(c.start)
            if sent is None:
                continue
            ent = self.entities.get(key)
            if ent is None:
                ent = Entity(key=key, type=typ, name=name, kind=kind, rule=c.rule, confidence=c.conf)
                self.entities[key] = ent
            elif kind and not ent.kind:
                ent.kind = kind
            surface = clean_name(c.text)
            if c.attrs.get("anaphor"):
                surface = ""
            elif typ == "Organisation" and kind == "LocalAuthority" and re.match(r"(?i)municipalities\b", surface):
                surface = f"Municipality of {c.attrs.get('city_name', '')}".strip()
            if looks_like_acronym(surface) and (
                c.attrs.get("acronym_of") or typ in ("Organisation",) and len(surface) <= 8 and surface.isupper()
            ):
                ent.acronyms.add(surface)
            elif surface:
                ent.names.add(surface)
            if c.attrs.get("acronym"):
                ent.acronyms.add(c.attrs["acronym"])
            if c.attrs.get("full_title"):
                ent.attrs["full_title"] = surface
            for k in ("place", "city", "category", "unnamed", "ref", "timeline_actor"):
                if k in c.attrs and k not in ent.attrs:
                    ent.attrs[k] = c.attrs[k]
            ent.confidence = max(ent.confidence, c.conf)
            ent.mentions.append(Mention(c.text, c.start, c.end, sent.span))
            self.mention_key[(c.start, c.end)] = key
        self._merge_project_titles()
        self._merge_initialisms()
        self._merge_events()

    def _merge_project_titles(self) -> None:
        """A factsheet's full title and acronym name one project."""
        acr = [e for e in self.entities.values() if e.type == "Project" and not e.attrs.get("full_title")]
        full = [e for e in self.entities.values() if e.type == "Project" and e.attrs.get("full_title")]
        for f in full:
            target = next((a for a in acr if initials_match(a.name, f.name)), acr[0] if len(acr) == 1 else None)
            if target is None:
                continue
            target.names |= f.names
            target.mentions += f.mentions
            target.attrs["full_title"] = f.attrs["full_title"]
            self.rekey(f.key, target.key)

    def _merge_initialisms(self) -> None:
        """An acronym-like organisation name that spells the initials of one longer name in the
        document ("LWC" and "Leiden Welcome Centre") is the same organisation."""
        from kg.extract.names import squash

        orgs = [e for e in self.entities.values() if e.type == "Organisation"]
        for e in list(orgs):
            if e.key not in self.entities or not looks_like_acronym(e.name) or len(e.name) > 8:
                continue
            acr = squash(e.name)
            hits = []
            for f in orgs:
                if f is e or f.key not in self.entities or looks_like_acronym(f.name):
                    continue
                words = [w for w in re.split(r"[\s–—-]+", f.name) if w and w[0].isalnum()]
                initials = "".join(w[0] for w in words).lower()
                major = "".join(w[0] for w in words if w[0].isupper()).lower()
                if acr in (initials, major):
                    hits.append(f)
            if len(hits) == 1:
                target = hits[0]
                target.acronyms.add(e.name)
                self.rekey(e.key, target.key)

    def _merge_events(self) -> None:
        """ "The event is called X" names the event just spoken of; an unnamed event followed by its
        quoted title is that title; unnamed events of one kind and ordinal are one."""
        events = sorted(
            (e for e in self.entities.values() if e.type == "Event"),
            key=lambda e: min((m.start for m in e.mentions), default=0),
        )
        for e in events:
            if e.key not in self.entities:
                continue
            first = min((m.start for m in e.mentions), default=0)
            if any(c.attrs.get("rename") for c in self.selected if c.start == first):
                line_start = self.text.rfind("\n", 0, first) + 1
                prior = [
                    f
                    for f in events
                    if f is not e
                    and f.key in self.entities
                    and f.mentions
                    and line_start <= min(m.start for m in f.mentions) < first
                ]
                if prior:
                    target = prior[-1]
                    target.names.add(target.name)
                    target.name = e.name
                    target.attrs.pop("unnamed", None)
                    self.rekey(e.key, target.key)
                    continue
        for e in events:
            if e.key not in self.entities or e.attrs.get("unnamed"):
                continue
            appos = {
                c.attrs["appos_start"]
                for c in self.selected
                if c.type == "Event" and "appos_start" in c.attrs and self.mention_key.get((c.start, c.end)) == e.key
            }
            for m in e.mentions:
                for f in events:
                    if f is e or f.key not in self.entities or not f.attrs.get("unnamed"):
                        continue
                    if any(
                        (0 <= m.start - fm.end <= 4 and re.fullmatch(r"[\s,:“\"„]*", self.text[fm.end : m.start]))
                        or any(a <= fm.start and fm.end <= m.start for a in appos)
                        for fm in f.mentions
                    ):
                        e.names |= f.names | {f.name}
                        self.rekey(f.key, e.key)
        unnamed = [
            e
            for e in events
            if e.key in self.entities and (e.attrs.get("unnamed") or any(n != e.name for n in e.names))
        ]
        for i, e in enumerate(unnamed):
            for f in unnamed[i + 1 :]:
                if e.key not in self.entities or f.key not in self.entities:
                    continue
                if e.attrs.get("category") != f.attrs.get("category"):
                    continue
                oe, of = _ordinal(e), _ordinal(f)
                if oe and oe == of:
                    e.names |= f.names | {f.name}
                    self.rekey(f.key, e.key)

    def rekey(self, old: str, new: str) -> None:
        """Merge entity `old` into `new` and point its mentions and relations there."""
        if old == new or old not in self.entities:
            return
        src = self.entities.pop(old)
        dst = self.entities[new]
        dst.names |= src.names
        dst.acronyms |= src.acronyms
        dst.mentions += [m for m in src.mentions if m not in dst.mentions]
        for k, v in src.attrs.items():
            dst.attrs.setdefault(k, v)
        for pos, key in list(self.mention_key.items()):
            if key == old:
                self.mention_key[pos] = new
        for r in self.relations:
            if r.subject == old:
                r.subject = new
            if not r.literal and r.object == old:
                r.object = new

    def new_entity(
        self,
        key: str,
        typ: str,
        name: str,
        *,
        kind: str | None = None,
        rule: str,
        conf: float = 0.7,
        sentence: Sentence | None = None,
        start: int | None = None,
        end: int | None = None,
        **attrs: Any,
    ) -> Entity:
        """Create (or return) an entity that no single mention introduced."""
        ent = self.entities.get(key)
        if ent is None:
            ent = Entity(key=key, type=typ, name=name, kind=kind, rule=rule, confidence=conf)
            ent.attrs.update(attrs)
            self.entities[key] = ent
        if name:
            ent.names.add(name)
        if sentence is not None and start is not None and end is not None:
            ent.mentions.append(Mention(self.text[start:end], start, end, sentence.span))
            self.mention_key.setdefault((start, end), key)
        return ent

    def _result(self) -> Extraction:
        seen = set()
        unique = []
        for r in self.relations:
            if r.subject not in self.entities or (not r.literal and r.object not in self.entities):
                continue
            k = (r.subject, r.predicate, str(r.object))
            if k in seen:
                continue
            seen.add(k)
            unique.append(r)
        for e in self.entities.values():
            e.attrs.pop("partners_from", None)  # working state of the rules (holds parser objects)
            e.names.discard("")
            if not e.name:
                e.name = next(iter(sorted(e.names | e.acronyms)), e.key)
        return Extraction(self.doc, self.entities, unique)


_LEADING_ROLE = re.compile(
    r"^(?:(?:Deputy|Vice|Executive|General|Managing|Senior|Board)\s+)?(?:Director|President|Head|Mayor|Chair(?:man|woman|person)?|"
    r"Coordinator|Manager|Member|Secretary(?:\s+General)?|Professor|Representative|Minister|CEO|Founder)\s+"
    r"(?:of|at|for)\s+(?:the\s+)?(?=[A-ZÀ-Ž])"
)


_TIME_TAIL = re.compile(
    r"\s+(?:on|last|next|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year)\b.*$"
)


def _strip_leading_roles(cands: list[Cand]) -> None:
    """ "Director of the X Foundation" names a role in X: the organisation's mention starts at X;
    "X on Thursday" is X; "X State Secretary Name" is X (the person and the role are not in its name)."""
    people = sorted((c.start, c.end) for c in cands if c.type == "Person")
    for c in cands:
        if c.type != "Organisation":
            continue
        m = _LEADING_ROLE.match(c.text)
        if m and c.end - c.start > m.end():
            c.start += m.end()
            c.text = c.text[m.end() :]
        tail = _TIME_TAIL.search(c.text)
        if tail and tail.start() > 2:
            c.text = c.text[: tail.start()]
            c.end = c.start + len(c.text)
        inside = [p for p in people if c.start < p[0] and p[1] <= c.end]
        if inside:
            cut = inside[0][0] - c.start
            role = re.search(r"(?:\s+[A-Z][a-z]+){0,3}\s+(?:State\s+)?(?:Secretary|Minister|Director|President|Mayor|"
                             r"Head|Chair\w*|Coordinator|Manager|Officer|Spokes\w+)\s*$", c.text[:cut])
            cut = role.start() if role else 0  # only a role before the name shows it is a person's
            if cut > 2:
                c.text = c.text[:cut].rstrip(" ,")
                c.end = c.start + len(c.text)


_OPEN_QUOTES = "“„«"
_CLOSE_QUOTES = "”»"


def _merge_open_quotes(sents: list[Any]) -> list[Any]:
    """Join sentences that spaCy split inside a quotation ("“TITLE: SUBTITLE”")."""
    out: list[Any] = []
    for sent in sents:
        if out:
            prev = out[-1]
            text = prev.text
            opened = sum(text.count(q) for q in _OPEN_QUOTES) > sum(text.count(q) for q in _CLOSE_QUOTES)
            straight = text.count('"') % 2 == 1
            if opened or straight:
                out[-1] = prev.doc[prev.start : sent.end]
                continue
        out.append(sent)
    return out


_ORDINAL_RE = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b", re.I
)


def _ordinal(ent: Entity) -> str | None:
    for n in ent.names | {ent.name}:
        m = _ORDINAL_RE.search(n)
        if m:
            return m.group(1).lower()
    return None


def _kind(name: str) -> str | None:
    from kg.extract.names import org_kind

    return org_kind(name)


def event_dates(d: DateMention, text: str) -> list[tuple[str, str, str]]:
    """(property, lexical value, datatype) for an event or activity's date mention."""
    fmt: Callable[[date], str] = (lambda x: x.isoformat()) if d.precision == "day" else iso_month
    dt = "date" if d.precision == "day" else "gYearMonth"
    if d.is_range and d.last is not None:
        return [("startDate", fmt(d.first), dt), ("endDate", fmt(d.last), dt)]
    days = duration_days(text)
    if days and days > 1 and d.precision == "day":
        return [("startDate", fmt(d.first), dt), ("endDate", fmt(d.first + timedelta(days=days - 1)), dt)]
    if re.search(r"\buntil\b|\btill\b|\bdisplayed\b", text):
        return [("startDate", fmt(d.first), dt)]
    return [("date", fmt(d.first), dt)]
