"""Seeded synthetic territory series for tests and benchmarks (not part of the analysis).

``generate(out_dir, days=100, seed=0)`` writes one snapshot per day of a few
factions along moving front lines, shaped like the DeepState archive: one
region the size of eastern Ukraine (lon/lat WGS84, about 35-40E, 46.6-50N),
each faction's territory a MultiPolygon of about ``vertices / factions``
vertices with wiggly front lines, a few small encircled pockets (holes in the
faction around them) and a lake or two that nobody holds (holes too).

Every date is a partition: faction ``F1`` holds the west, ``Fn`` the east,
and neighbours share their borders exactly (the same rounded vertices in
both rings). All coordinates live as integer micro-degrees, so rounding to 6
decimals happens once, before any border is built, and files for the same
arguments are byte-identical.

From one day to the next the fronts move a little at a few random places
(a few km² each), so most of every boundary is identical to the day before;
sometimes a day is identical to the previous one, sometimes a front jumps
(hundreds to thousands of km²), and pockets appear and are eliminated.

Layouts: ``"folders"`` writes ``out_dir/YYYY-MM-DD/F1.geojson`` (one
MultiPolygon feature per file); ``"dated-files"`` writes
``out_dir/synthetic_YYYYMMDD.geojson`` with one Polygon feature per piece and
a ``faction`` property. ``out_dir/_synthetic.json`` (ignored by the reader:
its name starts with ``_``) records the arguments and what happened each day.

``big_file(path, target_mb=200)`` streams one large FeatureCollection of
dated features (``faction`` and ``date`` properties) for memory tests.

Run ``python -m frontmap.bench.synthetic OUT --days N --seed S`` from a shell.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["generate", "big_file", "series", "MANIFEST", "LAYOUTS"]

MANIFEST = "_synthetic.json"
LAYOUTS = ("folders", "dated-files")
VERSION = 1

_U = 1_000_000  # micro-degrees per degree: every coordinate is an int of these
_LAT0 = 48.2
_KM_LON = 1 / (111.32 * math.cos(math.radians(_LAT0)))  # degrees of longitude per km
_KM_LAT = 1 / 110.95  # degrees of latitude per km
_Y_MIN, _Y_MAX = 46.60, 49.95  # the south coast and the northern border of the region
_X_WEST, _X_EAST = 35.0, 40.0
_GAP_KM = 4.0  # fronts never come closer than this to each other
_MARGIN_KM = 1.5  # pockets and lakes stay this far from any front
_EPS = 20  # coast vertices this close (µdeg) to where a line meets the coast are left out
_MAX_POCKETS = 6
_JITTER_KM = 0.3  # vertex-scale wiggle of the fronts
_PULL = 0.35  # how much a move straightens its stretch (keeps the roughness bounded)

Ring = np.ndarray  # (m, 2) int64 micro-degrees, closed (first == last)
Polygon = list  # [exterior, *holes]


def _km(km: float, per_km: float) -> int:
    return int(round(km * per_km * _U))


# --------------------------------------------------------------------------
# Geometry pieces


@dataclass(eq=False)
class _Blob:
    """A star-shaped pocket (held by ``owner`` inside ``host``'s band) or lake (owner None)."""

    ring: Ring  # counter-clockwise, closed
    host: int  # band index
    owner: int | None
    born: int  # day index
    bbox: tuple[int, int, int, int]


def _noise(rng: np.random.Generator, t: np.ndarray, octaves: int, amp: float) -> np.ndarray:
    """Smooth fractal noise over t in [0, 1]: a sum of sines with amplitude ~ 1/f^0.9."""
    out = np.zeros_like(t)
    for o in range(octaves):
        f = 2.0**o
        out += amp / f**0.9 * np.sin(2 * np.pi * (f * t + rng.random()))
    return out


def _star(rng, cx: int, cy: int, r_km: float, nv: int) -> Ring:
    """A closed counter-clockwise star-shaped ring of ``nv`` vertices around (cx, cy)."""
    step = 2 * np.pi / nv
    theta = np.arange(nv) * step + rng.uniform(-0.3, 0.3, nv) * step
    t = np.arange(nv) / nv
    rad = 1 + 0.3 * _noise(rng, t, 3, 0.5) + rng.uniform(-0.08, 0.08, nv)
    rad = np.clip(rad, 0.45, 1.8) * r_km
    x = cx + np.round(rad * np.cos(theta) * _KM_LON * _U).astype(np.int64)
    y = cy + np.round(rad * np.sin(theta) * _KM_LAT * _U).astype(np.int64)
    ring = np.column_stack([x, y])
    return np.vstack([ring, ring[:1]])


def _bbox(ring: Ring) -> tuple[int, int, int, int]:
    return (
        int(ring[:, 0].min()),
        int(ring[:, 1].min()),
        int(ring[:, 0].max()),
        int(ring[:, 1].max()),
    )


# --------------------------------------------------------------------------
# The series


class _Front:
    """The state of the whole region on one day; ``step`` moves it to the next."""

    def __init__(self, rng: np.random.Generator, factions: int, vertices: int):
        if factions < 1:
            raise ValueError("factions must be at least 1")
        if vertices < 100:
            raise ValueError("vertices must be at least 100")
        self.rng = rng
        self.k = factions
        self.blob_nv = max(8, vertices // 120)
        coast_n = max(6, vertices // 40)
        lakes = 1 + int(rng.random() < 0.5)
        pockets = 3 if factions > 1 else 0
        budget = vertices - 2 * coast_n - lakes * self.blob_nv - 2 * pockets * self.blob_nv
        self.n = n = max(20, budget // (2 * factions))

        # shared latitude grid of every line (slightly irregular, strictly increasing)
        y = np.linspace(_Y_MIN, _Y_MAX, n)
        dy = (_Y_MAX - _Y_MIN) / (n - 1)
        y[1:-1] += rng.uniform(-0.3, 0.3, n - 2) * dy
        self.y = np.round(y * _U).astype(np.int64)
        t = np.linspace(0, 1, n)

        # lines 0..k: the west border, the k-1 fronts, the east border
        # (x = a smooth course plus per-vertex jitter, kept apart so that moves can
        # redraw the jitter: the fronts stay as wiggly on day 1000 as on day 1)
        lines, self.jitter = [], []
        for i in range(factions + 1):
            base = _X_WEST + (_X_EAST - _X_WEST) * i / factions
            edge = i in (0, factions)
            amp = 0.1 if edge else 0.28 * min(1.0, 3 / factions)
            jitter = self._jitter(n)
            x = np.round((base + _noise(rng, t, 7, amp)) * _U).astype(np.int64) + jitter
            lines.append(x)
            self.jitter.append(jitter)
        self.lines = lines
        self.gap = _km(_GAP_KM, _KM_LON)
        for i in range(1, factions):
            self._clamp(i)

        # coasts: fixed vertices south of the first and north of the last grid latitude
        cx = np.linspace(_X_WEST - 0.5, _X_EAST + 0.5, coast_n)
        cx[1:-1] += rng.uniform(-0.35, 0.35, coast_n - 2) * (cx[1] - cx[0])
        tc = np.linspace(0, 1, coast_n)
        south = 0.05 + np.abs(_noise(rng, tc, 5, 0.05)) + rng.uniform(0.002, 0.01, coast_n)
        north = 0.03 + np.abs(_noise(rng, tc, 5, 0.04)) + rng.uniform(0.002, 0.01, coast_n)
        self.coast_x = np.round(cx * _U).astype(np.int64)
        self.south_y = self.y[0] - np.round(south * _U).astype(np.int64)
        self.north_y = self.y[-1] + np.round(north * _U).astype(np.int64)

        self.blobs: list[_Blob] = []
        for _ in range(lakes):
            self._new_blob(owner=None, day=0, r_km=rng.uniform(3, 7))
        for _ in range(pockets):
            self._new_pocket(day=0)

    def _jitter(self, m: int) -> np.ndarray:
        return np.round(self.rng.normal(0, _JITTER_KM * _KM_LON * _U, m)).astype(np.int64)

    # -- constraints ------------------------------------------------------

    def _clamp(self, i: int) -> None:
        lo = self.lines[i - 1] + self.gap
        hi = self.lines[i + 1] - self.gap
        self.lines[i] = np.minimum(np.maximum(self.lines[i], lo), hi)

    def _fits(self, blob: _Blob, margin_km: float = _MARGIN_KM) -> bool:
        """Is the blob inside its host band, ``margin_km`` away from both of its lines?"""
        x0, y0, x1, y1 = blob.bbox
        m = _km(margin_km, _KM_LON)
        my = _km(margin_km, _KM_LAT)
        if y0 - my <= self.y[0] or y1 + my >= self.y[-1]:
            return False
        lo = max(0, int(np.searchsorted(self.y, y0 - my)) - 1)
        hi = min(self.n, int(np.searchsorted(self.y, y1 + my)) + 1)
        left, right = self.lines[blob.host][lo:hi], self.lines[blob.host + 1][lo:hi]
        return bool(left.max() + m < x0 and right.min() - m > x1)

    def _clear_of_blobs(self, bbox, margin_km: float = 2.0) -> bool:
        m = _km(margin_km, _KM_LON)
        x0, y0, x1, y1 = bbox
        for b in self.blobs:
            bx0, by0, bx1, by1 = b.bbox
            if not (x1 + m < bx0 or bx1 + m < x0 or y1 + m < by0 or by1 + m < y0):
                return False
        return True

    def _new_blob(self, owner: int | None, day: int, r_km: float, host: int | None = None,
                  near_line: int | None = None) -> _Blob | None:
        rng = self.rng
        for _ in range(40):
            h = int(rng.integers(self.k)) if host is None else host
            k = int(rng.integers(self.n // 8, self.n - self.n // 8))
            if near_line is None:
                lo, hi = self.lines[h][k], self.lines[h + 1][k]
                cx = int(lo + (hi - lo) * rng.uniform(0.25, 0.75))
            else:  # an encircled pocket a few km behind the front
                off = _km(rng.uniform(r_km + 3, r_km + 15), _KM_LON)
                cx = int(self.lines[near_line][k] + (off if near_line == h else -off))
            ring = _star(rng, cx, int(self.y[k]), r_km, self.blob_nv)
            blob = _Blob(ring, h, owner, day, _bbox(ring))
            margin = 10.0 if owner is None else _MARGIN_KM + 1
            if self._fits(blob, margin) and self._clear_of_blobs(blob.bbox):
                self.blobs.append(blob)
                return blob
        return None

    def _new_pocket(self, day: int) -> _Blob | None:
        if self.k < 2:
            return None
        rng = self.rng
        front = int(rng.integers(1, self.k))  # between bands front-1 and front
        if rng.random() < 0.5:
            host, owner = front, front - 1
        else:
            host, owner = front - 1, front
        return self._new_blob(owner, day, rng.uniform(1.5, 4.5), host=host, near_line=front)

    # -- one day ------------------------------------------------------------

    def step(self, day: int, same_prob: float, jump_prob: float) -> dict:
        """Move the region to the next day; return what happened."""
        rng = self.rng
        event: dict = {"kind": "moves", "moves": 0, "rejected": 0, "new": 0, "lost": 0}
        if rng.random() < same_prob:
            event["kind"] = "same"
            return event
        if self.k > 1 and rng.random() < jump_prob:
            event["kind"] = "jump"
            w = int(rng.integers(max(3, self.n // 10), max(4, self.n // 4)))
            moves = [(rng.uniform(8, 25) * (1 if rng.random() < 0.5 else -1), w)]
        else:
            moves = []
            if self.k > 1:
                for _ in range(1 + int(rng.poisson(2.0))):
                    sign = 1 if rng.random() < 0.35 else -1
                    w = int(rng.integers(2, max(3, min(13, self.n // 6))))
                    moves.append((sign * rng.uniform(0.2, 1.5), w))
        for a_km, w in moves:
            i = int(rng.integers(1, self.k))
            c = int(rng.integers(self.n))
            ks = np.arange(max(0, c - w), min(self.n, c + w + 1))
            prof = 1 - ((ks - c) / (w + 1)) ** 2
            old, old_jitter = self.lines[i].copy(), self.jitter[i].copy()
            course = (old - old_jitter)[ks].astype(float)
            # pull the stretch towards its own running mean, then push it by a_km
            pad = np.pad(course, w // 2 + 1, mode="edge")
            smooth = np.convolve(pad, np.ones(w // 2 * 2 + 3) / (w // 2 * 2 + 3), "valid")
            course += prof * (_PULL * (smooth - course) + a_km * _KM_LON * _U)
            self.jitter[i][ks] = self._jitter(len(ks))
            self.lines[i][ks] = np.round(course).astype(np.int64) + self.jitter[i][ks]
            self._clamp(i)
            lakes_ok = all(self._fits(b) for b in self.blobs if b.owner is None)
            if not lakes_ok or np.array_equal(old, self.lines[i]):
                self.lines[i], self.jitter[i] = old, old_jitter
                event["rejected"] += 1
                continue
            event["moves"] += 1
            kept = [b for b in self.blobs if b.owner is None or self._fits(b)]
            event["lost"] += len(self.blobs) - len(kept)
            self.blobs = kept
        pockets = [b for b in self.blobs if b.owner is not None]
        if pockets and rng.random() < 0.004:  # a pocket is eliminated
            gone = pockets[int(rng.integers(len(pockets)))]
            self.blobs = [b for b in self.blobs if b is not gone]
            event["lost"] += 1
        if len(pockets) < _MAX_POCKETS and rng.random() < 0.015:
            event["new"] += self._new_pocket(day) is not None
        return event

    # -- output -------------------------------------------------------------

    def _coast(self, ys: np.ndarray, x_from: int, x_to: int) -> np.ndarray:
        """The coast from where line ``x_from`` meets it to where ``x_to`` does (either way).

        The meeting points are interpolated on the fixed coast, so the region
        that the factions share out stays the same from day to day.
        """
        lo, hi = min(x_from, x_to), max(x_from, x_to)
        sel = (self.coast_x > lo + _EPS) & (self.coast_x < hi - _EPS)
        ends = np.array([x_from, x_to])
        ends_y = np.round(np.interp(ends, self.coast_x, ys)).astype(np.int64)
        mid = np.column_stack([self.coast_x[sel], ys[sel]])
        if x_from > x_to:
            mid = mid[::-1]
        return np.vstack([[[x_from, ends_y[0]]], mid, [[x_to, ends_y[1]]]])

    def territories(self) -> dict[str, list[Polygon]]:
        """Faction id -> polygons, each [exterior (CCW), *holes (CW)], closed int rings."""
        out: dict[str, list[Polygon]] = {}
        y = self.y
        for b in range(self.k):
            left, right = self.lines[b], self.lines[b + 1]
            south = self._coast(self.south_y, left[0], right[0])
            ext = np.vstack(
                [
                    south,
                    np.column_stack([right, y]),
                    self._coast(self.north_y, right[-1], left[-1]),
                    np.column_stack([left[::-1], y[::-1]]),
                    south[:1],
                ]
            )
            holes = [blob.ring[::-1] for blob in self.blobs if blob.host == b]
            out[f"F{b + 1}"] = [[ext, *holes]]
        for blob in self.blobs:
            if blob.owner is not None:
                out[f"F{blob.owner + 1}"].append([blob.ring])
        return out


def series(
    days: int = 100,
    seed: int = 0,
    factions: int = 3,
    vertices: int = 3000,
    start: str | dt.date = "2022-03-01",
    same_prob: float = 0.05,
    jump_prob: float = 0.01,
) -> Iterator[tuple[dt.date, dict[str, list[Polygon]], dict]]:
    """(date, faction id -> polygons of int micro-degree rings, event) for each day.

    The first ``n`` days of a longer series are the same as a series of ``n`` days.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    d0 = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    rng = np.random.default_rng(seed)
    front = _Front(rng, factions, vertices)
    for day in range(days):
        event = {"kind": "first"} if day == 0 else front.step(day, same_prob, jump_prob)
        yield d0 + dt.timedelta(days=day), front.territories(), event


# --------------------------------------------------------------------------
# Writing


def _coords(poly: Polygon) -> list:
    return [(ring / _U).tolist() for ring in poly]


def _dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give (mkstemp makes files 0600)."""
    global _MODE
    if _MODE is None:
        umask = os.umask(0o022)
        os.umask(umask)
        _MODE = 0o666 & ~umask
    return _MODE


_MODE: int | None = None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _feature(props: dict, geom_type: str, coords) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": geom_type, "coordinates": coords},
    }


def _collection(features: list[dict]) -> str:
    body = ",\n".join(_dumps(f) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


def generate(
    out_dir: str | os.PathLike,
    days: int = 100,
    seed: int = 0,
    factions: int = 3,
    vertices: int = 3000,
    start: str = "2022-03-01",
    layout: str = "folders",
    *,
    same_prob: float = 0.05,
    jump_prob: float = 0.01,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write ``days`` daily snapshots into ``out_dir``; return the files written.

    Deterministic: the same arguments give byte-identical files. Files that
    already exist under the same names are replaced (atomically).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # written last: present only when complete
    params = {
        "days": days,
        "seed": seed,
        "factions": factions,
        "vertices": vertices,
        "start": str(start),
        "layout": layout,
        "same_prob": same_prob,
        "jump_prob": jump_prob,
    }
    written: list[Path] = []
    log = []
    for i, (date, terr, event) in enumerate(
        series(days, seed, factions, vertices, start, same_prob, jump_prob)
    ):
        if layout == "folders":
            for fid, polys in terr.items():
                path = out / date.isoformat() / f"{fid}.geojson"
                feat = _feature({"faction": fid}, "MultiPolygon", [_coords(p) for p in polys])
                _write_atomic(path, _collection([feat]))
                written.append(path)
        else:
            feats = [
                _feature({"faction": fid}, "Polygon", _coords(p))
                for fid, polys in terr.items()
                for p in polys
            ]
            path = out / f"synthetic_{date:%Y%m%d}.geojson"
            _write_atomic(path, _collection(feats))
            written.append(path)
        log.append({"date": date.isoformat(), **event})
        if progress:
            progress(i + 1, days)
    manifest = {"generator": "frontmap.bench.synthetic", "version": VERSION, "params": params,
                "files": len(written), "days": log}
    _write_atomic(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return written


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The ``_synthetic.json`` of a generated folder, or None when absent or unreadable."""
    try:
        return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def big_file(
    path: str | os.PathLike,
    target_mb: float = 200,
    seed: int = 0,
    factions: int = 3,
    vertices: int = 3000,
    start: str = "2022-03-01",
) -> Path:
    """Stream one GeoJSON FeatureCollection of about ``target_mb`` MB (10^6 bytes) of
    dated features (``faction`` and ``date`` properties), one day after another.

    Only one day is held in memory; the file appears (atomically) when complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = int(target_mb * 1_000_000)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".geojson", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            size = fh.write('{"type":"FeatureCollection","features":[\n')
            first = True
            for date, terr, _ in series(10**6, seed, factions, vertices, start):
                for fid, polys in terr.items():
                    for p in polys:
                        props = {"faction": fid, "date": date.isoformat()}
                        text = _dumps(_feature(props, "Polygon", _coords(p)))
                        size += fh.write(("" if first else ",\n") + text)
                        first = False
                if size >= target:
                    break
            fh.write("\n]}\n")
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m frontmap.bench.synthetic",
        description="Write a seeded synthetic series of daily territory snapshots.",
    )
    p.add_argument("out", type=Path, help="output folder (or file, with --big-mb)")
    p.add_argument("--days", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--factions", type=int, default=3)
    p.add_argument("--vertices", type=int, default=3000, help="vertices per snapshot")
    p.add_argument("--start", default="2022-03-01", help="first date (YYYY-MM-DD)")
    p.add_argument("--layout", choices=LAYOUTS, default="folders")
    p.add_argument("--big-mb", type=float, metavar="MB",
                   help="write one big FeatureCollection of about MB megabytes to OUT instead")
    args = p.parse_args(argv)

    if args.big_mb:
        path = big_file(args.out, args.big_mb, args.seed, args.factions, args.vertices,
                        args.start)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
        return 0

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"synthetic: {done}/{total} days", file=sys.stderr, flush=True)

    if args.days < 1 or args.factions < 1 or args.vertices < 100:
        p.error("--days and --factions must be at least 1, --vertices at least 100")
    try:
        dt.date.fromisoformat(args.start)
    except ValueError:
        p.error(f"--start {args.start!r} is not a date (YYYY-MM-DD)")
    files = generate(args.out, args.days, args.seed, args.factions, args.vertices,
                     args.start, args.layout, progress=progress)
    print(f"wrote {len(files)} files into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
