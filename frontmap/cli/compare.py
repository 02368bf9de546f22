"""``frontmap compare``: the "tale of two maps" page (and its print image)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from ..render.modes import MODES
from .exit import EXIT_DATA
from .group import main
from .options import reader_options, split_dates_and_layers, story_options
from .output import check_output_folder, echo_err, kb, progress


@dataclass(frozen=True)
class PageOptions:
    """What the page shows and where it goes (the options of ``compare``)."""

    output: Path | None
    mode: str
    title: str | None
    caption: str | None
    credit: str | None
    focus: str | None
    basemap: str | None
    offline: bool
    png: Path | None
    highlights: int = 2
    image: Path | None = None


_PAGE_KEYS = (
    "output", "mode", "title", "caption", "credit", "focus", "basemap", "offline", "png",
    "image", "highlights",
)


def page_options(f):
    """The page options of ``compare``, handed to the command as one ``page`` argument."""
    opts = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            metavar="FILE",
            help="The page to write ('-' for stdout; default: output/FROM_TO.html).",
        ),
        click.option(
            "--mode",
            type=click.Choice(MODES),
            default="side-by-side",
            show_default=True,
            help="Two synchronised maps, or one map with a divider to drag.",
        ),
        click.option(
            "--title", metavar="TEXT", help="Headline (default: 'Territorial control, DATES')."
        ),
        click.option("--caption", metavar="TEXT", help="A line of text under the figures."),
        click.option("--credit", metavar="TEXT", help="Source/credit line, e.g. 'Data: ISW'."),
        click.option(
            "--focus",
            metavar="FACTION|W,S,E,N",
            help="Initial extent: a faction's ground on either date, or a lon/lat box.",
        ),
        click.option(
            "--basemap",
            metavar="bundled|tiles|none|FILE",
            default="bundled",
            show_default=True,
            help="Under the factions: the bundled Natural Earth map (sea, land, national "
            "borders, country names; offline), OpenStreetMap tiles (needs the network), "
            "nothing, or the polygons of FILE (country outlines, say).",
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="A page that makes no network request at all (no tiles).",
        ),
        click.option(
            "--image",
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help="Also write the pair as a print image: FILE.png (1600 px wide), or "
            "FILE.svg or FILE.pdf (vector, text kept as text, for a graphics desk).",
        ),
        click.option(
            "--png",
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help="Also write the pair as a print-ready PNG, 1600 px wide (--image FILE.png).",
        ),
        click.option(
            "--highlights",
            type=click.IntRange(min=0),
            default=2,
            show_default=True,
            metavar="N",
            help="Under the maps, a before/after close-up of each of the N most telling "
            "places of the change (0: none).",
        ),
    ]

    @functools.wraps(f)
    def wrapper(*args, **kw):
        page = PageOptions(**{k: kw.pop(k) for k in _PAGE_KEYS})
        return f(*args, page=page, **kw)

    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper


_BASEMAPS = ("bundled", "tiles", "none")
_IMAGE_SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def _image(page: PageOptions, ctx) -> tuple[Path | None, str | None]:
    """The print image to write and its format: --image FILE by its extension, or
    --png FILE (a PNG, whatever the name)."""
    if page.image is not None and page.png is not None:
        raise click.UsageError("give --image or --png, not both (--png is --image FILE.png)", ctx)
    if page.png is not None:
        return page.png, "png"
    if page.image is None:
        return None, None
    fmt = _IMAGE_SUFFIXES.get(page.image.suffix.lower())
    if fmt is None:
        raise click.BadParameter(
            f"'{page.image}' should end in .png, .svg or .pdf (the format of the image)",
            ctx,
            param_hint="--image",
        )
    return page.image, fmt


def _basemap(page: PageOptions, ctx) -> str:
    basemap = page.basemap or "bundled"
    if basemap == "tiles" and page.offline:
        raise click.BadParameter(
            "tiles need the network; use --basemap bundled, none or a FILE with --offline",
            ctx,
            param_hint="--basemap",
        )
    if basemap not in _BASEMAPS and not Path(basemap).is_file():
        raise click.BadParameter(
            f"'{basemap}' is not 'bundled', 'tiles', 'none' or an existing file",
            ctx,
            param_hint="--basemap",
        )
    return basemap


def _dates(dates_, layers, ctx, path):
    if dates_:
        date_from, date_to = dates_
        if date_from == date_to:
            raise click.UsageError("FROM and TO are the same date", ctx)
        return date_from, date_to
    if len(layers.dates) < 2:
        echo_err(f"frontmap: error: {path} has one date ({layers.dates[0]}); compare needs two")
        raise click.exceptions.Exit(EXIT_DATA)
    return layers.dates[0], layers.dates[-1]


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[FROM TO] [LAYERS]")
@reader_options(layers=False, places=True, link=True)
@story_options
@page_options
@click.pass_context
def compare(ctx, args, reader, page, near_km, min_story_km2):
    """A "tale of two maps" page: FROM on the left, TO on the right (default: the
    first and the last date), pan and zoom in step, ground that changed hands
    hatched, front lines, pockets and corridors, cities; under them a
    before/after close-up of each of the most telling places (--highlights N),
    the area table and a drafted summary. One self-contained HTML file; with
    --offline it opens with no network at all.

    Example: frontmap compare 2017-01-09 2017-01-16 layers/ --mode swipe --offline
    """
    from ..build.outputs import write_atomic
    from ..errors import FocusError
    from ..read import read_outline
    from ..read.provenance import input_file
    from ..render import compare_outputs
    from ..render.provenance import provenance_of
    from .change import warn_if_backwards

    dates_, path = split_dates_and_layers(args, 2, ctx)
    if len(dates_) == 1:
        raise click.UsageError("give both FROM and TO, or neither (first and last date)", ctx)
    basemap = _basemap(page, ctx)
    image_path, image_fmt = _image(page, ctx)
    if dates_:
        warn_if_backwards(*dates_)
    for given in (page.output, image_path):
        check_output_folder(given)
    reader = reader.at(path)
    catalog = reader.catalog()
    known = catalog.dates_from_names()
    if not dates_ and known and len(known) >= 2:
        dates_ = [known[0], known[-1]]
    if dates_:
        layers = reader.load_dates(dates_, catalog)
    else:
        layers = reader.load(catalog=catalog)
    date_from, date_to = _dates(dates_, layers, ctx, path)
    bar = progress()
    d = reader.diff(layers, date_from, date_to, near_km, min_story_km2)
    outline = read_outline(basemap, merge=False) if basemap not in _BASEMAPS else None
    base_record = input_file(basemap, layers.folder) if outline is not None else basemap
    chart = len(layers.snapshots) >= 3
    prov = provenance_of(layers, None if chart else [date_from, date_to], base_record)
    bar.stage("drawing the page and the image" if image_fmt else "drawing the page")
    try:
        made = compare_outputs(
            layers,
            d,
            mode=page.mode,
            title=page.title,
            caption=page.caption,
            credit=page.credit,
            focus=page.focus,
            basemap=outline if outline is not None else basemap,
            offline=page.offline,
            image=image_fmt,
            provenance=prov,
            highlights=page.highlights,
        )
    except FocusError as exc:
        raise click.BadParameter(str(exc), ctx, param_hint="--focus") from None
    data = made.page.encode("utf-8")
    output = page.output
    if output is None:
        output = Path("output") / f"{d.date_from.isoformat()}_{d.date_to.isoformat()}.html"
    bar.clear()
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        # only the default output/ folder is made when missing: a mistyped -o is an error
        write_atomic(output, data, make_parents=page.output is None)
        click.echo(f"wrote {output} ({kb(len(data))})")
    if image_path is not None and made.image is not None:
        write_atomic(image_path, made.image)
        click.echo(f"wrote {image_path} ({kb(len(made.image))})", err=str(output) == "-")
