"""Clipping territories to an outline (``--clip``) without redoing what needs no work.

A country outline can have a hundred thousand vertices, and GEOS's overlay
costs about a microsecond per vertex near the territory: 90 ms for one
DeepState territory against the 116,494-vertex Ukraine outline, at every
date. :class:`Clipper` prepares the outline once and then:

* keeps the parts of a territory wholly inside the outline as they are, and
  drops the parts wholly outside it (``shapely.prepare``: an index of its
  edges answers both);
* intersects the parts that cross its edge by walking the two boundaries
  (:func:`_walk`): the crossings of the territory's edges with the outline's
  (found through an STRtree of the outline's edges, built once) cut both
  boundaries into arcs; the arcs of each that lie inside the other, joined
  at the crossings, are the rings of the intersection. Its cost is the
  territory's edges and the crossings, plus copying the outline's arcs: a
  few milliseconds;
* remembers, per ``key`` (a faction, say), the crossings of every edge of the
  last territory it clipped: an archive's next date shares almost all of its
  edges, and only the new ones are looked up again. The crossings of an edge
  depend only on that edge and the outline, and they are put in one canonical
  order before the rings are joined, so the result does not depend on what
  was clipped before;
* falls back to GEOS (``shapely.intersection``) whenever anything is not in
  general position: a vertex on or very near the other boundary, edges that
  overlap, two crossings too close to order. Then the answer is GEOS's; a
  territory of many parts is halved until only the parts not in general
  position are left to GEOS (its overlay costs the outline's vertices near
  them: 170 ms for 224 parts of a DeepState change against the Ukraine
  outline, where halving walks 223 of them and leaves one to GEOS).

``Clipper.count`` answers how many parts of the intersection reach a size
without building it: the rings of the walk are measured from prefix sums over
the runs of vertices they are made of (:func:`_walk_areas`), and only a ring
too near the size to tell is built.

Either way the result is the plain intersection's: the same rings through
the same vertices, so the same geodesic areas (the tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

from .clean import polygonal_only
from .densify import edge_hashes

__all__ = ["Clipper"]

#: an orientation this small relative to the edges' lengths is "on the line": fall back
_EPS = 1e-9
#: consecutive outline edges per box of its index
_RUN = 8



class _Degenerate(Exception):
    """The boundaries are not in general position: leave it to GEOS."""


@dataclass
class _Crossings:
    """Crossings of a territory's edges with the outline's, one row per crossing."""

    t_edge: np.ndarray  # the territory's edge (index into _Rings.p)
    c_edge: np.ndarray  # the outline's edge
    s: np.ndarray  # where along the territory's edge (0..1)
    u: np.ndarray  # where along the outline's edge
    pt: np.ndarray  # (n, 2) the point
    t_into: np.ndarray  # leaving the crossing, the territory's boundary enters the outline

    def take(self, k) -> _Crossings:
        return _Crossings(self.t_edge[k], self.c_edge[k], self.s[k], self.u[k], self.pt[k],
                          self.t_into[k])


@dataclass
class _Memory:
    """The last territory clipped under one key: its edges and their crossings
    (sorted by edge, so that ``start[e]:start[e + 1]`` are edge e's)."""

    edges: np.ndarray
    keys: np.ndarray
    order: np.ndarray
    crossings: _Crossings
    start: np.ndarray


class Clipper:
    """``Clipper(outline)(territory)`` is ``territory ∩ outline``, polygonal (or None)."""

    def __init__(self, outline: shapely.Geometry):
        self.outline = outline
        shapely.prepare(outline)
        self._edges: _Rings | None = None  # the outline's boundary, indexed on first use
        self._memory: dict[object, _Memory] = {}
        #: how many territories were walked, and how many left to GEOS
        self.walked = 0
        self.fallbacks = 0
        #: edges whose crossings were remembered from the key's last territory
        self.reused = 0
        #: the vertex table :func:`_walk_areas` keeps between calls
        self._store: dict = {}
        #: the origin of the offsets :func:`_walk_areas` sums (near the outline: exact)
        b = shapely.bounds(outline)
        self._origin = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])

    def __call__(self, geom: shapely.Geometry, key: object = None) -> shapely.Geometry | None:
        """``geom ∩ outline``; ``key`` names a series (a faction's territory date after
        date) whose last territory's crossings are remembered for the next."""
        if geom is None or geom.is_empty:
            return None
        parts = shapely.get_parts(geom)
        inside = shapely.contains(self.outline, parts)
        if inside.all():
            return geom
        meets = ~inside & shapely.intersects(self.outline, parts)
        kept = list(parts[inside])
        if meets.any():
            crossing = parts[meets]
            target = crossing[0] if len(crossing) == 1 else shapely.multipolygons(crossing)
            cut = self._intersection(target, key)
            if cut is not None:
                kept.extend(p for p in shapely.get_parts(cut) if not p.is_empty)
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        return shapely.multipolygons(np.asarray(kept, dtype=object))

    def count(
        self, geom: shapely.Geometry, key: object, min_km2: float,
        exact: Callable[[shapely.Geometry], int], edges: tuple | None = None,
    ) -> int | None:
        """How many parts of ``geom ∩ outline`` reach ``min_km2`` (None: nothing is
        left), as ``exact(geom ∩ outline)`` counts them, mostly without building
        the intersection: every part is walked, and the rings of the result are
        measured from their runs of vertices (:func:`_walk_areas`); only when an
        estimate is not clearly on one side of ``min_km2`` is the intersection
        built and ``exact`` asked. ``edges``: ``geom``'s oriented directed edges,
        their hashes and the hashes' sorted order, when known (as
        :func:`frontmap.analysis.windows.edges_of` gives them). ``key`` and what is
        remembered are as for a call."""
        if geom is None or geom.is_empty:
            return None
        got = self._intersection(geom, key, count=min_km2, edges=edges, exact=exact)
        if isinstance(got, int):
            return None if got < 0 else got
        return exact(got) if got is not None and not got.is_empty else None

    def ready(self) -> Clipper:
        """Build what the first clip would (the outline's index, its prepared
        predicates) now."""
        if self._edges is None:
            self._edges = _Rings(self.outline, index=True)
        xmin, ymin, _, _ = shapely.bounds(self.outline)
        shapely.contains_xy(self.outline, xmin, ymin)
        shapely.contains(self.outline, shapely.box(xmin, ymin, xmin, ymin))
        return self

    def _intersection(self, target: shapely.Geometry, key: object = None,
                      count: float | None = None, edges: tuple | None = None,
                      exact: Callable[[shapely.Geometry], int] | None = None):
        """``target ∩ outline`` (None: nothing); with ``count`` (a km² threshold), how
        many of its parts reach it, when the walk's ring areas tell (-1: none is
        left), else the intersection."""
        if self._edges is None:
            self._edges = _Rings(self.outline, index=True)
        t = _Rings(target)
        try:
            found, memory = self._crossings(t, key, edges)
            runs = _walk_runs(t, self._edges, found, target, self.outline)
            polys = None
            if count is not None:
                assert exact is not None
                told = _count_from_areas(_walk_areas(
                    t, self._edges, found, runs, self._origin, self._store), count, exact)
            if count is None or told is None:
                polys = _walk(t, self._edges, found, runs)
            self.walked += 1
        except _Degenerate:
            self._memory.pop(key, None)
            parts = shapely.get_parts(target)
            if len(parts) > 1:  # halve it: only the parts not in general position go to
                # GEOS, whose overlay costs the outline's vertices near the target
                half = len(parts) // 2
                polys = [p for group in (parts[:half], parts[half:])
                         for p in _parts_of(self._intersection(_one(group)))]
                cut = None if not polys else _one(np.asarray(polys, dtype=object))
            else:
                self.fallbacks += 1
                cut, _ = polygonal_only(shapely.intersection(target, self.outline))
            return cut
        if key is not None:
            self._memory[key] = memory
        if polys is None:
            return told
        if len(polys) == 0:
            return None
        return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)

    def _crossings(self, t: _Rings, key: object, given: tuple | None = None
                   ) -> tuple[_Crossings, _Memory]:
        """Every crossing of ``t``'s edges with the outline's, in canonical order (by
        edge, then along it), and what to remember of them (``given``: ``t``'s
        edges, their hashes and their sorted order, when already worked out)."""
        assert self._edges is not None
        if (given is not None and len(given[0]) == len(t.p)
                and np.array_equal(given[0][:, :2], t.p) and np.array_equal(given[0][:, 2:], t.q)):
            edges, keys, order = given
        else:
            edges = np.ascontiguousarray(np.hstack([t.p, t.q]))
            keys = edge_hashes(edges)
            order = np.argsort(keys)
        old = self._memory.get(key) if key is not None else None
        match = _match(edges, keys, order, old) if old is not None else None
        if match is None:
            found = _edge_crossings(t.p, t.q, t.len, self._edges)
        else:
            known = match >= 0
            self.reused += int(known.sum())
            assert old is not None
            # the remembered crossings of the edges both territories have
            counts = old.start[1:] - old.start[:-1]
            src = match[known]
            n = counts[src]
            rows = np.repeat(old.start[src], n) + _ranks(n)
            kept = old.crossings.take(rows)
            kept.t_edge = np.repeat(np.flatnonzero(known), n)
            # and those of the new edges, looked up again
            new = np.flatnonzero(~known)
            fresh = _edge_crossings(t.p[new], t.q[new], t.len[new], self._edges)
            fresh.t_edge = new[fresh.t_edge]
            found = _Crossings(*(np.concatenate([a, b]) for a, b in zip(
                _fields(kept), _fields(fresh), strict=True)))
        canon = _along(found.t_edge, found.s)
        found = found.take(canon)
        start = np.searchsorted(found.t_edge, np.arange(len(edges) + 1))
        return found, _Memory(edges, keys, order, found, start)


