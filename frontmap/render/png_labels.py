"""Label placement for the print image: no label overlaps another (rendering).

The same rule as the page's (``static/compare.js``, ``placeLabels``): labels
come in order of importance (events and close-up numbers, then towns and
country names); within each, first every label tries its preferred position,
then those that found no room try their others (left of a town instead of
right of it, under an event instead of above it...); a label with no room
anywhere, or that would leave its map or cover an inset, is hidden with its
dot. No label covers a town's dot, unless an event or a close-up number has no
room anywhere else (that town is then left out). An event's label goes where it
hides the least, clear of the ground that changed hands and of the events'
outlines if it can be: weighed by the towns whose dot it covers, then how much
of its faction's ground it covers, then the towns whose label would rather be
there. Greedy and deterministic: the same figure gives the same labels.

Not adjustText or textalloc: both move labels by iterating (adjustText pushes
them apart and does not promise that none overlap; textalloc searches a grid of
positions and needs the figure's pixel scale fixed first), while a map's
labels belong next to their point, on one of a few sides, and there are a few
dozen at most; four positions each, tried in order, is all the search needed,
and it is the rule the page follows too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import shapely

__all__ = ["Label", "place_labels"]


@dataclass
class Label:
    """A text artist and where it may go: candidate (offset points, ha, va) for an
    annotation, or (xy, ha, va) corners for a badge; ``dot`` hides with it."""

    artist: Any
    dot: Any = None
    #: each (xytext offset in points, ha, va) or, with ``at``, ((xy in data units,
    #: offset in points), ha, va)
    ways: list[tuple] = field(default_factory=list)
    #: the candidates move the annotation's point too, not only its offset
    at: bool = False
    #: an event's label: what it keeps clear of where it can (the ground that changed
    #: hands and the events' outlines), and the ground of the faction it is about, which
    #: it covers as little as it can (geometries in data units; see :func:`place_labels`)
    clear: Any = None
    own: Any = None


def _set(label: Label, way: tuple) -> None:
    pos, ha, va = way
    t = label.artist
    if label.at:
        t.xy, t.xyann = pos
    else:
        t.xyann = pos
    t.set_ha(ha)
    t.set_va(va)


#: a town whose dot is this near (points) to a more important town's is left out
_NEAR_PT = 9.0


def _crowded(fig, dots: list) -> set[int]:
    """The labels (by index) whose town dot is within _NEAR_PT of a more important
    town's (the labels come in that order): at this scale a district or a suburb of
    that city, left out."""
    near = _NEAR_PT * fig.dpi / 72
    seen: list[tuple[float, float]] = []
    out: set[int] = set()
    for k, d in enumerate(dots):
        if d is None:
            continue
        cx, cy = (d.x0 + d.x1) / 2, (d.y0 + d.y1) / 2
        if any((x - cx) ** 2 + (y - cy) ** 2 < near ** 2 for x, y in seen):
            out.add(k)
        else:
            seen.append((cx, cy))
    return out


def place_labels(fig, labels: list[Label], obstacles: list | None = None) -> None:
    """Show or hide each label (and its dot) so that no two overlap and none leaves its
    map or covers one of ``obstacles`` (boxes in display units: an inset, say) or a
    town's dot; an event or a close-up number with no room anywhere else may cover a
    dot, and that town is then left out."""
    renderer = fig.canvas.get_renderer()
    kept: list = list(obstacles or [])
    dots = [
        lab.dot.get_window_extent(renderer).expanded(1.2, 1.2)
        if lab.dot is not None and lab.dot.get_visible() else None
        for lab in labels
    ]

    def room(k: int, lab: Label, way: tuple | None, over_dots: bool = False):
        """The label's box at ``way`` if it has room there (else None); not taken."""
        if way is not None:
            _set(lab, way)
        t = lab.artist
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        ax_bb = t.axes.get_window_extent(renderer)
        if bb.x0 < ax_bb.x0 or bb.x1 > ax_bb.x1 or bb.y0 < ax_bb.y0 or bb.y1 > ax_bb.y1:
            return None
        if any(bb.overlaps(box) for box in kept):
            return None
        if not over_dots and any(
            d is not None and m != k and bb.overlaps(d) for m, d in enumerate(dots)
        ):
            return None
        own = dots[k]
        if own is not None and any(own.overlaps(box) for box in kept):
            return None
        return bb

    def fits(k: int, lab: Label, way: tuple | None, over_dots: bool = False) -> bool:
        bb = room(k, lab, way, over_dots)
        if bb is not None:
            kept.append(bb)
        return bb is not None

    def in_data(lab: Label, bb):
        (x0, y0), (x1, y1) = lab.artist.axes.transData.inverted().transform(
            [(bb.x0, bb.y0), (bb.x1, bb.y1)])
        return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def cost(k: int, lab: Label, bb) -> float:
        """What an event's label at ``bb`` hides (the smaller the better)."""
        box = in_data(lab, bb)
        covered = 0.0
        if lab.own is not None and box.area > 0:
            covered = shapely.intersection(lab.own, box).area / box.area
        return (
            (1e7 if lab.clear is not None and shapely.intersects(lab.clear, box) else 0.0)
            + 1000 * sum(d is not None and m != k and bb.overlaps(d) for m, d in enumerate(dots))
            + 6000 * covered  # (the page weighs each of 15 points over it 400)
            + sum(bb.overlaps(spot) for spot in spots)
        )

    def place_event(k: int, lab: Label) -> bool:
        best, least = None, math.inf
        for way in lab.ways:
            bb = room(k, lab, way, over_dots=True)
            if bb is not None and (c := cost(k, lab, bb)) < least:
                best, least = way, c
        return best is not None and fits(k, lab, best, over_dots=True)

    def place(group: list[tuple[int, Label]], strong: bool) -> None:
        placed = {k: place_event(k, lab) for k, lab in group if lab.clear is not None}
        placed.update({k: fits(k, lab, lab.ways[0] if lab.ways else None)
                       for k, lab in group if lab.clear is None})
        for k, lab in group:
            tries = [] if lab.clear is not None else lab.ways  # (an event has tried them all)
            for way in tries[1:]:
                if placed[k]:
                    break
                placed[k] = fits(k, lab, way)
            for way in tries if strong else []:  # over a town's dot, if need be
                if placed[k]:
                    break
                placed[k] = fits(k, lab, way, over_dots=True)
            if not placed[k]:
                if lab.ways:
                    _set(lab, lab.ways[0])
                lab.artist.set_visible(False)
                if lab.dot is not None:
                    lab.dot.set_visible(False)

    for k in _crowded(fig, dots):
        labels[k].artist.set_visible(False)
        labels[k].dot.set_visible(False)
        dots[k] = None  # (no longer in any label's way)
    live = [(k, lab) for k, lab in enumerate(labels) if lab.artist.get_visible()]
    # where each town's label would rather go (its first way), before any is placed
    spots = []
    for _, lab in live:
        if lab.dot is not None and lab.ways:
            _set(lab, lab.ways[0])
            spots.append(lab.artist.get_window_extent(renderer).expanded(1.04, 1.1))

    def weak(lab: Label) -> bool:
        return lab.dot is not None or lab.artist.get_gid() == "fm-country"

    # events and close-up numbers first, in full; then towns and country names
    place([(k, lab) for k, lab in live if not weak(lab)], True)
    place([(k, lab) for k, lab in live if weak(lab)], False)
