"""Per-client rate limit of the heavy endpoints (SPARQL, saved queries, network, admin)."""

from __future__ import annotations

import math
import threading
import time

from flask import Flask, request
from werkzeug.exceptions import TooManyRequests

from kg.settings import Settings

# Endpoints that run a query worker (or a write): each request takes a token.
HEAVY_ENDPOINTS = frozenset({
    "sparql.endpoint", "query.saved_run", "explore.network_graph", "explore.network_page",
    "admin.page", "admin.ingest", "admin.remove",
})
MAX_CLIENTS = 10_000


class TokenBucket:
    """Per-client token buckets: `rate` tokens a minute, at most `burst` saved up."""

    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """Take a token for the client: 0 when granted, else the seconds until one is there."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                granted = 0.0
            else:
                self._buckets[client] = (tokens, now)
                granted = (1.0 - tokens) / self.rate
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_full(now)
            return granted

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold nothing worth keeping)."""
        for client, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[client]


def _is_heavy() -> bool:
    """True for a request that would run a query or a write."""
    if request.endpoint not in HEAVY_ENDPOINTS:
        return False
    if request.endpoint == "sparql.endpoint":
        return request.method == "POST" or "query" in request.args
    if request.endpoint in ("explore.network_page", "admin.page"):
        return request.method == "POST" or bool(request.args.get("from_node"))
    return True


def init_app(app: Flask, settings: Settings) -> None:
    """Install the rate limit (off when KG_RATE_LIMIT is 0)."""
    if settings.rate_limit <= 0:
        return
    buckets = TokenBucket(settings.rate_limit, settings.rate_burst)
    app.extensions["kg_rate_limit"] = buckets

    @app.before_request
    def _rate_limit() -> None:
        if not _is_heavy():
            return
        wait = buckets.take(request.remote_addr or "?")
        if wait > 0:
            raise TooManyRequests(
                f"Too many queries from this client: at most {settings.rate_limit} a minute "
                f"(bursts of {settings.rate_burst}); try again in {math.ceil(wait)} s.",
                retry_after=math.ceil(wait),
            )
