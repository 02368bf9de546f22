"""Close-ups, the default extent, labels and tables of the compare page and image."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.cli import main
from frontmap.render.scene import TOLERANCE_SHARE, build_scene, change_view

from .conftest import ROOT

LAYERS = ROOT / "layers"
OUTLINE = LAYERS / "_source" / "outline.geojson"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo():
    layers = frontmap.read_layers(LAYERS)
    return layers, frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")


def _vertices_in(holders, box) -> int:
    rect = shapely.box(*box)
    return sum(int(shapely.get_num_coordinates(shapely.clip_by_rect(h.geom, *box)))
               for h in holders if shapely.intersects(h.geom, rect))


def test_closeups_have_their_own_detail(tmp_path):
    """Two synthetic dates of 30,000 vertices with a few small moves of the fronts: each
    close-up is simplified at 1/3000 of what it draws, far finer than the overview, and
    keeps more of the borders' shape inside its box."""
    from frontmap.bench.synthetic import generate
    from frontmap.render.closeup import DRAWN_SHARE, _square

    generate(tmp_path / "syn", days=2, vertices=30_000, seed=2)
    layers = frontmap.read_layers(tmp_path / "syn")
    d = frontmap.diff_dates(layers, *layers.dates, min_story_km2=0.2)
    sc = build_scene(layers, d, basemap="none")
    assert len(sc.closeups) == 2
    for c, h in zip(sc.closeups, sc.highlights, strict=False):
        assert c.view == pytest.approx(h.bbox)
        w, s, e, n = c.extent
        assert c.extent == pytest.approx(_square(c.view, DRAWN_SHARE))
        assert c.tolerance == pytest.approx(max(e - w, n - s) * TOLERANCE_SHARE)
        assert c.tolerance < sc.tolerance / 10
        assert _vertices_in(c.to_holders, c.view) > 1.5 * _vertices_in(sc.to_holders, c.view)
        # everything drawn lies in the close-up's square around its box
        drawn = shapely.box(*c.extent)
        for hold in (*c.from_holders, *c.to_holders):
            assert drawn.buffer(1e-9).contains(hold.geom)


def test_a_large_closeup_keeps_the_page_small(tmp_path, monkeypatch):
    """A front jump of 2,800 km² on 30,000-vertex data: its close-up draws half the
    region; with a floor of 1,000 vertices (20,000 by default: this data is too small to
    reach it) it keeps at most half as many vertices as the overview, simplified more."""
    from frontmap.bench.synthetic import generate
    from frontmap.render import closeup

    monkeypatch.setattr(closeup, "MIN_VERTICES", 1000)
    MIN_VERTICES, VERTEX_BUDGET = closeup.MIN_VERTICES, closeup.VERTEX_BUDGET
    generate(tmp_path / "syn", days=2, vertices=30_000, seed=0, jump_prob=1.0, same_prob=0.0)
    layers = frontmap.read_layers(tmp_path / "syn")
    d = frontmap.diff_dates(layers, *layers.dates)
    sc = build_scene(layers, d, basemap="none")
    (c,) = sc.closeups
    w, s, e, n = c.extent

    def kept(holders):
        return sum(int(shapely.get_num_coordinates(h.geom)) for h in holders)

    assert c.tolerance > 1.2 * max(e - w, n - s) * TOLERANCE_SHARE
    assert kept(c.from_holders) < 0.8 * kept(sc.from_holders)
    assert VERTEX_BUDGET == 0.5 and MIN_VERTICES == 1000


def test_demo_closeups(demo):
    layers, d = demo
    sc = build_scene(layers, d, basemap="none")
    assert [c.number for c in sc.closeups] == [1, 2]
    # the Deir ez-Zour close-up draws the corridor, labelled, and both pieces of the enclave
    dez = sc.closeups[0]
    assert [(e.type, e.labelled) for e in dez.events] == [("split", True)]
    saa = next(h for h in dez.to_holders if h.id == "SAA")
    assert len(list(shapely.get_parts(saa.geom))) == 2
    assert {p.name for p in dez.places} == {"Deir ez-Zour", "Deir ez-Zour airport"}
    # its numbers are the highlight's
    (changed,) = dez.changed
    assert (changed.from_id, changed.to_id) == ("SAA", "IS")
    assert changed.area_km2 == pytest.approx(d.faction("SAA").lost_km2, rel=1e-9)


def test_highlights_zero_and_bad(demo):
    layers, d = demo
    assert build_scene(layers, d, basemap="none", highlights=0).closeups == []
    assert len(build_scene(layers, d, basemap="none", highlights=9).closeups) == 4
    with pytest.raises(frontmap.ArgumentError, match="highlights must be"):
        build_scene(layers, d, basemap="none", highlights=-1)


