"""Rendering: "tale of two maps" pages (HTML) and print images (PNG).

Two calls, the same keywords, no files read or written::

    import frontmap
    from frontmap.change import diff
    from frontmap.render import compare_page, compare_png

    layers = frontmap.read_layers("layers")
    d = diff(layers.snapshot("2017-01-09"), layers.snapshot("2017-01-16"),
             clip=layers.clip, places=layers.places)
    html = compare_page(layers, d, title="Syria and Iraq, 9 Jan → 16 Jan 2017")
    png = compare_png(layers, d)

Both are deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from ..change import Diff
from ..model import Layers, Place
from .page import MODES
from .scene import BBox, Scene, build_scene, default_title, parse_focus

__all__ = [
    "compare_page",
    "compare_png",
    "build_scene",
    "default_title",
    "parse_focus",
    "Scene",
    "MODES",
]


def _scene(layers, diff, places, focus, basemap, scene):
    if scene is not None:
        return scene
    geom = basemap if isinstance(basemap, shapely.Geometry) else None
    return build_scene(layers, diff, places=places, focus=focus, basemap=geom)


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
    basemap: str | shapely.Geometry | None = None,
    offline: bool = True,
    scene: Scene | None = None,
) -> str:
    """The comparison page of ``diff`` (FROM left, TO right) as one HTML string.

    - ``mode``: ``"side-by-side"`` (two synchronised maps) or ``"swipe"`` (one
      map with a draggable divider).
    - ``title`` defaults to ``Territorial control, 9 Jan → 16 Jan 2017``;
      ``caption`` and ``credit`` are printed under the numbers. All are plain
      text (escaped, never read as HTML).
    - ``places`` (city points; default ``layers.places``); ``focus``: a faction
      id/name/alias or a (W, S, E, N) box for the initial view.
    - ``basemap``: ``None``/``"none"``, ``"tiles"`` (OpenStreetMap, needs
      ``offline=False``) or a shapely geometry (outlines drawn under the factions).
    - ``offline`` (default True): the page makes no network request at all.
    - ``scene``: a :func:`build_scene` result to reuse (then ``places``,
      ``focus`` and a geometry ``basemap`` are taken from it).

    Raises ``ValueError`` for a bad mode, focus or basemap.
    """
    from .page import OSM_TILES, render_page

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    tiles = None
    if isinstance(basemap, str):
        if basemap == "tiles":
            if offline:
                raise ValueError("basemap 'tiles' needs the network; use offline=False")
            tiles = OSM_TILES
        elif basemap != "none":
            raise ValueError(f"basemap must be 'tiles', 'none' or a geometry, not {basemap!r}")
    sc = _scene(layers, diff, places, focus, basemap, scene)
    return render_page(
        sc,
        diff,
        mode=mode,
        title=title or default_title(diff.date_from, diff.date_to),
        caption=caption,
        credit=credit,
        tiles=tiles,
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
    basemap: str | shapely.Geometry | None = None,
    width_px: int = 1600,
    scene: Scene | None = None,
) -> bytes:
    """The same pair as a print-ready PNG (``width_px`` wide, 1600 by default).

    Same keywords as :func:`compare_page`; a ``"tiles"`` basemap is ignored
    (the image never touches the network).
    """
    from .static_png import render_png

    sc = _scene(layers, diff, places, focus, basemap, scene)
    return render_png(
        sc,
        diff,
        title=title or default_title(diff.date_from, diff.date_to),
        caption=caption,
        credit=credit,
        width_px=width_px,
    )
