"""Layout of a plain-text page: its title lines, its heading blocks and the items of lists.

The stage knows nothing of organisations or projects: it only says where a page has a title, a
heading followed by its values, a run of short lines, and how one list item splits into a name
and the places written after it ("Name (Italy)", "Name – Italy", "Name, City (Country)").
Its cue words are data (`kg/extract/data/cues.json`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CUES_PATH = Path(__file__).with_name("data") / "cues.json"
FIELD_LINE = re.compile(r"^[A-Z][\w ()/'’-]{1,40}:\s+\S")
BULLET = re.compile(r"^\s*(?:[•·▪‣◦*–—-]|\d+[.)])\s+")


@functools.lru_cache(maxsize=1)
def cues() -> dict[str, list[str]]:
    """The cue lists of the layout and relation stages, from the shipped data file."""
    data = json.loads(CUES_PATH.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@functools.lru_cache(maxsize=64)
def cue_regex(name: str, whole: bool = False) -> re.Pattern[str]:
    """One compiled regex for a cue list: anywhere on word boundaries, or (`whole`) the whole text."""
    alt = "|".join(cues()[name])
    if whole:
        return re.compile(rf"^\s*(?:the\s+)?(?:{alt})\s*:?\s*$", re.I)
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.I)


@dataclass
class Line:
    """A line of the page with its offsets (text without the bullet)."""

    start: int
    end: int
    text: str
    bullet: bool = False

    @property
    def words(self) -> int:
        """Number of words on the line."""
        return len(self.text.split())


@dataclass
class Block:
    """Lines under one heading (or a run of short lines with none): what a list is made of."""

    heading: str | None
    role: str  # "partners" | "lead" | "run"
    items: list[Line] = field(default_factory=list)


def lines(text: str) -> list[Line]:
    """The non-empty lines of a text, bullets stripped, with their offsets."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            b = BULLET.match(raw)
            start = pos + (b.end() if b else raw.index(stripped))
            body = raw[start - pos :].rstrip()
            out.append(Line(start, start + len(body), body, bool(b)))
        pos += len(raw) + 1
    return out


def _is_heading_like(line: Line) -> bool:
    t = line.text
    return line.words <= 6 and not re.search(r"[.;]$", t) and not re.search(r"\(\s*[A-Z]", t)


def blocks(text: str) -> list[Block]:
    """Heading blocks ("Partners" then one organisation a line; "Project leader" then its value)
    and runs of three or more short lines that may be an unheaded list."""
    ls = lines(text)
    out: list[Block] = []
    used: set[int] = set()
    i = 0
    while i < len(ls):
        line = ls[i]
        head = line.text.rstrip(":").strip()
        role = None
        if _is_heading_like(line) and cue_regex("lead_heading", whole=True).match(head):
            role = "lead"
        elif _is_heading_like(line) and cue_regex("partner_heading", whole=True).match(head):
            role = "partners"
        inline = re.match(r"^(?P<head>[A-Z][\w ()/'’-]{1,40}?)\s*:\s*(?P<value>\S.*)$", line.text)
        if role is None and inline and not line.bullet:
            head = inline.group("head").strip()
            role = "lead" if cue_regex("lead_heading", whole=True).match(head) else (
                "partners" if cue_regex("partner_heading", whole=True).match(head) else None)
            if role is not None:
                value = Line(line.start + inline.start("value"), line.end, inline.group("value"), False)
                out.append(Block(head, role, [value]))
                used.add(i)
                i += 1
                continue
        if role is None:
            i += 1
            continue
        block = Block(head, role)
        j = i + 1
        while j < len(ls):
            item = ls[j]
            if (item.words > 25 and not _list_like(item.text)) or (item.text.endswith(":") and not item.bullet):
                break
            if not item.bullet and FIELD_LINE.match(item.text):
                break  # "Total budget: …": the next field, not a list item
            if block.items and _is_heading_like(item) and not item.bullet and _ends_heading(item, ls, j):
                break
            if block.items and item.words <= 2 and not item.bullet and item.text[1:].islower() and j + 1 < len(ls) \
                    and (ls[j + 1].bullet or ls[j + 1].words > 12):
                break
            block.items.append(item)
            used.add(j)
            j += 1
            if role == "lead" and not item.bullet:
                break
        if block.items:
            out.append(block)
        i = j
    # unheaded runs of short lines (≥3), each a possible list item
    run: list[Line] = []
    for k, line in enumerate([*ls, Line(0, 0, "", False)]):
        short = 0 < line.words <= 12 and not re.search(r"[.!?]$", line.text) and k not in used
        if short:
            run.append(line)
            continue
        if len(run) >= 3:
            out.append(Block(None, "run", run))
        run = []
    return out


