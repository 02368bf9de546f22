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

Run alone: ``python -m frontmap.bench.detail [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
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


def bench_detail(cache: Path, reps: int, seed: int = 0) -> dict:
    """Time ``frontmap compare`` at the three sizes; the ratios against their goals."""
    from .bench import _inside, _say, child_command, measure

    sets = {label: detail_set(cache, vertices, seed) for label, vertices in SIZES}
    times: dict[str, list[float]] = {label: [] for label in sets}
    rss: dict[str, list[float]] = {label: [] for label in sets}
    pages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="frontmap-bench-detail-") as tmp:
        for rep in range(reps):
            for label, layers in sets.items():
                page = Path(tmp) / f"{layers.name}.html"
                cmd = child_command("cli", layers) + [
                    "--", "compare", str(layers), "-o", str(page), "--offline", "--quiet",
                ]
                _, mb, text = measure(cmd)
                times[label].append(_inside(text))
                rss[label].append(mb)
                pages[label] = page.stat().st_size / 1e6
                _say(f"  detail {label}: run {rep + 1}/{reps}: {times[label][-1]:.2f} s, "
                     f"{mb:.0f} MB")
    rows: list[dict] = []
    for label, layers in sets.items():
        date_mb = _date_mb(layers)
        rows.append({
            "size": label,
            "vertices": dict(SIZES)[label],
            "date_mb": date_mb,
            "compare_s": min(times[label]),
            "rss_mb": max(rss[label]),
            "rss_per_input": max(rss[label]) / (2 * date_mb),
            "page_mb": pages[label],
            "all_times": times[label],
        })
    small, large = rows[0], rows[-1]
    time_ratio = float(large["compare_s"]) / float(small["compare_s"])
    rss_ratio = float(large["rss_mb"]) / float(small["rss_mb"])
    return {
        "rows": rows,
        "time_ratio": time_ratio,
        "rss_ratio": rss_ratio,
        "time_goal": TIME_GOAL,
        "rss_goal": RSS_GOAL,
        "within_goal": time_ratio <= TIME_GOAL and rss_ratio <= RSS_GOAL,
    }


def detail_notes(result: dict) -> list[str]:
    if not result:
        return []
    cells = "; ".join(
        f"{r['size']} per date ({r['vertices']:,} vertices): {r['compare_s']:.1f} s, "
        f"peak RSS {r['rss_mb']:.0f} MB ({r['rss_per_input']:.0f}x the input), "
        f"page {r['page_mb']:.2f} MB"
        for r in result["rows"]
    )
    verdict = "ok" if result["within_goal"] else "OVER GOAL"
    return [
        f"`frontmap compare` on two synthetic dates: {cells}. 6.5 MB / 0.65 MB: time "
        f"{result['time_ratio']:.1f}x (goal {result['time_goal']:g}x), peak RSS "
        f"{result['rss_ratio']:.1f}x (goal {result['rss_goal']:g}x) {verdict}"
    ]


def main(argv: list[str] | None = None) -> int:
    from .bench import DEFAULT_CACHE

    p = argparse.ArgumentParser(prog="python -m frontmap.bench.detail",
                                description="frontmap compare on detailed synthetic data")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    result = bench_detail(args.cache, args.repeat, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(detail_notes(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
