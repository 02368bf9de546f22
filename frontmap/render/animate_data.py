"""Every snapshot of a series, prepared once for an animated map (rendering).

The map of every date is drawn from one set of *faces*: the overlay of every
territory boundary of every date (after rounding to the display grid of
1e-5 degrees). Each face has one holder on each date (a faction, contested
ground, or nobody), so the geometry is stored once and each date is a short
list of the faces whose holder changed since the date before. The faces form a
coverage, so :func:`shapely.coverage_simplify` simplifies every shared border
once for all dates: neighbours keep one border, no gaps or overlaps open, and a
border that did not move is drawn identically on every date.

Two passes, both streaming (memory does not grow with the number of dates
beyond the output itself): the first reads each snapshot once, rounds it,
keeps the boundary edges that differ from the day before, measures it (areas
and parts, the numbers ``frontmap areas`` prints) and spools the rounded
territories to a temporary file; the second reads them back from the spool to
label the faces on each date.
"""

from __future__ import annotations

import datetime as dt
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely

from ..analysis.measure import CONTESTED
from ..analysis.series import AreaSeries, area_series
from ..errors import DataError
from ..read.factions import FactionTable
from ..read.model import Snapshot
from .scene import CONTESTED_COLOR, TOLERANCE_SHARE, _safe_color

__all__ = ["AnimationData", "animation_data", "Spool", "GRID", "SCALE"]

#: the display grid: coordinates are whole multiples of this (about a metre)
GRID = 1e-5
SCALE = 100_000  # 1 / GRID


class Spool:
    """Snapshots written to a temporary file (WKB) and read back in order, so that a
    second pass over a series needs neither the input files nor memory."""

    def __init__(self):
        self._fh = tempfile.TemporaryFile(prefix="frontmap-spool-")
        self.count = 0

    def write(self, date: dt.date, territories: dict[str, shapely.Geometry]) -> None:
        head = date.isoformat().encode("ascii")
        items = [(f.encode("utf-8"), shapely.to_wkb(g)) for f, g in territories.items()]
        self._fh.write(struct.pack("<HH", len(head), len(items)) + head)
        for fid, wkb in items:
            self._fh.write(struct.pack("<HI", len(fid), len(wkb)) + fid + wkb)
        self.count += 1

    def __iter__(self) -> Iterator[tuple[dt.date, dict[str, shapely.Geometry]]]:
        fh = self._fh
        fh.flush()
        fh.seek(0)
        for _ in range(self.count):
            n_head, n_items = struct.unpack("<HH", fh.read(4))
            date = dt.date.fromisoformat(fh.read(n_head).decode("ascii"))
            terr = {}
            for _ in range(n_items):
                n_fid, n_wkb = struct.unpack("<HI", fh.read(6))
                fid = fh.read(n_fid).decode("utf-8")
                terr[fid] = shapely.from_wkb(fh.read(n_wkb))
            yield date, terr

    def close(self) -> None:
        self._fh.close()


@dataclass
class AnimationData:
    """Faces, their holder on every date, and the series (areas, parts, events)."""

    series: AreaSeries
    #: holder ids: the factions (display order), then ``contested``
    holders: list[str]
    names: list[str]
    colors: list[str]
    #: simplified faces (only those held on some date)
    faces: list[shapely.Geometry]
    #: for each date, the faces whose holder changed: (face index, holder index or -1)
    changes: list[list[tuple[int, int]]]
    extent: tuple[float, float, float, float]
    tolerance: float
    edges: int = 0
    stats: dict = field(default_factory=dict)

    def labels_on(self, i: int) -> np.ndarray:
        """Each face's holder index on date ``i`` (-1: nobody)."""
        lab = np.full(len(self.faces), -1, dtype=np.int32)
        for k in range(i + 1):
            for f, h in self.changes[k]:
                lab[f] = h
        return lab

    def drawn(self, i: int) -> dict[str, shapely.Geometry]:
        """The simplified ground of each holder on date ``i`` (for tests and images)."""
        lab = self.labels_on(i)
        out = {}
        for h, hid in enumerate(self.holders):
            idx = np.flatnonzero(lab == h)
            if len(idx):
                out[hid] = shapely.union_all([self.faces[j] for j in idx])
        return out


def _rounded(geom) -> shapely.Geometry:
    return shapely.set_precision(geom, GRID)


def _edge_set(territories: dict) -> set:
    """Undirected boundary edges of all territories, as integer grid coordinates."""
    geoms = [g for g in territories.values() if g is not None and not g.is_empty]
    if not geoms:
        return set()
    rings = shapely.get_rings(shapely.get_parts(shapely.get_parts(geoms)))
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(xy * SCALE).astype(np.int64)
    same = idx[1:] == idx[:-1]
    a, b = q[:-1][same], q[1:][same]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    keep = ~((lo == hi).all(axis=1))
    e = np.hstack([lo[keep], hi[keep]])
    return set(map(tuple, e.tolist()))


