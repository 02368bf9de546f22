"""Writing outputs atomically: a temporary file in the same folder, then rename.

A reader of the output sees either the previous complete file or the new
complete file, never a partial one, even if the writer is killed or the disk
fills up. The temporary file is named ``.<name>.<pid>-<random>.tmp`` after
the process writing it, so that a sweep removes only the leftovers of writers
that are gone (:func:`sweep_temporary`), never a file another process is
writing at that moment.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from ..errors import OutputError

__all__ = [
    "write_atomic",
    "same_content",
    "sweep_temporary",
    "is_temporary",
    "is_orphaned",
    "output_error",
]

_TMP = re.compile(r"^\..+\.tmp$")
#: the writer's pid in a temporary file's name (frontmap 0.x before it: no pid)
_TMP_PID = re.compile(r"^\..+\.(\d+)-[^.]+\.tmp$")


def write_atomic(path: str | os.PathLike, data: bytes | str, *, make_parents: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    The folder must exist unless ``make_parents`` (the build's own output
    tree): a mistyped folder is an error, not a new folder. Any failure is an
    :class:`~frontmap.errors.OutputError` that names the path and the reason;
    the file that was at ``path`` is then untouched.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    parent = path.parent
    try:
        if make_parents:
            parent.mkdir(parents=True, exist_ok=True)
        elif not parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such folder", str(parent))
    except OSError as exc:
        raise output_error(path, exc) from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=parent
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise output_error(path, exc) from exc
        raise
    return path


def output_error(path: str | os.PathLike, exc: OSError) -> OutputError:
    """The :class:`OutputError` for an ``OSError`` met writing ``path``: its
    message names the path and says why, in words ("no space left on device
    writing output/x.html")."""
    path = Path(path)
    code = exc.errno
    blocker = _file_in_the_way(path.parent)
    if blocker is not None:
        reason = f"{blocker} is a file, not a folder"
        return OutputError(f"cannot write {path}: {reason}", path, reason, code)
    if code == errno.ENOENT and not path.parent.is_dir():
        reason = f"the folder {path.parent} does not exist"
        return OutputError(
            f"cannot write {path}: {reason} (create it first, or check the spelling)",
            path,
            reason,
            code,
        )
    reason = (exc.strerror or type(exc).__name__).strip()
    reason = reason[:1].lower() + reason[1:]
    kept = " (the file that was there is untouched)" if path.is_file() else ""
    return OutputError(f"{reason} writing {path}{kept}", path, reason, code)


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest ancestor of ``folder`` (itself included) that exists but is not a folder."""
    for p in (folder, *folder.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def same_content(path: str | os.PathLike, data: bytes | str) -> bool:
    """True when ``path`` exists and already holds exactly ``data``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def is_temporary(path: str | os.PathLike) -> bool:
    """True for the hidden ``.<name>.<pid>-<random>.tmp`` files write_atomic uses."""
    return bool(_TMP.match(Path(path).name))


def is_orphaned(path: str | os.PathLike) -> bool:
    """True when the process that was writing this temporary file is gone.

    The writer's pid is in the name. It is gone when no process has that pid,
    or when the process that has it now started after the file was last
    written (the pid was reused). A name without a pid (an older frontmap)
    counts as orphaned once it is a minute old.
    """
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return False
    m = _TMP_PID.match(path.name)
    if m is None:
        import time

        return time.time() - mtime > 60
    pid = int(m.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        pass
    started = _process_start(pid)
    return started is not None and started > mtime + 1


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), on Linux; else None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime"))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def sweep_temporary(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of writers that are gone (killed mid-write);
    return what was removed. Files that a live process is writing are kept."""
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if _TMP.match(name):
                p = Path(dirpath) / name
                if not is_orphaned(p):
                    continue
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    return removed
