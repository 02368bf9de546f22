"""Areas, parts and contested ground of snapshots (analysis)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import shapely

from ..read.densify import refine_crossings
from ..read.model import Snapshot
from .geodesy import area_km2, polygon_areas_km2

__all__ = [
    "AreaRow",
    "Overlap",
    "polygonal",
    "parts_of",
    "count_parts",
    "overlaps",
    "contested_geometry",
    "refined_snapshots",
    "areas",
    "CONTESTED",
    "UNASSIGNED",
    "components",
    "present_factions",
    "GRID",
]

CONTESTED = "contested"
UNASSIGNED = "unassigned"
#: a fixed precision grid (degrees; about 0.1 µm) for overlays that must not return a
#: phantom piece where densified edges nearly coincide (GEOS's floating-point overlay
#: can; snap-rounding cannot): the claims run on it, and the holders' transfers fall
#: back to it when their floating-point pieces do not add up (holders._checked_transfers)
GRID = 1e-12


def polygonal(geom) -> shapely.Geometry:
    """Only the polygons of a geometry (overlay results may carry lines and points)."""
    if geom is None:
        return shapely.MultiPolygon()
    t = geom.geom_type
    if t in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in polys for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon()


def present_factions(*territories: dict, order: list[str] | None = None) -> list[str]:
    """The faction ids of one or more snapshots' territories: those in ``order``
    first (in its order), then the others as first seen."""
    ids = list(dict.fromkeys(f for t in territories for f in t))
    if order:
        ids = [f for f in order if f in ids] + [f for f in ids if f not in order]
    return ids


def parts_of(
    geom, min_part_km2: float = 1.0, measured=None
) -> list[tuple[shapely.Polygon, float]]:
    """The connected pieces of a territory of at least ``min_part_km2``, largest
    first (ties: by bounds), each with its geodesic km² (``measured``: its
    polygons and their areas, when already known)."""
    geom = polygonal(geom)
    if geom.is_empty:
        return []
    if measured is None:
        polys = shapely.get_parts(geom)
        each = polygon_areas_km2(polys)
    else:
        polys, each = measured
    pieces = [(p, a) for p, a in zip(polys, each.tolist(), strict=True) if a >= min_part_km2]
    pieces.sort(key=lambda pa: (-pa[1], shapely.bounds(pa[0]).tolist()))
    return pieces


def count_parts(geom, min_part_km2: float = 1.0) -> int:
    """How many parts reach ``min_part_km2`` (the count of :func:`parts_of`).

    Exact geodesic areas are computed only for pieces whose planar estimate is
    not clearly (by a factor of 3) on one side of the threshold, so counting
    the parts of a detailed territory costs little.
    """
    geom = polygonal(geom)
    parts = shapely.get_parts(geom)
    if min_part_km2 <= 0 or len(parts) == 0:
        return len(parts)
    bounds = shapely.bounds(parts)
    lat = np.radians((bounds[:, 1] + bounds[:, 3]) / 2)
    estimate = shapely.area(parts) * 111.32**2 * np.cos(lat)
    tall = (bounds[:, 3] - bounds[:, 1]) > 10
    big = (estimate > 3 * min_part_km2) & ~tall
    small = (estimate < min_part_km2 / 3) & ~tall
    unsure = ~(big | small)
    return int(big.sum()) + sum(1 for p in parts[unsure] if area_km2(p) >= min_part_km2)


@dataclass(frozen=True)
class Overlap:
    date: dt.date
    a: str
    b: str
    area_km2: float


def _pairs(territories: dict):
    ids = list(territories)
    for a, b in itertools.combinations(ids, 2):
        ga, gb = territories[a], territories[b]
        if shapely.intersects(ga, gb):
            yield a, b, polygonal(shapely.intersection(ga, gb))


def _refined(territories: dict) -> dict:
    """The territories of one date with the edges they cross cut finer along their
    geodesics (:func:`frontmap.read.densify.refine_crossings`): their overlaps are
    then the ones PostGIS finds."""
    return dict(zip(territories, refine_crossings(list(territories.values())), strict=True))


def refined_snapshots(*snapshots: Snapshot) -> list[Snapshot]:
    """The snapshots with every edge one of their territories crosses (or runs beside)
    cut finer along its geodesic, all of them together
    (:func:`frontmap.read.densify.refine_crossings`): the overlays of a diff then
    put each crossing where the geodesics cross, and its gains, losses, transfers
    and contested ground agree with PostGIS to 1e-6. Areas do not change."""
    keys = [(i, f) for i, s in enumerate(snapshots) for f in s.territories]
    geoms = refine_crossings([snapshots[i].territories[f] for i, f in keys])
    out: list[dict] = [{} for _ in snapshots]
    for (i, f), g in zip(keys, geoms, strict=True):
        out[i][f] = g
    return [s if all(out[i][f] is g for f, g in s.territories.items())
            else replace(s, territories=out[i]) for i, s in enumerate(snapshots)]


def _overlap_pieces(territories: dict, refine: bool) -> list:
    pieces = [(a, b, g) for a, b, g in _pairs(territories) if not g.is_empty]
    if pieces and refine:  # (refined only where factions do overlap: the cost is rarely paid)
        pieces = [(a, b, g) for a, b, g in _pairs(_refined(territories)) if not g.is_empty]
    return pieces


def overlaps(snapshot: Snapshot) -> list[Overlap]:
    """Ground claimed by two factions on a date, per pair (km² > 0 only)."""
    out = []
    for a, b, g in _overlap_pieces(snapshot.territories, refine=True):
        km2 = area_km2(g)
        if km2 > 0:
            out.append(Overlap(snapshot.date, a, b, km2))
    return out


def contested_geometry(territories: dict, refine: bool = True) -> shapely.Geometry:
    """Ground claimed by two or more factions (polygons only). ``refine=False``: the
    territories were refined already (see :func:`_refined`), together."""
    pieces = [g for _, _, g in _overlap_pieces(territories, refine)]
    if not pieces:
        return shapely.MultiPolygon()
    return polygonal(shapely.union_all(pieces))


@dataclass(frozen=True)
class AreaRow:
    date: dt.date
    faction: str
    area_km2: float
    parts: int

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "faction": self.faction,
            "area_km2": self.area_km2,
            "parts": self.parts,
        }


def areas(snapshots: Iterable[Snapshot], min_part_km2: float = 1.0) -> list[AreaRow]:
    """One row per date and faction, plus a ``contested`` row when factions overlap."""
    rows = []
    for snap in snapshots:
        for fid, geom in snap.territories.items():
            rows.append(AreaRow(snap.date, fid, area_km2(geom), count_parts(geom, min_part_km2)))
        contested = contested_geometry(snap.territories)
        km2 = area_km2(contested)
        if km2 > 0:
            rows.append(AreaRow(snap.date, CONTESTED, km2, count_parts(contested, min_part_km2)))
    return rows


def components(n: int, left, right) -> np.ndarray:
    """Connected components of a graph of ``n`` nodes given as edge arrays:
    a label per node (the smallest node index of its component)."""
    labels = np.arange(n)
    left = np.asarray(left, dtype=np.intp)
    right = np.asarray(right, dtype=np.intp)
    if len(left) == 0:
        return labels
    while True:
        low = np.minimum(labels[left], labels[right])
        new = labels.copy()
        np.minimum.at(new, left, low)
        np.minimum.at(new, right, low)
        np.minimum.at(new, labels, new)  # pull each root down to its best label
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new
