"""Queries with a deadline: a pool of worker processes, each reading a checkpoint of the store on disk.

pyoxigraph cannot cancel a query that is running, so the server never runs a user's query in its
own process. It publishes a snapshot of the store as a RocksDB checkpoint (``kg.checkpoints``:
hard links, written in well under a second whatever the store's size) and each worker opens it
read-only, so serving holds no copy of the store beyond the OS page cache; a query is sent to an
idle worker with a deadline, and a worker that misses it is killed and replaced. After a write
(an admin ingest) the server publishes a new checkpoint and switches the workers over one at a
time before the write returns, so a query sees the store as it was before or after the write,
never in between. A checkpoint is deleted once no worker (and no `kg` read command) holds it.

`call(func, *args)` runs ``func(store, *args)`` in a worker: any module-level function of the
core that takes the store first (``sparql_result``, ``kg.queries.run_saved``,
``kg.explore.network_view``, ...). Results and the core's errors come back pickled.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import multiprocessing
import pickle
import queue
import threading
import time
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from kg.checkpoints import Checkpoints, ReaderLock
from kg.errors import KGError
from kg.settings import Settings
from kg.store import KGStore

__all__ = [
    "QueryRunner",
    "QueryTimeoutError",
    "ResultTooLargeError",
    "RunnerBusyError",
    "WorkerCrashError",
    "count_results",
    "memoized",
    "sparql_result",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Opening a snapshot (and warming a new worker's whole-graph views) is not a query: it gets its
# own, generous deadline.
LOAD_TIMEOUT = 300.0
# While workers are (re)starting, a request waits at least this long for one.
STARTUP_WAIT = 30.0
KEEP_SNAPSHOTS = 3


class QueryTimeoutError(KGError):
    """A query ran longer than the time limit and was cancelled."""


class RunnerBusyError(KGError):
    """Every query worker stayed busy for longer than the wait allowed."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.retry_after))


class ResultTooLargeError(KGError):
    """A query's result has more rows or triples than the limit allows."""


class WorkerCrashError(KGError):
    """A query worker died while answering (it has been replaced), or failed unexpectedly.

    `died` tells the two apart: True when the worker process itself went down.
    """

    def __init__(self, message: str, died: bool = False) -> None:
        super().__init__(message)
        self.died = died

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.died))


# --------------------------------------------------------------------------- work done in a worker

# Stores that hold a snapshot (never written): results computed from them can be kept.
_SNAPSHOTS: weakref.WeakSet[KGStore] = weakref.WeakSet()
_MEMO: weakref.WeakKeyDictionary[KGStore, dict[Any, Any]] = weakref.WeakKeyDictionary()
MEMO_SIZE = 64


def memoized(store: KGStore, func: Callable[..., T], *args: Any) -> T:
    """``func(store, *args)``, kept per snapshot in a worker (whole-graph views cost seconds);
    computed afresh on any other store, which may change under it."""
    if store not in _SNAPSHOTS:
        return func(store, *args)
    cache = _MEMO.setdefault(store, {})
    key = (func.__module__, func.__qualname__, args)
    if key in cache:
        return cache[key]
    value = func(store, *args)
    if len(cache) >= MEMO_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def count_results(body: bytes, fmt: str) -> int:
    """Rows of a serialised SELECT result (json, xml, csv, tsv) or triples of N-Triples."""
    if fmt == "json":
        return len(json.loads(body).get("results", {}).get("bindings", []))
    if fmt == "xml":
        return body.count(b"<result>")
    if fmt == "tsv":
        return max(body.count(b"\n") - 1, 0)
    if fmt == "csv":
        return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1, 0)
    if fmt == "ntriples":
        return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))
    raise ValueError(f"cannot count results in format {fmt!r}")


