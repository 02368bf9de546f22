"""frontmap: territory-control polygons in; areas, changes, topology events and
side-by-side maps out.

The library is the product; the ``frontmap`` command only formats what these
functions return::

    import frontmap
    layers = frontmap.read_layers("layers")
    rows = frontmap.areas(layers.snapshots.values())
"""

__version__ = "0.1.0"

from .errors import ConfigError, DataError, DateNotFoundError, FrontmapError, OutputPathError
from .factions import Faction, FactionTable
from .geodesy import area_km2, distance_km, length_km
from .measure import AreaRow, areas, contested_geometry, overlaps, parts_of
from .model import Layers, Place, Snapshot
from .reading import Catalog, ReadOptions, iter_snapshots, read_layers, read_outline, read_places

__all__ = [
    "__version__",
    "FrontmapError",
    "DataError",
    "ConfigError",
    "DateNotFoundError",
    "OutputPathError",
    "Faction",
    "FactionTable",
    "Layers",
    "Snapshot",
    "Place",
    "ReadOptions",
    "Catalog",
    "read_layers",
    "iter_snapshots",
    "read_outline",
    "read_places",
    "area_km2",
    "length_km",
    "distance_km",
    "AreaRow",
    "areas",
    "parts_of",
    "overlaps",
    "contested_geometry",
]
