"""Change between two snapshots: gains, losses, transfers, events, front lines (analysis).

On each date every point of the area of interest has exactly one *holder*: a
faction (ground only it claims), ``contested`` (claimed by two or more) or
``unassigned`` (claimed by none). The area of interest is the clip outline
when there is one, else the union of all territory on both dates.

Overlays are planar in lon/lat, as PostGIS ``ST_Difference`` is; every piece
is then measured geodesically (:func:`.geodesy.area_km2`, ``ST_Area(geography)``).
Pieces and wholes agree because the reader densified every long edge along its
geodesic (:mod:`frontmap.read.densify`): no straight lon/lat line strays more
than ``TOLERANCE_M`` (0.1 m) from the geodesic it stands for, so a boundary that
cuts an edge leaves at most a sliver under one short chord. Each faction's
``edge_effect_km2`` reports what remains, ``net - (gained - lost)`` (~0), so
every number can be traced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import shapely

from ..read.model import Layers, Place, Snapshot
from .claims import Claim, claims
from .geodesy import area_km2, length_km
from .holders import LazyHolders, _diff_transfers, holders
from .measure import (
    CONTESTED,
    UNASSIGNED,
    polygonal,
    present_factions,
    refined_snapshots,
)
from .nearby import within_distance
from .overlay import PairOverlay, overlap_km2
from .places import NEAR_KM, Where, locate
from .schema import (
    EncircledDetails,
    EventDetails,
    MergeDetails,
    NearFields,
    NewPocketDetails,
    PocketLostDetails,
    SplitDetails,
)
from .topology import (
    SNAP_DEG,
    Part,
    border_km,
    is_encircled,
)

__all__ = [
    "FactionChange",
    "Transfer",
    "Event",
    "FrontLine",
    "Diff",
    "diff",
    "diff_dates",
    "EVENT_ORDER",
    "holders",
    "shared_border",
    "TRANSFER_MIN_KM2",
    "FACTION_COLUMNS",
]

#: the per-faction columns of a diff, in order (CSV and tables)
FACTION_COLUMNS = [
    "faction",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "change_pct",
    "parts_from",
    "parts_to",
]
#: transfers smaller than this are left out of the JSON list (kept in the matrix)
TRANSFER_MIN_KM2 = 0.01
#: the order events are listed in, per faction
EVENT_ORDER = ("split", "merge", "encircled", "new_pocket", "pocket_lost")


@dataclass
class FactionChange:
    faction: str
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    net_km2: float
    change_pct: float | None
    parts_from: int
    parts_to: int
    edge_effect_km2: float = 0.0

    def as_dict(self) -> dict:
        return {
            "faction": self.faction,
            "area_from_km2": self.area_from_km2,
            "area_to_km2": self.area_to_km2,
            "gained_km2": self.gained_km2,
            "lost_km2": self.lost_km2,
            "net_km2": self.net_km2,
            "change_pct": self.change_pct,
            "parts_from": self.parts_from,
            "parts_to": self.parts_to,
            "edge_effect_km2": self.edge_effect_km2,
        }


@dataclass
class Transfer:
    from_holder: str
    to_holder: str
    area_km2: float
    geom: shapely.Geometry = field(default=None, repr=False)
    #: where the largest piece of this ground is (None without places)
    where: Where | None = None

    @property
    def near(self) -> str | None:
        return self.where.place if self.where else None

    def as_dict(self) -> dict:
        return {
            "from": self.from_holder,
            "to": self.to_holder,
            "area_km2": self.area_km2,
            **_near_fields(self.where),
        }


@dataclass
class Event:
    type: str
    faction: str
    details: EventDetails
    geom: shapely.Geometry = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"type": self.type, "faction": self.faction, **self.details}


@dataclass
class FrontLine:
    factions: tuple[str, str]
    length_from_km: float
    length_to_km: float
    geom_from: shapely.Geometry = field(default=None, repr=False)
    geom_to: shapely.Geometry = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {
            "factions": list(self.factions),
            "length_from_km": self.length_from_km,
            "length_to_km": self.length_to_km,
        }


@dataclass
class Diff:
    """Everything that changed between two snapshots; ``as_dict()`` is the JSON."""

    date_from: dt.date
    date_to: dt.date
    factions: list[FactionChange]
    transfers: list[Transfer]
    events: list[Event]
    front_lines: list[FrontLine]
    aoi_km2: float
    #: the faction-eye view: who lost ground to whom, who gained it from whom
    claims: list[Claim] = field(default_factory=list)
    #: every transfer with area > 0 (the JSON lists those >= TRANSFER_MIN_KM2)
    matrix: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    #: km² of each holder on each date (computed on first use, see :class:`LazyHolders`)
    holders_from: Mapping[str, float] = field(default_factory=dict, repr=False)
    holders_to: Mapping[str, float] = field(default_factory=dict, repr=False)
    aoi: shapely.Geometry = field(default=None, repr=False)
    #: each date's holders as geometries (see :func:`holders`), for drawing; computed on
    #: first use
    holder_geoms_from: Mapping[str, shapely.Geometry] = field(default_factory=dict, repr=False)
    holder_geoms_to: Mapping[str, shapely.Geometry] = field(default_factory=dict, repr=False)
    #: display names of the factions (ids where none is configured)
    names: dict[str, str] = field(default_factory=dict, repr=False)
    near_km: float = NEAR_KM
    #: smallest change that gets a sentence or a label (None: the default rule)
    min_story_km2: float | None = None
    #: the area of interest is a clip outline (else the union of both dates' ground)
    clipped: bool = False
    #: the places "near" is measured to (for highlights)
    places: Sequence[Place] | None = field(default=None, repr=False)

    def name(self, holder: str) -> str:
        """A faction's display name (its id when it has none); holders as they are."""
        return self.names.get(holder, holder)

    def faction(self, fid: str) -> FactionChange:
        for f in self.factions:
            if f.faction == fid:
                return f
        raise KeyError(fid)

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "factions": [
                {"faction": f.faction, "name": self.name(f.faction), **f.as_dict()}
                for f in self.factions
            ],
            "transfers": [t.as_dict() for t in self.transfers],
            "claims": [c.as_dict() for c in self.claims],
            "events": [e.as_dict() for e in self.events],
            "front_lines": [f.as_dict() for f in self.front_lines],
            "area_of_interest_km2": self.aoi_km2,
            "highlights": [h.as_dict() for h in _highlights(self)],
        }


