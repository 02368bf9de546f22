"""Highlights: the places where the most telling change of a diff happened (analysis).

A diff's changes are scattered over its whole area of interest; a reader
needs to be shown two or three places. This module groups the changed ground
(every piece of the claims ledger, :mod:`.claims`) and the topology events
(splits, encirclements, pockets lost or formed, merges) by place: pieces and
events closer than :data:`LINK_KM` to each other make one highlight. Each
highlight gets a bbox sized to its change with a margin, a title drafted from
its numbers, and a score that says how telling it is.

The score is what the change means for the factions in it, not its km²
alone:

* ground that changed hands counts as the share of the *part* it concerns
  (the connected piece of the faction's ground on FROM): what the loser lost
  of the part it was taken from, or what the gainer added to the part it
  joins (its whole ground when it joins none). 22 km² of a 73 km² enclave is
  30%; 554 km² of a 28,000 km² territory is 2%;
* a split counts as the share of the part that is cut off (the corridor and
  every piece but the largest), an encirclement as the share of the part now
  encircled, a pocket lost as the whole pocket; these, and merges, weigh
  :data:`EVENT_WEIGHT` times as much (a pocket cut in two outranks a larger
  advance across empty desert);
* a change that reaches a town (a place within :data:`TOWN_KM` of it) weighs
  :data:`TOWN_WEIGHT` times as much;
* slivers count for less: ground whose mean width (twice its area over its
  perimeter, wiggles under half of :data:`SLIVER_KM` smoothed out of the
  perimeter) is under :data:`SLIVER_KM` counts in proportion to that width;
* km² count too: a change smaller than :data:`SIZE_FULL` times the story
  threshold counts in proportion (so that a tiny pocket that doubled does not
  outrank a large advance).

Changes and events under the story threshold
(:func:`frontmap.analysis.summary.story_threshold`) make no highlight. Titles
name factions by their display names and every number in them is a number of
the highlight (its ``claims`` or the event's own figures).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely

from .change import EVENT_ORDER, Diff, Event
from .geodesy import area_km2, length_km
from .measure import CONTESTED, UNASSIGNED, components, polygonal
from .places import Where, locate
from .summary import _ground_of, adjectival, km2_text, story_threshold, whose
from .topology import SNAP_DEG, border_km, is_encircled

__all__ = [
    "Highlight",
    "highlights",
    "LINK_KM",
    "MARGIN_KM",
    "EVENT_WEIGHT",
    "TOWN_WEIGHT",
    "TOWN_KM",
    "SLIVER_KM",
    "SIZE_FULL",
    "MAX_HIGHLIGHTS",
]

#: changed ground and events closer than this (km) make one highlight
LINK_KM = 10.0
#: the bbox's margin around the change: at least this many km ...
MARGIN_KM = 8.0
#: ... or this share of the change's larger side
MARGIN_SHARE = 0.25
#: splits, encirclements, merges and pockets lost weigh this many times their share
EVENT_WEIGHT = 3.0
#: a change within TOWN_KM of a place weighs this many times its share
TOWN_WEIGHT = 1.5
TOWN_KM = 2.0
#: ground narrower than this (mean width, km) counts in proportion to its width
SLIVER_KM = 1.0
#: a change smaller than this many times the story threshold counts in proportion
SIZE_FULL = 10.0
#: at most this many highlights per diff
MAX_HIGHLIGHTS = 10
#: pieces of changed ground smaller than this are left out of the grouping
_MIN_PIECE_KM2 = 0.01
_KM_PER_DEG = 111.32
_CACHE = "_frontmap_highlights"


@dataclass
class Highlight:
    """One place where the story happened."""

    title: str
    #: where it is: the place nearest its most telling change (None without places)
    where: Where | None
    #: W, S, E, N: the change with a margin
    bbox: tuple[float, float, float, float]
    #: event types (see EVENT_ORDER) and "claim" (ground changed hands), most telling first
    kinds: list[str]
    #: km² of ground that changed hands in it (full detail, geodesic)
    area_km2: float
    #: (from, to, km²) of the ground that changed hands in it, largest first
    moves: list[tuple[str, str, float]] = field(default_factory=list)
    score: float = 0.0
    #: the faction the title is about
    faction: str | None = None
    #: W, S, E, N of the change itself (no margin)
    core: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    #: the changed ground and event outlines (full detail), for drawing
    geom: shapely.Geometry = field(default=None, repr=False)
    #: the events in it (as in the diff)
    events: list[Event] = field(default_factory=list, repr=False)

    @property
    def near(self) -> str | None:
        return self.where.place if self.where else None

    @property
    def centre(self) -> tuple[float, float]:
        w, s, e, n = self.bbox
        return ((w + e) / 2, (s + n) / 2)

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "near": self.near,
            "near_km": self.where.km if self.where else None,
            "near_bearing": self.where.bearing if self.where else None,
            "bbox": [float(v) for v in self.bbox],
            "kinds": list(self.kinds),
            "area_km2": self.area_km2,
            "claims": [{"from": a, "to": b, "area_km2": km2} for a, b, km2 in self.moves],
        }


# ---------------------------------------------------------------------------
# words


def _ground(name: str) -> str:
    return f"{name} ground" if adjectival(name) else name


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place_text(where: Where | None) -> str:
    return f" {where.text()}" if where else ""


# ---------------------------------------------------------------------------
# what the ground is made of


@dataclass
class _Piece:
    """A piece of changed ground: one polygon of one claim."""

    from_holder: str
    to_holder: str
    counts_for: str
    geom: shapely.Geometry
    area_km2: float
    #: not a crumb or a sliver: it can make a place of its own (see _Finder.substantial)
    major: bool = True


@dataclass
class _Item:
    """One candidate story of a highlight: a pair of holders or an event."""

    score: float
    kind: str  # "claim" or an event type
    title: str
    faction: str | None
    where: Where | None
    size_km2: float


class _Parts:
    """Each holder's polygons on one date, their areas measured once; a holder's are
    found only when first asked for (the ground no faction holds, on a detailed clip,
    is an overlay of its own)."""

    def __init__(self, geoms: Mapping[str, shapely.Geometry]):
        self.geoms = geoms
        self._polys: dict[str, list] = {}
        self._trees: dict[str, shapely.STRtree | None] = {}
        self._areas: dict[tuple[str, int], float] = {}
        self._total: dict[str, float] = {}

    def polys(self, holder: str) -> list:
        if holder not in self._polys:
            g = self.geoms.get(holder)
            self._polys[holder] = [] if g is None else list(shapely.get_parts(polygonal(g)))
        return self._polys[holder]

    def total(self, holder: str) -> float:
        if holder not in self._total:
            self._total[holder] = sum(self.area(holder, i)
                                      for i in range(len(self.polys(holder))))
        return self._total[holder]

    def area(self, holder: str, i: int) -> float:
        key = (holder, i)
        if key not in self._areas:
            self._areas[key] = area_km2(self.polys(holder)[i])
        return self._areas[key]

    def touching(self, holder: str, geom, distance: float = 0.0) -> list[int]:
        if holder not in self._trees:
            polys = self.polys(holder)
            self._trees[holder] = shapely.STRtree(polys) if polys else None
        tree = self._trees[holder]
        if tree is None:
            return []
        if distance > 0:
            hits = tree.query(geom, predicate="dwithin", distance=distance)
        else:
            hits = tree.query(geom, predicate="intersects")
        return sorted(int(i) for i in np.atleast_1d(hits))

    def area_of(self, holder: str, idx: list[int]) -> float:
        return sum(self.area(holder, i) for i in idx)


def _pieces(d: Diff) -> list[_Piece]:
    out = []
    for c in d.claims:
        if c.from_holder in (CONTESTED, UNASSIGNED) and c.to_holder in (CONTESTED, UNASSIGNED):
            continue
        for p in shapely.get_parts(polygonal(c.geom)):
            km2 = area_km2(p)
            if km2 >= _MIN_PIECE_KM2:
                out.append(_Piece(c.from_holder, c.to_holder, c.counts_for, p, km2))
    return out


def _link_deg(geoms) -> float:
    """LINK_KM in degrees of longitude at the geometries' highest latitude."""
    lat = max((max(abs(b[1]), abs(b[3])) for b in shapely.bounds(geoms)), default=0.0)
    return LINK_KM / (_KM_PER_DEG * max(math.cos(math.radians(min(lat, 89.0))), 0.01))


