"""A seeded generator of synthetic documents, with their gold annotation, for benchmarks.

`generate_corpus(n, out_dir, seed)` writes `n` plain-text documents in the three genres of the
product (news items, project factsheets, dated timelines) and a `gold.yaml` in the format of
`tests/data/gold/seeds.yaml` that says exactly which entities, relations and facts the documents
state. The world behind the documents is built from real reference data: GeoNames European cities
and their countries (`kg.reference.places`), the real EU funding programmes
(`kg.reference.programmes`), organisation names from general patterns ("Municipality of {City}",
"{City} Refugee Council", "Association {Word}" ...), people from common European given names and
surnames, and project acronyms made of random letters or words.

The documents measure speed and entity resolution at scale. They are never used to tune the
extractor: their phrasing is fixed here and says nothing about the real corpus.

Run ``python -m benchmarks.corpus 30 /tmp/corpus`` to write a corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

GENRES = ("news", "factsheet", "timeline")
# Countries that take part in no EU programme: their cities make no plausible partners.
EXCLUDED_COUNTRIES = frozenset({"RU", "BY"})
MIN_POPULATION = 50_000
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")

GIVEN_NAMES = (
    "Anna", "Marta", "Maria", "Sofia", "Elena", "Laura", "Julia", "Eva", "Clara", "Ines",
    "Lucia", "Paula", "Sara", "Nora", "Hanna", "Emma", "Ida", "Alma", "Lea", "Vera", "Irene",
    "Katarina", "Petra", "Zuzana", "Agnieszka", "Ewa", "Ioana", "Elif", "Chiara", "Giulia",
    "Francesca", "Camille", "Chloé", "Manon", "Ingrid", "Astrid", "Sanna", "Aino", "Lotte",
    "Sofie", "Jana", "Tereza", "Marek", "Tomás", "Luca", "Marco", "Paolo", "Andrea", "Javier",
    "Pablo", "Diego", "Miguel", "João", "Pedro", "Rui", "Pierre", "Louis", "Hugo", "Jan",
    "Pieter", "Lars", "Anders", "Mikael", "Jonas", "Lukas", "Felix", "Max", "Stefan", "Andreas",
    "Nikos", "Giorgos", "Dimitris", "Piotr", "Tomasz", "Pavel", "Martin", "Ivan", "Mihai",
    "Bogdan", "Matej", "Luka", "Daniel", "David", "Thomas", "Oliver", "Emil", "Henrik",
)
SURNAMES = (
    "Kowalski", "Nowak", "Wiśniewska", "Bernardi", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Romano", "García", "Martínez", "López", "Sánchez", "Fernández", "Moreno",
    "Silva", "Santos", "Ferreira", "Pereira", "Costa", "Martin", "Bernard", "Dubois", "Lefebvre",
    "Moreau", "Laurent", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker",
    "Hoffmann", "Wagner", "Janssen", "de Vries", "Peeters", "Jacobs", "Maes", "Andersen",
    "Nielsen", "Hansen", "Larsen", "Johansson", "Lindqvist", "Nyberg", "Virtanen", "Korhonen",
    "Novák", "Svoboda", "Dvořák", "Horvat", "Kovačić", "Novotná", "Popescu", "Ionescu",
    "Georgiou", "Papadopoulos", "Nikolaidis", "Petrov", "Ivanova", "Dimitrova", "Kelly",
    "Murphy", "Walsh", "Gruber", "Huber", "Bauer", "Mayer", "Kaya", "Demir", "Zammit", "Borg",
    "Vella", "Kask", "Tamm", "Ozols", "Kalniņa", "Kazlauskas", "Jensen", "Berg", "Haugen",
)
ASSOCIATION_WORDS = (
    "Horizonte", "Aurora", "Mosaic", "Kairos", "Agora", "Nexus", "Ubuntu", "Babel", "Lighthouse",
    "Compass", "Harmonia", "Vita Nova", "Terra", "Iris", "Phoenix", "Atlas", "Orizzonti",
    "Libertas", "Concordia", "Amicitia", "Pontes", "Open Doors", "Common Ground", "Crossroads",
    "New Roots", "Safe Passage", "Tandem", "Kaleidoscope", "Polyphony", "Welcome Home",
)
FUNDACION_WORDS = (
    "Acogida", "Esperanza", "Raíces", "Caminos", "Encuentro", "Convivencia", "Horizonte",
    "Caminos", "Semilla", "Amanecer", "Alianza", "Arraigo", "Vínculos", "Diversidad",
)
ACRONYM_WORDS = (
    "BRIDGE", "HARBOUR", "WELCOME", "ROOTS", "NEST", "ANCHOR", "KITE", "LANTERN", "MOSAIC",
    "COMPASS", "TABLE", "GARDEN", "VOICES", "PATHS", "HOME", "SPARK", "ORBIT", "RIVER", "TANDEM",
    "HIVE", "ATLAS", "CIRCLE", "BEACON", "HORIZON", "MEADOW", "PRISM", "THREAD", "VESSEL",
)
ACRONYM_SUFFIXES = ("", "", "", "4ALL", "-IN", "+", "2", "-EU", "4INCLUSION", "-NET")
TITLE_WORDS = (
    ("Welcoming", "Inclusive", "Shared", "Local", "Open", "Active", "Connected", "Resilient",
     "Diverse", "Empowered", "Supportive", "Intercultural"),
    ("Communities", "Cities", "Neighbourhoods", "Networks", "Schools", "Workplaces", "Regions",
     "Municipalities", "Partnerships", "Pathways"),
    ("for", "through", "towards", "with"),
    ("Integration", "Inclusion", "Participation", "Employment", "Housing", "Education",
     "Language Learning", "Mentoring", "Belonging", "Civic Engagement"),
)
EVENT_TITLE_WORDS = (
    ("Open", "Shared", "Common", "New", "Welcoming", "Local", "Bright", "Safe", "Many", "Small"),
    ("Doors", "Tables", "Voices", "Paths", "Stories", "Bridges", "Kitchens", "Streets", "Maps",
     "Gardens", "Windows", "Steps"),
    ("housing and work", "language and belonging", "schools and families", "health and care",
     "jobs and skills", "sport and youth", "culture and memory", "rights and services"),
)
FILLER = (
    "The partners agreed to share their training materials and to meet again online in the "
    "coming months.",
    "Participants stressed that information in plain language and interpreting services are "
    "decisive in the first weeks after arrival.",
    "The discussion focused on access to housing, recognition of qualifications and the role "
    "of volunteers in welcoming newcomers.",
    "A short survey among participants showed that most of them want more exchange of "
    "practices between small and medium-sized towns.",
    "The results will feed into a set of recommendations for local authorities and civil "
    "society organisations.",
    "Newly arrived residents took part in the discussion and described their own experience "
    "of the first months in a new country.",
    "The team presented a toolkit for trainers, with exercises on intercultural dialogue and "
    "on tackling rumours and stereotypes.",
    "Mentors and mentees meet every two weeks, and the pairs are matched according to their "
    "interests, age and language skills.",
)
OBJECTIVES = (
    "{acr} develops a blended training path that helps adult migrants to have their "
    "skills recognised and to enter vocational training.",
    "It tests peer-mentoring circles run by former participants and a digital skills passport "
    "used together with local employment services.",
    "By the end of the project at least {k} learners and {m} trainers will have taken part, and "
    "a toolkit for practitioners will be published in several languages.",
    "The partners will map existing services, train front-line staff and organise community "
    "events that bring newcomers and long-term residents together.",
)
ALSO_OK = ["European Union", "EU", "European Commission", "Commission", "toolkit",
           "digital skills passport", "peer-mentoring circles", "survey", "workshop", "webinar"]


def _slug(text: str) -> str:
    """An ASCII identifier for gold ids."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def _ascii(text: str) -> str:
    """The text without accents (a second surface form for names with diacritics)."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c))


def _long_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _dotted(d: date) -> str:
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


@dataclass
class City:
    """A GeoNames city with its country."""

    id: str
    name: str
    geonames_id: int
    country_id: str
    country_name: str
    country_geonames_id: int


@dataclass
class Org:
    """An organisation of the synthetic world."""

    id: str
    name: str
    city: City
    kind: str | None
    name_has_city: bool
    people: list[str] = field(default_factory=list)


@dataclass
class Project:
    """A project of the synthetic world."""

    id: str
    acronym: str
    title: str
    programme: Any
    number: str
    start: date
    months: int
    partners: list[Org]
    municipal: bool


class Gold:
    """The gold annotation being written: entities, relations and facts, in order."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Any]] = {}
        self.relations: list[list[str]] = []
        self.facts: list[list[str]] = []
        self._rel_seen: set[tuple[str, str, str]] = set()
        self._fact_seen: set[tuple[str, str, str]] = set()

    def entity(self, eid: str, typ: str, *, kind: str | None = None,
               geonames: int | None = None) -> None:
        """Declare an entity (idempotent)."""
        if eid not in self.entities:
            entry: dict[str, Any] = {"type": typ}
            if kind:
                entry["kind"] = kind
            entry["names"] = []
            if geonames is not None:
                entry["geonames"] = geonames
            entry["docs"] = []
            self.entities[eid] = entry

    def mention(self, eid: str, name: str, doc: str | None) -> str:
        """Record that `doc` names entity `eid` as `name`; returns the name for the text."""
        entry = self.entities[eid]
        for form in (name, _ascii(name)):
            if form not in entry["names"]:
                entry["names"].append(form)
        if doc is not None and doc not in entry["docs"]:
            entry["docs"].append(doc)
        return name

    def relation(self, s: str, p: str, o: str) -> None:
        """Add a relation once."""
        if (s, p, o) not in self._rel_seen:
            self._rel_seen.add((s, p, o))
            self.relations.append([s, p, o])

    def fact(self, s: str, p: str, value: str) -> None:
        """Add a literal fact once."""
        if (s, p, value) not in self._fact_seen:
            self._fact_seen.add((s, p, value))
            self.facts.append([s, p, value])

    def as_dict(self) -> dict[str, Any]:
        """The gold annotation as YAML-ready data (entities without documents keep no docs)."""
        entities = {}
        for eid, entry in self.entities.items():
            e = dict(entry)
            if not e["docs"]:
                del e["docs"]
            entities[eid] = e
        return {"entities": entities, "relations": self.relations, "facts": self.facts,
                "also_ok": ALSO_OK}


