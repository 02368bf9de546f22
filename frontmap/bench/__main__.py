"""``python -m frontmap.bench``: see :mod:`frontmap.bench.bench`."""

import sys

from .bench import main

sys.exit(main())
