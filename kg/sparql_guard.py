"""What a query may be, decided before any parser sees it: nesting, size, federated calls.

One pass of :func:`kg.sparql_scan.tokens` over the text, stopped at the first limit passed:

- **nesting depth** (``KG_QUERY_MAX_DEPTH``): brackets, braces and parentheses open at once
  (and ``<<`` triple terms, and runs of ``!``), the thing that overflows the parser's stack;
- **triple patterns** (``KG_QUERY_MAX_PATTERNS``), counted approximately: every ``.``, ``;``
  and ``,`` between terms inside a group, plus one per group ``{…}``; the steps of property
  paths and the operators of expressions (``/``, ``|``, ``&&``, ``||``, ``+``, ``-``, ``*``)
  count too, since long chains of them overflow the parser's stack as deep nesting does;
- **SERVICE** (``KG_SERVICE_ALLOW``): a federated query makes the server send requests; it is
  refused unless every endpoint it names is allowed (:mod:`kg.service_policy`). A variable
  endpoint is never allowed.

Strings, IRIs and comments are skipped by the scanner, so ``"service"`` in a literal is no
SERVICE, while ``SeRvIcE`` is. Every refusal is a :class:`QueryRefusedError` (a
:class:`~kg.errors.QueryError`: 400 in the web app, exit code 2 in the CLI) naming the limit
and its setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin

from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.service_policy import endpoint_allowed
from kg.settings import Settings
from kg.sparql_scan import Token, decode_escapes, tokens

__all__ = ["QueryRefusedError", "check_query"]

_SEPARATORS = frozenset(".;,")
_STEPS = frozenset({"/", "|", "&&", "||", "+", "-", "*"})


class QueryRefusedError(QueryError):
    """A query refused before parsing: over a limit, or calling an endpoint not allowed."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.setting))


def check_query(sparql: str, settings: Settings,
                prefixes: Mapping[str, str] | None = None) -> None:
    """Refuse a query over the nesting or pattern limits, or with a SERVICE not allowed.

    Raises :class:`QueryRefusedError`; returns None when the query may go to the parser.
    `prefixes` are the ones the store predeclares (default: the product's).
    """
    if not _clearly_within(sparql, settings.query_max_depth, settings.query_max_patterns):
        _check_by_scan(sparql, settings, prefixes)


def _check_by_scan(sparql: str, settings: Settings, prefixes: Mapping[str, str] | None) -> None:
    """The scan behind :func:`check_query`, stopped at the first limit passed."""
    max_depth, max_patterns = settings.query_max_depth, settings.query_max_patterns
    declared = dict(PREFIXES if prefixes is None else prefixes)
    base: str | None = None
    patterns = 0
    bangs = 0  # a run of `!`, a nesting the brackets do not show
    pending: list[str] | None = None  # what follows a SERVICE keyword, until its group opens
    services: list[list[str]] = []
    expect: str | None = None  # "prefix" after PREFIX, "base" after BASE
    prefix_name: str | None = None
    for token in tokens(sparql):
        if token.kind == "comment":
            continue
        text = token.text
        if token.ambiguous:
            raise QueryRefusedError(
                f"The query has a '<' that may be an IRI or 'less than' ({text[:40]!r}): "
                "write a space after '<' when it means less than.", "")
        bangs = bangs + 1 if text == "!" else 0
        depth = token.depth + bangs + (1 if text in "({[" and token.kind == "punct" else 0)
        if max_depth > 0 and depth > max_depth:
            raise QueryRefusedError(
                f"The query is nested deeper than this endpoint's limit of {max_depth} "
                f"(KG_QUERY_MAX_DEPTH): brackets, braces and parentheses open at once.",
                "KG_QUERY_MAX_DEPTH")
        if token.kind == "punct" and (text == "{" or text in _STEPS or (
                text in _SEPARATORS and token.braces > 0 and token.parens == 0)):
            patterns += 1
        if max_patterns > 0 and patterns > max_patterns:
            raise QueryRefusedError(
                f"The query has more than {max_patterns} triple patterns, this endpoint's "
                f"limit (KG_QUERY_MAX_PATTERNS; counted approximately, by the '.', ';' and ',' "
                f"between terms, the groups, and the steps of paths and expressions).",
                "KG_QUERY_MAX_PATTERNS")
        # Declarations, for resolving SERVICE endpoints written as prefixed or relative IRIs.
        word = decode_escapes(text).upper() if token.kind == "name" else ""
        if expect == "prefix" and token.kind == "name" and prefix_name is None:
            prefix_name = text[:-1] if text.endswith(":") else text
            continue
        if expect == "prefix" and token.kind == "iri" and prefix_name is not None:
            declared[prefix_name] = _iri_value(token.text, base)
            expect, prefix_name = None, None
            continue
        if expect == "base" and token.kind == "iri":
            base = _iri_value(token.text, base)
            expect = None
            continue
        expect, prefix_name = None, None
        if word == "PREFIX":
            expect = "prefix"
        elif word == "BASE":
            expect = "base"
        if pending is not None:
            if text == "{" and token.kind == "punct":
                if _readings(pending):
                    services.append(pending)
                pending = None
            elif token.kind in ("name", "var", "iri") and len(pending) < 2:  # SILENT, endpoint
                pending.append(text)
            else:
                pending = None
        rest = _after_service_keyword(token)
        if rest is not None:
            pending = [rest] if rest else []
    for call in services:
        _check_service(call, declared, base, settings)


