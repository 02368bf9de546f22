"""A strict GeoJSON reader (part of reading).

GDAL reads GeoJSON forgivingly: it accepts NaN, closes rings silently and
turns numeric strings into numbers. Territory numbers must not rest on
guesses, so GeoJSON files are parsed here, strictly:

* the file must be UTF-8 (a byte-order mark is accepted) and strict JSON:
  ``NaN``, ``Infinity`` and numbers that overflow to infinity are errors;
* absurd nesting is an error, not a crash (values nested more than
  :data:`MAX_DEPTH` levels, or deeper than Python's parser can go);
* duplicate keys in one object are errors (the meaning would be ambiguous);
* coordinates must be numbers (``"37.5"``, ``true`` and ``null`` are errors),
  nested as deep as their geometry type says, for every geometry type (a
  malformed point is an error even though points are not territory);
* a ring that is not closed is closed and the repair is reported;
* rings with fewer than four positions are dropped and reported;
* Z (and any further ordinates) are dropped;
* things that are wrong but harmless to territory (a malformed ``bbox``, an
  ``id`` that is neither a string nor a number, members that would change a
  Feature's meaning, such as ``"features"`` on a Feature) are warnings.

Problems with one feature are reported on that feature and the rest of the
file is still read; problems with the file as a whole raise ``DataError``.

Files larger than :data:`STREAM_THRESHOLD` bytes are read feature by feature
(:func:`read_geojson`): the same C JSON parser, with the same strictness
hooks, decodes one feature at a time from a sliding text window, so a 200 MB
file never exists in memory as one string or one object tree.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .errors import DataError

__all__ = [
    "RawFeature",
    "GeoJSONFile",
    "parse_geojson",
    "read_geojson",
    "parse_crs_member",
    "GEOMETRY_TYPES",
    "MAX_DEPTH",
    "STREAM_THRESHOLD",
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
_POLYGONAL = ("Polygon", "MultiPolygon")
_MAX_COLLECTION_DEPTH = 8
#: deepest nesting of arrays and objects accepted outside coordinates
MAX_DEPTH = 64
#: files at least this large (bytes) are parsed feature by feature
STREAM_THRESHOLD = 16 * 1024 * 1024
#: bytes read at a time when streaming
STREAM_CHUNK = 4 * 1024 * 1024

# members that give an object another GeoJSON type's meaning (RFC 7946, 7.1)
_NOT_ON_FEATURE = ("features", "coordinates", "geometries")
_NOT_ON_GEOMETRY = ("geometry", "properties", "features")
_NOT_ON_COLLECTION = ("coordinates", "geometries", "geometry", "properties")


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
    #: things wrong with the feature that do not change its territory
    warnings: list[str] = field(default_factory=list)
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


@dataclass
class GeoJSONFile:
    """A parsed GeoJSON file: its CRS, its features (an iterator) and file-level warnings.

    ``warnings`` may grow while ``features`` is consumed (a streamed file's
    members after ``"features"`` are only seen at the end).
    """

    crs: str | None
    features: Iterator[RawFeature]
    warnings: list[str] = field(default_factory=list)

    def __iter__(self):  # (crs, features), as parse_geojson used to return
        return iter((self.crs, self.features))


class _GeoJSONProblem(Exception):
    pass


class _Dup(dict):
    """An object that repeated a key (the later value won); reported where it is found."""

    __slots__ = ("dups",)


class _NonFinite:
    """``NaN``, ``Infinity`` or ``-Infinity`` in the text: not JSON. Parsed as this marker
    so that the feature holding it is named; every check below refuses it."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def problem(self) -> str:
        return f"{self.name} is not allowed in JSON (use null, or a real number)"


_CONSTANTS = {n: _NonFinite(n) for n in ("NaN", "Infinity", "-Infinity")}


def _reject_constant(name):
    return _CONSTANTS[name]


def _pairs_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen, dup = set(), []
        for k, _ in pairs:
            if k in seen and k not in dup:
                dup.append(k)
            seen.add(k)
        obj = _Dup(obj)
        obj.dups = dup
    return obj


def _dup_message(obj: _Dup, what: str) -> str:
    keys = ", ".join(repr(d) for d in obj.dups)
    return (
        f"{what} repeats the key(s) {keys}; its meaning is ambiguous "
        "(remove the duplicates and keep the value you mean)"
    )


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_pairs_hook)


