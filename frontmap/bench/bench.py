"""``make bench``: how fast ``frontmap timeline`` is at archive scale, and whether it is right.

Run ``python -m frontmap.bench`` (``--quick`` for a smoke run, ``--big`` to add
the 200 MB memory test, ``--json`` for machine-readable output). For each
workload it measures, every run in a fresh process (repeated, best time kept):

* **frontmap**: ``frontmap timeline LAYERS --format csv`` (run in-process by
  the child, its CSV kept for the comparison);
* **baseline**: what a user would write with geopandas: ``read_file`` per
  file, ``union_all`` per faction, ``difference`` both ways for every
  consecutive pair of dates and faction, geodesic areas with
  ``pyproj.Geod.geometry_area_perimeter``; independent of frontmap, and the
  reference for the *same numbers* column (max |difference| of gained and
  lost km²). The baseline overlays the shapes as they are, while frontmap
  first densifies long edges along their geodesics (so that its overlays
  agree with its areas): the two differ by the slivers under the long edges
  a redrawn boundary cuts, a few 0.001 km² on these workloads; the check
  fails above TOLERANCE_KM2;
* **read-only**: ``read_file`` and ``union_all`` per faction, nothing else;
* **parse JSON**: ``json.loads`` of every file;
* **against** (with ``--against PYTHON``): ``frontmap timeline`` as installed
  for another interpreter, e.g. an older checkout's venv, to measure a change
  side by side in one run (with ``--jobs 1`` too, and the CPU time of those
  single-process runs, steadier than wall time on a shared machine).

and, on the real data, what a detailed ``--clip`` outline costs ``diff`` and
``timeline`` (:mod:`.clip`).

Times are the work itself, measured inside each fresh child process after
its imports (interpreter start and imports are the same for every run of a
tool and would swamp a one-second workload); the wall time of the whole
process, startup included, is reported beside frontmap's. Peak RSS is the
child's own (``wait4``). The machine may be shared and noisy: compare the
ratios measured in one run, not absolute times across runs. The table is
printed and written as Markdown to ``output/bench.md``.

The measured children run this file as a script (``python bench.py _child
KIND LAYERS``) so that the baseline never imports frontmap.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the project (its ../shared/data holds the real data)
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "frontmap-bench"
DEFAULT_OUT = Path("output") / "bench.md"
REAL_SET = "ukraine-occupied-daily"
TOLERANCE_KM2 = 0.01

_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_DATE_DIR = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")

COLUMNS = [
    ("workload", "workload"),
    ("files", "files"),
    ("frontmap_s", "frontmap (s)"),
    ("frontmap_1proc_s", "frontmap 1 process (s)"),
    ("frontmap_wall_s", "frontmap wall incl. startup (s)"),
    ("baseline_s", "baseline (s)"),
    ("read_only_s", "read-only (s)"),
    ("parse_json_s", "parse JSON (s)"),
    ("frontmap_over_read", "frontmap / read-only"),
    ("baseline_over_frontmap", "baseline / frontmap"),
    ("frontmap_rss_mb", "frontmap peak RSS (MB)"),
    ("frontmap_1proc_rss_mb", "1 process peak RSS (MB)"),
    ("same_numbers_km2", "same numbers (max |Δ| km²)"),
]
#: the columns added by ``--against``
AGAINST_COLUMNS = [
    ("against_s", "against (s)"),
    ("frontmap_over_against", "frontmap / against"),
    ("against_1proc_s", "against 1 process (s)"),
    ("frontmap_1proc_over_against", "frontmap / against, 1 process"),
    ("cpu_1proc_over_against", "CPU frontmap / against, 1 process"),
]


# ==========================================================================
# Child side: what the measured processes run. Standard library and the
# geo stack only; nothing here imports frontmap.


def _files(root: Path) -> list[tuple[Path, str | None, str | None]]:
    """(file, date from the path or None, faction from the path or None), sorted.

    Layouts: ``DATE/FACTION.geojson``; ``..._YYYYMMDD.geojson`` with a
    ``faction`` property; ``..._YYYYMMDD.geojson`` without one (the folder is
    the faction); one file of dated features (``faction`` and ``date``).
    """
    if root.is_file():
        paths = [root]
    else:
        paths = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
            for fn in sorted(filenames):
                if not fn.startswith((".", "_")) and fn.lower().endswith((".geojson", ".json")):
                    paths.append(Path(dirpath) / fn)
    out: list[tuple[Path, str | None, str | None]] = []
    for p in sorted(paths):
        if _DATE_DIR.match(p.parent.name):
            out.append((p, _iso(p.parent.name), p.stem))
        else:
            m = _DATE.search(p.stem)
            out.append((p, _iso("".join(m.groups())) if m else None, None))
    return out


def _iso(text: str) -> str:
    digits = text.replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


def _read_territories(root: Path) -> dict[str, dict[str, object]]:
    """date -> faction -> union of its geometries, with geopandas as a user would."""
    import geopandas as gpd
    import shapely

    pieces: dict[str, dict[str, list]] = {}
    for path, date, faction in _files(root):
        gdf = gpd.read_file(path)
        if "date" in gdf.columns and date is None:
            dates = gdf["date"].astype(str).str[:10]
        else:
            dates = [date] * len(gdf)
        if faction is not None:
            factions = [faction] * len(gdf)
        elif "faction" in gdf.columns:
            factions = gdf["faction"].astype(str)
        else:
            factions = [path.parent.name] * len(gdf)
        groups: dict[tuple[str, str], list] = {}
        for g, d, f in zip(gdf.geometry.values, dates, factions, strict=True):
            groups.setdefault((d, f), []).append(g)
        for (d, f), geoms in groups.items():
            pieces.setdefault(d, {}).setdefault(f, []).append(shapely.union_all(geoms))
    return {
        d: {f: (gs[0] if len(gs) == 1 else shapely.union_all(gs)) for f, gs in by_f.items()}
        for d, by_f in sorted(pieces.items())
    }


def _geodesic_km2(geom, geod) -> float:
    """|area| of every polygon (holes subtracted), summed, in km²."""
    import shapely
    from shapely.geometry.polygon import orient

    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            area, _ = geod.geometry_area_perimeter(orient(part, 1.0))
            total += abs(area)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            total += _geodesic_km2(part, geod) * 1e6
    return total / 1e6


def _baseline(root: Path, csv_path: Path | None) -> int:
    import pyproj
    import shapely

    geod = pyproj.Geod(ellps="WGS84")
    terr = _read_territories(root)
    dates = list(terr)
    rows = []
    for a_date, b_date in zip(dates, dates[1:], strict=False):
        a_all, b_all = terr[a_date], terr[b_date]
        for f in dict.fromkeys([*a_all, *b_all]):
            a, b = a_all.get(f), b_all.get(f)
            if a is None:
                gained, lost = _geodesic_km2(b, geod), 0.0
            elif b is None:
                gained, lost = 0.0, _geodesic_km2(a, geod)
            else:
                gained = _geodesic_km2(shapely.difference(b, a), geod)
                lost = _geodesic_km2(shapely.difference(a, b), geod)
            rows.append((a_date, b_date, f, repr(gained), repr(lost)))
    if csv_path is not None:
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["date_from", "date_to", "faction", "gained_km2", "lost_km2"])
            w.writerows(rows)
    return len(rows)


def _child(argv: list[str]) -> int:
    # run as a script, this file's folder is sys.path[0]: frontmap's module names
    # (geojson, errors, model...) must not shadow anything the geo stack imports
    if sys.path and Path(sys.path[0]).resolve() == HERE:
        del sys.path[0]
    cli_args: list[str] = []
    if "--" in argv:  # kind "cli": the frontmap command line after "--"
        cut = argv.index("--")
        argv, cli_args = argv[:cut], argv[cut + 1 :]
    p = argparse.ArgumentParser(prog="bench.py _child")
    p.add_argument("kind", choices=("baseline", "read", "parse", "frontmap", "cli"))
    p.add_argument("layers", type=Path)
    p.add_argument("--csv", type=Path)
    p.add_argument("--jobs", default=None)
    args = p.parse_args(argv)
    if args.kind == "frontmap":
        return _child_frontmap(args)
    if args.kind == "cli":
        return _child_cli(cli_args)
    import geopandas  # noqa: F401 - imports are not the work being timed
    import pyproj  # noqa: F401
    import shapely  # noqa: F401

    t0 = time.perf_counter()
    if args.kind == "parse":
        n = 0
        for path, _, _ in _files(args.layers):
            json.loads(path.read_bytes())
            n += 1
    elif args.kind == "read":
        n = sum(len(v) for v in _read_territories(args.layers).values())
    else:
        n = _baseline(args.layers, args.csv)
    print(json.dumps({"kind": args.kind, "count": n, "inside_s": time.perf_counter() - t0}))
    return 0


def _child_frontmap(args) -> int:
    """``frontmap timeline`` in this process, timed after its imports."""
    import contextlib

    import frontmap.analysis.timeline  # noqa: F401 - imports are not the work being timed
    import frontmap.build.parallel  # noqa: F401
    from frontmap.cli import main

    argv = ["timeline", str(args.layers), "--format", "csv"]
    if args.jobs is not None:
        argv += ["--jobs", str(args.jobs)]
    target = args.csv or Path(os.devnull)
    c0 = time.process_time()
    t0 = time.perf_counter()
    with open(target, "w", encoding="utf-8", newline="") as fh, contextlib.redirect_stdout(fh):
        try:
            main(argv, standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - a failing run
            if exc.code:
                raise
    inside = time.perf_counter() - t0
    cpu = time.process_time() - c0  # this process only (not worker processes)
    print(json.dumps({"kind": "frontmap", "inside_s": inside, "inside_cpu_s": cpu}))
    return 0


def _child_cli(argv: list[str]) -> int:
    """Any ``frontmap`` command line in this process (output discarded), timed after
    the imports every command needs."""
    import contextlib

    import frontmap.analysis.change  # noqa: F401 - imports are not the work being timed
    import frontmap.analysis.timeline  # noqa: F401
    import frontmap.build.parallel  # noqa: F401
    import frontmap.read.catalog  # noqa: F401
    from frontmap.cli import main

    t0 = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as fh, contextlib.redirect_stdout(fh):
        try:
            main(argv, standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - a failing run
            if exc.code:
                raise
    print(json.dumps({"kind": "cli", "inside_s": time.perf_counter() - t0}))
    return 0


# ==========================================================================
# Parent side: data, runs, table.


def _say(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def shared_data() -> Path | None:
    """The real data folder: $FRONTMAP_SHARED_DATA, else ../shared/data beside the project."""
    env = os.environ.get("FRONTMAP_SHARED_DATA")
    p = Path(env) if env else ROOT.parent / "shared" / "data"
    return p if p.is_dir() else None


def synthetic_set(cache: Path, days: int, seed: int, vertices: int, factions: int = 3) -> Path:
    """A generated series in the cache, made once and reused while its parameters match."""
    from . import synthetic

    out = cache / f"synthetic-{days}d-seed{seed}-f{factions}-v{vertices}"
    want = {"days": days, "seed": seed, "factions": factions, "vertices": vertices}
    man = synthetic.read_manifest(out)
    if (
        man
        and man.get("version") == synthetic.VERSION
        and all(man.get("params", {}).get(k) == v for k, v in want.items())
        and man.get("files") == days * factions  # never fewer: a partial run has no manifest
    ):
        return out
    _say(f"generating {days} synthetic days into {out}")

    def progress(done, total):
        if done % 100 == 0 or done == total:
            _say(f"  {done}/{total} days")

    synthetic.generate(out, days=days, seed=seed, factions=factions, vertices=vertices,
                       progress=progress)
    return out


def big_set(cache: Path, target_mb: float, seed: int) -> Path:
    from . import synthetic

    path = cache / f"big-{target_mb:g}mb-seed{seed}.geojson"
    if not path.is_file():
        _say(f"writing a {target_mb:g} MB file to {path}")
        synthetic.big_file(path, target_mb=target_mb, seed=seed)
    return path


def frontmap_command() -> list[str]:
    exe = Path(sys.executable).parent / "frontmap"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "frontmap"]


def child_command(
    kind: str,
    layers: Path,
    csv_path: Path | None = None,
    jobs: str | None = None,
    python: str | None = None,
) -> list[str]:
    # -I: the script's folder (frontmap/) must not come first on sys.path
    exe = python or sys.executable
    cmd = [exe, "-I", str(Path(__file__).resolve()), "_child", kind, str(layers)]
    cmd += ["--csv", str(csv_path)] if csv_path else []
    return cmd + (["--jobs", jobs] if jobs is not None else [])


def _inside(text: str, key: str = "inside_s") -> float:
    """The work time a child reported (its last JSON line); NaN if it has no ``key``."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return float(json.loads(line).get(key, math.nan))
    raise RunError(f"no timing in child output: {text[-200:]!r}")


