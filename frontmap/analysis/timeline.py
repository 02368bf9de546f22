"""The daily series analysts chart: change for every consecutive pair of dates (analysis).

``timeline`` streams: it holds two snapshots at a time, so a series of any
length runs in bounded memory.

Consecutive snapshots of an archive share almost all of their boundary, so
the overlay is done only where they differ (:mod:`.windows`: change windows
from the edges both dates do not share). Gains and losses are the plain
overlay (``difference`` both ways) clipped to those windows: the same
pieces, and the same numbers, as an overlay of the whole territories.

With a clip outline that the snapshots were not clipped to yet (``clip=``,
from ``Catalog(..., defer_clip=True)``), each territory is clipped here, in
the workers, and the windows come from the edges of the territories before
the clip: a clipped territory carries the outline's coast and border (70,000
vertices instead of DeepState's 3,000), the same on every date, while the
changes are the same sets either way ((B - A) ∩ outline). Only the gains and
losses in windows that cross the outline's edge are clipped, and there the
area carried is gained - lost; a territory's parts are counted from the
clipper's walk without building the clipped territory
(:meth:`frontmap.read.clipper.Clipper.count`).

A territory's area is carried from one date to the next through the same
windows: area(B) = area(A) + sum over windows of area(B ∩ W) - area(A ∩ W).
The edges that cross a window's border are edges both dates share, cut at
the same points, so whatever the cut does to the geodesic measure cancels
out. Every ``RESET``-th date is measured from scratch, at the same dates
however the series is split between workers, so the output is the same
bytes serial or parallel.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely

from ..read.clipper import Clipper
from ..read.densify import refine_crossings
from ..read.model import Snapshot
from .geodesy import area_km2
from .measure import count_parts, polygonal, present_factions
from .windows import (
    change_windows,
    clip_to_windows,
    covers_too_much,
    edges_of,
)

__all__ = [
    "TimelineRow",
    "timeline",
    "COLUMNS",
    "measure_territory",
    "pair_change",
    "ClipOutline",
]

COLUMNS = [
    "date_from",
    "date_to",
    "faction",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "parts_from",
    "parts_to",
]

#: measure a territory from scratch every RESET dates (and when windows are not used);
#: RESET_CLIPPED when the timeline clips (see _reset)
RESET = 8
RESET_CLIPPED = 64


@dataclass(frozen=True)
class TimelineRow:
    date_from: dt.date
    date_to: dt.date
    faction: str
    area_from_km2: float
    area_to_km2: float
    gained_km2: float
    lost_km2: float
    net_km2: float
    parts_from: int
    parts_to: int

    def as_dict(self) -> dict:
        d = {c: getattr(self, c) for c in COLUMNS}
        d["date_from"] = self.date_from.isoformat()
        d["date_to"] = self.date_to.isoformat()
        return d


@dataclass
class Measured:
    """A faction's territory on one date with what every pair needs of it."""

    #: None until needed when clipped (see :meth:`territory`)
    geom: shapely.Geometry | None
    parts: int
    edges: np.ndarray  # (n, 4) directed edges x1, y1, x2, y2 of the oriented rings
    keys: np.ndarray  # a 64-bit hash of each edge, sorted order in ``order``
    order: np.ndarray
    #: geodesic km²: measured, or carried from the day before; None until known
    area: float | None = None
    #: with a clip: the territory before it (``edges`` are this one's), else None
    whole: shapely.Geometry | None = None
    #: with a clip: the clipper (``territory()`` clips ``whole`` with it)
    clip: Clipper | None = None

    def measured_area(self) -> float:
        if self.area is None:
            self.area = area_km2(self.territory())
        return self.area

    def territory(self) -> shapely.Geometry:
        """The territory (clipped: built now if it was not, see
        :meth:`frontmap.read.clipper.Clipper.count`)."""
        if self.geom is None:
            assert self.whole is not None and self.clip is not None
            self.geom = polygonal(self.clip(self.whole))
        return self.geom


