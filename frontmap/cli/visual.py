"""``frontmap chart`` and ``frontmap animate``: the timeline you can see."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from .group import main
from .options import DateType, reader_options
from .output import kb

CHART_EXTS = ("svg", "png", "pdf")
ANIMATION_EXTS = ("html", "gif", "mp4")


def _output_option(exts: tuple[str, ...]):
    return click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help=f"The file to write; its extension chooses the format ({', '.join(exts)}).",
    )


def _common(f):
    """--from, --to, --title and --credit (chart and animate)."""
    opts = [
        click.option("--from", "date_from", type=DateType(), help="First date shown."),
        click.option("--to", "date_to", type=DateType(), help="Last date shown."),
        click.option("--title", metavar="TEXT", help="Headline (default: the dates)."),
        click.option("--credit", metavar="TEXT", help="Credit line, e.g. 'Data: ISW'."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _ext(path: Path, allowed: tuple[str, ...], ctx) -> str:
    ext = path.suffix.lower().lstrip(".")
    if ext not in allowed:
        raise click.BadParameter(
            f"'{path}' must end in {', '.join('.' + e for e in allowed)} (the format)",
            ctx, param_hint="--output",
        )
    return ext


def _in_range(snapshots, date_from, date_to):
    for snap in snapshots:
        if date_from is not None and snap.date < date_from:
            continue
        if date_to is not None and snap.date > date_to:
            continue
        yield snap


def _check_range(date_from, date_to, ctx) -> None:
    if date_from and date_to and date_from > date_to:
        raise click.UsageError("--from is after --to", ctx)


def _no_dates_in_range(date_from, date_to) -> None:
    from .exit import EXIT_DATA

    click.echo(
        f"frontmap: error: no snapshot between {date_from or 'the first date'} and "
        f"{date_to or 'the last date'}",
        err=True,
    )
    raise click.exceptions.Exit(EXIT_DATA)


@main.command()
@reader_options()
@_output_option(CHART_EXTS)
@_common
@click.option(
    "--relative",
    is_flag=True,
    help="Each line as % of the faction's area on the first date it held ground.",
)
@click.option(
    "--only",
    metavar="A,B",
    help="Draw only these factions (ids, names or aliases, comma-separated; "
    "'contested' for contested ground).",
)
@click.option("--source", metavar="TEXT", help="Source line, e.g. 'DeepStateMap'.")
@click.option(
    "--width",
    type=click.IntRange(min=400, max=4000),
    default=1200,
    show_default=True,
    metavar="PX",
    help="Width in pixels (PNG; SVG and PDF scale).",
)
@click.pass_context
def chart(ctx, reader, output, date_from, date_to, title, credit, relative, only, source, width):
    """Area over time per faction: one line per faction in its colour, labelled at
    its end, the biggest splits, encirclements and pockets lost marked. SVG, PNG
    or PDF by the extension of -o.

    Example: frontmap chart layers/ -o output/areas.svg --relative
    """
    from ..analysis.series import area_series
    from ..build.outputs import write_atomic
    from ..errors import ArgumentError
    from ..render.chart import render_chart

    fmt = _ext(output, CHART_EXTS, ctx)
    _check_range(date_from, date_to, ctx)
    catalog = reader.catalog()
    series = area_series(
        _in_range(reader.stream(catalog), date_from, date_to), reader.min_part_km2
    )
    if not series.dates:
        _no_dates_in_range(date_from, date_to)
    series = series.ordered(catalog.factions.order(series.factions))
    wanted = [w.strip() for w in only.split(",") if w.strip()] if only else None
    try:
        data = render_chart(
            series, catalog.factions, fmt=fmt, factions=wanted, relative=relative, title=title,
            credit=credit, source=source, width_px=width, height_px=round(width * 9 / 16),
        )
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), ctx, param_hint="--only") from None
    write_atomic(output, data)
    click.echo(f"wrote {output} ({kb(len(data))})")


def _frame_progress():
    if not sys.stderr.isatty():
        return None

    def cb(done, total):
        click.echo(f"\rframe {done}/{total}", err=True, nl=False)
        if done == total:
            click.echo("\r" + " " * 30 + "\r", err=True, nl=False)

    return cb


def _atomic_path(target: Path):
    """A temporary path beside ``target`` (renamed over it by the caller), so that a
    killed run leaves the previous file whole; a build sweeps the leftovers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _basemap_choice(basemap: str | None, offline: bool, ctx) -> str:
    from .compare import PageOptions, _basemap

    page = PageOptions(None, "side-by-side", None, None, None, None, basemap, offline, None)
    return _basemap(page, ctx)


@main.command()
@reader_options()
@_output_option(ANIMATION_EXTS)
@_common
@click.option(
    "--fps",
    type=click.FloatRange(min=0.1, max=60),
    default=4.0,
    show_default=True,
    help="Snapshots per second (the page's play speed, the GIF's and MP4's frame rate).",
)
@click.option(
    "--basemap",
    metavar="bundled|tiles|none|FILE",
    help="Under the factions: the bundled Natural Earth land (the default), OpenStreetMap "
    "tiles (page only), nothing, or the polygons of FILE.",
)
@click.option("--offline", is_flag=True, help="A page that makes no network request at all.")
@click.pass_context
def animate(ctx, reader, output, date_from, date_to, title, credit, fps, basemap, offline):
    """Every snapshot in order: an HTML page (one map, a date slider, play/pause,
    arrow keys, the legend with each faction's area and the area chart), or a GIF
    or MP4 (one frame per snapshot, 1080 px wide) by the extension of -o. Long
    series stream: snapshots are read one date at a time.

    Example: frontmap animate layers/ -o output/animation.html --offline
    """
    from ..build.outputs import write_atomic
    from ..read import read_outline
    from ..render.animate import animation_page

    fmt = _ext(output, ANIMATION_EXTS, ctx)
    _check_range(date_from, date_to, ctx)
    choice = _basemap_choice(basemap, offline or fmt != "html", ctx)
    named = choice not in ("bundled", "tiles", "none")
    outline = read_outline(choice, merge=False) if named else None
    catalog = reader.catalog()
    snaps = _in_range(reader.stream(catalog), date_from, date_to)
    if fmt == "html":
        page = animation_page(
            snaps, catalog.factions, title=title, credit=credit, fps=fps,
            basemap=outline if outline is not None else choice, offline=choice != "tiles",
            min_part_km2=reader.min_part_km2,
        )
        data = page.encode("utf-8")
        write_atomic(output, data)
        click.echo(f"wrote {output} ({kb(len(data))})")
        return
    from ..render.animate_frames import write_video

    tmp = _atomic_path(output)
    try:
        n = write_video(
            snaps, catalog.factions, tmp, fmt=fmt, fps=fps, title=title, credit=credit,
            basemap=outline if outline is not None else ("none" if choice == "none" else "bundled"),
            min_part_km2=reader.min_part_km2, progress=_frame_progress(),
        )
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    click.echo(f"wrote {output} ({n} frames, {kb(output.stat().st_size)})")

