"""Clipping territories to an outline (``--clip``) without redoing what needs no work.

A country outline can have a hundred thousand vertices, and an overlay with
it costs time in proportion. Most parts of a territory are wholly inside
the outline (kept as they are) or wholly outside it (dropped); those are
told apart with the outline prepared once (``shapely.prepare``: an index of
its edges), and only the parts that cross its edge are intersected with it.
The result is the plain intersection's: the same polygons, the same
vertices, so the same geodesic areas.
"""

from __future__ import annotations

import numpy as np
import shapely

from .clean import polygonal_only

__all__ = ["Clipper"]


class Clipper:
    """``Clipper(outline)(territory)`` is ``territory ∩ outline``, polygonal."""

    def __init__(self, outline: shapely.Geometry):
        self.outline = outline
        shapely.prepare(outline)
        self._bounds = shapely.bounds(outline)

    def __call__(self, geom: shapely.Geometry) -> shapely.Geometry | None:
        if geom is None or geom.is_empty:
            return None
        parts = shapely.get_parts(geom)
        inside = shapely.contains(self.outline, parts)
        if inside.all():
            return geom
        meets = ~inside & shapely.intersects(self.outline, parts)
        kept = list(parts[inside])
        if meets.any():
            crossing = parts[meets]
            target = crossing[0] if len(crossing) == 1 else shapely.multipolygons(crossing)
            cut, _ = polygonal_only(shapely.intersection(target, self.outline))
            if cut is not None:
                kept.extend(p for p in shapely.get_parts(cut) if not p.is_empty)
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        return shapely.multipolygons(np.asarray(kept, dtype=object))