def measure_territory(
    geom, min_part_km2: float = 1.0, area: bool = True, clip: Clipper | None = None, key=None
) -> Measured | None:
    """Parts and directed edges of a territory, and its area unless ``area`` is False.

    ``clip``: clip the territory to this outline first (None when nothing is left);
    the edges are then those of the territory as given, and ``key`` names its
    series for the clipper (see :class:`frontmap.read.clipper.Clipper`).
    """
    whole, parts = None, None
    geom = polygonal(geom)
    e = edges_of(geom)
    if clip is not None:
        whole = geom
        if area:
            cut = clip(geom, key=key)
            if cut is None or cut.is_empty:
                return None
            geom = polygonal(cut)
        else:  # its parts counted without building the clipped territory, unless needed
            parts = clip.count(geom, key, min_part_km2,
                               lambda g: count_parts(g, min_part_km2),
                               edges=(e.edges, e.keys, e.order))
            if parts is None:
                return None
            geom = None
    m = Measured(
        geom=geom,
        parts=count_parts(geom, min_part_km2) if parts is None else parts,
        edges=e.edges,
        keys=e.keys,
        order=e.order,
        whole=whole,
        clip=clip,
    )
    if area:
        m.measured_area()
    return m


class ClipOutline:
    """The outline a timeline clips its territories to (see :func:`timeline`).

    Sent to worker processes as WKB with a digest, and turned into a
    :class:`~frontmap.read.clipper.Clipper` once per process: the outline's
    index, and what the clipper remembers of each faction's last territory,
    serve every run of dates that process gets.
    """

    def __init__(self, geom: shapely.Geometry):
        self.geom: shapely.Geometry | None = geom
        self._wkb: bytes | None = None
        self.digest: str | None = None

    def __getstate__(self) -> dict:
        if self._wkb is None:
            self._wkb = shapely.to_wkb(self.geom)
            self.digest = hashlib.blake2b(self._wkb, digest_size=16).hexdigest()
        return {"wkb": self._wkb, "digest": self.digest}

    def prepare(self) -> None:
        """Build the clipper (the outline's index) here and now, under the digest the
        workers will look it up by: local worker processes forked after this find it
        ready, instead of each building its own."""
        self.__getstate__()
        self.clipper().ready()

    def __setstate__(self, state: dict) -> None:
        self.geom, self._wkb, self.digest = None, state["wkb"], state["digest"]

    def clipper(self) -> Clipper:
        key = self.digest or id(self)
        found = _CLIPPERS.get(key)
        if found is None or (self.digest is None and found.outline is not self.geom):
            if self.geom is None:
                self.geom = shapely.from_wkb(self._wkb)
            if len(_CLIPPERS) >= 2:
                _CLIPPERS.clear()
            found = _CLIPPERS[key] = Clipper(self.geom)
        return found


#: this process's clippers, by outline
_CLIPPERS: dict[object, Clipper] = {}


def _difference_km2(x, y) -> float:
    return area_km2(polygonal(shapely.difference(x, y)))


def _both_ways_km2(ga, gb, clip: Clipper | None = None) -> tuple[float, float]:
    """(gained, lost) km² from ``ga`` to ``gb``, overlaid whole (their crossings
    refined first: see :func:`frontmap.read.densify.refine_crossings`); with
    ``clip``, the changes clipped to its outline."""
    ga, gb = refine_crossings([ga, gb], changed_only=True)
    if clip is None:
        return _difference_km2(gb, ga), _difference_km2(ga, gb)
    return (area_km2(clip(polygonal(shapely.difference(gb, ga)))),
            area_km2(clip(polygonal(shapely.difference(ga, gb)))))


def pair_change(
    a: Measured | None, b: Measured | None, clip: Clipper | None = None
) -> tuple[float, float]:
    """(gained, lost) km² of one faction between two dates (``clip``: the outline
    ``a`` and ``b`` were clipped to by :func:`measure_territory`)."""
    gained, lost, _ = _resolve([_plan_change(a, b, clip)])[0]
    assert gained is not None and lost is not None  # (_plan_change measures both)
    return gained, lost