def _json_error(exc: json.JSONDecodeError) -> str:
    return (
        f"not valid JSON: {_msg(exc.msg)} at line {exc.lineno}, column {exc.colno} "
        "(the file is damaged or truncated; re-export or re-download it)"
    )


def _msg(msg: str) -> str:
    return msg[:-3] if msg.endswith(" at") else msg  # "Unterminated string starting at"


_NESTED_TOO_DEEP = (
    "not usable JSON: arrays or objects are nested far too deeply (is this really a GeoJSON file?)"
)


def _load_json(data: bytes, name: str):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); GeoJSON must be UTF-8: "
            "re-save the file as UTF-8",
            file=name,
        ) from None
    if not text.strip():
        raise DataError("the file is empty; expected a GeoJSON object", file=name)
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_hook)
    except _GeoJSONProblem as exc:
        raise DataError(f"not strict JSON: {exc}", file=name) from None
    except RecursionError:
        raise DataError(_NESTED_TOO_DEEP, file=name) from None
    except json.JSONDecodeError as exc:
        raise DataError(_json_error(exc), file=name) from None
    except ValueError as exc:  # e.g. integers with too many digits
        raise DataError(f"not usable JSON: {exc}", file=name) from None


_SUSPECT = (list, dict, _Dup, float, _NonFinite)


def _inspect(value, what: str, depth: int = 0) -> str | None:
    """The first strictness problem in a parsed JSON value (iteratively: no recursion).

    Non-finite numbers (overflow), repeated keys, nesting deeper than MAX_DEPTH.
    """
    stack = [(value, depth)]
    while stack:
        v, d = stack.pop()
        t = type(v)
        if t is _NonFinite:
            return (
                f"{what} holds {v.name}, which is not allowed in JSON (use null, or a real number)"
            )
        if t is float:
            if not math.isfinite(v):
                return (
                    f"{what} holds a number too large for a 64-bit float (it overflows to infinity)"
                )
        elif t is list:
            if d >= MAX_DEPTH:
                return f"{what} is nested more than {MAX_DEPTH} levels deep"
            stack.extend((x, d + 1) for x in v if type(x) in _SUSPECT)
        elif t is dict or t is _Dup:
            if t is _Dup:
                return _dup_message(v, f"{what} holds an object that")
            if d >= MAX_DEPTH:
                return f"{what} is nested more than {MAX_DEPTH} levels deep"
            stack.extend((x, d + 1) for x in v.values() if type(x) in _SUSPECT)
    return None


def _bbox_problem(bbox) -> str | None:
    if (
        isinstance(bbox, list)
        and len(bbox) in (4, 6)
        and all(_is_number(v) and math.isfinite(v) for v in bbox)
    ):
        return None
    if isinstance(bbox, list):
        found = f"an array of {len(bbox)} element(s)"
        if not all(_is_number(v) for v in bbox):
            found += ", not all numbers"
    else:
        found = _json_type(bbox)
    return f"'bbox' must be an array of 4 (or 6, with heights) numbers, not {found}; ignored"


def _is_number(v) -> bool:
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def parse_crs_member(crs) -> str | None:
    """The old GeoJSON ``crs`` member as a string pyproj understands (None = WGS84 lon/lat)."""
    if crs is None:
        return None
    if not isinstance(crs, dict):
        raise _GeoJSONProblem(f"the 'crs' member must be an object, not {_json_type(crs)}")
    problem = _inspect(crs, "the 'crs' member")
    if problem:
        raise _GeoJSONProblem(problem)
    props = crs.get("properties") or {}
    if not isinstance(props, dict):
        props = {}
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
    raise _GeoJSONProblem(
        f"unrecognised 'crs' member {json.dumps(crs)[:80]}; "
        'use a named CRS ({"type": "name", ...}) or reproject the file to EPSG:4326'
    )


@dataclass
class _Ctx:
    """What a file's features share: whether booleans may hide among coordinates."""

    maybe_bools: bool = True


