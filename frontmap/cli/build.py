"""``frontmap build``: every map and table of a manifest, incremental, for CI."""

from __future__ import annotations

from pathlib import Path

import click

from .exit import EXIT_DATA, EXIT_OK
from .group import main
from .options import jobs_options
from .output import echo_err, progress


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
@click.option(
    "--no-wait",
    is_flag=True,
    help="When another build is writing to the same output folder, stop (exit 1) "
    "instead of waiting for it to finish.",
)
def build(config, jobs, scheduler, scheduler_timeout, check, force, no_wait):
    """Build every map and table of a manifest (frontmap.toml) into its output folder,
    plus index.html. Only entries whose inputs changed are rebuilt (layer file
    contents, the manifest entry, frontmap's version); a run with nothing to do
    writes nothing. A failing entry is reported and the others are still built
    (exit 1). Same bytes whatever --jobs. One build at a time writes to an output
    folder: a second one waits for the first (or stops, with --no-wait).

    Example: frontmap build --jobs 2
    """
    from ..build import build as run_build
    from ..build import load_manifest
    from ..build.parallel import auto_jobs
    from ..errors import ClusterError, OutputError

    manifest = load_manifest(config)
    bar = BuildProgress()
    bar.bar.stage("checking what is out of date" if check else "planning")
    try:
        report = run_build(
            manifest,
            jobs=jobs or auto_jobs(),
            scheduler=scheduler,
            scheduler_timeout=scheduler_timeout,
            check=check,
            force=force,
            progress=bar.entry,
            wait=not no_wait,
            on_wait=lambda message: echo_err(f"frontmap: {message} (--no-wait to stop instead)"),
        )
    except (ClusterError, OutputError) as exc:
        if isinstance(exc, ClusterError) and not exc.connected:
            raise
        raise _how_far(exc, bar) from None
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
    click.echo(f"{', '.join(parts)} in {report.seconds:.2f}s (output: {_shown(manifest.output)})")
    raise click.exceptions.Exit(EXIT_OK if report.ok else EXIT_DATA)


def _how_far(exc, bar: BuildProgress):
    """The same error, saying how far the build got."""
    from ..errors import FrontmapError

    bar.close()
    if not bar.done:
        return FrontmapError(f"{exc}; nothing was built")
    built = bar.counts.get("built", 0)
    return FrontmapError(
        f"{exc}; {bar.done} of {bar.total} entries were done before that ({built} built, "
        "kept): run again to finish"
    )


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class BuildProgress:
    """One line per entry on stdout; on a terminal, a progress bar under them."""

    def __init__(self):
        self.bar = progress()
        self.counts: dict[str, int] = {}
        self.done = 0
        self.total = 0

    def entry(self, status, name, seconds, detail, done, total) -> None:
        self.bar.clear()
        self.done, self.total = done, total
        self.counts[status] = self.counts.get(status, 0) + 1
        self.bar.stage_text = ""  # planned: the counts say the rest
        timing = f" {seconds:6.2f}s" if status in ("built", "failed") and seconds else ""
        line = f"{status:<8} {name}{timing}"
        if detail and status != "skipped":
            line += f": {detail}"
        click.echo(line)
        self.bar.count("entries done", done, total)

    def close(self) -> None:
        self.bar.clear()
