"""Finding the territory files of a layers folder, and what their paths say.

Layouts understood (they can be mixed):

1. ``LAYERS/<YYYY-MM-DD>/<faction>.<ext>``: one file per faction per date;
2. files whose features carry the faction and the date as properties;
3. files with the date in their name (``...2024-11-01...``, ``...20241101...``).

Names starting with ``.`` or ``_`` are ignored, and so are ``places.*`` at
the top of the layers folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

__all__ = [
    "Source",
    "discover",
    "date_from_text",
    "is_ignored",
    "GEOJSON_EXTENSIONS",
    "OGR_EXTENSIONS",
    "VECTOR_EXTENSIONS",
    "DATE_IN_NAME",
    "DATE_DIR",
]

GEOJSON_EXTENSIONS = (".geojson", ".json")
OGR_EXTENSIONS = (".gpkg", ".shp", ".kml", ".fgb", ".gml", ".sqlite", ".gpx")
VECTOR_EXTENSIONS = GEOJSON_EXTENSIONS + OGR_EXTENSIONS

DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")
DATE_DIR = re.compile(r"^(\d{4})(-?)(\d{2})\2(\d{2})$")


@dataclass(frozen=True)
class Source:
    """One input file and what its path says about date and faction."""

    path: Path
    display: str
    folder_date: dt.date | None
    name_date: dt.date | None
    stem: str
    folder: str

    @property
    def hinted_date(self) -> dt.date | None:
        return self.name_date or self.folder_date


def date_from_text(text: str, pattern: re.Pattern) -> dt.date | None:
    for m in pattern.finditer(text) if pattern is DATE_IN_NAME else [pattern.match(text)]:
        if not m:
            continue
        try:
            return dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
    return None


def is_ignored(name: str) -> bool:
    return name.startswith((".", "_"))


def discover(path: Path) -> list[Source]:
    """The territory files under ``path`` (a folder or a file), sorted by path."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        files = [path]
        base = path.parent
    else:
        base = path
        files = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not is_ignored(d))
            here = Path(dirpath)
            for fn in sorted(filenames):
                if is_ignored(fn) or not fn.lower().endswith(VECTOR_EXTENSIONS):
                    continue
                if here == path and fn.lower().startswith("places."):
                    continue
                files.append(here / fn)
        if not files:
            raise DataError(
                f"{path}: no territory files found (looked for {', '.join(VECTOR_EXTENSIONS)})"
            )
    out = []
    for f in sorted(files):
        rel = f.relative_to(base) if f != path else Path(f.name)
        folder_name = f.parent.name or f.parent.resolve().name
        out.append(
            Source(
                path=f,
                display=str(rel) if path.is_dir() else str(f),
                folder_date=date_from_text(f.parent.name, DATE_DIR),
                name_date=date_from_text(f.stem, DATE_IN_NAME),
                stem=f.stem,
                folder=folder_name,
            )
        )
    return out


# --------------------------------------------------------------------------
# Reading one file into raw features