def _one(parts: np.ndarray) -> shapely.Geometry:
    """Polygons as one geometry (a polygon alone as itself)."""
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def _parts_of(geom: shapely.Geometry | None) -> list[shapely.Geometry]:
    if geom is None or geom.is_empty:
        return []
    return [p for p in shapely.get_parts(geom) if not p.is_empty]


def _fields(c: _Crossings):
    return (c.t_edge, c.c_edge, c.s, c.u, c.pt, c.t_into)


def _ranks(n: np.ndarray) -> np.ndarray:
    """0..n[i]-1 for each i, concatenated."""
    total = int(n.sum())
    return np.arange(total) - np.repeat(np.cumsum(n) - n, n)


def _match(edges, keys, order, old: _Memory) -> np.ndarray:
    """For each edge, the index of the same directed edge in ``old`` (-1: none)."""
    if len(old.keys) == 0 or len(keys) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    sorted_old = old.keys[old.order]
    pos = np.searchsorted(sorted_old, keys[order])
    pos[pos == len(sorted_old)] = 0
    cand = np.empty(len(keys), dtype=np.int64)
    cand[order] = old.order[pos]
    same = old.keys[cand] == keys
    same[same] = (old.edges[cand[same]] == edges[same]).all(axis=1)
    return np.where(same, cand, -1)


