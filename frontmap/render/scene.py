"""Geometry prepared for drawing two dates side by side (rendering).

Both the HTML page and the static PNG draw from one :class:`Scene`:

* the *holders* of each date (faction-only ground, ``contested``,
  ``unassigned``; see :func:`frontmap.analysis.holders.holders`) are overlaid into one
  set of faces, each face knowing its holder on both dates. The faces form a
  polygonal coverage (they come from polygonizing the noded borders of both
  dates), so :func:`shapely.coverage_simplify` simplifies every shared border
  once: neighbours keep one border, no gaps or overlaps open, and a border that
  did not move is drawn identically on both dates;
* each date's holders are the union of their faces; ground that changed hands
  is the faces whose holder differs (slivers left out), with ring positions for
  pieces too small to see;
* front lines are the diff's (borders two factions share, within the
  analysis's snapping distance), simplified with the same tolerance;
* events (the corridor of a split, pockets) are simplified outlines; the most
  telling get a short label.

The simplification tolerance follows the extent (:data:`TOLERANCE_SHARE` of
its width). Numbers (km²) always come from the analysis (the diff), never
from the simplified shapes. Nothing here reads or writes files.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ..analysis.change import Diff
from ..analysis.holders import holders
from ..analysis.measure import CONTESTED, UNASSIGNED, polygonal
from ..errors import ArgumentError, DataError, FocusError
from ..read.model import Layers, Place

if TYPE_CHECKING:
    from ..analysis.highlights import Highlight
    from .basemap import Basemap
    from .closeup import CloseUp

__all__ = [
    "Scene",
    "FocusError",
    "Holder",
    "Changed",
    "EventMark",
    "build_scene",
    "change_view",
    "parse_focus",
    "TOLERANCE_SHARE",
    "CONTESTED_COLOR",
    "UNASSIGNED_COLOR",
]

#: simplification tolerance as a share of the extent's width (1/3000)
TOLERANCE_SHARE = 1 / 3000
#: at most this many events get a label on the map (splits first, then encirclements,
#: pockets lost, new pockets, merges; larger first); the others are outlined only
MAX_EVENT_LABELS = 5
_LABEL_PRIORITY = ("split", "encircled", "pocket_lost", "new_pocket", "merge")
#: an unlabelled event smaller than this many tolerances across (a few pixels on
#: the map: the tolerance is about a quarter of a pixel) is not outlined: its
#: dashed outline would be a dark fleck with nothing to say what it is
_FLECK = 12
#: the grid (degrees) the bundled basemap is drawn on
BASEMAP_GRID = 0.001
CONTESTED_COLOR = "#9a9a9a"
UNASSIGNED_COLOR = "#f7f6f2"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

BBox = tuple[float, float, float, float]


# ---------------------------------------------------------------------------
# the scene


@dataclass
class Holder:
    """One holder's simplified ground on one date (one drawable shape)."""

    id: str
    name: str
    color: str
    geom: shapely.Geometry


@dataclass
class Changed:
    """Ground that passed from one holder to another (simplified), with its km²."""

    from_id: str
    to_id: str
    area_km2: float
    geom: shapely.Geometry
    #: where to draw a ring when the ground is too small to see: (lon, lat, size in
    #: degrees: the geometric mean of the piece's width and height, so thin strips count
    #: as small)
    spots: list[tuple[float, float, float]] = field(default_factory=list)


@dataclass
class EventMark:
    """A topology event to mark on the TO map: an outline, and a short label for the
    most telling ones (see :data:`MAX_EVENT_LABELS`)."""

    type: str
    faction: str
    label: str
    geom: shapely.Geometry
    anchor: tuple[float, float]
    area_km2: float = 0.0
    labelled: bool = True


@dataclass
class LegendEntry:
    id: str
    name: str
    color: str
    on_from: bool
    on_to: bool


