"""Factions: ids, display names, colours, aliases and classification rules.

Read from ``factions.toml`` (in the layers folder, or ``--factions FILE``)::

    [factions.IS]
    name = "Islamic State"
    color = "#2b2b2b"
    aliases = ["ISIS", "ISIL", "Daesh"]
    coalition = "jihadist"

    [factions.RU]
    name = "Russian-held"
    match = { fill = ["#a52714", "#880e4f"] }   # any property, any of the values

    [factions.GREY]
    match = { name = "re:(?i)unknown status" }  # a regular expression (search)

Matching is forgiving of whitespace (non-breaking spaces included) and case.
"""

from __future__ import annotations

import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import ConfigError, DataError
from .colors import CSS_COLORS, parse_color
from .survey import did_you_mean

__all__ = ["Faction", "FactionTable", "normalize", "RESERVED_HOLDERS", "PALETTE"]

#: Holder names that are not factions (see DESIGN.md): never usable as faction ids.
RESERVED_HOLDERS = ("contested", "unassigned")

#: Colours for factions that factions.toml does not list. A faction's colour is
#: picked by a checksum of its id, so it keeps its colour across data sets.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
)



def normalize(value) -> str:
    """Collapse all whitespace (including non-breaking spaces) and casefold."""
    return " ".join(str(value).split()).casefold()


def _squash(value) -> str:
    return " ".join(str(value).split())


@dataclass(frozen=True)
class _Matcher:
    field: str
    exact: frozenset[str]
    patterns: tuple[re.Pattern, ...]

    def matches(self, props: dict) -> bool:
        if self.field not in props or props[self.field] is None:
            return False
        raw = props[self.field]
        if isinstance(raw, bool):
            raw = str(raw).lower()
        value = _squash(raw)
        if value.casefold() in self.exact:
            return True
        return any(p.search(value) for p in self.patterns)


@dataclass(frozen=True)
class Faction:
    """A faction: an armed actor that holds ground."""

    id: str
    name: str
    color: str
    aliases: tuple[str, ...] = ()
    coalition: str | None = None
    configured: bool = True
    rules: tuple[_Matcher, ...] = field(default=(), compare=False, repr=False)
    #: this faction holds whatever ground of the clip no other faction claims
    rest: bool = False

    def matches(self, props: dict) -> bool:
        """True when the feature properties satisfy every key of this faction's rule."""
        return bool(self.rules) and all(m.matches(props) for m in self.rules)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "aliases": list(self.aliases),
            "coalition": self.coalition,
            "rest": self.rest,
        }


def palette_color(faction_id: str) -> str:
    return PALETTE[zlib.crc32(faction_id.encode("utf-8")) % len(PALETTE)]


