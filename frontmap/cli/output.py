"""What the commands print: progress on stderr, rows on stdout, read errors and notes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..render.formats import csv_value, render_rows, round_floats
from .exit import EXIT_DATA

__all__ = [
    "progress_callback",
    "stop_on_errors",
    "note_repairs",
    "no_territory",
    "echo_output",
    "write_stream",
    "kb",
]


def progress_callback():
    """Files read, on stderr when it is a terminal (None otherwise)."""
    if not sys.stderr.isatty():
        return None

    def cb(done, total, name):
        click.echo(f"\rreading {done}/{total} files", err=True, nl=False)
        if done == total:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)

    return cb


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
    """Exit 1 saying what was read where no territory was found (and the warnings
    about the data set as a whole, which often say why)."""
    for w in report.warnings:
        click.echo(f"frontmap: warning: {w}", err=True)
    click.echo(f"frontmap: error: {report.no_territory(layers)}", err=True)
    raise click.exceptions.Exit(EXIT_DATA)


def echo_output(text: str) -> None:
    click.echo(text, nl=False)


def write_stream(rows, columns: list[str], fmt: str) -> None:
    """Write rows as they come (CSV, JSON list); table and md need them all first."""
    import csv
    import json

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


def kb(n: int) -> str:
    """A file size for people: 213 kB, 512 B."""
    return f"{n / 1000:,.0f} kB" if n >= 1000 else f"{n} B"
