"""The project a page is about, from where pages put it: the title line ("SHORT – Long title"),
"the project X – Long title", a quoted title next to the word project, and "Full Name (ACR) is a
… project". Adds the project (with its short name, long title and "SHORT – Long title") when the
sentence rules did not find it, and returns the page's main project."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.extract import layout
from kg.extract.names import clean_name, fold, initials_match, looks_like_acronym

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor

_SMALL = r"(?:of|for|and|the|in|on|to|a|an|with|from|at|by|&)"
_TITLE_RUN = rf"[A-Z@][\w@+&'’.-]*(?:\s+(?:{_SMALL}\s+)*[A-Z@][\w@+&'’.-]*)*"
_QUOTE_OPEN = "“\"„«"
_QUOTE_ANY = "“”\"„«»"
_PROJECT_WORD = r"(?:project|initiative)"
_NEWS_WORDS = re.compile(r"(?i)\b(?:kick-?off|meeting|conference|webinar|workshop|started|starts|launched|news)\b")
_SHAPED = re.compile(r"[a-z][A-Z0-9@+_]|[0-9]|[@+_]")

# "the project NAME – Long title, …" / "the project NAME: Long Title …"
_PROJECT_DASH = re.compile(
    rf"(?i:\b(?:the\s+)?{_PROJECT_WORD}\s+)(?P<short>[A-Z@][\w@+&'’-]*(?:\s[A-Z][\w@+&'’-]*)?)"
    rf"\s*(?:(?P<dash>\s[–—-]\s)(?P<long1>[^,.;()]{{6,160}})|:\s+(?P<long2>{_TITLE_RUN}))"
)
# project “Quoted Title” / “Quoted Title” project
_QUOTED_AFTER = re.compile(rf"(?i:\b{_PROJECT_WORD}\s+)[{_QUOTE_OPEN}](?P<q>[^{_QUOTE_ANY}\n]{{2,200}})[{_QUOTE_ANY}]")
_QUOTED_BEFORE = re.compile(rf"[{_QUOTE_OPEN}](?P<q>[^{_QUOTE_ANY}\n]{{2,200}})[{_QUOTE_ANY}]\s+(?i:{_PROJECT_WORD})\b")
# Full Name (ACR) is a … project
_ACR_IS_PROJECT = re.compile(
    rf"(?P<full>{_TITLE_RUN})\s+\((?P<acr>[@\w+&-]{{2,30}})\)\s+(?:is|was)\s+an?\s+(?:[\w-]+\s+){{0,5}}{_PROJECT_WORD}\b"
)
# the project Full Name (ACR)
_PROJECT_FULL_ACR = re.compile(
    rf"(?i:\b{_PROJECT_WORD}\s+)(?P<full>{_TITLE_RUN})\s+\((?P<acr>[@\w+&-]{{2,30}})\)"
)
# NAME, a … project / NAME, an EU-funded initiative
_NAME_APPOSITIVE = re.compile(
    rf"(?<![\w@-])(?P<short>[A-Z@][\w@+&'’-]*),\s+(?:an?|the)\s+(?:[\w+-]+\s+){{0,5}}?{_PROJECT_WORD}\b"
)
# NAME is a … project
_NAME_IS_PROJECT = re.compile(
    rf"(?:^|(?<=[.;]\s))(?P<short>[A-Z@][\w@+&'’-]*)\s+(?:is|was)\s+an?\s+(?:[\w-]+\s+){{0,5}}{_PROJECT_WORD}\b"
)


# "the sister projects A, B and C", "projects such as A and B"
_PROJECT_LIST = re.compile(
    r"(?i:\bprojects)\s*(?:\(|:|,?\s+(?:such as|like|including|namely|called)\s+|\s+(?=[A-Z@]))"
    r"(?P<list>[A-Z@][^.;()]{2,200})"
)
# "A, B and C projects", "the A and B projects"
_LIST_PROJECTS = re.compile(
    r"(?P<list>[A-Z@][\w@+&'’-]*(?:,\s+[A-Z@][\w@+&'’-]*)*\s+(?:and|&)\s+[A-Z@][\w@+&'’-]*)\s+(?i:projects)\b"
)
# "X's partners", "X’s consortium"
_POSSESSIVE = re.compile(
    r"(?<![\w@-])(?P<short>[A-Z@][\w@+&-]*[A-Z0-9][\w@+&-]*)['’]s\s+(?:partners?|consortium|partnership|"
    r"project|kick-?off|coordinator|activities|pilots?)\b"
)


def _project_like(short: str) -> bool:
    words = short.split()
    return any(looks_like_acronym(w) or bool(_SHAPED.search(w)) for w in words)


class ProjectStage:
    """Finds the page's project where pages put it and returns the main one."""

    def __init__(self, ex: DocumentExtractor) -> None:
        self.ex = ex

    def apply(self) -> str | None:
        """Add projects named by layout and project contexts; return the page's main project key."""
        ex = self.ex
        titled = self._title() or self._title_acronyms()
        for s in ex.sentences:
            self._contexts(s.span.text, s.span.start)
        self._programme_contexts()
        projects = [e for e in ex.entities.values() if e.type == "Project"]
        if titled is not None and titled in ex.entities:
            return titled
        if not projects:
            return self._frequent_acronym()
        return max(projects, key=lambda e: (len(e.mentions), -min((m.start for m in e.mentions), default=0))).key

    # -- helpers ------------------------------------------------------------
    def _add(self, short: str, start: int, long: str | None, rule: str) -> str | None:
        """Add (or complete) the project named `short` at `start`, with its long title."""
        ex = self.ex
        short = clean_name(short)
        if not short or ex.place(short) is not None or short.lower() in ("project", "news", "event", "the project"):
            return None
        known = self.ex.entity_named(short) or (self.ex.entity_named(long) if long else None)
        if known is not None and known.type != "Project":
            if known.type != "Organisation" or "ref" in known.attrs:
                return None
            known.type = "Project"  # the page calls it a project
        ent = known or ex.new_entity(f"Project:{fold(short)}", "Project", short, rule=rule, conf=0.8)
        if not ent.name:
            ent.name = short
        s = ex.sentence_at(start)
        if s is not None and not any(m.start == start for m in ent.mentions):
            ex.new_entity(ent.key, "Project", short, rule=rule, sentence=s, start=start, end=start + len(short))
        ent.names.add(short)
        if long:
            long = clean_name(long)
            if long and not _NEWS_WORDS.search(long):
                ent.names.add(long)
                ent.names.add(f"{short} – {long}")
                ent.attrs.setdefault("full_title", long)
        return ent.key

    # -- where pages name their project -----------------------------------------
    def _title(self) -> str | None:
        ex = self.ex
        for line in layout.title_lines(ex.text):
            split = layout.title_name(line.text)
            if split is None:
                continue
            short, long = split
            body = ex.text[line.end :]
            again = re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", body, re.I)
            if not (again or _project_like(short)) or len(short.split()) > 3:
                continue
            known = self.ex.entity_named(short)
            if known is not None and known.type not in ("Project", "Organisation"):
                continue
            return self._add(short, line.start + line.text.index(short), long, "layout:title")
        return None

    def _title_acronyms(self) -> str | None:
        """An acronym-shaped name in the page's first line that the body writes again and that is no
        known organisation, programme or place: the project the page is about."""
        ex = self.ex
        lines = layout.title_lines(ex.text, 1)
        if not lines:
            return None
        line = lines[0]
        body = ex.text[line.end :]
        for m in re.finditer(r"(?<![\w@-])[A-Z@][\w@+&-]*(?<![-&])", line.text):
            token = m.group(0)
            if not _project_like(token) or len(token) < 3 or token.isdigit():
                continue
            if not re.search(rf"(?<![\w@-]){re.escape(token)}(?![\w@-])", body):
                continue
            known = self.ex.entity_named(token)
            if known is not None and known.type != "Project":
                continue
            pos = line.start + m.start()
            if any(a <= pos < b for (a, b) in ex.mention_key) or ex.place(token) is not None:
                continue
            return self._add(token, line.start + m.start(), None, "layout:title-acronym")
        return None

    def _programme_contexts(self) -> None:
        """Names a funding programme's name qualifies: "the URBACT network NAME", "NAME is an Erasmus+
        partnership", "NAME, a Horizon 2020 project": the name is a project (a funded network or
        partnership is one) funded by that programme."""
        ex = self.ex
        kinds = r"(?:project|network|partnership|initiative|consortium)"
        name = r"(?P<name>[“\"]?[A-Z@][\w@+&'’.-]*(?:\s+[A-Z0-9@][\w@+&'’.-]*){0,3}[”\"]?)"
        for (a, b), key in list(ex.mention_key.items()):
            prog = ex.entities.get(key)
            if prog is None or prog.type != "FundingProgramme":
                continue
            sent = ex.sentence_at(a)
            if sent is None:
                continue
            after = ex.text[b : sent.span.end]
            before = ex.text[sent.span.start : a]
            found = []
            m = re.match(rf"(?i:[\s-]*(?:funded|financed|co-funded))?\s+(?:[\w-]+\s+){{0,2}}?(?i:{kinds})s?\s+{name}",
                         after)
            if m:
                found.append((b + m.start("name"), m.group("name"), False))
            m = re.search(rf"{name},?\s+(?:is|was|has been)?\s*(?:an?|the)\s+(?:[\w-]+\s+){{0,3}}$", before)
            if m and re.match(rf"(?i:[\s-]*funded)?\s+(?:[\w-]+\s+){{0,3}}?(?i:{kinds})\b", after):
                found.append((sent.span.start + m.start("name"), m.group("name"), True))
            for start, raw, strong in found:
                short = raw.strip("“”\"")
                shift = raw.index(short[:1]) if short else 0
                if not short or short.split()[0].lower() in ("the", "a", "an", "this", "its", "their"):
                    continue
                if not (strong or _project_like(short) or raw[:1] in "“\"" or len(short.split()) >= 2):
                    continue
                pkey = self._add(short, start + shift, None, "project:programme-context")
                if pkey is not None:
                    ex.add_relation(pkey, "fundedBy", key, sent, "project:programme-context", 0.7)

    def _frequent_acronym(self) -> str | None:
        """On a page that names no project, an acronym-shaped name written three times or more that
        no rule took for something else is what the page is about: its project."""
        ex = self.ex
        counts: dict[str, list[int]] = {}
        for m in re.finditer(r"(?<![\w@#-])[A-Z][A-Za-z0-9+&_-]*[A-Z0-9][A-Za-z0-9+]*(?![\w-])", ex.text):
            token = m.group(0)
            if looks_like_acronym(token) and len(token) >= 3 and not token.isdigit():
                counts.setdefault(token, []).append(m.start())
        for token, starts in sorted(counts.items(), key=lambda kv: -len(kv[1])):
            if len(starts) < 3:
                break
            if any(a <= p < b for p in starts for (a, b) in ex.mention_key) or self.ex.entity_named(token) is not None:
                continue
            if ex.place(token) is not None or ex.lk.country_by_code(token[:2]) is not None and len(token) == 2:
                continue
            return self._add(token, starts[0], None, "project:frequent-acronym")
        return None

    def _contexts(self, text: str, offset: int) -> None:
        for m in _PROJECT_DASH.finditer(text):
            short = m.group("short")
            long = (m.group("long1") or m.group("long2") or "").strip()
            if m.group("dash") is None and not _project_like(short):
                continue
            self._add(short, offset + m.start("short"), long, "project:title-context")
        for pat in (_QUOTED_AFTER, _QUOTED_BEFORE):
            for m in pat.finditer(text):
                q = m.group("q").strip()
                split = layout.title_name(q)
                if split is not None:
                    short, long = split
                    self._add(short, offset + m.start("q") + q.index(short), long, "project:quoted")
                elif len(q.split()) <= 20 and q[:1].isupper():
                    self._add(q, offset + m.start("q"), None, "project:quoted")
        for m in re.finditer(r"[“\"](?P<q>[A-Z@#][\w@#+&-]{2,30})[”\"]", text):
            if _project_like(m.group("q").lstrip("#@")) and re.search(r"[0-9@#]|[a-z][A-Z]", m.group("q")):
                self._add(m.group("q").lstrip("#"), offset + m.start("q") + (m.group("q")[0] == "#"), None,
                          "project:quoted-shaped")  # “Cities2Work”: a shaped name in quotes
        for m in [*_ACR_IS_PROJECT.finditer(text), *_PROJECT_FULL_ACR.finditer(text)]:
            full, acr = m.group("full"), m.group("acr")
            if not initials_match(acr.lstrip("@"), full) and not acr.startswith("@"):
                continue
            key = self._add(acr, offset + m.start("acr"), full, "project:acronym-is-project")
            if key is not None:
                self.ex.entities[key].names.add(clean_name(full))
                self.ex.entities[key].names.add(acr.lstrip("@"))
        for m in _POSSESSIVE.finditer(text):
            if _project_like(m.group("short")):
                self._add(m.group("short"), offset + m.start("short"), None, "project:possessive")
        for m in _LIST_PROJECTS.finditer(text):
            for part in re.finditer(r"[A-Z@][\w@+&'’-]*", m.group("list")):
                name = part.group(0)
                if _project_like(name) or len(name) >= 4:
                    self._add(name, offset + m.start("list") + part.start(), None, "project:listed-before")
        for m in _PROJECT_LIST.finditer(text):
            body = m.group("list")
            for part in re.split(r",\s*|\s+and\s+|\s*&\s*", body):
                name = part.strip()
                words = name.split()
                if not words or len(words) > 3 or not _project_like(name):
                    continue
                rel = body.find(name)
                self._add(name, offset + m.start("list") + rel, None, "project:listed")
        for m in _NAME_APPOSITIVE.finditer(text):
            if _project_like(m.group("short")):
                self._add(m.group("short"), offset + m.start("short"), None, "project:appositive")
        for m in _NAME_IS_PROJECT.finditer(text):
            short = m.group("short")
            if _project_like(short) or re.search(rf"(?<![\w-]){re.escape(short)}\s+project\b", self.ex.text, re.I):
                self._add(short, offset + m.start("short"), None, "project:is-a-project")
