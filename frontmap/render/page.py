"""The "tale of two maps" HTML page (rendering).

One self-contained HTML file: Leaflet's JS and CSS (from the installed
``XStatic-Leaflet`` package) and our own (``frontmap/static``) are inlined, so
the page opens from disk with no network at all unless OpenStreetMap tiles are
asked for. The data travels as JSON in ``<script type="application/json">``
and the script builds every text node with ``textContent``; every user string
in the HTML itself goes through :func:`html.escape`.

Hand-written rather than folium: the page needs two maps (or one with a
swipe divider over two clipped panes), the data as inert JSON rather than JS
literals, and byte-identical output; folium would have to be stripped of nine
CDN resources and its random ids, and would contribute only the ``L.map`` and
``L.geoJSON`` calls.
"""

from __future__ import annotations

import functools
import html
import json
import re
from importlib import resources

import numpy as np
import shapely

from .. import __version__
from ..analysis.change import Diff
from ..analysis.measure import CONTESTED, UNASSIGNED
from ..analysis.summary import summarize
from ..errors import ArgumentError
from .closeup import CloseUp
from .modes import MODES
from .scene import Scene
from .text import (
    CHANGED_KEY,
    CLOSEUP_KEY,
    EVENT_KEY,
    FRONT_KEY,
    PLACE_KEY,
    SOON_KEY,
    closeup_facts,
    date_long,
    date_short,
    days_apart,
    km2_short,
    who_held,
)

__all__ = ["render_page", "MODES", "OSM_TILES", "json_for_script", "leaflet_assets"]

OSM_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
}
_PRECISION = 5  # decimals of a degree: about a metre


# ---------------------------------------------------------------------------
# assets


@functools.lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's (JS, CSS) from the installed XStatic-Leaflet, ready to inline.

    The source-map comment goes, and so do the CSS ``url(images/...)``
    references (layer-switcher and default-marker images this page never
    uses), so that nothing can trigger a request.
    """
    from xstatic.pkg import leaflet

    base = resources.files(leaflet.__name__) / "data"
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"url\((?!#|data:)[^)]*\)", "none", css)
    return js, css


@functools.lru_cache(maxsize=1)
def _own_assets() -> tuple[str, str]:
    base = resources.files("frontmap.render") / "static"
    return (
        (base / "compare.js").read_text(encoding="utf-8"),
        (base / "compare.css").read_text(encoding="utf-8"),
    )


def _inline(text: str, tag: str) -> str:
    """Make text safe inside <script> or <style>: no closing tag, no comment opener."""
    text = re.sub(rf"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


# ---------------------------------------------------------------------------
# JSON


def json_for_script(obj) -> str:
    """JSON that can sit inside ``<script type="application/json">`` as is.

    ``<``, ``>`` and ``&`` become ``\\u003c``..., and so do U+2028/2029, so no
    string can close the element or be read as markup.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


def _coordinate(v: float) -> float:
    """A coordinate rounded to :data:`_PRECISION` decimals of a degree."""
    return float(f"{v:.{_PRECISION}f}") + 0.0  # + 0.0: no "-0.0"


def _ring(coords: np.ndarray, closed: bool) -> list:
    out: list = []
    for x, y in coords.tolist():
        p = [_coordinate(x), _coordinate(y)]
        if not out or out[-1] != p:
            out.append(p)
    if closed:
        if len(out) < 4:
            return []
        if out[0] != out[-1]:
            out.append(out[0])
    elif len(out) < 2:
        return []
    return out


def geojson_geometry(geom) -> dict | None:
    """A compact GeoJSON geometry, coordinates rounded to 1e-5 degrees (None if empty)."""
    if geom is None or geom.is_empty:
        return None
    polys, lines = [], []
    for part in shapely.get_parts(geom):
        t = part.geom_type
        if t == "Polygon":
            shell = _ring(shapely.get_coordinates(part.exterior), True)
            if shell:
                rings = [shell]
                for hole in part.interiors:
                    r = _ring(shapely.get_coordinates(hole), True)
                    if r:
                        rings.append(r)
                polys.append(rings)
        elif t in ("MultiPolygon", "GeometryCollection", "MultiLineString"):
            sub = geojson_geometry(part)
            if sub and sub["type"] == "MultiPolygon":
                polys.extend(sub["coordinates"])
            elif sub and sub["type"] == "MultiLineString":
                lines.extend(sub["coordinates"])
        elif t in ("LineString", "LinearRing"):
            r = _ring(shapely.get_coordinates(part), False)
            if r:
                lines.append(r)
    if polys:
        return {"type": "MultiPolygon", "coordinates": polys}
    if lines:
        return {"type": "MultiLineString", "coordinates": lines}
    return None


