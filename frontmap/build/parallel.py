"""Where work runs: in this process, in local processes, or on a Dask cluster.

Every executor has ``submit(fn, *args)`` returning a future with
``result()``. Results are always taken in submission order, so outputs are
the same bytes whichever executor computed them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys

from ..errors import ArgumentError, ClusterError, FrontmapError

__all__ = ["executor", "auto_jobs"]


class _Inline:
    """Runs each task in this process, when its result is asked for (so that a
    caller reporting results one by one reports them as they are computed)."""

    class _Later:
        def __init__(self, fn, args):
            self._fn, self._args = fn, args

        def result(self):
            return self._fn(*self._args)

    def submit(self, fn, *args):
        return self._Later(fn, args)


class _Dask:
    """Submits to a dask.distributed cluster (arguments are not hashed), and
    watches it while waiting: a lost scheduler, or no workers for ``timeout``
    seconds, is a :class:`~frontmap.errors.ClusterError` instead of a hang."""

    def __init__(self, client, address: str, timeout: float):
        self.client = client
        self.address = address
        self.timeout = timeout
        self.done = 0
        self._no_workers_since: float | None = None

    def submit(self, fn, *args):
        try:
            fut = self.client.submit(fn, *args, pure=False)
        except Exception as exc:  # noqa: BLE001 - sorted out by _lost
            raise self._lost(exc) from None
        return _DaskFuture(self, fut)

    def wait(self, fut):
        import time

        while True:
            try:
                value = fut.result(timeout=_POLL)
            except TimeoutError:
                self._watch(time.monotonic())
                continue
            except Exception as exc:  # noqa: BLE001 - the task's own errors pass through
                lost = self._lost(exc)
                if lost is exc:
                    raise
                raise lost from None
            self.done += 1
            return value

    def _watch(self, now: float) -> None:
        """Raise ClusterError when the scheduler is gone or has had no workers too long."""
        try:
            workers = self.client.nthreads()
        except Exception:  # noqa: BLE001 - any failure to ask is a lost connection
            raise self._scheduler_lost() from None
        if workers:
            self._no_workers_since = None
            return
        if self._no_workers_since is None:
            self._no_workers_since = now
        elif now - self._no_workers_since >= self.timeout:
            raise ClusterError(
                f"no Dask workers for {self.timeout:g} s at {self.address} "
                "(start some with 'dask worker ADDRESS', or raise --scheduler-timeout)",
                self.address,
                self.done,
            )

    def _lost(self, exc: BaseException) -> BaseException:
        """The ClusterError that ``exc`` means, or ``exc`` itself when it is the task's."""
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        if isinstance(exc, KilledWorker):
            return ClusterError(
                f"a task was running on each Dask worker that died at {self.address} "
                f"({exc}); the workers may be out of memory",
                self.address,
                self.done,
            )
        if isinstance(exc, (FutureCancelledError, CommClosedError)) or self.client.status in (
            "closed",
            "closing",
            "connecting",
        ):
            return self._scheduler_lost()
        return exc

    def _scheduler_lost(self) -> ClusterError:
        return ClusterError(f"lost the Dask scheduler at {self.address}", self.address, self.done)


class _DaskFuture:
    def __init__(self, owner: _Dask, fut):
        self.owner = owner
        self.fut = fut

    def result(self):
        return self.owner.wait(self.fut)


#: how often (seconds) a wait for a Dask result looks at the cluster
_POLL = 0.5


def _connect(address: str, timeout: float):
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on install
        raise FrontmapError(
            "--scheduler needs dask.distributed: pip install 'frontmap[dask]'"
        ) from exc
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    try:  # before a Client exists: a half-made one complains when it is collected
        get_backend(parse_address(address)[0])
    except ValueError as exc:
        raise ArgumentError(f"--scheduler {address}: {exc}") from None
    try:
        return Client(address, set_as_default=False, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({exc}); "
            "is 'dask scheduler' running there?",
            address,
            connected=False,
        ) from None


@contextlib.contextmanager
def _dask_logs_silenced():
    """The Dask client logs its reconnection attempts with tracebacks; while it
    runs for frontmap its failures come out as ClusterError instead (set
    FRONTMAP_DEBUG=1 to see them)."""
    import logging

    if os.environ.get("FRONTMAP_DEBUG"):
        yield
        return
    with contextlib.suppress(ImportError):
        import distributed  # noqa: F401 - its loggers exist once it is imported
    names = ["distributed"] + [
        n for n in list(logging.root.manager.loggerDict) if n.startswith("distributed.")
    ]
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def auto_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def executor(jobs: int = 1, scheduler: str | None = None, timeout: float = 60.0):
    """An executor for ``jobs`` local processes, or for the Dask scheduler at
    ``scheduler`` (``tcp://host:8786``); ``jobs=1`` and no scheduler: inline.

    With a scheduler, ``timeout`` (seconds) bounds the wait to connect and the
    time the run waits with no worker; a lost scheduler, an unreachable one or
    one without workers is a :class:`~frontmap.errors.ClusterError` that says
    how many results had come back (``done``)."""
    if scheduler:
        with _dask_logs_silenced():
            client = _connect(scheduler, timeout)
            try:
                yield _Dask(client, scheduler, timeout)
            finally:
                with contextlib.suppress(Exception):
                    client.close(timeout=min(timeout, 5))
        return
    if jobs <= 1:
        yield _Inline()
        return
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        yield pool