def _groups(geoms: list, keys: list) -> list[list[int]]:
    """Indices of ``geoms`` grouped by place: geometries closer than LINK_KM are one group
    when they have the same key (a pair of holders) or either has none (an event); groups
    whose bounds overlap by more than half of the smaller one's are one place too."""
    if not geoms:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=_link_deg(geoms))
    keep = [
        k
        for k, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True))
        if keys[i] is None or keys[j] is None or keys[i] == keys[j]
    ]
    labels = components(len(geoms), left[keep], right[keep])
    found: dict[int, list[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        found.setdefault(lab, []).append(i)
    groups = list(found.values())
    while len(groups) > 1:  # places whose boxes mostly overlap are one place
        boxes = [_bounds([geoms[i] for i in g]) for g in groups]
        rects = shapely.box(*np.asarray(boxes).T)
        left, right = shapely.STRtree(rects).query(rects, predicate="intersects")
        same = [k for k, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True))
                if i < j and _overlap_share(boxes[i], boxes[j]) > 0.5]
        if not same:
            break
        labels = components(len(groups), left[same], right[same])
        joined: dict[int, list[int]] = {}
        for g, lab in zip(groups, labels.tolist(), strict=True):
            joined.setdefault(lab, []).extend(g)
        groups = [sorted(g) for g in joined.values()]
    return groups


