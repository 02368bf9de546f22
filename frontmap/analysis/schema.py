"""The JSON that ``frontmap diff`` writes, as typed dictionaries (documentation
that the type checker holds the code to).

Each event is ``{"type", "faction", ...details}``; the ``*Details`` types are
what :class:`~frontmap.analysis.change.Event` keeps in ``details``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "NearFields",
    "SplitDetails",
    "MergeDetails",
    "NewPocketDetails",
    "PocketLostDetails",
    "EncircledDetails",
    "EventDetails",
    "SplitEvent",
    "MergeEvent",
    "NewPocketEvent",
    "PocketLostEvent",
    "EncircledEvent",
    "EventJSON",
    "FactionChangeJSON",
    "TransferJSON",
    "ClaimJSON",
    "FrontLineJSON",
    "HighlightClaimJSON",
    "HighlightJSON",
    "DiffJSON",
]


class NearFields(TypedDict):
    """Where a piece is: the nearest place, the distance to it and the bearing from it."""

    near: str | None
    #: geodesic km from the place to the nearest point of the piece (0: it touches)
    near_km: float | None
    #: 8-point compass direction from the place to the piece ("north-east")
    near_bearing: str | None


class SplitDetails(NearFields):
    """A part on FROM overlaps two or more parts on TO."""

    parts_before: int
    parts_after: int
    #: the factions holding the ground that separates the pieces (never ``unassigned``)
    by: list[str]
    #: km² of that ground (the corridor), not every km² the part lost
    corridor_km2: float
    #: the pieces on TO, largest first
    part_areas_km2: list[float]
    #: the part cut was the faction's main body
    main: bool


class MergeDetails(NearFields):
    """Parts joined (a siege broken)."""

    parts_before: int
    parts_after: int
    corridor_km2: float


_NewPocketBase = TypedDict(  # noqa: UP013 - "from" is a keyword
    "_NewPocketBase", {"area_km2": float, "from": list[str]}
)


class NewPocketDetails(_NewPocketBase, NearFields):
    """A pocket on TO that overlaps no part on FROM; ``from``: who held that ground on FROM."""


class PocketLostDetails(NearFields):
    """A part on FROM that overlaps no part on TO."""

    area_km2: float
    #: who holds that ground on TO
    to: list[str]
    main: bool


class EncircledDetails(NearFields):
    """A pocket encircled on TO that was not on FROM."""

    area_km2: float
    by: list[str]


EventDetails = SplitDetails | MergeDetails | NewPocketDetails | PocketLostDetails | EncircledDetails


class SplitEvent(SplitDetails):
    type: Literal["split"]
    faction: str


class MergeEvent(MergeDetails):
    type: Literal["merge"]
    faction: str


class NewPocketEvent(NewPocketDetails):
    type: Literal["new_pocket"]
    faction: str


class PocketLostEvent(PocketLostDetails):
    type: Literal["pocket_lost"]
    faction: str


class EncircledEvent(EncircledDetails):
    type: Literal["encircled"]
    faction: str


EventJSON = SplitEvent | MergeEvent | NewPocketEvent | PocketLostEvent | EncircledEvent


class FactionChangeJSON(TypedDict):
    faction: str
    #: the display name (factions.toml), or the id when none is configured
    name: str
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    net_km2: float
    #: net change as a percentage of ``area_from_km2`` (null when it was 0)
    change_pct: float | None
    parts_from: int
    parts_to: int
    #: net - (gained - lost)
    edge_effect_km2: float


TransferJSON = TypedDict(  # noqa: UP013 - "from" is a keyword
    "TransferJSON",
    {
        "from": str,
        "to": str,
        "area_km2": float,
        "near": str | None,
        "near_km": float | None,
        "near_bearing": str | None,
    },
)

#: one line of a faction's ledger (see :mod:`frontmap.analysis.claims`)
ClaimJSON = TypedDict(  # noqa: UP013 - "from" is a keyword
    "ClaimJSON",
    {
        "from": str,
        "to": str,
        "area_km2": float,
        "counts_for": Literal["both", "from", "to"],
        "near": str | None,
        "near_km": float | None,
        "near_bearing": str | None,
        "near_area_km2": float | None,
    },
)


class FrontLineJSON(TypedDict):
    factions: list[str]
    length_from_km: float
    length_to_km: float


HighlightClaimJSON = TypedDict(  # noqa: UP013 - "from" is a keyword
    "HighlightClaimJSON", {"from": str, "to": str, "area_km2": float}
)


class HighlightJSON(NearFields):
    """A place where the most telling change happened (see
    :mod:`frontmap.analysis.highlights`); ``near`` is the place nearest its most telling
    change."""

    #: a sentence drafted from the highlight's own numbers, with display names
    title: str
    #: [W, S, E, N]: the change with a margin (at least 8 km, or a quarter of its size)
    bbox: list[float]
    #: the event types in it (split, merge, encircled, new_pocket, pocket_lost) and
    #: "claim" (ground changed hands), the most telling first
    kinds: list[str]
    #: km² of ground that changed hands in it
    area_km2: float
    #: who lost that ground to whom, largest first (the highlight's share of ``claims``)
    claims: list[HighlightClaimJSON]


DiffJSON = TypedDict(  # noqa: UP013 - "from" is a keyword
    "DiffJSON",
    {
        "from": str,
        "to": str,
        "factions": list[FactionChangeJSON],
        "transfers": list[TransferJSON],
        "claims": list[ClaimJSON],
        "events": list[EventJSON],
        "front_lines": list[FrontLineJSON],
        "area_of_interest_km2": float,
        #: the most telling first
        "highlights": list[HighlightJSON],
    },
)
