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
from .geojson import RawFeature, parse_geojson
from .model import FileReport, Layers, Note, Place, ReadReport, Snapshot, parse_date

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


def _read_raw(src_path: Path, display: str) -> tuple[list[_RawLayer], int]:
    """The layers of a file as raw features, and how many layers it has."""
    if src_path.suffix.lower() in GEOJSON_EXTENSIONS:
        try:
            data = src_path.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read: {exc.strerror}", file=display) from None
        crs_text, feats = parse_geojson(data, display)
        crs = _crs(crs_text, display) if crs_text else None
        return [_RawLayer(None, crs, feats)], 1
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
        it = iter(src)
        i = 0
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
                if i > 10_000_000:
                    break
                continue
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
                raw.geom, raw.dropped_members = _polygonal_only(geom)
            yield raw
            i += 1


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


def _check_range(geom, display, label) -> str | None:
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
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
    elif max(abs(xmin), abs(xmax)) <= 360 and max(abs(ymin), abs(ymax)) <= 90:
        hint = (
            "longitude beyond ±180: the polygon may be drawn across the antimeridian "
            "without wrapping (use longitudes in -180..180)"
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


def _repair(geom) -> tuple[shapely.Geometry | None, str | None]:
    """(valid polygonal geometry or None, repair message or None)."""
    if shapely.is_valid(geom):
        return geom, None
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
        try:
            layers, n_layers = _read_raw(src.path, src.display)
            for layer in layers:
                transformer = _transformer(layer.crs)
                hint = layer.name if n_layers > 1 else None
                for raw in layer.features:
                    self._feature(src, rep, raw, hint, transformer, out)
        except DataError as exc:
            rep.errors.append(Note(src.display, None, exc.problem))
        self._collapse_date_errors(rep)
        return out

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

    def _feature(self, src, rep, raw: RawFeature, layer_hint, transformer, out) -> None:
        rep.features += 1
        label = raw.label if layer_hint is None else f"{raw.label} of layer {layer_hint!r}"
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
        if shapely.has_z(geom):
            geom = shapely.force_2d(geom)
        if transformer is not None:
            try:
                geom = _transform(geom, transformer)
            except Exception as exc:  # noqa: BLE001
                rep.errors.append(Note(src.display, label, f"cannot reproject: {exc}"))
                return
            if not np.isfinite(shapely.get_coordinates(geom)).all():
                rep.errors.append(
                    Note(src.display, label, "reprojection gave non-finite coordinates")
                )
                return
        problem = _check_range(geom, src.display, label)
        if problem:
            rep.errors.append(Note(src.display, label, problem))
            return
        geom, repair = _repair(geom)
        if repair:
            rep.repairs.append(Note(src.display, label, repair))
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
        if value is not None and str(value).strip():
            try:
                return parse_date(value), ""
            except ValueError as exc:
                return None, f"property {self.options.date_field!r}: {exc}"
        if src.hinted_date:
            return src.hinted_date, ""
        return None, (
            f"no date: no {self.options.date_field!r} property, and neither the file name "
            "nor its folder holds a date (YYYY-MM-DD or YYYYMMDD); use --date-field to name "
            "the property that holds it"
        )

    def _assemble(self, date: dt.date, pieces: dict[str, list], sources) -> Snapshot:
        territories = {}
        for fid in self.factions.order(pieces):
            geoms = pieces[fid]
            geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
            if self.clip is not None:
                geom = shapely.intersection(geom, self.clip)
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


def read_outline(path: str | os.PathLike) -> shapely.Geometry:
    """The union of every polygon in a file (a country outline, say), lon/lat WGS84."""
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
            g = shapely.force_2d(raw.geom)
            if transformer is not None:
                g = _transform(g, transformer)
            problem = _check_range(g, display, raw.label)
            if problem:
                raise DataError(problem, file=display, feature=raw.label)
            g, _ = _repair(g)
            if g is not None:
                polys.append(g)
    if not polys:
        raise DataError("holds no polygons", file=display)
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
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise DataError("a places file must be a GeoJSON FeatureCollection", file=display)
    for i, f in enumerate(feats):
        g = (f or {}).get("geometry") or {}
        props = (f or {}).get("properties") or {}
        if g.get("type") != "Point":
            continue
        name = next((props[k] for k in _NAME_KEYS if props.get(k)), None)
        if name is None:
            raise DataError("a place needs a 'name' property", file=display, feature=i)
        c = g.get("coordinates")
        if not (isinstance(c, list) and len(c) >= 2 and all(_is_num(v) for v in c[:2])):
            raise DataError("point coordinates must be [lon, lat] numbers", file=display, feature=i)
        places.append(_place(name, float(c[0]), float(c[1]), display, f"feature {i}"))
    return places


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _place(name, lon, lat, display, where) -> Place:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not np.isfinite([lon, lat]).all():
        raise DataError(f"{where}: lon/lat out of range ({lon}, {lat})", file=display)
    return Place(" ".join(str(name).split()), lon, lat)