def _root(doc: dict, name: str) -> tuple[str, str | None, list[str]]:
    """Check a root object's members (except the features): (type, crs, warnings)."""
    if isinstance(doc, _Dup):
        raise DataError(_dup_message(doc, "the root object"), file=name)
    kind = doc.get("type")
    if kind is None:
        raise DataError("the root object has no 'type' member; is this GeoJSON?", file=name)
    if not isinstance(kind, str):
        raise DataError(
            f"the root 'type' must be a string such as \"FeatureCollection\", "
            f"not {_json_type(kind)}",
            file=name,
        )
    warnings = []
    if kind == "FeatureCollection":
        for key, value in doc.items():
            if key in ("features", "type"):
                continue
            problem = _inspect(value, f"the {key!r} member")
            if problem:
                raise DataError(problem, file=name)
        for key in _NOT_ON_COLLECTION:
            if key in doc:
                warnings.append(
                    f"the FeatureCollection has a {key!r} member, which only "
                    f"{'Features' if key in ('geometry', 'properties') else 'geometries'} "
                    "have; ignored"
                )
        if "bbox" in doc:
            problem = _bbox_problem(doc["bbox"])
            if problem:
                warnings.append(problem)
    try:
        crs = parse_crs_member(doc.get("crs"))
    except _GeoJSONProblem as exc:
        raise DataError(str(exc), file=name) from None
    return kind, crs, warnings


def parse_geojson(data: bytes, name: str) -> GeoJSONFile:
    """Parse GeoJSON bytes.

    Returns a :class:`GeoJSONFile`: the CRS named by the file's ``crs``
    member (None for lon/lat WGS84), an iterator over its features and the
    file's warnings. Raises DataError for problems with the file as a whole.
    """
    doc = _load_json(data, name)
    ctx = _Ctx(maybe_bools=b"true" in data or b"false" in data)
    if not isinstance(doc, dict):
        problem = _inspect(doc, "the file")
        if problem:
            raise DataError(f"not strict JSON: {problem}", file=name)
        raise DataError(
            f"the root of a GeoJSON file must be an object, not {_json_type(doc)}", file=name
        )
    kind, crs, warnings = _root(doc, name)
    if kind == "FeatureCollection":
        if "features" not in doc:
            raise DataError("a FeatureCollection needs a 'features' member", file=name)
        feats = doc["features"]
        if not isinstance(feats, list):
            raise DataError(f"'features' must be an array, not {_json_type(feats)}", file=name)
        return GeoJSONFile(crs, (_feature(i, f, ctx) for i, f in enumerate(feats)), warnings)
    return GeoJSONFile(crs, iter([_single(doc, kind, name, ctx)]), warnings)


def _single(doc: dict, kind: str, name: str, ctx: _Ctx) -> RawFeature:
    """The one feature of a file whose root is a Feature or a bare geometry."""
    if kind == "Feature":
        return _feature(0, doc, ctx)
    if kind in GEOMETRY_TYPES:
        return _feature(0, {"type": "Feature", "properties": {}, "geometry": doc}, ctx)
    raise DataError(_unknown_type(kind, "a GeoJSON object"), file=name)


def _unknown_type(kind: str, what: str) -> str:
    known = ("FeatureCollection", "Feature", *GEOMETRY_TYPES)
    for k in known:
        if k.lower() == kind.lower():
            return f"unknown type '{kind}' for {what} (types are case-sensitive: '{k}')"
    return f"unknown type {kind!r} for {what} (expected one of {', '.join(known)})"


def _json_type(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, _NonFinite):
        return v.name
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def _feature(i: int, f, ctx: _Ctx) -> RawFeature:
    raw = RawFeature(index=i)
    if not isinstance(f, dict):
        raw.error = f"every feature must be an object, found {_json_type(f)}"
        return raw
    fid = f.get("id")
    if fid is None or isinstance(fid, str) or (_is_number(fid) and math.isfinite(fid)):
        raw.fid = fid
    elif not (isinstance(fid, float) and not math.isfinite(fid)):
        raw.warnings.append(f"'id' must be a string or a number, not {_json_type(fid)}; ignored")
    if isinstance(f, _Dup):
        raw.error = _dup_message(f, "the feature")
        return raw
    if f.get("type") != "Feature":
        t = f.get("type")
        raw.error = (
            'has no \'type\' member; a feature needs "type": "Feature"'
            if t is None
            else f"has type {t!r} where 'Feature' was expected"
        )
        return raw
    props = f.get("properties")
    if "properties" not in f:
        raw.warnings.append(
            "has no 'properties' member (a Feature needs one: null when it has none)"
        )
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raw.error = f"'properties' must be an object or null, not {_json_type(props)}"
        return raw
    if isinstance(props, _Dup):
        raw.error = _dup_message(props, "'properties'")
        return raw
    for key, value in props.items():
        if type(value) in _SUSPECT:
            problem = _inspect(value, f"property {key!r}", 1)
            if problem:
                raw.error = problem
                return raw
    raw.props = props
    for key, value in f.items():
        if key in ("type", "properties", "geometry"):
            continue
        problem = _inspect(value, f"the feature's {key!r} member")
        if problem:
            raw.error = problem
            return raw
    for key in _NOT_ON_FEATURE:
        if key in f:
            raw.warnings.append(
                f"a Feature must not have a {key!r} member (it would change its meaning); ignored"
            )
    if "bbox" in f:
        problem = _bbox_problem(f["bbox"])
        if problem:
            raw.warnings.append(problem)
    if "geometry" not in f:
        raw.error = "has no 'geometry' member (use \"geometry\": null for none)"
        return raw
    try:
        raw.kind, raw.geom, raw.dropped_members = _geometry(f["geometry"], raw, ctx, 0)
    except _GeoJSONProblem as exc:
        raw.error = str(exc)
    return raw


