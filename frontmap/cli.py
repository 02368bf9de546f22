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
        stop_on_errors(result.report, "nothing computed")
        if not result.snapshots:
            no_territory(layers, result.report)
        note_repairs(result.report)
    return result


def stop_on_errors(report, what: str) -> None:
    """Print the errors of a read (20 at most) and exit 1, if there are any."""
    errors = report.all_errors
    if not errors:
        return
    for e in errors[:20]:
        click.echo(f"frontmap: error: {e}", err=True)
    if len(errors) > 20:
        click.echo(f"frontmap: ... and {len(errors) - 20} more errors", err=True)
    click.echo(
        f"frontmap: the layers have errors; {what} (run 'frontmap check' for the full report)",
        err=True,
    )
    raise click.exceptions.Exit(EXIT_DATA)


def note_repairs(report) -> None:
    repairs = report.all_repairs
    if repairs:
        click.echo(
            f"frontmap: note: {len(repairs)} repair(s) made while reading, e.g. {repairs[0]} "
            "(run 'frontmap check' for the list)",
            err=True,
        )


def no_territory(layers: Path, report) -> None:
    """Exit 1 saying what was read where no territory was found."""
    from collections import Counter

    skipped: Counter = Counter()
    for f in report.files:
        skipped.update(f.skipped)
    features = sum(f.features for f in report.files)
    why = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items())) or "nothing skipped"
    click.echo(
        f"frontmap: error: no territory found in {layers}: {len(report.files)} file(s), "
        f"{features} feature(s) read, none with polygons ({why})",
        err=True,
    )
    raise click.exceptions.Exit(EXIT_DATA)


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
    from .reading import Catalog

    catalog = Catalog(layers, _options(kw))
    rows = []
    for snap in stream_catalog(catalog, layers):
        rows.append(
            {
                "date": snap.date.isoformat(),
                "factions": catalog.factions.order(snap.territories),
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
    from .reading import Catalog

    # one date at a time: only the small rows are kept, printed once all is read
    catalog = Catalog(layers, _options(kw))
    rows = [r.as_dict() for r in compute_areas(stream_catalog(catalog, layers), min_part_km2)]
    echo_output(render_rows(rows, ["date", "faction", "area_km2", "parts"], fmt))


# ---------------------------------------------------------------------------
# check


@main.command()
@with_reader
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
def check(layers, fmt, strict, max_stray_km, max_jump_pct, min_part_km2, **kw):
    """Validate LAYERS: a report per file.

    Features read, skipped (and why), repaired, refused; overlaps between
    factions in km²; features no faction rule matched; warnings about
    suspicious data (a part far from its faction's territory on every other
    date, a total area that jumps between dates). Exit 0 when clean or only
    repaired, 1 when there are errors (or warnings, with --strict).

    Example: frontmap check layers/ --max-stray-km 50 --strict
    """
    from .checking import check_layers, render_check

    result = load_layers(layers, kw, allow_errors=True)
    report = check_layers(
        result,
        max_jump_pct=max_jump_pct,
        max_stray_km=max_stray_km,
        min_part_km2=min_part_km2,
    )
    if fmt == "json":
        echo_output(to_json(report.as_dict()))
    else:
        echo_output(render_check(report))
    failed = report.errors or (strict and report.warnings)
    raise click.exceptions.Exit(EXIT_DATA if failed else EXIT_OK)


# ---------------------------------------------------------------------------
# shared by the change commands


def places_option(f):
    return click.option(
        "--places",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="FILE",
        help="City points (GeoJSON or CSV) for 'near' (default: LAYERS/places.*).",
    )(f)


def link_option(f):
    return click.option(
        "--link-km",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        metavar="KM",
        help="Treat parts of a faction closer than this as one part.",
    )(f)


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from .model import parse_date

        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def split_dates_and_layers(args, max_dates: int, ctx) -> tuple[list, Path]:
    """Leading positional arguments that are dates, then an optional LAYERS path."""
    from .model import parse_date

    dates_, rest = [], list(args)
    while rest and len(dates_) < max_dates:
        try:
            dates_.append(parse_date(rest[0]))
        except ValueError:
            break
        rest.pop(0)
    if len(rest) > 1:
        raise click.UsageError(f"unexpected arguments: {' '.join(rest[1:])}", ctx)
    layers = Path(rest[0]) if rest else Path("layers")
    if not layers.exists():
        hint = "" if rest else " (no LAYERS given and there is no ./layers folder)"
        raise click.BadParameter(f"'{layers}' does not exist{hint}", ctx, param_hint="LAYERS")
    return dates_, layers


# ---------------------------------------------------------------------------
# diff


@main.command()
@click.argument("date_from", metavar="FROM", type=DateType())
@click.argument("date_to", metavar="TO", type=DateType())
@with_reader
@places_option
@link_option
@format_option()
def diff(date_from, date_to, layers, fmt, min_part_km2, link_km, places, **kw):
    """What changed between FROM and TO: gains, losses, who took ground from whom,
    topology events (splits, merges, pockets, encirclements) and front lines.

    JSON has everything; CSV is the per-faction table; md adds a plain-English
    summary drafted from the numbers.

    Example: frontmap diff 2017-01-09 2017-01-16 layers/ --format md
    """
    from .change import diff as compute_diff
    from .summary import summarize

    result = load_layers(layers, kw, places=places)
    d = compute_diff(
        result.snapshot(date_from),
        result.snapshot(date_to),
        clip=result.clip,
        places=result.places,
        min_part_km2=min_part_km2,
        link_km=link_km,
        order=result.factions.order(
            set(result.snapshot(date_from).territories) | set(result.snapshot(date_to).territories)
        ),
    )
    echo_output(render_diff(d, fmt, summarize(d)))


def render_diff(d, fmt: str, summary: str) -> str:
    from .change import FACTION_COLUMNS

    data = d.as_dict()
    if fmt == "json":
        return to_json(data)
    rows = data["factions"]
    kinds = {"net_km2": "signed", "change_pct": "pct"}
    if fmt == "csv":
        return render_rows(rows, FACTION_COLUMNS, "csv")
    out = []
    if fmt == "md":
        out.append(f"## Change {data['from']} to {data['to']}\n\n{summary}\n\n")
    else:
        out.append(f"Change {data['from']} -> {data['to']}\n\n")
    out.append(render_rows(rows, FACTION_COLUMNS, fmt, kinds))
    if data["transfers"]:
        out.append(
            "\nTransfers (km² that passed from one holder to another)\n\n"
            if fmt == "table"
            else "\n### Transfers\n\n"
        )
        out.append(render_rows(data["transfers"], ["from", "to", "area_km2"], fmt))
    if data["events"]:
        out.append("\nEvents\n\n" if fmt == "table" else "\n### Events\n\n")
        ev_rows = []
        for e in data["events"]:
            details = {k: v for k, v in e.items() if k not in ("type", "faction")}
            ev_rows.append(
                {"type": e["type"], "faction": e["faction"], "details": _details_text(details)}
            )
        out.append(render_rows(ev_rows, ["type", "faction", "details"], fmt))
    if data["front_lines"]:
        out.append(
            "\nFront lines (km of shared border)\n\n" if fmt == "table" else "\n### Front lines\n\n"
        )
        fl = [
            {
                "factions": " / ".join(x["factions"]),
                "length_from_km": x["length_from_km"],
                "length_to_km": x["length_to_km"],
            }
            for x in data["front_lines"]
        ]
        out.append(render_rows(fl, ["factions", "length_from_km", "length_to_km"], fmt))
    if fmt == "table":
        out.append(f"\n{summary}\n")
    return "".join(out)


def _details_text(details: dict) -> str:
    parts = []
    for k, v in details.items():
        if v is None or v == [] or v is False:
            continue
        if isinstance(v, float):
            v = f"{v:,.1f}"
        elif isinstance(v, list):
            v = ", ".join(f"{x:,.1f}" if isinstance(x, float) else str(x) for x in v)
        elif v is True:
            v = "yes"
        parts.append(f"{k} {v}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------
# splits


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[DATE] [LAYERS]")
@reader_options
@places_option
@link_option
@format_option()
@click.pass_context
def splits(ctx, args, fmt, min_part_km2, link_km, places, **kw):
    """Each faction's parts on DATE (default: the last date), largest first.

    For each part: area, centroid, whether it is the main body, the geodesic
    distance between its nearest points and the main body, the factions that
    encircle it (if any), km of border with each holder, the nearest place.

    Example: frontmap splits 2017-01-16 layers/ --format json
    """
    from .topology import SPLIT_COLUMNS, split_rows
    from .topology import splits as compute_splits

    dates_, layers = split_dates_and_layers(args, 1, ctx)
    result = load_layers(layers, kw, places=places)
    snap = result.snapshot(dates_[0]) if dates_ else result.snapshots[result.dates[-1]]
    found = compute_splits(
        snap, result.places, min_part_km2, link_km, result.factions.order(snap.territories)
    )
    if fmt == "json":
        echo_output(to_json([f.as_dict() for f in found]))
        return
    echo_output(render_rows(split_rows(found), SPLIT_COLUMNS, fmt))


# ---------------------------------------------------------------------------
# timeline


def jobs_options(f):
    """--jobs and --scheduler: where pair computations run (defined once)."""
    f = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Send the work to a Dask distributed scheduler (e.g. tcp://10.0.0.5:8786) "
        "instead of local processes.",
    )(f)
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Local processes to use; 0 = one per CPU core (for long series only).",
    )(f)


@main.command()
@with_reader
@format_option(choices=("csv", "json", "table", "md"), default="csv")
@jobs_options
def timeline(layers, fmt, min_part_km2, jobs, scheduler, **kw):
    """Change for every consecutive pair of dates and every faction: the series
    analysts chart (area on both dates, gained, lost, net, parts).

    Rows are written as they are computed; snapshots are read one date at a
    time, so long archives run in bounded memory. Pairs are computed in
    parallel (--jobs, or a Dask cluster with --scheduler); the output is the
    same bytes either way.

    Example: frontmap timeline layers/ --format csv > timeline.csv
    """
    from .parallel import auto_jobs, executor
    from .reading import Catalog
    from .timeline import COLUMNS
    from .timeline import timeline as compute_timeline

    catalog = Catalog(layers, _options(kw))
    if jobs == 0:
        dated = {s.hinted_date for s in catalog.sources}
        jobs = auto_jobs() if len(dated) >= 24 else 1
    with executor(jobs, scheduler) as ex:
        rows = compute_timeline(
            stream_catalog(catalog, layers),
            min_part_km2,
            executor=None if jobs == 1 and not scheduler else ex,
        )
        write_stream(rows, COLUMNS, fmt)


def stream_catalog(catalog, layers: Path):
    """Snapshots one date at a time; stop with exit 1 at the first file with errors."""
    seen = 0
    for snap in catalog.iter_snapshots(progress=_progress_callback()):
        if catalog.report.all_errors:
            break
        seen += 1
        yield snap
    stop_on_errors(catalog.report, "stopped")
    if not seen:
        no_territory(layers, catalog.report)
    note_repairs(catalog.report)


def write_stream(rows, columns: list[str], fmt: str) -> None:
    """Write rows as they come (CSV, JSON list); table and md need them all first."""
    import csv
    import json

    from .formats import csv_value, round_floats

    out = sys.stdout
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            d = r.as_dict()
            w.writerow([csv_value(d[c]) for c in columns])
        return
    if fmt == "json":
        first = True
        out.write("[")
        for r in rows:
            text = json.dumps(round_floats(r.as_dict()), ensure_ascii=False)
            out.write(("\n  " if first else ",\n  ") + text)
            first = False
        out.write("\n]\n" if not first else "]\n")
        return
    echo_output(render_rows([r.as_dict() for r in rows], columns, fmt))


# ---------------------------------------------------------------------------
# build


@main.command()
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default="frontmap.toml",
    show_default=True,
    metavar="FILE",
    help="The manifest.",
)
@jobs_options
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; list stale or missing outputs, "
    "exit 1 if any (for CI that verifies committed maps).",
)
@click.option("--force", is_flag=True, help="Rebuild every entry, even the up-to-date ones.")
def build(config, jobs, scheduler, check, force):
    """Build every map and table of a manifest (frontmap.toml) into its output folder,
    plus index.html. Only entries whose inputs changed are rebuilt (layer file
    contents, the manifest entry, frontmap's version); a run with nothing to do
    writes nothing. A failing entry is reported and the others are still built
    (exit 1). Same bytes whatever --jobs.

    Example: frontmap build --jobs 2
    """
    from .build import build as run_build
    from .build import load_manifest
    from .parallel import auto_jobs

    manifest = load_manifest(config)
    bar = _BuildProgress()
    report = run_build(
        manifest,
        jobs=jobs or auto_jobs(),
        scheduler=scheduler,
        check=check,
        force=force,
        progress=bar.entry,
    )
    bar.close()
    for name, why in report.stale.items():
        if name in (".frontmap-build.json", "index.html"):
            click.echo(f"stale    {name}: {why}")
    parts = []
    if check:
        parts.append(f"{len(report.stale)} stale" if report.stale else "all outputs up to date")
        parts.append(f"{len(report.skipped)} current")
    else:
        parts.append(f"built {len(report.built)}, skipped {len(report.skipped)}")
    if report.failed:
        parts.append(f"failed {len(report.failed)}")
    click.echo(f"{', '.join(parts)} in {report.seconds:.2f}s (output: {manifest.output})")
    raise click.exceptions.Exit(EXIT_OK if report.ok else EXIT_DATA)