@dataclass
class _Overlay:
    """One faction's pieces of two dates in its change windows (``windows``), waiting
    for their crossings to be refined (with other overlays' pieces, in one call:
    :func:`_resolve`) and for their overlay. ``clip`` and ``cut``: see
    :func:`_window_overlays`."""

    ca: np.ndarray
    cb: np.ndarray
    windows: np.ndarray
    cut: np.ndarray
    clip: Clipper | None


@dataclass
class _Change:
    """One faction's change between two dates: (gained, lost, delta or None when the
    windows were not used) when known at once (``done``; gained or lost None: all of
    its ground on the later or the earlier date), or else the overlays that make
    it, the last one added onto the sums of the others."""

    done: tuple[float | None, float | None, float | None] | None = None
    overlays: list[_Overlay] = dataclasses.field(default_factory=list)


def _plan_change(a: Measured | None, b: Measured | None, clip: Clipper | None = None) -> _Change:
    """How to find (gained, lost, area(b) - area(a) or None when the windows were not
    used) of one faction between two dates."""
    if a is None:
        return _Change(((0.0 if b is None else b.measured_area()), 0.0, None))
    if b is None:
        return _Change((0.0, a.measured_area(), None))
    if clip is not None:
        return _clipped_plan(a, b, clip)
    windows = change_windows(a, b)
    if len(windows) == 0:
        return _Change((0.0, 0.0, 0.0))
    if covers_too_much(windows, [a.geom, b.geom]):
        return _Change((*_both_ways_km2(a.geom, b.geom), None))
    ca, cb = clip_to_windows([a.geom, b.geom], windows)
    return _Change(overlays=_window_overlays(ca, cb, windows))


def _resolve(changes: list[_Change]) -> list[tuple[float | None, float | None, float | None]]:
    """(gained, lost, delta) of each change, the crossings of all their overlays'
    pieces refined in one call (:func:`frontmap.read.densify.refine_crossings`, each
    overlay a group of its own: the same pieces as a call for each, at the fixed
    cost of one)."""
    overlays = [ov for c in changes for ov in c.overlays]
    refined: list = []
    if overlays:
        geoms = [g for ov in overlays for g in (*ov.ca, *ov.cb)]
        groups = np.repeat(np.arange(len(overlays)), [2 * len(ov.ca) for ov in overlays])
        boxes = np.vstack([w for ov in overlays for w in (ov.windows, ov.windows)])
        refined = refine_crossings(geoms, boxes=boxes, changed_only=True, groups=groups)
    out: list[tuple[float | None, float | None, float | None]] = []
    at = 0
    for c in changes:
        if c.done is not None:
            out.append(c.done)
            continue
        sums = [0.0, 0.0, 0.0]
        for k, ov in enumerate(c.overlays):
            n = len(ov.ca)
            ra = np.array(refined[at:at + n], dtype=object)
            rb = np.array(refined[at + n:at + 2 * n], dtype=object)
            at += 2 * n
            if k < len(c.overlays) - 1:  # (a large piece's own windows: added up alone)
                g, lo, d = _overlay_sums(ov, ra, rb, 0.0, 0.0, 0.0)
                sums = [sums[0] + g, sums[1] + lo, sums[2] + d]
            else:
                sums = list(_overlay_sums(ov, ra, rb, *sums))
        out.append((sums[0], sums[1], sums[2]))
    return out


