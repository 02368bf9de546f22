"""The series as a GIF or an MP4: one frame per snapshot (rendering, matplotlib Agg).

Each frame is the map on one date, 1080 px wide, with the title and the date
burnt in and a legend giving each faction's area that day, drawn with the
compare PNG's helpers and colours (:mod:`.static_png`). Two passes over the
snapshots, both streaming: the first measures them (areas, the fixed extent
every frame shares) and spools them to a temporary file; the second draws
each frame and hands it to the writer at once, so memory stays flat however
long the series. GIF: Pillow, written frame by frame (its own ``save`` keeps
every frame until the end); MP4: ``imageio-ffmpeg`` (H.264, yuv420p, the
ffmpeg binary it ships), flags set for byte-identical output.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .. import __version__
from ..analysis.measure import contested_geometry
from ..analysis.series import area_series
from ..errors import ArgumentError, DataError
from ..read.factions import FactionTable
from ..read.model import Snapshot
from .animate_data import Spool
from .scene import _pad, _safe_color
from .static_png import _BG, _INK, _MUTED, _fill
from .text import date_long, km2_short

__all__ = ["write_video", "video_bytes", "VIDEO_FORMATS", "WIDTH_PX"]

VIDEO_FORMATS = ("gif", "mp4")
WIDTH_PX = 1080
_DPI = 100

#: progress(done, total) after each frame
Progress = Callable[[int, int], None]


class _GifWriter:
    """A looping GIF written one frame at a time (each frame with its own palette)."""

    def __init__(self, path: Path, fps: float):
        self.fh = open(path, "wb")
        self.ms = max(20, int(round(1000 / fps / 10)) * 10)
        self.first = True

    def add(self, rgb: np.ndarray) -> None:
        from PIL import GifImagePlugin, Image

        im = Image.fromarray(rgb, "RGB").quantize(
            colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        if self.first:
            head, _ = GifImagePlugin.getheader(im, None, {"loop": 0, "duration": self.ms})
            for chunk in head:
                self.fh.write(chunk)
            self.first = False
        for chunk in GifImagePlugin.getdata(im, duration=self.ms, include_color_table=True):
            self.fh.write(chunk)

    def close(self) -> None:
        self.fh.write(b";")
        self.fh.close()


class _Mp4Writer:
    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        import imageio_ffmpeg

        self.gen = imageio_ffmpeg.write_frames(
            str(path), size, fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
            bitrate=None, macro_block_size=2,
            output_params=[
                "-f", "mp4", "-crf", "20", "-preset", "medium", "-threads", "1",
                "-tune", "stillimage",
                "-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact",
                "-flags:v", "+bitexact", "-x264-params", "threads=1:sliced-threads=0",
            ],
            ffmpeg_log_level="error",
        )
        self.gen.send(None)

    def add(self, rgb: np.ndarray) -> None:
        self.gen.send(np.ascontiguousarray(rgb))

    def close(self) -> None:
        self.gen.close()


class _Frame:
    """One figure reused for every frame: the static parts drawn once."""

    def __init__(self, table, ids, names, colors, extent, title, credit, basemap):
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        w, s, e, n = extent
        lat0 = math.radians(max(min((s + n) / 2, 85.0), -85.0))
        self.aspect = 1 / max(math.cos(lat0), 0.05)
        fig_w = WIDTH_PX / _DPI
        margin = 0.35
        map_w = fig_w - 2 * margin
        ratio = (n - s) * self.aspect / max(e - w, 1e-9)
        map_h = min(map_w * ratio, 11.0)
        self.ids, self.names, self.colors = ids, names, colors
        rows = math.ceil(len(ids) / 2)
        top_h, legend_h = 1.45, 0.25 + 0.34 * rows
        foot = textwrap.wrap(
            (f"{credit} · " if credit else "")
            + f"Areas: geodesic km² on WGS84. Map: frontmap {__version__}.", 120
        )
        foot_h = 0.2 + 0.22 * len(foot)
        fig_h = top_h + map_h + legend_h + foot_h + 0.15
        # even pixel sizes (H.264 needs them)
        fig_h = math.ceil(fig_h * _DPI / 2) * 2 / _DPI
        self.size = (WIDTH_PX, int(round(fig_h * _DPI)))
        fig = Figure(figsize=(fig_w, fig_h), dpi=_DPI, facecolor="white")
        FigureCanvasAgg(fig)
        self.fig = fig
        bottom = (legend_h + foot_h) / fig_h
        ax = fig.add_axes((margin / fig_w, bottom, map_w / fig_w, map_h / fig_h), facecolor=_BG)
        ax.set_xlim(w, e)
        ax.set_ylim(s, n)
        ax.set_aspect(self.aspect, adjustable="datalim", anchor="C")
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_edgecolor("#b0b0b0")
            sp.set_linewidth(0.8)
        if basemap is not None:
            _fill(ax, basemap, facecolor="#f3f1ec", edgecolor="#9aa3a8", linewidth=0.6, zorder=1)
        self.ax = ax
        left = margin / fig_w
        fig.text(left, 1 - 0.22 / fig_h, textwrap.shorten(title, 70), fontsize=20,
                 fontweight="bold", color=_INK, va="top")
        self.date = fig.text(left, 1 - 0.72 / fig_h, "", fontsize=30, fontweight="bold",
                             color=_INK, va="top")
        for i, line in enumerate(foot):
            fig.text(left, (foot_h - 0.3 - 0.22 * i) / fig_h + 0.02 / fig_h, line,
                     fontsize=10, color=_MUTED, va="bottom")
        self.legend: list[Any] = []
        col_w = map_w / 2
        for k in range(len(ids)):
            r, c = divmod(k, 2)
            y = (legend_h + foot_h - 0.28 - 0.34 * r) / fig_h
            x = (margin + c * col_w) / fig_w
            fig.patches.append(_swatch(fig, x, y, colors[k], fig_w, fig_h))
            t = fig.text(x + 0.3 / fig_w, y, "", fontsize=13, color=_INK, va="center")
            self.legend.append(t)
        self.artists: list[Any] = []

    def draw(self, date, territories: dict, values: dict[str, float], tol: float) -> np.ndarray:
        for a in self.artists:
            a.remove()
        self.artists = []
        ax = self.ax
        before = len(ax.patches)
        for k, fid in enumerate(self.ids):
            g = territories.get(fid)
            if g is None or g.is_empty:
                continue
            g = shapely.simplify(g, tol, preserve_topology=True)
            _fill(ax, g, facecolor=self.colors[k], edgecolor="white", linewidth=0.5, zorder=2)
        contested = contested_geometry(territories)
        if not contested.is_empty:
            _fill(ax, shapely.simplify(contested, tol), facecolor="#e1e1e1", edgecolor="#8a8a8a",
                  hatch="\\\\\\", linewidth=0.0, zorder=3)
        self.artists = list(ax.patches[before:])
        self.date.set_text(date_long(date))
        for k, fid in enumerate(self.ids):
            v = values.get(fid, 0.0)
            area = f"{km2_short(v)} km²" if v > 0 else "none"
            self.legend[k].set_text(f"{textwrap.shorten(self.names[k], 34)}: {area}")
        self.fig.canvas.draw()
        buf = np.asarray(self.fig.canvas.buffer_rgba())
        return np.array(buf[:, :, :3])


def _swatch(fig, x, y, color, fig_w, fig_h):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y - 0.09 / fig_h), 0.2 / fig_w, 0.18 / fig_h, transform=fig.transFigure,
                     facecolor=color, edgecolor="#555555", linewidth=0.5, figure=fig)


def write_video(
    snapshots: Iterable[Snapshot],
    table: FactionTable,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    fps: float = 4.0,
    title: str | None = None,
    credit: str | None = None,
    basemap: shapely.Geometry | str | None = "bundled",
    min_part_km2: float = 1.0,
    progress: Progress | None = None,
) -> int:
    """Write every snapshot as a frame of a GIF or MP4 at ``path`` (format from its
    extension unless ``fmt``); returns the number of frames."""
    from matplotlib import rc_context

    from .text import date_range_text

    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in VIDEO_FORMATS:
        raise ArgumentError(f"video format must be one of {', '.join(VIDEO_FORMATS)}, not {fmt!r}")
    if not fps > 0:
        raise ArgumentError("fps must be positive")
    spool = Spool()
    box = [math.inf, math.inf, -math.inf, -math.inf]

    def tap(snaps):
        for snap in snaps:
            terr = {f: g for f, g in snap.territories.items() if not g.is_empty}
            for g in terr.values():
                b = shapely.bounds(g)
                box[:] = [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]),
                          max(box[3], b[3])]
            spool.write(snap.date, terr)
            yield snap

    try:
        series = area_series(tap(snapshots), min_part_km2, events=False)
        if not series.dates:
            raise DataError("no snapshots to animate")
        series = series.ordered(table.order(series.factions))
        extent = _pad((box[0], box[1], box[2], box[3]), 0.03)
        ids = list(series.factions)
        names = [table.get(f).name for f in ids]
        colors = [_safe_color(table.get(f).color) for f in ids]
        span = date_range_text(series.dates[0], series.dates[-1])
        title = title or f"Territorial control, {span}"
        rc: dict[str, Any] = {"text.parse_math": False, "font.family": "DejaVu Sans",
                              "path.simplify": False, "hatch.linewidth": 1.4}
        base = None
        if isinstance(basemap, str):  # "bundled" or "none"
            if basemap == "bundled":
                from .animate import bundled_land

                base = bundled_land(extent)
        elif basemap is not None and not basemap.is_empty:
            base = shapely.clip_by_rect(basemap, *_pad(extent, 0.5))
        with rc_context(rc):  # type: ignore[arg-type]  # matplotlib types keys as literals
            frame = _Frame(table, ids, names, colors, extent, title, credit, base)
            tol = (extent[2] - extent[0]) / WIDTH_PX
            writer: _GifWriter | _Mp4Writer
            writer = _GifWriter(path, fps) if fmt == "gif" else _Mp4Writer(path, fps, frame.size)
            n = 0
            try:
                for i, (date, terr) in enumerate(spool):
                    values = {f: series.areas[f][i] for f in ids}
                    writer.add(frame.draw(date, terr, values, tol))
                    n += 1
                    if progress:
                        progress(n, len(series.dates))
            finally:
                writer.close()
    finally:
        spool.close()
    return n


def video_bytes(snapshots, table, fmt: str, **kw) -> bytes:
    """The same as :func:`write_video`, returning the bytes (a temporary file)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="frontmap-video-") as tmp:
        p = Path(tmp) / f"animation.{fmt}"
        write_video(snapshots, table, p, fmt=fmt, **kw)
        return p.read_bytes()

