"""Area over time as a chart: one line per faction in its colour (rendering, matplotlib).

Lines are labelled directly at their ends (name and last value; no legend to
hunt), dates get matplotlib's concise ticks (days, months or years as the span
needs), the biggest topology events of the series are marked with a dot and a
short label, and the compared dates of a page can be marked. The same figure
is written as SVG, PNG or PDF (:func:`render_chart`) or inlined in a page as
sanitised SVG with the x position of every date, for a cursor
(:func:`inline_chart`). Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..analysis.measure import CONTESTED
from ..analysis.series import MARKED_TYPES, AreaSeries, SeriesEvent
from ..errors import ArgumentError
from ..read.factions import FactionTable
from .scene import CONTESTED_COLOR, _safe_color
from .text import date_range_text, date_short, km2_short

__all__ = [
    "render_chart",
    "inline_chart",
    "InlineChart",
    "chart_lines",
    "CHART_FORMATS",
    "event_label",
    "MAX_MARKS",
]

CHART_FORMATS = ("svg", "png", "pdf")
#: at most this many events are marked on a chart (the biggest)
MAX_MARKS = 5
_INK = "#1b1b1b"
_MUTED = "#5c6166"
_GRID = "#e3e3e3"
_DPI = 100
_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"


@dataclass(frozen=True)
class Line:
    """One faction's line: display name, colour and values (km² or %)."""

    id: str
    name: str
    color: str
    values: list[float]


def _short(name: str, fid: str) -> str:
    return name if len(name) <= 18 else fid


def event_label(e: SeriesEvent, names: dict[str, str]) -> str:
    who = _short(names.get(e.faction, e.faction), e.faction)
    if e.type == "split":
        n = e.pieces
        return f"{who} cut in two" if n <= 2 else f"{who} cut into {n} parts"
    if e.type == "encircled":
        return f"{who} pocket encircled"
    if e.type == "pocket_lost":
        return f"{who} {'territory' if e.main else 'pocket'} lost"
    if e.type == "merge":
        return f"{who} parts joined"
    return f"New {who} pocket"


def _resolve(table: FactionTable, wanted: Sequence[str], present: list[str]) -> list[str]:
    """Faction ids for names given by the user (id, name or alias, any case)."""
    out = []
    for w in wanted:
        key = " ".join(str(w).split()).casefold()
        hit = None
        for f in [*present, CONTESTED]:
            fac = table.get(f) if f != CONTESTED else None
            keys = {f} if fac is None else {f, fac.name, *fac.aliases}
            if key in {" ".join(k.split()).casefold() for k in keys}:
                hit = f
                break
        if hit is None:
            raise ArgumentError(
                f"{w!r} names no faction of these layers (factions: {', '.join(present)})"
            )
        if hit not in out:
            out.append(hit)
    return out


def chart_lines(
    series: AreaSeries,
    table: FactionTable,
    factions: Sequence[str] | None = None,
    relative: bool = False,
) -> list[Line]:
    """The lines to draw: every faction (or those named), values in km² or, with
    ``relative``, in % of the faction's area on the first date it held ground."""
    ids = _resolve(table, factions, series.factions) if factions else list(series.factions)
    lines = []
    for f in ids:
        vals = list(series.contested if f == CONTESTED else series.areas[f])
        if relative:
            base = next((v for v in vals if v > 0), 0.0)
            vals = [v / base * 100 if base > 0 else 0.0 for v in vals]
        if f == CONTESTED:
            lines.append(Line(f, "Contested", CONTESTED_COLOR, vals))
        else:
            fac = table.get(f)
            lines.append(Line(f, fac.name, _safe_color(fac.color), vals))
    return lines


def _marks(series: AreaSeries, ids: list[str]) -> list[SeriesEvent]:
    """The biggest events to mark: splits, encirclements and pockets lost, one per
    faction and date (the first type in :data:`MARKED_TYPES`), largest first."""
    best: dict[tuple, SeriesEvent] = {}
    for e in series.events:
        if e.type not in MARKED_TYPES or e.faction not in ids:
            continue
        key = (e.date, e.faction)
        old = best.get(key)
        if old is None or MARKED_TYPES.index(e.type) < MARKED_TYPES.index(old.type):
            best[key] = e
    ranked = sorted(
        best.values(), key=lambda e: (-e.area_km2, e.date, e.faction, e.type)
    )
    return sorted(ranked[:MAX_MARKS], key=lambda e: (e.date, e.faction))


