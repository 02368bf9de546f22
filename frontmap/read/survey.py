"""What the features' properties hold, to catch typos in what the user named.

While the catalog reads, :class:`PropertySurvey` counts, for every property
name, the polygon features that have it and a few of its values. Once
everything is read, :func:`field_problems`, :func:`match_key_warnings` and
:func:`folder_fallback_note` turn what was named but never seen into
messages that list what the features do have.
"""

from __future__ import annotations

import difflib
from collections import Counter

__all__ = [
    "PropertySurvey",
    "field_problem",
    "match_key_warnings",
    "folder_fallback_note",
    "did_you_mean",
    "closest",
]

#: distinct values kept per property (enough to say "3 values: HTS, SAA, SDF")
_MAX_VALUES = 40


def closest(word: str, known) -> str | None:
    """The known word closest to ``word`` (difflib), or None."""
    same = [k for k in sorted(known) if k.casefold() == word.casefold()]
    if same:
        return same[0]
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, known) -> str:
    """`` (did you mean 'color'?)`` for the closest known word, or ``""``."""
    close = closest(word, known)
    return f" (did you mean {close!r}?)" if close else ""


class PropertySurvey:
    """Property names of the polygon features read, with counts and sample values."""

    def __init__(self) -> None:
        self.features = 0
        self.count: Counter = Counter()
        self.values: dict[str, Counter] = {}
        #: features whose faction came from nothing but their folder's name
        self.folder_fallback = 0
        self.folders: set[str] = set()

    def add(self, props: dict) -> None:
        self.features += 1
        for key, value in props.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            self.count[key] += 1
            vals = self.values.setdefault(key, Counter())
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                text = " ".join(str(value).split())
                if text in vals or len(vals) < _MAX_VALUES:
                    vals[text] += 1

    def has(self, key: str) -> bool:
        return self.count.get(key, 0) > 0

    def describe(self, limit: int = 8) -> str:
        """``'layer' (3 values: 'HTS', 'SAA', 'SDF'), 'path' (3 values: ...)``: the
        commonest properties first."""
        if not self.count:
            return "no properties at all"
        parts = []
        for key, n in sorted(self.count.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]:
            bits = [self._values_text(key)]
            if n < self.features:
                bits.append(f"on {n:,} of {self.features:,}")
            bits = [b for b in bits if b]
            parts.append(f"{key!r}" + (f" ({'; '.join(bits)})" if bits else ""))
        more = len(self.count) - limit
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")

    def _values_text(self, key: str) -> str:
        vals = self.values.get(key) or Counter()
        if not vals:
            return ""
        if len(vals) >= _MAX_VALUES:
            return f"{_MAX_VALUES}+ values"
        shown = sorted(vals, key=lambda v: (-vals[v], v))[:3]
        text = ", ".join(repr(v) if len(v) <= 24 else repr(v[:21] + "...") for v in shown)
        if len(vals) == 1:
            return f"always {text}"
        return f"{len(vals)} values: {text}" + (", ..." if len(vals) > 3 else "")

    def faction_candidates(self, exclude=()) -> list[str]:
        """Properties that look like they name factions: on (nearly) every polygon
        feature, with a few distinct text values that repeat."""
        out = []
        for key, n in self.count.items():
            if key in exclude or n < 0.9 * self.features:
                continue
            vals = self.values.get(key) or Counter()
            if not 1 <= len(vals) < _MAX_VALUES:
                continue
            if all(v.lstrip("-").replace(".", "", 1).isdigit() for v in vals):
                continue  # numbers: ids, counts
            if len(vals) == n and n > 3:
                continue  # every value different: names of features, not of factions
            out.append(key)
        prefer = ("faction", "layer", "side", "name", "category", "owner", "control")
        return sorted(out, key=lambda k: (-(k.casefold() in prefer), len(self.values[k]), k))


def field_problem(option: str, field: str, survey: PropertySurvey) -> str | None:
    """An option naming a property that no polygon feature has."""
    if not survey.features or survey.has(field):
        return None
    return (
        f"{option} {field!r}: no feature has this property{did_you_mean(field, survey.count)}; "
        f"the features have: {survey.describe()}"
    )


def match_key_warnings(factions, survey: PropertySurvey, source: str) -> list[str]:
    """A ``match`` key of factions.toml that no polygon feature has."""
    if not survey.features:
        return []
    out = []
    for f in factions:
        for rule in f.rules:
            if survey.has(rule.field):
                continue
            hint = did_you_mean(rule.field, survey.count)
            out.append(
                f"{source}: [factions.{f.id}] match key {rule.field!r} is not a property of "
                f"any feature read, so the rule matches nothing{hint}; "
                f"the features have: {survey.describe()}"
            )
    return out


def folder_fallback_note(survey: PropertySurvey, used: int, faction_field: str) -> str | None:
    """Every feature used took its faction from its folder's name."""
    if not used or survey.folder_fallback < used:
        return None
    folders = ", ".join(repr(f) for f in sorted(survey.folders)[:3])
    text = (
        f"every feature's faction is the name of its folder ({folders}): no "
        f"{faction_field!r} property, layer name or factions.toml rule names one"
    )
    candidates = survey.faction_candidates()
    if candidates:
        key = candidates[0]
        text += (
            f"; the property {key!r} looks like it names factions "
            f"({survey._values_text(key)}): try --faction-field {key}"
        )
    return text
