"""Reading layers: the only code that opens input files.

A layers folder (or a single file) becomes a :class:`~frontmap.model.Layers`:
clean, repaired, per-date, per-faction territory in lon/lat WGS84, and a
report of what was read, skipped, repaired and refused.

Layouts understood (they can be mixed):

1. ``LAYERS/<YYYY-MM-DD>/<faction>.<ext>``: one file per faction per date;
2. files whose features carry the faction and the date as properties
   (``faction_field``, ``date_field``);
3. files with the date in their name (``...2024-11-01...``, ``...20241101...``)
   and the faction from a property or a ``factions.toml`` rule; a file where
   nothing names a faction becomes one faction named after its folder.

Names starting with ``.`` or ``_`` are ignored, and so are ``factions.toml``
and ``places.*`` at the top of the layers folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .errors import DataError
from .factions import FactionTable
from .geojson import RawFeature, read_geojson
from .model import (
    UNDATED,
    FileReport,
    Layers,
    Note,
    Place,
    ReadReport,
    Snapshot,
    is_undated,
    parse_date,
)

__all__ = [
    "ReadOptions",
    "Source",
    "Catalog",
    "read_layers",
    "iter_snapshots",
    "read_places",
    "read_outline",
    "VECTOR_EXTENSIONS",
]

GEOJSON_EXTENSIONS = (".geojson", ".json")
OGR_EXTENSIONS = (".gpkg", ".shp", ".kml", ".fgb", ".gml", ".sqlite", ".gpx")
VECTOR_EXTENSIONS = GEOJSON_EXTENSIONS + OGR_EXTENSIONS

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")
_DATE_DIR = re.compile(r"^(\d{4})(-?)(\d{2})\2(\d{2})$")
_POLYGONAL = ("Polygon", "MultiPolygon")
_POINTS = ("Point", "MultiPoint")
_LINES = ("LineString", "MultiLineString", "LinearRing")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ReadOptions:
    """Options every command that reads layers shares."""

    faction_field: str = "faction"
    date_field: str = "date"
    factions_file: Path | None = None
    clip: Path | None = None
    places: Path | None = None


@dataclass(frozen=True)
class Source:
    """One input file and what its path says about date and faction."""

    path: Path
    display: str
    folder_date: dt.date | None
    name_date: dt.date | None
    stem: str
    folder: str

    @property
    def hinted_date(self) -> dt.date | None:
        return self.name_date or self.folder_date


def _date_from(text: str, pattern: re.Pattern) -> dt.date | None:
    for m in pattern.finditer(text) if pattern is _DATE_IN_NAME else [pattern.match(text)]:
        if not m:
            continue
        try:
            return dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
    return None


def _is_ignored(name: str) -> bool:
    return name.startswith((".", "_"))


def discover(path: Path) -> list[Source]:
    """The territory files under ``path`` (a folder or a file), sorted by path."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        files = [path]
        base = path.parent
    else:
        base = path
        files = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not _is_ignored(d))
            here = Path(dirpath)
            for fn in sorted(filenames):
                if _is_ignored(fn) or not fn.lower().endswith(VECTOR_EXTENSIONS):
                    continue
                if here == path and fn.lower().startswith("places."):
                    continue
                files.append(here / fn)
        if not files:
            raise DataError(
                f"{path}: no territory files found (looked for {', '.join(VECTOR_EXTENSIONS)})"
            )
    out = []
    for f in sorted(files):
        rel = f.relative_to(base) if f != path else Path(f.name)
        folder_name = f.parent.name or f.parent.resolve().name
        out.append(
            Source(
                path=f,
                display=str(rel) if path.is_dir() else str(f),
                folder_date=_date_from(f.parent.name, _DATE_DIR),
                name_date=_date_from(f.stem, _DATE_IN_NAME),
                stem=f.stem,
                folder=folder_name,
            )
        )
    return out


# --------------------------------------------------------------------------
# Reading one file into raw features