def _fmt_value(v: float, relative: bool) -> str:
    if relative:
        return f"{v:.1f}%"
    return f"{km2_short(v)} km²"


def _spread(ys: list[float], sizes: list[float], lo: float, hi: float) -> list[float]:
    """Centres for labels of heights ``sizes`` wanted at ``ys`` (display units), moved
    apart so that none overlap, kept within [lo, hi] where they fit."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    pos = [ys[i] for i in order]
    size = [sizes[i] for i in order]
    for k in range(1, len(pos)):
        pos[k] = max(pos[k], pos[k - 1] + (size[k - 1] + size[k]) / 2)
    if pos and pos[-1] + size[-1] / 2 > hi:
        pos[-1] = hi - size[-1] / 2
        for k in range(len(pos) - 2, -1, -1):
            pos[k] = min(pos[k], pos[k + 1] - (size[k + 1] + size[k]) / 2)
    if pos and pos[0] - size[0] / 2 < lo:
        pos[0] = lo + size[0] / 2
        for k in range(1, len(pos)):
            pos[k] = max(pos[k], pos[k - 1] + (size[k - 1] + size[k]) / 2)
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out


@dataclass
class _Drawn:
    fig: Any
    ax: Any
    xs: list[float]  # x of each date as a share of the figure width
    top: float  # top and bottom of the plot area, as shares of the figure height
    bottom: float
    lines: list[Line]


def _draw(
    series: AreaSeries,
    table: FactionTable,
    *,
    factions: Sequence[str] | None,
    relative: bool,
    title: str | None,
    credit: str | None,
    source: str | None,
    marked_dates: Sequence[dt.date],
    width_px: int,
    height_px: int,
) -> _Drawn:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    if not series.dates:
        raise ArgumentError("no dates to chart")
    lines = chart_lines(series, table, factions, relative)
    names = {ln.id: ln.name for ln in lines}
    w_in, h_in = width_px / _DPI, height_px / _DPI
    fig = Figure(figsize=(w_in, h_in), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    longest = max((len(_label_text(ln, relative)[0]) for ln in lines), default=10)
    right = 1 - min(0.36, (0.9 + 0.085 * min(longest, 24)) / w_in)
    foot = _foot_lines(series, credit, source, relative, w_in)
    bottom = (0.62 + 0.2 * len(foot)) / h_in
    top = 1 - (1.05 if title != "" else 0.55) / h_in
    ax = fig.add_axes((0.8 / w_in, bottom, right - 0.8 / w_in, top - bottom))
    x = [mdates.date2num(dt.datetime(d.year, d.month, d.day)) for d in series.dates]
    for i, ln in enumerate(lines):
        style = "--" if ln.id == CONTESTED else "-"
        (art,) = ax.plot(
            x, ln.values, color=ln.color, linewidth=2.4, linestyle=style,
            solid_joinstyle="round", solid_capstyle="round", zorder=3,
            marker="o" if len(x) <= 2 else None, markersize=4,
        )
        art.set_gid(f"fm-line-{i}")
    for d in marked_dates:
        xd = mdates.date2num(dt.datetime(d.year, d.month, d.day))
        ax.axvline(xd, color=_MUTED, linewidth=1.1, linestyle=(0, (3, 3)), zorder=2)
        ax.annotate(
            date_short(d), xy=(xd, 1), xycoords=("data", "axes fraction"), xytext=(0, 3),
            textcoords="offset points", ha="center", va="bottom", fontsize=10.5,
            color=_MUTED, fontweight="bold",
        )
    if len(marked_dates) == 2:
        a, b = (mdates.date2num(dt.datetime(d.year, d.month, d.day)) for d in marked_dates)
        ax.axvspan(min(a, b), max(a, b), color="#f1f1f1", zorder=1, linewidth=0)
    span = max(x) - min(x) if len(x) > 1 else 1.0
    ax.set_xlim(min(x) - span * 0.01, max(x) + span * 0.01)
    vals = [v for ln in lines for v in ln.values]
    vmax = max(vals, default=1.0) or 1.0
    vmin = min(vals, default=0.0)
    if relative:
        pad = max(vmax - vmin, 1.0) * 0.08
        ax.set_ylim(vmin - pad, vmax + pad)
    else:
        ax.set_ylim(0, vmax * 1.06)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: f"{v:.0f}%" if relative else f"{v:,.0f}")
    )
    ax.grid(axis="y", color=_GRID, linewidth=0.8, zorder=0)
    ax.tick_params(labelsize=11, colors=_INK, length=0, pad=6)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#9a9a9a")
    ax.set_axisbelow(True)
    fig.canvas.draw()
    taken = _end_labels(fig, ax, x, lines, relative)
    _event_marks(fig, ax, series, x, lines, names, taken)
    head = 0.0
    if title != "":  # "": no headline (a page that has its own)
        fig.text(0.8 / w_in, 1 - 0.28 / h_in, title or _default_title(series),
                 fontsize=19, fontweight="bold", color=_INK, va="top")
        head = 0.4
    unit = (
        "% of each faction's area on the first date it held ground"
        if relative
        else "Area held, geodesic km²"
    )
    fig.text(0.8 / w_in, 1 - (0.28 + head) / h_in, unit, fontsize=12.5, color=_MUTED, va="top")
    for k, (text, color) in enumerate(foot):
        fig.text(0.8 / w_in, (0.22 + 0.2 * (len(foot) - 1 - k)) / h_in, text, fontsize=10,
                 color=color, va="bottom")
    disp = ax.transData
    xs = [float(disp.transform((xi, 0))[0]) / (w_in * _DPI) for xi in x]
    return _Drawn(fig, ax, xs, top, bottom, lines)


def _default_title(series: AreaSeries) -> str:
    a, b = series.dates[0], series.dates[-1]
    if a == b:
        return f"Territory held on {date_short(a)}"
    return f"Territory held, {date_range_text(a, b)}"


def _foot_lines(series, credit, source, relative, w_in) -> list[tuple[str, str]]:
    n = len(series.dates)
    width = int(w_in * 12.5)
    out = [(ln, _INK) for ln in textwrap.wrap(f"Source: {source}" if source else "", width)]
    method = (
        f"{credit} · " if credit else ""
    ) + (
        f"{n} snapshot{'s' if n != 1 else ''}. Areas: geodesic km² on the WGS84 ellipsoid"
        + (", as % of each faction's first area" if relative else "")
        + f". Chart: frontmap {__version__}."
    )
    out += [(ln, _MUTED) for ln in textwrap.wrap(method, width)]
    return out


def _label_text(ln: Line, relative: bool) -> tuple[str, str]:
    name = "\n".join(textwrap.wrap(ln.name, 24)[:2]) or ln.id
    return name, _fmt_value(ln.values[-1], relative) if ln.values else ""


def _end_labels(fig, ax, x, lines: list[Line], relative: bool) -> list:
    """Name and last value at the end of each line, pushed apart so none overlap;
    returns the labels' extents (display units)."""
    if not lines:
        return []
    to_disp = ax.transData
    px_per_line = 11.5 * 1.22 * fig.dpi / 72
    ys = [float(to_disp.transform((x[-1], ln.values[-1]))[1]) for ln in lines]
    sizes = [(_label_text(ln, relative)[0].count("\n") + 2) * px_per_line + 4 for ln in lines]
    box = ax.get_window_extent()
    placed = _spread(ys, sizes, box.y0 - 30, box.y1 + 40)
    inv = fig.transFigure.inverted()
    x_end = float(to_disp.transform((x[-1], 0))[0])
    renderer = fig.canvas.get_renderer()
    extents = []
    for ln, y0, y, size in zip(lines, ys, placed, sizes, strict=True):
        name, value = _label_text(ln, relative)
        split = y - size / 2 + px_per_line + 2  # the value's line at the bottom of the block
        fx, fy = inv.transform((x_end + 12, split))
        t1 = fig.text(fx, fy, name, fontsize=11.5, fontweight="bold", color=_darker(ln.color),
                      va="bottom", ha="left", linespacing=1.05)
        t2 = fig.text(fx, fy, value, fontsize=11, color=_INK, va="top", ha="left")
        extents += [t1.get_window_extent(renderer), t2.get_window_extent(renderer)]
        if abs(y - y0) > 3:
            a = inv.transform((x_end + 3, y0))
            b = inv.transform((x_end + 10, y))
            fig.add_artist(_line_artist([a[0], b[0]], [a[1], b[1]], ln.color, fig))
    return extents