def _window_overlays(ca, cb, windows: np.ndarray, depth: int = 0, clip: Clipper | None = None,
                     cut: np.ndarray | None = None) -> list[_Overlay]:
    """The overlays that give (gained, lost, delta) from the two dates' pieces in each
    window (``windows``): see :func:`_overlay_sums`.

    Two large pieces (a window along the outline's coast, cut to it) share most
    of their edges again: their own change windows are used, once more (their
    overlays come first).

    ``clip`` and ``cut`` (a flag per window): the changes in the flagged windows
    are clipped to the outline, and there the delta is what the clipped changes
    add up to, gained - lost (the pieces themselves are not clipped: their cut
    along the outline would not cancel between the dates).
    """
    if cut is None:
        cut = np.zeros(len(ca), dtype=bool)
    big: list[int] = []
    if depth == 0:
        big = np.flatnonzero((shapely.get_num_coordinates(ca) > _BIG)
                             & (shapely.get_num_coordinates(cb) > _BIG)).tolist()
    out: list[_Overlay] = []
    for i in big:
        ea, eb = edges_of(ca[i]), edges_of(cb[i])
        inner = change_windows(ea, eb)
        if len(inner) == 0:
            ca[i] = cb[i] = shapely.MultiPolygon()  # the same ground on both dates
        elif not covers_too_much(inner, [ca[i], cb[i]], limit=0.9):  # (a large overlay costs
            # far more per vertex than cutting it to many windows)
            sub_a, sub_b = clip_to_windows([ca[i], cb[i]], inner)
            out.extend(_window_overlays(sub_a, sub_b, inner, depth=1, clip=clip,
                                        cut=np.full(len(inner), bool(cut[i]))))
            ca[i] = cb[i] = shapely.MultiPolygon()
    out.append(_Overlay(ca, cb, windows, cut, clip))
    return out


def _overlay_sums(ov: _Overlay, ca, cb, gained: float, lost: float, delta: float):
    """(gained, lost, delta) added onto those given, from an overlay's pieces once
    refined (``ca``, ``cb``). The delta is measured on the pieces as they were cut
    (``ov.ca``, ``ov.cb``): the refined ones have the same geodesic area (their new
    vertices lie on the geodesics), and a fifth more vertices to measure."""
    plus, minus = shapely.difference(cb, ca), shapely.difference(ca, cb)
    cut = ov.cut
    keep = np.flatnonzero(~cut)
    gained += area_km2(shapely.GeometryCollection(list(plus[keep])))
    lost += area_km2(shapely.GeometryCollection(list(minus[keep])))
    delta += area_km2(shapely.GeometryCollection(list(ov.cb[keep]))) - area_km2(
        shapely.GeometryCollection(list(ov.ca[keep]))
    )
    if cut.any():
        assert ov.clip is not None
        g = area_km2(_clipped(plus[cut], ov.clip))
        lo = area_km2(_clipped(minus[cut], ov.clip))
        gained, lost, delta = gained + g, lost + lo, delta + (g - lo)
    return gained, lost, delta


def _clipped(pieces: np.ndarray, clip: Clipper) -> shapely.Geometry:
    """The polygons of ``pieces``, clipped to the outline, as one collection."""
    polys = polygonal(shapely.GeometryCollection(list(pieces)))
    return polygonal(clip(polys)) if not polys.is_empty else polys


#: pieces with more vertices than this are overlaid in their own change windows
_BIG = 2000
#: the window pieces of this many pairs of dates (or of this many vertices) are
#: refined in one call: a call has a fixed cost of a few ms, as much as the
#: refinement of a few hundred edges, and an archive's pieces of a date are small
_BATCH_DATES = 8
_BATCH_VERTICES = 500_000


def _clipped_plan(a: Measured, b: Measured, clip: Clipper) -> _Change:
    """:func:`_plan_change` of clipped territories, from the change windows of the
    territories before the clip: in a window inside the outline nothing is cut;
    in one outside it nothing counts; in one across its edge the gains and losses
    are clipped to it, and they make the delta there (see :func:`_window_overlays`).
    The changes are the same sets either way: (B - A) ∩ outline."""
    ga, gb = a.whole, b.whole
    windows = change_windows(a, b)
    if len(windows) == 0:
        return _Change((0.0, 0.0, 0.0))
    if covers_too_much(windows, [ga, gb]):
        return _Change((*_both_ways_km2(ga, gb, clip), None))
    boxes = shapely.box(*windows.T)
    inside = shapely.contains(clip.outline, boxes)
    meets = inside | shapely.intersects(clip.outline, boxes)
    windows, boxes, inside = windows[meets], boxes[meets], inside[meets]
    if len(windows) == 0:
        return _Change((0.0, 0.0, 0.0))
    ca, cb = clip_to_windows([ga, gb], windows)
    return _Change(overlays=_window_overlays(ca, cb, windows, clip=clip, cut=~inside))


