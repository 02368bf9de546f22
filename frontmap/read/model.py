"""The snapshot model: what reading produces and analysis consumes.

Light on purpose (no numpy, shapely or pyproj at import time), so that the
command line can parse dates without loading the geometry stack.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DateFormatError, DateNotFoundError

if TYPE_CHECKING:
    import shapely

    from .factions import FactionTable

__all__ = [
    "Snapshot",
    "Place",
    "Note",
    "FileReport",
    "ReadReport",
    "Layers",
    "parse_date",
    "UNDATED",
    "is_undated",
]


class _Undated(dt.date):
    """The date of the one snapshot of a single file that nothing dates.

    A date (so that snapshots stay sortable and typed) that prints as
    ``undated`` wherever a date is written (``isoformat``, ``str``).
    """

    __slots__ = ()

    def isoformat(self) -> str:
        return "undated"

    __str__ = isoformat

    def __repr__(self) -> str:
        return "UNDATED"

    # never equal to a real date (0001-01-01 included): the two must not share a snapshot
    def __eq__(self, other) -> bool:
        return other is self

    def __ne__(self, other) -> bool:
        return other is not self

    def __hash__(self) -> int:
        return hash("undated")

    def __reduce__(self):
        return (_undated, ())


def _undated() -> _Undated:
    return UNDATED


#: the date of a snapshot read from a single file with no date anywhere
UNDATED = _Undated(1, 1, 1)


def is_undated(d) -> bool:
    return isinstance(d, _Undated)


def parse_date(value) -> dt.date:
    """A date from ``YYYY-MM-DD``, ``YYYYMMDD``, an ISO datetime, or a date object."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise DateFormatError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


@dataclass
class Snapshot:
    """Every faction's territory on one date.

    ``territories`` maps a faction id to its territory: the union of its
    polygons on that date after repair (and clipping), a valid non-empty
    Polygon or MultiPolygon in lon/lat WGS84.
    """

    date: dt.date
    territories: dict[str, shapely.Geometry]
    sources: tuple[str, ...] = ()

    @property
    def factions(self) -> list[str]:
        return list(self.territories)


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float
    #: inhabitants, when the source gives them (the built-in gazetteer does)
    population: int | None = None


@dataclass(frozen=True)
class Note:
    """A message about one file (and one feature of it, when ``feature`` is set)."""

    file: str
    feature: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.feature is None else f"{self.file}: feature {self.feature}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "feature": self.feature, "message": self.message}


@dataclass
class FileReport:
    """What reading one file found."""

    file: str
    features: int = 0
    used: int = 0
    skipped: Counter = field(default_factory=Counter)
    repairs: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    #: things worth knowing that are neither repairs nor problems
    notes: list[Note] = field(default_factory=list)
    dates: set = field(default_factory=set)
    factions: set = field(default_factory=set)

    @property
    def unmatched(self) -> int:
        return self.skipped.get("unmatched", 0)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "features": self.features,
            "used": self.used,
            "skipped": dict(sorted(self.skipped.items())),
            "unmatched": self.unmatched,
            "repairs": [n.as_dict() for n in self.repairs],
            "errors": [n.as_dict() for n in self.errors],
            "warnings": [n.as_dict() for n in self.warnings],
            "notes": [n.as_dict() for n in self.notes],
            "dates": sorted(d.isoformat() for d in self.dates),
            "factions": sorted(self.factions),
        }


@dataclass
class ReadReport:
    files: list[FileReport] = field(default_factory=list)
    #: problems of the data set as a whole (not one file's)
    errors: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)

    @property
    def all_errors(self) -> list[Note]:
        return [e for f in self.files for e in f.errors] + list(self.errors)

    @property
    def all_repairs(self) -> list[Note]:
        return [r for f in self.files for r in f.repairs]


@dataclass
class Layers:
    """Everything read from a layers folder or file."""

    root: Path
    factions: FactionTable
    snapshots: dict[dt.date, Snapshot]
    report: ReadReport
    clip: shapely.Geometry | None = None
    places: list[Place] = field(default_factory=list)

    @property
    def dates(self) -> list[dt.date]:
        return list(self.snapshots)

    def snapshot(self, date) -> Snapshot:
        d = parse_date(date)
        try:
            return self.snapshots[d]
        except KeyError:
            raise DateNotFoundError(
                d.isoformat(), [x.isoformat() for x in self.snapshots]
            ) from None