def _line_artist(xs, ys, color, fig):
    from matplotlib.lines import Line2D

    return Line2D(xs, ys, color=color, linewidth=0.9, transform=fig.transFigure)


def _darker(hex_color: str) -> str:
    """Text in a faction's colour, darkened until it reads on white."""
    n = int(hex_color[1:], 16)
    r, g, b = (n >> 16) & 255, (n >> 8) & 255, n & 255
    lum = 0.299 * r + 0.587 * g + 0.114 * b
    if lum <= 140:
        return hex_color
    k = 140 / lum
    return f"#{int(r * k):02x}{int(g * k):02x}{int(b * k):02x}"


#: where an event's label may go (offset in points, alignment), tried in order
_PLACES = [
    (0, 16, "center"), (0, -20, "center"), (-8, 16, "right"), (-8, -20, "right"),
    (8, 16, "left"), (8, -20, "left"), (0, 34, "center"), (0, -38, "center"),
    (-8, 34, "right"), (-8, -38, "right"),
]


def _event_marks(fig, ax, series, x, lines, names, taken: list) -> None:
    """A dot on the faction's line at each of the biggest events, and a short label."""
    from matplotlib.text import Text

    by_id = {ln.id: ln for ln in lines}
    renderer = fig.canvas.get_renderer()
    kept: list = list(taken)
    index = {d: i for i, d in enumerate(series.dates)}
    for e in _marks(series, list(by_id)):
        i = index[e.date]
        y = by_id[e.faction].values[i]
        ax.plot([x[i]], [y], marker="o", markersize=7.5, markerfacecolor="white",
                markeredgecolor=_INK, markeredgewidth=1.8, zorder=5, linestyle="none")
        for dx, dy, ha in _PLACES:
            t = ax.annotate(
                event_label(e, names), xy=(x[i], y), xytext=(dx, dy), textcoords="offset points",
                ha=ha, va="bottom" if dy > 0 else "top", fontsize=10.5, color=_INK,
                bbox={"boxstyle": "round,pad=0.22", "facecolor": "white", "edgecolor": "#bdbdbd",
                      "linewidth": 0.6},
                arrowprops={"arrowstyle": "-", "color": "#8a8a8a", "linewidth": 0.8,
                            "shrinkA": 0, "shrinkB": 4},
                zorder=6,
            )
            # the label's own box (an annotation's extent includes its arrow and point)
            t.update_positions(renderer)
            bb = Text.get_window_extent(t, renderer).expanded(1.08, 1.35)
            fig_bb, ax_bb = fig.bbox, ax.get_window_extent(renderer)
            inside = (
                bb.x0 >= fig_bb.x0 and bb.x1 <= ax_bb.x1 + 20 and bb.y1 <= fig_bb.y1
                and bb.y0 >= ax_bb.y0
            )
            if inside and not any(bb.overlaps(k) for k in kept):
                kept.append(bb)
                break
            t.remove()


