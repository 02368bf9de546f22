"""One build at a time per output folder: a lock file, ``.frontmap-build.lock``.

A build holds an exclusive ``flock`` on ``<output>/.frontmap-build.lock``
from before its first look at the folder until its last write; ``--check``
holds a shared one (it writes nothing, but should not read a folder halfway
through a build). The lock is the kernel's, so it goes with the process: a
build that is killed leaves no stale lock behind. The file itself stays, empty
(so committing it with the outputs changes nothing); who holds it is read
from ``/proc/locks`` on Linux, for the message of a build that waits.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import OutputBusyError
from .outputs import output_error

__all__ = ["LOCK_FILE", "output_lock", "lock_holder"]

LOCK_FILE = ".frontmap-build.lock"
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextlib.contextmanager
def output_lock(
    folder: str | os.PathLike,
    *,
    shared: bool = False,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[Path | None]:
    """Hold the lock on a build's output ``folder`` (created when missing, unless
    ``shared``). When another build holds it: wait for it, after calling
    ``on_wait(message)``, or raise :class:`OutputBusyError` if not ``wait``.
    Yields the lock file, or None when there is nothing to lock (``shared`` on
    a folder no build has locked yet, or a folder that cannot be written, where
    no build can write either)."""
    folder = Path(folder)
    path = folder / LOCK_FILE
    fd = _open(folder, path, shared)
    if fd is None:
        yield None
        return
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            who = lock_holder(path)
            holder = f"another frontmap build ({who})" if who else "another frontmap build"
            if not wait:
                raise OutputBusyError(
                    f"{holder} is writing to {folder}; run again when it is done "
                    "(without --no-wait, frontmap waits for it)"
                ) from None
            if on_wait is not None:
                on_wait(f"waiting for {holder} to finish writing to {folder}")
            fcntl.flock(fd, mode)
        yield path
    finally:
        os.close(fd)  # releases the lock


def _open(folder: Path, path: Path, shared: bool) -> int | None:
    if shared:
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno in _READ_ONLY and folder.is_dir():
            # nobody can write here; a shared lock still waits for a build elsewhere
            return _open(folder, path, shared=True)
        raise output_error(path, exc) from None


def lock_holder(path: str | os.PathLike) -> str | None:
    """"pid N" of the process holding a lock on ``path``, when the system says (Linux)."""
    try:
        st = os.stat(path)
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" (a waiter's line has "->")
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == want:
            if parts[4].isdigit() and int(parts[4]) != os.getpid():
                return f"pid {parts[4]}"
    return None
