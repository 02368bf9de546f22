"""The comparison as a print-ready PNG (rendering, matplotlib Agg).

Both dates side by side under a title, ground that changed hands hatched in
the new holder's colour on the right-hand map (and lightly, the other way, on
the left-hand one), front lines, pockets and corridors outlined and labelled,
city labels, boxes around the close-ups, a legend with each faction's net
change; under it a before/after pair for each close-up, with its title, its
numbers and a locator inset; caption and credit. Labels never overlap
(:mod:`.png_labels`). The same inputs give the same bytes: no timestamp or
software version in the file, a bundled font (DejaVu Sans), fixed sizes.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from .. import __version__
from ..analysis.change import Diff
from ..analysis.measure import CONTESTED, UNASSIGNED
from .closeup import CloseUp
from .png_labels import Label, place_labels
from .scene import Scene, _pad
from .text import (
    CHANGED_KEY,
    CLOSEUP_KEY,
    EVENT_KEY,
    FRONT_KEY,
    METHOD_SHORT,
    PLACE_KEY,
    SOON_KEY,
    closeup_facts,
    date_long,
    date_short,
    days_apart,
    km2_short,
    who_held,
)

Drawn = Scene | CloseUp

__all__ = ["render_png", "scale_bar_length"]

_DPI = 100
_INK = "#1b1b1b"
_MUTED = "#5c6166"
_BG = "#dfe5e8"
# the bundled basemap, as on the page (compare.css / compare.js)
_SEA = "#cbdce7"
_LAND = "#f4f2ee"
_COAST = "#9fb3c1"
_BORDER = "#8c8f93"
_COUNTRY = "#7d858c"
_COUNTRY_GID = "fm-country"


def _path(geom):
    """A matplotlib Path of a (multi)polygon, holes included: each hole wound against
    its exterior, so that the fill (matplotlib's nonzero rule) leaves it open whatever
    the orientation the geometry came with."""
    from matplotlib.path import Path

    verts, codes = [], []
    for poly in shapely.get_parts(shapely.orient_polygons(geom, exterior_cw=False)):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = shapely.get_coordinates(ring)
            if len(xy) < 4:
                continue
            verts.extend(xy.tolist())
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    if not verts:
        return None
    return Path(np.asarray(verts), codes)


def _fill(ax, geom, **kw):
    from matplotlib.patches import PathPatch

    p = _path(geom)
    if p is not None:
        ax.add_patch(PathPatch(p, **kw))


def _lines(ax, geom, **kw):
    if geom is None or geom.is_empty:
        return
    for part in shapely.get_parts(geom):
        if part.geom_type in ("LineString", "LinearRing"):
            xy = shapely.get_coordinates(part)
            ax.plot(xy[:, 0], xy[:, 1], **kw)
        elif part.geom_type == "Polygon":
            for ring in (part.exterior, *part.interiors):
                xy = shapely.get_coordinates(ring)
                ax.plot(xy[:, 0], xy[:, 1], **kw)
        elif part.geom_type.startswith("Multi"):
            _lines(ax, part, **kw)


def _tint(hex_color: str, share: float) -> tuple[float, float, float]:
    n = int(hex_color[1:], 16)
    r, g, b = ((n >> 16) & 255, (n >> 8) & 255, n & 255)

    def lighter(v: int) -> float:
        return (v + (255 - v) * share) / 255

    return (lighter(r), lighter(g), lighter(b))


def _net(x: float) -> str:
    if abs(x) < 0.05:
        return "no change"
    return ("+" if x > 0 else "\u2212") + km2_short(x) + " km²"


def _draw_bundled(ax, scene: Drawn) -> list[Label]:
    """Land, coast, national borders and country names under the factions; returns the
    names (for decluttering: they come after every other label)."""
    bm = scene.bundled
    if bm is None:
        return []
    from matplotlib import patheffects
    from matplotlib.collections import LineCollection

    def collection(geom, **kw) -> None:  # one artist for many lines
        segs = [shapely.get_coordinates(p) for p in shapely.get_parts(geom) if not p.is_empty]
        if segs:
            ax.add_collection(LineCollection(segs, **kw), autolim=False)

    ax.set_facecolor(_SEA)
    _fill(ax, bm.land, facecolor=_LAND, edgecolor="none", linewidth=0, zorder=0.5)
    collection(bm.coast, colors=_COAST, linewidths=0.7, zorder=0.6)
    collection(bm.borders, colors=_BORDER, linewidths=0.9, linestyles=[(0, (5, 3))],
               zorder=0.7, joinstyle="round")
    halo = [patheffects.withStroke(linewidth=2.2, foreground=_LAND)]
    out = []
    for c in bm.countries:
        t = ax.text(
            c.lon, c.lat, c.name.upper(), ha="center", va="center", fontsize=9.5,
            fontweight="bold", color=_COUNTRY, path_effects=halo, zorder=0.8,
            gid=_COUNTRY_GID,
        )
        out.append(Label(t))
    return out


_PLACE_WAYS = [((4, 0), "left", "center"), ((-4, 0), "right", "center"),
               ((0, 5), "center", "bottom"), ((0, -5), "center", "top")]
_EVENT_SIDES = [((0, 9), "center", "bottom"), ((0, -9), "center", "top"),
                ((9, 0), "left", "center"), ((-9, 0), "right", "center")]


def _event_ways(geom, anchor) -> list[tuple]:
    """Where an event's label may go, best first (as on the page): beside the outline
    (above, below, right, left of it, then above or below a corner: the label then
    covers neither the pocket nor the corridor it names), then beside its anchor."""
    ways = []
    if geom is not None and not geom.is_empty:
        w, s, e, n = geom.bounds
        mx, my = (w + e) / 2, (s + n) / 2
        up, down, right, left = _EVENT_SIDES
        ways += [(((mx, n), up[0]), *up[1:]), (((mx, s), down[0]), *down[1:]),
                 (((e, my), right[0]), *right[1:]), (((w, my), left[0]), *left[1:])]
        ways += [(((x, n), up[0]), *up[1:]) for x in (w, e)]
        ways += [(((x, s), down[0]), *down[1:]) for x in (w, e)]
    return ways + [((anchor, off), ha, va) for off, ha, va in _EVENT_SIDES]


def _draw_map(ax, scene: Drawn, which: str, halo, boxes: list | None = None) -> list[Label]:
    """One date's map; returns its labels, most important first (for placement):
    events, close-up numbers (``boxes``: the close-ups to mark), towns, country names."""
    holders = scene.from_holders if which == "from" else scene.to_holders
    countries = _draw_bundled(ax, scene)
    if scene.basemap is not None:
        _fill(ax, scene.basemap, facecolor="#f3f1ec", edgecolor="#9aa3a8", linewidth=0.6, zorder=1)
    for h in holders:
        if h.id == CONTESTED:
            _fill(
                ax, h.geom, facecolor="#e1e1e1", edgecolor="#8a8a8a", hatch="\\\\\\",
                linewidth=0.0, zorder=2,
            )
        elif h.id == UNASSIGNED:
            _fill(ax, h.geom, facecolor=h.color, edgecolor="#b9b9b9", linewidth=0.4, zorder=2)
        else:
            _fill(ax, h.geom, facecolor=h.color, edgecolor="white", linewidth=0.5, zorder=2)
    labels: list[Label] = []
    for c in scene.changed:
        color = scene.color(c.to_id)
        if which == "to":
            _fill(
                ax, c.geom, facecolor=_tint(color, 0.72), edgecolor=color, hatch="////",
                linewidth=1.3, zorder=3,
            )
        else:  # about to change hands: light hatching the other way, no outline
            _fill(ax, c.geom, facecolor="none", edgecolor=color, hatch="\\\\\\\\",
                  linewidth=0.0, zorder=3)
    _rings(ax, scene)
    front = scene.fronts_from if which == "from" else scene.fronts_to
    _lines(ax, front, color="#111111", linewidth=1.0, alpha=0.85, zorder=4,
           solid_joinstyle="round")
    if which == "to":
        changes = None  # (what the events' labels keep clear of: made for the first)
        for e in scene.events:
            _lines(ax, e.geom, color="#111111", linewidth=1.6, linestyle=(0, (4, 3)), zorder=5)
            if not e.labelled:
                continue
            t = ax.annotate(
                textwrap.fill(e.label, 28), xy=e.anchor, xytext=(0, 9),
                textcoords="offset points", ha="center", va="bottom", fontsize=10,
                fontweight="bold", color="white", linespacing=1.15,
                bbox={"boxstyle": "round,pad=0.25", "facecolor": "#111111", "edgecolor": "none"},
                zorder=8,
            )
            if changes is None:
                changes = shapely.union_all([c.geom for c in scene.changed] +
                                            [ev.geom for ev in scene.events])
            own = next((h.geom for h in holders if h.id == e.faction), None)
            labels.append(Label(t, None, _event_ways(e.geom, e.anchor), at=True,
                                clear=changes, own=own))
    labels.extend(_boxes(ax, boxes or []))
    for p in scene.places:
        (dot,) = ax.plot(
            [p.lon], [p.lat], marker="o", linestyle="none", markersize=4.6,
            markerfacecolor="white", markeredgecolor="#222222", markeredgewidth=1.1, zorder=6,
        )
        t = ax.annotate(
            p.name, xy=(p.lon, p.lat), xytext=(4, 0), textcoords="offset points",
            ha="left", va="center", fontsize=9.5, fontweight="bold", color=_INK,
            path_effects=halo, zorder=7,
        )
        labels.append(Label(t, dot, list(_PLACE_WAYS)))
    return labels + countries


def _boxes(ax, closeups: list) -> list[Label]:
    """The overview's box around each close-up, its number on a corner."""
    from matplotlib.patches import Rectangle

    out = []
    for c in closeups:
        w, s, e, n = c.view
        for color, lw in (("white", 3.6), ("#111111", 1.5)):
            ax.add_patch(Rectangle((w, s), e - w, n - s, fill=False, edgecolor=color,
                                   linewidth=lw, zorder=6.5))
        t = ax.annotate(
            str(c.number), xy=(w, n), xytext=(0, 0), textcoords="offset points",
            ha="center", va="center", fontsize=10, fontweight="bold", color="white",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#111111", "edgecolor": "white",
                  "linewidth": 1.5},
            zorder=8.5,
        )
        # on a corner of its box, or a little outside it where a town's dot is in the way
        corners = [((w, n), (-1, 1)), ((e, n), (1, 1)), ((w, s), (-1, -1)), ((e, s), (1, -1))]
        ways = [((xy, (0, 0)), "center", "center") for xy, _ in corners]
        ways += [((xy, (9 * dx, 9 * dy)), "center", "center") for xy, (dx, dy) in corners]
        out.append(Label(t, None, ways, at=True))
    return out


