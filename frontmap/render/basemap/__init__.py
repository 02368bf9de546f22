"""The bundled basemap: Natural Earth land, coast and national borders, offline (rendering).

Two scales are bundled as data beside this module (see ``README.md`` here):
1:110m for regional views and 1:50m for views narrower than
:data:`NARROW_DEG` degrees. :func:`bundled_basemap` returns the part around a
box, ready to draw under the factions::

    from frontmap.render.basemap import bundled_basemap

    bm = bundled_basemap((35.5, 32.0, 42.5, 37.5))   # Syria: 1:50m
    bm.land, bm.borders, bm.coast, bm.countries[0]   # ('Syria', 38.6, 35.0, 185180.6)

The data are decoded once per scale and kept (:func:`functools.lru_cache`);
a call then only clips. Importing this module is light (numpy and shapely
load on the first call), so the command line can name it without slowing
``frontmap --help``.

Data: Natural Earth 4.1.0 "Admin 0 - Countries" (public domain), via the npm
package ``world-atlas`` 2.0.2 (ISC), converted by ``_source/convert.py``;
Crimea is drawn in Ukraine (see there).
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from ...errors import ArgumentError

if TYPE_CHECKING:
    import shapely

__all__ = [
    "Basemap",
    "CountryLabel",
    "bundled_basemap",
    "choose_scale",
    "SCALES",
    "NARROW_DEG",
    "MARGIN",
    "CREDIT",
]

#: the bundled scales, coarse to fine
SCALES = ("110m", "50m")
#: views narrower than this (in degrees of longitude or latitude) get 1:50m
NARROW_DEG = 15.0
#: the margin clipped around the bounds, as a share of their width and height (each side)
MARGIN = 1.0
#: a country gets a label where the circle inside its visible part is at least this
#: share of the view's width across
LABEL_MIN_SHARE = 0.035
#: the credit line for pages and images that draw it
CREDIT = "Basemap: Natural Earth"

BBox = tuple[float, float, float, float]


class CountryLabel(NamedTuple):
    """Where a country's name goes: (name, lon, lat, area_km2 of its part in view)."""

    name: str
    lon: float
    lat: float
    area_km2: float


@dataclass(frozen=True)
class Basemap:
    """The basemap around a box: everything in lon/lat WGS84, clipped to ``clip``."""

    #: land (Natural Earth countries merged), a MultiPolygon
    land: shapely.MultiPolygon
    #: national borders between countries (not coasts), a MultiLineString
    borders: shapely.MultiLineString
    #: the coastline (the outline of the land), a MultiLineString
    coast: shapely.MultiLineString
    #: label points for country names inside the bounds, largest visible part first
    countries: list[CountryLabel]
    #: "110m" or "50m"
    scale: str
    #: the box the geometry is clipped to (the bounds with their margin)
    clip: BBox


def _check_bounds(bounds) -> BBox:
    try:
        w, s, e, n = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise ArgumentError(f"bounds must be four numbers W, S, E, N, not {bounds!r}") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)) or not (
        -180 <= w < e <= 180 and -90 <= s < n <= 90
    ):
        raise ArgumentError(
            f"bounds {bounds!r} are not W, S, E, N in lon/lat "
            "(west < east within -180..180, south < north within -90..90)"
        )
    return (w, s, e, n)


def choose_scale(bounds) -> str:
    """``"50m"`` for a view narrower than :data:`NARROW_DEG` degrees both ways, else
    ``"110m"``."""
    w, s, e, n = _check_bounds(bounds)
    return "50m" if max(e - w, n - s) < NARROW_DEG else "110m"


def _pad(b: BBox, share: float) -> BBox:
    w, s, e, n = b
    dx, dy = (e - w) * share, (n - s) * share
    return (max(w - dx, -180.0), max(s - dy, -90.0), min(e + dx, 180.0), min(n + dy, 90.0))


# ---------------------------------------------------------------------------
# the data


