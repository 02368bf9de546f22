"""The bundled basemap and the scale bar on the compare page and in the PNG (no browser:
the page is driven in a real browser in test_browser.py)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
import shapely

import frontmap
from frontmap.errors import ArgumentError
from frontmap.render import build_scene, compare_page, compare_png
from frontmap.render.static_png import scale_bar_length

from .conftest import GEOD, ROOT, feature, write_fc
from .test_compare import D1, D2, _diff, make_layers, run

SEA = (0xCB, 0xDC, 0xE7)  # the PNG's sea (static_png._SEA, compare.css .fm-sea)


def _data(path) -> dict:
    html = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="fm-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture
def layers_dir(tmp_path):
    return make_layers(tmp_path / "layers")


def test_page_data_for_each_basemap(layers_dir, tmp_path):
    square = [[35, 33], [39, 33], [39, 37], [35, 37], [35, 33]]
    outline = write_fc(tmp_path / "outline.geojson", [feature([square])])
    pages = {}
    for name, extra in (
        ("default", []),
        ("bundled", ["--basemap", "bundled", "--offline"]),
        ("none", ["--basemap", "none", "--offline"]),
        ("tiles", ["--basemap", "tiles"]),
        ("file", ["--basemap", str(outline), "--offline"]),
    ):
        out = tmp_path / f"{name}.html"
        r = run("compare", layers_dir, "-o", out, *extra)
        assert r.exit_code == 0, r.output
        pages[name] = _data(out)
    assert pages["default"] == pages["bundled"]
    bundled = pages["bundled"]["bundled"]
    assert bundled["scale"] == "50m"  # the fixture's view is 2 degrees wide
    assert bundled["land"]["type"] == "MultiPolygon"
    assert bundled["coast"]["type"] == "MultiLineString"  # the Levant coast, west of 36E
    assert bundled["borders"]["type"] == "MultiLineString"  # Syria-Lebanon, Syria-Turkey
    land = shapely.geometry.shape(bundled["land"])
    assert land.contains(shapely.Point(37.0, 35.0)) and not land.contains(shapely.Point(35.3, 35.0))
    assert pages["bundled"]["basemap"] is None and pages["bundled"]["tiles"] is None
    assert pages["none"]["bundled"] is None and pages["none"]["basemap"] is None
    assert pages["tiles"]["bundled"] is None and pages["tiles"]["tiles"]["url"].startswith("https")
    assert pages["file"]["bundled"] is None and pages["file"]["basemap"]["type"] == "MultiPolygon"


def test_library_default_and_bad_values(layers_dir):
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    assert build_scene(layers, d).bundled is None  # the scene draws what it is asked to
    sc = build_scene(layers, d, basemap="bundled")
    assert sc.bundled is not None and sc.bundled.scale == "50m"
    assert '"bundled":{"scale":"50m"' in compare_page(layers, d)  # the page's default
    assert '"bundled":null' in compare_page(layers, d, basemap=None)
    with pytest.raises(ArgumentError, match="'bundled', 'tiles', 'none' or a geometry"):
        compare_page(layers, d, basemap="osm")
    with pytest.raises(ArgumentError, match="'bundled', 'tiles', 'none' or a geometry"):
        compare_png(layers, d, basemap="osm")
    with pytest.raises(ArgumentError, match="'bundled', 'none' or a geometry"):
        build_scene(layers, d, basemap="tiles")


def test_demo_country_names_where_they_show(tmp_path):
    if not (ROOT / "layers" / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    out = tmp_path / "demo.html"
    r = run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline", "-o", out)
    assert r.exit_code == 0, r.output
    data = _data(out)
    names = [c["name"] for c in data["bundled"]["countries"]]
    assert {"Turkey", "Iran"} <= set(names)
    ground = shapely.union_all(
        [shapely.geometry.shape(f["g"]) for f in data["from"] + data["to"]]
    )
    w, s, e, n = data["view"]
    for c in data["bundled"]["countries"]:
        lon, lat = c["at"]
        assert w <= lon <= e and s <= lat <= n, c
        assert not ground.contains(shapely.Point(lon, lat)), c


def _sea_pixels(png: bytes) -> int:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(n for n, c in img.getcolors(maxcolors=1 << 22) if c == SEA)


def test_png_draws_the_basemap(layers_dir):
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    bundled = compare_png(layers, d, title="A", width_px=1200)
    assert _sea_pixels(bundled) > 250  # the Mediterranean, a strip west of the fixture
    assert _sea_pixels(compare_png(layers, d, title="A", width_px=1200, basemap="none")) == 0
    # tiles are for the page: the image draws the bundled basemap instead
    assert compare_png(layers, d, title="A", width_px=1200, basemap="tiles") == bundled


@pytest.mark.parametrize(
    "west, east, lat",
    [(35.5, 42.5, 35.0), (22.0, 40.5, 48.0), (36.0, 36.2, 34.0), (-170.0, 170.0, 0.0),
     (10.0, 10.01, 69.0)],
)
def test_scale_bar_is_round_and_geodesic(west, east, lat):
    km, deg = scale_bar_length(west, east, lat)
    mantissa = km / 10 ** np.floor(np.log10(km))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    # the bar's length along the parallel, measured in the test: many short geodesics
    lons = np.linspace(west, west + deg, 201)
    measured = GEOD.line_length(lons, np.full_like(lons, lat)) / 1000
    assert measured == pytest.approx(km, rel=1e-4)
    # at most a fifth of the map's width, and more than a fifth of a fifth
    lons = np.linspace(west, east, 2001)
    width = GEOD.line_length(lons, np.full_like(lons, lat)) / 1000
    assert width / 12.5 < km <= width / 5 * (1 + 1e-6)


@pytest.mark.slow
def test_syria_page_names_its_neighbours(shared_data, tmp_path):
    src = shared_data / "syria-control-2024-12"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    out = tmp_path / "syria.html"
    png = tmp_path / "syria.png"
    r = run("compare", src, "--faction-field", "layer", "--offline", "-o", out, "--png", png)
    assert r.exit_code == 0, r.output
    assert out.stat().st_size < 1_000_000
    data = _data(out)
    assert data["bundled"]["scale"] == "50m"
    names = [c["name"] for c in data["bundled"]["countries"]]
    assert {"Turkey", "Iraq", "Jordan", "Lebanon"} <= set(names)
    assert _sea_pixels(png.read_bytes()) > 10_000
