"""Export layers as a GeoPackage, one table per layer, through Fiona (rendering).

What QGIS and GDAL expect of a clean GeoPackage:

* one geometry type per layer, declared (``MultiPolygon`` or
  ``MultiLineString``; every feature promoted to it, none mixed);
* a proper CRS: EPSG:4326 (lon/lat WGS84) in ``gpkg_spatial_ref_sys``;
* declared field types: text, real, integer, boolean, date; lists and
  objects (``factions``, ``border_km``...) as JSON text;
* each layer's description (``gpkg_contents.description``, QGIS's abstract)
  says what it holds, and the provenance record is in the metadata
  (``gpkg_metadata``, key ``frontmap_provenance``).

Coordinates are written as computed (doubles; not rounded as GeoJSON's are),
polygons with the right-hand rule. Deterministic: ``last_change`` is the last
date of the data (GDAL's ``OGR_CURRENT_DATE``), not the time of writing, so
the same inputs give the same bytes. Returns bytes; the caller writes them
(atomically). Nothing else on disk is touched: Fiona writes into a temporary
folder that is removed.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import shapely

from .export import ExportLayer, prepare_geometry
from .formats import round_floats

__all__ = ["gpkg_bytes", "FIELD_TYPES"]

#: export field types -> Fiona's
FIELD_TYPES = {"str": "str", "float": "float", "int": "int", "bool": "bool", "date": "date",
               "json": "str"}


def _value(kind: str, v):
    if v is None:
        return None
    if kind == "json":
        return json.dumps(round_floats(v), ensure_ascii=False, separators=(",", ":"))
    if kind == "float":
        return round_floats(float(v))
    return v


def gpkg_bytes(
    layers: list[ExportLayer],
    meta: dict | None = None,
    last_change: dt.date | None = None,
    decimals: int | None = None,
) -> bytes:
    """The layers as GeoPackage bytes; ``meta`` (provenance) goes into each layer's
    metadata, ``last_change`` (the data's last date) into ``gpkg_contents``."""
    import fiona
    from fiona.crs import CRS

    stamp = (last_change or dt.date(1970, 1, 1)).isoformat() + "T00:00:00.000Z"
    tags = {"frontmap_provenance": json.dumps(round_floats(meta), ensure_ascii=False,
                                              sort_keys=True)} if meta else {}
    with tempfile.TemporaryDirectory(prefix="frontmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        with fiona.Env(OGR_CURRENT_DATE=stamp):
            for layer in layers:
                schema = {
                    "geometry": layer.geometry,
                    "properties": {k: FIELD_TYPES[t] for k, t in layer.fields.items()},
                }
                with fiona.open(
                    path, "w", driver="GPKG", layer=layer.name, schema=schema,
                    crs=CRS.from_epsg(4326), DESCRIPTION=layer.description,
                ) as out:
                    records = []
                    for props, geom in layer.features:
                        g = prepare_geometry(geom, layer.geometry, decimals)
                        records.append(fiona.Feature.from_dict({
                            "geometry": shapely.geometry.mapping(g) if g is not None else None,
                            "properties": {
                                k: _value(t, props.get(k)) for k, t in layer.fields.items()
                            },
                        }))
                    out.writerecords(records)
                    if tags:
                        out.update_tags(tags)
        return path.read_bytes()