@dataclass(frozen=True)
class _Pair:
    """One faction's row of one pair of dates, as a worker computes it: the areas
    are known only relative to the day before, unless measured afresh."""

    date_from: dt.date
    date_to: dt.date
    faction: str
    gained: float | None  # None: all of its ground on date_to (new on that date)
    lost: float | None  # None: all of its ground on date_from (gone on date_to)
    parts_from: int
    parts_to: int
    on_from: bool
    on_to: bool
    #: its area on date_to measured afresh, or else how much it grew since date_from
    fresh_to: float | None
    delta: float | None


def _plan_pairs(date_from, date_to, ids, prev: dict, cur: dict, clip=None) -> list:
    """Each faction's row of one pair of dates, its change not yet resolved: pairs of
    (the :class:`_Pair`'s fields but the change, its :class:`_Change`)."""
    out = []
    for fid in ids:
        a, b = prev.get(fid), cur.get(fid)
        if a is None or b is None:  # (all of its ground new on date_to, or all lost)
            change = _Change((None if b is not None else 0.0, None if a is not None else 0.0,
                              None))
        else:
            change = _plan_change(a, b, clip)
        fresh = None
        if b is not None and (b.area is not None or (change.done is not None
                                                     and change.done[2] is None)):
            fresh = b.measured_area()
        out.append(((date_from, date_to, fid, a.parts if a else 0, b.parts if b else 0,
                     a is not None, b is not None, fresh), change))
    return out


def _pairs_of(plans: list) -> list[_Pair]:
    """The rows of :func:`_plan_pairs`, their changes resolved all at once."""
    found = _resolve([change for _, change in plans])
    out = []
    for ((d0, d1, fid, parts_from, parts_to, on_from, on_to, fresh), _), (g, lo, d) in zip(
            plans, found, strict=True):
        out.append(_Pair(d0, d1, fid, g, lo, parts_from, parts_to, on_from, on_to, fresh, d))
    return out


class _Areas:
    """Turns :class:`_Pair` records into rows, carrying each faction's area from one
    date to the next (the same arithmetic whichever process computed the pairs)."""

    def __init__(self, first: dict[str, float]):
        self.area = dict(first)

    def row(self, p: _Pair) -> TimelineRow:
        af = self.area.get(p.faction, 0.0) if p.on_from else 0.0
        if not p.on_to:
            at = 0.0
            self.area.pop(p.faction, None)
        else:
            assert p.fresh_to is not None or p.delta is not None
            at = p.fresh_to if p.fresh_to is not None else af + p.delta  # type: ignore[operator]
            self.area[p.faction] = at
        gained = at if p.gained is None else p.gained
        lost = af if p.lost is None else p.lost
        return TimelineRow(p.date_from, p.date_to, p.faction, af, at, gained, lost, at - af,
                           p.parts_from, p.parts_to)


def _measure_snapshot(
    snap: Snapshot, min_part_km2: float, area: bool, clip: Clipper | None = None
) -> dict[str, Measured]:
    out = {}
    for fid, g in snap.territories.items():
        m = measure_territory(g, min_part_km2, area, clip, key=fid)
        if m is not None:  # (nothing left of it inside the clip)
            out[fid] = m
    return out


def _reset(clip) -> int:
    """Measure afresh every this many dates: a clipped territory (70,000 vertices on a
    detailed coast) costs 55 ms to measure, and its area carried through windows
    moves off the area measured afresh by at most about 1e-10 of it a date (where a
    change crosses the outline's edge, see :func:`_window_overlays`)."""
    return RESET if clip is None else RESET_CLIPPED


def _chunk_pairs(snaps: list[Snapshot], min_part_km2: float, order, start: int, clip=None):
    """The pairs of a run of snapshots (a task for a worker), and, for the series'
    first snapshot, its areas; ``start`` is the index of its first snapshot in the
    whole series."""
    first: dict[str, float] = {}
    pairs = list(_serial_pairs(snaps, min_part_km2, order, start, clip, first))
    return pairs, first


