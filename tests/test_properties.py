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
from frontmap.read.model import Snapshot

from .conftest import ring_km2

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
