"""The ``frontmap`` command line: parse, call the library, print or write.

Nothing imports this module. Exit codes (see :data:`EXIT_CODES`): 0 success;
1 the data is wrong (bad input, failed validation, stale outputs); 2 the
command line is wrong; 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import DateNotFoundError, FrontmapError
from .formats import FORMATS, render_rows, to_json
from .reading import ReadOptions

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_DATA: "the data is wrong: bad input, failed validation, stale outputs under --check",
    EXIT_USAGE: "the command line is wrong (unknown option, missing argument, unknown date)",
    EXIT_INTERNAL: "internal error: a bug in frontmap (run with FRONTMAP_DEBUG=1 and report it)",
}


class _Group(click.Group):
    """Turns library errors into messages and exit codes; never a traceback for bad input."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DateNotFoundError as exc:
            click.echo(f"frontmap: error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except FrontmapError as exc:
            click.echo(f"frontmap: error: {exc}", err=True)
            ctx.exit(EXIT_DATA)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("frontmap: interrupted", err=True)
            ctx.exit(130)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="frontmap")
def main():
    """frontmap: territory-control polygons in; areas, changes, topology events
    and side-by-side maps out.

    LAYERS is a folder or a single file of territory data (GeoJSON, GeoPackage,
    Shapefile, KML, FlatGeobuf); it defaults to ./layers. Areas are geodesic km²
    on WGS84.

    Exit codes: 0 ok, 1 bad data, 2 bad command line, 3 internal error.
    """


# ---------------------------------------------------------------------------
# shared options


def layers_argument(f):
    return click.argument(
        "layers",
        required=False,
        default="layers",
        type=click.Path(exists=True, path_type=Path),
        metavar="[LAYERS]",
    )(f)


def reader_options(f):
    """The reader options every command that reads layers takes (defined once)."""
    opts = [
        click.option(
            "--faction-field",
            default="faction",
            show_default=True,
            metavar="NAME",
            help="Feature property that names the faction.",
        ),
        click.option(
            "--date-field",
            default="date",
            show_default=True,
            metavar="NAME",
            help="Feature property that holds the date (YYYY-MM-DD).",
        ),
        click.option(
            "--factions",
            "factions_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            metavar="FILE",
            help="factions.toml to use (default: LAYERS/factions.toml when present).",
        ),
        click.option(
            "--clip",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            metavar="FILE",
            help="Clip every territory to the polygons of FILE (a country outline, say).",
        ),
        click.option(
            "--min-part-km2",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            metavar="KM2",
            help="Pieces of territory smaller than this are not counted as parts.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def format_option(choices=FORMATS, default="table"):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def _options(kw: dict, places=None) -> ReadOptions:
    return ReadOptions(
        faction_field=kw["faction_field"],
        date_field=kw["date_field"],
        factions_file=kw["factions_file"],
        clip=kw["clip"],
        places=places,
    )


def _progress_callback():
    if not sys.stderr.isatty():
        return None

    def cb(done, total, name):
        click.echo(f"\rreading {done}/{total} files", err=True, nl=False)
        if done == total:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)

    return cb


def load_layers(layers: Path, kw: dict, places=None, allow_errors: bool = False):
    """Read layers for a command; bad data stops the command with exit code 1."""
    from .reading import Catalog

    catalog = Catalog(layers, _options(kw, places))
    result = catalog.read(progress=_progress_callback())
    if not allow_errors:
        errors = result.report.all_errors
        if errors:
            for e in errors[:20]:
                click.echo(f"frontmap: error: {e}", err=True)
            if len(errors) > 20:
                click.echo(f"frontmap: ... and {len(errors) - 20} more errors", err=True)
            click.echo(
                "frontmap: the layers have errors; nothing computed "
                "(run 'frontmap check' for the full report)",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_DATA)
        repairs = result.report.all_repairs
        if repairs:
            click.echo(
                f"frontmap: note: {len(repairs)} repair(s) made while reading "
                "(run 'frontmap check' for the list)",
                err=True,
            )
    if not allow_errors and not result.snapshots:
        click.echo("frontmap: error: no territory found in the layers", err=True)
        raise click.exceptions.Exit(EXIT_DATA)
    return result


def echo_output(text: str) -> None:
    click.echo(text, nl=False)


def with_reader(f):
    """LAYERS argument plus the shared reader options."""
    return layers_argument(reader_options(f))


# ---------------------------------------------------------------------------
# dates


@main.command()
@with_reader
@format_option()
def dates(layers, fmt, **kw):
    """List each date in LAYERS and the factions holding ground on it.

    Example: frontmap dates layers/
    """
    result = load_layers(layers, kw)
    rows = []
    for snap in result.snapshots.values():
        rows.append(
            {
                "date": snap.date.isoformat(),
                "factions": result.factions.order(snap.territories),
                "files": len(snap.sources),
            }
        )
    echo_output(render_rows(rows, ["date", "factions", "files"], fmt))


# ---------------------------------------------------------------------------
# areas


@main.command()
@with_reader
@format_option()
def areas(layers, fmt, min_part_km2, **kw):
    """Area (geodesic km²) and number of parts per date and faction.

    One row per date and faction; a row with faction 'contested' gives the
    ground claimed by two or more factions on a date, when there is any.

    Example: frontmap areas layers/ --format csv
    """
    from .measure import areas as compute_areas

    result = load_layers(layers, kw)
    rows = [r.as_dict() for r in compute_areas(result.snapshots.values(), min_part_km2)]
    echo_output(render_rows(rows, ["date", "faction", "area_km2", "parts"], fmt))


# ---------------------------------------------------------------------------
# check


@main.command()
@with_reader
@format_option(choices=("text", "json"), default="text")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
def check(layers, fmt, strict, min_part_km2, **kw):
    """Validate LAYERS: a report per file.

    Features read, skipped (and why), repaired, refused; overlaps between
    factions in km²; features no faction rule matched. Exit 0 when clean or
    only repaired, 1 when there are errors (or warnings, with --strict).

    Example: frontmap check layers/
    """
    from .checking import check_layers, render_check

    result = load_layers(layers, kw, allow_errors=True)
    report = check_layers(result)
    if fmt == "json":
        echo_output(to_json(report.as_dict()))
    else:
        echo_output(render_check(report))
    failed = report.errors or (strict and report.warnings)
    raise click.exceptions.Exit(EXIT_DATA if failed else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
