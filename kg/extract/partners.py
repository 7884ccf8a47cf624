"""Partners from the page's layout and enumerations.

Runs after the sentence rules, on the entities they found. It reads:
- the page's title line ("SHORT – Long title") for the project the page is about;
- heading blocks ("Partners", "Project leader") and unheaded runs of organisation lines;
- enumerations in sentences that speak of partners ("brings together A, B and C",
  "9 partners from five countries: A and B from Italy; C from Austria");
and adds the organisations as partners (the lead as coordinator) with the places written after
them ("Name (Italy)", "Name – Italy", "Name, City (Country)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kg.extract import layout
from kg.extract.genres import split_list
from kg.extract.names import clean_name, fold, has_org_word, looks_like_acronym, org_kind
from kg.extract.projects import ProjectStage

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor, Sentence

_NOT_ORG_START = re.compile(
    r"(?i)^(?:the\s+)?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many|other|"
    r"all|some|partners?|participants?|students?|people|citizens|experts|stakeholders|representatives|"
    r"staff|teachers|young|youth|local|national|european|international)\b(?!\s+(?:of|for)\b)"
)
_LOWER_WORDS_OK = {"of", "for", "and", "the", "in", "on", "de", "del", "della", "di", "da", "do", "des", "du",
                   "la", "le", "les", "el", "y", "e", "et", "und", "für", "zur", "zum", "van", "voor", "en",
                   "per", "lo", "al", "to", "with", "a", "an", "sprog", "kompetence", "pour", "tout", "au", "long",
                   "vie", "dla", "na", "i", "za", "von", "der", "das", "die"}


def _split_with(text: str) -> list[tuple[int, str]]:
    """Split "A (Italy) with B (Portugal)" at "with", "together with", "along with"."""
    out, pos = [], 0
    for m in re.finditer(r"\s+(?:together\s+|along\s+)?with\s+(?:the\s+)?(?=[A-ZÀ-Ž@])", text):
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return out


class PartnerStage:
    """Adds partners, coordinators and their places from layout and enumerations."""

    def __init__(self, ex: DocumentExtractor) -> None:
        self.ex = ex
        self.project: str | None = None

    # -- entry ----------------------------------------------------------------
    def apply(self) -> None:
        """Run the stage."""
        self.project = ProjectStage(self.ex).apply()
        self._heading_blocks()  # without a project the lists still name organisations and their places
        self._name_then_place_lines()
        self._prose_enumerations()
        self._split_joined()
        self._demonym_orgs()
        if self.project is not None:
            self._funding()
            self._places_of_work()

    def _places_of_work(self) -> None:
        """Places a page about one project lists where it speaks of countries, cities, partners or
        pilots ("research in the five partner countries (A, B and C)"): where the project works."""
        ex = self.ex
        cue = re.compile(r"(?i)\b(?:countr(?:y|ies)|cities|partners?|pilots?|implemented|activities|locations?|"
                         r"geographic|area|across|participating)\b")
        for s in ex.sentences:
            if self._other_project(s):
                continue
            places = {k for _a, _b, k in ex.mentions_between(s.span.start, s.span.end)
                      if ex.entities[k].type == "Place"}
            if len(places) >= 2 and cue.search(s.span.text):
                for key in sorted(places):
                    ex.add_relation(self.project, "operatesIn", key, s, "page:listed-places", 0.6)  # type: ignore[arg-type]

    def _funding(self) -> None:
        """The programmes a page about one project names where it speaks of money fund that project."""
        ex = self.ex
        cue = re.compile(r"(?i)\b(?:fund\w*|financ\w*|co-?fund\w*|programme|program|framework|grant|budget|support)\b")
        progs = [e for e in ex.entities.values() if e.type == "FundingProgramme"]
        for prog in progs:
            for m in prog.mentions:
                sent = ex.sentence_at(m.start)
                if sent is None:
                    continue
                if (cue.search(sent.span.text) or len(progs) == 1) and not self._other_project(sent):
                    ex.add_relation(self.project, "fundedBy", prog.key, sent, "page:programme", 0.7)  # type: ignore[arg-type]
                    break

    def _demonym_orgs(self) -> None:
        """ "the Armenian organisation “X”", "Russian “Y”", "the Greek NGO Z": the organisation is in
        the country the adjective names; in a sentence about partners it is a partner too."""
        ex = self.ex
        kinds = r"(?:organi[sz]ation|association|NGO|foundation|university|partner|network|company|institute)"
        pat = re.compile(
            rf"\b(?P<dem>[A-Z][a-z]+)\s+(?:(?i:{kinds})\s+)?(?:[“\"](?P<q>[^”\"\n]{{3,80}})[”\"]"
            r"|(?P<n>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|for|and|the)){0,6}))"
        )
        partner_cue = layout.cue_regex("partner_prose")
        weak_cue = layout.cue_regex("partner_prose_weak")
        for e in list(ex.entities.values()):
            if e.type != "Organisation" or "ref" in e.attrs:
                continue
            if all(ex.lk.demonym(n) is not None for n in e.all_names()):
                ex.entities.pop(e.key)  # "the Armenian" read as a name: an adjective, not an organisation
                continue
            lead = re.match(rf"(?P<dem>[A-Z][a-z]+)\s+(?i:{kinds})\s+(?=[A-Z])", e.name)
            country = ex.lk.demonym(lead.group("dem")) if lead else None
            if lead and country is not None:
                e.names.discard(e.name)  # "Greek NGO X": X, in Greece
                e.name = e.name[lead.end():]
                e.names.add(e.name)
                sent = ex.sentence_at(e.mentions[0].start) if e.mentions else None
                self._located(e.key, country, sent, "prose:demonym-place")
        for s in ex.sentences:
            for m in pat.finditer(s.span.text):
                country = ex.lk.demonym(m.group("dem"))
                if country is None or country.kind != "Country":
                    continue
                name = (m.group("q") or m.group("n") or "").strip()
                group = "q" if m.group("q") else "n"
                between = s.span.text[m.end("dem") : m.start(group)]
                if not name or (group == "n" and not re.search(rf"(?i)\b{kinds}\b", between)):
                    continue  # "German Federal Office": the adjective belongs to the name
                start = s.span.start + m.start(group)
                org = self.organisation(name, start, "prose:demonym-org", placed=True)
                if org is None:
                    continue
                self._located(org, country, s, "prose:demonym-place")
                names_project = self.project is not None and self._names_project(s)
                if self.project is not None and (partner_cue.search(s.span.text)
                                                 or (names_project and weak_cue.search(s.span.text))):
                    ex.add_relation(self.project, "hasPartner", org, s, "prose:demonym-partner", 0.65)

    def _split_joined(self) -> None:
        """An organisation named "A and B" where A and B are organisations of the page too is two."""
        ex = self.ex
        orgs = {fold(n): e.key for e in ex.entities.values() if e.type == "Organisation" for n in e.all_names()}
        for e in list(ex.entities.values()):
            if e.type != "Organisation":
                continue
            parts = [re.split(r"\s+(?:and|&)\s+", n, maxsplit=1) for n in e.all_names()]
            if parts and all(len(p) == 2 and fold(p[0]) in orgs and any(
                    key not in (None, e.key) and (name == fold(p[1]) or name.startswith(fold(p[1]) + " "))
                    for name, key in orgs.items()) for p in parts):
                ex.entities.pop(e.key)
                for pos, key in list(ex.mention_key.items()):
                    if key == e.key:
                        del ex.mention_key[pos]

    # -- entities ------------------------------------------------------------------
    def _place_info(self, text: str) -> Any:
        t = text.strip()
        if re.fullmatch(r"[A-Z]{2,3}", t):
            return self.ex.lk.country_by_code("GB" if t == "UK" else "GR" if t == "EL" else t)
        return self.ex.place(t)

    def _is_place(self, text: str) -> bool:
        return self._place_info(text) is not None

    def _looks_like_org(self, name: str) -> bool:
        from kg.extract.mentions import EVENT_LINE_WORD

        event_word = EVENT_LINE_WORD.search(name)
        if event_word and (event_word.group(0).lower() == "forum" or has_org_word(name)):
            event_word = None  # "X Forum", "Y Festival Association" name organisations too
        if ":" in name or event_word or re.search(r"\b(?:19|20)\d\d\b", name):
            return False  # "Kick-off meeting: May 2021" is an event line, not an organisation
        words = name.split()
        if not words or len(words) > 14 or len(name) < 2:
            return False
        if not (name[0].isupper() or name[0].isdigit() or name[0] == "@"):
            return False
        if _NOT_ORG_START.match(name):
            return False
        lower = [w for w in words if w[:1].islower() and w.lower() not in _LOWER_WORDS_OK]
        return len(lower) <= max(1, len(words) // 4)

    def organisation(self, name: str, start: int, rule: str, placed: bool = False) -> str | None:
        """The organisation entity named `name` at `start` (found or made); `placed`: the list gives
        its place, so a name read as a person's is an organisation's."""
        ex = self.ex
        name = clean_name(name)
        if not name or not self._looks_like_org(name):
            return None
        known = self.ex.entity_named(name)
        if known is not None and known.type == "Person" and placed:
            known.type = "Organisation"  # "Name (Country)" in a partner list is an organisation
        if known is not None and known.type != "Organisation":
            return None
        if known is None:
            spans = {k: (s, e) for s, e, k in ex.mentions_covering(start)}
            covering = list(spans)
            for k in covering:
                ent = ex.entities[k]
                if ent.type != "Organisation":
                    continue
                if fold(ent.name) == fold(name) or abs(spans[k][1] - spans[k][0] - len(name)) <= 3:
                    return k
                rest = ent.name[len(name):] if fold(ent.name).startswith(fold(name)) else ""
                tail = re.fullmatch(r"\s*[–—-]\s*(.+)", rest)
                if tail and self._is_place(tail.group(1)):
                    ent.names.discard(ent.name)  # "Name – Country" read as one name: the name is "Name"
                    ent.name = name
                    ent.names.add(name)
                    return k
            for k in covering:
                ent = ex.entities[k]
                if ent.type in ("Person", "Event") and placed and spans[k][0] == start:
                    ent.type = "Organisation"  # "Name (Country)" in a list of partners or participants
                    ent.kind = org_kind(name)
                    ent.attrs.pop("category", None)
                    if fold(ent.name) != fold(name):
                        ent.names.discard(ent.name)
                        ent.name = name
                        ent.names.add(name)
                    return k
            if any(ex.entities[k].type in ("Project", "Person", "FundingProgramme", "Event") for k in covering):
                return None
            info = None if (name.isupper() and len(name) <= 8) else self._place_info(name)
            if info is not None:
                if info.kind != "City" or fold(info.name) != fold(name):
                    return None  # only a city's own name stands for its authority ("Culture" is no city)
                return self.local_authority(info, start, name)
        sent = ex.sentence_at(start)
        key = known.key if known is not None else f"Organisation:{fold(name)}"
        acronym = looks_like_acronym(name) and len(name) <= 10
        ent = ex.new_entity(key, "Organisation", "" if acronym else name, kind=org_kind(name), rule=rule, conf=0.75)
        if acronym:
            ent.acronyms.add(name)
            if not ent.name:
                ent.name = name
        if sent is not None and not any(m.start == start for m in ent.mentions):
            ex.new_entity(key, "Organisation", "", rule=rule, sentence=sent, start=start, end=start + len(name))
            ex.mention_key[(start, start + len(name))] = key
        return key

    def local_authority(self, info: Any, start: int, surface: str) -> str:
        """A city standing for its local authority in a partner list ("Lead partner: Arden")."""
        ex = self.ex
        key = f"la:{info.geonames_id}"
        ent = ex.new_entity(key, "Organisation", "", kind="LocalAuthority", rule="layout:city-partner", conf=0.7,
                            city=info)
        if not ent.name:
            ent.name = f"Municipality of {info.name}"
            ent.names.add(ent.name)
        ent.names.add(surface)
        sent = ex.sentence_at(start)
        if sent is not None:
            ex.new_entity(key, "Organisation", "", rule="layout:city-partner", sentence=sent, start=start,
                          end=start + len(surface))
        self._located(key, info, sent, "layout:city-partner")
        return key

    def _located(self, org: str, info: Any, sent: Sentence | None, rule: str) -> None:
        ex = self.ex
        if info is None:
            return
        pkey = ex.place_entity(info, rule).key
        ex.add_relation(org, "locatedIn", pkey, sent, rule, 0.8)

    def _partner(self, item: layout.Item, lead: bool, rule: str) -> str | None:
        """Record one list item as a partner (the lead as coordinator) with its places."""
        ex = self.ex
        name = item.name
        if re.search(r"(?i)\b(?:lead(?:ing)? partner|coordinator|project leader)\b", item.note):
            lead = True
        city = self._place_info(name) if item.places else None
        if city is not None and city.kind == "City" and any(
                (p := self._place_info(q)) is not None and p.kind == "Country" and p.country_code == city.country_code
                for q in item.places):
            org = self.local_authority(city, item.start, name)  # "Ghent (Belgium)": the city of that country
        else:
            org = self.organisation(name, item.start, rule, placed=bool(item.places))
        if org is None:
            return None
        sent = ex.sentence_at(item.start)
        if self.project is not None:
            ex.add_relation(self.project, "hasPartner", org, sent, rule, 0.8)
            if lead:
                ex.add_relation(self.project, "coordinator", org, sent, rule, 0.75)
        infos = [self._place_info(p) for p in item.places]
        if not any(i is not None and i.kind == "City" for i in infos):
            from kg.extract.relations import place_in_name

            in_name = place_in_name(ex, ex.entities[org].name) if org in ex.entities else None
            if in_name is not None and in_name.kind == "City":
                infos.insert(0, in_name)  # "Burgerplicht Gent (Belgium)": in Gent, in Belgium
        for info in infos:
            self._located(org, info, sent, rule + "-place")
        cities = [i for i in infos if i is not None and i.kind == "City"]
        countries = [i for i in infos if i is not None and i.kind == "Country"]
        for city in cities:
            for country in countries:
                ex.add_relation(f"place:{city.geonames_id}", "locatedIn", f"place:{country.geonames_id}", sent,
                                rule + "-place", 0.8)
        return org

    def _name_then_place_lines(self) -> None:
        """A partner directory: a name on one line, its place on the next ("Velmor Institute" /
        "Lyon, France"). Two such pairs or more make a list of partners."""
        ex = self.ex
        lines = layout.lines(ex.text)
        pairs = []
        for first, second in zip(lines, lines[1:], strict=False):
            parts = [p.strip() for p in re.split(r"[,()–—|]|\s-\s", second.text) if p.strip()]
            if not parts or len(parts) > 3 or not all(self._is_place(p) for p in parts):
                continue
            name = first.text.strip()
            if self._is_place(name) or not self._looks_like_org(name) or first.words > 12:
                continue
            pairs.append(layout.Item(name, first.start, parts))
        if len(pairs) < 2:
            return
        for item in pairs:
            self._partner(item, False, "layout:name-place-lines")

    # -- blocks ------------------------------------------------------------------------
    def _heading_blocks(self) -> None:
        for block in layout.blocks(self.ex.text):
            if block.role == "run":
                self._run(block)
                continue
            for line in block.items:
                self._line_items(line, lead=block.role == "lead", rule=f"layout:{block.role}")

    def _line_items(self, line: layout.Line, lead: bool, rule: str) -> None:
        parts = split_list(line.text) if (";" in line.text or line.text.count(",") >= 2) else [(0, line.text)]
        if len(parts) > 1 and all(self._is_place(p.strip(" .")) for _, p in parts[1:]):
            parts = [(0, line.text)]  # "Name, City, Country"
        for off, part in parts:
            item = layout.split_item(part, line.start + off, self._is_place)
            self._partner(item, lead, rule)

    def _run(self, block: layout.Block) -> None:
        """An unheaded run of short lines is a partner list when most of its lines are organisations."""
        items = [layout.split_item(line.text, line.start, self._is_place) for line in block.items]
        orgish = [it for it in items if self._orgish(it)]
        if len(orgish) < 3 or len(orgish) < 0.6 * len(items):
            return
        for it in orgish:
            self._partner(it, False, "layout:run")

    def _orgish(self, item: layout.Item) -> bool:
        name = clean_name(item.name)
        if not self._looks_like_org(name) or len(name.split()) > 10:
            return False
        known = self.ex.entity_named(name)
        if known is not None:
            return known.type == "Organisation"
        if self._is_place(name):
            return False
        return bool(item.places) or has_org_word(name) or org_kind(name) is not None

    # -- prose ---------------------------------------------------------------------------
    def _prose_enumerations(self) -> None:
        ex = self.ex
        partner_cue = layout.cue_regex("partner_prose")
        lead_cue = layout.cue_regex("lead_prose")
        weak_cue = layout.cue_regex("partner_prose_weak")
        funding_cue = layout.cue_regex("funding_prose")
        for s in ex.sentences:
            text = s.span.text
            cue = partner_cue.search(text)
            if cue is None and self._names_project(s):
                cue = weak_cue.search(text)  # "together with A and B" speaks of partners when it names the project
            lead = lead_cue.search(text)
            if cue is None and lead is None:
                continue
            if self._other_project(s):
                continue
            cut = [m.start() for m in funding_cue.finditer(text)]
            start_at = min(m.start() for m in (cue, lead) if m is not None)
            body_start = text.find(":", start_at)
            body_start = body_start + 1 if body_start >= 0 else start_at
            keys = self._orgs_in(s, cut)
            lead_keys: set[str] = set()
            for each in lead_cue.finditer(text):  # "implemented by a partnership coordinated by X": X
                lead_keys |= self._lead_orgs(s, each, cut)
                if lead_keys:
                    break
            for key in keys if self.project else ():
                ex.add_relation(self.project, "hasPartner", key, s, "prose:partners", 0.7)  # type: ignore[arg-type]
            for key in lead_keys if self.project else ():
                ex.add_relation(self.project, "hasPartner", key, s, "prose:lead", 0.75)  # type: ignore[arg-type]
                ex.add_relation(self.project, "coordinator", key, s, "prose:lead", 0.75)  # type: ignore[arg-type]
            self._enumerated_items(s, body_start, cut)

    def _names_project(self, s: Sentence) -> bool:
        """The sentence names the page's project or speaks of "the project"."""
        ex = self.ex
        if re.search(r"(?i)\b(?:the|this|our) project\b", s.span.text):
            return True
        return any(k == self.project for _a, _b, k in ex.mentions_between(s.span.start, s.span.end))

    def _other_project(self, s: Sentence) -> bool:
        """The sentence names a project that is not the page's."""
        ex = self.ex
        return any(
            ex.entities[k].type == "Project" and k != self.project
            for _a, _b, k in ex.mentions_between(s.span.start, s.span.end)
        )

    def _orgs_in(self, s: Sentence, cut: Iterable[int]) -> set[str]:
        ex = self.ex
        cuts = sorted(cut)
        out = set()
        for a, _b, key in ex.mentions_between(s.span.start, s.span.end):
            if ex.entities[key].type != "Organisation":
                continue
            rel = a - s.span.start
            if any(c < rel and not re.search(r"[;:]", s.span.text[c:rel]) for c in cuts):
                continue  # inside a "funded by …" clause
            if re.search(r"(?i)\b(?:organi[sz]ed|hosted|held|convened|launched)\s+by\s+(?:the\s+)?$",
                         s.span.text[max(0, rel - 40) : rel]):
                continue  # the host of an event is not a partner for saying so
            out.add(key)
        return out

    def _lead_orgs(self, s: Sentence, lead: re.Match[str], cut: Iterable[int]) -> set[str]:
        """Organisations next to a lead cue: right after "led by", or the subject of "is the leading partner"."""
        ex = self.ex
        text = s.span.text
        out = set()
        after_cue = lead.group(0).lower().endswith("by")
        window = (lead.end(), lead.end() + 6) if after_cue else (max(0, lead.start() - 120), lead.start())
        best: tuple[int, str] | None = None
        for a, b, key in ex.mentions_between(s.span.start, s.span.end):
            rel = a - s.span.start
            if ex.entities[key].type != "Organisation":
                continue
            if not (s.span.start <= a < s.span.end and window[0] <= rel <= window[1]):
                continue
            dist = rel - window[0] if after_cue else window[1] - (b - s.span.start)
            if best is None or dist < best[0]:
                best = (dist, key)
        if best is None and after_cue:
            m = re.match(r"\s*(?:the\s+)?([A-ZÀ-Ž@][^,;:.()]{1,80}?)(?=\s*(?:[,;:.(]|\s[–—-]\s|$))", text[lead.end():])
            if m:
                item = layout.split_item(text[lead.end() + m.start(1):].split(",")[0].split(";")[0],
                                         s.span.start + lead.end() + m.start(1), self._is_place)
                key = self._partner(item, True, "prose:lead")
                if key:
                    out.add(key)
        elif best is not None:
            out.add(best[1])
        return out

    def _join_names(self, items: list[tuple[int, str]], group: str, base: int) -> list[tuple[int, str]]:
        """Join list parts that one name spans ("Council on Refugees and Migrants (X)" is one item
        when the page names "Council on Refugees and Migrants")."""
        spans = [(a - base, b - base) for a, b, k in self.ex.mentions_between(base, base + len(group))
                 if self.ex.entities[k].type == "Organisation"]
        out: list[tuple[int, str]] = []
        for off, part in items:
            if out:
                p_off, p_part = out[-1]
                gap_start, gap_end = p_off + len(p_part), off
                if re.search(r"\b(?:on|of|for|in)\s+(?:the\s+)?[A-ZÀ-Ž][\w'’-]*$", p_part) and any(
                    a < gap_start and gap_end < b for a, b in spans
                ):
                    out[-1] = (p_off, group[p_off : off + len(part)])
                    continue
            out.append((off, part))
        return out

    def _enumerated_items(self, s: Sentence, body_start: int, cut: Iterable[int]) -> None:
        """Items of an enumeration after the cue: "A (Italy), B (Iraq)", "A – Portugal; B – France",
        "A and B from Italy; C from Austria"."""
        text = s.span.text
        body = text[body_start:]
        end = len(body)
        for c in cut:
            if c > body_start:
                end = min(end, c - body_start)
        body = body[:end]
        city_list = bool(re.search(r"(?i)\b(?:cities|municipalities|towns|local authorities)\b", text))
        groups = re.split(r";", body)
        pos = body_start
        for group in groups:
            g_start = pos
            pos += len(group) + 1
            shared: list[str] = []
            m = re.search(r"\s+(?:from|in)\s+(?:the\s+)?([A-ZÀ-Ž][\w .'’-]{1,40}?)\s*[.;]?\s*$", group)
            if m and self._is_place(m.group(1)):
                shared = [m.group(1)]
                group = group[: m.start()]
            items = self._join_names([
                (off + w_off, part)
                for w_off, chunk in _split_with(group)
                for off, part in split_list(chunk)
            ], group, s.span.start + g_start)
            if len(items) < 2 and not shared and not re.search(r"\(|\s[–—-]\s", group):
                continue
            for off, part in items:
                part_start = s.span.start + g_start + off
                # "… and C" that starts the group: drop a leading lower-case lead-in ("other participants came from")
                lead_in = re.match(r"^(?:[a-z][\w'’-]*\s+|\d+\s+)+", part)
                if lead_in:
                    part_start += lead_in.end()
                    part = part[lead_in.end():]
                item = layout.split_item(part, part_start, self._is_place)
                city = self._place_info(item.name) if city_list else None
                if city is not None and city.kind == "City":
                    self._partner(item, False, "prose:city-partners")  # "the cities of A, B and C"
                    continue
                if not (item.places or shared or self.ex.entity_named(item.name)):
                    continue
                if not item.places and self._is_place(item.name):
                    continue  # "met in A and in B": places, not partners
                if not item.places:
                    item.places = list(shared)
                self._partner(item, False, "prose:enumeration")
