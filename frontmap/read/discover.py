"""Finding the territory files of a layers folder, and what their paths say.

Layouts understood (they can be mixed):

1. ``LAYERS/<YYYY-MM-DD>/<faction>.<ext>``: one file per faction per date;
2. files whose features carry the faction and the date as properties;
3. files with the date in their name (``...2024-11-01...``, ``...20241101...``,
   Unix time ``1662934073``; see :mod:`.names`).

Names starting with ``.`` or ``_`` are ignored, and so are ``places.*`` at
the top of the layers folder.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .names import DATE_DIR, DATE_IN_NAME, DatePattern, NameDate, date_in_name, epoch_in_name
from .names import folder_date as _folder_date

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


@dataclass(frozen=True)
class Source:
    """One input file and what its path says about date and faction.

    ``name_date`` is the date (and time of day) its name gives, ``folder_date``
    the date its folder's name gives; ``offset_days`` (``--date-offset``)
    shifts both.
    """

    path: Path
    display: str
    folder_date: dt.date | None
    name: NameDate | None
    stem: str
    folder: str
    offset_days: int = 0

    @property
    def name_date(self) -> dt.date | None:
        return self.name.date if self.name else None

    @property
    def hinted_date(self) -> dt.date | None:
        """The date the path gives (``--date-offset`` applied), or None."""
        d = self.name_date or self.folder_date
        return d + dt.timedelta(days=self.offset_days) if d and self.offset_days else d

    @property
    def name_time(self) -> dt.time | None:
        return self.name.time if self.name else None


def date_from_text(text: str, pattern=DATE_IN_NAME) -> dt.date | None:
    """A date in ``text``: a date-named folder (``DATE_DIR``) or a date in a name."""
    if pattern is DATE_DIR:
        return _folder_date(text)
    found = date_in_name(text)
    return found.date if found else None


def is_ignored(name: str) -> bool:
    return name.startswith((".", "_"))


def name_date(stem: str, folder_dated: bool, pattern: DatePattern | None = None):
    """The date a file name gives (see :mod:`.names`): ``pattern`` when given,
    else a calendar date in it, else (when its folder gives no date) Unix time."""
    if pattern is not None:
        return pattern.search(stem)
    found = date_in_name(stem)
    if found is not None:
        if found.time is None:  # "20241101_1730495471": the time from the Unix stamp
            stamp = epoch_in_name(stem)
            if stamp is not None and stamp.date == found.date:
                return stamp
        return found
    return None if folder_dated else epoch_in_name(stem)


def discover(
    path: Path, pattern: DatePattern | None = None, offset_days: int = 0
) -> list[Source]:
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
        fdate = _folder_date(f.parent.name)
        out.append(
            Source(
                path=f,
                display=str(rel) if path.is_dir() else str(f),
                folder_date=fdate,
                name=name_date(f.stem, fdate is not None, pattern),
                stem=f.stem,
                folder=folder_name,
                offset_days=offset_days,
            )
        )
    return out
