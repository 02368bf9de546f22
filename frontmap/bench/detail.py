"""``make bench``: ``frontmap compare`` on detailed data (issue 13), measured side by side.

Two seeded synthetic dates (``frontmap.bench.synthetic.generate(OUT, days=2,
vertices=N, jump_prob=1, same_prob=0)``: the second day's front jumps, so that
the page has a change to show close up; with the defaults of ``python -m
frontmap.bench.synthetic OUT --days 2`` seed 0 gives two identical days) at
three sizes, about 0.65, 2.2 and 6.5 MB per date (30,000, 100,000 and 300,000
vertices per snapshot), each drawn as a page (``frontmap compare LAYERS -o
PAGE --offline``: the overview, its close-up, the tables). Every run is a
fresh process (``bench.py _child cli ...``), timed inside it after its
imports, the sizes interleaved within each repetition so that a noisy machine
hits them alike; best of the repetitions. Peak RSS is the process's own
(``wait4``).

Goals: the 6.5 MB run within 15 times the time of the 0.65 MB run (10 times the
data), and its peak RSS within 5 times the 0.65 MB run's. The peak RSS is also
given against the input (both dates' files): the interpreter and its libraries
alone hold about 90 MB, so that ratio says more about small inputs than about
growth.

Run alone: ``python -m frontmap.bench.detail [--repeat N]``. To measure a change
side by side, ``--against PYTHON`` also runs another interpreter's frontmap
(an older checkout's ``.venv/bin/python``) in the same repetitions, and
``--against-path DIR`` puts DIR first on that interpreter's path (a plain copy
of an older commit, ``git archive COMMIT | tar -x -C DIR``, run with this
virtualenv's libraries)::

    git archive 876d367 | tar -x -C /tmp/old
    python -m frontmap.bench.detail --against .venv/bin/python --against-path /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["SIZES", "bench_detail", "detail_set", "detail_notes", "TIME_GOAL", "RSS_GOAL"]

#: (label, vertices per snapshot): about 0.65, 2.2 and 6.5 MB per date
SIZES = (("0.65 MB", 30_000), ("2.2 MB", 100_000), ("6.5 MB", 300_000))
TIME_GOAL = 15.0
RSS_GOAL = 5.0


def _date_mb(layers: Path) -> float:
    """The size of one date's files (MB): the largest date folder."""
    sizes = [sum(f.stat().st_size for f in d.glob("*.geojson")) for d in layers.iterdir()
             if d.is_dir()]
    return max(sizes, default=0) / 1e6


def detail_set(cache: Path, vertices: int, seed: int = 0) -> Path:
    """Two synthetic dates, the second with a front jump, made once and reused."""
    from . import synthetic
    from .bench import _say

    out = cache / f"detail-2d-seed{seed}-v{vertices}-jump"
    man = synthetic.read_manifest(out)
    if man and man.get("version") == synthetic.VERSION and man.get("files") == 6:
        return out
    _say(f"generating two synthetic dates of {vertices:,} vertices into {out}")
    synthetic.generate(out, days=2, seed=seed, vertices=vertices, jump_prob=1.0, same_prob=0.0)
    return out


#: a child process: DIR first on the path when given, the imports every run needs, then
#: the command line, timed
_CHILD = """
import json, sys, time
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
import frontmap.analysis.change, frontmap.read.catalog, frontmap.render.page
from frontmap.cli import main
t = time.perf_counter()
try:
    main(sys.argv[2:], standalone_mode=False)
except SystemExit as exc:
    if exc.code:
        raise
print(json.dumps({"inside_s": time.perf_counter() - t}))
"""


