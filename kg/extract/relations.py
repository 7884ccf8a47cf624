"""Relation rules over sentences whose mentions are masked as typed slots.

A sentence "Irene Soria, project manager at SSF in Madrid" becomes
"⟨PER:0⟩, project manager at ⟨ORG:1⟩ in ⟨CITY:2⟩" and each rule is a regular
expression over that form, so a rule reads like the sentence pattern it covers.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

from kg.extract.mentions import EVENT_WORDS, ROLE_WORDS, UNNAMED_OK, event_anaphors
from kg.extract.names import fold, has_org_word, starts_with_word, title_case, word_spans
from kg.model import Mention

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor, Sentence


def slot(types: str, name: str) -> str:
    """Regex for one masked mention of the given types, capturing its index as `name`."""
    return rf"⟨(?:{types}):(?P<{name}>\d+)⟩"


ORG, PER, PRJ, CITY, CTRY, EVT, PRG = "ORG", "PER", "PRJ", "CITY", "CTRY", "EVT", "PRG"
PLACE = "CITY|CTRY"
AGENT = "ORG|PER"
_LIST = (
    r"(?:\s+(?:from|in|based in)\s+⟨(?:CITY|CTRY):\d+⟩)?"
    r"(?:(?:\s*[,;]\s*|\s+and\s+|\s*,\s*and\s+)(?:the\s+)?⟨(?:{t}):\d+⟩(?:\s*\([^()⟨]{{1,40}}\))?"
    r"(?:\s+(?:from|in|based in)\s+⟨(?:CITY|CTRY):\d+⟩)?)*"
)

PARTICIPATE = (
    r"(?:participat(?:e|es|ed|ing)\b|took part|take[s]? part|taking part|attend\w*|join\w*|"
    r"was invited|were invited|invited|spoke|speaks?|moderat\w*|present\w*|gathered|met|meet|"
    r"contributed|represented)"
)
ORGANISE = (
    r"(?:organi[sz]\w*|host\w*|held|holds?|hold|runs?|ran|convene\w*|launch\w*|moves?|opens?|opened|co-organi[sz]\w*)"
)
SPEAK = (
    r"(?:opened|presented|presents|explained|explains|described|describes|introduced|introduces|"
    r"shared|shares|highlighted|started|moderated|moderates|stressed|recalled|talked|spoke|gave|"
    r"showed|discussed|outlined|reported|welcomed|closed|pointed out|detailed|took part|joined)"
)
COLLAB = (
    r"(?:in\s+(?:close\s+)?(?:cooperation|collaboration|partnership)\s+with|together\s+with|"
    r"works?\s+with|working\s+with|worked\s+with|teamed[- ]up\s+with|cooperat\w+\s+with|"
    r"collaborat\w+\s+with|run\s+(?:jointly\s+)?with|jointly\s+with|has\s+with|have\s+with|partnered\s+with)"
)


class RelationRules:
    """Applies sentence and document rules to an extractor's mentions."""

    def __init__(self, ex: DocumentExtractor) -> None:
        self.ex = ex
        self.masked: list[tuple[Sentence, str, list[str]]] = []
        self.slot_spans: dict[int, list[tuple[int, int]]] = {}
        self.main_project: str | None = None
        self.main_event: str | None = None
        self.event_order: list[str] = []

    # -- masking -------------------------------------------------------------
    def _tag(self, key: str) -> str:
        ent = self.ex.entities[key]
        if ent.type == "Place":
            return CITY if ent.kind == "City" else CTRY
        return {"Organisation": ORG, "Person": PER, "Project": PRJ, "Event": EVT, "FundingProgramme": PRG}.get(
            ent.type, "X"
        )

    def _mask(self) -> None:
        ex = self.ex
        starts = [c.start for c in ex.selected]  # selected is in text order
        for s in ex.sentences:
            keys: list[str] = []
            spans: list[tuple[int, int]] = []
            self.slot_spans[s.span.start] = spans
            parts: list[str] = []
            pos = s.span.start
            lo, hi = bisect.bisect_left(starts, s.span.start), bisect.bisect_left(starts, s.span.end)
            for c in ex.selected[lo:hi]:
                if c.end > s.span.end:
                    continue
                key = ex.mention_key.get((c.start, c.end))
                if key is None or key not in ex.entities:
                    continue
                parts.append(ex.text[pos : c.start])
                parts.append(f"⟨{self._tag(key)}:{len(keys)}⟩")
                keys.append(key)
                spans.append((c.start, c.end))
                pos = c.end
            parts.append(ex.text[pos : s.span.end])
            self.masked.append((s, "".join(parts), keys))

    def _remask(self) -> None:
        self.masked = []
        self._mask()

    # -- document-level context ------------------------------------------------
    def _main_things(self) -> None:
        ex = self.ex
        projects = [e for e in ex.entities.values() if e.type == "Project"]
        if projects:
            counts = {e.key: len(e.mentions) for e in projects}
            first_line_end = ex.text.find("\n") if "\n" in ex.text else len(ex.text)
            in_title = [e.key for e in projects if any(m.start < first_line_end for m in e.mentions)]
            self.main_project = in_title[0] if len(in_title) == 1 else max(counts, key=lambda k: counts[k])
        events = sorted(
            (e for e in ex.entities.values() if e.type == "Event"),
            key=lambda e: min(m.start for m in e.mentions) if e.mentions else 0,
        )
        self.event_order = [e.key for e in events]
        named = [e for e in events if not e.attrs.get("unnamed")]
        big = [e for e in named if e.attrs.get("category") in ("conference", "event", "talks", "festival")]
        pick = big or named or events
        self.main_event = pick[0].key if pick else None

    def _metonymy(self) -> None:
        """A city acting as an agent ("Lyon was represented by", "Tampere took part") is its local
        authority; so is "the municipality" when the document names one city's authority."""
        ex = self.ex
        agentive = re.compile(
            r"^\s*(?:was|were|is|are|has|have|had)?\s*(?:also\s+)?(?:invited|represented|took part|"
            r"takes part|participated|participates|presented|hosted|shared|explained|described|"
            r"signed|joined|organi[sz]ed|stated|pointed)\b"
        )
        for s, masked, keys in self.masked:
            for m in re.finditer(slot(CITY, "c"), masked):
                after = masked[m.end() :]
                before = masked[: m.start()]
                subject = re.search(r"(?:^|[.;:]\s*|\bthe representatives of\s+|\bThe representatives of\s+)$", before)
                if subject is None or not agentive.match(after):
                    continue
                city_key = keys[int(m.group("c"))]
                info = ex.entities[city_key].attrs.get("place")
                if info is None:
                    continue
                la = self._local_authority(info, s)
                span = self.slot_spans[s.span.start][int(m.group("c"))]
                ex.mention_key[span] = la
                ex.entities[la].mentions.append(Mention(ex.text[span[0] : span[1]], span[0], span[1], s.span))

    def _local_authority(self, info: Any, s: Sentence | None) -> str:
        key = f"la:{info.geonames_id}"
        ent = self.ex.new_entity(
            key, "Organisation", "", kind="LocalAuthority", rule="local_authority:metonymy", conf=0.7, city=info
        )
        ent.attrs.setdefault("city", info)
        if not ent.name:
            ent.name = f"Municipality of {info.name}"
        if s is not None:
            self.ex.add_relation(key, "locatedIn", f"place:{info.geonames_id}", s, "local-authority-city", 0.9)
        return key

    # -- rules -----------------------------------------------------------------
    def apply(self) -> None:
        """Run all rules."""
        ex = self.ex
        self._mask()
        self._main_things()
        self._metonymy()
        self._remask()
        self._main_things()
        self._org_places()
        self._factsheet()
        for s, masked, keys in self.masked:
            self._sentence_rules(s, masked, keys)
        self._timeline()
        self._dateline()
        self._event_rules()
        self._project_places()
        self._people_orgs()
        self._partners_from_events()
        self._author_partner()
        self._titled_officials()
        self._bullet_partners()
        ex.relations = [r for r in ex.relations if r.subject in ex.entities and (r.literal or r.object in ex.entities)]

    def _org_places(self) -> None:
        """An organisation's place from its name ("Leiden Integration Centre") or a local authority's city."""
        ex = self.ex
        for ent in list(ex.entities.values()):
            if ent.type != "Organisation":
                continue
            if ent.kind == "LocalAuthority" and ent.attrs.get("city") is not None:
                info = ent.attrs["city"]
                ex.new_entity(
                    f"place:{info.geonames_id}", "Place", info.name, kind=info.kind, rule="local-authority", place=info
                )
                ex.add_relation(
                    ent.key,
                    "locatedIn",
                    f"place:{info.geonames_id}",
                    ent.mentions[0].sentence if ent.mentions else None,
                    "local-authority-city",
                    0.95,
                )
                continue
            for name in sorted(ent.names, key=lambda n: (len(n), n), reverse=True):
                info = self._place_in_name(name)
                if info is not None:
                    key = f"place:{info.geonames_id}"
                    ex.new_entity(key, "Place", info.name, kind=info.kind, rule="org-name-place", place=info)
                    ex.add_relation(
                        ent.key,
                        "locatedIn",
                        key,
                        ent.mentions[0].sentence if ent.mentions else None,
                        "org-name-place",
                        0.75,
                    )
                    break

    def _place_in_name(self, name: str) -> Any:
        return place_in_name(self.ex, name)

    def _factsheet(self) -> None:
        from kg.extract import genres

        ex = self.ex
        if not ex.is_factsheet or self.main_project is None:
            return
        p = self.main_project
        for f in genres.factsheet_fields(ex.text):
            sent = ex.sentence_at(f.value_start)
            if sent is None:
                continue
            if f.key in ("coordinator", "partners"):
                for c in ex.selected:
                    if f.value_start <= c.start < f.line_end:
                        key = ex.mention_key.get((c.start, c.end))
                        if key and ex.entities[key].type == "Organisation":
                            ex.add_relation(
                                p,
                                "coordinator" if f.key == "coordinator" else "hasPartner",
                                key,
                                sent,
                                f"factsheet-{f.key}",
                                0.95,
                            )
                            self._org_list_place(key, c.end, f.line_end, sent)
            if f.key == "duration":
                for d in sent.dates:
                    if d.is_range:
                        for prop, value, dt in _dates(d):
                            ex.add_relation(p, prop, value, sent, "factsheet-duration", 0.9, literal=True, datatype=dt)
            if f.key in ("start", "end"):
                for d in sent.dates[:1]:
                    prop, value, dt = _dates(d)[0]
                    ex.add_relation(
                        p,
                        "startDate" if f.key == "start" else "endDate",
                        value,
                        sent,
                        f"factsheet-{f.key}",
                        0.9,
                        literal=True,
                        datatype=dt,
                    )
            if f.key == "funding":
                for c in ex.selected:
                    if f.value_start <= c.start < f.line_end:
                        key = ex.mention_key.get((c.start, c.end))
                        if key and ex.entities[key].type == "FundingProgramme":
                            ex.add_relation(p, "fundedBy", key, sent, "factsheet-funding", 0.9)
            if f.key == "number":
                num = re.match(r"\s*(?:No\.?\s*)?(?P<num>[A-Z0-9][A-Za-z0-9./-]{3,})", f.value)
                if num:
                    ex.add_relation(
                        p,
                        "projectNumber",
                        num.group("num").rstrip("."),
                        sent,
                        "factsheet-number",
                        0.9,
                        literal=True,
                        datatype="string",
                    )

    def _org_list_place(self, org: str, start: int, end: int, sent: Sentence) -> None:
        """ "Org (Country)" or "Org, City (Country)" right after an organisation in a list."""
        ex = self.ex
        tail = ex.text[start:end]
        m = (
            re.match(r"\s*(?:,\s*(?P<city>[^,()|]+?))?\s*\((?P<country>[^)]+)\)", tail)
            or re.match(r"\s*[|\t]\s*(?P<city>[^|\t]+?)\s*(?:[|\t]\s*(?P<country>[^|\t]+?)\s*)?$", tail)
            or re.match(r"\s*,\s*(?P<city>[^,()|]+?)\s*(?:,\s*(?P<country>[^,()|]+?))?\s*$", tail)
        )
        if not m:
            return
        for grp in ("city", "country"):
            if m.group(grp):
                raw = m.group(grp).strip()
                info = (
                    ex.lk.country_by_code(_COUNTRY_CODE_FIXES.get(raw, raw))
                    if re.fullmatch(r"[A-Z]{2}", raw)
                    else ex.place(raw)
                )
                if info is not None:
                    key = f"place:{info.geonames_id}"
                    ex.new_entity(
                        key,
                        "Place",
                        info.name,
                        kind=info.kind,
                        rule="list-place",
                        place=info,
                        sentence=sent,
                        start=start + m.start(grp),
                        end=start + m.end(grp),
                    )
                    ex.add_relation(org, "locatedIn", key, sent, "list-place", 0.85)

    def _sentence_rules(self, s: Sentence, masked: str, keys: list[str]) -> None:
        ex = self.ex
        k = lambda m, g: keys[int(m.group(g))]  # noqa: E731
        add = ex.add_relation
        mp = self.main_project

        # organisation located in a place
        for m in re.finditer(
            slot(ORG, "o") + r"(?:\s*\(⟨ORG:\d+⟩\))?\s*(?:,\s*)?(?:(?:an?|the)\s+[\w\s-]{0,40}?)?"
            r"\b(?:based\s+in|located\s+in|headquartered\s+in|in|from\s+its\s+office\s+in)\s+(?:the\s+)?"
            + slot(PLACE, "p"),
            masked,
        ):
            add(k(m, "o"), "locatedIn", k(m, "p"), s, "org-in-place", 0.8)
        for m in re.finditer(
            slot(ORG, "o") + r"\s*(?:,\s*" + slot(CITY, "c") + r")?\s*\(\s*" + slot(PLACE, "p") + r"\s*\)", masked
        ):
            add(k(m, "o"), "locatedIn", k(m, "p"), s, "org-place-brackets", 0.85)
            if m.group("c"):
                add(k(m, "o"), "locatedIn", k(m, "c"), s, "org-place-list", 0.85)
        for m in re.finditer(r"^\s*" + slot(ORG, "o") + r"\s*,\s*" + slot(CITY, "c"), masked):
            add(k(m, "o"), "locatedIn", k(m, "c"), s, "org-place-list", 0.8)
        for m in re.finditer(r"from\s+its\s+office\s+in\s+" + slot(CITY, "c"), masked):
            orgs = [kk for kk in keys if self._tag(kk) == ORG]
            if orgs:
                add(orgs[0], "locatedIn", k(m, "c"), s, "org-office", 0.7)

        # membership: "Name, role at Org", "Name from Org", "Org – the role Name"
        for m in re.finditer(
            slot(PER, "p")
            + rf",?\s+(?:the\s+|a\s+|an\s+)?(?P<role>{ROLE_WORDS}(?:\s+[\w-]+){{0,3}}?)\s+(?:at|of|in|with|from)\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}?"  # noqa: E501
            + slot(ORG, "o"),
            masked,
        ):
            add(k(m, "p"), "memberOf", k(m, "o"), s, "person-role-at-org", 0.85)
            ex.relations[-1:] and self._role(k(m, "p"), k(m, "o"), m.group("role"), s)
        for m in re.finditer(
            slot(PER, "p")
            + r"\s+(?:\([^)]*\)\s+)?from\s+(?:the\s+)?(?:(?:organi[sz]ation|association|NGO|foundation|municipality|network|centre|center)\s+)?"  # noqa: E501
            + slot(ORG, "o"),
            masked,
        ):
            add(k(m, "p"), "memberOf", k(m, "o"), s, "person-from-org", 0.8)
        for m in re.finditer(
            slot(ORG, "o") + rf"\s*[–—-]\s*(?:the\s+)?(?P<role>{ROLE_WORDS})\s+" + slot(PER, "p"), masked
        ):
            add(k(m, "p"), "memberOf", k(m, "o"), s, "org-role-person", 0.8)
            self._role(k(m, "p"), k(m, "o"), m.group("role"), s)
        # "Project coordinator Name (Org)"
        for m in re.finditer(
            rf"(?P<role>{ROLE_WORDS})\s+" + slot(PER, "p") + r"\s*\(\s*(?:the\s+)?" + slot(ORG, "o") + r"\s*\)", masked
        ):
            add(k(m, "p"), "memberOf", k(m, "o"), s, "role-person-org-brackets", 0.8)
            self._role(k(m, "p"), k(m, "o"), m.group("role"), s)
            if "coordinator" in m.group("role").lower() and mp:
                add(mp, "coordinator", k(m, "o"), s, "coordinator-person-org", 0.75)
        # "Name, Deputy Mayor of City": the city's local authority
        for m in re.finditer(
            slot(PER, "p")
            + r",\s+(?:the\s+)?(?P<role>(?:deputy\s+|vice[- ])?(?:mayor|councillor|councilor|alderman))\s+(?:\w+\s+){0,3}?of\s+"  # noqa: E501
            + slot(CITY, "c"),
            masked,
            re.I,
        ):
            info = ex.entities[k(m, "c")].attrs.get("place")
            if info is not None:
                la = self._local_authority(info, s)
                add(k(m, "p"), "memberOf", la, s, "mayor-of-city", 0.8)
                self._role(k(m, "p"), la, m.group("role"), s)
        for m in re.finditer(slot(ORG, "o") + r"['’]s\s+(?:[\w-]+\s+){0,3}?" + slot(PER, "p"), masked):
            add(k(m, "p"), "memberOf", k(m, "o"), s, "org-possessive-person", 0.7)

        # coordinator: "Name, ... coordinator of P", "coordinator of the project at Org"
        for m in re.finditer(
            slot(PER, "p")
            + r"(?:[^⟨]|⟨ORG:\d+⟩)*?\b(?:project\s+)?co-?ordinator\s+of\s+(?:the\s+)?(?:project\s+)?"
            + slot(PRJ, "j"),
            masked,
        ):
            for org in self._orgs_of_person(k(m, "p"), masked, keys):
                add(k(m, "j"), "coordinator", org, s, "person-coordinator-of-project", 0.85)
        for m in re.finditer(
            r"co-?ordinator\s+of\s+the\s+project\s+(?:at|in|from)\s+(?:the\s+)?" + slot(ORG, "o"), masked
        ):
            if mp:
                add(mp, "coordinator", k(m, "o"), s, "coordinator-of-the-project-at", 0.8)
        for m in re.finditer(
            slot(ORG, "o")
            + r"(?:\s+in\s+⟨CITY:\d+⟩)?\s*,?\s+(?:which|who|that)\s+(?:leads|coordinates|led|coordinated)\s+"
            r"the\s+(?:project|consortium|network|partnership)",
            masked,
        ):
            if mp:
                add(mp, "coordinator", k(m, "o"), s, "which-leads-the-project", 0.8)
        for m in re.finditer(r"(?:is|was|are)\s+(?:led|coordinated)\s+by\s+(?:the\s+)?" + slot(ORG, "o"), masked):
            proj = self._project_in(masked, keys, m.start()) or mp
            if proj and re.search(r"consortium|project|partnership|network|⟨PRJ", masked[: m.start()], re.I):
                add(proj, "coordinator", k(m, "o"), s, "led-by", 0.85)
        for m in re.finditer(
            slot(ORG, "o")
            + r"\s*(?:\([^)]*\)\s*)?(?:is|as|,)?\s*(?:the\s+)?(?:project\s+|lead\s+)?co-?ordinat(?:or|es|ing)\s+(?:of\s+)?(?:the\s+)?"  # noqa: E501
            + slot(PRJ, "j"),
            masked,
        ):
            add(k(m, "j"), "coordinator", k(m, "o"), s, "org-coordinates-project", 0.85)

        # partners: "our P partners, A, B and C", "P partners A and B", "associated partner X"
        for m in re.finditer(
            slot(PRJ, "j")
            + r"\s+(?:project\s+)?partners?\s*,?\s*(?:such as\s+|including\s+|namely\s+)?(?P<list>⟨ORG:\d+⟩"
            + _LIST.format(t=ORG)
            + ")",
            masked,
        ):
            for idx in re.findall(r"⟨ORG:(\d+)⟩", m.group("list")):
                add(k(m, "j"), "hasPartner", keys[int(idx)], s, "project-partners-list", 0.85)
        m = re.match(
            r"\s*(?:The\s+)?(?P<list>⟨ORG:\d+⟩" + _LIST.format(t=ORG) + r")\s+(?:have\s+|has\s+)?(?:\w+ly\s+)?"
            r"(?:launched|opened|started|presented|organi[sz]ed|held|hosted|published|created|set up|ran|run|developed|"
            r"implemented|tested|piloted)\b[^⟨.]*?\b(?:of|for|within|under)\s+the\s+" + slot(PRJ, "j"),
            masked,
        )
        if m:
            for idx in re.findall(r"⟨ORG:(\d+)⟩", m.group("list")):
                add(k(m, "j"), "hasPartner", keys[int(idx)], s, "subjects-act-for-project", 0.7)
        for m in re.finditer(
            r"partner\s+organi[sz]ations?\s*(?:[–—:(-]|are|include)\s*(?P<list>⟨ORG:\d+⟩" + _LIST.format(t=ORG) + ")",
            masked,
        ):
            proj = self._project_in(masked, keys, m.start()) or mp
            if proj:
                for idx in re.findall(r"⟨ORG:(\d+)⟩", m.group("list")):
                    add(proj, "hasPartner", keys[int(idx)], s, "partner-organisations-list", 0.8)
        for m in re.finditer(
            r"(?:associated\s+partner|partner\s+organi[sz]ation|(?:project|consortium)\s+partner)\s+(?:is\s+)?(?:the\s+)?"
            + slot(ORG, "o"),
            masked,
        ):
            proj = self._project_in(masked, keys, m.start()) or mp
            if proj:
                add(proj, "hasPartner", k(m, "o"), s, "associated-partner", 0.8)
        for m in re.finditer(
            slot(ORG, "o")
            + r"(?:\s*\(⟨ORG:\d+⟩\))?\s+(?:\w+\s+){0,2}?present(?:s|ed|ing)\s+(?:the\s+)?(?:\w+\s+)?"
            + slot(PRJ, "j"),
            masked,
        ):
            add(k(m, "j"), "hasPartner", k(m, "o"), s, "org-presents-project", 0.75)
        for m in re.finditer(
            r"(?:brings?\s+together|consortium\s+(?:includes|comprises)|partners\s+are)\s*:?\s*(?:the\s+)?(?P<list>⟨ORG:\d+⟩"
            + _LIST.format(t=ORG)
            + ")",
            masked,
        ):
            proj = self._project_in(masked, keys, m.start()) or mp
            for idx in re.findall(r"⟨ORG:(\d+)⟩", m.group("list")):
                if proj:
                    add(proj, "hasPartner", keys[int(idx)], s, "brings-together", 0.8)

        # cooperation between organisations
        for m in re.finditer(
            COLLAB + r"\s+(?:the\s+|The\s+)?(?:[\w-]+\s+){0,4}?(?:such\s+as\s+(?:the\s+)?)?" + slot(ORG, "o"), masked
        ):
            subj = self._subject_org(masked, keys, m.start())
            if subj and subj != k(m, "o"):
                add(subj, "collaboratesWith", k(m, "o"), s, "cooperation-with", 0.75)
        for m in re.finditer(
            slot(ORG, "a")
            + r"\s+and\s+(?:the\s+)?"
            + slot(ORG, "b")
            + r"\s+(?:have\s+|has\s+)?(?:sign\w*|teamed|agreed|cooperat\w*|collaborat\w*|partner\w*|joined forces|set up)",  # noqa: E501
            masked,
        ):
            add(k(m, "a"), "collaboratesWith", k(m, "b"), s, "orgs-sign-together", 0.8)

        # funding and project numbers
        for m in re.finditer(slot(PRG, "g"), masked):
            if re.search(r"fund|financ|co-fund|support|grant|within|under|through", masked, re.I):
                proj = self._project_in(masked, keys, m.start()) or mp
                if proj:
                    add(proj, "fundedBy", k(m, "g"), s, "funded-by-programme", 0.85)
        for m in re.finditer(
            r"\b(?:project|grant agreement|grant)\s+(?:number|no\.?|n°|nr\.?|id|reference|code)\s*[:#]?\s*(?P<num>[A-Z0-9][A-Z0-9-]{4,})",  # noqa: E501
            s.span.text,
            re.I,
        ):
            proj = self._project_in(masked, keys, 0) or mp
            if proj:
                add(proj, "projectNumber", m.group("num"), s, "project-number", 0.9, literal=True, datatype="string")

        # project dates: "P runs from 1 February 2024 to 31 January 2027"
        if re.search(r"\b(?:runs?|running|lasts?|duration|implemented|takes place)\b", masked) and s.dates:
            proj = self._project_in(masked, keys, 0) or (mp if re.search(r"project", masked, re.I) else None)
            for d in s.dates:
                if proj and d.is_range:
                    for prop, value, dt in _dates(d):
                        add(proj, prop, value, s, "project-runs-from", 0.85, literal=True, datatype=dt)

        # where projects work: lists of places in a sentence about the project
        proj = self._project_in(masked, keys, 0)
        about_project = proj or (
            mp
            if re.search(
                r"\b(?:the|this|our)\s+project\b|\bproject's|\bproject’s|countries participating|partner countries|Member States",  # noqa: E501
                masked,
            )
            else None
        )
        if about_project:
            places = [m for m in re.finditer(slot(PLACE, "p"), masked)]
            listed = re.search(
                r"(?:in|across|countries|Member States|cities|locations|participating in the project)\s*[:(]?\s*(?:the\s+)?⟨(?:CITY|CTRY):\d+⟩(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?⟨(?:CITY|CTRY):\d+⟩)+",  # noqa: E501
                masked,
            )
            if listed:
                for m in places:
                    if listed.start() <= m.start() < listed.end():
                        add(about_project, "operatesIn", k(m, "p"), s, "project-place-list", 0.8)
        if mp and not re.search(slot(PRJ, "j") + r"\s+partners?\s+from", masked):
            for m in re.finditer(
                r"\b[Pp]artners?\s+from\s+(?P<list>⟨(?:CITY|CTRY):\d+⟩" + _LIST.format(t=PLACE) + ")", masked
            ):
                for idx in re.findall(r"⟨(?:CITY|CTRY):(\d+)⟩", m.group("list")):
                    add(mp, "operatesIn", keys[int(idx)], s, "partners-from-places", 0.7)
        if about_project and re.search(
            r"\b(?:pilot|partner|target|participating)\s+(?:sites?|cities|city|locations?|municipalities|regions?|countries)\b",
            masked,
        ):
            for m in re.finditer(slot(PLACE, "p"), masked):
                add(about_project, "operatesIn", k(m, "p"), s, "project-pilot-site", 0.7)
        for m in re.finditer(
            slot(PRJ, "j") + r"\s+partners?\s+from\s+(?P<list>⟨(?:CITY|CTRY):\d+⟩" + _LIST.format(t=PLACE) + ")", masked
        ):
            for idx in re.findall(r"⟨(?:CITY|CTRY):(\d+)⟩", m.group("list")):
                add(k(m, "j"), "operatesIn", keys[int(idx)], s, "project-partners-from-places", 0.8)

    def _titled_officials(self) -> None:
        """ "Deputy Mayor Name" in a document about one local authority is a member of it."""
        ex = self.ex
        las = [e.key for e in ex.entities.values() if e.type == "Organisation" and e.kind == "LocalAuthority"]
        if len(las) != 1:
            return
        for ent in ex.entities.values():
            if ent.type != "Person":
                continue
            for m in ent.mentions:
                before = ex.text[max(0, m.start - 40) : m.start]
                title = re.search(
                    r"\b((?:Deputy\s+|Vice[- ])?(?:Mayor|Councillor|Councilor|Alderman|Alderwoman))\s+$", before
                )
                if title:
                    ex.add_relation(ent.key, "memberOf", las[0], self.ex.sentence_at(m.start), "municipal-title", 0.7)
                    self._role(ent.key, las[0], title.group(1).lower(), self.ex.sentence_at(m.start))
                    break

    def _role(self, person: str, org: str, role: str, s: Sentence) -> None:
        role = re.sub(r"\s+", " ", role).strip().lower()
        if role and s is not None:
            self.ex.entities[person].attrs.setdefault("roles", []).append((org, role, s.span))

    def _orgs_of_person(self, person: str, masked: str, keys: list[str]) -> list[str]:
        out = [r.object for r in self.ex.relations if r.subject == person and r.predicate == "memberOf"]
        return [o for o in out if isinstance(o, str)]

    def _project_in(self, masked: str, keys: list[str], pos: int) -> str | None:
        projects = [(m.start(), keys[int(m.group("j"))]) for m in re.finditer(slot(PRJ, "j"), masked)]
        if not projects:
            return None
        projects.sort(key=lambda x: abs(x[0] - pos))
        return projects[0][1]

    def _subject_org(self, masked: str, keys: list[str], pos: int) -> str | None:
        """The first organisation of the sentence before `pos` (its subject), or via a person's org."""
        for m in re.finditer(r"⟨(ORG|PER):(\d+)⟩", masked[:pos]):
            key = keys[int(m.group(2))]
            if m.group(1) == ORG:
                return key
            orgs = self._orgs_of_person(key, masked, keys)
            if orgs:
                return orgs[0]
        return None

    # -- timelines ---------------------------------------------------------------
    def _timeline(self) -> None:
        ex = self.ex
        for n, entry in enumerate(ex.timeline):
            s = ex.sentence_at(entry.rest_start)
            if s is None:
                continue
            line = [
                (ss, re.sub(r"^\s*[\d./]+(?:\s*[–—-]\s*[\d./]+)?\s*[–—:-]+\s*", "", mm), kk)
                for ss, mm, kk in self.masked
                if entry.line_start <= ss.span.start < entry.line_end
            ]
            masked = " ".join(mm for _, mm, _ in line)
            first = line[0] if line else None
            actor = None
            if first is not None:
                m = re.match(r"\s*(?:The\s+)?⟨(ORG|PER):(\d+)⟩", first[1])
                if m:
                    actor = first[2][int(m.group(2))]
            event_key = None
            for _ss, mm, kk in line:
                for m in re.finditer(slot(EVT, "e"), mm):
                    event_key = event_key or kk[int(m.group("e"))]
            organises = bool(
                re.search(
                    r"^\s*(?:The\s+)?⟨(?:ORG|PER):\d+⟩(?:\s+(?:and|with)\s+(?:the\s+)?⟨(?:ORG|PER):\d+⟩)?\s+(?:\w+\s+)?"
                    + ORGANISE,
                    masked,
                )
            )
            participates = bool(
                re.search(
                    r"\b(?:participat\w*|attend\w*|takes part|took part|presents\b[^.]*\bat\b|presented\b[^.]*\bat\b|"
                    r"joins|joined|spoke|speaks|moderat\w*)",
                    masked,
                )
            )
            dprops = _dates(entry.date, entry.rest)
            if event_key and (organises or not participates):
                item = event_key
            else:
                label = _activity_label(entry.rest)
                item = f"activity:{n}"
                first_word = entry.rest.split()[0].lower() if entry.rest.split() else ""
                is_event = first_word in EVENT_WORDS and EVENT_WORDS[first_word] in UNNAMED_OK
                ex.new_entity(
                    item,
                    "Event" if is_event else "Activity",
                    re.split(r",\s+(?:organi[sz]ed|hosted|held|run|led)\b", label)[0] if is_event else label,
                    rule="timeline-line",
                    conf=0.8,
                    sentence=s,
                    start=entry.rest_start,
                    end=entry.rest_start + len(entry.rest.split(".")[0]),
                )
                ex.entities[item].attrs["date_text"] = entry.date.first.isoformat()
                if is_event:
                    ex.entities[item].attrs.update(category=EVENT_WORDS[first_word], unnamed=True)
                    for ss, mm, kk in line:
                        for m in re.finditer(
                            r"\b(?:organi[sz]ed|hosted|held|run|led)\s+by\s+(?:the\s+)?" + slot(AGENT, "o"), mm
                        ):
                            ex.add_relation(
                                item, "organisedBy", kk[int(m.group("o"))], ss, "timeline-event-organiser", 0.8
                            )
                        for m in re.finditer(r"\bwith\s+(?:the\s+)?" + slot(ORG, "o"), mm):
                            ex.add_relation(
                                kk[int(m.group("o"))], "participatedIn", item, ss, "timeline-event-with", 0.7
                            )
            dated = any(r.subject == item and r.predicate in ("date", "startDate") for r in ex.relations)
            for prop, value, dt in dprops:
                if not dated or item.startswith("activity:"):
                    ex.add_relation(item, prop, value, s, "timeline-date", 0.9, literal=True, datatype=dt)
            if actor:
                if item == event_key and participates and not organises:
                    ex.add_relation(actor, "participatedIn", item, s, "timeline-participant", 0.8)
                else:
                    ex.add_relation(item, "organisedBy", actor, s, "timeline-actor", 0.85)
                if event_key and item != event_key:
                    ex.add_relation(actor, "participatedIn", event_key, s, "timeline-participant", 0.8)
            if (
                event_key
                and item != event_key
                and not any(r.subject == event_key and r.predicate in ("date", "startDate") for r in ex.relations)
            ):
                for prop, value, dt in dprops:
                    ex.add_relation(event_key, prop, value, s, "timeline-event-date", 0.7, literal=True, datatype=dt)
            if self.main_project:
                ex.add_relation(item, "activityOf", self.main_project, s, "timeline-of-project", 0.75)
                if (
                    actor
                    and ex.entities[actor].type == "Organisation"
                    and first is not None
                    and not re.search(r"^\s*(?:The\s+)?⟨ORG:\d+⟩\s+and\s+", first[1])
                ):
                    ex.add_relation(self.main_project, "hasPartner", actor, s, "timeline-actor-partner", 0.7)
            # co-actors "X and Y sign" cooperate
            for ss, mm, kk in line[:1]:
                m = re.match(r"\s*(?:The\s+)?⟨ORG:(\d+)⟩\s+and\s+(?:the\s+)?⟨ORG:(\d+)⟩", mm)
                if m:
                    ex.add_relation(kk[int(m.group(1))], "collaboratesWith", kk[int(m.group(2))], ss, "co-actors", 0.75)
            # where it happened
            for ss, mm, kk in line:
                m = re.search(r"\b(?:in|across|at|to)\s+(?:the\s+)?" + slot(CITY, "c"), mm)
                if m:
                    ex.add_relation(item, "locatedIn", kk[int(m.group("c"))], ss, "timeline-place", 0.75)
                    break

    # -- events ------------------------------------------------------------------
    def _event_rules(self) -> None:
        ex = self.ex
        last_event: str | None = None
        timeline_lines = [(e.line_start, e.line_end) for e in ex.timeline]
        current_line = None
        for s, masked, keys in self.masked:
            line = next(((a, b) for a, b in timeline_lines if a <= s.span.start < b), None)
            in_timeline = line is not None
            if line != current_line:
                current_line = line
                if in_timeline:
                    last_event = None  # a timeline line speaks only of its own events
            events = [(m.start(), keys[int(m.group("e"))]) for m in re.finditer(slot(EVT, "e"), masked)]
            anaphors = []
            if not events:
                for a_start, _a_end, cat in event_anaphors(masked):
                    target = self._resolve_anaphor(cat, last_event, in_timeline)
                    if target:
                        anaphors.append((a_start, target))
                if (
                    re.match(r"\s*(?:It|This)\s+(?:was|is|will be)\s+(?:organi[sz]ed|hosted|held|part)", masked)
                    and last_event
                ):
                    anaphors.append((0, last_event))
            all_events = events + anaphors
            if not all_events:
                continue
            ev = all_events[0][1]
            last_event = events[-1][1] if events else ev
            self._event_sentence(s, masked, keys, ev, all_events, in_timeline)

    def _resolve_anaphor(self, cat: str, last_event: str | None, local: bool = False) -> str | None:
        """The event a definite description ("the conference") refers to: the last one spoken of
        when compatible, else the document's main event (never across timeline lines)."""
        ex = self.ex

        def fits(key: str) -> bool:
            ecat = ex.entities[key].attrs.get("category", "event")
            return cat in ("event", "meeting") or ecat in (cat, "event") or {cat, ecat} <= {"conference", "talks"}

        if last_event is not None and last_event in ex.entities and fits(last_event):
            return last_event
        if local:
            return None
        compatible = [key for key in self.event_order if key in ex.entities and fits(key)]
        if not compatible:
            return None
        if self.main_event in compatible:
            return self.main_event
        return compatible[0]

    def _event_sentence(
        self, s: Sentence, masked: str, keys: list[str], ev: str, all_events: list[tuple[int, str]], in_timeline: bool
    ) -> None:
        ex = self.ex
        k = lambda m, g: keys[int(m.group(g))]  # noqa: E731
        add = ex.add_relation
        if not in_timeline:
            for d in s.dates[:1]:
                if not any(r.subject == ev and r.predicate in ("date", "startDate") for r in ex.relations):
                    for prop, value, dt in _dates(d, s.span.text):
                        add(ev, prop, value, s, "event-sentence-date", 0.8, literal=True, datatype=dt)
            m = re.search(r"(?<!⟩)\s(?:in|across|at)\s+(?:the\s+)?" + slot(CITY, "c") + r"(?!\s*['’]s)", masked)
            if (
                m
                and not any(r.subject == ev and r.predicate == "locatedIn" for r in ex.relations)
                and re.search(
                    r"took place|take place|takes place|held|gathered|meet|met|organi[sz]ed|hosted|⟨EVT|\b(?:conference|meeting|event|workshop|exchange|visit)\b",  # noqa: E501
                    masked,
                    re.I,
                )
            ):
                add(ev, "locatedIn", k(m, "c"), s, "event-in-city", 0.75)
        # organisers
        for m in re.finditer(
            r"(?:organi[sz]ed|hosted|convened|run|held|led)\s+(?:also\s+)?by\s+(?:the\s+)?" + slot(ORG, "o"), masked
        ):
            target = self._nearest_event(all_events, m.start())
            add(target, "organisedBy", k(m, "o"), s, "event-organised-by", 0.85)
        for m in re.finditer(
            r"(?P<list>⟨(?:ORG|PER):\d+⟩"
            + _LIST.format(t=AGENT)
            + r")(?:\s*\(⟨ORG:\d+⟩\))?\s+(?:\w+\s+)?"
            + ORGANISE
            + r"\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,5}?"
            + slot(EVT, "e"),
            masked,
        ):
            for idx in re.findall(r"⟨(?:ORG|PER):(\d+)⟩", m.group("list")):
                add(k(m, "e"), "organisedBy", keys[int(idx)], s, "org-organises-event", 0.8)
        for m in re.finditer(
            r"(?:opened|moderated|facilitated|chaired|attended)\s+(?:and\s+\w+\s+)?by\s+(?:the\s+)?" + slot(AGENT, "o"),
            masked,
        ):
            target = self._nearest_event(all_events, m.start())
            add(k(m, "o"), "participatedIn", target, s, "event-moderated-by", 0.8)
        # participants
        for m in re.finditer(
            r"(?P<list>⟨(?:ORG|PER):\d+⟩" + _LIST.format(t=AGENT) + r")[^⟨.]{0,60}?\b" + PARTICIPATE + r"\b", masked
        ):
            target = self._nearest_event(all_events, m.end())
            if target is None:
                continue
            for idx in re.findall(r"⟨(?:ORG|PER):(\d+)⟩", m.group("list")):
                add(keys[int(idx)], "participatedIn", target, s, "agent-participates", 0.75)
        for m in re.finditer(
            r"(?:partners?|representatives?|participants?|members?)\s*,\s*(?P<list>⟨(?:ORG|PER):\d+⟩"
            + _LIST.format(t=AGENT)
            + r")\s*,\s*(?:\w+ing|who)\b",
            masked,
        ):
            target = self._nearest_event(all_events, m.end())
            for idx in re.findall(r"⟨(?:ORG|PER):(\d+)⟩", m.group("list")):
                add(keys[int(idx)], "participatedIn", target, s, "listed-participants", 0.75)
        for m in re.finditer(r"between\s+(?:the\s+)?(?P<list>⟨ORG:\d+⟩" + _LIST.format(t=ORG) + ")", masked):
            target = self._nearest_event(all_events, m.start())
            for idx in re.findall(r"⟨ORG:(\d+)⟩", m.group("list")):
                add(keys[int(idx)], "participatedIn", target, s, "event-between", 0.8)
                ex.entities[keys[int(idx)]].attrs.setdefault("member_of_event", set()).add(target)
        for m in re.finditer(
            slot(PRJ, "j")
            + r"\s+partners\s+from\s+(?P<list>⟨(?:CITY|CTRY):\d+⟩"
            + _LIST.format(t=PLACE)
            + r")[^⟨]*?"
            + PARTICIPATE,
            masked,
        ):
            target = self._nearest_event(all_events, m.end())
            places = {keys[int(i)] for i in re.findall(r"⟨(?:CITY|CTRY):(\d+)⟩", m.group("list"))}
            self.ex.entities[k(m, "j")].attrs.setdefault("partners_from", []).append((places, target, s))
        # sub-events: "one of the conference workshops, X"
        for m in re.finditer(
            r"one of the (?:\w+\s+)?(?:workshops|sessions|panels)\s*,?\s*[“\"]?" + slot(EVT, "e"), masked
        ):
            parent = self._resolve_anaphor("conference", None)
            if parent and parent != k(m, "e"):
                add(k(m, "e"), "subEventOf", parent, s, "one-of-the-workshops", 0.8)
        # the project the event belongs to
        for m in re.finditer(
            r"(?:part|activity|one)\s+of\s+the\s+(?:[\w-]+\s+){0,2}?(?:project\s+)?" + slot(PRJ, "j"), masked
        ):
            add(self._nearest_event(all_events, m.start()), "activityOf", k(m, "j"), s, "event-part-of-project", 0.85)
        for m in re.finditer(
            r"\b(?:conference|meeting|event|workshop|webinar|seminar|forum|summit|exchange|visit)\s+of\s+the\s+"
            r"(?:⟨PRG:\d+⟩\s+|[\w-]+\s+){0,3}?(?:project\s+|network\s+)?"
            + slot(PRJ, "j")
            + r"\s*,?\s*[“\"„]?"
            + slot(EVT, "e"),
            masked,
        ):
            add(k(m, "e"), "activityOf", k(m, "j"), s, "event-of-project-apposition", 0.8)
        for m in re.finditer(slot(EVT, "e") + r"\s+of\s+the\s+" + slot(PRJ, "j"), masked):
            add(k(m, "e"), "activityOf", k(m, "j"), s, "event-of-project", 0.85)
        for m in re.finditer(
            slot(PRJ, "j")
            + r"(?:\s*\(⟨PRJ:\d+⟩\))?\s+(?:project\s+)?(?:\w+ly\s+)?(?:hosted|organi[sz]ed|held|ran|launched|"
            r"started\s+with|began\s+with|opened\s+with|kicked\s+off\s+with)\s+(?:its|a|an|the)\s+",
            masked,
        ):
            add(self._nearest_event(all_events, m.end()), "activityOf", k(m, "j"), s, "project-hosts-event", 0.85)
        for m in re.finditer(
            r"partners\s+of\s+(?:the\s+)?" + slot(PRJ, "j") + r"\s+(?:project\s+)?(?:gathered|met|meet)", masked
        ):
            add(self._nearest_event(all_events, m.end()), "activityOf", k(m, "j"), s, "project-partners-meet", 0.85)
        if self.main_project and re.search(
            r"\b(?:project|consortium)\s+partners\s+(?:meet|met|gathered|gather)\b", masked
        ):
            add(self._nearest_event(all_events, 0), "activityOf", self.main_project, s, "project-partners-meet", 0.8)

    def _author_partner(self) -> None:
        """A news item in the first person ("to share our experience") speaks for the organisation
        that is its subject; the project in its title is that organisation's project."""
        ex = self.ex
        if not self.main_project or ex.is_factsheet or ex.timeline:
            return
        first_line_end = ex.text.find("\n") if "\n" in ex.text else len(ex.text)
        if not any(m.start < first_line_end for m in ex.entities[self.main_project].mentions):
            return
        for s, masked, keys in self.masked:
            m = re.match(r"\s*(?:The\s+)?⟨ORG:(\d+)⟩[^.]*?\b(?:our|we)\b", masked)
            if m:
                ex.add_relation(self.main_project, "hasPartner", keys[int(m.group(1))], s, "first-person-author", 0.6)
                return

    def _bullet_partners(self) -> None:
        """Bullets under "… brings together:" / "Partners:" list the project's partners."""
        from kg.extract import genres

        ex = self.ex
        if not self.main_project:
            return
        lines = ex.text.split("\n")
        pos, intro_ok = 0, False
        for line in lines:
            is_bullet = bool(genres.BULLET_RE.match(line))
            if not is_bullet and line.strip():
                intro_ok = bool(re.search(r"(?i)(?:partner|consortium|brings together|members|led by)[^:]*:\s*$", line))
            elif is_bullet and intro_ok:
                s = ex.sentence_at(pos + len(line) - len(line.lstrip()) + 2)
                for c in ex.selected:
                    if pos <= c.start < pos + len(line):
                        key = ex.mention_key.get((c.start, c.end))
                        if key and ex.entities[key].type == "Organisation":
                            if s is not None:
                                ex.add_relation(self.main_project, "hasPartner", key, s, "bullet-partner", 0.8)
                                self._org_list_place(key, c.end, pos + len(line), s)
                            break
            pos += len(line) + 1

    def _dateline(self) -> None:
        """A dateline near the top ("Szeged, 28 February – 1 March 2024") dates and places the main event."""
        ex = self.ex
        if self.main_event is None or ex.timeline:
            return
        for s in ex.sentences[:4]:
            m = re.fullmatch(r"\s*(?P<city>[A-ZÀ-Ž][\w'’ -]{1,40}?)\s*,\s*(?P<date>.+?)\s*", s.span.text)
            if not m or not s.dates or s.dates[0].start < m.start("date"):
                continue
            info = ex.place(m.group("city"))
            ev = self.main_event
            if not any(r.subject == ev and r.predicate in ("date", "startDate") for r in ex.relations):
                for prop, value, dt in _dates(s.dates[0], s.span.text):
                    ex.add_relation(ev, prop, value, s, "dateline", 0.7, literal=True, datatype=dt)
            if (
                info is not None
                and info.kind == "City"
                and not any(r.subject == ev and r.predicate == "locatedIn" for r in ex.relations)
            ):
                key = f"place:{info.geonames_id}"
                ex.new_entity(
                    key,
                    "Place",
                    info.name,
                    kind="City",
                    rule="dateline",
                    place=info,
                    sentence=s,
                    start=s.span.start + m.start("city"),
                    end=s.span.start + m.end("city"),
                )
                ex.add_relation(ev, "locatedIn", key, s, "dateline", 0.7)
            return

    def _nearest_event(self, events: list[tuple[int, str]], pos: int) -> str:
        before = [e for e in events if e[0] <= pos]
        return (before[-1] if before else events[0])[1]

    # -- document-level -------------------------------------------------------------
    def _project_places(self) -> None:
        """Factsheets speak of one project: each place they name is a place it works in."""
        ex = self.ex
        if ex.is_factsheet and self.main_project:
            for key, ent in ex.entities.items():
                if ent.type == "Place" and ent.mentions:
                    ex.add_relation(
                        self.main_project, "operatesIn", key, ent.mentions[0].sentence, "factsheet-place", 0.7
                    )
        # "P partners from A, B and C took part": the partners located there took part
        for pkey, ent in ex.entities.items():
            for places, event, s in ent.attrs.get("partners_from", []):
                partners = [
                    r.object for r in ex.relations if r.subject == pkey and r.predicate in ("hasPartner", "coordinator")
                ]
                place_countries = {
                    ex.entities[p].attrs["place"].country_code for p in places if "place" in ex.entities[p].attrs
                }
                for org in partners:
                    locs = [r.object for r in ex.relations if r.subject == org and r.predicate == "locatedIn"]
                    hit = [p for p in locs if p in places]
                    if not hit:
                        countries = {
                            ex.entities[p].attrs["place"].country_code
                            for p in locs
                            if p in ex.entities and "place" in ex.entities[p].attrs
                        }
                        cands = [p for p in places if ex.entities[p].attrs["place"].country_code in countries]
                        if len(cands) == 1 and countries & place_countries:
                            hit = cands
                            ex.add_relation(org, "locatedIn", cands[0], s, "partner-city-by-country", 0.6)
                    if hit and event:
                        ex.add_relation(org, "participatedIn", event, s, "project-partners-from", 0.7)

    def _people_orgs(self) -> None:
        """Speakers of a news item about one event took part in it, with their organisations."""
        ex = self.ex
        if self.main_event is None or ex.timeline or ex.is_factsheet:
            return
        ev = self.main_event
        start = min((m.start for m in ex.entities[ev].mentions), default=0)
        for s, masked, keys in self.masked:
            if s.span.start < start:
                continue
            for m in re.finditer(
                r"(?:^|,\s*(?:while|and|whereas)\s+|;\s*)\s*(?:The\s+|the\s+)?(?:(?:[Rr]epresentatives|[Tt]eam|[Mm]embers)\s+of\s+(?:the\s+)?)?⟨(ORG|PER):(\d+)⟩[^⟨]{0,80}?(?:⟨(?:ORG|CITY|CTRY|PRJ):\d+⟩[^⟨]{0,80}?){0,4}\b"
                + SPEAK
                + r"\b",
                masked,
            ):
                agent = keys[int(m.group(2))]
                ex.add_relation(agent, "participatedIn", ev, s, "speaker-participates", 0.7)
                ex.entities[agent].attrs.setdefault("speaker_of", set()).add(ev)
                if m.group(1) == PER:
                    for org in self._orgs_of_person(agent, masked, keys):
                        ex.add_relation(org, "participatedIn", ev, s, "speaker-org-participates", 0.7)
                        ex.entities[org].attrs.setdefault("speaker_of", set()).add(ev)

    def _partners_from_events(self) -> None:
        """Organisations holding or speaking at a project's own meeting are its partners."""
        ex = self.ex
        for r in list(ex.relations):
            if r.predicate != "activityOf" or r.literal or r.rule == "timeline-of-project":
                continue
            ev, proj = r.subject, r.object
            for r2 in list(ex.relations):
                org = None
                if r2.predicate == "organisedBy" and r2.subject == ev:
                    org = r2.object
                elif (
                    r2.predicate == "participatedIn"
                    and r2.object == ev
                    and r2.rule in ("speaker-participates", "speaker-org-participates", "event-between")
                ):
                    org = r2.subject
                if isinstance(org, str) and org in ex.entities and ex.entities[org].type == "Organisation":
                    ex.add_relation(proj, "hasPartner", org, r2.sentence, "partner-at-project-event", 0.7)
        # an event named after an organisation ("X Talks") is organised by it
        for key, ent in ex.entities.items():
            if ent.type != "Event" or ent.attrs.get("unnamed"):
                continue
            for okey, org in ex.entities.items():
                if org.type != "Organisation":
                    continue
                for n in org.acronyms | {org.name}:
                    if len(n) >= 3 and starts_with_word(ent.name, n):
                        ex.add_relation(
                            key,
                            "organisedBy",
                            okey,
                            ent.mentions[0].sentence if ent.mentions else None,
                            "event-named-after-org",
                            0.7,
                        )
        # names for unnamed events: category, project, place, date
        for key, ent in ex.entities.items():
            if ent.type != "Event":
                continue
            cat = ent.attrs.get("category")
            if cat:
                ent.attrs["category"] = cat
            if ent.attrs.get("unnamed"):
                parts = [ent.name]
                proj = next((r.object for r in ex.relations if r.subject == key and r.predicate == "activityOf"), None)
                if proj and proj in ex.entities and ex.entities[proj].name.lower() not in ent.name.lower():
                    parts.append(ex.entities[proj].name)
                city = next((r.object for r in ex.relations if r.subject == key and r.predicate == "locatedIn"), None)
                if city and city in ex.entities:
                    parts.append(ex.entities[city].name)
                when = next(
                    (r.object for r in ex.relations if r.subject == key and r.predicate in ("date", "startDate")), None
                )
                if when:
                    parts.append(str(when))
                if len(parts) > 1:
                    ent.attrs["display_label"] = f"{parts[0]} — " + ", ".join(parts[1:])
                if ent.rule != "timeline-line":
                    ent.names |= _event_variants(ent.name)
                if proj and proj in ex.entities:
                    pname = ex.entities[proj].name
                    if pname.lower() not in ent.name.lower():
                        ent.names.add(f"{pname} {_strip_modifiers(ent.name)}")
        for ent in ex.entities.values():
            if ent.type == "Project":
                for n in list(ent.names):
                    if n.isupper() and " " in n:
                        ent.names.add(title_case(n))
            if ent.type == "Event" and ":" in ent.name:
                ent.names.add(ent.name.split(":")[0].strip())