def _rings(ax, scene: Drawn) -> None:
    """Circle changed ground too small to see at print scale (both maps), in the new
    holder's colour."""
    w, _, e, _ = scene.view
    ax_w_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    for c in scene.changed:
        color = scene.color(c.to_id)
        for x, y, size in c.spots:
            if size / max(e - w, 1e-9) * ax_w_pt >= 16:
                continue
            ax.plot([x], [y], marker="o", markersize=19, markerfacecolor="none",
                    markeredgecolor="white", markeredgewidth=4.0, zorder=5.5, alpha=0.9)
            ax.plot([x], [y], marker="o", markersize=19, markerfacecolor="none",
                    markeredgecolor=color, markeredgewidth=2.0, zorder=5.6,
                    linestyle="none")


def _hide_covered_names(fig, scene: Drawn, labels: list[Label]) -> None:
    """Hide the country names (under the factions) that ground some holder holds on
    either date would cover in part."""
    if scene.bundled is None:
        return
    ground = [h.geom for h in (*scene.from_holders, *scene.to_holders)]
    if not ground:
        return
    tree = shapely.STRtree(ground)
    renderer = fig.canvas.get_renderer()
    for lab in labels:
        t = lab.artist
        if t.get_gid() != _COUNTRY_GID:
            continue
        (x0, y0), (x1, y1) = t.axes.transData.inverted().transform(
            t.get_window_extent(renderer).get_points()
        )
        box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if len(tree.query(box, predicate="intersects")):
            t.set_visible(False)