class FactionTable:
    """The configured factions plus any the data names that are not configured."""

    def __init__(self, factions: list[Faction] | None = None, source: str | None = None):
        self.source = source
        self._configured: dict[str, Faction] = {}
        self._lookup: dict[str, str] = {}
        self._auto: dict[str, Faction] = {}
        for f in factions or []:
            self._add(f)

    def _add(self, f: Faction) -> None:
        if normalize(f.id) in RESERVED_HOLDERS:
            raise ConfigError(
                f"{self.source or 'factions'}: '{f.id}' is reserved for ground that is "
                "not one faction's; pick another id"
            )
        self._configured[f.id] = f
        for key in (f.id, f.name, *f.aliases):
            k = normalize(key)
            other = self._lookup.get(k)
            if other is not None and other != f.id:
                raise ConfigError(
                    f"{self.source or 'factions'}: '{key}' names both {other} and {f.id}"
                )
            self._lookup[k] = f.id

    @property
    def rest(self) -> str | None:
        """The id of the faction that holds the rest of the clip (``rest = true``), or None."""
        found = [f.id for f in self._configured.values() if f.rest]
        return found[0] if found else None

    @property
    def has_rules(self) -> bool:
        return any(f.rules for f in self._configured.values())

    @property
    def configured(self) -> list[Faction]:
        return list(self._configured.values())

    def classify(self, props: dict) -> str | None:
        """The id of the first configured faction whose ``match`` rule fits, else None."""
        for f in self._configured.values():
            if f.rules and f.matches(props):
                return f.id
        return None

    def resolve(self, name) -> str:
        """Map a raw faction name (id, display name or alias) to a faction id.

        Unknown names become factions of their own (whitespace squashed; the
        first spelling seen is kept for names that differ only in case).
        """
        key = normalize(name)
        if not key:
            raise DataError("empty faction name")
        if key in self._lookup:
            return self._lookup[key]
        if key in RESERVED_HOLDERS:
            raise DataError(f"'{_squash(name)}' is reserved (not a faction name)")
        fid = _squash(name)
        self._lookup[key] = fid
        self._auto[fid] = Faction(fid, fid, palette_color(fid), configured=False)
        return fid

    def get(self, faction_id: str) -> Faction:
        """The faction with this id (unconfigured: its id as name, a palette colour)."""
        if faction_id in self._configured:
            return self._configured[faction_id]
        if faction_id not in self._auto:
            self._auto[faction_id] = Faction(
                faction_id, faction_id, palette_color(faction_id), configured=False
            )
        return self._auto[faction_id]

    def order(self, ids) -> list[str]:
        """Ids sorted for display: configured factions in file order, then the rest by id."""
        conf = list(self._configured)
        ids = set(ids)
        return [i for i in conf if i in ids] + sorted(i for i in ids if i not in self._configured)

    @classmethod
    def load(cls, path: str | Path) -> FactionTable:
        """Read a ``factions.toml``. Raises ConfigError with the file name on any problem."""
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
            doc = tomllib.loads(text)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such factions file") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(doc, source=str(path))

    @classmethod
    def from_dict(cls, doc: dict, source: str = "factions") -> FactionTable:
        table = doc.get("factions", {})
        unknown_top = set(doc) - {"factions"}
        if unknown_top:
            first = sorted(unknown_top)[0]
            raise ConfigError(
                f"{source}: unknown section(s) {', '.join(sorted(unknown_top))}"
                f"{did_you_mean(first, ['factions'])}; expected only [factions.ID] tables"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: 'factions' must be a table of [factions.ID] entries")
        out = []
        for fid, spec in table.items():
            out.append(_faction_from_spec(fid, spec, source))
        rests = [f.id for f in out if f.rest]
        if len(rests) > 1:
            raise ConfigError(
                f"{source}: only one faction can hold the rest (rest = true): "
                f"{', '.join(rests)}"
            )
        return cls(out, source=source)


_KEYS = {"name", "color", "colour", "aliases", "coalition", "match", "rest"}
CSS_NAMES = sorted(CSS_COLORS)


def _faction_from_spec(fid: str, spec, source: str) -> Faction:
    where = f"{source}: [factions.{fid}]"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(spec) - _KEYS
    if unknown:
        named = ", ".join(f"{k!r}{did_you_mean(k, _KEYS)}" for k in sorted(unknown))
        raise ConfigError(
            f"{where}: unknown key(s) {named}; "
            f"allowed: {', '.join(sorted(_KEYS - {'colour'}))}"
        )
    if not _squash(fid):
        raise ConfigError(f"{where}: empty faction id")
    name = spec.get("name", fid)
    if not isinstance(name, str):
        raise ConfigError(f"{where}: name must be a string")
    given = spec.get("color", spec.get("colour"))
    color = parse_color(given) if isinstance(given, str) else None
    if given is None or given == "":
        color = palette_color(fid)
    elif color is None:
        hint = did_you_mean(given, CSS_NAMES) if isinstance(given, str) else ""
        raise ConfigError(
            f"{where}: color must be a hex colour such as '#1f77b4' or a CSS colour name "
            f"such as 'darkgreen', got {given!r}{hint}"
        )
    aliases = spec.get("aliases", [])
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError(f"{where}: aliases must be a list of strings")
    coalition = spec.get("coalition")
    if coalition is not None and not isinstance(coalition, str):
        raise ConfigError(f"{where}: coalition must be a string")
    rest = spec.get("rest", False)
    if not isinstance(rest, bool):
        raise ConfigError(f"{where}: rest must be true or false")
    rules = []
    match = spec.get("match")
    if match is not None:
        if not isinstance(match, dict) or not match:
            raise ConfigError(
                f"{where}: match must be a table of property = value(s), "
                'e.g. match = { fill = ["#a52714"] }'
            )
        for prop, values in match.items():
            if not isinstance(values, list):
                values = [values]
            exact, patterns = set(), []
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                    raise ConfigError(f"{where}: match.{prop} values must be strings or numbers")
                if isinstance(v, str) and v.startswith("re:"):
                    try:
                        patterns.append(re.compile(v[3:], re.IGNORECASE))
                    except re.error as exc:
                        raise ConfigError(f"{where}: bad regular expression {v!r}: {exc}") from None
                else:
                    exact.add(normalize(v))
            rules.append(_Matcher(prop, frozenset(exact), tuple(patterns)))
    return Faction(
        id=_squash(fid),
        name=name,
        color=color.lower(),
        aliases=tuple(aliases),
        coalition=coalition,
        rules=tuple(rules),
        rest=rest,
    )