@dataclass
class _RawLayer:
    name: str | None
    crs: object  # a pyproj CRS or None for lon/lat WGS84
    features: Iterator[RawFeature]
    #: problems of the file as a whole that do not stop it being read (may grow
    #: while ``features`` is consumed)
    warnings: list[str] = field(default_factory=list)


def _read_raw(src_path: Path, display: str) -> tuple[list[_RawLayer], int]:
    """The layers of a file as raw features, and how many layers it has.

    GeoJSON goes to frontmap's strict parser (streamed when the file is
    large); every other format to Fiona.
    """
    if src_path.suffix.lower() in GEOJSON_EXTENSIONS:
        parsed = read_geojson(src_path, display)
        crs = _crs(parsed.crs, display) if parsed.crs else None
        return [_RawLayer(None, crs, parsed.features, parsed.warnings)], 1
    return _read_ogr(src_path, display)


def _crs(text, display):
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise DataError(
            f"unknown coordinate reference system {text!r}: {exc}", file=display
        ) from None
    return None if _is_wgs84(crs) else crs


def _is_wgs84(crs) -> bool:
    import pyproj

    try:
        return crs.is_geographic and crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True)
    except Exception:  # noqa: BLE001 - pyproj raises several kinds here
        return False


def _read_ogr(src_path: Path, display: str):
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
        crs = _ogr_crs(src_path, name, display)
        layers.append(_RawLayer(name, crs, _ogr_features(src_path, name, display)))
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
    return None if _is_wgs84(crs) else crs


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
                raw.geom, raw.dropped_members = _polygonal_only(geom)
            yield raw
            i += 1
        if declared > i:
            raise DataError(
                f"layer {layer!r} declares {declared} features but only {i} could be read "
                "(the file is damaged or truncated: re-export it)",
                file=display,
            )


def _polygonal_only(geom):
    """(polygonal part or None, count of non-polygon members dropped)."""
    if geom is None or geom.is_empty:
        return None, 0
    t = geom.geom_type
    if t in _POLYGONAL:
        return geom, 0
    if t == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
        polys, dropped = [], 0
        for p in parts:
            sub, d = _polygonal_only(p)
            dropped += d
            if sub is None:
                dropped += 1
            else:
                polys.extend(shapely.get_parts(sub))
        return (shapely.multipolygons(polys) if polys else None), dropped
    return None, 0


# --------------------------------------------------------------------------
# Cleaning one raw feature


def _check_range(geom, display=None, label=None, lat_only: bool = False) -> str | None:
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


def _transformer(crs):
    if crs is None:
        return None
    import pyproj

    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def _transform(geom, transformer):
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


def _split_antimeridian(geom) -> tuple[shapely.Geometry | None, str]:
    """A valid polygonal geometry in unwrapped longitudes, cut at ±180° and wrapped back."""
    xmin, _, xmax, _ = shapely.bounds(geom)
    pieces = []
    for k in range(math.floor((xmin + 180) / 360), math.floor((xmax + 180) / 360) + 1):
        window = shapely.box(k * 360 - 180, -90, k * 360 + 180, 90)
        piece, _ = _polygonal_only(shapely.intersection(geom, window))
        if piece is None:
            continue
        if k:
            piece = shapely.transform(piece, lambda xy, k=k: xy - np.array([k * 360.0, 0.0]))
        pieces.extend(p for p in shapely.get_parts(piece) if not p.is_empty)
    if not pieces:
        return None, "crosses the antimeridian; nothing with an area is left once split"
    result = pieces[0] if len(pieces) == 1 else shapely.multipolygons(pieces)
    if not shapely.is_valid(result):
        result, _ = _polygonal_only(shapely.make_valid(result))
    if len(pieces) > 1:
        note = (
            f"crosses the antimeridian (longitudes {xmin:.6g}..{xmax:.6g} once unwrapped); "
            "split at ±180°"
        )
    else:
        note = f"longitudes {xmin:.6g}..{xmax:.6g} are beyond ±180°; shifted by 360°"
    return result, note


