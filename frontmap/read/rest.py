"""The *rest* faction: whoever holds the ground of the clip that no other faction claims.

Single-faction data ("Russian-held territory") says nothing of the other side;
``rest = true`` in factions.toml names it ("Ukrainian-held"), and with
``--clip`` (a national outline) it holds every part of the outline no other
faction claims, so it has areas, parts, front lines and transfers like any
faction.

Real territory data and real outlines disagree along national borders and
coasts by up to a kilometre or two. Taken naively, the rest would then own a
thin sliver between each faction and the outline's edge, and those slivers
would count as front line (on the DeepState archive, about 2,000 km of "front"
instead of about 1,200). So before the rest is taken, each faction is
*snapped* to the outline's edge: the ground within ``snap_km`` of the edge
that lies within ``snap_km`` of the faction (and that no other faction
claims) becomes the faction's. Distances are measured in a plane scaled by
the cosine of the outline's mean latitude, which is close enough at the
kilometre scale of the tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from .clean import polygonal_only

__all__ = ["RestMaker", "SNAP_KM"]

#: default snapping tolerance (km) between factions and the clip's edge
SNAP_KM = 2.0
_KM_PER_DEGREE = 111.32


def _scaled(geom, k: float, inverse: bool = False):
    factor = np.array([1 / k, 1.0]) if inverse else np.array([k, 1.0])
    return shapely.transform(geom, lambda xy: xy * factor)


def _polygons(geom) -> shapely.Geometry:
    g, _ = polygonal_only(geom)
    return shapely.MultiPolygon() if g is None else g


class RestMaker:
    """Adds the rest faction to a snapshot's territories (see the module doc)."""

    def __init__(self, clip: shapely.Geometry, rest_id: str, snap_km: float = SNAP_KM):
        self.clip = clip
        self.rest_id = rest_id
        self.snap_km = snap_km
        ymin, ymax = shapely.bounds(clip)[1::2]
        self.k = max(math.cos(math.radians((ymin + ymax) / 2)), 0.05)
        self.snap_deg = snap_km / _KM_PER_DEGREE
        self._band: shapely.Geometry | None = None
        shapely.prepare(clip)

    @property
    def band(self) -> shapely.Geometry:
        """The ground of the clip within ``snap_km`` of its edge (computed once).

        Its inner edge only needs to be right to a small share of the tolerance, so
        it is taken from a simplified outline (a national outline has a hundred
        thousand vertices); its outer edge is the clip's own."""
        if self._band is None:
            rough = shapely.simplify(_scaled(self.clip, self.k), self.snap_deg / 20)
            inner = shapely.buffer(rough, -self.snap_deg, quad_segs=2)
            inner = _scaled(inner, self.k, inverse=True)
            band = shapely.difference(self.clip, inner) if not inner.is_empty else self.clip
            self._band = _polygons(band)
            shapely.prepare(self._band)
        return self._band

    def _snapped(self, geom, others) -> shapely.Geometry:
        """``geom`` grown into the edge band wherever it lies within the tolerance."""
        if self.snap_km <= 0 or geom.is_empty:
            return geom
        rough = shapely.simplify(_scaled(geom, self.k), self.snap_deg / 20)
        reach = shapely.buffer(rough, self.snap_deg, quad_segs=2)
        reach = _scaled(reach, self.k, inverse=True)
        x0, y0, x1, y1 = shapely.bounds(reach)
        near_edge = shapely.clip_by_rect(self.band, x0, y0, x1, y1)
        if near_edge.is_empty:
            return geom
        fill = _polygons(shapely.intersection(reach, near_edge))
        if not others.is_empty and not fill.is_empty:
            fill = _polygons(shapely.difference(fill, others))
        if fill.is_empty:
            return geom
        return _polygons(shapely.union(geom, fill))

    def apply(self, territories: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
        """The territories snapped to the clip's edge, plus the rest faction."""
        out = {}
        ids = [f for f in territories if f != self.rest_id]
        for fid in ids:
            others = shapely.union_all([territories[o] for o in ids if o != fid]) if len(ids) > 1 \
                else shapely.MultiPolygon()
            out[fid] = self._snapped(territories[fid], others)
        claimed = shapely.union_all(list(out.values())) if out else shapely.MultiPolygon()
        rest = _polygons(shapely.difference(self.clip, claimed)) if not claimed.is_empty \
            else _polygons(self.clip)
        if self.rest_id in territories:  # polygons of its own, besides what nobody else claims
            rest = _polygons(shapely.union(rest, territories[self.rest_id]))
        if not rest.is_empty:
            out[self.rest_id] = rest
        return out
