"""Property-based tests: random coverages, sums that must agree.

A coverage is a jittered grid of cells (neighbours share vertices exactly, as
in data drawn with snapping); on each date every cell is unclaimed, held by
one faction, or claimed by two (contested). Expected areas are sums of cell
areas computed here with pyproj, independently of frontmap.
"""

import datetime as dt

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontmap.analysis.change import diff
from frontmap.analysis.timeline import timeline
from frontmap.read.clean import clean_geometry
from frontmap.read.densify import TOLERANCE_M, densify
from frontmap.read.model import Snapshot

from .conftest import GEOD, plain_km2, ring_km2
from .postgis import geodesic_valid

FACTIONS = ["A", "B", "C", "D"]


@st.composite
def coverages(draw):
    nx = draw(st.integers(2, 5))
    ny = draw(st.integers(2, 4))
    size = draw(st.sampled_from([0.05, 0.2, 0.7, 1.5]))
    lon0 = draw(st.floats(-170, 160))
    lat0 = draw(st.floats(-70, 60))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    xs = lon0 + np.arange(nx + 1) * size
    ys = lat0 + np.arange(ny + 1) * size
    nodes = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    jitter = rng.uniform(-0.2, 0.2, size=nodes.shape) * size
    jitter[[0, -1], :, :] = 0
    jitter[:, [0, -1], :] = 0
    nodes = np.round(nodes + jitter, 9)
    cells = []
    for i in range(nx):
        for j in range(ny):
            c = [nodes[i, j], nodes[i + 1, j], nodes[i + 1, j + 1], nodes[i, j + 1], nodes[i, j]]
            cells.append([list(map(float, p)) for p in c])
    k = draw(st.integers(1, len(FACTIONS)))
    holder = st.one_of(
        st.none(),
        st.sampled_from(FACTIONS[:k]).map(lambda f: (f,)),
        st.tuples(st.sampled_from(FACTIONS[:k]), st.sampled_from(FACTIONS[:k])).map(
            lambda t: tuple(sorted(set(t)))
        ),
    )
    before = draw(st.lists(holder, min_size=len(cells), max_size=len(cells)))
    after = draw(st.lists(holder, min_size=len(cells), max_size=len(cells)))
    if all(h is None for h in before + after):
        before[0] = ("A",)
    return cells, before, after


def _snapshot(date, cells, claims):
    by_faction = {}
    for c, claim in zip(cells, claims, strict=True):
        for f in claim or ():
            by_faction.setdefault(f, []).append(shapely.Polygon(c))
    return Snapshot(date, {f: shapely.union_all(p) for f, p in sorted(by_faction.items())})


def _holder(claim):
    if not claim:
        return "unassigned"
    return claim[0] if len(claim) == 1 else "contested"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coverages())
def test_transfers_gains_and_losses_add_up(cov):
    cells, before, after = cov
    km2 = [ring_km2(c) for c in cells]
    s1 = _snapshot(dt.date(2020, 1, 1), cells, before)
    s2 = _snapshot(dt.date(2020, 1, 2), cells, after)
    d = diff(s1, s2)

    in_aoi = [bool(b) or bool(a) for b, a in zip(before, after, strict=True)]
    aoi = sum(k for k, inside in zip(km2, in_aoi, strict=True) if inside)
    tol = 1e-6 * aoi

    def expected_holders(claims):
        out = {}
        for k, claim, inside in zip(km2, claims, in_aoi, strict=True):
            if inside:
                h = _holder(claim)
                out[h] = out.get(h, 0.0) + k
        return out

    h1, h2 = expected_holders(before), expected_holders(after)
    # the area of interest is conserved and split among holders as expected
    assert abs(d.aoi_km2 - aoi) <= tol
    assert abs(sum(d.holders_from.values()) - aoi) <= tol
    assert abs(sum(d.holders_to.values()) - aoi) <= tol
    for h in set(h1) | set(h2) | set(d.holders_from) | set(d.holders_to):
        assert abs(d.holders_from.get(h, 0) - h1.get(h, 0)) <= tol, h
        assert abs(d.holders_to.get(h, 0) - h2.get(h, 0)) <= tol, h
        inflow = sum(v for (a, b), v in d.matrix.items() if b == h)
        outflow = sum(v for (a, b), v in d.matrix.items() if a == h)
        assert abs((inflow - outflow) - (h2.get(h, 0) - h1.get(h, 0))) <= tol, h

    contested_factions = {f for c in before + after if c and len(c) > 1 for f in c}
    for f in d.factions:
        claims1 = [k for k, c in zip(km2, before, strict=True) if c and f.faction in c]
        claims2 = [k for k, c in zip(km2, after, strict=True) if c and f.faction in c]
        gained = sum(
            k
            for k, b, a in zip(km2, before, after, strict=True)
            if a and f.faction in a and not (b and f.faction in b)
        )
        lost = sum(
            k
            for k, b, a in zip(km2, before, after, strict=True)
            if b and f.faction in b and not (a and f.faction in a)
        )
        assert abs(f.area_from_km2 - sum(claims1)) <= tol
        assert abs(f.area_to_km2 - sum(claims2)) <= tol
        assert abs(f.gained_km2 - gained) <= tol and abs(f.lost_km2 - lost) <= tol
        assert abs((f.area_to_km2 - f.area_from_km2) - (f.gained_km2 - f.lost_km2)) <= tol
        if f.faction not in contested_factions:
            inflow = sum(v for (a, b), v in d.matrix.items() if b == f.faction)
            outflow = sum(v for (a, b), v in d.matrix.items() if a == f.faction)
            assert abs(outflow - f.lost_km2) <= tol and abs(inflow - f.gained_km2) <= tol


