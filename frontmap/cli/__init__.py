"""The ``frontmap`` command line: parse, call the library, print or write.

One module per family of commands (:mod:`.tables`: dates, areas, check;
:mod:`.change`: diff, splits, timeline; :mod:`.compare`; :mod:`.visual`: chart,
animate; :mod:`.build`), the options they share defined once in :mod:`.options`, exit codes named in
:mod:`.exit`. Nothing imports this package. Starting it is light: the
geometry stack (numpy, shapely, pyproj, matplotlib) is imported only by the
command that needs it, so ``frontmap --help`` answers at once.
"""

from . import build, change, compare, tables, visual  # noqa: F401 - each registers its commands
from .exit import EXIT_CODES, EXIT_DATA, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from .group import main

__all__ = ["main", "EXIT_CODES", "EXIT_OK", "EXIT_DATA", "EXIT_USAGE", "EXIT_INTERNAL"]

if __name__ == "__main__":  # pragma: no cover
    main()