# EU usage of country codes that differ from ISO 3166 ("EL" is Greece, "UK" the United Kingdom).
_COUNTRY_CODE_FIXES = {"EL": "GR", "UK": "GB"}
_NOT_PLACES = {
    "centre",
    "center",
    "city",
    "union",
    "european",
    "university",
    "school",
    "research",
    "hall",
    "development",
    "peace",
    "culture",
    "education",
    "welcome",
    "solidarity",
    "integration",
    "radio",
    "new",
    "town",
    "open",
    "kitchen",
    "folk",
    "high",
    "social",
    "intercultural",
    "international",
    "refugee",
    "migrant",
    "women",
    "network",
    "bar",
    "local",
    "council",
    "multicultural",
    "support",
}
_MODIFIERS = re.compile(
    r"^(?:(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|last|final|\d+(?:st|nd|rd|th)|one|two|three|four|five|(?:one|two|three|four|five|\d)-day|half-day|full-day)\s+)+",
    re.I,
)


def _strip_modifiers(name: str) -> str:
    return _MODIFIERS.sub("", name).strip()


def _event_variants(name: str) -> set[str]:
    """Shorter names of an unnamed event: without ordinals and durations, then without the first modifier."""
    out = set()
    base = _strip_modifiers(name)
    if base and base != name:
        out.add(base)
    words = base.split()
    if len(words) >= 3:
        out.add(" ".join(words[1:]))
    return {w for w in out if len(w.split()) >= 2}


