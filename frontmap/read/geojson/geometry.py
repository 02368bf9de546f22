"""GeoJSON geometries, checked strictly and built as shapely geometries.

Coordinates must be numbers (``"37.5"``, ``true`` and ``null`` are errors),
nested as deep as their geometry type says, for every geometry type (a
malformed point is an error even though points are not territory). A ring
that is not closed is closed, rings with fewer than four positions are
dropped, Z and further ordinates are dropped; each repair is a note on the
feature.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ..densify import densify_coords
from .strict import (
    GeoJSONProblem,
    NonFinite,
    RepeatedKeys,
    bbox_problem,
    inspect_value,
    is_number,
    json_type,
    repeated_keys_message,
)

if TYPE_CHECKING:
    from .features import RawFeature

__all__ = [
    "GEOMETRY_TYPES",
    "POLYGONAL",
    "CoordinateHints",
    "PrebuiltCoordinates",
    "Undensified",
    "read_geometry",
    "read_polygon",
    "read_multipolygon",
    "unknown_type",
]

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
POLYGONAL = ("Polygon", "MultiPolygon")
_MAX_COLLECTION_DEPTH = 8
# members that give a geometry another GeoJSON type's meaning (RFC 7946, 7.1)
_NOT_ON_GEOMETRY = ("geometry", "properties", "features")


def unknown_type(kind: str, what: str) -> str:
    known = ("FeatureCollection", "Feature", *GEOMETRY_TYPES)
    for k in known:
        if k.lower() == kind.lower():
            return f"unknown type '{kind}' for {what} (types are case-sensitive: '{k}')"
    return f"unknown type {kind!r} for {what} (expected one of {', '.join(known)})"


@dataclass
class CoordinateHints:
    """What a file's (or a feature's) text says about its coordinates: whether
    booleans may hide among them (when its text holds no ``true``/``false``,
    the fast path need not look), and whether they are lon/lat WGS84 that
    nothing will reproject, so that long edges can get their geodesic vertices
    (:func:`frontmap.read.densify.densify_coords`) while the polygons are built,
    instead of taking the polygons apart again later."""

    maybe_bools: bool = True
    geodesic: bool = False
    #: the polygonal geometry last built with vertices added, as it was without them
    undensified: Undensified | None = None


class Undensified:
    """A polygonal geometry as read, before its long edges got vertices: built only
    when asked for (a repair message quotes the input's own problem)."""

    def __init__(self, coords: np.ndarray, ring: np.ndarray, owner: np.ndarray, multi: bool):
        self._parts = (coords, ring, owner, multi)

    def __call__(self) -> shapely.Geometry:
        coords, ring, owner, multi = self._parts
        return _assemble(coords, ring, owner, multi)


@dataclass
class PrebuiltCoordinates:
    """Polygonal coordinates already read and validated (from a feature too large to hold)."""

    geom: shapely.Geometry | None
    notes: list[str]
    error: str | None


_COORD_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


def read_geometry(g, raw: RawFeature, ctx: CoordinateHints, depth: int):
    """(kind, polygonal shapely geometry or None, dropped member count)."""
    if g is None:
        return None, None, 0
    if not isinstance(g, dict):
        raise GeoJSONProblem(f"'geometry' must be an object or null, not {json_type(g)}")
    if isinstance(g, RepeatedKeys):
        raise GeoJSONProblem(repeated_keys_message(g, "the geometry"))
    kind = g.get("type")
    if not isinstance(kind, str):
        raise GeoJSONProblem(
            "the geometry has no 'type' member"
            if kind is None
            else f"the geometry's 'type' must be a string, not {json_type(kind)}"
        )
    if kind not in GEOMETRY_TYPES:
        raise GeoJSONProblem(unknown_type(kind, "a geometry"))
    for key, value in g.items():
        if key in ("type", "coordinates", "geometries"):
            continue
        problem = inspect_value(value, f"the {kind}'s {key!r} member")
        if problem:
            raise GeoJSONProblem(problem)
    for key in _NOT_ON_GEOMETRY:
        if key in g:
            raw.warnings.append(f"a {kind} must not have a {key!r} member; ignored")
    if "bbox" in g:
        problem = bbox_problem(g["bbox"])
        if problem:
            raw.warnings.append(f"{kind}: {problem}")
    notes = raw.notes
    if kind == "GeometryCollection":
        geodesic, ctx.geodesic = ctx.geodesic, False  # (densified later, as a whole)
        try:
            return _collection(g, raw, ctx, depth)
        finally:
            ctx.geodesic = geodesic
    if "coordinates" not in g:
        raise GeoJSONProblem(f"the {kind} has no 'coordinates' member")
    coords = g["coordinates"]
    if isinstance(coords, PrebuiltCoordinates):  # read ring by ring from a large file
        notes.extend(coords.notes)
        if coords.error:
            raise GeoJSONProblem(coords.error)
        return kind, coords.geom, 0
    if not isinstance(coords, list):
        raise GeoJSONProblem(
            f"the {kind}'s 'coordinates' must be an array, not {json_type(coords)}"
        )
    if kind == "Polygon":
        return kind, read_polygon(coords, notes, "", ctx), 0
    if kind == "MultiPolygon":
        return kind, read_multipolygon(coords, notes, ctx), 0
    # points and lines are not territory, but their coordinates must be sound too
    _check_coordinates(coords, _COORD_DEPTH[kind], kind, ctx)
    return kind, None, 0


def _collection(g, raw: RawFeature, ctx: CoordinateHints, depth: int):
    """A GeometryCollection: (kind, its polygons as one geometry or None, dropped count)."""
    kind = "GeometryCollection"
    if depth >= _MAX_COLLECTION_DEPTH:
        raise GeoJSONProblem(
            f"GeometryCollections nested more than {_MAX_COLLECTION_DEPTH} deep"
        )
    members = g.get("geometries")
    if not isinstance(members, list):
        raise GeoJSONProblem("a GeometryCollection needs a 'geometries' array")
    polys, dropped = [], 0
    for j, m in enumerate(members):
        if not isinstance(m, dict) or m.get("type") in (None, "Feature", "FeatureCollection"):
            found = (
                json_type(m)
                if not isinstance(m, dict)
                else ("an object with no 'type'" if m.get("type") is None else m["type"])
            )
            raise GeoJSONProblem(
                f"a GeometryCollection may hold only geometry objects (member {j} is {found})"
            )
        try:
            mk, mg, md = read_geometry(m, raw, ctx, depth + 1)
        except GeoJSONProblem as exc:
            raise GeoJSONProblem(f"GeometryCollection member {j}: {exc}") from None
        dropped += md
        if mg is not None:
            polys.extend(shapely.get_parts(mg))
        elif mk not in POLYGONAL and mk != "GeometryCollection":
            dropped += 1
    geom = shapely.multipolygons(polys) if polys else None
    return kind, geom, dropped


def _check_coordinates(coords: list, depth: int, kind: str, ctx: CoordinateHints) -> None:
    """Validate the coordinates of a point or line geometry (depth 1 = one position)."""
    if not coords:
        return
    if depth == 1:
        _positions([coords], kind, ctx)
        return
    if depth == 2:
        if not isinstance(coords[0], list):
            raise GeoJSONProblem(
                f"{kind}: a number was found where a position [lon, lat] was expected "
                "(coordinates not nested deeply enough)"
            )
        _positions(coords, kind, ctx)
        return
    for j, part in enumerate(coords):
        if not isinstance(part, list):
            raise GeoJSONProblem(
                f"{kind}: part {j} is {json_type(part)}, not an array of positions "
                "(coordinates not nested deeply enough)"
            )
        if part:
            _positions(part, f"{kind} part {j}", ctx)


def read_polygon(rings, notes: list[str], where: str, ctx: CoordinateHints):
    """A Polygon from its rings (a list, or a LazyArray read from a large file)."""
    arrays = _polygon_rings(rings, notes, where, ctx)
    return None if arrays is None else _build([arrays], ctx, multi=False)


def _polygon_rings(rings, notes: list[str], where: str, ctx: CoordinateHints):
    """A polygon's rings as closed (n, 2) arrays, shell first (None: nothing left)."""
    out = []
    r = -1
    for r, ring in enumerate(rings):
        arr = _ring(ring, notes, f"{where}ring {r}", ctx)
        if arr is None:
            if r == 0:
                notes.append(f"{where}polygon dropped: its outer ring is degenerate")
                return None
            continue
        out.append(arr)
    if r < 0:
        notes.append(f"{where}empty polygon dropped")
        return None
    return out


def read_multipolygon(coords, notes: list[str], ctx: CoordinateHints):
    polys = []
    for j, pc in enumerate(coords):
        if not isinstance(pc, (list, Iterator)):
            raise GeoJSONProblem(
                f"polygon {j} of the MultiPolygon is {json_type(pc)}, not an array of rings "
                "(coordinates not nested deeply enough for a MultiPolygon)"
            )
        arrays = _polygon_rings(pc, notes, f"polygon {j}: ", ctx)
        if arrays is not None:
            polys.append(arrays)
    return _build(polys, ctx, multi=True) if polys else None


def _build(polys: list[list[np.ndarray]], ctx: CoordinateHints, multi: bool):
    """The Polygon (or MultiPolygon) of these rings, built in one go; with
    ``ctx.geodesic``, with vertices along the geodesics of long edges."""
    rings = [a for p in polys for a in p]
    sizes = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    coords = rings[0] if len(rings) == 1 else np.concatenate(rings)
    ring = np.repeat(np.arange(len(rings)), sizes)
    owner = np.repeat(np.arange(len(polys)), [len(p) for p in polys])
    if ctx.geodesic:
        dense = densify_coords(coords, ring)
        ctx.undensified = None
        if dense is not None:
            ctx.undensified = Undensified(coords, ring, owner, multi)
            coords, ring = dense
    return _assemble(coords, ring, owner, multi)


def _assemble(coords, ring, owner, multi: bool):
    polys = shapely.polygons(shapely.linearrings(coords, indices=ring), indices=owner)
    return shapely.multipolygons(polys) if multi else polys[0]


def _ring(ring, notes: list[str], where: str, ctx: CoordinateHints):
    if not isinstance(ring, list):
        raise GeoJSONProblem(
            f"{where} is {json_type(ring)}, not an array of positions "
            "(coordinates not nested deeply enough)"
        )
    if not ring:
        notes.append(f"{where}: empty ring dropped")
        return None
    arr, widths = _positions(ring, where, ctx)
    if widths[1] > 3:
        notes.append(f"{where}: positions with more than 3 values; extra values dropped")
    if widths[0] != widths[1]:
        notes.append(
            f"{where}: positions mix {widths[0]} and {widths[1]} values; only lon/lat are used"
        )
    if len(arr) >= 2 and not np.array_equal(arr[0], arr[-1]):
        notes.append(
            f"{where}: not closed (first position {_fmt(arr[0])}, last {_fmt(arr[-1])}); closed it"
        )
        arr = np.vstack([arr, arr[:1]])
    distinct = _distinct_up_to_3(arr)
    if len(arr) < 4 or distinct < 3:
        notes.append(
            f"{where}: degenerate ring ({len(arr)} positions, {distinct} distinct) dropped"
        )
        return None
    return arr


def _distinct_up_to_3(arr: np.ndarray) -> int:
    """How many distinct positions a ring has, counting no further than 3 (O(n))."""
    if len(arr) >= 3:
        a, b, c = arr[:3].tolist()  # (almost every ring: its first three differ)
        if a != b and c != a and c != b:
            return 3
    differs = (arr != arr[0]).any(axis=1)
    if not differs.any():
        return 1
    second = arr[int(np.argmax(differs))]
    third = differs & (arr != second).any(axis=1)
    return 3 if third.any() else 2


def _positions(seq: list, where: str, ctx: CoordinateHints) -> tuple[np.ndarray, tuple[int, int]]:
    """A list of positions as an (n, 2) float array, and the (min, max) position length."""
    try:
        arr = np.array(seq)
    except (ValueError, OverflowError, TypeError, RecursionError):
        arr = None
    if (
        arr is None
        or arr.dtype.kind not in "fiu"
        or arr.ndim != 2
        or arr.shape[1] < 2
        or (ctx.maybe_bools and _has_bool(seq))
    ):
        return _positions_slow(seq, where)
    xy = np.ascontiguousarray(arr[:, :2], dtype=float)
    if not np.isfinite(xy).all():  # pragma: no cover - JSON cannot produce these here
        return _positions_slow(seq, where)
    return xy, (arr.shape[1], arr.shape[1])


def _has_bool(seq: list) -> bool:
    return any(type(v) is bool for pos in seq for v in pos)


def _positions_slow(seq: list, where: str) -> tuple[np.ndarray, tuple[int, int]]:
    out = []
    lo, hi = 99, 0
    for k, pos in enumerate(seq):
        if not isinstance(pos, list):
            if is_number(pos):
                raise GeoJSONProblem(
                    f"{where}: a number was found where a position [lon, lat] was expected "
                    "(coordinates not nested deeply enough)"
                )
            raise GeoJSONProblem(
                f"{where}, position {k}: not an array [lon, lat] but {json_type(pos)}"
            )
        vals = [_coordinate(v, where, k) for v in pos]
        if len(vals) < 2:
            raise GeoJSONProblem(
                f"{where}, position {k}: needs at least two numbers [lon, lat], found {len(vals)}"
            )
        vals = vals[:2]
        lo, hi = min(lo, len(pos)), max(hi, len(pos))
        out.append(vals)
    return np.array(out, dtype=float).reshape(-1, 2), (lo, hi)


def _coordinate(v, where: str, k: int) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if isinstance(v, NonFinite):
            raise GeoJSONProblem(f"{where}, position {k}: {v.problem()}")
        if isinstance(v, str):
            raise GeoJSONProblem(
                f"{where}, position {k}: coordinate {v[:40]!r} is a string; "
                "coordinates must be JSON numbers (remove the quotes)"
            )
        if isinstance(v, list):
            raise GeoJSONProblem(
                f"{where}, position {k}: an array was found where a number was expected "
                "(coordinates nested too deeply for this geometry type)"
            )
        raise GeoJSONProblem(
            f"{where}, position {k}: a coordinate must be a number, not {json_type(v)}"
        )
    try:
        fv = float(v)
    except OverflowError:
        fv = math.inf
    if not math.isfinite(fv):
        raise GeoJSONProblem(
            f"{where}, position {k}: a coordinate is too large for a 64-bit float "
            "(it overflows to infinity)"
        )
    return fv


def _fmt(p) -> str:
    return f"[{p[0]:g}, {p[1]:g}]"
