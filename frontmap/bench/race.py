"""Two builds on one output folder, for real: how often does one break the other?

Each run changes the manifest (so that every output is rewritten) and starts
build A; while A runs, two loops start build B on the same output folder, one
after another. B is a build of another, tiny manifest whose only entry fails
at once (``--sweeper fast``: B does little but start, sweep and write its
index, many times per A), or of A's own manifest (``--sweeper same``).
Counted: builds that did not exit 0, builds that reported an internal error,
builds that waited for the lock, and whether the outputs are whole at the end
(every page complete, every JSON parses, no temporary file left).

    python -m frontmap.bench.race --runs 3
    python -m frontmap.bench.race --runs 3 --source /path/to/old/checkout

(the second line measures another version of frontmap, the one in that
folder, under the same conditions). A tool, not product: nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SWEEPER = """
title = "sweeper"
[defaults]
layers = "{layers}"
output = "out"
[[table]]
name = "nothing"
kind = "none-such"
"""

MANIFEST = """
title = "race"
[defaults]
layers = "{layers}"
output = "out"
credit = "{credit}"
[[map]]
name = "pairs"
pairs = "consecutive"
[[table]]
name = "areas"
kind = "areas"
"""


def _layers(given: str | None, work: Path) -> Path:
    if given:
        return Path(given).resolve()
    shared = Path(os.environ.get("FRONTMAP_SHARED_DATA", Path.cwd().parent / "shared" / "data"))
    real = shared / "ukraine-occupied-daily"
    if real.is_dir():
        return real.resolve()
    from .synthetic import generate

    generate(work / "series", days=60, vertices=1500)
    return work / "series"


def _whole(out: Path) -> bool:
    """Every page ends as a page ends, every JSON file parses, no temporary file is left."""
    for p in out.rglob("*"):
        if p.name.endswith(".tmp"):
            return False
        if p.suffix == ".html" and not p.read_bytes().rstrip().endswith(b"</html>"):
            return False
        if p.suffix == ".json":
            try:
                json.loads(p.read_bytes())
            except ValueError:
                return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m frontmap.bench.race", description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--layers", help="default: the Ukraine daily archive, else a synthetic series")
    ap.add_argument("--jobs", default="2", help="--jobs of every build")
    ap.add_argument("--source", help="run the frontmap package found in this folder instead")
    ap.add_argument("--sweeper", choices=("fast", "same"), default="fast")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    if args.source:
        env["PYTHONPATH"] = os.pathsep.join([args.source, env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    work = Path(tempfile.mkdtemp(prefix="frontmap-race-"))
    layers = _layers(args.layers, work)
    manifest = work / "frontmap.toml"
    cmd = [sys.executable, "-m", "frontmap", "build", "--config", str(manifest), "-j", args.jobs]
    sweeper = work / "sweeper.toml"
    sweeper.write_text(SWEEPER.format(layers=layers.as_posix()))
    b_cmd = cmd if args.sweeper == "same" else [*cmd[:4], "--config", str(sweeper)]
    totals = {"A": 0, "B": 0, "A failed": 0, "B failed": 0, "internal": 0, "waited": 0}
    broken_runs = 0
    first_error = ""
    for run in range(1, args.runs + 1):
        manifest.write_text(MANIFEST.format(layers=layers.as_posix(), credit=f"run {run}"))
        t0 = time.perf_counter()
        # cwd: the work folder, so that `python -m frontmap` finds no frontmap/ beside it
        opts = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=work)
        a = subprocess.Popen(cmd, **opts)  # type: ignore[call-overload]
        results: list[tuple[str, int, str]] = []

        def loop(a=a, results=results, opts=opts):
            while a.poll() is None:
                b = subprocess.run(b_cmd, **opts)
                results.append(("B", b.returncode, b.stderr))

        threads = [threading.Thread(target=loop) for _ in range(2)]
        time.sleep(0.5)  # A is past its start (and its sweep) when the first B arrives
        for t in threads:
            t.start()
        _, a_err = a.communicate()
        for t in threads:
            t.join()
        results.insert(0, ("A", a.returncode, a_err))
        failed = {"A": 0, "B": 0}
        for who, code, err in results:
            # the fast sweeper's own entry fails on purpose: exit 1, a line on stdout
            expected = 1 if who == "B" and args.sweeper == "fast" else 0
            totals[who] += 1
            if code != expected or "error:" in err:
                failed[who] += 1
                first_error = first_error or (err.strip().splitlines() or [f"exit {code}"])[0]
            totals["internal"] += "internal error" in err
            totals["waited"] += "waiting for another frontmap build" in err
        totals["A failed"] += failed["A"]
        totals["B failed"] += failed["B"]
        whole = _whole(work / "out")
        broken_runs += not whole
        print(
            f"run {run}: A exit {a.returncode}, {len(results) - 1} B builds "
            f"({failed['B']} failed), outputs whole: {whole}, {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
    print(
        f"A failed {totals['A failed']} of {totals['A']}; B failed {totals['B failed']} of "
        f"{totals['B']}; internal errors {totals['internal']}; builds that waited for the lock "
        f"{totals['waited']}; runs with outputs not whole {broken_runs} of {args.runs}"
    )
    if first_error:
        print(f"first error: {first_error}")
    return 1 if totals["A failed"] or totals["B failed"] or broken_runs else 0


if __name__ == "__main__":
    sys.exit(main())
