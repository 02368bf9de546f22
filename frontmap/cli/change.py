"""``frontmap diff``, ``splits`` and ``timeline``: what changed, and how territory falls apart."""

from __future__ import annotations

import click

from ..render.formats import render_rows, to_json
from .group import main
from .options import DateType, format_option, jobs_options, reader_options, split_dates_and_layers
from .output import echo_output, write_stream


@main.command()
@click.argument("date_from", metavar="FROM", type=DateType())
@click.argument("date_to", metavar="TO", type=DateType())
@reader_options(places=True, link=True)
@format_option()
def diff(date_from, date_to, reader, fmt):
    """What changed between FROM and TO: gains, losses, who took ground from whom,
    topology events (splits, merges, pockets, encirclements) and front lines.

    JSON has everything; CSV is the per-faction table; md adds a plain-English
    summary drafted from the numbers.

    Example: frontmap diff 2017-01-09 2017-01-16 layers/ --format md
    """
    from ..analysis.change import diff_dates
    from ..analysis.summary import summarize
    from ..render.diff_text import render_diff

    layers = reader.load_dates([date_from, date_to])
    d = diff_dates(
        layers, date_from, date_to, min_part_km2=reader.min_part_km2, link_km=reader.link_km
    )
    echo_output(render_diff(d, fmt, summarize(d)))


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[DATE] [LAYERS]")
@reader_options(layers=False, places=True, link=True)
@format_option()
@click.pass_context
def splits(ctx, args, reader, fmt):
    """Each faction's parts on DATE (default: the last date), largest first.

    For each part: area, centroid, whether it is the main body, the geodesic
    distance between its nearest points and the main body, the factions that
    encircle it (if any), km of border with each holder, the nearest place.

    Example: frontmap splits 2017-01-16 layers/ --format json
    """
    from ..analysis.topology import SPLIT_COLUMNS, split_rows
    from ..analysis.topology import splits as compute_splits

    dates_, path = split_dates_and_layers(args, 1, ctx)
    reader = reader.at(path)
    catalog = reader.catalog()
    known = catalog.dates_from_names()
    if not dates_ and known:
        dates_ = [known[-1]]
    layers = reader.load_dates(dates_, catalog) if dates_ else reader.load(catalog=catalog)
    snap = layers.snapshot(dates_[0]) if dates_ else layers.snapshots[layers.dates[-1]]
    found = compute_splits(
        snap, layers.places, reader.min_part_km2, reader.link_km,
        layers.factions.order(snap.territories),
    )
    if fmt == "json":
        echo_output(to_json([f.as_dict() for f in found]))
        return
    echo_output(render_rows(split_rows(found), SPLIT_COLUMNS, fmt))


@main.command()
@reader_options()
@format_option(choices=("csv", "json", "table", "md"), default="csv")
@jobs_options
def timeline(reader, fmt, jobs, scheduler):
    """Change for every consecutive pair of dates and every faction: the series
    analysts chart (area on both dates, gained, lost, net, parts).

    Rows are written as they are computed; snapshots are read one date at a
    time, so long archives run in bounded memory. Pairs are computed in
    parallel (--jobs, or a Dask cluster with --scheduler); the output is the
    same bytes either way.

    Example: frontmap timeline layers/ --format csv > timeline.csv
    """
    from ..analysis.timeline import COLUMNS
    from ..analysis.timeline import timeline as compute_timeline
    from ..build.parallel import auto_jobs, executor

    catalog = reader.catalog()
    if jobs == 0:
        dated = {s.hinted_date for s in catalog.sources}
        jobs = auto_jobs() if len(dated) >= 24 else 1
    with executor(jobs, scheduler) as ex:
        rows = compute_timeline(
            reader.stream(catalog),
            reader.min_part_km2,
            executor=None if jobs == 1 and not scheduler else ex,
        )
        write_stream(rows, COLUMNS, fmt)