def sparql_result(
    store: KGStore,
    sparql: str,
    fmt: str,
    *,
    graphs: str = "all",
    default_graph_uris: list[str] | None = None,
    named_graph_uris: list[str] | None = None,
    max_results: int = 0,
) -> tuple[bytes, str, str]:
    """Run and serialise a query like ``KGStore.serialize_query``; refuse more than max_results."""
    kwargs: dict[str, Any] = {"graphs": graphs, "default_graph_uris": default_graph_uris,
                              "named_graph_uris": named_graph_uris}
    body, media, kind = store.serialize_query(sparql, fmt, **kwargs)
    if max_results <= 0 or kind == "boolean":
        return body, media, kind
    if kind == "graph":
        counted = body if fmt in ("ntriples", "nt") else store.serialize_query(sparql, "ntriples", **kwargs)[0]
        n = count_results(counted, "ntriples")
        what = "triples"
    else:
        n = count_results(body, fmt if fmt in ("json", "xml", "csv", "tsv") else "json")
        what = "rows"
    if n > max_results:
        raise ResultTooLargeError(
            f"The result has {n} {what}, more than this endpoint's limit of {max_results} "
            f"(KG_MAX_RESULTS): add LIMIT and OFFSET to page through it."
        )
    return body, media, kind


_GRAPHS: weakref.WeakKeyDictionary[KGStore, dict[Any, list[Any]]] = weakref.WeakKeyDictionary()
_GRAPHS_LOCK = threading.Lock()


def _keep_whole_graph_views() -> None:
    """In a worker: keep ``kg.analytics.resource_graph`` per snapshot, as a read-only view.

    It reads every link of the store (10-25 s at 100k triples), and the network view and
    shortest paths start from it; a snapshot never changes, so once per worker is enough.
    A call that needs it while it is being computed waits for that computation.
    """
    from kg import analytics

    original = analytics.resource_graph
    if getattr(original, "kept_per_snapshot", False):
        return

    def resource_graph(store: KGStore, graphs: str = "all", *, themes: bool = False) -> Any:
        if store not in _SNAPSHOTS:
            return original(store, graphs, themes=themes)
        with _GRAPHS_LOCK:
            entry = _GRAPHS.setdefault(store, {}).setdefault((graphs, themes), [threading.Lock(), None])
        with entry[0]:
            if entry[1] is None:
                entry[1] = original(store, graphs, themes=themes).copy(as_view=True)
        return entry[1]

    resource_graph.kept_per_snapshot = True  # type: ignore[attr-defined]
    resource_graph.__doc__ = original.__doc__
    analytics.resource_graph = resource_graph  # type: ignore[assignment]


def _warm(store: KGStore, *, wait: bool) -> None:
    """Compute the whole-graph views of a fresh snapshot: now, or beside the queries."""
    from kg import analytics

    def run() -> None:
        try:
            analytics.resource_graph(store, "all")
        except Exception as exc:  # noqa: BLE001 - computed (and reported) again on first use
            log.info("warming the resource graph failed: %s", exc)

    if wait:
        run()
    else:
        threading.Thread(target=run, name="kg-warm", daemon=True).start()


def _open_snapshot(settings: Settings, path: Path) -> tuple[KGStore, ReaderLock]:
    """Open a checkpoint read-only, holding its reader lock; KGError when it is gone."""
    lock = ReaderLock(path)
    if not lock.acquire():
        raise KGError(f"the checkpoint {path.name} is gone")
    try:
        store = KGStore(settings.with_(store_path=path), read_only=True)
    except BaseException:
        lock.release()
        raise
    store.reader_lock = lock
    return store, lock


def _portable(exc: BaseException) -> tuple[str, Any]:
    """An error as something that survives pickling: the core's errors as such, others as text."""
    if isinstance(exc, KGError):
        try:
            pickle.loads(pickle.dumps(exc))
            return "error", exc
        except Exception:  # noqa: BLE001 - an odd error: send its text
            return "error", KGError(str(exc))
    return "crash", f"{type(exc).__name__}: {exc}"


