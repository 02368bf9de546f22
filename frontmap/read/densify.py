"""Edges as geodesics: long edges get vertices along their WGS84 geodesic (reading).

frontmap's areas take every edge as the geodesic between its vertices
(PostGIS ``ST_Area(geography)``); overlays (union, difference, clip) work in
the lon/lat plane, where an edge is the straight chord. Where the two differ
by more than a sliver, the pieces of an overlay and the wholes they come from
disagree. So every edge whose chord strays more than ``TOLERANCE_M`` from its
geodesic is cut, at points on the geodesic itself, into pieces whose chords
do not: the geodesic area stays what it was (the new vertices lie on the
geodesic), and every overlay downstream agrees with the areas to within the
sliver under a cut chord. Short edges, the vast majority in real data, are
left exactly as they are.

Determinism: the points inserted into an edge depend only on its two end
points, not on its direction, so two neighbours that share an edge (drawn
in opposite directions) still share every vertex after densification.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from .boxjoin import box_pairs

__all__ = [
    "densify",
    "densify_coords",
    "edge_hashes",
    "refine_crossings",
    "refine_own",
    "chord_deviation_m",
    "TOLERANCE_M",
    "CROSSING_TOLERANCE_M",
]

#: the most a chord may stray from its geodesic (metres on the ground)
TOLERANCE_M = 0.1
#: the most a chord may stray from its geodesic where another boundary crosses it
#: (see refine_crossings): the point where two boundaries cross is then within
#: this of where their geodesics cross
CROSSING_TOLERANCE_M = 1e-3
_R = 6_371_008.8  # mean Earth radius (m), for the estimate only
_M_PER_DEG = 111_320.0  # metres in a degree of latitude (about)
#: the estimate (see chord_deviation_m) may be a few per cent under the true
#: deviation: accept chords up to _SAFE of the tolerance, and cut long edges
#: into pieces that aim at _AIM of it
_SAFE = 0.95
_AIM = 0.85
#: edges spanning this much longitude or more, or touching a pole, are left
#: alone: their geodesic is not a curve beside the chord in the lon/lat plane
_MAX_DLON = 90.0
_POLE = 90.0 - 1e-9
_MAX_ROUNDS = 6

_GEOD = pyproj.Geod(ellps="WGS84")
_A, _E2 = _GEOD.a, _GEOD.es  # the ellipsoid: semi-major axis (m), eccentricity squared
#: the ellipsoid's least radius of curvature (m: the meridian's, at the equator)
_RHO_MIN = _A * (1 - _E2)


def chord_deviation_m(x1, y1, x2, y2) -> np.ndarray:
    """How far (m) the lon/lat chord of each edge strays from its geodesic (vectorised).

    The second-order estimate on a sphere: a geodesic at latitude φ and
    azimuth α curves away from the lon/lat straight line by
    ``L² |tan φ| |sin α| (1 + cos² α) / 8R`` over a length L (nothing for a
    meridian, ``L² tan φ / 8R`` for an east-west edge), with |sin φ| taken at
    its largest along the edge. On the ellipsoid, the true deviation is within
    a few per cent of it (the tests measure it with pyproj).
    """
    dlam = np.radians(np.asarray(x2, dtype=float) - x1)
    dphi = np.radians(np.asarray(y2, dtype=float) - y1)
    mid = np.radians((np.asarray(y1, dtype=float) + y2) / 2)
    cos_mid = np.cos(mid)
    # absurd coordinates (1e300, from a broken file) overflow to inf, quietly
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        east = dlam * cos_mid
        east2, north2 = east * east, dphi * dphi
        chord = np.sqrt(east2 + north2)
        # |sin φ| at its largest along the edge (an edge across the equator bends both ways)
        sin_max = np.abs(np.sin(mid)) + np.abs(dphi) / 2 * cos_mid
        dev = _R * np.abs(dlam) * sin_max * (east2 + 2 * north2) / (8 * chord)
    return np.where(chord > 0, dev, 0.0)


#: R (π/180)² / 4: with lon/lat differences in degrees, R |Δλ| (|Δλ| + |Δφ|) (1 + |Δφ|/2) / 4
#: bounds chord_deviation_m from above without any trigonometry
_PRE = _R * (np.pi / 180) ** 2 / 4
_HALF_RAD = np.pi / 360


def _pieces(dev: np.ndarray, tol: float) -> np.ndarray:
    # the deviation shrinks with the square of the length
    return np.maximum(np.ceil(np.sqrt(dev / (_AIM * tol))), 2).astype(np.int64)


def _points_on(ax, ay, az, dist, pieces) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, edge) of the ``pieces - 1`` points that cut each geodesic (from
    (ax, ay) at azimuth az, dist long) into equal lengths, in order from (ax, ay)."""
    k = pieces - 1
    edge = np.repeat(np.arange(len(pieces)), k)
    j = np.arange(len(edge)) - np.repeat(np.cumsum(k) - k, k) + 1  # 1..k within each edge
    lon, lat, _ = _GEOD.fwd(ax[edge], ay[edge], az[edge], dist[edge] * (j / pieces[edge]))
    return np.atleast_1d(lon), np.atleast_1d(lat), edge


