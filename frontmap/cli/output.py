"""What the commands print: progress on stderr, rows on stdout, read errors and notes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..render.formats import csv_value, render_rows, round_floats
from .exit import EXIT_DATA

__all__ = [
    "Progress",
    "progress",
    "progress_callback",
    "quiet_option",
    "echo_err",
    "stop_on_errors",
    "note_repairs",
    "no_territory",
    "echo_output",
    "write_stream",
    "kb",
    "check_output_folder",
    "export_format",
    "write_output",
]

_QUIET = "frontmap.quiet"
_PROGRESS = "frontmap.progress"


class Progress:
    """What a long command is doing, as one line on stderr redrawn in place:
    ``timeline [######......] 20/79 files read, 18/78 dates done``.

    Drawn only when stderr is a terminal and ``--quiet`` was not given, so it
    never reaches a pipe, a file or a CI log, and never stdout. One line
    rather than click's progress bar because reading and computing interleave
    (``timeline`` reads date 20 while date 18 is being computed): one bar for
    the first count, numbers for the others.
    """

    WIDTH = 24
    EVERY = 0.1  # seconds between redraws

    def __init__(self, enabled: bool, label: str = ""):
        self.enabled = enabled
        self.label = label
        self.counts: dict[str, tuple[int, int | None]] = {}
        self.stage_text = ""
        self._shown = False
        self._drawn_at = 0.0

    def count(self, what: str, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` (None: not known) things of a kind ('files read')."""
        if not self.enabled:
            return
        self.counts[what] = (done, total)
        self._draw(force=total is not None and done >= total)

    def stage(self, text: str) -> None:
        """A step without a count ('computing the diff'); '' for none."""
        if not self.enabled:
            return
        self.stage_text = text
        self._draw(force=True)

    def files(self, done: int, total: int, name: str = "") -> None:
        """The reader's progress callback."""
        self.count("files read", done, total)

    def line(self) -> str:
        parts = []
        bar = ""
        for what, (done, total) in self.counts.items():
            if self.stage_text and total is not None and done >= total:
                continue  # finished, and a later step is under way
            if total:
                if not bar:
                    filled = round(self.WIDTH * min(done, total) / total)
                    bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                parts.append(f"{done}/{total} {what}")
            else:
                parts.append(f"{done} {what}")
        text = ", ".join(parts)
        if self.stage_text:
            text = f"{text}; {self.stage_text}" if text else self.stage_text
        head = f"{self.label} " if self.label else ""
        return f"{head}{bar}{text}"

    def _draw(self, force: bool = False) -> None:
        import time

        now = time.monotonic()
        if not force and now - self._drawn_at < self.EVERY:
            return
        self._drawn_at = now
        if not self.counts and not self.stage_text:  # nothing to say
            self.clear()
            return
        width = _terminal_width()
        click.echo("\r\033[K" + self.line()[: width - 1], err=True, nl=False)
        self._shown = True

    def clear(self) -> None:
        """Erase the line (before anything else is written to the terminal)."""
        if self._shown:
            click.echo("\r\033[K", err=True, nl=False)
            self._shown = False
            self._drawn_at = 0.0  # the next count redraws at once


def _terminal_width() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        columns = 0
    return max(20, columns) if columns else 100  # 0: a terminal that does not say


def _set_quiet(ctx, _param, value) -> None:
    if value:
        ctx.find_root().meta[_QUIET] = True


def quiet_option(f):
    """--quiet / -q: no progress on stderr. Every command has it (the group adds it)."""
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_quiet,
        help="Show no progress on stderr (errors and warnings are still shown).",
    )(f)


