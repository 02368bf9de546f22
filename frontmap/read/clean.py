"""Cleaning one geometry: 2-D, reprojected to lon/lat WGS84, in range, long
edges densified along their geodesics (:mod:`.densify`), valid (repaired with
``make_valid`` and reported) and split at the antimeridian."""

from __future__ import annotations

import math

import numpy as np
import shapely

from .densify import densify, refine_own

__all__ = [
    "clean_geometry",
    "repair",
    "range_problem",
    "polygonal_only",
    "transformer_for",
    "reproject",
    "POLYGONAL",
    "POINTS",
    "LINES",
]

POLYGONAL = ("Polygon", "MultiPolygon")
POINTS = ("Point", "MultiPoint")
LINES = ("LineString", "MultiLineString", "LinearRing")


def polygonal_only(geom):
    """(polygonal part or None, count of non-polygon members dropped)."""
    if geom is None or geom.is_empty:
        return None, 0
    t = geom.geom_type
    if t in POLYGONAL:
        return geom, 0
    if t == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
        polys, dropped = [], 0
        for p in parts:
            sub, d = polygonal_only(p)
            dropped += d
            if sub is None:
                dropped += 1
            else:
                polys.extend(shapely.get_parts(sub))
        return (shapely.multipolygons(polys) if polys else None), dropped
    return None, 0


# --------------------------------------------------------------------------
# Cleaning one raw feature


def range_problem(geom, display=None, label=None, lat_only: bool = False) -> str | None:
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    if lat_only:
        xmin, xmax = max(xmin, -180.0), min(xmax, 180.0)
    if -180 - 1e-9 <= xmin and xmax <= 180 + 1e-9 and -90 - 1e-9 <= ymin and ymax <= 90 + 1e-9:
        return None
    ext = f"x {xmin:.6g}..{xmax:.6g}, y {ymin:.6g}..{ymax:.6g}"
    if max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) > 1000:
        hint = (
            "these look like projected coordinates (metres) in a file with no CRS: "
            "give the file its CRS (a .prj, the GeoPackage SRS or a GeoJSON 'crs' member) "
            "or reproject it to EPSG:4326"
        )
    elif max(abs(ymin), abs(ymax)) > 90 and max(abs(xmin), abs(xmax)) <= 90:
        hint = "latitude beyond ±90 while longitude fits ±90: the axes look swapped (lat, lon)"
    elif max(abs(xmin), abs(xmax)) <= 540 and max(abs(ymin), abs(ymax)) <= 90:
        hint = (
            f"longitude beyond ±180, and read as a polygon crossing the antimeridian it would "
            f"span {xmax - xmin:.4g}° of longitude: look for a wrong vertex (or use "
            "longitudes in -180..180)"
        )
    else:
        hint = "check the coordinate order (lon, lat) and the CRS"
    return f"coordinates out of lon/lat range ({ext}): {hint}"


