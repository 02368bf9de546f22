"""Which files a result came from: their paths and SHA-256 hashes (reading).

The reading layer is the only one that opens input files, so it hashes them
too, when it reads them; what it finds travels on ``Layers.inputs``
(:class:`~frontmap.read.model.Inputs`), and renderers write it out as
provenance without touching a file. Paths are relative to the layers folder
(POSIX separators), whatever the working folder, so the same inputs give the
same record on every machine.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .model import InputFile

__all__ = ["sha256_file", "relative_path", "input_file", "input_files", "SIDECARS"]

#: files that belong to a Shapefile beside its ``.shp`` (hashed with it when present)
SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def relative_path(path: str | os.PathLike, root: str | os.PathLike) -> str:
    """``path`` relative to the folder ``root`` (both made absolute, symlinks kept: a
    file linked into the folder is named as it is there), with ``/``."""
    p, r = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        return Path(os.path.relpath(p, r)).as_posix()
    except ValueError:  # pragma: no cover - another drive (Windows)
        return p.name


def input_file(path: str | os.PathLike, root: str | os.PathLike) -> InputFile:
    """The record of one file: its path relative to ``root`` and its hash."""
    return InputFile(relative_path(path, root), sha256_file(path))


def input_files(path: str | os.PathLike, root: str | os.PathLike) -> tuple[InputFile, ...]:
    """The record of an input file, and of its sidecars when it is a Shapefile."""
    path = Path(path)
    out = [input_file(path, root)]
    if path.suffix.lower() == ".shp":
        for ext in SIDECARS:
            for side in (path.with_suffix(ext), path.with_suffix(ext.upper())):
                if side.is_file():
                    out.append(input_file(side, root))
                    break
    return tuple(out)
