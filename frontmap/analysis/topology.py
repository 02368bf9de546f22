"""Parts, borders, encirclement and places (analysis).

A faction's *parts* are the connected pieces of its territory of at least
``min_part_km2``; the largest is the *main body*, the others are *pockets*. A
pocket is *encircled* when its whole border is shared with other factions
(none with its own faction, with unassigned ground, or with the sea).

Borders closer than :data:`SNAP_M` metres count as shared, so that real
data, whose neighbours rarely share vertices exactly, behaves like data drawn
with snapping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from ..read.model import Place, Snapshot
from .geodesy import distance_km, length_km
from .measure import UNASSIGNED, components, parts_of
from .places import NEAR_KM, Where, locate

__all__ = [
    "SNAP_M",
    "SNAP_DEG",
    "Part",
    "PartInfo",
    "FactionParts",
    "faction_parts",
    "border_km",
    "is_encircled",
    "describe_parts",
    "splits",
    "split_rows",
    "SPLIT_COLUMNS",
]

#: borders within this many metres of each other count as shared
SNAP_M = 50.0
#: the same distance in degrees of latitude (buffers in lon/lat)
SNAP_DEG = SNAP_M / 111_320.0
#: a pocket is encircled when less than this share of its border is open
_OPEN_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------
# parts


@dataclass
class Part:
    geom: shapely.Geometry
    area_km2: float


def _link(parts: list[Part], link_km: float) -> list[Part]:
    """Group parts closer than ``link_km`` into one (union-find)."""
    n = len(parts)
    if n < 2 or link_km <= 0:
        return parts
    geoms = [p.geom for p in parts]
    tree = shapely.STRtree(geoms)
    max_lat = max(abs(shapely.bounds(g)[1]) for g in geoms) + 1
    deg = link_km / (111.32 * max(math.cos(math.radians(min(max_lat, 89))), 0.01))
    left, right = tree.query(geoms, predicate="dwithin", distance=deg)
    keep = [
        k
        for k, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True))
        if i < j and distance_km(geoms[i], geoms[j]) < link_km
    ]
    labels = components(n, left[keep], right[keep])
    groups: dict[int, list[Part]] = {}
    for i, p in enumerate(parts):
        groups.setdefault(int(labels[i]), []).append(p)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(members[0])
        else:
            polys = [q for m in members for q in shapely.get_parts(m.geom)]
            out.append(Part(shapely.MultiPolygon(polys), sum(m.area_km2 for m in members)))
    out.sort(key=lambda p: (-p.area_km2, shapely.bounds(p.geom).tolist()))
    return out


def faction_parts(
    geom, min_part_km2: float = 1.0, link_km: float = 0.0, measured=None
) -> list[Part]:
    """The parts of a territory, largest first (the first is the main body);
    ``measured``: its polygons and their areas, when already known."""
    return _link([Part(p, km2) for p, km2 in parts_of(geom, min_part_km2, measured)], link_km)


# ---------------------------------------------------------------------------
# borders


def _clip_around(geom, bounds, pad):
    """The part of ``geom`` in ``bounds`` grown by ``pad`` degrees."""
    xmin, ymin, xmax, ymax = bounds
    return shapely.clip_by_rect(geom, xmin - pad, ymin - pad, xmax + pad, ymax + pad)


def _without(terr, part_geom):
    """A territory without one of its parts: its other polygons when the part is made
    of polygons of the territory itself (as :func:`faction_parts` gives them; no
    overlay needed), else the plain difference."""
    polys = shapely.get_parts(terr)
    mine = shapely.get_parts(part_geom)
    keep = np.ones(len(polys), dtype=bool)
    bounds = shapely.bounds(polys)
    for p in mine:
        hit = np.flatnonzero(keep & (bounds == shapely.bounds(p)).all(axis=1))
        same = [i for i in hit if shapely.equals_exact(polys[i], p, tolerance=0)]
        if not same:
            return shapely.difference(terr, part_geom)
        keep[same[0]] = False
    rest = polys[keep]
    if len(rest) == 0:
        return shapely.MultiPolygon()
    return rest[0] if len(rest) == 1 else shapely.multipolygons(rest)


def border_km(part_geom, faction: str, territories: Mapping) -> dict[str, float]:
    """Km of the part's border shared with each holder (``unassigned`` included).

    ``unassigned`` is border with ground no faction claims, or with the sea
    and whatever lies outside the data.
    """
    boundary = part_geom.boundary
    bounds = shapely.bounds(part_geom)
    pad = 2 * SNAP_DEG
    out: dict[str, float] = {}
    near_all = []
    for fid, terr in territories.items():
        if fid == faction:
            terr = _without(terr, part_geom)
            if terr.is_empty:
                continue
        if not shapely.intersects(shapely.box(*bounds).buffer(pad), terr):
            continue
        local = _clip_around(terr, bounds, pad)
        if local.is_empty:
            continue
        zone = shapely.buffer(local, SNAP_DEG)
        near_all.append(zone)
        km = length_km(shapely.intersection(boundary, zone))
        if km > 1e-3:
            out[fid] = km
    open_line = shapely.difference(boundary, shapely.union_all(near_all)) if near_all else boundary
    km = length_km(open_line)
    if km > 1e-3:
        out[UNASSIGNED] = km
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def is_encircled(borders: dict[str, float], faction: str, perimeter_km: float) -> bool:
    """True when (almost) no border is open or shared with the faction itself."""
    open_km = borders.get(UNASSIGNED, 0.0) + borders.get(faction, 0.0)
    others = [k for k in borders if k not in (UNASSIGNED, faction)]
    return bool(others) and open_km <= _OPEN_TOLERANCE * max(perimeter_km, 1e-9)


# ---------------------------------------------------------------------------
# describing parts (frontmap splits)


@dataclass
class PartInfo:
    geom: shapely.Geometry
    area_km2: float
    centroid: tuple[float, float]
    main: bool
    distance_to_main_km: float | None
    encircled_by: list[str]
    border_km: dict[str, float]
    where: Where | None

    @property
    def near(self) -> str | None:
        return self.where.place if self.where else None

    def as_dict(self) -> dict:
        return {
            "area_km2": self.area_km2,
            "centroid": [self.centroid[0], self.centroid[1]],
            "main": self.main,
            "distance_to_main_km": self.distance_to_main_km,
            "encircled_by": list(self.encircled_by),
            "border_km": dict(self.border_km),
            "near": self.near,
            "near_km": self.where.km if self.where else None,
            "near_bearing": self.where.bearing if self.where else None,
        }


@dataclass
class FactionParts:
    faction: str
    date: dt.date
    parts: list[PartInfo] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "faction": self.faction,
            "date": self.date.isoformat(),
            "parts": [p.as_dict() for p in self.parts],
        }


def describe_parts(
    snapshot: Snapshot,
    faction: str,
    places: Sequence[Place] | None = None,
    min_part_km2: float = 1.0,
    link_km: float = 0.0,
    near_km: float = NEAR_KM,
) -> FactionParts:
    """A faction's parts on a date, largest first, with distances, borders and encirclement."""
    parts = faction_parts(snapshot.territories.get(faction), min_part_km2, link_km)
    out = FactionParts(faction, snapshot.date)
    main = parts[0].geom if parts else None
    for i, p in enumerate(parts):
        borders = border_km(p.geom, faction, snapshot.territories)
        c = p.geom.centroid
        encircled = i > 0 and is_encircled(borders, faction, length_km(p.geom))
        out.parts.append(
            PartInfo(
                geom=p.geom,
                area_km2=p.area_km2,
                centroid=(c.x, c.y),
                main=i == 0,
                distance_to_main_km=None if i == 0 else distance_km(p.geom, main),
                encircled_by=[k for k in borders if k not in (UNASSIGNED, faction)]
                if encircled
                else [],
                border_km=borders,
                where=locate(p.geom, places, near_km),
            )
        )
    return out


