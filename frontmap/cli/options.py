"""Options shared by the commands, defined once (as rasterio's ``rio`` does).

Every command that reads layers takes the same reader options; the decorator
:func:`reader_options` adds them and hands the command one :class:`Reader`
(Fiona's ``with_context_env`` pattern) instead of a dozen keyword arguments.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

import click

from ..errors import DateFormatError
from ..render.formats import FORMATS
from .output import progress, progress_callback

__all__ = [
    "Reader",
    "reader_options",
    "format_option",
    "export_options",
    "GEO_FORMATS",
    "story_options",
    "jobs_options",
    "DateType",
    "split_dates_and_layers",
]


@dataclass(frozen=True)
class Reader:
    """What a command was told about reading its layers (LAYERS and the reader options)."""

    layers: Path = Path("layers")
    #: None when not given (the default property, ``faction``/``date``, is used)
    faction_field: str | None = None
    date_field: str | None = None
    factions_file: Path | None = None
    clip: Path | None = None
    min_part_km2: float = 1.0
    places: Path | None = None
    link_km: float = 0.0
    snap_km: float = 2.0
    date_pattern: str | None = None
    date_offset: int = 0
    latest: bool = False
    crs: str | None = None

    def at(self, layers: Path) -> Reader:
        """The same options for another LAYERS path."""
        return replace(self, layers=layers)

    def options(self):
        from ..read import ReadOptions

        return ReadOptions(
            faction_field=self.faction_field,
            date_field=self.date_field,
            factions_file=self.factions_file,
            clip=self.clip,
            places=self.places,
            snap_km=self.snap_km,
            date_pattern=self.date_pattern,
            date_offset=self.date_offset,
            latest=self.latest,
            crs=self.crs,
        )

    def catalog(self, keep_unclipped: bool = False, defer_clip: bool = False):
        from ..read import Catalog

        return Catalog(self.layers, self.options(), keep_unclipped=keep_unclipped,
                       defer_clip=defer_clip)

    def load(self, allow_errors: bool = False, dates=None, catalog=None):
        """Read the layers (only ``dates``, when given); bad data stops the command
        with exit code 1."""
        from .output import no_territory, note_repairs, stop_on_errors

        catalog = catalog or self.catalog()
        result = catalog.read(progress=progress_callback(), dates=dates)
        if not allow_errors:
            stop_on_errors(result.report, "nothing computed")
            if not result.snapshots:
                no_territory(self.layers, result.report)
            note_repairs(result.report)
        return result

    def load_dates(self, wanted, catalog=None):
        """Read only the dates ``wanted`` (those of a diff or a page) when the file
        names say which files hold them, else everything; a date the layers do not
        have is a DateNotFoundError listing the ones they have."""
        from ..errors import DateNotFoundError

        catalog = catalog or self.catalog()
        known = catalog.dates_from_names()
        if known is None:
            return self.load(catalog=catalog)
        for d in wanted:
            if d not in known:
                raise DateNotFoundError(d.isoformat(), [x.isoformat() for x in known])
        return self.load(dates=list(wanted), catalog=catalog)

    def diff(self, layers, date_from, date_to, near_km: float, min_story_km2: float | None):
        """The change between two dates of ``layers``, with these reader options' parts
        (``min_part_km2``, ``link_km``), after a progress line."""
        from ..analysis.change import diff_dates

        progress().stage(f"computing the change {date_from} -> {date_to}")
        return diff_dates(layers, date_from, date_to, min_part_km2=self.min_part_km2,
                          link_km=self.link_km, near_km=near_km, min_story_km2=min_story_km2)

    def stream(self, catalog=None):
        """Snapshots one date at a time; stop with exit 1 at the first file with errors."""
        from .output import no_territory, note_repairs, stop_on_errors

        catalog = catalog or self.catalog()
        seen = 0
        for snap in catalog.iter_snapshots(progress=progress_callback()):
            if catalog.report.all_errors:
                break
            seen += 1
            yield snap
        stop_on_errors(catalog.report, "stopped")
        if not seen:
            no_territory(self.layers, catalog.report)
        note_repairs(catalog.report)


_READER_KEYS = (
    "faction_field",
    "date_field",
    "factions_file",
    "clip",
    "min_part_km2",
    "snap_km",
    "date_pattern",
    "date_offset",
    "latest",
    "crs",
)
#: options whose default means "not asked for" (a property no feature has is then no error)
_NAMED_ONLY = ("faction_field", "date_field")


def _check_pattern(ctx, param, value):
    if value is None:
        return None
    from ..errors import ArgumentError
    from ..read.names import DatePattern

    try:
        DatePattern(value)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1], ctx, param) from None
    return value


def _check_crs(ctx, param, value):
    if value is None:
        return None
    from ..errors import ArgumentError
    from ..read.crs import parse_crs

    try:
        parse_crs(value)
    except ArgumentError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1], ctx, param) from None
    return value


def _reader_click_options(places: bool, link: bool) -> list:
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
            "--date-pattern",
            metavar="PATTERN",
            callback=_check_pattern,
            help="Read dates from file names with this strptime pattern ('%d.%m.%Y') or "
            "regular expression with a named group ('map_(?P<date>\\d{8})').",
        ),
        click.option(
            "--date-offset",
            type=int,
            default=0,
            show_default=True,
            metavar="DAYS",
            help="Shift every date by DAYS (-1: a file dated D shows the evening of D-1).",
        ),
        click.option(
            "--latest",
            is_flag=True,
            help="Of several files of one date, read only the newest (by the time of day "
            "in their names).",
        ),
        click.option(
            "--crs",
            metavar="CRS",
            callback=_check_crs,
            help="The CRS of the layer files' coordinates (EPSG:4326, EPSG:32637...), "
            "overriding what the files declare.",
        ),
        click.option(
            "--factions",
            "factions_file",
            type=click.Path(dir_okay=False, path_type=Path),
            callback=_factions_file,
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
            "--snap-km",
            type=click.FloatRange(min=0),
            default=2.0,
            show_default=True,
            metavar="KM",
            help="With a rest faction (rest = true) and --clip: ground within this distance "
            "of the clip's edge and of a faction is that faction's, not the rest's.",
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
    if places:
        opts.append(
            click.option(
                "--places",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="FILE",
                help="City points (GeoJSON or CSV) for 'near' (default: LAYERS/places.*).",
            )
        )
    if link:
        opts.append(
            click.option(
                "--link-km",
                type=click.FloatRange(min=0),
                default=0.0,
                show_default=True,
                metavar="KM",
                help="Treat parts of a faction closer than this as one part.",
            )
        )
    return opts


def _factions_file(ctx, param, value: Path | None) -> Path | None:
    """--factions FILE must exist; a list of ids (IS,SAA) gets a pointer to --only."""
    if value is None or value.is_file():
        return value
    hint = ""
    if "," in str(value) or not value.suffix:
        hint = (" (--factions is the factions.toml file; `frontmap chart --only "
                f"{value}` chooses the factions drawn)")
    raise click.BadParameter(f"file '{value}' does not exist{hint}", ctx, param)


def reader_options(layers: bool = True, places: bool = False, link: bool = False):
    """Add LAYERS (unless the command parses it itself) and the reader options;
    the command receives them as one ``reader`` argument (a :class:`Reader`)."""

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            given = {k: kw.pop(k) for k in _READER_KEYS}
            ctx = click.get_current_context(silent=True)
            for k in _NAMED_ONLY:
                if ctx is not None and ctx.get_parameter_source(k) in (
                    click.core.ParameterSource.DEFAULT,
                    click.core.ParameterSource.DEFAULT_MAP,
                ):
                    given[k] = None
            if places:
                given["places"] = kw.pop("places")
            if link:
                given["link_km"] = kw.pop("link_km")
            if layers:
                given["layers"] = kw.pop("layers")
            return f(*args, reader=Reader(**given), **kw)

        for opt in reversed(_reader_click_options(places, link)):
            wrapper = opt(wrapper)
        if layers:
            wrapper = click.argument(
                "layers",
                required=False,
                default="layers",
                type=click.Path(exists=True, path_type=Path),
                metavar="[LAYERS]",
            )(wrapper)
        return wrapper

    return decorate


def story_options(f):
    """--near-km and --min-story-km2: how the drafted text and the labels choose (defined once)."""
    f = click.option(
        "--min-story-km2",
        type=click.FloatRange(min=0),
        default=None,
        metavar="KM2",
        help="Changes and pockets smaller than this get no sentence and no label (they stay "
        "in the tables). Default: 1 km² or 0.5% of the faction's change, whichever is larger.",
    )(f)
    return click.option(
        "--near-km",
        type=click.FloatRange(min=0),
        default=25.0,
        show_default=True,
        metavar="KM",
        help="A place is 'near' a piece of ground only within this distance; farther away "
        "the text says '40 km north-east of' it.",
    )(f)


#: the formats of the commands that also write geometry (diff, splits, areas)
GEO_FORMATS = (*FORMATS, "geojson")


def export_options(f):
    """-o/--output and --simplify: where a table or geometry goes (defined once)."""
    f = click.option(
        "--simplify",
        "simplify_m",
        type=click.FloatRange(min=0),
        default=None,
        metavar="M",
        help="Simplify the geometry (GeoJSON, GeoPackage) by about M metres for the web, "
        "keeping shared borders shared (default: full detail).",
    )(f)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        metavar="FILE",
        help="Write to FILE instead of stdout (atomically); FILE.gpkg writes a GeoPackage.",
    )(f)


def format_option(choices=FORMATS, default="table"):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def jobs_options(f):
    """--jobs, --scheduler and --scheduler-timeout: where the work runs (defined once)."""
    f = click.option(
        "--scheduler-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="With --scheduler: how long to try to reach the scheduler, and how long to "
        "wait with no worker, before stopping with an error.",
    )(f)
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


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from ..read.model import parse_date

        try:
            return parse_date(value)
        except DateFormatError as exc:
            self.fail(str(exc), param, ctx)


def split_dates_and_layers(args, max_dates: int, ctx) -> tuple[list, Path]:
    """Leading positional arguments that are dates, then an optional LAYERS path."""
    from ..read.model import parse_date

    dates_: list = []
    rest = list(args)
    while rest and len(dates_) < max_dates:
        try:
            dates_.append(parse_date(rest[0]))
        except DateFormatError:
            break
        rest.pop(0)
    if len(rest) > 1:
        raise click.UsageError(f"unexpected arguments: {' '.join(rest[1:])}", ctx)
    layers = Path(rest[0]) if rest else Path("layers")
    if not layers.exists():
        hint = "" if rest else " (no LAYERS given and there is no ./layers folder)"
        raise click.BadParameter(f"'{layers}' does not exist{hint}", ctx, param_hint="LAYERS")
    return dates_, layers
