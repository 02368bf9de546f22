"""Map sets for CI: ``frontmap build`` from a manifest, incremental and reproducible.

A manifest (``frontmap.toml``) holds defaults shared by every entry and
entries: ``[[map]]`` (a comparison page, its PNG, its diff as JSON and CSV)
and ``[[table]]`` (areas, timeline or splits). An entry is rebuilt only when
its inputs change: the content hashes of the layer files it uses, its
resolved manifest entry, and frontmap's version. What was built is recorded
in ``<output>/.frontmap-build.json`` (deterministic; commit it with the
outputs so that ``frontmap build --check`` can verify them in CI).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import __version__
from .errors import ConfigError, DateNotFoundError, FrontmapError
from .formats import render_rows, to_json
from .model import parse_date
from .outputs import same_content, sweep_temporary, write_atomic

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "Manifest",
    "Entry",
    "EntryResult",
    "BuildReport",
    "load_manifest",
    "plan",
    "build",
    "STATE_FILE",
    "INDEX_FILE",
]

STATE_FILE = ".frontmap-build.json"
INDEX_FILE = "index.html"

#: keys allowed in [defaults], and overridable per entry
DEFAULT_KEYS = {
    "layers": "layers",
    "output": "output",
    "places": None,
    "basemap": "none",
    "offline": True,
    "mode": "side-by-side",
    "credit": None,
    "faction_field": "faction",
    "date_field": "date",
    "factions": None,
    "clip": None,
    "min_part_km2": 1.0,
    "link_km": 0.0,
    "png": False,
}
MAP_KEYS = {"name", "from", "to", "pairs", "title", "caption", "focus"} | set(DEFAULT_KEYS)
TABLE_KEYS = {"name", "kind", "format", "date"} | set(DEFAULT_KEYS)
TABLE_KINDS = ("areas", "timeline", "splits")
TABLE_FORMATS = {"csv": "csv", "json": "json", "md": "md", "table": "txt"}
MODES = ("side-by-side", "swipe")
_PATH_KEYS = ("layers", "places", "factions", "clip")
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ +-]*$")


# ---------------------------------------------------------------------------
# manifest


@dataclass
class Manifest:
    path: Path
    root: Path
    defaults: dict
    maps: list[dict]
    tables: list[dict]
    title: str = "Maps"

    @property
    def output(self) -> Path:
        return self._path(self.defaults["output"])

    def _path(self, value) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self.root / p


def load_manifest(path: str | os.PathLike = "frontmap.toml") -> Manifest:
    """Read and check a manifest; ConfigError names the file and the entry."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such manifest (write a frontmap.toml or pass --config FILE)"
        ) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(doc) - {"title", "defaults", "map", "table"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
            "expected title, [defaults], [[map]] and [[table]]"
        )
    if not isinstance(doc.get("title", ""), str):
        raise ConfigError(f"{path}: title must be a string")
    defaults = dict(DEFAULT_KEYS)
    given = doc.get("defaults", {})
    if not isinstance(given, dict):
        raise ConfigError(f"{path}: [defaults] must be a table")
    bad = set(given) - set(DEFAULT_KEYS)
    if bad:
        raise ConfigError(
            f"{path}: [defaults]: unknown key(s) {', '.join(sorted(bad))}; "
            f"allowed: {', '.join(sorted(DEFAULT_KEYS))}"
        )
    defaults.update(given)
    maps = doc.get("map", [])
    tables = doc.get("table", [])
    if not isinstance(maps, list) or not isinstance(tables, list):
        raise ConfigError(f"{path}: use [[map]] and [[table]] (arrays of tables)")
    for i, m in enumerate(maps):
        _check_entry(path, "map", i, m, MAP_KEYS)
    for i, t in enumerate(tables):
        _check_entry(path, "table", i, t, TABLE_KEYS)
    if not maps and not tables:
        raise ConfigError(f"{path}: no [[map]] or [[table]] entries")
    return Manifest(path, path.parent, defaults, maps, tables, doc.get("title") or "Maps")


def _check_entry(path, kind, i, entry, allowed) -> None:
    where = f"{path}: [[{kind}]] #{i + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    if "name" in entry:
        where += f" ({entry['name']!r})"
    bad = set(entry) - allowed
    if bad:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(bad))}; allowed: "
            f"{', '.join(sorted(allowed))}"
        )
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise ConfigError(f"{where}: needs a name (the output file name, without extension)")