def progress() -> Progress:
    """The command's progress line (one per run; a silent one without a terminal)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Progress(False)
    meta = ctx.find_root().meta
    if _PROGRESS not in meta:
        enabled = _stderr_is_terminal() and not meta.get(_QUIET, False)
        label = ctx.info_name if ctx.parent is not None else ""
        meta[_PROGRESS] = Progress(enabled, label or "")
    return meta[_PROGRESS]


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress_callback():
    """Files read, for the reader (None when no progress is shown)."""
    p = progress()
    return p.files if p.enabled else None


def echo_err(text: str) -> None:
    """A message on stderr, on a line of its own (the progress line is erased first)."""
    progress().clear()
    click.echo(text, err=True)


def stop_on_errors(report, what: str) -> None:
    """Print the errors of a read (20 at most) and exit 1, if there are any."""
    errors = report.all_errors
    if not errors:
        return
    for e in errors[:20]:
        echo_err(f"frontmap: error: {e}")
    if len(errors) > 20:
        echo_err(f"frontmap: ... and {len(errors) - 20} more errors")
    echo_err(f"frontmap: the layers have errors; {what} (run 'frontmap check' for the full report)")
    raise click.exceptions.Exit(EXIT_DATA)


def note_repairs(report) -> None:
    repairs = report.all_repairs
    if repairs:
        echo_err(
            f"frontmap: note: {len(repairs)} repair(s) made while reading, e.g. {repairs[0]} "
            "(run 'frontmap check' for the list)"
        )


def no_territory(layers: Path, report) -> None:
    """Exit 1 saying what was read where no territory was found (and the warnings
    about the data set as a whole, which often say why)."""
    for w in report.warnings:
        echo_err(f"frontmap: warning: {w}")
    echo_err(f"frontmap: error: {report.no_territory(layers)}")
    raise click.exceptions.Exit(EXIT_DATA)


def echo_output(text: str) -> None:
    _before_stdout()
    click.echo(text, nl=False)


def _before_stdout() -> None:
    """Erase the progress line first when stdout is the same terminal."""
    p = progress()
    if p._shown and sys.stdout.isatty():
        p.clear()


def write_stream(rows, columns: list[str], fmt: str) -> None:
    """Write rows as they come (CSV, JSON list); table and md need them all first."""
    import csv
    import json

    out = sys.stdout
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        _before_stdout()
        w.writerow(columns)
        for r in rows:
            d = r.as_dict()
            _before_stdout()
            w.writerow([csv_value(d[c]) for c in columns])
        return
    if fmt == "json":
        first = True
        _before_stdout()
        out.write("[")
        for r in rows:
            text = json.dumps(round_floats(r.as_dict()), ensure_ascii=False)
            _before_stdout()
            out.write(("\n  " if first else ",\n  ") + text)
            first = False
        out.write("\n]\n" if not first else "]\n")
        return
    echo_output(render_rows([r.as_dict() for r in rows], columns, fmt))


def kb(n: int) -> str:
    """A file size for people: 213 kB, 512 B."""
    return f"{n / 1000:,.0f} kB" if n >= 1000 else f"{n} B"


def check_output_folder(path: Path | None) -> None:
    """Refuse an output into a folder that does not exist (or below a file) before any
    work is done, with the message write_atomic would give at the end."""
    from ..build.outputs import output_error

    if path is None or str(path) == "-" or path.parent.is_dir():
        return
    raise output_error(path, FileNotFoundError(2, "no such folder", str(path.parent)))


def export_format(fmt: str, output: Path | None, simplify_m: float | None) -> str:
    """What to write for ``--format`` and ``-o``: ``gpkg`` for ``-o FILE.gpkg`` (with
    ``--format`` left out or ``geojson``), else ``fmt``; a usage error for a clash
    (a table format into a .gpkg, ``--simplify`` without geometry)."""
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("fmt") not in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    )
    if output is not None and output.suffix.lower() == ".gpkg":
        if given and fmt != "geojson":
            raise click.UsageError(
                f"{output} is a GeoPackage, which holds geometry: leave out --format "
                f"{fmt} (or write the table to a .{'txt' if fmt == 'table' else fmt} file)",
                ctx,
            )
        fmt = "gpkg"
    if simplify_m is not None and fmt not in ("geojson", "gpkg"):
        raise click.UsageError(
            "--simplify simplifies geometry: use it with --format geojson or -o FILE.gpkg",
            ctx,
        )
    check_output_folder(output)
    return fmt


def write_output(data: str | bytes, output: Path | None) -> None:
    """``data`` to stdout (no ``-o``, or ``-o -``) or, atomically, to the file ``output``
    (its folder must exist); a file written is reported with its size."""
    if output is None or str(output) == "-":
        if isinstance(data, bytes):
            _before_stdout()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            echo_output(data)
        return
    from ..build.outputs import write_atomic

    raw = data.encode("utf-8") if isinstance(data, str) else data
    write_atomic(output, raw)
    progress().clear()
    click.echo(f"wrote {output} ({kb(len(raw))})")
