"""Rendering: results in; pages (HTML), print images (PNG), tables and text out.

The "tale of two maps" in two calls, the same keywords, no files read or written::

    import frontmap

    layers = frontmap.read_layers("layers")
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")
    html = frontmap.compare_page(layers, d, title="Syria and Iraq, 9 Jan → 16 Jan 2017")
    png = frontmap.compare_png(layers, d)

Both are deterministic: the same inputs give the same bytes. Modules:
:mod:`.scene` (geometry prepared for drawing), :mod:`.page` (the HTML page),
:mod:`.static_png` (matplotlib), :mod:`.text` (the phrases page and image
share), :mod:`.formats` and :mod:`.diff_text` (tables), :mod:`.notebook`
(GeoDataFrames and folium maps for analysts).

May import: :mod:`frontmap.analysis`, :mod:`frontmap.read` (the model and
faction table), :mod:`frontmap.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from ..errors import ArgumentError
from .modes import MODES

if TYPE_CHECKING:
    import shapely

    from ..analysis.change import Diff
    from ..analysis.series import AreaSeries
    from ..read.model import Layers, Place
    from .scene import BBox, Scene, build_scene, parse_focus  # noqa: F401
    from .text import default_title  # noqa: F401

__all__ = [
    "compare_page",
    "compare_png",
    "compare_outputs",
    "CompareOutputs",
    "build_scene",
    "default_title",
    "parse_focus",
    "Scene",
    "MODES",
    "BASEMAPS",
]

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {"build_scene": ".scene", "default_title": ".text", "parse_focus": ".scene", "Scene": ".scene"},
)


#: the values of ``basemap`` besides a geometry; "bundled" is the default
BASEMAPS = ("bundled", "tiles", "none")


def _scene(layers, diff, places, focus, basemap, scene, highlights=2):
    if scene is not None:
        return scene
    import shapely

    from .scene import build_scene

    # tiles are for the page only: the scene (and so the PNG) gets the bundled basemap
    base = basemap
    if not isinstance(basemap, shapely.Geometry):
        base = "bundled" if basemap in ("bundled", "tiles") else "none"
    return build_scene(layers, diff, places=places, focus=focus, basemap=base,
                       highlights=highlights)


def _tiles(basemap, offline: bool) -> dict | None:
    """OpenStreetMap tiles for ``basemap="tiles"``; ArgumentError for a bad basemap."""
    from .page import OSM_TILES

    if not isinstance(basemap, str):
        return None
    if basemap == "tiles":
        if offline:
            raise ArgumentError("basemap 'tiles' needs the network; use offline=False")
        return OSM_TILES
    if basemap not in BASEMAPS:
        raise ArgumentError(
            f"basemap must be 'bundled', 'tiles', 'none' or a geometry, not {basemap!r}"
        )
    return None


def compare_page(
    layers: Layers,
    diff: Diff,
    *,
    mode: str = "side-by-side",
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    places: Sequence[Place] | None = None,
    focus: str | BBox | None = None,
    basemap: str | shapely.Geometry | None = "bundled",
    offline: bool = True,
    scene: Scene | None = None,
    chart_svg: str | None = None,
    highlights: int = 2,
) -> str:
    """The comparison page of ``diff`` (FROM left, TO right) as one HTML string.

    - ``mode``: ``"side-by-side"`` (two synchronised maps) or ``"swipe"`` (one
      map with a draggable divider).
    - ``title`` defaults to ``Territorial control, 9 Jan → 16 Jan 2017``;
      ``caption`` and ``credit`` are printed under the numbers. All are plain
      text (escaped, never read as HTML).
    - ``places`` (city points; default ``layers.places``); ``focus``: a faction
      id/name/alias or a (W, S, E, N) box for the initial view.
    - ``basemap``: ``"bundled"`` (the default: Natural Earth land, national borders
      and country names, offline, see :mod:`.basemap`), ``None``/``"none"``,
      ``"tiles"`` (OpenStreetMap, needs ``offline=False``) or a shapely geometry
      (outlines drawn under the factions).
    - ``offline`` (default True): the page makes no network request at all.
    - ``scene``: a :func:`build_scene` result to reuse (then ``places``,
      ``focus`` and a geometry ``basemap`` are taken from it).
    - ``chart_svg``: the area-chart section under the numbers
      (:func:`frontmap.render.chart.chart_section`); none by default.
    - ``highlights``: how many of the diff's highlights get a before/after close-up
      under the overview (default 2; 0 for none).

    Raises :class:`~frontmap.errors.ArgumentError` for a bad mode, focus, basemap or
    number of highlights.
    """
    from .page import render_page
    from .text import default_title

    if mode not in MODES:
        raise ArgumentError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    tiles = _tiles(basemap, offline)
    sc = _scene(layers, diff, places, focus, basemap, scene, highlights)
    return render_page(
        sc,
        diff,
        mode=mode,
        title=title or default_title(diff.date_from, diff.date_to),
        caption=caption,
        credit=credit,
        tiles=tiles,
        chart_svg=chart_svg,
    )


def compare_png(
    layers: Layers,
    diff: Diff,
    *,
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    places: Sequence[Place] | None = None,
    focus: str | BBox | None = None,
    basemap: str | shapely.Geometry | None = "bundled",
    width_px: int = 1600,
    scene: Scene | None = None,
    highlights: int = 2,
) -> bytes:
    """The same pair as a print-ready PNG (``width_px`` wide, 1600 by default), with the
    same close-ups under it.

    Same keywords as :func:`compare_page`; with ``"tiles"`` the image draws the
    bundled basemap (it never touches the network).
    """
    _tiles(basemap, offline=False)  # the same check of the value as the page's
    from .static_png import render_png
    from .text import default_title

    sc = _scene(layers, diff, places, focus, basemap, scene, highlights)
    return render_png(
        sc,
        diff,
        title=title or default_title(diff.date_from, diff.date_to),
        caption=caption,
        credit=credit,
        width_px=width_px,
    )


@dataclass
class CompareOutputs:
    """What ``frontmap compare`` (and a build's ``[[map]]``) makes of one diff."""

    title: str
    page: str
    png: bytes | None = None
    #: the TO map alone, small, for an index page (``thumbnail=True``)
    thumbnail: bytes | None = None


def compare_outputs(
    layers: Layers,
    diff: Diff,
    *,
    mode: str = "side-by-side",
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    focus: str | BBox | None = None,
    basemap: str | shapely.Geometry | None = "bundled",
    offline: bool = True,
    png: bool = False,
    chart: bool = True,
    series: AreaSeries | None = None,
    thumbnail: bool = False,
    highlights: int = 2,
) -> CompareOutputs:
    """The page (and, with ``png=True``, the print image) of one diff, from one scene.

    With ``chart`` (the default) the page shows the area chart of every date
    under the numbers, the two compared dates marked: from ``series`` (an
    :func:`frontmap.analysis.series.area_series` of all dates, for layers read
    for two dates only) or else from ``layers`` when they hold three dates or more.
    ``highlights``: how many close-ups the page and the image show (default 2).
    """
    from .text import default_title

    title = title or default_title(diff.date_from, diff.date_to)
    _tiles(basemap, offline)  # a bad value fails before any work
    scene = _scene(layers, diff, None, focus, basemap, None, highlights)
    chart_svg = None
    if chart:
        if series is None and len(layers.snapshots) >= 3:
            from ..analysis.series import area_series

            series = area_series(layers.snapshots.values()).ordered(
                layers.factions.order({f for s in layers.snapshots.values() for f in s.territories})
            )
        if series is not None and len(series.dates) >= 3:
            from .chart import chart_section

            chart_svg = chart_section(series, layers.factions, (diff.date_from, diff.date_to))
    page = compare_page(
        layers, diff, mode=mode, title=title, caption=caption, credit=credit,
        basemap=basemap, offline=offline, scene=scene, chart_svg=chart_svg,
    )
    image = None
    if png:
        image = compare_png(layers, diff, title=title, caption=caption, credit=credit, scene=scene)
    thumb = None
    if thumbnail:
        from .thumb import thumbnail_png

        thumb = thumbnail_png(scene)
    return CompareOutputs(title, page, image, thumb)