_COORD_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


def _geometry(g, raw: RawFeature, ctx: _Ctx, depth: int):
    """(kind, polygonal shapely geometry or None, dropped member count)."""
    if g is None:
        return None, None, 0
    if not isinstance(g, dict):
        raise _GeoJSONProblem(f"'geometry' must be an object or null, not {_json_type(g)}")
    if isinstance(g, _Dup):
        raise _GeoJSONProblem(_dup_message(g, "the geometry"))
    kind = g.get("type")
    if not isinstance(kind, str):
        raise _GeoJSONProblem(
            "the geometry has no 'type' member"
            if kind is None
            else f"the geometry's 'type' must be a string, not {_json_type(kind)}"
        )
    if kind not in GEOMETRY_TYPES:
        raise _GeoJSONProblem(_unknown_type(kind, "a geometry"))
    for key, value in g.items():
        if key in ("type", "coordinates", "geometries"):
            continue
        problem = _inspect(value, f"the {kind}'s {key!r} member")
        if problem:
            raise _GeoJSONProblem(problem)
    for key in _NOT_ON_GEOMETRY:
        if key in g:
            raw.warnings.append(f"a {kind} must not have a {key!r} member; ignored")
    if "bbox" in g:
        problem = _bbox_problem(g["bbox"])
        if problem:
            raw.warnings.append(f"{kind}: {problem}")
    notes = raw.notes
    if kind == "GeometryCollection":
        if depth >= _MAX_COLLECTION_DEPTH:
            raise _GeoJSONProblem(
                f"GeometryCollections nested more than {_MAX_COLLECTION_DEPTH} deep"
            )
        members = g.get("geometries")
        if not isinstance(members, list):
            raise _GeoJSONProblem("a GeometryCollection needs a 'geometries' array")
        polys, dropped = [], 0
        for j, m in enumerate(members):
            if not isinstance(m, dict) or m.get("type") in (None, "Feature", "FeatureCollection"):
                found = (
                    _json_type(m)
                    if not isinstance(m, dict)
                    else ("an object with no 'type'" if m.get("type") is None else m["type"])
                )
                raise _GeoJSONProblem(
                    f"a GeometryCollection may hold only geometry objects (member {j} is {found})"
                )
            try:
                mk, mg, md = _geometry(m, raw, ctx, depth + 1)
            except _GeoJSONProblem as exc:
                raise _GeoJSONProblem(f"GeometryCollection member {j}: {exc}") from None
            dropped += md
            if mg is not None:
                polys.extend(shapely.get_parts(mg))
            elif mk not in _POLYGONAL and mk != "GeometryCollection":
                dropped += 1
        geom = shapely.multipolygons(polys) if polys else None
        return kind, geom, dropped
    if "coordinates" not in g:
        raise _GeoJSONProblem(f"the {kind} has no 'coordinates' member")
    coords = g["coordinates"]
    if isinstance(coords, _Built):  # read ring by ring from a large file
        notes.extend(coords.notes)
        if coords.error:
            raise _GeoJSONProblem(coords.error)
        return kind, coords.geom, 0
    if not isinstance(coords, list):
        raise _GeoJSONProblem(
            f"the {kind}'s 'coordinates' must be an array, not {_json_type(coords)}"
        )
    if kind == "Polygon":
        return kind, _polygon(coords, notes, "", ctx), 0
    if kind == "MultiPolygon":
        return kind, _multipolygon(coords, notes, ctx), 0
    # points and lines are not territory, but their coordinates must be sound too
    _check_coordinates(coords, _COORD_DEPTH[kind], kind, ctx)
    return kind, None, 0