def test_default_view_follows_the_change(demo):
    layers, d = demo
    sc = build_scene(layers, d, basemap="none")
    w, s, e, n = sc.view
    ew, es, ee, en = sc.extent
    # concentrated in the north (al-Bab to Mosul): southern Iraq is out of the view
    assert (e - w) * (n - s) < 0.7 * (ee - ew) * (en - es)
    assert s > 31.5 and n >= 36.4
    for h in sc.highlights:
        hw, hs, he, hn = h.core
        assert w <= hw and he <= e and s <= hs and hn <= n
    # a focus still wins
    assert build_scene(layers, d, basemap="none", focus="IQ").view[1] < 30


def test_change_view_rules():
    from types import SimpleNamespace

    extent = (20.0, 40.0, 40.0, 50.0)
    assert change_view(extent, []) == pytest.approx((19.4, 39.7, 40.6, 50.3))
    spread = [SimpleNamespace(core=(21.0, 41.0, 22.0, 42.0)),
              SimpleNamespace(core=(38.0, 48.0, 39.0, 49.0))]
    assert change_view(extent, spread) == pytest.approx((19.4, 39.7, 40.6, 50.3))
    one = [SimpleNamespace(core=(30.0, 45.0, 30.2, 45.1))]
    w, s, e, n = change_view(extent, one)
    assert w <= 30.0 and e >= 30.2 and s <= 45.0 and n >= 45.1
    assert e - w == pytest.approx(0.35 * 21.2)  # at least 35% of the extent across
    assert (n - s) >= 0.35 * 10.6 - 1e-9
    edge = [SimpleNamespace(core=(39.0, 49.5, 39.5, 49.9))]
    w, s, e, n = change_view(extent, edge)
    assert e <= 40.6 + 1e-9 and n <= 50.3 + 1e-9  # inside the extent, shifted in


def _data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="fm-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_no_unassigned_row_without_a_clip(tmp_path):
    plain = tmp_path / "plain.html"
    assert run("compare", "2017-01-09", "2017-01-16", LAYERS, "--offline", "-o", plain
               ).exit_code == 0
    clipped = tmp_path / "clipped.html"
    assert run("compare", "2017-01-09", "2017-01-16", LAYERS, "--offline", "-o", clipped,
               "--clip", OUTLINE).exit_code == 0

    def numbers(path):
        html = path.read_text(encoding="utf-8")
        return html[html.index('<section class="fm-numbers">'):html.index("</section></div>")]

    assert "Claimed by no faction" not in numbers(plain) and "−100" not in numbers(plain)
    row = re.search(r'<tr class="fm-other"><td class="fm-name">.*?</tr>', numbers(clipped))
    assert row and "Claimed by no faction" in row.group(0)
    assert 'data-label="9 Jan 2017">87,075<' in row.group(0)  # the demo's open desert


def test_event_labels_only_above_the_story_threshold(demo):
    layers, _ = demo
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16", min_story_km2=20)
    assert [e.labelled for e in build_scene(layers, d, basemap="none").events] == [False]
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16", min_story_km2=10)
    marks = build_scene(layers, d, basemap="none").events
    assert [(m.label, m.labelled) for m in marks] == [
        ("Syrian government and allies cut in two", True)
    ]


def test_unlabelled_events_too_small_to_see_are_not_outlined(demo):
    from frontmap.render.scene import _FLECK, _event_marks

    layers, _ = demo
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16", min_story_km2=20)
    (split,) = [e for e in d.events if e.type == "split"]
    x0, y0, x1, y1 = shapely.bounds(split.geom)
    across = max(x1 - x0, y1 - y0)
    names = {f.faction: f.faction for f in d.factions}
    # unlabelled (under the story threshold): outlined where it is a dozen
    # tolerances across or more (a close-up), left off where it would be a fleck
    assert [m.type for m in _event_marks(d, names, across / (2 * _FLECK))] == ["split"]
    assert _event_marks(d, names, 2 * across / _FLECK) == []
    # a labelled event is outlined however small it is drawn
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16", min_story_km2=10)
    assert [m.labelled for m in _event_marks(d, names, 2 * across / _FLECK)] == [True]


def _png_height(data: bytes) -> int:
    from PIL import Image

    return Image.open(io.BytesIO(data)).size[1]


