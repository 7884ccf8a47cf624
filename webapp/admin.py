"""The admin endpoint: add or remove documents in the running server (off unless KG_ADMIN_TOKEN is set).

One writer at a time (a lock); readers keep going: each document's graph is replaced in one
transaction, and the query workers switch to a new snapshot once the write is over.
"""

from __future__ import annotations

import hmac
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from werkzeug.datastructures import FileStorage, WWWAuthenticate
from werkzeug.exceptions import Conflict, Unauthorized

from kg.documents import SUPPORTED_SUFFIXES
from kg.errors import NotFoundError
from kg.ingest import ingest, remove_document
from webapp import WRITE_LOCK_KEY, get_store, store_changed

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

# How long a write waits for the one before it to finish before answering 409.
WRITE_WAIT = 120.0


def _token() -> str | None:
    return current_app.config["KG_SETTINGS"].admin_token


def _authorised(given: str | None) -> bool:
    """True when the given token is the admin token (compared in constant time)."""
    expected = _token()
    return bool(expected and given) and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8"))  # type: ignore[union-attr]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _unauthorised() -> Unauthorized:
    return Unauthorized("A valid admin token is needed: send it as 'Authorization: Bearer TOKEN'.",
                        www_authenticate=WWWAuthenticate("bearer", {"realm": "integration-kg admin"}))


@bp.before_request
def _guard() -> None:
    """404 when the admin endpoint is off; 401 without the token; a larger body limit after it."""
    if not _token():
        abort(404, "Not found.")
    if request.endpoint == "admin.page":
        if request.method == "POST":  # the page's form carries the token as a field
            request.max_content_length = current_app.config["KG_SETTINGS"].max_upload_mb * 1024 * 1024
        return
    if not _authorised(_bearer()):
        raise _unauthorised()
    request.max_content_length = current_app.config["KG_SETTINGS"].max_upload_mb * 1024 * 1024


def _upload_name(upload: FileStorage) -> str | None:
    """The file name of an upload without any folder part; None when unusable."""
    raw = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not raw or raw in (".", "..") or raw.startswith(".") or any(ord(c) < 32 for c in raw):
        return None
    return raw


def _write(action: Any) -> Any:
    """Run a write under the one-writer lock, then publish a snapshot to the query workers."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = app.extensions[WRITE_LOCK_KEY]
    if not lock.acquire(timeout=WRITE_WAIT):
        raise Conflict("Another ingest or removal is running; try again when it has finished.")
    try:
        result = action()
        generation = store_changed(app)
    finally:
        lock.release()
    return result, generation


def ingest_uploads(uploads: list[FileStorage]) -> dict[str, Any]:
    """Ingest uploaded files into the server's store; the IngestReport as data."""
    settings = current_app.config["KG_SETTINGS"]
    refused: list[dict[str, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="kg-upload-"))
    try:
        paths: list[Path] = []
        names: dict[str, str] = {}
        for upload in uploads:
            name = _upload_name(upload)
            if name is None:
                refused.append({"document": upload.filename or "", "reason": "not a usable file name"})
                continue
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                refused.append({"document": name, "reason": "unsupported type: use "
                                + ", ".join(sorted(SUPPORTED_SUFFIXES))})
                continue
            if name in names.values():
                refused.append({"document": name, "reason": "sent twice in one upload"})
                continue
            target = folder / str(len(paths)) / name
            target.parent.mkdir()
            upload.save(target)
            paths.append(target)
            names[str(target)] = name
        if not paths:
            abort(400, "No usable document in the upload: send files (field 'files') of types "
                       + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ".")
        factory = current_app.config.get("KG_INGEST_STEPS")
        store = get_store()
        steps = factory(settings, store) if factory else None
        report, generation = _write(lambda: ingest(paths, settings, store=store, steps=steps))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = report.as_dict()
    # Failures are named by the uploaded file name, never by the server's temporary path.
    data["failures"] = [{"document": names.get(f["document"], Path(f["document"]).name),
                         "reason": f["reason"]} for f in data["failures"]] + refused  # type: ignore[union-attr]
    data["ok"] = not data["failures"]
    data["generation"] = generation
    return data


def remove(doc_id: str) -> dict[str, Any]:
    """Remove one document from the server's store; what was done, as data."""
    store = get_store()
    try:
        stats, generation = _write(lambda: remove_document(store, doc_id))
    except NotFoundError as exc:
        abort(404, str(exc))
    return {"removed": doc_id, "reasoning": stats, "generation": generation}


@bp.route("/admin/ingest", methods=["POST"], endpoint="ingest")
def ingest_endpoint() -> Response:
    """Ingest the uploaded files (multipart field 'files'); the report as JSON."""
    return jsonify(ingest_uploads(request.files.getlist("files")))


@bp.route("/admin/remove/<path:doc_id>", methods=["POST"], endpoint="remove")
def remove_endpoint(doc_id: str) -> Response:
    """Remove one document (by file name); JSON."""
    return jsonify(remove(doc_id))


@bp.route("/admin", methods=["GET", "POST"])
def page() -> str | Response:
    """The upload page: a form with the token; after a POST, the report."""
    if request.method == "GET":
        return render_template("admin.html", report=None, removed=None)
    if not _authorised(request.form.get("token")):
        response = Response(render_template("admin.html", report=None, removed=None,
                                            error="Wrong or missing admin token."), status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="integration-kg admin"'
        return response
    doc_id = request.form.get("remove", "").strip()
    if doc_id:
        return render_template("admin.html", report=None, removed=remove(doc_id))
    return render_template("admin.html", report=ingest_uploads(request.files.getlist("files")),
                           removed=None)