def _run(python: str, path: str, args: list[str]) -> tuple[float, float]:
    """(seconds inside, peak RSS MB) of one fresh process."""
    from .bench import RunError, _inside

    cmd = [python, "-I", "-c", _CHILD, path, *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RunError(f"{python} frontmap {' '.join(args)}: " + " | ".join(tail))
        text = out.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return _inside(text), rss


def bench_detail(cache: Path, reps: int, seed: int = 0, against: str | None = None,
                 against_path: str = "") -> dict:
    """Time ``frontmap compare`` at the three sizes (and with ``against``, another
    interpreter's frontmap, interleaved); the ratios against their goals."""
    from .bench import _say

    sets = {label: detail_set(cache, vertices, seed) for label, vertices in SIZES}
    runners = {"now": (sys.executable, "")}
    if against:  # (absolute: the runs start in a temporary folder)
        runners["against"] = (os.path.abspath(against),
                              os.path.abspath(against_path) if against_path else "")
    times: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], list[float]] = {}
    pages: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="frontmap-bench-detail-") as tmp:
        for rep in range(reps):
            for label, layers in sets.items():
                for who, (python, path) in runners.items():
                    page = Path(tmp) / f"{who}-{layers.name}.html"
                    args = ["compare", str(layers), "-o", str(page), "--offline", "--quiet"]
                    t, mb = _run(python, path, args)
                    times.setdefault((who, label), []).append(t)
                    rss.setdefault((who, label), []).append(mb)
                    pages[(who, label)] = page.stat().st_size / 1e6
                    _say(f"  detail {label} ({who}): run {rep + 1}/{reps}: {t:.2f} s, "
                         f"{mb:.0f} MB")
    out: dict = {"time_goal": TIME_GOAL, "rss_goal": RSS_GOAL, "against": against}
    for who in runners:
        rows: list[dict] = []
        for label, layers in sets.items():
            date_mb = _date_mb(layers)
            key = (who, label)
            rows.append({
                "size": label,
                "vertices": dict(SIZES)[label],
                "date_mb": date_mb,
                "compare_s": min(times[key]),
                "rss_mb": max(rss[key]),
                "rss_per_input": max(rss[key]) / (2 * date_mb),
                "page_mb": pages[key],
                "all_times": times[key],
            })
        small, large = rows[0], rows[-1]
        time_ratio = float(large["compare_s"]) / float(small["compare_s"])
        rss_ratio = float(large["rss_mb"]) / float(small["rss_mb"])
        part = {"rows": rows, "time_ratio": time_ratio, "rss_ratio": rss_ratio,
                "within_goal": time_ratio <= TIME_GOAL and rss_ratio <= RSS_GOAL}
        if who == "now":
            out.update(part)
        else:
            out["against_result"] = part
    return out


def detail_notes(result: dict) -> list[str]:
    if not result:
        return []

    def note(part: dict, who: str) -> str:
        cells = "; ".join(
            f"{r['size']} per date ({r['vertices']:,} vertices): {r['compare_s']:.1f} s, "
            f"peak RSS {r['rss_mb']:.0f} MB ({r['rss_per_input']:.0f}x the input), "
            f"page {r['page_mb']:.2f} MB"
            for r in part["rows"]
        )
        verdict = "ok" if part["within_goal"] else "OVER GOAL"
        return (
            f"`frontmap compare` ({who}) on two synthetic dates: {cells}. 6.5 MB / 0.65 MB: "
            f"time {part['time_ratio']:.1f}x (goal {result['time_goal']:g}x), peak RSS "
            f"{part['rss_ratio']:.1f}x (goal {result['rss_goal']:g}x) {verdict}"
        )

    out = [note(result, "this one")]
    if result.get("against_result"):
        out.append(note(result["against_result"], f"against {result['against']}"))
    return out


def main(argv: list[str] | None = None) -> int:
    from .bench import DEFAULT_CACHE

    p = argparse.ArgumentParser(prog="python -m frontmap.bench.detail",
                                description="frontmap compare on detailed synthetic data")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--against", metavar="PYTHON", default=None,
                   help="also run another interpreter's frontmap, interleaved")
    p.add_argument("--against-path", metavar="DIR", default="",
                   help="with --against: DIR first on its path (a copy of an older commit)")
    args = p.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    result = bench_detail(args.cache, args.repeat, args.seed, args.against, args.against_path)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(detail_notes(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
