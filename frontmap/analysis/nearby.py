"""The parts of a line that lie within a distance of a polygon, exactly and fast.

``shared_border`` asks, for two territories, which parts of one's boundary lie
within ``SNAP`` of the other. Buffering the other territory answers it, but a
buffer nodes the offset curve of every edge against every other: on detailed,
jagged borders (many edges within ``SNAP`` of one another) that grows far faster
than the data (13 s for two territories of 100,000 vertices). Here the answer
comes edge by edge instead:

- a point is within ``d`` of a polygon when it lies inside it or within ``d`` of
  its boundary;
- the points of a segment within ``d`` of another segment form one interval of it
  (the other segment grown by ``d`` is a convex "stadium": two discs and a
  rectangle), found in closed form;
- a stretch of a segment that comes within ``d`` of no boundary segment crosses no
  boundary, so it is wholly inside the polygon or wholly outside: one point of it
  tells which.

Distances are planar, in the coordinates' units, as a buffer's are; the stadium is
exact where a buffer's round ends are polygons of 8 segments a quarter-circle
(those fall short of ``d`` by up to 2% of it).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..read.densify import segment_boxes

__all__ = ["within_distance"]

#: segments of the line asked at a time (bounds the memory of the candidate pairs)
_ASK_CHUNK = 50_000


def _segments(lines) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment's ends and the index of the linestring it belongs to."""
    parts = shapely.get_parts(lines)
    parts = parts[shapely.get_type_id(parts) != 0]  # (clipping can leave points)
    coords, which = shapely.get_coordinates(parts, return_index=True)
    first = np.flatnonzero(which[:-1] == which[1:])
    return coords[first], coords[first + 1], which[first]