def _overlap_share(a, b) -> float:
    """The area two boxes share, as a share of the smaller box."""
    w, s = max(a[0], b[0]), max(a[1], b[1])
    e, n = min(a[2], b[2]), min(a[3], b[3])
    if e <= w or n <= s:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return (e - w) * (n - s) / small if small > 0 else 1.0


def _mean_width_km(geom, km2: float) -> float:
    """Twice the area over the perimeter, the perimeter taken with wiggles smaller than
    half of SLIVER_KM smoothed out (a detailed border is long, not thin)."""
    tol = SLIVER_KM / 2 / _KM_PER_DEG
    perimeter = length_km(shapely.simplify(shapely.boundary(geom), tol))
    return 2 * km2 / perimeter if perimeter > 0 else 0.0


# ---------------------------------------------------------------------------
# scoring and titles


class _Finder:
    def __init__(self, d: Diff):
        self.d = d
        self.threshold = lambda f: story_threshold(d, f)
        self.parts_from = _Parts(d.holder_geoms_from)
        self.parts_to = _Parts(d.holder_geoms_to)
        self.factions = {f.faction for f in d.factions}

    def name(self, holder: str) -> str:
        return self.d.name(holder)

    def locate(self, geom) -> Where | None:
        return locate(geom, self.d.places, self.d.near_km)

    def town(self, where: Where | None) -> float:
        return TOWN_WEIGHT if where is not None and where.km <= TOWN_KM else 1.0

    def size(self, km2: float, faction: str | None) -> float:
        """Changes near the story threshold count for less: in full from SIZE_FULL times it."""
        floor = self.threshold(faction) if faction is not None else 1.0
        return min(1.0, km2 / (SIZE_FULL * floor)) if floor > 0 else 1.0

    # -- ground that changed hands ---------------------------------------------

    def pair_item(self, a: str, b: str, pieces: list[_Piece]) -> _Item | None:
        geom = polygonal(shapely.union_all([p.geom for p in pieces]))
        km2 = area_km2(geom)
        sides = {p.counts_for for p in pieces}
        stakes = []  # (share, faction, side)
        if a in self.factions and sides & {"both", "from"} and km2 >= self.threshold(a):
            # (the ground may have been contested: its part is then beside it, not under it)
            part = self.parts_from.area_of(a, self.parts_from.touching(a, geom, 2 * SNAP_DEG))
            part = part or self.parts_from.total(a)
            stakes.append((min(km2 / part, 1.0) if part > 0 else 1.0, a, "loss"))
        if b in self.factions and sides & {"both", "to"} and km2 >= self.threshold(b):
            joined = self.parts_from.touching(b, geom, 2 * SNAP_DEG)
            part = self.parts_from.area_of(b, joined) or self.parts_from.total(b)
            stakes.append((min(km2 / part, 1.0) if part > 0 else 1.0, b, "gain"))
        if not stakes:
            return None
        share, faction, side = max(stakes, key=lambda s: (s[0], s[2] == "gain"))
        largest = max(pieces, key=lambda p: p.area_km2).geom
        where = self.locate(largest)
        solid = [p.geom for p in pieces if p.major]
        body = polygonal(shapely.union_all(solid)) if solid else geom
        width = min(1.0, _mean_width_km(body, area_km2(body)) / SLIVER_KM)
        score = share * width * self.town(where) * self.size(km2, faction)
        title = self.pair_title(a, b, km2, sides, side, where)
        return _Item(score, "claim", title, faction, where, km2)

    def pair_title(self, a, b, km2, sides, side, where) -> str:
        size, at = km2_text(km2), _place_text(where)
        na, nb = self.name(a), self.name(b)
        if a == UNASSIGNED:
            tail = ", ground no faction held before" if self.d.clipped else ""
            return _capital(f"{_ground_of(nb)} grew by {size}{at}{tail}")
        if a == CONTESTED:
            return _capital(f"{_ground_of(nb)} grew by {size}{at}, ground several factions held")
        if b == UNASSIGNED:
            if self.d.clipped:
                return _capital(f"{_ground_of(na)} shrank by {size}{at}: no faction holds it now")
            return _capital(f"{_ground_of(na)} shrank by {size}{at}")
        if b == CONTESTED:
            return _capital(f"{na} lost {size}{at} to several factions")
        if adjectival(na) or adjectival(nb):
            return f"{size}{at} passed from {_ground(na)} to {_ground(nb)}"
        if sides == {"both"}:
            return _capital(f"{nb} took {size} from {na}{at}")
        if side == "loss":
            return _capital(f"{na} lost {size} to {nb}{at}")
        return _capital(f"{nb} gained {size} from {na}{at}")

    # -- events ----------------------------------------------------------------

    def event_item(self, e: Event) -> _Item | None:
        det: dict = dict(e.details)
        f = e.faction
        where = None
        if det.get("near") is not None:
            where = Where(det["near"], float(det["near_km"]), det["near_bearing"], self.d.near_km)
        at = _place_text(where)
        geom = polygonal(e.geom) if e.geom is not None else shapely.MultiPolygon()
        floor = self.threshold(f)
        name = self.name(f)
        if e.type == "split":
            pieces = [float(x) for x in det.get("part_areas_km2") or []]
            corridor = float(det.get("corridor_km2") or 0.0)
            cut = corridor + sum(pieces[1:])
            if (pieces[1] if len(pieces) > 1 else 0.0) < floor:
                return None
            share = cut / max(corridor + sum(pieces), 1e-9)
            thing = "territory" if det.get("main") else self._pocket(f, geom)
            n = int(det.get("parts_after") or 2)
            into = "in two" if n == 2 else f"into {n} parts"
            by = [self.name(x) for x in det.get("by") or []]
            if by:
                title = f"{_list(by)} cut {whose(name, thing)}{at} {into}"
            else:
                title = f"{whose(name, thing)}{at} was cut {into}"
            return _Item(share * EVENT_WEIGHT * self.town(where) * self.size(cut, f), e.type,
                         _capital(title), f, where, cut)
        km2 = float(det.get("area_km2") or 0.0)
        if e.type == "merge":
            corridor = float(det.get("corridor_km2") or 0.0)
            whole_idx = self.parts_to.touching(f, geom)
            whole = self.parts_to.area_of(f, whole_idx)
            biggest = max(
                (self.parts_from.area(f, i) for i in self.parts_from.touching(f, geom, SNAP_DEG)),
                default=0.0,
            )
            share = max(whole - biggest, corridor) / whole if whole > 0 else 1.0
            title = f"{whose(name, 'separate parts')}{at} were joined"
            return _Item(min(share, 1.0) * EVENT_WEIGHT * self.town(where), e.type,
                         _capital(title), f, where, corridor)
        if km2 < floor:
            return None
        if e.type == "pocket_lost":
            to = [self.name(t) for t in det.get("to") or [] if t in self.factions]
            thing = "territory" if det.get("main") else "pocket"
            title = f"{whose(name, thing)}{at} ({km2_text(km2)}) is gone"
            if to:
                title += f", now held by {_list(to)}"
            return _Item(EVENT_WEIGHT * self.town(where) * self.size(km2, f), e.type,
                         _capital(title), f, where, km2)
        if e.type == "encircled":
            was = self.parts_from.area_of(f, self.parts_from.touching(f, geom))
            share = min(km2 / was, 1.0) if was > 0 else 1.0
            by = [self.name(x) for x in det.get("by") or []]
            title = f"{_list(by)} encircled {whose(name, 'pocket')}{at} ({km2_text(km2)})"
            if not by:
                title = f"{whose(name, 'pocket')}{at} ({km2_text(km2)}) is now encircled"
            return _Item(share * EVENT_WEIGHT * self.town(where) * self.size(km2, f), e.type,
                         _capital(title), f, where, km2)
        if e.type == "new_pocket":
            total = self.parts_from.total(f)
            share = min(km2 / total, 1.0) if total > 0 else 1.0
            title = f"New {name} pocket{at} ({km2_text(km2)})"
            return _Item(share * self.town(where) * self.size(km2, f), e.type, title, f,
                         where, km2)
        return None

    def _pocket(self, faction: str, corridor) -> str:
        """"enclave" when the part that was cut was encircled on FROM, else "pocket"."""
        idx = self.parts_from.touching(faction, shapely.buffer(corridor, SNAP_DEG))
        if len(idx) != 1:
            return "pocket"
        part = self.parts_from.polys(faction)[idx[0]]
        borders = border_km(part, faction, self.d.holder_geoms_from)
        return "enclave" if is_encircled(borders, faction, length_km(part)) else "pocket"

    # -- highlights ----------------------------------------------------------------

    def find(self) -> list[Highlight]:
        d = self.d
        pieces = _pieces(d)
        events = [e for e in d.events if e.geom is not None and not polygonal(e.geom).is_empty]
        # slivers and crumbs join the place they lie in but never link two places
        for p in pieces:
            p.major = self.substantial(p)
        major = [p for p in pieces if p.major]
        minor = [p for p in pieces if not p.major]
        geoms = [p.geom for p in major] + [polygonal(e.geom) for e in events]
        keys = [(p.from_holder, p.to_holder) for p in major] + [None] * len(events)
        groups = []
        for group in _groups(geoms, keys):
            mine = [major[i] for i in group if i < len(major)]
            evs = [events[i - len(major)] for i in group if i >= len(major)]
            groups.append((mine, evs))
        boxes = [_padded(_bounds([p.geom for p in g] + [polygonal(e.geom) for e in es]))
                 for g, es in groups]
        crumbs: list[list[_Piece]] = [[] for _ in groups]
        if minor and boxes:  # each joins the first place whose box it meets (not its bbox)
            rects = shapely.box(*np.asarray(boxes).T)
            hits = shapely.STRtree(rects).query([p.geom for p in minor], predicate="intersects")
            first: dict[int, int] = {}
            for i, k in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
                first[i] = min(k, first.get(i, k))
            for i, k in sorted(first.items()):
                crumbs[k].append(minor[i])
        found = [
            h for (g, es), more in zip(groups, crumbs, strict=True)
            if (h := self.highlight(g, more, es)) is not None
        ]
        found.sort(key=lambda h: (-h.score, -h.area_km2, h.bbox))
        return found[:MAX_HIGHLIGHTS]

    def substantial(self, p: _Piece) -> bool:
        """A piece that can make a place of its own: not a crumb, not a sliver."""
        floors = [self.threshold(h) for h in (p.from_holder, p.to_holder) if h in self.factions]
        if p.area_km2 < 0.25 * min(floors, default=1.0):
            return False
        return _mean_width_km(p.geom, p.area_km2) >= SLIVER_KM / 4

    def highlight(
        self, major: list[_Piece], minor: list[_Piece], events: list[Event]
    ) -> Highlight | None:
        pieces = major + minor
        pairs: dict[tuple[str, str], list[_Piece]] = {}
        for p in pieces:
            pairs.setdefault((p.from_holder, p.to_holder), []).append(p)
        items = [it for (a, b), ps in pairs.items() if (it := self.pair_item(a, b, ps))]
        items += [it for e in events if (it := self.event_item(e))]
        if not items:
            return None
        items.sort(key=lambda it: (-it.score, -it.size_km2, it.title))
        top = items[0]
        kinds = [k for k in EVENT_ORDER if any(it.kind == k for it in items)]
        if any(it.kind == "claim" for it in items):
            kinds.append("claim")
        kinds.sort(key=lambda k: min(i for i, it in enumerate(items) if it.kind == k))
        ground = [p.geom for p in pieces]
        changed = polygonal(shapely.union_all(ground)) if ground else shapely.MultiPolygon()
        moves = []
        for (a, b), ps in pairs.items():
            km2 = area_km2(polygonal(shapely.union_all([p.geom for p in ps])))
            moves.append((a, b, km2))
        moves.sort(key=lambda m: (-m[2], m[0], m[1]))
        outlines = [polygonal(e.geom) for e in events] + self._event_context(events)
        geom = polygonal(shapely.union_all([changed, *outlines]))
        # the bbox: the place's own pieces and events (slivers that joined it do not count)
        core = _bounds([*outlines, *(p.geom for p in major)] or [geom])
        return Highlight(
            title=top.title,
            where=top.where,
            bbox=_padded(core),
            kinds=kinds,
            area_km2=area_km2(changed),
            moves=moves,
            score=top.score,
            faction=top.faction,
            core=core,
            geom=geom,
            events=events,
        )

    def _event_context(self, events: list[Event]) -> list:
        """The pockets that were cut or encircled (so that the bbox shows all of them)."""
        out = []
        for e in events:
            det: dict = dict(e.details)
            if e.type in ("split", "encircled") and not det.get("main"):
                g = polygonal(e.geom)
                for i in self.parts_from.touching(e.faction, shapely.buffer(g, SNAP_DEG)):
                    part = self.parts_from.polys(e.faction)[i]
                    if self.parts_from.area(e.faction, i) < 0.5 * self.parts_from.total(e.faction):
                        out.append(part)
        return out


def _bounds(geoms) -> tuple[float, float, float, float]:
    b = np.asarray(shapely.bounds(geoms), dtype=float).reshape(-1, 4)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _padded(core: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The change's bounds with a margin: MARGIN_KM, or MARGIN_SHARE of its larger side."""
    w, s, e, n = core
    lat = (s + n) / 2
    kx = _KM_PER_DEG * max(math.cos(math.radians(min(abs(lat), 89.0))), 0.01)
    side_km = max((e - w) * kx, (n - s) * _KM_PER_DEG)
    margin = max(MARGIN_KM, MARGIN_SHARE * side_km)
    dx, dy = margin / kx, margin / _KM_PER_DEG
    return (
        max(w - dx, -180.0),
        max(s - dy, -90.0),
        min(e + dx, 180.0),
        min(n + dy, 90.0),
    )


def highlights(d: Diff, most: int | None = None) -> list[Highlight]:
    """The highlights of a diff, most telling first (at most ``most``, and at most
    :data:`MAX_HIGHLIGHTS`). Computed once per diff object."""
    found = d.__dict__.get(_CACHE)
    if found is None:
        found = _Finder(d).find()
        d.__dict__[_CACHE] = found
    return list(found if most is None else found[:most])
