"""Genre parsers: factsheet fields ("Key: value") and dated timeline lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.extract.dates import DateMention, find_dates

EMPTY_FIELD_RE = re.compile(r"^(?P<key>[A-Z][A-Za-z ()/'’-]{1,40}?)\s*:\s*$")
FIELD_RE = re.compile(r"^(?P<key>[A-Z][A-Za-z ()/'’-]{1,40}?)\s*:\s*(?P<value>\S.*)$")

FIELD_KEYS = {
    "acronym": "acronym",
    "project acronym": "acronym",
    "project": "acronym",
    "project name": "title",
    "full project title": "title",
    "project title": "title",
    "full title": "title",
    "title": "title",
    "full name": "title",
    "project duration": "duration",
    "duration": "duration",
    "period": "duration",
    "coordinator": "coordinator",
    "project coordinator": "coordinator",
    "lead partner": "coordinator",
    "coordinating organisation": "coordinator",
    "coordinating organization": "coordinator",
    "lead organisation": "coordinator",
    "lead organization": "coordinator",
    "led by": "coordinator",
    "partners": "partners",
    "project partners": "partners",
    "partner organisations": "partners",
    "partner organizations": "partners",
    "consortium": "partners",
    "associated partners": "partners",
    "associated partner": "partners",
    "funding": "funding",
    "funded by": "funding",
    "programme": "funding",
    "program": "funding",
    "funding programme": "funding",
    "project number": "number",
    "grant agreement": "number",
    "grant agreement number": "number",
    "project id": "number",
    "reference": "number",
    "start date": "start",
    "end date": "end",
    "countries": "countries",
    "locations": "countries",
    "location": "countries",
    "partner countries": "countries",
    "participating countries": "countries",
    "funding program": "funding",
    "eu programme": "funding",
    "grant agreement no": "number",
    "grant agreement no.": "number",
    "project no": "number",
    "project no.": "number",
    "project reference": "number",
    "agreement number": "number",
}


@dataclass
class Field:
    """One "Key: value" line of a factsheet."""

    key: str
    value: str
    value_start: int
    line_start: int
    line_end: int
    row: bool = False  # one row of a list written under its key


def factsheet_fields(text: str) -> list[Field]:
    """The recognised "Key: value" fields of a factsheet, with the value's offset."""
    out = []
    pos = 0
    open_key: str | None = None  # a key whose values follow on the next lines ("Partners:" then a table)
    for line in text.split("\n"):
        stripped = line.strip()
        m = FIELD_RE.match(stripped)
        empty = EMPTY_FIELD_RE.match(stripped)
        lead = len(line) - len(line.lstrip())
        if m and FIELD_KEYS.get(m.group("key").strip().lower()):
            key = FIELD_KEYS[m.group("key").strip().lower()]
            value = m.group("value").rstrip()
            out.append(Field(key, value, pos + lead + m.start("value"), pos, pos + len(line)))
            open_key = None
        elif empty and FIELD_KEYS.get(empty.group("key").strip().lower()):
            open_key = FIELD_KEYS[empty.group("key").strip().lower()]
        elif open_key in ("partners", "coordinator", "countries") and stripped and not m:
            item = BULLET_RE.match(line)
            value = (item.group("item") if item else stripped).rstrip()
            start = pos + (item.start("item") if item else lead)
            out.append(Field(open_key, value, start, pos, pos + len(line), row=True))
        else:
            open_key = None
        pos += len(line) + 1
    return out


def is_factsheet(text: str) -> bool:
    """True when a document reads as a factsheet: several recognised fields or the word in its head."""
    fields = factsheet_fields(text)
    return len({f.key for f in fields}) >= 3 or ("factsheet" in text[:200].lower() and len(fields) >= 1)


def split_list(value: str) -> list[tuple[int, str]]:
    """Split a list value at top-level commas, semicolons and " and " (not inside brackets)."""
    parts: list[tuple[int, str]] = []
    depth, start = 0, 0
    i = 0
    while i < len(value):
        c = value[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (c in ",;" or value.startswith(" and ", i)):
            parts.append((start, value[start:i]))
            i += 5 if value.startswith(" and ", i) else 1
            start = i
            continue
        i += 1
    parts.append((start, value[start:]))
    out = []
    for s, p in parts:
        stripped = p.strip()
        if stripped:
            out.append((s + p.index(stripped), stripped))
    return out


TIMELINE_RE = re.compile(
    r"^\s*(?P<date>[0-3]?\d[./][01]?\d[./](?:19|20)\d\d(?:\s*[–—-]\s*[0-3]?\d[./][01]?\d[./](?:19|20)\d\d)?)\s*[–—:-]+\s*(?P<rest>\S.*)$"
)


@dataclass
class TimelineEntry:
    """One dated line of a timeline: "DD.MM.YYYY – Actor verb …"."""

    date: DateMention
    rest: str
    rest_start: int
    line_start: int
    line_end: int


def timeline_entries(text: str) -> list[TimelineEntry]:
    """Every line that starts with a numeric date or date range followed by a dash."""
    out = []
    pos = 0
    for line in text.split("\n"):
        m = TIMELINE_RE.match(line)
        if m:
            dates = find_dates(m.group("date"))
            if dates:
                out.append(TimelineEntry(dates[0], m.group("rest"), pos + m.start("rest"), pos, pos + len(line)))
        else:
            entry = _worded_date_line(line, pos)
            if entry is not None:
                out.append(entry)
        pos += len(line) + 1
    return out


_AFTER_DATE = re.compile(r"\s*(?:[–—|:-]|,)\s*(?=\S)")


def _worded_date_line(line: str, pos: int) -> TimelineEntry | None:
    """ "12 May 2022 – Workshop in X", "March 2021: kick-off …": a line that opens with a written date."""
    stripped = line.lstrip(" •*·-")
    lead = len(line) - len(stripped)
    dates = find_dates(stripped[:60])
    if not dates or dates[0].start != 0 or dates[0].first.year < 1990:
        return None
    sep = _AFTER_DATE.match(stripped, dates[0].end)
    if sep is None or len(stripped) - sep.end() < 8:
        return None
    rest_start = lead + sep.end()
    return TimelineEntry(dates[0], line[rest_start:], pos + rest_start, pos, pos + len(line))


BULLET_RE = re.compile(r"^\s*(?:[•·▪‣◦*-]|\d+[.)])\s+(?P<item>\S.*)$")


def bullet_items(text: str) -> list[tuple[int, str]]:
    """Bulleted lines: their item text and its offset."""
    out = []
    pos = 0
    for line in text.split("\n"):
        m = BULLET_RE.match(line)
        if m:
            out.append((pos + m.start("item"), m.group("item").rstrip()))
        pos += len(line) + 1
    return out
