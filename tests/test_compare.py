"""The compare page and image: CLI wiring, escaping, determinism, size, topology.

Fast tests, no browser (the page is driven in a real browser in test_browser.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.analysis.change import diff
from frontmap.cli import main
from frontmap.render import build_scene, compare_page, compare_png
from frontmap.render.page import json_for_script

from .conftest import ROOT, feature, write_fc

EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_TPL = "${alert(1)}"
EVIL_SCRIPT = "</script><script>alert(3)</script>"
D1, D2 = "2020-01-01", "2020-01-08"

# the only URLs an --offline page may contain, and never as a resource: the SVG
# namespace (an identifier, never fetched) and Leaflet's licence banner / its
# default attribution prefix (replaced by plain text on our maps)
ALLOWED_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}


def _wiggle_border(lon=37.0, lat0=34.0, lat1=35.0, n=200):
    """A jagged south-north border: 5 m wiggles, well below the simplification tolerance
    (1/3000 of 2 degrees, ~75 m), many vertices for the simplifier to remove; on top, bends
    of ~100 m that it keeps in part (simplifying each polygon alone would open gaps)."""
    return [
        [
            lon
            + 0.00005 * math.sin(i * 0.9)
            + 0.001 * math.sin(i * 0.13)
            + 0.0015 * math.sin(i * 0.047 + 1),
            lat0 + (lat1 - lat0) * i / n,
        ]
        for i in range(n + 1)
    ]


def _stepped(ring, step=100):
    """A vertex at every 1/step degree along the ring's straight north-south and
    east-west edges: edges are geodesics, so shapes that share a line share
    these vertices, as a real partition does (and no edge is long enough for
    frontmap to densify)."""
    out = [ring[0]]
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        if y1 == y2 or x1 == x2:
            a, b = (x1, x2) if y1 == y2 else (y1, y2)
            lo, hi = math.floor(min(a, b) * step) + 1, math.ceil(max(a, b) * step) - 1
            ks = range(lo, hi + 1) if a < b else range(hi, lo - 1, -1)
            out.extend([k / step, y1] if y1 == y2 else [x1, k / step] for k in ks)
        out.append([x2, y2])
    return out


def make_layers(root: Path) -> Path:
    """Three factions on two dates; two of them named with injection payloads.

    Date 1: RED (36..~37, 34..35), IMG (~37..38, 34..35), TPL (36..38, 35..36),
    RED and IMG sharing a 200-vertex jagged border. Date 2: RED takes IMG's
    ground west of 37.5 and cuts TPL in two with a corridor at 36.9..37.1.
    """
    border = _wiggle_border()
    red1 = [[36.0, 34.0], *border, [36.0, 35.0]]
    red1 = [*red1[60:], *red1[:61]]  # the ring starts mid-border
    img1 = [*border, [38.0, 35.0], [38.0, 34.0], border[0]]
    tpl1 = [[36, 35], [38, 35], [38, 36], [36, 36], [36, 35]]
    red2 = [
        [36, 34], [37.5, 34], [37.5, 35], [37.1, 35], [37.1, 36], [36.9, 36], [36.9, 35],
        [36, 35], [36, 34],
    ]
    img2 = [[37.5, 34], [38, 34], [38, 35], [37.5, 35], [37.5, 34]]
    tpl2a = [[36, 35], [36.9, 35], [36.9, 36], [36, 36], [36, 35]]
    tpl2b = [[37.1, 35], [38, 35], [38, 36], [37.1, 36], [37.1, 35]]
    red1, img1, tpl1, red2, img2, tpl2a, tpl2b = (
        _stepped(r) for r in (red1, img1, tpl1, red2, img2, tpl2a, tpl2b)
    )
    feats = [
        feature([red1], faction="RED", date=D1),
        feature([img1], faction=EVIL_IMG, date=D1),
        feature([tpl1], faction=EVIL_TPL, date=D1),
        feature([red2], faction="RED", date=D2),
        feature([img2], faction=EVIL_IMG, date=D2),
        feature([[tpl2a], [tpl2b]], multi=True, faction=EVIL_TPL, date=D2),
    ]
    write_fc(root / "territory.geojson", feats)
    (root / "factions.toml").write_text(
        '[factions.RED]\nname = "Red Army"\ncolor = "#c0392b"\n', encoding="utf-8"
    )
    places = [
        {"type": "Feature", "properties": {"name": name},
         "geometry": {"type": "Point", "coordinates": xy}}
        for name, xy in [
            ("Alpha", [36.4, 34.5]),
            (EVIL_IMG, [37.8, 34.3]),
            (EVIL_SCRIPT, [36.4, 35.6]),
            (EVIL_TPL, [37.6, 35.7]),
        ]
    ]
    (root / "places.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": places}), encoding="utf-8"
    )
    return root


def evil_args(layers: Path, out: Path, *extra) -> list[str]:
    """compare arguments with injection payloads in title, caption and credit."""
    return [
        "compare", D1, D2, str(layers), "-o", str(out), "--offline",
        "--title", f"Title {EVIL_IMG} {EVIL_TPL}",
        "--caption", f"Caption {EVIL_SCRIPT}",
        "--credit", f"Credit {EVIL_IMG}",
        *extra,
    ]


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


@pytest.fixture
def layers_dir(tmp_path):
    return make_layers(tmp_path / "layers")


def _diff(layers, a, b):
    sa, sb = layers.snapshot(a), layers.snapshot(b)
    order = layers.factions.order(set(sa.territories) | set(sb.territories))
    return diff(sa, sb, clip=layers.clip, places=layers.places, order=order)


# ---------------------------------------------------------------------------
# CLI wiring


def test_default_dates_and_output_name(layers_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("compare", "layers", "--offline")
    assert r.exit_code == 0, r.output
    out = Path("output") / f"{D1}_{D2}.html"
    assert out.is_file()
    size_kb = round(out.stat().st_size / 1000)
    assert r.output == f"wrote {out} ({size_kb:,} kB)\n"
    text = out.read_text(encoding="utf-8")
    assert "1 January 2020" in text and "8 January 2020" in text


def test_help_has_example():
    r = run("compare", "--help")
    assert r.exit_code == 0
    assert "Example: frontmap compare" in r.output
    for opt in ("--mode", "--title", "--caption", "--credit", "--places", "--focus",
                "--basemap", "--offline", "--png", "--faction-field", "--clip"):
        assert opt in r.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        ([D1, "2020-02-02"], 2, "no snapshot dated 2020-02-02"),
        ([D1], 2, "give both FROM and TO"),
        (["--focus", "Nobody"], 2, "'Nobody' names no faction"),
        (["--focus", "40,30,35,37"], 2, "is not W,S,E,N"),
        (["--basemap", "tiles", "--offline"], 2, "tiles need the network"),
        (["--basemap", "missing.geojson"], 2,
         "is not 'bundled', 'tiles', 'none' or an existing file"),
        (["--mode", "carousel"], 2, "Invalid value for '--mode'"),
    ],
)
def test_usage_errors(layers_dir, tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    dates = [a for a in args if re.match(r"\d{4}-", a)]
    rest = [a for a in args if a not in dates]
    r = CliRunner().invoke(main, ["compare", *dates, "layers", *rest])
    assert r.exit_code == code, r.output
    assert message in r.output
    assert not Path("output").exists()


def test_bad_data_exits_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "layers" / D1).mkdir(parents=True)
    (tmp_path / "layers" / D1 / "A.geojson").write_text("{not json", encoding="utf-8")
    r = CliRunner().invoke(main, ["compare", "layers", "--offline"])
    assert r.exit_code == 1
    assert "A.geojson" in r.output
    assert "Traceback" not in r.output


def test_bad_basemap_file_exits_1(layers_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outline.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    r = CliRunner().invoke(
        main, ["compare", "layers", "--offline", "--basemap", "outline.geojson"]
    )
    assert r.exit_code == 1, r.output
    assert "outline.geojson" in r.output and "no polygons" in r.output


def test_focus_faction_and_box(layers_dir):
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    v_img = build_scene(layers, d, focus=EVIL_IMG).view
    # IMG holds ~37..38 on date 1 and 37.5..38 on date 2: the union, padded a little
    assert 36.8 < v_img[0] < 37.0 and 38.0 < v_img[2] < 38.2
    assert 33.8 < v_img[1] < 34.0 and 35.0 < v_img[3] < 35.2
    assert build_scene(layers, d, focus="red army").view[0] < 36.0  # by display name
    assert build_scene(layers, d, focus="36.5,34.5,37.5,35.5").view == (36.5, 34.5, 37.5, 35.5)


def test_stdout_output(layers_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("compare", "layers", "--offline", "-o", "-")
    assert r.exit_code == 0
    assert r.output.startswith("<!DOCTYPE html>")
    assert not Path("output").exists()


# ---------------------------------------------------------------------------
# the HTML


def test_escaping_in_source(layers_dir, tmp_path):
    out = tmp_path / "page.html"
    r = run(*evil_args(layers_dir, out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    # never raw: the markup payloads (in JSON they are \u003c..., in HTML &lt;...)
    assert EVIL_IMG not in html
    assert "<script>alert(3)" not in html
    # data, provenance, Leaflet, ours: nothing else closes a script
    assert html.count("</script>") == 4
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # title, legend, table, credit
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # in the JSON data
    assert f"<title>Title &lt;img src=x onerror=alert(1)&gt; {EVIL_TPL}</title>" in html
    # the data block is valid JSON with the literal strings
    m = re.search(r'<script type="application/json" id="fm-data">(.*?)</script>', html, re.S)
    data = json.loads(m.group(1))
    names = {h["name"] for h in data["holders"]}
    assert {"Red Army", EVIL_IMG, EVIL_TPL} <= names
    assert EVIL_SCRIPT in {p["name"] for p in data["places"]}
    # our script never feeds data to innerHTML or builds HTML from it
    js = (ROOT / "frontmap" / "render" / "static" / "compare.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js


def test_json_for_script_escapes():
    text = json_for_script({"a": "</script><!-- & \u2028\u2029 >"})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}


def test_offline_page_has_no_url(layers_dir, tmp_path):
    out = tmp_path / "page.html"
    assert run(*evil_args(layers_dir, out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= ALLOWED_URLS, urls - ALLOWED_URLS
    # no resource reference of any kind
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", html, re.I)
    assert "@import" not in html
    for ref in re.findall(r"url\(([^)]*)\)", html):
        assert ref.startswith(("#", '"#')) or "#fm-hatch-" in ref, ref
    assert "tile.openstreetmap.org" not in html


def test_tiles_only_when_asked(layers_dir, tmp_path):
    out = tmp_path / "tiles.html"
    assert run("compare", layers_dir, "-o", out, "--basemap", "tiles").exit_code == 0
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in out.read_text(encoding="utf-8")
    default = tmp_path / "default.html"  # the bundled basemap, online or not
    assert run("compare", layers_dir, "-o", default).exit_code == 0
    assert "openstreetmap" not in default.read_text(encoding="utf-8")
    out2 = tmp_path / "none.html"
    assert run("compare", layers_dir, "-o", out2, "--basemap", "none").exit_code == 0
    assert "openstreetmap" not in out2.read_text(encoding="utf-8")


def test_deterministic(layers_dir, tmp_path):
    a, b = tmp_path / "a" / "p.html", tmp_path / "b" / "p.html"
    for out in (a, b):
        out.parent.mkdir()  # -o never makes folders
        png = str(out.with_suffix(".png"))
        r = run(*evil_args(layers_dir, out, "--png", png, "--mode", "swipe"))
        assert r.exit_code == 0, r.output
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".png").read_bytes() == b.with_suffix(".png").read_bytes()


def test_page_content(layers_dir):
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    html = compare_page(layers, d, mode="side-by-side", credit="Data: hand-drawn")
    assert "<h1>Territorial control, 1 Jan → 8 Jan 2020</h1>" in html
    assert 'id="fm-map-from"' in html and 'id="fm-map-to"' in html
    assert "geodesic areas on the WGS84 ellipsoid" in html
    assert "Data: hand-drawn" in html
    # the net change of RED, from the analysis, in the table
    red = d.faction("RED")
    assert red.net_km2 > 1000
    assert f"+{red.net_km2:,.0f}" in html
    # the summary, with display names
    assert "Red Army's ground grew by" in html
    swipe = compare_page(layers, d, mode="swipe")
    assert 'role="slider"' in swipe and 'aria-valuenow="50"' in swipe
    assert 'id="fm-map-to"' not in swipe
    with pytest.raises(ValueError):
        compare_page(layers, d, mode="carousel")
    with pytest.raises(ValueError):
        compare_page(layers, d, basemap="tiles", offline=True)


def test_scene_keeps_topology(layers_dir):
    """Simplified holders still tile the ground: one shared border, no gap, no overlap."""
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    sc = build_scene(layers, d)
    w, s, e, n = sc.extent
    assert sc.tolerance == pytest.approx((e - w) / 3000)
    for holders_ in (sc.from_holders, sc.to_holders):
        geoms = [h.geom for h in holders_]
        total = sum(g.area for g in geoms)
        union = shapely.union_all(geoms)
        assert union.area == pytest.approx(total, rel=1e-9)  # no overlap
        assert union.area == pytest.approx(d.aoi.area, rel=1e-9)  # no gap
        assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))
    red = next(h for h in sc.from_holders if h.id == "RED").geom
    img = next(h for h in sc.from_holders if h.id == EVIL_IMG).geom
    raw = layers.snapshot(D1).territories["RED"]
    assert shapely.get_num_coordinates(red) < shapely.get_num_coordinates(raw) / 2
    shared = shapely.intersection(red.boundary, img.boundary)
    assert shared.length == pytest.approx(1.0, abs=0.02)  # the jagged border, simplified
    # changed ground: IMG -> RED (37..37.5) and TPL -> RED (the corridor), with km²
    pairs = {(c.from_id, c.to_id): c for c in sc.changed}
    assert set(pairs) == {(EVIL_IMG, "RED"), (EVIL_TPL, "RED")}
    assert pairs[(EVIL_IMG, "RED")].area_km2 == pytest.approx(d.matrix[(EVIL_IMG, "RED")])
    assert [e.type for e in sc.events] == ["split"]
    assert sc.events[0].label == f"{EVIL_TPL} cut in two"
    assert len(sc.places) == 4


def test_shared_border_drawn_once(layers_dir):
    """An unchanged border is drawn with the same vertices on both dates."""
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    sc = build_scene(layers, d)
    tpl_from = next(h for h in sc.from_holders if h.id == EVIL_TPL).geom
    tpl_to = next(h for h in sc.to_holders if h.id == EVIL_TPL).geom
    # TPL's northern edge (lat 36) did not move: same coordinates on both dates
    north = shapely.box(35.9, 35.99, 38.1, 36.01)
    a = shapely.get_coordinates(shapely.intersection(tpl_from.boundary, north))
    b = shapely.get_coordinates(shapely.intersection(tpl_to.boundary, north))
    assert {tuple(x) for x in a.round(9)} <= {tuple(x) for x in b.round(9)} | {
        (36.9, 36.0), (37.1, 36.0)
    }


# ---------------------------------------------------------------------------
# PNG


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_png(layers_dir, tmp_path):
    out = tmp_path / "p.png"
    r = run("compare", layers_dir, "--offline", "-o", tmp_path / "p.html", "--png", out)
    assert r.exit_code == 0, r.output
    assert f"wrote {out} (" in r.output
    data = out.read_bytes()
    w, h = _png_size(data)
    assert w == 1600 and 600 < h < 2000
    assert b"Software" not in data and b"matplotlib" not in data
    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.size == (1600, h)
    # the RED faction's colour is painted on the maps
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert (0xC0, 0x39, 0x2B) in colours


def test_png_library(layers_dir):
    layers = frontmap.read_layers(layers_dir)
    d = _diff(layers, D1, D2)
    a = compare_png(layers, d, title="A", width_px=1200)
    assert _png_size(a)[0] == 1200
    assert compare_png(layers, d, title="A", width_px=1200) == a
    # user text is never parsed as matplotlib mathtext (an unbalanced one would raise)
    b = compare_png(layers, d, title=r"Costs $5 \frac{a}{ $x^", credit="$\\undefined$")
    assert _png_size(b)[0] == 1600


def test_event_labels_grouped():
    from frontmap.render.scene import MAX_EVENT_LABELS, EventMark, _choose_labels

    pt = shapely.Point(0, 0)
    marks = [EventMark("new_pocket", "IS", "New IS pocket", pt, (0, 0), a) for a in (1, 9, 3)]
    marks += [EventMark("split", "SAA", "SAA cut in two", pt, (0, 0), 2.0)]
    marks += [EventMark("new_pocket", f"F{i}", f"New F{i} pocket", pt, (0, 0), 1.0)
              for i in range(MAX_EVENT_LABELS)]
    _choose_labels(marks)
    labelled = [m.label for m in marks if m.labelled]
    assert len(labelled) == MAX_EVENT_LABELS
    assert labelled[:2] == ["New IS pocket (+2 more)", "SAA cut in two"]
    assert marks[1].labelled and not marks[0].labelled and not marks[2].labelled


def test_sliver_faces_take_the_nearest_holder_only_at_round_off():
    from frontmap.render.scene import _SLIVER_DEG, _label

    holders = {"A": shapely.box(0, 0, 1, 1), "B": shapely.box(2, 0, 3, 1), "C": None}
    # a needle of a face off A's right edge (its point lies in no holder and it meets none)
    faces, pts = [], []
    for gap in (0.4 * _SLIVER_DEG, 3 * _SLIVER_DEG):
        face = shapely.Polygon([(1 + gap, 0.2), (1 + gap + 1e-9, 0.5), (1 + gap, 0.8)])
        faces.append(face)
        pts.append(shapely.Point(1 + gap + 1e-10, 0.5))
    # and a face inside B whose point was taken on its edge
    faces.append(shapely.box(2.2, 0.2, 2.4, 0.4))
    pts.append(shapely.Point(3.5, 0.5))
    assert _label(faces, pts, holders) == ["A", None, "B"]
    assert _label(faces, pts, {"C": None}) == [None, None, None]


# ---------------------------------------------------------------------------
# size on real data


@pytest.mark.slow
def test_syria_page_under_1mb(shared_data, tmp_path):
    src = shared_data / "syria-control-2024-12"
    if not src.is_dir():
        pytest.skip(f"{src} not found")
    out = tmp_path / "syria.html"
    r = run("compare", src, "--faction-field", "layer", "--offline", "-o", out)
    assert r.exit_code == 0, r.output
    size = out.stat().st_size
    assert size < 1_000_000, f"Syria page is {size:,} bytes"
    html = out.read_text(encoding="utf-8")
    assert "3 December 2024" in html and "5 December 2024" in html


def test_demo_page(tmp_path):
    if not (ROOT / "layers" / "2017-01-09").is_dir():
        pytest.skip("the bundled demo is not there yet")
    out = tmp_path / "demo.html"
    r = run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline", "-o", out)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 400_000
    assert "Territorial control, 9 Jan → 16 Jan 2017" in html
    assert "Islamic State" in html and "Deir ez-Zour" in html
    assert dt.date(2017, 1, 16).isoformat() in html


def test_png_paths_leave_holes_open_whatever_their_winding():
    """A hole wound like its exterior (as a simplified or hand-made polygon may be) stays a
    hole in the PNG: the demo's Aleppo pocket showed the hatching of the ground around it."""
    import shapely

    from frontmap.render.static_png import _path

    outer = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    inner = [(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)]  # counter-clockwise, like the exterior
    poly = shapely.Polygon(outer, [inner])
    assert shapely.is_ccw(poly.exterior) and shapely.is_ccw(poly.interiors[0])
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch

    fig = Figure(figsize=(1, 1), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")
    ax.add_patch(PathPatch(_path(poly), facecolor="black", edgecolor="none"))
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())
    assert tuple(img[50, 50, :3]) == (255, 255, 255)  # the hole, left open
    assert tuple(img[80, 20, :3]) == (0, 0, 0)  # the ground around it
