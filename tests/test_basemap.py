"""The bundled basemap (Natural Earth via world-atlas): its data, clipping, labels, scale.

The data file is decoded here a second time with a few lines of TopoJSON
decoding of the test's own, and areas are measured with pyproj.Geod in the
test, so the module's numbers are checked against an independent reading.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import math

import numpy as np
import pytest
import shapely

from frontmap.errors import ArgumentError
from frontmap.render.basemap import (
    MARGIN,
    NARROW_DEG,
    SCALES,
    Basemap,
    CountryLabel,
    bundled_basemap,
    choose_scale,
)

from .conftest import GEOD, ROOT

DATA = ROOT / "frontmap" / "render" / "basemap"
SYRIA = (35.5, 32.0, 42.5, 37.5)
UKRAINE = (22.0, 44.0, 40.5, 52.5)


@functools.cache
def _topo(scale: str) -> dict:
    return json.loads(gzip.decompress((DATA / f"ne_{scale}.json.gz").read_bytes()))


@functools.cache
def _arcs(scale: str) -> list:
    doc = _topo(scale)
    (sx, sy), (tx, ty) = doc["transform"]["scale"], doc["transform"]["translate"]
    arcs = []
    for arc in doc["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def _decoded_rings(scale: str, name: str) -> list[list[list[tuple[float, float]]]]:
    """A country's polygons (rings of lon/lat), decoded independently of frontmap."""
    doc, arcs = _topo(scale), _arcs(scale)
    (country,) = [c for c in doc["countries"] if c["name"] == name]
    polys = []
    for poly in country["polygons"]:
        rings = []
        for ring in poly:
            pts: list = []
            for i in ring:
                a = arcs[i] if i >= 0 else arcs[~i][::-1]
                pts.extend(a if not pts else a[1:])
            rings.append(pts)
        polys.append(rings)
    return polys


def _geod_km2(polys) -> float:
    total = 0.0
    for rings in polys:
        for k, ring in enumerate(rings):
            a, _ = GEOD.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
            total += abs(a) / 1e6 * (1 if k == 0 else -1)
    return total


# ---------------------------------------------------------------------------
# the data


def test_data_is_small_and_credited():
    files = sorted(DATA.glob("ne_*.json.gz"))
    assert [f.name for f in files] == ["ne_110m.json.gz", "ne_50m.json.gz"]
    assert sum(f.stat().st_size for f in files) < 1_000_000
    for scale in SCALES:
        doc = _topo(scale)
        assert doc["scale"] == scale
        assert "Natural Earth" in doc["source"] and "world-atlas" in doc["source"]
    notes = (DATA / "README.md").read_text(encoding="utf-8")
    assert "public domain" in notes and "ISC" in notes and "_source/convert.py" in notes


def test_packaged_as_data():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"render/basemap/*.json.gz"' in text


@pytest.mark.parametrize(
    "scale, name, published_km2",
    # published total areas (CIA World Factbook); Natural Earth's generalised coasts and
    # borders keep within 1 % at 1:50m and 2.5 % at 1:110m (Turkey: +1.9 %); small
    # countries differ more (Lebanon at 1:50m: -3.8 %) and are left out
    [("110m", "Ukraine", 603_550), ("50m", "Ukraine", 603_550), ("50m", "Syria", 185_180),
     ("50m", "Iraq", 438_317), ("110m", "Turkey", 783_562), ("50m", "Turkey", 783_562)],
)
def test_country_areas_against_geod_and_published(scale, name, published_km2):
    ref = _geod_km2(_decoded_rings(scale, name))
    assert ref == pytest.approx(published_km2, rel=0.01 if scale == "50m" else 0.025)
    # the module's label area for a box around the whole country is the same ground
    polys = _decoded_rings(scale, name)
    xs = [p[0] for rings in polys for p in rings[0]]
    ys = [p[1] for rings in polys for p in rings[0]]
    box = (min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1)
    (label,) = [c for c in bundled_basemap(box, scale).countries if c.name == name]
    assert label.area_km2 == pytest.approx(ref, rel=1e-4)


