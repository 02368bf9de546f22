"""Areas, lengths and distances against pyproj.Geod computed here, independently."""

import math

import pytest
import shapely

from frontmap.analysis.geodesy import area_km2, distance_km, length_km, nearest_points

from .conftest import GEOD, rect, rel, ring_km2


@pytest.mark.parametrize(
    "box",
    [(0, 0, 1, 1), (37.0, 47.5, 38.2, 48.3), (-71, -34, -70, -33), (40.1, 35.25, 40.2, 35.35)],
)
def test_rectangle_area_matches_geod(box):
    ring = rect(*box)
    assert rel(area_km2(shapely.Polygon(ring)), ring_km2(ring)) < 1e-9


def test_orientation_does_not_matter():
    ring = rect(30, 50, 31, 51)
    cw = list(reversed(ring))
    assert area_km2(shapely.Polygon(cw)) == pytest.approx(ring_km2(ring), rel=1e-12)


def test_holes_are_subtracted():
    shell = rect(36, 35, 38, 37)
    hole = rect(36.5, 35.5, 37.0, 36.0)
    poly = shapely.Polygon(shell, [hole])
    expected = ring_km2(shell) - ring_km2(hole)
    assert rel(area_km2(poly), expected) < 1e-9


def test_multipolygon_sums_parts():
    a, b = rect(10, 10, 11, 11), rect(12, 10, 13, 12)
    mp = shapely.MultiPolygon([shapely.Polygon(a), shapely.Polygon(b)])
    assert rel(area_km2(mp), ring_km2(a) + ring_km2(b)) < 1e-9


def test_one_degree_square_at_equator_is_about_12308_km2():
    # a published figure: 1°x1° at the equator is ~12,308 km² on WGS84
    assert area_km2(shapely.Polygon(rect(0, 0, 1, 1))) == pytest.approx(12308.8, rel=1e-4)


def test_length_of_meridian_segment():
    line = shapely.LineString([(30, 50), (30, 51)])
    _, _, d = GEOD.inv(30, 50, 30, 51)
    assert length_km(line) == pytest.approx(d / 1000, rel=1e-12)


def test_distance_between_nearest_points():
    a = shapely.Polygon(rect(38.0, 34.0, 38.5, 34.5))
    b = shapely.Polygon(rect(40.0, 34.1, 40.3, 34.3))
    # nearest points: a's east edge and b's west edge, near lat 34.1..34.3
    _, _, d = GEOD.inv(38.5, 34.2, 40.0, 34.2)
    assert distance_km(a, b) == pytest.approx(d / 1000, rel=5e-3)
    (x1, _), (x2, _) = nearest_points(a, b)
    assert x1 == pytest.approx(38.5, abs=1e-4) and x2 == pytest.approx(40.0, abs=1e-4)


def test_touching_shapes_are_zero_apart():
    a = shapely.Polygon(rect(0, 0, 1, 1))
    b = shapely.Polygon(rect(1, 0, 2, 1))
    assert distance_km(a, b) == 0.0
    assert math.isnan(distance_km(a, shapely.Polygon()))


def _per_ring_km2(geom) -> float:
    """Each ring measured on its own with pyproj, as DESIGN.md defines it."""
    total = 0.0
    for p in shapely.get_parts(geom):
        total += ring_km2(list(p.exterior.coords))
        total -= sum(ring_km2(list(h.coords)) for h in p.interiors)
    return total


@pytest.mark.parametrize("seed", range(8))
def test_area_equals_ring_by_ring(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    polys = []
    for _ in range(rng.integers(1, 6)):
        x = rng.uniform(-179, 175)
        y = rng.uniform(-80, 75)
        w, h = rng.uniform(0.01, 4, 2)
        shell = rect(x, y, x + w, y + h)
        holes = [rect(x + w * 0.2, y + h * 0.2, x + w * 0.4, y + h * 0.5)] if seed % 2 else []
        polys.append(shapely.Polygon(shell[::-1] if seed % 3 == 0 else shell, holes))
    geom = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
    assert area_km2(geom) == pytest.approx(_per_ring_km2(geom), rel=1e-9)


def test_area_across_the_antimeridian_neighbours():
    east = shapely.Polygon(rect(178, -18, 179.9, -16))
    west = shapely.Polygon(rect(-179.9, -18, -178, -16))
    both = shapely.MultiPolygon([east, west])
    assert area_km2(both) == pytest.approx(_per_ring_km2(both), rel=1e-9)


def test_inverted_sliver_counts_positively():
    """A thin triangle (58 km long, 22 m wide) whose long geodesic edge bows 47 m
    north, past its third vertex: counter-clockwise in the lon/lat plane, clockwise
    on the ellipsoid. Like PostGIS, each ring counts with its absolute area."""
    sliver = [(36.0, 35.0), (36.64, 35.0), (36.32, 35.0002), (36.0, 35.0)]
    signed, _ = GEOD.polygon_area_perimeter(*zip(*sliver, strict=True))
    (mid,) = GEOD.npts(36.0, 35.0, 36.64, 35.0, 1)
    assert mid[1] > 35.0002 and signed < 0 < shapely.Polygon(sliver).area
    assert area_km2(shapely.Polygon(sliver)) == pytest.approx(ring_km2(sliver), rel=1e-12)
    # among other pieces, with a hole: |outer| - |hole| per polygon, summed
    body_shell = rect(36.0, 34.0, 37.0, 34.9)
    body_hole = rect(36.2, 34.2, 36.5, 34.5)
    flat = [(37.5, 35.0), (38.3, 35.0), (37.9, 35.00015), (37.5, 35.0)]  # inverted too
    geom = shapely.MultiPolygon([
        shapely.Polygon(sliver), shapely.Polygon(body_shell, [body_hole]), shapely.Polygon(flat),
    ])
    want = ring_km2(sliver) + ring_km2(body_shell) - ring_km2(body_hole) + ring_km2(flat)
    assert area_km2(geom) == pytest.approx(want, rel=1e-12)
    assert area_km2(geom) == pytest.approx(_per_ring_km2(geom), rel=1e-12)