def _rc() -> dict[str, Any]:
    return {
        "text.parse_math": False,  # user text is text: "$5$" stays "$5$"
        "font.family": "DejaVu Sans",
        "svg.hashsalt": "frontmap",
        "svg.fonttype": "none",  # text stays text (editable, searchable)
        "path.simplify": False,
    }


def render_chart(
    series: AreaSeries,
    table: FactionTable,
    *,
    fmt: str = "svg",
    factions: Sequence[str] | None = None,
    relative: bool = False,
    title: str | None = None,
    credit: str | None = None,
    source: str | None = None,
    marked_dates: Sequence[dt.date] = (),
    width_px: int = 1200,
    height_px: int = 675,
) -> bytes:
    """The chart as SVG, PNG or PDF bytes (``width_px`` x ``height_px`` at 100 dpi).

    Raises :class:`~frontmap.errors.ArgumentError` for an unknown format, no
    dates, or a faction in ``factions`` that the series does not hold.
    """
    from matplotlib import rc_context

    if fmt not in CHART_FORMATS:
        raise ArgumentError(f"chart format must be one of {', '.join(CHART_FORMATS)}, not {fmt!r}")
    with rc_context(_rc()):  # type: ignore[arg-type]  # matplotlib types keys as literals
        d = _draw(series, table, factions=factions, relative=relative, title=title,
                  credit=credit, source=source, marked_dates=marked_dates,
                  width_px=width_px, height_px=height_px)
        buf = io.BytesIO()
        metas: dict[str, dict[str, Any]] = {
            "svg": {"Date": None, "Creator": f"frontmap {__version__}"},
            "png": {"Software": None},
            "pdf": {"CreationDate": None, "ModDate": None, "Producer": None,
                    "Creator": f"frontmap {__version__}"},
        }
        d.fig.savefig(buf, format=fmt, dpi=_DPI, metadata=metas[fmt])
    return buf.getvalue()


# ---------------------------------------------------------------------------
# inline SVG for pages


