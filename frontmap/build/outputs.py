"""Writing outputs atomically: a temporary file in the same folder, then rename.

A reader of the output sees either the previous complete file or the new
complete file, never a partial one, even if the writer is killed.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "same_content", "sweep_temporary", "is_temporary"]

_TMP = re.compile(r"^\..+\.tmp$")


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


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
    """True for the hidden ``.<name>.<random>.tmp`` files write_atomic uses."""
    return bool(_TMP.match(Path(path).name))


def sweep_temporary(folder: str | os.PathLike) -> list[Path]:
    """Remove temporary files a killed writer left behind; return what was removed."""
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if _TMP.match(name):
                p = Path(dirpath) / name
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    return removed
