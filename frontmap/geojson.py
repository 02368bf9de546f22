"""A strict GeoJSON reader (part of reading).

GDAL reads GeoJSON forgivingly: it accepts NaN, closes rings silently and
turns numeric strings into numbers. Territory numbers must not rest on
guesses, so GeoJSON files are parsed here, strictly:

* the file must be UTF-8 (a byte-order mark is accepted) and strict JSON:
  ``NaN``, ``Infinity`` and numbers that overflow to infinity are errors;
* absurd nesting is an error, not a crash;
* duplicate keys in one object are errors (the meaning would be ambiguous);
* coordinates must be numbers (``"37.5"`` is an error);
* a ring that is not closed is closed and the repair is reported;
* rings with fewer than four positions are dropped and reported;
* Z (and any further ordinates) are dropped.

Problems with one feature are reported on that feature and the rest of the
file is still read; problems with the file as a whole raise ``DataError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely

from .errors import DataError

__all__ = ["RawFeature", "parse_geojson", "parse_crs_member", "GEOMETRY_TYPES"]

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
_POLYGONAL = ("Polygon", "MultiPolygon")
_MAX_COLLECTION_DEPTH = 8


@dataclass
class RawFeature:
    """One feature as read from a file, before faction and date are decided."""

    index: int
    fid: object = None
    props: dict = field(default_factory=dict)
    geom: shapely.Geometry | None = None
    #: the geometry type found in the file ("Polygon", "Point", ... or None)
    kind: str | None = None
    #: repairs made while reading (ring closed, degenerate ring dropped, ...)
    notes: list[str] = field(default_factory=list)
    #: why the feature cannot be used, or None
    error: str | None = None
    #: number of non-polygon members dropped from a GeometryCollection
    dropped_members: int = 0

    @property
    def label(self) -> str:
        """How messages name this feature: its index, and its id when it has one."""
        if self.fid is not None and self.fid != "":
            return f"{self.index} (id {self.fid!r})"
        return str(self.index)


class _GeoJSONProblem(Exception):
    pass


def _reject_constant(name):
    raise _GeoJSONProblem(f"'{name}' is not allowed in JSON (use null or a real number)")


def _pairs_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen, dup = set(), []
        for k, _ in pairs:
            if k in seen:
                dup.append(k)
            seen.add(k)
        raise _GeoJSONProblem(
            f"an object repeats the key(s) {', '.join(repr(d) for d in dup)}; "
            "its meaning is ambiguous"
        )
    return obj


def _load_json(data: bytes, name: str):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); GeoJSON must be UTF-8", file=name
        ) from None
    if not text.strip():
        raise DataError("the file is empty; expected a GeoJSON object", file=name)
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_hook)
    except _GeoJSONProblem as exc:
        raise DataError(f"not strict JSON: {exc}", file=name) from None
    except RecursionError:
        raise DataError(
            "not usable JSON: arrays or objects are nested far too deeply", file=name
        ) from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", file=name
        ) from None
    except ValueError as exc:  # e.g. integers with too many digits
        raise DataError(f"not usable JSON: {exc}", file=name) from None


def parse_crs_member(crs) -> str | None:
    """The old GeoJSON ``crs`` member as a string pyproj understands (None = WGS84 lon/lat)."""
    if crs is None:
        return None
    if not isinstance(crs, dict):
        raise _GeoJSONProblem("the 'crs' member must be an object")
    props = crs.get("properties") or {}
    kind = crs.get("type")
    if kind == "name" and isinstance(props.get("name"), str):
        name = props["name"].strip()
        low = name.lower()
        if low.endswith("crs84") or low.endswith("crs:84"):
            return None
        return name
    if kind == "EPSG" and isinstance(props.get("code"), (int, str)):
        return f"EPSG:{props['code']}"
    if kind in ("link", "url"):
        raise _GeoJSONProblem(
            "a linked 'crs' member cannot be resolved offline; "
            "reproject the file to EPSG:4326 or use a named CRS"
        )
    raise _GeoJSONProblem(f"unrecognised 'crs' member {json.dumps(crs)[:80]}")


def parse_geojson(data: bytes, name: str) -> tuple[str | None, Iterator[RawFeature]]:
    """Parse GeoJSON bytes.

    Returns the CRS named by the file's ``crs`` member (None for lon/lat WGS84)
    and an iterator over its features. Raises DataError for problems with the
    file as a whole.
    """
    doc = _load_json(data, name)
    if not isinstance(doc, dict):
        raise DataError(
            f"the root of a GeoJSON file must be an object, not {_json_type(doc)}", file=name
        )
    kind = doc.get("type")
    if kind is None:
        raise DataError("the root object has no 'type' member; is this GeoJSON?", file=name)
    if not isinstance(kind, str):
        raise DataError(f"'type' must be a string, not {_json_type(kind)}", file=name)
    try:
        crs = parse_crs_member(doc.get("crs"))
    except _GeoJSONProblem as exc:
        raise DataError(str(exc), file=name) from None
    if kind == "FeatureCollection":
        if "features" not in doc:
            raise DataError("a FeatureCollection needs a 'features' member", file=name)
        feats = doc["features"]
        if not isinstance(feats, list):
            raise DataError(f"'features' must be an array, not {_json_type(feats)}", file=name)
        return crs, (_feature(i, f) for i, f in enumerate(feats))
    if kind == "Feature":
        return crs, iter([_feature(0, doc)])
    if kind in GEOMETRY_TYPES:
        return crs, iter([_feature(0, {"type": "Feature", "properties": {}, "geometry": doc})])
    raise DataError(_unknown_type(kind, "a GeoJSON object"), file=name)


def _unknown_type(kind: str, what: str) -> str:
    known = ("FeatureCollection", "Feature", *GEOMETRY_TYPES)
    for k in known:
        if k.lower() == kind.lower():
            return f"unknown type '{kind}' for {what} (types are case-sensitive: '{k}')"
    return f"unknown type '{kind}' for {what}"


def _json_type(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def _feature(i: int, f) -> RawFeature:
    raw = RawFeature(index=i)
    if not isinstance(f, dict):
        raw.error = f"every feature must be an object, found {_json_type(f)}"
        return raw
    raw.fid = f.get("id")
    if f.get("type") != "Feature":
        t = f.get("type")
        raw.error = (
            'has no \'type\' member; a feature needs "type": "Feature"'
            if t is None
            else f"has type {t!r} where 'Feature' was expected"
        )
        return raw
    props = f.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raw.error = f"'properties' must be an object or null, not {_json_type(props)}"
        return raw
    for key, value in props.items():
        if isinstance(value, float) and not math.isfinite(value):
            raw.error = f"property {key!r} is a number too large for a float ({value})"
            return raw
    raw.props = props
    if "geometry" not in f:
        raw.error = "has no 'geometry' member (use \"geometry\": null for none)"
        return raw
    try:
        raw.kind, raw.geom, raw.dropped_members = _geometry(f["geometry"], raw.notes, 0)
    except _GeoJSONProblem as exc:
        raw.error = str(exc)
    return raw


def _geometry(g, notes: list[str], depth: int):
    """(kind, polygonal shapely geometry or None, dropped member count)."""
    if g is None:
        return None, None, 0
    if not isinstance(g, dict):
        raise _GeoJSONProblem(f"'geometry' must be an object or null, not {_json_type(g)}")
    kind = g.get("type")
    if not isinstance(kind, str):
        raise _GeoJSONProblem("the geometry has no string 'type' member")
    if kind not in GEOMETRY_TYPES:
        raise _GeoJSONProblem(_unknown_type(kind, "a geometry"))
    if kind == "GeometryCollection":
        if depth >= _MAX_COLLECTION_DEPTH:
            raise _GeoJSONProblem("GeometryCollections nested too deeply")
        members = g.get("geometries")
        if not isinstance(members, list):
            raise _GeoJSONProblem("a GeometryCollection needs a 'geometries' array")
        polys, dropped = [], 0
        for m in members:
            if not isinstance(m, dict) or m.get("type") in (None, "Feature", "FeatureCollection"):
                raise _GeoJSONProblem("a GeometryCollection may hold only geometry objects")
            mk, mg, md = _geometry(m, notes, depth + 1)
            dropped += md
            if mg is not None:
                polys.extend(shapely.get_parts(mg))
            elif mk not in _POLYGONAL:
                dropped += 1
        geom = shapely.multipolygons(polys) if polys else None
        return kind, geom, dropped
    if "coordinates" not in g:
        raise _GeoJSONProblem(f"the {kind} has no 'coordinates' member")
    coords = g["coordinates"]
    if not isinstance(coords, list):
        raise _GeoJSONProblem(f"'coordinates' must be an array, not {_json_type(coords)}")
    if kind == "Polygon":
        poly = _polygon(coords, notes, "")
        return kind, poly, 0
    if kind == "MultiPolygon":
        polys = []
        for j, pc in enumerate(coords):
            if not isinstance(pc, list):
                raise _GeoJSONProblem(
                    f"polygon {j} of the MultiPolygon is {_json_type(pc)}, not an array of rings"
                )
            p = _polygon(pc, notes, f"polygon {j}: ")
            if p is not None:
                polys.append(p)
        return kind, (shapely.multipolygons(polys) if polys else None), 0
    # points and lines are skipped by the reader; check their nesting only lightly
    depth_wanted = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2}[kind]
    probe = coords
    for _ in range(depth_wanted):
        if not probe:
            break
        if not isinstance(probe[0], list):
            raise _GeoJSONProblem(
                f"{kind} coordinates are not nested deeply enough "
                "(a number was found where an array was expected)"
            )
        probe = probe[0]
    return kind, None, 0


def _polygon(rings, notes: list[str], where: str):
    if not rings:
        notes.append(f"{where}empty polygon dropped")
        return None
    shell = None
    holes = []
    for r, ring in enumerate(rings):
        arr = _ring(ring, notes, f"{where}ring {r}")
        if arr is None:
            if r == 0:
                notes.append(f"{where}polygon dropped: its outer ring is degenerate")
                return None
            continue
        if r == 0:
            shell = arr
        else:
            holes.append(arr)
    return shapely.Polygon(shell, holes)


def _ring(ring, notes: list[str], where: str):
    if not isinstance(ring, list):
        raise _GeoJSONProblem(
            f"{where} is {_json_type(ring)}, not an array of positions "
            "(coordinates not nested deeply enough)"
        )
    if not ring:
        notes.append(f"{where}: empty ring dropped")
        return None
    try:
        arr = np.array(ring)
    except (ValueError, OverflowError, TypeError):
        arr = None
    if arr is None or arr.dtype.kind not in "fiu" or arr.ndim != 2:
        arr = _ring_slow(ring, where)
    if arr.shape[1] < 2:
        raise _GeoJSONProblem(f"{where}: positions need at least two numbers")
    if arr.shape[1] > 3:
        notes.append(f"{where}: positions with more than 3 values; extra values dropped")
    arr = np.ascontiguousarray(arr[:, :2], dtype=float)
    if not np.isfinite(arr).all():
        raise _GeoJSONProblem(f"{where}: a coordinate is not a finite number")
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
    differs = (arr != arr[0]).any(axis=1)
    if not differs.any():
        return 1
    second = arr[int(np.argmax(differs))]
    third = differs & (arr != second).any(axis=1)
    return 3 if third.any() else 2


def _fmt(p) -> str:
    return f"[{p[0]:g}, {p[1]:g}]"


def _ring_slow(ring, where: str) -> np.ndarray:
    out = []
    for k, pos in enumerate(ring):
        if not isinstance(pos, list):
            if isinstance(pos, (int, float)) and not isinstance(pos, bool):
                raise _GeoJSONProblem(
                    f"{where}: a number was found where a position [lon, lat] was expected "
                    "(coordinates not nested deeply enough)"
                )
            raise _GeoJSONProblem(f"{where}, position {k}: not an array but {_json_type(pos)}")
        if len(pos) < 2:
            raise _GeoJSONProblem(f"{where}, position {k}: needs at least [lon, lat]")
        vals = []
        for v in pos:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                if isinstance(v, str):
                    raise _GeoJSONProblem(
                        f"{where}, position {k}: coordinate {v!r} is a string; "
                        "coordinates must be JSON numbers"
                    )
                if isinstance(v, list):
                    raise _GeoJSONProblem(
                        f"{where}, position {k}: coordinates nested too deeply for this type"
                    )
                raise _GeoJSONProblem(
                    f"{where}, position {k}: coordinate must be a number, not {_json_type(v)}"
                )
            try:
                fv = float(v)
            except OverflowError:
                raise _GeoJSONProblem(
                    f"{where}, position {k}: number too large for a coordinate"
                ) from None
            vals.append(fv)
        out.append(vals[:3] if len(vals) <= 3 else vals)
    width = max(len(v) for v in out)
    if width > 3:
        out = [v[:4] + [0.0] * (4 - len(v)) if len(v) < 4 else v[:4] for v in out]
    else:
        out = [v[:2] for v in out]
    return np.array(out, dtype=float)
