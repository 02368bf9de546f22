"""The bundled basemap and the scale bar in a real headless browser (Debian's chromium).

Screenshots of the demo and of the Syria sample at 1400 px and 390 px are
written under the tests' temporary folder (their paths are printed with -s).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from frontmap.cli import main

from .conftest import ROOT
from .test_browser import Loaded, _map_point, browser  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser

SEA = (0xCB, 0xDC, 0xE7)  # compare.css .fm-sea
LAND = (0xF4, 0xF2, 0xEE)  # compare.js, the basemap's land

#: the labels a country name must not overlap, and the shapes it must not sit under
_LAYOUT = """(id) => {
  const box = (e) => e.getBoundingClientRect();
  const visible = (e) => getComputedStyle(e).visibility !== 'hidden';
  const map = document.getElementById(id);
  const names = [...map.querySelectorAll('.fm-country-label')].filter(visible);
  const others = [...map.querySelectorAll('.fm-place-label, .fm-event-label')].filter(visible);
  const m = box(map);
  const overlap = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom &&
    a.bottom > b.top;
  const out = {names: names.map(e => e.textContent), overlaps: [], outside: [], covered: []};
  for (const n of names) {
    const r = box(n);
    for (const o of others) {
      if (overlap(r, box(o))) out.overlaps.push([n.textContent, o.textContent]);
    }
    if (r.left < m.left || r.right > m.right || r.top < m.top || r.bottom > m.bottom)
      out.outside.push(n.textContent);
    const under = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const ground = ['faction', 'contested', 'unassigned'];
    if (under.some(e => ground.includes(e.dataset && e.dataset.kind)))
      out.covered.push(n.textContent);
  }
  const pane = map.querySelector('.leaflet-basemap-pane');
  out.paneZ = pane ? Number(getComputedStyle(pane).zIndex) : null;
  out.overlayZ = Number(getComputedStyle(map.querySelector('.leaflet-overlay-pane')).zIndex);
  out.paths = map.querySelectorAll('.leaflet-basemap-pane path').length;
  out.kinds = [...map.querySelectorAll('.leaflet-basemap-pane path')].map(e => e.dataset.kind);
  const scale = map.querySelector('.leaflet-control-scale');
  out.scale = scale ? scale.textContent : null;
  const s = scale ? box(scale) : null;
  out.scaleInside = !!s && s.left >= m.left && s.right <= m.right && s.top >= m.top &&
    s.bottom <= m.bottom;
  return out;
}"""


def _compare(tmp_path, name, *args):
    out = tmp_path / f"{name}.html"
    r = CliRunner().invoke(main, ["compare", *map(str, args), "--offline", "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _check_map(pg, map_id, expect_names):
    lay = pg.evaluate(_LAYOUT, map_id)
    # sea (the background), land, coast and borders, in a pane under the factions
    assert lay["paths"] >= 3 and {"basemap-land", "basemap-coast", "basemap-borders"} <= set(
        lay["kinds"]
    ), lay
    assert lay["paneZ"] is not None and lay["paneZ"] < lay["overlayZ"]
    # a metric scale bar, inside the map
    assert lay["scale"] and lay["scale"].strip().endswith(("km", " m")), lay["scale"]
    assert lay["scaleInside"], map_id
    # country names, where they can be read
    assert set(expect_names) <= set(lay["names"]), lay["names"]
    assert lay["overlaps"] == [] and lay["outside"] == [], lay
    assert lay["covered"] == [], lay
    return lay


def _pixel(img, xy):
    return img.getpixel((round(xy[0]), round(xy[1])))


def _near(rgb, ref, tol=6):
    return all(abs(a - b) <= tol for a, b in zip(rgb, ref, strict=True))


def _check_narrow(pg, ids):
    """At 390 px: the maps stack, and nothing leaves the screen."""
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [pg.locator(f"#{i}").bounding_box() for i in ids]
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert b["y"] >= a["y"] + a["height"]
    cut = pg.evaluate(
        """() => [...document.querySelectorAll(
              'h1, .fm-dek, .fm-panel-head, .fm-map, .fm-legend li, .fm-summary p,'
              + ' .leaflet-control-scale, .leaflet-control-attribution, .fm-foot p')]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 0 && (r.left < -0.5 || r.right > 390.5); })
            .map(e => e.className || e.tagName)"""
    )
    assert cut == []


def test_demo_draws_the_bundled_basemap(browser, tmp_path):  # noqa: F811
    if not (ROOT / "layers" / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    from PIL import Image

    page = _compare(tmp_path, "demo", "2017-01-09", "2017-01-16", ROOT / "layers")
    lp = Loaded(browser, page, width=1400, height=900)
    try:
        assert lp.failed == [] and lp.errors() == [] and lp.dialogs == []
        assert all(u.startswith(("file:", "data:")) for u in lp.requests), lp.requests
        pg = lp.page
        # a scale bar on each map: the overview pair and the two close-up pairs
        assert pg.locator("#fm-map-from .leaflet-control-scale").count() == 1
        assert pg.locator("#fm-map-to .leaflet-control-scale").count() == 1
        assert pg.locator(".fm-map-close .leaflet-control-scale").count() == 4
        for map_id in ("fm-map-from", "fm-map-to"):
            _check_map(pg, map_id, ["Turkey", "Iran"])
        assert "Natural Earth" in pg.locator("#fm-map-to .leaflet-control-attribution").inner_text()
        shot = lp.screenshot(tmp_path / "demo-1400.png")
        img = Image.open(shot).convert("RGB")
        pg.set_viewport_size({"width": 1400, "height": img.size[1]})
        pg.wait_for_timeout(300)
        # the Mediterranean off Latakia is sea, southern Turkey (no faction) is land
        for which in ("from", "to"):
            assert _near(_pixel(img, _map_point(pg, which, 35.0, 35.45)), SEA), which
            assert _near(_pixel(img, _map_point(pg, which, 37.25, 36.0)), LAND), which
    finally:
        lp.close()
    narrow = Loaded(browser, page, width=390, height=800)
    try:
        assert narrow.errors() == []
        _check_narrow(narrow.page, ["fm-map-from", "fm-map-to"])
        for map_id in ("fm-map-from", "fm-map-to"):
            _check_map(narrow.page, map_id, ["Turkey", "Iran"])
        narrow.screenshot(tmp_path / "demo-390.png")
    finally:
        narrow.close()


def test_demo_swipe_has_one_basemap_and_scale(browser, tmp_path):  # noqa: F811
    if not (ROOT / "layers" / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    page = _compare(
        tmp_path, "swipe", "2017-01-09", "2017-01-16", ROOT / "layers", "--mode", "swipe"
    )
    lp = Loaded(browser, page, width=1400, height=900)
    try:
        assert lp.errors() == [] and lp.failed == []
        pg = lp.page
        assert pg.locator("#fm-map-swipe .leaflet-basemap-pane").count() == 1
        assert pg.locator("#fm-map-swipe .leaflet-control-scale").count() == 1
        _check_map(pg, "fm-map-swipe", ["Turkey", "Iran"])
    finally:
        lp.close()


@pytest.mark.slow
def test_syria_sample_against_its_neighbours(browser, shared_data, tmp_path):  # noqa: F811
    src = shared_data / "syria-control-2024-12"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    page = _compare(tmp_path, "syria", "2024-12-03", "2024-12-05", src, "--faction-field", "layer")
    assert page.stat().st_size < 1_000_000
    for width in (1400, 390):
        lp = Loaded(browser, page, width=width, height=900)
        try:
            assert lp.failed == [] and lp.errors() == []
            assert all(u.startswith(("file:", "data:")) for u in lp.requests)
            pg = lp.page
            if width == 390:
                _check_narrow(pg, ["fm-map-from", "fm-map-to"])
            for map_id in ("fm-map-from", "fm-map-to"):
                _check_map(pg, map_id, ["Turkey", "Iraq", "Jordan"])
            lp.screenshot(tmp_path / f"syria-{width}.png")
        finally:
            lp.close()
