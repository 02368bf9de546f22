"""Every pair of overlapping boxes between two sets, in numpy (a spatial join).

:func:`box_pairs` gives the pairs a ``shapely.STRtree`` of the boxes would
give for a query with the others (boxes that touch count), without making a
shapely geometry for each box: the finer cut of :mod:`.densify` asks it for
tens of thousands of short edges at a time, where making the boxes cost as
much as the query.

The boxes go into the cells of a uniform grid sized to the boxes themselves;
two boxes are paired in the cell that holds the lower left corner of their
overlap, once, and only when they really overlap. Boxes spanning many cells
(a long edge among short ones) are paired with every box of the other set by
a plain comparison instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_pairs"]

#: a box spanning more cells than this is compared with every box of the other set
_MAX_CELLS = 16
#: the most cells along a side of the grid
_MAX_SPAN = 1_000_000
#: at most this many pairs of boxes compared at a time by the plain comparison
_BLOCK = 4_000_000


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
    pairs = [_grid_pairs(q, t, cell, x0, y0, q_group, t_group)]
    for iq, it in _wide_pairs(q, t, cell, x0, y0):
        mine = q_group[iq] == t_group[it]
        pairs.append((iq[mine], it[mine]))
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


def _grid_pairs(q, t, cell, x0, y0, q_group, t_group):
    """The pairs of boxes of one group that span few cells each, met in the cell of
    their overlap's lower left corner."""
    qx, qy, qb = _expand(q, ~_wide(q, cell, x0, y0), cell, x0, y0)
    tx, ty, tb = _expand(t, ~_wide(t, cell, x0, y0), cell, x0, y0)
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


def _wide_pairs(q, t, cell, x0, y0):
    """The pairs in which either box spans many cells, by plain comparison."""
    wq, wt = np.flatnonzero(_wide(q, cell, x0, y0)), np.flatnonzero(_wide(t, cell, x0, y0))
    out = []
    # a wide box of q against every box of t
    for iq, it in _all_against(wq, len(t)):
        ok = _overlap(q, t, iq, it)
        out.append((iq[ok], it[ok]))
    # a wide box of t against every narrow box of q (the wide ones of q are above)
    narrow_q = np.flatnonzero(~_wide(q, cell, x0, y0))
    for it, k in _all_against(wt, len(narrow_q)):
        iq = narrow_q[k]
        ok = _overlap(q, t, iq, it)
        out.append((iq[ok], it[ok]))
    return out


def _all_against(few: np.ndarray, n: int):
    """Blocks of (each of ``few`` repeated, every index below ``n``)."""
    if len(few) == 0 or n == 0:
        return
    per = max(1, _BLOCK // n)
    for s in range(0, len(few), per):
        f = few[s:s + per]
        yield np.repeat(f, n), np.tile(np.arange(n), len(f))
