"""Checkpoints of a store for readers in other processes: the query workers of `kg serve` and the
CLI's read commands while it runs.

A checkpoint is a RocksDB checkpoint of the store (``KGStore.checkpoint``: hard links to the
store's immutable files, so its cost does not grow with the store), written after a write has
committed, so it holds the state before or after any write, never part of one. Readers open it
with ``KGStore(..., read_only=True)``; any number of processes may.

Layout, beside the store's folder ``STORE``::

    STORE.serving/
        current                 the name of the newest checkpoint (replaced atomically)
        checkpoint-000007/      a checkpoint (never written once published)
        checkpoint-000007.lock  readers hold a shared flock on it while they use the checkpoint

The publisher deletes a checkpoint other than the newest once it can take the exclusive lock,
that is once no reader (worker or CLI) holds it; a reader that finds its checkpoint gone before
it got the lock reads ``current`` again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from kg.errors import StoreError
from kg.settings import Settings
from kg.store import KGStore

__all__ = ["Checkpoints", "ReaderLock", "describe", "open_latest", "serving_dir"]

log = logging.getLogger(__name__)

PREFIX = "checkpoint-"
POINTER = "current"


def serving_dir(store_path: Path | str) -> Path:
    """The folder that holds the checkpoints of the store at `store_path`."""
    path = Path(store_path)
    return path.parent / f"{path.name}.serving"


def _lock_file(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".lock")


class ReaderLock:
    """A shared lock on one checkpoint: while it is held, the publisher does not delete it."""

    def __init__(self, checkpoint: Path) -> None:
        self.checkpoint = checkpoint
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock; False when the checkpoint is gone (deleted before the lock was taken)."""
        try:
            handle = _lock_file(self.checkpoint).open("rb")
        except FileNotFoundError:
            return False
        fcntl.flock(handle, fcntl.LOCK_SH)
        if not self.checkpoint.is_dir():
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        """Let the checkpoint go."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Checkpoints:
    """The publisher's side: write checkpoints of a store, name the newest, delete unused ones."""

    def __init__(self, store: KGStore) -> None:
        self._temporary = store.path is None
        self.dir = (Path(tempfile.mkdtemp(prefix="kg-checkpoints-")) if store.path is None
                    else serving_dir(store.path))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.generation = 0
        self.current: Path | None = None
        self.seconds: float | None = None
        self._writing: Path | None = None
        self._lock = threading.RLock()  # one publish or cleanup at a time
        self.cleanup(keep_current=False)  # left over by a server that stopped without cleaning

    def publish(self, store: KGStore) -> tuple[int, Path]:
        """Write a new checkpoint of the store and make it the newest; (generation, path)."""
        with self._lock:
            return self._publish(store)

    def _publish(self, store: KGStore) -> tuple[int, Path]:
        start = time.perf_counter()
        generation = max(self.generation, self._highest()) + 1
        path = self.dir / f"{PREFIX}{generation:06d}"
        self._writing = path
        _lock_file(path).touch()
        try:
            store.checkpoint(path)
        finally:
            self._writing = None
        pointer = self.dir / f".{POINTER}.{os.getpid()}"
        pointer.write_text(f"{path.name}\n{os.getpid()}\n", encoding="utf-8")
        pointer.replace(self.dir / POINTER)
        self.generation, self.current = generation, path
        self.seconds = round(time.perf_counter() - start, 3)
        log.info("checkpoint %d written in %.3f s", generation, self.seconds)
        return generation, path

    def _highest(self) -> int:
        numbers = [int(p.name[len(PREFIX):]) for p in self.dir.glob(f"{PREFIX}*")
                   if p.is_dir() and p.name[len(PREFIX):].isdigit()]
        return max(numbers, default=0)

    def cleanup(self, *, keep_current: bool = True) -> list[Path]:
        """Delete the checkpoints no reader holds (the newest stays unless told); the deleted."""
        with self._lock:
            return self._cleanup(keep_current)

    def _cleanup(self, keep_current: bool) -> list[Path]:
        deleted = []
        for path in sorted(self.dir.glob(f"{PREFIX}*")):
            if path.suffix == ".lock":
                if not path.with_suffix("").exists() and path.with_suffix("") != self._writing:
                    path.unlink(missing_ok=True)  # left behind by a publisher that stopped
                continue
            if keep_current and path == self.current:
                continue
            lock = _lock_file(path)
            try:
                handle = lock.open("ab")
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader still uses it
                shutil.rmtree(path, ignore_errors=True)
                lock.unlink(missing_ok=True)
                deleted.append(path)
            finally:
                handle.close()
        if not keep_current:
            pointer = self.dir / POINTER
            if pointer.exists() and not (self.dir / _read_pointer(pointer)[0]).is_dir():
                pointer.unlink(missing_ok=True)
        return deleted

    def close(self) -> None:
        """Delete every checkpoint no reader holds, and the folder when nothing is left."""
        if not self.dir.is_dir():
            return
        self.current = None
        self.cleanup(keep_current=False)
        (self.dir / POINTER).unlink(missing_ok=True)
        try:
            if self._temporary or not any(self.dir.iterdir()):
                shutil.rmtree(self.dir, ignore_errors=True)
        except OSError:
            pass


def _read_pointer(pointer: Path) -> tuple[str, int | None]:
    """The checkpoint's name and the publisher's process id written in a `current` file."""
    lines = pointer.read_text(encoding="utf-8").split()
    pid = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None
    return (lines[0] if lines else ""), pid


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(store: KGStore) -> str:
    """Which checkpoint a store opened by `open_latest` is, and how old, for a message."""
    path = Path(str(store.path))
    age = max(0.0, time.time() - path.stat().st_mtime)
    return f"its newest checkpoint ({path.name}, published {age:.0f} s ago)"


def open_latest(settings: Settings, *, attempts: int = 5) -> KGStore | None:
    """The newest checkpoint a running `kg serve` published for the settings' store, opened
    read-only and locked until the store is closed; None when there is none (or the process
    that published it is gone)."""
    folder = serving_dir(settings.store_path)
    for _ in range(attempts):
        try:
            name, pid = _read_pointer(folder / POINTER)
        except FileNotFoundError:
            return None
        if not name.startswith(PREFIX) or not _alive(pid):
            return None
        lock = ReaderLock(folder / name)
        if not lock.acquire():
            time.sleep(0.05)  # replaced meanwhile: read the pointer again
            continue
        try:
            store = KGStore(settings.with_(store_path=folder / name), read_only=True)
        except (StoreError, OSError):
            lock.release()
            raise
        store.reader_lock = lock  # type: ignore[attr-defined]
        return store
    return None
