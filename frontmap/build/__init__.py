"""Map sets for CI: ``frontmap build`` from a manifest, incremental and reproducible.

A manifest (``frontmap.toml``, :mod:`.manifest`) holds defaults shared by
every entry and entries: ``[[map]]`` (a comparison page, its PNG, its diff as
JSON and CSV) and ``[[table]]`` (areas, timeline or splits). :mod:`.plan`
expands it into entries and keys each by what its outputs depend on;
:mod:`.entries` computes one entry's outputs; :mod:`.run` builds what is out
of date and records it; :mod:`.index` writes the index page. Outputs are
written atomically (:mod:`.outputs`); work runs in this process, local
processes or on a Dask cluster (:mod:`.parallel`).

May import: everything but :mod:`frontmap.cli`.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .manifest import INDEX_FILE, STATE_FILE, Manifest, load_manifest  # noqa: F401
    from .plan import Entry, plan  # noqa: F401
    from .run import BuildReport, build  # noqa: F401

_NAMES = {
    "Manifest": ".manifest",
    "load_manifest": ".manifest",
    "STATE_FILE": ".manifest",
    "INDEX_FILE": ".manifest",
    "Entry": ".plan",
    "plan": ".plan",
    "BuildReport": ".run",
    "build": ".run",
}
__all__ = list(_NAMES)
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
