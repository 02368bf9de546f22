"""A small picture of a comparison for an index page: the TO map alone (rendering).

Drawn from the same :class:`~frontmap.render.scene.Scene` and with the same
helpers as the print image (:mod:`.static_png`), without text, so that it
reads at 360 px. Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

from .scene import Scene
from .static_png import _BG, _draw_map

__all__ = ["thumbnail_png", "THUMB_WIDTH"]

THUMB_WIDTH = 360
_DPI = 100


def thumbnail_png(scene: Scene, width_px: int = THUMB_WIDTH) -> bytes:
    """The TO map of ``scene`` as a PNG ``width_px`` wide (height from the view)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import patheffects, rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, s, e, n = scene.view
    lat0 = math.radians(max(min((s + n) / 2, 85.0), -85.0))
    aspect = 1 / max(math.cos(lat0), 0.05)
    ratio = (n - s) * aspect / max(e - w, 1e-9)
    fig_w = width_px / _DPI
    fig_h = max(0.5, min(fig_w * ratio, fig_w * 1.25))
    rc: dict[str, Any] = {"text.parse_math": False, "font.family": "DejaVu Sans",
                          "path.simplify": False, "hatch.linewidth": 1.0}
    with rc_context(rc):  # type: ignore[arg-type]  # matplotlib types keys as literals
        fig = Figure(figsize=(fig_w, fig_h), dpi=_DPI, facecolor=_BG)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1), facecolor=_BG)
        ax.set_xlim(w, e)
        ax.set_ylim(s, n)
        ax.set_aspect(aspect, adjustable="datalim", anchor="C")
        ax.set_axis_off()
        halo = [patheffects.withStroke(linewidth=2, foreground="white")]
        labels = _draw_map(ax, scene, "to", halo)
        for lab in labels:  # no text at this size
            lab.artist.set_visible(False)
            if lab.dot is not None:
                lab.dot.set_visible(False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    return buf.getvalue()