@dataclass
class Scene:
    """Everything a renderer draws, in lon/lat WGS84, in display order."""

    date_from: dt.date
    date_to: dt.date
    legend: list[LegendEntry]
    from_holders: list[Holder]
    to_holders: list[Holder]
    changed: list[Changed]
    fronts_from: shapely.Geometry
    fronts_to: shapely.Geometry
    events: list[EventMark]
    places: list[Place]
    #: initial view (W, S, E, N)
    view: BBox
    #: bounds of all ground drawn (W, S, E, N)
    extent: BBox
    tolerance: float
    #: outlines from a FILE (``--basemap FILE``), drawn as given
    basemap: shapely.Geometry | None = None
    #: the bundled Natural Earth basemap around the view (``basemap="bundled"``)
    bundled: Basemap | None = None
    names: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    #: the diff's highlights, most telling first (see frontmap.analysis.highlights)
    highlights: list[Highlight] = field(default_factory=list)
    #: a before/after close-up for each of the first highlights (see .closeup)
    closeups: list[CloseUp] = field(default_factory=list)
    #: the area of interest is a clip outline (else the union of both dates' ground)
    clipped: bool = False

    def name(self, holder: str) -> str:
        return self.names.get(holder, holder)

    def color(self, holder: str) -> str:
        return self.colors.get(holder, CONTESTED_COLOR)


# ---------------------------------------------------------------------------
# focus


def parse_focus(text: str) -> BBox | str:
    """``W,S,E,N`` as a bbox tuple, anything else as a faction name (returned as is)."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) == 4:
        try:
            w, s, e, n = (float(p) for p in parts)
        except ValueError:
            return str(text)
        check_bbox((w, s, e, n))
        return (w, s, e, n)
    return str(text)


def check_bbox(b: Sequence[float]) -> BBox:
    w, s, e, n = (float(x) for x in b)
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise FocusError("focus box must be four finite numbers W,S,E,N")
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise FocusError(
            f"focus box {w:g},{s:g},{e:g},{n:g} is not W,S,E,N in lon/lat "
            "(west < east within -180..180, south < north within -90..90)"
        )
    return (w, s, e, n)


def _pad(b: BBox, share: float) -> BBox:
    w, s, e, n = b
    dx, dy = (e - w) * share, (n - s) * share
    return (max(w - dx, -180.0), max(s - dy, -90.0), min(e + dx, 180.0), min(n + dy, 90.0))


# ---------------------------------------------------------------------------
# faces


def _linework(geoms: list) -> shapely.Geometry:
    """Every ring of ``geoms`` as one noded MultiLineString, each segment once.

    Neighbours share their borders, and the two dates share almost all of them, so
    the same segment comes four times (two sides, two dates). Exact duplicates go
    first (a numpy sort of the segments, ends in a canonical order), then the rest
    is noded: a quarter of the work and memory of noding (``union_all``) the four
    copies, with the same lines. Where GEOS's plain noder does not converge (nearly
    coincident lines), ``union_all`` nodes them as before, with its snapping.
    """
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    seg = np.hstack([xy[:-1][same], xy[1:][same]]) + 0.0  # + 0.0: no -0.0
    flip = (seg[:, 0] > seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] > seg[:, 3]))
    seg[flip] = seg[flip][:, [2, 3, 0, 1]]
    seg = np.ascontiguousarray(seg[(seg[:, 0] != seg[:, 2]) | (seg[:, 1] != seg[:, 3])])
    _, first = np.unique(seg.view(np.dtype((np.void, seg.itemsize * 4))).ravel(),
                         return_index=True)
    seg = seg[np.sort(first)]
    n = len(seg)
    lines = shapely.from_ragged_array(
        shapely.GeometryType.MULTILINESTRING,
        seg.reshape(-1, 2),
        (np.arange(0, 2 * n + 1, 2), np.array([0, n])),
    )[0]
    try:
        noded = shapely.node(lines)
    except shapely.errors.GEOSException:  # near-coincident lines: overlay's snapping copes
        noded = shapely.union_all([lines])
    return shapely.line_merge(noded)


def _faces(h_from: dict, h_to: dict):
    """The overlay of both dates' holders: polygons with their holder on each date."""
    geoms = [g for g in (*h_from.values(), *h_to.values()) if g is not None and not g.is_empty]
    if not geoms:
        return [], [], []
    faces = list(shapely.get_parts(shapely.polygonize([_linework(geoms)])))
    if not faces:
        return [], [], []
    pts = shapely.point_on_surface(faces)
    lab_from = _label(faces, pts, h_from)
    lab_to = _label(faces, pts, h_to)
    keep = [i for i in range(len(faces)) if lab_from[i] is not None or lab_to[i] is not None]
    return [faces[i] for i in keep], [lab_from[i] for i in keep], [lab_to[i] for i in keep]


#: a face whose inner point lies this close (degrees, about 1 cm) to a date's ground
#: is a sliver between its holders
_SLIVER_DEG = 1e-7


