"""The close-ups, the labels and the phone layout of the compare page, in a real browser.

Screenshots of the demo (1400 px and 390 px) and of the Ukraine sample are
written under the tests' temporary folder (their paths are printed with -s).
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ROOT
from .test_browser import Loaded, browser  # noqa: F401 - the browser fixture
from .test_browser_basemap import _compare

pytestmark = pytest.mark.browser

LAYERS = ROOT / "layers"
DEIR_EZ_ZOUR = (40.14, 35.33)
MOSUL = (43.13, 36.34)

#: every visible label of every map: its map, kind, text and box; and whether two
#: labels of one map overlap, a label leaves its map or lies under one of its controls
#: (zoom, scale bar, credits), two towns' dots crowd each other (centres within 8 px), or
#: an event's label covers ground that changed hands or an event's outline (at any of
#: 7 x 5 points over it; measured here, not with the page's own test)
_LABELS = """() => {
  const kinds = ['fm-event-label', 'fm-place-label', 'fm-country-label', 'fm-box-label'];
  const out = {labels: [], overlaps: [], outside: [], controls: [], crowded: [],
    covering: []};
  const covering = (map, r) => {
    const shapes = [...map.querySelectorAll('path[data-kind=changed], path[data-kind=event]')];
    for (const path of shapes) {
      const m = path.getScreenCTM().inverse();
      for (let i = 0; i <= 6; i++) {
        for (let j = 0; j <= 4; j++) {
          const p = new DOMPoint(r.left + r.width * i / 6, r.top + r.height * j / 4)
            .matrixTransform(m);
          if (path.isPointInFill(p)) return true;
        }
      }
    }
    return false;
  };
  const meet = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom &&
    a.bottom > b.top;
  for (const map of document.querySelectorAll('.fm-map')) {
    const m = map.getBoundingClientRect();
    const ctl = [...map.querySelectorAll('.leaflet-control')].map(e => e.getBoundingClientRect());
    const dots = [...map.querySelectorAll('path[data-kind=place]')].filter(
      e => getComputedStyle(e).visibility !== 'hidden').map(e => e.getBoundingClientRect());
    for (let i = 0; i < dots.length; i++) {
      for (let j = i + 1; j < dots.length; j++) {
        const dx = (dots[i].left + dots[i].right - dots[j].left - dots[j].right) / 2;
        const dy = (dots[i].top + dots[i].bottom - dots[j].top - dots[j].bottom) / 2;
        if (dx * dx + dy * dy < 64) out.crowded.push([map.id, i, j]);
      }
    }
    const mine = [];
    for (const e of map.querySelectorAll('.leaflet-tooltip')) {
      const kind = kinds.find(k => e.classList.contains(k));
      if (!kind || getComputedStyle(e).visibility === 'hidden') continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0) continue;
      mine.push([e.textContent, r]);
      out.labels.push([map.id, kind, e.textContent]);
      if (kind === 'fm-event-label' && covering(map, r)) out.covering.push([map.id, e.textContent]);
      if (ctl.some(c => meet(r, c))) out.controls.push([map.id, e.textContent]);
      if (r.left < m.left - 0.5 || r.right > m.right + 0.5 || r.top < m.top - 0.5 ||
          r.bottom > m.bottom + 0.5) out.outside.push([map.id, e.textContent]);
    }
    for (let i = 0; i < mine.length; i++) {
      for (let j = i + 1; j < mine.length; j++) {
        const a = mine[i][1], b = mine[j][1];
        if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top)
          out.overlaps.push([map.id, mine[i][0], mine[j][0]]);
      }
    }
  }
  return out;
}"""

#: elements cut off by the screen's edges, and table cells whose content is clipped
_CUT = """(width) => {
  const sel = 'h1, h2, h3, .fm-dek, .fm-panel-head, .fm-map, .fm-legend li, .fm-summary p,'
    + ' .fm-closeup-head, .fm-locator, .fm-facts li, table, td, th, caption,'
    + ' .leaflet-control-scale, .leaflet-control-attribution, .fm-foot p';
  const cut = [...document.querySelectorAll(sel)].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || e.closest('thead') &&
        getComputedStyle(e.closest('thead')).position === 'absolute') return false;
    return r.left < -0.5 || r.right > width + 0.5;
  }).map(e => e.tagName + '.' + e.className);
  // (the stacked tables keep their heads for screen readers only, in a 1 px box)
  const shown = (e) => !(e.closest('thead') &&
    getComputedStyle(e.closest('thead')).position === 'absolute');
  const clipped = [...document.querySelectorAll('td, th')].filter(e => {
    const r = e.getBoundingClientRect();
    return shown(e) && r.width > 0 && e.scrollWidth > e.clientWidth + 1;
  }).map(e => e.textContent);
  const scrolled = [...document.querySelectorAll('.fm-scroll')].filter(
    e => e.scrollWidth > e.clientWidth + 1).length;
  return {cut, clipped, scrolled, page: document.documentElement.scrollWidth};
}"""


def _data(path):
    html = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="fm-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not (LAYERS / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    return _compare(tmp_path_factory.mktemp("closeups"), "demo", "2017-01-09", "2017-01-16",
                    LAYERS)


def _centres(pg, n):
    """Each close-up map's centre (lon, lat) and the page's box for it."""
    return pg.evaluate(
        """(n) => window.frontmap.closeups.slice(0, n).map(p => [p.from, p.to].map(m => {
            const c = m.getCenter(), b = m.getBounds();
            return [c.lng, c.lat, b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
        }))""",
        n,
    )


def test_demo_has_the_overview_and_two_closeups(browser, demo, tmp_path):  # noqa: F811
    lp = Loaded(browser, demo, width=1400, height=900)
    try:
        assert lp.failed == [] and lp.errors() == [] and lp.dialogs == []
        assert all(u.startswith(("file:", "data:")) for u in lp.requests), lp.requests
        pg = lp.page
        # the overview pair, then at least two close-up pairs, each drawn
        assert pg.locator("#fm-map-from path[data-kind=faction]").count() == 7
        closeups = pg.locator(".fm-closeup")
        assert closeups.count() >= 2
        for n in (1, 2):
            for which in ("from", "to"):
                sel = f"#fm-close-{n}-{which} path[data-kind=faction]"
                assert pg.locator(sel).count() >= 2, sel
            assert pg.locator(f"#fm-closeup-{n} .fm-locator rect").count() == 3
        heads = pg.locator(".fm-closeup h2").all_inner_texts()
        assert heads[0].startswith("Islamic State cut") and "Deir ez-Zour" in heads[0]
        assert heads[1] == "Iraqi government forces took 58 km² from Islamic State near Mosul"
        facts = pg.locator("#fm-closeup-2 .fm-facts").inner_text()
        assert "Islamic State → Iraqi government forces: 57.9 km²" in facts
        # each close-up's maps are centred on its highlight, and show it whole
        data = _data(demo)
        for (a, b), c, place in zip(_centres(pg, 2), data["closeups"], (DEIR_EZ_ZOUR, MOSUL),
                                    strict=True):
            w, s, e, n = c["box"]
            assert w <= place[0] <= e and s <= place[1] <= n
            for view in (a, b):
                assert view[0] == pytest.approx((w + e) / 2, abs=0.02 * (e - w))
                assert view[1] == pytest.approx((s + n) / 2, abs=0.02 * (n - s))
                assert view[2] <= w and view[3] <= s and view[4] >= e and view[5] >= n
            assert a == pytest.approx(b, abs=1e-9)  # the pair shows the same ground
        # the overview marks each close-up with a numbered box
        assert pg.locator("#fm-map-to path[data-kind=closeup-box]").count() == 2
        boxes = pg.locator("#fm-map-to .fm-box-label").all_inner_texts()
        assert sorted(boxes) == ["1", "2"]
        # the before map marks ground about to change, not dashed like pockets and corridors
        soon = pg.locator("#fm-map-from path[data-kind=soon]")
        assert soon.count() == 4
        assert {soon.nth(i).get_attribute("stroke-dasharray") for i in range(4)} == {None}
        assert all(re.match(r"url\(#fm-soon-\d+\)", soon.nth(i).get_attribute("fill"))
                   for i in range(4))
        event = pg.locator("#fm-map-to path[data-kind=event]").first
        assert event.get_attribute("stroke-dasharray") == "5 4"
        legend = pg.locator(".fm-legend").inner_text()
        assert "About to change hands (on the 9 Jan 2017 map" in legend
        assert "Shown close up below (numbered)" in legend
        lay = pg.evaluate(_LABELS)
        assert lay["overlaps"] == [] and lay["outside"] == [] and lay["covering"] == [], lay
        assert ["fm-map-to", "fm-event-label", "Syrian government and allies cut in two"] in \
            lay["labels"]
        # the label of the split, in its close-up, beside the corridor, not on it
        assert ["fm-close-1-to", "fm-event-label", "Syrian government and allies cut in two"] \
            in lay["labels"]
        # the towns the story names stay on both maps of the overview (the event's label
        # goes where it hides the fewest towns)
        for which in ("fm-map-from", "fm-map-to"):
            for town in ("Raqqa", "Mosul", "Deir ez-Zour"):
                assert [which, "fm-place-label", town] in lay["labels"], (which, town)
        lp.screenshot(tmp_path / "demo-closeups-1400.png")
    finally:
        lp.close()


def test_demo_on_a_phone(browser, demo, tmp_path):  # noqa: F811
    lp = Loaded(browser, demo, width=390, height=844)
    try:
        assert lp.errors() == []
        pg = lp.page
        ids = ["fm-map-from", "fm-map-to", "fm-close-1-from", "fm-close-1-to",
               "fm-close-2-from", "fm-close-2-to"]
        boxes = [pg.locator(f"#{i}").bounding_box() for i in ids]
        for a, b in zip(boxes, boxes[1:], strict=False):  # everything stacks
            assert b["y"] >= a["y"] + a["height"]
        for b in boxes:
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390
        cut = pg.evaluate(_CUT, 390)
        assert cut == {"cut": [], "clipped": [], "scrolled": 0, "page": 390}, cut
        # the numbers table stacks: every number cell says which column it is
        cells = pg.locator(".fm-numbers table.fm-stack td.fm-num")
        assert cells.count() == 4 * 7
        assert pg.evaluate(
            "getComputedStyle(document.querySelector('.fm-stack td.fm-num'), '::before')"
            ".content") == '"9 Jan 2017"'
        lay = pg.evaluate(_LABELS)
        assert lay["overlaps"] == [] and lay["outside"] == [], lay
        assert lay["controls"] == [] and lay["crowded"] == [] and lay["covering"] == [], lay
        for town in ("Raqqa", "Mosul", "Deir ez-Zour"):
            assert ["fm-map-to", "fm-place-label", town] in lay["labels"], town
        lp.screenshot(tmp_path / "demo-closeups-390.png")
    finally:
        lp.close()


def test_highlights_option_and_swipe(browser, tmp_path):  # noqa: F811
    if not (LAYERS / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    none = _compare(tmp_path, "none", "2017-01-09", "2017-01-16", LAYERS, "--highlights", "0")
    three = _compare(tmp_path, "three", "2017-01-09", "2017-01-16", LAYERS, "--highlights", "3",
                     "--mode", "swipe")
    assert 'class="fm-closeup' not in none.read_text(encoding="utf-8")
    assert _data(none)["closeups"] == []
    lp = Loaded(browser, three, width=1200, height=900)
    try:
        assert lp.errors() == [] and lp.failed == []
        pg = lp.page
        assert pg.locator(".fm-closeup").count() == 3
        assert pg.locator("#fm-map-swipe path[data-kind=closeup-box]").count() == 3
        assert pg.locator(".fm-map-close").count() == 6
        assert pg.evaluate(_LABELS)["overlaps"] == []
    finally:
        lp.close()


@pytest.mark.slow
def test_ukraine_closeups(browser, ukraine_month, tmp_path):  # noqa: F811
    """Russian-held and Ukrainian-held in November 2024: the first close-up is the ground
    between Pokrovsk and Kurakhove; nothing overlaps; the phone layout holds."""
    import frontmap

    layers, d, *_ = ukraine_month
    page = tmp_path / "ukraine.html"
    page.write_text(frontmap.compare_page(layers, d, title="Ukraine, November 2024"),
                    encoding="utf-8")
    for width in (1400, 390):
        lp = Loaded(browser, page, width=width, height=900)
        try:
            assert lp.failed == [] and lp.errors() == []
            assert all(u.startswith(("file:", "data:")) for u in lp.requests)
            pg = lp.page
            head = pg.locator("#fm-closeup-1 h2").inner_text()
            assert head.startswith("6") and "near Kurakhove passed from Ukrainian-held" in head
            names = pg.locator("#fm-close-1-to .fm-place-label").all_inner_texts()
            assert {"Pokrovsk", "Kurakhove"} <= set(names), names
            lay = pg.evaluate(_LABELS)
            assert lay["overlaps"] == [] and lay["outside"] == [], lay
            assert lay["controls"] == [] and lay["crowded"] == [], lay
            if width == 390:
                cut = pg.evaluate(_CUT, 390)
                assert cut["cut"] == [] and cut["clipped"] == [] and cut["page"] == 390, cut
            # no "Claimed by no faction" row: the clip and the rest leave no such ground
            assert "Claimed by no faction" not in pg.locator(".fm-numbers").inner_text()
            lp.screenshot(tmp_path / f"ukraine-{width}.png")
        finally:
            lp.close()