def test_crimea_is_drawn_in_ukraine():
    for scale in SCALES:
        polys = _decoded_rings(scale, "Ukraine")
        simferopol = shapely.Point(34.10, 44.95)
        assert any(shapely.Polygon(r[0], r[1:]).contains(simferopol) for r in polys), scale
        bm = bundled_basemap((30.0, 43.5, 41.0, 50.0), scale)
        # no national border across the Perekop isthmus (33.7E 46.1N)...
        assert bm.borders.intersection(shapely.box(33.2, 45.7, 34.6, 46.4)).is_empty, scale
        # ...but the Russia-Ukraine border is there (it crosses 49N near 40E)
        assert not bm.borders.intersection(shapely.box(38.0, 48.5, 41.0, 50.0)).is_empty


def test_the_converter_keeps_shared_arcs_as_borders_and_moves_crimea():
    spec = importlib.util.spec_from_file_location(
        "convert", DATA / "_source" / "convert.py"
    )
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    # arcs (delta-encoded, unit transform): 0 = the Russia-Ukraine border (x = 10),
    # 1 = Ukraine's outer edge, 2 = Russia's outer edge, 3 = "Crimea" (a square holding
    # 34.1E 44.95N, drawn in Russia), 4 = an island of Ukraine's
    arcs = [
        [[10, 0], [0, 10]],
        [[10, 10], [-10, 0], [0, -10], [10, 0]],
        [[10, 0], [10, 0], [0, 10], [-10, 0]],
        [[34, 44], [1, 0], [0, 1], [-1, 0], [0, -1]],
        [[0, 20], [1, 0], [0, 1], [-1, -1]],
    ]
    topo = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": arcs,
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": [
                {"type": "MultiPolygon", "arcs": [[[0, 1]], [[4]]], "id": "804",
                 "properties": {"name": "Ukraine"}},
                {"type": "MultiPolygon", "arcs": [[[~0, 2]], [[3]]], "id": "643",
                 "properties": {"name": "Russia"}},
            ]},
            "land": {"type": "GeometryCollection", "geometries": [
                {"type": "MultiPolygon", "arcs": [[[1, 2]], [[3]], [[4]]]},
            ]},
        },
    }
    doc = convert.convert(topo, "test")
    assert doc["borders"] == [0]
    assert doc["coast"] == [1, 2, 3, 4]
    countries = {c["name"]: c["polygons"] for c in doc["countries"]}
    assert countries["Ukraine"] == [[[0, 1]], [[4]], [[3]]]
    assert countries["Russia"] == [[[~0, 2]]]
    assert doc["changes"] == ["Crimea drawn in Ukraine"]


# ---------------------------------------------------------------------------
# the module


def test_scale_follows_the_view():
    assert choose_scale(SYRIA) == "50m"
    assert choose_scale((30, 20, 30 + NARROW_DEG + 0.1, 30)) == "110m"
    assert choose_scale((30, 20, 40, 20 + NARROW_DEG + 0.1)) == "110m"
    assert bundled_basemap(SYRIA).scale == "50m"
    assert bundled_basemap(UKRAINE).scale == "110m"
    assert bundled_basemap(SYRIA, "110m").scale == "110m"


def test_clipped_with_a_margin():
    bm = bundled_basemap(SYRIA)
    assert isinstance(bm, Basemap)
    assert bm.land.geom_type == "MultiPolygon" and bm.land.is_valid
    assert bm.borders.geom_type == "MultiLineString"
    assert bm.coast.geom_type == "MultiLineString"
    w, s, e, n = SYRIA
    dx, dy = (e - w) * MARGIN, (n - s) * MARGIN
    assert bm.clip == pytest.approx((w - dx, s - dy, e + dx, n + dy))
    half = bundled_basemap(SYRIA, margin=0.5)
    assert half.clip == pytest.approx((w - 3.5, s - 2.75, e + 3.5, n + 2.75))
    for g in (bm.land, bm.borders, bm.coast):
        x0, y0, x1, y1 = g.bounds
        assert x0 >= bm.clip[0] - 1e-9 and x1 <= bm.clip[2] + 1e-9
        assert y0 >= bm.clip[1] - 1e-9 and y1 <= bm.clip[3] + 1e-9
    tight = bundled_basemap(SYRIA, margin=0)
    assert tight.clip == SYRIA
    assert tight.land.bounds[2] <= e + 1e-9