def _check_coordinates(coords: list, depth: int, kind: str, ctx: _Ctx) -> None:
    """Validate the coordinates of a point or line geometry (depth 1 = one position)."""
    if not coords:
        return
    if depth == 1:
        _positions([coords], kind, ctx)
        return
    if depth == 2:
        if not isinstance(coords[0], list):
            raise _GeoJSONProblem(
                f"{kind}: a number was found where a position [lon, lat] was expected "
                "(coordinates not nested deeply enough)"
            )
        _positions(coords, kind, ctx)
        return
    for j, part in enumerate(coords):
        if not isinstance(part, list):
            raise _GeoJSONProblem(
                f"{kind}: part {j} is {_json_type(part)}, not an array of positions "
                "(coordinates not nested deeply enough)"
            )
        if part:
            _positions(part, f"{kind} part {j}", ctx)


def _polygon(rings, notes: list[str], where: str, ctx: _Ctx):
    """A Polygon from its rings (a list, or a _LazyArray read from a large file)."""
    shell = None
    holes = []
    r = -1
    for r, ring in enumerate(rings):
        arr = _ring(ring, notes, f"{where}ring {r}", ctx)
        if arr is None:
            if r == 0:
                notes.append(f"{where}polygon dropped: its outer ring is degenerate")
                return None
            continue
        if r == 0:
            shell = arr
        else:
            holes.append(arr)
    if r < 0:
        notes.append(f"{where}empty polygon dropped")
        return None
    return shapely.Polygon(shell, holes)


def _multipolygon(coords, notes: list[str], ctx: _Ctx):
    polys = []
    for j, pc in enumerate(coords):
        if not isinstance(pc, (list, _LazyArray)):
            raise _GeoJSONProblem(
                f"polygon {j} of the MultiPolygon is {_json_type(pc)}, not an array of rings "
                "(coordinates not nested deeply enough for a MultiPolygon)"
            )
        p = _polygon(pc, notes, f"polygon {j}: ", ctx)
        if p is not None:
            polys.append(p)
    return shapely.multipolygons(polys) if polys else None


def _ring(ring, notes: list[str], where: str, ctx: _Ctx):
    if not isinstance(ring, list):
        raise _GeoJSONProblem(
            f"{where} is {_json_type(ring)}, not an array of positions "
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
    differs = (arr != arr[0]).any(axis=1)
    if not differs.any():
        return 1
    second = arr[int(np.argmax(differs))]
    third = differs & (arr != second).any(axis=1)
    return 3 if third.any() else 2


def _positions(seq: list, where: str, ctx: _Ctx) -> tuple[np.ndarray, tuple[int, int]]:
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
            if _is_number(pos):
                raise _GeoJSONProblem(
                    f"{where}: a number was found where a position [lon, lat] was expected "
                    "(coordinates not nested deeply enough)"
                )
            raise _GeoJSONProblem(
                f"{where}, position {k}: not an array [lon, lat] but {_json_type(pos)}"
            )
        vals = [_coordinate(v, where, k) for v in pos]
        if len(vals) < 2:
            raise _GeoJSONProblem(
                f"{where}, position {k}: needs at least two numbers [lon, lat], found {len(vals)}"
            )
        vals = vals[:2]
        lo, hi = min(lo, len(pos)), max(hi, len(pos))
        out.append(vals)
    return np.array(out, dtype=float).reshape(-1, 2), (lo, hi)


def _coordinate(v, where: str, k: int) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if isinstance(v, _NonFinite):
            raise _GeoJSONProblem(f"{where}, position {k}: {v.problem()}")
        if isinstance(v, str):
            raise _GeoJSONProblem(
                f"{where}, position {k}: coordinate {v[:40]!r} is a string; "
                "coordinates must be JSON numbers (remove the quotes)"
            )
        if isinstance(v, list):
            raise _GeoJSONProblem(
                f"{where}, position {k}: an array was found where a number was expected "
                "(coordinates nested too deeply for this geometry type)"
            )
        raise _GeoJSONProblem(
            f"{where}, position {k}: a coordinate must be a number, not {_json_type(v)}"
        )
    try:
        fv = float(v)
    except OverflowError:
        fv = math.inf
    if not math.isfinite(fv):
        raise _GeoJSONProblem(
            f"{where}, position {k}: a coordinate is too large for a 64-bit float "
            "(it overflows to infinity)"
        )
    return fv


def _fmt(p) -> str:
    return f"[{p[0]:g}, {p[1]:g}]"


# --------------------------------------------------------------------------
# Large files: feature by feature


def read_geojson(path: str | Path, name: str, threshold: int | None = None) -> GeoJSONFile:
    """Read a GeoJSON file: whole when small, feature by feature when large.

    Both ways apply the same rules and give the same features; a streamed
    file's problems after its first feature surface while iterating.
    """
    path = Path(path)
    limit = STREAM_THRESHOLD if threshold is None else threshold
    try:
        size = path.stat().st_size
        if size < limit:
            return parse_geojson(path.read_bytes(), name)
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=name) from None
    return _stream_geojson(path, name)


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_ROOT_KIND = {"[": "an array", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}