def splits(
    snapshot: Snapshot,
    places: Sequence[Place] | None = None,
    min_part_km2: float = 1.0,
    link_km: float = 0.0,
    factions: list[str] | None = None,
    near_km: float = NEAR_KM,
) -> list[FactionParts]:
    """:func:`describe_parts` for every faction of a snapshot (or the ones named)."""
    ids = factions if factions is not None else list(snapshot.territories)
    return [describe_parts(snapshot, f, places, min_part_km2, link_km, near_km) for f in ids]


#: the columns of the flat splits table (CSV, Markdown, text)
SPLIT_COLUMNS = [
    "faction",
    "date",
    "part",
    "area_km2",
    "main",
    "distance_to_main_km",
    "encircled_by",
    "near",
    "near_km",
    "near_bearing",
    "lon",
    "lat",
    "border_km",
]


def split_rows(found: list[FactionParts]) -> list[dict]:
    """The parts of :func:`splits` as flat rows, one per part (see SPLIT_COLUMNS)."""
    rows = []
    for fp in found:
        for i, p in enumerate(fp.parts):
            d = p.as_dict()
            lon, lat = d.pop("centroid")
            rows.append(
                {
                    "faction": fp.faction,
                    "date": fp.date.isoformat(),
                    "part": i + 1,
                    **d,
                    "lon": lon,
                    "lat": lat,
                }
            )
    return rows
