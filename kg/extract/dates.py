"""Dates in the common European and English forms, single days, months and ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = r"(?P<{n}>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"  # noqa: E501
_DAY = r"(?P<{n}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{n}>(?:19|20)\d\d)"
DASH = r"\s*(?:–|—|-|to|until|till)\s*"


def _m(n: str) -> str:
    return _MONTH.format(n=n)


def _d(n: str) -> str:
    return _DAY.format(n=n)


def _y(n: str) -> str:
    return _YEAR.format(n=n)


# Each pattern yields named groups d1 m1 y1 (start) and optionally d2 m2 y2 (end).
_NUMERIC = rf"(?P<d1>[0-3]?\d)[./](?P<m1>[01]?\d)[./]{_y('y1')}"
_NUMERIC2 = rf"(?P<d2>[0-3]?\d)[./](?P<m2>[01]?\d)[./]{_y('y2')}"
_PATTERNS = [
    # 01.03.2022 – 31.03.2022
    re.compile(rf"\b{_NUMERIC}{DASH}{_NUMERIC2}\b"),
    re.compile(rf"\b{_NUMERIC}\b"),
    # 2022-03-01 (ISO)
    re.compile(r"\b(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)\b"),
    # 1 February 2024 to 31 January 2027 ; 1st of December 2022 – 30th of November 2024
    re.compile(
        rf"\b{_d('d1')}\s+(?:of\s+)?{_m('m1')},?\s+{_y('y1')}{DASH}{_d('d2')}\s+(?:of\s+)?{_m('m2')},?\s+{_y('y2')}\b",
        re.I,
    ),
    # 12-13.06.22 (days, then a numeric month and a two-digit year)
    re.compile(r"\b(?P<d1>[0-3]?\d)\s*[-–]\s*(?P<d2>[0-3]?\d)[./](?P<m1>[01]?\d)[./](?P<y1>\d\d)\b(?![./]?\d)"),
    # 17-18 March 2022 ; 17 and 18 March
    re.compile(rf"\b{_d('d1')}\s*(?:–|—|-|and|to)\s*{_d('d2')}\s+{_m('m1')},?\s+{_y('y1')}\b", re.I),
    # 28 February – 2 March 2024 (the first date takes the second's year)
    re.compile(rf"\b{_d('d1')}\s+{_m('m1')}{DASH}{_d('d2')}\s+{_m('m2')},?\s+{_y('y2')}\b", re.I),
    # 2023-05-17 – 2023-05-19
    re.compile(
        r"\b(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)\s*(?:–|—|-|to)\s*"
        r"(?P<y2>(?:19|20)\d\d)-(?P<m2>[01]\d)-(?P<d2>[0-3]\d)\b"
    ),
    # May 17-19, 2023 ; June, 12-13, 2019
    re.compile(rf"\b{_m('m1')},?\s+{_d('d1')}\s*(?:–|—|-|to|and)\s*{_d('d2')},?\s+{_y('y1')}\b", re.I),
    # January 2022 – June 2024
    re.compile(rf"\b{_m('m1')}\s+{_y('y1')}{DASH}{_m('m2')}\s+{_y('y2')}\b", re.I),
    # 14 March 2023 ; the 22nd of September 2020 ; 22nd of September
    re.compile(rf"\b{_d('d1')}\s+(?:of\s+)?{_m('m1')},?\s+{_y('y1')}\b", re.I),
    # Dec. 3, 2019 ; September 22nd, 2020
    re.compile(rf"\b{_m('m1')}\s+{_d('d1')},?\s+{_y('y1')}\b", re.I),
    # March 2022 (month precision)
    re.compile(rf"\b{_m('m1')}\s+{_y('y1')}\b", re.I),
    # 20 and 21 September ; 20-21 September (year from the document)
    re.compile(rf"\b{_d('d1')}\s*(?:–|—|-|and|to)\s*{_d('d2')}\s+(?:of\s+)?{_m('m1')}\b(?!\s*,?\s*\d{{4}})", re.I),
    # 18 February ; the 22nd of September (year from the document)
    re.compile(rf"\b{_d('d1')}\s+(?:of\s+)?{_m('m1')}\b(?!\s*\d)", re.I),
    # September 22nd (year from the document)
    re.compile(rf"\b{_m('m1')}\s+{_d('d1')}\b(?!\s*,?\s*\d{{4}})", re.I),
]
_CAPITALISED_MONTH = re.compile(r"^[A-Z]")


@dataclass(frozen=True)
class DateMention:
    """A date or range found in text; `precision` is "day" or "month"."""

    start: int
    end: int
    text: str
    first: date
    last: date | None
    precision: str
    year_inferred: bool = False

    @property
    def is_range(self) -> bool:
        """True when the mention gives a start and a different end."""
        return self.last is not None and self.last != self.first


def _month(value: str) -> int:
    value = value.lower().rstrip(".")
    return MONTHS.get(value, MONTHS.get(value[:3], 0)) if not value.isdigit() else int(value)


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, default_year: int | None = None) -> list[DateMention]:
    """Every date or date range in `text`, left to right, without overlaps.

    A day and month without a year take `default_year` (the document's own year) when given,
    and are skipped otherwise.
    """
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            g = m.groupdict()
            mention = _from_groups(g, text[s:e], s, e, default_year)
            if mention is None:
                continue
            taken.append((s, e))
            found.append(mention)
    return sorted(found, key=lambda d: d.start)


def _year(value: str | None) -> int:
    """A four-digit year, or a two-digit one read in this century ("22" -> 2022)."""
    y = int(value or 0)
    return 2000 + y if y < 100 else y


def _from_groups(g: dict[str, str | None], text: str, s: int, e: int, default_year: int | None) -> DateMention | None:
    m1 = _month(g["m1"]) if g.get("m1") else 0
    if not m1 or m1 > 12:
        return None
    # A capitalised month word alone ("May", "March") must look like a date, not a name.
    inferred = False
    y1 = _year(g["y1"]) if g.get("y1") else _year(g["y2"]) if g.get("y2") else None
    if y1 is None:
        if default_year is None:
            return None
        y1, inferred = default_year, True
    if g.get("d1"):
        first = _make(y1, m1, int(g["d1"]))
        precision = "day"
    else:
        first = date(y1, m1, 1)
        precision = "month"
    if first is None:
        return None
    last: date | None = None
    if g.get("d2") or g.get("m2") or g.get("y2"):
        y2 = _year(g["y2"]) if g.get("y2") else y1
        m2 = _month(g["m2"]) if g.get("m2") else m1
        if g.get("d2"):
            last = _make(y2, m2, int(g["d2"]))
        else:
            nxt = date(y2 + (m2 == 12), m2 % 12 + 1, 1)
            last = nxt - timedelta(days=1)
        if last is None or last < first:
            return None
    return DateMention(s, e, text, first, last, precision, inferred)


_DURATION = re.compile(r"\b(two|three|four|five|2|3|4|5)[- ]day\b", re.I)
_NUM = {"two": 2, "three": 3, "four": 4, "five": 5}


def duration_days(text: str) -> int | None:
    """Length in days stated as "a two-day meeting", "3-day", if any."""
    m = _DURATION.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    return _NUM.get(word) or int(word)


def iso_month(d: date) -> str:
    """ISO year-month (xsd:gYearMonth lexical form) of a date."""
    return f"{d.year:04d}-{d.month:02d}"
