"""``make bench``: what a detailed ``--clip`` outline costs, measured side by side.

On the real Ukraine archive (``ukraine-occupied-daily``, 79 dates) and the
116,494-vertex national outline (``boundaries/ukraine_national_boundary_2015_stanford.geojson``):

* ``frontmap diff 2024-11-01 2024-12-01 LAYERS --format json``, unclipped
  and with ``--clip OUTLINE`` (goal: clipped within 3x of unclipped);
* ``frontmap timeline LAYERS --format csv``, unclipped and with ``--clip``
  (goal: within 2x).

Each run is a fresh process (``bench.py _child cli ...``), timed inside it
after its imports, the two variants interleaved within each repetition so
that a noisy machine hits both alike; best of the repetitions.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CLIP_OUTLINE", "CLIP_WORKLOADS", "bench_clip", "clip_notes"]

CLIP_OUTLINE = Path("boundaries") / "ukraine_national_boundary_2015_stanford.geojson"
#: (name, command arguments after LAYERS is inserted, goal ratio clipped / unclipped)
CLIP_WORKLOADS = (
    ("diff", ["diff", "2024-11-01", "2024-12-01", "{layers}", "--format", "json"], 3.0),
    ("timeline", ["timeline", "{layers}", "--format", "csv"], 2.0),
)


def bench_clip(data: Path, reps: int, real_set: str, against: str | None = None) -> list[dict]:
    """Measure every clip workload; [] when the real data are absent. ``against``:
    another interpreter with its own frontmap (an older checkout's venv), timed the
    same way in the same repetitions."""
    from .bench import _inside, _say, child_command, measure

    layers, outline = data / real_set, data / CLIP_OUTLINE
    if not (layers.is_dir() and outline.is_file()):
        return []
    results = []
    for name, template, goal in CLIP_WORKLOADS:
        args = [a.replace("{layers}", str(layers)) for a in template]
        clipped = [*args, "--clip", str(outline)]
        kinds = {
            "plain": child_command("cli", layers) + ["--", *args],
            "clipped": child_command("cli", layers) + ["--", *clipped],
        }
        if against:
            kinds["against_plain"] = child_command("cli", layers, python=against) + ["--", *args]
            kinds["against_clipped"] = (
                child_command("cli", layers, python=against) + ["--", *clipped]
            )
        times: dict[str, list[float]] = {k: [] for k in kinds}
        walls: dict[str, list[float]] = {k: [] for k in kinds}
        for rep in range(reps):
            for kind, cmd in kinds.items():
                wall, _, text = measure(cmd)
                times[kind].append(_inside(text))
                walls[kind].append(wall)
                _say(f"  clip {name}: {kind} run {rep + 1}/{reps}: {times[kind][-1]:.2f} s")
        best = {k: min(v) for k, v in times.items()}
        ratio = best["clipped"] / best["plain"]
        result = {
            "workload": f"clip-{name}",
            "command": "frontmap " + " ".join(template).replace("{layers}", real_set),
            "plain_s": best["plain"],
            "clipped_s": best["clipped"],
            "plain_wall_s": min(walls["plain"]),
            "clipped_wall_s": min(walls["clipped"]),
            "ratio": ratio,
            "goal": goal,
            "within_goal": ratio <= goal,
            "all_times": times,
        }
        if against:
            result.update({
                "against_plain_s": best["against_plain"],
                "against_clipped_s": best["against_clipped"],
                "against_ratio": best["against_clipped"] / best["against_plain"],
            })
        results.append(result)
    return results


def clip_notes(results: list[dict]) -> list[str]:
    notes = []
    for r in results:
        note = (
            f"`{r['command']}` with `--clip {CLIP_OUTLINE.name}` (116,494 vertices): "
            f"{r['clipped_s']:.2f} s against {r['plain_s']:.2f} s unclipped, ratio "
            f"{r['ratio']:.1f} (goal: within {r['goal']:g}x) "
            f"{'ok' if r['within_goal'] else 'OVER GOAL'}"
        )
        if "against_ratio" in r:
            note += (
                f"; against: {r['against_clipped_s']:.2f} s against "
                f"{r['against_plain_s']:.2f} s, ratio {r['against_ratio']:.1f}"
            )
        notes.append(note)
    return notes
