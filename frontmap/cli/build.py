"""``frontmap build``: every map and table of a manifest, incremental, for CI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .exit import EXIT_DATA, EXIT_OK
from .group import main
from .options import jobs_options


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
    from ..build import build as run_build
    from ..build import load_manifest
    from ..build.parallel import auto_jobs

    manifest = load_manifest(config)
    bar = BuildProgress()
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


class BuildProgress:
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