def scale_bar_length(west: float, east: float, lat: float) -> tuple[float, float]:
    """The scale bar for a map from ``west`` to ``east`` (degrees of longitude): a round
    length (1, 2 or 5 times a power of ten km) at most a fifth of the map's width, as
    (km, degrees of longitude), measured geodesically along the parallel at ``lat``."""
    from ..analysis.geodesy import GEOD

    lat = max(min(lat, 89.0), -89.0)
    mid, step = (west + east) / 2, 0.01
    km_per_deg = GEOD.inv(mid - step / 2, lat, mid + step / 2, lat)[2] / 1000 / step
    target = (east - west) * km_per_deg / 5
    k = 10.0 ** math.floor(math.log10(target))
    length = max(m * k for m in (1, 2, 5) if m * k <= target * (1 + 1e-9))
    return length, length / km_per_deg


def _scale_bar(ax) -> None:
    """A metric scale bar in the lower left corner of a map (see :func:`scale_bar_length`),
    true at the map's centre latitude."""
    from matplotlib import patheffects

    ax.apply_aspect()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    km, deg = scale_bar_length(x0, x1, (y0 + y1) / 2)
    bx0 = x0 + 0.03 * (x1 - x0)
    bx1 = bx0 + deg
    by = y0 + 0.035 * (y1 - y0)
    tick = 0.012 * (y1 - y0)
    halo = [patheffects.withStroke(linewidth=4, foreground="white")]
    ax.plot([bx0, bx0, bx1, bx1], [by + tick, by, by, by + tick], color=_INK, linewidth=1.6,
            solid_joinstyle="miter", solid_capstyle="butt", path_effects=halo, zorder=9)
    ax.text((bx0 + bx1) / 2, by + tick * 0.6, f"{km:,.10g} km", ha="center", va="bottom",
            fontsize=10, color=_INK,
            path_effects=[patheffects.withStroke(linewidth=2.6, foreground="white")], zorder=9)


