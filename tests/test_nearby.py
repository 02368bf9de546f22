"""``within_distance`` finds the parts of a line within a distance of a polygon
edge by edge (front lines use it in place of a buffer): checked point by point
against GEOS's exact distance, and against a finely rounded buffer."""

from __future__ import annotations

import math

import numpy as np
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frontmap.analysis.nearby import within_distance


def star(cx, cy, radii, turn=0.0):
    a = [turn + 2 * math.pi * k / len(radii) for k in range(len(radii))]
    return shapely.Polygon(
        [(cx + r * math.cos(t), cy + r * math.sin(t)) for r, t in zip(radii, a, strict=True)]
    )


def samples(lines, per_segment=23):
    """Points along every segment of ``lines``: its vertices and points between."""
    pts = []
    for part in shapely.get_parts(lines):
        c = shapely.get_coordinates(part)
        u = np.linspace(0.0, 1.0, per_segment)[:, None]
        for a, b in zip(c[:-1], c[1:], strict=True):
            pts.append(a + u * (b - a))
    return np.concatenate(pts) if pts else np.zeros((0, 2))


def agrees_with_geos(lines, polygon, d, margin=1e-9):
    """Every sampled point of ``lines`` clearly within ``d`` of ``polygon`` (by GEOS's
    exact distance) lies on the answer; every point clearly farther lies off it."""
    got = within_distance(lines, shapely.boundary(polygon), polygon, d)
    assert got.geom_type == "MultiLineString"
    pts = samples(lines)
    if len(pts) == 0:
        assert got.is_empty
        return got
    p = shapely.points(pts)
    dist = shapely.distance(polygon, p)
    on = shapely.distance(got, p) if not got.is_empty else np.full(len(pts), np.inf)
    near, far = dist < d * (1 - 1e-6), dist > d * (1 + 1e-6)
    assert np.all(on[near] <= margin), pts[near][on[near] > margin][:5]
    assert np.all(on[far] > 0), pts[far][on[far] == 0][:5]
    # and every piece of the answer lies within d of the polygon
    for piece in shapely.get_parts(got):
        assert shapely.distance(polygon, piece) <= d
    on_pts = samples(got, 7)
    if len(on_pts):
        assert np.all(shapely.distance(polygon, shapely.points(on_pts)) <= d * (1 + 1e-9))
    return got


def buffer_length(lines, polygon, d):
    return shapely.intersection(lines, shapely.buffer(polygon, d, quad_segs=512)).length


radii = st.lists(st.floats(0.3, 1.0), min_size=4, max_size=30)


@settings(max_examples=150, deadline=None)
@given(radii, radii, st.floats(-1.5, 1.5), st.floats(-1.5, 1.5), st.floats(0, 6.3),
       st.floats(0.001, 0.3), st.booleans())
def test_random_borders_match_exact_distances(r1, r2, cx, cy, turn, d, hole):
    a = star(cx, cy, r1, turn)
    b = star(0, 0, r2)
    if hole:
        b = shapely.Polygon(b.exterior, [star(0.02, 0.01, [0.1] * 8).exterior])
    assume(b.is_valid)
    got = agrees_with_geos(shapely.boundary(a), b, d)
    # the buffer's answer, its round ends drawn with 512 segments a quarter circle,
    # differs only by those ends' chords
    assert abs(got.length - buffer_length(shapely.boundary(a), b, d)) <= 1e-5 * d * (
        1 + len(shapely.get_parts(got))
    ) + 1e-9


def test_a_line_inside_far_outside_and_crossing():
    sq = shapely.box(0, 0, 10, 10)
    inside = shapely.LineString([(2, 2), (8, 2), (8, 8)])
    got = agrees_with_geos(inside, sq, 0.5)
    assert abs(got.length - inside.length) < 1e-12
    assert len(got.geoms) == 1  # one piece, not one per segment
    far = shapely.LineString([(20, 0), (20, 10)])
    assert within_distance(far, shapely.boundary(sq), sq, 0.5).is_empty
    across = shapely.LineString([(-5, 5), (15, 5)])
    got = agrees_with_geos(across, sq, 0.5)
    assert abs(got.length - 11.0) < 1e-12
    c = shapely.get_coordinates(got)
    assert abs(c[0, 0] + 0.5) < 1e-12 and abs(c[-1, 0] - 10.5) < 1e-12


def test_round_ends_are_exact_circles():
    # a line passing a corner of the square: the points within d of the corner form
    # a chord of the circle of radius d around it, of length 2 sqrt(d² - h²) (with
    # h >= d / sqrt(2) the chord stays where the corner is the nearest point)
    sq = shapely.box(0, 0, 1, 1)
    h, d = 0.4, 0.5
    line = shapely.LineString([(1 + h / math.sqrt(2) - 2, 1 + h / math.sqrt(2) + 2),
                               (1 + h / math.sqrt(2) + 2, 1 + h / math.sqrt(2) - 2)])
    got = agrees_with_geos(line, sq, d)
    assert abs(got.length - 2 * math.sqrt(d * d - h * h)) < 1e-12


def test_parallel_segments_repeated_vertices_and_closed_rings():
    sq = shapely.box(0, 0, 1, 1)
    # running alongside the top edge at exactly d, with a repeated vertex
    along = shapely.LineString([(-1, 1.25), (0.5, 1.25), (0.5, 1.25), (2, 1.25)])
    got = agrees_with_geos(along, sq, 0.25)
    assert abs(got.length - 1.0) < 1e-9  # x from 0 to 1: the corners touch it
    # a ring around the square within d of it everywhere: the whole ring
    ring = shapely.box(-0.1, -0.1, 1.1, 1.1).exterior
    got = agrees_with_geos(ring, sq, 0.2)
    assert abs(got.length - ring.length) < 1e-12
    # a line lying on the boundary itself
    on = shapely.LineString([(0, 0), (1, 0), (1, 1)])
    got = agrees_with_geos(on, sq, 1e-9)
    assert abs(got.length - 2.0) < 1e-12


def test_multilines_keep_their_pieces_apart_and_empty_inputs():
    sq = shapely.box(0, 0, 1, 1)
    two = shapely.MultiLineString([[(0.2, 0.5), (0.4, 0.5)], [(0.4, 0.5), (0.8, 0.5)]])
    got = agrees_with_geos(two, sq, 0.1)
    assert len(got.geoms) == 2  # separate linestrings of the input are not joined
    assert within_distance(shapely.MultiLineString(), shapely.boundary(sq), sq, 0.1).is_empty
    # no boundary near: the line is judged by whether it lies inside
    got = within_distance(shapely.LineString([(0.2, 0.5), (0.8, 0.5)]),
                          shapely.MultiLineString(), sq, 0.1)
    assert abs(got.length - 0.6) < 1e-12


def test_a_detailed_border_matches_the_buffer():
    # two jagged neighbours sharing a wiggly border, as detailed data has them
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, 2001)
    y = 0.5 + 0.01 * np.cumsum(rng.normal(size=x.size)) / 10
    left = shapely.Polygon(np.r_[np.c_[x, y], [[1, 0], [0, 0]]])
    right = shapely.Polygon(np.r_[np.c_[x, y + rng.uniform(0, 2e-4, x.size)], [[1, 1], [0, 1]]])
    d = 3e-4
    got = agrees_with_geos(shapely.boundary(left), right, d)
    want = buffer_length(shapely.boundary(left), right, d)
    assert abs(got.length - want) <= 1e-6 * want
