"""A client of a running server's admin endpoint: send documents to ingest, or remove one.

Used when `kg serve` holds the store (RocksDB allows one process): the server ingests the
documents itself, one writer, while it keeps answering queries.
"""

from __future__ import annotations

import json
import mimetypes
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.errors import KGError, NotFoundError

__all__ = ["RemoteError", "remove_remote", "send_documents"]

DEFAULT_TIMEOUT = 900.0


class RemoteError(KGError):
    """The server could not be reached or refused the request."""


def _multipart(paths: Sequence[Path]) -> tuple[bytes, str]:
    """A multipart/form-data body with each file as a `files` part; (body, content type)."""
    boundary = f"kg-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for path in paths:
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        name = path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: {media}\r\n\r\n".encode()
            + path.read_bytes() + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post(url: str, token: str, body: bytes, content_type: str, timeout: float) -> dict[str, Any]:
    """POST to the admin endpoint and decode the JSON answer; RemoteError with the server's reason."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        text = err.read().decode("utf-8", "replace")
        try:
            reason = json.loads(text)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            reason = text.strip()[:500]
        if err.code == 404 and "/admin/remove/" in url:
            raise NotFoundError(reason) from err
        hint = {
            401: " Check KG_ADMIN_TOKEN: it must be the server's token.",
            404: " Is the admin endpoint on? Start the server with KG_ADMIN_TOKEN set.",
            413: " The upload is larger than the server allows (KG_MAX_UPLOAD_MB).",
        }.get(err.code, "")
        raise RemoteError(f"The server answered {err.code}: {reason}{hint}") from err
    except (urllib.error.URLError, OSError) as err:
        raise RemoteError(f"Cannot reach the server at {url}: {err}. Is `kg serve` running?") from err


def _admin_url(server: str, path: str) -> str:
    """The admin URL under a server URL (http or https only)."""
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RemoteError(f"Not a server URL: {server!r}; give e.g. http://127.0.0.1:8000")
    return server.rstrip("/") + path


def send_documents(url: str, token: str, paths: Sequence[Path | str], *,
                   timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Upload files to a server's admin endpoint to be ingested there; the server's report."""
    if not token:
        raise RemoteError("No admin token: set KG_ADMIN_TOKEN to the server's token.")
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise RemoteError(f"Not a file: {', '.join(missing)}.")
    body, content_type = _multipart(files)
    return _post(_admin_url(url, "/admin/ingest"), token, body, content_type, timeout)


def remove_remote(url: str, token: str, doc_id: str, *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Ask a server to remove one document (by file name); what it did."""
    if not token:
        raise RemoteError("No admin token: set KG_ADMIN_TOKEN to the server's token.")
    target = _admin_url(url, "/admin/remove/" + urllib.parse.quote(doc_id, safe=""))
    return _post(target, token, b"", "application/octet-stream", timeout)