def _highlights(d: Diff) -> list:
    from .highlights import highlights  # it imports this module

    return highlights(d)


# ---------------------------------------------------------------------------
# front lines


def shared_border(a, b) -> tuple[float, shapely.Geometry]:
    """Km of border two territories share (lines within SNAP_M of each other;
    where they overlap, each one's edge inside the other)."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0, None
    pad = 2 * SNAP_DEG
    ba, bb = shapely.bounds(a), shapely.bounds(b)
    if ba[0] > bb[2] + pad or bb[0] > ba[2] + pad or ba[1] > bb[3] + pad or bb[1] > ba[3] + pad:
        return 0.0, None
    window = (
        max(ba[0], bb[0]) - pad,
        max(ba[1], bb[1]) - pad,
        min(ba[2], bb[2]) + pad,
        min(ba[3], bb[3]) + pad,
    )
    la = shapely.clip_by_rect(a, *window)
    lb = shapely.clip_by_rect(b, *window)
    if la.is_empty or lb.is_empty:
        return 0.0, None
    # clip the boundaries themselves: a clipped polygon's boundary has the window's edges
    edge_a = shapely.clip_by_rect(shapely.boundary(a), *window)
    edge_b = shapely.clip_by_rect(shapely.boundary(b), *window)
    # each edge's parts within SNAP of the other territory (as a buffer of it
    # would find them, without building the buffer: see nearby.py)
    wa = within_distance(edge_a, edge_b, lb, SNAP_DEG)
    wb = within_distance(edge_b, edge_a, la, SNAP_DEG)
    km = (length_km(wa) + length_km(wb)) / 2
    if km < 1e-3:
        return 0.0, None
    return km, wa


def _front_lines(t_from: dict, t_to: dict, order: list[str]) -> list[FrontLine]:
    out = []
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            lf, gf = shared_border(t_from.get(a), t_from.get(b))
            lt, gt = shared_border(t_to.get(a), t_to.get(b))
            if lf > 0 or lt > 0:
                out.append(FrontLine((a, b), lf, lt, gf, gt))
    return out


# ---------------------------------------------------------------------------
# events


Locator = Callable[[shapely.Geometry], "Where | None"]


def _near_fields(where: Where | None) -> NearFields:
    if where is None:
        return {"near": None, "near_km": None, "near_bearing": None}
    return {"near": where.place, "near_km": where.km, "near_bearing": where.bearing}


def _near(where: Locator, geom) -> NearFields:
    """The ``near``, ``near_km`` and ``near_bearing`` members for a piece of ground."""
    return _near_fields(where(geom))


def _largest_piece(geom):
    pieces = list(shapely.get_parts(geom))
    return max(pieces, key=area_km2) if pieces else geom


def _overlap_km2(a, b) -> float:
    if not shapely.intersects(a, b):
        return 0.0
    return area_km2(polygonal(shapely.intersection(a, b)))


def _overlaps(parts_a, parts_b) -> dict[int, list[int]]:
    """For each part of ``a``, the parts of ``b`` it overlaps (by more than a sliver)."""
    out = {}
    for i, pa in enumerate(parts_a):
        hits = []
        box_a = shapely.bounds(pa.geom)
        for j, pb in enumerate(parts_b):
            box_b = shapely.bounds(pb.geom)
            if (box_a[0] > box_b[2] or box_b[0] > box_a[2] or box_a[1] > box_b[3]
                    or box_b[1] > box_a[3]):
                continue  # (apart: no overlap)
            km2 = overlap_km2(pa.geom, pb.geom, pa.area_km2)
            if km2 > min(0.01, 0.01 * min(pa.area_km2, pb.area_km2)):
                hits.append(j)
        out[i] = hits
    return out


def _holders_in(geom, territories: dict, exclude: str | None = None) -> list[tuple[str, float]]:
    """Who holds ``geom`` (faction ids, then unassigned), largest share first."""
    if geom is None or geom.is_empty:
        return []
    found = []
    covered = []
    for fid, g in territories.items():
        if fid == exclude or not shapely.intersects(geom, g):
            continue
        piece = polygonal(shapely.intersection(geom, g))
        km2 = area_km2(piece)
        if km2 > 0:
            found.append((fid, km2))
            covered.append(piece)
    rest = area_km2(geom) - (area_km2(shapely.union_all(covered)) if covered else 0.0)
    if rest > max(TRANSFER_MIN_KM2, 1e-3 * area_km2(geom)):
        found.append((UNASSIGNED, rest))
    found.sort(key=lambda kv: (-kv[1], kv[0]))
    return found


def _significant(pairs: list[tuple[str, float]], total: float) -> list[str]:
    return [k for k, v in pairs if v >= max(TRANSFER_MIN_KM2, 0.01 * total)]


def _bridging(ground, parts, idx: list[int]):
    """Pieces of ``ground`` that touch two or more of the parts ``idx`` (a corridor)."""
    ground = polygonal(ground)
    if ground.is_empty:
        return ground
    pieces = list(shapely.get_parts(ground))
    near = [shapely.buffer(parts[j].geom, SNAP_DEG) for j in idx]
    both = [p for p in pieces if sum(shapely.intersects(p, z) for z in near) >= 2]
    if not both:
        both = [p for p in pieces if any(shapely.intersects(p, z) for z in near)]
    if not both:
        return ground
    return polygonal(shapely.union_all(both))


@dataclass
class _PartsOf:
    """One faction's parts on both dates, and which overlaps which."""

    faction: str
    before: list[Part]
    after: list[Part]
    #: for each part on FROM, the parts on TO it overlaps (and the other way round)
    forward: dict[int, list[int]]
    backward: dict[int, list[int]]
    overlay: PairOverlay

    def outside(self, geom, lost: bool):
        """A part on FROM minus the faction's ground on TO (``lost``), or a part on TO
        minus its ground on FROM: the part's share of the faction's losses (gains)."""
        ov = self.overlay
        other = (ov.t_to if lost else ov.t_from).get(self.faction, shapely.MultiPolygon())
        if ov.windows is None:
            return shapely.difference(geom, other)
        return shapely.intersection(geom, ov.minus(self.faction, lost=lost))


