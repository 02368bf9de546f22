"""Holders and what passed between them (analysis).

On each date every point of the area of interest has exactly one *holder*: a
faction (ground only it claims), ``contested`` (claimed by two or more) or
``unassigned`` (claimed by none). The transfers are the ground each holder of
one date left to each holder of the other; their overlays run in floating
point, checked (see :func:`_checked_transfers`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import shapely

from .geodesy import area_km2
from .measure import CONTESTED, GRID, UNASSIGNED, contested_geometry, polygonal
from .overlay import PairOverlay, collect

__all__ = ["holders", "LazyHolders"]


def holders(territories: dict, aoi, grid: float | None = None) -> dict[str, shapely.Geometry]:
    """Split the area of interest into holders: factions, contested, unassigned
    (``grid``: overlay snap-rounded on that precision grid, see :func:`_transfers`)."""
    return dict(LazyHolders(territories, aoi, grid=grid))


class LazyHolders(Mapping):
    """:func:`holders` of one date, each computed on first use (a diff's numbers do not
    need them; drawing does; a highlight may need only a faction's, not the ground no
    faction holds, which costs an overlay with the whole clip). With ``areas=True``,
    the km² of each holder. ``grid``: as for :func:`holders`."""

    def __init__(self, territories: dict, aoi, areas: bool = False, geoms=None,
                 grid: float | None = None):
        self._territories, self._aoi, self._areas = territories, aoi, areas
        self._grid = grid
        if areas and geoms is None:
            geoms = LazyHolders(territories, aoi)
        self._geoms: LazyHolders | None = geoms
        self._found: dict = {}
        self._contested: shapely.Geometry | None = None
        self._keys: list[str] | None = None

    def _contested_ground(self) -> shapely.Geometry:
        if self._contested is None:
            # (diff refined the territories of both dates together: refined_snapshots)
            self._contested = contested_geometry(self._territories, refine=False)
        return self._contested

    def _key_list(self) -> list[str]:
        if self._keys is None:
            if self._geoms is not None:
                self._keys = list(self._geoms)
            else:
                contested = [] if self._contested_ground().is_empty else [CONTESTED]
                self._keys = [*self._territories, *contested, UNASSIGNED]
        return self._keys

    def _compute(self, key: str):
        if self._geoms is not None:
            return area_km2(self._geoms[key])
        contested = self._contested_ground()
        if key == CONTESTED:
            return contested
        if key == UNASSIGNED:
            values = list(self._territories.values())
            if not values:
                return polygonal(self._aoi)
            # (a union of one territory would only cost time)
            claimed = values[0] if len(values) == 1 else shapely.union_all(values)
            return polygonal(shapely.difference(self._aoi, claimed, grid_size=self._grid))
        g = self._territories[key]
        return g if contested.is_empty else polygonal(
            shapely.difference(g, contested, grid_size=self._grid)
        )

    def __getitem__(self, key):
        if key not in self._found:
            if key not in self._key_list():
                raise KeyError(key)
            self._found[key] = self._compute(key)
        return self._found[key]

    def __iter__(self) -> Iterator:
        return iter(self._key_list())

    def __len__(self) -> int:
        return len(self._key_list())

    def __repr__(self) -> str:
        done = len(self._found)
        return f"LazyHolders({f'{done} computed' if done else 'not computed yet'})"


def _transfers(h_from: dict, h_to: dict, grid: float | None = None) -> tuple[dict, dict, float]:
    """Area (and ground) that passed from each holder to each other holder, and how
    far the worst holder's pieces are from adding up to the ground it left (km²,
    beyond a round-off of 1e-9 of the holder's area: 0 or less when every row adds
    up)."""
    matrix, geoms = {}, {}
    worst = 0.0
    for a, ga in h_from.items():
        if ga.is_empty:
            continue
        gb_same = h_to.get(a)
        if gb_same is None or gb_same.is_empty:
            leaving = polygonal(ga)
        else:
            leaving = polygonal(shapely.difference(ga, gb_same, grid_size=grid))
        if leaving.is_empty:
            continue
        row = 0.0
        for b, gb in h_to.items():
            if b == a or gb.is_empty or not shapely.intersects(leaving, gb):
                continue
            piece = polygonal(shapely.intersection(leaving, gb, grid_size=grid))
            km2 = area_km2(piece)
            if km2 > 0:
                matrix[(a, b)] = km2
                geoms[(a, b)] = piece
                row += km2
        # (the holders of a date cover the area of interest: every piece of the ground a
        # holder left went to one other holder)
        worst = max(worst, abs(row - area_km2(leaving)) - 1e-9 * area_km2(ga))
    return matrix, geoms, worst


#: how far (km², beyond 1e-9 of the holder's area) a holder's transfers may be from
#: adding up to the ground it left before the overlay is done again on the fixed grid
#: (see _checked_transfers): the chords of the clip outline (0.1 m off their geodesics)
#: leave a few 1e-6 km² where territory crosses it
_ROW_KM2 = 1e-6


def _checked_transfers(t_from: dict, t_to: dict, aoi) -> tuple[dict, dict]:
    """:func:`_transfers` between the holders of two dates, checked.

    The overlays run in floating point first: they put a vertex only where two
    boundaries really meet, so every piece keeps the geodesic edges it came with
    and the pieces agree with PostGIS to 1e-6. GEOS's floating-point overlay can
    return a phantom piece where nearly coinciding edges are noded inconsistently;
    the pieces of some holder then do not add up to the ground it left. Then the
    whole is done again snap-rounded on the fixed GRID (which cannot return one,
    but nodes an edge wherever another boundary's vertex lies within 1e-12° of it,
    on the chord and off the geodesic: about 1e-3 relative on a small transfer,
    which is why it is not the first try); the result whose rows add up better is
    kept.
    """
    best: tuple[dict, dict, float] | None = None
    for grid in (None, GRID):
        m, g, worst = _transfers(holders(t_from, aoi, grid), holders(t_to, aoi, grid), grid)
        if best is None or worst < best[2]:
            best = (m, g, worst)
        if worst <= _ROW_KM2:
            break
    assert best is not None
    return best[0], best[1]


def _diff_transfers(ov: PairOverlay) -> tuple[dict, dict]:
    """:func:`_transfers` between the holders of the two dates: window by window when
    the dates differ in small windows (outside them every holder is the same on
    both dates, so nothing passes there), else over the whole area of interest."""
    if ov.windows is None:
        return _checked_transfers(ov.t_from, ov.t_to, ov.aoi)
    matrix: dict[tuple[str, str], float] = {}
    pieces: dict[tuple[str, str], list] = {}
    aoi = ov.aoi_pieces()
    for i in range(len(ov.windows)):
        if aoi[i].is_empty:
            continue
        m, g = _checked_transfers(ov.in_window("from", i), ov.in_window("to", i), aoi[i])
        for k, km2 in m.items():
            matrix[k] = matrix.get(k, 0.0) + km2
            pieces.setdefault(k, []).append(g[k])
    # in the order an overlay of the whole area of interest lists them
    rank_a = {h: i for i, h in enumerate([*ov.t_from, CONTESTED, UNASSIGNED])}
    rank_b = {h: i for i, h in enumerate([*ov.t_to, CONTESTED, UNASSIGNED])}
    keys = sorted(matrix, key=lambda k: (rank_a.get(k[0], len(rank_a)),
                                         rank_b.get(k[1], len(rank_b))))
    return {k: matrix[k] for k in keys}, {k: collect(pieces[k]) for k in keys}
