"""``frontmap dates``, ``areas`` and ``check``: what the layers hold, and whether it is sound."""

from __future__ import annotations

import click

from ..render.formats import render_rows, to_json
from .exit import EXIT_DATA, EXIT_OK
from .group import main
from .options import GEO_FORMATS, export_options, format_option, reader_options
from .output import echo_output, export_format, write_output


@main.command()
@reader_options()
@format_option()
def dates(reader, fmt):
    """List each date in LAYERS and the factions holding ground on it.

    Example: frontmap dates layers/
    """
    catalog = reader.catalog()
    rows = []
    for snap in reader.stream(catalog):
        rows.append(
            {
                "date": snap.date.isoformat(),
                "factions": catalog.factions.order(snap.territories),
                "files": len(snap.sources),
            }
        )
    echo_output(render_rows(rows, ["date", "factions", "files"], fmt))


@main.command()
@reader_options()
@format_option(choices=GEO_FORMATS)
@click.option(
    "--wide",
    is_flag=True,
    help="One row per date and one column per faction (km²; 0 where it held nothing), "
    "the table a chart tool or a spreadsheet wants.",
)
@export_options
def areas(reader, fmt, wide, output, simplify_m):
    """Area (geodesic km²) and number of parts per date and faction.

    One row per date and faction; a row with faction 'contested' gives the
    ground claimed by two or more factions on a date, when there is any. With
    --wide: one row per date, one column per faction (and 'contested').

    Example: frontmap areas layers/ --format csv
    """
    fmt = export_format(fmt, output, simplify_m)
    if fmt in ("geojson", "gpkg"):
        if wide:
            raise click.UsageError(
                "--wide is a table (one column per faction); leave it out for geometry"
            )
        _areas_geometry(reader, fmt, output, simplify_m)
        return
    if wide:
        from ..analysis.series import area_series

        catalog = reader.catalog()
        series = area_series(reader.stream(catalog), reader.min_part_km2, events=False)
        series = series.ordered(catalog.factions.order(series.factions))
        write_output(render_rows(series.wide_rows(), series.wide_columns(), fmt), output)
        return
    from ..analysis.measure import areas as compute_areas

    # one date at a time: only the small rows are kept, printed once all is read
    rows = [r.as_dict() for r in compute_areas(reader.stream(), reader.min_part_km2)]
    write_output(render_rows(rows, ["date", "faction", "area_km2", "parts"], fmt), output)


def _areas_geometry(reader, fmt, output, simplify_m) -> None:
    """``areas --format geojson`` (or ``-o FILE.gpkg``): each faction's territory per
    date, read one date at a time, with the provenance of the files that gave it."""
    from ..render import export_areas
    from ..render.provenance import provenance

    catalog = reader.catalog()
    sources: set[str] = set()

    def stream():
        for snap in reader.stream(catalog):
            sources.update(snap.sources)
            yield snap

    snaps = list(stream())
    made = export_areas(
        snaps,
        catalog.factions,
        fmt=fmt,
        min_part_km2=reader.min_part_km2,
        simplify_m=simplify_m,
        provenance=provenance(catalog.inputs(sources), sources),
    )
    write_output(made, output)


@main.command()
@reader_options()
@format_option(choices=("text", "json"), default="text")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.option(
    "--max-stray-km",
    type=click.FloatRange(min=0),
    default=100.0,
    show_default=True,
    metavar="KM",
    help="Warn about a part of a faction's territory farther than this from its "
    "territory on every other date (swapped lon/lat, a stray polygon).",
)
@click.option(
    "--max-jump-pct",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    metavar="PCT",
    help="Warn when the total area changes by more than this percentage between "
    "consecutive dates (a missing or misdated file).",
)
def check(reader, fmt, strict, max_stray_km, max_jump_pct):
    """Validate LAYERS: a report per file.

    Features read, skipped (and why), repaired, refused; overlaps between
    factions in km²; features no faction rule matched; warnings about
    suspicious data (a part far from its faction's territory on every other
    date, a total area that jumps between dates). Exit 0 when clean or only
    repaired, 1 when there are errors (or warnings, with --strict).

    Example: frontmap check layers/ --max-stray-km 50 --strict
    """
    from ..analysis.check import check_layers, render_check

    report = check_layers(
        reader.load(allow_errors=True, catalog=reader.catalog(keep_unclipped=True)),
        max_jump_pct=max_jump_pct,
        max_stray_km=max_stray_km,
        min_part_km2=reader.min_part_km2,
    )
    if fmt == "json":
        echo_output(to_json(report.as_dict()))
    else:
        echo_output(render_check(report))
    failed = report.errors or (strict and report.warnings)
    raise click.exceptions.Exit(EXIT_DATA if failed else EXIT_OK)