@dataclass(frozen=True)
class _Layout:
    """Sizes of the figure and its bands, in inches: the title, the overview maps side by
    side, the legend, a band per close-up (its heading, then its maps), the footer."""

    fig_w: float
    fig_h: float
    margin: float
    gap: float
    map_w: float
    map_w_used: float
    map_h: float
    legend_h: float
    foot_h: float
    aspect: float
    foot_lines: list[tuple[str, str]]
    #: per close-up: (heading height, map height, map width used, aspect, heading lines)
    closeups: list[tuple[float, float, float, float, list[str]]]

    @property
    def closeups_h(self) -> float:
        return sum(head + h + _CLOSEUP_GAP for head, h, _, _, _ in self.closeups)


_CLOSEUP_GAP = 0.45  # inches above each close-up's band
_CLOSEUP_MAX_H = 5.0
_LOCATOR_W = 1.5  # the locator inset's width, inches


def _fit(view, map_w: float, max_h: float) -> tuple[float, float, float]:
    """(aspect, height, width used) of a map of ``view`` at most ``map_w`` by ``max_h``."""
    w, s, e, n = view
    lat0 = math.radians(max(min((s + n) / 2, 85.0), -85.0))
    aspect = 1 / max(math.cos(lat0), 0.05)
    ratio = (n - s) * aspect / max(e - w, 1e-9)
    height = min(map_w * ratio, max_h)
    used = min(map_w, height / ratio) if ratio > 0 else map_w
    return aspect, height, used


def _closeup_lines(scene: Scene, c: CloseUp) -> list[str]:
    """The heading of a close-up's band: its title (wrapped), then its numbers."""
    lines = textwrap.wrap(f"{c.number}  {c.title}", 105)
    facts = " · ".join(closeup_facts(c.highlight, scene.name))
    return lines + textwrap.wrap(facts, 150)


def _layout(scene: Scene, caption: str | None, credit: str | None, width_px: int) -> _Layout:
    fig_w = width_px / _DPI
    margin, gap = 0.45, 0.35
    map_w = (fig_w - 2 * margin - gap) / 2
    aspect, map_h, map_w_used = _fit(scene.view, map_w, 8.5)
    n_keys = len(scene.legend) + 2 * bool(scene.changed) + bool(scene.events)
    n_keys += bool(scene.places) + bool(scene.closeups)
    n_keys += not (scene.fronts_from.is_empty and scene.fronts_to.is_empty)
    top_h, legend_h = 1.35, 0.35 + 0.25 * math.ceil(n_keys / 3)
    closeups = []
    for c in scene.closeups:
        lines = _closeup_lines(scene, c)
        c_aspect, c_h, c_used = _fit(c.view, map_w, _CLOSEUP_MAX_H)
        c_h = max(c_h, 2.2)
        head = 0.3 * len(lines) + 0.4  # the lines, then the maps' date headings
        closeups.append((head, c_h, c_used, c_aspect, lines))
    # (line, colour): the caption in ink, then credit and method in grey
    foot_lines = [(line, _INK) for line in textwrap.wrap(caption or "", 190)]
    foot_lines += [
        (line, _MUTED)
        for line in textwrap.wrap(
            (f"{credit} · " if credit else "")
            + f"Areas: {METHOD_SHORT}. Map: frontmap {__version__}."
            + (" Basemap: Natural Earth." if scene.bundled is not None else ""),
            190,
        )
    ]
    foot_h = 0.3 + 0.24 * len(foot_lines)
    lay = _Layout(fig_w, 0.0, margin, gap, map_w, map_w_used, map_h, legend_h, foot_h, aspect,
                  foot_lines, closeups)
    fig_h = top_h + 0.35 + map_h + legend_h + lay.closeups_h + foot_h
    return _Layout(fig_w, fig_h, margin, gap, map_w, map_w_used, map_h, legend_h, foot_h, aspect,
                   foot_lines, closeups)


