"""The ``frontmap`` command group: library errors become messages and exit codes."""

from __future__ import annotations

import errno
import os
import sys
import traceback

import click

from .. import __version__
from ..errors import ArgumentError, DateNotFoundError, FrontmapError
from .exit import EXIT_BROKEN_PIPE, EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE
from .output import echo_err, progress, quiet_option


class FrontmapGroup(click.Group):
    """Turns library errors into messages and exit codes; never a traceback for bad input.

    Every command gets ``--quiet`` here, so that it is defined once."""

    def command(self, *args, **kwargs):
        if args and callable(args[0]):  # @main.command without parentheses
            return super().command(**kwargs)(quiet_option(args[0]))
        decorator = super().command(*args, **kwargs)
        return lambda f: decorator(quiet_option(f))

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
            progress().clear()
            sys.stdout.flush()  # a full disk under stdout is seen here, not at exit
            return result
        except (DateNotFoundError, ArgumentError) as exc:
            echo_err(f"frontmap: error: {exc}")
            ctx.exit(EXIT_USAGE)
        except FrontmapError as exc:
            echo_err(f"frontmap: error: {exc}")
            ctx.exit(EXIT_DATA)
        except click.exceptions.Exit as exc:
            progress().clear()
            if exc.exit_code == 0:
                _flush_stdout(ctx)
            raise
        except (click.ClickException, click.Abort):
            progress().clear()
            raise
        except KeyboardInterrupt:
            echo_err("frontmap: interrupted")
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _stdout_gone(ctx)
        except OSError as exc:
            message = os_error_message(exc)
            if message is None:
                _internal(ctx, exc)
            echo_err(f"frontmap: error: {message}")
            ctx.exit(EXIT_DATA)
        except Exception as exc:  # noqa: BLE001 - last line of defence
            _internal(ctx, exc)


def os_error_message(exc: OSError) -> str | None:
    """What an OSError that reached the command line means for the user's paths
    ("permission denied: layers/x.geojson", "no space left on device writing
    out.csv (standard output)"), or None when it names none (then it is a bug)."""
    reason = (exc.strerror or str(exc)).strip()
    reason = reason[:1].lower() + reason[1:]
    if exc.filename is not None:
        return f"{reason}: {exc.filename}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG):
        return f"{reason} writing {_stdout_name()}"
    return None


def _stdout_name() -> str:
    """The file standard output goes to, when the system says (Linux)."""
    try:
        target = os.readlink("/proc/self/fd/1")
    except OSError:
        return "the standard output"
    return f"{target} (standard output)" if target.startswith("/") else "the standard output"


def _flush_stdout(ctx) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone(ctx)
    except OSError as exc:
        echo_err(f"frontmap: error: {os_error_message(exc) or exc}")
        ctx.exit(EXIT_DATA)


def _stdout_gone(ctx) -> None:
    """The reader of stdout went away (``frontmap timeline | head``): stop quietly."""
    progress().clear()
    try:  # nothing more can reach the pipe; keep Python from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    ctx.exit(EXIT_BROKEN_PIPE)


def _internal(ctx, exc: BaseException) -> None:
    if os.environ.get("FRONTMAP_DEBUG"):
        traceback.print_exc()
    echo_err(
        f"frontmap: internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in frontmap; run again with FRONTMAP_DEBUG=1 for details "
        "and report it."
    )
    ctx.exit(EXIT_INTERNAL)


@click.group(cls=FrontmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="frontmap")
def main():
    """frontmap: territory-control polygons in; areas, changes, topology events
    and side-by-side maps out.

    LAYERS is a folder or a single file of territory data (GeoJSON, GeoPackage,
    Shapefile, KML, FlatGeobuf); it defaults to ./layers. Areas are geodesic km²
    on WGS84.

    Exit codes: 0 ok, 1 bad data or an output that cannot be written, 2 bad
    command line, 3 internal error.
    """
