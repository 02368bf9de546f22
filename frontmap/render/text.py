"""The words and numbers that the page and the print image share (rendering).

Dates and areas are written here once, without the locale (the same bytes on
every machine), and so are the phrases both renderers put beside the maps.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "km2_short",
    "date_long",
    "date_short",
    "date_range_text",
    "default_title",
    "days_apart",
    "who_held",
    "CHANGED_KEY",
    "FRONT_KEY",
    "EVENT_KEY",
    "PLACE_KEY",
    "SOON_KEY",
    "CLOSEUP_KEY",
    "METHOD_SHORT",
    "closeup_facts",
]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

def km2_short(x: float) -> str:
    """An area for a map or table: 145,877 · 57.9 (sign dropped)."""
    x = abs(x)
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def date_long(d: dt.date) -> str:
    """9 January 2017."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def date_short(d: dt.date, year: bool = True) -> str:
    """9 Jan 2017 (or 9 Jan)."""
    text = f"{d.day} {_MONTHS[d.month - 1][:3]}"
    return f"{text} {d.year}" if year else text


def date_range_text(a: dt.date, b: dt.date) -> str:
    """9 Jan → 16 Jan 2017; 11 Dec 2016 → 9 Jan 2017."""
    return f"{date_short(a, year=a.year != b.year)} → {date_short(b)}"


def default_title(date_from: dt.date, date_to: dt.date, region: str | None = None) -> str:
    """``Syria and Iraq, 9 Jan → 16 Jan 2017`` (``Territorial control, ...`` without region)."""
    return f"{region or 'Territorial control'}, {date_range_text(date_from, date_to)}"


def days_apart(a: dt.date, b: dt.date) -> str:
    """7 days later, 1 day later, 3 days earlier: the TO map's tag."""
    days = (b - a).days
    return f"{abs(days)} day{'s' if abs(days) != 1 else ''} {'later' if days >= 0 else 'earlier'}"


def who_held(a: dt.date, b: dt.date) -> str:
    """The sentence under the title: Who held which ground on 9 January 2017 and on ..."""
    return f"Who held which ground on {date_long(a)} and on {date_long(b)}"


#: how the maps mark ground that changed hands (legend, after "Changed hands")
CHANGED_KEY = "hatched in the new holder's colour; small areas circled"
#: how the "before" map marks ground about to change hands (legend)
SOON_KEY = "About to change hands (on the {date} map: light hatching in the new holder's colour)"
#: the overview's boxes around the close-ups (legend)
CLOSEUP_KEY = "Shown close up below (numbered)"
#: the legend's other keys
FRONT_KEY = "Front line"
EVENT_KEY = "Pocket or corridor (labelled)"
PLACE_KEY = "City"
#: how areas are measured, in a few words (the print image's footer)
METHOD_SHORT = (
    "geodesic km² on the WGS84 ellipsoid, from the full-detail data; maps simplified for display"
)


def closeup_facts(highlight, name, most: int = 3) -> list[str]:
    """A close-up's own numbers, one short line each: who lost how much to whom there
    (largest first), and what its events left ("Pieces now: 34 and 17 km²").
    ``name`` maps a holder id to its display name."""
    from ..analysis.measure import CONTESTED, UNASSIGNED

    def move(a: str, b: str, km2: float) -> str:
        size = f"{km2_short(km2)} km²"
        if a == UNASSIGNED:  # not a side: ground no faction claimed on FROM
            return f"{name(b)} gained {size} that no faction held"
        if a == CONTESTED:
            return f"{name(b)} gained {size} that several factions claimed"
        if b == UNASSIGNED:
            return f"{name(a)} gave up {size} that no faction holds now"
        if b == CONTESTED:
            return f"{name(a)} lost {size} to several factions"
        return f"{name(a)} \u2192 {name(b)}: {size}"

    lines = [move(a, b, km2) for a, b, km2 in highlight.moves[:most] if km2 >= 0.05]
    for e in highlight.events:
        details = dict(e.details)
        if e.type == "split":
            pieces = [km2_short(x) for x in details.get("part_areas_km2") or []]
            if len(pieces) >= 2:
                lines.append(f"{name(e.faction)}: pieces of {', '.join(pieces[:-1])} and "
                             f"{pieces[-1]} km² now")
        elif e.type in ("encircled", "new_pocket", "pocket_lost"):
            what = {"encircled": "pocket encircled", "new_pocket": "new pocket",
                    "pocket_lost": "pocket lost"}[e.type]
            km2 = km2_short(details.get("area_km2") or 0.0)
            lines.append(f"{name(e.faction)}: {what}, {km2} km²")
    return lines