def _axes(fig, lay: _Layout, x0: float, bottom: float, width: float, height: float, view,
          aspect: float):
    """A map's axes at (x0, bottom) inches, ``width`` by ``height``, showing ``view``."""
    w, s, e, n = view
    ax = fig.add_axes((x0 / lay.fig_w, bottom / lay.fig_h, width / lay.fig_w, height / lay.fig_h),
                      facecolor=_BG)
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(aspect, adjustable="datalim", anchor="C")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_edgecolor("#b0b0b0")
        sp.set_linewidth(0.8)
    return ax


def _heading(fig, lay: _Layout, x0: float, width: float, top: float, d, tag: str,
             size: float = 16) -> None:
    fig.text(x0 / lay.fig_w, top / lay.fig_h, date_long(d), fontsize=size, fontweight="bold",
             color=_INK, va="bottom")
    fig.text((x0 + width) / lay.fig_w, top / lay.fig_h, tag, fontsize=size - 4, color=_MUTED,
             va="bottom", ha="right")


def _map_panel(fig, lay: _Layout, scene: Scene, diff: Diff, i: int, which: str, halo
               ) -> list[Label]:
    """One date's overview map with its heading; returns the labels drawn."""
    bottom = lay.legend_h + lay.closeups_h + lay.foot_h
    x0 = lay.margin + i * (lay.map_w + lay.gap) + (lay.map_w - lay.map_w_used) / 2
    ax = _axes(fig, lay, x0, bottom, lay.map_w_used, lay.map_h, scene.view, lay.aspect)
    labels = _draw_map(ax, scene, which, halo, boxes=scene.closeups)
    _scale_bar(ax)
    tag = days_apart(diff.date_from, diff.date_to) if which == "to" else "Before"
    _heading(fig, lay, x0, lay.map_w_used, bottom + lay.map_h + 0.12,
             diff.date_from if which == "from" else diff.date_to, tag)
    return labels


def _locator(fig, lay: _Layout, scene: Scene, c: CloseUp, ax_map) -> object:
    """A small map of all ground in the upper right corner of ``ax_map``, the close-up's
    box on it; returns its extent in display units (an obstacle for labels)."""
    from matplotlib.patches import Rectangle

    w, s, e, n = _pad(scene.extent, 0.05)
    aspect, h, used = _fit((w, s, e, n), _LOCATOR_W, _LOCATOR_W * 1.1)
    pos = ax_map.get_position()
    right = (pos.x1 * lay.fig_w) - 0.08
    top = (pos.y1 * lay.fig_h) - 0.08
    inset = _axes(fig, lay, right - used, top - h, used, h, (w, s, e, n), aspect)
    inset.set_facecolor(_SEA if scene.bundled is not None else _BG)
    for sp in inset.spines.values():
        sp.set_edgecolor("#777777")
    tol = (e - w) / 150
    if scene.bundled is not None:
        _fill(inset, shapely.simplify(scene.bundled.land, tol), facecolor=_LAND,
              edgecolor="none", linewidth=0, zorder=1)
    for hold in scene.to_holders:
        if hold.id == UNASSIGNED:
            continue
        color = "#9a9a9a" if hold.id == CONTESTED else hold.color
        _fill(inset, shapely.simplify(hold.geom, tol), facecolor=color, edgecolor="none",
              linewidth=0, alpha=0.85, zorder=2)
    bw, bs, be, bn = c.view
    min_w, min_h = (e - w) * 0.05, (n - s) * 0.05
    cx, cy = (bw + be) / 2, (bs + bn) / 2
    rw, rh = max(be - bw, min_w), max(bn - bs, min_h)
    for color, lw in (("white", 3.5), ("#111111", 1.6)):
        inset.add_patch(Rectangle((cx - rw / 2, cy - rh / 2), rw, rh, fill=False,
                                  edgecolor=color, linewidth=lw, zorder=3))
    inset.apply_aspect()
    return inset.get_window_extent(fig.canvas.get_renderer()).expanded(1.05, 1.05)