def _worst_piece(ax, ay, bx, by, lon, lat, pieces) -> np.ndarray:
    """The largest deviation of the chords a, p1, .., pk, b of each cut edge."""
    k = pieces - 1
    first = np.cumsum(k) - k
    sx, sy = np.insert(lon, first, ax), np.insert(lat, first, ay)
    ex, ey = np.insert(lon, first + k, bx), np.insert(lat, first + k, by)
    return np.maximum.reduceat(chord_deviation_m(sx, sy, ex, ey), np.cumsum(pieces) - pieces)


#: edges shorter than this (degrees) bend evenly: cutting one into n pieces
#: divides its deviation by n² to within a per cent, so the pieces are not
#: checked again
_EVEN = 0.5


def _cut_canonical(ax, ay, bx, by, dev, tol: float):
    """(lon, lat, number of points per edge) cutting each edge from (ax, ay) to (bx, by)."""
    az, _, dist = _GEOD.inv(ax, ay, bx, by)
    az, dist = np.atleast_1d(az), np.atleast_1d(dist)
    pieces = _pieces(dev, tol)
    uneven = (np.abs(bx - ax) + np.abs(by - ay) > _EVEN) | (np.maximum(np.abs(ay), np.abs(by)) > 80)
    wrap = np.abs(ax).max() > 179 or np.abs(bx).max() > 179
    for rnd in range(_MAX_ROUNDS):
        lon, lat, edge = _points_on(ax, ay, az, dist, pieces)
        k = pieces - 1
        if wrap:
            # fwd gives longitudes in -180..180: bring them beside the chord (unwrapped input)
            t = (np.arange(len(edge)) - np.repeat(np.cumsum(k) - k, k) + 1) / pieces[edge]
            near = ax[edge] + (bx[edge] - ax[edge]) * t
            lon = lon + 360.0 * np.round((near - lon) / 360.0)
        if not uneven.any() or rnd == _MAX_ROUNDS - 1:
            break
        check = np.flatnonzero(uneven)
        sel = np.isin(edge, check)
        worst = np.zeros(len(pieces))
        worst[check] = _worst_piece(ax[check], ay[check], bx[check], by[check], lon[sel],
                                    lat[sel], pieces[check])
        bad = worst > _SAFE * tol
        if not bad.any():
            break
        pieces[bad] = np.ceil(pieces[bad] * np.sqrt(worst[bad] / (_AIM * tol))).astype(np.int64)
    return lon, lat, k


#: cut edges already computed (archives repeat most of their edges from one
#: date to the next), keyed by the bytes of their canonical end points; at
#: most _CACHE_MAX edges per tolerance are kept
_CACHE: dict[float, dict[bytes, np.ndarray]] = {}
_CACHE_MAX = 50_000
_KEY = np.dtype((np.void, 32))


def _candidates(x1, y1, x2, y2, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the edges to cut, the deviation estimate of each)."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf for absurd coordinates
        ax, ay = np.abs(x2 - x1), np.abs(y2 - y1)
        pre = _PRE * ax * (ax + ay) * (1 + _HALF_RAD * ay)
    idx = np.flatnonzero(pre > _SAFE * tol)
    if len(idx) == 0:
        return idx, np.zeros(0)
    dev = chord_deviation_m(x1[idx], y1[idx], x2[idx], y2[idx])
    ok = (
        (dev > _SAFE * tol)
        & (ax[idx] < _MAX_DLON)
        & (np.abs(y1[idx]) < _POLE)
        & (np.abs(y2[idx]) < _POLE)
    )
    return idx[ok], dev[ok]