def _clean_geometry(geom, transformer=None) -> tuple[shapely.Geometry | None, list, str | None]:
    """2-D, WGS84, in range, valid and split at the antimeridian.

    Returns (geometry or None if nothing is left, repairs made, problem or None).
    """
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if transformer is not None:
        try:
            geom = _transform(geom, transformer)
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
    problem = _check_range(geom, lat_only=crossed)
    if problem:
        return None, [], problem
    repairs = []
    geom, repair = _repair(geom)
    if repair:
        repairs.append(repair)
    if geom is not None and crossed:
        geom, note = _split_antimeridian(geom)
        repairs.append(note)
    return geom, repairs, None


def _repair(geom) -> tuple[shapely.Geometry | None, str | None]:
    """(valid polygonal geometry or None, repair message or None)."""
    if shapely.is_valid(geom):
        return geom, None
    with np.errstate(all="ignore"):  # GEOS arithmetic on near-degenerate rings
        reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    fixed, _ = _polygonal_only(fixed)
    if fixed is not None and not shapely.is_valid(fixed):  # pragma: no cover - GEOS guarantees
        fixed = shapely.make_valid(fixed)
        fixed, _ = _polygonal_only(fixed)
    if fixed is None or fixed.is_empty:
        return None, f"invalid polygon ({reason}) has no area left after repair; dropped"
    return fixed, f"invalid polygon ({reason}); repaired with make_valid"


# --------------------------------------------------------------------------
# The catalog: sources, factions, and reading per date


@dataclass
class _Pieces:
    """Polygons found for one (date, faction), before union."""

    geoms: list = field(default_factory=list)