def _raw(scale: str) -> dict:
    path = resources.files(__name__) / f"ne_{scale}.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))


def _hits(bounds, box: BBox):
    """Indices of the rows of ``bounds`` (W, S, E, N) that touch ``box``."""
    b = bounds
    return ((b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3])
            & (b[:, 3] >= box[1])).nonzero()[0].tolist()


class _World:
    """One scale of the data: the arcs decoded at once, shapes built on first use.

    Building every polygon of the world up front costs more than the rest of a
    page; a view needs a few dozen of them, so each is built (and cut at ±180°)
    when a box first touches its bounds, and kept.
    """

    def __init__(self, doc: dict):
        import numpy as np

        scale_xy = np.array(doc["transform"]["scale"], dtype=float)
        shift = np.array(doc["transform"]["translate"], dtype=float)
        self.arcs = [
            np.cumsum(np.array(a, dtype=np.int64).reshape(-1, 2), axis=0) * scale_xy + shift
            for a in doc["arcs"]
        ]
        xy = np.concatenate(self.arcs)
        starts = np.r_[0, np.cumsum([len(a) for a in self.arcs])[:-1]]
        # which arcs jump across the antimeridian (an edge longer than 180° of longitude)
        long_edge = np.abs(np.diff(xy[:, 0])) > 180
        long_edge[starts[1:] - 1] = False  # the step from one arc to the next is no edge
        self.jumps = np.add.reduceat(np.r_[long_edge, False], starts) > 0
        lo, hi = np.minimum.reduceat(xy, starts), np.maximum.reduceat(xy, starts)
        self.arc_bounds = np.column_stack([lo, hi])
        self.names = tuple(c["name"] for c in doc["countries"])
        self.land_arcs = doc["land"]
        self.country_arcs = [c["polygons"] for c in doc["countries"]]
        self.land_bounds = np.array([self._bounds([p]) for p in self.land_arcs]).reshape(-1, 4)
        self.country_bounds = np.array([self._bounds(c) for c in self.country_arcs]).reshape(-1, 4)
        self.line_ids = {"borders": doc["borders"], "coast": doc["coast"]}
        self._built: dict = {}

    def _bounds(self, polygons: list) -> tuple[float, float, float, float]:
        ids = [i if i >= 0 else ~i for p in polygons for i in p[0]]
        if self.jumps[ids].any():
            return (-180.0, -90.0, 180.0, 90.0)  # cut at ±180° when built
        b = self.arc_bounds[ids]
        return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())

    def _ring(self, ids: list[int]):
        import numpy as np

        pieces = [self.arcs[i] if i >= 0 else self.arcs[~i][::-1] for i in ids]
        return np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])])

    def _polygons(self, rings: list[list[int]]) -> list:
        import shapely

        if not any(self.jumps[i if i >= 0 else ~i] for r in rings for i in r):
            return [shapely.Polygon(self._ring(rings[0]), [self._ring(r) for r in rings[1:]])]
        return _cut_polygon([self._ring(r) for r in rings])

    def land(self, box: BBox) -> list:
        """The land polygons (as built) whose bounds touch ``box``."""
        out = []
        for i in _hits(self.land_bounds, box):
            key = ("land", i)
            if key not in self._built:
                self._built[key] = self._polygons(self.land_arcs[i])
            out.extend(self._built[key])
        return out

    def countries(self, box: BBox) -> list[tuple[str, object]]:
        """(name, MultiPolygon) of the countries whose bounds touch ``box``."""
        import shapely

        out = []
        for k in _hits(self.country_bounds, box):
            key = ("country", k)
            if key not in self._built:
                polys = [q for p in self.country_arcs[k] for q in self._polygons(p)]
                self._built[key] = shapely.MultiPolygon(polys)
            out.append((self.names[k], self._built[key]))
        return out

    def lines(self, kind: str, box: BBox) -> list:
        """The borders or coast lines (as built) whose arcs touch ``box``."""
        import shapely

        ids = self.line_ids[kind]
        out = []
        for j in _hits(self.arc_bounds[ids], box):
            i = ids[j]
            key = ("arc", i)
            if key not in self._built:
                a = self.arcs[i]
                self._built[key] = _cut_line(a) if self.jumps[i] else [shapely.LineString(a)]
            out.extend(self._built[key])
        return out