def _split_events(p: _PartsOf, s_to: Snapshot, where: Locator) -> list[Event]:
    """A part on FROM that overlaps two or more parts on TO was cut; ``by`` names
    who holds the ground that separates the pieces (the corridor)."""
    events = []
    for i, hits in p.forward.items():
        if len(hits) < 2:
            continue
        hits = sorted(hits, key=lambda j: -p.after[j].area_km2)
        corridor = _bridging(p.outside(p.before[i].geom, lost=True), p.after, hits)
        corridor_km2 = area_km2(corridor)
        takers = _holders_in(corridor, s_to.territories, exclude=p.faction)
        details: SplitDetails = {
            "parts_before": 1,
            "parts_after": len(hits),
            "by": [k for k in _significant(takers, corridor_km2) if k != UNASSIGNED],
            "corridor_km2": corridor_km2,
            "part_areas_km2": [p.after[j].area_km2 for j in hits],
            **_near(where, p.before[i].geom),
            "main": i == 0,
        }
        events.append(Event("split", p.faction, details, corridor))
    return events


def _pocket_lost_events(p: _PartsOf, s_to: Snapshot, where: Locator) -> list[Event]:
    """A part on FROM that overlaps no part on TO is gone; ``to`` says who holds it now."""
    events = []
    for i, hits in p.forward.items():
        if hits:
            continue
        part = p.before[i]
        takers = _holders_in(part.geom, s_to.territories, exclude=p.faction)
        details: PocketLostDetails = {
            "area_km2": part.area_km2,
            "to": _significant(takers, part.area_km2),
            **_near(where, part.geom),
            "main": i == 0,
        }
        events.append(Event("pocket_lost", p.faction, details, part.geom))
    return events


