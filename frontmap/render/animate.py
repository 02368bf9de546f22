"""The animated map from Python: every snapshot of a series in one page, GIF or MP4.

::

    import frontmap
    from frontmap.render.animate import animation_page, write_video

    html = animation_page(frontmap.iter_snapshots("layers"), table, offline=True)
    write_video(frontmap.iter_snapshots("layers"), table, "output/animation.gif")

Both read the snapshots once, in date order, one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

import shapely

from ..errors import ArgumentError
from ..read.factions import FactionTable
from ..read.model import Snapshot
from .animate_data import AnimationData, animation_data
from .animate_frames import VIDEO_FORMATS, video_bytes, write_video

__all__ = [
    "animation_page",
    "animation_data",
    "AnimationData",
    "write_video",
    "video_bytes",
    "VIDEO_FORMATS",
]


def bundled_land(extent) -> shapely.Geometry:
    """The bundled basemap's land around ``extent`` (the animation draws land on sea)."""
    from .basemap import bundled_basemap

    return bundled_basemap(tuple(float(v) for v in extent)).land  # type: ignore[arg-type]


def animation_page(
    snapshots: Iterable[Snapshot],
    table: FactionTable,
    *,
    title: str | None = None,
    credit: str | None = None,
    fps: float = 4.0,
    basemap: str | shapely.Geometry | None = "bundled",
    offline: bool = True,
    min_part_km2: float = 1.0,
    tolerance: float | None = None,
    data: AnimationData | None = None,
) -> str:
    """The animated page as one HTML string (deterministic).

    ``basemap``: ``"bundled"`` (Natural Earth land, the default), ``None``/``"none"``,
    ``"tiles"`` (OpenStreetMap, needs ``offline=False``) or a shapely geometry drawn
    in the map's ``basemap`` pane.
    ``data``: an :func:`animation_data` result to reuse (``snapshots`` is then
    not read).
    """
    from .animate_page import render_animation_page
    from .page import OSM_TILES

    tiles = None
    geom = None
    if isinstance(basemap, str):
        if basemap == "tiles":
            if offline:
                raise ArgumentError("basemap 'tiles' needs the network; use offline=False")
            tiles = OSM_TILES
        elif basemap not in ("none", "bundled"):
            raise ArgumentError(
                f"basemap must be 'bundled', 'tiles', 'none' or a geometry, not {basemap!r}"
            )
    elif basemap is not None:
        geom = basemap
    if data is None:
        data = animation_data(snapshots, table, min_part_km2=min_part_km2, tolerance=tolerance)
    if basemap == "bundled":
        geom = bundled_land(data.extent)
    return render_animation_page(
        data, table, title=title, credit=credit, tiles=tiles, basemap=geom, fps=fps
    )