def _roots(a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where a u² + b u + c <= 0 (a >= 0): (lo, hi, any) per row."""
    disc = b * b - 4 * a * c
    flat = a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(disc, 0.0))
        lo = np.where(flat, -np.inf, (-b - root) / (2 * a))
        hi = np.where(flat, np.inf, (-b + root) / (2 * a))
    ok = np.where(flat, c <= 0, disc >= 0)
    return lo, hi, ok


def _slab(s0, ds, lo, hi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where lo <= s0 + u ds <= hi: (lo, hi, any) per row."""
    still = ds == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        u1, u2 = (lo - s0) / ds, (hi - s0) / ds
    ulo = np.where(still, -np.inf, np.minimum(u1, u2))
    uhi = np.where(still, np.inf, np.maximum(u1, u2))
    ok = np.where(still, (s0 >= lo) & (s0 <= hi), True)
    return ulo, uhi, ok


def _stadium(p0, p1, q0, q1, d: float) -> tuple[np.ndarray, np.ndarray]:
    """For each pair of segments p0-p1 and q0-q1, the interval [lo, hi] of u in
    [0, 1] where p0 + u (p1 - p0) lies within ``d`` of q0-q1 (lo > hi: none)."""
    dv = p1 - p0
    aa = np.einsum("ij,ij->i", dv, dv)
    lo = np.full(len(p0), np.inf)
    hi = np.full(len(p0), -np.inf)

    def take(l_, h_, ok):
        ok = ok & (l_ <= h_)
        np.minimum(lo, np.where(ok, l_, np.inf), out=lo)
        np.maximum(hi, np.where(ok, h_, -np.inf), out=hi)

    for c in (q0, q1):  # the discs at the ends
        w = p0 - c
        take(*_roots(aa, 2 * np.einsum("ij,ij->i", w, dv),
                     np.einsum("ij,ij->i", w, w) - d * d))
    e = q1 - q0
    length = np.hypot(e[:, 0], e[:, 1])
    has = length > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ex, ey = e[:, 0] / length, e[:, 1] / length
    w = p0 - q0
    # along the segment (0 .. length) and across it (-d .. d)
    a_lo, a_hi, a_ok = _slab(w[:, 0] * ex + w[:, 1] * ey, dv[:, 0] * ex + dv[:, 1] * ey,
                             0.0, length)
    c_lo, c_hi, c_ok = _slab(w[:, 1] * ex - w[:, 0] * ey, dv[:, 1] * ex - dv[:, 0] * ey,
                             -d, d)
    take(np.maximum(a_lo, c_lo), np.minimum(a_hi, c_hi), has & a_ok & c_ok)
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


def _merged(seg, lo, hi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals (seg, lo, hi) merged where they overlap or touch on one segment,
    in order along the line."""
    if len(seg) == 0:
        return seg, lo, hi
    order = np.lexsort((lo, seg))
    seg, lo, hi = seg[order], lo[order], hi[order]
    # the running end of each segment's intervals (values are in [0, 1]: an offset of
    # 2 per segment keeps the running maximum within its segment)
    reach = np.maximum.accumulate(hi + 2.0 * seg) - 2.0 * seg
    start = np.ones(len(seg), dtype=bool)
    start[1:] = (seg[1:] != seg[:-1]) | (lo[1:] > reach[:-1])
    first = np.flatnonzero(start)
    last = np.append(first[1:] - 1, len(seg) - 1)
    return seg[first], lo[first], reach[last]


def within_distance(lines, boundary, polygon, d: float) -> shapely.Geometry:
    """The parts of ``lines`` within ``d`` of ``polygon``, whose boundary (in the
    region the lines come within ``d`` of) is ``boundary``: as a buffer's
    ``shapely.intersection(lines, shapely.buffer(polygon, d))`` would give them
    (with exact round ends), as a MultiLineString."""
    p0, p1, line = _segments(lines)
    q0, q1, _ = _segments(boundary)
    if len(p0) == 0:
        return shapely.MultiLineString()
    segs, los, his = [], [], []
    if len(q0):
        tree = shapely.STRtree(segment_boxes(q0, q1))
        for start in range(0, len(p0), _ASK_CHUNK):
            stop = min(start + _ASK_CHUNK, len(p0))
            i, j = tree.query(segment_boxes(p0[start:stop], p1[start:stop], d))
            i = i + start
            lo, hi = _stadium(p0[i], p1[i], q0[j], q1[j], d)
            ok = lo <= hi
            s, lo, hi = _merged(i[ok], lo[ok], hi[ok])
            segs.append(s)
            los.append(lo)
            his.append(hi)
    near_seg = np.concatenate(segs) if segs else np.zeros(0, dtype=np.int64)
    near_lo = np.concatenate(los) if los else np.zeros(0)
    near_hi = np.concatenate(his) if his else np.zeros(0)
    # the stretches between, each wholly inside the polygon or not: segment s with
    # near intervals [lo_1, hi_1] .. [lo_k, hi_k] has the gaps [0, lo_1], [hi_1, lo_2]
    # .. [hi_k, 1] (both ends' lists in order within a segment: they pair up)
    every = np.arange(len(p0))
    s_seg = np.concatenate([every, near_seg])
    s_val = np.concatenate([np.zeros(len(p0)), near_hi])
    e_seg = np.concatenate([near_seg, every])
    e_val = np.concatenate([near_lo, np.ones(len(p0))])
    so, eo = np.lexsort((s_val, s_seg)), np.lexsort((e_val, e_seg))
    gap_seg, gap_lo, gap_hi = s_seg[so], s_val[so], e_val[eo]
    real = gap_hi > gap_lo
    gap_seg, gap_lo, gap_hi = gap_seg[real], gap_lo[real], gap_hi[real]
    mid = (gap_lo + gap_hi) / 2
    at = p0[gap_seg] + mid[:, None] * (p1[gap_seg] - p0[gap_seg])
    shapely.prepare(polygon)
    inside = shapely.contains_xy(polygon, at[:, 0], at[:, 1])
    seg, lo, hi = _merged(np.concatenate([near_seg, gap_seg[inside]]),
                          np.concatenate([near_lo, gap_lo[inside]]),
                          np.concatenate([near_hi, gap_hi[inside]]))
    keep = hi > lo
    seg, lo, hi = seg[keep], lo[keep], hi[keep]
    if len(seg) == 0:
        return shapely.MultiLineString()
    # pieces that run on from the end of one segment into the start of the next
    # segment of the same line are one linestring
    joins = np.zeros(len(seg), dtype=bool)
    joins[1:] = ((seg[1:] == seg[:-1] + 1) & (line[seg[1:]] == line[seg[:-1]])
                 & (lo[1:] == 0.0) & (hi[:-1] == 1.0))
    piece = np.cumsum(~joins) - 1
    start_pt = p0[seg] + lo[:, None] * (p1[seg] - p0[seg])
    end_pt = p0[seg] + hi[:, None] * (p1[seg] - p0[seg])
    # each linestring: its first piece's start, then every piece's end
    heads = np.flatnonzero(~joins)
    coords = np.concatenate([start_pt[heads], end_pt])
    owner = np.concatenate([piece[heads], piece])
    rank = np.concatenate([np.full(len(heads), -1), np.arange(len(seg))])
    order = np.lexsort((rank, owner))
    out = shapely.linestrings(coords[order], indices=owner[order])
    return shapely.multilinestrings(out)