def reference_cities(min_population: int = 100_000) -> list[City]:
    """European GeoNames cities whose name resolves back to them, with their countries."""
    from kg.reference.places import country_by_code, european_cities, lookup_place

    out: list[City] = []
    for place in european_cities(min_population):
        found = lookup_place(place.name)
        country = country_by_code(place.country_code)
        if found is None or found.geonames_id != place.geonames_id or country is None:
            continue
        if place.country_code in EXCLUDED_COUNTRIES:
            continue
        if not re.fullmatch(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*", place.name):
            continue  # names with brackets, digits or commas would make odd organisation names
        out.append(City(
            id=f"city_{place.geonames_id}", name=place.name, geonames_id=place.geonames_id,
            country_id=f"country_{place.country_code.lower()}", country_name=country.name,
            country_geonames_id=country.geonames_id,
        ))
    return sorted(out, key=lambda c: c.geonames_id)


class World:
    """The synthetic world: projects, organisations and people drawn from reference data."""

    def __init__(self, rng: random.Random, cities: list[City], programmes: list[Any]) -> None:
        self.rng = rng
        self.cities = cities
        self.programmes = programmes
        self.orgs: list[Org] = []
        self.org_names: set[str] = set()
        self.people: dict[str, tuple[str, Org]] = {}
        self.person_names: set[str] = set()
        self.acronyms: set[str] = {p.acronym.upper() for p in programmes if p.acronym}
        self.titles: set[str] = set()
        self.event_titles: set[str] = set()

    # -- names -----------------------------------------------------------------
    def _org_name(self, city: City) -> tuple[str, str | None, bool]:
        rng = self.rng
        for _ in range(50):
            pattern = rng.randrange(7)
            if pattern == 0:
                return f"Municipality of {city.name}", "LocalAuthority", True
            if pattern == 1:
                return f"{city.name} Integration Centre", "NGO", True
            if pattern == 2:
                return f"University of {city.name}", "ResearchOrganisation", True
            if pattern == 3:
                return f"{city.name} Refugee Council", "NGO", True
            if pattern == 4:
                word = rng.choice(ASSOCIATION_WORDS)
                name = f"Association {word}"
                if name in self.org_names:
                    name = f"Association {word} {city.name}"
                return name, "NGO", name.endswith(city.name)
            if pattern == 5:
                return f"Fundación {rng.choice(FUNDACION_WORDS)} {city.name}", "NGO", True
            return f"{city.name} Women's Integration Network", "NGO", True
        raise RuntimeError("no free organisation name")  # pragma: no cover

    def new_org(self, city: City | None = None, municipal: bool = False) -> Org:
        """A new organisation with a name no other organisation has."""
        for attempt in range(400):
            c = city or self.rng.choice(self.cities)
            if municipal and attempt < 100:  # then any kind: the municipalities are taken
                name, kind, has_city = f"Municipality of {c.name}", "LocalAuthority", True
            else:
                name, kind, has_city = self._org_name(c)
            if name not in self.org_names:
                break
            city = None  # that city's name is taken: try another
        else:  # pragma: no cover - the pools are far larger than any corpus
            raise RuntimeError("ran out of organisation names")
        self.org_names.add(name)
        org = Org(id=f"org_{len(self.orgs):05d}_{_slug(name)[:40]}", name=name, city=c,
                  kind=kind, name_has_city=has_city)
        self.orgs.append(org)
        return org

    def person(self, org: Org) -> str:
        """A person working at `org` (an existing one half of the time)."""
        if org.people and self.rng.random() < 0.5:
            return self.rng.choice(org.people)
        for _ in range(500):
            name = f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(SURNAMES)}"
            if name not in self.person_names:
                break
        else:  # pragma: no cover
            raise RuntimeError("ran out of person names")
        self.person_names.add(name)
        pid = f"person_{len(self.people):05d}_{_slug(name)}"
        self.people[pid] = (name, org)
        org.people.append(pid)
        return pid

    def acronym(self) -> str:
        """A fresh project acronym: random letters, or a word with a suffix."""
        rng = self.rng
        while True:
            if rng.random() < 0.5:
                letters = "ABCDEFGHIKLMNOPRSTUVWZ"
                acr = "".join(rng.choice(letters) for _ in range(rng.randint(4, 6)))
            else:
                acr = rng.choice(ACRONYM_WORDS) + rng.choice(ACRONYM_SUFFIXES)
            if acr not in self.acronyms:
                self.acronyms.add(acr)
                return acr

    def title(self) -> str:
        """A fresh full project title."""
        while True:
            words = [self.rng.choice(pool) for pool in TITLE_WORDS]
            t = " ".join(words)
            if t not in self.titles:
                self.titles.add(t)
                return t

    def event_title(self, city: City) -> str:
        """A fresh quoted event title ("Open Doors: housing and work in Ghent")."""
        while True:
            a, b, c = (self.rng.choice(pool) for pool in EVENT_TITLE_WORDS)
            t = f"{a} {b}: {c} in {city.name}"
            if t not in self.event_titles:
                self.event_titles.add(t)
                return t

    # -- projects ------------------------------------------------------------------
    def project(self, index: int) -> Project:
        """A new project with 3 to 6 partners (some shared with earlier projects)."""
        rng = self.rng
        municipal = rng.random() < 0.25
        partners: list[Org] = []
        k = rng.randint(3, 6)
        while len(partners) < k:
            reuse = [o for o in self.orgs if o not in partners and
                     (not municipal or o.kind == "LocalAuthority")]
            if reuse and rng.random() < 0.2:
                partners.append(rng.choice(reuse))
            else:
                partners.append(self.new_org(municipal=municipal))
        cities = {o.city.id for o in partners}
        if len(cities) < 2:  # a transnational project: at least two cities
            partners.append(self.new_org(municipal=municipal))
        acronym = self.acronym()
        start = date(2015 + rng.randrange(10), 1 + rng.randrange(12), 1)
        programme = rng.choice(self.programmes)
        number = str(101_000_000 + rng.randrange(999_999))
        return Project(id=f"proj_{index:05d}_{_slug(acronym)}", acronym=acronym, title=self.title(),
                       programme=programme, number=number, start=start,
                       months=rng.choice((12, 18, 24, 30, 36)), partners=partners,
                       municipal=municipal)