@dataclass(frozen=True)
class InlineChart:
    """A chart ready to sit inside HTML, with where each date lies on it."""

    svg: str
    #: x of each date in the SVG's user units (its viewBox), in date order
    xs: list[float]
    #: top and bottom of the plot area in user units
    top: float
    bottom: float
    width: float
    height: float


_ALLOWED = {
    "svg", "g", "path", "defs", "clipPath", "use", "text", "tspan", "rect", "line",
    "polyline", "polygon", "circle", "ellipse", "style", "title", "desc",
}
_VIEWBOX = re.compile(r"^0 0 ([0-9.]+) ([0-9.]+)$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sanitise_svg(text: str) -> ET.Element:
    """Parse SVG text and keep only drawing elements and harmless attributes: no
    script, no foreignObject, no event handlers, no links outside the document."""
    root = ET.fromstring(text)

    def clean(el: ET.Element) -> None:
        for child in list(el):
            if _local(child.tag) not in _ALLOWED:
                el.remove(child)
                continue
            clean(child)
        for k in list(el.attrib):
            name = _local(k).lower()
            v = el.attrib[k]
            if name.startswith("on") or (name == "href" and not v.startswith("#")):
                del el.attrib[k]
            elif "javascript:" in v.lower() or ("url(" in v and "url(#" not in v):
                del el.attrib[k]

    if _local(root.tag) != "svg":
        raise ArgumentError("not an SVG document")
    clean(root)
    return root


def inline_chart(
    series: AreaSeries,
    table: FactionTable,
    *,
    factions: Sequence[str] | None = None,
    relative: bool = False,
    title: str | None = None,
    credit: str | None = None,
    source: str | None = None,
    marked_dates: Sequence[dt.date] = (),
    width_px: int = 1200,
    height_px: int = 560,
    label: str | None = None,
) -> InlineChart:
    """The chart as sanitised SVG text for inlining in HTML (scales to its box)."""
    from matplotlib import rc_context

    with rc_context(_rc()):  # type: ignore[arg-type]  # matplotlib types keys as literals
        d = _draw(series, table, factions=factions, relative=relative, title=title,
                  credit=credit, source=source, marked_dates=marked_dates,
                  width_px=width_px, height_px=height_px)
        buf = io.StringIO()
        d.fig.savefig(buf, format="svg", dpi=_DPI,
                      metadata={"Date": None, "Creator": f"frontmap {__version__}"})
    root = sanitise_svg(buf.getvalue())
    m = _VIEWBOX.match(root.attrib.get("viewBox", ""))
    if not m:  # pragma: no cover - matplotlib always writes one
        raise ArgumentError("matplotlib wrote an SVG without a viewBox")
    w, h = float(m.group(1)), float(m.group(2))
    for k in ("width", "height"):
        root.attrib.pop(k, None)
    root.set("class", "fm-chart-svg")
    root.set("role", "img")
    root.set("preserveAspectRatio", "xMidYMid meet")
    root.set("aria-label", label or "Area held by each faction over time")
    for el in list(root):
        if _local(el.tag) == "metadata":
            root.remove(el)
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    text = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return InlineChart(
        svg=text,
        xs=[round(v * w, 2) for v in d.xs],
        top=round((1 - d.top) * h, 2),
        bottom=round((1 - d.bottom) * h, 2),
        width=w,
        height=h,
    )


def chart_section(
    series: AreaSeries,
    table: FactionTable,
    marked_dates: Sequence[dt.date] = (),
    heading: str = "Area over time",
) -> str:
    """The chart as an HTML section for a page (its SVG sanitised, every name escaped),
    with ``marked_dates`` (the compared dates) marked."""
    import html

    first, last = series.dates[0], series.dates[-1]
    ic = inline_chart(
        series, table, title="", marked_dates=marked_dates, height_px=480,
        label=f"Area held by each faction, {date_range_text(first, last)}",
    )
    svg = ic.svg.replace(
        "<svg ", '<svg style="display:block;width:100%;height:auto" ', 1
    )
    n = len(series.dates)
    note = (
        f"Every snapshot from {date_short(first)} to {date_short(last)} ({n} dates)"
        + (", the compared dates marked." if marked_dates else ".")
    )
    return (
        f'<section class="fm-timeline"><h2>{html.escape(heading)}</h2>'
        f'<p class="fm-chart-note">{html.escape(note)}</p>'
        f'<figure class="fm-chart" style="margin:0">{svg}</figure></section>\n'
    )
