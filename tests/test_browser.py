"""The compare page in a real headless browser (Debian's chromium, driven by Playwright).

The browser is launched once for the module. Screenshots of each mode are
written under the tests' temporary folder (their paths are printed with -s).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from frontmap.cli import main

from .conftest import ROOT
from .test_compare import D1, D2, EVIL_IMG, EVIL_SCRIPT, EVIL_TPL, evil_args, make_layers

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--no-first-run"]
TITLE = f"Title {EVIL_IMG} {EVIL_TPL}"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("FRONTMAP_SKIP_BROWSER") == "1":
            pytest.skip("FRONTMAP_SKIP_BROWSER=1 and no /usr/bin/chromium")
        pytest.fail(
            "the browser tests need Debian's chromium at /usr/bin/chromium: install it "
            "with 'sudo apt-get install chromium' (or 'make browser'), or set "
            "FRONTMAP_SKIP_BROWSER=1 to skip them",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Both modes of the hand-made fixture (with injection payloads everywhere)."""
    root = tmp_path_factory.mktemp("compare")
    layers = make_layers(root / "layers")
    out = {}
    for mode in ("side-by-side", "swipe"):
        path = root / f"{mode}.html"
        r = CliRunner().invoke(main, evil_args(layers, path, "--mode", mode))
        assert r.exit_code == 0, r.output
        out[mode] = path
    out["root"] = root
    return out


