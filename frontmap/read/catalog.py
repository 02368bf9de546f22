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

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely

from ..errors import ConfigError, DataError, DateFormatError
from .clean import LINES, POINTS, clean_geometry, polygonal_only, transformer_for
from .clipper import Clipper
from .crs import (
    Extent,
    area_of_use_problem,
    declared_by,
    degrees_problem,
    null_island_problem,
    parse_crs,
)
from .discover import Source, discover
from .factions import FactionTable
from .files import is_wgs84, read_raw
from .gazetteer import gazetteer_places
from .geojson import RawFeature
from .model import (
    UNDATED,
    Duplicate,
    FileReport,
    Inputs,
    Layers,
    LazyPlaces,
    Note,
    Place,
    ReadReport,
    Snapshot,
    is_undated,
    parse_date,
)
from .names import DatePattern
from .outlines import read_clip_outline, read_places
from .provenance import input_file, input_files
from .rest import SNAP_KM, RestMaker
from .survey import PropertySurvey, field_problem, folder_fallback_note, match_key_warnings

__all__ = ["ReadOptions", "Catalog", "read_layers", "iter_snapshots", "Progress"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ReadOptions:
    """Options every command that reads layers shares.

    ``faction_field`` and ``date_field`` default to ``faction`` and ``date``;
    when one is named (not None), no feature having it is an error.
    ``date_pattern`` reads dates from file names (:class:`.names.DatePattern`);
    ``date_offset`` shifts every date by that many days; ``latest`` keeps only
    the newest file of each date (by the time of day in its name); ``crs``
    overrides the CRS that files declare.
    """

    faction_field: str | None = None
    date_field: str | None = None
    factions_file: Path | None = None
    clip: Path | None = None
    places: Path | None = None
    #: snapping tolerance (km) between factions and the clip's edge, for the rest faction
    snap_km: float = SNAP_KM
    date_pattern: str | None = None
    date_offset: int = 0
    latest: bool = False
    crs: str | None = None

    @property
    def faction_key(self) -> str:
        return self.faction_field or "faction"

    @property
    def date_key(self) -> str:
        return self.date_field or "date"


class Catalog:
    """The files of a layers folder with the rules to read them.

    ``Catalog(path).read()`` reads everything; ``iter_snapshots()`` reads one
    date at a time so that long series stream in bounded memory.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        options: ReadOptions | None = None,
        keep_unclipped: bool = False,
        defer_clip: bool = False,
    ):
        self.root = Path(path)
        self.options = options or ReadOptions()
        opts = self.options
        self.pattern = DatePattern(opts.date_pattern) if opts.date_pattern else None
        self._crs = None
        if opts.crs:
            crs = parse_crs(opts.crs)
            self._crs = None if is_wgs84(crs) else crs
        self.report = ReadReport()
        self._file_reports: dict[str, FileReport] = {}
        #: the factions.toml and places file in use (for provenance), once known
        self.factions_path: Path | None = None
        self.places_path: Path | None = None
        self.used_gazetteer = False
        self.sources = discover(self.root, self.pattern, opts.date_offset)
        if opts.latest:
            self._keep_latest()
        self.factions = self._load_factions()
        self.report.factions_source = self.factions.source
        self.clip = _clip_outline(opts.clip) if opts.clip else None
        self._clipper = Clipper(self.clip) if self.clip is not None else None
        self.rest = self._rest_maker()
        #: with a clip and ``defer_clip``: snapshots come unclipped, for the consumer to
        #: clip to this outline (``timeline(..., clip=...)`` clips in its workers); not
        #: with a rest faction, which is made of what the clipped factions leave
        self.deferred_clip = self.clip if defer_clip and self.rest is None else None
        #: with a clip: each (date, faction)'s territory before clipping (for ``check``)
        self.keep_unclipped = keep_unclipped
        self.unclipped: dict[dt.date, dict[str, shapely.Geometry]] = defaultdict(dict)
        #: LAYERS is one file: if nothing in it gives a date, it is one undated snapshot
        self._single_file = self.root.is_file()
        self.survey = PropertySurvey()

    def _keep_latest(self) -> None:
        """``--latest``: of the files of one date whose names carry a time of day, only
        the newest is read (files without a time are read as always)."""
        by_date: dict[dt.date, list[Source]] = defaultdict(list)
        for s in self.sources:
            if s.hinted_date is not None and s.name_time is not None:
                by_date[s.hinted_date].append(s)
        dropped = set()
        for d, group in by_date.items():
            if len(group) < 2:
                continue
            newest = max(group, key=lambda s: (s.name.stamp, s.display))  # type: ignore[union-attr]
            for s in group:
                if s is newest:
                    continue
                dropped.add(s.path)
                self._file_report(s).notes.append(
                    Note(
                        s.display,
                        None,
                        f"not read: --latest keeps {newest.display}, the newest file of "
                        f"{d.isoformat()} ({newest.name_time} against {s.name_time})",
                    )
                )
        self.sources = [s for s in self.sources if s.path not in dropped]

    # -- configuration ------------------------------------------------------

    def _folder(self) -> Path:
        return self.root if self.root.is_dir() else self.root.parent

    def _load_factions(self) -> FactionTable:
        if self.options.factions_file:
            self.factions_path = Path(self.options.factions_file)
            return FactionTable.load(self.options.factions_file)
        candidate = self._folder() / "factions.toml"
        if candidate.is_file():
            self.factions_path = candidate
            return FactionTable.load(candidate)
        return FactionTable()

    def _rest_maker(self) -> RestMaker | None:
        rest = self.factions.rest
        if rest is None:
            return None
        if self.clip is None:
            raise ConfigError(
                f"{self.factions.source}: [factions.{rest}] has rest = true, which needs an "
                "outline to hold the rest of: give one with --clip FILE (a national outline, "
                "say), or remove rest = true"
            )
        return RestMaker(self.clip, rest, self.options.snap_km)

    def places(self, bounds=None) -> Sequence[Place]:
        """The places file (``--places``, or ``places.geojson|csv`` in the layers
        folder), read now; without one, the built-in gazetteer's towns within
        ``bounds`` (W, S, E, N; no places when None), found on first use."""
        if self.options.places:
            self.places_path = Path(self.options.places)
            return read_places(self.options.places)
        for name in ("places.geojson", "places.json", "places.csv"):
            p = self._folder() / name
            if p.is_file():
                self.places_path = p
                return read_places(p)
        if bounds is None:
            return []
        self.used_gazetteer = True
        return LazyPlaces(lambda: gazetteer_places(bounds))

    def inputs(self, sources) -> Inputs:
        """The records (paths relative to the layers folder, SHA-256) of the files
        named in ``sources`` (``Snapshot.sources``) and of the factions, clip and
        places files in use: what provenance needs, hashed here, where files are
        read. A file that cannot be read any more is a DataError."""
        root = self._folder()
        by_display = {s.display: s.path for s in self.sources}

        def record(path: Path, many: bool = False):
            try:
                return input_files(path, root) if many else input_file(path, root)
            except OSError as exc:
                raise DataError(
                    f"cannot read it again to hash it ({exc.strerror or exc})", file=str(path)
                ) from None

        files = {
            s: record(by_display[s], many=True) for s in sorted(set(sources)) if s in by_display
        }
        return Inputs(
            layers=root.resolve().name,
            files=files,
            factions=record(self.factions_path) if self.factions_path else None,
            clip=record(Path(self.options.clip)) if self.options.clip else None,
            places=record(self.places_path) if self.places_path else None,
            gazetteer=self.used_gazetteer,
        )

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
        override = bool(self.options.crs)
        try:
            layers, n_layers = read_raw(src.path, src.display, ignore_crs=override, geodesic=True)
            for layer in layers:
                where = f"layer {layer.name!r}: " if n_layers > 1 else ""
                try:
                    self._read_layer(src, rep, layer, n_layers, out, undated, where)
                finally:
                    for w in layer.warnings:
                        rep.warnings.append(Note(src.display, None, where + w))
        except DataError as exc:
            rep.errors.append(Note(src.display, None, exc.problem))
        if undated:
            self._settle_undated(src, rep, out, undated)
        self._collapse_date_errors(rep)
        return out

    def _read_layer(self, src, rep, layer, n_layers, out, undated, where) -> None:
        """One layer's features, reprojected with the CRS it declares (or ``--crs``),
        which must fit its coordinates."""
        override = bool(self.options.crs)
        crs = self._crs if override else layer.crs
        who = declared_by(src.path, override)
        transformer = transformer_for(crs)
        hint = layer.name if n_layers > 1 else None
        features = layer.features
        raw_extent = Extent()
        measured = False
        if crs is not None and not crs.is_geographic:
            measured = True
            features = list(features)  # every coordinate is judged before any is used
            for raw in features:
                if raw.geom is not None:
                    raw_extent.add(shapely.bounds(raw.geom))
            problem = degrees_problem(crs, raw_extent.bounds, who)
            if problem:
                rep.features += len(features)
                rep.errors.append(Note(src.display, None, where + problem))
                return
        extent = Extent()
        for raw in features:
            extents = (None if measured else raw_extent, extent)
            self._feature(src, rep, raw, hint, transformer, out, undated, extents)
        if raw_extent.bounds is not None:
            merged = Extent()
            for b in (rep.raw_extent, raw_extent.bounds):
                if b is not None:
                    merged.add(b)
            rep.raw_extent = merged.bounds
        problem = area_of_use_problem(crs, extent.bounds, who)
        if problem:
            rep.errors.append(Note(src.display, None, where + problem))
            return
        problem = null_island_problem(crs, extent.bounds, who)
        if problem:
            rep.warnings.append(Note(src.display, None, where + problem))

    def _settle_undated(self, src: Source, rep: FileReport, out: dict, undated: list) -> None:
        """A single file that nothing dates is one undated snapshot; if some of its
        features are dated, the undated ones are errors."""
        if all(is_undated(d) for d, _ in out):
            rep.notes.append(
                Note(
                    src.display,
                    None,
                    f"nothing gives this file a date (no {self.options.date_key!r} property, "
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

    def _feature(
        self, src, rep, raw: RawFeature, layer_hint, transformer, out, undated, extents
    ) -> None:
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
        if geom is not None and extents[0] is not None:
            extents[0].add(shapely.bounds(geom))
        if geom is None:
            if raw.kind in POINTS:
                rep.skipped["points"] += 1
            elif raw.kind in LINES:
                rep.skipped["lines"] += 1
            elif raw.kind is None:
                rep.skipped["no geometry"] += 1
            else:
                rep.skipped["empty geometry"] += 1
            return
        try:
            geom, repairs, problem = clean_geometry(
                geom, transformer, densified=raw.densified, source=raw.undensified
            )
        except shapely.errors.GEOSException as exc:
            geom, repairs, problem = (
                None,
                [],
                (f"GEOS cannot process this geometry ({exc}); inspect and fix it in a GIS"),
            )
        for r in repairs:
            rep.repairs.append(Note(src.display, label, r))
        if problem:
            if self.options.crs and problem.startswith("coordinates out of lon/lat range"):
                problem = (
                    problem.split(": ", 1)[0]
                    + f": with --crs {self.options.crs} these coordinates land outside the "
                    "globe; they are not in that CRS (leave --crs out to use the file's own)"
                )
            rep.errors.append(Note(src.display, label, problem))
            return
        if geom is None:
            rep.skipped["empty after repair"] += 1
            return
        rep.polygons += 1
        extents[1].add(shapely.bounds(geom))
        self.survey.add(raw.props)
        # faction
        faction, why = self._faction_of(src, raw.props, layer_hint)
        if why == "folder":
            self.survey.folder_fallback += 1
            self.survey.folders.add(src.folder)
        elif faction is None:
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
        field = self.options.faction_key
        try:
            fid = table.classify(props)
            if fid is not None:
                return fid, ""
            value = props.get(field)
            if isinstance(value, (dict, list)):
                return None, (
                    f"property {field!r} must be a string naming the "
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
            return table.resolve(src.folder), "folder"
        except DataError as exc:
            return None, f"bad faction name: {exc}"

    def _date_of(self, src: Source, props: dict) -> tuple[dt.date | None, str]:
        field = self.options.date_key
        value = props.get(field)
        if isinstance(value, (dict, list, bool)):
            kind = (
                "an object"
                if isinstance(value, dict)
                else "an array"
                if isinstance(value, list)
                else "a boolean"
            )
            return None, (
                f"property {field!r} must be a date such as "
                f'"2017-01-09", not {kind}'
            )
        if value is not None and str(value).strip():
            try:
                d = parse_date(value)
            except DateFormatError as exc:
                return None, f"property {field!r}: {str(exc)[:200]}"
            offset = self.options.date_offset
            return (d + dt.timedelta(days=offset) if offset else d), ""
        if src.hinted_date:
            return src.hinted_date, ""
        return None, self._no_date()

    def _no_date(self) -> str:
        if self.pattern is not None:
            name = f"the file name does not match --date-pattern {self.pattern.text!r}"
        else:
            name = (
                "neither the file name nor its folder holds a date (YYYY-MM-DD, YYYYMMDD or "
                "Unix time)"
            )
        return (
            f"no date: no {self.options.date_key!r} property, and {name}; use --date-field "
            "to name the property that holds it, or --date-pattern to read it from the name"
        )

    def _assemble(self, date: dt.date, pieces: dict[str, list], files: dict[str, set]) -> Snapshot:
        territories = {}
        sources = sorted(set().union(*files.values())) if files else []
        for fid in self.factions.order(pieces):
            geoms = pieces[fid]
            self._files_of[(date, fid)].update(files.get(fid, ()))
            try:
                geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
                if self._clipper is not None and self.deferred_clip is None:
                    if self.keep_unclipped:
                        whole, _ = polygonal_only(geom)
                        if whole is not None:
                            self.unclipped[date][fid] = whole
                    geom = self._clipper(geom)
            except shapely.errors.GEOSException as exc:
                raise DataError(
                    f"GEOS cannot merge the polygons of {fid} on {date.isoformat()} ({exc}); "
                    "run 'frontmap check' and fix the features it repairs",
                    file=", ".join(sorted(set(files.get(fid, ())))[:3]) or str(self.root),
                ) from None
            geom, _ = polygonal_only(geom)
            if geom is None or geom.is_empty:
                continue
            territories[fid] = geom
        if self.rest is not None:
            made = self.rest.apply(territories)
            territories = {f: made[f] for f in self.factions.order(made)}
        return Snapshot(date, territories, tuple(sources))

    def files_for(self, dates=None) -> list[Source]:
        """The files that may hold territory for ``dates`` (all files when None):
        the files whose name or folder gives one of those dates, and every file
        whose name and folder give no date (its dates are in its features)."""
        if dates is None:
            return list(self.sources)
        wanted = set(dates)
        return [s for s in self.sources if s.hinted_date is None or s.hinted_date in wanted]

    def dates_from_names(self) -> list[dt.date] | None:
        """The dates the files' names and folders give, or None when some file's
        dates can only be known by reading it (layout 2)."""
        if any(s.hinted_date is None for s in self.sources):
            return None
        return sorted({s.hinted_date for s in self.sources if s.hinted_date is not None})

    def iter_snapshots(self, progress: Progress | None = None, dates=None) -> Iterator[Snapshot]:
        """Snapshots in date order, reading each date's files when it is reached.

        Files whose name or folder gives no date (layout 2) are read first.
        ``dates``: read and yield only these dates. Once every file is read,
        the report lists the (date, faction) pairs that several files give,
        and what the options named that no feature has.
        """
        wanted = None if dates is None else set(dates)
        dated: dict[dt.date, list[Source]] = defaultdict(list)
        undated: list[Source] = []
        for s in self.files_for(wanted):
            (dated[s.hinted_date] if s.hinted_date else undated).append(s)
        pending: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        pending_files: dict[dt.date, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        self._files_of: dict[tuple, set] = defaultdict(set)
        done = 0
        total = sum(len(v) for v in dated.values()) + len(undated)

        def take(src: Source) -> None:
            for (d, fid), geoms in self.read_source(src).items():
                pending[d][fid].extend(geoms)
                pending_files[d][fid].add(src.display)

        for s in undated:
            take(s)
            done += 1
            if progress:
                progress(done, total, s.display)
        for d in sorted(set(dated) | set(pending)):
            for s in dated.get(d, []):
                take(s)  # a date property overrides the file's name: other dates wait
                done += 1
                if progress:
                    progress(done, total, s.display)
            pieces = pending.pop(d, None)
            files = pending_files.pop(d, {})
            if pieces and (wanted is None or d in wanted):
                yield self._assemble(d, pieces, files)
        # dates only found in properties of files filed under a later date
        for d in sorted(pending):
            if wanted is None or d in wanted:
                yield self._assemble(d, pending[d], pending_files.get(d, {}))
        self._finish()

    def _finish(self) -> None:
        """What can be judged only once everything is read."""
        rep, opts = self.report, self.options
        rep.duplicates = [
            Duplicate(d, fid, tuple(sorted(files)))
            for (d, fid), files in sorted(self._files_of.items(), key=lambda kv: kv[0])
            if len(files) > 1
        ]
        where = str(self.root)
        for option, name in (("--faction-field", opts.faction_field),
                             ("--date-field", opts.date_field)):
            problem = field_problem(option, name, self.survey) if name else None
            if problem:
                rep.errors.append(Note(where, None, problem))
        source = self.factions.source or "factions.toml"
        for w in match_key_warnings(self.factions.configured, self.survey, source):
            rep.warnings.append(Note(where, None, w))
        used = sum(f.used for f in rep.files)
        note = folder_fallback_note(self.survey, used, opts.faction_key)
        if note:
            rep.notes.append(Note(where, None, note))

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
        places = self.places(_bounds(merged.values(), self.clip))
        return Layers(
            root=self.root,
            factions=self.factions,
            snapshots=merged,
            report=self.report,
            clip=self.clip,
            places=places,
            unclipped=dict(self.unclipped),
            inputs=self.inputs({f for s in merged.values() for f in s.sources}),
        )


def _clip_outline(path) -> shapely.Geometry:
    """The polygons of the clip file as one valid geometry (see read_clip_outline)."""
    return read_clip_outline(path)


def _bounds(snapshots, clip) -> tuple[float, float, float, float] | None:
    """The bounds of all territory (and the clip), or None when there is none."""
    geoms = [g for s in snapshots for g in s.territories.values()]
    if clip is not None:
        geoms.append(clip)
    if not geoms:
        return None
    b = shapely.bounds(geoms)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


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