class Catalog:
    """The files of a layers folder with the rules to read them.

    ``Catalog(path).read()`` reads everything; ``iter_snapshots()`` reads one
    date at a time so that long series stream in bounded memory.
    """

    def __init__(self, path: str | os.PathLike, options: ReadOptions | None = None):
        self.root = Path(path)
        self.options = options or ReadOptions()
        self.sources = discover(self.root)
        self.factions = self._load_factions()
        self.clip = read_outline(self.options.clip) if self.options.clip else None
        self.report = ReadReport()
        self._file_reports: dict[str, FileReport] = {}
        #: LAYERS is one file: if nothing in it gives a date, it is one undated snapshot
        self._single_file = self.root.is_file()

    # -- configuration ------------------------------------------------------

    def _folder(self) -> Path:
        return self.root if self.root.is_dir() else self.root.parent

    def _load_factions(self) -> FactionTable:
        if self.options.factions_file:
            return FactionTable.load(self.options.factions_file)
        candidate = self._folder() / "factions.toml"
        if candidate.is_file():
            return FactionTable.load(candidate)
        return FactionTable()

    def places(self) -> list[Place]:
        """The places file: ``--places`` or ``places.geojson|csv`` in the layers folder."""
        if self.options.places:
            return read_places(self.options.places)
        for name in ("places.geojson", "places.json", "places.csv"):
            p = self._folder() / name
            if p.is_file():
                return read_places(p)
        return []

    # -- reading ------------------------------------------------------------

    def _file_report(self, src: Source) -> FileReport:
        rep = self._file_reports.get(src.display)
        if rep is None:
            rep = FileReport(src.display)
            self._file_reports[src.display] = rep
            self.report.files.append(rep)
        return rep

    def read_source(self, src: Source) -> dict[tuple[dt.date, str], list]:
        """Read one file: its polygons grouped by (date, faction id)."""
        rep = self._file_report(src)
        out: dict[tuple[dt.date, str], list] = defaultdict(list)
        undated: list[str] = []
        try:
            layers, n_layers = _read_raw(src.path, src.display)
            for layer in layers:
                try:
                    transformer = _transformer(layer.crs)
                    hint = layer.name if n_layers > 1 else None
                    for raw in layer.features:
                        self._feature(src, rep, raw, hint, transformer, out, undated)
                finally:
                    where = f"layer {layer.name!r}: " if n_layers > 1 else ""
                    for w in layer.warnings:
                        rep.warnings.append(Note(src.display, None, where + w))
        except DataError as exc:
            rep.errors.append(Note(src.display, None, exc.problem))
        if undated:
            self._settle_undated(src, rep, out, undated)
        self._collapse_date_errors(rep)
        return out

    def _settle_undated(self, src: Source, rep: FileReport, out: dict, undated: list) -> None:
        """A single file that nothing dates is one undated snapshot; if some of its
        features are dated, the undated ones are errors."""
        if all(is_undated(d) for d, _ in out):
            rep.notes.append(
                Note(
                    src.display,
                    None,
                    f"nothing gives this file a date (no {self.options.date_field!r} property, "
                    "no date in its name or folder): read as one undated snapshot; to date it, "
                    "put YYYY-MM-DD in the file name or use --date-field",
                )
            )
            return
        why = self._no_date()
        for label in undated:
            rep.errors.append(Note(src.display, label, why))
        rep.used -= len(undated)
        for key in [k for k in out if is_undated(k[0])]:
            del out[key]
        rep.dates = {d for d in rep.dates if not is_undated(d)}
        rep.factions = {f for _, f in out}

    def _collapse_date_errors(self, rep: FileReport) -> None:
        nodate = [e for e in rep.errors if e.message.startswith("no date")]
        if len(nodate) > 3:
            rest = [e for e in rep.errors if not e.message.startswith("no date")]
            rest.append(
                Note(
                    rep.file, None, f"{len(nodate)} features have no date: {nodate[0].message[9:]}"
                )
            )
            rep.errors[:] = rest

    def _feature(self, src, rep, raw: RawFeature, layer_hint, transformer, out, undated) -> None:
        rep.features += 1
        label = raw.label if layer_hint is None else f"{raw.label} of layer {layer_hint!r}"
        for w in raw.warnings:
            rep.warnings.append(Note(src.display, label, w))
        if raw.error:
            rep.errors.append(Note(src.display, label, raw.error))
            return
        for n in raw.notes:
            rep.repairs.append(Note(src.display, label, n))
        if raw.dropped_members:
            rep.skipped["non-polygon members of collections"] += raw.dropped_members
        geom = raw.geom
        if geom is None:
            if raw.kind in _POINTS:
                rep.skipped["points"] += 1
            elif raw.kind in _LINES:
                rep.skipped["lines"] += 1
            elif raw.kind is None:
                rep.skipped["no geometry"] += 1
            else:
                rep.skipped["empty geometry"] += 1
            return
        try:
            geom, repairs, problem = _clean_geometry(geom, transformer)
        except shapely.errors.GEOSException as exc:
            geom, repairs, problem = (
                None,
                [],
                (f"GEOS cannot process this geometry ({exc}); inspect and fix it in a GIS"),
            )
        for r in repairs:
            rep.repairs.append(Note(src.display, label, r))
        if problem:
            rep.errors.append(Note(src.display, label, problem))
            return
        if geom is None:
            rep.skipped["empty after repair"] += 1
            return
        # faction
        faction, why = self._faction_of(src, raw.props, layer_hint)
        if faction is None:
            if why == "unmatched":
                rep.skipped["unmatched"] += 1
            else:
                rep.errors.append(Note(src.display, label, why))
            return
        # date
        date, why = self._date_of(src, raw.props)
        if date is None and self._single_file and why == self._no_date():
            date = UNDATED
            undated.append(label)
        if date is None:
            rep.errors.append(Note(src.display, label, why))
            return
        rep.used += 1
        rep.dates.add(date)
        rep.factions.add(faction)
        out[(date, faction)].append(geom)

    def _faction_of(self, src: Source, props: dict, layer_hint) -> tuple[str | None, str]:
        table = self.factions
        try:
            fid = table.classify(props)
            if fid is not None:
                return fid, ""
            value = props.get(self.options.faction_field)
            if isinstance(value, (dict, list)):
                return None, (
                    f"property {self.options.faction_field!r} must be a string naming the "
                    f"faction, not {'an object' if isinstance(value, dict) else 'an array'}"
                )
            if value is not None and str(value).strip():
                return table.resolve(value), ""
            if layer_hint:
                return table.resolve(layer_hint), ""
            if src.folder_date is not None:
                return table.resolve(src.stem), ""
            if table.has_rules:
                return None, "unmatched"
            return table.resolve(src.folder), ""
        except ValueError as exc:
            return None, f"bad faction name: {exc}"

    def _date_of(self, src: Source, props: dict) -> tuple[dt.date | None, str]:
        value = props.get(self.options.date_field)
        if isinstance(value, (dict, list, bool)):
            kind = (
                "an object"
                if isinstance(value, dict)
                else "an array"
                if isinstance(value, list)
                else "a boolean"
            )
            return None, (
                f"property {self.options.date_field!r} must be a date such as "
                f'"2017-01-09", not {kind}'
            )
        if value is not None and str(value).strip():
            try:
                return parse_date(value), ""
            except ValueError as exc:
                return None, f"property {self.options.date_field!r}: {str(exc)[:200]}"
        if src.hinted_date:
            return src.hinted_date, ""
        return None, self._no_date()

    def _no_date(self) -> str:
        return (
            f"no date: no {self.options.date_field!r} property, and neither the file name "
            "nor its folder holds a date (YYYY-MM-DD or YYYYMMDD); use --date-field to name "
            "the property that holds it"
        )

    def _assemble(self, date: dt.date, pieces: dict[str, list], sources) -> Snapshot:
        territories = {}
        for fid in self.factions.order(pieces):
            geoms = pieces[fid]
            try:
                geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
                if self.clip is not None:
                    geom = shapely.intersection(geom, self.clip)
            except shapely.errors.GEOSException as exc:
                raise DataError(
                    f"GEOS cannot merge the polygons of {fid} on {date.isoformat()} ({exc}); "
                    "run 'frontmap check' and fix the features it repairs",
                    file=", ".join(sorted(set(sources))[:3]) or str(self.root),
                ) from None
            geom, _ = _polygonal_only(geom)
            if geom is None or geom.is_empty:
                continue
            territories[fid] = geom
        return Snapshot(date, territories, tuple(sorted(set(sources))))

    def files_for(self, dates=None) -> list[Source]:
        """The files that may hold territory for ``dates`` (all files when None):
        the files whose name or folder gives one of those dates, and every file
        whose name and folder give no date (its dates are in its features)."""
        if dates is None:
            return list(self.sources)
        wanted = set(dates)
        return [s for s in self.sources if s.hinted_date is None or s.hinted_date in wanted]

    def iter_snapshots(self, progress: Progress | None = None, dates=None) -> Iterator[Snapshot]:
        """Snapshots in date order, reading each date's files when it is reached.

        Files whose name or folder gives no date (layout 2) are read first.
        ``dates``: read and yield only these dates.
        """
        wanted = None if dates is None else set(dates)
        dated: dict[dt.date, list[Source]] = defaultdict(list)
        undated: list[Source] = []
        for s in self.files_for(wanted):
            (dated[s.hinted_date] if s.hinted_date else undated).append(s)
        pending: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        pending_src: dict[dt.date, list[str]] = defaultdict(list)
        done = 0
        total = sum(len(v) for v in dated.values()) + len(undated)
        for s in undated:
            for (d, fid), geoms in self.read_source(s).items():
                pending[d][fid].extend(geoms)
                pending_src[d].append(s.display)
            done += 1
            if progress:
                progress(done, total, s.display)
        for d in sorted(set(dated) | set(pending)):
            pieces = pending.pop(d, defaultdict(list))
            srcs = pending_src.pop(d, [])
            for s in dated.get(d, []):
                for (fd, fid), geoms in self.read_source(s).items():
                    if fd == d:
                        pieces[fid].extend(geoms)
                    else:  # a date property overrides the file's name
                        pending[fd][fid].extend(geoms)
                        pending_src[fd].append(s.display)
                srcs.append(s.display)
                done += 1
                if progress:
                    progress(done, total, s.display)
            if d in pending:  # filled by a file of an earlier date's folder
                for fid, geoms in pending.pop(d).items():
                    pieces[fid].extend(geoms)
                srcs.extend(pending_src.pop(d, []))
            if pieces and (wanted is None or d in wanted):
                yield self._assemble(d, pieces, srcs)
        # dates only found in properties of files filed under a later date
        for d in sorted(pending):
            if wanted is None or d in wanted:
                yield self._assemble(d, pending[d], pending_src.get(d, []))

    def read(self, progress: Progress | None = None, dates=None) -> Layers:
        """Read everything (or only ``dates``) into a :class:`Layers`."""
        snaps = sorted(self.iter_snapshots(progress, dates), key=lambda s: s.date)
        merged: dict[dt.date, Snapshot] = {}
        for s in snaps:  # the late-found dates may repeat an earlier one
            if s.date in merged:
                terr = dict(merged[s.date].territories)
                for fid, g in s.territories.items():
                    terr[fid] = shapely.union_all([terr[fid], g]) if fid in terr else g
                s = Snapshot(s.date, terr, tuple(sorted(set(merged[s.date].sources + s.sources))))
            merged[s.date] = s
        return Layers(
            root=self.root,
            factions=self.factions,
            snapshots=merged,
            report=self.report,
            clip=self.clip,
            places=self.places(),
        )


