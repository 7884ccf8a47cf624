"""A query worker without a network: nothing it runs can send a request anywhere.

The SPARQL engine performs ``SERVICE`` calls itself. :mod:`kg.sparql_guard` refuses them before
parsing; as a second wall, a worker process that has no endpoint to call (``KG_SERVICE_ALLOW``
empty) moves itself into a network namespace of its own, where no interface is up: a connection
to any address, loopback included, fails with "network unreachable". Linux only, and only where
unprivileged user namespaces are allowed; elsewhere the worker logs that it could not and goes
on (the guard still holds). The pipe to the server is opened before and keeps working.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

__all__ = ["isolate_network"]

log = logging.getLogger(__name__)

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Leave the host's network for an empty namespace of this process; True when done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except (OSError, AttributeError) as exc:
        log.warning("query worker keeps the host's network (no network namespace: %s)", exc)
        return False
    return True
