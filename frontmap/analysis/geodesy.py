"""Geodesic measures on the WGS84 ellipsoid (analysis).

Areas are what PostGIS ``ST_Area(geography)`` returns: edges taken as
geodesics, |outer ring| minus |holes|, in km². Lengths and distances are
geodesic km. Never degrees, never Web Mercator.
"""

from __future__ import annotations

import math

import numpy as np
import pyproj
import shapely

__all__ = ["GEOD", "area_km2", "areas_km2", "length_km", "distance_km", "nearest_points"]

GEOD = pyproj.Geod(ellps="WGS84")


def _polygons(geom) -> np.ndarray:
    """The polygons of any geometry (lines and points ignored)."""
    parts = shapely.get_parts(geom)
    out = []
    for p in parts:
        t = p.geom_type
        if t == "Polygon":
            out.append(p)
        elif t in ("MultiPolygon", "GeometryCollection"):
            out.extend(_polygons(p))
    return np.array(out, dtype=object)


def area_km2(geom: shapely.Geometry | None) -> float:
    """Geodesic area in km² of a polygonal geometry (0 for None, empty or non-polygonal).

    |outer rings| minus |holes|, edges as geodesics on WGS84 (PostGIS
    ``ST_Area(geography)``). All rings are measured in one pass: oriented
    (outer rings counter-clockwise, holes clockwise, so their signed areas
    add up to the area), joined into one path by bridge edges that the path
    walks out and back. A geodesic walked backwards contributes exactly the
    opposite area, so the bridges cancel.
    """
    if geom is None or geom.is_empty:
        return 0.0
    polys = _polygons(geom)
    if len(polys) == 0:
        return 0.0
    rings = shapely.get_rings(shapely.orient_polygons(polys))
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    if len(rings) == 1:
        path = coords
    else:
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        back = coords[starts[-2::-1]]  # the first vertex of every ring but the last, reversed
        path = np.vstack([coords, back])
    area, _ = GEOD.polygon_area_perimeter(path[:, 0], path[:, 1])
    return abs(area) / 1e6


def areas_km2(geoms) -> np.ndarray:
    """Geodesic areas in km² of many geometries."""
    return np.array([area_km2(g) for g in geoms], dtype=float)


def length_km(geom: shapely.Geometry | None) -> float:
    """Geodesic length in km of the lines of a geometry (polygon boundaries count too)."""
    if geom is None or geom.is_empty:
        return 0.0
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = geom.boundary
    total = 0.0
    for part in shapely.get_parts(geom):
        t = part.geom_type
        if t in ("LineString", "LinearRing"):
            c = shapely.get_coordinates(part)
            if len(c) >= 2:
                total += GEOD.line_length(c[:, 0], c[:, 1])
        elif t in ("MultiLineString", "GeometryCollection", "Polygon", "MultiPolygon"):
            total += length_km(part) * 1000
    return total / 1000


def _local_crs(lon: float, lat: float) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"
    )


def nearest_points(a: shapely.Geometry, b: shapely.Geometry) -> tuple[tuple, tuple]:
    """The nearest points ((lon, lat), (lon, lat)) of two geometries.

    Found in an azimuthal equidistant projection centred between them, where
    distances from the centre are true and others nearly so at regional scale.
    """
    pa, pb = shapely.shortest_line(a, b).coords  # first guess in lon/lat
    mid_lon = (pa[0] + pb[0]) / 2
    mid_lat = (pa[1] + pb[1]) / 2
    fwd = pyproj.Transformer.from_crs(4326, _local_crs(mid_lon, mid_lat), always_xy=True)
    inv = pyproj.Transformer.from_crs(_local_crs(mid_lon, mid_lat), 4326, always_xy=True)

    def to_local(g):
        return shapely.transform(g, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))

    la, lb = to_local(a), to_local(b)
    qa, qb = shapely.shortest_line(la, lb).coords
    ra = inv.transform(*qa)
    rb = inv.transform(*qb)
    return (ra[0], ra[1]), (rb[0], rb[1])


def distance_km(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Geodesic distance in km between the nearest points of two geometries (0 if they touch)."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return math.nan
    if shapely.intersects(a, b):
        return 0.0
    (x1, y1), (x2, y2) = nearest_points(a, b)
    _, _, d = GEOD.inv(x1, y1, x2, y2)
    return d / 1000
