"""The animated map page in a real headless browser (Debian's chromium, Playwright)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from frontmap.cli import main

from .conftest import ROOT
from .test_browser import browser, opened  # noqa: F401,F811 - fixtures
from .test_visual import evil_layers

pytestmark = pytest.mark.browser
# ruff: noqa: F811 - pytest fixtures imported from test_browser

DEMO = ROOT / "layers"


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    root = tmp_path_factory.mktemp("animate")
    out = root / "animation.html"
    r = CliRunner().invoke(main, ["animate", str(DEMO), "-o", str(out), "--offline", "--fps", "8"])
    assert r.exit_code == 0, r.output
    return out


def _shapes(pg) -> dict:
    """How many face paths each holder fills, and the SVG path data of one holder."""
    return pg.evaluate(
        """() => {
            const out = {};
            document.querySelectorAll("path.fm-face").forEach(p => {
              const h = p.getAttribute("data-holder") || "";
              out[h] = (out[h] || 0) + 1;
            });
            return out;
        }"""
    )


def test_loads_offline_without_errors(opened, page_path):
    lp = opened(page_path, width=1400)
    assert lp.failed == []
    assert lp.requests and all(u.startswith(("file:", "data:")) for u in lp.requests), lp.requests
    assert lp.errors() == []
    lp.screenshot(page_path.parent / "animate-1400.png")


def test_slider_steps_shapes_and_date(opened, page_path):
    pg = opened(page_path).page
    slider = pg.locator("#fm-slider")
    assert slider.get_attribute("min") == "0"
    assert slider.get_attribute("max") == "3"  # one position per date (4 dates)
    assert pg.locator("#fm-date").text_content() == "1 December 2016"
    first = _shapes(pg)
    slider.fill("3")  # moves it and fires 'input'
    assert pg.locator("#fm-date").text_content() == "16 January 2017"
    assert pg.evaluate("frontmap.date()") == 3
    last = _shapes(pg)
    assert first != last  # other faces are filled (SAA lost ground, ...)
    legend = pg.locator('#fm-legend li[data-holder="IS"] .fm-area').text_content()
    assert legend == "58,167 km²"
    x = pg.locator("line.fm-cursor").get_attribute("x1")
    slider.fill("0")
    assert pg.locator("line.fm-cursor").get_attribute("x1") != x


def test_arrow_keys_step(opened, page_path):
    pg = opened(page_path).page
    pg.locator("body").click(position={"x": 5, "y": 5})
    pg.keyboard.press("ArrowRight")
    assert pg.evaluate("frontmap.date()") == 1
    pg.keyboard.press("ArrowRight")
    pg.keyboard.press("ArrowLeft")
    assert pg.evaluate("frontmap.date()") == 1
    assert pg.locator("#fm-date").text_content() == "11 December 2016"
    pg.keyboard.press("End")
    assert pg.locator("#fm-slider").input_value() == "3"


def test_play_advances_and_stops_at_the_end(opened, page_path):
    pg = opened(page_path).page
    pg.locator("#fm-play").click()
    pg.wait_for_function("frontmap.date() >= 2", timeout=5000)
    pg.wait_for_function("!frontmap.playing()", timeout=5000)
    assert pg.evaluate("frontmap.date()") == 3
    assert pg.locator("#fm-play").get_attribute("aria-label") == "Play"


def test_narrow_screen(opened, page_path):
    lp = opened(page_path, width=390, height=844)
    assert lp.errors() == []
    width = lp.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    lp.screenshot(page_path.parent / "animate-390.png")


def test_evil_names_stay_text(opened, tmp_path):
    layers = evil_layers(tmp_path / "evil")
    out = tmp_path / "evil.html"
    r = CliRunner().invoke(main, ["animate", str(layers), "-o", str(out), "--offline"])
    assert r.exit_code == 0, r.output
    lp = opened(out)
    assert lp.dialogs == [] and lp.errors() == []
    names = lp.page.locator("#fm-legend .fm-name").all_text_contents()
    assert any("<img src=x onerror=alert(1)>" in n for n in names)
