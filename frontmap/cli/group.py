"""The ``frontmap`` command group: library errors become messages and exit codes."""

from __future__ import annotations

import os
import traceback

import click

from .. import __version__
from ..errors import ArgumentError, DateNotFoundError, FrontmapError
from .exit import EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE


class FrontmapGroup(click.Group):
    """Turns library errors into messages and exit codes; never a traceback for bad input."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (DateNotFoundError, ArgumentError) as exc:
            click.echo(f"frontmap: error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except FrontmapError as exc:
            click.echo(f"frontmap: error: {exc}", err=True)
            ctx.exit(EXIT_DATA)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("frontmap: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 - last line of defence
            if os.environ.get("FRONTMAP_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"frontmap: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in frontmap; run again with FRONTMAP_DEBUG=1 for details "
                "and report it.",
                err=True,
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

    Exit codes: 0 ok, 1 bad data, 2 bad command line, 3 internal error.
    """