class _TooBig(Exception):
    """A value does not fit in the window."""


@dataclass
class _Built:
    """Polygonal coordinates already read and validated (from a feature too large to hold)."""

    geom: shapely.Geometry | None
    notes: list[str]
    error: str | None


class _LazyArray:
    """The elements of a JSON array in a large file, decoded one at a time.

    ``depth`` > 0 gives the elements that are arrays as _LazyArrays in turn.
    Sets ``ctx.maybe_bools`` for each element it decodes.
    """

    def __init__(self, win: _Window, depth: int, ctx: _Ctx):
        win.expect("[", "'['")
        self.win, self.depth, self.ctx = win, depth, ctx
        self.first, self.done, self.child = True, False, None

    def __iter__(self):
        return self

    def __next__(self):
        if self.child is not None:
            self.child.drain()
            self.child = None
        if self.done:
            raise StopIteration
        w = self.win
        c = w.peek()
        if c == "]":
            w.pos += 1
            self.done = True
            raise StopIteration
        if not self.first:
            if c != ",":
                w.fail("Expecting ',' delimiter" if c else "the file ends inside an array")
            w.pos += 1
            c = w.peek()
        self.first = False
        if self.depth and c == "[":
            self.child = _LazyArray(w, self.depth - 1, self.ctx)
            return self.child
        value = w.value()
        self.ctx.maybe_bools = w.bools()
        return value

    def drain(self) -> None:
        for _ in self:
            pass


