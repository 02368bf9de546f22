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
  overlap, two crossings too close to order. Then the answer is GEOS's.

Either way the result is the plain intersection's: the same rings through
the same vertices, so the same geodesic areas (the tests compare them).
"""

from __future__ import annotations

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

#: nothing crossed
_NONE = (np.zeros((0, 4)), np.zeros((0, 4)))


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
        self._last: dict[object, tuple[np.ndarray, np.ndarray] | None] = {}

    def __call__(self, geom: shapely.Geometry, key: object = None) -> shapely.Geometry | None:
        """``geom ∩ outline``; ``key`` names a series (a faction's territory date after
        date) whose last territory's crossings are remembered for the next."""
        self._last[key] = _NONE
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

    def ready(self) -> Clipper:
        """Build what the first clip would (the outline's index, its prepared
        predicates) now."""
        if self._edges is None:
            self._edges = _Rings(self.outline, index=True)
        xmin, ymin, _, _ = shapely.bounds(self.outline)
        shapely.contains_xy(self.outline, xmin, ymin)
        shapely.contains(self.outline, shapely.box(xmin, ymin, xmin, ymin))
        return self

    def crossed(self, key: object = None) -> tuple[np.ndarray, np.ndarray] | None:
        """What the last territory clipped under ``key`` crossed: (its edges that cross
        the outline's edge, x1 y1 x2 y2 with the interior on their left; the bounds
        of the outline's edge each crosses, xmin ymin xmax ymax), one row per
        crossing; None when GEOS clipped it (nothing not in general position is
        known then)."""
        return self._last.get(key, _NONE)

    def pair(self, a, b) -> tuple[shapely.Geometry, shapely.Geometry]:
        """``a ∩ outline`` and ``b ∩ outline`` (empty, not None, when nothing is left),
        cut the same way: both walked, or both by GEOS when either is not in general
        position, so that where a and b share boundary their cuts do too."""
        before = self.fallbacks
        ca, cb = self(a), self(b)
        if self.fallbacks != before:
            ca, _ = polygonal_only(shapely.intersection(a, self.outline))
            cb, _ = polygonal_only(shapely.intersection(b, self.outline))
        empty = shapely.MultiPolygon()
        return (empty if ca is None else ca), (empty if cb is None else cb)

    def _intersection(self, target: shapely.Geometry, key: object = None):
        if self._edges is None:
            self._edges = _Rings(self.outline, index=True)
        t = _Rings(target)
        try:
            found, memory = self._crossings(t, key)
            polys = _walk(t, self._edges, found, target, self.outline)
            self.walked += 1
        except _Degenerate:
            self._memory.pop(key, None)
            self._last[key] = None
            self.fallbacks += 1
            cut, _ = polygonal_only(shapely.intersection(target, self.outline))
            return cut
        if key is not None:
            self._memory[key] = memory
        c = self._edges
        self._last[key] = (memory.edges[found.t_edge],
                           np.hstack([c.lo[found.c_edge], c.hi[found.c_edge]]))
        if len(polys) == 0:
            return None
        return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)

    def _crossings(self, t: _Rings, key: object) -> tuple[_Crossings, _Memory]:
        """Every crossing of ``t``'s edges with the outline's, in canonical order (by
        edge, then along it), and what to remember of them."""
        assert self._edges is not None
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
        if index:  # an STRtree of runs of _RUN consecutive edges (small, quick to build)
            m = -(-len(self.p) // _RUN)
            pad = m * _RUN - len(self.p)
            lo = np.vstack([self.lo, np.repeat(self.lo[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            hi = np.vstack([self.hi, np.repeat(self.hi[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            lo, hi = lo.min(axis=1), hi.max(axis=1)
            self.tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))

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


def _walk(t: _Rings, c: _Rings, x: _Crossings, target, outline) -> list[shapely.Polygon]:
    """The polygons of ``target ∩ outline`` from the arcs of their boundaries."""
    n = len(x.s)
    # every vertex of the result is a crossing, a vertex of the territory or one of the
    # outline: the rings are built as indices into the three, then gathered at once
    table = np.concatenate([x.pt, t.flat, c.flat])
    base_t, base_c = n, n + len(t.flat)
    pieces: list[np.ndarray] = []  # index runs, one per ring
    crossed_t: np.ndarray = np.zeros(0, dtype=np.int64)
    crossed_c = crossed_t
    if n:
        pieces.append(_crossing_rings(t, c, x, base_t, base_c))
        crossed_t, crossed_c = t.ring[x.t_edge], c.ring[x.c_edge]
    # rings that meet no crossing: inside the other geometry or not
    pieces.append(_whole_rings(t, crossed_t, outline, base_t))
    pieces.append(_whole_rings(c, crossed_c, target, base_c))
    rings, offset = [], 0
    for _, ring in pieces:  # rings numbered on from the previous piece's
        rings.append(ring + offset)
        offset += int(ring[-1]) + 1 if len(ring) else 0
    idx = np.concatenate([p[0] for p in pieces])
    return _polygons(np.take(table, idx, axis=0), np.concatenate(rings))


def _crossing_rings(t: _Rings, c: _Rings, x: _Crossings, base_t: int, base_c: int):
    """(indices into the vertex table, ring of each) of the rings that pass crossings."""
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
    starts = np.column_stack([seq_a, b + p, b, np.repeat(seq_a[head], sizes_a)]).ravel()
    lens = np.column_stack([np.ones_like(cnt), first_run, cnt - first_run, last]).ravel()
    idx = np.repeat(starts, lens) + _ranks(lens)  # ... and on from its start
    per_ring = np.add.reduceat(1 + cnt + last, head)
    return idx, np.repeat(np.arange(n_rings), per_ring)


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


def _whole_rings(r: _Rings, crossed: np.ndarray, other, base: int):
    """(indices into the vertex table, ring of each) of the rings of ``r`` that no
    crossing touches and that lie inside ``other``."""
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
    n = r.size[cand] + 1
    idx = np.repeat(base + r.start[cand], n) + _ranks(n)
    return idx, np.repeat(np.arange(len(cand)), n)


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