_OPENERS = "({[<!"  # every step of the scanner's depth is one of these characters
_COUNTED = "{.;,/|&+-*"  # every pattern the guard counts is at least one of these


def _clearly_within(sparql: str, max_depth: int, max_patterns: int) -> bool:
    """True when plain character counts show the query within every limit, with no SERVICE:
    upper bounds of what the scan would find, for the price of a few ``str.count``."""
    if "\\" in sparql or "SERVICE" in sparql.upper():
        return False
    if max_depth > 0 and sum(sparql.count(c) for c in _OPENERS) > max_depth:
        return False
    return max_patterns <= 0 or sum(sparql.count(c) for c in _COUNTED) <= max_patterns


_SERVICE = re.compile("service", re.IGNORECASE)


def _after_service_keyword(token: Token) -> str | None:
    """The rest of a name token that holds the SERVICE keyword as the engine may read it.

    The engine needs no word boundary after a keyword (``SERVICESILENT<…>`` is SERVICE SILENT)
    nor before it when a keyword or number ends there (``true.SERVICE<…>``), so the keyword
    may sit inside a token; only after a colon is it part of a prefixed name.
    """
    if token.kind != "name":
        return None
    text = decode_escapes(token.text)
    m = _SERVICE.search(text)
    if m is None or ":" in text[:m.start()]:
        return None
    return text[m.end():]


def _readings(parts: list[str]) -> list[str]:
    """The endpoint tokens a SERVICE call's parts may stand for: after an optional SILENT,
    one variable, IRI or prefixed name; none when the parts make no SERVICE call."""
    found = []
    options = [parts]
    if parts and parts[0].upper().startswith("SILENT"):
        options.append([p for p in [parts[0][len("SILENT"):], *parts[1:]] if p])
    for option in options:
        if len(option) == 1 and (option[0][0] in "?$<" or ":" in option[0]):
            found.append(option[0])
    return found


def _iri_value(text: str, base: str | None) -> str:
    """The IRI of an IRI token (escapes decoded, resolved against the base when relative)."""
    value = decode_escapes(text[1:-1])
    return urljoin(base, value) if base and ":" not in value.split("/", 1)[0] else value


def _check_service(call: list[str], prefixes: Mapping[str, str], base: str | None,
                   settings: Settings) -> None:
    """Refuse a SERVICE call (what follows the keyword, up to its group) not allowed: every
    endpoint it may stand for must be allowed."""
    allow = settings.service_allow
    where = ("SERVICE " + " ".join(call))[:120]
    if not allow:
        raise QueryRefusedError(
            f"Federated queries (SERVICE) are off on this endpoint: {where!r} would make the "
            "server send a request elsewhere. An administrator can allow endpoints with "
            "KG_SERVICE_ALLOW.", "KG_SERVICE_ALLOW")
    for reading in _readings(call):
        endpoint = _endpoint(reading, prefixes, base)
        if endpoint is not None and endpoint_allowed(endpoint, allow):
            continue
        shown = endpoint or where
        raise QueryRefusedError(
            f"SERVICE {shown!r} is not allowed on this endpoint: only the endpoints listed in "
            "KG_SERVICE_ALLOW may be called (never a variable; never a loopback, link-local "
            "or private address unless it is listed by name).", "KG_SERVICE_ALLOW")


def _endpoint(text: str, prefixes: Mapping[str, str], base: str | None) -> str | None:
    """The endpoint IRI a SERVICE call's endpoint token names; None for a variable."""
    if text.startswith("<") and text.endswith(">"):
        return _iri_value(text, base)
    if ":" in text and not text.startswith(("?", "$")):
        prefix, local = text.split(":", 1)
        if prefix in prefixes and "\\" not in local:
            return prefixes[prefix] + local
    return None