def _merge_events(p: _PartsOf, s_from: Snapshot, where: Locator) -> list[Event]:
    """A part on TO that overlaps two or more parts on FROM joined them (a siege broken)."""
    events = []
    for j, hits in p.backward.items():
        if len(hits) < 2:
            continue
        joint = _bridging(p.outside(p.after[j].geom, lost=False), p.before, hits)
        details: MergeDetails = {
            "parts_before": len(hits),
            "parts_after": 1,
            "corridor_km2": area_km2(joint),
            **_near(where, p.after[j].geom),
        }
        events.append(Event("merge", p.faction, details, joint))
    return events


def _new_pocket_events(p: _PartsOf, s_from: Snapshot, where: Locator) -> list[Event]:
    """A pocket on TO that overlaps no part on FROM is new; ``from`` says who held it."""
    events = []
    for j, hits in p.backward.items():
        if hits or j == 0:
            continue
        part = p.after[j]
        sources = _holders_in(part.geom, s_from.territories, exclude=p.faction)
        details: NewPocketDetails = {
            "area_km2": part.area_km2,
            "from": _significant(sources, part.area_km2),
            **_near(where, part.geom),
        }
        events.append(Event("new_pocket", p.faction, details, part.geom))
    return events


def _encircled(part: Part, faction: str, territories: dict) -> tuple[bool, dict[str, float]]:
    borders = border_km(part.geom, faction, territories)
    return is_encircled(borders, faction, length_km(part.geom)), borders


