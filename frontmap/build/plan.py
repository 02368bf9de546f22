"""Planning a build: the manifest expanded into entries, and each entry's key
(what its outputs depend on: the content hashes of its input files, its
resolved settings and frontmap's version)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import (
    ArgumentError,
    ConfigError,
    DateFormatError,
    DateNotFoundError,
    FrontmapError,
)
from ..read.model import parse_date
from .manifest import (
    ANIMATION_FORMATS,
    CHART_FORMATS,
    MODES,
    TABLE_FORMATS,
    TABLE_KINDS,
    Manifest,
    safe_name,
)

__all__ = [
    "Entry",
    "plan",
    "Catalogs",
    "catalog_for",
    "entry_key",
    "FileHashes",
    "sha256_file",
    "relative",
]

@dataclass
class Entry:
    kind: str  # "map", "table", "chart" or "animation"
    id: str  # output base name, relative to the output folder
    spec: dict  # resolved settings: defaults + entry
    dates: tuple  # (from, to) for a map, (date,) for a splits table, () for the rest
    outputs: list[str] = field(default_factory=list)
    error: str | None = None  # a problem found while planning

    def describe(self) -> str:
        if self.kind == "map" and self.dates:
            return f"{self.id} ({self.dates[0]} -> {self.dates[1]})"
        return self.id


def _known_dates(catalog) -> list[dt.date]:
    if any(s.hinted_date is None for s in catalog.sources):
        return list(catalog.read().snapshots)  # dates only inside the files: read them
    return sorted({s.hinted_date for s in catalog.sources})


def _resolve_date(value, dates: list[dt.date], what: str) -> dt.date:
    if value in ("first", "last"):
        if not dates:
            raise DateNotFoundError(value, [])
        return dates[0] if value == "first" else dates[-1]
    try:
        d = parse_date(value)
    except DateFormatError as exc:
        raise ConfigError(f"{what}: {exc}") from None
    if d not in dates:
        raise DateNotFoundError(d.isoformat(), [x.isoformat() for x in dates])
    return d


READER_KEYS = (
    "layers",
    "faction_field",
    "date_field",
    "factions",
    "clip",
    "places",
    "snap_km",
    "date_pattern",
    "date_offset",
    "latest",
    "crs",
)


class Catalogs:
    """One catalog per set of reader settings, shared by planning and keying."""

    def __init__(self, manifest: Manifest):
        self.manifest = manifest
        self._cache: dict[tuple, object] = {}

    def get(self, spec: dict):
        key = tuple(spec.get(k) for k in READER_KEYS)
        if key not in self._cache:
            self._cache[key] = catalog_for(self.manifest, spec)
        return self._cache[key]


def catalog_for(manifest: Manifest, spec: dict):
    from ..read import Catalog, ReadOptions

    def opt(key):
        return manifest.resolve(spec[key]) if spec.get(key) else None

    offset = spec.get("date_offset") or 0
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise ConfigError(f"date_offset must be a whole number of days, got {offset!r}")
    for key in ("faction_field", "date_field", "date_pattern", "crs"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise ConfigError(f"{key} must be a string, got {spec[key]!r}")
    if not isinstance(spec.get("latest", False), bool):
        raise ConfigError(f"latest must be true or false, got {spec['latest']!r}")
    options = ReadOptions(
        faction_field=spec.get("faction_field"),
        date_field=spec.get("date_field"),
        factions_file=opt("factions"),
        clip=opt("clip"),
        places=opt("places"),
        snap_km=float(spec.get("snap_km", 2.0)),
        date_pattern=spec.get("date_pattern"),
        date_offset=offset,
        latest=bool(spec.get("latest")),
        crs=spec.get("crs"),
    )
    try:
        return Catalog(manifest.resolve(spec["layers"]), options)
    except ArgumentError as exc:  # a bad date_pattern or crs: the manifest is wrong
        raise ConfigError(f"{manifest.path}: {exc}") from None


def plan(manifest: Manifest, catalogs: Catalogs | None = None) -> list[Entry]:
    """Expand the manifest into entries (one per map page or table)."""
    entries: list[Entry] = []
    output = manifest.output
    catalogs = catalogs or Catalogs(manifest)
    dates_cache: dict[int, list[dt.date]] = {}

    def dates_for(spec) -> list[dt.date]:
        catalog = catalogs.get(spec)
        if id(catalog) not in dates_cache:
            dates_cache[id(catalog)] = _known_dates(catalog)
        return dates_cache[id(catalog)]

    for m in manifest.maps:
        spec = {**manifest.defaults, **m}
        try:
            name = safe_name(m["name"], output)
            if spec.get("mode") not in MODES:
                raise ConfigError(f"mode must be one of {', '.join(MODES)}")
            n = spec.get("highlights", 2)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigError(
                    f"highlights must be a whole number of close-ups, 0 or more (not {n!r})"
                )
            if m.get("pairs") is not None:
                if m["pairs"] != "consecutive":
                    raise ConfigError('pairs must be "consecutive"')
                dates = dates_for(spec)
                for a, b in zip(dates[:-1], dates[1:], strict=True):
                    entries.append(_map_entry(f"{name}/{a}_{b}", spec, a, b))
                continue
            if "from" not in m or "to" not in m:
                raise ConfigError('a [[map]] needs from and to (or pairs = "consecutive")')
            dates = dates_for(spec)
            a = _resolve_date(str(m["from"]), dates, "from")
            b = _resolve_date(str(m["to"]), dates, "to")
            entries.append(_map_entry(name, spec, a, b))
        except FrontmapError as exc:
            entries.append(Entry("map", str(m["name"]), spec, (), error=str(exc)))
    for t in manifest.tables:
        spec = {**manifest.defaults, **t}
        try:
            name = safe_name(t["name"], output)
            kind = t.get("kind")
            if kind not in TABLE_KINDS:
                raise ConfigError(f"kind must be one of {', '.join(TABLE_KINDS)}")
            fmt = t.get("format", "csv")
            if fmt not in TABLE_FORMATS:
                raise ConfigError(f"format must be one of {', '.join(TABLE_FORMATS)}")
            on: tuple = ()
            if kind == "splits":
                known = dates_for(spec)
                on = (_resolve_date(str(t.get("date", "last")), known, "date"),)
            e = Entry("table", name, spec, on)
            e.outputs = [f"{name}.{TABLE_FORMATS[fmt]}"]
            entries.append(e)
        except FrontmapError as exc:
            entries.append(Entry("table", str(t["name"]), spec, (), error=str(exc)))
    for kind, items, formats in (
        ("chart", manifest.charts, CHART_FORMATS),
        ("animation", manifest.animations, ANIMATION_FORMATS),
    ):
        for c in items:
            spec = {**manifest.defaults, **c}
            try:
                name = safe_name(c["name"], output)
                wanted = spec.get("format", formats[0])
                wanted = [wanted] if isinstance(wanted, str) else wanted
                if not wanted or any(f not in formats for f in wanted):
                    raise ConfigError(
                        f"format must be one of {', '.join(formats)} (or a list of them)"
                    )
                e = Entry(kind, name, spec, ())
                e.outputs = [f"{name}.{f}" for f in dict.fromkeys(wanted)]
                entries.append(e)
            except FrontmapError as exc:
                entries.append(Entry(kind, str(c["name"]), spec, (), error=str(exc)))
    seen: dict[str, str] = {}
    for e in entries:
        for out in e.outputs:
            if out in seen:
                e.error = f"writes {out}, as {seen[out]} does; give it another name"
            seen.setdefault(out, e.id)
    return entries


def _map_entry(name: str, spec: dict, a: dt.date, b: dt.date) -> Entry:
    e = Entry("map", name, spec, (a, b))
    e.outputs = [
        f"{name}.html", f"{name}.diff.json", f"{name}.diff.csv", f"{name}.thumb.png"
    ]
    if spec.get("png"):
        e.outputs.append(f"{name}.png")
    return e



def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class FileHashes:
    """Content hashes of input files, each file hashed at most once per build."""

    def __init__(self):
        self._cache: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        path = Path(path)
        if path not in self._cache:
            try:
                self._cache[path] = sha256_file(path)
            except OSError:
                self._cache[path] = "missing"
        return self._cache[path]


def _input_files(manifest: Manifest, e: Entry, catalog) -> list[Path]:
    # a map page's area chart covers every date: then it depends on every file
    two_dates = e.kind == "map" and not e.spec.get("chart", True)
    if two_dates or (e.kind == "table" and e.spec["kind"] == "splits"):
        sources = catalog.files_for(e.dates)
    else:
        sources = catalog.files_for(None)
    files = [s.path for s in sources]
    folder = catalog.root if catalog.root.is_dir() else catalog.root.parent
    for name in ("factions.toml", "places.geojson", "places.json", "places.csv"):
        if (folder / name).is_file():
            files.append(folder / name)
    for key in ("places", "factions", "clip"):
        if e.spec.get(key):
            files.append(manifest.resolve(e.spec[key]))
    basemap = e.spec.get("basemap")
    if e.kind in ("map", "animation") and basemap not in (None, "bundled", "none", "tiles"):
        files.append(manifest.resolve(basemap))
    return files


def entry_key(manifest: Manifest, e: Entry, catalog, hashes: FileHashes) -> str:
    files = _input_files(manifest, e, catalog)
    doc = {
        "frontmap": __version__,
        "kind": e.kind,
        "id": e.id,
        "spec": {k: e.spec[k] for k in sorted(e.spec)},
        "dates": [d.isoformat() for d in e.dates],
        "files": {relative(manifest.root, p): hashes(p) for p in sorted(set(files))},
    }
    blob = json.dumps(doc, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def relative(root: Path, p: Path) -> str:
    try:
        return Path(os.path.relpath(p, root)).as_posix()
    except ValueError:  # pragma: no cover - another drive
        return p.as_posix()

