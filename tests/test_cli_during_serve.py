"""The CLI's read commands work while `kg serve` runs (a real server process on loopback): they
read the newest checkpoint the server published, read-only, and say so on stderr; writes still
stop with exit code 3."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from webapp_support import BASE, DOC2, build_store, iri

from kg.checkpoints import serving_dir

REPO = Path(__file__).resolve().parents[1]
TOKEN = "a-test-token-that-is-long-enough-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kg(store: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `kg` in a new process on the store."""
    return subprocess.run([sys.executable, "-m", "kg.cli", "--store", str(store), "--base-iri", BASE, *args],
                          capture_output=True, text=True, cwd=REPO, timeout=timeout, check=False,
                          env={**os.environ, "KG_CACHE_DIR": str(store.parent / "cache")})


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    """A store served by a real `kg serve` process on a free loopback port: (store, base URL,
    the server process)."""
    _, store = build_store(tmp_path / "store")
    store.close()
    path = tmp_path / "store"
    port = _free_port()
    env = {**os.environ, "KG_QUERY_WORKERS": "1", "KG_ADMIN_TOKEN": TOKEN, "KG_CACHE_DIR": str(tmp_path / "cache")}
    server = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "--store", str(path), "--base-iri", BASE, "serve", "--host", "127.0.0.1",
         "--port", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"kg serve did not start: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.3)
        yield path, url, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


def _said_so(result: subprocess.CompletedProcess[str]) -> None:
    assert "kg serve" in result.stderr and "checkpoint" in result.stderr, result.stderr


def test_read_commands_read_the_newest_checkpoint_while_serve_runs(
    served: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    store, url, server = served
    stats = kg(store, "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    _said_so(stats)
    assert len(json.loads(stats.stdout)["documents"]) == 2

    count = kg(store, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    assert count.returncode == 0, count.stderr
    _said_so(count)
    assert json.loads(count.stdout)[0]["n"] > 10

    export = kg(store, "export", "--format", "nquads")
    assert export.returncode == 0 and len(export.stdout.splitlines()) > 10, export.stderr
    _said_so(export)

    project, partner = iri("project/brightbridge"), iri("organisation/city-of-valmora")
    for args, codes in (
        (["explain", project, "ikg:hasPartner", partner], {0}),
        (["path", project, partner], {0}),
        (["peers", iri("place/geonames-900001")], {0}),
        (["validate"], {0, 1}),  # conforming or not, it ran on the checkpoint
    ):
        result = kg(store, *args)
        assert result.returncode in codes, (args, result.stdout, result.stderr)
        _said_so(result)

    # A write through the server publishes a new checkpoint; the next command reads it.
    request = urllib.request.Request(f"{url}/admin/remove/{DOC2}", method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200
    after = kg(store, "stats", "--format", "json")
    assert after.returncode == 0, after.stderr
    assert len(json.loads(after.stdout)["documents"]) == 1

    # Writes still need the store itself.
    refused = kg(store, "reset", "--yes")
    assert refused.returncode == 3 and "another process" in refused.stderr, refused.stderr
    folder = serving_dir(store)
    assert len([p for p in folder.iterdir() if p.is_dir()]) == 1  # the older checkpoints went

    # Once the server stops, its checkpoints go and the store itself is read again.
    server.send_signal(signal.SIGINT)
    server.wait(30)
    assert not folder.exists()
    stats = kg(store, "stats", "--format", "json")
    assert stats.returncode == 0 and "checkpoint" not in stats.stderr, stats.stderr
    assert len(json.loads(stats.stdout)["documents"]) == 1


def test_without_a_server_a_locked_store_still_exits_3(tmp_path: Path) -> None:
    settings, store = build_store(tmp_path / "store")
    try:
        result = kg(tmp_path / "store", "stats")
        assert result.returncode == 3 and "checkpoint" not in result.stderr
    finally:
        store.close()
