"""Analysis: pure functions on snapshots. No paths, no printing, no click.

Geodesic measures (:mod:`.geodesy`), areas, parts and contested ground
(:mod:`.measure`), parts, borders and encirclement (:mod:`.topology`), the
change between two dates (:mod:`.change`, its holders and transfers in
:mod:`.holders`, its JSON in :mod:`.schema`), the
daily series (:mod:`.timeline`), the drafted summary (:mod:`.summary`) and the
validation report of ``frontmap check`` (:mod:`.check`).

May import: :mod:`frontmap.read` (the snapshot model), :mod:`frontmap.errors`.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .change import Diff, diff, diff_dates  # noqa: F401
    from .check import check_layers  # noqa: F401
    from .geodesy import area_km2, distance_km, length_km  # noqa: F401
    from .holders import holders  # noqa: F401
    from .measure import AreaRow, areas, contested_geometry, overlaps, parts_of  # noqa: F401
    from .summary import summarize  # noqa: F401
    from .timeline import TimelineRow, timeline  # noqa: F401
    from .topology import FactionParts, splits  # noqa: F401

_NAMES = {
    "area_km2": ".geodesy",
    "length_km": ".geodesy",
    "distance_km": ".geodesy",
    "AreaRow": ".measure",
    "areas": ".measure",
    "parts_of": ".measure",
    "overlaps": ".measure",
    "contested_geometry": ".measure",
    "Diff": ".change",
    "diff": ".change",
    "diff_dates": ".change",
    "holders": ".holders",
    "FactionParts": ".topology",
    "splits": ".topology",
    "TimelineRow": ".timeline",
    "timeline": ".timeline",
    "summarize": ".summary",
    "check_layers": ".check",
}
__all__ = list(_NAMES)
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