class _BuildProgress:
    """One line per entry; on a terminal, a progress bar under them."""

    def __init__(self):
        self.tty = sys.stderr.isatty()

    def entry(self, status, name, seconds, detail, done, total) -> None:
        if self.tty:
            click.echo("\r\033[K", err=True, nl=False)
        timing = f" {seconds:6.2f}s" if status in ("built", "failed") and seconds else ""
        line = f"{status:<8} {name}{timing}"
        if detail and status != "skipped":
            line += f": {detail}"
        click.echo(line)
        if self.tty:
            filled = round(30 * done / max(total, 1))
            click.echo(f"[{'#' * filled:<30}] {done}/{total}", err=True, nl=False)

    def close(self) -> None:
        if self.tty:
            click.echo("\r\033[K", err=True, nl=False)


# ---------------------------------------------------------------------------
# compare


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[FROM TO] [LAYERS]")
@reader_options
@places_option
@link_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    metavar="FILE",
    help="The page to write ('-' for stdout; default: output/FROM_TO.html).",
)
@click.option(
    "--mode",
    type=click.Choice(["side-by-side", "swipe"]),
    default="side-by-side",
    show_default=True,
    help="Two synchronised maps, or one map with a divider to drag.",
)
@click.option("--title", metavar="TEXT", help="Headline (default: 'Territorial control, DATES').")
@click.option("--caption", metavar="TEXT", help="A line of text under the figures.")
@click.option("--credit", metavar="TEXT", help="Source/credit line, e.g. 'Data: ISW'.")
@click.option(
    "--focus",
    metavar="FACTION|W,S,E,N",
    help="Initial extent: a faction's ground on either date, or a lon/lat box.",
)
@click.option(
    "--basemap",
    metavar="tiles|none|FILE",
    help="Under the factions: OpenStreetMap tiles, nothing, or the polygons of FILE "
    "(country outlines, say). Default: tiles, or none with --offline.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="A page that makes no network request at all (no tiles).",
)
@click.option(
    "--png",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also write the pair as a print-ready PNG, 1600 px wide.",
)
@click.pass_context
def compare(
    ctx,
    args,
    output,
    mode,
    title,
    caption,
    credit,
    focus,
    basemap,
    offline,
    png,
    min_part_km2,
    link_km,
    places,
    **kw,
):
    """A "tale of two maps" page: FROM on the left, TO on the right (default: the
    first and the last date), pan and zoom in step, ground that changed hands
    hatched, front lines, pockets and corridors, cities, the area table and a
    drafted summary. One self-contained HTML file; with --offline it opens with
    no network at all.

    Example: frontmap compare 2017-01-09 2017-01-16 layers/ --mode swipe --offline
    """
    from .change import diff as compute_diff
    from .outputs import write_atomic
    from .reading import read_outline
    from .render import build_scene, compare_page, compare_png, default_title
    from .render.scene import FocusError

    dates_, layers = split_dates_and_layers(args, 2, ctx)
    if len(dates_) == 1:
        raise click.UsageError("give both FROM and TO, or neither (first and last date)", ctx)
    if basemap is None:
        basemap = "none" if offline else "tiles"
    if basemap == "tiles" and offline:
        raise click.BadParameter(
            "tiles need the network; use --basemap none or a FILE with --offline",
            ctx,
            param_hint="--basemap",
        )
    if basemap not in ("tiles", "none") and not Path(basemap).is_file():
        raise click.BadParameter(
            f"'{basemap}' is not 'tiles', 'none' or an existing file", ctx, param_hint="--basemap"
        )
    result = load_layers(layers, kw, places=places)
    if dates_:
        date_from, date_to = dates_
        if date_from == date_to:
            raise click.UsageError("FROM and TO are the same date", ctx)
        s_from, s_to = result.snapshot(date_from), result.snapshot(date_to)
    else:
        if len(result.dates) < 2:
            click.echo(
                f"frontmap: error: {layers} has one date ({result.dates[0]}); compare needs two",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_DATA)
        s_from, s_to = result.snapshots[result.dates[0]], result.snapshots[result.dates[-1]]
    d = compute_diff(
        s_from,
        s_to,
        clip=result.clip,
        places=result.places,
        min_part_km2=min_part_km2,
        link_km=link_km,
        order=result.factions.order(set(s_from.territories) | set(s_to.territories)),
    )
    outline = read_outline(basemap, merge=False) if basemap not in ("tiles", "none") else None
    try:
        scene = build_scene(result, d, focus=focus, basemap=outline)
    except FocusError as exc:
        raise click.BadParameter(str(exc), ctx, param_hint="--focus") from None
    title = title or default_title(d.date_from, d.date_to)
    page = compare_page(
        result,
        d,
        mode=mode,
        title=title,
        caption=caption,
        credit=credit,
        basemap=outline if outline is not None else basemap,
        offline=offline,
        scene=scene,
    )
    data = page.encode("utf-8")
    if output is None:
        output = Path("output") / f"{d.date_from.isoformat()}_{d.date_to.isoformat()}.html"
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(output, data)
        click.echo(f"wrote {output} ({_kb(len(data))})")
    if png is not None:
        image = compare_png(result, d, title=title, caption=caption, credit=credit, scene=scene)
        write_atomic(png, image)
        click.echo(f"wrote {png} ({_kb(len(image))})", err=str(output) == "-")


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB" if n >= 1000 else f"{n} B"


if __name__ == "__main__":  # pragma: no cover
    main()