class _Rings:
    """The rings of a polygonal geometry, oriented with the interior on their left
    (shells counter-clockwise, holes clockwise), as flat arrays of edges."""

    def __init__(self, geom: shapely.Geometry, index: bool = False):
        oriented = shapely.orient_polygons(geom)
        rings = shapely.get_rings(shapely.get_parts(oriented))
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        self.rings = rings
        starts = np.searchsorted(ring_of, np.arange(len(rings)))
        ends = np.append(starts[1:], len(coords))
        #: every ring's coordinates, closed (first == last), one after the other
        self.flat = coords
        self.start = starts
        #: each ring's number of edges
        self.size = ends - starts - 1
        same = ring_of[1:] == ring_of[:-1]
        self.p = coords[:-1][same]  # edge start
        self.q = coords[1:][same]  # edge end
        self.d = self.q - self.p
        self.len = np.hypot(self.d[:, 0], self.d[:, 1])
        self.ring = ring_of[:-1][same]
        #: index of each edge within its ring
        self.pos = np.arange(len(coords) - 1)[same] - starts[self.ring]
        self.lo = np.minimum(self.p, self.q)
        self.hi = np.maximum(self.p, self.q)
        #: each ring's bounds
        self.ring_lo = np.minimum.reduceat(coords, starts, axis=0) if len(starts) else coords
        self.ring_hi = np.maximum.reduceat(coords, starts, axis=0) if len(starts) else coords
        self.tree = None
        self._prefix: tuple | None = None
        if index:  # an STRtree of runs of _RUN consecutive edges (small, quick to build)
            m = -(-len(self.p) // _RUN)
            pad = m * _RUN - len(self.p)
            lo = np.vstack([self.lo, np.repeat(self.lo[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            hi = np.vstack([self.hi, np.repeat(self.hi[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            lo, hi = lo.min(axis=1), hi.max(axis=1)
            self.tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))

    def prefix(self, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(prefix sums of the shoelace terms from each vertex to the next, in the
        lon/lat plane and sinusoidal; the vertices as x, y, X, Y), all as offsets
        from ``origin`` (the same for every call on one instance); kept."""
        if self._prefix is None:
            xy = self.flat - origin
            coords = np.column_stack([xy, _sinusoidal(xy, origin)])
            a, b = coords[:-1], coords[1:]
            terms = np.column_stack([a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1],
                                     a[:, 2] * b[:, 3] - b[:, 2] * a[:, 3]])
            sums = np.vstack([np.zeros((1, 2)), np.cumsum(terms, axis=0)])
            self._prefix = (sums, coords)
        return self._prefix

    def pairs(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(edges of another boundary with these bounds, edges of self) whose bounding
        boxes meet."""
        assert self.tree is not None
        oi, run = self.tree.query(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
        ci = (run[:, None] * _RUN + np.arange(_RUN)).ravel()
        oi = np.repeat(oi, _RUN)
        ok = ci < len(self.p)
        oi, ci = oi[ok], ci[ok]
        meet = (
            (lo[oi, 0] <= self.hi[ci, 0]) & (self.lo[ci, 0] <= hi[oi, 0])
            & (lo[oi, 1] <= self.hi[ci, 1]) & (self.lo[ci, 1] <= hi[oi, 1])
        )
        return oi[meet], ci[meet]


def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _edge_crossings(tp, tq, tlen, c: _Rings) -> _Crossings:
    """The crossings of the edges ``tp -> tq`` with the outline's edges (``t_edge``
    numbers them 0..len(tp)-1). Raises _Degenerate for a vertex on (or all but on)
    the other's edge, or edges along one line."""
    if len(tp) == 0:
        none = np.zeros(0, dtype=np.int64)
        return _Crossings(none, none, np.zeros(0), np.zeros(0), np.zeros((0, 2)),
                          np.zeros(0, dtype=bool))
    lo, hi = np.minimum(tp, tq), np.maximum(tp, tq)
    ti, ci = c.pairs(lo, hi)
    c1, cd, t1 = c.p[ci], c.d[ci], tp[ti]
    # which side of the outline's edge each end of the territory's edge lies
    d1 = _cross(cd[:, 0], cd[:, 1], t1[:, 0] - c1[:, 0], t1[:, 1] - c1[:, 1])
    t2 = tq[ti]
    d2 = _cross(cd[:, 0], cd[:, 1], t2[:, 0] - c1[:, 0], t2[:, 1] - c1[:, 1])
    # an orientation near zero: a vertex on (or all but on) the other's edge, or edges
    # along one line; scale: the two edges' lengths
    tol = _EPS * c.len[ci] * tlen[ti]
    z1, z2 = np.abs(d1) <= tol, np.abs(d2) <= tol
    near = (np.signbit(d1) != np.signbit(d2)) | z1 | z2
    k = np.flatnonzero(near)  # the edge pairs that may cross (or touch)
    ti, ci, d1, d2, z1, z2, tol = ti[k], ci[k], d1[k], d2[k], z1[k], z2[k], tol[k]
    c1, c2, t1 = c.p[ci], c.q[ci], tp[ti]
    td = tq[ti] - t1
    d3 = _cross(td[:, 0], td[:, 1], c1[:, 0] - t1[:, 0], c1[:, 1] - t1[:, 1])
    d4 = _cross(td[:, 0], td[:, 1], c2[:, 0] - t1[:, 0], c2[:, 1] - t1[:, 1])
    z3, z4 = np.abs(d3) <= tol, np.abs(d4) <= tol
    across12 = (np.signbit(d1) != np.signbit(d2)) & ~z1 & ~z2
    across34 = (np.signbit(d3) != np.signbit(d4)) & ~z3 & ~z4
    if (((z1 | z2) & (across34 | z3 | z4)) | ((z3 | z4) & (across12 | z1 | z2))).any():
        raise _Degenerate
    k = np.flatnonzero(across12 & across34)
    s = d1[k] / (d1[k] - d2[k])  # where along the territory's edge
    u = d3[k] / (d3[k] - d4[k])  # where along the outline's edge
    pt = t1[k] + s[:, None] * td[k]
    t_into = d2[k] > 0  # leaving the crossing, the territory's boundary enters the outline
    c_into = d4[k] > 0  # ... the outline's boundary enters the territory
    if not np.all(t_into != c_into):
        raise _Degenerate
    return _Crossings(ti[k], ci[k], s, u, pt, t_into)


def _walk(t: _Rings, c: _Rings, x: _Crossings, runs: list[tuple]) -> list[shapely.Polygon]:
    """The polygons of ``target ∩ outline`` from the arcs of their boundaries (``runs``:
    :func:`_walk_runs`)."""
    # every vertex of the result is a vertex of the outline, one of the territory or a
    # crossing: the rings are built as indices into the three, then gathered at once
    table = np.concatenate([c.flat, t.flat, x.pt])
    pieces = [(np.repeat(s, n) + _ranks(n), np.repeat(r, n)) for s, n, r in runs]
    rings, offset = [], 0
    for _, ring in pieces:  # rings numbered on from the previous piece's
        rings.append(ring + offset)
        offset += int(ring[-1]) + 1 if len(ring) else 0
    idx = np.concatenate([p[0] for p in pieces])
    return _polygons(np.take(table, idx, axis=0), np.concatenate(rings))


def _walk_runs(t: _Rings, c: _Rings, x: _Crossings, target, outline) -> list[tuple]:
    """The rings of ``target ∩ outline`` as runs of consecutive vertices of the table
    of every vertex the result can have (the outline's vertices, then the
    territory's, then the crossings): (run starts, run lengths, ring of each run),
    for the rings through crossings, the territory's rings that meet none and the
    outline's that meet none."""
    n = len(x.s)
    base_c, base_t, base_x = 0, len(c.flat), len(c.flat) + len(t.flat)
    runs = []
    crossed_t: np.ndarray = np.zeros(0, dtype=np.int64)
    crossed_c = crossed_t
    if n:
        runs.append(_crossing_runs(t, c, x, base_x, base_t, base_c))
        crossed_t, crossed_c = t.ring[x.t_edge], c.ring[x.c_edge]
    # rings that meet no crossing: inside the other geometry or not
    for r, crossed, other, base in ((t, crossed_t, outline, base_t),
                                    (c, crossed_c, target, base_c)):
        cand = _free_rings(r, crossed, other)
        runs.append((base + r.start[cand], r.size[cand] + 1, np.arange(len(cand))))
    return runs


class _RingAreas:
    """The rings of ``target ∩ outline`` without building them (:func:`_walk_areas`):
    ``plane``, each ring's signed area in the lon/lat plane (positive: a shell);
    ``sphere``, an estimate of its km² (sinusoidal on the sphere, equal-area);
    ``first``, one vertex of each; :meth:`coords` builds one ring."""

    def __init__(self, plane, sphere, first, runs, take):
        self.plane, self.sphere, self.first = plane, sphere, first
        self._starts, self._lens, self._ring = runs
        self._take = take

    def coords(self, k: int) -> np.ndarray:
        """Ring ``k``'s vertices, closed, exactly as the intersection has them."""
        lo, hi = np.searchsorted(self._ring, [k, k + 1])
        starts, lens = self._starts[lo:hi], self._lens[lo:hi]
        return self._take(np.repeat(starts, lens) + _ranks(lens))


def _walk_areas(t: _Rings, c: _Rings, x: _Crossings, runs: list[tuple], origin,
                store: dict) -> _RingAreas:
    """The rings of ``target ∩ outline`` measured without building them, from prefix
    sums over the runs of vertices each is made of: the cost is the runs, not the
    outline's vertices they copy (see :class:`_RingAreas`; ``runs``:
    :func:`_walk_runs`).

    The table of vertices (the outline's, the territory's, the crossings'; for
    each, the prefix sums, the offsets from ``origin`` as x, y and sinusoidal X,
    Y, and the vertex as it is) is kept in ``store`` with the outline's rows
    filled once: each call writes only the territory's and the crossings'."""
    n, nt, nc = len(x.s), len(t.flat), len(c.flat)
    need = nc + nt + n
    table = store.get("table")
    if table is None or len(table) < need:
        table = np.empty((nc + 2 * (nt + n), 8))
        sums, coords = c.prefix(origin)
        table[:nc] = np.hstack([sums, coords, c.flat])
        store["table"] = table
    sums, coords = t.prefix(origin)
    table[nc:nc + nt] = np.hstack([sums, coords, t.flat])
    pt = x.pt - origin
    table[nc + nt:need] = np.hstack([np.zeros((n, 2)), pt, _sinusoidal(pt, origin), x.pt])

    plane: list[np.ndarray] = []
    sphere: list[np.ndarray] = []
    first_xy: list[np.ndarray] = []
    all_runs: list[tuple] = []
    offset = 0
    for starts, lens, ring in runs:
        keep = lens > 0
        starts, lens, ring = starts[keep], lens[keep], ring[keep]
        m = int(ring[-1]) + 1 if len(ring) else 0
        ends = starts + lens - 1
        first, last = table[starts], table[ends]
        inner = last[:, :2] - first[:, :2]  # the terms within each run
        a, b = last[:-1], first[1:]  # ... and from one run to the next in its ring
        join = ring[1:] == ring[:-1]
        ring_of_join = ring[1:][join]
        a, b = a[join], b[join]
        for col, (i, j) in enumerate(((2, 3), (4, 5))):
            step = a[:, i] * b[:, j] - b[:, i] * a[:, j]
            total = (np.bincount(ring, inner[:, col], minlength=m)
                     + np.bincount(ring_of_join, step, minlength=m))
            (plane if col == 0 else sphere).append(total / 2)
        heads = np.flatnonzero(np.diff(ring, prepend=-1))  # each ring's first run
        first_xy.append(first[heads, 6:8])
        all_runs.append((starts, lens, ring + offset))
        offset += m
    joined = tuple(np.concatenate(r) for r in zip(*all_runs, strict=True))
    return _RingAreas(np.concatenate(plane), np.abs(np.concatenate(sphere)),
                      np.concatenate(first_xy), joined, lambda idx: table[idx, 6:8])


#: km per radian on the authalic sphere
_R_KM = 6371.0072


def _sinusoidal(xy: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Sinusoidal (equal-area) km of lon/lat offsets from ``origin``."""
    lat = np.radians(xy[:, 1] + origin[1])
    return np.column_stack([_R_KM * np.radians(xy[:, 0]) * np.cos(lat),
                            _R_KM * np.radians(xy[:, 1])])


#: how far off a ring's estimated km² may be, as a factor: sinusoidal on the authalic
#: sphere is within 1% of WGS84's area at any latitude, and every edge (territory and
#: outline, densified when read) is within 0.1 m of its geodesic, so the straight
#: edges of the estimate move a ring's area by under 0.1 m times its perimeter
_SLACK = 1.1


def _count_from_areas(rings: _RingAreas, min_km2: float,
                      exact: Callable[[shapely.Geometry], int]) -> int | None:
    """How many polygons of the rings reach ``min_km2``: -1 when there is no polygon,
    None when that cannot be told without building them.

    A shell whose estimate is clearly above ``min_km2`` even with every hole
    taken from it counts; one clearly below it does not. A shell too near to
    tell is built and measured (``exact`` of it alone) when no hole can lie in
    it (none starts within its bounds); otherwise the count is not told.
    """
    plane, sphere = rings.plane, rings.sphere
    shells, holes = plane > 0, plane < 0
    if not shells.any():
        return None if holes.any() else -1
    est = sphere[shells]
    cut = _SLACK * sphere[holes].sum()
    big = est / _SLACK - cut >= min_km2
    small = est * _SLACK < min_km2
    counted = int(big.sum())
    hole_xy = rings.first[holes]
    for k in np.flatnonzero(shells)[~(big | small)].tolist():
        ring = rings.coords(k)
        lo, hi = ring.min(axis=0), ring.max(axis=0)
        if ((hole_xy >= lo) & (hole_xy <= hi)).all(axis=1).any():
            return None
        counted += exact(shapely.Polygon(ring))
    return counted


def _crossing_runs(t: _Rings, c: _Rings, x: _Crossings, base_x: int, base_t: int,
                   base_c: int):
    """(run starts in the vertex table, run lengths, ring of each run) of the rings
    that pass crossings."""
    n = len(x.s)
    t_into = x.t_into
    # the next crossing along each boundary (rings walked in order)
    t_next = _successors(t, x.t_edge, x.s, presorted=True)
    c_next = _successors(c, x.c_edge, x.u)
    # a kept arc runs from a crossing where its boundary enters the other geometry to
    # the next crossing, where it must leave it; each crossing starts exactly one
    if t_into[t_next[t_into]].any() or (~t_into)[c_next[~t_into]].any():
        raise _Degenerate
    nxt = np.where(t_into, t_next, c_next)
    if (np.bincount(nxt, minlength=n) != 1).any():
        raise _Degenerate
    # the rings: each crossing, then the arc to the next one, until back at the start
    seq_a, sizes_a = _cycles(nxt)
    # the arc of each crossing: from its edge's position to the next crossing's, on
    # the boundary that enters the other geometry there
    t_pos, c_pos = t.pos[x.t_edge], c.pos[x.c_edge]
    pos = np.where(t_into, t_pos, c_pos)
    pos_next = np.where(t_into, t_pos[nxt], c_pos[nxt])
    ahead = np.where(t_into, x.s[nxt] > x.s, x.u[nxt] > x.u)  # further along the same edge
    ring_t, ring_c = t.ring[x.t_edge], c.ring[x.c_edge]
    m = np.where(t_into, t.size[ring_t], c.size[ring_c])  # the number of edges of that ring
    base = np.where(t_into, base_t + t.start[ring_t], base_c + c.start[ring_c])
    count = np.where(
        pos_next > pos,
        pos_next - pos,
        np.where(pos_next < pos, m - pos + pos_next, np.where(ahead, 0, m)),
    )
    # layout, as runs of consecutive vertices: per ring, each crossing (a run of one),
    # then its arc (one run, or two where it passes the end of its ring), and last the
    # ring's first crossing again
    n_rings = len(sizes_a)
    head = np.cumsum(sizes_a) - sizes_a  # each ring's first crossing (in seq)
    last = np.zeros(len(seq_a), dtype=np.int64)
    last[head + sizes_a - 1] = 1
    cnt, p, b, mm = count[seq_a], pos[seq_a] + 1, base[seq_a], m[seq_a]
    first_run = np.minimum(cnt, mm - p)  # up to the end of the ring ...
    at = base_x + seq_a
    starts = np.column_stack([at, b + p, b, np.repeat(at[head], sizes_a)]).ravel()
    lens = np.column_stack([np.ones_like(cnt), first_run, cnt - first_run, last]).ravel()
    ring = np.repeat(np.repeat(np.arange(n_rings), sizes_a), 4)  # ... and on from its start
    return starts, lens, ring


def _cycles(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The crossings ring by ring, each ring from its lowest crossing on and the rings
    in the order of those, and the number of crossings of each ring (``nxt`` is a
    permutation: the crossing after each). Pointer jumping, no loop per crossing."""
    n = len(nxt)
    rounds = max(1, int(np.ceil(np.log2(n))) + 1)
    low, p = np.arange(n), nxt.copy()
    for _ in range(rounds):  # the lowest crossing of each ring
        low = np.minimum(low, low[p])
        p = p[p]
    # cut each ring before its lowest crossing and count the steps to the cut
    last = nxt == low[nxt]  # the crossing just before a ring's lowest one
    q = np.where(last, np.arange(n), nxt)
    dist = (~last).astype(np.int64)
    for _ in range(rounds):
        dist = dist + dist[q]
        q = q[q]
    size = np.bincount(low, minlength=n)
    rank = size[low] - 1 - dist  # steps from the ring's lowest crossing
    seq = np.lexsort((rank, low))
    return seq, size[size > 0]


def _along(edge: np.ndarray, param: np.ndarray) -> np.ndarray:
    """The order of crossings along their boundary: by edge (edges are numbered ring
    by ring, in order), then along it. One sort key suffices: ``param`` is never
    within 1e-9 of 0 or 1 (a vertex that near the other boundary is degenerate)."""
    return np.argsort(edge + param, kind="stable")


def _successors(
    r: _Rings, edge: np.ndarray, param: np.ndarray, presorted: bool = False
) -> np.ndarray:
    """For each crossing, the next crossing along the same ring (``presorted``: the
    crossings are in the order :func:`_along` gives)."""
    order = np.arange(len(edge)) if presorted else _along(edge, param)
    key_edge, key_par = edge[order], param[order]
    key_ring = r.ring[key_edge]
    same_spot = key_edge[1:] == key_edge[:-1]
    if (same_spot & (np.abs(key_par[1:] - key_par[:-1]) <= 1e-9)).any():
        raise _Degenerate  # two crossings too close on one edge to be ordered surely
    # within a ring, each crossing's successor is the next in order; the last wraps
    first_of_ring = np.ones(len(order), dtype=bool)
    first_of_ring[1:] = key_ring[1:] != key_ring[:-1]
    starts = np.flatnonzero(first_of_ring)
    ends = np.append(starts[1:], len(order))
    if ((ends - starts) % 2).any():
        raise _Degenerate  # a closed ring crosses a closed boundary an even number of times
    following = np.arange(1, len(order) + 1)
    following[ends - 1] = starts
    nxt = np.empty(len(order), dtype=np.int64)
    nxt[order] = order[following]
    return nxt


def _free_rings(r: _Rings, crossed: np.ndarray, other) -> np.ndarray:
    """The rings of ``r`` that no crossing touches and that lie inside ``other``."""
    free = np.ones(len(r.start), dtype=bool)
    free[crossed] = False
    ob = shapely.bounds(other)
    lo, hi = r.ring_lo, r.ring_hi
    free &= ~((hi[:, 0] < ob[0]) | (lo[:, 0] > ob[2]) | (hi[:, 1] < ob[1]) | (lo[:, 1] > ob[3]))
    cand = np.flatnonzero(free)
    if len(cand):
        x, y = r.flat[r.start[cand], 0], r.flat[r.start[cand], 1]
        inside = shapely.contains_xy(other, x, y)
        if (shapely.intersects_xy(other, x[~inside], y[~inside])).any():
            raise _Degenerate  # on the other boundary
        cand = cand[inside]
    return cand


def _encloses(ring: np.ndarray, x: float, y: float) -> bool:
    """Is (x, y) inside the closed ``ring`` (even-odd rule)? A point on the ring's edge,
    or so near it that the answer could go either way, is degenerate (GEOS decides)."""
    x1, y1, x2, y2 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    spans = (y1 > y) != (y2 > y)
    xa, ya, xb, yb = x1[spans], y1[spans], x2[spans], y2[spans]
    # where each spanning edge meets the horizontal through the point, as the side of
    # the edge the point is on: exact for a point clearly off the edge
    side = (xb - xa) * (y - ya) - (yb - ya) * (x - xa)
    scale = (np.abs(xb - xa) + np.abs(yb - ya)) * (np.abs(x - xa) + np.abs(y - ya))
    if (np.abs(side) <= _EPS * scale).any():
        raise _Degenerate
    # the edge passes right of the point when the point is on its left going up
    right = np.where(yb > ya, side > 0, side < 0)
    return bool(np.count_nonzero(right) % 2)


def _polygons(coords: np.ndarray, ring_of: np.ndarray) -> list[shapely.Polygon]:
    """Counter-clockwise rings are shells, clockwise ones holes of the smallest shell
    around them (``ring_of``: the ring of each vertex, rings one after the other)."""
    if len(coords) == 0:
        return []
    n_rings = int(ring_of[-1]) + 1
    x, y = coords[:, 0], coords[:, 1]
    term = x[:-1] * y[1:] - x[1:] * y[:-1]
    start = np.searchsorted(ring_of, np.arange(n_rings))
    end = np.append(start[1:], len(coords))
    area = np.add.reduceat(term, start)  # each ring's terms, and one step into the next
    area[:-1] -= term[start[1:] - 1]
    area /= 2
    shells = np.flatnonzero(area > 0)
    holes = np.flatnonzero(area < 0)
    if len(shells) == 0:
        if len(holes):
            raise _Degenerate
        return []
    shells = shells[np.argsort(area[shells], kind="stable")]  # smallest first
    owner = np.full(n_rings, -1, dtype=np.int64)  # the polygon of each ring
    owner[shells] = np.arange(len(shells))
    if len(holes):
        lo = np.minimum.reduceat(coords, start, axis=0)
        hi = np.maximum.reduceat(coords, start, axis=0)
        for h in holes.tolist():
            hx, hy = coords[start[h]]
            around = shells[(lo[shells, 0] <= hx) & (hx <= hi[shells, 0])
                            & (lo[shells, 1] <= hy) & (hy <= hi[shells, 1])]
            for k in around.tolist():  # smallest first
                if _encloses(coords[start[k] : end[k]], hx, hy):
                    owner[h] = owner[k]
                    break
            else:
                raise _Degenerate
    used = np.flatnonzero(owner >= 0)
    # each polygon's shell first, then its holes
    order = used[np.lexsort((area[used] < 0, owner[used]))]
    sizes = end[order] - start[order]
    gather = np.repeat(start[order], sizes) + _ranks(sizes)
    ring_offsets = np.append(0, np.cumsum(sizes))
    poly_offsets = np.searchsorted(owner[order], np.arange(len(shells) + 1))
    return list(shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, np.take(coords, gather, axis=0),
        (ring_offsets, poly_offsets)))
