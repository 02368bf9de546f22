"""Every pair of overlapping boxes between two sets, in numpy (a spatial join).

:func:`box_pairs` gives the pairs a ``shapely.STRtree`` of the boxes would
give for a query with the others (boxes that touch count), without making a
shapely geometry for each box: the finer cut of :mod:`.densify` asks it for
tens of thousands of short edges at a time, where making the boxes cost as
much as the query.

The boxes go into the cells of a uniform grid sized to the boxes themselves;
two boxes are paired in the cell that holds the lower left corner of their
overlap, once, and only when they really overlap. Boxes spanning many cells
(long edges among short ones) go into a coarser grid, _COARSER times coarser
at each level, the first in which they span few cells: each pair of boxes is
met in the grid of the coarser of the two (a plain comparison of every long
edge with every short one took 17 s of a clipped diff of the Ukraine archive:
5,600 long edges, 4,400 of them spanning many cells, against 140,000 short).
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_pairs"]

#: a box spanning more cells than this goes into a coarser grid
_MAX_CELLS = 16
#: each grid's cells are this many times as wide as the finer one's
_COARSER = 4
#: the most cells along a side of the grid
_MAX_SPAN = 1_000_000


def box_pairs(
    q: np.ndarray, t: np.ndarray, q_group: np.ndarray | None = None,
    t_group: np.ndarray | None = None, sort: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(indices into ``q``, indices into ``t``) of every pair of boxes, one from each,
    that overlap or touch. Boxes are rows (xmin, ymin, xmax, ymax), finite. The
    pairs come sorted by the ``q`` index, then the ``t`` index (``sort=False``: in
    an order of their own, the same for the same boxes).

    ``q_group``, ``t_group`` (non-negative integers, one per box, both or neither):
    only boxes of the same group are paired."""
    q, t = np.asarray(q, dtype=float).reshape(-1, 4), np.asarray(t, dtype=float).reshape(-1, 4)
    if q_group is None or t_group is None:
        q_group, t_group = np.zeros(len(q), dtype=np.int64), np.zeros(len(t), dtype=np.int64)
    q_group = np.asarray(q_group, dtype=np.int64)
    t_group = np.asarray(t_group, dtype=np.int64)
    if len(q) == 0 or len(t) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    groups = int(max(q_group.max(), t_group.max())) + 1
    if groups > 2**62 // (_MAX_SPAN + 1) ** 2:
        raise ValueError(f"box_pairs: {groups} groups are too many")
    both = np.vstack([q, t])
    size = np.maximum(both[:, 2] - both[:, 0], both[:, 3] - both[:, 1])
    # cells about twice the usual box: most boxes fall in one to four of them
    x0, y0 = float(both[:, 0].min()), float(both[:, 1].min())
    extent = max(float(both[:, 2].max()) - x0, float(both[:, 3].max()) - y0)
    # (at most _MAX_SPAN cells a side, so that a cell's key fits in 64 bits)
    sample = size[:: max(1, len(size) // 2000)]  # (the median of a sample)
    typical = float(np.partition(sample, len(sample) // 2)[len(sample) // 2])
    cell = max(2.0 * typical, extent / _MAX_SPAN, 1e-300)
    # each box's grid: the first in which it spans few cells (level 0: the finest)
    q_level, t_level = _levels(q, cell, x0, y0), _levels(t, cell, x0, y0)
    pairs = []
    for level in range(int(max(q_level.max(), t_level.max())) + 1):
        c = cell * _COARSER**level
        # the pairs of boxes whose coarser one is of this level, met in its grid
        for q_in, t_in in ((q_level == level, t_level <= level),
                           (q_level < level, t_level == level)):
            if q_in.any() and t_in.any():
                pairs.append(_grid_pairs(q, t, c, x0, y0, q_group, t_group, q_in, t_in))
    iq = np.concatenate([p[0] for p in pairs])
    it = np.concatenate([p[1] for p in pairs])
    if not sort:
        return iq, it
    order = np.lexsort((it, iq))
    return iq[order], it[order]


def _cells(boxes, cell, x0, y0):
    """The cell ranges (cx0, cy0, cx1, cy1) of each box, inclusive."""
    c = np.floor((boxes - np.array([x0, y0, x0, y0])) / cell).astype(np.int64)
    return c[:, 0], c[:, 1], c[:, 2], c[:, 3]


def _wide(boxes, cell, x0, y0):
    cx0, cy0, cx1, cy1 = _cells(boxes, cell, x0, y0)
    return (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > _MAX_CELLS


def _levels(boxes, cell, x0, y0) -> np.ndarray:
    """The grid of each box: the first level at which it spans at most _MAX_CELLS cells
    (a grid coarser than the whole extent holds every box in four at most)."""
    level = np.zeros(len(boxes), dtype=np.int64)
    wide = np.flatnonzero(_wide(boxes, cell, x0, y0))
    while len(wide):
        level[wide] += 1
        cell *= _COARSER
        wide = wide[_wide(boxes[wide], cell, x0, y0)]
    return level


def _expand(boxes, keep, cell, x0, y0):
    """(cell key, box index) for every cell each kept box covers."""
    idx = np.flatnonzero(keep)
    cx0, cy0, cx1, cy1 = (c[idx] for c in _cells(boxes, cell, x0, y0))
    nx, ny = cx1 - cx0 + 1, cy1 - cy0 + 1
    n = nx * ny
    box = np.repeat(idx, n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)  # the cell's place in its box
    nxr = np.repeat(nx, n)
    cx = np.repeat(cx0, n) + k % nxr
    cy = np.repeat(cy0, n) + k // nxr
    return cx, cy, box


def _overlap(q, t, iq, it):
    return ((q[iq, 0] <= t[it, 2]) & (t[it, 0] <= q[iq, 2])
            & (q[iq, 1] <= t[it, 3]) & (t[it, 1] <= q[iq, 3]))


def _grid_pairs(q, t, cell, x0, y0, q_group, t_group, q_in, t_in):
    """The pairs of boxes of one group, of ``q`` where ``q_in`` and of ``t`` where
    ``t_in`` (boxes that span few cells each), met in the cell of their overlap's lower
    left corner."""
    qx, qy, qb = _expand(q, q_in, cell, x0, y0)
    tx, ty, tb = _expand(t, t_in, cell, x0, y0)
    if len(qb) == 0 or len(tb) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = min(int(qy.min()), int(ty.min()))
    span = max(int(qy.max()), int(ty.max())) - lo + 1
    # a cell of one group: (group, column, row) in one integer
    width = (max(int(qx.max()), int(tx.max())) + 1) * span
    qkey = q_group[qb] * width + qx * span + (qy - lo)
    tkey = t_group[tb] * width + tx * span + (ty - lo)
    order = np.argsort(tkey, kind="stable")
    tkey, tb = tkey[order], tb[order]
    # each cell's run of t boxes: where it starts, how many
    first = np.flatnonzero(np.r_[True, tkey[1:] != tkey[:-1]])
    cells, runs = tkey[first], np.diff(np.r_[first, len(tkey)])
    at_cell = np.minimum(np.searchsorted(cells, qkey), len(cells) - 1)
    found = cells[at_cell] == qkey
    start = first[at_cell]
    n = np.where(found, runs[at_cell], 0)
    iq = np.repeat(qb, n)
    at = np.repeat(start, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
    it = tb[at]
    key = np.repeat(qkey, n)
    ok = _overlap(q, t, iq, it)
    iq, it, key = iq[ok], it[ok], key[ok]
    # the cell of the overlap's lower left corner: each pair counted there only
    corner_x = np.floor((np.maximum(q[iq, 0], t[it, 0]) - x0) / cell).astype(np.int64)
    corner_y = np.floor((np.maximum(q[iq, 1], t[it, 1]) - y0) / cell).astype(np.int64)
    once = q_group[iq] * width + corner_x * span + (corner_y - lo) == key
    return iq[once], it[once]
