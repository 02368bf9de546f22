"""Close-ups: a before/after pair for each highlight, drawn at its own detail (rendering).

The overview is simplified with a tolerance tied to its extent (1/3000 of its
width: a few hundred metres on a country), which would blur a change a few km
across. A close-up cuts the full-detail holders of both dates to a square
around its highlight and builds its own faces, coverage simplification
(1/3000 of the width of what it draws), changed ground, front lines, events,
places and basemap, exactly as the overview does (:mod:`.scene`), so that its
borders are as fine as its scale needs. A front line crossing a close-up is
about as long as it is on the overview, so at the same share of its width a
close-up would cost the page about what the overview costs: a close-up keeps
at most :data:`VERTEX_BUDGET` times the overview's vertices (at least
:data:`MIN_VERTICES`), simplifying more where it would keep more. Numbers
(km²) come from the highlight, which measured the full-detail ground.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import shapely

from ..analysis.change import Diff
from ..analysis.highlights import Highlight
from ..analysis.measure import polygonal
from ..read.model import Place
from .scene import (
    TOLERANCE_SHARE,
    BBox,
    Changed,
    EventMark,
    Holder,
    _basemap_part,
    _bundled_part,
    _changed_ground,
    _dissolve,
    _event_marks,
    _faces,
    _lines,
    _shown_places,
)

if TYPE_CHECKING:
    from .basemap import Basemap

__all__ = ["CloseUp", "build_closeups", "DRAWN_SHARE", "MAX_CLOSEUP_PLACES", "VERTEX_BUDGET",
           "MIN_VERTICES"]

#: a close-up draws a square around its highlight this many times the highlight's larger
#: side (so that a map up to 1.7 times as wide as tall, or as tall as wide, shows ground
#: to its edges)
DRAWN_SHARE = 1.7
#: a close-up keeps at most this share of the overview's vertices ...
VERTEX_BUDGET = 0.5
#: ... or this many, whichever is more
MIN_VERTICES = 20_000
#: with a gazetteer, at most this many towns in a close-up
MAX_CLOSEUP_PLACES = 10
_KM_PER_DEG = 111.32


@dataclass
class CloseUp:
    """One highlight's before/after pair: the same kinds of shapes as the overview's."""

    number: int
    highlight: Highlight
    #: the initial view: the highlight's bbox
    view: BBox
    from_holders: list[Holder]
    to_holders: list[Holder]
    changed: list[Changed]
    fronts_from: shapely.Geometry
    fronts_to: shapely.Geometry
    events: list[EventMark]
    places: list[Place]
    tolerance: float
    #: everything drawn lies in this box (W, S, E, N)
    extent: BBox = (0.0, 0.0, 0.0, 0.0)
    basemap: shapely.Geometry | None = None
    bundled: Basemap | None = None
    names: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.highlight.title

    def name(self, holder: str) -> str:
        return self.names.get(holder, holder)

    def color(self, holder: str) -> str:
        from .scene import CONTESTED_COLOR

        return self.colors.get(holder, CONTESTED_COLOR)


def _square(view: BBox, share: float) -> BBox:
    """A box centred on ``view``, as wide as it is tall in km, ``share`` times its larger
    side."""
    w, s, e, n = view
    cx, cy = (w + e) / 2, (s + n) / 2
    kx = _KM_PER_DEG * max(math.cos(math.radians(min(abs(cy), 89.0))), 0.01)
    half_km = share * max((e - w) * kx, (n - s) * _KM_PER_DEG) / 2
    dx, dy = half_km / kx, half_km / _KM_PER_DEG
    return (max(cx - dx, -180.0), max(cy - dy, -90.0), min(cx + dx, 180.0), min(cy + dy, 90.0))


def _cut(holders: dict, box: BBox) -> dict:
    rect = shapely.box(*box)
    out = {}
    for k, g in holders.items():
        if not shapely.intersects(g, rect):
            continue
        piece = polygonal(shapely.intersection(g, rect))
        if not piece.is_empty:
            out[k] = piece
    return out


def _fronts(diff: Diff, which: str, box: BBox, tol: float) -> shapely.Geometry:
    pieces = []
    for fl in diff.front_lines:
        g = fl.geom_from if which == "from" else fl.geom_to
        lines = _lines(g)
        if lines.is_empty or not shapely.intersects(lines, shapely.box(*box)):
            continue
        pieces.extend(shapely.get_parts(_lines(shapely.clip_by_rect(lines, *box))))
    if not pieces:
        return shapely.MultiLineString()
    merged = _lines(shapely.MultiLineString(pieces))
    return _lines(shapely.simplify(merged, tol, preserve_topology=False))


def build_closeups(
    diff: Diff,
    found: list[Highlight],
    h_from: dict,
    h_to: dict,
    *,
    names: dict[str, str],
    colors: dict[str, str],
    order: list[str],
    places: list[Place],
    aoi,
    basemap: shapely.Geometry | None = None,
    bundled: bool = False,
    overview_vertices: int = 0,
) -> list[CloseUp]:
    """A :class:`CloseUp` for each highlight of ``found``, numbered from 1."""
    budget = max(MIN_VERTICES, int(VERTEX_BUDGET * overview_vertices))
    out = []
    for number, h in enumerate(found, start=1):
        view = tuple(float(v) for v in h.bbox)
        drawn = _square(view, DRAWN_SHARE)  # type: ignore[arg-type]
        tol = max(drawn[2] - drawn[0], drawn[3] - drawn[1], 1e-6) * TOLERANCE_SHARE
        cf, ct = _cut(h_from, drawn), _cut(h_to, drawn)
        faces, lab_from, lab_to = _faces(cf, ct)
        simple = list(shapely.coverage_simplify(faces, tol)) if faces else []
        kept = int(shapely.get_num_coordinates(simple).sum()) if simple else 0
        if kept > budget:  # a detailed border: simplify more, in proportion
            tol *= kept / budget
            simple = list(shapely.coverage_simplify(faces, tol))
        d_from, d_to = _dissolve(simple, lab_from, order), _dissolve(simple, lab_to, order)
        changed = _changed_ground(simple, lab_from, lab_to, diff, order, tol)
        moves = {(a, b): km2 for a, b, km2 in h.moves}
        for c in changed:  # the close-up's own numbers
            c.area_km2 = moves.get((c.from_id, c.to_id), 0.0)

        def holders(d: dict) -> list[Holder]:
            return [Holder(k, names[k], colors[k], g) for k, g in d.items() if not g.is_empty]

        out.append(
            CloseUp(
                number=number,
                highlight=h,
                view=view,  # type: ignore[arg-type]
                from_holders=holders(d_from),
                to_holders=holders(d_to),
                changed=changed,
                fronts_from=_fronts(diff, "from", drawn, tol),
                fronts_to=_fronts(diff, "to", drawn, tol),
                events=_event_marks(diff, names, tol, box=drawn),
                places=_shown_places(places, view, diff, most=MAX_CLOSEUP_PLACES),  # type: ignore[arg-type]
                tolerance=tol,
                extent=drawn,
                basemap=_basemap_part(basemap, view, drawn, tol)  # type: ignore[arg-type]
                if isinstance(basemap, shapely.Geometry)
                else None,
                bundled=_bundled_part(view, drawn, aoi, tol) if bundled else None,  # type: ignore[arg-type]
                names=names,
                colors=colors,
            )
        )
    return out
