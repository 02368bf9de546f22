"""The numpy join of boxes (frontmap.read.boxjoin) against shapely's STRtree."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from frontmap.read.boxjoin import box_pairs


def tree_pairs(q, t, qg=None, tg=None):
    """The pairs an STRtree of the boxes of ``t`` gives for the boxes of ``q`` (those
    that touch count), of one group, sorted."""
    if len(q) == 0 or len(t) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i, j = shapely.STRtree(shapely.box(*t.T)).query(shapely.box(*q.T))
    if qg is not None:
        same = qg[i] == tg[j]
        i, j = i[same], j[same]
    order = np.lexsort((j, i))
    return i[order], j[order]


def boxes(rng, n, scale, digits):
    """``n`` boxes with corners on a coarse grid (so that many touch exactly), sizes
    about ``scale``, a few far larger (they span many cells) and a few points."""
    lo = np.round(rng.uniform(-2.0, 2.0, (n, 2)), digits)
    size = np.abs(rng.normal(0.0, scale, (n, 2)))
    size[rng.uniform(size=n) < 0.05] = 0.0
    size[rng.uniform(size=n) < 0.05] *= 300.0
    return np.hstack([lo, lo + np.round(size, digits + 2)])


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 250), m=st.integers(0, 250),
       scale=st.floats(1e-7, 2.0), digits=st.integers(0, 6), groups=st.integers(0, 4))
def test_box_pairs_are_the_pairs_an_strtree_finds(seed, n, m, scale, digits, groups):
    rng = np.random.default_rng(seed)
    q, t = boxes(rng, n, scale, digits), boxes(rng, m, scale, digits)
    if groups:
        qg, tg = rng.integers(0, groups, n), rng.integers(0, groups, m)
        got = box_pairs(q, t, qg, tg)
        want = tree_pairs(q, t, qg, tg)
    else:
        got, want = box_pairs(q, t), tree_pairs(q, t)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_box_pairs_of_touching_identical_and_nested_boxes():
    q = np.array([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
    t = np.array([[1.0, 1.0, 3.0, 3.0],   # touches q0 at a corner, holds the point q1
                  [0.0, 0.0, 1.0, 1.0],   # q0 itself
                  [0.25, 0.25, 0.5, 0.5],  # inside q0
                  [6.0 + 1e-12, 5.0, 7.0, 6.0]])  # just apart from q2
    i, j = box_pairs(q, t)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert [len(x) for x in box_pairs(q[:0], t)] == [0, 0]


def test_box_pairs_refuses_more_groups_than_its_keys_hold():
    one = np.array([[0.0, 0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match="groups"):
        box_pairs(one, one, np.array([2**40]), np.array([0]))


def test_box_pairs_across_many_sizes_of_box():
    """Boxes from 1e-6 to 1 across (long edges among short ones, as in a clipped diff):
    they fall into grids of several levels, and the pairs are still exactly the
    STRtree's."""
    from frontmap.read.boxjoin import _levels

    rng = np.random.default_rng(7)
    for n, m in ((3000, 400), (400, 3000), (2000, 2000)):
        q, t = (np.hstack([lo, lo + 10.0 ** rng.uniform(-6, 0, (k, 2))])
                for lo, k in ((rng.uniform(0, 3, (n, 2)), n), (rng.uniform(0, 3, (m, 2)), m)))
        got, want = box_pairs(q, t), tree_pairs(q, t)
        assert len(want[0]) > min(n, m)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        both = np.vstack([q, t])
        typical = float(np.median(np.maximum(both[:, 2] - both[:, 0], both[:, 3] - both[:, 1])))
        assert len(np.unique(_levels(both, 2 * typical, 0.0, 0.0))) >= 3