def _list_like(text: str) -> bool:
    """A long line that is a comma-separated list of names, not prose."""
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    return len(parts) >= 3 and sum(p[:1].isupper() for p in parts) >= 0.8 * len(parts)


def _ends_heading(item: Line, ls: list[Line], j: int) -> bool:
    """A short line followed by a much longer one is a new heading, not a list item."""
    nxt = ls[j + 1] if j + 1 < len(ls) else None
    return nxt is not None and nxt.words > 20


@dataclass
class Item:
    """One list item split into the name and the places written after it."""

    name: str
    start: int  # offset of the name in the page
    places: list[str] = field(default_factory=list)
    note: str = ""  # a bracketed remark that is not a place ("leading partner")


_TRAIL_BRACKET = re.compile(r"\s*\(([^()]{1,60})\)\s*$")
_TRAIL_DASH = re.compile(r"\s+[–—-]\s+([A-ZÀ-Ž][\w .'’-]{1,40})$")
_TRAIL_FROM = re.compile(r"\s+(?:from|in|based in)\s+([A-ZÀ-Ž][\w .'’-]{1,40})$")


def split_item(text: str, start: int, is_place: Callable[[str], bool]) -> Item:
    """Split "Name, City (Country)", "Name – Country", "Name (CC)", "Name from Country" into the name
    and its places (outermost last); `is_place` says whether a string names a place."""
    name = text.strip().rstrip(".;,").lstrip("–—-:• ").strip()
    name = re.sub(r"^(?:[a-z][\w'’]*\s+)+(?=[A-ZÀ-Ž@0-9])", "", name)  # "apart from X": X
    name = re.sub(r"(?:\s+(?:and|or|&))+$", "", name)  # "A and" before "in B": A
    lead = text.index(name) if name and name in text else 0
    places: list[str] = []
    note = ""
    changed = True
    while changed and name:
        changed = False
        m = _TRAIL_BRACKET.search(name)
        if m:
            inner = m.group(1).strip()
            if is_place(inner) or re.fullmatch(r"[A-Z]{2,3}", inner):
                places.insert(0, inner)
            elif not note:
                note = inner
            else:
                break
            name = name[: m.start()].rstrip(" ,")
            changed = True
            continue
        for pat in (_TRAIL_DASH, _TRAIL_FROM):
            m = pat.search(name)
            if m and is_place(m.group(1).strip()):
                places.insert(0, m.group(1).strip())
                name = name[: m.start()].rstrip(" ,")
                changed = True
                break
        if changed:
            continue
        parts = name.rsplit(",", 1)
        if len(parts) == 2 and is_place(parts[1].strip()) and parts[0].strip():
            places.insert(0, parts[1].strip())
            name = parts[0].rstrip(" ,")
            changed = True
    return Item(name.strip(), start + lead, places, note)


def title_lines(text: str, count: int = 3) -> list[Line]:
    """The first non-empty lines of the page (where a title stands)."""
    return lines(text[:2000])[:count]


_TITLE_SPLIT = re.compile(r"^(?P<short>[^\s–—:-][^–—:]{0,40}?)\s*(?:\s[–—-]\s|:\s)\s*(?P<long>\S.{8,200})$")


def title_name(line: str) -> tuple[str, str] | None:
    """ "SHORT – Long title" or "SHORT: Long title" on a title line: (short name, long title)."""
    m = _TITLE_SPLIT.match(line.strip())
    if not m:
        return None
    short, long = m.group("short").strip(), m.group("long").strip()
    if len(short.split()) > 4 or not short[:1].isalnum():
        return None
    from kg.extract.dates import find_dates

    if re.match(r"(?i)(?:panel|session|workshop|round ?table|keynote|plenary|webinar|seminar|day)\b", short):
        return None  # "Panel 1: Title" names a session
    if find_dates(short) or not re.search(r"[A-Za-zÀ-ž]{2}", short):
        return None  # "12 May 2022 – …" is a dated line, not a name and its title
    return short, long
