"""Running one entry of a build (in this process or a worker): its outputs as bytes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import FrontmapError
from ..render.formats import render_rows, to_json
from .manifest import Manifest
from .plan import READER_KEYS, Entry, catalog_for

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
        elif e.kind == "chart":
            files, headline = _run_chart(manifest, e)
        elif e.kind == "animation":
            files, headline = _run_animation(manifest, e)
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
    chart = bool(e.spec.get("chart", True))
    series, sources = None, None
    if chart:
        try:
            series, sources = _series(manifest, e)
        except FrontmapError:  # bad data on other dates: the entries that read them say so
            chart = False
    drawn = chart and series is not None and len(series.dates) >= 3
    prov = _provenance(manifest, e, layers, sources if drawn else None, [a, b])
    made = compare_outputs(
        layers, d, png=bool(e.spec.get("png")), chart=chart, series=series, thumbnail=True,
        provenance=prov, **o,
    )
    files = {
        f"{e.id}.html": made.page.encode("utf-8"),
        f"{e.id}.diff.json": render_diff(
            d, "json", provenance=_provenance(manifest, e, layers, None, [a, b], basemap=False)
        ).encode("utf-8"),
        f"{e.id}.diff.csv": render_diff(d, "csv").encode("utf-8"),
    }
    if made.thumbnail is not None:
        files[f"{e.id}.thumb.png"] = made.thumbnail
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
        "thumbnail": made.thumbnail is not None,
        "mode": o["mode"],
        "provenance": prov,
    }
    return files, headline


def _provenance(manifest: Manifest, e: Entry, layers, chart_sources, dates, basemap=True):
    """What a map's outputs were made from: the files of its two dates (of every date,
    when its page draws the chart of them: ``chart_sources``), and the basemap."""
    from dataclasses import replace

    from ..read.provenance import input_file
    from ..render.provenance import provenance

    inputs = layers.inputs
    sources = layers.sources(dates)
    if chart_sources:
        more = catalog_for(manifest, e.spec).inputs(chart_sources)
        inputs = replace(inputs, files={**more.files, **inputs.files})
        sources = sorted(set(sources) | set(chart_sources))
    spec = e.spec.get("basemap") or "bundled"
    if not basemap:
        base = None
    elif spec in ("bundled", "none", "tiles"):
        base = spec
    else:
        base = input_file(manifest.resolve(spec), layers.folder)
    return provenance(inputs, sources, base)


#: area series already computed in this process, by reader settings and file stamps
_SERIES: dict[tuple, tuple] = {}


def _series(manifest: Manifest, e: Entry, events: bool = True):
    """The area series of every date of an entry's layers (streamed; one per process
    and set of files, so the maps of a build share it), and the files that gave it."""
    from ..analysis.series import area_series

    catalog = catalog_for(manifest, e.spec)
    stamps = []
    for src in catalog.sources:
        try:
            st = src.path.stat()
            stamps.append((str(src.path), st.st_size, st.st_mtime_ns))
        except OSError:
            stamps.append((str(src.path), -1, -1))
    key = (
        tuple(str(e.spec.get(k)) for k in READER_KEYS),
        float(e.spec["min_part_km2"]),
        events,
        tuple(stamps),
    )
    if key not in _SERIES:
        if len(_SERIES) > 8:
            _SERIES.clear()
        sources: set[str] = set()

        def snaps():
            for snap in _checked(catalog):
                sources.update(snap.sources)
                yield snap

        s = area_series(snaps(), float(e.spec["min_part_km2"]), events=events)
        _SERIES[key] = (s.ordered(catalog.factions.order(s.factions)), sorted(sources))
    return _SERIES[key]


def _checked(catalog):
    """Snapshots one date at a time; bad data stops the entry (FrontmapError)."""
    for snap in catalog.iter_snapshots():
        _raise_errors(catalog.report)
        yield snap
    _raise_errors(catalog.report)


def _raise_errors(report) -> None:
    errors = report.all_errors
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FrontmapError(f"bad data: {errors[0]}{more}; run 'frontmap check'")


def _in_range(snaps, spec: dict):
    from ..read.model import parse_date

    lo = parse_date(spec["from"]) if spec.get("from") not in (None, "first") else None
    hi = parse_date(spec["to"]) if spec.get("to") not in (None, "last") else None
    for snap in snaps:
        if (lo is None or snap.date >= lo) and (hi is None or snap.date <= hi):
            yield snap


def _run_chart(manifest: Manifest, e: Entry):
    from ..analysis.series import area_series
    from ..render.chart import render_chart

    catalog = catalog_for(manifest, e.spec)
    s = area_series(_in_range(_checked(catalog), e.spec), float(e.spec["min_part_km2"]))
    if not s.dates:
        raise FrontmapError("no snapshot between from and to")
    s = s.ordered(catalog.factions.order(s.factions))
    only = e.spec.get("only")
    if isinstance(only, str):
        only = [w.strip() for w in only.split(",") if w.strip()]
    width = int(e.spec.get("width", 1200))
    files = {}
    for out in e.outputs:
        fmt = out.rsplit(".", 1)[1]
        files[out] = render_chart(
            s, catalog.factions, fmt=fmt, factions=only, relative=bool(e.spec.get("relative")),
            title=e.spec.get("title"), credit=e.spec.get("credit"), source=e.spec.get("source"),
            width_px=width, height_px=round(width * 9 / 16),
        )
    headline = {
        "kind": "chart",
        "title": e.spec.get("title"),
        "from": s.dates[0].isoformat(),
        "to": s.dates[-1].isoformat(),
        "dates": len(s.dates),
        "formats": [o.rsplit(".", 1)[1] for o in e.outputs],
    }
    return files, headline


def _run_animation(manifest: Manifest, e: Entry):
    import tempfile
    from pathlib import Path

    from ..render.animate import animation_data, animation_page, write_video

    o = _render_options(manifest, e)
    fps = float(e.spec.get("fps", 4.0))
    catalog = catalog_for(manifest, e.spec)
    min_part = float(e.spec["min_part_km2"])
    files: dict[str, bytes] = {}
    dates: list = []
    for out in e.outputs:
        fmt = out.rsplit(".", 1)[1]
        snaps = _in_range(_checked(catalog_for(manifest, e.spec)), e.spec)
        if fmt == "html":
            data = animation_data(snaps, catalog.factions, min_part_km2=min_part)
            dates = data.series.dates
            page = animation_page(
                (), catalog.factions, title=o["title"], credit=o["credit"], fps=fps,
                basemap=o["basemap"], offline=o["offline"], data=data,
            )
            files[out] = page.encode("utf-8")
        else:
            with tempfile.TemporaryDirectory(prefix="frontmap-build-") as tmp:
                path = Path(tmp) / f"animation.{fmt}"
                write_video(
                    snaps, catalog.factions, path, fmt=fmt, fps=fps, title=o["title"],
                    credit=o["credit"],
                    basemap="none" if o["basemap"] in ("none", "tiles") else o["basemap"],
                    min_part_km2=min_part,
                )
                files[out] = path.read_bytes()
    headline = {
        "kind": "animation",
        "title": e.spec.get("title"),
        "dates": len(dates),
        "from": dates[0].isoformat() if dates else None,
        "to": dates[-1].isoformat() if dates else None,
        "formats": [o.rsplit(".", 1)[1] for o in e.outputs],
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
        "highlights": int(e.spec.get("highlights", 2)),
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

