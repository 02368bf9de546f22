"""The exception family of frontmap.

The library raises these and never prints or exits; the CLI turns them into
messages and exit codes (see ``frontmap.cli.EXIT_CODES``).
"""

from __future__ import annotations

__all__ = [
    "FrontmapError",
    "DataError",
    "ConfigError",
    "DateNotFoundError",
    "OutputPathError",
]


class FrontmapError(Exception):
    """Base class of every error frontmap raises on purpose."""


class DataError(FrontmapError):
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


class ConfigError(FrontmapError):
    """A configuration file (factions.toml, frontmap.toml) is wrong."""


class DateNotFoundError(FrontmapError):
    """A date that was asked for is not in the layers."""

    def __init__(self, wanted, available):
        self.wanted = wanted
        self.available = list(available)
        shown = ", ".join(str(d) for d in self.available[:12])
        if len(self.available) > 12:
            shown += f", ... ({len(self.available)} dates)"
        super().__init__(f"no snapshot dated {wanted}; the layers have: {shown or 'no dates'}")


class OutputPathError(FrontmapError):
    """An output name would lead outside the output folder."""
