"""Reading: layers in, a clean snapshot model out. The only code that opens input files.

Discovery (:mod:`.discover`), one file's raw features (:mod:`.files`, with
frontmap's strict GeoJSON parser in :mod:`.geojson`), geometry cleaning and
repair (:mod:`.clean`), faction rules (:mod:`.factions`), outlines and places
(:mod:`.outlines`), and the catalog that reads a folder date by date
(:mod:`.catalog`) into the model of :mod:`.model`.

May import: :mod:`frontmap.errors` only (and the geometry libraries).
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .catalog import Catalog, ReadOptions, iter_snapshots, read_layers  # noqa: F401
    from .factions import Faction, FactionTable  # noqa: F401
    from .model import Layers, Place, Snapshot, parse_date  # noqa: F401
    from .outlines import read_outline, read_places  # noqa: F401

_NAMES = {
    "ReadOptions": ".catalog",
    "Catalog": ".catalog",
    "read_layers": ".catalog",
    "iter_snapshots": ".catalog",
    "read_outline": ".outlines",
    "read_places": ".outlines",
    "Faction": ".factions",
    "FactionTable": ".factions",
    "Layers": ".model",
    "Snapshot": ".model",
    "Place": ".model",
    "parse_date": ".model",
}
__all__ = list(_NAMES)
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
