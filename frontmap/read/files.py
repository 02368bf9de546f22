"""Reading one file into raw features: GeoJSON through frontmap's strict
parser (:mod:`.geojson`), every other format through Fiona, each layer with
the CRS it declares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ..errors import DataError
from .clean import polygonal_only
from .discover import GEOJSON_EXTENSIONS
from .geojson import RawFeature, read_geojson

__all__ = ["RawLayer", "read_raw", "crs_from_text", "is_wgs84"]


@dataclass
class RawLayer:
    name: str | None
    crs: object  # a pyproj CRS or None for lon/lat WGS84
    features: Iterator[RawFeature]
    #: problems of the file as a whole that do not stop it being read (may grow
    #: while ``features`` is consumed)
    warnings: list[str] = field(default_factory=list)


def read_raw(
    src_path: Path, display: str, ignore_crs: bool = False, geodesic: bool = False
) -> tuple[list[RawLayer], int]:
    """The layers of a file as raw features, and how many layers it has.

    GeoJSON goes to frontmap's strict parser (streamed when the file is
    large); every other format to Fiona. ``ignore_crs``: do not read what the
    file declares (``--crs`` overrides it); the layers' ``crs`` is then None.
    ``geodesic``: lon/lat GeoJSON gets its geodesic vertices while parsed
    (``RawFeature.densified``), unless ``ignore_crs`` (the coordinates may be
    in another CRS).
    """
    if src_path.suffix.lower() in GEOJSON_EXTENSIONS:
        parsed = read_geojson(src_path, display, geodesic=geodesic and not ignore_crs)
        crs = crs_from_text(parsed.crs, display) if parsed.crs and not ignore_crs else None
        return [RawLayer(None, crs, parsed.features, parsed.warnings)], 1
    return _read_ogr(src_path, display, ignore_crs)


def crs_from_text(text, display):
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise DataError(
            f"unknown coordinate reference system {text!r}: {exc}", file=display
        ) from None
    return None if is_wgs84(crs) else crs


def is_wgs84(crs) -> bool:
    import pyproj

    try:
        return crs.is_geographic and crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True)
    except Exception:  # noqa: BLE001 - pyproj raises several kinds here
        return False


def _read_ogr(src_path: Path, display: str, ignore_crs: bool = False):
    import fiona
    from fiona.drvsupport import supported_drivers

    supported_drivers.setdefault("KML", "r")
    try:
        names = fiona.listlayers(str(src_path))
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds
        raise DataError(f"cannot open: {_gdal_message(exc)}", file=display) from None
    if not names:
        raise DataError(
            "holds no layers: the file is empty or damaged (a truncated download?)", file=display
        )
    layers = []
    for name in names:
        crs = None if ignore_crs else _ogr_crs(src_path, name, display)
        layers.append(RawLayer(name, crs, _ogr_features(src_path, name, display)))
    return layers, len(names)


def _ogr_crs(src_path: Path, layer: str, display: str):
    import fiona
    import pyproj

    try:
        with fiona.open(str(src_path), layer=layer) as src:
            wkt = src.crs.to_wkt() if src.crs else None
    except Exception as exc:  # noqa: BLE001
        raise DataError(
            f"layer {layer!r}: cannot open: {_gdal_message(exc)}", file=display
        ) from None
    if not wkt:
        return None
    try:
        crs = pyproj.CRS.from_wkt(wkt)
    except pyproj.exceptions.CRSError as exc:
        raise DataError(f"layer {layer!r}: unusable CRS: {exc}", file=display) from None
    return None if is_wgs84(crs) else crs


def _gdal_message(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _ogr_features(src_path: Path, layer: str, display: str) -> Iterator[RawFeature]:
    import fiona
    from shapely.geometry import shape

    try:
        src = fiona.open(str(src_path), layer=layer)
    except Exception as exc:  # noqa: BLE001
        raise DataError(
            f"layer {layer!r}: cannot open: {_gdal_message(exc)}", file=display
        ) from None
    with src:
        try:
            declared = len(src)
        except Exception:  # noqa: BLE001 - some drivers cannot count
            declared = -1
        it = iter(src)
        i = 0
        failed = 0  # unreadable features in a row
        while True:
            raw = RawFeature(index=i)
            try:
                f = next(it)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001
                raw.error = f"unreadable: {_gdal_message(exc)}"
                yield raw
                i += 1
                failed += 1
                if failed >= 100:
                    raise DataError(
                        f"layer {layer!r}: stopped after {failed} unreadable features in a row "
                        "(the file is damaged: re-export it)",
                        file=display,
                    ) from None
                continue
            failed = 0
            raw.fid = f.id
            raw.props = dict(f.properties or {})
            g = f.geometry
            if g is not None:
                raw.kind = g.type.replace("3D ", "")
                try:
                    geom = shape(g)
                except Exception as exc:  # noqa: BLE001
                    raw.error = f"unusable geometry: {exc}"
                    yield raw
                    i += 1
                    continue
                if not np.isfinite(shapely.get_coordinates(geom)).all():
                    raw.error = "a coordinate is not a finite number (NaN or infinite)"
                    yield raw
                    i += 1
                    continue
                raw.geom, raw.dropped_members = polygonal_only(geom)
            yield raw
            i += 1
        if declared > i:
            raise DataError(
                f"layer {layer!r} declares {declared} features but only {i} could be read "
                "(the file is damaged or truncated: re-export it)",
                file=display,
            )
