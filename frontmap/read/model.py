"""The snapshot model: what reading produces and analysis consumes.

Light on purpose (no numpy, shapely or pyproj at import time), so that the
command line can parse dates without loading the geometry stack.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, overload

from ..errors import DateFormatError, DateNotFoundError

if TYPE_CHECKING:
    import shapely

    from .factions import FactionTable

__all__ = [
    "Snapshot",
    "Place",
    "LazyPlaces",
    "Note",
    "Duplicate",
    "FileReport",
    "ReadReport",
    "Layers",
    "InputFile",
    "Inputs",
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


class LazyPlaces(Sequence):
    """The places a :class:`Layers` names towns with, found on first use.

    The built-in gazetteer costs a second to load (69,000 cities), more than
    reading and measuring a whole archive: commands that name no town
    (``timeline``, ``areas``) never pay it. Reads like the list it stands for."""

    def __init__(self, find: Callable[[], list[Place]]):
        self._find: Callable[[], list[Place]] | None = find
        self._places: list[Place] = []

    def _loaded(self) -> list[Place]:
        if self._find is not None:
            self._places, self._find = list(self._find()), None
        return self._places

    @property
    def loaded(self) -> bool:
        """Have the places been found yet?"""
        return self._find is None

    def __len__(self) -> int:
        return len(self._loaded())

    def __iter__(self):
        return iter(self._loaded())

    @overload
    def __getitem__(self, i: int) -> Place: ...
    @overload
    def __getitem__(self, i: slice) -> list[Place]: ...
    def __getitem__(self, i):
        return self._loaded()[i]

    def __eq__(self, other) -> bool:
        if isinstance(other, LazyPlaces):
            other = other._loaded()
        return self._loaded() == other

    def __repr__(self) -> str:
        return repr(self._loaded()) if self.loaded else "LazyPlaces(<not loaded yet>)"


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


@dataclass(frozen=True)
class Duplicate:
    """Several files that give one faction territory on one date (their union is used)."""

    date: dt.date
    faction: str
    files: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "faction": self.faction, "files": list(self.files)}


@dataclass
class FileReport:
    """What reading one file found."""

    file: str
    features: int = 0
    used: int = 0
    #: polygon features read (used, unmatched or undated alike)
    polygons: int = 0
    skipped: Counter = field(default_factory=Counter)
    repairs: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    #: things worth knowing that are neither repairs nor problems
    notes: list[Note] = field(default_factory=list)
    dates: set = field(default_factory=set)
    factions: set = field(default_factory=set)
    #: bounding box of the polygons in the file's own coordinates (before reprojection)
    raw_extent: tuple | None = None

    @property
    def unmatched(self) -> int:
        return self.skipped.get("unmatched", 0)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "features": self.features,
            "polygons": self.polygons,
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
    #: things worth knowing about the data set as a whole
    notes: list[Note] = field(default_factory=list)
    #: (date, faction) pairs that several files give territory (merged)
    duplicates: list[Duplicate] = field(default_factory=list)
    #: the factions.toml in use, if any (for messages)
    factions_source: str | None = None

    @property
    def all_errors(self) -> list[Note]:
        return [e for f in self.files for e in f.errors] + list(self.errors)

    @property
    def all_repairs(self) -> list[Note]:
        return [r for f in self.files for r in f.repairs]

    def no_territory(self, root) -> Note:
        """The error when no polygon was used at all."""
        return Note(
            str(root), None, f"no territory: {self.why_no_territory()}; there is nothing to measure"
        )

    def why_no_territory(self) -> str:
        """Why no polygon was used, counted: ``14,340 feature(s) read, 3,084 of them
        polygons, none used: 3,084 matched no faction rule``."""
        skipped: Counter = Counter()
        for f in self.files:
            skipped.update(f.skipped)
        features = sum(f.features for f in self.files)
        polygons = sum(f.polygons for f in self.files)
        head = f"{len(self.files)} file(s), {features:,} feature(s) read"
        others = ", ".join(
            f"{n:,} {k}" for k, n in sorted(skipped.items()) if k != "unmatched"
        )
        if not polygons:
            return head + (f", none of them a polygon ({others})" if others else "")
        why = []
        if skipped.get("unmatched"):
            rules = self.factions_source or "factions.toml"
            why.append(f"{skipped['unmatched']:,} matched no faction rule of {rules}")
        refused = sum(len(f.errors) for f in self.files)
        if refused:
            why.append(f"{refused:,} error(s)")
        rest = polygons - skipped.get("unmatched", 0)
        if rest > 0 and not refused:
            why.append(f"{rest:,} without a faction or date")
        return (
            f"{head}, {polygons:,} of them polygons, none used"
            + (": " + ", ".join(why) if why else "")
            + (f" (besides: {others})" if others else "")
        )


@dataclass(frozen=True)
class InputFile:
    """One input file as provenance names it: its path relative to the layers folder
    (POSIX separators; ``../`` for a file beside or above it) and its SHA-256."""

    path: str
    sha256: str

    def as_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256}


@dataclass
class Inputs:
    """The files a :class:`Layers` was read from, hashed when read (for provenance).

    ``files`` maps each file a snapshot names in ``Snapshot.sources`` to its
    record (a Shapefile's to the ``.shp`` and its sidecars). ``places`` is the
    places file used; ``gazetteer`` is True when the built-in towns stood in.
    """

    #: the layers folder's name (the file's folder when LAYERS is one file)
    layers: str = ""
    files: dict[str, tuple[InputFile, ...]] = field(default_factory=dict)
    factions: InputFile | None = None
    clip: InputFile | None = None
    places: InputFile | None = None
    gazetteer: bool = False

    def files_of(self, sources) -> list[InputFile]:
        """The records of the files named in ``sources``, by path, each once."""
        found = {f.path: f for s in sources for f in self.files.get(s, ())}
        return [found[k] for k in sorted(found)]


@dataclass
class Layers:
    """Everything read from a layers folder or file."""

    root: Path
    factions: FactionTable
    snapshots: dict[dt.date, Snapshot]
    report: ReadReport
    clip: shapely.Geometry | None = None
    #: the towns to name places by (a :class:`LazyPlaces` when read: found on first use)
    places: Sequence[Place] = field(default_factory=list)
    #: with a clip, each territory before clipping (only when asked for: ``check``)
    unclipped: dict[dt.date, dict[str, shapely.Geometry]] = field(default_factory=dict)
    #: the files read, with their hashes (see :mod:`frontmap.read.provenance`)
    inputs: Inputs = field(default_factory=Inputs)

    @property
    def folder(self) -> Path:
        """The layers folder (the file's folder when LAYERS is one file): provenance
        gives paths relative to it."""
        return self.root if self.root.is_dir() else self.root.parent

    def sources(self, dates=None) -> list[str]:
        """The files that gave territory on ``dates`` (every date when None)."""
        wanted = self.snapshots if dates is None else [parse_date(d) for d in dates]
        return sorted({s for d in wanted if d in self.snapshots for s in self.snapshots[d].sources})

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
