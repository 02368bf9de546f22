"""Long edges densified along their geodesics, checked with pyproj.Geod here."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import frontmap
from frontmap.analysis.geodesy import area_km2
from frontmap.read.clean import clean_geometry
from frontmap.read.densify import TOLERANCE_M, chord_deviation_m, densify

from .conftest import GEOD, feature, plain_km2, rect, ring_km2, write_fc
from .postgis import geodesic_valid


def true_deviation_m(x1, y1, x2, y2, samples=41) -> float:
    """The largest distance from the lon/lat chord to the WGS84 geodesic: for
    points along the chord, the nearest point of the geodesic (ternary search
    along it with pyproj)."""
    az, _, length = GEOD.inv(x1, y1, x2, y2)
    t = np.linspace(0, 1, samples)[1:-1]
    cx, cy = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
    lo, hi = np.zeros_like(t), np.full_like(t, length)
    one = np.ones_like(t)

    def dist(s):
        lon, lat, _ = GEOD.fwd(x1 * one, y1 * one, az * one, s)
        return GEOD.inv(cx, cy, lon, lat)[2]

    for _ in range(70):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        left = dist(m1) < dist(m2)
        hi, lo = np.where(left, m2, hi), np.where(left, lo, m1)
    return float(dist((lo + hi) / 2).max())


def test_deviation_estimate_is_within_half_a_per_cent_of_the_truth():
    rng = np.random.default_rng(7)
    ratios = []
    while len(ratios) < 60:
        lat, lon = rng.uniform(-85, 85), rng.uniform(-170, 170)
        x2, y2, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360), 10 ** rng.uniform(3, 5.5))
        if abs(y2) > 88 or abs(x2 - lon) > 60:
            continue
        est = chord_deviation_m(np.array([lon]), np.array([lat]), np.array([x2]), np.array([y2]))
        truth = true_deviation_m(lon, lat, x2, y2)
        if truth > 1e-3:
            ratios.append(truth / est[0])
    assert max(ratios) < 1.005  # the tolerance keeps a 5% margin over the estimate


@pytest.mark.parametrize(
    "edge",
    [((36.0, 35.0), (37.6, 35.0)), ((20.0, -62.0), (26.0, -61.0)), ((30.0, 48.0), (31.0, 50.5)),
     ((-1.0, -0.5), (4.0, 0.7)), ((178.5, 60.0), (181.5, 60.5))],
)
def test_every_chord_stays_within_the_tolerance_and_points_lie_on_the_geodesic(edge):
    (x1, y1), (x2, y2) = edge
    ring = [[x1, y1], [x2, y2], [x2, y2 + 1.0], [x1, y1 + 1.0], [x1, y1]]
    out = shapely.get_coordinates(densify(shapely.Polygon(ring)).exterior)
    first = np.flatnonzero((out == [x2, y2]).all(axis=1))[0]
    along = out[: first + 1]  # the densified edge
    assert len(along) > 10
    _, _, whole = GEOD.inv(x1, y1, x2, y2)
    for (ax, ay), (bx, by) in zip(along[:-1], along[1:], strict=True):
        assert true_deviation_m(ax, ay, bx, by, samples=9) <= TOLERANCE_M
    # on the geodesic: the pieces add up to the whole length (a detour would not)
    _, _, parts = GEOD.inv(along[:-1, 0], along[:-1, 1], along[1:, 0], along[1:, 1])
    assert abs(parts.sum() - whole) < 1e-6
    # the geodesic area does not change
    assert area_km2(shapely.Polygon(out)) == pytest.approx(ring_km2(ring), rel=1e-11)


def test_short_edges_are_left_alone():
    poly = shapely.Polygon(rect(37.0, 48.0, 37.005, 48.004))  # ~370 m x 450 m
    assert densify(poly) is poly


def test_an_edge_and_its_reverse_get_the_same_points():
    a = shapely.Polygon(rect(30, 48, 33, 49))
    b = shapely.Polygon(rect(33, 48, 36, 49))  # shares a's east edge, drawn the other way
    da, db = densify(a), densify(b)
    shared_a = {tuple(p) for p in shapely.get_coordinates(da) if p[0] == 33}
    shared_b = {tuple(p) for p in shapely.get_coordinates(db) if p[0] == 33}
    assert shared_a == shared_b
    top_a = shapely.get_coordinates(da)
    top_r = shapely.get_coordinates(densify(shapely.reverse(a)))
    assert {tuple(p) for p in top_a} == {tuple(p) for p in top_r}
    both = shapely.union_all([da, db])
    assert both.geom_type == "Polygon" and len(both.interiors) == 0
    halves = ring_km2(rect(30, 48, 33, 49)) + ring_km2(rect(33, 48, 36, 49))
    assert area_km2(both) == pytest.approx(halves, rel=1e-10)


def test_clean_geometry_densifies_and_reports_nothing():
    ring = rect(36.0, 35.0, 38.0, 37.0)
    geom, repairs, problem = clean_geometry(shapely.Polygon(ring))
    assert problem is None and repairs == []
    assert shapely.get_num_coordinates(geom) > 100
    assert area_km2(geom) == pytest.approx(ring_km2(ring), rel=1e-11)


def test_across_the_antimeridian_the_split_halves_keep_the_area(tmp_path):
    ring = [[178.0, -18.0], [182.0, -18.0], [182.0, -16.0], [178.0, -16.0], [178.0, -18.0]]
    write_fc(tmp_path / "2020-01-01" / "F.geojson", [feature([ring])])
    layers = frontmap.read_layers(tmp_path)
    (geom,) = layers.snapshot("2020-01-01").territories.values()
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    xs = shapely.get_coordinates(geom)[:, 0]
    assert xs.min() >= -180 and xs.max() <= 180
    assert area_km2(geom) == pytest.approx(ring_km2(ring), rel=1e-9)


def test_reader_and_clip_outlines_are_densified(tmp_path):
    ring = rect(36.0, 35.0, 38.0, 37.0)
    write_fc(tmp_path / "layers" / "2020-01-01" / "F.geojson", [feature([ring])])
    clip = write_fc(tmp_path / "clip.geojson", [feature([rect(35.0, 34.0, 37.0, 36.0)])])
    layers = frontmap.read_layers(tmp_path / "layers", clip=clip)
    (geom,) = layers.snapshot("2020-01-01").territories.values()
    assert shapely.get_num_coordinates(layers.clip) > 100
    # the corner both hold is bounded by halves of geodesics: the territory's south
    # edge as far as its midpoint at 37°E, and the clip's north edge to its midpoint
    # at 36°E (the meridians between are geodesics too)
    (south_mid,) = GEOD.npts(36.0, 35.0, 38.0, 35.0, 1)
    (north_mid,) = GEOD.npts(37.0, 36.0, 35.0, 36.0, 1)
    corner = [(36.0, 35.0), south_mid, (37.0, 36.0), north_mid, (36.0, 35.0)]
    assert south_mid[1] > 35.003 and north_mid[1] > 36.003  # bowing ~400 m north
    assert area_km2(geom) == pytest.approx(ring_km2(corner), rel=1e-6)


def test_crossed_edges_are_cut_finer_and_overlays_meet_the_fine_truth():
    """Two squares with 2 km edges (densified to 0.1 m, as read) whose boundaries
    cross: after refine_crossings their overlap is the one of the same squares
    densified everywhere to 1e-6 m (the truth here), within 1e-6; before, a few
    m² off. Areas stay, shared edges stay shared, untouched shapes are returned
    as they are."""
    from frontmap.read.densify import CROSSING_TOLERANCE_M, refine_crossings

    a = densify(shapely.Polygon(rect(36.0, 48.0, 36.6, 48.4)))
    b = densify(shapely.Polygon([(36.3, 48.2), (37.0, 48.25), (36.95, 48.8), (36.25, 48.7)]))
    c = densify(shapely.Polygon(rect(36.0, 48.4, 36.6, 48.6)))  # shares a's north edge
    far = shapely.Polygon(rect(10.0, 10.0, 10.1, 10.1))
    ra, rb, rc, rfar = refine_crossings([a, b, c, far])
    assert rfar is far
    for before, after in ((a, ra), (b, rb), (c, rc)):
        assert shapely.get_num_coordinates(after) > shapely.get_num_coordinates(before)
        assert plain_km2(after) == pytest.approx(plain_km2(before), rel=1e-12)
    # every chord that a boundary of the other crosses is within the finer tolerance
    for geom, other in ((ra, rb), (rb, ra)):
        xy = shapely.get_coordinates(geom)
        chords = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
        crossed = shapely.intersects(chords, other.boundary)
        for (x1, y1), (x2, y2) in zip(xy[:-1][crossed], xy[1:][crossed], strict=True):
            assert true_deviation_m(x1, y1, x2, y2) <= CROSSING_TOLERANCE_M
    # a and c still share their border (which b crosses) exactly: no sliver between them
    assert plain_km2(shapely.intersection(ra, rc)) == 0.0
    assert shapely.intersection(ra, rc).length == pytest.approx(0.6, rel=1e-5)
    fine_a, fine_b = densify(a, 1e-6), densify(b, 1e-6)
    truth = plain_km2(shapely.intersection(fine_a, fine_b))
    got = plain_km2(shapely.intersection(ra, rb))
    rough = plain_km2(shapely.intersection(a, b))
    assert abs(got - truth) <= 1e-6 * truth
    assert abs(rough - truth) > 10 * abs(got - truth)  # (the finer cut is what did it)


def test_nearly_parallel_edges_are_both_cut_where_either_bows_across():
    """A's 0.5° edge and B's two edges along the same parallel (B has a vertex A has
    not, 0.055° from the shared corner): their geodesics bow north by up to 1.6 m
    and part at a few 1e-5 radians at the far corner, where each chord's bow is
    larger than the gap. Both must be cut there: cutting only B (as the pair test
    once did, measuring only the bow of the edge it asked about) put B's new
    vertices north of A's chord, and the lens they both claim came out 3.5e-4 km²
    (2%) short."""
    from frontmap.read.densify import refine_crossings

    raw_a = shapely.Polygon([(0, 0), (0.5, 0), (0.5, 1.5), (0, 1.5)])
    raw_b = shapely.Polygon([(0, 1.5), (0.0546875, 1.5), (0.5, 1.5), (0.5, 3), (0, 3)])
    truth = plain_km2(shapely.intersection(geodesic_valid(raw_a, 20.0),
                                           geodesic_valid(raw_b, 20.0)))
    assert 0.017 < truth < 0.018
    ra, rb = refine_crossings([densify(raw_a), densify(raw_b)])
    assert area_km2(shapely.intersection(ra, rb)) == pytest.approx(truth, rel=1e-6)


def test_a_polygon_crossing_itself_on_its_geodesics_is_cut_finer_before_its_repair():
    """B took a wedge from A along their border, drawn 1e-9° south of it: B's two
    parts overlap along their geodesics, and the repair unites them. Its new
    vertices, where the boundaries cross, must lie within 1 mm of the geodesics
    (cut finer first), not 0.1 m: else the ground A and B both claim along the
    border, 0.157 km², came out 2.6e-4 km² too large."""
    from frontmap.read.densify import refine_crossings

    south = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    north = shapely.Polygon([(0, 1), (0.5, 1), (1, 1), (1, 2), (0, 2)])
    wedge = shapely.Polygon([(0, 0.999999999), (0.75, 0.999999999), (1, 0.5)])
    raw_a, raw_b = shapely.difference(south, wedge), shapely.MultiPolygon([north, wedge])
    assert raw_b.is_valid and shapely.intersection(raw_a, raw_b).area == 0
    (a, _, _), (b, repairs, _) = clean_geometry(raw_a), clean_geometry(raw_b)
    assert len(repairs) == 1 and "geodesics" in repairs[0]
    # (every part along its geodesics, made valid as the reader does)
    truth = plain_km2(shapely.intersection(geodesic_valid(raw_a, 20.0),
                                           geodesic_valid(raw_b, 20.0)))
    assert 0.15 < truth < 0.16
    ra, rb = refine_crossings([a, b])
    assert area_km2(shapely.intersection(ra, rb)) == pytest.approx(truth, rel=1e-6)


def test_groups_refined_in_one_call_come_out_as_from_a_call_each():
    """refine_crossings(..., groups=...) (the timeline refines the window pieces of
    many pairs of dates at once) gives each group exactly what a call of its own
    gives: groups at different latitudes (each its own "near"), and one geometry
    in two groups. Its edges, finely cut (each shorter than the finer cut's
    tolerance), are the only ones that reach the other's long edges in each group:
    counted as shared because they occur in both groups, they would not be asked,
    and the long edges they cross would not be cut."""
    from frontmap.read.densify import refine_crossings

    def crossing(lon, lat):
        a = densify(shapely.Polygon(rect(lon, lat, lon + 0.6, lat + 0.4)))
        b = densify(shapely.Polygon([(lon + 0.3, lat + 0.2), (lon + 1.0, lat + 0.25),
                                     (lon + 0.95, lat + 0.8), (lon + 0.25, lat + 0.7)]))
        return a, b

    a0, b0 = crossing(36.0, 48.0)
    fine = densify(b0, 1e-5)  # (every edge short)
    c0 = densify(shapely.Polygon(rect(36.7, 48.3, 37.5, 48.5)))  # crosses ``fine`` elsewhere
    a1, b1 = crossing(20.0, 70.0)
    sets = [[a0, fine], [fine, c0], [a1, b1], [b1, a1, a0]]
    for changed_only in (True, False):
        alone = [refine_crossings(g, changed_only=changed_only) for g in sets]
        flat = [g for group in sets for g in group]
        groups = [k for k, group in enumerate(sets) for _ in group]
        together = refine_crossings(flat, changed_only=changed_only, groups=groups)
        want = [g for group in alone for g in group]
        assert [shapely.to_wkb(g) for g in together] == [shapely.to_wkb(g) for g in want]
    # (the test's point: ``fine``'s short edges made a0's and c0's long ones be cut)
    assert shapely.get_num_coordinates(alone[0][0]) > shapely.get_num_coordinates(a0)
    assert shapely.get_num_coordinates(alone[1][1]) > shapely.get_num_coordinates(c0)


def test_a_territory_whose_parts_nearly_touch_stays_valid_once_refined():
    """Two parts of one territory, 2 cm apart in the plane, across a 1.1 km edge that
    bows 4 cm north along its geodesic (a merged territory with a hairline gap): cut
    finer, the edge passes north of the other part's tip, which would cross itself.
    refine_crossings gives a valid geometry back, with the geodesic area (as the
    overlays downstream need: a GEOS TopologyException otherwise; seen on the real
    Syria sample read as one faction)."""
    from frontmap.read.densify import refine_crossings

    lat, x0, x1 = 60.0, 10.0, 10.02
    assert 0.03 < true_deviation_m(x0, lat, x1, lat) < 0.05
    tip = 0.02 / 111_400  # 2 cm north of the chord's middle, in degrees of latitude
    south = shapely.Polygon([(x0, lat - 0.01), (x1, lat - 0.01), (x1, lat), (x0, lat)])
    north = shapely.Polygon([((x0 + x1) / 2, lat + tip), (x1, lat + 0.01), (x0, lat + 0.01)])
    merged = shapely.MultiPolygon([south, north])
    assert merged.is_valid
    other = shapely.Polygon(rect(x0 + 0.005, lat - 0.02, x0 + 0.006, lat + 0.02))
    ra, _ = refine_crossings([merged, other])
    assert ra.is_valid
    assert ra.geom_type in ("Polygon", "MultiPolygon")
    # the cut edge follows its geodesic: the sliver the tip loses is far under 1 m²
    assert plain_km2(ra) == pytest.approx(plain_km2(merged), abs=1e-6)
    assert shapely.union_all([ra, other]).is_valid


def test_the_syria_sample_read_as_one_faction_diffs(shared_data):
    """Without --faction-field every feature of the Syria sample is one territory, whose
    factions' polygons nearly touch: the diff runs (it failed with an internal error
    from GEOS) and its net is its gained - lost."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "frontmap", "diff", "2024-12-03", "2024-12-05",
         str(shared_data / "syria-control-2024-12"), "--format", "json"],
        capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    (row,) = d["factions"] if isinstance(d["factions"], list) else d["factions"].values()
    assert abs(row["net_km2"] - (row["gained_km2"] - row["lost_km2"])) <= 1e-6 + 1e-8 * max(
        row["area_from_km2"], row["area_to_km2"])


