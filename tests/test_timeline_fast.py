"""The windowed timeline gives the numbers of the plain overlay; parallel runs agree."""

import datetime as dt

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import frontmap
from frontmap.analysis.measure import components
from frontmap.analysis.timeline import change_windows, measure_territory, pair_change, timeline
from frontmap.build.parallel import executor
from frontmap.read.densify import densify, refine_crossings
from frontmap.read.model import Snapshot

from .conftest import plain_km2


def plain_change(a, b):
    """The whole overlay, where the two boundaries cross cut finer along their
    geodesics as frontmap does (refine_crossings: no area of a or b changes)."""
    a, b = refine_crossings([a, b])
    return plain_km2(shapely.difference(b, a)), plain_km2(shapely.difference(a, b))


def largest(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area)


def wiggly(seed, n=400, cx=37.5, cy=48.0, r=1.0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rad = r * (1 + 0.15 * np.sin(5 * t) + 0.05 * rng.standard_normal(n))
    ring = np.column_stack([cx + rad * np.cos(t) * 1.4, cy + rad * np.sin(t)])
    # densified as the reader densifies every territory it reads
    return densify(largest(shapely.make_valid(shapely.Polygon(np.round(ring, 6)))))


def moved(poly, seed, k=6, scale=0.02, repair=True):
    """The same polygon with a few vertex runs pushed around (a day at the front).

    With ``repair=False`` an invalid result is returned as it is: repairing a
    self-crossing ring puts new vertices exactly on old edges, a near-degenerate
    T-junction where any floating-point overlay may or may not node the vertex
    (and the geodesic measure then differs by the lens of that edge).
    """
    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(poly.exterior)[:-1].copy()
    for start in rng.integers(0, len(c), size=k):
        run = slice(start, min(start + rng.integers(2, 12), len(c)))
        c[run] += rng.normal(0, scale, size=(len(c[run]), 2))
    raw = shapely.Polygon(np.round(c, 6))
    if not repair:
        return raw
    return densify(largest(shapely.make_valid(raw)))


@pytest.mark.parametrize("seed", range(6))
def test_windowed_equals_plain_on_local_changes(seed):
    a = wiggly(seed)
    b = moved(a, seed + 100)
    got = pair_change(measure_territory(a), measure_territory(b))
    want = plain_change(a, b)
    assert got == pytest.approx(want, abs=1e-6)
    assert len(change_windows(measure_territory(a), measure_territory(b))) >= 1


def test_changes_everywhere_and_identical_snapshots():
    a = wiggly(1)
    everywhere = shapely.affinity.translate(a, 0.003, -0.002)  # every vertex moved
    got = pair_change(measure_territory(a), measure_territory(everywhere))
    assert got == pytest.approx(plain_change(a, everywhere), abs=1e-6)
    assert got[0] > 0 and got[1] > 0
    same = shapely.Polygon(shapely.get_coordinates(a.exterior)[::-1])  # other orientation
    assert pair_change(measure_territory(a), measure_territory(same)) == (0.0, 0.0)
    assert len(change_windows(measure_territory(a), measure_territory(same))) == 0


def test_appearing_and_vanishing_territory():
    a = measure_territory(wiggly(2))
    assert pair_change(None, a) == (a.area, 0.0)
    assert pair_change(a, None) == (0.0, a.area)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12), st.floats(0.0005, 0.01))
def test_windowed_equals_plain_property(seed, k, scale):
    a = wiggly(seed, n=200)
    b = moved(a, seed + 1, k=k, scale=scale, repair=False)
    assume(b.is_valid)
    got = pair_change(measure_territory(a), measure_territory(b))
    assert got == pytest.approx(plain_change(a, b), abs=1e-6)