def _activity_label(rest: str) -> str:
    first = re.split(
        r"(?<!\bDr)(?<!\bProf)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bSt)(?<!\bNo)(?<=[a-z0-9”\"])\.\s", rest.strip()
    )[0].rstrip(".")
    return first if len(first) <= 140 else first[:137].rsplit(" ", 1)[0] + "…"


def _dates(d: Any, text: str = "") -> list[tuple[str, str, str]]:
    from kg.extract.pipeline import event_dates

    return event_dates(d, text)


def category_of(word: str) -> str:
    """Event category of an event word."""
    return EVENT_WORDS.get(word.lower(), "event")


__all__ = ["RelationRules", "category_of", "fold"]


def place_in_name(ex: DocumentExtractor, name: str) -> Any:
    """The place an organisation's name holds ("Leiden Integration Centre" -> Leiden), if any:
    European places first, then the largest."""
    words = re.findall(r"[A-ZÀ-Ž][\w'’-]+", name)
    found = []
    named = ex.text.count(name) or 1
    for k in (2, 1):
        for i in range(len(words) - k + 1):
            cand = " ".join(words[i : i + k])
            if cand.lower() in _NOT_PLACES or has_org_word(cand):
                continue
            info = ex.place(cand)
            if info is None:
                continue
            primary = fold(info.name) == fold(cand)
            elsewhere = sum(1 for _ in word_spans(ex.text, cand)) > named
            if (
                info.kind == "Country"
                or (primary and (info.population >= 50000 or elsewhere))
                or info.population >= 100000
            ):
                found.append(info)
    if not found:
        return None
    found.sort(key=lambda p: (not getattr(p, "in_europe", True), p.kind != "City", -p.population))
    return found[0]
