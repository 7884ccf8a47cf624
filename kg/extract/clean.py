"""Masking of page furniture before extraction: markup, share buttons, breadcrumbs, cookie
notices. The text keeps its length, so every offset still points into the original document."""

from __future__ import annotations

import re

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>|<!--.*?-->", re.S)
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")
_SHORTCODE = re.compile(r"\[/?[A-Za-z_][\w-]*(?:\s[^\[\]]{0,200})?\]")
_FURNITURE = re.compile(
    r"(?im)^[ \t]*(?:"
    r"share(?: this| on)?:?|share this (?:article|post|page)|follow us.*|"
    r"(?:facebook|twitter|linkedin|x|instagram|youtube|whatsapp|email|print|pinterest|reddit|telegram)"
    r"(?:[ \t,|/•·]+(?:facebook|twitter|linkedin|x|instagram|youtube|whatsapp|email|print|pinterest|reddit|telegram))*|"
    r"translate\s*»?|read more\s*»?|continue reading.*|back to (?:top|news).*|"
    r"(?:home|start)\s*[»>›/].*|you are here:.*|"
    r"(?:this (?:website|site) uses cookies|we use cookies|accept (?:all )?cookies|cookie (?:policy|settings)).*|"
    r"(?:related (?:posts|articles|news)|tags?|categories|posted in|filed under):?.*|"
    r"(?:previous|next) (?:post|article)\s*[:»].*|skip to (?:main )?content|menu|search"
    r")[ \t]*$"
)


# A line break inside a sentence (PDF text, hard-wrapped e-mails): the next line goes on in lower case.
_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;”\"])\n(?=[a-z(])")


def _blank(match: re.Match[str]) -> str:
    return "".join(c if c == "\n" else " " for c in match.group(0))


def mask_noise(text: str) -> str:
    """The text with markup and page furniture replaced by spaces and soft line breaks joined
    (same length, so offsets still point into the original)."""
    out = _TAG.sub(_blank, text)
    out = _ENTITY.sub(_blank, out)
    out = _SHORTCODE.sub(_blank, out)
    out = _FURNITURE.sub(_blank, out)
    out = _SOFT_BREAK.sub(" ", out)
    return out