def _encircled_events(p: _PartsOf, s_from: Snapshot, s_to: Snapshot, where: Locator) -> list[Event]:
    """A pocket encircled on TO that was not encircled on FROM (nor came from one that was)."""
    was: dict[int, bool] = {}

    def encircled_before(i: int) -> bool:
        if i not in was:
            was[i] = i > 0 and _encircled(p.before[i], p.faction, s_from.territories)[0]
        return was[i]

    events = []
    for j, part in enumerate(p.after):
        if j == 0 or _same_pocket(p, j):
            continue  # (a pocket that nothing near changed is encircled on TO iff on FROM)
        now, borders = _encircled(part, p.faction, s_to.territories)
        if not now or any(encircled_before(i) for i in p.backward.get(j, [])):
            continue
        details: EncircledDetails = {
            "area_km2": part.area_km2,
            "by": [k for k in borders if k not in (UNASSIGNED, p.faction)],
            **_near(where, part.geom),
        }
        events.append(Event("encircled", p.faction, details, part.geom))
    return events


def _same_pocket(p: _PartsOf, j: int) -> bool:
    """Whether pocket ``j`` on TO is a pocket on FROM with nothing changed around it (no
    change window within reach of its borders, see :func:`.topology.border_km`)."""
    windows = p.overlay.windows
    if windows is None:
        return False
    part = p.after[j]
    xmin, ymin, xmax, ymax = shapely.bounds(part.geom)
    reach = 3 * SNAP_DEG
    if len(windows) and (
        (windows[:, 0] <= xmax + reach) & (windows[:, 2] >= xmin - reach)
        & (windows[:, 1] <= ymax + reach) & (windows[:, 3] >= ymin - reach)
    ).any():
        return False
    return any(
        i > 0 and shapely.equals(p.before[i].geom, part.geom) for i in p.backward.get(j, [])
    )


def _events(
    fid: str,
    s_from: Snapshot,
    s_to: Snapshot,
    where: Locator,
    min_part_km2: float,
    link_km: float,
    overlay: PairOverlay,
) -> list[Event]:
    """Every topology event of one faction, in :data:`EVENT_ORDER`."""
    before = overlay.parts("from", fid, min_part_km2, link_km)
    after = overlay.parts("to", fid, min_part_km2, link_km)
    p = _PartsOf(fid, before, after, _overlaps(before, after), _overlaps(after, before), overlay)
    events = [
        *_split_events(p, s_to, where),
        *_pocket_lost_events(p, s_to, where),
        *_merge_events(p, s_from, where),
        *_new_pocket_events(p, s_from, where),
        *_encircled_events(p, s_from, s_to, where),
    ]
    events.sort(key=lambda e: EVENT_ORDER.index(e.type))
    return events


# ---------------------------------------------------------------------------
# diff


def _faction_change(
    fid: str, g_from, g_to, min_part_km2: float, link_km: float, ov: PairOverlay
) -> FactionChange:
    a_from, a_to = ov.area("from", fid), ov.area("to", fid)
    if g_from is None:
        gained, lost = a_to, 0.0
    elif g_to is None:
        gained, lost = 0.0, a_from
    else:
        gained = area_km2(ov.minus(fid, lost=False))
        lost = area_km2(ov.minus(fid))
    return FactionChange(
        faction=fid,
        area_from_km2=a_from,
        area_to_km2=a_to,
        gained_km2=gained,
        lost_km2=lost,
        net_km2=a_to - a_from,
        change_pct=(a_to - a_from) / a_from * 100 if a_from > 0 else None,
        parts_from=len(ov.parts("from", fid, min_part_km2, link_km)),
        parts_to=len(ov.parts("to", fid, min_part_km2, link_km)),
        edge_effect_km2=(a_to - a_from) - (gained - lost),
    )


