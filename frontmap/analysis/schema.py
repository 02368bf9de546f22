"""The JSON that ``frontmap diff`` writes, as typed dictionaries (documentation
that the type checker holds the code to).

Each event is ``{"type", "faction", ...details}``; the ``*Details`` types are
what :class:`~frontmap.analysis.change.Event` keeps in ``details``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
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
    "FrontLineJSON",
    "DiffJSON",
]


class SplitDetails(TypedDict):
    """A part on FROM overlaps two or more parts on TO."""

    parts_before: int
    parts_after: int
    #: the factions holding the ground that separates the pieces (never ``unassigned``)
    by: list[str]
    #: km² of that ground (the corridor), not every km² the part lost
    corridor_km2: float
    #: the pieces on TO, largest first
    part_areas_km2: list[float]
    near: str | None
    #: the part cut was the faction's main body
    main: bool


class MergeDetails(TypedDict):
    """Parts joined (a siege broken)."""

    parts_before: int
    parts_after: int
    corridor_km2: float
    near: str | None


#: a pocket on TO that overlaps no part on FROM; ``from``: who held that ground on FROM
NewPocketDetails = TypedDict(  # noqa: UP013 - "from" is a keyword
    "NewPocketDetails",
    {"area_km2": float, "from": list[str], "near": str | None},
)


class PocketLostDetails(TypedDict):
    """A part on FROM that overlaps no part on TO."""

    area_km2: float
    #: who holds that ground on TO
    to: list[str]
    near: str | None
    main: bool


class EncircledDetails(TypedDict):
    """A pocket encircled on TO that was not on FROM."""

    area_km2: float
    by: list[str]
    near: str | None


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
    "TransferJSON", {"from": str, "to": str, "area_km2": float, "near": str | None}
)


class FrontLineJSON(TypedDict):
    factions: list[str]
    length_from_km: float
    length_to_km: float


DiffJSON = TypedDict(  # noqa: UP013 - "from" is a keyword
    "DiffJSON",
    {
        "from": str,
        "to": str,
        "factions": list[FactionChangeJSON],
        "transfers": list[TransferJSON],
        "events": list[EventJSON],
        "front_lines": list[FrontLineJSON],
        "area_of_interest_km2": float,
    },
)
