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
    "compare_image",
    "compare_outputs",
    "CompareOutputs",
    "export_diff",
    "export_splits",
    "export_areas",
    "EXPORT_FORMATS",
    "IMAGE_FORMATS",
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
#: what the change exports to: GeoJSON text, GeoPackage bytes
EXPORT_FORMATS = ("geojson", "gpkg")
#: the formats of the print image
IMAGE_FORMATS = ("png", "svg", "pdf")


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


def _check_image_format(fmt: str) -> None:
    if fmt not in IMAGE_FORMATS:
        raise ArgumentError(
            f"image format must be one of {', '.join(IMAGE_FORMATS)}, not {fmt!r}"
        )


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
    provenance: dict | None = None,
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
    - ``provenance``: what the page was made from (:mod:`.provenance`), shown
      in the footer and kept as JSON in the page; by default the files of the
      two dates (of every date read, with a chart) and the basemap.

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
        provenance=provenance or _provenance(layers, diff, basemap, chart_svg is not None),
    )


def _provenance(layers: Layers, diff: Diff, basemap, chart: bool) -> dict:
    """The files of the two dates (of every date read, when a chart of them is drawn)."""
    from .provenance import provenance_of

    dates = None if chart and len(layers.snapshots) >= 3 else [diff.date_from, diff.date_to]
    return provenance_of(layers, dates, basemap)


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
    provenance: dict | None = None,
) -> bytes:
    """The same pair as a print-ready PNG (``width_px`` wide, 1600 by default), with the
    same close-ups under it.

    Same keywords as :func:`compare_page`; with ``"tiles"`` the image draws the
    bundled basemap (it never touches the network). :func:`compare_image` gives
    SVG and PDF too.
    """
    return compare_image(
        layers, diff, fmt="png", title=title, caption=caption, credit=credit, places=places,
        focus=focus, basemap=basemap, width_px=width_px, scene=scene, highlights=highlights,
        provenance=provenance,
    )


def compare_image(
    layers: Layers,
    diff: Diff,
    *,
    fmt: str = "png",
    title: str | None = None,
    caption: str | None = None,
    credit: str | None = None,
    places: Sequence[Place] | None = None,
    focus: str | BBox | None = None,
    basemap: str | shapely.Geometry | None = "bundled",
    width_px: int = 1600,
    scene: Scene | None = None,
    highlights: int = 2,
    provenance: dict | None = None,
) -> bytes:
    """The pair as a print image: ``fmt`` ``"png"``, ``"svg"`` or ``"pdf"`` (vector, text
    kept as text so that a graphics desk can restyle it; PDF fonts embedded). The
    provenance (default: the files of the two dates and the basemap) is in the
    file's metadata. Same keywords as :func:`compare_png`."""
    _check_image_format(fmt)
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
        fmt=fmt,
        provenance=provenance
        or _provenance(layers, diff, "bundled" if basemap == "tiles" else basemap, False),
    )


@dataclass
class CompareOutputs:
    """What ``frontmap compare`` (and a build's ``[[map]]``) makes of one diff."""

    title: str
    page: str
    #: the print image when it is a PNG (``png=True`` or ``image="png"``)
    png: bytes | None = None
    #: the TO map alone, small, for an index page (``thumbnail=True``)
    thumbnail: bytes | None = None
    #: the print image in any format (``image``), and that format
    image: bytes | None = None
    image_format: str | None = None
    #: what page and image were made from (:mod:`.provenance`)
    provenance: dict | None = None


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
    image: str | None = None,
    provenance: dict | None = None,
) -> CompareOutputs:
    """The page (and, with ``png=True`` or ``image`` = ``"png"``, ``"svg"`` or ``"pdf"``,
    the print image) of one diff, from one scene.

    With ``chart`` (the default) the page shows the area chart of every date
    under the numbers, the two compared dates marked: from ``series`` (an
    :func:`frontmap.analysis.series.area_series` of all dates, for layers read
    for two dates only) or else from ``layers`` when they hold three dates or more.
    ``highlights``: how many close-ups the page and the image show (default 2).
    ``provenance`` (default: the files drawn, see :func:`compare_page`) goes into
    page and image alike.
    """
    from .text import default_title

    title = title or default_title(diff.date_from, diff.date_to)
    image = image or ("png" if png else None)
    if image is not None:
        _check_image_format(image)
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
    prov = provenance or _provenance(layers, diff, basemap, chart_svg is not None)
    page = compare_page(
        layers, diff, mode=mode, title=title, caption=caption, credit=credit,
        basemap=basemap, offline=offline, scene=scene, chart_svg=chart_svg, provenance=prov,
    )
    made = None
    if image is not None:
        from .provenance import with_basemap

        # an image cannot fetch tiles: it draws the bundled basemap
        shown = with_basemap(prov, "bundled") if basemap == "tiles" else prov
        made = compare_image(layers, diff, fmt=image, title=title, caption=caption,
                             credit=credit, scene=scene, provenance=shown)
    thumb = None
    if thumbnail:
        from .thumb import thumbnail_png

        thumb = thumbnail_png(scene)
    return CompareOutputs(title, page, made if image == "png" else None, thumb, made, image, prov)


