"""Shared test helpers: hand-made shapes, independent geodesic areas, real data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyproj
import pytest
import shapely
from hypothesis import settings

# CI runs the property tests derandomized (the same examples every run, so a
# failure reproduces); locally they explore. HYPOTHESIS_PROFILE=ci selects it.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FRONTMAP_SHARED_DATA", ROOT.parent / "shared" / "data"))
GEOD = pyproj.Geod(ellps="WGS84")


def plain_km2(geom) -> float:
    """Geodesic km² written independently of frontmap, with pyproj alone: |outer| -
    |holes| per polygon (ST_Area(geography)); anything but polygons counts nothing."""
    total = 0.0
    for p in shapely.get_parts(geom):
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        total += abs(GEOD.polygon_area_perimeter(*p.exterior.xy)[0])
        total -= sum(abs(GEOD.polygon_area_perimeter(*r.xy)[0]) for r in p.interiors)
    return total / 1e6


@pytest.fixture
def shared_data():
    """The real data beside the project; the test is skipped when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED}")
    return SHARED


def ring_km2(ring) -> float:
    """Geodesic area of one ring, computed directly with pyproj (independent of frontmap)."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area) / 1e6


def rect(x0, y0, x1, y1, step=None):
    """A closed lon/lat rectangle ring (counter-clockwise), optionally with extra
    vertices every ``step`` degrees along its edges."""
    if step is None:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    pts = []

    def seg(a, b):
        n = max(1, round(max(abs(b[0] - a[0]), abs(b[1] - a[1])) / step))
        for i in range(n):
            t = i / n
            pts.append([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t])

    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    for a, b in zip(corners[:-1], corners[1:], strict=True):
        seg(a, b)
    pts.append([x0, y0])
    return pts


def feature(rings_or_polys, multi=False, **props):
    if multi:
        geom = {"type": "MultiPolygon", "coordinates": rings_or_polys}
    else:
        geom = {"type": "Polygon", "coordinates": rings_or_polys}
    return {"type": "Feature", "properties": props, "geometry": geom}


def write_fc(path: Path, features, **extra) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"type": "FeatureCollection", **extra, "features": features}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.fixture(scope="session")
def postgis():
    """A throwaway PostgreSQL + PostGIS cluster (see tests/postgis.py), stopped at
    the end of the session; the test is skipped when PostgreSQL or PostGIS is absent."""
    from .postgis import Unavailable, start

    try:
        pg = start()
    except Unavailable as exc:
        pytest.skip(f"PostGIS oracle unavailable: {exc}")
    try:
        yield pg
    finally:
        pg.stop()


def geodesic_polygon(ring, points_per_edge: int = 2000):
    """A ring as a shapely polygon whose edges follow their geodesics (pyproj.Geod,
    independently of frontmap's densification), for overlays of what frontmap reads."""
    import shapely

    out = []
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        out.append((x1, y1))
        out.extend(GEOD.npts(x1, y1, x2, y2, points_per_edge))
    return shapely.Polygon(out)


def polygon_km2(geom) -> float:
    """Geodesic area of a shapely (multi)polygon, |outer| - |holes|, with pyproj."""
    import shapely

    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            continue
        total += ring_km2(shapely.get_coordinates(part.exterior).tolist())
        total -= sum(ring_km2(shapely.get_coordinates(h).tolist()) for h in part.interiors)
    return total


@pytest.fixture(scope="session")
def ukraine_month(tmp_path_factory):
    """The DeepState archive on 2024-11-01 and 2024-12-01 (symlinked, never copied),
    "Russian-held" plus a rest faction "Ukrainian-held", clipped to the national outline:
    (layers, diff, folder, factions.toml, clip). Read and diffed once per session (about
    30 s); skipped without the shared data."""
    import frontmap

    src = SHARED / "ukraine-occupied-daily"
    clip = SHARED / "boundaries" / "ukraine_national_boundary_2015_stanford.geojson"
    if not (src.is_dir() and clip.is_file()):
        pytest.skip(f"real data not found at {SHARED}")
    root = tmp_path_factory.mktemp("ukraine")
    folder = root / "ukraine-occupied-daily"
    folder.mkdir()
    for day in ("20241101", "20241201"):
        name = f"deepstatemap_data_{day}.geojson"
        (folder / name).symlink_to(src / name)
    toml = root / "factions.toml"
    toml.write_text(
        '[factions.RU]\nname = "Russian-held"\ncolor = "#c0392b"\n'
        'aliases = ["ukraine-occupied-daily"]\n'
        '[factions.UA]\nname = "Ukrainian-held"\ncolor = "#3b7dd8"\nrest = true\n',
        encoding="utf-8",
    )
    layers = frontmap.read_layers(folder, factions_file=toml, clip=clip)
    return layers, frontmap.diff_dates(layers, "2024-11-01", "2024-12-01"), folder, toml, clip


@pytest.fixture(autouse=True)
def every_summary_is_checked(monkeypatch):
    """Every summary the suite drafts is read back and checked against its diff
    (tests/summary_check.py): a wrong number, a percentage beside the wrong
    number, 'near' a far place, fails the test that drafted it."""
    from frontmap.analysis import summary

    from .summary_check import check_summary

    real = summary.summary_sentences

    def checked(d, names=None):
        out = real(d, names)
        import dataclasses

        check_summary(dataclasses.replace(d, names={**d.names, **(names or {})}), out)
        return out

    monkeypatch.setattr(summary, "summary_sentences", checked)
