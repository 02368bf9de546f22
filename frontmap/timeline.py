"""The daily series analysts chart: change for every consecutive pair of dates (analysis).

``timeline`` streams: it holds two snapshots at a time, so a series of any
length runs in bounded memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import shapely

from .geodesy import area_km2
from .measure import count_parts, polygonal
from .model import Snapshot

__all__ = ["TimelineRow", "timeline", "COLUMNS"]

COLUMNS = [
    "date_from",
    "date_to",
    "faction",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "parts_from",
    "parts_to",
]


@dataclass(frozen=True)
class TimelineRow:
    date_from: dt.date
    date_to: dt.date
    faction: str
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    net_km2: float
    parts_from: int
    parts_to: int

    def as_dict(self) -> dict:
        d = {c: getattr(self, c) for c in COLUMNS}
        d["date_from"] = self.date_from.isoformat()
        d["date_to"] = self.date_to.isoformat()
        return d


@dataclass
class _Measured:
    """A faction's territory on one date with what every pair needs of it."""

    geom: shapely.Geometry
    area: float
    parts: int


def _measure(snap: Snapshot, min_part_km2: float) -> dict[str, _Measured]:
    out = {}
    for fid, g in snap.territories.items():
        out[fid] = _Measured(g, area_km2(g), count_parts(g, min_part_km2))
    return out


def pair_change(a: _Measured | None, b: _Measured | None) -> tuple[float, float]:
    """(gained, lost) km² of one faction between two dates."""
    if a is None and b is None:
        return 0.0, 0.0
    if a is None:
        return b.area, 0.0
    if b is None:
        return 0.0, a.area
    if a.geom.equals_exact(b.geom, 0):
        return 0.0, 0.0
    gained = area_km2(polygonal(shapely.difference(b.geom, a.geom)))
    lost = area_km2(polygonal(shapely.difference(a.geom, b.geom)))
    return gained, lost


def timeline(
    snapshots: Iterable[Snapshot],
    min_part_km2: float = 1.0,
    order: list[str] | None = None,
) -> Iterator[TimelineRow]:
    """Rows for every consecutive pair of dates and every faction present on either."""
    prev: Snapshot | None = None
    prev_m: dict[str, _Measured] = {}
    for snap in snapshots:
        cur_m = _measure(snap, min_part_km2)
        if prev is not None:
            ids = list(dict.fromkeys([*prev.territories, *snap.territories]))
            if order:
                ids = [f for f in order if f in ids] + [f for f in ids if f not in order]
            for fid in ids:
                a, b = prev_m.get(fid), cur_m.get(fid)
                gained, lost = pair_change(a, b)
                af = a.area if a else 0.0
                at = b.area if b else 0.0
                yield TimelineRow(
                    prev.date, snap.date, fid, af, at, gained, lost, at - af,
                    a.parts if a else 0, b.parts if b else 0,
                )
        prev, prev_m = snap, cur_m
