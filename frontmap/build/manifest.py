"""The build manifest (``frontmap.toml``): defaults, ``[[map]]`` and ``[[table]]`` entries."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import ConfigError, OutputPathError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "Manifest",
    "load_manifest",
    "safe_name",
    "STATE_FILE",
    "INDEX_FILE",
    "DEFAULT_KEYS",
    "MAP_KEYS",
    "TABLE_KEYS",
    "CHART_KEYS",
    "ANIMATION_KEYS",
    "CHART_FORMATS",
    "ANIMATION_FORMATS",
    "TABLE_KINDS",
    "TABLE_FORMATS",
    "MODES",
]

STATE_FILE = ".frontmap-build.json"
INDEX_FILE = "index.html"

#: keys allowed in [defaults], and overridable per entry
DEFAULT_KEYS = {
    "layers": "layers",
    "output": "output",
    "places": None,
    "basemap": "bundled",
    "offline": True,
    "mode": "side-by-side",
    "credit": None,
    "faction_field": None,  # None: the property "faction" (named: it must exist)
    "date_field": None,  # None: the property "date"
    "factions": None,
    "clip": None,
    "date_pattern": None,
    "date_offset": 0,
    "latest": False,
    "crs": None,
    "min_part_km2": 1.0,
    "link_km": 0.0,
    "snap_km": 2.0,
    "near_km": 25.0,
    "min_story_km2": None,
    "png": False,
    "chart": True,
    "highlights": 2,
}
MAP_KEYS = {"name", "from", "to", "pairs", "title", "caption", "focus"} | set(DEFAULT_KEYS)
TABLE_KEYS = {"name", "kind", "format", "date"} | set(DEFAULT_KEYS)
CHART_KEYS = {
    "name", "format", "from", "to", "title", "source", "relative", "only", "width",
} | set(DEFAULT_KEYS)
ANIMATION_KEYS = {"name", "format", "from", "to", "title", "fps"} | set(DEFAULT_KEYS)
CHART_FORMATS = ("svg", "png", "pdf")
ANIMATION_FORMATS = ("html", "gif", "mp4")
TABLE_KINDS = ("areas", "timeline", "splits")
TABLE_FORMATS = {"csv": "csv", "json": "json", "md": "md", "table": "txt"}
MODES = ("side-by-side", "swipe")
PATH_KEYS = ("layers", "places", "factions", "clip")
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ +-]*$")


@dataclass
class Manifest:
    path: Path
    root: Path  # the manifest's folder, absolute: workers elsewhere resolve paths alike
    defaults: dict
    maps: list[dict]
    tables: list[dict]
    title: str = "Maps"
    charts: list[dict] = field(default_factory=list)
    animations: list[dict] = field(default_factory=list)

    @property
    def output(self) -> Path:
        return self.resolve(self.defaults["output"])

    def resolve(self, value) -> Path:
        """A path of the manifest: relative ones are relative to its folder."""
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
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(doc) - {"title", "defaults", "map", "table", "chart", "animation"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
            "expected title, [defaults], [[map]], [[table]], [[chart]] and [[animation]]"
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
            f"{path}: [defaults]: unknown key(s) {_named(bad, DEFAULT_KEYS)}; "
            f"allowed: {', '.join(sorted(DEFAULT_KEYS))}"
        )
    defaults.update(given)
    maps = doc.get("map", [])
    tables = doc.get("table", [])
    charts = doc.get("chart", [])
    animations = doc.get("animation", [])
    if not all(isinstance(x, list) for x in (maps, tables, charts, animations)):
        raise ConfigError(
            f"{path}: use [[map]], [[table]], [[chart]] and [[animation]] (arrays of tables)"
        )
    for kind, items, keys in (
        ("map", maps, MAP_KEYS),
        ("table", tables, TABLE_KEYS),
        ("chart", charts, CHART_KEYS),
        ("animation", animations, ANIMATION_KEYS),
    ):
        for i, entry in enumerate(items):
            _check_entry(path, kind, i, entry, keys)
    if not maps and not tables and not charts and not animations:
        raise ConfigError(f"{path}: no [[map]], [[table]], [[chart]] or [[animation]] entries")
    # every path of the manifest is resolved against an absolute folder, so the
    # entries mean the same files wherever they run (a Dask worker has its own cwd)
    root = Path(os.path.abspath(path)).parent
    return Manifest(
        path, root, defaults, maps, tables, doc.get("title") or "Maps", charts, animations
    )


def _check_entry(path, kind, i, entry, allowed) -> None:
    where = f"{path}: [[{kind}]] #{i + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    if "name" in entry:
        where += f" ({entry['name']!r})"
    bad = set(entry) - allowed
    if bad:
        raise ConfigError(
            f"{where}: unknown key(s) {_named(bad, allowed)}; allowed: "
            f"{', '.join(sorted(allowed))}"
        )
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise ConfigError(f"{where}: needs a name (the output file name, without extension)")


def _named(bad, allowed) -> str:
    """``layer (did you mean 'layers'?), foo``."""
    from ..read.survey import did_you_mean

    return ", ".join(f"{k}{did_you_mean(k, allowed)}" for k in sorted(bad))


def safe_name(name: str, output: Path) -> str:
    """An entry name as a relative path inside the output folder, or OutputPathError."""

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