def _cuts(x1, y1, x2, y2, dev, tol: float):
    """The points that cut each edge so that no chord strays more than ``tol``:
    (lon, lat, number of points per edge), each edge's points in order from
    (x1, y1) to (x2, y2).

    Every edge is measured from its lexicographically smaller end, so an edge
    and its reverse get bit-identical points (and the cache cannot change them)."""
    swap = (x2 < x1) | ((x2 == x1) & (y2 < y1))
    canon = np.column_stack([np.where(swap, x2, x1), np.where(swap, y2, y1),
                             np.where(swap, x1, x2), np.where(swap, y1, y2)])
    keys: list = canon.view(_KEY).ravel().tolist()  # bytes
    cache = _CACHE.setdefault(tol, {})
    get = cache.get
    found: list = [get(key) for key in keys]
    miss = [i for i, f in enumerate(found) if f is None]
    if miss:
        m = np.array(miss)
        c = canon[m]
        lon, lat, k = _cut_canonical(c[:, 0], c[:, 1], c[:, 2], c[:, 3], dev[m], tol)
        if len(cache) + len(miss) > _CACHE_MAX:
            cache.clear()
        pts = np.column_stack([lon, lat])
        ends = np.cumsum(k).tolist()
        start = 0
        for i, end in zip(miss, ends, strict=True):
            found[i] = cache[keys[i]] = pts[start:end]
            start = end
    pts = np.concatenate(found)
    counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    if swap.any():  # back in each edge's own direction
        first = np.repeat(np.cumsum(counts) - counts, counts)
        pos = np.arange(len(pts)) - first
        flip = np.repeat(swap, counts)
        pts = pts[np.where(flip, first + np.repeat(counts, counts) - 1 - pos, first + pos)]
    return pts[:, 0], pts[:, 1], counts


def densify_coords(coords: np.ndarray, ring: np.ndarray, tolerance_m: float = TOLERANCE_M,
                   only: np.ndarray | None = None):
    """The rings of a polygonal geometry as flat coordinates (``ring``: the ring of
    each vertex, rings one after the other, each closed) with vertices added
    along every edge whose chord strays more than ``tolerance_m`` from its
    geodesic: (coordinates, ring of each), or None when no edge needs any.

    The same vertices as :func:`densify` adds to the geometry built from them
    (the GeoJSON parser densifies this way while it builds the polygons).
    ``only``: the edges that may be cut, each by the index of its first vertex
    (None: every edge).
    """
    n = len(coords)
    if n < 2:
        return None
    x, y = coords[:, 0], coords[:, 1]
    if only is None:
        idx, dev = _candidates(x[:-1], y[:-1], x[1:], y[1:], tolerance_m)
    else:
        found, dev = _candidates(x[only], y[only], x[only + 1], y[only + 1], tolerance_m)
        idx = only[found]
    within = ring[idx] == ring[idx + 1]  # not the step from one ring to the next
    idx, dev = idx[within], dev[within]
    if len(idx) == 0:
        return None
    return _insert(coords, ring, idx, dev, tolerance_m)


def _insert(coords: np.ndarray, ring: np.ndarray, idx: np.ndarray, dev: np.ndarray,
            tolerance_m: float):
    """:func:`densify_coords` once the edges to cut (``idx``) and their deviations are known."""
    n = len(coords)
    x, y = coords[:, 0], coords[:, 1]
    lon, lat, k = _cuts(x[idx], y[idx], x[idx + 1], y[idx + 1], dev, tolerance_m)
    # the old vertices move down by the points inserted before them; each edge's points
    # go in just before its end vertex
    shift = np.zeros(n, dtype=np.int64)
    shift[idx + 1] = k
    moved = np.cumsum(shift)
    out = np.empty((n + len(lon), 2))
    out[np.arange(n) + moved] = coords
    end = idx + 1
    new_at = np.repeat(end + moved[end] - k, k) + (
        np.arange(len(lon)) - np.repeat(np.cumsum(k) - k, k))
    out[new_at, 0] = lon
    out[new_at, 1] = lat
    return out, np.repeat(ring, 1 + shift)  # inserted points belong to their edge's ring


