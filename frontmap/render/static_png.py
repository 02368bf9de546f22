"""The comparison as a print-ready PNG (rendering, matplotlib Agg).

Both dates side by side under a title, ground that changed hands hatched in
the new holder's colour on the right-hand map, front lines, pockets and
corridors outlined and labelled, city labels (overlapping ones left out),
a legend with each faction's net change, caption and credit. The same
inputs give the same bytes: no timestamp or software version in the file,
a bundled font (DejaVu Sans), fixed sizes.
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
from .scene import Scene
from .text import (
    CHANGED_KEY,
    EVENT_KEY,
    FRONT_KEY,
    METHOD_SHORT,
    PLACE_KEY,
    date_long,
    days_apart,
    km2_short,
    who_held,
)

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
    """A matplotlib Path of a (multi)polygon, holes included."""
    from matplotlib.path import Path

    verts, codes = [], []
    for poly in shapely.get_parts(geom):
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


def _draw_bundled(ax, scene: Scene) -> list:
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
        out.append((t, None))
    return out


def _draw_map(ax, scene: Scene, which: str, halo) -> list:
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
    labels = []
    if which == "to":
        for c in scene.changed:
            color = scene.color(c.to_id)
            _fill(
                ax, c.geom, facecolor=_tint(color, 0.72), edgecolor=color, hatch="////",
                linewidth=1.3, zorder=3,
            )
    _rings(ax, scene, which)
    front = scene.fronts_from if which == "from" else scene.fronts_to
    _lines(ax, front, color="#111111", linewidth=1.0, alpha=0.85, zorder=4,
           solid_joinstyle="round")
    if which == "to":
        for e in scene.events:
            _lines(ax, e.geom, color="#111111", linewidth=1.6, linestyle=(0, (4, 3)), zorder=5)
            if not e.labelled:
                continue
            t = ax.annotate(
                e.label, xy=e.anchor, xytext=(0, 9), textcoords="offset points",
                ha="center", va="bottom", fontsize=10, fontweight="bold", color="white",
                bbox={"boxstyle": "round,pad=0.25", "facecolor": "#111111", "edgecolor": "none"},
                zorder=8,
            )
            labels.append((t, None))
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
        labels.append((t, dot))
    return labels + countries


def _rings(ax, scene: Scene, which: str) -> None:
    """Circle changed ground too small to see at print scale (both maps)."""
    w, _, e, _ = scene.view
    ax_w_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    for c in scene.changed:
        color = scene.color(c.to_id) if which == "to" else "#111111"
        for x, y, size in c.spots:
            if size / max(e - w, 1e-9) * ax_w_pt >= 16:
                continue
            ax.plot([x], [y], marker="o", markersize=19, markerfacecolor="none",
                    markeredgecolor="white", markeredgewidth=4.0, zorder=5.5, alpha=0.9)
            ax.plot([x], [y], marker="o", markersize=19, markerfacecolor="none",
                    markeredgecolor=color, markeredgewidth=2.0, zorder=5.6,
                    linestyle="none")


def _hide_covered_names(fig, scene: Scene, labels: list) -> None:
    """Hide the country names (under the factions) that ground some holder holds on
    either date would cover in part."""
    if scene.bundled is None:
        return
    ground = [h.geom for h in (*scene.from_holders, *scene.to_holders)]
    if not ground:
        return
    tree = shapely.STRtree(ground)
    renderer = fig.canvas.get_renderer()
    for t, _ in labels:
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


def _declutter(fig, labels: list) -> None:
    """Hide labels (and their dots) overlapping a label drawn before them or leaving
    their map."""
    renderer = fig.canvas.get_renderer()
    kept: list = []
    for t, dot in labels:
        if not t.get_visible():
            continue
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        ax_bb = t.axes.get_window_extent(renderer)
        outside = bb.x1 > ax_bb.x1 or bb.x0 < ax_bb.x0 or bb.y0 < ax_bb.y0 or bb.y1 > ax_bb.y1
        if outside or any(bb.overlaps(k) for k in kept):
            t.set_visible(False)
            if dot is not None:
                dot.set_visible(False)
        else:
            kept.append(bb)


@dataclass(frozen=True)
class _Layout:
    """Sizes of the figure and its bands, in inches (maps side by side in the middle)."""

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


def _layout(scene: Scene, caption: str | None, credit: str | None, width_px: int) -> _Layout:
    w, s, e, n = scene.view
    lat0 = math.radians(max(min((s + n) / 2, 85.0), -85.0))
    aspect = 1 / max(math.cos(lat0), 0.05)
    fig_w = width_px / _DPI
    margin, gap = 0.45, 0.35
    map_w = (fig_w - 2 * margin - gap) / 2
    ratio = (n - s) * aspect / max(e - w, 1e-9)
    map_h = min(map_w * ratio, 8.5)
    map_w_used = min(map_w, map_h / ratio) if ratio > 0 else map_w
    n_keys = len(scene.legend) + bool(scene.changed) + bool(scene.events) + bool(scene.places)
    n_keys += not (scene.fronts_from.is_empty and scene.fronts_to.is_empty)
    top_h, legend_h = 1.35, 0.35 + 0.25 * math.ceil(n_keys / 3)
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
    fig_h = top_h + 0.35 + map_h + legend_h + foot_h
    return _Layout(
        fig_w, fig_h, margin, gap, map_w, map_w_used, map_h, legend_h, foot_h, aspect, foot_lines
    )


def _map_panel(fig, lay: _Layout, scene: Scene, diff: Diff, i: int, which: str, halo) -> list:
    """One date's map with its heading; returns the labels drawn (for decluttering)."""
    w, s, e, n = scene.view
    map_bottom = (lay.legend_h + lay.foot_h) / lay.fig_h
    x0 = lay.margin + i * (lay.map_w + lay.gap) + (lay.map_w - lay.map_w_used) / 2
    ax = fig.add_axes(
        (x0 / lay.fig_w, map_bottom, lay.map_w_used / lay.fig_w, lay.map_h / lay.fig_h),
        facecolor=_BG,
    )
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(lay.aspect, adjustable="datalim", anchor="C")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_edgecolor("#b0b0b0")
        sp.set_linewidth(0.8)
    labels = _draw_map(ax, scene, which, halo)
    _scale_bar(ax)
    d = diff.date_from if which == "from" else diff.date_to
    head = map_bottom + (lay.map_h + 0.12) / lay.fig_h
    fig.text(
        x0 / lay.fig_w, head, date_long(d), fontsize=16, fontweight="bold", color=_INK,
        va="bottom",
    )
    tag = days_apart(diff.date_from, diff.date_to) if which == "to" else "Before"
    fig.text(
        (x0 + lay.map_w_used) / lay.fig_w, head, tag, fontsize=12, color=_MUTED, va="bottom",
        ha="right",
    )
    return labels


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
        labels = []
        for i, which in enumerate(("from", "to")):
            labels.extend(_map_panel(fig, lay, scene, diff, i, which, halo))
        fig.legend(
            handles=_legend_handles(scene, diff), loc="upper left", ncols=3, frameon=False,
            fontsize=11.5, bbox_to_anchor=(left, (lay.legend_h + lay.foot_h - 0.12) / lay.fig_h),
            handlelength=1.6, handleheight=1.0, columnspacing=2.0, borderaxespad=0,
        )
        for i, (line, color) in enumerate(lay.foot_lines):
            fig.text(
                left, (lay.foot_h - 0.3 - 0.24 * i) / lay.fig_h, line, fontsize=11,
                color=color, va="bottom",
            )
        fig.canvas.draw()
        _hide_covered_names(fig, scene, labels)
        _declutter(fig, labels)
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
