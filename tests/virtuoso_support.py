"""Start and stop a throw-away Virtuoso (Debian's virtuoso-opensource) for the external-store tests.

The server gets a temporary database folder, loopback-only HTTP and ISQL ports chosen free, and
is killed at the end. SPARQL updates go through the authenticated endpoint /sparql-auth
(digest auth, the fresh database's dba/dba), so nothing is granted to the anonymous user.
Run as a script to start one by hand: ``python tests/virtuoso_support.py``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = "virtuoso-t"
USER = "dba"
PASSWORD = "dba"  # the fresh database's own default; the server listens on loopback only

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {d}
MaxQueryMem = 500M
VADInstallDir = {d}/vad

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
ServerThreads = 10
MaxClientConnections = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxSortedTopRows = 100000
MaxQueryExecutionTime = 60
DefaultGraph =
"""


def installed() -> bool:
    """True when the Virtuoso server binary is on PATH."""
    return shutil.which(VIRTUOSO) is not None


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Virtuoso:
    """A running Virtuoso: its endpoints, folder and process."""

    folder: Path
    http_port: int
    isql_port: int
    process: subprocess.Popen[bytes]
    start_seconds: float = 0.0

    @property
    def query_endpoint(self) -> str:
        """The anonymous, read-only SPARQL endpoint."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_endpoint(self) -> str:
        """The authenticated endpoint that accepts updates (digest auth)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    def env(self) -> dict[str, str]:
        """The KG_* variables that point the product at this server."""
        return {
            "KG_SPARQL_ENDPOINT": self.query_endpoint,
            "KG_SPARQL_UPDATE_ENDPOINT": self.update_endpoint,
            "KG_SPARQL_USER": USER,
            "KG_SPARQL_PASSWORD": PASSWORD,
        }

    def log(self) -> str:
        """The tail of the server's error log (for failure messages)."""
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-3000:] if path.is_file() else ""

    def stop(self) -> None:
        """Kill the server (its own process only) and delete its folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def _ready(url: str) -> bool:
    """True when the SPARQL endpoint answers a trivial query."""
    query = urllib.parse.urlencode({"query": "ASK {}"})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start(folder: Path | None = None, *, timeout: float = 60.0) -> Virtuoso:
    """Start Virtuoso on a fresh database; wait (bounded) until its SPARQL endpoint answers."""
    if not installed():
        raise RuntimeError(f"{VIRTUOSO} is not installed (apt-get install virtuoso-opensource-7-bin)")
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="kg-virtuoso-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "www").mkdir(exist_ok=True)
    (folder / "vad").mkdir(exist_ok=True)
    http_port, isql_port = free_port(), free_port()
    while isql_port == http_port:
        isql_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(d=folder, http=http_port, isql=isql_port))
    began = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own ini file
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = Virtuoso(folder, http_port, isql_port, process)
    atexit.register(server.stop)  # also when the test run ends without its fixture's teardown
    deadline = began + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.log()
            server.stop()
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{log}")
        if _ready(server.query_endpoint):
            server.start_seconds = round(time.monotonic() - began, 2)
            return server
        time.sleep(0.2)
    log = server.log()
    server.stop()
    raise RuntimeError(f"virtuoso-t did not answer within {timeout:.0f} s:\n{log}")


if __name__ == "__main__":
    running = start()
    print(f"Virtuoso up in {running.start_seconds} s; folder {running.folder}")
    for key, value in running.env().items():
        print(f"export {key}={value}")
    try:
        running.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
        os._exit(0)