class RunError(RuntimeError):
    pass


def measure(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout text if not saved) of one fresh process."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as cap:
        out = open(stdout, "wb") if stdout else cap
        try:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout:
                out.close()
        err.seek(0)
        cap.seek(0)
        text = cap.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            msg = err.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RunError(f"{' '.join(cmd)} exited {proc.returncode}: " + " | ".join(msg))
    # ru_maxrss: kilobytes on Linux, bytes on macOS
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return wall, rss, text


def compare(frontmap_csv: Path, baseline_csv: Path) -> tuple[float, int, int]:
    """(max |Δ| km² of gained and lost, rows compared, rows found in only one)."""

    def load(path):
        with open(path, newline="", encoding="utf-8") as fh:
            return {
                (r["date_from"], r["date_to"], r["faction"]): (
                    float(r["gained_km2"]),
                    float(r["lost_km2"]),
                )
                for r in csv.DictReader(fh)
            }

    a, b = load(frontmap_csv), load(baseline_csv)
    common = a.keys() & b.keys()
    worst = max((abs(x - y) for k in common for x, y in zip(a[k], b[k], strict=True)),
                default=0.0)
    return worst, len(common), len(a.keys() ^ b.keys())


def single_process_flags() -> list[str]:
    """``--jobs 1`` when ``frontmap timeline`` can spread work over processes, else nothing."""
    help_text = subprocess.run(frontmap_command() + ["timeline", "--help"],
                               capture_output=True, text=True).stdout
    return ["--jobs", "1"] if "--jobs" in help_text else []


