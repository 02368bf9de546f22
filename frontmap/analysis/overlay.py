"""The overlays of one diff, done only where its two dates differ (analysis).

A diff compares two snapshots that usually share almost all of their ground
and boundary: a month of a front line moves a few hundred vertices of a
territory that has tens of thousands once it is clipped to a detailed
country outline. :class:`PairOverlay` finds the change windows of every
faction (:mod:`.windows`), merges them into disjoint boxes, and cuts every
territory of both dates (and the area of interest) to those boxes once; the
differences between the dates (a faction's gains and losses, what passed
between holders) are then overlays of the small pieces. Outside the windows
the two dates are the same, so nothing is lost; the pieces are the ones the
overlay of the whole territories gives, never cut by a window (see
:mod:`.windows`). When the windows cover much of the ground (distant dates,
or small hand-made shapes), the whole territories are overlaid as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from .geodesy import area_km2, territory_areas_km2
from .measure import polygonal
from .topology import faction_parts
from .windows import (
    change_boxes,
    change_windows,
    clip_to_windows,
    covers_too_much,
    edges_of,
    merge_boxes,
)

__all__ = ["PairOverlay", "overlap_km2", "collect"]

_EMPTY = shapely.MultiPolygon()
#: geometries with fewer vertices than this are overlaid whole (windows cost more)
_SMALL = 2000


def collect(pieces) -> shapely.Geometry:
    """The polygons of several disjoint pieces as one geometry (no union needed)."""
    polys = [q for p in pieces if p is not None and not p.is_empty
             for q in shapely.get_parts(polygonal(p))]
    if not polys:
        return _EMPTY
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


class PairOverlay:
    """Differences between two snapshots' territories (``t_from``, ``t_to``) inside an
    area of interest ``aoi``, computed in change windows when those are small.

    ``windows`` is an array of disjoint boxes holding every difference between
    the dates (empty when nothing changed), or None: overlay whole geometries.
    """

    def __init__(self, t_from: dict, t_to: dict, aoi):
        self.t_from, self.t_to, self.aoi = t_from, t_to, aoi
        self.factions = list(dict.fromkeys([*t_from, *t_to]))
        self.windows = self._windows()
        self._pieces: dict[tuple[str, str], np.ndarray] = {}
        self._aoi_pieces: np.ndarray | None = None
        self._cache: dict[tuple, Any] = {}

    def _windows(self) -> np.ndarray | None:
        boxes = [change_boxes(edges_of(self.t_from.get(f)), edges_of(self.t_to.get(f)))
                 for f in self.factions]
        found = np.vstack(boxes) if boxes else np.empty((0, 4))
        if len(found) == 0:
            return found
        windows = merge_boxes(found)  # several factions' boxes, merged until none overlap
        if covers_too_much(windows, [*self.t_from.values(), *self.t_to.values()]):
            return None
        return windows

    def _cut(self) -> None:
        """Cut every territory of both dates and the area of interest to the windows,
        all in one go so that a window cut dirty is cut again for all of them."""
        assert self.windows is not None
        keys = [("from", f) for f in self.t_from] + [("to", f) for f in self.t_to]
        geoms = [self.t_from[f] for f in self.t_from] + [self.t_to[f] for f in self.t_to]
        cut = clip_to_windows([*geoms, self.aoi], self.windows)
        self._pieces = dict(zip(keys, cut[:-1], strict=True))
        self._aoi_pieces = cut[-1]

    def pieces(self, side: str, fid: str) -> np.ndarray:
        """A faction's territory on ``side`` ("from" or "to") cut to each window."""
        if self._aoi_pieces is None:
            self._cut()
        found = self._pieces.get((side, fid))
        if found is None:
            return np.array([_EMPTY] * len(self.aoi_pieces()), dtype=object)
        return found

    def aoi_pieces(self) -> np.ndarray:
        if self._aoi_pieces is None:
            self._cut()
        assert self._aoi_pieces is not None
        return self._aoi_pieces

    def in_window(self, side: str, i: int) -> dict[str, shapely.Geometry]:
        """Every faction's ground on ``side`` inside window ``i`` (non-empty only)."""
        t = self.t_from if side == "from" else self.t_to
        out = {}
        for f in t:
            g = self.pieces(side, f)[i]
            if not g.is_empty:
                out[f] = g
        return out

    def parts(self, side: str, fid: str, min_part_km2: float, link_km: float) -> list:
        """:func:`.topology.faction_parts` of a faction's territory on ``side`` ("from"
        or "to"), computed once (the changes and the events both need them)."""
        key = ("parts", side, fid, min_part_km2, link_km)
        found = self._cache.get(key)
        if found is None:
            t = self.t_from if side == "from" else self.t_to
            _, polys, each = self.measure(side, fid)
            found = self._cache[key] = faction_parts(t.get(fid), min_part_km2, link_km,
                                                     measured=(polys, each))
        return found

    def area(self, side: str, fid: str) -> float:
        """A faction's km² on ``side`` (0 when it has none)."""
        return self.measure(side, fid)[0]

    def measure(self, side: str, fid: str):
        """(km², polygons, km² of each) of a faction's territory on ``side``."""
        key = ("measure", side, fid)
        found = self._cache.get(key)
        if found is None:
            t = self.t_from if side == "from" else self.t_to
            found = self._cache[key] = territory_areas_km2(t.get(fid))
        return found

    def minus(self, fid: str, lost: bool = True, grid: float | None = None) -> shapely.Geometry:
        """A faction's lost ground (FROM minus TO), or its gained ground (TO minus
        FROM) with ``lost=False``, polygons only; on the precision grid ``grid``
        when given (None: floating point)."""
        key = (fid, lost, grid)
        found = self._cache.get(key)
        if found is not None:
            return found
        a, b = self.t_from.get(fid), self.t_to.get(fid)
        if not lost:
            a, b = b, a
        if a is None or a.is_empty:
            out = _EMPTY
        elif b is None or b.is_empty:
            out = polygonal(a)
        elif self.windows is None:
            out = polygonal(shapely.difference(a, b, grid_size=grid))
        elif len(self.windows) == 0:
            out = _EMPTY
        else:
            pa = self.pieces("from" if lost else "to", fid)
            pb = self.pieces("to" if lost else "from", fid)
            out = collect(shapely.difference(pa, pb, grid_size=grid))
        self._cache[key] = out
        return out


def overlap_km2(a, b, area_a: float) -> float:
    """km² of ground two polygonal geometries share; ``area_a`` is ``a``'s own.

    Two versions of one territory (a part on two dates) share most of their
    boundary: their overlap is then ``a`` minus what ``a`` has and ``b`` has not,
    computed in change windows, instead of an overlay of two large geometries.
    """
    if not shapely.intersects(a, b):
        return 0.0
    if min(shapely.get_num_coordinates(a), shapely.get_num_coordinates(b)) < _SMALL:
        return area_km2(polygonal(shapely.intersection(a, b)))
    windows = change_windows(edges_of(a), edges_of(b))
    if len(windows) == 0:
        return area_a
    if covers_too_much(windows, [a, b]):
        return area_km2(polygonal(shapely.intersection(a, b)))
    ca, cb = clip_to_windows([a, b], windows)
    return area_a - area_km2(collect(shapely.difference(ca, cb)))
