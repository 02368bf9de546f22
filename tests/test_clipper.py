"""The clip (--clip) walks the two boundaries instead of asking GEOS: it must give
GEOS's answer, and leave to GEOS whatever is not in general position."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frontmap.read.clipper import Clipper

from .conftest import plain_km2, rect


def star(cx, cy, radii, turn=0.0):
    """A star-shaped polygon around (cx, cy): valid by construction."""
    a = [turn + 2 * math.pi * k / len(radii) for k in range(len(radii))]
    pts = [(cx + r * math.cos(t), cy + r * math.sin(t)) for r, t in zip(radii, a, strict=True)]
    return shapely.Polygon(pts)


def same_as_geos(geom, outline):
    clip = Clipper(outline)
    got = clip(geom)
    want = shapely.intersection(geom, outline)
    want = shapely.MultiPolygon(
        [p for p in shapely.get_parts(want) if p.geom_type == "Polygon" and not p.is_empty]
    )
    if want.is_empty:
        assert got is None or got.area <= 1e-12
        return clip
    assert got is not None and got.is_valid
    assert abs(got.area - want.area) <= 1e-9 * want.area
    assert shapely.symmetric_difference(got, want).area <= 1e-9 * want.area
    assert len(shapely.get_parts(got)) == len(shapely.get_parts(want))
    return clip


radii = st.lists(st.floats(0.3, 1.0), min_size=5, max_size=40)
centre = st.floats(-0.8, 0.8)


@settings(max_examples=200, deadline=None)
@given(radii, radii, centre, centre, st.floats(0, 6.3), st.sampled_from(["", "lake", "hole"]),
       st.booleans(), st.booleans())
def test_random_stars_give_the_geos_answer(r1, r2, cx, cy, turn, hole, multi, islands):
    geom = star(cx, cy, r1, turn)
    if hole == "hole":  # a hole in the territory
        geom = shapely.Polygon(geom.exterior, [star(cx + 0.02, cy, [0.15] * 9).exterior])
    if multi:
        geom = shapely.MultiPolygon([geom, star(cx + 3, cy, r1)])
    outline = star(0, 0, [1.2 * r for r in r2])
    if hole == "lake":  # a lake in the outline
        outline = shapely.Polygon(outline.exterior, [star(0.05, 0.03, [0.2] * 7).exterior])
    if islands:  # an island the territory covers, one it does not
        outline = shapely.MultiPolygon(
            [outline, star(cx + 3, cy, [0.05] * 6), star(-5, -5, [0.1] * 5)]
        )
    clip = same_as_geos(geom, outline)
    # one walk or one GEOS call, or (two parts, one not in general position) halved
    assert clip.walked + clip.fallbacks <= (1 if not multi else 3)


def test_random_stars_are_walked_not_left_to_geos():
    rng = np.random.default_rng(3)
    walked = crossing = 0
    for _ in range(200):
        geom = star(*rng.uniform(-0.8, 0.8, 2), rng.uniform(0.3, 1, 25))
        outline = star(0, 0, rng.uniform(0.4, 1.2, 30))
        clip = same_as_geos(geom, outline)
        walked += clip.walked
        crossing += clip.walked + clip.fallbacks
    assert crossing >= 100 and walked == crossing


def test_the_walk_is_used_and_exact_on_a_detailed_outline():
    rng = np.random.default_rng(7)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 4000))
    r = 10 + rng.uniform(-0.3, 0.3, len(angles))
    outline = shapely.Polygon(np.column_stack([r * np.cos(angles), r * np.sin(angles)]))
    territory = shapely.Polygon(rect(3, -4, 14, 5, step=0.7))  # crosses the coast
    clip = same_as_geos(territory, outline)
    assert clip.walked == 1 and clip.fallbacks == 0


@pytest.mark.parametrize(
    "geom, outline",
    [
        (shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 2, 1)),  # edges on one line
        (shapely.box(0, 0, 1, 1), shapely.box(0, 0, 1, 1)),  # the same square
        (shapely.Polygon([(0, 0), (2, 0), (1, 1)]), shapely.box(0.5, 0.5, 3, 3)),  # vertex on edge
        (shapely.box(0, 0, 1, 1), shapely.Polygon([(1, 0.5), (2, 0), (2, 1)])),  # touching
    ],
)
def test_degenerate_cases_are_left_to_geos(geom, outline):
    clip = same_as_geos(geom, outline)
    assert clip.walked == 0


def test_a_vertex_on_the_line_of_an_edge_elsewhere_is_no_degeneracy():
    # the triangle's apex lies on the line x = 1 of the box's edge, but not on that edge
    clip = same_as_geos(shapely.Polygon([(0, 0), (2, 0), (1, 1)]), shapely.box(1, -1, 3, 0.5))
    assert clip.walked == 1


@pytest.mark.parametrize("offset", [0.0, 1e-15, 1e-13, 1e-11, 1e-9, 1e-7])
def test_vertices_all_but_on_the_other_boundary(offset):
    # a territory whose vertices lie within `offset` of the outline's edge x = 1
    geom = shapely.Polygon([(0, 0), (1 + offset, 0.25), (2, 0), (2, 1), (1 - offset, 0.75), (0, 1)])
    same_as_geos(geom, shapely.Polygon(rect(1, -1, 3, 2, step=0.05)))
    same_as_geos(shapely.Polygon(rect(1, -1, 3, 2, step=0.05)), geom)


def test_parts_inside_are_kept_as_they_are():
    outline = shapely.box(0, 0, 10, 10)
    inner = shapely.box(1, 1, 2, 2)
    clip = Clipper(outline)
    assert clip(inner) is inner
    assert clip(shapely.box(20, 20, 21, 21)) is None
    assert clip.walked == clip.fallbacks == 0


def test_only_the_parts_not_in_general_position_go_to_geos():
    outline = shapely.Polygon(rect(1, -1, 30, 2, step=0.05))
    # a triangle with its apex on the outline's edge x = 1, and nine squares across
    # its edge y = 2
    bad = shapely.Polygon([(0, 0), (1, 0.5), (0, 1)])
    fine = [shapely.box(0.513 + 3 * k, 1.5, 1.513 + 3 * k, 2.5) for k in range(1, 10)]
    geom = shapely.MultiPolygon([bad, *fine])
    clip = same_as_geos(geom, outline)
    assert clip.fallbacks == 1 and clip.walked >= 2


def _counted(geom, outline, min_km2):
    """(Clipper.count, the parts of the plain intersection that reach min_km2)."""
    from frontmap.analysis.measure import count_parts

    def exact(g):
        return count_parts(g, min_km2)

    clip = Clipper(outline)
    got = clip.count(geom, "k", min_km2, exact)
    want = shapely.intersection(geom, outline)
    parts = [p for p in shapely.get_parts(want) if p.geom_type == "Polygon" and not p.is_empty]
    return got, (None if not parts else sum(plain_km2(p) >= min_km2 for p in parts)), parts


@settings(max_examples=150, deadline=None)
@given(radii, radii, centre, centre, st.sampled_from(["", "lake", "hole"]), st.booleans(),
       st.floats(0.9, 1.1), st.integers(0, 5))
def test_parts_are_counted_as_the_intersection_has_them(r1, r2, cx, cy, hole, multi, near, pick):
    geom = star(cx, cy, r1)
    if hole == "hole":
        geom = shapely.Polygon(geom.exterior, [star(cx + 0.02, cy, [0.15] * 9).exterior])
    if multi:
        geom = shapely.MultiPolygon([geom, star(cx + 3, cy, r1)])
    outline = star(0, 0, [1.2 * r for r in r2])
    if hole == "lake":
        outline = shapely.Polygon(outline.exterior, [star(0.05, 0.03, [0.2] * 7).exterior])
    _, _, parts = _counted(geom, outline, 1.0)
    # a threshold at (or within 10% of) one of the pieces' areas: the estimates cannot
    # tell there, and the piece must be measured
    areas = sorted(plain_km2(p) for p in parts) or [1.0]
    min_km2 = areas[pick % len(areas)] * near
    # (a threshold equal to a piece's area is a tie that rounding decides either way)
    assume(all(abs(a - min_km2) > 1e-9 * a for a in areas))
    got, want, _ = _counted(geom, outline, min_km2)
    assert got == want


def test_parts_counted_on_a_detailed_outline_with_slivers():
    rng = np.random.default_rng(11)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 3000))
    r = 1 + rng.uniform(-0.002, 0.002, len(angles))  # a ragged coast: slivers both ways
    outline = shapely.Polygon(np.column_stack([30 + r * np.cos(angles), 50 + r * np.sin(angles)]))
    # a band along the coast, cut by it into many pieces of every size
    t = np.linspace(0, 2 * np.pi, 1201)[:-1] + 1e-4
    territory = shapely.Polygon(
        np.column_stack([30 + 1.0008 * np.cos(t), 50 + 1.0008 * np.sin(t)]),
        [np.column_stack([30 + 0.9992 * np.cos(t[::-1]), 50 + 0.9992 * np.sin(t[::-1])])])
    for min_km2 in (0.01, 0.1, 0.5, 1.0, 10.0, 1e5):
        got, want, parts = _counted(territory, outline, min_km2)
        assert len(parts) > 20 and got == want, min_km2
