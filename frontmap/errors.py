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
    "OutputError",
    "OutputBusyError",
    "ClusterError",
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


class OutputError(FrontmapError, OSError):
    """An output cannot be written: no space left on the device, a read-only
    folder, no permission, a folder that does not exist or a file where a folder
    should be. ``path`` is the output, ``reason`` why; the file that was at
    ``path`` before is left whole (outputs are written atomically)."""

    def __init__(self, message: str, path, reason: str, errno: int | None = None):
        OSError.__init__(self, errno, reason, str(path))
        self.message = message
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # OSError's own pickling would mix the arguments up
        return (type(self), (self.message, self.path, self.reason, self.errno))


class OutputBusyError(FrontmapError, RuntimeError):
    """Another ``frontmap build`` holds the lock on the output folder (and the
    caller asked not to wait for it)."""


class ClusterError(FrontmapError, RuntimeError):
    """The Dask cluster failed the run: the scheduler cannot be reached or was
    lost, or it has had no workers for too long. ``address`` is the scheduler,
    ``done`` the tasks whose results came back before it happened, ``connected``
    False when it could not be reached at all (no work was sent)."""

    def __init__(self, message: str, address: str, done: int = 0, connected: bool = True):
        super().__init__(message)
        self.address = address
        self.done = done
        self.connected = connected

    def __reduce__(self):
        return (type(self), (str(self), self.address, self.done, self.connected))