def safe_name(name: str, output: Path) -> str:
    """An entry name as a relative path inside the output folder, or OutputPathError."""
    from .errors import OutputPathError

    text = name.strip()
    p = PurePosixPath(text)
    problem = None
    if "\\" in text or ":" in text or p.is_absolute():
        problem = "is an absolute path"
    elif any(part in ("..", ".", "") for part in text.split("/")):
        problem = "contains '..', '.' or an empty part"
    elif not all(_NAME_PART.match(part) for part in text.split("/")):
        problem = "may use only letters, digits, '.', '_', '-', '+', spaces and '/' between parts"
    elif text in (INDEX_FILE.rsplit(".", 1)[0],):
        problem = "is reserved for the index page"
    else:
        target = (output / text).resolve()
        base = output.resolve()
        if target != base and base not in target.parents:
            problem = "leads outside the output folder"
    if problem:
        raise OutputPathError(f"entry name {name!r} {problem}; refused")
    return str(p)


# ---------------------------------------------------------------------------
# planning


@dataclass
class Entry:
    kind: str  # "map" or "table"
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
    except ValueError as exc:
        raise ConfigError(f"{what}: {exc}") from None
    if d not in dates:
        raise DateNotFoundError(d.isoformat(), [x.isoformat() for x in dates])
    return d


_READER_KEYS = ("layers", "faction_field", "date_field", "factions", "clip", "places")


class _Catalogs:
    """One catalog per set of reader settings, shared by planning and keying."""

    def __init__(self, manifest: Manifest):
        self.manifest = manifest
        self._cache: dict[tuple, object] = {}

    def get(self, spec: dict):
        key = tuple(spec.get(k) for k in _READER_KEYS)
        if key not in self._cache:
            self._cache[key] = _catalog(self.manifest, spec)
        return self._cache[key]


def _catalog(manifest: Manifest, spec: dict):
    from .reading import Catalog, ReadOptions

    def opt(key):
        return manifest._path(spec[key]) if spec.get(key) else None

    options = ReadOptions(
        faction_field=spec["faction_field"],
        date_field=spec["date_field"],
        factions_file=opt("factions"),
        clip=opt("clip"),
        places=opt("places"),
    )
    return Catalog(manifest._path(spec["layers"]), options)


def plan(manifest: Manifest, catalogs: _Catalogs | None = None) -> list[Entry]:
    """Expand the manifest into entries (one per map page or table)."""
    entries: list[Entry] = []
    output = manifest.output
    catalogs = catalogs or _Catalogs(manifest)
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
            dates: tuple = ()
            if kind == "splits":
                known = dates_for(spec)
                dates = (_resolve_date(str(t.get("date", "last")), known, "date"),)
            e = Entry("table", name, spec, dates)
            e.outputs = [f"{name}.{TABLE_FORMATS[fmt]}"]
            entries.append(e)
        except FrontmapError as exc:
            entries.append(Entry("table", str(t["name"]), spec, (), error=str(exc)))
    seen: dict[str, str] = {}
    for e in entries:
        for out in e.outputs:
            if out in seen:
                e.error = f"writes {out}, as {seen[out]} does; give it another name"
            seen.setdefault(out, e.id)
    return entries


def _map_entry(name: str, spec: dict, a: dt.date, b: dt.date) -> Entry:
    e = Entry("map", name, spec, (a, b))
    e.outputs = [f"{name}.html", f"{name}.diff.json", f"{name}.diff.csv"]
    if spec.get("png"):
        e.outputs.append(f"{name}.png")
    return e


# ---------------------------------------------------------------------------
# keys: what an entry's outputs depend on


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Hashes:
    """Content hashes of input files, each file hashed at most once per build."""

    def __init__(self):
        self._cache: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        path = Path(path)
        if path not in self._cache:
            try:
                self._cache[path] = _sha256(path)
            except OSError:
                self._cache[path] = "missing"
        return self._cache[path]


def _input_files(manifest: Manifest, e: Entry, catalog) -> list[Path]:
    if e.kind == "map" or (e.kind == "table" and e.spec["kind"] == "splits"):
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
            files.append(manifest._path(e.spec[key]))
    basemap = e.spec.get("basemap")
    if e.kind == "map" and basemap not in (None, "none", "tiles"):
        files.append(manifest._path(basemap))
    return files