@functools.lru_cache(maxsize=len(SCALES))
def _world(scale: str) -> _World:
    """One scale of the data, decoded once per process (shapes are built as needed)."""
    return _World(_raw(scale))


def _jumps(xy) -> bool:
    import numpy as np

    return len(xy) > 1 and bool((np.abs(np.diff(xy[:, 0])) > 180).any())


def _cut_polygon(rings: list) -> list:
    """A polygon (shell and holes as coordinate arrays) as polygons within -180..180.

    The data are spherical: a ring that crosses the antimeridian jumps from 179°
    to -179° (the short way round), and Antarctica's ring goes all the way round
    the pole. Such rings are unwrapped to continuous longitudes (a ring round a
    pole is closed along the pole), cut at ±180° and shifted back.
    """
    import numpy as np
    import shapely

    if not any(_jumps(r) for r in rings):
        return [shapely.Polygon(rings[0], rings[1:])]
    fixed = []
    for r in rings:
        x = np.unwrap(r[:, 0], period=360.0)
        r = np.column_stack([x, r[:, 1]])
        if abs(x[-1] - x[0]) > 1e-6:  # round a pole: close the ring along it
            pole = -90.0 if r[:, 1].mean() < 0 else 90.0
            r = np.vstack([r, [[x[-1], pole], [x[0], pole]], r[:1]])
        fixed.append(r)
    mid = (fixed[0][:, 0].min() + fixed[0][:, 0].max()) / 2
    holes = []
    for h in fixed[1:]:
        k = round((mid - (h[:, 0].min() + h[:, 0].max()) / 2) / 360.0)
        holes.append(h + np.array([k * 360.0, 0.0]))
    poly = shapely.Polygon(fixed[0], holes)
    if not shapely.is_valid(poly):
        poly = _polygonal(shapely.make_valid(poly))
    x0, _, x1, _ = shapely.bounds(poly)
    out: list = []
    for k in range(math.floor((x0 + 180) / 360), math.floor((x1 + 180) / 360) + 1):
        piece = shapely.clip_by_rect(poly, k * 360 - 180, -90, k * 360 + 180, 90)

        def back(xy, k=k):
            xy = xy - np.array([k * 360.0, 0.0])
            xy[:, 0] = np.clip(xy[:, 0], -180.0, 180.0)
            return xy

        piece = shapely.transform(piece, back)
        out.extend(p for p in shapely.get_parts(_polygonal(piece)) if not p.is_empty)
    return out


def _cut_line(xy) -> list:
    """A line as lines within -180..180: cut where it jumps across the antimeridian."""
    import shapely

    if not _jumps(xy):
        return [shapely.LineString(xy)] if len(xy) > 1 else []
    pieces, cur = [], [tuple(xy[0])]
    for (xa, ya), (xb, yb) in zip(xy[:-1].tolist(), xy[1:].tolist(), strict=True):
        if abs(xb - xa) > 180:
            edge = 180.0 if xa > 0 else -180.0
            xb_near = xb + (360.0 if xa > 0 else -360.0)  # b on a's side of the antimeridian
            t = (edge - xa) / (xb_near - xa) if xb_near != xa else 0.0
            y = ya + (yb - ya) * t
            cur.append((edge, y))
            pieces.append(cur)
            cur = [(-edge, y)]
        cur.append((xb, yb))
    pieces.append(cur)
    return [shapely.LineString(p) for p in pieces if len(p) > 1]


def _valid(g):
    import shapely

    return g if shapely.is_valid(g) else _polygonal(shapely.make_valid(g))