def _label(faces, pts, holders_: dict) -> list[str | None]:
    ids = [k for k, g in holders_.items() if g is not None and not g.is_empty]
    out: list[str | None] = [None] * len(faces)
    if not ids:
        return out
    tree = shapely.STRtree([holders_[k] for k in ids])
    pi, hi = tree.query(pts, predicate="within")
    for p, h in sorted(zip(pi.tolist(), hi.tolist(), strict=True)):
        if out[p] is None:
            out[p] = ids[h]
    # faces too thin for point_on_surface to land inside: the holder covering most of it;
    # a sliver a few mm wide, where two borders meet at a hair's angle, may meet the
    # holders only in round-off: the nearest, when it lies at the date's ground
    # (the distance to the holders' union is the least distance to one of them: no union)
    unsure = [i for i, v in enumerate(out) if v is None]
    for i in unsure:
        best, best_a = None, 0.0
        for h in tree.query(faces[i], predicate="intersects").tolist():
            a = shapely.area(shapely.intersection(faces[i], holders_[ids[h]]))
            if a > best_a * (1 + 1e-9):
                best, best_a = ids[h], a
        if best is not None and best_a >= 0.5 * shapely.area(faces[i]):
            out[i] = best
        elif tree.query(pts[i], predicate="dwithin", distance=_SLIVER_DEG).size:
            out[i] = best if best is not None else ids[int(tree.query_nearest(pts[i])[0])]
    return out


def _union(geoms) -> shapely.Geometry:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return shapely.MultiPolygon()
    if len(geoms) == 1:
        return geoms[0]
    try:
        return polygonal(shapely.coverage_union_all(geoms))
    except shapely.errors.GEOSException:  # pragma: no cover - a coverage after simplify
        return polygonal(shapely.union_all(geoms))


def _lines(geom) -> shapely.Geometry:
    """Only the lines of a geometry, merged."""
    if geom is None or geom.is_empty:
        return shapely.MultiLineString()
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("LineString", "MultiLineString")]
    parts = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    if not parts:
        return shapely.MultiLineString()
    merged = shapely.line_merge(shapely.MultiLineString(parts))
    if merged.geom_type == "LineString":
        return shapely.MultiLineString([merged])
    return merged


def _front_lines(diff: Diff, which: str, tol: float) -> shapely.Geometry:
    """The diff's front lines on one date (borders two factions share), simplified.

    Drawn from the analysis (which snaps borders within ``SNAP_M``), so that a
    front shows where two factions' data nearly meet, as its km are counted.
    """
    pieces = []
    for fl in diff.front_lines:
        g = fl.geom_from if which == "from" else fl.geom_to
        lines = _lines(g)
        if not lines.is_empty:
            pieces.extend(shapely.get_parts(lines))
    if not pieces:
        return shapely.MultiLineString()
    merged = _lines(shapely.MultiLineString(pieces))
    return _lines(shapely.simplify(merged, tol, preserve_topology=False))


def _choose_labels(marks: list[EventMark]) -> None:
    """Label the most telling events only: a dozen "new pocket" labels are clutter.

    Events of one kind for one faction share a label, on the largest of them
    ("New IS pocket (+3 more)"); at most :data:`MAX_EVENT_LABELS` labels in all.
    """

    def rank(i: int):
        m = marks[i]
        kind = _LABEL_PRIORITY.index(m.type) if m.type in _LABEL_PRIORITY else 99
        return (kind, -m.area_km2, i)

    seen: dict[tuple[str, str], int] = {}
    extra: dict[int, int] = {}
    for i in sorted(range(len(marks)), key=rank):
        if not marks[i].labelled:  # under the story threshold: outlined, never labelled
            continue
        key = (marks[i].type, marks[i].faction)
        if key in seen:
            extra[seen[key]] += 1
            marks[i].labelled = False
        else:
            seen[key] = i
            extra[i] = 0
    heads = sorted(seen.values(), key=rank)
    for n, i in enumerate(heads):
        marks[i].labelled = n < MAX_EVENT_LABELS
        if extra[i]:
            marks[i].label += f" (+{extra[i]} more)"


