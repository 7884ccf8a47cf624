"""Literal facts of the page's project from fields and prose, whatever the page's genre:
its period ("Duration: 1st of December 2022 – 30th of November 2024", "Start: 01.11.2021" /
"Finish: …", "implemented between November 2018 and November 2020") and its number
("[Project Number: X]", "Code" followed by its value)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.extract import layout
from kg.extract.dates import DateMention, find_dates, iso_month

if TYPE_CHECKING:
    from kg.extract.pipeline import DocumentExtractor

_PERIOD_KEYS = (
    r"(?:project\s+)?(?:duration|period|implementation period|project period|lifetime|timeline|timeframe|dates?)"
)
_START_KEYS = r"(?:project\s+)?(?:start(?:\s+date)?|starting date|begin(?:ning)?|launch(?:ed)?)"
_END_KEYS = r"(?:project\s+)?(?:end(?:\s+date)?|finish|ending date|completion|close)"
_NUMBER_KEYS = r"(?:project\s+|grant\s+(?:agreement\s+)?)?(?:number|no\.?|id|code|reference|ref\.?)"
_PROSE_PERIOD = re.compile(
    r"(?i)\b(?:implemented|running|runs|run|carried out|lasts?|lasting|takes? place|active|funded)\s+"
    r"(?:from|between)\s+(?P<span>.{6,60}?)(?=[.;,(]|$)"
)


def _value(d: DateMention, last: bool = False) -> tuple[str, str]:
    day = d.last if last and d.last else d.first
    if d.precision == "day":
        return day.isoformat(), "date"
    return iso_month(day), "gYearMonth"


class ProjectFacts:
    """Adds startDate, endDate and projectNumber to the page's project."""

    def __init__(self, ex: DocumentExtractor, project: str | None) -> None:
        self.ex = ex
        self.project = project

    def apply(self) -> None:
        """Run the stage (nothing without a project)."""
        if self.project is None:
            return
        ex = self.ex
        have = {r.predicate for r in ex.relations if r.subject == self.project and r.literal}
        for key, value, start in self.fields():
            sent = ex.sentence_at(start)
            dates = find_dates(value, ex.year)
            if re.fullmatch(_PERIOD_KEYS, key, re.I) and dates and "startDate" not in have:
                first, last = dates[0], dates[-1]
                if first.is_range and len(dates) == 1:
                    self._add("startDate", *_value(first), sent)
                    self._add("endDate", *_value(first, last=True), sent)
                elif len(dates) >= 2:
                    self._add("startDate", *_value(first), sent)
                    self._add("endDate", *_value(last, last=True), sent)
            elif re.fullmatch(_START_KEYS, key, re.I) and dates and "startDate" not in have:
                self._add("startDate", *_value(dates[0]), sent)
            elif re.fullmatch(_END_KEYS, key, re.I) and dates and "endDate" not in have:
                self._add("endDate", *_value(dates[0], last=True), sent)
            elif re.fullmatch(_NUMBER_KEYS, key, re.I) and "projectNumber" not in have:
                number = re.match(r"\s*([A-Za-z0-9@][\w@./ -]{2,40}?)\s*$", value)
                if number and re.search(r"\d", number.group(1)):
                    self._add("projectNumber", number.group(1).strip(), "string", sent)
        if "startDate" not in have:
            for s in ex.sentences:
                m = _PROSE_PERIOD.search(s.span.text)
                if not m:
                    continue
                dates = find_dates(m.group("span"), ex.year)
                if len(dates) == 1 and dates[0].is_range:
                    self._add("startDate", *_value(dates[0]), s)
                    self._add("endDate", *_value(dates[0], last=True), s)
                    break
                if len(dates) == 2:
                    self._add("startDate", *_value(dates[0]), s)
                    self._add("endDate", *_value(dates[1], last=True), s)
                    break

    def _add(self, prop: str, value: str, datatype: str, sent: object) -> None:
        self.ex.add_relation(self.project, prop, value, sent, f"page:project-{prop}", 0.75,  # type: ignore[arg-type]
                             literal=True, datatype=datatype)

    def fields(self) -> list[tuple[str, str, int]]:
        """(key, value, offset) of "Key: value" lines, "[Key: value]" brackets and a key line
        followed by its value line."""
        out = []
        lines = layout.lines(self.ex.text)
        for i, line in enumerate(lines):
            m = re.match(r"^([A-Z][\w ./'’-]{1,40}?)\s*:\s*(\S.*)$", line.text)
            if m:
                out.append((m.group(1).strip(), m.group(2), line.start + m.start(2)))
                continue
            if line.words <= 4 and not re.search(r"[.:;]$", line.text) and i + 1 < len(lines):
                nxt = lines[i + 1]
                if nxt.words <= 12:
                    out.append((line.text.strip(), nxt.text, nxt.start))
        # the document's own text: cleaning masks bracketed spans (offsets are the same)
        for m in re.finditer(r"\[([A-Z][\w ./'’-]{1,40}?)\s*:\s*([^\]\n]{2,80})\]", self.ex.doc.text):
            out.append((m.group(1).strip(), m.group(2), m.start(2)))
        return out
