"""Where two versions of a territory differ: change windows from their edges (analysis).

Two snapshots of an archive share almost all of their boundary, so an overlay
of the two need only be done where they differ. Edges are compared as
directed segments after orienting every ring the same way; an edge that both
geometries have, with their interior on the same side, cannot lie on the
boundary of their symmetric difference. The bounding boxes of the changed
edges are merged until no two overlap: each connected piece of boundary of
the symmetric difference then lies in one convex window, and so does the
piece of ground it encloses. An overlay clipped to those windows gives the
same pieces as the overlay of the whole geometries, at the cost of the
changed ground instead of the whole territory.

:func:`frontmap.analysis.timeline.timeline` (every consecutive pair of an
archive) and :func:`frontmap.analysis.change.diff` (any two dates) both use
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..read.densify import edge_hashes
from .measure import components

__all__ = [
    "Edges",
    "edges_of",
    "edge_hashes",
    "shared",
    "change_windows",
    "change_boxes",
    "run_boxes",
    "merge_boxes",
    "covers_too_much",
    "clip_to_windows",
    "PAD",
    "OVERLAY_ALL_ABOVE",
]

#: windows are padded by this much (degrees) so pieces never touch their edge, even
#: where an edge that another boundary crosses is cut finer along its geodesic
#: (up to TOLERANCE_M, 0.1 m, off its chord; see frontmap.read.densify.refine_crossings)
PAD = 3e-6
#: when the windows cover more than this share of the territories' bounding box, overlay
#: the whole territories at once (cheaper than many windows)
OVERLAY_ALL_ABOVE = 0.25

@dataclass
class Edges:
    """The directed edges of a polygonal geometry's oriented rings, hashed."""

    edges: np.ndarray  # (n, 4) directed edges x1, y1, x2, y2 of the oriented rings
    keys: np.ndarray  # a 64-bit hash of each edge, sorted order in ``order``
    order: np.ndarray


def _edges(geom) -> np.ndarray:
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[1:] == idx[:-1]
    return np.ascontiguousarray(np.hstack([coords[:-1], coords[1:]])[same])


def edges_of(geom) -> Edges:
    """The hashed directed edges of a polygonal geometry (None or empty: none)."""
    if geom is None or geom.is_empty:
        edges = np.empty((0, 4))
    else:
        edges = _edges(shapely.orient_polygons(geom))
    keys = edge_hashes(edges)
    # any order of equal keys will do: matches are checked exactly
    return Edges(edges, keys, np.argsort(keys))


def shared(a, b) -> np.ndarray:
    """For each edge of ``a``: does ``b`` have exactly the same directed edge?

    Hashes find the candidate; the coordinates are then compared exactly, so a
    hash collision can never hide a change.
    """
    if len(b.keys) == 0 or len(a.keys) == 0:
        return np.zeros(len(a.keys), dtype=bool)
    sorted_b = b.keys[b.order]
    # sorted needles: the search walks sorted_b in order (3x faster on 70,000 edges)
    pos = np.searchsorted(sorted_b, a.keys[a.order])
    pos[pos == len(sorted_b)] = 0
    cand = np.empty_like(pos)
    cand[a.order] = b.order[pos]
    same = b.keys[cand] == a.keys
    same[same] = (b.edges[cand[same]] == a.edges[same]).all(axis=1)
    return same


def merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Merge overlapping (or touching) boxes into their bounding boxes until none overlap."""
    if len(boxes) <= 64:
        return _merge_small(boxes)
    while len(boxes) > 1:
        polys = shapely.box(*boxes.T)
        left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
        labels = components(len(boxes), left, right)
        roots, inverse = np.unique(labels, return_inverse=True)
        if len(roots) == len(boxes):
            break
        merged = np.empty((len(roots), 4))
        merged[:, :2] = np.inf
        merged[:, 2:] = -np.inf
        np.minimum.at(merged[:, 0], inverse, boxes[:, 0])
        np.minimum.at(merged[:, 1], inverse, boxes[:, 1])
        np.maximum.at(merged[:, 2], inverse, boxes[:, 2])
        np.maximum.at(merged[:, 3], inverse, boxes[:, 3])
        boxes = merged
    return boxes


def _merge_small(boxes: np.ndarray) -> np.ndarray:
    merged = [list(b) for b in boxes.tolist()]
    changed = True
    while changed and len(merged) > 1:
        changed = False
        out: list[list[float]] = []
        for b in sorted(merged):
            for o in out:
                if b[0] <= o[2] and o[0] <= b[2] and b[1] <= o[3] and o[1] <= b[3]:
                    o[0], o[1] = min(o[0], b[0]), min(o[1], b[1])
                    o[2], o[3] = max(o[2], b[2]), max(o[3], b[3])
                    changed = True
                    break
            else:
                out.append(b)
        merged = out
    return np.array(merged, dtype=float).reshape(-1, 4)


def change_boxes(a, b) -> np.ndarray:
    """Boxes (not yet merged) around the runs of edges that only one of a and b has."""
    return np.vstack([run_boxes(a.edges[~shared(a, b)]), run_boxes(b.edges[~shared(b, a)])])


def change_windows(a, b) -> np.ndarray:
    """Disjoint boxes (xmin, ymin, xmax, ymax) that hold every difference of a and b
    (anything with ``edges``, ``keys`` and ``order``: :class:`Edges`, or a
    :class:`frontmap.analysis.timeline.Measured`)."""
    boxes = change_boxes(a, b)
    if len(boxes) == 0:
        return boxes
    return merge_boxes(boxes)


def run_boxes(changed: np.ndarray) -> np.ndarray:
    """Bounding boxes of runs of consecutive changed edges (a ring's edges come in order)."""
    if len(changed) == 0:
        return np.empty((0, 4))
    xmin = np.minimum(changed[:, 0], changed[:, 2])
    ymin = np.minimum(changed[:, 1], changed[:, 3])
    xmax = np.maximum(changed[:, 0], changed[:, 2])
    ymax = np.maximum(changed[:, 1], changed[:, 3])
    breaks = np.ones(len(changed), dtype=bool)
    breaks[1:] = ~(changed[1:, :2] == changed[:-1, 2:]).all(axis=1)
    starts = np.flatnonzero(breaks)
    return np.column_stack(
        [
            np.minimum.reduceat(xmin, starts) - PAD,
            np.minimum.reduceat(ymin, starts) - PAD,
            np.maximum.reduceat(xmax, starts) + PAD,
            np.maximum.reduceat(ymax, starts) + PAD,
        ]
    )


def covers_too_much(windows: np.ndarray, geoms, limit: float | None = None) -> bool:
    """Whether the windows cover more than ``limit`` (default OVERLAY_ALL_ABOVE) of the
    bounding box of ``geoms`` (then one overlay of the whole geometries costs less)."""
    if limit is None:
        limit = OVERLAY_ALL_ABOVE
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return True
    bounds = shapely.bounds(present)
    full = (bounds[:, 2].max() - bounds[:, 0].min()) * (bounds[:, 3].max() - bounds[:, 1].min())
    covered = float(np.sum((windows[:, 2] - windows[:, 0]) * (windows[:, 3] - windows[:, 1])))
    return bool(full <= 0 or covered > limit * full)


def clip_to_windows(geoms, windows: np.ndarray) -> list[np.ndarray]:
    """Each of ``geoms`` cut to each window: per geometry an object array with one
    piece per window (empty where it has no ground there).

    ``clip_by_rect`` is fast but may return an invalid piece; in a window where
    any piece is invalid, every geometry is cut again with a plain intersection,
    so that all of them are always cut the same way (at the same points).
    """
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(np.array([_EMPTY] * len(windows), dtype=object))
        else:
            out.append(np.array([shapely.clip_by_rect(g, *box) for box in windows], dtype=object))
    if not out:
        return out
    dirty = ~np.logical_and.reduce([shapely.is_valid(c) for c in out])
    for i in np.flatnonzero(dirty):
        window = shapely.box(*windows[i])
        for g, c in zip(geoms, out, strict=True):
            if g is not None and not g.is_empty:
                c[i] = shapely.intersection(g, window)
    return out


_EMPTY = shapely.MultiPolygon()