# ---------------------------------------------------------------------------
# numbers


def _signed_km2(x: float) -> str:
    if abs(x) < 0.05:
        return "0"
    return ("+" if x > 0 else "\u2212") + km2_short(x)


def _pct(p: float | None) -> str:
    if p is None:
        return "new"
    if abs(p) < 0.005:
        return "0%"
    sign = "+" if p > 0 else "\u2212"
    digits = 2 if abs(p) < 0.1 else 1
    return f"{sign}{abs(p):.{digits}f}%"


def _text(text) -> str:
    """Text for an element's content (no attribute: quotes may stay)."""
    return html.escape(str(text), quote=False)


def _escape(text) -> str:
    """Text for HTML, attributes included (quotes escaped)."""
    return html.escape(str(text), quote=True)


def _swatch(scene: Scene, hid: str) -> str:
    if hid == CONTESTED:
        return '<span class="fm-sw fm-sw-contested"></span>'
    if hid == UNASSIGNED:
        return '<span class="fm-sw fm-sw-unassigned"></span>'
    # colours are validated hex (#rrggbb) in the scene
    return f'<span class="fm-sw" style="background:{_escape(scene.color(hid))}"></span>'


def _cells(values: list[tuple[str, str, str]]) -> str:
    """Number cells, each with its column's name for the stacked layout of narrow
    screens: (label, class, text)."""
    return "".join(
        f'<td class="fm-num{(" " + cls) if cls else ""}" data-label="{_escape(label)}">'
        f"{text}</td>"
        for label, cls, text in values
    )