def _add_spots(changed: list[Changed], tol: float, per_group: int = 4, total: int = 16) -> None:
    """Ring positions for the largest pieces of changed ground (a reader's "look here")."""
    budget = total
    for c in changed:
        parts = [p for p in shapely.get_parts(c.geom) if shapely.area(p) >= 4 * tol * tol]
        parts.sort(key=lambda p: (-shapely.area(p), shapely.bounds(p).tolist()))
        for p in parts[: min(per_group, budget)]:
            x0, y0, x1, y1 = shapely.bounds(p)
            pt = shapely.point_on_surface(p)
            c.spots.append((pt.x, pt.y, math.sqrt(max(x1 - x0, 0.0) * max(y1 - y0, 0.0))))
        budget -= len(c.spots)
        if budget <= 0:
            break


def _rank(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _event_label(e, names: dict[str, str]) -> str:
    who = names.get(e.faction, e.faction)
    if e.type == "split":
        n = e.details.get("parts_after", 2)
        return f"{who} cut in two" if n == 2 else f"{who} cut into {n} parts"
    if e.type == "merge":
        return f"{who} parts joined"
    if e.type == "encircled":
        return f"{who} pocket encircled"
    if e.type == "new_pocket":
        return f"New {who} pocket"
    if e.type == "pocket_lost":
        return f"{who} {'territory' if e.details.get('main') else 'pocket'} lost"
    return f"{who}: {e.type}"


def _anchor(geom) -> tuple[float, float]:
    parts = list(shapely.get_parts(geom))
    biggest = max(parts, key=lambda p: (shapely.area(p), shapely.bounds(p).tolist()))
    p = shapely.point_on_surface(biggest)
    return (p.x, p.y)


def _safe_color(c: str, fallback: str = CONTESTED_COLOR) -> str:
    return c.lower() if isinstance(c, str) and _HEX.match(c) else fallback


# ---------------------------------------------------------------------------
# build


def _names_and_colors(table, ids: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Display names and (validated) colours of the factions and the other holders."""
    names = {f: table.get(f).name for f in ids}
    colors = {f: _safe_color(table.get(f).color) for f in ids}
    names[CONTESTED] = "Contested (claimed by two or more)"
    names[UNASSIGNED] = "Claimed by no faction"
    colors[CONTESTED] = CONTESTED_COLOR
    colors[UNASSIGNED] = UNASSIGNED_COLOR
    return names, colors


def _drawn_holders(diff: Diff, t_from: dict, t_to: dict):
    """Each date's non-empty holders (as the diff overlaid them) and the area of interest."""
    aoi = diff.aoi
    if aoi is None or aoi.is_empty:
        aoi = polygonal(shapely.union_all([*t_from.values(), *t_to.values()]))
    if aoi.is_empty:
        raise DataError("nothing to draw: no territory on either date")
    geoms_from = diff.holder_geoms_from or holders(t_from, aoi)
    geoms_to = diff.holder_geoms_to or holders(t_to, aoi)
    h_from = {k: v for k, v in geoms_from.items() if v is not None and not v.is_empty}
    h_to = {k: v for k, v in geoms_to.items() if v is not None and not v.is_empty}
    return h_from, h_to, aoi


def _dissolve(simple: list, labels: list, order: list[str]) -> dict[str, shapely.Geometry]:
    """The simplified faces of each holder, merged, in display order."""
    groups: dict[str, list] = {}
    for g, lab in zip(simple, labels, strict=True):
        if lab is not None:
            groups.setdefault(lab, []).append(g)
    return {k: _union(groups[k]) for k in order if k in groups}


def _changed_ground(simple, lab_from, lab_to, diff: Diff, order, tol) -> list[Changed]:
    """Faces whose holder differs between the dates, grouped by (from, to),
    slivers left out; largest transfers first."""
    groups: dict[tuple[str, str], list] = {}
    for g, a, b in zip(simple, lab_from, lab_to, strict=True):
        if a is None or b is None or a == b or g.is_empty:
            continue
        area = shapely.area(g)
        if area < tol * tol or area < 0.25 * tol * shapely.length(g):
            continue
        groups.setdefault((a, b), []).append(g)

    def pair_key(kv):
        (a, b), _ = kv
        return (-diff.matrix.get((a, b), 0.0), _rank(order, a), _rank(order, b))

    changed = [
        Changed(a, b, float(diff.matrix.get((a, b), 0.0)), _union(gs))
        for (a, b), gs in sorted(groups.items(), key=pair_key)
    ]
    # rings say "look here": not for a change under the story threshold (a sliver)
    from ..analysis.summary import story_threshold

    def worth(c: Changed) -> bool:
        floors = [story_threshold(diff, h) for h in (c.from_id, c.to_id)
                  if h not in (CONTESTED, UNASSIGNED)]
        return c.area_km2 >= min(floors, default=story_threshold(diff, ""))

    _add_spots([c for c in changed if worth(c)], tol)
    return changed


def _event_size(e) -> float:
    """The size that decides whether an event is worth a label (as for a sentence)."""
    details: dict = dict(e.details)
    if e.type == "split":
        pieces = details.get("part_areas_km2") or [0.0]
        return float(pieces[1] if len(pieces) > 1 else pieces[0])
    if e.type == "merge":
        return float("inf")
    return float(details.get("area_km2") or 0.0)


def _event_marks(diff: Diff, names: dict[str, str], tol: float, box: BBox | None = None
                 ) -> list[EventMark]:
    """The events to outline (those in ``box``, clipped to it); the most telling get a
    label, never those under the story threshold (artefact pockets, border slivers)."""
    from ..analysis.summary import story_threshold

    marks = []
    for e in diff.events:
        g = polygonal(e.geom) if e.geom is not None else None
        if g is None or g.is_empty:
            continue
        if box is not None:
            if not shapely.intersects(g, shapely.box(*box)):
                continue
            g = polygonal(shapely.clip_by_rect(g, *box))
            if g.is_empty:
                continue
        gs = polygonal(shapely.simplify(g, tol, preserve_topology=True))
        if gs.is_empty:
            gs = g
        details: dict = dict(e.details)
        size = float(details.get("corridor_km2") or details.get("area_km2") or 0.0)
        mark = EventMark(e.type, e.faction, _event_label(e, names), gs, _anchor(g), size)
        mark.labelled = _event_size(e) >= story_threshold(diff, e.faction)
        x0, y0, x1, y1 = shapely.bounds(g)
        if not mark.labelled and max(x1 - x0, y1 - y0) < _FLECK * tol:
            continue  # an outline a few pixels across, with no label, is a fleck
        marks.append(mark)
    _choose_labels(marks)
    return marks


def _basemap_part(basemap, view: BBox, extent: BBox, tol: float) -> shapely.Geometry | None:
    """The basemap around what is drawn (the view and all ground, with a wide margin)."""
    if basemap is None or basemap.is_empty:
        return None
    around = (
        min(view[0], extent[0]),
        min(view[1], extent[1]),
        max(view[2], extent[2]),
        max(view[3], extent[3]),
    )
    base = shapely.clip_by_rect(basemap, *_pad(around, 1.0))
    base = shapely.simplify(base, tol, preserve_topology=True)
    return None if base.is_empty else base


def _bundled_part(view: BBox, extent: BBox, aoi, tol: float) -> Basemap:
    """The bundled basemap around the view and all ground; its scale follows the view,
    country names go where the factions' ground does not hide them."""
    from .basemap import bundled_basemap, choose_scale

    around = (
        min(view[0], extent[0]),
        min(view[1], extent[1]),
        max(view[2], extent[2]),
        max(view[3], extent[3]),
    )
    avoid = shapely.simplify(aoi, tol, preserve_topology=True) if aoi is not None else None
    bm = bundled_basemap(around, choose_scale(view), avoid=avoid, label_bounds=view)

    def fit(geom, keep: bool):
        # simplified for the view, and on a 0.001° grid (the 1:50m data are quantised at
        # 0.0036° by 0.0017°), which halves the bytes of the page's basemap
        g = shapely.simplify(geom, tol, preserve_topology=keep)
        return shapely.set_precision(g, BASEMAP_GRID) if not g.is_empty else g

    return replace(
        bm,
        land=polygonal(fit(bm.land, True)),
        borders=_lines(fit(bm.borders, False)),
        coast=_lines(fit(bm.coast, False)),
    )


#: with a gazetteer (places with a population), at most this many towns are drawn
MAX_GAZETTEER_PLACES = 24


def _shown_places(
    places: list[Place], box: BBox, diff: Diff, most: int | None = None
) -> list[Place]:
    """The places to draw: those inside ``box``; from a gazetteer (places with a
    population), only the most populous ones (``most``, default
    :data:`MAX_GAZETTEER_PLACES`) and those the text names, most important first
    (named by the text, then by population): where two dots crowd each other, the
    page and the PNG keep the first (a city, not its district)."""
    inside = [p for p in places if box[0] <= p.lon <= box[2] and box[1] <= p.lat <= box[3]]
    if not any(p.population for p in inside):
        return inside  # a places file: the user chose them
    named = {c.where.place for c in diff.claims if c.where and c.where.is_near}
    named |= {str(dict(e.details).get("near")) for e in diff.events}
    if diff.aoi is not None and not diff.aoi.is_empty:  # towns of the story's ground
        pts = shapely.points([(p.lon, p.lat) for p in inside])
        near = shapely.dwithin(diff.aoi, pts, 0.05)
        inside = [p for p, ok in zip(inside, near.tolist(), strict=True) if ok]
    most = MAX_GAZETTEER_PLACES if most is None else most
    top = sorted(inside, key=lambda p: (-(p.population or 0), p.name))[:most]
    keep = {id(p) for p in top} | {id(p) for p in inside if p.name in named}
    return sorted((p for p in inside if id(p) in keep),
                  key=lambda p: (p.name not in named, -(p.population or 0), p.name))


def build_scene(
    layers: Layers,
    diff: Diff,
    *,
    places: Sequence[Place] | None = None,
    focus: str | BBox | None = None,
    basemap: shapely.Geometry | str | None = None,
    tolerance: float | None = None,
    highlights: int = 2,
) -> Scene:
    """Prepare the geometry of a FROM/TO comparison for drawing.

    ``focus`` is a faction (id, name or alias: the view fits its ground on
    either date) or a (W, S, E, N) box; by default the view follows the change
    (see :func:`change_view`). ``places`` defaults to ``layers.places``.
    ``basemap`` is drawn under the factions: ``"bundled"`` (Natural Earth land,
    borders and country names, see :mod:`.basemap`), a geometry (country
    outlines, say), or None. ``highlights``: how many of the diff's highlights get
    a close-up (:mod:`.closeup`). Factions come in the diff's order. Raises
    :class:`~frontmap.errors.FocusError` for a focus that names no faction
    holding ground.
    """
    from ..analysis.highlights import highlights as find_highlights
    from .closeup import build_closeups

    if isinstance(highlights, bool) or not isinstance(highlights, int) or highlights < 0:
        raise ArgumentError(f"highlights must be a whole number 0 or more, not {highlights!r}")
    bundled = isinstance(basemap, str) and basemap == "bundled"
    if isinstance(basemap, str) and basemap not in ("bundled", "none"):
        raise ArgumentError(f"basemap must be 'bundled', 'none' or a geometry, not {basemap!r}")
    t_from = layers.snapshot(diff.date_from).territories
    t_to = layers.snapshot(diff.date_to).territories
    ids = [f.faction for f in diff.factions]
    names, colors = _names_and_colors(layers.factions, ids)
    h_from, h_to, aoi = _drawn_holders(diff, t_from, t_to)
    extent: BBox = tuple(float(v) for v in shapely.bounds(aoi))  # type: ignore[assignment]
    width = max(extent[2] - extent[0], extent[3] - extent[1], 1e-6)
    tol = float(tolerance) if tolerance is not None else width * TOLERANCE_SHARE

    faces, lab_from, lab_to = _faces(h_from, h_to)
    simple = list(shapely.coverage_simplify(faces, tol)) if faces else []
    order = [*ids, CONTESTED, UNASSIGNED]
    d_from, d_to = _dissolve(simple, lab_from, order), _dissolve(simple, lab_to, order)

    def holder_list(d: dict) -> list[Holder]:
        return [Holder(k, names[k], colors[k], g) for k, g in d.items() if not g.is_empty]

    found = find_highlights(diff)
    view = _view(focus, extent, t_from, t_to, layers.factions, found)
    chosen = list(layers.places if places is None else places)
    box = _pad(extent, 0.1)
    geometry_basemap = basemap if isinstance(basemap, shapely.Geometry) else None
    closeups = build_closeups(
        diff, found[:highlights], h_from, h_to, names=names, colors=colors, order=order,
        places=chosen, aoi=aoi, basemap=geometry_basemap, bundled=bundled,
        overview_vertices=int(shapely.get_num_coordinates(simple).sum()) if simple else 0,
    )
    return Scene(
        date_from=diff.date_from,
        date_to=diff.date_to,
        legend=[
            LegendEntry(k, names[k], colors[k], k in d_from, k in d_to)
            for k in order
            if k in d_from or k in d_to
        ],
        from_holders=holder_list(d_from),
        to_holders=holder_list(d_to),
        changed=_changed_ground(simple, lab_from, lab_to, diff, order, tol),
        fronts_from=_front_lines(diff, "from", tol),
        fronts_to=_front_lines(diff, "to", tol),
        events=_event_marks(diff, names, tol),
        places=_shown_places(chosen, box, diff),
        view=view,
        extent=extent,
        tolerance=tol,
        basemap=_basemap_part(basemap, view, extent, tol)
        if isinstance(basemap, shapely.Geometry)
        else None,
        bundled=_bundled_part(view, extent, aoi, tol) if bundled else None,
        names=names,
        colors=colors,
        highlights=found,
        closeups=closeups,
        clipped=diff.clipped,
    )


#: the change is concentrated when the box around it, with its context, covers less than
#: this share of the extent
CONCENTRATED_SHARE = 0.5
#: the context around a concentrated change: this share of its size on every side ...
CONTEXT_SHARE = 0.5
#: ... and at least this share of the extent's width and height in all, and no side
#: shorter than this share of the other (in km), so that the maps are not strips
MIN_VIEW_SHARE = 0.35
MIN_VIEW_ASPECT = 0.6


def change_view(extent: BBox, found: Sequence[Highlight]) -> BBox:
    """The default view: all ground (``extent``), unless the change is concentrated
    (its highlights, with :data:`CONTEXT_SHARE` of context on each side, cover less
    than :data:`CONCENTRATED_SHARE` of the extent); then the region of change with
    that context, at least :data:`MIN_VIEW_SHARE` of the extent across and not much
    longer than wide (:data:`MIN_VIEW_ASPECT`), inside the extent."""
    whole = _pad(extent, 0.03)
    if not found:
        return whole
    cores = np.array([h.core for h in found], dtype=float)
    core = (cores[:, 0].min(), cores[:, 1].min(), cores[:, 2].max(), cores[:, 3].max())
    region = _pad(core, CONTEXT_SHARE)
    area = (whole[2] - whole[0]) * (whole[3] - whole[1])
    if (region[2] - region[0]) * (region[3] - region[1]) >= CONCENTRATED_SHARE * area:
        return whole
    kx = math.cos(math.radians(max(min((region[1] + region[3]) / 2, 85.0), -85.0)))
    wide, tall = (region[2] - region[0]) * kx, region[3] - region[1]
    out = []
    for lo, hi, wlo, whi, other in ((region[0], region[2], whole[0], whole[2], tall / kx),
                                    (region[1], region[3], whole[1], whole[3], wide)):
        need = max(MIN_VIEW_SHARE * (whi - wlo), MIN_VIEW_ASPECT * other)
        if hi - lo < need:
            mid = (lo + hi) / 2
            lo, hi = mid - need / 2, mid + need / 2
        # inside the extent: shift the box back in, then cut what is still outside
        if lo < wlo:
            lo, hi = wlo, hi + (wlo - lo)
        if hi > whi:
            lo, hi = lo - (hi - whi), whi
        out.append((max(lo, wlo), min(hi, whi)))
    (w, e), (s, n) = out
    return (float(w), float(s), float(e), float(n))


def _view(focus, extent: BBox, t_from: dict, t_to: dict, table,
          found: Sequence[Highlight] = ()) -> BBox:
    if focus is None:
        return change_view(extent, found)
    if isinstance(focus, str):
        parsed = parse_focus(focus)
    else:
        parsed = check_bbox(focus)
    if isinstance(parsed, tuple):
        return parsed
    wanted = " ".join(parsed.split()).casefold()
    present = list(dict.fromkeys([*t_from, *t_to]))
    fid = None
    for f in present:
        fac = table.get(f)
        keys = {f, fac.name, *fac.aliases}
        if wanted in {" ".join(k.split()).casefold() for k in keys}:
            fid = f
            break
    if fid is None:
        raise FocusError(
            f"{parsed!r} names no faction holding ground on either date "
            f"(factions: {', '.join(present)}) and is not a W,S,E,N box"
        )
    geoms = [t[fid] for t in (t_from, t_to) if fid in t]
    b = np.array([shapely.bounds(g) for g in geoms])
    box = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
    return _pad(box, 0.08)