def _polygonal(g):
    import shapely

    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys)


def _clipped_polygons(polys: list, box: BBox):
    import numpy as np
    import shapely

    out: list = []
    if polys:
        for g in shapely.clip_by_rect(np.array(polys, dtype=object), *box):
            out.extend(p for p in shapely.get_parts(_valid(_polygonal(g))) if not p.is_empty)
    return shapely.MultiPolygon(out)


def _clipped_lines(lines: list, box: BBox):
    import numpy as np
    import shapely

    out: list = []
    if lines:
        for g in shapely.clip_by_rect(np.array(lines, dtype=object), *box):
            out.extend(
                p for p in shapely.get_parts(g) if p.geom_type == "LineString" and not p.is_empty
            )
    if not out:
        return shapely.MultiLineString()
    merged = shapely.line_merge(shapely.MultiLineString(out))
    if merged.geom_type == "LineString":
        return shapely.MultiLineString([merged])
    return merged


def _labels(world: _World, bounds: BBox, avoid) -> list[CountryLabel]:
    """A label point per country in the view, on the largest piece of it left visible
    (outside ``avoid``) with room for a name; largest visible area first."""
    import shapely

    from ...analysis.geodesy import area_km2

    w, s, e, n = bounds
    need = LABEL_MIN_SHARE * (e - w) / 2  # the radius of the circle that must fit
    out: list[CountryLabel] = []
    for name, country in world.countries(bounds):
        piece = _valid(_polygonal(shapely.clip_by_rect(country, *bounds)))
        if avoid is not None and not piece.is_empty:
            piece = _polygonal(shapely.difference(piece, avoid))
        parts = [p for p in shapely.get_parts(piece) if not p.is_empty]
        if not parts:
            continue
        best = max(parts, key=lambda p: (p.area, shapely.bounds(p).tolist()))
        # the centre of the largest circle inside it (the "pole of inaccessibility")
        radius = shapely.maximum_inscribed_circle(best, tolerance=need / 8)
        if shapely.length(radius) < need:
            continue
        x, y = shapely.get_coordinates(radius)[0].tolist()
        out.append(
            CountryLabel(name, round(x, 5) + 0.0, round(y, 5) + 0.0,
                         round(area_km2(piece), 1))
        )
    out.sort(key=lambda c: (-c.area_km2, c.name))
    return out


def bundled_basemap(
    bounds: tuple[float, float, float, float],
    scale: str | None = None,
    *,
    margin: float = MARGIN,
    avoid: shapely.Geometry | None = None,
    label_bounds: tuple[float, float, float, float] | None = None,
) -> Basemap:
    """The bundled Natural Earth basemap around ``bounds`` (W, S, E, N in lon/lat).

    - ``scale``: ``"110m"`` or ``"50m"``; by default :func:`choose_scale` of ``bounds``.
    - Land, borders and coast are clipped to ``bounds`` padded by ``margin`` (a share
      of their width and height on each side, :data:`MARGIN` by default).
    - ``countries``: a label point for each country with room for its name inside
      ``label_bounds`` (default: ``bounds``, without the margin), on its largest piece
      outside ``avoid`` (say, the factions' ground, which would hide it), largest
      visible area first.

    Deterministic; raises :class:`~frontmap.errors.ArgumentError` for bad bounds or
    scale.
    """
    b = _check_bounds(bounds)
    if scale is None:
        scale = choose_scale(b)
    if scale not in SCALES:
        raise ArgumentError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise ArgumentError(f"margin must be a share >= 0, not {margin!r}")
    world = _world(scale)
    box = _pad(b, float(margin))
    return Basemap(
        land=_clipped_polygons(world.land(box), box),
        borders=_clipped_lines(world.lines("borders", box), box),
        coast=_clipped_lines(world.lines("coast", box), box),
        countries=_labels(world, b if label_bounds is None else _check_bounds(label_bounds),
                          avoid),
        scale=scale,
        clip=box,
    )