def _flat(geom):
    """(polygons, owner polygon of each ring, coordinates, ring of each) of a polygonal geometry."""
    polys = shapely.get_parts(geom)
    rings, owner = shapely.get_rings(polys, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    return polys, owner, coords, ring


def _rebuild(geom, owner, out, new_ring):
    rebuilt = shapely.polygons(shapely.linearrings(out, indices=new_ring), indices=owner)
    if geom.geom_type == "Polygon":
        return rebuilt[0]
    return shapely.multipolygons(rebuilt)


def _densify_polygonal(geom, tol: float):
    _, owner, coords, ring = _flat(geom)
    dense = densify_coords(coords, ring, tol)
    if dense is None:
        return geom
    return _rebuild(geom, owner, *dense)


def _meets_inside(qa, qb, ta, tb, near, turn_at_most, turn,
                  turn_at_least) -> tuple[np.ndarray, np.ndarray]:
    """For pairs of segments within ``near`` (per pair) of each other (q from qa to qb,
    t from ta to tb): (does q come within ``near`` of t anywhere but at an end they
    share?, do they share an end?). (A crossing, an end of q on or beside t, the two
    along one line; not the same edge twice, nor two edges that meet at a common
    vertex and part.) Two edges from a common vertex also meet when they part at
    an angle under ``turn(pairs)`` (radians, for the pairs asked: their geodesics
    leave the vertex that much off their chords, and may cross near it);
    ``turn_at_most`` and ``turn_at_least`` (per pair) bound it from above and below,
    and it is asked only for the pairs that part at an angle between the two."""
    def same(u, v):
        return (u == v).all(axis=1)

    s_aa, s_ab, s_ba, s_bb = same(qa, ta), same(qa, tb), same(qb, ta), same(qb, tb)
    share = s_aa | s_ab | s_ba | s_bb
    identical = (s_aa & s_bb) | (s_ab & s_ba)
    # one common end: they are near elsewhere only when the far end of one lies
    # beside the other (they part at an angle too small to tell in ``near``)
    q_far = np.where((s_aa | s_ab)[:, None], qb, qa)
    t_far = np.where((s_aa | s_ba)[:, None], tb, ta)
    common = np.where((s_aa | s_ab)[:, None], qa, qb)
    to_t, to_q = _to_segment(q_far, common, t_far), _to_segment(t_far, common, q_far)
    with np.errstate(invalid="ignore", divide="ignore"):
        # the sine of the angle they part at (at most: to a segment, not its line)
        sine = np.minimum(to_t / np.hypot(*(q_far - common).T),
                          to_q / np.hypot(*(t_far - common).T))
    beside = (to_t <= near) | (to_q <= near)
    maybe = share & ~identical & ~beside & (sine <= turn_at_most)
    sure = maybe & (sine <= turn_at_least)
    beside |= sure
    maybe = np.flatnonzero(maybe & ~sure)
    if len(maybe):
        beside[maybe] = sine[maybe] <= turn(maybe)
    return ~share | (share & ~identical & beside), share


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct integers of ``values``, sorted: ``np.unique`` without its check for a
    masked array, which imports ``numpy.ma`` (6 ms, more than a date's refinement)."""
    s = np.sort(values)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def _chord_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The straight-line distance (m, through the Earth) between the WGS84 points a
    and b (lon, lat rows): never more than the geodesic between them."""
    def xyz(p):
        lon, lat = np.radians(p[:, 0]), np.radians(p[:, 1])
        n = _A / np.sqrt(1.0 - _E2 * np.sin(lat) ** 2)
        return np.column_stack([n * np.cos(lat) * np.cos(lon), n * np.cos(lat) * np.sin(lon),
                                n * (1.0 - _E2) * np.sin(lat)])

    d = xyz(a) - xyz(b)
    return np.sqrt((d * d).sum(axis=1))


def _longest_geodesic_m(chord: np.ndarray) -> np.ndarray:
    """The most (m) a geodesic of WGS84 can be long between two points ``chord`` metres
    apart in a straight line: a curve whose curvature is at most 1 / rho is at most
    2 rho asin(chord / 2 rho) long (Schur's comparison theorem), and a geodesic's
    curvature is the ellipsoid's normal curvature along it, at most 1 / (a (1 - e²))."""
    return 2 * _RHO_MIN * np.arcsin(np.minimum(chord / (2 * _RHO_MIN), 1.0))


def _inside(a, b, dev, box) -> np.ndarray:
    """For each edge a-b (straying ``dev`` metres from its geodesic): does its geodesic
    stay inside its ``box`` (one row per edge), away from its sides? An edge along a
    side is where a cut went, not a boundary; an edge whose geodesic would leave
    the box is left as it is (the window's pieces must stay inside it)."""
    xmin, ymin, xmax, ymax = box.T
    lat = np.radians(np.maximum(np.abs(a[:, 1]), np.abs(b[:, 1])))
    with np.errstate(divide="ignore"):
        margin = 2 * dev / (_M_PER_DEG * np.cos(lat))
    return ((np.minimum(a[:, 0], b[:, 0]) - xmin > margin)
            & (xmax - np.maximum(a[:, 0], b[:, 0]) > margin)
            & (np.minimum(a[:, 1], b[:, 1]) - ymin > margin)
            & (ymax - np.maximum(a[:, 1], b[:, 1]) > margin))


def _to_segment(p, a, b) -> np.ndarray:
    """Distance (degrees, in the plane) from each point p to the segment a-b."""
    d = b - a
    length2 = (d * d).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(((p - a) * d).sum(axis=1) / length2, 0.0, 1.0)
    t = np.where(length2 > 0, t, 0.0)
    off = p - (a + t[:, None] * d)
    return np.sqrt((off * off).sum(axis=1))


def _segment_distance(pa, pb, qa, qb) -> np.ndarray:
    """Distance (degrees, in the plane) between each segment pa-pb and qa-qb: 0 where
    they cross, else the least distance from an end of one to the other."""
    def side(a, b, c):  # which side of a-b c lies on (the sign of the cross product)
        return np.sign((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                       - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    crossed = ((side(pa, pb, qa) * side(pa, pb, qb) < 0)
               & (side(qa, qb, pa) * side(qa, qb, pb) < 0))
    ends = np.minimum(np.minimum(_to_segment(pa, qa, qb), _to_segment(pb, qa, qb)),
                      np.minimum(_to_segment(qa, pa, pb), _to_segment(qb, pa, pb)))
    return np.where(crossed, 0.0, ends)


def segment_boxes(a, b, pad: float | np.ndarray = 0.0) -> np.ndarray:
    """The bounding box of each segment a-b, grown by ``pad`` (one for all, or one
    per segment), as shapely polygons."""
    pad = np.asarray(pad, dtype=float)
    if pad.ndim:
        pad = pad[:, None]
    lo, hi = np.minimum(a, b) - pad, np.maximum(a, b) + pad
    return shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])


#: edges asked at a time for what comes near them (bounds the memory of the pairs)
_ASK_CHUNK = 50_000


def refine_crossings(geoms: list, tolerance_m: float = CROSSING_TOLERANCE_M,
                     boxes: np.ndarray | None = None, changed_only: bool = False,
                     alone: bool = False, groups=None) -> list:
    """``geoms`` (polygonal, or None or empty) with every edge that a boundary crosses
    or runs beside cut along its geodesic until its chords stray less than
    ``tolerance_m`` from it.

    Where two boundaries cross, an overlay in the lon/lat plane puts a vertex
    where their chords cross: up to TOLERANCE_M off the point where their
    geodesics do, which moves ground from one piece to the other (a few tens
    of m² per crossing of edges km long, more than 1e-6 of a small change);
    where a vertex lies beside a chord, within TOLERANCE_M, its geodesic may
    pass on the other side. Cut finer there, the chords cross within
    ``tolerance_m`` of the geodesics. The new vertices lie on the geodesics
    (no area changes). Whether an edge is cut depends on the edge alone, not
    on which geometry has it, so geometries that share an edge still share it.
    Geometries with nothing to cut come back as the same objects.

    ``boxes``: the window (xmin, ymin, xmax, ymax) each geometry was cut to, when
    they are pieces of larger ones; only edges whose geodesic stays inside the
    window are cut (an edge along a side of it is where the cut went, not a
    boundary; the pieces must stay inside their window). ``changed_only``: the
    geometries are two versions of one territory (one faction on two dates,
    which no valid polygon's own edges cross): only edges that one of them has
    and the other has not are looked at for what comes near (the rest cross
    nothing), which is most of the cost saved. ``alone``: cut where each geometry's
    own edges come near each other even when it is the only one, and leave a
    geometry that then crosses itself as it is (the reader repairs it: see
    :func:`refine_own`).

    ``groups``: a group (an integer) for each geometry, to refine many independent
    sets of geometries in one call (the pieces of many pairs of dates): only edges
    of one group are looked at together, and each group comes out exactly as it
    would from a call of its own (only the fixed cost of a call is shared).
    """
    todo = np.array([i for i, g in enumerate(geoms) if g is not None and not g.is_empty
                     and g.geom_type in ("Polygon", "MultiPolygon")], dtype=np.int64)
    if len(todo) < (1 if alone else 2):
        return list(geoms)
    arr = np.empty(len(todo), dtype=object)
    arr[:] = [geoms[i] for i in todo]
    parts, part_geom = shapely.get_parts(arr, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    first = np.flatnonzero(vertex_ring[:-1] == vertex_ring[1:])  # each edge's first vertex
    a, b = coords[first], coords[first + 1]
    ring_geom = part_geom[ring_part]
    owner = ring_geom[vertex_ring[first]]  # index into todo
    if groups is None:
        n_groups, group_geom = 1, np.zeros(len(todo), dtype=np.int64)
    else:
        kinds, group_geom = np.unique(np.asarray(groups)[todo], return_inverse=True)
        n_groups = len(kinds)
    group_edge = group_geom[owner]
    longs, dev = _candidates(a[:, 0], a[:, 1], b[:, 0], b[:, 1], tolerance_m)
    if boxes is not None and len(longs):
        keep = _inside(a[longs], b[longs], dev, np.asarray(boxes)[todo[owner[longs]]])
        longs, dev = longs[keep], dev[keep]
    if len(longs) == 0:
        return list(geoms)
    ask = (_unshared(a, b, group_edge if n_groups > 1 else None) if changed_only
           else np.arange(len(first)))
    # near enough that the geodesic may pass on the other side: within TOLERANCE_M
    # (degrees of longitude shrink towards the poles), for each group its own
    if n_groups == 1:
        top = np.full(1, float(np.abs(coords[:, 1]).max()))
    else:
        top = np.zeros(n_groups)
        np.maximum.at(top, group_geom[ring_geom[vertex_ring]], np.abs(coords[:, 1]))
    near_group = 2 * TOLERANCE_M / (_M_PER_DEG * np.cos(np.radians(np.minimum(top, 85.0))))
    near_edge = near_group[group_edge]
    # the pairs whose boxes come within ``near`` (a join of boxes is several times
    # faster than a "dwithin" query, which measures every pair in GEOS; the pairs
    # apart are measured below). (Pairs within one geometry count too: whether an
    # edge is cut then depends on the edge alone, never on which of the geometries
    # that share it is asked)
    lo, hi = np.minimum(a[longs], b[longs]), np.maximum(a[longs], b[longs])
    pad = near_edge[longs][:, None]
    long_boxes = np.hstack([lo - pad, hi + pad])
    lat = np.radians(np.maximum(np.abs(a[longs, 1]), np.abs(b[longs, 1])))
    # within reach of the long edge's own bow: its geodesic, ``dev`` off its chord, may
    # pass on the other side of what comes that near (twice, for safety; degrees)
    reach_all = 2 * dev / (_M_PER_DEG * np.cos(lat))
    # the angle (radians) between each long edge's chord and its geodesic at its ends,
    # as an angle in the lon/lat plane (up to 1 / cos(latitude) the angle on the ground):
    # 4 dev / length; bounded above from the straight line between its ends (shorter
    # than the geodesic), and measured on the geodesic only for the pairs that part at
    # an angle under that bound (few); and bounded below from the longest a geodesic
    # between those ends can be (:func:`_longest_geodesic_m`): the geodesic is measured
    # only for the pairs that part at an angle between the two bounds
    chord = _chord_m(a[longs], b[longs])
    longest = _longest_geodesic_m(chord)
    with np.errstate(invalid="ignore", divide="ignore"):
        bow_most = 4 * dev / ((chord * (1 - 1e-6) - 1e-6) * np.cos(lat))
        bow_least = 4 * dev / ((longest * (1 + 1e-6) + 1e-6) * np.cos(lat))
    bow_most[~(bow_most >= 0)] = np.inf  # (an edge too short to bound)
    bow_least[~np.isfinite(bow_least)] = 0.0
    bow_all = np.full(len(longs), np.nan)  # measured when asked

    def bows(k: np.ndarray) -> np.ndarray:
        """The bow of the long edges ``k`` (indices into ``longs``), measured once."""
        todo_k = _distinct(k[np.isnan(bow_all[k])])
        if len(todo_k):
            e = longs[todo_k]
            with np.errstate(invalid="ignore", divide="ignore"):
                bow_all[todo_k] = 4 * dev[todo_k] / (np.atleast_1d(_GEOD.inv(
                    a[e, 0], a[e, 1], b[e, 0], b[e, 1])[2]) * np.cos(lat[todo_k]))
        return bow_all[k]

    # the same for every edge (0 for the short ones), and each long edge's place in ``longs``
    reach_edge, bow_most_edge = np.zeros(len(first)), np.zeros(len(first))
    reach_edge[longs], bow_most_edge[longs] = reach_all, bow_most
    bow_least_edge = np.zeros(len(first))
    bow_least_edge[longs] = bow_least
    long_at = np.full(len(first), -1, dtype=np.int64)
    long_at[longs] = np.arange(len(longs))
    was_asked = np.zeros(len(first), dtype=bool)
    was_asked[ask] = True
    cut_parts, own_parts = [], []
    # asked a chunk at a time: a whole detailed snapshot has millions of near pairs
    for start in range(0, len(ask), _ASK_CHUNK):
        asked = ask[start:start + _ASK_CHUNK]
        q, h = box_pairs(np.hstack([np.minimum(a[asked], b[asked]),
                                    np.maximum(a[asked], b[asked])]),
                         long_boxes, group_edge[asked], group_edge[longs], sort=False)
        # (an edge and itself never meet)
        other = asked[q] != longs[h]
        q, h = q[other], h[other]
        query, hit = asked[q], longs[h]
        # two long edges that are both asked come as a pair twice, once each way round,
        # unless they fall in different chunks; the test below is symmetric (both are cut
        # when they meet): each such pair is tested once
        twice = np.flatnonzero(was_asked[hit] & (long_at[query] >= 0))
        if len(twice):
            lo_e, hi_e = np.minimum(query[twice], hit[twice]), np.maximum(query[twice],
                                                                          hit[twice])
            _, first_seen = np.unique(lo_e * len(first) + hi_e, return_index=True)
            if len(first_seen) < len(twice):
                keep = np.ones(len(query), dtype=bool)
                keep[twice] = False
                keep[twice[first_seen]] = True
                q, h, query, hit = q[keep], h[keep], query[keep], hit[keep]
        near = near_edge[hit]
        # when both edges are long, both bow: their geodesics may change sides within
        # the sum of their reaches, and both are cut (cutting only one puts its new
        # vertices, on its geodesic, across the other's chord)
        reach = reach_all[h] + reach_edge[query]
        # a geodesic leaves its ends at 4 dev / length off its chord (twice, for safety)
        q_long = long_at[query]

        def turn(k, h=h, q_long=q_long):
            q_bow = np.zeros(len(k))
            is_long = q_long[k] >= 0
            q_bow[is_long] = bows(q_long[k][is_long])
            return 2 * (bows(h[k]) + q_bow)

        meets, share = _meets_inside(a[query], b[query], a[hit], b[hit], reach,
                                     2 * (bow_most[h] + bow_most_edge[query]), turn,
                                     2 * (bow_least[h] + bow_least_edge[query]))
        # (two edges that share an end are within ``near``; two apart must be within
        # both ``near`` and ``reach``)
        apart = np.flatnonzero(~share)
        qa, qb, ha, hb = a[query[apart]], b[query[apart]], a[hit[apart]], b[hit[apart]]
        meets[apart] &= _segment_distance(qa, qb, ha, hb) <= np.minimum(reach[apart],
                                                                        near[apart])
        cut_parts.append(h[meets])
        q_long = long_at[query[meets]]
        cut_parts.append(q_long[q_long >= 0])
        # a geometry whose own edges come this near each other may cross itself once
        # they follow their geodesics (hairline gaps in a merged territory): checked below
        own = meets & (owner[query] == owner[hit]) & (query != hit)
        own_parts.append(owner[query[own]])
    cut = _distinct(np.concatenate(cut_parts))  # into longs
    if len(cut) == 0:
        return list(geoms)
    edges = longs[cut]
    dense, dense_ring = _insert(coords, vertex_ring, first[edges], dev[cut], tolerance_m)
    # rebuild the geometries that have a cut edge, all at once
    k_geoms = _distinct(owner[edges])
    touched = np.zeros(len(todo), dtype=bool)
    touched[k_geoms] = True
    keep_v = touched[ring_geom[dense_ring]]
    r_sel = np.flatnonzero(touched[ring_geom])
    p_sel = np.flatnonzero(touched[part_geom])
    rebuilt_rings = shapely.linearrings(dense[keep_v],
                                        indices=np.searchsorted(r_sel, dense_ring[keep_v]))
    polys = shapely.polygons(rebuilt_rings, indices=np.searchsorted(p_sel, ring_part[r_sel]))
    multis = shapely.multipolygons(polys, indices=np.searchsorted(k_geoms, part_geom[p_sel]))
    check = set(_distinct(np.concatenate(own_parts)).tolist())
    out = list(geoms)
    for j, k in enumerate(k_geoms.tolist()):
        geom = geoms[todo[k]]
        new = shapely.get_geometry(multis[j], 0) if geom.geom_type == "Polygon" else multis[j]
        if k in check and not alone and not shapely.is_valid(new):
            new = _repaired(new)
        out[todo[k]] = new
    return out


def refine_own(geom, tolerance_m: float = CROSSING_TOLERANCE_M):
    """``geom`` with every edge that its own boundary crosses or runs beside cut along
    its geodesic as :func:`refine_crossings` cuts them between geometries, not
    repaired. For an invalid geometry before its repair: the vertices the repair
    puts where its boundary crosses itself are then within ``tolerance_m`` of where
    the geodesics cross, not TOLERANCE_M (one 1e-9° from a shared border, repaired
    on 0.1 m chords, moved 2.6e-4 km² between neighbours)."""
    return refine_crossings([geom], tolerance_m, alone=True)[0]


def _repaired(geom):
    """A geometry that crosses itself once its edges follow their geodesics, made
    valid as the reader repairs one (an empty MultiPolygon when nothing is left)."""
    from .clean import repair  # (clean uses this module: imported when needed)

    fixed, _ = repair(geom)
    return shapely.MultiPolygon() if fixed is None else fixed


#: odd 64-bit constants mixing the four coordinates of an edge into one hash
_EDGE_HASH_FACTORS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def edge_hashes(edges: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each edge (x1, y1, x2, y2), one row each (the same edge drawn
    the other way round hashes differently)."""
    bits = np.ascontiguousarray(edges, dtype=float).view(np.uint64)
    with np.errstate(over="ignore"):
        h = (bits * _EDGE_HASH_FACTORS).sum(axis=1, dtype=np.uint64)
    return h ^ (h >> np.uint64(29))


def _unshared(a: np.ndarray, b: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Indices of the edges a-b that occur once (either way round) among them all
    (``group``: among those of their own group).

    Sorted by a 64-bit hash and compared exactly with their neighbours in that
    order: an edge whose hash another shares by chance counts as occurring once
    (it is only looked at when it need not be)."""
    swap = (b[:, 0] < a[:, 0]) | ((b[:, 0] == a[:, 0]) & (b[:, 1] < a[:, 1]))
    canon = np.ascontiguousarray(np.where(swap[:, None], np.hstack([b, a]), np.hstack([a, b])))
    h = edge_hashes(canon)
    if group is not None:
        with np.errstate(over="ignore"):
            h = h ^ (group.astype(np.uint64) * _EDGE_HASH_FACTORS[0])
    order = np.argsort(h, kind="stable")
    c = canon[order].view(np.uint64)
    twin = (h[order][1:] == h[order][:-1]) & (c[1:] == c[:-1]).all(axis=1)
    if group is not None:
        g = group[order]
        twin &= g[1:] == g[:-1]
    paired = np.zeros(len(h), dtype=bool)
    paired[1:] |= twin
    paired[:-1] |= twin
    return np.sort(order[~paired])


def densify(geom, tolerance_m: float = TOLERANCE_M):
    """``geom`` with vertices added along the geodesic of every edge whose chord
    strays more than ``tolerance_m`` from it (the same object when none does).

    Polygons are densified; points and lines in a collection are kept as they are.
    """
    if geom is None or geom.is_empty:
        return geom
    t = geom.geom_type
    if t in ("Polygon", "MultiPolygon"):
        return _densify_polygonal(geom, tolerance_m)
    if t == "GeometryCollection":
        parts = list(shapely.get_parts(geom))
        out = [densify(p, tolerance_m) for p in parts]
        if all(a is b for a, b in zip(parts, out, strict=True)):
            return geom
        return shapely.geometrycollections(out)
    return geom