def test_components_match_a_plain_search():
    rng = np.random.default_rng(0)
    for n in (1, 5, 50, 300):
        left = rng.integers(0, n, size=n // 2)
        right = rng.integers(0, n, size=n // 2)
        labels = components(n, left, right)
        # reference: repeated relaxation in pure python
        ref = list(range(n))
        changed = True
        while changed:
            changed = False
            for i, j in zip(left.tolist(), right.tolist(), strict=True):
                m = min(ref[i], ref[j])
                if ref[i] != m or ref[j] != m:
                    ref[i] = ref[j] = m
                    changed = True
        assert labels.tolist() == ref


def _series(n=30):
    base = wiggly(7, n=300)
    snaps, geom = [], base
    other = shapely.Polygon([(40, 47), (41, 47), (41, 48), (40, 48)])
    for i in range(n):
        if i % 5 != 3:  # every fifth day nothing changes
            geom = moved(geom, 1000 + i, k=3, scale=0.01)
        snaps.append(Snapshot(dt.date(2024, 1, 1) + dt.timedelta(days=i),
                              {"A": geom, "B": other}))
    return snaps


def test_series_matches_plain_and_parallel_is_identical():
    snaps = _series()
    serial = list(timeline(snaps))
    for r, (a, b) in zip(serial[::2], zip(snaps[:-1], snaps[1:], strict=True), strict=True):
        assert (r.gained_km2, r.lost_km2) == pytest.approx(
            plain_change(a.territories["A"], b.territories["A"]), abs=1e-6)
    with executor(2) as ex:
        parallel = list(timeline(snaps, executor=ex, chunk=4))
    assert parallel == serial


def test_rows_do_not_depend_on_how_many_dates_are_refined_at_once(monkeypatch):
    """The window pieces of several pairs of dates are refined in one call (see
    timeline._BATCH_DATES): the rows are those of one call per pair of dates, bit
    for bit, with two factions that share a moving border."""
    from frontmap.analysis import timeline as tl

    box = shapely.box(35.5, 46.0, 39.5, 50.0)
    snaps = [Snapshot(s.date, {"A": s.territories["A"],
                               "B": densify(box.difference(s.territories["A"]))})
             for s in _series(20)]
    batched = list(timeline(snaps))
    monkeypatch.setattr(tl, "_BATCH_DATES", 1)
    assert list(timeline(snaps)) == batched
    monkeypatch.setattr(tl, "_BATCH_DATES", 1000)
    monkeypatch.setattr(tl, "_BATCH_VERTICES", 1)  # (a call for each pair again)
    assert list(timeline(snaps)) == batched
    monkeypatch.setattr(tl, "_BATCH_VERTICES", 10**9)  # (one call for the whole series)
    assert list(timeline(snaps)) == batched
    assert any(r.faction == "B" and r.gained_km2 > 0 for r in batched)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_rows():
    distributed = pytest.importorskip("dask.distributed")
    snaps = _series(20)
    serial = list(timeline(snaps))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with executor(scheduler=cluster.scheduler_address) as ex:
            rows = list(timeline(snaps, executor=ex, chunk=3))
    assert rows == serial


@pytest.mark.slow
def test_real_archive_fast_path_equals_plain_overlay(shared_data, monkeypatch):
    from frontmap.analysis import timeline as timeline_module

    snaps = list(frontmap.iter_snapshots(shared_data / "ukraine-occupied-daily"))
    rows = list(timeline(snaps))
    assert len(rows) == 78
    monkeypatch.setattr(timeline_module, "_BATCH_DATES", 1)  # (a refine call per pair of dates)
    assert list(timeline(snaps)) == rows
    for r, a, b in zip(rows, snaps[:-1], snaps[1:], strict=True):
        ga, gb = a.territories["ukraine-occupied-daily"], b.territories["ukraine-occupied-daily"]
        want = plain_change(ga, gb)
        assert abs(r.gained_km2 - want[0]) < 0.01 and abs(r.lost_km2 - want[1]) < 0.01, r


def test_many_change_windows_take_the_merge_path_and_agree():
    """More than 64 changed places in one day: the windows are merged through the
    STRtree path (not the small-list one), and the numbers are still the plain overlay's."""
    from frontmap.analysis import windows as tl

    base = wiggly(11, n=2000, r=2.0)
    c = shapely.get_coordinates(base.exterior)[:-1].copy()
    rng = np.random.default_rng(5)
    for start in range(0, len(c) - 12, 25):  # 79 separate runs of moved vertices
        c[start : start + 4] += rng.normal(0, 0.004, size=(4, 2))
    day2 = largest(shapely.make_valid(shapely.Polygon(np.round(c, 6))))
    a, b = measure_territory(base), measure_territory(day2)
    windows = change_windows(a, b)
    runs = np.vstack(
        [tl.run_boxes(a.edges[~tl.shared(a, b)]), tl.run_boxes(b.edges[~tl.shared(b, a)])]
    )
    assert len(runs) > 64  # so change_windows merged them on the large path
    assert 10 < len(windows) < len(runs)  # some merged, many separate
    # the large path gives the same boxes as the simple one
    big, small = tl.merge_boxes(runs), tl._merge_small(runs)
    assert sorted(map(tuple, big.round(9).tolist())) == sorted(map(tuple, small.round(9).tolist()))
    # no two merged windows overlap
    boxes = shapely.box(*windows.T)
    left, right = shapely.STRtree(boxes).query(boxes, predicate="intersects")
    assert (left == right).all()
    gained, lost = pair_change(a, b)
    want_gained, want_lost = plain_change(base, day2)
    assert gained == pytest.approx(want_gained, rel=1e-9, abs=1e-9)
    assert lost == pytest.approx(want_lost, rel=1e-9, abs=1e-9)
