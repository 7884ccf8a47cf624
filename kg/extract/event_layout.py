"""Events the sentence rules miss, found from the page's layout: event lines ("Kick-off meeting:
28-29 January 2019, City (Country)"), bulleted events ("Final Conference in X, Country"), heading
lines that name a happening ("Coordination Meeting in X", "Panel 1: Title"), "Place: date" lines
under a plural event heading, and a plural event held in several places (one event a place).
Each gets its name, date and place as the layout writes them; linking them to projects, hosts
and participants is event_links.py's job."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.extract import layout
from kg.extract.dates import find_dates
from kg.extract.names import clean_name, fold

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor, Sentence

EVENT_HEAD = (
    r"(?:panel(?: discussion)?|session|workshop|round ?table|keynote|plenary|breakout session|webinar|seminar)"
)


class LayoutEvents:
    """Adds the events the page's layout shows."""

    def __init__(self, ex: DocumentExtractor) -> None:
        self.ex = ex

    def apply(self) -> None:
        """Run every layout reading, in order."""
        self._event_lines()
        self._bullet_events()
        self._heading_events()
        self._place_lists_under_event_headings()
        self._plural_events_by_place()

    def _event_lines(self) -> None:
        """A line "Kick-off meeting: 28-29 January 2019, City (Country)": a name with an event word,
        a colon, then a date: one event, its date and its place."""
        from kg.extract.mentions import _EVENT_WORD_RE

        ex = self.ex
        pat = re.compile(
            rf"^(?P<name>[^:\n]{{0,50}}?(?i:{_EVENT_WORD_RE})[^:\n]{{0,20}}?)\s*:\s*(?P<rest>.+)$"
        )
        for line in layout.lines(ex.text):
            m = pat.match(line.text)
            if not m or len(m.group("name").split()) > 8:
                continue
            sent = ex.sentence_at(line.start)
            dates = find_dates(line.text, ex.year)  # the line's, as the parser may split it at the colon
            if sent is None or not dates:
                continue
            name = clean_name(m.group("name"))
            key = f"Event:{fold(name)}"
            start = line.start + m.start("name")
            ev = ex.new_entity(key, "Event", name, rule="layout:event-line", conf=0.7, sentence=sent, start=start,
                               end=start + len(name))
            from kg.extract.pipeline import event_dates

            for prop, value, dt in event_dates(dates[0], line.text):
                ex.add_relation(ev.key, prop, value, sent, "layout:event-line-date", 0.7, literal=True, datatype=dt)
            tail = re.findall(r"([A-ZÀ-Ž][\w'’-]+(?:\s[A-ZÀ-Ž][\w'’-]+)?)", m.group("rest"))
            for word in tail:
                info = ex.place(word)
                if info is not None and info.kind == "City":
                    pkey = ex.place_entity(info, "layout:event-line").key
                    ex.add_relation(ev.key, "locatedIn", pkey, sent, "layout:event-line-place", 0.7)
                    break

    def _plural_events_by_place(self) -> None:
        """ "two International Meetings … in Brussels and Cyprus", "peer learning events in A, B and C":
        one event per place, named in the singular ("International Meeting in Brussels")."""
        ex = self.ex
        for ev in [e for e in ex.entities.values() if e.type == "Event" and e.mentions]:
            head = re.search(r"(?i)\b(meeting|event|workshop|conference|seminar|webinar|visit|session|training)s\b",
                             ev.name)
            if head is None or head.end() < len(ev.name.rstrip()) - 1:
                continue
            first = min(ev.mentions, key=lambda m: m.start)
            sent = ex.sentence_at(first.start)
            if sent is None:
                continue
            places = [(a, b, k) for a, b, k in ex.mentions_between(first.end, sent.span.end)
                      if ex.entities[k].type == "Place"]
            if len(places) < 2:
                continue
            singular = re.sub(r"^(?:(?:the|two|three|four|five|several|last|next|national|both)\s+)+", "",
                              ev.name[: head.end() - 1], flags=re.I)
            for a, b, k in places:
                where = ex.text[a:b]
                name = f"{singular} in {where}"
                new = ex.new_entity(f"Event:{fold(name)}", "Event", name, rule="event:plural-by-place", conf=0.6,
                                    sentence=sent, start=first.start, end=first.end, by_place=True)
                ex.add_relation(new.key, "locatedIn", k, sent, "event:plural-by-place", 0.6)
                if ev.key in ex.entities and ev.key != new.key:
                    ex.add_relation(new.key, "subEventOf", ev.key, sent, "event:plural-by-place", 0.55)

    def _place_lists_under_event_headings(self) -> None:
        """A heading in the plural ("Multiplier Events", "National Workshops") over lines "Place: date"
        announces one event of that kind per line: "Multiplier Event in Place", dated."""
        from kg.extract.mentions import EVENT_LINE_WORD

        ex = self.ex
        lines = layout.lines(ex.text)
        for i, head in enumerate(lines):
            if head.words > 5 or not re.search(r"s\s*$", head.text) or not EVENT_LINE_WORD.search(head.text):
                continue
            kind = re.sub(r"^[·•*\s]+", "", head.text).strip()
            kind = re.sub(r"(?i)(meeting|event|workshop|conference|seminar|webinar|visit|training|session)s$",
                          r"\1", kind)
            for line in lines[i + 1 : i + 30]:
                m = re.match(r"^(?P<place>[A-ZÀ-Ž][\w .'’-]{1,40}?)\s*[:–—-]\s*(?P<date>.+)$", line.text)
                if not m:
                    if line.bullet and line.words <= 4:
                        break  # the next section
                    continue
                info = ex.place(m.group("place").strip())
                dates = find_dates(m.group("date"), ex.year)
                sent = ex.sentence_at(line.start)
                if info is None or not dates or sent is None:
                    continue
                name = f"{kind} in {m.group('place').strip()}"
                key = f"Event:{fold(name)}"
                ev = ex.new_entity(key, "Event", name, rule="layout:event-list", conf=0.6, sentence=sent,
                                   start=line.start, end=line.start + len(m.group("place")), by_place=True)
                pkey = ex.place_entity(info, "layout:event-list").key
                ex.add_relation(ev.key, "locatedIn", pkey, sent, "layout:event-list-place", 0.6)
                from kg.extract.pipeline import event_dates

                for prop, value, dt in event_dates(dates[0], line.text):
                    ex.add_relation(ev.key, prop, value, sent, "layout:event-list-date", 0.6, literal=True, datatype=dt)

    def _heading_events(self) -> None:
        """A short heading line that names a happening ("Coordination Meeting in X", "Webinar “Title”
        – Country, date", "Annual working meeting") is an event; where the sentence rules found the
        event inside it, the whole heading becomes one of its names."""
        from kg.extract.mentions import EVENT_LINE_WORD

        ex = self.ex
        for line in layout.lines(ex.text):
            text = line.text
            if line.words > 14 or line.words < 2 or re.search(r"[.!?:]$", text):
                continue
            if line.bullet and not re.match(rf"^(?i:{EVENT_HEAD})\b", text):
                continue
            if not EVENT_LINE_WORD.search(text) or not text[:1].isupper():
                continue
            if re.search(r"(?i)\b(?:meetings|events|conferences|workshops|activities|news)\s*$", text):
                continue  # a section heading over several events
            parts = re.split(r"\s+[–—|]\s+|\s+-\s+(?=[A-Z0-9])", text)
            name = parts[1] if len(parts) > 1 and find_dates(parts[0]) and not EVENT_LINE_WORD.search(parts[0]) \
                else parts[0]  # "September 2022 – Training of trainers": the training
            lead = re.match(r"^(?:[A-Z][a-z]+\s+){1,2}(?:from|of|on|at|about)\s+(?:the\s+)?", name)
            if lead and EVENT_LINE_WORD.search(name[lead.end():]):
                name = name[lead.end():]  # "Highlights from the second X webinar": the webinar
            name = clean_name(
                re.sub(r",?\s*(?:on\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]+\s+\d{4}.*$", "", name)
            )
            session = re.match(rf"^(?i:{EVENT_HEAD})(?:\s+(?:[0-9]+|[A-Z]|[IVX]+))?\s*:\s+\S", name)
            if len(name.split()) < 2 or (":" in name and not session):
                continue  # "Workshop 2: Housing first" is a session's name; other "Key: value" lines are fields
            sent = ex.sentence_at(line.start)
            if sent is None:
                continue
            covering = [k for _a, _b, k in ex.mentions_between(line.start, line.end)]
            if any(ex.entities[k].type in ("Organisation", "Project", "Person") and
                   fold(ex.entities[k].name) == fold(name) for k in covering):
                continue
            events = [k for k in covering if ex.entities[k].type == "Event"]
            if events:
                ex.entities[events[0]].names.add(name)
                self._line_date(events[0], text, sent)
                continue
            key = f"Event:{fold(name)}"
            ev = ex.new_entity(key, "Event", name, rule="layout:heading-event", conf=0.65, sentence=sent,
                               start=line.start, end=line.start + len(name))
            m = re.search(r"\s(?:in|at)\s+([A-ZÀ-Ž][\w'’-]+(?:\s[A-ZÀ-Ž][\w'’-]+)?)$", name)
            info = ex.place(m.group(1)) if m else None
            if info is not None:
                pkey = ex.place_entity(info, "layout:heading-event").key
                ex.add_relation(ev.key, "locatedIn", pkey, sent, "layout:heading-event-place", 0.65)
                ev.names.add(name[: m.start()])  # "Coordination Meeting in X": "Coordination Meeting"
            self._line_date(ev.key, text, sent)

    def _line_date(self, event: str, text: str, sent: Sentence) -> None:
        """The date a heading line gives its event ("Webinar “Title” – Country, 10th of June 2020")."""
        from kg.extract.pipeline import event_dates

        dates = find_dates(text, self.ex.year)
        if dates and not any(r.subject == event and r.predicate in ("date", "startDate") for r in self.ex.relations):
            for prop, value, dt in event_dates(dates[0], text):
                self.ex.add_relation(event, prop, value, sent, "layout:heading-event-date", 0.65, literal=True,
                                     datatype=dt)

    def _bullet_events(self) -> None:
        """A bulleted line whose head is a capitalised name with an event word ("Final Conference in
        X, Country") is an event, placed where the line says."""
        from kg.extract.mentions import EVENT_LINE_WORD

        ex = self.ex
        for line in layout.lines(ex.text):
            if not line.bullet or line.words > 12 or not line.text[:1].isupper():
                continue
            item = layout.split_item(line.text, line.start, lambda t: ex.place(t.strip()) is not None)
            head = item.name
            if not EVENT_LINE_WORD.search(head) or re.search(r"[.:;]", head):
                continue
            covering = [k for _a, _b, k in ex.mentions_covering(item.start)]
            if any(ex.entities[k].type not in ("Event", "Place") for k in covering):
                continue
            known = [k for k in covering if ex.entities[k].type == "Event"]
            sent = ex.sentence_at(item.start)
            if sent is None:
                continue
            name = clean_name(head)
            key = known[0] if known else f"Event:{fold(name)}"
            ev = ex.new_entity(key, "Event", name, rule="layout:bullet-event", conf=0.65, sentence=sent,
                               start=item.start, end=item.start + len(head))
            base = re.sub(r"\s+(?:in|at)\s+[A-ZÀ-Ž].*$", "", name)
            if base != name:
                ev.names.add(base)
            where = [ex.place(p) for p in item.places]
            m = re.search(r"\s(?:in|at)\s+([A-ZÀ-Ž][\w'’-]+(?:\s[A-ZÀ-Ž][\w'’-]+)?)$", name)
            if m:
                where.insert(0, ex.place(m.group(1)))
            for info in where[:1]:
                if info is not None:
                    pkey = ex.place_entity(info, "layout:bullet-event").key
                    ex.add_relation(ev.key, "locatedIn", pkey, sent, "layout:bullet-event-place", 0.65)
                    placed = name if m else f"{name} in {item.places[0]}"
                    ev.names.add(placed)
                    if len(item.places) >= 2 or (m and item.places):
                        ev.names.add(f"{placed}, {item.places[-1]}")