def _transfer_list(matrix: dict, geoms: dict, ids: list[str], where: Locator) -> list[Transfer]:
    """The transfers of at least TRANSFER_MIN_KM2, largest first (ties: display order)."""
    holder_order = [*ids, CONTESTED, UNASSIGNED]

    def key(kv):
        (a, b), km2 = kv
        return (-km2, holder_order.index(a), holder_order.index(b))

    return [
        Transfer(a, b, km2, geoms[(a, b)], where(_largest_piece(geoms[(a, b)])))
        for (a, b), km2 in sorted(matrix.items(), key=key)
        if km2 >= TRANSFER_MIN_KM2
    ]


def diff(
    s_from: Snapshot,
    s_to: Snapshot,
    *,
    clip=None,
    places: Sequence[Place] | None = None,
    min_part_km2: float = 1.0,
    link_km: float = 0.0,
    order: list[str] | None = None,
    names: dict[str, str] | None = None,
    near_km: float = NEAR_KM,
    min_story_km2: float | None = None,
) -> Diff:
    """Compare two snapshots.

    ``order`` lists faction ids in display order and ``names`` gives their
    display names (for text); ``near_km`` is how close a place must be to be
    "near" a piece of ground; ``min_story_km2`` is the smallest change that gets
    a sentence or a label (default: 1 km² or 0.5% of a faction's change, see
    :func:`frontmap.analysis.summary.story_threshold`).
    """
    s_from, s_to = refined_snapshots(s_from, s_to)
    t_from, t_to = s_from.territories, s_to.territories
    ids = present_factions(t_from, t_to, order=order)
    whole = clip if clip is not None else shapely.union_all([*t_from.values(), *t_to.values()])
    aoi = polygonal(whole)
    # the dates differ only in change windows: overlay there (or everywhere, see PairOverlay)
    ov = PairOverlay(t_from, t_to, aoi)
    matrix, geoms = _diff_transfers(ov)

    def where(geom):
        return locate(geom, places, near_km)

    events = [
        e for fid in ids for e in _events(fid, s_from, s_to, where, min_part_km2, link_km, ov)
    ]
    h_from, h_to = LazyHolders(t_from, aoi), LazyHolders(t_to, aoi)
    return Diff(
        date_from=s_from.date,
        date_to=s_to.date,
        factions=[
            _faction_change(fid, t_from.get(fid), t_to.get(fid), min_part_km2, link_km, ov)
            for fid in ids
        ],
        transfers=_transfer_list(matrix, geoms, ids, where),
        events=events,
        front_lines=_front_lines(t_from, t_to, ids),
        aoi_km2=area_km2(aoi),
        claims=claims(t_from, t_to, ids, places, near_km, minus=ov.minus),
        matrix=matrix,
        holders_from=LazyHolders(t_from, aoi, areas=True, geoms=h_from),
        holders_to=LazyHolders(t_to, aoi, areas=True, geoms=h_to),
        aoi=aoi,
        holder_geoms_from=h_from,
        holder_geoms_to=h_to,
        names={f: (names or {}).get(f, f) for f in ids},
        near_km=near_km,
        min_story_km2=min_story_km2,
        clipped=clip is not None,
        places=places,
    )


def diff_dates(
    layers: Layers,
    date_from,
    date_to,
    *,
    min_part_km2: float = 1.0,
    link_km: float = 0.0,
    near_km: float = NEAR_KM,
    min_story_km2: float | None = None,
) -> Diff:
    """:func:`diff` of two dates of ``layers`` (dates as ``date`` objects or
    ``YYYY-MM-DD``), with its clip, places, faction order and display names."""
    s_from, s_to = layers.snapshot(date_from), layers.snapshot(date_to)
    order = layers.factions.order(set(s_from.territories) | set(s_to.territories))
    return diff(
        s_from,
        s_to,
        clip=layers.clip,
        places=layers.places,
        min_part_km2=min_part_km2,
        link_km=link_km,
        order=order,
        names={f: layers.factions.get(f).name for f in order},
        near_km=near_km,
        min_story_km2=min_story_km2,
    )
