"""CRS sanity: a declared coordinate reference system must fit the coordinates.

Reprojection is silent, so a wrong CRS gives a wrong answer without a word:
a ``.prj`` that says a projected CRS in metres on coordinates that are
degrees turns a country into a few square metres near the projection's
origin. Two checks make that an error (exit 1) instead:

* :func:`degrees_problem`: a projected CRS (metres, feet...) while every
  coordinate of the layer lies within lon/lat range;
* :func:`area_of_use_problem`: after reprojection the data lie far
  (:data:`FAR_KM`) from the CRS's area of use (pyproj ``area_of_use``).

and :func:`null_island_problem` warns when the data land near (0, 0). The fix
named in every message is ``--crs CRS``, which overrides what files declare
(as ogr2ogr's ``-s_srs`` does).
"""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import ArgumentError

__all__ = [
    "parse_crs",
    "crs_label",
    "declared_by",
    "degrees_problem",
    "area_of_use_problem",
    "null_island_problem",
    "Extent",
    "FAR_KM",
]

#: data farther than this from the CRS's area of use mean a wrong CRS
FAR_KM = 1000.0


def parse_crs(text: str):
    """A ``--crs`` value as a pyproj CRS (ArgumentError when pyproj does not know it)."""
    import pyproj

    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise ArgumentError(
            f"--crs {text!r}: not a coordinate reference system pyproj knows "
            f"(try EPSG:4326, EPSG:32637 or a WKT/PROJ string): {str(exc).splitlines()[0]}"
        ) from None


def crs_label(crs) -> str:
    """``EPSG:32637 (WGS 84 / UTM zone 37N)``, or the CRS's name when it has no code."""
    try:
        code = crs.to_authority(min_confidence=70)
    except Exception:  # noqa: BLE001 - pyproj raises several kinds
        code = None
    name = crs.name or "unnamed CRS"
    return f"{code[0]}:{code[1]} ({name})" if code else repr(name)


def declared_by(path: Path, override: bool) -> str:
    """Who says the CRS: ``--crs``, or the file (its .prj, SRS or crs member)."""
    if override:
        return "--crs gives"
    ext = path.suffix.lower()
    if ext == ".shp":
        return "its .prj declares"
    if ext in (".geojson", ".json"):
        return "its 'crs' member declares"
    if ext in (".gpkg", ".sqlite"):
        return "its SRS declares"
    return "it declares"


def _units(crs) -> str:
    try:
        axes = crs.axis_info
        return axes[0].unit_name if axes else "unknown units"
    except Exception:  # noqa: BLE001
        return "unknown units"


def _extent_text(b) -> str:
    return f"x {b[0]:.6g}..{b[2]:.6g}, y {b[1]:.6g}..{b[3]:.6g}"


def degrees_problem(crs, raw_bounds, who: str) -> str | None:
    """A projected CRS on coordinates that all lie within lon/lat range."""
    if crs is None or crs.is_geographic or raw_bounds is None:
        return None
    xmin, ymin, xmax, ymax = raw_bounds
    if not (-180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90):
        return None
    return (
        f"{who} {crs_label(crs)}, a projected CRS in {_units(crs)}, but every coordinate lies "
        f"within lon/lat range ({_extent_text(raw_bounds)}): they look like degrees. If they "
        "are lon/lat, read the file with --crs EPSG:4326 (it overrides what files declare); "
        "otherwise give the file its right CRS"
    )


def area_of_use_problem(crs, bounds, who: str) -> str | None:
    """Data that land, once reprojected, far from where the CRS is meant to be used."""
    if crs is None or bounds is None:
        return None
    aou = _area_of_use(crs)
    if aou is None or aou.west > aou.east:  # none, or across the antimeridian: not judged
        return None
    km = _box_distance_km(bounds, (aou.west, aou.south, aou.east, aou.north))
    if km <= FAR_KM:
        return None
    name = aou.name or "its area of use"
    for sep in (" - ", ";", ",", ". "):
        name = name.split(sep)[0]
    return (
        f"{who} {crs_label(crs)}, meant for {name.strip()} (lon {aou.west:g}..{aou.east:g}, "
        f"lat {aou.south:g}..{aou.north:g}), but reprojected with it the data land "
        f"{km:,.0f} km away ({_extent_text(bounds)} in lon/lat): the CRS does not fit the "
        "coordinates. Read the file with --crs CRS (the one its coordinates are in; it "
        "overrides what files declare), or fix the file's CRS"
    )


def _area_of_use(crs):
    """The CRS's area of use; a CRS read from WKT (a .prj) has none of its own, so
    it comes from the EPSG entry the WKT matches."""
    import pyproj

    aou = getattr(crs, "area_of_use", None)
    if aou is not None:
        return aou
    try:
        code = crs.to_authority(min_confidence=70)
        return pyproj.CRS.from_authority(*code).area_of_use if code else None
    except Exception:  # noqa: BLE001 - pyproj raises several kinds
        return None


def null_island_problem(crs, bounds, who: str) -> str | None:
    """Data that land within 1° of (0, 0), in the Gulf of Guinea."""
    if bounds is None:
        return None
    xmin, ymin, xmax, ymax = bounds
    if not (-1 <= xmin and xmax <= 1 and -1 <= ymin and ymax <= 1):
        return None
    what = f"{who} {crs_label(crs)}, and with it" if crs is not None else "in lon/lat"
    return (
        f"{what} the data land near (0, 0) ({_extent_text(bounds)}), in the sea off West "
        "Africa: the coordinates or the CRS are probably wrong (--crs CRS overrides what "
        "files declare)"
    )


def _box_distance_km(a, b) -> float:
    """Geodesic km between the nearest points of two lon/lat boxes (0 when they meet)."""
    import pyproj

    def nearest(lo1, hi1, lo2, hi2):
        if hi1 < lo2:
            return hi1, lo2
        if hi2 < lo1:
            return lo1, hi2
        mid = (max(lo1, lo2) + min(hi1, hi2)) / 2
        return mid, mid

    x1, x2 = nearest(a[0], a[2], b[0], b[2])
    y1, y2 = nearest(a[1], a[3], b[1], b[3])
    if x1 == x2 and y1 == y2:
        return 0.0
    _, _, m = pyproj.Geod(ellps="WGS84").inv(x1, y1, x2, y2)
    return m / 1000 if math.isfinite(m) else math.inf


class Extent:
    """The bounding box of what a layer holds, grown one geometry at a time."""

    __slots__ = ("box",)

    def __init__(self) -> None:
        self.box: list[float] | None = None

    def add(self, bounds) -> None:
        xmin, ymin, xmax, ymax = (float(v) for v in bounds)
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
            return
        if self.box is None:
            self.box = [xmin, ymin, xmax, ymax]
            return
        b = self.box
        b[0], b[1], b[2], b[3] = min(b[0], xmin), min(b[1], ymin), max(b[2], xmax), max(b[3], ymax)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        return tuple(self.box) if self.box else None  # type: ignore[return-value]
