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

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import shapely

from ...errors import DataError
from .geometry import GEOMETRY_TYPES, CoordinateHints, read_geometry, unknown_type
from .strict import (
    SUSPECT_TYPES,
    GeoJSONProblem,
    RepeatedKeys,
    bbox_problem,
    inspect_value,
    is_number,
    json_type,
    load_json,
    repeated_keys_message,
)

__all__ = [
    "RawFeature",
    "GeoJSONFile",
    "parse_geojson",
    "parse_crs_member",
    "check_root",
    "read_feature",
    "single_feature",
]

# members that give an object another GeoJSON type's meaning (RFC 7946, 7.1)
_NOT_ON_FEATURE = ("features", "coordinates", "geometries")
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
    #: ``geom``'s long edges already have their geodesic vertices (lon/lat WGS84 read
    #: with ``geodesic=True``); ``undensified()`` is the geometry as read, when
    #: vertices were added
    densified: bool = False
    undensified: Callable[[], shapely.Geometry] | None = None

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



def parse_crs_member(crs) -> str | None:
    """The old GeoJSON ``crs`` member as a string pyproj understands (None = WGS84 lon/lat)."""
    if crs is None:
        return None
    if not isinstance(crs, dict):
        raise GeoJSONProblem(f"the 'crs' member must be an object, not {json_type(crs)}")
    problem = inspect_value(crs, "the 'crs' member")
    if problem:
        raise GeoJSONProblem(problem)
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
        raise GeoJSONProblem(
            "a linked 'crs' member cannot be resolved offline; "
            "reproject the file to EPSG:4326 or use a named CRS"
        )
    raise GeoJSONProblem(
        f"unrecognised 'crs' member {json.dumps(crs)[:80]}; "
        'use a named CRS ({"type": "name", ...}) or reproject the file to EPSG:4326'
    )


def check_root(doc: dict, name: str) -> tuple[str, str | None, list[str]]:
    """Check a root object's members (except the features): (type, crs, warnings)."""
    if isinstance(doc, RepeatedKeys):
        raise DataError(repeated_keys_message(doc, "the root object"), file=name)
    kind = doc.get("type")
    if kind is None:
        raise DataError("the root object has no 'type' member; is this GeoJSON?", file=name)
    if not isinstance(kind, str):
        raise DataError(
            f"the root 'type' must be a string such as \"FeatureCollection\", "
            f"not {json_type(kind)}",
            file=name,
        )
    warnings = []
    if kind == "FeatureCollection":
        for key, value in doc.items():
            if key in ("features", "type"):
                continue
            problem = inspect_value(value, f"the {key!r} member")
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
            problem = bbox_problem(doc["bbox"])
            if problem:
                warnings.append(problem)
    try:
        crs = parse_crs_member(doc.get("crs"))
    except GeoJSONProblem as exc:
        raise DataError(str(exc), file=name) from None
    return kind, crs, warnings


def parse_geojson(data: bytes, name: str, geodesic: bool = False) -> GeoJSONFile:
    """Parse GeoJSON bytes.

    Returns a :class:`GeoJSONFile`: the CRS named by the file's ``crs``
    member (None for lon/lat WGS84), an iterator over its features and the
    file's warnings. Raises DataError for problems with the file as a whole.

    ``geodesic``: when the file is lon/lat WGS84 (no ``crs`` member naming
    another), give long edges their geodesic vertices while building the
    polygons (``RawFeature.densified``; see :mod:`frontmap.read.densify`).
    """
    doc = load_json(data, name)
    ctx = CoordinateHints(maybe_bools=b"true" in data or b"false" in data)
    if not isinstance(doc, dict):
        problem = inspect_value(doc, "the file")
        if problem:
            raise DataError(f"not strict JSON: {problem}", file=name)
        raise DataError(
            f"the root of a GeoJSON file must be an object, not {json_type(doc)}", file=name
        )
    kind, crs, warnings = check_root(doc, name)
    ctx.geodesic = geodesic and crs is None
    if kind == "FeatureCollection":
        if "features" not in doc:
            raise DataError("a FeatureCollection needs a 'features' member", file=name)
        feats = doc["features"]
        if not isinstance(feats, list):
            raise DataError(f"'features' must be an array, not {json_type(feats)}", file=name)
        return GeoJSONFile(crs, (read_feature(i, f, ctx) for i, f in enumerate(feats)), warnings)
    return GeoJSONFile(crs, iter([single_feature(doc, kind, name, ctx)]), warnings)


def single_feature(doc: dict, kind: str, name: str, ctx: CoordinateHints) -> RawFeature:
    """The one feature of a file whose root is a Feature or a bare geometry."""
    if kind == "Feature":
        return read_feature(0, doc, ctx)
    if kind in GEOMETRY_TYPES:
        return read_feature(0, {"type": "Feature", "properties": {}, "geometry": doc}, ctx)
    raise DataError(unknown_type(kind, "a GeoJSON object"), file=name)


def read_feature(i: int, f, ctx: CoordinateHints) -> RawFeature:
    raw = RawFeature(index=i)
    if not isinstance(f, dict):
        raw.error = f"every feature must be an object, found {json_type(f)}"
        return raw
    fid = f.get("id")
    if fid is None or isinstance(fid, str) or (is_number(fid) and math.isfinite(fid)):
        raw.fid = fid
    elif not (isinstance(fid, float) and not math.isfinite(fid)):
        raw.warnings.append(f"'id' must be a string or a number, not {json_type(fid)}; ignored")
    if isinstance(f, RepeatedKeys):
        raw.error = repeated_keys_message(f, "the feature")
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
        raw.error = f"'properties' must be an object or null, not {json_type(props)}"
        return raw
    if isinstance(props, RepeatedKeys):
        raw.error = repeated_keys_message(props, "'properties'")
        return raw
    for key, value in props.items():
        if type(value) in SUSPECT_TYPES:
            problem = inspect_value(value, f"property {key!r}", 1)
            if problem:
                raw.error = problem
                return raw
    raw.props = props
    for key, value in f.items():
        if key in ("type", "properties", "geometry"):
            continue
        problem = inspect_value(value, f"the feature's {key!r} member")
        if problem:
            raw.error = problem
            return raw
    for key in _NOT_ON_FEATURE:
        if key in f:
            raw.warnings.append(
                f"a Feature must not have a {key!r} member (it would change its meaning); ignored"
            )
    if "bbox" in f:
        problem = bbox_problem(f["bbox"])
        if problem:
            raw.warnings.append(problem)
    if "geometry" not in f:
        raw.error = "has no 'geometry' member (use \"geometry\": null for none)"
        return raw
    try:
        raw.kind, raw.geom, raw.dropped_members = read_geometry(f["geometry"], raw, ctx, 0)
    except GeoJSONProblem as exc:
        raw.error = str(exc)
    if ctx.geodesic and raw.geom is not None and raw.kind in ("Polygon", "MultiPolygon"):
        raw.densified, raw.undensified = True, ctx.undensified
    ctx.undensified = None
    return raw