def entry_key(manifest: Manifest, e: Entry, catalog, hashes: _Hashes) -> str:
    files = _input_files(manifest, e, catalog)
    doc = {
        "frontmap": __version__,
        "kind": e.kind,
        "id": e.id,
        "spec": {k: e.spec[k] for k in sorted(e.spec)},
        "dates": [d.isoformat() for d in e.dates],
        "files": {_rel(manifest.root, p): hashes(p) for p in sorted(set(files))},
    }
    blob = json.dumps(doc, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _rel(root: Path, p: Path) -> str:
    try:
        return Path(os.path.relpath(p, root)).as_posix()
    except ValueError:  # pragma: no cover - another drive
        return p.as_posix()


# ---------------------------------------------------------------------------
# running one entry (in this process or a worker)


@dataclass
class EntryResult:
    id: str
    files: dict[str, bytes] = field(default_factory=dict)
    headline: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def run_entry(manifest: Manifest, e: Entry) -> EntryResult:
    """Compute one entry's outputs (bytes, not yet written). Never raises for bad data."""
    t0 = time.perf_counter()
    try:
        if e.kind == "map":
            files, headline = _run_map(manifest, e)
        else:
            files, headline = _run_table(manifest, e)
        return EntryResult(e.id, files, headline, seconds=time.perf_counter() - t0)
    except FrontmapError as exc:
        return EntryResult(e.id, error=str(exc), seconds=time.perf_counter() - t0)


def _read(manifest: Manifest, e: Entry, dates=None):
    catalog = _catalog(manifest, e.spec)
    layers = catalog.read(dates=dates)
    errors = layers.report.all_errors
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FrontmapError(f"bad data: {errors[0]}{more}; run 'frontmap check'")
    return layers


def _run_map(manifest: Manifest, e: Entry):
    from .change import FACTION_COLUMNS, diff
    from .render import build_scene, compare_page, compare_png, default_title
    from .summary import summarize

    a, b = e.dates
    layers = _read(manifest, e, dates=[a, b])
    s_from, s_to = layers.snapshot(a), layers.snapshot(b)
    order = layers.factions.order(set(s_from.territories) | set(s_to.territories))
    d = diff(
        s_from,
        s_to,
        clip=layers.clip,
        places=layers.places,
        min_part_km2=float(e.spec["min_part_km2"]),
        link_km=float(e.spec["link_km"]),
        order=order,
    )
    o = _render_options(manifest, e)
    title = o["title"] or default_title(a, b)
    try:
        geometry = None if isinstance(o["basemap"], str) else o["basemap"]
        scene = build_scene(layers, d, places=layers.places, focus=o["focus"], basemap=geometry)
        page = compare_page(
            layers,
            d,
            mode=o["mode"],
            title=title,
            caption=o["caption"],
            credit=o["credit"],
            basemap=o["basemap"],
            offline=o["offline"],
            scene=scene,
        )
        png = None
        if e.spec.get("png"):
            png = compare_png(
                layers, d, title=title, caption=o["caption"], credit=o["credit"], scene=scene
            )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    files = {
        f"{e.id}.html": page.encode("utf-8"),
        f"{e.id}.diff.json": to_json(d.as_dict()).encode("utf-8"),
        f"{e.id}.diff.csv": render_rows(
            [f.as_dict() for f in d.factions], FACTION_COLUMNS, "csv"
        ).encode("utf-8"),
    }
    if png is not None:
        files[f"{e.id}.png"] = png
    names = {f: layers.factions.get(f).name for f in order}
    headline = {
        "kind": "map",
        "title": title,
        "from": a.isoformat(),
        "to": b.isoformat(),
        "summary": summarize(d, names),
        "moves": [
            {"from": t.from_holder, "to": t.to_holder, "area_km2": round(t.area_km2, 1)}
            for t in d.transfers[:3]
        ],
        "png": bool(e.spec.get("png")),
        "mode": o["mode"],
    }
    return files, headline


def _render_options(manifest: Manifest, e: Entry) -> dict:
    from .reading import read_outline

    basemap = e.spec.get("basemap") or "none"
    if basemap not in ("none", "tiles"):
        basemap = read_outline(manifest._path(basemap), merge=False)
    return {
        "mode": e.spec.get("mode", "side-by-side"),
        "title": e.spec.get("title"),
        "caption": e.spec.get("caption"),
        "credit": e.spec.get("credit"),
        "focus": e.spec.get("focus"),
        "basemap": basemap,
        "offline": bool(e.spec.get("offline", True)),
    }


def _run_table(manifest: Manifest, e: Entry):
    kind, fmt = e.spec["kind"], e.spec.get("format", "csv")
    min_part = float(e.spec["min_part_km2"])
    if kind == "areas":
        from .measure import areas

        layers = _read(manifest, e)
        rows = [r.as_dict() for r in areas(layers.snapshots.values(), min_part)]
        text = render_rows(rows, ["date", "faction", "area_km2", "parts"], fmt)
    elif kind == "timeline":
        from .timeline import COLUMNS, timeline

        layers = _read(manifest, e)
        order = layers.factions.order({f for s in layers.snapshots.values() for f in s.territories})
        rows = [r.as_dict() for r in timeline(layers.snapshots.values(), min_part, order)]
        text = render_rows(rows, COLUMNS, fmt)
    else:
        from .topology import SPLIT_COLUMNS, split_rows, splits

        (date,) = e.dates
        layers = _read(manifest, e, dates=[date])
        snap = layers.snapshot(date)
        found = splits(
            snap,
            layers.places,
            min_part,
            float(e.spec["link_km"]),
            layers.factions.order(snap.territories),
        )
        if fmt == "json":
            text = to_json([f.as_dict() for f in found])
        else:
            text = render_rows(split_rows(found), SPLIT_COLUMNS, fmt)
    return {e.outputs[0]: text.encode("utf-8")}, {"kind": "table", "table": kind, "format": fmt}


# ---------------------------------------------------------------------------
# the build


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    stale: dict[str, str] = field(default_factory=dict)  # --check: output -> why
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.stale


def _load_state(output: Path) -> dict:
    try:
        state = json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
        if isinstance(state, dict) and isinstance(state.get("entries"), dict):
            return state
    except (OSError, ValueError):
        pass
    return {"entries": {}}


def _state_bytes(entries: dict) -> bytes:
    doc = {"frontmap": __version__, "entries": {k: entries[k] for k in sorted(entries)}}
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _outputs_current(output: Path, recorded: dict) -> str | None:
    """Why the recorded outputs are not on disk as built, or None when they are."""
    for rel, digest in sorted(recorded.get("outputs", {}).items()):
        path = output / rel
        if not path.is_file():
            return f"{rel} is missing"
        if _sha256(path) != digest:
            return f"{rel} was changed since it was built"
    return None


#: progress(status, entry, seconds, detail, done, total)
Progress = Callable[[str, str, float, str, int, int], None]


def build(
    manifest: Manifest,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    check: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build every entry that is out of date (all with ``force``; none with ``check``,
    which only reports what is stale). ``progress(status, entry, seconds, detail,
    done, total)`` is called once per entry."""
    from .parallel import executor

    t0 = time.perf_counter()
    report = BuildReport()
    output = manifest.output
    if not check:
        sweep_temporary(output)  # left by a build that was killed mid-write
    catalogs = _Catalogs(manifest)
    entries = plan(manifest, catalogs)
    state = _load_state(output)
    recorded = state["entries"]
    hashes = _Hashes()
    new_state: dict[str, dict] = {}
    todo: list[tuple[Entry, str]] = []

    done = 0

    def say(status, e, seconds=0.0, detail=""):
        nonlocal done
        done += 1
        if progress:
            progress(status, e.describe(), seconds, detail, done, len(entries))

    for e in entries:
        if e.error:
            report.failed[e.id] = e.error
            say("failed", e, detail=e.error)
            continue
        key = entry_key(manifest, e, catalogs.get(e.spec), hashes)
        old = recorded.get(e.id)
        why = None
        if force:
            why = "forced"
        elif old is None:
            why = "new"
        elif old.get("key") != key:
            why = "inputs changed"
        elif sorted(old.get("outputs", {})) != sorted(e.outputs):
            why = "outputs changed"
        else:
            why = _outputs_current(output, old)
        if why is None:
            new_state[e.id] = old
            report.skipped.append(e.id)
            say("skipped", e, detail="up to date")
            continue
        if check:
            report.stale[e.id] = why
            say("stale", e, detail=why)
            if old is not None:
                new_state[e.id] = old
            continue
        todo.append((e, key))

    if todo:
        with executor(jobs if len(todo) > 1 else 1, scheduler) as ex:
            futures = [(e, key, ex.submit(run_entry, manifest, e)) for e, key in todo]
            for e, key, fut in futures:
                res = fut.result()
                if res.error:
                    report.failed[e.id] = res.error
                    say("failed", e, res.seconds, res.error)
                    if e.id in recorded:
                        new_state[e.id] = recorded[e.id]
                    continue
                outputs = {}
                for rel in sorted(res.files):
                    data = res.files[rel]
                    target = output / rel
                    if not same_content(target, data):
                        write_atomic(target, data)
                        report.written.append(rel)
                    outputs[rel] = hashlib.sha256(data).hexdigest()
                new_state[e.id] = {"key": key, "outputs": outputs, "headline": res.headline}
                report.built.append(e.id)
                say("built", e, res.seconds, "")

    # the index and the state record, written only when their bytes change
    index = render_index(manifest, entries, new_state).encode("utf-8")
    state_bytes = _state_bytes(new_state)
    if check:
        if not same_content(output / INDEX_FILE, index):
            report.stale[INDEX_FILE] = "missing or out of date"
        if not same_content(output / STATE_FILE, state_bytes) and not report.stale:
            report.stale[STATE_FILE] = "missing or out of date"
    else:
        for name, data in ((INDEX_FILE, index), (STATE_FILE, state_bytes)):
            if not same_content(output / name, data):
                write_atomic(output / name, data)
                report.written.append(name)
    report.seconds = time.perf_counter() - t0
    return report


# ---------------------------------------------------------------------------
# the index page


_INDEX_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa}main{max-width:960px;margin:0 auto;padding:32px 20px}h1{font-size:28px;
margin:0 0 4px}p.sub{color:#555;margin:0 0 28px}ol{list-style:none;padding:0;margin:0}
li.map{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:16px 20px;
margin:0 0 14px}li.map h2{font-size:19px;margin:0 0 2px}li.map h2 a{color:#0b57d0;
text-decoration:none}li.map h2 a:hover{text-decoration:underline}.dates{color:#666;font-size:14px}
.summary{margin:8px 0 0}.moves{font-size:14px;color:#333;margin:6px 0 0}.files{font-size:14px;
margin:6px 0 0}.files a{margin-right:12px}table{border-collapse:collapse;font-size:15px}
td,th{padding:4px 12px 4px 0;text-align:left}h2.section{font-size:20px;margin:32px 0 10px}
.failed{color:#b00020}
"""


def render_index(manifest: Manifest, entries: list[Entry], state: dict) -> str:
    """The index page: every map with its dates, title and headline numbers."""
    esc = html.escape
    title = manifest.title
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{_INDEX_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
        '<p class="sub">Built by frontmap from '
        f"{esc(_rel(manifest.root, manifest._path(manifest.defaults['layers'])))}. "
        "Areas are geodesic km² on WGS84.</p>",
    ]
    maps = [e for e in entries if e.kind == "map"]
    tables = [e for e in entries if e.kind == "table"]
    if maps:
        out.append('<h2 class="section">Maps</h2><ol>')
    for e in maps:
        rec = state.get(e.id)
        if rec is None:
            reason = e.error or "not built"
            out.append(
                f'<li class="map"><h2>{esc(e.id)}</h2>'
                f'<p class="failed">Not built: {esc(reason)}</p></li>'
            )
            continue
        h = rec.get("headline", {})
        href = esc(PurePosixPath(e.id).as_posix() + ".html", quote=True)
        heading = h.get("title") or f"{h.get('from')} → {h.get('to')}"
        out.append(f'<li class="map"><h2><a href="{href}">{esc(heading)}</a></h2>')
        view = " · swipe view" if h.get("mode") == "swipe" else ""
        out.append(
            f'<div class="dates">{esc(str(h.get("from")))} → {esc(str(h.get("to")))}{view}</div>'
        )
        if h.get("summary"):
            out.append(f'<p class="summary">{esc(h["summary"])}</p>')
        moves = h.get("moves") or []
        if moves:
            text = "; ".join(f"{m['from']} → {m['to']}: {m['area_km2']:,.1f} km²" for m in moves)
            out.append(f'<p class="moves">Largest transfers: {esc(text)}</p>')
        links = [f'<a href="{href}">page</a>']
        base = PurePosixPath(e.id).as_posix()
        if h.get("png"):
            links.append(f'<a href="{esc(base + ".png", quote=True)}">PNG</a>')
        links.append(f'<a href="{esc(base + ".diff.json", quote=True)}">diff JSON</a>')
        links.append(f'<a href="{esc(base + ".diff.csv", quote=True)}">diff CSV</a>')
        out.append(f'<p class="files">{"".join(links)}</p></li>')
    if maps:
        out.append("</ol>")
    if tables:
        out.append(
            '<h2 class="section">Tables</h2><table><tr><th>table</th><th>kind</th>'
            "<th>file</th></tr>"
        )
        for e in tables:
            rec = state.get(e.id)
            if rec is None or not e.outputs:
                out.append(
                    f"<tr><td>{esc(e.id)}</td><td colspan=2 class=failed>"
                    f"not built: {esc(e.error or 'failed')}</td></tr>"
                )
                continue
            f = e.outputs[0]
            out.append(
                f"<tr><td>{esc(e.id)}</td><td>{esc(e.spec.get('kind', ''))}</td>"
                f'<td><a href="{esc(f, quote=True)}">{esc(f)}</a></td></tr>'
            )
        out.append("</table>")
    out.append("</main></body></html>\n")
    return "\n".join(out)
