"""Which SERVICE endpoints a federated query may call (``KG_SERVICE_ALLOW``).

An entry is an exact IRI or a prefix. Prefixes are compared by parts, not as strings: the
scheme, host and port must be equal and the path must start with the entry's path, so that
``https://query.example.org`` does not let ``https://query.example.org.evil.test/`` through.
An entry without a host (``https://``) allows any host of that scheme, except loopback,
link-local, private and other special addresses (checked on the host as written, in every
spelling a URL parser accepts, and on the addresses its name resolves to): those are called
only when an entry names that very host. ``*`` allows everything (a local user's choice, never
a public server's).
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

__all__ = ["endpoint_allowed", "is_special_host", "parse_allow_list"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_allow_list(value: str | None) -> tuple[str, ...]:
    """The entries of a ``KG_SERVICE_ALLOW`` value (separated by commas or white space)."""
    if not value:
        return ()
    return tuple(part for part in value.replace(",", " ").split() if part)


def _host(netloc_host: str | None) -> str:
    """A host as a URL parser would use it: percent-decoded, NFKC-folded, lower case."""
    host = unicodedata.normalize("NFKC", unquote(netloc_host or "")).lower().strip("[]")
    return host.rstrip(".")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host stands for when it is an IP literal in any accepted spelling."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:  # legacy IPv4 forms URL parsers still accept: 127.1, 0x7f.0.0.1, 2130706433, 017700000001
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError, UnicodeError):
        return None


def _special(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for loopback, link-local, private, unspecified, reserved and multicast addresses."""
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None and _special(mapped):
        return True
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified
            or ip.is_reserved or ip.is_multicast or not ip.is_global)


def is_special_host(host: str, *, resolve: bool = True) -> bool:
    """True when a host is, or (with `resolve`) resolves to, a non-public address.

    A name that does not resolve, or is not a plain DNS name, counts as special.
    """
    host = _host(host)
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    ip = _ip(host)
    if ip is not None:
        return _special(ip)
    if not all(c.isascii() and (c.isalnum() or c in "-.") for c in host):
        return True
    if not resolve:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return True
    return any(_special(ipaddress.ip_address(info[4][0].split("%", 1)[0])) for info in infos)


def _parts(iri: str) -> tuple[str, str, int | None, str] | None:
    """(scheme, host, port, path) of an http(s) IRI; None when it is not one."""
    try:
        split = urlsplit(iri)
        port = split.port
    except ValueError:
        return None
    scheme = split.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    return scheme, _host(split.hostname), port or _DEFAULT_PORTS[scheme], split.path or "/"


def endpoint_allowed(endpoint: str, allow: Iterable[str]) -> bool:
    """True when an allow list lets a SERVICE call go to `endpoint`."""
    entries = list(allow)
    if "*" in entries:
        return True
    target = _parts(endpoint)
    if target is None or "@" in urlsplit(endpoint).netloc:
        return False  # only http(s); no user:password@ tricks
    scheme, host, port, path = target
    for entry in entries:
        if entry == endpoint:
            return True
        if entry.lower() in (scheme + "://", scheme + ":"):
            if not is_special_host(host):
                return True
            continue
        wanted = _parts(entry)
        if wanted is None or "@" in urlsplit(entry).netloc or not wanted[1]:
            continue
        if wanted[:3] == (scheme, host, port) and path.startswith(wanted[3]):
            return True
    return False