def _closeup_band(fig, lay: _Layout, scene: Scene, diff: Diff, k: int, halo
                  ) -> tuple[list[Label], list]:
    """Close-up ``k``: its heading, its before/after maps, the locator; returns the
    labels drawn and the locator's extent."""
    c = scene.closeups[k]
    head, c_h, used, aspect, lines = lay.closeups[k]
    top = lay.foot_h + sum(h + m + _CLOSEUP_GAP for h, m, _, _, _ in lay.closeups[k:])
    left = lay.margin / lay.fig_w
    y = top - _CLOSEUP_GAP
    n_title = len(textwrap.wrap(f"{c.number}  {c.title}", 105))
    for i, line in enumerate(lines):
        title = i < n_title
        fig.text(left, (y - 0.3 * i) / lay.fig_h, line, fontsize=15 if title else 11.5,
                 fontweight="bold" if title else "normal", color=_INK if title else _MUTED,
                 va="top")
    bottom = y - head - c_h
    labels: list[Label] = []
    obstacles = []
    for i, which in enumerate(("from", "to")):
        x0 = lay.margin + i * (lay.map_w + lay.gap) + (lay.map_w - used) / 2
        ax = _axes(fig, lay, x0, bottom, used, c_h, c.view, aspect)
        labels.extend(_draw_map(ax, c, which, halo))
        _scale_bar(ax)
        tag = days_apart(diff.date_from, diff.date_to) if which == "to" else "Before"
        _heading(fig, lay, x0, used, bottom + c_h + 0.08,
                 diff.date_from if which == "from" else diff.date_to, tag, size=12.5)
        if which == "from":
            obstacles.append(_locator(fig, lay, scene, c, ax))
    return labels, obstacles


def _legend_handles(scene: Scene, diff: Diff) -> list:
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    nets = {f.faction: f.net_km2 for f in diff.factions}
    handles: list[Artist] = []
    for entry in scene.legend:
        if entry.id == CONTESTED:
            h = Patch(facecolor="#e1e1e1", edgecolor="#8a8a8a", hatch="\\\\\\", label=entry.name)
        elif entry.id == UNASSIGNED:
            h = Patch(facecolor=entry.color, edgecolor="#b9b9b9", label=entry.name)
        else:
            label = f"{entry.name} ({_net(nets.get(entry.id, 0.0))})"
            h = Patch(facecolor=entry.color, edgecolor="none", label=label)
        handles.append(h)
    if scene.changed:
        handles.append(
            Patch(facecolor="#d6d6d6", edgecolor="#6b6b6b", hatch="////",
                  label=f"Changed hands ({CHANGED_KEY})")
        )
        soon = SOON_KEY.format(date=date_short(diff.date_from))
        handles.append(Patch(facecolor="white", edgecolor="#6b6b6b", hatch="\\\\\\\\",
                             linewidth=0, label=textwrap.fill(soon, 60)))
    if not scene.fronts_from.is_empty or not scene.fronts_to.is_empty:
        handles.append(Line2D([], [], color="#111111", linewidth=1.6, label=FRONT_KEY))
    if scene.events:
        handles.append(
            Patch(facecolor="none", edgecolor="#111111", linestyle=(0, (4, 3)),
                  linewidth=1.6, label=EVENT_KEY)
        )
    if scene.places:
        handles.append(
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="white",
                   markeredgecolor="#222222", markersize=5, label=PLACE_KEY)
        )
    if scene.closeups:
        handles.append(Patch(facecolor="none", edgecolor="#111111", linewidth=1.5,
                             label=CLOSEUP_KEY))
    return handles


