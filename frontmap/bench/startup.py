"""Start-up and no-op timings of ``make bench``: what a user waits for before
anything happens (``frontmap --help`` beside a bare ``import click``), and a
``frontmap build`` with nothing to do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .bench import RunError, _files, _say, frontmap_command, measure

__all__ = ["startup", "startup_note", "bench_build", "HELP_GOAL", "BUILD_ENTRIES"]


# --------------------------------------------------------------------------
# Interpreter start: what a user waits for before anything happens

#: goal of issue 10: `frontmap --help` within this factor of a bare `python -c "import click"`
HELP_GOAL = 4.0


def startup(reps: int) -> dict:
    """Wall times of fresh processes, interleaved: the best of ``reps`` each."""
    _say("startup: frontmap --help / --version, python -c 'import click', geopandas import")
    kinds = {
        "frontmap_help_s": frontmap_command() + ["--help"],
        "frontmap_version_s": frontmap_command() + ["--version"],
        "python_click_import_s": [sys.executable, "-I", "-c", "import click"],
        "python_geopandas_import_s": [
            sys.executable, "-I", "-c", "import geopandas, shapely, pyproj"
        ],
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(max(reps, 5)):
        for kind, cmd in kinds.items():
            times[kind].append(measure(cmd)[0])
    best = {k: min(v) for k, v in times.items()}
    best["help_over_click"] = best["frontmap_help_s"] / best["python_click_import_s"]
    return best


def startup_note(s: dict) -> str:
    ok = "ok" if s["help_over_click"] <= HELP_GOAL else "OVER GOAL"
    return (
        f"startup (not in the work times; in the wall column): `frontmap --help` "
        f"{s['frontmap_help_s']:.2f} s vs `python -c 'import click'` "
        f"{s['python_click_import_s']:.2f} s"
        f" = {s['help_over_click']:.1f}x (goal: within {HELP_GOAL:g}x) {ok}; `frontmap --version` "
        f"{s['frontmap_version_s']:.2f} s; python importing geopandas "
        f"{s['python_geopandas_import_s']:.2f} s"
    )


# --------------------------------------------------------------------------
# `frontmap build` with nothing to do. Small and isolated on purpose: adjust
# here when the build command or its manifest (README, "frontmap build") changes.

BUILD_ENTRIES = 50


def _build_manifest(layers: Path, output: Path, dates: list[str], n: int) -> str:
    head = (
        'title = "frontmap bench"\n\n[defaults]\n'
        f"layers = {json.dumps(str(layers))}\noutput = {json.dumps(str(output))}\n"
        'basemap = "none"\noffline = true\n'
    )
    maps = []
    for i in range(n):
        j = i % (len(dates) - 1)
        maps.append(
            f'[[map]]\nname = "map-{i + 1:02d}"\nfrom = "{dates[j]}"\nto = "{dates[j + 1]}"\n'
        )
    return head + "\n" + "\n".join(maps)


def bench_build(layers: Path, cache: Path, reps: int) -> dict:
    """Time ``frontmap build`` of BUILD_ENTRIES maps that are already built (a no-op)."""
    fm = frontmap_command()
    probe = subprocess.run(fm + ["build", "--help"], capture_output=True)
    if probe.returncode != 0:
        print("build: not available", file=sys.stderr)
        return {"workload": "build", "available": False, "note": "build: not available"}
    site = cache / f"build-{layers.name}"
    site.mkdir(parents=True, exist_ok=True)
    dates = sorted({d for _, d, _ in _files(layers) if d})
    config = site / "frontmap.toml"
    text = _build_manifest(layers.resolve(), site / "output", dates, BUILD_ENTRIES)
    if not config.is_file() or config.read_text() != text:
        config.write_text(text)
    cmd = fm + ["build", "--config", str(config)]
    try:
        _say(f"build: bringing {BUILD_ENTRIES} maps up to date (not timed; slow the first time)")
        measure(cmd, stdout=Path(os.devnull))
        runs = [measure(cmd, stdout=Path(os.devnull)) for _ in range(reps)]
    except RunError as exc:
        note = f"build: failed ({exc})"
        print(note, file=sys.stderr)
        return {"workload": "build", "available": True, "note": note}
    return {
        "workload": f"`frontmap build` with nothing to do ({BUILD_ENTRIES} maps)",
        "available": True,
        "frontmap_s": min(r[0] for r in runs),
        "frontmap_rss_mb": max(r[1] for r in runs),
    }
