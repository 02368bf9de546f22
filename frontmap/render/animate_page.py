"""The animated map as one self-contained HTML page (rendering).

One Leaflet map (inlined from ``XStatic-Leaflet``, as the compare page is), a
date slider with one position per snapshot, play/pause, keyboard arrows, the
date shown large, the legend with each faction's area on that date and the
area chart under the map with a cursor on the current date. The geometry is
:class:`~frontmap.render.animate_data.AnimationData`: faces stored once, and
for each date the faces whose holder changed. Data travels as inert JSON;
every user string is escaped in HTML and set with ``textContent`` by the
script. Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
import html
from importlib import resources

import numpy as np

from .. import __version__
from ..analysis.measure import CONTESTED
from ..read.factions import FactionTable
from .animate_data import SCALE, AnimationData, encode_face
from .chart import inline_chart
from .page import _inline, geojson_geometry, json_for_script, leaflet_assets
from .scene import _basemap_part, _pad
from .text import date_long, date_range_text

__all__ = ["render_animation_page", "payload"]


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    base = resources.files("frontmap.render") / "static"
    return (
        (base / "animate.js").read_text(encoding="utf-8"),
        (base / "animate.css").read_text(encoding="utf-8"),
    )


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _changes(data: AnimationData) -> list[list[int]]:
    """Each date's changes, grouped by holder: [holder + 1, n, first face, deltas...]
    for each holder (0 = nobody), faces in increasing order."""
    out = []
    for ch in data.changes:
        flat: list[int] = []
        if ch:
            arr = np.array(ch, dtype=np.int64)
            for h in np.unique(arr[:, 1]).tolist():
                faces = np.sort(arr[arr[:, 1] == h, 0])
                deltas = np.diff(faces, prepend=0)
                flat += [h + 1, len(faces), *deltas.tolist()]
        out.append(flat)
    return out


def payload(data: AnimationData, *, tiles: dict | None, basemap, fps: float) -> dict:
    """What the page's script draws, as plain JSON-ready values."""
    ox = int(np.floor(data.extent[0] * SCALE))
    oy = int(np.floor(data.extent[1] * SCALE))
    s = data.series
    holders = []
    for k, hid in enumerate(data.holders):
        if hid == CONTESTED:
            values = s.contested
        else:
            values = s.areas[hid]
        holders.append(
            {
                "id": hid,
                "name": data.names[k],
                "color": data.colors[k],
                "kind": "contested" if hid == CONTESTED else "faction",
                "areas": [round(float(v), 6) + 0.0 for v in values],
            }
        )
    view = _pad(data.extent, 0.03)
    base = _basemap_part(basemap, view, data.extent, data.tolerance) if basemap else None
    return {
        "dates": [{"iso": d.isoformat(), "label": date_long(d)} for d in s.dates],
        "holders": holders,
        "origin": [ox, oy],
        "scale": SCALE,
        "faces": [encode_face(f, (ox, oy)) for f in data.faces],
        "changes": _changes(data),
        "view": [round(v, 5) for v in view],
        "tiles": tiles,
        "basemap": geojson_geometry(base),
        "fps": fps,
    }


def render_animation_page(
    data: AnimationData,
    table: FactionTable,
    *,
    title: str | None = None,
    credit: str | None = None,
    tiles: dict | None = None,
    basemap=None,
    fps: float = 4.0,
) -> str:
    """The page as a string."""
    leaflet_js, leaflet_css = leaflet_assets()
    own_js, own_css = _assets()
    s = data.series
    first, last = s.dates[0], s.dates[-1]
    title = title or f"Territorial control, {date_range_text(first, last)}"
    n = len(s.dates)
    dek = (
        f"Who held which ground on each of {n} dates from {date_long(first)} to "
        f"{date_long(last)}. Press play, drag the slider, or use the arrow keys."
    )
    chart = inline_chart(s, table, title="", height_px=480,
                         label=f"Area held by each faction, {date_range_text(first, last)}")
    body = payload(data, tiles=tiles, basemap=basemap, fps=fps)
    body["chart"] = {
        "xs": chart.xs, "top": chart.top, "bottom": chart.bottom,
        "width": chart.width, "height": chart.height,
    }
    credit_line = f"{_esc(credit)} · " if credit else ""
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="frontmap {_esc(__version__)}">\n',
        f"<title>{_esc(title)}</title>\n",
        f"<style>\n{_inline(leaflet_css, 'style')}\n</style>\n",
        f"<style>\n{_inline(own_css, 'style')}\n</style>\n",
        "</head>\n<body>\n<main class=\"fm-page\">\n",
        f'<header class="fm-head"><h1>{_esc(title)}</h1>',
        f'<p class="fm-dek">{_esc(dek)}</p></header>\n',
        '<div class="fm-now"><p id="fm-date" class="fm-date" aria-live="polite">'
        f"{_esc(date_long(first))}</p>"
        f'<p id="fm-step" class="fm-step">1 / {n}</p></div>\n',
        '<div id="fm-map" class="fm-map" role="region" aria-label="Map of the '
        'territory on the date shown"></div>\n',
        '<div class="fm-controls">',
        '<button type="button" id="fm-prev" class="fm-btn" aria-label="Previous date">'
        "\u2039</button>",
        '<button type="button" id="fm-play" class="fm-btn fm-play" aria-label="Play">'
        '<span aria-hidden="true">\u25b6</span></button>',
        '<button type="button" id="fm-next" class="fm-btn" aria-label="Next date">'
        "\u203a</button>",
        f'<input type="range" id="fm-slider" class="fm-slider" min="0" max="{n - 1}" '
        f'step="1" value="0" aria-label="Date" aria-valuetext="{_esc(date_long(first))}">',
        "</div>\n",
        '<ul id="fm-legend" class="fm-legend" aria-label="Legend: area held on the date '
        'shown"></ul>\n',
        f'<figure class="fm-chart">{chart.svg}</figure>\n',
        '<footer class="fm-foot"><p class="fm-credit">'
        f"{credit_line}Areas: geodesic km² on the WGS84 ellipsoid, measured on the "
        "full-detail data; the map is simplified for display. "
        f"Map and figures: frontmap {_esc(__version__)}.</p></footer>\n",
        "</main>\n",
        f'<script type="application/json" id="fm-data">{json_for_script(body)}</script>\n',
        f"<script>\n{_inline(leaflet_js, 'script')}\n</script>\n",
        f"<script>\n{_inline(own_js, 'script')}\n</script>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)