def test_the_longest_geodesic_bound_holds_against_pyproj():
    """The finer cut measures a geodesic's length only where the bounds on the angle
    its ends part at from their chords leave the answer open: the bound from above
    on its length (what the angle is bounded below from) must hold, for short and
    long edges at every latitude, and stay tight (within 1e-6 for edges km long)."""
    from frontmap.read.densify import _chord_m, _longest_geodesic_m

    rng = np.random.default_rng(7)
    n = 4000
    lon1 = rng.uniform(-180, 180, n)
    lat1 = rng.uniform(-89, 89, n)
    az = rng.uniform(0, 360, n)
    dist = 10 ** rng.uniform(1, 6.7, n)  # 10 m to 5,000 km
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, az, dist)
    _, _, s = GEOD.inv(lon1, lat1, lon2, lat2)
    chord = _chord_m(np.column_stack([lon1, lat1]), np.column_stack([lon2, lat2]))
    longest = _longest_geodesic_m(chord)
    # (as refine_crossings takes them: with room for the rounding of the chord, a few
    # 1e-9 m, measured through the Earth between points 6,400 km from its centre)
    assert (chord * (1 - 1e-6) - 1e-6 <= s).all()
    assert (longest * (1 + 1e-6) + 1e-6 >= s).all()
    assert ((s - longest) / s).max() < 1e-9  # (rounding only)
    km = (s > 1e3) & (s < 1e5)
    assert ((longest[km] - s[km]) / s[km]).max() < 1e-6


