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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import shapely

from ..errors import ConfigError, DataError, DateFormatError
from .clean import LINES, POINTS, clean_geometry, polygonal_only, transformer_for
from .discover import Source, discover
from .factions import FactionTable
from .files import read_raw
from .gazetteer import gazetteer_places
from .geojson import RawFeature
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
from .outlines import read_outline, read_places
from .rest import SNAP_KM, RestMaker

__all__ = ["ReadOptions", "Catalog", "read_layers", "iter_snapshots", "Progress"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ReadOptions:
    """Options every command that reads layers shares."""

    faction_field: str = "faction"
    date_field: str = "date"
    factions_file: Path | None = None
    clip: Path | None = None
    places: Path | None = None
    #: snapping tolerance (km) between factions and the clip's edge, for the rest faction
    snap_km: float = SNAP_KM



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
        self.rest = self._rest_maker()
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

    def places(self, bounds=None) -> list[Place]:
        """The places file (``--places``, or ``places.geojson|csv`` in the layers
        folder); without one, the built-in gazetteer's towns within ``bounds``
        (W, S, E, N; no places when None)."""
        if self.options.places:
            return read_places(self.options.places)
        for name in ("places.geojson", "places.json", "places.csv"):
            p = self._folder() / name
            if p.is_file():
                return read_places(p)
        if bounds is None:
            return []
        return gazetteer_places(bounds)

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
            layers, n_layers = read_raw(src.path, src.display)
            for layer in layers:
                try:
                    transformer = transformer_for(layer.crs)
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
            geom, repairs, problem = clean_geometry(geom, transformer)
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
        except DataError as exc:
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
            except DateFormatError as exc:
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
            geom, _ = polygonal_only(geom)
            if geom is None or geom.is_empty:
                continue
            territories[fid] = geom
        if self.rest is not None:
            made = self.rest.apply(territories)
            territories = {f: made[f] for f in self.factions.order(made)}
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
            places=self.places(_bounds(merged.values(), self.clip)),
        )


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
