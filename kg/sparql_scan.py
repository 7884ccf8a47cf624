"""A lexical view of SPARQL text, without parsing it: tokens with their nesting depth.

The guard (:mod:`kg.sparql_guard`) reads a query through this scanner before any parser sees
it, so that a query that would crash or strain the parser is refused for the price of one
regular-expression pass. Strings, IRIs and comments are single tokens: what they hold is never
taken for brackets, separators or keywords.

The scanner errs on the side of code. Where the text is not SPARQL (an unterminated string, a
stray quote) the rest is still scanned as code, and such a query fails in the parser anyway.
The one real ambiguity of SPARQL's lexis is ``<``: an IRI's start or "less than". Inside
parentheses, right after an operand, both readings exist. Read as "less than", such a token
could hide code from the scanner only if it closed the expression (a ``)``) and commented out
its own ``>`` (a ``#``): such a token is marked ``ambiguous`` so that the guard can refuse the
query rather than guess. (VALUES rows and collections, where IRIs follow terms inside
parentheses, hold no ``)`` in their IRIs in practice.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Token", "decode_escapes", "tokens"]

# One alternative per token kind; each starts with a distinct character class, so the order
# only matters for long strings (before short ones).
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>\"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*\"\"\"
                |'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''
                |"[^"\\\n\r]*(?:\\[\s\S][^"\\\n\r]*)*"
                |'[^'\\\n\r]*(?:\\[\s\S][^'\\\n\r]*)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*(?:(?:\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})[^<>"{}|^`\\\x00-\x20]*)*>)
    | (?P<var>[?$](?:[\w\u00B7]|\\[\s\S])*)
    | (?P<number>\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+)
    | (?P<name>(?:[^\W\d]|[:\\])(?:[\w:%\-\u00B7]|\\[\s\S])*(?:\.+(?:[\w:%\-\u00B7]|\\[\s\S])+)*)
    | (?P<punct>&&|\|\||[\s\S])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
OPEN = frozenset("({[")
CLOSE = frozenset(")}]")
# Tokens after which a `<` may be the operator "less than".
_OPERAND_KINDS = frozenset({"var", "string", "iri", "number", "name"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text, where it starts, and the nesting depth around it.

    `depth` counts the brackets open before the token (``(``, ``{``, ``[``, ``<<``);
    `parens` the parentheses among them that are still open, `braces` the braces.
    """

    kind: str  # comment, string, iri, var, number, name, punct
    text: str
    start: int
    depth: int
    parens: int
    braces: int
    ambiguous: bool = False


def decode_escapes(text: str) -> str:
    r"""Text with SPARQL's ``\uXXXX`` and ``\UXXXXXXXX`` escapes decoded (invalid ones kept)."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(one, text) if "\\" in text else text


def tokens(sparql: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, whitespace left out, comments included, in order.

    A generator: a caller that stops early (a limit reached) pays for what it read only.
    """
    depth = parens = braces = 0
    previous: Token | None = None
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup or "punct"
        if kind == "ws":
            continue
        text = m.group()
        ambiguous = False
        if (kind == "iri" and parens > 0 and previous is not None
                and (previous.kind in _OPERAND_KINDS or previous.text in (")", "]"))
                and "#" in text and ")" in text):
            ambiguous = True
        token = Token(kind, text, m.start(), depth, parens, braces, ambiguous)
        if kind == "punct":
            # `<<` and `>>` (SPARQL 1.2 triple terms) are two `<` or `>` side by side.
            twin = (text in "<>" and previous is not None and previous.text == text
                    and previous.start + 1 == m.start())
            if twin and text == "<":
                depth += 1
            elif twin:
                depth = max(0, depth - 1)
            elif text in OPEN:
                depth += 1
                parens += text == "("
                braces += text == "{"
            elif text in CLOSE:
                depth = max(0, depth - 1)
                if text == ")":
                    parens = max(0, parens - 1)
                elif text == "}":
                    braces = max(0, braces - 1)
        yield token
        if kind != "comment":
            previous = token
