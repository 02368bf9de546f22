"""Running one entry of a build (in this process or a worker): its outputs as bytes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import FrontmapError
from ..render.formats import render_rows, to_json
from .manifest import Manifest
from .plan import Entry, catalog_for

__all__ = ["EntryResult", "run_entry"]

@dataclass
class EntryResult:
    id: str
    files: dict[str, bytes] = field(default_factory=dict)
    headline: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def run_entry(manifest: Manifest, e: Entry) -> EntryResult:
    """Compute one entry's outputs (bytes, not yet written). Never raises for bad data."""
    t0 = time.perf_counter()
    try:
        if e.kind == "map":
            files, headline = _run_map(manifest, e)
        else:
            files, headline = _run_table(manifest, e)
        return EntryResult(e.id, files, headline, seconds=time.perf_counter() - t0)
    except FrontmapError as exc:
        return EntryResult(e.id, error=str(exc), seconds=time.perf_counter() - t0)


def _read(manifest: Manifest, e: Entry, dates=None):
    catalog = catalog_for(manifest, e.spec)
    layers = catalog.read(dates=dates)
    errors = layers.report.all_errors
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FrontmapError(f"bad data: {errors[0]}{more}; run 'frontmap check'")
    return layers


def _run_map(manifest: Manifest, e: Entry):
    from ..analysis.change import diff_dates
    from ..analysis.summary import summarize
    from ..render import compare_outputs
    from ..render.diff_text import render_diff

    a, b = e.dates
    layers = _read(manifest, e, dates=[a, b])
    d = diff_dates(
        layers,
        a,
        b,
        min_part_km2=float(e.spec["min_part_km2"]),
        link_km=float(e.spec["link_km"]),
        near_km=float(e.spec["near_km"]),
        min_story_km2=e.spec.get("min_story_km2"),
    )
    o = _render_options(manifest, e)
    made = compare_outputs(layers, d, png=bool(e.spec.get("png")), **o)
    files = {
        f"{e.id}.html": made.page.encode("utf-8"),
        f"{e.id}.diff.json": to_json(d.as_dict()).encode("utf-8"),
        f"{e.id}.diff.csv": render_diff(d, "csv").encode("utf-8"),
    }
    if made.png is not None:
        files[f"{e.id}.png"] = made.png
    headline = {
        "kind": "map",
        "title": made.title,
        "from": a.isoformat(),
        "to": b.isoformat(),
        "summary": summarize(d),
        "moves": [
            {"from": t.from_holder, "to": t.to_holder, "area_km2": round(t.area_km2, 1)}
            for t in d.transfers[:3]
        ],
        "png": bool(e.spec.get("png")),
        "mode": o["mode"],
    }
    return files, headline


def _render_options(manifest: Manifest, e: Entry) -> dict:
    from ..read import read_outline

    basemap = e.spec.get("basemap") or "bundled"
    if basemap not in ("bundled", "none", "tiles"):
        basemap = read_outline(manifest.resolve(basemap), merge=False)
    return {
        "mode": e.spec.get("mode", "side-by-side"),
        "title": e.spec.get("title"),
        "caption": e.spec.get("caption"),
        "credit": e.spec.get("credit"),
        "focus": e.spec.get("focus"),
        "basemap": basemap,
        "offline": bool(e.spec.get("offline", True)),
    }


def _run_table(manifest: Manifest, e: Entry):
    kind, fmt = e.spec["kind"], e.spec.get("format", "csv")
    min_part = float(e.spec["min_part_km2"])
    if kind == "areas":
        from ..analysis.measure import areas

        layers = _read(manifest, e)
        rows = [r.as_dict() for r in areas(layers.snapshots.values(), min_part)]
        text = render_rows(rows, ["date", "faction", "area_km2", "parts"], fmt)
    elif kind == "timeline":
        from ..analysis.timeline import COLUMNS, timeline

        layers = _read(manifest, e)
        order = layers.factions.order({f for s in layers.snapshots.values() for f in s.territories})
        rows = [r.as_dict() for r in timeline(layers.snapshots.values(), min_part, order)]
        text = render_rows(rows, COLUMNS, fmt)
    else:
        from ..analysis.topology import SPLIT_COLUMNS, split_rows, splits

        (date,) = e.dates
        layers = _read(manifest, e, dates=[date])
        snap = layers.snapshot(date)
        found = splits(
            snap,
            layers.places,
            min_part,
            float(e.spec["link_km"]),
            layers.factions.order(snap.territories),
        )
        if fmt == "json":
            text = to_json([f.as_dict() for f in found])
        else:
            text = render_rows(split_rows(found), SPLIT_COLUMNS, fmt)
    return {e.outputs[0]: text.encode("utf-8")}, {"kind": "table", "table": kind, "format": fmt}