class _Window:
    """The decoded text of a file, read forward through a sliding window."""

    def __init__(self, fh, name: str, chunk: int | None = None):
        self.fh = fh
        self.name = name
        self.chunk = chunk or STREAM_CHUNK
        #: features larger than this (characters) are read piece by piece
        self.big = 4 * self.chunk
        self.dec = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.buf = ""
        self.pos = 0
        self.line0 = 0  # newlines before buf[0]
        self.col0 = 0  # characters of the current line before buf[0]
        self.bytes_read = 0
        self.eof = False
        #: the largest the window has been (characters), for tests
        self.max_window = 0

    # -- filling ------------------------------------------------------------

    def more(self, want: int = 0) -> bool:
        """Read at least ``want`` more bytes (at least a chunk); False at end of file."""
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, want))
        pending = len(self.dec.getstate()[0])
        try:
            text = self.dec.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            offset = self.bytes_read - pending + exc.start
            raise DataError(
                f"not UTF-8 text (invalid byte at offset {max(offset, 0)}); GeoJSON must be "
                "UTF-8: re-save the file as UTF-8",
                file=self.name,
            ) from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
        if self.pos:
            consumed = self.buf[: self.pos]
            n = consumed.count("\n")
            if n:
                self.line0 += n
                self.col0 = len(consumed) - consumed.rfind("\n") - 1
            else:
                self.col0 += len(consumed)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        if text:
            self.buf += text
            self.max_window = max(self.max_window, len(self.buf))
        return bool(data)

    def byte_pos(self) -> int:
        """The byte offset in the file of the current position."""
        pending = len(self.dec.getstate()[0])
        return self.bytes_read - pending - len(self.buf[self.pos :].encode("utf-8", "replace"))

    # -- reading ------------------------------------------------------------

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def where(self, pos: int | None = None) -> str:
        pos = self.pos if pos is None else pos
        nl = self.buf.rfind("\n", 0, pos)
        line = self.line0 + self.buf.count("\n", 0, pos) + 1
        col = pos - nl if nl >= 0 else self.col0 + pos + 1
        return f"line {line}, column {col}"

    def fail(self, msg: str, pos: int | None = None):
        raise DataError(
            f"not valid JSON: {_msg(msg)} at {self.where(pos)} "
            "(the file is damaged or truncated; re-export or re-download it)",
            file=self.name,
        )

    def expect(self, char: str, what: str) -> None:
        c = self.peek()
        if c != char:
            self.fail(f"expecting {what}" if c else f"the file ends where {what} was expected")
        self.pos += 1

    def value(self, big: int | None = None):
        """Decode the next JSON value with the strict hooks (reading more as needed).

        With ``big``: raise _TooBig rather than hold more than ``big`` characters
        of an object (the caller then reads it piece by piece)."""
        if not self.peek():
            self.fail("the file ends where a value was expected")
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated")
                if (
                    truncated
                    and big is not None
                    and len(self.buf) - self.pos >= big
                    and self.buf[self.pos] == "{"
                    and not self.eof
                ):
                    raise _TooBig from None
                if truncated and self.more(len(self.buf) - self.pos):
                    continue
                self.fail(exc.msg, exc.pos)
            except _GeoJSONProblem as exc:
                raise DataError(f"not strict JSON: {exc}", file=self.name) from None
            except RecursionError:
                raise DataError(_NESTED_TOO_DEEP, file=self.name) from None
            except ValueError as exc:
                raise DataError(f"not usable JSON: {exc}", file=self.name) from None
            if (
                end >= len(self.buf) or (_is_number(obj) and self.buf[end] in _NUMBER_CHARS)
            ) and self.more(len(self.buf) - self.pos):
                continue  # a number at the end of the window may go on
            self.start, self.pos = self.pos, end
            return obj

    def bools(self) -> bool:
        """Whether the text of the value just decoded holds true or false."""
        return self.buf.find("true", self.start, self.pos) >= 0 or (
            self.buf.find("false", self.start, self.pos) >= 0
        )

    def members(self) -> Iterator[str]:
        """At an object: each member name, positioned at its value (for the caller to read)."""
        self.expect("{", "'{'")
        first = True
        while True:
            c = self.peek()
            if c == "}":
                self.pos += 1
                return
            if not first:
                if c != ",":
                    self.fail("Expecting ',' delimiter" if c else "the file ends inside an object")
                self.pos += 1
                c = self.peek()
            first = False
            if c != '"':
                self.fail(
                    "Expecting property name enclosed in double quotes"
                    if c
                    else "the file ends inside an object"
                )
            key = self.value()
            if not isinstance(key, str):  # pragma: no cover - a '"' starts a string
                self.fail("Expecting property name enclosed in double quotes")
            self.expect(":", "':' after a member name")
            yield key

    def big_feature(self):
        """A feature too large for the window, its geometry read ring by ring."""
        pairs = []
        for key in self.members():
            if key == "geometry" and self.peek() == "{":
                pairs.append((key, self.big_geometry()))
            else:
                pairs.append((key, self.value()))
        return _pairs_hook(pairs)

    def big_geometry(self):
        pairs = []
        kind = None
        for key in self.members():
            if key == "type":
                value = self.value()
                if kind is None and isinstance(value, str):
                    kind = value
            elif (
                key == "coordinates"
                and kind in _POLYGONAL
                and self.peek() == "["
                and all(k != key for k, _ in pairs)
            ):
                value = self.built(kind)
            else:
                value = self.value()
            pairs.append((key, value))
        return _pairs_hook(pairs)

    def built(self, kind: str) -> _Built:
        """A Polygon's or MultiPolygon's coordinates, validated and built a ring at a time."""
        ctx = _Ctx()
        rings = _LazyArray(self, 0 if kind == "Polygon" else 1, ctx)
        notes: list[str] = []
        geom, error = None, None
        try:
            if kind == "Polygon":
                geom = _polygon(rings, notes, "", ctx)
            else:
                geom = _multipolygon(rings, notes, ctx)
        except _GeoJSONProblem as exc:
            error = str(exc)
        rings.drain()
        return _Built(geom, notes, error)

    def open_root(self) -> None:
        """Enter the root object (errors when the root is something else)."""
        c = self.peek()
        if c == "":
            raise DataError("the file is empty; expected a GeoJSON object", file=self.name)
        if c != "{":
            if c in _ROOT_KIND or c == "-" or c.isdigit():
                kind = _ROOT_KIND.get(c, "a number")
                raise DataError(
                    f"the root of a GeoJSON file must be an object, not {kind}", file=self.name
                )
            self.fail("Expecting value")
        self.pos += 1
        self._first = True
        self.seen: set = set()

    def next_key(self) -> str | None:
        """The next member name of the root object (positioned at its value), or None."""
        c = self.peek()
        if c == "}":
            self.pos += 1
            if self.peek() != "":
                self.fail("extra data after the root object")
            return None
        if not self._first:
            if c != ",":
                self.fail(
                    "Expecting ',' delimiter" if c else "the file ends inside the root object"
                )
            self.pos += 1
            c = self.peek()
        self._first = False
        if c != '"':
            self.fail(
                "Expecting property name enclosed in double quotes"
                if c
                else "the file ends inside the root object"
            )
        key = self.value()
        self.expect(":", "':' after a member name")
        if key in self.seen:
            dup = _Dup()
            dup.dups = [key]
            raise DataError(_dup_message(dup, "the root object"), file=self.name)
        self.seen.add(key)
        return key

    def features(self) -> Iterator[tuple[object, bool]]:
        """The elements of the features array: (value, whether its text holds true/false)."""
        c = self.peek()
        if c != "[":
            kind = {
                "{": "an object",
                '"': "a string",
                "n": "null",
                "t": "a boolean",
                "f": "a boolean",
            }.get(c, "a number")
            raise DataError(f"'features' must be an array, not {kind}", file=self.name)
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            try:
                value = self.value(big=self.big)
            except _TooBig:  # a feature larger than the window: read it piece by piece
                yield self.big_feature(), True
            else:
                yield value, self.bools()
            c = self.peek()
            if c == ",":
                self.pos += 1
                continue
            if c == "]":
                self.pos += 1
                return
            self.fail("Expecting ',' delimiter" if c else "the file ends inside 'features'")


