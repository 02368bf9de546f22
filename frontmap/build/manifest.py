"""The build manifest (``frontmap.toml``): defaults, ``[[map]]`` and ``[[table]]`` entries."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
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
    "basemap": "none",
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
    "png": False,
}
MAP_KEYS = {"name", "from", "to", "pairs", "title", "caption", "focus"} | set(DEFAULT_KEYS)
TABLE_KEYS = {"name", "kind", "format", "date"} | set(DEFAULT_KEYS)
TABLE_KINDS = ("areas", "timeline", "splits")
TABLE_FORMATS = {"csv": "csv", "json": "json", "md": "md", "table": "txt"}
MODES = ("side-by-side", "swipe")
PATH_KEYS = ("layers", "places", "factions", "clip")
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ +-]*$")


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
            f"{path}: [defaults]: unknown key(s) {_named(bad, DEFAULT_KEYS)}; "
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

