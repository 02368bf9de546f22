"""Outlines (``--clip``, basemap files) and places (city points)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import shapely

from ..errors import DataError
from .clean import clean_geometry, transformer_for
from .files import read_raw
from .model import Place

__all__ = ["read_outline", "read_clip_outline", "read_places"]


def read_outline(
    path: str | os.PathLike, merge: bool = True, geodesic_edges: bool | None = None
) -> shapely.Geometry:
    """The polygons of a file (a country outline, say), lon/lat WGS84: their
    union, or with ``merge=False`` all of them as they are (country borders kept).

    ``geodesic_edges`` (default: ``merge``): densify long edges along their
    geodesics, as territories are. A clip outline cuts territories, so its edges
    must be the geodesics the areas use; a basemap, only drawn, need not be.
    """
    polys = _outline_polygons(path, merge if geodesic_edges is None else geodesic_edges)
    if not merge:
        return shapely.MultiPolygon([p for g in polys for p in shapely.get_parts(g)])
    return shapely.union_all(polys)


def read_clip_outline(path: str | os.PathLike) -> shapely.Geometry:
    """A ``--clip`` outline: its polygons, with geodesic edges, as one valid geometry;
    as they are when they do not overlap (a country and its islands: no union,
    which costs half a second for a 116,000-vertex outline), else their union."""
    polys = _outline_polygons(path, True)
    outline = shapely.MultiPolygon([p for g in polys for p in shapely.get_parts(g)])
    if len(polys) == 1:  # one geometry, made valid when it was cleaned
        return outline
    return outline if shapely.is_valid(outline) else shapely.union_all(outline)


def _outline_polygons(path, densify: bool) -> list[shapely.Geometry]:
    """The cleaned polygonal geometry of each feature of an outline file."""
    path = Path(path)
    display = str(path)
    if not path.is_file():
        raise DataError("no such file", file=display)
    layers, _ = read_raw(path, display, geodesic=densify)
    polys = []
    for layer in layers:
        transformer = transformer_for(layer.crs)
        for raw in layer.features:
            if raw.error:
                raise DataError(raw.error, file=display, feature=raw.label)
            if raw.geom is None:
                continue
            try:
                g, _, problem = clean_geometry(raw.geom, transformer, geodesic_edges=densify,
                                               densified=raw.densified, source=raw.undensified)
            except shapely.errors.GEOSException as exc:
                g, problem = None, f"GEOS cannot process this geometry ({exc})"
            if problem:
                raise DataError(problem, file=display, feature=raw.label)
            if g is not None:
                polys.append(g)
    if not polys:
        raise DataError("holds no polygons", file=display)
    return polys


_NAME_KEYS = ("name", "label", "city", "place", "NAME", "Name", "LABEL", "Label")


def read_places(path: str | os.PathLike) -> list[Place]:
    """City points: GeoJSON points with a ``name`` (or ``label``) property, or a CSV
    with ``name``/``label`` and ``lat``/``lon`` (or ``latitude``/``longitude``) columns."""
    path = Path(path)
    display = str(path)
    if not path.is_file():
        raise DataError("no such places file", file=display)
    places = []
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read as UTF-8 CSV: {exc}", file=display) from None
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows:
            raise DataError("no rows", file=display)
        cols = {c.lower().strip(): c for c in rows[0] if c}
        name_c = next((cols[k] for k in ("name", "label", "city", "place") if k in cols), None)
        lat_c = next((cols[k] for k in ("lat", "latitude", "y") if k in cols), None)
        lon_c = next((cols[k] for k in ("lon", "lng", "long", "longitude", "x") if k in cols), None)
        if not (name_c and lat_c and lon_c):
            raise DataError("a places CSV needs columns name (or label), lat and lon", file=display)
        for i, row in enumerate(rows):
            try:
                lat, lon = float(row[lat_c]), float(row[lon_c])
            except (TypeError, ValueError):
                raise DataError(f"row {i + 2}: lat/lon are not numbers", file=display) from None
            places.append(_place(row[name_c], lon, lat, display, f"row {i + 2}"))
        return places
    import json

    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"not readable GeoJSON: {exc}", file=display) from None
    except RecursionError:
        raise DataError("not readable GeoJSON: nested far too deeply", file=display) from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise DataError("a places file must be a GeoJSON FeatureCollection", file=display)
    for i, f in enumerate(feats):
        f = f if isinstance(f, dict) else {}
        g = f.get("geometry")
        g = g if isinstance(g, dict) else {}
        props = f.get("properties")
        props = props if isinstance(props, dict) else {}
        if g.get("type") != "Point":
            continue
        name = next((props[k] for k in _NAME_KEYS if props.get(k)), None)
        if name is None:
            raise DataError("a place needs a 'name' property", file=display, feature=i)
        if isinstance(name, (dict, list)):
            raise DataError("a place's name must be a string", file=display, feature=i)
        c = g.get("coordinates")
        if not (isinstance(c, list) and len(c) >= 2 and all(_is_num(v) for v in c[:2])):
            raise DataError("point coordinates must be [lon, lat] numbers", file=display, feature=i)
        try:
            lon, lat = float(c[0]), float(c[1])
        except OverflowError:
            raise DataError("point coordinates out of range", file=display, feature=i) from None
        places.append(_place(name, lon, lat, display, f"feature {i}"))
    return places


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _place(name, lon, lat, display, where) -> Place:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not np.isfinite([lon, lat]).all():
        raise DataError(f"{where}: lon/lat out of range ({lon}, {lat})", file=display)
    return Place(" ".join(str(name).split()), lon, lat)
