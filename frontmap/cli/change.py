"""``frontmap diff``, ``splits`` and ``timeline``: what changed, and how territory falls apart."""

from __future__ import annotations

import click

from ..render.formats import render_rows, to_json
from .group import main
from .options import (
    GEO_FORMATS,
    DateType,
    export_options,
    format_option,
    jobs_options,
    reader_options,
    split_dates_and_layers,
    story_options,
)
from .output import (
    echo_err,
    export_format,
    progress,
    write_output,
    write_stream,
)


@main.command()
@click.argument("date_from", metavar="FROM", type=DateType())
@click.argument("date_to", metavar="TO", type=DateType())
@reader_options(places=True, link=True)
@story_options
@format_option(choices=GEO_FORMATS)
@export_options
def diff(date_from, date_to, reader, fmt, near_km, min_story_km2, output, simplify_m):
    """What changed between FROM and TO: gains, losses, who took ground from whom,
    topology events (splits, merges, pockets, encirclements) and front lines.

    JSON has everything; CSV is the per-faction table; md adds a plain-English
    summary drafted from the numbers; geojson (or -o FILE.gpkg) the change as
    geometry: territory, claims, transfers, front lines and events.

    Example: frontmap diff 2017-01-09 2017-01-16 layers/ --format md
    """
    from ..analysis.summary import summarize
    from ..render.diff_text import render_diff
    from ..render.provenance import provenance_of

    fmt = export_format(fmt, output, simplify_m)
    warn_if_backwards(date_from, date_to)
    layers = reader.load_dates([date_from, date_to])
    d = reader.diff(layers, date_from, date_to, near_km, min_story_km2)
    prov = provenance_of(layers, [date_from, date_to])
    if fmt in ("geojson", "gpkg"):
        from ..render import export_diff

        progress().stage("writing the geometry")
        write_output(
            export_diff(layers, d, fmt=fmt, simplify_m=simplify_m, provenance=prov), output
        )
        return
    write_output(render_diff(d, fmt, summarize(d), provenance=prov), output)


def warn_if_backwards(date_from, date_to) -> None:
    """FROM later than TO is allowed (the change as given), but rarely meant."""
    if date_from > date_to:
        echo_err(
            f"frontmap: warning: FROM ({date_from}) is later than TO ({date_to}); "
            f"showing the change from {date_from} back to {date_to} as given "
            "(swap them for the change forward in time)"
        )


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[DATE] [LAYERS]")
@reader_options(layers=False, places=True, link=True)
@click.option(
    "--near-km",
    type=click.FloatRange(min=0),
    default=25.0,
    show_default=True,
    metavar="KM",
    help="A place is 'near' a part only within this distance.",
)
@format_option(choices=GEO_FORMATS)
@export_options
@click.pass_context
def splits(ctx, args, reader, fmt, near_km, output, simplify_m):
    """Each faction's parts on DATE (default: the last date), largest first.

    For each part: area, centroid, whether it is the main body, the geodesic
    distance between its nearest points and the main body, the factions that
    encircle it (if any), km of border with each holder, the nearest place.

    Example: frontmap splits 2017-01-16 layers/ --format json
    """
    from ..analysis.topology import SPLIT_COLUMNS, split_rows
    from ..analysis.topology import splits as compute_splits

    fmt = export_format(fmt, output, simplify_m)
    dates_, path = split_dates_and_layers(args, 1, ctx)
    reader = reader.at(path)
    catalog = reader.catalog()
    known = catalog.dates_from_names()
    if not dates_ and known:
        dates_ = [known[-1]]
    layers = reader.load_dates(dates_, catalog) if dates_ else reader.load(catalog=catalog)
    snap = layers.snapshot(dates_[0]) if dates_ else layers.snapshots[layers.dates[-1]]
    progress().stage(f"finding the parts on {snap.date}")
    found = compute_splits(
        snap,
        layers.places,
        reader.min_part_km2,
        reader.link_km,
        layers.factions.order(snap.territories),
        near_km=near_km,
    )
    if fmt in ("geojson", "gpkg"):
        from ..render import export_splits

        write_output(export_splits(layers, found, fmt=fmt, simplify_m=simplify_m), output)
        return
    if fmt == "json":
        write_output(to_json([f.as_dict() for f in found]), output)
        return
    write_output(render_rows(split_rows(found), SPLIT_COLUMNS, fmt), output)


@main.command()
@reader_options()
@format_option(choices=("csv", "json", "table", "md"), default="csv")
@jobs_options
def timeline(reader, fmt, jobs, scheduler, scheduler_timeout):
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
    from ..errors import ClusterError

    catalog = reader.catalog(defer_clip=True)  # the workers clip (see timeline's clip=)
    dated = {s.hinted_date for s in catalog.sources}
    if jobs == 0:
        jobs = auto_jobs() if len(dated) >= 24 else 1
    done = _PairsDone(None if None in dated else max(len(dated) - 1, 0))
    bar = progress()
    if scheduler:
        bar.stage(f"connecting to the Dask scheduler at {scheduler}")
    try:
        with executor(jobs, scheduler, scheduler_timeout) as ex:
            if scheduler:
                bar.stage("")  # connected
            rows = compute_timeline(
                reader.stream(catalog),
                reader.min_part_km2,
                executor=None if jobs == 1 and not scheduler else ex,
                clip=catalog.deferred_clip,
            )
            write_stream(done.count(rows), COLUMNS, fmt)
    except ClusterError as exc:
        if not exc.connected:
            raise
        raise ClusterError(f"{exc}; {done.how_far(fmt)}", exc.address, exc.done) from None


class _PairsDone:
    """Counts the pairs of dates whose rows are out (progress, and how far a failed run got)."""

    def __init__(self, total: int | None):
        self.total = total
        self.pairs = 0
        self.rows = 0
        self.last: tuple | None = None

    def count(self, rows):
        bar = progress()
        for r in rows:  # the rows of a pair come out together, once it is computed
            pair = (r.date_from, r.date_to)
            if pair != self.last:
                self.pairs += 1
                self.last = pair
                bar.count("pairs done", self.pairs, self.total)
            self.rows += 1
            yield r

    def how_far(self, fmt: str) -> str:
        if fmt not in ("csv", "json"):
            return "nothing was written"
        if self.last is None:
            return "no rows were written"
        of = f" of {self.total}" if self.total is not None else ""
        a, b = self.last
        return (
            f"the output stops after the rows of {a} -> {b} ({self.pairs}{of} pairs, "
            f"{self.rows} rows{'; the JSON list is not closed' if fmt == 'json' else ''})"
        )