def transformer_for(crs):
    if crs is None:
        return None
    import pyproj

    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def reproject(geom, transformer):
    def fn(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


_SPAN_LIMIT = 180.0  # widest plausible territory (degrees of longitude) across the antimeridian


def _unwrap_antimeridian(geom) -> tuple[shapely.Geometry, bool, str | None]:
    """Polygons drawn across the antimeridian, in continuous longitudes.

    Two ways of drawing are understood: a ring that jumps from 179 to -179
    (an edge longer than 180° of longitude is taken the short way round, as a
    geodesic is), and longitudes beyond ±180 that continue past the dateline
    (179..181). Returns (geometry with unwrapped longitudes, whether any
    polygon crosses, problem or None). Polygons in -180..180 with no jump are
    left alone.
    """
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    if -180 <= xmin and xmax <= 180 and xmax - xmin <= 180:
        return geom, False, None  # no edge can be longer than 180°
    if not (-540 <= xmin and xmax <= 540 and -90 <= ymin and ymax <= 90):
        return geom, False, None  # not lon/lat at all: the range check explains
    out, crossed = [], False
    for poly in shapely.get_parts(geom):
        rings = [shapely.get_coordinates(poly.exterior)]
        rings += [shapely.get_coordinates(r) for r in poly.interiors]
        beyond = any(np.abs(r[:, 0]).max() > 180 for r in rings)
        jumps = [len(r) > 1 and np.abs(np.diff(r[:, 0])).max() > 180 for r in rings]
        if not beyond and not any(jumps):
            out.append(poly)
            continue
        if beyond and any(jumps):
            return geom, False, None  # neither way of drawing: the range check explains
        fixed = []
        for r, jump in zip(rings, jumps, strict=True):
            if jump:
                x = np.unwrap(r[:, 0], period=360.0)
                if abs(x[-1] - x[0]) > 1e-7:
                    problem = (
                        "a ring goes all the way round the globe (it encircles a pole), "
                        "which frontmap cannot measure: cut it into pieces that do not"
                    )
                    return geom, False, problem
                r = np.column_stack([x, r[:, 1]])
            fixed.append(r)
        shell = fixed[0]
        lo, hi = shell[:, 0].min(), shell[:, 0].max()
        if hi - lo > _SPAN_LIMIT:
            if beyond:
                return geom, False, None  # the range check explains
            problem = (
                f"a ring jumps across the antimeridian, and drawn that way the polygon spans "
                f"{hi - lo:.4g}° of longitude: look for a wrong vertex, or split the polygon "
                "at ±180°"
            )
            return geom, False, problem
        mid = (lo + hi) / 2
        holes = []
        for h in fixed[1:]:
            k = round((mid - (h[:, 0].min() + h[:, 0].max()) / 2) / 360.0)
            holes.append(h + np.array([k * 360.0, 0.0]) if k else h)
        out.append(shapely.Polygon(shell, holes))
        crossed = True
    if not crossed:
        return geom, False, None
    return (out[0] if len(out) == 1 else shapely.multipolygons(out)), True, None


def _wrap_back(xy: np.ndarray, turns: int) -> np.ndarray:
    """Longitudes shifted back by ``turns`` times 360°, kept within -180..180."""
    out = xy - np.array([turns * 360.0, 0.0])
    out[:, 0] = np.clip(out[:, 0], -180.0, 180.0)
    return out


def _split_antimeridian(geom) -> tuple[shapely.Geometry | None, str]:
    """A valid polygonal geometry in unwrapped longitudes, cut at ±180° and wrapped back."""
    xmin, _, xmax, _ = shapely.bounds(geom)
    pieces: list[shapely.Geometry] = []
    for k in range(math.floor((xmin + 180) / 360), math.floor((xmax + 180) / 360) + 1):
        window = shapely.box(k * 360 - 180, -90, k * 360 + 180, 90)
        piece, _ = polygonal_only(shapely.intersection(geom, window))
        if piece is None:
            continue
        # shifted back by k turns; the cut may leave a vertex a rounding error past ±180
        piece = shapely.transform(piece, lambda xy, k=k: _wrap_back(xy, k))
        pieces.extend(p for p in shapely.get_parts(piece) if not p.is_empty)
    if not pieces:
        return None, "crosses the antimeridian; nothing with an area is left once split"
    result = pieces[0] if len(pieces) == 1 else shapely.multipolygons(pieces)
    if not shapely.is_valid(result):
        result, _ = polygonal_only(shapely.make_valid(result))
    if len(pieces) > 1:
        note = (
            f"crosses the antimeridian (longitudes {xmin:.6g}..{xmax:.6g} once unwrapped); "
            "split at ±180°"
        )
    else:
        note = f"longitudes {xmin:.6g}..{xmax:.6g} are beyond ±180°; shifted by 360°"
    return result, note


def clean_geometry(
    geom, transformer=None, geodesic_edges: bool = True, densified: bool = False, source=None
) -> tuple[shapely.Geometry | None, list, str | None]:
    """2-D, WGS84, in range, long edges densified along their geodesics (unless
    ``geodesic_edges`` is False: drawing only), valid and split at the antimeridian.

    ``densified``: the reader already gave ``geom``'s long edges their geodesic
    vertices (lon/lat coordinates as read); ``source()`` is then the geometry
    as read, when that added any (None: ``geom`` is it).

    Returns (geometry or None if nothing is left, repairs made, problem or None).
    """
    if densified and (transformer is not None or not geodesic_edges):
        geom, densified = (source() if source is not None else geom), False
    if densified:
        done = _densified(geom, source)
        if done is not None:
            return done
        geom, densified = (source() if source is not None else geom), False
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if transformer is not None:
        try:
            geom = reproject(geom, transformer)
        except Exception as exc:  # noqa: BLE001 - pyproj raises several kinds
            return None, [], f"cannot reproject: {exc}"
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            return (
                None,
                [],
                (
                    "reprojection gave non-finite coordinates: the file's CRS does not fit "
                    "its coordinates"
                ),
            )
    geom, crossed, problem = _unwrap_antimeridian(geom)
    if problem:
        return None, [], problem
    problem = range_problem(geom, lat_only=crossed)
    if problem:
        return None, [], problem
    # edges are geodesics: long ones get vertices along them (before the repair, which
    # must see the edges the areas will measure; its message quotes the input's own
    # problem, with the input's coordinates)
    dense = densify(geom) if geodesic_edges else geom
    repairs = []
    geom, note = _repair_geodesic(dense, geom) if geodesic_edges else repair(geom)
    if note:
        repairs.append(note)
    if geom is not None and crossed:
        geom, note = _split_antimeridian(geom)
        repairs.append(note)
    return geom, repairs, None


def _densified(geom, source):
    """:func:`clean_geometry` of a geometry densified as it was read: the same steps
    but the densification, or None when it needs what that cannot give (longitudes
    to unwrap across the antimeridian: then the geometry as read is cleaned)."""
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    if not (-180 <= xmin and xmax <= 180 and xmax - xmin <= 180) or shapely.has_z(geom):
        return None
    if range_problem(geom):
        return None  # (the message quotes the extent as read)
    fixed, note = _repair_geodesic(geom, source if source is not None else geom)
    return fixed, [note] if note else [], None


def _repair_geodesic(dense, source):
    """:func:`repair` of a geometry whose long edges were densified (``source``: as
    read, or a function that builds it). Where it crosses itself, the edges there are
    cut finer first (:func:`.densify.refine_own`): the repair's new vertices then lie
    within 1 mm of where the geodesics cross, not 0.1 m. (A valid geometry is checked
    once: the check costs as much as reading a DeepState file.)"""
    if shapely.is_valid(dense):
        return dense, None
    return repair(refine_own(dense), source=source)


def repair(geom, source=None) -> tuple[shapely.Geometry | None, str | None]:
    """(valid polygonal geometry or None, repair message or None).

    ``source``: the geometry as it was read, when ``geom`` is its densified copy
    (or a function that builds it); the message then names the input's own
    problem."""
    if shapely.is_valid(geom):
        return geom, None
    if callable(source):
        source = source()
    with np.errstate(all="ignore"):  # GEOS arithmetic on near-degenerate rings
        if source is None or source is geom:
            reason = shapely.is_valid_reason(geom)
        elif not shapely.is_valid(source):
            reason = shapely.is_valid_reason(source)
        else:
            reason = (
                f"{shapely.is_valid_reason(geom)} once its long edges follow their geodesics"
            )
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    fixed, _ = polygonal_only(fixed)
    if fixed is not None and not shapely.is_valid(fixed):  # pragma: no cover - GEOS guarantees
        fixed = shapely.make_valid(fixed)
        fixed, _ = polygonal_only(fixed)
    if fixed is None or fixed.is_empty:
        return None, f"invalid polygon ({reason}) has no area left after repair; dropped"
    return fixed, f"invalid polygon ({reason}); repaired with make_valid"


# --------------------------------------------------------------------------
# The catalog: sources, factions, and reading per date
