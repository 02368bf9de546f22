"""The exception family of frontmap: ``except frontmap.FrontmapError`` catches
everything the library raises on purpose.

Each error also derives from the built-in exception a caller would expect
(``ValueError`` for bad values, ``LookupError`` for a missing date), so code
written against the standard library keeps working. The library raises these
and never prints or exits; the CLI turns them into messages and exit codes
(see ``frontmap.cli.EXIT_CODES``).
"""

from __future__ import annotations

__all__ = [
    "FrontmapError",
    "DataError",
    "ConfigError",
    "DateNotFoundError",
    "DateFormatError",
    "ArgumentError",
    "FocusError",
    "OutputPathError",
]


class FrontmapError(Exception):
    """Base class of every error frontmap raises on purpose."""


class DataError(FrontmapError, ValueError):
    """The input data is wrong: a file cannot be read, a feature is unusable.

    ``file`` and ``feature`` (an index or id) say where, ``problem`` says what.
    """

    def __init__(self, problem: str, file: str | None = None, feature: str | int | None = None):
        self.problem = problem
        self.file = file
        self.feature = feature
        where = []
        if file:
            where.append(str(file))
        if feature is not None:
            where.append(f"feature {feature}")
        super().__init__(": ".join([*where, problem]) if where else problem)


class ConfigError(FrontmapError, ValueError):
    """A configuration file (factions.toml, frontmap.toml) is wrong."""


class DateNotFoundError(FrontmapError, LookupError):
    """A date that was asked for is not in the layers."""

    def __init__(self, wanted, available):
        self.wanted = wanted
        self.available = list(available)
        shown = ", ".join(str(d) for d in self.available[:12])
        if len(self.available) > 12:
            shown += f", ... ({len(self.available)} dates)"
        super().__init__(f"no snapshot dated {wanted}; the layers have: {shown or 'no dates'}")

    def __str__(self) -> str:  # LookupError would quote the message like a KeyError
        return str(self.args[0])


class DateFormatError(FrontmapError, ValueError):
    """A text that should be a date is not one (``parse_date``)."""


class ArgumentError(FrontmapError, ValueError):
    """An argument of a library call is wrong (a mode, a basemap, a focus...)."""


class FocusError(ArgumentError):
    """A focus that is neither a faction holding ground nor a W,S,E,N box."""


class OutputPathError(FrontmapError, ValueError):
    """An output path is unusable: outside the output folder, or a name that is refused."""
