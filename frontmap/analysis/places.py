"""Where a piece of ground is, in words a reader can check (analysis).

A piece is *near* a place only when it lies within ``near_km`` of it
(geodesic distance between the place and the nearest point of the piece);
farther away it is "40 km north-east of Kharkiv": the distance and the
8-point compass bearing from the place to the piece.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from ..read.model import Place
from .geodesy import GEOD

__all__ = ["Where", "locate", "compass", "NEAR_KM", "COMPASS"]

#: a piece within this many km of a place is "near" it
NEAR_KM = 25.0
COMPASS = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def compass(azimuth_deg: float) -> str:
    """The 8-point compass direction of an azimuth (degrees clockwise from north)."""
    return COMPASS[int(((azimuth_deg % 360) + 22.5) // 45) % 8]


@dataclass(frozen=True)
class Where:
    """A place, how far a piece is from it (km, 0 when it touches) and in which direction."""

    place: str
    km: float
    bearing: str
    near_km: float = NEAR_KM
    #: where the place is (lon, lat)
    lonlat: tuple[float, float] | None = field(default=None, compare=False)

    @property
    def is_near(self) -> bool:
        return self.km <= self.near_km

    def text(self) -> str:
        """``near Mosul`` or ``40 km north-east of Kharkiv``."""
        if self.is_near:
            return f"near {self.place}"
        return f"{self.km:,.0f} km {self.bearing} of {self.place}"

    def as_dict(self) -> dict:
        """The JSON members: ``near``, ``near_km``, ``near_bearing``."""
        return {"near": self.place, "near_km": self.km, "near_bearing": self.bearing}


def _scaled(geom, scale: float):
    return shapely.transform(geom, lambda xy: xy * np.array([scale, 1.0]))


def locate(geom, places: Sequence[Place] | None, near_km: float = NEAR_KM) -> Where | None:
    """The place nearest a piece of ground, with the geodesic distance and bearing
    (None without places or ground). Ties go to the place nearest the piece's centre.

    Candidates are found in a plane scaled by cos(latitude); the distance is the
    geodesic one from the place to the nearest point of the piece in that plane
    (0 when the place lies inside), good to well under 1% at regional scale.
    """
    if not places or geom is None or geom.is_empty:
        return None
    centre = shapely.centroid(geom)
    scale = math.cos(math.radians(centre.y))
    flat = _scaled(geom, scale)
    pts = shapely.points([[p.lon * scale, p.lat] for p in places])
    d = shapely.distance(flat, pts)
    dc = shapely.distance(_scaled(centre, scale), pts)
    order = sorted(range(len(places)), key=lambda i: (round(float(d[i]), 9), dc[i], places[i].name))
    best: tuple[float, Place] | None = None
    for i in order[:8]:
        p = places[i]
        if d[i] == 0:
            km = 0.0
        else:
            near = shapely.get_coordinates(shapely.shortest_line(flat, pts[i]))[0]
            _, _, m = GEOD.inv(near[0] / scale, near[1], p.lon, p.lat)
            km = m / 1000
        if best is None or km < best[0] - 1e-9:
            best = (km, p)
    assert best is not None
    km, p = best
    at = shapely.point_on_surface(geom)
    azimuth, _, _ = GEOD.inv(p.lon, p.lat, at.x, at.y)
    return Where(p.name, float(km), compass(azimuth), near_km, (p.lon, p.lat))


#: km in a degree of latitude (and of longitude scaled by cos(latitude)), near enough
#: to say which pieces are within a place's reach
_KM_PER_DEG = 111.32


def area_there(parts, areas_km2, where: Where) -> float:
    """How much of the pieces ``parts`` (areas ``areas_km2``) is at ``where``: the km²
    of those no farther from its place than its largest piece or ``near_km``, whichever
    is more (in the plane scaled by cos(latitude), 1% of slack)."""
    areas = np.asarray(areas_km2, dtype=float)
    if where.lonlat is None or len(areas) == 0:
        return float(areas.sum())
    lon, lat = where.lonlat
    scale = math.cos(math.radians(lat))
    d = shapely.distance(_scaled(np.asarray(parts), scale), shapely.Point(lon * scale, lat))
    reach = max(where.near_km, where.km) * 1.01 + 1e-6
    return float(areas[np.asarray(d) * _KM_PER_DEG <= reach].sum())