def read_layers(
    path: str | os.PathLike = "layers",
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    **kwargs,
) -> Layers:
    """Read a layers folder or file. Keyword arguments are :class:`ReadOptions` fields."""
    if kwargs:
        options = ReadOptions(**{**(options.__dict__ if options else {}), **kwargs})
    return Catalog(path, options).read(progress)


def iter_snapshots(
    path: str | os.PathLike = "layers", options: ReadOptions | None = None, **kwargs
) -> Iterator[Snapshot]:
    """Stream the snapshots of a layers folder in date order."""
    if kwargs:
        options = ReadOptions(**{**(options.__dict__ if options else {}), **kwargs})
    return Catalog(path, options).iter_snapshots()


# --------------------------------------------------------------------------
# Outlines (--clip, basemaps) and places


def read_outline(path: str | os.PathLike, merge: bool = True) -> shapely.Geometry:
    """The polygons of a file (a country outline, say), lon/lat WGS84: their
    union, or with ``merge=False`` all of them as they are (country borders
    kept, for a basemap)."""
    path = Path(path)
    display = str(path)
    if not path.is_file():
        raise DataError("no such file", file=display)
    layers, _ = _read_raw(path, display)
    polys = []
    for layer in layers:
        transformer = _transformer(layer.crs)
        for raw in layer.features:
            if raw.error:
                raise DataError(raw.error, file=display, feature=raw.label)
            if raw.geom is None:
                continue
            try:
                g, _, problem = _clean_geometry(raw.geom, transformer)
            except shapely.errors.GEOSException as exc:
                g, problem = None, f"GEOS cannot process this geometry ({exc})"
            if problem:
                raise DataError(problem, file=display, feature=raw.label)
            if g is not None:
                polys.append(g)
    if not polys:
        raise DataError("holds no polygons", file=display)
    if not merge:
        return shapely.MultiPolygon([p for g in polys for p in shapely.get_parts(g)])
    return shapely.union_all(polys)


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