def render_png(
    scene: Scene,
    diff: Diff,
    *,
    title: str,
    caption: str | None = None,
    credit: str | None = None,
    width_px: int = 1600,
    fmt: str = "png",
    provenance: dict | None = None,
) -> bytes:
    """The image bytes, ``width_px`` wide: PNG, or SVG or PDF for print (``fmt``),
    where text stays text (SVG ``<text>``, PDF TrueType fonts embedded) so that a
    graphics desk can restyle it. ``provenance`` (:mod:`.provenance`) goes into the
    file's metadata. The same inputs give the same bytes in every format."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import patheffects, rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lay = _layout(scene, caption, credit, width_px)
    rc: dict[str, Any] = {
        "text.parse_math": False,  # user text is text: "$5$" stays "$5$"
        "font.family": "DejaVu Sans",
        "svg.hashsalt": "frontmap",
        "svg.fonttype": "none",  # SVG text stays <text>
        "pdf.fonttype": 42,  # PDF text stays text, in embedded TrueType fonts
        "path.simplify": False,
        "hatch.linewidth": 1.4,
    }
    with rc_context(rc):  # type: ignore[arg-type]  # matplotlib types keys as literals
        fig = Figure(figsize=(lay.fig_w, lay.fig_h), dpi=_DPI, facecolor="white")
        FigureCanvasAgg(fig)
        y = 1 - 0.3 / lay.fig_h
        left = lay.margin / lay.fig_w
        fig.text(left, y, title, fontsize=24, fontweight="bold", color=_INK, va="top")
        fig.text(
            left, y - 0.52 / lay.fig_h, who_held(diff.date_from, diff.date_to),
            fontsize=14, color=_MUTED, va="top",
        )
        halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
        labels: list[Label] = []
        for i, which in enumerate(("from", "to")):
            labels.extend(_map_panel(fig, lay, scene, diff, i, which, halo))
        top = lay.legend_h + lay.closeups_h + lay.foot_h
        fig.legend(
            handles=_legend_handles(scene, diff), loc="upper left", ncols=3, frameon=False,
            fontsize=11.5, bbox_to_anchor=(left, (top - 0.12) / lay.fig_h),
            handlelength=1.6, handleheight=1.0, columnspacing=2.0, borderaxespad=0,
        )
        fig.canvas.draw()
        obstacles = []
        close_labels = []
        for k in range(len(scene.closeups)):
            found, blocked = _closeup_band(fig, lay, scene, diff, k, halo)
            close_labels.append((scene.closeups[k], found))
            obstacles.extend(blocked)
        for i, (line, color) in enumerate(lay.foot_lines):
            fig.text(
                left, (lay.foot_h - 0.3 - 0.24 * i) / lay.fig_h, line, fontsize=11,
                color=color, va="bottom",
            )
        fig.canvas.draw()
        _hide_covered_names(fig, scene, labels)
        for c, found in close_labels:
            _hide_covered_names(fig, c, found)
            labels.extend(found)
        place_labels(fig, labels, obstacles)
        if fmt != "png":
            _text_stays_text(fig)
        buf = io.BytesIO()
        with warnings.catch_warnings():  # PDF: a key of our own in the info dictionary
            warnings.filterwarnings("ignore", "Unknown infodict keyword", UserWarning)
            fig.savefig(buf, format=fmt, dpi=_DPI, metadata=_metadata(fmt, title, provenance))
    return buf.getvalue()


def _metadata(fmt: str, title: str, provenance: dict | None) -> dict[str, Any]:
    """The file's metadata: title, frontmap, provenance (the readable line and the
    record as JSON); no date, so the same inputs give the same bytes."""
    import json

    from .provenance import data_line

    record = json.dumps(provenance, ensure_ascii=False, sort_keys=True) if provenance else None
    line = data_line(provenance) if provenance else None
    creator = f"frontmap {__version__}"
    meta: dict[str, Any]
    if fmt == "svg":
        meta = {"Date": None, "Creator": creator, "Title": title}
        extra = {"Description": line, "Source": record}
    elif fmt == "pdf":
        meta = {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": creator,
                "Title": title}
        extra = {"Subject": line, "Provenance": record}
    else:
        meta = {"Software": None, "Title": title}
        extra = {"Description": line, "Provenance": record}
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


def _text_stays_text(fig) -> None:
    """For SVG and PDF: a text's halo (a stroke path effect, which matplotlib can only
    draw by turning the text into outlines) becomes a box of the halo's colour behind
    it, so that every label stays text a graphics desk can edit."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        effects = t.get_path_effects()
        if not effects or not t.get_visible():
            continue
        t.set_path_effects([])
        if t.get_bbox_patch() is None:
            color = next((getattr(e, "_gc", {}).get("foreground") for e in effects
                          if getattr(e, "_gc", {}).get("foreground")), "white")
            t.set_bbox({"boxstyle": "square,pad=0.08", "facecolor": color,
                        "edgecolor": "none", "alpha": 0.75})
