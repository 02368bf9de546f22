"""Export layers as one RFC 7946 GeoJSON FeatureCollection (rendering).

* Coordinates in lon/lat WGS84 order, no ``crs`` member (RFC 7946 has none:
  WGS84 is implied), rounded to 1e-6 degrees (about 0.1 m) by default,
  ``decimals=None`` for every digit.
* Polygons follow the right-hand rule (exterior rings counter-clockwise, holes
  clockwise) and are valid; polygon features are ``MultiPolygon``, lines
  ``MultiLineString``, in every feature of a kind.
* Each feature has a string ``id`` (also in ``properties.id``) and a ``kind``;
  lists stay JSON arrays, dates are ``YYYY-MM-DD`` strings, numbers are
  rounded as in the JSON tables (6 decimals).
* Provenance and what was exported travel as a foreign member,
  ``"frontmap": {...}`` (see :mod:`.provenance`).
* One feature per line, so the file reads (and diffs) line by line; the same
  inputs give the same bytes.
"""

from __future__ import annotations

import json

import shapely

from .export import ExportLayer, prepare_geometry
from .formats import round_floats

__all__ = ["geojson_text", "geometry_json", "DECIMALS"]

#: decimals of a degree kept by default (RFC 7946 suggests 6: about 10 cm)
DECIMALS = 6


def _coords(ring: shapely.Geometry, decimals: int | None) -> list:
    xy = shapely.get_coordinates(ring).tolist()
    if decimals is None:
        return [[x + 0.0, y + 0.0] for x, y in xy]
    return [[round(x, decimals) + 0.0, round(y, decimals) + 0.0] for x, y in xy]


def geometry_json(geom: shapely.Geometry | None, decimals: int | None = DECIMALS) -> dict | None:
    """A prepared geometry (:func:`.export.prepare_geometry`) as a GeoJSON object."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon":
        polys = []
        for p in shapely.get_parts(geom):
            polys.append([_coords(r, decimals) for r in (p.exterior, *p.interiors)])
        return {"type": "MultiPolygon", "coordinates": polys}
    if geom.geom_type == "MultiLineString":
        return {
            "type": "MultiLineString",
            "coordinates": [_coords(p, decimals) for p in shapely.get_parts(geom)],
        }
    raise ValueError(f"not a MultiPolygon or MultiLineString: {geom.geom_type}")  # pragma: no cover


def geojson_text(
    layers: list[ExportLayer], meta: dict | None = None, decimals: int | None = DECIMALS
) -> str:
    """The layers as one FeatureCollection (text ending in a newline); ``meta`` is the
    ``"frontmap"`` foreign member (provenance and what was exported)."""
    head: dict = {"type": "FeatureCollection"}
    if meta is not None:
        head["frontmap"] = round_floats(meta)
    lines = []
    for layer in layers:
        for props, geom in layer.features:
            g = prepare_geometry(geom, layer.geometry, decimals)
            feature = {
                "type": "Feature",
                "id": props["id"],
                "properties": round_floats(props),
                "geometry": geometry_json(g, decimals),
            }
            lines.append(json.dumps(feature, ensure_ascii=False, allow_nan=False,
                                    separators=(",", ":")))
    text = json.dumps(head, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    body = ",\n".join(lines)
    return text[:-1] + ',"features":[\n' + body + ("\n" if lines else "") + "]}\n"