class Loaded:
    """A page opened from disk, with everything it requested or complained about."""

    def __init__(self, browser, path: Path, width=1280, height=900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests, self.failed, self.console, self.dialogs = [], [], [], []
        pg = self.page
        pg.on("request", lambda r: self.requests.append(r.url))
        pg.on("requestfailed", lambda r: self.failed.append(r.url))
        pg.on("console", lambda m: self.console.append((m.type, m.text)))
        pg.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        pg.on("dialog", on_dialog)
        pg.goto(path.as_uri())
        pg.wait_for_selector("html[data-fm-ready]", timeout=10_000)
        pg.wait_for_timeout(150)

    def screenshot(self, path: Path) -> Path:
        """The whole page, with the viewport made as tall as the page first (a
        full-page capture resizes the viewport as it shoots)."""
        pg = self.page
        size = pg.viewport_size
        height = pg.evaluate("document.documentElement.scrollHeight")
        pg.set_viewport_size({"width": size["width"], "height": height})
        pg.wait_for_timeout(300)
        pg.screenshot(path=str(path))
        pg.set_viewport_size(size)
        pg.wait_for_timeout(100)
        print(f"screenshot: {path}")
        return path

    def errors(self):
        return [c for c in self.console if c[0] in ("error", "pageerror")]

    def close(self):
        self.page.close()


@pytest.fixture
def opened(browser):
    pages_ = []

    def open_(path, **kw):
        lp = Loaded(browser, path, **kw)
        pages_.append(lp)
        return lp

    yield open_
    for lp in pages_:
        lp.close()


def _map_point(page, which, lat, lon):
    """Page coordinates of a lon/lat on one of the maps."""
    return page.evaluate(
        """([which, lat, lon]) => {
            const m = window.frontmap[which];
            const p = m.latLngToContainerPoint([lat, lon]);
            const r = m.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [which, lat, lon],
    )


# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["side-by-side", "swipe"])
def test_loads_offline(opened, pages, mode):
    lp = opened(pages[mode])
    assert lp.failed == []
    assert lp.requests and all(u.startswith(("file:", "data:")) for u in lp.requests), lp.requests
    assert lp.errors() == []
    assert lp.dialogs == []
    shot = lp.screenshot(pages["root"] / f"shot-{mode}.png")
    assert shot.stat().st_size > 10_000


def test_faction_shapes(opened, pages):
    pg = opened(pages["side-by-side"]).page

    def count(sel):
        return pg.locator(sel).count()

    assert count("#fm-map-from path[data-kind=faction]") == 3
    assert count("#fm-map-to path[data-kind=faction]") == 3
    for holder in ("RED", EVIL_IMG, EVIL_TPL):
        sel = f'#fm-map-to path[data-kind=faction][data-holder="{holder}"]'
        assert pg.locator(sel).count() == 1, holder
    # changed ground on the TO map only: IMG -> RED and TPL -> RED (the corridor)
    assert count("#fm-map-to path[data-kind=changed]") == 2
    assert count("#fm-map-from path[data-kind=changed]") == 0
    assert count("#fm-map-to path[data-kind=event][data-event=split]") == 1
    assert count("#fm-map-from path[data-kind=front]") == 1
    # the legend lists the three factions by name
    legend = pg.locator(".fm-legend").inner_text()
    assert "Red Army" in legend and EVIL_IMG in legend and EVIL_TPL in legend


def test_pan_and_zoom_in_step(opened, pages):
    pg = opened(pages["side-by-side"]).page

    def views():
        """Both maps' centres (lat, lon), zooms, and how many pixels apart the centres are."""
        return pg.evaluate(
            """() => {
                const a = window.frontmap.from, b = window.frontmap.to;
                const pa = a.project(a.getCenter(), a.getZoom());
                const pb = a.project(b.getCenter(), a.getZoom());
                return {a: [a.getCenter().lat, a.getCenter().lng], za: a.getZoom(),
                        zb: b.getZoom(), px: Math.hypot(pa.x - pb.x, pa.y - pb.y)};
            }"""
        )

    before = views()
    assert before["px"] < 1 and before["za"] == before["zb"]
    # a real mouse drag on the FROM map (then let the inertia run out)
    x, y = _map_point(pg, "from", 35.0, 37.0)
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x - 60, y + 40, steps=6)
    pg.mouse.move(x - 120, y + 80, steps=6)
    pg.mouse.up()
    pg.wait_for_timeout(700)
    after = views()
    assert abs(after["a"][1] - before["a"][1]) > 0.05  # the FROM map moved...
    assert after["px"] < 1  # ...and the TO map with it, to the pixel
    # zoom and pan the TO map by script: the FROM map follows
    pg.evaluate("window.frontmap.to.setZoom(window.frontmap.to.getZoom() + 1, {animate: false})")
    pg.evaluate("window.frontmap.to.panBy([150, -90], {animate: false})")
    pg.wait_for_timeout(100)
    last = views()
    assert last["za"] == last["zb"] == pytest.approx(before["za"] + 1)
    assert last["px"] < 1
    assert abs(last["a"][1] - after["a"][1]) > 0.05


def test_swipe_divider(opened, pages):
    lp = opened(pages["swipe"])
    pg = lp.page
    divider = pg.locator("#fm-divider")
    assert divider.get_attribute("role") == "slider"
    assert divider.get_attribute("aria-valuenow") == "50"

    def date_at(x, y):
        return pg.evaluate(
            """([x, y]) => {
                const e = document.elementFromPoint(x, y);
                return e && e.getAttribute('data-date');
            }""",
            [x, y],
        )

    # a point on RED ground on both dates, left of the divider (which starts in the middle)
    px, py = _map_point(pg, "from", 34.2, 36.3)
    box = pg.locator("#fm-map-swipe").bounding_box()
    assert px < box["x"] + box["width"] / 2
    assert date_at(px, py) == "from"

    # drag the divider with the mouse to the far left: the point now shows TO
    knob = divider.bounding_box()
    kx, ky = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    pg.mouse.move(kx, ky)
    pg.mouse.down()
    pg.mouse.move(kx - 200, ky, steps=5)
    pg.mouse.move(box["x"] + 10, ky, steps=5)
    pg.mouse.up()
    assert date_at(px, py) == "to"
    now = int(divider.get_attribute("aria-valuenow"))
    assert now <= 2
    # dragging the divider did not pan the map
    assert _map_point(pg, "from", 34.2, 36.3) == pytest.approx([px, py], abs=0.5)

    # keyboard: End puts the divider at the right edge (FROM everywhere), arrows step
    divider.focus()
    pg.keyboard.press("End")
    assert divider.get_attribute("aria-valuenow") == "100"
    assert date_at(px, py) == "from"
    pg.keyboard.press("Home")
    assert date_at(px, py) == "to"
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("ArrowRight")
    assert divider.get_attribute("aria-valuenow") == "4"
    pg.keyboard.press("Shift+ArrowRight")
    assert divider.get_attribute("aria-valuenow") == "14"
    pg.keyboard.press("ArrowLeft")
    assert divider.get_attribute("aria-valuenow") == "12"
    # the clip follows a pan: the point under the divider's side keeps its date
    pg.evaluate("window.frontmap.swipe.set(0.5)")
    pg.evaluate("window.frontmap.from.panBy([-40, 0], {animate: false})")
    px2, py2 = _map_point(pg, "from", 34.2, 36.3)
    assert date_at(px2, py2) == ("from" if px2 < box["x"] + box["width"] / 2 else "to")
    assert lp.errors() == []


def _drawn_at_centre(pg, map_id):
    """The data-date of the shape drawn at the centre of a map (None: nothing drawn)."""
    return pg.evaluate(
        """(id) => {
            const r = document.getElementById(id).getBoundingClientRect();
            const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return e && e.getAttribute('data-date');
        }""",
        map_id,
    )


def test_resize_keeps_both_maps_drawn(opened, pages):
    lp = opened(pages["side-by-side"])
    pg = lp.page
    for w, h in ((1280, 1400), (900, 600), (400, 800)):
        pg.set_viewport_size({"width": w, "height": h})
        pg.wait_for_timeout(50)  # less than Leaflet's own 200 ms redraw delay
        for which in ("from", "to"):
            pg.locator(f"#fm-map-{which}").scroll_into_view_if_needed()
            assert _drawn_at_centre(pg, f"fm-map-{which}") == which, (w, h)
    assert lp.errors() == []


def test_full_page_capture_shows_both_maps(opened, pages, tmp_path):
    """A full-page capture resizes the viewport as it shoots: both maps must be drawn
    (without the page's own resize handling the second map is often blank)."""
    from PIL import Image

    for attempt in range(3):
        lp = opened(pages["side-by-side"])
        pg = lp.page
        path = tmp_path / f"full-{attempt}.png"
        pg.screenshot(path=str(path), full_page=True)
        img = Image.open(path).convert("RGB")
        # lay the page out as it was during the capture, then find RED ground (both
        # dates, away from labels) on each map
        pg.set_viewport_size({"width": 1280, "height": img.size[1]})
        pg.wait_for_timeout(300)
        for which in ("from", "to"):
            x, y = _map_point(pg, which, 34.15, 36.2)
            r, g, b = img.getpixel((round(x), round(y)))
            assert r > 150 and g < 110 and b < 100, (attempt, which, (r, g, b))


def test_narrow_screen_stacks_maps(opened, pages):
    lp = opened(pages["side-by-side"], width=400, height=800)
    pg = lp.page
    a = pg.locator("#fm-map-from").bounding_box()
    b = pg.locator("#fm-map-to").bounding_box()
    assert b["y"] >= a["y"] + a["height"]
    assert a["width"] <= 400 and b["width"] <= 400
    # nothing wider than the screen
    assert pg.evaluate("document.documentElement.scrollWidth") <= 400
    lp.screenshot(pages["root"] / "shot-narrow.png")


@pytest.mark.parametrize("mode", ["side-by-side", "swipe"])
def test_injection_inert(opened, pages, mode):
    lp = opened(pages[mode])
    pg = lp.page
    # hover every faction shape so that tooltips open too
    for which in ("from", "to"):
        for lat, lon in ((34.5, 36.5), (34.5, 37.8), (35.5, 36.5)):
            x, y = _map_point(pg, which, lat, lon)
            pg.mouse.move(x, y)
            pg.wait_for_timeout(30)
    pg.wait_for_timeout(200)
    assert lp.dialogs == []
    assert lp.errors() == []
    assert pg.title() == TITLE
    assert pg.locator("h1").inner_text() == TITLE
    assert pg.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    # only our own two scripts, the data block and the provenance record
    assert pg.evaluate("document.scripts.length") == 4
    body = pg.locator("body").inner_text()
    for text in (EVIL_IMG, EVIL_TPL, f"Caption {EVIL_SCRIPT}", f"Credit {EVIL_IMG}"):
        assert text in body, text
    labels = pg.locator(".fm-place-label").all_text_contents()
    assert EVIL_SCRIPT in labels and EVIL_IMG in labels
    assert f"{EVIL_TPL} cut in two" in pg.locator(".fm-event-label").all_inner_texts()


def test_demo_pages(browser, tmp_path):
    if not (ROOT / "layers" / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    for mode in ("side-by-side", "swipe"):
        out = tmp_path / f"demo-{mode}.html"
        r = CliRunner().invoke(
            main,
            ["compare", "2017-01-09", "2017-01-16", str(ROOT / "layers"), "--offline",
             "-o", str(out), "--mode", mode],
        )
        assert r.exit_code == 0, r.output
        lp = Loaded(browser, out)
        try:
            assert lp.failed == [] and lp.errors() == [] and lp.dialogs == []
            pg = lp.page
            if mode == "side-by-side":
                for which in ("from", "to"):
                    n = pg.locator(f"#fm-map-{which} path[data-kind=faction]").count()
                    assert n == 7, (which, n)
                # IS took a corridor at Deir ez-Zour: the split is marked and labelled
                assert pg.locator("#fm-map-to path[data-event=split]").count() == 1
                label = pg.locator("#fm-map-to .fm-event-label").all_inner_texts()
                assert label == ["Syrian government and allies cut in two"]
                changed = pg.locator("#fm-map-to path[data-kind=changed]")
                takers = sorted(changed.evaluate_all("es => es.map(e => e.dataset.holder)"))
                assert takers == ["IQ", "IS", "SDF", "TFSA"]
            else:
                assert pg.locator("#fm-map-swipe path[data-kind=faction]").count() == 14
            lp.screenshot(tmp_path / f"demo-{mode}.png")
        finally:
            lp.close()


def test_fixture_dates_in_headings(opened, pages):
    pg = opened(pages["side-by-side"]).page
    heads = pg.locator(".fm-panel-head h2").all_inner_texts()
    assert heads == ["1 January 2020", "8 January 2020"]
    assert D1 in pg.content() and D2 in pg.content()


def test_swipe_divider_follows_a_finger(browser, pages):
    """A real touch drag (Chromium's touch input, not synthetic pointer events)."""
    ctx = browser.new_context(viewport={"width": 900, "height": 800}, has_touch=True)
    try:
        pg = ctx.new_page()
        pg.goto(pages["swipe"].resolve().as_uri())
        pg.wait_for_function("window.frontmap && window.frontmap.swipe")
        divider = pg.locator("#fm-divider")
        assert divider.get_attribute("aria-valuenow") == "50"
        box = pg.locator("#fm-map-swipe").bounding_box()
        knob = divider.bounding_box()
        x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
        cdp = ctx.new_cdp_session(pg)

        def touch(kind, px=None):
            points = [] if kind == "touchEnd" else [{"x": px, "y": y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", x)
        target = box["x"] + box["width"] * 0.8
        for i in range(1, 9):
            touch("touchMove", x + (target - x) * i / 8)
        touch("touchEnd")
        now = int(divider.get_attribute("aria-valuenow"))
        assert 75 <= now <= 85, now
        # the finger moved the divider, not the page or the map
        assert pg.evaluate("window.scrollX") == 0
    finally:
        ctx.close()


def test_provenance_in_the_page(browser, tmp_path):
    """The footer's "Data:" line shows, and the record is JSON the page's readers can
    take (document.getElementById('frontmap-provenance'))."""
    out = tmp_path / "demo.html"
    r = CliRunner().invoke(
        main, ["compare", "2017-01-09", "2017-01-16", str(ROOT / "layers"), "--offline",
               "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    lp = Loaded(browser, out)
    try:
        pg = lp.page
        line = pg.locator(".fm-provenance")
        assert line.is_visible()
        assert line.inner_text().startswith("Data: 14 files in layers/ (2017-01-09/IQ.geojson")
        record = pg.evaluate(
            "JSON.parse(document.getElementById('frontmap-provenance').textContent)"
        )
        assert record["method"] == "geodesic areas on WGS84, edges as geodesics"
        assert len(record["source"]["files"]) == 14
        assert lp.errors() == [] and lp.failed == []
        lp.screenshot(tmp_path / "demo-foot.png")
    finally:
        lp.close()