def _numbers_table(scene: Scene, diff: Diff) -> str:
    f_label, t_label = date_short(diff.date_from), date_short(diff.date_to)
    rows = []

    def row(hid: str, a: float, b: float, pct: float | None, other: bool) -> str:
        net = b - a
        cls = "fm-up" if net >= 0.05 else "fm-down" if net <= -0.05 else ""
        return (
            ('<tr class="fm-other">' if other else "<tr>")
            + f'<td class="fm-name">{_swatch(scene, hid)}{_escape(scene.name(hid))}</td>'
            + _cells([(f_label, "", km2_short(a)), (t_label, "", km2_short(b)),
                      ("Change", "" if other else cls, _signed_km2(net)), ("%", "", _pct(pct))])
            + "</tr>"
        )

    for f in diff.factions:
        rows.append(row(f.faction, f.area_from_km2, f.area_to_km2, f.change_pct, False))
    # ground no faction claims is a holder only inside a clip outline: without one, the
    # area of interest is where the factions are, and that row would mean nothing
    others = (CONTESTED, UNASSIGNED) if diff.clipped else (CONTESTED,)
    for hid in others:
        a, b = diff.holders_from.get(hid, 0.0), diff.holders_to.get(hid, 0.0)
        if max(a, b) < 0.05:
            continue
        rows.append(row(hid, a, b, (b - a) / a * 100 if a > 0 else None, True))
    return (
        '<div class="fm-scroll"><table class="fm-table fm-stack">'
        "<caption>Areas in km²: geodesic areas on the WGS84 ellipsoid (what PostGIS "
        "<code>ST_Area</code> gives for geography), measured on the full-detail data; "
        "the maps are simplified for display.</caption>"
        "<thead><tr><th>Held by</th>"
        f'<th class="fm-num">{_escape(f_label)}</th><th class="fm-num">{_escape(t_label)}</th>'
        '<th class="fm-num">Change</th><th class="fm-num">%</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _transfers_table(scene: Scene, diff: Diff, limit: int = 10) -> str:
    shown = [t for t in diff.transfers if t.area_km2 >= 0.5][:limit]
    if not shown:
        return ""
    rows = "".join(
        "<tr>"
        f'<td class="fm-name">{_swatch(scene, t.from_holder)}'
        f"{_escape(scene.name(t.from_holder))}</td>"
        f'<td class="fm-name">{_swatch(scene, t.to_holder)}{_escape(scene.name(t.to_holder))}</td>'
        f'<td class="fm-num">{km2_short(t.area_km2)}</td>'
        "</tr>"
        for t in shown
    )
    more = len([t for t in diff.transfers if t.area_km2 >= 0.5]) - len(shown)
    note = f"<caption>{more} smaller transfers not shown.</caption>" if more > 0 else ""
    return (
        "<h2>Who took ground from whom</h2>"
        f'<div class="fm-scroll"><table class="fm-table">{note}<thead><tr><th>From</th>'
        f'<th>To</th><th class="fm-num">km²</th></tr></thead><tbody>{rows}</tbody></table></div>'

    )


# ---------------------------------------------------------------------------
# legend


def _legend_item(swatch_class: str, text: str) -> str:
    return f'<li><span class="fm-sw {swatch_class}"></span><span>{_text(text)}</span></li>'


def _legend(scene: Scene) -> str:
    items = []
    d_from, d_to = date_short(scene.date_from), date_short(scene.date_to)
    for entry in scene.legend:
        only = ""
        if entry.on_from and not entry.on_to:
            only = f' <span class="fm-legend-key">({_escape(d_from)} only)</span>'
        elif entry.on_to and not entry.on_from:
            only = f' <span class="fm-legend-key">({_escape(d_to)} only)</span>'
        items.append(
            f'<li data-holder="{_escape(entry.id)}">{_swatch(scene, entry.id)}'
            f"<span>{_escape(entry.name)}</span>{only}</li>"
        )
    if scene.changed:
        items.append(
            '<li><span class="fm-sw fm-sw-changed"></span><span>Changed hands since '
            f'{_escape(d_from)} <span class="fm-legend-key">({_text(CHANGED_KEY)})</span>'
            "</span></li>"
        )
        items.append(_legend_item("fm-sw-soon", SOON_KEY.format(date=d_from)))
    if not scene.fronts_from.is_empty or not scene.fronts_to.is_empty:
        items.append(_legend_item("fm-sw-front", FRONT_KEY))
    if scene.events:
        items.append(_legend_item("fm-sw-event", EVENT_KEY))
    if scene.places:
        items.append(_legend_item("fm-sw-place", PLACE_KEY))
    if scene.closeups:
        items.append(_legend_item("fm-sw-closeup", CLOSEUP_KEY))
    return f'<ul class="fm-legend" aria-label="Legend">{"".join(items)}</ul>'


# ---------------------------------------------------------------------------
# data for the script


def _layers(src, index: dict[str, int], tiles: dict | None) -> dict:
    """What one pair of maps draws (the overview's, or a close-up's), for the script."""

    def shapes(hs):
        out = []
        for h in hs:
            g = geojson_geometry(h.geom)
            if g is not None:
                out.append({"h": index[h.id], "g": g})
        return out

    changed = []
    for c in src.changed:
        g = geojson_geometry(c.geom)
        if g is None:
            continue
        text = f"{src.name(c.from_id)} \u2192 {src.name(c.to_id)}"
        if c.area_km2 > 0:
            text += f": {km2_short(c.area_km2)} km² in all"
        changed.append(
            {
                "from": index[c.from_id],
                "to": index[c.to_id],
                "text": text,
                "spots": [[_coordinate(v) for v in spot] for spot in c.spots],
                "g": g,
            }
        )
    events = []
    for e in src.events:
        g = geojson_geometry(e.geom)
        if g is None:
            continue
        events.append(
            {
                "type": e.type,
                "h": index.get(e.faction),
                "label": e.label if e.labelled else None,
                "at": [_coordinate(e.anchor[0]), _coordinate(e.anchor[1])],
                "g": g,
            }
        )
    return {
        "view": [_coordinate(v) for v in src.view],
        "from": shapes(src.from_holders),
        "to": shapes(src.to_holders),
        "changed": changed,
        "fronts": {
            "from": geojson_geometry(src.fronts_from),
            "to": geojson_geometry(src.fronts_to),
        },
        "events": events,
        "places": [
            {"name": p.name, "at": [_coordinate(p.lon), _coordinate(p.lat)]} for p in src.places
        ],
        "basemap": geojson_geometry(src.basemap),
        "bundled": _bundled(src) if tiles is None else None,
    }


def _payload(scene: Scene, diff: Diff, mode: str, tiles: dict | None) -> dict:
    ids = [e.id for e in scene.legend]
    sources: list[Scene | CloseUp] = [scene, *scene.closeups]
    for src in sources:
        for hs in (src.from_holders, src.to_holders):
            for h in hs:
                if h.id not in ids:
                    ids.append(h.id)
        for ch in src.changed:
            for hid in (ch.from_id, ch.to_id):
                if hid not in ids:
                    ids.append(hid)
    index = {h: i for i, h in enumerate(ids)}

    def kind(h):
        return h if h in (CONTESTED, UNASSIGNED) else "faction"

    closeups = []
    for c in scene.closeups:
        layer = _layers(c, index, tiles)
        layer["n"] = c.number
        layer["title"] = c.title
        layer["box"] = [_coordinate(v) for v in c.view]
        closeups.append(layer)
    return {
        "mode": mode,
        "dates": {
            "from": {"iso": diff.date_from.isoformat(), "label": date_long(diff.date_from)},
            "to": {"iso": diff.date_to.isoformat(), "label": date_long(diff.date_to)},
        },
        "tiles": tiles,
        "holders": [
            {"id": h, "name": scene.name(h), "color": scene.color(h), "kind": kind(h)}
            for h in ids
        ],
        **_layers(scene, index, tiles),
        "closeups": closeups,
    }


def _bundled(src) -> dict | None:
    """The bundled basemap for the script: land, coast, borders and country labels."""
    bm = src.bundled
    if bm is None:
        return None
    return {
        "scale": bm.scale,
        "land": geojson_geometry(bm.land),
        "coast": geojson_geometry(bm.coast),
        "borders": geojson_geometry(bm.borders),
        "countries": [
            {"name": c.name, "at": [_coordinate(c.lon), _coordinate(c.lat)]}
            for c in bm.countries
        ],
    }


# ---------------------------------------------------------------------------
# close-ups


#: the locator inset's width in px
LOCATOR_PX = 132


def _svg_path(geom, to_xy) -> str:
    """An SVG path (``d``) of a polygonal geometry, 0.1 px precision."""
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = [to_xy(x, y) for x, y in shapely.get_coordinates(ring).tolist()]
            if len(pts) < 4:
                continue
            out.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
    return "".join(out)


def _locator_base(scene: Scene) -> tuple[str, object, float]:
    """The locator's map (all ground, with a margin: land and the TO holders, coarse),
    the projection and the height in px."""
    import math

    from .scene import _pad

    w, s, e, n = _pad(scene.extent, 0.05)
    kx = math.cos(math.radians(max(min((s + n) / 2, 85.0), -85.0)))
    scale = LOCATOR_PX / max((e - w) * kx, 1e-9)
    height = min(max((n - s) * scale, 40.0), 1.2 * LOCATOR_PX)
    cy = (s + n) / 2

    def to_xy(x, y):
        return ((x - w) * kx * scale, height / 2 - (y - cy) * scale)

    tol = (e - w) / 180
    box = shapely.box(w, s, e, n)
    parts = []
    if scene.bundled is not None:
        land = shapely.simplify(shapely.intersection(scene.bundled.land, box), tol)
        parts.append(f'<path d="{_svg_path(land, to_xy)}" fill="#f4f2ee"/>')
    for h in scene.to_holders:
        if h.id == UNASSIGNED:
            continue
        g = shapely.simplify(shapely.clip_by_rect(h.geom, w, s, e, n), tol)
        d = _svg_path(g, to_xy)
        if d:
            color = "#9a9a9a" if h.id == CONTESTED else scene.color(h.id)
            parts.append(f'<path d="{d}" fill="{_escape(color)}" fill-opacity="0.85"/>')
    return "".join(parts), to_xy, height


def _locator(scene: Scene, base: tuple[str, object, float], number: int, bbox) -> str:
    """A small map of the overview with the close-up's box on it."""
    paths, to_xy, height = base
    x0, y0 = to_xy(bbox[0], bbox[3])  # type: ignore[operator]
    x1, y1 = to_xy(bbox[2], bbox[1])  # type: ignore[operator]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bw, bh = max(x1 - x0, 7.0), max(y1 - y0, 7.0)
    sea = "#cbdce7" if scene.bundled is not None else "#dfe5e8"
    rect = f'x="{cx - bw / 2:.1f}" y="{cy - bh / 2:.1f}" width="{bw:.1f}" height="{bh:.1f}"'
    return (
        f'<svg class="fm-locator" viewBox="0 0 {LOCATOR_PX} {height:.0f}" width="{LOCATOR_PX}" '
        f'height="{height:.0f}" role="img" aria-label="Where close-up {number} is on the '
        f'overview map">'
        f'<rect width="{LOCATOR_PX}" height="{height:.0f}" fill="{sea}"/>{paths}'
        f'<rect {rect} fill="none" stroke="#fff" stroke-width="4"/>'
        f'<rect {rect} fill="none" stroke="#111" stroke-width="2"/>'
        "</svg>"
    )


def _closeups_html(scene: Scene) -> str:
    if not scene.closeups:
        return ""
    base = _locator_base(scene)
    d_from, d_to = date_long(scene.date_from), date_long(scene.date_to)
    later = days_apart(scene.date_from, scene.date_to)
    out = ['<section class="fm-closeups" aria-label="Close-ups">']
    for c in scene.closeups:
        n = c.number
        facts = "".join(f"<li>{_text(f)}</li>" for f in closeup_facts(c.highlight, scene.name))
        panels = []
        for which, label, tag in (("from", d_from, "Before"), ("to", d_to, later)):
            panels.append(
                '<figure class="fm-panel">'
                f'<div class="fm-panel-head"><h3>{_escape(label)}</h3>'
                f'<span class="fm-tag">{_escape(tag)}</span></div>'
                f'<div id="fm-close-{n}-{which}" class="fm-map fm-map-close" role="region" '
                f'aria-label="Close-up {n}, {_escape(label)}"></div></figure>'
            )
        out.append(
            f'<article class="fm-closeup" id="fm-closeup-{n}">'
            '<header class="fm-closeup-head">'
            f"{_locator(scene, base, n, c.view)}"
            f'<div class="fm-closeup-text"><p class="fm-kicker">Close-up {n}</p>'
            f"<h2>{_text(c.title)}</h2>"
            f'<ul class="fm-facts">{facts}</ul></div></header>'
            f'<div class="fm-maps">{"".join(panels)}</div></article>'
        )
    out.append("</section>")
    return "".join(out)


# ---------------------------------------------------------------------------
# the page


def _maps_html(scene: Scene, mode: str) -> str:
    d_from, d_to = date_long(scene.date_from), date_long(scene.date_to)
    if mode == "swipe":
        return (
            '<div class="fm-maps fm-single">'
            '<figure class="fm-panel">'
            '<div class="fm-panel-head fm-badges">'
            f'<h2 class="fm-badge"><span class="fm-arrow">\u2190</span> {_escape(d_from)}</h2>'
            f'<h2 class="fm-badge">{_escape(d_to)} <span class="fm-arrow">\u2192</span></h2>'
            "</div>"
            f'<div id="fm-map-swipe" class="fm-map" role="region" aria-label="Map comparing '
            f'{_escape(d_from)} (left of the divider) with {_escape(d_to)} (right)"></div>'
            "</figure></div>"
            '<div id="fm-divider" class="fm-divider" role="slider" tabindex="0" '
            'aria-label="Divider between the two dates" aria-orientation="horizontal" '
            'aria-valuemin="0" aria-valuemax="100" aria-valuenow="50" hidden>'
            '<span class="fm-knob" aria-hidden="true">\u2039\u203a</span></div>'
        )
    later = days_apart(scene.date_from, scene.date_to)
    return (
        '<div class="fm-maps">'
        '<figure class="fm-panel">'
        f'<div class="fm-panel-head"><h2>{_escape(d_from)}</h2>'
        '<span class="fm-tag">Before</span></div>'
        f'<div id="fm-map-from" class="fm-map" role="region" aria-label="Map of {_escape(d_from)}">'
        "</div></figure>"
        '<figure class="fm-panel">'
        f'<div class="fm-panel-head"><h2>{_escape(d_to)}</h2>'
        f'<span class="fm-tag">{_escape(later)}</span>'
        "</div>"
        f'<div id="fm-map-to" class="fm-map" role="region" aria-label="Map of {_escape(d_to)}">'
        "</div></figure></div>"
    )


def render_page(
    scene: Scene,
    diff: Diff,
    *,
    mode: str = "side-by-side",
    title: str,
    caption: str | None = None,
    credit: str | None = None,
    tiles: dict | None = None,
    chart_svg: str | None = None,
    provenance: dict | None = None,
) -> str:
    """The page as a string (deterministic: the same inputs give the same bytes).

    ``chart_svg``: a section with the area chart (sanitised SVG, see
    :func:`frontmap.render.chart.chart_section`), placed under the numbers.
    ``provenance`` (:mod:`.provenance`): a "Data:" line in the footer, and the
    record as ``<script type="application/json" id="frontmap-provenance">``."""
    if mode not in MODES:
        raise ArgumentError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    leaflet_js, leaflet_css = leaflet_assets()
    own_js, own_css = _own_assets()
    names = {k: v for k, v in scene.names.items() if k not in (CONTESTED, UNASSIGNED)}
    summary = summarize(diff, names=names)  # the scene's names: the layers' factions.toml
    if mode == "swipe":
        dek = (
            f"{who_held(diff.date_from, diff.date_to)}. Drag the divider "
            "(or focus it and use the arrow keys) to compare."
        )
    else:
        dek = f"{who_held(diff.date_from, diff.date_to)}."
    foot = []
    if caption:
        foot.append(f'<p class="fm-caption">{_escape(caption)}</p>')
    credit_line = f"{_escape(credit)} · " if credit else ""
    foot.append(
        f'<p class="fm-credit">{credit_line}Map and figures: frontmap {_escape(__version__)}.</p>'
    )
    prov_script = ""
    if provenance:
        from .provenance import data_line

        foot.append(f'<p class="fm-credit fm-provenance">{_text(data_line(provenance))}.</p>')
        prov_script = (
            '<script type="application/json" id="frontmap-provenance">'
            f"{json_for_script(provenance)}</script>\n"
        )
    payload = json_for_script(_payload(scene, diff, mode, tiles))
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="frontmap {_escape(__version__)}">\n',
        f"<title>{_escape(title)}</title>\n",
        f"<style>\n{_inline(leaflet_css, 'style')}\n</style>\n",
        f"<style>\n{_inline(own_css, 'style')}\n</style>\n",
        "</head>\n",
        f'<body class="fm-mode-{_escape(mode)}">\n<main class="fm-page">\n',
        '<header class="fm-head">',
        f"<h1>{_escape(title)}</h1>",
        f'<p class="fm-dek">{_escape(dek)}</p>',
        "</header>\n",
        _maps_html(scene, mode),
        "\n",
        _legend(scene),
        "\n",
        _closeups_html(scene),
        "\n",
        '<div class="fm-body">',
        '<section class="fm-summary"><h2>What changed</h2>',
        f"<p>{_text(summary)}</p></section>",
        '<section class="fm-numbers"><h2>Who holds what</h2>',
        _numbers_table(scene, diff),
        _transfers_table(scene, diff),
        "</section></div>\n",
        chart_svg or "",  # the area chart over all dates (render/chart.py)
        f'<footer class="fm-foot">{"".join(foot)}</footer>\n',
        "</main>\n",
        f'<script type="application/json" id="fm-data">{payload}</script>\n',
        prov_script,
        f"<script>\n{_inline(leaflet_js, 'script')}\n</script>\n",
        f"<script>\n{_inline(own_js, 'script')}\n</script>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)