@settings(max_examples=30, deadline=None)
@given(coverages())
def test_timeline_agrees_with_diff(cov):
    cells, before, after = cov
    s1 = _snapshot(dt.date(2020, 1, 1), cells, before)
    s2 = _snapshot(dt.date(2020, 1, 2), cells, after)
    d = diff(s1, s2)
    rows = {r.faction: r for r in timeline([s1, s2])}
    assert set(rows) == {f.faction for f in d.factions}
    for f in d.factions:
        r = rows[f.faction]
        tol = 1e-9 * max(1.0, f.area_from_km2, f.area_to_km2)
        assert abs(r.gained_km2 - f.gained_km2) <= tol and abs(r.lost_km2 - f.lost_km2) <= tol
        assert abs(r.net_km2 - f.net_km2) <= tol
        assert (r.parts_from, r.parts_to) == (f.parts_from, f.parts_to)


# --------------------------------------------------------------------------
# Long edges redrawn: a faction takes a quadrilateral whose long edges cross
# the grid, so the overlays cut long edges (densified on reading) anywhere.


def _sliver_bound_km2(geoms, crossings: int) -> float:
    """What cutting densified chords can leave: at each crossing, at most half the
    longest chord times the tolerance (the geodesic triangle over the cut chord)."""
    longest = 0.0
    for g in geoms:
        c = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(g)))
        if len(c) > 1:
            _, _, d = GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])
            d = d[c[:-1, 0] != c[1:, 0]]  # a meridian is its own geodesic: nothing to cut
            longest = max(longest, float(d.max(initial=0.0)))
    return crossings * longest * TOLERANCE_M / 2 / 1e6


@st.composite
def offensives(draw):
    cells, before, _ = draw(coverages())
    xs = [p[0] for c in cells for p in c]
    ys = [p[1] for c in cells for p in c]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    fx = draw(st.lists(st.floats(0.05, 0.95), min_size=4, max_size=4))
    fy = draw(st.lists(st.floats(0.05, 0.95), min_size=4, max_size=4))
    quad = shapely.Polygon([
        (x0 + (x1 - x0) * fx[0] * 0.5, y0 + (y1 - y0) * fy[0] * 0.5),
        (x0 + (x1 - x0) * (0.5 + fx[1] * 0.5), y0 + (y1 - y0) * fy[1] * 0.5),
        (x0 + (x1 - x0) * (0.5 + fx[2] * 0.5), y0 + (y1 - y0) * (0.5 + fy[2] * 0.5)),
        (x0 + (x1 - x0) * fx[3] * 0.5, y0 + (y1 - y0) * (0.5 + fy[3] * 0.5)),
    ])
    taker = draw(st.sampled_from(FACTIONS[:2]))
    return cells, before, quad, taker


def _read_like(cells, claims, extra=None):
    """Each faction's territory as the reader builds it: every polygon densified, then united."""
    by_faction = {}
    for c, claim in zip(cells, claims, strict=True):
        for f in claim or ():
            by_faction.setdefault(f, []).append(densify(shapely.Polygon(c)))
    if extra is not None:
        taker, quad = extra
        by_faction.setdefault(taker, []).append(densify(quad))
    return {f: shapely.union_all(p) for f, p in sorted(by_faction.items())}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offensives())
def test_net_is_gained_minus_lost_where_long_edges_are_cut(case):
    cells, before, quad, taker = case
    t1 = _read_like(cells, before)
    t2 = _read_like(cells, before, (taker, quad))
    d = diff(Snapshot(dt.date(2020, 1, 1), t1), Snapshot(dt.date(2020, 1, 2), t2))
    grid = shapely.union_all([shapely.LinearRing(c) for c in cells])
    crossings = len(shapely.get_parts(shapely.intersection(grid, quad.exterior))) + 4
    # twice the per-crossing bound: a vertex of the grid on the quadrilateral's edge can make
    # one crossing cut two chords (seen at 65°S: 0.0049 km² against a bound of 0.0049)
    slack = 2 * _sliver_bound_km2([*t1.values(), *t2.values()], crossings)
    for f in d.factions:
        size = max(f.area_from_km2, f.area_to_km2)
        assert abs(f.net_km2 - (f.gained_km2 - f.lost_km2)) <= slack + 1e-8 * size + 1e-6
        assert f.edge_effect_km2 == f.net_km2 - (f.gained_km2 - f.lost_km2)
    for h in set(d.holders_from) | set(d.holders_to):
        inflow = sum(v for (a, b), v in d.matrix.items() if b == h)
        outflow = sum(v for (a, b), v in d.matrix.items() if a == h)
        change = d.holders_to.get(h, 0.0) - d.holders_from.get(h, 0.0)
        assert abs((inflow - outflow) - change) <= 3 * slack + 1e-8 * d.aoi_km2 + 1e-6, h