# ---------------------------------------------------------------------------
# the results as geometry (GeoJSON, GeoPackage)


def _export(layers_, fmt: str, meta: dict, simplify_m, decimals, last_change):
    from .export import simplify_layers

    if fmt not in EXPORT_FORMATS:
        raise ArgumentError(
            f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}"
        )
    if simplify_m:
        layers_ = simplify_layers(layers_, simplify_m)
    if fmt == "gpkg":
        from .export_gpkg import gpkg_bytes

        return gpkg_bytes(layers_, {**meta, "decimals": None}, last_change)
    from .export_geojson import geojson_text

    return geojson_text(layers_, {**meta, "decimals": decimals}, decimals)


def _meta(provenance: dict, what: dict, simplify_m) -> dict:
    return {**provenance, "export": {**what, "simplify_m": simplify_m or None}}


def _last(*dates):
    from ..read.model import is_undated

    real = [d for d in dates if d is not None and not is_undated(d)]
    return max(real) if real else None


def export_diff(
    layers: Layers,
    diff: Diff,
    *,
    fmt: str = "geojson",
    simplify_m: float | None = None,
    decimals: int | None = 6,
    provenance: dict | None = None,
) -> str | bytes:
    """The change as geometry: RFC 7946 GeoJSON text (``fmt="geojson"``) or GeoPackage
    bytes (``fmt="gpkg"``), with the layers territory, claims, transfers, front_lines
    and events (:mod:`.export`). ``simplify_m``: simplify borders by about that many
    metres, as one coverage (default: full detail); ``decimals``: GeoJSON's decimals
    of a degree (None: all); ``provenance`` defaults to the files of the two dates
    (:func:`.provenance.provenance_of`)."""
    from .export import diff_layers
    from .provenance import provenance_of

    prov = provenance or provenance_of(layers, [diff.date_from, diff.date_to])
    what = {"of": "diff", "from": diff.date_from.isoformat(), "to": diff.date_to.isoformat()}
    return _export(diff_layers(diff, layers.factions), fmt, _meta(prov, what, simplify_m),
                   simplify_m, decimals, _last(diff.date_from, diff.date_to))


def export_splits(
    layers: Layers,
    found: list,
    *,
    fmt: str = "geojson",
    simplify_m: float | None = None,
    decimals: int | None = 6,
    provenance: dict | None = None,
) -> str | bytes:
    """The parts of :func:`frontmap.splits` (``found``) as a ``parts`` layer, one
    feature per part with the fields of its row; see :func:`export_diff`."""
    from .export import splits_layers
    from .provenance import provenance_of

    day = found[0].date if found else None
    prov = provenance or provenance_of(layers, [day] if day is not None else [])
    what = {"of": "splits", "date": day.isoformat() if day is not None else None}
    return _export(splits_layers(found, layers.factions), fmt, _meta(prov, what, simplify_m),
                   simplify_m, decimals, _last(day))


def export_areas(
    snapshots,
    factions,
    *,
    fmt: str = "geojson",
    min_part_km2: float = 1.0,
    simplify_m: float | None = None,
    decimals: int | None = 6,
    provenance: dict,
) -> str | bytes:
    """Each faction's territory per date (``frontmap areas``) as a ``territory``
    layer; ``snapshots`` may be a stream. ``provenance``:
    :func:`.provenance.provenance_of` of the layers (or
    :func:`.provenance.provenance` of a catalog's inputs); see :func:`export_diff`."""
    import datetime as dt

    from .export import areas_layers

    layers_ = areas_layers(snapshots, factions, min_part_km2)
    dates = sorted({p["date"] for p in (f[0] for f in layers_[0].features) if p["date"]})
    what = {"of": "areas", "dates": [dates[0], dates[-1]] if dates else []}
    last = dt.date.fromisoformat(dates[-1]) if dates else None
    return _export(layers_, fmt, _meta(provenance, what, simplify_m), simplify_m, decimals, last)
