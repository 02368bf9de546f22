"""frontmap: territory-control polygons in; areas, changes, topology events and
side-by-side maps out.

The library is the product; the ``frontmap`` command only formats what these
functions return::

    import frontmap
    layers = frontmap.read_layers("layers")
    rows = frontmap.areas(layers.snapshots.values())
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")
    print(frontmap.summarize(d))

``import frontmap`` is light: each name below loads its module (and numpy,
shapely, pyproj...) the first time it is used. The package is laid out by
kind of module, each kind importing only those before it:
:mod:`frontmap.read` -> :mod:`frontmap.analysis` -> :mod:`frontmap.render` ->
:mod:`frontmap.build` and :mod:`frontmap.cli` (which nothing imports);
:mod:`frontmap.bench` holds the benchmark and the synthetic series.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from .errors import (
    ArgumentError,
    ClusterError,
    ConfigError,
    DataError,
    DateFormatError,
    DateNotFoundError,
    FocusError,
    FrontmapError,
    OutputBusyError,
    OutputError,
    OutputPathError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .analysis.change import Diff, diff, diff_dates  # noqa: F401
    from .analysis.geodesy import area_km2, distance_km, length_km  # noqa: F401
    from .analysis.measure import (  # noqa: F401
        AreaRow,
        areas,
        contested_geometry,
        overlaps,
        parts_of,
    )
    from .analysis.summary import summarize  # noqa: F401
    from .analysis.timeline import TimelineRow, timeline  # noqa: F401
    from .analysis.topology import FactionParts, splits  # noqa: F401
    from .read.catalog import Catalog, ReadOptions, iter_snapshots, read_layers  # noqa: F401
    from .read.factions import Faction, FactionTable  # noqa: F401
    from .read.model import Layers, Place, Snapshot  # noqa: F401
    from .read.outlines import read_outline, read_places  # noqa: F401
    from .render import (  # noqa: F401
        compare_image,
        compare_outputs,
        compare_page,
        compare_png,
        export_areas,
        export_diff,
        export_splits,
    )

_NAMES = {
    "Faction": ".read.factions",
    "FactionTable": ".read.factions",
    "Layers": ".read.model",
    "Snapshot": ".read.model",
    "Place": ".read.model",
    "ReadOptions": ".read.catalog",
    "Catalog": ".read.catalog",
    "read_layers": ".read.catalog",
    "iter_snapshots": ".read.catalog",
    "read_outline": ".read.outlines",
    "read_places": ".read.outlines",
    "area_km2": ".analysis.geodesy",
    "length_km": ".analysis.geodesy",
    "distance_km": ".analysis.geodesy",
    "AreaRow": ".analysis.measure",
    "areas": ".analysis.measure",
    "parts_of": ".analysis.measure",
    "overlaps": ".analysis.measure",
    "contested_geometry": ".analysis.measure",
    "Diff": ".analysis.change",
    "diff": ".analysis.change",
    "diff_dates": ".analysis.change",
    "FactionParts": ".analysis.topology",
    "splits": ".analysis.topology",
    "TimelineRow": ".analysis.timeline",
    "timeline": ".analysis.timeline",
    "summarize": ".analysis.summary",
    "compare_page": ".render",
    "compare_png": ".render",
    "compare_outputs": ".render",
    "compare_image": ".render",
    "export_diff": ".render",
    "export_splits": ".render",
    "export_areas": ".render",
}

__all__ = [
    "__version__",
    "FrontmapError",
    "DataError",
    "ConfigError",
    "DateNotFoundError",
    "DateFormatError",
    "ArgumentError",
    "FocusError",
    "OutputPathError",
    "OutputError",
    "OutputBusyError",
    "ClusterError",
    *_NAMES,
]
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