# --------------------------------------------------------------------------
# A wedge taken along a shared border: the taker's new edge runs nearly along the
# old border (1e-3° to 0 off it), whose two sides were drawn with different vertices.
# Expected transfers from an independent overlay: every edge cut every 50 m along
# its geodesic (pyproj), overlaid in the plane and measured with pyproj.


def _oracle_transfers(t1: dict, t2: dict) -> dict:
    """(from, to) -> km² between holders: factions alone, contested, unassigned (the
    rest of both dates' territories: ground no one claims on one date left the
    unassigned where some faction claims it on the other)."""
    def split(t):
        ids = sorted(t)
        pairs = [shapely.intersection(t[x], t[y]) for i, x in enumerate(ids) for y in ids[i + 1:]]
        contested = shapely.union_all(pairs) if pairs else shapely.Polygon()
        out = {f: shapely.difference(g, contested) for f, g in t.items()}
        out["contested"] = contested
        return out, shapely.union_all(list(t.values()))

    (h1, claimed1), (h2, claimed2) = split(t1), split(t2)
    out = {}
    for a, ga in [*h1.items(), ("unassigned", shapely.difference(claimed2, claimed1))]:
        leaving = shapely.difference(ga, h2[a]) if a in h2 else ga
        if leaving.is_empty:
            continue
        out[(a, "unassigned")] = plain_km2(shapely.difference(leaving, claimed2))
        for b, gb in h2.items():
            if b != a and not gb.is_empty:
                out[(a, b)] = plain_km2(shapely.intersection(leaving, gb))
    out.pop(("unassigned", "unassigned"), None)
    return out


@st.composite
def wedges_along_a_border(draw):
    lon, lat = draw(st.floats(-170, 150)), draw(st.floats(-70, 65))
    w, h = draw(st.floats(0.5, 4)), draw(st.floats(0.3, 2))
    top = lat + h
    split = lon + w * draw(st.floats(0.1, 0.9))  # a vertex only the northern side has
    off = draw(st.sampled_from([0.0, 1e-9, -1e-9, 1e-7, -1e-7, 1e-5, -1e-3]))
    x0, x1, x2 = (lon + w * f for f in (draw(st.floats(0, 0.3)), draw(st.floats(0.6, 1)),
                                        draw(st.floats(0.7, 1))))
    depth = h * draw(st.floats(0.01, 0.5))
    south = shapely.Polygon([(lon, lat), (lon + w, lat), (lon + w, top), (lon, top)])
    north = shapely.Polygon([(lon, top), (split, top), (lon + w, top), (lon + w, top + h),
                             (lon, top + h)])
    wedge = shapely.Polygon([(x0, top + off), (x1, top - depth), (x2, top + off)]).buffer(0)
    third = None
    if draw(st.booleans()):  # a third faction claims ground across the border on the 2nd date
        third = shapely.box(lon + w * 0.2, top - h * 0.3, lon + w * 0.8, top + h * 0.3)
    return south, north, wedge, third


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wedges_along_a_border())
def test_transfers_agree_with_geodesic_overlays_where_edges_nearly_coincide(case):
    south, north, wedge, third = case

    raw1 = {"A": south, "B": north}
    raw2 = {"A": shapely.difference(south, wedge), "B": shapely.union(north, wedge)}
    if third is not None:
        raw2["C"] = third
    # as the reader takes each date's file: every edge densified along its geodesic, and
    # what then crosses itself repaired
    read1, read2 = ({f: clean_geometry(g)[0] for f, g in raw.items()} for raw in (raw1, raw2))
    d = diff(Snapshot(dt.date(2020, 1, 1), read1), Snapshot(dt.date(2020, 1, 2), read2))
    want = _oracle_transfers({f: geodesic_valid(g, 50.0) for f, g in raw1.items()},
                             {f: geodesic_valid(g, 50.0) for f, g in raw2.items()})
    size = max(plain_km2(g) for g in [*raw1.values(), *raw2.values()])
    for key in sorted(set(want) | set(d.matrix)):
        got, km2 = d.matrix.get(key, 0.0), want.get(key, 0.0)
        assert abs(got - km2) <= 1e-6 * km2 + 1e-8 * size + 1e-6, (key, got, km2)