def test_png_has_the_closeups(demo, tmp_path):
    layers, d = demo
    two = frontmap.compare_png(layers, d, title="Demo")
    none = frontmap.compare_png(layers, d, title="Demo", highlights=0)
    assert _png_height(two) > _png_height(none) + 600
    assert frontmap.compare_png(layers, d, title="Demo") == two  # same bytes
    (tmp_path / "demo.png").write_bytes(two)
    print(f"png: {tmp_path / 'demo.png'}")


def test_png_labels_never_overlap():
    """Thirty labels around six points: after placement no two visible ones overlap and
    none leaves its axes; a town's label never covers another town's dot."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from frontmap.render.png_labels import Label, place_labels
    from frontmap.render.static_png import _PLACE_WAYS

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    labels = []
    for i in range(30):
        x, y = 2 + (i % 6) * 1.2, 4 + (i % 3) * 0.4
        (dot,) = ax.plot([x], [y], "o", markersize=4)
        t = ax.annotate(f"Town number {i}", xy=(x, y), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=9)
        labels.append(Label(t, dot, list(_PLACE_WAYS)))
    fig.canvas.draw()
    place_labels(fig, labels)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    shown = [lab for lab in labels if lab.artist.get_visible()]
    assert 3 <= len(shown) < 30
    boxes = [lab.artist.get_window_extent(r) for lab in shown]
    ax_box = ax.get_window_extent(r)
    for i, a in enumerate(boxes):
        assert a.x0 >= ax_box.x0 and a.x1 <= ax_box.x1 and a.y0 >= ax_box.y0
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
        for other in shown:
            if other.artist.get_window_extent(r) is not a and other is not shown[i]:
                assert not a.overlaps(other.dot.get_window_extent(r))
    # hidden labels hide their dots
    assert all(not lab.dot.get_visible() for lab in labels if not lab.artist.get_visible())


def test_png_event_label_beside_what_it_names():
    """An event's label goes beside the corridor it names, not on it, and where it covers
    none of its faction's two pieces when there is such a place (here: under a corner)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from frontmap.render.png_labels import Label, place_labels
    from frontmap.render.static_png import _event_ways

    corridor = shapely.box(4, 4, 6, 5)
    pieces = shapely.union_all([shapely.box(3, 5, 6, 7), shapely.box(5, 2.5, 7, 4)])
    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    anchor = (5.0, 4.5)
    t = ax.annotate("Faction cut\nin two", xy=anchor, xytext=(0, 9), textcoords="offset points",
                    ha="center", va="bottom", fontsize=10)
    lab = Label(t, None, _event_ways(corridor, anchor), at=True, clear=corridor, own=pieces)
    fig.canvas.draw()
    place_labels(fig, [lab])
    fig.canvas.draw()
    assert t.get_visible()
    bb = t.get_window_extent(fig.canvas.get_renderer())
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(bb.x0, bb.y0), (bb.x1, bb.y1)])
    box = shapely.box(x0, y0, x1, y1)
    assert not box.intersects(corridor)
    assert not box.intersects(pieces)
    # (where it went before: above its anchor, on the corridor)
    t.xy, t.xyann = anchor, (0, 9)
    t.set_ha("center")
    t.set_va("bottom")
    fig.canvas.draw()
    bb = t.get_window_extent(fig.canvas.get_renderer())
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(bb.x0, bb.y0), (bb.x1, bb.y1)])
    assert shapely.box(x0, y0, x1, y1).intersects(corridor)


def test_cli_and_manifest_highlights(tmp_path):
    r = run("compare", "2017-01-09", "2017-01-16", LAYERS, "--offline", "-o",
            tmp_path / "x.html", "--highlights", "-1")
    assert r.exit_code == 2 and "--highlights" in r.output
    shutil.copytree(LAYERS, tmp_path / "layers", ignore=shutil.ignore_patterns("_*"))
    (tmp_path / "frontmap.toml").write_text(
        '[defaults]\nlayers = "layers"\noutput = "out"\nchart = false\n'
        '[[map]]\nname = "one"\nfrom = "2017-01-09"\nto = "2017-01-16"\nhighlights = 1\n'
        '[[map]]\nname = "bad"\nfrom = "2017-01-09"\nto = "2017-01-16"\nhighlights = "two"\n'
    )
    r = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "frontmap.toml")])
    assert r.exit_code == 1
    assert "highlights must be a whole number of close-ups, 0 or more (not 'two')" in r.output
    page = (tmp_path / "out" / "one.html").read_text(encoding="utf-8")
    assert len(_data(page)["closeups"]) == 1
    diff = json.loads((tmp_path / "out" / "one.diff.json").read_text(encoding="utf-8"))
    assert diff["highlights"][0]["near"] == "Deir ez-Zour"