def timeline_command(layers: Path, extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    return frontmap_command() + ["timeline", str(layers), "--format", "csv", *extra]


def run_workload(
    name: str, layers: Path, reps: int, work: Path, one_proc: list[str], against: str | None = None
) -> dict:
    """Every measurement of one workload, the kinds interleaved within each repetition.

    ``against``: another interpreter with its own frontmap installed (an older
    checkout's ``.venv/bin/python``), timed the same way, interleaved."""
    fm_csv = work / f"{name}.frontmap.csv"
    other = {}
    if against:
        other["against"] = child_command("frontmap", layers, python=against)
        if one_proc:
            other["against_1proc"] = child_command("frontmap", layers, jobs="1", python=against)
    kinds = {
        "frontmap": child_command("frontmap", layers, fm_csv),
        **({"frontmap_1proc": child_command("frontmap", layers, jobs="1")} if one_proc else {}),
        **other,
        "baseline": child_command("baseline", layers, work / f"{name}.baseline.csv"),
        "read_only": child_command("read", layers),
        "parse_json": child_command("parse", layers),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    walls: dict[str, list[float]] = {k: [] for k in kinds}
    rss: dict[str, list[float]] = {k: [] for k in kinds}
    cpus: dict[str, list[float]] = {k: [] for k in kinds}
    for rep in range(reps):
        for kind, cmd in kinds.items():
            wall, mb, text = measure(cmd)
            inside = _inside(text)
            cpus[kind].append(_inside(text, "inside_cpu_s"))
            times[kind].append(inside)
            walls[kind].append(wall)
            rss[kind].append(mb)
            _say(f"  {name}: {kind} run {rep + 1}/{reps}: {inside:.2f} s "
                 f"({wall:.2f} s with startup), {mb:.0f} MB")
    worst, n_common, n_only = compare(fm_csv, work / f"{name}.baseline.csv")
    best = {k: min(v) for k, v in times.items()}
    one = "frontmap_1proc" if one_proc else "frontmap"
    vs = {}
    if against and one_proc:
        # on a busy machine the CPU time of a single process varies less than its wall time
        vs["frontmap_1proc_cpu_s"] = min(cpus["frontmap_1proc"])
        vs["against_1proc_cpu_s"] = min(cpus["against_1proc"])
        vs["cpu_1proc_over_against"] = vs["frontmap_1proc_cpu_s"] / vs["against_1proc_cpu_s"]
    if against:
        vs |= {
            "against_s": best["against"],
            "frontmap_over_against": best["frontmap"] / best["against"],
            "against_1proc_s": best["against_1proc" if one_proc else "against"],
            "frontmap_1proc_over_against": best[one] / best["against_1proc" if one_proc else
                                                            "against"],
        }
    return {
        **vs,
        "workload": name,
        "layers": str(layers),
        "files": len(_files(layers)),
        "repetitions": reps,
        "frontmap_s": best["frontmap"],
        "frontmap_wall_s": min(walls["frontmap"]),
        "baseline_s": best["baseline"],
        "read_only_s": best["read_only"],
        "parse_json_s": best["parse_json"],
        "frontmap_over_read": best["frontmap"] / best["read_only"],
        "baseline_over_frontmap": best["baseline"] / best["frontmap"],
        "frontmap_rss_mb": max(rss["frontmap"]),
        "frontmap_1proc_s": best[one],
        "frontmap_1proc_rss_mb": max(rss[one]),
        "baseline_rss_mb": max(rss["baseline"]),
        "read_only_rss_mb": max(rss["read_only"]),
        "same_numbers_km2": worst,
        "rows_compared": n_common,
        "rows_unmatched": n_only,
        "same_numbers_ok": n_only == 0 and n_common > 0 and worst <= TOLERANCE_KM2,
        "all_times": times,
        "all_walls": walls,
    }


def timeline_rss(layers: Path, reps: int, extra: list[str]) -> float:
    cmd = timeline_command(layers, extra)
    return max(measure(cmd, stdout=Path(os.devnull))[1] for _ in range(reps))


# --------------------------------------------------------------------------
# Output


def _cell(key: str, v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        if key.endswith("_km2"):
            return f"{v:.2g}" if v else "0"
        if key.endswith("_mb"):
            return f"{v:.0f}"
        return f"{v:.2f}"
    return str(v)


def table(results: dict, markdown: bool) -> str:
    columns = list(COLUMNS)
    if any("against_s" in w for w in results["workloads"]):
        columns[-1:-1] = AGAINST_COLUMNS
    heads = [h for _, h in columns]
    rows = []
    for w in results["workloads"]:
        cells = [_cell(k, w.get(k)) for k, _ in columns]
        if "same_numbers_ok" in w and not w["same_numbers_ok"]:
            cells[-1] += f" (NOT within {TOLERANCE_KM2}; {w['rows_unmatched']} unmatched rows)"
        rows.append(cells)
    if markdown:

        def md_row(cells):
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [md_row(heads), "|" + "|".join("---" for _ in heads) + "|"]
        lines += [md_row(r) for r in rows]
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                  for i, h in enumerate(heads)]
        fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
        lines = [fmt.format(*heads), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in rows]
    notes = list(results["notes"])
    mem = results.get("memory")
    if mem:
        notes.append(
            "memory: `" + " ".join(["frontmap timeline", *mem["flags"]]) + "`"
            f" peak RSS {mem['small_mb']:.0f} MB on {mem['small_days']}"
            f" synthetic days vs {mem['large_mb']:.0f} MB on {mem['large_days']}: ratio"
            f" {mem['ratio']:.2f} (goal: within 2x) {'ok' if mem['ratio'] <= 2 else 'OVER GOAL'}"
        )
    big = results.get("big")
    if big:
        notes.append(
            f"big file: `frontmap areas` on a {big['file_mb']:.0f} MB file: {big['seconds']:.1f} s,"
            f" peak RSS {big['rss_mb']:.0f} MB ({big['rss_mb'] / big['file_mb']:.1f}x the file)"
        )
    from .clip import clip_notes
    from .detail import detail_notes

    notes += clip_notes(results.get("clip", []))
    notes += detail_notes(results.get("detail", {}))
    b = results.get("build")
    if b:
        if "frontmap_s" in b:
            notes.append(f"{b['workload']}: {b['frontmap_s']:.2f} s, {b['frontmap_rss_mb']:.0f} MB")
        else:
            notes.append(b["note"])
    notes.append(
        f"best of {results['repetitions']} runs, each in a fresh process, timed inside it "
        "after its imports; baseline = geopandas read_file + union_all + difference + "
        "pyproj.Geod areas; read-only = geopandas read_file + union_all; same numbers = "
        "max |Δ| of gained/lost km² against the baseline."
    )
    if results.get("against"):
        notes.append(
            f"against: `frontmap timeline` as installed for {results['against']}, run the same "
            "way in the same repetitions; frontmap / against < 1 means this one is faster"
        )
    bullet = "- " if markdown else ""
    return "\n".join(lines) + "\n\n" + "\n".join(bullet + n for n in notes) + "\n"


# --------------------------------------------------------------------------
# Main


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m frontmap.bench",
        description="Benchmark `frontmap timeline` against a plain geopandas baseline.",
    )
    p.add_argument("--quick", action="store_true",
                   help="smoke run: the real data (or the first synthetic series), 1 repetition")
    p.add_argument("--big", action="store_true",
                   help="also measure the peak memory of `frontmap areas` on a 200 MB file")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                   help=f"where generated data is kept and reused (default {DEFAULT_CACHE})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="Markdown table written here (default output/bench.md)")
    p.add_argument("--repeat", type=int, default=None, help="runs per measurement (default 3)")
    p.add_argument("--synthetic", default="100,1000", metavar="DAYS,...",
                   help="synthetic series lengths (default 100,1000)")
    p.add_argument("--memory-days", default="10,1000", metavar="SMALL,LARGE",
                   help="series lengths compared for peak memory (default 10,1000)")
    p.add_argument("--vertices", type=int, default=3000, help="vertices per synthetic snapshot")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--big-mb", type=float, default=200, help=argparse.SUPPRESS)
    p.add_argument("--no-real", action="store_true", help="skip the real data")
    p.add_argument("--against", metavar="PYTHON", default=None,
                   help="also time `frontmap timeline` as installed for another interpreter "
                   "(e.g. an older checkout's .venv/bin/python), interleaved with this one")
    p.add_argument("--no-memory", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-build", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-visual", action="store_true", help="skip the animate/GIF/MP4 runs")
    p.add_argument("--no-clip", action="store_true", help="skip the --clip workloads")
    p.add_argument("--no-detail", action="store_true",
                   help="skip `frontmap compare` on detailed synthetic dates (0.65-6.5 MB)")
    return p.parse_args(argv)


def run(args) -> dict:
    reps = args.repeat or (1 if args.quick else 3)
    days_list = [int(d) for d in args.synthetic.split(",") if d.strip()]
    cache = args.cache
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / "last-run"  # the CSVs compared, kept until the next run
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    results: dict = {"repetitions": reps, "workloads": [], "notes": [], "work_dir": str(work),
                     "against": args.against}

    plan: list[tuple[str, Path]] = []
    data = None if args.no_real else shared_data()
    if data and (data / REAL_SET).is_dir():
        plan.append((REAL_SET, data / REAL_SET))
    elif not args.no_real:
        results["notes"].append(
            f"{REAL_SET}: skipped (real data not found; set FRONTMAP_SHARED_DATA)"
        )
    for days in days_list:
        if args.quick and plan:
            break
        plan.append((f"synthetic-{days}d", synthetic_set(cache, days, args.seed, args.vertices)))

    from .startup import bench_build, startup, startup_note

    results["startup"] = startup(reps)
    results["notes"].append(startup_note(results["startup"]))

    one_proc = single_process_flags()
    results["single_process_flags"] = one_proc
    if one_proc:
        results["notes"].append(
            "frontmap runs with its defaults (worker processes on long series; peak RSS is then "
            "the largest single process, not their sum) and with `" + " ".join(one_proc)
            + "` (1 process)"
        )
    for name, layers in plan:
        _say(f"{name}: {reps} repetition(s)")
        results["workloads"].append(
            run_workload(name, layers, reps, work, one_proc, against=args.against)
        )

    if not (args.quick or args.no_memory):
        small, large = (int(x) for x in args.memory_days.split(","))
        _say(f"memory: timeline on {small} vs {large} synthetic days")
        rss_small = timeline_rss(
            synthetic_set(cache, small, args.seed, args.vertices), reps, one_proc
        )
        done = {w["workload"]: w for w in results["workloads"]}
        if f"synthetic-{large}d" in done:
            rss_large = done[f"synthetic-{large}d"]["frontmap_1proc_rss_mb"]
        else:
            rss_large = timeline_rss(
                synthetic_set(cache, large, args.seed, args.vertices), reps, one_proc
            )
        results["memory"] = {"small_days": small, "large_days": large, "small_mb": rss_small,
                             "large_mb": rss_large, "ratio": rss_large / rss_small,
                             "flags": one_proc}

    if args.big and not args.quick:
        path = big_set(cache, args.big_mb, args.seed)
        _say(f"big: frontmap areas on {path}")
        wall, mb, _ = measure(frontmap_command() + ["areas", str(path), "--format", "csv"],
                              stdout=Path(os.devnull))
        results["big"] = {"file": str(path), "file_mb": path.stat().st_size / 1e6,
                          "seconds": wall, "rss_mb": mb}

    if data and not (args.quick or args.no_clip):
        from .clip import bench_clip

        _say("clip: diff and timeline with and without the 116,494-vertex Ukraine outline")
        results["clip"] = bench_clip(data, reps, REAL_SET, against=args.against)

    if not (args.quick or args.no_detail):
        from .detail import bench_detail

        _say("detail: frontmap compare on two synthetic dates of 0.65, 2.2 and 6.5 MB")
        results["detail"] = bench_detail(cache, reps, args.seed, args.against)

    if not (args.quick or args.no_build) and days_list:
        layers = synthetic_set(cache, days_list[0], args.seed, args.vertices)
        results["build"] = bench_build(layers, cache, reps)

    if not (args.quick or args.no_visual):
        from .visual import bench_animate, notes

        visual = [
            bench_animate(name, layers, measure, frontmap_command(), videos=name == REAL_SET)
            for name, layers in plan
            if name == REAL_SET or name == f"synthetic-{max(days_list, default=0)}d"
        ]
        results["visual"] = visual
        results["notes"].extend(notes(visual))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = run(args)
    except RunError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    md = table(results, markdown=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# frontmap bench\n\n" + md, encoding="utf-8")
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results, markdown=False), end="")
    _say(f"wrote {args.out}")
    ok = all(w["same_numbers_ok"] for w in results["workloads"])
    return 0 if ok else 1  # (clip ratios over their goals are reported, not failed)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_child"]:
        sys.exit(_child(sys.argv[2:]))
    sys.exit(main())