def test_pairs_met_in_different_chunks_or_once_each_way_are_tested_alike(monkeypatch):
    """Two long edges that are both asked meet twice in one chunk (each way round) and
    are tested once; asked in small chunks, they meet once in each of two chunks.
    The cut must be the same either way, bit for bit."""
    import frontmap.read.densify as d

    a = densify(shapely.Polygon(rect(36.0, 48.0, 36.6, 48.4)))
    b = densify(shapely.Polygon([(36.3, 48.2), (37.0, 48.25), (36.95, 48.8), (36.25, 48.7)]))
    c = densify(shapely.Polygon([(36.0, 48.4), (36.3, 48.4000001), (36.6, 48.4),
                                 (36.6, 49.0), (36.0, 49.0)]))
    whole = d.refine_crossings([a, b, c])
    monkeypatch.setattr(d, "_ASK_CHUNK", 3)
    chunked = d.refine_crossings([a, b, c])
    assert [shapely.to_wkb(g) for g in whole] == [shapely.to_wkb(g) for g in chunked]
    assert sum(shapely.get_num_coordinates(g) for g in whole) > sum(
        shapely.get_num_coordinates(g) for g in (a, b, c))


def test_the_bounds_on_the_parting_angle_only_save_measuring_it(monkeypatch):
    """Where two edges from a common vertex part at an angle between the bounds on
    their geodesics' turn, the geodesics are measured; below the lower bound they
    meet without it. The cut must be exactly what measuring every such pair gives:
    two boundaries leaving a common vertex 4e-3 rad apart along 0.5° edges that
    bow 30 m (and, redrawn, a vertex 1e-7° beside a densified one)."""
    import frontmap.read.densify as d

    a = shapely.Polygon([(30.0, 50.0), (30.5, 50.0), (30.25, 49.8)])
    b = shapely.Polygon([(30.0, 50.0), (30.5, 50.002), (30.25, 50.2)])
    c = densify(shapely.Polygon([(30.0, 50.0), (31.5, 50.3), (32.0, 51.2), (30.2, 51.0)]))
    e = densify(shapely.Polygon([(30.0, 50.0), (30.75, 50.15), (31.5, 50.3000001),
                                 (31.9, 51.0), (30.2, 51.0)]))
    plain = d._meets_inside
    measured_pairs = []

    def exact(qa, qb, ta, tb, near, turn_at_most, turn, turn_at_least):
        def counted(k):
            measured_pairs.append(len(k))
            return turn(k)
        # (no bound from below: every pair under the bound from above is measured)
        return plain(qa, qb, ta, tb, near, turn_at_most, counted,
                     np.full(len(turn_at_most), -np.inf))

    for geoms in ([a, b], [c, e], [a, b, c, e]):
        for changed_only in (False, True):
            with_bounds = d.refine_crossings(geoms, changed_only=changed_only)
            with monkeypatch.context() as m:
                m.setattr(d, "_meets_inside", exact)
                measured = d.refine_crossings(geoms, changed_only=changed_only)
            assert [shapely.to_wkb(g) for g in with_bounds] == [
                shapely.to_wkb(g) for g in measured]
    assert sum(measured_pairs) > 0  # (there were pairs to measure)