def _worker_main(conn: Connection, settings: Settings) -> None:
    """A worker's loop: open snapshots, run calls, answer each message in order."""
    if not settings.service_allow:  # no SERVICE endpoint to call: no network at all
        from kg.worker_sandbox import isolate_network

        isolate_network()
    _keep_whole_graph_views()
    store = KGStore(settings, in_memory=True)  # empty until the first snapshot
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        op = message[0]
        try:
            if op == "load":
                start = time.perf_counter()
                fresh, _ = _open_snapshot(settings, Path(message[1]))
                first = store not in _SNAPSHOTS
                store.close()
                store = fresh
                _SNAPSHOTS.add(store)
                # A new worker has nothing to serve yet; a reloading one goes back to work at once.
                _warm(store, wait=first)
                reply: tuple[str, Any] = ("ok", round(time.perf_counter() - start, 3))
            elif op == "call":
                _, func, args, kwargs = message
                reply = ("ok", func(store, *args, **kwargs))
            else:
                reply = ("crash", f"unknown message {op!r}")
        except BaseException as exc:  # noqa: BLE001 - every error goes back to the server
            reply = _portable(exc)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send(("crash", f"result could not be sent back: {exc}"))
        except (EOFError, OSError):
            return


# --------------------------------------------------------------------------- the server's side


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, ctx: Any, settings: Settings, number: int) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, settings), daemon=True,
                                   name=f"kg-query-worker-{number}")
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.generation: int | None = None
        self.spare = False  # loaded and waiting to replace a worker that dies

    def request(self, message: tuple[Any, ...], timeout: float) -> tuple[str, Any]:
        """Send a message and wait for the answer; TimeoutError when it does not come in time."""
        self.conn.send(message)
        if not self.conn.poll(timeout):
            raise TimeoutError
        return self.conn.recv()

    def kill(self) -> None:
        """End the process at once (a query in it cannot be stopped any other way)."""
        try:
            self.process.kill()
            self.process.join(5)
        finally:
            self.conn.close()