def _faces(edges: np.ndarray) -> list[shapely.Geometry]:
    """The faces of the arrangement of all edges (integer grid coordinates)."""
    if len(edges) == 0:
        return []
    xy = edges.reshape(-1, 2, 2).astype(float) / SCALE
    lines = shapely.linestrings(xy)
    noded = shapely.union_all(lines, grid_size=GRID)
    return list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded)))))


def animation_data(
    snapshots: Iterable[Snapshot],
    factions: FactionTable,
    *,
    min_part_km2: float = 1.0,
    tolerance: float | None = None,
    events: bool = True,
) -> AnimationData:
    """Read ``snapshots`` once (in date order) and prepare them for an animated map.

    ``tolerance`` (degrees) is the simplification tolerance; by default
    :data:`~frontmap.render.scene.TOLERANCE_SHARE` of the extent's width.
    Raises :class:`~frontmap.errors.DataError` when there is no territory.
    """
    spool = Spool()
    seen: list[np.ndarray] = []
    state: dict = {"prev": set()}

    def tap(snaps: Iterable[Snapshot]) -> Iterator[Snapshot]:
        for snap in snaps:
            q = {f: _rounded(g) for f, g in snap.territories.items()}
            q = {f: g for f, g in q.items() if not g.is_empty}
            cur = _edge_set(q)
            new = cur - state["prev"]
            if new:
                seen.append(np.array(sorted(new), dtype=np.int64))
            state["prev"] = cur
            spool.write(snap.date, q)
            yield snap

    try:
        series = area_series(tap(snapshots), min_part_km2, events=events)
        if not series.dates:
            raise DataError("no snapshots to animate")
        series = series.ordered(factions.order(series.factions))
        edges = np.unique(np.vstack(seen), axis=0) if seen else np.empty((0, 4), np.int64)
        faces = _faces(edges)
        if not faces:
            raise DataError("nothing to animate: no territory on any date")
        holders = [*series.factions, CONTESTED]
        index = {h: k for k, h in enumerate(holders)}
        pts = shapely.point_on_surface(faces)
        px, py = shapely.get_x(pts), shapely.get_y(pts)
        labels = np.full(len(faces), -1, dtype=np.int32)
        raw_changes: list[tuple[np.ndarray, np.ndarray]] = []
        for _date, terr in spool:
            count = np.zeros(len(faces), dtype=np.int32)
            which = np.full(len(faces), -1, dtype=np.int32)
            for fid, g in terr.items():
                shapely.prepare(g)
                x0, y0, x1, y1 = shapely.bounds(g)
                cand = np.flatnonzero((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))
                inside = cand[shapely.contains_xy(g, px[cand], py[cand])]
                count[inside] += 1
                which[inside] = index[fid]
            now = np.where(count > 1, index[CONTESTED], which)
            diff = np.flatnonzero(now != labels)
            raw_changes.append((diff, now[diff]))
            labels = now
    finally:
        spool.close()
    held = np.zeros(len(faces), dtype=bool)
    for f, _h in raw_changes:
        held[f] = True
    bounds = shapely.bounds([faces[i] for i in np.flatnonzero(held)])
    extent = (
        float(bounds[:, 0].min()),
        float(bounds[:, 1].min()),
        float(bounds[:, 2].max()),
        float(bounds[:, 3].max()),
    )
    width = max(extent[2] - extent[0], extent[3] - extent[1], 1e-6)
    tol = float(tolerance) if tolerance is not None else width * TOLERANCE_SHARE
    simple = shapely.coverage_simplify(faces, tol)
    keep = np.flatnonzero(held & ~shapely.is_empty(simple))
    renumber = np.full(len(faces), -1, dtype=np.int64)
    renumber[keep] = np.arange(len(keep))
    changes = []
    for f, h in raw_changes:
        ok = renumber[f] >= 0
        changes.append(list(zip(renumber[f][ok].tolist(), h[ok].tolist(), strict=True)))
    names = [factions.get(f).name for f in series.factions] + ["Contested (two or more)"]
    colors = [_safe_color(factions.get(f).color) for f in series.factions] + [CONTESTED_COLOR]
    return AnimationData(
        series=series,
        holders=holders,
        names=names,
        colors=colors,
        faces=[simple[i] for i in keep],
        changes=changes,
        extent=extent,
        tolerance=tol,
        edges=len(edges),
        stats={"faces_overlay": len(faces), "faces": len(keep), "edges": len(edges)},
    )


def encode_ring(coords: np.ndarray, origin: tuple[int, int]) -> list[int]:
    """A ring as integer grid offsets: first point from ``origin``, then deltas
    (the closing point left out); consecutive repeats dropped."""
    q = np.rint(coords * SCALE).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (q[1:] != q[:-1]).any(axis=1)
    q = q[keep]
    if len(q) < 3:
        return []
    d = np.empty_like(q)
    d[0] = q[0] - np.array(origin)
    d[1:] = q[1:] - q[:-1]
    return d.ravel().tolist()


def encode_face(geom, origin: tuple[int, int]) -> list[list[int]]:
    """A face (polygon, maybe with holes, or a multipolygon) as encoded rings."""
    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            r = encode_ring(shapely.get_coordinates(ring), origin)
            if r:
                rings.append(r)
    return rings
