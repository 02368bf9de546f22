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

__all__ = ["executor", "auto_jobs"]


class _Inline:
    """Runs each task at once, in this process."""

    class _Done:
        def __init__(self, value=None, error=None):
            self._value, self._error = value, error

        def result(self):
            if self._error is not None:
                raise self._error
            return self._value

    def submit(self, fn, *args):
        try:
            return self._Done(fn(*args))
        except Exception as exc:  # noqa: BLE001 - re-raised by result()
            return self._Done(error=exc)


class _Dask:
    """Submits to a dask.distributed cluster (arguments are not hashed)."""

    def __init__(self, client):
        self.client = client

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)


def auto_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def executor(jobs: int = 1, scheduler: str | None = None):
    """An executor for ``jobs`` local processes, or for the Dask scheduler at
    ``scheduler`` (``tcp://host:8786``); ``jobs=1`` and no scheduler: inline."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on install
            from ..errors import FrontmapError

            raise FrontmapError(
                "--scheduler needs dask.distributed: pip install 'frontmap[dask]'"
            ) from exc
        client = Client(scheduler, set_as_default=False)
        try:
            yield _Dask(client)
        finally:
            client.close()
        return
    if jobs <= 1:
        yield _Inline()
        return
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        yield pool