def _serial_pairs(
    snapshots, min_part_km2, order, start: int = 0, clip: ClipOutline | None = None,
    first: dict | None = None,
) -> Iterator[_Pair]:
    clipper = clip.clipper() if clip is not None else None
    reset = _reset(clip)
    prev: Snapshot | None = None
    prev_m: dict[str, Measured] = {}
    plans: list = []  # of the pairs of dates not yet resolved
    dates = vertices = 0
    for i, snap in enumerate(snapshots, start):
        fresh = i % reset == 0  # (the series' first date: i = 0)
        cur_m = _measure_snapshot(snap, min_part_km2, area=fresh, clip=clipper)
        if prev is None and first is not None and i == 0:
            first.update({f: m.measured_area() for f, m in cur_m.items()})
        if prev is not None:
            ids = present_factions(prev_m, cur_m, order=order)
            new = _plan_pairs(prev.date, snap.date, ids, prev_m, cur_m, clipper)
            plans.extend(new)
            dates += 1
            vertices += sum(int(shapely.get_num_coordinates(ov.ca).sum()
                                + shapely.get_num_coordinates(ov.cb).sum())
                            for _, c in new for ov in c.overlays)
            if dates >= _BATCH_DATES or vertices >= _BATCH_VERTICES:
                yield from _pairs_of(plans)
                plans, dates, vertices = [], 0, 0
        prev, prev_m = snap, cur_m
    if plans:
        yield from _pairs_of(plans)


def _serial(snapshots, min_part_km2, order, clip: ClipOutline | None = None):
    first: dict[str, float] = {}
    areas: _Areas | None = None
    for p in _serial_pairs(snapshots, min_part_km2, order, 0, clip, first):
        if areas is None:
            areas = _Areas(first)
        yield areas.row(p)


def timeline(
    snapshots: Iterable[Snapshot],
    min_part_km2: float = 1.0,
    order: list[str] | None = None,
    executor=None,
    chunk: int = 8,
    in_flight: int = 4,
    clip: shapely.Geometry | None = None,
) -> Iterator[TimelineRow]:
    """Rows for every consecutive pair of dates and every faction present on either.

    ``executor``: anything with ``submit(fn, *args)`` returning a future with
    ``result()`` (see :mod:`frontmap.parallel`: local processes or a Dask
    cluster). Snapshots then go to workers in runs of ``chunk`` pairs, at most
    ``in_flight`` runs at once, so memory stays bounded.
    Rows come out in date order, the same whichever way they were computed.

    ``clip``: an outline the snapshots' territories are not clipped to yet
    (``Catalog(..., defer_clip=True)`` gives such snapshots and the outline as
    ``deferred_clip``): every territory is clipped to it here, by the workers.
    The rows are those of the clipped snapshots.
    """
    outline = ClipOutline(clip) if clip is not None else None
    if executor is not None:
        if outline is not None:
            outline.prepare()
        yield from _timeline_parallel(
            snapshots, min_part_km2, order, executor, chunk, in_flight, outline
        )
        return
    yield from _serial(snapshots, min_part_km2, order, clip=outline)


def _timeline_parallel(snapshots, min_part_km2, order, executor, chunk, in_flight, clip=None):
    pending: collections.deque = collections.deque()
    areas: _Areas | None = None

    def rows_of(future):
        nonlocal areas
        pairs, first = future.result()
        if areas is None:
            areas = _Areas(first)
        return [areas.row(p) for p in pairs]

    run: list[Snapshot] = []
    start = 0
    for snap in snapshots:
        run.append(snap)
        if len(run) > chunk:
            pending.append(executor.submit(_chunk_pairs, run, min_part_km2, order, start, clip))
            start += len(run) - 1
            run = [run[-1]]
            while len(pending) >= in_flight:
                yield from rows_of(pending.popleft())
    if len(run) > 1:
        pending.append(executor.submit(_chunk_pairs, run, min_part_km2, order, start, clip))
    while pending:
        yield from rows_of(pending.popleft())
