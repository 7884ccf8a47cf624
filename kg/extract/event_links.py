"""Events tied to their page: the project they belong to, where they happen, who hosts and who
takes part, and distinctive labels for events the page does not name.

Runs last, on the entities and partners the earlier stages found:
- activityOf: an event on a page about one project belongs to it, unless its sentence names
  another project;
- locatedIn: the first place written after the event in its sentence (a city before a country);
- organisedBy: an organisation after "hosted by"/"organised by", or the subject of "X hosted";
- participatedIn: the organisations of the event's sentence; for the project's own meetings
  (kick-off, partner meeting …) every partner of the project;
- labels: "<event> in <City>", "<Project> <event>" and "<Project> <event> in <City>" beside the
  page's own words, so that an unnamed meeting reads as one thing in a list of many.

The events the sentence rules miss are found first from the page's layout (event_layout.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.extract import layout
from kg.extract.dates import find_dates
from kg.extract.event_layout import EVENT_HEAD as _EVENT_HEAD
from kg.extract.event_layout import LayoutEvents
from kg.extract.genres import split_list
from kg.extract.names import clean_name, fold

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor, Sentence
    from kg.model import Entity


def _end(ex: DocumentExtractor, start: int) -> int:
    """End of the mention starting at `start`."""
    return next((b for (a, b) in ex.mention_key if a == start), start)


_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
             "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th"}




class EventStage:
    """Attaches events to the page's project, places, hosts and participants."""

    def __init__(self, ex: DocumentExtractor, project: str | None) -> None:
        from kg.extract.partners import PartnerStage

        self.ex = ex
        self.project = project
        self._authorities = PartnerStage(ex)

    def apply(self) -> None:
        """Run the stage on every event of the page."""
        ex = self.ex
        LayoutEvents(ex).apply()
        self._merge_same()
        events = [e for e in ex.entities.values() if e.type == "Event"]
        partners = self._partners()
        pending: list[tuple[str, str, Sentence]] = []
        for ev in events:
            if not ev.mentions:
                continue
            first = min(ev.mentions, key=lambda m: m.start)
            sent = ex.sentence_at(first.start)
            if sent is None:
                continue
            project = self._project_of(ev, sent)
            if project is not None:
                pending.append((ev.key, project, sent))
            placed = next((r.object for r in ex.relations if r.subject == ev.key and r.predicate == "locatedIn"
                           and isinstance(r.object, str) and r.object in ex.entities), None)
            city = ex.entities[placed] if placed else self._place_after(ev, sent)
            if city is not None and placed is None:
                ex.add_relation(ev.key, "locatedIn", city.key, sent, "event:place-in-sentence", 0.7)
            self._hosts_and_guests(ev, sent)
            if project is not None and project == self.project and self._project_meeting(ev):
                for org in partners:
                    ex.add_relation(org, "participatedIn", ev.key, sent, "event:project-meeting", 0.65)
            self._labels(ev, project, city)
        self._hosts_of_anaphors()
        self._subject_hosts()
        self._event_fields()
        self._activities(pending, partners)
        self._participants_by_cue()
        self._sub_events()

    def _activities(self, pending: list[tuple[str, str, Sentence]], partners: list[str]) -> None:
        """An event of a page about one project is the project's activity, unless an organisation
        that is none of the project's partners holds it ("a conference organised by X" that the
        project attends) or a rule already gave it to a project."""
        ex = self.ex
        foreign = set()
        for ev, project, _ in pending:
            hosts = {r.object for r in ex.relations if r.subject == ev and r.predicate == "organisedBy"}
            if hosts and not hosts & set(partners) and project == self.project:
                foreign.add(ev)
        parents = {r.subject: r.object for r in ex.relations if r.predicate == "subEventOf"}
        for ev, project, sent in pending:
            if ev in foreign or parents.get(ev) in foreign:
                continue  # someone else's event, or a part of one
            if any(r.subject == ev and r.predicate == "activityOf" for r in ex.relations):
                continue
            ex.add_relation(ev, "activityOf", project, sent, "event:page-project", 0.7)

    def _event_fields(self) -> None:
        """An event page's fields ("Date: …", "Venue: …", "Organiser: …", "Speakers: …") describe its
        first event: date, place, hosts."""
        from kg.extract.pipeline import event_dates
        from kg.extract.project_facts import ProjectFacts

        ex = self.ex
        events = sorted((min(m.start for m in e.mentions), e.key) for e in ex.entities.values()
                        if e.type == "Event" and e.mentions)
        if not events:
            return
        event = events[0][1]
        known = {r.predicate for r in ex.relations if r.subject == event}
        orgs = None
        for key, value, start in ProjectFacts(ex, None).fields():
            low = key.lower()
            sent = ex.sentence_at(start)
            if sent is None:
                continue
            if re.fullmatch(r"(?:event\s+)?(?:date|when|dates)", low) and not known & {"date", "startDate"}:
                dates = find_dates(value, ex.year)
                for prop, val, dt in event_dates(dates[0], value) if dates else ():
                    ex.add_relation(event, prop, val, sent, "event:field-date", 0.7, literal=True, datatype=dt)
            elif re.fullmatch(r"(?:venue|location|place|where|city)", low) and "locatedIn" not in known:
                for part in reversed([p.strip() for p in re.split(r",|\(|\)", value) if p.strip()]):
                    info = ex.place(part)
                    if info is not None:
                        pkey = ex.place_entity(info, "event:field-place").key
                        ex.add_relation(event, "locatedIn", pkey, sent, "event:field-place", 0.7)
                        if info.kind == "City":
                            break
            elif re.fullmatch(r"(?:organi[sz]ers?|organi[sz]ed by|hosts?|hosted by|host organi[sz]ation)", low):
                from kg.extract.partners import PartnerStage

                orgs = orgs or PartnerStage(ex)
                for off, part in split_list(value):
                    item = layout.split_item(part, start + off, lambda t: ex.place(t.strip()) is not None)
                    org = orgs.organisation(item.name, item.start, "event:field-host", placed=bool(item.places))
                    if org is not None:
                        ex.add_relation(event, "organisedBy", org, sent, "event:field-host", 0.7)

    def _participants_by_cue(self) -> None:
        """Organisations and people in a sentence about who took part ("participants came from A (X),
        B (Y)", "the meeting brought together A and B", "attended by") took part in the event the page
        spoke of last (or the next one, when none came before)."""
        ex = self.ex
        cue = re.compile(r"(?i)\b(?:participants?|participation|took part|take part|attended|attendees|"
                         r"came from|brought together|gathered|delegat\w+|representatives|opened by|closed by|"
                         r"moderated|chaired|speakers?|spoke|keynote|presented)\b")
        events = sorted(
            (min(m.start for m in e.mentions), e.key) for e in ex.entities.values() if e.type == "Event" and e.mentions
        )
        if not events:
            return
        for s in ex.sentences:
            if not cue.search(s.span.text):
                continue
            before = [k for pos, k in events if pos < s.span.end]
            event = before[-1] if before else events[0][1]
            cities_speak = re.search(r"(?i)\b(?:cities|municipalities|towns|mayors|city representatives)\b",
                                     s.span.text)
            for a, _, k in self._keys_in(s):
                ent = ex.entities[k]
                if ent.type in ("Organisation", "Person"):
                    ex.add_relation(k, "participatedIn", event, s, "event:participants", 0.55)
                elif cities_speak and ent.type == "Place" and ent.kind == "City" and "place" in ent.attrs:
                    # "representatives of the cities of A and B took part": their authorities did
                    la = self._authorities.local_authority(ent.attrs["place"], a, ex.text[a:_end(ex, a)])
                    ex.add_relation(la, "participatedIn", event, s, "event:participating-cities", 0.55)

    def _sub_events(self) -> None:
        """Smaller events (a workshop, a visit, a press conference) written after a multi-day event
        and before the next large one are parts of it."""
        from kg.extract.mentions import EVENT_WORDS

        ex = self.ex
        small = {"workshop", "session", "visit", "tour", "seminar", "lecture", "screening", "exhibition", "talks"}
        ranged = {r.subject for r in ex.relations if r.literal and r.predicate == "endDate"}
        order = sorted(
            (min(m.start for m in e.mentions), e.key) for e in ex.entities.values() if e.type == "Event" and e.mentions
        )
        sessions = [k for _, k in order if re.match(rf"(?i){_EVENT_HEAD}(?:\s+\w{{1,4}})?\s*:", ex.entities[k].name)]
        main = next((k for _, k in order if k not in sessions), None)
        for key in sessions if main else ():
            first = min(ex.entities[key].mentions, key=lambda m: m.start)
            ex.add_relation(key, "subEventOf", main, ex.sentence_at(first.start), "event:session-of-page-event", 0.6)
        parent: str | None = None
        for _, key in order:
            ev = ex.entities[key]
            words = fold(ev.name).replace("-", " ").split()
            cat = next((EVENT_WORDS[w] for w in reversed(words) if w in EVENT_WORDS), None)
            if key in ranged and cat not in small:
                parent = key
                continue
            if parent is not None and cat in small and key not in ranged:
                first = min(ev.mentions, key=lambda m: m.start)
                ex.add_relation(key, "subEventOf", parent, ex.sentence_at(first.start), "event:part-of-multi-day", 0.6)
            elif cat is not None and cat not in small:
                parent = None

    def _subject_hosts(self) -> None:
        """ "X hosted a training course", "X organised the conference": X organised the event named
        after the verb (or the event the page spoke of last)."""
        from kg.extract.partners import PartnerStage

        ex = self.ex
        orgs = PartnerStage(ex)
        verb = layout.cue_regex("host_active").pattern
        pat = re.compile(
            r"(?:^|[,.;]\s+|\b(?:On|In|From)\b[^,]{0,40},\s+)(?:the\s+)?"
            r"(?P<org>[A-ZÀ-Ž][\w.&'’-]*(?:\s+(?:[A-ZÀ-Ž][\w.&'’-]*|of|for|and|the|de|di|du)){0,6})"
            rf"\s+(?:(?:has|have|had|also|jointly|successfully)\s+)*(?:co-)?(?:{verb})\s+(?:an?|the|its|their|our)\b"
        )
        events = sorted(
            (min(m.start for m in e.mentions), e.key) for e in ex.entities.values() if e.type == "Event" and e.mentions
        )
        for s in ex.sentences:
            for m in pat.finditer(s.span.text):
                start = s.span.start + m.start("org")
                name = m.group("org").strip()
                after = [k for pos, k in events if s.span.start + m.end() <= pos < s.span.end]
                before = [k for pos, k in events if pos < s.span.start]
                event = after[0] if after else (before[-1] if before else None)
                if event is None or ex.place(name) is not None:
                    continue
                known = [k for a, _b, k in ex.mentions_between(start, start + 1)]
                person = [k for k in known if ex.entities[k].type == "Person"]
                host = person[0] if person else orgs.organisation(name, start, "event:subject-host")
                if host is not None:
                    ex.add_relation(event, "organisedBy", host, s, "event:subject-host", 0.65)

    def _hosts_of_anaphors(self) -> None:
        """"X organised and hosted the event": the event spoken of last before the sentence."""
        ex = self.ex
        pat = re.compile(rf"\s(?:and\s+)?(?:{layout.cue_regex('host_active').pattern})\b(?:\s+and\s+\w+)?\s+"
                         r"(?:the|this|our)\s+(?:event|meeting|conference|workshop|seminar|webinar)\b", re.I)
        events = sorted(
            (min(m.start for m in e.mentions), e.key) for e in ex.entities.values() if e.type == "Event" and e.mentions
        )
        for s in ex.sentences:
            m = pat.search(s.span.text)
            if not m:
                continue
            prior = [k for pos, k in events if pos < s.span.start + m.start()]
            if not prior:
                continue
            orgs = [
                k for a, _, k in self._keys_in(s)
                if ex.entities[k].type == "Organisation" and a - s.span.start < m.start()
            ]
            if orgs:
                ex.add_relation(prior[-1], "organisedBy", orgs[-1], s, "event:host-of-anaphor", 0.65)

    # -- events the sentence rules leave ------------------------------------------
    def _core(self, ev: Entity) -> str:
        """An event's name without the project's name, a leading article or a trailing place (kept
        for one of a series held in several places)."""
        return fold(ev.name) if ev.attrs.get("by_place") else self._core_of(ev.name)

    def _core_of(self, text: str) -> str:
        name = fold(text)
        if self.project and self.project in self.ex.entities:
            for pname in sorted(self.ex.entities[self.project].all_names(), key=lambda n: (-len(n), n)):
                name = name.replace(fold(pname) + " ", "")
        name = re.sub(r"^(?:a|an|the|this|our)\s+", "", name)
        name = re.sub(r"\s+(?:in|at)\s+.*$", "", name)
        name = re.sub(r"[\s-]+", " ", name)
        for word, digit in _ORDINALS.items():
            name = re.sub(rf"\b{word}\b", digit, name)
        once = re.search(r"\bkick ?off\b|\bfinal (?:conference|meeting|event)\b|\bclosing (?:conference|event)\b", name)
        if once and not re.search(r"\b\d+(?:st|nd|rd|th)\b", name):
            return once.group(0).replace(" ", "")  # a project has one kick-off, one final conference
        return name

    def _merge_same(self) -> None:
        """Events of the page with the same core name ("X Kick-off Meeting", "the kick-off meeting")
        are one event."""
        from kg.extract.mentions import EVENT_WORDS

        ex = self.ex
        seen: dict[str, str] = {}
        for ev in sorted((e for e in ex.entities.values() if e.type == "Event"),
                         key=lambda e: min((m.start for m in e.mentions), default=0)):
            core = self._core(ev)
            if not core:
                continue
            # "the second webinar" and "Highlights from the second X webinar": one ordinal, one kind
            keys = [core]
            for name in sorted(ev.all_names()):
                folded = self._core_of(name)
                ordinal = re.search(r"\b(\d+(?:st|nd|rd|th))\b", folded)
                kind = next((EVENT_WORDS[w] for w in reversed(folded.split()) if w in EVENT_WORDS), None)
                if ordinal and kind:
                    keys.append(f"#{ordinal.group(1)}:{kind}")
            core = next((k for k in keys if k in seen and seen[k] in ex.entities), core)
            for k in keys:
                seen.setdefault(k, ev.key)
            if core in seen and seen[core] in ex.entities:
                target = ex.entities[seen[core]]
                if target.attrs.get("unnamed") and not ev.attrs.get("unnamed"):
                    ex.rekey(target.key, ev.key)
                    seen[core] = ev.key
                else:
                    ex.rekey(ev.key, target.key)
            else:
                seen[core] = ev.key

    # -- helpers -------------------------------------------------------------
    def _partners(self) -> list[str]:
        return sorted(
            {r.object for r in self.ex.relations if r.predicate in ("hasPartner", "coordinator")
             and r.subject == self.project and isinstance(r.object, str)}
        )

    def _keys_in(self, sent: Sentence) -> list[tuple[int, int, str]]:
        return self.ex.mentions_between(sent.span.start, sent.span.end)

    def _project_of(self, ev: Entity, sent: Sentence) -> str | None:
        ex = self.ex
        named = [k for _, _, k in self._keys_in(sent) if ex.entities[k].type == "Project"]
        if named:
            return named[0] if self.project not in named else self.project
        return self.project

    def _place_after(self, ev: Entity, sent: Sentence) -> Entity | None:
        ex = self.ex
        first = min(m.start for m in ev.mentions if sent.span.start <= m.start < sent.span.end)
        places = [ex.entities[k] for a, _, k in self._keys_in(sent) if a >= first and ex.entities[k].type == "Place"]
        cities = [p for p in places if p.kind == "City"]
        if cities:
            return cities[0]
        if places:
            return places[0]
        # the event's own name may hold the place ("meeting in Lyon")
        for name in sorted(ev.all_names()):
            m = re.search(r"\bin\s+([A-ZÀ-Ž][\w'’-]+(?:\s[A-ZÀ-Ž][\w'’-]+)?)", name)
            if m:
                info = ex.place(m.group(1))
                if info is not None:
                    return ex.place_entity(info, "event:name-place")
        return self._place_in_next(sent)

    def _place_in_next(self, sent: Sentence) -> Entity | None:
        """ "… hosted a training course. The training was held in X": the next sentence, when it
        speaks of the event again and names no other event, gives the place."""
        ex = self.ex
        i = ex.sentences.index(sent) if sent in ex.sentences else -1
        if i < 0 or i + 1 >= len(ex.sentences):
            return None
        nxt = ex.sentences[i + 1]
        if not re.match(r"(?i)\s*(?:the|this|our)\s+(?:[\w-]+\s+)?(?:event|meeting|training|conference|workshop|"
                        r"seminar|webinar|course|visit|session|camp|festival)\b|\s*it\s", nxt.span.text):
            return None
        keys = self._keys_in(nxt)
        if any(ex.entities[k].type == "Event" for _, _, k in keys):
            return None
        places = [ex.entities[k] for _, _, k in keys if ex.entities[k].type == "Place"]
        cities = [p for p in places if p.kind == "City"]
        return (cities or places or [None])[0]

    def _hosts_and_guests(self, ev: Entity, sent: Sentence) -> None:
        ex = self.ex
        text = sent.span.text
        host_after = layout.cue_regex("host")
        host_active = layout.cue_regex("host_active")
        keys = [(a, b, k) for a, b, k in self._keys_in(sent) if ex.entities[k].type in ("Organisation",)]
        host_end = -1
        for a, b, k in keys:
            rel = a - sent.span.start
            before = text[max(0, rel - 40) : rel]
            co_host = host_end >= 0 and re.fullmatch(r"\s*(?:,|and|&|together with|in (?:cooperation|collaboration|"
                                                     r"partnership) with|with)\s+(?:the\s+)?", text[host_end:rel])
            if re.search(rf"(?:{host_after.pattern})\s+(?:the\s+)?$", before, re.I) or co_host:
                ex.add_relation(ev.key, "organisedBy", k, sent, "event:hosted-by", 0.7)
                host_end = b - sent.span.start  # "organised by A together with B": B organised it too
                continue
            host_end = -1
            after = text[rel : rel + 80]
            if re.match(rf"[^,.;]{{0,60}}?\s(?:{host_active.pattern})\b", after, re.I) and rel < 60:
                ex.add_relation(ev.key, "organisedBy", k, sent, "event:subject-hosted", 0.65)
                continue
            ex.add_relation(k, "participatedIn", ev.key, sent, "event:org-in-sentence", 0.55)

    def _project_meeting(self, ev: Entity) -> bool:
        cue = layout.cue_regex("project_meeting")
        return any(cue.search(n) for n in ev.all_names())

    def _surface(self, place: Entity, ev: Entity) -> str:
        """How the page writes the place near the event (its own name when it is not written)."""
        first = min(m.start for m in ev.mentions)
        near = [m for m in place.mentions if m.start >= first - 200]
        return clean_name(min(near, key=lambda m: abs(m.start - first)).text) if near else place.name

    def _labels(self, ev: Entity, project: str | None, place: Entity | None) -> None:
        from kg.extract.mentions import EVENT_LINE_WORD

        ex = self.ex
        bases = sorted(
            {n for n in ev.all_names() if EVENT_LINE_WORD.search(n) or n == ev.name},
            key=lambda n: (len(n), n),  # ties broken by the name: the same labels every run
        )[:2] or [min(ev.all_names(), key=lambda n: (len(n), n))]  # "kick-off meeting" beside its acronym "KOM"
        names = set()
        where = self._surface(place, ev) if place is not None else None
        pname = ex.entities[project].name if project is not None and project in ex.entities else ""
        for raw in bases:
            short_base = self._label_base(ev, raw)
            if not short_base:
                continue
            if where and fold(where) not in fold(short_base):
                names.add(f"{short_base} in {where}")
                if len(short_base.split()) <= 3:
                    names.add(f"{where} {short_base}")  # "city tour" in X: "X city tour"
            if pname and fold(pname) not in fold(short_base):
                if not ev.attrs.get("by_place"):  # one of a series: only its place tells it apart
                    names.add(f"{pname} {short_base}")
                if where:
                    names.add(f"{pname} {short_base} in {where}")
        ev.names |= names

    def _label_base(self, ev: Entity, raw: str) -> str:
        """The event's own words a label starts from: no article, no trailing place, and for an
        unnamed event its head noun without the topic ("training course about X")."""
        base = re.sub(r"(?i)^(?:a|an|the|this|our|its|their)\s+", "", clean_name(raw))
        short_base = re.sub(r"\s+(?:in|at)\s+[A-ZÀ-Ž].*$", "", base)
        if ev.attrs.get("unnamed"):
            short_base = re.sub(r"\s+(?:about|on|for|with|of)\s+.*$", "", short_base)
            if len(short_base.split()) > 2:
                short_base = re.sub(
                    r"(?i)^(?:international|national|local|online|first|second|third|final)\s+(?=\w)", "", short_base
                )
        return short_base
