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
* falls back to GEOS (``shapely.intersection``) whenever anything is not in
  general position: a vertex on or very near the other boundary, edges that
  overlap, two crossings too close to order. Then the answer is GEOS's.

Either way the result is the plain intersection's: the same rings through
the same vertices, so the same geodesic areas (the tests compare them).
"""

from __future__ import annotations

import numpy as np
import shapely

from .clean import polygonal_only

__all__ = ["Clipper"]

#: an orientation this small relative to the edges' lengths is "on the line": fall back
_EPS = 1e-9
#: consecutive outline edges per box of its index
_RUN = 8


class _Degenerate(Exception):
    """The boundaries are not in general position: leave it to GEOS."""


class Clipper:
    """``Clipper(outline)(territory)`` is ``territory ∩ outline``, polygonal (or None)."""

    def __init__(self, outline: shapely.Geometry):
        self.outline = outline
        shapely.prepare(outline)
        self._edges: _Rings | None = None  # the outline's boundary, indexed on first use
        #: how many territories were walked, and how many left to GEOS
        self.walked = 0
        self.fallbacks = 0

    def __call__(self, geom: shapely.Geometry) -> shapely.Geometry | None:
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
            cut = self._intersection(target)
            if cut is not None:
                kept.extend(p for p in shapely.get_parts(cut) if not p.is_empty)
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        return shapely.multipolygons(np.asarray(kept, dtype=object))

    def _intersection(self, target: shapely.Geometry) -> shapely.Geometry | None:
        if self._edges is None:
            self._edges = _Rings(self.outline, index=True)
        try:
            polys = _walk(_Rings(target), self._edges, target, self.outline)
            self.walked += 1
        except _Degenerate:
            self.fallbacks += 1
            cut, _ = polygonal_only(shapely.intersection(target, self.outline))
            return cut
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


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
        #: each ring's coordinates, closed (first == last)
        self.coords = [coords[a:b] for a, b in zip(starts, ends, strict=True)]
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
        self.tree = None
        if index:  # an STRtree of runs of _RUN consecutive edges (small, quick to build)
            m = -(-len(self.p) // _RUN)
            pad = m * _RUN - len(self.p)
            lo = np.vstack([self.lo, np.repeat(self.lo[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            hi = np.vstack([self.hi, np.repeat(self.hi[-1:], pad, axis=0)]).reshape(m, _RUN, 2)
            lo, hi = lo.min(axis=1), hi.max(axis=1)
            self.tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))

    def boxes(self):
        return shapely.box(self.lo[:, 0], self.lo[:, 1], self.hi[:, 0], self.hi[:, 1])

    def pairs(self, other: _Rings) -> tuple[np.ndarray, np.ndarray]:
        """(edges of ``other``, edges of self) whose bounding boxes meet."""
        assert self.tree is not None
        oi, run = self.tree.query(other.boxes())
        ci = (run[:, None] * _RUN + np.arange(_RUN)).ravel()
        oi = np.repeat(oi, _RUN)
        ok = ci < len(self.p)
        oi, ci = oi[ok], ci[ok]
        meet = (
            (other.lo[oi, 0] <= self.hi[ci, 0]) & (self.lo[ci, 0] <= other.hi[oi, 0])
            & (other.lo[oi, 1] <= self.hi[ci, 1]) & (self.lo[ci, 1] <= other.hi[oi, 1])
        )
        return oi[meet], ci[meet]


def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _walk(t: _Rings, c: _Rings, target, outline) -> list[shapely.Polygon]:
    """The polygons of ``target ∩ outline`` from the arcs of their boundaries."""
    ti, ci = c.pairs(t)
    c1, cd, t1 = c.p[ci], c.d[ci], t.p[ti]
    # which side of the outline's edge each end of the territory's edge lies
    d1 = _cross(cd[:, 0], cd[:, 1], t1[:, 0] - c1[:, 0], t1[:, 1] - c1[:, 1])
    t2 = t.q[ti]
    d2 = _cross(cd[:, 0], cd[:, 1], t2[:, 0] - c1[:, 0], t2[:, 1] - c1[:, 1])
    # an orientation near zero: a vertex on (or all but on) the other's edge, or edges
    # along one line; scale: the two edges' lengths
    tol = _EPS * c.len[ci] * t.len[ti]
    z1, z2 = np.abs(d1) <= tol, np.abs(d2) <= tol
    near = (np.signbit(d1) != np.signbit(d2)) | z1 | z2
    k = np.flatnonzero(near)  # the edge pairs that may cross (or touch): few
    ti, ci, d1, d2, z1, z2, tol = ti[k], ci[k], d1[k], d2[k], z1[k], z2[k], tol[k]
    c1, c2, t1, td = c.p[ci], c.q[ci], t.p[ti], t.d[ti]
    d3 = _cross(td[:, 0], td[:, 1], c1[:, 0] - t1[:, 0], c1[:, 1] - t1[:, 1])
    d4 = _cross(td[:, 0], td[:, 1], c2[:, 0] - t1[:, 0], c2[:, 1] - t1[:, 1])
    z3, z4 = np.abs(d3) <= tol, np.abs(d4) <= tol
    across12 = (np.signbit(d1) != np.signbit(d2)) & ~z1 & ~z2
    across34 = (np.signbit(d3) != np.signbit(d4)) & ~z3 & ~z4
    if (((z1 | z2) & (across34 | z3 | z4)) | ((z3 | z4) & (across12 | z1 | z2))).any():
        raise _Degenerate
    k = np.flatnonzero(across12 & across34)
    n = len(k)
    if n == 0:
        return _no_crossings(t, c, target, outline)
    s = d1[k] / (d1[k] - d2[k])  # where along the territory's edge
    u = d3[k] / (d3[k] - d4[k])  # where along the outline's edge
    pt = t1[k] + s[:, None] * td[k]
    t_into = d2[k] > 0  # leaving the crossing, the territory's boundary enters the outline
    c_into = d4[k] > 0  # ... the outline's boundary enters the territory
    if not np.all(t_into != c_into):
        raise _Degenerate
    t_edge, c_edge = ti[k], ci[k]
    # the next crossing along each boundary (rings walked in order)
    t_next = _successors(t, t_edge, s)
    c_next = _successors(c, c_edge, u)
    # a kept arc runs from a crossing where its boundary enters the other geometry to
    # the next crossing, where it must leave it; each crossing starts exactly one
    if t_into[t_next[t_into]].any() or c_into[c_next[~t_into]].any():
        raise _Degenerate
    nxt = np.where(t_into, t_next, c_next)
    if (np.bincount(nxt, minlength=n) != 1).any():
        raise _Degenerate
    # plain Python lists from here: the loops below touch one crossing at a time
    t_pos, c_pos = t.pos[t_edge].tolist(), c.pos[c_edge].tolist()
    t_ring, c_ring = t.ring[t_edge].tolist(), c.ring[c_edge].tolist()
    t_nx, c_nx = t_next.tolist(), c_next.tolist()
    s_l, u_l = s.tolist(), u.tolist()
    arcs = []  # per crossing: (ring coordinates, from position, to position, same edge?)
    for x, into in enumerate(t_into.tolist()):
        if into:
            y = t_nx[x]
            arcs.append((t.coords[t_ring[x]], t_pos[x], t_pos[y], s_l[y] > s_l[x]))
        else:
            y = c_nx[x]
            arcs.append((c.coords[c_ring[x]], c_pos[x], c_pos[y], u_l[y] > u_l[x]))
    rings_out: list[np.ndarray] = []
    seen = [False] * n
    nxt_list = nxt.tolist()
    for start in range(n):
        if seen[start]:
            continue
        pieces = []
        x = start
        while not seen[x]:
            seen[x] = True
            pieces.append(pt[x : x + 1])
            coords, i, j, forward = arcs[x]
            if i == j and forward:
                pass  # the next crossing is further along the same edge
            elif j > i:
                pieces.append(coords[i + 1 : j + 1])
            else:  # round the end of the ring
                pieces.append(coords[i + 1 : len(coords) - 1])
                pieces.append(coords[: j + 1])
            x = nxt_list[x]
        if x != start:
            raise _Degenerate
        pieces.append(pt[start : start + 1])
        rings_out.append(np.concatenate(pieces))
    # rings that meet no crossing: inside the other geometry or not
    crossed_t, crossed_c = set(t_ring), set(c_ring)
    rings_out += _whole_rings(t, crossed_t, outline)
    rings_out += _whole_rings(c, crossed_c, target)
    return _polygons(rings_out)


def _successors(r: _Rings, edge: np.ndarray, param: np.ndarray) -> np.ndarray:
    """For each crossing, the next crossing along the same ring."""
    ring = r.ring[edge]
    pos = r.pos[edge]
    order = np.lexsort((param, pos, ring))
    key_ring, key_pos, key_par = ring[order], pos[order], param[order]
    same_spot = (key_ring[1:] == key_ring[:-1]) & (key_pos[1:] == key_pos[:-1])
    if (same_spot & (np.abs(key_par[1:] - key_par[:-1]) <= 1e-9)).any():
        raise _Degenerate  # two crossings too close on one edge to be ordered surely
    nxt = np.empty(len(order), dtype=np.int64)
    # within a ring, each crossing's successor is the next in order; the last wraps
    first_of_ring = np.ones(len(order), dtype=bool)
    first_of_ring[1:] = key_ring[1:] != key_ring[:-1]
    starts = np.flatnonzero(first_of_ring)
    ends = np.append(starts[1:], len(order))
    for a, b in zip(starts, ends, strict=True):
        if (b - a) % 2:
            raise _Degenerate  # a closed ring crosses a closed boundary an even number of times
        nxt[order[a : b - 1]] = order[a + 1 : b]
        nxt[order[b - 1]] = order[a]
    return nxt


def _whole_rings(r: _Rings, crossed: set, other) -> list[np.ndarray]:
    """The rings of ``r`` that no crossing touches and that lie inside ``other``."""
    out = []
    ob = shapely.bounds(other)
    for k, coords in enumerate(r.coords):
        if k in crossed:
            continue
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        if hi[0] < ob[0] or lo[0] > ob[2] or hi[1] < ob[1] or lo[1] > ob[3]:
            continue
        x, y = coords[0]
        if shapely.contains_xy(other, x, y):
            out.append(coords)
        elif shapely.intersects_xy(other, x, y):
            raise _Degenerate  # on the other boundary
    return out


def _no_crossings(t: _Rings, c: _Rings, target, outline) -> list[shapely.Polygon]:
    rings = _whole_rings(t, set(), outline) + _whole_rings(c, set(), target)
    return _polygons(rings)


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]  # (no np.dot: BLAS threads cost more than they save)
    return float((x[:-1] * y[1:]).sum() - (x[1:] * y[:-1]).sum()) / 2


def _polygons(rings: list[np.ndarray]) -> list[shapely.Polygon]:
    """Counter-clockwise rings are shells, clockwise ones holes of the smallest shell
    around them."""
    shells, holes = [], []
    for ring in rings:
        a = _signed_area(ring)
        if a > 0:
            shells.append((a, ring))
        elif a < 0:
            holes.append(ring)
    if not shells:
        if holes:
            raise _Degenerate
        return []
    shells.sort(key=lambda sa: sa[0])  # smallest first: the innermost shell that contains
    shell_polys = [shapely.Polygon(ring) for _, ring in shells]
    for p in shell_polys:
        shapely.prepare(p)
    owned: list[list[np.ndarray]] = [[] for _ in shells]
    for h in holes:
        x, y = h[0]
        for k, p in enumerate(shell_polys):
            if shapely.contains_xy(p, x, y):
                owned[k].append(h)
                break
        else:
            raise _Degenerate
    return [
        shapely.Polygon(ring, owned[k]) if owned[k] else shell_polys[k]
        for k, (_, ring) in enumerate(shells)
    ]