class QueryRunner:
    """A pool of query worker processes over snapshots of a store, with per-call deadlines."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int | None = None,
        timeout: float | None = None,
        queue_wait: float | None = None,
    ) -> None:
        self.settings = settings
        self.size = max(1, workers if workers is not None else settings.query_workers)
        self.spares = max(0, settings.query_spares)
        self.timeout = timeout if timeout is not None else settings.query_timeout
        self.queue_wait = queue_wait if queue_wait is not None else settings.queue_wait
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._spare: queue.Queue[_Worker] = queue.Queue()
        self._spare_live = 0  # spares started and not promoted or killed
        self._lock = threading.Lock()
        self._live = 0  # workers started and not killed (idle, busy or loading)
        self._ready = 0
        self._numbers = 0
        self._generation = 0
        self._snapshot: Path | None = None
        self._checkpoints: Checkpoints | None = None
        self._closed = False
        self._publishing = False
        self._reloading = 0
        self._publish_lock = threading.Lock()
        self._all: set[_Worker] = set()
        self.load_seconds: float | None = None
        self.snapshot_seconds: float | None = None

    # -- snapshots -----------------------------------------------------------
    @property
    def generation(self) -> int:
        """The number of the newest snapshot."""
        return self._generation

    def publish(self, store: KGStore, *, wait: bool = True) -> int:
        """Publish a checkpoint of the store and have every worker open it; returns its number.

        With `wait`, returns once every worker holds it, so that a query after the return sees
        the new state. Workers are reloaded one at a time; until then the others answer from the
        previous snapshot (the state before the write, which is what a reader may still see
        while the write has not returned).
        """
        with self._publish_lock:
            if self._checkpoints is None:
                self._checkpoints = Checkpoints(store)
            generation, path = self._checkpoints.publish(store)
            with self._lock:
                self._generation, self._snapshot = generation, path
            self.snapshot_seconds = self._checkpoints.seconds
            for _ in range(self.size - self._live):
                self._start_worker()
            for _ in range(self.spares - self._spare_live):
                self._start_worker(spare=True)
            self._refresh_spares()
            if wait:
                self._publishing = True
                try:
                    self._refresh_all()
                finally:
                    self._publishing = False
            self._cleanup()
        return generation

    def _cleanup(self) -> None:
        """Delete the checkpoints no worker (nor any other reader) holds any more."""
        checkpoints = self._checkpoints
        if checkpoints is not None and not self._closed:
            try:
                for path in checkpoints.cleanup():
                    log.info("checkpoint %s deleted", path.name)
            except OSError as exc:  # tried again after the next switch
                log.warning("deleting old checkpoints failed: %s", exc)

    def _stale(self) -> bool:
        """True while some worker (not counting spares) is starting or holds an older snapshot."""
        with self._lock:
            serving = [w for w in self._all if not w.spare]
            return len(serving) < self._live or any(w.generation != self._generation for w in serving)

    def _refresh_spares(self) -> None:
        """Have the waiting spares load the newest snapshot, in the background."""

        def run() -> None:
            for _ in range(self._spare.qsize()):
                try:
                    worker = self._spare.get_nowait()
                except queue.Empty:
                    return
                try:
                    self._ensure_loaded(worker)
                except Exception:  # noqa: BLE001 - a spare that cannot load is replaced
                    log.exception("reloading a spare query worker failed")
                    self._drop_spare(worker)
                    self._start_worker(spare=True)
                else:
                    self._spare.put(worker)
            with self._publish_lock:
                self._cleanup()  # the checkpoints the spares held before reloading can go now

        threading.Thread(target=run, name="kg-spare-reload", daemon=True).start()

    def _refresh_all(self) -> None:
        """Wait until every worker holds the newest snapshot, handing idle ones to be reloaded."""
        deadline = time.monotonic() + LOAD_TIMEOUT
        while self._stale() and self._live > 0 and not self._closed and time.monotonic() < deadline:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                time.sleep(0.02)  # busy workers come back through _checkin, which reloads them
                continue
            self._checkin(worker)
            time.sleep(0.005)

    def _checkin(self, worker: _Worker) -> None:
        """Put a worker back; a stale one is reloaded first, in the background, while at least one
        other worker stays in service."""
        with self._lock:
            reload = worker.generation != self._generation and self._reloading < max(1, self.size - 1)
            if reload:
                self._reloading += 1
        if not reload:
            self._idle.put(worker)
            return

        def run() -> None:
            try:
                self._ensure_loaded(worker)
            except Exception:  # noqa: BLE001 - replaced by a worker that loads the newest
                log.exception("reloading a query worker failed")
                self._replace(worker)
            else:
                self._idle.put(worker)
            finally:
                with self._lock:
                    self._reloading -= 1

        threading.Thread(target=run, name="kg-worker-reload", daemon=True).start()

    # -- workers -------------------------------------------------------------
    def _start_worker(self, *, spare: bool = False) -> None:
        """Start one worker in the background; it joins the idle queue (or the spares) once it
        has loaded."""
        with self._lock:
            if self._closed:
                return
            if spare:
                self._spare_live += 1
            else:
                self._live += 1
            self._numbers += 1
            number = self._numbers

        def boot() -> None:
            try:
                # A worker's store is always its own in-memory copy, never an external endpoint.
                quiet = self.settings.with_(admin_token=None, sparql_endpoint=None, sparql_update_endpoint=None)
                worker = _Worker(self._ctx, quiet, number)
                worker.spare = spare
                with self._lock:
                    self._all.add(worker)
                self._ensure_loaded(worker)
            except Exception:  # noqa: BLE001 - logged; the pool shrinks by one
                log.exception("a query worker could not start")
                with self._lock:
                    if spare:
                        self._spare_live -= 1
                    else:
                        self._live -= 1
                return
            if self._closed:
                worker.kill()
                return
            (self._spare if spare else self._idle).put(worker)

        threading.Thread(target=boot, name=f"kg-worker-boot-{number}", daemon=True).start()

    def _ensure_loaded(self, worker: _Worker) -> None:
        """Make the worker hold the newest snapshot."""
        for _ in range(KEEP_SNAPSHOTS):
            with self._lock:
                generation, path = self._generation, self._snapshot
            if path is None or worker.generation == generation:
                return
            status, value = worker.request(("load", str(path)), LOAD_TIMEOUT)
            if status == "ok":
                worker.generation = generation
                self.load_seconds = value
                log.info("worker %s opened snapshot %d in %.2f s", worker.process.name, generation, value)
                if not self._publishing:
                    self._cleanup()
                return
            if path.exists():
                raise WorkerCrashError(f"loading a snapshot failed: {value}")
        raise WorkerCrashError("snapshots changed faster than a worker could load them")

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and put a spare in its place at once (a new spare starts), or start a
        new worker when there is no spare ready."""
        with self._lock:
            self._live -= 1
            self._all.discard(worker)
        worker.kill()
        try:
            spare = self._spare.get_nowait()
        except queue.Empty:
            self._start_worker()
            return
        with self._lock:
            spare.spare = False
            self._spare_live -= 1
            self._live += 1
        log.info("spare %s replaces %s", spare.process.name, worker.process.name)
        self._checkin(spare)
        self._start_worker(spare=True)

    def _drop_spare(self, worker: _Worker) -> None:
        """Kill a spare that is out of the spares queue."""
        with self._lock:
            self._spare_live -= 1
            self._all.discard(worker)
        worker.kill()

    def _checkout(self) -> _Worker:
        """An idle worker, waiting for one if needed; RunnerBusyError when none comes in time."""
        wait = self.queue_wait
        if self._live < self.size or self._snapshot is None:
            wait = max(wait, STARTUP_WAIT)
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            retry = max(1, int(round(min(self.timeout, 30))))
            raise RunnerBusyError(
                f"Every query worker is busy ({self.size}); try again in {retry} s.", retry
            ) from None

    # -- calls ---------------------------------------------------------------
    def call(self, func: Callable[..., T], *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
        """Run ``func(store, *args, **kwargs)`` in a worker within the time limit."""
        if self._closed:
            raise WorkerCrashError("The query runner is closed.")
        limit = self.timeout if timeout is None else timeout
        worker = self._checkout()
        try:
            if not self._publishing:  # while a write publishes, the previous state may be read
                self._ensure_loaded(worker)
            status, value = worker.request(("call", func, args, kwargs), limit)
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeoutError(
                f"The query was cancelled after {limit:g} s, this endpoint's time limit "
                f"(KG_QUERY_TIMEOUT): narrow it down, or add LIMIT."
            ) from None
        except (EOFError, OSError, pickle.PicklingError, WorkerCrashError) as exc:
            self._replace(worker)
            died = not isinstance(exc, pickle.PicklingError | WorkerCrashError)
            raise WorkerCrashError(f"The query worker failed ({type(exc).__name__}); it has been "
                                   "replaced.", died=died) from exc
        except BaseException:
            self._replace(worker)
            raise
        self._checkin(worker)
        if status == "ok":
            return value
        if status == "error":
            raise value
        raise WorkerCrashError(f"The query failed in its worker: {value}")

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until every worker and spare has loaded the newest snapshot; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                waiting = list(self._idle.queue) + list(self._spare.queue)
                ready = (self._idle.qsize() == self.size and self._spare.qsize() >= self.spares
                         and all(w.generation == self._generation for w in waiting))
            if ready:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        """Stop every worker and delete the checkpoints."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.kill()
            except OSError:
                pass
        checkpoints, self._checkpoints = self._checkpoints, None
        if checkpoints is not None:
            checkpoints.close()