def _stream_geojson(path: Path, name: str, chunk: int | None = None) -> GeoJSONFile:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed when the features are done
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=name) from None
    try:
        win = _Window(fh, name, chunk)
        win.open_root()
        before: dict = {}
        while (key := win.next_key()) is not None and key != "features":
            before[key] = win.value()
        if key is None:  # no features array: the root object is all in memory
            fh.close()
            return _from_members(before, name)
        if before.get("type") != "FeatureCollection" or (
            "crs" not in before and _crs_after(path, win.byte_pos())
        ):
            # the root's type or crs may come after the features: look at them first
            doc = _root_members(path, name, chunk)
            if doc.get("type") != "FeatureCollection":
                fh.close()
                return parse_geojson(path.read_bytes(), name)
        else:
            doc = before
        kind, crs, warnings = _root(doc, name)
    except BaseException:
        fh.close()
        raise

    def features() -> Iterator[RawFeature]:
        try:
            i = 0
            for value, bools in win.features():
                yield _feature(i, value, _Ctx(maybe_bools=bools))
                i += 1
            after = {}
            while (key := win.next_key()) is not None:
                after[key] = win.value()
            if after:  # members after the features are checked like the others
                _, _, more = _root({**doc, **after}, name)
                warnings.extend(w for w in more if w not in warnings)
        finally:
            fh.close()

    return GeoJSONFile(crs, features(), warnings)


def _root_members(path: Path, name: str, chunk: int | None) -> dict:
    """Every root member but the features (a first pass over a large file)."""
    with open(path, "rb") as fh:
        win = _Window(fh, name, chunk)
        win.open_root()
        doc = {}
        while (key := win.next_key()) is not None:
            if key == "features":
                for _ in win.features():
                    pass
            else:
                doc[key] = win.value()
        return doc


def _crs_after(path: Path, offset: int) -> bool:
    """Whether the bytes '"crs"' occur after ``offset`` (then a root crs may follow)."""
    needle = b'"crs"'
    with open(path, "rb") as fh:
        fh.seek(max(offset, 0))
        tail = b""
        while True:
            block = fh.read(STREAM_CHUNK)
            if not block:
                return False
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]


def _from_members(doc: dict, name: str) -> GeoJSONFile:
    """A streamed root object that had no features array, now wholly in memory."""
    kind, crs, warnings = _root(doc, name)
    if kind == "FeatureCollection":
        raise DataError("a FeatureCollection needs a 'features' member", file=name)
    return GeoJSONFile(crs, iter([_single(doc, kind, name, _Ctx())]), warnings)
