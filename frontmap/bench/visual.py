"""Benchmark of the timeline visuals: ``frontmap animate`` (page size, time, memory,
frames per second in Chromium) and the GIF and MP4 times. Called by
:mod:`frontmap.bench.bench`; ``python -m frontmap.bench.visual LAYERS...`` alone."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["bench_animate", "page_fps", "notes"]

CHROMIUM = Path("/usr/bin/chromium")
_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run"]

_FPS_SCRIPT = r"""
import json, sys, time
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    b = p.chromium.launch(executable_path=sys.argv[2], args=json.loads(sys.argv[3]))
    pg = b.new_page(viewport={"width": 1400, "height": 900})
    t0 = time.perf_counter()
    pg.goto("file://" + sys.argv[1])
    pg.wait_for_selector("html[data-fm-ready]", timeout=300000)
    load = time.perf_counter() - t0
    fps = pg.evaluate('''() => new Promise(res => {
        const n = Math.min(frontmap.dates, 200); let i = 0; const t0 = performance.now();
        function step() { frontmap.setDate(i); i++;
          if (i < n) requestAnimationFrame(step);
          else requestAnimationFrame(() => res(i / ((performance.now() - t0) / 1000))); }
        requestAnimationFrame(step); })''')
    print(json.dumps({"load_s": load, "fps": fps,
                      "renderer": pg.evaluate("frontmap.renderer")}))
    b.close()
"""


def page_fps(page: Path) -> dict | None:
    """Load time and frames per second of an animation page stepping through its dates
    (each frame drawn before the next), in this machine's Chromium; None without it."""
    if not CHROMIUM.exists():
        return None
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    out = subprocess.run(
        [sys.executable, "-c", _FPS_SCRIPT, str(page.resolve()), str(CHROMIUM), json.dumps(_ARGS)],
        capture_output=True, text=True, timeout=900,
    )
    if out.returncode != 0:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_animate(name: str, layers: Path, measure, frontmap_cmd: list[str], videos: bool) -> dict:
    """``frontmap animate`` to HTML (and GIF, MP4 when ``videos``) on one data set."""
    res: dict = {"workload": name, "layers": str(layers)}
    with tempfile.TemporaryDirectory(prefix="frontmap-bench-visual-") as tmp:
        page = Path(tmp) / "animation.html"
        wall, rss, _ = measure(frontmap_cmd + ["animate", str(layers), "-o", str(page),
                                               "--offline"])
        res.update(html_s=wall, html_rss_mb=rss, html_mb=page.stat().st_size / 1e6)
        fps = page_fps(page)
        if fps:
            res.update(page_load_s=fps["load_s"], page_fps=fps["fps"], renderer=fps["renderer"])
        if videos:
            for ext in ("gif", "mp4"):
                out = Path(tmp) / f"animation.{ext}"
                wall, rss, _ = measure(frontmap_cmd + ["animate", str(layers), "-o", str(out)])
                res.update({f"{ext}_s": wall, f"{ext}_rss_mb": rss,
                            f"{ext}_mb": out.stat().st_size / 1e6})
    return res


def notes(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        text = (
            f"animate {r['workload']}: page {r['html_mb']:.2f} MB in {r['html_s']:.1f} s "
            f"(peak RSS {r['html_rss_mb']:.0f} MB)"
        )
        if "page_fps" in r:
            text += (
                f", opens in {r['page_load_s']:.1f} s and plays {r['page_fps']:.0f} frames/s in "
                f"Chromium ({r['renderer']})"
            )
        for ext in ("gif", "mp4"):
            if f"{ext}_s" in r:
                text += f"; {ext.upper()} {r[f'{ext}_s']:.1f} s, {r[f'{ext}_mb']:.1f} MB"
        out.append(text)
    return out


def main(argv: list[str] | None = None) -> int:
    from .bench import frontmap_command, measure

    results = [
        bench_animate(Path(p).name, Path(p), measure, frontmap_command(), videos=True)
        for p in (argv if argv is not None else sys.argv[1:])
    ]
    print("\n".join(notes(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