def test_land_sea_borders_and_coast_where_they_are():
    bm = bundled_basemap(SYRIA)
    # Damascus and Mosul are on land, the sea off Latakia and Cyprus's south coast is not
    for lon, lat in ((36.29, 33.51), (43.13, 36.34), (38.0, 35.0)):
        assert bm.land.contains(shapely.Point(lon, lat)), (lon, lat)
    for lon, lat in ((35.3, 35.0), (33.0, 34.3)):
        assert not bm.land.contains(shapely.Point(lon, lat)), (lon, lat)
    # the Syria-Turkey border crosses 37E between 36.5N and 37N; the coast is near Latakia
    assert bm.borders.intersects(shapely.LineString([(37.0, 36.5), (37.0, 37.0)]))
    assert bm.coast.distance(shapely.Point(35.78, 35.52)) < 0.1
    # borders are not coasts: they share no length with the coastline
    assert bm.borders.intersection(bm.coast.buffer(1e-7)).length < 1e-3
    assert bm.borders.distance(shapely.Point(34.5, 34.0)) > 0.5  # out at sea


def test_country_labels():
    bm = bundled_basemap(SYRIA)
    names = [c.name for c in bm.countries]
    assert names[:3] == ["Syria", "Iraq", "Turkey"]  # largest visible part first
    assert {"Jordan", "Lebanon"} <= set(names)
    syria = bm.countries[0]
    assert isinstance(syria, CountryLabel) and len(syria) == 4
    w, s, e, n = SYRIA
    for c in bm.countries:
        assert w <= c.lon <= e and s <= c.lat <= n
    assert syria.area_km2 == pytest.approx(_geod_km2(_decoded_rings("50m", "Syria")),
                                           rel=1e-4)
    # the part of Turkey in the view only, measured independently
    turkey = shapely.MultiPolygon(
        [shapely.Polygon(r[0], r[1:]) for r in _decoded_rings("50m", "Turkey")]
    )
    inside = shapely.clip_by_rect(turkey, *SYRIA)
    ref = sum(
        abs(GEOD.polygon_area_perimeter(*np.asarray(p.exterior.coords).T)[0]) / 1e6
        for p in shapely.get_parts(inside)
    )
    (label,) = [c for c in bm.countries if c.name == "Turkey"]
    assert label.area_km2 == pytest.approx(ref, rel=1e-3)
    # a country under the factions' ground gets no label; labels go where they show
    syria_shape = shapely.box(35.6, 32.3, 42.4, 37.3)
    covered = bundled_basemap(SYRIA, avoid=syria_shape)
    assert "Syria" not in [c.name for c in covered.countries]
    for c in covered.countries:
        assert not syria_shape.contains(shapely.Point(c.lon, c.lat)), c
    # label_bounds: the names for a smaller view than the clip
    small = bundled_basemap(UKRAINE, label_bounds=(30.0, 46.0, 36.0, 50.0))
    assert [c.name for c in small.countries] == ["Ukraine"]


def test_antimeridian_and_the_world():
    fiji = bundled_basemap((170.0, -20.0, 180.0, -10.0))
    (label,) = fiji.countries
    assert label.name == "Fiji" and label.area_km2 == pytest.approx(18_274, rel=0.05)
    world = bundled_basemap((-180.0, -90.0, 180.0, 90.0))
    for g in (world.land, world.borders, world.coast):
        x0, _, x1, _ = g.bounds
        assert -180 <= x0 and x1 <= 180
    # no line crosses the map from one edge to the other (an antimeridian jump drawn flat)
    for g in (world.borders, world.coast):
        for part in shapely.get_parts(g):
            xy = shapely.get_coordinates(part)
            assert np.abs(np.diff(xy[:, 0])).max(initial=0) < 180
    # Russia's two sides of the antimeridian, Chukotka included, are land
    assert world.land.contains(shapely.Point(-175.0, 66.0))
    assert world.land.contains(shapely.Point(100.0, 62.0))
    assert not world.land.contains(shapely.Point(-170.0, 0.0))


def test_deterministic_and_cached():
    a, b = bundled_basemap(SYRIA), bundled_basemap(SYRIA)
    assert a == b
    assert a.land.equals_exact(b.land, 0) and a.countries == b.countries


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"bounds": (40, 30, 35, 37)}, "not W, S, E, N"),
        ({"bounds": (0, 0, math.nan, 1)}, "not W, S, E, N"),
        ({"bounds": "Syria"}, "four numbers"),
        ({"bounds": SYRIA, "scale": "10m"}, "scale must be one of 110m, 50m"),
        ({"bounds": SYRIA, "margin": -1}, "margin must be"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        bundled_basemap(**kwargs)