class Writer:
    """Writes documents of one project and records in the gold what they state."""

    def __init__(self, world: World, gold: Gold) -> None:
        self.w = world
        self.g = gold
        self.rng = world.rng

    # -- gold helpers ------------------------------------------------------------
    def city(self, c: City, doc: str | None) -> str:
        g = self.g
        g.entity(c.id, "City", geonames=c.geonames_id)
        g.entity(c.country_id, "Country", geonames=c.country_geonames_id)
        g.mention(c.country_id, c.country_name, None)
        g.relation(c.id, "locatedIn", c.country_id)
        return g.mention(c.id, c.name, doc)

    def country(self, c: City, doc: str) -> str:
        self.city(c, None)
        return self.g.mention(c.country_id, c.country_name, doc)

    def org(self, o: Org, doc: str) -> str:
        self.g.entity(o.id, "Organisation", kind=o.kind)
        if o.name_has_city:  # "Municipality of Ghent" says where it is
            self.city(o.city, doc)
            self.g.relation(o.id, "locatedIn", o.city.id)
        return self.g.mention(o.id, o.name, doc)

    def based_in(self, o: Org, doc: str) -> str:
        """The city of an organisation, written next to it ("Association Aurora, Lyon")."""
        self.g.relation(o.id, "locatedIn", o.city.id)
        return self.city(o.city, doc)

    def person(self, pid: str, doc: str) -> str:
        name, org = self.w.people[pid]
        self.g.entity(pid, "Person")
        self.g.relation(pid, "memberOf", org.id)
        return self.g.mention(pid, name, doc)

    def project(self, p: Project, doc: str, *, title: bool = False) -> str:
        self.g.entity(p.id, "Project")
        self.g.mention(p.id, p.acronym, doc)
        if title:
            self.g.mention(p.id, p.title, doc)
        return p.acronym

    def programme(self, p: Project, doc: str) -> str:
        prog = p.programme
        pid = f"prog_{_slug(prog.id)}"
        self.g.entity(pid, "FundingProgramme")
        self.g.relation(p.id, "fundedBy", pid)
        text = self.g.mention(pid, prog.name, doc)
        if prog.acronym and prog.acronym.lower() not in prog.name.lower():
            self.g.mention(pid, prog.acronym, doc)
            text = f"{prog.name} ({prog.acronym})"
        return text

    def partners(self, p: Project, doc: str, orgs: list[Org]) -> None:
        for o in orgs:
            rel = "coordinator" if o is p.partners[0] else "hasPartner"
            self.g.relation(p.id, rel, o.id)
            self.g.relation(p.id, "operatesIn", o.city.id)

    def event(self, eid: str, title: str, doc: str, *, project: Project | None = None,
              city: City | None = None, organiser: Org | None = None,
              day: date | None = None, last: date | None = None) -> str:
        g = self.g
        g.entity(eid, "Event")
        g.mention(eid, title, doc)
        if project is not None:
            g.relation(eid, "activityOf", project.id)
        if city is not None:
            g.relation(eid, "locatedIn", city.id)
        if organiser is not None:
            g.relation(eid, "organisedBy", organiser.id)
        if day is not None and last is not None:
            g.fact(eid, "startDate", day.isoformat())
            g.fact(eid, "endDate", last.isoformat())
        elif day is not None:
            g.fact(eid, "date", day.isoformat())
        return title

    def _where(self, o: Org, doc: str) -> str:
        """ "Org" or "Org, City" and the country in brackets, for partner lists."""
        name = self.org(o, doc)
        country = self.country(o.city, doc)
        if o.name_has_city:
            return f"{name} ({country})"
        return f"{name}, {self.based_in(o, doc)} ({country})"

    def _day_in(self, p: Project) -> date:
        return p.start + timedelta(days=self.rng.randrange(max(30, p.months * 30 - 30)))

    # -- genres ------------------------------------------------------------------
    def news(self, p: Project, doc: str) -> str:
        """A news item about a partner meeting, or an online exchange between municipalities."""
        municipalities = [o for o in p.partners if o.kind == "LocalAuthority"]
        if p.municipal and len(municipalities) >= 2:
            return self._exchange(p, doc, municipalities[:2])
        return self._meeting(p, doc)

    def _meeting(self, p: Project, doc: str) -> str:
        rng = self.rng
        host = rng.choice(p.partners)
        coord = p.partners[0]
        day = self._day_in(p)
        acr = self.project(p, doc)
        city = host.city
        eid = f"event_{doc}_meeting"
        title = self.event(eid, self.w.event_title(city), doc, project=p, city=city,
                           organiser=host, day=day, last=day + timedelta(days=1))
        ordinal = rng.choice(ORDINALS[1:5])
        lines = [
            f"{acr} partners meet in {self.city(city, doc)} for the {ordinal} transnational "
            f"meeting",
            "",
            f"On {_long_date(day)} the partners of the {acr} project gathered in "
            f"{self.city(city, doc)}, {self.country(city, doc)}, for a two-day partner meeting, "
            f"\u201c{title}\u201d, hosted by the {self.org(host, doc)}. The project, funded "
            f"under the {self.programme(p, doc)}, brings together {len(p.partners)} "
            f"organisations that work with newly arrived migrants and refugees.",
            "",
        ]
        self.partners(p, doc, [host])
        self.g.relation(host.id, "participatedIn", eid)
        coord_person = self.w.person(coord)
        coordinator = self.person(coord_person, doc)
        lines.append(
            f"{coordinator}, coordinator of the project at the {self.org(coord, doc)}, opened the "
            f"meeting by presenting the results of the first months. {rng.choice(FILLER)}")
        lines.append("")
        self.partners(p, doc, [coord])
        self.g.relation(coord.id, "participatedIn", eid)
        self.g.relation(coord_person, "participatedIn", eid)
        others = [o for o in p.partners if o is not host and o is not coord]
        for i, o in enumerate(others):
            self.partners(p, doc, [o])
            self.g.relation(o.id, "participatedIn", eid)
            if i % 2 == 0:
                where = "" if o.name_has_city else f", based in {self.based_in(o, doc)},"
                lines.append(f"Representatives of the {self.org(o, doc)}{where} explained how "
                             f"their services for newcomers have changed. {rng.choice(FILLER)}")
            else:
                person = self.w.person(o)
                self.g.relation(person, "participatedIn", eid)
                where = "" if o.name_has_city else f" in {self.based_in(o, doc)}"
                lines.append(f"{self.person(person, doc)} from the {self.org(o, doc)}{where} "
                             f"described the local activities of the project. {rng.choice(FILLER)}")
            lines.append("")
        lines.append(f"The meeting closed with a workshop on measuring social impact. "
                     f"{rng.choice(FILLER)}")
        return "\n".join(lines) + "\n"

    def _exchange(self, p: Project, doc: str, munis: list[Org]) -> str:
        rng = self.rng
        a, b = munis
        day = self._day_in(p)
        acr = self.project(p, doc)
        eid = f"event_{doc}_exchange"
        title = self.event(eid, self.w.event_title(a.city), doc, project=p, day=day)
        ordinal = rng.choice(ORDINALS[:6])
        moderator = next((o for o in p.partners if o not in munis), None)
        for o in munis:
            self.org(o, doc)
            self.g.relation(o.id, "participatedIn", eid)
        self.partners(p, doc, munis)
        city_a, city_b = self.city(a.city, doc), self.city(b.city, doc)
        text = [
            "online peer learning exchange",
            "Concluded",
            f"On {_long_date(day)} the {a.name} and the {b.name} held the {ordinal} online "
            f"peer learning exchange of the {acr} network, \u201c{title}\u201d, to discuss "
            f"integration challenges and good practices.",
        ]
        if moderator is not None:
            self.partners(p, doc, [moderator])
            self.g.relation(moderator.id, "participatedIn", eid)
            text[-1] += f" The meeting was moderated by the {self.org(moderator, doc)}."
        text.append(f"The representatives of {city_a} presented their welcome desks for newly "
                    f"arrived residents, while the team from {city_b} described the services of "
                    f"its one-stop shop. {rng.choice(FILLER)} {rng.choice(FILLER)}")
        text.append(f"The exchange is part of the {acr} project, funded by the "
                    f"{self.programme(p, doc)}, which connects {len(p.partners)} cities to share "
                    f"integration practices.")
        return "\n".join(text) + "\n"

    def factsheet(self, p: Project, doc: str) -> str:
        """A project factsheet with Key: value fields, a partner list and a funding sentence."""
        rng = self.rng
        acr = self.project(p, doc, title=True)
        end_month = p.start.month - 1 + p.months - 1
        end = date(p.start.year + end_month // 12, end_month % 12 + 1, 1)
        coord = p.partners[0]
        self.partners(p, doc, p.partners)
        self.g.fact(p.id, "projectNumber", p.number)
        self.g.fact(p.id, "startDate", f"{p.start.year}-{p.start.month:02d}")
        self.g.fact(p.id, "endDate", f"{end.year}-{end.month:02d}")
        partners = ", ".join(self._where(o, doc) for o in p.partners[1:])
        lines = [
            "PROJECT FACTSHEET",
            f"Project acronym: {acr}",
            f"Full project title: {p.title}",
            f"Project duration: {p.months} months ({MONTHS[p.start.month - 1]} {p.start.year} "
            f"\u2013 {MONTHS[end.month - 1]} {end.year})",
            f"Coordinator: {self._where(coord, doc)}",
            f"Partners: {partners}",
            f"Funding: Co-funded by the European Union under the {self.programme(p, doc)} "
            f"(project number {p.number}).",
            f"Contact: info@{_slug(acr).replace('_', '-')}-project.eu",
            "OBJECTIVES",
        ]
        cities = sorted({o.city.name for o in p.partners})
        for c in sorted({o.city.id: o.city for o in p.partners}.values(), key=lambda c: c.name):
            self.city(c, doc)
        body = [s.format(acr=acr, k=rng.randint(50, 400), m=rng.randint(10, 80))
                for s in OBJECTIVES]
        body.insert(1, f"In {', '.join(cities[:-1])} and {cities[-1]} the partners will pilot "
                       f"the approach with local employment services.")
        lines.append(" ".join(body))
        return "\n".join(lines) + "\n"

    def timeline(self, p: Project, doc: str) -> str:
        """A timeline of dated "DD.MM.YYYY – Actor verb …" lines, some with date ranges."""
        rng = self.rng
        acr = self.project(p, doc)
        month_start = self._day_in(p).replace(day=1)
        lines = [f"{MONTHS[month_start.month - 1]} {month_start.year} \u2013 activities of the "
                 f"{acr} partners", ""]
        days = sorted(rng.sample(range(1, 27), 6))
        actors = list(p.partners)
        rng.shuffle(actors)
        for i, dnum in enumerate(days):
            day = month_start.replace(day=dnum)
            actor = actors[i % len(actors)]
            self.partners(p, doc, [actor])
            name = self.org(actor, doc)
            city = actor.city
            eid = f"event_{doc}_{i}"
            kind = i % 5
            if kind == 0:
                last = day + timedelta(days=rng.randint(5, 20))
                title = self.event(eid, self.w.event_title(city), doc, city=city, organiser=actor,
                                   day=day, last=last)
                lines.append(f"{_dotted(day)} \u2013 {_dotted(last)} \u2013 {name} runs the "
                             f"awareness campaign \u201c{title}\u201d on social media and in "
                             f"bus shelters across {self.city(city, doc)}.")
            elif kind == 1:
                other = self.w.new_org(city=city) if rng.random() < 0.5 else rng.choice(actors)
                title = self.event(eid, self.w.event_title(city), doc, city=city, organiser=actor,
                                   day=day)
                tail = ""
                if other is not actor:
                    self.g.relation(actor.id, "collaboratesWith", other.id)
                    tail = f", together with the {self.org(other, doc)}"
                lines.append(f"{_dotted(day)} \u2013 The {name} organises the workshop "
                             f"\u201c{title}\u201d in {self.city(city, doc)}{tail}.")
            elif kind == 2:
                host_city = rng.choice(self.w.cities)
                host = self.w.new_org(city=host_city)
                title = self.event(eid, self.w.event_title(host_city), doc, organiser=host, day=day)
                self.g.relation(actor.id, "participatedIn", eid)
                lines.append(f"{_dotted(day)} \u2013 The {name} presents the {acr} project at the "
                             f"conference \u201c{title}\u201d hosted by the {self.org(host, doc)}.")
            elif kind == 3:
                last = day + timedelta(days=1)
                title = self.event(eid, self.w.event_title(city), doc, project=p, city=city,
                                   organiser=actor, day=day, last=last)
                lines.append(f"{_dotted(day)} - {_dotted(last)} \u2013 The project partners "
                             f"meet in {self.city(city, doc)} for the transnational steering "
                             f"committee \u201c{title}\u201d, hosted by the {name}.")
            else:
                person = self.w.person(actor)
                lines.append(f"{_dotted(day)} \u2013 {self.person(person, doc)}, project officer "
                             f"at the {name}, gives an interview on local radio about access to "
                             f"housing for refugee families.")
        return "\n".join(lines) + "\n"


def generate_corpus(n: int, out_dir: Path, seed: int = 0) -> Path:
    """Write `n` documents and `gold.yaml` into `out_dir`; returns the gold file's path."""
    from kg.reference.programmes import all_programmes

    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    programmes = sorted(all_programmes(), key=lambda p: p.id)
    world = World(rng, reference_cities(MIN_POPULATION), programmes)
    gold = Gold()
    writer = Writer(world, gold)
    projects: list[Project] = []
    for i in range(n):
        genre = GENRES[i % len(GENRES)]
        if i % len(GENRES) == 0:
            projects.append(world.project(len(projects)))
        project = projects[-1]
        stem = f"{i:05d}_{genre}"
        text = getattr(writer, genre)(project, stem)
        (out_dir / f"{stem}.txt").write_text(text, encoding="utf-8")
    gold_path = out_dir / "gold.yaml"
    header = (f"# Gold annotation of {n} synthetic documents (benchmarks.corpus, seed {seed}).\n"
              "# Format of tests/data/gold/seeds.yaml. Generated: for speed and resolution at "
              "scale, never for tuning.\n")
    body = yaml.safe_dump(gold.as_dict(), sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    gold_path.write_text(header + body, encoding="utf-8")
    return gold_path


def document_paths(out_dir: Path) -> list[Path]:
    """The documents of a generated corpus, in order."""
    return sorted(Path(out_dir).glob("*.txt"))


def main(argv: list[str] | None = None) -> None:
    """Write a corpus from the command line."""
    parser = argparse.ArgumentParser(description="Write a synthetic corpus and its gold file.")
    parser.add_argument("n", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(generate_corpus(args.n, args.out_dir, args.seed))


if __name__ == "__main__":
    main()
